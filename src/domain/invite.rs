//! What an invitation says: the summary with the session number, and a
//! description with facilitator, agenda (or a call for topics) and the
//! reminder that attendance is optional. Shared by the calendar and the ICS feed.

use super::language::Language;
use super::log::Session;
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
    } else {
        lines.push(if ja { "アジェンダ:" } else { "Agenda:" }.to_string());
        for item in agenda {
            let presenter = item
                .presenter
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default();
            lines.push(format!(
                "- {} ({}{presenter})",
                item.title,
                item.kind.code()
            ));
        }
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
