//! The live session (issue 15): `/session start` opens a thread on the day's
//! announcement and posts the run-of-show there. What the session has done
//! (its thread, the current item, extensions, what was posted) lives in the
//! store, so a restarted daemon continues the same thread and posts nothing twice.

use crate::store::PostKey;
use chrono::NaiveDate;

use super::state::{AppState, Change};
use super::{Actor, Answer, Context, Reply, Said, UserError, session_label};
use crate::chat::{CUSTOM_ID_PREFIX, ChatButton, ChatMessage, ChatPort};
use crate::config::Meeting;
use crate::domain::log::Session;
use crate::domain::run_of_show::{RunOfShow, plan};
use crate::domain::schedule::Occurrence;
use crate::messages::Message as _;
use crate::messages::session::{SessionText, clock, run_of_show};

pub(crate) use crate::domain::live_session::LiveSession;

pub(crate) fn load(uc: &Context, date: NaiveDate) -> Result<Option<LiveSession>, UserError> {
    uc.log.live_session(&uc.meeting.id, date).said(uc.language)
}

pub(super) fn save(uc: &Context, date: NaiveDate, live: &LiveSession) -> Result<(), UserError> {
    uc.log
        .set_live_session(&uc.meeting.id, date, live)
        .said(uc.language)?;
    Ok(())
}

/// An item added while the session of `date` is under way joins its
/// run-of-show at the end; returns its place there, or `None` when no
/// session is under way.
pub(super) fn add_to_running(
    uc: &Context,
    date: NaiveDate,
    id: &str,
) -> Result<Option<usize>, UserError> {
    let Some(mut live) = load(uc, date)?.filter(|live| !live.ended) else {
        return Ok(None);
    };
    if !live.items.iter().any(|i| i == id) {
        live.items.push(id.to_string());
        save(uc, date, &live)?;
    }
    Ok(live.items.iter().position(|i| i == id).map(|p| p + 1))
}

/// `wp:session:<meeting>:<date>:<action>` on the run-of-show.
pub fn button_id(meeting: &str, date: NaiveDate, action: &str) -> String {
    format!("{CUSTOM_ID_PREFIX}session:{meeting}:{date}:{action}")
}

/// A click on the run-of-show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Click {
    Next,
    Extend,
    Learning,
    /// 「始める」 on the day's announcement.
    Start,
}

/// The inverse of [`button_id`]; `None` for anything else.
pub fn parse_button(custom_id: &str) -> Option<(&str, NaiveDate, Click)> {
    let rest = custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)?
        .strip_prefix("session:")?;
    let (rest, action) = rest.rsplit_once(':')?;
    let (meeting, date) = rest.rsplit_once(':')?;
    let click = match action {
        "next" => Click::Next,
        "extend" => Click::Extend,
        "learning" => Click::Learning,
        "start" => Click::Start,
        _ => return None,
    };
    Some((meeting, date.parse().ok()?, click))
}

/// A Discord link to a channel or thread.
pub(super) fn link(guild: u64, channel: u64) -> String {
    format!("https://discord.com/channels/{guild}/{channel}")
}

/// Today's held session, or why there is none.
pub(super) fn today(uc: &Context) -> Result<Occurrence, UserError> {
    let today = uc.today();
    uc.occurrences(today, 1)?
        .into_iter()
        .find(|o| o.date == today && o.is_held())
        .ok_or_else(|| UserError(SessionText::NoSessionToday.say(uc.language)))
}

/// The assigned facilitator's Discord id: a person of the directory, or a
/// member who joined the rotation from Discord (`discord-<id>`).
fn facilitator_id(uc: &Context, session: Option<&Session>) -> Option<u64> {
    let entry = session?.facilitator.as_deref()?;
    let name = uc.people.canonical(entry);
    uc.people
        .by_name(&name)
        .and_then(|p| p.discord_id)
        .or_else(|| name.strip_prefix("discord-")?.parse().ok())
}

