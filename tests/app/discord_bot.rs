//! The Discord bot through the binary: the real serenity client and poise
//! against the local fake Discord (REST + gateway).

use serde_json::{Value, json};

use crate::fake_discord::{FakeDiscord, GUILD_ID, TEXT_CHANNEL_ID};
use crate::fake_discord::{is_ephemeral, japanese_reply as content};
use crate::helpers::{RunningDaemon, TestApp, WAIT, eventually, wait_until};
use crate::test_config::{Discord, TestConfig};

use crate::fake_discord::FACILITATOR_ROLE_ID as FACILITATOR_ROLE;
use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};
const ALICE: u64 = 1_300_000_000_000_001_001;
const BOB: u64 = 1_300_000_000_000_001_002;

fn app_with_discord(fake: &FakeDiscord) -> TestApp {
    TestConfig::weekly()
        .log("debug")
        .discord(Discord::fake(fake, FACILITATOR_ROLE))
        .spawn()
}

fn start(app: &TestApp, fake: &FakeDiscord, now: Option<&str>) -> RunningDaemon {
    let mut env = vec![(BOT_TOKEN_ENV, BOT_TOKEN)];
    if let Some(now) = now {
        env.push(("WEEKLY_POSTMORTEM_NOW", now));
    }
    let daemon = app.start_daemon_with_env(&env);
    fake.wait_until_ready(WAIT);
    daemon
}

fn subcommand(name: &str, options: Value) -> Value {
    json!([{"name": name, "type": 1, "options": options}])
}

#[test]
fn agenda_add_list_and_remove_through_slash_commands() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let _daemon = start(&app, &fake, None);
    let names: Vec<String> = fake
        .registered_commands()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    for name in [
        "agenda",
        "next",
        "rsvp",
        "history",
        "learning",
        "postmortem",
        "skip",
        "unskip",
    ] {
        assert!(
            names.contains(&name.to_string()),
            "{name} registered: {names:?}"
        );
    }
    let agenda = fake
        .registered_commands()
        .into_iter()
        .find(|c| c["name"] == "agenda")
        .unwrap();
    assert!(
        agenda["description_localizations"]["ja"].is_string(),
        "{agenda}"
    );

    let add = fake.send_slash_command(
        "agenda",
        subcommand(
            "add",
            json!([
            {"name": "title", "type": 3, "value": "夜間バッチの遅延 <@everyone>"},
            {"name": "kind", "type": 4, "value": 0},
            {"name": "link", "type": 3, "value": "https://wiki.example.com/pm/42"}]),
        ),
        ALICE,
        &[],
    );
    let reply = fake.wait_for_callback(add, WAIT);
    assert!(content(&reply).contains("第393回"), "{reply}");
    assert!(content(&reply).contains("夜間バッチの遅延"), "{reply}");
    assert_eq!(
        reply["data"]["allowed_mentions"]["parse"],
        json!([]),
        "user text never pings: {reply}"
    );

    let exported = app.json(&["export"]);
    let item = &exported["sessions"][0]["agenda"][0];
    assert_eq!(exported["sessions"][0]["date"], "2026-12-02");
    assert_eq!(item["kind"], "incident");
    assert_eq!(item["link"], "https://wiki.example.com/pm/42");
    let id = item["id"].as_str().unwrap().to_string();

    let list = fake.send_slash_command("agenda", subcommand("list", json!([])), BOB, &[]);
    assert!(content(&fake.wait_for_callback(list, WAIT)).contains(&id));

    let not_mine = fake.send_slash_command(
        "agenda",
        subcommand("remove", json!([{"name": "id", "type": 3, "value": id}])),
        BOB,
        &[],
    );
    let refused = fake.wait_for_callback(not_mine, WAIT);
    assert!(
        is_ephemeral(&refused),
        "errors are only for the asker: {refused}"
    );
    let mine = fake.send_slash_command(
        "agenda",
        subcommand("remove", json!([{"name": "id", "type": 3, "value": id}])),
        ALICE,
        &[],
    );
    fake.wait_for_callback(mine, WAIT);
    assert_eq!(app.json(&["export"])["sessions"][0]["agenda"], json!([]));

    let bad = fake.send_slash_command(
        "agenda",
        subcommand(
            "add",
            json!([{"name": "title", "type": 3, "value": "x".repeat(301)}]),
        ),
        ALICE,
        &[],
    );
    let refused = fake.wait_for_callback(bad, WAIT);
    assert!(
        is_ephemeral(&refused) && content(&refused).contains("301"),
        "{refused}"
    );
    assert!(
        !app.daemon_log().contains(BOT_TOKEN),
        "the token never appears in the logs"
    );
}

