//! Slash commands. Names, option names and choices are a contract; each
//! command only translates Discord input into a use case call and its reply.

use poise::serenity_prelude as serenity;

use super::context::{
    Context, Data, Error, actor, answer, for_meeting, named_member, postmortem_modal_id,
};
use crate::app::UserError;
use crate::app::agenda::{self, NewItem, Presenter};
use crate::app::incident_topics;
use crate::app::knowledge::{self, HistorySearch};
use crate::app::sessions;
use crate::app::state::Change;
use crate::domain::date_input::Toward;
use crate::domain::history::RecordKind;
use crate::domain::log::{AgendaKind, RsvpStatus};

pub(super) fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        agenda(),
        next(),
        rsvp(),
        history(),
        incidents(),
        learning(),
        postmortem(),
        skip(),
        unskip(),
        super::rotation_commands::rotation(),
        stats(),
        calendar(),
        super::action_commands::action(),
    ]
    .into_iter()
    .chain(super::session::commands())
    .collect()
}

/// Agenda item kinds. Discord sends the index: never reorder.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum KindChoice {
    #[name = "incident"]
    #[name_localized("ja", "インシデント")]
    Incident,
    #[name = "dashboard"]
    #[name_localized("ja", "ダッシュボード")]
    Dashboard,
    #[name = "topic"]
    #[name_localized("ja", "話題")]
    Topic,
    #[name = "other"]
    #[name_localized("ja", "その他")]
    Other,
}

impl From<KindChoice> for AgendaKind {
    fn from(kind: KindChoice) -> Self {
        match kind {
            KindChoice::Incident => AgendaKind::Incident,
            KindChoice::Dashboard => AgendaKind::Dashboard,
            KindChoice::Topic => AgendaKind::Topic,
            KindChoice::Other => AgendaKind::Other,
        }
    }
}

/// RSVP answers. Discord sends the index: never reorder.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub(super) enum StatusChoice {
    #[name = "going"]
    #[name_localized("ja", "参加")]
    Going,
    #[name = "maybe"]
    #[name_localized("ja", "たぶん")]
    Maybe,
    #[name = "not_going"]
    #[name_localized("ja", "不参加")]
    NotGoing,
}

/// What `/history` looks for. Discord sends the index: never reorder.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub(super) enum HistoryKindChoice {
    #[name = "session"]
    #[name_localized("ja", "回")]
    Session,
    #[name = "agenda"]
    #[name_localized("ja", "議題")]
    Agenda,
    #[name = "postmortem"]
    #[name_localized("ja", "ポストモーテム")]
    Postmortem,
    #[name = "learning"]
    #[name_localized("ja", "学び")]
    Learning,
    #[name = "incident"]
    #[name_localized("ja", "インシデント")]
    Incident,
    #[name = "action"]
    #[name_localized("ja", "アクション")]
    Action,
}

