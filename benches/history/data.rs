//! The bench's deterministic data: seeded Japanese, English and mixed texts, made into
//! learnings and postmortems.

use super::*;

/// SplitMix64: small, seeded, good enough for test data.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(super) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(super) fn per_mille(&mut self, n: usize) -> bool {
        self.below(1000) < n
    }

    pub(super) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub(super) fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }
}

pub(super) const JA_SYSTEMS: &[&str] = &[
    "決済API",
    "認証基盤",
    "検索クラスタ",
    "本番データベース",
    "ジョブキュー",
    "社内ダッシュボード",
    "ロードバランサ",
    "配信サーバ",
    "ログ基盤",
    "通知サービス",
    "在庫システム",
    "キャッシュ層",
];
pub(super) const JA_TIMES: &[&str] = &[
    "深夜",
    "月曜の朝",
    "リリース直後",
    "夜間バッチの実行中",
    "セール開始時",
    "定期メンテナンス中",
    "週末",
    "障害訓練の最中",
];
/// Problems, the common ones repeated so they are drawn more often.
pub(super) const JA_PROBLEMS: &[&str] = &[
    "デッドロック",
    "デッドロック",
    "レイテンシの悪化",
    "レイテンシの悪化",
    "レイテンシの悪化",
    "ディスク枯渇",
    "メモリリーク",
    "タイムアウトの多発",
    "タイムアウトの多発",
    "接続数の上限超過",
    "設定ミスによる障害",
    "DNSの名前解決失敗",
    "キューの滞留",
    "レプリケーション遅延",
    "障害",
    "障害",
];
pub(super) const JA_RARE_PROBLEMS: &[&str] =
    &["証明書の期限切れ", "スプリットブレイン", "うるう秒の不具合"];
pub(super) const JA_ACTIONS: &[&str] = &[
    "ロールバックで復旧した",
    "手動でフェイルオーバーした",
    "インスタンスを再起動した",
    "一時的にトラフィックを遮断した",
    "キャッシュを削除して回復した",
    "設定を元に戻した",
    "スケールアウトで対処した",
];
pub(super) const JA_LESSONS: &[&str] = &[
    "監視のしきい値を見直すべきだった",
    "ダッシュボードにエラー率を追加した",
    "アラートが鳴らなかったので監視を追加した",
    "手順書を更新して誰でも対応できるようにした",
    "ロールバック手順を事前に確認しておくべきだった",
    "オンコール担当への連絡経路を整理した",
    "負荷試験を本番相当の条件で行うことにした",
    "変更は小さく分けてリリースする",
    "影響範囲を早めに共有することが大事だと分かった",
    "リトライ回数に上限を設けることにした",
];

pub(super) const EN_SYSTEMS: &[&str] = &[
    "the payments API",
    "the auth service",
    "the search cluster",
    "the primary db",
    "the job queue",
    "the CDN edge",
    "the load balancer",
    "the logging pipeline",
    "Postgres",
    "Redis",
    "Kafka",
];
pub(super) const EN_PROBLEMS: &[&str] = &[
    "a deadlock",
    "high latency",
    "high latency",
    "p99 latency spikes",
    "disk full errors",
    "a memory leak",
    "timeouts",
    "timeouts",
    "connection pool exhaustion",
    "a bad config push",
    "DNS resolution failures",
    "replication lag",
];
pub(super) const EN_RARE_PROBLEMS: &[&str] =
    &["certificate expiry", "a split-brain", "a leap second bug"];
pub(super) const EN_ACTIONS: &[&str] = &[
    "we did a rollback",
    "we triggered a manual failover",
    "we restarted the pods",
    "we shed load at the edge",
    "we flushed the cache",
    "we reverted the config",
    "we scaled out",
];
pub(super) const EN_LESSONS: &[&str] = &[
    "Alert thresholds need a review.",
    "Add error rate to the dashboard.",
    "The runbook was out of date; updated it.",
    "Practice the rollback before the release.",
    "Failover should be automatic, not manual.",
    "Page the on-call earlier.",
    "Load tests must use production-like data.",
    "Small changes are easier to revert.",
    "Retries need a cap and a backoff.",
];
pub(super) const TAGS: &[&str] = &[
    "db",
    "network",
    "monitoring",
    "release",
    "oncall",
    "security",
    "capacity",
    "ダッシュボード",
];
pub(super) const PEOPLE: &[&str] = &[
    "tanaka",
    "sato",
    "suzuki",
    "takahashi",
    "ito",
    "kim",
    "alex",
];

