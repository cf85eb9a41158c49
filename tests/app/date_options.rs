//! Date options as people type them, through the real bot: `12/9`,
//! `12月9日`, `来週` and `次回` name sessions, and anything else is refused
//! with the accepted forms, in the configured language.

use serde_json::{Value, json};

use crate::fake_discord::FakeDiscord;
use crate::fake_discord::reply_text as content;
use crate::helpers::WAIT;
use crate::test_config::{Discord, TestConfig};

use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};
const ALICE: u64 = 1_300_000_000_000_002_001;

fn agenda(sub: &str, options: Value) -> Value {
    json!([{"name": sub, "type": 1, "options": options}])
}

#[test]
fn month_day_kanji_next_week_and_next_name_sessions_and_other_text_is_refused_in_japanese() {
    let fake = FakeDiscord::start();
    let app = TestConfig::weekly()
        .discord(Discord::fake(
            &fake,
            crate::fake_discord::FACILITATOR_ROLE_ID,
        ))
        .spawn();
    // "Now" is Sunday 2026-11-29 in Tokyo: next week's session is 2026-12-02.
    let _daemon = app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN)]);
    fake.wait_until_ready(WAIT);

    let send = |command: &str, options: Value| {
        let id = fake.send_slash_command(command, options, ALICE, &[]);
        fake.wait_for_callback(id, WAIT)
    };
    let add = |title: &str, date: &str| {
        send(
            "agenda",
            agenda(
                "add",
                json!([{"name": "title", "type": 3, "value": title},
                       {"name": "date", "type": 3, "value": date}]),
            ),
        )
    };
    let reply = add("証明書の期限切れ", "12/9");
    assert!(
        content(&reply).contains("第394回（12月9日(水)）"),
        "{reply}"
    );
    let reply = add("夜間バッチの遅延", "１２月１６日");
    assert!(content(&reply).contains("（12月16日(水)）"), "{reply}");
    let reply = add("DNS の設定ミス", "次回");
    assert!(
        content(&reply).contains("第393回（12月2日(水)）"),
        "{reply}"
    );

    let listed = send(
        "agenda",
        agenda(
            "list",
            json!([{"name": "date", "type": 3, "value": "来週"}]),
        ),
    );
    assert!(content(&listed).contains("DNS の設定ミス"), "{listed}");

    // Stored on next week's session: checked in the export below.
    send(
        "rsvp",
        json!([{"name": "status", "type": 4, "value": 0},
               {"name": "date", "type": 3, "value": "next week"}]),
    );

    let refused = add("いつか", "12/34");
    assert_eq!(
        content(&refused),
        "「12/34」は日付として読めません。2026-12-09、12/9、12月9日、来週、次回 のいずれかの形で書いてください"
    );

    let exported = app.json(&["export"]);
    let session = |date: &str| {
        exported["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["date"] == date)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        session("2026-12-09")["agenda"][0]["title"],
        "証明書の期限切れ"
    );
    assert_eq!(
        session("2026-12-16")["agenda"][0]["title"],
        "夜間バッチの遅延"
    );
    assert_eq!(
        session("2026-12-02")["agenda"][0]["title"],
        "DNS の設定ミス"
    );
    assert_eq!(
        session("2026-12-02")["rsvps"][ALICE.to_string()],
        "going",
        "{exported:#}"
    );

    let described = fake
        .registered_commands()
        .into_iter()
        .find(|c| c["name"] == "rsvp")
        .unwrap();
    let date_option = described["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "date")
        .cloned()
        .unwrap();
    assert_eq!(
        date_option["description_localizations"]["ja"],
        "開催日（2026-12-09、12/9、12月9日、来週、次回）"
    );
}
