//! The calendar reconciler's pure half: from the schedule and the log, the
//! events that should exist; compared with what Google lists, the actions
//! that make them match. Nothing here talks to Google.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::google::{EventSpec, ListedEvent};
use crate::domain::language::Language;
use crate::domain::log::Session;
use crate::domain::schedule::Occurrence;
use crate::messages::invitation::{Channel, invite};

/// What every event of one meeting shares.
pub struct EventSettings<'a> {
    pub meeting_id: &'a str,
    pub title: &'a str,
    pub time_zone: &'a str,
    pub attendees: &'a [String],
    pub reminder_minutes: u32,
    pub language: Language,
    /// Where to add topics; `None` without Discord.
    pub discord_channel: Option<Channel<'a>>,
}

/// An event we want, with the date it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub date: NaiveDate,
    pub spec: EventSpec,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Insert(EventSpec),
    /// Also revives an event we cancelled earlier.
    Update(EventSpec),
    Cancel {
        id: String,
    },
    /// A person cancelled or deleted a held week's event: their decision stands.
    AcceptCancellation {
        date: NaiveDate,
        id: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub unchanged: usize,
}

/// Deterministic event id: base32hex (Google's alphabet `0-9a-v`) of
/// `meeting/date`, so a restart or a retry can never create a second event.
pub fn event_id(meeting_id: &str, date: NaiveDate) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let input = format!("weekly-postmortem/{meeting_id}/{date}");
    let mut out = String::with_capacity(input.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in input.bytes() {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Held sessions that have not started yet, as events.
pub fn desired_events(
    settings: &EventSettings,
    occurrences: &[Occurrence],
    sessions: &BTreeMap<NaiveDate, Session>,
    now: DateTime<Utc>,
) -> Vec<Desired> {
    occurrences
        .iter()
        .filter(|o| o.is_held() && o.start.with_timezone(&Utc) > now)
        .map(|o| {
            let text = invite(
                settings.title,
                o,
                sessions.get(&o.date),
                settings.language,
                settings.discord_channel,
            );
            Desired {
                date: o.date,
                spec: EventSpec {
                    id: event_id(settings.meeting_id, o.date),
                    meeting_id: settings.meeting_id.to_string(),
                    summary: text.summary,
                    description: text.description,
                    start: o.start.with_timezone(&Utc),
                    end: o.end.with_timezone(&Utc),
                    time_zone: settings.time_zone.to_string(),
                    attendees: settings.attendees.to_vec(),
                    reminder_minutes: Some(settings.reminder_minutes),
                },
            }
        })
        .collect()
}

/// The actions that make `listed` match `desired`. Events that started
/// before `now` are never touched; `cancelled_by_us` tells our own
/// cancellations (which we may undo) from a person's (which we respect).
pub fn plan(
    desired: &[Desired],
    listed: &[ListedEvent],
    cancelled_by_us: &BTreeSet<String>,
    now: DateTime<Utc>,
) -> Plan {
    let by_id: BTreeMap<&str, &ListedEvent> = listed.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut plan = Plan::default();
    for want in desired {
        match by_id.get(want.spec.id.as_str()) {
            None => plan.actions.push(Action::Insert(want.spec.clone())),
            Some(have) if have.cancelled => {
                if cancelled_by_us.contains(&want.spec.id) {
                    plan.actions.push(Action::Update(want.spec.clone()));
                } else {
                    plan.actions.push(Action::AcceptCancellation {
                        date: want.date,
                        id: want.spec.id.clone(),
                    });
                }
            }
            Some(have) => match &have.spec {
                Some(spec) if spec.normalized() == want.spec.normalized() => plan.unchanged += 1,
                _ => plan.actions.push(Action::Update(want.spec.clone())),
            },
        }
    }
    let wanted: BTreeSet<&str> = desired.iter().map(|d| d.spec.id.as_str()).collect();
    for have in listed {
        let upcoming = have.spec.as_ref().is_some_and(|s| s.start > now);
        if !have.cancelled && upcoming && !wanted.contains(have.id.as_str()) {
            plan.actions.push(Action::Cancel {
                id: have.id.clone(),
            });
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str, start: &str, summary: &str) -> EventSpec {
        let start: DateTime<Utc> = start.parse().unwrap();
        EventSpec {
            id: id.into(),
            meeting_id: "weekly".into(),
            summary: summary.into(),
            description: "d".into(),
            start,
            end: start + chrono::TimeDelta::hours(1),
            time_zone: "Asia/Tokyo".into(),
            attendees: vec!["eng@example.com".into()],
            reminder_minutes: Some(10),
        }
    }

    fn desired(id: &str, date: &str, start: &str) -> Desired {
        Desired {
            date: date.parse().unwrap(),
            spec: spec(id, start, "s"),
        }
    }

    fn listed(spec: EventSpec, cancelled: bool) -> ListedEvent {
        ListedEvent {
            id: spec.id.clone(),
            cancelled,
            spec: Some(spec),
        }
    }

    const NOW: &str = "2026-11-29T00:00:00Z";

    #[test]
    fn event_ids_are_in_googles_alphabet_and_distinct_per_date() {
        let a = event_id("weekly", "2026-12-02".parse().unwrap());
        let b = event_id("weekly", "2026-12-09".parse().unwrap());
        assert_ne!(a, b);
        assert!(a.len() >= 5 && a.len() <= 1024);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'v').contains(&c)),
            "{a}"
        );
    }

    #[test]
    fn steady_state_plans_nothing() {
        let want = vec![desired("e1", "2026-12-02", "2026-12-02T08:00:00Z")];
        let have = vec![listed(want[0].spec.clone(), false)];
        let plan = plan(&want, &have, &BTreeSet::new(), NOW.parse().unwrap());
        assert_eq!(
            plan,
            Plan {
                actions: vec![],
                unchanged: 1
            }
        );
    }

    #[test]
    fn missing_events_are_inserted_changed_ones_updated_unwanted_future_ones_cancelled() {
        let want = vec![
            desired("e1", "2026-12-02", "2026-12-02T08:00:00Z"),
            desired("e2", "2026-12-09", "2026-12-09T08:00:00Z"),
        ];
        let have = vec![
            listed(spec("e2", "2026-12-09T09:00:00Z", "s"), false),
            listed(spec("e3", "2026-12-16T08:00:00Z", "s"), false),
            listed(spec("past", "2026-11-25T08:00:00Z", "s"), false),
        ];
        let plan = plan(&want, &have, &BTreeSet::new(), NOW.parse().unwrap());
        assert_eq!(
            plan.actions,
            vec![
                Action::Insert(want[0].spec.clone()),
                Action::Update(want[1].spec.clone()),
                Action::Cancel { id: "e3".into() },
            ]
        );
    }

    #[test]
    fn a_persons_cancellation_is_accepted_ours_is_undone() {
        let want = vec![
            desired("e1", "2026-12-02", "2026-12-02T08:00:00Z"),
            desired("e2", "2026-12-09", "2026-12-09T08:00:00Z"),
        ];
        let have = vec![
            listed(want[0].spec.clone(), true),
            listed(want[1].spec.clone(), true),
        ];
        let ours = BTreeSet::from(["e2".to_string()]);
        let plan = plan(&want, &have, &ours, NOW.parse().unwrap());
        assert_eq!(
            plan.actions,
            vec![
                Action::AcceptCancellation {
                    date: "2026-12-02".parse().unwrap(),
                    id: "e1".into()
                },
                Action::Update(want[1].spec.clone()),
            ]
        );
    }
}
