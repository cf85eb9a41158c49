//! The live session (issue 15) through the binary: `/session start` against the
//! fake Discord opens a thread on the day's announcement and posts the run-of-show.

use serde_json::{Value, json};

use crate::fake_discord::{FakeDiscord, GUILD_ID, TEXT_CHANNEL_ID};
use crate::fake_discord::{is_ephemeral, japanese_reply as content};
use crate::helpers::{RunningDaemon, TestApp, WAIT};
use crate::test_config::{Discord, TestConfig};

use crate::fake_discord::FACILITATOR_ROLE_ID as FACILITATOR_ROLE;
use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};
const ALICE: u64 = 1_300_000_000_000_001_001;
const BOB: u64 = 1_300_000_000_000_001_002;
/// The session day, after the announcement.
const NOW: &str = "2026-12-02T10:05:00+09:00";

fn app_with_discord(fake: &FakeDiscord) -> TestApp {
    TestConfig::weekly()
        .log("debug")
        .discord(Discord::fake(fake, FACILITATOR_ROLE))
        .spawn()
}

/// Starts the daemon and waits until the day's announcement is out and recorded.
fn start(app: &TestApp, fake: &FakeDiscord) -> RunningDaemon {
    let daemon =
        app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN), ("WEEKLY_POSTMORTEM_NOW", NOW)]);
    fake.wait_until_ready(WAIT);
    fake.wait_for_messages(TEXT_CHANNEL_ID, 1, WAIT);
    crate::helpers::wait_until("the announcement recorded", WAIT, || {
        app.daemon_log().contains("posted reminder")
            || app.daemon_log().contains("reminders: caught up")
    });
    daemon
}

fn session_start(fake: &FakeDiscord, user: u64, roles: &[u64]) -> Value {
    let id = fake.send_slash_command(
        "session",
        json!([{"name": "start", "type": 1, "options": []}]),
        user,
        roles,
    );
    fake.wait_for_callback(id, WAIT)
}

