//! The live session's texts (issue 15): the run-of-show, the prompts per
//! kind, the buttons, the time signals and the refusals. Nobody is pinged:
//! people appear as `<@id>`, which the bot's allowed mentions keep silent.

use chrono::{DateTime, TimeDelta, TimeZone};

use super::{Message, catalogue};
use crate::domain::language::Language;
use crate::domain::run_of_show::{PromptSet, RunOfShow};

catalogue! {
    pub(crate) enum SessionText<'a> {
        /// The run-of-show's first line: which session.
        Heading { session: &'a str },
        /// Blameless, voluntary.
        Opening { from: &'a str, minutes: u32 },
        ItemLine { index: usize, title: &'a str, presenter: Option<&'a str>, from: &'a str, minutes: u32 },
        NoItems,
        Closing { from: &'a str, minutes: u32 },
        Prompts { set: PromptSet },
        /// Posted when an item begins.
        NowOn { index: usize, title: &'a str, until: &'a str },
        NowClosing,
        NotExtendedOpening,
        NotExtendedClosing,
        NextButton,
        ExtendButton,
        LearningButton,
        LearningModalTitle,
        LearningField,
        /// `who`: a mention of the assigned facilitator, if any.
        NotAllowedToStart { who: Option<&'a str> },
        NotAllowedNext,
        AlreadyRunning { link: &'a str },
        Started { link: &'a str },
        ThreadRefused,
        Extended { title: &'a str, until: &'a str },
        Ended,
        NoSessionToday,
        /// 「始める」 on the day's announcement.
        StartButton,
        /// `who`: a mention of the assigned facilitator, if any.
        NotAllowedToEnd { who: Option<&'a str> },
        NotRunning,
        /// The answer to `/session end`.
        EndedNow { link: &'a str },
        /// A time signal: the item on now ran out.
        ItemOver { title: &'a str, until: &'a str },
        /// A time signal: five minutes before the scheduled end.
        EndingSoon { end: &'a str },
        SummaryHeading { session: &'a str },
        SummaryCovered,
        SummaryLearnings { count: usize },
        SummaryNotCovered,
        SummaryNone,
        /// More lines than a message holds.
        SummaryMore { count: usize },
        SummaryHeadCount { present: Option<u32> },
        SummaryNext { session: &'a str, facilitator: Option<&'a str> },
        SummaryNoNext,
    }
}

impl Message for SessionText<'_> {
    fn ja(&self) -> String {
        use SessionText::*;
        match *self {
            Heading { session } => format!("**{session}の進行表**"),
            Opening { from, minutes } => format!(
                "{from}〜 オープニング（{minutes}分）: 誰が原因かではなく、どう復旧したかを話す場です。参加も発言も任意です。"
            ),
            ItemLine { index, title, presenter, from, minutes } => {
                let by = presenter.map(|p| format!("（{p}）")).unwrap_or_default();
                format!("{from}〜 {index}. {title}{by} {minutes}分")
            }
            NoItems => "（議題なし: 最近の気づきを自由に話しましょう）".into(),
            Closing { from, minutes } => format!(
                "{from}〜 クロージング（{minutes}分）: 学びの記録、次回のファシリテーター、次回の予定"
            ),
            Prompts { set } => match set {
                PromptSet::Incident => "・どうやって気づいた？（検知）\n・最初の判断は何で、何を根拠にした？\n・どう復旧した？\n・次の対応を楽にするには？",
                PromptSet::DashboardWalk => "・このパネルは何を示している？\n・普段はどんな値？\n・意外だったことは？",
                PromptSet::ReadingClub => "・今ならどう対応する？\n・当時から変わったことは？",
                PromptSet::OpenTalk => "・最近ヒヤッとしたことは？\n・監視で気づいたことは？\n・みんなに聞いてみたいことは？",
                PromptSet::Topic => "・何があった？\n・持ち帰りたいことは？",
            }
            .into(),
            NowOn { index, title, until } => format!("▶ {index}. {title}（{until}まで）"),
            NowClosing => "▶ クロージング: 学びを「学びを記録」で残し、次回のファシリテーターと予定を確認しましょう。".into(),
            NotExtendedOpening => "「+5分」は議題の時間を延ばすボタンです。今はオープニングなので延長できません。最初の議題に進むときは「次へ」を押してください。".into(),
            NotExtendedClosing => "「+5分」は議題の時間を延ばすボタンです。今はクロージングなので延長できません。".into(),
            NextButton => "次へ".into(),
            ExtendButton => "+5分".into(),
            LearningButton => "学びを記録".into(),
            LearningModalTitle => "学びを記録".into(),
            LearningField => "学んだこと".into(),
            NotAllowedToStart { who: Some(who) } => format!(
                "進行を始められるのは、この回のファシリテーター（{who}さん）かファシリテーターのロールを持つ人です。"
            ),
            NotAllowedToStart { who: None } => {
                "進行を始められるのは、ファシリテーターのロールを持つ人です。".into()
            }
            NotAllowedNext => "「次へ」はファシリテーターが押せます。".into(),
            AlreadyRunning { link } => format!("進行中のスレッドはこちらです: {link}"),
            Started { link } => format!("進行表をスレッドに投稿しました: {link}"),
            ThreadRefused => "スレッドを作成できませんでした（ボットにスレッド作成の権限がありません）。進行表はこのチャンネルに投稿します。".into(),
            Extended { title, until } => format!("「{title}」を5分延長しました（{until}まで）。"),
            Ended => "この回の進行は終了しています。".into(),
            NoSessionToday => "今日は開催日ではありません。".into(),
            StartButton => "始める".into(),
            NotAllowedToEnd { who: Some(who) } => format!(
                "進行を終えられるのは、この回のファシリテーター（{who}さん）かファシリテーターのロールを持つ人です。"
            ),
            NotAllowedToEnd { who: None } => {
                "進行を終えられるのは、ファシリテーターのロールを持つ人です。".into()
            }
            NotRunning => "今日の進行はまだ始まっていません（`/session start` で始められます）。".into(),
            EndedNow { link } => format!("進行を終了し、まとめを投稿しました: {link}"),
            ItemOver { title, until } => {
                format!("⏰ 「{title}」の予定時間（{until}まで）が終わりました。")
            }
            EndingSoon { end } => format!("⏰ 終了の5分前です（{end}に終了予定）。"),
            SummaryHeading { session } => format!("**{session}のまとめ**"),
            SummaryCovered => "扱った議題:".into(),
            SummaryLearnings { count } => format!("記録された学び（{count}件）:"),
            SummaryNotCovered => "扱えなかった議題（次回に持ち越します）:".into(),
            SummaryNone => "- なし".into(),
            SummaryMore { count } => format!("- ほか{count}件"),
            SummaryHeadCount { present: Some(n) } => format!("参加人数: {n}人"),
            SummaryHeadCount { present: None } => "参加人数: 記録なし".into(),
            SummaryNext { session, facilitator: Some(f) } => {
                format!("次回: {session}（ファシリテーター: {f}）")
            }
            SummaryNext { session, facilitator: None } => {
                format!("次回: {session}（ファシリテーターは未定）")
            }
            SummaryNoNext => "次回: 予定されていません".into(),
        }
    }

    fn en(&self) -> String {
        use SessionText::*;
        match *self {
            Heading { session } => format!("**Run of show: {session}**"),
            Opening { from, minutes } => format!(
                "{from} Opening ({minutes} min): we talk about how we recovered, not who caused it. Attending and speaking are voluntary."
            ),
            ItemLine { index, title, presenter, from, minutes } => {
                let by = presenter.map(|p| format!(" ({p})")).unwrap_or_default();
                format!("{from} {index}. {title}{by}, {minutes} min")
            }
            NoItems => "(no topics: share whatever you noticed lately)".into(),
            Closing { from, minutes } => format!(
                "{from} Closing ({minutes} min): learnings, next facilitator, next session"
            ),
            Prompts { set } => match set {
                PromptSet::Incident => "- How did we notice? (detection)\n- What was the first decision, and what was it based on?\n- How did we recover?\n- What would make the next response easier?",
                PromptSet::DashboardWalk => "- What does this panel show?\n- What does normal look like?\n- What surprised us?",
                PromptSet::ReadingClub => "- What would we do differently today?\n- What has changed since?",
                PromptSet::OpenTalk => "- A recent near miss?\n- Something the monitoring told us?\n- A question for everyone?",
                PromptSet::Topic => "- What happened?\n- What do we take away?",
            }
            .into(),
            NowOn { index, title, until } => format!("▶ {index}. {title} (until {until})"),
            NowClosing => "▶ Closing: record learnings with \"Record a learning\", and check the next facilitator and session.".into(),
            NotExtendedOpening => "\"+5 min\" extends an agenda item; the opening is not extended. Press \"Next\" to move to the first item.".into(),
            NotExtendedClosing => "\"+5 min\" extends an agenda item; the closing is not extended.".into(),
            NextButton => "Next".into(),
            ExtendButton => "+5 min".into(),
            LearningButton => "Record a learning".into(),
            LearningModalTitle => "Record a learning".into(),
            LearningField => "What we learned".into(),
            NotAllowedToStart { who: Some(who) } => format!(
                "The session can be started by its facilitator ({who}) or a holder of the facilitator role."
            ),
            NotAllowedToStart { who: None } => {
                "The session can be started by a holder of the facilitator role.".into()
            }
            NotAllowedNext => "\"Next\" is for the facilitator.".into(),
            AlreadyRunning { link } => format!("The session is running here: {link}"),
            Started { link } => format!("Run of show posted in the thread: {link}"),
            ThreadRefused => "Could not open a thread (the bot may not create threads here). The run of show follows in this channel.".into(),
            Extended { title, until } => format!("\"{title}\" extended by 5 minutes (until {until})."),
            Ended => "This session has ended.".into(),
            NoSessionToday => "There is no session today.".into(),
            StartButton => "Start".into(),
            NotAllowedToEnd { who: Some(who) } => format!(
                "The session can be ended by its facilitator ({who}) or a holder of the facilitator role."
            ),
            NotAllowedToEnd { who: None } => {
                "The session can be ended by a holder of the facilitator role.".into()
            }
            NotRunning => "Today's session has not been started (`/session start` starts it).".into(),
            EndedNow { link } => format!("Session ended; the summary is posted: {link}"),
            ItemOver { title, until } => {
                format!("⏰ Time is up for \"{title}\" (planned until {until}).")
            }
            EndingSoon { end } => format!("⏰ Five minutes left (the meeting ends at {end})."),
            SummaryHeading { session } => format!("**Summary: {session}**"),
            SummaryCovered => "Covered:".into(),
            SummaryLearnings { count } => format!("Learnings recorded ({count}):"),
            SummaryNotCovered => "Not covered (carried over to the next session):".into(),
            SummaryNone => "- none".into(),
            SummaryMore { count } => format!("- and {count} more"),
            SummaryHeadCount { present: Some(n) } => format!("Head count: {n}"),
            SummaryHeadCount { present: None } => "Head count: not counted".into(),
            SummaryNext { session, facilitator: Some(f) } => {
                format!("Next: {session} (facilitator: {f})")
            }
            SummaryNext { session, facilitator: None } => {
                format!("Next: {session} (facilitator not assigned yet)")
            }
            SummaryNoNext => "Next: none scheduled".into(),
        }
    }
}

/// `HH:MM` in the meeting's zone.
pub(crate) fn clock<Tz: TimeZone>(t: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    t.format("%H:%M").to_string()
}

/// The run-of-show as posted: heading, opening, items, closing.
pub(crate) fn run_of_show<Tz: TimeZone>(
    session: &str,
    plan: &RunOfShow,
    start: &DateTime<Tz>,
    language: Language,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let at = |minutes: u32| clock(&(start.clone() + TimeDelta::minutes(i64::from(minutes))));
    let mut lines = vec![
        SessionText::Heading { session }.say(language),
        SessionText::Opening {
            from: &at(0),
            minutes: plan.opening_minutes,
        }
        .say(language),
    ];
    if plan.items.is_empty() {
        lines.push(SessionText::NoItems.say(language));
    }
    for (i, item) in plan.items.iter().enumerate() {
        lines.push(
            SessionText::ItemLine {
                index: i + 1,
                title: &item.title,
                presenter: item.presenter.as_deref(),
                from: &at(item.offset_minutes),
                minutes: item.minutes,
            }
            .say(language),
        );
    }
    lines.push(
        SessionText::Closing {
            from: &at(plan.closing_offset_minutes),
            minutes: plan.closing_minutes,
        }
        .say(language),
    );
    lines.join("\n")
}

/// What a session's summary says; the lines are user text, shown as given.
pub(crate) struct Summary<'a> {
    pub session: &'a str,
    pub covered: Vec<String>,
    pub learnings: Vec<String>,
    pub not_covered: Vec<String>,
    /// Prevention actions marked done on the session's day.
    pub actions_done: Vec<String>,
    pub present: Option<u32>,
    /// The next session's label and its facilitator as shown.
    pub next: Option<(String, Option<String>)>,
}

/// Lines per list and characters per line: the summary is one Discord
/// message (2,000 characters) and the session's notes (4,000).
/// Three full lists of cut lines stay under 1,600 characters.
const LIST_LINES: usize = 8;
/// Actions done in the session: a fourth, shorter list, so the worst case
/// still fits one message.
const ACTION_LINES: usize = 4;
const LINE_CHARS: usize = 60;

/// The summary as posted and kept as the session's notes.
pub(crate) fn summary(s: &Summary<'_>, language: Language) -> String {
    let list_of = |lines: &[String], limit: usize| -> Vec<String> {
        if lines.is_empty() {
            return vec![SessionText::SummaryNone.say(language)];
        }
        let mut shown: Vec<String> = lines
            .iter()
            .take(limit)
            .map(|line| {
                let mut cut: String = line.chars().take(LINE_CHARS).collect();
                if cut.len() < line.len() {
                    cut.push('…');
                }
                format!("- {}", cut.replace('\n', " "))
            })
            .collect();
        if lines.len() > limit {
            shown.push(
                SessionText::SummaryMore {
                    count: lines.len() - limit,
                }
                .say(language),
            );
        }
        shown
    };
    let list = |lines: &[String]| list_of(lines, LIST_LINES);
    let mut out = vec![
        SessionText::SummaryHeading { session: s.session }.say(language),
        SessionText::SummaryCovered.say(language),
    ];
    out.extend(list(&s.covered));
    out.push(
        SessionText::SummaryLearnings {
            count: s.learnings.len(),
        }
        .say(language),
    );
    out.extend(list(&s.learnings));
    out.push(SessionText::SummaryNotCovered.say(language));
    out.extend(list(&s.not_covered));
    if !s.actions_done.is_empty() {
        use super::actions::ActionText;
        out.push(ActionText::ClosedDuringSession.say(language));
        out.extend(list_of(&s.actions_done, ACTION_LINES));
    }
    out.push(SessionText::SummaryHeadCount { present: s.present }.say(language));
    out.push(match &s.next {
        Some((session, facilitator)) => SessionText::SummaryNext {
            session,
            facilitator: facilitator.as_deref(),
        }
        .say(language),
        None => SessionText::SummaryNoNext.say(language),
    });
    out.join("\n")
}

#[cfg(test)]
impl SessionText<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use SessionText::*;
        let mut samples = vec![
            Heading {
                session: "第12回（12月2日(水)）",
            },
            Opening {
                from: "17:00",
                minutes: 5,
            },
            ItemLine {
                index: 1,
                title: "決済APIの全断",
                presenter: Some("<@42>"),
                from: "17:05",
                minutes: 27,
            },
            ItemLine {
                index: 2,
                title: "決済APIの全断",
                presenter: None,
                from: "17:32",
                minutes: 18,
            },
            NoItems,
            Closing {
                from: "17:50",
                minutes: 10,
            },
            NowOn {
                index: 1,
                title: "決済APIの全断",
                until: "17:32",
            },
            NowClosing,
            NotExtendedOpening,
            NotExtendedClosing,
            NextButton,
            ExtendButton,
            LearningButton,
            LearningModalTitle,
            LearningField,
            NotAllowedToStart { who: Some("<@42>") },
            NotAllowedToStart { who: None },
            NotAllowedNext,
            AlreadyRunning {
                link: "https://discord.com/channels/1/2",
            },
            Started {
                link: "https://discord.com/channels/1/2",
            },
            ThreadRefused,
            Extended {
                title: "決済APIの全断",
                until: "17:37",
            },
            Ended,
            NoSessionToday,
            StartButton,
            NotAllowedToEnd { who: Some("<@42>") },
            NotAllowedToEnd { who: None },
            NotRunning,
            EndedNow {
                link: "https://discord.com/channels/1/2",
            },
            ItemOver {
                title: "決済APIの全断",
                until: "17:32",
            },
            EndingSoon { end: "18:00" },
            SummaryHeading {
                session: "第12回（12月2日(水)）",
            },
            SummaryCovered,
            SummaryLearnings { count: 2 },
            SummaryNotCovered,
            SummaryNone,
            SummaryMore { count: 3 },
            SummaryHeadCount { present: Some(7) },
            SummaryHeadCount { present: None },
            SummaryNext {
                session: "第13回（12月9日(水)）",
                facilitator: Some("sato"),
            },
            SummaryNext {
                session: "第13回（12月9日(水)）",
                facilitator: None,
            },
            SummaryNoNext,
        ];
        for set in [
            PromptSet::Incident,
            PromptSet::DashboardWalk,
            PromptSet::ReadingClub,
            PromptSet::OpenTalk,
            PromptSet::Topic,
        ] {
            samples.push(Prompts { set });
        }
        samples
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::log::{AgendaItem, AgendaKind};
    use crate::domain::run_of_show::{SessionTiming, plan};

    #[test]
    fn the_run_of_show_reads_opening_items_with_presenter_and_timebox_then_closing() {
        let items = [
            AgendaItem {
                id: "a".into(),
                title: "決済APIの全断".into(),
                kind: AgendaKind::Incident,
                presenter: Some("<@42>".into()),
                ..AgendaItem::default()
            },
            AgendaItem {
                id: "b".into(),
                title: "ダッシュボード".into(),
                kind: AgendaKind::Dashboard,
                ..AgendaItem::default()
            },
        ];
        let plan = plan(60, &SessionTiming::default(), &items, None);
        let start = Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap();
        let ja = run_of_show("第12回", &plan, &start, Language::Ja);
        assert_eq!(
            ja,
            "**第12回の進行表**\n\
             08:00〜 オープニング（5分）: 誰が原因かではなく、どう復旧したかを話す場です。参加も発言も任意です。\n\
             08:05〜 1. 決済APIの全断（<@42>） 27分\n\
             08:32〜 2. ダッシュボード 18分\n\
             08:50〜 クロージング（10分）: 学びの記録、次回のファシリテーター、次回の予定"
        );
        let en = run_of_show("#12", &plan, &start, Language::En);
        assert!(
            en.contains("08:05 1. 決済APIの全断 (<@42>), 27 min"),
            "{en}"
        );
        assert!(en.contains("not who caused it"), "{en}");
    }

    #[test]
    fn without_items_the_run_of_show_says_so() {
        let plan = plan(60, &SessionTiming::default(), &[], None);
        let start = Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap();
        let text = run_of_show("第12回", &plan, &start, Language::Ja);
        assert!(text.contains("議題なし"), "{text}");
        assert!(
            text.ends_with(
                "08:50〜 クロージング（10分）: 学びの記録、次回のファシリテーター、次回の予定"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_summary_lists_covered_learnings_and_carried_over_then_head_count_and_next() {
        let long = "長".repeat(300);
        let s = Summary {
            session: "第12回（12月2日(水)）",
            covered: vec!["決済APIの全断".into()],
            learnings: (0..10).map(|i| format!("学び{i}")).chain([long]).collect(),
            not_covered: Vec::new(),
            actions_done: Vec::new(),
            present: Some(7),
            next: Some(("第13回（12月9日(水)）".into(), Some("sato".into()))),
        };
        let ja = summary(&s, Language::Ja);
        assert!(
            ja.starts_with("**第12回（12月2日(水)）のまとめ**\n扱った議題:\n- 決済APIの全断\n記録された学び（11件）:\n- 学び0"),
            "{ja}"
        );
        assert!(
            ja.contains("- ほか3件\n扱えなかった議題（次回に持ち越します）:\n- なし\n"),
            "{ja}"
        );
        assert!(
            ja.ends_with("参加人数: 7人\n次回: 第13回（12月9日(水)）（ファシリテーター: sato）"),
            "{ja}"
        );
        // The worst case still fits one Discord message.
        let full: Vec<String> = (0..20).map(|_| "長".repeat(300)).collect();
        let worst = summary(
            &Summary {
                session: s.session,
                covered: full.clone(),
                learnings: full.clone(),
                not_covered: full.clone(),
                actions_done: full,
                present: None,
                next: s.next.clone(),
            },
            Language::Ja,
        );
        assert!(worst.chars().count() < 2000, "{}", worst.chars().count());
        assert!(worst.contains("長…\n"), "{worst}");
        let en = summary(
            &Summary {
                next: None,
                present: None,
                ..s
            },
            Language::En,
        );
        assert!(
            en.contains("Head count: not counted\nNext: none scheduled"),
            "{en}"
        );
        assert!(en.chars().count() < 2000);
    }
}
