//! `/action`: prevention actions added, closed and listed, and the owner's
//! own reminders. Anyone may add; the owner and facilitators may close.

use super::{Actor, Answer, Context, Reply, Said, UserError, directory};
use crate::chat::{CUSTOM_ID_PREFIX, ChatButton};
use crate::domain::actions::{
    Action, ActionState, ActionStatus, action_id, in_follow_up_order, is_web_link,
};
use crate::domain::date_input::Toward;
use crate::domain::tracker_links::Tracker;
use crate::messages::Message as _;
use crate::messages::actions::ActionText;
use crate::store::StoreError;

/// Lines of `/action list`: a Discord message stays short.
pub const LIST_LINES: usize = 15;

/// Who owns a new action.
#[derive(Debug, Clone)]
pub enum Owner {
    /// The Discord member asking (the default).
    Asker,
    /// Another Discord member, chosen with the `owner` option.
    Member(Actor),
    /// A `[[person]]` name, or someone outside the directory, by name.
    Named(String),
}

#[derive(Debug, Clone)]
pub struct NewAction {
    pub title: String,
    pub owner: Owner,
    /// As typed: `12/24`, `来週`, `2026-12-24`.
    pub due: Option<String>,
    pub postmortem: Option<String>,
    pub link: Option<String>,
}

fn refused(ctx: &Context, text: ActionText) -> UserError {
    UserError(text.say(ctx.language))
}

/// The owner as stored: a directory key (and Discord id) for a member, a
/// configured person's key, or the name as written.
fn owner_of(
    ctx: &Context,
    actor: &Actor,
    owner: Owner,
) -> Result<(String, Option<String>), UserError> {
    let member = match owner {
        Owner::Asker => actor.clone(),
        Owner::Member(member) => member,
        Owner::Named(name) => {
            let name = name.trim().to_string();
            let key = directory::canonical(ctx, &name);
            return Ok(match ctx.people.by_name(&key) {
                Some(person) => (person.name.clone(), None),
                None => (name, None),
            });
        }
    };
    let known = directory::enroll(ctx, &member)?;
    Ok((known.key, Some(member.id)))
}

fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

pub fn add(ctx: &Context, actor: &Actor, new: NewAction) -> Answer {
    let today = ctx.today();
    let due = ctx.date_option(new.due.as_deref(), Toward::Upcoming)?;
    if let Some(due) = due
        && due < today
    {
        return Err(refused(ctx, ActionText::DueBeforeToday { due, today }));
    }
    let link = optional(new.link);
    if let Some(link) = &link
        && !is_web_link(link)
    {
        return Err(refused(ctx, ActionText::BadLink { link }));
    }
    let postmortem = optional(new.postmortem);
    if let Some(id) = &postmortem
        && ctx.log.postmortem(id).said(ctx.language)?.is_none()
    {
        return Err(refused(ctx, ActionText::UnknownPostmortem { id }));
    }
    let title = new.title.trim().to_string();
    let id = action_id(&ctx.meeting.id, today, &title);
    if ctx.log.action(&id).said(ctx.language)?.is_some() {
        return Err(refused(
            ctx,
            ActionText::Duplicate {
                title: &title,
                id: &id,
            },
        ));
    }
    let (owner, owner_id) = owner_of(ctx, actor, new.owner)?;
    let action = Action {
        id,
        meeting: ctx.meeting.id.clone(),
        title,
        owner,
        owner_id,
        due,
        status: ActionStatus::Open,
        link,
        postmortem,
        created: today,
        closed: None,
        note: None,
        closed_by: None,
    };
    action
        .validate()
        .map_err(|e| UserError(e.say(ctx.language)))?;
    ctx.log.put_action(&action).said(ctx.language)?;
    Ok(Reply::public(
        ActionText::Added {
            title: &action.title,
            id: &action.id,
            owner: &directory::display(ctx, &action.owner),
            due: action.due,
            today,
        }
        .say(ctx.language),
    ))
}

/// Whether `actor` may close `action`: its owner, or a facilitator.
fn may_close(ctx: &Context, actor: &Actor, action: &Action) -> Result<bool, UserError> {
    if actor.is_facilitator || action.owner_id.as_deref() == Some(actor.id.as_str()) {
        return Ok(true);
    }
    Ok(directory::who(ctx, actor)?.is_some_and(|known| known.key == action.owner))
}

