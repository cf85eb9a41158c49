//! The port's contract, asked of every adapter: the sled log and the
//! in-memory log must give the same answers, or the app's unit tests (which
//! use the in-memory one) would prove something the daemon does not do.

use chrono::{DateTime, NaiveDate, Utc};

use super::{InMemoryLog, SessionLog, SledLog, StoreError};
use crate::domain::actions::{Action, ActionStatus};
use crate::domain::history::{Query, Record, RecordKind};
use crate::domain::incidents::{Episode, Group};
use crate::domain::live_session::LiveSession;
use crate::domain::log::{AgendaItem, Learning, Postmortem, SessionStatus, SkipCode};
use crate::domain::rotation::{RosterAction, RosterChange};
use crate::interchange::Document;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Runs `check` on a fresh log of each adapter, naming the adapter on failure.
fn for_each_adapter(check: impl Fn(&dyn SessionLog)) {
    let dir = tempfile::tempdir().unwrap();
    let sled = SledLog::open(dir.path()).unwrap();
    let memory = InMemoryLog::new();
    for (name, log) in [("sled", &sled as &dyn SessionLog), ("memory", &memory)] {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(log)));
        if let Err(panic) = outcome {
            eprintln!("the {name} adapter broke the contract");
            std::panic::resume_unwind(panic);
        }
    }
}

fn item(id: &str, title: &str) -> AgendaItem {
    AgendaItem {
        id: id.into(),
        title: title.into(),
        ..Default::default()
    }
}

fn learning(id: &str, day: &str, text: &str) -> Learning {
    Learning {
        id: id.into(),
        meeting: "weekly".into(),
        date: date(day),
        text: text.into(),
        tags: vec!["db".into()],
        author: None,
        author_id: None,
    }
}

fn postmortem(id: &str, day: &str) -> Postmortem {
    Postmortem {
        id: id.into(),
        meeting: "weekly".into(),
        date: date(day),
        title: format!("DB failover {id}"),
        impact: String::new(),
        actions_taken: String::new(),
        root_cause: String::new(),
        prevention: String::new(),
        responders: Vec::new(),
        links: Vec::new(),
        responder_ids: Vec::new(),
    }
}

fn action(id: &str, postmortem: Option<&str>) -> Action {
    Action {
        id: id.into(),
        meeting: "weekly".into(),
        title: "Add a replica lag alert".into(),
        owner: "sato".into(),
        owner_id: None,
        due: None,
        status: ActionStatus::Open,
        link: None,
        postmortem: postmortem.map(Into::into),
        created: date("2026-12-02"),
        closed: None,
        note: None,
        closed_by: None,
    }
}

#[test]
fn sessions_come_back_in_date_order_and_an_invalid_change_writes_nothing() {
    for_each_adapter(|log| {
        for day in ["2026-12-09", "2026-12-02"] {
            log.update_session("weekly", date(day), &mut |s| {
                s.agenda.push(item(&format!("a-{day}"), "DB failover"));
                Ok(())
            })
            .unwrap();
        }
        let dates: Vec<_> = log
            .sessions(Some("weekly"))
            .unwrap()
            .iter()
            .map(|s| s.date)
            .collect();
        assert_eq!(dates, [date("2026-12-02"), date("2026-12-09")]);
        assert!(log.sessions(Some("other")).unwrap().is_empty());
        let err = log
            .update_session("weekly", date("2026-12-02"), &mut |s| {
                s.status = SessionStatus::Held;
                s.reason = Some(SkipCode::Cancelled);
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let kept = log.session("weekly", date("2026-12-02")).unwrap().unwrap();
        assert_eq!(kept.reason, None);
        assert_eq!(kept.agenda.len(), 1);
        let between = log
            .sessions_between("weekly", date("2026-12-03"), date("2026-12-31"))
            .unwrap();
        assert_eq!(between.len(), 1);
    });
}

#[test]
fn an_import_merges_counts_what_it_changed_and_refuses_an_unknown_postmortem() {
    for_each_adapter(|log| {
        let document = Document {
            postmortems: vec![postmortem("pm-1", "2026-12-02")],
            learnings: vec![learning("l-1", "2026-12-02", "レプリカの遅延を監視する")],
            actions: vec![action("act-1", Some("pm-1"))],
            ..Document::empty()
        };
        let first = log.import(&document).unwrap();
        assert_eq!((first.added, first.updated, first.unchanged), (3, 0, 0));
        let again = log.import(&document).unwrap();
        assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 3));

        let orphan = Document {
            actions: vec![action("act-2", Some("pm-missing"))],
            ..Document::empty()
        };
        let err = log.import(&orphan).unwrap_err();
        assert!(err.to_string().contains("pm-missing"), "{err}");
        assert!(
            log.action("act-2").unwrap().is_none(),
            "nothing of it stored"
        );

        let exported = log.export().unwrap();
        assert_eq!(exported.postmortems, document.postmortems);
        assert_eq!(exported.learnings, document.learnings);
        assert_eq!(exported.actions, document.actions);
    });
}

