//! The session log's records: sessions, agenda items, RSVPs, postmortems and
//! learnings, with the rules that keep them valid and their stable ids.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How a record's date is written: `YYYY-MM-DD`, month and day with two digits.
/// chrono alone also reads `2024-5-15`; a year beyond four digits (`+262142-12-01`)
/// is read here, for what an older version stored, and refused by [`check_date`].
pub(crate) mod written_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, de::Error};

    /// How the refusal ends, so that the catalogue can say it in Japanese.
    pub(crate) const NOT_A_DATE: &str = "is not a date written YYYY-MM-DD";

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<NaiveDate, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        parse(&text).ok_or_else(|| D::Error::custom(format!("`{text}` {NOT_A_DATE}")))
    }

    pub(crate) fn parse(text: &str) -> Option<NaiveDate> {
        let bytes = text.as_bytes();
        let two_digits = |at: usize| bytes[at..at + 2].iter().all(u8::is_ascii_digit);
        let n = bytes.len();
        let shaped = n >= 10
            && bytes[n - 6] == b'-'
            && bytes[n - 3] == b'-'
            && two_digits(n - 5)
            && two_digits(n - 2)
            && bytes[..n - 6]
                .strip_prefix(b"+")
                .or_else(|| bytes[..n - 6].strip_prefix(b"-"))
                .unwrap_or(&bytes[..n - 6])
                .iter()
                .all(u8::is_ascii_digit);
        shaped.then(|| text.parse().ok()).flatten()
    }
}

/// A record's date lies in [`super::date_bounds::SANE_YEARS`]: an import of year
/// +262142 is a mistake, and every rule downstream assumes a real calendar year.
pub(crate) fn check_date(date: NaiveDate) -> Result<(), Invalid> {
    super::date_bounds::check_sane_year(date)
        .map(drop)
        .map_err(|_| {
            let (first, last) = (
                super::date_bounds::SANE_YEARS.start(),
                super::date_bounds::SANE_YEARS.end(),
            );
            Invalid::new(
                "date",
                format!("{date} is not in the years {first} to {last}"),
                format!("{date} は範囲外です。{first}年から{last}年までの日付にしてください"),
            )
        })
}

