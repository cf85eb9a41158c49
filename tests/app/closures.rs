//! Yearly closures and business days through the binary: `plan` names the
//! closure that skips a week, bad closures are refused naming file, line and
//! key, the bot speaks only on business days (a Monday meeting's call for
//! topics goes out on Friday), and `suggest-slot` leaves closures and skip
//! dates out like holidays.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use serde_json::{Value, json};

use crate::fake_discord::{FakeDiscord, TEXT_CHANNEL_ID};
use crate::fake_google::FakeGoogle;
use crate::helpers::{
    RunningDaemon, TestApp, WAIT, WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, stdout,
};
use crate::test_config::Discord;

/// The two closures of issue 12, as a team writes them.
const CLOSURES: &str = r#"closures = [{name = "年末年始", from = "12-29", until = "01-03"},
            {name = "夏季休暇", from = "08-13", until = "08-15"}]"#;
use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};

/// The contract meeting on `weekday` under `id`, with `extra` instead of its skip date.
fn meeting(id: &str, weekday: &str, extra: &str) -> String {
    WEEKLY_MEETING
        .replace("id = \"weekly\"", &format!("id = \"{id}\""))
        .replace("wednesday", weekday)
        .replace("skip_dates = [\"2026-12-30\"]", extra)
}

fn closed_weeks(plan: &Value) -> Vec<(String, String, String)> {
    plan.as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["closure"].is_null())
        .map(|e| {
            assert_eq!(e["status"], "skipped", "{e}");
            assert_eq!(e["reason"], "skip_date", "the contract's values stay: {e}");
            assert_eq!(e["number"], Value::Null, "{e}");
            let text = |k: &str| e[k].as_str().unwrap().to_string();
            (text("meeting"), text("date"), text("closure"))
        })
        .collect()
}

#[test]
fn plan_json_over_2026_12_to_2027_09_skips_both_closures_by_name() {
    let app = spawn_app_with(&format!(
        "{}{}{}",
        daemon_section(""),
        meeting("weekly", "wednesday", CLOSURES),
        meeting("friday", "friday", CLOSURES),
    ));
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-12-01",
        "--until",
        "2027-09-30",
        "--format",
        "json",
    ]);
    // 2026-12-30 is the only Wednesday in a closure, 2027-08-13 the only
    // Friday that is not also a holiday (2027-01-01 is 元日: the holiday wins).
    assert_eq!(
        closed_weeks(&plan),
        vec![
            ("weekly".into(), "2026-12-30".into(), "年末年始".into()),
            ("friday".into(), "2027-08-13".into(), "夏季休暇".into()),
        ]
    );
    let entry = |meeting: &str, date: &str| {
        plan.as_array()
            .unwrap()
            .iter()
            .find(|e| e["meeting"] == meeting && e["date"] == date)
            .unwrap()
            .clone()
    };
    let new_year = entry("friday", "2027-01-01");
    assert_eq!(
        (&new_year["reason"], &new_year["holiday"]),
        (&json!("holiday"), &json!("元日"))
    );
    // A closed week takes no number.
    let before = entry("weekly", "2026-12-23")["number"].as_u64().unwrap();
    assert_eq!(entry("weekly", "2027-01-06")["number"], before + 1);
    assert!(
        plan.as_array()
            .unwrap()
            .iter()
            .all(|e| e.as_object().unwrap().contains_key("closure")),
        "every entry has the field"
    );

    // Text names the closure, in either language.
    let text = stdout(&app.run(&[
        "plan",
        "--meeting",
        "friday",
        "--from",
        "2027-08-09",
        "--weeks",
        "1",
    ]));
    assert!(text.contains("2027年8月13日(金)"), "{text}");
    assert!(text.contains("夏季休暇のためお休み"), "{text}");
    let english = spawn_app_with(&format!(
        "{}{}",
        daemon_section("").replace("language = \"ja\"", "language = \"en\""),
        meeting("weekly", "wednesday", CLOSURES),
    ));
    let text = stdout(&english.run(&["plan", "--from", "2026-12-30", "--weeks", "1"]));
    assert!(text.contains("skipped: closed for 年末年始"), "{text}");
}

