//! A local stand-in for Google Calendar v3 and Google's OAuth token endpoint, so tests drive the
//! real adapter (and the daemon binary) without a network or a Google account.

// A shared fake: each test uses a different subset of its controls, so in any one build of the
// test binary some of them are unused.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::extract::{Form, Json, Path as UrlPath, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

mod auth;
mod calendar;
mod events;

use auth::*;
use calendar::*;
use events::*;

/// Events per page, well below Google's 250, so that paging gets exercised.
pub(crate) const PAGE_SIZE: usize = 50;
/// The scope the adapter asks for; a token cache written by the fake must name it.
pub(crate) const CALENDAR_SCOPE: &str = "https://www.googleapis.com/auth/calendar";
/// The refresh token in caches written by [`FakeGoogle::write_token_cache`] and handed out
/// for an authorization code.
pub(crate) const FAKE_REFRESH_TOKEN: &str = "fake-refresh-token";
/// What the fake consent page puts on the redirect back to the app.
pub(crate) const FAKE_AUTH_CODE: &str = "fake-auth-code";

/// A throwaway RSA key made for these tests only (`openssl genpkey -algorithm RSA
/// -pkeyopt rsa_keygen_bits:2048`): yup-oauth2 really signs its JWT with it.
const TEST_PRIVATE_KEY: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCDtZFe85o4cRUP\n\
V/fDji0+JWejYnLs3xUgjO5F6/438haQbpgqShm+0b9wrIpOyH47Qla76H2/AkHu\n\
pg62WT/v/ozQEeeWqZVqq//a/2/tu2fbwGqWGg9J2Xlj+M5fLBF4yAqXdBsSpTUN\n\
sQGG7ec13e8URpbf/QIjm711ooMuQr2qxXYueKjAcIp0bdBZjdgdXzjI+MFFhmO9\n\
skvSquh4tQoO9CBJ2Ul72qcKv0fCSe9uz7ZPyVjSex1NwV99bxczn4CBm9DBwTdZ\n\
hP4kCAc5Agmp0OK7isU+YKzxJO9e6nP6Y54pOdIgnPf6vPMRuQskLhRSkzilDlUE\n\
lu8dYon3AgMBAAECggEACMSur96R1s4Yc9QMZ5Vwh6Gf262zLvfPBUK8niUO4JSa\n\
UfU65h3WxvBZyVuDPal1VeadtZbNwEibMRMXCaa5bfXJVBTNESerDdXzi5XT0sTW\n\
LjgKIIINoIH85d3rh0R8yUiwA9Mz9jLPbGDrVBtEeD6VKwlkA/dpDAvTOiCekRbB\n\
7L5EZ9Jpxa9tR3KU8o8DL1bJ5o7D7fYk5BADBug7VT2/1iNeJqu9x/ejibD8TkjF\n\
ycCGheDjgwSitX6n0GhiID5TylPFHOm9MJeOuloJ+a8A1iq0J+Q1MHekN102G+aD\n\
rfENPrDpzHR9zhkYNND10mubt5mwdkS5VPPKoXMU6QKBgQC3/G0B3YHaT5rOt6me\n\
loLHI/kWSXLEySFRgCfywEsKzLA3/S3i079FXDLphVmANmYyZDNA0dWkzIwe0S5c\n\
rAC1ZXtg55mIyXYXtZLKz+jnf1ZKTH7IoG3rqaQJNQDrMqWMmYsaR4eUhgzaJRFX\n\
eAHSt4rJWZ01kSBu7Z1vslbWHQKBgQC3QvVm39lRC8jTrylx07WXb+ypuWWRp4RL\n\
jdBXnBHuXdvNUsZII1Ez9gelCL2d0AHGoiafetFp+wLmqCYIcnurhfGpKBZhgyCy\n\
BAMjjN/LTtMWi8KBONb2huZCRmnA3aqc1YIEVjdJjUkLq18T1Mq4yI6Dhe8GqNYK\n\
ms+Cv50UIwKBgQCdtvnulmYAsSqAN3pkYpsagCC+1RlXzR4NkjEsa2AokswgQpy6\n\
C0+z8lQGT/Qn7vnuCmzRDM76JQmcRS5b7GnzFVoM+JtpYWEk89YwmscI4uQibq5j\n\
5vozAMmHxvLRqym0e859KYH0dHDB8vKJq2rMqd+DuJkF2TEXRgMmQ5cilQKBgAkR\n\
hCk6DHvpNF/dPBTI4CSFQlXHudHyUyaV9uhO7cg41sabQPqS3NLQauJsw01K3Lui\n\
jHy5zCENbcBSM8eZOqtrLmErfagHoBePAUTCFNTvqpxkABT65hA+7qf66gLENUwb\n\
eJqUVZoLJsEwEr1de0aXjg3OE9zlf+n4bSpQJwq3AoGBAIbb2fjr91JOOYP7xipt\n\
XLbbz+I9mqllISu1Tp/+sbXKjO1Wka+rshbGqXGdy/YF/nhA+I1yZx7aHL9+egjV\n\
KUa3rc2CG+n1YcsZS4vQTbnMwgfZ0vLJ4m20sRg6B7X7KJOmpBhWrtv9Zx8NRGq5\n\
/IPlP1wuDFoauWhmbfH6NETn\n\
-----END PRIVATE KEY-----\n\
";

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Raw (still percent-encoded) query string.
    pub query: Option<String>,
}

