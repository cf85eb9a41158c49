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
/// with its port; on an unspecified address (`0.0.0.0`, `::`) also the
/// machine's name and any of its own addresses; and the names `[web]` gives
/// (`public_url`, `hosts`).
///
/// An address written as the Host cannot be a DNS rebinding (the browser's
/// page came from that address itself), so any address of this machine is
/// as good as the bound one; a *name* must be one we were told.
pub(super) struct AllowedHosts {
    names: Vec<String>,
    port: u16,
    any_own_address: bool,
}

impl AllowedHosts {
    pub(super) fn new(bound: SocketAddr, web: Option<&WebConfig>) -> Self {
        let port = bound.port();
        let any_own_address = bound.ip().is_unspecified();
        let mut hosts = vec![literal(bound.ip()), "localhost".to_string()];
        if any_own_address && let Some(name) = crate::feed_address::machine_name() {
            hosts.push(name);
        }
        let mut names = Vec::new();
        for host in hosts {
            names.push(format!("{host}:{port}"));
            // Without a port, a Host means the scheme's default one.
            if port == 80 {
                names.push(host);
            }
        }
        names.extend(web.map(WebConfig::host_names).unwrap_or_default());
        Self {
            names,
            port,
            any_own_address,
        }
    }

    fn allows(&self, host: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(host))
            || (self.any_own_address && self.is_own_address(host))
    }

    /// `host` is `address:port` with this endpoint's port and an address of
    /// this machine (one a socket can be bound to).
    fn is_own_address(&self, host: &str) -> bool {
        let Ok(written) = host.parse::<SocketAddr>() else {
            return false;
        };
        written.port() == self.port && std::net::UdpSocket::bind((written.ip(), 0)).is_ok()
    }
}

fn literal(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// Every request, a proxied one too, names this endpoint in its one `Host`:
/// a trusted proxy's user header is honoured only behind this check, or a
/// page in a local browser could read the archive through DNS rebinding.
pub(super) async fn check_host(
    State(allowed): State<Arc<(AllowedHosts, Language)>>,
    request: Request,
    next: Next,
) -> Response {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok(),
        (Some(_), Some(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                Refusal::SeveralHosts.say(allowed.1),
            );
        }
        (None, _) => None,
    };
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
        let allowed = AllowedHosts::new("127.0.0.1:8754".parse().unwrap(), None);
        assert!(allowed.allows("127.0.0.1:8754"));
        assert!(allowed.allows("LOCALHOST:8754"));
        assert!(!allowed.allows("localhost"));
        assert!(!allowed.allows("evil.example:8754"));
        assert!(!allowed.allows("127.0.0.1:8755"));
        let v6 = AllowedHosts::new("[::1]:80".parse().unwrap(), None);
        assert!(v6.allows("[::1]"));
        assert!(v6.allows("localhost"));
        assert!(!v6.allows("::1"));
    }

    #[test]
    fn on_every_address_the_machines_own_names_and_addresses_are_allowed() {
        let allowed = AllowedHosts::new("0.0.0.0:8754".parse().unwrap(), None);
        assert!(allowed.allows("127.0.0.1:8754"));
        assert!(allowed.allows("localhost:8754"));
        if let Some(name) = crate::feed_address::machine_name() {
            assert!(allowed.allows(&format!("{name}:8754")), "{name}");
        }
        assert!(!allowed.allows("127.0.0.1:8755"));
        assert!(!allowed.allows("evil.example:8754"));
        // TEST-NET-3: an address of some other machine.
        assert!(!allowed.allows("203.0.113.9:8754"));
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
