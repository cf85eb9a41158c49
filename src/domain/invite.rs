//! What an invitation says: the summary with the session number, and a
//! description with facilitator, agenda (or a call for topics) and the
//! reminder that attendance is optional. Shared by the calendar and the ICS feed.

use super::language::Language;
use super::log::{AgendaItem, Proposal, Session};
use super::schedule::Occurrence;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub summary: String,
    pub description: String,
}

pub fn invite(
    title: &str,
    occurrence: &Occurrence,
    session: Option<&Session>,
    language: Language,
    discord_channel: Option<&str>,
) -> Invite {
    let summary = match occurrence.number() {
        Some(n) => format!("{title} #{n}"),
        None => title.to_string(),
    };
    let mut lines = Vec::new();
    let ja = language == Language::Ja;
    if let Some(facilitator) = session.and_then(|s| s.facilitator.as_deref()) {
        lines.push(if ja {
            format!("ファシリテーター: {facilitator}")
        } else {
            format!("Facilitator: {facilitator}")
        });
    }
    let agenda = session.map(|s| s.agenda.as_slice()).unwrap_or_default();
    if agenda.is_empty() {
        lines.push(
            if ja {
                "まだ議題がありません。インシデントがなくても開催します: 監視ダッシュボードを一緒に眺める、過去のポストモーテムを読み返す、スライドなしで話すだけでも大丈夫です。"
            } else {
                "No topics yet. We meet even without an incident: look at a monitoring dashboard together, revisit a past postmortem, or just talk, no slides needed."
            }
            .to_string(),
        );
        if let Some(proposal) = session.and_then(|s| s.proposal.as_ref()) {
            lines.push(proposal_text(proposal, language));
        }
    } else {
        lines.push(if ja { "アジェンダ:" } else { "Agenda:" }.to_string());
        lines.extend(agenda.iter().map(|item| agenda_line(item, language)));
    }
    if let Some(channel) = discord_channel {
        lines.push(if ja {
            format!("議題の追加・出欠: Discord {channel} で /agenda add, /rsvp")
        } else {
            format!("Add topics and RSVP in Discord {channel}: /agenda add, /rsvp")
        });
    }
    lines.push(
        if ja {
            "参加は任意です。誰かを責める場ではなく、復旧から学ぶ場です。"
        } else {
            "Attendance is optional. Blameless: we learn from how we recovered."
        }
        .to_string(),
    );
    Invite {
        summary,
        description: lines.join("\n"),
    }
}

/// One agenda line: title, kind, presenter, a guest's team, and where a
/// carried-over item came from.
pub fn agenda_line(item: &AgendaItem, language: Language) -> String {
    let ja = language == Language::Ja;
    let mut line = format!("- {} ({}", item.title, item.kind.code());
    if let Some(presenter) = &item.presenter {
        line += &format!(", {presenter}");
    }
    if let Some(team) = &item.team {
        line += &if ja {
            format!(" / ゲスト: {team}")
        } else {
            format!(" / guest from {team}")
        };
    }
    line.push(')');
    if let Some(from) = item.carried_from {
        line += &if ja {
            format!(" ※{from} からの持ち越し")
        } else {
            format!(" (carried over from {from})")
        };
    }
    line
}

/// The proposal for a session without topics, in a few lines.
pub fn proposal_text(proposal: &Proposal, language: Language) -> String {
    let mut text = match language {
        Language::Ja => format!("提案: {}", proposal.title),
        Language::En => format!("Proposal: {}", proposal.title),
    };
    if !proposal.detail.is_empty() {
        text += &format!("\n{}", proposal.detail);
    }
    if let Some(link) = &proposal.link {
        text += &format!("\n{link}");
    }
    text
}