/// Today's held occurrence and its session, for `who` to start or end: the
/// assigned facilitator or a facilitator-role holder. Others are told who
/// may, in the words of `refusal`.
pub(super) fn today_led_by(
    uc: &Context,
    who: &Actor,
    refusal: fn(Option<&str>) -> SessionText<'_>,
) -> Result<(Occurrence, Option<Session>), UserError> {
    let occurrence = today(uc)?;
    let session = uc
        .log
        .session(&uc.meeting.id, occurrence.date)
        .said(uc.language)?;
    let assigned = facilitator_id(uc, session.as_ref());
    if who.is_facilitator || assigned.is_some_and(|id| id.to_string() == who.id) {
        return Ok((occurrence, session));
    }
    // Named as people read them: a mention would be a raw id in an ephemeral answer.
    let name = session
        .as_ref()
        .and_then(|s| s.facilitator.as_deref())
        .map(|f| super::directory::display(uc, f));
    Err(UserError(refusal(name.as_deref()).say(uc.language)))
}

/// The plan of `session`: the items the run-of-show was posted with (see
/// [`LiveSession::items`]), before the start its open items, else its proposal.
pub(crate) fn plan_of(
    uc: &Context,
    session: Option<&Session>,
    live: Option<&LiveSession>,
) -> RunOfShow {
    let minutes = u32::try_from(uc.meeting.rule.duration.num_minutes()).unwrap_or(0);
    let posted = live.map(|l| l.items.as_slice()).unwrap_or_default();
    // Presenters as people read them: by display, not by directory key.
    let items: Vec<_> = session
        .map(|s| super::directory::as_shown(uc.people, uc.log, s.clone()))
        .map(|s| {
            if posted.is_empty() {
                s.agenda.into_iter().filter(|i| i.is_open()).collect()
            } else {
                posted
                    .iter()
                    .filter_map(|id| s.agenda.iter().find(|i| &i.id == id).cloned())
                    .collect()
            }
        })
        .unwrap_or_default();
    let proposal = session.and_then(|s| s.proposal.as_ref());
    plan(minutes, &uc.meeting.session, &items, proposal)
}

/// What `/session start` decided, before anything is posted.
pub(crate) enum StartPlan {
    /// Already running (or over): the answer says where.
    Answered(Reply),
    Open(Opening),
}

pub(crate) struct Opening {
    pub date: NaiveDate,
    pub channel: u64,
    pub announcement: Option<u64>,
    pub thread_name: String,
    pub run_of_show: ChatMessage,
    /// The agenda items posted, by id.
    pub items: Vec<String>,
}

/// Decides `/session start` for `who` in the meeting's `channel`.
pub(crate) fn plan_start(
    uc: &Context,
    who: &Actor,
    channel: u64,
    guild: u64,
) -> Result<StartPlan, UserError> {
    let (occurrence, session) =
        today_led_by(uc, who, |who| SessionText::NotAllowedToStart { who })?;
    if let Some(live) = load(uc, occurrence.date)? {
        let text = if live.ended {
            SessionText::Ended.say(uc.language)
        } else {
            SessionText::AlreadyRunning {
                link: &link(guild, live.target),
            }
            .say(uc.language)
        };
        return Ok(StartPlan::Answered(Reply::private(text)));
    }
    let plan = plan_of(uc, session.as_ref(), None);
    let label = session_label(&occurrence, uc.language);
    let date = occurrence.date;
    let text = run_of_show(&label, &plan, &occurrence.start, uc.language);
    // It opens with the prevention actions to follow up, after its heading.
    let budget = crate::chat::MAX_MESSAGE_CHARS.saturating_sub(text.chars().count() + 2);
    let (follow_up, done_buttons) = super::actions::follow_up(uc, date, budget)?;
    let text = match (follow_up, text.split_once('\n')) {
        // Nothing overdue or due this week: the run-of-show says nothing of actions.
        (None, _) => text,
        (Some(follow_up), Some((heading, rest))) => format!("{heading}\n{follow_up}\n\n{rest}"),
        (Some(follow_up), None) => format!("{text}\n{follow_up}"),
    };
    let button = |action: &str, label: SessionText| ChatButton {
        custom_id: button_id(&uc.meeting.id, date, action),
        label: label.say(uc.language),
    };
    Ok(StartPlan::Open(Opening {
        date,
        channel,
        announcement: uc
            .log
            .announcement(&uc.meeting.id, date)
            .said(uc.language)?,
        thread_name: session_label(&occurrence, uc.language),
        items: plan
            .items
            .iter()
            .map(|i| i.id.clone())
            .filter(|id| !id.is_empty())
            .collect(),
        run_of_show: ChatMessage {
            text,
            buttons: vec![
                button("next", SessionText::NextButton),
                button("extend", SessionText::ExtendButton),
                button("learning", SessionText::LearningButton),
            ]
            .into_iter()
            .chain(done_buttons)
            .collect(),
        },
    }))
}

