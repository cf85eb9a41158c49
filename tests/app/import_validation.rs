//! Imports refuse what docs/commands.md says they refuse: control characters and
//! oversized text in any field, and two records with one id. The error names
//! the record and the field, and nothing of the file is stored.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, stderr, stdout};

fn good_document() -> Value {
    json!({"format": "weekly-postmortem/v1",
        "sessions": [{"meeting": "weekly", "date": "2024-05-15", "status": "held",
                      "facilitator": "sato",
                      "agenda": [{"id": "batch-delay", "title": "夜間バッチの遅延", "kind": "incident",
                                  "presenter": "tanaka", "team": "決済チーム"}]}],
        "learnings": [{"id": "lock-order", "meeting": "weekly", "date": "2024-05-15",
                       "text": "Lock ordering matters\n\tespecially at night", "tags": ["db"]}]})
}

fn import(app: &TestApp, name: &str, contents: &[u8]) -> std::process::Output {
    let path = app.dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    app.run(&["import", path.to_str().unwrap()])
}

fn import_json(app: &TestApp, name: &str, document: &Value) -> std::process::Output {
    import(app, name, &serde_json::to_vec(document).unwrap())
}

/// Exit 2, one short line naming `expected`, no raw control character, nothing stored.
fn assert_refused(app: &TestApp, output: &std::process::Output, expected: &str, before: &Value) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    assert!(err.contains("何も取り込んでいません"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(
        err.len() < 1_000,
        "a short message, not the value: {} bytes",
        err.len()
    );
    assert!(
        !err.trim_end().chars().any(char::is_control),
        "no raw control character: {err:?}"
    );
    assert_eq!(&app.json(&["export"]), before, "the store is unchanged");
}

#[test]
fn control_characters_and_huge_values_in_any_field_import_nothing() {
    let app = spawn_app();
    let first = import_json(&app, "good.json", &good_document());
    assert!(first.status.success(), "{}", stderr(&first));
    let before = app.json(&["export"]);
    assert_eq!(before["learnings"][0]["id"], "lock-order");

    let mut bel_in_id = good_document();
    bel_in_id["learnings"][0]["id"] = json!("lock\u{7}order");
    let mut huge_id = good_document();
    huge_id["learnings"][0]["id"] = json!("x".repeat(2_000_000));
    let mut team_control = good_document();
    team_control["sessions"][0]["agenda"][0]["team"] = json!("決済\u{1b}[31mチーム");
    let mut team_huge = good_document();
    team_huge["sessions"][0]["agenda"][0]["team"] = json!("t".repeat(1_000_000));
    let mut nul_in_proposal = good_document();
    nul_in_proposal["sessions"][0]["proposal"] =
        json!({"format": "open_talk", "title": "雑談\u{0}回"});
    let mut bel_in_agenda_id = good_document();
    bel_in_agenda_id["sessions"][0]["agenda"][0]["id"] = json!("batch\u{7}");
    let cases = [
        (
            bel_in_id,
            "learnings[0] (weekly 2024-05-15): `id`: 制御文字 U+0007 が含まれています",
        ),
        (
            huge_id,
            "learnings[0] (weekly 2024-05-15): `id`: 2000000文字あります。上限は128文字です",
        ),
        (
            team_control,
            "sessions[0] (weekly 2024-05-15): `agenda[0].team`: 制御文字 U+001B が含まれています",
        ),
        (
            team_huge,
            "`agenda[0].team`: 1000000文字あります。上限は100文字です",
        ),
        (
            nul_in_proposal,
            "sessions[0] (weekly 2024-05-15): `proposal.title`: 制御文字 U+0000 が含まれています",
        ),
        (
            bel_in_agenda_id,
            "`agenda[0].id`: 制御文字 U+0007 が含まれています",
        ),
    ];
    for (document, expected) in cases {
        let output = import_json(&app, "bad.json", &document);
        assert_refused(&app, &output, expected, &before);
    }
}

#[test]
fn two_learnings_with_one_id_are_refused_naming_both() {
    let app = spawn_app();
    let before = app.json(&["export"]);
    let document = json!({"format": "weekly-postmortem/v1", "learnings": [
        {"id": "x", "meeting": "weekly", "date": "2024-05-15", "text": "first"},
        {"meeting": "weekly", "date": "2024-05-15", "text": "other"},
        {"id": "x", "meeting": "weekly", "date": "2024-05-22", "text": "second"}]});
    let output = import_json(&app, "dup.json", &document);
    assert_refused(
        &app,
        &output,
        "learnings[0] と learnings[2] の id がどちらも `x` です",
        &before,
    );
    let agenda = json!({"format": "weekly-postmortem/v1", "sessions": [
        {"meeting": "weekly", "date": "2024-05-15", "status": "held",
         "agenda": [{"id": "a", "title": "one"}, {"id": "a", "title": "two"}]}]});
    let output = import_json(&app, "dup-agenda.json", &agenda);
    assert_refused(
        &app,
        &output,
        "sessions[0].agenda[0] と sessions[0].agenda[1] の id がどちらも `a` です",
        &before,
    );
    // With distinct ids both are stored, and the summary counts what is stored.
    let fixed = json!({"format": "weekly-postmortem/v1", "learnings": [
        {"id": "x", "meeting": "weekly", "date": "2024-05-15", "text": "first"},
        {"id": "y", "meeting": "weekly", "date": "2024-05-22", "text": "second"}]});
    let output = import_json(&app, "fixed.json", &fixed);
    assert!(stdout(&output).contains("追加 2 件"), "{}", stdout(&output));
    assert_eq!(
        app.json(&["export"])["learnings"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn csv_rows_with_control_characters_or_repeated_are_named_by_line() {
    let app = spawn_app();
    let before = app.json(&["export"]);
    let output = import(
        &app,
        "past.csv",
        "date,title,presenter,kind,notes\n2024-05-15,DB failover,tanaka,incident,\"slow\nthen fine\"\n2024-05-22,ベル\u{7},sato,topic,\n".as_bytes(),
    );
    assert_refused(
        &app,
        &output,
        "4 行目: `title`: 制御文字 U+0007 が含まれています",
        &before,
    );
    let output = import(
        &app,
        "twice.csv",
        b"date,title,presenter,kind,notes\n2024-05-15,DB failover,tanaka,incident,\n2024-05-15,DB failover,sato,topic,\n",
    );
    assert_refused(
        &app,
        &output,
        "3 行目: 2 行目と同じです（日付と題名が同じ）",
        &before,
    );
}

#[test]
fn the_daemon_refuses_the_same_files_through_its_api() {
    let app = spawn_app();
    let _daemon = app.start_daemon();
    let before = app.json(&["export"]);
    let document = json!({"format": "weekly-postmortem/v1", "learnings": [
        {"id": "x", "meeting": "weekly", "date": "2024-05-15", "text": "first"},
        {"id": "x", "meeting": "weekly", "date": "2024-05-22", "text": "second"}]});
    let output = import_json(&app, "dup.json", &document);
    assert_refused(
        &app,
        &output,
        "learnings[0] と learnings[1] の id がどちらも `x` です",
        &before,
    );
}
