//! Where the running daemon says it listens: `state_dir/listen-address`, written at start
//! and removed on a clean stop, so that `listen = "127.0.0.1:0"` works and clients (the
//! CLI, the calendar URL) find the port the system picked.

use std::path::{Path, PathBuf};

pub(crate) fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("listen-address")
}

/// The address the running daemon wrote, if one runs (or a killed one left its file).
pub(crate) fn running(state_dir: &Path) -> Option<String> {
    std::fs::read_to_string(path(state_dir))
        .ok()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
}
