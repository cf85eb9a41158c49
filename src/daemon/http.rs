//! The local HTTP endpoint: `/healthz`, `/metrics`, the calendar feed, and the
//! token-protected API the CLI uses while the daemon holds the store.

mod guard;
pub(super) mod hooks;
pub(super) mod import_turns;
mod server;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::holiday_summary;
use super::metrics::Exposition;
use crate::app::metrics::load;
use crate::app::state::{AppState, Change, LogSummary};

use crate::domain::language::Language;
use crate::interchange::Document;
use crate::messages::Message;
use crate::messages::calendar::SyncReport as Say;
use crate::messages::endpoint::Endpoint as Refusal;

/// Imports through the API may be large: a few years of a busy log. They are
/// staged on disk as they arrive, never held in memory as they come.
const MAX_IMPORT_BYTES: u64 = crate::interchange::MAX_DOCUMENT_BYTES;
/// Every other request body: the API's other calls carry none.
const MAX_BODY_BYTES: usize = 64 * 1024;

pub(crate) use super::endpoint::{Endpoint, SearchParams};

type Shared = State<Arc<Endpoint>>;

fn router(endpoint: Arc<Endpoint>, hosts: Arc<(guard::AllowedHosts, Language)>) -> Router {
    // Layers run outside in: the Host check, then (API only) the token,
    // before anything reads a body.
    let api = Router::new()
        .route("/api/export", get(export))
        .route("/api/import", post(import))
        .route("/api/search", get(search))
        .route("/api/sync", post(sync))
        .route_layer(from_fn_with_state(
            endpoint.clone(),
            guard::require_json_posts,
        ))
        .route_layer(from_fn_with_state(endpoint.clone(), guard::require_token));
    // Pages and /metrics: for whoever `[web]` lets in (everyone on loopback).
    let readable = super::web::routes()
        .route("/metrics", get(metrics))
        .route_layer(from_fn_with_state(
            endpoint.clone(),
            super::web::require_reader,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/calendar/{file}", get(calendar_feed))
        .merge(readable)
        .merge(api)
        .fallback(super::web::unknown_page)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(hosts, guard::check_host))
        .with_state(endpoint)
}

/// What a connection beyond the cap may ask: `/healthz`, behind the same Host
/// check; anything else is told to come back.
fn health_router(endpoint: Arc<Endpoint>, hosts: Arc<(guard::AllowedHosts, Language)>) -> Router {
    let language = endpoint.state.config.daemon.language;
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(move || async move {
            let mut busy = error(StatusCode::SERVICE_UNAVAILABLE, Refusal::Busy.say(language));
            busy.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            busy
        })
        .layer(from_fn_with_state(hosts, guard::check_host))
        .with_state(endpoint)
}

pub(crate) async fn serve(listener: TcpListener, endpoint: Endpoint, stop: watch::Receiver<bool>) {
    let hosts = match listener.local_addr() {
        Ok(address) => guard::AllowedHosts::new(address, endpoint.state.config.web.as_ref()),
        Err(e) => {
            tracing::error!("HTTP endpoint failed: {e}");
            return;
        }
    };
    let hosts = Arc::new((hosts, endpoint.state.config.daemon.language));
    let endpoint = Arc::new(endpoint);
    let health = health_router(endpoint.clone(), hosts.clone());
    server::serve(listener, router(endpoint, hosts), Some(health), stop).await;
}

/// The kept summary of the log; right after start, before the job made the
/// first one, it is made now (off the runtime, waited for at most a second).
async fn current_summary(state: &Arc<AppState>) -> Option<LogSummary> {
    if let Some(summary) = state.summary() {
        return Some(summary);
    }
    let worker = state.clone();
    let made = tokio::task::spawn_blocking(move || super::jobs::log_summary::summarize(&worker));
    match tokio::time::timeout(std::time::Duration::from_secs(1), made).await {
        Ok(Ok(Ok(summary))) => {
            state.set_summary(summary.clone());
            Some(summary)
        }
        _ => None,
    }
}

async fn healthz(State(endpoint): Shared) -> Response {
    let daemon = &endpoint.state;
    let now = daemon.clock.now();
    // The store's health is what its last write check found, not a scan.
    let failure = daemon.store_failure();
    let store = match &failure {
        None => json!({"status": "ok"}),
        Some(f) => json!({"status": "error", "error": f.reason, "since": f.since.to_rfc3339()}),
    };
    let store_ok = failure.is_none();
    // From the kept summary: /healthz must answer even while the store is stuck.
    let summary = current_summary(daemon).await.unwrap_or_default();
    let meetings: Vec<_> = summary
        .upcoming
        .iter()
        .map(|(id, held)| {
            let next = held.iter().find(|o| o.end > now);
            json!({
                "id": id,
                "next_held": next.map(|o| json!({"date": o.date, "start": o.start.to_rfc3339(), "number": o.number()})),
            })
        })
        .collect();
    let holidays = holiday_summary(daemon);
    let statuses = daemon.statuses();
    // A failing integration degrades the daemon; only a failing store makes it unhealthy.
    let ok = store_ok && statuses.iter().all(|i| i.ok);
    let integrations: serde_json::Map<_, _> = statuses
        .iter()
        .map(|i| {
            (
                i.name.to_string(),
                json!({"enabled": i.enabled, "ok": i.ok, "detail": i.detail}),
            )
        })
        .collect();
    let body = json!({
        "status": if ok { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "store": store,
        "integrations": integrations,
        "holidays": holidays,
        "meetings": meetings,
    });
    let code = if store_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body)).into_response()
}

