//! Incidents as the meeting's topics: the ones a call for topics or the day's
//! announcement proposes (with a 「話します」 button each), the click that makes
//! an agenda item of one, `/incidents`, and the timeline a postmortem starts
//! from. Volunteering only: nobody is named or pinged.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};

use super::agenda::{self, NewItem, Presenter};
use super::incidents::incident_line;
use super::{Actor, Answer, Context, Reply, Said, UserError};
use crate::chat::{ChatButton, present_button_id};
use crate::domain::incidents::{Incident, to_propose};
use crate::domain::log::AgendaKind;
use crate::domain::schedule::Occurrence;
use crate::messages::Message;
use crate::messages::incidents::Incidents as Say;
use crate::store::{SessionLog, StoreError};

/// At most this many incidents (and buttons) in one message: Discord allows
/// 25 buttons, the day's announcement has 3 of its own, and 2,000 characters.
const MAX_LISTED: usize = 8;
/// `/incidents` shows this many per page, like `/history`.
const LIST_PAGE: usize = 5;

/// The incidents that agenda items of `meeting` present, in any session.
pub fn linked_incidents(
    log: &dyn SessionLog,
    meeting: &str,
) -> Result<BTreeSet<String>, StoreError> {
    Ok(log
        .sessions(Some(meeting))?
        .into_iter()
        .flat_map(|s| s.agenda)
        .filter_map(|i| i.incident)
        .collect())
}

/// The start of the held session before `date`; a week before it when there is none.
fn previous_session_start(ctx: &Context, date: NaiveDate) -> Result<DateTime<Utc>, UserError> {
    let from = date.checked_sub_days(Days::new(70)).unwrap_or(date);
    let previous = ctx
        .occurrences(from, 10)?
        .into_iter()
        .rev()
        .find(|o| o.date < date && o.is_held());
    Ok(match previous {
        Some(o) => o.start.to_utc(),
        None => {
            let at_start = date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            at_start - TimeDelta::days(7)
        }
    })
}

/// What a call for topics or an announcement for `occurrence` proposes:
/// incidents since the previous session that lasted at least `min_minutes`
/// and have no agenda item yet, oldest first.
pub fn proposed(
    ctx: &Context,
    occurrence: &Occurrence,
    min_minutes: u32,
) -> Result<Vec<Incident>, UserError> {
    let since = previous_session_start(ctx, occurrence.date)?;
    let incidents = ctx
        .log
        .incidents(Some(&ctx.meeting.id))
        .said(ctx.language)?;
    let linked = linked_incidents(ctx.log, &ctx.meeting.id).said(ctx.language)?;
    Ok(to_propose(&incidents, since, ctx.now, min_minutes, &linked)
        .into_iter()
        .cloned()
        .collect())
}

/// The lines and buttons a message adds for `incidents`; nothing when none.
pub fn proposal_block(ctx: &Context, incidents: &[Incident]) -> (String, Vec<ChatButton>) {
    if incidents.is_empty() {
        return (String::new(), Vec::new());
    }
    let zone = ctx.meeting.rule.timezone;
    let numbered = incidents.len() > 1;
    let mut text = format!("\n{}", Say::ToPresent.say(ctx.language));
    let mut buttons = Vec::new();
    for (n, incident) in incidents.iter().take(MAX_LISTED).enumerate() {
        let number = numbered.then_some(n + 1);
        let mark = number.map_or_else(|| "-".to_string(), |n| format!("{n}."));
        text += &format!("\n{mark} {}", incident_line(incident, zone, ctx.language));
        buttons.push(ChatButton {
            custom_id: present_button_id(&incident.id),
            label: Say::PresentButton { number }.say(ctx.language),
        });
    }
    if incidents.len() > MAX_LISTED {
        text += &format!(
            "\n{}",
            Say::More {
                count: incidents.len() - MAX_LISTED
            }
            .say(ctx.language)
        );
    }
    (text, buttons)
}

/// 「話します」: `actor` presents the incident at the next held session. A
/// second click, by anyone, changes nothing and says it is already taken.
pub fn present(ctx: &Context, actor: &Actor, incident_id: &str) -> Answer {
    let incident = ctx
        .log
        .incident(incident_id)
        .said(ctx.language)?
        .ok_or_else(|| UserError(Say::UnknownIncident { id: incident_id }.say(ctx.language)))?;
    let already = || {
        Reply::private(
            Say::AlreadyOnAgenda {
                title: &incident.title,
            }
            .say(ctx.language),
        )
    };
    if linked_incidents(ctx.log, &ctx.meeting.id)
        .said(ctx.language)?
        .contains(&incident.id)
    {
        return Ok(already());
    }
    let item = NewItem {
        title: incident.title.clone(),
        kind: AgendaKind::Incident,
        link: None,
        date: None,
        team: None,
        presenter: Presenter::Me,
        incident: Some(incident.id.clone()),
    };
    match agenda::add(ctx, actor, item) {
        // Two clicks at once: the store's write lock let one in.
        Err(_)
            if linked_incidents(ctx.log, &ctx.meeting.id)
                .said(ctx.language)?
                .contains(&incident.id) =>
        {
            Ok(already())
        }
        answer => answer.map(|reply| Reply::private(reply.text)),
    }
}

