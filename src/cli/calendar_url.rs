//! `calendar-url`: the calendar feed's secret address, to subscribe a calendar app (created
//! on first use); `--rotate` replaces it when it leaked, also while the daemon runs.

use std::io::Write;

use anyhow::Context;
use clap::Args;

use super::{CliError, Env};
use crate::app::calendar_url::keep_it_secret;

#[derive(Debug, Args)]
pub(super) struct CalendarUrlArgs {
    /// Replace the address with a new one; the old one answers 404 from the next request on.
    #[arg(long)]
    rotate: bool,
}

/// The URL alone on stdout (for scripts); how to treat it on stderr.
pub(super) fn run(env: &Env, args: &CalendarUrlArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let daemon = &env.config.daemon;
    let url = crate::feed_address::url(&env.config, args.rotate).map_err(anyhow::Error::from)?;
    writeln!(out, "{url}").context("writing to stdout")?;
    eprintln!("{}", keep_it_secret(daemon.language, args.rotate));
    Ok(())
}
