//! The versioned interchange format (`weekly-postmortem/v1` JSON) and the CSV
//! of past sessions that teams keep in spreadsheets. Parsing validates every
//! record and names the first bad one, so an import is all or nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::domain::actions::{Action, action_id};
use crate::domain::incidents::Incident;
use crate::domain::language::Language;
use crate::domain::log::{
    AgendaItem, AgendaKind, Invalid, Learning, Postmortem, Session, TextKind, agenda_id,
    check_field, learning_id, postmortem_id,
};
use crate::domain::people::JoinedPerson;
use crate::messages::Message;
use crate::messages::config::{Explanation, serde_words_ja};
use crate::messages::import::ImportText as Say;

pub const FORMAT_V1: &str = "weekly-postmortem/v1";

/// The largest document an import reads, from a file, stdin or the API: a few
/// years of a busy log fit many times over.
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// The whole log as one document. Field names are a contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub format: String,
    #[serde(default)]
    pub sessions: Vec<Session>,
    #[serde(default)]
    pub postmortems: Vec<Postmortem>,
    #[serde(default)]
    pub learnings: Vec<Learning>,
    /// Facilitator rosters changed with `/rotation`, by meeting (optional).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rosters: BTreeMap<String, Vec<String>>,
    /// Incidents from alert hooks (optional; documents before issue 14 have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<Incident>,
    /// People not in the config who joined a rotation from Discord (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<JoinedPerson>,
    /// Prevention actions (optional; documents before issue 25 have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
}

/// Why a file cannot be imported; nothing of it is stored. `Display` is
/// English (logs, backups); [`ImportError::say`] is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", location.en, problem.en)]
pub struct ImportError {
    /// The record (`sessions[3] (weekly 2024-05-15)`), CSV row, or position in the file.
    pub location: Explanation,
    pub problem: Explanation,
}

impl ImportError {
    /// The error in `language`.
    pub fn say(&self, language: Language) -> String {
        format!(
            "{}: {}",
            self.location.say(language),
            self.problem.say(language)
        )
    }
}

fn import_error(location: impl Into<Explanation>, problem: impl Into<Explanation>) -> ImportError {
    ImportError {
        location: location.into(),
        problem: problem.into(),
    }
}

/// A record's label (`sessions[3] (weekly 2024-05-15)`): the same in both languages.
fn at(label: impl Into<String>) -> Explanation {
    Explanation::same(label)
}

/// A key of the document, as code in Japanese text.
fn key(name: &str) -> Explanation {
    Explanation {
        ja: format!("`{name}`"),
        en: name.to_string(),
    }
}

/// A record's field that broke its rule.
fn field_problem(invalid: &Invalid) -> Explanation {
    Explanation {
        ja: Say::Field {
            field: &invalid.field,
            problem: &invalid.problem_ja,
        }
        .ja(),
        en: Say::Field {
            field: &invalid.field,
            problem: &invalid.problem,
        }
        .en(),
    }
}

impl Document {
    pub fn empty() -> Self {
        Self {
            format: FORMAT_V1.to_string(),
            ..Self::default()
        }
    }

