//! The stages of `run`, in order: open the store and the listeners, load the
//! holiday list, connect the integrations (each with its status), spawn the
//! endpoint's companions and the jobs, start the bot, wait, and stop.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{SHUTDOWN_GRACE, http, jobs, systemd};
use crate::app::state::{AppState, HolidaySource, Holidays, IntegrationStatus};
use crate::calendar::google::GoogleCalendar;
use crate::config::Config;
use crate::discord::bot::{self as discord_bot, BotToken};
use crate::discord::chat::DiscordChat;
use crate::domain::holidays::JapaneseHolidays;
use crate::holiday_refresh;
use crate::store::{RecoverableLog, SessionLog, SledLog};

/// What `run` holds before anything else starts: the store (its lock taken,
/// in the handle that reopens it after a failure),
/// the endpoint's listener and the hooks' one, and the local API's token.
pub(super) struct Opened {
    pub(super) log: Arc<dyn SessionLog>,
    pub(super) listener: TcpListener,
    pub(super) hook_listener: Option<TcpListener>,
    pub(super) api_token: String,
}

pub(super) async fn open(config: &Config) -> anyhow::Result<Opened> {
    let state_dir = &config.daemon.state_dir;
    let cache_mib = config.daemon.cache_mib.get();
    let log = SledLog::open_with_cache(state_dir, cache_mib)?;
    let log = Arc::new(RecoverableLog::new(state_dir.clone(), cache_mib, log));
    // Holding the store's lock, no other writer of ours runs: what a killed one left
    // half-written (a backup while the disk was full) is only taking space.
    super::remove_stale_temp_files(state_dir);
    super::make_state_private(state_dir);
    let listener = TcpListener::bind(config.daemon.listen)
        .await
        .with_context(|| format!("cannot listen on {} (daemon.listen)", config.daemon.listen))?;
    let api_token = super::write_api_token(state_dir)?;
    let hook_listener = match &config.alerts {
        Some(alerts) => Some(
            TcpListener::bind(alerts.listen)
                .await
                .with_context(|| format!("cannot listen on {} (alerts.listen)", alerts.listen))?,
        ),
        None => None,
    };
    Ok(Opened {
        log,
        listener,
        hook_listener,
        api_token,
    })
}

/// The list downloaded last time, else the one shipped with the binary.
pub(super) async fn load_holidays(state_dir: &Path) -> Holidays {
    match holiday_refresh::load_cached(state_dir).await {
        Ok(Some(fetched)) => Holidays {
            calendar: JapaneseHolidays::new(fetched.list),
            source: HolidaySource::Downloaded {
                fetched_at: fetched.fetched_at,
            },
        },
        other => {
            if let Err(e) = other {
                tracing::warn!("holiday list: {e}; using the list shipped with this binary");
            }
            Holidays {
                calendar: JapaneseHolidays::embedded(),
                source: HolidaySource::Embedded,
            }
        }
    }
}

/// Each integration's status, by name rather than by place in a list.
pub(super) struct Integrations {
    pub(super) calendar: IntegrationStatus,
    pub(super) discord: IntegrationStatus,
    pub(super) holidays: IntegrationStatus,
    pub(super) hooks: IntegrationStatus,
}

impl Integrations {
    /// Before connecting: what the config turns on.
    fn configured(config: &Config) -> Self {
        let holiday_detail = if config.daemon.holiday_refresh {
            format!(
                "refreshing from {} weekly",
                config.daemon.holiday_source_url
            )
        } else {
            "refresh off (daemon.holiday_refresh = false); using the list shipped with this binary"
                .into()
        };
        Self {
            calendar: IntegrationStatus::new(
                "Google Calendar",
                false,
                "no [google] section in the config",
            ),
            discord: IntegrationStatus::new("Discord", false, "no [discord] section in the config"),
            holidays: IntegrationStatus::new(
                "Holiday list",
                config.daemon.holiday_refresh,
                holiday_detail,
            ),
            hooks: IntegrationStatus::new(
                "Alert hooks",
                false,
                "no [alerts] section in the config",
            ),
        }
    }

