//! The history index in memory: entries kept in columns per partition, in
//! blocks with a filter of character pairs, so a search reads only the
//! blocks that may match.

use super::*;

/// The history search index. Records are split into partitions by meeting and
/// kind, so a `meeting` or `kind` filter skips whole partitions; each
/// partition is a list of blocks in newest-first order, so a date range skips
/// whole blocks and a search stops once it has `limit` hits. A block keeps its
/// records' normalised text laid end to end (one SIMD substring scan) and a
/// filter of the character pairs in it (blocks that cannot match are skipped).
/// A write changes one block: O(block), never a rebuild.
#[derive(Default)]
pub struct HistoryIndex {
    partitions: BTreeMap<(String, RecordKind), Partition>,
    len: usize,
}

#[derive(Default)]
struct Partition {
    /// Newest first; never empty blocks.
    blocks: Vec<Block>,
}

/// A record as a block takes it in: its text, and what a search returns or filters on.
struct Slot<'a> {
    date: NaiveDate,
    id: &'a str,
    labels: &'a [String],
    text: &'a str,
}

impl<'a> Slot<'a> {
    fn of(entry: &'a IndexEntry) -> Self {
        Slot {
            date: entry.date,
            id: &entry.id,
            labels: &entry.labels,
            text: &entry.text,
        }
    }

    fn order(&self) -> (Reverse<NaiveDate>, &str) {
        (Reverse(self.date), self.id)
    }
}

/// Strings laid end to end, each followed by [`SEPARATOR`], and where each
/// begins. A block keeps its records' texts, ids and labels this way: a few
/// allocations per block, not several per record. With one per record, the
/// index's small strings were scattered between the pages sled read while
/// the index was built, and kept those pages from going back to the system.
#[derive(Default)]
struct Column {
    bytes: Vec<u8>,
    starts: Vec<usize>,
}

impl Column {
    /// Where value `i` ends (before its separator).
    fn end_of(&self, i: usize) -> usize {
        // Every value is followed by its separator, the last one too.
        self.starts.get(i + 1).copied().unwrap_or(self.bytes.len()) - 1
    }

    fn get(&self, i: usize) -> &[u8] {
        &self.bytes[self.starts[i]..self.end_of(i)]
    }

    fn str(&self, i: usize) -> &str {
        // Only whole strings are ever written into a column of text.
        std::str::from_utf8(self.get(i)).unwrap_or_default()
    }

    fn insert(&mut self, at: usize, value: &[u8]) {
        let start = self.starts.get(at).copied().unwrap_or(self.bytes.len());
        self.bytes.splice(
            start..start,
            value.iter().copied().chain(std::iter::once(SEPARATOR)),
        );
        for later in &mut self.starts[at..] {
            *later += value.len() + 1;
        }
        self.starts.insert(at, start);
    }

    fn remove(&mut self, at: usize) {
        let start = self.starts[at];
        let end = self.end_of(at) + 1;
        self.bytes.drain(start..end);
        self.starts.remove(at);
        for later in &mut self.starts[at..] {
            *later -= end - start;
        }
    }

    /// Moves the values from `at` on into a column of their own.
    fn split_off(&mut self, at: usize) -> Column {
        let Some(&start) = self.starts.get(at) else {
            return Column::default();
        };
        let bytes = self.bytes.split_off(start);
        let starts = self
            .starts
            .split_off(at)
            .iter()
            .map(|s| s - start)
            .collect();
        Column { bytes, starts }
    }

    fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.starts.shrink_to_fit();
    }
}

/// A record's labels as one value of a [`Column`]: each as a u32 length
/// (little-endian) and its bytes.
fn encode_labels(labels: &[String]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for label in labels {
        bytes.extend_from_slice(&(label.len() as u32).to_le_bytes());
        bytes.extend_from_slice(label.as_bytes());
    }
    bytes
}