    /// Parses and checks a JSON document against the meetings we know.
    pub fn from_json(text: &str, known_meetings: &[&str]) -> Result<Self, ImportError> {
        // Excel and Windows editors write a byte order mark; it says nothing here.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Each record stays a slice of `text` until it is read: a tree of
        // `Value`s for a 100 MB document would take ten times its size.
        let root: BTreeMap<String, &RawValue> = serde_json::from_str(text).map_err(|e| {
            if e.classify() == serde_json::error::Category::Data {
                import_error(Say::Document, Say::NotAnObject)
            } else {
                import_error(
                    Say::LineColumn {
                        line: e.line() as u64,
                        column: e.column() as u64,
                    },
                    Say::NotJson {
                        detail: &e.to_string(),
                    },
                )
            }
        })?;
        let format = root
            .get("format")
            .and_then(|f| serde_json::from_str::<serde_json::Value>(f.get()).ok());
        match format.as_ref().and_then(|f| f.as_str()) {
            Some(FORMAT_V1) => {}
            Some(other) => {
                return Err(import_error(
                    key("format"),
                    Say::UnknownFormat {
                        got: &shown(other),
                        expected: FORMAT_V1,
                    },
                ));
            }
            None => {
                return Err(import_error(
                    key("format"),
                    Say::NoFormat {
                        expected: FORMAT_V1,
                    },
                ));
            }
        }
        if let Some(unknown) = root.keys().find(|k| {
            !matches!(
                k.as_str(),
                "format"
                    | "sessions"
                    | "postmortems"
                    | "learnings"
                    | "rosters"
                    | "incidents"
                    | "people"
                    | "actions"
            )
        }) {
            return Err(import_error(
                key(&shown(unknown)),
                Say::UnknownTopField {
                    expected: "format, sessions, postmortems, learnings, rosters, incidents, people, actions",
                },
            ));
        }
        let mut document = Document {
            format: FORMAT_V1.to_string(),
            sessions: records(root.get("sessions"), "sessions")?,
            postmortems: records(root.get("postmortems"), "postmortems")?,
            learnings: records(root.get("learnings"), "learnings")?,
            rosters: match root.get("rosters") {
                Some(value) => serde_json::from_str(value.get()).map_err(|e| {
                    import_error(
                        key("rosters"),
                        Say::BadRosters {
                            detail: &e.to_string(),
                        },
                    )
                })?,
                None => BTreeMap::new(),
            },
            incidents: records(root.get("incidents"), "incidents")?,
            people: records(root.get("people"), "people")?,
            actions: records(root.get("actions"), "actions")?,
        };
        document.complete_and_check(known_meetings)?;
        Ok(document)
    }

    /// Fills in derived ids and checks every record; the first problem wins.
    /// Every text field meets [`check_field`]'s rule for its kind, and no two
    /// records of a kind share an id (the second would silently replace the first).
    pub fn complete_and_check(&mut self, known_meetings: &[&str]) -> Result<(), ImportError> {
        let check_meeting = |meeting: &str| -> Result<(), Invalid> {
            if known_meetings.contains(&meeting) {
                Ok(())
            } else {
                Err(Invalid::new(
                    "meeting",
                    format!(
                        "\"{}\" is not a configured meeting (configured: {})",
                        shown(meeting),
                        known_meetings.join(", ")
                    ),
                    format!(
                        "「{}」は設定にない会議です（設定済み: {}）",
                        shown(meeting),
                        known_meetings.join(", ")
                    ),
                ))
            }
        };
        self.complete_sessions(&check_meeting)?;
        let mut postmortem_ids = Ids::default();
        for (i, pm) in self.postmortems.iter_mut().enumerate() {
            let explicit = !pm.id.is_empty();
            if !explicit {
                pm.id = postmortem_id(&pm.meeting, pm.date, &pm.title);
            }
            let location = format!(
                "postmortems[{i}] ({} {} \"{}\")",
                shown(&pm.meeting),
                pm.date,
                shown(&pm.title)
            );
            check_meeting(&pm.meeting)
                .and_then(|()| pm.validate())
                .map_err(|e| import_error(at(&location), field_problem(&e)))?;
            postmortem_ids
                .insert(&pm.id, format!("postmortems[{i}]"), explicit)
                .map_err(|problem| import_error(at(&location), problem))?;
        }
        let mut learning_ids = Ids::default();
        for (i, learning) in self.learnings.iter_mut().enumerate() {
            let explicit = !learning.id.is_empty();
            if !explicit {
                learning.id = learning_id(&learning.meeting, learning.date, &learning.text);
            }
            let location = format!(
                "learnings[{i}] ({} {})",
                shown(&learning.meeting),
                learning.date
            );
            check_meeting(&learning.meeting)
                .and_then(|()| learning.validate())
                .map_err(|e| import_error(at(&location), field_problem(&e)))?;
            learning_ids
                .insert(&learning.id, format!("learnings[{i}]"), explicit)
                .map_err(|problem| import_error(at(&location), problem))?;
        }
        let mut incident_ids = Ids::default();
        for (i, incident) in self.incidents.iter().enumerate() {
            let location = format!("incidents[{i}] ({})", shown(&incident.id));
            check_meeting(&incident.meeting)
                .and_then(|()| incident.validate())
                .map_err(|e| import_error(at(&location), field_problem(&e)))?;
            incident_ids
                .insert(&incident.id, format!("incidents[{i}]"), true)
                .map_err(|problem| import_error(at(&location), problem))?;
        }
        self.check_rosters_and_people(&check_meeting)?;
        self.complete_actions(&check_meeting)?;
        Ok(())
    }

