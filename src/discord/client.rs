//! Discord transport: serenity's `Http` and `Client` with the poise framework, plus the few REST
//! calls the daemon makes on its own (messages with buttons, guild scheduled events).
//!
//! Command logic does not live here. Commands and handlers should turn what Discord sent into
//! plain input, call a pure function, and send back its reply. `serenity::Context` cannot be
//! built outside serenity, so only logic kept out of it can be tested directly.
//!
//! # Buttons and modal submits
//!
//! poise only dispatches slash commands (and autocomplete) itself. Every other gateway event,
//! including button clicks (`Interaction::Component`) and modal submits (`Interaction::Modal`),
//! goes to `FrameworkOptions::event_handler`:
//!
//! ```ignore
//! let mut options = base_options::<Data>();
//! options.commands = vec![ping(), rsvp()];
//! options.event_handler = |framework, event| {
//!     Box::pin(async move {
//!         let http = &framework.serenity_context.http;
//!         match event {
//!             serenity::FullEvent::InteractionCreate {
//!                 interaction: serenity::Interaction::Component(click),
//!             } if click.data.custom_id.starts_with("wp:") => {
//!                 let reply = logic::on_button(&click.data.custom_id, click.user.id.get());
//!                 click.create_response(http, ephemeral_reply(reply.text)).await?;
//!             }
//!             serenity::FullEvent::InteractionCreate {
//!                 interaction: serenity::Interaction::Modal(submit),
//!             } if submit.data.custom_id.starts_with("wp:") => {
//!                 let note = modal_value(&submit.data, "note").unwrap_or_default();
//!                 submit.create_response(http, ephemeral_reply(format!("noted: {note}"))).await?;
//!             }
//!             _ => {}
//!         }
//!         Ok(())
//!     })
//! };
//! ```
//!
//! Match only custom ids that carry your own prefix. A modal opened with `poise::Modal::execute`
//! uses the slash command's interaction id as its custom id and is answered by poise's collector.
//! A second answer from the event handler would be refused by Discord, because one interaction
//! takes one callback.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use poise::serenity_prelude as serenity;
use serenity::{
    ChannelId, CreateActionRow, CreateAllowedMentions, CreateButton, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditScheduledEvent, GatewayIntents, GuildId,
    Http, HttpBuilder, Message, ScheduledEvent, ScheduledEventId, ScheduledEventType,
};
use tokio::sync::watch;

use crate::chat::{ChatButton, EventPlace, ScheduledEventSpec};
use tokio::task::JoinHandle;

/// The bot token. It has no `Display` and its `Debug` is redacted, so neither a `{:?}` of the
/// config nor a tracing field can leak it; read it with [`BotToken::expose`] only where it is
/// handed to serenity.
#[derive(Clone)]
pub(crate) struct BotToken(String);

impl BotToken {
    pub(crate) fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The raw token, for serenity only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The bot's application id: a bot token's first part is its user id (the
    /// application's) in base64, so the invite URL needs no call to Discord.
    pub(crate) fn application_id(&self) -> Option<u64> {
        use base64::Engine as _;
        let first = self.0.split('.').next()?;
        let digits = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(first.trim_end_matches('='))
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(first))
            .ok()?;
        std::str::from_utf8(&digits)
            .ok()?
            .parse()
            .ok()
            .filter(|id| *id > 0)
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotToken(<redacted>)")
    }
}

/// Where and as whom the bot connects.
#[derive(Debug, Clone)]
pub(super) struct DiscordConnection {
    pub token: BotToken,
    /// `http://host:port` of a Discord stand-in (the tests' fake, or a rate-limiting proxy) that
    /// serves `/api/v10/...`. `None` means Discord itself.
    pub api_base_url: Option<String>,
    /// The one guild the daemon serves; slash commands are registered there only.
    pub guild_id: GuildId,
}

