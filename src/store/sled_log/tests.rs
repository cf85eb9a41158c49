//! Unit tests of `sled_log`, beside it so the module itself stays short.

use super::*;
use crate::domain::log::{AgendaItem, AgendaKind, SessionStatus, SkipCode};
use crate::store::HistorySearch as _;
use crate::store::IncidentLog as _;
use crate::store::KnowledgeLog as _;
use crate::store::LogDocument as _;
use crate::store::SessionStore as _;
use crate::store::facts::Markers as _;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Opens the store again once the one dropped before lets go of its lock
/// (sled's flusher thread may hold it a moment longer on a busy machine).
/// Opens `dir` again after this test dropped its handle.
fn reopen(dir: &Path) -> SledLog {
    SledLog::open_after_close(dir, crate::store::DEFAULT_CACHE_MIB).unwrap()
}
#[test]
fn a_second_open_of_the_same_database_says_it_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let _first = reopen(dir.path());
    let err = SledLog::open(dir.path()).err().unwrap();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("daemon"));
}

#[test]
fn a_newer_schema_is_refused_with_both_versions_named() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = reopen(dir.path());
        log.write_schema_version(SCHEMA_VERSION + 1).unwrap();
    }
    let err = SledLog::open(dir.path()).err().unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "the database at {} has schema version {}, newer than this binary understands ({SCHEMA_VERSION}); upgrade weekly-postmortem or restore a backup",
            SledLog::path_in(dir.path()).display(),
            SCHEMA_VERSION + 1
        )
    );
}

#[test]
fn update_session_creates_validates_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let day = date("2026-12-02");
    {
        let log = reopen(dir.path());
        log.update_session("weekly", day, &mut |s| {
            s.agenda.push(AgendaItem {
                id: "a-1".into(),
                title: "DB failover".into(),
                kind: AgendaKind::Incident,
                presenter: Some("tanaka".into()),
                link: None,
                notes: None,
                added_by: None,
                added_at: None,
                ..Default::default()
            });
            Ok(())
        })
        .unwrap();
        let err = log
            .update_session("weekly", day, &mut |s| {
                s.status = SessionStatus::Held;
                s.reason = Some(SkipCode::Cancelled);
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)));
    }
    let log = reopen(dir.path());
    let session = log.session("weekly", day).unwrap().unwrap();
    assert_eq!(session.agenda[0].title, "DB failover");
    assert_eq!(session.reason, None, "the invalid change was not stored");
}

#[test]
fn cancelled_dates_are_every_cancellation_of_the_meeting_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let log = reopen(dir.path());
    let skip = |meeting: &str, day: &str, reason: SkipCode| {
        log.update_session(meeting, date(day), &mut |s| {
            s.status = SessionStatus::Skipped;
            s.reason = Some(reason);
            Ok(())
        })
        .unwrap();
    };
    skip("weekly", "2019-02-13", SkipCode::Cancelled);
    skip("weekly", "2026-10-14", SkipCode::Cancelled);
    skip("weekly", "2026-10-21", SkipCode::Holiday);
    skip("weekly-ops", "2026-10-28", SkipCode::Cancelled);
    log.update_session("weekly", date("2026-11-04"), &mut |s| {
        s.notes = Some("held".into());
        Ok(())
    })
    .unwrap();
    let dates = log.cancelled_dates("weekly").unwrap();
    assert_eq!(
        dates,
        BTreeSet::from([date("2019-02-13"), date("2026-10-14")])
    );
    let all = log.sessions(Some("weekly")).unwrap();
    assert_eq!(dates, crate::domain::log::cancelled_dates(&all, "weekly"));
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

fn query(text: &str) -> Query {
    Query {
        text: Some(text.into()),
        limit: 0,
        ..Query::default()
    }
}

fn ids(records: &[Record]) -> Vec<String> {
    records.iter().map(Record::id).collect()
}

