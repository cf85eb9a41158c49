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
//! Layout: the magic `WPSRCH02`, the 16-byte generation, then each entry as a
//! little-endian u32 key length, u32 value length, the key and the value (the
//! bytes sled holds, in sled's key order: newest first), then an end mark
//! (`u32::MAX`) and the entry count as a u64; the records in the same shape;
//! a table of the records (u32 key length, key, u64 value offset, u32 value
//! length each); and a footer: the table's offset, its length in records,
//! both u64, and the magic again.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::os::unix::fs::FileExt;
use std::path::Path;

const MAGIC: &[u8; 8] = b"WPSRCH02";
const FOOTER: u64 = 24;
/// The closed marker: its magic, then the generation.
const CLOSED_MAGIC: &[u8; 8] = b"WPCLOSED";
const END: u32 = u32::MAX;
/// How much of the file is read at a time: a search that stops after its
/// first hits (a common word, the default limit) reads only the first chunk.
const CHUNK: usize = 1 << 20;

/// The store's search generation: which version of the entries a file holds.
pub(crate) type Generation = [u8; 16];

/// The file's bytes: entries given in key order, then records in key order.
pub(crate) struct Writer {
    bytes: Vec<u8>,
    count: u64,
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
            table: None,
            records: 0,
        }
    }

    /// Adds a search entry; every entry comes before the first record.
    pub(crate) fn push(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        if self.table.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a search entry after the records",
            ));
        }
        self.push_pair(key, value)?;
        self.count += 1;
        Ok(())
    }

    /// Adds a record that entries point at.
    pub(crate) fn push_record(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        if self.table.is_none() {
            self.end_section(self.count);
            self.table = Some(Vec::new());
        }
        self.push_pair(key, value)?;
        let value_at = (self.bytes.len() - value.len()) as u64;
        let table = self.table.as_mut().expect("opened above");
        table.extend_from_slice(&length(key)?.to_le_bytes());
        table.extend_from_slice(key);
        table.extend_from_slice(&value_at.to_le_bytes());
        table.extend_from_slice(&length(value)?.to_le_bytes());
        self.records += 1;
        Ok(())
    }

    fn push_pair(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        let (key_length, value_length) = (length(key)?, length(value)?);
        self.bytes.extend_from_slice(&key_length.to_le_bytes());
        self.bytes.extend_from_slice(&value_length.to_le_bytes());
        self.bytes.extend_from_slice(key);
        self.bytes.extend_from_slice(value);
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
/// holds `generation`. `Ok(false)`: no such file, or another generation (the
/// caller reads the store instead). An error means a damaged file.
pub(crate) fn scan<E>(
    path: &Path,
    generation: &Generation,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<ControlFlow<()>, E>,
) -> Result<bool, ScanError<E>> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(ScanError::Io(e)),
    };
    let mut buffer = vec![0u8; CHUNK];
    let mut filled = fill(&mut file, &mut buffer, 0)?;
    if filled < 24 || &buffer[..8] != MAGIC || &buffer[8..24] != generation {
        return Ok(false);
    }
    // A file cut short is damaged even where its entries are whole.
    let size = file.metadata()?.len();
    let mut magic = [0u8; 8];
    if size < 24 + FOOTER {
        return Err(damaged());
    }
    file.read_exact_at(&mut magic, size - 8)?;
    if &magic != MAGIC {
        return Err(damaged());
    }
    let mut at = 24;
    let mut count = 0u64;
    loop {
        // Make sure the next entry's lengths, and then the entry, are in the buffer.
        if filled - at < 8 {
            (at, filled) = refill(&mut file, &mut buffer, at, filled, 8)?;
        }
        let key_length = u32::from_le_bytes(buffer[at..at + 4].try_into().expect("4 bytes"));
        if key_length == END {
            // The entry count follows the end mark; it must agree with what was read.
            if filled - at < 12 {
                (at, _) = refill(&mut file, &mut buffer, at, filled, 12)?;
            }
            let total = u64::from_le_bytes(buffer[at + 4..at + 12].try_into().expect("8 bytes"));
            return if total == count {
                Ok(true)
            } else {
                Err(damaged())
            };
        }
        let value_length = u32::from_le_bytes(buffer[at + 4..at + 8].try_into().expect("4 bytes"));
        let need = 8 + key_length as usize + value_length as usize;
        if filled - at < need {
            (at, filled) = refill(&mut file, &mut buffer, at, filled, need)?;
        }
        let key = &buffer[at + 8..at + 8 + key_length as usize];
        let value = &buffer[at + 8 + key_length as usize..at + need];
        at += need;
        count += 1;
        if visit(key, value).map_err(ScanError::Visit)?.is_break() {
            return Ok(true);
        }
    }
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

/// Reads into `buffer[from..]` until it is full or the file ends; returns the bytes in it.
fn fill(file: &mut std::fs::File, buffer: &mut [u8], from: usize) -> io::Result<usize> {
    let mut filled = from;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Moves the unread bytes to the front and reads more, until at least `need`
/// bytes are unread (growing the buffer for an entry larger than it). A file
/// that ends first is damaged. Returns the new read position (0) and fill.
fn refill<E>(
    file: &mut std::fs::File,
    buffer: &mut Vec<u8>,
    at: usize,
    filled: usize,
    need: usize,
) -> Result<(usize, usize), ScanError<E>> {
    buffer.copy_within(at..filled, 0);
    let mut filled = filled - at;
    if buffer.len() < need {
        buffer.resize(need.max(CHUNK), 0);
    }
    filled = fill(file, buffer, filled)?;
    if filled < need {
        return Err(damaged());
    }
    Ok((0, filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..n)
            .map(|i| {
                let key = format!("search/{i:08}").into_bytes();
                // Some entries larger than a chunk, to cross the buffer's end.
                let size = if i % 97 == 5 { CHUNK + 3 } else { i % 300 };
                (key, vec![(i % 251) as u8; size])
            })
            .collect()
    }

    fn write(path: &Path, generation: &Generation, entries: &[(Vec<u8>, Vec<u8>)]) {
        let mut writer = Writer::new(generation);
        for (key, value) in entries {
            writer.push(key, value).unwrap();
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
        let used = scan::<()>(&path, &[7; 16], |k, v| {
            read.push((k.to_vec(), v.to_vec()));
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
        assert!(used);
        assert_eq!(read, written);
        let stale = scan::<()>(&path, &[8; 16], |_, _| panic!("a stale file is never read"));
        assert!(!stale.unwrap());
        let missing = scan::<()>(&dir.path().join("none"), &[7; 16], |_, _| unreachable!());
        assert!(!missing.unwrap());
    }

    #[test]
    fn records_are_read_by_key_without_reading_the_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search-entries");
        let mut writer = Writer::new(&[3; 16]);
        writer.push(b"search/a", b"entry").unwrap();
        for (key, value) in entries(300) {
            writer.push_record(&key, &value).unwrap();
        }
        assert!(
            writer.push(b"search/b", b"late").is_err(),
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
        assert_eq!(found[&b"search/00000005"[..]].len(), CHUNK + 3);
        assert_eq!(found[&b"search/00000103"[..]], vec![103u8; 103]);
        assert!(records(&path, &[4; 16], &wanted).unwrap().is_none());
        let mut entries_read = 0;
        scan::<()>(&path, &[3; 16], |_, _| {
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
        scan::<()>(&path, &[1; 16], |_, _| {
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
        let cut = scan::<()>(&path, &[1; 16], |_, _| Ok(ControlFlow::Continue(())));
        assert!(matches!(cut, Err(ScanError::Io(_))));
    }
}
