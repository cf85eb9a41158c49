//! The store port: what the rest of the program needs from the session log,
//! whatever keeps it. [`sled_log`] is the adapter on disk.

pub mod facts;
pub mod read_only;
pub mod recoverable;
pub(crate) mod search_file;
pub mod sled_log;

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::domain::actions::Action;
use crate::domain::history::{Query, Record};
use crate::domain::incidents::{Episode, Group, Incident};
use crate::domain::log::{Invalid, Learning, Postmortem, Session};
use crate::interchange::Document;

pub use facts::{FactLog, PostKey};
pub use recoverable::RecoverableLog;
pub use sled_log::SledLog;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database at {path} is in use by another process: the daemon (`weekly-postmortem run`) is probably running; stop it or use its local API"
    )]
    Locked { path: String },
    #[error(
        "the database at {path} has schema version {found}, newer than this binary understands ({supported}); upgrade weekly-postmortem or restore a backup"
    )]
    TooNew {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("{0}")]
    Invalid(Invalid),
    #[error("no {what} with id {id:?}")]
    NotFound { what: &'static str, id: String },
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Backend(String),
    #[error("cannot open {path}: the disk is full (no space left on device)")]
    DiskFull { path: String },
}

/// Less free space than this in the state directory's file system counts as a
/// full disk: sled's next segment or today's backup would not fit.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// `Err` when the file system holding `state_dir` is full: no write will succeed
/// and no database handle could be opened there.
pub fn room_left(state_dir: &std::path::Path) -> Result<(), StoreError> {
    let free = fs2::available_space(state_dir).map_err(|e| {
        StoreError::Backend(format!(
            "cannot tell the free space of {} ({e})",
            state_dir.display()
        ))
    })?;
    if free < MIN_FREE_BYTES {
        return Err(StoreError::Backend(format!(
            "the file system of {} is full ({} KiB free, at least {} KiB needed)",
            state_dir.display(),
            free / 1024,
            MIN_FREE_BYTES / 1024
        )));
    }
    Ok(())
}

/// How an import changed the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What one alert notification changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AlertsAbsorbed {
    pub incidents_changed: usize,
    pub new_episodes: usize,
    pub ended_episodes: usize,
}

impl AlertsAbsorbed {
    /// Nothing new: a retried notification.
    pub fn is_duplicate(&self) -> bool {
        self.incidents_changed == 0
    }
}

/// Prevention actions, and who asked to be reminded of theirs. Every write
/// returns only once it is durable on disk.
pub trait ActionLog: Send + Sync {
    /// The actions, of one meeting or all, in a stable order (by id).
    fn actions(&self, meeting: Option<&str>) -> Result<Vec<Action>, StoreError>;
    fn action(&self, id: &str) -> Result<Option<Action>, StoreError>;
    /// Adds or replaces one action, checked first.
    fn put_action(&self, action: &Action) -> Result<(), StoreError>;
    /// Reads, changes and writes one action atomically (a tracker and a person
    /// closing it at once see each other's change). `change` says whether it
    /// changed anything; `NotFound` when there is no such action.
    fn update_action(
        &self,
        id: &str,
        change: &mut dyn FnMut(&mut Action) -> bool,
    ) -> Result<(Action, bool), StoreError>;
    /// Whether the Discord user asked for a message the day before their
    /// actions are due (`/action remind on`).
    fn wants_action_reminders(&self, user_id: &str) -> Result<bool, StoreError>;
    fn set_wants_action_reminders(&self, user_id: &str, wanted: bool) -> Result<(), StoreError>;
    /// Whether the reminder for `action_id` due on `due` went out.
    fn action_reminder_sent(&self, action_id: &str, due: NaiveDate) -> Result<bool, StoreError>;
    /// Records that it went out, so a restart never sends it twice.
    fn record_action_reminder(&self, action_id: &str, due: NaiveDate) -> Result<(), StoreError>;
}

/// The session log. Every write returns only once it is durable on disk.
pub trait SessionLog: ActionLog + FactLog + Send + Sync {
    fn session(&self, meeting: &str, date: NaiveDate) -> Result<Option<Session>, StoreError>;
    /// Sessions in date order, for one meeting or all.
    fn sessions(&self, meeting: Option<&str>) -> Result<Vec<Session>, StoreError>;
    /// Sessions of one meeting dated `from..=until`, in date order.
    fn sessions_between(
        &self,
        meeting: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<Session>, StoreError> {
        Ok(self
            .sessions(Some(meeting))?
            .into_iter()
            .filter(|s| s.date >= from && s.date <= until)
            .collect())
    }
    /// Every date people cancelled for `meeting`, over the whole log: session
    /// numbers count from the first session, so a window's numbers depend on
    /// cancellations before it. Adapters answer it without decoding whole sessions.
    fn cancelled_dates(&self, meeting: &str) -> Result<BTreeSet<NaiveDate>, StoreError> {
        Ok(crate::domain::log::cancelled_dates(
            &self.sessions(Some(meeting))?,
            meeting,
        ))
    }
    /// Reads, changes and writes one session atomically; a new session starts empty.
    fn update_session(
        &self,
        meeting: &str,
        date: NaiveDate,
        change: &mut dyn FnMut(&mut Session) -> Result<(), Invalid>,
    ) -> Result<Session, StoreError>;
    fn put_postmortem(&self, postmortem: &Postmortem) -> Result<(), StoreError>;
    fn put_learning(&self, learning: &Learning) -> Result<(), StoreError>;
    fn postmortems(&self) -> Result<Vec<Postmortem>, StoreError>;
    /// One postmortem by id, read by its key (not by reading them all).
    fn postmortem(&self, id: &str) -> Result<Option<Postmortem>, StoreError>;
    fn learnings(&self) -> Result<Vec<Learning>, StoreError>;
    /// Merges a checked document, all or nothing.
    fn import(&self, document: &Document) -> Result<ImportSummary, StoreError>;
    /// The whole log, in a stable order.
    fn export(&self) -> Result<Document, StoreError>;
    /// Adds one notification's alert episodes to their groups' incidents, in
    /// one atomic write: all of it, or (on an error) nothing.
    fn absorb_alerts(&self, groups: &[(Group, Vec<Episode>)])
    -> Result<AlertsAbsorbed, StoreError>;
    /// The incidents, of one meeting or all.
    fn incidents(&self, meeting: Option<&str>) -> Result<Vec<Incident>, StoreError>;
    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError>;
    /// History search: matching records, newest first, at most `query.limit`.
    fn search(&self, query: &Query) -> Result<Vec<Record>, StoreError>;
    /// The same search without its first `skip` results, whose records are
    /// not read: a later page of a long list costs one page of reads.
    fn search_after(&self, query: &Query, skip: usize) -> Result<Vec<Record>, StoreError>;
    /// Which version of the records the store holds: it changes with every
    /// write of a record (not of a marker), so a view computed from the
    /// records stays good while it is the same. `None`: the store cannot say.
    fn revision(&self) -> Result<Option<[u8; 16]>, StoreError>;
}
