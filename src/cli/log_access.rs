//! How a CLI command reaches the session log: directly when no daemon runs,
//! through the daemon's local API when it holds the database, and for reading
//! only through a private copy (or the newest backup) when the state directory
//! cannot be written (a read-only mount, a snapshot, someone else's copy).

use crate::store::LogDocument as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use super::{CliError, Env, store_failure};
use crate::daemon::api_token_path;
use crate::domain::history::{Query, Record};
use crate::domain::language::Language;
use crate::interchange::Document;
use crate::messages::Message;
use crate::messages::cli::Cli as Say;
use crate::store::read_only::{self, Backup, PrivateCopy};
use crate::store::{ImportSummary, SledLog, StoreError};

pub(super) enum LogAccess {
    Direct(SledLog),
    Daemon(DaemonClient),
    /// The state directory cannot be written: a private copy of its database.
    Copy(PrivateCopy),
    /// The state directory cannot be written nor its database read: the newest backup.
    Backup(Backup),
    /// No database yet and nothing asked to create one.
    Nothing,
}

impl LogAccess {
    /// For reading: never creates a database.
    pub(super) fn for_reading(env: &Env) -> Result<Self, CliError> {
        Self::open(env, false)
    }

    /// For writing: creates the database if needed.
    pub(super) fn for_writing(env: &Env) -> Result<Self, CliError> {
        Self::open(env, true)
    }

    fn open(env: &Env, create: bool) -> Result<Self, CliError> {
        let state_dir = &env.config.daemon.state_dir;
        let cache_mib = env.config.daemon.cache_mib.get();
        // Decided before sled is asked: sled would fail halfway through opening
        // (it opens its file for writing), and says nothing about why.
        if let Some(why) = read_only::why_not_writable(state_dir) {
            return if read_only::held_by_another_process(state_dir) {
                // A daemon of another user holds it: only its API can serve us.
                Self::through_daemon(env)
            } else if create {
                Err(CliError::Failure(anyhow::anyhow!(
                    "{}",
                    read_only_refusal(env, &why)
                )))
            } else {
                Self::read_only(env, &why)
            };
        }
        let opened = if create {
            SledLog::open_with_cache(state_dir, cache_mib).map(Some)
        } else {
            SledLog::open_existing_with_cache(state_dir, cache_mib)
        };
        match opened {
            Ok(Some(log)) => {
                if !create && crate::store::room_left(state_dir).is_err() {
                    eprintln!(
                        "{}",
                        env.say(Say::DiskFullReading {
                            state_dir: &state_dir.display().to_string(),
                        })
                    );
                }
                Ok(LogAccess::Direct(log))
            }
            Ok(None) => Ok(LogAccess::Nothing),
            Err(StoreError::Locked { .. }) => Self::through_daemon(env),
            // sled writes as it opens: on a full disk a command that only reads
            // reads a private copy (elsewhere), saying that writes are failing.
            Err(StoreError::DiskFull { .. }) if !create => {
                Self::read_only(env, &std::io::ErrorKind::StorageFull.into())
            }
            Err(StoreError::DiskFull { path }) => Err(env.failure(Say::DiskFull { path: &path })),
            Err(other) => Err(store_failure(other)),
        }
    }

    fn through_daemon(env: &Env) -> Result<Self, CliError> {
        let client = DaemonClient::new(env)?;
        eprintln!(
            "{}",
            env.say(Say::DaemonHoldsDatabase {
                url: &client.base_url
            })
        );
        Ok(LogAccess::Daemon(client))
    }

