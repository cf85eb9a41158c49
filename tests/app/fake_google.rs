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

fn router(state: Shared) -> Router {
    Router::new()
        .route("/token", post(token))
        .route("/auth", get(consent))
        .route(
            "/calendar/v3/calendars/{calendar}/events",
            get(list_events).post(insert_event),
        )
        .route(
            "/calendar/v3/calendars/{calendar}/events/{event_id}",
            get(get_event)
                .put(update_event)
                .patch(patch_event)
                .delete(delete_event),
        )
        .route("/calendar/v3/freeBusy", post(free_busy))
        .fallback(|| async { google_error(404, "Not Found", "notFound") })
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

/// Logging, outages, auth and injected failures, in the order Google would apply them.
async fn gate(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let is_calendar = path.starts_with("/calendar/");
    let is_write =
        is_calendar && request.method() != axum::http::Method::GET && !path.ends_with("/freeBusy");
    let (authorized, down, failure, delay) = {
        let mut inner = lock(&state);
        let authorized = bearer_ok(request.headers(), inner.revoked_up_to);
        inner.requests.push(RecordedRequest {
            method: request.method().to_string(),
            path: path.clone(),
            query: request.uri().query().map(str::to_string),
        });
        if path == "/token" {
            inner.token_requests += 1;
        }
        let down = inner.down;
        let mut failure = None;
        let mut delay = None;
        if is_calendar && authorized && !down {
            if !inner.failures.is_empty() {
                failure = Some(inner.failures.remove(0));
            } else if !inner.delay_next.is_empty() {
                delay = Some(inner.delay_next.remove(0));
            } else {
                delay = inner.delay_all;
            }
        }
        (authorized, down, failure, delay)
    };
    if down {
        return google_error(503, "The service is currently unavailable.", "backendError");
    }
    if is_calendar && !authorized {
        return google_error(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, \
             login cookie or other valid authentication credential.",
            "authError",
        );
    }
    let missing = lock(&state).missing_calendars.iter().any(|c| {
        path.contains(&format!("/calendars/{}/", urlencoding_like(c)))
            || path.contains(&format!("/calendars/{c}/"))
    });
    if is_calendar && missing {
        return google_error(404, "Not Found", "notFound");
    }
    let read_only = lock(&state).read_only_calendars.iter().any(|c| {
        path.contains(&format!("/calendars/{}/", urlencoding_like(c)))
            || path.contains(&format!("/calendars/{c}/"))
    });
    if is_write && read_only {
        return google_error(
            403,
            "You need to have writer access to this calendar.",
            "requiredAccessLevel",
        );
    }
    if let Some((status, reason)) = failure {
        let message = match status {
            403 | 429 => "Rate Limit Exceeded",
            500..=599 => "Backend Error",
            _ => "Injected failure",
        };
        return google_error(status, message, &reason);
    }
    let response = next.run(request).await;
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if is_write && response.status().is_success() {
        let mut inner = lock(&state);
        if inner.commit_then_fail > 0 {
            inner.commit_then_fail -= 1;
            return google_error(500, "Backend Error", "backendError");
        }
    }
    response
}

fn bearer_ok(headers: &HeaderMap, revoked_up_to: u64) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer fake-token-"))
        .and_then(|n| n.parse::<u64>().ok())
        .is_some_and(|n| n > revoked_up_to)
}

async fn token(State(state): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut inner = lock(&state);
    if inner.reject_tokens {
        return oauth_error("invalid_grant", "Token has been expired or revoked.");
    }
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let valid = match field("grant_type") {
        // A signed JWT has three dot-separated parts; the fake does not check the signature.
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => field("assertion").split('.').count() == 3,
        "refresh_token" => !field("refresh_token").is_empty() && !field("client_id").is_empty(),
        "authorization_code" => {
            if field("code") != FAKE_AUTH_CODE || field("redirect_uri").is_empty() {
                return oauth_error("invalid_grant", "Malformed auth code.");
            }
            inner.tokens_issued += 1;
            return Json(json!({
                "access_token": format!("fake-token-{}", inner.tokens_issued),
                "refresh_token": FAKE_REFRESH_TOKEN,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": CALENDAR_SCOPE,
            }))
            .into_response();
        }
        other => {
            return oauth_error(
                "unsupported_grant_type",
                &format!("Invalid grant_type: {other}"),
            );
        }
    };
    if !valid {
        return oauth_error("invalid_grant", "Invalid JWT or refresh token.");
    }
    inner.tokens_issued += 1;
    Json(json!({
        "access_token": format!("fake-token-{}", inner.tokens_issued),
        "token_type": "Bearer",
        "expires_in": 3600,
    }))
    .into_response()
}

