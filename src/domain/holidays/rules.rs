//! Japanese national holidays computed from the rules of the National Holidays Act, for years the official list does not cover.
use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// The Act took effect on 1948-07-20; 1949 is its first full year.
const FIRST_YEAR: i32 = 1949;
/// The last year the equinox constants are published for. Beyond it the
/// equinox days are unknown, so the rules name no equinox holiday rather than
/// guess one (the plain formula drifts by a day per century and, far enough
/// out, names days that do not exist).
const LAST_EQUINOX_YEAR: i32 = 2150;
/// Name the Cabinet Office list gives to substitute and citizens' holidays.
const KYUJITSU: &str = "休日";

/// How a holiday's date is determined within a year.
#[derive(Clone, Copy)]
enum Day {
    Fixed(u32, u32),
    /// Happy Monday system: the `n`th Monday of `month`.
    NthMonday(u32, u32),
    VernalEquinox,
    AutumnalEquinox,
}

/// A national holiday as defined by the Act, in force for the years `from..=until`.
struct Rule {
    name: &'static str,
    from: i32,
    until: i32,
    day: Day,
}

const fn rule(name: &'static str, from: i32, until: i32, day: Day) -> Rule {
    Rule {
        name,
        from,
        until,
        day,
    }
}

use Day::{AutumnalEquinox, Fixed, NthMonday, VernalEquinox};

/// Each row is one version of one holiday; amendments end a row and start another.
const RULES: &[Rule] = &[
    rule("元日", 1949, i32::MAX, Fixed(1, 1)),
    rule("成人の日", 1949, 1999, Fixed(1, 15)),
    rule("成人の日", 2000, i32::MAX, NthMonday(1, 2)),
    // Enacted in 1966, first observed in 1967.
    rule("建国記念の日", 1967, i32::MAX, Fixed(2, 11)),
    rule("春分の日", 1949, i32::MAX, VernalEquinox),
    // Showa emperor's birthday; kept as a holiday under new names after his death.
    rule("天皇誕生日", 1949, 1988, Fixed(4, 29)),
    rule("みどりの日", 1989, 2006, Fixed(4, 29)),
    rule("昭和の日", 2007, i32::MAX, Fixed(4, 29)),
    rule("憲法記念日", 1949, i32::MAX, Fixed(5, 3)),
    // 2007 turned the citizens' holiday of 5/4 into a named holiday.
    rule("みどりの日", 2007, i32::MAX, Fixed(5, 4)),
    rule("こどもの日", 1949, i32::MAX, Fixed(5, 5)),
    rule("海の日", 1996, 2002, Fixed(7, 20)),
    rule("海の日", 2003, i32::MAX, NthMonday(7, 3)),
    rule("山の日", 2016, i32::MAX, Fixed(8, 11)),
    rule("敬老の日", 1966, 2002, Fixed(9, 15)),
    rule("敬老の日", 2003, i32::MAX, NthMonday(9, 3)),
    rule("秋分の日", 1949, i32::MAX, AutumnalEquinox),
    rule("体育の日", 1966, 1999, Fixed(10, 10)),
    rule("体育の日", 2000, 2019, NthMonday(10, 2)),
    rule("スポーツの日", 2020, i32::MAX, NthMonday(10, 2)),
    rule("文化の日", 1949, i32::MAX, Fixed(11, 3)),
    rule("勤労感謝の日", 1949, i32::MAX, Fixed(11, 23)),
    // Heisei emperor; the 2019 abdication left that year without an emperor's birthday.
    rule("天皇誕生日", 1989, 2018, Fixed(12, 23)),
    rule("天皇誕生日", 2020, i32::MAX, Fixed(2, 23)),
];

