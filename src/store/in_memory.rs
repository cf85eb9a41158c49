//! The session log in memory: the whole port over maps behind one lock, for
//! the app's and the jobs' unit tests (no temp directory, no sled). It keeps
//! the adapter's promises that tests lean on (key order, validation, merge on
//! import, atomic updates); the contract tests in `store/contract_tests.rs`
//! hold it and the sled log to the same answers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use chrono::NaiveDate;

use super::facts::Markers;
use super::port::{
    ActionLog, HistorySearch, IncidentLog, KnowledgeLog, LogDocument, SessionStore, Upkeep,
    export_of, unknown_postmortem,
};
use super::{AlertsAbsorbed, FactLog, ImportSummary, StoreError};
use crate::domain::actions::Action;
use crate::domain::history::{HistoryIndex, Query, Record, records_of};
use crate::domain::incidents::{self, Episode, Group, Incident};
use crate::domain::log::{Invalid, Learning, Postmortem, Session};
use crate::interchange::Document;

#[derive(Default)]
struct Contents {
    sessions: BTreeMap<(String, NaiveDate), Session>,
    postmortems: BTreeMap<String, Postmortem>,
    learnings: BTreeMap<String, Learning>,
    incidents: BTreeMap<String, Incident>,
    actions: BTreeMap<String, Action>,
    wants_reminders: BTreeSet<String>,
    reminded: BTreeSet<(String, NaiveDate)>,
    markers: BTreeMap<String, String>,
    /// Bumped with every write of a record, as the sled log's generation is.
    revision: u128,
}

/// The in-memory session log.
#[derive(Default)]
pub struct InMemoryLog {
    contents: Mutex<Contents>,
}

impl InMemoryLog {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Contents> {
        self.contents.lock().expect("in-memory log poisoned")
    }

    /// Runs `f` on the contents as one write of records.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Contents) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut contents = self.lock();
        let result = f(&mut contents)?;
        contents.revision += 1;
        Ok(result)
    }
}

/// How one import put changed a stored value.
fn count<T: PartialEq>(summary: &mut ImportSummary, before: Option<&T>, after: &T) {
    match before {
        Some(old) if old == after => summary.unchanged += 1,
        Some(_) => summary.updated += 1,
        None => summary.added += 1,
    }
}

impl SessionStore for InMemoryLog {
    fn session(&self, meeting: &str, date: NaiveDate) -> Result<Option<Session>, StoreError> {
        Ok(self
            .lock()
            .sessions
            .get(&(meeting.to_string(), date))
            .cloned())
    }

    fn sessions(&self, meeting: Option<&str>) -> Result<Vec<Session>, StoreError> {
        Ok(self
            .lock()
            .sessions
            .values()
            .filter(|s| meeting.is_none_or(|m| s.meeting == m))
            .cloned()
            .collect())
    }

    fn update_session(
        &self,
        meeting: &str,
        date: NaiveDate,
        change: &mut dyn FnMut(&mut Session) -> Result<(), Invalid>,
    ) -> Result<Session, StoreError> {
        self.write(|contents| {
            let key = (meeting.to_string(), date);
            let mut session = contents
                .sessions
                .get(&key)
                .cloned()
                .unwrap_or_else(|| Session::new(meeting, date));
            change(&mut session).map_err(StoreError::Invalid)?;
            session.validate().map_err(StoreError::Invalid)?;
            contents.sessions.insert(key, session.clone());
            Ok(session)
        })
    }
}

impl KnowledgeLog for InMemoryLog {
    fn put_postmortem(&self, postmortem: &Postmortem) -> Result<(), StoreError> {
        postmortem.validate().map_err(StoreError::Invalid)?;
        self.write(|c| {
            c.postmortems
                .insert(postmortem.id.clone(), postmortem.clone());
            Ok(())
        })
    }

    fn put_learning(&self, learning: &Learning) -> Result<(), StoreError> {
        learning.validate().map_err(StoreError::Invalid)?;
        self.write(|c| {
            c.learnings.insert(learning.id.clone(), learning.clone());
            Ok(())
        })
    }

