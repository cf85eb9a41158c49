//! Local fakes of three issue trackers' APIs, as far as the daemon reads them:
//! GitHub (`GET /repos/{owner}/{repo}/issues/{n}`, a bearer token), Nulab
//! Backlog (`GET /api/v2/issues/{key}?apiKey=`) and Jira
//! (`GET /rest/api/2/issue/{key}?fields=status`, basic auth). Issues are
//! open or closed as the test sets them; every request is recorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::sync::oneshot;

pub(crate) const GITHUB_TOKEN: &str = "gh-test-token";
pub(crate) const BACKLOG_KEY: &str = "backlog-test-key";
pub(crate) const JIRA_EMAIL: &str = "sre@example.com";
pub(crate) const JIRA_TOKEN: &str = "jira-test-token";

#[derive(Default)]
struct Trackers {
    /// `github:acme/pay#7`, `backlog:SRE-4`, `jira:OPS-2` → closed?
    closed: HashMap<String, bool>,
    /// Requests, as `GET <path>` (the query's secrets left out).
    requests: Vec<String>,
    /// GitHub answers this many requests with 429 first.
    github_rate_limited: u32,
}

type Shared = Arc<Mutex<Trackers>>;

pub(crate) struct FakeTrackers {
    pub(crate) base_url: String,
    state: Shared,
    shutdown: Option<oneshot::Sender<()>>,
}

impl FakeTrackers {
    pub(crate) fn start() -> Self {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("binding the fake trackers");
        listener.set_nonblocking(true).unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let state = Shared::default();
        let app = Router::new()
            .route("/repos/{owner}/{repo}/issues/{number}", get(github))
            .route("/api/v2/issues/{key}", get(backlog))
            .route("/rest/api/2/issue/{key}", get(jira))
            .with_state(state.clone());
        let (shutdown, stop) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = async { axum::serve(listener, app).await } => {}
                    _ = stop => {}
                }
            });
        });
        Self {
            base_url,
            state,
            shutdown: Some(shutdown),
        }
    }

    /// Sets an issue open or closed: `github:acme/pay#7`, `backlog:SRE-4`, `jira:OPS-2`.
    pub(crate) fn set(&self, issue: &str, closed: bool) {
        self.state
            .lock()
            .unwrap()
            .closed
            .insert(issue.to_string(), closed);
    }

    pub(crate) fn rate_limit_github(&self, times: u32) {
        self.state.lock().unwrap().github_rate_limited = times;
    }

    pub(crate) fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for FakeTrackers {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

fn answer(state: &Shared, issue: String, body: impl Fn(bool) -> serde_json::Value) -> Response {
    match state.lock().unwrap().closed.get(&issue) {
        Some(closed) => axum::Json(body(*closed)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn github(
    State(state): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    headers: HeaderMap,
) -> Response {
    {
        let mut s = state.lock().unwrap();
        s.requests
            .push(format!("GET /repos/{owner}/{repo}/issues/{number}"));
        if s.github_rate_limited > 0 {
            s.github_rate_limited -= 1;
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")]).into_response();
        }
    }
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {GITHUB_TOKEN}"))
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    answer(
        &state,
        format!("github:{owner}/{repo}#{number}"),
        |closed| json!({"number": number, "state": if closed { "closed" } else { "open" }}),
    )
}

async fn backlog(
    State(state): State<Shared>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    state
        .lock()
        .unwrap()
        .requests
        .push(format!("GET /api/v2/issues/{key}"));
    if query.get("apiKey").map(String::as_str) != Some(BACKLOG_KEY) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    answer(&state, format!("backlog:{key}"), |closed| {
        let (id, name) = if closed {
            (4, "完了")
        } else {
            (2, "処理中")
        };
        json!({"issueKey": key, "status": {"id": id, "name": name}})
    })
}

async fn jira(
    State(state): State<Shared>,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    state
        .lock()
        .unwrap()
        .requests
        .push(format!("GET /rest/api/2/issue/{key}"));
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{JIRA_EMAIL}:{JIRA_TOKEN}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&expected)
        || query.get("fields").map(String::as_str) != Some("status")
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    answer(&state, format!("jira:{key}"), |closed| {
        let category = if closed { "done" } else { "indeterminate" };
        json!({"key": key, "fields": {"status": {"name": "x", "statusCategory": {"key": category}}}})
    })
}
