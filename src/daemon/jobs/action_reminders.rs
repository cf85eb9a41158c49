//! One direct message the day before a prevention action is due, to owners
//! who asked for it (`/action remind on`); nobody else is ever messaged.
//! [`plan`] decides from the store and the clock; [`run`] sends and records.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use tokio::sync::watch;

use crate::app::state::{AppState, Change};
use crate::chat::{ChatMessage, ChatPort};
use crate::domain::actions::due_tomorrow;
use crate::messages::Message as _;
use crate::messages::actions::ActionText;

/// Reminders go out from this hour of the day before (the meeting's time
/// zone): in working hours, not at midnight.
const SEND_FROM_HOUR: u32 = 9;
const MAX_SLEEP: Duration = Duration::from_secs(30 * 60);
const WATCHES: &[Change] = &[Change::Knowledge, Change::Import];

/// One reminder to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DueReminder {
    pub user: u64,
    pub action: String,
    pub due: NaiveDate,
    pub message: ChatMessage,
    pub key: String,
}

/// The reminders due at `now` that have not gone out.
pub(crate) fn plan(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Vec<DueReminder>> {
    let language = state.config.daemon.language;
    let mut due = Vec::new();
    for meeting in &state.config.meetings {
        let local = now.with_timezone(&meeting.rule.timezone);
        if local.hour() < SEND_FROM_HOUR {
            continue;
        }
        let today = local.date_naive();
        let actions = state.log.actions(Some(&meeting.id))?;
        for action in due_tomorrow(&actions, today) {
            let (Some(owner), Some(date)) = (action.owner_id.as_deref(), action.due) else {
                continue;
            };
            let Ok(user) = owner.parse::<u64>() else {
                continue;
            };
            if !state.log.wants_action_reminders(owner)?
                || state.log.action_reminder_sent(&action.id, date)?
            {
                continue;
            }
            due.push(DueReminder {
                user,
                action: action.id.clone(),
                due: date,
                message: ChatMessage {
                    text: ActionText::Reminder {
                        title: &action.title,
                        due: date,
                        today,
                        id: &action.id,
                    }
                    .say(language),
                    buttons: Vec::new(),
                },
                key: format!("action-reminder/{}/{date}", action.id),
            });
        }
    }
    Ok(due)
}

/// Sends what [`plan`] found, each recorded once sent.
pub(crate) async fn tick<C: ChatPort>(state: &AppState, chat: &C) -> anyhow::Result<()> {
    for reminder in plan(state, state.clock.now())? {
        chat.post_direct(reminder.user, &reminder.message, &reminder.key)
            .await?;
        state
            .log
            .record_action_reminder(&reminder.action, reminder.due)?;
        tracing::info!(action = %reminder.action, "sent the reminder its owner asked for");
    }
    Ok(())
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
        "sending action reminders",
        move || {
            let (state, chat) = job.clone();
            async move { tick(&state, chat.as_ref()).await.map(|()| MAX_SLEEP) }
        },
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::daemon::jobs::recording_chat::RecordingChat;
    use crate::domain::actions::{Action, ActionStatus};

    fn action(id: &str, owner_id: Option<&str>, due: &str) -> Action {
        Action {
            id: id.into(),
            meeting: "weekly".into(),
            title: format!("title of {id}"),
            owner: "sato".into(),
            owner_id: owner_id.map(str::to_string),
            due: due.parse().ok(),
            status: ActionStatus::Open,
            link: None,
            postmortem: None,
            created: "2026-12-01".parse().unwrap(),
            closed: None,
            note: None,
            closed_by: None,
        }
    }

    #[tokio::test]
    async fn owners_who_asked_get_one_message_the_day_before_from_nine() {
        // Tuesday 2026-12-08, 08:30 in Tokyo.
        let (state, _dir) = state_at("2026-12-07T23:30:00Z");
        state.log.set_wants_action_reminders("111", true).unwrap();
        for a in [
            action("act-1", Some("111"), "2026-12-09"),
            action("act-2", Some("222"), "2026-12-09"),
            action("act-3", Some("111"), "2026-12-10"),
            action("act-4", None, "2026-12-09"),
        ] {
            state.log.put_action(&a).unwrap();
        }
        assert!(
            plan(&state, state.clock.now()).unwrap().is_empty(),
            "not before nine"
        );
        let nine: DateTime<Utc> = "2026-12-08T00:00:00Z".parse().unwrap();
        let due = plan(&state, nine).unwrap();
        assert_eq!(
            due.iter()
                .map(|d| (d.user, d.action.as_str()))
                .collect::<Vec<_>>(),
            [(111, "act-1")]
        );
        let chat = RecordingChat::default();
        for reminder in &due {
            chat.post_direct(reminder.user, &reminder.message, &reminder.key)
                .await
                .unwrap();
            state
                .log
                .record_action_reminder(&reminder.action, reminder.due)
                .unwrap();
        }
        assert!(plan(&state, nine).unwrap().is_empty(), "sent once");
        let text = &chat.directs.lock().unwrap()[0].1.text;
        assert!(text.contains("title of act-1"), "{text}");
    }
}
