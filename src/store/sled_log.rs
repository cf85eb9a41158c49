//! The session log on disk, in sled. One tree, keys by record type
//! (`session/{meeting}/{date}`, `postmortem/{id}`, `learning/{id}`,
//! `action/{id}`, …), JSON
//! values. Next to each record its history search entries
//! (`search/{newest-first date}{kind}{id}\0{meeting}`: normalised text and
//! filter fields), written in the same batch, so the search index is never
//! rebuilt from the records: the daemon reads it into memory once and keeps it
//! current on every write; a one-shot command reads a copy of the entries in
//! one file ([`search::file`], where [`search`] explains each piece of the search), checked against the search generation
//! (`meta/search_generation`, replaced in the batch of every change of the
//! entries), and scans the entries in sled only when that copy is not current.
//!
//! Writes go through one writer lock (one process owns the database, so this
//! is every writer): a read-change-write never interleaves with another, and
//! an import's merge cannot lose an RSVP written meanwhile. Each write is one
//! sled batch (atomic) and is flushed before it is acknowledged.

use crate::store::Upkeep as _;
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{AlertsAbsorbed, DEFAULT_CACHE_MIB, ImportSummary, StoreError};
use crate::domain::actions::Action;
use crate::domain::history::{
    HistoryIndex, Hit, IndexEntry, Matcher, PairFilter, Query, Record, RecordKind, rank,
};
use crate::domain::incidents::{self, Episode, Group, Incident};
use crate::domain::log::{Invalid, Learning, Postmortem, Session, SkipCode};
use crate::interchange::Document;

/// The schema this binary writes. Bump it with a migration in [`MIGRATIONS`].
pub const SCHEMA_VERSION: u32 = 5;
const SCHEMA_KEY: &[u8] = b"meta/schema_version";
/// Which version of the records and their search entries the store holds: a
/// random token, replaced in the same batch as any change of them. Schema 3
/// added it, so a binary that would change them without replacing it refuses
/// the database (a copy checked against it is then never stale).
const SEARCH_GENERATION_KEY: &[u8] = b"meta/search_generation";
/// The copy of the search entries (and the records they point at) a one-shot
/// `history` reads, in the state directory.
pub const SEARCH_FILE: &str = "search-entries";
/// The generation the store had when the last process that changed it let
/// go of it; absent while a process may be changing it. It lives in sled's
/// own directory, so a database removed or put back from elsewhere takes its
/// marker (or its lack of one) with it.
const CLOSED_MARKER: &str = "weekly-postmortem-closed";

const SESSION: &str = "session/";
const POSTMORTEM: &str = "postmortem/";
const LEARNING: &str = "learning/";
/// `incident/{id}`: an incident and its alert episodes.
const INCIDENT: &str = "incident/";
/// `incident-group/{group}/{id}`, empty: the incidents of one alert group,
/// so that a hook reads its group only.
const INCIDENT_GROUP: &str = "incident-group/";
/// `action/{id}`: a prevention action.
const ACTION: &str = "action/";
const MARKER: &str = "marker/";
const SEARCH: &str = "search/";
/// The prefixes of records, which search results are read from.
const RECORDS: [&str; 5] = [SESSION, POSTMORTEM, LEARNING, INCIDENT, ACTION];

/// Bytes read through sled, in multiples of its cache capacity, after which
/// the pages it kept are worth a reopen ([`SledLog::cache_outgrown`]).
const CACHE_OUTGROWN_FACTOR: u64 = 2;

#[derive(Clone)]
pub struct SledLog {
    db: sled::Db,
    path: PathBuf,
    /// Held by every write from its first read to its batch: the single writer.
    writer: Arc<Mutex<()>>,
    /// The search index in memory, once a search asked for it; every write
    /// after that updates it under the writer lock.
    index: Arc<RwLock<Option<HistoryIndex>>>,
    /// Where the copy of the search entries is read and written ([`SEARCH_FILE`]).
    search_file: PathBuf,
    /// Dropped with the last handle: then writes the closed marker.
    closing: Arc<Closing>,
    /// Bytes read or staged through sled since it was opened ([`Self::cache_outgrown`]).
    touched: Arc<AtomicU64>,
    cache_bytes: u64,
}

