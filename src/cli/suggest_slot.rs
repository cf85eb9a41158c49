//! `suggest-slot`: asks Google Calendar's free/busy for the attendees (and the people of
//! `--team`s, from the `[[person]]` directory) and prints the weekly slots where most of them
//! are free over the coming weeks, holidays and the meeting's company days off (closures,
//! skip dates) excluded.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use clap::Args;
use serde::Serialize;

use super::{CliError, Env, OutputFormat};
use crate::calendar::connect::connect;
use crate::calendar::google::{CalendarApi, CalendarError};
use crate::domain::language::Language;
use crate::domain::people::closest;
use crate::domain::schedule::{SkipReason, WeeklyRule};
use crate::domain::slots::{
    AttendeeGroup, BusyByAttendee, DailyWindow, RankedSlot, SlotSearch, Suggestions,
    rank_slots_for_groups,
};
use crate::messages::Message;
use crate::messages::cli::Cli as Say;
use crate::messages::config::Explanation;

/// Google refuses a free/busy query spanning much more than 90 days ("The requested time range
/// is too long"); 12 weeks stays under it, so the default 8 weeks is one call.
const MAX_QUERY_SPAN: TimeDelta = TimeDelta::days(84);

#[derive(Debug, Args)]
pub(super) struct SuggestSlotArgs {
    /// People or Google groups to ask about, comma-separated emails (a group counts as one
    /// attendee, free only when all its members are). Repeatable; `--attendee` works too.
    #[arg(
        long,
        visible_alias = "attendee",
        value_name = "EMAILS",
        required_unless_present = "team",
        value_delimiter = ','
    )]
    attendees: Vec<String>,
    /// A team of the `[[person]]` directory: its people's emails are asked about and the team
    /// counts as one attendee, free when `--quorum` of its people are. Repeatable.
    #[arg(long, value_name = "TEAM")]
    team: Vec<String>,
    /// The share of a team's people (those Google could tell about) that must be free for the
    /// team to count as free, from 0 (exclusive) to 1.
    #[arg(long, value_name = "SHARE", default_value_t = 1.0, value_parser = parse_quorum)]
    quorum: f64,
    /// Weeks to look at, starting tomorrow.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=52))]
    weeks: u32,
    /// Meeting length in minutes.
    #[arg(long, value_name = "MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u32).range(15..=480))]
    duration: u32,
    /// Local time range the meeting has to fit in, every day.
    #[arg(long, value_name = "HH:MM-HH:MM", default_value = "10:00-19:00")]
    between: DailyWindow,
    /// Weekdays to consider, comma-separated (mon..sun).
    #[arg(long, value_name = "DAYS", value_delimiter = ',', default_value = "mon,tue,wed,thu,fri", value_parser = parse_weekday)]
    weekdays: Vec<Weekday>,
    /// The meeting whose closures and skip dates are left out, like holidays, and whose time
    /// zone is the default (default: the first configured meeting).
    #[arg(long, value_name = "ID")]
    meeting: Option<String>,
    /// IANA time zone of --between (default: the meeting's).
    #[arg(long, value_name = "ZONE", value_parser = parse_timezone)]
    timezone: Option<Tz>,
    /// How many slots to show.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    top: u32,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

/// Argument values are checked by clap before the config (and its language) is
/// read, and clap frames them in its own English error, so they stay English.
/// A refusal in both languages: clap carries it to `cli/usage.rs`, which
/// says it in the config's.
fn both(message: Say<'_>) -> Explanation {
    Explanation {
        ja: message.ja(),
        en: message.en(),
    }
}

fn parse_weekday(text: &str) -> Result<Weekday, Explanation> {
    text.trim()
        .parse()
        .map_err(|_| both(Say::NotAWeekday { text }))
}

fn parse_quorum(text: &str) -> Result<f64, Explanation> {
    match text.trim().parse::<f64>() {
        Ok(q) if q > 0.0 && q <= 1.0 => Ok(q),
        _ => Err(both(Say::NotAShare { text })),
    }
}

fn parse_timezone(text: &str) -> Result<Tz, Explanation> {
    text.trim()
        .parse()
        .map_err(|_| both(Say::NotATimeZone { text }))
}