async fn metrics(State(endpoint): Shared) -> Response {
    let daemon = &endpoint.state;
    let Some(summary) = current_summary(daemon).await else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            Refusal::NotReady.say(daemon.config.daemon.language),
        );
    };
    let per_meeting = |value: fn(&(String, u64, u64)) -> u64| -> Vec<(String, f64)> {
        summary
            .weeks
            .iter()
            .map(|w| (format!("meeting=\"{}\"", w.0), value(w) as f64))
            .collect()
    };
    let held = per_meeting(|w| w.1);
    let skipped = per_meeting(|w| w.2);
    let (agenda_items, rsvps) = (summary.agenda_items, summary.rsvps);
    let m = &daemon.metrics;
    fn label(v: &[(String, f64)]) -> Vec<(&str, f64)> {
        v.iter().map(|(l, n)| (l.as_str(), *n)).collect()
    }
    let version = format!("version=\"{}\"", env!("CARGO_PKG_VERSION"));
    let mut out = Exposition::default();
    out.family(
        "weekly_postmortem_sessions_held",
        "gauge",
        "Held sessions so far, by the schedule.",
        &label(&held),
    )
    .family(
        "weekly_postmortem_sessions_skipped",
        "gauge",
        "Skipped weeks so far (holidays, skip dates, cancellations).",
        &label(&skipped),
    )
    .family(
        "weekly_postmortem_agenda_items",
        "gauge",
        "Agenda items in the log.",
        &[("", agenda_items as f64)],
    )
    .family(
        "weekly_postmortem_rsvps",
        "gauge",
        "RSVP answers in the log.",
        &[("", rsvps as f64)],
    );
    let worker = endpoint.state.clone();
    let actions = tokio::task::spawn_blocking(move || action_counts(&worker))
        .await
        .ok()
        .flatten();
    if let Some(actions) = actions {
        out.family(
            "weekly_postmortem_actions",
            "gauge",
            "Prevention actions by state (overdue: open past their due date).",
            &label(&actions),
        );
    }
    process_counters(&mut out, m);
    out.family(
        "weekly_postmortem_build_info",
        "gauge",
        "Build information.",
        &[(version.as_str(), 1.0)],
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out.finish(),
    )
        .into_response()
}

/// Each meeting's actions by state, today where it meets; `None` when the
/// store cannot be read (the family is left out rather than shown as zeros).
fn action_counts(state: &crate::app::state::AppState) -> Option<Vec<(String, f64)>> {
    let actions = crate::store::ActionLog::actions(state.log.as_ref(), None).ok()?;
    let mut samples = Vec::new();
    for meeting in &state.config.meetings {
        let today = meeting.rule.day_of(state.clock.now());
        let counts = crate::domain::actions::count_by_state(
            actions.iter().filter(|a| a.meeting == meeting.id),
            today,
        );
        for (action_state, count) in counts {
            samples.push((
                format!(
                    "meeting=\"{}\",state=\"{}\"",
                    meeting.id,
                    action_state.code()
                ),
                count as f64,
            ));
        }
    }
    Some(samples)
}

