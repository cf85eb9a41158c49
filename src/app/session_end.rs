//! The end of a live session (issue 15): `/session end`, or the daemon
//! [`AUTO_END_AFTER`] the scheduled end. The summary is written once into the
//! store (frozen under its key, and as the session's notes so `history` and
//! the archive find it), then posted in the thread and the channel, each
//! under its own key, so a restart posts what is missing and nothing twice.
//!
//! [`AUTO_END_AFTER`]: crate::domain::run_of_show::AUTO_END_AFTER

use chrono::NaiveDate;

use super::session::{
    LiveSession, internal, link, load, mark_covered, plan_of, save, today_led_by,
};
use super::state::{AppState, Change};
use super::{Actor, Answer, Context, Reply, Said, UserError, directory, session_label};
use crate::chat::{ChatMessage, ChatPort};
use crate::config::Meeting;
use crate::domain::log::MAX_TEXT_CHARS;
use crate::messages::Message as _;
use crate::messages::session::{SessionText, Summary, summary};
use crate::store::PostKey;

/// The summary of the session of `date` as it stands: the items taken up,
/// the learnings recorded, the items left (carry-over moves them), the head
/// count, and the next held session with its facilitator.
fn summary_text(uc: &Context, date: NaiveDate, live: &LiveSession) -> Result<String, UserError> {
    let occurrences = uc.occurrences(date, 9)?;
    let label = occurrences
        .iter()
        .find(|o| o.date == date)
        .map(|o| session_label(o, uc.language))
        .unwrap_or_else(|| date.to_string());
    let session = uc.log.session(&uc.meeting.id, date).said(uc.language)?;
    let plan = plan_of(uc, session.as_ref(), Some(live));
    let covered = plan.covered(live.current);
    let actions_done = super::actions::done_on(uc, date)?;
    let next = match occurrences.iter().find(|o| o.date > date && o.is_held()) {
        Some(o) => {
            let facilitator = uc
                .log
                .session(&uc.meeting.id, o.date)
                .said(uc.language)?
                .and_then(|s| s.facilitator)
                .map(|f| directory::display(uc, &f));
            Some((session_label(o, uc.language), facilitator))
        }
        None => None,
    };
    Ok(summary(
        &Summary {
            session: &label,
            covered: plan.items[..covered]
                .iter()
                .map(|i| i.title.clone())
                .collect(),
            learnings: live.learnings.iter().map(|(_, t)| t.clone()).collect(),
            // The fallback proposal (no id) does not carry over.
            not_covered: plan.items[covered..]
                .iter()
                .filter(|i| !i.id.is_empty())
                .map(|i| i.title.clone())
                .collect(),
            actions_done,
            present: session.and_then(|s| s.attendance.present),
            next,
        },
        uc.language,
    ))
}

/// Ends the session of `date` in the store: the summary frozen, the items
/// taken up marked covered (the others stay open for carry-over), the
/// summary kept as the session's notes, the state ended. Safe to repeat.
pub(crate) fn finish(uc: &Context, date: NaiveDate) -> Result<(), UserError> {
    let Some(mut live) = load(uc, date)? else {
        return Err(UserError(SessionText::NotRunning.say(uc.language)));
    };
    let meeting = &uc.meeting.id;
    let text = match uc.log.session_summary(meeting, date).said(uc.language)? {
        Some(text) => text,
        None => {
            let text = summary_text(uc, date, &live)?;
            uc.log
                .set_session_summary(meeting, date, &text)
                .said(uc.language)?;
            text
        }
    };
    let session = uc.log.session(&uc.meeting.id, date).said(uc.language)?;
    let plan = plan_of(uc, session.as_ref(), Some(&live));
    let covered: Vec<String> = plan.items[..plan.covered(live.current)]
        .iter()
        .map(|i| i.id.clone())
        .filter(|id| !id.is_empty())
        .collect();
    mark_covered(uc, date, &covered)?;
    let notes = match session.and_then(|s| s.notes) {
        Some(old) if old.contains(&text) => None,
        Some(old) => Some(format!("{old}\n\n{text}")),
        None => Some(text),
    };
    match notes {
        // Notes written by hand are never cut to make room.
        Some(notes) if notes.chars().count() > MAX_TEXT_CHARS => tracing::warn!(
            "{} {date}: the session's notes are too long to add the summary",
            uc.meeting.id
        ),
        Some(notes) => {
            uc.log
                .update_session(&uc.meeting.id, date, &mut |s| {
                    s.notes = Some(notes.clone());
                    Ok(())
                })
                .said(uc.language)?;
        }
        None => {}
    }
    live.ended = true;
    save(uc, date, &live)
}

/// Where the summary still has to be posted: (place, key) pairs not yet
/// recorded as posted, and the text. Empty when nothing is left.
fn summary_posts(
    uc: &Context,
    date: NaiveDate,
    channel: Option<u64>,
) -> Result<(Vec<(u64, PostKey)>, String), UserError> {
    let meeting = &uc.meeting.id;
    let (Some(live), Some(text)) = (
        load(uc, date)?,
        uc.log.session_summary(meeting, date).said(uc.language)?,
    ) else {
        return Ok((Vec::new(), String::new()));
    };
    let mut places = vec![(live.target, uc.log.summary_post(meeting, date, "thread"))];
    if let Some(channel) = channel.filter(|c| *c != live.target) {
        places.push((channel, uc.log.summary_post(meeting, date, "channel")));
    }
    let mut missing = Vec::new();
    for (place, key) in places {
        if uc.log.post_recorded(&key).said(uc.language)?.is_none() {
            missing.push((place, key));
        }
    }
    Ok((missing, text))
}

