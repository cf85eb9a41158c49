//! Alerts in (issue 14): Alertmanager and Grafana webhooks on their own
//! token-protected listener become incidents in the session log.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    ALERTS_TOKEN, ALERTS_TOKEN_ENV, RunningDaemon, TestApp, WAIT, WEEKLY_MEETING, daemon_section,
    get, http, spawn_app_with, stderr,
};
use crate::test_config::{Discord, Meeting, TestConfig, toml_string};

mod discord;
mod load;

fn alerts_section() -> String {
    format!(
        "\n[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"{ALERTS_TOKEN_ENV}\"\nmin_duration_minutes = 5\n\
         routes = [{{label = \"team\", value = \"cloudlog\", meeting = \"cloudlog\"}}]\n"
    )
}

fn app_with_alerts() -> TestApp {
    TestConfig::weekly()
        .meeting(
            Meeting::new(
                "cloudlog",
                "Cloudlog 振り返り",
                "thursday",
                "16:00",
                "2024-01-04",
            )
            .set("timezone", &toml_string("Asia/Tokyo")),
        )
        .section(&alerts_section())
        .spawn()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The hook listener's address, as `/healthz` reports it.
pub(crate) fn hooks_url(daemon: &RunningDaemon) -> String {
    let (_, body) = get(&format!("{}/healthz", daemon.base_url)).unwrap();
    let health: Value = serde_json::from_str(&body).unwrap();
    let detail = health["integrations"]["Alert hooks"]["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no Alert hooks status: {health}"));
    let address = detail.rsplit(' ').next().unwrap();
    format!("http://{address}/hooks/alertmanager")
}

pub(crate) fn post(url: &str, token: Option<&str>, body: String) -> (u16, Value) {
    let (status, text) = http(url, |c, u| {
        let request = c
            .post(u)
            .header("Content-Type", "application/json")
            .body(body);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    })
    .unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A post of a body the listener refuses without reading it (too large, or the
/// wrong token), over a raw socket: the body is sent from another thread while
/// the answer is read, because the listener answers and closes as soon as it has
/// decided, and a client that reads only after sending (reqwest) may meet the
/// reset of the close before the answer.
fn post_refused(url: &str, token: &str, body: String) -> (u16, Value) {
    use std::io::{Read, Write};
    let address = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST /hooks/alertmanager HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(body.as_bytes());
    });
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    // Up to the end of the answer or the reset after it, whichever comes first.
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
    let _ = sender.join();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(text.clone())),
    )
}

