//! Checks that the store can still write (a small durable marker), so that a
//! full disk turns `/healthz` to 503 and, after a grace period, stops the
//! watchdog pings; once a write succeeds again the daemon is healthy again,
//! reopening the database if sled kept the old error.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::state::AppState;
use crate::store::StoreError;

/// A write that takes longer is a failure: sled blocks, rather than fails,
/// when the disk fills up under a write it has started.
const WRITE_DEADLINE: Duration = Duration::from_secs(5);

pub(crate) async fn run(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    let every = Duration::from_secs(state.config.daemon.health_check_seconds.0);
    let mut in_flight: Option<tokio::task::JoinHandle<()>> = None;
    loop {
        // A check stuck in a write is waited for, never started twice.
        let mut check_task = match in_flight.take() {
            Some(task) => task,
            None => {
                let worker = state.clone();
                tokio::task::spawn_blocking(move || check(&worker))
            }
        };
        match tokio::time::timeout(WRITE_DEADLINE, &mut check_task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("the store check failed: {e}"),
            Err(_) => {
                let reason = format!(
                    "a write to the store did not finish within {} s (is the disk full?)",
                    WRITE_DEADLINE.as_secs()
                );
                if state.store_failure().is_none() {
                    tracing::error!("{reason}; /healthz answers 503 until writes succeed");
                }
                state.store_failed(state.clock.now(), reason);
                in_flight = Some(check_task);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One check: write, and on failure record why and try a fresh handle.
pub(crate) fn check(state: &AppState) {
    let now = state.clock.now();
    // sled may still fit a small record into a block it already has while
    // larger writes fail, so the free space counts too.
    let state_dir = &state.config.daemon.state_dir;
    let written = crate::store::room_left(state_dir)
        .and_then(|()| write_check_file(state_dir, &now.to_rfc3339()))
        .and_then(|()| state.log.record_health_check(now));
    match written {
        Ok(()) => {
            if let Some(failure) = state.store_failure() {
                tracing::info!(
                    "the store writes again (it failed from {}: {})",
                    failure.since,
                    failure.reason
                );
                state.store_recovered();
            }
        }
        Err(e) => {
            if state.store_failure().is_none() {
                tracing::error!("the store cannot write: {e}; /healthz answers 503 until it can");
            }
            state.store_failed(now, e.to_string());
            // sled refuses every write after its first I/O error: a new handle
            // is what lets the next check succeed once there is room again. While
            // the disk is full the old handle stays, so reads keep working.
            if let Err(e) = state.log.recover() {
                tracing::debug!("reopening the store failed, trying again later: {e}");
            }
        }
    }
}

fn write_check_file(state_dir: &std::path::Path, text: &str) -> Result<(), StoreError> {
    use std::io::Write;
    let path = state_dir.join(".health-check");
    let written = std::fs::File::create(&path).and_then(|mut file| {
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
    });
    written.map_err(|e| StoreError::Backend(format!("cannot write {} ({e})", path.display())))
}

/// Whether the watchdog should still be petted: a store that has failed for
/// longer than `grace` gets the service restarted by systemd.
pub(crate) fn alive(state: &AppState, grace: Duration) -> bool {
    match state.store_failure() {
        None => true,
        Some(failure) => {
            let failing_for = (state.clock.now() - failure.since)
                .to_std()
                .unwrap_or_default();
            failing_for < grace
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;

    #[test]
    fn a_check_that_cannot_write_is_a_failure_and_the_watchdog_waits_out_its_grace() {
        // The fixture's state directory (`./state` beside its config) is not made:
        // the check file cannot be written.
        let (state, _dir) = state_at("2026-12-07T03:00:00Z");
        let grace = Duration::from_secs(90);
        assert!(alive(&state, grace));
        check(&state);
        let failure = state.store_failure().expect("the failed write is recorded");
        assert_eq!(failure.since, state.clock.now());
        assert!(alive(&state, grace), "within the grace");
        state.store_recovered();
        state.store_failed(
            state.clock.now() - chrono::TimeDelta::seconds(120),
            "disk full".into(),
        );
        assert!(!alive(&state, grace), "failing for longer than the grace");
    }
}
