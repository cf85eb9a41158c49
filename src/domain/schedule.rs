//! The weekly schedule: which weeks are held (with their session numbers),
//! which are skipped, and why. Skipped weeks are skipped, never moved.

use std::collections::BTreeSet;

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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub date: NaiveDate,
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub status: Status,
}

impl Occurrence {
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
    /// A person's decision: a facilitator's skip or a cancellation in Google Calendar.
    Cancelled,
}

impl SkipReason {
    /// The reason as the JSON contract spells it.
    pub fn code(&self) -> &'static str {
        match self {
            SkipReason::Holiday(_) => "holiday",
            SkipReason::SkipDate => "skip_date",
            SkipReason::Cancelled => "cancelled",
        }
    }

    pub fn holiday(&self) -> Option<&Holiday> {
        match self {
            SkipReason::Holiday(holiday) => Some(holiday),
            _ => None,
        }
    }
}

impl WeeklyRule {
    /// Every occurrence from the first session on, in date order, numbered.
    ///
    /// `cancelled` holds the dates people decided to skip; the reason for a
    /// skip is, in order of precedence: holiday, skip date, cancelled.
    pub fn occurrences<'a>(
        &'a self,
        holidays: &'a dyn HolidayCalendar,
        cancelled: &'a BTreeSet<NaiveDate>,
    ) -> impl Iterator<Item = Occurrence> + 'a {
        let first = first_on_or_after(self.first_session, self.weekday);
        let dates = std::iter::successors(first, |date| date.checked_add_days(Days::new(7)));
        let mut held_so_far = 0u32;
        dates.map(move |date| {
            let status = match self.skip_reason(date, holidays, cancelled) {
                Some(reason) => Status::Skipped(reason),
                None => {
                    held_so_far += 1;
                    Status::Held {
                        number: held_so_far,
                    }
                }
            };
            let start = local_datetime(self.timezone, date.and_time(self.start_time));
            Occurrence {
                date,
                start,
                end: start + self.duration,
                status,
            }
        })
    }

    /// The occurrences whose date lies in `from..=until`, numbered from the first session.
    pub fn between<'a>(
        &'a self,
        holidays: &'a dyn HolidayCalendar,
        cancelled: &'a BTreeSet<NaiveDate>,
        from: NaiveDate,
        until: NaiveDate,
    ) -> impl Iterator<Item = Occurrence> + 'a {
        self.occurrences(holidays, cancelled)
            .skip_while(move |o| o.date < from)
            .take_while(move |o| o.date <= until)
    }

    fn skip_reason(
        &self,
        date: NaiveDate,
        holidays: &dyn HolidayCalendar,
        cancelled: &BTreeSet<NaiveDate>,
    ) -> Option<SkipReason> {
        if self.skip_japanese_holidays
            && let Some(holiday) = holidays.holiday_on(date)
        {
            return Some(SkipReason::Holiday(holiday));
        }
        if self.skip_dates.contains(&date) {
            return Some(SkipReason::SkipDate);
        }
        cancelled.contains(&date).then_some(SkipReason::Cancelled)
    }
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
                tz.from_local_datetime(&(naive + TimeDelta::minutes(15 * quarters)))
                    .earliest()
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
        }
    }

    #[test]
    fn holiday_weeks_are_skipped_and_do_not_consume_a_number() {
        let holidays = JapaneseHolidays::embedded();
        let rule = wednesday_rule(chrono_tz::Asia::Tokyo);
        let none = BTreeSet::new();
        let weeks: Vec<_> = rule
            .between(&holidays, &none, date("2026-04-22"), date("2026-05-13"))
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
        let first = rule.occurrences(&holidays, &cancelled).next().unwrap();
        assert_eq!(first.date, date("2019-02-06"));
        assert_eq!(first.number(), Some(1));
        let december: Vec<_> = rule
            .between(
                &holidays,
                &cancelled,
                date("2026-12-16"),
                date("2026-12-30"),
            )
            .map(|o| o.status)
            .collect();
        assert!(matches!(december[0], Status::Held { .. }));
        assert_eq!(december[1], Status::Skipped(SkipReason::Cancelled));
        assert_eq!(december[2], Status::Skipped(SkipReason::SkipDate));
    }

    #[test]
    fn new_york_meeting_keeps_its_wall_clock_time_across_dst() {
        let holidays = JapaneseHolidays::embedded();
        let mut rule = wednesday_rule(chrono_tz::America::New_York);
        rule.skip_japanese_holidays = false;
        let none = BTreeSet::new();
        let weeks: Vec<_> = rule
            .between(&holidays, &none, date("2026-10-28"), date("2026-11-04"))
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
        )
            .prop_map(|(zone, weekday, (hour, quarter), first, skips)| {
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
            for o in rule.occurrences(&holidays, &none).take(weeks) {
                prop_assert_eq!(o.date.weekday(), rule.weekday);
                prop_assert!(o.date >= rule.first_session);
                prop_assert_eq!(o.start.date_naive(), o.date);
                prop_assert_eq!(o.start.hour(), rule.start_time.hour());
                prop_assert_eq!(o.start.minute(), rule.start_time.minute());
                match o.status {
                    Status::Held { number } => {
                        prop_assert!(holidays.holiday_on(o.date).is_none());
                        prop_assert!(!rule.skip_dates.contains(&o.date));
                        prop_assert_eq!(number, last_number + 1);
                        last_number = number;
                    }
                    Status::Skipped(ref reason) => {
                        let expected_holiday = holidays.holiday_on(o.date);
                        prop_assert!(expected_holiday.is_some() || rule.skip_dates.contains(&o.date));
                        prop_assert_eq!(reason.holiday().cloned(), expected_holiday);
                    }
                }
            }
        }
    }
}
