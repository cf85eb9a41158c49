//! Mirrors held sessions as guild scheduled events, by the same rule as the
//! calendar: planned purely, then applied. Each event carries a tag naming its
//! meeting and date, so it is found again after a restart and never duplicated.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, Utc};
use poise::serenity_prelude as serenity;
use tokio::sync::watch;

use super::client::{
    EventPlace, ScheduledEventSpec, create_scheduled_event, delete_scheduled_event,
    edit_scheduled_event, list_scheduled_events,
};
use crate::daemon::Daemon;
use crate::domain::invite::invite;
use crate::store::SessionLog;

/// Discord allows 100 scheduled events per guild; we keep well below.
const MAX_EVENTS: usize = 25;
const DEFAULT_HORIZON_WEEKS: u64 = 8;
const EVERY: Duration = Duration::from_secs(60 * 60);

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

#[derive(Debug, Clone, PartialEq)]
pub enum EventAction {
    Create(ScheduledEventSpec),
    Edit(u64, ScheduledEventSpec),
    Delete(u64),
}

/// What we have, by (meeting, date): id, and what it looks like.
pub type Existing = BTreeMap<(String, NaiveDate), (u64, ScheduledEventSpec)>;

/// The actions that make the guild's events match `desired`; events that started are left alone.
pub fn plan(
    desired: &BTreeMap<(String, NaiveDate), ScheduledEventSpec>,
    existing: &Existing,
    now: DateTime<Utc>,
) -> Vec<EventAction> {
    let mut actions = Vec::new();
    for (key, want) in desired {
        match existing.get(key) {
            None => actions.push(EventAction::Create(want.clone())),
            Some((id, have)) if have != want => actions.push(EventAction::Edit(*id, want.clone())),
            Some(_) => {}
        }
    }
    for (key, (id, have)) in existing {
        if !desired.contains_key(key) && have.start > now {
            actions.push(EventAction::Delete(*id));
        }
    }
    actions
}

pub async fn run(daemon: Arc<Daemon>, http: Arc<serenity::Http>, mut stop: watch::Receiver<bool>) {
    let mut changes = daemon.changed.subscribe();
    loop {
        if let Err(e) = sync(&daemon, &http).await {
            tracing::warn!("Discord scheduled events: {e:#}");
        }
        if !crate::daemon::pause(EVERY, &mut changes, &mut stop).await {
            return;
        }
    }
}

async fn sync(daemon: &Daemon, http: &serenity::Http) -> anyhow::Result<()> {
    let Some(discord) = &daemon.config.discord else {
        return Ok(());
    };
    let guild = serenity::GuildId::new(discord.guild_id.0);
    let now = daemon.clock.now();
    let horizon = daemon
        .config
        .google
        .as_ref()
        .map_or(DEFAULT_HORIZON_WEEKS, |g| u64::from(g.horizon_weeks.0));
    let mut desired = BTreeMap::new();
    for meeting in &daemon.config.meetings {
        let today = now.with_timezone(&meeting.rule.timezone).date_naive();
        let until = today
            .checked_add_days(Days::new(horizon * 7))
            .unwrap_or(today);
        let sessions = daemon.log.sessions_between(&meeting.id, today, until)?;
        for o in daemon.occurrences(meeting, today, until)? {
            if !o.is_held() || o.start.with_timezone(&Utc) <= now || desired.len() >= MAX_EVENTS {
                continue;
            }
            let session = sessions.iter().find(|s| s.date == o.date);
            let text = invite(
                &meeting.title,
                &o,
                session,
                daemon.config.daemon.language,
                None,
            );
            let mut description: String = text.description.chars().take(900).collect();
            description += &format!("\n{}", tag(&meeting.id, o.date));
            let place = match discord.voice_channel_id {
                Some(voice) => EventPlace::Voice(serenity::ChannelId::new(voice.0)),
                None => EventPlace::External {
                    location: format!(
                        "<#{}>",
                        meeting.discord_channel_id.unwrap_or(discord.channel_id).0
                    ),
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
    let mut existing = Existing::new();
    for event in list_scheduled_events(http, guild).await? {
        let Some(key) = event.description.as_deref().and_then(parse_tag) else {
            continue;
        };
        let place = match (event.channel_id, &event.metadata) {
            (Some(channel), _) => EventPlace::Voice(channel),
            (None, Some(meta)) => EventPlace::External {
                location: meta.location.clone().unwrap_or_default(),
            },
            (None, None) => EventPlace::External {
                location: String::new(),
            },
        };
        let spec = ScheduledEventSpec {
            name: event.name.clone(),
            description: event.description.clone(),
            start: *event.start_time,
            end: event.end_time.map_or(*event.start_time, |t| *t),
            place,
        };
        existing.insert(key, (event.id.get(), spec));
    }
    for action in plan(&desired, &existing, now) {
        match action {
            EventAction::Create(spec) => {
                create_scheduled_event(http, guild, &spec).await?;
            }
            EventAction::Edit(id, spec) => {
                edit_scheduled_event(http, guild, serenity::ScheduledEventId::new(id), &spec)
                    .await?;
            }
            EventAction::Delete(id) => {
                delete_scheduled_event(http, guild, serenity::ScheduledEventId::new(id)).await?
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_plans_create_edit_delete() {
        let date: NaiveDate = "2026-12-02".parse().unwrap();
        assert_eq!(
            parse_tag(&format!("agenda…\n{}", tag("weekly", date))),
            Some(("weekly".into(), date))
        );
        let spec = |name: &str, start: &str| ScheduledEventSpec {
            name: name.into(),
            description: None,
            start: start.parse().unwrap(),
            end: start.parse::<DateTime<Utc>>().unwrap() + chrono::TimeDelta::hours(1),
            place: EventPlace::External {
                location: "x".into(),
            },
        };
        let key = |d: &str| ("weekly".to_string(), d.parse::<NaiveDate>().unwrap());
        let desired = BTreeMap::from([
            (key("2026-12-02"), spec("#393", "2026-12-02T08:00:00Z")),
            (key("2026-12-09"), spec("#394", "2026-12-09T08:00:00Z")),
        ]);
        let existing = Existing::from([
            (key("2026-12-02"), (1, spec("#393", "2026-12-02T08:00:00Z"))),
            (
                key("2026-12-09"),
                (2, spec("#394 old", "2026-12-09T08:00:00Z")),
            ),
            (key("2026-12-30"), (3, spec("#399", "2026-12-30T08:00:00Z"))),
            (key("2026-11-25"), (4, spec("#392", "2026-11-25T08:00:00Z"))),
        ]);
        let actions = plan(&desired, &existing, "2026-11-29T00:00:00Z".parse().unwrap());
        assert_eq!(
            actions,
            vec![
                EventAction::Edit(2, desired[&key("2026-12-09")].clone()),
                EventAction::Delete(3)
            ]
        );
    }
}
