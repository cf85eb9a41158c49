//! Finding things again: a query over sessions, agenda items, postmortems and
//! learnings, matched by substring on normalised text so that Japanese (no
//! spaces between words) works as well as case-insensitive Latin script. The
//! index is kept current one record at a time, so a write never rebuilds it.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use memchr::memmem;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::incidents::Incident;
use super::log::{AgendaItem, Learning, Postmortem, Session};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Session,
    Agenda,
    Postmortem,
    Learning,
    /// Last, so the kinds before it keep their byte in stored search keys.
    Incident,
}

impl RecordKind {
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Session,
        RecordKind::Agenda,
        RecordKind::Postmortem,
        RecordKind::Learning,
        RecordKind::Incident,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Session => "session",
            RecordKind::Agenda => "agenda",
            RecordKind::Postmortem => "postmortem",
            RecordKind::Learning => "learning",
            RecordKind::Incident => "incident",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One thing the log knows, as a search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "record", rename_all = "lowercase")]
pub enum Record {
    Session(Session),
    Agenda {
        meeting: String,
        date: NaiveDate,
        item: AgendaItem,
    },
    Postmortem(Postmortem),
    Learning(Learning),
    Incident(Incident),
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Session(_) => RecordKind::Session,
            Record::Agenda { .. } => RecordKind::Agenda,
            Record::Postmortem(_) => RecordKind::Postmortem,
            Record::Learning(_) => RecordKind::Learning,
            Record::Incident(_) => RecordKind::Incident,
        }
    }

    pub fn meeting(&self) -> &str {
        match self {
            Record::Session(s) => &s.meeting,
            Record::Agenda { meeting, .. } => meeting,
            Record::Postmortem(p) => &p.meeting,
            Record::Learning(l) => &l.meeting,
            Record::Incident(i) => &i.meeting,
        }
    }

    pub fn date(&self) -> NaiveDate {
        match self {
            Record::Session(s) => s.date,
            Record::Agenda { date, .. } => *date,
            Record::Postmortem(p) => p.date,
            Record::Learning(l) => l.date,
            Record::Incident(i) => i.date(),
        }
    }

    pub fn id(&self) -> String {
        match self {
            Record::Session(s) => session_id(&s.meeting, s.date),
            Record::Agenda { item, .. } => item.id.clone(),
            Record::Postmortem(p) => p.id.clone(),
            Record::Learning(l) => l.id.clone(),
            Record::Incident(i) => i.id.clone(),
        }
    }

    pub fn tags(&self) -> &[String] {
        match self {
            Record::Learning(l) => &l.tags,
            _ => &[],
        }
    }
}

/// How a session is named in results: it has no id of its own.
pub fn session_id(meeting: &str, date: NaiveDate) -> String {
    format!("{meeting}/{date}")
}

