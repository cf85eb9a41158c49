//! Statistics of a meeting: the numbers behind `stats` and `/stats`, as the
//! schedule and the log say, and their text summary.

use chrono::NaiveDate;

use super::{Context, UserError};
use crate::config::Meeting;
use crate::domain::holidays::HolidayCalendar;
use crate::domain::log::{AgendaKind, cancelled_dates};
use crate::domain::schedule::Schedule;
use crate::domain::stats::{self, LogView, SkipCounts, Stats};
use crate::interchange::Document;
use crate::stats_chart;

/// The summary and the chart for `/stats`.
pub fn summary_with_chart(ctx: &Context) -> Result<(String, Vec<u8>), UserError> {
    let document = ctx.log.export()?;
    let stats = compute(ctx.meeting, &document, ctx.holidays, ctx.today());
    let png = stats_chart::render_png(&stats, &ctx.meeting.title, ctx.language)
        .map_err(|e| UserError(format!("the chart could not be drawn: {e}")))?;
    Ok((render_text(ctx.meeting, &stats), png))
}

/// The schedule up to today in the meeting's time zone, with the log's
/// cancellations applied exactly as `plan` applies them.
pub fn compute(
    meeting: &Meeting,
    document: &Document,
    holidays: &dyn HolidayCalendar,
    today: NaiveDate,
) -> Stats {
    let cancelled = cancelled_dates(&document.sessions, &meeting.id);
    let log = LogView {
        sessions: &document.sessions,
        postmortems: &document.postmortems,
        learnings: &document.learnings,
    };
    stats::compute(
        &meeting.id,
        Schedule::new(&meeting.rule, holidays, &cancelled)
            .between(meeting.rule.first_session, today),
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

pub fn render_text(meeting: &Meeting, stats: &Stats) -> String {
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
    let answered = stats.sessions.iter().filter(|s| s.rsvp_recorded).count();
    // A session nobody answered for is unknown, not empty: shown as a gap.
    text += &format!(
        "sessions with records: {} (RSVPs in {answered}, head count in {counted}; the others are gaps, not zeros)\n",
        stats.sessions.len()
    );
    text += &format!(
        "postmortems: {}, learnings: {}\n",
        stats.postmortems, stats.learnings
    );
    if stats.sessions_left_out > 0 {
        text += &format!(
            "left out: {} session records that disagree with the schedule (held on a skipped week or the reverse, or off the weekly rule)\n",
            stats.sessions_left_out
        );
    }
    text
}
