//! `run`: the daemon in the foreground, as systemd starts it.

use std::sync::Arc;

use super::{CliError, Env};
use crate::messages::Message;
use crate::{daemon, logging};

pub(super) fn run(env: Env) -> Result<(), CliError> {
    validate(&env.config)?;
    logging::init(&env.config.daemon).map_err(CliError::Usage)?;
    for warning in env.config.warnings() {
        tracing::warn!("{warning}");
    }
    // One worker per core (tokio's default): store writes, index work, chart
    // rendering and import parsing run on the blocking pool, so the workers
    // only carry the gateway, the endpoint and the timers.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(e.into()))?;
    let clock: Arc<dyn crate::clock::Clock> = Arc::from(env.clock);
    runtime
        .block_on(daemon::run(env.config, clock, shutdown_signal()))
        .map_err(|e| {
            tracing::error!("{e:#}");
            CliError::Failure(e)
        })
}

/// Completes on SIGTERM (systemd stop) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot listen for SIGTERM: {e}");
            return std::future::pending().await;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
    }
}

/// What `run` checks beyond parsing before it starts anything; `check-config` runs the
/// same, so a config it passes is never refused here (exit 2 from both).
pub(super) fn validate(config: &crate::config::Config) -> Result<(), CliError> {
    logging::filter(&config.daemon).map_err(CliError::Usage)?;
    crate::atomic_file::check_state_dir(&config.daemon.state_dir).map_err(|why| {
        CliError::Usage(
            crate::messages::cli::Cli::StateDirUnusable {
                state_dir: &config.daemon.state_dir.display().to_string(),
                why: &why.to_string(),
            }
            .say(config.daemon.language),
        )
    })
}
