//! The small facts the daemon keeps beside the records, each with a typed
//! method: what went out once (posts, by their key), where a session's
//! thread hangs, the live session's state, rosters and their changes, people
//! who joined from Discord, the calendars' bookkeeping. The keys they are
//! stored under live here and nowhere else; an adapter only provides the
//! primitive of small values by key ([`Markers`]).

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;
use crate::domain::live_session::LiveSession;
use crate::domain::people::JoinedPerson;
use crate::domain::rotation::RosterChange;

/// The primitive an adapter provides: small values by key, durable on return.
/// Only this module builds the keys.
pub(crate) trait Markers: Send + Sync {
    fn marker(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets (or with `None` removes) a marker.
    fn set_marker(&self, key: &str, value: Option<&str>) -> Result<(), StoreError>;
    /// Sets a marker only if it is absent; `true` when this call set it.
    fn set_marker_once(&self, key: &str, value: &str) -> Result<bool, StoreError>;
    /// All markers whose key starts with `prefix`, in key order.
    fn markers(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError>;
}

/// A message that goes out once (a reminder, a session's signal, a summary
/// in one place), named for good: the same key after a crash is the same post.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PostKey(String);

impl PostKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const ANNOUNCEMENT: &str = "announcement-message/";
const LIVE_SESSION: &str = "live-session/";
const PRESENCE: &str = "presence/";
const HEALTH_CHECK: &str = "health/last-write";
const CARRY: &str = "carry/";
const ICS_REVISION: &str = "ics-revision/";
const ROSTER: &str = "roster/";
const ROSTER_LOG: &str = "roster-log/";
const JOINED_PERSON: &str = "person/";
const CHANNEL_NAME: &str = "discord-channel-name/";
const CANCELLED_BY_US: &str = "calendar-cancelled/";
const SCHEDULED_EVENT: &str = "scheduled-event/";

/// Where an import writes a meeting's roster (the sled adapter stages it).
pub(crate) fn roster_key(meeting: &str) -> String {
    format!("{ROSTER}{meeting}")
}

/// Where an import writes a person who joined from Discord.
pub(crate) fn joined_person_key(name: &str) -> String {
    format!("{JOINED_PERSON}{name}")
}

fn encode<T: serde::Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(format!("encoding {what}: {e}")))
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))
}

/// The facts, typed. Every adapter of [`Markers`] has them.
pub trait FactLog: Send + Sync {
    /// What was recorded when the post under `key` went out (a time or a message id).
    fn post_recorded(&self, key: &PostKey) -> Result<Option<String>, StoreError>;
    fn record_post(&self, key: &PostKey, value: &str) -> Result<(), StoreError>;

    /// The message id of a session's announcement, which its thread hangs from.
    fn announcement(&self, meeting: &str, date: NaiveDate) -> Result<Option<u64>, StoreError>;
    fn record_announcement(
        &self,
        meeting: &str,
        date: NaiveDate,
        message: u64,
    ) -> Result<(), StoreError>;

    /// The live session's state. One this version cannot read counts as
    /// none rather than an error: it stays until a new start overwrites it.
    fn live_session(
        &self,
        meeting: &str,
        date: NaiveDate,
    ) -> Result<Option<LiveSession>, StoreError>;
    fn set_live_session(
        &self,
        meeting: &str,
        date: NaiveDate,
        live: &LiveSession,
    ) -> Result<(), StoreError>;
    /// A session's summary, frozen once written.
    fn session_summary(&self, meeting: &str, date: NaiveDate)
    -> Result<Option<String>, StoreError>;
    fn set_session_summary(
        &self,
        meeting: &str,
        date: NaiveDate,
        text: &str,
    ) -> Result<(), StoreError>;
    /// Where the summary of a session goes out: its key under the session's.
    fn summary_post(&self, meeting: &str, date: NaiveDate, place: &str) -> PostKey;
    /// The key of a live session's post (its run-of-show, a step, a signal).
    fn session_post(&self, meeting: &str, date: NaiveDate, what: &str) -> PostKey;

    /// The head count taken ten minutes in, once.
    fn presence_counted(&self, meeting: &str, date: NaiveDate) -> Result<bool, StoreError>;
    fn record_presence(
        &self,
        meeting: &str,
        date: NaiveDate,
        present: u32,
    ) -> Result<(), StoreError>;

