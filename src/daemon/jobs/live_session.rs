//! The live session's clock (issue 15): posts the time signals in a running
//! session's thread, ends a session nobody ended 15 minutes after its
//! scheduled end, and posts a summary a restart left unposted. What is due
//! is decided by `app::session_clock`; [`plan`] gathers it for every meeting
//! without writing, and [`execute`] carries it out through the chat port,
//! recording each post under its key.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::app::Context;
use crate::app::session_clock::{Due, due};
use crate::app::session_end::{end_session, post_summary};
use crate::app::state::{AppState, Change};
use crate::chat::ChatPort;

const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
/// A wake in the past (a slow store read) must not turn into a busy loop.
const MIN_SLEEP: Duration = Duration::from_millis(200);
const WATCHES: &[Change] = &[Change::Agenda, Change::Schedule, Change::Import];

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
        "the live session's clock",
        move || {
            let (state, chat) = job.clone();
            async move { tick(&state, chat.as_ref()).await }
        },
    )
    .await;
}

/// What the clock brings now: each meeting's due items (by meeting id) and
/// how long to sleep before looking again.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LivePlan {
    pub items: Vec<(String, Due)>,
    pub wake: Duration,
}

/// What is due at `now` for every meeting, from the store; writes nothing.
pub(crate) fn plan(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<LivePlan> {
    let holidays = state.holiday_calendar();
    let mut items = Vec::new();
    let mut wakes = Vec::new();
    for meeting in &state.config.meetings {
        let uc = Context {
            now,
            ..state.context(meeting, &holidays, state.config.daemon.language)
        };
        let (due, wake) = due(&uc, state.channel_of(meeting)).map_err(|e| anyhow::anyhow!(e.0))?;
        wakes.extend(wake);
        items.extend(due.into_iter().map(|d| (meeting.id.clone(), d)));
    }
    Ok(LivePlan {
        items,
        wake: next_wake(wakes, now),
    })
}

/// The sleep until the earliest wake, never longer than [`MAX_SLEEP`] (the
/// agenda may change without a wake of its own) nor shorter than [`MIN_SLEEP`].
fn next_wake(wakes: impl IntoIterator<Item = DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    wakes
        .into_iter()
        .filter_map(|t| (t - now).to_std().ok())
        .fold(MAX_SLEEP, Duration::min)
        .max(MIN_SLEEP)
}

/// Carries out a plan: posts each signal once and records it, ends the
/// sessions left running, posts the summaries still missing.
pub(crate) async fn execute<C: ChatPort>(
    state: &AppState,
    chat: &C,
    plan: LivePlan,
) -> anyhow::Result<()> {
    for (id, item) in plan.items {
        let meeting = state
            .config
            .meeting(&id)
            .ok_or_else(|| anyhow::anyhow!("no meeting {id} in the config"))?;
        match item {
            Due::Signal {
                target,
                message,
                key,
            } => {
                chat.post_once(target, &message, key.as_str()).await?;
                state
                    .log
                    .record_post(&key, &state.clock.now().to_rfc3339())?;
                tracing::info!("live session: posted {}", key.as_str());
            }
            Due::End(date) => {
                end_session(state, chat, meeting, date)
                    .await
                    .map_err(|e| anyhow::anyhow!(e.0))?;
                tracing::info!("live session: {id} {date} ended by itself");
            }
            Due::PostSummary(date) => {
                post_summary(state, chat, meeting, date)
                    .await
                    .map_err(|e| anyhow::anyhow!(e.0))?;
                tracing::info!("live session: posted the summary of {id} {date}");
            }
        }
    }
    Ok(())
}

/// Plans and carries out what is due now; returns how long to sleep.
pub(crate) async fn tick<C: ChatPort>(state: &AppState, chat: &C) -> anyhow::Result<Duration> {
    let plan = plan(state, state.clock.now())?;
    let wake = plan.wake;
    execute(state, chat, plan).await?;
    Ok(wake)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::session::LiveSession;
    use crate::app::state::tests_support::state_at;
    use crate::daemon::jobs::recording_chat::RecordingChat;
    use crate::domain::log::{AgendaItem, AgendaKind};

    /// Today's session (Wednesday 2026-12-02, 17:00 to 18:00 Tokyo) running
    /// in thread 555 with one item, 17:05 to 17:50.
    fn running(state: &AppState) {
        let date = "2026-12-02".parse().unwrap();
        state
            .log
            .update_session("weekly", date, &mut |s| {
                s.agenda.push(AgendaItem {
                    id: "a".into(),
                    title: "Payments API outage".into(),
                    kind: AgendaKind::Incident,
                    ..AgendaItem::default()
                });
                Ok(())
            })
            .unwrap();
        let live = LiveSession {
            target: 555,
            thread: Some(555),
            current: 1,
            items: vec!["a".into()],
            ..LiveSession::default()
        };
        state.log.set_live_session("weekly", date, &live).unwrap();
    }

    #[test]
    fn without_a_session_nothing_is_due_and_the_job_sleeps_its_longest() {
        let (state, _dir) = state_at("2026-12-02T08:51:00Z");
        let plan = plan(&state, state.clock.now()).unwrap();
        assert_eq!(
            plan,
            LivePlan {
                items: Vec::new(),
                wake: MAX_SLEEP
            }
        );
    }

    #[test]
    fn a_running_session_whose_item_ran_out_has_its_signal_due() {
        let (state, _dir) = state_at("2026-12-02T08:51:00Z");
        running(&state);
        let plan = plan(&state, state.clock.now()).unwrap();
        let [(meeting, Due::Signal { target, key, .. })] = plan.items.as_slice() else {
            panic!("one signal expected: {plan:?}");
        };
        assert_eq!((meeting.as_str(), *target), ("weekly", 555));
        assert!(key.as_str().contains("signal/item/"), "{}", key.as_str());
        // The five-minute word is due at 17:55, four minutes on.
        assert!(plan.wake >= MIN_SLEEP && plan.wake <= Duration::from_secs(4 * 60));
    }

    #[test]
    fn the_wake_is_the_earliest_one_within_bounds() {
        let now: DateTime<Utc> = "2026-12-02T08:51:00Z".parse().unwrap();
        let secs = |s| now + chrono::TimeDelta::seconds(s);
        assert_eq!(next_wake([], now), MAX_SLEEP);
        assert_eq!(
            next_wake([secs(90), secs(30)], now),
            Duration::from_secs(30)
        );
        assert_eq!(next_wake([secs(3600)], now), MAX_SLEEP);
        assert_eq!(next_wake([now], now), MIN_SLEEP);
        assert_eq!(
            next_wake([secs(-5), secs(600)], now),
            Duration::from_secs(600)
        );
    }

    #[tokio::test]
    async fn a_signal_is_posted_once_and_recorded() {
        let (state, _dir) = state_at("2026-12-02T08:51:00Z");
        running(&state);
        let chat = RecordingChat::default();
        execute(&state, &chat, plan(&state, state.clock.now()).unwrap())
            .await
            .unwrap();
        tick(&state, &chat).await.unwrap();
        let posts = chat.posts.lock().unwrap();
        assert_eq!(posts.len(), 1, "{posts:?}");
        let (target, message, key) = &posts[0];
        assert_eq!(*target, 555);
        assert!(
            message.text.contains("Payments API outage"),
            "{}",
            message.text
        );
        let recorded = state
            .log
            .post_recorded(&crate::store::PostKey::new(key.clone()));
        assert!(recorded.unwrap().is_some(), "{key} is recorded");
    }
}
