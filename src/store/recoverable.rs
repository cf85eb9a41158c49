//! The daemon's handle on the session log, able to reopen it. sled keeps the
//! first I/O error (a full disk, say) and refuses every later write until the
//! database is opened again; this handle reopens it once writes can succeed,
//! so the daemon recovers without a restart. It also reopens it after a
//! call that read much of it, to free the pages sled keeps beyond its cache
//! ([`SledLog::cache_outgrown`]).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::RwLock;

use chrono::NaiveDate;

use super::facts::Markers;
use super::port::{
    ActionLog, HistorySearch, IncidentLog, KnowledgeLog, LogDocument, SessionStore, Upkeep,
};
use super::{AlertsAbsorbed, ImportSummary, SledLog, StoreError};
use crate::domain::actions::Action;
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
    ///
    /// Not while the disk is full: the new handle could not be opened, and the
    /// old one still reads.
    fn reopen(&self) -> Result<(), StoreError> {
        super::room_left(&self.state_dir)?;
        let mut current = self.current.write().expect("store lock poisoned");
        current.take();
        let reopened = SledLog::open_with_cache(&self.state_dir, self.cache_mib)?;
        *current = Some(reopened);
        Ok(())
    }

    /// Runs `f` on the open handle, then sheds sled's cache if `f` outgrew it.
    fn using<T>(&self, f: impl FnOnce(&SledLog) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let log = self.current()?;
        let result = f(&log);
        let outgrown = log.cache_outgrown();
        drop(log);
        if outgrown {
            self.shed_cache();
        }
        result
    }

    /// Closes and reopens the database, keeping the index in memory, when
    /// sled has kept far more pages than its cache and no other call is using
    /// the handle (else a later call does it). Reopening takes 0.1–0.4 s at
    /// 110,000 records; it frees what a full scan left behind (about 66 MiB
    /// there). Returns whether it reopened.
    pub fn shed_cache(&self) -> bool {
        if super::room_left(&self.state_dir).is_err() {
            // Closing now would leave nothing to read with until there is room.
            return false;
        }
        let mut current = self.current.write().expect("store lock poisoned");
        let Some(old) = current.take_if(|log| log.cache_outgrown() && log.is_only_handle()) else {
            return false;
        };
        let started = std::time::Instant::now();
        let index = old.kept_index();
        // Dropping the only handle closes the database (flushing it) and
        // releases its lock, so it opens again at once.
        drop(old);
        let reopened = match SledLog::open_after_close(&self.state_dir, self.cache_mib) {
            Ok(log) => log.keeping(index),
            Err(e) => {
                tracing::warn!(
                    "reopening the store to free its cache: {e}; the health check tries again"
                );
                return false;
            }
        };
        *current = Some(reopened);
        super::sled_log::search::memory::release_freed_memory();
        tracing::debug!(
            "reopened the store to free the pages sled kept, in {} ms",
            started.elapsed().as_millis()
        );
        true
    }
}

impl Upkeep for RecoverableLog {
    fn flush(&self) -> Result<(), StoreError> {
        self.current()?.flush()
    }

    fn recover(&self) -> Result<(), StoreError> {
        self.reopen()
    }
}

impl ActionLog for RecoverableLog {
    fn actions(&self, meeting: Option<&str>) -> Result<Vec<Action>, StoreError> {
        self.using(|log| log.actions(meeting))
    }

    fn action(&self, id: &str) -> Result<Option<Action>, StoreError> {
        self.using(|log| log.action(id))
    }

    fn put_action(&self, action: &Action) -> Result<(), StoreError> {
        self.using(|log| log.put_action(action))
    }

    fn update_action(
        &self,
        id: &str,
        change: &mut dyn FnMut(&mut Action) -> bool,
    ) -> Result<(Action, bool), StoreError> {
        self.using(|log| log.update_action(id, change))
    }

    fn wants_action_reminders(&self, user_id: &str) -> Result<bool, StoreError> {
        self.using(|log| log.wants_action_reminders(user_id))
    }

    fn set_wants_action_reminders(&self, user_id: &str, wanted: bool) -> Result<(), StoreError> {
        self.using(|log| log.set_wants_action_reminders(user_id, wanted))
    }

    fn action_reminder_sent(&self, action_id: &str, due: NaiveDate) -> Result<bool, StoreError> {
        self.using(|log| log.action_reminder_sent(action_id, due))
    }

    fn record_action_reminder(&self, action_id: &str, due: NaiveDate) -> Result<(), StoreError> {
        self.using(|log| log.record_action_reminder(action_id, due))
    }
}

impl SessionStore for RecoverableLog {
    fn session(&self, meeting: &str, date: NaiveDate) -> Result<Option<Session>, StoreError> {
        self.using(|log| log.session(meeting, date))
    }

    fn sessions(&self, meeting: Option<&str>) -> Result<Vec<Session>, StoreError> {
        self.using(|log| log.sessions(meeting))
    }