#[test]
fn a_facilitator_starts_the_session_in_a_thread_on_the_announcement_once_across_restarts() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let mut daemon = start(&app, &fake);
    let registered = fake
        .registered_commands()
        .into_iter()
        .find(|c| c["name"] == "session")
        .expect("/session is registered");
    assert!(registered["description_localizations"]["ja"].is_string());

    // Someone else: an ephemeral refusal saying who may start.
    let refused = session_start(&fake, BOB, &[]);
    assert!(is_ephemeral(&refused), "{refused}");
    assert!(content(&refused).contains("ファシリテーター"), "{refused}");
    assert!(fake.threads().is_empty());

    add_agenda(
        &fake,
        &[("決済APIの全断", 0), ("ダッシュボードを眺める", 1)],
    );

    let started = session_start(&fake, ALICE, &[FACILITATOR_ROLE]);
    let threads = fake.threads();
    assert_eq!(threads.len(), 1, "{threads:#?}");
    let thread = &threads[0];
    assert_eq!(thread["name"], "第393回（12月2日(水)）");
    let announcement = &fake.messages(TEXT_CHANNEL_ID)[0];
    assert_eq!(
        announcement["thread"]["id"], thread["id"],
        "on the announcement"
    );
    let thread_id: u64 = thread["id"].as_str().unwrap().parse().unwrap();
    assert!(
        content(&started).contains(&format!("/{thread_id}")),
        "{started}"
    );

    let posted = fake.wait_for_messages(thread_id, 1, WAIT);
    let run_of_show = posted[0]["content"].as_str().unwrap().to_string();
    crate::no_english::assert_japanese("the run-of-show", &run_of_show, &[]);
    assert!(run_of_show.contains("第393回"), "{run_of_show}");
    assert!(
        run_of_show.contains("17:00〜 オープニング（5分）"),
        "{run_of_show}"
    );
    assert!(run_of_show.contains("誰が原因かではなく"), "{run_of_show}");
    assert!(
        run_of_show.contains("17:50〜 クロージング（10分）"),
        "{run_of_show}"
    );
    // 45 minutes, weighted 3:2 for an incident and a dashboard.
    assert!(
        run_of_show.contains("17:05〜 1. 決済APIの全断"),
        "{run_of_show}"
    );
    assert!(run_of_show.contains("27分"), "{run_of_show}");
    assert!(
        run_of_show.contains("17:32〜 2. ダッシュボードを眺める"),
        "{run_of_show}"
    );
    assert_eq!(posted[0]["allowed_mentions"]["parse"], json!([]));
    let labels: Vec<&str> = posted[0]["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["次へ", "+5分", "学びを記録"]);
    let run_of_show_message = posted[0].clone();
    let button = |n: usize| {
        run_of_show_message["components"][0]["components"][n]["custom_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (next, extend, learning) = (button(0), button(1), button(2));

    // 「次へ」 is the facilitator's: someone else gets a private word.
    let not_yours = fake.click_button(&run_of_show_message, &next, BOB);
    let not_yours = fake.wait_for_callback(not_yours, WAIT);
    assert!(is_ephemeral(&not_yours) && content(&not_yours).contains("ファシリテーター"));
    let first =
        fake.click_button_with_roles(&run_of_show_message, &next, ALICE, &[FACILITATOR_ROLE]);
    assert_eq!(fake.wait_for_callback(first, WAIT)["type"], 6);
    let now_on = fake.wait_for_messages(thread_id, 2, WAIT)[1]["content"]
        .as_str()
        .unwrap()
        .to_string();
    crate::no_english::assert_japanese("the first item", &now_on, &[]);
    assert!(
        now_on.contains("▶ 1. 決済APIの全断（17:32まで）"),
        "{now_on}"
    );
    assert!(
        now_on.contains("どうやって気づいた"),
        "incident prompts: {now_on}"
    );

    // A second start, and one after a SIGKILL: the link, nothing new.
    let again = session_start(&fake, ALICE, &[FACILITATOR_ROLE]);
    assert!(is_ephemeral(&again) && content(&again).contains(&format!("/{thread_id}")));
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    let _daemon = start(&app, &fake);
    let after = session_start(&fake, ALICE, &[FACILITATOR_ROLE]);
    assert!(
        content(&after).contains(&format!("/{thread_id}")),
        "{after}"
    );
    assert_eq!(fake.threads().len(), 1);
    assert_eq!(fake.messages(thread_id).len(), 2, "nothing posted twice");
    assert_eq!(fake.messages(TEXT_CHANNEL_ID).len(), 1);

    // The restarted daemon continues: the second item, in the same thread.
    let second =
        fake.click_button_with_roles(&run_of_show_message, &next, ALICE, &[FACILITATOR_ROLE]);
    fake.wait_for_callback(second, WAIT);
    let now_on = fake.wait_for_messages(thread_id, 3, WAIT)[2]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        now_on.contains("▶ 2. ダッシュボードを眺める（17:50まで）"),
        "{now_on}"
    );
    assert!(
        now_on.contains("普段はどんな値"),
        "dashboard prompts: {now_on}"
    );

    // Anyone records a learning through the form.
    let form = fake.click_button(&run_of_show_message, &learning, BOB);
    let form = fake.wait_for_callback(form, WAIT);
    assert_eq!(form["type"], 9, "{form}");
    let form_id = form["data"]["custom_id"].as_str().unwrap().to_string();
    let submitted = fake.submit_modal(&form_id, &[("text", "検知の閾値を見直す")], BOB);
    let submitted = fake.wait_for_callback(submitted, WAIT);
    assert!(is_ephemeral(&submitted), "{submitted}");
    assert!(
        content(&submitted).contains("学びとして記録しました"),
        "{submitted}"
    );

    // Anyone extends the item on now.
    let more = fake.click_button(&run_of_show_message, &extend, BOB);
    fake.wait_for_callback(more, WAIT);
    let extended = fake.wait_for_messages(thread_id, 4, WAIT)[3]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        extended.contains("「ダッシュボードを眺める」を5分延長しました（17:55まで）"),
        "{extended}"
    );
}