/// `/session start`: decides, then carries it out through the chat port:
/// the thread on the announcement (or, refused, a word in the channel), the
/// state, then the run-of-show under its key. Answers the one who started.
pub(crate) async fn start<C: ChatPort>(
    state: &AppState,
    chat: &C,
    meeting: &Meeting,
    who: &Actor,
    channel: u64,
) -> Answer {
    let language = state.config.daemon.language;
    let guild = state.config.discord.as_ref().map_or(0, |d| d.guild_id.0);
    let opening = match state.with_use_case(meeting, |uc| plan_start(uc, who, channel, guild))? {
        StartPlan::Answered(reply) => return Ok(reply),
        StartPlan::Open(opening) => opening,
    };
    let post = |what: &str| state.log.session_post(&meeting.id, opening.date, what);
    let thread = match opening.announcement {
        Some(message) => match chat
            .create_thread(opening.channel, message, &opening.thread_name)
            .await
        {
            Ok(thread) => Some(thread),
            Err(e) => {
                tracing::warn!("the session's thread was refused: {e:#}");
                let refused = ChatMessage {
                    text: SessionText::ThreadRefused.say(language),
                    buttons: Vec::new(),
                };
                chat.post_once(opening.channel, &refused, post("refused").as_str())
                    .await
                    .map_err(internal)?;
                None
            }
        },
        None => {
            tracing::info!(
                "no announcement recorded for {}: the run-of-show goes to the channel",
                opening.date
            );
            None
        }
    };
    let live = LiveSession {
        target: thread.unwrap_or(opening.channel),
        thread,
        items: opening.items.clone(),
        ..LiveSession::default()
    };
    // Recorded before posting: a restart from here continues in this thread.
    state.with_use_case(meeting, |uc| save(uc, opening.date, &live))?;
    // Its items now wait for it (carry-over), and its clock starts (signals).
    state.changed(Change::Agenda);
    chat.post_once(
        live.target,
        &opening.run_of_show,
        post("run-of-show").as_str(),
    )
    .await
    .map_err(internal)?;
    Ok(Reply::public(
        SessionText::Started {
            link: &link(guild, live.target),
        }
        .say(language),
    ))
}

/// The running session of `date`, or "this session has ended".
pub(super) fn running(uc: &Context, date: NaiveDate) -> Result<LiveSession, UserError> {
    load(uc, date)?
        .filter(|live| !live.ended)
        .ok_or_else(|| UserError(SessionText::Ended.say(uc.language)))
}

/// What a click on 「次へ」 or 「+5分」 posts, decided before posting.
pub(crate) struct Step {
    pub live: LiveSession,
    pub message: ChatMessage,
    pub key: PostKey,
    /// The agenda item 「次へ」 moved past: covered.
    pub covered: Option<String>,
}

