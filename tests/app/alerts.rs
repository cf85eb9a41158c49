//! Alerts in (issue 14): Alertmanager and Grafana webhooks on their own
//! token-protected listener become incidents in the session log.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    ALERTS_TOKEN, ALERTS_TOKEN_ENV, RunningDaemon, TestApp, WAIT, WEEKLY_MEETING, daemon_section,
    get, http, spawn_app_with, stderr,
};
use crate::test_config::{Discord, TestConfig};

const CLOUDLOG_MEETING: &str = r#"
[[meeting]]
id = "cloudlog"
title = "Cloudlog 振り返り"
timezone = "Asia/Tokyo"
weekday = "thursday"
start_time = "16:00"
first_session = "2024-01-04"
"#;

fn alerts_section() -> String {
    format!(
        "\n[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"{ALERTS_TOKEN_ENV}\"\nmin_duration_minutes = 5\n\
         routes = [{{label = \"team\", value = \"cloudlog\", meeting = \"cloudlog\"}}]\n"
    )
}

fn app_with_alerts() -> TestApp {
    spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}{CLOUDLOG_MEETING}{}",
        daemon_section(""),
        alerts_section()
    ))
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

    for token in [None, Some("hook-token-5f0c1f"), Some("")] {
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
fn ten_thousand_alerts_in_one_body_are_stored_whole() {
    let app = app_with_alerts();
    let daemon = app.start_daemon_with_env(&[(ALERTS_TOKEN_ENV, ALERTS_TOKEN)]);
    let url = hooks_url(&daemon);
    let body = many_alerts(10_000, "{}:{alertname=\"Flood\"}", 0);
    assert!(body.len() < 1024 * 1024, "{} bytes", body.len());
    let started = Instant::now();
    let (status, answer) = post(&url, Some(ALERTS_TOKEN), body.clone());
    let took = started.elapsed();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["new_alerts"], 10_000);
    eprintln!("10,000 alerts in one body answered in {took:?}");
    let (status, answer) = post(&url, Some(ALERTS_TOKEN), body);
    assert_eq!(
        (status, &answer["status"]),
        (200, &Value::from("duplicate"))
    );
    let found = incidents(&app);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["alerts"], 10_000);
}

/// The two load tests take turns: each measures the daemon under its own load only.
static LOAD: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn healthz_keeps_answering_during_a_burst_of_hook_calls() {
    let _turn = LOAD.lock().unwrap_or_else(|e| e.into_inner());
    let app = app_with_alerts();
    let daemon = app.start_daemon_with_env(&[(ALERTS_TOKEN_ENV, ALERTS_TOKEN)]);
    let url = hooks_url(&daemon);
    // 500 calls from 10 senders, as fast as they go.
    let burst = Instant::now();
    let senders: Vec<_> = (0..10)
        .map(|sender| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for call in 0..50 {
                    let group = format!("{{}}:{{alertname=\"Burst{sender}-{}\"}}", call % 10);
                    let (status, _) =
                        post(&url, Some(ALERTS_TOKEN), many_alerts(3, &group, call % 50));
                    statuses.push(status);
                }
                statuses
            })
        })
        .collect();
    // The request alone is timed: building a client per ask measured the
    // test's own CPU, not the daemon.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let monitor = {
        let (base_url, done) = (daemon.base_url.clone(), done.clone());
        std::thread::spawn(move || healthz_latencies(base_url, done))
    };
    while senders.iter().any(|s| !s.is_finished()) {
        std::thread::sleep(Duration::from_millis(20));
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let slowest = monitor
        .join()
        .unwrap()
        .into_iter()
        .max()
        .unwrap_or_default();
    let statuses: Vec<u16> = senders
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    assert_eq!(statuses.len(), 500);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    eprintln!(
        "500 hook calls in {:?}; slowest /healthz meanwhile: {slowest:?}",
        burst.elapsed()
    );
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");
    assert_eq!(metric(&daemon, "ok") + metric(&daemon, "duplicate"), 500.0);
}

/// `/healthz` asked in a loop on one connection pool until `done`: each answer's latency.
fn healthz_latencies(
    base_url: String,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<Duration> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let url = format!("{base_url}/healthz");
        let mut latencies = Vec::new();
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let started = Instant::now();
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.bytes().await.unwrap();
            latencies.push(started.elapsed());
            // About 50 asks a second: a monitor, not a second load.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        latencies
    })
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let index = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

