//! The archive on the web (issue 13): read-only, server-rendered pages of the
//! session log, in Japanese and English, on the daemon's listen address.
//!
//! Templates are askama's: they are compiled with the crate, so a template
//! that names a missing field or method fails the build rather than a page,
//! and every `{{ value }}` in an `.html` template is HTML-escaped unless a
//! template says otherwise (none here does). askama is maintained, has no
//! runtime template loading to secure, and renders into a `String` that axum
//! serves as is. (maud was the other candidate; askama keeps the markup in
//! HTML files a designer can read.)
//!
//! Who may read: without `[web]` the endpoint listens on loopback only and
//! every local request is served; with `[web]` only a trusted proxy that names
//! a user in `user_header` is ([`require_reader`]).

mod actions;
mod feed;
mod lists;
mod markdown;
mod pages;
mod search;
mod stats;
mod text;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::endpoint::Endpoint;
use crate::config::WebConfig;
use crate::domain::language::Language;
use crate::messages::Message;
use crate::messages::web::Web;

/// No script at all, styles from this origin only: a title that slipped
/// past escaping still could not run.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const STYLESHEET: &str = include_str!("style.css");
/// The site's icon: without one, browsers ask for `/favicon.ico` and log its 404.
const ICON: &str = include_str!("icon.svg");

/// The pages, for the endpoint's router (which adds `/metrics` and the guard).
pub(crate) fn routes() -> Router<Arc<Endpoint>> {
    Router::new()
        .route("/", get(pages::home))
        .route("/sessions/{meeting}/{date}", get(pages::session))
        .route("/postmortems", get(lists::postmortems))
        .route("/postmortems/{id}", get(lists::postmortem))
        .route("/learnings", get(lists::learnings))
        .route("/actions", get(actions::actions))
        .route("/search", get(search::search))
        .route("/stats", get(stats::page))
        .route("/stats/{chart}", get(stats::chart))
        .route("/feed.atom", get(feed::atom))
        .route("/style.css", get(stylesheet))
        .route("/icon.svg", get(icon))
        .layer(axum::middleware::map_response(security_headers))
}

/// Any other address: the site's own "not found" page, with its way home.
pub(crate) async fn unknown_page(
    axum::extract::State(endpoint): axum::extract::State<Arc<Endpoint>>,
    uri: axum::http::Uri,
) -> Response {
    let response = pages::blocking(endpoint, move |endpoint| {
        let query = pages::Pairs::parse(uri.query());
        Ok(pages::not_found(pages::Chrome::new(
            endpoint,
            uri.path(),
            &query,
        )))
    })
    .await;
    security_headers(response).await
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

/// The user a request carries under `[web]`: set only by a trusted proxy.
/// `None` without `[web]` too; callers decide what that means.
pub(crate) fn asserted_user<'r>(web: &WebConfig, request: &'r Request) -> Option<&'r str> {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>()?.0;
    let header = request
        .headers()
        .get(&web.user_header)
        .and_then(|v| v.to_str().ok());
    web.user(peer.ip(), header)
}

/// Pages and `/metrics`: open on a loopback-only endpoint; with `[web]`, for
/// a trusted proxy that names the user, else 403.
pub(crate) async fn require_reader(
    State(endpoint): State<Arc<Endpoint>>,
    request: Request,
    next: Next,
) -> Response {
    let config = &endpoint.state.config;
    let Some(web) = &config.web else {
        return next.run(request).await;
    };
    match asserted_user(web, &request) {
        Some(user) => {
            // Who read what is for debugging a proxy setup, not an audit log.
            tracing::debug!(
                user,
                path = request.uri().path(),
                "web page for a proxied user"
            );
            next.run(request).await
        }
        None => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            Web::Forbidden.say(config.daemon.language),
        )
            .into_response(),
    }
}

/// `?lang=en|ja` wins over `daemon.language`; anything else is ignored.
fn language(endpoint: &Endpoint, asked: Option<&str>) -> (Language, bool) {
    match asked {
        Some("ja") => (Language::Ja, true),
        Some("en") => (Language::En, true),
        _ => (endpoint.state.config.daemon.language, false),
    }
}
