//! The session log on disk, in sled. One tree, keys by record type
//! (`session/{meeting}/{date}`, `postmortem/{id}`, `learning/{id}`,
//! `action/{id}`, …), JSON
//! values. Next to each record its history search entries
//! (`search/{newest-first date}{kind}{id}\0{meeting}`: normalised text and
//! filter fields), written in the same batch, so the search index is never
//! rebuilt from the records: the daemon reads it into memory once and keeps it
//! current on every write; a one-shot command reads a copy of the entries in
//! one file ([`super::search_file`]), checked against the search generation
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

use super::search_file::{self, Generation};
use super::{AlertsAbsorbed, ImportSummary, StoreError};
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

/// sled's page cache when the config does not say (`daemon.cache_mib`).
pub const DEFAULT_CACHE_MIB: u64 = 16;
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

    /// Runs `f` on the index in memory, reading it from the search entries first if needed.
    fn with_index<T>(&self, f: impl FnOnce(&HistoryIndex) -> T) -> Result<T, StoreError> {
        {
            let index = self.index.read().unwrap_or_else(|e| e.into_inner());
            if let Some(index) = index.as_ref() {
                return Ok(f(index));
            }
        }
        // No write may land between reading the entries and installing the index.
        let _writing = self.write_lock();
        let mut slot = self.index.write().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            let index = match self.index_from_search_file() {
                Some(index) => index,
                None => self.index_from_entries()?,
            };
            *slot = Some(index);
            crate::memory::release_freed_memory();
        }
        Ok(f(slot.as_ref().expect("filled above")))
    }

    /// The index read from the search file, when it holds the store's
    /// generation: faster than sled, and it leaves no pages in sled's cache.
    fn index_from_search_file(&self) -> Option<HistoryIndex> {
        let mut index = HistoryIndex::default();
        let read = self.scan_search_file(
            |_| true,
            |key, value| {
                index.push_ordered(decode_entry(key, value)?);
                Ok(ControlFlow::Continue(()))
            },
        );
        read.then(|| {
            index.finish_build();
            index
        })
    }

    /// The index read from the search entries in sled, streamed in key order:
    /// no second copy of every entry while building.
    fn index_from_entries(&self) -> Result<HistoryIndex, StoreError> {
        let mut index = HistoryIndex::default();
        for entry in self.counted(self.db.scan_prefix(SEARCH)) {
            let (key, value) = entry.map_err(backend)?;
            index.push_ordered(decode_entry(&key, &value)?);
        }
        index.finish_build();
        Ok(index)
    }

    /// Finds records through the index in memory (read once, then kept current):
    /// what a long-running process (the daemon) uses.
    pub fn search_in_memory(&self, query: &Query) -> Result<Vec<Record>, StoreError> {
        self.search_in_memory_after(query, 0)
    }

    /// [`Self::search_in_memory`] without its first `skip` results: the
    /// index ranks them all, only the rest are read from sled.
    fn search_in_memory_after(
        &self,
        query: &Query,
        skip: usize,
    ) -> Result<Vec<Record>, StoreError> {
        let mut wider = query.clone();
        if wider.limit > 0 {
            wider.limit += skip;
        }
        let hits = self.with_index(|index| index.search(&wider))?;
        self.resolve(hits.into_iter().skip(skip).collect())
    }

    /// Finds records by reading the search entries newest first, stopping at
    /// `limit` hits: what a one-shot command uses, as it would read every entry
    /// to build an index only to ask it once. The entries come from the search
    /// file when it holds the store's generation, else from sled.
    pub fn search_on_disk(&self, query: &Query) -> Result<Vec<Record>, StoreError> {
        let matcher = Matcher::new(query);
        let hits = match self.search_file_hits(&matcher) {
            Some(hits) => hits,
            None => {
                let mut scan = EntryScan::new(&matcher);
                for entry in self.counted(self.db.range(scan.from.clone()..)) {
                    let (key, value) = entry.map_err(backend)?;
                    if scan.visit(&key, &value)?.is_break() {
                        break;
                    }
                }
                scan.hits
            }
        };
        self.resolve(rank(hits, matcher.limit()))
    }

    /// The hits from the search file; `None` when it is missing, stale or damaged.
    fn search_file_hits(&self, matcher: &Matcher) -> Option<Vec<Hit>> {
        let mut scan = EntryScan::new(matcher);
        let read = self.scan_search_file(
            |filter| matcher.may_match(filter),
            |key, value| scan.visit(key, value),
        );
        read.then_some(scan.hits)
    }

    /// Visits the search file's entries (see [`search_file::scan`]) when it
    /// holds the store's generation. False when it is missing, stale or
    /// damaged: the caller reads the entries in sled instead.
    fn scan_search_file(
        &self,
        may_match: impl Fn(&PairFilter) -> bool,
        visit: impl FnMut(&[u8], &[u8]) -> Result<ControlFlow<()>, StoreError>,
    ) -> bool {
        let Some(generation) = self.search_generation().ok().flatten() else {
            return false;
        };
        match search_file::scan(&self.search_file, &generation, may_match, visit) {
            Ok(read) => read,
            Err(e) => {
                let why = match e {
                    search_file::ScanError::Io(e) => e.to_string(),
                    search_file::ScanError::Visit(e) => e.to_string(),
                };
                tracing::warn!(
                    "{}: {why}; reading the search entries from the database instead",
                    self.search_file.display()
                );
                false
            }
        }
    }

    /// The store's search generation; `None` for a database without one.
    fn search_generation(&self) -> Result<Option<Generation>, StoreError> {
        self.db
            .get(SEARCH_GENERATION_KEY)
            .map_err(backend)?
            .map(|bytes| {
                Generation::try_from(bytes.as_ref()).map_err(|_| {
                    StoreError::Corrupt("the search generation is not 16 bytes".into())
                })
            })
            .transpose()
    }

    /// Writes the search file when it does not hold the store's generation:
    /// every search entry, read from sled in one pass (about a second at
    /// 110,000 records, paid once after the entries changed). Returns whether
    /// it wrote. Only a process that may write the state directory calls it.
    pub fn save_search_file(&self) -> Result<bool, StoreError> {
        // No write may land between reading the generation and the last entry.
        let _writing = self.write_lock();
        let Some(generation) = self.search_generation()? else {
            return Ok(false);
        };
        if search_file::generation_of(&self.search_file)
            .ok()
            .flatten()
            .is_some_and(|saved| saved == generation)
        {
            return Ok(false);
        }
        let failed = |e: std::io::Error| {
            StoreError::Backend(format!("writing {}: {e}", self.search_file.display()))
        };
        let mut file = search_file::Writer::new(&generation);
        for entry in self.counted(self.db.scan_prefix(SEARCH)) {
            let (key, value) = entry.map_err(backend)?;
            let text = EntryView::decode(&key, &value)?.text;
            file.push(&key, &value, &String::from_utf8_lossy(text))
                .map_err(failed)?;
        }
        for prefix in RECORDS {
            for entry in self.counted(self.db.scan_prefix(prefix)) {
                let (key, value) = entry.map_err(backend)?;
                file.push_record(&key, &value).map_err(failed)?;
            }
        }
        file.write(&self.search_file).map_err(failed)?;
        Ok(true)
    }

    /// Reads the search file of another state directory: a private copy of a
    /// database reads the original's (it is checked against the copy's generation).
    pub fn read_search_file_of(mut self, state_dir: &Path) -> Self {
        self.search_file = state_dir.join(SEARCH_FILE);
        self
    }

    /// The records behind search hits, in the same order; one removed since is left out.
    fn resolve(&self, hits: Vec<Hit>) -> Result<Vec<Record>, StoreError> {
        resolve(hits, |key| {
            Ok(self.db.get(key).map_err(backend)?.map(|v| v.to_vec()))
        })
    }

    /// Answers a search from the search file alone, without opening sled,
    /// when the store's closed marker says the file is current: `None`
    /// when it is not (a process has the store open for changes, or crashed
    /// with it open, or the file is missing, stale or damaged).
    pub fn search_closed_store(state_dir: &Path, query: &Query) -> Option<Vec<Record>> {
        let marker = Self::path_in(state_dir).join(CLOSED_MARKER);
        let generation = search_file::closed_generation(&marker).ok().flatten()?;
        let path = state_dir.join(SEARCH_FILE);
        let matcher = Matcher::new(query);
        let mut scan = EntryScan::new(&matcher);
        match search_file::scan(
            &path,
            &generation,
            |filter| matcher.may_match(filter),
            |key, value| scan.visit(key, value),
        ) {
            Ok(true) => {}
            Ok(false) | Err(_) => return None,
        }
        let hits = rank(scan.hits, matcher.limit());
        let keys = hits
            .iter()
            .map(|hit| record_key(hit).into_bytes())
            .collect();
        let mut values = search_file::records(&path, &generation, &keys).ok()??;
        resolve(hits, |key| Ok(values.remove(key.as_bytes()))).ok()
    }
}

