//! A copy of the store's history search entries in one file beside the
//! database, for a one-shot `history` without a daemon: reading it
//! sequentially costs milliseconds where walking the same entries through
//! sled costs a second at 110,000 records (sled materialises every page).
//!
//! It is a cache, never the truth. Its header names the store's generation
//! (a random token sled replaces in the same batch as every change of the
//! records or their entries), so a file that does not match the store is
//! never used; it is written whole through the atomic writer, so it is never
//! half there. It also holds the records the entries point at, so a search
//! can answer without opening sled at all (opening it costs 20–40 ms: it
//! fsyncs), when the store's closed marker ([`mark_closed`]) says which
//! generation the store had when the last process let go of it.
//!
//! Layout: the magic `WPSRCH03`, the 16-byte generation, then the entries
//! (the bytes sled holds, in sled's key order: newest first) in blocks of up
//! to 256: each block is a little-endian u32 entry count, a u64 byte length,
//! the [`PairFilter`] of its entries' texts (a search for words a block
//! cannot hold skips it unread: an absent word reads the filters alone), and
//! its entries, each a u32 key length, u32 value length, the key and the
//! value. Then an end mark (`u32::MAX`) and the entry count as a u64; the
//! records in the entries' shape, unblocked; a table of the records (u32 key
//! length, key, u64 value offset, u32 value length each); and a footer: the
//! table's offset, its length in records, both u64, and the magic again.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::domain::history::PairFilter;

const MAGIC: &[u8; 8] = b"WPSRCH03";
const FOOTER: u64 = 24;
/// The closed marker: its magic, then the generation.
const CLOSED_MAGIC: &[u8; 8] = b"WPCLOSED";
const END: u32 = u32::MAX;
/// Entries per block: as in the index in memory, small enough to skip well,
/// large enough that the filters stay a small part of the file.
const BLOCK_ENTRIES: u32 = 256;
/// A block's head: its entry count and byte length, then its filter.
const BLOCK_HEAD: usize = 4 + 8 + PairFilter::BYTES;

/// The store's search generation: which version of the entries a file holds.
pub(crate) type Generation = [u8; 16];

/// The file's bytes: entries given in key order, then records in key order.
pub(crate) struct Writer {
    bytes: Vec<u8>,
    count: u64,
    /// The entries of the block being filled, its entry count and its filter.
    block: Vec<u8>,
    block_count: u32,
    filter: PairFilter,
    /// The records' table, once the entries are closed.
    table: Option<Vec<u8>>,
    records: u64,
}

fn length(bytes: &[u8]) -> io::Result<u32> {
    u32::try_from(bytes.len())
        .ok()
        .filter(|&n| n != END)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "entry over 4 GiB"))
}

impl Writer {
    pub(crate) fn new(generation: &Generation) -> Self {
        let mut bytes = Vec::with_capacity(1 << 20);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(generation);
        Self {
            bytes,
            count: 0,
            block: Vec::new(),
            block_count: 0,
            filter: PairFilter::default(),
            table: None,
            records: 0,
        }
    }