    /// One line each in the log: on or off, and why.
    pub(super) fn log(&self) {
        for status in [&self.calendar, &self.discord, &self.holidays, &self.hooks] {
            let state = if status.enabled { "on" } else { "off" };
            if status.ok {
                tracing::info!("{}: {state}, {}", status.name, status.detail);
            } else {
                tracing::error!("{}: {state}, {}", status.name, status.detail);
            }
        }
    }

    /// In the order `/healthz` lists them.
    pub(super) fn into_list(self) -> Vec<IntegrationStatus> {
        vec![self.calendar, self.discord, self.holidays, self.hooks]
    }
}

/// The integrations as far as they connect before the state exists.
pub(super) struct Connected {
    pub(super) integrations: Integrations,
    pub(super) calendar: Option<Arc<GoogleCalendar>>,
    pub(super) discord_token: Option<BotToken>,
    pub(super) hook_token: Option<String>,
}

pub(super) async fn connect(config: &Config, hook_listener: Option<&TcpListener>) -> Connected {
    let mut integrations = Integrations::configured(config);
    let hook_token = match (&config.alerts, hook_listener) {
        (Some(alerts), Some(listener)) => match alerts.token() {
            Ok(token) => {
                integrations.hooks = IntegrationStatus::new(
                    "Alert hooks",
                    true,
                    format!(
                        "POST /hooks/alertmanager on {}",
                        listener.local_addr().map_or(alerts.listen, |a| a)
                    ),
                );
                Some(token)
            }
            Err(why) => {
                integrations.hooks =
                    IntegrationStatus::failed("Alert hooks", true, format!("not listening: {why}"));
                None
            }
        },
        _ => None,
    };
    let calendar = match &config.google {
        Some(google) => {
            match crate::calendar::connect::connect(google, &config.daemon.state_dir).await {
                Ok(api) => {
                    integrations.calendar = IntegrationStatus::new(
                        "Google Calendar",
                        true,
                        format!(
                            "calendar {}, {} weeks ahead, every {} min and after each change",
                            google.calendar_id,
                            google.horizon_weeks.0,
                            google.sync_interval_minutes
                        ),
                    );
                    Some(Arc::new(api))
                }
                Err(e) => {
                    integrations.calendar = IntegrationStatus::failed(
                        "Google Calendar",
                        false,
                        format!("cannot start: {e}"),
                    );
                    None
                }
            }
        }
        None => None,
    };
    let discord_token = match &config.discord {
        Some(discord) => match discord_bot::token(discord) {
            Ok(token) => {
                integrations.discord = IntegrationStatus::new(
                    "Discord",
                    true,
                    format!(
                        "guild {}, announcements in channel {}",
                        discord.guild_id.0, discord.channel_id.0
                    ),
                );
                Some(token)
            }
            Err(why) => {
                integrations.discord = IntegrationStatus::new("Discord", false, why);
                None
            }
        },
        None => None,
    };
    Connected {
        integrations,
        calendar,
        discord_token,
        hook_token,
    }
}

type Tasks = JoinSet<()>;

/// The alert hooks' listener, when `[alerts]` has its token.
pub(super) fn spawn_hooks(
    state: &Arc<AppState>,
    tasks: &mut Tasks,
    stop: &watch::Receiver<bool>,
    listener: Option<TcpListener>,
    token: Option<String>,
) {
    if let (Some(listener), Some(token), Some(alerts)) =
        (listener, token, state.config.alerts.clone())
    {
        let hooks = http::hooks::Hooks {
            state: state.clone(),
            config: alerts,
            token,
        };
        tasks.spawn(http::hooks::serve(listener, hooks, stop.clone()));
    }
}