#[test]
fn a_refused_skip_stores_nothing_and_a_facilitators_skip_shows_in_plan() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let _daemon = start(&app, &fake, None);
    let options = json!([{"name": "date", "type": 3, "value": "2026-12-09"}, {"name": "reason", "type": 3, "value": "全社イベント"}]);
    let refused = fake.send_slash_command("skip", options.clone(), ALICE, &[]);
    let reply = fake.wait_for_callback(refused, WAIT);
    assert!(is_ephemeral(&reply), "{reply}");
    assert!(content(&reply).contains("ファシリテーター"), "{reply}");
    assert_eq!(app.json(&["export"])["sessions"], json!([]));

    let allowed = fake.send_slash_command("skip", options, BOB, &[FACILITATOR_ROLE]);
    fake.wait_for_callback(allowed, WAIT);
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
    // People read the reason the facilitator gave.
    let table = crate::helpers::stdout(&app.run(&["plan", "--from", "2026-12-09", "--weeks", "1"]));
    assert!(table.contains("休み（中止: 全社イベント）"), "{table}");
}

#[test]
fn history_and_a_postmortem_through_the_modal() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let _daemon = start(&app, &fake, Some("2026-12-03T09:00:00+09:00"));
    let open = fake.send_slash_command("postmortem", json!([]), ALICE, &[]);
    let modal = fake.wait_for_callback(open, WAIT);
    assert_eq!(modal["type"], 9, "a modal opens: {modal}");
    let custom_id = modal["data"]["custom_id"].as_str().unwrap().to_string();
    let submit = fake.submit_modal(
        &custom_id,
        &[
            ("title", "証明書の期限切れ"),
            ("impact", "APIが30分停止"),
            ("actions_taken", "証明書を手動で更新"),
            ("root_cause", ""),
            ("prevention", "期限の監視を追加"),
        ],
        ALICE,
    );
    let reply = fake.wait_for_callback(submit, WAIT);
    assert!(content(&reply).contains("証明書の期限切れ"), "{reply}");
    let postmortem = &app.json(&["export"])["postmortems"][0];
    assert_eq!(postmortem["date"], "2026-12-02", "the latest session");
    assert_eq!(
        postmortem["responders"].as_array().unwrap().len(),
        1,
        "the author is a responder"
    );
    // Shown by name in `responders` (the v1 field as it was), known by id beside it.
    assert_eq!(postmortem["responders"][0], format!("User {ALICE}"));
    assert_eq!(postmortem["responder_ids"], json!([ALICE.to_string()]));

    let search = fake.send_slash_command(
        "history",
        json!([{"name": "query", "type": 3, "value": "期限"}]),
        BOB,
        &[],
    );
    let deferred = fake.wait_for_callback(search, WAIT);
    assert_eq!(deferred["type"], 5, "the search is deferred: {deferred}");
    let found = eventually("the answer to /history", WAIT, || {
        fake_answer(&fake, search)
    });
    assert!(
        found.contains("12月2日(水) ポストモーテム: 証明書の期限切れ"),
        "{found}"
    );
}

#[test]
fn the_announcement_is_posted_once_across_restarts_and_its_buttons_take_rsvps() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let now = "2026-12-02T10:05:00+09:00";
    let mut daemon = start(&app, &fake, Some(now));
    let messages = fake.wait_for_messages(TEXT_CHANNEL_ID, 1, WAIT);
    let announcement = messages[0].clone();
    crate::no_english::assert_post_japanese(&announcement, &[]);
    assert!(
        announcement["content"]
            .as_str()
            .unwrap()
            .contains("今日は「週刊ポストモーテム」第393回（12月2日(水)）"),
        "{announcement}"
    );
    assert_eq!(announcement["allowed_mentions"]["parse"], json!([]));

    // Restart around the same time: nothing is posted twice. (The first daemon
    // may be killed between posting and saying it caught up: only the
    // restarted one's word is waited for.)
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    let caught_up = || app.daemon_log().matches("reminders: caught up").count();
    let before = caught_up();
    let _daemon = start(&app, &fake, Some(now));
    crate::helpers::wait_until("the restarted daemon's reminders", WAIT, || {
        caught_up() > before
    });
    assert_eq!(
        fake.messages(TEXT_CHANNEL_ID).len(),
        1,
        "{:#?}",
        fake.messages(TEXT_CHANNEL_ID)
    );

    let going = announcement["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let click = fake.click_button(&announcement, &going, ALICE);
    let reply = fake.wait_for_callback(click, WAIT);
    assert!(is_ephemeral(&reply), "{reply}");
    assert!(content(&reply).contains("参加"), "{reply}");
    let session = &app.json(&["export"])["sessions"][0];
    assert_eq!(
        session["attendance"]["going"], 0,
        "imported counts untouched"
    );
    assert_eq!(session["rsvps"][ALICE.to_string()], "going");
}

#[test]
fn without_a_token_the_bot_is_off_and_says_why() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let daemon = app.start_daemon();
    let (_, body) = crate::helpers::get(&format!("{}/healthz", daemon.base_url)).unwrap();
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["integrations"]["Discord"]["enabled"], false);
    assert!(
        app.daemon_log()
            .contains("Discord: off, no token in TEST_DISCORD_TOKEN"),
        "{}",
        app.daemon_log()
    );
}

/// The text of a deferred interaction's answer: a followup or the edited original.
fn fake_answer(fake: &FakeDiscord, interaction: u64) -> Option<String> {
    let from_followup = fake
        .followups(interaction)
        .first()
        .map(|f| f["content"].as_str().unwrap_or_default().to_string());
    let from_original = fake
        .original_response(interaction)
        .map(|o| o["content"].as_str().unwrap_or_default().to_string());
    from_followup.or(from_original).filter(|t| !t.is_empty())
}

