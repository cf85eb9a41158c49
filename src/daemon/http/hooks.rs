//! The hook listener (`[alerts] listen`): `POST /hooks/alertmanager` (and
//! `/hooks/grafana`, the same handler) and nothing else. It may face other
//! hosts, so it serves no page and no API; the bearer token is checked before
//! any body is read, bodies over 1 MiB are refused, and the connections get
//! the endpoint's timeouts and cap ([`super::server`]).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::guard::authorized;
use crate::app::incidents::{self, Received};
use crate::app::metrics::Metrics;
use crate::app::state::AppState;
use crate::config::AlertsConfig;

/// Alertmanager's bodies are a few KiB per alert group; 1 MiB holds
/// thousands of alerts and bounds what one call may make us parse.
pub(crate) const MAX_HOOK_BODY: usize = 1024 * 1024;

pub(crate) struct Hooks {
    pub state: Arc<AppState>,
    pub config: AlertsConfig,
    /// Compared in constant time; never logged or echoed.
    pub token: String,
}

/// Hook calls in progress at most; more get 503 at once, before their body is
/// read, and Alertmanager sends them again. Without it, slowly sent bodies
/// held every connection the listener allows, and a descriptor each.
const MAX_HOOKS_IN_PROGRESS: usize = 32;

fn router(hooks: Arc<Hooks>) -> Router {
    let in_progress = Arc::new(tokio::sync::Semaphore::new(MAX_HOOKS_IN_PROGRESS));
    Router::new()
        .route("/hooks/alertmanager", post(receive))
        .route("/hooks/grafana", post(receive))
        .route_layer(from_fn_with_state(in_progress, at_most_so_many))
        .route_layer(from_fn_with_state(hooks.clone(), require_token))
        .with_state(hooks)
}

pub(crate) async fn serve(listener: TcpListener, hooks: Hooks, stop: watch::Receiver<bool>) {
    super::server::serve(listener, router(Arc::new(hooks)), None, stop).await;
}

async fn at_most_so_many(
    State(in_progress): State<Arc<tokio::sync::Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = in_progress.try_acquire_owned() else {
        let mut busy = answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": format!("{MAX_HOOKS_IN_PROGRESS} hook calls are in progress; send it again shortly")}),
        );
        busy.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        return busy;
    };
    next.run(request).await
}

fn count(hooks: &Hooks, counter: impl Fn(&Metrics) -> &AtomicU64) {
    Metrics::count(counter(&hooks.state.metrics));
}

async fn require_token(State(hooks): State<Arc<Hooks>>, request: Request, next: Next) -> Response {
    if authorized(&hooks.token, request.headers()) {
        next.run(request).await
    } else {
        count(&hooks, |m| &m.hooks_unauthorized);
        answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": "send Authorization: Bearer <the token from alerts.token_env or alerts.token_file>"}),
        )
    }
}

async fn receive(State(hooks): State<Arc<Hooks>>, headers: HeaderMap, body: Body) -> Response {
    let body = match read_body(&headers, body).await {
        Ok(body) => body,
        Err(BodyProblem::TooLarge) => {
            count(&hooks, |m| &m.hooks_too_large);
            return answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"error": format!(
                    "a hook body may be {} MiB at most; lower max_alerts in the webhook config",
                    MAX_HOOK_BODY / (1024 * 1024)
                )}),
            );
        }
        Err(BodyProblem::BrokeOff(e)) => {
            count(&hooks, |m| &m.hooks_malformed);
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("the body broke off ({e}); nothing was stored")}),
            );
        }
    };
    let worker = hooks.clone();
    let received = tokio::task::spawn_blocking(move || {
        incidents::receive(worker.state.log.as_ref(), &worker.config, &body)
    })
    .await;
    match received {
        Ok(Ok(Received::Stored(absorbed))) => {
            count(&hooks, |m| &m.hooks_ok);
            answer(
                StatusCode::OK,
                json!({
                    "status": "ok",
                    "incidents_changed": absorbed.incidents_changed,
                    "new_alerts": absorbed.new_episodes,
                    "resolved_alerts": absorbed.ended_episodes,
                }),
            )
        }
        Ok(Ok(Received::Duplicate)) => {
            count(&hooks, |m| &m.hooks_duplicate);
            answer(StatusCode::OK, json!({"status": "duplicate"}))
        }
        Ok(Ok(Received::Malformed(malformed))) => {
            count(&hooks, |m| &m.hooks_malformed);
            answer(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("{malformed}; nothing was stored")}),
            )
        }
        Ok(Err(e)) => {
            tracing::error!("alert hook: storing failed: {e}");
            // Alertmanager retries a 5xx: nothing is lost.
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": format!("cannot store the alerts now: {e}")}),
            )
        }
        Err(e) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": e.to_string()}),
        ),
    }
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

enum BodyProblem {
    TooLarge,
    BrokeOff(axum::Error),
}

/// The whole body, refused as soon as it is known to exceed the limit
/// (by its declared length, before reading any of it).
async fn read_body(headers: &HeaderMap, mut body: Body) -> Result<Vec<u8>, BodyProblem> {
    use hyper::body::Body as _;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_HOOK_BODY as u64) {
        return Err(BodyProblem::TooLarge);
    }
    let mut received = Vec::with_capacity(declared.map_or(0, |d| d as usize));
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(BodyProblem::BrokeOff)?;
        if let Ok(data) = frame.into_data() {
            if received.len() + data.len() > MAX_HOOK_BODY {
                return Err(BodyProblem::TooLarge);
            }
            received.extend_from_slice(&data);
        }
    }
    Ok(received)
}