/// The counters this process keeps (reminders, hooks, Google calls, syncs,
/// holiday downloads, backups), for `/metrics`.
fn process_counters(out: &mut Exposition, m: &crate::app::metrics::Metrics) {
    out.family(
        "weekly_postmortem_reminders_sent_total",
        "counter",
        "Reminders posted to Discord.",
        &[("", load(&m.reminders_sent))],
    )
    .family(
        "weekly_postmortem_alert_hooks_total",
        "counter",
        "Alert hook calls by result.",
        &[
            ("result=\"ok\"", load(&m.hooks_ok)),
            ("result=\"duplicate\"", load(&m.hooks_duplicate)),
            ("result=\"unauthorized\"", load(&m.hooks_unauthorized)),
            ("result=\"too_large\"", load(&m.hooks_too_large)),
            ("result=\"malformed\"", load(&m.hooks_malformed)),
        ],
    )
    .family(
        "weekly_postmortem_calendar_api_calls_total",
        "counter",
        "Google Calendar API calls by result.",
        &[
            ("result=\"ok\"", load(&m.calendar_calls_ok)),
            ("result=\"error\"", load(&m.calendar_calls_error)),
            ("result=\"retried\"", load(&m.calendar_calls_retried)),
        ],
    )
    .family(
        "weekly_postmortem_last_successful_sync_timestamp_seconds",
        "gauge",
        "When the calendar was last synced without error (0 = never).",
        &[(
            "",
            m.last_successful_sync
                .load(std::sync::atomic::Ordering::Relaxed) as f64,
        )],
    )
    .family(
        "weekly_postmortem_holiday_refresh_failures_total",
        "counter",
        "Failed downloads of the holiday list.",
        &[("", load(&m.holiday_refresh_failures))],
    )
    .family(
        "weekly_postmortem_backups_written_total",
        "counter",
        "Daily backups written.",
        &[("", load(&m.backups_written))],
    );
}

/// The ICS feed at its secret address `/calendar/<token>.ics` (see `feed_address`). A
/// wrong or missing token answers 404 like any unknown path, so a guess learns nothing,
/// not even that the route exists.
/// `?meeting=ID` serves that meeting only; without it, every meeting.
#[derive(serde::Deserialize)]
struct FeedQuery {
    meeting: Option<String>,
}

