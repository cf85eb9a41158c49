//! Housekeeping that keeps the meeting alive, with or without Discord:
//! facilitators assigned ahead, proposals chosen when no topic came in by the
//! call for topics, open items carried over after a session ends. [`plan`]
//! decides all three for a meeting from the store without writing;
//! [`execute`] writes them and says what changed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use tokio::sync::watch;

use crate::app::keep_alive::{
    CarryPlan, apply_carry_over, choose_proposal, plan_carry_over, store_proposal,
};
use crate::app::rotation::{planned_assignments, record_assignments};
use crate::app::state::{AppState, Change};
use crate::app::{Context, Said, UserError};
use crate::domain::log::Proposal;
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
            let plan = plan(ctx, horizon)?;
            wrote.extend(execute(ctx, plan)?);
            Ok::<_, UserError>(())
        })?;
    }
    Ok(wrote)
}

/// What one meeting's housekeeping would write.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct KeepAlivePlan {
    /// Facilitators for the held sessions over the horizon that have none.
    pub assign: Vec<(NaiveDate, String)>,
    /// Open items moving on from sessions that ended.
    pub carry: CarryPlan,
    /// Proposals for coming sessions still without topics once their call
    /// for topics is due.
    pub propose: Vec<(NaiveDate, Proposal)>,
}

#[cfg(test)]
impl KeepAlivePlan {
    /// A pass that would write nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.assign.is_empty() && self.carry.is_empty() && self.propose.is_empty()
    }
}

/// One meeting's housekeeping at `ctx.now`, from what the store says; writes nothing.
pub(crate) fn plan(ctx: &Context, horizon: u64) -> Result<KeepAlivePlan, UserError> {
    let assign = planned_assignments(ctx, horizon)?;
    let carry = plan_carry_over(ctx)?;
    let propose = proposals_due(ctx, &carry)?;
    Ok(KeepAlivePlan {
        assign,
        carry,
        propose,
    })
}

/// A proposal for each coming session that has no topic, no proposal yet and
/// whose call for topics is due. A session the carry-over brings items to
/// is not without topics.
fn proposals_due(
    ctx: &Context,
    carry: &CarryPlan,
) -> Result<Vec<(NaiveDate, Proposal)>, UserError> {
    let meeting = ctx.meeting;
    let now = ctx.now;
    let from = ctx
        .today()
        .checked_sub_days(Days::new(14))
        .unwrap_or(ctx.today());
    let cancelled = ctx.log.cancelled_dates(&meeting.id).said(ctx.language)?;
    let schedule = Schedule::new(&meeting.rule, ctx.holidays, &cancelled);
    let mut proposals = Vec::new();
    for o in ctx.occurrences(from, 4)? {
        if !o.is_held() || o.end <= now {
            continue;
        }
        let session = ctx.log.session(&meeting.id, o.date).said(ctx.language)?;
        let carried_in = carry.moves.iter().any(|m| m.to == o.date);
        let empty = !carried_in && session.as_ref().is_none_or(|s| s.agenda.is_empty());
        let has_proposal = session.as_ref().is_some_and(|s| s.proposal.is_some());
        let deadline_passed = reminders_for(&schedule, &o, &meeting.reminder_times, true)
            .iter()
            .any(|r| r.kind == ReminderKind::CallForTopics && r.due_at <= now);
        if empty && !has_proposal && deadline_passed && o.start > now {
            let proposal = choose_proposal(ctx, o.date, &proposals)?;
            proposals.push((o.date, proposal));
        }
    }
    Ok(proposals)
}

