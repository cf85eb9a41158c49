//! What the calendar feed holds: every week of each meeting's coming horizon,
//! held weeks with titles only (`feed_entry`), skipped weeks as cancelled
//! events, each with a revision kept in the store so a subscriber's calendar
//! sees `SEQUENCE` rise when an event's text changes.

use chrono::NaiveDate;

use super::state::AppState;
use super::{Context, Said, UserError};
use crate::domain::schedule::Status;
use crate::ics::{self, FeedEvent, Revision};
use crate::messages::invitation::{feed_cancellation, feed_entry};

/// How far ahead the feed reaches.
pub const FEED_WEEKS: u64 = 26;

/// The feed as served, for every meeting or only `only` (a meeting that
/// exists: the caller checks); it stores only the revisions of events whose
/// text changed (a fetch in steady state writes nothing).
pub fn render(state: &AppState, only: Option<&str>) -> Result<String, UserError> {
    let now = state.clock.now();
    let meetings: Vec<&crate::config::Meeting> = state
        .config
        .meetings
        .iter()
        .filter(|m| only.is_none_or(|id| m.id == id))
        .collect();
    let mut events = Vec::new();
    for meeting in &meetings {
        events.extend(state.with_use_case(meeting, meeting_events)?);
    }
    events.sort_by_key(|(e, _)| e.start.to_utc());
    // One calendar, named after what it shows: the meeting, or all of them.
    let titles: Vec<&str> = meetings.iter().map(|m| m.title.as_str()).collect();
    Ok(ics::render(&titles.join(" / "), &events, now))
}

/// One meeting's weeks from today through the horizon, with revisions.
fn meeting_events(ctx: &Context) -> Result<Vec<(FeedEvent, Revision)>, UserError> {
    let meeting = ctx.meeting;
    let today = ctx.today();
    let occurrences = ctx.occurrences(today, FEED_WEEKS)?;
    let until = occurrences.last().map_or(today, |o| o.date);
    let sessions = ctx
        .log
        .sessions_between(&meeting.id, today, until)
        .said(ctx.language)?;
    let stored: Vec<(NaiveDate, Option<Revision>)> = ctx
        .log
        .ics_revisions(&meeting.id)
        .said(ctx.language)?
        .into_iter()
        .map(|(date, value)| (date, Revision::from_marker(&value)))
        .collect();
    let mut events = Vec::new();
    for o in &occurrences {
        let text = match &o.status {
            Status::Held { .. } => {
                let session = sessions
                    .iter()
                    .find(|s| s.date == o.date)
                    .map(|s| super::directory::as_shown(ctx.people, ctx.log, s.clone()));
                // Titles only: the feed's readers are not necessarily the organisation.
                feed_entry(&meeting.title, o, session.as_ref(), ctx.language)
            }
            Status::Skipped(reason) => {
                feed_cancellation(&meeting.title, &ctx.skip_text(o.date, reason))
            }
        };
        let event = FeedEvent {
            uid: format!("{}-{}@weekly-postmortem", meeting.id, o.date),
            start: o.start,
            end: o.end,
            summary: text.summary,
            description: text.description,
            cancelled: !o.is_held(),
        };
        let previous = stored
            .iter()
            .find(|(date, _)| *date == o.date)
            .and_then(|(_, r)| *r);
        let revision = Revision::next(previous, event.fingerprint(), ctx.now);
        if previous != Some(revision) {
            keep(ctx, o.date, Some(&revision.to_marker()));
        }
        events.push((event, revision));
    }
    // Weeks that left the feed need no revision any more.
    for (date, _) in stored.iter().filter(|(date, _)| *date < today) {
        keep(ctx, *date, None);
    }
    Ok(events)
}

/// Writes a revision marker. A store that refuses the write still gets its
/// feed served: the revision is then recomputed (and written) on a later fetch.
fn keep(ctx: &Context, date: NaiveDate, value: Option<&str>) {
    if let Err(e) = ctx.log.set_ics_revision(&ctx.meeting.id, date, value) {
        tracing::warn!("calendar feed: cannot keep the revision of {date}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;

    fn sequence_of(feed: &str, date: &str) -> u32 {
        let uid = format!("UID:weekly-{date}@weekly-postmortem\r\n");
        let event = &feed[feed.find(&uid).unwrap()..];
        let line = event
            .split("\r\n")
            .find(|l| l.starts_with("SEQUENCE:"))
            .unwrap();
        line["SEQUENCE:".len()..].parse().unwrap()
    }

    #[test]
    fn a_changed_week_gets_the_next_sequence_and_past_weeks_lose_their_marker() {
        let (state, _dir) = state_at("2026-11-30T09:00:00+09:00");
        let first = render(&state, None).unwrap();
        assert_eq!(sequence_of(&first, "2026-12-02"), 0);
        assert_eq!(
            render(&state, None).unwrap(),
            first,
            "a second fetch changes nothing"
        );
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        state
            .log
            .update_session("weekly", date, &mut |s| {
                s.facilitator = Some("sato".into());
                Ok(())
            })
            .unwrap();
        let second = render(&state, None).unwrap();
        assert_eq!(sequence_of(&second, "2026-12-02"), 1);
        assert_eq!(sequence_of(&second, "2026-12-09"), 0, "other weeks stay");

        let past: NaiveDate = "2026-11-25".parse().unwrap();
        state
            .log
            .set_ics_revision("weekly", past, Some("3 00 2026-11-01T00:00:00Z"))
            .unwrap();
        render(&state, None).unwrap();
        assert!(
            !state
                .log
                .ics_revisions("weekly")
                .unwrap()
                .iter()
                .any(|(date, _)| *date == past)
        );
    }
}
