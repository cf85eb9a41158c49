//! The daemon's handle on the session log, able to reopen it. sled keeps the
//! first I/O error (a full disk, say) and refuses every later write until the
//! database is opened again; this handle reopens it once writes can succeed,
//! so the daemon recovers without a restart.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::RwLock;

use chrono::NaiveDate;

use super::{AlertsAbsorbed, ImportSummary, SessionLog, SledLog, StoreError};
use crate::domain::history::{Query, Record};
use crate::domain::incidents::{Episode, Group, Incident};
use crate::domain::log::{Invalid, Learning, Postmortem, Session};
use crate::interchange::Document;

pub struct RecoverableLog {
    state_dir: PathBuf,
    cache_mib: u64,
    /// `None` only between closing a failed handle and opening the next.
    current: RwLock<Option<SledLog>>,
}

impl RecoverableLog {
    pub fn new(state_dir: PathBuf, cache_mib: u64, log: SledLog) -> Self {
        Self {
            state_dir,
            cache_mib,
            current: RwLock::new(Some(log)),
        }
    }

    /// The open handle (a cheap clone), or why there is none.
    pub fn current(&self) -> Result<SledLog, StoreError> {
        self.current
            .read()
            .expect("store lock poisoned")
            .clone()
            .ok_or_else(|| {
                StoreError::Backend(
                    "the database is being reopened after a write failure; try again shortly"
                        .into(),
                )
            })
    }

    /// Closes the handle and opens the database again. sled locks its files,
    /// so this succeeds only once no other clone of the old handle is in use;
    /// the caller retries later otherwise.
    pub fn reopen(&self) -> Result<(), StoreError> {
        let mut current = self.current.write().expect("store lock poisoned");
        current.take();
        let reopened = SledLog::open_with_cache(&self.state_dir, self.cache_mib)?;
        *current = Some(reopened);
        Ok(())
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.current()?.flush()
    }
}

impl SessionLog for RecoverableLog {
    fn session(&self, meeting: &str, date: NaiveDate) -> Result<Option<Session>, StoreError> {
        self.current()?.session(meeting, date)
    }

    fn sessions(&self, meeting: Option<&str>) -> Result<Vec<Session>, StoreError> {
        self.current()?.sessions(meeting)
    }

    fn sessions_between(
        &self,
        meeting: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<Session>, StoreError> {
        self.current()?.sessions_between(meeting, from, until)
    }

    fn cancelled_dates(&self, meeting: &str) -> Result<BTreeSet<NaiveDate>, StoreError> {
        self.current()?.cancelled_dates(meeting)
    }

    fn update_session(
        &self,
        meeting: &str,
        date: NaiveDate,
        change: &mut dyn FnMut(&mut Session) -> Result<(), Invalid>,
    ) -> Result<Session, StoreError> {
        self.current()?.update_session(meeting, date, change)
    }

    fn put_postmortem(&self, postmortem: &Postmortem) -> Result<(), StoreError> {
        self.current()?.put_postmortem(postmortem)
    }

    fn put_learning(&self, learning: &Learning) -> Result<(), StoreError> {
        self.current()?.put_learning(learning)
    }

    fn postmortems(&self) -> Result<Vec<Postmortem>, StoreError> {
        self.current()?.postmortems()
    }

    fn postmortem(&self, id: &str) -> Result<Option<Postmortem>, StoreError> {
        self.current()?.postmortem(id)
    }

    fn learnings(&self) -> Result<Vec<Learning>, StoreError> {
        self.current()?.learnings()
    }

    fn import(&self, document: &Document) -> Result<ImportSummary, StoreError> {
        self.current()?.import(document)
    }

    fn export(&self) -> Result<Document, StoreError> {
        self.current()?.export()
    }

    fn absorb_alerts(
        &self,
        groups: &[(Group, Vec<Episode>)],
    ) -> Result<AlertsAbsorbed, StoreError> {
        self.current()?.absorb_alerts(groups)
    }

    fn incidents(&self, meeting: Option<&str>) -> Result<Vec<Incident>, StoreError> {
        self.current()?.incidents(meeting)
    }

    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        self.current()?.incident(id)
    }

    fn marker(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.current()?.marker(key)
    }

    fn set_marker(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.current()?.set_marker(key, value)
    }

    fn set_marker_once(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        self.current()?.set_marker_once(key, value)
    }

    fn search(&self, query: &Query) -> Result<Vec<Record>, StoreError> {
        self.current()?.search(query)
    }

    fn search_after(&self, query: &Query, skip: usize) -> Result<Vec<Record>, StoreError> {
        self.current()?.search_after(query, skip)
    }

    fn markers(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.current()?.markers(prefix)
    }

    fn revision(&self) -> Result<Option<[u8; 16]>, StoreError> {
        self.current()?.revision()
    }
}
