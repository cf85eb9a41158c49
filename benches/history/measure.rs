//! What the bench measures with: latencies and their percentiles, sizes on disk, the load
//! average, the texts SQLite indexes and its query plans.

use super::*;

pub(super) struct Latencies {
    pub(super) samples: Vec<Duration>,
}

impl Latencies {
    pub(super) fn measure(iterations: usize, mut call: impl FnMut() -> usize) -> Self {
        for _ in 0..3 {
            std::hint::black_box(call());
        }
        let started = Instant::now();
        let mut samples = Vec::with_capacity(iterations);
        while samples.len() < iterations
            && (samples.len() < MIN_ITERATIONS || started.elapsed() < QUERY_BUDGET)
        {
            let t = Instant::now();
            std::hint::black_box(call());
            samples.push(t.elapsed());
        }
        samples.sort();
        Self { samples }
    }

    pub(super) fn percentile(&self, p: usize) -> Duration {
        percentile(&self.samples, p)
    }
}

/// Nearest-rank percentile of sorted samples.
pub(super) fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

pub(super) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Other work on the machine skews the percentiles; say how busy it was.
pub(super) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// Calls `visit` with the path and metadata of every file under `root`.
fn for_each_file(root: &Path, mut visit: impl FnMut(&Path, &std::fs::Metadata)) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read the database directory") {
            let entry = entry.expect("a directory entry");
            let meta = entry.metadata().expect("file metadata");
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                visit(&entry.path(), &meta);
            }
        }
    }
}

/// Every file under `root`, relative to it, with its apparent size.
pub(super) fn files_in(root: &Path) -> Vec<(String, u64)> {
    let mut files = Vec::new();
    for_each_file(root, |path, meta| {
        let relative = path.strip_prefix(root).unwrap_or(path);
        files.push((relative.display().to_string(), meta.len()));
    });
    files.sort();
    files
}

/// Sizes of the files under `path`: (apparent bytes, bytes allocated on disk).
pub(super) fn tree_size(path: &Path) -> (u64, u64) {
    let mut apparent = 0;
    let mut allocated = 0;
    for_each_file(path, |_, meta| {
        apparent += meta.len();
        allocated += allocated_bytes(meta);
    });
    (apparent, allocated)
}

#[cfg(unix)]
pub(super) fn allocated_bytes(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.blocks() * 512
}

#[cfg(not(unix))]
pub(super) fn allocated_bytes(meta: &std::fs::Metadata) -> u64 {
    meta.len()
}

/// What `Record::searchable_text` indexes, rebuilt here for SQLite (that
/// function is private): the same fields joined by newlines, then normalised.
pub(super) fn learning_text(l: &Learning) -> String {
    let tags = l.tags.join(" ");
    let mut parts = vec![l.text.as_str(), tags.as_str()];
    parts.extend(l.author.as_deref());
    normalize(&parts.join("\n"))
}

pub(super) fn postmortem_text(p: &Postmortem) -> String {
    let responders = p.responders.join(" ");
    normalize(
        &[
            p.title.as_str(),
            &p.impact,
            &p.actions_taken,
            &p.root_cause,
            &p.prevention,
            &responders,
        ]
        .join("\n"),
    )
}

/// How SQLite is asked: trigram MATCH from 3 characters, LIKE below.
pub(super) enum SqlPlan {
    Match(String),
    Like(String),
}

impl SqlPlan {
    pub(super) fn for_query(text: &str) -> Self {
        if text.chars().count() >= 3 {
            SqlPlan::Match(format!("\"{}\"", text.replace('"', "\"\"")))
        } else {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            SqlPlan::Like(format!("%{escaped}%"))
        }
    }

    pub(super) fn label(&self) -> &'static str {
        match self {
            SqlPlan::Match(_) => "MATCH",
            SqlPlan::Like(_) => "LIKE*",
        }
    }

    pub(super) fn top(&self, db: &Connection) -> usize {
        let (sql, arg) = match self {
            SqlPlan::Match(q) => (
                "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY date DESC LIMIT 20",
                q,
            ),
            SqlPlan::Like(q) => (
                "SELECT rowid FROM docs WHERE text LIKE ?1 ESCAPE '\\' ORDER BY date DESC LIMIT 20",
                q,
            ),
        };
        let mut statement = db.prepare_cached(sql).expect("prepare");
        let rows = statement
            .query_map(params![arg], |row| row.get::<_, i64>(0))
            .expect("query");
        rows.collect::<Result<Vec<i64>, _>>().expect("rows").len()
    }

    pub(super) fn count(&self, db: &Connection) -> usize {
        let (sql, arg) = match self {
            SqlPlan::Match(q) => ("SELECT count(*) FROM docs WHERE docs MATCH ?1", q),
            SqlPlan::Like(q) => (
                "SELECT count(*) FROM docs WHERE text LIKE ?1 ESCAPE '\\'",
                q,
            ),
        };
        db.query_row(sql, params![arg], |row| row.get::<_, i64>(0))
            .expect("count") as usize
    }
}

pub(super) fn query(text: &str, limit: usize) -> Query {
    Query {
        text: Some(text.to_string()),
        limit,
        ..Query::default()
    }
}
