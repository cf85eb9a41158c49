//! Talking to systemd (`Type=notify`): ready, stopping, and watchdog pings.
//! Outside systemd these are no-ops.

use std::time::Duration;

use sd_notify::NotifyState;
use tokio::sync::watch;

pub(super) fn ready(status: &str) {
    notify(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub(super) fn stopping() {
    notify(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

fn notify(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::debug!("sd_notify failed: {e}");
    }
}

/// Pets the watchdog at half its interval until `stop` turns true, while
/// `alive()` says so. The pings come from the runtime itself, so a wedged
/// runtime (or a store that stays broken) gets the process restarted.
pub(super) async fn watchdog(mut stop: watch::Receiver<bool>, alive: impl Fn() -> bool) {
    let Some(interval) = sd_notify::watchdog_enabled() else {
        return;
    };
    let period = (interval / 2).max(Duration::from_millis(100));
    loop {
        if alive() {
            notify(&[NotifyState::Watchdog]);
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}
