//! The history search entries sled keeps beside each record: their keys
//! (newest-first date, kind, id), their encoding, the scan of them when the
//! search file is not current, and the migrations that added them.

use super::*;

/// Rewrites the records of one schema version into the next.
pub(in crate::store::sled_log) type Migration = fn(&sled::Db) -> Result<(), StoreError>;
/// `MIGRATIONS[n]` upgrades a database from version `n + 1` to `n + 2`.
pub(in crate::store::sled_log) const MIGRATIONS: &[Migration] = &[
    add_search_entries,
    add_search_generation,
    add_incidents,
    add_actions,
];

/// The search entries a stored value carries (none for markers).
pub(in crate::store::sled_log) fn entries_of(
    key: &str,
    bytes: &[u8],
) -> Result<Vec<IndexEntry>, StoreError> {
    Ok(if key.starts_with(SESSION) {
        IndexEntry::of_session_and_agenda(&decode::<Session>(key, bytes)?)
    } else if key.starts_with(POSTMORTEM) {
        vec![IndexEntry::of_postmortem(&decode::<Postmortem>(
            key, bytes,
        )?)]
    } else if key.starts_with(LEARNING) {
        vec![IndexEntry::of_learning(&decode::<Learning>(key, bytes)?)]
    } else if key.starts_with(ACTION) {
        vec![IndexEntry::of_action(&decode::<Action>(key, bytes)?)]
    } else if key.starts_with(INCIDENT) {
        vec![IndexEntry::of_incident(&decode::<Incident>(key, bytes)?)]
    } else {
        Vec::new()
    })
}

/// Puts into `batch` the search entries that change when the value at `key`
/// goes from `old` to `new`; an RSVP (no searchable text changes) adds nothing.
pub(in crate::store::sled_log) fn stage_search(
    batch: &mut sled::Batch,
    key: &str,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
) -> Result<SearchChanges, StoreError> {
    let old = old
        .map(|b| entries_of(key, b))
        .transpose()?
        .unwrap_or_default();
    let new = new
        .map(|b| entries_of(key, b))
        .transpose()?
        .unwrap_or_default();
    let mut changes = SearchChanges {
        records_changed: RECORDS.iter().any(|prefix| key.starts_with(prefix)),
        ..SearchChanges::default()
    };
    for gone in old.iter().filter(|e| !new.contains(e)) {
        batch.remove(search_key(gone));
        changes.removed.push(gone.hit());
    }
    for added in new.into_iter().filter(|e| !old.contains(e)) {
        batch.insert(search_key(&added), encode_entry(&added));
        changes.added.push(added);
    }
    Ok(changes)
}

/// `search/` and a date, so that later dates sort first.
pub(in crate::store::sled_log) fn search_prefix_for(date: NaiveDate) -> Vec<u8> {
    let newest_first = (i64::from(i32::MAX) - i64::from(date.num_days_from_ce())) as u32;
    let mut key = SEARCH.as_bytes().to_vec();
    key.extend_from_slice(&newest_first.to_be_bytes());
    key
}

pub(in crate::store::sled_log) fn kind_byte(kind: RecordKind) -> u8 {
    kind as u8
}

/// Newest first, then kind and id: the order of search results.
pub(in crate::store::sled_log) fn search_key(entry: &IndexEntry) -> Vec<u8> {
    let mut key = search_prefix_for(entry.date);
    key.push(kind_byte(entry.kind));
    key.extend_from_slice(entry.id.as_bytes());
    key.push(0);
    key.extend_from_slice(entry.meeting.as_bytes());
    key
}

/// The date and kind a search key starts with; `None` for any other key.
pub(in crate::store::sled_log) fn search_key_fields(key: &[u8]) -> Option<(NaiveDate, RecordKind)> {
    let rest = key.strip_prefix(SEARCH.as_bytes())?;
    let newest_first = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    let days = i64::from(i32::MAX) - i64::from(newest_first);
    let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(days).ok()?)?;
    let kind = *RecordKind::ALL.get(usize::from(*rest.get(4)?))?;
    Some((date, kind))
}

/// Value of a search entry: meeting, id and labels, each a u32 length and the
/// bytes, then the normalised text to the end.
pub(in crate::store::sled_log) fn encode_entry(entry: &IndexEntry) -> Vec<u8> {
    let mut out = Vec::with_capacity(entry.text.len() + 64);
    let mut field = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    field(entry.meeting.as_bytes());
    field(entry.id.as_bytes());
    field(&(entry.labels.len() as u32).to_be_bytes());
    for label in &entry.labels {
        field(label.as_bytes());
    }
    out.extend_from_slice(entry.text.as_bytes());
    out
}

/// A search entry read in place, without copying its text.
pub(in crate::store::sled_log) struct EntryView<'a> {
    pub(in crate::store::sled_log) meeting: &'a str,
    pub(in crate::store::sled_log) id: &'a str,
    pub(in crate::store::sled_log) labels: Vec<&'a str>,
    pub(in crate::store::sled_log) text: &'a [u8],
}

