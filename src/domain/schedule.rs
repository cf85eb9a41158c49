//! The weekly schedule: which weeks are held (with their session numbers),
//! which are skipped, and why. Skipped weeks are skipped, never moved.

use std::collections::{BTreeSet, HashMap};
use std::sync::{LazyLock, Mutex};

use chrono::offset::LocalResult;
use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Weekday,
};
use chrono_tz::Tz;

use super::holidays::{Holiday, HolidayCalendar};

/// The weekly rule of one meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyRule {
    pub timezone: Tz,
    pub weekday: Weekday,
    pub start_time: NaiveTime,
    pub duration: TimeDelta,
    /// Numbering starts at the first held session on or after this date.
    pub first_session: NaiveDate,
    pub skip_japanese_holidays: bool,
    /// Company days off.
    pub skip_dates: BTreeSet<NaiveDate>,
    /// Yearly closures (年末年始, 夏季休暇): company days off that recur every year.
    pub closures: Vec<Closure>,
}

/// A month and day that recur every year; `02-29` is one (it happens in leap years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }

    /// `MM-DD`, a day some year has (so `02-29` is one and `02-30` is not).
    pub fn parse(text: &str) -> Result<Self, String> {
        let parsed = text
            .split_once('-')
            .filter(|(m, d)| m.len() == 2 && d.len() == 2)
            .and_then(|(m, d)| Some((m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)))
            // 2000 is a leap year, so every month-day that ever happens is a date in it.
            .filter(|(m, d)| NaiveDate::from_ymd_opt(2000, *m, *d).is_some());
        parsed
            .map(|(month, day)| Self { month, day })
            .ok_or_else(|| {
                format!("expected a month and day as MM-DD that a year has (e.g. \"12-29\"), got {text:?}")
            })
    }

    fn of(date: NaiveDate) -> Self {
        Self {
            month: date.month(),
            day: date.day(),
        }
    }
}

impl std::fmt::Display for MonthDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// A named closure from `from` to `until` (both included) every year. When
/// `from` comes after `until` it wraps the year end: 12-29..01-03.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Closure {
    pub name: String,
    pub from: MonthDay,
    pub until: MonthDay,
}

impl Closure {
    pub fn contains(&self, date: NaiveDate) -> bool {
        let day = MonthDay::of(date);
        if self.from <= self.until {
            self.from <= day && day <= self.until
        } else {
            day >= self.from || day <= self.until
        }
    }

    /// The first month-day (from January) both closures hold, if any.
    pub fn first_shared_day(&self, other: &Closure) -> Option<MonthDay> {
        let jan1 = NaiveDate::from_ymd_opt(2000, 1, 1)?;
        jan1.iter_days()
            .take_while(|d| d.year() == 2000)
            .find(|d| self.contains(*d) && other.contains(*d))
            .map(MonthDay::of)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub date: NaiveDate,
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub status: Status,
}

impl Occurrence {
    /// The closure that takes this week out (the JSON field `closure`).
    pub fn closure(&self) -> Option<&str> {
        match &self.status {
            Status::Skipped(reason) => reason.closure(),
            Status::Held { .. } => None,
        }
    }

    pub fn number(&self) -> Option<u32> {
        match self.status {
            Status::Held { number } => Some(number),
            Status::Skipped(_) => None,
        }
    }

    pub fn is_held(&self) -> bool {
        matches!(self.status, Status::Held { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Held { number: u32 },
    Skipped(SkipReason),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    Holiday(Holiday),
    /// One of the meeting's configured `skip_dates`.
    SkipDate,
    /// A day of one of the meeting's yearly `closures`, by its name. The JSON
    /// contract's `reason` stays `skip_date`; the name goes in `closure`.
    Closure(String),
    /// A person's decision: a facilitator's skip or a cancellation in Google Calendar.
    Cancelled,
}

impl SkipReason {
    /// The reason as the JSON contract spells it.
    pub fn code(&self) -> &'static str {
        match self {
            SkipReason::Holiday(_) => "holiday",
            SkipReason::SkipDate | SkipReason::Closure(_) => "skip_date",
            SkipReason::Cancelled => "cancelled",
        }
    }

    pub fn holiday(&self) -> Option<&Holiday> {
        match self {
            SkipReason::Holiday(holiday) => Some(holiday),
            _ => None,
        }
    }

    pub fn closure(&self) -> Option<&str> {
        match self {
            SkipReason::Closure(name) => Some(name),
            _ => None,
        }
    }
}

/// The schedule names no week after this day. Dates from people and config
/// are bounded far tighter where they are parsed; this keeps any date chrono
/// can name (up to +262142-12-31) from costing more than one count per year
/// up to 9999, once.
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(date) => date,
    None => panic!("9999-12-31 is a date"),
};

/// One meeting's schedule: its rule, the holiday calendar and every date
/// people cancelled. The one place that answers "is this week held, and with
/// which number?": every caller that shows a session number asks it.
#[derive(Clone, Copy)]
pub struct Schedule<'a> {
    rule: &'a WeeklyRule,
    holidays: &'a dyn HolidayCalendar,
    cancelled: &'a BTreeSet<NaiveDate>,
}

impl<'a> Schedule<'a> {
    /// `cancelled` must hold every date people cancelled for this meeting,
    /// not just the window's: a cancellation before the window changes the
    /// numbers in it.
    pub fn new(
        rule: &'a WeeklyRule,
        holidays: &'a dyn HolidayCalendar,
        cancelled: &'a BTreeSet<NaiveDate>,
    ) -> Self {
        Self {
            rule,
            holidays,
            cancelled,
        }
    }

