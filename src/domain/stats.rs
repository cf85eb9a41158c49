//! Statistics of one meeting: held and skipped weeks per year, attendance per
//! held session, agenda items by kind and the most frequent learning tags.
//!
//! The schedule decides which weeks were held or skipped, not the stored
//! sessions alone: most weeks never get a record, and a holiday week is
//! skipped whether or not anybody wrote that down. The log adds what only it
//! knows (answers, head counts, agenda items, learnings).

use crate::domain::actions::{Action, ActionState};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use super::incidents::Incident;
use super::log::{AgendaKind, Learning, Postmortem, Session, SessionStatus};
use super::schedule::{Occurrence, SkipReason, Status};

/// How many tags `top_tags` keeps.
pub const TOP_TAGS: usize = 10;

/// Everything `stats` shows, as computed from the schedule and the log.
/// Serialized as the `stats --format json` output; fields are only ever added.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub meeting: String,
    /// The last day counted (today in the meeting's time zone).
    pub until: NaiveDate,
    /// One entry per calendar year from the first session to `until`.
    pub years: Vec<YearStats>,
    /// Held sessions the log has a record of, oldest first.
    pub sessions: Vec<SessionPoint>,
    /// Agenda items of those sessions, by kind; an item carried over from
    /// one session to the next counts once, where it was first put.
    pub agenda: KindCounts,
    /// Most frequent learning tags, most frequent first (ties by name).
    pub top_tags: Vec<TagCount>,
    pub postmortems: u32,
    pub learnings: u32,
    /// Session records up to `until` that disagree with the schedule (held on
    /// a skipped week or the reverse) or lie off the weekly rule: left out
    /// above, counted so nothing vanishes silently. Records after `until`
    /// (facilitators assigned ahead, topics added) are simply not due yet.
    pub sessions_left_out: u32,
    /// Incidents from the alert hooks, per week beside the sessions held.
    pub incidents: IncidentStats,
    /// Prevention actions created up to `until`, and how they get done.
    pub actions: ActionStats,
}

/// The meeting's prevention actions: how many in each state on `until`,
/// how many done by their due date, and the median days from creation to done.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActionStats {
    pub total: u32,
    pub open: u32,
    pub overdue: u32,
    pub done: u32,
    pub dropped: u32,
    /// Done actions that had a due date, and those done by it.
    pub done_with_due: u32,
    pub done_on_time: u32,
    pub median_days_to_close: Option<f64>,
}

impl ActionStats {
    /// The share done by their due date, in whole percent.
    pub fn on_time_percent(&self) -> Option<u32> {
        (self.done_with_due > 0).then(|| {
            (f64::from(self.done_on_time) * 100.0 / f64::from(self.done_with_due)).round() as u32
        })
    }
}

fn action_stats(meeting: &str, actions: &[Action], until: NaiveDate) -> ActionStats {
    let ours: Vec<&Action> = actions
        .iter()
        .filter(|a| a.meeting == meeting && a.created <= until)
        .collect();
    let mut stats = ActionStats {
        total: saturating_u32(ours.len()),
        ..ActionStats::default()
    };
    for (state, count) in crate::domain::actions::count_by_state(ours.iter().copied(), until) {
        let count = saturating_u32(count);
        match state {
            ActionState::Open => stats.open = count,
            ActionState::Overdue => stats.overdue = count,
            ActionState::Done => stats.done = count,
            ActionState::Dropped => stats.dropped = count,
        }
    }
    let figures = crate::domain::actions::closing_figures(ours.iter().copied());
    stats.done_with_due = saturating_u32(figures.done_with_due);
    stats.done_on_time = saturating_u32(figures.done_on_time);
    stats.median_days_to_close = figures.median_days_to_close;
    stats
}