    /// Adds a search entry whose normalised text is `text`; every entry
    /// comes before the first record.
    pub(crate) fn push(&mut self, key: &[u8], value: &[u8], text: &str) -> io::Result<()> {
        if self.table.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a search entry after the records",
            ));
        }
        push_pair(&mut self.block, key, value)?;
        self.filter.insert_text(text);
        self.block_count += 1;
        self.count += 1;
        if self.block_count == BLOCK_ENTRIES {
            self.end_block();
        }
        Ok(())
    }

    fn end_block(&mut self) {
        if self.block_count == 0 {
            return;
        }
        self.bytes
            .extend_from_slice(&self.block_count.to_le_bytes());
        self.bytes
            .extend_from_slice(&(self.block.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(&self.filter.to_bytes());
        self.bytes.append(&mut self.block);
        self.block_count = 0;
        self.filter = PairFilter::default();
    }

    /// Adds a record that entries point at.
    pub(crate) fn push_record(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        if self.table.is_none() {
            self.end_block();
            self.end_section(self.count);
            self.table = Some(Vec::new());
        }
        push_pair(&mut self.bytes, key, value)?;
        let value_at = (self.bytes.len() - value.len()) as u64;
        let table = self.table.as_mut().expect("opened above");
        table.extend_from_slice(&length(key)?.to_le_bytes());
        table.extend_from_slice(key);
        table.extend_from_slice(&value_at.to_le_bytes());
        table.extend_from_slice(&length(value)?.to_le_bytes());
        self.records += 1;
        Ok(())
    }

    fn end_section(&mut self, count: u64) {
        self.bytes.extend_from_slice(&END.to_le_bytes());
        self.bytes.extend_from_slice(&count.to_le_bytes());
    }

    /// Writes the file atomically; the state directory's owner keeps owning it
    /// (the CLI may run as root beside a daemon's dynamic user).
    pub(crate) fn write(mut self, path: &Path) -> io::Result<()> {
        let table = match self.table.take() {
            Some(table) => table,
            None => {
                self.end_block();
                self.end_section(self.count);
                Vec::new()
            }
        };
        self.end_section(self.records);
        let table_at = self.bytes.len() as u64;
        self.bytes.extend_from_slice(&table);
        self.bytes.extend_from_slice(&table_at.to_le_bytes());
        self.bytes.extend_from_slice(&self.records.to_le_bytes());
        self.bytes.extend_from_slice(MAGIC);
        crate::atomic_file::write_state_file(
            path,
            &self.bytes,
            crate::atomic_file::Existing::Replace,
        )
        .map(drop)
    }
}

fn push_pair(bytes: &mut Vec<u8>, key: &[u8], value: &[u8]) -> io::Result<()> {
    let (key_length, value_length) = (length(key)?, length(value)?);
    bytes.extend_from_slice(&key_length.to_le_bytes());
    bytes.extend_from_slice(&value_length.to_le_bytes());
    bytes.extend_from_slice(key);
    bytes.extend_from_slice(value);
    Ok(())
}

/// The generation a file holds, if it is one of ours.
pub(crate) fn generation_of(path: &Path) -> io::Result<Option<Generation>> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut header = [0u8; 24];
    match file.read_exact(&mut header) {
        Ok(()) if &header[..8] == MAGIC => Ok(Some(header[8..].try_into().expect("16 bytes"))),
        Ok(()) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

/// Calls `visit` with each entry in order until it breaks, when the file
/// holds `generation`, leaving out (unread) the blocks whose filter
/// `may_match` refuses. `Ok(false)`: no such file, or another generation
/// (the caller reads the store instead). An error means a damaged file.
pub(crate) fn scan<E>(
    path: &Path,
    generation: &Generation,
    may_match: impl Fn(&PairFilter) -> bool,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<ControlFlow<()>, E>,
) -> Result<bool, ScanError<E>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(ScanError::Io(e)),
    };
    let size = file.metadata()?.len();
    let mut header = [0u8; 24];
    if size < 24 + FOOTER {
        return Ok(false);
    }
    file.read_exact_at(&mut header, 0)?;
    if &header[..8] != MAGIC || &header[8..] != generation {
        return Ok(false);
    }
    // A file cut short is damaged even where its entries are whole.
    let mut magic = [0u8; 8];
    file.read_exact_at(&mut magic, size - 8)?;
    if &magic != MAGIC {
        return Err(damaged());
    }
    let mut at = 24u64;
    let mut count = 0u64;
    let mut head = vec![0u8; BLOCK_HEAD];
    let mut block = Vec::new();
    loop {
        if at + 12 > size {
            return Err(damaged());
        }
        file.read_exact_at(&mut head[..12], at)?;
        let entries = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
        let bytes = u64::from_le_bytes(head[4..12].try_into().expect("8 bytes"));
        if entries == END {
            // The entry count follows the end mark; it must agree with what was read.
            let total = u64::from_le_bytes(head[4..12].try_into().expect("8 bytes"));
            return if total == count {
                Ok(true)
            } else {
                Err(damaged())
            };
        }
        let end = (at + BLOCK_HEAD as u64)
            .checked_add(bytes)
            .filter(|&end| end <= size - FOOTER)
            .ok_or_else(damaged)?;
        file.read_exact_at(&mut head[12..], at + 12)?;
        let filter = PairFilter::from_bytes(&head[12..]).expect("BLOCK_HEAD holds a filter");
        count += u64::from(entries);
        at += BLOCK_HEAD as u64;
        if !may_match(&filter) {
            at = end;
            continue;
        }
        block.resize(bytes as usize, 0);
        file.read_exact_at(&mut block, at)?;
        at = end;
        let mut rest = block.as_slice();
        for _ in 0..entries {
            let (key, value, after) = split_pair(rest).ok_or_else(damaged)?;
            rest = after;
            if visit(key, value).map_err(ScanError::Visit)?.is_break() {
                return Ok(true);
            }
        }
        if !rest.is_empty() {
            return Err(damaged());
        }
    }
}

/// The first entry of `bytes` (its key and value) and what follows it.
fn split_pair(bytes: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let key_length = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let value_length = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    let key_end = 8usize.checked_add(key_length)?;
    let value_end = key_end.checked_add(value_length)?;
    Some((
        bytes.get(8..key_end)?,
        bytes.get(key_end..value_end)?,
        bytes.get(value_end..)?,
    ))
}