/// The index in memory of a handle about to be closed ([`SledLog::kept_index`]).
pub struct KeptIndex(Arc<RwLock<Option<HistoryIndex>>>);

/// Keeps the closed marker ([`CLOSED_MARKER`]) true: removed before this
/// process first changes the records, written again once the last handle is
/// dropped and the store flushed (still holding sled's lock, so no other
/// process can have changed it in between).
struct Closing {
    db: sled::Db,
    marker: PathBuf,
    cleared: Mutex<bool>,
}

impl Closing {
    fn before_change(&self) -> Result<(), StoreError> {
        let mut cleared = self.cleared.lock().unwrap_or_else(|e| e.into_inner());
        if !*cleared {
            search_file::clear_closed(&self.marker).map_err(|e| {
                StoreError::Backend(format!("removing {}: {e}", self.marker.display()))
            })?;
            *cleared = true;
        }
        Ok(())
    }
}

impl Drop for Closing {
    fn drop(&mut self) {
        if self.db.flush().is_err() {
            return;
        }
        if let Ok(Some(bytes)) = self.db.get(SEARCH_GENERATION_KEY)
            && let Ok(generation) = Generation::try_from(bytes.as_ref())
            && let Err(e) = search_file::mark_closed(&self.marker, &generation)
        {
            tracing::debug!("{} was not written: {e}", self.marker.display());
        }
    }
}

/// Records an import writes in one batch.
const IMPORT_STAGE_RECORDS: usize = 2_000;

/// An import's writes by key: what was stored before it, and what it stores.
type Staged = std::collections::BTreeMap<String, (Option<sled::IVec>, Vec<u8>)>;

/// An import written in stages of [`IMPORT_STAGE_RECORDS`], each one batch
/// under the writer lock. sled keeps every page an atomic batch touches until
/// the batch ends (110,000 records in one batch took 3 GiB), and other writes
/// (an RSVP during a long import) wait for one stage, not the whole import.
/// The document was checked whole before, and importing is a merge, so an
/// import that a crash cut short can simply be run again.
struct ImportStages<'a> {
    log: &'a SledLog,
    /// Held from a stage's first read to its batch: the merge reads what is
    /// stored, so no other write may land in between.
    writing: Option<MutexGuard<'a, ()>>,
    staged: Staged,
    summary: ImportSummary,
}

impl<'a> ImportStages<'a> {
    fn new(log: &'a SledLog) -> Self {
        Self {
            log,
            writing: Some(log.write_lock()),
            staged: Staged::new(),
            summary: ImportSummary::default(),
        }
    }

    /// What this stage will write under `key`, if anything yet.
    fn pending(&self, key: &str) -> Option<&[u8]> {
        self.staged.get(key).map(|(_, new)| new.as_slice())
    }

    /// Counts what the import makes of `key` and stages it; a full stage is
    /// written at once.
    fn put(&mut self, key: String, new: Vec<u8>) -> Result<(), StoreError> {
        let before = match self.staged.get(&key) {
            Some((stored, _)) => stored.clone(),
            None => self.log.db.get(&key).map_err(backend)?,
        };
        let read = before.as_ref().map_or(0, |old| old.len());
        self.log
            .touched
            .fetch_add((key.len() + read + new.len()) as u64, Ordering::Relaxed);
        match &before {
            Some(old) if old.as_ref() == new.as_slice() => self.summary.unchanged += 1,
            Some(_) => self.summary.updated += 1,
            None => self.summary.added += 1,
        }
        self.staged.insert(key, (before, new));
        if self.staged.len() >= IMPORT_STAGE_RECORDS {
            self.write_stage()?;
            // Let a waiting write in between two stages.
            self.writing = None;
            self.writing = Some(self.log.write_lock());
        }
        Ok(())
    }

