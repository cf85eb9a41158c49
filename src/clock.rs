//! The clock port: the only place the program reads the current time.

use chrono::{DateTime, Datelike, Utc};

use crate::domain::date_bounds::SANE_YEARS;

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

/// The system clock, unless [`FIXED_NOW_ENV`] sets where it starts (within
/// [`SANE_YEARS`], like a first session: a rehearsal in year 9000 only
/// finds dates the rest of the program refuses).
pub fn from_env() -> Result<Box<dyn Clock>, String> {
    match std::env::var(FIXED_NOW_ENV) {
        Ok(text) => parse_fixed_now(&text).map(|start| {
            Box::new(ShiftedClock {
                start,
                started: std::time::Instant::now(),
            }) as Box<dyn Clock>
        }),
        Err(_) => Ok(Box::new(SystemClock)),
    }
}

fn parse_fixed_now(text: &str) -> Result<DateTime<Utc>, String> {
    let start = DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("{FIXED_NOW_ENV}={text:?} is not an RFC 3339 time: {e}"))?
        .with_timezone(&Utc);
    if !SANE_YEARS.contains(&start.year()) {
        return Err(format!(
            "{FIXED_NOW_ENV}={text:?} is outside the years {} to {}; give a time in them",
            SANE_YEARS.start(),
            SANE_YEARS.end()
        ));
    }
    Ok(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_now_must_be_rfc3339_within_the_sane_years() {
        assert_eq!(
            parse_fixed_now("2026-11-29T09:00:00+09:00").unwrap(),
            "2026-11-29T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_fixed_now("9000-12-01T00:00:00Z").unwrap_err(),
            "WEEKLY_POSTMORTEM_NOW=\"9000-12-01T00:00:00Z\" is outside the years 1970 to 2100; give a time in them"
        );
        assert!(
            parse_fixed_now("tomorrow")
                .unwrap_err()
                .contains("RFC 3339")
        );
    }
}