    /// The occurrences dated `from..=until`, in date order, numbered from the
    /// first session (1 = the first held one on or after `first_session`).
    ///
    /// The skip reason is, in order of precedence: holiday, closure, skip
    /// date, cancelled. Cost: the weeks in the window, the cancellations before it,
    /// and one count per year since the first session the first time a rule
    /// is asked about with a holiday list (memoised, see [`YEAR_COUNTS`]).
    pub fn between(
        &self,
        from: NaiveDate,
        until: NaiveDate,
    ) -> impl Iterator<Item = Occurrence> + 'a {
        let this = *self;
        let until = until.min(LAST_DATE);
        let start = first_on_or_after(from.max(self.rule.first_session), self.rule.weekday)
            .filter(|start| *start <= until);
        let mut held_so_far = start.map_or(0, |start| this.held_before(start));
        let dates = std::iter::successors(start, |date| date.checked_add_days(Days::new(7)))
            .take_while(move |date| *date <= until);
        // A date whose start or end chrono cannot represent (the last days of
        // its calendar) ends the schedule rather than panicking.
        dates.map_while(move |date| {
            let (start, end) = this.rule.times_on(date)?;
            let status = match this.skip_reason(date) {
                Some(reason) => Status::Skipped(reason),
                None => {
                    held_so_far += 1;
                    Status::Held {
                        number: held_so_far,
                    }
                }
            };
            Some(Occurrence {
                date,
                start,
                end,
                status,
            })
        })
    }

    pub fn rule(&self) -> &'a WeeklyRule {
        self.rule
    }

    /// Whether the company works on `date`: not a Saturday or Sunday, and no
    /// holiday (when the meeting skips them), closure or skip date. Nothing
    /// is posted on any other day.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && self.rule.day_off(date, self.holidays).is_none()
    }

    fn skip_reason(&self, date: NaiveDate) -> Option<SkipReason> {
        if let Some(reason) = self.rule.day_off(date, self.holidays) {
            return Some(reason);
        }
        self.cancelled
            .contains(&date)
            .then_some(SkipReason::Cancelled)
    }

    /// Held weeks dated before `date` (a week of the rule on or after the first session).
    fn held_before(&self, date: NaiveDate) -> u32 {
        let Some(first) = first_on_or_after(self.rule.first_session, self.rule.weekday) else {
            return 0;
        };
        if date <= first {
            return 0;
        }
        let year_start = NaiveDate::from_ymd_opt(date.year(), 1, 1)
            .unwrap_or(first)
            .max(first);
        let before_year = held_before_year(self.rule, self.holidays, first, date.year());
        let in_year = match date.pred_opt() {
            Some(last) if year_start <= last => {
                held_ignoring_cancellations(self.rule, self.holidays, year_start, last)
            }
            _ => 0,
        };
        // Cancellations are few, so they are subtracted here instead of being
        // part of the memo: a new cancellation then invalidates nothing.
        let cancelled = self
            .cancelled
            .range(first..date)
            .filter(|d| {
                d.weekday() == self.rule.weekday && self.rule.day_off(**d, self.holidays).is_none()
            })
            .count();
        (before_year + in_year).saturating_sub(u32::try_from(cancelled).unwrap_or(u32::MAX))
    }
}

