//! Google Calendar adapter: the one place that talks to the Calendar API (auth, timeouts,
//! retries), behind the `CalendarApi` trait so the sync logic can be tested without Google.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use google_calendar3::api::{
    Event, EventAttendee, EventDateTime, EventExtendedProperties, EventReminder, EventReminders,
    Events, FreeBusyRequest, FreeBusyRequestItem, FreeBusyResponse, TimePeriod,
};
use google_calendar3::{CalendarHub, common};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use yup_oauth2::authenticator::Authenticator;
use yup_oauth2::authenticator_delegate::InstalledFlowDelegate;
use yup_oauth2::storage::{TokenInfo, TokenStorage, TokenStorageError};
use yup_oauth2::{
    ApplicationSecret, ConsoleApplicationSecret, CustomHyperClientBuilder,
    InstalledFlowAuthenticator, InstalledFlowReturnMethod, ServiceAccountAuthenticator,
    ServiceAccountKey,
};

/// Private extended property that marks an event as ours and says which meeting it belongs to.
pub const MEETING_PROPERTY: &str = "weekly_postmortem_meeting";

/// Every call asks for this one scope: yup-oauth2 caches tokens per scope set, and the installed
/// flow's cached token only covers what `auth google` asked for, so a call with the crate's
/// per-method default scope would need a new browser consent.
pub const SCOPE: &str = "https://www.googleapis.com/auth/calendar";
const SCOPES: &[&str] = &[SCOPE];

const DEFAULT_BASE_URL: &str = "https://www.googleapis.com/calendar/v3/";
/// Google's freeBusy accepts a limited number of items per query; 50 stays inside it.
const FREEBUSY_CHUNK: usize = 50;
/// A runaway pageToken loop must end; a weekly meeting never has this many pages.
const MAX_PAGES: usize = 1000;
/// `auth google` waits this long for the browser round trip before giving up.
const AUTHORIZE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

const NEEDS_AUTHORIZATION: &str =
    "no usable Google token; run `weekly-postmortem auth google` once to authorize";

type Connector = HttpsConnector<HttpConnector>;

/// Boxed so `Arc<dyn CalendarApi>` works without the async-trait crate.
pub type CalendarFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, CalendarError>> + Send + 'a>>;

/// Busy intervals per requested email or group.
pub type BusyMap = BTreeMap<String, Vec<(DateTime<Utc>, DateTime<Utc>)>>;

/// What we want one managed event to look like (times in UTC, zone name separately).
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    /// Deterministic, Google's alphabet `a`-`v` and `0`-`9`, 5 to 1024 characters.
    pub id: String,
    /// Stored as the private extended property [`MEETING_PROPERTY`].
    pub meeting_id: String,
    pub summary: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// IANA name, e.g. `Asia/Tokyo`.
    pub time_zone: String,
    /// Emails, all sent as optional attendees.
    pub attendees: Vec<String>,
    /// One popup reminder override; `None` leaves the calendar's default reminders.
    pub reminder_minutes: Option<u32>,
}

impl EventSpec {
    /// Google may hand attendees back in another order or case; compare normalized specs so
    /// that such noise does not cause an update on every sync.
    pub fn normalized(&self) -> Self {
        let attendees: BTreeSet<String> = self
            .attendees
            .iter()
            .map(|a| a.trim().to_lowercase())
            .collect();
        Self {
            attendees: attendees.into_iter().collect(),
            ..self.clone()
        }
    }
}

/// An event as listed from Google.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedEvent {
    pub id: String,
    pub cancelled: bool,
    /// `None` when the event lacks what an `EventSpec` needs (e.g. an all-day event).
    pub spec: Option<EventSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Created,
    /// The id is taken, possibly by a cancelled event: update it instead.
    AlreadyExists,
}

pub trait CalendarApi: Send + Sync {
    /// Events carrying our property for `meeting_id`, cancelled ones included, ending after
    /// `time_min`, all pages.
    fn list_managed<'a>(
        &'a self,
        meeting_id: &'a str,
        time_min: DateTime<Utc>,
    ) -> CalendarFuture<'a, Vec<ListedEvent>>;
    /// A 409 (id taken) is `Ok(AlreadyExists)`.
    fn insert<'a>(&'a self, event: &'a EventSpec) -> CalendarFuture<'a, InsertOutcome>;
    /// Full replacement; also sets status `confirmed`, which revives a cancelled event.
    fn update<'a>(&'a self, event: &'a EventSpec) -> CalendarFuture<'a, ()>;
    /// Deleting an event that is gone already (404/410) counts as success.
    fn cancel<'a>(&'a self, event_id: &'a str) -> CalendarFuture<'a, ()>;
    /// Busy intervals per requested email or group. An item Google could not tell about
    /// (unknown, not shared) is left out, so "missing" means "unknown", never "free".
    fn free_busy<'a>(
        &'a self,
        emails: &'a [String],
        time_min: DateTime<Utc>,
        time_max: DateTime<Utc>,
    ) -> CalendarFuture<'a, BusyMap>;
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("Google authentication failed: {0}")]
    Auth(String),
    #[error("Google Calendar answered HTTP {status}{}: {message}", event_suffix(.event_id))]
    Api {
        status: u16,
        /// Google's `error.message`.
        message: String,
        /// Google's first `error.errors[].reason`, e.g. `rateLimitExceeded`.
        reason: Option<String>,
        event_id: Option<String>,
    },
    #[error("could not reach Google: {0}")]
    Transport(String),
    #[error("timed out after {after:?} waiting for {waiting_for}")]
    Timeout {
        waiting_for: &'static str,
        after: Duration,
    },
    #[error("unexpected answer from Google Calendar: {0}")]
    InvalidResponse(String),
    #[error("invalid Google Calendar setup: {0}")]
    Config(String),
    #[error("refusing to call Google Calendar: {0}")]
    InvalidRequest(String),
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        attempts: u32,
        last: Box<CalendarError>,
    },
}

fn event_suffix(event_id: &Option<String>) -> String {
    event_id
        .as_ref()
        .map(|id| format!(" for event {id}"))
        .unwrap_or_default()
}

