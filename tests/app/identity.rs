//! People are their Discord ids, never their display names: the rotation,
//! roster management by the facilitator role, guest presenters, and one
//! meeting's calendar feed, through the binary against the fake Discord.

use serde_json::{Value, json};

use crate::fake_discord::{FakeDiscord, TEXT_CHANNEL_ID};
use crate::fake_discord::{is_ephemeral, reply_text as content};
use crate::helpers::{
    RunningDaemon, TestApp, WAIT, WEEKLY_MEETING, daemon_section, get, spawn_app_with, stdout,
    wait_until,
};
use crate::test_config::{Discord, Meeting, Person, TestConfig};

use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};
const ROLE: u64 = 1_300_000_000_000_000_777;
const SATO: u64 = 1_300_000_000_000_005_001;
const TANAKA: u64 = 1_300_000_000_000_005_002;
const NEWBIE: u64 = 1_300_000_000_000_005_003;
const LEAD: u64 = 1_300_000_000_000_005_004;

fn config(fake: &FakeDiscord) -> TestConfig {
    config_with_roster(fake, &["sato", "tanaka"])
}

fn config_with_roster(fake: &FakeDiscord, facilitators: &[&str]) -> TestConfig {
    TestConfig::new()
        .meeting(Meeting::weekly().facilitators(facilitators))
        .person(
            Person::new("sato")
                .display("佐藤")
                .discord_id(SATO)
                .team("SRE"),
        )
        .person(
            Person::new("tanaka")
                .display("田中")
                .discord_id(TANAKA)
                .team("CloudLog"),
        )
        .discord(Discord::fake(fake, ROLE))
}

fn start(app: &TestApp, fake: &FakeDiscord, now: &str) -> RunningDaemon {
    let daemon =
        app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN), ("WEEKLY_POSTMORTEM_NOW", now)]);
    fake.wait_until_ready(WAIT);
    daemon
}

fn subcommand(name: &str, options: Value) -> Value {
    json!([{"name": name, "type": 1, "options": options}])
}

