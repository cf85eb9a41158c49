//! Finding things again: a query over sessions, agenda items, postmortems and
//! learnings, matched by substring on normalised text so that Japanese (no
//! spaces between words) works as well as case-insensitive Latin script.

use std::cmp::Reverse;

use chrono::NaiveDate;
use memchr::memmem;
use unicode_normalization::UnicodeNormalization;

use super::log::{AgendaItem, Learning, Postmortem, Session};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKind {
    Session,
    Agenda,
    Postmortem,
    Learning,
}

impl RecordKind {
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Session => "session",
            RecordKind::Agenda => "agenda",
            RecordKind::Postmortem => "postmortem",
            RecordKind::Learning => "learning",
        }
    }
}

/// One thing the log knows, as a search result.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Session(Session),
    Agenda {
        meeting: String,
        date: NaiveDate,
        item: AgendaItem,
    },
    Postmortem(Postmortem),
    Learning(Learning),
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Session(_) => RecordKind::Session,
            Record::Agenda { .. } => RecordKind::Agenda,
            Record::Postmortem(_) => RecordKind::Postmortem,
            Record::Learning(_) => RecordKind::Learning,
        }
    }

    pub fn meeting(&self) -> &str {
        match self {
            Record::Session(s) => &s.meeting,
            Record::Agenda { meeting, .. } => meeting,
            Record::Postmortem(p) => &p.meeting,
            Record::Learning(l) => &l.meeting,
        }
    }

    pub fn date(&self) -> NaiveDate {
        match self {
            Record::Session(s) => s.date,
            Record::Agenda { date, .. } => *date,
            Record::Postmortem(p) => p.date,
            Record::Learning(l) => l.date,
        }
    }

    pub fn id(&self) -> String {
        match self {
            Record::Session(s) => format!("{}/{}", s.meeting, s.date),
            Record::Agenda { item, .. } => item.id.clone(),
            Record::Postmortem(p) => p.id.clone(),
            Record::Learning(l) => l.id.clone(),
        }
    }

    pub fn tags(&self) -> &[String] {
        match self {
            Record::Learning(l) => &l.tags,
            _ => &[],
        }
    }

    /// Everything a person might search this record by.
    fn searchable_text(&self) -> String {
        let join = |parts: &[Option<&str>]| {
            parts
                .iter()
                .flatten()
                .copied()
                .collect::<Vec<_>>()
                .join("\n")
        };
        match self {
            Record::Session(s) => {
                let proposal = s.proposal.as_ref();
                join(&[
                    s.facilitator.as_deref(),
                    s.notes.as_deref(),
                    proposal.map(|p| p.title.as_str()),
                    proposal.map(|p| p.detail.as_str()),
                    proposal.and_then(|p| p.link.as_deref()),
                ])
            }
            Record::Agenda { item, .. } => join(&[
                Some(&item.title),
                item.team.as_deref(),
                item.presenter.as_deref(),
                item.link.as_deref(),
                item.notes.as_deref(),
            ]),
            Record::Postmortem(p) => {
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
            Record::Learning(l) => {
                let tags = l.tags.join(" ");
                join(&[Some(&l.text), Some(&tags), l.author.as_deref()])
            }
        }
    }
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

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: Option<String>,
    pub meeting: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub kind: Option<RecordKind>,
    pub tag: Option<String>,
    /// Only agenda items presented by this team (guests from other departments).
    pub team: Option<String>,
    pub limit: usize,
}

impl Query {
    fn admits(&self, record: &Record) -> bool {
        let team_matches = self.team.as_deref().is_none_or(|team| match record {
            Record::Agenda { item, .. } => item
                .team
                .as_deref()
                .is_some_and(|t| normalize(t) == normalize(team)),
            _ => false,
        });
        team_matches && self.admits_ignoring_team(record)
    }

