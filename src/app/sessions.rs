//! `/next`, `/rsvp`, `/skip`, `/unskip`: the sessions themselves. RSVPs are
//! counted, never chased; skipping is a facilitator's decision.

use chrono::NaiveDate;

use super::{Actor, Answer, Context, Reply, Said, UserError, discord_timestamp, session_label};
use crate::domain::log::{RsvpStatus, SessionStatus, SkipCode, TextKind, check_field};
use crate::domain::schedule::Status;
use crate::messages::Message;
use crate::messages::invitation::{agenda_line, proposal_text};
use crate::messages::sessions::Sessions;

/// How far `/next` looks for skipped weeks to mention.
const SKIPS_AHEAD_WEEKS: u64 = 8;

pub fn next(ctx: &Context) -> Answer {
    let occurrence = ctx.next_held()?;
    let session = ctx
        .log
        .session(&ctx.meeting.id, occurrence.date)
        .said(ctx.language)?
        .map(|s| super::directory::as_shown(ctx.people, ctx.log, s));
    let lang = ctx.language;
    let mut text = format!(
        "**{} {}**\n{}",
        ctx.meeting.title,
        session_label(&occurrence, lang),
        discord_timestamp(occurrence.start)
    );
    let facilitator = session.as_ref().and_then(|s| s.facilitator.clone());
    if let Some(f) = facilitator.map(|f| super::directory::display(ctx, &f)) {
        text += &Sessions::Facilitator { name: &f }.say(lang);
    }
    let agenda = session
        .as_ref()
        .map(|s| s.agenda.clone())
        .unwrap_or_default();
    if agenda.is_empty() {
        text += &Sessions::NextNoTopics.say(lang);
        if let Some(proposal) = session.as_ref().and_then(|s| s.proposal.as_ref()) {
            text += &format!("\n{}", proposal_text(proposal, lang));
        }
    } else {
        text += &Sessions::AgendaHeading.say(lang);
        for item in &agenda {
            text += &format!("\n{}", agenda_line(item, lang));
        }
        // Each guest once, however many items they present.
        let mut guests: Vec<String> = Vec::new();
        for item in &agenda {
            if let (Some(name), Some(team)) = (item.presenter.as_deref(), item.team.as_deref()) {
                let guest = Sessions::Guest { name, team }.say(lang);
                if !guests.contains(&guest) {
                    guests.push(guest);
                }
            }
        }
        if !guests.is_empty() {
            text += &Sessions::Guests {
                list: &guests.join(&Sessions::ListSeparator.say(lang)),
            }
            .say(lang);
        }
    }
    let counts = session.map(|s| s.rsvp_counts()).unwrap_or_default();
    text += &Sessions::Rsvps {
        going: counts.going,
        maybe: counts.maybe,
        not_going: counts.not_going,
    }
    .say(lang);
    let skipped: Vec<String> = ctx
        .occurrences(ctx.today(), SKIPS_AHEAD_WEEKS)?
        .into_iter()
        .filter_map(|o| match &o.status {
            Status::Skipped(reason) => Some(format!(
                "{}: {}",
                crate::messages::dates::day(o.date, lang),
                ctx.skip_text(o.date, reason)
            )),
            Status::Held { .. } => None,
        })
        .collect();
    if !skipped.is_empty() {
        text += &Sessions::WeeksOff.say(lang);
        for line in skipped {
            text += &format!("\n- {line}");
        }
    }
    Ok(Reply::public(text))
}

pub fn rsvp(ctx: &Context, actor: &Actor, status: RsvpStatus, date: Option<NaiveDate>) -> Answer {
    let occurrence = match date {
        Some(date) => ctx.held_on(date)?,
        None => ctx.next_held()?,
    };
    ctx.log
        .update_session(&ctx.meeting.id, occurrence.date, &mut |session| {
            session.rsvps.insert(actor.id.clone(), status);
            Ok(())
        })
        .said(ctx.language)?;
    let label = session_label(&occurrence, ctx.language);
    let answer = match (status, ctx.language) {
        (RsvpStatus::Going, crate::domain::language::Language::Ja) => "参加",
        (RsvpStatus::Maybe, crate::domain::language::Language::Ja) => "たぶん",
        (RsvpStatus::NotGoing, crate::domain::language::Language::Ja) => "不参加",
        (RsvpStatus::Going, _) => "going",
        (RsvpStatus::Maybe, _) => "maybe",
        (RsvpStatus::NotGoing, _) => "not going",
    };
    Ok(Reply::private(
        Sessions::RsvpNoted {
            label: &label,
            answer,
        }
        .say(ctx.language),
    ))
}

