//! Japanese national holidays, layered: the official Cabinet Office list for
//! the years it covers, the rules of the National Holidays Act beyond them.

pub mod cabinet_office;
mod names;
pub mod rules;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::ops::RangeInclusive;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use super::language::Language;

/// The Cabinet Office list (UTF-8, `date,name`) as shipped with this binary.
const EMBEDDED_OFFICIAL_CSV: &str = include_str!("jp-holidays-official-1955-2027.csv");

/// Answers "is this date a holiday, and which one?".
pub trait HolidayCalendar: Send + Sync {
    fn holiday_on(&self, date: NaiveDate) -> Option<Holiday>;

    /// The dates of `year` that `holiday_on` names, in order. The schedule
    /// counts held weeks a year at a time with it; the default asks day by day,
    /// a calendar that keeps a list per year answers from it.
    fn holiday_dates_in(&self, year: i32) -> Vec<NaiveDate> {
        let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            return Vec::new();
        };
        first
            .iter_days()
            .take_while(|d| d.year() == year)
            .filter(|d| self.holiday_on(*d).is_some())
            .collect()
    }

    /// Changes whenever the answers may change (another list), so counts
    /// derived from the answers can be memoised under it; `None` means "do not
    /// memoise".
    fn fingerprint(&self) -> Option<u64> {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    /// The official Japanese name (`休日` for substitute and citizens' holidays).
    pub name_ja: String,
    pub name_en: &'static str,
    pub source: HolidaySource,
}

impl Holiday {
    pub fn name(&self, language: Language) -> &str {
        match language {
            Language::Ja => &self.name_ja,
            Language::En => self.name_en,
        }
    }
}

/// Where an answer came from, so operators can tell a published date from a computed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidaySource {
    OfficialList,
    Rules,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OfficialListError {
    #[error("line {line}: expected `YYYY-MM-DD,name`, got {text:?}")]
    BadLine { line: usize, text: String },
    #[error("the list holds no holidays")]
    Empty,
}

/// The official list: exact for the years it covers, silent outside them.
#[derive(Debug, Clone)]
pub struct OfficialList {
    days: BTreeMap<NaiveDate, String>,
    years: RangeInclusive<i32>,
}

impl OfficialList {
    pub fn embedded() -> Self {
        Self::parse_csv(EMBEDDED_OFFICIAL_CSV)
            .expect("the embedded official holiday list is checked by a unit test")
    }

    /// Parses `date,name` lines; a header line, blank lines and `\r` are tolerated.
    pub fn parse_csv(text: &str) -> Result<Self, OfficialListError> {
        let mut days = BTreeMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r').trim();
            if line.is_empty() || (index == 0 && !line.starts_with(|c: char| c.is_ascii_digit())) {
                continue;
            }
            let bad = || OfficialListError::BadLine {
                line: index + 1,
                text: line.to_string(),
            };
            let (date, name) = line.split_once(',').ok_or_else(bad)?;
            let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            let name = name.trim();
            if name.is_empty() {
                return Err(bad());
            }
            days.insert(date, name.to_string());
        }
        let (first, last) = match (days.keys().next(), days.keys().next_back()) {
            (Some(first), Some(last)) => (first.year(), last.year()),
            _ => return Err(OfficialListError::Empty),
        };
        Ok(Self {
            days,
            years: first..=last,
        })
    }

    pub fn years(&self) -> RangeInclusive<i32> {
        self.years.clone()
    }

    /// A list of the given days; `None` when there are none.
    pub fn from_days(days: BTreeMap<NaiveDate, String>) -> Option<Self> {
        let first = days.keys().next()?.year();
        let last = days.keys().next_back()?.year();
        Some(Self {
            days,
            years: first..=last,
        })
    }

    /// Every holiday in date order, to store the list.
    pub fn days(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.days.iter().map(|(date, name)| (*date, name.as_str()))
    }

    /// The years the embedded list covers, parsed once (`/healthz` asks on every call).
    pub fn embedded_years() -> RangeInclusive<i32> {
        static YEARS: std::sync::OnceLock<RangeInclusive<i32>> = std::sync::OnceLock::new();
        YEARS.get_or_init(|| Self::embedded().years()).clone()
    }
}

/// Japanese national holidays from the official list, with the Act's rules for later years.
///
/// Cheap to clone (the list is shared), as the daemon hands a copy to every use case.
#[derive(Debug, Clone)]
pub struct JapaneseHolidays {
    official: Arc<OfficialList>,
    /// A hash of the list, computed once: the schedule's memo is keyed by it.
    fingerprint: u64,
}

