//! Google Calendar sync through the binary (`sync --once`, and the daemon),
//! with the real google-calendar3 and yup-oauth2 against the local fake.

use serde_json::Value;

use crate::fake_google::FakeGoogle;
use crate::helpers::{
    TestApp, WAIT, WEEKLY_MEETING, daemon_section, poll, spawn_app_with, stderr, stdout,
};

const CALENDAR: &str = "team@example.com";

fn app_with_google(fake: &FakeGoogle, extra: &str) -> TestApp {
    let app = spawn_app_with("");
    let key = fake.write_service_account_key(app.dir.path());
    let config = format!(
        "{}{WEEKLY_MEETING}\n[google]\ncalendar_id = \"{CALENDAR}\"\ncredentials_file = \"{}\"\napi_base_url = \"{}\"\nhorizon_weeks = 8\nattendees = [\"eng-all@example.com\"]\n{extra}\n",
        daemon_section(""),
        key.display(),
        fake.api_base_url()
    );
    std::fs::write(&app.config_path, config).unwrap();
    app
}

fn sync(app: &TestApp, args: &[&str]) -> String {
    let mut all = vec!["sync", "--once"];
    all.extend_from_slice(args);
    let output = app.run(&all);
    assert!(
        output.status.success(),
        "sync failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

fn live_events(fake: &FakeGoogle) -> Vec<Value> {
    fake.events_in(CALENDAR)
        .into_iter()
        .filter(|e| e["status"] != "cancelled")
        .collect()
}

fn calendar_calls(fake: &FakeGoogle) -> usize {
    fake.requests()
        .iter()
        .filter(|(_, path)| path.starts_with("/calendar/"))
        .count()
}

#[test]
fn first_sync_creates_the_held_weeks_and_a_second_writes_nothing() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    let first = sync(&app, &[]);
    // 2026-12-02 .. 2027-01-20, minus the company day off on 2026-12-30.
    assert!(
        first.ends_with("追加 7 件、更新 0 件、取り消し 0 件、変更なし 0 件\n"),
        "{first}"
    );
    let events = live_events(&fake);
    assert_eq!(events.len(), 7);
    let first_event = events
        .iter()
        .find(|e| e["summary"] == "週刊ポストモーテム 第393回")
        .expect("第393回");
    assert_eq!(
        first_event["start"]["dateTime"].as_str().unwrap().get(..19),
        Some("2026-12-02T08:00:00")
    );
    assert_eq!(first_event["start"]["timeZone"], "Asia/Tokyo");
    assert_eq!(first_event["attendees"][0]["optional"], true);
    assert!(
        first_event["description"]
            .as_str()
            .unwrap()
            .contains("参加は任意です")
    );
    assert!(!events.iter().any(|e| {
        e["start"]["dateTime"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-30")
    }));

    fake.clear_requests();
    let second = sync(&app, &[]);
    assert!(
        second.ends_with("追加 0 件、更新 0 件、取り消し 0 件、変更なし 7 件\n"),
        "{second}"
    );
    assert_eq!(calendar_calls(&fake), 1, "steady state is one list call");
}

#[test]
fn dry_run_prints_the_actions_and_writes_nothing() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    let output = sync(&app, &["--dry-run"]);
    assert!(
        output.contains("weekly: 追加予定 2026年12月2日(水) 17:00 週刊ポストモーテム 第393回"),
        "{output}"
    );
    assert!(
        output.ends_with(
            "試行（書き込みなし）: 追加 7 件、更新 0 件、取り消し 0 件、変更なし 0 件\n"
        ),
        "{output}"
    );
    assert!(fake.events_in(CALENDAR).is_empty());
}

#[test]
fn moving_the_meeting_patches_every_future_event_and_creates_none() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    sync(&app, &[]);
    let config = std::fs::read_to_string(&app.config_path)
        .unwrap()
        .replace("start_time = \"17:00\"", "start_time = \"18:30\"");
    std::fs::write(&app.config_path, config).unwrap();
    fake.clear_requests();
    let moved = sync(&app, &[]);
    assert!(
        moved.ends_with("追加 0 件、更新 7 件、取り消し 0 件、変更なし 0 件\n"),
        "{moved}"
    );
    assert_eq!(
        calendar_calls(&fake),
        1 + 7,
        "a time change costs 1 + 8 at most"
    );
    let events = live_events(&fake);
    assert_eq!(events.len(), 7);
    assert!(
        events.iter().all(|e| e["start"]["dateTime"]
            .as_str()
            .unwrap()
            .contains("T09:30:00")),
        "{events:?}"
    );
}

