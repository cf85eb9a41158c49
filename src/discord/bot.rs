//! The bot inside the daemon: who is asking, for which meeting, and how a
//! use case's reply goes back. Buttons and the postmortem modal are handled
//! statelessly (their custom ids carry what they need), so they survive restarts.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

pub(crate) use super::client::{BotToken, RunningBot};
use super::client::{DiscordConnection, base_options, ephemeral_reply, modal_value, start_bot};
use super::commands;
use super::context::{Data, Error, actor};
use crate::app::incident_topics::present;
use crate::app::knowledge::{PostmortemForm, add_postmortem};
use crate::app::sessions::rsvp;
use crate::app::state::{AppState, Change};
use crate::app::{Answer, Said, UserError};
use crate::chat::{CUSTOM_ID_PREFIX, parse_present_button, parse_rsvp_button};
use crate::config::{DEFAULT_TOKEN_ENV, DiscordConfig};
use crate::domain::date_input::Toward;
use crate::messages::Message;
use crate::messages::discord::Discord as Gone;

/// The token from `token_file` or the environment, or why there is none.
pub(crate) fn token(config: &DiscordConfig) -> Result<BotToken, String> {
    if let Some(path) = &config.token_file {
        return crate::secret_file::read_to_string("discord.token_file", path)
            .map(|t| BotToken::new(t.trim()))
            .map_err(|e| e.to_string())
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

pub(crate) async fn start(
    state: Arc<AppState>,
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
    start_bot(&connection, options, Data { state }).await
}

/// Keeps the names of the meetings' channels as the guild reports them (at
/// connect and on every rename), for texts shown outside Discord; a changed
/// name makes the calendar's descriptions due for an update.
async fn remember_channel_names(state: &Arc<AppState>, channels: Vec<(u64, String)>) {
    let worker = state.clone();
    let changed = tokio::task::spawn_blocking(move || {
        let ours: Vec<u64> = worker
            .config
            .meetings
            .iter()
            .filter_map(|m| worker.channel_of(m))
            .collect();
        let mut changed = false;
        for (id, name) in channels.iter().filter(|(id, _)| ours.contains(id)) {
            match crate::chat::remember_channel_name(worker.log.as_ref(), *id, name) {
                Ok(now_changed) => changed |= now_changed,
                Err(e) => tracing::warn!("Discord: cannot keep the name of channel {id}: {e}"),
            }
        }
        changed
    })
    .await;
    if matches!(changed, Ok(true)) {
        // Where the meeting is held is part of its schedule's text.
        state.changed(Change::Schedule);
    }
}

async fn on_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let channels = match event {
        serenity::FullEvent::GuildCreate { guild, .. } => guild
            .channels
            .values()
            .map(|c| (c.id.get(), c.name.clone()))
            .collect(),
        serenity::FullEvent::ChannelUpdate { new, .. } => vec![(new.id.get(), new.name.clone())],
        _ => Vec::new(),
    };
    if !channels.is_empty() {
        remember_channel_names(&framework.user_data.state, channels).await;
    }
    let serenity::FullEvent::InteractionCreate { interaction } = event else {
        return Ok(());
    };
    let state = &framework.user_data.state;
    let http = &framework.serenity_context.http;
    match interaction {
        serenity::Interaction::Component(click)
            if click.data.custom_id.starts_with(CUSTOM_ID_PREFIX) =>
        {
            if super::session::on_click(framework.serenity_context, state, click).await?
                || super::action_buttons::on_click(framework.serenity_context, state, click).await?
            {
                return Ok(());
            }
            let answer = if let Some(incident) = parse_present_button(&click.data.custom_id) {
                present_clicked(state, click, incident.to_string()).await?
            } else {
                match parse_rsvp_button(&click.data.custom_id) {
                    Some((meeting_id, date, status)) => match state.config.meeting(meeting_id) {
                        Some(meeting) => {
                            let who = actor(state, meeting, &click.user, click.member.as_ref());
                            let state = state.clone();
                            let meeting = meeting.clone();
                            tokio::task::spawn_blocking(move || {
                                state.answer(&meeting, Some(Change::Attendance), |ctx| {
                                    rsvp(ctx, &who, status, Some(date))
                                })
                            })
                            .await?
                        }
                        None => Err(UserError(
                            Gone::UnknownMeeting { id: meeting_id }
                                .say(state.config.daemon.language),
                        )),
                    },
                    None => Err(UserError(
                        Gone::StaleButton.say(state.config.daemon.language),
                    )),
                }
            };
            let text = answer.map_or_else(|e| e.0, |r| r.text);
            click.create_response(http, ephemeral_reply(text)).await?;
        }
        serenity::Interaction::Modal(submit)
            if submit.data.custom_id.starts_with(CUSTOM_ID_PREFIX) =>
        {
            if super::session::on_modal(framework.serenity_context, state, submit).await?
                || super::action_buttons::on_modal(framework.serenity_context, state, submit)
                    .await?
            {
                return Ok(());
            }
            let worker = state.clone();
            let submitted = submit.clone();
            let answer =
                tokio::task::spawn_blocking(move || postmortem_submitted(&worker, &submitted))
                    .await?;
            let response = match answer {
                // 「アクションを追加」: the prevention it decided, as actions with owners.
                Ok((reply, meeting, postmortem)) => serenity::CreateInteractionResponse::Message(
                    serenity::CreateInteractionResponseMessage::new()
                        .content(reply.text)
                        .ephemeral(reply.ephemeral)
                        .allowed_mentions(serenity::CreateAllowedMentions::new())
                        .components(vec![serenity::CreateActionRow::Buttons(vec![
                            serenity::CreateButton::new(super::action_buttons::add_button_id(
                                &meeting,
                                &postmortem,
                            ))
                            .label(
                                crate::messages::actions::ActionText::AddButton
                                    .say(state.config.daemon.language),
                            )
                            .style(serenity::ButtonStyle::Secondary),
                        ])]),
                ),
                Err(e) => ephemeral_reply(e.0),
            };
            submit.create_response(http, response).await?;
        }
        _ => {}
    }
    Ok(())
}

/// 「話します」 under an incident: the clicker presents it at the incident's
/// meeting's next session.
async fn present_clicked(
    state: &Arc<AppState>,
    click: &serenity::ComponentInteraction,
    incident: String,
) -> Result<Answer, Error> {
    let language = state.config.daemon.language;
    let worker = state.clone();
    let user = click.user.clone();
    let member = click.member.clone();
    Ok(tokio::task::spawn_blocking(move || {
        let found = worker.log.incident(&incident).said(language)?;
        let Some(meeting) = found.and_then(|i| worker.config.meeting(&i.meeting).cloned()) else {
            return Err(UserError(Gone::StaleButton.say(language)));
        };
        let who = actor(&worker, &meeting, &user, member.as_ref());
        worker.answer(&meeting, Some(Change::Agenda), |ctx| {
            present(ctx, &who, &incident)
        })
    })
    .await?)
}

/// The postmortem form, recorded: the reply, its meeting and the new id.
fn postmortem_submitted(
    state: &AppState,
    submit: &serenity::ModalInteraction,
) -> Result<(crate::app::Reply, String, String), UserError> {
    let language = state.config.daemon.language;
    let rest = submit
        .data
        .custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)
        .and_then(|r| r.strip_prefix("pm:"))
        .ok_or_else(|| UserError(Gone::StaleForm.say(language)))?;
    let (meeting_id, date) = rest
        .rsplit_once(':')
        .ok_or_else(|| UserError(Gone::StaleForm.say(language)))?;
    let meeting = state
        .config
        .meeting(meeting_id)
        .ok_or_else(|| UserError(Gone::UnknownMeeting { id: meeting_id }.say(language)))?;
    // The id carries the date the command already accepted, as an ISO date.
    let date = if date == "-" {
        None
    } else {
        state.with_use_case(meeting, |uc| uc.date_option(Some(date), Toward::Past))?
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
    let who = actor(state, meeting, &submit.user, submit.member.as_ref());
    let (reply, id) = state.answer(meeting, Some(Change::Knowledge), |ctx| {
        add_postmortem(ctx, &who, form)
    })?;
    Ok((reply, meeting.id.clone(), id))
}