/// Whether an ended session's summary is still to be posted somewhere.
pub(crate) fn summary_pending(uc: &Context, date: NaiveDate, channel: Option<u64>) -> bool {
    summary_posts(uc, date, channel).is_ok_and(|(missing, _)| !missing.is_empty())
}

/// Posts the frozen summary where it is missing: the thread, then the channel.
pub(crate) async fn post_summary<C: ChatPort>(
    state: &AppState,
    chat: &C,
    meeting: &Meeting,
    date: NaiveDate,
) -> Result<(), UserError> {
    let _only_poster = state.summary_posting.lock().await;
    let channel = state.channel_of(meeting);
    let (missing, text) = state.with_use_case(meeting, |uc| summary_posts(uc, date, channel))?;
    let message = ChatMessage {
        text,
        buttons: Vec::new(),
    };
    for (place, key) in missing {
        let id = chat
            .post_once(place, &message, key.as_str())
            .await
            .map_err(internal)?;
        state.with_use_case(meeting, |uc| {
            uc.log.record_post(&key, &id.to_string()).said(uc.language)
        })?;
    }
    Ok(())
}

/// Ends `date`'s running session and posts its summary (the daemon's
/// automatic end and `/session end` alike).
pub(crate) async fn end_session<C: ChatPort>(
    state: &AppState,
    chat: &C,
    meeting: &Meeting,
    date: NaiveDate,
) -> Result<(), UserError> {
    state.with_use_case(meeting, |uc| finish(uc, date))?;
    // Covered items and the notes: carry-over, the archive and search look again.
    state.changed(Change::Agenda);
    state.changed(Change::Knowledge);
    post_summary(state, chat, meeting, date).await
}

/// `/session end`: the facilitator or a role holder ends today's session.
pub(crate) async fn end<C: ChatPort>(
    state: &AppState,
    chat: &C,
    meeting: &Meeting,
    who: &Actor,
) -> Answer {
    let guild = state.config.discord.as_ref().map_or(0, |d| d.guild_id.0);
    let (date, target) = state.with_use_case(meeting, |uc| {
        let (occurrence, _) = today_led_by(uc, who, |who| SessionText::NotAllowedToEnd { who })?;
        match load(uc, occurrence.date)? {
            None => Err(UserError(SessionText::NotRunning.say(uc.language))),
            Some(live) if live.ended => Err(UserError(SessionText::Ended.say(uc.language))),
            Some(live) => Ok((occurrence.date, live.target)),
        }
    })?;
    end_session(state, chat, meeting, date).await?;
    Ok(Reply::private(
        SessionText::EndedNow {
            link: &link(guild, target),
        }
        .say(state.config.daemon.language),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::fixture;
    use crate::app::keep_alive::carry_over;
    use crate::domain::log::AgendaItem;
    use crate::store::SessionStore as _;

    #[test]
    fn finishing_twice_keeps_one_summary_after_the_notes_and_leaves_the_rest_to_carry_over() {
        // 18:05 Tokyo: over, but started and not ended.
        let f = fixture("2026-12-02T09:05:00Z");
        let uc = f.ctx();
        let date: NaiveDate = "2026-12-02".parse().unwrap();
        f.log
            .update_session("weekly", date, &mut |s| {
                s.notes = Some("handwritten".into());
                for id in ["a", "b"] {
                    s.agenda.push(AgendaItem {
                        id: id.into(),
                        title: format!("item {id}"),
                        ..AgendaItem::default()
                    });
                }
                Ok(())
            })
            .unwrap();
        let live = LiveSession {
            target: 555,
            thread: Some(555),
            current: 1,
            items: vec!["a".into(), "b".into()],
            learnings: vec![(1, "a lesson".into())],
            ..LiveSession::default()
        };
        save(&uc, date, &live).unwrap();
        assert_eq!(
            carry_over(&uc).unwrap(),
            0,
            "a running session keeps its items"
        );

        finish(&uc, date).unwrap();
        finish(&uc, date).unwrap();
        let session = f.log.session("weekly", date).unwrap().unwrap();
        let notes = session.notes.unwrap();
        assert!(notes.starts_with("handwritten\n\n**Summary: "), "{notes}");
        assert_eq!(notes.matches("**Summary").count(), 1, "{notes}");
        assert!(notes.contains("Covered:\n- item a\n"), "{notes}");
        assert!(notes.contains("- a lesson"), "{notes}");
        assert!(
            notes.contains("carried over to the next session):\n- item b\n"),
            "{notes}"
        );
        assert!(session.agenda[0].done && !session.agenda[1].done);
        assert!(load(&uc, date).unwrap().unwrap().ended);
        assert_eq!(carry_over(&uc).unwrap(), 1, "the item left moves on, once");
        assert!(summary_pending(&uc, date, Some(222)));
    }
}
