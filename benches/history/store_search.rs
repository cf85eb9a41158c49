//! The store's own search as the daemon and the CLI use it: the index read from the
//! search entries, the first search after a write, filters, and the on-disk scan.

use super::*;

/// A filter added to a query.
pub(super) type QueryChange = Box<dyn Fn(&mut Query)>;

/// The store's search as the daemon and the CLI use it.
pub(super) fn store_search(log: &SledLog) {
    println!("== the store's search (SledLog)");
    let t = Instant::now();
    let first = log
        .search_in_memory(&query("デッドロック", LIMIT))
        .expect("search");
    println!(
        "first search_in_memory (reads the search entries into the index): {:.0} ms, {} hits",
        t.elapsed().as_secs_f64() * 1000.0,
        first.len()
    );
    // The first search after a write: the write updates the index, the search finds it.
    let mut writes = Vec::new();
    let mut searches = Vec::new();
    for i in 0..200 {
        let learning = Learning {
            id: format!("bench-write-{i}"),
            meeting: MEETING.into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date"),
            text: format!("書き込み直後の検索 {i}: デッドロック"),
            tags: vec!["db".into()],
            author: None,
            author_id: None,
        };
        let t = Instant::now();
        log.put_learning(&learning).expect("write");
        writes.push(t.elapsed());
        let t = Instant::now();
        let hits = log
            .search_in_memory(&query(&format!("直後の検索 {i}:"), LIMIT))
            .expect("search");
        searches.push(t.elapsed());
        assert_eq!(hits.len(), 1, "the write is found at once");
    }
    writes.sort();
    searches.sort();
    println!(
        "put_learning (flushed) p50 {} p99 {} ms; the first search after it p50 {} p99 {} ms (goal <= 5 ms), 200 rounds",
        ms(percentile(&writes, 50)),
        ms(percentile(&writes, 99)),
        ms(percentile(&searches, 50)),
        ms(percentile(&searches, 99))
    );
    // Searches whose hits are mostly rejected by a filter.
    let since = NaiveDate::from_ymd_opt(2026, 10, 1).expect("a date");
    let filters: Vec<(&str, QueryChange)> = vec![
        (
            "another meeting",
            Box::new(|q: &mut Query| q.meeting = Some("no-such-meeting".into())),
        ),
        (
            "--kind postmortem",
            Box::new(|q: &mut Query| {
                q.kind = Some(weekly_postmortem::domain::history::RecordKind::Postmortem)
            }),
        ),
        (
            "--since 2026-10-01",
            Box::new(move |q: &mut Query| q.since = Some(since)),
        ),
        (
            "--kind session",
            Box::new(|q: &mut Query| {
                q.kind = Some(weekly_postmortem::domain::history::RecordKind::Session)
            }),
        ),
    ];
    let mut all = Vec::new();
    println!(
        "{:<20} {:>8} {:>8}   over the {} queries, {DIAGNOSTIC_ITERATIONS} calls each (ms)",
        "filter",
        "p50",
        "p99",
        QUERIES.len()
    );
    for (name, apply) in &filters {
        let mut samples = Vec::new();
        for (_, text) in QUERIES {
            let mut q = query(text, LIMIT);
            apply(&mut q);
            let measured = Latencies::measure(DIAGNOSTIC_ITERATIONS, || {
                log.search_in_memory(&q).expect("search").len()
            });
            samples.extend(measured.samples);
        }
        samples.sort();
        println!(
            "{name:<20} {:>8} {:>8}",
            ms(percentile(&samples, 50)),
            ms(percentile(&samples, 99))
        );
        all.extend(samples);
    }
    all.sort();
    println!(
        "{:<20} {:>8} {:>8}   (goal p99 <= 5 ms)",
        "all filtered",
        ms(percentile(&all, 50)),
        ms(percentile(&all, 99))
    );
    // What a one-shot CLI does: read the search entries newest first, no index.
    let mut disk = Vec::new();
    println!("search_on_disk (the CLI without a daemon), per query, limit {LIMIT}, 10 calls (ms):");
    for (kind, text) in QUERIES {
        let q = query(text, LIMIT);
        let measured = Latencies::measure(10, || log.search_on_disk(&q).expect("search").len());
        println!("  {kind:<15} {text:?}: p50 {}", ms(measured.percentile(50)));
        disk.extend(measured.samples);
    }
    disk.sort();
    println!(
        "search_on_disk over all queries: p50 {} p99 {} ms",
        ms(percentile(&disk, 50)),
        ms(percentile(&disk, 99))
    );
    println!();
}

/// Terminal columns: wide (CJK, full-width) characters take two.
pub(super) fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
            {
                2
            } else {
                1
            }
        })
        .sum()
}
