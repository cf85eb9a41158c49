//! The config's errors in Japanese: what a person reads when `daemon.language` is `ja`.

use super::*;

fn error_of(text: &str) -> String {
    Config::parse(Path::new("/etc/wp/config.toml"), text)
        .unwrap_err()
        .to_string()
}

const MEETING: &str = "[[meeting]]\nid = \"weekly\"\ntitle = \"週次\"\nweekday = \"wednesday\"\nstart_time = \"17:00\"\nfirst_session = \"2019-02-06\"\n";

#[test]
fn errors_are_in_the_files_language_and_japanese_when_it_says_nothing_or_cannot_be_read() {
    // No `daemon.language`: Japanese, with file, line and key as written.
    let err = error_of(&MEETING.replace("17:00", "25:00"));
    assert_eq!(
        err,
        "/etc/wp/config.toml:5: キー `meeting[0].start_time`: 時刻は 00:00 から 23:59 までの HH:MM で指定してください（`25:00` と書かれています）"
    );
    // serde's own words, translated.
    let err = error_of(&format!("[daemon]\ncolour = 1\n{MEETING}"));
    assert!(
        err.starts_with("/etc/wp/config.toml:2: キー `daemon.colour`: `colour` というキーはありません。書けるキー: "),
        "{err}"
    );
    let err = error_of("[[meeting]]\nid = \"weekly\"\n");
    assert!(err.contains("`title` がありません"), "{err}");
    // Not TOML at all: Japanese, the parser's words quoted.
    let err = error_of("[daemon\nlanguage = \"en\"\n");
    assert!(
        err.starts_with("/etc/wp/config.toml:1: TOML として読めません"),
        "{err}"
    );
    // `language = "en"` anywhere in a file that parses: English.
    let err = error_of(&format!(
        "{}[daemon]\nlanguage = \"en\"\n",
        MEETING.replace("17:00", "25:00")
    ));
    assert!(
        err.contains("key `meeting[0].start_time`: expected a time"),
        "{err}"
    );
    let err = error_of("[daemon]\nlanguage = \"ja\"\n");
    assert!(err.contains("ミーティングが設定されていません"), "{err}");
}
