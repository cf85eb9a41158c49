//! Daily exports to `state_dir/backups/`, keeping the newest `backups_keep`.
//! [`plan`] decides from the date and the exports there what to write and
//! remove; [`execute`] exports the store and touches the files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use tokio::sync::watch;

use crate::app::metrics::Metrics;
use crate::app::state::AppState;
use crate::store::read_only;

/// How often we look whether today's backup exists.
const CHECK_EVERY: Duration = Duration::from_secs(3600);

pub(crate) async fn daily(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    loop {
        let worker = state.clone();
        match tokio::task::spawn_blocking(move || backup_if_due(&worker)).await {
            Ok(Ok(Some(path))) => {
                Metrics::count(&state.metrics.backups_written);
                tracing::info!("backup written to {}", path.display());
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::warn!("backup failed: {e:#}"),
            Err(e) => tracing::warn!("backup task failed: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// What a look at the backups does: today's export to write, if it is not
/// there yet, and the old ones to remove once it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct BackupPlan {
    pub write: Option<PathBuf>,
    pub prune: Vec<PathBuf>,
}

/// The plan for `today` in `dir`, which holds the exports `existing`: today's
/// one written unless it exists, then only the newest `keep` kept (today's
/// among them). Pruning waits for a new backup, so a day whose export failed
/// never loses an old one.
pub(crate) fn plan(dir: &Path, today: NaiveDate, existing: &[PathBuf], keep: usize) -> BackupPlan {
    let path = dir.join(read_only::backup_file_name(today));
    if existing.contains(&path) {
        return BackupPlan::default();
    }
    let mut backups = existing.to_vec();
    backups.push(path.clone());
    // `export-YYYY-MM-DD.json` sorts by date.
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    BackupPlan {
        write: Some(path),
        prune: backups.drain(..excess).collect(),
    }
}

/// The daily exports in `dir` (files named as [`read_only::backup_file_name`] names them).
fn exports_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    Ok(std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| read_only::backup_date(p).is_some())
        .collect())
}

/// Writes today's export and removes the old ones; returns the file written.
pub(crate) fn execute(state: &AppState, plan: &BackupPlan) -> anyhow::Result<Option<PathBuf>> {
    let Some(path) = &plan.write else {
        return Ok(None);
    };
    let document = state.log.export()?;
    let bytes = serde_json::to_vec_pretty(&document)?;
    crate::atomic_file::write_atomically(path, &bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    for old in &plan.prune {
        std::fs::remove_file(old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(Some(path.clone()))
}

fn backup_if_due(state: &AppState) -> anyhow::Result<Option<PathBuf>> {
    let dir = read_only::backups_dir(&state.config.daemon.state_dir);
    crate::atomic_file::create_private_dir_all(&dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let today = state.clock.now().date_naive();
    let plan = plan(
        &dir,
        today,
        &exports_in(&dir)?,
        state.config.daemon.backups_keep,
    );
    execute(state, &plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn exports(dir: &Path, dates: &[&str]) -> Vec<PathBuf> {
        dates
            .iter()
            .map(|d| dir.join(format!("export-{d}.json")))
            .collect()
    }

    #[test]
    fn today_s_backup_is_due_when_missing_and_nothing_is_pruned_within_keep() {
        let dir = Path::new("/backups");
        let existing = exports(dir, &["2026-12-05", "2026-12-06"]);
        assert_eq!(
            plan(dir, day("2026-12-07"), &existing, 3),
            BackupPlan {
                write: Some(dir.join("export-2026-12-07.json")),
                prune: Vec::new(),
            }
        );
        assert_eq!(
            plan(dir, day("2026-12-07"), &[], 3).write,
            Some(dir.join("export-2026-12-07.json")),
            "the first one"
        );
    }

    #[test]
    fn once_today_s_backup_exists_nothing_is_written_nor_pruned() {
        let dir = Path::new("/backups");
        let existing = exports(
            dir,
            &["2026-12-04", "2026-12-05", "2026-12-06", "2026-12-07"],
        );
        assert_eq!(
            plan(dir, day("2026-12-07"), &existing, 2),
            BackupPlan::default()
        );
    }

    #[test]
    fn pruning_keeps_the_newest_including_today_s() {
        let dir = Path::new("/backups");
        // Listed in no particular order, as a directory gives them.
        let existing = exports(
            dir,
            &["2026-12-05", "2026-12-03", "2026-12-06", "2026-12-04"],
        );
        let plan = plan(dir, day("2026-12-07"), &existing, 3);
        assert_eq!(plan.write, Some(dir.join("export-2026-12-07.json")));
        assert_eq!(plan.prune, exports(dir, &["2026-12-03", "2026-12-04"]));
    }

    #[test]
    fn one_backup_a_day_and_only_the_newest_are_kept() {
        let (state, _dir) = state_at("2026-12-07T03:00:00Z");
        let written = backup_if_due(&state).unwrap().expect("today's backup");
        assert!(
            written.ends_with("export-2026-12-07.json"),
            "{}",
            written.display()
        );
        assert!(backup_if_due(&state).unwrap().is_none(), "once a day");

        let dir = tempfile::tempdir().unwrap();
        for name in [
            "export-2026-12-01.json",
            "export-2026-12-02.json",
            "export-2026-12-03.json",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), "{}").unwrap();
        }
        let existing = exports_in(dir.path()).unwrap();
        let plan = plan(dir.path(), day("2026-12-04"), &existing, 2);
        execute(&state, &plan).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "export-2026-12-03.json",
                "export-2026-12-04.json",
                "notes.txt"
            ]
        );
    }
}