fn decode_labels(mut bytes: &[u8]) -> Vec<&str> {
    let mut labels = Vec::new();
    while let Some((length, rest)) = bytes.split_first_chunk::<4>() {
        let length = (u32::from_le_bytes(*length) as usize).min(rest.len());
        labels.push(std::str::from_utf8(&rest[..length]).unwrap_or_default());
        bytes = &rest[length..];
    }
    labels
}

struct Block {
    /// Newest first, as are the columns.
    dates: Vec<NaiveDate>,
    ids: Column,
    labels: Column,
    /// The haystack a search scans.
    texts: Column,
    pairs: PairFilter,
}

/// Records a bulk build puts in a block: small enough to skip well, large enough to stay cheap.
const BLOCK_RECORDS: usize = 256;
/// A block that grows past this by inserts is split in two.
const MAX_BLOCK_RECORDS: usize = 2 * BLOCK_RECORDS;
/// Bits per block filter (8 KiB).
const FILTER_BITS: usize = 1 << 16;

/// A Bloom filter (one hash) of the adjacent character pairs of some texts:
/// a block of the index, or of the search file, keeps one so that a search
/// skips the blocks that cannot hold its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairFilter(Vec<u64>);

impl Default for PairFilter {
    fn default() -> Self {
        Self(vec![0; FILTER_BITS / 64])
    }
}

impl PairFilter {
    /// Its size when stored.
    pub const BYTES: usize = FILTER_BITS / 8;

    fn bit(pair: (char, char)) -> usize {
        let hash =
            (u64::from(pair.0) << 21 | u64::from(pair.1)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (hash >> (64 - 16)) as usize
    }

    fn insert(&mut self, pair: (char, char)) {
        let bit = Self::bit(pair);
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    /// Adds the pairs of a normalised text.
    pub fn insert_text(&mut self, text: &str) {
        pairs(text).for_each(|p| self.insert(p));
    }

    pub(super) fn may_contain(&self, pair: (char, char)) -> bool {
        let bit = Self::bit(pair);
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The filter as stored: [`PairFilter::BYTES`] bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|word| word.to_le_bytes()).collect()
    }

    /// A stored filter; `None` when `bytes` is not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (bytes.len() == Self::BYTES).then(|| {
            Self(
                bytes
                    .chunks_exact(8)
                    .map(|word| u64::from_le_bytes(word.try_into().expect("8 bytes")))
                    .collect(),
            )
        })
    }
}

pub(super) fn pairs(text: &str) -> impl Iterator<Item = (char, char)> + '_ {
    text.chars().zip(text.chars().skip(1))
}

impl Block {
    fn new() -> Self {
        Block {
            dates: Vec::new(),
            ids: Column::default(),
            labels: Column::default(),
            texts: Column::default(),
            pairs: PairFilter::default(),
        }
    }

    fn len(&self) -> usize {
        self.dates.len()
    }

    /// Adds a record after the block's oldest one.
    fn push(&mut self, slot: &Slot) {
        self.insert_at(self.len(), slot);
    }

    fn newest(&self) -> NaiveDate {
        self.dates[0]
    }

    fn oldest(&self) -> NaiveDate {
        self.dates[self.len() - 1]
    }

    fn order(&self, i: usize) -> (Reverse<NaiveDate>, &str) {
        (Reverse(self.dates[i]), self.ids.str(i))
    }

    fn text(&self, i: usize) -> &str {
        self.texts.str(i)
    }