#[test]
fn a_refused_thread_is_said_in_the_channel_and_the_run_of_show_posted_there() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let _daemon = start(&app, &fake);
    fake.refuse_threads(true);
    let started = session_start(&fake, ALICE, &[FACILITATOR_ROLE]);
    assert!(!is_ephemeral(&started), "{started}");
    let messages = fake.wait_for_messages(TEXT_CHANNEL_ID, 3, WAIT);
    let said = messages[1]["content"].as_str().unwrap();
    assert!(said.contains("スレッドを作成できませんでした"), "{said}");
    assert!(
        messages[2]["content"]
            .as_str()
            .unwrap()
            .contains("オープニング"),
        "{messages:#?}"
    );
    assert!(fake.threads().is_empty());
}

/// Stops the daemon and starts it again at `now`, once it is back on the gateway.
fn restart_at(app: &TestApp, daemon: &mut RunningDaemon, now: &str) -> RunningDaemon {
    daemon.terminate();
    let ready = || app.daemon_log().matches("Discord gateway ready").count();
    let before = ready();
    let restarted =
        app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN), ("WEEKLY_POSTMORTEM_NOW", now)]);
    crate::helpers::wait_until("the bot back on the gateway", WAIT, || ready() > before);
    restarted
}

fn text_of(message: &Value) -> String {
    message["content"].as_str().unwrap_or_default().to_string()
}

