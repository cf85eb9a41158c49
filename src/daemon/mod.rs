//! `run`: one process that owns the store and runs the integrations, the
//! background jobs and the local HTTP endpoint under one shutdown signal.

mod http;
mod jobs;
mod metrics;
mod systemd;
mod web;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::app::metrics::Metrics;
use crate::app::state::{AppState, HolidaySource, Holidays, IntegrationStatus};
use crate::clock::Clock;
use crate::config::Config;
use crate::discord::bot as discord_bot;
use crate::discord::chat::DiscordChat;
use crate::domain::holidays::{JapaneseHolidays, OfficialList};
use crate::holiday_refresh;
use crate::store::SledLog;

/// How long in-flight work gets after SIGTERM before we exit anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);
const HOLIDAY_REFRESH_EVERY: Duration = Duration::from_secs(7 * 24 * 3600);

pub fn api_token_path(state_dir: &Path) -> PathBuf {
    state_dir.join("api-token")
}

/// Runs until `shutdown` completes, then stops taking work, lets in-flight
/// writes finish, flushes and returns.
pub async fn run(
    config: Config,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    crate::memory::keep_large_blocks_mapped();
    let state_dir = config.daemon.state_dir.clone();
    let log = SledLog::open_with_cache(&state_dir, config.daemon.cache_mib.get())?;
    // Holding the store's lock, no other writer of ours runs: what a killed one left
    // half-written (a backup while the disk was full) is only taking space.
    remove_stale_temp_files(&state_dir);
    make_state_private(&state_dir);
    let listener = TcpListener::bind(config.daemon.listen)
        .await
        .with_context(|| format!("cannot listen on {} (daemon.listen)", config.daemon.listen))?;
    let api_token = write_api_token(&state_dir)?;
    let hook_listener = match &config.alerts {
        Some(alerts) => Some(
            TcpListener::bind(alerts.listen)
                .await
                .with_context(|| format!("cannot listen on {} (alerts.listen)", alerts.listen))?,
        ),
        None => None,
    };

    let holidays = match holiday_refresh::load_cached(&state_dir).await {
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
    };
    let mut integrations = integration_statuses(&config);
    let hook_token = match (&config.alerts, &hook_listener) {
        (Some(alerts), Some(listener)) => match alerts.token() {
            Ok(token) => {
                integrations[3] = IntegrationStatus::new(
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
                integrations[3] =
                    IntegrationStatus::failed("Alert hooks", true, format!("not listening: {why}"));
                None
            }
        },
        _ => None,
    };
    let calendar = match &config.google {
        Some(google) => match crate::calendar::sync::connect(google, &state_dir).await {
            Ok(api) => {
                integrations[0] = IntegrationStatus::new(
                    "Google Calendar",
                    true,
                    format!(
                        "calendar {}, {} weeks ahead, every {} min and after each change",
                        google.calendar_id, google.horizon_weeks.0, google.sync_interval_minutes
                    ),
                );
                Some(Arc::new(api))
            }
            Err(e) => {
                integrations[0] = IntegrationStatus::failed(
                    "Google Calendar",
                    false,
                    format!("cannot start: {e}"),
                );
                None
            }
        },
        None => None,
    };
    let discord_token = match &config.discord {
        Some(discord) => match discord_bot::token(discord) {
            Ok(token) => {
                integrations[1] = IntegrationStatus::new(
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
                integrations[1] = IntegrationStatus::new("Discord", false, why);
                None
            }
        },
        None => None,
    };
    for status in &integrations {
        let state = if status.enabled { "on" } else { "off" };
        if status.ok {
            tracing::info!("{}: {state}, {}", status.name, status.detail);
        } else {
            tracing::error!("{}: {state}, {}", status.name, status.detail);
        }
    }

    let state = Arc::new(AppState::new(config, clock, log, holidays, integrations));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let address = listener.local_addr()?;
    crate::atomic_file::write_atomically(
        &crate::listen_address::path(&state_dir),
        address.to_string().as_bytes(),
    )
    .context("writing the listen address into state_dir")?;
    let endpoint = http::Endpoint {
        state: state.clone(),
        api_token,
        calendar: calendar.clone(),
        stats: Default::default(),
        import_turns: http::import_turns::ImportTurns::new(),
    };
    tasks.spawn(http::serve(listener, endpoint, stop_rx.clone()));
    if let (Some(listener), Some(token), Some(alerts)) =
        (hook_listener, hook_token, state.config.alerts.clone())
    {
        let hooks = http::hooks::Hooks {
            state: state.clone(),
            config: alerts,
            token,
        };
        tasks.spawn(http::hooks::serve(listener, hooks, stop_rx.clone()));
    }
    // A store that keeps failing for three checks stops the pings: systemd restarts us.
    let grace = Duration::from_secs(3 * state.config.daemon.health_check_seconds.0);
    let watched = state.clone();
    tasks.spawn(systemd::watchdog(stop_rx.clone(), move || {
        jobs::store_health::alive(&watched, grace)
    }));
    tasks.spawn(jobs::store_health::run(state.clone(), stop_rx.clone()));
    tasks.spawn(jobs::log_summary::run(state.clone(), stop_rx.clone()));
    if state.config.daemon.holiday_refresh {
        tasks.spawn(refresh_holidays(state.clone(), stop_rx.clone()));
    }
    tasks.spawn(jobs::keep_alive::run(state.clone(), stop_rx.clone()));
    if let Some(api) = calendar {
        tasks.spawn(jobs::calendar::run(state.clone(), api, stop_rx.clone()));
    }
    let bot = match (state.config.discord.clone(), discord_token) {
        (Some(discord), Some(token)) => {
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
                        stop_rx.clone(),
                    ));
                    tasks.spawn(jobs::scheduled_events::run(
                        state.clone(),
                        chat.clone(),
                        stop_rx.clone(),
                    ));
                    tasks.spawn(jobs::presence::run(
                        state.clone(),
                        chat.clone(),
                        stop_rx.clone(),
                    ));
                    tasks.spawn(jobs::live_session::run(
                        state.clone(),
                        chat,
                        stop_rx.clone(),
                    ));
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
        _ => None,
    };
    if state.config.daemon.backups_keep > 0 {
        tasks.spawn(jobs::backup::daily(state.clone(), stop_rx.clone()));
    }

    systemd::ready(&format!("listening on {address}"));
    tracing::info!(
        "ready in {} ms, listening on http://{address}",
        started.elapsed().as_millis()
    );
    tokio::pin!(shutdown);
    let bot_stopped = async {
        match &bot {
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
    let _ = std::fs::remove_file(crate::listen_address::path(&state_dir));
    state.log.flush()?;
    tracing::info!("stopped");
    Ok(())
}

fn integration_statuses(config: &Config) -> Vec<IntegrationStatus> {
    let holiday_detail = if config.daemon.holiday_refresh {
        format!(
            "refreshing from {} weekly",
            config.daemon.holiday_source_url
        )
    } else {
        "refresh off (daemon.holiday_refresh = false); using the list shipped with this binary"
            .into()
    };
    vec![
        IntegrationStatus::new(
            "Google Calendar",
            false,
            "no [google] section in the config",
        ),
        IntegrationStatus::new("Discord", false, "no [discord] section in the config"),
        IntegrationStatus::new(
            "Holiday list",
            config.daemon.holiday_refresh,
            holiday_detail,
        ),
        IntegrationStatus::new("Alert hooks", false, "no [alerts] section in the config"),
    ]
}

/// A random token in a file only the service's user can read: whoever can
/// read it may write through the local API.
fn write_api_token(state_dir: &Path) -> anyhow::Result<String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let token = crate::secret_token::generate(crate::secret_token::TOKEN_BYTES)
        .context("reading /dev/urandom for the API token")?;
    let path = api_token_path(state_dir);
    let _ = std::fs::remove_file(&path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(token.as_bytes())?;
    Ok(token)
}

async fn refresh_holidays(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    let state_dir = state.config.daemon.state_dir.clone();
    let url = state.config.daemon.holiday_source_url.clone();
    loop {
        // The download must cover at least what is in use, so a refresh never shrinks it.
        let in_use = state.holiday_calendar();
        let attempt = tokio::select! {
            result = holiday_refresh::refresh(&state_dir, &url, in_use.official()) => result,
            _ = stop.wait_for(|s| *s) => return,
        };
        match attempt {
            Ok(fetched) => {
                let years = fetched.list.years();
                tracing::info!(
                    "holiday list refreshed from {url}: {}..={}",
                    years.start(),
                    years.end()
                );
                state.replace_holidays(Holidays {
                    calendar: JapaneseHolidays::new(fetched.list),
                    source: HolidaySource::Downloaded {
                        fetched_at: fetched.fetched_at,
                    },
                });
            }
            Err(e) => {
                Metrics::count(&state.metrics.holiday_refresh_failures);
                let years = in_use.official_years();
                tracing::warn!(
                    "holiday list refresh failed, keeping the list in use (official {}..={}): {e}",
                    years.start(),
                    years.end()
                );
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(HOLIDAY_REFRESH_EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// The list in use and how far it reaches, for `/healthz`.
fn holiday_summary(state: &AppState) -> serde_json::Value {
    let (calendar, source) = state.holiday_source();
    let years = calendar.official_years();
    let embedded_until = *OfficialList::embedded_years().end();
    let (source, fetched_at) = match &source {
        HolidaySource::Embedded => ("embedded", None),
        HolidaySource::Downloaded { fetched_at } => {
            ("cabinet_office", Some(fetched_at.to_rfc3339()))
        }
    };
    serde_json::json!({
        "source": source,
        "official_from": years.start(),
        "official_until": years.end(),
        "embedded_until": embedded_until,
        "fetched_at": fetched_at,
        "beyond": "rules of the National Holidays Act",
    })
}

/// The database, the backups and the tokens are for the service alone: a state directory
/// others can read (made by hand, or before this version) is tightened, with a warning.
fn make_state_private(state_dir: &Path) {
    match crate::atomic_file::make_private(state_dir, &["db", "backups", "holidays"]) {
        Ok(tightened) if tightened.is_empty() => {}
        Ok(tightened) => tracing::warn!(
            "{} was readable by other users: made {} file(s) and directories private (0700/0600)",
            state_dir.display(),
            tightened.len()
        ),
        Err(e) => tracing::warn!("cannot make {} private: {e}", state_dir.display()),
    }
}

/// Removes stale `*.partial` files from `state_dir` and the directories the daemon writes
/// into; a failure is logged, not fatal (the files only take space).
fn remove_stale_temp_files(state_dir: &Path) {
    for dir in [
        state_dir.to_path_buf(),
        state_dir.join("backups"),
        state_dir.join("holidays"),
    ] {
        match crate::atomic_file::remove_stale_temp_files(&dir) {
            Ok(0) => {}
            Ok(n) => tracing::info!("removed {n} stale temp file(s) from {}", dir.display()),
            Err(e) => tracing::warn!("cannot remove stale temp files from {}: {e}", dir.display()),
        }
    }
}
