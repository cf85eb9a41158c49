//! Finds English words in a Japanese text that the catalogue, not a person,
//! put there: the one check behind the catalogue's unit test and the
//! end-to-end no-English test.
//!
//! Not English for this check: user text (passed in), URLs, Discord mentions,
//! `code`, commands (`/agenda`), options (`--kind`), config keys and sections
//! (`state_dir`, `[google]`), ids, paths, zones and numbers (anything with a
//! digit, `_`, `.`, `/`, `@`, `:` or `=`), acronyms (`ICS`, `URL`), and the
//! names below: products, command and subcommand names.

/// Product names and the names of commands, subcommands and option values a
/// person types as they are.
const ALLOWED: &[&str] = &[
    "Google",
    "Discord",
    // "Google Calendar", as README's section is called
    "Calendar",
    "id",
    "systemctl",
    "MiB",
    "status",
    "weekly-postmortem",
    // CLI commands
    "run",
    "plan",
    "check-config",
    "history",
    "stats",
    "import",
    "export",
    "sync",
    "suggest-slot",
    "calendar-url",
    "auth",
    "google",
    // Discord subcommands
    "add",
    "list",
    "done",
    "remove",
    "edit",
    "move",
    "skip",
    "cancel",
    "search",
];

/// The English words in `text` that are none of the exceptions above, after
/// removing every occurrence of `user_text` (titles, names, ids from the test's data).
pub fn stray_words(text: &str, user_text: &[&str]) -> Vec<String> {
    let mut text = text.to_string();
    let mut user_text = user_text.to_vec();
    user_text.sort_by_key(|t| std::cmp::Reverse(t.len()));
    for t in user_text.iter().filter(|t| !t.is_empty()) {
        text = text.replace(t, " ");
    }
    let text = remove_spans(&text, '`', '`');
    let text = remove_spans(&text, '<', '>');
    text.split(|c: char| !is_token_char(c))
        .filter(|token| !token.is_empty())
        .map(|token| token.trim_end_matches(['.', ':', ',', '-']))
        .filter(|token| !allowed(token))
        .map(str::to_string)
        .collect()
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-./:@#[]=|+%?&~".contains(c)
}

fn allowed(token: &str) -> bool {
    if !token.chars().any(|c| c.is_ascii_alphabetic()) {
        return true;
    }
    if token.starts_with(['/', '-', '#', '[']) || token.starts_with("http") && token.contains("://")
    {
        return true;
    }
    if token
        .chars()
        .any(|c| c.is_ascii_digit() || "_./@:=|?&~%".contains(c))
    {
        return true;
    }
    let letters = token.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if letters >= 2 && token.chars().all(|c| !c.is_ascii_lowercase()) {
        return true;
    }
    ALLOWED.contains(&token)
}

fn remove_spans(text: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        match (inside, c) {
            (false, c) if c == open => inside = true,
            (true, c) if c == close => {
                inside = false;
                out.push(' ');
            }
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::stray_words;

    #[test]
    fn english_words_are_found_and_the_exceptions_are_not() {
        assert_eq!(
            stray_words("imported foo.json: added 3", &[]),
            vec!["imported", "added"]
        );
        let clean = "`/agenda add` で --kind incident|topic を https://example.com/a?b=1 に。\
                     <#123> state_dir [google] ICS URL 2026-12-09 Asia/Tokyo Google weekly-postmortem";
        assert_eq!(stray_words(clean, &[]), Vec::<String>::new());
        assert_eq!(
            stray_words("「Weekly postmortem」の統計", &["Weekly postmortem"]),
            Vec::<String>::new()
        );
        assert_eq!(stray_words("議題 topic", &[]), vec!["topic"]);
    }
}
