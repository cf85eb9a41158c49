//! Mirrors held sessions as the guild's scheduled events, by the same rule as
//! the calendar: planned purely, then applied through the chat port. Which
//! event is which session is remembered in the store by the event's id, so an
//! event is found again after a restart and never duplicated, and its text
//! carries nothing but what people read. Events made before that carried a
//! tag (`[wp:<meeting>/<date>]`) at the end of their description: they are
//! still recognised by it, adopted and rewritten without it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, Utc};
use tokio::sync::watch;

use crate::app::state::{AppState, Change};
use crate::chat::{ChatPort, EventAction, EventPlace, ExistingEvent, ScheduledEventSpec};
use crate::messages::invitation::{Channel, invite};

/// Discord allows 100 scheduled events per guild; we keep well below.
const MAX_EVENTS: usize = 25;
const EVERY: Duration = Duration::from_secs(60 * 60);
const WATCHES: &[Change] = &[
    Change::Agenda,
    Change::Schedule,
    Change::Roster,
    Change::Import,
];
type Key = (String, NaiveDate);

/// The session an event belongs to, by the ids remembered in the store
/// (`FactLog::scheduled_events`); an id that is not a number is ignored.
fn remembered(stored: Vec<(String, NaiveDate, String)>) -> BTreeMap<u64, Key> {
    stored
        .into_iter()
        .filter_map(|(meeting, date, id)| Some((id.parse().ok()?, (meeting, date))))
        .collect()
}

/// An event of an earlier release: its description ends with `[wp:<meeting>/<date>]`.
fn legacy_tag(description: &str) -> Option<Key> {
    let start = description.rfind("[wp:")?;
    let inner = description[start + 4..].trim_end().strip_suffix(']')?;
    let (meeting, date) = inner.rsplit_once('/')?;
    Some((meeting.to_string(), date.parse().ok()?))
}

type Desired = BTreeMap<Key, ScheduledEventSpec>;

/// The actions that make the guild's events match `desired`, each with the
/// session it is for; events that started are left alone, and events neither
/// remembered nor tagged are not ours.
fn plan(
    desired: &Desired,
    existing: &[ExistingEvent],
    known: &BTreeMap<u64, Key>,
    now: DateTime<Utc>,
) -> Vec<(Key, EventAction)> {
    let mut ours: BTreeMap<Key, &ExistingEvent> = BTreeMap::new();
    for event in existing {
        let key = known
            .get(&event.id)
            .cloned()
            .or_else(|| legacy_tag(event.spec.description.as_deref()?));
        if let Some(key) = key {
            ours.entry(key).or_insert(event);
        }
    }
    // An event created just before a crash, whose id was never recorded: the
    // one with a session's exact title and start is that session's, adopted
    // rather than created a second time.
    for event in existing {
        let claimed = known.contains_key(&event.id) || ours.values().any(|e| e.id == event.id);
        if claimed {
            continue;
        }
        let session = desired.iter().find(|(key, want)| {
            !ours.contains_key(*key)
                && want.name == event.spec.name
                && want.start == event.spec.start
        });
        if let Some((key, _)) = session {
            ours.insert(key.clone(), event);
        }
    }
    let mut actions = Vec::new();
    for (key, want) in desired {
        match ours.get(key) {
            None => actions.push((key.clone(), EventAction::Create(want.clone()))),
            Some(have) if have.spec != *want || !known.contains_key(&have.id) => {
                actions.push((key.clone(), EventAction::Edit(have.id, want.clone())))
            }
            Some(_) => {}
        }
    }
    for (key, have) in &ours {
        if !desired.contains_key(key) && have.spec.start > now {
            actions.push((key.clone(), EventAction::Delete(have.id)));
        }
    }
    actions
}

pub(crate) async fn run<C: ChatPort>(
    state: Arc<AppState>,
    chat: Arc<C>,
    stop: watch::Receiver<bool>,
) {
    let job = (state.clone(), chat);
    super::repeat(
        &state,
        WATCHES,
        stop,
        "Discord scheduled events",
        move || {
            let (state, chat) = job.clone();
            async move { sync(&state, chat.as_ref()).await.map(|()| EVERY) }
        },
    )
    .await;
}

