//! `/session start`: translates the command into the live session's use
//! case, which posts through the same chat port as the daemon's jobs.

use poise::serenity_prelude as serenity;

use super::bot::{Context, Data, Error, actor};
use super::chat::DiscordChat;
use crate::app::UserError;

/// The live session: run-of-show, timeboxes, learnings
#[poise::command(
    slash_command,
    guild_only,
    subcommands("session_start"),
    subcommand_required,
    description_localized("ja", "ミーティングの進行を手伝います")
)]
pub async fn session(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Start today's session: a thread with the run-of-show (facilitators)
#[poise::command(
    slash_command,
    rename = "start",
    description_localized("ja", "今日の回の進行を始めます（ファシリテーター）")
)]
pub async fn session_start(ctx: Context<'_>) -> Result<(), Error> {
    let state = ctx.data().state.clone();
    let member = ctx.author_member().await;
    let meeting = state.meeting_for_channel(ctx.channel_id().get()).clone();
    let who = actor(&state, &meeting, ctx.author(), member.as_deref());
    let guild = state.config.discord.as_ref().map_or(0, |d| d.guild_id.0);
    let chat = DiscordChat::new(
        ctx.serenity_context().http.clone(),
        ctx.serenity_context().cache.clone(),
        serenity::GuildId::new(guild.max(1)),
    );
    let channel = state
        .channel_of(&meeting)
        .unwrap_or(ctx.channel_id().get());
    let answer = crate::app::session::start(&state, &chat, &meeting, &who, channel).await;
    let (text, ephemeral) = match answer {
        Ok(reply) => (reply.text, reply.ephemeral),
        Err(UserError(text)) => (text, true),
    };
    ctx.send(
        poise::CreateReply::default()
            .content(text)
            .ephemeral(ephemeral)
            .allowed_mentions(serenity::CreateAllowedMentions::new()),
    )
    .await?;
    Ok(())
}

/// So the command list can name it.
pub(crate) fn commands() -> Vec<poise::Command<Data, Error>> {
    vec![session()]
}
