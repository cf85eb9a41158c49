//! Reading a session log this process cannot write: a read-only mount, a
//! snapshot, a restored copy owned by someone else.
//!
//! sled 0.34 has no read-only mode: opening a database opens its file for
//! writing, takes an exclusive lock on it and may write a snapshot. So the
//! database is copied into a private temporary directory and the copy is
//! opened (it is removed when the copy is dropped); when even that is not
//! possible (the files cannot be read, the copy does not open), the newest
//! daily backup in `state_dir/backups/` is read instead. Nothing in the state
//! directory is created, changed or removed.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{SledLog, StoreError};
use crate::domain::history::{HistoryIndex, IndexEntry, Query, Record, RecordKind, records_of};
use crate::interchange::Document;

/// Why this process cannot write the database in `state_dir` (or, with no
/// database yet, the directory it would be created in); `None` when it can, or
/// when the directory does not exist yet (then opening creates it, or says why not).
///
/// Nothing is written: the database file is opened for writing without
/// creating or truncating it, and the directory is probed with an unnamed
/// temporary file (`O_TMPFILE`: it never gets a name, so no entry appears).
pub fn why_not_writable(state_dir: &Path) -> Option<io::Error> {
    let db_dir = SledLog::path_in(state_dir);
    let db_file = db_dir.join("db");
    if db_file.exists() {
        if let Err(e) = std::fs::OpenOptions::new().write(true).open(&db_file) {
            return Some(e).filter(is_not_writable);
        }
        // sled writes its snapshots next to the file.
        return tempfile::tempfile_in(&db_dir).err().filter(is_not_writable);
    }
    if !state_dir.is_dir() {
        return None;
    }
    tempfile::tempfile_in(state_dir)
        .err()
        .filter(is_not_writable)
}

/// Whether another process (a daemon, perhaps another user's) holds the
/// database in `state_dir`, as far as this process can tell without writing.
pub fn held_by_another_process(state_dir: &Path) -> bool {
    std::fs::File::open(SledLog::path_in(state_dir).join("db"))
        .is_ok_and(|file| !lock_shared(&file))
}

/// Takes a shared lock on `file` (released when it is closed); `false` when a
/// process holds sled's exclusive lock. A file system without locks (some
/// network mounts) answers `true`: there is nothing to exclude.
fn lock_shared(file: &std::fs::File) -> bool {
    !matches!(
        file.try_lock_shared(),
        Err(std::fs::TryLockError::WouldBlock)
    )
}

/// Errors that mean "you may read but not write here", as opposed to a disk
/// that is full or a path that is wrong, which the normal open reports itself.
fn is_not_writable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}

/// A private copy of a database that cannot be opened in place; the copy is
/// removed when this is dropped.
pub struct PrivateCopy {
    // Declared before `dir`: sled's files are closed before their directory is removed.
    log: SledLog,
    _dir: tempfile::TempDir,
}

impl PrivateCopy {
    /// Copies the database in `state_dir` into a new private (0700) temporary
    /// directory and opens the copy with a page cache of `cache_mib` MiB.
    ///
    /// While it copies it holds a shared lock on the database file, the lock
    /// kind sled's exclusive one excludes: a daemon that holds the database
    /// makes this fail with [`StoreError::Locked`] (ask the daemon instead), and
    /// no daemon can start writing halfway through the copy.
    pub fn of(state_dir: &Path, cache_mib: u64) -> Result<Self, StoreError> {
        let source = SledLog::path_in(state_dir);
        let db_file = source.join("db");
        let lock = std::fs::File::open(&db_file).map_err(|e| cannot_read(&db_file, &e))?;
        if !lock_shared(&lock) {
            return Err(StoreError::Locked {
                path: source.display().to_string(),
            });
        }
        let dir = copy_somewhere(&source)?;
        drop(lock);
        let log = SledLog::open_existing_with_cache(dir.path(), cache_mib)?
            .ok_or_else(|| StoreError::Backend("the copied database vanished".into()))?
            .read_search_file_of(state_dir);
        Ok(Self { log, _dir: dir })
    }

    pub fn log(&self) -> &SledLog {
        &self.log
    }
}

/// Copies the database at `source` into a new private temporary directory: under
/// `$TMPDIR`, or in memory (`/dev/shm`) when that fails, as it does when `$TMPDIR`
/// shares the full disk that sent us here.
fn copy_somewhere(source: &Path) -> Result<tempfile::TempDir, StoreError> {
    let mut failures = Vec::new();
    for base in [std::env::temp_dir(), PathBuf::from("/dev/shm")] {
        let dir = match tempfile::Builder::new()
            .prefix("weekly-postmortem-read-only.")
            .tempdir_in(&base)
        {
            Ok(dir) => dir,
            Err(e) => {
                failures.push(format!(
                    "cannot create a temporary directory in {}: {e}",
                    base.display()
                ));
                continue;
            }
        };
        match copy_dir(source, &SledLog::path_in(dir.path())) {
            Ok(()) => return Ok(dir),
            Err(e) => failures.push(format!(
                "cannot copy {} to {}: {e}",
                source.display(),
                dir.path().display()
            )),
        }
    }
    Err(StoreError::Backend(failures.join("; ")))
}

/// Copies the directory `from` to the new directory `to` (0700), recursively.
/// The copies are made 0600 and writable: a copy of a file made read-only
/// (`chmod -R a-w`) keeps its mode, and sled opens its files for writing.
fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new().mode(0o700).create(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)?;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

