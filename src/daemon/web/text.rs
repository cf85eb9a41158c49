//! Text the pages show beside their markup: the search's match marked,
//! links only when they are web addresses, and a postmortem as Markdown.

use crate::domain::history::normalize;
use crate::domain::language::Language;
use crate::domain::log::Postmortem;
use crate::messages::Message;
use crate::messages::web::Web;

/// A piece of shown text; `hit` pieces are what the search matched.
pub(super) struct Piece {
    pub(super) text: String,
    pub(super) hit: bool,
}

/// `text` cut into pieces around each word of `query` (width and case
/// folded as the search folds them), for the template to wrap in `<mark>`.
pub(super) fn highlight(text: &str, query: Option<&str>) -> Vec<Piece> {
    let words: Vec<Vec<char>> = query
        .unwrap_or_default()
        .split_whitespace()
        .map(|w| normalize(w).chars().collect())
        .filter(|w: &Vec<char>| !w.is_empty())
        .collect();
    let original: Vec<char> = text.chars().collect();
    // Folded char by char, so positions stay those of the original.
    let folded: Vec<char> = original
        .iter()
        .map(|c| normalize(&c.to_string()).chars().next().unwrap_or(*c))
        .collect();
    let mut hit = vec![false; original.len()];
    for word in &words {
        let mut start = 0;
        while start + word.len() <= folded.len() {
            if folded[start..start + word.len()] == word[..] {
                hit[start..start + word.len()].fill(true);
                start += word.len();
            } else {
                start += 1;
            }
        }
    }
    let mut pieces: Vec<Piece> = Vec::new();
    for (c, h) in original.into_iter().zip(hit) {
        match pieces.last_mut() {
            Some(last) if last.hit == h => last.text.push(c),
            _ => pieces.push(Piece {
                text: c.to_string(),
                hit: h,
            }),
        }
    }
    pieces
}

/// A user-given link as a link only when it is an http(s) address: a
/// `javascript:` one is shown as text.
pub(super) fn web_address(link: &str) -> Option<&str> {
    let lower = link.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(link.trim())
}

/// A postmortem for a wiki: the blameless template's sections, in `language`.
/// A postmortem as a Markdown file: its title, the meeting and the session's
/// day as people read them, then each section; every line of a body is its
/// own paragraph, as it was typed.
pub(super) fn postmortem_markdown(
    p: &Postmortem,
    meeting_title: &str,
    language: Language,
) -> String {
    let mut out = format!(
        "# {}\n\n{} · {}\n",
        p.title,
        meeting_title,
        crate::messages::dates::day_with_year(p.date, language)
    );
    for (heading, body) in [
        (Web::Impact, &p.impact),
        (Web::ActionsTaken, &p.actions_taken),
        (Web::RootCause, &p.root_cause),
        (Web::Prevention, &p.prevention),
    ] {
        if !body.trim().is_empty() {
            let paragraphs: Vec<&str> = body
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty())
                .collect();
            out += &format!(
                "\n## {}\n\n{}\n",
                heading.say(language),
                paragraphs.join("\n\n")
            );
        }
    }
    for (heading, items) in [(Web::Responders, &p.responders), (Web::Links, &p.links)] {
        if !items.is_empty() {
            out += &format!("\n## {}\n\n", heading.say(language));
            for item in items {
                out += &format!("- {item}\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn every_match_of_every_word_is_marked_with_width_and_case_folded() {
        let pieces = highlight("DBのデッドロック、ＤＢ再起動", Some("db デッドロック"));
        assert_eq!(marked(&pieces), "[DB]の[デッドロック]、[ＤＢ]再起動");
        assert_eq!(marked(&highlight("no query", None)), "no query");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            web_address(" https://x.example/a "),
            Some("https://x.example/a")
        );
        assert_eq!(web_address("javascript:alert(1)"), None);
    }
}
