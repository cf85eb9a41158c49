//! The Discord heartbeat and `/healthz` of the shipped (release) binary while
//! it imports 110,000 records through its API and renders `/stats` charts:
//! neither may wait behind that work (issue #10: `/healthz` p99 <= 50 ms, the
//! heartbeat not late). Ignored by default: it needs the release binary and the
//! history bench's data. Run with
//! `HISTORY_DATA=FILE cargo test --release --test app heartbeat_under_load -- --ignored --nocapture`
//! (`HISTORY_BENCH_JSON=FILE cargo bench --bench history --features sqlite-bench` writes FILE).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fake_discord::FakeDiscord;
use crate::footprint::release_binary;
use crate::helpers::TimingClient;
use crate::test_config::{Discord, Meeting, TestConfig};

/// Short, so that a minute of load holds dozens of heartbeats.
const INTERVAL: Duration = Duration::from_millis(1000);
/// serenity checks whether a heartbeat is due each time its gateway read
/// times out (500 ms), so even an idle bot sends up to that much after the
/// interval; "late" is anything beyond that plus scheduling noise.
const ALLOWED_GAP: Duration = Duration::from_millis(1000 + 500 + 250);
const MEMBER: u64 = 1_300_000_000_000_003_001;

/// The longest time between two heartbeats, where the later one came within `window`.
fn longest_gap(beats: &[Instant], window: (Instant, Instant)) -> Duration {
    beats
        .windows(2)
        .filter(|pair| pair[1] >= window.0 && pair[1] <= window.1)
        .map(|pair| pair[1] - pair[0])
        .max()
        .unwrap_or_default()
}

#[test]
#[ignore = "needs the release binary and HISTORY_DATA; run explicitly to measure"]
fn heartbeats_and_healthz_stay_on_time_during_an_import_and_charts() {
    let data = std::env::var("HISTORY_DATA")
        .expect("HISTORY_DATA=FILE, the history bench's 110,000 records");
    let binary = release_binary();
    let fake = FakeDiscord::start();
    fake.set_heartbeat_interval(INTERVAL);
    let app = TestConfig::new()
        .daemon("backups_keep", "0")
        .meeting(Meeting::new(
            "weekly",
            "週刊ポストモーテム",
            "wednesday",
            "17:00",
            "2015-01-07",
        ))
        .discord(Discord::fake(
            &fake,
            crate::fake_discord::FACILITATOR_ROLE_ID,
        ))
        .spawn();
    let mut daemon = Command::new(&binary)
        .arg("--config")
        .arg(&app.config_path)
        .arg("run")
        .env(
            crate::fake_discord::BOT_TOKEN_ENV,
            crate::fake_discord::BOT_TOKEN,
        )
        .env_remove("WEEKLY_POSTMORTEM_CONFIG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(app.dir.path().join("daemon.log")).unwrap())
        .spawn()
        .expect("starting the release binary");

    std::thread::sleep(Duration::from_millis(500));
    if let Ok(Some(status)) = daemon.try_wait() {
        panic!(
            "the daemon exited ({status}): {}",
            std::fs::read_to_string(app.dir.path().join("daemon.log")).unwrap_or_default()
        );
    }
    fake.wait_until_ready(Duration::from_secs(20));
    let idle_from = Instant::now();
    std::thread::sleep(INTERVAL * 8);
    let idle = (idle_from, Instant::now());

    let url = format!("http://{}/healthz", app.listen_address());
    let mut importer = Command::new(&binary)
        .arg("--config")
        .arg(&app.config_path)
        .args(["import", &data])
        .env_remove("WEEKLY_POSTMORTEM_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the import");
    let client = TimingClient::new();
    let load_from = Instant::now();
    let mut latencies = Vec::new();
    let mut last_chart: Option<Instant> = None;
    let mut charts = 0;
    let imported = loop {
        if let Some(status) = importer.try_wait().unwrap() {
            break status;
        }
        if last_chart.is_none_or(|t| t.elapsed() >= Duration::from_secs(2)) {
            fake.send_slash_command("stats", json!([]), MEMBER, &[]);
            last_chart = Some(Instant::now());
            charts += 1;
        }
        let (status, _, took) = client.get(&url).expect("/healthz answers");
        latencies.push(took);
        assert!(status == 200 || status == 503, "/healthz {status}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let load = (load_from, Instant::now());
    assert!(imported.success(), "the import failed");
    // The heartbeat due after the load ends shows whether it was held back.
    std::thread::sleep(INTERVAL * 2);
    let beats = fake.heartbeats();
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let _ = crate::helpers::wait_for_exit(&mut daemon, Duration::from_secs(10));

    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let idle_gap = longest_gap(&beats, idle);
    let load_gap = longest_gap(&beats, (load.0, load.1 + INTERVAL * 2));
    println!(
        "import of {data} with {charts} /stats charts: {:.1} s; /healthz {} requests, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; heartbeat every {} ms: longest gap {} ms idle, {} ms under load",
        (load.1 - load.0).as_secs_f64(),
        latencies.len(),
        p(0.5).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        INTERVAL.as_millis(),
        idle_gap.as_millis(),
        load_gap.as_millis(),
    );
    assert!(
        p(0.99) <= Duration::from_millis(50),
        "/healthz p99 {:?}",
        p(0.99)
    );
    assert!(
        load_gap <= ALLOWED_GAP,
        "a heartbeat {load_gap:?} after the one before"
    );
}