fn cannot_read(path: &Path, e: &io::Error) -> StoreError {
    StoreError::Backend(format!("cannot read {}: {e}", path.display()))
}

/// The directory the daemon's daily backups are written to.
pub fn backups_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("backups")
}

/// A daily backup's file name for `date`: `export-YYYY-MM-DD.json`.
pub fn backup_file_name(date: NaiveDate) -> String {
    format!("export-{date}.json")
}

/// The date of a daily backup from its file name ([`backup_file_name`]);
/// `None` for any other file.
pub fn backup_date(path: &Path) -> Option<NaiveDate> {
    let name = path.file_name()?.to_str()?;
    let date = name.strip_prefix("export-")?.strip_suffix(".json")?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

/// The newest daily backup in `state_dir/backups/` and its date, if any.
pub fn newest_backup(state_dir: &Path) -> Option<(PathBuf, NaiveDate)> {
    let entries = std::fs::read_dir(backups_dir(state_dir)).ok()?;
    entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            Some((backup_date(&path)?, path))
        })
        .max_by_key(|(date, _)| *date)
        .map(|(date, path)| (path, date))
}

/// A daily backup, read whole: what the read commands use when the database
/// itself cannot be read.
pub struct Backup {
    pub path: PathBuf,
    pub date: NaiveDate,
    document: Document,
}

impl Backup {
    /// Reads and checks the backup at `path` (made on `date`); `known_meetings`
    /// are the configured meeting ids, as for an import.
    pub fn read(path: &Path, date: NaiveDate, known_meetings: &[&str]) -> Result<Self, StoreError> {
        let text = std::fs::read_to_string(path).map_err(|e| cannot_read(path, &e))?;
        let document = Document::from_json(&text, known_meetings).map_err(|e| {
            StoreError::Corrupt(format!("the backup {} cannot be read: {e}", path.display()))
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            date,
            document,
        })
    }

    pub fn export(&self) -> Document {
        self.document.clone()
    }

    /// The history search over the backup's records, through the same index the
    /// daemon searches with, so the answer is the one the database would give.
    pub fn search(&self, query: &Query) -> Vec<Record> {
        let mut records = records_of(
            self.document.sessions.clone(),
            self.document.postmortems.clone(),
            self.document.learnings.clone(),
        );
        // The kinds the database indexes besides those: incidents and actions.
        records.extend(
            self.document
                .incidents
                .iter()
                .cloned()
                .map(Record::Incident),
        );
        records.extend(self.document.actions.iter().cloned().map(Record::Action));
        let hits = HistoryIndex::from_entries(records.iter().map(IndexEntry::of)).search(query);
        let mut by_key: HashMap<(RecordKind, String, NaiveDate, String), Record> = records
            .into_iter()
            .map(|r| ((r.kind(), r.meeting().to_string(), r.date(), r.id()), r))
            .collect();
        hits.into_iter()
            .filter_map(|hit| by_key.remove(&(hit.kind, hit.meeting, hit.date, hit.id)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::KnowledgeLog as _;

    #[test]
    fn a_copy_of_a_database_reads_what_the_original_holds_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let original = SledLog::open(dir.path()).unwrap();
        let learning = crate::domain::log::Learning {
            id: "l1".into(),
            meeting: "weekly".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            text: "デッドロックの検知".into(),
            tags: vec!["db".into()],
            author: None,
            author_id: None,
        };
        original.put_learning(&learning).unwrap();
        // The daemon holds the database: the copy refuses, naming the lock.
        let err = PrivateCopy::of(dir.path(), 1).err().unwrap();
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        drop(original);
        // sled's background threads may hold the lock a moment after the drop.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        let copy = loop {
            match PrivateCopy::of(dir.path(), 1) {
                Err(StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                copy => break copy.unwrap(),
            }
        };
        assert_eq!(copy.log().learnings().unwrap(), vec![learning]);
        // The original can still be opened (the copy holds no lock on it).
        SledLog::open(dir.path()).unwrap();
    }

    #[test]
    fn a_backup_is_searched_for_every_kind_the_database_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export-2026-12-01.json");
        std::fs::write(
            &path,
            r#"{"format":"weekly-postmortem/v1","actions":[
                {"id":"act-1","meeting":"weekly","title":"デッドロックの検知を足す","owner":"sato","created":"2026-11-25"}]}"#,
        )
        .unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let backup = Backup::read(&path, date, &["weekly"]).unwrap();
        let hits = backup.search(&Query {
            text: Some("デッドロック".into()),
            ..Query::default()
        });
        assert_eq!(hits.iter().map(Record::id).collect::<Vec<_>>(), ["act-1"]);
    }

    #[test]
    fn the_newest_backup_is_found_by_the_date_in_its_name() {
        let dir = tempfile::tempdir().unwrap();
        assert!(newest_backup(dir.path()).is_none());
        let backups = backups_dir(dir.path());
        std::fs::create_dir_all(&backups).unwrap();
        for name in [
            "export-2026-11-27.json",
            "export-2026-11-28.json",
            "notes.json",
        ] {
            std::fs::write(backups.join(name), "{}").unwrap();
        }
        let (path, date) = newest_backup(dir.path()).unwrap();
        assert_eq!(date, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
        assert_eq!(path, backups.join(backup_file_name(date)));
    }
}
