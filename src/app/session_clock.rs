//! What the clock brings to a live session (issue 15): the time signals in
//! its thread (an item's timebox ran out, five minutes to the end), the
//! automatic end, and a summary still to post after a restart. Decided here
//! from the store and "now"; the daemon's `live_session` job carries it out.

use crate::store::PostKey;
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};

use super::session::{load, plan_of};
use super::session_end::summary_pending;
use super::{Context, Said, UserError};
use crate::chat::ChatMessage;
use crate::domain::run_of_show::{Progress, Signal, ends_automatically};
use crate::messages::Message as _;
use crate::messages::session::{SessionText, clock};

/// While a session runs, look at least this often: a click may bring an
/// item's end closer than the moment planned.
const WHILE_RUNNING: TimeDelta = TimeDelta::minutes(1);

/// One thing due for a live session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Due {
    /// A plain message in the session's place, posted once under `key`.
    Signal {
        target: u64,
        message: ChatMessage,
        key: PostKey,
    },
    /// Still running 15 minutes after the scheduled end: end it.
    End(NaiveDate),
    /// Ended, but the summary is not posted everywhere yet.
    PostSummary(NaiveDate),
}

/// What is due now for the meeting's recent sessions (yesterday's, for a
/// meeting past midnight, and today's), and when to look again.
pub(crate) fn due(
    uc: &Context,
    channel: Option<u64>,
) -> Result<(Vec<Due>, Option<DateTime<Utc>>), UserError> {
    let today = uc.today();
    let from = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let mut due = Vec::new();
    let mut wake: Option<DateTime<Utc>> = None;
    for o in uc
        .occurrences(from, 1)?
        .into_iter()
        .filter(|o| o.is_held() && o.date <= today)
    {
        let Some(live) = load(uc, o.date)? else {
            continue;
        };
        if live.ended {
            if summary_pending(uc, o.date, channel) {
                due.push(Due::PostSummary(o.date));
            }
            continue;
        }
        if ends_automatically(&o.end, &uc.now) {
            due.push(Due::End(o.date));
            continue;
        }
        let session = uc.log.session(&uc.meeting.id, o.date).said(uc.language)?;
        let plan = plan_of(uc, session.as_ref(), Some(&live));
        let progress = Progress {
            current: live.current,
            extensions: &live.extensions,
        };
        let post = |what: &str| uc.log.session_post(&uc.meeting.id, o.date, what);
        for signal in plan.signals_due(&o.start, &o.end, progress, &uc.now) {
            let (key, text) = match signal {
                Signal::ItemOver { index, extended } => {
                    let until = plan
                        .item_end(&o.start, index, &live.extensions)
                        .map(|t| clock(&t))
                        .unwrap_or_default();
                    let title = plan.items.get(index).map_or("", |i| i.title.as_str());
                    (
                        post(&format!("signal/item/{index}/{extended}")),
                        SessionText::ItemOver {
                            title,
                            until: &until,
                        }
                        .say(uc.language),
                    )
                }
                Signal::EndingSoon => (
                    post("signal/ending"),
                    SessionText::EndingSoon {
                        end: &clock(&o.end),
                    }
                    .say(uc.language),
                ),
            };
            if uc.log.post_recorded(&key).said(uc.language)?.is_none() {
                due.push(Due::Signal {
                    target: live.target,
                    message: ChatMessage {
                        text,
                        buttons: Vec::new(),
                    },
                    key,
                });
            }
        }
        let soon = uc.now + WHILE_RUNNING;
        let next = plan
            .next_moment(&o.start, &o.end, progress, &uc.now)
            .map_or(soon, |t| t.min(soon));
        wake = Some(wake.map_or(next, |w| w.min(next)));
    }
    Ok((due, wake))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::fixture;
    use crate::app::session::{LiveSession, save};
    use crate::domain::language::Language;
    use crate::domain::log::{AgendaItem, AgendaKind};
    use crate::store::FactLog as _;
    use crate::store::SessionStore as _;

    fn context_at<'a>(f: &'a crate::app::fixture::Fixture, now: &str) -> Context<'a> {
        Context {
            now: now.parse().unwrap(),
            language: Language::Ja,
            ..f.ctx()
        }
    }

    #[test]
    fn signals_come_once_each_and_the_session_ends_fifteen_minutes_after_its_end() {
        let f = fixture("2026-12-02T08:00:00Z");
        let date: NaiveDate = "2026-12-02".parse().unwrap();
        f.log
            .update_session("weekly", date, &mut |s| {
                s.agenda.push(AgendaItem {
                    id: "a".into(),
                    title: "決済APIの全断".into(),
                    kind: AgendaKind::Incident,
                    ..AgendaItem::default()
                });
                Ok(())
            })
            .unwrap();
        let live = LiveSession {
            target: 555,
            thread: Some(555),
            current: 1,
            extensions: vec![5],
            items: vec!["a".into()],
            ..LiveSession::default()
        };
        save(&f.ctx(), date, &live).unwrap();
        // 17:00 Tokyo; the one item runs 17:05 to 17:50, +5 to 17:55.
        let (none, wake) = due(&context_at(&f, "2026-12-02T08:30:00Z"), Some(222)).unwrap();
        assert!(none.is_empty(), "{none:?}");
        assert_eq!(wake, Some("2026-12-02T08:31:00Z".parse().unwrap()));
        let (signals, _) = due(&context_at(&f, "2026-12-02T08:55:30Z"), Some(222)).unwrap();
        let texts: Vec<String> = signals
            .iter()
            .map(|d| match d {
                Due::Signal {
                    message, target, ..
                } => {
                    assert_eq!(*target, 555);
                    message.text.clone()
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "⏰ 「決済APIの全断」の予定時間（17:55まで）が終わりました。",
                "⏰ 終了の5分前です（18:00に終了予定）。"
            ]
        );
        for d in &signals {
            let Due::Signal { key, .. } = d else { panic!() };
            f.log.record_post(key, "posted").unwrap();
        }
        let (again, _) = due(&context_at(&f, "2026-12-02T08:56:00Z"), Some(222)).unwrap();
        assert!(again.is_empty(), "posted once: {again:?}");
        let (still, _) = due(&context_at(&f, "2026-12-02T09:14:59Z"), Some(222)).unwrap();
        assert!(still.is_empty(), "{still:?}");
        let (end, _) = due(&context_at(&f, "2026-12-02T09:15:00Z"), Some(222)).unwrap();
        assert_eq!(end, [Due::End(date)]);
    }
}