/// `/action done` and `/action drop`, and 「完了にする」 in a live session.
pub fn close(
    ctx: &Context,
    actor: &Actor,
    id: &str,
    status: ActionStatus,
    reason: Option<String>,
) -> Answer {
    let id = id.trim();
    let action = ctx
        .log
        .action(id)
        .said(ctx.language)?
        .filter(|a| a.meeting == ctx.meeting.id)
        .ok_or_else(|| refused(ctx, ActionText::NotFound { id }))?;
    if !action.is_open() {
        return Err(refused(
            ctx,
            ActionText::AlreadyClosed {
                title: &action.title,
                state: action.state(ctx.today()),
            },
        ));
    }
    if !may_close(ctx, actor, &action)? {
        return Err(refused(
            ctx,
            ActionText::NotYours {
                title: &action.title,
                owner: &directory::display(ctx, &action.owner),
            },
        ));
    }
    let reason = optional(reason);
    let today = ctx.today();
    let (action, changed) = match ctx
        .log
        .update_action(id, &mut |a| a.close(status, today, reason.clone()))
    {
        Err(StoreError::NotFound { .. }) => {
            return Err(refused(ctx, ActionText::NotFound { id }));
        }
        other => other.said(ctx.language)?,
    };
    if !changed {
        return Err(refused(
            ctx,
            ActionText::AlreadyClosed {
                title: &action.title,
                state: action.state(today),
            },
        ));
    }
    tracing::info!(action = %action.id, by = %actor.id, status = status.code(), "action closed in Discord");
    let text = match status {
        ActionStatus::Dropped => ActionText::Dropped {
            title: &action.title,
            reason: reason.as_deref(),
        },
        _ => ActionText::Done {
            title: &action.title,
        },
    };
    Ok(Reply::public(text.say(ctx.language)))
}

/// One action as a line people read: title, owner's display, due date, state.
pub fn line(ctx: &Context, action: &Action) -> String {
    let today = ctx.today();
    ActionText::Line {
        title: &action.title,
        owner: &directory::display(ctx, &action.owner),
        due: action.due,
        state: action.state(today),
        today,
        closed_by: closed_by_name(action),
    }
    .say(ctx.language)
}

/// The tracker that closed `action`, by name.
pub(crate) fn closed_by_name(action: &Action) -> Option<&'static str> {
    Tracker::from_code(action.closed_by.as_deref()?).map(Tracker::name)
}

/// `/action list`: open actions (overdue first), or all with `all`; only the
/// asker's with `mine`. Answered only to the asker.
pub fn list(ctx: &Context, actor: &Actor, mine: bool, all: bool) -> Answer {
    let today = ctx.today();
    let me = directory::who(ctx, actor)?.map(|k| k.key);
    let actions = ctx.log.actions(Some(&ctx.meeting.id)).said(ctx.language)?;
    let is_mine = |a: &&Action| {
        a.owner_id.as_deref() == Some(actor.id.as_str()) || me.as_deref() == Some(&a.owner)
    };
    let wanted = |a: &&Action| !mine || is_mine(a);
    let mut shown: Vec<&Action> = in_follow_up_order(actions.iter().filter(wanted), today);
    if all {
        let mut closed: Vec<&Action> = actions
            .iter()
            .filter(|a| !a.is_open())
            .filter(wanted)
            .collect();
        closed.sort_by_key(|a| std::cmp::Reverse((a.closed, a.created)));
        shown.extend(closed);
    }
    if shown.is_empty() {
        return Ok(Reply::private(
            ActionText::ListEmpty { mine, all }.say(ctx.language),
        ));
    }
    let mut text = ActionText::ListHeader {
        count: shown.len(),
        mine,
        all,
    }
    .say(ctx.language);
    for action in shown.iter().take(LIST_LINES) {
        text += &format!(
            "\n- {} {}",
            line(ctx, action),
            ActionText::LineId { id: &action.id }.say(ctx.language)
        );
    }
    if shown.len() > LIST_LINES {
        text += &format!(
            "\n{}",
            ActionText::More {
                count: shown.len() - LIST_LINES
            }
            .say(ctx.language)
        );
    }
    Ok(Reply::private(text))
}

/// Open actions of the meeting whose title or id holds `partial`, as (id,
/// line), overdue first: what `/action done` and `/action drop` offer.
pub fn open_matching(ctx: &Context, partial: &str) -> Result<Vec<(String, String)>, UserError> {
    let partial = partial.trim().to_lowercase();
    let actions = ctx.log.actions(Some(&ctx.meeting.id)).said(ctx.language)?;
    Ok(in_follow_up_order(&actions, ctx.today())
        .into_iter()
        .filter(|a| a.title.to_lowercase().contains(&partial) || a.id.contains(&partial))
        .map(|a| (a.id.clone(), line(ctx, a)))
        .collect())
}