/// The meeting's incidents up to `until`, and how many were presented.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IncidentStats {
    pub total: u32,
    /// Those that lasted at least `[alerts] min_duration_minutes`: the ones
    /// a call for topics proposes.
    pub above_minimum: u32,
    pub min_minutes: u32,
    /// Of those, the ones an agenda item presents (any session).
    pub presented: u32,
    /// `presented / above_minimum`, 0 to 1; null when none lasted long enough.
    pub presented_share: Option<f64>,
    /// Every week (by its Monday, in the meeting's zone) from the first
    /// incident's to `until`'s: incidents that started, sessions held.
    pub weeks: Vec<IncidentWeek>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IncidentWeek {
    pub week: NaiveDate,
    pub incidents: u32,
    pub sessions_held: u32,
}

/// What the incident figures are read from.
#[derive(Debug, Clone, Copy)]
pub struct IncidentView<'a> {
    pub incidents: &'a [Incident],
    pub zone: Tz,
    pub min_minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct YearStats {
    pub year: i32,
    pub held: u32,
    pub skipped: u32,
    pub skipped_by: SkipCounts,
    /// Agenda items of the held sessions of this year, by kind.
    pub agenda: KindCounts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SkipCounts {
    pub holiday: u32,
    pub skip_date: u32,
    pub cancelled: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    pub incident: u32,
    pub dashboard: u32,
    pub topic: u32,
    pub other: u32,
}

impl KindCounts {
    pub fn get(&self, kind: AgendaKind) -> u32 {
        match kind {
            AgendaKind::Incident => self.incident,
            AgendaKind::Dashboard => self.dashboard,
            AgendaKind::Topic => self.topic,
            AgendaKind::Other => self.other,
        }
    }

    pub fn total(&self) -> u32 {
        AgendaKind::ALL.into_iter().map(|k| self.get(k)).sum()
    }

    fn add(&mut self, kind: AgendaKind) {
        let slot = match kind {
            AgendaKind::Incident => &mut self.incident,
            AgendaKind::Dashboard => &mut self.dashboard,
            AgendaKind::Topic => &mut self.topic,
            AgendaKind::Other => &mut self.other,
        };
        *slot += 1;
    }
}

/// One held session with what the log knows about who came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SessionPoint {
    pub date: NaiveDate,
    /// The schedule's number, which is the one people see in `plan`.
    pub number: u32,
    pub going: u32,
    pub maybe: u32,
    pub not_going: u32,
    /// Counted by the facilitator; `null` when nobody counted.
    pub present: Option<u32>,
    /// Whether anybody answered: when `false`, `going`, `maybe` and
    /// `not_going` are unknown (a gap), not zero.
    pub rsvp_recorded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagCount {
    pub tag: String,
    pub count: u32,
}

/// What `compute` reads from the log; borrowed so callers keep their document.
#[derive(Debug, Clone, Copy)]
pub struct LogView<'a> {
    pub sessions: &'a [Session],
    pub postmortems: &'a [Postmortem],
    pub learnings: &'a [Learning],
    pub actions: &'a [Action],
}