/// Collect topics for the coming sessions
#[poise::command(
    slash_command,
    guild_only,
    subcommands("agenda_add", "agenda_list", "agenda_remove", "agenda_done"),
    subcommand_required,
    description_localized("ja", "次回以降の議題を集めます")
)]
pub(crate) async fn agenda(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Add a topic (default: the next held session)
// poise turns each argument into a command option: the count is Discord's, not ours.
#[allow(clippy::too_many_arguments)]
#[poise::command(
    slash_command,
    rename = "add",
    description_localized("ja", "議題を追加します（既定: 次回）")
)]
pub(crate) async fn agenda_add(
    ctx: Context<'_>,
    #[description = "What to talk about (up to 300 characters)"]
    #[description_localized("ja", "話したいこと（300文字まで）")]
    #[name_localized("ja", "タイトル")]
    title: String,
    #[description = "incident, dashboard, topic or other"]
    #[description_localized("ja", "種類")]
    #[name_localized("ja", "種類")]
    kind: Option<KindChoice>,
    #[description = "A link (https://...)"]
    #[description_localized("ja", "リンク（https://...）")]
    #[name_localized("ja", "リンク")]
    link: Option<String>,
    #[description = "Session date: 2026-12-09, 12/9, 12月9日, next week or next"]
    #[description_localized("ja", "開催日（2026-12-09、12/9、12月9日、来週、次回）")]
    #[name_localized("ja", "開催日")]
    date: Option<String>,
    #[description = "The presenter's team, if from another department (default: from the directory)"]
    #[description_localized("ja", "他部署から発表する場合のチーム名（既定: 名簿のチーム）")]
    #[name_localized("ja", "チーム")]
    team: Option<String>,
    #[description = "Who presents, if not you: a server member"]
    #[description_localized("ja", "発表する人（自分以外のメンバー）")]
    #[name_localized("ja", "発表者")]
    presenter: Option<serenity::User>,
    #[description = "Who presents, if they have no Discord account: a name"]
    #[description_localized("ja", "Discord アカウントのない発表者の名前")]
    #[name_localized("ja", "発表者の名前")]
    presenter_name: Option<String>,
) -> Result<(), Error> {
    let presenter = match (presenter, presenter_name) {
        (None, None) => Ok(Presenter::Me),
        (Some(user), None) => Ok(Presenter::Member(named_member(&user))),
        (None, Some(name)) => Ok(Presenter::Guest(name)),
        (Some(_), Some(_)) => Err(UserError(crate::messages::Message::say(
            &crate::messages::agenda::Agenda::PresenterTwice,
            ctx.data().state.config.daemon.language,
        ))),
    };
    for_meeting(ctx, Some(Change::Agenda), move |uc, who| {
        let item = NewItem {
            presenter: presenter?,
            title,
            kind: kind.map_or(AgendaKind::Topic, Into::into),
            link,
            date: uc.date_option(date.as_deref(), Toward::Upcoming)?,
            team,
            incident: None,
        };
        agenda::add(uc, who, item)
    })
    .await
}

/// Show the agenda of a session
#[poise::command(
    slash_command,
    rename = "list",
    description_localized("ja", "議題の一覧")
)]
pub(crate) async fn agenda_list(
    ctx: Context<'_>,
    #[description = "Session date: 2026-12-09, 12/9, 12月9日, next week or next"]
    #[description_localized("ja", "開催日（2026-12-09、12/9、12月9日、来週、次回）")]
    #[name_localized("ja", "開催日")]
    date: Option<String>,
) -> Result<(), Error> {
    for_meeting(ctx, None, move |uc, _| {
        agenda::list(uc, uc.date_option(date.as_deref(), Toward::Upcoming)?)
    })
    .await
}

/// Remove a topic (your own; facilitators any)
#[poise::command(
    slash_command,
    rename = "remove",
    description_localized("ja", "議題を外します")
)]
pub(crate) async fn agenda_remove(
    ctx: Context<'_>,
    #[description = "The item's id from /agenda list"]
    #[description_localized("ja", "/agenda list の id")]
    id: String,
) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Agenda), move |uc, who| {
        agenda::remove(uc, who, &id)
    })
    .await
}

/// Mark a topic as covered, so it is not carried over
#[poise::command(
    slash_command,
    rename = "done",
    description_localized("ja", "議題を話し済みにします（持ち越さない）")
)]
pub(crate) async fn agenda_done(
    ctx: Context<'_>,
    #[description = "The item's id from /agenda list"]
    #[description_localized("ja", "/agenda list の id")]
    id: String,
) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Agenda), move |uc, who| {
        agenda::done(uc, who, &id)
    })
    .await
}

/// Sessions held and skipped, RSVPs and presence over time, topics by kind (with a chart)
#[poise::command(
    slash_command,
    guild_only,
    description_localized("ja", "開催回数・出欠・議題の統計（グラフ付き）")
)]
pub(crate) async fn stats(ctx: Context<'_>) -> Result<(), Error> {
    // Reading the whole log and drawing take a moment.
    ctx.defer().await?;
    let state = ctx.data().state.clone();
    let channel = ctx.channel_id().get();
    // Reading the log and drawing the chart stay off the runtime's workers, at a lower priority.
    let result = crate::heavy_work::run_heavy(move || {
        let meeting = state.meeting_for_channel(channel);
        state.with_use_case(meeting, |uc| {
            crate::app::stats::summary_with_chart(uc, state.config.incident_min_minutes())
        })
    })
    .await?;
    let reply = match result {
        Ok((text, png)) => {
            // Discord caps a message at 2000 characters; the chart carries the rest.
            let text: String = text.chars().take(1900).collect();
            poise::CreateReply::default()
                .content(format!("```\n{text}```"))
                .attachment(serenity::CreateAttachment::bytes(png, "stats.png"))
        }
        Err(UserError(text)) => poise::CreateReply::default().content(text).ephemeral(true),
    };
    ctx.send(reply.allowed_mentions(serenity::CreateAllowedMentions::new()))
        .await?;
    Ok(())
}

