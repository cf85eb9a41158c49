//! `stats` and `/stats`: the text summary and the chart's labels.

use chrono::NaiveDate;

use super::labels::Label;
use super::{Message, catalogue, dates::day_with_year};
use crate::domain::language::Language;
use crate::domain::log::AgendaKind;

/// Held and skipped weeks of one year (`year` None: the total line).
#[derive(Clone, Copy)]
pub(crate) struct YearCounts {
    pub year: Option<i32>,
    pub held: u32,
    pub skipped: u32,
    pub holiday: u32,
    pub skip_date: u32,
    pub cancelled: u32,
}

/// A column of the web page's table of years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatsColumn {
    Year,
    Held,
    Skipped,
    Holiday,
    CompanyDayOff,
    Cancelled,
}

impl StatsColumn {
    pub(crate) const ALL: [StatsColumn; 6] = [
        StatsColumn::Year,
        StatsColumn::Held,
        StatsColumn::Skipped,
        StatsColumn::Holiday,
        StatsColumn::CompanyDayOff,
        StatsColumn::Cancelled,
    ];
}

catalogue! {
    pub(crate) enum Stats<'a> {
        Column { column: StatsColumn },
        /// A row's first cell: the year, or the total.
        YearCell { year: Option<i32> },
        Heading { title: &'a str, id: &'a str, until: NaiveDate },
        NoWeeksYet { first_session: NaiveDate },
        Year { counts: YearCounts },
        AgendaItems { counts: &'a [(AgendaKind, u32)], total: u32 },
        TopTags { tags: &'a [(&'a str, u32)] },
        SessionsWithRecords {
            sessions: usize,
            answered: usize,
            counted: usize,
        },
        PostmortemsAndLearnings { postmortems: u32, learnings: u32 },
        Actions {
            total: u32,
            open: u32,
            overdue: u32,
            done_with_due: u32,
            done_on_time: u32,
            on_time_percent: Option<u32>,
            median_days: Option<f64>,
        },
        LeftOut { sessions: u32 },
        /// The incident figures: all, those of at least `min_minutes`, and
        /// how many of those were presented; `weeks` they span.
        Incidents {
            total: u32,
            weeks: usize,
            min_minutes: u32,
            above: u32,
            presented: u32,
        },
        /// The last weeks: (Monday, incidents, sessions held).
        IncidentWeeks { weeks: &'a [(NaiveDate, u32, u32)] },
        ChartFailed { error: &'a str },
        ChartTitle { title: &'a str, until: NaiveDate },
        ChartSummary { held: u32, skipped: u32, items: u32, learnings: u32, on_time_percent: Option<u32> },
        Attendance,
        SessionDate,
        People,
        Going,
        Maybe,
        NotGoing,
        Present,
        NoSessions,
        AgendaByKind,
        Items,
        PerYear,
        Years,
        Weeks,
        Held,
        SkippedHoliday,
        SkippedDayOff,
        SkippedCancelled,
        NoWeeks,
    }
}

fn kinds(counts: &[(AgendaKind, u32)], language: Language) -> String {
    let sep = match language {
        Language::Ja => "、",
        Language::En => ", ",
    };
    counts
        .iter()
        .map(|(kind, n)| format!("{} {n}", Label::Agenda { kind: *kind }.say(language)))
        .collect::<Vec<_>>()
        .join(sep)
}

/// A share as a whole percentage.
fn percent(part: u32, whole: u32) -> u32 {
    (f64::from(part) * 100.0 / f64::from(whole.max(1))).round() as u32
}

/// The average per week, one decimal.
fn per_week(total: u32, weeks: usize) -> String {
    format!("{:.1}", f64::from(total) / weeks.max(1) as f64)
}

fn tags(tags: &[(&str, u32)], sep: &str) -> String {
    tags.iter()
        .map(|(tag, n)| format!("{tag} {n}"))
        .collect::<Vec<_>>()
        .join(sep)
}

impl Message for Stats<'_> {
    fn ja(&self) -> String {
        use Stats::*;
        let ja = Language::Ja;
        match *self {
            Heading { title, id, until } => {
                format!(
                    "「{title}」({id}) の統計（{}まで）",
                    day_with_year(until, ja)
                )
            }
            NoWeeksYet { first_session } => format!(
                "まだ開催週がありません（初回 {}）",
                day_with_year(first_session, ja)
            ),
            Column { column } => match column {
                StatsColumn::Year => "年",
                StatsColumn::Held => "開催",
                StatsColumn::Skipped => "休み",
                StatsColumn::Holiday => "うち祝日",
                StatsColumn::CompanyDayOff => "うち会社の休業日",
                StatsColumn::Cancelled => "うち中止",
            }
            .into(),
            YearCell { year } => year.map_or("合計".to_string(), |y| format!("{y}年")),
            Year { counts: c } => format!(
                "{}: 開催 {} 回、休み {} 回（祝日 {}、会社の休業日 {}、中止 {}）",
                c.year.map_or("合計".to_string(), |y| format!("{y}年")),
                c.held,
                c.skipped,
                c.holiday,
                c.skip_date,
                c.cancelled
            ),
            AgendaItems { counts, total } => {
                format!("議題: {}（計 {total} 件）", kinds(counts, ja))
            }
            TopTags { tags: [] } => "よく使われたタグ: なし".into(),
            TopTags { tags: t } => format!("よく使われたタグ: {}", tags(t, "、")),
            SessionsWithRecords {
                sessions,
                answered,
                counted,
            } => format!(
                "記録のある会: {sessions} 回（出欠の記録 {answered} 回、参加者数の記録 {counted} 回。記録のない会は 0 ではなく空白として扱います）"
            ),
            PostmortemsAndLearnings {
                postmortems,
                learnings,
            } => {
                format!("ポストモーテム: {postmortems} 件、学び: {learnings} 件")
            }
            Actions {
                total,
                open,
                overdue,
                done_with_due,
                done_on_time,
                on_time_percent,
                median_days,
            } => {
                let mut text = format!(
                    "再発防止アクション: {total} 件（未完了 {open} 件、うち期限切れ {overdue} 件）"
                );
                if let Some(percent) = on_time_percent {
                    text += &format!(
                        "、期限のあるものの期限内の完了 {done_on_time}/{done_with_due} 件（{percent}%）"
                    );
                }
                if let Some(days) = median_days {
                    text += &format!("、完了までの日数の中央値 {days} 日");
                }
                text
            }
            LeftOut { sessions } => format!(
                "集計から除外: 予定と合わない会の記録 {sessions} 件（休みの週に開催、またはその逆、曜日が違う）"
            ),
            Incidents {
                total,
                weeks,
                min_minutes,
                above,
                presented,
            } => {
                let share = match above {
                    0 => String::new(),
                    _ => format!("（{}%）", percent(presented, above)),
                };
                format!(
                    "インシデント: {total} 件（{weeks} 週で週平均 {}）、うち {min_minutes} 分以上 {above} 件、議題で話したもの {presented} 件{share}",
                    per_week(total, weeks)
                )
            }
            IncidentWeeks { weeks } => format!(
                "週ごとのインシデントと開催（直近）: {}",
                weeks
                    .iter()
                    .map(|(monday, n, held)| format!(
                        "{}の週 {n} 件・開催 {held} 回",
                        super::dates::day(*monday, ja)
                    ))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            ChartFailed { error } => format!("グラフを描けませんでした: {error}"),
            ChartTitle { title, until } => {
                format!("「{title}」の統計（{}まで）", day_with_year(until, ja))
            }
            ChartSummary {
                held,
                skipped,
                items,
                learnings,
                on_time_percent,
            } => {
                let actions = on_time_percent
                    .map(|p| format!(" · 期限内に完了したアクション {p}%"))
                    .unwrap_or_default();
                format!(
                    "開催 {held} 回 · 休み {skipped} 回 · 議題 {items} 件 · 学び {learnings} 件{actions}"
                )
            }
            Attendance => "出欠と参加者数".into(),
            SessionDate => "開催日".into(),
            People => "人数".into(),
            Going => "参加".into(),
            Maybe => "たぶん".into(),
            NotGoing => "不参加".into(),
            Present => "参加者（実数）".into(),
            NoSessions => "まだ記録された会がありません".into(),
            AgendaByKind => "議題の種類".into(),
            Items => "件数".into(),
            PerYear => "年ごとの開催と休み".into(),
            Years => "年".into(),
            Weeks => "週".into(),
            Held => "開催".into(),
            SkippedHoliday => "休み（祝日）".into(),
            SkippedDayOff => "休み（会社の休業日）".into(),
            SkippedCancelled => "休み（中止）".into(),
            NoWeeks => "まだ開催週がありません".into(),
        }
    }

    fn en(&self) -> String {
        use Stats::*;
        match *self {
            Heading { title, id, until } => format!(
                "{title} ({id}): statistics up to {}",
                super::dates::day_with_year(until, Language::En)
            ),
            NoWeeksYet { first_session } => format!(
                "no weeks scheduled yet (first session {})",
                super::dates::day_with_year(first_session, Language::En)
            ),
            Column { column } => match column {
                StatsColumn::Year => "Year",
                StatsColumn::Held => "Held",
                StatsColumn::Skipped => "Skipped",
                StatsColumn::Holiday => "of which holidays",
                StatsColumn::CompanyDayOff => "company days off",
                StatsColumn::Cancelled => "cancelled",
            }
            .into(),
            YearCell { year } => year.map_or("Total".to_string(), |y| y.to_string()),
            Year { counts: c } => format!(
                "{}: held {}, skipped {} (holiday {}, company day off {}, cancelled {})",
                c.year.map_or("total".to_string(), |y| y.to_string()),
                c.held,
                c.skipped,
                c.holiday,
                c.skip_date,
                c.cancelled
            ),
            AgendaItems { counts, total } => {
                format!(
                    "agenda items: {} (total {total})",
                    kinds(counts, Language::En)
                )
            }
            TopTags { tags: [] } => "top tags: none".into(),
            TopTags { tags: t } => format!("top tags: {}", tags(t, ", ")),
            SessionsWithRecords {
                sessions,
                answered,
                counted,
            } => format!(
                "sessions with records: {sessions} (RSVPs in {answered}, head count in {counted}; the others are gaps, not zeros)"
            ),
            PostmortemsAndLearnings {
                postmortems,
                learnings,
            } => {
                format!("postmortems: {postmortems}, learnings: {learnings}")
            }
            Actions {
                total,
                open,
                overdue,
                done_with_due,
                done_on_time,
                on_time_percent,
                median_days,
            } => {
                let mut text =
                    format!("prevention actions: {total} ({open} open, {overdue} of them overdue)");
                if let Some(percent) = on_time_percent {
                    text += &format!(
                        ", done by the due date {done_on_time} of {done_with_due} ({percent}%)"
                    );
                }
                if let Some(days) = median_days {
                    text += &format!(", median {days} days to done");
                }
                text
            }
            LeftOut { sessions } => format!(
                "left out: {sessions} session records that disagree with the schedule (held on a skipped week or the reverse, or off the weekly rule)"
            ),
            Incidents {
                total,
                weeks,
                min_minutes,
                above,
                presented,
            } => {
                let share = match above {
                    0 => String::new(),
                    _ => format!(" ({}%)", percent(presented, above)),
                };
                format!(
                    "incidents: {total} ({} a week over {weeks} weeks); {above} lasted {min_minutes} min or more, {presented} of them presented{share}",
                    per_week(total, weeks)
                )
            }
            IncidentWeeks { weeks } => format!(
                "incidents and sessions per week (latest): {}",
                weeks
                    .iter()
                    .map(|(monday, n, held)| format!(
                        "week of {}: {n} incidents, {held} held",
                        super::dates::day(*monday, Language::En)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ChartFailed { error } => format!("the chart could not be drawn: {error}"),
            ChartTitle { title, until } => format!("{title}: statistics up to {until}"),
            ChartSummary {
                held,
                skipped,
                items,
                learnings,
                on_time_percent,
            } => {
                let actions = on_time_percent
                    .map(|p| format!(" · actions done on time {p}%"))
                    .unwrap_or_default();
                format!(
                    "held {held} · skipped {skipped} · agenda items {items} · learnings {learnings}{actions}"
                )
            }
            Attendance => "RSVPs and attendance per session".into(),
            SessionDate => "Session date".into(),
            People => "People".into(),
            Going => "Going".into(),
            Maybe => "Maybe".into(),
            NotGoing => "Not going".into(),
            Present => "Present (counted)".into(),
            NoSessions => "No sessions recorded yet".into(),
            AgendaByKind => "Agenda items by kind".into(),
            Items => "Items".into(),
            PerYear => "Held and skipped weeks per year".into(),
            Years => "Year".into(),
            Weeks => "Weeks".into(),
            Held => "Held".into(),
            SkippedHoliday => "Skipped: holiday".into(),
            SkippedDayOff => "Skipped: day off".into(),
            SkippedCancelled => "Skipped: cancelled".into(),
            NoWeeks => "No weeks scheduled yet".into(),
        }
    }
}

#[cfg(test)]
impl Stats<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use Stats::*;
        const WEEKS: &[(NaiveDate, u32, u32)] = &[(
            match NaiveDate::from_ymd_opt(2026, 11, 23) {
                Some(d) => d,
                None => NaiveDate::MIN,
            },
            2,
            1,
        )];
        let date = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let counts = YearCounts {
            year: Some(2026),
            held: 42,
            skipped: 5,
            holiday: 4,
            skip_date: 0,
            cancelled: 1,
        };
        let mut samples: Vec<Self> = StatsColumn::ALL
            .into_iter()
            .map(|column| Column { column })
            .collect();
        samples.extend([YearCell { year: Some(2026) }, YearCell { year: None }]);
        samples.extend(vec![
            Heading {
                title: "週刊ポストモーテム",
                id: "weekly",
                until: date,
            },
            NoWeeksYet {
                first_session: date,
            },
            Year { counts },
            Year {
                counts: YearCounts {
                    year: None,
                    ..counts
                },
            },
            AgendaItems {
                counts: &[(AgendaKind::Incident, 2), (AgendaKind::Topic, 1)],
                total: 3,
            },
            TopTags { tags: &[] },
            Incidents {
                total: 3,
                weeks: 2,
                min_minutes: 5,
                above: 2,
                presented: 1,
            },
            Incidents {
                total: 0,
                weeks: 0,
                min_minutes: 5,
                above: 0,
                presented: 0,
            },
            IncidentWeeks { weeks: WEEKS },
            TopTags {
                tags: &[("監視", 2)],
            },
            SessionsWithRecords {
                sessions: 3,
                answered: 2,
                counted: 2,
            },
            PostmortemsAndLearnings {
                postmortems: 1,
                learnings: 2,
            },
            Actions {
                total: 12,
                open: 3,
                overdue: 1,
                done_with_due: 6,
                done_on_time: 4,
                on_time_percent: Some(67),
                median_days: Some(8.5),
            },
            LeftOut { sessions: 1 },
            ChartFailed {
                error: "フォントがありません",
            },
            ChartTitle {
                title: "週刊ポストモーテム",
                until: date,
            },
            ChartSummary {
                held: 1,
                skipped: 2,
                items: 3,
                learnings: 4,
                on_time_percent: Some(67),
            },
            Attendance,
            SessionDate,
            People,
            Going,
            Maybe,
            NotGoing,
            Present,
            NoSessions,
            AgendaByKind,
            Items,
            PerYear,
            Years,
            Weeks,
            Held,
            SkippedHoliday,
            SkippedDayOff,
            SkippedCancelled,
            NoWeeks,
        ]);
        samples
    }
}
