//! What an invitation says: the summary with the session number, and a
//! description with facilitator, agenda (or a call for topics) and the
//! reminder that attendance is optional. Google Calendar and Discord's
//! scheduled events get the full text and where to add topics (the meeting's
//! own channel); the ICS feed gets titles only.

use super::Message;
use super::invite::Invite as Say;
use crate::domain::language::Language;
use crate::domain::log::{AgendaItem, Proposal, Session};
use crate::domain::schedule::Occurrence;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invite {
    pub summary: String,
    pub description: String,
}

/// Who reads the text, which decides how much it may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// The organisation's own calendar and Discord server: presenters, guests,
    /// a proposal's summary and link.
    Organisation,
    /// The ICS feed: whoever holds its address, possibly through a calendar app
    /// synced to a third party. Titles, number and facilitator only: never a
    /// presenter, and never a postmortem's body (a reading club's proposal
    /// carries impact, recovery and prevention in its detail).
    Subscribers,
}

/// The meeting's Discord channel, as the surface showing the text can name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel<'a> {
    /// In Discord: `<#id>`, which every reader's client shows as a link with
    /// the channel's current name.
    Mention(u64),
    /// Outside Discord (Google Calendar): the name the bot last saw.
    Named(&'a str),
    /// Outside Discord before the bot has seen the channel: no name is better
    /// than a wrong one.
    Unnamed,
}

/// Where to add topics and answer: the one place this sentence is written,
/// for Google Calendar and Discord's scheduled events alike.
pub(crate) fn channel_line(channel: Channel, language: Language) -> String {
    let place = match channel {
        Channel::Mention(id) => Some(format!("<#{id}>")),
        Channel::Named(name) => Some(format!("#{}", name.trim_start_matches('#'))),
        Channel::Unnamed => None,
    };
    Say::WhereToAddTopics {
        place: place.as_deref(),
    }
    .say(language)
}

/// The text of a Google Calendar event or a Discord scheduled event;
/// `channel` is `None` when Discord is not configured.
pub(crate) fn invite(
    title: &str,
    occurrence: &Occurrence,
    session: Option<&Session>,
    language: Language,
    channel: Option<Channel>,
) -> Invite {
    describe(
        title,
        occurrence,
        session,
        language,
        Audience::Organisation,
        channel,
    )
}

/// The text of one event in the ICS feed: summary, facilitator, agenda titles
/// (or the proposal's title), and that attendance is optional.
pub(crate) fn feed_entry(
    title: &str,
    occurrence: &Occurrence,
    session: Option<&Session>,
    language: Language,
) -> Invite {
    describe(
        title,
        occurrence,
        session,
        language,
        Audience::Subscribers,
        None,
    )
}

fn describe(
    title: &str,
    occurrence: &Occurrence,
    session: Option<&Session>,
    language: Language,
    audience: Audience,
    channel: Option<Channel>,
) -> Invite {
    let summary = match occurrence.number() {
        Some(number) => Say::SessionTitle { title, number }.say(language),
        None => title.to_string(),
    };
    let mut lines = Vec::new();
    if let Some(facilitator) = session.and_then(|s| s.facilitator.as_deref()) {
        lines.push(Say::Facilitator { who: facilitator }.say(language));
    }
    let agenda = session.map(|s| s.agenda.as_slice()).unwrap_or_default();
    if agenda.is_empty() {
        lines.push(Say::NoTopicsYet.say(language));
        if let Some(proposal) = session.and_then(|s| s.proposal.as_ref()) {
            lines.push(match audience {
                Audience::Organisation => proposal_text(proposal, language),
                Audience::Subscribers => proposal_title(proposal, language),
            });
        }
    } else {
        lines.push(Say::AgendaHeading.say(language));
        lines.extend(agenda.iter().map(|item| match audience {
            Audience::Organisation => agenda_line(item, language),
            Audience::Subscribers => format!("- {}", item.title),
        }));
    }
    if let Some(channel) = channel {
        lines.push(channel_line(channel, language));
    }
    lines.push(Say::AttendanceOptional.say(language));
    Invite {
        summary,
        description: lines.join("\n"),
    }
}

/// A skipped week in the ICS feed: the meeting's title, and why (`why` is
/// the schedule's own wording of the reason), so a subscriber whose calendar
/// still shows the week sees it cancelled and learns the reason.
pub(crate) fn feed_cancellation(title: &str, why: &str) -> Invite {
    Invite {
        summary: title.to_string(),
        description: why.to_string(),
    }
}

/// A session's title in JSON and the CLI's tables: the meeting's, with `#` and the number.
pub(crate) fn session_title(title: &str, number: Option<u32>) -> String {
    match number {
        Some(n) => format!("{title} #{n}"),
        None => title.to_string(),
    }
}

/// One agenda line: title, kind, presenter, a guest's team, and where a
/// carried-over item came from.
pub(crate) fn agenda_line(item: &AgendaItem, language: Language) -> String {
    Say::AgendaLine {
        title: &item.title,
        done: item.done,
        kind: item.kind,
        presenter: item.presenter.as_deref(),
        team: item.team.as_deref(),
        carried_from: item.carried_from,
    }
    .say(language)
}

