//! `plan`: the schedule as people and programs see it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::{WEEKLY_MEETING, spawn_app, spawn_app_with, stdout};

const OFFICIAL: &str = include_str!("../../src/domain/holidays/jp-holidays-official-1955-2027.csv");

fn official_holidays() -> BTreeMap<String, String> {
    OFFICIAL
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(d, n)| (d.to_string(), n.to_string()))
        .collect()
}

#[test]
fn plan_json_follows_the_contract() {
    let app = spawn_app();
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-12-23",
        "--weeks",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(
        plan,
        serde_json::json!([
            {"meeting": "weekly", "date": "2026-12-23", "start": "2026-12-23T17:00:00+09:00",
             "end": "2026-12-23T18:00:00+09:00", "status": "held", "reason": null, "holiday": null, "number": 396, "closure": null, "facilitator": null},
            {"meeting": "weekly", "date": "2026-12-30", "start": "2026-12-30T17:00:00+09:00",
             "end": "2026-12-30T18:00:00+09:00", "status": "skipped", "reason": "skip_date", "holiday": null, "number": null, "closure": null, "facilitator": null},
            {"meeting": "weekly", "date": "2027-01-06", "start": "2027-01-06T17:00:00+09:00",
             "end": "2027-01-06T18:00:00+09:00", "status": "held", "reason": null, "holiday": null, "number": 397, "closure": null, "facilitator": null}
        ])
    );
}

#[test]
fn plan_defaults_to_twelve_weeks_from_today() {
    let app = spawn_app();
    let plan = app.json(&["plan", "--format", "json"]);
    let plan = plan.as_array().unwrap();
    assert_eq!(plan.len(), 12);
    assert_eq!(plan[0]["date"], "2026-12-02");
    assert!(!app.state_dir().exists(), "plan only reads");
}

#[test]
fn plan_skips_exactly_the_official_holidays_on_every_weekday_and_names_them() {
    let official = official_holidays();
    for weekday in [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ] {
        let config = WEEKLY_MEETING
            .replace("wednesday", weekday)
            .replace("2019-02-06", "2016-12-01")
            .replace("skip_dates = [\"2026-12-30\"]", "");
        let app = spawn_app_with(&config);
        // Typed dates reach back 10 years from "now" (2026-11-29): the
        // official years 2017 to 2027 on every weekday. The unit tests of the
        // holiday rules cover the list from 1955.
        let plan = app.json(&[
            "plan",
            "--from",
            "2016-12-01",
            "--until",
            "2027-12-31",
            "--format",
            "json",
        ]);
        let mut expected_number = 0;
        for entry in plan.as_array().unwrap() {
            let date = entry["date"].as_str().unwrap();
            match official.get(date) {
                Some(name) => {
                    assert_eq!(entry["status"], "skipped", "{date} is {name}");
                    assert_eq!(entry["reason"], "holiday");
                    assert_eq!(entry["holiday"], name.as_str());
                }
                None => {
                    expected_number += 1;
                    assert_eq!(entry["status"], "held", "{date} is no holiday");
                    assert_eq!(entry["number"], expected_number);
                }
            }
        }
    }
}

#[test]
fn plan_beyond_the_official_list_uses_the_holiday_rules() {
    let app = spawn_app_with(&WEEKLY_MEETING.replace("wednesday", "monday"));
    let plan = app.json(&[
        "plan",
        "--from",
        "2030-01-01",
        "--until",
        "2030-12-31",
        "--format",
        "json",
    ]);
    let skipped: Vec<(&str, &str)> = plan
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "skipped")
        .map(|e| (e["date"].as_str().unwrap(), e["holiday"].as_str().unwrap()))
        .collect();
    // The Mondays of 2030 that are holidays: four Happy Mondays, fixed days,
    // the autumn equinox and three substitute holidays for Sundays.
    assert_eq!(
        skipped,
        [
            ("2030-01-14", "成人の日"),
            ("2030-02-11", "建国記念の日"),
            ("2030-04-29", "昭和の日"),
            ("2030-05-06", "休日"),
            ("2030-07-15", "海の日"),
            ("2030-08-12", "休日"),
            ("2030-09-16", "敬老の日"),
            ("2030-09-23", "秋分の日"),
            ("2030-10-14", "スポーツの日"),
            ("2030-11-04", "休日"),
        ]
    );
}

#[test]
fn plan_names_holidays_in_english_when_configured() {
    let app = spawn_app_with(&format!("[daemon]\nlanguage = \"en\"\n{WEEKLY_MEETING}"));
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-04-29",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(plan[0]["holiday"], "Showa Day");
    let text = stdout(&app.run(&["plan", "--from", "2026-04-29", "--weeks", "2"]));
    assert!(
        text.contains("2026-04-29  Wed  17:00-18:00      -  skipped: holiday (Showa Day)"),
        "{text}"
    );
    assert!(
        text.contains("2026-05-06  Wed  17:00-18:00      -  skipped: holiday (Substitute holiday)"),
        "{text}"
    );
}

#[test]
fn plan_keeps_local_time_across_dst_in_new_york() {
    let config = WEEKLY_MEETING
        .replace("Asia/Tokyo", "America/New_York")
        .replace(
            "skip_japanese_holidays = true",
            "skip_japanese_holidays = false",
        );
    let app = spawn_app_with(&config);
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-10-28",
        "--weeks",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(plan[0]["start"], "2026-10-28T17:00:00-04:00");
    assert_eq!(plan[1]["start"], "2026-11-04T17:00:00-05:00");
    assert_eq!(plan[1]["end"], "2026-11-04T18:00:00-05:00");
}

#[test]
fn plan_shows_every_meeting_or_the_one_asked_for() {
    let second = WEEKLY_MEETING
        .replace("\"weekly\"", "\"infra\"")
        .replace("wednesday", "friday");
    let app = spawn_app_with(&format!("{WEEKLY_MEETING}{second}"));
    let both = app.json(&[
        "plan",
        "--from",
        "2026-12-01",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    let ids: Vec<_> = both
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["meeting"].clone())
        .collect();
    assert_eq!(ids, ["weekly", "infra"]);
    let one = app.json(&[
        "plan",
        "--meeting",
        "infra",
        "--from",
        "2026-12-01",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["date"], "2026-12-04");
}

#[test]
fn plan_shows_who_facilitates_each_held_week_by_rotation() {
    let config = WEEKLY_MEETING.replace(
        "skip_dates",
        "facilitators = [\"sato\", \"tanaka\"]\nskip_dates",
    );
    let app = spawn_app_with(&config);
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-12-16",
        "--weeks",
        "4",
        "--format",
        "json",
    ]);
    let who: Vec<&Value> = plan
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["facilitator"])
        .collect();
    // 12-30 is a company day off and takes no turn.
    assert_eq!(
        who,
        [
            &json!("sato"),
            &json!("tanaka"),
            &Value::Null,
            &json!("sato")
        ]
    );
}

#[test]
fn plan_writes_days_the_japanese_way_in_japanese() {
    let app = spawn_app();
    let text = stdout(&app.run(&["plan", "--from", "2026-12-23", "--weeks", "3"]));
    assert!(text.contains("2026年12月23日(水)  17:00-18:00"), "{text}");
    assert!(text.contains("2027年1月6日(水)"), "{text}");
    assert!(
        !text.contains("2026-12-23"),
        "no ISO date in the Japanese table: {text}"
    );
}
