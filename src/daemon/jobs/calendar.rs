//! The calendar reconciler in the daemon: every `sync_interval_minutes`,
//! right after any change to the log, and with growing pauses while Google
//! is unreachable.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::state::{AppState, Change, IntegrationStatus};
use crate::calendar::google::GoogleCalendar;
use crate::calendar::sync::{SyncError, SyncInput, SyncSummary, sync_once};

/// First pause after a failed sync; doubles up to the regular interval.
const FIRST_RETRY: Duration = Duration::from_secs(2);
/// What the events show: RSVPs and learnings do not concern the calendar.
const WATCHES: &[Change] = &[
    Change::Agenda,
    Change::Schedule,
    Change::Roster,
    Change::Import,
];

pub(crate) async fn run(
    state: Arc<AppState>,
    api: Arc<GoogleCalendar>,
    mut stop: watch::Receiver<bool>,
) {
    let Some(google) = state.config.google.clone() else {
        return;
    };
    let interval = Duration::from_secs(google.sync_interval_minutes.max(1) * 60);
    let mut retry = FIRST_RETRY;
    let mut changes = state.watch_changes(WATCHES);
    loop {
        let pause = match sync(&state, &api, false, &mut |line| tracing::info!("{line}")).await {
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
        if !super::pause(pause, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// One reconcile with the daemon's calendar, store and holidays.
pub(crate) async fn sync(
    state: &AppState,
    api: &GoogleCalendar,
    dry_run: bool,
    report: &mut (dyn FnMut(String) + Send),
) -> Result<SyncSummary, SyncError> {
    let Some(google) = &state.config.google else {
        return Ok(SyncSummary::default());
    };
    let holidays = state.holiday_calendar();
    let input = SyncInput {
        config: &state.config,
        google,
        holidays: &holidays,
        now: state.clock.now(),
        dry_run,
    };
    let result = sync_once(api, state.log.as_ref(), &input, report).await;
    let calls = api.api_calls();
    let m = &state.metrics;
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
                state.changed(Change::Schedule);
            }
            m.last_successful_sync
                .store(state.clock.now().timestamp(), Ordering::Relaxed);
        }
        Ok(_) => {}
        Err(e) => {
            status.ok = false;
            status.detail = format!("last sync failed: {e}");
        }
    }
    state.set_status(status);
    result
}
