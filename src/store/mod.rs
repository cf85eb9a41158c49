//! The session log's store: its port ([`port`], small traits by concern),
//! the adapter on disk ([`sled_log`], with [`recoverable`] reopening it) and
//! one in memory ([`in_memory`]) for tests.

pub mod facts;
pub mod in_memory;
pub mod port;
pub mod read_only;
pub mod recoverable;
pub mod sled_log;

#[cfg(test)]
mod contract_tests;

use crate::domain::log::Invalid;

pub use facts::{FactLog, PostKey};
pub use in_memory::InMemoryLog;
pub use port::{
    ActionLog, HistorySearch, IncidentLog, KnowledgeLog, LogDocument, SessionLog, SessionStore,
    Upkeep,
};
pub use recoverable::RecoverableLog;
pub use sled_log::SledLog;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database at {path} is in use by another process: the daemon (`weekly-postmortem run`) is probably running; stop it or use its local API"
    )]
    Locked { path: String },
    #[error(
        "the database at {path} has schema version {found}, newer than this binary understands ({supported}); upgrade weekly-postmortem or restore a backup"
    )]
    TooNew {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("{0}")]
    Invalid(Invalid),
    #[error("no {what} with id {id:?}")]
    NotFound { what: &'static str, id: String },
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Backend(String),
    #[error("cannot open {path}: the disk is full (no space left on device)")]
    DiskFull { path: String },
}

/// The store's page cache when the config does not say (`daemon.cache_mib`).
pub const DEFAULT_CACHE_MIB: u64 = 16;

/// Less free space than this in the state directory's file system counts as a
/// full disk: sled's next segment or today's backup would not fit.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// `Err` when the file system holding `state_dir` is full: no write will succeed
/// and no database handle could be opened there.
pub fn room_left(state_dir: &std::path::Path) -> Result<(), StoreError> {
    let free = fs2::available_space(state_dir).map_err(|e| {
        StoreError::Backend(format!(
            "cannot tell the free space of {} ({e})",
            state_dir.display()
        ))
    })?;
    if free < MIN_FREE_BYTES {
        return Err(StoreError::Backend(format!(
            "the file system of {} is full ({} KiB free, at least {} KiB needed)",
            state_dir.display(),
            free / 1024,
            MIN_FREE_BYTES / 1024
        )));
    }
    Ok(())
}

/// How an import changed the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What one alert notification changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AlertsAbsorbed {
    pub incidents_changed: usize,
    pub new_episodes: usize,
    pub ended_episodes: usize,
}

impl AlertsAbsorbed {
    /// Nothing new: a retried notification.
    pub fn is_duplicate(&self) -> bool {
        self.incidents_changed == 0
    }
}
