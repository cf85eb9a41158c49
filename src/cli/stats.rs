//! `stats`: held and skipped weeks per year, agenda items by kind, top tags
//! and totals as text or JSON, and optionally the same as a PNG chart.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::log_access::LogAccess;
use super::transfer::write_atomically;
use super::{CliError, Env, OutputFormat};
use crate::config::Meeting;
use crate::domain::holidays::JapaneseHolidays;
use crate::domain::log::{AgendaKind, cancelled_dates};
use crate::domain::stats::{self, LogView, SkipCounts, Stats};
use crate::stats_chart;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The meeting (default: the only configured meeting).
    #[arg(long, value_name = "ID")]
    meeting: Option<String>,
    /// Also draw the chart into this PNG file (replaced atomically).
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

pub fn run(env: &Env, args: &StatsArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let meeting = match &args.meeting {
        Some(id) => env.require_meeting(id)?,
        None => env.only_meeting()?,
    };
    let document = LogAccess::for_reading(env)?.export()?;
    let stats = compute(env, meeting, &document);

    let mut chart_note = None;
    if let Some(path) = &args.png {
        let bytes = stats_chart::render_png(&stats, &meeting.title, env.config.daemon.language)
            .context("rendering the stats chart")?;
        write_atomically(path, &bytes)?;
        chart_note = Some(format!(
            "chart: {} ({}x{} PNG)\n",
            path.display(),
            stats_chart::WIDTH,
            stats_chart::HEIGHT
        ));
    }

    let text = match args.format {
        OutputFormat::Json => {
            // stdout stays one JSON value that programs can parse.
            if let Some(note) = &chart_note {
                eprint!("{note}");
            }
            serde_json::to_string_pretty(&stats).context("encoding the stats as JSON")? + "\n"
        }
        OutputFormat::Text => render_text(meeting, &stats) + chart_note.as_deref().unwrap_or(""),
    };
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    Ok(())
}

/// The schedule up to today in the meeting's time zone, with the log's
/// cancellations applied exactly as `plan` applies them.
fn compute(env: &Env, meeting: &Meeting, document: &crate::interchange::Document) -> Stats {
    let today = env
        .clock
        .now()
        .with_timezone(&meeting.rule.timezone)
        .date_naive();
    let holidays = JapaneseHolidays::embedded();
    let cancelled = cancelled_dates(&document.sessions, &meeting.id);
    let log = LogView {
        sessions: &document.sessions,
        postmortems: &document.postmortems,
        learnings: &document.learnings,
    };
    stats::compute(
        &meeting.id,
        meeting.rule.occurrences(&holidays, &cancelled),
        log,
        today,
    )
}

fn year_line(label: &str, held: u32, skipped: u32, by: SkipCounts) -> String {
    format!(
        "{label}: held {held}, skipped {skipped} (holiday {}, company day off {}, cancelled {})\n",
        by.holiday, by.skip_date, by.cancelled
    )
}

fn render_text(meeting: &Meeting, stats: &Stats) -> String {
    let mut text = format!(
        "{} ({}): statistics up to {}\n",
        meeting.title, meeting.id, stats.until
    );
    if stats.years.is_empty() {
        text += &format!(
            "no weeks scheduled yet (first session {})\n",
            meeting.rule.first_session
        );
    }
    let mut total = (0, 0, SkipCounts::default());
    for year in &stats.years {
        text += &year_line(
            &year.year.to_string(),
            year.held,
            year.skipped,
            year.skipped_by,
        );
        total.0 += year.held;
        total.1 += year.skipped;
        total.2.holiday += year.skipped_by.holiday;
        total.2.skip_date += year.skipped_by.skip_date;
        total.2.cancelled += year.skipped_by.cancelled;
    }
    if stats.years.len() > 1 {
        text += &year_line("total", total.0, total.1, total.2);
    }

    let kinds: Vec<String> = AgendaKind::ALL
        .into_iter()
        .map(|k| format!("{} {}", k.code(), stats.agenda.get(k)))
        .collect();
    text += &format!(
        "agenda items: {} (total {})\n",
        kinds.join(", "),
        stats.agenda.total()
    );
    let tags = if stats.top_tags.is_empty() {
        "none".to_string()
    } else {
        stats
            .top_tags
            .iter()
            .map(|t| format!("{} {}", t.tag, t.count))
            .collect::<Vec<_>>()
            .join(", ")
    };
    text += &format!("top tags: {tags}\n");
    let counted = stats
        .sessions
        .iter()
        .filter(|s| s.present.is_some())
        .count();
    text += &format!(
        "sessions with records: {} (head count in {counted})\n",
        stats.sessions.len()
    );
    text += &format!(
        "postmortems: {}, learnings: {}\n",
        stats.postmortems, stats.learnings
    );
    if stats.sessions_left_out > 0 {
        text += &format!(
            "left out: {} session records that disagree with the schedule (held on a skipped week or the reverse, off the weekly rule, or after today)\n",
            stats.sessions_left_out
        );
    }
    text
}