/// A busy interval, start inclusive, end exclusive.
pub(crate) type Interval = (DateTime<Utc>, DateTime<Utc>);

struct StoredEvent {
    calendar: String,
    event: Value,
}

#[derive(Default)]
struct Inner {
    events: Vec<StoredEvent>,
    requests: Vec<RecordedRequest>,
    /// Injected answers for the next authorized Calendar calls: (status, reason).
    failures: Vec<(u16, String)>,
    /// The next n writes take effect, then answer 500 as if the response was lost.
    commit_then_fail: usize,
    /// Calendars that do not exist (or are not shared with us): 404.
    missing_calendars: Vec<String>,
    /// Calendars shared with us to read only: writes answer 403.
    read_only_calendars: Vec<String>,
    /// Leave cancelled events out of listings even with `showDeleted`, as
    /// Google might for events filtered by extended property.
    hide_cancelled: bool,
    down: bool,
    delay_all: Option<Duration>,
    delay_next: Vec<Duration>,
    reject_tokens: bool,
    /// Tokens numbered up to this one are refused (revoked).
    revoked_up_to: u64,
    busy: HashMap<String, Vec<Interval>>,
    groups: HashMap<String, Vec<String>>,
    token_requests: usize,
    tokens_issued: u64,
    generated_ids: u64,
}

type Shared = Arc<Mutex<Inner>>;

