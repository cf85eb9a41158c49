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
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let (dir, temp) = synced_temp_file(path, bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    // The rename survives a power cut only once the directory itself is on disk.
    std::fs::File::open(dir)?.sync_all()
}

/// The path a chain of symbolic links ends at, whether or not something is there.
fn end_of_links(path: &Path) -> std::io::Result<std::path::PathBuf> {
    // The kernel's own limit on links followed in one lookup.
    const MAX_HOPS: usize = 40;
    let mut current = path.to_path_buf();
    for _ in 0..MAX_HOPS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Opens a device or FIFO to write into. A FIFO nobody reads would block the
/// command forever, so it is opened without waiting (`ENXIO`: no reader yet),
/// then written to as a normal, blocking file.
fn open_for_writing_through(path: &Path, fifo: bool) -> Result<std::fs::File, OutputRefusal> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if !fifo {
        return Ok(options.open(path)?);
    }
    let file = match options.custom_flags(libc::O_NONBLOCK).open(path) {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => return Err(OutputRefusal::NoReader),
        Err(e) => return Err(e.into()),
    };
    use std::os::fd::AsRawFd;
    // SAFETY: fcntl on a descriptor this function owns; only O_NONBLOCK is cleared.
    unsafe {
        let flags = libc::fcntl(file.as_raw_fd(), libc::F_GETFL);
        if flags < 0 || libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0
        {
            return Err(std::io::Error::last_os_error().into());
        }
    }
    Ok(file)
}

/// Why [`write_output`] refused a path.
#[derive(Debug)]
pub(crate) enum OutputRefusal {
    /// A FIFO that nobody reads: writing would wait forever.
    NoReader,
    /// A directory (or a link to one): the user meant a file inside it.
    Directory,
    /// A socket, a block device or a link that leads nowhere: nothing a file could replace.
    NotAFile,
    Io(std::io::Error),
}

impl From<std::io::Error> for OutputRefusal {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Writes a file a user named on the command line (`export --output`, `stats --png`).
///
/// A regular file (or a new one) is replaced atomically. A symbolic link is followed
/// and its *target* replaced, so the link stays. A character device or a FIFO
/// (`/dev/stdout`, a pipe) is written through, which is what a user means by it; a
/// device node is never replaced. A directory or anything else is refused.
pub(crate) fn write_output(path: &Path, bytes: &[u8]) -> Result<(), OutputRefusal> {
    use std::os::unix::fs::FileTypeExt;
    let link = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type().is_symlink(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(write_atomically(path, bytes)?);
        }
        Err(e) => return Err(e.into()),
    };
    // `metadata` follows every link, the `/proc/self/fd` ones behind `/dev/stdout` included.
    let target = match std::fs::metadata(path) {
        Ok(meta) => meta.file_type(),
        // A link to a file still to be made (as a shell's `>` would make it), in
        // a directory that exists; a link into nowhere is refused.
        Err(e) if link && e.kind() == std::io::ErrorKind::NotFound => {
            let end = end_of_links(path)?;
            return match end.parent() {
                Some(dir) if dir.is_dir() => Ok(write_atomically(&end, bytes)?),
                _ => Err(OutputRefusal::NotAFile),
            };
        }
        Err(e) => return Err(e.into()),
    };
    if target.is_dir() {
        return Err(OutputRefusal::Directory);
    }
    if target.is_char_device() || target.is_fifo() {
        let mut device = open_for_writing_through(path, target.is_fifo())?;
        device.write_all(bytes)?;
        return Ok(device.flush()?);
    }
    if !target.is_file() {
        return Err(OutputRefusal::NotAFile);
    }
    if !link {
        return Ok(write_atomically(path, bytes)?);
    }
    match std::fs::canonicalize(path) {
        Ok(resolved) => Ok(write_atomically(&resolved, bytes)?),
        // A regular file without a name (`/proc/self/fd/1` of a deleted file): through it.
        Err(_) => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)?;
            Ok(file.write_all(bytes)?)
        }
    }
}

/// What [`write_state_file`] does when the file exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
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
pub(crate) fn write_state_file(
    path: &Path,
    bytes: &[u8],
    existing: Existing,
) -> std::io::Result<bool> {
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
pub(crate) fn private_temp_file(
    dir: &Path,
    purpose: &str,
) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!(".{purpose}."))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
}