fn alert(fingerprint: &str, start: &str, end: Option<&str>) -> Episode {
    Episode {
        fingerprint: fingerprint.into(),
        starts_at: format!("2026-11-30T{start}:00Z").parse().unwrap(),
        ends_at: end.map(|e| format!("2026-11-30T{e}:00Z").parse().unwrap()),
        labels: [("alertname".to_string(), "DiskFull".to_string())].into(),
        annotations: [("description".to_string(), "ディスクが満杯".to_string())].into(),
        links: Vec::new(),
    }
}

fn disk_group() -> Group {
    Group {
        meeting: "weekly".into(),
        key: "{}:{alertname=\"DiskFull\"}".into(),
        summary: Some("Disk full on db-1".into()),
        labels: Default::default(),
    }
}

#[test]
fn alerts_become_searchable_incidents_a_retry_writes_nothing_and_they_survive_export() {
    let dir = tempfile::tempdir().unwrap();
    let log = reopen(dir.path());
    let groups = vec![(disk_group(), vec![alert("f1", "10:00", None)])];
    let first = log.absorb_alerts(&groups).unwrap();
    assert_eq!((first.incidents_changed, first.new_episodes), (1, 1));
    assert!(log.absorb_alerts(&groups).unwrap().is_duplicate());
    let resolved = vec![(disk_group(), vec![alert("f1", "10:00", Some("10:45"))])];
    assert_eq!(log.absorb_alerts(&resolved).unwrap().ended_episodes, 1);
    // A second episode 2 hours later is a second incident; one between them merges all.
    log.absorb_alerts(&[(disk_group(), vec![alert("f2", "12:45", Some("13:00"))])])
        .unwrap();
    assert_eq!(log.incidents(None).unwrap().len(), 2);
    log.absorb_alerts(&[(disk_group(), vec![alert("f3", "11:00", Some("12:30"))])])
        .unwrap();
    let incidents = log.incidents(Some("weekly")).unwrap();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0].episodes.len(), 3);
    let found = log
        .search(&Query {
            text: Some("満杯".into()),
            kind: Some(RecordKind::Incident),
            ..Query::default()
        })
        .unwrap();
    assert_eq!(ids(&found), vec![incidents[0].id.clone()]);

    let document = log.export().unwrap();
    assert_eq!(document.incidents, incidents);
    drop(log);
    let other = tempfile::tempdir().unwrap();
    let copy = reopen(other.path());
    let json = serde_json::to_string(&document).unwrap();
    let parsed = Document::from_json(&json, &["weekly"]).unwrap();
    copy.import(&parsed).unwrap();
    assert_eq!(copy.incidents(None).unwrap(), incidents);
    // The group index came along: the same alert again is a duplicate there too.
    let again = vec![(disk_group(), vec![alert("f1", "10:00", Some("10:45"))])];
    assert!(copy.absorb_alerts(&again).unwrap().is_duplicate());
}

#[test]
fn a_schema_1_database_gets_its_search_entries_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = reopen(dir.path());
        log.put_learning(&learning("l-1", "2024-05-15", "夜間バッチでデッドロック"))
            .unwrap();
        // What a schema 1 binary left behind: the record, no search entries.
        for key in log.db.scan_prefix(SEARCH).keys() {
            log.db.remove(key.unwrap()).unwrap();
        }
        log.write_schema_version(1).unwrap();
        assert!(
            log.search_on_disk(&query("デッドロック"))
                .unwrap()
                .is_empty()
        );
    }
    let log = reopen(dir.path());
    assert_eq!(
        ids(&log.search_on_disk(&query("デッドロック")).unwrap()),
        ["l-1"]
    );
    assert_eq!(
        ids(&log.search_in_memory(&query("ﾃﾞｯﾄﾞﾛｯｸ")).unwrap()),
        ["l-1"]
    );
}

