//! Counters the running program keeps for `/metrics`, updated where things
//! happen so that a scrape never scans the log.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    pub reminders_sent: AtomicU64,
    pub calendar_calls_ok: AtomicU64,
    pub calendar_calls_error: AtomicU64,
    pub calendar_calls_retried: AtomicU64,
    /// Unix seconds of the last calendar sync that finished without error; 0 = never.
    pub last_successful_sync: AtomicI64,
    pub holiday_refresh_failures: AtomicU64,
    pub backups_written: AtomicU64,
    /// Alert hook calls by result.
    pub hooks_ok: AtomicU64,
    pub hooks_duplicate: AtomicU64,
    pub hooks_unauthorized: AtomicU64,
    pub hooks_too_large: AtomicU64,
    pub hooks_malformed: AtomicU64,
}

impl Metrics {
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

pub fn load(counter: &AtomicU64) -> f64 {
    counter.load(Ordering::Relaxed) as f64
}
