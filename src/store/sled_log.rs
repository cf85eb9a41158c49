//! The session log on disk, in sled. One tree, keys by record type
//! (`session/{meeting}/{date}`, `postmortem/{id}`, `learning/{id}`), JSON
//! values, so that one batch makes an import atomic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{ImportSummary, SessionLog, StoreError};
use crate::domain::log::{Invalid, Learning, Postmortem, Session, SkipCode};
use crate::interchange::Document;

/// The schema this binary writes. Bump it with a migration in [`MIGRATIONS`].
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &[u8] = b"meta/schema_version";
/// Rewrites the records of one schema version into the next.
type Migration = fn(&sled::Db) -> Result<(), StoreError>;
/// `MIGRATIONS[n]` upgrades a database from version `n + 1` to `n + 2`.
const MIGRATIONS: &[Migration] = &[];

const SESSION: &str = "session/";
const POSTMORTEM: &str = "postmortem/";
const LEARNING: &str = "learning/";
const MARKER: &str = "marker/";

#[derive(Clone)]
pub struct SledLog {
    db: sled::Db,
    path: PathBuf,
}

impl SledLog {
    /// Opens (creating if needed) the database in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        let path = Self::path_in(state_dir);
        crate::atomic_file::create_private_dir_all(state_dir).map_err(|e| {
            StoreError::Backend(format!(
                "cannot create the state directory {}: {e}",
                state_dir.display()
            ))
        })?;
        let db = sled::Config::new().path(&path).open().map_err(|e| {
            let text = e.to_string();
            if text.contains("could not acquire lock") {
                StoreError::Locked {
                    path: path.display().to_string(),
                }
            } else {
                StoreError::Backend(format!("cannot open {}: {text}", path.display()))
            }
        })?;
        let log = Self { db, path };
        log.migrate()?;
        Ok(log)
    }

    /// Opens the database only if one exists, for commands that just read.
    pub fn open_existing(state_dir: &Path) -> Result<Option<Self>, StoreError> {
        if Self::path_in(state_dir).exists() {
            Self::open(state_dir).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join("db")
    }

    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(backend)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let found = match self.db.get(SCHEMA_KEY).map_err(backend)? {
            Some(bytes) => {
                let bytes: [u8; 4] = bytes
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("the schema version is not 4 bytes".into()))?;
                u32::from_be_bytes(bytes)
            }
            None if self.db.is_empty() => {
                self.write_schema_version(SCHEMA_VERSION)?;
                return Ok(());
            }
            None => {
                return Err(StoreError::Corrupt(
                    "records without a schema version".into(),
                ));
            }
        };
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.display().to_string(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for version in found..SCHEMA_VERSION {
            let step = MIGRATIONS[(version - 1) as usize];
            step(&self.db)?;
            self.write_schema_version(version + 1)?;
        }
        Ok(())
    }

    fn write_schema_version(&self, version: u32) -> Result<(), StoreError> {
        self.db
            .insert(SCHEMA_KEY, &version.to_be_bytes())
            .map_err(backend)?;
        self.flush()
    }

    /// Makes every write so far durable; called before a write is acknowledged.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(backend)
    }

    fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.db
            .get(key)
            .map_err(backend)?
            .map(|bytes| decode(key, &bytes))
            .transpose()
    }

    fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        self.db.insert(key, encode(value)?).map_err(backend)?;
        self.flush()
    }

    fn scan<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<T>, StoreError> {
        self.db
            .scan_prefix(prefix)
            .map(|entry| {
                let (key, value) = entry.map_err(backend)?;
                decode(&String::from_utf8_lossy(&key), &value)
            })
            .collect()
    }
}

fn session_key(meeting: &str, date: NaiveDate) -> String {
    format!("{SESSION}{meeting}/{date}")
}

fn backend(e: sled::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Backend(format!("encoding a record: {e}")))
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("record {key}: {e}")))
}

impl SessionLog for SledLog {
    fn session(&self, meeting: &str, date: NaiveDate) -> Result<Option<Session>, StoreError> {
        self.get(&session_key(meeting, date))
    }

    fn sessions(&self, meeting: Option<&str>) -> Result<Vec<Session>, StoreError> {
        match meeting {
            Some(id) => self.scan(&format!("{SESSION}{id}/")),
            None => self.scan(SESSION),
        }
    }