/// The calendar's secret subscription address (facilitators; only you see it)
#[poise::command(
    slash_command,
    guild_only,
    description_localized(
        "ja",
        "カレンダーの購読用アドレス（ファシリテーターのみ・本人にだけ表示）"
    )
)]
pub(crate) async fn calendar(ctx: Context<'_>) -> Result<(), Error> {
    let state = ctx.data().state.clone();
    let member = ctx.author_member().await;
    let who = actor(
        &state,
        state.meeting_for_channel(ctx.channel_id().get()),
        ctx.author(),
        member.as_deref(),
    );
    // The first request creates the token file: off the runtime's workers.
    let result =
        tokio::task::spawn_blocking(move || crate::app::calendar_url::show(&state.config, &who))
            .await?;
    answer(ctx, result).await
}

/// The next session: time, facilitator, agenda, RSVPs and weeks off
#[poise::command(slash_command, guild_only, description_localized("ja", "次回の予定"))]
pub(crate) async fn next(ctx: Context<'_>) -> Result<(), Error> {
    for_meeting(ctx, None, move |uc, _| sessions::next(uc)).await
}

/// Say whether you will come (optional, change any time)
#[poise::command(
    slash_command,
    guild_only,
    description_localized("ja", "出欠（任意・いつでも変更可）")
)]
pub(crate) async fn rsvp(
    ctx: Context<'_>,
    #[description = "going, maybe or not_going"]
    #[description_localized("ja", "参加・たぶん・不参加")]
    #[name_localized("ja", "出欠")]
    status: StatusChoice,
    #[description = "Session date: 2026-12-09, 12/9, 12月9日, next week or next"]
    #[description_localized("ja", "開催日（2026-12-09、12/9、12月9日、来週、次回）")]
    #[name_localized("ja", "開催日")]
    date: Option<String>,
) -> Result<(), Error> {
    let status = match status {
        StatusChoice::Going => RsvpStatus::Going,
        StatusChoice::Maybe => RsvpStatus::Maybe,
        StatusChoice::NotGoing => RsvpStatus::NotGoing,
    };
    for_meeting(ctx, Some(Change::Attendance), move |uc, who| {
        sessions::rsvp(
            uc,
            who,
            status,
            uc.date_option(date.as_deref(), Toward::Upcoming)?,
        )
    })
    .await
}

/// When did we talk about it? Search past sessions
#[poise::command(
    slash_command,
    guild_only,
    description_localized("ja", "過去の回を検索します")
)]
pub(crate) async fn history(
    ctx: Context<'_>,
    #[description = "Words to look for (any language)"]
    #[description_localized("ja", "検索する言葉")]
    #[name_localized("ja", "言葉")]
    query: String,
    #[description = "From: 2026-12-09, 12/9 or 12月9日 (without a year: the last such day)"]
    #[description_localized(
        "ja",
        "この日から（2026-12-09、12/9、12月9日。年を省くと今日までで直近の日）"
    )]
    since: Option<String>,
    #[description = "Until: 2026-12-09, 12/9 or 12月9日 (without a year: the last such day)"]
    #[description_localized(
        "ja",
        "この日まで（2026-12-09、12/9、12月9日。年を省くと今日までで直近の日）"
    )]
    until: Option<String>,
    #[description = "What to search"]
    #[description_localized("ja", "対象")]
    #[name_localized("ja", "種類")]
    kind: Option<HistoryKindChoice>,
    #[description = "Page (5 results per page)"]
    #[description_localized("ja", "ページ（5件ずつ）")]
    #[min = 1]
    #[name_localized("ja", "ページ")]
    page: Option<u32>,
) -> Result<(), Error> {
    // The first search reads the index into memory, which can take a moment on a large log.
    ctx.defer().await?;
    for_meeting(ctx, None, move |uc, _| {
        let search = HistorySearch {
            query,
            since: uc.date_option(since.as_deref(), Toward::Past)?,
            until: uc.date_option(until.as_deref(), Toward::Past)?,
            kind: kind.map(|k| match k {
                HistoryKindChoice::Session => RecordKind::Session,
                HistoryKindChoice::Agenda => RecordKind::Agenda,
                HistoryKindChoice::Postmortem => RecordKind::Postmortem,
                HistoryKindChoice::Learning => RecordKind::Learning,
                HistoryKindChoice::Incident => RecordKind::Incident,
                HistoryKindChoice::Action => RecordKind::Action,
            }),
            page: page.unwrap_or(1) as usize,
        };
        knowledge::history(uc, search)
    })
    .await
}

