//! Idle footprint of the shipped (release) binary with Discord connected, against the
//! local fake Discord: resident memory and CPU after the bot is ready, median of 3.
//! Ignored by default (it needs `cargo build --release` and a minute); run with
//! `cargo build --release && cargo test --test app footprint -- --ignored --nocapture`.

use std::time::Duration;

use crate::fake_discord::FakeDiscord;
use crate::test_config::{Discord, TestConfig};

/// The budget from issue #10.
const MAX_IDLE_RSS_KIB: u64 = 20 * 1024;
/// "Idle CPU ≈ 0": heartbeats and timers only, well under 1% of one core.
const MAX_IDLE_CPU_MS_PER_MINUTE: u64 = 600;

fn idle_seconds() -> u64 {
    std::env::var("WEEKLY_POSTMORTEM_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// User + system CPU time of the process, in clock ticks (100 per second on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// One run: (RSS KiB after idling, CPU ms while idling).
fn measure_once(binary: &std::path::Path, idle: u64) -> (u64, u64) {
    let fake = FakeDiscord::start();
    let app = TestConfig::weekly()
        .daemon("backups_keep", "0")
        .discord(Discord::fake(
            &fake,
            crate::fake_discord::FACILITATOR_ROLE_ID,
        ))
        .spawn();
    let mut child = std::process::Command::new(binary)
        .arg("--config")
        .arg(&app.config_path)
        .arg("run")
        .env(
            crate::fake_discord::BOT_TOKEN_ENV,
            crate::fake_discord::BOT_TOKEN,
        )
        .env_remove("WEEKLY_POSTMORTEM_CONFIG")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting the release binary");
    fake.wait_until_ready(Duration::from_secs(20));
    let pid = child.id();
    // Let start-up allocations settle before counting idle CPU.
    std::thread::sleep(Duration::from_secs(2));
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(idle));
    let cpu_ms = (cpu_ticks(pid) - before) * 10;
    let rss = rss_kib(pid);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let status = crate::helpers::wait_for_exit(&mut child, Duration::from_secs(10))
        .expect("the daemon exits after SIGTERM");
    assert!(status.success(), "{status}");
    (rss, cpu_ms)
}

/// The release binary: `WEEKLY_POSTMORTEM_RELEASE_BINARY`, else `target/release`'s.
pub(crate) fn release_binary() -> std::path::PathBuf {
    let binary = std::env::var_os("WEEKLY_POSTMORTEM_RELEASE_BINARY")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/release/weekly-postmortem")
        });
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --release` first",
        binary.display()
    );
    binary
}

#[test]
#[ignore = "needs the release binary; run explicitly to measure"]
fn the_release_binary_idles_with_discord_connected_in_20_mib_and_no_cpu() {
    let binary = release_binary();
    let idle = idle_seconds();
    let mut runs: Vec<(u64, u64)> = (0..3).map(|_| measure_once(&binary, idle)).collect();
    for (i, (rss, cpu)) in runs.iter().enumerate() {
        println!(
            "run {}: RSS {:.1} MiB after {idle} s idle, CPU {cpu} ms while idle",
            i + 1,
            *rss as f64 / 1024.0
        );
    }
    runs.sort();
    let (median_rss, _) = runs[1];
    let mut cpus: Vec<u64> = runs.iter().map(|r| r.1).collect();
    cpus.sort();
    let median_cpu = cpus[1];
    println!(
        "median of 3: RSS {:.1} MiB, CPU {median_cpu} ms over {idle} s idle; binary {:.1} MB",
        median_rss as f64 / 1024.0,
        std::fs::metadata(&binary).unwrap().len() as f64 / 1e6
    );
    assert!(
        median_rss <= MAX_IDLE_RSS_KIB,
        "median idle RSS {median_rss} KiB exceeds {MAX_IDLE_RSS_KIB} KiB"
    );
    assert!(
        median_cpu * 60 <= MAX_IDLE_CPU_MS_PER_MINUTE * idle,
        "{median_cpu} ms of CPU in {idle} s idle"
    );
}
