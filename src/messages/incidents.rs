//! Incidents in the meeting: the list in a call for topics and the day's
//! announcement, the 「話します」 button and its answers, `/incidents`, and the
//! timeline a postmortem form starts from. Nobody is named or asked by name.

use chrono::NaiveDate;

use super::dates::day;
use super::{Message, catalogue};
use crate::domain::language::Language;

catalogue! {
    pub(crate) enum Incidents<'a> {
        /// Above the incidents a call for topics or an announcement lists.
        ToPresent,
        /// The button under them; numbered when there are several.
        PresentButton { number: Option<usize> },
        /// Incidents the message had no room for.
        More { count: usize },
        /// A click (or a race of two) after someone already took it.
        AlreadyOnAgenda { title: &'a str },
        UnknownIncident { id: &'a str },
        /// `/incidents`, from a day on.
        ListHeading { since: NaiveDate, page: usize },
        ListEmpty { since: NaiveDate },
        /// After a line of `/incidents` whose incident has an agenda item.
        OnAgenda,
        NextPage { page: usize },
        /// An incident in a list: its title, when, and how long.
        Line { title: &'a str, range: &'a str, lasted: &'a str },
        PastLastPage { since: NaiveDate, page: usize, last: usize },
        /// The timeline a postmortem form is filled in with.
        TimelineStart { at: &'a str },
        TimelineEnd { at: &'a str },
        TimelineFiring,
        TimelineAlert { at: &'a str, alert: &'a str },
    }
}

impl Message for Incidents<'_> {
    fn ja(&self) -> String {
        let ja = Language::Ja;
        match *self {
            Incidents::ToPresent => {
                "前回からのインシデントです。話せる方は「話します」を押してください（任意です）:"
                    .into()
            }
            Incidents::PresentButton { number: None } => "話します".into(),
            Incidents::PresentButton { number: Some(n) } => format!("{n}を話します"),
            Incidents::More { count } => format!("ほか{count}件は `/incidents` で見られます"),
            Incidents::AlreadyOnAgenda { title } => {
                format!("「{title}」はすでに議題に入っています。ありがとうございます")
            }
            Incidents::UnknownIncident { id } => format!("インシデント {id} は見つかりません"),
            Incidents::ListHeading { since, page } => {
                format!("{}からのインシデント（{page}ページ目）:", day(since, ja))
            }
            Incidents::ListEmpty { since } => {
                format!("{}からのインシデントはありません", day(since, ja))
            }
            Incidents::OnAgenda => "（議題あり）".into(),
            Incidents::NextPage { page } => format!("続きは ページ:{page} で見られます"),
            Incidents::Line {
                title,
                range,
                lasted,
            } => format!("{title}（{range}、{lasted}）"),
            Incidents::PastLastPage { since, page, last } => format!(
                "{}からのインシデントは{last}ページ目までです（{page}ページ目はありません）。最後のページは ページ:{last} で見られます",
                day(since, Language::Ja)
            ),
            Incidents::TimelineStart { at } => format!("{at} 発生"),
            Incidents::TimelineEnd { at } => format!("{at} 復旧"),
            Incidents::TimelineFiring => "（まだ対応中）".into(),
            Incidents::TimelineAlert { at, alert } => format!("{at} アラート: {alert}"),
        }
    }

    fn en(&self) -> String {
        let en = Language::En;
        match *self {
            Incidents::ToPresent => {
                "Incidents since the last session. If you can present one, press \"I'll present\" (optional):"
                    .into()
            }
            Incidents::PresentButton { number: None } => "I'll present".into(),
            Incidents::PresentButton { number: Some(n) } => format!("I'll present {n}"),
            Incidents::More { count } => format!("{count} more with `/incidents`"),
            Incidents::AlreadyOnAgenda { title } => {
                format!("\"{title}\" is already on the agenda. Thank you")
            }
            Incidents::UnknownIncident { id } => format!("no incident {id}"),
            Incidents::ListHeading { since, page } => {
                format!("Incidents since {} (page {page}):", day(since, en))
            }
            Incidents::ListEmpty { since } => format!("No incidents since {}", day(since, en)),
            Incidents::OnAgenda => " (on the agenda)".into(),
            Incidents::NextPage { page } => format!("More with page:{page}"),
            Incidents::Line { title, range, lasted } => format!("{title} ({range}, {lasted})"),
            Incidents::PastLastPage { since, page, last } => format!(
                "the incidents since {} end on page {last} (there is no page {page}); see the last one with page:{last}",
                day(since, en)
            ),
            Incidents::TimelineStart { at } => format!("{at} started"),
            Incidents::TimelineEnd { at } => format!("{at} resolved"),
            Incidents::TimelineFiring => "(still firing)".into(),
            Incidents::TimelineAlert { at, alert } => format!("{at} alert: {alert}"),
        }
    }
}

#[cfg(test)]
impl Incidents<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        let since = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        vec![
            Incidents::ToPresent,
            Incidents::PresentButton { number: None },
            Incidents::PresentButton { number: Some(2) },
            Incidents::More { count: 3 },
            Incidents::AlreadyOnAgenda { title: "db" },
            Incidents::UnknownIncident { id: "sre" },
            Incidents::ListHeading { since, page: 1 },
            Incidents::ListEmpty { since },
            Incidents::OnAgenda,
            Incidents::NextPage { page: 2 },
            Incidents::Line {
                title: "決済APIのレイテンシ",
                range: "12月11日(金) 10:00–10:40",
                lasted: "40分",
            },
            Incidents::PastLastPage {
                since,
                page: 5,
                last: 1,
            },
            Incidents::TimelineStart { at: "11/30 19:00" },
            Incidents::TimelineEnd { at: "11/30 20:25" },
            Incidents::TimelineFiring,
            Incidents::TimelineAlert {
                at: "11/30 19:00",
                alert: "primary",
            },
        ]
    }
}