/// Where the record a hit points at is stored.
fn record_key(hit: &Hit) -> String {
    match hit.kind {
        RecordKind::Session | RecordKind::Agenda => session_key(&hit.meeting, hit.date),
        RecordKind::Postmortem => format!("{POSTMORTEM}{}", hit.id),
        RecordKind::Learning => format!("{LEARNING}{}", hit.id),
        RecordKind::Incident => incident_key(&hit.id),
        RecordKind::Action => format!("{ACTION}{}", hit.id),
    }
}

/// The records of `hits`, in their order, read through `get`; a hit whose
/// record is gone is left out.
fn resolve(
    hits: Vec<Hit>,
    mut get: impl FnMut(&str) -> Result<Option<Vec<u8>>, StoreError>,
) -> Result<Vec<Record>, StoreError> {
    let mut records = Vec::with_capacity(hits.len());
    // Several hits may share a session: read it once.
    let mut read: std::collections::HashMap<String, Option<Vec<u8>>> = Default::default();
    for hit in hits {
        let key = record_key(&hit);
        let bytes = match read.get(&key) {
            Some(bytes) => bytes.clone(),
            None => {
                let bytes = get(&key)?;
                read.insert(key.clone(), bytes.clone());
                bytes
            }
        };
        let Some(bytes) = bytes else { continue };
        let record = match hit.kind {
            RecordKind::Session => Some(Record::Session(decode(&key, &bytes)?)),
            RecordKind::Agenda => decode::<Session>(&key, &bytes)?
                .agenda
                .into_iter()
                .find(|item| item.id == hit.id)
                .map(|item| Record::Agenda {
                    meeting: hit.meeting.clone(),
                    date: hit.date,
                    item,
                }),
            RecordKind::Postmortem => Some(Record::Postmortem(decode(&key, &bytes)?)),
            RecordKind::Learning => Some(Record::Learning(decode(&key, &bytes)?)),
            RecordKind::Incident => Some(Record::Incident(decode(&key, &bytes)?)),
            RecordKind::Action => Some(Record::Action(decode(&key, &bytes)?)),
        };
        records.extend(record);
    }
    Ok(records)
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
mod search_entries;
use search_entries::*;

#[cfg(test)]
mod tests;
