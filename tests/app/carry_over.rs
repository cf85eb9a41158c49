//! Carry-over through the binary: an open item survives an import and a
//! downtime without landing in a finished session, is listed as 未消化 in the
//! next call for topics, and `stats` counts it once.

use serde_json::{Value, json};

use crate::fake_discord::{FakeDiscord, TEXT_CHANNEL_ID};
use crate::helpers::{TestApp, WAIT, stdout};
use crate::test_config::{Discord, Meeting, TestConfig};

use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};
/// Thursday after the session of 2026-12-02.
const AFTER_THE_SESSION: &str = "2026-12-03T09:00:00+09:00";
/// Monday 2027-01-04 after the call for topics of 01-06 was due (12:00):
/// the sessions of 12-09, 12-16 and 12-23 ended while the daemon was down,
/// the first of them more than two weeks ago (12-30 is a company day off).
const AFTER_THE_DOWNTIME: &str = "2027-01-04T12:30:00+09:00";
const STATS_DAY: &str = "2027-01-07T09:00:00+09:00";
const ITEM: &str = "証明書の期限切れ";

fn app(fake: &FakeDiscord) -> TestApp {
    TestConfig::new()
        .meeting(Meeting::weekly().facilitators(&["sato", "tanaka"]))
        .discord(Discord::fake(
            fake,
            crate::fake_discord::FACILITATOR_ROLE_ID,
        ))
        .spawn()
}

/// The session of 12-02 with one open item, an older session with another
/// (history, not to be flooded into the next session), and no RSVPs at all.
fn document() -> Value {
    json!({"format": "weekly-postmortem/v1", "sessions": [
        {"meeting": "weekly", "date": "2026-10-07", "status": "held",
         "agenda": [{"title": "古いログの整理", "kind": "topic"}]},
        {"meeting": "weekly", "date": "2026-12-02", "status": "held",
         "agenda": [
            {"title": "DNS の設定ミス", "kind": "incident", "done": true},
            {"title": ITEM, "kind": "incident"}]}]})
}

fn import(app: &TestApp, now: &str) {
    let path = app.dir.path().join("import.json");
    std::fs::write(&path, document().to_string()).unwrap();
    let output = app
        .command()
        .env("WEEKLY_POSTMORTEM_NOW", now)
        .args(["import", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

fn export(app: &TestApp) -> Value {
    app.json(&["export"])
}

fn agenda(exported: &Value, date: &str) -> Vec<Value> {
    exported["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["date"] == date)
        .and_then(|s| s["agenda"].as_array().cloned())
        .unwrap_or_default()
}

fn wait_for_export(app: &TestApp, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    app.eventually(what, WAIT, || {
        let exported = export(app);
        if ok(&exported) {
            Ok(exported)
        } else {
            Err(exported)
        }
    })
}

fn titles(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_carried_item_survives_an_import_and_a_downtime_without_landing_in_a_finished_session() {
    let fake = FakeDiscord::start();
    let app = app(&fake);
    import(&app, AFTER_THE_SESSION);
    let mut daemon = app.start_daemon_with_env(&[
        (BOT_TOKEN_ENV, BOT_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", AFTER_THE_SESSION),
    ]);
    // The daemon copies the item to 12-09, then marks the original: two writes.
    let exported = wait_for_export(&app, "the carry to 12-09", |e| {
        !agenda(e, "2026-12-09").is_empty()
            && agenda(e, "2026-12-02")
                .iter()
                .any(|i| !i["carried_to"].is_null())
    });
    let next = agenda(&exported, "2026-12-09");
    assert_eq!(titles(&next), [ITEM], "only the open item");
    assert_eq!(next[0]["carried_from"], "2026-12-02");
    assert_eq!(
        agenda(&exported, "2026-12-02")[1]["carried_to"],
        "2026-12-09"
    );
    assert!(
        agenda(&exported, "2026-10-07")[0]["carried_to"].is_null(),
        "months-old history stays where it is"
    );

    // The same document again, through the running daemon: the 12-02 item
    // comes back without its mark, and still lands in 12-09 only once.
    import(&app, AFTER_THE_SESSION);
    let exported = wait_for_export(&app, "the re-imported item marked again", |e| {
        agenda(e, "2026-12-02")[1]["carried_to"] == "2026-12-09"
    });
    assert_eq!(titles(&agenda(&exported, "2026-12-09")), [ITEM]);
    assert!(daemon.terminate().success());

    // Down for a month.
    let _daemon = app.start_daemon_with_env(&[
        (BOT_TOKEN_ENV, BOT_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", AFTER_THE_DOWNTIME),
    ]);
    fake.wait_until_ready(WAIT);
    let call = fake.wait_for("the call for topics of 01-06", WAIT, |s| {
        s.messages(TEXT_CHANNEL_ID)
            .iter()
            .find(|m| m["content"].as_str().is_some_and(|c| c.contains("第397回")))
            .cloned()
    });
    crate::no_english::assert_post_japanese(&call, &[]);
    let text = call["content"].as_str().unwrap();
    assert!(text.contains("未消化の議題"), "{text}");
    assert!(
        text.contains(&format!(
            "- {ITEM}（インシデント）※12月9日(水)からの持ち越し"
        )),
        "{text}"
    );
    let exported = export(&app);
    for finished in ["2026-12-16", "2026-12-23"] {
        assert!(agenda(&exported, finished).is_empty(), "{finished}");
    }
    let upcoming = agenda(&exported, "2027-01-06");
    assert_eq!(titles(&upcoming), [ITEM]);
    assert_eq!(upcoming[0]["carried_from"], "2026-12-09");
    assert_eq!(
        agenda(&exported, "2026-12-09")[0]["carried_to"],
        "2027-01-06"
    );

    // The item counts once however often it moved; nobody answered an RSVP,
    // so the sessions are gaps; facilitators assigned ahead raise no warning.
    let stats = app
        .command()
        .env("WEEKLY_POSTMORTEM_NOW", STATS_DAY)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(
        stats["agenda"],
        json!({"incident": 2, "dashboard": 0, "topic": 1, "other": 0}),
        "{stats:#}"
    );
    assert_eq!(stats["sessions_left_out"], 0);
    let sessions = stats["sessions"].as_array().unwrap();
    assert!(sessions.len() >= 4, "{sessions:?}");
    assert!(sessions.iter().all(|s| s["rsvp_recorded"] == false));
    let text = stdout(
        &app.command()
            .env("WEEKLY_POSTMORTEM_NOW", STATS_DAY)
            .arg("stats")
            .output()
            .unwrap(),
    );
    assert!(text.contains("出欠の記録 0 回"), "{text}");
    assert!(!text.contains("集計から除外"), "{text}");
}