impl CalendarError {
    /// The HTTP status behind this error, looking through `RetriesExhausted`.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Whether trying again later may help: rate limits, server trouble, the network.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, reason, .. } => {
                *status == 429
                    || *status >= 500
                    || (*status == 403
                        && matches!(
                            reason.as_deref(),
                            Some("rateLimitExceeded" | "userRateLimitExceeded")
                        ))
            }
            Self::Transport(_) | Self::Timeout { .. } => true,
            Self::RetriesExhausted { .. } => true,
            Self::Auth(_)
            | Self::InvalidResponse(_)
            | Self::Config(_)
            | Self::InvalidRequest(_) => false,
        }
    }
}

/// Whom Google emails about changes (`sendUpdates`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SendUpdates {
    /// The default: a daemon that re-syncs must not mail everyone on every repair.
    #[default]
    None,
    All,
    ExternalOnly,
}

impl SendUpdates {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::All => "all",
            Self::ExternalOnly => "externalOnly",
        }
    }
}

impl fmt::Display for SendUpdates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sendUpdates value {0:?}; expected \"none\", \"all\" or \"externalOnly\"")]
pub struct ParseSendUpdatesError(pub String);

impl FromStr for SendUpdates {
    type Err = ParseSendUpdatesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::None),
            "all" => Ok(Self::All),
            "externalOnly" => Ok(Self::ExternalOnly),
            other => Err(ParseSendUpdatesError(other.to_string())),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per call, the first one included (at least 1).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Bounds the token fetch and, separately, the HTTP exchange of one attempt.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Calls by final result, for `/metrics`. `retried` counts extra attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApiCallCounts {
    pub ok: u64,
    pub error: u64,
    pub retried: u64,
}

#[derive(Default)]
struct Counters {
    ok: AtomicU64,
    error: AtomicU64,
    retried: AtomicU64,
}

/// xorshift: jitter only has to spread retries apart, so no dependency on `rand`.
struct Jitter(AtomicU64);

impl Jitter {
    fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Self(AtomicU64::new(seed | 1))
    }

    fn next(&self) -> u64 {
        // Racing callers may draw the same number; for jitter that is harmless.
        let mut x = self.0.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.store(x, Ordering::Relaxed);
        x
    }
}

pub struct GoogleCalendar {
    hub: CalendarHub<Connector>,
    auth: Authenticator<Connector>,
    calendar_id: String,
    /// The crate puts the calendar id into the path unencoded; ids such as
    /// `ja.japanese#holiday@group.v.calendar.google.com` would otherwise break the URL.
    calendar_path: String,
    base_url: String,
    send_updates: SendUpdates,
    retry: RetryPolicy,
    counters: Counters,
    jitter: Jitter,
    /// Set after a 401, and when the token endpoint answered without an access token (which
    /// yup-oauth2 caches as a token that never expires): the next attempt forces a refresh.
    needs_fresh_token: AtomicBool,
}

// By hand, so that nothing secret (keys, tokens) can ever reach a log line through `{:?}`.
impl fmt::Debug for GoogleCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleCalendar")
            .field("calendar_id", &self.calendar_id)
            .field("base_url", &self.base_url)
            .field("send_updates", &self.send_updates)
            .field("retry", &self.retry)
            .field("api_calls", &self.api_calls())
            .finish_non_exhaustive()
    }
}

impl GoogleCalendar {
    /// Service account JSON key file; its `token_uri` is used as given (tests point it at a
    /// fake).
    pub async fn from_service_account_file(
        path: &Path,
        calendar_id: String,
        api_base_url: Option<String>,
        send_updates: SendUpdates,
    ) -> Result<Self, CalendarError> {
        Self::from_service_account_file_as(path, None, calendar_id, api_base_url, send_updates)
            .await
    }

    /// Like [`Self::from_service_account_file`], acting as `subject` through domain-wide
    /// delegation: Google refuses attendees on events written by a bare service account
    /// (403 `forbiddenForServiceAccounts`).
    pub async fn from_service_account_file_as(
        path: &Path,
        subject: Option<String>,
        calendar_id: String,
        api_base_url: Option<String>,
        send_updates: SendUpdates,
    ) -> Result<Self, CalendarError> {
        let bytes = tokio::fs::read(path).await.map_err(|e| {
            CalendarError::Config(format!(
                "cannot read service account key {}: {e}",
                path.display()
            ))
        })?;
        let key: ServiceAccountKey = serde_json::from_slice(&bytes).map_err(|e| {
            CalendarError::Config(format!(
                "{} is not a service account JSON key: {}",
                path.display(),
                describe_json_error(&e)
            ))
        })?;
        let connector = connector()?;
        let mut builder = ServiceAccountAuthenticator::with_client(key, token_client(&connector));
        if let Some(subject) = subject {
            builder = builder.subject(subject);
        }
        // yup-oauth2's messages here name the problem ("Error reading key from PEM"), not the key.
        let auth = builder.build().await.map_err(|e| {
            CalendarError::Config(format!(
                "unusable service account key {}: {e}",
                path.display()
            ))
        })?;
        Self::new(auth, connector, calendar_id, api_base_url, send_updates)
    }

    /// Installed-app (user account) token cached at `token_cache` by
    /// [`Self::authorize_installed`]. Never opens a browser or waits for one: without a usable
    /// cached token this fails and tells the user to run `weekly-postmortem auth google`.
    pub async fn from_installed_token(
        client_secret: &Path,
        token_cache: &Path,
        calendar_id: String,
        api_base_url: Option<String>,
        send_updates: SendUpdates,
    ) -> Result<Self, CalendarError> {
        let secret = read_client_secret(client_secret).await?;
        ensure_refreshable_token(token_cache).await?;
        let storage = TokenFile::open(token_cache).await?;
        let connector = connector()?;
        // yup-oauth2 falls back to the interactive flow when a refresh fails; this delegate
        // turns that fallback into an immediate error instead of a daemon stuck on stdin.
        let auth = InstalledFlowAuthenticator::with_client(
            secret,
            InstalledFlowReturnMethod::Interactive,
            token_client(&connector),
        )
        .with_storage(Box::new(storage))
        .flow_delegate(Box::new(RefuseInteraction))
        .build()
        .await
        .map_err(|e| {
            CalendarError::Auth(format!(
                "cannot use the token cache {}: {e}",
                token_cache.display()
            ))
        })?;
        Self::new(auth, connector, calendar_id, api_base_url, send_updates)
    }

