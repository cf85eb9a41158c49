//! Statistics of a meeting: the numbers behind `stats` and `/stats`, as the
//! schedule and the log say, and their text summary.

use chrono::NaiveDate;

use super::{Context, Said, UserError};
use crate::config::Meeting;
use crate::domain::holidays::HolidayCalendar;
use crate::domain::language::Language;
use crate::domain::log::{AgendaKind, cancelled_dates};
use crate::domain::schedule::Schedule;
use crate::domain::stats::{self, IncidentView, LogView, SkipCounts, Stats};
use crate::interchange::Document;
use crate::messages::Message;
use crate::messages::stats::{Stats as Say, YearCounts};
use crate::stats_chart;

/// How many weeks of incidents the text shows (JSON has them all).
const LATEST_WEEKS: usize = 4;

/// The summary and the chart for `/stats`; `min_minutes`: `[alerts] min_duration_minutes`.
pub fn summary_with_chart(ctx: &Context, min_minutes: u32) -> Result<(String, Vec<u8>), UserError> {
    let stats = meeting_stats(ctx, min_minutes)?;
    let png = stats_chart::render_png(&stats, &ctx.meeting.title, ctx.language)
        .map_err(|e| chart_failed(&e, ctx.language))?;
    Ok((render_text(ctx.meeting, &stats, ctx.language), png))
}

/// The summary and the chart as SVG, for the web page `/stats`.
pub fn summary_with_svg(ctx: &Context, min_minutes: u32) -> Result<(String, String), UserError> {
    let stats = meeting_stats(ctx, min_minutes)?;
    let svg = stats_chart::render_svg(&stats, &ctx.meeting.title, ctx.language)
        .map_err(|e| chart_failed(&e, ctx.language))?;
    Ok((render_text(ctx.meeting, &stats, ctx.language), svg))
}

/// The meeting's statistics up to today, from the whole log (an export).
fn meeting_stats(ctx: &Context, min_minutes: u32) -> Result<Stats, UserError> {
    let document = ctx.log.export().said(ctx.language)?;
    Ok(compute(
        ctx.meeting,
        &document,
        ctx.holidays,
        ctx.today(),
        min_minutes,
    ))
}

fn chart_failed(e: &stats_chart::ChartError, language: Language) -> UserError {
    UserError(
        Say::ChartFailed {
            error: &e.to_string(),
        }
        .say(language),
    )
}

/// The schedule up to today in the meeting's time zone, with the log's
/// cancellations applied exactly as `plan` applies them.
pub fn compute(
    meeting: &Meeting,
    document: &Document,
    holidays: &dyn HolidayCalendar,
    today: NaiveDate,
    min_minutes: u32,
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
        IncidentView {
            incidents: &document.incidents,
            zone: meeting.rule.timezone,
            min_minutes,
        },
        today,
    )
}

fn year_line(
    year: Option<i32>,
    held: u32,
    skipped: u32,
    by: SkipCounts,
    language: Language,
) -> String {
    let counts = YearCounts {
        year,
        held,
        skipped,
        holiday: by.holiday,
        skip_date: by.skip_date,
        cancelled: by.cancelled,
    };
    Say::Year { counts }.say(language) + "\n"
}

pub fn render_text(meeting: &Meeting, stats: &Stats, language: Language) -> String {
    let line = |message: Say<'_>| message.say(language) + "\n";
    let mut text = line(Say::Heading {
        title: &meeting.title,
        id: &meeting.id,
        until: stats.until,
    });
    if stats.years.is_empty() {
        text += &line(Say::NoWeeksYet {
            first_session: meeting.rule.first_session,
        });
    }
    let mut total = (0, 0, SkipCounts::default());
    for year in &stats.years {
        text += &year_line(
            Some(year.year),
            year.held,
            year.skipped,
            year.skipped_by,
            language,
        );
        total.0 += year.held;
        total.1 += year.skipped;
        total.2.holiday += year.skipped_by.holiday;
        total.2.skip_date += year.skipped_by.skip_date;
        total.2.cancelled += year.skipped_by.cancelled;
    }
    if stats.years.len() > 1 {
        text += &year_line(None, total.0, total.1, total.2, language);
    }

    let kinds: Vec<(AgendaKind, u32)> = AgendaKind::ALL
        .into_iter()
        .map(|k| (k, stats.agenda.get(k)))
        .collect();
    text += &line(Say::AgendaItems {
        counts: &kinds,
        total: stats.agenda.total(),
    });
    let tags: Vec<(&str, u32)> = stats
        .top_tags
        .iter()
        .map(|t| (t.tag.as_str(), t.count))
        .collect();
    text += &line(Say::TopTags { tags: &tags });
    let counted = stats
        .sessions
        .iter()
        .filter(|s| s.present.is_some())
        .count();
    // A session nobody answered for is unknown, not empty: shown as a gap.
    let answered = stats.sessions.iter().filter(|s| s.rsvp_recorded).count();
    text += &line(Say::SessionsWithRecords {
        sessions: stats.sessions.len(),
        answered,
        counted,
    });
    text += &line(Say::PostmortemsAndLearnings {
        postmortems: stats.postmortems,
        learnings: stats.learnings,
    });
    let incidents = &stats.incidents;
    text += &line(Say::Incidents {
        total: incidents.total,
        weeks: incidents.weeks.len(),
        min_minutes: incidents.min_minutes,
        above: incidents.above_minimum,
        presented: incidents.presented,
    });
    let latest: Vec<(NaiveDate, u32, u32)> = incidents
        .weeks
        .iter()
        .rev()
        .take(LATEST_WEEKS)
        .rev()
        .map(|w| (w.week, w.incidents, w.sessions_held))
        .collect();
    if !latest.is_empty() {
        text += &line(Say::IncidentWeeks { weeks: &latest });
    }
    if stats.sessions_left_out > 0 {
        text += &line(Say::LeftOut {
            sessions: stats.sessions_left_out,
        });
    }
    text
}