impl WeeklyRule {
    /// When the meeting on `date` starts and ends; `None` at the edges of chrono's calendar.
    fn times_on(&self, date: NaiveDate) -> Option<(DateTime<Tz>, DateTime<Tz>)> {
        // Keep a day of margin from chrono's last dates so that zone offsets
        // and the gap search of `local_datetime` stay representable.
        let margin = Days::new(2);
        date.checked_add_days(margin)?;
        date.checked_sub_days(margin)?;
        let start = local_datetime(self.timezone, date.and_time(self.start_time));
        let end = start.checked_add_signed(self.duration)?;
        Some((start, end))
    }

    /// A skip that no person decided: a holiday, a closure or a company day
    /// off. Any date may be asked, not only the rule's weekday: the same
    /// answer says which days are not business days.
    pub fn day_off(&self, date: NaiveDate, holidays: &dyn HolidayCalendar) -> Option<SkipReason> {
        if self.skip_japanese_holidays
            && let Some(holiday) = holidays.holiday_on(date)
        {
            return Some(SkipReason::Holiday(holiday));
        }
        if let Some(closure) = self.closure_on(date) {
            return Some(SkipReason::Closure(closure.name.clone()));
        }
        self.skip_dates
            .contains(&date)
            .then_some(SkipReason::SkipDate)
    }

    /// Days in a year that some closure holds (366 at most): no run of
    /// closure days is longer, so a search for a business day, or a look
    /// ahead for what moves before a closure, needs no more than this.
    pub fn closure_days(&self) -> u64 {
        let Some(jan1) = NaiveDate::from_ymd_opt(2000, 1, 1) else {
            return 0;
        };
        if self.closures.is_empty() {
            return 0;
        }
        let days = jan1
            .iter_days()
            .take_while(|d| d.year() == 2000)
            .filter(|d| self.closure_on(*d).is_some())
            .count();
        u64::try_from(days).unwrap_or(366)
    }

    fn closure_on(&self, date: NaiveDate) -> Option<&Closure> {
        self.closures.iter().find(|c| c.contains(date))
    }
}

/// Weeks of `rule` dated `from..=until` (one calendar year at most) that no
/// holiday or skip date takes out; cancellations are not looked at.
/// Arithmetic over the year's holiday dates, not a walk over its weeks.
fn held_ignoring_cancellations(
    rule: &WeeklyRule,
    holidays: &dyn HolidayCalendar,
    from: NaiveDate,
    until: NaiveDate,
) -> u32 {
    let Some(first) = first_on_or_after(from, rule.weekday).filter(|d| *d <= until) else {
        return 0;
    };
    let weeks = (until - first).num_days() / 7 + 1;
    let on_rule_day = |d: &NaiveDate| *d >= from && *d <= until && d.weekday() == rule.weekday;
    let holiday_dates: BTreeSet<NaiveDate> = if rule.skip_japanese_holidays {
        holidays
            .holiday_dates_in(from.year())
            .into_iter()
            .filter(on_rule_day)
            .collect()
    } else {
        BTreeSet::new()
    };
    // Closures come before skip dates, as in `day_off`. A closure is a range
    // of month-days, so this walks the year's weeks (53 at most), and only
    // for a rule that has closures.
    let closure_dates: BTreeSet<NaiveDate> = if rule.closures.is_empty() {
        BTreeSet::new()
    } else {
        std::iter::successors(Some(first), |d| d.checked_add_days(Days::new(7)))
            .take_while(|d| *d <= until)
            .filter(|d| !holiday_dates.contains(d) && rule.closure_on(*d).is_some())
            .collect()
    };
    let skip_dates = rule
        .skip_dates
        .range(from..=until)
        .filter(|d| on_rule_day(d) && !holiday_dates.contains(d) && !closure_dates.contains(d))
        .count();
    let skipped = holiday_dates.len() + closure_dates.len() + skip_dates;
    u32::try_from(weeks)
        .unwrap_or(u32::MAX)
        .saturating_sub(u32::try_from(skipped).unwrap_or(u32::MAX))
}

/// What the memo is kept under: everything but cancellations that decides
/// whether a week is held. The zone, the time and the duration do not.
#[derive(Clone, PartialEq, Eq, Hash)]
struct CountsKey {
    holidays: u64,
    weekday: Weekday,
    first_session: NaiveDate,
    skip_japanese_holidays: bool,
    skip_dates: BTreeSet<NaiveDate>,
    closures: Vec<Closure>,
}