    /// The one-time interactive flow behind `weekly-postmortem auth google`: prints a URL,
    /// waits for Google's redirect to a local port, then stores the token at `token_cache`.
    /// The old cache is replaced only once the new token is in hand.
    pub async fn authorize_installed(
        client_secret: &Path,
        token_cache: &Path,
    ) -> Result<(), CalendarError> {
        Self::authorize_installed_with(client_secret, token_cache, |url| {
            println!(
                "Open this address in a browser and allow access to Google Calendar:\n\n    \
                 {url}\n\nWaiting for the browser to come back (Ctrl-C to give up)..."
            );
        })
        .await
    }

    /// [`Self::authorize_installed`] handing the consent URL to `present` instead of printing
    /// it, so that a test can play the browser.
    pub async fn authorize_installed_with(
        client_secret: &Path,
        token_cache: &Path,
        present: impl Fn(&str) + Send + Sync + 'static,
    ) -> Result<(), CalendarError> {
        let secret = read_client_secret(client_secret).await?;
        if let Some(dir) = token_cache.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir).await.map_err(|e| {
                CalendarError::Config(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let pending = sibling_path(token_cache, ".pending");
        let _ = tokio::fs::remove_file(&pending).await;
        let storage = TokenFile::open(&pending).await?;
        let connector = connector()?;
        // Forcing the consent screen is what makes Google hand out a refresh token again
        // for an account that consented before.
        let auth = InstalledFlowAuthenticator::with_client(
            secret,
            InstalledFlowReturnMethod::HTTPRedirect,
            token_client(&connector),
        )
        .with_storage(Box::new(storage))
        .force_account_selection(true)
        .flow_delegate(Box::new(PresentUrl(present)))
        .build()
        .await
        .map_err(|e| CalendarError::Auth(format!("cannot start the authorization flow: {e}")))?;
        // Google redirects a refusal as `?error=...`, which yup-oauth2 ignores and keeps
        // waiting; only this timeout ends that wait.
        match tokio::time::timeout(AUTHORIZE_TIMEOUT, auth.token(SCOPES)).await {
            Err(_) => {
                return Err(CalendarError::Timeout {
                    waiting_for: "the browser authorization",
                    after: AUTHORIZE_TIMEOUT,
                });
            }
            Ok(Err(e)) => return Err(map_token_error(e)),
            Ok(Ok(_)) => {}
        }
        if ensure_refreshable_token(&pending).await.is_err() {
            let _ = tokio::fs::remove_file(&pending).await;
            return Err(CalendarError::Auth(
                "Google gave no refresh token; remove this app's access at \
                 https://myaccount.google.com/permissions and run `weekly-postmortem auth google` again"
                    .to_string(),
            ));
        }
        tokio::fs::rename(&pending, token_cache).await.map_err(|e| {
            CalendarError::Config(format!(
                "cannot store the token at {}: {e}",
                token_cache.display()
            ))
        })
    }

    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    pub fn calendar_id(&self) -> &str {
        &self.calendar_id
    }

    pub fn api_calls(&self) -> ApiCallCounts {
        ApiCallCounts {
            ok: self.counters.ok.load(Ordering::Relaxed),
            error: self.counters.error.load(Ordering::Relaxed),
            retried: self.counters.retried.load(Ordering::Relaxed),
        }
    }

    fn new(
        auth: Authenticator<Connector>,
        connector: Connector,
        calendar_id: String,
        api_base_url: Option<String>,
        send_updates: SendUpdates,
    ) -> Result<Self, CalendarError> {
        if calendar_id.trim().is_empty() {
            return Err(CalendarError::Config(
                "the calendar id is empty".to_string(),
            ));
        }
        let base_url = normalize_base_url(api_base_url)?;
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build::<_, common::Body>(connector);
        let mut hub = CalendarHub::new(client, auth.clone());
        hub.base_url(base_url.clone());
        hub.user_agent(format!("weekly-postmortem/{}", env!("CARGO_PKG_VERSION")));
        Ok(Self {
            hub,
            auth,
            calendar_path: encode_path_segment(&calendar_id),
            calendar_id,
            base_url,
            send_updates,
            retry: RetryPolicy::default(),
            counters: Counters::default(),
            jitter: Jitter::new(),
            needs_fresh_token: AtomicBool::new(false),
        })
    }

    async fn list_pages(
        &self,
        meeting_id: &str,
        time_min: DateTime<Utc>,
    ) -> Result<Vec<ListedEvent>, CalendarError> {
        let mut listed = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let op = Op::List {
                meeting_id,
                time_min,
                page_token: page_token.as_deref(),
            };
            let Reply::Page(page) = self.call(op).await? else {
                return Err(mismatched_reply());
            };
            for event in page.items.unwrap_or_default() {
                match event.id.clone() {
                    Some(id) => listed.push(ListedEvent {
                        cancelled: event.status.as_deref() == Some("cancelled"),
                        spec: from_google_event(&event),
                        id,
                    }),
                    None => tracing::warn!("Google listed an event without an id; skipped"),
                }
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) if page_token.as_deref() == Some(next.as_str()) => {
                    return Err(CalendarError::InvalidResponse(
                        "the same nextPageToken came back twice".to_string(),
                    ));
                }
                Some(next) => page_token = Some(next),
                None => return Ok(listed),
            }
        }
        Err(CalendarError::InvalidResponse(format!(
            "more than {MAX_PAGES} pages of events"
        )))
    }

    async fn query_free_busy(
        &self,
        emails: &[String],
        time_min: DateTime<Utc>,
        time_max: DateTime<Utc>,
    ) -> Result<BusyMap, CalendarError> {
        let wanted: Vec<String> = emails
            .iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut busy = BusyMap::new();
        for chunk in wanted.chunks(FREEBUSY_CHUNK) {
            let request = FreeBusyRequest {
                items: Some(
                    chunk
                        .iter()
                        .map(|id| FreeBusyRequestItem {
                            id: Some(id.clone()),
                        })
                        .collect(),
                ),
                time_min: Some(time_min),
                time_max: Some(time_max),
                ..Default::default()
            };
            let Reply::FreeBusy(answer) = self.call(Op::FreeBusy(&request)).await? else {
                return Err(mismatched_reply());
            };
            collect_busy(chunk, &answer, &mut busy);
        }
        Ok(busy)
    }