/// Computes the statistics of `meeting`.
///
/// `occurrences` are the meeting's schedule from its first session up to and
/// including `until` (cancellations from the log already applied, as `plan`
/// does); occurrences after `until` are ignored.
pub fn compute(
    meeting: &str,
    occurrences: impl IntoIterator<Item = Occurrence>,
    log: LogView<'_>,
    incidents: IncidentView<'_>,
    until: NaiveDate,
) -> Stats {
    let mut years: BTreeMap<i32, YearStats> = BTreeMap::new();
    // Every counted week: `Some(number)` when held, `None` when skipped.
    let mut weeks: HashMap<NaiveDate, Option<u32>> = HashMap::new();
    for occurrence in occurrences.into_iter().take_while(|o| o.date <= until) {
        let year = occurrence.date.year();
        let entry = years.entry(year).or_insert_with(|| empty_year(year));
        match &occurrence.status {
            Status::Held { number } => {
                entry.held += 1;
                weeks.insert(occurrence.date, Some(*number));
            }
            Status::Skipped(reason) => {
                entry.skipped += 1;
                weeks.insert(occurrence.date, None);
                match reason {
                    SkipReason::Holiday(_) => entry.skipped_by.holiday += 1,
                    SkipReason::SkipDate | SkipReason::Closure(_) => {
                        entry.skipped_by.skip_date += 1
                    }
                    SkipReason::Cancelled => entry.skipped_by.cancelled += 1,
                }
            }
        }
    }

    let mut sessions = Vec::new();
    let mut agenda = KindCounts::default();
    let mut sessions_left_out = 0;
    let ours: Vec<&Session> = log
        .sessions
        .iter()
        .filter(|s| s.meeting == meeting)
        .collect();
    // Items that moved on, by the session they left: their copies are not new.
    let moved_on: HashSet<(NaiveDate, &str)> = ours
        .iter()
        .flat_map(|s| {
            s.agenda
                .iter()
                .filter(|i| i.carried_to.is_some())
                .map(|i| (s.date, i.title.as_str()))
        })
        .collect();
    for session in ours.into_iter().filter(|s| s.date <= until) {
        let number = match (weeks.get(&session.date), session.status) {
            (Some(Some(number)), SessionStatus::Held) => *number,
            // A skipped week with a record saying so: counted as skipped above.
            (Some(None), SessionStatus::Skipped) => continue,
            // The record and the schedule disagree (a held record on a holiday,
            // a skipped record on a held week), or the date is off the weekly
            // rule: no attendance is invented, but it is counted.
            _ => {
                sessions_left_out += 1;
                continue;
            }
        };
        let counts = session.rsvp_counts();
        sessions.push(SessionPoint {
            date: session.date,
            number,
            going: counts.going,
            maybe: counts.maybe,
            not_going: counts.not_going,
            present: counts.present,
            rsvp_recorded: session.has_rsvp_data(),
        });
        let year = years
            .entry(session.date.year())
            .or_insert_with(|| empty_year(session.date.year()));
        let first_put = session.agenda.iter().filter(|i| {
            i.carried_from
                .is_none_or(|from| !moved_on.contains(&(from, i.title.as_str())))
        });
        for item in first_put {
            agenda.add(item.kind);
            year.agenda.add(item.kind);
        }
    }
    sessions.sort_by_key(|p| p.date);

    let learnings: Vec<&Learning> = log
        .learnings
        .iter()
        .filter(|l| l.meeting == meeting && l.date <= until)
        .collect();
    let postmortems = log
        .postmortems
        .iter()
        .filter(|p| p.meeting == meeting && p.date <= until)
        .count();

    Stats {
        meeting: meeting.to_string(),
        until,
        years: years.into_values().collect(),
        sessions,
        agenda,
        top_tags: top_tags(&learnings, TOP_TAGS),
        postmortems: saturating_u32(postmortems),
        learnings: saturating_u32(learnings.len()),
        sessions_left_out,
        incidents: incident_stats(meeting, incidents, log.sessions, &weeks, until),
        actions: action_stats(meeting, log.actions, until),
    }
}

/// The Monday of `date`'s week.
fn week_of(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(date.weekday().num_days_from_monday().into()))
        .unwrap_or(date)
}

