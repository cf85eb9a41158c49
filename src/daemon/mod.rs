//! `run`: one process that owns the store and runs the integrations, the
//! background jobs and the local HTTP endpoint under one shutdown signal.

mod endpoint;
mod http;
mod jobs;
mod metrics;
mod startup;
mod stats_cache;
mod systemd;
mod web;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::app::metrics::Metrics;
use crate::app::state::{AppState, HolidaySource, Holidays};
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::holidays::{JapaneseHolidays, OfficialList};
use crate::holiday_refresh;

/// How long in-flight work gets after SIGTERM before we exit anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);
const HOLIDAY_REFRESH_EVERY: Duration = Duration::from_secs(7 * 24 * 3600);

pub(crate) fn api_token_path(state_dir: &Path) -> PathBuf {
    state_dir.join("api-token")
}

/// Runs until `shutdown` completes, then stops taking work, lets in-flight
/// writes finish, flushes and returns. Each stage is in [`startup`].
pub(crate) async fn run(
    config: Config,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    crate::store::sled_log::search::memory::keep_large_blocks_mapped();
    let state_dir = config.daemon.state_dir.clone();
    let opened = startup::open(&config).await?;
    let holidays = startup::load_holidays(&state_dir).await;
    let connected = startup::connect(&config, opened.hook_listener.as_ref()).await;
    connected.integrations.log();
    let integrations = connected.integrations.into_list();
    let state = Arc::new(AppState::new(
        config,
        clock,
        opened.log,
        holidays,
        integrations,
    ));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let address = opened.listener.local_addr()?;
    crate::atomic_file::write_atomically(
        &crate::listen_address::path(&state_dir),
        address.to_string().as_bytes(),
    )
    .context("writing the listen address into state_dir")?;
    let endpoint = endpoint::Endpoint {
        state: state.clone(),
        api_token: opened.api_token,
        calendar: connected.calendar.clone(),
        stats: Default::default(),
        import_turns: http::import_turns::ImportTurns::new(),
    };
    tasks.spawn(http::serve(opened.listener, endpoint, stop_rx.clone()));
    startup::spawn_hooks(
        &state,
        &mut tasks,
        &stop_rx,
        opened.hook_listener,
        connected.hook_token,
    );
    startup::spawn_jobs(&state, &mut tasks, &stop_rx, connected.calendar);
    let bot = startup::start_bot(&state, &mut tasks, &stop_rx, connected.discord_token).await;
    systemd::ready(&format!("listening on {address}"));
    tracing::info!(
        "ready in {} ms, listening on http://{address}",
        started.elapsed().as_millis()
    );
    startup::wait(shutdown, bot.as_ref(), &state).await;
    startup::stop(stop_tx, bot, tasks).await;
    let _ = std::fs::remove_file(crate::listen_address::path(&state_dir));
    state.log.flush()?;
    tracing::info!("stopped");
    Ok(())
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
