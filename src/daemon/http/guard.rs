//! What every request passes before a handler runs: a `Host` naming this
//! endpoint (so a web page cannot reach it through DNS rebinding), the API
//! token on `/api/` (checked before any body is read) and JSON on API posts
//! (so a cross-origin form or `text/plain` post is refused).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::{Endpoint, error};
use crate::config::WebConfig;
use crate::domain::language::Language;
use crate::messages::Message;
use crate::messages::endpoint::Endpoint as Refusal;
use crate::secret_token::constant_time_eq;

/// The `Host` values that name this endpoint: its address, or `localhost`,
/// with its port.
pub(super) struct AllowedHosts {
    names: Vec<String>,
}

impl AllowedHosts {
    pub(super) fn for_address(bound: SocketAddr) -> Self {
        let port = bound.port();
        let ip = match bound {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        };
        let mut names = Vec::new();
        for host in [ip, "localhost".to_string()] {
            names.push(format!("{host}:{port}"));
            // Without a port, a Host means the scheme's default one.
            if port == 80 {
                names.push(host);
            }
        }
        Self { names }
    }

    fn allows(&self, host: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(host))
    }
}

pub(super) async fn check_host(
    State(allowed): State<Arc<(AllowedHosts, Language, Option<WebConfig>)>>,
    request: Request,
    next: Next,
) -> Response {
    // A trusted proxy serves the site under its own name; its user has
    // signed in there, which is what the Host check stands in for.
    if let Some(web) = &allowed.2
        && crate::daemon::web::asserted_user(web, &request).is_some()
    {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    match host {
        Some(host) if allowed.0.allows(host) => next.run(request).await,
        _ => error(
            StatusCode::MISDIRECTED_REQUEST,
            Refusal::WrongHost {
                hosts: &allowed.0.names.join(", "),
            }
            .say(allowed.1),
        ),
    }
}

pub(super) async fn require_token(
    State(endpoint): State<Arc<Endpoint>>,
    request: Request,
    next: Next,
) -> Response {
    if authorized(&endpoint.api_token, request.headers()) {
        next.run(request).await
    } else {
        error(
            StatusCode::UNAUTHORIZED,
            Refusal::NeedsToken.say(endpoint.state.config.daemon.language),
        )
    }
}

pub(super) async fn require_json_posts(
    State(endpoint): State<Arc<Endpoint>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST || is_json(request.headers()) {
        return next.run(request).await;
    }
    error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Refusal::NeedsJson.say(endpoint.state.config.daemon.language),
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// `Authorization: Bearer <token>`, compared in constant time.
pub(super) fn authorized(token: &str, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {token}");
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_endpoints_own_names_are_allowed_hosts() {
        let allowed = AllowedHosts::for_address("127.0.0.1:8754".parse().unwrap());
        assert!(allowed.allows("127.0.0.1:8754"));
        assert!(allowed.allows("LOCALHOST:8754"));
        assert!(!allowed.allows("localhost"));
        assert!(!allowed.allows("evil.example:8754"));
        assert!(!allowed.allows("127.0.0.1:8755"));
        let v6 = AllowedHosts::for_address("[::1]:80".parse().unwrap());
        assert!(v6.allows("[::1]"));
        assert!(v6.allows("localhost"));
        assert!(!v6.allows("::1"));
    }

    #[test]
    fn json_is_recognised_with_parameters_and_in_any_case() {
        let headers = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, value.parse().unwrap());
            h
        };
        assert!(is_json(&headers("application/json")));
        assert!(is_json(&headers("Application/JSON; charset=utf-8")));
        assert!(!is_json(&headers("text/plain")));
        assert!(!is_json(&headers("application/jsonx")));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn the_token_must_match_exactly() {
        let mut headers = HeaderMap::new();
        assert!(!authorized("secret", &headers));
        headers.insert(header::AUTHORIZATION, "Bearer secre".parse().unwrap());
        assert!(!authorized("secret", &headers));
        headers.insert(header::AUTHORIZATION, "Bearer secret".parse().unwrap());
        assert!(authorized("secret", &headers));
    }
}
