//! The local endpoint under hostile traffic: foreign `Host`s, cross-origin
//! posts, huge unauthenticated uploads, floods of idle connections, and
//! authenticated load: parallel imports and slow hook calls.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::helpers::{
    ALERTS_TOKEN, ALERTS_TOKEN_ENV, WEEKLY_MEETING, daemon_section, get, http, spawn_app,
    spawn_app_with, stderr,
};

/// A raw HTTP/1.1 exchange with `request`, read until the server closes or
/// `read_for` passes: (status, whole answer).
fn raw(address: &str, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

#[test]
fn a_foreign_host_is_refused_and_the_endpoints_own_names_are_served() {
    let app = spawn_app();
    let daemon = app.start_daemon();
    let address = app.listen_address();
    let port = address.rsplit(':').next().unwrap();
    for host in [
        "evil.example",
        &format!("evil.example:{port}"),
        "127.0.0.1:1",
    ] {
        let (status, answer) = raw(
            &address,
            &format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 421, "Host {host}: {answer}");
        assert!(answer.contains("宛てのリクエストだけです"), "{answer}");
    }
    let (status, _) = raw(&address, "GET /healthz HTTP/1.0\r\n\r\n");
    assert_eq!(status, 421, "a request without a Host is refused");
    for host in [address.clone(), format!("localhost:{port}")] {
        let (status, answer) = raw(
            &address,
            &format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 200, "Host {host}: {answer}");
    }
    drop(daemon);
}

#[test]
fn api_posts_need_the_token_first_and_then_json() {
    let app = spawn_app();
    let daemon = app.start_daemon();
    let token = std::fs::read_to_string(app.state_dir().join("api-token")).unwrap();
    let document = r#"{"format": "weekly-postmortem/v1", "learnings": [
        {"meeting": "weekly", "date": "2026-11-25", "text": "form post"}]}"#;
    let url = format!("{}/api/import", daemon.base_url);
    // What a web page can send cross-origin without asking first.
    let (status, body) = http(&url, |c, u| {
        c.post(u)
            .header("content-type", "text/plain")
            .body(document)
    })
    .unwrap();
    assert_eq!(
        status, 401,
        "no token, refused before anything else: {body}"
    );
    let (status, body) = http(&url, |c, u| {
        c.post(u)
            .bearer_auth(token.trim())
            .header("content-type", "text/plain")
            .body(document)
    })
    .unwrap();
    assert_eq!(status, 415, "{body}");
    assert!(body.contains("Content-Type: application/json"), "{body}");
    let (status, body) = http(&url, |c, u| {
        c.post(u)
            .bearer_auth(token.trim())
            .header("content-type", "application/json; charset=utf-8")
            .body(document)
    })
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let exported = app.json(&["export"]);
    assert_eq!(exported["learnings"].as_array().unwrap().len(), 1);
}

#[test]
fn an_import_over_the_limit_is_refused_from_its_declared_length() {
    let app = spawn_app();
    let _daemon = app.start_daemon();
    let token = std::fs::read_to_string(app.state_dir().join("api-token")).unwrap();
    let (status, answer) = raw(
        &app.listen_address(),
        &format!(
            "POST /api/import HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
            app.listen_address(),
            token.trim(),
            300 * 1024 * 1024
        ),
    );
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("256 MiB"), "{answer}");
}

#[test]
fn sixteen_unauthenticated_250_mb_uploads_get_401_and_are_not_read() {
    let app = spawn_app();
    let daemon = app.start_daemon();
    let address = app.listen_address();
    let before = peak_rss_kib(daemon.child.id());
    let uploads: Vec<_> = (0..16)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&address).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                stream
                    .set_write_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                let length: u64 = 250 * 1024 * 1024;
                let head = format!(
                    "POST /api/import HTTP/1.1\r\nHost: {address}\r\n\
                     Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).unwrap();
                // Send until the server stops reading; it answers without the body.
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0u64;
                while sent < length && stream.write_all(&chunk).is_ok() {
                    sent += chunk.len() as u64;
                }
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
                (String::from_utf8_lossy(&answer).into_owned(), sent)
            })
        })
        .collect();
    for upload in uploads {
        let (answer, sent) = upload.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer:?}");
        assert!(
            sent < 64 * 1024 * 1024,
            "the daemon kept reading the body: {sent} bytes sent"
        );
    }
    // Growth, not the absolute figure: this is the debug build (the release
    // binary stays under 64 MiB: benches/endpoint_flood.sh). Reading even one
    // body would add 250 MiB.
    let peak = peak_rss_kib(daemon.child.id());
    assert!(
        peak - before < 16 * 1024,
        "peak RSS went from {before} KiB to {peak} KiB"
    );
    assert_eq!(get(&format!("{}/healthz", daemon.base_url)).unwrap().0, 200);
}

