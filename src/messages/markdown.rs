//! A session's notes (its summary) are Markdown; where they are shown as
//! plain text (search snippets, the CLI, Discord lists) the markup goes.

/// `text` without Markdown's emphasis, headings and code marks, line by line.
pub(crate) fn plain(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.trim_start_matches('#').trim_start();
            line.replace("**", "").replace("__", "").replace('`', "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_headings_and_code_marks_go_and_the_words_stay() {
        assert_eq!(
            plain("**第390回（12月9日(水)）のまとめ**\n## 扱った議題\n- `5xx` の増加"),
            "第390回（12月9日(水)）のまとめ\n扱った議題\n- 5xx の増加"
        );
    }
}
