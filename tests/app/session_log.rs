//! The session log through the binary: import, export, history, and what a crash leaves behind.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, stderr, stdout};

fn sample_document() -> Value {
    json!({"format": "weekly-postmortem/v1",
        "sessions": [{"meeting": "weekly", "date": "2024-05-15", "status": "held",
                      "number": 210, "facilitator": "sato", "notes": "振り返り: 監視ダッシュボードを一緒に見た",
                      "agenda": [{"title": "夜間バッチの遅延", "kind": "incident", "presenter": "tanaka", "link": null}],
                      "attendance": {"going": 7, "maybe": 2, "not_going": 1, "present": 12}},
                     {"meeting": "weekly", "date": "2024-05-22", "status": "skipped", "reason": "cancelled",
                      "number": null, "facilitator": null, "notes": null, "agenda": [],
                      "attendance": {"going": 0, "maybe": 0, "not_going": 0, "present": null}}],
        "postmortems": [{"meeting": "weekly", "date": "2024-05-15", "title": "Nightly batch deadlock",
                         "impact": "注文の反映が2時間遅れた", "actions_taken": "ロックを解放してジョブを再実行",
                         "root_cause": "夜間バッチでデッドロックが発生", "prevention": "ロック順序を統一",
                         "responders": ["tanaka"], "links": []}],
        "learnings": [{"meeting": "weekly", "date": "2024-05-15", "text": "Lock ordering matters",
                       "tags": ["db"], "author": "tanaka"}]})
}

fn import_value(app: &TestApp, name: &str, document: &Value) -> std::process::Output {
    let path = app.dir.path().join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(document).unwrap()).unwrap();
    app.run(&["import", path.to_str().unwrap()])
}

#[test]
fn export_import_export_round_trips_and_import_is_idempotent() {
    let app = spawn_app();
    let first = import_value(&app, "in.json", &sample_document());
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("追加 4 件、更新 0 件、変更なし 0 件"),
        "{}",
        stdout(&first)
    );
    let again = import_value(&app, "in.json", &sample_document());
    assert!(
        stdout(&again).contains("追加 0 件、更新 0 件、変更なし 4 件"),
        "{}",
        stdout(&again)
    );

    let exported = app.json(&["export"]);
    assert_eq!(exported["format"], "weekly-postmortem/v1");
    assert_eq!(exported["sessions"][0]["attendance"]["present"], 12);
    assert_eq!(exported["postmortems"][0]["responders"], json!(["tanaka"]));

    let fresh = spawn_app();
    let out = fresh.dir.path().join("out.json");
    import_value(&fresh, "export.json", &exported);
    let written = fresh.run(&["export", "--output", out.to_str().unwrap()]);
    assert!(written.status.success(), "{}", stderr(&written));
    let round_tripped: Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    assert_eq!(round_tripped, exported);
}

#[test]
fn a_file_with_one_bad_record_imports_nothing_and_names_the_record() {
    let app = spawn_app();
    import_value(&app, "good.json", &sample_document());
    let before = app.json(&["export"]);
    let mut bad = sample_document();
    bad["learnings"]
        .as_array_mut()
        .unwrap()
        .push(json!({"meeting": "weekly", "date": "2024-06-31", "text": "x"}));
    bad["postmortems"][0]["title"] = json!("Changed title");
    let output = import_value(&app, "bad.json", &bad);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("learnings[1] (weekly 2024-06-31): `date`:"),
        "{err}"
    );
    assert!(err.contains("何も取り込んでいません"), "{err}");
    assert_eq!(app.json(&["export"]), before, "the store is unchanged");
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let app = spawn_app();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"format": "weekly-postmortem/v2"}),
            "はこの版では読めない形式です",
        ),
        (
            json!({"format": "weekly-postmortem/v1", "postmortems": [{"meeting": "weekly", "date": "2024-05-15", "title": "  "}]}),
            "postmortems[0] (weekly 2024-05-15 \"  \"): `title`: 空です",
        ),
        (
            json!({"format": "weekly-postmortem/v1", "learnings": [{"meeting": "weekly", "date": "2024-05-15", "text": "x".repeat(4001)}]}),
            "`text`: 4001文字あります",
        ),
        (
            json!({"format": "weekly-postmortem/v1", "learnings": [{"meeting": "weekly", "date": "2024-05-15", "text": "bell\u{7}"}]}),
            "制御文字 U+0007",
        ),
    ];
    for (document, expected) in cases {
        let output = import_value(&app, "bad.json", &document);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr(&output).contains(expected),
            "{expected}: {}",
            stderr(&output)
        );
    }
    let broken = app.dir.path().join("broken.json");
    std::fs::write(&broken, "{\"format\": ").unwrap();
    let output = app.run(&["import", broken.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("JSON として読めません"),
        "{}",
        stderr(&output)
    );
    assert_eq!(app.json(&["export"])["sessions"], json!([]));
}

