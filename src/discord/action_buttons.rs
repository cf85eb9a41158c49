//! The actions' buttons and form: 「完了: …」 under the run-of-show, and
//! 「アクションを追加」 under a recorded postmortem, which opens a small form.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::client::{ephemeral_reply, modal_value};
use super::context::{Error, actor};
use crate::app::actions::{self, NewAction, Owner, parse_done_button};
use crate::app::state::{AppState, Change};
use crate::app::{Answer, UserError};
use crate::chat::CUSTOM_ID_PREFIX;
use crate::domain::actions::ActionStatus;
use crate::messages::Message as _;
use crate::messages::actions::ActionText;
use crate::messages::discord::Discord as Gone;

/// The custom id of 「アクションを追加」 under the postmortem `postmortem`.
pub(super) fn add_button_id(meeting: &str, postmortem: &str) -> String {
    format!("{CUSTOM_ID_PREFIX}action:{meeting}:add:{postmortem}")
}

fn parse_add(custom_id: &str, kind: &str) -> Option<(String, String)> {
    let rest = custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)?
        .strip_prefix("action:")?;
    let (meeting, postmortem) = rest.split_once(&format!(":{kind}:"))?;
    Some((meeting.to_string(), postmortem.to_string()))
}

/// Sends an answer: public when it went through (the thread sees what was
/// done), only to the clicker when refused.
async fn respond(
    http: &serenity::Http,
    answer: Answer,
    send: impl AsyncFnOnce(&serenity::Http, serenity::CreateInteractionResponse) -> serenity::Result<()>,
) -> Result<(), Error> {
    let response = match answer {
        Ok(reply) => serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .content(reply.text)
                .ephemeral(reply.ephemeral)
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        ),
        Err(UserError(text)) => ephemeral_reply(text),
    };
    send(http, response).await?;
    Ok(())
}

/// 「完了: …」 and 「アクションを追加」; `false` for any other button.
pub(super) async fn on_click(
    ctx: &serenity::Context,
    state: &Arc<AppState>,
    click: &serenity::ComponentInteraction,
) -> Result<bool, Error> {
    let language = state.config.daemon.language;
    let custom_id = click.data.custom_id.clone();
    if let Some((meeting_id, id)) = parse_done_button(&custom_id) {
        let answer = match state.config.meeting(meeting_id) {
            Some(meeting) => {
                let who = actor(state, meeting, &click.user, click.member.as_ref());
                let (state, meeting, id) = (state.clone(), meeting.clone(), id.to_string());
                tokio::task::spawn_blocking(move || {
                    state.answer(&meeting, Some(Change::Knowledge), |uc| {
                        actions::close(uc, &who, &id, ActionStatus::Done, None)
                    })
                })
                .await?
            }
            None => Err(UserError(Gone::StaleButton.say(language))),
        };
        respond(&ctx.http, answer, async |http, r| {
            click.create_response(http, r).await
        })
        .await?;
        return Ok(true);
    }
    let Some((meeting_id, postmortem)) = parse_add(&custom_id, "add") else {
        return Ok(false);
    };
    if state.config.meeting(&meeting_id).is_none() {
        click
            .create_response(&ctx.http, ephemeral_reply(Gone::StaleButton.say(language)))
            .await?;
        return Ok(true);
    }
    let say = |text: ActionText| text.say(language);
    use serenity::InputTextStyle::Short;
    let modal = serenity::CreateModal::new(
        format!("{CUSTOM_ID_PREFIX}action:{meeting_id}:form:{postmortem}"),
        say(ActionText::FormTitle),
    )
    .components(vec![
        serenity::CreateActionRow::InputText(
            serenity::CreateInputText::new(Short, say(ActionText::FieldTitle), "title")
                .required(true)
                .max_length(300),
        ),
        serenity::CreateActionRow::InputText(
            serenity::CreateInputText::new(Short, say(ActionText::FieldOwner), "owner")
                .required(false)
                .max_length(100),
        ),
        serenity::CreateActionRow::InputText(
            serenity::CreateInputText::new(Short, say(ActionText::FieldDue), "due")
                .required(false)
                .max_length(40),
        ),
    ]);
    click
        .create_response(&ctx.http, serenity::CreateInteractionResponse::Modal(modal))
        .await?;
    Ok(true)
}

/// The form of 「アクションを追加」; `false` for any other form.
pub(super) async fn on_modal(
    ctx: &serenity::Context,
    state: &Arc<AppState>,
    submit: &serenity::ModalInteraction,
) -> Result<bool, Error> {
    let Some((meeting_id, postmortem)) = parse_add(&submit.data.custom_id, "form") else {
        return Ok(false);
    };
    let language = state.config.daemon.language;
    let field = |id: &str| modal_value(&submit.data, id).map(str::to_string);
    let new = NewAction {
        title: field("title").unwrap_or_default(),
        owner: field("owner").map_or(Owner::Asker, Owner::Named),
        due: field("due"),
        postmortem: Some(postmortem),
        link: None,
    };
    let answer = match state.config.meeting(&meeting_id) {
        Some(meeting) => {
            let who = actor(state, meeting, &submit.user, submit.member.as_ref());
            let (state, meeting) = (state.clone(), meeting.clone());
            tokio::task::spawn_blocking(move || {
                state.answer(&meeting, Some(Change::Knowledge), |uc| {
                    actions::add(uc, &who, new)
                })
            })
            .await?
        }
        None => Err(UserError(Gone::StaleForm.say(language))),
    };
    respond(&ctx.http, answer, async |http, r| {
        submit.create_response(http, r).await
    })
    .await?;
    Ok(true)
}
