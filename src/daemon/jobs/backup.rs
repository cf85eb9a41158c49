//! Daily exports to `state_dir/backups/`, keeping the newest `backups_keep`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
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

fn backup_if_due(state: &AppState) -> anyhow::Result<Option<std::path::PathBuf>> {
    let dir = read_only::backups_dir(&state.config.daemon.state_dir);
    crate::atomic_file::create_private_dir_all(&dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let today = state.clock.now().date_naive();
    let path = dir.join(read_only::backup_file_name(today));
    if path.exists() {
        return Ok(None);
    }
    let document = state.log.export()?;
    let bytes = serde_json::to_vec_pretty(&document)?;
    crate::atomic_file::write_atomically(&path, &bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    prune(&dir, state.config.daemon.backups_keep)?;
    Ok(Some(path))
}

fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut backups: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("export-") && n.ends_with(".json"))
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    for old in &backups[..excess] {
        std::fs::remove_file(old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::tests_support::state_at;

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
        prune(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "export-2026-12-02.json",
                "export-2026-12-03.json",
                "notes.txt"
            ]
        );
    }
}