fn facilitator(app: &TestApp, date: &str) -> Option<String> {
    app.json(&["export"])["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["meeting"] == "weekly" && s["date"] == date)
        .and_then(|s| s["facilitator"].as_str().map(str::to_string))
}

fn roster(app: &TestApp) -> Value {
    app.json(&["export"])["rosters"]["weekly"].clone()
}

fn swap(fake: &FakeDiscord, user: u64, first: &str, second: &str) -> Value {
    let id = fake.send_slash_command(
        "rotation",
        subcommand(
            "swap",
            json!([{"name": "first", "type": 3, "value": first},
                   {"name": "second", "type": 3, "value": second}]),
        ),
        user,
        &[],
    );
    fake.wait_for_callback(id, WAIT)
}

#[test]
fn a_member_renamed_as_someone_else_cannot_swap_their_session_but_the_person_can() {
    let fake = FakeDiscord::start();
    let app = config(&fake).spawn();
    let _daemon = start(&app, &fake, "2026-11-29T09:00:00+09:00");
    wait_until("the rotation to assign the coming weeks", WAIT, || {
        facilitator(&app, "2026-12-09").is_some()
    });
    assert_eq!(facilitator(&app, "2026-12-02").as_deref(), Some("sato"));
    assert_eq!(facilitator(&app, "2026-12-09").as_deref(), Some("tanaka"));
    assert_eq!(facilitator(&app, "2026-12-16").as_deref(), Some("sato"));

    // Tanaka takes Sato's display name and tries to trade two of Sato's sessions.
    fake.set_nickname(TANAKA, "佐藤");
    let refused = swap(&fake, TANAKA, "2026-12-02", "2026-12-16");
    assert!(is_ephemeral(&refused), "{refused}");
    assert!(content(&refused).contains("担当者本人"), "{refused}");
    assert_eq!(facilitator(&app, "2026-12-02").as_deref(), Some("sato"));

    // Sato, renamed too, is still Sato.
    fake.set_nickname(SATO, "さとう（休暇中）");
    let done = swap(&fake, SATO, "2026-12-02", "2026-12-09");
    assert!(!is_ephemeral(&done), "{done}");
    assert!(
        content(&done).contains("12月2日(水)は田中、12月9日(水)は佐藤"),
        "{done}"
    );
    assert_eq!(facilitator(&app, "2026-12-02").as_deref(), Some("tanaka"));
    assert_eq!(facilitator(&app, "2026-12-09").as_deref(), Some("sato"));
}

#[test]
fn a_newcomer_joins_by_id_is_exported_and_imported_and_leaves_after_a_rename() {
    let fake = FakeDiscord::start();
    let app = config(&fake).spawn();
    let _daemon = start(&app, &fake, "2026-11-29T09:00:00+09:00");
    let joined = fake.send_slash_command("rotation", subcommand("join", json!([])), NEWBIE, &[]);
    let reply = fake.wait_for_callback(joined, WAIT);
    assert!(
        content(&reply).contains(&format!("User {NEWBIE}さんが")),
        "{reply}"
    );
    let key = format!("discord-{NEWBIE}");
    assert_eq!(roster(&app), json!(["sato", "tanaka", key]));
    let exported = app.json(&["export"]);
    assert_eq!(
        exported["people"],
        json!([{"name": key, "display": format!("User {NEWBIE}"), "discord_id": NEWBIE.to_string()}])
    );

    // Renamed as Sato: leaving takes the newcomer off, not Sato.
    fake.set_nickname(NEWBIE, "佐藤");
    let left = fake.send_slash_command("rotation", subcommand("leave", json!([])), NEWBIE, &[]);
    assert!(is_ephemeral(&fake.wait_for_callback(left, WAIT)));
    assert_eq!(roster(&app), json!(["sato", "tanaka"]));

    // The people array goes into another installation and comes out again.
    let other = spawn_app_with(&format!("{}{WEEKLY_MEETING}", daemon_section("")));
    let file = other.dir.path().join("export.json");
    std::fs::write(&file, exported.to_string()).unwrap();
    let output = other.run(&["import", file.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        crate::helpers::stderr(&output)
    );
    assert_eq!(other.json(&["export"])["people"], exported["people"]);
}

fn rotation_command(
    fake: &FakeDiscord,
    name: &str,
    options: Value,
    person: u64,
    user: u64,
    roles: &[u64],
) -> Value {
    let id = fake.send_slash_command_naming(
        "rotation",
        subcommand(name, options),
        &[person],
        user,
        roles,
    );
    fake.wait_for_callback(id, WAIT)
}

#[test]
fn a_facilitator_role_holder_adds_moves_and_removes_a_member() {
    let fake = FakeDiscord::start();
    let app = config(&fake).spawn();
    let _daemon = start(&app, &fake, "2026-11-29T09:00:00+09:00");
    let person = |id: u64| json!([{"name": "person", "type": 6, "value": id.to_string()}]);

    let refused = rotation_command(&fake, "add", person(NEWBIE), NEWBIE, SATO, &[]);
    assert!(is_ephemeral(&refused), "{refused}");
    assert!(
        content(&refused).contains("ファシリテーターロールを持つ人だけ"),
        "{refused}"
    );
    assert_eq!(roster(&app), Value::Null, "nothing changed");

    let added = rotation_command(&fake, "add", person(NEWBIE), NEWBIE, LEAD, &[ROLE]);
    assert!(is_ephemeral(&added), "{added}");
    assert!(content(&added).contains("3 番目"), "{added}");
    let newbie = format!("discord-{NEWBIE}");
    assert_eq!(roster(&app), json!(["sato", "tanaka", newbie]));

    let mut to_first = person(NEWBIE);
    to_first
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "position", "type": 4, "value": 1}));
    let moved = rotation_command(&fake, "move", to_first, NEWBIE, LEAD, &[ROLE]);
    assert!(is_ephemeral(&moved), "{moved}");
    assert!(
        content(&moved).contains(&format!("User {NEWBIE} → 佐藤 → 田中")),
        "{moved}"
    );
    assert_eq!(roster(&app), json!([newbie, "sato", "tanaka"]));

    let removed = rotation_command(&fake, "remove", person(SATO), SATO, LEAD, &[ROLE]);
    assert!(is_ephemeral(&removed), "{removed}");
    assert!(content(&removed).contains("佐藤さんを"), "{removed}");
    assert_eq!(roster(&app), json!([newbie, "tanaka"]));
}