#[test]
fn bad_closures_exit_2_naming_file_line_and_key() {
    let cases = [
        (
            r#"closures = [{name = "年末年始", from = "12-29", until = "01-03"}, {name = "x", from = "02-30", until = "03-01"}]"#,
            "キー `meeting[0].closures[1].from`: 月日は実在する MM-DD で指定してください（例 \"12-29\"。`02-30` と書かれています）",
        ),
        (
            r#"closures = [{name = "", from = "08-13", until = "08-15"}]"#,
            "キー `meeting[0].closures[0].name`: 空です",
        ),
        (
            r#"closures = [{name = "年末年始", from = "12-29", until = "01-03"}, {name = "冬休み", from = "12-24", until = "12-31"}]"#,
            "キー `meeting[0].closures[1]`: `冬休み`（12-24..12-31）が closures[0] `年末年始`（12-29..01-03）と 12-29 で重なっています",
        ),
    ];
    for (closures, expected) in cases {
        let config = format!(
            "{}{}",
            daemon_section(""),
            meeting("weekly", "wednesday", closures)
        );
        let line = config
            .lines()
            .position(|l| l.starts_with("closures"))
            .unwrap()
            + 1;
        let app = spawn_app_with(&config);
        for command in ["check-config", "plan"] {
            let output = app.run(&[command]);
            assert_eq!(output.status.code(), Some(2), "{command}: {output:?}");
            let message = stderr(&output);
            let path = app.config_path.display();
            assert!(
                message.contains(&format!("{path}:{line}: {expected}")),
                "{command}: expected {expected:?} at line {line} in {message:?}"
            );
        }
    }
    // A leap day and a year-end wrap are fine.
    let fine = spawn_app_with(&format!(
        "{}{}",
        daemon_section(""),
        meeting(
            "weekly",
            "wednesday",
            r#"closures = [{name = "閏日", from = "02-29", until = "02-29"}, {name = "年末年始", from = "12-29", until = "01-03"}]"#
        )
    ));
    let output = fine.run(&["check-config"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

fn app_with_discord(fake: &FakeDiscord, meeting: &str) -> TestApp {
    spawn_app_with(&format!(
        "{}{meeting}\n{discord}",
        daemon_section("log = \"debug\""),
        discord = Discord::fake(fake, crate::fake_discord::FACILITATOR_ROLE_ID).to_toml()
    ))
}

/// Starts the daemon with the clock at `now` and waits until its reminders
/// job has looked once, so what it posts by then is all it posts at `now`.
fn start_at(app: &TestApp, fake: &FakeDiscord, now: &str, starts_so_far: usize) -> RunningDaemon {
    let daemon =
        app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN), ("WEEKLY_POSTMORTEM_NOW", now)]);
    fake.wait_until_ready(WAIT);
    crate::helpers::wait_until("the reminders job's first look", WAIT, || {
        app.daemon_log().matches("reminders: caught up").count() > starts_so_far
    });
    daemon
}

fn tokyo(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn the_call_for_topics_of_a_monday_meeting_is_posted_on_friday() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake, &meeting("weekly", "monday", ""));
    // Two days before Monday 2026-12-07 is Saturday: the call moves to Friday
    // 12-04, same time (12:00). Just before, nothing is due.
    let mut daemon = start_at(&app, &fake, "2026-12-04T11:55:00+09:00", 0);
    assert_eq!(
        fake.messages(TEXT_CHANNEL_ID),
        Vec::<Value>::new(),
        "nothing before noon"
    );
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();

    let _daemon = start_at(&app, &fake, "2026-12-04T12:05:00+09:00", 1);
    let messages = fake.wait_for_messages(TEXT_CHANNEL_ID, 1, WAIT);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    crate::no_english::assert_post_japanese(&messages[0], &[]);
    let text = messages[0]["content"].as_str().unwrap();
    let start = tokyo("2026-12-07T17:00:00+09:00").timestamp();
    assert!(text.contains("まだ議題がありません"), "{text}");
    assert!(
        text.contains(&format!("<t:{start}:F>")),
        "for Monday: {text}"
    );
    assert!(
        app.daemon_log()
            .contains("posted reminder reminder/weekly/2026-12-07/call_for_topics"),
        "{}",
        app.daemon_log()
    );
}