#[test]
fn a_hundred_hook_calls_a_second_for_ten_seconds_are_each_stored_once_and_healthz_stays_quick() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    const PER_SECOND: u32 = 100;
    const SECONDS: u32 = 10;
    const SENDERS: u32 = 25;
    let calls = PER_SECOND * SECONDS;
    let _turn = LOAD.lock().unwrap_or_else(|e| e.into_inner());
    let app = app_with_alerts();
    let daemon = app.start_daemon_with_env(&[(ALERTS_TOKEN_ENV, ALERTS_TOKEN)]);
    let url = hooks_url(&daemon);
    let done = Arc::new(AtomicBool::new(false));
    let monitor = {
        let (base_url, done) = (daemon.base_url.clone(), done.clone());
        std::thread::spawn(move || healthz_latencies(base_url, done))
    };
    // Call n leaves at n/100 s, from one of 25 senders: paced, and concurrent
    // whenever the daemon takes longer than 10 ms to answer one.
    let start = Instant::now() + Duration::from_millis(200);
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let url = url.clone();
            std::thread::spawn(move || {
                // One client per sender, as an alerting system keeps its connections.
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                let mut answers = Vec::new();
                for n in (sender..calls).step_by(SENDERS as usize) {
                    let due =
                        start + Duration::from_millis(u64::from(n) * 1000 / u64::from(PER_SECOND));
                    // Pacing, not waiting for a condition: the load is the test.
                    std::thread::sleep(due.saturating_duration_since(Instant::now()));
                    let group = format!("{{}}:{{alertname=\"Load\",call=\"{n}\"}}");
                    let body = many_alerts(1, &group, (n % 50) as usize);
                    let sent = Instant::now();
                    let (status, text) = runtime.block_on(async {
                        let response = client
                            .post(&url)
                            .bearer_auth(ALERTS_TOKEN)
                            .header("Content-Type", "application/json")
                            .body(body)
                            .send()
                            .await
                            .unwrap();
                        let status = response.status().as_u16();
                        (status, response.text().await.unwrap())
                    });
                    let answer = serde_json::from_str(&text).unwrap_or(Value::String(text));
                    answers.push((n, status, answer, sent.elapsed()));
                }
                answers
            })
        })
        .collect();
    let mut answers: Vec<(u32, u16, Value, Duration)> = senders
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    let burst = start.elapsed();
    done.store(true, Ordering::SeqCst);
    let mut healthz = monitor.join().unwrap();

    answers.sort_by_key(|a| a.0);
    assert_eq!(answers.len(), calls as usize);
    for (n, status, answer, _) in &answers {
        assert_eq!(*status, 200, "call {n}: {answer}");
        assert_eq!(answer["new_alerts"], 1, "call {n}: {answer}");
    }
    let mut hook_times: Vec<Duration> = answers.iter().map(|a| a.3).collect();
    hook_times.sort();
    healthz.sort();
    assert!(healthz.len() > 100, "{} /healthz answers", healthz.len());
    let (p50, p99) = (percentile(&healthz, 0.50), percentile(&healthz, 0.99));
    eprintln!(
        "{calls} hook calls paced at {PER_SECOND}/s from {SENDERS} senders in {burst:?}; \
         hook answers p50 {:?} p99 {:?} max {:?}; /healthz meanwhile ({} asks) p50 {p50:?} p99 {p99:?} max {:?}",
        percentile(&hook_times, 0.50),
        percentile(&hook_times, 0.99),
        hook_times[hook_times.len() - 1],
        healthz.len(),
        healthz[healthz.len() - 1],
    );
    // The goal is 50 ms at p99 (release build); a debug build on two busy
    // cores gets ten times that before the test calls it a failure.
    assert!(p99 < Duration::from_millis(500), "/healthz p99 {p99:?}");
    assert!(
        burst < Duration::from_secs(u64::from(SECONDS) * 3),
        "{burst:?}"
    );

    // Every call is one incident, stored once, and the counters agree.
    assert_eq!(metric(&daemon, "ok"), f64::from(calls));
    assert_eq!(metric(&daemon, "duplicate"), 0.0);
    let exported = app.json(&["export"]);
    let stored = exported["incidents"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(stored.len(), calls as usize);
    let mut ids: Vec<&str> = stored.iter().map(|i| i["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), calls as usize, "no incident twice");
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

/// Saturday after the session of 11-25: no call is due yet, the hook can come in.
const BEFORE_THE_CALL: &str = "2026-11-28T10:00:00+09:00";
/// Monday 12:30, the call for topics of 12-02 is due.
const CALL_DUE: &str = "2026-11-30T12:30:00+09:00";
const ALICE: u64 = 1_300_000_000_000_001_001;
const BOB: u64 = 1_300_000_000_000_001_002;

fn app_with_alerts_and_discord(fake: &crate::fake_discord::FakeDiscord) -> TestApp {
    TestConfig::weekly()
        .discord(Discord::fake(fake, crate::fake_discord::FACILITATOR_ROLE_ID))
        .section(&format!(
            "[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"{ALERTS_TOKEN_ENV}\"\nmin_duration_minutes = 5\n"
        ))
        .spawn()
}

fn button_ids(message: &Value) -> Vec<(String, String)> {
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

fn agenda_of(app: &TestApp, date: &str) -> Vec<Value> {
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
