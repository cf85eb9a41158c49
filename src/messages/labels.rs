//! Labels for values people choose from: agenda kinds and history record
//! kinds. The option values (`incident`, `session`, …) stay as they are; only
//! what is shown changes with the language. "topic" is 話題 everywhere.

use chrono::NaiveDate;

use super::dates::day;
use super::{Message, catalogue};
use crate::domain::history::RecordKind;
use crate::domain::language::Language;
use crate::domain::log::AgendaKind;

catalogue! {
    #[derive(Clone, Copy)]
    pub(crate) enum Label {
        Agenda { kind: AgendaKind },
        Record { kind: RecordKind },
        /// A session as replies name it: its number and its day.
        Session { number: Option<u32>, date: NaiveDate },
        /// How long an incident lasted; `None` while it is still firing.
        Lasted { minutes: Option<i64> },
    }
}

impl Message for Label {
    fn ja(&self) -> String {
        match *self {
            Label::Lasted { minutes } => {
                return match minutes.map(|m| (m / 60, m % 60)) {
                    None => "対応中".into(),
                    Some((0, m)) => format!("{m}分"),
                    Some((h, 0)) => format!("{h}時間"),
                    Some((h, m)) => format!("{h}時間{m}分"),
                };
            }
            Label::Session { number, date } => {
                let date = day(date, Language::Ja);
                return match number {
                    Some(n) => format!("第{n}回（{date}）"),
                    None => date,
                };
            }
            Label::Agenda { kind } => match kind {
                AgendaKind::Incident => "インシデント",
                AgendaKind::Dashboard => "ダッシュボード",
                AgendaKind::Topic => "話題",
                AgendaKind::Other => "その他",
            },
            Label::Record { kind } => match kind {
                RecordKind::Session => "回",
                RecordKind::Agenda => "議題",
                RecordKind::Postmortem => "ポストモーテム",
                RecordKind::Learning => "学び",
                RecordKind::Incident => "インシデント",
                RecordKind::Action => "アクション",
            },
        }
        .into()
    }

    fn en(&self) -> String {
        match *self {
            Label::Lasted { minutes } => {
                return match minutes.map(|m| (m / 60, m % 60)) {
                    None => "still firing".into(),
                    Some((0, m)) => format!("{m} min"),
                    Some((h, 0)) => format!("{h} h"),
                    Some((h, m)) => format!("{h} h {m} min"),
                };
            }
            Label::Session { number, date } => {
                // "#393, Dec 9 (Wed)": "Dec 9 (Wed)" inside the number's
                // parentheses would read badly.
                let date = day(date, Language::En);
                return match number {
                    Some(n) => format!("#{n}, {date}"),
                    None => date,
                };
            }
            Label::Agenda { kind } => match kind {
                AgendaKind::Incident => "incident",
                AgendaKind::Dashboard => "dashboard",
                AgendaKind::Topic => "topic",
                AgendaKind::Other => "other",
            },
            Label::Record { kind } => match kind {
                RecordKind::Session => "session",
                RecordKind::Agenda => "agenda",
                RecordKind::Postmortem => "postmortem",
                RecordKind::Learning => "learning",
                RecordKind::Incident => "incident",
                RecordKind::Action => "action",
            },
        }
        .into()
    }
}

/// What is wrong with a record, `field: problem`, in the language people are
/// answered in. A field people filled in is named as the form and the
/// command name it; any other (a key in a file) is shown as code.
impl Message for crate::domain::log::Invalid {
    fn ja(&self) -> String {
        match field_ja(&self.field) {
            Some(label) => format!("{label}: {}", self.problem_ja),
            None => format!("`{}`: {}", self.field, self.problem_ja),
        }
    }

    fn en(&self) -> String {
        self.to_string()
    }
}

/// What the forms and the commands' Japanese option names call a field a
/// person fills in; `None` for keys only files have.
pub(crate) fn field_ja(field: &str) -> Option<&'static str> {
    Some(match field {
        "title" => "タイトル",
        "impact" => "影響",
        "actions_taken" => "復旧のためにしたこと",
        "root_cause" => "根本原因",
        "prevention" => "再発防止",
        "text" => "学んだこと",
        "tags" | "tag" => "タグ",
        "reason" => "理由",
        "link" => "リンク",
        "team" => "チーム",
        "presenter" => "発表者",
        "presenter_name" => "発表者の名前",
        "name" => "名前",
        _ => return None,
    })
}

#[cfg(test)]
impl Label {
    pub(crate) fn samples() -> Vec<Self> {
        let agenda = AgendaKind::ALL.map(|kind| Label::Agenda { kind });
        let record = RecordKind::ALL.map(|kind| Label::Record { kind });
        let date = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let sessions = [Some(394), None].map(|number| Label::Session { number, date });
        let lasted =
            [Some(42), Some(120), Some(125), None].map(|minutes| Label::Lasted { minutes });
        agenda
            .into_iter()
            .chain(record)
            .chain(sessions)
            .chain(lasted)
            .collect()
    }
}