fn incident_stats(
    meeting: &str,
    view: IncidentView<'_>,
    sessions: &[Session],
    weeks: &HashMap<NaiveDate, Option<u32>>,
    until: NaiveDate,
) -> IncidentStats {
    // An incident still firing has lasted until the end of `until`.
    let end_of_until = until
        .checked_add_days(Days::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| view.zone.from_local_datetime(&t).earliest())
        .map(|t| t.to_utc());
    let ours: Vec<&Incident> = view
        .incidents
        .iter()
        .filter(|i| i.meeting == meeting)
        .filter(|i| i.start.with_timezone(&view.zone).date_naive() <= until)
        .collect();
    let presented_ids: HashSet<&str> = sessions
        .iter()
        .filter(|s| s.meeting == meeting)
        .flat_map(|s| s.agenda.iter().filter_map(|i| i.incident.as_deref()))
        .collect();
    let above: Vec<&&Incident> = ours
        .iter()
        .filter(|i| end_of_until.is_some_and(|now| i.lasted_at_least(view.min_minutes, now)))
        .collect();
    let presented = above
        .iter()
        .filter(|i| presented_ids.contains(i.id.as_str()))
        .count();
    let mut per_week: BTreeMap<NaiveDate, IncidentWeek> = BTreeMap::new();
    let first_week = ours
        .iter()
        .map(|i| week_of(i.start.with_timezone(&view.zone).date_naive()))
        .min();
    if let Some(first) = first_week {
        let mut week = first;
        while week <= until {
            per_week.insert(
                week,
                IncidentWeek {
                    week,
                    incidents: 0,
                    sessions_held: 0,
                },
            );
            match week.checked_add_days(Days::new(7)) {
                Some(next) => week = next,
                None => break,
            }
        }
    }
    for incident in &ours {
        let week = week_of(incident.start.with_timezone(&view.zone).date_naive());
        if let Some(entry) = per_week.get_mut(&week) {
            entry.incidents += 1;
        }
    }
    for (date, held) in weeks {
        if held.is_some()
            && let Some(entry) = per_week.get_mut(&week_of(*date))
        {
            entry.sessions_held += 1;
        }
    }
    IncidentStats {
        total: saturating_u32(ours.len()),
        above_minimum: saturating_u32(above.len()),
        min_minutes: view.min_minutes,
        presented: saturating_u32(presented),
        presented_share: (!above.is_empty()).then(|| presented as f64 / above.len() as f64),
        weeks: per_week.into_values().collect(),
    }
}

