//! The issue trackers behind prevention actions' links: the port the
//! trackers job asks ([`IssueTracker`]) and its adapter over HTTP for GitHub,
//! Nulab Backlog and Jira. The adapter only asks and translates; what an
//! answer changes is decided in `domain::actions`.

use std::time::Duration;

use crate::config::TrackersConfig;
use crate::domain::tracker_links::TrackerIssue;

/// What a tracker says of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssueState {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TrackerError {
    #[error("rate limited{}", .retry_after.map(|d| format!(", try again in {} s", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    #[error("no such issue (or no access to it)")]
    NotFound,
    #[error("refused with HTTP {0}: check the tracker's token")]
    Refused(u16),
    #[error("not configured")]
    NotConfigured,
    #[error("{0}")]
    Failed(String),
}

/// The port: the state of one issue.
pub(crate) trait IssueTracker: Send + Sync + 'static {
    fn issue_state(
        &self,
        issue: &TrackerIssue,
    ) -> impl Future<Output = Result<IssueState, TrackerError>> + Send;
}

/// One request's bound: an unreachable tracker never holds up the job for long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The trackers of `[trackers]`, over HTTPS.
pub(crate) struct HttpTrackers {
    client: reqwest::Client,
    config: TrackersConfig,
}

impl HttpTrackers {
    pub(crate) fn new(config: TrackersConfig) -> reqwest::Result<Self> {
        Ok(Self {
            client: crate::https_client::build(REQUEST_TIMEOUT)?,
            config,
        })
    }

    async fn get_json(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<serde_json::Value, TrackerError> {
        // Errors without their URL: Backlog's carries the API key.
        let response = request
            .send()
            .await
            .map_err(|e| TrackerError::Failed(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let out_of_calls = response
            .headers()
            .get("x-ratelimit-remaining")
            .is_some_and(|v| v.as_bytes() == b"0");
        match status {
            200..=299 => response.json().await.map_err(|e| {
                TrackerError::Failed(format!("unreadable answer: {}", e.without_url()))
            }),
            429 => Err(TrackerError::RateLimited { retry_after }),
            403 if out_of_calls => Err(TrackerError::RateLimited { retry_after }),
            404 => Err(TrackerError::NotFound),
            401 | 403 => Err(TrackerError::Refused(status)),
            _ => Err(TrackerError::Failed(format!("HTTP {status}"))),
        }
    }
}

/// `Retry-After` in seconds, or GitHub's `x-ratelimit-reset` (a Unix time).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
    if let Some(seconds) = number("retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    let reset = number("x-ratelimit-reset")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// `base` with `path` after its own path (`https://ghe/api/v3` + `/repos/…`).
fn under(base: &url::Url, path: &str) -> String {
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

/// [`under`] with a query, each value encoded.
fn with_query(
    base: &url::Url,
    path: &str,
    query: &[(&str, &str)],
) -> Result<url::Url, TrackerError> {
    let mut url = url::Url::parse(&under(base, path))
        .map_err(|_| TrackerError::Failed(format!("cannot make an address from {path}")))?;
    url.query_pairs_mut().extend_pairs(query);
    Ok(url)
}

fn secret_of(secret: &crate::config::Secret) -> Result<Option<String>, TrackerError> {
    secret.read().map_err(TrackerError::Failed)
}

impl IssueTracker for HttpTrackers {
    async fn issue_state(&self, issue: &TrackerIssue) -> Result<IssueState, TrackerError> {
        match issue {
            TrackerIssue::Github { repository, number } => {
                let github = self
                    .config
                    .github
                    .as_ref()
                    .ok_or(TrackerError::NotConfigured)?;
                let mut request = self
                    .client
                    .get(under(
                        &github.api_base_url,
                        &format!("/repos/{repository}/issues/{number}"),
                    ))
                    .header("accept", "application/vnd.github+json")
                    .header("x-github-api-version", "2022-11-28");
                if let Some(token) = secret_of(&github.token)? {
                    request = request.bearer_auth(token);
                }
                let issue = self.get_json(request).await?;
                Ok(if issue["state"] == "closed" {
                    IssueState::Closed
                } else {
                    IssueState::Open
                })
            }
            TrackerIssue::Backlog { key } => {
                let backlog = self
                    .config
                    .backlog
                    .as_ref()
                    .ok_or(TrackerError::NotConfigured)?;
                let api_key = secret_of(&backlog.api_key)?.ok_or(TrackerError::Refused(401))?;
                let request = self.client.get(with_query(
                    &backlog.base_url,
                    &format!("/api/v2/issues/{key}"),
                    &[("apiKey", &api_key)],
                )?);
                let issue = self.get_json(request).await?;
                // 完了 is Backlog's built-in closed status (id 4).
                let status = &issue["status"];
                Ok(if status["id"] == 4 || status["name"] == "完了" {
                    IssueState::Closed
                } else {
                    IssueState::Open
                })
            }
            TrackerIssue::Jira { key } => {
                let jira = self
                    .config
                    .jira
                    .as_ref()
                    .ok_or(TrackerError::NotConfigured)?;
                let token = secret_of(&jira.token)?.ok_or(TrackerError::Refused(401))?;
                let request = self
                    .client
                    .get(with_query(
                        &jira.base_url,
                        &format!("/rest/api/2/issue/{key}"),
                        &[("fields", "status")],
                    )?)
                    .basic_auth(&jira.email, Some(token));
                let issue = self.get_json(request).await?;
                Ok(
                    if issue["fields"]["status"]["statusCategory"]["key"] == "done" {
                        IssueState::Closed
                    } else {
                        IssueState::Open
                    },
                )
            }
        }
    }
}