#[test]
fn a_roster_entry_without_a_discord_id_is_offered_by_name_and_removed_by_the_facilitator_role() {
    let fake = FakeDiscord::start();
    let app = config_with_roster(&fake, &["sato", "suzuki", "tanaka"])
        .person(Person::new("suzuki").display("鈴木").team("SRE"))
        .spawn();
    let _daemon = start(&app, &fake, "2026-11-29T09:00:00+09:00");
    let name = |value: &str| json!([{"name": "name", "type": 3, "value": value}]);

    // While the name is typed, Discord asks for the roster entries that match.
    let typed = json!([{"name": "name", "type": 3, "value": "鈴", "focused": true}]);
    let asked = fake.send_autocomplete("rotation", subcommand("remove", typed), LEAD, &[ROLE]);
    let offered = fake.wait_for_callback(asked, WAIT);
    assert_eq!(offered["type"], 8, "{offered}");
    assert_eq!(
        offered["data"]["choices"],
        json!([{"name": "鈴木 (suzuki)", "value": "suzuki"}]),
        "{offered}"
    );

    let remove = |options: Value, user: u64, roles: &[u64]| {
        let id = fake.send_slash_command("rotation", subcommand("remove", options), user, roles);
        fake.wait_for_callback(id, WAIT)
    };
    let refused = remove(name("suzuki"), SATO, &[]);
    assert!(is_ephemeral(&refused), "{refused}");
    assert!(
        content(&refused).contains("ファシリテーターロールを持つ人だけ"),
        "{refused}"
    );
    let neither = remove(json!([]), LEAD, &[ROLE]);
    assert!(content(&neither).contains("どちらか一方"), "{neither}");
    assert_eq!(roster(&app), Value::Null, "nothing changed");

    let removed = remove(name("suzuki"), LEAD, &[ROLE]);
    assert!(is_ephemeral(&removed), "{removed}");
    assert!(
        content(&removed).contains("鈴木さんをローテーションから外しました"),
        "{removed}"
    );
    assert_eq!(roster(&app), json!(["sato", "tanaka"]));
    let unknown = remove(name("yamada"), LEAD, &[ROLE]);
    assert!(
        content(&unknown).contains("yamadaさんはローテーションに入っていません"),
        "{unknown}"
    );
    let log = app.daemon_log();
    assert!(
        log.lines().any(|l| l.contains("roster changed")
            && l.contains(&format!("by={LEAD}"))
            && l.contains("person=suzuki")),
        "{log}"
    );
}

#[test]
fn a_guest_presenter_without_discord_appears_in_the_announcement_and_in_history_by_team() {
    let fake = FakeDiscord::start();
    let app = config(&fake).spawn();
    let mut daemon = start(&app, &fake, "2026-11-29T09:00:00+09:00");
    let id = fake.send_slash_command(
        "agenda",
        subcommand(
            "add",
            json!([{"name": "title", "type": 3, "value": "決済の遅延"},
                   {"name": "presenter_name", "type": 3, "value": "木村"},
                   {"name": "team", "type": 3, "value": "Payments"},
                   {"name": "date", "type": 3, "value": "2026-12-02"}]),
        ),
        SATO,
        &[],
    );
    let added = fake.wait_for_callback(id, WAIT);
    assert!(
        content(&added).contains("木村、ゲスト: Payments"),
        "{added}"
    );
    daemon.terminate();

    let _daemon = start(&app, &fake, "2026-12-02T10:05:00+09:00");
    let announcement = fake.wait_for("the day's announcement", WAIT, |s| {
        s.messages(TEXT_CHANNEL_ID)
            .iter()
            .filter_map(|m| m["content"].as_str())
            .find(|c| c.contains("今日は"))
            .map(str::to_string)
    });
    crate::no_english::assert_japanese("the day's announcement", &announcement, &["Payments"]);
    assert!(
        announcement.contains("決済の遅延（話題、木村、ゲスト: Payments）"),
        "{announcement}"
    );

    let output = app.run(&["history", "--team", "payments", "--format", "json"]);
    let found = stdout(&output);
    assert!(
        found.contains("決済の遅延") && found.contains("木村"),
        "{found}"
    );
}

#[test]
fn the_feed_serves_one_meeting_when_asked_and_says_which_exist_for_an_unknown_one() {
    let fake = FakeDiscord::start();
    let cloudlog = Meeting::new(
        "cloudlog",
        "CloudLog ふりかえり",
        "thursday",
        "17:00",
        "2024-01-04",
    );
    let app = config(&fake).meeting(cloudlog).spawn();
    let _daemon = start(&app, &fake, "2026-11-29T09:00:00+09:00");
    let url = app.calendar_url();
    let (status, all) = get(&url).unwrap();
    assert_eq!(status, 200, "{all}");
    assert!(all.contains("週刊ポストモーテム") && all.contains("CloudLog"));

    let (status, one) = get(&format!("{url}?meeting=cloudlog")).unwrap();
    assert_eq!(status, 200, "{one}");
    assert!(one.contains("CloudLog"), "{one}");
    assert!(!one.contains("週刊ポストモーテム"), "{one}");

    let (status, unknown) = get(&format!("{url}?meeting=nope")).unwrap();
    assert_eq!(status, 404);
    assert!(
        unknown.contains("\"nope\"") && unknown.contains("weekly, cloudlog"),
        "{unknown}"
    );
}
