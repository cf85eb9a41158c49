//! The words of each reminder. Counts only, never names: nobody is chased.

use super::{discord_timestamp, say, session_label};
use crate::domain::invite::{agenda_line, proposal_text};
use crate::domain::language::Language;
use crate::domain::log::Session;
use crate::domain::reminders::{Reminder, ReminderKind};
use crate::domain::schedule::{SkipReason, Status};
use crate::messages::dates::day;

pub struct Announcement {
    pub text: String,
    /// The day's announcement carries going / maybe / not going buttons.
    pub rsvp_buttons: bool,
}

pub fn render(
    title: &str,
    reminder: &Reminder,
    session: Option<&Session>,
    language: Language,
) -> Announcement {
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
            return say(
                language,
                "議題はまだありません。インシデントがなくても開催します。",
                "No topics yet. We meet anyway.",
            ) + &proposal;
        }
        agenda
            .iter()
            .map(|i| agenda_line(i, language))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let facilitator = session
        .and_then(|s| s.facilitator.as_deref())
        .map(|f| {
            say(
                language,
                format!("\nファシリテーター: {f}"),
                format!("\nFacilitator: {f}"),
            )
        })
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
            say(
                language,
                format!(
                    "**{title} {label}** {when}\n新しい議題はまだありません。話したいことがあれば `/agenda add` でどうぞ。\n未消化の議題（話し終えたら `/agenda done`、不要なら `/agenda remove`）:\n{}",
                    left_over.join("\n")
                ),
                format!(
                    "**{title} {label}** {when}\nNo new topics yet. Have something? `/agenda add`.\nNot covered yet (`/agenda done` once covered, `/agenda remove` if no longer needed):\n{}",
                    left_over.join("\n")
                ),
            ),
            false,
        ),
        ReminderKind::CallForTopics => (
            say(
                language,
                format!(
                    "**「{title}」{label}** {when}\nまだ議題がありません。話したいことがあれば `/agenda add` でどうぞ。\nなければこんな回にできます:\n- 監視ダッシュボードを一緒に眺める\n- 過去のポストモーテムを読み返す\n- スライドなしで最近の気づきを話す{proposal}"
                ),
                format!(
                    "**{title} {label}** {when}\nNo topics yet. Have something? `/agenda add`.\nOtherwise we can:\n- look at a monitoring dashboard together\n- revisit a past postmortem\n- just talk about recent lessons, no slides needed{proposal}"
                ),
            ),
            false,
        ),
        ReminderKind::Announcement => (
            say(
                language,
                format!(
                    "**今日は「{title}」{label}** {when}{facilitator}\n{}\n参加は任意です。ボタンで出欠を教えてもらえると助かります（いつでも変更できます）。",
                    agenda_lines()
                ),
                format!(
                    "**Today: {title} {label}** {when}{facilitator}\n{}\nAttendance is optional. The buttons help us plan (change any time).",
                    agenda_lines()
                ),
            ),
            true,
        ),
        ReminderKind::StartingNow => (
            say(
                language,
                format!("**「{title}」{label}** を始めます。途中参加も歓迎です。"),
                format!("**{title} {label}** is starting now. Join any time."),
            ),
            false,
        ),
        ReminderKind::RecordLearnings => (
            say(
                language,
                format!(
                    "「{title}」{label}、ありがとうございました。学びは `/learning add`、ポストモーテムは `/postmortem` で残せます。"
                ),
                format!(
                    "Thanks for {title} {label}. Keep what we learned with `/learning add`, and postmortems with `/postmortem`."
                ),
            ),
            false,
        ),
        ReminderKind::WeekOff if o.closure().is_some() => {
            let name = o.closure().unwrap_or_default();
            (
                say(
                    language,
                    format!(
                        "{}の「{title}」は{name}のためお休みです",
                        day(o.date, language)
                    ),
                    format!("No {title} on {}: closed for {name}", o.date),
                ),
                false,
            )
        }
        ReminderKind::WeekOff => {
            let why = match &o.status {
                Status::Skipped(SkipReason::Holiday(h)) => say(
                    language,
                    format!("祝日（{}）", h.name_ja),
                    format!("public holiday ({})", h.name_en),
                ),
                Status::Skipped(SkipReason::SkipDate) => {
                    say(language, "会社の休業日", "company day off")
                }
                Status::Skipped(SkipReason::Cancelled) => say(language, "中止", "cancelled"),
                // A closure is answered above; a held week has no note.
                Status::Skipped(SkipReason::Closure(_)) | Status::Held { .. } => String::new(),
            };
            (
                say(
                    language,
                    format!(
                        "{}の「{title}」はお休みです（{why}）",
                        day(o.date, language)
                    ),
                    format!("No {title} on {}: {why}", o.date),
                ),
                false,
            )
        }
    };
    Announcement { text, rsvp_buttons }
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
        render("週刊ポストモーテム", &reminder, Some(session), language)
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
