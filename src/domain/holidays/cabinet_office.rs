//! The Cabinet Office holiday CSV as published (Shift-JIS, `1955/1/1,元日`), and the
//! checks a downloaded list must pass before it may replace the list in use.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::OfficialList;

/// The first line of the published CSV; anything else is not the list.
pub const HEADER: &str = "国民の祝日・休日月日,国民の祝日・休日名称";

/// Years before the 1996 reform had as few as 9 holidays; from 1996 (海の日) every
/// year has at least 14 (15 named days, one of which can move onto another).
const MIN_ROWS_FROM_1996: usize = 14;
const MIN_ROWS_BEFORE_1996: usize = 9;

/// Holidays on a fixed date in every year since `since`, by law. A list missing one
/// of them is truncated or garbled, whatever else it holds.
const FIXED_DAYS: &[(u32, u32, &str, i32)] = &[
    (1, 1, "元日", 1955),
    (2, 11, "建国記念の日", 1967),
    (5, 3, "憲法記念日", 1955),
    (5, 5, "こどもの日", 1955),
    (11, 3, "文化の日", 1955),
    (11, 23, "勤労感謝の日", 1955),
];

/// Why an answer was not taken as the new list. Said in the log, so an operator can
/// tell a changed format from a truncated download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The bytes are neither Shift-JIS nor UTF-8 text.
    NotShiftJis,
    /// The first line is not the published header (an error page, a moved file).
    NotTheList {
        first_line: String,
    },
    BadLine {
        line: usize,
        text: String,
    },
    Empty,
    /// A year inside the covered range has no row at all.
    GapInYears {
        year: i32,
    },
    TooFewRows {
        year: i32,
        rows: usize,
        at_least: usize,
    },
    MissingFixedHoliday {
        date: NaiveDate,
        name: &'static str,
    },
    /// The answer covers less than the list in use: taking it would forget years.
    Shrinks {
        offered: (i32, i32),
        in_use: (i32, i32),
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotShiftJis => write!(f, "the body is neither Shift-JIS nor UTF-8 text"),
            Refusal::NotTheList { first_line } => write!(
                f,
                "the first line is {first_line:?}, not the Cabinet Office header {HEADER:?}"
            ),
            Refusal::BadLine { line, text } => {
                write!(f, "line {line}: expected `YYYY/M/D,name`, got {text:?}")
            }
            Refusal::Empty => write!(f, "the list holds no holidays"),
            Refusal::GapInYears { year } => write!(f, "the list has no holiday in {year}"),
            Refusal::TooFewRows {
                year,
                rows,
                at_least,
            } => write!(
                f,
                "{year} has {rows} holidays, fewer than the {at_least} any year has had"
            ),
            Refusal::MissingFixedHoliday { date, name } => {
                write!(f, "{name} ({date}) is missing")
            }
            Refusal::Shrinks { offered, in_use } => write!(
                f,
                "it covers {}..={}, less than the list in use ({}..={})",
                offered.0, offered.1, in_use.0, in_use.1
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// Decodes and parses the published CSV. It says nothing about plausibility:
/// see [`validate`].
pub fn parse(body: &[u8]) -> Result<OfficialList, Refusal> {
    // The list is published in Shift-JIS. Japanese text in Shift-JIS is practically
    // never valid UTF-8, so a body that is valid UTF-8 is read as UTF-8: a mirror or
    // a future re-encoding of the file is still understood.
    let text = match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text.trim_start_matches('\u{feff}')),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(body);
            if had_errors {
                return Err(Refusal::NotShiftJis);
            }
            text
        }
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let header = lines
        .by_ref()
        .find(|(_, l)| !l.is_empty())
        .map(|(_, l)| l)
        .unwrap_or_default();
    if header != HEADER {
        return Err(Refusal::NotTheList {
            first_line: header.chars().take(80).collect(),
        });
    }
    let mut days = BTreeMap::new();
    for (line, text) in lines.filter(|(_, l)| !l.is_empty()) {
        let bad = || Refusal::BadLine {
            line,
            text: text.chars().take(80).collect(),
        };
        let (date, name) = text.split_once(',').ok_or_else(bad)?;
        let date = parse_slashed_date(date.trim()).ok_or_else(bad)?;
        let name = name.trim();
        if name.is_empty() || name.contains(',') {
            return Err(bad());
        }
        days.insert(date, name.to_string());
    }
    OfficialList::from_days(days).ok_or(Refusal::Empty)
}