/// Builds the serenity `Http`.
///
/// With `api_base_url`, serenity's own rate limiter is turned off: when it is on, serenity sends
/// every call to discord.com whatever the proxy says, and a stand-in (or a real proxy) does its
/// own rate limiting. Without it, calls go to Discord through serenity's rate limiter.
///
/// No message the daemon sends may ping anyone by default: user text can contain `<@id>`.
pub(super) fn build_http(conn: &DiscordConnection) -> Http {
    let builder = HttpBuilder::new(conn.token.expose())
        .default_allowed_mentions(CreateAllowedMentions::new());
    match &conn.api_base_url {
        Some(url) => builder
            .proxy(url.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => builder.build(),
    }
}

/// Only non-privileged intents: the bot answers interactions and never reads message content.
/// `GUILDS` fills the cache with the guild, its channels and roles; `GUILD_MESSAGES` brings
/// message create/update/delete events (without their content), e.g. to notice that the
/// announcement was deleted.
pub(super) fn intents() -> GatewayIntents {
    // Voice states let the bot count who is in the voice channel (`present`); none is privileged.
    GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::GUILD_VOICE_STATES
}

/// A filter the daemon's log subscriber must apply whatever `RUST_LOG` says, e.g.
/// `fmt::layer().with_filter(filter_fn(discord::client::log_filter))`: at TRACE, tungstenite
/// dumps every websocket frame it writes, the IDENTIFY with the bot token included
/// (hex-encoded). With this filter, nothing the bot logged in our tests at TRACE (serenity,
/// poise, reqwest, hyper, tungstenite) held the token.
pub(crate) fn log_filter(meta: &tracing::Metadata<'_>) -> bool {
    let target = meta.target();
    !(*meta.level() == tracing::Level::TRACE
        && (target.starts_with("tungstenite") || target.starts_with("tokio_tungstenite")))
}

/// Where the bot is in its life, as [`RunningBot::wait_ready`] sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BotStatus {
    /// Connecting, or waiting for READY and the command registration.
    Starting,
    /// Identified, and the commands are registered in the guild.
    Ready,
    /// Stopped with an error (bad token, registration refused, gateway gone...).
    Failed(String),
    /// Stopped after [`RunningBot::shutdown`].
    Stopped,
}

/// A started bot. Dropping it leaves the bot running; call [`RunningBot::shutdown`].
pub(crate) struct RunningBot {
    /// For the daemon's own REST calls (messages, scheduled events).
    pub http: Arc<Http>,
    /// serenity's cache (guild, channels, roles after GUILD_CREATE).
    pub cache: Arc<serenity::Cache>,
    shard_manager: Arc<serenity::ShardManager>,
    status: watch::Receiver<BotStatus>,
    task: JoinHandle<Result<(), serenity::Error>>,
}

impl RunningBot {
    /// Waits until the bot stopped for good (the client ended, or the setup failed), for the
    /// daemon's main loop to `select!` on next to its shutdown signal. serenity reconnects by
    /// itself after network trouble; this only returns for what it does not retry (e.g. a token
    /// Discord refused).
    pub(crate) async fn stopped(&self) -> BotStatus {
        let mut status = self.status.clone();
        match status
            .wait_for(|s| matches!(s, BotStatus::Failed(_) | BotStatus::Stopped))
            .await
        {
            Ok(s) => s.clone(),
            Err(_) => BotStatus::Stopped,
        }
    }

    /// Closes the gateway connection and waits (briefly) for the client task to end.
    pub(crate) async fn shutdown(self) {
        self.shard_manager.shutdown_all().await;
        let mut task = self.task;
        // `shutdown_all` returns at once when no shard runs yet (still connecting); then the
        // client would go on, so give it a moment and abort it.
        if tokio::time::timeout(Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            tracing::warn!("the Discord client did not stop within 5 s; aborting it");
            task.abort();
        }
    }
}