    /// One logical call with retries; counts it once as ok or error.
    async fn call(&self, op: Op<'_>) -> Result<Reply, CalendarError> {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut refreshed_token = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failed = match self.attempt(&op).await {
                Ok(reply) => {
                    self.counters.ok.fetch_add(1, Ordering::Relaxed);
                    return Ok(reply);
                }
                Err(failed) => failed,
            };
            // A 401 with a token we believe valid means Google revoked or expired it early;
            // one forced refresh fixes that, more would hammer the token endpoint.
            if failed.error.status() == Some(401) {
                if refreshed_token || attempt >= max_attempts {
                    return Err(self.fail(CalendarError::Auth(format!(
                        "Google refused the access token: {}",
                        failed.error
                    ))));
                }
                refreshed_token = true;
                self.needs_fresh_token.store(true, Ordering::Relaxed);
                self.counters.retried.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if !failed.error.is_retryable() {
                return Err(self.fail(failed.error));
            }
            if attempt >= max_attempts {
                return Err(self.fail(CalendarError::RetriesExhausted {
                    attempts: attempt,
                    last: Box::new(failed.error),
                }));
            }
            let delay = self.backoff(attempt, failed.retry_after);
            tracing::warn!(
                operation = op.name(),
                attempt,
                max_attempts,
                delay_ms = delay.as_millis() as u64,
                error = %failed.error,
                "Google Calendar call failed; retrying"
            );
            self.counters.retried.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
        }
    }

    fn fail(&self, error: CalendarError) -> CalendarError {
        self.counters.error.fetch_add(1, Ordering::Relaxed);
        error
    }

    /// Exponential backoff with "equal jitter": never less than half the step, so a burst of
    /// 429s still backs off, yet callers that failed together do not retry together.
    fn backoff(&self, failed_attempts: u32, retry_after: Option<Duration>) -> Duration {
        let step = self
            .retry
            .base_delay
            .saturating_mul(2u32.saturating_pow(failed_attempts.saturating_sub(1)))
            .min(self.retry.max_delay);
        let half = step / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = Duration::from_nanos(self.jitter.next() % spread.saturating_add(1));
        let delay = half + jitter;
        match retry_after {
            Some(hint) => delay.max(hint).min(self.retry.max_delay),
            None => delay,
        }
    }

    /// Fetching the token ourselves, under a timeout, keeps a hung token endpoint from hanging
    /// the daemon and tells auth trouble apart from Calendar trouble; the hub's own token
    /// lookup that follows is then a cache hit.
    async fn fetch_token(&self) -> Result<(), CalendarError> {
        let force_refresh = self.needs_fresh_token.swap(false, Ordering::Relaxed);
        let timeout = self.retry.request_timeout;
        let fetch = async {
            if force_refresh {
                self.auth.force_refreshed_token(SCOPES).await
            } else {
                self.auth.token(SCOPES).await
            }
        };
        match tokio::time::timeout(timeout, fetch).await {
            Err(_) => Err(CalendarError::Timeout {
                waiting_for: "an access token",
                after: timeout,
            }),
            Ok(Err(e)) => Err(map_token_error(e)),
            // E.g. a 503 with a JSON error body: yup-oauth2 reads it as a token with no fields.
            Ok(Ok(token)) if token.token().is_none() => {
                self.needs_fresh_token.store(true, Ordering::Relaxed);
                Err(CalendarError::Transport(
                    "the token endpoint answered without an access token".to_string(),
                ))
            }
            Ok(Ok(_)) => Ok(()),
        }
    }

    async fn attempt(&self, op: &Op<'_>) -> Result<Reply, Failed> {
        self.fetch_token().await.map_err(Failed::from)?;
        let timeout = self.retry.request_timeout;
        let mut capture = Capture::default();
        let result = match tokio::time::timeout(timeout, self.send(op, &mut capture)).await {
            Err(_) => {
                return Err(Failed::from(CalendarError::Timeout {
                    waiting_for: "Google Calendar",
                    after: timeout,
                }));
            }
            Ok(result) => result,
        };
        let error = match result {
            Ok(reply) => return Ok(reply),
            Err(e) => map_api_error(e, capture.status, op.event_id()),
        };
        match (op, error.status()) {
            // Also what a retried insert sees when the first try landed but its answer was lost.
            (Op::Insert(_), Some(409)) => Ok(Reply::Inserted(InsertOutcome::AlreadyExists)),
            (Op::Delete(_), Some(404 | 410)) => Ok(Reply::Done),
            _ => Err(Failed {
                error,
                retry_after: capture.retry_after,
            }),
        }
    }

    async fn send(&self, op: &Op<'_>, capture: &mut Capture) -> common::Result<Reply> {
        let events = self.hub.events();
        let send_updates = self.send_updates.as_str();
        match op {
            Op::List {
                meeting_id,
                time_min,
                page_token,
            } => {
                let mut call = events
                    .list(&self.calendar_path)
                    .add_scope(SCOPE)
                    .add_private_extended_property(&format!("{MEETING_PROPERTY}={meeting_id}"))
                    .show_deleted(true)
                    .single_events(true)
                    .time_min(*time_min)
                    .max_results(250)
                    .delegate(capture);
                if let Some(token) = page_token {
                    call = call.page_token(token);
                }
                let (_, page) = call.doit().await?;
                Ok(Reply::Page(page))
            }
            Op::Insert(spec) => {
                events
                    .insert(to_google_event(spec), &self.calendar_path)
                    .add_scope(SCOPE)
                    .send_updates(send_updates)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::Inserted(InsertOutcome::Created))
            }
            Op::Update(spec) => {
                events
                    .update(to_google_event(spec), &self.calendar_path, &spec.id)
                    .add_scope(SCOPE)
                    .send_updates(send_updates)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::Done)
            }
            Op::Delete(event_id) => {
                events
                    .delete(&self.calendar_path, event_id)
                    .add_scope(SCOPE)
                    .send_updates(send_updates)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::Done)
            }
            Op::FreeBusy(request) => {
                let (_, answer) = self
                    .hub
                    .freebusy()
                    .query((*request).clone())
                    .add_scope(SCOPE)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::FreeBusy(answer))
            }
        }
    }
}

