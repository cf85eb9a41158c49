//! [`CalendarError`], what is worth retrying, and how the Calendar crate's, yup-oauth2's and
//! serde_json's errors become one without leaking secrets into the message.

use std::time::Duration;

use google_calendar3::common;

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("Google authentication failed: {0}")]
    Auth(String),
    #[error("Google Calendar answered HTTP {status}{}: {message}", event_suffix(.event_id))]
    Api {
        status: u16,
        /// Google's `error.message`.
        message: String,
        /// Google's first `error.errors[].reason`, e.g. `rateLimitExceeded`.
        reason: Option<String>,
        event_id: Option<String>,
    },
    #[error("could not reach Google: {0}")]
    Transport(String),
    #[error("timed out after {after:?} waiting for {waiting_for}")]
    Timeout {
        waiting_for: &'static str,
        after: Duration,
    },
    #[error("unexpected answer from Google Calendar: {0}")]
    InvalidResponse(String),
    #[error("invalid Google Calendar setup: {0}")]
    Config(String),
    #[error("refusing to call Google Calendar: {0}")]
    InvalidRequest(String),
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        attempts: u32,
        last: Box<CalendarError>,
    },
}

fn event_suffix(event_id: &Option<String>) -> String {
    event_id
        .as_ref()
        .map(|id| format!(" for event {id}"))
        .unwrap_or_default()
}

impl CalendarError {
    /// The HTTP status behind this error, looking through `RetriesExhausted`.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Whether trying again later may help: rate limits, server trouble, the network.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api { status, reason, .. } => {
                *status == 429
                    || *status >= 500
                    || (*status == 403
                        && matches!(
                            reason.as_deref(),
                            Some("rateLimitExceeded" | "userRateLimitExceeded")
                        ))
            }
            Self::Transport(_) | Self::Timeout { .. } => true,
            Self::RetriesExhausted { .. } => true,
            Self::Auth(_)
            | Self::InvalidResponse(_)
            | Self::Config(_)
            | Self::InvalidRequest(_) => false,
        }
    }
}

pub(super) fn map_api_error(
    error: common::Error,
    status: Option<u16>,
    event_id: Option<&str>,
) -> CalendarError {
    let event_id = event_id.map(str::to_string);
    match error {
        common::Error::HttpError(e) => CalendarError::Transport(error_chain(&e)),
        common::Error::BadRequest(body) => {
            let status = status
                .or_else(|| {
                    body.pointer("/error/code")
                        .and_then(|c| c.as_u64())
                        .and_then(|c| u16::try_from(c).ok())
                })
                .unwrap_or(0);
            let message = body
                .pointer("/error/message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| body.to_string());
            let reason = body
                .pointer("/error/errors/0/reason")
                .and_then(|r| r.as_str())
                .map(str::to_string);
            CalendarError::Api {
                status,
                message,
                reason,
                event_id,
            }
        }
        common::Error::Failure(response) => CalendarError::Api {
            status: response.status().as_u16(),
            message: response
                .status()
                .canonical_reason()
                .unwrap_or("no details")
                .to_string(),
            reason: None,
            event_id,
        },
        common::Error::JsonDecodeError(_, e) => {
            CalendarError::InvalidResponse(format!("cannot decode the answer: {e}"))
        }
        common::Error::MissingToken(e) => CalendarError::Auth(e.to_string()),
        common::Error::Io(e) => CalendarError::Transport(e.to_string()),
        other => CalendarError::InvalidResponse(other.to_string().trim().to_string()),
    }
}

pub(super) fn map_token_error(error: yup_oauth2::Error) -> CalendarError {
    use yup_oauth2::error::SendError;
    match error {
        yup_oauth2::Error::HttpClientError(SendError::Timeout) => {
            CalendarError::Transport("token endpoint: request timed out".to_string())
        }
        yup_oauth2::Error::HttpClientError(SendError::Hyper(e)) => {
            CalendarError::Transport(format!("token endpoint: {}", error_chain(&e)))
        }
        yup_oauth2::Error::HttpError(e) => {
            CalendarError::Transport(format!("token endpoint: {}", error_chain(&e)))
        }
        // An answer that is neither a token nor an OAuth error is, in practice, an outage page.
        yup_oauth2::Error::JSONError(e) => CalendarError::Transport(format!(
            "the token endpoint answered something that is not a token ({e})"
        )),
        yup_oauth2::Error::UserError(message) => CalendarError::Auth(message),
        other => CalendarError::Auth(other.to_string()),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// serde_json quotes offending values in some messages, and in a key file those can be secret.
pub(super) fn describe_json_error(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match error.classify() {
        Category::Io => "cannot read it".to_string(),
        Category::Syntax => "not valid JSON".to_string(),
        Category::Eof => "the JSON ends too early".to_string(),
        Category::Data => {
            let text = error.to_string();
            match text.find("missing field") {
                Some(at) => text[at..]
                    .split(" at line")
                    .next()
                    .unwrap_or("")
                    .to_string(),
                None => "a field has the wrong type".to_string(),
            }
        }
    };
    format!("{what} (line {}, column {})", error.line(), error.column())
}

#[cfg(test)]
mod tests {
    use super::*;
    use yup_oauth2::ServiceAccountKey;

    #[test]
    fn retryable_errors_are_rate_limits_outages_and_the_network() {
        let api = |status, reason: Option<&str>| CalendarError::Api {
            status,
            message: String::new(),
            reason: reason.map(str::to_string),
            event_id: None,
        };
        assert!(api(429, None).is_retryable());
        assert!(api(503, None).is_retryable());
        assert!(api(403, Some("rateLimitExceeded")).is_retryable());
        assert!(api(403, Some("userRateLimitExceeded")).is_retryable());
        assert!(!api(403, Some("forbiddenForServiceAccounts")).is_retryable());
        assert!(!api(400, None).is_retryable());
        assert!(CalendarError::Transport("x".into()).is_retryable());
        assert!(!CalendarError::Auth("x".into()).is_retryable());
    }

    #[test]
    fn json_errors_do_not_echo_values() {
        let err = serde_json::from_str::<ServiceAccountKey>(
            r#"{"private_key": "-----BEGIN SECRET", "client_email": 7, "token_uri": "y"}"#,
        )
        .unwrap_err();
        assert!(!describe_json_error(&err).contains("SECRET"));
        let err =
            serde_json::from_str::<ServiceAccountKey>(r#"{"client_email": "x"}"#).unwrap_err();
        assert!(describe_json_error(&err).contains("missing field"));
    }
}