/// The stored values of `keys` from the file's records, when it holds
/// `generation` (`Ok(None)` otherwise). A key the file does not hold is
/// absent from the answer. Reads the table and then only those values.
pub(crate) fn records(
    path: &Path,
    generation: &Generation,
    keys: &BTreeSet<Vec<u8>>,
) -> io::Result<Option<HashMap<Vec<u8>, Vec<u8>>>> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut header = [0u8; 24];
    file.read_exact(&mut header)?;
    if &header[..8] != MAGIC || &header[8..] != generation {
        return Ok(None);
    }
    let size = file.seek(SeekFrom::End(0))?;
    let mut footer = [0u8; FOOTER as usize];
    if size < 24 + FOOTER {
        return Err(damaged_io());
    }
    file.read_exact_at(&mut footer, size - FOOTER)?;
    let table_at = u64::from_le_bytes(footer[..8].try_into().expect("8 bytes"));
    let rows = u64::from_le_bytes(footer[8..16].try_into().expect("8 bytes"));
    if &footer[16..] != MAGIC || table_at > size - FOOTER {
        return Err(damaged_io());
    }
    let mut table = vec![0u8; (size - FOOTER - table_at) as usize];
    file.read_exact_at(&mut table, table_at)?;
    let mut found = HashMap::with_capacity(keys.len());
    let mut at = 0;
    let read = |n: usize, at: &mut usize| -> io::Result<&[u8]> {
        let bytes = table.get(*at..*at + n).ok_or_else(damaged_io)?;
        *at += n;
        Ok(bytes)
    };
    for _ in 0..rows {
        let key_length = u32::from_le_bytes(read(4, &mut at)?.try_into().expect("4 bytes"));
        let key = read(key_length as usize, &mut at)?.to_vec();
        let value_at = u64::from_le_bytes(read(8, &mut at)?.try_into().expect("8 bytes"));
        let value_length = u32::from_le_bytes(read(4, &mut at)?.try_into().expect("4 bytes"));
        if keys.contains(&key) {
            if value_at.saturating_add(u64::from(value_length)) > table_at {
                return Err(damaged_io());
            }
            let mut value = vec![0u8; value_length as usize];
            file.read_exact_at(&mut value, value_at)?;
            found.insert(key, value);
        }
    }
    if at != table.len() {
        return Err(damaged_io());
    }
    Ok(Some(found))
}

/// Records that the store, flushed, holds `generation` as its process lets
/// go of it: until a process changes the store again ([`clear_closed`]), a
/// search file of that generation is current without asking sled.
pub(crate) fn mark_closed(marker: &Path, generation: &Generation) -> io::Result<()> {
    if closed_generation(marker).ok().flatten().as_ref() == Some(generation) {
        return Ok(());
    }
    let mut bytes = CLOSED_MAGIC.to_vec();
    bytes.extend_from_slice(generation);
    crate::atomic_file::write_state_file(marker, &bytes, crate::atomic_file::Existing::Replace)
        .map(drop)
}

/// Removes the closed marker, durably, before a process changes the store.
pub(crate) fn clear_closed(marker: &Path) -> io::Result<()> {
    match std::fs::remove_file(marker) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    match marker.parent() {
        Some(dir) => std::fs::File::open(dir)?.sync_all(),
        None => Ok(()),
    }
}

/// The generation the store had when it was last closed, if nothing has
/// opened it for a change since.
pub(crate) fn closed_generation(marker: &Path) -> io::Result<Option<Generation>> {
    let bytes = match std::fs::read(marker) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(bytes
        .strip_prefix(CLOSED_MAGIC)
        .and_then(|rest| Generation::try_from(rest).ok()))
}

/// Why a file could not be read to its end.
#[derive(Debug)]
pub(crate) enum ScanError<E> {
    Io(io::Error),
    Visit(E),
}

impl<E> From<io::Error> for ScanError<E> {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

fn damaged<E>() -> ScanError<E> {
    ScanError::Io(damaged_io())
}

fn damaged_io() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the search entries file is damaged",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Larger than a block's usual size.
    const LARGE: usize = (1 << 20) + 3;

    fn everything(_: &PairFilter) -> bool {
        true
    }

