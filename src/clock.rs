//! The clock port: the only place the program reads the current time.

use chrono::{DateTime, Utc};

/// Environment variable that sets the clock, for tests and rehearsals ("what
/// would the bot do next Wednesday?"): time starts there and runs at the real
/// pace. RFC 3339, e.g. `2026-12-02T09:00:00+09:00`.
pub const FIXED_NOW_ENV: &str = "WEEKLY_POSTMORTEM_NOW";

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Starts at a given time and runs at the real pace, so a rehearsal of the
/// daemon sees its reminders come due.
pub struct ShiftedClock {
    start: DateTime<Utc>,
    started: std::time::Instant,
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::TimeDelta::from_std(self.started.elapsed()).unwrap_or_default();
        self.start + elapsed
    }
}

/// The system clock, unless [`FIXED_NOW_ENV`] sets where it starts.
pub fn from_env() -> Result<Box<dyn Clock>, String> {
    match std::env::var(FIXED_NOW_ENV) {
        Ok(text) => DateTime::parse_from_rfc3339(&text)
            .map(|t| {
                Box::new(ShiftedClock {
                    start: t.with_timezone(&Utc),
                    started: std::time::Instant::now(),
                }) as Box<dyn Clock>
            })
            .map_err(|e| format!("{FIXED_NOW_ENV}={text:?} is not an RFC 3339 time: {e}")),
        Err(_) => Ok(Box::new(SystemClock)),
    }
}