    /// Actions: ids filled in, each checked, no two sharing an id.
    fn complete_actions(
        &mut self,
        check_meeting: &dyn Fn(&str) -> Result<(), Invalid>,
    ) -> Result<(), ImportError> {
        let mut action_ids = Ids::default();
        for (i, action) in self.actions.iter_mut().enumerate() {
            let explicit = !action.id.is_empty();
            if !explicit {
                action.id = action_id(&action.meeting, action.created, &action.title);
            }
            let location = format!(
                "actions[{i}] ({} \"{}\")",
                shown(&action.meeting),
                shown(&action.title)
            );
            check_meeting(&action.meeting)
                .and_then(|()| action.validate())
                .map_err(|e| import_error(at(&location), field_problem(&e)))?;
            action_ids
                .insert(&action.id, format!("actions[{i}]"), explicit)
                .map_err(|problem| import_error(at(&location), problem))?;
        }
        Ok(())
    }

    /// The first action naming a postmortem that is neither in this document
    /// nor known to `is_stored`: where it is, and the id it names.
    pub fn unknown_postmortem(&self, is_stored: impl Fn(&str) -> bool) -> Option<(usize, &str)> {
        let here: std::collections::HashSet<&str> =
            self.postmortems.iter().map(|p| p.id.as_str()).collect();
        self.actions.iter().enumerate().find_map(|(i, a)| {
            let id = a.postmortem.as_deref()?;
            (!here.contains(id) && !is_stored(id)).then_some((i, id))
        })
    }

    /// Sessions: agenda ids filled in, each session checked and met once, and
    /// no two agenda items sharing an id.
    fn complete_sessions(
        &mut self,
        check_meeting: &dyn Fn(&str) -> Result<(), Invalid>,
    ) -> Result<(), ImportError> {
        let mut seen_sessions = HashMap::new();
        let mut agenda_ids = Ids::default();
        for (i, session) in self.sessions.iter_mut().enumerate() {
            let location = format!(
                "sessions[{i}] ({} {})",
                shown(&session.meeting),
                session.date
            );
            let mut explicit = Vec::with_capacity(session.agenda.len());
            for item in &mut session.agenda {
                explicit.push(!item.id.is_empty());
                if item.id.is_empty() {
                    item.id = agenda_id(&session.meeting, session.date, &item.title);
                }
            }
            check_meeting(&session.meeting)
                .and_then(|()| session.validate())
                .map_err(|e| import_error(at(&location), field_problem(&e)))?;
            if let Some(first) = seen_sessions.insert(session.key(), i) {
                return Err(import_error(at(location), Say::RepeatsSession { first }));
            }
            for (j, item) in session.agenda.iter().enumerate() {
                agenda_ids
                    .insert(&item.id, format!("sessions[{i}].agenda[{j}]"), explicit[j])
                    .map_err(|problem| import_error(at(&location), problem))?;
            }
        }
        Ok(())
    }