    fn admits_ignoring_team(&self, record: &Record) -> bool {
        let date = record.date();
        self.meeting
            .as_deref()
            .is_none_or(|m| record.meeting() == m)
            && self.since.is_none_or(|since| date >= since)
            && self.until.is_none_or(|until| date <= until)
            && self.kind.is_none_or(|kind| record.kind() == kind)
            && self.tag.as_deref().is_none_or(|tag| {
                let tag = normalize(tag);
                record.tags().iter().any(|t| normalize(t) == tag)
            })
    }
}

/// Folds width and case so that `ＤＢ`, `db` and `DB` match, and half-width
/// katakana matches full-width.
pub fn normalize(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// All records with their normalised text laid end to end, newest first, so a
/// query is a SIMD substring scan that stops at `limit` hits. Blocks of records
/// carry a filter of the character pairs they contain, so a scan skips the
/// blocks that cannot match: rare and absent words cost little too.
pub struct HistoryIndex {
    records: Vec<Record>,
    haystack: Vec<u8>,
    /// `starts[i]` is where record `i` begins in `haystack`.
    starts: Vec<usize>,
    blocks: Vec<Block>,
}

/// Records `first..first + BLOCK_RECORDS` and the character pairs in them.
struct Block {
    first: usize,
    pairs: PairFilter,
}

/// Records per block: small enough to skip well, large enough to stay cheap.
const BLOCK_RECORDS: usize = 256;
/// Bits per block filter (8 KiB).
const FILTER_BITS: usize = 1 << 16;

/// A Bloom filter (one hash) of adjacent character pairs.
struct PairFilter(Vec<u64>);

impl PairFilter {
    fn new() -> Self {
        Self(vec![0; FILTER_BITS / 64])
    }

    fn bit(pair: (char, char)) -> usize {
        let hash =
            (u64::from(pair.0) << 21 | u64::from(pair.1)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (hash >> (64 - 16)) as usize
    }

    fn insert(&mut self, pair: (char, char)) {
        let bit = Self::bit(pair);
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    fn may_contain(&self, pair: (char, char)) -> bool {
        let bit = Self::bit(pair);
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

fn pairs(text: &str) -> impl Iterator<Item = (char, char)> + '_ {
    text.chars().zip(text.chars().skip(1))
}

/// Separates records; a normalised query never contains it, so no match spans two records.
const SEPARATOR: u8 = 0;

impl HistoryIndex {
    pub fn new(mut records: Vec<Record>) -> Self {
        // Newest first, so a search can stop as soon as it has `limit` hits.
        records.sort_by_cached_key(|r| (Reverse(r.date()), r.kind(), r.id()));
        let mut haystack = Vec::new();
        let mut starts = Vec::with_capacity(records.len());
        let mut blocks: Vec<Block> = Vec::with_capacity(records.len() / BLOCK_RECORDS + 1);
        for (index, record) in records.iter().enumerate() {
            if index % BLOCK_RECORDS == 0 {
                blocks.push(Block {
                    first: index,
                    pairs: PairFilter::new(),
                });
            }
            let text: String = normalize(&record.searchable_text())
                .chars()
                .filter(|c| *c != SEPARATOR as char)
                .collect();
            if let Some(block) = blocks.last_mut() {
                pairs(&text).for_each(|pair| block.pairs.insert(pair));
            }
            starts.push(haystack.len());
            haystack.extend(text.bytes());
            haystack.push(SEPARATOR);
        }
        Self {
            records,
            haystack,
            starts,
            blocks,
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Matching records, newest first; at most `limit` of them (0 = all).
    pub fn search(&self, query: &Query) -> Vec<&Record> {
        let needle = query.text.as_deref().map(normalize).unwrap_or_default();
        let needle = needle.trim();
        let limit = if query.limit == 0 {
            usize::MAX
        } else {
            query.limit
        };
        if needle.is_empty() {
            return self
                .records
                .iter()
                .filter(|r| query.admits(r))
                .take(limit)
                .collect();
        }
        // Records are stored newest first, so the first `limit` admitted hits are the answer.
        self.matching(needle)
            .map(|i| &self.records[i])
            .filter(|r| query.admits(r))
            .take(limit)
            .collect()
    }

    /// Indexes of the records whose text contains `needle`, each once, in order.
    fn matching<'a>(&'a self, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
        let finder = memmem::Finder::new(needle.as_bytes());
        let needle_pairs: Vec<(char, char)> = pairs(needle).collect();
        self.blocks
            .iter()
            .enumerate()
            .filter(move |(_, block)| needle_pairs.iter().all(|p| block.pairs.may_contain(*p)))
            .flat_map(move |(b, block)| {
                let end_record = self
                    .blocks
                    .get(b + 1)
                    .map_or(self.records.len(), |next| next.first);
                let end = self
                    .starts
                    .get(end_record)
                    .copied()
                    .unwrap_or(self.haystack.len());
                let mut position = self.starts[block.first];
                let finder = finder.clone();
                std::iter::from_fn(move || {
                    let found = position + finder.find(&self.haystack[position..end])?;
                    let record = self.starts.partition_point(|&start| start <= found) - 1;
                    // Skip the rest of this record: one hit per record is enough.
                    position = self.starts.get(record + 1).copied().unwrap_or(end).min(end);
                    Some(record)
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learning(date: &str, text: &str, tags: &[&str]) -> Record {
        Record::Learning(Learning {
            id: format!("l-{date}-{}", text.len()),
            meeting: "weekly".into(),
            date: date.parse().unwrap(),
            text: text.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            author: None,
        })
    }

    fn query(text: &str) -> Query {
        Query {
            text: Some(text.into()),
            limit: 20,
            ..Query::default()
        }
    }

    #[test]
    fn japanese_is_found_without_spaces_between_words() {
        let index = HistoryIndex::new(vec![
            learning("2024-05-15", "夜間バッチでデッドロックが発生した", &["db"]),
            learning("2024-06-01", "ダッシュボードを見直した", &[]),
        ]);
        let hits = index.search(&query("デッドロック"));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].date().to_string(), "2024-05-15");
    }

    #[test]
    fn latin_is_case_and_width_insensitive_and_results_are_newest_first() {
        let index = HistoryIndex::new(vec![
            learning(
                "2023-01-01",
                "Postgres failover took 3 minutes",
                &["postgres"],
            ),
            learning("2024-01-01", "ＤＢ connection pool exhausted", &["db"]),
            learning("2025-01-01", "the db was fine", &["infra"]),
        ]);
        let dates: Vec<_> = index
            .search(&query("DB"))
            .iter()
            .map(|r| r.date().to_string())
            .collect();
        assert_eq!(dates, ["2025-01-01", "2024-01-01"]);
        let mut by_tag = query("");
        by_tag.tag = Some("DB".into());
        by_tag.limit = 1;
        let dates: Vec<_> = index
            .search(&by_tag)
            .iter()
            .map(|r| r.date().to_string())
            .collect();
        assert_eq!(dates, ["2024-01-01"]);
    }

    #[test]
    fn blocks_that_cannot_match_are_skipped_without_losing_hits() {
        let records: Vec<Record> = (0..2000)
            .map(|i| {
                let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                    + chrono::TimeDelta::days(i);
                let text = if i % 700 == 3 {
                    format!("当番{i}: 証明書の期限切れ")
                } else {
                    format!("note {i}: デッドロック")
                };
                learning(&date.to_string(), &text, &[])
            })
            .collect();
        let index = HistoryIndex::new(records);
        let mut all = query("期限切れ");
        all.limit = 0;
        let dates: Vec<String> = index
            .search(&all)
            .iter()
            .map(|r| r.date().to_string())
            .collect();
        assert_eq!(dates, ["2023-11-04", "2021-12-04", "2020-01-04"]);
        assert!(index.search(&query("xylophone")).is_empty());
        assert_eq!(index.search(&query("デッドロック")).len(), 20);
    }

    #[test]
    fn a_match_never_spans_two_records() {
        let index = HistoryIndex::new(vec![
            learning("2024-01-01", "ab", &[]),
            learning("2024-01-02", "cd", &[]),
        ]);
        assert!(index.search(&query("bc")).is_empty());
        assert_eq!(index.search(&query("d")).len(), 1);
    }
}