/// The fake server; it stops when dropped.
pub(crate) struct FakeGoogle {
    addr: SocketAddr,
    state: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGoogle {
    /// Starts on 127.0.0.1 on a free port, on its own thread and runtime, so sync tests that
    /// run the binary as a subprocess can use it as well as async ones.
    pub(crate) fn start() -> Self {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("binding the fake Google port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener for tokio");
        let addr = listener.local_addr().expect("the fake Google address");
        let state = Shared::default();
        let app = router(state.clone());
        let (shutdown, stop) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-google".to_string())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the fake Google runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("handing the listener to tokio");
                    // Not a graceful shutdown: pooled keep-alive connections from the client
                    // under test would hold it open.
                    tokio::select! {
                        served = async { axum::serve(listener, app).await } => {
                            served.expect("the fake Google server");
                        }
                        _ = stop => {}
                    }
                });
            })
            .expect("spawning the fake Google thread");
        Self {
            addr,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the adapter takes as `api_base_url`.
    pub(crate) fn api_base_url(&self) -> String {
        format!("{}/calendar/v3/", self.base_url())
    }

    pub(crate) fn token_uri(&self) -> String {
        format!("{}/token", self.base_url())
    }

    /// Every stored event of every calendar, cancelled ones included, in insertion order.
    pub(crate) fn events(&self) -> Vec<Value> {
        self.lock().events.iter().map(|e| e.event.clone()).collect()
    }

    /// Stored events of one calendar (its id as Google would see it, unencoded).
    pub(crate) fn events_in(&self, calendar_id: &str) -> Vec<Value> {
        self.lock()
            .events
            .iter()
            .filter(|e| e.calendar == calendar_id)
            .map(|e| e.event.clone())
            .collect()
    }

    pub(crate) fn event(&self, event_id: &str) -> Option<Value> {
        self.lock()
            .events
            .iter()
            .find(|e| e.event["id"] == event_id)
            .map(|e| e.event.clone())
    }

    /// (method, path) of every request, token requests included.
    pub(crate) fn requests(&self) -> Vec<(String, String)> {
        self.lock()
            .requests
            .iter()
            .map(|r| (r.method.clone(), r.path.clone()))
            .collect()
    }

    pub(crate) fn recorded_requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub(crate) fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// POSTs to `/token` so far, answered or not.
    pub(crate) fn token_requests(&self) -> usize {
        self.lock().token_requests
    }

    /// The next `n` authorized Calendar calls answer `status` with a Google-shaped error
    /// body (reason `rateLimitExceeded` for 403/429, `backendError` for 5xx).
    pub(crate) fn fail_next(&self, n: usize, status: u16) {
        let reason = match status {
            403 | 429 => "rateLimitExceeded",
            500..=599 => "backendError",
            _ => "invalid",
        };
        self.fail_next_with_reason(n, status, reason);
    }

    pub(crate) fn fail_next_with_reason(&self, n: usize, status: u16, reason: &str) {
        let mut inner = self.lock();
        inner.failures = vec![(status, reason.to_string()); n];
    }

    /// While down, everything (token endpoint included) answers 503.
    /// The next `n` writes (insert, update, patch, delete) are applied, and then
    /// answered with 500, like a response lost after Google committed.
    pub(crate) fn commit_then_fail_next(&self, n: usize) {
        lock(&self.state).commit_then_fail = n;
    }

    /// Listings leave cancelled events out whatever `showDeleted` says.
    pub(crate) fn hide_cancelled_in_lists(&self, hide: bool) {
        lock(&self.state).hide_cancelled = hide;
    }

    /// Writes to this calendar answer 403, as for one shared with "See all event details".
    pub(crate) fn set_read_only_calendar(&self, calendar_id: &str) {
        lock(&self.state)
            .read_only_calendars
            .push(calendar_id.to_string());
    }

    /// Calls about this calendar answer 404, as for an id nobody shared with us.
    pub(crate) fn set_missing_calendar(&self, calendar_id: &str) {
        lock(&self.state)
            .missing_calendars
            .push(calendar_id.to_string());
    }

    pub(crate) fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// Every Calendar call does its work, then waits this long before answering.
    pub(crate) fn set_delay(&self, delay: Option<Duration>) {
        self.lock().delay_all = delay;
    }

    /// The next `n` Calendar calls do their work, then answer only after `delay`: a client
    /// that gave up meanwhile never learns that the write happened.
    pub(crate) fn delay_next(&self, n: usize, delay: Duration) {
        self.lock().delay_next = vec![delay; n];
    }

    /// The token endpoint answers 400 `invalid_grant` (a revoked refresh token).
    pub(crate) fn reject_tokens(&self, reject: bool) {
        self.lock().reject_tokens = reject;
    }

    /// Every access token issued so far now gets 401, as after a revocation.
    pub(crate) fn revoke_issued_tokens(&self) {
        let mut inner = self.lock();
        inner.revoked_up_to = inner.tokens_issued;
    }

    /// Busy intervals freeBusy reports for `email`; emails never set answer `notFound`.
    pub(crate) fn set_busy(&self, email: &str, busy: Vec<Interval>) {
        self.lock().busy.insert(email.to_string(), busy);
    }

    /// A group freeBusy expands into its members' calendars.
    pub(crate) fn set_group(&self, group: &str, members: &[&str]) {
        let members = members.iter().map(|m| m.to_string()).collect();
        self.lock().groups.insert(group.to_string(), members);
    }

    /// What a person deleting the event in Google Calendar leaves behind: status
    /// `cancelled`, the id still taken.
    pub(crate) fn cancel_event_as_person(&self, event_id: &str) {
        self.edit_event_as_person(event_id, json!({"status": "cancelled"}));
    }

    /// A person's edit in Google Calendar: top-level fields of `patch` replace the stored ones.
    pub(crate) fn edit_event_as_person(&self, event_id: &str, patch: Value) {
        let mut inner = self.lock();
        let stored = inner
            .events
            .iter_mut()
            .find(|e| e.event["id"] == event_id)
            .unwrap_or_else(|| panic!("the fake Google has no event {event_id}"));
        merge_top_level(&mut stored.event, &patch);
        touch(&mut stored.event);
    }

    /// Stores an event as given (no validation), e.g. one Google made or one we cannot parse.
    pub(crate) fn seed_event(&self, calendar_id: &str, event: Value) {
        self.lock().events.push(StoredEvent {
            calendar: calendar_id.to_string(),
            event,
        });
    }

    /// A service account key whose `token_uri` points at this fake.
    pub(crate) fn write_service_account_key(&self, dir: &Path) -> PathBuf {
        let key = json!({
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": "fake-key-1",
            "private_key": TEST_PRIVATE_KEY,
            "client_email": "weekly-postmortem@fake-project.iam.gserviceaccount.com",
            "client_id": "100000000000000000001",
            "auth_uri": format!("{}/auth", self.base_url()),
            "token_uri": self.token_uri(),
            "auth_provider_x509_cert_url": format!("{}/certs", self.base_url()),
            "client_x509_cert_url": format!("{}/certs/weekly-postmortem", self.base_url()),
        });
        write_json(&dir.join("service-account.json"), &key)
    }

    /// An installed-app OAuth client secret whose `token_uri` points at this fake.
    pub(crate) fn write_client_secret(&self, dir: &Path) -> PathBuf {
        let secret = json!({
            "installed": {
                "client_id": "fake-client.apps.googleusercontent.com",
                "client_secret": "fake-client-secret",
                "project_id": "fake-project",
                "auth_uri": format!("{}/auth", self.base_url()),
                "token_uri": self.token_uri(),
                "redirect_uris": ["http://localhost"],
            }
        });
        write_json(&dir.join("client_secret.json"), &secret)
    }

    /// A token cache in yup-oauth2's format, as `auth google` leaves it: `access_token`
    /// never expires locally, so it is used until the fake answers 401 (it accepts only the
    /// `fake-token-N` it issued itself), and then [`FAKE_REFRESH_TOKEN`] gets a new one.
    pub(crate) fn write_token_cache(path: &Path, access_token: &str) -> PathBuf {
        let cache = json!([{
            "scopes": [CALENDAR_SCOPE],
            "token": {
                "access_token": access_token,
                "refresh_token": FAKE_REFRESH_TOKEN,
                "expires_at": null,
                "id_token": null,
            }
        }]);
        write_json(path, &cache)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        lock(&self.state)
    }
}

impl Drop for FakeGoogle {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// A test that panicked while holding the lock must not take every later assertion with it.
fn lock(state: &Shared) -> MutexGuard<'_, Inner> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write_json(path: &Path, value: &Value) -> PathBuf {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("creating the directory for a fake Google file");
    }
    let text = serde_json::to_string_pretty(value).expect("serializing a fake Google file");
    std::fs::write(path, text).expect("writing a fake Google file");
    path.to_path_buf()
}