#[test]
fn held_sessions_are_mirrored_as_scheduled_events_without_duplicates() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let count_live = |fake: &FakeDiscord| fake.scheduled_events().len();
    let mut daemon = start(&app, &fake, None);
    wait_until("seven live events", WAIT, || count_live(&fake) >= 7);
    let events = fake.scheduled_events();
    assert_eq!(
        events.len(),
        7,
        "8 weeks, minus the company day off: {events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["name"] == "週刊ポストモーテム 第393回"),
        "{events:#?}"
    );
    assert!(
        events.iter().all(|e| e["entity_type"] == 3),
        "external, in the text channel: {events:#?}"
    );
    // Where to add topics points at the configured channel, as a Discord link.
    let channel_line =
        format!("議題の追加・出欠: Discord の <#{TEXT_CHANNEL_ID}> で /agenda add, /rsvp");
    assert!(
        events.iter().all(|e| e["description"]
            .as_str()
            .unwrap_or_default()
            .contains(&channel_line)),
        "{events:#?}"
    );

    // A restart finds its events by their tags.
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    let _daemon = start(&app, &fake, None);
    // A facilitator skips 12-09: its event goes.
    let options = json!([{"name": "date", "type": 3, "value": "2026-12-09"}, {"name": "reason", "type": 3, "value": "offsite"}]);
    let skip = fake.send_slash_command("skip", options, BOB, &[FACILITATOR_ROLE]);
    fake.wait_for_callback(skip, WAIT);
    wait_until("six live events", WAIT, || count_live(&fake) == 6);
    let events = fake.scheduled_events();
    assert_eq!(events.len(), 6, "{events:#?}");
    assert!(!events.iter().any(|e| {
        e["scheduled_start_time"]
            .as_str()
            .unwrap_or_default()
            .starts_with("2026-12-09")
    }));
}

#[test]
fn ten_minutes_in_the_people_in_the_voice_channel_are_counted_as_present() {
    use crate::fake_discord::VOICE_CHANNEL_ID;
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let config = std::fs::read_to_string(&app.config_path).unwrap();
    std::fs::write(
        &app.config_path,
        format!("{config}voice_channel_id = \"{VOICE_CHANNEL_ID}\"\n"),
    )
    .unwrap();
    let _daemon = start(&app, &fake, Some("2026-12-02T17:09:58+09:00"));
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
    let present = eventually("the presence count", WAIT, || {
        app.json(&["export"])["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["date"] == "2026-12-02")
            .map(|s| s["attendance"]["present"].clone())
            .filter(|p| !p.is_null())
    });
    assert_eq!(present, 3);
}

#[test]
fn stats_answers_with_a_summary_and_a_png_chart() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let _daemon = start(&app, &fake, None);
    let asked = fake.send_slash_command("stats", json!([]), ALICE, &[]);
    assert_eq!(fake.wait_for_callback(asked, WAIT)["type"], 5, "deferred");
    let answer = eventually("the /stats answer", WAIT, || {
        fake.followups(asked)
            .first()
            .cloned()
            .or_else(|| fake.original_response(asked))
    });
    let text = answer["content"].as_str().unwrap_or_default();
    assert!(text.contains("2026年: 開催"), "{answer}");
    let file = &answer["files_received"][0];
    assert_eq!(file["filename"], "stats.png", "{answer}");
    assert_eq!(file["png"], true);
    assert_eq!(
        (file["width"].as_u64(), file["height"].as_u64()),
        (Some(1200), Some(900))
    );
}

#[test]
fn calendar_shows_the_secret_address_privately_to_facilitators_only() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let daemon = start(&app, &fake, None);
    let registered = fake
        .registered_commands()
        .into_iter()
        .find(|c| c["name"] == "calendar")
        .expect("/calendar is registered");
    assert!(
        registered["description_localizations"]["ja"].is_string(),
        "{registered}"
    );

    let refused = fake.send_slash_command("calendar", json!([]), ALICE, &[]);
    let reply = fake.wait_for_callback(refused, WAIT);
    assert!(is_ephemeral(&reply), "{reply}");
    assert!(content(&reply).contains("ファシリテーター"), "{reply}");
    assert!(!content(&reply).contains("/calendar/"), "{reply}");

    let asked = fake.send_slash_command("calendar", json!([]), BOB, &[FACILITATOR_ROLE]);
    let reply = fake.wait_for_callback(asked, WAIT);
    assert!(
        is_ephemeral(&reply),
        "only the facilitator sees it: {reply}"
    );
    let url = app.calendar_url();
    assert!(
        url.starts_with(&format!("{}/calendar/", daemon.base_url)),
        "{url}"
    );
    assert!(content(&reply).starts_with(&format!("{url}\n")), "{reply}");
    assert!(content(&reply).contains("パスワード"), "{reply}");
    let (status, feed) = crate::helpers::get(&url).unwrap();
    assert_eq!(status, 200, "{feed}");
}
