//! The calendar reconciler in the daemon: every `sync_interval_minutes`,
//! right after any change to the log, and with growing pauses while Google
//! is unreachable.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;

use super::{Daemon, IntegrationStatus};
use crate::calendar::sync::{SyncError, SyncInput, SyncSummary, sync_once};

/// First pause after a failed sync; doubles up to the regular interval.
const FIRST_RETRY: Duration = Duration::from_secs(2);

pub async fn run(daemon: Arc<Daemon>, mut stop: watch::Receiver<bool>) {
    let Some(google) = daemon.config.google.clone() else {
        return;
    };
    let interval = Duration::from_secs(google.sync_interval_minutes.max(1) * 60);
    let mut retry = FIRST_RETRY;
    let mut changes = daemon.changed.subscribe();
    loop {
        let pause = match sync(&daemon, false, &mut |line| tracing::info!("{line}")).await {
            Ok(summary) => {
                retry = FIRST_RETRY;
                if summary.inserted
                    + summary.updated
                    + summary.cancelled
                    + summary.accepted_cancellations
                    > 0
                {
                    tracing::info!("calendar sync: {summary}");
                }
                interval
            }
            Err(e) => {
                tracing::warn!("calendar sync failed, retrying in {retry:?}: {e}");
                let pause = retry;
                retry = (retry * 2).min(interval);
                pause
            }
        };
        if !crate::daemon::pause(pause, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// One reconcile with the daemon's calendar, store and holidays.
pub async fn sync(
    daemon: &Daemon,
    dry_run: bool,
    report: &mut (dyn FnMut(String) + Send),
) -> Result<SyncSummary, SyncError> {
    let (Some(api), Some(google)) = (&daemon.calendar, &daemon.config.google) else {
        return Ok(SyncSummary::default());
    };
    let holidays = daemon.holiday_calendar();
    let input = SyncInput {
        config: &daemon.config,
        google,
        holidays: &holidays,
        now: daemon.clock.now(),
        dry_run,
    };
    let result = sync_once(api.as_ref(), &daemon.log, &input, report).await;
    let calls = api.api_calls();
    let m = &daemon.metrics;
    m.calendar_calls_ok.store(calls.ok, Ordering::Relaxed);
    m.calendar_calls_error.store(calls.error, Ordering::Relaxed);
    m.calendar_calls_retried
        .store(calls.retried, Ordering::Relaxed);
    let mut status = IntegrationStatus::new(
        "Google Calendar",
        true,
        format!(
            "calendar {}, {} weeks ahead",
            google.calendar_id, google.horizon_weeks.0
        ),
    );
    match &result {
        Ok(summary) if !dry_run => {
            if summary.accepted_cancellations > 0 {
                // Sessions were recorded as skipped: reminders and history should know.
                daemon.log_changed();
            }
            m.last_successful_sync
                .store(daemon.clock.now().timestamp(), Ordering::Relaxed);
        }
        Ok(_) => {}
        Err(e) => {
            status.ok = false;
            status.detail = format!("last sync failed: {e}");
        }
    }
    daemon.set_status(status);
    result
}