/// A one-off deviation enacted by a separate law for a single year.
enum Special {
    /// An extra day that the law treats as a national holiday.
    Extra(u32, u32, &'static str),
    /// The holiday of this name falls on another date this year.
    Move(&'static str, u32, u32),
    /// The holiday keeps its date but the official list names it differently.
    Rename(&'static str, &'static str),
}

use Special::{Extra, Move, Rename};

const SPECIALS: &[(i32, Special)] = &[
    (1959, Extra(4, 10, "結婚の儀")),
    (1989, Extra(2, 24, "大喪の礼")),
    (1990, Extra(11, 12, "即位礼正殿の儀")),
    (1993, Extra(6, 9, "結婚の儀")),
    // Accession and enthronement; counting them as holidays also makes 4/30 and 5/2 citizens' holidays.
    (2019, Extra(5, 1, "休日（祝日扱い）")),
    (2019, Extra(10, 22, "休日（祝日扱い）")),
    // The rename to スポーツの日 was already law but only took effect in 2020.
    (2019, Rename("体育の日", "体育の日（スポーツの日）")),
    // Tokyo Olympics, and again after their postponement.
    (2020, Move("海の日", 7, 23)),
    (2020, Move("スポーツの日", 7, 24)),
    (2020, Move("山の日", 8, 10)),
    (2021, Move("海の日", 7, 22)),
    (2021, Move("スポーツの日", 7, 23)),
    (2021, Move("山の日", 8, 8)),
];

/// Every national holiday of `year` by the rules of the Act, sorted by date,
/// named exactly as the Cabinet Office list names them (substitute and citizens' holidays are `休日`).
pub fn holidays_by_rule(year: i32) -> Vec<(NaiveDate, &'static str)> {
    if year < FIRST_YEAR {
        return Vec::new();
    }
    let national = national_holidays(year);
    let dates: BTreeSet<NaiveDate> = national.keys().copied().collect();
    let mut all = national;
    for day in substitute_holidays(&dates).chain(citizens_holidays(&dates)) {
        all.entry(day).or_insert(KYUJITSU);
    }
    all.into_iter().collect()
}

/// The holidays named by the Act (and special laws) themselves, before the days they induce.
fn national_holidays(year: i32) -> BTreeMap<NaiveDate, &'static str> {
    let specials = SPECIALS.iter().filter(|(y, _)| *y == year).map(|(_, s)| s);
    let mut holidays = BTreeMap::new();
    for r in RULES.iter().filter(|r| (r.from..=r.until).contains(&year)) {
        let mut date = date_of(year, r.day);
        let mut name = r.name;
        for special in specials.clone() {
            match *special {
                Move(n, m, d) if n == name => date = ymd(year, m, d),
                Rename(from, to) if from == name => name = to,
                _ => {}
            }
        }
        if let Some(date) = date {
            holidays.insert(date, name);
        }
    }
    for special in specials {
        if let Extra(m, d, name) = *special
            && let Some(date) = ymd(year, m, d)
        {
            holidays.insert(date, name);
        }
    }
    holidays
}

/// 振替休日: a holiday on Sunday gives a day off after it.
fn substitute_holidays(national: &BTreeSet<NaiveDate>) -> impl Iterator<Item = NaiveDate> + '_ {
    let introduced = NaiveDate::from_ymd_opt(1973, 4, 12).unwrap_or(NaiveDate::MIN);
    national
        .iter()
        .filter(move |d| d.weekday() == Weekday::Sun && **d >= introduced)
        .filter_map(|&sunday| {
            let monday = next_day(sunday)?;
            // Until 2006 only the Monday qualified; since 2007 the day off moves past
            // any run of holidays, which matters for 5/3-5/5 falling on Sun-Tue.
            if sunday.year() < 2007 {
                return Some(monday);
            }
            let mut day = monday;
            while national.contains(&day) {
                day = next_day(day)?;
            }
            Some(day)
        })
}

/// 国民の休日: an ordinary day sandwiched between two national holidays.
fn citizens_holidays(national: &BTreeSet<NaiveDate>) -> impl Iterator<Item = NaiveDate> + '_ {
    national.iter().filter_map(move |&before| {
        let day = next_day(before)?;
        let after = next_day(day)?;
        let eligible = match day.year() {
            ..=1985 => false,
            // The 1985 wording excluded Sundays (already days off); 2007 dropped that.
            // It also excluded substitute holidays, but those are `休日` either way.
            1986..=2006 => day.weekday() != Weekday::Sun,
            _ => true,
        };
        (eligible && !national.contains(&day) && national.contains(&after)).then_some(day)
    })
}

/// `None` when the day is unknown (an equinox past [`LAST_EQUINOX_YEAR`]) or
/// beyond chrono's calendar.
fn date_of(year: i32, day: Day) -> Option<NaiveDate> {
    match day {
        Fixed(m, d) => ymd(year, m, d),
        NthMonday(m, n) => {
            let first = ymd(year, m, 1)?;
            let to_monday = (7 - first.weekday().num_days_from_monday()) % 7;
            ymd(year, m, 1 + to_monday + 7 * (n - 1))
        }
        VernalEquinox if year <= LAST_EQUINOX_YEAR => ymd(year, 3, equinox_day(year, false)),
        AutumnalEquinox if year <= LAST_EQUINOX_YEAR => ymd(year, 9, equinox_day(year, true)),
        VernalEquinox | AutumnalEquinox => None,
    }
}

