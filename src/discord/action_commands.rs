//! `/action`: prevention actions' slash commands. Each translates Discord
//! input into a call of `app::actions` and its reply.

use poise::serenity_prelude as serenity;

use super::context::{Context, Error, for_meeting, named_member};
use crate::app::actions::{self, NewAction, Owner};
use crate::app::state::Change;
use crate::domain::actions::ActionStatus;

/// Prevention actions: owners, due dates, follow-up
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "action_add",
        "action_done",
        "action_drop",
        "action_list",
        "action_remind"
    ),
    subcommand_required,
    description_localized("ja", "再発防止アクション（担当・期限・フォローアップ）")
)]
pub(crate) async fn action(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Add a prevention action (owner: you, unless you name someone)
#[poise::command(
    slash_command,
    rename = "add",
    description_localized("ja", "再発防止アクションを登録します（担当は指定がなければあなた）")
)]
#[allow(
    clippy::too_many_arguments,
    reason = "one parameter per option of the command"
)]
pub(crate) async fn action_add(
    ctx: Context<'_>,
    #[description = "What to do"]
    #[description_localized("ja", "やること")]
    #[name_localized("ja", "やること")]
    title: String,
    #[description = "The owner, a member of this server"]
    #[description_localized("ja", "担当するメンバー")]
    #[name_localized("ja", "担当")]
    owner: Option<serenity::User>,
    #[description = "Or the owner's name (someone outside Discord)"]
    #[description_localized("ja", "または担当の名前（Discord にいない人など）")]
    #[name_localized("ja", "担当の名前")]
    owner_name: Option<String>,
    #[description = "Due date: 2026-12-24, 12/24, 12月24日 or 来週 (next week's session)"]
    #[description_localized("ja", "期限（2026-12-24、12/24、12月24日、来週 = 来週の回）")]
    #[name_localized("ja", "期限")]
    due: Option<String>,
    #[description = "The postmortem it comes from (its id)"]
    #[description_localized("ja", "元になったポストモーテムの id")]
    #[name_localized("ja", "ポストモーテム")]
    postmortem: Option<String>,
    #[description = "A tracker issue (GitHub, Backlog, Jira) or any page"]
    #[description_localized("ja", "課題のリンク（GitHub、Backlog、Jira など）")]
    #[name_localized("ja", "リンク")]
    link: Option<String>,
) -> Result<(), Error> {
    let owner = match (owner, owner_name) {
        (Some(user), _) => Owner::Member(named_member(&user)),
        (None, Some(name)) if !name.trim().is_empty() => Owner::Named(name),
        _ => Owner::Asker,
    };
    let new = NewAction {
        title,
        owner,
        due,
        postmortem,
        link,
    };
    for_meeting(ctx, Some(Change::Knowledge), move |uc, who| {
        actions::add(uc, who, new)
    })
    .await
}

/// Mark an action done (its owner or a facilitator)
#[poise::command(
    slash_command,
    rename = "done",
    description_localized("ja", "アクションを完了にします（担当かファシリテーター）")
)]
pub(crate) async fn action_done(
    ctx: Context<'_>,
    #[description = "The action's id (see /action list)"]
    #[description_localized("ja", "アクションの id（/action list で確認）")]
    #[autocomplete = "open_actions"]
    id: String,
) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Knowledge), move |uc, who| {
        actions::close(uc, who, &id, ActionStatus::Done, None)
    })
    .await
}

/// Drop an action the team decided not to do (its owner or a facilitator)
#[poise::command(
    slash_command,
    rename = "drop",
    description_localized(
        "ja",
        "やらないと決めたアクションを取り下げます（担当かファシリテーター）"
    )
)]
pub(crate) async fn action_drop(
    ctx: Context<'_>,
    #[description = "The action's id (see /action list)"]
    #[description_localized("ja", "アクションの id（/action list で確認）")]
    #[autocomplete = "open_actions"]
    id: String,
    #[description = "Why (shown with it)"]
    #[description_localized("ja", "理由（一緒に表示されます）")]
    #[name_localized("ja", "理由")]
    reason: Option<String>,
) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Knowledge), move |uc, who| {
        actions::close(uc, who, &id, ActionStatus::Dropped, reason)
    })
    .await
}

/// List open actions, overdue first (only you see the answer)
#[poise::command(
    slash_command,
    rename = "list",
    description_localized(
        "ja",
        "未完了のアクションを期限切れから順に表示します（あなたにだけ表示）"
    )
)]
pub(crate) async fn action_list(
    ctx: Context<'_>,
    #[description = "Only yours"]
    #[description_localized("ja", "自分の担当だけ")]
    #[name_localized("ja", "自分の担当")]
    mine: Option<bool>,
    #[description = "Done and dropped ones too"]
    #[description_localized("ja", "完了・取り下げも含める")]
    #[name_localized("ja", "すべて")]
    all: Option<bool>,
) -> Result<(), Error> {
    let (mine, all) = (mine.unwrap_or(false), all.unwrap_or(false));
    for_meeting(ctx, None, move |uc, who| actions::list(uc, who, mine, all)).await
}

/// A DM the day before your actions are due: on or off
#[poise::command(
    slash_command,
    rename = "remind",
    description_localized("ja", "担当アクションの期限前日にDMで知らせます（on / off）")
)]
pub(crate) async fn action_remind(
    ctx: Context<'_>,
    #[description = "on or off"]
    #[description_localized("ja", "on で知らせる、off で止める")]
    #[name_localized("ja", "設定")]
    setting: RemindChoice,
) -> Result<(), Error> {
    let on = matches!(setting, RemindChoice::On);
    // The reminders job looks again at once: a reminder due today goes now.
    for_meeting(ctx, Some(Change::Knowledge), move |uc, who| {
        actions::set_reminders(uc, who, on)
    })
    .await
}

/// Discord sends the index: never reorder.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub(crate) enum RemindChoice {
    #[name = "on"]
    #[name_localized("ja", "知らせる")]
    On,
    #[name = "off"]
    #[name_localized("ja", "止める")]
    Off,
}

/// The meeting's open actions matching what is typed, shown by title, sent
/// as their id. Discord takes at most 25.
async fn open_actions(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let state = ctx.data().state.clone();
    let channel = ctx.channel_id().get();
    let partial = partial.to_string();
    let found = tokio::task::spawn_blocking(move || {
        let meeting = state.meeting_for_channel(channel);
        state.with_use_case(meeting, |uc| actions::open_matching(uc, &partial))
    })
    .await;
    let choices = match found {
        Ok(Ok(found)) => found
            .into_iter()
            .take(25)
            .map(|(id, label)| {
                serenity::AutocompleteChoice::new(label.chars().take(100).collect::<String>(), id)
            })
            .collect(),
        _ => Vec::new(),
    };
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