/// The jobs that need no chat: the watchdog, the store's health, the log
/// summary, the holiday refresh, keep-alive, the calendar and the backups.
pub(super) fn spawn_jobs(
    state: &Arc<AppState>,
    tasks: &mut Tasks,
    stop: &watch::Receiver<bool>,
    calendar: Option<Arc<GoogleCalendar>>,
) {
    // A store that keeps failing for three checks stops the pings: systemd restarts us.
    let grace = std::time::Duration::from_secs(3 * state.config.daemon.health_check_seconds.0);
    let watched = state.clone();
    tasks.spawn(systemd::watchdog(stop.clone(), move || {
        jobs::store_health::alive(&watched, grace)
    }));
    tasks.spawn(jobs::store_health::run(state.clone(), stop.clone()));
    tasks.spawn(jobs::log_summary::run(state.clone(), stop.clone()));
    if state.config.daemon.holiday_refresh {
        tasks.spawn(super::refresh_holidays(state.clone(), stop.clone()));
    }
    tasks.spawn(jobs::keep_alive::run(state.clone(), stop.clone()));
    if let Some(api) = calendar {
        tasks.spawn(jobs::calendar::run(state.clone(), api, stop.clone()));
    }
    if state.config.daemon.backups_keep > 0 {
        tasks.spawn(jobs::backup::daily(state.clone(), stop.clone()));
    }
    if let Some(trackers) = state.config.trackers.clone() {
        match crate::trackers::HttpTrackers::new(trackers) {
            Ok(client) => {
                tasks.spawn(jobs::trackers::run(
                    state.clone(),
                    Arc::new(client),
                    stop.clone(),
                ));
            }
            Err(e) => tracing::error!("issue trackers: cannot make an HTTPS client: {e}"),
        }
    }
}

/// The bot and the jobs that post through it; `None` when Discord is off or
/// would not start (said in the log and in `/healthz`).
pub(super) async fn start_bot(
    state: &Arc<AppState>,
    tasks: &mut Tasks,
    stop: &watch::Receiver<bool>,
    token: Option<BotToken>,
) -> Option<discord_bot::RunningBot> {
    let (Some(discord), Some(token)) = (state.config.discord.clone(), token) else {
        return None;
    };
    match discord_bot::start(state.clone(), &discord, token).await {
        Ok(bot) => {
            let chat = Arc::new(DiscordChat::new(
                bot.http.clone(),
                bot.cache.clone(),
                poise::serenity_prelude::GuildId::new(discord.guild_id.0),
            ));
            tasks.spawn(jobs::reminders::run(
                state.clone(),
                chat.clone(),
                stop.clone(),
            ));
            tasks.spawn(jobs::scheduled_events::run(
                state.clone(),
                chat.clone(),
                stop.clone(),
            ));
            tasks.spawn(jobs::presence::run(
                state.clone(),
                chat.clone(),
                stop.clone(),
            ));
            tasks.spawn(jobs::action_reminders::run(
                state.clone(),
                chat.clone(),
                stop.clone(),
            ));
            tasks.spawn(jobs::live_session::run(state.clone(), chat, stop.clone()));
            Some(bot)
        }
        Err(e) => {
            tracing::error!("Discord: cannot start the bot: {e:#}");
            state.set_status(IntegrationStatus::failed(
                "Discord",
                true,
                format!("cannot start: {e}"),
            ));
            None
        }
    }
}

/// Until `shutdown`; a bot that stops for good is said, and the rest goes on.
pub(super) async fn wait(
    shutdown: impl Future<Output = ()>,
    bot: Option<&discord_bot::RunningBot>,
    state: &AppState,
) {
    tokio::pin!(shutdown);
    let bot_stopped = async {
        match bot {
            Some(bot) => bot.stopped().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = &mut shutdown => {}
        status = bot_stopped => {
            // serenity retries network trouble itself; this is what it will not retry.
            tracing::error!("Discord: the bot stopped: {status:?}; the rest of the daemon goes on");
            state.set_status(IntegrationStatus::failed(
                "Discord",
                true,
                format!("stopped: {status:?}"),
            ));
            shutdown.await;
        }
    }
}

/// Stops taking work, shuts the bot down and gives the tasks [`SHUTDOWN_GRACE`].
pub(super) async fn stop(
    stop_tx: watch::Sender<bool>,
    bot: Option<discord_bot::RunningBot>,
    mut tasks: Tasks,
) {
    tracing::info!("stopping: finishing in-flight work");
    systemd::stopping();
    let _ = stop_tx.send(true);
    if let Some(bot) = bot {
        bot.shutdown().await;
    }
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("some tasks did not stop within {SHUTDOWN_GRACE:?}; exiting anyway");
        tasks.abort_all();
    }
}