impl CalendarApi for GoogleCalendar {
    fn list_managed<'a>(
        &'a self,
        meeting_id: &'a str,
        time_min: DateTime<Utc>,
    ) -> CalendarFuture<'a, Vec<ListedEvent>> {
        Box::pin(self.list_pages(meeting_id, time_min))
    }

    fn insert<'a>(&'a self, event: &'a EventSpec) -> CalendarFuture<'a, InsertOutcome> {
        Box::pin(async move {
            check_event_id(&event.id)?;
            match self.call(Op::Insert(event)).await? {
                Reply::Inserted(outcome) => Ok(outcome),
                _ => Err(mismatched_reply()),
            }
        })
    }

    fn update<'a>(&'a self, event: &'a EventSpec) -> CalendarFuture<'a, ()> {
        Box::pin(async move {
            check_event_id(&event.id)?;
            self.call(Op::Update(event)).await.map(drop)
        })
    }

    fn cancel<'a>(&'a self, event_id: &'a str) -> CalendarFuture<'a, ()> {
        Box::pin(async move {
            check_event_id(event_id)?;
            self.call(Op::Delete(event_id)).await.map(drop)
        })
    }

    fn free_busy<'a>(
        &'a self,
        emails: &'a [String],
        time_min: DateTime<Utc>,
        time_max: DateTime<Utc>,
    ) -> CalendarFuture<'a, BusyMap> {
        Box::pin(self.query_free_busy(emails, time_min, time_max))
    }
}

/// The managed event as Google should store it.
pub fn to_google_event(spec: &EventSpec) -> Event {
    let when = |at: DateTime<Utc>| EventDateTime {
        date_time: Some(at),
        time_zone: Some(spec.time_zone.clone()),
        date: None,
    };
    let reminders = match spec.reminder_minutes {
        Some(minutes) => EventReminders {
            use_default: Some(false),
            overrides: Some(vec![EventReminder {
                method: Some("popup".to_string()),
                minutes: Some(i32::try_from(minutes).unwrap_or(i32::MAX)),
            }]),
        },
        // Google rejects overrides next to useDefault=true.
        None => EventReminders {
            use_default: Some(true),
            overrides: None,
        },
    };
    Event {
        id: Some(spec.id.clone()),
        status: Some("confirmed".to_string()),
        summary: Some(spec.summary.clone()),
        description: Some(spec.description.clone()),
        start: Some(when(spec.start)),
        end: Some(when(spec.end)),
        // Always a list, even empty: events.update replaces the whole event, and an empty
        // list is how attendees someone added by hand get removed again.
        attendees: Some(
            spec.attendees
                .iter()
                .map(|email| EventAttendee {
                    email: Some(email.clone()),
                    optional: Some(true),
                    ..Default::default()
                })
                .collect(),
        ),
        reminders: Some(reminders),
        extended_properties: Some(EventExtendedProperties {
            private: Some([(MEETING_PROPERTY.to_string(), spec.meeting_id.clone())].into()),
            shared: None,
        }),
        ..Default::default()
    }
}

/// What Google holds, read back as a spec so the caller can diff it against the wish.
/// `None` when a timed start/end or our property is missing.
pub fn from_google_event(event: &Event) -> Option<EventSpec> {
    let id = event.id.clone()?;
    let meeting_id = event
        .extended_properties
        .as_ref()?
        .private
        .as_ref()?
        .get(MEETING_PROPERTY)?
        .clone();
    let start = event.start.as_ref()?;
    let end = event.end.as_ref()?;
    let reminder_minutes = match &event.reminders {
        Some(reminders) if reminders.use_default == Some(false) => reminders
            .overrides
            .iter()
            .flatten()
            .find(|r| r.method.as_deref() == Some("popup"))
            .and_then(|r| r.minutes)
            .and_then(|m| u32::try_from(m).ok()),
        _ => None,
    };
    Some(EventSpec {
        id,
        meeting_id,
        summary: event.summary.clone().unwrap_or_default(),
        // Google drops an empty description, so absent reads back as the "" we sent.
        description: event.description.clone().unwrap_or_default(),
        start: start.date_time?,
        end: end.date_time?,
        time_zone: start
            .time_zone
            .clone()
            .or_else(|| end.time_zone.clone())
            .unwrap_or_default(),
        attendees: event
            .attendees
            .iter()
            .flatten()
            .filter_map(|a| a.email.clone())
            .collect(),
        reminder_minutes,
    })
}

