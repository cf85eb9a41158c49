//! Hardening, round three, through the binary: the files the CLI writes and
//! reads (links, devices, FIFOs, oversized files), what reaches a terminal from
//! alert labels, the state directory's modes whatever the umask, reads on a
//! full disk, and inputs that used to be accepted too leniently.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    ALERTS_TOKEN, ALERTS_TOKEN_ENV, WEEKLY_MEETING, daemon_section, get, http, spawn_app,
    spawn_app_with, stderr, stdout, wait_until,
};
use crate::test_config::Discord;

fn import_json(app: &crate::helpers::TestApp, document: &Value) -> std::process::Output {
    let path = app.dir.path().join("import.json");
    std::fs::write(&path, document.to_string()).unwrap();
    app.run(&["import", path.to_str().unwrap()])
}

fn small_log() -> Value {
    json!({"format": "weekly-postmortem/v1",
        "learnings": [{"id": "l1", "meeting": "weekly", "date": "2026-11-25", "text": "デッドロックの検知", "tags": ["db"]}]})
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status();
    assert!(status.unwrap().success(), "mkfifo {}", path.display());
}

#[test]
fn export_and_stats_replace_a_links_target_write_through_devices_and_refuse_directories() {
    let app = spawn_app();
    assert!(import_json(&app, &small_log()).status.success());
    let dir = app.dir.path();

    let target = dir.join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let output = app.run(&["export", "--output", link.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let exported: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(exported["learnings"][0]["id"], "l1");

    let output = app.run(&["export", "--output", "/dev/null"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    let output = app.run(&["export", "--output", "/dev/full"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("ディスクに空きがありません"),
        "{}",
        stderr(&output)
    );
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    let output = app.run(&["export", "--output", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("はディレクトリです"),
        "{}",
        stderr(&output)
    );

    // A FIFO is written through, as `--output /dev/stdout` into a pipe is.
    let fifo = dir.join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let output = app.run(&["export", "--output", fifo.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let piped: Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(piped["learnings"][0]["id"], "l1");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());

    let chart = dir.join("chart.png");
    std::fs::write(&chart, "old").unwrap();
    let chart_link = dir.join("chart-link.png");
    std::os::unix::fs::symlink(&chart, &chart_link).unwrap();
    let output = app.run(&["stats", "--png", chart_link.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        std::fs::symlink_metadata(&chart_link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read(&chart).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn import_and_config_refuse_devices_fifos_and_oversized_files_at_once() {
    let app = spawn_app();
    let fifo = app.dir.path().join("import-pipe");
    mkfifo(&fifo);
    for (file, why) in [
        ("/dev/zero", "通常のファイルではありません"),
        (fifo.to_str().unwrap(), "通常のファイルではありません"),
    ] {
        let started = Instant::now();
        let output = app
            .command()
            .args(["import", file])
            .timeout(Duration::from_secs(10))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{file}: {}", stderr(&output));
        assert!(stderr(&output).contains(why), "{}", stderr(&output));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{file}: refused at once"
        );
    }

    let large = app.dir.path().join("large.toml");
    let mut text = format!("{}{WEEKLY_MEETING}", daemon_section(""));
    text.push_str(&format!("# {}\n", "x".repeat(1024 * 1024)));
    std::fs::write(&large, text).unwrap();
    let config_fifo = app.dir.path().join("config-pipe");
    mkfifo(&config_fifo);
    for (config, why) in [
        (
            "/dev/zero",
            "設定ファイルが通常のファイルではありません（キャラクターデバイス）",
        ),
        (config_fifo.to_str().unwrap(), "（名前付きパイプ）"),
        (large.to_str().unwrap(), "設定ファイルが大きすぎます"),
    ] {
        let started = Instant::now();
        let output = assert_cmd::Command::cargo_bin("weekly-postmortem")
            .unwrap()
            .args(["--config", config, "check-config"])
            .timeout(Duration::from_secs(10))
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{config}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(why),
            "{config}: {}",
            stderr(&output)
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{config}: refused at once"
        );
    }
}

#[test]
fn escape_sequences_in_alert_labels_never_reach_the_terminal() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}\n[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"{ALERTS_TOKEN_ENV}\"\n",
        daemon_section("")
    ));
    let daemon = app.start_daemon_with_env(&[(ALERTS_TOKEN_ENV, ALERTS_TOKEN)]);
    let (_, health) = get(&format!("{}/healthz", daemon.base_url)).unwrap();
    let health: Value = serde_json::from_str(&health).unwrap();
    let hooks = health["integrations"]["Alert hooks"]["detail"]
        .as_str()
        .unwrap();
    let url = format!(
        "http://{}/hooks/alertmanager",
        hooks.rsplit(' ').next().unwrap()
    );
    let hostile = "\u{1b}]0;PWNED\u{7}\u{1b}[2J";
    let body = json!({"version": "4", "groupKey": format!("{{}}:{{alertname=\"x{hostile}\"}}"),
        "status": "resolved", "groupLabels": {"alertname": format!("Disk{hostile}")},
        "commonAnnotations": {"summary": format!("ディスク満杯{hostile}")},
        "alerts": [{"status": "resolved", "labels": {"alertname": format!("Disk{hostile}"), "severity": format!("critical{hostile}")},
            "annotations": {"description": format!("一行目\n二行目{hostile}")},
            "startsAt": "2026-11-27T01:00:00Z", "endsAt": "2026-11-27T01:30:00Z",
            "generatorURL": format!("http://prom/graph{hostile}"), "fingerprint": "f1"}]});
    let (status, answer) = http(&url, |c, u| {
        c.post(u)
            .bearer_auth(ALERTS_TOKEN)
            .header("Content-Type", "application/json")
            .body(body.to_string())
    })
    .unwrap();
    assert_eq!(
        status, 200,
        "an alert is never lost for its labels: {answer}"
    );
    drop(daemon);

    let output = app.run(&["history", "--kind", "incident"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("PWNED"), "the text stays readable: {text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    let exported: Value = serde_json::from_slice(&app.run(&["export"]).stdout).unwrap();
    let stored = exported["incidents"].to_string();
    assert!(
        !stored.contains("\\u001b") && !stored.contains("\\u0007"),
        "{stored}"
    );

    // An import may not bring them in either: the record and the field are named.
    let mut incident = exported["incidents"][0].clone();
    incident["id"] = json!("inc-imported");
    incident["severity"] = json!(format!("page{hostile}"));
    let output = import_json(
        &app,
        &json!({"format": "weekly-postmortem/v1", "incidents": [incident]}),
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("incidents[0]") && err.contains("severity") && err.contains("U+001B"),
        "{err}"
    );
}

#[test]
fn the_state_directory_is_private_whatever_the_umask_and_a_loose_one_is_tightened() {
    let app = spawn_app();
    let state = app.state_dir();
    std::fs::create_dir_all(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    // The CLI creates the database under umask 022, as a shell would have it.
    let document = app.dir.path().join("import.json");
    std::fs::write(&document, small_log().to_string()).unwrap();
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("weekly-postmortem"))
        .args(["--config", app.config_path.to_str().unwrap(), "import"])
        .arg(&document)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let db = state.join("db");
    assert_eq!(mode(&db), 0o700);
    for entry in std::fs::read_dir(&db).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            assert_eq!(mode(&entry.path()), 0o600, "{}", entry.path().display());
        }
    }
    assert_eq!(
        mode(&state),
        0o755,
        "the CLI leaves an existing directory as it is"
    );

    let mut daemon = app.start_daemon();
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join("api-token")), 0o600);
    daemon.terminate();
    assert!(app.daemon_log().contains("made"), "{}", app.daemon_log());
}

#[test]
fn lenient_inputs_are_refused_naming_the_record_and_field() {
    let app = spawn_app();
    for (date, shown) in [
        ("+262142-12-01", "+262142-12-01"),
        ("2024-5-15", "2024-5-15"),
    ] {
        let output = import_json(
            &app,
            &json!({"format": "weekly-postmortem/v1",
                "learnings": [{"meeting": "weekly", "date": date, "text": "x"}]}),
        );
        assert_eq!(output.status.code(), Some(2), "{date}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(err.contains("learnings[0]") && err.contains(shown), "{err}");
    }
    // Excel writes a byte order mark in front of JSON and CSV alike.
    let path = app.dir.path().join("bom.json");
    std::fs::write(&path, format!("\u{feff}{}", small_log())).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    // And Shift_JIS, as a Japanese Excel saves a CSV.
    let csv = "date,title,presenter,kind,notes\r\n2026-11-18,決済APIのデッドロック,田中,incident,夜間バッチ\r\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
    let path = app.dir.path().join("sessions.csv");
    std::fs::write(&path, &sjis).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("Shift_JIS として読みました"),
        "{}",
        stderr(&output)
    );
    let found = stdout(&app.run(&["history", "デッドロック"]));
    assert!(found.contains("決済APIのデッドロック"), "{found}");

    let output = app.run(&["import", "--meeting", "nope", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let json_path = app.dir.path().join("bom.json");
    let output = app.run(&["import", "--meeting", "nope", json_path.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "--meeting is checked for JSON too"
    );
    assert!(stderr(&output).contains("nope"), "{}", stderr(&output));
}

#[test]
fn config_values_that_open_the_door_are_refused_by_check_config_and_run() {
    let scratch = tempfile::tempdir().unwrap();
    let nul_token = scratch.path().join("token-with-nul");
    std::fs::write(&nul_token, b"abc\0def\n").unwrap();
    let latin1_token = scratch.path().join("token-latin1");
    std::fs::write(&latin1_token, b"caf\xe9\n").unwrap();
    let web = |proxies: &str, header: &str| {
        format!(
            "\n[web]\nauth = \"proxy\"\ntrusted_proxies = [\"{proxies}\"]\nuser_header = \"{header}\"\n"
        )
    };
    let discord = |token: &Path| {
        Discord::ids(1, 2, 3)
            .token_file(&token.display().to_string())
            .to_toml()
    };
    let cases = [
        (
            discord(&nul_token),
            "discord.token_file",
            "テキストではありません",
        ),
        (
            discord(&latin1_token),
            "discord.token_file",
            "テキストではありません",
        ),
        (
            web("0.0.0.0/0", "X-Forwarded-Email"),
            "web.trusted_proxies[0]",
            "すべてのアドレス",
        ),
        (
            web("127.0.0.1/32", "Host"),
            "web.user_header",
            "利用者の名前には使えません",
        ),
        (
            "\n[alerts]\nlisten = \"127.0.0.1:8754\"\ntoken_env = \"T\"\n".to_string(),
            "alerts.listen",
            "daemon.listen と同じアドレス",
        ),
    ];
    for (section, key, why) in cases {
        let config = format!(
            "{}{WEEKLY_MEETING}{section}",
            daemon_section("").replace("127.0.0.1:0", "127.0.0.1:8754")
        );
        let app = spawn_app_with(&config);
        for command in ["check-config", "run"] {
            let output = app
                .command()
                .env("T", "token")
                .arg(command)
                .timeout(Duration::from_secs(10))
                .output()
                .unwrap();
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{command} {key}: {err}");
            assert!(err.contains(key) && err.contains(why), "{command}: {err}");
        }
    }
}

/// A small file system mounted at a path, unmounted when dropped; `None`
/// where this process may not mount (not root).
struct SmallDisk {
    path: std::path::PathBuf,
}

impl SmallDisk {
    fn mount_at(path: &Path, mib: u32) -> Option<Self> {
        std::fs::create_dir_all(path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}M,mode=0700"),
                "tmpfs",
            ])
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success());
        mounted.then(|| Self {
            path: path.to_path_buf(),
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn fill(&self) {
        let _ = std::process::Command::new("dd")
            .args(["if=/dev/zero", "bs=1M", "count=1000"])
            .arg(format!("of={}", self.path().join("filler").display()))
            .output();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.path())
            .status();
    }
}

#[test]
fn reads_keep_working_while_the_disk_is_full() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}",
        daemon_section("health_check_seconds = 1")
    ));
    let Some(disk) = SmallDisk::mount_at(&app.state_dir(), 16) else {
        eprintln!("cannot mount a small file system here (not root): nothing to check");
        return;
    };
    let web_archive = crate::web::archive();
    assert!(import_json(&app, &web_archive).status.success());

    // The daemon holds the store when the disk fills up.
    let mut daemon = app.start_daemon();
    disk.fill();
    wait_until("the store check to notice", Duration::from_secs(20), || {
        get(&format!("{}/healthz", daemon.base_url)).is_ok_and(|(status, _)| status == 503)
    });
    for page in ["/", "/postmortems", "/learnings"] {
        let (status, body) = get(&format!("{}{page}", daemon.base_url)).unwrap();
        assert_eq!(status, 200, "{page} on a full disk: {body}");
    }
    let output = app.run(&["history", "デッドロック"]);
    assert!(
        output.status.success(),
        "through the daemon: {}",
        stderr(&output)
    );
    daemon.terminate();

    // Without a daemon: sled cannot open for writing, so the commands read a copy.
    for args in [
        vec!["history", "デッドロック"],
        vec!["export"],
        vec!["plan", "--weeks", "2"],
        vec!["stats"],
    ] {
        let output = app
            .command()
            .args(&args)
            .env("TMPDIR", disk.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("ディスクに空きがありません"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let exported: Value = serde_json::from_slice(&app.run(&["export"]).stdout).unwrap();
    assert_eq!(
        exported["postmortems"][0]["id"], "pm-deadlock",
        "nothing lost"
    );
}
