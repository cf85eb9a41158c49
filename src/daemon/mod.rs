//! `run`: one process that owns the store and runs the integrations, the
//! background jobs and the local HTTP endpoint under one shutdown signal.

mod backup;
mod calendar_task;
pub mod http;
mod keep_alive_task;
pub mod metrics;
mod systemd;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::holidays::{JapaneseHolidays, OfficialList};
use crate::domain::log::cancelled_dates;
use crate::domain::schedule::Occurrence;
use crate::holiday_refresh;
use crate::store::{SessionLog, SledLog};
use metrics::Metrics;

/// How long in-flight work gets after SIGTERM before we exit anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);
const HOLIDAY_REFRESH_EVERY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Which holiday list the schedule uses, for `/healthz`.
#[derive(Debug, Clone)]
pub enum HolidaySource {
    Embedded,
    Downloaded { fetched_at: DateTime<Utc> },
}

pub struct Holidays {
    pub calendar: JapaneseHolidays,
    pub source: HolidaySource,
}

/// On or off, and why: said once at start, kept current for `/healthz`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IntegrationStatus {
    pub name: &'static str,
    pub enabled: bool,
    /// False when enabled but its last attempt failed.
    pub ok: bool,
    pub detail: String,
}

impl IntegrationStatus {
    fn new(name: &'static str, enabled: bool, detail: impl Into<String>) -> Self {
        Self {
            name,
            enabled,
            ok: true,
            detail: detail.into(),
        }
    }
}

/// What every task of the daemon shares.
pub struct Daemon {
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub log: SledLog,
    pub holidays: RwLock<Holidays>,
    pub metrics: Metrics,
    pub integrations: RwLock<Vec<IntegrationStatus>>,
    pub calendar: Option<Arc<crate::calendar::google::GoogleCalendar>>,
    /// Bumped after any change to the log; the calendar, reminders and
    /// housekeeping each watch it.
    pub changed: watch::Sender<u64>,
    /// Bearer token for the local write API; readable only by the service's user.
    pub api_token: String,
}

impl Daemon {
    pub fn set_status(&self, status: IntegrationStatus) {
        let mut all = self.integrations.write().expect("status lock poisoned");
        match all.iter_mut().find(|s| s.name == status.name) {
            Some(existing) => *existing = status,
            None => all.push(status),
        }
    }

    /// The holiday calendar in use right now (a refresh may replace it).
    pub fn holiday_calendar(&self) -> JapaneseHolidays {
        self.holidays
            .read()
            .expect("holiday lock poisoned")
            .calendar
            .clone()
    }

    /// Runs a use case for `meeting` with the daemon's store, holidays and clock.
    pub fn with_use_case<T>(
        &self,
        meeting: &crate::config::Meeting,
        use_case: impl FnOnce(&crate::app::Context) -> T,
    ) -> T {
        let holidays = self.holiday_calendar();
        let ctx = crate::app::Context {
            meeting,
            log: &self.log,
            holidays: &holidays,
            language: self.config.daemon.language,
            now: self.clock.now(),
        };
        use_case(&ctx)
    }

    /// Something in the log changed: the calendar should reflect it soon.
    pub fn log_changed(&self) {
        self.changed.send_modify(|generation| *generation += 1);
    }

    /// Occurrences of a meeting between two dates, with people's cancellations applied.
    pub fn occurrences(
        &self,
        meeting: &crate::config::Meeting,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    ) -> Result<Vec<Occurrence>, crate::store::StoreError> {
        let sessions = self.log.sessions_between(&meeting.id, from, until)?;
        let cancelled = cancelled_dates(&sessions, &meeting.id);
        let holidays = self.holidays.read().expect("holiday lock poisoned");
        Ok(meeting
            .rule
            .between(&holidays.calendar, &cancelled, from, until)
            .collect())
    }
}

