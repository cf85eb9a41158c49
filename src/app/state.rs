//! The one application state of a running program: config, store, holidays,
//! clock, change notifications, integration statuses and metrics. The Discord
//! bot, the HTTP handlers and the daemon's jobs all hold the same `Arc<AppState>`.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::watch;

use super::metrics::Metrics;
use super::{Context, UserError};
use crate::clock::Clock;
use crate::config::{Config, Meeting};
use crate::domain::holidays::JapaneseHolidays;
use crate::domain::schedule::Occurrence;
use crate::store::{SessionLog, StoreError};

/// Which holiday list the schedule uses, for `/healthz`.
#[derive(Debug, Clone)]
pub enum HolidaySource {
    Embedded,
    Downloaded { fetched_at: DateTime<Utc> },
}

pub struct Holidays {
    pub calendar: JapaneseHolidays,
    pub source: HolidaySource,
}

/// On or off, and why: said once at start, kept current for `/healthz`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IntegrationStatus {
    pub name: &'static str,
    pub enabled: bool,
    /// False when enabled but its last attempt failed.
    pub ok: bool,
    pub detail: String,
}

impl IntegrationStatus {
    pub fn new(name: &'static str, enabled: bool, detail: impl Into<String>) -> Self {
        Self {
            name,
            enabled,
            ok: true,
            detail: detail.into(),
        }
    }

    pub fn failed(name: &'static str, enabled: bool, detail: impl Into<String>) -> Self {
        Self {
            ok: false,
            ..Self::new(name, enabled, detail)
        }
    }
}

/// What a write changed, so that each job wakes only for what concerns it
/// (an RSVP does not make the calendar job list Google's events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Agenda items, proposals, carry-over.
    Agenda,
    /// RSVPs and head counts.
    Attendance,
    /// Skips, unskips, cancellations accepted from the calendar.
    Schedule,
    /// The roster and facilitator assignments.
    Roster,
    /// Postmortems and learnings.
    Knowledge,
    /// An import: anything may have changed.
    Import,
}

/// How many kinds of [`Change`] there are.
const CHANGE_KINDS: usize = 6;

impl Change {
    fn index(self) -> usize {
        self as usize
    }
}

/// How often each kind of change happened since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts([u64; CHANGE_KINDS]);

impl ChangeCounts {
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

/// A job's view of the change notifications: wakes on the kinds it named.
pub struct ChangeWatch {
    receiver: watch::Receiver<ChangeCounts>,
    interest: &'static [Change],
    seen: ChangeCounts,
}

impl ChangeWatch {
    /// Returns when a change of interest happened since the last call (or
    /// since subscribing); pending forever once the state is gone.
    pub async fn changed(&mut self) {
        let interest = self.interest;
        let seen = self.seen;
        let result = self
            .receiver
            .wait_for(|now| {
                interest
                    .iter()
                    .any(|c| now.0[c.index()] != seen.0[c.index()])
            })
            .await
            .map(|now| *now);
        match result {
            Ok(now) => self.seen = now,
            Err(_) => std::future::pending().await,
        }
    }
}

/// Since when, and why, the store cannot write; `None` while it can.
#[derive(Debug, Clone)]
pub struct StoreFailure {
    pub since: DateTime<Utc>,
    pub reason: String,
}

/// Figures about the log for `/metrics`, kept current by a job.
#[derive(Debug, Clone, Default)]
pub struct LogSummary {
    /// Per meeting: id, held weeks so far, skipped weeks so far.
    pub weeks: Vec<(String, u64, u64)>,
    pub agenda_items: u64,
    pub rsvps: u64,
    /// Per meeting: id and the next few held sessions (some may have ended since).
    pub upcoming: Vec<(String, Vec<Occurrence>)>,
}

pub struct AppState {
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    /// The store port: the sled log in the daemon, an in-memory log in unit tests.
    pub log: Arc<dyn SessionLog>,
    holidays: RwLock<Holidays>,
    pub metrics: Metrics,
    integrations: RwLock<Vec<IntegrationStatus>>,
    changes: watch::Sender<ChangeCounts>,
    store_failure: RwLock<Option<StoreFailure>>,
    summary: RwLock<Option<LogSummary>>,
    /// Held while a live session's summary is posted: `/session end` and the
    /// live-session job may both find it missing, and only one may post it.
    pub summary_posting: tokio::sync::Mutex<()>,
}

impl AppState {
    pub fn new(
        config: Config,
        clock: Arc<dyn Clock>,
        log: Arc<dyn SessionLog>,
        holidays: Holidays,
        integrations: Vec<IntegrationStatus>,
    ) -> Self {
        Self {
            config,
            clock,
            log,
            holidays: RwLock::new(holidays),
            metrics: Metrics::default(),
            integrations: RwLock::new(integrations),
            changes: watch::Sender::new(ChangeCounts::default()),
            store_failure: RwLock::new(None),
            summary: RwLock::new(None),
            summary_posting: tokio::sync::Mutex::new(()),
        }
    }