enum Op<'a> {
    List {
        meeting_id: &'a str,
        time_min: DateTime<Utc>,
        page_token: Option<&'a str>,
    },
    Insert(&'a EventSpec),
    Update(&'a EventSpec),
    Delete(&'a str),
    FreeBusy(&'a FreeBusyRequest),
}

impl Op<'_> {
    fn name(&self) -> &'static str {
        match self {
            Self::List { .. } => "events.list",
            Self::Insert(_) => "events.insert",
            Self::Update(_) => "events.update",
            Self::Delete(_) => "events.delete",
            Self::FreeBusy(_) => "freebusy.query",
        }
    }

    fn event_id(&self) -> Option<&str> {
        match self {
            Self::Insert(spec) | Self::Update(spec) => Some(&spec.id),
            Self::Delete(id) => Some(id),
            Self::List { .. } | Self::FreeBusy(_) => None,
        }
    }
}

enum Reply {
    Page(Events),
    Inserted(InsertOutcome),
    Done,
    FreeBusy(FreeBusyResponse),
}

fn mismatched_reply() -> CalendarError {
    CalendarError::InvalidResponse("internal: reply does not match the request".to_string())
}

struct Failed {
    error: CalendarError,
    retry_after: Option<Duration>,
}

impl From<CalendarError> for Failed {
    fn from(error: CalendarError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}

/// The crate turns a JSON error body into `Error::BadRequest(json)` and drops the status and
/// headers; its delegate is the only place that still sees them.
#[derive(Default)]
struct Capture {
    status: Option<u16>,
    retry_after: Option<Duration>,
}

impl common::Delegate for Capture {
    fn http_failure(
        &mut self,
        response: &common::Response,
        _error: Option<&serde_json::Value>,
    ) -> common::Retry {
        self.status = Some(response.status().as_u16());
        self.retry_after = response
            .headers()
            .get(google_calendar3::hyper::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        // Retries are ours, with backoff, counters and a bound.
        common::Retry::Abort
    }
}

struct PresentUrl<F>(F);

impl<F: Fn(&str) + Send + Sync> InstalledFlowDelegate for PresentUrl<F> {
    fn present_user_url<'a>(
        &'a self,
        url: &'a str,
        _need_code: bool,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>> {
        (self.0)(url);
        // With HTTPRedirect the code arrives at the local server, not through this answer.
        Box::pin(async { Ok(String::new()) })
    }
}

struct RefuseInteraction;

impl InstalledFlowDelegate for RefuseInteraction {
    fn present_user_url<'a>(
        &'a self,
        _url: &'a str,
        _need_code: bool,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>> {
        Box::pin(async { Err(NEEDS_AUTHORIZATION.to_string()) })
    }
}

fn map_api_error(
    error: common::Error,
    status: Option<u16>,
    event_id: Option<&str>,
) -> CalendarError {
    let event_id = event_id.map(str::to_string);
    match error {
        common::Error::HttpError(e) => CalendarError::Transport(error_chain(&e)),
        common::Error::BadRequest(body) => {
            let status = status
                .or_else(|| {
                    body.pointer("/error/code")
                        .and_then(|c| c.as_u64())
                        .and_then(|c| u16::try_from(c).ok())
                })
                .unwrap_or(0);
            let message = body
                .pointer("/error/message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| body.to_string());
            let reason = body
                .pointer("/error/errors/0/reason")
                .and_then(|r| r.as_str())
                .map(str::to_string);
            CalendarError::Api {
                status,
                message,
                reason,
                event_id,
            }
        }
        common::Error::Failure(response) => CalendarError::Api {
            status: response.status().as_u16(),
            message: response
                .status()
                .canonical_reason()
                .unwrap_or("no details")
                .to_string(),
            reason: None,
            event_id,
        },
        common::Error::JsonDecodeError(_, e) => {
            CalendarError::InvalidResponse(format!("cannot decode the answer: {e}"))
        }
        common::Error::MissingToken(e) => CalendarError::Auth(e.to_string()),
        common::Error::Io(e) => CalendarError::Transport(e.to_string()),
        other => CalendarError::InvalidResponse(other.to_string().trim().to_string()),
    }
}

fn map_token_error(error: yup_oauth2::Error) -> CalendarError {
    use yup_oauth2::error::SendError;
    match error {
        yup_oauth2::Error::HttpClientError(SendError::Timeout) => {
            CalendarError::Transport("token endpoint: request timed out".to_string())
        }
        yup_oauth2::Error::HttpClientError(SendError::Hyper(e)) => {
            CalendarError::Transport(format!("token endpoint: {}", error_chain(&e)))
        }
        yup_oauth2::Error::HttpError(e) => {
            CalendarError::Transport(format!("token endpoint: {}", error_chain(&e)))
        }
        // An answer that is neither a token nor an OAuth error is, in practice, an outage page.
        yup_oauth2::Error::JSONError(e) => CalendarError::Transport(format!(
            "the token endpoint answered something that is not a token ({e})"
        )),
        yup_oauth2::Error::UserError(message) => CalendarError::Auth(message),
        other => CalendarError::Auth(other.to_string()),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// serde_json quotes offending values in some messages, and in a key file those can be secret.
fn describe_json_error(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match error.classify() {
        Category::Io => "cannot read it".to_string(),
        Category::Syntax => "not valid JSON".to_string(),
        Category::Eof => "the JSON ends too early".to_string(),
        Category::Data => {
            let text = error.to_string();
            match text.find("missing field") {
                Some(at) => text[at..]
                    .split(" at line")
                    .next()
                    .unwrap_or("")
                    .to_string(),
                None => "a field has the wrong type".to_string(),
            }
        }
    };
    format!("{what} (line {}, column {})", error.line(), error.column())
}

async fn read_client_secret(path: &Path) -> Result<ApplicationSecret, CalendarError> {
    let bytes = tokio::fs::read(path).await.map_err(|e| {
        CalendarError::Config(format!(
            "cannot read the OAuth client secret {}: {e}",
            path.display()
        ))
    })?;
    let console: ConsoleApplicationSecret = serde_json::from_slice(&bytes).map_err(|e| {
        CalendarError::Config(format!(
            "{} is not an OAuth client secret JSON: {}",
            path.display(),
            describe_json_error(&e)
        ))
    })?;
    console.installed.or(console.web).ok_or_else(|| {
        CalendarError::Config(format!(
            "{} has neither an \"installed\" nor a \"web\" client",
            path.display()
        ))
    })
}

/// The token cache is yup-oauth2's: a JSON list of `{scopes, token}`. Only a refresh token
/// lets the daemon carry on unattended.
async fn ensure_refreshable_token(token_cache: &Path) -> Result<(), CalendarError> {
    let missing = || {
        CalendarError::Auth(format!(
            "{NEEDS_AUTHORIZATION} (no token at {})",
            token_cache.display()
        ))
    };
    let bytes = match tokio::fs::read(token_cache).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => {
            return Err(CalendarError::Auth(format!(
                "cannot read the token cache {}: {e}",
                token_cache.display()
            )));
        }
    };
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&bytes).map_err(|e| {
        CalendarError::Auth(format!(
            "the token cache {} is damaged ({}); {NEEDS_AUTHORIZATION}",
            token_cache.display(),
            describe_json_error(&e)
        ))
    })?;
    let usable = entries.iter().any(|entry| {
        let has_scope = entry["scopes"]
            .as_array()
            .is_some_and(|scopes| scopes.iter().any(|s| s.as_str() == Some(SCOPE)));
        let has_refresh = entry["token"]["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty());
        has_scope && has_refresh
    });
    if usable { Ok(()) } else { Err(missing()) }
}

/// The token cache, in yup-oauth2's own file format. Its built-in disk storage truncates the
/// file and writes it without flushing, so a reader right after a refresh, or a crash during
/// one, can find it empty and the user would have to authorize again; this one writes a
/// sibling file and renames it into place.
struct TokenFile {
    path: PathBuf,
    tokens: tokio::sync::Mutex<Vec<CachedToken>>,
}

#[derive(Clone, Serialize, Deserialize)]
struct CachedToken {
    scopes: Vec<String>,
    token: TokenInfo,
}

impl TokenFile {
    async fn open(path: &Path) -> Result<Self, CalendarError> {
        let tokens = match tokio::fs::read(path).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CalendarError::Auth(format!(
                    "the token cache {} is damaged ({}); {NEEDS_AUTHORIZATION}",
                    path.display(),
                    describe_json_error(&e)
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(CalendarError::Auth(format!(
                    "cannot read the token cache {}: {e}",
                    path.display()
                )));
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            tokens: tokio::sync::Mutex::new(tokens),
        })
    }
}

// Written out by hand rather than with the async-trait crate the trait was declared with.
impl TokenStorage for TokenFile {
    fn set<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        scopes: &'life1 [&'life2 str],
        token: TokenInfo,
    ) -> Pin<Box<dyn Future<Output = Result<(), TokenStorageError>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
            // Held across the write so that two refreshes cannot interleave their renames.
            let mut tokens = self.tokens.lock().await;
            match tokens.iter_mut().find(|t| t.scopes == scopes) {
                Some(entry) => entry.token = token,
                None => tokens.push(CachedToken { scopes, token }),
            }
            let json = serde_json::to_vec_pretty(&*tokens)
                .map_err(|e| TokenStorageError::Other(e.to_string().into()))?;
            let path = self.path.clone();
            tokio::task::spawn_blocking(move || write_private_file(&path, &json))
                .await
                .map_err(|e| TokenStorageError::Other(e.to_string().into()))??;
            Ok(())
        })
    }

    fn get<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        scopes: &'life1 [&'life2 str],
    ) -> Pin<Box<dyn Future<Output = Option<TokenInfo>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let tokens = self.tokens.lock().await;
            // A token granted for more scopes also serves fewer.
            tokens
                .iter()
                .find(|t| scopes.iter().all(|s| t.scopes.iter().any(|have| have == s)))
                .map(|t| t.token.clone())
        })
    }
}

