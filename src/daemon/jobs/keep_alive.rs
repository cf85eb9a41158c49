//! Housekeeping that keeps the meeting alive, with or without Discord:
//! facilitators assigned ahead, proposals chosen when no topic came in by the
//! call for topics, open items carried over after a session ends.

use std::sync::Arc;
use std::time::Duration;

use chrono::Days;
use tokio::sync::watch;

use crate::app::keep_alive::{carry_over, proposal_for};
use crate::app::rotation::ensure_assigned;
use crate::app::state::{AppState, Change};
use crate::app::{Context, Said, UserError};
use crate::domain::reminders::{ReminderKind, reminders_for};
use crate::domain::schedule::Schedule;

const EVERY: Duration = Duration::from_secs(15 * 60);
const WATCHES: &[Change] = &[
    Change::Agenda,
    Change::Schedule,
    Change::Roster,
    Change::Knowledge,
    Change::Import,
];

pub(crate) async fn run(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    let mut changes = state.watch_changes(WATCHES);
    loop {
        let worker = state.clone();
        match tokio::task::spawn_blocking(move || housekeeping(&worker)).await {
            Ok(Ok(wrote)) => {
                for change in wrote {
                    state.changed(change);
                }
            }
            Ok(Err(e)) => tracing::warn!("housekeeping failed: {e}"),
            Err(e) => tracing::warn!("housekeeping failed: {e}"),
        }
        if !super::pause(EVERY, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// One pass; says what it wrote.
fn housekeeping(state: &AppState) -> Result<Vec<Change>, UserError> {
    let horizon = state.config.horizon_weeks();
    let mut wrote = Vec::new();
    for meeting in &state.config.meetings {
        state.with_use_case(meeting, |ctx| {
            meeting_housekeeping(ctx, horizon, &mut wrote)
        })?;
    }
    Ok(wrote)
}

/// One meeting's: facilitators assigned over the horizon, open items carried
/// over, and a proposal for each coming session still without topics once
/// its call for topics is due. Says what it wrote in `wrote`.
fn meeting_housekeeping(
    ctx: &Context,
    horizon: u64,
    wrote: &mut Vec<Change>,
) -> Result<(), UserError> {
    let meeting = ctx.meeting;
    let now = ctx.now;
    let assigned = ensure_assigned(ctx, horizon)?;
    for (date, person) in &assigned {
        tracing::info!("{}: {person} facilitates {date}", meeting.id);
    }
    if !assigned.is_empty() {
        wrote.push(Change::Roster);
    }
    let moved = carry_over(ctx)?;
    if moved > 0 {
        tracing::info!(
            "{}: {moved} open agenda item(s) carried over to the next session",
            meeting.id
        );
        wrote.push(Change::Agenda);
    }
    let from = ctx
        .today()
        .checked_sub_days(Days::new(14))
        .unwrap_or(ctx.today());
    let cancelled = ctx.log.cancelled_dates(&meeting.id).said(ctx.language)?;
    let schedule = Schedule::new(&meeting.rule, ctx.holidays, &cancelled);
    for o in ctx.occurrences(from, 4)? {
        if !o.is_held() || o.end <= now {
            continue;
        }
        let session = ctx.log.session(&meeting.id, o.date).said(ctx.language)?;
        let empty = session.as_ref().is_none_or(|s| s.agenda.is_empty());
        let has_proposal = session.as_ref().is_some_and(|s| s.proposal.is_some());
        let deadline_passed = reminders_for(&schedule, &o, &meeting.reminder_times, true)
            .iter()
            .any(|r| r.kind == ReminderKind::CallForTopics && r.due_at <= now);
        if empty && !has_proposal && deadline_passed && o.start > now {
            let proposal = proposal_for(ctx, o.date)?;
            tracing::info!(
                "{}: no topic for {}, proposing {:?}: {}",
                meeting.id,
                o.date,
                proposal.format,
                proposal.title
            );
            wrote.push(Change::Agenda);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;

    #[test]
    fn a_session_without_topics_gets_a_proposal_once_its_call_is_due_and_only_once() {
        // Monday 12/7, 11:00 in Tokyo: the call for 12/9 is due at 12:00.
        let (state, _dir) = state_at("2026-12-07T02:00:00Z");
        assert!(!housekeeping(&state).unwrap().contains(&Change::Agenda));
        let date = "2026-12-09".parse().unwrap();
        assert!(state.log.session("weekly", date).unwrap().is_none());

        let (state, _dir) = state_at("2026-12-07T03:30:00Z");
        assert!(housekeeping(&state).unwrap().contains(&Change::Agenda));
        let proposal = state.log.session("weekly", date).unwrap().unwrap().proposal;
        assert!(proposal.is_some(), "a proposal for 12/9");
        assert!(
            !housekeeping(&state).unwrap().contains(&Change::Agenda),
            "nothing new the second time"
        );
    }
}
