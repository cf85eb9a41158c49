//! `[trackers]`: the issue trackers whose closed issues close prevention
//! actions (GitHub, Nulab Backlog, Jira). Keys are a contract (issue 25).
//! Tokens live in an environment variable or a file, never in the TOML.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::domain::tracker_links::TrackerSites;
use crate::messages::config::{ConfigText as Say, Explanation};

/// GitHub's API when `api_base_url` is not given.
const GITHUB_API: &str = "https://api.github.com";
/// The variables read when neither `*_env` nor `*_file` is set.
pub const DEFAULT_GITHUB_TOKEN_ENV: &str = "WEEKLY_POSTMORTEM_GITHUB_TOKEN";
pub const DEFAULT_BACKLOG_API_KEY_ENV: &str = "WEEKLY_POSTMORTEM_BACKLOG_API_KEY";
pub const DEFAULT_JIRA_TOKEN_ENV: &str = "WEEKLY_POSTMORTEM_JIRA_TOKEN";
const DEFAULT_POLL_MINUTES: u32 = 60;

/// Where a tracker's secret is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The config key of the file (`trackers.github.token_file`), for messages.
    pub file_key: &'static str,
    pub env: String,
    pub file: Option<PathBuf>,
}

impl Secret {
    /// The secret; `Ok(None)` when neither the file nor the variable holds one.
    /// A message names where it looked, never the secret.
    pub fn read(&self) -> Result<Option<String>, String> {
        if let Some(path) = &self.file {
            let text = crate::secret_file::read_to_string(self.file_key, path)
                .map_err(|e| e.to_string())?;
            let secret = text.trim();
            return Ok((!secret.is_empty()).then(|| secret.to_string()));
        }
        Ok(std::env::var(&self.env)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty()))
    }

    /// Where it is read from, as a person names it.
    pub fn source(&self) -> String {
        match &self.file {
            Some(file) => format!("{} {}", self.file_key, file.display()),
            None => self.env.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct GithubTracker {
    pub api_base_url: url::Url,
    /// Optional: public repositories answer without one (at a lower rate).
    pub token: Secret,
}

#[derive(Debug, Clone)]
pub struct BacklogTracker {
    pub base_url: url::Url,
    pub api_key: Secret,
}

#[derive(Debug, Clone)]
pub struct JiraTracker {
    pub base_url: url::Url,
    pub email: String,
    pub token: Secret,
}

/// `[trackers]`, checked.
#[derive(Debug, Clone)]
pub struct TrackersConfig {
    pub poll_minutes: u32,
    pub github: Option<GithubTracker>,
    pub backlog: Option<BacklogTracker>,
    pub jira: Option<JiraTracker>,
}

impl TrackersConfig {
    /// Where the configured trackers' issue pages live, for recognising links.
    pub fn sites(&self) -> TrackerSites {
        TrackerSites {
            github_hosts: self.github.as_ref().map(|g| {
                let mut hosts = vec!["github.com".to_string()];
                // GitHub Enterprise serves its pages and API on one host.
                hosts.extend(g.api_base_url.host_str().map(str::to_string));
                hosts
            }),
            backlog: self.backlog.as_ref().map(|b| b.base_url.clone()),
            jira: self.jira.as_ref().map(|j| j.base_url.clone()),
        }
    }

    /// The secret files, for the config's check of secret files.
    pub(super) fn secret_files(&self) -> Vec<(&'static str, &Path)> {
        [
            self.github.as_ref().map(|g| &g.token),
            self.backlog.as_ref().map(|b| &b.api_key),
            self.jira.as_ref().map(|j| &j.token),
        ]
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s.file_key, s.file.as_deref()?)))
        .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrackers {
    #[serde(default)]
    poll_minutes: Option<Spanned<i64>>,
    #[serde(default)]
    github: Option<RawGithub>,
    #[serde(default)]
    backlog: Option<RawBacklog>,
    #[serde(default)]
    jira: Option<RawJira>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGithub {
    #[serde(default)]
    api_base_url: Option<Spanned<String>>,
    #[serde(default)]
    token_env: Option<Spanned<String>>,
    #[serde(default)]
    token_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBacklog {
    base_url: Spanned<String>,
    #[serde(default)]
    api_key_env: Option<Spanned<String>>,
    #[serde(default)]
    api_key_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJira {
    base_url: Spanned<String>,
    email: Spanned<String>,
    #[serde(default)]
    token_env: Option<Spanned<String>>,
    #[serde(default)]
    token_file: Option<PathBuf>,
}

/// Where a problem is, which key, and what to fix.
type Problem = (Option<Range<usize>>, String, Explanation);

fn web_url(text: &Spanned<String>, key: &str) -> Result<url::Url, Problem> {
    let parsed = url::Url::parse(text.get_ref().trim()).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some_and(|h| !h.is_empty())
            && u.username().is_empty()
            && u.password().is_none()
    });
    parsed.ok_or_else(|| {
        (
            Some(text.span()),
            key.to_string(),
            Say::PublicUrl {
                got: text.get_ref(),
            }
            .into(),
        )
    })
}

/// One of `<name>_env` and `<name>_file`, or the default variable.
fn secret(
    env: Option<Spanned<String>>,
    file: Option<PathBuf>,
    keys: (&'static str, &'static str),
    default_env: &str,
    config_dir: &Path,
) -> Result<Secret, Problem> {
    let (env_key, file_key) = keys;
    super::checks::secret_source(env.as_ref(), file.is_some(), (env_key, file_key))?;
    Ok(Secret {
        file_key,
        env: env.map_or_else(|| default_env.to_string(), Spanned::into_inner),
        file: file.map(|p| super::resolve_secret_path(&p, config_dir)),
    })
}

impl RawTrackers {
    pub(super) fn check(self, config_dir: &Path) -> Result<TrackersConfig, Problem> {
        let poll_minutes = match &self.poll_minutes {
            None => DEFAULT_POLL_MINUTES,
            Some(minutes) => match u32::try_from(*minutes.get_ref()) {
                Ok(m @ 1..=10_080) => m,
                _ => {
                    return Err((
                        Some(minutes.span()),
                        "trackers.poll_minutes".into(),
                        Say::Minutes {
                            min: 1,
                            max: 10_080,
                            got: *minutes.get_ref(),
                        }
                        .into(),
                    ));
                }
            },
        };
        let github = match self.github {
            None => None,
            Some(raw) => Some(GithubTracker {
                api_base_url: match &raw.api_base_url {
                    Some(text) => web_url(text, "trackers.github.api_base_url")?,
                    None => url::Url::parse(GITHUB_API).expect("a valid URL"),
                },
                token: secret(
                    raw.token_env,
                    raw.token_file,
                    ("trackers.github.token_env", "trackers.github.token_file"),
                    DEFAULT_GITHUB_TOKEN_ENV,
                    config_dir,
                )?,
            }),
        };
        let backlog = match self.backlog {
            None => None,
            Some(raw) => Some(BacklogTracker {
                base_url: web_url(&raw.base_url, "trackers.backlog.base_url")?,
                api_key: secret(
                    raw.api_key_env,
                    raw.api_key_file,
                    (
                        "trackers.backlog.api_key_env",
                        "trackers.backlog.api_key_file",
                    ),
                    DEFAULT_BACKLOG_API_KEY_ENV,
                    config_dir,
                )?,
            }),
        };
        let jira = match self.jira {
            None => None,
            Some(raw) => {
                if !crate::domain::people::is_email_address(raw.email.get_ref()) {
                    return Err((
                        Some(raw.email.span()),
                        "trackers.jira.email".into(),
                        Say::Email {
                            got: raw.email.get_ref(),
                        }
                        .into(),
                    ));
                }
                Some(JiraTracker {
                    base_url: web_url(&raw.base_url, "trackers.jira.base_url")?,
                    email: raw.email.into_inner(),
                    token: secret(
                        raw.token_env,
                        raw.token_file,
                        ("trackers.jira.token_env", "trackers.jira.token_file"),
                        DEFAULT_JIRA_TOKEN_ENV,
                        config_dir,
                    )?,
                })
            }
        };
        Ok(TrackersConfig {
            poll_minutes,
            github,
            backlog,
            jira,
        })
    }
}
