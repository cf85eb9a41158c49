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

#[test]
fn actions_round_trip_through_export_and_import_and_are_found_by_history() {
    let app = with_people().spawn();
    let document = json!({
        "format": "weekly-postmortem/v1",
        "postmortems": [{"id": "pm-pay", "meeting": "weekly", "date": "2026-11-25", "title": "決済APIの遅延"}],
        "actions": [
            {"meeting": "weekly", "title": "タイムアウトを見直す", "owner": "sato", "due": "2026-12-24",
             "postmortem": "pm-pay", "created": "2026-11-25"},
            {"id": "act-dash", "meeting": "weekly", "title": "ダッシュボードに遅延のグラフを足す", "owner": "山本",
             "status": "done", "created": "2026-11-25", "closed": "2026-11-30",
             "link": "https://acme.backlog.jp/view/SRE-4"}
        ]
    });
    std::fs::create_dir_all(app.state_dir()).unwrap();
    let file = app.state_dir().join("in.json");
    std::fs::write(&file, document.to_string()).unwrap();
    let out = app.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let back = exported(&app);
    assert_eq!(back["actions"].as_array().unwrap().len(), 2, "{back}");
    let derived = back["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "タイムアウトを見直す")
        .unwrap();
    assert!(
        derived["id"].as_str().unwrap().starts_with("act-"),
        "{derived}"
    );
    assert_eq!(derived["postmortem"], "pm-pay");

    let found = app.json(&[
        "history",
        "遅延のグラフ",
        "--kind",
        "action",
        "--format",
        "json",
    ]);
    let hits = found.as_array().unwrap();
    assert_eq!(hits.len(), 1, "{found}");
    assert_eq!(hits[0]["type"], "action");
    assert_eq!(hits[0]["status"], "done");
    let text = stdout(&app.run(&["history", "タイムアウト", "--kind", "action"]));
    assert!(
        text.contains("「タイムアウトを見直す」 担当: 佐藤、期限 12月24日(木)"),
        "{text}"
    );
    assert!(!text.contains("2026-12-24"), "{text}");

    let stats = stdout(&app.run(&["stats"]));
    assert!(
        stats.contains("再発防止アクション: 2 件（未完了 1 件、うち期限切れ 0 件）、完了までの日数の中央値 5 日"),
        "{stats}"
    );
    let figures = app.json(&["stats", "--format", "json"]);
    assert_eq!(figures["actions"]["done"], 1, "{figures}");
    assert_eq!(figures["actions"]["median_days_to_close"], 5.0, "{figures}");

    // An action naming a postmortem nobody has: nothing of the file is stored.
    let unknown = json!({
        "format": "weekly-postmortem/v1",
        "learnings": [{"meeting": "weekly", "date": "2026-11-25", "text": "新しい学び"}],
        "actions": [{"meeting": "weekly", "title": "x", "owner": "sato", "created": "2026-11-25", "postmortem": "pm-nope"}]
    });
    std::fs::write(&file, unknown.to_string()).unwrap();
    let out = app.run(&["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let error = stderr(&out);
    assert!(
        error.contains("actions[0].postmortem") && error.contains("pm-nope"),
        "{error}"
    );
    assert_eq!(exported(&app)["actions"].as_array().unwrap().len(), 2);
    assert!(
        exported(&app)
            .get("learnings")
            .is_none_or(|l| l.as_array().unwrap().is_empty())
    );

    for (bad, expected) in [
        (
            json!({"meeting": "weekly", "title": "x", "owner": "sato", "created": "2026-11-25", "due": "2026-12-4"}),
            "YYYY-MM-DD",
        ),
        (
            json!({"meeting": "weekly", "title": "x", "owner": "sato", "created": "2026-11-25", "status": "done"}),
            "closed",
        ),
        (
            json!({"meeting": "weekly", "title": "x", "owner": "sato", "created": "2026-11-25", "link": "ftp://x"}),
            "link",
        ),
        (
            json!({"meeting": "nope", "title": "x", "owner": "sato", "created": "2026-11-25"}),
            "nope",
        ),
    ] {
        std::fs::write(
            &file,
            json!({"format": "weekly-postmortem/v1", "actions": [bad]}).to_string(),
        )
        .unwrap();
        let out = app.run(&["import", file.to_str().unwrap()]);
        assert!(!out.status.success());
        let error = stderr(&out);
        assert!(
            error.contains("actions[0]") && error.contains(expected),
            "{expected}: {error}"
        );
    }
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

#[test]
fn the_session_follows_up_overdue_and_due_actions_and_its_summary_lists_those_done() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    seed_actions(&app);
    let mut daemon =
        app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN), ("WEEKLY_POSTMORTEM_NOW", NOW)]);
    fake.wait_until_ready(WAIT);
    let announced = fake.wait_for_messages(TEXT_CHANNEL_ID, 1, WAIT);
    let announcement = announced[0]["content"].as_str().unwrap();
    assert!(
        announcement.contains("期限を過ぎた再発防止アクションが1件、今週が期限のものが1件あります"),
        "{announcement}"
    );
    assert!(
        !announcement.contains("タイムアウト") && !announcement.contains("佐藤"),
        "a count, no names: {announcement}"
    );
    crate::helpers::wait_until("the announcement recorded", WAIT, || {
        app.daemon_log().contains("posted reminder")
    });

    let start = fake.send_slash_command(
        "session",
        json!([{"name": "start", "type": 1, "options": []}]),
        TANAKA,
        &[FACILITATOR_ROLE],
    );
    fake.wait_for_callback(start, WAIT);
    let thread: u64 = fake.threads()[0]["id"].as_str().unwrap().parse().unwrap();
    let run_of_show = fake.wait_for_messages(thread, 1, WAIT)[0].clone();
    let text = run_of_show["content"].as_str().unwrap();
    crate::no_english::assert_japanese("the run-of-show", text, &[]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1], "▶ 再発防止アクション（期限切れと今週が期限のもの）",
        "{text}"
    );
    assert_eq!(
        lines[2], "- 「タイムアウトを見直す」 担当: 佐藤、期限 11月30日(月)（期限切れ）",
        "{text}"
    );
    assert_eq!(
        lines[3],
        "- 「遅延のグラフを足す」 担当: 田中、期限 12月4日(金) <https://github.com/acme/pay/issues/9>",
        "{text}"
    );
    assert!(!text.contains("手順書を直す"), "{text}");
    let done_buttons: Vec<(String, String)> = buttons(&run_of_show)
        .into_iter()
        .filter(|(id, _)| id.contains(":done:"))
        .collect();
    assert_eq!(
        done_buttons
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>(),
        ["完了: タイムアウトを見直す", "完了: 遅延のグラフを足す"]
    );

    // Someone who neither owns it nor facilitates is told who may.
    let refused = fake.click_button(&run_of_show, &done_buttons[0].0, 1_300_000_000_000_002_999);
    let refused = fake.wait_for_callback(refused, WAIT);
    assert!(is_ephemeral(&refused));
    assert!(
        japanese_reply(&refused).contains("担当の佐藤さんとファシリテーター"),
        "{refused}"
    );
    let done = fake.click_button(&run_of_show, &done_buttons[0].0, SATO);
    let done = fake.wait_for_callback(done, WAIT);
    assert!(!is_ephemeral(&done), "the thread sees it: {done}");
    assert!(
        japanese_reply(&done).contains("「タイムアウトを見直す」を完了にしました"),
        "{done}"
    );

    let end = fake.send_slash_command(
        "session",
        json!([{"name": "end", "type": 1, "options": []}]),
        TANAKA,
        &[FACILITATOR_ROLE],
    );
    fake.wait_for_callback(end, WAIT);
    let summary = crate::helpers::eventually("the summary in the thread", WAIT, || {
        fake.messages(thread)
            .into_iter()
            .filter_map(|m| m["content"].as_str().map(str::to_string))
            .find(|t| t.contains("のまとめ"))
    });
    assert!(
        summary.contains("この回で完了したアクション:\n- タイムアウトを見直す"),
        "{summary}"
    );
    daemon.terminate();
}