/// Owner-only (it holds a refresh token), complete on disk before it replaces the old file.
fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = sibling_path(path, ".tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)
}

fn connector() -> Result<Connector, CalendarError> {
    // webpki roots: a host without a CA bundle (slim containers) must still reach Google;
    // https_or_http: tests and local fakes speak plain http on 127.0.0.1.
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| CalendarError::Config(format!("TLS setup failed: {e}")))?;
    Ok(builder
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build())
}

/// yup-oauth2's default client loads native roots (fails without a CA bundle), so the token
/// endpoint gets the same connector as the API.
fn token_client(connector: &Connector) -> CustomHyperClientBuilder<Connector> {
    CustomHyperClientBuilder::from(
        hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build::<_, String>(connector.clone()),
    )
}

fn normalize_base_url(api_base_url: Option<String>) -> Result<String, CalendarError> {
    let mut url = api_base_url
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    // The crate appends paths like "calendars/..." straight onto the base.
    if !url.ends_with('/') {
        url.push('/');
    }
    // The crate unwraps its URL parse, so a bad base would panic inside a call.
    let uri: google_calendar3::hyper::Uri = url
        .parse()
        .map_err(|e| CalendarError::Config(format!("bad Calendar API base URL {url:?}: {e}")))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(url),
        _ => Err(CalendarError::Config(format!(
            "bad Calendar API base URL {url:?}: expected http(s)://host/..."
        ))),
    }
}

fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@+!$&'()*,;=:".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Ids go into the URL path unencoded, so anything beyond Google's own id characters is
/// refused here rather than sent somewhere unexpected.
fn check_event_id(event_id: &str) -> Result<(), CalendarError> {
    let ok = !event_id.is_empty()
        && event_id.len() <= 1024
        && event_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(CalendarError::InvalidRequest(format!(
            "event id {event_id:?} is not a Google event id"
        )))
    }
}

fn sibling_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn collect_busy(requested: &[String], answer: &FreeBusyResponse, busy: &mut BusyMap) {
    let calendars = answer.calendars.clone().unwrap_or_default();
    let groups = answer.groups.clone().unwrap_or_default();
    let calendar_busy = |id: &str| -> Option<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
        let key = find_key(calendars.keys(), id)?;
        let calendar = &calendars[&key];
        if let Some(errors) = calendar.errors.as_ref().filter(|e| !e.is_empty()) {
            let reasons: Vec<&str> = errors.iter().filter_map(|e| e.reason.as_deref()).collect();
            tracing::warn!(calendar = %id, ?reasons, "Google could not tell free/busy");
            return None;
        }
        Some(periods(calendar.busy.as_deref().unwrap_or_default()))
    };
    for id in requested {
        let intervals = match find_key(groups.keys(), id) {
            Some(key) => {
                let group = &groups[&key];
                if let Some(errors) = group.errors.as_ref().filter(|e| !e.is_empty()) {
                    let reasons: Vec<&str> =
                        errors.iter().filter_map(|e| e.reason.as_deref()).collect();
                    tracing::warn!(group = %id, ?reasons, "Google could not expand the group");
                    continue;
                }
                let members = group.calendars.as_deref().unwrap_or_default();
                let all: Vec<_> = members
                    .iter()
                    .filter_map(|m| calendar_busy(m))
                    .flatten()
                    .collect();
                merge(all)
            }
            None => match calendar_busy(id) {
                Some(intervals) => merge(intervals),
                None => continue,
            },
        };
        busy.insert(id.clone(), intervals);
    }
}

