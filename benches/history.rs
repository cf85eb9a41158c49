//! History at scale: 100,000 learnings and 10,000 postmortems, imported into
//! the sled store, searched with `HistoryIndex`, and side by side with SQLite
//! FTS5 (trigram) on the same normalised texts.
//!
//! Run with `cargo bench --bench history --features sqlite-bench`. It prints a table; it is for people
//! reading numbers, not for CI (CI only compiles it). It also measures the
//! store's own search: the index read from the search entries, the first
//! search after a write, filtered searches, and the on-disk scan the CLI uses.
//!
//! `HISTORY_BENCH_JSON=FILE cargo bench --bench history --features sqlite-bench` only writes the
//! generated data as a `weekly-postmortem/v1` file (for `benches/history_cli.sh`).

#![allow(
    clippy::too_many_lines,
    reason = "a bench prints its table in the order it measures"
)]

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use rusqlite::{Connection, params};
use weekly_postmortem::domain::history::{HistoryIndex, Query, normalize, records_of};
use weekly_postmortem::domain::log::{Learning, Postmortem};
use weekly_postmortem::interchange::Document;
use weekly_postmortem::store::{KnowledgeLog, LogDocument, SessionStore, SledLog};

#[path = "history/data.rs"]
mod data;
#[path = "history/measure.rs"]
mod measure;
#[path = "history/store_search.rs"]
mod store_search;

use data::*;
use measure::*;
use store_search::*;

const LEARNINGS: usize = 100_000;
const POSTMORTEMS: usize = 10_000;
const MEETING: &str = "weekly";
/// Calls per query, per engine.
const ITERATIONS: usize = 300;
/// A slow engine stops early on a query once it has spent this long on it
/// (with at least `MIN_ITERATIONS` samples), so the bench stays within minutes.
const QUERY_BUDGET: Duration = Duration::from_secs(4);
const MIN_ITERATIONS: usize = 30;
const LIMIT: usize = 20;
/// Calls for the diagnostic columns (where our time goes).
const DIAGNOSTIC_ITERATIONS: usize = 50;

/// The query set: what it is meant to exercise, then the text.
const QUERIES: &[(&str, &str)] = &[
    ("ja common", "デッドロック"),
    ("ja 2 chars", "障害"),
    ("ja rare", "証明書"),
    ("ja rare phrase", "証明書の期限切れ"),
    ("ja absent", "存在しない語句"),
    ("en common", "latency"),
    ("en rare", "certificate expiry"),
    ("en rare", "split-brain"),
    ("en absent", "xylophone"),
    ("en 2 chars", "db"),
    ("full-width", "ＤＢ"),
    ("mixed case", "FailOver"),
    ("ja+en", "failover後"),
];