/// Waits for `pause`, a change to the log or shutdown; false means shut down.
/// Every background job sleeps here between its runs, so none busy-loops.
pub async fn pause(
    pause: Duration,
    changes: &mut watch::Receiver<u64>,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(pause) => true,
        _ = changes.changed() => true,
        _ = stop.wait_for(|s| *s) => false,
    }
}

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
    let state_dir = config.daemon.state_dir.clone();
    let log = SledLog::open_with_cache(&state_dir, config.daemon.cache_mib.get())?;
    let listener = TcpListener::bind(config.daemon.listen)
        .await
        .with_context(|| format!("cannot listen on {} (daemon.listen)", config.daemon.listen))?;
    let api_token = write_api_token(&state_dir)?;

    let holidays = match holiday_refresh::load_cached(&state_dir).await {
        Some(fetched) => Holidays {
            calendar: JapaneseHolidays::new(fetched.list),
            source: HolidaySource::Downloaded {
                fetched_at: fetched.fetched_at,
            },
        },
        None => Holidays {
            calendar: JapaneseHolidays::embedded(),
            source: HolidaySource::Embedded,
        },
    };
    let mut integrations = integration_statuses(&config);
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
                integrations[0] = IntegrationStatus {
                    ok: false,
                    ..IntegrationStatus::new("Google Calendar", false, format!("cannot start: {e}"))
                };
                None
            }
        },
        None => None,
    };
    let discord_token = match &config.discord {
        Some(discord) => match crate::discord::bot::token(discord) {
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

    let daemon = Arc::new(Daemon {
        config,
        clock,
        log,
        holidays: RwLock::new(holidays),
        metrics: Metrics::default(),
        integrations: RwLock::new(integrations),
        calendar,
        changed: watch::Sender::new(0),
        api_token,
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let address = listener.local_addr()?;
    tasks.spawn(http::serve(listener, daemon.clone(), stop_rx.clone()));
    tasks.spawn(systemd::watchdog(stop_rx.clone()));
    if daemon.config.daemon.holiday_refresh {
        tasks.spawn(refresh_holidays(daemon.clone(), stop_rx.clone()));
    }
    tasks.spawn(keep_alive_task::run(daemon.clone(), stop_rx.clone()));
    if daemon.calendar.is_some() {
        tasks.spawn(calendar_task::run(daemon.clone(), stop_rx.clone()));
    }
    let bot = match (&daemon.config.discord, discord_token) {
        (Some(discord), Some(token)) => {
            match crate::discord::bot::start(daemon.clone(), discord, token).await {
                Ok(bot) => {
                    tasks.spawn(crate::discord::reminders::run(
                        daemon.clone(),
                        bot.http.clone(),
                        stop_rx.clone(),
                    ));
                    tasks.spawn(crate::discord::scheduled_events::run(
                        daemon.clone(),
                        bot.http.clone(),
                        stop_rx.clone(),
                    ));
                    tasks.spawn(crate::discord::presence::run(
                        daemon.clone(),
                        bot.cache.clone(),
                        stop_rx.clone(),
                    ));
                    Some(bot)
                }
                Err(e) => {
                    tracing::error!("Discord: cannot start the bot: {e:#}");
                    daemon.set_status(IntegrationStatus {
                        ok: false,
                        ..IntegrationStatus::new("Discord", true, format!("cannot start: {e}"))
                    });
                    None
                }
            }
        }
        _ => None,
    };
    if daemon.config.daemon.backups_keep > 0 {
        tasks.spawn(backup::daily(daemon.clone(), stop_rx.clone()));
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
            daemon.set_status(IntegrationStatus {
                ok: false,
                ..IntegrationStatus::new("Discord", true, format!("stopped: {status:?}"))
            });
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
    daemon.log.flush()?;
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
    ]
}

/// A random token in a file only the service's user can read: whoever can
/// read it may write through the local API.
fn write_api_token(state_dir: &Path) -> anyhow::Result<String> {
    use std::io::{Read, Write};
    use std::os::unix::fs::OpenOptionsExt;
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom for the API token")?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
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

async fn refresh_holidays(daemon: Arc<Daemon>, mut stop: watch::Receiver<bool>) {
    let state_dir = daemon.config.daemon.state_dir.clone();
    let url = daemon.config.daemon.holiday_source_url.clone();
    loop {
        let attempt = tokio::select! {
            result = holiday_refresh::fetch(&state_dir, &url) => result,
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
                let mut holidays = daemon.holidays.write().expect("holiday lock poisoned");
                *holidays = Holidays {
                    calendar: JapaneseHolidays::new(fetched.list),
                    source: HolidaySource::Downloaded {
                        fetched_at: fetched.fetched_at,
                    },
                };
            }
            Err(e) => {
                Metrics::count(&daemon.metrics.holiday_refresh_failures);
                tracing::warn!(
                    "holiday list refresh from {url} failed, keeping the current list: {e}"
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
pub fn holiday_summary(holidays: &Holidays) -> serde_json::Value {
    let years = holidays.calendar.official_years();
    let embedded_until = *OfficialList::embedded().years().end();
    let (source, fetched_at) = match &holidays.source {
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