#[test]
fn a_recorded_postmortem_offers_to_add_its_prevention_actions_in_a_small_form() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let mut daemon = app.start_daemon_with_env(&[
        (BOT_TOKEN_ENV, BOT_TOKEN),
        // The session day, after the session.
        ("WEEKLY_POSTMORTEM_NOW", "2026-12-02T19:00:00+09:00"),
    ]);
    fake.wait_until_ready(WAIT);
    let submitted = fake.submit_modal(
        "wp:pm:weekly:-",
        &[
            ("title", "決済APIの遅延"),
            ("impact", "決済の3割が失敗"),
            ("actions_taken", "旧版に戻した"),
            ("prevention", "タイムアウトを見直す"),
        ],
        SATO,
    );
    let recorded = fake.wait_for_callback(submitted, WAIT);
    assert!(
        japanese_reply(&recorded).contains("記録しました"),
        "{recorded}"
    );
    let add = buttons(&recorded["data"])
        .into_iter()
        .find(|(_, label)| label == "アクションを追加")
        .unwrap_or_else(|| panic!("no 「アクションを追加」: {recorded}"));
    // The reply as Discord would deliver it with the click: a whole message.
    let mut message = fake.wait_for_messages(TEXT_CHANNEL_ID, 1, WAIT)[0].clone();
    message["components"] = recorded["data"]["components"].clone();
    let opened = fake.wait_for_callback(fake.click_button(&message, &add.0, TANAKA), WAIT);
    assert_eq!(opened["type"], 9, "a form: {opened}");
    let form = opened["data"]["custom_id"].as_str().unwrap().to_string();
    let labels: Vec<&str> = opened["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["components"][0]["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "やること",
            "担当（空欄ならあなた）",
            "期限（12/24、来週 など。空欄なら期限なし）"
        ]
    );
    let added = fake.submit_modal(
        &form,
        &[
            ("title", "タイムアウトを2秒に"),
            ("owner", "sato"),
            ("due", "来週"),
        ],
        TANAKA,
    );
    let added = fake.wait_for_callback(added, WAIT);
    assert!(
        japanese_reply(&added)
            .contains("「タイムアウトを2秒に」を登録しました（担当: 佐藤、期限 12月9日(水)）"),
        "{added}"
    );
    daemon.terminate();
    let action = exported(&app)["actions"][0].clone();
    assert!(
        action["postmortem"].as_str().unwrap().starts_with("pm-"),
        "{action}"
    );
    assert_eq!(action["owner"], "sato");
}

