//! The versioned interchange format (`weekly-postmortem/v1` JSON) and the CSV
//! of past sessions that teams keep in spreadsheets. Parsing validates every
//! record and names the first bad one, so an import is all or nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

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
            )
        }) {
            return Err(import_error(
                key(&shown(unknown)),
                Say::UnknownTopField {
                    expected: "format, sessions, postmortems, learnings, rosters, incidents, people",
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

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["weekly"];

    #[test]
    fn a_bad_record_is_named_and_nothing_is_returned() {
        let text = r#"{"format":"weekly-postmortem/v1","sessions":[
            {"meeting":"weekly","date":"2024-05-15","status":"held"},
            {"meeting":"weekly","date":"2024-02-30","status":"held"}]}"#;
        let err = Document::from_json(text, KNOWN).unwrap_err();
        assert_eq!(err.location.en, "sessions[1] (weekly 2024-02-30)");
        assert!(err.problem.en.starts_with("date: "), "{err}");
    }

    #[test]
    fn wrong_format_and_unknown_meetings_are_refused() {
        let err = Document::from_json(r#"{"format":"other/v9"}"#, KNOWN).unwrap_err();
        assert!(err.to_string().contains("\"other/v9\" is not a format"));
        let text = r#"{"format":"weekly-postmortem/v1","learnings":[{"meeting":"daily","date":"2024-05-15","text":"x"}]}"#;
        let err = Document::from_json(text, KNOWN).unwrap_err();
        assert_eq!(err.location.en, "learnings[0] (daily 2024-05-15)");
        assert!(err.problem.en.contains("not a configured meeting"));
    }

    #[test]
    fn csv_rows_become_agenda_items_grouped_by_session() {
        let text = "date,title,presenter,kind,notes\n2024-05-15,DB failover,tanaka,incident,slow\n2024-05-15,Dashboards,,dashboard,\n2024-05-22,Open talk,,,\n";
        let doc = Document::from_csv(text, "weekly", KNOWN).unwrap();
        assert_eq!(doc.sessions.len(), 2);
        assert_eq!(doc.sessions[0].agenda.len(), 2);
        assert_eq!(
            doc.sessions[0].agenda[0].presenter.as_deref(),
            Some("tanaka")
        );
        assert_eq!(doc.sessions[1].agenda[0].kind, AgendaKind::Topic);
        let err = Document::from_csv(
            "date,title,presenter,kind,notes\n2024-05-15,,x,topic,\n",
            "weekly",
            KNOWN,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "line 2: title: is empty");
        let err = Document::from_csv(
            "date,title,presenter,kind,notes\n2024-05-15,x,y,war,\n",
            "weekly",
            KNOWN,
        )
        .unwrap_err();
        assert_eq!(err.location.en, "line 2");
    }

    fn learnings(items: serde_json::Value) -> String {
        serde_json::json!({"format": FORMAT_V1, "learnings": items}).to_string()
    }

    #[test]
    fn control_characters_and_oversized_texts_are_refused_in_every_field() {
        let session = |extra: serde_json::Value| {
            let mut s =
                serde_json::json!({"meeting": "weekly", "date": "2024-05-15", "status": "held"});
            s.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            serde_json::json!({"format": FORMAT_V1, "sessions": [s]}).to_string()
        };
        let agenda = |item: serde_json::Value| session(serde_json::json!({"agenda": [item]}));
        let cases = [
            (
                agenda(serde_json::json!({"id": "a\u{7}b", "title": "t"})),
                "agenda[0].id: contains the control character U+0007",
            ),
            (
                agenda(serde_json::json!({"title": "t", "team": "SRE\u{1b}"})),
                "agenda[0].team: contains the control character U+001B",
            ),
            (
                agenda(serde_json::json!({"title": "t", "team": "x".repeat(1_000_000)})),
                "agenda[0].team: is 1000000 characters long; the limit is 100",
            ),
            (
                agenda(serde_json::json!({"title": "t", "presenter": "a\tb"})),
                "agenda[0].presenter: contains the control character U+0009",
            ),
            (
                session(
                    serde_json::json!({"proposal": {"format": "open_talk", "title": "talk\u{0}"}}),
                ),
                "proposal.title: contains the control character U+0000",
            ),
            (
                session(
                    serde_json::json!({"proposal": {"format": "open_talk", "title": "t", "detail": "a\u{7}"}}),
                ),
                "proposal.detail: contains the control character U+0007",
            ),
            (
                session(serde_json::json!({"facilitator": ""})),
                "facilitator: is empty",
            ),
            (
                learnings(
                    serde_json::json!([{"meeting": "weekly", "date": "2024-05-15", "text": "x", "tags": ["db", "a\nb"]}]),
                ),
                "tags[1]: must be one line",
            ),
            (
                serde_json::json!({"format": FORMAT_V1, "rosters": {"weekly": ["sato", "\u{7}"]}})
                    .to_string(),
                "rosters: weekly[1]: contains the control character U+0007",
            ),
            (
                serde_json::json!({"format": FORMAT_V1, "people": [{"name": "discord-12", "display": "x", "discord_id": "13"}]})
                    .to_string(),
                "people[0] (discord-12): discord_id",
            ),
            (
                serde_json::json!({"format": FORMAT_V1, "people": [
                    {"name": "discord-12", "display": "x", "discord_id": "12"},
                    {"name": "discord-12", "display": "y", "discord_id": "12"}]})
                .to_string(),
                "people[1] (discord-12): a second entry",
            ),
        ];
        for (text, expected) in cases {
            let err = Document::from_json(&text, KNOWN).unwrap_err();
            assert!(err.to_string().contains(expected), "{expected:?} in {err}");
        }
    }

    #[test]
    fn a_two_million_character_id_is_refused_without_being_repeated() {
        let text = learnings(serde_json::json!([
            {"id": "x".repeat(2_000_000), "meeting": "weekly", "date": "2024-05-15", "text": "t"}
        ]));
        let err = Document::from_json(&text, KNOWN).unwrap_err().to_string();
        assert_eq!(
            err,
            "learnings[0] (weekly 2024-05-15): id: is 2000000 characters long; the limit is 128"
        );
    }

    #[test]
    fn duplicate_ids_within_a_file_name_both_records() {
        let text = learnings(serde_json::json!([
            {"id": "x", "meeting": "weekly", "date": "2024-05-15", "text": "one"},
            {"meeting": "weekly", "date": "2024-05-15", "text": "two"},
            {"id": "x", "meeting": "weekly", "date": "2024-05-22", "text": "three"}
        ]));
        let err = Document::from_json(&text, KNOWN).unwrap_err();
        assert_eq!(err.location.en, "learnings[2] (weekly 2024-05-22)");
        assert!(
            err.problem
                .en
                .starts_with("learnings[0] and learnings[2] both have id \"x\"; give each"),
            "{err}"
        );
        // The same learning twice without ids derives one id for both.
        let text = learnings(serde_json::json!([
            {"meeting": "weekly", "date": "2024-05-15", "text": "same"},
            {"meeting": "weekly", "date": "2024-05-15", "text": "same"}
        ]));
        let err = Document::from_json(&text, KNOWN).unwrap_err();
        assert!(
            err.problem
                .en
                .starts_with("learnings[0] and learnings[1] are the same record"),
            "{err}"
        );
        let text = serde_json::json!({"format": FORMAT_V1, "postmortems": [
            {"id": "pm", "meeting": "weekly", "date": "2024-05-15", "title": "a"},
            {"id": "pm", "meeting": "weekly", "date": "2024-05-22", "title": "b"}
        ]})
        .to_string();
        let err = Document::from_json(&text, KNOWN).unwrap_err();
        assert!(
            err.problem
                .en
                .starts_with("postmortems[0] and postmortems[1] both have id \"pm\""),
            "{err}"
        );
        let text = serde_json::json!({"format": FORMAT_V1, "sessions": [
            {"meeting": "weekly", "date": "2024-05-15", "status": "held", "agenda": [{"id": "i", "title": "a"}]},
            {"meeting": "weekly", "date": "2024-05-22", "status": "held", "agenda": [{"title": "b"}, {"id": "i", "title": "c"}]}
        ]})
        .to_string();
        let err = Document::from_json(&text, KNOWN).unwrap_err();
        assert!(
            err.problem
                .en
                .starts_with("sessions[0].agenda[0] and sessions[1].agenda[1] both have id \"i\""),
            "{err}"
        );
    }

    #[test]
    fn values_quoted_in_errors_are_escaped_and_clipped() {
        let meeting = format!("\u{7}{}", "m".repeat(100));
        let text =
            learnings(serde_json::json!([{"meeting": meeting, "date": "2024-05-15", "text": "t"}]));
        let err = Document::from_json(&text, KNOWN).unwrap_err().to_string();
        assert!(!err.chars().any(char::is_control), "{err:?}");
        assert!(err.starts_with("learnings[0] (\\u{7}mmm"), "{err}");
        assert!(err.len() < 300, "{err}");
        let text = serde_json::json!({"format": FORMAT_V1, "sessions": [
            {"meeting": "weekly", "date": "2024-05-15", "status": "\u{7}".repeat(10_000)}
        ]})
        .to_string();
        let err = Document::from_json(&text, KNOWN).unwrap_err().to_string();
        assert!(!err.chars().any(char::is_control), "{err:?}");
        assert!(err.chars().count() < 400, "{err}");
    }

    #[test]
    fn csv_rows_are_checked_with_their_line_and_a_repeated_row_is_named() {
        let err = Document::from_csv(
            "date,title,presenter,kind,notes\n2024-05-15,DB,tanaka,incident,\n2024-05-15,x\u{7},y,topic,\n",
            "weekly",
            KNOWN,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3: title: contains the control character U+0007; remove it"
        );
        let err = Document::from_csv(
            "date,title,presenter,kind,notes\n2024-05-15,DB,tanaka,incident,\n2024-05-22,DB,,,\n2024-05-15,DB,sato,topic,\n",
            "weekly",
            KNOWN,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 4: repeats line 2 (same date and title); remove one of them"
        );
        let err = Document::from_csv(
            &format!(
                "date,title,presenter,kind,notes\n{},t,,,\n",
                "9".repeat(5000)
            ),
            "weekly",
            KNOWN,
        )
        .unwrap_err();
        assert!(err.to_string().chars().count() < 200, "{err}");
    }

    #[test]
    fn a_bad_record_is_named_in_japanese_for_people() {
        let text = r#"{"format":"weekly-postmortem/v1","sessions":[{"meeting":"weekly","date":"2024-05-15","status":"held","colour":1}]}"#;
        let err = Document::from_json(text, KNOWN).unwrap_err();
        let ja = err.say(Language::Ja);
        assert!(ja.starts_with("sessions[0] (weekly 2024-05-15): "), "{ja}");
        assert!(
            err.say(Language::Ja)
                .contains("`colour` というキーはありません"),
            "{}",
            err.say(Language::Ja)
        );
        let err = Document::from_csv(
            "date,title,presenter,kind,notes\n12/14,DNS,,,\n",
            "weekly",
            KNOWN,
        )
        .unwrap_err();
        assert_eq!(
            err.say(Language::Ja),
            "2 行目: 日付 `12/14` は YYYY-MM-DD の日付ではありません"
        );
        assert_eq!(
            err.to_string(),
            "line 2: date \"12/14\" is not a date as YYYY-MM-DD"
        );
    }
}
