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

use super::actions::Action;
use super::incidents::Incident;
use super::log::{AgendaItem, Learning, Postmortem, Session};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Session,
    Agenda,
    Postmortem,
    Learning,
    /// After the kinds before it, which keep their byte in stored search keys.
    Incident,
    Action,
}

impl RecordKind {
    pub const ALL: [RecordKind; 6] = [
        RecordKind::Session,
        RecordKind::Agenda,
        RecordKind::Postmortem,
        RecordKind::Learning,
        RecordKind::Incident,
        RecordKind::Action,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Session => "session",
            RecordKind::Agenda => "agenda",
            RecordKind::Postmortem => "postmortem",
            RecordKind::Learning => "learning",
            RecordKind::Incident => "incident",
            RecordKind::Action => "action",
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
    Action(Action),
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Session(_) => RecordKind::Session,
            Record::Agenda { .. } => RecordKind::Agenda,
            Record::Postmortem(_) => RecordKind::Postmortem,
            Record::Learning(_) => RecordKind::Learning,
            Record::Incident(_) => RecordKind::Incident,
            Record::Action(_) => RecordKind::Action,
        }
    }

    pub fn meeting(&self) -> &str {
        match self {
            Record::Session(s) => &s.meeting,
            Record::Agenda { meeting, .. } => meeting,
            Record::Postmortem(p) => &p.meeting,
            Record::Learning(l) => &l.meeting,
            Record::Incident(i) => &i.meeting,
            Record::Action(a) => &a.meeting,
        }
    }

    pub fn date(&self) -> NaiveDate {
        match self {
            Record::Session(s) => s.date,
            Record::Agenda { date, .. } => *date,
            Record::Postmortem(p) => p.date,
            Record::Learning(l) => l.date,
            Record::Incident(i) => i.date(),
            Record::Action(a) => a.created,
        }
    }

    pub fn id(&self) -> String {
        match self {
            Record::Session(s) => session_id(&s.meeting, s.date),
            Record::Agenda { item, .. } => item.id.clone(),
            Record::Postmortem(p) => p.id.clone(),
            Record::Learning(l) => l.id.clone(),
            Record::Incident(i) => i.id.clone(),
            Record::Action(a) => a.id.clone(),
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

/// An action by its title, owner, link and note.
fn action_text(a: &Action) -> String {
    join(&[
        Some(&a.title),
        Some(&a.owner),
        a.link.as_deref(),
        a.note.as_deref(),
    ])
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
            Record::Action(a) => Self::of_action(a),
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

    pub fn of_action(a: &Action) -> Self {
        Self::new(
            RecordKind::Action,
            &a.meeting,
            a.created,
            a.id.clone(),
            Vec::new(),
            &action_text(a),
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

mod index;
use index::pairs;
pub use index::{HistoryIndex, PairFilter};

#[cfg(test)]
mod tests;