#[test]
fn trackers_close_actions_whose_issues_closed_and_reopen_them_when_reopened() {
    use crate::fake_trackers::{BACKLOG_KEY, FakeTrackers, GITHUB_TOKEN, JIRA_EMAIL, JIRA_TOKEN};
    let fake = FakeTrackers::start();
    let base = &fake.base_url;
    let app = with_people()
        .section(&format!(
            "[trackers]\npoll_minutes = 60\n[trackers.github]\napi_base_url = \"{base}\"\ntoken_env = \"TEST_GH\"\n[trackers.backlog]\nbase_url = \"{base}\"\napi_key_env = \"TEST_BACKLOG\"\n[trackers.jira]\nbase_url = \"{base}\"\nemail = \"{JIRA_EMAIL}\"\ntoken_env = \"TEST_JIRA\"\n"
        ))
        .spawn();
    let check = app.run(&["check-config"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let summary = stdout(&check);
    assert!(
        summary.contains("課題管理 GitHub: 60分ごとに確認（トークン TEST_GH、見つかりません！）")
            && summary
                .contains("課題管理 Jira: 60分ごとに確認（トークン TEST_JIRA、見つかりません！）"),
        "{summary}"
    );
    std::fs::create_dir_all(app.state_dir()).unwrap();
    let file = app.state_dir().join("seed.json");
    let action = |id: &str, link: &str| json!({"id": id, "meeting": "weekly", "title": id, "owner": "sato", "created": "2026-11-25", "link": link});
    std::fs::write(
        &file,
        json!({"format": "weekly-postmortem/v1", "actions": [
            action("act-gh", "https://github.com/acme/pay/issues/7"),
            action("act-backlog", &format!("{base}/view/SRE-4")),
            action("act-jira", &format!("{base}/browse/OPS-2")),
            action("act-elsewhere", "https://example.com/ticket/1"),
        ]})
        .to_string(),
    )
    .unwrap();
    assert!(
        app.run(&["import", file.to_str().unwrap()])
            .status
            .success()
    );
    fake.set("github:acme/pay#7", true);
    fake.set("backlog:SRE-4", true);
    fake.set("jira:OPS-2", false);
    fake.rate_limit_github(1);
    let env = [
        ("TEST_GH", GITHUB_TOKEN),
        ("TEST_BACKLOG", BACKLOG_KEY),
        ("TEST_JIRA", JIRA_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", NOW),
    ];
    let status = |document: &Value, id: &str| {
        let found = document["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()
            .clone();
        (
            found["status"].as_str().unwrap().to_string(),
            found["closed_by"].as_str().map(str::to_string),
        )
    };
    let mut daemon = app.start_daemon_with_env(&env);
    crate::helpers::eventually("GitHub asked again after its rate limit", WAIT, || {
        let document = exported(&app);
        (status(&document, "act-gh").0 == "done").then_some(())
    });
    let document = exported(&app);
    assert_eq!(
        status(&document, "act-gh"),
        ("done".into(), Some("github".into()))
    );
    assert_eq!(
        status(&document, "act-backlog"),
        ("done".into(), Some("backlog".into()))
    );
    assert_eq!(status(&document, "act-jira"), ("open".into(), None));
    let asked = fake.requests();
    assert!(
        asked.contains(&"GET /rest/api/2/issue/OPS-2".to_string()),
        "{asked:?}"
    );
    assert_eq!(
        asked.iter().filter(|r| r.contains("/issues/7")).count(),
        2,
        "{asked:?}"
    );
    daemon.terminate();
    let log = app.daemon_log();
    assert!(log.contains("action follows its tracker issue"), "{log}");
    for secret in [GITHUB_TOKEN, BACKLOG_KEY, JIRA_TOKEN] {
        assert!(!log.contains(secret), "a secret in the log");
    }
    let text = stdout(&app.run(&["history", "act-backlog", "--kind", "action"]));
    assert!(text.contains("（Backlog で完了）"), "{text}");

    // Reopened on GitHub: the action is open again at the next look (here, the start).
    fake.set("github:acme/pay#7", false);
    fake.set("jira:OPS-2", true);
    let mut daemon = app.start_daemon_with_env(&env);
    crate::helpers::eventually("the reopened issue followed", WAIT, || {
        let document = exported(&app);
        (status(&document, "act-gh").0 == "open" && status(&document, "act-jira").0 == "done")
            .then_some(())
    });
    daemon.terminate();
}

#[test]
fn check_config_refuses_a_tracker_without_a_web_address_or_with_two_key_sources() {
    for (section, key, expected) in [
        (
            "[trackers.backlog]\nbase_url = \"acme.backlog.jp\"\n",
            "trackers.backlog.base_url",
            "https://",
        ),
        (
            "[trackers.backlog]\nbase_url = \"https://acme.backlog.jp\"\napi_key_env = \"K\"\napi_key_file = \"k.txt\"\n",
            "trackers.backlog.api_key_env",
            "api_key_env と api_key_file はどちらか一方だけ",
        ),
        (
            "[trackers.jira]\nbase_url = \"https://acme.atlassian.net\"\nemail = \"sre\"\n",
            "trackers.jira.email",
            "sre",
        ),
        (
            "[trackers]\npoll_minutes = 0\n",
            "trackers.poll_minutes",
            "1 から 10080",
        ),
        ("[trackers.gitlab]\n", "gitlab", "github"),
    ] {
        let app = spawn_app_with(&format!(
            "{}{WEEKLY_MEETING}\n{section}",
            daemon_section("")
        ));
        let out = app.run(&["check-config"]);
        assert_eq!(out.status.code(), Some(2), "{section}");
        let error = stderr(&out);
        assert!(
            error.contains(key) && error.contains(expected),
            "{section}: {error}"
        );
    }
}

#[test]
fn the_archive_shows_actions_by_state_and_owner_and_metrics_count_them() {
    let app = with_people().spawn();
    seed_actions(&app);
    let mut daemon = app.start_daemon_with_env(&[("WEEKLY_POSTMORTEM_NOW", NOW)]);
    let base = format!("http://{}", app.listen_address());
    let (status, page) = crate::helpers::get(&format!("{base}/actions")).unwrap();
    assert_eq!(status, 200);
    let overdue = page.find("<h2>期限切れ").expect("an overdue section");
    let open = page.find("<h2>未完了").expect("an open section");
    let done = page.find("<h2>この90日に完了").expect("a done section");
    assert!(overdue < open && open < done);
    let in_overdue = &page[overdue..open];
    assert!(in_overdue.contains("タイムアウトを見直す"), "{in_overdue}");
    assert!(
        in_overdue.contains("担当: 佐藤 · 2026年11月30日(月) · 期限切れ"),
        "{in_overdue}"
    );
    assert!(
        in_overdue.contains("href=\"/postmortems/pm-pay\""),
        "{in_overdue}"
    );
    let in_open = &page[open..done];
    assert!(
        in_open.contains("遅延のグラフを足す") && in_open.contains("手順書を直す"),
        "{in_open}"
    );
    assert!(
        in_open.contains("href=\"https://github.com/acme/pay/issues/9\""),
        "{in_open}"
    );
    assert!(
        !page.contains("2026-11-30") && !page.contains(">sato<"),
        "dates and people as read"
    );
    let (_, mine) = crate::helpers::get(&format!("{base}/actions?owner=tanaka")).unwrap();
    assert!(
        mine.contains("担当: 田中") && !mine.contains("タイムアウトを見直す"),
        "{mine}"
    );
    let (_, postmortem) = crate::helpers::get(&format!("{base}/postmortems/pm-pay")).unwrap();
    assert!(
        postmortem.contains("<h2>再発防止アクション</h2>"),
        "{postmortem}"
    );
    assert!(postmortem.contains("タイムアウトを見直す"), "{postmortem}");
    let (_, metrics) = crate::helpers::get(&format!("{base}/metrics")).unwrap();
    for sample in [
        "weekly_postmortem_actions{meeting=\"weekly\",state=\"open\"} 2",
        "weekly_postmortem_actions{meeting=\"weekly\",state=\"overdue\"} 1",
        "weekly_postmortem_actions{meeting=\"weekly\",state=\"done\"} 0",
        "weekly_postmortem_actions{meeting=\"weekly\",state=\"dropped\"} 0",
    ] {
        assert!(metrics.contains(sample), "{sample} in {metrics}");
    }
    daemon.terminate();
}

#[test]
fn an_owner_who_asked_gets_one_direct_message_the_day_before_a_due_date() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    seed_actions(&app);
    // Thursday 12/3, 10:00: act-soon (田中) is due on Friday.
    let env = [
        (BOT_TOKEN_ENV, BOT_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", "2026-12-03T10:00:00+09:00"),
    ];
    let mut daemon = app.start_daemon_with_env(&env);
    fake.wait_until_ready(WAIT);
    let asked = action(
        &fake,
        "remind",
        json!([{"name": "setting", "type": 4, "value": 0}]),
        TANAKA,
        &[],
    );
    assert!(is_ephemeral(&asked));
    let dm = crate::fake_discord::direct_channel_id(TANAKA);
    let sent = fake.wait_for_messages(dm, 1, WAIT);
    let text = sent[0]["content"].as_str().unwrap();
    crate::no_english::assert_japanese("the reminder", text, &[]);
    assert!(
        text.contains("明日（12月4日(金)）が期限") && text.contains("遅延のグラフを足す"),
        "{text}"
    );
    assert_eq!(sent[0]["allowed_mentions"]["parse"], json!([]));
    assert!(
        fake.messages(crate::fake_discord::direct_channel_id(SATO))
            .is_empty(),
        "only those who asked"
    );
    daemon.terminate();
    // Once: a restart the same day sends nothing more.
    let mut daemon = app.start_daemon_with_env(&env);
    fake.wait_until_ready(WAIT);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fake.messages(dm).len(), 1);
    daemon.terminate();
}
