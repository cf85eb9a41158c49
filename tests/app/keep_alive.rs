//! Keeping the meeting alive through the daemon: facilitators assigned in
//! turn, a concrete proposal when no topic came in, open items carried over.

use serde_json::{Value, json};

use crate::helpers::{TestApp, WAIT, WEEKLY_MEETING, daemon_section, spawn_app_with};

fn app() -> TestApp {
    let meeting = WEEKLY_MEETING.replace(
        "skip_dates",
        "facilitators = [\"sato\", \"tanaka\", \"suzuki\"]\nteam = \"SRE\"\ndashboards = [{name = \"API latency\", url = \"https://grafana.example.com/d/api\"}]\nskip_dates",
    );
    spawn_app_with(&format!("{}{meeting}", daemon_section("")))
}

fn wait_for_export(app: &TestApp, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    app.eventually(what, WAIT, || {
        let exported = app.json(&["export"]);
        if ok(&exported) {
            Ok(exported)
        } else {
            Err(exported)
        }
    })
}

fn session<'a>(exported: &'a Value, date: &str) -> Option<&'a Value> {
    exported["sessions"]
        .as_array()?
        .iter()
        .find(|s| s["date"] == date)
}

#[test]
fn the_daemon_assigns_facilitators_in_turn_and_plan_shows_them() {
    let app = app();
    let _daemon = app.start_daemon();
    let exported = wait_for_export(&app, "facilitators", |e| {
        session(e, "2027-01-20").is_some_and(|s| s["facilitator"].is_string())
    });
    let who = |date: &str| session(&exported, date).unwrap()["facilitator"].clone();
    assert_eq!(who("2026-12-02"), "sato");
    assert_eq!(who("2026-12-09"), "tanaka");
    assert_eq!(who("2026-12-16"), "suzuki");
    assert_eq!(who("2026-12-23"), "sato");
    assert!(
        session(&exported, "2026-12-30").is_none(),
        "a company day off takes no turn"
    );
    assert_eq!(who("2027-01-06"), "tanaka");
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-12-02",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(plan[0]["facilitator"], "sato");
    let (_, feed) = crate::helpers::get(&app.calendar_url()).unwrap();
    assert!(
        feed.replace("\r\n ", "").contains("ファシリテーター: sato"),
        "{feed}"
    );
}

#[test]
fn without_topics_a_proposal_is_recorded_and_found_in_history() {
    let app = app();
    // Two days before 2026-12-02 at 12:00 the call for topics is due.
    let _daemon =
        app.start_daemon_with_env(&[("WEEKLY_POSTMORTEM_NOW", "2026-11-30T12:30:00+09:00")]);
    let exported = wait_for_export(&app, "a proposal", |e| {
        session(e, "2026-12-02").is_some_and(|s| s["proposal"].is_object())
    });
    let proposal = &session(&exported, "2026-12-02").unwrap()["proposal"];
    assert_eq!(
        proposal["format"], "dashboard_walk",
        "no postmortems yet, so the dashboard: {proposal}"
    );
    assert_eq!(proposal["link"], "https://grafana.example.com/d/api");
    let hits = app.json(&["history", "API latency", "--format", "json"]);
    assert_eq!(hits[0]["type"], "session", "{hits}");
}

#[test]
fn open_items_are_carried_over_once_after_the_session_and_guests_are_searchable() {
    let app = app();
    let document = json!({"format": "weekly-postmortem/v1", "sessions": [{
        "meeting": "weekly", "date": "2026-11-25", "status": "held",
        "agenda": [
            {"title": "DNS障害の振り返り", "kind": "incident", "presenter": "tanaka", "done": true},
            {"title": "決済チームの監視の話", "kind": "topic", "presenter": "kato", "team": "Payments"}]}]});
    let path = app.dir.path().join("past.json");
    std::fs::write(&path, document.to_string()).unwrap();
    assert!(
        app.run(&["import", path.to_str().unwrap()])
            .status
            .success()
    );
    let _daemon = app.start_daemon();
    // The item lands in the next session first, then the original is marked.
    let exported = wait_for_export(&app, "the carry-over", |e| {
        session(e, "2026-11-25").is_some_and(|s| s["agenda"][1]["carried_to"].is_string())
    });
    let moved = &session(&exported, "2026-12-02").unwrap()["agenda"];
    assert_eq!(
        moved.as_array().unwrap().len(),
        1,
        "only the open item: {moved}"
    );
    assert_eq!(moved[0]["title"], "決済チームの監視の話");
    assert_eq!(moved[0]["carried_from"], "2026-11-25");
    assert_eq!(
        session(&exported, "2026-11-25").unwrap()["agenda"][1]["carried_to"],
        "2026-12-02"
    );
    let guests = app.json(&["history", "--team", "payments", "--format", "json"]);
    assert_eq!(
        guests.as_array().unwrap().len(),
        2,
        "both the original and the carried item: {guests}"
    );
}