#[test]
fn a_schema_4_database_opens_as_5_with_its_records_and_takes_actions() {
    use crate::store::ActionLog as _;
    let dir = tempfile::tempdir().unwrap();
    {
        let log = reopen(dir.path());
        log.put_learning(&learning("l-1", "2024-05-15", "夜間バッチでデッドロック"))
            .unwrap();
        // What a schema 4 binary left behind: records, search entries, no actions.
        log.write_schema_version(4).unwrap();
    }
    let log = reopen(dir.path());
    let version = log.db.get(SCHEMA_KEY).unwrap().unwrap();
    assert_eq!(u32::from_be_bytes(version.as_ref().try_into().unwrap()), 5);
    assert_eq!(
        ids(&log.search_on_disk(&query("デッドロック")).unwrap()),
        ["l-1"]
    );
    let action: crate::domain::actions::Action = serde_json::from_str(
        r#"{"id":"act-1","meeting":"weekly","title":"デッドロックの検知","owner":"sato","created":"2024-05-15"}"#,
    )
    .unwrap();
    log.put_action(&action).unwrap();
    assert_eq!(ids(&log.search_on_disk(&query("検知")).unwrap()), ["act-1"]);
}

#[test]
fn a_later_page_is_the_same_search_without_its_first_results() {
    let dir = tempfile::tempdir().unwrap();
    let log = reopen(dir.path());
    for day in 1..=9 {
        let id = format!("l-{day}");
        log.put_learning(&learning(&id, &format!("2026-11-0{day}"), "ページ送り"))
            .unwrap();
    }
    let all = ids(&log.search(&query("ページ")).unwrap());
    assert_eq!(all.len(), 9);
    let page = |skip, limit| {
        let q = Query {
            limit,
            ..query("ページ")
        };
        ids(&log.search_after(&q, skip).unwrap())
    };
    assert_eq!(page(0, 4), all[..4]);
    assert_eq!(page(4, 4), all[4..8]);
    assert_eq!(page(8, 4), all[8..]);
    assert!(page(12, 4).is_empty());
    assert_eq!(page(3, 0), all[3..], "limit 0: all the rest");
}

#[test]
fn one_postmortem_by_id_and_the_revision_changes_with_records_not_markers() {
    let dir = tempfile::tempdir().unwrap();
    let log = reopen(dir.path());
    let pm = Postmortem {
        id: "pm-1".into(),
        meeting: "weekly".into(),
        date: date("2026-11-18"),
        title: "証明書の期限切れ".into(),
        impact: String::new(),
        actions_taken: String::new(),
        root_cause: String::new(),
        prevention: String::new(),
        responders: Vec::new(),
        responder_ids: Vec::new(),
        links: Vec::new(),
    };
    log.put_postmortem(&pm).unwrap();
    assert_eq!(log.postmortem("pm-1").unwrap(), Some(pm.clone()));
    assert_eq!(log.postmortem("pm-2").unwrap(), None);
    let before = log.revision().unwrap();
    assert!(before.is_some());
    log.set_marker("sent/x", Some("1")).unwrap();
    assert_eq!(log.revision().unwrap(), before, "a marker is not a record");
    log.put_learning(&learning("l-1", "2026-11-18", "期限を監視する"))
        .unwrap();
    assert_ne!(log.revision().unwrap(), before);
}