pub(super) fn ja_sentence(rng: &mut Rng) -> String {
    let problem = if rng.per_mille(3) {
        rng.pick(JA_RARE_PROBLEMS)
    } else {
        rng.pick(JA_PROBLEMS)
    };
    match rng.below(4) {
        0 => format!(
            "{}に{}で{}が発生し、{}。",
            rng.pick(JA_TIMES),
            rng.pick(JA_SYSTEMS),
            problem,
            rng.pick(JA_ACTIONS)
        ),
        1 => format!(
            "{}の{}について、{}。",
            rng.pick(JA_SYSTEMS),
            problem,
            rng.pick(JA_LESSONS)
        ),
        2 => format!("{}。", rng.pick(JA_LESSONS)),
        _ => format!(
            "{}が原因で{}が不安定になったが、{}。",
            problem,
            rng.pick(JA_SYSTEMS),
            rng.pick(JA_ACTIONS)
        ),
    }
}

pub(super) fn en_sentence(rng: &mut Rng) -> String {
    let problem = if rng.per_mille(3) {
        rng.pick(EN_RARE_PROBLEMS)
    } else {
        rng.pick(EN_PROBLEMS)
    };
    match rng.below(3) {
        0 => format!(
            "{} saw {} and {}. ",
            capitalise(rng.pick(EN_SYSTEMS)),
            problem,
            rng.pick(EN_ACTIONS)
        ),
        1 => format!("{} ", rng.pick(EN_LESSONS)),
        _ => format!(
            "After {} on {}, {}. ",
            problem,
            rng.pick(EN_SYSTEMS),
            rng.pick(EN_ACTIONS)
        ),
    }
}

/// Japanese with English terms in it, as people really write.
pub(super) fn mixed_sentence(rng: &mut Rng) -> String {
    let term = rng.pick(&["failover", "rollback", "latency", "deadlock", "DB", "p99"]);
    match rng.below(2) {
        0 => format!("{}後に{}が悪化した。", term, rng.pick(JA_SYSTEMS)),
        _ => format!("{}の{}を確認した。", rng.pick(JA_SYSTEMS), term),
    }
}

pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A text of 40 to 300 characters in one of three styles.
pub(super) fn text(rng: &mut Rng, min: usize, max: usize) -> String {
    let target = rng.range(min, max);
    let style = rng.below(10);
    let mut out = String::new();
    while out.chars().count() < target {
        let sentence = match style {
            0..=5 => ja_sentence(rng),
            6..=8 => en_sentence(rng),
            _ if rng.chance(50) => mixed_sentence(rng),
            _ => ja_sentence(rng),
        };
        out.push_str(&sentence);
    }
    let out: String = out.chars().take(max).collect();
    out.trim().to_string()
}

pub(super) fn date(rng: &mut Rng) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(2015, 1, 1).expect("a date");
    let end = NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date");
    let span = (end - start).num_days() as usize;
    start + Days::new(rng.range(0, span) as u64)
}

pub(super) fn generate() -> Document {
    let mut rng = Rng(0x5eed_2026);
    let mut document = Document::empty();
    let mut seen = HashSet::new();
    while document.learnings.len() < LEARNINGS {
        let learning = Learning {
            id: String::new(),
            meeting: MEETING.into(),
            date: date(&mut rng),
            text: text(&mut rng, 40, 300),
            tags: (0..rng.range(0, 3))
                .map(|_| rng.pick(TAGS).to_string())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect(),
            author: rng.chance(70).then(|| rng.pick(PEOPLE).to_string()),
            author_id: None,
        };
        // Same date and text would be the same record; draw again.
        if seen.insert((learning.date, learning.text.clone())) {
            document.learnings.push(learning);
        }
    }
    for number in 0..POSTMORTEMS {
        let mut title = text(&mut rng, 20, 60);
        title.retain(|c| c != '\n');
        document.postmortems.push(Postmortem {
            id: String::new(),
            meeting: MEETING.into(),
            date: date(&mut rng),
            // The number keeps titles, and so ids, unique.
            title: format!("INC-{number:05} {title}"),
            impact: text(&mut rng, 40, 300),
            actions_taken: text(&mut rng, 40, 300),
            root_cause: text(&mut rng, 40, 300),
            prevention: text(&mut rng, 40, 300),
            responders: (0..rng.range(1, 3))
                .map(|_| rng.pick(PEOPLE).to_string())
                .collect(),
            links: vec![format!("https://tickets.example.com/INC-{number:05}")],
            responder_ids: Vec::new(),
        });
    }
    // Tags come from a HashSet above, whose order is not deterministic.
    for learning in &mut document.learnings {
        learning.tags.sort();
    }
    document
        .complete_and_check(&[MEETING])
        .expect("generated data is valid");
    document
}
