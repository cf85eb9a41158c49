//! The versioned interchange format (`weekly-postmortem/v1` JSON) and the CSV
//! of past sessions that teams keep in spreadsheets. Parsing validates every
//! record and names the first bad one, so an import is all or nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::log::{
    AgendaItem, AgendaKind, Invalid, Learning, Postmortem, Session, agenda_id, learning_id,
    postmortem_id,
};

pub const FORMAT_V1: &str = "weekly-postmortem/v1";

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
}

/// Why a file cannot be imported; nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {problem}")]
pub struct ImportError {
    /// The record (`sessions[3] (weekly 2024-05-15)`), CSV row, or position in the file.
    pub location: String,
    pub problem: String,
}

fn import_error(location: impl Into<String>, problem: impl Into<String>) -> ImportError {
    ImportError {
        location: location.into(),
        problem: problem.into(),
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
        let root: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            import_error(
                format!("line {}, column {}", e.line(), e.column()),
                format!("not valid JSON: {e}"),
            )
        })?;
        let object = root.as_object().ok_or_else(|| {
            import_error("document", "expected a JSON object with a \"format\" field")
        })?;
        match object.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT_V1) => {}
            Some(other) => {
                return Err(import_error(
                    "format",
                    format!("{other:?} is not a format this version reads; expected {FORMAT_V1:?}"),
                ));
            }
            None => {
                return Err(import_error(
                    "format",
                    format!("missing; expected {FORMAT_V1:?}"),
                ));
            }
        }
        if let Some(key) = object.keys().find(|k| {
            !matches!(
                k.as_str(),
                "format" | "sessions" | "postmortems" | "learnings" | "rosters"
            )
        }) {
            return Err(import_error(
                key.clone(),
                "unknown field; expected format, sessions, postmortems, learnings, rosters",
            ));
        }
        let mut document = Document {
            format: FORMAT_V1.to_string(),
            sessions: records(object.get("sessions"), "sessions")?,
            postmortems: records(object.get("postmortems"), "postmortems")?,
            learnings: records(object.get("learnings"), "learnings")?,
            rosters: match object.get("rosters") {
                Some(value) => serde_json::from_value(value.clone()).map_err(|e| {
                    import_error(
                        "rosters",
                        format!("expected {{\"meeting\": [\"name\", …]}}: {e}"),
                    )
                })?,
                None => BTreeMap::new(),
            },
        };
        document.complete_and_check(known_meetings)?;
        Ok(document)
    }

    /// Fills in derived ids and checks every record; the first problem wins.
    pub fn complete_and_check(&mut self, known_meetings: &[&str]) -> Result<(), ImportError> {
        let check_meeting = |meeting: &str| -> Result<(), Invalid> {
            if known_meetings.contains(&meeting) {
                Ok(())
            } else {
                Err(Invalid {
                    field: "meeting".into(),
                    problem: format!(
                        "{meeting:?} is not a configured meeting (configured: {})",
                        known_meetings.join(", ")
                    ),
                })
            }
        };
        let mut seen_sessions = HashMap::new();
        for (i, session) in self.sessions.iter_mut().enumerate() {
            let location = format!("sessions[{i}] ({} {})", session.meeting, session.date);
            for item in &mut session.agenda {
                if item.id.is_empty() {
                    item.id = agenda_id(&session.meeting, session.date, &item.title);
                }
            }
            check_meeting(&session.meeting)
                .and_then(|()| session.validate())
                .map_err(|e| import_error(&location, e.to_string()))?;
            if let Some(first) = seen_sessions.insert(session.key(), i) {
                return Err(import_error(
                    location,
                    format!("repeats the session at sessions[{first}]"),
                ));
            }
        }
        for (i, pm) in self.postmortems.iter_mut().enumerate() {
            if pm.id.is_empty() {
                pm.id = postmortem_id(&pm.meeting, pm.date, &pm.title);
            }
            check_meeting(&pm.meeting)
                .and_then(|()| pm.validate())
                .map_err(|e| {
                    import_error(
                        format!(
                            "postmortems[{i}] ({} {} {:?})",
                            pm.meeting, pm.date, pm.title
                        ),
                        e.to_string(),
                    )
                })?;
        }
        for (i, learning) in self.learnings.iter_mut().enumerate() {
            if learning.id.is_empty() {
                learning.id = learning_id(&learning.meeting, learning.date, &learning.text);
            }
            check_meeting(&learning.meeting)
                .and_then(|()| learning.validate())
                .map_err(|e| {
                    import_error(
                        format!("learnings[{i}] ({} {})", learning.meeting, learning.date),
                        e.to_string(),
                    )
                })?;
        }
        for (meeting, roster) in &self.rosters {
            check_meeting(meeting)
                .and_then(|()| {
                    roster
                        .iter()
                        .try_for_each(|name| crate::domain::log::check_line("name", name))
                })
                .map_err(|e| import_error(format!("rosters.{meeting}"), e.to_string()))?;
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
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| import_error("line 1", format!("cannot read the header: {e}")))?
            .clone();
        let expected = ["date", "title", "presenter", "kind", "notes"];
        if headers.iter().collect::<Vec<_>>() != expected {
            return Err(import_error(
                "line 1",
                format!("expected the header `{}`", expected.join(",")),
            ));
        }
        let mut by_date: BTreeMap<NaiveDate, Session> = BTreeMap::new();
        for (index, row) in reader.records().enumerate() {
            let line = index + 2;
            let row = row.map_err(|e| import_error(format!("line {line}"), e.to_string()))?;
            let field = |i: usize| row.get(i).unwrap_or("").to_string();
            let date_text = field(0);
            let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").map_err(|_| {
                import_error(
                    format!("line {line}"),
                    format!("date {date_text:?} is not a date as YYYY-MM-DD"),
                )
            })?;
            let kind_text = field(3);
            let kind = if kind_text.is_empty() {
                AgendaKind::Topic
            } else {
                AgendaKind::parse(&kind_text).ok_or_else(|| {
                    import_error(
                        format!("line {line}"),
                        format!(
                            "kind {kind_text:?} is not one of incident, dashboard, topic, other"
                        ),
                    )
                })?
            };
            let non_empty = |s: String| (!s.is_empty()).then_some(s);
            let title = field(1);
            by_date
                .entry(date)
                .or_insert_with(|| Session::new(meeting, date))
                .agenda
                .push(AgendaItem {
                    id: String::new(),
                    title,
                    kind,
                    presenter: non_empty(field(2)),
                    link: None,
                    notes: non_empty(field(4)),
                    added_by: None,
                    added_at: None,
                    ..Default::default()
                });
        }
        let mut document = Document {
            sessions: by_date.into_values().collect(),
            ..Document::empty()
        };
        document.complete_and_check(known_meetings).map_err(|e| {
            // Point at the spreadsheet row rather than the document built from it.
            let row = e.location.clone();
            import_error(format!("{row} (from the CSV)"), e.problem)
        })?;
        Ok(document)
    }
}

