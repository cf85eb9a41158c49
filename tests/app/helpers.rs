//! `spawn_app()`: a temp state dir, a config written for the test, a fixed clock.

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

/// How long a test waits for the daemon or a fake to get somewhere; a wait known to
/// take longer (a restart, a refresh under load) asks for a multiple of it.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// The token the tests give the alert hooks' listener, and the variable that carries it.
/// Tests check it is never logged nor echoed.
pub(crate) const ALERTS_TOKEN: &str = "hook-token-5f0c1e";
pub(crate) const ALERTS_TOKEN_ENV: &str = "WEEKLY_POSTMORTEM_ALERTS_TOKEN";

/// A meeting as the contract spells it, with holidays and one company day off.
pub(crate) const WEEKLY_MEETING: &str = r#"
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
pub(crate) const FIXED_NOW: &str = "2026-11-29T09:00:00+09:00";

pub(crate) struct TestApp {
    /// Removed when the test ends; holds the config and the state dir.
    pub dir: TempDir,
    pub config_path: PathBuf,
}

pub(crate) fn spawn_app() -> TestApp {
    spawn_app_with(&format!("{}{WEEKLY_MEETING}", daemon_section("")))
}

/// The `[daemon]` table of [`crate::test_config::TestConfig::new`] (a port the system
/// picks, no network access) as text, plus `extra` lines, for a test that writes the rest
/// of its config by hand.
pub(crate) fn daemon_section(extra: &str) -> String {
    format!(
        "{}{extra}\n",
        crate::test_config::TestConfig::new().to_toml()
    )
}

/// How often a wait looks again.
pub(crate) const POLL: Duration = Duration::from_millis(20);

/// Looks with `look` every `every` until it answers `Ok`, for at most `within`; when the
/// time is up, the last `Err` it answered (what it saw). The one deadline loop of the
/// tests: [`eventually`] and the waits below panic, this one leaves a timeout to the
/// caller (a bounded wait that is no failure, a panic message of its own).
pub(crate) fn poll<T, S>(
    within: Duration,
    every: Duration,
    mut look: impl FnMut() -> Result<T, S>,
) -> Result<T, S> {
    let deadline = Instant::now() + within;
    loop {
        match look() {
            Ok(found) => return Ok(found),
            Err(last) if Instant::now() >= deadline => return Err(last),
            Err(_) => std::thread::sleep(every),
        }
    }
}

/// Polls `look` every [`POLL`] until it answers `Ok` and returns that; after `within`,
/// panics with `what` and the last thing `look` saw (its `Err`, `{:#}`: a JSON value
/// pretty-printed).
pub(crate) fn eventually_seen<T, S: std::fmt::Display>(
    what: &str,
    within: Duration,
    look: impl FnMut() -> Result<T, S>,
) -> T {
    poll(within, POLL, look).unwrap_or_else(|last| {
        panic!("timed out after {within:?} waiting for {what}; last seen: {last:#}")
    })
}

/// Polls `found` every [`POLL`] until it finds something and returns it; panics
/// with `what` after `within`.
pub(crate) fn eventually<T>(
    what: &str,
    within: Duration,
    mut found: impl FnMut() -> Option<T>,
) -> T {
    eventually_seen(what, within, || found().ok_or("nothing"))
}

/// Polls `condition` every [`POLL`] until it holds; panics with `what` after `within`.
pub(crate) fn wait_until(what: &str, within: Duration, mut condition: impl FnMut() -> bool) {
    eventually(what, within, || condition().then_some(()));
}

pub(crate) fn spawn_app_with(config: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config).expect("writing the test config");
    TestApp { dir, config_path }
}

impl TestApp {
    pub(crate) fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("weekly-postmortem").expect("the binary is built");
        cmd.arg("--config")
            .arg(&self.config_path)
            .env("WEEKLY_POSTMORTEM_NOW", FIXED_NOW)
            .env_remove("WEEKLY_POSTMORTEM_CONFIG");
        cmd
    }

    /// The binary as a plain process, for tests that spawn, signal and kill it.
    pub(crate) fn process(&self) -> std::process::Command {
        self.process_of(&assert_cmd::cargo::cargo_bin("weekly-postmortem"))
    }

    /// Another build of the binary (a release build, for the benches) as a plain process.
    pub(crate) fn process_of(&self, binary: &std::path::Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(binary);
        cmd.arg("--config")
            .arg(&self.config_path)
            .env("WEEKLY_POSTMORTEM_NOW", FIXED_NOW)
            .env_remove("WEEKLY_POSTMORTEM_CONFIG");
        cmd
    }

    /// Replaces the config's line that starts with `prefix` by `line`.
    pub(crate) fn replace_config_line(&self, prefix: &str, line: &str) {
        let config = std::fs::read_to_string(&self.config_path).unwrap();
        let old = config
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in the config"))
            .to_string();
        std::fs::write(&self.config_path, config.replace(&old, line)).unwrap();
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .output()
            .expect("running the binary")
    }

    /// Runs a command that must succeed and parses its stdout as JSON.
    pub(crate) fn json(&self, args: &[&str]) -> serde_json::Value {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("stdout is JSON")
    }
}

/// The daemon (`run`) as a child process; killed when dropped.
pub(crate) struct RunningDaemon {
    pub child: std::process::Child,
    pub base_url: String,
}

impl TestApp {
    /// Where the running daemon listens, as it wrote it into the state directory.
    pub(crate) fn listen_address(&self) -> String {
        std::fs::read_to_string(self.state_dir().join("listen-address"))
            .expect("the daemon wrote its listen address")
            .trim()
            .to_string()
    }

    /// Starts `run` and waits until `/healthz` answers.
    pub(crate) fn start_daemon(&self) -> RunningDaemon {
        self.start_daemon_with_env(&[])
    }

