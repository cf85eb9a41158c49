//! Prevention actions (issue 25) through the binary: `/action` against the fake
//! Discord, and the actions' round trip through export, import and history.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_discord::{FakeDiscord, TEXT_CHANNEL_ID, is_ephemeral, japanese_reply};
use crate::helpers::{
    TestApp, WAIT, WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, stdout,
};
use crate::test_config::{Discord, Person, TestConfig};

use crate::fake_discord::FACILITATOR_ROLE_ID as FACILITATOR_ROLE;
use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};
const SATO: u64 = 1_300_000_000_000_002_001;
const TANAKA: u64 = 1_300_000_000_000_002_002;
/// A Wednesday morning, before the session.
const NOW: &str = "2026-12-02T10:05:00+09:00";

mod records;
mod session;

fn with_people() -> TestConfig {
    TestConfig::weekly()
        .person(Person::new("sato").display("佐藤").discord_id(SATO))
        .person(Person::new("tanaka").display("田中").discord_id(TANAKA))
}

fn app_with_discord(fake: &FakeDiscord) -> TestApp {
    with_people()
        .discord(Discord::fake(fake, FACILITATOR_ROLE))
        .spawn()
}

fn action(fake: &FakeDiscord, sub: &str, options: Value, user: u64, roles: &[u64]) -> Value {
    let id = fake.send_slash_command(
        "action",
        json!([{"name": sub, "type": 1, "options": options}]),
        user,
        roles,
    );
    fake.wait_for_callback(id, WAIT)
}