fn require_facilitator(ctx: &Context, actor: &Actor) -> Result<(), UserError> {
    if actor.is_facilitator {
        Ok(())
    } else {
        Err(UserError(Sessions::OnlyFacilitatorsSkip.say(ctx.language)))
    }
}

pub fn skip(ctx: &Context, actor: &Actor, date: NaiveDate, reason: &str) -> Answer {
    require_facilitator(ctx, actor)?;
    check_field(TextKind::Title, "reason", reason).map_err(|e| UserError(e.say(ctx.language)))?;
    let occurrence = ctx.held_on(date)?;
    ctx.log
        .update_session(&ctx.meeting.id, date, &mut |session| {
            session.status = SessionStatus::Skipped;
            session.reason = Some(SkipCode::Cancelled);
            session.notes = Some(reason.trim().to_string());
            Ok(())
        })
        .said(ctx.language)?;
    Ok(Reply::public(
        Sessions::Skipped {
            label: &session_label(&occurrence, ctx.language),
            reason: reason.trim(),
        }
        .say(ctx.language),
    ))
}

pub fn unskip(ctx: &Context, actor: &Actor, date: NaiveDate) -> Answer {
    require_facilitator(ctx, actor)?;
    let session = ctx.log.session(&ctx.meeting.id, date).said(ctx.language)?;
    if session.as_ref().and_then(|s| s.reason) != Some(SkipCode::Cancelled) {
        return Err(UserError(Sessions::NotCancelled { date }.say(ctx.language)));
    }
    ctx.log
        .update_session(&ctx.meeting.id, date, &mut |session| {
            session.status = SessionStatus::Held;
            session.reason = None;
            Ok(())
        })
        .said(ctx.language)?;
    let occurrence = ctx.held_on(date)?;
    Ok(Reply::public(
        Sessions::BackOn {
            label: &session_label(&occurrence, ctx.language),
        }
        .say(ctx.language),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::{facilitator, fixture, person};
    use crate::store::SessionStore;

    #[test]
    fn rsvp_can_change_and_next_shows_counts_and_weeks_off() {
        let f = fixture("2026-12-20T00:00:00Z");
        let ctx = f.ctx();
        rsvp(&ctx, &person("1"), RsvpStatus::Going, None).unwrap();
        rsvp(&ctx, &person("2"), RsvpStatus::Going, None).unwrap();
        let reply = rsvp(&ctx, &person("2"), RsvpStatus::Maybe, None).unwrap();
        assert!(reply.ephemeral);
        let text = next(&ctx).unwrap().text;
        assert!(text.contains("going 1 / maybe 1 / not going 0"), "{text}");
        assert!(text.contains("<t:"), "{text}");
        assert!(
            text.contains("Dec 30 (Wed): no meeting: company day off"),
            "{text}"
        );
        assert!(!text.contains("<@"), "nobody is mentioned");
    }

    #[test]
    fn only_facilitators_skip_and_a_skip_does_not_consume_a_number() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        let date: NaiveDate = "2026-12-02".parse().unwrap();
        let err = skip(&ctx, &person("1"), date, "offsite").unwrap_err();
        assert!(err.0.contains("only facilitators"));
        assert!(f.log.sessions(None).unwrap().is_empty());
        skip(&ctx, &facilitator("9"), date, "offsite").unwrap();
        let text = next(&ctx).unwrap().text;
        assert!(text.contains("#393, Dec 9 (Wed)"), "{text}");
        unskip(&ctx, &facilitator("9"), date).unwrap();
        assert!(next(&ctx).unwrap().text.contains("#393, Dec 2 (Wed)"));
    }
}