/// Decides a click: the new state and the message that says it.
pub(crate) fn plan_click(
    uc: &Context,
    who: &Actor,
    date: NaiveDate,
    click: Click,
) -> Result<Step, UserError> {
    let mut live = running(uc, date)?;
    let session = uc.log.session(&uc.meeting.id, date).said(uc.language)?;
    let plan = plan_of(uc, session.as_ref(), Some(&live));
    let occurrence = uc
        .occurrences(date, 1)?
        .into_iter()
        .find(|o| o.date == date)
        .ok_or_else(|| UserError(SessionText::Ended.say(uc.language)))?;
    let items = plan.items.len();
    live.extensions.resize(items, 0);
    let mut covered = None;
    let text = match click {
        Click::Next => {
            let allowed = who.is_facilitator
                || facilitator_id(uc, session.as_ref()).is_some_and(|id| id.to_string() == who.id);
            if !allowed {
                return Err(UserError(SessionText::NotAllowedNext.say(uc.language)));
            }
            covered = live
                .current
                .checked_sub(1)
                .and_then(|i| plan.items.get(i))
                .map(|item| item.id.clone())
                .filter(|id| !id.is_empty());
            live.current = (live.current + 1).min(items + 1);
            match live.current.checked_sub(1).and_then(|i| plan.items.get(i)) {
                Some(item) => {
                    let until = plan
                        .item_end(&occurrence.start, live.current - 1, &live.extensions)
                        .map(|t| clock(&t))
                        .unwrap_or_default();
                    format!(
                        "{}\n{}",
                        SessionText::NowOn {
                            index: live.current,
                            title: &item.title,
                            until: &until
                        }
                        .say(uc.language),
                        SessionText::Prompts { set: item.prompts }.say(uc.language)
                    )
                }
                _ => SessionText::NowClosing.say(uc.language),
            }
        }
        Click::Extend => {
            let Some(item) = live.current.checked_sub(1).and_then(|i| plan.items.get(i)) else {
                // The opening and the closing are not extended: say so, and what to do.
                let phase = if live.current == 0 {
                    SessionText::NotExtendedOpening
                } else {
                    SessionText::NotExtendedClosing
                };
                return Err(UserError(phase.say(uc.language)));
            };
            live.extensions[live.current - 1] += 5;
            let until = plan
                .item_end(&occurrence.start, live.current - 1, &live.extensions)
                .map(|t| clock(&t))
                .unwrap_or_default();
            SessionText::Extended {
                title: &item.title,
                until: &until,
            }
            .say(uc.language)
        }
        Click::Learning | Click::Start => unreachable!("a form, or the start"),
    };
    let extended: u32 = live.extensions.iter().sum();
    Ok(Step {
        key: uc.log.session_post(
            &uc.meeting.id,
            date,
            &format!("step/{}/{extended}", live.current),
        ),
        message: ChatMessage {
            text,
            buttons: Vec::new(),
        },
        live,
        covered,
    })
}

/// 「次へ」 or 「+5分」: posts the step in the session's place under its key
/// (a retry after a crash posts nothing new), then records the state.
pub(crate) async fn click<C: ChatPort>(
    state: &AppState,
    chat: &C,
    meeting: &Meeting,
    who: &Actor,
    date: NaiveDate,
    click: Click,
) -> Result<(), UserError> {
    let step = state.with_use_case(meeting, |uc| plan_click(uc, who, date, click))?;
    chat.post_once(step.live.target, &step.message, step.key.as_str())
        .await
        .map_err(internal)?;
    state.with_use_case(meeting, |uc| {
        mark_covered(uc, date, step.covered.as_slice())?;
        save(uc, date, &step.live)
    })?;
    if step.covered.is_some() {
        state.changed(Change::Agenda);
    }
    Ok(())
}

/// Marks the agenda items `ids` of `date` as covered, so carry-over leaves them.
pub(super) fn mark_covered(uc: &Context, date: NaiveDate, ids: &[String]) -> Result<(), UserError> {
    if ids.is_empty() {
        return Ok(());
    }
    uc.log
        .update_session(&uc.meeting.id, date, &mut |session| {
            for item in session.agenda.iter_mut().filter(|i| ids.contains(&i.id)) {
                item.done = true;
            }
            Ok(())
        })
        .said(uc.language)?;
    Ok(())
}

/// Whether the session of `date` was started and not ended: its items wait for it.
pub(crate) fn is_running(uc: &Context, date: NaiveDate) -> Result<bool, UserError> {
    Ok(load(uc, date)?.is_some_and(|live| !live.ended))
}

