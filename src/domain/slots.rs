//! The slot finder: ranks weekly slots (weekday + local start time) by how many attendees are
//! free across the coming weeks, days off (holidays, closures, skip dates) excluded. Busy intervals come in as data.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

use super::schedule::{SkipReason, local_datetime};

/// Slots start on this grid, counted from the start of the daily window.
pub const SLOT_STEP_MINUTES: i64 = 30;

/// A busy interval: start inclusive, end exclusive.
pub type Interval = (DateTime<Utc>, DateTime<Utc>);

/// Busy intervals per attendee (an email or a group). An attendee absent from the map is
/// unknown, which is never the same as free.
pub type BusyByAttendee = BTreeMap<String, Vec<Interval>>;

/// The local time range a meeting has to fit in, every day (`HH:MM-HH:MM`, start < end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DailyWindowError {
    #[error("expected HH:MM-HH:MM, e.g. 10:00-19:00, got {0:?}")]
    Shape(String),
    #[error("{0:?} is not a time from 00:00 to 23:59")]
    Time(String),
    #[error("the window must end after it starts, got {start}-{end}")]
    Empty { start: String, end: String },
}

impl FromStr for DailyWindow {
    type Err = DailyWindowError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (start, end) = text
            .trim()
            .split_once('-')
            .ok_or_else(|| DailyWindowError::Shape(text.to_string()))?;
        let time = |part: &str| {
            let part = part.trim();
            // `%H:%M` alone would also take "9:5"; a fixed shape keeps typos visible.
            let well_formed = part.len() == 5 && part.as_bytes()[2] == b':';
            well_formed
                .then(|| NaiveTime::parse_from_str(part, "%H:%M").ok())
                .flatten()
                .ok_or_else(|| DailyWindowError::Time(part.to_string()))
        };
        let window = DailyWindow {
            start: time(start)?,
            end: time(end)?,
        };
        if window.start >= window.end {
            return Err(DailyWindowError::Empty {
                start: start.trim().to_string(),
                end: end.trim().to_string(),
            });
        }
        Ok(window)
    }
}

impl fmt::Display for DailyWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// What to look for.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotSearch {
    /// The zone the weekdays and the daily window are meant in.
    pub timezone: Tz,
    pub weekdays: Vec<Weekday>,
    pub window: DailyWindow,
    pub duration: TimeDelta,
    /// Weeks to look at, starting tomorrow (in `timezone`).
    pub weeks: u32,
    /// How many slots to return.
    pub top: usize,
}

impl SlotSearch {
    /// Tomorrow in the search's zone: today is partly gone, so it cannot count as a week.
    pub fn first_date(&self, now: DateTime<Utc>) -> NaiveDate {
        let today = now.with_timezone(&self.timezone).date_naive();
        today.succ_opt().unwrap_or(today)
    }

    /// Every date of the `weeks` weeks starting tomorrow, in order.
    pub fn dates(&self, now: DateTime<Utc>) -> Vec<NaiveDate> {
        let first = self.first_date(now);
        (0..u64::from(self.weeks) * 7)
            .map_while(|offset| first.checked_add_days(Days::new(offset)))
            .collect()
    }

    /// The instants a free/busy query has to cover: local midnight of the first date to local
    /// midnight after the last one.
    pub fn busy_query_range(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let dates = self.dates(now);
        let first = self.first_date(now);
        let last = dates.last().copied().unwrap_or(first);
        let midnight = |date: NaiveDate| {
            local_datetime(self.timezone, date.and_time(NaiveTime::MIN)).with_timezone(&Utc)
        };
        let end = last
            .succ_opt()
            .map(midnight)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        (midnight(first), end)
    }