    /// Rosters name configured meetings and proper names; people appear once.
    fn check_rosters_and_people(
        &self,
        check_meeting: &dyn Fn(&str) -> Result<(), Invalid>,
    ) -> Result<(), ImportError> {
        for (meeting, roster) in &self.rosters {
            check_meeting(meeting)
                .and_then(|()| {
                    roster.iter().enumerate().try_for_each(|(i, name)| {
                        check_field(TextKind::Name, &format!("{}[{i}]", shown(meeting)), name)
                    })
                })
                .map_err(|e| import_error(key("rosters"), field_problem(&e)))?;
        }
        let mut people = std::collections::HashSet::new();
        for (i, person) in self.people.iter().enumerate() {
            let location = format!("people[{i}] ({})", shown(&person.name));
            person
                .validate()
                .map_err(|e| import_error(at(&location), field_problem(&e)))?;
            if !people.insert(&person.name) {
                return Err(import_error(at(&location), Say::SecondPerson));
            }
        }
        Ok(())
    }

    /// Past sessions from a spreadsheet: `date,title,presenter,kind,notes`,
    /// one agenda item per row, all for `meeting`.
    pub fn from_csv(
        text: &str,
        meeting: &str,
        known_meetings: &[&str],
    ) -> Result<Self, ImportError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| {
                import_error(
                    Say::Line { line: 1 },
                    Say::CsvHeaderUnreadable {
                        detail: &e.to_string(),
                    },
                )
            })?
            .clone();
        let expected = ["date", "title", "presenter", "kind", "notes"];
        if headers.iter().collect::<Vec<_>>() != expected {
            return Err(import_error(
                Say::Line { line: 1 },
                Say::CsvHeader {
                    expected: &expected.join(","),
                },
            ));
        }
        let mut by_date: BTreeMap<NaiveDate, Session> = BTreeMap::new();
        let mut lines_by_id: HashMap<String, usize> = HashMap::new();
        for (index, row) in reader.records().enumerate() {
            // The line a record starts on: a quoted note may span several.
            let line = match &row {
                Ok(r) => r.position().map(|p| p.line()),
                Err(e) => e.position().map(|p| p.line()),
            }
            .map_or(index + 2, |l| l as usize);
            let row = row.map_err(|e| {
                import_error(
                    Say::Line { line: line as u64 },
                    Say::CsvUnreadable {
                        detail: &shown_problem(&e.to_string()),
                    },
                )
            })?;
            let (date, item) = csv_item(&row, line, meeting)?;
            if let Some(first) = lines_by_id.insert(item.id.clone(), line) {
                return Err(import_error(
                    Say::Line { line: line as u64 },
                    Say::RepeatsLine {
                        first: first as u64,
                    },
                ));
            }
            by_date
                .entry(date)
                .or_insert_with(|| Session::new(meeting, date))
                .agenda
                .push(item);
        }
        let mut document = Document {
            sessions: by_date.into_values().collect(),
            ..Document::empty()
        };
        document.complete_and_check(known_meetings).map_err(|e| {
            // Point at the spreadsheet row rather than the document built from it.
            let row = &e.location;
            let location = Explanation {
                ja: Say::FromCsv { row: &row.ja }.ja(),
                en: Say::FromCsv { row: &row.en }.en(),
            };
            import_error(location, e.problem)
        })?;
        Ok(document)
    }
}

fn records<T: DeserializeOwned>(
    value: Option<&&RawValue>,
    name: &str,
) -> Result<Vec<T>, ImportError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let items: Vec<&RawValue> =
        serde_json::from_str(value.get()).map_err(|_| import_error(key(name), Say::NotAnArray))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut reader = serde_json::Deserializer::from_str(item.get());
            serde_path_to_error::deserialize(&mut reader).map_err(|e| {
                let label = describe(name, i, item);
                let path = e.path().to_string();
                // serde quotes the offending value (`unknown variant "…"`): keep it short.
                let problem = shown_problem(&e.into_inner().to_string());
                let ja = serde_words_ja(&problem)
                    .unwrap_or_else(|| Say::Unreadable { detail: &problem }.ja());
                let problem = if path == "." {
                    Explanation { ja, en: problem }
                } else {
                    Explanation {
                        ja: format!("`{path}`: {ja}"),
                        en: format!("{path}: {problem}"),
                    }
                };
                import_error(at(label), problem)
            })
        })
        .collect()
}

