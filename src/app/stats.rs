//! Statistics of a meeting: the numbers behind `stats` and `/stats`, as the
//! schedule and the log say, and their text summary.

use chrono::NaiveDate;

use super::{Context, Said, UserError};
use crate::config::Meeting;
use crate::domain::holidays::HolidayCalendar;
use crate::domain::language::Language;
use crate::domain::log::{AgendaKind, cancelled_dates};
use crate::domain::schedule::Schedule;
use crate::domain::stats::{self, IncidentView, LogView, Stats};
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

/// The summary in its parts and the chart as SVG, for the web page `/stats`.
pub(crate) fn summary_with_svg(
    ctx: &Context,
    min_minutes: u32,
) -> Result<(StatsText, String), UserError> {
    let stats = meeting_stats(ctx, min_minutes)?;
    let svg = stats_chart::render_svg(&stats, &ctx.meeting.title, ctx.language)
        .map_err(|e| chart_failed(&e, ctx.language))?;
    Ok((render_parts(ctx.meeting, &stats, ctx.language), svg))
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
        actions: &document.actions,
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

/// The statistics as the web page lays them out: the heading, a row a year
/// (and the total), then the other lines; [`render_text`] joins them.
pub(crate) struct StatsText {
    pub heading: String,
    /// The year (or the total, `None`) and its counts.
    pub years: Vec<YearCounts>,
    pub rest: Vec<String>,
}

/// A row a year, and the total when there is more than one year.
fn year_rows(stats: &Stats) -> Vec<YearCounts> {
    let mut years: Vec<YearCounts> = stats
        .years
        .iter()
        .map(|y| YearCounts {
            year: Some(y.year),
            held: y.held,
            skipped: y.skipped,
            holiday: y.skipped_by.holiday,
            skip_date: y.skipped_by.skip_date,
            cancelled: y.skipped_by.cancelled,
        })
        .collect();
    if years.len() > 1 {
        let zero = YearCounts {
            year: None,
            held: 0,
            skipped: 0,
            holiday: 0,
            skip_date: 0,
            cancelled: 0,
        };
        let total = years.iter().fold(zero, |t, y| YearCounts {
            year: None,
            held: t.held + y.held,
            skipped: t.skipped + y.skipped,
            holiday: t.holiday + y.holiday,
            skip_date: t.skip_date + y.skip_date,
            cancelled: t.cancelled + y.cancelled,
        });
        years.push(total);
    }
    years
}

pub(crate) fn render_parts(meeting: &Meeting, stats: &Stats, language: Language) -> StatsText {
    let line = |message: Say<'_>| message.say(language);
    let heading = line(Say::Heading {
        title: &meeting.title,
        id: &meeting.id,
        until: stats.until,
    });
    let mut rest = Vec::new();
    if stats.years.is_empty() {
        rest.push(line(Say::NoWeeksYet {
            first_session: meeting.rule.first_session,
        }));
    }
    let years = year_rows(stats);
    let kinds: Vec<(AgendaKind, u32)> = AgendaKind::ALL
        .into_iter()
        .map(|k| (k, stats.agenda.get(k)))
        .collect();
    rest.push(line(Say::AgendaItems {
        counts: &kinds,
        total: stats.agenda.total(),
    }));
    let tags: Vec<(&str, u32)> = stats
        .top_tags
        .iter()
        .map(|t| (t.tag.as_str(), t.count))
        .collect();
    rest.push(line(Say::TopTags { tags: &tags }));
    let counted = stats
        .sessions
        .iter()
        .filter(|s| s.present.is_some())
        .count();
    // A session nobody answered for is unknown, not empty: shown as a gap.
    let answered = stats.sessions.iter().filter(|s| s.rsvp_recorded).count();
    rest.push(line(Say::SessionsWithRecords {
        sessions: stats.sessions.len(),
        answered,
        counted,
    }));
    rest.push(line(Say::PostmortemsAndLearnings {
        postmortems: stats.postmortems,
        learnings: stats.learnings,
    }));
    let actions = &stats.actions;
    if actions.total > 0 {
        rest.push(line(Say::Actions {
            total: actions.total,
            open: actions.open + actions.overdue,
            overdue: actions.overdue,
            done_with_due: actions.done_with_due,
            done_on_time: actions.done_on_time,
            on_time_percent: actions.on_time_percent(),
            median_days: actions.median_days_to_close,
        }));
    }
    let incidents = &stats.incidents;
    rest.push(line(Say::Incidents {
        total: incidents.total,
        weeks: incidents.weeks.len(),
        min_minutes: incidents.min_minutes,
        above: incidents.above_minimum,
        presented: incidents.presented,
    }));
    let latest: Vec<(NaiveDate, u32, u32)> = incidents
        .weeks
        .iter()
        .rev()
        .take(LATEST_WEEKS)
        .rev()
        .map(|w| (w.week, w.incidents, w.sessions_held))
        .collect();
    if !latest.is_empty() {
        rest.push(line(Say::IncidentWeeks { weeks: &latest }));
    }
    if stats.sessions_left_out > 0 {
        rest.push(line(Say::LeftOut {
            sessions: stats.sessions_left_out,
        }));
    }
    StatsText {
        heading,
        years,
        rest,
    }
}

/// The statistics as `stats` prints them: a line each.
pub fn render_text(meeting: &Meeting, stats: &Stats, language: Language) -> String {
    let parts = render_parts(meeting, stats, language);
    let mut text = parts.heading + "\n";
    for counts in parts.years {
        text += &Say::Year { counts }.say(language);
        text += "\n";
    }
    for line in parts.rest {
        text += &line;
        text += "\n";
    }
    text
}
