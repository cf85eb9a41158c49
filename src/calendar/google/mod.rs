//! Google Calendar adapter: the one place that talks to the Calendar API (auth, timeouts,
//! retries), behind the `CalendarApi` trait so the sync logic can be tested without Google.
//!
//! The pieces:
//! - here: the public types, the [`CalendarApi`] trait and the [`GoogleCalendar`] struct;
//! - `auth`: the authenticators (service account, installed flow) and the token cache;
//! - `retry`: [`RetryPolicy`], backoff with jitter, the call/attempt loop, call counters;
//! - `requests`: what each Calendar API request sends, paging and freeBusy chunking;
//! - `convert`: [`EventSpec`] to and from Google's `Event`, freeBusy answers to [`BusyMap`];
//! - `error`: [`CalendarError`] and how the crates' errors map onto it.

mod auth;
mod convert;
mod error;
mod requests;
mod retry;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use google_calendar3::{CalendarHub, common};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use yup_oauth2::authenticator::Authenticator;

pub use convert::{from_google_event, to_google_event};
pub use error::CalendarError;
pub use retry::{ApiCallCounts, RetryPolicy};

use requests::{
    Op, Reply, check_event_id, encode_path_segment, mismatched_reply, normalize_base_url,
};
use retry::{Counters, Jitter};

/// Private extended property that marks an event as ours and says which meeting it belongs to.
pub const MEETING_PROPERTY: &str = "weekly_postmortem_meeting";

/// Every call asks for this one scope: yup-oauth2 caches tokens per scope set, and the installed
/// flow's cached token only covers what `auth google` asked for, so a call with the crate's
/// per-method default scope would need a new browser consent.
pub const SCOPE: &str = "https://www.googleapis.com/auth/calendar";
const SCOPES: &[&str] = &[SCOPE];

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
    /// One event by id, cancelled ones included; `None` when Google does not know it.
    fn get<'a>(&'a self, event_id: &'a str) -> CalendarFuture<'a, Option<ListedEvent>>;
    /// Busy intervals per requested email or group. An item Google could not tell about
    /// (unknown, not shared) is left out, so "missing" means "unknown", never "free".
    fn free_busy<'a>(
        &'a self,
        emails: &'a [String],
        time_min: DateTime<Utc>,
        time_max: DateTime<Utc>,
    ) -> CalendarFuture<'a, BusyMap>;
    /// The calendar the event calls go to.
    fn calendar_id(&self) -> &str;
    /// The same credentials, retries and call counters on another calendar
    /// (a meeting's own `google_calendar_id`).
    fn on_calendar(&self, calendar_id: &str) -> Result<Box<dyn CalendarApi>, CalendarError>;
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
    /// Shared with the views of this connection on other calendars, so the
    /// metrics count every call.
    counters: Arc<Counters>,
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
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
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
            counters: Arc::default(),
            jitter: Jitter::new(),
            needs_fresh_token: AtomicBool::new(false),
        })
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

    fn get<'a>(&'a self, event_id: &'a str) -> CalendarFuture<'a, Option<ListedEvent>> {
        Box::pin(async move {
            check_event_id(event_id)?;
            match self.call(Op::Get(event_id)).await? {
                Reply::Event(event) => Ok(Some(ListedEvent {
                    id: event_id.to_string(),
                    cancelled: event.status.as_deref() == Some("cancelled"),
                    spec: from_google_event(&event),
                })),
                Reply::Missing => Ok(None),
                _ => Err(mismatched_reply()),
            }
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
    fn calendar_id(&self) -> &str {
        &self.calendar_id
    }

    fn on_calendar(&self, calendar_id: &str) -> Result<Box<dyn CalendarApi>, CalendarError> {
        if calendar_id.trim().is_empty() {
            return Err(CalendarError::Config(
                "the calendar id is empty".to_string(),
            ));
        }
        Ok(Box::new(Self {
            hub: self.hub.clone(),
            auth: self.auth.clone(),
            calendar_id: calendar_id.to_string(),
            calendar_path: encode_path_segment(calendar_id),
            base_url: self.base_url.clone(),
            send_updates: self.send_updates,
            retry: self.retry,
            counters: self.counters.clone(),
            jitter: Jitter::new(),
            needs_fresh_token: AtomicBool::new(self.needs_fresh_token.load(Ordering::Relaxed)),
        }))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(super) fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap()
    }

    pub(super) fn spec() -> EventSpec {
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
}