/// One element of `suggest-slot --format json`; the field names are a contract.
#[derive(Debug, Serialize)]
struct SlotEntry {
    weekday: &'static str,
    start: String,
    end: String,
    average_free: f64,
    attendees: usize,
    weeks_all_free: u32,
    weeks_considered: u32,
    /// Added with `--team`: per counted team or attendee, the weeks it was free.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<GroupEntry>,
}

#[derive(Debug, Serialize)]
struct GroupEntry {
    name: String,
    weeks_free: u32,
}

impl SlotEntry {
    /// `counted` names the groups (empty: leave `groups` out).
    fn new(slot: &RankedSlot, counted: &[String]) -> Self {
        Self {
            weekday: weekday_name(slot.weekday),
            start: slot.start.format("%H:%M").to_string(),
            end: slot.end.format("%H:%M").to_string(),
            average_free: (slot.average_free() * 100.0).round() / 100.0,
            attendees: slot.attendees,
            weeks_all_free: slot.weeks_all_free,
            weeks_considered: slot.weeks_considered,
            groups: counted
                .iter()
                .zip(&slot.weeks_free)
                .map(|(name, weeks)| GroupEntry {
                    name: name.clone(),
                    weeks_free: *weeks,
                })
                .collect(),
        }
    }
}

pub(super) fn run(env: &Env, args: &SuggestSlotArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let meeting = match &args.meeting {
        Some(id) => env.require_meeting(id)?,
        None => env
            .config
            .meetings
            .first()
            .ok_or_else(|| env.usage(Say::NoMeetingConfigured))?,
    };
    let attendees = attendee_list(&args.attendees, !args.team.is_empty())
        .map_err(|()| env.usage(Say::NoAttendees))?;
    let mut groups = team_groups(env, &args.team, args.quorum)?;
    let team_count = groups.len();
    groups.extend(attendees.iter().map(|a| AttendeeGroup::one(a)));
    // Each email asked about once, whether it came as an attendee or with a team.
    let mut emails: Vec<String> = Vec::new();
    for email in groups.iter().flat_map(|g| &g.emails) {
        if !emails.iter().any(|e| e.eq_ignore_ascii_case(email)) {
            emails.push(email.clone());
        }
    }
    let search = SlotSearch {
        timezone: args.timezone.unwrap_or(meeting.rule.timezone),
        weekdays: weekdays(&args.weekdays),
        window: args.between,
        duration: TimeDelta::minutes(args.duration.into()),
        weeks: args.weeks,
        top: args.top as usize,
    };
    if !search.duration_fits() {
        return Err(env.usage(Say::DurationDoesNotFit {
            duration: args.duration,
            between: &args.between.to_string(),
        }));
    }
    let google = env.config.google.as_ref().ok_or_else(|| {
        env.usage(Say::NoGoogleForSuggestSlot {
            path: &env.config.path.display().to_string(),
        })
    })?;
    let now = env.clock.now();
    let state_dir = &env.config.daemon.state_dir;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (busy, holidays) = runtime.block_on(async {
        let api = connect(google, state_dir).await.map_err(|e| match e {
            CalendarError::Config(_) | CalendarError::Auth(_) => CliError::Usage(e.to_string()),
            _ => CliError::Failure(anyhow::anyhow!(e)),
        })?;
        let (from, until) = search.busy_query_range(now);
        let busy = query_busy(&api, &emails, from, until).await.map_err(|e| {
            env.failure(Say::FreeBusyFailed {
                error: &e.to_string(),
            })
        })?;
        let holidays = crate::holiday_refresh::current_holidays(state_dir).await;
        Ok::<_, CliError>((busy, holidays))
    })?;

    // The meeting's days off, as the schedule names them; holidays always
    // count here, even for a meeting that is held on them.
    let rule = WeeklyRule {
        skip_japanese_holidays: true,
        ..meeting.rule.clone()
    };
    let days_off = |date| rule.day_off(date, &holidays);
    let suggestions = rank_slots_for_groups(&search, now, &groups, &busy, &days_off);
    if suggestions.counted.is_empty() {
        return Err(env.failure(Say::NobodyKnown {
            unknown: &suggestions.unknown.join(", "),
        }));
    }
    let language = env.config.daemon.language;
    let text = match args.format {
        OutputFormat::Json => {
            // The array is the whole contract on stdout, so the unknown ones go to stderr.
            if !suggestions.unknown.is_empty() {
                eprintln!("{}", unknown_line(&suggestions.unknown, language));
            }
            let entries: Vec<SlotEntry> = suggestions
                .slots
                .iter()
                .map(|slot| {
                    let counted: &[String] = if team_count > 0 {
                        &suggestions.counted
                    } else {
                        &[]
                    };
                    SlotEntry::new(slot, counted)
                })
                .collect();
            serde_json::to_string_pretty(&entries).context("encoding the slots as JSON")? + "\n"
        }
        OutputFormat::Text => {
            render_text(&search, now, &suggestions, &groups[..team_count], language)
        }
    };
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    Ok(())
}