#[test]
fn a_holiday_or_skip_added_later_cancels_the_event_and_a_change_costs_one_call_each() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    sync(&app, &[]);
    let config = std::fs::read_to_string(&app.config_path).unwrap().replace(
        "skip_dates = [\"2026-12-30\"]",
        "skip_dates = [\"2026-12-30\", \"2026-12-09\"]",
    );
    std::fs::write(&app.config_path, config).unwrap();
    fake.clear_requests();
    let changed = sync(&app, &[]);
    // 12-09 goes; every later session is renumbered (#394 moves to 12-16, ...).
    assert!(changed.contains("取り消し 1 件"), "{changed}");
    assert_eq!(
        calendar_calls(&fake),
        1 + 1 + 5,
        "1 list, 1 cancel, 5 renumbered"
    );
    assert_eq!(live_events(&fake).len(), 6);

    // Undo: the event we cancelled comes back (same id), nothing is duplicated.
    let config = std::fs::read_to_string(&app.config_path)
        .unwrap()
        .replace(", \"2026-12-09\"", "");
    std::fs::write(&app.config_path, config).unwrap();
    let undone = sync(&app, &[]);
    assert!(undone.contains("更新 6 件"), "{undone}");
    assert_eq!(live_events(&fake).len(), 7);
    assert_eq!(
        fake.events_in(CALENDAR).len(),
        7,
        "no second event for 12-09"
    );
}

#[test]
fn a_persons_cancellation_in_google_calendar_sticks_and_shows_in_plan() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    sync(&app, &[]);
    let event = live_events(&fake)
        .into_iter()
        .find(|e| e["summary"] == "週刊ポストモーテム 第394回")
        .unwrap();
    fake.cancel_event_as_person(event["id"].as_str().unwrap());
    let after = sync(&app, &[]);
    assert!(
        after.contains("2026年12月9日(水)は Google カレンダーで中止されています"),
        "{after}"
    );
    let again = sync(&app, &[]);
    assert!(again.contains("追加 0 件"), "not re-created: {again}");
    assert_eq!(
        fake.event(event["id"].as_str().unwrap()).unwrap()["status"],
        "cancelled"
    );
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-12-09",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(plan[0]["status"], "skipped");
    assert_eq!(plan[0]["reason"], "cancelled");
}

#[test]
fn faults_and_lost_answers_leave_exactly_one_event_per_held_week() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    fake.fail_next(1, 503);
    fake.commit_then_fail_next(2);
    let output = app.run(&["sync", "--once"]);
    if !output.status.success() {
        // Retries ran out for one write: the next sync finishes the job.
        sync(&app, &[]);
    }
    fake.fail_next(2, 429);
    sync(&app, &[]);
    let events = fake.events_in(CALENDAR);
    assert_eq!(events.len(), 7, "{events:#?}");
    let mut ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 7);
    assert!(sync(&app, &[]).ends_with("変更なし 7 件\n"));
}