/// The form of 「学びを記録」: refused once the session has ended.
pub(crate) fn check_running(uc: &Context, date: NaiveDate) -> Result<(), UserError> {
    running(uc, date).map(|_| ())
}

/// A learning from the form: recorded for the session, linked to the part on now.
pub(crate) fn add_learning(
    uc: &Context,
    who: &Actor,
    date: NaiveDate,
    text: &str,
    tags: &[String],
) -> Answer {
    let mut live = running(uc, date)?;
    let reply = super::knowledge::add_learning(uc, who, text, tags, Some(date))?;
    live.learnings.push((live.current, text.trim().to_string()));
    save(uc, date, &live)?;
    Ok(reply)
}

/// `/learning add`: for today's session while it runs (no date, or today's),
/// linked to the part on now like the form; otherwise an ordinary learning.
pub(crate) fn add_learning_now(
    uc: &Context,
    who: &Actor,
    text: &str,
    tags: &[String],
    date: Option<NaiveDate>,
) -> Answer {
    let today = uc.today();
    if date.is_none_or(|d| d == today) && is_running(uc, today)? {
        return add_learning(uc, who, today, text, tags);
    }
    super::knowledge::add_learning(uc, who, text, tags, date)
}

pub(super) fn internal(e: anyhow::Error) -> UserError {
    tracing::error!("the live session could not post: {e:#}");
    UserError("Discord did not take the message; the operators have been told in the logs".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::fixture;
    use crate::domain::language::Language;
    use crate::store::SessionStore as _;

    fn actor(id: &str, is_facilitator: bool) -> Actor {
        Actor {
            id: id.into(),
            name: id.into(),
            is_facilitator,
        }
    }

    #[test]
    fn only_the_facilitator_or_a_role_holder_may_start_and_a_second_start_links_the_thread() {
        // Wednesday 2026-12-02, 17:05 in Tokyo.
        let f = fixture("2026-12-02T08:05:00Z");
        let uc = Context {
            meeting: &f.config.meetings[0],
            people: &f.config.people,
            log: &f.log,
            holidays: &f.holidays,
            language: Language::Ja,
            now: f.now,
        };
        let date: NaiveDate = "2026-12-02".parse().unwrap();
        f.log
            .update_session("weekly", date, &mut |s| {
                s.facilitator = Some("discord-42".into());
                Ok(())
            })
            .unwrap();
        let refused = plan_start(&uc, &actor("7", false), 222, 111).err().unwrap();
        assert!(!refused.0.contains("<@"), "{}", refused.0);
        let Ok(StartPlan::Open(opening)) = plan_start(&uc, &actor("42", false), 222, 111) else {
            panic!("the assigned facilitator may start");
        };
        assert_eq!(opening.thread_name, "第393回（12月2日(水)）");
        assert!(opening.run_of_show.text.contains("オープニング"));
        assert_eq!(opening.run_of_show.buttons.len(), 3);
        assert!(matches!(
            plan_start(&uc, &actor("9", true), 222, 111),
            Ok(StartPlan::Open(_))
        ));

        save(
            &uc,
            date,
            &LiveSession {
                target: 555,
                thread: Some(555),
                ..Default::default()
            },
        )
        .unwrap();
        let Ok(StartPlan::Answered(reply)) = plan_start(&uc, &actor("42", false), 222, 111) else {
            panic!("a second start answers with the link");
        };
        assert!(
            reply.text.contains("https://discord.com/channels/111/555"),
            "{}",
            reply.text
        );
    }

    #[test]
    fn there_is_nothing_to_start_on_a_day_without_a_session() {
        let f = fixture("2026-12-03T08:05:00Z");
        let uc = Context {
            meeting: &f.config.meetings[0],
            people: &f.config.people,
            log: &f.log,
            holidays: &f.holidays,
            language: Language::En,
            now: f.now,
        };
        let err = plan_start(&uc, &actor("9", true), 222, 111).err().unwrap();
        assert_eq!(err.0, "There is no session today.");
    }
}