fn incidents(app: &TestApp) -> Vec<Value> {
    let output = app.run(&["history", "--kind", "incident", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn metric(daemon: &RunningDaemon, result: &str) -> f64 {
    let (_, text) = get(&format!("{}/metrics", daemon.base_url)).unwrap();
    let line = format!("weekly_postmortem_alert_hooks_total{{result=\"{result}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(line.as_str()))
        .unwrap_or_else(|| panic!("no {line} in {text}"))
        .parse()
        .unwrap()
}

#[test]
fn alertmanager_and_grafana_samples_become_incidents_and_a_retry_adds_nothing() {
    let app = app_with_alerts();
    let daemon = app.start_daemon_with_env(&[(ALERTS_TOKEN_ENV, ALERTS_TOKEN)]);
    let url = hooks_url(&daemon);

    let (status, answer) = post(
        &url,
        Some(ALERTS_TOKEN),
        fixture("alertmanager-firing.json"),
    );
    assert_eq!(
        (status, &answer["status"]),
        (200, &Value::from("ok")),
        "{answer}"
    );
    assert_eq!(answer["new_alerts"], 2);
    // Alertmanager retries: the same notification again stores nothing new.
    let (status, answer) = post(
        &url,
        Some(ALERTS_TOKEN),
        fixture("alertmanager-firing.json"),
    );
    assert_eq!(
        (status, &answer["status"]),
        (200, &Value::from("duplicate")),
        "{answer}"
    );
    let (status, answer) = post(
        &url,
        Some(ALERTS_TOKEN),
        fixture("alertmanager-resolved.json"),
    );
    assert_eq!(
        (status, answer["resolved_alerts"].clone()),
        (200, Value::from(2)),
        "{answer}"
    );
    // Grafana's shape, on its own route.
    let grafana = url.replace("/hooks/alertmanager", "/hooks/grafana");
    let (status, answer) = post(
        &grafana,
        Some(ALERTS_TOKEN),
        fixture("grafana-resolved.json"),
    );
    assert_eq!(status, 200, "{answer}");

    let found = incidents(&app);
    assert_eq!(found.len(), 2, "{found:#?}");
    let latency = found.iter().find(|i| i["meeting"] == "weekly").unwrap();
    assert_eq!(latency["title"], "決済APIのレイテンシが2秒を超えています");
    assert_eq!(latency["start"], "2026-11-27T01:00:00Z");
    assert_eq!(latency["end"], "2026-11-27T01:40:00Z");
    assert_eq!(latency["duration_minutes"], 40);
    assert_eq!(latency["severity"], "critical");
    assert_eq!(latency["alerts"], 2);
    let links = latency["links"].as_array().unwrap();
    assert!(links.contains(&Value::from(
        "https://runbooks.example.com/checkout-latency"
    )));
    assert!(
        links
            .iter()
            .any(|l| l.as_str().unwrap().starts_with("http://prometheus"))
    );
    // Routed by its `team` label; titled by its name and group labels.
    let disk = found.iter().find(|i| i["meeting"] == "cloudlog").unwrap();
    assert_eq!(disk["title"], "DiskSpaceLow (instance=db-1)");
    assert_eq!(disk["duration_minutes"], 45);
    let disk_links = disk["links"].as_array().unwrap();
    assert!(disk_links.contains(&Value::from(
        "https://grafana.example.com/d/storage-overview?viewPanel=4"
    )));

    // Found by text too, and exported in the v1 document.
    let output = app.run(&["history", "レイテンシ", "--format", "json"]);
    let hits: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["type"] == "incident"),
        "{hits}"
    );
    let output = app.run(&["export"]);
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["incidents"].as_array().unwrap().len(), 2);

    assert_eq!(metric(&daemon, "ok"), 3.0);
    assert_eq!(metric(&daemon, "duplicate"), 1.0);
}

#[test]
fn a_wrong_token_a_large_body_and_a_malformed_body_are_refused_and_store_nothing() {
    let app = app_with_alerts();
    let daemon = app.start_daemon_with_env(&[(ALERTS_TOKEN_ENV, ALERTS_TOKEN)]);
    let url = hooks_url(&daemon);
    let sample = fixture("alertmanager-firing.json");

    // The right token but for its last character.
    let near_miss = format!("{}_", &ALERTS_TOKEN[..ALERTS_TOKEN.len() - 1]);
    for token in [None, Some(near_miss.as_str()), Some("")] {
        let (status, answer) = post(&url, token, sample.clone());
        assert_eq!(status, 401, "{token:?}: {answer}");
        assert!(!answer.to_string().contains(ALERTS_TOKEN));
    }
    // The token is checked before any body is read: a huge upload gets 401 at once too.
    let (status, _) = post_refused(&url, "wrong", "x".repeat(3 * 1024 * 1024));
    assert_eq!(status, 401);

    let padded = sample.replacen(
        "\"receiver\"",
        &format!("\"padding\": \"{}\", \"receiver\"", "x".repeat(1024 * 1024)),
        1,
    );
    let (status, answer) = post_refused(&url, ALERTS_TOKEN, padded);
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("1 MiB"),
        "{answer}"
    );

    let cases = [
        (
            sample.replacen("2026-11-27T01:05:00Z", "last tuesday", 1),
            "alerts[1].startsAt: ",
        ),
        (
            sample.replacen(
                "\"fingerprint\": \"1b2c3d4e5f6a7b8c\"",
                "\"fingerprint\": \"\"",
                1,
            ),
            "alerts[1].fingerprint: is empty",
        ),
        (
            sample.replacen(",\n      \"fingerprint\": \"1b2c3d4e5f6a7b8c\"", "", 1),
            "alerts[1]: missing field `fingerprint`",
        ),
        (sample[..sample.len() / 2].to_string(), "EOF while parsing"),
        (
            "{\"groupKey\": \"g\", \"alerts\": {}}".to_string(),
            "alerts: invalid type: map, expected a sequence",
        ),
        ("not json".to_string(), "body: expected ident"),
    ];
    for (body, expected) in cases {
        let (status, answer) = post(&url, Some(ALERTS_TOKEN), body);
        assert_eq!(status, 400, "{expected}: {answer}");
        let reason = answer["error"].as_str().unwrap();
        assert!(
            reason.contains(expected),
            "expected {expected:?} in {reason:?}"
        );
        assert!(reason.contains("nothing was stored"), "{reason}");
    }
    // The first alert of the bad bodies was fine: none of it was kept.
    assert!(incidents(&app).is_empty());
    // Only the hook routes are served on this listener.
    let (status, _) = get(&url.replace("/hooks/alertmanager", "/healthz")).unwrap();
    assert_eq!(status, 404);

    assert_eq!(metric(&daemon, "unauthorized"), 4.0);
    assert_eq!(metric(&daemon, "too_large"), 1.0);
    assert_eq!(metric(&daemon, "malformed"), 6.0);
    assert_eq!(metric(&daemon, "ok"), 0.0);
    assert!(
        !app.daemon_log().contains(ALERTS_TOKEN),
        "the token never appears in the log"
    );
}

fn many_alerts(count: usize, group: &str, start_minute: usize) -> String {
    let alerts: Vec<String> = (0..count)
        .map(|i| {
            format!(
                "{{\"status\":\"firing\",\"startsAt\":\"2026-11-27T0{}:{:02}:00Z\",\"fingerprint\":\"{i:x}\"}}",
                1 + (start_minute + i % 60) / 60,
                (start_minute + i % 60) % 60
            )
        })
        .collect();
    format!(
        "{{\"version\":\"4\",\"groupKey\":{},\"status\":\"firing\",\"alerts\":[{}]}}",
        serde_json::to_string(group).unwrap(),
        alerts.join(",")
    )
}

#[test]
fn a_bad_alerts_key_is_named_with_its_line_and_exits_2() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}\n[alerts]\nlisten = \"0.0.0.0:8755\"\nroutes = [{{label = \"team\", value = \"x\", meeting = \"nope\"}}]\n",
        daemon_section("")
    ));
    let output = app.run(&["check-config"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains(
            "config.toml:20: キー `alerts.routes[0].meeting`: id が `nope` のミーティングはありません"
        ),
        "{err}"
    );
}
