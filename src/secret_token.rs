//! Random secrets the daemon hands out (the local API's token, the calendar feed's secret
//! address): drawn from the kernel, kept in private files, compared in constant time.

use std::io::Read;
use std::path::Path;

use crate::atomic_file::Existing;

/// 32 bytes: as much entropy as a Google Calendar secret address, far beyond guessing.
pub(crate) const TOKEN_BYTES: usize = 32;
/// Our token files hold 64 hex digits; anything much larger was not written by us.
const MAX_TOKEN_FILE_BYTES: u64 = 1024;

/// `bytes` random bytes from the kernel as lowercase hex: URL- and header-safe text,
/// no new dependency (the kernel's generator is what `getrandom` would use anyway).
pub(crate) fn generate(bytes: usize) -> std::io::Result<String> {
    let mut raw = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut raw)?;
    Ok(raw.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal without an early exit, so the time a comparison takes says nothing about how
/// much of a guessed token was right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token in `path`; `None` when there is no file (or it is empty).
pub(crate) fn read(path: &Path) -> std::io::Result<Option<String>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut text = String::new();
    file.take(MAX_TOKEN_FILE_BYTES).read_to_string(&mut text)?;
    let token = text.trim();
    Ok((!token.is_empty()).then(|| token.to_string()))
}

/// The token in `path`, created first (0600, atomically) when there is none. Creation
/// never replaces a file, so the CLI and the daemon asking at the same moment end up
/// showing the same token.
pub(crate) fn read_or_create(path: &Path) -> std::io::Result<String> {
    if let Some(token) = read(path)? {
        return Ok(token);
    }
    if let Some(dir) = path.parent() {
        crate::atomic_file::create_private_dir_all(dir)?;
    }
    let token = generate(TOKEN_BYTES)?;
    if crate::atomic_file::write_state_file(path, token.as_bytes(), Existing::Keep)? {
        return Ok(token);
    }
    // Someone else created it between our read and our write: theirs stands.
    read(path)?.ok_or_else(|| std::io::Error::other("the token file is empty"))
}

/// Replaces the token in `path` with a new one (0600, atomically: a reader sees the old
/// token or the new one, never half of one) and returns it.
pub(crate) fn replace(path: &Path) -> std::io::Result<String> {
    if let Some(dir) = path.parent() {
        crate::atomic_file::create_private_dir_all(dir)?;
    }
    let token = generate(TOKEN_BYTES)?;
    crate::atomic_file::write_state_file(path, token.as_bytes(), Existing::Replace)?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_token_is_64_hex_digits_and_two_differ() {
        let a = generate(TOKEN_BYTES).unwrap();
        let b = generate(TOKEN_BYTES).unwrap();
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }

    #[test]
    fn a_token_is_created_once_kept_and_replaced_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("calendar-token");
        assert_eq!(read(&path).unwrap(), None);
        let first = read_or_create(&path).unwrap();
        assert_eq!(read_or_create(&path).unwrap(), first);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        let second = replace(&path).unwrap();
        assert_ne!(second, first);
        assert_eq!(read(&path).unwrap(), Some(second));
    }

    #[test]
    fn comparison_needs_every_byte() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
