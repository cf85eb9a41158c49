//! Two departments, one daemon: the people directory and the per-meeting
//! settings, through the binary against the fake Google and the fake Discord.

use serde_json::{Value, json};

use crate::fake_discord::{FakeDiscord, GUILD_ID, VOICE_CHANNEL_ID};
use crate::fake_google::FakeGoogle;
use crate::helpers::{TestApp, WAIT, spawn_app_with, stderr, stdout};
use crate::test_config::{Discord, Meeting, Person, TestConfig, toml_string, toml_strings};

const SRE_CALENDAR: &str = "team@example.com";
const CLOUDLOG_CALENDAR: &str = "cloudlog@example.com";
use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};
const GLOBAL_ROLE: u64 = 1_300_000_000_000_000_777;
const CLOUDLOG_VOICE: u64 = 1_300_000_000_000_000_301;

/// `weekly` (Wednesday 17:00) uses the global settings; `cloudlog` sets its own, and meets
/// at the same hour so both rooms are counted at once.
/// `weekly` and `cloudlog`, whose facilitator is tanaka.
fn two_meetings(weekly: Meeting, cloudlog: impl FnOnce(Meeting) -> Meeting) -> TestConfig {
    TestConfig::new()
        .meeting(weekly)
        .person(
            Person::new("tanaka")
                .display("田中")
                .discord_id(1_300_000_000_000_001_001)
                .email("tanaka@example.com")
                .team("CloudLog"),
        )
        .meeting(cloudlog(
            Meeting::new(
                "cloudlog",
                "CloudLog ふりかえり",
                "wednesday",
                "17:00",
                "2024-01-03",
            )
            .facilitators(&["tanaka"]),
        ))
}

fn app_with_google(fake: &FakeGoogle) -> TestApp {
    let app = spawn_app_with("");
    let key = fake.write_service_account_key(app.dir.path());
    let config = two_meetings(Meeting::weekly(), |cloudlog| {
        cloudlog
            .set("google_calendar_id", &toml_string(CLOUDLOG_CALENDAR))
            .set(
                "google_attendees",
                &toml_strings(&["tanaka", "cl-all@example.com"]),
            )
    })
    .section(&format!(
        "[google]\ncalendar_id = \"{SRE_CALENDAR}\"\ncredentials_file = \"{}\"\napi_base_url = \"{}\"\nhorizon_weeks = 8\nattendees = [\"sre-all@example.com\"]\n",
        key.display(),
        fake.api_base_url()
    ))
    .to_toml();
    std::fs::write(&app.config_path, config).unwrap();
    app
}

fn attendees(event: &Value) -> Vec<String> {
    let mut emails: Vec<String> = event["attendees"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["email"].as_str().unwrap().to_string())
        .collect();
    emails.sort();
    emails
}

#[test]
fn two_meetings_invite_their_own_people_on_their_own_calendars() {
    let fake = FakeGoogle::start();
    let app = app_with_google(&fake);
    let output = app.run(&["sync", "--once"]);
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let sre = fake.events_in(SRE_CALENDAR);
    let cloudlog = fake.events_in(CLOUDLOG_CALENDAR);
    assert_eq!(sre.len(), 7, "the weekly meeting's held weeks");
    assert_eq!(
        cloudlog.len(),
        8,
        "CloudLog has no company day off on 12-30"
    );
    for event in &sre {
        assert_eq!(attendees(event), ["sre-all@example.com"], "{event}");
        assert_eq!(
            event["extendedProperties"]["private"]["weekly_postmortem_meeting"],
            "weekly"
        );
    }
    for event in &cloudlog {
        assert_eq!(
            attendees(event),
            ["cl-all@example.com", "tanaka@example.com"],
            "the person's name stands for their email: {event}"
        );
        assert_eq!(
            event["extendedProperties"]["private"]["weekly_postmortem_meeting"],
            "cloudlog"
        );
        assert!(
            event["summary"]
                .as_str()
                .unwrap()
                .starts_with("CloudLog ふりかえり")
        );
    }

    fake.clear_requests();
    let again = app.run(&["sync", "--once"]);
    assert!(
        stdout(&again).ends_with("追加 0 件、更新 0 件、取り消し 0 件、変更なし 15 件\n"),
        "{}",
        stdout(&again)
    );
    let lists: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/calendar/"))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert_eq!(lists.len(), 2, "one list call per calendar: {lists:?}");
    assert!(lists.iter().any(|l| l.contains(SRE_CALENDAR)), "{lists:?}");
    assert!(
        lists.iter().any(|l| l.contains(CLOUDLOG_CALENDAR)),
        "{lists:?}"
    );
}

