//! Replies about what the team keeps: learnings, postmortems, `/history`.

use chrono::NaiveDate;

use super::dates::day;
use super::{Message, catalogue};
use crate::domain::language::Language;

catalogue! {
    pub(crate) enum Knowledge<'a> {
        LearningRecorded { date: NaiveDate, id: &'a str },
        PostmortemRecorded { title: &'a str, date: NaiveDate, id: &'a str },
        NothingFound { query: &'a str },
        Results { query: &'a str, page: usize },
        MoreResults { page: usize },
        PastLastPage { query: &'a str, page: usize, last: usize },
    }
}

impl Message for Knowledge<'_> {
    fn ja(&self) -> String {
        match *self {
            Knowledge::LearningRecorded { date, id } => {
                format!(
                    "{}の学びとして記録しました。ありがとうございます！ id `{id}`",
                    day(date, Language::Ja)
                )
            }
            Knowledge::PostmortemRecorded { title, date, id } => format!(
                "ポストモーテム「{title}」を{}の回に記録しました。対応ありがとうございました。id `{id}`",
                day(date, Language::Ja)
            ),
            Knowledge::NothingFound { query } => format!("「{query}」は見つかりませんでした"),
            Knowledge::Results { query, page } => {
                format!("「{query}」の検索結果（{page}ページ目）:")
            }
            Knowledge::MoreResults { page } => format!("\n続きは ページ:{page} で見られます"),
            Knowledge::PastLastPage { query, page, last } => format!(
                "「{query}」の検索結果は{last}ページ目までです（{page}ページ目はありません）。最後のページは ページ:{last} で見られます"
            ),
        }
    }

    fn en(&self) -> String {
        match *self {
            Knowledge::LearningRecorded { date, id } => {
                format!(
                    "Recorded as a learning of {}. Thank you! id `{id}`",
                    day(date, Language::En)
                )
            }
            Knowledge::PostmortemRecorded { title, date, id } => format!(
                "Postmortem \"{title}\" recorded for {}. Thanks for the recovery work. id `{id}`",
                day(date, Language::En)
            ),
            Knowledge::NothingFound { query } => format!("nothing found for \"{query}\""),
            Knowledge::Results { query, page } => format!("Results for \"{query}\" (page {page}):"),
            Knowledge::MoreResults { page } => format!("\nMore with page:{page}"),
            Knowledge::PastLastPage { query, page, last } => format!(
                "the results for \"{query}\" end on page {last} (there is no page {page}); see the last one with page:{last}"
            ),
        }
    }
}

#[cfg(test)]
impl Knowledge<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        let date = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        vec![
            Knowledge::LearningRecorded { date, id: "l-1" },
            Knowledge::PostmortemRecorded {
                title: "決済APIの遅延",
                date,
                id: "p-1",
            },
            Knowledge::NothingFound { query: "決済" },
            Knowledge::Results {
                query: "決済",
                page: 1,
            },
            Knowledge::MoreResults { page: 2 },
            Knowledge::PastLastPage {
                query: "決済",
                page: 99,
                last: 2,
            },
        ]
    }
}