    /// Local start times on the 30-minute grid whose meeting ends inside the window; empty when
    /// the duration does not fit at all.
    pub fn start_times(&self) -> Vec<NaiveTime> {
        let step = TimeDelta::minutes(SLOT_STEP_MINUTES);
        let window_start = self.window.start.signed_duration_since(NaiveTime::MIN);
        let window_end = self.window.end.signed_duration_since(NaiveTime::MIN);
        if self.duration <= TimeDelta::zero() {
            return Vec::new();
        }
        // Offsets from midnight rather than `NaiveTime` arithmetic, which wraps at midnight.
        std::iter::successors(Some(window_start), |offset| Some(*offset + step))
            .take_while(|offset| *offset + self.duration <= window_end)
            .map(|offset| NaiveTime::MIN + offset)
            .collect()
    }

    /// Whether at least one meeting of `duration` fits in the window.
    pub fn duration_fits(&self) -> bool {
        !self.start_times().is_empty()
    }
}

/// One weekly slot and how it went across the weeks considered.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedSlot {
    pub weekday: Weekday,
    /// Local wall-clock start and end.
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Attendees (or teams) Google could tell about; the unknown ones are not counted.
    pub attendees: usize,
    /// Free attendees (or teams) summed over the weeks considered.
    pub free_total: u64,
    /// Weeks in which every counted attendee (or team) is free.
    pub weeks_all_free: u32,
    /// Weeks whose date for this weekday is not a day off.
    pub weeks_considered: u32,
    /// The days off (holidays, closures, skip dates) that took weeks out of consideration.
    pub excluded_days: Vec<(NaiveDate, SkipReason)>,
    /// Per counted attendee or team (in [`Suggestions::counted`] order): the
    /// weeks it was free.
    pub weeks_free: Vec<u32>,
}

impl RankedSlot {
    /// Attendees free per considered week, on average.
    pub fn average_free(&self) -> f64 {
        if self.weeks_considered == 0 {
            return 0.0;
        }
        self.free_total as f64 / f64::from(self.weeks_considered)
    }

