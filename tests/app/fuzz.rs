//! Fuzzing under `cargo test`: generated and mutated inputs for config parsing, import
//! (JSON and CSV) and the local HTTP API, in process and through the binary. A panic, an
//! input that takes over a second, an exit code other than 0/1/2, a 5xx answer or a dead
//! daemon fails.
//!
//! The runs are deterministic: one fixed seed (`FUZZ_SEED` replaces it) and bounded case
//! counts (`FUZZ_CASES=N` runs N times as many), so a failure reproduces and the whole
//! harness stays well under a minute on a loaded 2-core machine. Seed inputs are checked in
//! under `tests/fuzz-corpus/`; the big ones (1 MB strings, deep nesting, many records) are
//! generated here rather than checked in. A failing input is written to
//! `target/fuzz-failures/` and its path is in the failure message.

use std::fmt;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use weekly_postmortem::config::Config as AppConfig;
use weekly_postmortem::interchange::Document;

use crate::helpers::{TestApp, poll, spawn_app, wait_for_exit};

/// The seed when `FUZZ_SEED` is not set. Any change of a generator changes the inputs too.
const DEFAULT_SEED: u64 = 0x5eed_2026_1129;

/// The issue's bound for one input in process: a parser that needs longer is a hang.
const IN_PROCESS_LIMIT: Duration = Duration::from_secs(1);

/// One run of the debug binary (start, parse, open sled, answer) on a loaded machine takes
/// 20–150 ms; this is what "hangs" means for a run, with room for a busy build next door.
const BINARY_LIMIT: Duration = Duration::from_secs(10);

/// One HTTP request to the daemon, from connect to the end of the answer.
const HTTP_LIMIT: Duration = Duration::from_secs(5);

fn seed() -> u64 {
    match std::env::var("FUZZ_SEED") {
        Ok(text) => {
            let text = text.trim();
            let parsed = match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("FUZZ_SEED={text:?}: expected a number"))
        }
        Err(_) => DEFAULT_SEED,
    }
}

/// `default` cases, times `FUZZ_CASES` when set (for longer local runs).
pub(crate) fn cases(default: u32) -> u32 {
    let factor = std::env::var("FUZZ_CASES")
        .ok()
        .map(|f| {
            f.trim()
                .parse::<u32>()
                .unwrap_or_else(|_| panic!("FUZZ_CASES={f:?}: expected a whole number"))
        })
        .unwrap_or(1);
    default.saturating_mul(factor.max(1))
}

