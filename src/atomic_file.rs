//! Files the daemon owns on disk: replaced so that a reader, or a crash, never sees half
//! of one; private (0600 files, 0700 directories) whatever the umask; no temp files left.

use std::io::Write;
use std::path::Path;

/// The suffix of every temp file this module creates (and of the older writer's fixed
/// `<name>.partial`), so that start-up can recognise what a crash left behind.
const TEMP_SUFFIX: &str = ".partial";

/// Writes a temp file next to the target, syncs, then renames over it.
///
/// The temp file has a unique name (two writers never share one) and mode 0600 from its
/// creation, so the result is 0600 whatever the umask: the backups carry the whole log.
/// On any error the temp file is removed (`NamedTempFile` deletes it when dropped), so a
/// disk that stays full does not fill up further with one `.partial` a day.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let (dir, temp) = synced_temp_file(path, bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    // The rename survives a power cut only once the directory itself is on disk.
    std::fs::File::open(dir)?.sync_all()
}

/// What [`write_state_file`] does when the file exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Replace,
    /// Leave it and answer `false`: for a secret created on first use by whichever
    /// process asks first, so that two of them racing agree on one value.
    Keep,
}

/// Like [`write_atomically`], for a file in the state directory that the daemon reads
/// and the CLI may write (the calendar feed's token). The CLI often runs as root while
/// the directory belongs to the service's (dynamic) user: the file then gets the
/// directory's owner before it appears, or the daemon could not read it. Returns
/// whether the file was written.
pub fn write_state_file(path: &Path, bytes: &[u8], existing: Existing) -> std::io::Result<bool> {
    let (dir, temp) = synced_temp_file(path, bytes)?;
    give_to_owner_of(dir, temp.path());
    let persisted = match existing {
        Existing::Replace => temp.persist(path).map(drop),
        Existing::Keep => temp.persist_noclobber(path).map(drop),
    };
    match persisted {
        Ok(()) => {
            std::fs::File::open(dir)?.sync_all()?;
            Ok(true)
        }
        Err(e)
            if existing == Existing::Keep
                && e.error.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            Ok(false)
        }
        Err(e) => Err(e.error),
    }
}

/// Hands `file` to the owner of `dir` when they differ. Only root may; anyone else keeps
/// the file (it is then theirs, in a directory they could write anyway).
fn give_to_owner_of(dir: &Path, file: &Path) {
    use std::os::unix::fs::MetadataExt;
    let (Ok(dir_meta), Ok(file_meta)) = (std::fs::metadata(dir), std::fs::metadata(file)) else {
        return;
    };
    let same = (dir_meta.uid(), dir_meta.gid()) == (file_meta.uid(), file_meta.gid());
    if same {
        return;
    }
    if let Err(e) = std::os::unix::fs::chown(file, Some(dir_meta.uid()), Some(dir_meta.gid())) {
        tracing::debug!("{} keeps its owner: {e}", file.display());
    }
}

/// The unique 0600 temp file next to `path`, holding `bytes`, synced to disk.
fn synced_temp_file<'p>(
    path: &'p Path,
    bytes: &[u8],
) -> std::io::Result<(&'p Path, tempfile::NamedTempFile)> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = private_temp_file(dir, &name)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    Ok((dir, temp))
}

/// A private (0600) temp file in `dir` for staging data, deleted when dropped
/// and, after a crash, by start-up's [`remove_stale_temp_files`].
pub fn private_temp_file(dir: &Path, purpose: &str) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!(".{purpose}."))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
}

/// Creates `dir` (and missing parents) with mode 0700, so that the state directory is
/// private outside systemd too; an existing directory is left as it is.
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Whether `state_dir` is a directory we can write into, or can be created: the
/// validation `check-config` and `run` share. Nothing is created; a probe file is
/// written and removed at once.
pub fn check_state_dir(state_dir: &Path) -> Result<(), String> {
    let mut existing = state_dir;
    // The nearest existing ancestor is where `create_private_dir_all` would start.
    while std::fs::symlink_metadata(existing).is_err() {
        match existing.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
            _ => {
                existing = Path::new(".");
                break;
            }
        }
    }
    // The caller names `state_dir`; name the ancestor only when it is another path.
    let at = if existing == state_dir {
        String::new()
    } else {
        format!("{}, where it would be created: ", existing.display())
    };
    match std::fs::metadata(existing) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(format!("{at}not a directory")),
        Err(e) => return Err(format!("{at}{e}")),
    }
    tempfile::Builder::new()
        .prefix(".write-probe.")
        .suffix(TEMP_SUFFIX)
        .tempfile_in(existing)
        .map(drop)
        .map_err(|e| format!("{at}cannot write there: {e}"))
}

/// Removes the temp files a crashed or killed writer left in `dir` (not recursive).
/// Called at start-up, once the daemon holds the store's lock, so no writer of ours is
/// running. Returns how many were removed; a missing `dir` has none.
pub fn remove_stale_temp_files(dir: &Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let is_temp = entry.file_name().to_string_lossy().ends_with(TEMP_SUFFIX);
        if is_temp && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_written_file_is_private_and_no_temp_file_remains() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.json");
        write_atomically(&path, b"{}").unwrap();
        write_atomically(&path, b"[]").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"[]");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_failed_rename_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory in the way: the rename fails after the temp file was written.
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"x").unwrap();
        assert!(write_atomically(&path, b"data").is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("taken")]);
    }

    #[test]
    fn a_state_file_kept_on_request_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calendar-token");
        assert!(write_state_file(&path, b"first", Existing::Keep).unwrap());
        assert!(!write_state_file(&path, b"second", Existing::Keep).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert!(write_state_file(&path, b"third", Existing::Replace).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"third");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left: {names:?}");
    }

    #[test]
    fn a_state_file_written_by_root_belongs_to_the_directorys_owner() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        create_private_dir_all(&state).unwrap();
        // As the service's dynamic user would own it; only root can set this up.
        if std::os::unix::fs::chown(&state, Some(61_234), Some(61_234)).is_err() {
            eprintln!("not root: nothing to check");
            return;
        }
        let path = state.join("calendar-token");
        write_state_file(&path, b"token", Existing::Replace).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (61_234, 61_234));
        assert_eq!(meta.mode() & 0o777, 0o600);
    }

    #[test]
    fn stale_temp_files_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("export.partial"), b"old").unwrap();
        std::fs::write(dir.path().join(".a.json.x1y2.partial"), b"old").unwrap();
        std::fs::write(dir.path().join("api-token"), b"keep").unwrap();
        assert_eq!(remove_stale_temp_files(dir.path()).unwrap(), 2);
        assert!(dir.path().join("api-token").exists());
        assert_eq!(
            remove_stale_temp_files(&dir.path().join("none")).unwrap(),
            0
        );
    }
}
