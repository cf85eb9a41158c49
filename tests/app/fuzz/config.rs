//! Fuzzed config files: the real keys with valid and hostile values, parsed in process
//! and checked by `check-config` through the binary.

use super::*;

// ---------------------------------------------------------------------------------------
// Structured config files: the real keys with valid and hostile values
// ---------------------------------------------------------------------------------------

pub(super) const TOML_NASTY: &[&str] = &[
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

pub(super) const DAEMON_KEYS: Keys = &[
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

pub(super) const MEETING_KEYS: Keys = &[
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

pub(super) const REMINDER_KEYS: Keys = &[
    ("call_for_topics_days_before", &["2", "0", "6", "7", "400"]),
    ("call_for_topics_time", &["\"12:00\"", "\"25:00\""]),
    (
        "announcement_time",
        &["\"10:00\"", "\"17:30\"", "\"23:59\""],
    ),
];

pub(super) const GOOGLE_KEYS: Keys = &[
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

pub(super) const DISCORD_KEYS: Keys = &[
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

pub(super) fn config_text() -> impl Strategy<Value = String> {
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
