//! With `language = "ja"`, nothing the program writes for people carries an English
//! word: every CLI command's human output and errors here, and (through
//! `discord_bot::content`) every Discord reply the bot's end-to-end tests see.
//! The word check is the catalogue's own (`messages::english::stray_words`).

use std::path::Path;
use std::process::Output;

use serde_json::json;

use crate::fake_google::FakeGoogle;
use crate::helpers::{TestApp, WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, stdout};

/// User text and ids the tests' data carry: not English the program wrote.
pub const USER_TEXT: &[&str] = &[
    "weekly",
    "alice@example.com",
    "bob@example.com",
    "team@example.com",
    "tanaka",
    "sato",
    "DNS outage",
    // Ids the error paths are given.
    "nope",
    "sre",
    // The fake Discord's display names.
    "User",
];

/// Fails when `text` has an English word outside the allowlist and `user_text`.
pub fn assert_japanese(what: &str, text: &str, user_text: &[&str]) {
    let all: Vec<&str> = USER_TEXT.iter().chain(user_text).copied().collect();
    let stray = weekly_postmortem::messages::english::stray_words(text, &all);
    assert!(stray.is_empty(), "{what}: English {stray:?} in\n{text}");
}

fn assert_output_japanese(what: &str, output: &Output) {
    assert_japanese(&format!("{what} (stdout)"), &stdout(output), &[]);
    assert_japanese(&format!("{what} (stderr)"), &stderr(output), &[]);
}

fn app_with_google(fake: &FakeGoogle) -> TestApp {
    let app = spawn_app_with("");
    let key = fake.write_service_account_key(app.dir.path());
    let config = format!(
        "{}{WEEKLY_MEETING}\n[google]\ncalendar_id = \"team@example.com\"\ncredentials_file = \"{}\"\napi_base_url = \"{}\"\n",
        daemon_section(""),
        key.display(),
        fake.api_base_url()
    );
    std::fs::write(&app.config_path, config).unwrap();
    app
}

fn write_log(dir: &Path) -> String {
    let path = dir.join("log.json");
    let document = json!({
        "format": "weekly-postmortem/v1",
        "sessions": [{"meeting": "weekly", "date": "2026-11-18", "status": "held",
            "facilitator": "sato", "notes": "障害対応の振り返り",
            "agenda": [{"id": "a1", "title": "決済APIの遅延", "kind": "incident", "presenter": "tanaka"},
                       {"id": "a2", "title": "監視の見直し", "kind": "topic"}]},
            {"meeting": "weekly", "date": "2026-11-11", "status": "held"}],
        "postmortems": [{"id": "p1", "meeting": "weekly", "date": "2026-11-18",
            "title": "決済APIの遅延", "impact": "30分間の遅延", "actions_taken": "再起動",
            "prevention": "監視を追加"}],
        "learnings": [{"id": "l1", "meeting": "weekly", "date": "2026-11-18",
            "text": "ロックの順序が大事", "tags": ["データベース"]}]
    });
    std::fs::write(&path, document.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn every_cli_commands_human_output_is_japanese() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake);
    fake.set_busy("alice@example.com", Vec::new());
    fake.set_busy("bob@example.com", Vec::new());
    let log = write_log(app.dir.path());
    let chart = app.dir.path().join("stats.png");
    let chart = chart.to_str().unwrap();
    // Not UTF-8. (A record the format refuses is named in English still: the
    // interchange's problems, serde's among them, are not in the catalogue yet.)
    let bad = app.dir.path().join("bad.csv");
    std::fs::write(&bad, b"date,title\n2026-11-18,\xff\xfe\n").unwrap();
    let bad = bad.to_str().unwrap();
    let export = app.dir.path().join("export.json");
    let export = export.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["check-config"],
        vec!["import", &log],
        vec!["import", &log],
        vec!["export", "--output", export],
        vec!["plan", "--from", "2026-12-01", "--until", "2027-01-31"],
        vec!["history", "決済"],
        vec!["history"],
        vec!["history", "存在しない言葉"],
        vec!["history", "--kind", "learning"],
        vec!["stats", "--png", chart],
        vec!["sync", "--once", "--dry-run"],
        vec![
            "suggest-slot",
            "--attendees",
            "alice@example.com,bob@example.com",
        ],
    ];
    for args in &commands {
        let output = app.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_output_japanese(&format!("{args:?}"), &output);
    }
    let errors: Vec<Vec<&str>> = vec![
        vec!["plan", "--from", "2027-01-01", "--until", "2026-01-01"],
        vec!["plan", "--from", "1955-01-01"],
        vec!["stats", "--meeting", "nope"],
        vec!["history", "--since", "2026-12-01", "--until", "2026-11-01"],
        vec!["import", bad],
        vec!["import", "/nonexistent/log.json"],
        vec!["suggest-slot", "--team", "sre"],
    ];
    for args in &errors {
        let output = app.run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_output_japanese(&format!("{args:?}"), &output);
    }
    // Through the running daemon: its notes and its answers.
    let _daemon = app.start_daemon();
    for args in [
        vec!["history", "決済"],
        vec!["import", &log],
        vec!["sync", "--once", "--dry-run"],
        vec!["calendar-url"],
        vec!["calendar-url", "--rotate"],
    ] {
        let output = app.run(&args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_output_japanese(&format!("{args:?} through the daemon"), &output);
    }
}

#[test]
fn the_word_check_finds_english_in_a_reply() {
    let found =
        weekly_postmortem::messages::english::stray_words("imported log.json: added 1", USER_TEXT);
    assert_eq!(found, ["imported", "added"]);
}

/// Fails when a channel post (its text and its buttons' labels) carries an
/// English word: the bot's announcements and calls for topics are checked
/// where the end-to-end tests read them.
pub fn assert_post_japanese(post: &serde_json::Value, user_text: &[&str]) {
    let mut text = post["content"].as_str().unwrap_or_default().to_string();
    for row in post["components"].as_array().into_iter().flatten() {
        for button in row["components"].as_array().into_iter().flatten() {
            text += "\n";
            text += button["label"].as_str().unwrap_or_default();
        }
    }
    assert_japanese("a channel post", &text, user_text);
}