/// The proposal for a session without topics, in a few lines.
pub(crate) fn proposal_text(proposal: &Proposal, language: Language) -> String {
    let mut text = proposal_title(proposal, language);
    if !proposal.detail.is_empty() {
        text += &format!("\n{}", proposal.detail);
    }
    if let Some(link) = &proposal.link {
        text += &format!("\n{link}");
    }
    text
}

/// The proposal's first line: its title.
fn proposal_title(proposal: &Proposal, language: Language) -> String {
    Say::Proposal {
        title: &proposal.title,
    }
    .say(language)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Asia::Tokyo;

    use super::*;
    use crate::domain::log::{AgendaKind, Postmortem, SessionStatus};
    use crate::domain::schedule::Status;
    use crate::messages::proposal::propose;

    fn occurrence(date: NaiveDate) -> Occurrence {
        let start = Tokyo.from_local_datetime(&date.and_hms_opt(17, 0, 0).unwrap());
        let start = start.single().unwrap();
        Occurrence {
            date,
            start,
            end: start + chrono::Duration::hours(1),
            status: Status::Held { number: 393 },
        }
    }

    fn session(date: NaiveDate) -> Session {
        Session {
            meeting: "weekly".into(),
            date,
            status: SessionStatus::Held,
            reason: None,
            number: None,
            facilitator: Some("sato".into()),
            notes: None,
            agenda: Vec::new(),
            attendance: Default::default(),
            rsvps: Default::default(),
            proposal: None,
        }
    }

    /// A reading-club week: nobody offered a topic, so the proposal is a past
    /// postmortem, chosen by the real fallback rule.
    fn reading_club_week(language: Language) -> (Occurrence, Session) {
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let postmortem = Postmortem {
            id: "pm-1".into(),
            meeting: "weekly".into(),
            date: NaiveDate::from_ymd_opt(2025, 12, 10).unwrap(),
            title: "決済APIの全断".into(),
            impact: "決済が47分間すべて失敗した".into(),
            actions_taken: "古いコネクションプールへ切り戻した".into(),
            root_cause: "設定値のtypo".into(),
            prevention: "設定変更にカナリアを必須にする".into(),
            responders: vec!["tanaka".into()],
            links: vec!["https://wiki.example.com/pm/1".into()],
            responder_ids: Vec::new(),
        };
        let mut session = session(date);
        session.proposal = Some(propose(date, &[], &[postmortem], &[], language));
        (occurrence(date), session)
    }

    #[test]
    fn a_reading_club_week_in_the_feed_names_the_postmortem_but_never_its_body() {
        for language in [Language::Ja, Language::En] {
            let (o, session) = reading_club_week(language);
            let invited = invite("週刊ポストモーテム", &o, Some(&session), language, None);
            assert!(
                invited.description.contains("決済が47分間すべて失敗した"),
                "the organisation's calendar keeps the summary: {}",
                invited.description
            );
            let entry = feed_entry("週刊ポストモーテム", &o, Some(&session), language);
            let number = if language == Language::Ja {
                "週刊ポストモーテム 第393回"
            } else {
                "週刊ポストモーテム #393"
            };
            assert_eq!(entry.summary, number);
            assert!(entry.description.contains("決済APIの全断"), "{entry:?}");
            assert!(entry.description.contains("sato"), "{entry:?}");
            for body in [
                "決済が47分間",
                "古いコネクションプール",
                "設定値のtypo",
                "カナリア",
                "wiki.example.com",
                "tanaka",
            ] {
                assert!(
                    !entry.description.contains(body),
                    "{body} leaked: {entry:?}"
                );
            }
        }
    }

    #[test]
    fn the_feed_lists_agenda_titles_without_presenters_or_guests() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let mut session = session(date);
        session.agenda.push(AgendaItem {
            title: "夜間バッチの遅延".into(),
            kind: AgendaKind::Incident,
            presenter: Some("kato".into()),
            team: Some("Payments".into()),
            link: Some("https://wiki.example.com/pm/42".into()),
            ..Default::default()
        });
        let entry = feed_entry(
            "週刊ポストモーテム",
            &occurrence(date),
            Some(&session),
            Language::Ja,
        );
        assert_eq!(
            entry.description,
            "ファシリテーター: sato\n議題:\n- 夜間バッチの遅延\n参加は任意です。誰かを責める場ではなく、復旧から学ぶ場です。"
        );
        let invited = invite(
            "週刊ポストモーテム",
            &occurrence(date),
            Some(&session),
            Language::Ja,
            None,
        );
        assert!(invited.description.contains("kato"), "{invited:?}");
    }

    #[test]
    fn the_channel_line_names_the_configured_channel_never_a_fixed_one() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let text = |channel| {
            invite(
                "週刊ポストモーテム",
                &occurrence(date),
                None,
                Language::Ja,
                channel,
            )
            .description
        };
        assert!(text(Some(Channel::Mention(222))).contains("Discord の <#222> で /agenda add"));
        assert!(text(Some(Channel::Named("障害振り返り"))).contains("Discord の #障害振り返り で"));
        let unnamed = text(Some(Channel::Unnamed));
        assert!(
            unnamed.contains("Discord のミーティングのチャンネルで"),
            "{unnamed}"
        );
        assert!(!text(None).contains("Discord"), "no Discord, no line");
        assert_eq!(
            channel_line(Channel::Named("#ops"), Language::En),
            "Add topics and RSVP in Discord #ops: /agenda add, /rsvp"
        );
    }
}