    /// The store failed to write at `now`; the first failure's time is kept.
    pub fn store_failed(&self, now: DateTime<Utc>, reason: String) {
        let mut failure = self.store_failure.write().expect("health lock poisoned");
        let since = failure.as_ref().map_or(now, |f| f.since);
        *failure = Some(StoreFailure { since, reason });
    }

    /// The store wrote again.
    pub fn store_recovered(&self) {
        self.store_failure
            .write()
            .expect("health lock poisoned")
            .take();
    }

    pub fn store_failure(&self) -> Option<StoreFailure> {
        self.store_failure
            .read()
            .expect("health lock poisoned")
            .clone()
    }

    pub fn set_summary(&self, summary: LogSummary) {
        *self.summary.write().expect("summary lock poisoned") = Some(summary);
    }

    /// The latest summary; `None` until the first one is done.
    pub fn summary(&self) -> Option<LogSummary> {
        self.summary.read().expect("summary lock poisoned").clone()
    }

    /// Tells the jobs that something of `kind` changed in the log.
    pub fn changed(&self, kind: Change) {
        self.changes
            .send_modify(|counts| counts.0[kind.index()] += 1);
    }

    /// Notifications of the kinds in `interest`, from now on.
    pub fn watch_changes(&self, interest: &'static [Change]) -> ChangeWatch {
        let receiver = self.changes.subscribe();
        let seen = *receiver.borrow();
        ChangeWatch {
            receiver,
            interest,
            seen,
        }
    }

    pub fn set_status(&self, status: IntegrationStatus) {
        let mut all = self.integrations.write().expect("status lock poisoned");
        match all.iter_mut().find(|s| s.name == status.name) {
            Some(existing) => *existing = status,
            None => all.push(status),
        }
    }

    pub fn statuses(&self) -> Vec<IntegrationStatus> {
        self.integrations
            .read()
            .expect("status lock poisoned")
            .clone()
    }

    /// The holiday calendar in use right now (a refresh may replace it).
    pub fn holiday_calendar(&self) -> JapaneseHolidays {
        self.holidays
            .read()
            .expect("holiday lock poisoned")
            .calendar
            .clone()
    }

    pub fn holiday_source(&self) -> (JapaneseHolidays, HolidaySource) {
        let holidays = self.holidays.read().expect("holiday lock poisoned");
        (holidays.calendar.clone(), holidays.source.clone())
    }

    pub fn replace_holidays(&self, holidays: Holidays) {
        *self.holidays.write().expect("holiday lock poisoned") = holidays;
    }