/// Incidents from the alert hooks (default: since the last session)
#[poise::command(
    slash_command,
    guild_only,
    description_localized("ja", "アラートから届いたインシデント（既定は前回の回から）")
)]
pub(crate) async fn incidents(
    ctx: Context<'_>,
    #[description = "From: 2026-12-09, 12/9 or 12月9日 (without a year: the last such day)"]
    #[description_localized(
        "ja",
        "この日から（2026-12-09、12/9、12月9日。年を省くと今日までで直近の日）"
    )]
    since: Option<String>,
    #[description = "Page (5 per page)"]
    #[description_localized("ja", "ページ（5件ずつ）")]
    #[min = 1]
    #[name_localized("ja", "ページ")]
    page: Option<u32>,
) -> Result<(), Error> {
    for_meeting(ctx, None, move |uc, _| {
        let since = uc.date_option(since.as_deref(), Toward::Past)?;
        incident_topics::list(uc, since, page.unwrap_or(1) as usize)
    })
    .await
}

/// Keep what we learned
#[poise::command(
    slash_command,
    guild_only,
    subcommands("learning_add"),
    subcommand_required,
    description_localized("ja", "学びを残します")
)]
pub(crate) async fn learning(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Record a learning (default: the latest session)
#[poise::command(
    slash_command,
    rename = "add",
    description_localized("ja", "学びを記録します")
)]
pub(crate) async fn learning_add(
    ctx: Context<'_>,
    #[description = "What we learned"]
    #[description_localized("ja", "学んだこと")]
    #[name_localized("ja", "学んだこと")]
    text: String,
    #[description = "Tags, comma separated"]
    #[description_localized("ja", "タグ（カンマ区切り）")]
    #[name_localized("ja", "タグ")]
    tags: Option<String>,
    #[description = "Session date: 2026-12-09, 12/9 or 12月9日 (without a year: the last such day)"]
    #[description_localized(
        "ja",
        "開催日（2026-12-09、12/9、12月9日。年を省くと今日までで直近の日）"
    )]
    date: Option<String>,
) -> Result<(), Error> {
    let tags: Vec<String> = tags
        .unwrap_or_default()
        .split([',', '、'])
        .map(str::to_string)
        .collect();
    for_meeting(ctx, Some(Change::Knowledge), move |uc, who| {
        // During today's session, linked to the item on now like the form.
        crate::app::session::add_learning_now(
            uc,
            who,
            &text,
            &tags,
            uc.past_session_option(date.as_deref())?,
        )
    })
    .await
}

