//! The calendar feed's secret address, the way Google Calendar's "secret address in iCal
//! format" works: `http://<listen>/calendar/<token>.ics`, where the token is 32 random
//! bytes in `state_dir/calendar-token` (0600). Whoever knows the address can read the
//! feed, so it is shown only on request (`calendar-url`, `/calendar` for facilitators)
//! and replaced by `calendar-url --rotate`; any other path answers 404.

use std::path::{Path, PathBuf};

use crate::config::DaemonConfig;
use crate::secret_token;

/// The path segment after `/calendar/` is `<token>` followed by this.
const SUFFIX: &str = ".ics";

pub fn token_path(state_dir: &Path) -> PathBuf {
    state_dir.join("calendar-token")
}

/// The token a request names in `/calendar/<file>`; `None` when `file` is not `*.ics`.
pub fn token_in_file_name(file: &str) -> Option<&str> {
    file.strip_suffix(SUFFIX)
}

/// Whether `file` (the last path segment) names the feed with the token in `state_dir`.
/// The file (64 bytes) is read on every request, off the runtime: a rotation by the CLI,
/// another process, then takes effect on the next request with nothing to notify and no
/// restart, and there is no cached copy that could disagree with the file.
pub fn is_current(state_dir: &Path, file: &str) -> bool {
    let Some(given) = token_in_file_name(file) else {
        return false;
    };
    match secret_token::read(&token_path(state_dir)) {
        Ok(Some(token)) => secret_token::constant_time_eq(given.as_bytes(), token.as_bytes()),
        Ok(None) => false,
        Err(e) => {
            tracing::warn!("cannot read the calendar feed's token: {e}");
            false
        }
    }
}

/// Why the address cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum FeedAddressError {
    #[error(
        "daemon.listen is {listen} (the system picks the port) and no daemon is running (no {file}): start the daemon, or set a fixed port in daemon.listen"
    )]
    NoPort { listen: String, file: String },
    #[error("{path}: cannot read or write the calendar feed's token: {source}")]
    Token {
        path: String,
        source: std::io::Error,
    },
}

/// The feed's full URL, the token created first when there is none; with `rotate` a new
/// token replaces the old one, whose URL then answers 404.
pub fn url(daemon: &DaemonConfig, rotate: bool) -> Result<String, FeedAddressError> {
    let address = host_and_port(daemon)?;
    let path = token_path(&daemon.state_dir);
    let token = if rotate {
        secret_token::replace(&path)
    } else {
        secret_token::read_or_create(&path)
    }
    .map_err(|source| FeedAddressError::Token {
        path: path.display().to_string(),
        source,
    })?;
    Ok(format!("http://{address}/calendar/{token}{SUFFIX}"))
}

/// The address as configured, so the URL stays the same across restarts; with port 0
/// only the running daemon knows its port.
fn host_and_port(daemon: &DaemonConfig) -> Result<String, FeedAddressError> {
    if daemon.listen.port() != 0 {
        return Ok(daemon.listen.to_string());
    }
    crate::listen_address::running(&daemon.state_dir).ok_or_else(|| FeedAddressError::NoPort {
        listen: daemon.listen.to_string(),
        file: crate::listen_address::path(&daemon.state_dir)
            .display()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_token_with_its_suffix_names_the_feed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!is_current(dir.path(), "anything.ics"), "no token yet");
        let token = secret_token::read_or_create(&token_path(dir.path())).unwrap();
        assert!(is_current(dir.path(), &format!("{token}.ics")));
        assert!(
            !is_current(dir.path(), &token),
            "the suffix is part of the address"
        );
        assert!(!is_current(dir.path(), &format!("{}0.ics", &token[1..])));
        assert!(!is_current(dir.path(), ".ics"));
        let rotated = secret_token::replace(&token_path(dir.path())).unwrap();
        assert!(!is_current(dir.path(), &format!("{token}.ics")));
        assert!(is_current(dir.path(), &format!("{rotated}.ics")));
    }
}