    /// The store's health check: one small write.
    fn record_health_check(&self, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// From which date the carry-over looks at sessions again.
    fn carry_look_from(&self, meeting: &str) -> Result<Option<NaiveDate>, StoreError>;
    fn set_carry_look_from(&self, meeting: &str, date: NaiveDate) -> Result<(), StoreError>;

    /// The calendar feed's revisions, by the session's date.
    fn ics_revisions(&self, meeting: &str) -> Result<Vec<(NaiveDate, String)>, StoreError>;
    fn set_ics_revision(
        &self,
        meeting: &str,
        date: NaiveDate,
        revision: Option<&str>,
    ) -> Result<(), StoreError>;

    /// The facilitator roster changed with `/rotation`; `None` until it is.
    fn roster(&self, meeting: &str) -> Result<Option<Vec<String>>, StoreError>;
    fn set_roster(&self, meeting: &str, roster: &[String]) -> Result<(), StoreError>;
    /// Every meeting's roster kept in the store (damaged ones left out).
    fn rosters(&self) -> Result<Vec<(String, Vec<String>)>, StoreError>;
    /// Appends one change of a roster, in order, never overwriting another.
    fn append_roster_change(&self, meeting: &str, change: &RosterChange) -> Result<(), StoreError>;
    /// The roster's changes, oldest first (damaged ones left out).
    fn roster_changes(&self, meeting: &str) -> Result<Vec<RosterChange>, StoreError>;

    /// People who joined from Discord (not in the config).
    fn joined_people(&self) -> Result<Vec<JoinedPerson>, StoreError>;
    fn joined_person(&self, name: &str) -> Result<Option<JoinedPerson>, StoreError>;
    fn put_joined_person(&self, person: &JoinedPerson) -> Result<(), StoreError>;

    /// A Discord channel's name as the bot last saw it.
    fn channel_name(&self, channel: u64) -> Result<Option<String>, StoreError>;
    fn set_channel_name(&self, channel: u64, name: &str) -> Result<(), StoreError>;

    /// Calendar events the sync cancelled itself (not a person), by event id.
    fn events_cancelled_by_us(&self) -> Result<Vec<String>, StoreError>;
    fn set_event_cancelled_by_us(
        &self,
        event: &str,
        meeting: Option<&str>,
    ) -> Result<(), StoreError>;

    /// The Discord scheduled event of each session: (meeting, date, event id).
    fn scheduled_events(&self) -> Result<Vec<(String, NaiveDate, String)>, StoreError>;
    fn set_scheduled_event(
        &self,
        meeting: &str,
        date: NaiveDate,
        event: Option<&str>,
    ) -> Result<(), StoreError>;
}

fn live_key(meeting: &str, date: NaiveDate) -> String {
    format!("{LIVE_SESSION}{meeting}/{date}")
}

impl<T: Markers + ?Sized> FactLog for T {
    fn post_recorded(&self, key: &PostKey) -> Result<Option<String>, StoreError> {
        self.marker(key.as_str())
    }

    fn record_post(&self, key: &PostKey, value: &str) -> Result<(), StoreError> {
        self.set_marker(key.as_str(), Some(value))
    }

    fn announcement(&self, meeting: &str, date: NaiveDate) -> Result<Option<u64>, StoreError> {
        Ok(self
            .marker(&format!("{ANNOUNCEMENT}{meeting}/{date}"))?
            .and_then(|id| id.parse().ok()))
    }

    fn record_announcement(
        &self,
        meeting: &str,
        date: NaiveDate,
        message: u64,
    ) -> Result<(), StoreError> {
        self.set_marker(
            &format!("{ANNOUNCEMENT}{meeting}/{date}"),
            Some(&message.to_string()),
        )
    }

    fn live_session(
        &self,
        meeting: &str,
        date: NaiveDate,
    ) -> Result<Option<LiveSession>, StoreError> {
        Ok(self.marker(&live_key(meeting, date))?.and_then(|json| {
            serde_json::from_str(&json)
                .inspect_err(|e| tracing::warn!("live session state for {date} unreadable: {e}"))
                .ok()
        }))
    }

