//! What keeps the meeting alive between sessions: a concrete proposal when
//! nobody offered a topic, and open agenda items carried over until covered.

use chrono::{Days, NaiveDate};

use super::{Context, Said, UserError};
use crate::domain::fallback::DashboardRef;
use crate::domain::log::{AgendaItem, Proposal, Session, agenda_id};
use crate::messages::proposal::propose;

/// The session's proposal, chosen and stored the first time it is asked for.
pub fn proposal_for(ctx: &Context, date: NaiveDate) -> Result<Proposal, UserError> {
    let sessions = ctx.log.sessions(Some(&ctx.meeting.id)).said(ctx.language)?;
    if let Some(existing) = sessions
        .iter()
        .find(|s| s.date == date)
        .and_then(|s| s.proposal.clone())
    {
        return Ok(existing);
    }
    let proposal = choose(ctx, &sessions, date, &[])?;
    store_proposal(ctx, date, proposal)
}

/// A new proposal for the session on `date`, whatever it holds; writes
/// nothing. `earlier` are proposals chosen in the same pass for sessions
/// before it and not stored yet: the choice avoids repeating them as it
/// avoids repeating the stored ones.
pub fn choose_proposal(
    ctx: &Context,
    date: NaiveDate,
    earlier: &[(NaiveDate, Proposal)],
) -> Result<Proposal, UserError> {
    let sessions = ctx.log.sessions(Some(&ctx.meeting.id)).said(ctx.language)?;
    choose(ctx, &sessions, date, earlier)
}

fn choose(
    ctx: &Context,
    sessions: &[Session],
    date: NaiveDate,
    earlier: &[(NaiveDate, Proposal)],
) -> Result<Proposal, UserError> {
    let mut past: Vec<(NaiveDate, Proposal)> = sessions
        .iter()
        .filter(|s| s.date < date)
        .filter_map(|s| s.proposal.clone().map(|p| (s.date, p)))
        .collect();
    if !earlier.is_empty() {
        // The choice reads `past` in date order (the latest use of a format).
        past.extend(earlier.iter().filter(|(d, _)| *d < date).cloned());
        past.sort_by_key(|(d, _)| *d);
    }
    // Another department's incidents are theirs to revisit, unless this
    // meeting shares their history (`share_history_with`).
    let mut postmortems = ctx.log.postmortems().said(ctx.language)?;
    postmortems.retain(|p| ctx.meeting.reads_history_of(&p.meeting));
    let dashboards: Vec<DashboardRef> = ctx
        .meeting
        .dashboards
        .iter()
        .map(|d| DashboardRef {
            name: &d.name,
            url: &d.url,
        })
        .collect();
    Ok(propose(
        date,
        &past,
        &postmortems,
        &dashboards,
        ctx.language,
    ))
}

/// Stores `proposal` on the session unless it got one meanwhile; returns the
/// one it holds.
pub fn store_proposal(
    ctx: &Context,
    date: NaiveDate,
    proposal: Proposal,
) -> Result<Proposal, UserError> {
    let stored = ctx
        .log
        .update_session(&ctx.meeting.id, date, &mut |session| {
            if session.proposal.is_none() {
                session.proposal = Some(proposal.clone());
            }
            Ok(())
        })
        .said(ctx.language)?;
    Ok(stored.proposal.unwrap_or(proposal))
}

/// How far back open items are looked for when no pass looked before (a
/// fresh store, an import): an imported history of years is not flooded into
/// the next session.
const LOOK_BACK_DAYS: u64 = 14;

/// Open items of the session on `from` going to the one on `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct CarryMove {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub items: Vec<AgendaItem>,
}

/// What a carry-over pass would do: the moves, and the date the next pass
/// looks from when it differs from the one stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CarryPlan {
    pub moves: Vec<CarryMove>,
    pub look_from: Option<NaiveDate>,
}

