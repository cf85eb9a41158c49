//! `/agenda add|list|remove`: collecting topics ahead of the session.

use chrono::NaiveDate;

use super::{Actor, Answer, Context, Reply, Said, UserError, directory, session_label};
use crate::domain::language::Language;
use crate::domain::log::{AgendaItem, AgendaKind, Invalid, TextKind, agenda_id};
use crate::messages::Message;
use crate::messages::agenda::Agenda;
use crate::messages::labels::Label;

pub struct NewItem {
    pub title: String,
    pub kind: AgendaKind,
    pub link: Option<String>,
    pub date: Option<NaiveDate>,
    /// The presenter's team when it is another department: a guest. Without
    /// it, the team of the presenter's `[[person]]` entry.
    pub team: Option<String>,
    pub presenter: Presenter,
    /// The incident the item presents: one item per incident.
    pub incident: Option<String>,
}

/// Who presents an item.
pub enum Presenter {
    /// The person adding it.
    Me,
    /// Another Discord member, found in the directory by id.
    Member(Actor),
    /// Someone without a Discord account, by the name given.
    Guest(String),
}

pub fn add(ctx: &Context, actor: &Actor, item: NewItem) -> Answer {
    let title = item.title.trim().to_string();
    // A member is stored by their directory key and shown by their display;
    // a guest by the name given.
    let (presenter, shown, directory_team) = match &item.presenter {
        Presenter::Me => presenter_of(ctx, actor)?,
        Presenter::Member(member) => presenter_of(ctx, member)?,
        Presenter::Guest(name) => (name.trim().to_string(), name.trim().to_string(), None),
    };
    // A member of the meeting's rotation is one of its own, whatever team the
    // directory gives: only a team named here makes them a guest.
    let directory_team = match directory_team {
        Some(_) if super::rotation::roster(ctx)?.contains(&presenter) => None,
        team => team,
    };
    let team = item
        .team
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .or(directory_team)
        .filter(|t| Some(t.as_str()) != ctx.meeting.team.as_deref());
    // The record's own rule (empty, length, control characters) answers
    // first, before the date is looked at: the same rule an import meets.
    let mut new_item = AgendaItem {
        id: agenda_id(&ctx.meeting.id, ctx.today(), &title),
        title: title.clone(),
        kind: item.kind,
        presenter: Some(presenter.clone()),
        link: item.link.clone(),
        notes: None,
        added_by: Some(actor.id.clone()),
        added_at: Some(ctx.now),
        team: team.clone(),
        incident: item.incident.clone(),
        ..Default::default()
    };
    new_item
        .validate()
        .map_err(|e| UserError(e.say(ctx.language)))?;
    if let Some(link) = &item.link {
        check_link(ctx, link)?;
    }
    let occurrence = match item.date {
        Some(date) => ctx.held_on(date)?,
        None => ctx.next_held()?,
    };
    // Two incidents may share a title: an incident's item is named by the incident.
    let id = agenda_id(
        &ctx.meeting.id,
        occurrence.date,
        item.incident.as_deref().unwrap_or(&title),
    );
    new_item.id = id.clone();
    let mut duplicate = false;
    ctx.log
        .update_session(&ctx.meeting.id, occurrence.date, &mut |session| {
            duplicate = session
                .agenda
                .iter()
                .any(|i| i.id == id || (item.incident.is_some() && i.incident == item.incident));
            if !duplicate {
                session.agenda.push(new_item.clone());
            }
            Ok(())
        })
        .said(ctx.language)?;
    if duplicate {
        return Err(UserError(
            Agenda::AlreadyListed {
                title: &title,
                date: occurrence.date,
                id: &id,
            }
            .say(ctx.language),
        ));
    }
    let late = super::session::add_to_running(ctx, occurrence.date, &id)?;
    let label = session_label(&occurrence, ctx.language);
    Ok(Reply::public(
        Agenda::Added {
            label: &label,
            title: &title,
            kind_ja: &Label::Agenda { kind: item.kind }.say(Language::Ja),
            kind_en: &Label::Agenda { kind: item.kind }.say(Language::En),
            who: &shown,
            team: team.as_deref(),
            id: &id,
            late,
        }
        .say(ctx.language),
    ))
}

