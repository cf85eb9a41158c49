//! `spawn_app()`: a temp state dir, a config written for the test, a fixed clock.

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// A meeting as the contract spells it, with holidays and one company day off.
pub const WEEKLY_MEETING: &str = r#"
[[meeting]]
id = "weekly"
title = "週刊ポストモーテム"
timezone = "Asia/Tokyo"
weekday = "wednesday"
start_time = "17:00"
duration_minutes = 60
first_session = "2019-02-06"
skip_japanese_holidays = true
skip_dates = ["2026-12-30"]
"#;

/// "Now" for every test: a Sunday morning in Tokyo.
pub const FIXED_NOW: &str = "2026-11-29T09:00:00+09:00";

pub struct TestApp {
    /// Removed when the test ends; holds the config and the state dir.
    pub dir: TempDir,
    pub config_path: PathBuf,
}

pub fn spawn_app() -> TestApp {
    spawn_app_with(&format!("[daemon]\nlanguage = \"ja\"\n{WEEKLY_MEETING}"))
}

pub fn spawn_app_with(config: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config).expect("writing the test config");
    TestApp { dir, config_path }
}

impl TestApp {
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("weekly-postmortem").expect("the binary is built");
        cmd.arg("--config")
            .arg(&self.config_path)
            .env("WEEKLY_POSTMORTEM_NOW", FIXED_NOW)
            .env_remove("WEEKLY_POSTMORTEM_CONFIG");
        cmd
    }

    /// The binary as a plain process, for tests that spawn, signal and kill it.
    pub fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("weekly-postmortem"));
        cmd.arg("--config")
            .arg(&self.config_path)
            .env("WEEKLY_POSTMORTEM_NOW", FIXED_NOW)
            .env_remove("WEEKLY_POSTMORTEM_CONFIG");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .output()
            .expect("running the binary")
    }

    /// Runs a command that must succeed and parses its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("stdout is JSON")
    }
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
