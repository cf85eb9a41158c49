//! An incident from the hooks in Discord: offered in the call for topics, and presented
//! by the first click.

use super::*;

/// Saturday after the session of 11-25: no call is due yet, the hook can come in.
pub(super) const BEFORE_THE_CALL: &str = "2026-11-28T10:00:00+09:00";
/// Monday 12:30, the call for topics of 12-02 is due.
pub(super) const CALL_DUE: &str = "2026-11-30T12:30:00+09:00";
pub(super) const ALICE: u64 = 1_300_000_000_000_001_001;
pub(super) const BOB: u64 = 1_300_000_000_000_001_002;

pub(super) fn app_with_alerts_and_discord(fake: &crate::fake_discord::FakeDiscord) -> TestApp {
    TestConfig::weekly()
        .discord(Discord::fake(fake, crate::fake_discord::FACILITATOR_ROLE_ID))
        .section(&format!(
            "[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"{ALERTS_TOKEN_ENV}\"\nmin_duration_minutes = 5\n"
        ))
        .spawn()
}

pub(super) fn button_ids(message: &Value) -> Vec<(String, String)> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["custom_id"].as_str().unwrap_or_default().to_string(),
                b["label"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub(super) fn agenda_of(app: &TestApp, date: &str) -> Vec<Value> {
    let document = app.json(&["export"]);
    document["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["meeting"] == "weekly" && s["date"] == date)
        .map(|s| s["agenda"].as_array().unwrap().clone())
        .unwrap_or_default()
}

#[test]
fn an_incident_from_the_hook_is_offered_in_the_call_for_topics_and_the_first_click_presents_it() {
    use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV, FakeDiscord, TEXT_CHANNEL_ID};
    let fake = FakeDiscord::start();
    let app = app_with_alerts_and_discord(&fake);
    let mut daemon = app.start_daemon_with_env(&[
        (ALERTS_TOKEN_ENV, ALERTS_TOKEN),
        (BOT_TOKEN_ENV, BOT_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", BEFORE_THE_CALL),
    ]);
    let url = hooks_url(&daemon);
    for body in ["alertmanager-firing.json", "alertmanager-resolved.json"] {
        let (status, answer) = post(&url, Some(ALERTS_TOKEN), fixture(body));
        assert_eq!(status, 200, "{answer}");
    }
    let incident_id = incidents(&app)[0]["id"].as_str().unwrap().to_string();
    assert!(daemon.terminate().success());

    let _daemon = app.start_daemon_with_env(&[
        (ALERTS_TOKEN_ENV, ALERTS_TOKEN),
        (BOT_TOKEN_ENV, BOT_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", CALL_DUE),
    ]);
    fake.wait_until_ready(WAIT);
    let call = fake.wait_for("the call for topics of 12-02", WAIT, |s| {
        s.messages(TEXT_CHANNEL_ID)
            .iter()
            .find(|m| {
                m["content"]
                    .as_str()
                    .is_some_and(|c| c.contains("前回からのインシデント"))
            })
            .cloned()
    });
    let text = call["content"].as_str().unwrap();
    // Title, the range in Tokyo time and how long it lasted; nobody is pinged.
    assert!(
        text.contains("- 決済APIのレイテンシが2秒を超えています（11月27日(金) 10:00–10:40、40分）"),
        "{text}"
    );
    assert!(!text.contains("<@"), "{text}");
    let present = format!("wp:incident:{incident_id}");
    assert!(
        button_ids(&call).contains(&(present.clone(), "話します".to_string())),
        "{call}"
    );

    let click = fake.click_button(&call, &present, ALICE);
    let reply = fake.wait_for_callback(click, WAIT);
    assert_eq!(
        reply["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "{reply}"
    );
    let said = reply["data"]["content"].as_str().unwrap_or_default();
    assert!(said.contains("議題に追加しました"), "{reply}");
    let agenda = agenda_of(&app, "2026-12-02");
    assert_eq!(agenda.len(), 1, "{agenda:#?}");
    assert_eq!(agenda[0]["kind"], "incident");
    assert_eq!(agenda[0]["incident"], incident_id.as_str());
    assert_eq!(agenda[0]["title"], "決済APIのレイテンシが2秒を超えています");
    assert_eq!(agenda[0]["added_by"], ALICE.to_string());
    // The presenter is the clicker's person, by Discord id, not a name.
    let presenter = agenda[0]["presenter"].as_str().unwrap().to_string();
    assert_eq!(presenter, format!("discord-{ALICE}"));

    // The incident is in history, and its agenda item with it.
    assert!(
        incidents(&app)
            .iter()
            .any(|i| i["id"] == incident_id.as_str())
    );
    let output = app.run(&[
        "history",
        "レイテンシ",
        "--kind",
        "agenda",
        "--format",
        "json",
    ]);
    let hits: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(hits.as_array().map(Vec::len), Some(1), "{hits}");

    // A second click, by someone else, changes nothing and names nobody.
    let again = fake.click_button(&call, &present, BOB);
    let reply = fake.wait_for_callback(again, WAIT);
    assert_eq!(
        reply["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "{reply}"
    );
    let said = reply["data"]["content"].as_str().unwrap_or_default();
    assert!(said.contains("すでに議題に入っています"), "{reply}");
    assert!(!said.contains(&presenter), "{reply}");
    assert_eq!(agenda_of(&app, "2026-12-02"), agenda);

    // `/incidents` lists it with its id, marked as on the agenda, to its asker only.
    let asked = fake.send_slash_command("incidents", json!([]), BOB, &[]);
    let reply = fake.wait_for_callback(asked, WAIT);
    assert_eq!(
        reply["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "{reply}"
    );
    let listed = reply["data"]["content"].as_str().unwrap_or_default();
    assert!(
        listed.starts_with("11月25日(水)からのインシデント"),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("`{incident_id}`（議題あり）")),
        "{listed}"
    );
    let asked = fake.send_slash_command(
        "incidents",
        json!([{"name": "since", "type": 3, "value": "11/28"}]),
        BOB,
        &[],
    );
    let reply = fake.wait_for_callback(asked, WAIT);
    assert!(
        reply["data"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("11月28日(土)からのインシデントはありません")),
        "{reply}"
    );

    // `/postmortem incident:` opens the form with the title and the timeline.
    let open = fake.send_slash_command(
        "postmortem",
        json!([{"name": "incident", "type": 3, "value": incident_id}]),
        ALICE,
        &[],
    );
    let modal = fake.wait_for_callback(open, WAIT);
    assert_eq!(modal["type"], 9, "a modal opens: {modal}");
    let values: Vec<(String, String)> = modal["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|c| {
            (
                c["custom_id"].as_str().unwrap_or_default().to_string(),
                c["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let value = |id: &str| values.iter().find(|(c, _)| c == id).unwrap().1.clone();
    assert_eq!(value("title"), "決済APIのレイテンシが2秒を超えています");
    let timeline = value("actions_taken");
    assert!(timeline.starts_with("11/27 10:00 発生\n"), "{timeline}");
    assert!(timeline.contains("11/27 10:40 復旧"), "{timeline}");
    assert!(timeline.contains("アラート: "), "{timeline}");
    assert_eq!(value("impact"), "");
    let unknown = fake.send_slash_command(
        "postmortem",
        json!([{"name": "incident", "type": 3, "value": "inc-nothing"}]),
        ALICE,
        &[],
    );
    let reply = fake.wait_for_callback(unknown, WAIT);
    assert!(
        reply["data"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("インシデント inc-nothing は見つかりません")),
        "{reply}"
    );

    // `stats`: incidents per week beside the sessions, and the share presented.
    let stats = |format: &[&str]| {
        let output = app
            .command()
            .env("WEEKLY_POSTMORTEM_NOW", CALL_DUE)
            .arg("stats")
            .args(format)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let figures: Value = serde_json::from_str(&stats(&["--format", "json"])).unwrap();
    let incidents = &figures["incidents"];
    assert_eq!(
        (
            &incidents["total"],
            &incidents["above_minimum"],
            &incidents["presented"],
            &incidents["presented_share"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(1.0)),
        "{figures:#}"
    );
    assert_eq!(
        incidents["weeks"],
        json!([{"week": "2026-11-23", "incidents": 1, "sessions_held": 1},
               {"week": "2026-11-30", "incidents": 0, "sessions_held": 0}]),
        "{figures:#}"
    );
    assert!(figures["years"].is_array(), "existing fields stay");
    let text = stats(&[]);
    assert!(
        text.contains("インシデント: 1 件（2 週で週平均 0.5）、うち 5 分以上 1 件、議題で話したもの 1 件（100%）"),
        "{text}"
    );
    assert!(text.contains("11月23日(月)の週 1 件・開催 1 回"), "{text}");

    // Texts show the presenter's display, the one Discord shows now: Alice
    // renamed herself and used the bot since.
    fake.set_nickname(ALICE, "アリス");
    let joined = fake.send_slash_command(
        "rotation",
        json!([{"name": "join", "type": 1, "options": []}]),
        ALICE,
        &[],
    );
    fake.wait_for_callback(joined, WAIT);
    let asked = fake.send_slash_command("next", json!([]), BOB, &[]);
    let next = fake.wait_for_callback(asked, WAIT);
    let next = next["data"]["content"].as_str().unwrap_or_default();
    assert!(
        next.contains("決済APIのレイテンシが2秒を超えています（インシデント、アリス）"),
        "{next}"
    );
    assert!(!next.contains("discord-"), "{next}");
    assert_eq!(
        agenda_of(&app, "2026-12-02")[0]["presenter"],
        presenter.as_str()
    );
}