/// Creates `dir` (and missing parents) with mode 0700, so that the state directory is
/// private outside systemd too; an existing directory is left as it is.
pub(crate) fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Makes `dir` private to its owner (0700), with the files directly in it and, all the
/// way down, the subdirectories named in `owned` (directories 0700, files lose every
/// group and other bit): for a state directory made before the daemon set its umask,
/// or by hand. Other subdirectories are not its to change; links are left alone (their
/// mode means nothing). Returns the paths it tightened.
pub(crate) fn make_private(dir: &Path, owned: &[&str]) -> std::io::Result<Vec<std::path::PathBuf>> {
    use std::os::unix::fs::PermissionsExt;
    let mut tightened = Vec::new();
    let mut tighten = |path: &Path, meta: &std::fs::Metadata| -> std::io::Result<()> {
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            let private = if meta.is_dir() { 0o700 } else { mode & 0o700 };
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(private))?;
            tightened.push(path.to_path_buf());
        }
        Ok(())
    };
    tighten(dir, &std::fs::metadata(dir)?)?;
    let mut pending: Vec<(std::path::PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let is_owned = owned.iter().any(|o| name == std::ffi::OsStr::new(o));
        pending.push((entry.path(), is_owned));
    }
    while let Some((path, recurse)) = pending.pop() {
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.file_type().is_symlink() || (meta.is_dir() && !recurse) {
            continue;
        }
        tighten(&path, &meta)?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                pending.push((entry?.path(), true));
            }
        }
    }
    Ok(tightened)
}

/// Files and directories this process creates are its owner's alone, whatever the
/// umask it was started with (sled creates its files with the process's umask).
pub(crate) fn create_private_from_now_on() {
    // SAFETY: umask only sets the process's file creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Whether `state_dir` is a directory we can write into, or can be created: the
/// validation `check-config` and `run` share. Nothing is created; a probe file is
/// written and removed at once.
pub(crate) fn check_state_dir(state_dir: &Path) -> Result<(), String> {
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
pub(crate) fn remove_stale_temp_files(dir: &Path) -> std::io::Result<usize> {
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
    fn an_output_through_a_link_replaces_the_target_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.json");
        std::fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_output(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[test]
    fn an_output_onto_a_device_writes_through_and_keeps_the_node() {
        use std::os::unix::fs::FileTypeExt;
        write_output(Path::new("/dev/null"), b"x").unwrap();
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        let full = write_output(Path::new("/dev/full"), b"x");
        assert!(matches!(full, Err(OutputRefusal::Io(_))), "{full:?}");
        assert!(
            std::fs::metadata("/dev/full")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }

    #[test]
    fn an_output_onto_a_directory_or_a_link_into_nowhere_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            write_output(dir.path(), b"x"),
            Err(OutputRefusal::Directory)
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(
                write_output(&fifo, b"x"),
                Err(OutputRefusal::NoReader)
            ));
        }
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere/x"), &dangling).unwrap();
        assert!(matches!(
            write_output(&dangling, b"x"),
            Err(OutputRefusal::NotAFile)
        ));
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // A link to a file still to be made, in a directory that exists, makes it.
        let ahead = dir.path().join("ahead");
        std::os::unix::fs::symlink("made.json", &ahead).unwrap();
        write_output(&ahead, b"new").unwrap();
        assert_eq!(std::fs::read(dir.path().join("made.json")).unwrap(), b"new");
        assert!(
            std::fs::symlink_metadata(&ahead)
                .unwrap()
                .file_type()
                .is_symlink()
        );
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
    fn a_loose_state_directory_is_made_private_all_the_way_down() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        std::fs::create_dir_all(state.join("db")).unwrap();
        std::fs::write(state.join("db/conf"), b"x").unwrap();
        std::fs::write(state.join("api-token"), b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for (path, loose) in [(&state, 0o755), (&state.join("db"), 0o755)] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(loose)).unwrap();
        }
        std::fs::set_permissions(
            state.join("db/conf"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::fs::set_permissions(
            state.join("api-token"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        std::fs::create_dir(state.join("theirs")).unwrap();
        std::fs::set_permissions(state.join("theirs"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let tightened = make_private(&state, &["db"]).unwrap();
        assert_eq!(tightened.len(), 3, "{tightened:?}");
        assert_eq!(
            mode(&state.join("theirs")),
            0o755,
            "not the daemon's to change"
        );
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&state.join("db")), 0o700);
        assert_eq!(mode(&state.join("db/conf")), 0o600);
        assert_eq!(mode(&state.join("api-token")), 0o600);
        assert!(
            make_private(&state, &["db"]).unwrap().is_empty(),
            "nothing left to do"
        );
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