/// The equinox day of March or September in Japan Standard Time.
///
/// The Act defers to the equinox as announced each February by the National
/// Astronomical Observatory; this is the usual approximation of those announcements.
/// The mean tropical year drift is 0.242194 days per year, and each leap day pulls
/// the date back by one; the constants re-anchor that drift for each era.
fn equinox_day(year: i32, autumn: bool) -> u32 {
    let (vernal, autumnal, leap_epoch) = match year {
        ..=1979 => (20.8357, 23.2588, 1983),
        1980..=2099 => (20.8431, 23.2488, 1980),
        // `(year - 1980) / 4` counts 2100 as a leap year, which it is not, so the
        // constants are a day higher. No constants are published beyond 2150.
        _ => (21.8510, 24.2488, 1980),
    };
    let base = if autumn { autumnal } else { vernal };
    // Truncating division, as in the published formula: flooring would put the
    // pre-1980 equinoxes a day late in most years.
    let leap_days = (year - leap_epoch) / 4;
    let day = base + 0.242194 * f64::from(year - 1980) - f64::from(leap_days);
    // About 19..=25 for the years up to LAST_EQUINOX_YEAR; a saturating cast
    // otherwise, and `ymd` refuses a day that does not exist.
    day.floor() as u32
}

/// Every date is checked: rules are asked about any year a date can name,
/// up to chrono's last one.
fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

fn next_day(date: NaiveDate) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICIAL: &str = include_str!("jp-holidays-official-1955-2027.csv");

    fn official(year: i32) -> Vec<(NaiveDate, &'static str)> {
        OFFICIAL
            .lines()
            .skip(1)
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let (date, name) = line.split_once(',').expect("line is `date,name`");
                let date = date.parse::<NaiveDate>().expect("date is YYYY-MM-DD");
                (date, name.trim())
            })
            .filter(|(date, _)| date.year() == year)
            .collect()
    }

    #[test]
    fn reproduces_official_list_2000_to_2027() {
        for year in 2000..=2027 {
            let expected = official(year);
            assert!(!expected.is_empty(), "official list lacks {year}");
            let actual = holidays_by_rule(year);
            let first_diff =
                (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i));
            if let Some(i) = first_diff {
                panic!(
                    "{year}: first difference at entry {i}: official {:?}, by rule {:?}",
                    expected.get(i),
                    actual.get(i)
                );
            }
        }
    }

    fn has(year: i32, month: u32, day: u32, name: &str) -> bool {
        holidays_by_rule(year).contains(&(ymd(year, month, day).unwrap(), name))
    }

    #[test]
    fn years_beyond_the_official_list() {
        assert!(has(2030, 3, 20, "春分の日"));
        assert!(has(2030, 9, 23, "秋分の日"));
        // 敬老の日 Monday 9/20, 秋分の日 Wednesday 9/22.
        assert!(has(2032, 9, 20, "敬老の日"));
        assert!(has(2032, 9, 22, "秋分の日"));
        assert!(has(2032, 9, 21, KYUJITSU));
        // 2100 skips its leap day, which the equinox constants account for.
        assert!(has(2100, 3, 20, "春分の日"));
        assert!(has(2100, 9, 23, "秋分の日"));
        // 5/3 on Sunday: 5/4 and 5/5 are holidays, so the substitute moves to 5/6.
        assert!(has(2037, 5, 6, KYUJITSU));
        assert!(holidays_by_rule(1948).is_empty());
    }

    #[test]
    fn sorted_without_duplicates_for_all_years() {
        for year in FIRST_YEAR..=2200 {
            let holidays = holidays_by_rule(year);
            assert!(holidays.len() >= 9, "{year}: too few holidays");
            assert!(
                holidays.windows(2).all(|w| w[0].0 < w[1].0),
                "{year}: not strictly sorted by date"
            );
            assert!(
                holidays.iter().all(|(d, _)| d.year() == year),
                "{year}: date outside the year"
            );
        }
    }

    #[test]
    fn any_year_a_date_can_name_is_answered_without_panicking() {
        let last = NaiveDate::MAX.year();
        for year in [2150, 2151, 3000, 9999, 10_000, 100_000, last - 1, last] {
            let holidays = holidays_by_rule(year);
            assert!(holidays.len() >= 9, "{year}: too few holidays");
            assert!(holidays.iter().all(|(d, _)| d.year() == year));
        }
        // The equinoxes are known up to the last published constants, not beyond.
        assert!(has(2150, 3, 21, "春分の日") || has(2150, 3, 20, "春分の日"));
        assert!(!holidays_by_rule(2151).iter().any(|(_, n)| *n == "春分の日"));
        assert!(holidays_by_rule(NaiveDate::MIN.year()).is_empty());
    }
}
