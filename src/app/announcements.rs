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
    let (text, rsvp_buttons) = match reminder.kind {
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