/// The events the guild should have: one per held session of the horizon that has not started.
fn desired(state: &AppState) -> anyhow::Result<Desired> {
    let Some(discord) = &state.config.discord else {
        return Ok(Desired::new());
    };
    let now = state.clock.now();
    let horizon = state.config.horizon_weeks();
    let mut desired = Desired::new();
    for meeting in &state.config.meetings {
        let today = meeting.rule.day_of(now);
        let until = today
            .checked_add_days(Days::new(horizon * 7))
            .unwrap_or(today);
        let sessions = state.log.sessions_between(&meeting.id, today, until)?;
        for o in state.occurrences(meeting, today, until)? {
            if !o.is_held() || o.start.with_timezone(&Utc) <= now || desired.len() >= MAX_EVENTS {
                continue;
            }
            let session = sessions.iter().find(|s| s.date == o.date).map(|s| {
                crate::app::directory::as_shown(&state.config.people, state.log.as_ref(), s.clone())
            });
            let channel = meeting
                .channel(&state.config)
                .unwrap_or(discord.channel_id)
                .0;
            let text = invite(
                &meeting.title,
                &o,
                session.as_ref(),
                state.config.daemon.language,
                Some(Channel::Mention(channel)),
            );
            let description: String = text.description.chars().take(1000).collect();
            let place = match meeting.voice_channel(&state.config) {
                Some(voice) => EventPlace::Voice(voice.0),
                None => EventPlace::External {
                    location: format!("<#{channel}>"),
                },
            };
            let spec = ScheduledEventSpec {
                name: text.summary.chars().take(100).collect(),
                description: Some(description),
                start: o.start.with_timezone(&Utc),
                end: o.end.with_timezone(&Utc),
                place,
            };
            desired.insert((meeting.id.clone(), o.date), spec);
        }
    }
    Ok(desired)
}