    /// For reading a state directory this process cannot write: a private copy
    /// of the database, else the newest backup, saying on stderr which.
    fn read_only(env: &Env, why: &std::io::Error) -> Result<Self, CliError> {
        let state_dir = &env.config.daemon.state_dir;
        let copied = if SledLog::path_in(state_dir).exists() {
            match PrivateCopy::of(state_dir, env.config.daemon.cache_mib.get()) {
                Ok(copy) => {
                    eprintln!("{}", copy_note(env, why));
                    return Ok(LogAccess::Copy(copy));
                }
                Err(StoreError::Locked { .. }) => return Self::through_daemon(env),
                Err(e) => Err(e.to_string()),
            }
        } else {
            Ok(())
        };
        let Some((path, date)) = read_only::newest_backup(state_dir) else {
            return match copied {
                // No database and no backup: an empty log, as on a fresh machine.
                Ok(()) => Ok(LogAccess::Nothing),
                Err(e) => Err(env.failure(Say::ReadOnlyNoBackup {
                    error: &e,
                    state_dir: &state_dir.display().to_string(),
                    why: &why.to_string(),
                    backups: &read_only::backups_dir(state_dir).display().to_string(),
                })),
            };
        };
        let backup = Backup::read(&path, date, &env.config.meeting_ids()).map_err(|e| {
            let copy_failure = copied
                .as_ref()
                .err()
                .map(|c| format!("{c}; "))
                .unwrap_or_default();
            CliError::Failure(anyhow::anyhow!("{copy_failure}{e}"))
        })?;
        let reason = match copied {
            Ok(()) => env.say(Say::NoDatabase),
            Err(e) => e,
        };
        eprintln!("{}", backup_note(env, &reason, &backup));
        Ok(LogAccess::Backup(backup))
    }

    pub(super) fn export(&self) -> Result<Document, CliError> {
        match self {
            LogAccess::Direct(log) => log.export().map_err(store_failure),
            LogAccess::Daemon(client) => client.export(),
            LogAccess::Copy(copy) => copy.log().export().map_err(store_failure),
            LogAccess::Backup(backup) => Ok(backup.export()),
            LogAccess::Nothing => Ok(Document::empty()),
        }
    }

    /// History search: the daemon searches its index in memory; without a
    /// daemon the store's search entries are read directly, from their file
    /// beside the database (no export, no index built for one question).
    pub(super) fn search(&self, query: &Query) -> Result<Vec<Record>, CliError> {
        match self {
            LogAccess::Direct(log) => {
                // The first search after the entries changed writes their file; it
                // only speeds searches up, so failing to write it is no failure.
                if let Err(e) = log.save_search_file() {
                    tracing::debug!("the search entries file was not written: {e}");
                }
                log.search_on_disk(query).map_err(store_failure)
            }
            LogAccess::Daemon(client) => client.search(query),
            LogAccess::Copy(copy) => copy.log().search_on_disk(query).map_err(store_failure),
            LogAccess::Backup(backup) => Ok(backup.search(query)),
            LogAccess::Nothing => Ok(Vec::new()),
        }
    }

    /// `sync --once` while the daemon holds the store: the daemon runs it.
    pub(super) fn sync_through_daemon(&self, dry_run: bool) -> Result<String, CliError> {
        match self {
            LogAccess::Daemon(client) => client.sync(dry_run),
            _ => unreachable!("only called when the daemon holds the store"),
        }
    }

    pub(super) fn import(&self, document: &Document) -> Result<ImportSummary, CliError> {
        match self {
            LogAccess::Direct(log) => log.import(document).map_err(store_failure),
            LogAccess::Daemon(client) => client.import(document),
            LogAccess::Copy(_) | LogAccess::Backup(_) | LogAccess::Nothing => {
                unreachable!("writers open with create = true, which refuses a read-only state")
            }
        }
    }
}

/// Said on stderr when a read command reads a private copy of the database.
fn copy_note(env: &Env, why: &std::io::Error) -> String {
    env.say(Say::ReadingCopy {
        state_dir: &env.config.daemon.state_dir.display().to_string(),
        why: &env.say(Say::Io {
            kind: why.kind(),
            text: &why.to_string(),
        }),
    })
}