    fn postmortems(&self) -> Result<Vec<Postmortem>, StoreError> {
        Ok(self.lock().postmortems.values().cloned().collect())
    }

    fn postmortem(&self, id: &str) -> Result<Option<Postmortem>, StoreError> {
        Ok(self.lock().postmortems.get(id).cloned())
    }

    fn learnings(&self) -> Result<Vec<Learning>, StoreError> {
        Ok(self.lock().learnings.values().cloned().collect())
    }
}

impl IncidentLog for InMemoryLog {
    fn absorb_alerts(
        &self,
        groups: &[(Group, Vec<Episode>)],
    ) -> Result<AlertsAbsorbed, StoreError> {
        let mut contents = self.lock();
        // Decided on a copy and applied whole: an invalid incident changes nothing.
        let mut incidents = contents.incidents.clone();
        let mut summary = AlertsAbsorbed::default();
        for (group, episodes) in groups {
            let existing: Vec<Incident> = incidents
                .values()
                .filter(|i| i.meeting == group.meeting && i.group_key == group.key)
                .cloned()
                .collect();
            let absorbed = incidents::absorb(&existing, group, episodes.clone());
            summary.new_episodes += absorbed.new_episodes;
            summary.ended_episodes += absorbed.ended_episodes;
            summary.incidents_changed += absorbed.changed.len();
            for incident in absorbed.changed {
                incident.validate().map_err(StoreError::Invalid)?;
                incidents.insert(incident.id.clone(), incident);
            }
            for id in &absorbed.removed {
                incidents.remove(id);
            }
        }
        if summary.incidents_changed > 0 {
            contents.incidents = incidents;
            contents.revision += 1;
        }
        Ok(summary)
    }

    fn incidents(&self, meeting: Option<&str>) -> Result<Vec<Incident>, StoreError> {
        Ok(self
            .lock()
            .incidents
            .values()
            .filter(|i| meeting.is_none_or(|m| i.meeting == m))
            .cloned()
            .collect())
    }

    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        Ok(self.lock().incidents.get(id).cloned())
    }
}

impl ActionLog for InMemoryLog {
    fn actions(&self, meeting: Option<&str>) -> Result<Vec<Action>, StoreError> {
        Ok(self
            .lock()
            .actions
            .values()
            .filter(|a| meeting.is_none_or(|m| a.meeting == m))
            .cloned()
            .collect())
    }

    fn action(&self, id: &str) -> Result<Option<Action>, StoreError> {
        Ok(self.lock().actions.get(id).cloned())
    }

    fn put_action(&self, action: &Action) -> Result<(), StoreError> {
        action.validate().map_err(StoreError::Invalid)?;
        self.write(|c| {
            c.actions.insert(action.id.clone(), action.clone());
            Ok(())
        })
    }

    fn update_action(
        &self,
        id: &str,
        change: &mut dyn FnMut(&mut Action) -> bool,
    ) -> Result<(Action, bool), StoreError> {
        let mut contents = self.lock();
        let Some(mut action) = contents.actions.get(id).cloned() else {
            return Err(StoreError::NotFound {
                what: "action",
                id: id.to_string(),
            });
        };
        if !change(&mut action) {
            return Ok((action, false));
        }
        action.validate().map_err(StoreError::Invalid)?;
        contents.actions.insert(id.to_string(), action.clone());
        contents.revision += 1;
        Ok((action, true))
    }

    fn wants_action_reminders(&self, user_id: &str) -> Result<bool, StoreError> {
        Ok(self.lock().wants_reminders.contains(user_id))
    }

    fn set_wants_action_reminders(&self, user_id: &str, wanted: bool) -> Result<(), StoreError> {
        let mut contents = self.lock();
        if wanted {
            contents.wants_reminders.insert(user_id.to_string());
        } else {
            contents.wants_reminders.remove(user_id);
        }
        Ok(())
    }

    fn action_reminder_sent(&self, action_id: &str, due: NaiveDate) -> Result<bool, StoreError> {
        Ok(self.lock().reminded.contains(&(action_id.to_string(), due)))
    }

    fn record_action_reminder(&self, action_id: &str, due: NaiveDate) -> Result<(), StoreError> {
        self.lock().reminded.insert((action_id.to_string(), due));
        Ok(())
    }
}

