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

mod config;
mod http;
mod import;

use import::json_document;

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