/// `/action remind on|off`: one DM the day before each of the asker's due dates.
pub fn set_reminders(ctx: &Context, actor: &Actor, on: bool) -> Answer {
    ctx.log
        .set_wants_action_reminders(&actor.id, on)
        .said(ctx.language)?;
    Ok(Reply::private(
        if on {
            ActionText::RemindersOn
        } else {
            ActionText::RemindersOff
        }
        .say(ctx.language),
    ))
}

/// Titles of the meeting's actions marked done on `date`: what the
/// session's summary lists.
pub fn done_on(ctx: &Context, date: chrono::NaiveDate) -> Result<Vec<String>, UserError> {
    let actions = ctx.log.actions(Some(&ctx.meeting.id)).said(ctx.language)?;
    Ok(actions
        .into_iter()
        .filter(|a| a.status == ActionStatus::Done && a.closed == Some(date))
        .map(|a| a.title)
        .collect())
}

/// The buttons of the run-of-show's follow-up: one per action, up to this many.
const FOLLOW_UP_BUTTONS: usize = 5;
/// Lines of the follow-up; more are counted, `/action list` shows them.
const FOLLOW_UP_LINES: usize = 8;
/// Room kept for the "… and N more" line.
const MORE_LINE_CHARS: usize = 20;

/// The custom id of 「完了: …」 under the run-of-show.
pub fn done_button_id(meeting: &str, id: &str) -> String {
    format!("{CUSTOM_ID_PREFIX}action:{meeting}:done:{id}")
}

/// The inverse of [`done_button_id`]: the meeting and the action's id.
pub fn parse_done_button(custom_id: &str) -> Option<(&str, &str)> {
    let rest = custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)?
        .strip_prefix("action:")?;
    let (meeting, id) = rest.split_once(":done:")?;
    Some((meeting, id))
}

/// The run-of-show's 「再発防止アクション」 for the session of `date` in at
/// most `budget` characters (the run-of-show is one Discord message): the
/// section's text (`None` when nothing is overdue or due that week), and a
/// 「完了」 button for each of the first actions.
pub fn follow_up(
    ctx: &Context,
    date: chrono::NaiveDate,
    budget: usize,
) -> Result<(Option<String>, Vec<ChatButton>), UserError> {
    let actions = ctx.log.actions(Some(&ctx.meeting.id)).said(ctx.language)?;
    let due = crate::domain::actions::to_follow_up(&actions, &ctx.meeting.id, date);
    if due.is_empty() {
        return Ok((None, Vec::new()));
    }
    let mut room = budget.saturating_sub(
        ActionText::FollowUpHeading
            .say(ctx.language)
            .chars()
            .count()
            + MORE_LINE_CHARS,
    );
    let mut lines: Vec<String> = Vec::new();
    for action in due.iter().take(FOLLOW_UP_LINES) {
        let text = match &action.link {
            // In angle brackets: Discord shows the link without a preview.
            Some(link) => format!("{} <{link}>", line(ctx, action)),
            None => line(ctx, action),
        };
        let cost = text.chars().count() + 3;
        if cost > room {
            break;
        }
        room -= cost;
        lines.push(text);
    }
    let text =
        crate::messages::actions::follow_up_section(&lines, due.len() - lines.len(), ctx.language);
    let buttons = due
        .iter()
        .take(FOLLOW_UP_BUTTONS)
        .map(|a| ChatButton {
            custom_id: done_button_id(&ctx.meeting.id, &a.id),
            // Discord caps a button's label at 80 characters.
            label: ActionText::MarkDoneButton {
                title: &a.title.chars().take(60).collect::<String>(),
            }
            .say(ctx.language),
        })
        .collect();
    Ok((Some(text), buttons))
}

/// How many of the meeting's actions the day's announcement counts: overdue,
/// and due within the session's week.
pub fn follow_up_counts(
    actions: &[Action],
    meeting: &str,
    session_date: chrono::NaiveDate,
) -> (usize, usize) {
    let due = crate::domain::actions::to_follow_up(actions, meeting, session_date);
    let overdue = due
        .iter()
        .filter(|a| a.state(session_date) == ActionState::Overdue)
        .count();
    (overdue, due.len() - overdue)
}

#[cfg(test)]
mod tests;