    /// Best first: more attendees free on average, then more weeks with everyone free, then
    /// earlier in the week and in the day.
    fn rank(&self, other: &Self) -> Ordering {
        // Cross-multiplied so that equal averages compare equal (no float rounding).
        let mine = u128::from(self.free_total) * u128::from(other.weeks_considered);
        let theirs = u128::from(other.free_total) * u128::from(self.weeks_considered);
        theirs
            .cmp(&mine)
            .then(other.weeks_all_free.cmp(&self.weeks_all_free))
            .then(
                self.weekday
                    .num_days_from_monday()
                    .cmp(&other.weekday.num_days_from_monday()),
            )
            .then(self.start.cmp(&other.start))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suggestions {
    /// The best `top` slots, best first. Slots with no week left to consider are left out.
    pub slots: Vec<RankedSlot>,
    /// Attendees (or teams) that were counted, in the order asked.
    pub counted: Vec<String>,
    /// Emails Google could not tell about, in the order asked.
    pub unknown: Vec<String>,
}

/// What a slot is ranked for: one attendee, or a team of people that counts as
/// free when at least `quorum` (0 < quorum <= 1) of its members Google could
/// tell about are free.
#[derive(Debug, Clone, PartialEq)]
pub struct AttendeeGroup {
    pub name: String,
    pub emails: Vec<String>,
    pub quorum: f64,
}

impl AttendeeGroup {
    /// An attendee on their own (an email, or a Google group Google answers for as one).
    pub fn one(email: &str) -> Self {
        Self {
            name: email.to_string(),
            emails: vec![email.to_string()],
            quorum: 1.0,
        }
    }

    /// How many of `known` members must be free: at least one, and the quorum
    /// rounded up (a quorum of 0.5 of 3 people is 2).
    fn needed(&self, known: usize) -> usize {
        // The epsilon keeps 0.3 * 10 from rounding up to 4.
        let share = (self.quorum * known as f64 - 1e-9).ceil();
        (share.max(1.0) as usize).min(known)
    }
}

/// Ranks every weekly slot of `search` for `attendees`, given their busy intervals.
pub fn rank_slots(
    search: &SlotSearch,
    now: DateTime<Utc>,
    attendees: &[String],
    busy: &BusyByAttendee,
    days_off: &dyn Fn(NaiveDate) -> Option<SkipReason>,
) -> Suggestions {
    let groups: Vec<AttendeeGroup> = attendees.iter().map(|a| AttendeeGroup::one(a)).collect();
    rank_slots_for_groups(search, now, &groups, busy, days_off)
}

/// Ranks every weekly slot of `search` by how many of `groups` are free. A
/// group none of whose members Google could tell about is not counted.
pub fn rank_slots_for_groups(
    search: &SlotSearch,
    now: DateTime<Utc>,
    groups: &[AttendeeGroup],
    busy: &BusyByAttendee,
    days_off: &dyn Fn(NaiveDate) -> Option<SkipReason>,
) -> Suggestions {
    let mut unknown: Vec<String> = Vec::new();
    for email in groups.iter().flat_map(|g| &g.emails) {
        if !busy.contains_key(email) && !unknown.contains(email) {
            unknown.push(email.clone());
        }
    }
    // Per counted group: its members' calendars and how many must be free.
    let counted: Vec<(&AttendeeGroup, Vec<Vec<Interval>>, usize)> = groups
        .iter()
        .filter_map(|group| {
            let calendars: Vec<Vec<Interval>> = group
                .emails
                .iter()
                .filter_map(|e| busy.get(e))
                .map(|b| merged(b.clone()))
                .collect();
            let needed = group.needed(calendars.len());
            (!calendars.is_empty()).then_some((group, calendars, needed))
        })
        .collect();
    let dates = search.dates(now);
    let start_times = search.start_times();

    let mut slots = Vec::new();
    for &weekday in &search.weekdays {
        let mut excluded_days = Vec::new();
        let mut considered = Vec::new();
        for &date in dates.iter().filter(|d| d.weekday() == weekday) {
            match days_off(date) {
                Some(reason) => excluded_days.push((date, reason)),
                None => considered.push(date),
            }
        }
        if considered.is_empty() {
            continue;
        }
        for &start in &start_times {
            let mut slot = RankedSlot {
                weekday,
                start,
                end: start + search.duration,
                attendees: counted.len(),
                free_total: 0,
                weeks_all_free: 0,
                weeks_considered: considered.len() as u32,
                excluded_days: excluded_days.clone(),
                weeks_free: vec![0; counted.len()],
            };
            for &date in &considered {
                // Built per date so a slot keeps its wall-clock time across DST changes.
                let begins =
                    local_datetime(search.timezone, date.and_time(start)).with_timezone(&Utc);
                let ends = begins + search.duration;
                let mut free = 0;
                for (i, (_, calendars, needed)) in counted.iter().enumerate() {
                    let members_free = calendars
                        .iter()
                        .filter(|busy| is_free(busy, begins, ends))
                        .count();
                    if members_free >= *needed {
                        free += 1;
                        slot.weeks_free[i] += 1;
                    }
                }
                slot.free_total += free as u64;
                if free == counted.len() {
                    slot.weeks_all_free += 1;
                }
            }
            slots.push(slot);
        }
    }
    slots.sort_by(RankedSlot::rank);
    slots.truncate(search.top);
    Suggestions {
        slots,
        counted: counted
            .into_iter()
            .map(|(g, _, _)| g.name.clone())
            .collect(),
        unknown,
    }
}

/// Sorted and non-overlapping, so that both starts and ends ascend and one binary search
/// answers "is anything busy in this range?".
fn merged(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|(start, end)| start < end);
    intervals.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// Free for the whole of `[begins, ends)`: no busy interval overlaps it.
fn is_free(busy: &[Interval], begins: DateTime<Utc>, ends: DateTime<Utc>) -> bool {
    let first_ending_after = busy.partition_point(|(_, end)| *end <= begins);
    busy.get(first_ending_after)
        .is_none_or(|(start, _)| *start >= ends)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::holidays::{HolidayCalendar, JapaneseHolidays};

    /// Days off as the holidays alone: no closures, no skip dates.
    fn holidays_only(holidays: &JapaneseHolidays) -> impl Fn(NaiveDate) -> Option<SkipReason> + '_ {
        |date| holidays.holiday_on(date).map(SkipReason::Holiday)
    }
    use chrono::TimeZone;
    use proptest::prelude::*;

    const WEEKDAYS: [Weekday; 5] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];

