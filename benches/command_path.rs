//! The Discord command path without Discord: input parsed, the use case run
//! against a real sled store holding 100,000 records, the write flushed to
//! disk, the reply built. Discord allows 3 s; the goal is p99 under 5 ms.
//!
//! Run with `cargo bench --bench command_path`.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use weekly_postmortem::app::agenda::{self, NewItem};
use weekly_postmortem::app::sessions;
use weekly_postmortem::app::{Actor, Context};
use weekly_postmortem::config::Config;
use weekly_postmortem::domain::holidays::JapaneseHolidays;
use weekly_postmortem::domain::log::{AgendaKind, Learning, RsvpStatus, learning_id};
use weekly_postmortem::interchange::Document;
use weekly_postmortem::store::{LogDocument, SessionStore, SledLog};

const RECORDS: usize = 100_000;
const CALLS: usize = 500;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = Config::parse(
        &dir.path().join("config.toml"),
        "[[meeting]]\nid = \"weekly\"\ntitle = \"週刊ポストモーテム\"\nweekday = \"wednesday\"\nstart_time = \"17:00\"\nfirst_session = \"2019-02-06\"\n",
    )
    .expect("a valid config");
    let log = SledLog::open(dir.path()).expect("a store");
    let first = NaiveDate::from_ymd_opt(2019, 2, 6).expect("a date");
    let learnings: Vec<Learning> = (0..RECORDS)
        .map(|i| {
            let date = first + chrono::TimeDelta::days(7 * (i as i64 % 400));
            let text = format!("学び {i}: 夜間バッチでデッドロックが発生したときはロック順序を確認する (lesson {i})");
            Learning {
                id: learning_id("weekly", date, &text),
                meeting: "weekly".into(),
                date,
                text,
                tags: vec!["db".into()],
                author: Some("sato".into()),
                author_id: None,
            }
        })
        .collect();
    let started = Instant::now();
    log.import(&Document {
        learnings,
        ..Document::empty()
    })
    .expect("import");
    println!(
        "store: {RECORDS} learnings imported in {:.2?}",
        started.elapsed()
    );

    let holidays = JapaneseHolidays::embedded();
    let now: DateTime<Utc> = "2026-11-29T00:00:00Z".parse().expect("a time");
    let ctx = Context {
        meeting: &config.meetings[0],
        people: &config.people,
        log: &log,
        holidays: &holidays,
        language: config.daemon.language,
        now,
    };
    let upcoming: Vec<NaiveDate> = ctx
        .occurrences(NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"), 52)
        .expect("occurrences")
        .into_iter()
        .filter(|o| o.is_held())
        .map(|o| o.date)
        .collect();
    // Eight years of past sessions, as a long-running meeting has.
    for week in 0..400 {
        let date = first + chrono::TimeDelta::days(7 * week);
        log.update_session("weekly", date, &mut |s| {
            s.notes = Some("振り返りの記録".into());
            Ok(())
        })
        .expect("a past session");
    }
    let mut add_times = Vec::with_capacity(CALLS);
    let mut rsvp_times = Vec::with_capacity(CALLS);
    for i in 0..CALLS {
        let actor = Actor {
            id: format!("{}", 1000 + i),
            name: format!("user{i}"),
            is_facilitator: false,
        };
        let started = Instant::now();
        let reply = agenda::add(
            &ctx,
            &actor,
            NewItem {
                title: format!("議題 {i}: 監視の見直し"),
                kind: AgendaKind::Topic,
                link: None,
                // Spread over the coming sessions, as a real team's topics are.
                date: Some(upcoming[i % upcoming.len()]),
                team: None,
                presenter: agenda::Presenter::Me,
                incident: None,
            },
        );
        add_times.push(started.elapsed());
        assert!(reply.is_ok(), "{reply:?}");
        let started = Instant::now();
        let reply = sessions::rsvp(&ctx, &actor, RsvpStatus::Going, None);
        rsvp_times.push(started.elapsed());
        assert!(reply.is_ok(), "{reply:?}");
    }
    for (name, samples) in [("/agenda add", &mut add_times), ("/rsvp", &mut rsvp_times)] {
        let p50 = percentile(samples, 0.50);
        let p99 = percentile(samples, 0.99);
        let max = percentile(samples, 1.0);
        println!(
            "{name:<12} {CALLS} calls, flushed each: p50 {p50:.2?}  p99 {p99:.2?}  max {max:.2?}  (goal p99 < 5 ms)"
        );
    }
    println!(
        "size on disk: {:.1} MiB",
        log.size_on_disk().expect("size") as f64 / 1048576.0
    );
}
