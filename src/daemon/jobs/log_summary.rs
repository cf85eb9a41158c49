//! Keeps the figures `/metrics` shows (held and skipped weeks, agenda items,
//! RSVPs) current: recomputed off the runtime after changes, so a scrape
//! reads a snapshot and never scans the log.

use std::sync::Arc;
use std::time::Duration;

use chrono::Days;
use tokio::sync::watch;

use crate::app::state::{AppState, Change, LogSummary};

/// Held counts and the next session move with the time even without a change.
const AT_LEAST_EVERY: Duration = Duration::from_secs(300);
/// A burst of writes (an import, a busy minute in Discord) is summed up once.
const SETTLE: Duration = Duration::from_secs(1);
const WATCHES: &[Change] = &[
    Change::Agenda,
    Change::Attendance,
    Change::Schedule,
    Change::Roster,
    Change::Knowledge,
    Change::Import,
];

pub(crate) async fn run(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    let mut changes = state.watch_changes(WATCHES);
    loop {
        let worker = state.clone();
        match tokio::task::spawn_blocking(move || summarize(&worker)).await {
            Ok(Ok(summary)) => state.set_summary(summary),
            Ok(Err(e)) => tracing::warn!("summing up the log for /metrics failed: {e}"),
            Err(e) => tracing::warn!("summing up the log for /metrics failed: {e}"),
        }
        if !super::pause(AT_LEAST_EVERY, &mut changes, &mut stop).await {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(SETTLE) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

pub(crate) fn summarize(state: &AppState) -> Result<LogSummary, crate::store::StoreError> {
    let now = state.clock.now();
    let mut summary = LogSummary::default();
    for meeting in &state.config.meetings {
        let today = meeting.rule.day_of(now);
        let past = state.occurrences(meeting, meeting.rule.first_session, today)?;
        let held = past.iter().filter(|o| o.is_held()).count() as u64;
        summary
            .weeks
            .push((meeting.id.clone(), held, past.len() as u64 - held));
        let until = today.checked_add_days(Days::new(7 * 53)).unwrap_or(today);
        let upcoming = state
            .occurrences(meeting, today, until)?
            .into_iter()
            .filter(|o| o.is_held() && o.end > now)
            .take(3)
            .collect();
        summary.upcoming.push((meeting.id.clone(), upcoming));
    }
    for session in state.log.sessions(None)? {
        summary.agenda_items += session.agenda.len() as u64;
        summary.rsvps += session.rsvps.len() as u64;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::domain::log::{AgendaItem, RsvpStatus};

    #[test]
    fn the_summary_counts_weeks_items_and_answers_and_names_the_next_sessions() {
        // Monday 2026-12-07 in Tokyo.
        let (state, _dir) = state_at("2026-12-07T03:00:00Z");
        let date = "2026-12-09".parse().unwrap();
        state
            .log
            .update_session("weekly", date, &mut |s| {
                for title in ["a", "b"] {
                    s.agenda.push(AgendaItem {
                        title: title.into(),
                        id: crate::domain::log::agenda_id("weekly", date, title),
                        ..AgendaItem::default()
                    });
                }
                s.rsvps.insert("111".into(), RsvpStatus::Going);
                Ok(())
            })
            .unwrap();
        let summary = summarize(&state).unwrap();
        assert_eq!((summary.agenda_items, summary.rsvps), (2, 1));
        let (meeting, held, skipped) = &summary.weeks[0];
        assert_eq!(meeting, "weekly");
        assert!(
            *held > 300 && *skipped > 0,
            "{held} held, {skipped} skipped"
        );
        let next: Vec<String> = summary.upcoming[0]
            .1
            .iter()
            .map(|o| o.date.to_string())
            .collect();
        // 12/30 is the fixture's skip date.
        assert_eq!(next, ["2026-12-09", "2026-12-16", "2026-12-23"]);
    }
}