fn records<T: DeserializeOwned>(
    value: Option<&serde_json::Value>,
    name: &str,
) -> Result<Vec<T>, ImportError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let items = value
        .as_array()
        .ok_or_else(|| import_error(name, "expected an array"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let label = describe(name, i, item);
            serde_path_to_error::deserialize(item).map_err(|e| {
                let path = e.path().to_string();
                let problem = e.into_inner().to_string();
                if path == "." {
                    import_error(label, problem)
                } else {
                    import_error(label, format!("{path}: {problem}"))
                }
            })
        })
        .collect()
}

/// `sessions[3] (weekly 2024-05-15)`: enough for a person to find the record.
fn describe(name: &str, index: usize, item: &serde_json::Value) -> String {
    let field = |key: &str| item.get(key).and_then(|v| v.as_str()).unwrap_or("?");
    format!("{name}[{index}] ({} {})", field("meeting"), field("date"))
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
        assert_eq!(err.location, "sessions[1] (weekly 2024-02-30)");
        assert!(err.problem.starts_with("date: "), "{err}");
    }

    #[test]
    fn wrong_format_and_unknown_meetings_are_refused() {
        let err = Document::from_json(r#"{"format":"other/v9"}"#, KNOWN).unwrap_err();
        assert!(err.to_string().contains("\"other/v9\" is not a format"));
        let text = r#"{"format":"weekly-postmortem/v1","learnings":[{"meeting":"daily","date":"2024-05-15","text":"x"}]}"#;
        let err = Document::from_json(text, KNOWN).unwrap_err();
        assert_eq!(err.location, "learnings[0] (daily 2024-05-15)");
        assert!(err.problem.contains("not a configured meeting"));
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
        assert!(
            err.to_string().contains("agenda[0].title: is empty"),
            "{err}"
        );
        let err = Document::from_csv(
            "date,title,presenter,kind,notes\n2024-05-15,x,y,war,\n",
            "weekly",
            KNOWN,
        )
        .unwrap_err();
        assert_eq!(err.location, "line 2");
    }
}
