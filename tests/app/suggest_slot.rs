//! `suggest-slot` through the binary, against the fake Calendar API's freeBusy: three people
//! and a group, busy except in a few holes, over the 8 weeks after the fixed "now".

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Tokyo;
use serde_json::Value;

use crate::fake_google::{FakeGoogle, Interval};
use crate::helpers::{TestApp, spawn_app, spawn_app_with, stderr, stdout};
use crate::test_config::{Meeting, Person, TestConfig};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";
const SRE: &str = "sre@example.com";
const SRE_MEMBERS: [&str; 2] = ["dave@example.com", "erin@example.com"];
/// Never set in the fake, so freeBusy answers `notFound` for it.
const GHOST: &str = "ghost@example.com";

/// Tomorrow after the helper's fixed "now" (Sunday 2026-11-29 in Tokyo).
const FIRST_DAY: &str = "2026-11-30";
/// 成人の日, a Monday inside the 8 weeks.
const COMING_OF_AGE_DAY: &str = "2027-01-11";

fn app_with_google(fake: &FakeGoogle, language: &str) -> TestApp {
    app_with_google_and(fake, language, |config| config)
}

/// As [`app_with_google`], with more of the config `more` adds.
fn app_with_google_and(
    fake: &FakeGoogle,
    language: &str,
    more: impl FnOnce(TestConfig) -> TestConfig,
) -> TestApp {
    let app = spawn_app_with("");
    let key = fake.write_service_account_key(app.dir.path());
    // Without the meeting's company day off (2026-12-30): these tests are about
    // holidays; tests/app/closures.rs covers closures and skip dates.
    let config = TestConfig::new()
        .language(language)
        .meeting(Meeting::weekly().without("skip_dates"))
        .section(&format!(
            "[google]\ncalendar_id = \"team@example.com\"\ncredentials_file = \"{}\"\napi_base_url = \"{}\"\n",
            key.display(),
            fake.api_base_url()
        ));
    std::fs::write(&app.config_path, more(config).to_toml()).unwrap();
    app
}

fn tokyo(date: NaiveDate, hh_mm: &str) -> DateTime<Utc> {
    let time = NaiveTime::parse_from_str(hh_mm, "%H:%M").unwrap();
    Tokyo
        .from_local_datetime(&date.and_time(time))
        .unwrap()
        .with_timezone(&Utc)
}

/// Busy 09:00-20:00 on every day of the 8 weeks, except in `holes` (weekday, start, end) —
/// and on `busy_dates`, busy all day even in the holes.
fn busy_except(holes: &[(Weekday, &str, &str)], busy_dates: &[&str]) -> Vec<Interval> {
    let first: NaiveDate = FIRST_DAY.parse().unwrap();
    let busy_dates: Vec<NaiveDate> = busy_dates.iter().map(|d| d.parse().unwrap()).collect();
    let mut busy = Vec::new();
    for offset in 0..8 * 7 {
        let date = first + Days::new(offset);
        let mut from = "09:00";
        if !busy_dates.contains(&date) {
            for (_, start, end) in holes.iter().filter(|h| h.0 == date.weekday()) {
                busy.push((tokyo(date, from), tokyo(date, start)));
                from = end;
            }
        }
        busy.push((tokyo(date, from), tokyo(date, "20:00")));
    }
    busy
}

/// Everyone is free on Wednesdays 17:00-18:00 and on Mondays 10:00-11:00 (but away on the
/// holiday, which must not count); only Alice and Bob on Thursdays 15:00-16:00.
fn seed_busy(fake: &FakeGoogle) {
    let everyone = [
        (Weekday::Mon, "10:00", "11:00"),
        (Weekday::Wed, "17:00", "18:00"),
    ];
    let mut with_thursday = everyone.to_vec();
    with_thursday.push((Weekday::Thu, "15:00", "16:00"));
    fake.set_busy(ALICE, busy_except(&with_thursday, &[COMING_OF_AGE_DAY]));
    fake.set_busy(BOB, busy_except(&with_thursday, &[COMING_OF_AGE_DAY]));
    fake.set_busy(CAROL, busy_except(&everyone, &[COMING_OF_AGE_DAY]));
    // The group is free only when both members are: Erin has Thursday free too, Dave not.
    fake.set_group(SRE, &SRE_MEMBERS);
    fake.set_busy(SRE_MEMBERS[0], busy_except(&everyone, &[COMING_OF_AGE_DAY]));
    fake.set_busy(
        SRE_MEMBERS[1],
        busy_except(&with_thursday, &[COMING_OF_AGE_DAY]),
    );
}

fn attendees() -> String {
    [ALICE, BOB, CAROL, SRE, GHOST].join(",")
}

fn freebusy_calls(fake: &FakeGoogle) -> usize {
    fake.requests()
        .iter()
        .filter(|(_, path)| path.ends_with("/freeBusy"))
        .count()
}

