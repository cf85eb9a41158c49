//! The calendar feed's secret address, the way Google Calendar's "secret address in iCal
//! format" works: `http://<listen>/calendar/<token>.ics`, where the token is 32 random
//! bytes in `state_dir/calendar-token` (0600). Whoever knows the address can read the
//! feed, so it is shown only on request (`calendar-url`, `/calendar` for facilitators)
//! and replaced by `calendar-url --rotate`; any other path answers 404.

use std::path::{Path, PathBuf};

use crate::config::{Config, DaemonConfig};
use crate::secret_token;

/// The path segment after `/calendar/` is `<token>` followed by this.
const SUFFIX: &str = ".ics";

pub(crate) fn token_path(state_dir: &Path) -> PathBuf {
    state_dir.join("calendar-token")
}

/// The token a request names in `/calendar/<file>`; `None` when `file` is not `*.ics`.
pub(crate) fn token_in_file_name(file: &str) -> Option<&str> {
    file.strip_suffix(SUFFIX)
}

/// Whether `file` (the last path segment) names the feed with the token in `state_dir`.
/// The file (64 bytes) is read on every request, off the runtime: a rotation by the CLI,
/// another process, then takes effect on the next request with nothing to notify and no
/// restart, and there is no cached copy that could disagree with the file.
pub(crate) fn is_current(state_dir: &Path, file: &str) -> bool {
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
pub(crate) enum FeedAddressError {
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
/// token replaces the old one, whose URL then answers 404. Under `[web] public_url` the
/// address people use (through the proxy); else the endpoint's own.
pub(crate) fn url(config: &Config, rotate: bool) -> Result<String, FeedAddressError> {
    let base = match config.web.as_ref().and_then(|w| w.public_url.as_ref()) {
        Some(public) => public.as_str().trim_end_matches('/').to_string(),
        None => format!("http://{}", host_and_port(&config.daemon)?),
    };
    let path = token_path(&config.daemon.state_dir);
    let token = if rotate {
        secret_token::replace(&path)
    } else {
        secret_token::read_or_create(&path)
    }
    .map_err(|source| FeedAddressError::Token {
        path: path.display().to_string(),
        source,
    })?;
    Ok(format!("{base}/calendar/{token}{SUFFIX}"))
}

/// The address as configured, so the URL stays the same across restarts; with port 0
/// only the running daemon knows its port. On every address (`0.0.0.0`, `::`) the
/// machine's name stands for it: `0.0.0.0` is where it listens, not an address to visit.
fn host_and_port(daemon: &DaemonConfig) -> Result<String, FeedAddressError> {
    let listen = if daemon.listen.port() != 0 {
        daemon.listen
    } else {
        crate::listen_address::running(&daemon.state_dir)
            .and_then(|running| running.parse().ok())
            .ok_or_else(|| FeedAddressError::NoPort {
                listen: daemon.listen.to_string(),
                file: crate::listen_address::path(&daemon.state_dir)
                    .display()
                    .to_string(),
            })?
    };
    if listen.ip().is_unspecified()
        && let Some(name) = machine_name()
    {
        return Ok(format!("{name}:{}", listen.port()));
    }
    Ok(listen.to_string())
}

/// This machine's host name (`gethostname`), when it has a usable one.
pub(crate) fn machine_name() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many
    // bytes and the result is read only up to its first NUL.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if status != 0 {
        return None;
    }
    let end = buffer.iter().position(|b| *b == 0)?;
    let name = std::str::from_utf8(&buffer[..end])
        .ok()?
        .to_ascii_lowercase();
    let usable = !name.is_empty()
        && name != "localhost"
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    usable.then_some(name)
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
