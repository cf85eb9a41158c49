//! The words of each reminder. Counts only, never names: nobody is chased.

use super::{discord_timestamp, session_label};
use crate::domain::language::Language;
use crate::domain::log::Session;
use crate::domain::reminders::{Reminder, ReminderKind};
use crate::domain::schedule::{Occurrence, SkipReason, Status};
use crate::messages::Message;
use crate::messages::invitation::{agenda_line, proposal_text};
use crate::messages::posts::Post;
use crate::messages::sessions::Sessions;

pub struct Announcement {
    pub text: String,
    /// The day's announcement carries going / maybe / not going buttons.
    pub rsvp_buttons: bool,
}

/// `next`: the next held session after a week off, named in its note.
pub fn render(
    title: &str,
    reminder: &Reminder,
    session: Option<&Session>,
    next: Option<&Occurrence>,
    language: Language,
) -> Announcement {
    let next_label = next.map(|o| session_label(o, language));
    let next = next_label.as_deref();
    let o = &reminder.occurrence;
    let label = session_label(o, language);
    let when = discord_timestamp(o.start);
    let proposal = session
        .and_then(|s| s.proposal.as_ref())
        .map(|p| format!("\n{}", proposal_text(p, language)))
        .unwrap_or_default();
    let agenda_lines = || {
        let agenda = session.map(|s| s.agenda.as_slice()).unwrap_or_default();
        if agenda.is_empty() {
            return Post::NoTopicsYet.say(language) + &proposal;
        }
        agenda
            .iter()
            .map(|i| agenda_line(i, language))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let facilitator = session
        .and_then(|s| s.facilitator.as_deref())
        .map(|f| Sessions::Facilitator { name: f }.say(language))
        .unwrap_or_default();
    let left_over: Vec<String> = session
        .map(|s| s.agenda.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|i| i.is_left_over())
        .map(|i| agenda_line(i, language))
        .collect();
    let (text, rsvp_buttons) = match reminder.kind {
        ReminderKind::CallForTopics if !left_over.is_empty() => (
            Post::CallWithLeftOver {
                title,
                label: &label,
                when: &when,
                left_over: &left_over.join("\n"),
            }
            .say(language),
            false,
        ),
        ReminderKind::CallForTopics => (
            Post::Call {
                title,
                label: &label,
                when: &when,
                proposal: &proposal,
            }
            .say(language),
            false,
        ),
        ReminderKind::Announcement => (
            Post::Today {
                title,
                label: &label,
                when: &when,
                facilitator: &facilitator,
                agenda: &agenda_lines(),
            }
            .say(language),
            true,
        ),
        ReminderKind::StartingNow => (
            Post::StartingNow {
                title,
                label: &label,
            }
            .say(language),
            false,
        ),
        ReminderKind::RecordLearnings => (
            Post::RecordLearnings {
                title,
                label: &label,
            }
            .say(language),
            false,
        ),
        ReminderKind::WeekOff => (week_off(title, o, session, next, language), false),
    };
    Announcement { text, rsvp_buttons }
}

/// The note of a week off: why (a closure's name, a holiday, a company day
/// off, a facilitator's reason) and the next session.
fn week_off(
    title: &str,
    o: &Occurrence,
    session: Option<&Session>,
    next: Option<&str>,
    language: Language,
) -> String {
    if let Some(name) = o.closure() {
        return Post::ClosedFor {
            title,
            date: o.date,
            name,
            next,
        }
        .say(language);
    }
    let why = match &o.status {
        Status::Skipped(SkipReason::Holiday(h)) => Post::Holiday {
            name_ja: &h.name_ja,
            name_en: h.name_en,
        }
        .say(language),
        Status::Skipped(SkipReason::SkipDate) => Post::CompanyDayOff.say(language),
        Status::Skipped(SkipReason::Cancelled) => match session.and_then(Session::skip_reason) {
            Some(reason) => Post::CancelledBecause { reason }.say(language),
            None => Post::Cancelled.say(language),
        },
        // A closure is answered above; a held week has no note.
        Status::Skipped(SkipReason::Closure(_)) | Status::Held { .. } => String::new(),
    };
    Post::WeekOff {
        title,
        date: o.date,
        why: &why,
        next,
    }
    .say(language)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Asia::Tokyo;

    use super::*;
    use crate::domain::log::{AgendaItem, AgendaKind};
    use crate::domain::schedule::Occurrence;

    fn call_for_topics(session: &Session, language: Language) -> Announcement {
        let date = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let start = Tokyo
            .from_local_datetime(&date.and_hms_opt(17, 0, 0).unwrap())
            .single()
            .unwrap();
        let reminder = Reminder {
            kind: ReminderKind::CallForTopics,
            occurrence: Occurrence {
                date,
                start,
                end: start + chrono::Duration::hours(1),
                status: Status::Held { number: 394 },
            },
            due_at: start.to_utc() - chrono::Duration::days(2),
            expires_at: start.to_utc(),
        };
        render(
            "週刊ポストモーテム",
            &reminder,
            Some(session),
            None,
            language,
        )
    }

    #[test]
    fn the_call_for_topics_lists_items_left_over_as_not_covered_yet() {
        let mut session = Session::new("weekly", NaiveDate::from_ymd_opt(2026, 12, 9).unwrap());
        session.agenda.push(AgendaItem {
            title: "証明書の期限切れ".into(),
            kind: AgendaKind::Incident,
            carried_from: NaiveDate::from_ymd_opt(2026, 12, 2),
            ..Default::default()
        });
        let ja = call_for_topics(&session, Language::Ja).text;
        assert!(ja.contains("新しい議題はまだありません"), "{ja}");
        assert!(ja.contains("未消化の議題"), "{ja}");
        assert!(
            ja.contains("- 証明書の期限切れ（インシデント）※12月2日(水)からの持ち越し"),
            "{ja}"
        );
        let en = call_for_topics(&session, Language::En).text;
        assert!(en.contains("Not covered yet"), "{en}");

        session.agenda[0].done = true;
        let covered = call_for_topics(&session, Language::Ja).text;
        assert!(!covered.contains("未消化"), "{covered}");
    }
}