#[test]
fn two_thousand_idle_connections_under_1024_open_files_do_not_stop_healthz() {
    let app = spawn_app();
    let daemon = app.start_daemon_with_open_file_limit(1024);
    let address = app.listen_address();
    let mut idle = Vec::new();
    for i in 0..2000 {
        let Ok(mut stream) =
            TcpStream::connect_timeout(&address.parse().unwrap(), Duration::from_secs(5))
        else {
            continue;
        };
        // Half of them start a request and never finish it.
        if i % 2 == 0 {
            let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: ");
        }
        idle.push(stream);
    }
    assert!(idle.len() >= 1900, "only {} connections opened", idle.len());
    for _ in 0..5 {
        let (status, body) = get(&format!("{}/healthz", daemon.base_url)).unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let log = app.daemon_log();
    assert!(!log.contains("Too many open files"), "{log}");
    drop(idle);
}

#[test]
fn a_listen_address_other_machines_can_reach_is_refused_by_check_config_and_run() {
    for address in ["0.0.0.0:8754", "[::]:8754"] {
        let config = format!(
            "{}{WEEKLY_MEETING}",
            daemon_section("").replace("127.0.0.1:0", address)
        );
        let app = spawn_app_with(&config);
        for command in ["check-config", "run"] {
            let output = app
                .command()
                .arg(command)
                .timeout(Duration::from_secs(10))
                .output()
                .unwrap();
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{command}: {err}");
            assert!(err.contains("キー `daemon.listen`"), "{err}");
            assert!(err.contains("他のマシンから接続できますが"), "{err}");
        }
    }
}

#[test]
fn several_host_headers_are_refused_whatever_the_first_says() {
    let app = spawn_app();
    let _daemon = app.start_daemon();
    let address = app.listen_address();
    let (status, answer) = raw(
        &address,
        &format!(
            "GET /healthz HTTP/1.1\r\nHost: {address}\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("複数あります"), "{answer}");
}

#[test]
fn on_every_address_the_machines_name_and_addresses_are_answered_and_the_feed_names_the_machine() {
    let config = format!(
        "{}{WEEKLY_MEETING}\n[web]\nauth = \"proxy\"\ntrusted_proxies = [\"10.0.0.5/32\"]\nuser_header = \"X-Forwarded-Email\"\n",
        daemon_section("").replace("127.0.0.1:0", "0.0.0.0:0")
    );
    let app = spawn_app_with(&config);
    let _daemon = app.start_daemon();
    let port = app.listen_address().rsplit(':').next().unwrap().to_string();
    let local = format!("127.0.0.1:{port}");
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_ascii_lowercase();
    let mut hosts = vec![local.clone(), format!("localhost:{port}")];
    if !name.is_empty() && name != "localhost" {
        hosts.push(format!("{name}:{port}"));
    }
    for host in &hosts {
        let (status, answer) = raw(
            &local,
            &format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 200, "Host {host}: {answer}");
    }
    for host in ["evil.example", "203.0.113.9"] {
        let (status, _) = raw(
            &local,
            &format!("GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 421, "Host {host}");
    }
    let url = app.calendar_url();
    assert!(!url.contains("0.0.0.0"), "{url}");
    if !name.is_empty() && name != "localhost" {
        assert!(
            url.starts_with(&format!("http://{name}:{port}/calendar/")),
            "{url}"
        );
    }
}

/// Starts an authenticated POST of `length` bytes and sends only `sent` of them.
fn half_sent(address: &str, path: &str, token: &str, length: usize, sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&vec![b' '; sent]).unwrap();
    stream
}

fn status_of(stream: &mut TcpStream) -> u16 {
    let mut answer = [0u8; 64];
    let n = stream.read(&mut answer).unwrap_or(0);
    String::from_utf8_lossy(&answer[..n])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn imports_take_turns_and_health_answers_under_slow_imports_and_hook_calls() {
    let config = format!(
        "{}{WEEKLY_MEETING}\n[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"{ALERTS_TOKEN_ENV}\"\n",
        daemon_section("")
    );
    let app = spawn_app_with(&config);
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -n 1024 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("weekly-postmortem"))
        .arg("--config")
        .arg(&app.config_path)
        .arg("run")
        .env(ALERTS_TOKEN_ENV, ALERTS_TOKEN)
        .env("WEEKLY_POSTMORTEM_NOW", crate::helpers::FIXED_NOW);
    let daemon = app.start_daemon_as_command(command);
    let address = app.listen_address();
    let token = std::fs::read_to_string(app.state_dir().join("api-token")).unwrap();
    let token = token.trim();
    let (_, health) = get(&format!("{}/healthz", daemon.base_url)).unwrap();
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    let hooks = health["integrations"]["Alert hooks"]["detail"]
        .as_str()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();

    // One import runs, eight wait for their turn without a byte of their body
    // read, and every other one is refused at once.
    let first = half_sent(&address, "/api/import", token, 1024 * 1024, 1024);
    std::thread::sleep(Duration::from_millis(200));
    let mut imports: Vec<_> = (0..255)
        .map(|_| half_sent(&address, "/api/import", token, 250 * 1024 * 1024, 4096))
        .collect();
    let mut calls: Vec<_> = (0..256)
        .map(|_| {
            half_sent(
                &hooks,
                "/hooks/alertmanager",
                ALERTS_TOKEN,
                512 * 1024,
                4096,
            )
        })
        .collect();
    for _ in 0..5 {
        let (status, body) = get(&format!("{}/healthz", daemon.base_url)).unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let mut answers = std::collections::BTreeMap::new();
    for import in &mut imports {
        import
            .set_read_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        *answers.entry(status_of(import)).or_insert(0) += 1;
    }
    // 0: no answer yet, waiting for its turn.
    assert_eq!(
        answers,
        [(0, 8), (409, 247)].into(),
        "every import beyond the line is refused at once"
    );
    let busy_calls = calls
        .iter_mut()
        .take(64)
        .map(status_of)
        .filter(|s| *s == 503)
        .count();
    assert!(
        busy_calls >= 32,
        "hook calls beyond the bound get 503: {busy_calls}"
    );
    let log = app.daemon_log();
    assert!(!log.contains("Too many open files"), "{log}");
    drop((first, imports, calls));
}
