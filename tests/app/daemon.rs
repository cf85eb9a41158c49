//! The daemon through the binary: start, endpoints, local API, holiday refresh, signals and crashes.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    POLL, WAIT, WEEKLY_MEETING, daemon_section, eventually_seen, get, http, poll, spawn_app,
    spawn_app_with, stderr, stdout, wait_until,
};

#[test]
fn run_answers_healthz_within_two_seconds_and_stops_on_sigterm_with_exit_0() {
    let app = spawn_app();
    let started = Instant::now();
    let mut daemon = app.start_daemon();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "ready after {:?}",
        started.elapsed()
    );
    let (status, body) = get(&format!("{}/healthz", daemon.base_url)).unwrap();
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["integrations"]["Discord"]["enabled"], false);
    assert_eq!(health["holidays"]["source"], "embedded");
    assert_eq!(health["holidays"]["official_until"], 2027);
    assert_eq!(health["meetings"][0]["next_held"]["date"], "2026-12-02");

    let stopped = Instant::now();
    let status = daemon.terminate();
    assert!(
        status.success(),
        "exit status {status:?}: {}",
        app.daemon_log()
    );
    assert!(stopped.elapsed() < Duration::from_secs(5));
    let log = app.daemon_log();
    assert!(
        log.contains("Discord: off, no [discord] section in the config"),
        "{log}"
    );
    assert!(log.contains("Google Calendar: off"), "{log}");
    assert!(
        !log.contains("\u{1b}["),
        "no colours when not on a terminal"
    );
}

#[test]
fn metrics_and_the_ics_feed_describe_the_schedule() {
    let app = spawn_app();
    let daemon = app.start_daemon();
    let (status, metrics) = get(&format!("{}/metrics", daemon.base_url)).unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("weekly_postmortem_sessions_held{meeting=\"weekly\"} 392\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("weekly_postmortem_build_info{version=\""),
        "{metrics}"
    );
    assert!(metrics.contains("# TYPE weekly_postmortem_calendar_api_calls_total counter"));

    let (status, feed) = get(&app.calendar_url()).unwrap();
    assert_eq!(status, 200);
    assert!(
        feed.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{feed}"
    );
    let unfolded = feed.replace("\r\n ", "");
    assert!(unfolded.contains("UID:weekly-2026-12-02@weekly-postmortem\r\n"));
    assert!(unfolded.contains("DTSTART;TZID=Asia/Tokyo:20261202T170000\r\n"));
    assert!(unfolded.contains("SUMMARY:週刊ポストモーテム 第393回\r\n"));
    // Skipped weeks are listed as cancelled, so subscribed calendars drop them.
    let event = |uid: &str| -> String {
        let start = unfolded.find(&format!("UID:{uid}@")).expect(uid);
        let end = start + unfolded[start..].find("END:VEVENT").unwrap();
        unfolded[start..end].to_string()
    };
    assert!(
        event("weekly-2026-12-30").contains("STATUS:CANCELLED\r\n"),
        "the company day off is cancelled"
    );
    assert!(
        event("weekly-2027-04-28").contains("STATUS:CONFIRMED\r\n"),
        "a held week is confirmed"
    );
    assert!(
        event("weekly-2027-05-05").contains("STATUS:CANCELLED\r\n"),
        "こどもの日 is cancelled"
    );
    assert_eq!(
        unfolded.matches("BEGIN:VEVENT").count(),
        unfolded.matches("END:VEVENT").count()
    );
}

