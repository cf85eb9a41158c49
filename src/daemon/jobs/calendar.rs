//! The calendar reconciler in the daemon: every `sync_interval_minutes`,
//! right after any change to the log, and with growing pauses while Google
//! is unreachable. How long to pause ([`next_pause`]) and what a sync leaves
//! in the state ([`after_sync`]) are decided purely from its result; the
//! reconcile itself runs through any [`CalendarApi`].

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::calendar_sync::{SyncError, SyncInput, SyncSummary, sync_once};
use crate::app::state::{AppState, Change, IntegrationStatus};
use crate::calendar::google::{CalendarApi, GoogleCalendar};
use crate::config::GoogleConfig;

/// First pause after a failed sync; doubles up to the regular interval.
const FIRST_RETRY: Duration = Duration::from_secs(2);
/// What the events show: RSVPs and learnings do not concern the calendar.
const WATCHES: &[Change] = &[
    Change::Agenda,
    Change::Schedule,
    Change::Roster,
    Change::Import,
];
const NAME: &str = "Google Calendar";

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
        let result = sync(&state, &api, false, &mut |line| tracing::info!("{line}")).await;
        match &result {
            Ok(summary)
                if summary.inserted
                    + summary.updated
                    + summary.cancelled
                    + summary.accepted_cancellations
                    > 0 =>
            {
                tracing::info!("calendar sync: {summary}");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("calendar sync failed, retrying in {retry:?}: {e}"),
        }
        let pause;
        (pause, retry) = next_pause(result.is_ok(), retry, interval);
        if !super::pause(pause, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// The pause before the next sync, and the retry pause to keep: the regular
/// interval after a success (and the first retry pause again), else the
/// current retry pause, doubled for the next failure up to the interval, so
/// that an outage of Google is neither hammered nor waited out too long.
fn next_pause(synced: bool, retry: Duration, interval: Duration) -> (Duration, Duration) {
    if synced {
        (interval, FIRST_RETRY)
    } else {
        (retry, (retry * 2).min(interval))
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
    let result = reconcile(state, google, api, dry_run, report).await;
    // Only the adapter counts its calls (retries included), for `/metrics`.
    let calls = api.api_calls();
    let m = &state.metrics;
    m.calendar_calls_ok.store(calls.ok, Ordering::Relaxed);
    m.calendar_calls_error.store(calls.error, Ordering::Relaxed);
    m.calendar_calls_retried
        .store(calls.retried, Ordering::Relaxed);
    result
}

/// One reconcile through `api`, then what it leaves in the state (see [`after_sync`]).
async fn reconcile(
    state: &AppState,
    google: &GoogleConfig,
    api: &dyn CalendarApi,
    dry_run: bool,
    report: &mut (dyn FnMut(String) + Send),
) -> Result<SyncSummary, SyncError> {
    let holidays = state.holiday_calendar();
    let input = SyncInput {
        config: &state.config,
        google,
        holidays: &holidays,
        now: state.clock.now(),
        dry_run,
    };
    let result = sync_once(api, state.log.as_ref(), &input, report).await;
    let after = after_sync(google, &result, dry_run);
    if after.skipped_weeks {
        state.changed(Change::Schedule);
    }
    if after.succeeded {
        state
            .metrics
            .last_successful_sync
            .store(state.clock.now().timestamp(), Ordering::Relaxed);
    }
    state.set_status(after.status);
    result
}

/// What a sync leaves in the daemon's state.
#[derive(Debug)]
struct AfterSync {
    /// For `/healthz`: the calendar in use, or why the last sync failed.
    status: IntegrationStatus,
    /// A sync that wrote succeeded: `/metrics` tells when (a dry run proves nothing).
    succeeded: bool,
    /// People's cancellations were recorded as skipped weeks: reminders and
    /// history should know.
    skipped_weeks: bool,
}

/// What a sync's result means for the state; a dry run wrote nothing, so it
/// counts as no success and skipped no week.
fn after_sync(
    google: &GoogleConfig,
    result: &Result<SyncSummary, SyncError>,
    dry_run: bool,
) -> AfterSync {
    match result {
        Ok(summary) => AfterSync {
            status: IntegrationStatus::new(
                NAME,
                true,
                format!(
                    "calendar {}, {} weeks ahead",
                    google.calendar_id, google.horizon_weeks.0
                ),
            ),
            succeeded: !dry_run,
            skipped_weeks: !dry_run && summary.accepted_cancellations > 0,
        },
        Err(e) => AfterSync {
            status: IntegrationStatus::failed(NAME, true, format!("last sync failed: {e}")),
            succeeded: false,
            skipped_weeks: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::calendar::google::{
        BusyMap, CalendarError, CalendarFuture, EventSpec, InsertOutcome, ListedEvent,
    };

    const CALENDAR: &str = "team@example.com";

    fn google() -> GoogleConfig {
        toml::from_str(&format!(
            "calendar_id = \"{CALENDAR}\"\ncredentials_file = \"key.json\""
        ))
        .unwrap()
    }

    /// A calendar with no events of ours, that records inserts or is unreachable.
    #[derive(Default)]
    struct FakeCalendar {
        down: bool,
        inserted: Mutex<Vec<String>>,
    }

    impl CalendarApi for FakeCalendar {
        fn list_managed<'a>(
            &'a self,
            _meeting_id: &'a str,
            _time_min: DateTime<Utc>,
        ) -> CalendarFuture<'a, Vec<ListedEvent>> {
            let answer = if self.down {
                Err(CalendarError::Transport("connection refused".into()))
            } else {
                Ok(Vec::new())
            };
            Box::pin(async move { answer })
        }

        fn insert<'a>(&'a self, event: &'a EventSpec) -> CalendarFuture<'a, InsertOutcome> {
            self.inserted.lock().unwrap().push(event.id.clone());
            Box::pin(async { Ok(InsertOutcome::Created) })
        }

        fn update<'a>(&'a self, _event: &'a EventSpec) -> CalendarFuture<'a, ()> {
            Box::pin(async { Ok(()) })
        }

        fn cancel<'a>(&'a self, _event_id: &'a str) -> CalendarFuture<'a, ()> {
            Box::pin(async { Ok(()) })
        }

        fn get<'a>(&'a self, _event_id: &'a str) -> CalendarFuture<'a, Option<ListedEvent>> {
            Box::pin(async { Ok(None) })
        }

        fn free_busy<'a>(
            &'a self,
            _emails: &'a [String],
            _time_min: DateTime<Utc>,
            _time_max: DateTime<Utc>,
        ) -> CalendarFuture<'a, BusyMap> {
            Box::pin(async { Ok(BusyMap::new()) })
        }

        fn calendar_id(&self) -> &str {
            CALENDAR
        }

        fn on_calendar(&self, _calendar_id: &str) -> Result<Box<dyn CalendarApi>, CalendarError> {
            Err(CalendarError::Config("one calendar only".into()))
        }
    }

    fn status(state: &AppState) -> IntegrationStatus {
        state
            .statuses()
            .into_iter()
            .find(|s| s.name == NAME)
            .expect("the sync set its status")
    }

    #[test]
    fn backoff_doubles_from_two_seconds_up_to_the_interval_and_resets_after_success() {
        let interval = Duration::from_secs(5 * 60);
        let mut retry = FIRST_RETRY;
        let mut pauses = Vec::new();
        for _ in 0..10 {
            let pause;
            (pause, retry) = next_pause(false, retry, interval);
            pauses.push(pause.as_secs());
        }
        assert_eq!(pauses, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(next_pause(true, retry, interval), (interval, FIRST_RETRY));
        assert_eq!(
            next_pause(false, FIRST_RETRY, interval).0,
            Duration::from_secs(2)
        );
    }

    #[test]
    fn a_sync_that_recorded_cancellations_tells_the_jobs_unless_it_was_a_dry_run() {
        let result = Ok(SyncSummary {
            accepted_cancellations: 1,
            ..SyncSummary::default()
        });
        let real = after_sync(&google(), &result, false);
        assert!(real.status.ok && real.succeeded && real.skipped_weeks);
        assert_eq!(
            real.status.detail,
            "calendar team@example.com, 8 weeks ahead"
        );
        let dry = after_sync(&google(), &result, true);
        assert!(dry.status.ok && !dry.succeeded && !dry.skipped_weeks);
        let failed = Err(SyncError::Calendar(CalendarError::Auth("expired".into())));
        let failed = after_sync(&google(), &failed, false);
        assert!(!failed.status.ok && !failed.succeeded && !failed.skipped_weeks);
    }

    #[tokio::test]
    async fn a_failed_sync_marks_the_status_not_ok_with_the_error() {
        let (mut state, _dir) = state_at("2026-11-29T09:00:00+09:00");
        state.config.google = Some(google());
        let down = FakeCalendar {
            down: true,
            ..FakeCalendar::default()
        };
        let result = reconcile(&state, &google(), &down, false, &mut |_| {}).await;
        assert!(result.is_err());
        let status = status(&state);
        assert!(!status.ok);
        assert!(
            status.detail.starts_with("last sync failed: ")
                && status.detail.contains("connection refused"),
            "{}",
            status.detail
        );
        assert_eq!(
            state.metrics.last_successful_sync.load(Ordering::Relaxed),
            0
        );
    }

    #[tokio::test]
    async fn a_dry_run_changes_nothing_and_a_real_sync_is_remembered() {
        let (mut state, _dir) = state_at("2026-11-29T09:00:00+09:00");
        state.config.google = Some(google());
        let calendar = FakeCalendar::default();
        let mut lines = Vec::new();
        let planned = reconcile(&state, &google(), &calendar, true, &mut |l| lines.push(l))
            .await
            .unwrap();
        assert!(planned.inserted > 0, "the dry run reports what it would do");
        assert_eq!(lines.len(), planned.inserted);
        assert!(calendar.inserted.lock().unwrap().is_empty());
        assert_eq!(
            state.metrics.last_successful_sync.load(Ordering::Relaxed),
            0
        );
        let done = reconcile(&state, &google(), &calendar, false, &mut |_| {})
            .await
            .unwrap();
        assert_eq!(done.inserted, planned.inserted);
        assert_eq!(calendar.inserted.lock().unwrap().len(), planned.inserted);
        assert_eq!(
            state.metrics.last_successful_sync.load(Ordering::Relaxed),
            state.clock.now().timestamp()
        );
        assert!(status(&state).ok);
    }
}
