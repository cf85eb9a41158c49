//! Unit tests of `history`, beside it so the module itself stays short.

use super::*;

fn learning(date: &str, text: &str, tags: &[&str]) -> Record {
    Record::Learning(Learning {
        id: format!("l-{date}-{}", text.len()),
        meeting: "weekly".into(),
        date: date.parse().unwrap(),
        text: text.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        author: None,
        author_id: None,
    })
}

fn query(text: &str) -> Query {
    Query {
        text: Some(text.into()),
        limit: 20,
        ..Query::default()
    }
}

fn dates(hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|h| h.date.to_string()).collect()
}

#[test]
fn japanese_is_found_without_spaces_between_words() {
    let index = HistoryIndex::new(vec![
        learning("2024-05-15", "夜間バッチでデッドロックが発生した", &["db"]),
        learning("2024-06-01", "ダッシュボードを見直した", &[]),
    ]);
    let hits = index.search(&query("デッドロック"));
    assert_eq!(dates(&hits), ["2024-05-15"]);
}

#[test]
fn latin_is_case_and_width_insensitive_and_results_are_newest_first() {
    let index = HistoryIndex::new(vec![
        learning(
            "2023-01-01",
            "Postgres failover took 3 minutes",
            &["postgres"],
        ),
        learning("2024-01-01", "ＤＢ connection pool exhausted", &["db"]),
        learning("2025-01-01", "the db was fine", &["infra"]),
    ]);
    assert_eq!(
        dates(&index.search(&query("DB"))),
        ["2025-01-01", "2024-01-01"]
    );
    let mut by_tag = query("");
    by_tag.tag = Some("DB".into());
    by_tag.limit = 1;
    assert_eq!(dates(&index.search(&by_tag)), ["2024-01-01"]);
}

#[test]
fn blocks_that_cannot_match_are_skipped_without_losing_hits() {
    let records: Vec<Record> = (0..2000)
        .map(|i| {
            let date =
                chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::TimeDelta::days(i);
            let text = if i % 700 == 3 {
                format!("当番{i}: 証明書の期限切れ")
            } else {
                format!("note {i}: デッドロック")
            };
            learning(&date.to_string(), &text, &[])
        })
        .collect();
    let index = HistoryIndex::new(records);
    let mut all = query("期限切れ");
    all.limit = 0;
    assert_eq!(
        dates(&index.search(&all)),
        ["2023-11-04", "2021-12-04", "2020-01-04"]
    );
    assert!(index.search(&query("xylophone")).is_empty());
    assert_eq!(index.search(&query("デッドロック")).len(), 20);
}

#[test]
fn a_match_never_spans_two_records() {
    let index = HistoryIndex::new(vec![
        learning("2024-01-01", "ab", &[]),
        learning("2024-01-02", "cd", &[]),
    ]);
    assert!(index.search(&query("bc")).is_empty());
    assert_eq!(index.search(&query("d")).len(), 1);
}

/// Deterministic pseudo-random numbers for the model test below.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (self.0 >> 33) % n
    }
}

fn random_entry(rng: &mut Rng) -> IndexEntry {
    const WORDS: [&str; 6] = ["デッドロック", "障害", "db", "latency", "証明書", "ＤＢ"];
    let kind = RecordKind::ALL[rng.below(4) as usize];
    let meeting = ["weekly", "infra"][rng.below(2) as usize];
    let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
        + chrono::TimeDelta::days(rng.below(40) as i64);
    let text: String = (0..1 + rng.below(4))
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ");
    let labels = match rng.below(3) {
        0 => vec![],
        1 => vec!["db".to_string()],
        _ => vec!["infra".to_string()],
    };
    IndexEntry::new(
        kind,
        meeting,
        date,
        format!("id-{}", rng.below(300)),
        labels,
        &text,
    )
}

/// What a search must answer, by brute force over every entry.
fn brute_force(
    entries: &BTreeMap<(String, RecordKind, NaiveDate, String), IndexEntry>,
    q: &Query,
) -> Vec<Hit> {
    let matcher = Matcher::new(q);
    rank(
        entries
            .values()
            .filter(|e| matcher.admits(e))
            .map(IndexEntry::hit)
            .collect(),
        matcher.limit(),
    )
}

#[test]
fn inserts_replacements_and_removals_answer_like_a_brute_force_scan() {
    let mut rng = Rng(7);
    let mut model = BTreeMap::new();
    let mut index = HistoryIndex::default();
    let queries: Vec<Query> = vec![
        query("デッドロック"),
        query("db"),
        Query {
            limit: 0,
            ..query("障害")
        },
        Query {
            meeting: Some("infra".into()),
            ..query("db")
        },
        Query {
            kind: Some(RecordKind::Learning),
            limit: 5,
            ..query("")
        },
        Query {
            since: Some("2020-01-20".parse().unwrap()),
            until: Some("2020-01-25".parse().unwrap()),
            limit: 0,
            ..query("証明書")
        },
        Query {
            tag: Some("DB".into()),
            limit: 0,
            ..query("")
        },
        Query {
            team: Some("infra".into()),
            limit: 0,
            ..query("latency")
        },
        Query {
            tag: Some("db".into()),
            team: Some("db".into()),
            limit: 0,
            ..query("")
        },
    ];
    for step in 0..12_000 {
        let entry = random_entry(&mut rng);
        let key = (
            entry.meeting.clone(),
            entry.kind,
            entry.date,
            entry.id.clone(),
        );
        if rng.below(4) == 0 {
            let had = model.remove(&key).is_some();
            assert_eq!(index.remove(&entry.hit()), had, "step {step}");
        } else {
            model.insert(key, entry.clone());
            index.insert(entry);
        }
        assert_eq!(index.len(), model.len());
        if step % 1500 == 0 {
            for q in &queries {
                assert_eq!(
                    index.search(q),
                    brute_force(&model, q),
                    "step {step}, {q:?}"
                );
            }
        }
    }
    // Blocks were split on the way; a bulk build agrees with the grown index.
    let rebuilt = HistoryIndex::from_entries(model.values().cloned());
    // Streamed in the store's key order (newest first, then kind, id,
    // meeting), and streamed oldest first with every entry given twice
    // (out of order: inserted instead), the index is the same.
    let mut in_key_order: Vec<IndexEntry> = model.values().cloned().collect();
    in_key_order.sort_by(|a, b| {
        (Reverse(a.date), a.kind, &a.id, &a.meeting).cmp(&(
            Reverse(b.date),
            b.kind,
            &b.id,
            &b.meeting,
        ))
    });
    let streamed = HistoryIndex::from_ordered_entries(in_key_order);
    let twice = model.values().flat_map(|e| [e.clone(), e.clone()]);
    let out_of_order = HistoryIndex::from_ordered_entries(twice);
    assert_eq!(streamed.len(), model.len());
    assert_eq!(out_of_order.len(), model.len());
    for q in &queries {
        assert_eq!(index.search(q), rebuilt.search(q), "{q:?}");
        assert_eq!(index.search(q), streamed.search(q), "{q:?}");
        assert_eq!(index.search(q), out_of_order.search(q), "{q:?}");
        assert_eq!(index.search(q), brute_force(&model, q), "{q:?}");
    }
}
