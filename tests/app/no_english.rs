//! With `language = "ja"`, nothing the program writes for people carries an English
//! word: every CLI command's human output and errors here (bad configs, bad
//! flags and values, bad import files among them), and (through
//! `discord_bot::content`) every Discord reply the bot's end-to-end tests see.
//! `--help` is clap's English by choice (README "Commands").
//! The word check is the catalogue's own (`messages::english::stray_words`).

use std::path::Path;
use std::process::Output;

use serde_json::json;

use crate::fake_google::FakeGoogle;
use crate::helpers::{TestApp, WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, stdout};
use crate::test_config::{Discord, Meeting, TestConfig};

/// User text and ids the tests' data carry: not English the program wrote.
pub(crate) const USER_TEXT: &[&str] = &[
    "weekly",
    "alice@example.com",
    "bob@example.com",
    "team@example.com",
    "tanaka",
    "sato",
    "DNS outage",
    // Ids the error paths are given.
    "nope",
    "daily",
    "sre",
    // The fake Discord's display names.
    "User",
];

/// Fails when `text` has an English word outside the allowlist and `user_text`.
pub(crate) fn assert_japanese(what: &str, text: &str, user_text: &[&str]) {
    let all: Vec<&str> = USER_TEXT.iter().chain(user_text).copied().collect();
    let stray = weekly_postmortem::messages::english::stray_words(text, &all);
    assert!(stray.is_empty(), "{what}: English {stray:?} in\n{text}");
}

fn assert_output_japanese(what: &str, output: &Output) {
    assert_japanese(&format!("{what} (stdout)"), &stdout(output), &[]);
    assert_japanese(&format!("{what} (stderr)"), &stderr(output), &[]);
}

