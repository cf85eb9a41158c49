//! `/rotation join|leave|show|swap|add|remove|move` and keeping upcoming
//! sessions assigned. The roster starts from the config and lives in the
//! store once changed. Entries are directory keys (a `[[person]]` name, or
//! `discord-<id>` for someone who joined from Discord), never display names.

use chrono::{Days, NaiveDate};

use super::directory::{self, Known};
use super::{Actor, Answer, Context, Reply, Said, UserError};
use crate::domain::rotation::{RosterAction, RosterChange, assign};
use crate::messages::Message;
use crate::messages::rotation::Rotation;
use crate::messages::sessions::Sessions;

/// The roster's keys in turn order. A roster stored by an older version
/// (display names) reads as the config people whose `display` it names.
pub fn roster(ctx: &Context) -> Result<Vec<String>, UserError> {
    let stored: Vec<String> = match ctx.log.roster(&ctx.meeting.id) {
        Ok(Some(roster)) => roster,
        Ok(None) => ctx.meeting.facilitators.clone(),
        Err(crate::store::StoreError::Corrupt(error)) => {
            return Err(UserError(
                Sessions::RosterDamaged { error: &error }.say(ctx.language),
            ));
        }
        Err(other) => return Err(other).said(ctx.language),
    };
    let mut roster: Vec<String> = Vec::with_capacity(stored.len());
    for entry in stored {
        let key = directory::canonical(ctx, &entry);
        if !roster.contains(&key) {
            roster.push(key);
        }
    }
    Ok(roster)
}

fn save_roster(ctx: &Context, roster: &[String]) -> Result<(), UserError> {
    ctx.log
        .set_roster(&ctx.meeting.id, roster)
        .said(ctx.language)?;
    Ok(())
}

/// Each roster entry's team, when the directory gives one.
fn teams(ctx: &Context, roster: &[String]) -> Result<Vec<Option<String>>, UserError> {
    roster
        .iter()
        .map(|key| Ok(directory::by_key(ctx, key)?.and_then(|k| k.team)))
        .collect()
}

/// Gives every held session of the next `weeks` weeks a facilitator, without
/// touching those that have one. Returns the new assignments.
pub fn ensure_assigned(ctx: &Context, weeks: u64) -> Result<Vec<(NaiveDate, String)>, UserError> {
    let assigned = planned_assignments(ctx, weeks)?;
    record_assignments(ctx, &assigned)?;
    Ok(assigned)
}

/// Who would facilitate each held session of the next `weeks` weeks that has
/// nobody yet, in turn; writes nothing.
pub fn planned_assignments(
    ctx: &Context,
    weeks: u64,
) -> Result<Vec<(NaiveDate, String)>, UserError> {
    let roster = roster(ctx)?;
    if roster.is_empty() {
        return Ok(Vec::new());
    }
    let (history, upcoming) = turns(ctx, weeks)?;
    let teams = teams(ctx, &roster)?;
    let history: Vec<(NaiveDate, Option<String>)> = history
        .into_iter()
        .map(|(d, f)| (d, f.map(|f| directory::canonical(ctx, &f))))
        .collect();
    Ok(assign(&roster, &teams, &history, &upcoming))
}

/// Stores planned assignments. A session someone was given in the meantime
/// (a `/rotation swap` between plan and write) keeps its facilitator.
pub fn record_assignments(
    ctx: &Context,
    assigned: &[(NaiveDate, String)],
) -> Result<(), UserError> {
    for (date, person) in assigned {
        ctx.log
            .update_session(&ctx.meeting.id, *date, &mut |session| {
                if session.facilitator.is_none() {
                    session.facilitator = Some(person.clone());
                }
                Ok(())
            })
            .said(ctx.language)?;
    }
    Ok(())
}

/// Every held session with its facilitator (if any), and the dates still to assign.
type Turns = (Vec<(NaiveDate, Option<String>)>, Vec<NaiveDate>);