pub(crate) async fn sync<C: ChatPort>(state: &AppState, chat: &C) -> anyhow::Result<()> {
    let desired = desired(state)?;
    let existing = chat.scheduled_events().await?;
    let known = remembered(state.log.scheduled_events()?);
    for (key, action) in plan(&desired, &existing, &known, state.clock.now()) {
        let created = chat.apply_event(&action).await?;
        let id = match action {
            EventAction::Create(_) => created,
            EventAction::Edit(id, _) => Some(id),
            EventAction::Delete(_) => None,
        };
        let id = id.map(|id| id.to_string());
        state
            .log
            .set_scheduled_event(&key.0, key.1, id.as_deref())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::daemon::jobs::recording_chat::RecordingChat;

    fn spec(name: &str, start: &str, description: &str) -> ScheduledEventSpec {
        ScheduledEventSpec {
            name: name.into(),
            description: Some(description.into()),
            start: start.parse().unwrap(),
            end: start.parse::<DateTime<Utc>>().unwrap() + chrono::TimeDelta::hours(1),
            place: EventPlace::External {
                location: "x".into(),
            },
        }
    }

    fn key(date: &str) -> Key {
        ("weekly".to_string(), date.parse().unwrap())
    }

    #[test]
    fn plans_create_edit_delete_adopts_tagged_events_and_leaves_foreign_and_started_ones_alone() {
        let desired = Desired::from([
            (
                key("2026-12-02"),
                spec("第393回", "2026-12-02T08:00:00Z", "議題"),
            ),
            (
                key("2026-12-09"),
                spec("第394回", "2026-12-09T08:00:00Z", "議題"),
            ),
            (
                key("2026-12-16"),
                spec("第395回", "2026-12-16T08:00:00Z", "議題"),
            ),
            (
                key("2026-12-23"),
                spec("第396回", "2026-12-23T08:00:00Z", "議題"),
            ),
        ]);
        let existing = [
            (1, spec("第393回", "2026-12-02T08:00:00Z", "議題")),
            (2, spec("第394回 old", "2026-12-09T08:00:00Z", "議題")),
            (3, spec("第399回", "2026-12-30T08:00:00Z", "議題")),
            (4, spec("第392回", "2026-11-25T08:00:00Z", "議題")),
            (5, spec("someone's party", "2026-12-20T08:00:00Z", "[wp:x]")),
            (
                6,
                spec(
                    "#395",
                    "2026-12-16T08:00:00Z",
                    "議題\n[wp:weekly/2026-12-16]",
                ),
            ),
        ]
        .map(|(id, spec)| ExistingEvent { id, spec });
        let known = BTreeMap::from([
            (1, key("2026-12-02")),
            (2, key("2026-12-09")),
            (3, key("2026-12-30")),
            (4, key("2026-11-25")),
        ]);
        let actions = plan(
            &desired,
            &existing,
            &known,
            "2026-11-29T00:00:00Z".parse().unwrap(),
        );
        assert_eq!(
            actions,
            vec![
                (
                    key("2026-12-09"),
                    EventAction::Edit(2, desired[&key("2026-12-09")].clone())
                ),
                (
                    key("2026-12-16"),
                    EventAction::Edit(6, desired[&key("2026-12-16")].clone())
                ),
                (
                    key("2026-12-23"),
                    EventAction::Create(desired[&key("2026-12-23")].clone())
                ),
                (key("2026-12-30"), EventAction::Delete(3)),
            ]
        );
    }

    #[test]
    fn an_event_whose_id_was_never_recorded_is_adopted_by_its_title_and_start() {
        let (state, _dir) = state_at("2026-11-29T09:00:00+09:00");
        let desired = desired(&state).unwrap();
        let (key, want) = desired.iter().next().unwrap();
        // Created, then the daemon died before it recorded the id.
        let existing = [ExistingEvent {
            id: 42,
            spec: want.clone(),
        }];
        let actions = plan(&desired, &existing, &BTreeMap::new(), state.clock.now());
        assert!(
            actions.contains(&(key.clone(), EventAction::Edit(42, want.clone()))),
            "adopted, so its id is recorded: {actions:?}"
        );
        assert_eq!(
            actions
                .iter()
                .filter(|(_, a)| matches!(a, EventAction::Create(_)))
                .count(),
            desired.len() - 1,
            "no second event for that session"
        );
    }

    #[test]
    fn stored_ids_name_the_session_of_an_event_and_odd_ones_are_ignored() {
        let stored = vec![
            ("weekly".to_string(), key("2026-12-09").1, "77".to_string()),
            ("weekly".to_string(), key("2026-12-16").1, "x".to_string()),
        ];
        assert_eq!(
            remembered(stored),
            BTreeMap::from([(77, key("2026-12-09"))])
        );
    }

    #[tokio::test]
    async fn a_second_sync_changes_nothing_and_no_text_carries_a_tag() {
        let (state, _dir) = state_at("2026-11-29T09:00:00+09:00");
        let chat = RecordingChat::default();
        sync(&state, &chat).await.unwrap();
        let created: Vec<_> = chat
            .actions
            .lock()
            .unwrap()
            .drain(..)
            .enumerate()
            .map(|(i, a)| match a {
                EventAction::Create(spec) => ExistingEvent {
                    id: 5001 + i as u64,
                    spec,
                },
                other => panic!("only creates expected, got {other:?}"),
            })
            .collect();
        // Eight weeks ahead with 2026-12-30 (a company day off) left out.
        assert_eq!(created.len(), 7);
        assert!(matches!(created[0].spec.place, EventPlace::Voice(444)));
        assert!(
            created[0].spec.name.ends_with("#393"),
            "{}",
            created[0].spec.name
        );
        for event in &created {
            let description = event.spec.description.as_deref().unwrap_or_default();
            assert!(!description.contains("[wp:"), "{description}");
        }
        *chat.events.lock().unwrap() = created;
        sync(&state, &chat).await.unwrap();
        assert!(chat.actions.lock().unwrap().is_empty());
    }
}