fn main() {
    let bench_started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("weekly-postmortem history bench");
    println!(
        "machine: {cores} cores available (std::thread::available_parallelism), {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    println!("load average at start: {}", load_average());
    println!();

    // 1. Data
    let t = Instant::now();
    let document = generate();
    if let Some(path) = std::env::var_os("HISTORY_BENCH_JSON") {
        let json = serde_json::to_vec(&document).expect("JSON");
        std::fs::write(&path, json).expect("writing HISTORY_BENCH_JSON");
        println!(
            "wrote {} records to {}",
            document.learnings.len() + document.postmortems.len(),
            Path::new(&path).display()
        );
        return;
    }
    let records = document.learnings.len() + document.postmortems.len();
    let text_bytes: usize = document
        .learnings
        .iter()
        .map(|l| l.text.len())
        .sum::<usize>()
        + document
            .postmortems
            .iter()
            .map(|p| {
                p.title.len()
                    + p.impact.len()
                    + p.actions_taken.len()
                    + p.root_cause.len()
                    + p.prevention.len()
            })
            .sum::<usize>();
    println!("== data");
    println!(
        "{} learnings + {} postmortems = {records} records, {} of text, generated in {:.2} s",
        document.learnings.len(),
        document.postmortems.len(),
        mib(text_bytes as u64),
        t.elapsed().as_secs_f64()
    );
    println!();

    // 2. Import
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = SledLog::open(dir.path()).expect("open the store");
    let t = Instant::now();
    let first = log.import(&document).expect("first import");
    let first_time = t.elapsed();
    let size_after_first = log.size_on_disk().expect("size on disk");
    let tree_after_first = tree_size(dir.path());
    let t = Instant::now();
    let second = log.import(&document).expect("second import");
    let second_time = t.elapsed();
    let size_after_second = log.size_on_disk().expect("size on disk");
    let tree_after_second = tree_size(dir.path());
    let t = Instant::now();
    let exported = log.export().expect("export");
    let json = serde_json::to_vec(&exported).expect("JSON");
    let export_time = t.elapsed();
    let json_len = json.len() as u64;
    let ratio = |bytes: u64| format!("{:.2}x", bytes as f64 / json_len as f64);

    println!("== import into sled (one batch, flushed)");
    println!(
        "first import : {:>8.2} s  {:>9.0} records/s  added {} updated {} unchanged {}",
        first_time.as_secs_f64(),
        records as f64 / first_time.as_secs_f64(),
        first.added,
        first.updated,
        first.unchanged
    );
    println!(
        "second import: {:>8.2} s  {:>9.0} records/s  added {} updated {} unchanged {}",
        second_time.as_secs_f64(),
        records as f64 / second_time.as_secs_f64(),
        second.added,
        second.updated,
        second.unchanged
    );
    println!(
        "export + serde_json::to_vec: {:.2} s",
        export_time.as_secs_f64()
    );
    println!();
    println!(
        "{:<44} {:>12} {:>12}  {:>8}",
        "size", "", "bytes", "vs JSON"
    );
    let size_row = |label: &str, bytes: u64| {
        println!(
            "{label:<44} {:>12} {bytes:>12}  {:>8}",
            mib(bytes),
            ratio(bytes)
        );
    };
    size_row("export as JSON (serde_json::to_vec)", json_len);
    size_row("after 1st import: size_on_disk()", size_after_first);
    size_row("after 1st import: files, apparent size", tree_after_first.0);
    size_row(
        "after 1st import: files, allocated blocks",
        tree_after_first.1,
    );
    size_row("after 2nd import: size_on_disk()", size_after_second);
    size_row(
        "after 2nd import: files, apparent size",
        tree_after_second.0,
    );
    size_row(
        "after 2nd import: files, allocated blocks",
        tree_after_second.1,
    );
    println!("goal: database <= 3x the JSON export");
    println!("files after the 2nd import:");
    for (path, bytes) in files_in(dir.path()) {
        println!("  {:<42} {:>12} {bytes:>12}", path, mib(bytes));
    }
    println!();

    // 3. Our search
    let t = Instant::now();
    let sessions = log.sessions(None).expect("sessions");
    let postmortems = log.postmortems().expect("postmortems");
    let learnings = log.learnings().expect("learnings");
    let load_time = t.elapsed();
    let texts: Vec<(String, String)> = postmortems
        .iter()
        .map(|p| (postmortem_text(p), p.date.to_string()))
        .chain(
            learnings
                .iter()
                .map(|l| (learning_text(l), l.date.to_string())),
        )
        .collect();
    let t = Instant::now();
    let index = HistoryIndex::new(records_of(sessions, postmortems, learnings));
    let build_time = t.elapsed();
    let haystack: usize = texts.iter().map(|(text, _)| text.len() + 1).sum();
    println!("== HistoryIndex");
    println!(
        "load from sled {:.2} s + build index {:.2} s = {:.2} s for {} records; normalised text (what one search scans) {}",
        load_time.as_secs_f64(),
        build_time.as_secs_f64(),
        (load_time + build_time).as_secs_f64(),
        index.len(),
        mib(haystack as u64)
    );
    println!();

    // 3b. The store's search: index read from the search entries, kept current by writes
    store_search(&log);

    // 4. SQLite FTS5 trigram
    let mut sqlite = Connection::open_in_memory().expect("SQLite in memory");
    let version: String = sqlite
        .query_row("SELECT sqlite_version()", [], |row| row.get(0))
        .expect("version");
    sqlite
        .execute(
            "CREATE VIRTUAL TABLE docs USING fts5(text, date UNINDEXED, tokenize='trigram')",
            [],
        )
        .expect("create the FTS5 table");
    let t = Instant::now();
    {
        let tx = sqlite.transaction().expect("transaction");
        {
            let mut insert = tx
                .prepare("INSERT INTO docs (text, date) VALUES (?1, ?2)")
                .expect("prepare insert");
            for (text, date) in &texts {
                insert.execute(params![text, date]).expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    let sqlite_load = t.elapsed();
    println!("== SQLite {version} FTS5 trigram, in memory");
    println!(
        "insert {} normalised texts: {:.2} s",
        texts.len(),
        sqlite_load.as_secs_f64()
    );
    println!();

    println!(
        "== search latency, limit {LIMIT}, up to {ITERATIONS} calls per query and engine (ms)"
    );
    println!(
        "{:<15} {:<20} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} | {:<5} {:>5} {:>8} {:>8} {:>8}  counts",
        "kind",
        "query",
        "n",
        "p50",
        "p99",
        "scan p50",
        "all p50",
        "matches",
        "sql",
        "n",
        "p50",
        "p99",
        "matches",
    );
    let mut ours_all = Vec::new();
    let mut sql_all = Vec::new();
    let mut slow = Vec::new();
    let mut disagree = Vec::new();
    for (kind, text) in QUERIES {
        let limited = query(text, LIMIT);
        let ours = Latencies::measure(ITERATIONS, || index.search(&limited).len());
        // Where the time goes: the same scan with every hit filtered out
        // (no sorting at all), and the unlimited search (one cached sort key
        // per hit instead of keys rebuilt during select_nth_unstable_by_key).
        let mut filtered = query(text, LIMIT);
        filtered.meeting = Some("no-such-meeting".into());
        let scan = Latencies::measure(DIAGNOSTIC_ITERATIONS, || index.search(&filtered).len());
        let unlimited = query(text, 0);
        let all = Latencies::measure(DIAGNOSTIC_ITERATIONS, || index.search(&unlimited).len());
        let ours_count = index.search(&query(text, 0)).len();
        let plan = SqlPlan::for_query(text);
        let sql = Latencies::measure(ITERATIONS, || plan.top(&sqlite));
        let sql_count = plan.count(&sqlite);
        let agree = if ours_count == sql_count {
            "same"
        } else {
            disagree.push(format!("{text:?} ({ours_count} vs {sql_count})"));
            "DIFFER"
        };
        if ours.percentile(99) > Duration::from_millis(5) {
            slow.push(format!("{text:?} {} ms", ms(ours.percentile(99))));
        }
        // Pad by characters, not bytes, for the Japanese queries.
        let shown = format!("{text:?}");
        let pad = 20usize.saturating_sub(display_width(&shown));
        println!(
            "{kind:<15} {shown}{:pad$} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} | {:<5} {:>5} {:>8} {:>8} {:>8}  {agree}",
            "",
            ours.samples.len(),
            ms(ours.percentile(50)),
            ms(ours.percentile(99)),
            ms(scan.percentile(50)),
            ms(all.percentile(50)),
            ours_count,
            plan.label(),
            sql.samples.len(),
            ms(sql.percentile(50)),
            ms(sql.percentile(99)),
            sql_count,
        );
        ours_all.extend(ours.samples);
        sql_all.extend(sql.samples);
    }
    ours_all.sort();
    sql_all.sort();
    println!(
        "{:<36} {:>5} {:>8} {:>8} {:>26} | {:<5} {:>5} {:>8} {:>8}",
        "all queries",
        ours_all.len(),
        ms(percentile(&ours_all, 50)),
        ms(percentile(&ours_all, 99)),
        "",
        "",
        sql_all.len(),
        ms(percentile(&sql_all, 50)),
        ms(percentile(&sql_all, 99)),
    );
    println!(
        "scan p50 = the same search with a meeting filter that rejects every hit: the memmem scan and the per-hit lookup, no sorting. all p50 = limit 0 (every match, sorted with cached keys). {DIAGNOSTIC_ITERATIONS} calls each."
    );
    println!(
        "LIKE* = query shorter than 3 characters: trigram cannot MATCH it, so `text LIKE '%q%'` (a full scan; ASCII-only case folding, no NFKC)."
    );
    println!(
        "matches = unlimited count of matching records. Ours folds query and text with NFKC + lowercase; SQLite gets the raw query against the same normalised texts (trigram folds case, LIKE folds ASCII case only)."
    );
    println!(
        "n < {ITERATIONS}: that engine hit the {}-second budget for the query (at least {MIN_ITERATIONS} calls).",
        QUERY_BUDGET.as_secs()
    );
    println!();

    println!("load average at the end: {}", load_average());
    println!();

    // 5. Summary
    let overall_p99 = percentile(&ours_all, 99);
    println!("== summary");
    println!(
        "On {cores} cores, importing {records} records into sled took {:.1} s ({:.0} records/s) and a second, identical import {:.1} s (added {}). \
         The database reports {} from size_on_disk() and occupies {} in allocated blocks ({} apparent) against a {} JSON export: {} / {} of the JSON (goal <= 3x). \
         Loading and indexing the history took {:.2} s; across {} queries the overall p99 latency of HistoryIndex::search was {} ms (goal <= 5 ms){}. \
         SQLite FTS5 trigram took {:.2} s to load and had an overall p99 of {} ms; the match counts {}. \
         The whole bench ran in {:.0} s.",
        first_time.as_secs_f64(),
        records as f64 / first_time.as_secs_f64(),
        second_time.as_secs_f64(),
        second.added,
        mib(size_after_first),
        mib(tree_after_first.1),
        mib(tree_after_first.0),
        mib(json_len),
        ratio(size_after_first),
        ratio(tree_after_first.1),
        (load_time + build_time).as_secs_f64(),
        QUERIES.len(),
        ms(overall_p99),
        if slow.is_empty() {
            String::from(", every query within the goal")
        } else {
            format!(", with p99 over 5 ms for {}", slow.join(", "))
        },
        sqlite_load.as_secs_f64(),
        ms(percentile(&sql_all, 99)),
        if disagree.is_empty() {
            String::from("agree for every query")
        } else {
            format!("differ for {}", disagree.join(", "))
        },
        bench_started.elapsed().as_secs_f64(),
    );
}