/// `/incidents [since]`: the meeting's incidents from `since` (default: the
/// previous session), oldest first, with their ids, a page at a time.
pub fn list(ctx: &Context, since: Option<NaiveDate>, page: usize) -> Answer {
    let page = page.max(1);
    let zone = ctx.meeting.rule.timezone;
    let since = match since {
        Some(day) => day,
        None => previous_session_start(ctx, ctx.today())?
            .with_timezone(&zone)
            .date_naive(),
    };
    let from = since
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(zone).earliest())
        .map_or_else(
            || since.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            |t| t.to_utc(),
        );
    let mut incidents: Vec<Incident> = ctx
        .log
        .incidents(Some(&ctx.meeting.id))
        .said(ctx.language)?
        .into_iter()
        .filter(|i| i.start >= from)
        .collect();
    incidents.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
    if incidents.is_empty() {
        return Ok(Reply::private(Say::ListEmpty { since }.say(ctx.language)));
    }
    let last = incidents.len().div_ceil(LIST_PAGE);
    if page > last {
        return Ok(Reply::private(
            Say::PastLastPage { since, page, last }.say(ctx.language),
        ));
    }
    let linked = linked_incidents(ctx.log, &ctx.meeting.id).said(ctx.language)?;
    let mut text = Say::ListHeading { since, page }.say(ctx.language);
    for incident in incidents
        .iter()
        .skip((page - 1) * LIST_PAGE)
        .take(LIST_PAGE)
    {
        text += &format!(
            "\n- {} `{}`",
            incident_line(incident, zone, ctx.language),
            incident.id
        );
        if linked.contains(&incident.id) {
            text += &Say::OnAgenda.say(ctx.language);
        }
    }
    if incidents.len() > page * LIST_PAGE {
        text += &format!("\n{}", Say::NextPage { page: page + 1 }.say(ctx.language));
    }
    Ok(Reply::private(text))
}

/// What `/postmortem incident:` starts from.
pub struct PostmortemDraft {
    pub title: String,
    /// Start, each alert, end, in the meeting's zone.
    pub timeline: String,
    /// The session where the incident is talked about: the first held one
    /// that starts after it ended (or, still firing, after it started).
    pub session: Option<NaiveDate>,
}

/// What `/postmortem incident:` fills the form with and files it under.
pub fn postmortem_draft(ctx: &Context, incident_id: &str) -> Result<PostmortemDraft, UserError> {
    let incident = ctx
        .log
        .incident(incident_id)
        .said(ctx.language)?
        .ok_or_else(|| UserError(Say::UnknownIncident { id: incident_id }.say(ctx.language)))?;
    let zone = ctx.meeting.rule.timezone;
    let at = |t: DateTime<Utc>| t.with_timezone(&zone).format("%m/%d %H:%M").to_string();
    let mut lines = vec![
        Say::TimelineStart {
            at: &at(incident.start),
        }
        .say(ctx.language),
    ];
    let mut episodes: Vec<_> = incident.episodes.iter().collect();
    episodes.sort_by_key(|e| (e.starts_at, e.fingerprint.clone()));
    for episode in episodes {
        let alert = episode
            .annotations
            .get("summary")
            .or_else(|| episode.labels.get("alertname"))
            .cloned()
            .unwrap_or_else(|| episode.fingerprint.clone());
        let range = match episode.ends_at {
            Some(end) => format!("{}–{}", at(episode.starts_at), at(end)),
            None => format!("{}–", at(episode.starts_at)),
        };
        lines.push(
            Say::TimelineAlert {
                at: &range,
                alert: &alert,
            }
            .say(ctx.language),
        );
    }
    lines.push(match incident.end {
        Some(end) => Say::TimelineEnd { at: &at(end) }.say(ctx.language),
        None => Say::TimelineFiring.say(ctx.language),
    });
    lines.extend(incident.links.iter().cloned());
    let over = incident.end.unwrap_or(incident.start);
    let from = over.with_timezone(&zone).date_naive();
    let session = ctx
        .occurrences(from, 60)?
        .into_iter()
        .find(|o| o.is_held() && o.start.with_timezone(&Utc) >= over)
        .map(|o| o.date);
    Ok(PostmortemDraft {
        title: incident.title,
        timeline: lines.join("\n"),
        session,
    })
}