/// Runs `check` on `cases` inputs from `strategy` with the fixed seed; a failure names the
/// target and the seed (proptest adds the shrunk input).
pub(crate) fn fuzz<S>(
    target: &str,
    cases: u32,
    max_shrink_iters: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
{
    let seed = seed();
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    seed_bytes[8..8 + target.len().min(24)]
        .copy_from_slice(&target.as_bytes()[..target.len().min(24)]);
    let config = Config {
        cases,
        max_shrink_iters,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let started = Instant::now();
    if let Err(e) = runner.run(&strategy, check) {
        panic!("fuzz target {target} failed (FUZZ_SEED={seed:#x}, {cases} cases): {e}");
    }
    eprintln!(
        "fuzz target {target}: {cases} cases in {:.1?} (FUZZ_SEED={seed:#x})",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// Bytes under test; its `Debug` is short, so a failure message stays readable when the
/// input is a megabyte (the whole input goes to a file, see [`save_failure`]).
#[derive(Clone)]
struct Input(Vec<u8>);

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = &self.0[..self.0.len().min(300)];
        write!(
            f,
            "{} bytes, starting {:?}",
            self.0.len(),
            String::from_utf8_lossy(head)
        )
    }
}

/// Writes a failing input where a person can pick it up (and check it into the corpus).
fn save_failure(target: &str, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    let path = dir.join(format!("{target}-{hash:016x}"));
    let _ = std::fs::write(&path, input);
    path
}

pub(crate) fn fail(target: &str, input: &[u8], why: String) -> TestCaseError {
    let saved = save_failure(target, input);
    TestCaseError::fail(format!("{why} (input saved to {})", saved.display()))
}

/// The checked-in seed inputs of one target, in name order (the order is part of the seed).
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-corpus")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "{} has seed inputs", dir.display());
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

const ONE_MB: usize = 1 << 20;

/// Big seed inputs, built here instead of being checked in.
fn generated(target: &str) -> Vec<Vec<u8>> {
    let meeting = "[[meeting]]\nid = \"weekly\"\nweekday = \"wednesday\"\nstart_time = \"17:00\"\nfirst_session = \"2019-02-06\"\n";
    match target {
        "config" => vec![
            format!("{meeting}title = \"{}\"\n", "あ".repeat(ONE_MB / 3)).into_bytes(),
            format!(
                "{meeting}title = \"t\"\nskip_dates = {}{}\n",
                "[".repeat(5_000),
                "]".repeat(5_000)
            )
            .into_bytes(),
            format!("{meeting}title = \"t\"\nteam = {}\n", "{a = ".repeat(2_000)).into_bytes(),
            (0..2_000)
                .map(|i| meeting.replace("\"weekly\"", &format!("\"m{i}\"")) + "title = \"t\"\n")
                .collect::<String>()
                .into_bytes(),
        ],
        "import-json" => {
            let learnings: Vec<String> = (0..3_000)
                .map(|i| {
                    format!(
                        r#"{{"meeting":"weekly","date":"2024-05-15","text":"learning {i}","tags":["t{}"]}}"#,
                        i % 7
                    )
                })
                .collect();
            vec![
                format!(
                    r#"{{"format":"weekly-postmortem/v1","learnings":[{{"meeting":"weekly","date":"2024-05-15","text":"{}"}}]}}"#,
                    "x".repeat(ONE_MB)
                )
                .into_bytes(),
                format!(
                    r#"{{"format":"weekly-postmortem/v1","sessions":{}{}}}"#,
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                )
                .into_bytes(),
                format!(
                    r#"{{"format":"weekly-postmortem/v1","learnings":[{}]}}"#,
                    learnings.join(",")
                )
                .into_bytes(),
            ]
        }
        "import-csv" => vec![
            format!(
                "date,title,presenter,kind,notes\n2024-05-15,t,,,{}\n",
                "n".repeat(ONE_MB)
            )
            .into_bytes(),
            std::iter::once("date,title,presenter,kind,notes\n".to_string())
                .chain((0..3_000).map(|i| format!("2024-05-15,row {i},p,topic,\n")))
                .collect::<String>()
                .into_bytes(),
            format!(
                "date,title,presenter,kind,notes\n\"{}\n",
                "\"\"".repeat(ONE_MB / 4)
            )
            .into_bytes(),
        ],
        _ => Vec::new(),
    }
}

/// Seed inputs of a target: the checked-in corpus, then the generated big ones.
fn seeds(target: &str) -> Arc<Vec<Vec<u8>>> {
    let mut all = corpus(target);
    all.extend(generated(target));
    Arc::new(all)
}

/// Tokens that break parsers: control characters, BOMs, invalid UTF-8, extreme numbers and
/// dates, quoting and structure characters of TOML, JSON, CSV and HTTP.
const NASTY: &[&[u8]] = &[
    b"\0",
    b"\x07",
    b"\x1b[31m",
    b"\x7f",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xe2\x80\xae",
    b"\r\n",
    b"\r",
    b"\n",
    b"\"",
    b"'",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b",",
    b"=",
    b"{",
    b"}",
    b"[",
    b"]]",
    b"9999-12-31",
    b"0000-00-00",
    b"+262142-12-01",
    b"2024-02-30",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"1e999",
    b"nan",
    b"inf",
    b"null",
    b"\n[[meeting]]\n",
    b"\n[daemon]\n",
    b"%00",
    b"%ff",
    b"../",
    b"\xe3\x80\x80",
    b"\xf0\x9f\x98\x80",
    b"\r\n\r\n",
    b"Content-Length: 18446744073709551616\r\n",
    b"Transfer-Encoding: chunked\r\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        bit: u8,
    },
    Truncate {
        at: usize,
    },
    Insert {
        at: usize,
        token: usize,
    },
    Delete {
        at: usize,
        len: u16,
    },
    Splice {
        at: usize,
        from: usize,
        from_at: usize,
        len: u16,
    },
    Duplicate {
        at: usize,
        len: u16,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        4 => (any::<usize>(), any::<usize>()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        1 => (any::<usize>(), 1u16..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
        2 => (any::<usize>(), any::<usize>(), any::<usize>(), 1u16..256)
            .prop_map(|(at, from, from_at, len)| Mutation::Splice { at, from, from_at, len }),
        1 => (any::<usize>(), 1u16..512).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation, seeds: &[Vec<u8>]) {
    let position = |at: usize, len: usize| at % (len + 1);
    match *mutation {
        Mutation::Flip { at, bit } => {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= 1 << bit;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(position(at, bytes.len())),
        Mutation::Insert { at, token } => {
            let at = position(at, bytes.len());
            bytes.splice(at..at, NASTY[token % NASTY.len()].iter().copied());
        }
        Mutation::Delete { at, len } => {
            let at = position(at, bytes.len());
            let end = (at + usize::from(len)).min(bytes.len());
            bytes.drain(at..end);
        }
        Mutation::Splice {
            at,
            from,
            from_at,
            len,
        } => {
            let other = &seeds[from % seeds.len()];
            let start = position(from_at, other.len());
            let end = (start + usize::from(len)).min(other.len());
            let at = position(at, bytes.len());
            bytes.splice(at..at, other[start..end].iter().copied());
        }
        Mutation::Duplicate { at, len } => {
            let at = position(at, bytes.len());
            let end = (at + usize::from(len)).min(bytes.len());
            let copy = bytes[at..end].to_vec();
            bytes.splice(end..end, copy);
        }
    }
}

/// A seed input with a few mutations (none at all now and then: the seeds themselves).
fn mutated(seeds: Arc<Vec<Vec<u8>>>) -> impl Strategy<Value = Input> {
    (0..seeds.len(), vec(mutation(), 0..6)).prop_map(move |(index, mutations)| {
        let mut bytes = seeds[index].clone();
        for m in &mutations {
            apply(&mut bytes, m, &seeds);
        }
        Input(bytes)
    })
}

/// A structured input, then now and then a mutation or two on top.
fn roughened(
    structured: impl Strategy<Value = String>,
    seeds: Arc<Vec<Vec<u8>>>,
) -> impl Strategy<Value = Input> {
    (structured, proptest::option::weighted(0.3, mutation())).prop_map(move |(text, mutation)| {
        let mut bytes = text.into_bytes();
        if let Some(m) = &mutation {
            apply(&mut bytes, m, &seeds);
        }
        Input(bytes)
    })
}

/// Keys of one table with values as literal text: each key is left out, given a valid
/// value, or given a nasty one (from `nasty`).
type Keys = &'static [(&'static str, &'static [&'static str])];

fn table(keys: Keys, nasty: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    vec((0u8..6, any::<usize>()), keys.len()).prop_map(move |choices| {
        keys.iter()
            .zip(choices)
            .filter_map(|((key, valid), (choice, index))| match choice {
                0 => None,
                1 => Some((key, nasty[index % nasty.len()])),
                _ => Some((key, valid[index % valid.len()])),
            })
            .map(|(key, value)| format!("{key} = {value}"))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------
// Structured config files: the real keys with valid and hostile values
// ---------------------------------------------------------------------------------------

const TOML_NASTY: &[&str] = &[
    "\"\"",
    "\"\\u0000\"",
    "\"a\\u0007b\"",
    "\"\\u001b[31m\"",
    "18446744073709551616",
    "-9223372036854775808",
    "9223372036854775807",
    "0",
    "-1",
    "inf",
    "nan",
    "1e308",
    "true",
    "[]",
    "{}",
    "[[[]]]",
    "9999-12-31",
    "0001-01-01T00:00:00Z",
    "17:00:00",
    "\"9999-12-31\"",
    "\"+262142-12-01\"",
    "'''multi\nline'''",
    "\"\u{202e}\"",
    "\"/dev/null\"",
    "\"/proc/self\"",
];

const DAEMON_KEYS: Keys = &[
    (
        "state_dir",
        &[
            "\"./state\"",
            "\"state\"",
            "\"./config.toml\"",
            "\".\"",
            "\"/dev/null\"",
        ],
    ),
    (
        "listen",
        &[
            "\"127.0.0.1:0\"",
            "\"127.0.0.1:8754\"",
            "\"0.0.0.0:1\"",
            "\"[::]:0\"",
            "\"localhost:0\"",
            "\"127.0.0.1:65536\"",
        ],
    ),
    ("language", &["\"ja\"", "\"en\"", "\"fr\""]),
    (
        "log",
        &[
            "\"info\"",
            "\"debug,sled=warn\"",
            "\"[[[==\"",
            "\"weekly_postmortem=trace\"",
        ],
    ),
    ("log_format", &["\"text\"", "\"json\"", "\"xml\""]),
    ("backups_keep", &["0", "14", "4294967296"]),
    ("cache_mib", &["1", "16", "4096", "4097", "0"]),
    ("health_check_seconds", &["1", "30", "3600", "3601"]),
    ("holiday_refresh", &["false", "true"]),
    (
        "holiday_source_url",
        &[
            "\"http://127.0.0.1:9/x.csv\"",
            "\"not a url\"",
            "\"file:///etc/passwd\"",
        ],
    ),
];

const MEETING_KEYS: Keys = &[
    (
        "id",
        &[
            "\"weekly\"",
            "\"ops-2\"",
            "\"has space\"",
            "\"\"",
            "\"週刊\"",
        ],
    ),
    ("title", &["\"週刊ポストモーテム\"", "\"Weekly\"", "\"\""]),
    (
        "timezone",
        &[
            "\"Asia/Tokyo\"",
            "\"America/New_York\"",
            "\"UTC\"",
            "\"Mars/Olympus\"",
            "\"+09:00\"",
        ],
    ),
    (
        "weekday",
        &["\"wednesday\"", "\"sunday\"", "\"Wednesday\"", "\"mon\""],
    ),
    (
        "start_time",
        &[
            "\"17:00\"",
            "\"00:00\"",
            "\"23:59\"",
            "\"24:00\"",
            "\"02:30\"",
            "\"7:5\"",
        ],
    ),
    ("duration_minutes", &["60", "1", "1440", "1441"]),
    (
        "first_session",
        &[
            "\"2019-02-06\"",
            "\"1970-01-01\"",
            "\"2100-12-31\"",
            "\"1969-12-31\"",
            "2019-02-06",
            "\"2101-01-01\"",
        ],
    ),
    ("skip_japanese_holidays", &["true", "false"]),
    (
        "skip_dates",
        &[
            "[]",
            "[\"2026-12-30\"]",
            "[\"9999-12-31\", \"1970-01-01\"]",
            "[2026-12-30]",
        ],
    ),
    (
        "facilitators",
        &[
            "[\"sato\", \"tanaka\"]",
            "[]",
            "[\"\"]",
            "[\"sato\", \"sato\"]",
            "[\"a\\u0007\"]",
        ],
    ),
    ("team", &["\"SRE\"", "\"\""]),
    (
        "dashboards",
        &[
            "[{name = \"API\", url = \"https://grafana.example.com/d/api\"}]",
            "[{name = \"\", url = \"javascript:alert(1)\"}]",
            "[{}]",
        ],
    ),
    (
        "discord_channel_id",
        &["\"555555555555555555\"", "555", "\"abc\""],
    ),
];

const REMINDER_KEYS: Keys = &[
    ("call_for_topics_days_before", &["2", "0", "6", "7", "400"]),
    ("call_for_topics_time", &["\"12:00\"", "\"25:00\""]),
    (
        "announcement_time",
        &["\"10:00\"", "\"17:30\"", "\"23:59\""],
    ),
];

const GOOGLE_KEYS: Keys = &[
    (
        "calendar_id",
        &["\"team@example.com\"", "\"\"", "\"a/b?c#d\""],
    ),
    (
        "credentials_file",
        &[
            "\"./missing.json\"",
            "\"/dev/zero\"",
            "\"$CREDENTIALS_DIRECTORY/key.json\"",
            "\".\"",
        ],
    ),
    (
        "api_base_url",
        &["\"http://127.0.0.1:9/calendar/v3/\"", "\"ftp://x\""],
    ),
    ("horizon_weeks", &["8", "1", "104", "105"]),
    (
        "attendees",
        &["[\"eng-all@example.com\"]", "[]", "[\"not an address\"]"],
    ),
    (
        "send_updates",
        &["\"none\"", "\"all\"", "\"externalOnly\"", "\"some\""],
    ),
    ("reminder_minutes", &["10", "0", "40321"]),
    ("sync_interval_minutes", &["15", "1", "0"]),
    ("impersonate", &["\"calendar-bot@example.com\""]),
];

const DISCORD_KEYS: Keys = &[
    ("token_env", &["\"FUZZ_NO_SUCH_TOKEN\"", "\"\"", "\"A=B\""]),
    (
        "token_file",
        &["\"./missing-token\"", "\"/dev/zero\"", "\"/dev/null\""],
    ),
    ("guild_id", &["\"111111111111111111\"", "111", "\"\"", "-1"]),
    (
        "channel_id",
        &["\"222222222222222222\"", "222", "18446744073709551615"],
    ),
    ("facilitator_role_id", &["\"333333333333333333\"", "0"]),
    ("voice_channel_id", &["\"444444444444444444\""]),
    ("api_base_url", &["\"http://127.0.0.1:9\"", "\"\""]),
];

fn config_text() -> impl Strategy<Value = String> {
    let meeting = (
        table(MEETING_KEYS, TOML_NASTY),
        proptest::option::of(table(REMINDER_KEYS, TOML_NASTY)),
    );
    (
        proptest::option::weighted(0.9, table(DAEMON_KEYS, TOML_NASTY)),
        vec(meeting, 0..3),
        proptest::option::weighted(0.3, table(GOOGLE_KEYS, TOML_NASTY)),
        proptest::option::weighted(0.3, table(DISCORD_KEYS, TOML_NASTY)),
        proptest::option::weighted(
            0.1,
            select(&["unknown = 1", "[unknown]", "daemon = 1", "[[daemon]]"][..]),
        ),
    )
        .prop_map(|(daemon, meetings, google, discord, extra)| {
            let mut text = String::new();
            if let Some(keys) = daemon {
                text += &format!("[daemon]\n{}\n\n", keys.join("\n"));
            }
            for (keys, reminders) in meetings {
                text += &format!("[[meeting]]\n{}\n", keys.join("\n"));
                if let Some(reminders) = reminders {
                    text += &format!("[meeting.reminders]\n{}\n", reminders.join("\n"));
                }
                text += "\n";
            }
            if let Some(keys) = google {
                text += &format!("[google]\n{}\n\n", keys.join("\n"));
            }
            if let Some(keys) = discord {
                text += &format!("[discord]\n{}\n\n", keys.join("\n"));
            }
            if let Some(extra) = extra {
                text += extra;
                text += "\n";
            }
            text
        })
}

// ---------------------------------------------------------------------------------------
// Structured v1 JSON documents and CSV files
// ---------------------------------------------------------------------------------------

const JSON_NASTY: &[&str] = &[
    "null",
    "\"\"",
    "-1",
    "0",
    "1e308",
    "4294967296",
    "18446744073709551616",
    "true",
    "[]",
    "{}",
    "[[[[]]]]",
    "\"\\u0000\"",
    "\"a\\u0007b\"",
    "\"\\u001b[31m\"",
    "\"\\ud800\"",
    "\"\\u202e\"",
    "\"9999-12-31\"",
    "\"0000-00-00\"",
    "\"+262142-12-01\"",
    "\"2024-02-30\"",
    "\"unknown-meeting\"",
    "\"line\\nbreak\"",
    "\"weekly\"",
];

const SESSION_KEYS: Keys = &[
    ("\"meeting\"", &["\"weekly\""]),
    (
        "\"date\"",
        &[
            "\"2024-05-15\"",
            "\"2024-05-22\"",
            "\"1970-01-07\"",
            "\"2100-12-29\"",
        ],
    ),
    ("\"status\"", &["\"held\"", "\"skipped\""]),
    (
        "\"reason\"",
        &["\"holiday\"", "\"skip_date\"", "\"cancelled\"", "null"],
    ),
    ("\"number\"", &["210", "1", "null", "4294967295"]),
    ("\"facilitator\"", &["\"sato\"", "null", "\"田中\""]),
    ("\"notes\"", &["\"メモ\"", "null"]),
    (
        "\"attendance\"",
        &[
            "{\"going\": 7, \"maybe\": 2, \"not_going\": 1, \"present\": 12}",
            "{}",
            "{\"present\": null}",
        ],
    ),
    (
        "\"rsvps\"",
        &[
            "{\"111\": \"going\", \"222\": \"maybe\"}",
            "{}",
            "{\"\": \"not_going\"}",
        ],
    ),
    (
        "\"proposal\"",
        &[
            "{\"format\": \"open_talk\", \"title\": \"t\"}",
            "{\"format\": \"reading_club\", \"title\": \"r\", \"detail\": \"d\", \"link\": null, \"postmortem_id\": \"pm\"}",
            "null",
        ],
    ),
];

const AGENDA_KEYS: Keys = &[
    ("\"id\"", &["\"a1\"", "\"a2\"", "\"\""]),
    (
        "\"title\"",
        &["\"DB フェイルオーバー\"", "\"Grafana\"", "\"ｄｂ ＤＢ\""],
    ),
    (
        "\"kind\"",
        &["\"incident\"", "\"dashboard\"", "\"topic\"", "\"other\""],
    ),
    ("\"presenter\"", &["\"tanaka\"", "null"]),
    ("\"link\"", &["\"https://example.com/x\"", "null"]),
    ("\"notes\"", &["\"n\""]),
    ("\"added_by\"", &["\"123\""]),
    (
        "\"added_at\"",
        &["\"2024-05-14T10:00:00Z\"", "\"9999-12-31T23:59:59Z\""],
    ),
    ("\"team\"", &["\"Network\""]),
    ("\"done\"", &["true", "false"]),
    ("\"carried_from\"", &["\"2024-05-08\"", "null"]),
    ("\"carried_to\"", &["\"2024-05-22\"", "null"]),
];

const POSTMORTEM_KEYS: Keys = &[
    ("\"id\"", &["\"pm-1\"", "\"pm-2\""]),
    ("\"meeting\"", &["\"weekly\""]),
    ("\"date\"", &["\"2024-05-15\"", "\"2023-05-17\""]),
    ("\"title\"", &["\"障害\"", "\"outage\""]),
    ("\"impact\"", &["\"API 5xx 12 分\""]),
    ("\"actions_taken\"", &["\"切り替え\""]),
    ("\"root_cause\"", &["\"閾値\""]),
    ("\"prevention\"", &["\"アラート\""]),
    ("\"responders\"", &["[\"tanaka\"]", "[]", "[\"\"]"]),
    ("\"links\"", &["[\"https://example.com\"]", "[]"]),
];

const LEARNING_KEYS: Keys = &[
    ("\"id\"", &["\"l-1\"", "\"l-2\""]),
    ("\"meeting\"", &["\"weekly\""]),
    ("\"date\"", &["\"2024-05-15\"", "\"2024-05-22\""]),
    ("\"text\"", &["\"デッドロックは再現ログから\"", "\"x\""]),
    ("\"tags\"", &["[\"db\"]", "[]", "[\"監視\", \"db\"]"]),
    ("\"author\"", &["\"tanaka\"", "null"]),
];

fn object(fields: Vec<String>) -> String {
    format!("{{{}}}", fields.join(", "))
}

fn json_document() -> impl Strategy<Value = String> {
    let record = |keys| {
        table(keys, JSON_NASTY).prop_map(|fields| {
            object(
                fields
                    .into_iter()
                    .map(|f| f.replacen(" = ", ": ", 1))
                    .collect(),
            )
        })
    };
    let session = (
        table(SESSION_KEYS, JSON_NASTY),
        proptest::option::weighted(0.7, vec(record(AGENDA_KEYS), 0..3)),
    )
        .prop_map(|(fields, agenda)| {
            let mut fields: Vec<String> = fields
                .into_iter()
                .map(|f| f.replacen(" = ", ": ", 1))
                .collect();
            if let Some(items) = agenda {
                fields.push(format!("\"agenda\": [{}]", items.join(", ")));
            }
            object(fields)
        });
    (
        select(
            &[
                "\"weekly-postmortem/v1\"",
                "\"weekly-postmortem/v1\"",
                "\"weekly-postmortem/v2\"",
                "null",
            ][..],
        ),
        vec(session, 0..4),
        vec(record(POSTMORTEM_KEYS), 0..3),
        vec(record(LEARNING_KEYS), 0..3),
        proptest::option::weighted(
            0.2,
            select(
                &[
                    "{\"weekly\": [\"sato\", \"tanaka\"]}",
                    "{\"nope\": []}",
                    "{\"weekly\": [\"\"]}",
                    "[]",
                ][..],
            ),
        ),
        proptest::option::weighted(0.05, select(&["\"extra\": 1", "\"sessions\": []"][..])),
    )
        .prop_map(
            |(format, sessions, postmortems, learnings, rosters, extra)| {
                let mut fields = vec![format!("\"format\": {format}")];
                fields.push(format!("\"sessions\": [{}]", sessions.join(", ")));
                fields.push(format!("\"postmortems\": [{}]", postmortems.join(", ")));
                fields.push(format!("\"learnings\": [{}]", learnings.join(", ")));
                if let Some(rosters) = rosters {
                    fields.push(format!("\"rosters\": {rosters}"));
                }
                if let Some(extra) = extra {
                    fields.push(extra.to_string());
                }
                object(fields)
            },
        )
}

const CSV_FIELDS: [&[&str]; 5] = [
    &[
        "2024-05-15",
        "2024-05-22",
        "1970-01-07",
        "9999-12-31",
        "2024-02-30",
        "15/05/2024",
        "",
    ],
    &[
        "DB フェイルオーバー",
        "Grafana",
        "",
        "a\u{7}b",
        "\"quoted, comma\"",
        "long",
    ],
    &["tanaka", "", "田中", "\u{0}"],
    &[
        "incident",
        "dashboard",
        "topic",
        "other",
        "",
        "Incident",
        "kind?",
    ],
    &[
        "",
        "notes",
        "\"multi\nline\"",
        "\u{1b}[31m",
        "=cmd|' /C calc'!A0",
    ],
];

fn csv_text() -> impl Strategy<Value = String> {
    let row = (vec(any::<usize>(), 5), 0u8..10).prop_map(|(picks, shape)| {
        let mut fields: Vec<String> = CSV_FIELDS
            .iter()
            .zip(picks)
            .map(|(options, pick)| match options[pick % options.len()] {
                "long" => "長".repeat(4_001),
                other => other.to_string(),
            })
            .collect();
        match shape {
            0 => {
                fields.pop();
            }
            1 => fields.push("extra".into()),
            _ => {}
        }
        fields.join(",")
    });
    (
        select(
            &[
                "date,title,presenter,kind,notes",
                "date,title,presenter,kind,notes",
                "date,title,presenter,kind",
                "title,date,presenter,kind,notes",
                "",
            ][..],
        ),
        vec(row, 0..6),
        select(&["\n", "\r\n", "\r"][..]),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(header, rows, newline, bom)| {
            let mut text = if bom {
                "\u{feff}".to_string()
            } else {
                String::new()
            };
            text += header;
            for row in rows {
                text += newline;
                text += &row;
            }
            text + newline
        })
}

// ---------------------------------------------------------------------------------------
// In-process targets: the parsers themselves, many cases
// ---------------------------------------------------------------------------------------

/// Runs `parse` on another thread (with the main thread's 8 MiB stack) and fails on a
/// panic or when it takes over a second. A slow run is repeated once, so a busy machine's
/// pause is not taken for a hang; an input that is slow twice is one.
fn within_a_second(
    target: &str,
    input: &Input,
    parse: fn(&str) -> bool,
) -> Result<(), TestCaseError> {
    let text: Arc<str> = String::from_utf8_lossy(&input.0).into();
    let mut slow = None;
    for _attempt in 0..2 {
        let (sender, receiver) = std::sync::mpsc::channel();
        let text = text.clone();
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                let started = Instant::now();
                let outcome = std::panic::catch_unwind(|| parse(&text)).map_err(|payload| {
                    payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default()
                });
                let _ = sender.send((outcome, started.elapsed()));
            })
            .expect("spawning a parser thread");
        match receiver.recv_timeout(IN_PROCESS_LIMIT * 10) {
            Ok((Err(panic), _)) => {
                return Err(fail(target, &input.0, format!("panicked: {panic}")));
            }
            Ok((Ok(_), elapsed)) if elapsed <= IN_PROCESS_LIMIT => return Ok(()),
            Ok((Ok(_), elapsed)) => slow = Some(elapsed),
            Err(_) => {
                return Err(fail(
                    target,
                    &input.0,
                    format!("no answer within {:?}", IN_PROCESS_LIMIT * 10),
                ));
            }
        }
    }
    Err(fail(
        target,
        &input.0,
        format!(
            "took {:?} twice, over the limit of {IN_PROCESS_LIMIT:?}",
            slow.unwrap_or_default()
        ),
    ))
}

fn parse_config(text: &str) -> bool {
    AppConfig::parse(Path::new("/fuzz/config.toml"), text).is_ok()
}

fn parse_json(text: &str) -> bool {
    Document::from_json(text, &["weekly", "ops-2"]).is_ok()
}

fn parse_csv(text: &str) -> bool {
    Document::from_csv(text, "weekly", &["weekly", "ops-2"]).is_ok()
}

#[test]
fn fuzz_config_parsing_never_panics_or_hangs() {
    let seeds = seeds("config");
    fuzz(
        "config",
        cases(300),
        256,
        prop_oneof![mutated(seeds.clone()), roughened(config_text(), seeds)],
        |input| within_a_second("config", &input, parse_config),
    );
}

#[test]
fn fuzz_json_import_parsing_never_panics_or_hangs() {
    let seeds = seeds("import-json");
    fuzz(
        "import-json",
        cases(300),
        256,
        prop_oneof![mutated(seeds.clone()), roughened(json_document(), seeds)],
        |input| within_a_second("import-json", &input, parse_json),
    );
}

#[test]
fn fuzz_csv_import_parsing_never_panics_or_hangs() {
    let seeds = seeds("import-csv");
    fuzz(
        "import-csv",
        cases(300),
        256,
        prop_oneof![mutated(seeds.clone()), roughened(csv_text(), seeds)],
        |input| within_a_second("import-csv", &input, parse_csv),
    );
}

// ---------------------------------------------------------------------------------------
// Through the binary: fewer cases, the whole command
// ---------------------------------------------------------------------------------------

/// What one run of the binary did.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

/// Runs the binary with `args` (stdin empty, output into files so a big answer cannot
/// block it), killing it after [`BINARY_LIMIT`]. Anything but exit 0, 1 or 2 in time is
/// an error: a panic (101), a signal, a hang.
pub(crate) fn run_binary(app: &TestApp, args: &[&str]) -> Result<Run, String> {
    let out_path = app.dir.path().join("fuzz-stdout");
    let err_path = app.dir.path().join("fuzz-stderr");
    let started = Instant::now();
    let mut child: Child = app
        .process()
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("WEEKLY_POSTMORTEM_CLI_TIMEOUT_SECONDS")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .map_err(|e| format!("cannot start the binary: {e}"))?;
    let status = wait_for_exit(&mut child, BINARY_LIMIT);
    let elapsed = started.elapsed();
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let stdout = std::fs::read(&out_path).unwrap_or_default();
    let stderr =
        String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned();
    let Some(status) = status else {
        return Err(format!(
            "{args:?} did not exit within {BINARY_LIMIT:?}; stderr: {stderr}"
        ));
    };
    let code = match status.code() {
        Some(code @ 0..=2) => code,
        _ => return Err(format!("{args:?} ended with {status}; stderr: {stderr}")),
    };
    if code != 0 && stderr.trim().is_empty() {
        return Err(format!(
            "{args:?} exited {code} without saying why on stderr"
        ));
    }
    Ok(Run {
        code,
        stdout,
        stderr,
        elapsed,
    })
}

#[test]
fn fuzz_check_config_exits_0_1_or_2_in_time() {
    let seeds = seeds("config");
    // The config file lives next to `state/`, as in every test: relative paths stay inside.
    let app = spawn_app();
    let slowest = std::cell::Cell::new(Duration::ZERO);
    fuzz(
        "check-config",
        cases(40),
        16,
        prop_oneof![mutated(seeds.clone()), roughened(config_text(), seeds)],
        |input| {
            std::fs::write(&app.config_path, &input.0).unwrap();
            let run = run_binary(&app, &["check-config"])
                .map_err(|why| fail("check-config", &input.0, why))?;
            slowest.set(slowest.get().max(run.elapsed));
            Ok(())
        },
    );
    eprintln!("check-config: slowest run {:?}", slowest.get());
}

/// JSON and CSV documents, mutated and generated, as files the import reads.
fn import_input() -> impl Strategy<Value = (Input, &'static str)> {
    // The checked-in seeds only: the generated big ones are the in-process targets' (a
    // debug binary stores 3,000 records in seconds, and every later export reads them).
    let json = Arc::new(corpus("import-json"));
    let csv = Arc::new(corpus("import-csv"));
    prop_oneof![
        mutated(json.clone()).prop_map(|i| (i, "json")),
        roughened(json_document(), json).prop_map(|i| (i, "json")),
        mutated(csv.clone()).prop_map(|i| (i, "csv")),
        roughened(csv_text(), csv).prop_map(|i| (i, "csv")),
    ]
}

#[test]
fn fuzz_import_exits_0_1_or_2_and_a_failed_import_changes_nothing() {
    let app = spawn_app();
    let export = |app: &TestApp| -> Result<Vec<u8>, String> {
        let run = run_binary(app, &["export"])?;
        if run.code != 0 {
            return Err(format!("export exited {}: {}", run.code, run.stderr));
        }
        Ok(run.stdout)
    };
    // One state directory for all cases: what earlier imports stored is what later ones
    // meet (duplicates, updates), and the export before each import is the reference.
    let reference = std::cell::RefCell::new(export(&app).expect("export of the empty log"));
    let slowest = std::cell::Cell::new(Duration::ZERO);
    fuzz(
        "import",
        cases(40),
        16,
        import_input(),
        |(input, extension)| {
            let file = app.dir.path().join(format!("input.{extension}"));
            std::fs::write(&file, &input.0).unwrap();
            let run = run_binary(&app, &["import", file.to_str().unwrap()])
                .map_err(|why| fail("import", &input.0, why))?;
            slowest.set(slowest.get().max(run.elapsed));
            let after = export(&app).map_err(|why| fail("import", &input.0, why))?;
            if run.code == 0 {
                reference.replace(after);
            } else if after != *reference.borrow() {
                return Err(fail(
                    "import",
                    &input.0,
                    format!(
                        "import exited {} ({}) but the export changed",
                        run.code,
                        run.stderr.trim()
                    ),
                ));
            }
            Ok(())
        },
    );
    eprintln!("import: slowest run {:?}", slowest.get());
}

// ---------------------------------------------------------------------------------------
// The HTTP API of a running daemon
// ---------------------------------------------------------------------------------------

/// A request before the daemon's address and token are known.
#[derive(Debug, Clone)]
enum Request {
    /// Parts of a well-formed HTTP/1.1 request with `Connection: close` and a correct
    /// `Content-Length`: it must get an answer.
    Structured {
        method: &'static str,
        path: &'static str,
        query: Vec<&'static str>,
        auth: &'static str,
        host: &'static str,
        content_type: &'static str,
        body: Input,
    },
    /// Any bytes (a mutated corpus request); the write side is closed after them, so the
    /// daemon sees the end. An answer is not required, but one that comes is checked.
    Raw(Input),
}

const METHODS: &[&str] = &[
    "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "FOO",
    "get",
];
const PATHS: &[&str] = &[
    "/healthz",
    "/metrics",
    "/calendar.ics",
    "/api/export",
    "/api/import",
    "/api/search",
    "/api/sync",
    "/",
    "/nope",
    "/api/",
    "/api/import/",
    "//healthz",
    "/calendar.ics/../api/export",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/healthz%00",
    "*",
    "/api/search/",
    "/calendar/x.ics",
];
const QUERIES: &[&str] = &[
    "q=%E3%83%87%E3%83%83%E3%83%89",
    "q=%00%07",
    "q=",
    "since=9999-12-31",
    "until=2024-13-01",
    "since=0000-01-01",
    "kind=learning",
    "kind=nope",
    "limit=18446744073709551616",
    "limit=-1",
    "limit=99999999",
    "limit=0",
    "dry_run=true",
    "dry_run=2",
    "meeting=weekly",
    "meeting=%FF",
    "tag=db",
    "team=",
    "a[b]=c",
    "%zz",
    "q",
    "q=a&q=b",
    "tag=%E2%80%AE",
];
const AUTHS: &[&str] = &[
    "",
    "Bearer {TOKEN}",
    "Bearer {TOKEN}",
    "Bearer {WRONG}",
    "Bearer ",
    "Basic Zm9vOmJhcg==",
    "bearer {TOKEN}",
    "Bearer {TOKEN} ",
];
const HOSTS: &[&str] = &[
    "{HOST}",
    "{HOST}",
    "localhost",
    "evil.example",
    "",
    "127.0.0.1:1",
    "[::1]",
    "{HOST}:99",
];
const CONTENT_TYPES: &[&str] = &[
    "",
    "application/json",
    "application/json",
    "text/plain",
    "application/json; charset=shift_jis",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
];

fn request() -> impl Strategy<Value = Request> {
    let json = Arc::new(corpus("import-json"));
    let http = seeds("http");
    let body = prop_oneof![
        3 => roughened(json_document(), json.clone()),
        2 => mutated(json),
        1 => vec(any::<u8>(), 0..200).prop_map(Input),
        1 => Just(Input(Vec::new())),
        1 => Just(Input(vec![b'a'; ONE_MB])),
    ];
    let structured = (
        select(METHODS),
        select(PATHS),
        vec(select(QUERIES), 0..3),
        select(AUTHS),
        select(HOSTS),
        select(CONTENT_TYPES),
        body,
    )
        .prop_map(|(method, path, query, auth, host, content_type, body)| {
            Request::Structured {
                method,
                path,
                query,
                auth,
                host,
                content_type,
                body,
            }
        });
    prop_oneof![3 => structured, 2 => mutated(http).prop_map(Request::Raw)]
}

/// The bytes on the wire, with the daemon's address and token filled in.
fn render(request: &Request, host: &str, token: &str) -> (Vec<u8>, bool) {
    let fill = |text: &str| {
        text.replace("{HOST}", host)
            .replace("{TOKEN}", token)
            .replace("{WRONG}", &"0".repeat(token.len()))
    };
    match request {
        Request::Structured {
            method,
            path,
            query,
            auth,
            host: host_header,
            content_type,
            body,
        } => {
            let target = if query.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", query.join("&"))
            };
            let mut head = format!("{method} {target} HTTP/1.1\r\n");
            for (name, value) in [
                ("Host", host_header),
                ("Authorization", auth),
                ("Content-Type", content_type),
            ] {
                if !value.is_empty() {
                    head += &format!("{name}: {}\r\n", fill(value));
                }
            }
            head += &format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.0.len()
            );
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&body.0);
            (bytes, true)
        }
        Request::Raw(input) => {
            let text = input.0.clone();
            // Placeholders are replaced bytewise, so invalid UTF-8 around them survives.
            let mut bytes = replace(&text, b"{HOST}", host.as_bytes());
            bytes = replace(&bytes, b"{TOKEN}", token.as_bytes());
            let body_len = find(&bytes, b"\r\n\r\n").map_or(0, |i| bytes.len() - i - 4);
            bytes = replace(&bytes, b"{LENGTH}", body_len.to_string().as_bytes());
            (bytes, false)
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(i) = find(rest, from) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Sends `bytes` and reads until the daemon closes; the final status (after any 1xx), or
/// `None` when it closed without one. Errors are timeouts and refused connections.
fn exchange(address: &str, bytes: &[u8], close_write: bool) -> Result<Option<u16>, String> {
    let socket = address.parse().map_err(|e| format!("{address}: {e}"))?;
    let mut stream =
        TcpStream::connect_timeout(&socket, HTTP_LIMIT).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(HTTP_LIMIT)).unwrap();
    stream.set_write_timeout(Some(HTTP_LIMIT)).unwrap();
    // The daemon may answer (401, 413) and close before it has read everything we send.
    let _ = stream.write_all(bytes);
    if close_write {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let mut answer = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    let too_slow = || format!("no complete answer within {HTTP_LIMIT:?}");
    // Each look reads once: `Ok` when the daemon closed (or the read failed), `Err` while
    // the answer is still coming.
    poll(HTTP_LIMIT, Duration::ZERO, || {
        match stream.read(&mut buffer) {
            Ok(0) => Ok(Ok(())),
            Ok(n) => {
                answer.extend_from_slice(&buffer[..n]);
                Err(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(Ok(())),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(Err(too_slow()))
            }
            Err(e) => Ok(Err(format!("reading the answer: {e}"))),
        }
    })
    .map_err(|()| too_slow())??;
    let text = String::from_utf8_lossy(&answer);
    let statuses: Vec<u16> = text
        .split("\r\n")
        .filter(|line| line.starts_with("HTTP/"))
        .filter_map(|line| line.split(' ').nth(1)?.parse().ok())
        .collect();
    Ok(statuses.into_iter().find(|s| *s >= 200))
}

/// The request target of the first line, to tell which route answered.
fn request_path(bytes: &[u8]) -> String {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line)
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn fuzz_http_api_answers_without_5xx_and_the_daemon_survives() {
    let app = spawn_app();
    let mut daemon = app.start_daemon();
    let address = app.listen_address();
    let token = std::fs::read_to_string(app.state_dir().join("api-token"))
        .expect("the daemon wrote its API token")
        .trim()
        .to_string();
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<String, u32>::new());
    let daemon_cell = std::cell::RefCell::new(&mut daemon.child);
    fuzz("http", cases(300), 16, request(), |request| {
        let (bytes, well_formed) = render(&request, &address, &token);
        let answer = exchange(&address, &bytes, !well_formed);
        if let Ok(Some(status)) = daemon_cell.borrow_mut().try_wait() {
            return Err(fail(
                "http",
                &bytes,
                format!("the daemon died ({status}): {}", app.daemon_log()),
            ));
        }
        let status = answer.map_err(|why| fail("http", &bytes, why))?;
        let path = request_path(&bytes);
        *statuses
            .borrow_mut()
            .entry(status.map_or("closed".into(), |s| s.to_string()))
            .or_default() += 1;
        match status {
            None if well_formed => Err(fail("http", &bytes, "closed without an answer".into())),
            None => Ok(()),
            // `/healthz` answers 503 while the store cannot write (docs/web.md, "Endpoints").
            Some(503) if path.starts_with("/healthz") => Ok(()),
            Some(status) if (100..500).contains(&status) => Ok(()),
            Some(status) => Err(fail(
                "http",
                &bytes,
                format!("{path} answered {status}: {}", app.daemon_log()),
            )),
        }
    });
    eprintln!("http: answers by status {:?}", statuses.borrow());
    let (status, body) = crate::helpers::get(&format!("http://{address}/healthz"))
        .expect("/healthz still answers after the fuzz run");
    assert!(
        matches!(status, 200 | 503),
        "/healthz answered {status}: {body}"
    );
    assert!(
        daemon.child.try_wait().unwrap().is_none(),
        "the daemon is alive"
    );
    assert_eq!(
        daemon.terminate().code(),
        Some(0),
        "and stops cleanly: {}",
        app.daemon_log()
    );
}
