//! Retries: [`RetryPolicy`], backoff with jitter, the loop that turns one logical call into
//! attempts (token fetch, timeout, 401 refresh, Retry-After), and the call counters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::error::{map_api_error, map_token_error};
use super::requests::{Capture, Op, Reply};
use super::{CalendarError, GoogleCalendar, InsertOutcome, SCOPES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per call, the first one included (at least 1).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Bounds the token fetch and, separately, the HTTP exchange of one attempt.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Calls by final result, for `/metrics`. `retried` counts extra attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApiCallCounts {
    pub ok: u64,
    pub error: u64,
    pub retried: u64,
}

#[derive(Default)]
pub(super) struct Counters {
    pub(super) ok: AtomicU64,
    pub(super) error: AtomicU64,
    pub(super) retried: AtomicU64,
}

/// xorshift: jitter only has to spread retries apart, so no dependency on `rand`.
pub(super) struct Jitter(AtomicU64);

impl Jitter {
    pub(super) fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Self(AtomicU64::new(seed | 1))
    }

    fn next(&self) -> u64 {
        // Racing callers may draw the same number; for jitter that is harmless.
        let mut x = self.0.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.store(x, Ordering::Relaxed);
        x
    }
}

impl GoogleCalendar {
    /// One logical call with retries; counts it once as ok or error.
    pub(super) async fn call(&self, op: Op<'_>) -> Result<Reply, CalendarError> {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut refreshed_token = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failed = match self.attempt(&op).await {
                Ok(reply) => {
                    self.counters.ok.fetch_add(1, Ordering::Relaxed);
                    return Ok(reply);
                }
                Err(failed) => failed,
            };
            // A 401 with a token we believe valid means Google revoked or expired it early;
            // one forced refresh fixes that, more would hammer the token endpoint.
            if failed.error.status() == Some(401) {
                if refreshed_token || attempt >= max_attempts {
                    return Err(self.fail(CalendarError::Auth(format!(
                        "Google refused the access token: {}",
                        failed.error
                    ))));
                }
                refreshed_token = true;
                self.needs_fresh_token.store(true, Ordering::Relaxed);
                self.counters.retried.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if !failed.error.is_retryable() {
                return Err(self.fail(failed.error));
            }
            if attempt >= max_attempts {
                return Err(self.fail(CalendarError::RetriesExhausted {
                    attempts: attempt,
                    last: Box::new(failed.error),
                }));
            }
            let delay = self.backoff(attempt, failed.retry_after);
            tracing::warn!(
                operation = op.name(),
                attempt,
                max_attempts,
                delay_ms = delay.as_millis() as u64,
                error = %failed.error,
                "Google Calendar call failed; retrying"
            );
            self.counters.retried.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
        }
    }

    fn fail(&self, error: CalendarError) -> CalendarError {
        self.counters.error.fetch_add(1, Ordering::Relaxed);
        error
    }

    /// Exponential backoff with "equal jitter": never less than half the step, so a burst of
    /// 429s still backs off, yet callers that failed together do not retry together.
    fn backoff(&self, failed_attempts: u32, retry_after: Option<Duration>) -> Duration {
        let step = self
            .retry
            .base_delay
            .saturating_mul(2u32.saturating_pow(failed_attempts.saturating_sub(1)))
            .min(self.retry.max_delay);
        let half = step / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = Duration::from_nanos(self.jitter.next() % spread.saturating_add(1));
        let delay = half + jitter;
        match retry_after {
            Some(hint) => delay.max(hint).min(self.retry.max_delay),
            None => delay,
        }
    }

    /// Fetching the token ourselves, under a timeout, keeps a hung token endpoint from hanging
    /// the daemon and tells auth trouble apart from Calendar trouble; the hub's own token
    /// lookup that follows is then a cache hit.
    async fn fetch_token(&self) -> Result<(), CalendarError> {
        let force_refresh = self.needs_fresh_token.swap(false, Ordering::Relaxed);
        let timeout = self.retry.request_timeout;
        let fetch = async {
            if force_refresh {
                self.auth.force_refreshed_token(SCOPES).await
            } else {
                self.auth.token(SCOPES).await
            }
        };
        match tokio::time::timeout(timeout, fetch).await {
            Err(_) => Err(CalendarError::Timeout {
                waiting_for: "an access token",
                after: timeout,
            }),
            Ok(Err(e)) => Err(map_token_error(e)),
            // E.g. a 503 with a JSON error body: yup-oauth2 reads it as a token with no fields.
            Ok(Ok(token)) if token.token().is_none() => {
                self.needs_fresh_token.store(true, Ordering::Relaxed);
                Err(CalendarError::Transport(
                    "the token endpoint answered without an access token".to_string(),
                ))
            }
            Ok(Ok(_)) => Ok(()),
        }
    }

    async fn attempt(&self, op: &Op<'_>) -> Result<Reply, Failed> {
        self.fetch_token().await.map_err(Failed::from)?;
        let timeout = self.retry.request_timeout;
        let mut capture = Capture::default();
        let result = match tokio::time::timeout(timeout, self.send(op, &mut capture)).await {
            Err(_) => {
                return Err(Failed::from(CalendarError::Timeout {
                    waiting_for: "Google Calendar",
                    after: timeout,
                }));
            }
            Ok(result) => result,
        };
        let error = match result {
            Ok(reply) => return Ok(reply),
            Err(e) => map_api_error(e, capture.status, op.event_id()),
        };
        match (op, error.status()) {
            // Also what a retried insert sees when the first try landed but its answer was lost.
            (Op::Insert(_), Some(409)) => Ok(Reply::Inserted(InsertOutcome::AlreadyExists)),
            (Op::Delete(_), Some(404 | 410)) => Ok(Reply::Done),
            (Op::Get(_), Some(404 | 410)) => Ok(Reply::Missing),
            _ => Err(Failed {
                error,
                retry_after: capture.retry_after,
            }),
        }
    }
}

struct Failed {
    error: CalendarError,
    retry_after: Option<Duration>,
}

impl From<CalendarError> for Failed {
    fn from(error: CalendarError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}