#[test]
fn the_index_in_memory_follows_every_write_and_agrees_with_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let log = reopen(dir.path());
    let day = date("2026-12-02");
    log.put_learning(&learning("l-1", "2026-11-25", "証明書の期限切れ"))
        .unwrap();
    // The first search reads the index; every write after it updates it.
    assert_eq!(ids(&log.search_in_memory(&query("期限")).unwrap()), ["l-1"]);
    let item = |id: &str, title: &str| AgendaItem {
        id: id.into(),
        title: title.into(),
        kind: AgendaKind::Incident,
        ..Default::default()
    };
    log.update_session("weekly", day, &mut |s| {
        s.agenda.push(item("a-1", "証明書の更新漏れ"));
        s.agenda.push(item("a-2", "DB failover"));
        Ok(())
    })
    .unwrap();
    log.put_learning(&learning("l-1", "2026-11-25", "replaced text"))
        .unwrap();
    let both = |q: &Query| {
        let memory = ids(&log.search_in_memory(q).unwrap());
        assert_eq!(memory, ids(&log.search_on_disk(q).unwrap()), "{q:?}");
        memory
    };
    assert_eq!(both(&query("証明書")), ["a-1"]);
    assert_eq!(both(&query("replaced")), ["l-1"]);
    log.update_session("weekly", day, &mut |s| {
        s.agenda.retain(|i| i.id != "a-1");
        s.rsvps
            .insert("7".into(), crate::domain::log::RsvpStatus::Going);
        Ok(())
    })
    .unwrap();
    assert!(both(&query("証明書")).is_empty());
    assert_eq!(both(&query("failover")), ["a-2"]);
    let mut sessions = query("");
    sessions.kind = Some(RecordKind::Session);
    assert_eq!(both(&sessions), ["weekly/2026-12-02"]);
    // An RSVP changes no searchable text: no search entry is rewritten.
    let before: Vec<_> = log.db.scan_prefix(SEARCH).collect();
    log.update_session("weekly", day, &mut |s| {
        s.rsvps
            .insert("8".into(), crate::domain::log::RsvpStatus::Maybe);
        Ok(())
    })
    .unwrap();
    let after: Vec<_> = log.db.scan_prefix(SEARCH).collect();
    assert_eq!(before, after);
}

#[test]
fn the_search_file_answers_like_the_database_and_a_stale_one_is_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = SledLog::open(dir.path()).unwrap();
    for i in 0..600 {
        let day = date("2020-01-01") + chrono::Days::new(i / 2);
        let text = if i % 7 == 0 {
            "証明書の期限切れ"
        } else {
            "デッドロック"
        };
        log.put_learning(&learning(&format!("l-{i}"), &day.to_string(), text))
            .unwrap();
    }
    log.put_postmortem(&Postmortem {
        id: "pm-1".into(),
        meeting: "weekly".into(),
        date: date("2020-03-04"),
        title: "証明書の期限切れ".into(),
        impact: "API停止".into(),
        actions_taken: String::new(),
        root_cause: String::new(),
        prevention: String::new(),
        responders: Vec::new(),
        links: Vec::new(),
        responder_ids: Vec::new(),
    })
    .unwrap();
    let queries: Vec<Query> = vec![
        query("期限"),
        Query {
            limit: 5,
            ..query("デッドロック")
        },
        Query {
            since: Some(date("2020-06-01")),
            until: Some(date("2020-07-01")),
            ..query("期限")
        },
        Query {
            kind: Some(RecordKind::Postmortem),
            ..query("")
        },
        Query {
            meeting: Some("other".into()),
            ..query("")
        },
        Query {
            tag: Some("DB".into()),
            limit: 3,
            ..query("")
        },
        query("xylophone"),
    ];
    let uses_file = |q: &Query| log.search_file_hits(&Matcher::new(q)).is_some();
    // No file yet: sled answers; then the file answers the same.
    let from_sled: Vec<_> = queries
        .iter()
        .map(|q| ids(&log.search_on_disk(q).unwrap()))
        .collect();
    assert!(!uses_file(&queries[0]));
    assert!(log.save_search_file().unwrap());
    assert!(!log.save_search_file().unwrap(), "already current");
    for (q, expected) in queries.iter().zip(&from_sled) {
        assert!(uses_file(q));
        assert_eq!(&ids(&log.search_on_disk(q).unwrap()), expected, "{q:?}");
    }
    // A write makes the file stale: it is not read until written again.
    log.put_learning(&learning("l-new", "2021-01-01", "新しい期限切れ"))
        .unwrap();
    assert!(!uses_file(&queries[0]));
    assert_eq!(
        ids(&log.search_on_disk(&query("期限")).unwrap())[0],
        "l-new"
    );
    assert!(log.save_search_file().unwrap());
    assert!(uses_file(&queries[0]));
    assert_eq!(
        ids(&log.search_on_disk(&query("期限")).unwrap())[0],
        "l-new"
    );
    // An RSVP changes no entry, but the file holds the records the results
    // show (with their RSVP counts): it is stale until written again.
    log.update_session("weekly", date("2021-01-06"), &mut |s| {
        s.rsvps
            .insert("7".into(), crate::domain::log::RsvpStatus::Going);
        Ok(())
    })
    .unwrap();
    assert!(!uses_file(&queries[0]));
    assert!(log.save_search_file().unwrap());
    // A marker changes no record: the file stays current; reopening keeps it too.
    log.set_marker("sent/x", Some("1")).unwrap();
    assert!(uses_file(&queries[0]));
    drop(log);
    let log = reopen(dir.path());
    assert!(log.search_file_hits(&Matcher::new(&queries[0])).is_some());
    // A damaged file is not trusted: sled answers.
    let path = dir.path().join(SEARCH_FILE);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    assert!(log.search_file_hits(&Matcher::new(&queries[6])).is_none());
    assert!(log.search_on_disk(&queries[6]).unwrap().is_empty());
    assert_eq!(
        ids(&log.search_on_disk(&query("期限")).unwrap())[0],
        "l-new"
    );
}

