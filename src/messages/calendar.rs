//! `sync`: what a reconcile did or would do, for the CLI and the endpoint.

use chrono::NaiveDate;

use super::dates::day_with_year;
use super::{Message, catalogue};
use crate::domain::language::Language;

/// What one sync did, as its summary line counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyncCounts {
    pub inserted: usize,
    pub updated: usize,
    pub cancelled: usize,
    pub unchanged: usize,
    pub accepted_cancellations: usize,
}

catalogue! {
    pub(crate) enum SyncReport<'a> {
        Summary { summary: SyncCounts },
        DryRun { summary: &'a str },
        Insert { meeting: &'a str, start: &'a str, title: &'a str, dry_run: bool },
        Update { meeting: &'a str, start: &'a str, title: &'a str, dry_run: bool },
        Cancel { meeting: &'a str, id: &'a str, dry_run: bool },
        AcceptCancellation { meeting: &'a str, date: NaiveDate, dry_run: bool },
        OffInTheDaemon,
    }
}

impl Message for SyncReport<'_> {
    fn ja(&self) -> String {
        use SyncReport::*;
        let will = |dry_run: bool| if dry_run { "予定" } else { "" };
        match *self {
            Summary { summary: s } => {
                let mut text = format!(
                    "追加 {} 件、更新 {} 件、取り消し {} 件、変更なし {} 件",
                    s.inserted, s.updated, s.cancelled, s.unchanged
                );
                if s.accepted_cancellations > 0 {
                    text += &format!(
                        "（Google カレンダーで中止された {} 回を休みとして記録）",
                        s.accepted_cancellations
                    );
                }
                text
            }
            DryRun { summary } => format!("試行（書き込みなし）: {summary}"),
            Insert {
                meeting,
                start,
                title,
                dry_run,
            } => {
                format!("{meeting}: 追加{} {start} {title}", will(dry_run))
            }
            Update {
                meeting,
                start,
                title,
                dry_run,
            } => {
                format!("{meeting}: 更新{} {start} {title}", will(dry_run))
            }
            Cancel {
                meeting,
                id,
                dry_run,
            } => {
                format!("{meeting}: 予定 {id} を取り消し{}", will(dry_run))
            }
            AcceptCancellation {
                meeting,
                date,
                dry_run,
            } => format!(
                "{meeting}: {}は Google カレンダーで中止されています。休みとして記録{}",
                day_with_year(date, Language::Ja),
                if dry_run {
                    "します（予定）"
                } else {
                    "しました"
                }
            ),
            OffInTheDaemon => {
                "動いているデーモンではカレンダー同期が無効です（/healthz を参照）".into()
            }
        }
    }

    fn en(&self) -> String {
        use SyncReport::*;
        let would = |dry_run: bool| if dry_run { "would " } else { "" };
        match *self {
            Summary { summary: s } => {
                let mut text = format!(
                    "inserted {}, updated {}, cancelled {}, unchanged {}",
                    s.inserted, s.updated, s.cancelled, s.unchanged
                );
                if s.accepted_cancellations > 0 {
                    text += &format!(
                        " (kept {} cancelled in Google Calendar)",
                        s.accepted_cancellations
                    );
                }
                text
            }
            DryRun { summary } => format!("dry run: {summary}"),
            Insert {
                meeting,
                start,
                title,
                dry_run,
            } => {
                format!("{}{meeting}: insert {start} {title}", would(dry_run))
            }
            Update {
                meeting,
                start,
                title,
                dry_run,
            } => {
                format!("{}{meeting}: update {start} {title}", would(dry_run))
            }
            Cancel {
                meeting,
                id,
                dry_run,
            } => {
                format!("{}{meeting}: cancel event {id}", would(dry_run))
            }
            AcceptCancellation {
                meeting,
                date,
                dry_run,
            } => format!(
                "{}{meeting}: {} was cancelled in Google Calendar; recording the session as skipped",
                would(dry_run),
                day_with_year(date, Language::En)
            ),
            OffInTheDaemon => "calendar sync is off in the running daemon (see /healthz)".into(),
        }
    }
}

#[cfg(test)]
impl SyncReport<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use SyncReport::*;
        let (meeting, start, title) = (
            "weekly",
            "2026-12-02T08:00:00+00:00",
            "週刊ポストモーテム #393",
        );
        let summary = SyncCounts {
            inserted: 1,
            updated: 2,
            cancelled: 3,
            unchanged: 4,
            accepted_cancellations: 1,
        };
        vec![
            Summary { summary },
            DryRun {
                summary: "追加 1 件",
            },
            Insert {
                meeting,
                start,
                title,
                dry_run: true,
            },
            Update {
                meeting,
                start,
                title,
                dry_run: false,
            },
            Cancel {
                meeting,
                id: "abc123",
                dry_run: true,
            },
            AcceptCancellation {
                meeting,
                date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
                dry_run: false,
            },
            OffInTheDaemon,
        ]
    }
}