/// One group per `--team`: the emails of its people in the directory.
fn team_groups(env: &Env, teams: &[String], quorum: f64) -> Result<Vec<AttendeeGroup>, CliError> {
    let people = &env.config.people;
    let mut groups: Vec<AttendeeGroup> = Vec::new();
    for team in teams {
        let team = team.trim();
        if groups.iter().any(|g| g.name.eq_ignore_ascii_case(team)) {
            continue;
        }
        let members = people.team(team);
        if members.is_empty() {
            let known = people.teams();
            let teams = known.join(", ");
            return Err(env.usage(if known.is_empty() {
                Say::TeamWithoutTeams { team }
            } else {
                Say::TeamUnknown {
                    team,
                    near: closest(team, known.iter().copied()),
                    teams: &teams,
                }
            }));
        }
        let emails: Vec<String> = members.iter().filter_map(|p| p.email.clone()).collect();
        if emails.is_empty() {
            return Err(env.usage(Say::TeamWithoutEmails { team }));
        }
        groups.push(AttendeeGroup {
            name: members[0].team.clone().unwrap_or_else(|| team.to_string()),
            emails,
            quorum,
        });
    }
    Ok(groups)
}

/// Trimmed, without empties, each address once (Google ignores case in them). Empty only
/// when `--team` gives people to ask about.
fn attendee_list(raw: &[String], with_teams: bool) -> Result<Vec<String>, ()> {
    let mut seen = BTreeSet::new();
    let attendees: Vec<String> = raw
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .filter(|a| seen.insert(a.to_lowercase()))
        .map(str::to_string)
        .collect();
    if attendees.is_empty() && !with_teams {
        return Err(());
    }
    Ok(attendees)
}

/// In week order, each once, whatever order they were typed in.
fn weekdays(raw: &[Weekday]) -> Vec<Weekday> {
    let days: BTreeSet<u32> = raw.iter().map(|d| d.num_days_from_monday()).collect();
    days.into_iter()
        .filter_map(|d| Weekday::try_from(d as u8).ok())
        .collect()
}