/// Longest text a person may enter in one field.
pub const MAX_TEXT_CHARS: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Held,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCode {
    Holiday,
    SkipDate,
    Cancelled,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AgendaKind {
    Incident,
    Dashboard,
    #[default]
    Topic,
    Other,
}

impl AgendaKind {
    pub const ALL: [AgendaKind; 4] = [
        AgendaKind::Incident,
        AgendaKind::Dashboard,
        AgendaKind::Topic,
        AgendaKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AgendaKind::Incident => "incident",
            AgendaKind::Dashboard => "dashboard",
            AgendaKind::Topic => "topic",
            AgendaKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code().eq_ignore_ascii_case(text.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RsvpStatus {
    Going,
    Maybe,
    NotGoing,
}

/// One session of a meeting, as the log remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub meeting: String,
    #[serde(deserialize_with = "written_date::deserialize")]
    pub date: NaiveDate,
    pub status: SessionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SkipCode>,
    #[serde(default)]
    pub number: Option<u32>,
    #[serde(default)]
    pub facilitator: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub agenda: Vec<AgendaItem>,
    #[serde(default)]
    pub attendance: Attendance,
    /// Each person's latest answer; counted into `attendance` when present.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rsvps: BTreeMap<String, RsvpStatus>,
    /// What we proposed when nobody offered a topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
}

/// A concrete plan for a session without topics, so the meeting does not die out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub format: FallbackFormat,
    pub title: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub link: Option<String>,
    /// For a reading club: the postmortem read again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postmortem_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackFormat {
    /// A past postmortem, read again together.
    ReadingClub,
    /// A monitoring dashboard, looked at together.
    DashboardWalk,
    OpenTalk,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgendaItem {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub title: String,
    #[serde(default = "default_kind")]
    pub kind: AgendaKind,
    #[serde(default)]
    pub presenter: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_at: Option<DateTime<Utc>>,
    /// The presenter's team, when it is not the meeting's own: a guest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Marked as covered by the facilitator; open items move on once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub done: bool,
    /// The session this item was carried over from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<NaiveDate>,
    /// The session this item moved to, uncovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_to: Option<NaiveDate>,
    /// The incident this item presents (an `incident/{id}` record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

fn default_kind() -> AgendaKind {
    AgendaKind::Topic
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    #[serde(default)]
    pub going: u32,
    #[serde(default)]
    pub maybe: u32,
    #[serde(default)]
    pub not_going: u32,
    /// How many were there, counted by the facilitator.
    #[serde(default)]
    pub present: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Postmortem {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub meeting: String,
    #[serde(deserialize_with = "written_date::deserialize")]
    pub date: NaiveDate,
    pub title: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub actions_taken: String,
    #[serde(default)]
    pub root_cause: String,
    #[serde(default)]
    pub prevention: String,
    /// Who responded, as written: a Discord member's display when entered
    /// through Discord, or a guest's name.
    #[serde(default)]
    pub responders: Vec<String>,
    #[serde(default)]
    pub links: Vec<String>,
    /// The Discord user ids of the responders entered through Discord: who
    /// they are, whatever `responders` shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responder_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Learning {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub meeting: String,
    #[serde(deserialize_with = "written_date::deserialize")]
    pub date: NaiveDate,
    pub text: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The author as shown (a Discord member's display, or a name).
    #[serde(default)]
    pub author: Option<String>,
    /// The author's Discord user id, when written through Discord.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
}

/// What is wrong with a record, said so a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    /// In English: what import errors and logs say.
    pub problem: String,
    /// The same in Japanese, for people answered in the configured language.
    pub problem_ja: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl Invalid {
    pub fn new(
        field: impl Into<String>,
        problem: impl Into<String>,
        problem_ja: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
            problem_ja: problem_ja.into(),
        }
    }

    /// The same problem one level down (`agenda[2].title`).
    pub(crate) fn within(self, prefix: &str) -> Self {
        Self {
            field: format!("{prefix}.{}", self.field),
            ..self
        }
    }
}

/// What a text field holds, which decides its length limit and whether it may
/// span lines. Every text a record carries is checked as one of these, whether
/// it comes from an import, a Discord command or the config's roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Record ids (`a-…`, `pm-…`, `l-…` or chosen in an import): typed into
    /// commands and used as store keys, so one word.
    Id,
    /// People, teams, tags, meeting ids: one short line.
    Name,
    /// Titles of agenda items and postmortems, a skip reason: one line.
    Title,
    /// Links, and a proposal's title, which quotes a postmortem's title: one line.
    Line,
    /// Notes, a postmortem's sections, a learning: several lines, tabs allowed.
    Text,
    /// A proposal's detail, which quotes a postmortem's impact, recovery and prevention.
    Quote,
}

impl TextKind {
    /// The most characters (Unicode scalar values) a field of this kind holds.
    pub const fn max_chars(self) -> usize {
        match self {
            TextKind::Id => 128,
            TextKind::Name => 100,
            TextKind::Title => 300,
            TextKind::Line => 2_000,
            TextKind::Text => MAX_TEXT_CHARS,
            TextKind::Quote => 4 * MAX_TEXT_CHARS,
        }
    }

    const fn multiline(self) -> bool {
        matches!(self, TextKind::Text | TextKind::Quote)
    }
}

/// The one rule for text in a record: within its kind's length, no control
/// characters (line breaks and tabs only in multi-line kinds), one-line kinds
/// not blank, ids without spaces. A multi-line text may be empty; callers that
/// need content say so (a learning's text).
pub fn check_field(kind: TextKind, field: &str, text: &str) -> Result<(), Invalid> {
    let chars = text.chars().count();
    let limit = kind.max_chars();
    if chars > limit {
        return Err(Invalid::new(
            field,
            format!("is {chars} characters long; the limit is {limit}"),
            format!("{chars}文字あります。上限は{limit}文字です"),
        ));
    }
    if !kind.multiline() && text.trim().is_empty() {
        return Err(Invalid::new(field, "is empty", "空です"));
    }
    if !kind.multiline() && text.contains(['\n', '\r']) {
        return Err(Invalid::new(
            field,
            "must be one line",
            "改行を含めず1行にしてください",
        ));
    }
    check_controls(kind, field, text)?;
    if kind == TextKind::Id && text.chars().any(char::is_whitespace) {
        return Err(Invalid::new(
            field,
            "contains a space; an id is one word",
            "空白が含まれています。id は空白なしの1語にしてください",
        ));
    }
    Ok(())
}

/// The control-character part of [`check_field`] alone, for texts whose length
/// and blankness are someone else's (an alert's labels, as Alertmanager sent them).
pub fn check_controls(kind: TextKind, field: &str, text: &str) -> Result<(), Invalid> {
    if let Some(c) = text.chars().find(|c| !allowed_in(kind, *c)) {
        let code = c as u32;
        return Err(Invalid::new(
            field,
            format!("contains the control character U+{code:04X}; remove it"),
            format!("制御文字 U+{code:04X} が含まれています。取り除いてください"),
        ));
    }
    Ok(())
}

/// The repair of [`check_controls`] for a text that may not be refused (an
/// alert is lost if its hook call is): each control character becomes a space.
pub fn replace_controls(kind: TextKind, text: &str) -> String {
    if text.chars().all(|c| allowed_in(kind, c)) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if allowed_in(kind, c) { c } else { ' ' })
        .collect()
}

fn allowed_in(kind: TextKind, c: char) -> bool {
    !c.is_control() || (kind.multiline() && matches!(c, '\n' | '\r' | '\t'))
}

pub(crate) fn check_optional(
    kind: TextKind,
    field: &str,
    text: &Option<String>,
) -> Result<(), Invalid> {
    text.as_deref()
        .map_or(Ok(()), |t| check_field(kind, field, t))
}

fn check_each<'a>(
    kind: TextKind,
    field: &str,
    texts: impl IntoIterator<Item = &'a String>,
) -> Result<(), Invalid> {
    texts
        .into_iter()
        .enumerate()
        .try_for_each(|(i, t)| check_field(kind, &format!("{field}[{i}]"), t))
}

impl Session {
    /// Topics offered for this session itself, not only items left over from
    /// earlier ones: without them, the call for topics goes out.
    pub fn has_new_topics(&self) -> bool {
        self.agenda.iter().any(|i| i.carried_from.is_none())
    }

    /// An empty session record for a date, before anything was said about it.
    pub fn new(meeting: &str, date: NaiveDate) -> Self {
        Self {
            meeting: meeting.to_string(),
            date,
            status: SessionStatus::Held,
            reason: None,
            number: None,
            facilitator: None,
            notes: None,
            agenda: Vec::new(),
            attendance: Attendance::default(),
            rsvps: BTreeMap::new(),
            proposal: None,
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        check_field(TextKind::Name, "meeting", &self.meeting)?;
        check_date(self.date)?;
        if self.status == SessionStatus::Held && self.reason.is_some() {
            return Err(Invalid::new(
                "reason",
                "a held session has no skip reason",
                "開催する回に休みの理由は付けられません",
            ));
        }
        check_optional(TextKind::Name, "facilitator", &self.facilitator)?;
        check_optional(TextKind::Text, "notes", &self.notes)?;
        for (i, item) in self.agenda.iter().enumerate() {
            item.validate()
                .map_err(|e| e.within(&format!("agenda[{i}]")))?;
        }
        for person in self.rsvps.keys() {
            check_field(TextKind::Name, "rsvps", person)?;
        }
        if let Some(proposal) = &self.proposal {
            proposal.validate().map_err(|e| e.within("proposal"))?;
        }
        Ok(())
    }

    /// Going/maybe/not-going counts: from people's answers when we have them,
    /// else as imported.
    /// Whether anybody answered (or an import brought counts): without it the
    /// zeros of [`Session::rsvp_counts`] mean "unknown", not "nobody".
    pub fn has_rsvp_data(&self) -> bool {
        let a = self.attendance;
        !self.rsvps.is_empty() || a.going + a.maybe + a.not_going > 0
    }

    /// The reason a facilitator gave for skipping the session (`/skip` keeps
    /// it as the notes of a cancelled session), when there is one.
    pub fn skip_reason(&self) -> Option<&str> {
        (self.reason == Some(SkipCode::Cancelled))
            .then_some(self.notes.as_deref()?.trim())
            .filter(|reason| !reason.is_empty())
    }

    pub fn rsvp_counts(&self) -> Attendance {
        if self.rsvps.is_empty() {
            return self.attendance;
        }
        let count = |s| self.rsvps.values().filter(|v| **v == s).count() as u32;
        Attendance {
            going: count(RsvpStatus::Going),
            maybe: count(RsvpStatus::Maybe),
            not_going: count(RsvpStatus::NotGoing),
            present: self.attendance.present,
        }
    }

    /// Takes in what an import says about this session without losing what
    /// only the log knew: agenda items and answers are merged by id and person.
    pub fn merge_from(&mut self, incoming: &Session) {
        self.status = incoming.status;
        self.reason = incoming.reason;
        self.number = incoming.number.or(self.number);
        if incoming.facilitator.is_some() {
            self.facilitator.clone_from(&incoming.facilitator);
        }
        if incoming.notes.is_some() {
            self.notes.clone_from(&incoming.notes);
        }
        for item in &incoming.agenda {
            match self.agenda.iter_mut().find(|i| i.id == item.id) {
                Some(existing) => *existing = item.clone(),
                None => self.agenda.push(item.clone()),
            }
        }
        let present = incoming.attendance.present.or(self.attendance.present);
        self.attendance = Attendance {
            present,
            ..incoming.attendance
        };
        self.rsvps
            .extend(incoming.rsvps.iter().map(|(k, v)| (k.clone(), *v)));
        if incoming.proposal.is_some() {
            self.proposal.clone_from(&incoming.proposal);
        }
    }

    pub fn key(&self) -> (String, NaiveDate) {
        (self.meeting.clone(), self.date)
    }
}

impl AgendaItem {
    /// Not covered and not moved on: carry-over still owes it a session.
    pub fn is_open(&self) -> bool {
        !self.done && self.carried_to.is_none()
    }

    /// Carried over from an earlier session and not covered yet: 「未消化」.
    pub fn is_left_over(&self) -> bool {
        !self.done && self.carried_from.is_some()
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        check_field(TextKind::Id, "id", &self.id)?;
        check_field(TextKind::Title, "title", &self.title)?;
        check_optional(TextKind::Name, "presenter", &self.presenter)?;
        check_optional(TextKind::Line, "link", &self.link)?;
        check_optional(TextKind::Text, "notes", &self.notes)?;
        check_optional(TextKind::Name, "added_by", &self.added_by)?;
        check_optional(TextKind::Name, "team", &self.team)?;
        check_optional(TextKind::Id, "incident", &self.incident)
    }
}

impl Proposal {
    pub fn validate(&self) -> Result<(), Invalid> {
        check_field(TextKind::Line, "title", &self.title)?;
        check_field(TextKind::Quote, "detail", &self.detail)?;
        check_optional(TextKind::Line, "link", &self.link)?;
        check_optional(TextKind::Id, "postmortem_id", &self.postmortem_id)
    }
}

impl Postmortem {
    pub fn validate(&self) -> Result<(), Invalid> {
        check_field(TextKind::Id, "id", &self.id)?;
        check_field(TextKind::Name, "meeting", &self.meeting)?;
        check_date(self.date)?;
        check_field(TextKind::Title, "title", &self.title)?;
        check_field(TextKind::Text, "impact", &self.impact)?;
        check_field(TextKind::Text, "actions_taken", &self.actions_taken)?;
        check_field(TextKind::Text, "root_cause", &self.root_cause)?;
        check_field(TextKind::Text, "prevention", &self.prevention)?;
        check_each(TextKind::Name, "responders", &self.responders)?;
        check_each(TextKind::Line, "links", &self.links)?;
        self.responder_ids
            .iter()
            .try_for_each(|id| check_discord_id("responder_ids", id))
    }
}

impl Learning {
    pub fn validate(&self) -> Result<(), Invalid> {
        check_field(TextKind::Id, "id", &self.id)?;
        check_field(TextKind::Name, "meeting", &self.meeting)?;
        check_date(self.date)?;
        if self.text.trim().is_empty() {
            return Err(Invalid::new("text", "is empty", "空です"));
        }
        check_field(TextKind::Text, "text", &self.text)?;
        check_each(TextKind::Name, "tags", &self.tags)?;
        check_optional(TextKind::Name, "author", &self.author)?;
        self.author_id
            .iter()
            .try_for_each(|id| check_discord_id("author_id", id))
    }
}

/// A Discord user id as the records keep it: digits, as a string (JSON
/// numbers lose digits past 2^53).
fn check_discord_id(field: &str, id: &str) -> Result<(), Invalid> {
    match id.parse::<u64>() {
        Ok(n) if n > 0 && !id.starts_with('+') => Ok(()),
        _ => Err(Invalid::new(
            field,
            format!("{id:?} is not a Discord user id (digits, such as \"123456789012345678\")"),
            format!(
                "{id:?} は Discord のユーザー ID ではありません（\"123456789012345678\" のような数字）"
            ),
        )),
    }
}

/// Dates people decided to skip (a facilitator's skip, a cancellation in Google Calendar).
pub fn cancelled_dates(
    sessions: &[Session],
    meeting: &str,
) -> std::collections::BTreeSet<NaiveDate> {
    sessions
        .iter()
        .filter(|s| s.meeting == meeting && s.reason == Some(SkipCode::Cancelled))
        .map(|s| s.date)
        .collect()
}

/// Ids derived from what identifies a record, so the same record imported
/// twice gets the same id. FNV-1a is written out here because its output must
/// never change between releases.
pub fn stable_id(prefix: &str, parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{prefix}-{:012x}", hash >> 16)
}

pub fn agenda_id(meeting: &str, date: NaiveDate, title: &str) -> String {
    stable_id("a", &[meeting, &date.to_string(), title.trim()])
}

pub fn postmortem_id(meeting: &str, date: NaiveDate, title: &str) -> String {
    stable_id("pm", &[meeting, &date.to_string(), title.trim()])
}

pub fn learning_id(meeting: &str, date: NaiveDate, text: &str) -> String {
    stable_id("l", &[meeting, &date.to_string(), text.trim()])
}

#[cfg(test)]
mod tests;