    /// Starts `run` with extra environment variables (a token, another "now").
    pub(crate) fn start_daemon_with_env(&self, env: &[(&str, &str)]) -> RunningDaemon {
        let mut command = self.process();
        command.envs(env.iter().copied()).arg("run");
        self.start_daemon_as(command)
    }

    /// Starts `run` of another build of the binary (see [`TestApp::process_of`]).
    pub(crate) fn start_daemon_of(&self, binary: &std::path::Path) -> RunningDaemon {
        let mut command = self.process_of(binary);
        command.arg("run");
        self.start_daemon_as(command)
    }

    /// Starts `run` with at most `limit` open files, as systemd's default
    /// `LimitNOFILE` would.
    pub(crate) fn start_daemon_with_open_file_limit(&self, limit: u32) -> RunningDaemon {
        let mut command = std::process::Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
            .arg(assert_cmd::cargo::cargo_bin("weekly-postmortem"))
            .arg("--config")
            .arg(&self.config_path)
            .arg("run")
            .env("WEEKLY_POSTMORTEM_NOW", FIXED_NOW)
            .env_remove("WEEKLY_POSTMORTEM_CONFIG");
        self.start_daemon_as(command)
    }

    /// Starts the daemon `command` describes (`run` and its arguments included).
    pub(crate) fn start_daemon_as_command(&self, command: std::process::Command) -> RunningDaemon {
        self.start_daemon_as(command)
    }

    /// Starts the daemon `command` describes and waits until `/healthz` answers.
    fn start_daemon_as(&self, mut command: std::process::Command) -> RunningDaemon {
        if !command.get_envs().any(|(name, _)| name == "RUST_LOG") {
            command.env("RUST_LOG", "info");
        }
        let child = command
            .stdout(std::process::Stdio::null())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.path().join("daemon.log"))
                    .unwrap(),
            )
            .spawn()
            .expect("starting the daemon");
        let address_file = self.state_dir().join("listen-address");
        // A restart must not pick up the address of the daemon before it.
        let _ = std::fs::remove_file(&address_file);
        let mut daemon = RunningDaemon {
            child,
            base_url: String::new(),
        };
        daemon.base_url = self.eventually("the daemon to answer /healthz", WAIT, || {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!("the daemon exited with {status}: {}", self.daemon_log());
            }
            let address = std::fs::read_to_string(&address_file).unwrap_or_default();
            let base_url = format!("http://{}", address.trim());
            match address.trim() {
                "" => Err("no listen address yet".to_string()),
                _ => get(&format!("{base_url}/healthz"))
                    .map(|_| base_url)
                    .map_err(|e| format!("{address}: {e}")),
            }
        });
        daemon
    }

    /// The calendar feed's secret address, as `calendar-url` prints it.
    pub(crate) fn calendar_url(&self) -> String {
        let output = self.run(&["calendar-url"]);
        assert!(
            output.status.success(),
            "calendar-url failed: {}",
            stderr(&output)
        );
        stdout(&output).trim().to_string()
    }

    pub(crate) fn daemon_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    /// As [`eventually_seen`], with the daemon's log in the panic message.
    pub(crate) fn eventually<T, S: std::fmt::Display>(
        &self,
        what: &str,
        within: Duration,
        look: impl FnMut() -> Result<T, S>,
    ) -> T {
        poll(within, POLL, look).unwrap_or_else(|last| {
            panic!(
                "timed out after {within:?} waiting for {what}; last seen: {last:#}\ndaemon log:\n{}",
                self.daemon_log()
            )
        })
    }
}

impl RunningDaemon {
    pub(crate) fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        wait_for_exit(&mut self.child, Duration::from_secs(5))
            .expect("exits within 5 s after SIGTERM")
    }
}

impl Drop for RunningDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn wait_for_exit(
    child: &mut std::process::Child,
    within: Duration,
) -> Option<std::process::ExitStatus> {
    poll(within, POLL, || child.try_wait().unwrap().ok_or(())).ok()
}

/// One HTTP client for many timed requests (the benches): building a client
/// (its TLS roots) per request, in a debug build, costs more than the
/// request it would time.
pub(crate) struct TimingClient {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl TimingClient {
    pub(crate) fn new() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
        }
    }

    /// GETs `url`: its status, its body, and how long the whole answer took.
    pub(crate) fn get(&self, url: &str) -> Result<(u16, String, Duration), reqwest::Error> {
        self.runtime.block_on(async {
            let asked = Instant::now();
            let response = self.client.get(url).send().await?;
            let status = response.status().as_u16();
            let body = response.text().await?;
            Ok((status, body, asked.elapsed()))
        })
    }
}

/// A blocking GET for tests: (status, body).
pub(crate) fn get(url: &str) -> Result<(u16, String), String> {
    http(url, |c, u| c.get(u))
}

pub(crate) fn http(
    url: &str,
    build: impl FnOnce(&reqwest::Client, &str) -> reqwest::RequestBuilder,
) -> Result<(u16, String), String> {
    http_with_content_type(url, build).map(|(status, _, body)| (status, body))
}

/// As [`http`], with the answer's `Content-Type` (empty when there is none).
pub(crate) fn http_with_content_type(
    url: &str,
    build: impl FnOnce(&reqwest::Client, &str) -> reqwest::RequestBuilder,
) -> Result<(u16, String, String), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // As in the binary: reqwest has no crypto provider of its own (see cli::main).
        let _ = rustls::crypto::ring::default_provider().install_default();
        // A daemon that stops answering fails the test instead of hanging it.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let response = build(&client, url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response.text().await.map_err(|e| e.to_string())?;
        Ok((status, content_type, body))
    })
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
