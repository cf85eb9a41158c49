//! The bot inside the daemon: who is asking, for which meeting, and how a
//! use case's reply goes back. Buttons and the postmortem modal are handled
//! statelessly (their custom ids carry what they need), so they survive restarts.

use std::sync::Arc;

use chrono::NaiveDate;
use poise::serenity_prelude as serenity;

use super::client::{
    BotToken, DiscordConnection, RunningBot, base_options, ephemeral_reply, modal_value, start_bot,
};
use super::commands;
use crate::app::knowledge::{PostmortemForm, add_postmortem};
use crate::app::sessions::rsvp;
use crate::app::{Actor, Answer, Context as UseCase, UserError};
use crate::config::{DEFAULT_TOKEN_ENV, DiscordConfig, Meeting};
use crate::daemon::Daemon;
use crate::domain::log::RsvpStatus;

/// Custom ids this bot owns start with this; anything else is left alone.
pub const CUSTOM_ID_PREFIX: &str = "wp:";

pub struct Data {
    pub daemon: Arc<Daemon>,
}

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// The token from `token_file` or the environment, or why there is none.
pub fn token(config: &DiscordConfig) -> Result<BotToken, String> {
    if let Some(path) = &config.token_file {
        return std::fs::read_to_string(path)
            .map(|t| BotToken::new(t.trim()))
            .map_err(|e| format!("cannot read token_file {}: {e}", path.display()))
            .and_then(|t| {
                if t.expose().is_empty() {
                    Err(format!("token_file {} is empty", path.display()))
                } else {
                    Ok(t)
                }
            });
    }
    let variable = config.token_env.as_deref().unwrap_or(DEFAULT_TOKEN_ENV);
    match std::env::var(variable) {
        Ok(token) if !token.trim().is_empty() => Ok(BotToken::new(token.trim())),
        _ => Err(format!("no token in {variable}")),
    }
}

pub async fn start(
    daemon: Arc<Daemon>,
    config: &DiscordConfig,
    token: BotToken,
) -> anyhow::Result<RunningBot> {
    let connection = DiscordConnection {
        token,
        api_base_url: config.api_base_url.clone(),
        guild_id: serenity::GuildId::new(config.guild_id.0),
    };
    let mut options = base_options::<Data>();
    options.commands = commands::all();
    options.event_handler = |framework, event| Box::pin(on_event(framework, event));
    start_bot(&connection, options, Data { daemon }).await
}

/// The meeting a channel belongs to: the one that names it, else the first
/// meeting without a channel of its own.
pub fn meeting_for_channel(daemon: &Daemon, channel_id: u64) -> &Meeting {
    let meetings = &daemon.config.meetings;
    meetings
        .iter()
        .find(|m| m.discord_channel_id.is_some_and(|c| c.0 == channel_id))
        .or_else(|| meetings.iter().find(|m| m.discord_channel_id.is_none()))
        .unwrap_or(&meetings[0])
}

pub fn actor(daemon: &Daemon, user: &serenity::User, member: Option<&serenity::Member>) -> Actor {
    let facilitator_role = daemon
        .config
        .discord
        .as_ref()
        .map(|d| d.facilitator_role_id.0);
    Actor {
        id: user.id.get().to_string(),
        name: member.map_or_else(
            || user.display_name().to_string(),
            |m| m.display_name().to_string(),
        ),
        is_facilitator: member
            .is_some_and(|m| m.roles.iter().any(|r| Some(r.get()) == facilitator_role)),
    }
}

/// Runs a use case with the daemon's store, holidays and clock, and tells
/// the calendar when something was written.
pub fn run_use_case(
    daemon: &Daemon,
    meeting: &Meeting,
    writes: bool,
    use_case: impl FnOnce(&UseCase) -> Answer,
) -> Answer {
    let answer = daemon.with_use_case(meeting, use_case);
    if writes && answer.is_ok() {
        daemon.log_changed();
    }
    answer
}

/// Dates in commands are `YYYY-MM-DD`, within ten years of `today`; the
/// refusal is in the configured language.
pub fn parse_date(
    text: Option<&str>,
    today: NaiveDate,
    language: crate::domain::language::Language,
) -> Result<Option<NaiveDate>, UserError> {
    text.map(|t| {
        let date = NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
            UserError(crate::app::say(
                language,
                format!("{t:?} は日付ではありません。YYYY-MM-DD の形で書いてください"),
                format!("{t:?} is not a date; write it as YYYY-MM-DD"),
            ))
        })?;
        crate::domain::date_bounds::check_user_date(date, today)
            .map_err(|refused| UserError(refused.message(language)))
    })
    .transpose()
}

