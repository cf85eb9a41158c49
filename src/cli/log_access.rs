//! How a CLI command reaches the session log: directly when no daemon runs,
//! through the daemon's local API when it holds the database.

use std::path::Path;

use anyhow::Context;

use super::{CliError, Env, store_failure};
use crate::daemon::{api_token_path, listen_address_path};
use crate::domain::history::{Query, Record};
use crate::interchange::Document;
use crate::store::{ImportSummary, SessionLog, SledLog, StoreError};

pub enum LogAccess {
    Direct(SledLog),
    Daemon(DaemonClient),
    /// No database yet and nothing asked to create one.
    Nothing,
}

impl LogAccess {
    /// For reading: never creates a database.
    pub fn for_reading(env: &Env) -> Result<Self, CliError> {
        Self::open(env, false)
    }

    /// For writing: creates the database if needed.
    pub fn for_writing(env: &Env) -> Result<Self, CliError> {
        Self::open(env, true)
    }

    fn open(env: &Env, create: bool) -> Result<Self, CliError> {
        let state_dir = &env.config.daemon.state_dir;
        let cache_mib = env.config.daemon.cache_mib.get();
        let opened = if create {
            SledLog::open_with_cache(state_dir, cache_mib).map(Some)
        } else {
            SledLog::open_existing_with_cache(state_dir, cache_mib)
        };
        match opened {
            Ok(Some(log)) => Ok(LogAccess::Direct(log)),
            Ok(None) => Ok(LogAccess::Nothing),
            Err(StoreError::Locked { .. }) => {
                let client = DaemonClient::new(env)?;
                eprintln!(
                    "note: the daemon holds the database; using its local API at {}",
                    client.base_url
                );
                Ok(LogAccess::Daemon(client))
            }
            Err(other) => Err(store_failure(other)),
        }
    }

    pub fn export(&self) -> Result<Document, CliError> {
        match self {
            LogAccess::Direct(log) => log.export().map_err(store_failure),
            LogAccess::Daemon(client) => client.export(),
            LogAccess::Nothing => Ok(Document::empty()),
        }
    }

    /// History search: the daemon searches its index in memory; without a
    /// daemon the store's search entries are read directly (no export, no
    /// index built for one question).
    pub fn search(&self, query: &Query) -> Result<Vec<Record>, CliError> {
        match self {
            LogAccess::Direct(log) => log.search_on_disk(query).map_err(store_failure),
            LogAccess::Daemon(client) => client.search(query),
            LogAccess::Nothing => Ok(Vec::new()),
        }
    }

    /// `sync --once` while the daemon holds the store: the daemon runs it.
    pub fn sync_through_daemon(&self, dry_run: bool) -> Result<String, CliError> {
        match self {
            LogAccess::Daemon(client) => client.sync(dry_run),
            _ => unreachable!("only called when the daemon holds the store"),
        }
    }

    pub fn import(&self, document: &Document) -> Result<ImportSummary, CliError> {
        match self {
            LogAccess::Direct(log) => log.import(document).map_err(store_failure),
            LogAccess::Daemon(client) => client.import(document),
            LogAccess::Nothing => unreachable!("writers open with create = true"),
        }
    }
}

pub struct DaemonClient {
    base_url: String,
    token: String,
}

impl DaemonClient {
    fn new(env: &Env) -> Result<Self, CliError> {
        let state_dir = &env.config.daemon.state_dir;
        let token = read_token(&api_token_path(state_dir))?;
        // The daemon writes where it really listens (the config may say port 0).
        let address = std::fs::read_to_string(listen_address_path(state_dir))
            .ok()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| env.config.daemon.listen.to_string());
        Ok(Self {
            base_url: format!("http://{address}"),
            token,
        })
    }

    fn call(
        &self,
        request: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<String, CliError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting an HTTP client")?;
        runtime.block_on(async {
            let client = reqwest::Client::new();
            let response = request(&client)
                .bearer_auth(&self.token)
                .send()
                .await
                .with_context(|| {
                    format!(
                        "the daemon's local API at {} does not answer",
                        self.base_url
                    )
                })?;
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
                    "the daemon answered {status}: {message}"
                )))
            }
        })
    }

    fn export(&self) -> Result<Document, CliError> {
        let body = self.call(|c| c.get(format!("{}/api/export", self.base_url)))?;
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
        let body = self.call(|c| c.get(url))?;
        serde_json::from_str(&body)
            .context("the daemon's search answer is not a list of records")
            .map_err(CliError::Failure)
    }

    fn sync(&self, dry_run: bool) -> Result<String, CliError> {
        let body =
            self.call(|c| c.post(format!("{}/api/sync?dry_run={dry_run}", self.base_url)))?;
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
        let body = self.call(|c| {
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

fn read_token(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map(|t| t.trim().to_string())
        .map_err(|e| {
            CliError::Failure(anyhow::anyhow!(
                "the daemon is running but its API token {} cannot be read ({e}); run this command as the service's user",
                path.display()
            ))
        })
}