/// A member as a presenter: their directory key (a newcomer is enrolled by
/// their Discord id), how messages name them, and their team.
fn presenter_of(
    ctx: &Context,
    member: &Actor,
) -> Result<(String, String, Option<String>), UserError> {
    let known = directory::enroll(ctx, member)?;
    Ok((known.key, known.display, known.team))
}

fn check_link(ctx: &Context, link: &str) -> Result<(), UserError> {
    let valid = (link.starts_with("https://") || link.starts_with("http://"))
        && link.chars().count() <= TextKind::Line.max_chars()
        && !link.chars().any(|c| c.is_whitespace() || c.is_control())
        && link
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if valid {
        Ok(())
    } else {
        Err(UserError(Agenda::LinkNotHttp { link }.say(ctx.language)))
    }
}

pub fn list(ctx: &Context, date: Option<NaiveDate>) -> Answer {
    let occurrence = match date {
        Some(date) => ctx.held_on(date)?,
        None => ctx.next_held()?,
    };
    let session = ctx
        .log
        .session(&ctx.meeting.id, occurrence.date)
        .said(ctx.language)?;
    let items = session.map(|s| s.agenda).unwrap_or_default();
    let label = session_label(&occurrence, ctx.language);
    if items.is_empty() {
        return Ok(Reply::public(
            Agenda::NoTopicsFor { label: &label }.say(ctx.language),
        ));
    }
    let mut text = Agenda::Heading { label: &label }.say(ctx.language);
    // The one agenda line (as in `/next` and the announcement), with the id to act on.
    for item in &items {
        let mut shown = item.clone();
        shown.presenter = item
            .presenter
            .as_deref()
            .map(|p| directory::display(ctx, p));
        text += &format!(
            "\n{} `{}`",
            crate::messages::invitation::agenda_line(&shown, ctx.language),
            item.id
        );
        if let Some(link) = &item.link {
            text += &format!(" <{link}>");
        }
    }
    Ok(Reply::public(text))
}

/// Marks an item as covered, so it is not carried over (its presenter or a facilitator).
pub fn done(ctx: &Context, actor: &Actor, id: &str) -> Answer {
    let id = id.trim();
    let sessions = ctx.log.sessions(Some(&ctx.meeting.id)).said(ctx.language)?;
    let Some((date, item)) = sessions.iter().find_map(|s| {
        s.agenda
            .iter()
            .find(|i| i.id == id)
            .map(|i| (s.date, i.clone()))
    }) else {
        return Err(UserError(Agenda::NoItemWithId { id }.say(ctx.language)));
    };
    if item.added_by.as_deref() != Some(actor.id.as_str()) && !actor.is_facilitator {
        return Err(UserError(Agenda::OnlyAdderMarksCovered.say(ctx.language)));
    }
    ctx.log
        .update_session(&ctx.meeting.id, date, &mut |session| {
            for i in session.agenda.iter_mut().filter(|i| i.id == id) {
                i.done = true;
            }
            Ok(())
        })
        .said(ctx.language)?;
    Ok(Reply::private(
        Agenda::MarkedCovered { title: &item.title }.say(ctx.language),
    ))
}

