//! `plan`: the schedule of held and skipped weeks, for people (text) and for programs (JSON).

use std::io::Write;

use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate, SecondsFormat};
use clap::Args;
use serde::Serialize;

use super::log_access::LogAccess;
use super::{CliError, Env, OutputFormat};
use crate::config::Meeting;
use crate::domain::holidays::JapaneseHolidays;
use crate::domain::language::Language;
use crate::domain::log::{Session, cancelled_dates};
use crate::domain::rotation::assign;
use crate::domain::schedule::{Occurrence, Schedule, SkipReason, Status};
use crate::messages::Message;
use crate::messages::cli::Cli as Say;
use crate::messages::dates::day_with_year;
use std::collections::BTreeMap;

/// Longest range `plan` accepts, so a typo in a year cannot print millennia.
const MAX_RANGE_DAYS: u64 = 36_525;

#[derive(Debug, Args)]
pub(super) struct PlanArgs {
    /// Only this meeting (default: every configured meeting).
    #[arg(long, value_name = "ID")]
    meeting: Option<String>,
    /// First date to show, YYYY-MM-DD (default: today in the meeting's time zone).
    #[arg(long, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Last date to show, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", conflicts_with = "weeks")]
    until: Option<NaiveDate>,
    /// Number of weeks to show from --from.
    #[arg(long, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=5218))]
    weeks: u64,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

/// One line of `plan --format json`; the field names are a contract.
#[derive(Debug, Serialize)]
pub(super) struct PlanEntry {
    pub meeting: String,
    pub date: NaiveDate,
    pub start: String,
    pub end: String,
    pub status: &'static str,
    pub reason: Option<&'static str>,
    pub holiday: Option<String>,
    pub number: Option<u32>,
    /// The yearly closure that skips the week (its `reason` is `skip_date`), or null.
    pub closure: Option<String>,
    /// Assigned, or who the rotation will assign (held weeks only).
    pub facilitator: Option<String>,
}

impl PlanEntry {
    pub(super) fn new(meeting: &str, occurrence: &Occurrence, language: Language) -> Self {
        let (status, reason) = match &occurrence.status {
            Status::Held { .. } => ("held", None),
            Status::Skipped(reason) => ("skipped", Some(reason)),
        };
        Self {
            meeting: meeting.to_string(),
            date: occurrence.date,
            start: occurrence.start.to_rfc3339_opts(SecondsFormat::Secs, false),
            end: occurrence.end.to_rfc3339_opts(SecondsFormat::Secs, false),
            status,
            reason: reason.map(SkipReason::code),
            holiday: reason
                .and_then(SkipReason::holiday)
                .map(|h| h.name(language).to_string()),
            number: occurrence.number(),
            closure: occurrence.closure().map(str::to_string),
            facilitator: None,
        }
    }
}

pub(super) fn run(env: &Env, args: &PlanArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let meetings: Vec<&Meeting> = match &args.meeting {
        Some(id) => vec![env.require_meeting(id)?],
        None => env.config.meetings.iter().collect(),
    };
    let language = env.config.daemon.language;
    let holidays = current_holidays(env)?;
    let document = LogAccess::for_reading(env)?.export()?;
    let sessions = document.sessions;
    let now = env.clock.now();

    let mut sections = Vec::new();
    for meeting in meetings {
        let today = meeting.rule.day_of(now);
        let (from, until) = range(env, args, today)?;
        let cancelled = cancelled_dates(&sessions, &meeting.id);
        let schedule = Schedule::new(&meeting.rule, &holidays, &cancelled);
        let occurrences: Vec<Occurrence> = schedule.between(from, until).collect();
        let people = &env.config.people;
        let roster: Vec<String> = document
            .rosters
            .get(&meeting.id)
            .unwrap_or(&meeting.facilitators)
            .iter()
            .map(|entry| people.canonical(entry))
            .collect();
        let shown = |key: &str| {
            people
                .by_name(key)
                .map(|p| p.display_name().to_string())
                .or_else(|| {
                    document
                        .people
                        .iter()
                        .find(|p| p.name == key)
                        .map(|p| p.display.clone())
                })
                .unwrap_or_else(|| key.to_string())
        };
        let facilitators: BTreeMap<NaiveDate, String> =
            facilitators(meeting, people, schedule, &sessions, &roster, until, now)
                .into_iter()
                .map(|(date, key)| (date, shown(&key)))
                .collect();
        let occurrences = occurrences
            .into_iter()
            .map(|o| {
                let who = if o.is_held() {
                    facilitators.get(&o.date).cloned()
                } else {
                    None
                };
                (o, who)
            })
            .collect::<Vec<_>>();
        sections.push((meeting, occurrences));
    }

    let text = match args.format {
        OutputFormat::Json => {
            let mut entries: Vec<PlanEntry> = sections
                .iter()
                .flat_map(|(m, occurrences)| {
                    occurrences.iter().map(|(o, who)| PlanEntry {
                        facilitator: who.clone(),
                        ..PlanEntry::new(&m.id, o, language)
                    })
                })
                .collect();
            entries.sort_by(|a, b| (a.date, &a.meeting).cmp(&(b.date, &b.meeting)));
            serde_json::to_string_pretty(&entries).context("encoding the plan as JSON")? + "\n"
        }
        OutputFormat::Text => sections
            .iter()
            .map(|(m, occurrences)| render_text(m, occurrences, &sessions, language))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    Ok(())
}

/// Each held week's facilitator: the one assigned, or who the rotation will
/// assign, without storing anything.
fn facilitators(
    meeting: &Meeting,
    people: &crate::domain::people::People,
    schedule: Schedule<'_>,
    sessions: &[Session],
    roster: &[String],
    until: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> BTreeMap<NaiveDate, String> {
    let stored = |date: NaiveDate| {
        sessions
            .iter()
            .find(|s| s.meeting == meeting.id && s.date == date)
            .and_then(|s| s.facilitator.clone())
    };
    let held: Vec<Occurrence> = schedule
        .between(meeting.rule.first_session, until)
        .filter(Occurrence::is_held)
        .collect();
    let history: Vec<(NaiveDate, Option<String>)> = held
        .iter()
        .map(|o| (o.date, stored(o.date).map(|f| people.canonical(&f))))
        .collect();
    let upcoming: Vec<NaiveDate> = held
        .iter()
        .filter(|o| o.start > now && stored(o.date).is_none())
        .map(|o| o.date)
        .collect();
    let mut all: BTreeMap<NaiveDate, String> = history
        .iter()
        .filter_map(|(d, f)| f.clone().map(|f| (*d, f)))
        .collect();
    let teams: Vec<Option<String>> = roster
        .iter()
        .map(|key| people.by_name(key).and_then(|p| p.team.clone()))
        .collect();
    all.extend(assign(roster, &teams, &history, &upcoming));
    all
}

pub(super) fn current_holidays(env: &Env) -> Result<JapaneseHolidays, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    Ok(runtime.block_on(crate::holiday_refresh::current_holidays(
        &env.config.daemon.state_dir,
    )))
}

fn range(env: &Env, args: &PlanArgs, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), CliError> {
    let from = env.typed_date("--from", args.from)?.unwrap_or(today);
    let until = match env.typed_date("--until", args.until)? {
        Some(until) => until,
        None => from
            .checked_add_days(Days::new(args.weeks * 7 - 1))
            .ok_or_else(|| {
                env.usage(Say::WeeksPastCalendar {
                    weeks: args.weeks,
                    from: &from.to_string(),
                })
            })?,
    };
    if from > until {
        return Err(env.usage(Say::FromAfterUntil {
            from: &from.to_string(),
            until: &until.to_string(),
        }));
    }
    if (until - from).num_days() as u64 > MAX_RANGE_DAYS {
        return Err(env.usage(Say::RangeTooLong {
            from: &from.to_string(),
            until: &until.to_string(),
        }));
    }
    Ok((from, until))
}

fn render_text(
    meeting: &Meeting,
    occurrences: &[(Occurrence, Option<String>)],
    sessions: &[Session],
    language: Language,
) -> String {
    let reason = |date: NaiveDate| {
        sessions
            .iter()
            .find(|s| s.meeting == meeting.id && s.date == date)
            .and_then(Session::skip_reason)
    };
    let rule = &meeting.rule;
    let mut text = format!("{} ({}) · {}\n", meeting.title, meeting.id, rule.timezone);
    if occurrences.is_empty() {
        text += &Say::PlanNoSessions.say(language);
        text.push('\n');
        return text;
    }
    for (o, facilitator) in occurrences {
        let number = o
            .number()
            .map(|n| format!("#{n}"))
            .unwrap_or_else(|| "-".into());
        // ISO with the weekday in English; in Japanese the one way messages
        // write a day, with its year since a plan may cross the year's end.
        let date = match language {
            Language::En => format!("{}  {}", o.date, language.weekday_short(o.date.weekday())),
            Language::Ja => format!("{:<14}", day_with_year(o.date, language)),
        };
        text += &format!(
            "{date}  {}-{}  {:>5}  {}\n",
            o.start.format("%H:%M"),
            o.end.format("%H:%M"),
            number,
            status_text(&o.status, reason(o.date), language)
        );
        if let Some(who) = facilitator {
            text.pop();
            text += &format!("  {}\n", Say::PlanFacilitator { who }.say(language));
        }
    }
    text
}

fn status_text(status: &Status, reason: Option<&str>, language: Language) -> String {
    match status {
        Status::Held { .. } => Say::Held,
        Status::Skipped(SkipReason::Holiday(h)) => Say::SkippedHoliday {
            name_ja: &h.name_ja,
            name_en: h.name_en,
        },
        Status::Skipped(SkipReason::Closure(name)) => Say::SkippedClosure { name },
        Status::Skipped(SkipReason::SkipDate) => Say::SkippedDayOff,
        Status::Skipped(SkipReason::Cancelled) => match reason {
            Some(reason) => Say::SkippedCancelledBecause { reason },
            None => Say::SkippedCancelled,
        },
    }
    .say(language)
}
