//! The archive's web pages (`src/daemon/web/`): headings, labels, the 403
//! refusal. User text (titles, names) is never part of these strings; the
//! templates put it beside them, escaped.

use super::{Message, catalogue};

catalogue! {
    #[derive(Clone, Copy)]
    pub(crate) enum Web<'a> {
        /// The answer to a request that `[web]` does not let in.
        Forbidden,
        NotFound,
        SiteName,
        Home,
        Postmortems,
        Learnings,
        Search,
        /// The statistics page, and the link to it.
        Stats,
        /// The chart's text alternative.
        StatsChart { meeting: &'a str },
        Feed,
        /// The link to the other language, named in that language.
        OtherLanguage,
        NextSessions,
        LatestSessions,
        LatestLearnings,
        Facilitator,
        Agenda,
        NoAgenda,
        /// What we proposed when nobody offered a topic.
        Proposal,
        Guest { team: &'a str },
        Rsvps { going: u32, maybe: u32, not_going: u32 },
        Present { count: u32 },
        WeeksOff,
        Notes,
        Skipped,
        Impact,
        ActionsTaken,
        RootCause,
        Prevention,
        Responders,
        Links,
        Markdown,
        Tag { tag: &'a str },
        AllTags,
        Query,
        Kind,
        AnyKind,
        Meeting,
        AnyMeeting,
        Since,
        Until,
        Team,
        TagField,
        Results { shown: usize, more: bool },
        /// A page number past the last page (both 1-based).
        PastLastPage { page: usize, last: usize },
        LastPage,
        NoResults,
        Newer,
        Older,
        BadFilter { problem: &'a str },
        Actions,
        /// The menu's short name of the actions page.
        ActionsNav,
        ActionsOverdue,
        ActionsOpen,
        ActionsDoneRecently,
        NoActions,
        AllOwners,
        Owner { owner: &'a str },
        TrackerIssue,
        FromPostmortem,
    }
}

impl Message for Web<'_> {
    fn ja(&self) -> String {
        use Web::*;
        match *self {
            Forbidden => {
                return "このページを見るには、組織の認証を通して開いてください（[web] の trusted_proxies と user_header）\n".into();
            }
            Guest { team } => return format!("ゲスト（{team}）"),
            Rsvps {
                going,
                maybe,
                not_going,
            } => {
                return format!("出欠（任意）: 参加 {going} / たぶん {maybe} / 不参加 {not_going}");
            }
            Present { count } => return format!("参加者 {count} 人"),
            Tag { tag } => return format!("タグ「{tag}」"),
            StatsChart { meeting } => {
                return format!(
                    "{meeting}の統計グラフ（出欠の推移、種類別の議題、年ごとの開催とお休み）"
                );
            }
            Results { shown, more } => {
                return if more {
                    format!("{shown} 件を表示（続きがあります）")
                } else {
                    format!("{shown} 件")
                };
            }
            BadFilter { problem } => return format!("検索条件を直してください: {problem}"),
            Owner { owner } => return format!("担当: {owner}"),
            PastLastPage { page, last } => {
                return format!("{page}ページ目はありません。最後のページは{last}ページ目です");
            }
            _ => {}
        }
        match *self {
            NotFound => "ページが見つかりません",
            SiteName => "ポストモーテムの記録",
            Home => "トップ",
            Postmortems => "ポストモーテム",
            Learnings => "学び",
            Search => "検索",
            Stats => "統計",
            Feed => "更新フィード",
            OtherLanguage => "EN",
            NextSessions => "次回以降の会",
            LatestSessions => "最近の会",
            LatestLearnings => "最近の学び",
            Facilitator => "ファシリテーター",
            Agenda => "議題",
            NoAgenda => "議題はまだありません",
            Proposal => "議題がないときの提案",
            WeeksOff => "お休みの週",
            Notes => "メモ",
            Skipped => "お休み",
            Impact => "影響",
            ActionsTaken => "対応",
            RootCause => "根本原因",
            Prevention => "再発防止",
            Responders => "対応者",
            Links => "リンク",
            Markdown => "マークダウンで見る",
            AllTags => "すべてのタグ",
            Query => "キーワード",
            Kind => "種類",
            AnyKind => "すべての種類",
            Meeting => "会議",
            AnyMeeting => "すべての会議",
            Since => "から",
            Until => "まで",
            Team => "チーム",
            TagField => "タグ",
            NoResults => "見つかりませんでした",
            Newer => "← 新しい結果",
            Older => "古い結果 →",
            LastPage => "← 最後のページへ",
            Actions => "再発防止アクション",
            ActionsNav => "アクション",
            ActionsOverdue => "期限切れ",
            ActionsOpen => "未完了",
            ActionsDoneRecently => "この90日に完了",
            NoActions => "ありません",
            AllOwners => "すべての担当",
            TrackerIssue => "課題",
            FromPostmortem => "元のポストモーテム",
            Forbidden
            | Guest { .. }
            | Rsvps { .. }
            | Present { .. }
            | Tag { .. }
            | StatsChart { .. }
            | Results { .. }
            | PastLastPage { .. }
            | Owner { .. }
            | BadFilter { .. } => unreachable!("rendered above"),
        }
        .into()
    }

    fn en(&self) -> String {
        use Web::*;
        match *self {
            Forbidden => {
                return "open this page through the organisation's sign-in ([web] trusted_proxies and user_header)\n".into();
            }
            Guest { team } => return format!("guest ({team})"),
            Rsvps {
                going,
                maybe,
                not_going,
            } => {
                return format!(
                    "RSVPs (optional): going {going} / maybe {maybe} / not going {not_going}"
                );
            }
            Present { count } => return format!("{count} present"),
            Tag { tag } => return format!("Tag “{tag}”"),
            StatsChart { meeting } => {
                return format!(
                    "Statistics chart of {meeting} (attendance over time, agenda items by kind, sessions held and skipped per year)"
                );
            }
            Results { shown, more } => {
                return if more {
                    format!("{shown} results shown (more on the next page)")
                } else {
                    format!("{shown} results")
                };
            }
            BadFilter { problem } => return format!("fix the search: {problem}"),
            Owner { owner } => return format!("Owner: {owner}"),
            PastLastPage { page, last } => {
                return format!("There is no page {page}; the last page is {last}.");
            }
            _ => {}
        }
        match *self {
            NotFound => "Page not found",
            SiteName => "Postmortem archive",
            Home => "Home",
            Postmortems => "Postmortems",
            Learnings => "Learnings",
            Search => "Search",
            Stats => "Statistics",
            Feed => "Atom feed",
            OtherLanguage => "日本語",
            NextSessions => "Next sessions",
            LatestSessions => "Latest sessions",
            LatestLearnings => "Latest learnings",
            Facilitator => "Facilitator",
            Agenda => "Agenda",
            NoAgenda => "No topics yet",
            Proposal => "Proposal when there is no topic",
            WeeksOff => "Weeks off",
            Notes => "Notes",
            Skipped => "No meeting",
            Impact => "Impact",
            ActionsTaken => "Actions taken",
            RootCause => "Root cause",
            Prevention => "Prevention",
            Responders => "Responders",
            Links => "Links",
            Markdown => "Markdown",
            AllTags => "All tags",
            Query => "Words",
            Kind => "Kind",
            AnyKind => "Any kind",
            Meeting => "Meeting",
            AnyMeeting => "Any meeting",
            Since => "Since",
            Until => "Until",
            Team => "Team",
            TagField => "Tag",
            NoResults => "Nothing found",
            Newer => "← Newer",
            Older => "Older →",
            LastPage => "← Last page",
            Actions => "Prevention actions",
            ActionsNav => "Actions",
            ActionsOverdue => "Overdue",
            ActionsOpen => "Open",
            ActionsDoneRecently => "Done in the last 90 days",
            NoActions => "None",
            AllOwners => "All owners",
            TrackerIssue => "Issue",
            FromPostmortem => "From the postmortem",
            Forbidden
            | Guest { .. }
            | Rsvps { .. }
            | Present { .. }
            | Tag { .. }
            | StatsChart { .. }
            | Results { .. }
            | PastLastPage { .. }
            | Owner { .. }
            | BadFilter { .. } => unreachable!("rendered above"),
        }
        .into()
    }
}

#[cfg(test)]
impl Web<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use Web::*;
        vec![
            Forbidden,
            NotFound,
            SiteName,
            Home,
            Postmortems,
            Learnings,
            Search,
            Stats,
            StatsChart {
                meeting: "週次ポストモーテム",
            },
            Feed,
            OtherLanguage,
            NextSessions,
            LatestSessions,
            LatestLearnings,
            Facilitator,
            Agenda,
            NoAgenda,
            Proposal,
            Guest { team: "sre" },
            Rsvps {
                going: 3,
                maybe: 1,
                not_going: 0,
            },
            Present { count: 7 },
            WeeksOff,
            Notes,
            Skipped,
            Impact,
            ActionsTaken,
            RootCause,
            Prevention,
            Responders,
            Links,
            Markdown,
            Tag { tag: "db" },
            AllTags,
            Query,
            Kind,
            AnyKind,
            Meeting,
            AnyMeeting,
            Since,
            Until,
            Team,
            TagField,
            Results {
                shown: 20,
                more: true,
            },
            Results {
                shown: 3,
                more: false,
            },
            NoResults,
            PastLastPage { page: 99, last: 2 },
            LastPage,
            Newer,
            Older,
            BadFilter {
                problem: "日付は YYYY-MM-DD で",
            },
            Actions,
            ActionsNav,
            ActionsOverdue,
            ActionsOpen,
            ActionsDoneRecently,
            NoActions,
            AllOwners,
            Owner { owner: "佐藤" },
            TrackerIssue,
            FromPostmortem,
        ]
    }
}