/// Held sessions from the first one to `weeks` ahead with their facilitators,
/// and the upcoming ones (not started yet).
fn turns(ctx: &Context, weeks: u64) -> Result<Turns, UserError> {
    let first = ctx.meeting.rule.first_session;
    let until = ctx
        .today()
        .checked_add_days(Days::new(weeks * 7))
        .unwrap_or(ctx.today());
    let span = ((until - first).num_days().max(0) as u64) / 7 + 1;
    let sessions = ctx.log.sessions(Some(&ctx.meeting.id)).said(ctx.language)?;
    let mut history = Vec::new();
    let mut upcoming = Vec::new();
    for o in ctx
        .occurrences(first, span)?
        .into_iter()
        .filter(|o| o.is_held() && o.date <= until)
    {
        let facilitator = sessions
            .iter()
            .find(|s| s.date == o.date)
            .and_then(|s| s.facilitator.clone());
        if o.start > ctx.now && facilitator.is_none() {
            upcoming.push(o.date);
        }
        history.push((o.date, facilitator));
    }
    Ok((history, upcoming))
}

pub fn join(ctx: &Context, actor: &Actor) -> Answer {
    let mut roster = roster(ctx)?;
    let me = directory::enroll(ctx, actor)?;
    if roster.contains(&me.key) {
        return Err(UserError(Rotation::AlreadyIn.say(ctx.language)));
    }
    roster.push(me.key.clone());
    save_roster(ctx, &roster)?;
    Ok(Reply::public(
        Rotation::Joined {
            name: &me.display,
            people: roster.len(),
        }
        .say(ctx.language),
    ))
}

fn not_in_rotation(ctx: &Context) -> UserError {
    UserError(Rotation::NotIn.say(ctx.language))
}

pub fn leave(ctx: &Context, actor: &Actor) -> Answer {
    let mut roster = roster(ctx)?;
    let me = directory::who(ctx, actor)?.ok_or_else(|| not_in_rotation(ctx))?;
    let before = roster.len();
    roster.retain(|key| key != &me.key);
    if roster.len() == before {
        return Err(not_in_rotation(ctx));
    }
    save_roster(ctx, &roster)?;
    Ok(Reply::private(Rotation::Left.say(ctx.language)))
}

pub fn show(ctx: &Context) -> Answer {
    let roster = roster(ctx)?;
    let (history, _) = turns(ctx, 8)?;
    let upcoming: Vec<String> = history
        .iter()
        .filter(|(d, _)| *d >= ctx.today())
        .take(8)
        .map(|(d, f)| {
            let who = f
                .as_deref()
                .map_or_else(|| "-".into(), |f| directory::display(ctx, f));
            format!("- {}: {who}", crate::messages::dates::day(*d, ctx.language))
        })
        .collect();
    let members = if roster.is_empty() {
        "-".to_string()
    } else {
        roster
            .iter()
            .map(|key| directory::display(ctx, key))
            .collect::<Vec<_>>()
            .join(" → ")
    };
    Ok(Reply::public(
        Rotation::Roster {
            members: &members,
            upcoming: &upcoming.join("\n"),
        }
        .say(ctx.language),
    ))
}

/// Trades the facilitators of two upcoming sessions: the two facilitators
/// themselves (recognised by their Discord id), or anyone with the facilitator role.
pub fn swap(ctx: &Context, actor: &Actor, a: NaiveDate, b: NaiveDate) -> Answer {
    ctx.held_on(a)?;
    ctx.held_on(b)?;
    let who = |date| -> Result<Option<String>, UserError> {
        Ok(ctx
            .log
            .session(&ctx.meeting.id, date)
            .said(ctx.language)?
            .and_then(|s| s.facilitator))
    };
    let (fa, fb) = (who(a)?, who(b)?);
    let me = directory::who(ctx, actor)?.map(|k| k.key);
    let is_me = |f: &Option<String>| {
        me.is_some() && f.as_deref().map(|f| directory::canonical(ctx, f)) == me
    };
    if !(is_me(&fa) || is_me(&fb) || actor.is_facilitator) {
        return Err(UserError(Rotation::OnlyFacilitatorsSwap.say(ctx.language)));
    }
    for (date, person) in [(a, fb.clone()), (b, fa.clone())] {
        ctx.log
            .update_session(&ctx.meeting.id, date, &mut |session| {
                session.facilitator = person.clone();
                Ok(())
            })
            .said(ctx.language)?;
    }
    let show = |p: &Option<String>| {
        p.as_deref()
            .map_or_else(|| "-".into(), |p| directory::display(ctx, p))
    };
    Ok(Reply::public(
        Rotation::Swapped {
            a,
            now_a: &show(&fb),
            b,
            now_b: &show(&fa),
        }
        .say(ctx.language),
    ))
}

