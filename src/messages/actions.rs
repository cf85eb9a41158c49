//! What people read about prevention actions: `/action` answers, the lines
//! of a list, the meeting's follow-up and the reminder an owner asked for.

use chrono::NaiveDate;

use super::dates::day_seen;
use super::{Message, catalogue};
use crate::domain::actions::ActionState;
use crate::domain::language::Language;

catalogue! {
    pub(crate) enum ActionText<'a> {
        Added { title: &'a str, id: &'a str, owner: &'a str, due: Option<NaiveDate>, today: NaiveDate },
        Done { title: &'a str },
        Dropped { title: &'a str, reason: Option<&'a str> },
        AlreadyClosed { title: &'a str, state: ActionState },
        NotFound { id: &'a str },
        NotYours { title: &'a str, owner: &'a str },
        Duplicate { title: &'a str, id: &'a str },
        UnknownPostmortem { id: &'a str },
        BadLink { link: &'a str },
        DueBeforeToday { due: NaiveDate, today: NaiveDate },
        ListHeader { count: usize, mine: bool, all: bool },
        ListEmpty { mine: bool, all: bool },
        Line {
            title: &'a str,
            owner: &'a str,
            due: Option<NaiveDate>,
            state: ActionState,
            today: NaiveDate,
            closed_by: Option<&'a str>,
        },
        NoDueDate,
        ClosedOn { state: ActionState, day: &'a str },
        LineId { id: &'a str },
        More { count: usize },
        RemindersOn,
        RemindersOff,
        Reminder { title: &'a str, due: NaiveDate, today: NaiveDate, id: &'a str },
        FollowUpHeading,
        FollowUpCount { overdue: usize, due_soon: usize },
        ClosedDuringSession,
        State { state: ActionState },
        AddButton,
        FormTitle,
        FieldTitle,
        FieldOwner,
        FieldDue,
        MarkDoneButton { title: &'a str },
    }
}

impl ActionText<'_> {
    fn due_ja(due: Option<NaiveDate>, today: NaiveDate) -> String {
        match due {
            Some(due) => format!("期限 {}", day_seen(due, today, Language::Ja)),
            None => ActionText::NoDueDate.ja(),
        }
    }

    fn due_en(due: Option<NaiveDate>, today: NaiveDate) -> String {
        match due {
            Some(due) => format!("due {}", day_seen(due, today, Language::En)),
            None => ActionText::NoDueDate.en(),
        }
    }

    fn which_ja(mine: bool, all: bool) -> &'static str {
        match (mine, all) {
            (true, true) => "あなたが担当の、完了・取り下げを含むアクション",
            (true, false) => "あなたが担当の未完了のアクション",
            (false, true) => "完了・取り下げを含むアクション",
            (false, false) => "未完了のアクション",
        }
    }

    fn which_en(mine: bool, all: bool) -> &'static str {
        match (mine, all) {
            (true, true) => "your actions, done and dropped included",
            (true, false) => "your open actions",
            (false, true) => "all actions, done and dropped included",
            (false, false) => "open actions",
        }
    }
}

impl Message for ActionText<'_> {
    fn ja(&self) -> String {
        match *self {
            ActionText::Added { title, id, owner, due, today } => format!(
                "再発防止アクション「{title}」を登録しました（担当: {owner}、{}）。id `{id}`",
                Self::due_ja(due, today)
            ),
            ActionText::Done { title } => {
                format!("アクション「{title}」を完了にしました。おつかれさまでした！")
            }
            ActionText::Dropped { title, reason: Some(reason) } => {
                format!("アクション「{title}」を取り下げました（理由: {reason}）")
            }
            ActionText::Dropped { title, reason: None } => {
                format!("アクション「{title}」を取り下げました")
            }
            ActionText::AlreadyClosed { title, state } => format!(
                "アクション「{title}」はすでに{}です",
                ActionText::State { state }.ja()
            ),
            ActionText::NotFound { id } => format!(
                "アクション `{id}` は見つかりませんでした。/action list で id を確認できます"
            ),
            ActionText::NotYours { title, owner } => format!(
                "アクション「{title}」を閉じられるのは、担当の{owner}さんとファシリテーターです"
            ),
            ActionText::Duplicate { title, id } => format!(
                "「{title}」は今日すでに登録されています（id `{id}`）"
            ),
            ActionText::UnknownPostmortem { id } => format!(
                "ポストモーテム `{id}` は見つかりませんでした。/history 種類:ポストモーテム で id を確認できます"
            ),
            ActionText::BadLink { link } => format!(
                "リンク「{link}」は URL ではありません。https://… の形で書いてください"
            ),
            ActionText::DueBeforeToday { due, today } => format!(
                "期限の{}は過ぎています。今日以降の日付にしてください",
                day_seen(due, today, Language::Ja)
            ),
            ActionText::ListHeader { count, mine, all } => {
                format!("{}（{count}件）:", Self::which_ja(mine, all))
            }
            ActionText::ListEmpty { mine, all } => match (mine, all) {
                (true, true) => "あなたが担当のアクションはまだありません".into(),
                (false, true) => "アクションはまだありません".into(),
                _ => format!("{}はありません", Self::which_ja(mine, all)),
            },
            ActionText::Line { title, owner, due, state, today, closed_by } => {
                let due = Self::due_ja(due, today);
                match (state, closed_by) {
                    (ActionState::Open, _) => format!("「{title}」 担当: {owner}、{due}"),
                    (ActionState::Done, Some(tracker)) => {
                        format!("「{title}」 担当: {owner}、{due}（{tracker} で完了）")
                    }
                    _ => format!(
                        "「{title}」 担当: {owner}、{due}（{}）",
                        ActionText::State { state }.ja()
                    ),
                }
            }
            ActionText::NoDueDate => "期限なし".into(),
            ActionText::ClosedOn { state, day } => {
                format!("{day}に{}", ActionText::State { state }.ja())
            }
            ActionText::LineId { id } => format!("id `{id}`"),
            ActionText::More { count } => format!("…ほか{count}件"),
            ActionText::RemindersOn => "あなたが担当のアクションは、期限の前日にDMでお知らせします。止めるときは `/action remind off` です".into(),
            ActionText::RemindersOff => "期限前日のお知らせを止めました".into(),
            ActionText::Reminder { title, due, today, id } => format!(
                "明日（{}）が期限の再発防止アクションがあります: 「{title}」。終わっていたら /action done id:{id} で完了にできます。間に合わなさそうなら、次の回で相談しましょう",
                day_seen(due, today, Language::Ja)
            ),
            ActionText::FollowUpHeading => "▶ 再発防止アクション（期限切れと今週が期限のもの）".into(),
            ActionText::FollowUpCount { overdue, due_soon } => match (overdue, due_soon) {
                (0, n) => format!("今週が期限の再発防止アクションが{n}件あります（一覧は /action list）"),
                (n, 0) => format!("期限を過ぎた再発防止アクションが{n}件あります（一覧は /action list）"),
                (o, n) => format!(
                    "期限を過ぎた再発防止アクションが{o}件、今週が期限のものが{n}件あります（一覧は /action list）"
                ),
            },
            ActionText::ClosedDuringSession => "この回で完了したアクション:".into(),
            ActionText::State { state } => match state {
                ActionState::Open => "未完了",
                ActionState::Overdue => "期限切れ",
                ActionState::Done => "完了",
                ActionState::Dropped => "取り下げ",
            }
            .into(),
            ActionText::AddButton => "アクションを追加".into(),
            ActionText::FormTitle => "再発防止アクション".into(),
            ActionText::FieldTitle => "やること".into(),
            ActionText::FieldOwner => "担当（空欄ならあなた）".into(),
            ActionText::FieldDue => "期限（12/24、来週 など。空欄なら期限なし）".into(),
            ActionText::MarkDoneButton { title } => format!("完了: {title}"),
        }
    }

    fn en(&self) -> String {
        match *self {
            ActionText::Added {
                title,
                id,
                owner,
                due,
                today,
            } => format!(
                "Prevention action \"{title}\" added (owner: {owner}, {}). id `{id}`",
                Self::due_en(due, today)
            ),
            ActionText::Done { title } => format!("Action \"{title}\" is done. Thank you!"),
            ActionText::Dropped {
                title,
                reason: Some(reason),
            } => {
                format!("Action \"{title}\" dropped (reason: {reason})")
            }
            ActionText::Dropped {
                title,
                reason: None,
            } => format!("Action \"{title}\" dropped"),
            ActionText::AlreadyClosed { title, state } => format!(
                "action \"{title}\" is already {}",
                ActionText::State { state }.en()
            ),
            ActionText::NotFound { id } => {
                format!("no action with id `{id}`; /action list shows the ids")
            }
            ActionText::NotYours { title, owner } => format!(
                "action \"{title}\" can be closed by its owner, {owner}, and by facilitators"
            ),
            ActionText::Duplicate { title, id } => {
                format!("\"{title}\" was already added today (id `{id}`)")
            }
            ActionText::UnknownPostmortem { id } => {
                format!("no postmortem with id `{id}`; /history kind:postmortem shows the ids")
            }
            ActionText::BadLink { link } => {
                format!("\"{link}\" is not a web address; write it as https://…")
            }
            ActionText::DueBeforeToday { due, today } => format!(
                "the due date {} has passed; choose today or later",
                day_seen(due, today, Language::En)
            ),
            ActionText::ListHeader { count, mine, all } => {
                let which = Self::which_en(mine, all);
                let which = format!("{}{}", which[..1].to_uppercase(), &which[1..]);
                format!("{which} ({count}):")
            }
            ActionText::ListEmpty { mine, all } => match (mine, all) {
                (true, true) => "You own no actions yet".into(),
                (false, true) => "No actions yet".into(),
                _ => format!("No {}", Self::which_en(mine, all)),
            },
            ActionText::Line {
                title,
                owner,
                due,
                state,
                today,
                closed_by,
            } => {
                let due = Self::due_en(due, today);
                match (state, closed_by) {
                    (ActionState::Open, _) => format!("\"{title}\" owner: {owner}, {due}"),
                    (ActionState::Done, Some(tracker)) => {
                        format!("\"{title}\" owner: {owner}, {due} (done in {tracker})")
                    }
                    _ => format!(
                        "\"{title}\" owner: {owner}, {due} ({})",
                        ActionText::State { state }.en()
                    ),
                }
            }
            ActionText::NoDueDate => "no due date".into(),
            ActionText::ClosedOn { state, day } => {
                format!("{} on {day}", ActionText::State { state }.en())
            }
            ActionText::LineId { id } => format!("id `{id}`"),
            ActionText::More { count } => format!("…and {count} more"),
            ActionText::RemindersOn => {
                "You will get a DM the day before your actions are due. /action remind off stops it"
                    .into()
            }
            ActionText::RemindersOff => "Reminders before due dates are off".into(),
            ActionText::Reminder {
                title,
                due,
                today,
                id,
            } => format!(
                "A prevention action of yours is due tomorrow ({}): \"{title}\". If it is done, /action done id:{id} closes it. If it will take longer, let's talk about it at the next session",
                day_seen(due, today, Language::En)
            ),
            ActionText::FollowUpHeading => {
                "▶ Prevention actions (overdue and due this week)".into()
            }
            ActionText::FollowUpCount { overdue, due_soon } => match (overdue, due_soon) {
                (0, n) => format!("Prevention actions: {n} due this week (see /action list)"),
                (n, 0) => format!("Prevention actions: {n} overdue (see /action list)"),
                (o, n) => {
                    format!("Prevention actions: {o} overdue, {n} due this week (see /action list)")
                }
            },
            ActionText::ClosedDuringSession => "Actions done during this session:".into(),
            ActionText::State { state } => match state {
                ActionState::Open => "open",
                ActionState::Overdue => "overdue",
                ActionState::Done => "done",
                ActionState::Dropped => "dropped",
            }
            .into(),
            ActionText::AddButton => "Add an action".into(),
            ActionText::FormTitle => "Prevention action".into(),
            ActionText::FieldTitle => "What to do".into(),
            ActionText::FieldOwner => "Owner (empty: you)".into(),
            ActionText::FieldDue => "Due (12/24, next week…; empty: none)".into(),
            ActionText::MarkDoneButton { title } => format!("Done: {title}"),
        }
    }
}

/// The follow-up section of the run-of-show: its heading and one line per
/// action (with its link, which Discord does not unfurl), or that there are none.
pub(crate) fn follow_up_section(lines: &[String], more: usize, language: Language) -> String {
    let mut out = vec![ActionText::FollowUpHeading.say(language)];
    out.extend(lines.iter().map(|l| format!("- {l}")));
    if more > 0 {
        out.push(ActionText::More { count: more }.say(language));
    }
    out.join("\n")
}

#[cfg(test)]
impl ActionText<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        let today = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let due = NaiveDate::from_ymd_opt(2026, 12, 24);
        let mut samples = vec![
            ActionText::Added {
                title: "監視のしきい値を見直す",
                id: "act-1",
                owner: "佐藤",
                due,
                today,
            },
            ActionText::Done {
                title: "監視のしきい値を見直す",
            },
            ActionText::Dropped {
                title: "監視のしきい値を見直す",
                reason: Some("別の対策で足りた"),
            },
            ActionText::Dropped {
                title: "監視のしきい値を見直す",
                reason: None,
            },
            ActionText::AlreadyClosed {
                title: "監視のしきい値を見直す",
                state: ActionState::Done,
            },
            ActionText::NotFound { id: "act-1" },
            ActionText::NotYours {
                title: "監視のしきい値を見直す",
                owner: "佐藤",
            },
            ActionText::Duplicate {
                title: "監視のしきい値を見直す",
                id: "act-1",
            },
            ActionText::UnknownPostmortem { id: "pm-1" },
            ActionText::BadLink { link: "障害票" },
            ActionText::DueBeforeToday {
                due: today.pred_opt().unwrap(),
                today,
            },
            ActionText::ListEmpty {
                mine: true,
                all: false,
            },
            ActionText::LineId { id: "act-1" },
            ActionText::More { count: 3 },
            ActionText::NoDueDate,
            ActionText::ClosedOn {
                state: ActionState::Done,
                day: "2026年11月25日(水)",
            },
            ActionText::RemindersOn,
            ActionText::RemindersOff,
            ActionText::Reminder {
                title: "監視のしきい値を見直す",
                due: today,
                today,
                id: "act-1",
            },
            ActionText::FollowUpHeading,
            ActionText::ClosedDuringSession,
            ActionText::AddButton,
            ActionText::FormTitle,
            ActionText::FieldTitle,
            ActionText::FieldOwner,
            ActionText::FieldDue,
            ActionText::MarkDoneButton {
                title: "監視のしきい値を見直す",
            },
        ];
        for (mine, all) in [(false, false), (true, false), (false, true), (true, true)] {
            samples.push(ActionText::ListHeader {
                count: 2,
                mine,
                all,
            });
        }
        for (overdue, due_soon) in [(0, 1), (1, 0), (2, 3)] {
            samples.push(ActionText::FollowUpCount { overdue, due_soon });
        }
        for state in ActionState::ALL {
            samples.push(ActionText::State { state });
            samples.push(ActionText::Line {
                title: "監視のしきい値を見直す",
                owner: "佐藤",
                due,
                state,
                today,
                closed_by: None,
            });
        }
        samples.push(ActionText::Line {
            title: "監視のしきい値を見直す",
            owner: "佐藤",
            due,
            state: ActionState::Done,
            today,
            closed_by: Some("GitHub"),
        });
        samples
    }
}
