//! What keeps the meeting alive between sessions: a concrete proposal when
//! nobody offered a topic, and open agenda items carried over, once.

use chrono::NaiveDate;

use super::{Context, UserError};
use crate::domain::fallback::{DashboardRef, propose};
use crate::domain::log::{Proposal, agenda_id};

/// The session's proposal, chosen and stored the first time it is asked for.
pub fn proposal_for(ctx: &Context, date: NaiveDate) -> Result<Proposal, UserError> {
    let sessions = ctx.log.sessions(Some(&ctx.meeting.id))?;
    if let Some(existing) = sessions
        .iter()
        .find(|s| s.date == date)
        .and_then(|s| s.proposal.clone())
    {
        return Ok(existing);
    }
    let past: Vec<(NaiveDate, Proposal)> = sessions
        .iter()
        .filter(|s| s.date < date)
        .filter_map(|s| s.proposal.clone().map(|p| (s.date, p)))
        .collect();
    // Another department's incidents are theirs to revisit, unless this
    // meeting shares their history (`share_history_with`).
    let mut postmortems = ctx.log.postmortems()?;
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
    let proposal = propose(date, &past, &postmortems, &dashboards, ctx.language);
    let stored = ctx
        .log
        .update_session(&ctx.meeting.id, date, &mut |session| {
            if session.proposal.is_none() {
                session.proposal = Some(proposal.clone());
            }
            Ok(())
        })?;
    Ok(stored.proposal.unwrap_or(proposal))
}

/// Moves the open items of an ended session to the next held one, each at
/// most once, marking where they went. Returns how many moved.
pub fn carry_over(ctx: &Context, date: NaiveDate) -> Result<usize, UserError> {
    let Some(session) = ctx.log.session(&ctx.meeting.id, date)? else {
        return Ok(0);
    };
    let open: Vec<_> = session
        .agenda
        .iter()
        .filter(|i| !i.done && i.carried_to.is_none() && i.carried_from.is_none())
        .cloned()
        .collect();
    if open.is_empty() {
        return Ok(0);
    }
    let next = ctx
        .occurrences(date.succ_opt().unwrap_or(date), 60)?
        .into_iter()
        .find(|o| o.is_held() && o.date > date)
        .ok_or_else(|| UserError("no held session to carry items over to".into()))?;
    ctx.log
        .update_session(&ctx.meeting.id, next.date, &mut |target| {
            for item in &open {
                let id = agenda_id(&ctx.meeting.id, next.date, &item.title);
                if !target.agenda.iter().any(|i| i.id == id) {
                    let mut moved = item.clone();
                    moved.id = id;
                    moved.carried_from = Some(date);
                    target.agenda.push(moved);
                }
            }
            Ok(())
        })?;
    ctx.log
        .update_session(&ctx.meeting.id, date, &mut |source| {
            for item in source
                .agenda
                .iter_mut()
                .filter(|i| open.iter().any(|o| o.id == i.id))
            {
                item.carried_to = Some(next.date);
            }
            Ok(())
        })?;
    Ok(open.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::agenda::{NewItem, add};
    use crate::app::fixture::{fixture, person};
    use crate::domain::log::{AgendaKind, FallbackFormat};
    use crate::store::SessionLog;

    #[test]
    fn open_items_move_to_the_next_held_session_once() {
        let f = fixture("2026-12-20T00:00:00Z");
        let ctx = f.ctx();
        let item = |title: &str| NewItem {
            presenter: crate::app::agenda::Presenter::Me,
            title: title.into(),
            kind: AgendaKind::Topic,
            link: None,
            date: None,
            team: None,
        };
        add(&ctx, &person("1"), item("Covered")).unwrap();
        add(&ctx, &person("1"), item("Not reached")).unwrap();
        let date: NaiveDate = "2026-12-23".parse().unwrap();
        f.log
            .update_session("weekly", date, &mut |s| {
                s.agenda[0].done = true;
                Ok(())
            })
            .unwrap();
        assert_eq!(carry_over(&ctx, date).unwrap(), 1);
        assert_eq!(carry_over(&ctx, date).unwrap(), 0, "once");
        // 12-30 is a company day off: the item goes to 2027-01-06.
        let next = f
            .log
            .session("weekly", "2027-01-06".parse().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(next.agenda.len(), 1);
        assert_eq!(next.agenda[0].title, "Not reached");
        assert_eq!(next.agenda[0].carried_from, Some(date));
        assert_eq!(
            carry_over(&ctx, "2027-01-06".parse().unwrap()).unwrap(),
            0,
            "a carried item does not move again"
        );
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
