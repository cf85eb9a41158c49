//! `stats` through the binary: the text summary against the schedule `plan`
//! shows, the JSON, and the PNG decoded and checked for size and content.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, stderr, stdout};

fn sample_document() -> Value {
    json!({"format": "weekly-postmortem/v1",
        "sessions": [
            {"meeting": "weekly", "date": "2025-05-14", "status": "held",
             "agenda": [{"title": "オンコールの引き継ぎ", "kind": "topic"}],
             "attendance": {"going": 9, "maybe": 1, "not_going": 0, "present": 10}},
            {"meeting": "weekly", "date": "2026-06-17", "status": "skipped", "reason": "cancelled"},
            {"meeting": "weekly", "date": "2026-11-04", "status": "held",
             "agenda": [{"title": "証明書の期限切れ", "kind": "incident"},
                        {"title": "雑談", "kind": "other"}],
             "attendance": {"going": 4, "maybe": 3, "not_going": 2, "present": null}},
            {"meeting": "weekly", "date": "2026-11-11", "status": "held",
             "agenda": [{"title": "Open talk", "kind": "topic"}],
             "attendance": {"going": 6, "maybe": 2, "not_going": 1, "present": 7}},
            {"meeting": "weekly", "date": "2026-11-18", "status": "held",
             "agenda": [{"title": "DB failover", "kind": "incident", "presenter": "tanaka"},
                        {"title": "レイテンシのダッシュボード", "kind": "dashboard"}],
             "attendance": {"going": 0, "maybe": 0, "not_going": 0, "present": 5},
             "rsvps": {"sato": "going", "tanaka": "going", "suzuki": "maybe", "kato": "not_going"}}],
        "postmortems": [{"meeting": "weekly", "date": "2026-11-18", "title": "DB failover",
                         "impact": "書き込みが3分止まった", "responders": ["tanaka"]}],
        "learnings": [
            {"meeting": "weekly", "date": "2025-05-14", "text": "引き継ぎは文書で", "tags": ["監視", "db"]},
            {"meeting": "weekly", "date": "2026-11-04", "text": "期限を監視する", "tags": ["監視"]},
            {"meeting": "weekly", "date": "2026-11-18", "text": "Failover drills pay off", "tags": ["db", "network"]},
            {"meeting": "weekly", "date": "2026-11-18", "text": "Runbooks go stale", "tags": ["db"]}]})
}

fn import(app: &TestApp, document: &Value) {
    let path = app.dir.path().join("in.json");
    std::fs::write(&path, serde_json::to_vec_pretty(document).unwrap()).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Width, height and RGB(A) pixels of a PNG file.
fn decode_png(path: &Path) -> (u32, u32, usize, Vec<u8>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("the PNG exists"));
    let mut reader = png::Decoder::new(file).read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let frame = reader.next_frame(&mut pixels).expect("PNG image data");
    pixels.truncate(frame.buffer_size());
    let channels = frame.color_type.samples();
    (frame.width, frame.height, channels, pixels)
}

/// Asserts the chart has the documented size and is a drawing, not a blank page.
fn assert_is_a_chart(path: &Path, min_colours: usize, min_ink: f64) {
    let (width, height, channels, pixels) = decode_png(path);
    assert_eq!((width, height), (1200, 900));
    let pixels: Vec<&[u8]> = pixels.chunks(channels).collect();
    assert_eq!(pixels.len(), 1200 * 900);
    let colours: HashSet<&[u8]> = pixels.iter().copied().collect();
    assert!(
        colours.len() >= min_colours,
        "only {} distinct colours",
        colours.len()
    );
    let background = pixels[0];
    let ink = pixels.iter().filter(|p| **p != background).count() as f64 / pixels.len() as f64;
    assert!(
        ink >= min_ink,
        "only {:.1}% of the pixels are drawn",
        ink * 100.0
    );
}

/// Held and skipped weeks of a year as `plan --format json` reports them, as the summary line.
fn plan_line(app: &TestApp, year: i32) -> String {
    let until = if year == 2026 {
        "2026-11-29".to_string() // FIXED_NOW: stats counts up to today
    } else {
        format!("{year}-12-31")
    };
    let plan = app.json(&[
        "plan",
        "--from",
        &format!("{year}-01-01"),
        "--until",
        &until,
        "--format",
        "json",
    ]);
    let entries = plan.as_array().unwrap();
    let count = |f: &dyn Fn(&Value) -> bool| entries.iter().filter(|e| f(e)).count();
    format!(
        "{year}年: 開催 {} 回、休み {} 回（祝日 {}、会社の休業日 {}、中止 {}）",
        count(&|e| e["status"] == "held"),
        count(&|e| e["status"] == "skipped"),
        count(&|e| e["reason"] == "holiday"),
        count(&|e| e["reason"] == "skip_date"),
        count(&|e| e["reason"] == "cancelled"),
    )
}