/// Record a postmortem: how we recovered (a form opens)
#[poise::command(
    slash_command,
    guild_only,
    description_localized("ja", "ポストモーテムを記録します（フォームが開きます）")
)]
pub(crate) async fn postmortem(
    ctx: Context<'_>,
    #[description = "Session date: 2026-12-09, 12/9 or 12月9日 (without a year: the last such day)"]
    #[description_localized(
        "ja",
        "開催日（2026-12-09、12/9、12月9日。年を省くと今日までで直近の日）"
    )]
    date: Option<String>,
    #[description = "An incident's id (see /incidents): the form starts with its title and timeline"]
    #[description_localized(
        "ja",
        "インシデントの id（/incidents で確認）。タイトルとタイムラインが入った状態で開きます"
    )]
    incident: Option<String>,
) -> Result<(), Error> {
    let poise::Context::Application(app) = ctx else {
        return Ok(());
    };
    let state = &ctx.data().state;
    let meeting = state.meeting_for_channel(ctx.channel_id().get());
    let found = state.with_use_case(meeting, |uc| {
        let date = uc.past_session_option(date.as_deref())?;
        let draft = match incident.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => Some(incident_topics::postmortem_draft(uc, id)?),
            _ => None,
        };
        Ok::<_, UserError>((date, draft))
    });
    let (date, draft) = match found {
        Ok(found) => found,
        Err(e) => return answer(ctx, Err(e)).await,
    };
    // Filed under the session where the incident is talked about, unless a date was given.
    let date = date.or(draft.as_ref().and_then(|d| d.session));
    let (title, timeline) = draft.map(|d| (d.title, d.timeline)).unwrap_or_default();
    // Discord refuses a prefilled value longer than the field allows.
    let prefilled = |input: serenity::CreateInputText, text: &str, max: usize| {
        if text.is_empty() {
            input
        } else {
            input.value(text.chars().take(max).collect::<String>())
        }
    };
    let ja = state.config.daemon.language == crate::domain::language::Language::Ja;
    let label = |ja_text: &'static str, en_text: &'static str| if ja { ja_text } else { en_text };
    let input = |style, name: &str, id: &str, required: bool| {
        serenity::CreateInputText::new(style, name, id)
            .required(required)
            .max_length(4000)
    };
    use serenity::InputTextStyle::{Paragraph, Short};
    let modal = serenity::CreateModal::new(
        postmortem_modal_id(&meeting.id, date),
        label("ポストモーテム", "Postmortem"),
    )
    .components(vec![
        serenity::CreateActionRow::InputText(prefilled(
            input(Short, label("タイトル", "Title"), "title", true).max_length(300),
            &title,
            300,
        )),
        serenity::CreateActionRow::InputText(input(
            Paragraph,
            label("影響", "Impact"),
            "impact",
            true,
        )),
        serenity::CreateActionRow::InputText(prefilled(
            input(
                Paragraph,
                label("復旧のためにしたこと", "What was done to recover"),
                "actions_taken",
                true,
            ),
            &timeline,
            4000,
        )),
        serenity::CreateActionRow::InputText(input(
            Paragraph,
            label("根本原因（任意）", "Root cause (optional)"),
            "root_cause",
            false,
        )),
        serenity::CreateActionRow::InputText(input(
            Paragraph,
            label("再発防止", "Prevention"),
            "prevention",
            true,
        )),
    ]);
    app.interaction
        .create_response(
            ctx.http(),
            serenity::CreateInteractionResponse::Modal(modal),
        )
        .await?;
    Ok(())
}

/// Skip a session (facilitators)
#[poise::command(
    slash_command,
    guild_only,
    description_localized("ja", "回をお休みにします（ファシリテーター）")
)]
pub(crate) async fn skip(
    ctx: Context<'_>,
    #[description = "Session date: 2026-12-09, 12/9, 12月9日, next week or next"]
    #[description_localized("ja", "開催日（2026-12-09、12/9、12月9日、来週、次回）")]
    #[name_localized("ja", "開催日")]
    date: String,
    #[description = "Why (shown to everyone)"]
    #[description_localized("ja", "理由")]
    #[name_localized("ja", "理由")]
    reason: String,
) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Schedule), move |uc, who| {
        let date = uc
            .date_option(Some(&date), Toward::Upcoming)?
            .expect("a given date");
        sessions::skip(uc, who, date, &reason)
    })
    .await
}

/// Undo a skip (facilitators)
#[poise::command(
    slash_command,
    guild_only,
    description_localized("ja", "お休みを取り消します（ファシリテーター）")
)]
pub(crate) async fn unskip(
    ctx: Context<'_>,
    #[description = "Session date: 2026-12-09, 12/9, 12月9日, next week or next"]
    #[description_localized("ja", "開催日（2026-12-09、12/9、12月9日、来週、次回）")]
    #[name_localized("ja", "開催日")]
    date: String,
) -> Result<(), Error> {
    for_meeting(ctx, Some(Change::Schedule), move |uc, who| {
        let date = uc
            .date_option(Some(&date), Toward::Upcoming)?
            .expect("a given date");
        sessions::unskip(uc, who, date)
    })
    .await
}
