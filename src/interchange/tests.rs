//! Unit tests of `interchange`, beside it so the module itself stays short.

use super::*;

const KNOWN: &[&str] = &["weekly"];

#[test]
fn a_bad_record_is_named_and_nothing_is_returned() {
    let text = r#"{"format":"weekly-postmortem/v1","sessions":[
        {"meeting":"weekly","date":"2024-05-15","status":"held"},
        {"meeting":"weekly","date":"2024-02-30","status":"held"}]}"#;
    let err = Document::from_json(text, KNOWN).unwrap_err();
    assert_eq!(err.location.en, "sessions[1] (weekly 2024-02-30)");
    assert!(err.problem.en.starts_with("date: "), "{err}");
}

#[test]
fn wrong_format_and_unknown_meetings_are_refused() {
    let err = Document::from_json(r#"{"format":"other/v9"}"#, KNOWN).unwrap_err();
    assert!(err.to_string().contains("\"other/v9\" is not a format"));
    let text = r#"{"format":"weekly-postmortem/v1","learnings":[{"meeting":"daily","date":"2024-05-15","text":"x"}]}"#;
    let err = Document::from_json(text, KNOWN).unwrap_err();
    assert_eq!(err.location.en, "learnings[0] (daily 2024-05-15)");
    assert!(err.problem.en.contains("not a configured meeting"));
}

#[test]
fn csv_rows_become_agenda_items_grouped_by_session() {
    let text = "date,title,presenter,kind,notes\n2024-05-15,DB failover,tanaka,incident,slow\n2024-05-15,Dashboards,,dashboard,\n2024-05-22,Open talk,,,\n";
    let doc = Document::from_csv(text, "weekly", KNOWN).unwrap();
    assert_eq!(doc.sessions.len(), 2);
    assert_eq!(doc.sessions[0].agenda.len(), 2);
    assert_eq!(
        doc.sessions[0].agenda[0].presenter.as_deref(),
        Some("tanaka")
    );
    assert_eq!(doc.sessions[1].agenda[0].kind, AgendaKind::Topic);
    let err = Document::from_csv(
        "date,title,presenter,kind,notes\n2024-05-15,,x,topic,\n",
        "weekly",
        KNOWN,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "line 2: title: is empty");
    let err = Document::from_csv(
        "date,title,presenter,kind,notes\n2024-05-15,x,y,war,\n",
        "weekly",
        KNOWN,
    )
    .unwrap_err();
    assert_eq!(err.location.en, "line 2");
}

fn learnings(items: serde_json::Value) -> String {
    serde_json::json!({"format": FORMAT_V1, "learnings": items}).to_string()
}

#[test]
fn control_characters_and_oversized_texts_are_refused_in_every_field() {
    let session = |extra: serde_json::Value| {
        let mut s =
            serde_json::json!({"meeting": "weekly", "date": "2024-05-15", "status": "held"});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::json!({"format": FORMAT_V1, "sessions": [s]}).to_string()
    };
    let agenda = |item: serde_json::Value| session(serde_json::json!({"agenda": [item]}));
    let cases = [
        (
            agenda(serde_json::json!({"id": "a\u{7}b", "title": "t"})),
            "agenda[0].id: contains the control character U+0007",
        ),
        (
            agenda(serde_json::json!({"title": "t", "team": "SRE\u{1b}"})),
            "agenda[0].team: contains the control character U+001B",
        ),
        (
            agenda(serde_json::json!({"title": "t", "team": "x".repeat(1_000_000)})),
            "agenda[0].team: is 1000000 characters long; the limit is 100",
        ),
        (
            agenda(serde_json::json!({"title": "t", "presenter": "a\tb"})),
            "agenda[0].presenter: contains the control character U+0009",
        ),
        (
            session(
                serde_json::json!({"proposal": {"format": "open_talk", "title": "talk\u{0}"}}),
            ),
            "proposal.title: contains the control character U+0000",
        ),
        (
            session(
                serde_json::json!({"proposal": {"format": "open_talk", "title": "t", "detail": "a\u{7}"}}),
            ),
            "proposal.detail: contains the control character U+0007",
        ),
        (
            session(serde_json::json!({"facilitator": ""})),
            "facilitator: is empty",
        ),
        (
            learnings(
                serde_json::json!([{"meeting": "weekly", "date": "2024-05-15", "text": "x", "tags": ["db", "a\nb"]}]),
            ),
            "tags[1]: must be one line",
        ),
        (
            serde_json::json!({"format": FORMAT_V1, "rosters": {"weekly": ["sato", "\u{7}"]}})
                .to_string(),
            "rosters: weekly[1]: contains the control character U+0007",
        ),
        (
            serde_json::json!({"format": FORMAT_V1, "people": [{"name": "discord-12", "display": "x", "discord_id": "13"}]})
                .to_string(),
            "people[0] (discord-12): discord_id",
        ),
        (
            serde_json::json!({"format": FORMAT_V1, "people": [
                {"name": "discord-12", "display": "x", "discord_id": "12"},
                {"name": "discord-12", "display": "y", "discord_id": "12"}]})
            .to_string(),
            "people[1] (discord-12): a second entry",
        ),
    ];
    for (text, expected) in cases {
        let err = Document::from_json(&text, KNOWN).unwrap_err();
        assert!(err.to_string().contains(expected), "{expected:?} in {err}");
    }
}

#[test]
fn a_two_million_character_id_is_refused_without_being_repeated() {
    let text = learnings(serde_json::json!([
        {"id": "x".repeat(2_000_000), "meeting": "weekly", "date": "2024-05-15", "text": "t"}
    ]));
    let err = Document::from_json(&text, KNOWN).unwrap_err().to_string();
    assert_eq!(
        err,
        "learnings[0] (weekly 2024-05-15): id: is 2000000 characters long; the limit is 128"
    );
}

#[test]
fn duplicate_ids_within_a_file_name_both_records() {
    let text = learnings(serde_json::json!([
        {"id": "x", "meeting": "weekly", "date": "2024-05-15", "text": "one"},
        {"meeting": "weekly", "date": "2024-05-15", "text": "two"},
        {"id": "x", "meeting": "weekly", "date": "2024-05-22", "text": "three"}
    ]));
    let err = Document::from_json(&text, KNOWN).unwrap_err();
    assert_eq!(err.location.en, "learnings[2] (weekly 2024-05-22)");
    assert!(
        err.problem
            .en
            .starts_with("learnings[0] and learnings[2] both have id \"x\"; give each"),
        "{err}"
    );
    // The same learning twice without ids derives one id for both.
    let text = learnings(serde_json::json!([
        {"meeting": "weekly", "date": "2024-05-15", "text": "same"},
        {"meeting": "weekly", "date": "2024-05-15", "text": "same"}
    ]));
    let err = Document::from_json(&text, KNOWN).unwrap_err();
    assert!(
        err.problem
            .en
            .starts_with("learnings[0] and learnings[1] are the same record"),
        "{err}"
    );
    let text = serde_json::json!({"format": FORMAT_V1, "postmortems": [
        {"id": "pm", "meeting": "weekly", "date": "2024-05-15", "title": "a"},
        {"id": "pm", "meeting": "weekly", "date": "2024-05-22", "title": "b"}
    ]})
    .to_string();
    let err = Document::from_json(&text, KNOWN).unwrap_err();
    assert!(
        err.problem
            .en
            .starts_with("postmortems[0] and postmortems[1] both have id \"pm\""),
        "{err}"
    );
    let text = serde_json::json!({"format": FORMAT_V1, "sessions": [
        {"meeting": "weekly", "date": "2024-05-15", "status": "held", "agenda": [{"id": "i", "title": "a"}]},
        {"meeting": "weekly", "date": "2024-05-22", "status": "held", "agenda": [{"title": "b"}, {"id": "i", "title": "c"}]}
    ]})
    .to_string();
    let err = Document::from_json(&text, KNOWN).unwrap_err();
    assert!(
        err.problem
            .en
            .starts_with("sessions[0].agenda[0] and sessions[1].agenda[1] both have id \"i\""),
        "{err}"
    );
}

#[test]
fn values_quoted_in_errors_are_escaped_and_clipped() {
    let meeting = format!("\u{7}{}", "m".repeat(100));
    let text =
        learnings(serde_json::json!([{"meeting": meeting, "date": "2024-05-15", "text": "t"}]));
    let err = Document::from_json(&text, KNOWN).unwrap_err().to_string();
    assert!(!err.chars().any(char::is_control), "{err:?}");
    assert!(err.starts_with("learnings[0] (\\u{7}mmm"), "{err}");
    assert!(err.len() < 300, "{err}");
    let text = serde_json::json!({"format": FORMAT_V1, "sessions": [
        {"meeting": "weekly", "date": "2024-05-15", "status": "\u{7}".repeat(10_000)}
    ]})
    .to_string();
    let err = Document::from_json(&text, KNOWN).unwrap_err().to_string();
    assert!(!err.chars().any(char::is_control), "{err:?}");
    assert!(err.chars().count() < 400, "{err}");
}

#[test]
fn csv_rows_are_checked_with_their_line_and_a_repeated_row_is_named() {
    let err = Document::from_csv(
        "date,title,presenter,kind,notes\n2024-05-15,DB,tanaka,incident,\n2024-05-15,x\u{7},y,topic,\n",
        "weekly",
        KNOWN,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3: title: contains the control character U+0007; remove it"
    );
    let err = Document::from_csv(
        "date,title,presenter,kind,notes\n2024-05-15,DB,tanaka,incident,\n2024-05-22,DB,,,\n2024-05-15,DB,sato,topic,\n",
        "weekly",
        KNOWN,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4: repeats line 2 (same date and title); remove one of them"
    );
    let err = Document::from_csv(
        &format!(
            "date,title,presenter,kind,notes\n{},t,,,\n",
            "9".repeat(5000)
        ),
        "weekly",
        KNOWN,
    )
    .unwrap_err();
    assert!(err.to_string().chars().count() < 200, "{err}");
}

#[test]
fn a_bad_record_is_named_in_japanese_for_people() {
    let text = r#"{"format":"weekly-postmortem/v1","sessions":[{"meeting":"weekly","date":"2024-05-15","status":"held","colour":1}]}"#;
    let err = Document::from_json(text, KNOWN).unwrap_err();
    let ja = err.say(Language::Ja);
    assert!(ja.starts_with("sessions[0] (weekly 2024-05-15): "), "{ja}");
    assert!(
        err.say(Language::Ja)
            .contains("`colour` というキーはありません"),
        "{}",
        err.say(Language::Ja)
    );
    let err = Document::from_csv(
        "date,title,presenter,kind,notes\n12/14,DNS,,,\n",
        "weekly",
        KNOWN,
    )
    .unwrap_err();
    assert_eq!(
        err.say(Language::Ja),
        "2 行目: 日付 `12/14` は YYYY-MM-DD の日付ではありません"
    );
    assert_eq!(
        err.to_string(),
        "line 2: date \"12/14\" is not a date as YYYY-MM-DD"
    );
}
