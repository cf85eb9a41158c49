//! Fuzz targets for the inputs of hardening round three, on the harness of
//! [`crate::fuzz`]: alert hook texts (labels, annotations, links, group keys)
//! full of control characters, and the paths `export --output` is given
//! (chains of links ending in files, directories, devices, FIFOs or nothing).

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::json;

use weekly_postmortem::app::incidents;
use weekly_postmortem::config::Config;

use crate::fuzz::{cases, fail, fuzz, run_binary};
use crate::helpers::{WEEKLY_MEETING, daemon_section, spawn_app};

/// Short texts from pieces that break terminals and pages, and ones that do not.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = select(vec![
        "\u{1b}]0;PWNED\u{7}",
        "\u{1b}[2J",
        "\u{9b}31m",
        "\u{0}",
        "\r",
        "\n",
        "\t",
        "\u{7f}",
        "\u{85}",
        "disk",
        "ディスク",
        "満杯",
        " ",
        "=",
        "{",
        "\"",
        "💥",
    ]);
    vec(pieces, 0..6).prop_map(|parts| parts.concat())
}

fn allowed(text: &str, multiline: bool) -> bool {
    text.chars()
        .all(|c| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t')))
}

#[test]
fn fuzz_alert_hook_texts_are_stored_without_control_characters() {
    let config = Config::parse(
        Path::new("/etc/weekly-postmortem/config.toml"),
        &format!(
            "{}{WEEKLY_MEETING}\n[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"T\"\n",
            daemon_section("")
        ),
    )
    .unwrap();
    let alerts = config.alerts.clone().unwrap();
    let texts = vec(hostile_text(), 9);
    fuzz("hook-texts", cases(300), 32, texts, |t| {
        let body = json!({"version": "4", "groupKey": format!("k{}", t[0]), "status": "firing",
            "groupLabels": {t[1].clone(): t[2].clone()},
            "commonAnnotations": {"summary": t[3].clone()},
            "alerts": [{"status": "firing", "labels": {"alertname": t[4].clone(), t[5].clone(): t[6].clone()},
                "annotations": {"description": t[7].clone()},
                "startsAt": "2026-11-27T01:00:00Z", "generatorURL": t[8].clone(),
                "fingerprint": format!("f{}", t[0])}]})
        .to_string();
        let Ok(notification) = incidents::parse(body.as_bytes()) else {
            return Ok(());
        };
        let Ok(groups) = incidents::episodes_by_group(notification, &alerts) else {
            return Ok(());
        };
        for (group, episodes) in &groups {
            let mut one_line: Vec<&str> = vec![&group.key];
            one_line.extend(group.summary.as_deref());
            one_line.extend(
                group
                    .labels
                    .iter()
                    .flat_map(|(k, v)| [k.as_str(), v.as_str()]),
            );
            for episode in episodes {
                one_line.push(&episode.fingerprint);
                one_line.extend(
                    episode
                        .labels
                        .iter()
                        .flat_map(|(k, v)| [k.as_str(), v.as_str()]),
                );
                one_line.extend(episode.annotations.keys().map(String::as_str));
                one_line.extend(episode.links.iter().map(String::as_str));
                for text in episode.annotations.values() {
                    if !allowed(text, true) {
                        return Err(fail(
                            "hook-texts",
                            body.as_bytes(),
                            format!("annotation {text:?}"),
                        ));
                    }
                }
            }
            if let Some(text) = one_line.iter().find(|t| !allowed(t, false)) {
                return Err(fail(
                    "hook-texts",
                    body.as_bytes(),
                    format!("kept {text:?}"),
                ));
            }
        }
        Ok(())
    });
}

/// Where a chain of links (or the path itself) ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    Nothing,
    File,
    Directory,
    DevNull,
    DevFull,
    FifoWithReader,
    FifoWithoutReader,
    Dangling,
}

fn end() -> impl Strategy<Value = End> {
    select(vec![
        End::Nothing,
        End::File,
        End::Directory,
        End::DevNull,
        End::DevFull,
        End::FifoWithReader,
        End::FifoWithoutReader,
        End::Dangling,
    ])
}

/// Builds the end and `hops` links in front of it in `dir`; returns the path to
/// give and the end's path.
fn build(dir: &Path, hops: usize, end: End) -> (PathBuf, PathBuf) {
    let target = match end {
        End::Nothing => dir.join("new.json"),
        End::File => {
            std::fs::write(dir.join("old.json"), "old").unwrap();
            dir.join("old.json")
        }
        End::Directory => {
            std::fs::create_dir(dir.join("folder")).unwrap();
            dir.join("folder")
        }
        End::DevNull => PathBuf::from("/dev/null"),
        End::DevFull => PathBuf::from("/dev/full"),
        End::FifoWithReader | End::FifoWithoutReader => {
            let fifo = dir.join("pipe");
            let made = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap();
            assert!(made.success());
            fifo
        }
        End::Dangling => dir.join("gone/nowhere.json"),
    };
    let mut path = target.clone();
    for hop in 0..hops {
        let link = dir.join(format!("link{hop}"));
        std::os::unix::fs::symlink(&path, &link).unwrap();
        path = link;
    }
    (path, target)
}

#[test]
fn fuzz_export_output_paths_never_replace_a_link_a_device_or_a_directory() {
    let app = spawn_app();
    let shapes = (0usize..4, end());
    fuzz("output-paths", cases(40), 8, shapes, |(hops, end)| {
        let scratch = tempfile::tempdir_in(app.dir.path()).unwrap();
        let (path, target) = build(scratch.path(), hops, end);
        let reader = (end == End::FifoWithReader).then(|| {
            let fifo = target.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        });
        let input = format!("{hops} link(s) to {end:?}");
        let run = run_binary(&app, &["export", "--output", path.to_str().unwrap()])
            .map_err(|why| fail("output-paths", input.as_bytes(), why))?;
        let read = reader.map(|r| r.join().unwrap());
        let broken = |why: String| Err(fail("output-paths", input.as_bytes(), why));
        // Every link is still a link to what it pointed at.
        for hop in 0..hops {
            let link = scratch.path().join(format!("link{hop}"));
            if !std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
            {
                return broken(format!("{} is no longer a link", link.display()));
            }
        }
        let kind = std::fs::symlink_metadata(&target).map(|m| m.file_type());
        let kept = match end {
            End::DevNull | End::DevFull => kind.as_ref().is_ok_and(|k| k.is_char_device()),
            End::Directory => kind.as_ref().is_ok_and(|k| k.is_dir()),
            End::FifoWithReader | End::FifoWithoutReader => {
                kind.as_ref().is_ok_and(|k| k.is_fifo())
            }
            End::Dangling => kind.is_err(),
            End::Nothing | End::File => run.code != 0 || kind.as_ref().is_ok_and(|k| k.is_file()),
        };
        if !kept {
            return broken(format!("{} changed: {kind:?}", target.display()));
        }
        let expected_ok = matches!(
            end,
            End::Nothing | End::File | End::DevNull | End::FifoWithReader
        );
        if (run.code == 0) != expected_ok {
            return broken(format!("exit {}: {}", run.code, run.stderr));
        }
        let written = match end {
            End::Nothing | End::File => std::fs::read(&target).unwrap(),
            End::FifoWithReader => read.unwrap(),
            _ => return Ok(()),
        };
        match serde_json::from_slice::<serde_json::Value>(&written) {
            Ok(document) if document["format"] == "weekly-postmortem/v1" => Ok(()),
            _ => broken(format!("{} does not hold the export", target.display())),
        }
    });
}
