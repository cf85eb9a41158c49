//! Counts who is in the voice channel ten minutes after the start and
//! records it as the session's `present`: a number, never names.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, TimeDelta, Utc};
use tokio::sync::watch;

use crate::app::state::{AppState, Change};
use crate::chat::ChatPort;

/// Late joiners count; ten minutes in, the room has settled.
const COUNT_AFTER: TimeDelta = TimeDelta::minutes(10);
const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
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

/// Records the head count of every session that is ten minutes in; returns how long to sleep.
pub(crate) fn tick<C: ChatPort>(state: &AppState, chat: &C) -> anyhow::Result<Duration> {
    let now = state.clock.now();
    let mut next_wake = MAX_SLEEP;
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
                    next_wake = next_wake.min(wait);
                }
                continue;
            }
            if now >= o.end {
                continue;
            }
            if state.log.presence_counted(&meeting.id, o.date)? {
                continue;
            }
            let Some(present) = chat.voice_head_count(voice.0) else {
                continue;
            };
            state
                .log
                .update_session(&meeting.id, o.date, &mut |session| {
                    session.attendance.present = Some(present);
                    Ok(())
                })?;
            state.log.record_presence(&meeting.id, o.date, present)?;
            state.changed(Change::Attendance);
            tracing::info!(
                "{}: {present} people in the voice channel ten minutes into {}",
                meeting.id,
                o.date
            );
        }
    }
    Ok(next_wake.max(Duration::from_millis(200)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::daemon::jobs::recording_chat::RecordingChat;

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