/// Starts the serenity client with the poise framework. The commands in `options` are
/// registered in the guild once READY arrives (guild commands show up at once; global ones can
/// take an hour), then `data` becomes the framework's user data.
///
/// Returns as soon as the client task is spawned; use [`RunningBot::wait_ready`].
/// If registering the commands fails the bot shuts itself down and `wait_ready` says why: poise
/// would otherwise wait forever for user data and never answer a command.
pub(super) async fn start_bot<U: Send + Sync + 'static>(
    conn: &DiscordConnection,
    options: poise::FrameworkOptions<U, anyhow::Error>,
    data: U,
) -> anyhow::Result<RunningBot> {
    let guild_id = conn.guild_id;
    let (status_tx, status_rx) = watch::channel(BotStatus::Starting);
    let status_tx = Arc::new(status_tx);
    let setup_status = Arc::clone(&status_tx);
    // Why the setup failed; read when the client stops, which can happen before the setup
    // got to publish its status.
    let failure: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let setup_failure = Arc::clone(&failure);

    // `Framework::new` and not `Framework::builder()`: the builder overwrites
    // `options.initialize_owners` with its own default (true).
    let framework = poise::Framework::new(options, move |ctx, ready, framework| {
        Box::pin(async move {
            tracing::info!(bot_user = %ready.user.name, guild = %guild_id, "Discord gateway ready");
            let registered =
                poise::builtins::register_in_guild(ctx, &framework.options().commands, guild_id)
                    .await;
            match registered {
                Ok(()) => {
                    tracing::info!(
                        commands = framework.options().commands.len(),
                        "slash commands registered in the guild"
                    );
                    setup_status.send_replace(BotStatus::Ready);
                    Ok(data)
                }
                Err(err) => {
                    let why = format!("registering the slash commands failed: {err}");
                    *setup_failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(why.clone());
                    // Shut down before telling `wait_ready`: a second `shutdown_all` running
                    // at the same time (from `RunningBot::shutdown`) waits 5 s for a
                    // confirmation that only the first one gets.
                    framework.shard_manager().shutdown_all().await;
                    setup_status.send_replace(BotStatus::Failed(why));
                    Err(anyhow::Error::new(err).context("registering the slash commands"))
                }
            }
        })
    });

    let mut client = serenity::ClientBuilder::new_with_http(build_http(conn), intents())
        .framework(framework)
        .await
        .context("building the Discord client")?;

    let http = Arc::clone(&client.http);
    let cache = Arc::clone(&client.cache);
    let shard_manager = Arc::clone(&client.shard_manager);
    let task = tokio::spawn(async move {
        let result = client.start().await;
        let setup_failure = failure.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match (&result, setup_failure) {
            (_, Some(why)) => {
                status_tx.send_replace(BotStatus::Failed(why));
            }
            (Ok(()), None) => {
                status_tx.send_replace(BotStatus::Stopped);
            }
            (Err(err), None) => {
                tracing::error!(error = %err, "the Discord client stopped");
                status_tx.send_replace(BotStatus::Failed(err.to_string()));
            }
        }
        result
    });

    Ok(RunningBot {
        http,
        cache,
        shard_manager,
        status: status_rx,
        task,
    })
}

/// FrameworkOptions we always want:
/// - nobody is ever pinged by what a reply contains (poise's default pings users);
/// - errors are logged, and the user gets a short message without internals;
/// - no prefix commands (they need the privileged MESSAGE_CONTENT intent);
/// - no owner lookup at start (no command is owners-only; saves a REST call).
pub(super) fn base_options<U: Send + Sync + 'static>() -> poise::FrameworkOptions<U, anyhow::Error>
{
    poise::FrameworkOptions {
        allowed_mentions: Some(CreateAllowedMentions::new()),
        on_error: |error| Box::pin(on_error(error)),
        initialize_owners: false,
        ..Default::default()
    }
}

/// What a user sees when a command failed; the details go to the log only.
fn failure_message(locale: Option<&str>) -> &'static str {
    match locale {
        Some(l) if l.starts_with("ja") => {
            "エラーが発生しました。しばらくしてからもう一度お試しください。"
        }
        _ => "Something went wrong. Please try again later.",
    }
}

async fn on_error<U: Send + Sync + 'static>(error: poise::FrameworkError<'_, U, anyhow::Error>) {
    match error {
        poise::FrameworkError::Setup { error, .. } => {
            tracing::error!(error = format!("{error:#}"), "Discord bot setup failed");
        }
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(
                command = %ctx.command().qualified_name,
                user = %ctx.author().id,
                error = format!("{error:#}"),
                "command failed"
            );
            let reply = poise::CreateReply::default()
                .content(failure_message(ctx.locale()))
                .ephemeral(true)
                .allowed_mentions(CreateAllowedMentions::new());
            if let Err(err) = ctx.send(reply).await {
                tracing::warn!(error = %err, "could not tell the user that the command failed");
            }
        }
        poise::FrameworkError::EventHandler { error, event, .. } => {
            tracing::error!(
                event = event.snake_case_name(),
                error = format!("{error:#}"),
                "event handler failed"
            );
        }
        other => {
            // Argument parse errors, missing permissions, cooldowns, panics...: poise's own
            // messages are fine (they do not ping and do not show internals).
            if let Err(err) = poise::builtins::on_error(other).await {
                tracing::warn!(error = %err, "could not report a framework error");
            }
        }
    }
}

