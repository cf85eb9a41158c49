//! Mirrors held sessions as the guild's scheduled events, by the same rule as
//! the calendar: planned purely, then applied through the chat port. Each
//! event carries a tag naming its meeting and date, so it is found again after
//! a restart and never duplicated.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, Utc};
use tokio::sync::watch;

use crate::app::state::{AppState, Change};
use crate::chat::{ChatPort, EventAction, EventPlace, ExistingEvent, ScheduledEventSpec};
use crate::domain::invite::{Channel, invite};
use crate::store::SessionLog;

/// Discord allows 100 scheduled events per guild; we keep well below.
const MAX_EVENTS: usize = 25;
const DEFAULT_HORIZON_WEEKS: u64 = 8;
const EVERY: Duration = Duration::from_secs(60 * 60);
const WATCHES: &[Change] = &[
    Change::Agenda,
    Change::Schedule,
    Change::Roster,
    Change::Import,
];

/// The tag at the end of a description: `[wp:<meeting>/<date>]`.
fn tag(meeting: &str, date: NaiveDate) -> String {
    format!("[wp:{meeting}/{date}]")
}

fn parse_tag(description: &str) -> Option<(String, NaiveDate)> {
    let start = description.rfind("[wp:")?;
    let inner = description[start + 4..].strip_suffix(']')?;
    let (meeting, date) = inner.rsplit_once('/')?;
    Some((meeting.to_string(), date.parse().ok()?))
}

type Desired = BTreeMap<(String, NaiveDate), ScheduledEventSpec>;

/// The actions that make the guild's events match `desired`; events that
/// started are left alone, and events without our tag are not ours.
fn plan(desired: &Desired, existing: &[ExistingEvent], now: DateTime<Utc>) -> Vec<EventAction> {
    let ours: BTreeMap<_, _> = existing
        .iter()
        .filter_map(|e| Some((parse_tag(e.spec.description.as_deref()?)?, e)))
        .collect();
    let mut actions = Vec::new();
    for (key, want) in desired {
        match ours.get(key) {
            None => actions.push(EventAction::Create(want.clone())),
            Some(have) if have.spec != *want => {
                actions.push(EventAction::Edit(have.id, want.clone()))
            }
            Some(_) => {}
        }
    }
    for (key, have) in &ours {
        if !desired.contains_key(key) && have.spec.start > now {
            actions.push(EventAction::Delete(have.id));
        }
    }
    actions
}

pub(crate) async fn run<C: ChatPort>(
    state: Arc<AppState>,
    chat: Arc<C>,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = state.watch_changes(WATCHES);
    loop {
        if let Err(e) = sync(&state, chat.as_ref()).await {
            tracing::warn!("Discord scheduled events: {e:#}");
        }
        if !super::pause(EVERY, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// The events the guild should have: one per held session of the horizon that has not started.
fn desired(state: &AppState) -> anyhow::Result<Desired> {
    let Some(discord) = &state.config.discord else {
        return Ok(Desired::new());
    };
    let now = state.clock.now();
    let horizon = state
        .config
        .google
        .as_ref()
        .map_or(DEFAULT_HORIZON_WEEKS, |g| u64::from(g.horizon_weeks.0));
    let mut desired = Desired::new();
    for meeting in &state.config.meetings {
        let today = now.with_timezone(&meeting.rule.timezone).date_naive();
        let until = today
            .checked_add_days(Days::new(horizon * 7))
            .unwrap_or(today);
        let sessions = state.log.sessions_between(&meeting.id, today, until)?;
        for o in state.occurrences(meeting, today, until)? {
            if !o.is_held() || o.start.with_timezone(&Utc) <= now || desired.len() >= MAX_EVENTS {
                continue;
            }
            let session = sessions.iter().find(|s| s.date == o.date).map(|s| {
                crate::app::directory::as_shown(&state.config.people, &state.log, s.clone())
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
            let mut description: String = text.description.chars().take(900).collect();
            description += &format!("\n{}", tag(&meeting.id, o.date));
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
    for action in plan(&desired, &existing, state.clock.now()) {
        chat.apply_event(&action).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::daemon::jobs::recording_chat::RecordingChat;

    fn spec(name: &str, start: &str, tagged: Option<&str>) -> ScheduledEventSpec {
        ScheduledEventSpec {
            name: name.into(),
            description: tagged.map(|d| format!("agenda…\n{}", tag("weekly", d.parse().unwrap()))),
            start: start.parse().unwrap(),
            end: start.parse::<DateTime<Utc>>().unwrap() + chrono::TimeDelta::hours(1),
            place: EventPlace::External {
                location: "x".into(),
            },
        }
    }

    #[test]
    fn plans_create_edit_delete_and_leaves_foreign_and_started_events_alone() {
        let key = |d: &str| ("weekly".to_string(), d.parse::<NaiveDate>().unwrap());
        let desired = Desired::from([
            (
                key("2026-12-02"),
                spec("#393", "2026-12-02T08:00:00Z", Some("2026-12-02")),
            ),
            (
                key("2026-12-09"),
                spec("#394", "2026-12-09T08:00:00Z", Some("2026-12-09")),
            ),
            (
                key("2026-12-16"),
                spec("#395", "2026-12-16T08:00:00Z", Some("2026-12-16")),
            ),
        ]);
        let existing = [
            (1, spec("#393", "2026-12-02T08:00:00Z", Some("2026-12-02"))),
            (
                2,
                spec("#394 old", "2026-12-09T08:00:00Z", Some("2026-12-09")),
            ),
            (3, spec("#399", "2026-12-30T08:00:00Z", Some("2026-12-30"))),
            (4, spec("#392", "2026-11-25T08:00:00Z", Some("2026-11-25"))),
            (5, spec("someone's party", "2026-12-20T08:00:00Z", None)),
        ]
        .map(|(id, spec)| ExistingEvent { id, spec });
        let actions = plan(&desired, &existing, "2026-11-29T00:00:00Z".parse().unwrap());
        assert_eq!(
            actions,
            vec![
                EventAction::Edit(2, desired[&key("2026-12-09")].clone()),
                EventAction::Create(desired[&key("2026-12-16")].clone()),
                EventAction::Delete(3)
            ]
        );
    }

    #[tokio::test]
    async fn a_second_sync_changes_nothing() {
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
                EventAction::Create(spec) => ExistingEvent { id: i as u64, spec },
                other => panic!("only creates expected, got {other:?}"),
            })
            .collect();
        // Eight weeks ahead with 2026-12-30 (a company day off) left out.
        assert_eq!(created.len(), 7);
        assert!(matches!(created[0].spec.place, EventPlace::Voice(444)));
        *chat.events.lock().unwrap() = created;
        sync(&state, &chat).await.unwrap();
        assert!(chat.actions.lock().unwrap().is_empty());
    }
}
