//! Bad input: one clear line, exit code 2, never a panic.

use crate::helpers::{WEEKLY_MEETING, spawn_app, spawn_app_with, stderr, stdout};

fn assert_rejected(config: &str, args: &[&str], expected: &str) {
    let app = spawn_app_with(config);
    let output = app.run(args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The same config with `language = "en"`: its errors are in English, the
/// lines unchanged (a `[daemon]` table is added at the end if it has none).
fn in_english(config: &str) -> String {
    if config.contains("language = \"en\"") {
        config.to_string()
    } else if config.contains("language = \"ja\"") {
        config.replace("language = \"ja\"", "language = \"en\"")
    } else {
        format!("{config}\n[daemon]\nlanguage = \"en\"\n")
    }
}

#[test]
fn bad_config_values_are_named_with_their_line_and_key() {
    let cases = [
        (
            WEEKLY_MEETING.replace("\"17:00\"", "\"25:00\""),
            ":7: key `meeting[0].start_time`: expected a time as HH:MM",
        ),
        (
            WEEKLY_MEETING.replace("Asia/Tokyo", "Mars/Olympus"),
            ":5: key `meeting[0].timezone`: expected an IANA time zone",
        ),
        (
            WEEKLY_MEETING.replace("wednesday", "caturday"),
            ":6: key `meeting[0].weekday`: expected one of monday..sunday",
        ),
        (
            format!("{WEEKLY_MEETING}\nvenue = \"room 1\"\n"),
            "unknown field `venue`",
        ),
        (
            "[daemon]\nlanguage = \"en\"\n".to_string(),
            "no meeting configured",
        ),
        (
            format!("{WEEKLY_MEETING}{WEEKLY_MEETING}"),
            "duplicate meeting id \"weekly\"",
        ),
        (
            WEEKLY_MEETING.replace("duration_minutes = 60", "duration_minutes = 0"),
            "key `meeting[0].duration_minutes`",
        ),
    ];
    for (config, expected) in cases {
        let config = in_english(&config);
        assert_rejected(&config, &["check-config"], expected);
        assert_rejected(&config, &["plan"], expected);
    }
}

#[test]
fn config_errors_are_in_japanese_unless_the_file_says_english() {
    let cases = [
        (
            WEEKLY_MEETING.replace("\"17:00\"", "\"25:00\""),
            "エラー: ",
            ":7: キー `meeting[0].start_time`: 時刻は 00:00 から 23:59 までの HH:MM で指定してください（`25:00` と書かれています）",
        ),
        (
            WEEKLY_MEETING.replace("wednesday", "caturday"),
            "エラー: ",
            ":6: キー `meeting[0].weekday`: 曜日は `monday` から `sunday` のどれかで指定してください",
        ),
        (
            format!("{WEEKLY_MEETING}\nvenue = \"room 1\"\n"),
            "エラー: ",
            "キー `meeting[0].venue`: `venue` というキーはありません。書けるキー: `id`, `title`",
        ),
        (
            format!("{WEEKLY_MEETING}{WEEKLY_MEETING}"),
            "エラー: ",
            ":14: キー `meeting[1].id`: ミーティングの id `weekly` が重複しています",
        ),
        // Not a language this program speaks: Japanese, naming the key.
        (
            "[daemon]\nlanguage = \"fr\"\n".to_string(),
            "エラー: ",
            ":2: キー `daemon.language`: `fr` は指定できません。指定できる値: `ja`, `en`",
        ),
        // Not TOML at all: the language cannot be read, so Japanese.
        (
            format!("[daemon\nlanguage = \"en\"\n{WEEKLY_MEETING}"),
            "エラー: ",
            ":1: TOML として読めません",
        ),
        // The file says English: the same error in English, the prefix too.
        (
            in_english(&WEEKLY_MEETING.replace("\"17:00\"", "\"25:00\"")),
            "error: ",
            ":7: key `meeting[0].start_time`: expected a time as HH:MM",
        ),
    ];
    for (config, prefix, expected) in cases {
        for args in [&["check-config"][..], &["plan"], &["run"]] {
            assert_rejected(&config, args, expected);
            let app = spawn_app_with(&config);
            let err = stderr(&app.run(args));
            assert!(err.starts_with(prefix), "{args:?}: {err}");
            let path = app.config_path.display().to_string();
            assert!(err.contains(&format!("{path}:")), "{args:?}: {err}");
            if prefix == "エラー: " {
                crate::no_english::assert_japanese(
                    &format!("{args:?}"),
                    &err.replace(&path, ""),
                    &["caturday", "venue", "room", "fr"],
                );
            }
        }
    }
}

#[test]
fn bad_plan_ranges_are_usage_errors() {
    let config = WEEKLY_MEETING;
    assert_rejected(
        config,
        &["plan", "--from", "2027-01-01", "--until", "2026-01-01"],
        "--from 2027-01-01 が --until 2026-01-01 より後です",
    );
    assert_rejected(
        config,
        &["plan", "--from", "1955-01-01", "--until", "2100-12-31"],
        "--from 1955-01-01: 1955-01-01 は範囲外です。今日から前後10年以内の日付を指定してください",
    );
    assert_rejected(
        config,
        &["plan", "--meeting", "nope"],
        "id が \"nope\" のミーティングはありません。設定にあるもの: weekly",
    );
    let app = spawn_app();
    assert_eq!(
        app.run(&["plan", "--from", "2026-13-01"]).status.code(),
        Some(2)
    );
    assert_eq!(app.run(&["plan", "--weeks", "0"]).status.code(), Some(2));
}

#[test]
fn a_missing_config_file_says_which_file() {
    let output = assert_cmd::Command::cargo_bin("weekly-postmortem")
        .unwrap()
        .env("WEEKLY_POSTMORTEM_CONFIG", "/nonexistent/wp.toml")
        .arg("plan")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("/nonexistent/wp.toml: 設定ファイルを読み取れません: ファイルがありません"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_config_summarises_what_it_understood() {
    let app = spawn_app();
    let output = app.run(&["check-config"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains(": OK"), "{text}");
    assert!(
        text.contains(
            "ミーティング \"weekly\"「週刊ポストモーテム」: 毎週水曜 17:00（Asia/Tokyo）、60分、初回 2019年2月6日(水)"
        ),
        "{text}"
    );
    assert!(text.contains("次回 2026年12月2日(水)（第393回）"), "{text}");
    assert!(
        text.contains("アラートの受け口: 無効") && text.contains("ウェブのアーカイブ: 127.0.0.1:0"),
        "{text}"
    );
}

#[test]
fn every_subcommand_has_help() {
    let app = spawn_app();
    for sub in [
        "plan",
        "run",
        "check-config",
        "history",
        "stats",
        "import",
        "export",
        "sync",
        "suggest-slot",
        "auth",
    ] {
        let output = app.run(&[sub, "--help"]);
        assert_eq!(output.status.code(), Some(0), "{sub}");
        assert!(stdout(&output).contains("Usage:"), "{sub}");
    }
}

#[test]
fn roster_names_with_control_characters_or_empty_are_refused_by_check_config_and_run() {
    let with = |extra: &str| {
        format!(
            "{}{}",
            crate::helpers::daemon_section(""),
            WEEKLY_MEETING.replace("skip_dates", &format!("{extra}\nskip_dates"))
        )
    };
    let cases = [
        (
            with(r#"facilitators = ["sato", "tana\u0007ka"]"#),
            ":16: key `meeting[0].facilitators[1]`: contains the control character U+0007; remove it",
        ),
        (
            with(r#"facilitators = ["sato", ""]"#),
            ":16: key `meeting[0].facilitators[1]`: is empty",
        ),
        (
            with(&format!("team = \"{}\"", "S".repeat(1_000))),
            ":16: key `meeting[0].team`: is 1000 characters long; the limit is 100",
        ),
    ];
    for (config, expected) in cases {
        let config = in_english(&config);
        assert_rejected(&config, &["check-config"], expected);
        // `run` refuses it before it opens anything: no daemon starts.
        assert_rejected(&config, &["run"], expected);
    }
    assert_rejected(
        &with(r#"facilitators = ["sato", ""]"#),
        &["check-config"],
        ":16: キー `meeting[0].facilitators[1]`: 空です",
    );
}

/// Two people, a second meeting, and `extra` lines at the end of the second meeting.
fn people_config(extra: &str) -> String {
    format!(
        r#"{}{}
[[person]]
name = "sato"
display = "佐藤"
discord_id = "123456789012345678"
email = "sato@example.com"
team = "SRE"

[[person]]
name = "tanaka"
discord_id = 223456789012345678
email = "tanaka@example.com"
team = "CloudLog"

[[meeting]]
id = "cloudlog"
title = "CloudLog ふりかえり"
weekday = "thursday"
start_time = "16:00"
first_session = "2024-01-04"
facilitators = ["tanaka", "yamada"]
{extra}
"#,
        crate::helpers::daemon_section(""),
        WEEKLY_MEETING
    )
}

#[test]
fn bad_people_and_per_meeting_settings_are_refused_by_check_config_and_run() {
    let cases = [
        (
            people_config("").replace("name = \"tanaka\"", "name = \"sato\""),
            ":26: key `person[1].name`: person[0] is already named \"sato\": each [[person]] needs its own name",
        ),
        (
            people_config("").replace("223456789012345678", "123456789012345678"),
            ":27: key `person[1].discord_id`: person[0] (\"sato\") already has the Discord id 123456789012345678",
        ),
        (
            people_config("").replace("tanaka@example.com", "tanaka(at)example.com"),
            ":28: key `person[1].email`: expected an email address such as \"sato@example.com\", got \"tanaka(at)example.com\"",
        ),
        (
            people_config("").replace("[\"tanaka\", \"yamada\"]", "[\"tanaka\", \"satou\"]"),
            ":37: key `meeting[1].facilitators[1]`: no [[person]] is named \"satou\"; did you mean \"sato\"?",
        ),
        (
            people_config("discord_voice_channel_id = \"#voice\""),
            ":38: key `meeting[1].discord_voice_channel_id`: expected a Discord id",
        ),
        (
            people_config("discord_facilitator_role_id = 0"),
            ":38: key `meeting[1].discord_facilitator_role_id`: expected a Discord id",
        ),
        (
            people_config("share_history_with = [\"weekyl\"]"),
            ":38: key `meeting[1].share_history_with[0]`: no meeting has the id \"weekyl\"; did you mean \"weekly\"? the meetings are weekly, cloudlog",
        ),
        (
            people_config("google_attendees = [\"tanaka\", \"sre-all@\"]"),
            ":38: key `meeting[1].google_attendees[1]`: expected an email address",
        ),
    ];
    for (config, expected) in cases {
        let config = in_english(&config);
        assert_rejected(&config, &["check-config"], expected);
        assert_rejected(&config, &["run"], expected);
    }
    assert_rejected(
        &people_config("share_history_with = [\"weekyl\"]"),
        &["check-config"],
        ":38: キー `meeting[1].share_history_with[0]`: id が `weekyl` のミーティングはありません。`weekly` のことですか？ 設定にあるもの: weekly, cloudlog",
    );
}

#[test]
fn a_facilitator_without_a_person_entry_is_accepted_with_a_warning() {
    let app = spawn_app_with(&people_config(
        "discord_voice_channel_id = 555\nshare_history_with = [\"weekly\"]\ngoogle_attendees = [\"tanaka\"]",
    ));
    let output = app.run(&["check-config"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let warning = stderr(&output);
    assert_eq!(
        warning.trim_end(),
        "警告: meeting \"cloudlog\" のファシリテーター \"yamada\" には [[person]] がありません。この人の代わりに操作できるのはファシリテーターロールの人だけです"
    );
    let text = stdout(&output);
    assert!(
        text.contains(
            "  個別の設定: ボイスチャンネル 555; 招待者 tanaka@example.com; 履歴を共有: weekly\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("メンバー: 2 人（チーム 2: SRE, CloudLog）"),
        "{text}"
    );
}
