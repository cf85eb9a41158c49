//! Labels for values people choose from: agenda kinds and history record
//! kinds. The option values (`incident`, `session`, …) stay as they are; only
//! what is shown changes with the language. "topic" is 話題 everywhere.

use super::{Message, catalogue};
use crate::domain::history::RecordKind;
use crate::domain::log::AgendaKind;

catalogue! {
    #[derive(Clone, Copy)]
    pub(crate) enum Label {
        Agenda { kind: AgendaKind },
        Record { kind: RecordKind },
    }
}

impl Message for Label {
    fn ja(&self) -> String {
        match *self {
            Label::Agenda { kind } => match kind {
                AgendaKind::Incident => "インシデント",
                AgendaKind::Dashboard => "ダッシュボード",
                AgendaKind::Topic => "話題",
                AgendaKind::Other => "その他",
            },
            Label::Record { kind } => match kind {
                RecordKind::Session => "会",
                RecordKind::Agenda => "議題",
                RecordKind::Postmortem => "ポストモーテム",
                RecordKind::Learning => "学び",
            },
        }
        .into()
    }

    fn en(&self) -> String {
        match *self {
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
            },
        }
        .into()
    }
}

#[cfg(test)]
impl Label {
    pub(crate) fn samples() -> Vec<Self> {
        let agenda = AgendaKind::ALL.map(|kind| Label::Agenda { kind });
        let record = RecordKind::ALL.map(|kind| Label::Record { kind });
        agenda.into_iter().chain(record).collect()
    }
}
