//! Counters the daemon keeps for `/metrics`.

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
}

impl Metrics {
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Builds Prometheus text exposition, one metric family at a time.
#[derive(Default)]
pub struct Exposition(String);

impl Exposition {
    pub fn family(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        samples: &[(&str, f64)],
    ) -> &mut Self {
        self.0 += &format!("# HELP {name} {help}\n# TYPE {name} {kind}\n");
        for (labels, value) in samples {
            if labels.is_empty() {
                self.0 += &format!("{name} {value}\n");
            } else {
                self.0 += &format!("{name}{{{labels}}} {value}\n");
            }
        }
        self
    }

    pub fn finish(self) -> String {
        self.0
    }
}

pub fn load(counter: &AtomicU64) -> f64 {
    counter.load(Ordering::Relaxed) as f64
}
