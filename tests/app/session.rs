//! The live session (issue 15) through the binary: `/session start` against the
//! fake Discord opens a thread on the day's announcement and posts the run-of-show.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_discord::{FakeDiscord, GUILD_ID, TEXT_CHANNEL_ID};
use crate::helpers::{RunningDaemon, TestApp, WEEKLY_MEETING, daemon_section, spawn_app_with};

const TOKEN: &str = "fake-bot-token-Zm9vYmFy.secret";
const FACILITATOR_ROLE: u64 = 1_300_000_000_000_000_777;
const ALICE: u64 = 1_300_000_000_000_001_001;
const BOB: u64 = 1_300_000_000_000_001_002;
const WAIT: Duration = Duration::from_secs(10);
/// The session day, after the announcement.
const NOW: &str = "2026-12-02T10:05:00+09:00";

fn app_with_discord(fake: &FakeDiscord) -> TestApp {
    spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}\n[discord]\ntoken_env = \"TEST_DISCORD_TOKEN\"\nguild_id = \"{GUILD_ID}\"\nchannel_id = {TEXT_CHANNEL_ID}\nfacilitator_role_id = \"{FACILITATOR_ROLE}\"\napi_base_url = \"{}\"\n",
        daemon_section("log = \"debug\""),
        fake.base_url()
    ))
}

/// Starts the daemon and waits until the day's announcement is out and recorded.
fn start(app: &TestApp, fake: &FakeDiscord) -> RunningDaemon {
    let daemon = app.start_daemon_with_env(&[
        ("TEST_DISCORD_TOKEN", TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", NOW),
    ]);
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

fn content(callback: &Value) -> String {
    let text = callback["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    crate::no_english::assert_japanese("a Discord reply", &text, &[]);
    text
}

fn is_ephemeral(callback: &Value) -> bool {
    callback["data"]["flags"].as_u64().unwrap_or(0) & 64 != 0
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

    for (title, kind) in [("決済APIの全断", 0), ("ダッシュボードを眺める", 1)] {
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

    let started = session_start(&fake, ALICE, &[FACILITATOR_ROLE]);
    let threads = fake.threads();
    assert_eq!(threads.len(), 1, "{threads:#?}");
    let thread = &threads[0];
    assert_eq!(thread["name"], "#393 2026-12-02");
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
