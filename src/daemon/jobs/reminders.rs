//! Reminders, each posted exactly once: the job decides which are due from
//! the schedule and the markers in the store, posts them through the chat
//! port under their key, and records them. Sleeps until the next one is due.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, Utc};
use tokio::sync::watch;

use crate::app::announcements::render;
use crate::app::incident_topics::{proposal_block, proposed};
use crate::app::keep_alive::{carry_over, proposal_for};
use crate::app::metrics::Metrics;
use crate::app::state::{AppState, Change};
use crate::chat::{ChatButton, ChatMessage, ChatPort, rsvp_button_id};
use crate::config::Meeting;
use crate::domain::log::RsvpStatus;
use crate::domain::reminders::{Reminder, ReminderKind, due, next_wake, reminders_for};
use crate::domain::schedule::Schedule;
use crate::messages::Message as _;
use crate::messages::posts::Post;
use crate::messages::session::SessionText;
use crate::store::PostKey;

/// Look again at least this often: the schedule or the agenda may have changed.
const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
const WATCHES: &[Change] = &[
    Change::Agenda,
    Change::Schedule,
    Change::Roster,
    Change::Import,
];

pub(crate) async fn run<C: ChatPort>(
    state: Arc<AppState>,
    chat: Arc<C>,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = state.watch_changes(WATCHES);
    let mut first = true;
    loop {
        let sleep = match tick(&state, chat.as_ref()).await {
            Ok(next) => {
                if std::mem::take(&mut first) {
                    tracing::info!("reminders: caught up; next look in {} s", next.as_secs());
                }
                next
            }
            Err(e) => {
                tracing::warn!("posting reminders failed, retrying in a minute: {e:#}");
                Duration::from_secs(60)
            }
        };
        if !super::pause(sleep, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// The reminders of one meeting around `now`, and when to look again.
fn planned(
    state: &AppState,
    meeting: &Meeting,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Reminder>> {
    let times = meeting.reminder_times;
    let today = meeting.rule.day_of(now);
    let from = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    // A call for topics may move back over weekends, holidays (Golden Week
    // is the longest run, with a weekend at most 9 days) and the meeting's
    // closures: look that much further ahead, so that one moved before a
    // closure is posted on its business day, not caught up during the closure.
    let moved_back = 9 + meeting.rule.closure_days();
    let until = today
        .checked_add_days(Days::new(
            times.call_for_topics_days_before + 8 + moved_back,
        ))
        .unwrap_or(today);
    let sessions = state.log.sessions_between(&meeting.id, from, until)?;
    let cancelled = state.log.cancelled_dates(&meeting.id)?;
    let holidays = state.holiday_calendar();
    // The one schedule: it numbers the weeks and says which days are business days.
    let schedule = Schedule::new(&meeting.rule, &holidays, &cancelled);
    let mut reminders = Vec::new();
    for occurrence in schedule.between(from, until) {
        // Items left over from earlier sessions do not stop the call: it lists them.
        let empty = sessions
            .iter()
            .find(|s| s.date == occurrence.date)
            .is_none_or(|s| !s.has_new_topics());
        reminders.extend(reminders_for(&schedule, &occurrence, &times, empty));
    }
    Ok(reminders)
}

/// Posts what is due; returns how long to sleep.
pub(crate) async fn tick<C: ChatPort>(state: &AppState, chat: &C) -> anyhow::Result<Duration> {
    let now = state.clock.now();
    let mut next = MAX_SLEEP;
    for meeting in &state.config.meetings {
        let Some(channel) = state.channel_of(meeting) else {
            continue;
        };
        let reminders = planned(state, meeting, now)?;
        if let Some(wake) = next_wake(&reminders, now).and_then(|t| (t - now).to_std().ok()) {
            next = next.min(wake);
        }
        let posted = |r: &Reminder| {
            state
                .log
                .post_recorded(&PostKey::new(r.key(&meeting.id)))
                .ok()
                .flatten()
                .is_some()
        };
        for reminder in due(&reminders, now, posted) {
            prepare(state, meeting, reminder)?;
            let message = message_for(state, meeting, reminder)?;
            let key = PostKey::new(reminder.key(&meeting.id));
            let posted = chat.post_once(channel, &message, key.as_str()).await?;
            if reminder.kind == ReminderKind::Announcement {
                // The live session's thread hangs from the day's announcement.
                state
                    .log
                    .record_announcement(&meeting.id, reminder.occurrence.date, posted)?;
            }
            state.log.record_post(&key, &now.to_rfc3339())?;
            Metrics::count(&state.metrics.reminders_sent);
            tracing::info!("posted reminder {}", key.as_str());
        }
    }
    Ok(next.max(Duration::from_millis(200)))
}

/// What a call for topics or an announcement needs in the store before it
/// is written: items left over moved to it (they must be listed even when
/// this job runs before the housekeeping after a restart; moving them is
/// idempotent), and without topics a concrete proposal recorded on the
/// session. Rendering the message ([`message_for`]) then only reads.
fn prepare(state: &AppState, meeting: &Meeting, reminder: &Reminder) -> anyhow::Result<()> {
    let date = reminder.occurrence.date;
    if !matches!(
        reminder.kind,
        ReminderKind::CallForTopics | ReminderKind::Announcement
    ) {
        return Ok(());
    }
    let moved = state
        .with_use_case(meeting, carry_over)
        .map_err(|e| anyhow::anyhow!(e.0))?;
    if moved > 0 {
        state.changed(Change::Agenda);
    }
    if state
        .log
        .session(&meeting.id, date)?
        .is_none_or(|s| s.agenda.is_empty())
    {
        state
            .with_use_case(meeting, |ctx| proposal_for(ctx, date))
            .map_err(|e| anyhow::anyhow!(e.0))?;
        state.changed(Change::Agenda);
    }
    Ok(())
}

/// The reminder's message, from what the store holds (see [`prepare`]).
fn message_for(
    state: &AppState,
    meeting: &Meeting,
    reminder: &Reminder,
) -> anyhow::Result<ChatMessage> {
    let date = reminder.occurrence.date;
    let announces = matches!(
        reminder.kind,
        ReminderKind::CallForTopics | ReminderKind::Announcement
    );
    let session = state
        .log
        .session(&meeting.id, date)?
        .map(|s| crate::app::directory::as_shown(&state.config.people, state.log.as_ref(), s));
    let language = state.config.daemon.language;
    let next = if reminder.kind == ReminderKind::WeekOff {
        state
            .with_use_case(meeting, |ctx| ctx.next_held_after(date))
            .ok()
    } else {
        None
    };
    let announcement = render(
        &meeting.title,
        reminder,
        session.as_ref(),
        next.as_ref(),
        language,
    );
    let (incidents, present_buttons) = match (&state.config.alerts, announces) {
        (Some(_), true) => state
            .with_use_case(meeting, |ctx| {
                proposed(
                    ctx,
                    &reminder.occurrence,
                    state.config.incident_min_minutes(),
                )
                .map(|found| proposal_block(ctx, &found))
            })
            .map_err(|e| anyhow::anyhow!(e.0))?,
        _ => (String::new(), Vec::new()),
    };
    let mut buttons: Vec<ChatButton> = if announcement.rsvp_buttons {
        [RsvpStatus::Going, RsvpStatus::Maybe, RsvpStatus::NotGoing]
            .into_iter()
            .map(|status| ChatButton {
                custom_id: rsvp_button_id(&meeting.id, date, status),
                label: Post::RsvpButton { status }.say(language),
            })
            .collect()
    } else {
        Vec::new()
    };
    if announcement.rsvp_buttons {
        // 「始める」: the same start as `/session start`, for the same people.
        buttons.push(ChatButton {
            custom_id: crate::app::session::button_id(&meeting.id, date, "start"),
            label: SessionText::StartButton.say(language),
        });
    }
    buttons.extend(present_buttons);
    let actions = if reminder.kind == ReminderKind::Announcement {
        actions_due_note(state, meeting, date)?
    } else {
        String::new()
    };
    Ok(ChatMessage {
        text: announcement.text + &actions + &incidents,
        buttons,
    })
}

/// The day's word on prevention actions: how many are overdue or due this
/// week, a count without names (nobody is chased in the channel).
fn actions_due_note(
    state: &AppState,
    meeting: &Meeting,
    date: chrono::NaiveDate,
) -> anyhow::Result<String> {
    let actions = state.log.actions(Some(&meeting.id))?;
    let (overdue, due_soon) = crate::app::actions::follow_up_counts(&actions, &meeting.id, date);
    if overdue + due_soon == 0 {
        return Ok(String::new());
    }
    Ok(format!(
        "\n{}",
        crate::messages::actions::ActionText::FollowUpCount { overdue, due_soon }
            .say(state.config.daemon.language)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::daemon::jobs::recording_chat::RecordingChat;

    #[tokio::test]
    async fn the_announcement_is_posted_once_with_rsvp_buttons_and_start() {
        // Wednesday 2026-12-02, 10:05 in Tokyo: the day's announcement is due.
        let (state, _dir) = state_at("2026-12-02T10:05:00+09:00");
        let chat = RecordingChat::default();
        tick(&state, &chat).await.unwrap();
        tick(&state, &chat).await.unwrap();
        let posts = chat.posts.lock().unwrap();
        assert_eq!(posts.len(), 1, "{posts:?}");
        let (channel, message, key) = &posts[0];
        assert_eq!(*channel, 222);
        assert_eq!(key, "reminder/weekly/2026-12-02/announcement");
        assert_eq!(message.buttons.len(), 4);
        assert!(
            message.buttons[0]
                .custom_id
                .starts_with("wp:rsvp:weekly:2026-12-02:")
        );
        assert_eq!(
            message.buttons[3].custom_id,
            "wp:session:weekly:2026-12-02:start"
        );
        assert_eq!(
            message.buttons[3].label, "Start",
            "the state speaks English"
        );
    }

    #[test]
    fn before_a_long_closure_the_notes_and_the_call_for_after_it_are_due_on_its_last_business_day()
    {
        // Friday 2027-07-30, 12:05 in Tokyo; closed from Monday 08-02 to Monday 08-16.
        let (mut state, _dir) = state_at("2027-07-30T12:05:00+09:00");
        state.config.meetings[0].rule.closures = vec![crate::domain::schedule::Closure {
            name: "夏季休暇".into(),
            from: crate::domain::schedule::MonthDay::parse("08-02").unwrap(),
            until: crate::domain::schedule::MonthDay::parse("08-16").unwrap(),
        }];
        let meeting = &state.config.meetings[0];
        let now = state.clock.now();
        let reminders = planned(&state, meeting, now).unwrap();
        let due: Vec<String> = due(&reminders, now, |_| false)
            .iter()
            .map(|r| r.key(&meeting.id))
            .collect();
        assert_eq!(
            due,
            [
                "reminder/weekly/2027-08-04/week_off",
                "reminder/weekly/2027-08-11/week_off",
                "reminder/weekly/2027-08-18/call_for_topics",
            ]
        );
    }

    #[tokio::test]
    async fn a_failed_post_is_not_recorded_and_is_tried_again() {
        let (state, _dir) = state_at("2026-12-02T10:05:00+09:00");
        let down = RecordingChat {
            fail_posts: true,
            ..Default::default()
        };
        assert!(tick(&state, &down).await.is_err());
        let up = RecordingChat::default();
        tick(&state, &up).await.unwrap();
        assert_eq!(up.posts.lock().unwrap().len(), 1);
    }
}