    fn set_live_session(
        &self,
        meeting: &str,
        date: NaiveDate,
        live: &LiveSession,
    ) -> Result<(), StoreError> {
        let json = encode("a live session", live)?;
        self.set_marker(&live_key(meeting, date), Some(&json))
    }

    fn session_summary(
        &self,
        meeting: &str,
        date: NaiveDate,
    ) -> Result<Option<String>, StoreError> {
        self.marker(&format!("{}/summary", live_key(meeting, date)))
    }

    fn set_session_summary(
        &self,
        meeting: &str,
        date: NaiveDate,
        text: &str,
    ) -> Result<(), StoreError> {
        self.set_marker(&format!("{}/summary", live_key(meeting, date)), Some(text))
    }

    fn summary_post(&self, meeting: &str, date: NaiveDate, place: &str) -> PostKey {
        PostKey(format!("{}/summary/{place}", live_key(meeting, date)))
    }

    fn session_post(&self, meeting: &str, date: NaiveDate, what: &str) -> PostKey {
        PostKey(format!("{}/{what}", live_key(meeting, date)))
    }

    fn presence_counted(&self, meeting: &str, date: NaiveDate) -> Result<bool, StoreError> {
        Ok(self
            .marker(&format!("{PRESENCE}{meeting}/{date}"))?
            .is_some())
    }

    fn record_presence(
        &self,
        meeting: &str,
        date: NaiveDate,
        present: u32,
    ) -> Result<(), StoreError> {
        self.set_marker(
            &format!("{PRESENCE}{meeting}/{date}"),
            Some(&present.to_string()),
        )
    }

    fn record_health_check(&self, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.set_marker(HEALTH_CHECK, Some(&at.to_rfc3339()))
    }

    fn carry_look_from(&self, meeting: &str) -> Result<Option<NaiveDate>, StoreError> {
        Ok(self
            .marker(&format!("{CARRY}{meeting}/look_from"))?
            .and_then(|v| v.parse().ok()))
    }

    fn set_carry_look_from(&self, meeting: &str, date: NaiveDate) -> Result<(), StoreError> {
        self.set_marker(
            &format!("{CARRY}{meeting}/look_from"),
            Some(&date.to_string()),
        )
    }

    fn ics_revisions(&self, meeting: &str) -> Result<Vec<(NaiveDate, String)>, StoreError> {
        let prefix = format!("{ICS_REVISION}{meeting}/");
        Ok(self
            .markers(&prefix)?
            .into_iter()
            .filter_map(|(key, value)| Some((key[prefix.len()..].parse().ok()?, value)))
            .collect())
    }

    fn set_ics_revision(
        &self,
        meeting: &str,
        date: NaiveDate,
        revision: Option<&str>,
    ) -> Result<(), StoreError> {
        self.set_marker(&format!("{ICS_REVISION}{meeting}/{date}"), revision)
    }

    fn roster(&self, meeting: &str) -> Result<Option<Vec<String>>, StoreError> {
        let key = roster_key(meeting);
        self.marker(&key)?
            .map(|json| decode(&key, &json))
            .transpose()
    }

    fn set_roster(&self, meeting: &str, roster: &[String]) -> Result<(), StoreError> {
        self.set_marker(&roster_key(meeting), Some(&encode("a roster", &roster)?))
    }

    fn rosters(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        // A damaged roster is left out (`roster` names it when it is asked for).
        Ok(self
            .markers(ROSTER)?
            .into_iter()
            .filter_map(|(key, json)| {
                Some((
                    key[ROSTER.len()..].to_string(),
                    serde_json::from_str(&json).ok()?,
                ))
            })
            .collect())
    }

    fn append_roster_change(&self, meeting: &str, change: &RosterChange) -> Result<(), StoreError> {
        let entry = encode("a roster change", change)?;
        // Numbered in order; setting only an absent key keeps two changes at once apart.
        let prefix = format!("{ROSTER_LOG}{meeting}/");
        let mut number = self.markers(&prefix)?.len();
        while !self.set_marker_once(&format!("{prefix}{number:08}"), &entry)? {
            number += 1;
        }
        Ok(())
    }

