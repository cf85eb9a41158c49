//! `/rotation join|leave|show|swap` and keeping upcoming sessions assigned.
//! The roster starts from the config and lives in the store once changed.

use chrono::{Days, NaiveDate};

use super::{Actor, Answer, Context, Reply, UserError, say};
use crate::domain::rotation::assign;

fn roster_key(meeting: &str) -> String {
    format!("roster/{meeting}")
}

pub fn roster(ctx: &Context) -> Result<Vec<String>, UserError> {
    match ctx.log.marker(&roster_key(&ctx.meeting.id))? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| UserError(format!("the stored roster is damaged: {e}"))),
        None => Ok(ctx.meeting.facilitators.clone()),
    }
}

fn save_roster(ctx: &Context, roster: &[String]) -> Result<(), UserError> {
    let json = serde_json::to_string(roster).map_err(|e| UserError(e.to_string()))?;
    ctx.log
        .set_marker(&roster_key(&ctx.meeting.id), Some(&json))?;
    Ok(())
}

/// Gives every held session of the next `weeks` weeks a facilitator, without
/// touching those that have one. Returns the new assignments.
pub fn ensure_assigned(ctx: &Context, weeks: u64) -> Result<Vec<(NaiveDate, String)>, UserError> {
    let roster = roster(ctx)?;
    if roster.is_empty() {
        return Ok(Vec::new());
    }
    let (history, upcoming) = turns(ctx, weeks)?;
    let assigned = assign(&roster, &history, &upcoming);
    for (date, person) in &assigned {
        ctx.log
            .update_session(&ctx.meeting.id, *date, &mut |session| {
                if session.facilitator.is_none() {
                    session.facilitator = Some(person.clone());
                }
                Ok(())
            })?;
    }
    Ok(assigned)
}

/// Held sessions from the first one to `weeks` ahead with their facilitators,
/// and the upcoming ones (not started yet).
/// Every held session with its facilitator (if any), and the dates still to assign.
type Turns = (Vec<(NaiveDate, Option<String>)>, Vec<NaiveDate>);

fn turns(ctx: &Context, weeks: u64) -> Result<Turns, UserError> {
    let first = ctx.meeting.rule.first_session;
    let until = ctx
        .today()
        .checked_add_days(Days::new(weeks * 7))
        .unwrap_or(ctx.today());
    let span = ((until - first).num_days().max(0) as u64) / 7 + 1;
    let sessions = ctx.log.sessions(Some(&ctx.meeting.id))?;
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
    if roster.contains(&actor.name) {
        return Err(UserError(say(
            ctx.language,
            "すでにローテーションに入っています",
            "you are already in the rotation",
        )));
    }
    roster.push(actor.name.clone());
    save_roster(ctx, &roster)?;
    Ok(Reply::public(say(
        ctx.language,
        format!(
            "{} さんがファシリテーターのローテーションに加わりました（{}人）。ありがとうございます！",
            actor.name,
            roster.len()
        ),
        format!(
            "{} joined the facilitator rotation ({} people). Thank you!",
            actor.name,
            roster.len()
        ),
    )))
}

pub fn leave(ctx: &Context, actor: &Actor) -> Answer {
    let mut roster = roster(ctx)?;
    let before = roster.len();
    roster.retain(|n| n != &actor.name);
    if roster.len() == before {
        return Err(UserError(say(
            ctx.language,
            "ローテーションに入っていません",
            "you are not in the rotation",
        )));
    }
    save_roster(ctx, &roster)?;
    Ok(Reply::private(say(
        ctx.language,
        "ローテーションから外れました。すでに決まっている回はそのままです（/rotation swap で交代できます）。",
        "You left the rotation. Sessions already assigned stay as they are (trade them with /rotation swap).",
    )))
}

pub fn show(ctx: &Context) -> Answer {
    let roster = roster(ctx)?;
    let (history, _) = turns(ctx, 8)?;
    let upcoming: Vec<String> = history
        .iter()
        .filter(|(d, _)| *d >= ctx.today())
        .take(8)
        .map(|(d, f)| format!("- {d}: {}", f.as_deref().unwrap_or("-")))
        .collect();
    let members = if roster.is_empty() {
        "-".to_string()
    } else {
        roster.join(" → ")
    };
    Ok(Reply::public(say(
        ctx.language,
        format!(
            "ローテーション: {members}\n今後の担当:\n{}",
            upcoming.join("\n")
        ),
        format!("Rotation: {members}\nComing up:\n{}", upcoming.join("\n")),
    )))
}

/// Trades the facilitators of two upcoming sessions: the two facilitators
/// themselves, or anyone with the facilitator role.
pub fn swap(ctx: &Context, actor: &Actor, a: NaiveDate, b: NaiveDate) -> Answer {
    ctx.held_on(a)?;
    ctx.held_on(b)?;
    let who = |date| -> Result<Option<String>, UserError> {
        Ok(ctx
            .log
            .session(&ctx.meeting.id, date)?
            .and_then(|s| s.facilitator))
    };
    let (fa, fb) = (who(a)?, who(b)?);
    let involved =
        fa.as_deref() == Some(actor.name.as_str()) || fb.as_deref() == Some(actor.name.as_str());
    if !involved && !actor.is_facilitator {
        return Err(UserError(say(
            ctx.language,
            "交代できるのは担当者本人かファシリテーターロールの人です",
            "only the two facilitators or someone with the facilitator role can swap",
        )));
    }
    for (date, person) in [(a, fb.clone()), (b, fa.clone())] {
        ctx.log
            .update_session(&ctx.meeting.id, date, &mut |session| {
                session.facilitator = person.clone();
                Ok(())
            })?;
    }
    let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "-".into());
    Ok(Reply::public(say(
        ctx.language,
        format!("交代しました: {a} は {}、{b} は {}", show(&fb), show(&fa)),
        format!(
            "Swapped: {a} is now {}, {b} is now {}",
            show(&fb),
            show(&fa)
        ),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::{fixture, person};
    use crate::store::SessionLog;

    #[test]
    fn joining_assigns_upcoming_sessions_in_turn_and_swaps_trade_them() {
        let f = fixture("2026-11-29T00:00:00Z");
        let ctx = f.ctx();
        join(&ctx, &person("1")).unwrap();
        join(&ctx, &person("2")).unwrap();
        let assigned = ensure_assigned(&ctx, 3).unwrap();
        let who: Vec<&str> = assigned.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(who, ["user1", "user2", "user1"]);
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
            Some("user2")
        );
        assert!(
            swap(&ctx, &person("9"), a, b).is_err(),
            "outsiders cannot swap"
        );
        leave(&ctx, &person("1")).unwrap();
        let later = ensure_assigned(&ctx, 6).unwrap();
        assert!(later.iter().all(|(_, p)| p == "user2"), "{later:?}");
    }
}