#[test]
fn ranks_the_slot_where_everyone_is_free_first_and_excludes_the_holiday_week() {
    let fake = FakeGoogle::start();
    seed_busy(&fake);
    let app = app_with_google(&fake, "en");
    let output = app.run(&["suggest-slot", "--attendees", &attendees(), "--top", "3"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    let expected = "\
Best weekly slots (Asia/Tokyo, 8 weeks from 2026-11-30, 60 min, 10:00-19:00, holidays and company days off excluded)
 1. Wed 17:00-18:00  free on average 4.0 of 4  everyone free in 8 of 8 weeks
 2. Mon 10:00-11:00  free on average 4.0 of 4  everyone free in 7 of 7 weeks  (days off excluded: 2027-01-11 Coming of Age Day)
 3. Thu 15:00-16:00  free on average 2.0 of 4  everyone free in 0 of 8 weeks
Google could not tell about (not counted): ghost@example.com
";
    assert_eq!(text, expected);
    assert_eq!(freebusy_calls(&fake), 1, "8 weeks are one freeBusy call");
}

#[test]
fn text_follows_the_configured_language() {
    let fake = FakeGoogle::start();
    seed_busy(&fake);
    let app = app_with_google(&fake, "ja");
    let output = app.run(&["suggest-slot", "--attendees", &attendees(), "--top", "2"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    assert!(
        text.contains(" 1. 水 17:00-18:00  平均 4.0 / 4 人が空き  全員が空き 8 / 8 週\n"),
        "{text}"
    );
    assert!(text.contains(" 2. 月 10:00-11:00"), "{text}");
    assert!(text.contains("2027-01-11 成人の日"), "{text}");
    assert!(text.contains(GHOST), "{text}");
}

#[test]
fn json_is_an_array_of_slots_with_the_contract_fields() {
    let fake = FakeGoogle::start();
    seed_busy(&fake);
    let app = app_with_google(&fake, "ja");
    let output = app.run(&[
        "suggest-slot",
        "--attendees",
        &attendees(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(GHOST),
        "the unknown one is named on stderr"
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let slots = json.as_array().expect("a top-level array");
    assert_eq!(slots.len(), 5, "--top defaults to 5");
    assert_eq!(
        slots[0],
        serde_json::json!({
            "weekday": "wednesday", "start": "17:00", "end": "18:00", "average_free": 4.0,
            "attendees": 4, "weeks_all_free": 8, "weeks_considered": 8
        })
    );
    assert_eq!(slots[1]["weekday"], "monday");
    assert_eq!(
        slots[1]["weeks_considered"], 7,
        "the holiday week is not considered"
    );
    assert_eq!(slots[1]["weeks_all_free"], 7);
    assert_eq!(slots[2]["weekday"], "thursday");
    assert_eq!(slots[2]["average_free"], 2.0);
    let mut fields: Vec<&str> = slots[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "attendees",
            "average_free",
            "end",
            "start",
            "weekday",
            "weeks_all_free",
            "weeks_considered"
        ]
    );
}

#[test]
fn duration_window_and_weekdays_shape_the_slots() {
    let fake = FakeGoogle::start();
    seed_busy(&fake);
    let app = app_with_google(&fake, "en");
    let json = app.json(&[
        "suggest-slot",
        "--attendees",
        &format!("{ALICE},{BOB}"),
        "--duration",
        "30",
        "--between",
        "15:00-16:00",
        "--weekdays",
        "thu,tue",
        "--format",
        "json",
    ]);
    let slots: Vec<(String, String)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["weekday"].as_str().unwrap().into(),
                s["start"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("thursday", "15:00"),
        ("thursday", "15:30"),
        ("tuesday", "15:00"),
        ("tuesday", "15:30"),
    ]
    .iter()
    .map(|(d, s)| (d.to_string(), s.to_string()))
    .collect();
    assert_eq!(slots, expected);
}

#[test]
fn a_year_is_split_into_freebusy_calls_google_accepts() {
    let fake = FakeGoogle::start();
    seed_busy(&fake);
    let app = app_with_google(&fake, "en");
    let output = app.run(&["suggest-slot", "--attendees", ALICE, "--weeks", "52"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        freebusy_calls(&fake),
        5,
        "52 weeks in windows of at most 12"
    );
}

#[test]
fn bad_usage_exits_2_with_a_clear_message() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "en");
    let cases: &[(&[&str], &str)] = &[
        (&["--between", "19:00-10:00"], "must end after it starts"),
        (&["--between", "10am-7pm"], "--between"),
        (&["--weeks", "0"], "--weeks"),
        (&["--weeks", "53"], "--weeks"),
        (&["--duration", "10"], "--duration"),
        (
            &["--duration", "120", "--between", "10:00-11:00"],
            "does not fit",
        ),
        (&["--weekdays", "someday"], "not a weekday"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["suggest-slot", "--attendees", ALICE];
        args.extend_from_slice(extra);
        let output = app.run(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(message),
            "{extra:?}: {}",
            stderr(&output)
        );
    }
    let output = app.run(&["suggest-slot"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--attendees"),
        "{}",
        stderr(&output)
    );
    assert!(fake.requests().is_empty(), "bad usage never reaches Google");
}

#[test]
fn without_a_google_section_it_exits_2_and_says_why() {
    let app = spawn_app();
    let output = app.run(&["suggest-slot", "--attendees", ALICE]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("[google] の設定がありません"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_google_failure_exits_1_with_googles_message() {
    let fake = FakeGoogle::start();
    seed_busy(&fake);
    fake.fail_next_with_reason(1, 400, "invalid");
    let app = app_with_google(&fake, "en");
    let output = app.run(&["suggest-slot", "--attendees", ALICE]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Injected failure"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn nobody_google_knows_about_is_a_failure_not_an_empty_ranking() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake, "en");
    let output = app.run(&["suggest-slot", "--attendees", GHOST]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains(GHOST), "{}", stderr(&output));
}

/// SRE: Alice, Bob and Carol; CloudLog: Dave and Erin (the SRE group's members above), from
/// the `[[person]]` directory. Thursday 15:00 has two of three SRE people and one of two
/// CloudLog people free.
fn app_with_teams(fake: &FakeGoogle) -> TestApp {
    app_with_google_and(fake, "en", |mut config| {
        for (name, email, team) in [
            ("alice", ALICE, "SRE"),
            ("bob", BOB, "SRE"),
            ("carol", CAROL, "SRE"),
            ("dave", SRE_MEMBERS[0], "CloudLog"),
            ("erin", SRE_MEMBERS[1], "CloudLog"),
        ] {
            config = config.person(Person::new(name).email(email).team(team));
        }
        // Someone without an email is in the team but cannot be asked about.
        config.person(Person::new("frank").team("SRE"))
    })
}

#[test]
fn teams_count_as_free_when_their_quorum_of_people_is() {
    let fake = FakeGoogle::start();
    seed_busy(&fake);
    let app = app_with_teams(&fake);
    let everyone = app.run(&[
        "suggest-slot",
        "--team",
        "SRE",
        "--team",
        "CloudLog",
        "--attendee",
        GHOST,
        "--top",
        "3",
    ]);
    let text = stdout(&everyone);
    assert!(everyone.status.success(), "{text}{}", stderr(&everyone));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1],
        "a team counts as free when at least 100% of its people are (people: SRE 3, CloudLog 2)"
    );
    assert_eq!(
        lines[2],
        " 1. Wed 17:00-18:00  free on average 2.0 of 2  everyone free in 8 of 8 weeks  [SRE 8/8, CloudLog 8/8]"
    );
    assert!(lines[3].starts_with(" 2. Mon 10:00-11:00  free on average 2.0 of 2  everyone free in 7 of 7 weeks  [SRE 7/7, CloudLog 7/7]"), "{text}");
    assert!(
        !text.contains("Thu 15:00"),
        "one of three SRE people is away: {text}"
    );
    assert!(
        text.ends_with("Google could not tell about (not counted): ghost@example.com\n"),
        "{text}"
    );
    assert_eq!(freebusy_calls(&fake), 1, "teams and attendees in one call");

    let half = app.run(&[
        "suggest-slot",
        "--team",
        "sre",
        "--team",
        "CloudLog",
        "--quorum",
        "0.5",
        "--top",
        "3",
        "--format",
        "json",
    ]);
    assert!(half.status.success(), "{}", stderr(&half));
    let slots: Value = serde_json::from_str(&stdout(&half)).unwrap();
    let found: Vec<(&str, &str, f64, u64)> = slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["weekday"].as_str().unwrap(),
                s["start"].as_str().unwrap(),
                s["average_free"].as_f64().unwrap(),
                s["weeks_all_free"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("wednesday", "17:00", 2.0, 8),
            ("thursday", "15:00", 2.0, 8),
            ("monday", "10:00", 2.0, 7)
        ],
        "two of three and one of two are half"
    );
    assert_eq!(slots[1]["groups"][0]["name"], "SRE");
    assert_eq!(slots[1]["groups"][0]["weeks_free"], 8);
}

#[test]
fn an_unknown_team_or_quorum_is_a_usage_error() {
    let fake = FakeGoogle::start();
    let app = app_with_teams(&fake);
    let output = app.run(&["suggest-slot", "--team", "CloudLg"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--team \"CloudLg\": no [[person]] is in that team; did you mean \"CloudLog\"? the teams are SRE, CloudLog"),
        "{}",
        stderr(&output)
    );
    for bad in ["0", "1.5", "half"] {
        let output = app.run(&["suggest-slot", "--team", "SRE", "--quorum", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&output).contains("is not a share from 0 to 1"),
            "{bad}"
        );
    }
    let output = app.run(&["suggest-slot"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "neither --attendees nor --team"
    );
    assert_eq!(freebusy_calls(&fake), 0);
}
