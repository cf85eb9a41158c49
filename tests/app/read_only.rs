//! A state directory this process cannot write (a read-only mount, a snapshot,
//! someone else's copy): `export`, `history`, `plan` and `stats` answer as
//! before from a private copy of the database, or from the newest backup, and
//! say which; `import` and `run` are refused saying why; nothing in the
//! directory changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, WEEKLY_MEETING, spawn_app, spawn_app_with, stderr, stdout};

/// The commands that only read, each with arguments whose answer depends on the log.
const READS: &[&[&str]] = &[
    &["export"],
    &["history", "デッドロック", "--format", "json"],
    &["history", "--format", "json"],
    &[
        "plan",
        "--from",
        "2024-05-01",
        "--weeks",
        "6",
        "--format",
        "json",
    ],
    &["stats", "--format", "json"],
];

fn sample_document() -> Value {
    json!({"format": "weekly-postmortem/v1",
        "sessions": [{"meeting": "weekly", "date": "2024-05-15", "status": "held",
                      "facilitator": "sato", "notes": "監視ダッシュボードを一緒に見た",
                      "agenda": [{"title": "夜間バッチの遅延", "kind": "incident", "presenter": "tanaka"}],
                      "attendance": {"going": 7, "maybe": 2, "not_going": 1, "present": 12}},
                     {"meeting": "weekly", "date": "2024-05-22", "status": "skipped", "reason": "cancelled",
                      "agenda": []}],
        "postmortems": [{"meeting": "weekly", "date": "2024-05-15", "title": "Nightly batch deadlock",
                         "impact": "注文の反映が2時間遅れた", "actions_taken": "ロックを解放して再実行",
                         "root_cause": "夜間バッチでデッドロックが発生", "prevention": "ロック順序を統一",
                         "responders": ["tanaka"], "links": []}],
        "learnings": [{"meeting": "weekly", "date": "2024-05-15", "text": "デッドロックはロック順序で防ぐ",
                       "tags": ["db"], "author": "tanaka"}]})
}

fn import_sample(app: &TestApp) {
    let path = app.dir.path().join("sample.json");
    std::fs::write(&path, serde_json::to_vec(&sample_document()).unwrap()).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Each read command's stdout, which must not change when the directory becomes read-only.
fn answers(app: &TestApp) -> Vec<String> {
    READS
        .iter()
        .map(|args| {
            let output = app.run(args);
            assert!(output.status.success(), "{args:?}: {}", stderr(&output));
            stdout(&output)
        })
        .collect()
}

/// Every file under `dir` with its bytes, and every directory, by relative path.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().to_path_buf();
            if path.is_dir() {
                found.insert(relative, None);
                pending.push(path);
            } else {
                found.insert(relative, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    found
}

/// `dir` made unwritable: `chmod -R a-w`, or for root (whom permissions do
/// not stop) a read-only bind mount of it on itself. Undone when dropped.
struct ReadOnly {
    dir: PathBuf,
    mounted: bool,
}

impl ReadOnly {
    fn make(dir: &Path) -> Option<Self> {
        let run = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success())
        };
        let mut made = Self {
            dir: dir.to_path_buf(),
            mounted: false,
        };
        assert!(run("chmod", &["-R", "a-w"]));
        if !writable(dir) {
            return Some(made);
        }
        // Root: permissions do not apply; a read-only mount does.
        if run("mount", &["--bind", dir.to_str().unwrap()]) {
            made.mounted = true;
            if run("mount", &["-o", "remount,bind,ro"]) && !writable(dir) {
                return Some(made);
            }
        }
        None
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
        // So that the temp dir can be removed.
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(&self.dir)
            .status();
    }
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join("write-probe");
    let wrote = std::fs::write(&probe, b"x").is_ok();
    let _ = std::fs::remove_file(&probe);
    wrote
}

const SKIPPED: &str = "skipped: cannot make a directory read-only for this process (not root, so chmod should have; or root without mount permission, CAP_SYS_ADMIN); CI runs this test as root";

#[test]
fn read_commands_answer_from_a_copy_of_a_read_only_database_and_nothing_in_it_changes() {
    let app = spawn_app();
    import_sample(&app);
    let expected = answers(&app);
    assert!(
        expected[1].contains("Nightly batch deadlock"),
        "{}",
        expected[1]
    );
    let state_dir = app.state_dir();
    let before = contents(&state_dir);
    let Some(_read_only) = ReadOnly::make(&state_dir) else {
        eprintln!("{SKIPPED}");
        return;
    };

    for (args, expected) in READS.iter().zip(&expected) {
        let output = app.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_eq!(&stdout(&output), expected, "{args:?}");
        // `history` reads the current search file, which needs no copy.
        let copied = stderr(&output).contains("に書き込めないため")
            && stderr(&output).contains("データベースの一時コピーから読み取ります");
        assert_eq!(
            copied,
            args[0] != "history",
            "{args:?}: {}",
            stderr(&output)
        );
    }

    let refused = app.run(&[
        "import",
        app.dir.path().join("sample.json").to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains(&format!(
            "状態ディレクトリ {} は読み取り専用です",
            state_dir.display()
        )),
        "{}",
        stderr(&refused)
    );
    assert!(!stderr(&refused).contains("panicked"));

    let daemon = app
        .command()
        .arg("run")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(daemon.status.code(), Some(2), "{}", stderr(&daemon));
    assert!(
        stderr(&daemon).contains("cannot write there"),
        "{}",
        stderr(&daemon)
    );

    assert!(
        contents(&state_dir) == before,
        "the state directory changed"
    );
}

#[test]
fn without_a_readable_database_the_newest_backup_is_read_and_its_date_named() {
    let app = spawn_app_with(&format!(
        "[daemon]\nlanguage = \"en\"\nlisten = \"127.0.0.1:0\"\nholiday_refresh = false\n{WEEKLY_MEETING}"
    ));
    import_sample(&app);
    let expected = answers(&app);
    // A restored backup: the daily exports, no database.
    let state_dir = app.state_dir();
    let backups = state_dir.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    std::fs::write(
        backups.join("export-2026-11-20.json"),
        r#"{"format": "weekly-postmortem/v1"}"#,
    )
    .unwrap();
    let newest = backups.join("export-2026-11-28.json");
    let written = app.run(&["export", "--output", newest.to_str().unwrap()]);
    assert!(written.status.success(), "{}", stderr(&written));
    std::fs::remove_dir_all(state_dir.join("db")).unwrap();
    let before = contents(&state_dir);
    let Some(_read_only) = ReadOnly::make(&state_dir) else {
        eprintln!("{SKIPPED}");
        return;
    };

    for (args, expected) in READS.iter().zip(&expected) {
        let output = app.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_eq!(&stdout(&output), expected, "{args:?}");
        assert!(
            stderr(&output).contains(&format!(
                "reading the newest backup {} (made on 2026-11-28)",
                newest.display()
            )),
            "{args:?}: {}",
            stderr(&output)
        );
    }

    let refused = app.run(&[
        "import",
        app.dir.path().join("sample.json").to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("is read-only"),
        "{}",
        stderr(&refused)
    );
    assert!(
        contents(&state_dir) == before,
        "the state directory changed"
    );
}
