//! Who is who for a use case: the config's `[[person]]` directory, plus the
//! people who joined a rotation from Discord (kept in the store). People are
//! found by Discord user id, never by the name Discord shows.

use super::{Actor, Context, Said, UserError};
use crate::domain::log::Session;
use crate::domain::people::{JoinedPerson, People};
use crate::messages::Message as _;
use crate::store::SessionLog;

/// A person as the use cases see them: the key rosters and sessions store,
/// and how messages name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub key: String,
    pub display: String,
    pub team: Option<String>,
}

fn joined(ctx: &Context) -> Result<Vec<JoinedPerson>, UserError> {
    ctx.log.joined_people().said(ctx.language)
}

fn from_joined(person: JoinedPerson) -> Known {
    Known {
        key: person.name,
        display: person.display,
        team: None,
    }
}

/// The person with this Discord user id: the config's first, then those who joined.
pub fn by_discord_id(ctx: &Context, id: &str) -> Result<Option<Known>, UserError> {
    let Ok(number) = id.parse::<u64>() else {
        return Ok(None);
    };
    if let Some(person) = ctx.people.by_discord_id(number) {
        return Ok(Some(Known {
            key: person.name.clone(),
            display: person.display_name().to_string(),
            team: person.team.clone(),
        }));
    }
    Ok(joined(ctx)?
        .into_iter()
        .find(|p| p.discord_id == id)
        .map(from_joined))
}

/// The person a roster or session entry names, if the directory knows them.
pub fn by_key(ctx: &Context, key: &str) -> Result<Option<Known>, UserError> {
    if let Some(person) = ctx.people.by_name(key) {
        return Ok(Some(Known {
            key: person.name.clone(),
            display: person.display_name().to_string(),
            team: person.team.clone(),
        }));
    }
    if !key.starts_with("discord-") {
        return Ok(None);
    }
    Ok(ctx
        .log
        .joined_person(key)
        .said(ctx.language)?
        .map(from_joined))
}

/// How messages name the person of `entry`; an entry nobody knows (a name
/// written by an older version) is shown as written.
pub fn display(ctx: &Context, entry: &str) -> String {
    display_in(ctx.people, ctx.log, entry)
}

/// [`display`] for callers without a use case context (the calendar, the
/// reminders, the feed).
pub fn display_in(people: &People, log: &dyn SessionLog, entry: &str) -> String {
    if let Some(person) = people.by_name(&people.canonical(entry)) {
        return person.display_name().to_string();
    }
    if entry.starts_with("discord-")
        && let Ok(Some(person)) = log.joined_person(entry)
    {
        return person.display;
    }
    entry.to_string()
}

/// The session as texts show it: its facilitator and its presenters by
/// display name (a guest's name, or one stored by an older version, as written).
pub fn as_shown(people: &People, log: &dyn SessionLog, mut session: Session) -> Session {
    if let Some(key) = &session.facilitator {
        session.facilitator = Some(display_in(people, log, key));
    }
    for item in &mut session.agenda {
        if let Some(key) = &item.presenter {
            item.presenter = Some(display_in(people, log, key));
        }
    }
    session
}

/// The key of a roster or session entry (see [`People::canonical`]).
///
/// [`People::canonical`]: crate::domain::people::People::canonical
pub fn canonical(ctx: &Context, entry: &str) -> String {
    ctx.people.canonical(entry)
}

/// The asker as a person: who the directory says they are, else `None`.
/// Someone who joined from Discord is shown as Discord shows them now: a
/// rename updates their stored display (never their key).
pub fn who(ctx: &Context, actor: &Actor) -> Result<Option<Known>, UserError> {
    let Some(mut known) = by_discord_id(ctx, &actor.id)? else {
        return Ok(None);
    };
    let now_shown = clean(&actor.name);
    if known.key.starts_with("discord-")
        && !now_shown.is_empty()
        && now_shown != known.display
        && let Ok(id) = actor.id.parse::<u64>()
    {
        let person = JoinedPerson::new(id, &now_shown);
        // A display the record's rule refuses keeps the old one; so does a
        // failed write: showing an old name is no reason to refuse a command.
        if person.validate().is_ok() {
            match ctx.log.put_joined_person(&person) {
                Ok(()) => known.display = person.display,
                Err(e) => tracing::warn!("could not update a renamed member's display: {e}"),
            }
        }
    }
    Ok(Some(known))
}

/// A name as Discord shows it, without control characters or outer spaces.
fn clean(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(100)
        .collect()
}

/// How messages name the asker: the directory's display, else the name Discord shows.
pub fn shown(ctx: &Context, actor: &Actor) -> String {
    match who(ctx, actor) {
        Ok(Some(known)) => known.display,
        _ => actor.name.clone(),
    }
}

/// The directory's person for this Discord member, adding them (with the
/// name Discord shows now) when nobody has their id yet.
pub fn enroll(ctx: &Context, member: &Actor) -> Result<Known, UserError> {
    if let Some(known) = who(ctx, member)? {
        return Ok(known);
    }
    let id: u64 = member
        .id
        .parse()
        .map_err(|_| UserError(format!("{:?} is not a Discord user id", member.id)))?;
    let shown = clean(&member.name);
    let person = JoinedPerson::new(id, if shown.is_empty() { &member.id } else { &shown });
    person
        .validate()
        .map_err(|e| UserError(e.say(ctx.language)))?;
    ctx.log.put_joined_person(&person).said(ctx.language)?;
    Ok(from_joined(person))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::{fixture, person};

    #[test]
    fn a_newcomer_is_enrolled_once_by_id_and_a_rename_changes_only_how_they_are_shown() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        let first = enroll(&ctx, &person("42")).unwrap();
        assert_eq!(first.key, "discord-42");
        assert_eq!(first.display, "user42");
        assert_eq!(display(&ctx, "discord-42"), "user42");
        let renamed = Actor {
            name: " 新しい名前\u{7} ".into(),
            ..person("42")
        };
        let again = enroll(&ctx, &renamed).unwrap();
        assert_eq!(again.key, "discord-42", "the key never changes");
        assert_eq!(again.display, "新しい名前");
        assert_eq!(who(&ctx, &renamed).unwrap(), Some(again.clone()));
        assert_eq!(display(&ctx, "discord-42"), "新しい名前");
        assert_eq!(display(&ctx, "old name"), "old name");
        assert!(who(&ctx, &person("43")).unwrap().is_none());
    }
}