/// For each rule and holiday list asked about: `counts[i]` is the number of
/// held weeks (cancellations aside) before 1 January of the first session's
/// year + `i`, grown lazily as later years are asked about. A refreshed
/// holiday list has another fingerprint and so starts its own counts; the
/// number of keys is capped so that a long-running daemon's memo stays small.
/// It is a memo of a pure function, so the schedule stays pure to its callers.
static YEAR_COUNTS: LazyLock<Mutex<HashMap<CountsKey, Vec<u32>>>> = LazyLock::new(Default::default);
const MAX_MEMOISED_RULES: usize = 64;

/// Held weeks (cancellations aside) from `first` up to 1 January of `year`.
fn held_before_year(
    rule: &WeeklyRule,
    holidays: &dyn HolidayCalendar,
    first: NaiveDate,
    year: i32,
) -> u32 {
    let years = usize::try_from(year - first.year()).unwrap_or(0);
    let count_year = |index: usize| {
        let y = first.year() + i32::try_from(index).unwrap_or(i32::MAX);
        let (Some(jan1), Some(dec31)) = (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        ) else {
            return 0;
        };
        held_ignoring_cancellations(rule, holidays, jan1.max(first), dec31)
    };
    let extend = |counts: &mut Vec<u32>| {
        if counts.is_empty() {
            counts.push(0);
        }
        while counts.len() <= years {
            let previous = counts[counts.len() - 1];
            counts.push(previous.saturating_add(count_year(counts.len() - 1)));
        }
        counts[years]
    };
    let Some(fingerprint) = holidays.fingerprint() else {
        return extend(&mut Vec::new());
    };
    let key = CountsKey {
        holidays: fingerprint,
        weekday: rule.weekday,
        first_session: rule.first_session,
        skip_japanese_holidays: rule.skip_japanese_holidays,
        skip_dates: rule.skip_dates.clone(),
        closures: rule.closures.clone(),
    };
    // A poisoned memo only means another thread panicked mid-count; the
    // counts it holds were each pushed whole, so they are still right.
    let mut memo = YEAR_COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    if memo.len() >= MAX_MEMOISED_RULES && !memo.contains_key(&key) {
        memo.clear();
    }
    extend(memo.entry(key).or_default())
}

fn first_on_or_after(date: NaiveDate, weekday: Weekday) -> Option<NaiveDate> {
    let ahead = (7 + weekday.num_days_from_monday() - date.weekday().num_days_from_monday()) % 7;
    date.checked_add_days(Days::new(ahead.into()))
}