/// Said on stderr when a read command reads the newest backup instead.
fn backup_note(env: &Env, reason: &str, backup: &Backup) -> String {
    env.say(Say::ReadingBackup {
        state_dir: &env.config.daemon.state_dir.display().to_string(),
        reason,
        path: &backup.path.display().to_string(),
        date: &backup.date.to_string(),
    })
}

/// Why a command that writes refuses a state directory it cannot write.
fn read_only_refusal(env: &Env, why: &std::io::Error) -> String {
    env.say(Say::ReadOnlyRefusesWrites {
        state_dir: &env.config.daemon.state_dir.display().to_string(),
        why: &why.to_string(),
    })
}

/// A daemon that accepts the connection (a stopped process still does: the kernel
/// completes the handshake) but never answers must not hang the CLI forever.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Export and status-like calls: the daemon answers these in well under a second.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Import and sync do real work (a large file, Google's API with retries).
const LONG_TIMEOUT: Duration = Duration::from_secs(300);
/// Overrides both overall timeouts, for a slow machine or a test.
pub(super) const TIMEOUT_ENV: &str = "WEEKLY_POSTMORTEM_CLI_TIMEOUT_SECONDS";

pub(super) struct DaemonClient {
    base_url: String,
    token: String,
    state_dir: PathBuf,
    /// From [`TIMEOUT_ENV`], else each call's own.
    timeout_override: Option<Duration>,
    language: Language,
}

impl DaemonClient {
    fn new(env: &Env) -> Result<Self, CliError> {
        let state_dir = &env.config.daemon.state_dir;
        let language = env.language();
        let timeout_override = timeout_from_env(language)?;
        let token = read_token(&api_token_path(state_dir), language)?;
        // The daemon writes where it really listens (the config may say port 0).
        let address = crate::listen_address::running(state_dir)
            .unwrap_or_else(|| env.config.daemon.listen.to_string());
        Ok(Self {
            base_url: format!("http://{address}"),
            token,
            state_dir: state_dir.clone(),
            timeout_override,
            language,
        })
    }

    /// What to say when the daemon does not answer: which daemon, and what to do.
    fn not_answering(&self, waited: Duration) -> CliError {
        CliError::Failure(anyhow::anyhow!(
            Say::DaemonNotAnswering {
                url: &self.base_url,
                state_dir: &self.state_dir.display().to_string(),
                seconds: waited.as_secs(),
                env: TIMEOUT_ENV,
            }
            .say(self.language)
        ))
    }

