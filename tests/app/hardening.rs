//! Hostile inputs around the daemon: secret files that are devices or huge, files on
//! disk left readable or half-written, a daemon that stops answering the CLI.

use std::time::{Duration, Instant};

use crate::helpers::{WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, wait_for_exit};

/// A config whose `[discord]` or `[google]` section names `secret` as its secret file.
fn config_with_secret(section: &str, secret: &str) -> String {
    let table = match section {
        "discord" => format!(
            "[discord]\ntoken_file = \"{secret}\"\nguild_id = \"1\"\nchannel_id = 2\nfacilitator_role_id = \"3\"\n"
        ),
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
            "not a regular file",
        ),
        ("discord", "discord.token_file", large.as_str(), "too large"),
        (
            "google",
            "google.credentials_file",
            "/dev/zero",
            "not a regular file",
        ),
        (
            "google",
            "google.credentials_file",
            directory.as_str(),
            "a directory",
        ),
        (
            "google",
            "google.credentials_file",
            large.as_str(),
            "too large",
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