fn exported_session(app: &TestApp, date: &str) -> Value {
    app.json(&["export"])["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["date"] == date)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Bob adds today's items with `/agenda add` (`kind`: the index of the command's choice).
fn add_agenda(fake: &FakeDiscord, items: &[(&str, i64)]) {
    for &(title, kind) in items {
        let id = fake.send_slash_command(
            "agenda",
            json!([{"name": "add", "type": 1, "options": [
                {"name": "title", "type": 3, "value": title},
                {"name": "kind", "type": 4, "value": kind},
            ]}]),
            BOB,
            &[],
        );
        fake.wait_for_callback(id, WAIT);
    }
}

#[test]
fn a_session_started_from_the_announcement_signals_its_times_and_ends_by_itself_with_a_summary() {
    use crate::fake_discord::VOICE_CHANNEL_ID;
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let config = std::fs::read_to_string(&app.config_path).unwrap();
    std::fs::write(
        &app.config_path,
        format!("{config}voice_channel_id = \"{VOICE_CHANNEL_ID}\"\n"),
    )
    .unwrap();
    let mut daemon = start(&app, &fake);

    // Alice joins the rotation: she facilitates today and the next session.
    fake.set_nickname(ALICE, "アリス");
    let joined = fake.send_slash_command(
        "rotation",
        json!([{"name": "join", "type": 1, "options": []}]),
        ALICE,
        &[],
    );
    fake.wait_for_callback(joined, WAIT);
    crate::helpers::wait_until("the next session assigned", WAIT, || {
        exported_session(&app, "2026-12-09")["facilitator"] == format!("discord-{ALICE}")
    });
    add_agenda(
        &fake,
        &[
            ("決済APIの全断", 0),
            ("ダッシュボードを眺める", 1),
            ("証明書の期限切れ", 2),
        ],
    );

    // 「始める」 on the day's announcement: for the same people as /session start.
    let announcement = fake.messages(TEXT_CHANNEL_ID)[0].clone();
    let start_button = announcement["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["components"].as_array().unwrap())
        .find(|b| b["label"] == "始める")
        .unwrap_or_else(|| panic!("no 始める: {announcement}"))["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = fake.click_button(&announcement, &start_button, BOB);
    let refused = fake.wait_for_callback(refused, WAIT);
    assert!(is_ephemeral(&refused), "{refused}");
    assert!(
        content(&refused).contains("（アリスさん）") && !content(&refused).contains("<@"),
        "{refused}"
    );
    assert!(fake.threads().is_empty());
    let started = fake.click_button(&announcement, &start_button, ALICE);
    let started = fake.wait_for_callback(started, WAIT);
    let threads = fake.threads();
    assert_eq!(threads.len(), 1, "{threads:#?} {started}");
    let thread_id: u64 = threads[0]["id"].as_str().unwrap().parse().unwrap();
    assert!(
        content(&started).contains(&format!("/{thread_id}")),
        "{started}"
    );

    let run_of_show = fake.wait_for_messages(thread_id, 1, WAIT)[0].clone();
    // 45 minutes weighted 3:2:2.
    for line in [
        "17:05〜 1. 決済APIの全断",
        "17:24〜 2. ダッシュボードを眺める",
        "17:37〜 3. 証明書の期限切れ",
    ] {
        assert!(text_of(&run_of_show).contains(line), "{run_of_show}");
    }
    let button = |n: usize| {
        run_of_show["components"][0]["components"][n]["custom_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (next, extend, learning) = (button(0), button(1), button(2));
    for n in [2, 3] {
        let clicked = fake.click_button(&run_of_show, &next, ALICE);
        fake.wait_for_callback(clicked, WAIT);
        fake.wait_for_messages(thread_id, n, WAIT);
    }
    let form = fake.click_button(&run_of_show, &learning, BOB);
    let form = fake.wait_for_callback(form, WAIT);
    let form_id = form["data"]["custom_id"].as_str().unwrap().to_string();
    let submitted = fake.submit_modal(&form_id, &[("text", "検知の閾値を見直す")], BOB);
    fake.wait_for_callback(submitted, WAIT);
    // /learning add during the session is linked the same way.
    let added = fake.send_slash_command(
        "learning",
        json!([{"name": "add", "type": 1, "options": [
            {"name": "text", "type": 3, "value": "ロールバック手順を共有する"},
        ]}]),
        BOB,
        &[],
    );
    assert!(
        content(&fake.wait_for_callback(added, WAIT)).contains("学びとして記録しました"),
        "{}",
        app.daemon_log()
    );
    let more = fake.click_button(&run_of_show, &extend, BOB);
    fake.wait_for_callback(more, WAIT);
    let extended = text_of(&fake.wait_for_messages(thread_id, 4, WAIT)[3]);
    assert!(
        extended.contains("「ダッシュボードを眺める」を5分延長しました（17:42まで）"),
        "{extended}"
    );
    let covered = exported_session(&app, "2026-12-02");
    assert_eq!(
        covered["agenda"][0]["done"], true,
        "passed with 次へ: {covered}"
    );

    // Ten minutes in, three people are in the voice channel.
    let mut daemon = restart_at(&app, &mut daemon, "2026-12-02T17:09:58+09:00");
    for (i, user) in [ALICE, BOB, 1_300_000_000_000_001_003]
        .into_iter()
        .enumerate()
    {
        fake.dispatch(
            "VOICE_STATE_UPDATE",
            json!({"guild_id": GUILD_ID.to_string(), "channel_id": VOICE_CHANNEL_ID.to_string(),
                   "user_id": user.to_string(), "session_id": format!("voice-{i}"), "deaf": false, "mute": false,
                   "self_deaf": false, "self_mute": false, "self_video": false, "suppress": false,
                   "request_to_speak_timestamp": null}),
        );
    }
    crate::helpers::wait_until("the head count", WAIT, || {
        exported_session(&app, "2026-12-02")["attendance"]["present"] == 3
    });

    // 17:56: the extended item ran out at 17:42, and five minutes are left.
    let mut daemon = restart_at(&app, &mut daemon, "2026-12-02T17:56:00+09:00");
    let signals = fake.wait_for_messages(thread_id, 6, WAIT);
    let (over, soon) = (text_of(&signals[4]), text_of(&signals[5]));
    crate::no_english::assert_japanese("a time signal", &over, &[]);
    assert_eq!(
        over,
        "⏰ 「ダッシュボードを眺める」の予定時間（17:42まで）が終わりました。"
    );
    assert_eq!(soon, "⏰ 終了の5分前です（18:00に終了予定）。");
    for signal in &signals[4..] {
        assert_eq!(signal["allowed_mentions"]["parse"], json!([]));
        assert!(signal["components"].as_array().is_none_or(Vec::is_empty));
    }

    // Nobody ended it: 15 minutes after the end, the summary, in the thread and the channel.
    let _daemon = restart_at(&app, &mut daemon, "2026-12-02T18:15:30+09:00");
    let in_thread = fake.wait_for_messages(thread_id, 7, WAIT);
    let summary = text_of(&in_thread[6]);
    crate::no_english::assert_japanese("the summary", &summary, &[]);
    assert!(summary.starts_with("**第393回"), "{summary}");
    assert!(
        summary.contains("扱った議題:\n- 決済APIの全断\n- ダッシュボードを眺める\n"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "記録された学び（2件）:\n- 検知の閾値を見直す\n- ロールバック手順を共有する\n"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("扱えなかった議題（次回に持ち越します）:\n- 証明書の期限切れ\n"),
        "{summary}"
    );
    assert!(summary.contains("参加人数: 3人"), "{summary}");
    assert!(
        summary.contains("次回: 第394回（12月9日(水)）（ファシリテーター: アリス）"),
        "{summary}"
    );
    crate::helpers::wait_until("the summary in the channel", WAIT, || {
        fake.messages(TEXT_CHANNEL_ID)
            .iter()
            .any(|m| text_of(m) == summary)
    });

    // It is the session's notes: history finds it; the item left carries over once.
    let hits = app.json(&["history", "持ち越します", "--format", "json"]);
    assert_eq!(hits[0]["date"], "2026-12-02", "{hits}");
    assert_eq!(hits[0]["type"], "session", "{hits}");
    crate::helpers::wait_until("the item left carried over", WAIT, || {
        exported_session(&app, "2026-12-09")["agenda"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["title"] == "証明書の期限切れ"))
    });
    let next_session = exported_session(&app, "2026-12-09");
    let titles: Vec<&Value> = next_session["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["title"])
        .collect();
    assert_eq!(titles, ["証明書の期限切れ"], "covered items stay behind");

    // A button of the finished session, and /session end: it has ended.
    let late = fake.click_button(&run_of_show, &next, ALICE);
    let late = fake.wait_for_callback(late, WAIT);
    assert!(is_ephemeral(&late), "{late}");
    assert_eq!(content(&late), "この回の進行は終了しています。");
    let end = fake.send_slash_command(
        "session",
        json!([{"name": "end", "type": 1, "options": []}]),
        ALICE,
        &[],
    );
    let end = fake.wait_for_callback(end, WAIT);
    assert!(is_ephemeral(&end) && content(&end) == "この回の進行は終了しています。");
    assert_eq!(fake.messages(thread_id).len(), 7, "nothing posted twice");
    assert_eq!(
        fake.messages(TEXT_CHANNEL_ID)
            .iter()
            .filter(|m| text_of(m) == summary)
            .count(),
        1
    );
}

#[test]
fn a_role_holder_ends_the_session_with_session_end_and_others_are_told_who_may() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let _daemon = start(&app, &fake);
    let started = session_start(&fake, ALICE, &[FACILITATOR_ROLE]);
    let thread_id: u64 = fake.threads()[0]["id"].as_str().unwrap().parse().unwrap();
    assert!(content(&started).contains(&format!("/{thread_id}")));
    fake.wait_for_messages(thread_id, 1, WAIT);

    let end = |user: u64, roles: &[u64]| {
        let id = fake.send_slash_command(
            "session",
            json!([{"name": "end", "type": 1, "options": []}]),
            user,
            roles,
        );
        fake.wait_for_callback(id, WAIT)
    };
    let refused = end(BOB, &[]);
    assert!(is_ephemeral(&refused), "{refused}");
    assert!(
        content(&refused).contains("進行を終えられるのは、ファシリテーターのロールを持つ人です"),
        "{refused}"
    );
    assert_eq!(fake.messages(thread_id).len(), 1);

    let ended = end(ALICE, &[FACILITATOR_ROLE]);
    assert!(is_ephemeral(&ended), "{ended}");
    assert!(
        content(&ended).contains(&format!(
            "まとめを投稿しました: https://discord.com/channels/{GUILD_ID}/{thread_id}"
        )),
        "{ended}"
    );
    let summary = text_of(&fake.wait_for_messages(thread_id, 2, WAIT)[1]);
    assert!(
        summary.contains("のまとめ**\n扱った議題:\n- なし"),
        "{summary}"
    );
    assert!(
        fake.messages(TEXT_CHANNEL_ID)
            .iter()
            .any(|m| text_of(m) == summary),
        "and in the channel"
    );
    let again = end(ALICE, &[FACILITATOR_ROLE]);
    assert_eq!(content(&again), "この回の進行は終了しています。");
    let after = session_start(&fake, ALICE, &[FACILITATOR_ROLE]);
    assert_eq!(content(&after), "この回の進行は終了しています。");
    assert_eq!(fake.messages(thread_id).len(), 2, "posted once");
}