/// Only holders of the meeting's facilitator role manage the roster for others.
fn require_manager(ctx: &Context, actor: &Actor) -> Result<(), UserError> {
    if actor.is_facilitator {
        return Ok(());
    }
    Err(UserError(Rotation::OnlyRoleEdits.say(ctx.language)))
}

/// Keeps who changed the roster, and how, in the store: one change after
/// another, never overwriting one (`FactLog::append_roster_change`).
fn log_change(
    ctx: &Context,
    actor: &Actor,
    action: RosterAction,
    person: &Known,
    position: Option<usize>,
) -> Result<(), UserError> {
    let change = RosterChange {
        at: ctx.now,
        by: actor.id.clone(),
        action,
        person: person.key.clone(),
        position,
    };
    ctx.log
        .append_roster_change(&ctx.meeting.id, &change)
        .said(ctx.language)?;
    tracing::info!(meeting = %ctx.meeting.id, by = %actor.id, ?action, person = %person.key, ?position, "roster changed");
    Ok(())
}

/// The roster's changes, oldest first.
pub fn roster_log(ctx: &Context) -> Result<Vec<RosterChange>, UserError> {
    ctx.log.roster_changes(&ctx.meeting.id).said(ctx.language)
}

/// `/rotation add`: puts a member at the end of the roster.
pub fn add(ctx: &Context, actor: &Actor, member: &Actor) -> Answer {
    require_manager(ctx, actor)?;
    let mut roster = roster(ctx)?;
    let person = directory::enroll(ctx, member)?;
    if roster.contains(&person.key) {
        return Err(UserError(
            Rotation::MemberAlreadyIn {
                name: &person.display,
            }
            .say(ctx.language),
        ));
    }
    roster.push(person.key.clone());
    save_roster(ctx, &roster)?;
    log_change(ctx, actor, RosterAction::Add, &person, Some(roster.len()))?;
    Ok(Reply::private(
        Rotation::MemberAdded {
            name: &person.display,
            position: roster.len(),
        }
        .say(ctx.language),
    ))
}

/// The roster entry of `member` and its index, or why there is none.
fn find(ctx: &Context, roster: &[String], member: &Actor) -> Result<(Known, usize), UserError> {
    let not_in = || UserError(Rotation::MemberNotIn { name: &member.name }.say(ctx.language));
    let person = directory::who(ctx, member)?.ok_or_else(not_in)?;
    let index = roster
        .iter()
        .position(|key| key == &person.key)
        .ok_or_else(not_in)?;
    Ok((person, index))
}

/// `/rotation remove`: takes a member off the roster; assigned sessions stay.
pub fn remove(ctx: &Context, actor: &Actor, member: &Actor) -> Answer {
    require_manager(ctx, actor)?;
    let roster = roster(ctx)?;
    let found = find(ctx, &roster, member)?;
    remove_found(ctx, actor, roster, found)
}

fn remove_found(
    ctx: &Context,
    actor: &Actor,
    mut roster: Vec<String>,
    (person, index): (Known, usize),
) -> Answer {
    roster.remove(index);
    save_roster(ctx, &roster)?;
    log_change(ctx, actor, RosterAction::Remove, &person, None)?;
    Ok(Reply::private(
        Rotation::MemberRemoved {
            name: &person.display,
        }
        .say(ctx.language),
    ))
}

/// Who `/rotation remove` takes off: a Discord member, or a roster entry by
/// name (a `[[person]]` without a Discord id, or a name an older version stored).
pub enum Target {
    Member(Actor),
    Entry(String),
}

/// The roster entry `name` names: its key as is, the key of the person
/// whose `display` it is, else the entry some person is shown as.
fn find_entry(ctx: &Context, roster: &[String], name: &str) -> Result<(Known, usize), UserError> {
    let name = name.trim();
    let wanted = directory::canonical(ctx, name);
    let index = roster
        .iter()
        .position(|key| key == &wanted)
        .or_else(|| {
            roster
                .iter()
                .position(|key| directory::display(ctx, key) == name)
        })
        .ok_or_else(|| UserError(Rotation::MemberNotIn { name }.say(ctx.language)))?;
    let key = &roster[index];
    let person = directory::by_key(ctx, key)?.unwrap_or_else(|| Known {
        key: key.clone(),
        display: directory::display(ctx, key),
        team: None,
    });
    Ok((person, index))
}