    fn call(
        &self,
        timeout: Duration,
        request: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<String, CliError> {
        let timeout = self.timeout_override.unwrap_or(timeout);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting an HTTP client")?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .context("starting an HTTP client")?;
        // One deadline over connecting, sending and reading the whole answer.
        // (The timer is created inside the runtime: it needs its clock.)
        runtime
            .block_on(async {
                tokio::time::timeout(timeout, self.exchange(&client, request)).await
            })
            .unwrap_or_else(|_elapsed| Err(self.not_answering(timeout)))
    }

    async fn exchange(
        &self,
        client: &reqwest::Client,
        request: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<String, CliError> {
        let response = match request(client).bearer_auth(&self.token).send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => return Err(self.not_answering(CONNECT_TIMEOUT)),
            Err(e) => {
                return Err(CliError::Failure(
                    anyhow::Error::new(e).context(
                        Say::DaemonDoesNotAnswer {
                            url: &self.base_url,
                        }
                        .say(self.language),
                    ),
                ));
            }
        };
        let status = response.status();
        let body = response
            .text()
            .await
            .context("reading the daemon's answer")?;
        if status.is_success() {
            return Ok(body);
        }
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or(body);
        if status == reqwest::StatusCode::BAD_REQUEST {
            Err(CliError::Usage(message))
        } else {
            Err(CliError::Failure(anyhow::anyhow!(
                Say::DaemonAnswered {
                    status: &status.to_string(),
                    message: &message,
                }
                .say(self.language)
            )))
        }
    }

    fn export(&self) -> Result<Document, CliError> {
        let body = self.call(DEFAULT_TIMEOUT, |c| {
            c.get(format!("{}/api/export", self.base_url))
        })?;
        serde_json::from_str(&body)
            .context("the daemon's export is not a weekly-postmortem/v1 document")
            .map_err(CliError::Failure)
    }

    fn search(&self, query: &Query) -> Result<Vec<Record>, CliError> {
        let mut url = reqwest::Url::parse(&format!("{}/api/search", self.base_url))
            .context("the daemon's address does not make a URL")?;
        {
            let mut pairs = url.query_pairs_mut();
            let mut optional = |name: &str, value: Option<String>| {
                if let Some(value) = value {
                    pairs.append_pair(name, &value);
                }
            };
            optional("q", query.text.clone());
            optional("meeting", query.meeting.clone());
            optional("since", query.since.map(|d| d.to_string()));
            optional("until", query.until.map(|d| d.to_string()));
            optional("kind", query.kind.map(|k| k.code().to_string()));
            optional("tag", query.tag.clone());
            optional("team", query.team.clone());
            optional("limit", Some(query.limit.to_string()));
        }
        let body = self.call(DEFAULT_TIMEOUT, |c| c.get(url))?;
        serde_json::from_str(&body)
            .context("the daemon's search answer is not a list of records")
            .map_err(CliError::Failure)
    }

    fn sync(&self, dry_run: bool) -> Result<String, CliError> {
        let body = self.call(LONG_TIMEOUT, |c| {
            c.post(format!("{}/api/sync?dry_run={dry_run}", self.base_url))
                .header("content-type", "application/json")
                .body("{}")
        })?;
        let answer: serde_json::Value =
            serde_json::from_str(&body).context("reading the daemon's answer")?;
        let mut text = String::new();
        for line in answer["lines"].as_array().into_iter().flatten() {
            text += line.as_str().unwrap_or_default();
            text.push('\n');
        }
        text += answer["summary"].as_str().unwrap_or_default();
        text.push('\n');
        Ok(text)
    }

    fn import(&self, document: &Document) -> Result<ImportSummary, CliError> {
        let payload = serde_json::to_string(document).context("encoding the import")?;
        let body = self.call(LONG_TIMEOUT, |c| {
            c.post(format!("{}/api/import", self.base_url))
                .header("content-type", "application/json")
                .body(payload)
        })?;
        let answer: serde_json::Value =
            serde_json::from_str(&body).context("reading the daemon's answer")?;
        let count = |key: &str| answer[key].as_u64().unwrap_or(0) as usize;
        Ok(ImportSummary {
            added: count("added"),
            updated: count("updated"),
            unchanged: count("unchanged"),
        })
    }
}

/// The overall timeout from [`TIMEOUT_ENV`], if set; a bad value is a usage error.
fn timeout_from_env(language: Language) -> Result<Option<Duration>, CliError> {
    let Ok(text) = std::env::var(TIMEOUT_ENV) else {
        return Ok(None);
    };
    match text.trim().parse::<u64>() {
        Ok(seconds @ 1..=86_400) => Ok(Some(Duration::from_secs(seconds))),
        _ => Err(CliError::Usage(
            Say::TimeoutNotSeconds {
                env: TIMEOUT_ENV,
                text: &text,
            }
            .say(language),
        )),
    }
}

fn read_token(path: &Path, language: Language) -> Result<String, CliError> {
    // A secret like the others: size-capped, a regular file.
    crate::secret_file::read_to_string("the API token", path)
        .map(|t| t.trim().to_string())
        .map_err(|e| {
            CliError::Failure(anyhow::anyhow!(
                Say::DaemonTokenUnreadable {
                    error: &e.to_string()
                }
                .say(language)
            ))
        })
}
