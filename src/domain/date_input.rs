//! The dates people type into command options: `2026-12-09`, `12/9`,
//! `12月9日`, and the words for the next session (`次回`, `next`) and next
//! week's (`来週`, `next week`). Parsing only; which session a word means is
//! the schedule's answer, so it is returned as a word for the caller to ask.

use chrono::{Datelike, Days, NaiveDate};

use super::date_bounds::{OutOfRange, USER_DATE_YEARS, check_user_date};
use super::language::Language;

/// What a typed date option means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateInput {
    /// A calendar date, within [`USER_DATE_YEARS`] of today.
    On(NaiveDate),
    /// `次回` / `next`: the next held session that has not ended.
    NextSession,
    /// `来週` / `next week`: the held session in the Monday-to-Sunday week
    /// that starts on `monday`.
    NextWeek { monday: NaiveDate },
}

/// Which year a date written without one (`12/9`) falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toward {
    /// The next such day on or after today: sessions to plan, answer or skip.
    Upcoming,
    /// The latest such day on or before today: learnings, postmortems and
    /// searches are about sessions that happened.
    Past,
}

/// Why a typed date was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateInputError {
    NotADate(String),
    OutOfRange(OutOfRange),
}

impl DateInputError {
    /// The refusal, naming every accepted form.
    pub fn message(&self, language: Language) -> String {
        match self {
            DateInputError::OutOfRange(refused) => refused.message(language),
            DateInputError::NotADate(text) => match language {
                Language::Ja => format!(
                    "「{text}」は日付として読めません。2026-12-09、12/9、12月9日、来週、次回 のいずれかの形で書いてください"
                ),
                Language::En => format!(
                    "{text:?} is not a date; write it as 2026-12-09, 12/9, 12月9日, \"next week\" (来週) or \"next\" (次回)"
                ),
            },
        }
    }
}

/// Reads a date option typed on `today` (in the meeting's time zone).
pub fn parse_date_input(
    text: &str,
    today: NaiveDate,
    toward: Toward,
) -> Result<DateInput, DateInputError> {
    let normalized = normalize(text);
    let refuse = || DateInputError::NotADate(text.trim().to_string());
    match normalized.as_str() {
        "次回" | "next" | "next session" => return Ok(DateInput::NextSession),
        "来週" | "next week" => {
            let monday = today
                .checked_add_days(Days::new(
                    7 - u64::from(today.weekday().num_days_from_monday()),
                ))
                .ok_or_else(refuse)?;
            return Ok(DateInput::NextWeek { monday });
        }
        _ => {}
    }
    let date = match numbers(&normalized).ok_or_else(refuse)?.as_slice() {
        [year, month, day] => {
            let year = i32::try_from(*year).map_err(|_| refuse())?;
            NaiveDate::from_ymd_opt(year, *month, *day).ok_or_else(refuse)?
        }
        [month, day] => nearest(*month, *day, today, toward).ok_or_else(refuse)?,
        _ => return Err(refuse()),
    };
    check_user_date(date, today)
        .map(DateInput::On)
        .map_err(DateInputError::OutOfRange)
}

/// Full-width digits and separators as an IME types them, spaces collapsed,
/// English in lower case.
fn normalize(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' => '/',
            '－' | '−' => '-',
            '　' => ' ',
            other => other.to_ascii_lowercase(),
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `2026-12-09`, `2026/12/9`, `2026年12月9日`, `12/9` or `12月9日` as its numbers.
fn numbers(text: &str) -> Option<Vec<u32>> {
    let kanji = text.contains('月');
    let parts: Vec<&str> = if kanji {
        let body = text.strip_suffix('日')?;
        let (year, rest) = match body.split_once('年') {
            Some((year, rest)) => (Some(year), rest),
            None => (None, body),
        };
        let (month, day) = rest.split_once('月')?;
        year.into_iter().chain([month, day]).collect()
    } else if text.contains('/') {
        text.split('/').collect()
    } else {
        // Dashes only with a year: `12-9` is too easily a range or a typo.
        let parts: Vec<&str> = text.split('-').collect();
        if parts.len() != 3 {
            return None;
        }
        parts
    };
    let year_first = parts.len() == 3;
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let digits_ok = !part.is_empty()
                && part.len() <= if year_first && i == 0 { 4 } else { 2 }
                && part.bytes().all(|b| b.is_ascii_digit());
            digits_ok.then(|| part.parse().ok()).flatten()
        })
        .collect()
}