    fn roster_changes(&self, meeting: &str) -> Result<Vec<RosterChange>, StoreError> {
        Ok(self
            .markers(&format!("{ROSTER_LOG}{meeting}/"))?
            .into_iter()
            .filter_map(|(_, json)| serde_json::from_str(&json).ok())
            .collect())
    }

    fn joined_people(&self) -> Result<Vec<JoinedPerson>, StoreError> {
        // One damaged entry does not hide the others.
        Ok(self
            .markers(JOINED_PERSON)?
            .into_iter()
            .filter_map(|(_, json)| serde_json::from_str(&json).ok())
            .collect())
    }

    fn joined_person(&self, name: &str) -> Result<Option<JoinedPerson>, StoreError> {
        Ok(self
            .marker(&joined_person_key(name))?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    fn put_joined_person(&self, person: &JoinedPerson) -> Result<(), StoreError> {
        self.set_marker(
            &joined_person_key(&person.name),
            Some(&encode("a person", person)?),
        )
    }

    fn channel_name(&self, channel: u64) -> Result<Option<String>, StoreError> {
        self.marker(&format!("{CHANNEL_NAME}{channel}"))
    }

    fn set_channel_name(&self, channel: u64, name: &str) -> Result<(), StoreError> {
        self.set_marker(&format!("{CHANNEL_NAME}{channel}"), Some(name))
    }

    fn events_cancelled_by_us(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .markers(CANCELLED_BY_US)?
            .into_iter()
            .map(|(key, _)| key[CANCELLED_BY_US.len()..].to_string())
            .collect())
    }

    fn set_event_cancelled_by_us(
        &self,
        event: &str,
        meeting: Option<&str>,
    ) -> Result<(), StoreError> {
        self.set_marker(&format!("{CANCELLED_BY_US}{event}"), meeting)
    }

    fn scheduled_events(&self) -> Result<Vec<(String, NaiveDate, String)>, StoreError> {
        Ok(self
            .markers(SCHEDULED_EVENT)?
            .into_iter()
            .filter_map(|(key, id)| {
                let (meeting, date) = key[SCHEDULED_EVENT.len()..].rsplit_once('/')?;
                Some((meeting.to_string(), date.parse().ok()?, id))
            })
            .collect())
    }

    fn set_scheduled_event(
        &self,
        meeting: &str,
        date: NaiveDate,
        event: Option<&str>,
    ) -> Result<(), StoreError> {
        self.set_marker(&format!("{SCHEDULED_EVENT}{meeting}/{date}"), event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_keep_the_keys_earlier_versions_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let log = crate::store::SledLog::open(dir.path()).unwrap();
        let date: NaiveDate = "2026-12-09".parse().unwrap();
        log.set_roster("weekly", &["sato".into()]).unwrap();
        log.record_announcement("weekly", date, 42).unwrap();
        log.set_scheduled_event("weekly", date, Some("77")).unwrap();
        for (key, value) in [
            ("roster/weekly", "[\"sato\"]"),
            ("announcement-message/weekly/2026-12-09", "42"),
            ("scheduled-event/weekly/2026-12-09", "77"),
        ] {
            assert_eq!(log.marker(key).unwrap().as_deref(), Some(value), "{key}");
        }
        assert_eq!(
            log.scheduled_events().unwrap(),
            [("weekly".into(), date, "77".into())]
        );
        let change = |person: &str| RosterChange {
            at: "2026-12-01T01:00:00Z".parse().unwrap(),
            by: "1001".into(),
            action: crate::domain::rotation::RosterAction::Add,
            person: person.into(),
            position: None,
        };
        log.append_roster_change("weekly", &change("sato")).unwrap();
        log.append_roster_change("weekly", &change("suzuki"))
            .unwrap();
        assert_eq!(
            log.roster_changes("weekly").unwrap(),
            [change("sato"), change("suzuki")]
        );
        assert_eq!(
            log.marker("roster-log/weekly/00000000").unwrap().as_deref(),
            Some(
                r#"{"at":"2026-12-01T01:00:00Z","by":"1001","action":"add","person":"sato","position":null}"#
            )
        );
        log.set_marker("roster/broken", Some("not json")).unwrap();
        assert!(matches!(log.roster("broken"), Err(StoreError::Corrupt(_))));
    }
}
