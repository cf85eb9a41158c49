//! Unit tests of the config module, beside it so the module itself stays short.

use super::*;

const VALID: &str = r#"
[daemon]
state_dir = "./state"
listen = "127.0.0.1:8754"
language = "en"

[[meeting]]
id = "weekly"
title = "週刊ポストモーテム"
timezone = "Asia/Tokyo"
weekday = "wednesday"
start_time = "17:00"
duration_minutes = 60
first_session = "2019-02-06"
skip_japanese_holidays = true
skip_dates = ["2026-12-30"]
"#;

fn error_of(text: &str) -> String {
    Config::parse(Path::new("/etc/wp/config.toml"), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn the_contract_keys_parse() {
    let config = Config::parse(Path::new("/etc/wp/config.toml"), VALID).unwrap();
    assert_eq!(config.daemon.state_dir, Path::new("/etc/wp/state"));
    assert_eq!(config.meetings[0].rule.weekday, Weekday::Wed);
    assert_eq!(config.meetings[0].rule.duration, TimeDelta::minutes(60));
}

#[test]
fn a_bad_start_time_names_file_line_and_key() {
    let err = error_of(&VALID.replace("\"17:00\"", "\"25:00\""));
    assert_eq!(
        err,
        "/etc/wp/config.toml:12: key `meeting[0].start_time`: expected a time as HH:MM from 00:00 to 23:59, got \"25:00\""
    );
}

#[test]
fn a_first_session_outside_1970_to_2100_names_file_line_and_key() {
    let err = error_of(&VALID.replace("\"2019-02-06\"", "\"9999-12-29\""));
    assert_eq!(
        err,
        "/etc/wp/config.toml:14: key `meeting[0].first_session`: expected a date in the years 1970 to 2100, got 9999-12-29"
    );
    let err = error_of(&VALID.replace("\"2019-02-06\"", "\"1969-12-31\""));
    assert!(err.contains("meeting[0].first_session"), "{err}");
}

#[test]
fn the_cache_size_defaults_to_16_mib_and_out_of_range_is_refused_with_its_line() {
    let config = Config::parse(Path::new("/etc/wp/config.toml"), VALID).unwrap();
    assert_eq!(config.daemon.cache_mib.get(), 16);
    let with = |value: &str| {
        VALID.replace(
            "language = \"en\"",
            &format!("language = \"en\"\ncache_mib = {value}"),
        )
    };
    let config = Config::parse(Path::new("/etc/wp/config.toml"), &with("64")).unwrap();
    assert_eq!(config.daemon.cache_mib.get(), 64);
    for bad in ["0", "4097", "-1"] {
        assert_eq!(
            error_of(&with(bad)),
            format!(
                "/etc/wp/config.toml:6: key `daemon.cache_mib`: expected a cache size in MiB from 1 to 4096, got {bad}"
            )
        );
    }
}

#[test]
fn only_a_loopback_listen_address_is_accepted() {
    let with = |value: &str| VALID.replace("\"127.0.0.1:8754\"", &format!("\"{value}\""));
    for good in ["127.0.0.1:0", "127.0.0.2:8754", "[::1]:8754"] {
        let config = Config::parse(Path::new("/etc/wp/config.toml"), &with(good)).unwrap();
        assert_eq!(config.daemon.listen, good.parse().unwrap());
    }
    for bad in ["0.0.0.0:8754", "[::]:8754", "192.168.1.5:80"] {
        let err = error_of(&with(bad));
        assert!(
            err.starts_with("/etc/wp/config.toml:4: key `daemon.listen`: "),
            "{err}"
        );
        assert!(err.contains("can be reached from other machines"), "{err}");
    }
    let err = error_of(&with("localhost"));
    assert!(err.contains("expected an address and port"), "{err}");
}

#[test]
fn an_error_inside_a_dashboard_names_its_key_without_toml_internals() {
    let err = error_of(&format!(
        "{VALID}dashboards = [{{name = \"Grafana\", url = \"https://grafana.example\", colour = 1}}]\n"
    ));
    assert!(
        err.contains("key `meeting[0].dashboards[0].colour`: unknown field"),
        "{err}"
    );
    assert!(!err.contains("serde_spanned"), "{err}");
}

#[test]
fn unknown_keys_zones_and_weekdays_are_rejected() {
    let err = error_of(&VALID.replace("language = \"en\"", "language = \"en\"\ncolour = 1"));
    assert!(err.starts_with("/etc/wp/config.toml:6: "), "{err}");
    assert!(err.contains("unknown field `colour`"), "{err}");
    let err = error_of(&VALID.replace("Asia/Tokyo", "Asia/Osaka"));
    assert!(
        err.contains("key `meeting[0].timezone`: expected an IANA time zone"),
        "{err}"
    );
    let err = error_of(&VALID.replace("wednesday", "wensday"));
    assert!(err.contains(":11: key `meeting[0].weekday`"), "{err}");
}

#[test]
fn roster_names_team_title_and_dashboards_meet_the_records_text_rule() {
    let with = |extra: &str| VALID.replace("skip_dates", &format!("{extra}\nskip_dates"));
    let cases = [
        (
            with(r#"facilitators = ["sato", "tana\u0007ka"]"#),
            ":16: key `meeting[0].facilitators[1]`: contains the control character U+0007; remove it",
        ),
        (
            with(r#"facilitators = ["sato", "  "]"#),
            ":16: key `meeting[0].facilitators[1]`: is empty",
        ),
        (
            with(r#"facilitators = [""]"#),
            ":16: key `meeting[0].facilitators[0]`: is empty",
        ),
        (
            with(&format!("team = \"{}\"", "S".repeat(101))),
            ":16: key `meeting[0].team`: is 101 characters long; the limit is 100",
        ),
        (
            VALID.replace("週刊ポストモーテム", "週刊\\u0000"),
            ":9: key `meeting[0].title`: contains the control character U+0000; remove it",
        ),
        (
            with(r#"dashboards = [{name = "API\tlatency", url = "https://g.example/d"}]"#),
            ":16: key `meeting[0].dashboards[0].name`: contains the control character U+0009",
        ),
    ];
    for (text, expected) in cases {
        let err = error_of(&text);
        assert!(err.starts_with("/etc/wp/config.toml:"), "{err}");
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    }
    let fine = with(
        r#"facilitators = ["佐藤", "tanaka"]
team = "SRE""#,
    );
    let config = Config::parse(Path::new("/etc/wp/config.toml"), &fine).unwrap();
    assert_eq!(config.meetings[0].facilitators, ["佐藤", "tanaka"]);
}

#[test]
fn closures_parse_and_bad_ones_name_file_line_and_key() {
    let with = |closures: &str| VALID.replace("skip_dates", &format!("{closures}\nskip_dates"));
    let fine = with(
        r#"closures = [{name = "年末年始", from = "12-29", until = "01-03"},
        {name = "閏日", from = "02-29", until = "02-29"}]"#,
    );
    let config = Config::parse(Path::new("/etc/wp/config.toml"), &fine).unwrap();
    let closures = &config.meetings[0].rule.closures;
    assert_eq!(closures.len(), 2);
    assert_eq!(closures[0].name, "年末年始");
    assert!(closures[0].contains("2027-01-02".parse().unwrap()));
    let cases = [
        (
            with(r#"closures = [{name = "x", from = "02-30", until = "03-01"}]"#),
            ":16: key `meeting[0].closures[0].from`: expected a month and day as MM-DD",
        ),
        (
            with(r#"closures = [{name = "", from = "08-13", until = "08-15"}]"#),
            ":16: key `meeting[0].closures[0].name`: is empty",
        ),
        (
            with(
                "closures = [{name = \"年末年始\", from = \"12-29\", until = \"01-03\"},\n{name = \"冬\", from = \"01-03\", until = \"01-10\"}]",
            ),
            ":17: key `meeting[0].closures[1]`: \"冬\" (01-03..01-10) overlaps closures[0] \"年末年始\" (12-29..01-03) on 01-03",
        ),
        (
            with(r#"closures = [{name = "x", from = "08-13"}]"#),
            "missing field `until`",
        ),
    ];
    for (text, expected) in cases {
        let err = error_of(&text);
        assert!(err.starts_with("/etc/wp/config.toml:"), "{err}");
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    }
}

#[test]
fn no_meetings_and_duplicate_ids_are_rejected() {
    let err = error_of("[daemon]\nlanguage = \"en\"\n");
    assert!(err.contains("no meeting configured"), "{err}");
    let twice = format!("{VALID}\n{}", &VALID[VALID.find("[[meeting]]").unwrap()..]);
    let err = error_of(&twice);
    assert!(
        err.contains(":19: key `meeting[1].id`: duplicate meeting id \"weekly\""),
        "{err}"
    );
}
