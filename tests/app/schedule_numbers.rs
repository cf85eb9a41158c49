//! One schedule: every place that shows a session number agrees after a
//! cancellation before the window shown, and dates far out of range are
//! refused with a clear message (exit 2), never a panic.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_discord::FakeDiscord;
use crate::helpers::{TestApp, daemon_section, get, spawn_app_with, stderr};

/// Wednesdays from 2026-10-07; no holiday falls on a Wednesday before December.
const YOUNG_MEETING: &str = r#"
[[meeting]]
id = "weekly"
title = "週刊ポストモーテム"
timezone = "Asia/Tokyo"
weekday = "wednesday"
start_time = "17:00"
first_session = "2026-10-07"
"#;

fn young_meeting_app(extra: &str) -> TestApp {
    spawn_app_with(&format!("{}{YOUNG_MEETING}{extra}", daemon_section("")))
}

/// A person cancelled the second session, weeks before the window anyone looks at.
fn cancel_2026_10_14(app: &TestApp) {
    let document = json!({
        "format": "weekly-postmortem/v1",
        "sessions": [{"meeting": "weekly", "date": "2026-10-14", "status": "skipped",
                      "reason": "cancelled", "notes": "台風のため中止"}],
        "postmortems": [],
        "learnings": []
    });
    let path = app.dir.path().join("cancelled.json");
    std::fs::write(&path, document.to_string()).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "import: {}", stderr(&output));
}

#[test]
fn a_past_cancellation_gives_the_same_number_in_plan_calendar_ics_and_healthz() {
    let app = young_meeting_app("");
    cancel_2026_10_14(&app);

    // 10-07 #1, 10-14 cancelled, 10-21 #2 … 11-25 #7, so 12-02 is #8.
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-12-02",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(plan[0]["date"], "2026-12-02");
    assert_eq!(plan[0]["number"], 8, "{plan}");
    let october = app.json(&[
        "plan",
        "--from",
        "2026-10-07",
        "--until",
        "2026-10-21",
        "--format",
        "json",
    ]);
    assert_eq!(october[1]["reason"], "cancelled", "{october}");
    assert_eq!(october[2]["number"], 2, "{october}");

    let daemon = app.start_daemon();
    let (status, health) = get(&format!("{}/healthz", daemon.base_url)).unwrap();
    assert_eq!(status, 200, "{health}");
    let health: Value = serde_json::from_str(&health).unwrap();
    let next = &health["meetings"][0]["next_held"];
    assert_eq!(next["date"], "2026-12-02", "{health}");
    assert_eq!(next["number"], 8, "{health}");

    let (status, ics) = get(&app.calendar_url()).unwrap();
    assert_eq!(status, 200);
    let event = ics
        .split("BEGIN:VEVENT")
        .find(|e| e.contains("DTSTART") && e.contains("20261202"))
        .unwrap_or_else(|| panic!("an event on 2026-12-02 in {ics}"));
    assert!(
        event.contains("SUMMARY:週刊ポストモーテム 第8回"),
        "{event}"
    );
    assert!(
        !ics.contains("第9回\r\nDTSTART") && !event.contains("第9回"),
        "{event}"
    );
}

#[test]
fn a_first_session_in_year_9999_is_refused_by_check_config_and_run_naming_file_line_and_key() {
    let app = spawn_app_with(&format!(
        "{}{}",
        daemon_section(""),
        YOUNG_MEETING.replace("2026-10-07", "9999-12-29")
    ));
    for command in ["check-config", "run"] {
        let output = app.run(&[command]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            stderr(&output)
        );
        let expected = format!(
            "{}:13: キー `meeting[0].first_session`: 1970 年から 2100 年までの日付を指定してください（`9999-12-29` と書かれています）",
            app.config_path.display()
        );
        assert!(
            stderr(&output).contains(&expected),
            "{command}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn plan_and_history_refuse_dates_more_than_ten_years_away_with_exit_2() {
    let app = young_meeting_app("");
    for args in [
        &["plan", "--from", "+262142-12-01"][..],
        &["plan", "--from", "2026-12-02", "--until", "9999-12-31"],
        &["history", "--since", "9999-12-31"],
        &["history", "--until", "1900-01-01"],
    ] {
        let output = app.run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let text = stderr(&output);
        assert!(
            text.contains("は範囲外です。今日から前後10年以内の日付を指定してください（2016-11-29〜2036-11-29）"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("panicked"), "{args:?}: {text}");
    }
    // Ten years ahead is still fine.
    let plan = app.json(&[
        "plan",
        "--from",
        "2036-11-26",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(plan[0]["date"], "2036-11-26");
}

#[test]
fn a_rehearsal_clock_in_year_9000_is_refused_with_exit_2() {
    let app = young_meeting_app("");
    let output = app
        .command()
        .env("WEEKLY_POSTMORTEM_NOW", "9000-12-01T00:00:00Z")
        .arg("plan")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "WEEKLY_POSTMORTEM_NOW=\"9000-12-01T00:00:00Z\" is outside the years 1970 to 2100"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn rsvp_for_year_9999_gets_a_clear_refusal_in_the_configured_language() {
    use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};
    const ALICE: u64 = 1_300_000_000_000_001_001;
    let fake = FakeDiscord::start();
    let app = young_meeting_app(&format!(
        "\n{discord}",
        discord =
            crate::test_config::Discord::fake(&fake, crate::fake_discord::FACILITATOR_ROLE_ID)
                .to_toml()
    ));
    let _daemon = app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN)]);
    fake.wait_until_ready(Duration::from_secs(10));
    let asked = std::time::Instant::now();
    let rsvp = fake.send_slash_command(
        "rsvp",
        json!([{"name": "status", "type": 4, "value": 0},
               {"name": "date", "type": 3, "value": "9999-12-31"}]),
        ALICE,
        &[],
    );
    let reply = fake.wait_for_callback(rsvp, Duration::from_secs(10));
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "answered within a second"
    );
    let text = reply["data"]["content"].as_str().unwrap_or_default();
    assert!(
        text.contains("9999-12-31 は範囲外です。今日から前後10年以内の日付を指定してください"),
        "{reply}"
    );
    assert!(!text.contains("Internal error"), "{reply}");
    assert_ne!(
        reply["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "only the asker sees it"
    );
    // Nothing was stored for that date.
    let exported = app.json(&["export"]);
    assert_eq!(exported["sessions"], json!([]), "{exported}");
}
