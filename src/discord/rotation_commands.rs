//! `/rotation`: the facilitator rotation's slash commands. Each translates
//! Discord input into a call of `app::rotation` and its reply.

use poise::serenity_prelude as serenity;

use super::context::{Context, Error, for_meeting, named_member};
use crate::app::UserError;
use crate::app::rotation;
use crate::app::state::Change;
use crate::domain::date_input::Toward;

/// Facilitator rotation
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "rotation_join",
        "rotation_leave",
        "rotation_show",
        "rotation_swap",
        "rotation_add",
        "rotation_remove",
        "rotation_move"
    ),
    subcommand_required,
    description_localized("ja", "ファシリテーターのローテーション")
)]
pub(crate) async fn rotation(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Join the facilitator rotation
#[poise::command(
    slash_command,
    rename = "join",
    description_localized("ja", "ローテーションに加わります")
)]
pub(crate) async fn rotation_join(ctx: Context<'_>) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Roster), rotation::join).await
}

/// Leave the facilitator rotation (assigned sessions stay)
#[poise::command(
    slash_command,
    rename = "leave",
    description_localized("ja", "ローテーションから外れます")
)]
pub(crate) async fn rotation_leave(ctx: Context<'_>) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Roster), rotation::leave).await
}

/// Show the roster and who facilitates next
#[poise::command(
    slash_command,
    rename = "show",
    description_localized("ja", "ローテーションと今後の担当")
)]
pub(crate) async fn rotation_show(ctx: Context<'_>) -> Result<(), Error> {
    for_meeting(ctx, None, move |uc, _| rotation::show(uc)).await
}

/// Trade the facilitators of two sessions
#[poise::command(
    slash_command,
    rename = "swap",
    description_localized("ja", "2回分の担当を交代します")
)]
pub(crate) async fn rotation_swap(
    ctx: Context<'_>,
    #[description = "A session date: 2026-12-09, 12/9, 12月9日, next week or next"]
    #[description_localized("ja", "開催日（2026-12-09、12/9、12月9日、来週、次回）")]
    #[name_localized("ja", "一方の回")]
    first: String,
    #[description = "The other session date, in the same forms"]
    #[description_localized("ja", "もう一方の開催日（同じ形で）")]
    #[name_localized("ja", "もう一方の回")]
    second: String,
) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Roster), move |uc, who| {
        let first = uc
            .date_option(Some(&first), Toward::Upcoming)?
            .expect("a given date");
        let second = uc
            .date_option(Some(&second), Toward::Upcoming)?
            .expect("a given date");
        rotation::swap(uc, who, first, second)
    })
    .await
}

/// Add a member to the rotation (facilitator role)
#[poise::command(
    slash_command,
    rename = "add",
    description_localized("ja", "メンバーをローテーションに加えます（ファシリテーターロール）")
)]
pub(crate) async fn rotation_add(
    ctx: Context<'_>,
    #[description = "The member to add"]
    #[description_localized("ja", "加えるメンバー")]
    #[name_localized("ja", "メンバー")]
    person: serenity::User,
) -> Result<(), Error> {
    let member = named_member(&person);
    for_meeting(ctx, Some(Change::Roster), move |uc, who| {
        rotation::add(uc, who, &member)
    })
    .await
}

/// Take a member off the rotation (facilitator role; assigned sessions stay)
#[poise::command(
    slash_command,
    rename = "remove",
    description_localized("ja", "メンバーをローテーションから外します（ファシリテーターロール）")
)]
pub(crate) async fn rotation_remove(
    ctx: Context<'_>,
    #[description = "The member to take off"]
    #[description_localized("ja", "外すメンバー")]
    #[name_localized("ja", "メンバー")]
    person: Option<serenity::User>,
    #[description = "Or the rotation entry to take off (someone without a Discord account)"]
    #[description_localized(
        "ja",
        "または外すローテーションの名前（Discord アカウントのない人など）"
    )]
    #[autocomplete = "roster_entries"]
    #[name_localized("ja", "名前")]
    name: Option<String>,
) -> Result<(), Error> {
    let target = match (person, name) {
        (Some(user), None) => Ok(rotation::Target::Member(named_member(&user))),
        (None, Some(name)) => Ok(rotation::Target::Entry(name)),
        _ => Err(UserError(crate::messages::Message::say(
            &crate::messages::rotation::Rotation::PersonOrName,
            ctx.data().state.config.daemon.language,
        ))),
    };
    for_meeting(ctx, Some(Change::Roster), move |uc, who| {
        rotation::remove_target(uc, who, &target?)
    })
    .await
}

/// The roster entries matching what is typed: each shown by display and
/// key, sent as its key. Discord takes at most 25.
async fn roster_entries(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let state = ctx.data().state.clone();
    let channel = ctx.channel_id().get();
    let partial = partial.to_string();
    let entries = tokio::task::spawn_blocking(move || {
        let meeting = state.meeting_for_channel(channel);
        state.with_use_case(meeting, |uc| rotation::entries_matching(uc, &partial))
    })
    .await;
    let choices = match entries {
        Ok(Ok(entries)) => entries
            .into_iter()
            .take(25)
            .map(|(key, shown)| {
                let label = if key == shown {
                    key.clone()
                } else {
                    format!("{shown} ({key})")
                };
                serenity::AutocompleteChoice::new(label.chars().take(100).collect::<String>(), key)
            })
            .collect(),
        _ => Vec::new(),
    };
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Move a member to another place in the turn order (facilitator role)
#[poise::command(
    slash_command,
    rename = "move",
    description_localized("ja", "メンバーの順番を変えます（ファシリテーターロール）")
)]
pub(crate) async fn rotation_move(
    ctx: Context<'_>,
    #[description = "The member to move"]
    #[description_localized("ja", "順番を変えるメンバー")]
    #[name_localized("ja", "メンバー")]
    person: serenity::User,
    #[description = "The new place, 1 = first"]
    #[description_localized("ja", "新しい順番（1 が最初）")]
    #[min = 1]
    #[name_localized("ja", "位置")]
    position: u32,
) -> Result<(), Error> {
    let member = named_member(&person);
    for_meeting(ctx, Some(Change::Roster), move |uc, who| {
        rotation::move_to(uc, who, &member, position as usize)
    })
    .await
}
