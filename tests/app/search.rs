//! History search through the binary: the same answers with and without the
//! daemon (which answers from its index, kept current on every write), and
//! writes made through the daemon while a large import runs are never lost.
//! Without a daemon the CLI reads a copy of the search entries, never a stale one.

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, WEEKLY_MEETING, daemon_section, get, http, spawn_app, spawn_app_with, stderr, stdout,
};

fn write_json(app: &TestApp, name: &str, value: &Value) -> String {
    let path = app.dir.path().join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

fn import(app: &TestApp, name: &str, value: &Value) {
    let path = write_json(app, name, value);
    let output = app.run(&["import", &path]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Agenda items are done: the daemon would carry open ones over to the next
/// session, and this test wants the same log on both sides.
fn sample() -> Value {
    json!({"format": "weekly-postmortem/v1",
        "sessions": [
            {"meeting": "weekly", "date": "2026-11-18", "status": "held", "notes": "夜間バッチのデッドロックを共有",
             "agenda": [{"title": "決済APIのデッドロック", "kind": "incident", "presenter": "tanaka", "done": true},
                        {"title": "Grafana dashboard walk", "kind": "dashboard", "team": "SRE-2", "done": true}]},
            {"meeting": "weekly", "date": "2026-11-04", "status": "held", "notes": "ＤＢ failover drill"}],
        "postmortems": [{"meeting": "weekly", "date": "2026-11-11", "title": "証明書の期限切れ",
                         "impact": "APIが30分停止", "actions_taken": "手動で更新", "root_cause": "監視漏れ",
                         "prevention": "期限の監視", "responders": ["sato"], "links": []}],
        "learnings": [{"meeting": "weekly", "date": "2026-11-18", "text": "Lock ordering prevents deadlocks; DB は順序が大事", "tags": ["db"]},
                      {"meeting": "weekly", "date": "2025-02-05", "text": "古いデッドロックの学び", "tags": ["db", "old"]}]})
}

/// Queries covering text, filters and both output formats.
const QUERIES: &[&[&str]] = &[
    &["history", "デッドロック"],
    &["history", "デッドロック", "--format", "json"],
    &["history", "db", "--format", "json"],
    &["history", "--kind", "agenda", "--format", "json"],
    &["history", "--team", "sre-2"],
    &["history", "--tag", "DB", "--since", "2026-01-01"],
    &[
        "history",
        "期限",
        "--until",
        "2026-11-11",
        "--format",
        "json",
    ],
    &["history", "--limit", "3"],
    &["history", "存在しない言葉"],
];

#[test]
fn history_answers_the_same_with_and_without_the_daemon() {
    let app = spawn_app();
    import(&app, "sample.json", &sample());
    let direct: Vec<String> = QUERIES.iter().map(|q| stdout(&app.run(q))).collect();
    assert!(
        direct[0].contains("決済APIのデッドロック（インシデント、tanaka）"),
        "{}",
        direct[0]
    );
    let hits: Value = serde_json::from_str(&direct[1]).unwrap();
    let dates: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        ["2026-11-18", "2026-11-18", "2025-02-05"],
        "newest first"
    );
    assert!(direct[8].contains("見つかりませんでした"));
    // The first search wrote the copy of the search entries that the next ones read.
    assert!(app.state_dir().join("search-entries").exists());
    let again: Vec<String> = QUERIES.iter().map(|q| stdout(&app.run(q))).collect();
    assert_eq!(again, direct);

    // A daemon that has changed nothing leaves the file current: the CLI
    // still answers from it; after the daemon's first change, its API answers.
    let daemon = app.start_daemon();
    for (query, expected) in QUERIES.iter().zip(&direct) {
        let output = app.run(query);
        assert!(output.status.success(), "{query:?}: {}", stderr(&output));
        assert_eq!(&stdout(&output), expected, "{query:?}");
    }
    import(
        &app,
        "unrelated.json",
        &json!({"format": "weekly-postmortem/v1",
        "learnings": [{"meeting": "weekly", "date": "2019-01-02", "text": "関係のない学び", "tags": []}]}),
    );
    for (query, expected) in QUERIES.iter().zip(&direct) {
        let output = app.run(query);
        assert!(output.status.success(), "{query:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("デーモンのローカル API"),
            "{}",
            stderr(&output)
        );
        assert_eq!(&stdout(&output), expected, "{query:?}");
    }

    // A write through the daemon is found by the next search, without a restart.
    import(
        &app,
        "more.json",
        &json!({"format": "weekly-postmortem/v1",
        "learnings": [{"meeting": "weekly", "date": "2026-11-25", "text": "新しいデッドロック対策", "tags": []}]}),
    );
    let hits = app.json(&["history", "デッドロック", "--format", "json"]);
    assert_eq!(hits[0]["text"], "新しいデッドロック対策");

    let url = format!("{}/api/search?q=x", daemon.base_url);
    assert_eq!(get(&url).unwrap().0, 401, "the search API needs the token");
    let token = std::fs::read_to_string(app.state_dir().join("api-token")).unwrap();
    let (status, body) = http(
        &format!("{}/api/search?since=2026-13-01", daemon.base_url),
        |c, u| c.get(u).bearer_auth(token.trim()),
    )
    .unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("since"), "{body}");

    // Once the daemon stops, the file written before its write is stale: the
    // CLI never answers from it, and finds the write.
    let mut daemon = daemon;
    assert!(daemon.terminate().success());
    let output = app.run(&["history", "デッドロック", "--format", "json"]);
    assert!(
        !stderr(&output).contains("デーモンのローカル API"),
        "{}",
        stderr(&output)
    );
    let hits: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(hits[0]["text"], "新しいデッドロック対策");
}

/// Writes through the daemon's API while the CLI imports a large file through
/// it, touching the same sessions: every acknowledged write is kept. With a
/// 1 MiB cache the daemon reopens its store after the calls that read much
/// of it (to free the pages sled keeps), in between those writes: nothing
/// is lost by that either, and the search index survives it.
#[test]
fn writes_through_the_daemon_during_a_large_import_are_all_kept() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}",
        daemon_section("cache_mib = 1")
    ));
    let weeks: Vec<String> = (0..150)
        .map(|w| {
            (chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(7 * w))
                .to_string()
        })
        .collect();
    let sessions: Vec<Value> = weeks
        .iter()
        .map(|d| json!({"meeting": "weekly", "date": d, "status": "held", "notes": "from the big import"}))
        .collect();
    let learnings: Vec<Value> = (0..40_000)
        .map(|i| json!({"meeting": "weekly", "date": "2021-06-02", "text": format!("bulk learning {i}")}))
        .collect();
    let big = write_json(
        &app,
        "big.json",
        &json!({"format": "weekly-postmortem/v1",
        "sessions": sessions, "learnings": learnings}),
    );
    let daemon = app.start_daemon_with_env(&[("RUST_LOG", "weekly_postmortem=debug")]);
    let token = std::fs::read_to_string(app.state_dir().join("api-token")).unwrap();
    let token = token.trim().to_string();

    let mut importer = app
        .process()
        .args(["import", &big])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut acknowledged = Vec::new();
    let mut finished = None;
    let mut n = 0usize;
    // Keep writing until the import is done, and at least once per session.
    while finished.is_none() || n < weeks.len() {
        let date = &weeks[n % weeks.len()];
        let person = format!("person-{n}");
        let answer = json!({"format": "weekly-postmortem/v1", "sessions": [
            {"meeting": "weekly", "date": date, "status": "held", "rsvps": {person.clone(): "going"}}]});
        let (status, body) = http(&format!("{}/api/import", daemon.base_url), |c, u| {
            c.post(u)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(answer.to_string())
        })
        .unwrap();
        assert_eq!(status, 200, "{body}");
        acknowledged.push((date.clone(), person));
        n += 1;
        if finished.is_none() {
            finished = importer.try_wait().unwrap();
        }
    }
    let output = importer.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("取り込みました"),
        "{}",
        stdout(&output)
    );

    let exported = app.json(&["export"]);
    let stored: std::collections::HashSet<(String, String)> = exported["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            let date = s["date"].as_str().unwrap().to_string();
            s["rsvps"]
                .as_object()
                .into_iter()
                .flatten()
                .map(move |(person, _)| (date.clone(), person.clone()))
        })
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|a| !stored.contains(*a))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} answers lost: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    assert_eq!(exported["learnings"].as_array().unwrap().len(), 40_000);
    let found = app.json(&["history", "bulk learning 39999", "--format", "json"]);
    assert_eq!(found[0]["text"], "bulk learning 39999", "{found}");
    let reopened = app
        .daemon_log()
        .matches("reopened the store to free")
        .count();
    assert!(
        reopened >= 2,
        "after the import and the export: {}",
        app.daemon_log()
    );
    assert!(
        exported["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["notes"] == "from the big import"),
        "the import's notes are there too"
    );
}
