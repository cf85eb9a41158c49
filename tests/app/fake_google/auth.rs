//! The fake's router, its gate (faults, delays, outages) and Google's OAuth side: the
//! token endpoint and the consent page.

use super::*;

pub(super) fn router(state: Shared) -> Router {
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
pub(super) async fn gate(State(state): State<Shared>, request: Request, next: Next) -> Response {
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

pub(super) fn bearer_ok(headers: &HeaderMap, revoked_up_to: u64) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer fake-token-"))
        .and_then(|n| n.parse::<u64>().ok())
        .is_some_and(|n| n > revoked_up_to)
}

pub(super) async fn token(
    State(state): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
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
pub(super) async fn consent(RawQuery(query): RawQuery) -> Response {
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