    fn sessions_between(
        &self,
        meeting: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<Session>, StoreError> {
        // Keys sort by date within a meeting, so this reads only the range.
        self.db
            .range(session_key(meeting, from)..=session_key(meeting, until))
            .map(|entry| {
                let (key, value) = entry.map_err(backend)?;
                decode(&String::from_utf8_lossy(&key), &value)
            })
            .collect()
    }

    fn cancelled_dates(&self, meeting: &str) -> Result<BTreeSet<NaiveDate>, StoreError> {
        /// Only the field that matters here: serde skips the agenda, RSVPs and notes
        /// without building them.
        #[derive(serde::Deserialize)]
        struct ReasonOnly {
            date: NaiveDate,
            #[serde(default)]
            reason: Option<SkipCode>,
        }
        let mut dates = BTreeSet::new();
        for entry in self.db.scan_prefix(format!("{SESSION}{meeting}/")) {
            let (key, value) = entry.map_err(backend)?;
            let session: ReasonOnly = decode(&String::from_utf8_lossy(&key), &value)?;
            if session.reason == Some(SkipCode::Cancelled) {
                dates.insert(session.date);
            }
        }
        Ok(dates)
    }

    fn update_session(
        &self,
        meeting: &str,
        date: NaiveDate,
        change: &mut dyn FnMut(&mut Session) -> Result<(), Invalid>,
    ) -> Result<Session, StoreError> {
        let key = session_key(meeting, date);
        // Compare-and-swap so that a concurrent writer never loses an update.
        loop {
            let old = self.db.get(&key).map_err(backend)?;
            let mut session = match &old {
                Some(bytes) => decode(&key, bytes)?,
                None => Session::new(meeting, date),
            };
            change(&mut session).map_err(StoreError::Invalid)?;
            session.validate().map_err(StoreError::Invalid)?;
            let new = encode(&session)?;
            match self
                .db
                .compare_and_swap(&key, old, Some(new))
                .map_err(backend)?
            {
                Ok(()) => {
                    self.flush()?;
                    return Ok(session);
                }
                Err(_) => continue,
            }
        }
    }

    fn put_postmortem(&self, postmortem: &Postmortem) -> Result<(), StoreError> {
        postmortem.validate().map_err(StoreError::Invalid)?;
        self.put(&format!("{POSTMORTEM}{}", postmortem.id), postmortem)
    }

    fn put_learning(&self, learning: &Learning) -> Result<(), StoreError> {
        learning.validate().map_err(StoreError::Invalid)?;
        self.put(&format!("{LEARNING}{}", learning.id), learning)
    }

    fn postmortems(&self) -> Result<Vec<Postmortem>, StoreError> {
        self.scan(POSTMORTEM)
    }

    fn learnings(&self) -> Result<Vec<Learning>, StoreError> {
        self.scan(LEARNING)
    }

    fn import(&self, document: &Document) -> Result<ImportSummary, StoreError> {
        let mut batch = sled::Batch::default();
        let mut summary = ImportSummary::default();
        // Records already stored as they are stay out of the batch: a repeated
        // import then writes nothing.
        let mut stage = |key: &str, new: Vec<u8>| -> Result<(), StoreError> {
            match self.db.get(key).map_err(backend)? {
                Some(old) if old.as_ref() == new.as_slice() => summary.unchanged += 1,
                Some(_) => {
                    summary.updated += 1;
                    batch.insert(key.as_bytes(), new);
                }
                None => {
                    summary.added += 1;
                    batch.insert(key.as_bytes(), new);
                }
            }
            Ok(())
        };
        for incoming in &document.sessions {
            let key = session_key(&incoming.meeting, incoming.date);
            let merged = match self.get::<Session>(&key)? {
                Some(mut session) => {
                    session.merge_from(incoming);
                    session
                }
                None => incoming.clone(),
            };
            stage(&key, encode(&merged)?)?;
        }
        for pm in &document.postmortems {
            stage(&format!("{POSTMORTEM}{}", pm.id), encode(pm)?)?;
        }
        for learning in &document.learnings {
            stage(&format!("{LEARNING}{}", learning.id), encode(learning)?)?;
        }
        for (meeting, roster) in &document.rosters {
            let roster = serde_json::to_string(roster)
                .map_err(|e| StoreError::Backend(format!("encoding a roster: {e}")))?;
            stage(&format!("{MARKER}roster/{meeting}"), encode(&roster)?)?;
        }
        self.db.apply_batch(batch).map_err(backend)?;
        self.flush()?;
        Ok(summary)
    }

    fn marker(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.get(&format!("{MARKER}{key}"))
    }

    fn set_marker(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        let key = format!("{MARKER}{key}");
        match value {
            Some(value) => self.put(&key, &value),
            None => {
                self.db.remove(key).map_err(backend)?;
                self.flush()
            }
        }
    }

    fn set_marker_once(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        let key = format!("{MARKER}{key}");
        let swapped = self
            .db
            .compare_and_swap(&key, None as Option<&[u8]>, Some(encode(&value)?))
            .map_err(backend)?;
        self.flush()?;
        Ok(swapped.is_ok())
    }

    fn markers(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        let full = format!("{MARKER}{prefix}");
        self.db
            .scan_prefix(&full)
            .map(|entry| {
                let (key, value) = entry.map_err(backend)?;
                let key = String::from_utf8_lossy(&key).into_owned();
                let value: String = decode(&key, &value)?;
                Ok((key[MARKER.len()..].to_string(), value))
            })
            .collect()
    }

    fn export(&self) -> Result<Document, StoreError> {
        let mut postmortems = self.postmortems()?;
        postmortems.sort_by(|a, b| {
            (&a.meeting, a.date, &a.title, &a.id).cmp(&(&b.meeting, b.date, &b.title, &b.id))
        });
        let mut learnings = self.learnings()?;
        learnings.sort_by(|a, b| {
            (&a.meeting, a.date, &a.text, &a.id).cmp(&(&b.meeting, b.date, &b.text, &b.id))
        });
        let rosters = self
            .markers("roster/")?
            .into_iter()
            .filter_map(|(key, json)| {
                let roster: Vec<String> = serde_json::from_str(&json).ok()?;
                Some((key["roster/".len()..].to_string(), roster))
            })
            .collect();
        Ok(Document {
            rosters,
            sessions: self.sessions(None)?,
            postmortems,
            learnings,
            ..Document::empty()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::log::{AgendaItem, AgendaKind, SessionStatus, SkipCode};

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_second_open_of_the_same_database_says_it_is_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let _first = SledLog::open(dir.path()).unwrap();
        let err = SledLog::open(dir.path()).err().unwrap();
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        assert!(err.to_string().contains("daemon"));
    }

    #[test]
    fn a_newer_schema_is_refused_with_both_versions_named() {
        let dir = tempfile::tempdir().unwrap();
        {
            let log = SledLog::open(dir.path()).unwrap();
            log.write_schema_version(SCHEMA_VERSION + 1).unwrap();
        }
        let err = SledLog::open(dir.path()).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "the database at {} has schema version 2, newer than this binary understands (1); upgrade weekly-postmortem or restore a backup",
                SledLog::path_in(dir.path()).display()
            )
        );
    }

    #[test]
    fn update_session_creates_validates_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let day = date("2026-12-02");
        {
            let log = SledLog::open(dir.path()).unwrap();
            log.update_session("weekly", day, &mut |s| {
                s.agenda.push(AgendaItem {
                    id: "a-1".into(),
                    title: "DB failover".into(),
                    kind: AgendaKind::Incident,
                    presenter: Some("tanaka".into()),
                    link: None,
                    notes: None,
                    added_by: None,
                    added_at: None,
                    ..Default::default()
                });
                Ok(())
            })
            .unwrap();
            let err = log
                .update_session("weekly", day, &mut |s| {
                    s.status = SessionStatus::Held;
                    s.reason = Some(SkipCode::Cancelled);
                    Ok(())
                })
                .unwrap_err();
            assert!(matches!(err, StoreError::Invalid(_)));
        }
        let log = SledLog::open(dir.path()).unwrap();
        let session = log.session("weekly", day).unwrap().unwrap();
        assert_eq!(session.agenda[0].title, "DB failover");
        assert_eq!(session.reason, None, "the invalid change was not stored");
    }

    #[test]
    fn cancelled_dates_are_every_cancellation_of_the_meeting_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let log = SledLog::open(dir.path()).unwrap();
        let skip = |meeting: &str, day: &str, reason: SkipCode| {
            log.update_session(meeting, date(day), &mut |s| {
                s.status = SessionStatus::Skipped;
                s.reason = Some(reason);
                Ok(())
            })
            .unwrap();
        };
        skip("weekly", "2019-02-13", SkipCode::Cancelled);
        skip("weekly", "2026-10-14", SkipCode::Cancelled);
        skip("weekly", "2026-10-21", SkipCode::Holiday);
        skip("weekly-ops", "2026-10-28", SkipCode::Cancelled);
        log.update_session("weekly", date("2026-11-04"), &mut |s| {
            s.notes = Some("held".into());
            Ok(())
        })
        .unwrap();
        let dates = log.cancelled_dates("weekly").unwrap();
        assert_eq!(
            dates,
            BTreeSet::from([date("2019-02-13"), date("2026-10-14")])
        );
        let all = log.sessions(Some("weekly")).unwrap();
        assert_eq!(dates, crate::domain::log::cancelled_dates(&all, "weekly"));
    }
}