/// `weekly_role`: the facilitator role of `weekly`, when not the global one.
fn app_with_discord(fake: &FakeDiscord, weekly_role: Option<u64>) -> TestApp {
    let weekly = match weekly_role {
        Some(role) => Meeting::weekly().set(
            "discord_facilitator_role_id",
            &toml_string(&role.to_string()),
        ),
        None => Meeting::weekly(),
    };
    two_meetings(weekly, |cloudlog| {
        cloudlog
            .set("discord_channel_id", "1300000000000000201")
            .set(
                "discord_voice_channel_id",
                &toml_string(&CLOUDLOG_VOICE.to_string()),
            )
    })
    .discord(Discord::fake(fake, GLOBAL_ROLE).voice_channel_id(VOICE_CHANNEL_ID))
    .spawn()
}

fn join_voice(fake: &FakeDiscord, channel: u64, user: u64) {
    fake.dispatch(
        "VOICE_STATE_UPDATE",
        json!({"guild_id": GUILD_ID.to_string(), "channel_id": channel.to_string(),
               "user_id": user.to_string(), "session_id": format!("voice-{user}"), "deaf": false,
               "mute": false, "self_deaf": false, "self_mute": false, "self_video": false,
               "suppress": false, "request_to_speak_timestamp": null}),
    );
}

#[test]
fn two_meetings_count_presence_in_their_own_voice_channels() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake, None);
    let _daemon = app.start_daemon_with_env(&[
        (BOT_TOKEN_ENV, BOT_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", "2026-12-02T17:09:58+09:00"),
    ]);
    fake.wait_until_ready(WAIT);
    for user in 1..=3 {
        join_voice(&fake, VOICE_CHANNEL_ID, 1_300_000_000_000_002_000 + user);
    }
    for user in 1..=2 {
        join_voice(&fake, CLOUDLOG_VOICE, 1_300_000_000_000_003_000 + user);
    }
    let present = app.eventually("the presence counts", WAIT, || {
        let exported = app.json(&["export"]);
        let present = |meeting: &str| {
            exported["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["meeting"] == meeting && s["date"] == "2026-12-02")
                .and_then(|s| s["attendance"]["present"].as_u64())
        };
        match (present("weekly"), present("cloudlog")) {
            (Some(weekly), Some(cloudlog)) => Ok((weekly, cloudlog)),
            _ => Err(exported),
        }
    });
    assert_eq!(present, (3, 2), "each meeting counts its own room");
}

#[test]
fn a_meetings_own_facilitator_role_decides_who_may_act_for_it() {
    const SRE_ROLE: u64 = 1_300_000_000_000_000_888;
    let fake = FakeDiscord::start();
    // Commands from the shared text channel belong to `weekly`, whose role is its own.
    let app = app_with_discord(&fake, Some(SRE_ROLE));
    let _daemon = app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN)]);
    fake.wait_until_ready(WAIT);
    let global = fake.send_slash_command(
        "calendar",
        json!([]),
        1_300_000_000_000_004_001,
        &[GLOBAL_ROLE],
    );
    let reply = fake.wait_for_callback(global, WAIT);
    let text = reply["data"]["content"].as_str().unwrap_or_default();
    assert!(
        !text.contains("/calendar/"),
        "the global role is not weekly's: {reply}"
    );
    assert!(text.contains("ファシリテーター"), "{reply}");

    let own = fake.send_slash_command(
        "calendar",
        json!([]),
        1_300_000_000_000_004_002,
        &[SRE_ROLE],
    );
    let reply = fake.wait_for_callback(own, WAIT);
    let text = reply["data"]["content"].as_str().unwrap_or_default();
    assert!(text.contains("/calendar/"), "weekly's own role: {reply}");
}