pub fn remove(ctx: &Context, actor: &Actor, id: &str) -> Answer {
    let id = id.trim();
    let sessions = ctx.log.sessions(Some(&ctx.meeting.id)).said(ctx.language)?;
    let Some((date, item)) = sessions
        .iter()
        .filter(|s| s.date >= ctx.today())
        .find_map(|s| {
            s.agenda
                .iter()
                .find(|i| i.id == id)
                .map(|i| (s.date, i.clone()))
        })
    else {
        return Err(UserError(
            Agenda::NoUpcomingItemWithId { id }.say(ctx.language),
        ));
    };
    if item.added_by.as_deref() != Some(actor.id.as_str()) && !actor.is_facilitator {
        return Err(UserError(Agenda::OnlyOwnItemsRemoved.say(ctx.language)));
    }
    ctx.log
        .update_session(&ctx.meeting.id, date, &mut |session| {
            session.agenda.retain(|i| i.id != id);
            Ok::<(), Invalid>(())
        })
        .said(ctx.language)?;
    Ok(Reply::public(
        Agenda::Removed {
            title: &item.title,
            date,
        }
        .say(ctx.language),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::{facilitator, fixture, person};
    use crate::store::SessionStore;

    fn item(title: &str, date: Option<&str>) -> NewItem {
        NewItem {
            title: title.into(),
            kind: AgendaKind::Incident,
            link: None,
            date: date.map(|d| d.parse().unwrap()),
            team: None,
            presenter: Presenter::Me,
            incident: None,
        }
    }

    #[test]
    fn add_goes_to_the_next_held_session_and_list_shows_it() {
        let f = fixture("2026-11-29T00:00:00Z");
        let reply = add(&f.ctx(), &person("1"), item("DNS outage", None)).unwrap();
        assert!(
            reply.text.starts_with("Added to #393, Dec 2 (Wed)"),
            "{}",
            reply.text
        );
        let listed = list(&f.ctx(), None).unwrap();
        assert!(
            listed.text.contains("- DNS outage (incident, user1)"),
            "{}",
            listed.text
        );
    }

    #[test]
    fn a_guest_presenter_is_named_with_their_team_and_a_member_brings_theirs() {
        let f = fixture("2026-11-29T00:00:00Z").with_config("[[person]]\nname = \"tanaka\"\ndisplay = \"田中\"\ndiscord_id = \"22\"\nteam = \"CloudLog\"\n");
        let ctx = f.ctx();
        let mut guest = item("Log pipeline", None);
        guest.presenter = Presenter::Guest(" Ms. Kimura ".into());
        guest.team = Some("Payments".into());
        let reply = add(&ctx, &person("1"), guest).unwrap();
        assert!(
            reply.text.contains("Ms. Kimura / guest from Payments"),
            "{}",
            reply.text
        );
        let mut member = item("Retention", None);
        member.presenter = Presenter::Member(Actor {
            name: "renamed".into(),
            ..person("22")
        });
        add(&ctx, &person("1"), member).unwrap();
        let agenda = &f.log.sessions(None).unwrap()[0].agenda;
        let shown: Vec<(Option<&str>, Option<&str>)> = agenda
            .iter()
            .map(|i| (i.presenter.as_deref(), i.team.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                (Some("Ms. Kimura"), Some("Payments")),
                (Some("tanaka"), Some("CloudLog"))
            ],
            "members by their key, guests by name"
        );
        let listed = list(&ctx, None).unwrap().text;
        assert!(
            listed.contains("Retention (incident, 田中 / guest from CloudLog)"),
            "{listed}"
        );
        assert!(agenda.iter().all(|i| i.added_by.as_deref() == Some("1")));
    }

    #[test]
    fn bad_titles_links_and_dates_are_refused_and_nothing_is_stored() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        let me = person("1");
        assert!(
            add(&ctx, &me, item("  ", None))
                .unwrap_err()
                .0
                .contains("empty")
        );
        assert!(
            add(&ctx, &me, item(&"x".repeat(301), None))
                .unwrap_err()
                .0
                .contains("301 characters")
        );
        let mut linked = item("t", None);
        linked.link = Some("javascript:alert(1)".into());
        assert!(add(&ctx, &me, linked).unwrap_err().0.contains("http"));
        let err = add(&ctx, &me, item("t", Some("2026-12-03"))).unwrap_err();
        assert!(err.0.contains("not a meeting day"), "{err}");
        let err = add(&ctx, &me, item("t", Some("2026-12-30"))).unwrap_err();
        assert!(err.0.contains("company day off"), "{err}");
        let err = add(&ctx, &me, item("t", Some("2026-11-25"))).unwrap_err();
        assert!(err.0.contains("is over"), "{err}");
        let err = add(&ctx, &me, item("t", Some("2027-05-05"))).unwrap_err();
        assert!(err.0.contains("public holiday (Children's Day)"), "{err}");
        assert!(f.log.sessions(None).unwrap().is_empty());
    }

    #[test]
    fn people_remove_their_own_items_and_facilitators_any() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        add(&ctx, &person("1"), item("Mine", None)).unwrap();
        let id = f.log.sessions(None).unwrap()[0].agenda[0].id.clone();
        assert!(
            remove(&ctx, &person("2"), &id)
                .unwrap_err()
                .0
                .contains("your own")
        );
        assert!(
            remove(&ctx, &person("2"), "a-unknown")
                .unwrap_err()
                .0
                .contains("no upcoming agenda item")
        );
        remove(&ctx, &facilitator("3"), &id).unwrap();
        assert!(f.log.sessions(None).unwrap()[0].agenda.is_empty());
    }
}