/// One free/busy call per window Google accepts (the adapter itself splits more than 50
/// attendees). An attendee Google could not tell about in any window stays unknown: a partial
/// answer would count the missing weeks as free.
async fn query_busy(
    api: &dyn CalendarApi,
    attendees: &[String],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<BusyByAttendee, CalendarError> {
    let mut merged: Option<BusyByAttendee> = None;
    for (window_from, window_until) in query_windows(from, until, MAX_QUERY_SPAN) {
        let answer = api.free_busy(attendees, window_from, window_until).await?;
        merged = Some(match merged {
            None => answer,
            Some(mut so_far) => {
                so_far.retain(|attendee, _| answer.contains_key(attendee));
                for (attendee, intervals) in so_far.iter_mut() {
                    intervals.extend(answer.get(attendee).into_iter().flatten().copied());
                }
                so_far
            }
        });
    }
    Ok(merged.unwrap_or_default())
}

/// `from..until` cut into consecutive windows no longer than `span`.
fn query_windows(
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    span: TimeDelta,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut windows = Vec::new();
    let mut start = from;
    while start < until {
        let end = (start + span).min(until);
        windows.push((start, end));
        start = end;
    }
    windows
}

fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// What a day off is called in the slot list: the holiday's or the closure's name.
fn day_off_name(reason: &SkipReason, language: Language) -> String {
    match reason {
        SkipReason::Holiday(holiday) => holiday.name(language).to_string(),
        SkipReason::Closure(name) => name.clone(),
        SkipReason::SkipDate | SkipReason::Cancelled => Say::CompanyDayOff.say(language),
    }
}

fn unknown_line(unknown: &[String], language: Language) -> String {
    Say::UnknownAttendees {
        list: &unknown.join(", "),
    }
    .say(language)
}

fn render_text(
    search: &SlotSearch,
    now: DateTime<Utc>,
    suggestions: &Suggestions,
    teams: &[AttendeeGroup],
    language: Language,
) -> String {
    let first = search.first_date(now);
    let minutes = search.duration.num_minutes();
    let mut text = Say::SlotsHeading {
        timezone: search.timezone.name(),
        weeks: search.weeks,
        first: &first.to_string(),
        minutes,
        window: &search.window.to_string(),
    }
    .say(language)
        + "\n";
    if let Some(first) = teams.first() {
        // Which people each team stands for, and the quorum that makes it free.
        let sizes: Vec<String> = teams
            .iter()
            .map(|g| format!("{} {}", g.name, g.emails.len()))
            .collect();
        let quorum = first.quorum;
        text += &Say::TeamQuorum {
            percent: quorum * 100.0,
            sizes: &sizes.join(", "),
        }
        .say(language);
        text.push('\n');
    }
    if suggestions.slots.is_empty() {
        text += &Say::NoSlot.say(language);
        text.push('\n');
    }
    for (rank, slot) in suggestions.slots.iter().enumerate() {
        let average = slot.average_free();
        let (n, all, k) = (slot.attendees, slot.weeks_all_free, slot.weeks_considered);
        text += &format!(
            "{:>2}. {} {}-{}  ",
            rank + 1,
            language.weekday_short(slot.weekday),
            slot.start.format("%H:%M"),
            slot.end.format("%H:%M"),
        );
        text += &Say::SlotFree {
            average,
            attendees: n,
            all_free: all,
            weeks: k,
        }
        .say(language);
        if !teams.is_empty() {
            let weeks: Vec<String> = suggestions
                .counted
                .iter()
                .zip(&slot.weeks_free)
                .map(|(name, free)| format!("{name} {free}/{k}"))
                .collect();
            text += &format!("  [{}]", weeks.join(", "));
        }
        if !slot.excluded_days.is_empty() {
            let names: Vec<String> = slot
                .excluded_days
                .iter()
                .map(|(date, reason)| format!("{date} {}", day_off_name(reason, language)))
                .collect();
            text += &Say::DaysOffExcluded {
                list: &names.join(", "),
            }
            .say(language);
        }
        text.push('\n');
    }
    if !suggestions.unknown.is_empty() {
        text += &unknown_line(&suggestions.unknown, language);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn long_ranges_are_cut_into_windows_google_accepts() {
        let from = Utc.with_ymd_and_hms(2026, 11, 29, 15, 0, 0).unwrap();
        let eight_weeks = query_windows(from, from + TimeDelta::weeks(8), MAX_QUERY_SPAN);
        assert_eq!(eight_weeks, vec![(from, from + TimeDelta::weeks(8))]);
        let year = query_windows(from, from + TimeDelta::weeks(52), MAX_QUERY_SPAN);
        assert_eq!(year.len(), 5);
        assert_eq!(year.first().map(|w| w.0), Some(from));
        assert_eq!(year.last().map(|w| w.1), Some(from + TimeDelta::weeks(52)));
        assert!(year.windows(2).all(|w| w[0].1 == w[1].0));
        assert!(year.iter().all(|(a, b)| *b - *a <= MAX_QUERY_SPAN));
    }

    #[test]
    fn attendees_are_trimmed_and_deduplicated_ignoring_case() {
        let raw: Vec<String> = [" a@x.com", "B@y.com", "", "A@X.com "]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            attendee_list(&raw, false).unwrap(),
            vec!["a@x.com".to_string(), "B@y.com".to_string()]
        );
        assert!(attendee_list(&[" ".to_string()], false).is_err());
        assert!(
            attendee_list(&[], true).unwrap().is_empty(),
            "--team alone is enough"
        );
    }
}
