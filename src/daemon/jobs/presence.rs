//! Counts who is in the voice channel ten minutes after the start and
//! records it as the session's `present`: a number, never names. [`plan`]
//! says which sessions are due a count without writing; [`execute`] counts
//! through the chat port and records.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use tokio::sync::watch;

use crate::app::state::{AppState, Change};
use crate::chat::ChatPort;

/// Late joiners count; ten minutes in, the room has settled.
const COUNT_AFTER: TimeDelta = TimeDelta::minutes(10);
const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
/// A wake in the past (a slow store read) must not turn into a busy loop.
const MIN_SLEEP: Duration = Duration::from_millis(200);
const WATCHES: &[Change] = &[Change::Schedule, Change::Import];

pub(crate) async fn run<C: ChatPort>(
    state: Arc<AppState>,
    chat: Arc<C>,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = state.watch_changes(WATCHES);
    loop {
        let worker = state.clone();
        let counter = chat.clone();
        let sleep = match tokio::task::spawn_blocking(move || tick(&worker, counter.as_ref())).await
        {
            Ok(Ok(sleep)) => sleep,
            Ok(Err(e)) => {
                tracing::warn!("counting voice presence failed: {e:#}");
                Duration::from_secs(60)
            }
            Err(e) => {
                tracing::warn!("counting voice presence failed: {e}");
                Duration::from_secs(60)
            }
        };
        if !super::pause(sleep, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// A session ten minutes in whose head count is not recorded yet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Count {
    pub meeting: String,
    pub date: NaiveDate,
    /// The voice channel to count.
    pub voice: u64,
}

/// What to count now, and how long to sleep before looking again.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PresencePlan {
    pub counts: Vec<Count>,
    pub wake: Duration,
}

/// The sessions of every meeting due a head count at `now`: ten minutes in,
/// not over and not counted yet; writes nothing.
pub(crate) fn plan(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<PresencePlan> {
    let mut counts = Vec::new();
    let mut wake = MAX_SLEEP;
    for meeting in &state.config.meetings {
        // Each meeting counts its own room (or the global one).
        let Some(voice) = meeting.voice_channel(&state.config) else {
            continue;
        };
        let today = meeting.rule.day_of(now);
        let until = today.checked_add_days(Days::new(7)).unwrap_or(today);
        for o in state
            .occurrences(meeting, today, until)?
            .into_iter()
            .filter(|o| o.is_held())
        {
            let count_at = o.start.with_timezone(&Utc) + COUNT_AFTER;
            if now < count_at {
                if let Ok(wait) = (count_at - now).to_std() {
                    wake = wake.min(wait);
                }
                continue;
            }
            if now >= o.end || state.log.presence_counted(&meeting.id, o.date)? {
                continue;
            }
            counts.push(Count {
                meeting: meeting.id.clone(),
                date: o.date,
                voice: voice.0,
            });
        }
    }
    Ok(PresencePlan {
        counts,
        wake: wake.max(MIN_SLEEP),
    })
}

/// Counts each planned room through the chat port and records the number on
/// the session. A room the chat cannot see now is left for the next look.
pub(crate) fn execute<C: ChatPort>(
    state: &AppState,
    chat: &C,
    plan: &PresencePlan,
) -> anyhow::Result<()> {
    for count in &plan.counts {
        let Some(present) = chat.voice_head_count(count.voice) else {
            continue;
        };
        state
            .log
            .update_session(&count.meeting, count.date, &mut |session| {
                session.attendance.present = Some(present);
                Ok(())
            })?;
        state
            .log
            .record_presence(&count.meeting, count.date, present)?;
        state.changed(Change::Attendance);
        tracing::info!(
            "{}: {present} people in the voice channel ten minutes into {}",
            count.meeting,
            count.date
        );
    }
    Ok(())
}

/// Records the head count of every session that is ten minutes in; returns how long to sleep.
pub(crate) fn tick<C: ChatPort>(state: &AppState, chat: &C) -> anyhow::Result<Duration> {
    let plan = plan(state, state.clock.now())?;
    execute(state, chat, &plan)?;
    Ok(plan.wake)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::daemon::jobs::recording_chat::RecordingChat;

    const WEEKLY_VOICE: u64 = 444;

    fn today() -> NaiveDate {
        "2026-12-02".parse().unwrap()
    }

    fn plan_now(state: &AppState) -> PresencePlan {
        plan(state, state.clock.now()).unwrap()
    }

    #[test]
    fn before_ten_minutes_in_nothing_is_due_and_the_job_wakes_then() {
        let (state, _dir) = state_at("2026-12-02T17:05:00+09:00");
        assert_eq!(
            plan_now(&state),
            PresencePlan {
                counts: Vec::new(),
                wake: Duration::from_secs(5 * 60)
            }
        );
    }

    #[test]
    fn ten_minutes_in_the_room_is_due_a_count_until_the_end() {
        let (state, _dir) = state_at("2026-12-02T17:10:00+09:00");
        let plan = plan_now(&state);
        let due = Count {
            meeting: "weekly".into(),
            date: today(),
            voice: WEEKLY_VOICE,
        };
        assert_eq!(plan.counts, [due]);
        assert!(state.log.session("weekly", today()).unwrap().is_none());
        let (after, _dir) = state_at("2026-12-02T18:00:00+09:00");
        assert!(plan_now(&after).counts.is_empty(), "over: not counted");
    }

    #[test]
    fn a_session_counted_already_is_not_due_again() {
        let (state, _dir) = state_at("2026-12-02T17:20:00+09:00");
        state.log.record_presence("weekly", today(), 7).unwrap();
        assert!(plan_now(&state).counts.is_empty());
    }

    #[test]
    fn a_room_the_chat_cannot_see_stays_due() {
        let (state, _dir) = state_at("2026-12-02T17:20:00+09:00");
        let blind = RecordingChat::default();
        execute(&state, &blind, &plan_now(&state)).unwrap();
        assert_eq!(plan_now(&state).counts.len(), 1);
    }

    #[test]
    fn the_head_count_is_recorded_once_ten_minutes_in() {
        let chat = RecordingChat {
            head_count: Some(7),
            ..Default::default()
        };
        let (early, _dir) = state_at("2026-12-02T17:05:00+09:00");
        let sleep = tick(&early, &chat).unwrap();
        assert_eq!(sleep, Duration::from_secs(5 * 60));
        assert!(
            early
                .log
                .session("weekly", "2026-12-02".parse().unwrap())
                .unwrap()
                .is_none()
        );

        let (state, _dir) = state_at("2026-12-02T17:10:00+09:00");
        tick(&state, &chat).unwrap();
        let session = state
            .log
            .session("weekly", "2026-12-02".parse().unwrap())
            .unwrap();
        assert_eq!(session.unwrap().attendance.present, Some(7));
        let later = RecordingChat {
            head_count: Some(9),
            ..Default::default()
        };
        tick(&state, &later).unwrap();
        let session = state
            .log
            .session("weekly", "2026-12-02".parse().unwrap())
            .unwrap();
        assert_eq!(session.unwrap().attendance.present, Some(7), "counted once");
    }
}
