//! `/session start|end` and the 「始める」 button: translate into the live
//! session's use cases, which post through the same chat port as the daemon's jobs.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::chat::DiscordChat;
use super::client::{ephemeral_reply, modal_value};
use super::context::{Context, Data, Error, actor};
use crate::app::UserError;
use crate::app::session::{Click, parse_button};
use crate::app::state::{AppState, Change};
use crate::messages::Message as _;
use crate::messages::session::SessionText;

fn chat_of(ctx: &serenity::Context, state: &AppState) -> DiscordChat {
    let guild = state.config.discord.as_ref().map_or(0, |d| d.guild_id.0);
    DiscordChat::new(
        ctx.http.clone(),
        ctx.cache.clone(),
        serenity::GuildId::new(guild.max(1)),
    )
}

/// A click on the run-of-show; `false` when the button is not the session's.
pub(crate) async fn on_click(
    ctx: &serenity::Context,
    state: &Arc<AppState>,
    click: &serenity::ComponentInteraction,
) -> Result<bool, Error> {
    let Some((meeting_id, date, what)) = parse_button(&click.data.custom_id) else {
        return Ok(false);
    };
    let language = state.config.daemon.language;
    let Some(meeting) = state.config.meeting(meeting_id) else {
        click
            .create_response(&ctx.http, ephemeral_reply(SessionText::Ended.say(language)))
            .await?;
        return Ok(true);
    };
    let who = actor(state, meeting, &click.user, click.member.as_ref());
    if what == Click::Start {
        // The same start as `/session start`; an old announcement's button
        // does not start today's session.
        let today = state.with_use_case(meeting, |uc| uc.today());
        let answer = if date == today {
            let chat = chat_of(ctx, state);
            let channel = state.channel_of(meeting).unwrap_or(click.channel_id.get());
            crate::app::session::start(state, &chat, meeting, &who, channel).await
        } else {
            Err(UserError(SessionText::Ended.say(language)))
        };
        let (text, ephemeral) = match answer {
            Ok(reply) => (reply.text, reply.ephemeral),
            Err(UserError(text)) => (text, true),
        };
        let mut message = serenity::CreateInteractionResponseMessage::new()
            .content(text)
            .allowed_mentions(serenity::CreateAllowedMentions::new());
        if ephemeral {
            message = message.ephemeral(true);
        }
        click
            .create_response(
                &ctx.http,
                serenity::CreateInteractionResponse::Message(message),
            )
            .await?;
        return Ok(true);
    }
    if what == Click::Learning {
        let response =
            match state.with_use_case(meeting, |uc| crate::app::session::check_running(uc, date)) {
                Err(UserError(text)) => ephemeral_reply(text),
                Ok(()) => serenity::CreateInteractionResponse::Modal(
                    serenity::CreateModal::new(
                        click.data.custom_id.clone(),
                        SessionText::LearningModalTitle.say(language),
                    )
                    .components(vec![serenity::CreateActionRow::InputText(
                        serenity::CreateInputText::new(
                            serenity::InputTextStyle::Paragraph,
                            SessionText::LearningField.say(language),
                            "text",
                        )
                        .required(true)
                        .max_length(1000),
                    )]),
                ),
            };
        click.create_response(&ctx.http, response).await?;
        return Ok(true);
    }
    let chat = chat_of(ctx, state);
    let response = match crate::app::session::click(state, &chat, meeting, &who, date, what).await {
        Ok(()) => serenity::CreateInteractionResponse::Acknowledge,
        Err(UserError(text)) => ephemeral_reply(text),
    };
    click.create_response(&ctx.http, response).await?;
    Ok(true)
}

/// The learning form's submit; `false` when the form is not the session's.
pub(crate) async fn on_modal(
    ctx: &serenity::Context,
    state: &Arc<AppState>,
    submit: &serenity::ModalInteraction,
) -> Result<bool, Error> {
    let Some((meeting_id, date, Click::Learning)) = parse_button(&submit.data.custom_id) else {
        return Ok(false);
    };
    let language = state.config.daemon.language;
    let text = modal_value(&submit.data, "text")
        .unwrap_or_default()
        .to_string();
    let answer = match state.config.meeting(meeting_id) {
        Some(meeting) => {
            let who = actor(state, meeting, &submit.user, submit.member.as_ref());
            state.answer(meeting, Some(Change::Knowledge), |uc| {
                crate::app::session::add_learning(uc, &who, date, &text, &[])
            })
        }
        None => Err(UserError(SessionText::Ended.say(language))),
    };
    let text = answer.map_or_else(|e| e.0, |r| r.text);
    submit
        .create_response(&ctx.http, ephemeral_reply(text))
        .await?;
    Ok(true)
}

/// The live session: run-of-show, timeboxes, learnings
#[poise::command(
    slash_command,
    guild_only,
    subcommands("session_start", "session_end"),
    subcommand_required,
    description_localized("ja", "ミーティングの進行を手伝います")
)]
pub(crate) async fn session(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Start today's session: a thread with the run-of-show (facilitators)
#[poise::command(
    slash_command,
    rename = "start",
    description_localized("ja", "今日の回の進行を始めます（ファシリテーター）")
)]
pub(crate) async fn session_start(ctx: Context<'_>) -> Result<(), Error> {
    let state = ctx.data().state.clone();
    let member = ctx.author_member().await;
    let meeting = state.meeting_for_channel(ctx.channel_id().get()).clone();
    let who = actor(&state, &meeting, ctx.author(), member.as_deref());
    let chat = chat_of(ctx.serenity_context(), &state);
    let channel = state.channel_of(&meeting).unwrap_or(ctx.channel_id().get());
    let answer = crate::app::session::start(&state, &chat, &meeting, &who, channel).await;
    super::context::answer(ctx, answer).await
}

/// End today's session: the summary in the thread and the channel (facilitators)
#[poise::command(
    slash_command,
    rename = "end",
    description_localized("ja", "今日の回の進行を終え、まとめを投稿します（ファシリテーター）")
)]
pub(crate) async fn session_end(ctx: Context<'_>) -> Result<(), Error> {
    let state = ctx.data().state.clone();
    let member = ctx.author_member().await;
    let meeting = state.meeting_for_channel(ctx.channel_id().get()).clone();
    let who = actor(&state, &meeting, ctx.author(), member.as_deref());
    let chat = chat_of(ctx.serenity_context(), &state);
    let answer = crate::app::session_end::end(&state, &chat, &meeting, &who).await;
    super::context::answer(ctx, answer).await
}

/// So the command list can name it.
pub(crate) fn commands() -> Vec<poise::Command<Data, Error>> {
    vec![session()]
}