    /// Writes the stage in one batch. Records already stored as they are stay
    /// out of it: a repeated import then writes nothing.
    fn write_stage(&mut self) -> Result<(), StoreError> {
        let Some(writing) = &self.writing else {
            return Err(StoreError::Backend(
                "an import stage without the writer lock".into(),
            ));
        };
        let mut batch = sled::Batch::default();
        let mut changes = SearchChanges::default();
        for (key, (before, new)) in std::mem::take(&mut self.staged) {
            if before.as_deref() == Some(new.as_slice()) {
                continue;
            }
            let mut these = stage_search(&mut batch, &key, before.as_deref(), Some(&new))?;
            changes.removed.append(&mut these.removed);
            changes.added.append(&mut these.added);
            changes.records_changed |= these.records_changed;
            batch.insert(key.as_bytes(), new);
        }
        self.log.commit(writing, batch, changes)
    }

    fn finish(mut self) -> Result<ImportSummary, StoreError> {
        self.write_stage()?;
        Ok(self.summary)
    }
}

/// What one write changed in the search entries, to apply to the index in memory.
#[derive(Default)]
struct SearchChanges {
    removed: Vec<Hit>,
    added: Vec<IndexEntry>,
    /// A record (not a marker) changed: the search file's copy of it is stale.
    records_changed: bool,
}