/// Joins the present parts with newlines (a query never spans two parts on one line).
fn join(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything a person might search a session by (its agenda items are records of their own).
fn session_text(s: &Session) -> String {
    let proposal = s.proposal.as_ref();
    join(&[
        s.facilitator.as_deref(),
        s.notes.as_deref(),
        proposal.map(|p| p.title.as_str()),
        proposal.map(|p| p.detail.as_str()),
        proposal.and_then(|p| p.link.as_deref()),
    ])
}

fn agenda_text(item: &AgendaItem) -> String {
    join(&[
        Some(&item.title),
        item.team.as_deref(),
        item.presenter.as_deref(),
        item.link.as_deref(),
        item.notes.as_deref(),
    ])
}

fn postmortem_text(p: &Postmortem) -> String {
    let responders = p.responders.join(" ");
    join(&[
        Some(&p.title),
        Some(&p.impact),
        Some(&p.actions_taken),
        Some(&p.root_cause),
        Some(&p.prevention),
        Some(&responders),
    ])
}

/// An incident by its title, severity, labels and alert annotations.
fn incident_text(i: &Incident) -> String {
    let mut parts = vec![i.title.clone()];
    parts.extend(i.severity.clone());
    parts.extend(i.labels.iter().map(|(k, v)| format!("{k}={v}")));
    // Thousands of alerts of one group mostly repeat the same annotations.
    let annotations: std::collections::BTreeSet<&String> = i
        .episodes
        .iter()
        .flat_map(|e| e.annotations.values())
        .collect();
    parts.extend(annotations.into_iter().cloned());
    parts.join("\n")
}

fn learning_text(l: &Learning) -> String {
    let tags = l.tags.join(" ");
    join(&[Some(&l.text), Some(&tags), l.author.as_deref()])
}

/// Splits the log into searchable records: each session and each of its agenda items.
pub fn records_of(
    sessions: Vec<Session>,
    postmortems: Vec<Postmortem>,
    learnings: Vec<Learning>,
) -> Vec<Record> {
    let mut records = Vec::with_capacity(sessions.len() * 2 + postmortems.len() + learnings.len());
    for session in sessions {
        for item in &session.agenda {
            records.push(Record::Agenda {
                meeting: session.meeting.clone(),
                date: session.date,
                item: item.clone(),
            });
        }
        records.push(Record::Session(session));
    }
    records.extend(postmortems.into_iter().map(Record::Postmortem));
    records.extend(learnings.into_iter().map(Record::Learning));
    records
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub text: Option<String>,
    pub meeting: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub kind: Option<RecordKind>,
    pub tag: Option<String>,
    /// Only agenda items presented by this team (guests from other departments).
    pub team: Option<String>,
    /// At most this many results; 0 = all.
    pub limit: usize,
}

/// Folds width and case so that `ＤＢ`, `db` and `DB` match, and half-width
/// katakana matches full-width.
pub fn normalize(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// Separates records in a block's text; normalised text never keeps it, so no
/// match spans two records.
const SEPARATOR: u8 = 0;

/// Which record a search found: enough to fetch it from the store and to sort it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hit {
    pub kind: RecordKind,
    pub meeting: String,
    pub date: NaiveDate,
    /// The record's id (`meeting/date` for a session).
    pub id: String,
}

impl Hit {
    /// Results are newest first; on one date by kind, then id.
    fn order(&self) -> (Reverse<NaiveDate>, RecordKind, &str) {
        (Reverse(self.date), self.kind, &self.id)
    }
}

/// What the index keeps of one record: where it sorts, what the filters look
/// at, and its normalised text. Derived from the record alone, so the store can
/// keep it next to the record and rebuild nothing on open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub kind: RecordKind,
    pub meeting: String,
    pub date: NaiveDate,
    pub id: String,
    /// Normalised tags (a learning) or team (an agenda item): what `tag` and
    /// `team` in a query compare with.
    pub labels: Vec<String>,
    /// Normalised searchable text, never containing the separator.
    pub text: String,
}

impl IndexEntry {
    fn new(
        kind: RecordKind,
        meeting: &str,
        date: NaiveDate,
        id: String,
        labels: Vec<String>,
        text: &str,
    ) -> Self {
        let mut text = normalize(text);
        text.retain(|c| c != SEPARATOR as char);
        Self {
            kind,
            meeting: meeting.to_string(),
            date,
            id,
            labels,
            text,
        }
    }

    pub fn of(record: &Record) -> Self {
        match record {
            Record::Session(s) => Self::of_session(s),
            Record::Agenda {
                meeting,
                date,
                item,
            } => Self::of_agenda(meeting, *date, item),
            Record::Postmortem(p) => Self::of_postmortem(p),
            Record::Learning(l) => Self::of_learning(l),
            Record::Incident(i) => Self::of_incident(i),
        }
    }

    fn of_session(s: &Session) -> Self {
        let id = session_id(&s.meeting, s.date);
        Self::new(
            RecordKind::Session,
            &s.meeting,
            s.date,
            id,
            Vec::new(),
            &session_text(s),
        )
    }

    fn of_agenda(meeting: &str, date: NaiveDate, item: &AgendaItem) -> Self {
        let labels = item.team.as_deref().map(normalize).into_iter().collect();
        Self::new(
            RecordKind::Agenda,
            meeting,
            date,
            item.id.clone(),
            labels,
            &agenda_text(item),
        )
    }

    pub fn of_postmortem(p: &Postmortem) -> Self {
        Self::new(
            RecordKind::Postmortem,
            &p.meeting,
            p.date,
            p.id.clone(),
            Vec::new(),
            &postmortem_text(p),
        )
    }

    pub fn of_learning(l: &Learning) -> Self {
        let labels = l.tags.iter().map(|t| normalize(t)).collect();
        Self::new(
            RecordKind::Learning,
            &l.meeting,
            l.date,
            l.id.clone(),
            labels,
            &learning_text(l),
        )
    }

    pub fn of_incident(i: &Incident) -> Self {
        Self::new(
            RecordKind::Incident,
            &i.meeting,
            i.date(),
            i.id.clone(),
            Vec::new(),
            &incident_text(i),
        )
    }