    fn entries(n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..n)
            .map(|i| {
                let key = format!("search/{i:08}").into_bytes();
                // Some entries much larger than the others.
                let size = if i % 97 == 5 { LARGE } else { i % 300 };
                (key, vec![(i % 251) as u8; size])
            })
            .collect()
    }

    fn write(path: &Path, generation: &Generation, entries: &[(Vec<u8>, Vec<u8>)]) {
        let mut writer = Writer::new(generation);
        for (key, value) in entries {
            writer.push(key, value, "text").unwrap();
        }
        writer.write(path).unwrap();
    }

    #[test]
    fn every_entry_comes_back_in_order_only_for_its_generation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search-entries");
        let written = entries(500);
        write(&path, &[7; 16], &written);
        assert_eq!(generation_of(&path).unwrap(), Some([7; 16]));
        let mut read = Vec::new();
        let used = scan::<()>(&path, &[7; 16], everything, |k, v| {
            read.push((k.to_vec(), v.to_vec()));
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
        assert!(used);
        assert_eq!(read, written);
        let stale = scan::<()>(&path, &[8; 16], everything, |_, _| {
            panic!("a stale file is never read")
        });
        assert!(!stale.unwrap());
        let missing = scan::<()>(
            &dir.path().join("none"),
            &[7; 16],
            everything,
            |_, _| unreachable!(),
        );
        assert!(!missing.unwrap());
    }

    #[test]
    fn records_are_read_by_key_without_reading_the_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search-entries");
        let mut writer = Writer::new(&[3; 16]);
        writer.push(b"search/a", b"entry", "entry").unwrap();
        for (key, value) in entries(300) {
            writer.push_record(&key, &value).unwrap();
        }
        assert!(
            writer.push(b"search/b", b"late", "late").is_err(),
            "entries come first"
        );
        writer.write(&path).unwrap();
        let wanted: BTreeSet<Vec<u8>> = [5usize, 103, 299]
            .iter()
            .map(|i| format!("search/{i:08}").into_bytes())
            .chain([b"absent".to_vec()])
            .collect();
        let found = records(&path, &[3; 16], &wanted).unwrap().unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found[&b"search/00000005"[..]].len(), LARGE);
        assert_eq!(found[&b"search/00000103"[..]], vec![103u8; 103]);
        assert!(records(&path, &[4; 16], &wanted).unwrap().is_none());
        let mut entries_read = 0;
        scan::<()>(&path, &[3; 16], everything, |_, _| {
            entries_read += 1;
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
        assert_eq!(entries_read, 1);
    }

    #[test]
    fn the_closed_marker_is_written_read_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("store-closed");
        assert_eq!(closed_generation(&marker).unwrap(), None);
        mark_closed(&marker, &[9; 16]).unwrap();
        assert_eq!(closed_generation(&marker).unwrap(), Some([9; 16]));
        clear_closed(&marker).unwrap();
        clear_closed(&marker).unwrap();
        assert_eq!(closed_generation(&marker).unwrap(), None);
        std::fs::write(&marker, b"garbage").unwrap();
        assert_eq!(closed_generation(&marker).unwrap(), None);
    }

    #[test]
    fn a_search_that_breaks_stops_reading_and_a_cut_file_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search-entries");
        write(&path, &[1; 16], &entries(50));
        let mut seen = 0;
        scan::<()>(&path, &[1; 16], everything, |_, _| {
            seen += 1;
            Ok(if seen == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        })
        .unwrap();
        assert_eq!(seen, 3);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        let cut = scan::<()>(&path, &[1; 16], everything, |_, _| {
            Ok(ControlFlow::Continue(()))
        });
        assert!(matches!(cut, Err(ScanError::Io(_))));
    }

    #[test]
    fn blocks_whose_filter_refuses_the_words_are_never_read() {
        use crate::domain::history::{Matcher, Query};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search-entries");
        let mut writer = Writer::new(&[2; 16]);
        // Three blocks: the second alone holds "デッドロック".
        for i in 0..3 * BLOCK_ENTRIES {
            let text = if i / BLOCK_ENTRIES == 1 && i % 7 == 0 {
                "ジョブキューでデッドロック"
            } else {
                "ディスク枯渇"
            };
            let key = format!("search/{i:08}").into_bytes();
            writer.push(&key, text.as_bytes(), text).unwrap();
        }
        writer.write(&path).unwrap();
        let matcher = |text: &str| {
            Matcher::new(&Query {
                text: Some(text.into()),
                ..Query::default()
            })
        };
        let visited = |text: &str| {
            let matcher = matcher(text);
            let mut seen = Vec::new();
            assert!(
                scan::<()>(
                    &path,
                    &[2; 16],
                    |f| matcher.may_match(f),
                    |k, _| {
                        seen.push(String::from_utf8(k.to_vec()).unwrap());
                        Ok(ControlFlow::Continue(()))
                    }
                )
                .unwrap()
            );
            seen
        };
        let deadlock = visited("デッドロック");
        assert_eq!(deadlock.len(), BLOCK_ENTRIES as usize);
        assert_eq!(deadlock[0], format!("search/{:08}", BLOCK_ENTRIES));
        assert!(visited("xylophone").is_empty());
        assert_eq!(visited("").len(), 3 * BLOCK_ENTRIES as usize);
        assert_eq!(visited("ディスク").len(), 3 * BLOCK_ENTRIES as usize);
    }
}