#[test]
fn cli_commands_use_the_local_api_while_the_daemon_holds_the_store() {
    let app = spawn_app();
    let daemon = app.start_daemon();
    let document = json!({"format": "weekly-postmortem/v1",
        "learnings": [{"meeting": "weekly", "date": "2026-11-25", "text": "証明書の期限切れは監視で気づけた", "tags": ["tls"]}]});
    let path = app.dir.path().join("in.json");
    std::fs::write(&path, document.to_string()).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("デーモンのローカル API"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("追加 1 件"), "{}", stdout(&output));
    let hits = app.json(&["history", "期限切れ", "--format", "json"]);
    assert_eq!(hits[0]["tags"], json!(["tls"]));

    let bad = app.dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"format":"weekly-postmortem/v1","learnings":[{"meeting":"weekly","date":"2026-02-30","text":"x"}]}"#).unwrap();
    let output = app.run(&["import", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));

    let (status, _) = get(&format!("{}/api/export", daemon.base_url)).unwrap();
    assert_eq!(status, 401, "the API needs the token");
    let (status, _) = http(&format!("{}/api/import", daemon.base_url), |c, u| {
        c.post(u).bearer_auth("guess").body(document.to_string())
    })
    .unwrap();
    assert_eq!(status, 401);
    let token = app.state_dir().join("api-token");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&token).unwrap().permissions());
    assert_eq!(
        mode & 0o777,
        0o600,
        "only the service's user can read the token"
    );
}

#[test]
fn sigkill_while_writing_through_the_daemon_loses_no_acknowledged_write() {
    let app = spawn_app();
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let mut daemon = app.start_daemon();
        for i in 0..15 {
            let text = format!("round {round} write {i}");
            let body = json!({"format": "weekly-postmortem/v1",
                "learnings": [{"meeting": "weekly", "date": "2026-11-25", "text": text}]});
            let token = std::fs::read_to_string(app.state_dir().join("api-token")).unwrap();
            let answer = http(&format!("{}/api/import", daemon.base_url), |c, u| {
                c.post(u)
                    .bearer_auth(token.trim())
                    .header("content-type", "application/json")
                    .body(body.to_string())
            });
            if let Ok((200, _)) = answer {
                acknowledged.push(text);
            }
        }
        daemon.child.kill().unwrap();
        daemon.child.wait().unwrap();
    }
    assert_eq!(acknowledged.len(), 45);
    let exported = app.json(&["export"]);
    let texts: Vec<&str> = exported["learnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    for text in &acknowledged {
        assert!(
            texts.contains(&text.as_str()),
            "{text} was acknowledged and is lost"
        );
    }
}

#[test]
fn backups_are_written_daily_into_the_state_dir() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}",
        daemon_section("backups_keep = 2")
    ));
    let dir = app.state_dir().join("backups");
    for day in ["2026-11-20", "2026-11-21", "2026-11-22"] {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("export-{day}.json")), "{}").unwrap();
    }
    let daemon = app.start_daemon();
    // The backup is written, then the old ones are pruned: wait for the end state.
    let count = || std::fs::read_dir(&dir).unwrap().count();
    wait_until(
        "today's backup and the pruning",
        Duration::from_secs(5),
        || dir.join("export-2026-11-29.json").exists() && count() == 2,
    );
    drop(daemon);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["export-2026-11-22.json", "export-2026-11-29.json"]);
    let backup: Value =
        serde_json::from_slice(&std::fs::read(dir.join("export-2026-11-29.json")).unwrap())
            .unwrap();
    assert_eq!(backup["format"], "weekly-postmortem/v1");
}