#[test]
fn the_index_is_read_from_a_current_search_file_without_a_pass_over_sled() {
    let dir = tempfile::tempdir().unwrap();
    let learnings: Vec<Learning> = (0..3_000)
        .map(|i| {
            let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(i);
            let text = format!("手順 {i}: {}", "ログを確認した。".repeat(40));
            learning(&format!("l-{i:04}"), &day.to_string(), &text)
        })
        .collect();
    {
        let log = SledLog::open_with_cache(dir.path(), 1).unwrap();
        log.import(&Document {
            learnings,
            ..Document::empty()
        })
        .unwrap();
        assert!(log.save_search_file().unwrap());
    }
    let open = || SledLog::open_after_close(dir.path(), 1).unwrap();
    let queries = [query("手順 2999"), query("ログを確認"), query("absent")];
    let answers = |log: &SledLog| -> Vec<Vec<String>> {
        queries
            .iter()
            .map(|q| ids(&log.search_in_memory(q).unwrap()))
            .collect()
    };

    let from_file = open();
    let expected = answers(&from_file);
    assert_eq!(expected[0], ["l-2999"]);
    assert_eq!(expected[1].len(), 3_000);
    assert!(!from_file.cache_outgrown(), "sled was not read through");
    drop(from_file);

    // A damaged file is passed over for sled, with the same answers.
    let file = dir.path().join(SEARCH_FILE);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let from_sled = open();
    assert_eq!(answers(&from_sled), expected);
    assert!(from_sled.cache_outgrown(), "every entry came through sled");
}