/// The roster's entries as `(key, display)`, in turn order, those whose key
/// or display contains `partial` (case ignored): what `/rotation remove name:`
/// offers while it is typed.
pub fn entries_matching(ctx: &Context, partial: &str) -> Result<Vec<(String, String)>, UserError> {
    let partial = partial.trim().to_lowercase();
    Ok(roster(ctx)?
        .into_iter()
        .map(|key| {
            let shown = directory::display(ctx, &key);
            (key, shown)
        })
        .filter(|(key, shown)| {
            key.to_lowercase().contains(&partial) || shown.to_lowercase().contains(&partial)
        })
        .collect())
}

/// `/rotation remove person:` or `name:`, whichever was given.
pub fn remove_target(ctx: &Context, actor: &Actor, target: &Target) -> Answer {
    match target {
        Target::Member(member) => remove(ctx, actor, member),
        Target::Entry(name) => {
            require_manager(ctx, actor)?;
            let roster = roster(ctx)?;
            let found = find_entry(ctx, &roster, name)?;
            remove_found(ctx, actor, roster, found)
        }
    }
}

/// `/rotation move`: puts a member at `position` (1 = first) in the turn order.
pub fn move_to(ctx: &Context, actor: &Actor, member: &Actor, position: usize) -> Answer {
    require_manager(ctx, actor)?;
    let mut roster = roster(ctx)?;
    let (person, index) = find(ctx, &roster, member)?;
    if position == 0 || position > roster.len() {
        return Err(UserError(
            Rotation::PositionOutOfRange { last: roster.len() }.say(ctx.language),
        ));
    }
    let key = roster.remove(index);
    roster.insert(position - 1, key);
    save_roster(ctx, &roster)?;
    log_change(ctx, actor, RosterAction::Move, &person, Some(position))?;
    let order = roster
        .iter()
        .map(|key| directory::display(ctx, key))
        .collect::<Vec<_>>()
        .join(" → ");
    Ok(Reply::private(
        Rotation::MemberMoved {
            name: &person.display,
            position,
            order: &order,
        }
        .say(ctx.language),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::{facilitator, fixture, person};
    use crate::store::SessionStore as _;

    #[test]
    fn joining_assigns_upcoming_sessions_in_turn_and_swaps_trade_them() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        join(&ctx, &person("1")).unwrap();
        join(&ctx, &person("2")).unwrap();
        let assigned = ensure_assigned(&ctx, 3).unwrap();
        let who: Vec<&str> = assigned.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(who, ["discord-1", "discord-2", "discord-1"]);
        assert!(
            ensure_assigned(&ctx, 3).unwrap().is_empty(),
            "already assigned stays"
        );
        let (a, b) = (assigned[0].0, assigned[1].0);
        swap(&ctx, &person("1"), a, b).unwrap();
        assert_eq!(
            f.log
                .session("weekly", a)
                .unwrap()
                .unwrap()
                .facilitator
                .as_deref(),
            Some("discord-2")
        );
        assert!(
            swap(&ctx, &person("9"), a, b).is_err(),
            "outsiders cannot swap"
        );
        leave(&ctx, &person("1")).unwrap();
        let later = ensure_assigned(&ctx, 6).unwrap();
        assert!(later.iter().all(|(_, p)| p == "discord-2"), "{later:?}");
        let shown = show(&ctx).unwrap().text;
        assert!(shown.contains("Rotation: user2\n"), "{shown}");
    }

    #[test]
    fn a_member_renamed_as_someone_else_cannot_swap_their_session() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        join(&ctx, &person("1")).unwrap();
        join(&ctx, &person("2")).unwrap();
        let assigned = ensure_assigned(&ctx, 3).unwrap();
        let (a, b) = (assigned[0].0, assigned[2].0);
        let impostor = Actor {
            name: "user1".into(),
            ..person("9")
        };
        assert!(swap(&ctx, &impostor, a, assigned[1].0).is_err());
        let renamed = Actor {
            name: "someone new".into(),
            ..person("1")
        };
        swap(&ctx, &renamed, a, assigned[1].0).unwrap();
        assert!(leave(&ctx, &impostor).is_err());
        let _ = b;
    }

    #[test]
    fn facilitators_add_move_and_remove_members_and_each_change_is_logged() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        let refused = add(&ctx, &person("1"), &person("2")).unwrap_err();
        assert!(refused.0.contains("facilitator role"), "{refused}");
        assert!(roster(&ctx).unwrap().is_empty(), "nothing changed");
        let lead = facilitator("7");
        add(&ctx, &lead, &person("2")).unwrap();
        add(&ctx, &lead, &person("3")).unwrap();
        assert!(add(&ctx, &lead, &person("3")).is_err(), "already in");
        let moved = move_to(&ctx, &lead, &person("3"), 1).unwrap();
        assert!(moved.ephemeral);
        assert!(moved.text.contains("user3 → user2"), "{}", moved.text);
        assert!(move_to(&ctx, &lead, &person("3"), 3).is_err());
        remove(&ctx, &lead, &person("2")).unwrap();
        assert_eq!(roster(&ctx).unwrap(), ["discord-3"]);
        assert!(remove(&ctx, &lead, &person("2")).is_err());
        let log = roster_log(&ctx).unwrap();
        let actions: Vec<RosterAction> = log.iter().map(|e| e.action).collect();
        use RosterAction::{Add, Move, Remove};
        assert_eq!(actions, [Add, Add, Move, Remove], "{log:?}");
        assert!(log.iter().all(|e| e.by == "7"));
    }

    #[test]
    fn a_facilitator_removes_an_entry_without_a_discord_id_by_name_and_it_is_logged() {
        let f = fixture("2026-11-29T00:00:00Z")
            .with_config("[[person]]\nname = \"suzuki\"\ndisplay = \"鈴木\"\n");
        let ctx = f.ctx();
        ctx.log
            .set_roster(
                "weekly",
                &["suzuki".into(), "old friend".into(), "discord-5".into()],
            )
            .unwrap();
        let offered = entries_matching(&ctx, "鈴").unwrap();
        assert_eq!(offered, [("suzuki".to_string(), "鈴木".to_string())]);
        assert_eq!(entries_matching(&ctx, "").unwrap().len(), 3);
        let by_name = Target::Entry("suzuki".into());
        let refused = remove_target(&ctx, &person("1"), &by_name).unwrap_err();
        assert!(refused.0.contains("facilitator role"), "{refused}");
        assert_eq!(roster(&ctx).unwrap().len(), 3, "nothing changed");
        let lead = facilitator("7");
        let done = remove_target(&ctx, &lead, &by_name).unwrap();
        assert!(done.ephemeral);
        assert!(done.text.contains("Removed 鈴木"), "{}", done.text);
        remove_target(&ctx, &lead, &Target::Entry(" old friend ".into())).unwrap();
        let missing = remove_target(&ctx, &lead, &Target::Entry("nobody".into())).unwrap_err();
        assert!(
            missing.0.contains("nobody is not in the rotation"),
            "{missing}"
        );
        directory::enroll(&ctx, &person("5")).unwrap();
        remove_target(&ctx, &lead, &Target::Member(person("5"))).unwrap();
        assert!(roster(&ctx).unwrap().is_empty());
        let log = roster_log(&ctx).unwrap();
        let removed: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e.person.as_str(), e.by.as_str()))
            .collect();
        assert_eq!(
            removed,
            [("suzuki", "7"), ("old friend", "7"), ("discord-5", "7")]
        );
    }

    #[test]
    fn a_roster_stored_with_display_names_reads_as_the_people_of_the_config() {
        let f = fixture("2026-11-29T00:00:00Z")
            .with_config("[[person]]\nname = \"sato\"\ndisplay = \"佐藤\"\ndiscord_id = \"11\"\n");
        let ctx = f.ctx();
        ctx.log
            .set_roster("weekly", &["佐藤".into(), "old friend".into()])
            .unwrap();
        assert_eq!(roster(&ctx).unwrap(), ["sato", "old friend"]);
        leave(&ctx, &person("11")).unwrap();
        assert_eq!(roster(&ctx).unwrap(), ["old friend"]);
    }
}