    fn find(&self, order: (Reverse<NaiveDate>, &str)) -> Result<usize, usize> {
        // Binary search over the records' order, as `slice::binary_search_by` does.
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.order(middle).cmp(&order) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Ok(middle),
            }
        }
        Err(low)
    }

    fn insert_at(&mut self, at: usize, slot: &Slot) {
        self.dates.insert(at, slot.date);
        self.ids.insert(at, slot.id.as_bytes());
        self.labels.insert(at, &encode_labels(slot.labels));
        self.texts.insert(at, slot.text.as_bytes());
        self.pairs.insert_text(slot.text);
    }

    fn remove_at(&mut self, at: usize) {
        self.dates.remove(at);
        self.ids.remove(at);
        self.labels.remove(at);
        self.texts.remove(at);
        self.rebuild_filter();
    }

    /// A Bloom filter cannot forget: rebuilds it from the texts the block holds.
    fn rebuild_filter(&mut self) {
        let mut filter = PairFilter::default();
        for i in 0..self.len() {
            filter.insert_text(self.text(i));
        }
        self.pairs = filter;
    }

    /// Splits off the older half, when inserts made the block too large.
    fn split(&mut self) -> Block {
        let half = self.len() / 2;
        let mut older = Block {
            dates: self.dates.split_off(half),
            ids: self.ids.split_off(half),
            labels: self.labels.split_off(half),
            texts: self.texts.split_off(half),
            pairs: PairFilter::default(),
        };
        older.rebuild_filter();
        self.rebuild_filter();
        self.shrink_to_fit();
        older.shrink_to_fit();
        older
    }

    fn shrink_to_fit(&mut self) {
        self.dates.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.labels.shrink_to_fit();
        self.texts.shrink_to_fit();
    }

    /// Appends this block's hits within the query's dates, in order, until `out` holds `limit`.
    fn search(&self, matcher: &Matcher, meeting: &str, kind: RecordKind, out: &mut Vec<Hit>) {
        let first = matcher
            .until
            .map_or(0, |until| self.dates.partition_point(|&d| d > until));
        let end = matcher.since.map_or(self.len(), |since| {
            self.dates.partition_point(|&d| d >= since)
        });
        if first >= end {
            return;
        }
        let push = |i: usize, out: &mut Vec<Hit>| {
            if matcher.labels.is_empty()
                || matcher.admits_labels(&decode_labels(self.labels.get(i)))
            {
                out.push(Hit {
                    kind,
                    meeting: meeting.to_string(),
                    date: self.dates[i],
                    id: self.ids.str(i).to_string(),
                });
            }
        };
        if matcher.needle.is_empty() {
            for i in first..end {
                if out.len() >= matcher.limit {
                    return;
                }
                push(i, out);
            }
            return;
        }
        if !matcher.may_match(&self.pairs) {
            return;
        }
        let haystack = &self.texts.bytes;
        let starts = &self.texts.starts;
        let stop = self.texts.end_of(end - 1);
        let mut position = starts[first];
        while out.len() < matcher.limit
            && let Some(found) = matcher.finder.find(&haystack[position..stop])
        {
            let at = position + found;
            let record = starts.partition_point(|&start| start <= at) - 1;
            push(record, out);
            // One hit per record is enough: go on after this record.
            match starts.get(record + 1) {
                Some(&next) if next < stop => position = next,
                _ => break,
            }
        }
    }
}

impl Partition {
    /// The block where a record with this order belongs (there is at least one).
    fn block_for(&self, order: (Reverse<NaiveDate>, &str)) -> usize {
        let after = self
            .blocks
            .partition_point(|b| b.len() > 0 && b.order(b.len() - 1) < order);
        after.min(self.blocks.len() - 1)
    }
}

impl HistoryIndex {
    /// Builds the index of whole records (normalising each one).
    pub fn new(records: Vec<Record>) -> Self {
        Self::from_entries(records.iter().map(IndexEntry::of))
    }

    /// Builds the index of entries already normalised, in any order.
    pub fn from_entries(entries: impl IntoIterator<Item = IndexEntry>) -> Self {
        let mut entries: Vec<IndexEntry> = entries.into_iter().collect();
        // Stable: of two entries for the same record the last one given wins, as with `insert`.
        entries.sort_by(|a, b| {
            (&a.meeting, a.kind, Reverse(a.date), &a.id).cmp(&(
                &b.meeting,
                b.kind,
                Reverse(b.date),
                &b.id,
            ))
        });
        Self::from_ordered_entries(entries)
    }

