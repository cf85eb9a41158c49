//! The calendar feed behind a secret address: `calendar-url` shows it, only it serves the
//! feed, `--rotate` retires it while the daemon runs, and the feed carries titles only.

use std::os::unix::fs::PermissionsExt;

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, WAIT, WEEKLY_MEETING, daemon_section, get, http_with_content_type, spawn_app,
    spawn_app_with, stderr, stdout,
};

fn token_of(url: &str) -> &str {
    url.rsplit_once("/calendar/")
        .and_then(|(_, file)| file.strip_suffix(".ics"))
        .unwrap_or_else(|| panic!("{url} is /calendar/<token>.ics"))
}

#[test]
fn calendar_url_prints_the_secret_address_and_only_it_serves_the_feed() {
    let app = spawn_app();
    let daemon = app.start_daemon();
    let url = app.calendar_url();
    assert!(
        url.starts_with(&format!("{}/calendar/", daemon.base_url)),
        "{url} on {}",
        daemon.base_url
    );
    let token = token_of(&url).to_string();
    assert_eq!(token.len(), 64, "32 random bytes as hex: {token}");
    assert!(token.bytes().all(|c| c.is_ascii_hexdigit()), "{token}");
    assert_eq!(app.calendar_url(), url, "the address stays until rotated");
    let file = app.state_dir().join("calendar-token");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let (status, content_type, feed) = http_with_content_type(&url, |c, u| c.get(u)).unwrap();
    assert_eq!(status, 200, "{feed}");
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    let unfolded = feed.replace("\r\n ", "");
    assert!(
        unfolded.contains("SUMMARY:週刊ポストモーテム 第393回\r\n"),
        "{unfolded}"
    );

    let wrong = token.replace(&token[..1], if &token[..1] == "0" { "1" } else { "0" });
    let base = &daemon.base_url;
    for path in [
        "/calendar.ics".to_string(),
        format!("/calendar/{wrong}.ics"),
        format!("/calendar/{token}"),
        format!("/calendar/{token}.ics.ics"),
        "/calendar/.ics".to_string(),
        format!("/calendar/{}.ics", &token[..32]),
    ] {
        let (status, body) = get(&format!("{base}{path}")).unwrap();
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("VCALENDAR"), "{path}");
    }
}

#[test]
fn rotating_the_address_retires_the_old_one_while_the_daemon_runs() {
    let app = spawn_app();
    let mut daemon = app.start_daemon();
    let old = app.calendar_url();
    assert_eq!(get(&old).unwrap().0, 200);

    let rotated = app.run(&["calendar-url", "--rotate"]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let new = stdout(&rotated).trim().to_string();
    assert!(
        stderr(&rotated).contains("古いアドレスはもう使えません"),
        "{}",
        stderr(&rotated)
    );
    assert_ne!(token_of(&new), token_of(&old));
    assert_eq!(
        get(&old).unwrap().0,
        404,
        "the old address is retired at once"
    );
    let (status, feed) = get(&new).unwrap();
    assert_eq!(status, 200, "{feed}");
    assert!(feed.starts_with("BEGIN:VCALENDAR"), "{feed}");
    assert_eq!(app.calendar_url(), new);
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "no restart was needed"
    );
    assert!(
        !app.daemon_log().contains(token_of(&new)),
        "the token never appears in the logs"
    );
    assert!(daemon.terminate().success());
}