fn empty_year(year: i32) -> YearStats {
    YearStats {
        year,
        held: 0,
        skipped: 0,
        skipped_by: SkipCounts::default(),
        agenda: KindCounts::default(),
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Tags by how many learnings carry them. A tag written twice on one
/// learning counts once, and surrounding spaces do not make a new tag.
fn top_tags(learnings: &[&Learning], limit: usize) -> Vec<TagCount> {
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for learning in learnings {
        let tags: BTreeSet<&str> = learning
            .tags
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        for tag in tags {
            *counts.entry(tag).or_default() += 1;
        }
    }
    let mut ranked: Vec<TagCount> = counts
        .into_iter()
        .map(|(tag, count)| TagCount {
            tag: tag.to_string(),
            count,
        })
        .collect();
    ranked.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
    ranked.truncate(limit);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::holidays::JapaneseHolidays;
    use crate::domain::log::{AgendaItem, Attendance, RsvpStatus, SkipCode, cancelled_dates};
    use crate::domain::schedule::WeeklyRule;
    use chrono::{NaiveTime, TimeDelta, Weekday};

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn rule() -> WeeklyRule {
        WeeklyRule {
            timezone: chrono_tz::Asia::Tokyo,
            weekday: Weekday::Wed,
            start_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            duration: TimeDelta::minutes(60),
            first_session: date("2019-02-06"),
            skip_japanese_holidays: true,
            skip_dates: BTreeSet::from([date("2026-12-30")]),
            closures: Vec::new(),
        }
    }

    fn item(title: &str, kind: AgendaKind) -> AgendaItem {
        // Through serde so the helper does not depend on every optional field.
        serde_json::from_value(serde_json::json!({"title": title, "kind": kind})).unwrap()
    }

    fn learning(day: &str, tags: &[&str]) -> Learning {
        Learning {
            id: String::new(),
            meeting: "weekly".into(),
            date: date(day),
            text: format!("learned on {day}"),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            author: None,
            author_id: None,
        }
    }

    fn stats_of(sessions: &[Session], learnings: &[Learning], until: &str) -> Stats {
        let holidays = JapaneseHolidays::embedded();
        let rule = rule();
        let cancelled = cancelled_dates(sessions, "weekly");
        let log = LogView {
            sessions,
            postmortems: &[],
            learnings,
            actions: &[],
        };
        compute(
            "weekly",
            crate::domain::schedule::Schedule::new(&rule, &holidays, &cancelled)
                .between(rule.first_session, date(until)),
            log,
            IncidentView {
                incidents: &[],
                zone: chrono_tz::Asia::Tokyo,
                min_minutes: 5,
            },
            date(until),
        )
    }

    #[test]
    fn years_count_held_and_skipped_weeks_by_reason_from_the_schedule() {
        let mut cancelled = Session::new("weekly", date("2026-12-23"));
        cancelled.status = SessionStatus::Skipped;
        cancelled.reason = Some(SkipCode::Cancelled);
        let stats = stats_of(&[cancelled], &[], "2026-12-31");

        let first = stats.years.first().unwrap();
        assert_eq!(first.year, 2019);
        let y2026 = stats.years.iter().find(|y| y.year == 2026).unwrap();
        // 2026 has 52 Wednesdays; 02-11, 04-29, 05-06, 09-23 are holidays, 12-30 a day off.
        assert_eq!(y2026.held + y2026.skipped, 52);
        assert_eq!(
            y2026.skipped_by,
            SkipCounts {
                holiday: 4,
                skip_date: 1,
                cancelled: 1
            }
        );
        assert_eq!(y2026.skipped, 6);
        assert_eq!(stats.years.last().unwrap().year, 2026);
        // A year without records still counts its weeks.
        let y2020 = stats.years.iter().find(|y| y.year == 2020).unwrap();
        assert!(y2020.held > 40, "{y2020:?}");
        assert!(stats.sessions.is_empty());
        assert_eq!(stats.sessions_left_out, 0, "the cancelled record agrees");
    }

    #[test]
    fn held_sessions_carry_answers_head_counts_and_the_schedule_number() {
        let mut answered = Session::new("weekly", date("2026-11-18"));
        answered.number = Some(999); // a stale imported number; the schedule wins
        answered.rsvps.insert("sato".into(), RsvpStatus::Going);
        answered.rsvps.insert("tanaka".into(), RsvpStatus::Maybe);
        answered.attendance.present = Some(4);
        answered.agenda = vec![
            item("DB failover", AgendaKind::Incident),
            item("Latency board", AgendaKind::Dashboard),
        ];
        let mut imported = Session::new("weekly", date("2025-01-08"));
        imported.attendance = Attendance {
            going: 7,
            maybe: 2,
            not_going: 1,
            present: None,
        };
        imported.agenda = vec![item("Open talk", AgendaKind::Topic)];
        let holiday = Session::new("weekly", date("2026-04-29")); // 昭和の日
        let future = Session::new("weekly", date("2026-12-09"));
        let other_meeting = Session::new("other", date("2026-11-18"));
        // Says "holiday" on a week the schedule holds: it disagrees, so it is left out.
        let mut stale_skip = Session::new("weekly", date("2026-11-11"));
        stale_skip.status = SessionStatus::Skipped;
        stale_skip.reason = Some(SkipCode::Holiday);

        let stats = stats_of(
            &[
                answered,
                imported,
                holiday,
                future,
                other_meeting,
                stale_skip,
            ],
            &[],
            "2026-11-29",
        );
        let dates: Vec<String> = stats.sessions.iter().map(|s| s.date.to_string()).collect();
        assert_eq!(dates, ["2025-01-08", "2026-11-18"], "oldest first");
        let latest = stats.sessions[1];
        assert_eq!(
            (latest.going, latest.maybe, latest.not_going, latest.present),
            (1, 1, 0, Some(4))
        );
        assert_ne!(latest.number, 999);
        let (rule, holidays, none) = (rule(), JapaneseHolidays::embedded(), BTreeSet::new());
        let scheduled = crate::domain::schedule::Schedule::new(&rule, &holidays, &none)
            .between(date("2026-11-18"), date("2026-11-18"))
            .next()
            .and_then(|o| o.number());
        assert_eq!(Some(latest.number), scheduled);
        assert_eq!(stats.sessions[0].going, 7);
        assert_eq!(
            stats.agenda,
            KindCounts {
                incident: 1,
                dashboard: 1,
                topic: 1,
                other: 0
            }
        );
        let y2025 = stats.years.iter().find(|y| y.year == 2025).unwrap();
        assert_eq!(y2025.agenda.topic, 1);
        assert_eq!(y2025.agenda.total(), 1);
        assert_eq!(
            stats.sessions_left_out, 2,
            "the holiday and the stale skip; the future record is not due yet"
        );
        assert!(stats.sessions.iter().all(|s| s.rsvp_recorded));
        assert_eq!(stats.until, date("2026-11-29"));
        assert_eq!(stats.years.last().unwrap().year, 2026);
    }

    #[test]
    fn a_carried_item_counts_once_and_a_session_nobody_answered_for_is_a_gap() {
        let carried = |title: &str, from: Option<&str>, to: Option<&str>| {
            let mut item = item(title, AgendaKind::Incident);
            item.carried_from = from.map(date);
            item.carried_to = to.map(date);
            item
        };
        let mut first = Session::new("weekly", date("2026-11-04"));
        first.rsvps.insert("sato".into(), RsvpStatus::Going);
        first.agenda = vec![carried("Disk full", None, Some("2026-11-11"))];
        // Carried twice, and a facilitator assigned ahead; nobody answered.
        let mut second = Session::new("weekly", date("2026-11-11"));
        second.facilitator = Some("tanaka".into());
        second.agenda = vec![carried("Disk full", Some("2026-11-04"), Some("2026-11-18"))];
        let mut third = Session::new("weekly", date("2026-11-18"));
        third.agenda = vec![
            carried("Disk full", Some("2026-11-11"), None),
            // Its first session is not in this log: it counts here.
            carried("Paging storm", Some("2026-10-28"), None),
        ];
        let mut ahead = Session::new("weekly", date("2026-12-09"));
        ahead.facilitator = Some("suzuki".into());

        let stats = stats_of(&[first, second, third, ahead], &[], "2026-11-29");
        assert_eq!(stats.agenda.incident, 2, "{:?}", stats.agenda);
        let recorded: Vec<bool> = stats.sessions.iter().map(|s| s.rsvp_recorded).collect();
        assert_eq!(recorded, [true, false, false]);
        assert_eq!(
            stats.sessions_left_out, 0,
            "a facilitator assigned ahead is no warning"
        );
    }

    #[test]
    fn top_tags_count_learnings_not_mentions_and_break_ties_by_name() {
        let mut learnings = vec![
            learning("2026-01-07", &["db", "db", " alerting "]),
            learning("2026-01-14", &["db", "alerting"]),
            learning("2026-01-21", &["network"]),
            learning("2026-01-28", &["backup", ""]),
            learning("2027-01-06", &["future"]),
        ];
        for i in 0..12 {
            learnings.push(learning("2025-06-04", &[&format!("t{i:02}")]));
        }
        let stats = stats_of(&[], &learnings, "2026-11-29");
        let top: Vec<(&str, u32)> = stats
            .top_tags
            .iter()
            .map(|t| (t.tag.as_str(), t.count))
            .collect();
        assert_eq!(top.len(), TOP_TAGS);
        assert_eq!(
            &top[..5],
            &[
                ("alerting", 2),
                ("db", 2),
                ("backup", 1),
                ("network", 1),
                ("t00", 1)
            ]
        );
        assert_eq!(stats.learnings, 16, "the future learning is not counted");
    }

    #[test]
    fn an_empty_log_before_the_first_session_has_no_years() {
        let stats = stats_of(&[], &[], "2019-01-01");
        assert!(stats.years.is_empty());
        assert!(stats.sessions.is_empty());
        assert_eq!(stats.agenda.total(), 0);
        assert_eq!((stats.postmortems, stats.learnings), (0, 0));
    }
}