/// An ephemeral answer to a button click or a modal submit (only the clicker sees it).
pub(super) fn ephemeral_reply(content: impl Into<String>) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(content)
            .ephemeral(true)
            .allowed_mentions(CreateAllowedMentions::new()),
    )
}

/// The text a user typed into the modal field `custom_id` (`None` when empty or absent).
pub(super) fn modal_value<'a>(
    data: &'a serenity::ModalInteractionData,
    custom_id: &str,
) -> Option<&'a str> {
    data.components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|component| match component {
            serenity::ActionRowComponent::InputText(input) if input.custom_id == custom_id => {
                input.value.as_deref().filter(|v| !v.is_empty())
            }
            _ => None,
        })
}

/// Discord's limits, checked here so that a mistake is a clear error and not a 400.
fn check_message(content: &str, buttons: &[ChatButton]) -> anyhow::Result<()> {
    let chars = content.chars().count();
    if chars > crate::chat::MAX_MESSAGE_CHARS {
        bail!(
            "a Discord message holds at most {} characters, this one has {chars}",
            crate::chat::MAX_MESSAGE_CHARS
        );
    }
    if buttons.len() > 25 {
        bail!(
            "a message holds at most 5 rows of 5 buttons, got {}",
            buttons.len()
        );
    }
    for b in buttons {
        if b.custom_id.is_empty() || b.custom_id.chars().count() > 100 {
            bail!(
                "a button custom id has 1 to 100 characters: {:?}",
                b.custom_id
            );
        }
        if b.label.chars().count() > 80 {
            bail!("a button label has at most 80 characters: {:?}", b.label);
        }
    }
    Ok(())
}

/// Rows of five buttons, in order.
fn action_rows(buttons: &[ChatButton]) -> Vec<CreateActionRow> {
    buttons
        .chunks(5)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|b| {
                        CreateButton::new(b.custom_id.clone())
                            .label(b.label.clone())
                            .style(serenity::ButtonStyle::Secondary)
                    })
                    .collect(),
            )
        })
        .collect()
}

/// Posts `content` with its buttons in rows (none if empty) and a nonce that
/// Discord enforces: posting again with the same nonce within a few minutes
/// returns the first message. Nobody is pinged, whatever the text contains.
pub(super) async fn post_message_with_nonce(
    http: &Http,
    channel_id: ChannelId,
    content: &str,
    buttons: &[ChatButton],
    nonce: &str,
) -> anyhow::Result<Message> {
    check_message(content, buttons)?;
    let message = CreateMessage::new()
        .content(content)
        .allowed_mentions(CreateAllowedMentions::new())
        .components(action_rows(buttons))
        .nonce(serenity::Nonce::String(nonce.chars().take(25).collect()))
        .enforce_nonce(true);
    channel_id
        .send_message(http, message)
        .await
        .with_context(|| format!("posting a message to channel {channel_id}"))
}

/// Discord's limits for a scheduled event, checked before sending.
fn check_event(spec: &ScheduledEventSpec) -> anyhow::Result<()> {
    let name = spec.name.chars().count();
    if name == 0 || name > 100 {
        bail!("a scheduled event name has 1 to 100 characters, got {name}");
    }
    if let Some(d) = &spec.description
        && d.chars().count() > 1000
    {
        bail!("a scheduled event description has at most 1000 characters");
    }
    if spec.end <= spec.start {
        bail!("a scheduled event must end after it starts");
    }
    if let EventPlace::External { location } = &spec.place {
        let chars = location.chars().count();
        if chars == 0 || chars > 100 {
            bail!("an external event location has 1 to 100 characters, got {chars}");
        }
    }
    Ok(())
}

/// Creates a guild scheduled event. The bot needs the Create Events permission.
///
/// These wrappers take `&Http`, not a `Context`: with a cache, serenity would first check the
/// bot's permissions against the cached guild, which the daemon's reconcile loop may not have.
pub(super) async fn create_scheduled_event(
    http: &Http,
    guild_id: GuildId,
    spec: &ScheduledEventSpec,
) -> anyhow::Result<ScheduledEvent> {
    check_event(spec)?;
    let kind = match spec.place {
        EventPlace::Voice(_) => ScheduledEventType::Voice,
        EventPlace::External { .. } => ScheduledEventType::External,
    };
    let mut builder =
        serenity::CreateScheduledEvent::new(kind, spec.name.clone(), spec.start).end_time(spec.end);
    builder = match &spec.place {
        EventPlace::Voice(channel) => builder.channel_id(ChannelId::new(*channel)),
        EventPlace::External { location } => builder.location(location.clone()),
    };
    if let Some(description) = &spec.description {
        builder = builder.description(description.clone());
    }
    guild_id
        .create_scheduled_event(http, builder)
        .await
        .with_context(|| format!("creating the scheduled event {:?}", spec.name))
}