#[test]
fn without_a_daemon_the_address_uses_the_configured_port_or_says_why_it_cannot() {
    let fixed = spawn_app_with(&format!(
        "[daemon]\nlisten = \"127.0.0.1:18754\"\nholiday_refresh = false\n{WEEKLY_MEETING}"
    ));
    let url = fixed.calendar_url();
    assert!(
        url.starts_with("http://127.0.0.1:18754/calendar/") && url.ends_with(".ics"),
        "{url}"
    );

    // Port 0: only a running daemon knows its port.
    let any_port = spawn_app();
    let output = any_port.run(&["calendar-url"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("127.0.0.1:0") && stderr(&output).contains("start the daemon"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

fn wait_for_proposal(app: &TestApp, date: &str) {
    app.eventually(&format!("a proposal on {date}"), WAIT, || {
        let exported = app.json(&["export"]);
        let proposed = exported["sessions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s: &Value| s["date"] == date && s["proposal"].is_object());
        if proposed { Ok(()) } else { Err(exported) }
    });
}

#[test]
fn a_reading_club_week_in_the_feed_names_the_postmortem_but_never_its_body() {
    let app = spawn_app_with(&format!(
        "{}{}",
        daemon_section(""),
        WEEKLY_MEETING.replace("skip_dates", "facilitators = [\"sato\"]\nskip_dates")
    ));
    let document = json!({"format": "weekly-postmortem/v1",
        "sessions": [{"meeting": "weekly", "date": "2026-12-09", "status": "held",
            "agenda": [{"title": "夜間バッチの遅延", "kind": "incident", "presenter": "kato",
                        "team": "Payments"}]}],
        "postmortems": [{"meeting": "weekly", "date": "2025-12-10", "title": "決済APIの全断",
            "impact": "決済が47分間すべて失敗した", "actions_taken": "古いコネクションプールへ切り戻した",
            "root_cause": "設定値のtypo", "prevention": "設定変更にカナリアを必須にする",
            "responders": ["tanaka"], "links": ["https://wiki.example.com/pm/1"]}]});
    let path = app.dir.path().join("past.json");
    std::fs::write(&path, document.to_string()).unwrap();
    let imported = app.run(&["import", path.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    // Two days before 2026-12-02 at 12:00 the call for topics proposes a reading club.
    let _daemon =
        app.start_daemon_with_env(&[("WEEKLY_POSTMORTEM_NOW", "2026-11-30T12:30:00+09:00")]);
    wait_for_proposal(&app, "2026-12-02");
    let exported = app.json(&["export"]);
    assert!(
        exported.to_string().contains("決済が47分間"),
        "the log keeps the proposal's summary: {exported}"
    );

    let (status, feed) = get(&app.calendar_url()).unwrap();
    assert_eq!(status, 200, "{feed}");
    let unfolded = feed.replace("\r\n ", "");
    assert!(unfolded.contains("決済APIの全断"), "{unfolded}");
    assert!(unfolded.contains("ファシリテーター: sato"), "{unfolded}");
    assert!(unfolded.contains("- 夜間バッチの遅延"), "{unfolded}");
    for body in [
        "決済が47分間",
        "古いコネクションプール",
        "設定値のtypo",
        "カナリア",
        "wiki.example.com",
        "tanaka",
        "kato",
        "Payments",
    ] {
        assert!(!unfolded.contains(body), "{body} leaked into {unfolded}");
    }
}

/// A second meeting in a zone with daylight saving, next to the Tokyo one.
const BERLIN_MEETING: &str = r#"
[[meeting]]
id = "berlin"
title = "Postmortem EU"
timezone = "Europe/Berlin"
weekday = "thursday"
start_time = "10:00"
duration_minutes = 45
first_session = "2026-01-08"
skip_japanese_holidays = false
"#;

/// One VEVENT as the parser read it: property name -> (value, parameters).
type Properties = std::collections::BTreeMap<String, (String, Vec<(String, String)>)>;

fn props(component: &icalendar::parser::Component) -> Properties {
    component
        .properties
        .iter()
        .map(|p| {
            let params = p
                .params
                .iter()
                .map(|q| {
                    let value = q.val.as_ref().map(|v| v.as_str().to_string());
                    (q.key.as_str().to_string(), value.unwrap_or_default())
                })
                .collect();
            (
                p.name.as_str().to_string(),
                (p.val.as_str().to_string(), params),
            )
        })
        .collect()
}

/// The feed through a real iCalendar parser: calendar properties, VTIMEZONEs
/// (TZID -> their STANDARD/DAYLIGHT blocks) and VEVENTs by UID.
struct Parsed {
    calendar: Properties,
    zones: std::collections::BTreeMap<String, Vec<(String, Properties)>>,
    events: std::collections::BTreeMap<String, Properties>,
}

fn parse(feed: &str) -> Parsed {
    let unfolded = icalendar::parser::unfold(feed);
    let calendar = icalendar::parser::read_calendar(&unfolded)
        .unwrap_or_else(|e| panic!("the feed is not iCalendar: {e}\n{feed}"));
    // The typed model accepts it too.
    let typed: icalendar::Calendar = feed.parse().expect("a typed calendar");
    assert!(!typed.components.is_empty());
    let mut zones = std::collections::BTreeMap::new();
    let mut events = std::collections::BTreeMap::new();
    for component in &calendar.components {
        let properties = props(component);
        match component.name.as_str() {
            "VTIMEZONE" => {
                let blocks = component
                    .components
                    .iter()
                    .map(|b| (b.name.as_str().to_string(), props(b)))
                    .collect();
                zones.insert(properties["TZID"].0.clone(), blocks);
            }
            "VEVENT" => {
                events.insert(properties["UID"].0.clone(), properties);
            }
            other => panic!("unexpected component {other}"),
        }
    }
    Parsed {
        calendar: calendar
            .properties
            .iter()
            .map(|p| {
                (
                    p.name.as_str().to_string(),
                    (p.val.as_str().to_string(), Vec::new()),
                )
            })
            .collect(),
        zones,
        events,
    }
}

fn value<'a>(event: &'a Properties, name: &str) -> &'a str {
    event.get(name).map_or("", |(v, _)| v.as_str())
}

fn tzid(event: &Properties, name: &str) -> String {
    let (_, params) = &event[name];
    params
        .iter()
        .find(|(k, _)| k == "TZID")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn import_agenda(app: &TestApp, date: &str, title: &str) {
    let document = json!({"format": "weekly-postmortem/v1", "sessions": [
        {"meeting": "weekly", "date": date, "status": "held",
         "agenda": [{"title": title, "kind": "incident", "presenter": "kato"}]}]});
    let path = app.dir.path().join(format!("agenda-{title}.json"));
    std::fs::write(&path, document.to_string()).unwrap();
    let imported = app.run(&["import", path.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
}

#[test]
fn the_feed_parses_with_zones_cancelled_weeks_and_a_sequence_that_rises_on_change() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}{BERLIN_MEETING}",
        daemon_section("")
    ));
    let mut daemon = app.start_daemon();
    let url = app.calendar_url();
    let (status, first) = get(&url).unwrap();
    assert_eq!(status, 200, "{first}");
    let feed = parse(&first);

    assert_eq!(
        value(&feed.calendar, "NAME"),
        "週刊ポストモーテム / Postmortem EU"
    );
    assert_eq!(
        value(&feed.calendar, "X-WR-CALNAME"),
        "週刊ポストモーテム / Postmortem EU"
    );

    // Every event is in its meeting's own zone, and each zone used has its VTIMEZONE.
    let tokyo = &feed.events["weekly-2026-12-02@weekly-postmortem"];
    assert_eq!(tzid(tokyo, "DTSTART"), "Asia/Tokyo");
    assert_eq!(value(tokyo, "DTSTART"), "20261202T170000");
    assert_eq!(value(tokyo, "DTEND"), "20261202T180000");
    assert_eq!(value(tokyo, "STATUS"), "CONFIRMED");
    assert_eq!(value(tokyo, "SUMMARY"), "週刊ポストモーテム 第393回");
    let berlin = &feed.events["berlin-2027-04-01@weekly-postmortem"];
    assert_eq!(tzid(berlin, "DTSTART"), "Europe/Berlin");
    assert_eq!(
        value(berlin, "DTSTART"),
        "20270401T100000",
        "local time, summer"
    );
    assert_eq!(value(berlin, "DTEND"), "20270401T104500");
    let blocks = |zone: &str| -> Vec<(String, String, String, String)> {
        feed.zones[zone]
            .iter()
            .map(|(kind, p)| {
                (
                    kind.clone(),
                    value(p, "DTSTART").to_string(),
                    value(p, "TZOFFSETFROM").to_string(),
                    value(p, "TZOFFSETTO").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        blocks("Asia/Tokyo"),
        [(
            "STANDARD".into(),
            "20261201T170000".into(),
            "+0900".into(),
            "+0900".into()
        )]
    );
    let europe = blocks("Europe/Berlin");
    assert_eq!(europe[0].0, "STANDARD");
    assert_eq!(europe[0].3, "+0100");
    assert!(
        europe.contains(&(
            "DAYLIGHT".into(),
            "20270328T020000".into(),
            "+0100".into(),
            "+0200".into()
        )),
        "summer time from 2027-03-28 02:00: {europe:?}"
    );
    assert_eq!(feed.zones.len(), 2, "one VTIMEZONE per zone used");

    // Skipped weeks stay in the feed, cancelled, so subscribed calendars drop them.
    let day_off = &feed.events["weekly-2026-12-30@weekly-postmortem"];
    assert_eq!(value(day_off, "STATUS"), "CANCELLED");
    assert_eq!(
        value(day_off, "DESCRIPTION"),
        "会社の休業日のためお休みです"
    );
    let holiday = &feed.events["weekly-2027-05-05@weekly-postmortem"];
    assert_eq!(value(holiday, "STATUS"), "CANCELLED");
    assert!(
        value(holiday, "DESCRIPTION").contains("こどもの日"),
        "{holiday:?}"
    );
    assert_eq!(
        value(holiday, "SUMMARY"),
        "週刊ポストモーテム",
        "no number for a skipped week"
    );

    // Fresh events start at SEQUENCE 0; a fetch without a change is the same feed.
    assert_eq!(value(tokyo, "SEQUENCE"), "0");
    // The test clock starts at 00:00 and runs: a loaded machine may take seconds.
    assert!(value(tokyo, "LAST-MODIFIED").starts_with("20261129T0000"));
    // DTSTAMP is when the feed was made (METHOD:PUBLISH, RFC 5545 3.8.7.2).
    let without_stamps = |feed: &str| -> String {
        feed.lines()
            .filter(|l| !l.starts_with("DTSTAMP:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        without_stamps(&get(&url).unwrap().1),
        without_stamps(&first),
        "nothing changed, nothing moves"
    );

    // An agenda item imported through the running daemon: that week's SEQUENCE rises.
    import_agenda(&app, "2026-12-02", "夜間バッチの遅延");
    let second = parse(&get(&url).unwrap().1);
    let changed = &second.events["weekly-2026-12-02@weekly-postmortem"];
    assert!(
        value(changed, "DESCRIPTION").contains("夜間バッチの遅延"),
        "{changed:?}"
    );
    assert_eq!(value(changed, "SEQUENCE"), "1");
    let untouched = &second.events["weekly-2026-12-09@weekly-postmortem"];
    assert_eq!(value(untouched, "SEQUENCE"), "0", "other weeks keep theirs");

    // Later, with the daemon restarted: the revision was kept, and the next change
    // raises it again with its own LAST-MODIFIED.
    assert!(daemon.terminate().success());
    import_agenda(&app, "2026-12-02", "証明書の期限切れ");
    let _daemon =
        app.start_daemon_with_env(&[("WEEKLY_POSTMORTEM_NOW", "2026-11-29T15:30:00+09:00")]);
    let third = parse(&get(&app.calendar_url()).unwrap().1);
    let again = &third.events["weekly-2026-12-02@weekly-postmortem"];
    assert_eq!(value(again, "SEQUENCE"), "2");
    assert!(value(again, "LAST-MODIFIED").starts_with("20261129T0630"));
    let still = &third.events["weekly-2026-12-09@weekly-postmortem"];
    assert_eq!(value(still, "SEQUENCE"), "0");
    assert_eq!(value(still, "LAST-MODIFIED"), value(tokyo, "LAST-MODIFIED"));
}
