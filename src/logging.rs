//! Logs for operators: a `RUST_LOG`-style filter (environment first, then
//! config), plain text without colours when not on a terminal (journald), or JSON.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{DaemonConfig, LogFormat};

/// The filter `run` would log with, or why the spec is not one; `check-config` calls this
/// too, so a filter it passes never stops `run`.
pub(crate) fn filter(daemon: &DaemonConfig) -> Result<EnvFilter, String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            EnvFilter::try_new(&spec).map_err(|e| format!("RUST_LOG={spec:?} is not a log filter: {e}"))?
        }
        _ => EnvFilter::try_new(&daemon.log)
            .map_err(|e| format!("daemon.log = {:?} is not a log filter (e.g. \"info\" or \"info,weekly_postmortem=debug\"): {e}", daemon.log))?,
    };
    // yup-oauth2 logs tokens and client secrets at debug: never let them through.
    Ok(filter.add_directive("yup_oauth2=warn".parse().expect("a valid directive")))
}

pub(crate) fn init(daemon: &DaemonConfig) -> Result<(), String> {
    let filter = filter(daemon)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // At TRACE, tungstenite dumps the gateway IDENTIFY frame, token included.
    let no_secrets = tracing_subscriber::filter::filter_fn(crate::discord::log_filter);
    let result = match daemon.log_format {
        LogFormat::Text => builder.finish().with(no_secrets).try_init(),
        LogFormat::Json => builder.json().finish().with(no_secrets).try_init(),
    };
    result.map_err(|e| format!("cannot start logging: {e}"))
}