    /// Builds the index as the entries stream in, newest first within each
    /// meeting and kind (the store's key order): each text is copied straight
    /// into its block and dropped, so building costs little more memory than
    /// the index itself. An entry out of that order is inserted instead.
    pub fn from_ordered_entries(entries: impl IntoIterator<Item = IndexEntry>) -> Self {
        let mut index = Self::default();
        for entry in entries {
            index.push_ordered(entry);
        }
        index.finish_build();
        index
    }

    /// Adds an entry during a build in the store's key order
    /// ([`Self::from_ordered_entries`]); call [`Self::finish_build`] after the last.
    pub fn push_ordered(&mut self, entry: IndexEntry) {
        let slot = Slot::of(&entry);
        let partition = self
            .partitions
            .entry((entry.meeting.clone(), entry.kind))
            .or_default();
        let appends = partition
            .blocks
            .last()
            .is_none_or(|b| b.order(b.len() - 1) < slot.order());
        if !appends {
            self.insert(entry);
            return;
        }
        if partition
            .blocks
            .last()
            .is_none_or(|b| b.len() >= BLOCK_RECORDS)
        {
            if let Some(full) = partition.blocks.last_mut() {
                full.shrink_to_fit();
            }
            partition.blocks.push(Block::new());
        }
        partition
            .blocks
            .last_mut()
            .expect("pushed above")
            .push(&slot);
        self.len += 1;
    }

    /// Gives back what the blocks of a build reserved beyond their records.
    pub fn finish_build(&mut self) {
        for block in self.partitions.values_mut().flat_map(|p| &mut p.blocks) {
            block.shrink_to_fit();
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a record, or replaces the one with the same kind, meeting, date and id.
    pub fn insert(&mut self, entry: IndexEntry) {
        let slot = Slot::of(&entry);
        let partition = self
            .partitions
            .entry((entry.meeting.clone(), entry.kind))
            .or_default();
        if partition.blocks.is_empty() {
            let mut block = Block::new();
            block.push(&slot);
            partition.blocks.push(block);
            self.len += 1;
            return;
        }
        let b = partition.block_for(slot.order());
        let block = &mut partition.blocks[b];
        match block.find(slot.order()) {
            Ok(at) => {
                block.remove_at(at);
                block.insert_at(at, &slot);
            }
            Err(at) => {
                block.insert_at(at, &slot);
                self.len += 1;
            }
        }
        if block.len() > MAX_BLOCK_RECORDS {
            let older = block.split();
            partition.blocks.insert(b + 1, older);
        }
    }

    /// Forgets a record; false when the index did not have it.
    pub fn remove(&mut self, record: &Hit) -> bool {
        let key = (record.meeting.clone(), record.kind);
        let Some(partition) = self.partitions.get_mut(&key) else {
            return false;
        };
        let order = (Reverse(record.date), record.id.as_str());
        if partition.blocks.is_empty() {
            return false;
        }
        let b = partition.block_for(order);
        let block = &mut partition.blocks[b];
        let Ok(at) = block.find(order) else {
            return false;
        };
        block.remove_at(at);
        if block.len() == 0 {
            partition.blocks.remove(b);
        }
        if partition.blocks.is_empty() {
            self.partitions.remove(&key);
        }
        self.len -= 1;
        true
    }

    /// Matching records, newest first; at most `limit` of them (0 = all).
    pub fn search(&self, query: &Query) -> Vec<Hit> {
        let matcher = Matcher::new(query);
        let mut hits = Vec::new();
        for ((meeting, kind), partition) in &self.partitions {
            if !matcher.admits_kind(*kind) || !matcher.admits_meeting(meeting) {
                continue;
            }
            // Each partition is newest first, so its first `limit` hits are
            // all it can add to the answer.
            let mut found = Vec::new();
            for block in &partition.blocks {
                if found.len() >= matcher.limit
                    || matcher.since.is_some_and(|since| block.newest() < since)
                {
                    break;
                }
                if matcher.until.is_some_and(|until| block.oldest() > until) {
                    continue;
                }
                block.search(&matcher, meeting, *kind, &mut found);
            }
            hits.extend(found);
        }
        rank(hits, matcher.limit)
    }
}