/// The instant a wall-clock time happens in `tz`. When the clocks fall back
/// the earlier instant wins; when they spring forward over the time, the
/// meeting starts as the wall clock resumes.
pub fn local_datetime(tz: Tz, naive: NaiveDateTime) -> DateTime<Tz> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
        LocalResult::None => (1..=96)
            .find_map(|quarters| {
                let later = naive.checked_add_signed(TimeDelta::minutes(15 * quarters))?;
                tz.from_local_datetime(&later).earliest()
            })
            .unwrap_or_else(|| tz.from_utc_datetime(&naive)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::holidays::JapaneseHolidays;
    use chrono::{Offset, Timelike};
    use proptest::prelude::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn wednesday_rule(tz: Tz) -> WeeklyRule {
        WeeklyRule {
            timezone: tz,
            weekday: Weekday::Wed,
            start_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            duration: TimeDelta::minutes(60),
            first_session: date("2019-02-06"),
            skip_japanese_holidays: true,
            skip_dates: BTreeSet::from([date("2026-12-30")]),
            closures: Vec::new(),
        }
    }

    #[test]
    fn holiday_weeks_are_skipped_and_do_not_consume_a_number() {
        let holidays = JapaneseHolidays::embedded();
        let rule = wednesday_rule(chrono_tz::Asia::Tokyo);
        let none = BTreeSet::new();
        let weeks: Vec<_> = Schedule::new(&rule, &holidays, &none)
            .between(date("2026-04-22"), date("2026-05-13"))
            .collect();
        assert_eq!(weeks.len(), 4);
        assert!(weeks[0].is_held());
        let skipped = &weeks[1]; // 2026-04-29, 昭和の日
        assert_eq!(skipped.date, date("2026-04-29"));
        match &skipped.status {
            Status::Skipped(SkipReason::Holiday(h)) => assert_eq!(h.name_ja, "昭和の日"),
            other => panic!("expected a holiday, got {other:?}"),
        }
        // 05-06 is a substitute holiday for Sunday 05-03.
        assert!(!weeks[2].is_held());
        assert_eq!(weeks[3].number(), weeks[0].number().map(|n| n + 1));
    }

    #[test]
    fn first_session_is_number_one_and_skip_dates_and_cancellations_are_reasons() {
        let holidays = JapaneseHolidays::embedded();
        let rule = wednesday_rule(chrono_tz::Asia::Tokyo);
        let cancelled = BTreeSet::from([date("2026-12-23")]);
        let schedule = Schedule::new(&rule, &holidays, &cancelled);
        let first = schedule
            .between(NaiveDate::MIN, NaiveDate::MAX)
            .next()
            .unwrap();
        assert_eq!(first.date, date("2019-02-06"));
        assert_eq!(first.number(), Some(1));
        let december: Vec<_> = schedule
            .between(date("2026-12-16"), date("2026-12-30"))
            .map(|o| o.status)
            .collect();
        assert!(matches!(december[0], Status::Held { .. }));
        assert_eq!(december[1], Status::Skipped(SkipReason::Cancelled));
        assert_eq!(december[2], Status::Skipped(SkipReason::SkipDate));
    }

    fn closure(name: &str, from: &str, until: &str) -> Closure {
        Closure {
            name: name.into(),
            from: MonthDay::parse(from).unwrap(),
            until: MonthDay::parse(until).unwrap(),
        }
    }

    #[test]
    fn month_days_are_days_some_year_has() {
        assert!(MonthDay::parse("02-29").is_ok());
        assert_eq!(MonthDay::parse("12-31").unwrap().to_string(), "12-31");
        for bad in [
            "02-30", "13-01", "00-10", "04-31", "1-05", "12/29", "", "12-29-01",
        ] {
            let err = MonthDay::parse(bad).unwrap_err();
            assert!(err.contains("MM-DD"), "{bad}: {err}");
        }
    }

    #[test]
    fn closures_recur_every_year_and_may_wrap_the_year_end() {
        let new_year = closure("年末年始", "12-29", "01-03");
        for inside in [
            "2026-12-29",
            "2026-12-31",
            "2027-01-01",
            "2027-01-03",
            "2031-12-30",
        ] {
            assert!(new_year.contains(date(inside)), "{inside}");
        }
        for outside in ["2026-12-28", "2027-01-04", "2027-06-30"] {
            assert!(!new_year.contains(date(outside)), "{outside}");
        }
        let summer = closure("夏季休暇", "08-13", "08-15");
        assert!(summer.contains(date("2027-08-13")) && !summer.contains(date("2027-08-16")));
        assert_eq!(new_year.first_shared_day(&summer), None);
        let leap = closure("閏日", "02-29", "02-29");
        assert!(leap.contains(date("2028-02-29")) && !leap.contains(date("2027-03-01")));
        let overlapping = closure("冬", "01-02", "01-10");
        assert_eq!(
            new_year
                .first_shared_day(&overlapping)
                .map(|d| d.to_string()),
            Some("01-02".into())
        );
    }

    #[test]
    fn a_closure_skips_its_weeks_every_year_as_a_skip_date_naming_the_closure() {
        let holidays = JapaneseHolidays::embedded();
        let mut rule = wednesday_rule(chrono_tz::Asia::Tokyo);
        rule.skip_dates.clear();
        let none = BTreeSet::new();
        let before: Vec<_> = Schedule::new(&rule, &holidays, &none)
            .between(date("2026-12-23"), date("2027-01-13"))
            .collect();
        rule.closures = vec![closure("年末年始", "12-29", "01-03")];
        let schedule = Schedule::new(&rule, &holidays, &none);
        let weeks: Vec<_> = schedule
            .between(date("2026-12-23"), date("2027-01-13"))
            .collect();
        assert!(
            before[1].is_held(),
            "2026-12-30 is held without the closure"
        );
        assert_eq!(weeks[1].date, date("2026-12-30"));
        assert_eq!(
            weeks[1].status,
            Status::Skipped(SkipReason::Closure("年末年始".into()))
        );
        assert_eq!(weeks[1].closure(), Some("年末年始"));
        assert_eq!(SkipReason::Closure("x".into()).code(), "skip_date");
        // A closed week consumes no number; the closure of every earlier year
        // took its weeks out too, so the numbers are lower than without it.
        assert_eq!(weeks[2].number(), weeks[0].number().map(|n| n + 1));
        assert!(weeks[0].number() < before[0].number());
        // Business days: weekends, holidays and closure days are not.
        assert!(schedule.is_business_day(date("2026-12-28")));
        assert!(!schedule.is_business_day(date("2026-12-29")));
        assert!(!schedule.is_business_day(date("2027-01-04") - Days::new(2)));
        assert!(!schedule.is_business_day(date("2027-01-11")), "成人の日");
        assert!(schedule.is_business_day(date("2027-01-04")));
    }

    #[test]
    fn new_york_meeting_keeps_its_wall_clock_time_across_dst() {
        let holidays = JapaneseHolidays::embedded();
        let mut rule = wednesday_rule(chrono_tz::America::New_York);
        rule.skip_japanese_holidays = false;
        let none = BTreeSet::new();
        let weeks: Vec<_> = Schedule::new(&rule, &holidays, &none)
            .between(date("2026-10-28"), date("2026-11-04"))
            .collect();
        assert_eq!(weeks[0].start.to_rfc3339(), "2026-10-28T17:00:00-04:00");
        assert_eq!(weeks[1].start.to_rfc3339(), "2026-11-04T17:00:00-05:00");
    }

    #[test]
    fn a_start_time_in_the_spring_forward_gap_starts_when_the_clock_resumes() {
        let naive = date("2026-03-08").and_hms_opt(2, 30, 0).unwrap();
        let start = local_datetime(chrono_tz::America::New_York, naive);
        assert_eq!(start.to_rfc3339(), "2026-03-08T03:00:00-04:00");
        let ambiguous = date("2026-11-01").and_hms_opt(1, 30, 0).unwrap();
        let start = local_datetime(chrono_tz::America::New_York, ambiguous);
        assert_eq!(start.offset().fix().local_minus_utc(), -4 * 3600);
    }

    const ZONES: [Tz; 5] = [
        chrono_tz::Asia::Tokyo,
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::UTC,
    ];

    fn arbitrary_rule() -> impl Strategy<Value = WeeklyRule> {
        (
            0usize..ZONES.len(),
            0u8..7,
            (0u32..24, 0u32..4),
            0i64..(150 * 365),
            proptest::collection::btree_set(0i64..2000, 0..20),
            proptest::collection::vec((0u64..366, 0u64..366), 0..3),
        )
            .prop_map(|(zone, weekday, (hour, quarter), first, skips, closures)| {
                let first_session = date("1955-01-01") + TimeDelta::days(first);
                WeeklyRule {
                    timezone: ZONES[zone],
                    weekday: Weekday::try_from(weekday).unwrap(),
                    // Avoid DST gaps here: the gap rule has its own test.
                    start_time: NaiveTime::from_hms_opt(hour.max(4), quarter * 15, 0).unwrap(),
                    duration: TimeDelta::minutes(60),
                    first_session,
                    skip_japanese_holidays: true,
                    skip_dates: skips
                        .into_iter()
                        .map(|d| first_session + TimeDelta::days(d))
                        .collect(),
                    // Any month-day ranges, wrapping or not, overlapping or not
                    // (the config refuses overlaps; the schedule must still agree with itself).
                    closures: closures
                        .into_iter()
                        .enumerate()
                        .map(|(i, (from, until))| {
                            let day = |n: u64| MonthDay::of(date("2000-01-01") + Days::new(n));
                            Closure {
                                name: format!("closure {i}"),
                                from: day(from),
                                until: day(until),
                            }
                        })
                        .collect(),
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn schedule_invariants_hold(rule in arbitrary_rule(), weeks in 1usize..400) {
            let holidays = JapaneseHolidays::embedded();
            let none = BTreeSet::new();
            let mut last_number = 0;
            let schedule = Schedule::new(&rule, &holidays, &none);
            for o in schedule.between(NaiveDate::MIN, NaiveDate::MAX).take(weeks) {
                prop_assert_eq!(o.date.weekday(), rule.weekday);
                prop_assert!(o.date >= rule.first_session);
                prop_assert_eq!(o.start.date_naive(), o.date);
                prop_assert_eq!(o.start.hour(), rule.start_time.hour());
                prop_assert_eq!(o.start.minute(), rule.start_time.minute());
                match o.status {
                    Status::Held { number } => {
                        prop_assert!(holidays.holiday_on(o.date).is_none());
                        prop_assert!(!rule.skip_dates.contains(&o.date));
                        prop_assert!(rule.closures.iter().all(|c| !c.contains(o.date)));
                        prop_assert_eq!(number, last_number + 1);
                        last_number = number;
                    }
                    Status::Skipped(ref reason) => {
                        let expected_holiday = holidays.holiday_on(o.date);
                        let closed = rule.closures.iter().any(|c| c.contains(o.date));
                        prop_assert!(expected_holiday.is_some() || closed || rule.skip_dates.contains(&o.date));
                        prop_assert_eq!(o.closure().is_some(), closed && expected_holiday.is_none());
                        prop_assert_eq!(reason.holiday().cloned(), expected_holiday);
                    }
                }
            }
        }
    }

    /// The schedule as it was first written: walk every week from the first
    /// session. The reference the counted schedule must agree with.
    fn naive_walk(
        rule: &WeeklyRule,
        holidays: &dyn HolidayCalendar,
        cancelled: &BTreeSet<NaiveDate>,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Vec<(NaiveDate, Option<u32>)> {
        let schedule = Schedule::new(rule, holidays, cancelled);
        let mut held = 0;
        let mut out = Vec::new();
        let mut date = first_on_or_after(rule.first_session, rule.weekday).unwrap();
        while date <= until {
            let number = schedule.skip_reason(date).is_none().then(|| {
                held += 1;
                held
            });
            if date >= from {
                out.push((date, number));
            }
            date = date + Days::new(7);
        }
        out
    }

    /// Holidays at random, asking only `holiday_on`, with a fingerprint of its
    /// own so that the memo is exercised with this list.
    struct RandomHolidays {
        days: BTreeSet<NaiveDate>,
        fingerprint: Option<u64>,
    }

    impl HolidayCalendar for RandomHolidays {
        fn holiday_on(&self, date: NaiveDate) -> Option<Holiday> {
            self.days.contains(&date).then(|| Holiday {
                date,
                name_ja: "休日".into(),
                name_en: "Holiday",
                source: crate::domain::holidays::HolidaySource::Rules,
            })
        }
        fn fingerprint(&self) -> Option<u64> {
            self.fingerprint
        }
    }

    fn numbered(
        schedule: Schedule<'_>,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Vec<(NaiveDate, Option<u32>)> {
        schedule
            .between(from, until)
            .map(|o| (o.date, o.number()))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn counted_numbers_equal_the_naive_walk_with_the_real_holidays(
            rule in arbitrary_rule(),
            cancelled in proptest::collection::btree_set(0i64..3000, 0..30),
            from in 0i64..3000,
            weeks in 0u64..60,
        ) {
            let holidays = JapaneseHolidays::embedded();
            let cancelled: BTreeSet<NaiveDate> = cancelled
                .into_iter()
                .map(|d| rule.first_session + TimeDelta::days(d))
                .collect();
            let from = rule.first_session + TimeDelta::days(from - 200);
            let until = from + Days::new(weeks * 7);
            let expected = naive_walk(&rule, &holidays, &cancelled, from, until);
            let schedule = Schedule::new(&rule, &holidays, &cancelled);
            // Twice: cold, then from the memo.
            prop_assert_eq!(&numbered(schedule, from, until), &expected);
            prop_assert_eq!(&numbered(schedule, from, until), &expected);
        }

        #[test]
        fn counted_numbers_equal_the_naive_walk_with_random_holidays(
            rule in arbitrary_rule(),
            skip_holidays in any::<bool>(),
            holidays in proptest::collection::btree_set(0i64..4000, 0..200),
            cancelled in proptest::collection::btree_set(0i64..4000, 0..40),
            memoised in any::<bool>(),
            fingerprint in any::<u64>(),
            from in 0i64..4000,
            weeks in 0u64..30,
        ) {
            let mut rule = rule;
            rule.skip_japanese_holidays = skip_holidays;
            let start = rule.first_session - TimeDelta::days(100);
            let holidays = RandomHolidays {
                days: holidays.into_iter().map(|d| start + TimeDelta::days(d)).collect(),
                fingerprint: memoised.then_some(fingerprint),
            };
            let cancelled: BTreeSet<NaiveDate> =
                cancelled.into_iter().map(|d| start + TimeDelta::days(d)).collect();
            let from = start + TimeDelta::days(from);
            let until = from + Days::new(weeks * 7);
            let expected = naive_walk(&rule, &holidays, &cancelled, from, until);
            let schedule = Schedule::new(&rule, &holidays, &cancelled);
            prop_assert_eq!(&numbered(schedule, from, until), &expected);
            prop_assert_eq!(&numbered(schedule, from, until), &expected);
        }
    }

    /// Counts how often the schedule asks the holiday calendar, per kind of question.
    struct CountingHolidays {
        inner: JapaneseHolidays,
        fingerprint: u64,
        days_asked: std::sync::atomic::AtomicUsize,
        years_asked: std::sync::atomic::AtomicUsize,
    }

    impl HolidayCalendar for CountingHolidays {
        fn holiday_on(&self, date: NaiveDate) -> Option<Holiday> {
            self.days_asked
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.inner.holiday_on(date)
        }
        fn holiday_dates_in(&self, year: i32) -> Vec<NaiveDate> {
            self.years_asked
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.inner.holiday_dates_in(year)
        }
        fn fingerprint(&self) -> Option<u64> {
            Some(self.fingerprint)
        }
    }

    impl CountingHolidays {
        fn take(&self) -> (usize, usize) {
            use std::sync::atomic::Ordering::Relaxed;
            (
                self.days_asked.swap(0, Relaxed),
                self.years_asked.swap(0, Relaxed),
            )
        }
    }

    /// The figure behind "O(weeks in the window)": numbering 12 weeks of 2035
    /// for a meeting that started in 2019 (about 830 weeks earlier) asks the
    /// holiday calendar about 17 years once, then only about the window, its
    /// year and the cancellations.
    #[test]
    fn numbering_a_window_in_2035_does_not_walk_from_2019_once_memoised() {
        let holidays = CountingHolidays {
            inner: JapaneseHolidays::embedded(),
            // Unique to this test, so no other test has warmed the memo.
            fingerprint: 0x5eed_2035,
            days_asked: Default::default(),
            years_asked: Default::default(),
        };
        let rule = wednesday_rule(chrono_tz::Asia::Tokyo);
        let cancelled = BTreeSet::from([date("2020-01-08"), date("2031-06-04")]);
        let schedule = Schedule::new(&rule, &holidays, &cancelled);
        let (from, until) = (date("2035-06-01"), date("2035-08-23"));

        let first: Vec<_> = numbered(schedule, from, until);
        let (days, years) = holidays.take();
        assert_eq!(first.len(), 12);
        assert_eq!(years, 17, "2019..=2035 counted once each");
        assert!(
            days <= 12 + 2,
            "the window and the cancellations, got {days}"
        );

        let again: Vec<_> = numbered(schedule, date("2035-09-01"), date("2035-11-23"));
        let (days, years) = holidays.take();
        assert_eq!(again.len(), 12);
        assert_eq!(years, 1, "only the window's own year");
        assert!(
            days <= 12 + 2,
            "the window and the cancellations, got {days}"
        );

        // The naive walk asks about every week since 2019.
        let expected = naive_walk(&rule, &holidays, &cancelled, from, until);
        let (walked, _) = holidays.take();
        assert!(walked > 830, "the naive walk asked about {walked} dates");
        assert_eq!(first, expected);
    }

    #[test]
    fn extreme_dates_neither_panic_nor_walk_for_ever() {
        let holidays = JapaneseHolidays::embedded();
        let none = BTreeSet::new();
        for first_session in [
            date("9999-12-29"),
            NaiveDate::MAX - Days::new(20),
            date("2019-02-06"),
        ] {
            let mut rule = wednesday_rule(chrono_tz::Asia::Tokyo);
            rule.first_session = first_session;
            rule.duration = TimeDelta::minutes(1440);
            let schedule = Schedule::new(&rule, &holidays, &none);
            for (from, until) in [
                (date("9999-12-01"), date("9999-12-31")),
                (NaiveDate::MAX - Days::new(30), NaiveDate::MAX),
                (NaiveDate::MIN, NaiveDate::MIN + Days::new(30)),
            ] {
                let weeks: Vec<_> = schedule.between(from, until).collect();
                assert!(weeks.len() <= 5);
                assert!(weeks.iter().all(|o| o.date <= LAST_DATE));
                assert!(weeks.windows(2).all(|w| w[0].date < w[1].date));
            }
        }
        // The holiday rules answer for any date chrono can name.
        assert_eq!(holidays.holiday_on(NaiveDate::MAX), None);
        assert_eq!(holidays.holiday_on(date("9999-12-31")), None);
        assert_eq!(holidays.holiday_on(NaiveDate::MIN), None);
        let new_year = holidays.holiday_on(date("9999-01-01")).unwrap();
        assert_eq!(new_year.name_ja, "元日");
        assert!(holidays.holiday_dates_in(NaiveDate::MAX.year()).len() >= 9);
    }
}
