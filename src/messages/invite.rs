//! What an invitation says (Google Calendar events, Discord scheduled events,
//! the ICS feed): facilitator, agenda lines, the call for topics, where to
//! add them.

use chrono::NaiveDate;

use super::dates::day;
use super::labels::Label;
use super::{Message, catalogue};
use crate::domain::language::Language;
use crate::domain::log::AgendaKind;

catalogue! {
    pub(crate) enum Invite<'a> {
        Facilitator { who: &'a str },
        NoTopicsYet,
        AgendaHeading,
        /// `place`: a channel mention or `#name`; None when the channel is not known yet.
        WhereToAddTopics { place: Option<&'a str> },
        AttendanceOptional,
        Proposal { title: &'a str },
        /// An event's title: the meeting's, with the session's number.
        SessionTitle { title: &'a str, number: u32 },
        AgendaLine {
            title: &'a str,
            done: bool,
            kind: AgendaKind,
            presenter: Option<&'a str>,
            team: Option<&'a str>,
            carried_from: Option<NaiveDate>,
        },
    }
}

impl Message for Invite<'_> {
    fn ja(&self) -> String {
        use Invite::*;
        let ja = Language::Ja;
        match *self {
            Facilitator { who } => format!("ファシリテーター: {who}"),
            NoTopicsYet => "まだ議題がありません。インシデントがなくても開催します: 監視ダッシュボードを一緒に眺める、過去のポストモーテムを読み返す、スライドなしで話すだけでも大丈夫です。".into(),
            AgendaHeading => "議題:".into(),
            WhereToAddTopics { place: None } => {
                "議題の追加・出欠: Discord のミーティングのチャンネルで /agenda add, /rsvp".into()
            }
            WhereToAddTopics { place: Some(place) } => {
                format!("議題の追加・出欠: Discord の {place} で /agenda add, /rsvp")
            }
            AttendanceOptional => {
                "参加は任意です。誰かを責める場ではなく、復旧から学ぶ場です。".into()
            }
            Proposal { title } => format!("提案: {title}"),
            SessionTitle { title, number } => format!("{title} 第{number}回"),
            AgendaLine { title, done, kind, presenter, team, carried_from } => {
                let mut parts = vec![Label::Agenda { kind }.say(ja)];
                parts.extend(presenter.map(str::to_string));
                parts.extend(team.map(|team| format!("ゲスト: {team}")));
                let mark = if done { "✓ " } else { "" };
                let mut line = format!("- {mark}{title}（{}）", parts.join("、"));
                if let Some(from) = carried_from {
                    line += &format!("※{}からの持ち越し", day(from, ja));
                }
                line
            }
        }
    }

    fn en(&self) -> String {
        use Invite::*;
        match *self {
            Facilitator { who } => format!("Facilitator: {who}"),
            NoTopicsYet => "No topics yet. We meet even without an incident: look at a monitoring dashboard together, revisit a past postmortem, or just talk, no slides needed.".into(),
            AgendaHeading => "Agenda:".into(),
            WhereToAddTopics { place: None } => {
                "Add topics and RSVP in the meeting's Discord channel: /agenda add, /rsvp".into()
            }
            WhereToAddTopics { place: Some(place) } => {
                format!("Add topics and RSVP in Discord {place}: /agenda add, /rsvp")
            }
            AttendanceOptional => {
                "Attendance is optional. Blameless: we learn from how we recovered.".into()
            }
            Proposal { title } => format!("Proposal: {title}"),
            SessionTitle { title, number } => format!("{title} #{number}"),
            AgendaLine { title, done, kind, presenter, team, carried_from } => {
                let mark = if done { "✓ " } else { "" };
                let mut line = format!(
                    "- {mark}{title} ({}",
                    Label::Agenda { kind }.say(Language::En)
                );
                if let Some(presenter) = presenter {
                    line += &format!(", {presenter}");
                }
                if let Some(team) = team {
                    line += &format!(" / guest from {team}");
                }
                line.push(')');
                if let Some(from) = carried_from {
                    line += &format!(" (carried over from {})", day(from, Language::En));
                }
                line
            }
        }
    }
}

#[cfg(test)]
impl Invite<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use Invite::*;
        vec![
            Facilitator { who: "sato" },
            NoTopicsYet,
            AgendaHeading,
            WhereToAddTopics { place: None },
            WhereToAddTopics {
                place: Some("<#123>"),
            },
            AttendanceOptional,
            Proposal {
                title: "過去のポストモーテムを読む",
            },
            SessionTitle {
                title: "週刊ポストモーテム",
                number: 394,
            },
            AgendaLine {
                title: "決済APIの全断",
                done: true,
                kind: AgendaKind::Incident,
                presenter: Some("sato"),
                team: Some("決済チーム"),
                carried_from: NaiveDate::from_ymd_opt(2026, 12, 2),
            },
        ]
    }
}