    /// The use-case context of `meeting`, answered in `language` (a web page's
    /// may differ from the config's), with `holidays` (see [`Self::holiday_calendar`]).
    pub fn context<'a>(
        &'a self,
        meeting: &'a Meeting,
        holidays: &'a JapaneseHolidays,
        language: crate::domain::language::Language,
    ) -> Context<'a> {
        Context {
            meeting,
            people: &self.config.people,
            log: self.log.as_ref(),
            holidays,
            language,
            now: self.clock.now(),
        }
    }

    /// Runs a use case for `meeting` with the state's store, holidays and clock.
    pub fn with_use_case<T>(&self, meeting: &Meeting, use_case: impl FnOnce(&Context) -> T) -> T {
        let holidays = self.holiday_calendar();
        use_case(&self.context(meeting, &holidays, self.config.daemon.language))
    }

    /// Runs a use case that may write; a successful answer notifies `writes`.
    pub fn answer<T>(
        &self,
        meeting: &Meeting,
        writes: Option<Change>,
        use_case: impl FnOnce(&Context) -> Result<T, UserError>,
    ) -> Result<T, UserError> {
        let answer = self.with_use_case(meeting, use_case);
        if let (Some(kind), Ok(_)) = (writes, &answer) {
            self.changed(kind);
        }
        answer
    }

    /// Occurrences of a meeting between two dates, with people's cancellations applied.
    pub fn occurrences(
        &self,
        meeting: &Meeting,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<Occurrence>, StoreError> {
        let cancelled = self.log.cancelled_dates(&meeting.id)?;
        let holidays = self.holiday_calendar();
        Ok(
            crate::domain::schedule::Schedule::new(&meeting.rule, &holidays, &cancelled)
                .between(from, until)
                .collect(),
        )
    }

    /// The meeting a chat channel belongs to: the one that names it, else the
    /// first meeting without a channel of its own.
    pub fn meeting_for_channel(&self, channel_id: u64) -> &Meeting {
        let meetings = &self.config.meetings;
        meetings
            .iter()
            .find(|m| m.discord_channel_id.is_some_and(|c| c.0 == channel_id))
            .or_else(|| meetings.iter().find(|m| m.discord_channel_id.is_none()))
            .unwrap_or(&meetings[0])
    }

    /// The channel a meeting's messages go to, when Discord is configured.
    pub fn channel_of(&self, meeting: &Meeting) -> Option<u64> {
        meeting.channel(&self.config).map(|c| c.0)
    }
}

/// An application state for the jobs' unit tests: one meeting on Wednesdays
/// 17:00 Tokyo, Discord announcements in channel 222, voice channel 444,
/// the in-memory store, a temp dir as the state directory and a fixed "now".
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub(crate) fn state_at(now: &str) -> (AppState, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{}[discord]\nguild_id = \"111\"\nchannel_id = \"222\"\nfacilitator_role_id = \"333\"\nvoice_channel_id = \"444\"\n",
            crate::app::fixture::CONFIG
        );
        let config = Config::parse(&dir.path().join("config.toml"), &text).unwrap();
        let now: DateTime<Utc> = now.parse().unwrap();
        let state = AppState::new(
            config,
            Arc::new(crate::clock::FixedClock(now)),
            Arc::new(crate::store::InMemoryLog::new()),
            Holidays {
                calendar: JapaneseHolidays::embedded(),
                source: HolidaySource::Embedded,
            },
            Vec::new(),
        );
        (state, dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_wakes_only_for_the_changes_it_watches() {
        let (sender, _) = watch::channel(ChangeCounts::default());
        let mut calendar = ChangeWatch {
            receiver: sender.subscribe(),
            interest: &[Change::Agenda, Change::Import],
            seen: ChangeCounts::default(),
        };
        sender.send_modify(|c| c.0[Change::Attendance.index()] += 1);
        let woke = tokio::time::timeout(std::time::Duration::from_millis(50), calendar.changed());
        assert!(woke.await.is_err(), "an RSVP must not wake the calendar");
        sender.send_modify(|c| c.0[Change::Agenda.index()] += 1);
        let woke = tokio::time::timeout(std::time::Duration::from_millis(50), calendar.changed());
        assert!(woke.await.is_ok(), "an agenda change wakes it");
        let again = tokio::time::timeout(std::time::Duration::from_millis(50), calendar.changed());
        assert!(again.await.is_err(), "a change is seen once");
    }
}