/// `sessions[3] (weekly 2024-05-15)`: enough for a person to find the record.
fn describe(name: &str, index: usize, item: &RawValue) -> String {
    let item: serde_json::Value = serde_json::from_str(item.get()).unwrap_or_default();
    let field = |key: &str| {
        item.get(key)
            .and_then(|v| v.as_str())
            .map_or("?".into(), shown)
    };
    format!("{name}[{index}] ({} {})", field("meeting"), field("date"))
}

/// A value shown in an error: control characters escaped and at most
/// [`SHOWN_CHARS`] characters, so a 2,000,000-character id or a BEL cannot
/// flood or ring the terminal that shows the error.
fn shown(text: &str) -> String {
    const SHOWN_CHARS: usize = 40;
    let mut out: String = text
        .chars()
        .take(SHOWN_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// A parser's message, which may quote the value it refused, made safe to show.
fn shown_problem(problem: &str) -> String {
    const PROBLEM_CHARS: usize = 300;
    let mut out: String = problem
        .chars()
        .take(PROBLEM_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if problem.chars().nth(PROBLEM_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Ids already used by one kind of record in this file, and where.
#[derive(Default)]
struct Ids {
    first_at: HashMap<String, (String, bool)>,
}

impl Ids {
    /// Records `id` for the record at `at`, or says which earlier record has it.
    fn insert(&mut self, id: &str, at: String, explicit: bool) -> Result<(), Explanation> {
        match self.first_at.get(id) {
            None => {
                self.first_at.insert(id.to_string(), (at, explicit));
                Ok(())
            }
            Some((first, first_explicit)) => {
                let (first, at, id) = (first.as_str(), at.as_str(), &shown(id));
                Err(if explicit || *first_explicit {
                    Say::SameId { first, at, id }.into()
                } else {
                    Say::SameRecord { first, at, id }.into()
                })
            }
        }
    }
}

/// One spreadsheet row as its session's date and agenda item, checked so an
/// error names the row's `line`.
fn csv_item(
    row: &csv::StringRecord,
    line: usize,
    meeting: &str,
) -> Result<(NaiveDate, AgendaItem), ImportError> {
    let field = |i: usize| row.get(i).unwrap_or("").to_string();
    let date_text = field(0);
    let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").map_err(|_| {
        import_error(
            Say::Line { line: line as u64 },
            Say::NotADate {
                got: &shown(&date_text),
            },
        )
    })?;
    let kind_text = field(3);
    let kind = if kind_text.is_empty() {
        AgendaKind::Topic
    } else {
        AgendaKind::parse(&kind_text).ok_or_else(|| {
            import_error(
                Say::Line { line: line as u64 },
                Say::NotAKind {
                    got: &shown(&kind_text),
                },
            )
        })?
    };
    let non_empty = |s: String| (!s.is_empty()).then_some(s);
    let title = field(1);
    let item = AgendaItem {
        id: agenda_id(meeting, date, &title),
        title,
        kind,
        presenter: non_empty(field(2)),
        link: None,
        notes: non_empty(field(4)),
        added_by: None,
        added_at: None,
        ..Default::default()
    };
    // Checked here so the error names the spreadsheet row.
    item.validate()
        .map_err(|e| import_error(Say::Line { line: line as u64 }, field_problem(&e)))?;
    Ok((date, item))
}

#[cfg(test)]
mod tests;