/// Serves the Cabinet Office CSV format (`YYYY/M/D,name`) from the embedded list, plus 2028.
fn fake_cabinet_office(status_line: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let official = include_str!("../../src/domain/holidays/jp-holidays-official-1955-2027.csv");
    let mut csv = String::from("国民の祝日・休日月日,国民の祝日・休日名称\r\n");
    for line in official.lines().skip(1) {
        let (date, name) = line.split_once(',').unwrap();
        let parts: Vec<u32> = date.split('-').map(|p| p.parse().unwrap()).collect();
        csv += &format!("{}/{}/{},{name}\r\n", parts[0], parts[1], parts[2]);
    }
    // A full year past the shipped list (2027's dates again), so the download is told
    // apart from the embedded list; a year with a single row would be refused.
    for line in official.lines().filter(|l| l.starts_with("2027-")) {
        let (date, name) = line.split_once(',').unwrap();
        let parts: Vec<u32> = date.split('-').map(|p| p.parse().unwrap()).collect();
        csv += &format!("2028/{}/{},{name}\r\n", parts[1], parts[2]);
    }
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let response = format!(
                "{status_line}\r\ncontent-type: text/csv; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{csv}",
                csv.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{address}/syukujitsu.csv")
}

fn health_once_refreshed(app: &crate::helpers::TestApp, base_url: &str, wanted: &str) -> Value {
    // Whatever it says after the wait is the answer: the caller checks it.
    poll(WAIT / 2, POLL, || {
        let (_, body) = get(&format!("{base_url}/healthz")).unwrap();
        let health: Value = serde_json::from_str(&body).unwrap();
        let refreshed = health["holidays"]["source"] == wanted
            || (app.daemon_log().contains("refresh") && wanted == "embedded");
        if refreshed { Ok(health) } else { Err(health) }
    })
    .unwrap_or_else(|last| last)
}

#[test]
fn the_holiday_list_is_refreshed_into_the_state_dir_and_kept_when_a_refresh_fails() {
    let url = fake_cabinet_office("HTTP/1.1 200 OK");
    let section = daemon_section(&format!("holiday_source_url = \"{url}\""))
        .replace("holiday_refresh = false", "holiday_refresh = true");
    let app = spawn_app_with(&format!("{section}{WEEKLY_MEETING}"));
    let daemon = app.start_daemon();
    let health = health_once_refreshed(&app, &daemon.base_url, "cabinet_office");
    assert_eq!(
        health["holidays"]["source"],
        "cabinet_office",
        "{}",
        app.daemon_log()
    );
    assert_eq!(health["holidays"]["official_until"], 2028);
    assert!(
        app.state_dir()
            .join("holidays/cabinet-office.json")
            .exists()
    );
    drop(daemon);

    // Next start: the source is broken; the downloaded list stays in use.
    let broken = fake_cabinet_office("HTTP/1.1 503 Service Unavailable");
    let config = std::fs::read_to_string(&app.config_path)
        .unwrap()
        .replace(&url, &broken);
    std::fs::write(&app.config_path, config).unwrap();
    let daemon = app.start_daemon();
    wait_until("the failed refresh", Duration::from_secs(10), || {
        app.daemon_log().contains("keeping the list in use")
    });
    let (_, body) = get(&format!("{}/healthz", daemon.base_url)).unwrap();
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["holidays"]["source"], "cabinet_office");
    assert_eq!(health["holidays"]["official_until"], 2028);
    assert!(
        app.daemon_log().contains("keeping the list in use"),
        "{}",
        app.daemon_log()
    );
}

#[test]
fn a_second_daemon_on_the_same_state_dir_refuses_to_start_and_says_why() {
    let app = spawn_app();
    let _daemon = app.start_daemon();
    let output = app.run(&["run"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("in use by another process"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn systemd_hears_ready_watchdog_pings_and_stopping() {
    let app = spawn_app();
    let socket_path = app.dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut child = app
        .process()
        .arg("run")
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut received = String::new();
    let mut buffer = [0u8; 1024];
    // Each look reads one datagram (or times out after 100 ms) and says what came so far.
    let mut hear = |done: &dyn Fn(&str) -> bool| -> Result<(), String> {
        if let Ok(n) = socket.recv(&mut buffer) {
            received += &String::from_utf8_lossy(&buffer[..n]);
            received.push('\n');
        }
        if done(&received) {
            Ok(())
        } else {
            Err(received.clone())
        }
    };
    eventually_seen("READY=1 and two WATCHDOG=1", WAIT / 2, || {
        hear(&|r| r.contains("READY=1") && r.matches("WATCHDOG=1").count() >= 2)
    });
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    eventually_seen("STOPPING=1", WAIT / 2, || {
        hear(&|r| r.contains("STOPPING=1"))
    });
    assert!(
        crate::helpers::wait_for_exit(&mut child, Duration::from_secs(5))
            .unwrap()
            .success()
    );
}

#[test]
fn logs_can_be_json_lines_for_log_collectors() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}",
        daemon_section("log_format = \"json\"")
    ));
    let mut daemon = app.start_daemon();
    assert!(daemon.terminate().success());
    let log = app.daemon_log();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Discord: off")),
        "{log}"
    );
}