/// Makes an existing scheduled event match `spec`: name, times and place are all sent; a
/// `description` of `None` leaves the event's description as it is.
pub(super) async fn edit_scheduled_event(
    http: &Http,
    guild_id: GuildId,
    event_id: ScheduledEventId,
    spec: &ScheduledEventSpec,
) -> anyhow::Result<ScheduledEvent> {
    check_event(spec)?;
    // `kind` first: it clears the other place (channel for EXTERNAL, metadata for VOICE), and
    // the place set after it must survive.
    let mut builder = EditScheduledEvent::new()
        .name(spec.name.clone())
        .start_time(spec.start)
        .end_time(spec.end);
    builder = match &spec.place {
        EventPlace::Voice(channel) => builder
            .kind(ScheduledEventType::Voice)
            .channel_id(ChannelId::new(*channel)),
        EventPlace::External { location } => builder
            .kind(ScheduledEventType::External)
            .location(location.clone()),
    };
    if let Some(description) = &spec.description {
        builder = builder.description(description.clone());
    }
    guild_id
        .edit_scheduled_event(http, event_id, builder)
        .await
        .with_context(|| format!("editing the scheduled event {event_id}"))
}

/// Deletes a scheduled event.
pub(super) async fn delete_scheduled_event(
    http: &Http,
    guild_id: GuildId,
    event_id: ScheduledEventId,
) -> anyhow::Result<()> {
    guild_id
        .delete_scheduled_event(http, event_id)
        .await
        .with_context(|| format!("deleting the scheduled event {event_id}"))
}

/// The guild's scheduled events, for reconciling them with the meeting plan.
pub(super) async fn list_scheduled_events(
    http: &Http,
    guild_id: GuildId,
) -> anyhow::Result<Vec<ScheduledEvent>> {
    guild_id
        .scheduled_events(http, false)
        .await
        .context("listing the guild's scheduled events")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_never_debug_printed() {
        let conn = DiscordConnection {
            token: BotToken::new("very-secret"),
            api_base_url: None,
            guild_id: GuildId::new(1),
        };
        assert!(!format!("{conn:?}").contains("very-secret"));
        assert_eq!(conn.token.expose(), "very-secret");
    }

    #[test]
    fn the_application_id_is_read_from_the_tokens_first_part() {
        // serenity's own example token: its first part is "288760241363877888".
        let token = BotToken::new("Mjg4NzYwMjQxMzYzODc3ODg4.C_ikow.j3VupLBuE1QWZng3TMGH0z_UAwg");
        assert_eq!(token.application_id(), Some(288_760_241_363_877_888));
        assert_eq!(BotToken::new("not a token").application_id(), None);
        assert_eq!(BotToken::new("").application_id(), None);
    }

    #[test]
    fn discord_limits_are_checked_before_sending() {
        assert!(check_message(&"あ".repeat(2000), &[]).is_ok());
        assert!(check_message(&"あ".repeat(2001), &[]).is_err());
        let button = |id: String| ChatButton {
            custom_id: id,
            label: "x".into(),
        };
        // Five rows of five: the day's three RSVP buttons and incidents' 「話します」.
        let six: Vec<_> = (0..6).map(|i| button(format!("b{i}"))).collect();
        assert!(check_message("hi", &six).is_ok());
        assert_eq!(action_rows(&six).len(), 2);
        let too_many: Vec<_> = (0..26).map(|i| button(format!("b{i}"))).collect();
        assert!(check_message("hi", &too_many).is_err());
        assert!(check_message("hi", &[button(String::new())]).is_err());
    }

    #[test]
    fn a_scheduled_event_must_end_after_it_starts() {
        let start = chrono::Utc::now();
        let spec = ScheduledEventSpec {
            name: "週刊ポストモーテム".into(),
            description: None,
            start,
            end: start,
            place: EventPlace::External {
                location: "会議室".into(),
            },
        };
        assert!(check_event(&spec).is_err());
    }
}