impl JapaneseHolidays {
    pub fn new(official: OfficialList) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        official.days.hash(&mut hasher);
        Self {
            fingerprint: hasher.finish(),
            official: Arc::new(official),
        }
    }

    pub fn embedded() -> Self {
        Self::new(OfficialList::embedded())
    }

    pub fn official_years(&self) -> RangeInclusive<i32> {
        self.official.years()
    }

    /// The official list this calendar answers from, to compare a download against.
    pub fn official(&self) -> &OfficialList {
        &self.official
    }

    fn name_ja_on(&self, date: NaiveDate) -> Option<(String, HolidaySource)> {
        if self.official.years.contains(&date.year()) {
            let name = self.official.days.get(&date)?;
            return Some((name.clone(), HolidaySource::OfficialList));
        }
        rules::holidays_by_rule(date.year())
            .into_iter()
            .find(|(day, _)| *day == date)
            .map(|(_, name)| (name.to_string(), HolidaySource::Rules))
    }

    /// A `休日` is a substitute holiday when the run of holidays before it
    /// includes a Sunday; otherwise it is a citizens' holiday.
    fn follows_a_holiday_sunday(&self, date: NaiveDate) -> bool {
        let mut day = date;
        while let Some(previous) = day.pred_opt() {
            if self.name_ja_on(previous).is_none() {
                return false;
            }
            if previous.weekday() == Weekday::Sun {
                return true;
            }
            day = previous;
        }
        false
    }
}

impl HolidayCalendar for JapaneseHolidays {
    fn holiday_on(&self, date: NaiveDate) -> Option<Holiday> {
        let (name_ja, source) = self.name_ja_on(date)?;
        let name_en = names::english_name(&name_ja, self.follows_a_holiday_sunday(date));
        Some(Holiday {
            date,
            name_ja,
            name_en,
            source,
        })
    }

    fn holiday_dates_in(&self, year: i32) -> Vec<NaiveDate> {
        if self.official.years.contains(&year) {
            let (Some(first), Some(last)) = (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 12, 31),
            ) else {
                return Vec::new();
            };
            return self
                .official
                .days
                .range(first..=last)
                .map(|(d, _)| *d)
                .collect();
        }
        rules::holidays_by_rule(year)
            .into_iter()
            .map(|(d, _)| d)
            .collect()
    }

    fn fingerprint(&self) -> Option<u64> {
        Some(self.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn embedded_list_parses_and_covers_1955_to_2027() {
        let list = OfficialList::parse_csv(EMBEDDED_OFFICIAL_CSV).unwrap();
        assert_eq!(list.years(), 1955..=2027);
    }

    #[test]
    fn official_list_answers_for_its_years_and_rules_beyond() {
        let holidays = JapaneseHolidays::embedded();
        let new_year = holidays.holiday_on(date("2027-01-01")).unwrap();
        assert_eq!(new_year.source, HolidaySource::OfficialList);
        assert_eq!(new_year.name(Language::En), "New Year's Day");
        let later = holidays.holiday_on(date("2030-01-01")).unwrap();
        assert_eq!(later.source, HolidaySource::Rules);
        assert_eq!(later.name(Language::Ja), "元日");
        assert_eq!(holidays.holiday_on(date("2027-01-05")), None);
    }

    #[test]
    fn kyujitsu_is_named_substitute_or_citizens_holiday_in_english() {
        let holidays = JapaneseHolidays::embedded();
        // 2026-05-03 is a Sunday, so 05-06 substitutes for it.
        let substitute = holidays.holiday_on(date("2026-05-06")).unwrap();
        assert_eq!(substitute.name_en, "Substitute holiday");
        // 2026-09-22 sits between 敬老の日 and 秋分の日.
        let citizens = holidays.holiday_on(date("2026-09-22")).unwrap();
        assert_eq!(citizens.name_ja, "休日");
        assert_eq!(citizens.name_en, "Citizens' holiday");
    }

    #[test]
    fn bad_lines_are_reported_with_their_line_number() {
        let err =
            OfficialList::parse_csv("date,name\n2026-01-01,元日\n2026-13-01,x\n").unwrap_err();
        assert_eq!(
            err,
            OfficialListError::BadLine {
                line: 3,
                text: "2026-13-01,x".into()
            }
        );
        assert_eq!(
            OfficialList::parse_csv("date,name\n").unwrap_err(),
            OfficialListError::Empty
        );
    }
}