    fn sessions_between(
        &self,
        meeting: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<Session>, StoreError> {
        self.using(|log| log.sessions_between(meeting, from, until))
    }

    fn cancelled_dates(&self, meeting: &str) -> Result<BTreeSet<NaiveDate>, StoreError> {
        self.using(|log| log.cancelled_dates(meeting))
    }

    fn update_session(
        &self,
        meeting: &str,
        date: NaiveDate,
        change: &mut dyn FnMut(&mut Session) -> Result<(), Invalid>,
    ) -> Result<Session, StoreError> {
        self.using(|log| log.update_session(meeting, date, change))
    }
}

impl KnowledgeLog for RecoverableLog {
    fn put_postmortem(&self, postmortem: &Postmortem) -> Result<(), StoreError> {
        self.using(|log| log.put_postmortem(postmortem))
    }

    fn put_learning(&self, learning: &Learning) -> Result<(), StoreError> {
        self.using(|log| log.put_learning(learning))
    }

    fn postmortems(&self) -> Result<Vec<Postmortem>, StoreError> {
        self.using(|log| log.postmortems())
    }

    fn postmortem(&self, id: &str) -> Result<Option<Postmortem>, StoreError> {
        self.using(|log| log.postmortem(id))
    }

    fn learnings(&self) -> Result<Vec<Learning>, StoreError> {
        self.using(|log| log.learnings())
    }
}

impl IncidentLog for RecoverableLog {
    fn absorb_alerts(
        &self,
        groups: &[(Group, Vec<Episode>)],
    ) -> Result<AlertsAbsorbed, StoreError> {
        self.using(|log| log.absorb_alerts(groups))
    }

    fn incidents(&self, meeting: Option<&str>) -> Result<Vec<Incident>, StoreError> {
        self.using(|log| log.incidents(meeting))
    }

    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        self.using(|log| log.incident(id))
    }
}

impl HistorySearch for RecoverableLog {
    fn search(&self, query: &Query) -> Result<Vec<Record>, StoreError> {
        self.using(|log| log.search(query))
    }

    fn search_after(&self, query: &Query, skip: usize) -> Result<Vec<Record>, StoreError> {
        self.using(|log| log.search_after(query, skip))
    }

    fn revision(&self) -> Result<Option<[u8; 16]>, StoreError> {
        self.using(|log| log.revision())
    }
}

impl LogDocument for RecoverableLog {
    fn import(&self, document: &Document) -> Result<ImportSummary, StoreError> {
        self.using(|log| log.import(document))
    }

    fn export(&self) -> Result<Document, StoreError> {
        self.using(|log| log.export())
    }
}

impl Markers for RecoverableLog {
    fn marker(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.using(|log| log.marker(key))
    }

    fn set_marker(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.using(|log| log.set_marker(key, value))
    }

    fn set_marker_once(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        self.using(|log| log.set_marker_once(key, value))
    }

    fn markers(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.using(|log| log.markers(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SessionLog;

    /// 3,000 learnings of about 1 KiB: more than twice a 1 MiB cache when read.
    fn many_learnings() -> Document {
        let learnings = (0..3_000)
            .map(|i| Learning {
                id: format!("learning-{i:04}"),
                meeting: "weekly".into(),
                date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(i),
                text: format!("復旧手順 {i} {}", "ログを確認した。".repeat(40)),
                tags: vec!["db".into()],
                author: None,
                author_id: None,
            })
            .collect();
        Document {
            learnings,
            ..Document::empty()
        }
    }

    fn search(log: &impl SessionLog, text: &str) -> Vec<String> {
        let query = Query {
            text: Some(text.into()),
            limit: 0,
            ..Query::default()
        };
        log.search(&query).unwrap().iter().map(Record::id).collect()
    }

    #[test]
    fn a_call_that_read_much_of_the_store_reopens_it_keeping_its_records_and_index() {
        let document = many_learnings();
        let plain_dir = tempfile::tempdir().unwrap();
        let plain = SledLog::open_with_cache(plain_dir.path(), 1).unwrap();
        plain.import(&document).unwrap();
        assert!(plain.cache_outgrown(), "this import outgrows a 1 MiB cache");

        let dir = tempfile::tempdir().unwrap();
        let log = RecoverableLog::new(
            dir.path().to_path_buf(),
            1,
            SledLog::open_with_cache(dir.path(), 1).unwrap(),
        );
        log.import(&document).unwrap();
        assert!(
            !log.current().unwrap().cache_outgrown(),
            "reopened after the import"
        );
        assert_eq!(search(&log, "復旧手順 2999"), ["learning-2999"]);
        // Reading the index outgrew the cache again: reopened, the index carried over.
        let reopened = log.current().unwrap();
        assert!(!reopened.cache_outgrown());
        assert!(reopened.index_is_read());
        drop(reopened);

        // While another call holds the handle, it stays open; the next call reopens it.
        let held = log.current().unwrap();
        assert_eq!(log.export().unwrap().learnings.len(), 3_000);
        assert!(held.cache_outgrown(), "not reopened while in use");
        drop(held);
        assert_eq!(log.learnings().unwrap().len(), 3_000);
        let after = log.current().unwrap();
        assert!(!after.cache_outgrown());
        assert!(after.index_is_read());
        drop(after);
        assert_eq!(search(&log, "復旧手順 0 ログ"), ["learning-0000"]);
        assert_eq!(search(&log, "ログを確認").len(), 3_000);
    }
}