impl CarryPlan {
    /// How many items the plan moves.
    pub fn moved(&self) -> usize {
        self.moves.iter().map(|m| m.items.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.moves.is_empty() && self.look_from.is_none()
    }
}

/// Moves the open items of sessions that ended (or are skipped) to the next
/// held session that has not started yet; see [`plan_carry_over`]. Returns
/// how many moved.
pub fn carry_over(ctx: &Context) -> Result<usize, UserError> {
    let plan = plan_carry_over(ctx)?;
    apply_carry_over(ctx, &plan)
}

/// Which open items of sessions that ended (or are skipped) move to the next
/// held session that has not started yet, never into one that is under way
/// or over; writes nothing. An item still open there moves on again after
/// it, until it is covered or removed. Sessions are looked at again from the
/// date the store keeps (the earliest session a pass could not empty, else
/// the latest that ended), so a daemon that was down for weeks picks up
/// where it stopped.
pub fn plan_carry_over(ctx: &Context) -> Result<CarryPlan, UserError> {
    let today = ctx.today();
    let window = today
        .checked_sub_days(Days::new(LOOK_BACK_DAYS))
        .unwrap_or(today);
    let stored = ctx
        .log
        .carry_look_from(&ctx.meeting.id)
        .said(ctx.language)?;
    let since = stored.map_or(window, |from| from.min(window));
    let weeks = u64::try_from((today - since).num_days()).unwrap_or(0) / 7 + 61;
    let occurrences = ctx.occurrences(since, weeks)?;
    let until = occurrences.last().map_or(today, |o| o.date);
    let sessions = ctx
        .log
        .sessions_between(&ctx.meeting.id, since, until)
        .said(ctx.language)?;
    let mut moves = Vec::new();
    let mut latest_over = None;
    let mut stuck = None;
    for o in &occurrences {
        let over = o.end <= ctx.now;
        if over {
            latest_over = Some(o.date);
        }
        if o.is_held() && !over {
            // Its items wait for it.
            continue;
        }
        let Some(session) = sessions.iter().find(|s| s.date == o.date) else {
            continue;
        };
        let open: Vec<AgendaItem> = session
            .agenda
            .iter()
            .filter(|i| i.is_open())
            .cloned()
            .collect();
        if open.is_empty() {
            continue;
        }
        if o.is_held() && super::session::is_running(ctx, o.date)? {
            // A live session running late keeps its items until it ends
            // (by itself at the latest, 15 minutes after its scheduled end).
            stuck.get_or_insert(o.date);
            continue;
        }
        let target = occurrences
            .iter()
            .find(|t| t.is_held() && t.date > o.date && t.start > ctx.now);
        match target {
            Some(target) => moves.push(CarryMove {
                from: o.date,
                to: target.date,
                items: open,
            }),
            // Nothing held ahead: the items stay open and are tried again.
            None => {
                stuck.get_or_insert(o.date);
            }
        }
    }
    let look_from = match (stuck, latest_over) {
        (Some(stuck), Some(over)) => Some(stuck.min(over)),
        (stuck, over) => stuck.or(over),
    };
    Ok(CarryPlan {
        moves,
        // Rewriting the date already stored would change nothing.
        look_from: look_from.filter(|date| Some(*date) != stored),
    })
}

/// Carries out a [`CarryPlan`]; returns how many items moved.
pub fn apply_carry_over(ctx: &Context, plan: &CarryPlan) -> Result<usize, UserError> {
    for m in &plan.moves {
        move_items(ctx, m.from, m.to, &m.items)?;
    }
    if let Some(date) = plan.look_from {
        ctx.log
            .set_carry_look_from(&ctx.meeting.id, date)
            .said(ctx.language)?;
    }
    Ok(plan.moved())
}

/// Copies `open` into the session on `to` (once per title) and marks the
/// originals on `from` as moved there.
fn move_items(
    ctx: &Context,
    from: NaiveDate,
    to: NaiveDate,
    open: &[AgendaItem],
) -> Result<(), UserError> {
    ctx.log
        .update_session(&ctx.meeting.id, to, &mut |target| {
            for item in open {
                let id = agenda_id(&ctx.meeting.id, to, &item.title);
                if !target.agenda.iter().any(|i| i.id == id) {
                    let mut moved = item.clone();
                    moved.id = id;
                    moved.carried_from = Some(from);
                    target.agenda.push(moved);
                }
            }
            Ok(())
        })
        .said(ctx.language)?;
    ctx.log
        .update_session(&ctx.meeting.id, from, &mut |source| {
            for item in source
                .agenda
                .iter_mut()
                .filter(|i| open.iter().any(|o| o.id == i.id))
            {
                item.carried_to = Some(to);
            }
            Ok(())
        })
        .said(ctx.language)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::fixture;
    use crate::domain::log::{AgendaKind, FallbackFormat};
    use crate::store::KnowledgeLog;
    use crate::store::SessionStore as _;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn at<'a>(f: &'a crate::app::fixture::Fixture, now: &str) -> Context<'a> {
        Context {
            now: now.parse().unwrap(),
            ..f.ctx()
        }
    }

    fn agenda_of(f: &crate::app::fixture::Fixture, day: &str) -> Vec<AgendaItem> {
        f.log
            .session("weekly", date(day))
            .unwrap()
            .map(|s| s.agenda)
            .unwrap_or_default()
    }

    /// Two items on `day`, the first covered.
    fn held_with_items(f: &crate::app::fixture::Fixture, day: &str) {
        f.log
            .update_session("weekly", date(day), &mut |s| {
                for (title, done) in [("Covered", true), ("Not reached", false)] {
                    s.agenda.push(AgendaItem {
                        id: agenda_id("weekly", date(day), title),
                        title: title.into(),
                        kind: AgendaKind::Topic,
                        done,
                        ..Default::default()
                    });
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn open_items_move_once_to_the_next_session_that_has_not_started() {
        let f = fixture("2026-12-20T00:00:00Z");
        held_with_items(&f, "2026-12-16");
        // 12-23 is under way at 17:30 in Tokyo, and 12-30 is a company day off.
        let ctx = at(&f, "2026-12-23T08:30:00Z");
        assert_eq!(carry_over(&ctx).unwrap(), 1);
        assert_eq!(carry_over(&ctx).unwrap(), 0, "once");
        assert!(
            agenda_of(&f, "2026-12-23").is_empty(),
            "never into a started session"
        );
        let next = agenda_of(&f, "2027-01-06");
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].title, "Not reached");
        assert_eq!(next[0].carried_from, Some(date("2026-12-16")));
        assert!(next[0].is_left_over());
        assert_eq!(
            agenda_of(&f, "2026-12-16")[1].carried_to,
            Some(date("2027-01-06"))
        );
    }

    #[test]
    fn after_weeks_of_downtime_a_carried_item_moves_on_past_the_finished_sessions() {
        let f = fixture("2026-12-03T00:00:00Z");
        held_with_items(&f, "2026-12-02");
        assert_eq!(carry_over(&f.ctx()).unwrap(), 1);
        assert_eq!(agenda_of(&f, "2026-12-09").len(), 1);
        // Down from 12-04 to New Year's Day: 12-09, 12-16 and 12-23 ended meanwhile,
        // 12-09 more than two weeks ago.
        let ctx = at(&f, "2027-01-01T00:00:00Z");
        assert_eq!(carry_over(&ctx).unwrap(), 1);
        for finished in ["2026-12-16", "2026-12-23"] {
            assert!(agenda_of(&f, finished).is_empty(), "{finished}");
        }
        let next = agenda_of(&f, "2027-01-06");
        assert_eq!(next.len(), 1, "{next:?}");
        assert_eq!(next[0].carried_from, Some(date("2026-12-09")));

        // Covered on 01-06: it stops there.
        f.log
            .update_session("weekly", date("2027-01-06"), &mut |s| {
                s.agenda[0].done = true;
                Ok(())
            })
            .unwrap();
        assert_eq!(carry_over(&at(&f, "2027-01-07T00:00:00Z")).unwrap(), 0);
        assert!(agenda_of(&f, "2027-01-13").is_empty());
    }

    #[test]
    fn old_imported_history_is_not_flooded_into_the_next_session() {
        let f = fixture("2026-12-20T00:00:00Z");
        held_with_items(&f, "2026-10-07");
        held_with_items(&f, "2026-12-16");
        assert_eq!(carry_over(&f.ctx()).unwrap(), 1);
        let next = agenda_of(&f, "2026-12-23");
        assert_eq!(next[0].carried_from, Some(date("2026-12-16")));
        assert!(agenda_of(&f, "2026-10-07")[1].is_open());
    }

    #[test]
    fn items_of_a_session_skipped_later_move_to_the_next_held_one() {
        let f = fixture("2026-12-10T00:00:00Z");
        held_with_items(&f, "2026-12-16");
        f.log
            .update_session("weekly", date("2026-12-16"), &mut |s| {
                s.status = crate::domain::log::SessionStatus::Skipped;
                s.reason = Some(crate::domain::log::SkipCode::Cancelled);
                Ok(())
            })
            .unwrap();
        assert_eq!(carry_over(&f.ctx()).unwrap(), 1);
        assert_eq!(agenda_of(&f, "2026-12-23")[0].title, "Not reached");
    }

    #[test]
    fn a_proposal_is_chosen_once_and_stored_on_the_session() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        let date: NaiveDate = "2026-12-02".parse().unwrap();
        let first = proposal_for(&ctx, date).unwrap();
        assert_eq!(first.format, FallbackFormat::OpenTalk);
        assert_eq!(proposal_for(&ctx, date).unwrap(), first);
        assert_eq!(
            f.log.session("weekly", date).unwrap().unwrap().proposal,
            Some(first)
        );
    }
    #[test]
    fn a_reading_club_reads_only_the_meetings_own_postmortems_unless_shared() {
        use crate::config::Config;
        use crate::domain::log::Postmortem;
        let f = fixture("2026-11-29T00:00:00Z");
        let other = Postmortem {
            id: "cl-1".into(),
            meeting: "cloudlog".into(),
            date: "2025-11-12".parse().unwrap(),
            title: "CloudLog ingestion stalled".into(),
            impact: String::new(),
            actions_taken: String::new(),
            root_cause: String::new(),
            prevention: String::new(),
            responders: vec![],
            links: vec![],
            responder_ids: Vec::new(),
        };
        f.log.put_postmortem(&other).unwrap();
        let cloudlog = |share: &str| {
            format!(
                "{}\n[[meeting]]\nid = \"cloudlog\"\ntitle = \"CloudLog\"\nweekday = \"thursday\"\nstart_time = \"17:00\"\nfirst_session = \"2019-02-07\"\n",
                crate::app::fixture::CONFIG.replace("skip_dates", &format!("{share}\nskip_dates"))
            )
        };
        let path = f._dir.path().join("config.toml");
        let date: NaiveDate = "2026-12-02".parse().unwrap();

        let alone = Config::parse(&path, &cloudlog("")).unwrap();
        let ctx = Context {
            meeting: &alone.meetings[0],
            ..f.ctx()
        };
        let proposal = proposal_for(&ctx, date).unwrap();
        assert_eq!(proposal.format, FallbackFormat::OpenTalk, "{proposal:?}");

        f.log
            .update_session("weekly", date, &mut |s| {
                s.proposal = None;
                Ok(())
            })
            .unwrap();
        let sharing =
            Config::parse(&path, &cloudlog("share_history_with = [\"cloudlog\"]")).unwrap();
        let ctx = Context {
            meeting: &sharing.meetings[0],
            ..f.ctx()
        };
        let proposal = proposal_for(&ctx, date).unwrap();
        assert_eq!(proposal.format, FallbackFormat::ReadingClub);
        assert_eq!(proposal.postmortem_id.as_deref(), Some("cl-1"));
    }
}
