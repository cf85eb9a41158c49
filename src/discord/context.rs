//! What every command and handler of the bot shares: its data, its context
//! type, who is asking, and the postmortem form's id. The bot and the
//! commands both import it, so neither imports the other for it.

use std::sync::Arc;

use chrono::NaiveDate;
use poise::serenity_prelude as serenity;

use crate::app::state::AppState;
use crate::app::state::Change;
use crate::app::{Actor, Answer, UserError};
use crate::chat::CUSTOM_ID_PREFIX;

pub(super) struct Data {
    pub state: Arc<AppState>,
}

pub(super) type Error = anyhow::Error;
pub(super) type Context<'a> = poise::Context<'a, Data, Error>;

/// Who is asking, and whether they hold the facilitator role of `meeting`
/// (its own role, or the global one).
pub(crate) fn actor(
    state: &AppState,
    meeting: &crate::config::Meeting,
    user: &serenity::User,
    member: Option<&serenity::Member>,
) -> Actor {
    let facilitator_role = meeting.facilitator_role(&state.config).map(|r| r.0);
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

/// Someone a command names with a Discord user option (not the asker).
pub(crate) fn named_member(user: &serenity::User) -> Actor {
    Actor {
        id: user.id.get().to_string(),
        name: user.display_name().to_string(),
        is_facilitator: false,
    }
}

/// The postmortem modal's custom id: `wp:pm:<meeting>:<date or ->`.
pub(super) fn postmortem_modal_id(meeting: &str, date: Option<NaiveDate>) -> String {
    let date = date.map_or_else(|| "-".to_string(), |d| d.to_string());
    format!("{CUSTOM_ID_PREFIX}pm:{meeting}:{date}")
}

/// Sends a use case's answer: errors and personal notes only to the asker,
/// and never a ping, whatever the text contains.
pub(crate) async fn answer(ctx: Context<'_>, answer: Answer) -> Result<(), Error> {
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

/// Runs `use_case` for the meeting of the channel the command came from, off
/// the runtime's workers (it reads and writes the store), and answers.
pub(crate) async fn for_meeting(
    ctx: Context<'_>,
    writes: Option<Change>,
    use_case: impl FnOnce(&crate::app::Context, &crate::app::Actor) -> Answer + Send + 'static,
) -> Result<(), Error> {
    let state = ctx.data().state.clone();
    let member = ctx.author_member().await;
    let channel = ctx.channel_id().get();
    let who = actor(
        &state,
        state.meeting_for_channel(channel),
        ctx.author(),
        member.as_deref(),
    );
    let result = tokio::task::spawn_blocking(move || {
        let meeting = state.meeting_for_channel(channel);
        state.answer(meeting, writes, |uc| use_case(uc, &who))
    })
    .await?;
    answer(ctx, result).await
}
