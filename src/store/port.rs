//! The store port, one small trait per concern: sessions, knowledge
//! (postmortems and learnings), incidents, prevention actions, the history
//! search, the log as a document (import and export), the small facts of
//! [`super::facts`], and the upkeep of the handle. [`SessionLog`] is all of
//! them: what the daemon holds, whichever adapter keeps it.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::facts::FactLog;
use super::{AlertsAbsorbed, ImportSummary, StoreError};
use crate::domain::actions::Action;
use crate::domain::history::{Query, Record};
use crate::domain::incidents::{Episode, Group, Incident};
use crate::domain::log::{Invalid, Learning, Postmortem, Session};
use crate::interchange::Document;

/// The sessions: agenda, RSVPs, notes and whether a week was held.
pub trait SessionStore: Send + Sync {
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
}

/// What the organisation learned: postmortems and learnings.
pub trait KnowledgeLog: Send + Sync {
    /// Adds or replaces one postmortem, checked first.
    fn put_postmortem(&self, postmortem: &Postmortem) -> Result<(), StoreError>;
    /// Adds or replaces one learning, checked first.
    fn put_learning(&self, learning: &Learning) -> Result<(), StoreError>;
    fn postmortems(&self) -> Result<Vec<Postmortem>, StoreError>;
    /// One postmortem by id, read by its key (not by reading them all).
    fn postmortem(&self, id: &str) -> Result<Option<Postmortem>, StoreError>;
    fn learnings(&self) -> Result<Vec<Learning>, StoreError>;
}

/// Incidents, built from alert notifications.
pub trait IncidentLog: Send + Sync {
    /// Adds one notification's alert episodes to their groups' incidents, in
    /// one atomic write: all of it, or (on an error) nothing.
    fn absorb_alerts(&self, groups: &[(Group, Vec<Episode>)])
    -> Result<AlertsAbsorbed, StoreError>;
    /// The incidents, of one meeting or all.
    fn incidents(&self, meeting: Option<&str>) -> Result<Vec<Incident>, StoreError>;
    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError>;
}

/// Prevention actions, and who asked to be reminded of theirs.
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

/// The history search over every kind of record.
pub trait HistorySearch: Send + Sync {
    /// Matching records, newest first, at most `query.limit`.
    fn search(&self, query: &Query) -> Result<Vec<Record>, StoreError>;
    /// The same search without its first `skip` results, whose records are
    /// not read: a later page of a long list costs one page of reads.
    fn search_after(&self, query: &Query, skip: usize) -> Result<Vec<Record>, StoreError>;
    /// Which version of the records the store holds: it changes with every
    /// write of a record (not of a fact), so a view computed from the
    /// records stays good while it is the same. `None`: the store cannot say.
    fn revision(&self) -> Result<Option<[u8; 16]>, StoreError>;
}

/// The whole log as one `weekly-postmortem/v1` document.
pub trait LogDocument: Send + Sync {
    /// Merges a checked document, all or nothing.
    fn import(&self, document: &Document) -> Result<ImportSummary, StoreError>;
    /// The whole log, in a stable order.
    fn export(&self) -> Result<Document, StoreError>;
}

/// Keeping the handle usable.
pub trait Upkeep: Send + Sync {
    /// Everything written so far is on disk when this returns.
    fn flush(&self) -> Result<(), StoreError>;
    /// Gets a handle that failed (a full disk, say) writing again, if it
    /// can; a store that cannot fail this way has nothing to do.
    fn recover(&self) -> Result<(), StoreError>;
}

/// The session log: every concern at once. Every write returns only once it
/// is durable.
pub trait SessionLog:
    SessionStore
    + KnowledgeLog
    + IncidentLog
    + ActionLog
    + HistorySearch
    + LogDocument
    + FactLog
    + Upkeep
{
}

impl<T> SessionLog for T where
    T: SessionStore
        + KnowledgeLog
        + IncidentLog
        + ActionLog
        + HistorySearch
        + LogDocument
        + FactLog
        + Upkeep
        + ?Sized
{
}

/// The refusal of an import whose action `index` names a postmortem `id`
/// found neither in the document nor in the log.
pub(crate) fn unknown_postmortem(index: usize, id: &str) -> StoreError {
    StoreError::Invalid(Invalid::new(
        format!("actions[{index}].postmortem"),
        format!(
            "names the postmortem \"{id}\", which is neither in this file nor in the log; import the postmortem too, or remove the field"
        ),
        format!(
            "ポストモーテム「{id}」はこのファイルにも記録にもありません。そのポストモーテムも取り込むか、この項目を削除してください"
        ),
    ))
}

/// The whole log of any adapter as a document, each list in the stable order
/// an export promises (so two exports of the same log are the same file).
pub(crate) fn export_of<L>(log: &L) -> Result<Document, StoreError>
where
    L: SessionStore + KnowledgeLog + IncidentLog + ActionLog + FactLog + ?Sized,
{
    let mut postmortems = log.postmortems()?;
    postmortems.sort_by(|a, b| {
        (&a.meeting, a.date, &a.title, &a.id).cmp(&(&b.meeting, b.date, &b.title, &b.id))
    });
    let mut learnings = log.learnings()?;
    learnings.sort_by(|a, b| {
        (&a.meeting, a.date, &a.text, &a.id).cmp(&(&b.meeting, b.date, &b.text, &b.id))
    });
    let rosters = log.rosters()?.into_iter().collect();
    let mut actions = log.actions(None)?;
    actions.sort_by(|a, b| {
        (&a.meeting, a.created, &a.title, &a.id).cmp(&(&b.meeting, b.created, &b.title, &b.id))
    });
    let mut incidents = log.incidents(None)?;
    incidents.sort_by(|a, b| (&a.meeting, a.start, &a.id).cmp(&(&b.meeting, b.start, &b.id)));
    Ok(Document {
        rosters,
        incidents,
        people: log.joined_people()?,
        sessions: log.sessions(None)?,
        postmortems,
        learnings,
        actions,
        ..Document::empty()
    })
}
