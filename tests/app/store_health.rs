//! A full disk under a running daemon: `/healthz` says so with 503, the
//! watchdog pings stop after the grace period, and once space is back the
//! daemon writes again without a restart.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::helpers::{WEEKLY_MEETING, daemon_section, get, spawn_app_with, wait_until};

/// A small tmpfs mounted on the state directory, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path) -> Option<Self> {
        std::fs::create_dir_all(at).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        mounted.then(|| Self(at.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    // Big blocks first, then smaller ones, so not even a page is left.
    for size in [64 * 1024, 4096, 1] {
        let block = vec![0u8; size];
        while file.write_all(&block).is_ok() {}
    }
    let _ = file.sync_all();
}

/// Counts the watchdog pings the daemon sends, read as they come (like
/// systemd does: a socket nobody reads would block the sender).
struct WatchdogListener {
    pings: std::sync::Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
}

impl WatchdogListener {
    fn bind(path: &Path) -> Self {
        let socket = UnixDatagram::bind(path).unwrap();
        let pings = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = pings.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok(n) = socket.recv(&mut buf) {
                if String::from_utf8_lossy(&buf[..n]).contains("WATCHDOG=1") {
                    seen.lock().unwrap().push(std::time::Instant::now());
                }
            }
        });
        Self { pings }
    }

    /// Pings within the last `window`.
    fn recent(&self, window: Duration) -> usize {
        let now = std::time::Instant::now();
        let pings = self.pings.lock().unwrap();
        pings
            .iter()
            .filter(|t| now.duration_since(**t) < window)
            .count()
    }
}

#[test]
fn a_full_disk_is_reported_stops_the_watchdog_and_is_recovered_from_without_a_restart() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}",
        daemon_section("health_check_seconds = 1\nbackups_keep = 0")
    ));
    let Some(_disk) = SmallDisk::mount(&app.state_dir()) else {
        eprintln!(
            "skipped: mounting a tmpfs needs root (CAP_SYS_ADMIN); CI runs this test as root"
        );
        return;
    };
    let notify_path = app.dir.path().join("notify.sock");
    let watchdog = WatchdogListener::bind(&notify_path);
    let notify = notify_path.to_str().unwrap().to_string();
    let daemon = app.start_daemon_with_env(&[
        ("NOTIFY_SOCKET", notify.as_str()),
        ("WATCHDOG_USEC", "200000"),
    ]);
    struct ShowLogOnFailure<'a>(&'a crate::helpers::TestApp);
    impl Drop for ShowLogOnFailure<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                eprintln!("daemon log:\n{}", self.0.daemon_log());
            }
        }
    }
    let _show = ShowLogOnFailure(&app);
    let health = || get(&format!("{}/healthz", daemon.base_url)).unwrap();
    assert_eq!(health().0, 200);
    wait_until("watchdog pings", Duration::from_secs(5), || {
        watchdog.recent(Duration::from_secs(1)) > 0
    });

    let filler = app.state_dir().join("filler");
    fill(&filler);
    wait_until(
        "/healthz to report the full disk",
        Duration::from_secs(10),
        || health().0 == 503,
    );
    let (_, body) = health();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["store"]["status"], "error", "{body}");
    assert!(
        !body["store"]["error"].as_str().unwrap().is_empty(),
        "{body}"
    );
    // Three failed checks later the pings stop, so systemd would restart us.
    wait_until(
        "the watchdog pings to stop",
        Duration::from_secs(20),
        || watchdog.recent(Duration::from_secs(1)) == 0,
    );

    std::fs::remove_file(&filler).unwrap();
    wait_until("/healthz to recover", Duration::from_secs(15), || {
        health().0 == 200
    });
    wait_until("watchdog pings again", Duration::from_secs(5), || {
        watchdog.recent(Duration::from_secs(1)) > 0
    });
    let export = app.run(&["export"]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(
        app.daemon_log().contains("the store writes again"),
        "{}",
        app.daemon_log()
    );
}
