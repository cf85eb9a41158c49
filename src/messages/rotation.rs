//! Replies about the facilitators' rotation.

use chrono::NaiveDate;

use super::dates::day;
use super::{Message, catalogue};
use crate::domain::language::Language;

catalogue! {
    pub(crate) enum Rotation<'a> {
        AlreadyIn,
        Joined { name: &'a str, people: usize },
        NotIn,
        Left,
        Roster { members: &'a str, upcoming: &'a str },
        OnlyFacilitatorsSwap,
        Swapped { a: NaiveDate, now_a: &'a str, b: NaiveDate, now_b: &'a str },
        OnlyRoleEdits,
        MemberAlreadyIn { name: &'a str },
        MemberAdded { name: &'a str, position: usize },
        MemberNotIn { name: &'a str },
        MemberRemoved { name: &'a str },
        PositionOutOfRange { last: usize },
        MemberMoved { name: &'a str, position: usize, order: &'a str },
        PersonOrName,
    }
}

impl Message for Rotation<'_> {
    fn ja(&self) -> String {
        match *self {
            Rotation::AlreadyIn => "すでにローテーションに入っています".into(),
            Rotation::Joined { name, people } => format!(
                "{name}さんがファシリテーターのローテーションに加わりました（{people}人）。ありがとうございます！"
            ),
            Rotation::NotIn => "ローテーションに入っていません".into(),
            Rotation::Left => "ローテーションから外れました。すでに決まっている回はそのままです（`/rotation swap` で交代できます）。".into(),
            Rotation::Roster { members, upcoming } => {
                format!("ローテーション: {members}\n今後の担当:\n{upcoming}")
            }
            Rotation::OnlyFacilitatorsSwap => {
                "交代できるのは担当者本人かファシリテーターロールの人です".into()
            }
            Rotation::Swapped { a, now_a, b, now_b } => {
                format!(
                    "交代しました: {}は{now_a}、{}は{now_b}",
                    day(a, Language::Ja),
                    day(b, Language::Ja)
                )
            }
            Rotation::OnlyRoleEdits => "ローテーションを編集できるのは、この会議のファシリテーターロールを持つ人だけです（自分の参加・離脱は `/rotation join` と `/rotation leave` でできます）。何も変更していません。".into(),
            Rotation::MemberAlreadyIn { name } => {
                format!("{name}さんはすでにローテーションに入っています")
            }
            Rotation::MemberAdded { name, position } => {
                format!("{name}さんをローテーションの {position} 番目に加えました")
            }
            Rotation::MemberNotIn { name } => format!("{name}さんはローテーションに入っていません"),
            Rotation::MemberRemoved { name } => {
                format!("{name}さんをローテーションから外しました（決まっている回はそのままです）")
            }
            Rotation::PositionOutOfRange { last } => {
                format!("位置は 1 から {last} までで指定してください")
            }
            Rotation::MemberMoved { name, position, order } => {
                format!("{name}さんを {position} 番目にしました。ローテーション: {order}")
            }
            Rotation::PersonOrName => "外す人は「メンバー」（サーバーのメンバー）か「名前」（ローテーションの名前）のどちらか一方で指定してください".into(),
        }
    }

    fn en(&self) -> String {
        match *self {
            Rotation::AlreadyIn => "you are already in the rotation".into(),
            Rotation::Joined { name, people } => {
                format!("{name} joined the facilitator rotation ({people} people). Thank you!")
            }
            Rotation::NotIn => "you are not in the rotation".into(),
            Rotation::Left => "You left the rotation. Sessions already assigned stay as they are (trade them with `/rotation swap`).".into(),
            Rotation::Roster { members, upcoming } => {
                format!("Rotation: {members}\nComing up:\n{upcoming}")
            }
            Rotation::OnlyFacilitatorsSwap => {
                "only the two facilitators or someone with the facilitator role can swap".into()
            }
            Rotation::Swapped { a, now_a, b, now_b } => {
                format!(
                    "Swapped: {} is now {now_a}, {} is now {now_b}",
                    day(a, Language::En),
                    day(b, Language::En)
                )
            }
            Rotation::OnlyRoleEdits => "Only holders of this meeting's facilitator role can change the rotation for others (anyone can `/rotation join` or `/rotation leave` for themselves). Nothing was changed.".into(),
            Rotation::MemberAlreadyIn { name } => format!("{name} is already in the rotation"),
            Rotation::MemberAdded { name, position } => {
                format!("Added {name} to the rotation at position {position}")
            }
            Rotation::MemberNotIn { name } => format!("{name} is not in the rotation"),
            Rotation::MemberRemoved { name } => {
                format!("Removed {name} from the rotation (sessions already assigned stay)")
            }
            Rotation::PositionOutOfRange { last } => {
                format!("the position must be between 1 and {last}")
            }
            Rotation::MemberMoved { name, position, order } => {
                format!("Moved {name} to position {position}. Rotation: {order}")
            }
            Rotation::PersonOrName => "name who to take off either as person (a member) or as name (a rotation entry), not both and not neither".into(),
        }
    }
}

#[cfg(test)]
impl Rotation<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        let a = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let b = NaiveDate::from_ymd_opt(2026, 12, 16).unwrap();
        vec![
            Rotation::AlreadyIn,
            Rotation::Joined {
                name: "sato",
                people: 3,
            },
            Rotation::NotIn,
            Rotation::Left,
            Rotation::Roster {
                members: "sato → 田中",
                upcoming: "- 2026-12-09: sato",
            },
            Rotation::OnlyFacilitatorsSwap,
            Rotation::Swapped {
                a,
                now_a: "sato",
                b,
                now_b: "-",
            },
            Rotation::OnlyRoleEdits,
            Rotation::MemberAlreadyIn { name: "sato" },
            Rotation::MemberAdded {
                name: "sato",
                position: 2,
            },
            Rotation::MemberNotIn { name: "sato" },
            Rotation::MemberRemoved { name: "sato" },
            Rotation::PositionOutOfRange { last: 3 },
            Rotation::MemberMoved {
                name: "sato",
                position: 1,
                order: "sato → 田中",
            },
            Rotation::PersonOrName,
        ]
    }
}