/// Writes a plan through the store; says what it wrote.
pub(crate) fn execute(ctx: &Context, plan: KeepAlivePlan) -> Result<Vec<Change>, UserError> {
    let meeting = ctx.meeting;
    let mut wrote = Vec::new();
    record_assignments(ctx, &plan.assign)?;
    for (date, person) in &plan.assign {
        tracing::info!("{}: {person} facilitates {date}", meeting.id);
    }
    if !plan.assign.is_empty() {
        wrote.push(Change::Roster);
    }
    let moved = apply_carry_over(ctx, &plan.carry)?;
    if moved > 0 {
        tracing::info!(
            "{}: {moved} open agenda item(s) carried over to the next session",
            meeting.id
        );
        wrote.push(Change::Agenda);
    }
    for (date, proposal) in plan.propose {
        let proposal = store_proposal(ctx, date, proposal)?;
        tracing::info!(
            "{}: no topic for {}, proposing {:?}: {}",
            meeting.id,
            date,
            proposal.format,
            proposal.title
        );
        wrote.push(Change::Agenda);
    }
    Ok(wrote)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;
    use crate::domain::log::{AgendaItem, AgendaKind, agenda_id};

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn planned(state: &AppState) -> KeepAlivePlan {
        let meeting = &state.config.meetings[0];
        state
            .with_use_case(meeting, |ctx| plan(ctx, state.config.horizon_weeks()))
            .unwrap()
    }

    fn executed(state: &AppState, plan: KeepAlivePlan) -> Vec<Change> {
        let meeting = &state.config.meetings[0];
        state
            .with_use_case(meeting, |ctx| execute(ctx, plan))
            .unwrap()
    }

    fn with_roster(state: &AppState) {
        state
            .log
            .set_roster("weekly", &["ann".into(), "bob".into()])
            .unwrap();
    }

    /// An item nobody reached on `date`.
    fn open_item_on(state: &AppState, date: &str) {
        state
            .log
            .update_session("weekly", day(date), &mut |s| {
                s.agenda.push(AgendaItem {
                    id: agenda_id("weekly", day(date), "Not reached"),
                    title: "Not reached".into(),
                    kind: AgendaKind::Topic,
                    ..AgendaItem::default()
                });
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn facilitators_are_planned_in_turn_over_the_horizon_without_writing() {
        // Monday 12/7, 11:00 in Tokyo.
        let (state, _dir) = state_at("2026-12-07T02:00:00Z");
        with_roster(&state);
        let plan = planned(&state);
        let dates: Vec<NaiveDate> = plan.assign.iter().map(|(d, _)| *d).collect();
        let last = day("2026-12-07") + Days::new(state.config.horizon_weeks() * 7);
        assert_eq!(dates.first(), Some(&day("2026-12-09")), "{dates:?}");
        assert!(dates.iter().all(|d| *d <= last), "{dates:?}");
        assert!(last - *dates.last().unwrap() < chrono::TimeDelta::days(7));
        assert!(!dates.contains(&day("2026-12-30")), "a day off has nobody");
        let who: Vec<&str> = plan
            .assign
            .iter()
            .take(3)
            .map(|(_, p)| p.as_str())
            .collect();
        assert_eq!(who, ["ann", "bob", "ann"]);
        assert!(plan.carry.moves.is_empty() && plan.propose.is_empty());
        assert!(
            state
                .log
                .session("weekly", day("2026-12-09"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn open_items_of_a_session_that_ended_move_to_the_next_which_needs_no_proposal() {
        // Monday 12/7, 12:30 in Tokyo: 12/2 is over and the call for 12/9 is due.
        let (state, _dir) = state_at("2026-12-07T03:30:00Z");
        open_item_on(&state, "2026-12-02");
        let plan = planned(&state);
        let [moved] = plan.carry.moves.as_slice() else {
            panic!("one move expected: {plan:?}");
        };
        assert_eq!(
            (moved.from, moved.to),
            (day("2026-12-02"), day("2026-12-09"))
        );
        assert_eq!(moved.items[0].title, "Not reached");
        assert_eq!(plan.carry.look_from, Some(day("2026-12-02")));
        assert!(plan.propose.is_empty(), "the carried item is 12/9's topic");
        assert!(
            state
                .log
                .session("weekly", day("2026-12-09"))
                .unwrap()
                .is_none()
        );
        assert!(state.log.carry_look_from("weekly").unwrap().is_none());
    }

    #[test]
    fn a_proposal_is_planned_only_once_the_call_for_topics_is_due() {
        // The call for 12/9 is due on Monday 12/7 at 12:00 in Tokyo.
        let (early, _dir) = state_at("2026-12-07T02:00:00Z");
        assert!(planned(&early).propose.is_empty());
        let (due, _dir) = state_at("2026-12-07T03:30:00Z");
        let plan = planned(&due);
        let dates: Vec<NaiveDate> = plan.propose.iter().map(|(d, _)| *d).collect();
        assert_eq!(dates, [day("2026-12-09")]);
        assert!(
            due.log
                .session("weekly", day("2026-12-09"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_second_pass_after_executing_plans_nothing() {
        for items in [false, true] {
            let (state, _dir) = state_at("2026-12-07T03:30:00Z");
            with_roster(&state);
            if items {
                open_item_on(&state, "2026-12-02");
            }
            let wrote = executed(&state, planned(&state));
            assert!(wrote.contains(&Change::Roster) && wrote.contains(&Change::Agenda));
            let session = state.log.session("weekly", day("2026-12-09")).unwrap();
            let session = session.unwrap();
            assert_eq!(session.facilitator.as_deref(), Some("ann"));
            assert_eq!(session.proposal.is_some(), !items, "{session:?}");
            assert_eq!(session.agenda.len(), usize::from(items));
            let again = planned(&state);
            assert!(again.is_empty(), "{again:?}");
        }
    }

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