impl SledLog {
    /// Opens (creating if needed) the database in `state_dir`, with the default cache.
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        Self::open_with_cache(state_dir, DEFAULT_CACHE_MIB)
    }

    /// Opens (creating if needed) the database in `state_dir`; sled keeps at
    /// most `cache_mib` MiB of pages in memory.
    pub fn open_with_cache(state_dir: &Path, cache_mib: u64) -> Result<Self, StoreError> {
        let path = Self::path_in(state_dir);
        crate::atomic_file::create_private_dir_all(state_dir).map_err(|e| {
            StoreError::Backend(format!(
                "cannot create the state directory {}: {e}",
                state_dir.display()
            ))
        })?;
        let cache_bytes = cache_mib.saturating_mul(1024 * 1024);
        let db = sled::Config::new()
            .path(&path)
            .cache_capacity(cache_bytes)
            .open()
            .map_err(|e| {
                let text = e.to_string();
                if text.contains("could not acquire lock") {
                    StoreError::Locked {
                        path: path.display().to_string(),
                    }
                } else if matches!(&e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull)
                {
                    StoreError::DiskFull {
                        path: path.display().to_string(),
                    }
                } else {
                    StoreError::Backend(format!("cannot open {}: {text}", path.display()))
                }
            })?;
        let log = Self {
            closing: Arc::new(Closing {
                db: db.clone(),
                marker: path.join(CLOSED_MARKER),
                cleared: Mutex::new(false),
            }),
            db,
            path,
            writer: Arc::new(Mutex::new(())),
            index: Arc::new(RwLock::new(None)),
            search_file: state_dir.join(SEARCH_FILE),
            touched: Arc::default(),
            cache_bytes,
        };
        log.migrate()?;
        Ok(log)
    }

    /// Opens the database only if one exists, for commands that just read.
    /// Opens a database this process has just closed. sled's background
    /// threads may hold its lock a moment after the last handle is dropped,
    /// so a lock still held is waited for (up to two seconds) rather than
    /// reported as another process.
    pub fn open_after_close(state_dir: &Path, cache_mib: u64) -> Result<Self, StoreError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            match Self::open_with_cache(state_dir, cache_mib) {
                Err(StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                opened => return opened,
            }
        }
    }

    pub fn open_existing(state_dir: &Path) -> Result<Option<Self>, StoreError> {
        Self::open_existing_with_cache(state_dir, DEFAULT_CACHE_MIB)
    }

    pub fn open_existing_with_cache(
        state_dir: &Path,
        cache_mib: u64,
    ) -> Result<Option<Self>, StoreError> {
        if Self::path_in(state_dir).exists() {
            Self::open_with_cache(state_dir, cache_mib).map(Some)
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
                self.closing.before_change()?;
                self.db
                    .insert(SEARCH_GENERATION_KEY, &new_search_generation()[..])
                    .map_err(backend)?;
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
        if found < SCHEMA_VERSION {
            self.closing.before_change()?;
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
    /// Whether sled has likely kept far more pages than its cache capacity.
    /// sled 0.34 decides evictions in batches of 64 accesses per shard of
    /// 256, so the pages one pass over much of the database touched stay in
    /// memory until they are touched again: one pass over the 110,000 search
    /// entries kept 66 MiB of pages with a 16 MiB cache. Only dropping the
    /// database frees them (see [`super::RecoverableLog::shed_cache`]).
    pub fn cache_outgrown(&self) -> bool {
        self.touched.load(Ordering::Relaxed) > CACHE_OUTGROWN_FACTOR * self.cache_bytes
    }

    /// Whether no other clone of this handle exists: dropping it closes the database.
    pub fn is_only_handle(&self) -> bool {
        Arc::strong_count(&self.closing) == 1
    }

    /// The index in memory, to carry over to a new handle ([`Self::keeping`]).
    pub fn kept_index(&self) -> KeptIndex {
        KeptIndex(self.index.clone())
    }

    /// This handle with the index of an earlier handle on the same database,
    /// closed since without any write after [`Self::kept_index`].
    pub fn keeping(mut self, index: KeptIndex) -> Self {
        self.index = index.0;
        self
    }

    /// Whether the index in memory has been read.
    #[cfg(test)]
    pub(crate) fn index_is_read(&self) -> bool {
        self.index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Counts what `entries` bring through sled's page cache.
    fn counted(
        &self,
        entries: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>> {
        let touched = self.touched.clone();
        entries.inspect(move |entry| {
            if let Ok((key, value)) = entry {
                touched.fetch_add((key.len() + value.len()) as u64, Ordering::Relaxed);
            }
        })
    }

    /// The writer lock. It guards no data of its own, so a panic in another
    /// writer leaves nothing half-done here (sled batches are atomic).
    fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies one atomic batch and brings the index in memory along; the
    /// caller holds the writer lock. Then the write is made durable.
    fn commit(
        &self,
        _writing: &MutexGuard<'_, ()>,
        mut batch: sled::Batch,
        changes: SearchChanges,
    ) -> Result<(), StoreError> {
        let entries_change = !changes.removed.is_empty() || !changes.added.is_empty();
        if entries_change || changes.records_changed {
            self.closing.before_change()?;
            batch.insert(SEARCH_GENERATION_KEY, &new_search_generation()[..]);
        }
        self.db.apply_batch(batch).map_err(backend)?;
        if entries_change {
            let mut index = self.index.write().unwrap_or_else(|e| {
                // A panic mid-update may have left it half changed: read it again later.
                let mut index = e.into_inner();
                *index = None;
                index
            });
            if let Some(index) = index.as_mut() {
                for hit in &changes.removed {
                    index.remove(hit);
                }
                for entry in changes.added {
                    index.insert(entry);
                }
            }
        }
        Ok(())
    }

    fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.db
            .get(key)
            .map_err(backend)?
            .map(|bytes| decode(key, &bytes))
            .transpose()
    }

    /// Writes one value (a record or a marker) with its search entries.
    fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let new = encode(value)?;
        {
            let writing = self.write_lock();
            let old = self.db.get(key).map_err(backend)?;
            let mut batch = sled::Batch::default();
            let changes = stage_search(&mut batch, key, old.as_deref(), Some(&new))?;
            batch.insert(key.as_bytes(), new);
            self.commit(&writing, batch, changes)?;
        }
        self.flush()
    }

    fn scan<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<T>, StoreError> {
        self.counted(self.db.scan_prefix(prefix))
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

fn incident_key(id: &str) -> String {
    format!("{INCIDENT}{id}")
}

/// Where the incidents of one alert group are listed; the group key is
/// Alertmanager's own text (any characters), so it is hashed.
fn incident_group_prefix(meeting: &str, group_key: &str) -> String {
    let group = crate::domain::log::stable_id("g", &[meeting, group_key]);
    format!("{INCIDENT_GROUP}{group}/")
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

mod actions;
mod port;
pub(crate) mod search;
use search::entries::*;
use search::file::{self as search_file, Generation};

#[cfg(test)]
mod tests;