/// The same, where what the person typed (the arguments) is user text.
fn assert_output_japanese_but(what: &str, output: &Output, typed: &[&str]) {
    let typed: Vec<&str> = typed.iter().copied().filter(|t| t.len() > 1).collect();
    assert_japanese(&format!("{what} (stdout)"), &stdout(output), &typed);
    assert_japanese(&format!("{what} (stderr)"), &stderr(output), &typed);
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
    // Not UTF-8.
    let bad = app.dir.path().join("bad.csv");
    std::fs::write(&bad, b"date,title\n2026-11-18,\xff\xfe\n").unwrap();
    let bad = bad.to_str().unwrap();
    // Records the format refuses: serde's words, the records' rules, CSV rows.
    let bad_files: Vec<(&str, String)> = vec![
        ("unknown-field.json", r#"{"format":"weekly-postmortem/v1","sessions":[{"meeting":"weekly","date":"2026-11-18","status":"held","colour":1}]}"#.into()),
        ("missing-field.json", r#"{"format":"weekly-postmortem/v1","learnings":[{"meeting":"weekly","date":"2026-11-18"}]}"#.into()),
        ("wrong-type.json", r#"{"format":"weekly-postmortem/v1","sessions":{}}"#.into()),
        ("other-meeting.json", r#"{"format":"weekly-postmortem/v1","sessions":[{"meeting":"daily","date":"2026-11-18","status":"held"}]}"#.into()),
        ("bad-format.json", r#"{"format":"v2"}"#.into()),
        ("unknown-top.json", r#"{"format":"weekly-postmortem/v1","meetings":[]}"#.into()),
        ("not-json.json", "{\"format\": ".into()),
        ("bad-date.csv", "date,title,presenter,kind,notes\n12/14,DNS,,,\n".into()),
        ("bad-kind.csv", "date,title,presenter,kind,notes\n2026-11-18,DNS,,meeting,\n".into()),
        ("bad-header.csv", "day,title\n2026-11-18,DNS\n".into()),
        ("twice.csv", "date,title,presenter,kind,notes\n2026-11-18,DNS,,,\n2026-11-18,DNS,,,\n".into()),
    ];
    let bad_files: Vec<String> = bad_files
        .into_iter()
        .map(|(name, text)| {
            let path = app.dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_string()
        })
        .collect();
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
    let mut errors: Vec<Vec<&str>> = vec![
        vec!["plan", "--from", "2027-01-01", "--until", "2026-01-01"],
        vec!["plan", "--from", "1955-01-01"],
        vec!["stats", "--meeting", "nope"],
        vec!["history", "--since", "2026-12-01", "--until", "2026-11-01"],
        vec!["import", bad],
        vec!["import", "/nonexistent/log.json"],
        vec!["suggest-slot", "--team", "sre"],
        // clap's errors: an unknown flag, command or value, a missing one.
        vec!["plan", "--frm", "2026-12-01"],
        vec!["plna"],
        vec![],
        vec!["plan", "--from", "2026-13-01"],
        vec!["plan", "--weeks", "0"],
        vec!["plan", "--format", "xml"],
        vec!["stats", "--png"],
        vec!["import"],
        vec!["suggest-slot", "--weekdays", "someday"],
        vec!["suggest-slot", "--quorum", "2"],
        vec!["suggest-slot", "--between", "25:00-26:00"],
        vec!["suggest-slot", "--timezone", "Mars/Olympus"],
        vec!["auth"],
    ];
    errors.extend(bad_files.iter().map(|file| vec!["import", file.as_str()]));
    for args in &errors {
        let output = app.run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_output_japanese_but(&format!("{args:?}"), &output, args);
    }
    // Through the running daemon: its notes and its answers.
    let _daemon = app.start_daemon();
    for file in &bad_files[..6] {
        let output = app.run(&["import", file]);
        assert_eq!(output.status.code(), Some(2), "{file}: {}", stderr(&output));
        assert_output_japanese_but(
            &format!("import {file} through the daemon"),
            &output,
            &[file],
        );
    }
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
pub(crate) fn assert_post_japanese(post: &serde_json::Value, user_text: &[&str]) {
    let mut text = post["content"].as_str().unwrap_or_default().to_string();
    for row in post["components"].as_array().into_iter().flatten() {
        for button in row["components"].as_array().into_iter().flatten() {
            text += "\n";
            text += button["label"].as_str().unwrap_or_default();
        }
    }
    assert_japanese("a channel post", &text, user_text);
}

#[test]
fn bad_configs_are_explained_in_japanese_by_every_command() {
    let bad_configs = [
        WEEKLY_MEETING.replace("\"17:00\"", "\"25:00\""),
        WEEKLY_MEETING.replace("wednesday", "caturday"),
        format!("{WEEKLY_MEETING}venue = \"room\"\n"),
        format!("{WEEKLY_MEETING}{WEEKLY_MEETING}"),
        format!("{}{WEEKLY_MEETING}", daemon_section("colour = 1")),
        format!("{}{WEEKLY_MEETING}", daemon_section("cache_mib = 0")),
        format!(
            "{}{WEEKLY_MEETING}",
            daemon_section("").replace("127.0.0.1:0", "0.0.0.0:0")
        ),
        format!(
            "{WEEKLY_MEETING}closures = [{{name = \"x\", from = \"02-30\", until = \"03-01\"}}]\n"
        ),
        format!("{WEEKLY_MEETING}skip_dates = [\"12/30\"]\n"),
        format!("{WEEKLY_MEETING}duration_minutes = \"sixty\"\n"),
        TestConfig::empty()
            .meeting(Meeting::weekly())
            .discord(Discord::ids(1, 2, 3).set("channel_id", "\"general\""))
            .to_toml(),
        TestConfig::empty()
            .meeting(Meeting::weekly())
            .discord(Discord::ids(1, 2, 3).token_file("/dev/zero"))
            .to_toml(),
        "[daemon]\nlanguage = \"fr\"\n".to_string(),
        "[daemon\n".to_string(),
        String::new(),
    ];
    let commands: [&[&str]; 10] = [
        &["check-config"],
        &["run"],
        &["plan"],
        &["history", "x"],
        &["stats"],
        &["export", "--output", "/dev/null"],
        &["import", "/dev/null"],
        &["sync", "--once", "--dry-run"],
        &["suggest-slot", "--attendees", "a@example.com"],
        &["calendar-url"],
    ];
    for config in &bad_configs {
        let app = spawn_app_with(config);
        let path = app.config_path.display().to_string();
        for args in commands {
            let output = app.run(args);
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{config}\n{args:?}: {err}");
            assert!(err.contains(&path), "{args:?}: {err}");
            assert_japanese(
                &format!("{config}\n{args:?}"),
                &err.replace(&path, ""),
                &[
                    "caturday",
                    "venue",
                    "room",
                    "colour",
                    "fr",
                    "general",
                    "sixty",
                    "x",
                    "a@example.com",
                ],
            );
        }
    }
    // With a bad config, a bad flag is still said in Japanese (the file's
    // language cannot be read, so the default).
    let app = spawn_app_with("[daemon\n");
    let output = app.run(&["plan", "--frm"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("エラー: `--frm` というオプションはありません"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_flag_is_said_in_the_configs_language() {
    let app = spawn_app_with(&format!("{}{WEEKLY_MEETING}", daemon_section("")));
    let output = app.run(&["plan", "--frm", "2026-12-01"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.starts_with("エラー: `--frm` というオプションはありません（`--from` のことですか？）"),
        "{err}"
    );
    assert!(err.contains("使い方: weekly-postmortem plan"), "{err}");
    let output = app.run(&["plan", "--from", "2026-13-01"]);
    assert!(
        stderr(&output).starts_with("エラー: `--from <DATE>` の値 `2026-13-01` を読み取れません: 日付は YYYY-MM-DD で書いてください"),
        "{}",
        stderr(&output)
    );
    let english = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}",
        daemon_section("").replace("language = \"ja\"", "language = \"en\"")
    ));
    let output = english.run(&["plan", "--frm", "2026-12-01"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.starts_with("error: unexpected argument '--frm' found"),
        "{err}"
    );
    assert!(err.contains("Usage: weekly-postmortem plan"), "{err}");
    // `auth google` without `[google]`: what to configure first.
    let output = app.run(&["auth", "google"]);
    assert_ne!(output.status.code(), Some(0));
    assert_output_japanese("auth google without [google]", &output);
    // Help and version still answer on stdout, exit 0.
    let output = app.run(&["plan", "--help"]);
    assert_eq!(output.status.code(), Some(0));
}