/// The consent page, already agreed to: straight back to the app with a code, as Google
/// does once the user clicks "Allow".
async fn consent(RawQuery(query): RawQuery) -> Response {
    let pairs = query_pairs(query.as_deref().unwrap_or(""));
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    if param("client_id").is_empty()
        || param("response_type") != "code"
        || !param("scope").split(' ').any(|s| s == CALENDAR_SCOPE)
    {
        return (StatusCode::BAD_REQUEST, "Error 400: invalid_request").into_response();
    }
    let redirect_uri = param("redirect_uri");
    if !redirect_uri.starts_with("http://localhost")
        && !redirect_uri.starts_with("http://127.0.0.1")
    {
        return (StatusCode::BAD_REQUEST, "Error 400: redirect_uri_mismatch").into_response();
    }
    let location = format!("{redirect_uri}/?code={FAKE_AUTH_CODE}&scope={CALENDAR_SCOPE}");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

async fn list_events(
    State(state): State<Shared>,
    UrlPath(calendar): UrlPath<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref().unwrap_or(""));
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let show_deleted = param("showDeleted") == Some("true") && !lock(&state).hide_cancelled;
    let properties: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k == "privateExtendedProperty")
        .filter_map(|(_, v)| v.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let Ok(time_min) = param("timeMin").map(parse_rfc3339).transpose() else {
        return google_error(400, "Bad Request", "badRequest");
    };
    let Ok(time_max) = param("timeMax").map(parse_rfc3339).transpose() else {
        return google_error(400, "Bad Request", "badRequest");
    };
    let page_size = param("maxResults")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(250)
        .clamp(1, PAGE_SIZE);
    let offset = match param("pageToken") {
        None => 0,
        Some(token) => match token.strip_prefix("page-").and_then(|n| n.parse().ok()) {
            Some(offset) => offset,
            None => return google_error(400, "Invalid page token value.", "invalid"),
        },
    };
    let inner = lock(&state);
    let matching: Vec<&Value> = inner
        .events
        .iter()
        .filter(|e| e.calendar == calendar)
        .map(|e| &e.event)
        .filter(|e| show_deleted || e["status"] != "cancelled")
        .filter(|e| {
            properties
                .iter()
                .all(|(k, v)| e["extendedProperties"]["private"][k] == v.as_str())
        })
        // Google's timeMin bounds the end time (exclusive), timeMax the start time.
        .filter(|e| match (time_min, event_time(e, "end")) {
            (Some(min), Some(end)) => end > min,
            _ => true,
        })
        .filter(|e| match (time_max, event_time(e, "start")) {
            (Some(max), Some(start)) => start < max,
            _ => true,
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|e| (*e).clone())
        .collect();
    let mut answer = json!({
        "kind": "calendar#events",
        "summary": calendar,
        "timeZone": "UTC",
        "accessRole": "owner",
        "items": page,
    });
    if offset + page_size < matching.len() {
        answer["nextPageToken"] = json!(format!("page-{}", offset + page_size));
    }
    Json(answer).into_response()
}

async fn insert_event(
    State(state): State<Shared>,
    UrlPath(calendar): UrlPath<String>,
    Json(mut event): Json<Value>,
) -> Response {
    if !event.is_object() {
        return google_error(400, "Bad Request", "badRequest");
    }
    if let Some(error) = check_times(&event) {
        return error;
    }
    let mut inner = lock(&state);
    let id = match event["id"].as_str() {
        Some(id) if !valid_event_id(id) => {
            return google_error(400, "Invalid resource id value.", "invalid");
        }
        Some(id) => id.to_string(),
        None => {
            inner.generated_ids += 1;
            format!("fakegenerated{:06}", inner.generated_ids)
        }
    };
    // Google keeps a deleted event's id reserved: re-inserting it is a 409 too.
    if inner
        .events
        .iter()
        .any(|e| e.calendar == calendar && e.event["id"] == id.as_str())
    {
        return google_error(409, "The requested identifier already exists.", "duplicate");
    }
    event["id"] = json!(id);
    let now = now();
    decorate(&calendar, &mut event, &now, 0);
    event["created"] = json!(now);
    inner.events.push(StoredEvent {
        calendar,
        event: event.clone(),
    });
    Json(event).into_response()
}

async fn get_event(
    State(state): State<Shared>,
    UrlPath((calendar, event_id)): UrlPath<(String, String)>,
) -> Response {
    let inner = lock(&state);
    match find(&inner, &calendar, &event_id) {
        Some(index) => Json(inner.events[index].event.clone()).into_response(),
        None => google_error(404, "Not Found", "notFound"),
    }
}

async fn update_event(
    State(state): State<Shared>,
    UrlPath((calendar, event_id)): UrlPath<(String, String)>,
    Json(mut event): Json<Value>,
) -> Response {
    if !event.is_object() {
        return google_error(400, "Bad Request", "badRequest");
    }
    if let Some(error) = check_times(&event) {
        return error;
    }
    let mut inner = lock(&state);
    let Some(index) = find(&inner, &calendar, &event_id) else {
        return google_error(404, "Not Found", "notFound");
    };
    let old = inner.events[index].event.clone();
    event["id"] = json!(event_id);
    if event.get("status").is_none() {
        event["status"] = json!("confirmed");
    }
    let sequence = old["sequence"].as_i64().unwrap_or(0) + 1;
    decorate(&calendar, &mut event, &now(), sequence);
    event["created"] = old["created"].clone();
    inner.events[index].event = event.clone();
    Json(event).into_response()
}

async fn patch_event(
    State(state): State<Shared>,
    UrlPath((calendar, event_id)): UrlPath<(String, String)>,
    Json(patch): Json<Value>,
) -> Response {
    let mut inner = lock(&state);
    let Some(index) = find(&inner, &calendar, &event_id) else {
        return google_error(404, "Not Found", "notFound");
    };
    let event = &mut inner.events[index].event;
    merge_top_level(event, &patch);
    event["id"] = json!(event_id);
    touch(event);
    Json(event.clone()).into_response()
}

async fn delete_event(
    State(state): State<Shared>,
    UrlPath((calendar, event_id)): UrlPath<(String, String)>,
) -> Response {
    let mut inner = lock(&state);
    let Some(index) = find(&inner, &calendar, &event_id) else {
        return google_error(404, "Not Found", "notFound");
    };
    let event = &mut inner.events[index].event;
    if event["status"] == "cancelled" {
        return google_error(410, "Resource has been deleted", "deleted");
    }
    event["status"] = json!("cancelled");
    touch(event);
    StatusCode::NO_CONTENT.into_response()
}

async fn free_busy(State(state): State<Shared>, Json(request): Json<Value>) -> Response {
    let parse = |name: &str| request[name].as_str().and_then(|t| parse_rfc3339(t).ok());
    let (Some(time_min), Some(time_max)) = (parse("timeMin"), parse("timeMax")) else {
        return google_error(400, "Missing timeMin or timeMax parameter.", "required");
    };
    if time_max <= time_min {
        return google_error(400, "The specified time range is empty.", "timeRangeEmpty");
    }
    let inner = lock(&state);
    let calendar = |email: &str| match inner.busy.get(email) {
        Some(intervals) => {
            let busy: Vec<Value> = intervals
                .iter()
                .filter(|(start, end)| *start < time_max && *end > time_min)
                .map(|(start, end)| json!({"start": rfc3339(start), "end": rfc3339(end)}))
                .collect();
            json!({ "busy": busy })
        }
        None => json!({"busy": [], "errors": [{"domain": "global", "reason": "notFound"}]}),
    };
    let mut calendars = Map::new();
    let mut groups = Map::new();
    let ids = request["items"].as_array().cloned().unwrap_or_default();
    for id in ids.iter().filter_map(|item| item["id"].as_str()) {
        match inner.groups.get(id) {
            Some(members) => {
                groups.insert(id.to_string(), json!({ "calendars": members }));
                for member in members {
                    calendars.insert(member.clone(), calendar(member));
                }
            }
            None => {
                calendars.insert(id.to_string(), calendar(id));
            }
        }
    }
    let mut answer = json!({
        "kind": "calendar#freeBusy",
        "timeMin": rfc3339(&time_min),
        "timeMax": rfc3339(&time_max),
        "calendars": calendars,
    });
    if !groups.is_empty() {
        answer["groups"] = Value::Object(groups);
    }
    Json(answer).into_response()
}

fn find(inner: &Inner, calendar: &str, event_id: &str) -> Option<usize> {
    inner
        .events
        .iter()
        .position(|e| e.calendar == calendar && e.event["id"] == event_id)
}

/// Google's own id rule: base32hex (`a`-`v`, `0`-`9`), 5 to 1024 characters.
fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.bytes().all(|b| matches!(b, b'a'..=b'v' | b'0'..=b'9'))
}

