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
    /// The day `instant` falls on where the meeting meets: "today" for every
    /// rule that counts days (due dates, reminders, the schedule's window).
    pub fn day_of(&self, instant: chrono::DateTime<chrono::Utc>) -> NaiveDate {
        instant.with_timezone(&self.timezone).date_naive()
    }

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
mod tests;