#[test]
fn csv_of_past_sessions_is_imported_from_a_file_or_stdin() {
    let app = spawn_app();
    let csv = app.dir.path().join("past.csv");
    std::fs::write(&csv, "date,title,presenter,kind,notes\n2019-02-06,初回: DNS障害の振り返り,suzuki,incident,\n2019-02-13,ダッシュボードを眺める会,,dashboard,話題なし\n").unwrap();
    let output = app.run(&["import", csv.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdin = app
        .command()
        .args(["import", "-", "--format", "csv"])
        .write_stdin("date,title,presenter,kind,notes\n2019-02-20,Open talk,,topic,\n")
        .output()
        .unwrap();
    assert!(stdin.status.success(), "{}", stderr(&stdin));
    let agenda = app.json(&["history", "--kind", "agenda", "--format", "json"]);
    let titles: Vec<&str> = agenda
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Open talk",
            "ダッシュボードを眺める会",
            "初回: DNS障害の振り返り"
        ]
    );
}

#[test]
fn history_finds_japanese_words_inside_sentences_newest_first() {
    let app = spawn_app();
    import_value(&app, "in.json", &sample_document());
    let hits = app.json(&["history", "デッドロック", "--format", "json"]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["type"], "postmortem");
    assert_eq!(hits[0]["title"], "Nightly batch deadlock");
    assert_eq!(hits[0]["meeting"], "weekly");
    assert_eq!(hits[0]["date"], "2024-05-15");
    assert!(hits[0]["id"].as_str().unwrap().starts_with("pm-"));

    let latin = app.json(&["history", "LOCK ORDERING", "--format", "json"]);
    assert_eq!(latin[0]["type"], "learning");
    assert_eq!(latin[0]["text"], "Lock ordering matters");
    let by_tag = app.json(&["history", "--tag", "db", "--format", "json"]);
    assert_eq!(by_tag.as_array().unwrap().len(), 1);
    let everything = app.json(&["history", "--format", "json"]);
    assert_eq!(everything[0]["date"], "2024-05-22", "newest first");
    let text = stdout(&app.run(&["history", "ダッシュボード"]));
    assert!(
        text.contains("2024年5月15日(水)   回              weekly  週刊ポストモーテム 第210回"),
        "{text}"
    );
    let none = app.json(&["history", "存在しない言葉", "--format", "json"]);
    assert_eq!(none, json!([]));
}

#[test]
fn a_session_cancelled_in_the_log_shows_as_cancelled_in_plan() {
    let app = spawn_app();
    let document = json!({"format": "weekly-postmortem/v1", "sessions": [
        {"meeting": "weekly", "date": "2026-12-09", "status": "skipped", "reason": "cancelled"}]});
    import_value(&app, "cancel.json", &document);
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-12-02",
        "--weeks",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(plan[1]["status"], "skipped");
    assert_eq!(plan[1]["reason"], "cancelled");
    assert_eq!(plan[2]["number"], plan[0]["number"].as_u64().unwrap() + 1);
}

/// Kills importers at random moments; every import that said "imported" must survive.
#[test]
fn sigkill_during_imports_loses_no_acknowledged_record() {
    let app = spawn_app();
    let mut acknowledged = Vec::new();
    for round in 0..12u32 {
        let learnings: Vec<Value> = (0..400)
            .map(|i| json!({"meeting": "weekly", "date": "2024-01-03", "text": format!("round {round} learning {i}")}))
            .collect();
        let path = app.dir.path().join(format!("round{round}.json"));
        std::fs::write(
            &path,
            serde_json::to_vec(&json!({"format": "weekly-postmortem/v1", "learnings": learnings}))
                .unwrap(),
        )
        .unwrap();
        let mut child = app
            .process()
            .args(["import", path.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if round % 3 == 2 {
            std::thread::sleep(Duration::from_millis(5 + 7 * u64::from(round)));
            let _ = child.kill();
        }
        let output = child.wait_with_output().unwrap();
        if stdout(&output).contains("取り込みました") {
            acknowledged.push(round);
        }
    }
    assert!(
        acknowledged.len() >= 8,
        "most rounds ran to the end: {acknowledged:?}"
    );
    let exported = app.json(&["export"]);
    let texts: Vec<&str> = exported["learnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    for round in 0..12u32 {
        let count = texts
            .iter()
            .filter(|t| t.starts_with(&format!("round {round} ")))
            .count();
        if acknowledged.contains(&round) {
            assert_eq!(count, 400, "round {round} was acknowledged");
        } else {
            assert!(
                count == 0 || count == 400,
                "round {round} is all or nothing, found {count}"
            );
        }
    }
}