async fn calendar_feed(
    State(endpoint): Shared,
    axum::extract::Path(file): axum::extract::Path<String>,
    query: Result<axum::extract::Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let daemon = &endpoint.state;
    let state_dir = daemon.config.daemon.state_dir.clone();
    let current =
        tokio::task::spawn_blocking(move || crate::feed_address::is_current(&state_dir, &file))
            .await;
    if !matches!(current, Ok(true)) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let only = match query {
        Ok(axum::extract::Query(FeedQuery { meeting })) => meeting,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    if let Some(id) = &only
        && daemon.config.meeting(id).is_none()
    {
        let known: Vec<&str> = daemon
            .config
            .meetings
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        let id: String = id.chars().take(64).filter(|c| !c.is_control()).collect();
        return (
            StatusCode::NOT_FOUND,
            format!(
                "no meeting {id:?} in this calendar; ?meeting= takes one of: {}\n",
                known.join(", ")
            ),
        )
            .into_response();
    }
    // Reads the store (and may write an event's new revision): off the runtime.
    let worker = daemon.clone();
    match tokio::task::spawn_blocking(move || {
        crate::app::calendar_feed::render(&worker, only.as_deref())
    })
    .await
    {
        Ok(Ok(body)) => (
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
            body,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, axum::Json(json!({"error": message.to_string()}))).into_response()
}

async fn export(State(endpoint): Shared) -> Response {
    let worker = endpoint.state.clone();
    match tokio::task::spawn_blocking(move || worker.log.export()).await {
        Ok(Ok(document)) => axum::Json(document).into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn import(State(endpoint): Shared, headers: HeaderMap, body: Body) -> Response {
    let state = endpoint.state.clone();
    let language = state.config.daemon.language;
    // Before a byte of the body is read: a second upload at the same time would
    // hold a staged file and, once parsed, a second document.
    let Some(_turn) = endpoint.import_turns.take().await else {
        return error(
            StatusCode::CONFLICT,
            Refusal::ImportInProgress.say(language),
        );
    };
    let staged = match stage_upload(&state.config.daemon.state_dir, &headers, body, language).await
    {
        Ok(staged) => staged,
        Err((status, message)) => return error(status, message),
    };
    // Parsing a large document and writing it both stay off the runtime's
    // workers, at a lower priority.
    let worker = state.clone();
    let imported = crate::heavy_work::run_heavy(move || {
        let mapped = map_staged(&staged).map_err(|e| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Refusal::CannotStage {
                    error: &e.to_string(),
                }
                .say(language),
            )
        })?;
        let body = std::str::from_utf8(&mapped).map_err(|e| {
            (
                StatusCode::BAD_REQUEST,
                Refusal::NotUtf8 {
                    error: &e.to_string(),
                }
                .say(language),
            )
        })?;
        let document = Document::from_json(body, &worker.config.meeting_ids()).map_err(|e| {
            (
                StatusCode::BAD_REQUEST,
                Refusal::NothingImported {
                    error: &e.say(language),
                }
                .say(language),
            )
        })?;
        // The records are owned now: the text's pages go before the store's work.
        drop((mapped, staged));
        let imported = worker
            .log
            .import(&document)
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()));
        drop(document);
        crate::store::sled_log::search::memory::release_freed_memory();
        imported
    })
    .await;
    match imported {
        Ok(Err((status, message))) => error(status, message),
        Ok(Ok(s)) => {
            state.changed(Change::Import);
            axum::Json(json!({"added": s.added, "updated": s.updated, "unchanged": s.unchanged}))
                .into_response()
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The staged upload, mapped read-only: the parser reads it through the page
/// cache, so the document's text is never copied onto the heap (a 250 MB import
/// costs the records it makes, not also its text). Its pages count in the
/// resident size while it is parsed, but they are the file's: the kernel takes
/// them back under pressure, as it cannot take a heap copy. An empty file has
/// no mapping.
fn map_staged(staged: &tempfile::NamedTempFile) -> std::io::Result<StagedText> {
    let file = staged.as_file();
    if file.metadata()?.len() == 0 {
        return Ok(StagedText::Empty);
    }
    // SAFETY: the file is this process's private (0600) temp file in state_dir, written
    // to the end before it is mapped and changed by nobody while the mapping lives.
    unsafe { memmap2::Mmap::map(file) }.map(StagedText::Mapped)
}

enum StagedText {
    Empty,
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for StagedText {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            StagedText::Empty => &[],
            StagedText::Mapped(map) => map,
        }
    }
}

/// Streams an upload into a private temp file in `state_dir`, refusing it
/// as soon as it is known to be over [`MAX_IMPORT_BYTES`].
async fn stage_upload(
    state_dir: &std::path::Path,
    headers: &HeaderMap,
    mut body: Body,
    language: Language,
) -> Result<tempfile::NamedTempFile, (StatusCode, String)> {
    use hyper::body::Body as _;
    use tokio::io::AsyncWriteExt;
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::TooLarge {
                mib: MAX_IMPORT_BYTES / (1024 * 1024),
            }
            .say(language),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_IMPORT_BYTES) {
        return Err(too_large());
    }
    let failed = |e: std::io::Error| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Refusal::CannotStage {
                error: &e.to_string(),
            }
            .say(language),
        )
    };
    let staged = crate::atomic_file::private_temp_file(state_dir, "import").map_err(failed)?;
    let mut file = tokio::fs::File::from_std(staged.reopen().map_err(failed)?);
    let mut received = 0u64;
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|e| {
            (
                StatusCode::BAD_REQUEST,
                Refusal::UploadBrokeOff {
                    error: &e.to_string(),
                }
                .say(language),
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        received += data.len() as u64;
        if received > MAX_IMPORT_BYTES {
            return Err(too_large());
        }
        file.write_all(&data).await.map_err(failed)?;
    }
    file.flush().await.map_err(failed)?;
    Ok(staged)
}

/// History search in the daemon's index (no export): the CLI's `history`
/// while the daemon holds the store.
async fn search(
    State(endpoint): Shared,
    axum::extract::Query(params): axum::extract::Query<SearchParams>,
) -> Response {
    let query = match params.query(endpoint.state.config.daemon.language) {
        Ok(query) => query,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let worker = endpoint.state.clone();
    match tokio::task::spawn_blocking(move || worker.log.search(&query)).await {
        Ok(Ok(records)) => axum::Json(records).into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(serde::Deserialize)]
struct SyncParams {
    #[serde(default)]
    dry_run: bool,
}

async fn sync(
    State(endpoint): Shared,
    axum::extract::Query(params): axum::extract::Query<SyncParams>,
) -> Response {
    let Some(api) = &endpoint.calendar else {
        return error(
            StatusCode::BAD_REQUEST,
            Say::OffInTheDaemon.say(endpoint.state.config.daemon.language),
        );
    };
    let mut lines = Vec::new();
    let result = super::jobs::calendar::sync(&endpoint.state, api, params.dry_run, &mut |line| {
        lines.push(line)
    })
    .await;
    match result {
        Ok(summary) => {
            let language = endpoint.state.config.daemon.language;
            let summary = Say::Summary {
                summary: summary.counts(),
            }
            .say(language);
            let summary = if params.dry_run {
                Say::DryRun { summary: &summary }.say(language)
            } else {
                summary
            };
            axum::Json(json!({"lines": lines, "summary": summary})).into_response()
        }
        Err(e) => error(StatusCode::BAD_GATEWAY, format!("{e}")),
    }
}