/// `wp:rsvp:<meeting>:<date>:<status>` on the day's announcement.
pub fn rsvp_button_id(meeting: &str, date: NaiveDate, status: RsvpStatus) -> String {
    let status = match status {
        RsvpStatus::Going => "going",
        RsvpStatus::Maybe => "maybe",
        RsvpStatus::NotGoing => "not_going",
    };
    format!("{CUSTOM_ID_PREFIX}rsvp:{meeting}:{date}:{status}")
}

fn parse_rsvp_button(custom_id: &str) -> Option<(&str, NaiveDate, RsvpStatus)> {
    let mut parts = custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)?
        .strip_prefix("rsvp:")?
        .split(':');
    let meeting = parts.next()?;
    let date = parts.next()?.parse().ok()?;
    let status = match parts.next()? {
        "going" => RsvpStatus::Going,
        "maybe" => RsvpStatus::Maybe,
        "not_going" => RsvpStatus::NotGoing,
        _ => return None,
    };
    Some((meeting, date, status))
}

/// The postmortem modal's custom id: `wp:pm:<meeting>:<date or ->`.
pub fn postmortem_modal_id(meeting: &str, date: Option<NaiveDate>) -> String {
    let date = date.map_or_else(|| "-".to_string(), |d| d.to_string());
    format!("{CUSTOM_ID_PREFIX}pm:{meeting}:{date}")
}

async fn on_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let serenity::FullEvent::InteractionCreate { interaction } = event else {
        return Ok(());
    };
    let daemon = &framework.user_data.daemon;
    let http = &framework.serenity_context.http;
    match interaction {
        serenity::Interaction::Component(click)
            if click.data.custom_id.starts_with(CUSTOM_ID_PREFIX) =>
        {
            let answer = match parse_rsvp_button(&click.data.custom_id) {
                Some((meeting_id, date, status)) => match daemon.config.meeting(meeting_id) {
                    Some(meeting) => {
                        let who = actor(daemon, &click.user, click.member.as_ref());
                        run_use_case(daemon, meeting, true, |ctx| {
                            rsvp(ctx, &who, status, Some(date))
                        })
                    }
                    None => Err(UserError(format!(
                        "meeting {meeting_id:?} is no longer configured"
                    ))),
                },
                None => Err(UserError("this button is not in use any more".into())),
            };
            let text = answer.map_or_else(|e| e.0, |r| r.text);
            click.create_response(http, ephemeral_reply(text)).await?;
        }
        serenity::Interaction::Modal(submit)
            if submit.data.custom_id.starts_with(CUSTOM_ID_PREFIX) =>
        {
            let answer = postmortem_submitted(daemon, submit);
            let response = match answer {
                Ok(reply) => serenity::CreateInteractionResponse::Message(
                    serenity::CreateInteractionResponseMessage::new()
                        .content(reply.text)
                        .ephemeral(reply.ephemeral)
                        .allowed_mentions(serenity::CreateAllowedMentions::new()),
                ),
                Err(e) => ephemeral_reply(e.0),
            };
            submit.create_response(http, response).await?;
        }
        _ => {}
    }
    Ok(())
}

fn postmortem_submitted(daemon: &Daemon, submit: &serenity::ModalInteraction) -> Answer {
    let rest = submit
        .data
        .custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)
        .and_then(|r| r.strip_prefix("pm:"))
        .ok_or_else(|| UserError("this form is not in use any more".into()))?;
    let (meeting_id, date) = rest
        .rsplit_once(':')
        .ok_or_else(|| UserError("this form is not in use any more".into()))?;
    let meeting = daemon
        .config
        .meeting(meeting_id)
        .ok_or_else(|| UserError(format!("meeting {meeting_id:?} is no longer configured")))?;
    let date = if date == "-" {
        None
    } else {
        let today = daemon.clock.now().date_naive();
        parse_date(Some(date), today, daemon.config.daemon.language)?
    };
    let field = |id: &str| {
        modal_value(&submit.data, id)
            .unwrap_or_default()
            .to_string()
    };
    let form = PostmortemForm {
        title: field("title"),
        impact: field("impact"),
        actions_taken: field("actions_taken"),
        root_cause: field("root_cause"),
        prevention: field("prevention"),
        date,
    };
    let who = actor(daemon, &submit.user, submit.member.as_ref());
    run_use_case(daemon, meeting, true, |ctx| add_postmortem(ctx, &who, form))
}