    fn time(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M").unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Sunday 2026-11-29 09:00 in Tokyo, as in the end-to-end tests.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).unwrap()
    }

    fn search(weeks: u32) -> SlotSearch {
        SlotSearch {
            timezone: chrono_tz::Asia::Tokyo,
            weekdays: WEEKDAYS.to_vec(),
            window: "10:00-19:00".parse().unwrap(),
            duration: TimeDelta::minutes(60),
            weeks,
            top: 5,
        }
    }

    /// A local wall-clock interval in Tokyo.
    fn tokyo(day: &str, from: &str, to: &str) -> Interval {
        let at = |t: &str| {
            local_datetime(chrono_tz::Asia::Tokyo, date(day).and_time(time(t))).with_timezone(&Utc)
        };
        (at(from), at(to))
    }

    /// Busy all day on every date of the search except in `holes` (weekday, HH:MM, HH:MM).
    fn busy_except(weeks: u32, holes: &[(Weekday, &str, &str)]) -> Vec<Interval> {
        let mut busy = Vec::new();
        for day in search(weeks).dates(now()) {
            let text = day.to_string();
            let mut from = "00:00".to_string();
            let mut day_holes: Vec<_> = holes.iter().filter(|h| h.0 == day.weekday()).collect();
            day_holes.sort_by_key(|h| h.1);
            for (_, hole_start, hole_end) in day_holes {
                busy.push(tokyo(&text, &from, hole_start));
                from = hole_end.to_string();
            }
            busy.push(tokyo(&text, &from, "23:59"));
        }
        busy
    }