/// Google may echo an id in another case than we asked with.
fn find_key<'k>(mut keys: impl Iterator<Item = &'k String>, id: &str) -> Option<String> {
    keys.find(|k| k.eq_ignore_ascii_case(id)).cloned()
}

fn periods(busy: &[TimePeriod]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    busy.iter()
        .filter_map(|p| Some((p.start?, p.end?)))
        .filter(|(start, end)| start < end)
        .collect()
}

fn merge(
    mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    intervals.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap()
    }

    fn spec() -> EventSpec {
        EventSpec {
            id: "wpm0weekly20261202".to_string(),
            meeting_id: "weekly".to_string(),
            summary: "週刊ポストモーテム".to_string(),
            description: String::new(),
            start: at(8, 0),
            end: at(9, 0),
            time_zone: "Asia/Tokyo".to_string(),
            attendees: vec!["b@example.com".to_string(), "A@example.com".to_string()],
            reminder_minutes: Some(10),
        }
    }

    #[test]
    fn a_spec_survives_the_round_trip_through_a_google_event() {
        for reminder in [Some(10), None] {
            let wanted = EventSpec {
                reminder_minutes: reminder,
                ..spec()
            };
            let event = to_google_event(&wanted);
            // Through JSON, as the wire would carry it.
            let json = serde_json::to_value(&event).unwrap();
            let back: Event = serde_json::from_value(json).unwrap();
            assert_eq!(from_google_event(&back), Some(wanted));
        }
    }

    #[test]
    fn the_google_event_carries_optional_attendees_reminder_and_property() {
        let json = serde_json::to_value(to_google_event(&spec())).unwrap();
        assert_eq!(json["attendees"][0]["optional"], true);
        assert_eq!(json["reminders"]["useDefault"], false);
        assert_eq!(json["reminders"]["overrides"][0]["method"], "popup");
        assert_eq!(json["reminders"]["overrides"][0]["minutes"], 10);
        assert_eq!(
            json["extendedProperties"]["private"][MEETING_PROPERTY],
            "weekly"
        );
        assert_eq!(json["start"]["timeZone"], "Asia/Tokyo");
        assert_eq!(json["status"], "confirmed");
    }

    #[test]
    fn an_all_day_or_foreign_event_is_unparsable() {
        let mut event = to_google_event(&spec());
        event.start = Some(EventDateTime {
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 2),
            ..Default::default()
        });
        assert_eq!(from_google_event(&event), None);
        let mut event = to_google_event(&spec());
        event.extended_properties = None;
        assert_eq!(from_google_event(&event), None);
    }

    #[test]
    fn normalized_ignores_attendee_order_and_case() {
        let mut other = spec();
        other.attendees = vec!["a@example.com".to_string(), "B@example.com".to_string()];
        assert_ne!(spec(), other);
        assert_eq!(spec().normalized(), other.normalized());
    }

    #[test]
    fn send_updates_parses_and_serializes_like_google() {
        for (text, value) in [
            ("none", SendUpdates::None),
            ("all", SendUpdates::All),
            ("externalOnly", SendUpdates::ExternalOnly),
        ] {
            assert_eq!(text.parse::<SendUpdates>(), Ok(value));
            assert_eq!(value.to_string(), text);
            assert_eq!(serde_json::to_value(value).unwrap(), text);
            assert_eq!(
                serde_json::from_value::<SendUpdates>(text.into()).unwrap(),
                value
            );
        }
        assert!("external_only".parse::<SendUpdates>().is_err());
    }

    #[test]
    fn retryable_errors_are_rate_limits_outages_and_the_network() {
        let api = |status, reason: Option<&str>| CalendarError::Api {
            status,
            message: String::new(),
            reason: reason.map(str::to_string),
            event_id: None,
        };
        assert!(api(429, None).is_retryable());
        assert!(api(503, None).is_retryable());
        assert!(api(403, Some("rateLimitExceeded")).is_retryable());
        assert!(api(403, Some("userRateLimitExceeded")).is_retryable());
        assert!(!api(403, Some("forbiddenForServiceAccounts")).is_retryable());
        assert!(!api(400, None).is_retryable());
        assert!(CalendarError::Transport("x".into()).is_retryable());
        assert!(!CalendarError::Auth("x".into()).is_retryable());
    }

    #[test]
    fn busy_intervals_merge() {
        let merged = merge(vec![
            (at(9, 0), at(10, 0)),
            (at(8, 0), at(9, 0)),
            (at(11, 0), at(12, 0)),
        ]);
        assert_eq!(merged, vec![(at(8, 0), at(10, 0)), (at(11, 0), at(12, 0))]);
    }

    #[test]
    fn path_segments_and_ids_stay_inside_the_path() {
        assert_eq!(
            encode_path_segment("ja.japanese#holiday@group.v.calendar.google.com"),
            "ja.japanese%23holiday@group.v.calendar.google.com"
        );
        assert_eq!(encode_path_segment("a/b?c"), "a%2Fb%3Fc");
        assert!(check_event_id("abc012").is_ok());
        assert!(check_event_id("abc_20261202T080000Z").is_ok());
        assert!(check_event_id("../x").is_err());
        assert!(check_event_id("").is_err());
    }

    #[test]
    fn base_urls_are_checked_and_get_their_trailing_slash() {
        assert_eq!(normalize_base_url(None).unwrap(), DEFAULT_BASE_URL);
        assert_eq!(
            normalize_base_url(Some("http://127.0.0.1:9/calendar/v3".into())).unwrap(),
            "http://127.0.0.1:9/calendar/v3/"
        );
        assert!(normalize_base_url(Some("not a url".into())).is_err());
        assert!(normalize_base_url(Some("ftp://x/".into())).is_err());
    }

    #[test]
    fn json_errors_do_not_echo_values() {
        let err = serde_json::from_str::<ServiceAccountKey>(
            r#"{"private_key": "-----BEGIN SECRET", "client_email": 7, "token_uri": "y"}"#,
        )
        .unwrap_err();
        assert!(!describe_json_error(&err).contains("SECRET"));
        let err =
            serde_json::from_str::<ServiceAccountKey>(r#"{"client_email": "x"}"#).unwrap_err();
        assert!(describe_json_error(&err).contains("missing field"));
    }
}
