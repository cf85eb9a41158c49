//! The store port ([`crate::store::port`]) as the sled log implements it.

use super::*;
use crate::store::port::{
    HistorySearch, IncidentLog, KnowledgeLog, LogDocument, SessionStore, Upkeep,
};

impl SessionStore for SledLog {
    fn session(&self, meeting: &str, date: NaiveDate) -> Result<Option<Session>, StoreError> {
        self.get(&session_key(meeting, date))
    }

    fn sessions(&self, meeting: Option<&str>) -> Result<Vec<Session>, StoreError> {
        match meeting {
            Some(id) => self.scan(&format!("{SESSION}{id}/")),
            None => self.scan(SESSION),
        }
    }

    fn sessions_between(
        &self,
        meeting: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<Session>, StoreError> {
        // Keys sort by date within a meeting, so this reads only the range.
        self.counted(
            self.db
                .range(session_key(meeting, from)..=session_key(meeting, until)),
        )
        .map(|entry| {
            let (key, value) = entry.map_err(backend)?;
            decode(&String::from_utf8_lossy(&key), &value)
        })
        .collect()
    }

    fn cancelled_dates(&self, meeting: &str) -> Result<BTreeSet<NaiveDate>, StoreError> {
        /// Only the field that matters here: serde skips the agenda, RSVPs and notes
        /// without building them.
        #[derive(serde::Deserialize)]
        struct ReasonOnly {
            date: NaiveDate,
            #[serde(default)]
            reason: Option<SkipCode>,
        }
        let mut dates = BTreeSet::new();
        for entry in self.counted(self.db.scan_prefix(format!("{SESSION}{meeting}/"))) {
            let (key, value) = entry.map_err(backend)?;
            let session: ReasonOnly = decode(&String::from_utf8_lossy(&key), &value)?;
            if session.reason == Some(SkipCode::Cancelled) {
                dates.insert(session.date);
            }
        }
        Ok(dates)
    }

    fn update_session(
        &self,
        meeting: &str,
        date: NaiveDate,
        change: &mut dyn FnMut(&mut Session) -> Result<(), Invalid>,
    ) -> Result<Session, StoreError> {
        let key = session_key(meeting, date);
        let session = {
            let writing = self.write_lock();
            let old = self.db.get(&key).map_err(backend)?;
            let mut session = match &old {
                Some(bytes) => decode(&key, bytes)?,
                None => Session::new(meeting, date),
            };
            change(&mut session).map_err(StoreError::Invalid)?;
            session.validate().map_err(StoreError::Invalid)?;
            let new = encode(&session)?;
            let mut batch = sled::Batch::default();
            let changes = stage_search(&mut batch, &key, old.as_deref(), Some(&new))?;
            batch.insert(key.as_bytes(), new);
            self.commit(&writing, batch, changes)?;
            session
        };
        self.flush()?;
        Ok(session)
    }
}

impl KnowledgeLog for SledLog {
    fn put_postmortem(&self, postmortem: &Postmortem) -> Result<(), StoreError> {
        postmortem.validate().map_err(StoreError::Invalid)?;
        self.put(&format!("{POSTMORTEM}{}", postmortem.id), postmortem)
    }

    fn put_learning(&self, learning: &Learning) -> Result<(), StoreError> {
        learning.validate().map_err(StoreError::Invalid)?;
        self.put(&format!("{LEARNING}{}", learning.id), learning)
    }

    fn postmortems(&self) -> Result<Vec<Postmortem>, StoreError> {
        self.scan(POSTMORTEM)
    }

    fn postmortem(&self, id: &str) -> Result<Option<Postmortem>, StoreError> {
        self.get(&format!("{POSTMORTEM}{id}"))
    }

    fn learnings(&self) -> Result<Vec<Learning>, StoreError> {
        self.scan(LEARNING)
    }
}

impl IncidentLog for SledLog {
    fn absorb_alerts(
        &self,
        groups: &[(Group, Vec<Episode>)],
    ) -> Result<AlertsAbsorbed, StoreError> {
        let mut summary = AlertsAbsorbed::default();
        {
            let writing = self.write_lock();
            let mut batch = sled::Batch::default();
            let mut changes = SearchChanges::default();
            let mut stage = |batch: &mut sled::Batch,
                             key: &str,
                             old: Option<&[u8]>,
                             new: Option<&[u8]>|
             -> Result<(), StoreError> {
                let mut these = stage_search(batch, key, old, new)?;
                changes.removed.append(&mut these.removed);
                changes.added.append(&mut these.added);
                Ok(())
            };
            for (group, episodes) in groups {
                let members = incident_group_prefix(&group.meeting, &group.key);
                let mut existing = Vec::new();
                for entry in self.db.scan_prefix(&members) {
                    let (key, _) = entry.map_err(backend)?;
                    let id = String::from_utf8_lossy(&key[members.len()..]).into_owned();
                    existing.extend(self.get::<Incident>(&incident_key(&id))?);
                }
                let absorbed = incidents::absorb(&existing, group, episodes.clone());
                summary.new_episodes += absorbed.new_episodes;
                summary.ended_episodes += absorbed.ended_episodes;
                summary.incidents_changed += absorbed.changed.len();
                for incident in &absorbed.changed {
                    incident.validate().map_err(StoreError::Invalid)?;
                    let key = incident_key(&incident.id);
                    let old = self.db.get(&key).map_err(backend)?;
                    let new = encode(incident)?;
                    stage(&mut batch, &key, old.as_deref(), Some(&new))?;
                    batch.insert(key.as_bytes(), new);
                    batch.insert(format!("{members}{}", incident.id).as_bytes(), &[][..]);
                }
                for id in &absorbed.removed {
                    let key = incident_key(id);
                    let old = self.db.get(&key).map_err(backend)?;
                    stage(&mut batch, &key, old.as_deref(), None)?;
                    batch.remove(key.as_bytes());
                    batch.remove(format!("{members}{id}").as_bytes());
                }
            }
            if summary.incidents_changed > 0 {
                self.commit(&writing, batch, changes)?;
            }
        }
        self.flush()?;
        Ok(summary)
    }