    /// A session and each of its agenda items.
    pub fn of_session_and_agenda(s: &Session) -> Vec<Self> {
        let mut entries = vec![Self::of_session(s)];
        entries.extend(
            s.agenda
                .iter()
                .map(|item| Self::of_agenda(&s.meeting, s.date, item)),
        );
        entries
    }

    pub fn hit(&self) -> Hit {
        Hit {
            kind: self.kind,
            meeting: self.meeting.clone(),
            date: self.date,
            id: self.id.clone(),
        }
    }
}

/// A query made ready to test records: normalised once, then cheap per record.
/// The index uses it, and so does a store that scans its entries directly.
pub struct Matcher {
    needle: String,
    /// The needle's adjacent character pairs, for [`Matcher::may_match`].
    needle_pairs: Vec<(char, char)>,
    finder: memmem::Finder<'static>,
    meeting: Option<String>,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    /// The kinds a record may have: `kind`, narrowed by `tag` (only learnings
    /// have tags) and `team` (only agenda items have a team).
    kinds: Vec<RecordKind>,
    /// Normalised labels a record must carry.
    labels: Vec<String>,
    limit: usize,
}

impl Matcher {
    pub fn new(query: &Query) -> Self {
        let needle = query
            .text
            .as_deref()
            .map(normalize)
            .unwrap_or_default()
            .trim()
            .replace(SEPARATOR as char, "");
        let finder = memmem::Finder::new(needle.as_bytes()).into_owned();
        let mut kinds: Vec<RecordKind> = RecordKind::ALL
            .into_iter()
            .filter(|k| query.kind.is_none_or(|wanted| wanted == *k))
            .collect();
        let mut labels = Vec::new();
        if let Some(tag) = &query.tag {
            kinds.retain(|k| *k == RecordKind::Learning);
            labels.push(normalize(tag));
        }
        if let Some(team) = &query.team {
            kinds.retain(|k| *k == RecordKind::Agenda);
            labels.push(normalize(team));
        }
        Self {
            needle_pairs: pairs(&needle).collect(),
            needle,
            finder,
            meeting: query.meeting.clone(),
            since: query.since,
            until: query.until,
            kinds,
            labels,
            limit: if query.limit == 0 {
                usize::MAX
            } else {
                query.limit
            },
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The date range a result may fall in, for a store that reads by date.
    pub fn dates(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (self.since, self.until)
    }

    pub fn admits_kind(&self, kind: RecordKind) -> bool {
        self.kinds.contains(&kind)
    }

    pub fn admits_meeting(&self, meeting: &str) -> bool {
        self.meeting.as_deref().is_none_or(|m| m == meeting)
    }

    pub fn admits_date(&self, date: NaiveDate) -> bool {
        self.since.is_none_or(|since| date >= since) && self.until.is_none_or(|until| date <= until)
    }

    pub fn admits_labels<S: AsRef<str>>(&self, labels: &[S]) -> bool {
        self.labels
            .iter()
            .all(|wanted| labels.iter().any(|l| l.as_ref() == wanted))
    }

    /// Whether normalised `text` contains the query's text (always, without one).
    pub fn admits_text(&self, text: &[u8]) -> bool {
        self.needle.is_empty() || self.finder.find(text).is_some()
    }

    /// Whether texts whose pairs went into `filter` may contain the query's
    /// text: false means none does, so they need not be read.
    pub fn may_match(&self, filter: &PairFilter) -> bool {
        self.needle_pairs.iter().all(|p| filter.may_contain(*p))
    }

    /// Everything at once, for one entry.
    pub fn admits(&self, entry: &IndexEntry) -> bool {
        self.admits_kind(entry.kind)
            && self.admits_meeting(&entry.meeting)
            && self.admits_date(entry.date)
            && self.admits_labels(&entry.labels)
            && self.admits_text(entry.text.as_bytes())
    }
}

/// Orders hits newest first and keeps the first `limit`.
pub fn rank(mut hits: Vec<Hit>, limit: usize) -> Vec<Hit> {
    hits.sort_by(|a, b| a.order().cmp(&b.order()));
    hits.truncate(limit);
    hits
}

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

    fn may_contain(&self, pair: (char, char)) -> bool {
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

fn pairs(text: &str) -> impl Iterator<Item = (char, char)> + '_ {
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

#[cfg(test)]
mod tests;
