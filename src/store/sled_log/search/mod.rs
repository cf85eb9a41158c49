//! The history search in the sled log, in one place. Why each piece exists,
//! with what it bought at 110,000 records (the history bench's data, through
//! the release binary; the figures and their commands are in
//! `docs/performance.md`):
//!
//! - **The index** ([`crate::domain::history::HistoryIndex`], pure, beside the
//!   query and matcher it shares its text rules with): records in columns per
//!   meeting and kind, in blocks with a filter of character pairs, so a search
//!   reads only the blocks that may match and stops at `limit`. A write
//!   changes one block, never a rebuild. `history` p50 0.025 ms in process;
//!   SQLite FTS5 (trigram) took 66 ms for a common word.
//! - **The entries** ([`entries`]): each record's normalised text and filter
//!   fields, written in the record's own batch under `search/`, so the index
//!   is read from them and never rebuilt from records; the migrations that
//!   added them live there too.
//! - **The file** ([`file`]): a copy of the entries in one file, checked
//!   against the search generation (replaced in every batch that changes an
//!   entry) and a closed marker. A one-shot `history` answers from it without
//!   opening sled (p50 7.3–8.6 ms end to end without a daemon), the daemon
//!   reads its index from it at start without a pass over sled, and a stale
//!   file is never read (the first `history` after the records changed
//!   rewrites it: 2.7 s, once).
//! - **The index in memory** (below): the daemon reads it once and keeps it
//!   current under the writer lock, so the first search after a write costs
//!   no more than any other (6.2–7.4 ms end to end through the daemon).
//! - **Memory** ([`memory`], and [`super::super::RecoverableLog`] reopening
//!   the store after a call that read much of it): sled 0.34 keeps the pages
//!   one pass read (66 MiB with a 16 MiB cache) until the database is
//!   dropped; glibc keeps freed heap pages in its arenas. Reopening, trimming
//!   and a fixed mmap threshold keep the daemon at 121.9–123.2 MiB after an
//!   import and searches (goal 128 MiB; 178–223 MiB before), of which the
//!   index is about 69 MiB.
//!
//! What did not pay for itself went: a full-text engine (SQLite, now only the
//! bench's yardstick) and an index rebuilt from the records at start.

pub(super) mod entries;
pub(super) mod file;
pub(crate) mod memory;

use super::*;

impl SledLog {
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
            memory::release_freed_memory();
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
    pub(in crate::store::sled_log) fn search_in_memory_after(
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
    pub(in crate::store::sled_log) fn search_file_hits(
        &self,
        matcher: &Matcher,
    ) -> Option<Vec<Hit>> {
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
    pub(in crate::store::sled_log) fn search_generation(
        &self,
    ) -> Result<Option<Generation>, StoreError> {
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
