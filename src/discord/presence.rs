//! Counts who is in the voice channel ten minutes after the start and
//! records it as the session's `present`: a number, never names.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, TimeDelta};
use poise::serenity_prelude as serenity;
use tokio::sync::watch;

use crate::daemon::Daemon;
use crate::store::SessionLog;

/// Late joiners count; ten minutes in, the room has settled.
const COUNT_AFTER: TimeDelta = TimeDelta::minutes(10);
const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);

pub async fn run(
    daemon: Arc<Daemon>,
    cache: Arc<serenity::Cache>,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = daemon.changed.subscribe();
    loop {
        let sleep = match tick(&daemon, &cache) {
            Ok(sleep) => sleep,
            Err(e) => {
                tracing::warn!("counting voice presence failed: {e:#}");
                Duration::from_secs(60)
            }
        };
        if !crate::daemon::pause(sleep, &mut changes, &mut stop).await {
            return;
        }
    }
}

fn tick(daemon: &Daemon, cache: &serenity::Cache) -> anyhow::Result<Duration> {
    let (Some(discord), now) = (&daemon.config.discord, daemon.clock.now()) else {
        return Ok(MAX_SLEEP);
    };
    let Some(voice) = discord.voice_channel_id else {
        return Ok(MAX_SLEEP);
    };
    let mut next_wake = MAX_SLEEP;
    for meeting in &daemon.config.meetings {
        let today = now.with_timezone(&meeting.rule.timezone).date_naive();
        let until = today.checked_add_days(Days::new(7)).unwrap_or(today);
        for o in daemon
            .occurrences(meeting, today, until)?
            .into_iter()
            .filter(|o| o.is_held())
        {
            let count_at = o.start.with_timezone(&chrono::Utc) + COUNT_AFTER;
            if now < count_at {
                if let Ok(wait) = (count_at - now).to_std() {
                    next_wake = next_wake.min(wait);
                }
                continue;
            }
            if now >= o.end {
                continue;
            }
            let key = format!("presence/{}/{}", meeting.id, o.date);
            if daemon.log.marker(&key)?.is_some() {
                continue;
            }
            let guild = serenity::GuildId::new(discord.guild_id.0);
            let bot = cache.current_user().id;
            let Some(present) = cache.guild(guild).map(|g| {
                g.voice_states
                    .values()
                    .filter(|v| v.channel_id.map(|c| c.get()) == Some(voice.0) && v.user_id != bot)
                    .count() as u32
            }) else {
                continue;
            };
            daemon
                .log
                .update_session(&meeting.id, o.date, &mut |session| {
                    session.attendance.present = Some(present);
                    Ok(())
                })?;
            daemon.log.set_marker(&key, Some(&present.to_string()))?;
            tracing::info!(
                "{}: {present} people in the voice channel ten minutes into {}",
                meeting.id,
                o.date
            );
        }
    }
    Ok(next_wake.max(Duration::from_millis(200)))
}
