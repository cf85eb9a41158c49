//! Replies the Discord adapter gives itself, before a use case answers: a
//! button or form from an older message, a meeting no longer configured.

use super::{Message, catalogue};

catalogue! {
    pub(crate) enum Discord<'a> {
        StaleButton,
        StaleForm,
        UnknownMeeting { id: &'a str },
    }
}

impl Message for Discord<'_> {
    fn ja(&self) -> String {
        match *self {
            Discord::StaleButton => "このボタンはもう使えません".into(),
            Discord::StaleForm => "このフォームはもう使えません".into(),
            Discord::UnknownMeeting { id } => {
                format!("ミーティング {id:?} はもう設定にありません")
            }
        }
    }

    fn en(&self) -> String {
        match *self {
            Discord::StaleButton => "this button is not in use any more".into(),
            Discord::StaleForm => "this form is not in use any more".into(),
            Discord::UnknownMeeting { id } => format!("meeting {id:?} is no longer configured"),
        }
    }
}

#[cfg(test)]
impl Discord<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        vec![
            Discord::StaleButton,
            Discord::StaleForm,
            Discord::UnknownMeeting { id: "weekly" },
        ]
    }
}
