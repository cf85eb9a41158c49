//! `stats`: held and skipped weeks per year, agenda items by kind, top tags
//! and totals as text or JSON, and optionally the same as a PNG chart.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::log_access::LogAccess;
use super::transfer::write_output;
use super::{CliError, Env, OutputFormat};
use crate::app::stats::{compute, render_text};
use crate::messages::cli::Cli as Say;
use crate::stats_chart;

#[derive(Debug, Args)]
pub(super) struct StatsArgs {
    /// The meeting (default: the only configured meeting).
    #[arg(long, value_name = "ID")]
    meeting: Option<String>,
    /// Also draw the chart into this PNG file (replaced atomically).
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

pub(super) fn run(env: &Env, args: &StatsArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let meeting = match &args.meeting {
        Some(id) => env.require_meeting(id)?,
        None => env.only_meeting()?,
    };
    let document = LogAccess::for_reading(env)?.export()?;
    let holidays = super::plan::current_holidays(env)?;
    let today = meeting.rule.day_of(env.clock.now());
    let stats = compute(
        meeting,
        &document,
        &holidays,
        today,
        env.config.incident_min_minutes(),
    );

    let mut chart_note = None;
    if let Some(path) = &args.png {
        let bytes = stats_chart::render_png(&stats, &meeting.title, env.config.daemon.language)
            .context("rendering the stats chart")?;
        write_output(env, path, &bytes)?;
        chart_note = Some(
            env.say(Say::ChartWritten {
                path: &path.display().to_string(),
                width: stats_chart::WIDTH,
                height: stats_chart::HEIGHT,
            }) + "\n",
        );
    }

    let text = match args.format {
        OutputFormat::Json => {
            // stdout stays one JSON value that programs can parse.
            if let Some(note) = &chart_note {
                eprint!("{note}");
            }
            serde_json::to_string_pretty(&stats).context("encoding the stats as JSON")? + "\n"
        }
        OutputFormat::Text => {
            render_text(meeting, &stats, env.language()) + chart_note.as_deref().unwrap_or("")
        }
    };
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    Ok(())
}