#[test]
fn the_search_is_newest_first_limited_and_pages_without_its_first_results() {
    for_each_adapter(|log| {
        for (id, day) in [
            ("l-1", "2026-11-04"),
            ("l-2", "2026-11-11"),
            ("l-3", "2026-11-18"),
        ] {
            log.put_learning(&learning(id, day, "ＤＢの復旧手順"))
                .unwrap();
        }
        log.put_postmortem(&postmortem("pm-1", "2026-11-11"))
            .unwrap();
        let query = Query {
            text: Some("db".into()),
            kind: Some(RecordKind::Learning),
            limit: 2,
            ..Query::default()
        };
        let ids = |records: Vec<Record>| records.iter().map(Record::id).collect::<Vec<_>>();
        assert_eq!(ids(log.search(&query).unwrap()), ["l-3", "l-2"]);
        assert_eq!(ids(log.search_after(&query, 2).unwrap()), ["l-1"]);
        let everything = Query {
            text: Some("db".into()),
            ..Query::default()
        };
        assert_eq!(log.search(&everything).unwrap().len(), 4);
    });
}

#[test]
fn the_revision_changes_with_records_and_not_with_facts() {
    for_each_adapter(|log| {
        let before = log.revision().unwrap();
        log.set_roster("weekly", &["sato".into()]).unwrap();
        assert_eq!(log.revision().unwrap(), before, "a fact is not a record");
        log.put_learning(&learning("l-1", "2026-12-02", "text"))
            .unwrap();
        assert_ne!(log.revision().unwrap(), before);
    });
}

#[test]
fn a_retried_alert_notification_is_a_duplicate() {
    for_each_adapter(|log| {
        let group = Group {
            meeting: "weekly".into(),
            key: "{}:{alertname=\"DiskFull\"}".into(),
            summary: Some("Disk full on db-1".into()),
            labels: Default::default(),
        };
        let starts: DateTime<Utc> = "2026-12-01T01:00:00Z".parse().unwrap();
        let episode = Episode {
            fingerprint: "f1".into(),
            starts_at: starts,
            ends_at: None,
            labels: [("alertname".to_string(), "DiskFull".to_string())].into(),
            annotations: Default::default(),
            links: Vec::new(),
        };
        let groups = [(group, vec![episode])];
        let first = log.absorb_alerts(&groups).unwrap();
        assert!(!first.is_duplicate());
        assert_eq!(first.new_episodes, 1);
        assert!(log.absorb_alerts(&groups).unwrap().is_duplicate());
        assert_eq!(log.incidents(Some("weekly")).unwrap().len(), 1);
    });
}

#[test]
fn facts_are_set_once_and_an_unknown_action_is_not_found() {
    for_each_adapter(|log| {
        let key = super::PostKey::new("reminder/weekly/2026-12-02");
        assert_eq!(log.post_recorded(&key).unwrap(), None);
        log.record_post(&key, "2026-12-01T10:00:00+09:00").unwrap();
        assert!(log.post_recorded(&key).unwrap().is_some());
        let change = |person: &str| RosterChange {
            at: "2026-12-01T01:00:00Z".parse().unwrap(),
            by: "1001".into(),
            action: RosterAction::Move,
            person: person.into(),
            position: Some(1),
        };
        log.append_roster_change("weekly", &change("sato")).unwrap();
        log.append_roster_change("weekly", &change("suzuki"))
            .unwrap();
        let changes = log.roster_changes("weekly").unwrap();
        assert_eq!(changes, [change("sato"), change("suzuki")]);
        let live = LiveSession {
            target: 555,
            current: 2,
            ..LiveSession::default()
        };
        log.set_live_session("weekly", date("2026-12-02"), &live)
            .unwrap();
        let read = log.live_session("weekly", date("2026-12-02")).unwrap();
        assert_eq!(read, Some(live));
        let err = log.update_action("nope", &mut |_| true).unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    });
}
