//! `sync --once [--dry-run]` and `auth google`: the calendar from the command line.

use std::io::Write;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::log_access::LogAccess;
use super::{CliError, Env};
use crate::app::calendar_sync::{SyncInput, sync_once};
use crate::calendar::connect::{connect, token_cache};
use crate::calendar::google::{CalendarError, GoogleCalendar};
use crate::messages::Message;
use crate::messages::calendar::SyncReport as SyncSay;
use crate::messages::cli::Cli as Say;

#[derive(Debug, Args)]
pub(super) struct SyncArgs {
    /// Reconcile once and exit (the daemon syncs continuously).
    #[arg(long, required = true)]
    once: bool,
    /// Print the actions without writing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub(super) enum AuthTarget {
    /// Authorize a personal Google account (installed-app flow) once; the token is stored in state_dir.
    Google,
}

pub(super) fn sync(env: &Env, args: &SyncArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let google = env.config.google.as_ref().ok_or_else(|| {
        env.usage(Say::NoGoogleForSync {
            path: &env.config.path.display().to_string(),
        })
    })?;
    let access = LogAccess::for_writing(env)?;
    let LogAccess::Direct(log) = &access else {
        let lines = access.sync_through_daemon(args.dry_run)?;
        out.write_all(lines.as_bytes())
            .context("writing to stdout")?;
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let api = connect(google, &env.config.daemon.state_dir)
            .await
            .map_err(|e| {
                let message = env.say(Say::NothingWrittenToCalendar {
                    error: &e.to_string(),
                });
                match e {
                    CalendarError::Config(_) | CalendarError::Auth(_) => CliError::Usage(message),
                    _ => CliError::Failure(anyhow::anyhow!(message)),
                }
            })?;
        let holidays = crate::holiday_refresh::current_holidays(&env.config.daemon.state_dir).await;
        let input = SyncInput {
            config: &env.config,
            google,
            holidays: &holidays,
            now: env.clock.now(),
            dry_run: args.dry_run,
        };
        let mut lines = String::new();
        let result = sync_once(&api, log, &input, &mut |line| {
            lines += &line;
            lines.push('\n');
        })
        .await;
        out.write_all(lines.as_bytes())
            .context("writing to stdout")?;
        let summary = result.map_err(|e| CliError::Failure(e.into()))?;
        let summary = SyncSay::Summary {
            summary: summary.counts(),
        }
        .say(env.language());
        let line = if args.dry_run {
            SyncSay::DryRun { summary: &summary }.say(env.language())
        } else {
            summary
        };
        writeln!(out, "{line}").context("writing to stdout")?;
        Ok(())
    })
}

pub(super) fn auth(env: &Env, target: &AuthTarget, out: &mut dyn Write) -> Result<(), CliError> {
    let AuthTarget::Google = target;
    let google = env
        .config
        .google
        .as_ref()
        .ok_or_else(|| env.usage(Say::NoGoogleForAuth))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let cache = token_cache(&env.config.daemon.state_dir);
    runtime
        .block_on(GoogleCalendar::authorize_installed(
            &google.credentials_file,
            &cache,
        ))
        .map_err(|e| CliError::Failure(anyhow::anyhow!("{e}")))?;
    writeln!(
        out,
        "{}",
        env.say(Say::Authorized {
            path: &cache.display().to_string()
        })
    )
    .context("writing to stdout")?;
    Ok(())
}