fn check_times(event: &Value) -> Option<Response> {
    for side in ["start", "end"] {
        if event[side]["dateTime"].is_null() && event[side]["date"].is_null() {
            return Some(google_error(
                400,
                &format!("Missing {side} time."),
                "required",
            ));
        }
    }
    match (event_time(event, "start"), event_time(event, "end")) {
        (Some(start), Some(end)) if end < start => Some(google_error(
            400,
            "The specified time range is empty.",
            "timeRangeEmpty",
        )),
        _ => None,
    }
}

/// The fields Google fills in on its own, so the adapter parses what it would really get.
fn decorate(calendar: &str, event: &mut Value, now: &str, sequence: i64) {
    let id = event["id"].as_str().unwrap_or_default().to_string();
    event["kind"] = json!("calendar#event");
    event["etag"] = json!(format!("\"{}-{sequence}\"", Utc::now().timestamp_micros()));
    event["updated"] = json!(now);
    event["sequence"] = json!(sequence);
    event["iCalUID"] = json!(format!("{id}@google.com"));
    event["htmlLink"] = json!(format!("https://calendar.example/event?eid={id}"));
    event["organizer"] = json!({"email": calendar, "self": true});
    event["creator"] = json!({"email": "weekly-postmortem@fake-project.iam.gserviceaccount.com"});
    if event.get("status").is_none() {
        event["status"] = json!("confirmed");
    }
    if event.get("reminders").is_none() {
        event["reminders"] = json!({"useDefault": true});
    }
    if let Some(attendees) = event.get_mut("attendees").and_then(Value::as_array_mut) {
        for attendee in attendees {
            if attendee.get("responseStatus").is_none() {
                attendee["responseStatus"] = json!("needsAction");
            }
        }
    }
}

fn touch(event: &mut Value) {
    event["updated"] = json!(now());
    event["sequence"] = json!(event["sequence"].as_i64().unwrap_or(0) + 1);
}

fn merge_top_level(event: &mut Value, patch: &Value) {
    if let (Some(target), Some(fields)) = (event.as_object_mut(), patch.as_object()) {
        for (key, value) in fields {
            target.insert(key.clone(), value.clone());
        }
    }
}

fn event_time(event: &Value, side: &str) -> Option<DateTime<Utc>> {
    event[side]["dateTime"]
        .as_str()
        .and_then(|t| parse_rfc3339(t).ok())
}

fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc))
}

fn rfc3339(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn google_error(status: u16, message: &str, reason: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": "global", "reason": reason, "message": message}],
        }
    });
    (code, Json(body)).into_response()
}

fn oauth_error(error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Query parameters may repeat (`privateExtendedProperty`), which axum's `Query` into a map
/// would lose.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || {
            let digits = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            u8::from_str_radix(digits, 16).ok()
        };
        match (bytes[i], hex()) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The calendar id as it appears in a path: `@` percent-encoded.
fn urlencoding_like(id: &str) -> String {
    id.replace('@', "%40")
}