    fn incidents(&self, meeting: Option<&str>) -> Result<Vec<Incident>, StoreError> {
        let mut all: Vec<Incident> = self.scan(INCIDENT)?;
        all.retain(|i| meeting.is_none_or(|m| i.meeting == m));
        Ok(all)
    }

    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        self.get(&incident_key(id))
    }
}

impl HistorySearch for SledLog {
    fn search(&self, query: &Query) -> Result<Vec<Record>, StoreError> {
        self.search_in_memory(query)
    }

    fn search_after(&self, query: &Query, skip: usize) -> Result<Vec<Record>, StoreError> {
        self.search_in_memory_after(query, skip)
    }

    fn revision(&self) -> Result<Option<[u8; 16]>, StoreError> {
        // The search generation is replaced in the batch of every record change.
        self.search_generation()
    }
}

impl LogDocument for SledLog {
    fn import(&self, document: &Document) -> Result<ImportSummary, StoreError> {
        if let Some((i, id)) = document.unknown_postmortem(|id| {
            self.db
                .contains_key(format!("{POSTMORTEM}{id}"))
                .unwrap_or(false)
        }) {
            return Err(crate::store::port::unknown_postmortem(i, id));
        }
        let mut stages = ImportStages::new(self);
        for incoming in &document.sessions {
            let key = session_key(&incoming.meeting, incoming.date);
            // A document may name a session twice: merge into what this import made of it.
            let current = match stages.pending(&key) {
                Some(pending) => Some(decode::<Session>(&key, pending)?),
                None => self.get::<Session>(&key)?,
            };
            let merged = match current {
                Some(mut session) => {
                    session.merge_from(incoming);
                    session
                }
                None => incoming.clone(),
            };
            stages.put(key, encode(&merged)?)?;
        }
        for pm in &document.postmortems {
            stages.put(format!("{POSTMORTEM}{}", pm.id), encode(pm)?)?;
        }
        for learning in &document.learnings {
            stages.put(format!("{LEARNING}{}", learning.id), encode(learning)?)?;
        }
        for action in &document.actions {
            stages.put(format!("{ACTION}{}", action.id), encode(action)?)?;
        }
        for incident in &document.incidents {
            stages.put(incident_key(&incident.id), encode(incident)?)?;
            let member = incident_group_prefix(&incident.meeting, &incident.group_key);
            stages.put(format!("{member}{}", incident.id), Vec::new())?;
        }
        for (meeting, roster) in &document.rosters {
            let roster = serde_json::to_string(roster)
                .map_err(|e| StoreError::Backend(format!("encoding a roster: {e}")))?;
            let key = crate::store::facts::roster_key(meeting);
            stages.put(format!("{MARKER}{key}"), encode(&roster)?)?;
        }
        for person in &document.people {
            let json = serde_json::to_string(person)
                .map_err(|e| StoreError::Backend(format!("encoding a person: {e}")))?;
            let key = crate::store::facts::joined_person_key(&person.name);
            stages.put(format!("{MARKER}{key}"), encode(&json)?)?;
        }
        let summary = stages.finish()?;
        self.flush()?;
        Ok(summary)
    }

    fn export(&self) -> Result<Document, StoreError> {
        crate::store::port::export_of(self)
    }
}

impl Upkeep for SledLog {
    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(backend)
    }

    /// A bare handle cannot reopen itself: [`crate::store::RecoverableLog`] can.
    fn recover(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

impl crate::store::facts::Markers for SledLog {
    fn marker(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.get(&format!("{MARKER}{key}"))
    }

    fn set_marker(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        let key = format!("{MARKER}{key}");
        match value {
            Some(value) => self.put(&key, &value),
            None => {
                {
                    let _writing = self.write_lock();
                    self.db.remove(key).map_err(backend)?;
                }
                self.flush()
            }
        }
    }

    fn set_marker_once(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        let key = format!("{MARKER}{key}");
        let swapped = {
            let _writing = self.write_lock();
            self.db
                .compare_and_swap(&key, None as Option<&[u8]>, Some(encode(&value)?))
                .map_err(backend)?
        };
        self.flush()?;
        Ok(swapped.is_ok())
    }

    fn markers(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        let full = format!("{MARKER}{prefix}");
        self.counted(self.db.scan_prefix(&full))
            .map(|entry| {
                let (key, value) = entry.map_err(backend)?;
                let key = String::from_utf8_lossy(&key).into_owned();
                let value: String = decode(&key, &value)?;
                Ok((key[MARKER.len()..].to_string(), value))
            })
            .collect()
    }
}