impl<'a> EntryView<'a> {
    pub(in crate::store::sled_log) fn decode(
        key: &[u8],
        value: &'a [u8],
    ) -> Result<Self, StoreError> {
        let damaged = || {
            StoreError::Corrupt(format!(
                "search entry {}",
                String::from_utf8_lossy(key).escape_debug()
            ))
        };
        let mut rest = value;
        let field = |rest: &mut &'a [u8]| -> Result<&'a [u8], StoreError> {
            let length = u32::from_be_bytes(
                rest.get(..4)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(damaged)?,
            ) as usize;
            let bytes = rest.get(4..4 + length).ok_or_else(damaged)?;
            *rest = &rest[4 + length..];
            Ok(bytes)
        };
        let text = |bytes: &'a [u8]| std::str::from_utf8(bytes).map_err(|_| damaged());
        let meeting = text(field(&mut rest)?)?;
        let id = text(field(&mut rest)?)?;
        let count = u32::from_be_bytes(field(&mut rest)?.try_into().map_err(|_| damaged())?);
        let labels = (0..count)
            .map(|_| text(field(&mut rest)?))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            meeting,
            id,
            labels,
            text: rest,
        })
    }
}

pub(in crate::store::sled_log) fn decode_entry(
    key: &[u8],
    value: &[u8],
) -> Result<IndexEntry, StoreError> {
    let (date, kind) = search_key_fields(key).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "search entry key {}",
            String::from_utf8_lossy(key).escape_debug()
        ))
    })?;
    let view = EntryView::decode(key, value)?;
    Ok(IndexEntry {
        kind,
        meeting: view.meeting.to_string(),
        date,
        id: view.id.to_string(),
        labels: view.labels.iter().map(|l| l.to_string()).collect(),
        text: std::str::from_utf8(view.text)
            .map_err(|_| StoreError::Corrupt("search entry text is not UTF-8".into()))?
            .to_string(),
    })
}

/// Schema 1 → 2: every record gets its search entries.
pub(in crate::store::sled_log) fn add_search_entries(db: &sled::Db) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for prefix in [SESSION, POSTMORTEM, LEARNING] {
        for entry in db.scan_prefix(prefix) {
            let (key, value) = entry.map_err(backend)?;
            let key = String::from_utf8_lossy(&key).into_owned();
            stage_search(&mut batch, &key, None, Some(&value))?;
        }
    }
    db.apply_batch(batch).map_err(backend)
}

/// A one-shot search over search entries visited in key order (newest first),
/// from sled or from the search file alike.
pub(in crate::store::sled_log) struct EntryScan<'m> {
    pub(in crate::store::sled_log) matcher: &'m Matcher,
    pub(in crate::store::sled_log) since: Option<NaiveDate>,
    /// The first key a result may have: keys before it are newer than `until`.
    pub(in crate::store::sled_log) from: Vec<u8>,
    pub(in crate::store::sled_log) hits: Vec<Hit>,
}

impl<'m> EntryScan<'m> {
    pub(in crate::store::sled_log) fn new(matcher: &'m Matcher) -> Self {
        let (since, until) = matcher.dates();
        // Keys start with the date newest first: `until` is where to start.
        let from = match until {
            Some(until) => search_prefix_for(until),
            None => SEARCH.as_bytes().to_vec(),
        };
        Self {
            matcher,
            since,
            from,
            hits: Vec::new(),
        }
    }

    pub(in crate::store::sled_log) fn visit(
        &mut self,
        key: &[u8],
        value: &[u8],
    ) -> Result<ControlFlow<()>, StoreError> {
        if key < self.from.as_slice() {
            return Ok(ControlFlow::Continue(()));
        }
        let Some((date, kind)) = search_key_fields(key) else {
            return Ok(ControlFlow::Break(())); // past the search entries
        };
        if self.since.is_some_and(|since| date < since) {
            return Ok(ControlFlow::Break(()));
        }
        if !self.matcher.admits_kind(kind) {
            return Ok(ControlFlow::Continue(()));
        }
        let view = EntryView::decode(key, value)?;
        if self.matcher.admits_meeting(view.meeting)
            && self.matcher.admits_labels(&view.labels)
            && self.matcher.admits_text(view.text)
        {
            self.hits.push(Hit {
                kind,
                meeting: view.meeting.to_string(),
                date,
                id: view.id.to_string(),
            });
            if self.hits.len() >= self.matcher.limit() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// A new search generation: random (the hasher's keys come from the OS), so
/// that two copies of a database that were changed apart never share one.
pub(in crate::store::sled_log) fn new_search_generation() -> Generation {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static MADE: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut generation = [0u8; 16];
    for half in generation.chunks_mut(8) {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.write_u64(MADE.fetch_add(1, Ordering::Relaxed));
        half.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    generation
}

/// Schema 3 → 4: incidents (`incident/`, `incident-group/`) and search
/// entries of the kind `incident`. There are none to rewrite; the version
/// says that a binary which does not know the kind must not open the
/// database (it would take an incident's search entry for the end of them).
pub(in crate::store::sled_log) fn add_incidents(_db: &sled::Db) -> Result<(), StoreError> {
    Ok(())
}

/// Schema 4 → 5: prevention actions (`action/`, `action-reminders/`,
/// `action-reminded/`) and search entries of the kind `action`. Nothing to
/// rewrite; as for incidents, the version keeps a binary that does not know
/// the kind from opening the database.
pub(in crate::store::sled_log) fn add_actions(_db: &sled::Db) -> Result<(), StoreError> {
    Ok(())
}

/// Schema 2 → 3: the search generation, which the search file is checked against.
pub(in crate::store::sled_log) fn add_search_generation(db: &sled::Db) -> Result<(), StoreError> {
    db.insert(SEARCH_GENERATION_KEY, &new_search_generation()[..])
        .map(drop)
        .map_err(backend)
}
