//! Posts reminders to Discord, each exactly once: recorded in the store right
//! after posting, and posted with a nonce Discord enforces, so a crash between
//! the two cannot make a second message. Sleeps until the next one is due.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, Utc};
use poise::serenity_prelude as serenity;
use tokio::sync::watch;

use super::bot::rsvp_button_id;
use super::client::MessageButton;
use crate::app::announcements::render;
use crate::app::keep_alive::proposal_for;
use crate::daemon::Daemon;
use crate::daemon::metrics::Metrics;
use crate::domain::log::RsvpStatus;
use crate::domain::reminders::{Reminder, ReminderKind, due, next_wake, reminders_for};
use crate::store::SessionLog;

/// Look again at least this often: the schedule or the agenda may have changed.
const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);

pub async fn run(daemon: Arc<Daemon>, http: Arc<serenity::Http>, mut stop: watch::Receiver<bool>) {
    let mut changes = daemon.changed.subscribe();
    loop {
        let sleep = match tick(&daemon, &http).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!("posting reminders failed, retrying in a minute: {e:#}");
                Duration::from_secs(60)
            }
        };
        if !crate::daemon::pause(sleep, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// Posts what is due; returns how long to sleep.
async fn tick(daemon: &Daemon, http: &serenity::Http) -> anyhow::Result<Duration> {
    let now = daemon.clock.now();
    let Some(discord) = &daemon.config.discord else {
        return Ok(MAX_SLEEP);
    };
    let mut next = MAX_SLEEP;
    for meeting in &daemon.config.meetings {
        let times = meeting.reminder_times;
        let today = now.with_timezone(&meeting.rule.timezone).date_naive();
        let from = today.checked_sub_days(Days::new(1)).unwrap_or(today);
        let until = today
            .checked_add_days(Days::new(times.call_for_topics_days_before + 8))
            .unwrap_or(today);
        let sessions = daemon.log.sessions_between(&meeting.id, from, until)?;
        let mut reminders = Vec::new();
        for occurrence in daemon.occurrences(meeting, from, until)? {
            let empty = sessions
                .iter()
                .find(|s| s.date == occurrence.date)
                .is_none_or(|s| s.agenda.is_empty());
            reminders.extend(reminders_for(
                &occurrence,
                &times,
                meeting.rule.timezone,
                empty,
            ));
        }
        if let Some(wake) = next_wake(&reminders, now).and_then(|t| (t - now).to_std().ok()) {
            next = next.min(wake);
        }
        let channel =
            serenity::ChannelId::new(meeting.discord_channel_id.unwrap_or(discord.channel_id).0);
        let posted = |r: &Reminder| {
            daemon
                .log
                .marker(&r.key(&meeting.id))
                .ok()
                .flatten()
                .is_some()
        };
        for reminder in due(&reminders, now, posted) {
            let date = reminder.occurrence.date;
            let announces = matches!(
                reminder.kind,
                ReminderKind::CallForTopics | ReminderKind::Announcement
            );
            if announces
                && daemon
                    .log
                    .session(&meeting.id, date)?
                    .is_none_or(|s| s.agenda.is_empty())
            {
                // Without topics the message carries a concrete proposal, recorded on the session.
                daemon
                    .with_use_case(meeting, |ctx| proposal_for(ctx, date))
                    .map_err(|e| anyhow::anyhow!(e.0))?;
            }
            let session = daemon.log.session(&meeting.id, date)?;
            let message = render(
                &meeting.title,
                reminder,
                session.as_ref(),
                daemon.config.daemon.language,
            );
            let buttons = if message.rsvp_buttons {
                rsvp_buttons(&meeting.id, reminder, daemon)
            } else {
                Vec::new()
            };
            let key = reminder.key(&meeting.id);
            post_once(http, channel, &message.text, &buttons, &key).await?;
            daemon
                .log
                .set_marker(&key, Some(&Utc::now().to_rfc3339()))?;
            Metrics::count(&daemon.metrics.reminders_sent);
            tracing::info!("posted reminder {key}");
        }
    }
    Ok(next.max(Duration::from_millis(200)))
}

fn rsvp_buttons(meeting_id: &str, reminder: &Reminder, daemon: &Daemon) -> Vec<MessageButton> {
    let ja = daemon.config.daemon.language == crate::domain::language::Language::Ja;
    let date = reminder.occurrence.date;
    [
        (RsvpStatus::Going, if ja { "参加" } else { "Going" }),
        (RsvpStatus::Maybe, if ja { "たぶん" } else { "Maybe" }),
        (
            RsvpStatus::NotGoing,
            if ja { "不参加" } else { "Not going" },
        ),
    ]
    .into_iter()
    .map(|(status, label)| MessageButton::new(rsvp_button_id(meeting_id, date, status), label))
    .collect()
}

/// Posts with a nonce derived from the reminder's key, which Discord enforces
/// for a few minutes: a retry after a crash returns the first message.
async fn post_once(
    http: &serenity::Http,
    channel: serenity::ChannelId,
    text: &str,
    buttons: &[MessageButton],
    key: &str,
) -> anyhow::Result<serenity::Message> {
    let nonce = crate::domain::log::stable_id("r", &[key]);
    super::client::post_message_with_nonce(http, channel, text, buttons, &nonce).await
}
