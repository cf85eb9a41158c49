//! Reading a secret (the Discord bot token, a Google key) from a file the config names,
//! refusing anything that is not a small regular file before reading it.
//!
//! A secret is a few hundred bytes to a few KiB. Without a limit, `token_file = "/dev/zero"`
//! grew `check-config` to gigabytes in seconds, and a FIFO would block it forever; so the
//! path's metadata is checked first and the read itself is capped too, in case the file
//! changes between the two.

use std::path::Path;

use crate::domain::language::Language;
use crate::messages::Message;
use crate::messages::cli::Cli;
use crate::messages::config::{ConfigText as Say, Explanation, SpecialFile};

/// The largest secret file accepted. Google's service-account keys are about 2.4 KiB.
pub(crate) const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Why a secret file was refused; `Display` names the config key and the path and says
/// what to fix.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SecretFileError {
    #[error("{key} {path}: the file does not exist: create it or correct the path")]
    Missing { key: String, path: String },
    #[error("{key} {path}: cannot read it: {source}")]
    Unreadable {
        key: String,
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{key} {path}: not a regular file ({}): point it at the file that holds the secret",
        kind.en()
    )]
    NotRegular {
        key: String,
        path: String,
        kind: SpecialFile,
    },
    #[error(
        "{key} {path}: {size} bytes is too large for a secret (at most {max} bytes): point it at the file that holds only the secret",
        max = MAX_SECRET_FILE_BYTES
    )]
    TooLarge {
        key: String,
        path: String,
        size: u64,
    },
    #[error(
        "{key} {path}: not text (a NUL, a control character or bytes that are not UTF-8): save only the secret in it, as UTF-8 text"
    )]
    NotText { key: String, path: String },
}

impl SecretFileError {
    pub(crate) fn is_missing(&self) -> bool {
        matches!(self, SecretFileError::Missing { .. })
    }

    /// The file exists but this process may not open it (a credential only the service reads).
    pub(crate) fn is_unreadable(&self) -> bool {
        matches!(self, SecretFileError::Unreadable { .. })
    }

    /// The same in both languages, for a config error (a missing file is
    /// left to the integration and never becomes one).
    pub(crate) fn explanation(&self) -> Explanation {
        let io = |source: &std::io::Error, language| {
            Cli::Io {
                kind: source.kind(),
                text: &source.to_string(),
            }
            .say(language)
        };
        match self {
            SecretFileError::Missing { key, path } => Explanation {
                ja: Say::SecretUnreadable {
                    key,
                    path,
                    error: &io(&std::io::ErrorKind::NotFound.into(), Language::Ja),
                }
                .ja(),
                en: self.to_string(),
            },
            SecretFileError::Unreadable { key, path, source } => Explanation {
                ja: Say::SecretUnreadable {
                    key,
                    path,
                    error: &io(source, Language::Ja),
                }
                .ja(),
                en: self.to_string(),
            },
            SecretFileError::NotRegular { key, path, kind } => Say::SecretNotRegular {
                key,
                path,
                kind: *kind,
            }
            .into(),
            SecretFileError::NotText { key, path } => Say::SecretNotText { key, path }.into(),
            SecretFileError::TooLarge { key, path, size } => Say::SecretTooLarge {
                key,
                path,
                size: *size,
                max: MAX_SECRET_FILE_BYTES,
            }
            .into(),
        }
    }
}

/// Reads the secret file, never more than [`MAX_SECRET_FILE_BYTES`] + 1 bytes.
pub(crate) fn read(key: &str, path: &Path) -> Result<Vec<u8>, SecretFileError> {
    use crate::bounded_file::Refusal;
    crate::bounded_file::read(path, MAX_SECRET_FILE_BYTES).map_err(|refusal| match refusal {
        Refusal::NotRegular(kind) => not_regular(key, path, kind),
        Refusal::TooLarge { size, .. } => too_large(key, path, size),
        Refusal::Io(e) => io_error(key, path, e),
    })
}

/// [`read`] as a token: UTF-8 text without NUL or other control characters
/// (line breaks and tabs aside), so that a binary file fails `check-config`, not
/// the first request that sends it.
pub(crate) fn read_to_string(key: &str, path: &Path) -> Result<String, SecretFileError> {
    let bytes = read(key, path)?;
    let text = String::from_utf8(bytes).map_err(|_| SecretFileError::NotText {
        key: key.to_string(),
        path: path.display().to_string(),
    })?;
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(SecretFileError::NotText {
            key: key.to_string(),
            path: path.display().to_string(),
        });
    }
    Ok(text)
}

fn not_regular(key: &str, path: &Path, kind: SpecialFile) -> SecretFileError {
    SecretFileError::NotRegular {
        key: key.to_string(),
        path: path.display().to_string(),
        kind,
    }
}

fn too_large(key: &str, path: &Path, size: u64) -> SecretFileError {
    SecretFileError::TooLarge {
        key: key.to_string(),
        path: path.display().to_string(),
        size,
    }
}

fn io_error(key: &str, path: &Path, source: std::io::Error) -> SecretFileError {
    if source.kind() == std::io::ErrorKind::NotFound {
        SecretFileError::Missing {
            key: key.to_string(),
            path: path.display().to_string(),
        }
    } else {
        SecretFileError::Unreadable {
            key: key.to_string(),
            path: path.display().to_string(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "secret\n").unwrap();
        assert_eq!(read_to_string("k", &path).unwrap(), "secret\n");
    }

    #[test]
    fn a_device_a_directory_and_a_large_file_are_refused_naming_key_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let large = dir.path().join("large");
        std::fs::write(&large, vec![b'a'; 100 * 1024]).unwrap();
        for (path, expected) in [
            (Path::new("/dev/zero"), "character device"),
            (dir.path(), "a directory"),
            (large.as_path(), "too large"),
        ] {
            let error = read("discord.token_file", path).unwrap_err().to_string();
            assert!(error.contains("discord.token_file"), "{error}");
            assert!(error.contains(&path.display().to_string()), "{error}");
            assert!(error.contains(expected), "{error}");
        }
    }
}
