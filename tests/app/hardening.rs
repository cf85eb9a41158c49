//! Hostile inputs around the daemon: secret files that are devices or huge, files on
//! disk left readable or half-written, a daemon that stops answering the CLI.

use std::time::{Duration, Instant};

use crate::helpers::{WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, wait_for_exit};

/// A config whose `[discord]` or `[google]` section names `secret` as its secret file.
fn config_with_secret(section: &str, secret: &str) -> String {
    let table = match section {
        "discord" => crate::test_config::Discord::ids(1, 2, 3)
            .token_file(secret)
            .to_toml(),
        _ => format!(
            "[google]\ncalendar_id = \"team@example.com\"\ncredentials_file = \"{secret}\"\n"
        ),
    };
    format!("{}{WEEKLY_MEETING}\n{table}", daemon_section(""))
}

#[test]
fn a_secret_file_that_is_a_device_a_directory_or_too_large_is_refused_by_check_config_and_run() {
    let scratch = tempfile::tempdir().unwrap();
    let large = scratch.path().join("large-token");
    std::fs::write(&large, vec![b'x'; 100 * 1024]).unwrap();
    let large = large.display().to_string();
    let directory = scratch.path().display().to_string();
    let cases = [
        (
            "discord",
            "discord.token_file",
            "/dev/zero",
            "通常のファイルではありません（キャラクターデバイス）",
        ),
        (
            "discord",
            "discord.token_file",
            large.as_str(),
            "秘密情報としては大きすぎます",
        ),
        (
            "google",
            "google.credentials_file",
            "/dev/zero",
            "通常のファイルではありません",
        ),
        (
            "google",
            "google.credentials_file",
            directory.as_str(),
            "（ディレクトリ）",
        ),
        (
            "google",
            "google.credentials_file",
            large.as_str(),
            "大きすぎます",
        ),
    ];
    for (section, key, secret, why) in cases {
        let app = spawn_app_with(&config_with_secret(section, secret));
        let started = Instant::now();
        let output = app.run(&["check-config"]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{key} = {secret}: {err}");
        for expected in [key, secret, why] {
            assert!(err.contains(expected), "{expected:?} in {err:?}");
        }
        assert!(started.elapsed() < Duration::from_secs(5), "fails fast");

        let mut daemon = app
            .process()
            .arg("run")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait_for_exit(&mut daemon, Duration::from_secs(10));
        if status.is_none() {
            let _ = daemon.kill();
        }
        let output = daemon.wait_with_output().unwrap();
        assert_eq!(
            status.and_then(|s| s.code()),
            Some(2),
            "run with {key} = {secret}"
        );
        assert!(stderr(&output).contains(key), "{}", stderr(&output));
    }
}

/// Starts `run` under `umask 022`, as outside systemd, and waits until the day's backup
/// is written; the daemon is killed when the returned child is dropped by the caller.
fn run_under_umask_022(app: &crate::helpers::TestApp) -> std::process::Child {
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$@\"")
        .arg("sh")
        .arg(assert_cmd::cargo::cargo_bin("weekly-postmortem"))
        .arg("--config")
        .arg(&app.config_path)
        .arg("run")
        .env("WEEKLY_POSTMORTEM_NOW", crate::helpers::FIXED_NOW)
        .env_remove("WEEKLY_POSTMORTEM_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let backup = app.state_dir().join("backups/export-2026-11-29.json");
    crate::helpers::wait_until("the daily backup", Duration::from_secs(15), || {
        backup.exists()
    });
    child
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn under_umask_022_the_state_directory_is_0700_and_backups_0600_and_stale_partials_go() {
    let app = spawn_app_with(&format!("{}{WEEKLY_MEETING}", daemon_section("")));
    let mut daemon = run_under_umask_022(&app);
    let state = app.state_dir();
    assert_eq!(mode(&state), 0o700, "state_dir");
    assert_eq!(mode(&state.join("backups")), 0o700, "backups/");
    assert_eq!(
        mode(&state.join("backups/export-2026-11-29.json")),
        0o600,
        "the backup carries the whole log"
    );
    assert_eq!(mode(&state.join("listen-address")), 0o600);
    daemon.kill().unwrap();
    daemon.wait().unwrap();

    // What a writer killed mid-write (or the older fixed-name writer) left behind.
    let stale = [
        state.join("backups/export-2026-11-28.partial"),
        state.join("backups/.export-2026-11-28.json.a1b2c3.partial"),
        state.join(".listen-address.d4e5f6.partial"),
        state.join("holidays.partial"),
    ];
    for path in &stale {
        std::fs::write(path, b"half").unwrap();
    }
    let _daemon = app.start_daemon();
    for path in &stale {
        assert!(!path.exists(), "{} removed at start", path.display());
    }
    assert!(state.join("backups/export-2026-11-29.json").exists());
}

#[test]
fn a_stopped_daemon_makes_export_fail_within_the_timeout_naming_the_daemon_and_what_to_do() {
    let app = spawn_app_with(&format!("{}{WEEKLY_MEETING}", daemon_section("")));
    let daemon = app.start_daemon();
    let address = app.listen_address();
    let pid = daemon.child.id().to_string();
    let signal = |name: &str| {
        std::process::Command::new("kill")
            .args([name, &pid])
            .status()
            .unwrap()
    };
    assert!(signal("-STOP").success());
    let started = Instant::now();
    let output = app
        .command()
        .env("WEEKLY_POSTMORTEM_CLI_TIMEOUT_SECONDS", "2")
        .arg("export")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let waited = started.elapsed();
    // Continued before asserting, so that dropping the daemon can always end it.
    assert!(signal("-CONT").success());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(waited < Duration::from_secs(10), "waited {waited:?}");
    for expected in [
        address.as_str(),
        "が 2 秒以内に応答しませんでした",
        "systemctl status weekly-postmortem",
    ] {
        assert!(err.contains(expected), "{expected:?} in {err:?}");
    }
    drop(daemon);
}

#[test]
fn a_bad_cli_timeout_variable_is_a_usage_error() {
    let app = spawn_app_with(&format!("{}{WEEKLY_MEETING}", daemon_section("")));
    let _daemon = app.start_daemon();
    let output = app
        .command()
        .env("WEEKLY_POSTMORTEM_CLI_TIMEOUT_SECONDS", "soon")
        .arg("export")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("WEEKLY_POSTMORTEM_CLI_TIMEOUT_SECONDS"));
}

/// `check-config` and `run` both exit 2 with `expected` on stderr.
fn assert_refused_by_check_config_and_run(config: &str, expected: &str) {
    let app = spawn_app_with(config);
    let output = app.run(&["check-config"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "check-config: {err}");
    assert!(err.contains(expected), "{expected:?} in {err:?}");
    let output = app
        .command()
        .arg("run")
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "run: {err}");
    assert!(err.contains(expected), "{expected:?} in {err:?}");
}

#[test]
fn check_config_refuses_a_log_filter_that_run_refuses() {
    assert_refused_by_check_config_and_run(
        &format!("{}{WEEKLY_MEETING}", daemon_section("log = \"[[[==\"")),
        "daemon.log = \"[[[==\" is not a log filter",
    );
}

#[test]
fn check_config_refuses_a_state_dir_that_is_a_file_a_device_or_not_writable() {
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let under_file = file.join("state");
    let cases = [
        (file.display().to_string(), "not a directory"),
        (under_file.display().to_string(), "not a directory"),
        ("/dev/null".to_string(), "not a directory"),
        ("/proc/self".to_string(), "cannot write there"),
    ];
    for (state_dir, why) in cases {
        let config = format!(
            "{}{WEEKLY_MEETING}",
            daemon_section(&format!("state_dir = \"{state_dir}\""))
        );
        assert_refused_by_check_config_and_run(&config, &format!("daemon.state_dir {state_dir}"));
        assert_refused_by_check_config_and_run(&config, why);
    }
}