#[test]
fn bad_google_settings_are_named_and_nothing_is_written() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    let config = std::fs::read_to_string(&app.config_path).unwrap();
    std::fs::write(
        &app.config_path,
        config.replace("horizon_weeks = 8", "horizon_weeks = 0"),
    )
    .unwrap();
    let output = app.run(&["sync", "--once"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("キー `google.horizon_weeks`: 1 から 104 までの週数を指定してください"),
        "{}",
        stderr(&output)
    );

    let missing = config.replace(".json\"", ".missing.json\"");
    std::fs::write(&app.config_path, &missing).unwrap();
    let output = app.run(&["sync", "--once"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("credentials_file"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("カレンダーには何も書き込んでいません"),
        "{}",
        stderr(&output)
    );

    let keyless = app.dir.path().join("keyless.json");
    std::fs::write(&keyless, r#"{"type": "service_account", "client_email": "bot@example.iam.gserviceaccount.com", "token_uri": "http://127.0.0.1:9/token"}"#).unwrap();
    app.replace_config_line(
        "credentials_file",
        &format!("credentials_file = \"{}\"", keyless.display()),
    );
    let output = app.run(&["sync", "--once"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("private_key"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("BEGIN PRIVATE KEY"));

    fake.set_missing_calendar("nobody@example.com");
    std::fs::write(
        &app.config_path,
        config.replace(CALENDAR, "nobody@example.com"),
    )
    .unwrap();
    let output = app.run(&["sync", "--once"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("404"), "{}", stderr(&output));
    assert!(fake.events().is_empty());
}

#[test]
fn the_daemon_keeps_serving_while_google_is_down_and_catches_up_when_it_returns() {
    let fake = FakeGoogle::start();
    fake.set_down(true);
    let app = app_with_google(&fake, "");
    let daemon = app.start_daemon();
    let health = || -> Value {
        let (status, body) = crate::helpers::get(&format!("{}/healthz", daemon.base_url)).unwrap();
        assert_eq!(status, 200, "the daemon stays healthy enough to serve");
        serde_json::from_str(&body).unwrap()
    };
    let degraded = app.eventually("Google Calendar seen down", WAIT * 2, || {
        let health = health();
        if health["integrations"]["Google Calendar"]["ok"] == false {
            Ok(health)
        } else {
            Err(health)
        }
    });
    assert_eq!(degraded["status"], "degraded", "{degraded}");
    assert!(fake.events_in(CALENDAR).is_empty());

    fake.set_down(false);
    app.eventually("the seven events once Google is back", WAIT * 2, || {
        let live = live_events(&fake).len();
        if live >= 7 {
            Ok(())
        } else {
            Err(format!("{live} live events"))
        }
    });
    assert_eq!(live_events(&fake).len(), 7, "{}", app.daemon_log());
    let (_, metrics) = crate::helpers::get(&format!("{}/metrics", daemon.base_url)).unwrap();
    assert!(
        !metrics.contains("weekly_postmortem_last_successful_sync_timestamp_seconds 0\n"),
        "{metrics}"
    );

    // A change through the daemon reaches the calendar without waiting for the interval.
    let document = serde_json::json!({"format": "weekly-postmortem/v1", "sessions": [
        {"meeting": "weekly", "date": "2026-12-02", "status": "held", "facilitator": "sato",
         "agenda": [{"title": "夜間バッチの遅延", "kind": "incident", "presenter": "tanaka"}]}]});
    let path = app.dir.path().join("agenda.json");
    std::fs::write(&path, document.to_string()).unwrap();
    assert!(
        app.run(&["import", path.to_str().unwrap()])
            .status
            .success()
    );
    let described = || {
        live_events(&fake)
            .into_iter()
            .find(|e| e["summary"] == "週刊ポストモーテム 第393回")
            .map(|e| e["description"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    let description = app.eventually("the agenda in the event's description", WAIT, || {
        let description = described();
        if description.contains("夜間バッチの遅延") {
            Ok(description)
        } else {
            Err(description)
        }
    });
    assert!(
        description.contains("ファシリテーター: sato"),
        "{description}"
    );
    assert!(
        description.contains("- 夜間バッチの遅延（インシデント、tanaka）"),
        "{description}"
    );
    let through_daemon = app.run(&["sync", "--once"]);
    assert!(
        stdout(&through_daemon).contains("変更なし 7 件"),
        "{}{}",
        stdout(&through_daemon),
        stderr(&through_daemon)
    );
}

#[test]
fn a_daemon_killed_and_restarted_never_duplicates_an_event() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    // Slow answers keep the first syncs in flight when the kill comes.
    fake.set_delay(Some(std::time::Duration::from_millis(30)));
    for kill_after in [60, 150, 10_000] {
        let mut daemon = app.start_daemon();
        // Killed after `kill_after` ms, or as soon as all seven events are there.
        let _ = poll(
            std::time::Duration::from_millis(kill_after),
            std::time::Duration::from_millis(5),
            || (live_events(&fake).len() >= 7).then_some(()).ok_or(()),
        );
        daemon.child.kill().unwrap();
        daemon.child.wait().unwrap();
    }
    fake.set_delay(None);
    assert_eq!(
        fake.events_in(CALENDAR).len(),
        7,
        "one event per held week, whatever the restarts"
    );
    assert!(sync(&app, &[]).ends_with("変更なし 7 件\n"));
}

#[test]
fn a_cancellation_the_listing_does_not_show_is_still_respected() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "");
    sync(&app, &[]);
    fake.hide_cancelled_in_lists(true);
    let event = live_events(&fake)
        .into_iter()
        .find(|e| e["summary"] == "週刊ポストモーテム 第394回")
        .unwrap();
    let id = event["id"].as_str().unwrap().to_string();
    fake.cancel_event_as_person(&id);
    // The event is missing from the list: the sync tries to insert, hears 409,
    // looks at the event and keeps the person's decision.
    let after = sync(&app, &[]);
    assert!(
        after.contains("（Google カレンダーで中止された 1 回を休みとして記録）"),
        "{after}"
    );
    assert_eq!(
        fake.event(&id).unwrap()["status"],
        "cancelled",
        "not revived"
    );
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-12-09",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(plan[0]["reason"], "cancelled");
}

#[test]
fn descriptions_name_the_meetings_channel_as_the_bot_last_saw_it_never_a_fixed_one() {
    use crate::fake_discord::{FakeDiscord, GUILD_ID, TEXT_CHANNEL_ID};
    use crate::test_config::Discord;
    let google = FakeGoogle::start();
    let discord = FakeDiscord::start();
    let app = app_with_google(
        &google,
        &Discord::fake(&discord, crate::fake_discord::FACILITATOR_ROLE_ID).to_toml(),
    );
    let described = || {
        live_events(&google)
            .into_iter()
            .find(|e| e["summary"] == "週刊ポストモーテム 第393回")
            .map(|e| e["description"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };

    // Before the bot has ever seen the guild, the text names no channel rather than a wrong one.
    sync(&app, &[]);
    let before = described();
    assert!(
        before
            .contains("議題の追加・出欠: Discord のミーティングのチャンネルで /agenda add, /rsvp"),
        "{before}"
    );
    assert!(
        !google
            .events_in(CALENDAR)
            .iter()
            .any(|e| e.to_string().contains("#weekly-postmortem")),
        "no fixed channel name"
    );

    // The bot connects: the guild reports the channel's name and the calendar follows.
    let _daemon = app.start_daemon_with_env(&[(
        crate::fake_discord::BOT_TOKEN_ENV,
        crate::fake_discord::BOT_TOKEN,
    )]);
    discord.wait_until_ready(std::time::Duration::from_secs(10));
    crate::helpers::wait_until(
        "the calendar names #general",
        std::time::Duration::from_secs(15),
        || described().contains("議題の追加・出欠: Discord の #general で /agenda add, /rsvp"),
    );

    // A rename in Discord reaches the calendar too.
    discord.dispatch(
        "CHANNEL_UPDATE",
        serde_json::json!({"id": TEXT_CHANNEL_ID.to_string(), "type": 0,
            "guild_id": GUILD_ID.to_string(), "name": "障害振り返り", "position": 0,
            "permission_overwrites": [], "parent_id": null, "nsfw": false}),
    );
    crate::helpers::wait_until(
        "the calendar names the renamed channel",
        std::time::Duration::from_secs(15),
        || described().contains("Discord の #障害振り返り で"),
    );
}
