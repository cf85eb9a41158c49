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
use crate::store::SessionLog;

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
    let holidays = state.holiday_calendar();
    let now = state.clock.now();
    let mut wrote = Vec::new();
    for meeting in &state.config.meetings {
        let ctx = Context {
            meeting,
            people: &state.config.people,
            log: &state.log,
            holidays: &holidays,
            language: state.config.daemon.language,
            now,
        };
        let assigned = ensure_assigned(&ctx, horizon)?;
        for (date, person) in &assigned {
            tracing::info!("{}: {person} facilitates {date}", meeting.id);
        }
        if !assigned.is_empty() {
            wrote.push(Change::Roster);
        }
        let moved = carry_over(&ctx)?;
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
        let cancelled = state.log.cancelled_dates(&meeting.id).said(ctx.language)?;
        let schedule = Schedule::new(&meeting.rule, &holidays, &cancelled);
        for o in ctx.occurrences(from, 4)? {
            if !o.is_held() {
                continue;
            }
            if o.end <= now {
                continue;
            }
            let session = state.log.session(&meeting.id, o.date).said(ctx.language)?;
            let empty = session.as_ref().is_none_or(|s| s.agenda.is_empty());
            let has_proposal = session.as_ref().is_some_and(|s| s.proposal.is_some());
            let deadline_passed = reminders_for(&schedule, &o, &meeting.reminder_times, true)
                .iter()
                .any(|r| r.kind == ReminderKind::CallForTopics && r.due_at <= now);
            if empty && !has_proposal && deadline_passed && o.start > now {
                let proposal = proposal_for(&ctx, o.date)?;
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
    }
    Ok(wrote)
}