#[test]
fn a_closed_week_gets_its_note_on_the_business_day_before_naming_the_closure() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake, &meeting("weekly", "friday", CLOSURES));
    // Friday 2027-08-13 is in 夏季休暇. Two days before is Wednesday 08-11,
    // 山の日, so the note goes out on Tuesday 08-10 at noon.
    let _daemon = start_at(&app, &fake, "2027-08-10T12:05:00+09:00", 0);
    let messages = fake.wait_for_messages(TEXT_CHANNEL_ID, 1, WAIT);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    crate::no_english::assert_post_japanese(&messages[0], &[]);
    let text = messages[0]["content"].as_str().unwrap();
    assert_eq!(
        text,
        "8月13日(金)の「週刊ポストモーテム」は夏季休暇のためお休みです。次回は第420回（8月20日(金)）です。"
    );
}

/// Busy 09:00-17:00 and 18:00-20:00 every day of the 8 weeks after the fixed
/// "now" (Sunday 2026-11-29): free only from 17:00 to 18:00.
fn busy_but_at_five() -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let first: NaiveDate = "2026-11-30".parse().unwrap();
    let at = |date: NaiveDate, hour: u32| {
        Tokyo
            .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc)
    };
    (0..8 * 7)
        .map(|offset| first + Days::new(offset))
        .flat_map(|date| [(at(date, 9), at(date, 17)), (at(date, 18), at(date, 20))])
        .collect()
}

#[test]
fn suggest_slot_leaves_closures_and_skip_dates_out_like_holidays() {
    let fake = FakeGoogle::start();
    for person in ["alice@example.com", "bob@example.com"] {
        fake.set_busy(person, busy_but_at_five());
    }
    let app = spawn_app_with("");
    let key = fake.write_service_account_key(app.dir.path());
    let config = format!(
        "{}{}\n[google]\ncalendar_id = \"team@example.com\"\ncredentials_file = \"{}\"\napi_base_url = \"{}\"\n",
        daemon_section("").replace("language = \"ja\"", "language = \"en\""),
        meeting(
            "weekly",
            "wednesday",
            &format!("{CLOSURES}\nskip_dates = [\"2027-01-13\"]")
        ),
        key.display(),
        fake.api_base_url()
    );
    std::fs::write(&app.config_path, config).unwrap();
    let args = [
        "suggest-slot",
        "--attendees",
        "alice@example.com,bob@example.com",
        "--weekdays",
        "wed,thu",
        "--between",
        "17:00-18:00",
        "--top",
        "2",
    ];
    let output = app.run(&args);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    // Eight Wednesdays from 12-02 to 01-20: 12-30 closed, 01-13 a company
    // day off. Thursdays: 12-31 closed. More weeks with everyone free ranks Thursday first.
    assert!(
        text.contains(
            " 2. Wed 17:00-18:00  free on average 2.0 of 2  everyone free in 6 of 6 weeks  (days off excluded: 2026-12-30 年末年始, 2027-01-13 company day off)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            " 1. Thu 17:00-18:00  free on average 2.0 of 2  everyone free in 7 of 7 weeks  (days off excluded: 2026-12-31 年末年始)\n"
        ),
        "{text}"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let slots = app.json(&json_args);
    assert_eq!(slots[0]["weekday"], "thursday", "{slots}");
    assert_eq!(slots[0]["weeks_considered"], 7, "{slots}");
    assert_eq!(slots[1]["weeks_considered"], 6, "{slots}");
}
