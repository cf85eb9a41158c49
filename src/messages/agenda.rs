//! Replies about the agenda: adding, listing, covering and removing items.

use chrono::NaiveDate;

use super::dates::day;
use super::{Message, catalogue};
use crate::domain::language::Language;

catalogue! {
    pub(crate) enum Agenda<'a> {
        AlreadyListed { title: &'a str, date: NaiveDate, id: &'a str },
        /// `kind_ja`/`kind_en`: the item's kind as each language labels it.
        /// `late`: the item's place in the run-of-show of a session under way.
        Added { label: &'a str, title: &'a str, kind_ja: &'a str, kind_en: &'a str, who: &'a str, team: Option<&'a str>, id: &'a str, late: Option<usize> },
        LinkNotHttp { link: &'a str },
        NoTopicsFor { label: &'a str },
        Heading { label: &'a str },
        NoItemWithId { id: &'a str },
        OnlyAdderMarksCovered,
        MarkedCovered { title: &'a str },
        NoUpcomingItemWithId { id: &'a str },
        OnlyOwnItemsRemoved,
        Removed { title: &'a str, date: NaiveDate },
        PresenterTwice,
    }
}

impl Message for Agenda<'_> {
    fn ja(&self) -> String {
        match *self {
            Agenda::AlreadyListed { title, date, id } => {
                format!(
                    "「{title}」はすでに{}の議題にあります（id {id}）",
                    day(date, Language::Ja)
                )
            }
            Agenda::Added { label, title, kind_ja, who, team, id, late, .. } => {
                let guest = team.map(|t| format!("、ゲスト: {t}")).unwrap_or_default();
                let mut text = format!("{label}の議題に追加しました: 「{title}」（{kind_ja}、{who}{guest}）id `{id}`");
                if let Some(n) = late {
                    text += &format!("\n進行中の回なので、進行表に追加の議題（{n}番目）として加えました。");
                }
                text
            }
            Agenda::LinkNotHttp { link } => {
                format!("リンクは http:// か https:// で始まる URL にしてください: {link}")
            }
            Agenda::NoTopicsFor { label } => format!(
                "{label}の議題はまだありません。`/agenda add` でどうぞ。インシデントがなくても、ダッシュボードを眺める回にできます。"
            ),
            Agenda::Heading { label } => format!("{label}の議題:"),
            Agenda::NoItemWithId { id } => format!("id `{id}` の議題はありません"),
            Agenda::OnlyAdderMarksCovered => {
                "話した印をつけられるのは追加した人かファシリテーターです".into()
            }
            Agenda::MarkedCovered { title } => {
                format!("「{title}」を話し済みにしました（次回に持ち越しません）")
            }
            Agenda::NoUpcomingItemWithId { id } => format!(
                "これからの回に id `{id}` の議題はありません（`/agenda list` で確認できます）"
            ),
            Agenda::OnlyOwnItemsRemoved => {
                "自分が追加した議題だけ削除できます（ファシリテーターはすべて削除できます）".into()
            }
            Agenda::Removed { title, date } => {
                format!("{}の議題から「{title}」を外しました", day(date, Language::Ja))
            }
            Agenda::PresenterTwice => "発表者は「発表者」（サーバーのメンバー）か「発表者の名前」のどちらか一方で指定してください".into(),
        }
    }

    fn en(&self) -> String {
        match *self {
            Agenda::AlreadyListed { title, date, id } => {
                format!(
                    "\"{title}\" is already on the agenda for {} (id {id})",
                    day(date, Language::En)
                )
            }
            Agenda::Added { label, title, kind_en, who, team, id, late, .. } => {
                let guest = team.map(|t| format!(" / guest from {t}")).unwrap_or_default();
                let mut text = format!("Added to {label}: \"{title}\" ({kind_en}, {who}{guest}) id `{id}`");
                if let Some(n) = late {
                    text += &format!("\nThe session is under way: added to its run-of-show as item {n}.");
                }
                text
            }
            Agenda::LinkNotHttp { link } => {
                format!("the link must be an http:// or https:// URL: {link}")
            }
            Agenda::NoTopicsFor { label } => format!(
                "No topics for {label} yet. Add one with `/agenda add`; without an incident we can look at a dashboard together."
            ),
            Agenda::Heading { label } => format!("Agenda for {label}:"),
            Agenda::NoItemWithId { id } => format!("no agenda item has id `{id}`"),
            Agenda::OnlyAdderMarksCovered => {
                "only the person who added it or a facilitator can mark it covered".into()
            }
            Agenda::MarkedCovered { title } => {
                format!("\"{title}\" is marked covered (it will not be carried over)")
            }
            Agenda::NoUpcomingItemWithId { id } => {
                format!("no upcoming agenda item has id `{id}` (see `/agenda list`)")
            }
            Agenda::OnlyOwnItemsRemoved => {
                "you can remove your own items; facilitators can remove any".into()
            }
            Agenda::Removed { title, date } => {
                format!(
                    "Removed \"{title}\" from the agenda of {}",
                    day(date, Language::En)
                )
            }
            Agenda::PresenterTwice => "give the presenter either as presenter (a member) or presenter_name (a name), not both".into(),
        }
    }
}

#[cfg(test)]
impl Agenda<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        let date = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let label = "第394回（12月9日(水)）";
        vec![
            Agenda::AlreadyListed {
                title: "決済APIの遅延",
                date,
                id: "a-1",
            },
            Agenda::Added {
                label,
                title: "決済APIの遅延",
                kind_ja: "インシデント",
                kind_en: "incident",
                who: "sato",
                team: Some("sre"),
                id: "a-1",
                late: Some(3),
            },
            Agenda::LinkNotHttp {
                link: "ftp://example.com",
            },
            Agenda::NoTopicsFor { label },
            Agenda::Heading { label },
            Agenda::NoItemWithId { id: "a-1" },
            Agenda::OnlyAdderMarksCovered,
            Agenda::MarkedCovered {
                title: "決済APIの遅延",
            },
            Agenda::NoUpcomingItemWithId { id: "a-1" },
            Agenda::OnlyOwnItemsRemoved,
            Agenda::Removed {
                title: "決済APIの遅延",
                date,
            },
            Agenda::PresenterTwice,
        ]
    }
}