/// Without opening sled, the search file answers exactly what sled would,
/// and only while no process has changed the store since it was written.
#[test]
fn a_closed_store_is_searched_from_its_file_alone_only_while_it_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let closed = |q: &Query| SledLog::search_closed_store(dir.path(), q).map(|r| ids(&r));
    let log = SledLog::open(dir.path()).unwrap();
    for n in 0..40 {
        let day = date("2020-01-01") + chrono::Days::new(7 * n);
        log.put_learning(&learning(
            &format!("l-{n}"),
            &day.to_string(),
            "期限切れの学び",
        ))
        .unwrap();
        log.update_session("weekly", day, &mut |s| {
            s.notes = Some(format!("期限 notes {n}"));
            s.rsvps
                .insert("7".into(), crate::domain::log::RsvpStatus::Going);
            Ok(())
        })
        .unwrap();
    }
    let queries = [
        query("期限"),
        Query {
            kind: Some(RecordKind::Session),
            limit: 3,
            ..query("")
        },
        Query {
            since: Some(date("2020-03-01")),
            until: Some(date("2020-04-01")),
            ..query("notes")
        },
        query("xylophone"),
    ];
    let expected: Vec<_> = queries
        .iter()
        .map(|q| log.search_on_disk(q).unwrap())
        .collect();
    assert!(log.save_search_file().unwrap());
    assert_eq!(closed(&queries[0]), None, "open for changes: no marker");
    drop(log);
    for (q, records) in queries.iter().zip(&expected) {
        let found = SledLog::search_closed_store(dir.path(), q).expect("current");
        assert_eq!(
            serde_json::to_value(&found).unwrap(),
            serde_json::to_value(records).unwrap(),
            "{q:?}"
        );
    }
    // Reading keeps the marker; the first change removes it, durably,
    // before the change lands.
    let log = reopen(dir.path());
    log.search_on_disk(&queries[0]).unwrap();
    assert!(closed(&queries[0]).is_some());
    log.update_session("weekly", date("2020-01-01"), &mut |s| {
        s.rsvps.remove("7");
        Ok(())
    })
    .unwrap();
    assert_eq!(closed(&queries[0]), None);
    drop(log);
    // Closed again, but the file holds the old records: not used until rewritten.
    assert_eq!(closed(&queries[0]), None);
    let log = reopen(dir.path());
    assert!(log.save_search_file().unwrap());
    drop(log);
    let oldest = SledLog::search_closed_store(
        dir.path(),
        &Query {
            kind: Some(RecordKind::Session),
            until: Some(date("2020-01-01")),
            ..query("")
        },
    )
    .unwrap();
    match oldest.as_slice() {
        [Record::Session(s)] => assert!(s.rsvps.is_empty()),
        other => panic!("{other:?}"),
    }
    // A damaged file is never trusted.
    let path = dir.path().join(SEARCH_FILE);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 30]).unwrap();
    assert_eq!(closed(&queries[3]), None);
}

/// RSVPs written while a large import merges the same sessions all survive.
#[test]
fn rsvps_during_a_large_import_of_the_same_sessions_are_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let log = reopen(dir.path());
    let dates: Vec<NaiveDate> = (0..200)
        .map(|week| date("2020-01-01") + chrono::Days::new(7 * week))
        .collect();
    let mut document = Document::empty();
    for (n, day) in dates.iter().enumerate() {
        let mut session = Session::new("weekly", *day);
        session.notes = Some(format!("imported notes {n}"));
        document.sessions.push(session);
    }
    for i in 0..20_000 {
        document.learnings.push(learning(
            &format!("l-{i}"),
            "2021-06-02",
            &format!("learning {i}"),
        ));
    }
    let writer = log.clone();
    let rsvps = std::thread::spawn(move || {
        let mut written = 0;
        for round in 0..3 {
            for (n, day) in dates.iter().enumerate() {
                writer
                    .update_session("weekly", *day, &mut |s| {
                        s.rsvps.insert(
                            format!("person-{round}-{n}"),
                            crate::domain::log::RsvpStatus::Going,
                        );
                        Ok(())
                    })
                    .unwrap();
                written += 1;
            }
        }
        written
    });
    for _ in 0..3 {
        log.import(&document).unwrap();
    }
    let written = rsvps.join().unwrap();
    let stored: usize = log
        .sessions(Some("weekly"))
        .unwrap()
        .iter()
        .map(|s| s.rsvps.len())
        .sum();
    assert_eq!(stored, written);
    assert!(log.sessions(Some("weekly")).unwrap().iter().all(|s| {
        s.notes
            .as_deref()
            .is_some_and(|n| n.starts_with("imported"))
    }));
}
