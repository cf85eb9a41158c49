//! Which dates the program accepts from outside: a meeting's first session,
//! the clock override, and the dates people type. Checked where they are
//! parsed, so nothing further in can be handed year 9999 (or +262142).

use std::ops::RangeInclusive;

use chrono::{Datelike, Months, NaiveDate};

use super::language::Language;

/// Years a meeting's `first_session` (and a rehearsal clock) may lie in.
/// Wide enough for any real meeting; narrow enough that counting its weeks
/// stays small and every holiday rule is defined.
pub const SANE_YEARS: RangeInclusive<i32> = 1970..=2100;

/// How far from today a date a person types may lie, in years either way.
pub const USER_DATE_YEARS: u32 = 10;

/// `Err` says what the config should hold instead.
pub fn check_sane_year(date: NaiveDate) -> Result<NaiveDate, String> {
    if SANE_YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "expected a date in the years {} to {}, got {date}",
            SANE_YEARS.start(),
            SANE_YEARS.end()
        ))
    }
}

/// A typed date too far from today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfRange {
    pub date: NaiveDate,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
}

impl OutOfRange {
    pub fn message(&self, language: Language) -> String {
        let Self {
            date,
            earliest,
            latest,
        } = self;
        match language {
            Language::Ja => format!(
                "{date} は範囲外です。今日から前後{USER_DATE_YEARS}年以内の日付を指定してください（{earliest}〜{latest}）"
            ),
            Language::En => format!(
                "{date} is out of range: give a date within {USER_DATE_YEARS} years of today ({earliest} to {latest})"
            ),
        }
    }
}

/// The dates a person may type today: `today` ± [`USER_DATE_YEARS`] years.
pub fn user_date_range(today: NaiveDate) -> RangeInclusive<NaiveDate> {
    let span = Months::new(12 * USER_DATE_YEARS);
    let earliest = today.checked_sub_months(span).unwrap_or(NaiveDate::MIN);
    let latest = today.checked_add_months(span).unwrap_or(NaiveDate::MAX);
    earliest..=latest
}

/// `date` if it lies within [`USER_DATE_YEARS`] years of `today`.
pub fn check_user_date(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, OutOfRange> {
    let range = user_date_range(today);
    if range.contains(&date) {
        Ok(date)
    } else {
        Err(OutOfRange {
            date,
            earliest: *range.start(),
            latest: *range.end(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn typed_dates_within_ten_years_pass_and_others_are_refused_in_both_languages() {
        let today = date("2026-12-02");
        assert_eq!(
            check_user_date(date("2036-12-02"), today),
            Ok(date("2036-12-02"))
        );
        assert_eq!(
            check_user_date(date("2016-12-02"), today),
            Ok(date("2016-12-02"))
        );
        let refused = check_user_date(date("9999-12-31"), today).unwrap_err();
        assert_eq!(
            refused.message(Language::Ja),
            "9999-12-31 は範囲外です。今日から前後10年以内の日付を指定してください（2016-12-02〜2036-12-02）"
        );
        assert_eq!(
            refused.message(Language::En),
            "9999-12-31 is out of range: give a date within 10 years of today (2016-12-02 to 2036-12-02)"
        );
        assert!(check_user_date(date("2036-12-03"), today).is_err());
        assert!(check_user_date(NaiveDate::MAX, today).is_err());
        assert!(check_user_date(NaiveDate::MIN, today).is_err());
    }

    #[test]
    fn the_range_itself_never_panics_at_the_calendar_edges() {
        let range = user_date_range(NaiveDate::MAX);
        assert_eq!(*range.end(), NaiveDate::MAX);
        let range = user_date_range(NaiveDate::MIN);
        assert_eq!(*range.start(), NaiveDate::MIN);
    }

    #[test]
    fn first_sessions_outside_the_sane_years_are_refused() {
        assert!(check_sane_year(date("1970-01-01")).is_ok());
        assert!(check_sane_year(date("2100-12-31")).is_ok());
        assert_eq!(
            check_sane_year(date("9999-12-29")).unwrap_err(),
            "expected a date in the years 1970 to 2100, got 9999-12-29"
        );
        assert!(check_sane_year(date("1969-12-31")).is_err());
    }
}
