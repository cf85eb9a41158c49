//! What the bot posts in the channel on its own: the call for topics, the
//! day's announcement with its RSVP buttons, the start, the thanks, weeks off.

use chrono::NaiveDate;

use super::dates::day;
use super::{Message, catalogue};
use crate::domain::language::Language;
use crate::domain::log::RsvpStatus;

catalogue! {
    pub(crate) enum Post<'a> {
        NoTopicsYet,
        CallWithLeftOver { title: &'a str, label: &'a str, when: &'a str, left_over: &'a str },
        Call { title: &'a str, label: &'a str, when: &'a str, proposal: &'a str },
        Today { title: &'a str, label: &'a str, when: &'a str, facilitator: &'a str, agenda: &'a str },
        StartingNow { title: &'a str, label: &'a str },
        RecordLearnings { title: &'a str, label: &'a str },
        /// `next`: the label of the next held session, when there is one.
        ClosedFor { title: &'a str, date: NaiveDate, name: &'a str, next: Option<&'a str> },
        WeekOff { title: &'a str, date: NaiveDate, why: &'a str, next: Option<&'a str> },
        Holiday { name_ja: &'a str, name_en: &'a str },
        CompanyDayOff,
        Cancelled,
        CancelledBecause { reason: &'a str },
        RsvpButton { status: RsvpStatus },
    }
}

fn next_ja(next: Option<&str>) -> String {
    next.map(|label| format!("次回は{label}です。"))
        .unwrap_or_default()
}

fn next_en(next: Option<&str>) -> String {
    next.map(|label| format!(" The next session is {label}."))
        .unwrap_or_default()
}

impl Message for Post<'_> {
    fn ja(&self) -> String {
        match *self {
            Post::NoTopicsYet => "議題はまだありません。インシデントがなくても開催します。".into(),
            Post::CallWithLeftOver {
                title,
                label,
                when,
                left_over,
            } => format!(
                "**{title} {label}** {when}\n新しい議題はまだありません。話したいことがあれば `/agenda add` でどうぞ。\n未消化の議題（話し終えたら `/agenda done`、不要なら `/agenda remove`）:\n{left_over}"
            ),
            Post::Call {
                title,
                label,
                when,
                proposal,
            } => format!(
                "**「{title}」{label}** {when}\nまだ議題がありません。話したいことがあれば `/agenda add` でどうぞ。\nなければこんな回にできます:\n- 監視ダッシュボードを一緒に眺める\n- 過去のポストモーテムを読み返す\n- スライドなしで最近の気づきを話す{proposal}"
            ),
            Post::Today {
                title,
                label,
                when,
                facilitator,
                agenda,
            } => format!(
                "**今日は「{title}」{label}** {when}{facilitator}\n{agenda}\n参加は任意です。ボタンで出欠を教えてもらえると助かります（いつでも変更できます）。"
            ),
            Post::StartingNow { title, label } => {
                format!("**「{title}」{label}** を始めます。途中参加も歓迎です。")
            }
            Post::RecordLearnings { title, label } => format!(
                "「{title}」{label}、ありがとうございました。学びは `/learning add`、ポストモーテムは `/postmortem` で残せます。"
            ),
            Post::ClosedFor {
                title,
                date,
                name,
                next,
            } => {
                format!(
                    "{}の「{title}」は{name}のためお休みです。{}",
                    day(date, Language::Ja),
                    next_ja(next)
                )
            }
            Post::WeekOff {
                title,
                date,
                why,
                next,
            } => {
                format!(
                    "{}の「{title}」はお休みです（{why}）。{}",
                    day(date, Language::Ja),
                    next_ja(next)
                )
            }
            Post::Holiday { name_ja, .. } => format!("祝日（{name_ja}）"),
            Post::CompanyDayOff => "会社の休業日".into(),
            Post::Cancelled => "中止".into(),
            Post::CancelledBecause { reason } => format!("理由: {reason}"),
            Post::RsvpButton { status } => match status {
                RsvpStatus::Going => "参加",
                RsvpStatus::Maybe => "たぶん",
                RsvpStatus::NotGoing => "不参加",
            }
            .into(),
        }
    }

    fn en(&self) -> String {
        match *self {
            Post::NoTopicsYet => "No topics yet. We meet anyway.".into(),
            Post::CallWithLeftOver {
                title,
                label,
                when,
                left_over,
            } => format!(
                "**{title} {label}** {when}\nNo new topics yet. Have something? `/agenda add`.\nNot covered yet (`/agenda done` once covered, `/agenda remove` if no longer needed):\n{left_over}"
            ),
            Post::Call {
                title,
                label,
                when,
                proposal,
            } => format!(
                "**{title} {label}** {when}\nNo topics yet. Have something? `/agenda add`.\nOtherwise we can:\n- look at a monitoring dashboard together\n- revisit a past postmortem\n- just talk about recent lessons, no slides needed{proposal}"
            ),
            Post::Today {
                title,
                label,
                when,
                facilitator,
                agenda,
            } => format!(
                "**Today: {title} {label}** {when}{facilitator}\n{agenda}\nAttendance is optional. The buttons help us plan (change any time)."
            ),
            Post::StartingNow { title, label } => {
                format!("**{title} {label}** is starting now. Join any time.")
            }
            Post::RecordLearnings { title, label } => format!(
                "Thanks for {title} {label}. Keep what we learned with `/learning add`, and postmortems with `/postmortem`."
            ),
            Post::ClosedFor {
                title,
                date,
                name,
                next,
            } => {
                format!(
                    "No {title} on {}: closed for {name}.{}",
                    day(date, Language::En),
                    next_en(next)
                )
            }
            Post::WeekOff {
                title,
                date,
                why,
                next,
            } => {
                format!(
                    "No {title} on {}: {why}.{}",
                    day(date, Language::En),
                    next_en(next)
                )
            }
            Post::Holiday { name_en, .. } => format!("public holiday ({name_en})"),
            Post::CompanyDayOff => "company day off".into(),
            Post::Cancelled => "cancelled".into(),
            Post::CancelledBecause { reason } => reason.into(),
            Post::RsvpButton { status } => match status {
                RsvpStatus::Going => "Going",
                RsvpStatus::Maybe => "Maybe",
                RsvpStatus::NotGoing => "Not going",
            }
            .into(),
        }
    }
}

#[cfg(test)]
impl Post<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        let date = NaiveDate::from_ymd_opt(2026, 12, 30).unwrap();
        let (title, label, when) = ("Weekly postmortem", "第394回（12月9日(水)）", "<t:1:F>");
        let mut samples = vec![
            Post::NoTopicsYet,
            Post::CallWithLeftOver {
                title,
                label,
                when,
                left_over: "- 決済APIの遅延",
            },
            Post::Call {
                title,
                label,
                when,
                proposal: "",
            },
            Post::Today {
                title,
                label,
                when,
                facilitator: "",
                agenda: "- 決済APIの遅延",
            },
            Post::StartingNow { title, label },
            Post::RecordLearnings { title, label },
            Post::ClosedFor {
                title,
                date,
                name: "年末年始",
                next: Some("第397回（1月6日(水)）"),
            },
            Post::WeekOff {
                title,
                date,
                why: "中止",
                next: None,
            },
            Post::Holiday {
                name_ja: "天皇誕生日",
                name_en: "Emperor's Birthday",
            },
            Post::CompanyDayOff,
            Post::Cancelled,
            Post::CancelledBecause {
                reason: "全社オフサイトのため",
            },
        ];
        samples.extend(
            [RsvpStatus::Going, RsvpStatus::Maybe, RsvpStatus::NotGoing]
                .map(|status| Post::RsvpButton { status }),
        );
        samples
    }
}
