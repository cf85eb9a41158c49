//! Dates as people read them in messages: `12月9日(水)`, `Dec 9 (Wed)`. JSON and
//! option values keep ISO dates; this is only for text.

use chrono::{Datelike, NaiveDate};

use crate::domain::language::Language;

/// A day in a message, without the year.
pub(crate) fn day(date: NaiveDate, language: Language) -> String {
    let weekday = language.weekday_short(date.weekday());
    match language {
        Language::Ja => format!("{}月{}日({weekday})", date.month(), date.day()),
        Language::En => format!("{} {} ({weekday})", date.format("%b"), date.day()),
    }
}

/// A day with its year, for dates that may lie in another year than today.
pub(crate) fn day_with_year(date: NaiveDate, language: Language) -> String {
    match language {
        Language::Ja => format!("{}年{}", date.year(), day(date, language)),
        Language::En => format!("{}, {}", day(date, language), date.year()),
    }
}

/// A yearly closure as people read it: `年末年始（12月29日〜1月3日）`.
pub(crate) fn closure(
    name: &str,
    from: (u32, u32),
    until: (u32, u32),
    language: Language,
) -> String {
    let month_day = |(m, d): (u32, u32)| match language {
        Language::Ja => format!("{m}月{d}日"),
        Language::En => chrono::NaiveDate::from_ymd_opt(2000, m, d)
            .map(|date| format!("{} {d}", date.format("%b")))
            .unwrap_or_else(|| format!("{m}/{d}")),
    };
    match language {
        Language::Ja => format!("{name}（{}〜{}）", month_day(from), month_day(until)),
        Language::En => format!("{name} ({} to {})", month_day(from), month_day(until)),
    }
}

/// A day as read on `today`: with its year only when it is neither this year nor next.
pub(crate) fn day_seen(date: NaiveDate, today: NaiveDate, language: Language) -> String {
    if date.year() == today.year() || date.year() == today.year() + 1 {
        day(date, language)
    } else {
        day_with_year(date, language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_as_month_day_and_weekday() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        assert_eq!(day(date, Language::Ja), "12月9日(水)");
        assert_eq!(day(date, Language::En), "Dec 9 (Wed)");
        assert_eq!(day_with_year(date, Language::Ja), "2026年12月9日(水)");
        assert_eq!(day_with_year(date, Language::En), "Dec 9 (Wed), 2026");
    }

    #[test]
    fn the_year_is_said_only_outside_this_year_and_the_next() {
        let on = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let today = on(2026, 12, 11);
        assert_eq!(day_seen(on(2027, 1, 6), today, Language::Ja), "1月6日(水)");
        assert_eq!(day_seen(on(2026, 3, 4), today, Language::Ja), "3月4日(水)");
        assert_eq!(
            day_seen(on(2025, 12, 30), today, Language::Ja),
            "2025年12月30日(火)"
        );
        assert_eq!(
            day_seen(on(2028, 1, 5), today, Language::En),
            "Jan 5 (Wed), 2028"
        );
    }
}