/// `1955/1/1` (the published form, not zero-padded) or `2026/01/01`.
fn parse_slashed_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('/');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Accepts `offered` as a replacement for `in_use` only if it looks like the whole
/// official list: every year covered and plausibly full, the fixed holidays present,
/// and no year of `in_use` forgotten (a list never shrinks).
pub fn validate(offered: &OfficialList, in_use: &OfficialList) -> Result<(), Refusal> {
    let years = offered.years();
    let in_use_years = in_use.years();
    if years.start() > in_use_years.start() || years.end() < in_use_years.end() {
        return Err(Refusal::Shrinks {
            offered: (*years.start(), *years.end()),
            in_use: (*in_use_years.start(), *in_use_years.end()),
        });
    }
    let mut rows: BTreeMap<i32, usize> = BTreeMap::new();
    for date in offered.days.keys() {
        *rows.entry(date.year()).or_default() += 1;
    }
    for year in years {
        let count = rows.get(&year).copied().unwrap_or(0);
        if count == 0 {
            return Err(Refusal::GapInYears { year });
        }
        let at_least = if year >= 1996 {
            MIN_ROWS_FROM_1996
        } else {
            MIN_ROWS_BEFORE_1996
        };
        if count < at_least {
            return Err(Refusal::TooFewRows {
                year,
                rows: count,
                at_least,
            });
        }
        for &(month, day, name, since) in FIXED_DAYS {
            let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
                continue;
            };
            if year >= since && offered.days.get(&date).map(String::as_str) != Some(name) {
                return Err(Refusal::MissingFixedHoliday { date, name });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded list written back the way the Cabinet Office publishes it.
    fn published(list: &OfficialList) -> Vec<u8> {
        let mut text = format!("{HEADER}\r\n");
        for (date, name) in &list.days {
            text.push_str(&format!(
                "{}/{}/{},{name}\r\n",
                date.year(),
                date.month(),
                date.day()
            ));
        }
        encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
    }

    fn only_years(list: &OfficialList, from: i32, until: i32) -> OfficialList {
        let days = list
            .days
            .iter()
            .filter(|(d, _)| (from..=until).contains(&d.year()))
            .map(|(d, n)| (*d, n.clone()))
            .collect();
        OfficialList::from_days(days).unwrap()
    }

    #[test]
    fn the_published_form_of_the_embedded_list_parses_to_the_same_days_and_passes() {
        let embedded = OfficialList::embedded();
        let parsed = parse(&published(&embedded)).unwrap();
        assert_eq!(parsed.days, embedded.days);
        assert_eq!(parsed.years(), 1955..=2027);
        assert_eq!(validate(&parsed, &embedded), Ok(()));
    }

    #[test]
    fn a_utf8_body_or_an_error_page_is_not_the_list() {
        assert_eq!(
            parse(b"<html><body>503 Service Unavailable</body></html>").unwrap_err(),
            Refusal::NotTheList {
                first_line: "<html><body>503 Service Unavailable</body></html>".into()
            }
        );
        // 0x82 starts a two-byte character; 0x20 cannot follow it.
        assert_eq!(parse(b"\x82\x20abc").unwrap_err(), Refusal::NotShiftJis);
        let utf8 = format!("{HEADER}\n2026/1/1,元日\n");
        assert_eq!(parse(utf8.as_bytes()).unwrap().years(), 2026..=2026);
        let header_only = encoding_rs::SHIFT_JIS.encode(HEADER).0.into_owned();
        assert_eq!(parse(&header_only).unwrap_err(), Refusal::Empty);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let body = encoding_rs::SHIFT_JIS
            .encode(&format!("{HEADER}\n2026/1/1,元日\n2026/2/30,x\n"))
            .0
            .into_owned();
        assert_eq!(
            parse(&body).unwrap_err(),
            Refusal::BadLine {
                line: 3,
                text: "2026/2/30,x".into()
            }
        );
    }

    #[test]
    fn a_list_that_forgets_years_is_refused() {
        let embedded = OfficialList::embedded();
        let recent = only_years(&embedded, 2025, 2027);
        assert_eq!(
            validate(&recent, &embedded),
            Err(Refusal::Shrinks {
                offered: (2025, 2027),
                in_use: (1955, 2027)
            })
        );
        let older = only_years(&embedded, 1955, 2026);
        assert!(matches!(
            validate(&older, &embedded),
            Err(Refusal::Shrinks { .. })
        ));
    }

    #[test]
    fn a_year_with_too_few_rows_or_a_missing_fixed_holiday_is_refused() {
        let embedded = OfficialList::embedded();
        let mut days = embedded.days.clone();
        days.retain(|d, _| d.year() != 2020 || d.month() < 6);
        let thin = OfficialList::from_days(days).unwrap();
        assert!(matches!(
            validate(&thin, &embedded),
            Err(Refusal::TooFewRows { year: 2020, .. })
        ));

        let mut days = embedded.days.clone();
        let culture_day = NaiveDate::from_ymd_opt(1980, 11, 3).unwrap();
        days.remove(&culture_day);
        let missing = OfficialList::from_days(days).unwrap();
        assert_eq!(
            validate(&missing, &embedded),
            Err(Refusal::MissingFixedHoliday {
                date: culture_day,
                name: "文化の日"
            })
        );
    }

    #[test]
    fn a_gap_inside_the_covered_years_is_refused() {
        let embedded = OfficialList::embedded();
        let mut days = embedded.days.clone();
        days.retain(|d, _| d.year() != 2001);
        let gap = OfficialList::from_days(days).unwrap();
        assert_eq!(
            validate(&gap, &embedded),
            Err(Refusal::GapInYears { year: 2001 })
        );
    }

    #[test]
    fn a_longer_list_is_accepted() {
        let embedded = OfficialList::embedded();
        let mut days = embedded.days.clone();
        // 2028 as a copy of 2027's dates (2027 is not a leap year, so each exists).
        for (date, name) in embedded.days.iter().filter(|(d, _)| d.year() == 2027) {
            days.insert(date.with_year(2028).unwrap(), name.clone());
        }
        let longer = OfficialList::from_days(days).unwrap();
        assert_eq!(longer.years(), 1955..=2028);
        assert_eq!(validate(&longer, &embedded), Ok(()));
    }
}