/// The month-day nearest `today` in the direction asked, within the bound.
fn nearest(month: u32, day: u32, today: NaiveDate, toward: Toward) -> Option<NaiveDate> {
    // Ten years always hold a leap year, so 2/29 is found; 2/30 never is.
    let years = 0..=USER_DATE_YEARS as i32;
    years
        .filter_map(|offset| {
            let year = match toward {
                Toward::Upcoming => today.year() + offset,
                Toward::Past => today.year() - offset,
            };
            NaiveDate::from_ymd_opt(year, month, day)
        })
        .find(|date| match toward {
            Toward::Upcoming => *date >= today,
            Toward::Past => *date <= today,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Wednesday 2026-12-02.
    fn today() -> NaiveDate {
        date("2026-12-02")
    }

    fn upcoming(text: &str) -> Result<DateInput, DateInputError> {
        parse_date_input(text, today(), Toward::Upcoming)
    }

    #[test]
    fn every_written_form_reads_as_the_same_day() {
        for text in [
            "2026-12-09",
            " 2026/12/9 ",
            "2026年12月9日",
            "12/9",
            "12/09",
            "12月9日",
            "１２月９日",
            "１２／９",
        ] {
            assert_eq!(
                upcoming(text),
                Ok(DateInput::On(date("2026-12-09"))),
                "{text}"
            );
        }
    }

    #[test]
    fn a_month_and_day_is_the_next_such_day_or_the_last_one_looking_back() {
        assert_eq!(upcoming("12/2"), Ok(DateInput::On(today())), "today counts");
        assert_eq!(upcoming("12/1"), Ok(DateInput::On(date("2027-12-01"))));
        assert_eq!(upcoming("1月6日"), Ok(DateInput::On(date("2027-01-06"))));
        assert_eq!(upcoming("2/29"), Ok(DateInput::On(date("2028-02-29"))));
        let past = |text| parse_date_input(text, today(), Toward::Past);
        assert_eq!(past("12/1"), Ok(DateInput::On(date("2026-12-01"))));
        assert_eq!(past("12/9"), Ok(DateInput::On(date("2025-12-09"))));
        assert_eq!(past("2/29"), Ok(DateInput::On(date("2024-02-29"))));
    }

    #[test]
    fn the_words_for_the_next_session_and_next_week() {
        for text in ["次回", "next", "Next", " NEXT "] {
            assert_eq!(upcoming(text), Ok(DateInput::NextSession), "{text}");
        }
        let next_monday = DateInput::NextWeek {
            monday: date("2026-12-07"),
        };
        for text in ["来週", "next week", "Next  Week"] {
            assert_eq!(upcoming(text), Ok(next_monday), "{text}");
        }
        // On a Sunday, next week starts the following day.
        assert_eq!(
            parse_date_input("来週", date("2026-12-06"), Toward::Upcoming),
            Ok(next_monday)
        );
        assert_eq!(
            parse_date_input("来週", date("2026-12-07"), Toward::Upcoming),
            Ok(DateInput::NextWeek {
                monday: date("2026-12-14")
            })
        );
    }

    #[test]
    fn what_is_not_a_date_is_refused_naming_the_accepted_forms() {
        for text in [
            "",
            "tomorrow",
            "2/30",
            "13/1",
            "12-9",
            "12/9/",
            "1/2/3/4",
            "12月",
            "9日",
            "+12/9",
            "2026-02-30",
            "99999-01-01",
        ] {
            assert!(
                matches!(upcoming(text), Err(DateInputError::NotADate(_))),
                "{text}: {:?}",
                upcoming(text)
            );
        }
        let refused = upcoming(" 12/34 ").unwrap_err();
        assert_eq!(
            refused.message(Language::Ja),
            "「12/34」は日付として読めません。2026-12-09、12/9、12月9日、来週、次回 のいずれかの形で書いてください"
        );
        assert_eq!(
            refused.message(Language::En),
            "\"12/34\" is not a date; write it as 2026-12-09, 12/9, 12月9日, \"next week\" (来週) or \"next\" (次回)"
        );
    }

    #[test]
    fn dates_beyond_ten_years_are_out_of_range() {
        let refused = upcoming("2040-01-01").unwrap_err();
        assert!(matches!(refused, DateInputError::OutOfRange(_)));
        assert!(refused.message(Language::Ja).contains("10年以内"));
        // At the calendar's edge nothing panics.
        assert!(parse_date_input("来週", NaiveDate::MAX, Toward::Upcoming).is_err());
        assert!(parse_date_input("1/1", NaiveDate::MAX, Toward::Upcoming).is_err());
    }
}