    fn people(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn label(slot: &RankedSlot) -> String {
        format!("{} {}", slot.weekday, slot.start.format("%H:%M"))
    }

    /// (input, the parsed start and end, or a part of the error message).
    type WindowCase = (
        &'static str,
        Result<(&'static str, &'static str), &'static str>,
    );

    #[test]
    fn daily_window_parses_and_rejects_what_it_cannot_mean() {
        let cases: &[WindowCase] = &[
            ("10:00-19:00", Ok(("10:00", "19:00"))),
            (" 09:30 - 12:00 ", Ok(("09:30", "12:00"))),
            ("19:00-10:00", Err("must end after it starts")),
            ("10:00-10:00", Err("must end after it starts")),
            ("10:00", Err("expected HH:MM-HH:MM")),
            ("9:00-10:00", Err("is not a time")),
            ("10:00-24:00", Err("is not a time")),
            ("ten-eleven", Err("is not a time")),
        ];
        for (text, expected) in cases {
            let parsed = text.parse::<DailyWindow>();
            match (expected, parsed) {
                (Ok((start, end)), Ok(window)) => {
                    assert_eq!(
                        (window.start, window.end),
                        (time(start), time(end)),
                        "{text}"
                    );
                }
                (Err(message), Err(err)) => {
                    assert!(err.to_string().contains(message), "{text}: {err}");
                }
                (expected, parsed) => panic!("{text}: expected {expected:?}, got {parsed:?}"),
            }
        }
    }

    #[test]
    fn start_times_step_by_30_minutes_and_end_inside_the_window() {
        let mut s = search(1);
        s.window = "10:00-12:00".parse().unwrap();
        assert_eq!(
            s.start_times(),
            vec![time("10:00"), time("10:30"), time("11:00")]
        );
        s.window = "23:00-23:59".parse().unwrap();
        assert!(s.start_times().is_empty(), "60 minutes do not fit in 59");
        assert!(!s.duration_fits());
    }

    #[test]
    fn weeks_start_tomorrow_in_the_search_zone() {
        let s = search(8);
        let dates = s.dates(now());
        assert_eq!(dates.first(), Some(&date("2026-11-30")));
        assert_eq!(dates.last(), Some(&date("2027-01-24")));
        assert_eq!(dates.len(), 56);
        let (from, to) = s.busy_query_range(now());
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 11, 29, 15, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2027, 1, 24, 15, 0, 0).unwrap());
    }

    /// (case, busy per attendee as holes in an otherwise busy calendar, expected best slots with
    /// (average free × weeks considered, weeks all free, weeks considered)).
    type Case = (
        &'static str,
        Vec<(&'static str, Vec<(Weekday, &'static str, &'static str)>)>,
        Vec<(&'static str, u64, u32, u32)>,
    );

    #[test]
    fn a_team_is_free_when_its_quorum_of_people_is() {
        use Weekday::*;
        // SRE: a and b free on Wednesday 17:00, c never; CloudLog: d free on Wednesday and Tuesday.
        let holes = [
            ("a", vec![(Wed, "17:00", "18:00")]),
            ("b", vec![(Wed, "17:00", "18:00"), (Tue, "10:00", "11:00")]),
            ("c", vec![]),
            ("d", vec![(Wed, "17:00", "18:00"), (Tue, "10:00", "11:00")]),
        ];
        let busy: BusyByAttendee = holes
            .iter()
            .map(|(a, h)| (a.to_string(), busy_except(8, h)))
            .collect();
        let team = |name: &str, members: &[&str], quorum: f64| AttendeeGroup {
            name: name.into(),
            emails: people(members),
            quorum,
        };
        let holidays = JapaneseHolidays::embedded();
        let strict = [
            team("SRE", &["a", "b", "c"], 1.0),
            team("CloudLog", &["d"], 1.0),
        ];
        let days_off = holidays_only(&holidays);
        let found = rank_slots_for_groups(&search(8), now(), &strict, &busy, &days_off);
        assert_eq!(found.counted, ["SRE", "CloudLog"]);
        assert_eq!(
            label(&found.slots[0]),
            "Tue 10:00",
            "only CloudLog is ever free"
        );
        assert_eq!(found.slots[0].free_total, 8);
        assert_eq!(found.slots[0].weeks_all_free, 0);

        let half = [
            team("SRE", &["a", "b", "c", "ghost"], 0.5),
            team("CloudLog", &["d"], 0.5),
        ];
        let found = rank_slots_for_groups(&search(8), now(), &half, &busy, &days_off);
        assert_eq!(
            found.unknown,
            ["ghost"],
            "a member Google cannot tell about is not counted"
        );
        let best = &found.slots[0];
        assert_eq!(
            label(best),
            "Wed 17:00",
            "2 of SRE's 3 known people are enough"
        );
        assert_eq!((best.free_total, best.weeks_all_free), (16, 8));
        assert_eq!(best.weeks_free, [8, 8]);
        assert_eq!(label(&found.slots[1]), "Tue 10:00", "1 of 3 is not half");
        assert_eq!(found.slots[1].weeks_free, [0, 8]);
    }

    #[test]
    fn ranking_table() {
        use Weekday::*;
        let cases: Vec<Case> = vec![
            (
                "the one slot where everyone is free wins",
                vec![
                    ("a", vec![(Wed, "17:00", "18:00"), (Tue, "10:00", "11:00")]),
                    ("b", vec![(Wed, "17:00", "18:00"), (Tue, "10:00", "11:00")]),
                    ("c", vec![(Wed, "17:00", "18:00")]),
                ],
                vec![("Wed 17:00", 24, 8, 8), ("Tue 10:00", 16, 0, 8)],
            ),
            (
                "a holiday week does not count against a slot",
                vec![
                    // Monday 2027-01-11 is 成人の日; everyone is free on the other Mondays.
                    ("a", vec![(Mon, "10:00", "11:00"), (Wed, "10:00", "11:00")]),
                    ("b", vec![(Mon, "10:00", "11:00")]),
                ],
                vec![("Mon 10:00", 14, 7, 7), ("Wed 10:00", 8, 0, 8)],
            ),
            (
                "equal averages: more weeks with everyone free first, then earlier",
                vec![
                    ("a", vec![(Thu, "15:00", "16:00"), (Fri, "15:00", "16:00")]),
                    ("b", vec![(Thu, "15:00", "16:00"), (Fri, "15:00", "16:00")]),
                ],
                // Friday has 7 weeks (元日 2027-01-01), all free: same average as Thursday.
                vec![("Thu 15:00", 16, 8, 8), ("Fri 15:00", 14, 7, 7)],
            ),
            (
                "a slot overlapping a busy edge by a minute is not free",
                vec![("a", vec![(Tue, "10:00", "10:59")])],
                vec![("Mon 10:00", 0, 0, 7)],
            ),
        ];
        let holidays = JapaneseHolidays::embedded();
        for (name, calendars, expected) in cases {
            let attendees: Vec<String> = calendars.iter().map(|(a, _)| a.to_string()).collect();
            let busy: BusyByAttendee = calendars
                .iter()
                .map(|(a, holes)| (a.to_string(), busy_except(8, holes)))
                .collect();
            let found = rank_slots(
                &search(8),
                now(),
                &attendees,
                &busy,
                &holidays_only(&holidays),
            );
            for (i, (slot, free_total, all_free, considered)) in expected.iter().enumerate() {
                let got = &found.slots[i];
                assert_eq!(label(got), *slot, "{name}: rank {}", i + 1);
                assert_eq!(
                    (got.free_total, got.weeks_all_free, got.weeks_considered),
                    (*free_total, *all_free, *considered),
                    "{name}: {slot}"
                );
            }
        }
    }

    #[test]
    fn holidays_shrink_the_weeks_considered_and_are_named() {
        let holidays = JapaneseHolidays::embedded();
        let attendees = people(&["a"]);
        let busy = BusyByAttendee::from([("a".to_string(), Vec::new())]);
        let mut s = search(8);
        s.top = usize::MAX;
        let found = rank_slots(&s, now(), &attendees, &busy, &holidays_only(&holidays));
        let monday = found
            .slots
            .iter()
            .find(|s| s.weekday == Weekday::Mon)
            .unwrap();
        assert_eq!(monday.weeks_considered, 7);
        assert_eq!(monday.excluded_days.len(), 1);
        assert_eq!(monday.excluded_days[0].0, date("2027-01-11"));
        let tuesday = found
            .slots
            .iter()
            .find(|s| s.weekday == Weekday::Tue)
            .unwrap();
        assert_eq!(tuesday.weeks_considered, 8);
        assert!(tuesday.excluded_days.is_empty());
    }

    #[test]
    fn unknown_attendees_are_reported_and_never_counted_as_free() {
        let holidays = JapaneseHolidays::embedded();
        let attendees = people(&["busy", "ghost"]);
        let busy = BusyByAttendee::from([("busy".to_string(), busy_except(8, &[]))]);
        let found = rank_slots(
            &search(8),
            now(),
            &attendees,
            &busy,
            &holidays_only(&holidays),
        );
        assert_eq!(found.counted, people(&["busy"]));
        assert_eq!(found.unknown, people(&["ghost"]));
        assert!(found.slots.iter().all(|s| s.attendees == 1));
        assert!(found.slots.iter().all(|s| s.free_total == 0));
    }

    #[test]
    fn slots_keep_their_wall_clock_time_across_dst() {
        // New York leaves DST on 2026-11-01: 17:00 is 21:00 UTC before and 22:00 UTC after.
        let new_york = chrono_tz::America::New_York;
        let before_change = Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).unwrap();
        let s = SlotSearch {
            timezone: new_york,
            weekdays: vec![Weekday::Wed],
            window: "17:00-18:00".parse().unwrap(),
            duration: TimeDelta::minutes(60),
            weeks: 4,
            top: 5,
        };
        let wednesdays: Vec<NaiveDate> = s
            .dates(before_change)
            .into_iter()
            .filter(|d| d.weekday() == Weekday::Wed)
            .collect();
        assert_eq!(wednesdays.len(), 4);
        let busy_at_five: Vec<Interval> = wednesdays
            .iter()
            .map(|d| {
                let start = local_datetime(new_york, d.and_time(time("17:00")));
                (
                    start.with_timezone(&Utc),
                    (start + TimeDelta::hours(1)).with_timezone(&Utc),
                )
            })
            .collect();
        assert_eq!(busy_at_five[0].0.format("%H:%M").to_string(), "21:00");
        assert_eq!(busy_at_five[3].0.format("%H:%M").to_string(), "22:00");
        let attendees = people(&["a"]);
        let busy = BusyByAttendee::from([("a".to_string(), busy_at_five)]);
        let found = rank_slots(
            &s,
            before_change,
            &attendees,
            &busy,
            &holidays_only(&JapaneseHolidays::embedded()),
        );
        assert_eq!(found.slots.len(), 1);
        assert_eq!(
            found.slots[0].free_total, 0,
            "busy at 17:00 local every week"
        );
        assert_eq!(found.slots[0].weeks_considered, 4);
    }

    #[test]
    fn a_weekday_with_only_holidays_offers_no_slot() {
        // One week from Sunday 2026-12-27: Friday is 2027-01-01.
        let s = SlotSearch {
            weekdays: vec![Weekday::Fri],
            weeks: 1,
            ..search(1)
        };
        let new_year = Utc.with_ymd_and_hms(2026, 12, 27, 0, 0, 0).unwrap();
        let attendees = people(&["a"]);
        let busy = BusyByAttendee::from([("a".to_string(), Vec::new())]);
        let found = rank_slots(
            &s,
            new_year,
            &attendees,
            &busy,
            &holidays_only(&JapaneseHolidays::embedded()),
        );
        assert!(found.slots.is_empty());
    }

    fn arbitrary_busy() -> impl Strategy<Value = BusyByAttendee> {
        // Intervals anywhere in the four weeks after `now()`, on a 15-minute grid.
        let interval = (0i64..4 * 7 * 96, 1i64..16).prop_map(|(start, length)| {
            let start = now() + TimeDelta::minutes(15 * start);
            (start, start + TimeDelta::minutes(15 * length))
        });
        proptest::collection::btree_map(
            prop::sample::select(vec!["a", "b", "c"]).prop_map(str::to_string),
            proptest::collection::vec(interval, 0..40),
            0..=3,
        )
    }

    proptest! {
        #[test]
        fn ranking_is_ordered_bounded_and_monotone_in_busyness(
            busy in arbitrary_busy(),
            extra in (0i64..4 * 7 * 96, 1i64..16),
        ) {
            let holidays = JapaneseHolidays::embedded();
            let attendees = people(&["a", "b", "c"]);
            let mut s = search(4);
            s.top = usize::MAX;
            let found = rank_slots(&s, now(), &attendees, &busy, &holidays_only(&holidays));
            prop_assert_eq!(found.counted.len() + found.unknown.len(), 3);
            for pair in found.slots.windows(2) {
                prop_assert_ne!(pair[0].rank(&pair[1]), Ordering::Greater);
            }
            for slot in &found.slots {
                prop_assert!(slot.weeks_all_free <= slot.weeks_considered);
                prop_assert!(slot.weeks_considered <= s.weeks);
                prop_assert!(slot.average_free() <= slot.attendees as f64);
            }

            // One more busy interval for a counted attendee never makes any slot better.
            if let Some(first) = found.counted.first() {
                let start = now() + TimeDelta::minutes(15 * extra.0);
                let mut busier = busy.clone();
                if let Some(intervals) = busier.get_mut(first) {
                    intervals.push((start, start + TimeDelta::minutes(15 * extra.1)));
                }
                let again = rank_slots(&s, now(), &attendees, &busier, &holidays_only(&holidays));
                for after in &again.slots {
                    let before = found
                        .slots
                        .iter()
                        .find(|b| (b.weekday, b.start) == (after.weekday, after.start));
                    prop_assert!(before.is_some());
                    if let Some(before) = before {
                        prop_assert!(after.free_total <= before.free_total);
                        prop_assert!(after.weeks_all_free <= before.weeks_all_free);
                    }
                }
            }
        }
    }
}
