//! Numbering a 12-week window in 2035 for a meeting whose first session was
//! in 2019 (about 830 weeks earlier): the one schedule (memoised yearly
//! counts) against a walk over every week since the first session, as the
//! schedule used to number.
//!
//! Run with `cargo bench --bench schedule`.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Weekday};
use criterion::{Criterion, criterion_group, criterion_main};
use weekly_postmortem::domain::holidays::{HolidayCalendar, JapaneseHolidays};
use weekly_postmortem::domain::schedule::{Schedule, WeeklyRule};

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

/// The old way: every week from the first session, asking about each date.
fn walk_from_first_session(
    rule: &WeeklyRule,
    holidays: &dyn HolidayCalendar,
    cancelled: &BTreeSet<NaiveDate>,
    from: NaiveDate,
    until: NaiveDate,
) -> Vec<(NaiveDate, Option<u32>)> {
    let mut day = rule.first_session;
    while day.weekday() != rule.weekday {
        day = day + Days::new(1);
    }
    let mut held = 0;
    let mut out = Vec::new();
    while day <= until {
        let skipped = (rule.skip_japanese_holidays && holidays.holiday_on(day).is_some())
            || rule.skip_dates.contains(&day)
            || cancelled.contains(&day);
        let number = (!skipped).then(|| {
            held += 1;
            held
        });
        if day >= from {
            out.push((day, number));
        }
        day = day + Days::new(7);
    }
    out
}

fn bench(c: &mut Criterion) {
    let rule = WeeklyRule {
        timezone: chrono_tz::Asia::Tokyo,
        weekday: Weekday::Wed,
        start_time: NaiveTime::from_hms_opt(17, 0, 0).expect("a time"),
        duration: TimeDelta::minutes(60),
        first_session: date("2019-02-06"),
        skip_japanese_holidays: true,
        skip_dates: BTreeSet::from([date("2026-12-30")]),
        closures: Vec::new(),
    };
    let holidays = JapaneseHolidays::embedded();
    let cancelled = BTreeSet::from([date("2020-01-08"), date("2026-10-14"), date("2031-06-04")]);
    let (from, until) = (date("2035-06-06"), date("2035-08-28"));
    let schedule = Schedule::new(&rule, &holidays, &cancelled);
    let counted: Vec<_> = schedule
        .between(from, until)
        .map(|o| (o.date, o.number()))
        .collect();
    assert_eq!(
        counted,
        walk_from_first_session(&rule, &holidays, &cancelled, from, until),
        "both ways number the window alike"
    );

    let mut group = c.benchmark_group("number 12 weeks of 2035, first session 2019");
    group.bench_function("one schedule (memoised yearly counts)", |b| {
        b.iter(|| schedule.between(from, until).count())
    });
    group.bench_function("walk every week since 2019", |b| {
        b.iter(|| walk_from_first_session(&rule, &holidays, &cancelled, from, until).len())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
