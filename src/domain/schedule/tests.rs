//! Unit tests of `schedule`, beside it so the module itself stays short.

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
