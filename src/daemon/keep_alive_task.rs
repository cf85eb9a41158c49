//! Housekeeping that keeps the meeting alive, with or without Discord:
//! facilitators assigned ahead, proposals chosen when no topic came in by the
//! call for topics, open items carried over after a session ends.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, TimeDelta};
use tokio::sync::watch;

use super::Daemon;
use crate::app::keep_alive::{carry_over, proposal_for};
use crate::app::rotation::ensure_assigned;
use crate::app::{Context, UserError};
use crate::domain::reminders::{ReminderKind, reminders_for};
use crate::store::SessionLog;

const EVERY: Duration = Duration::from_secs(15 * 60);
/// Facilitators are assigned this far ahead when the calendar does not say.
const DEFAULT_HORIZON_WEEKS: u64 = 8;

pub async fn run(daemon: Arc<Daemon>, mut stop: watch::Receiver<bool>) {
    let mut changes = daemon.changed.subscribe();
    loop {
        match housekeeping(&daemon) {
            Ok(true) => daemon.log_changed(),
            Ok(false) => {}
            Err(e) => tracing::warn!("housekeeping failed: {e}"),
        }
        if !crate::daemon::pause(EVERY, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// One pass; true when something was written.
fn housekeeping(daemon: &Daemon) -> Result<bool, UserError> {
    let horizon = daemon
        .config
        .google
        .as_ref()
        .map_or(DEFAULT_HORIZON_WEEKS, |g| u64::from(g.horizon_weeks.0));
    let holidays = daemon.holiday_calendar();
    let now = daemon.clock.now();
    let mut wrote = false;
    for meeting in &daemon.config.meetings {
        let ctx = Context {
            meeting,
            log: &daemon.log,
            holidays: &holidays,
            language: daemon.config.daemon.language,
            now,
        };
        let assigned = ensure_assigned(&ctx, horizon)?;
        for (date, person) in &assigned {
            tracing::info!("{}: {person} facilitates {date}", meeting.id);
        }
        wrote |= !assigned.is_empty();
        let from = ctx
            .today()
            .checked_sub_days(Days::new(14))
            .unwrap_or(ctx.today());
        for o in ctx.occurrences(from, 4)? {
            if !o.is_held() {
                continue;
            }
            if o.end <= now && o.end > now - TimeDelta::days(14) {
                let moved = carry_over(&ctx, o.date)?;
                if moved > 0 {
                    tracing::info!(
                        "{}: {moved} open agenda item(s) of {} carried over",
                        meeting.id,
                        o.date
                    );
                    wrote = true;
                }
                continue;
            }
            let session = daemon.log.session(&meeting.id, o.date)?;
            let empty = session.as_ref().is_none_or(|s| s.agenda.is_empty());
            let has_proposal = session.as_ref().is_some_and(|s| s.proposal.is_some());
            let deadline_passed =
                reminders_for(&o, &meeting.reminder_times, meeting.rule.timezone, true)
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
                wrote = true;
            }
        }
    }
    Ok(wrote)
}