#[test]
fn stats_summarise_the_schedule_and_the_log_and_draw_a_chart() {
    let app = spawn_app();
    import(&app, &sample_document());
    let chart = app.dir.path().join("out.png");
    let started = std::time::Instant::now();
    let output = app.run(&["stats", "--png", chart.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();

    assert_eq!(
        lines[0],
        "「週刊ポストモーテム」(weekly) の統計（2026年11月29日(日)まで）"
    );
    // 2025 begins on a Wednesday, New Year's Day; 2026 counts up to "now"
    // (11-29): 47 Wednesdays, holidays on 02-11, 04-29, 05-06, 09-23, one cancellation.
    assert!(
        lines.contains(&"2025年: 開催 52 回、休み 1 回（祝日 1、会社の休業日 0、中止 0）"),
        "{text}"
    );
    assert!(
        lines.contains(&"2026年: 開催 42 回、休み 5 回（祝日 4、会社の休業日 0、中止 1）"),
        "{text}"
    );
    // Every year from the first session matches what `plan` says about it.
    for year in 2019..=2026 {
        let expected = plan_line(&app, year);
        assert!(lines.contains(&expected.as_str()), "{expected}\n{text}");
    }
    assert!(!text.contains("2027年:"), "{text}");
    for expected in [
        "議題: インシデント 2、ダッシュボード 1、話題 2、その他 1（計 6 件）",
        "よく使われたタグ: db 3、監視 2、network 1",
        "記録のある会: 4 回（出欠の記録 4 回、参加者数の記録 3 回。記録のない会は 0 ではなく空白として扱います）",
        "ポストモーテム: 1 件、学び: 4 件",
        &format!("グラフ: {}（1200x900 の PNG）", chart.display()),
    ] {
        assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
    }

    assert_is_a_chart(&chart, 64, 0.08);
    assert!(
        !app.dir.path().join("out.partial").exists(),
        "written atomically"
    );
}

#[test]
fn stats_json_is_the_stats_value_and_stdout_stays_json_with_a_chart() {
    let app = spawn_app();
    import(&app, &sample_document());
    let chart = app.dir.path().join("chart.png");
    let output = app.run(&[
        "stats",
        "--meeting",
        "weekly",
        "--format",
        "json",
        "--png",
        chart.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stats: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert!(stderr(&output).contains("グラフ: "), "{}", stderr(&output));
    assert_eq!(stats["meeting"], "weekly");
    assert_eq!(stats["until"], "2026-11-29");
    assert_eq!(stats["years"][0]["year"], 2019);
    let y2026 = stats["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2026)
        .unwrap();
    assert_eq!(
        y2026["skipped_by"],
        json!({"holiday": 4, "skip_date": 0, "cancelled": 1})
    );
    assert_eq!(
        y2026["agenda"],
        json!({"incident": 2, "dashboard": 1, "topic": 1, "other": 1})
    );
    let sessions = stats["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 4);
    let latest = &sessions[3];
    assert_eq!(latest["date"], "2026-11-18");
    // People's answers replace the imported counts.
    assert_eq!(
        (
            &latest["going"],
            &latest["maybe"],
            &latest["not_going"],
            &latest["present"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(5))
    );
    let plan = app.json(&[
        "plan",
        "--from",
        "2026-11-18",
        "--weeks",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(latest["number"], plan[0]["number"], "the schedule's number");
    assert_eq!(sessions[1]["present"], Value::Null);
    assert_eq!(stats["top_tags"][0], json!({"tag": "db", "count": 3}));
    assert_eq!(stats["postmortems"], 1);
    assert_eq!(stats["sessions_left_out"], 0);
    assert_is_a_chart(&chart, 64, 0.08);
}

#[test]
fn stats_on_an_empty_log_still_count_the_schedule_and_draw_a_valid_chart() {
    let app = spawn_app();
    let chart = app.dir.path().join("empty.png");
    let output = app.run(&["stats", "--png", chart.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "2026年: 開催 43 回、休み 4 回（祝日 4、会社の休業日 0、中止 0）",
        "議題: インシデント 0、ダッシュボード 0、話題 0、その他 0（計 0 件）",
        "よく使われたタグ: なし",
        "記録のある会: 0 回（出欠の記録 0 回、参加者数の記録 0 回。記録のない会は 0 ではなく空白として扱います）",
        "ポストモーテム: 0 件、学び: 0 件",
    ] {
        assert!(text.lines().any(|l| l == expected), "{expected}\n{text}");
    }
    // Titles, "no sessions yet" notes and the year bars: fewer colours, still drawn.
    assert_is_a_chart(&chart, 16, 0.03);
    assert!(
        !app.state_dir().exists(),
        "reading stats creates no database"
    );
}

#[test]
fn stats_refuse_an_unknown_meeting() {
    let app = spawn_app();
    let output = app.run(&["stats", "--meeting", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("id が \"nope\" のミーティングはありません"),
        "{}",
        stderr(&output)
    );
}