impl HistorySearch for InMemoryLog {
    fn search(&self, query: &Query) -> Result<Vec<Record>, StoreError> {
        self.search_after(query, 0)
    }

    fn search_after(&self, query: &Query, skip: usize) -> Result<Vec<Record>, StoreError> {
        let contents = self.lock();
        let mut records = records_of(
            contents.sessions.values().cloned().collect(),
            contents.postmortems.values().cloned().collect(),
            contents.learnings.values().cloned().collect(),
        );
        records.extend(contents.incidents.values().cloned().map(Record::Incident));
        records.extend(contents.actions.values().cloned().map(Record::Action));
        drop(contents);
        let mut by_hit: HashMap<_, Record> = records
            .iter()
            .map(|r| ((r.kind(), r.id()), r.clone()))
            .collect();
        let mut wider = query.clone();
        if wider.limit > 0 {
            wider.limit += skip;
        }
        Ok(HistoryIndex::new(records)
            .search(&wider)
            .into_iter()
            .skip(skip)
            .filter_map(|hit| by_hit.remove(&(hit.kind, hit.id)))
            .collect())
    }

    fn revision(&self) -> Result<Option<[u8; 16]>, StoreError> {
        Ok(Some(self.lock().revision.to_be_bytes()))
    }
}

impl LogDocument for InMemoryLog {
    fn import(&self, document: &Document) -> Result<ImportSummary, StoreError> {
        let mut contents = self.lock();
        if let Some((i, id)) =
            document.unknown_postmortem(|id| contents.postmortems.contains_key(id))
        {
            return Err(unknown_postmortem(i, id));
        }
        let mut summary = ImportSummary::default();
        for incoming in &document.sessions {
            let key = (incoming.meeting.clone(), incoming.date);
            let before = contents.sessions.get(&key).cloned();
            let merged = match before.clone() {
                Some(mut session) => {
                    session.merge_from(incoming);
                    session
                }
                None => incoming.clone(),
            };
            count(&mut summary, before.as_ref(), &merged);
            contents.sessions.insert(key, merged);
        }
        for pm in &document.postmortems {
            count(&mut summary, contents.postmortems.get(&pm.id), pm);
            contents.postmortems.insert(pm.id.clone(), pm.clone());
        }
        for learning in &document.learnings {
            count(&mut summary, contents.learnings.get(&learning.id), learning);
            contents
                .learnings
                .insert(learning.id.clone(), learning.clone());
        }
        for action in &document.actions {
            count(&mut summary, contents.actions.get(&action.id), action);
            contents.actions.insert(action.id.clone(), action.clone());
        }
        for incident in &document.incidents {
            count(&mut summary, contents.incidents.get(&incident.id), incident);
            contents
                .incidents
                .insert(incident.id.clone(), incident.clone());
        }
        contents.revision += 1;
        drop(contents);
        // Rosters and people are facts: kept where the fact methods read them.
        for (meeting, roster) in &document.rosters {
            count(&mut summary, self.roster(meeting)?.as_ref(), roster);
            self.set_roster(meeting, roster)?;
        }
        for person in &document.people {
            count(
                &mut summary,
                self.joined_person(&person.name)?.as_ref(),
                person,
            );
            self.put_joined_person(person)?;
        }
        Ok(summary)
    }

    fn export(&self) -> Result<Document, StoreError> {
        export_of(self)
    }
}

impl Upkeep for InMemoryLog {
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn recover(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

impl Markers for InMemoryLog {
    fn marker(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().markers.get(key).cloned())
    }

    fn set_marker(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        let mut contents = self.lock();
        match value {
            Some(value) => contents.markers.insert(key.to_string(), value.to_string()),
            None => contents.markers.remove(key),
        };
        Ok(())
    }

    fn set_marker_once(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        let mut contents = self.lock();
        if contents.markers.contains_key(key) {
            return Ok(false);
        }
        contents.markers.insert(key.to_string(), value.to_string());
        Ok(true)
    }

    fn markers(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .lock()
            .markers
            .range(prefix.to_string()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