fn exported(app: &TestApp) -> Value {
    let out = app.run(&["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn actions_are_added_listed_and_closed_from_discord_by_their_owner_or_a_facilitator() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let mut daemon =
        app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN), ("WEEKLY_POSTMORTEM_NOW", NOW)]);
    fake.wait_until_ready(WAIT);
    let registered = fake
        .registered_commands()
        .into_iter()
        .find(|c| c["name"] == "action")
        .expect("/action is registered");
    let subcommands: Vec<&str> = registered["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(subcommands, ["add", "done", "drop", "list", "remind"]);

    let added = action(
        &fake,
        "add",
        json!([
            {"name": "title", "type": 3, "value": "決済APIのタイムアウトを見直す"},
            {"name": "due", "type": 3, "value": "12/24"},
            {"name": "link", "type": 3, "value": "https://github.com/acme/pay/issues/7"},
        ]),
        SATO,
        &[],
    );
    let text = japanese_reply(&added);
    assert!(!is_ephemeral(&added));
    assert!(
        text.contains(
            "「決済APIのタイムアウトを見直す」を登録しました（担当: 佐藤、期限 12月24日(木)）"
        ),
        "{text}"
    );
    let refused = action(
        &fake,
        "add",
        json!([
            {"name": "title", "type": 3, "value": "手順書を直す"},
            {"name": "due", "type": 3, "value": "2026-11-30"},
        ]),
        SATO,
        &[],
    );
    assert!(is_ephemeral(&refused));
    assert!(
        japanese_reply(&refused).contains("過ぎています"),
        "{refused}"
    );
    action(
        &fake,
        "add",
        json!([
            {"name": "title", "type": 3, "value": "手順書を直す"},
            {"name": "owner_name", "type": 3, "value": "山本（経理部）"},
        ]),
        TANAKA,
        &[],
    );

    let listed = action(&fake, "list", json!([]), TANAKA, &[]);
    assert!(is_ephemeral(&listed));
    let list = japanese_reply(&listed);
    assert!(list.starts_with("未完了のアクション（2件）:"), "{list}");
    assert!(
        list.contains("- 「決済APIのタイムアウトを見直す」 担当: 佐藤、期限 12月24日(木)"),
        "{list}"
    );
    assert!(
        list.contains("- 「手順書を直す」 担当: 山本（経理部）、期限なし"),
        "{list}"
    );
    let mine = japanese_reply(&action(
        &fake,
        "list",
        json!([{"name": "mine", "type": 5, "value": true}]),
        SATO,
        &[],
    ));
    assert!(
        mine.starts_with("あなたが担当の未完了のアクション（1件）:"),
        "{mine}"
    );

    // The id is offered while typing, by title.
    let typed = fake.send_autocomplete(
        "action",
        json!([{"name": "done", "type": 1, "options": [
            {"name": "id", "type": 3, "value": "決済", "focused": true}
        ]}]),
        SATO,
        &[],
    );
    let choices = fake.wait_for_callback(typed, WAIT)["data"]["choices"].clone();
    assert_eq!(choices.as_array().unwrap().len(), 1, "{choices}");
    let id = choices[0]["value"].as_str().unwrap().to_string();
    assert!(
        choices[0]["name"].as_str().unwrap().contains("佐藤"),
        "{choices}"
    );

    let not_theirs = action(
        &fake,
        "done",
        json!([{"name": "id", "type": 3, "value": id}]),
        TANAKA,
        &[],
    );
    assert!(is_ephemeral(&not_theirs));
    assert!(
        japanese_reply(&not_theirs).contains("担当の佐藤さんとファシリテーター"),
        "{not_theirs}"
    );
    let done = action(
        &fake,
        "done",
        json!([{"name": "id", "type": 3, "value": id}]),
        SATO,
        &[],
    );
    assert!(japanese_reply(&done).contains("完了にしました"), "{done}");
    let other = exported_while_running(&app)["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "手順書を直す")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dropped = action(
        &fake,
        "drop",
        json!([{"name": "id", "type": 3, "value": other}, {"name": "reason", "type": 3, "value": "手順書ごと廃止"}]),
        SATO,
        &[FACILITATOR_ROLE],
    );
    assert!(
        japanese_reply(&dropped).contains("取り下げました（理由: 手順書ごと廃止）"),
        "{dropped}"
    );
    let everything = japanese_reply(&action(
        &fake,
        "list",
        json!([{"name": "all", "type": 5, "value": true}]),
        TANAKA,
        &[],
    ));
    assert!(
        everything.contains("（完了）") && everything.contains("（取り下げ）"),
        "{everything}"
    );

    let found = fake.send_slash_command(
        "history",
        json!([{"name": "query", "type": 3, "value": "タイムアウト"}, {"name": "kind", "type": 4, "value": 5}]),
        TANAKA,
        &[],
    );
    fake.wait_for_callback(found, WAIT);
    let hits = crate::helpers::eventually("the history answer", WAIT, || {
        fake.original_response(found)
            .into_iter()
            .chain(fake.followups(found))
            .find_map(|r| r["content"].as_str().map(str::to_string))
    });
    assert!(
        hits.contains("「決済APIのタイムアウトを見直す」 担当: 佐藤"),
        "{hits}"
    );
    let reminders = action(
        &fake,
        "remind",
        json!([{"name": "setting", "type": 4, "value": 0}]),
        SATO,
        &[],
    );
    assert!(is_ephemeral(&reminders));
    assert!(
        japanese_reply(&reminders).contains("期限の前日にDMで"),
        "{reminders}"
    );
    daemon.terminate();

    let document = exported(&app);
    let actions = document["actions"].as_array().unwrap();
    let done = actions.iter().find(|a| a["status"] == "done").unwrap();
    assert_eq!(done["owner"], "sato");
    assert_eq!(done["owner_id"], SATO.to_string());
    assert_eq!(done["due"], "2026-12-24");
    assert_eq!(done["created"], "2026-12-02");
    assert_eq!(done["closed"], "2026-12-02");
    let dropped = actions.iter().find(|a| a["status"] == "dropped").unwrap();
    assert_eq!(dropped["owner"], "山本（経理部）");
    assert_eq!(dropped["note"], "手順書ごと廃止");
}

fn exported_while_running(app: &TestApp) -> Value {
    exported(app)
}

/// Actions imported before the day: one overdue, one due this week, one later.
fn seed_actions(app: &TestApp) {
    let document = json!({
        "format": "weekly-postmortem/v1",
        "postmortems": [{"id": "pm-pay", "meeting": "weekly", "date": "2026-11-18", "title": "決済APIの遅延"}],
        "actions": [
            {"id": "act-overdue", "meeting": "weekly", "title": "タイムアウトを見直す", "owner": "sato",
             "owner_id": SATO.to_string(), "due": "2026-11-30", "postmortem": "pm-pay", "created": "2026-11-18"},
            {"id": "act-soon", "meeting": "weekly", "title": "遅延のグラフを足す", "owner": "tanaka",
             "owner_id": TANAKA.to_string(), "due": "2026-12-04", "created": "2026-11-25", "link": "https://github.com/acme/pay/issues/9"},
            {"id": "act-later", "meeting": "weekly", "title": "手順書を直す", "owner": "tanaka",
             "due": "2026-12-20", "created": "2026-11-25"}
        ]
    });
    std::fs::create_dir_all(app.state_dir()).unwrap();
    let file = app.state_dir().join("seed.json");
    std::fs::write(&file, document.to_string()).unwrap();
    let out = app.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn buttons(message: &Value) -> Vec<(String, String)> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .map(|b| {
            (
                b["custom_id"].as_str().unwrap().to_string(),
                b["label"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
