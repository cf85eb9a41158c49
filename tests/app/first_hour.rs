//! Connecting a team's own Discord in one sitting (issue 26), through the
//! binary: the invite URL and its permissions; and the Debian package's files,
//! which must not drift from the ones a manual install uses.

use crate::fake_discord::APPLICATION_ID;
use crate::helpers::{WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, stdout};
use crate::test_config::{Discord, TestConfig};

/// A token as Discord issues them: the bot's id in base64, a timestamp, a signature.
fn token_of(application_id: u64) -> String {
    use base64::Engine as _;
    let id = base64::engine::general_purpose::STANDARD_NO_PAD.encode(application_id.to_string());
    format!("{id}.GxYz12.c2lnbmF0dXJlLW5vdC1yZWFsLWF0LWFsbA")
}

/// The weekly meeting and a `[discord]` table with ids and the token `discord` says.
fn with_discord(discord: impl FnOnce(Discord) -> Discord) -> crate::helpers::TestApp {
    TestConfig::weekly()
        .discord(discord(Discord::ids(1, 2, 3)))
        .spawn()
}

#[test]
fn the_invite_url_names_the_application_and_exactly_the_permissions_the_bot_uses() {
    let token = token_of(APPLICATION_ID);
    let app = with_discord(|d| d.token_env("INVITE_TEST_TOKEN"));
    let output = app
        .command()
        .env("INVITE_TEST_TOKEN", &token)
        .arg("discord-invite-url")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // View Channel, Send Messages, Embed Links, Attach Files, Read Message History,
    // Connect, Manage Events, Create Public Threads, Send Messages in Threads; no Administrator.
    let permissions =
        1024u64 + 2048 + 16384 + 32768 + 65536 + (1 << 20) + (1 << 33) + (1 << 35) + (1 << 38);
    assert_eq!(
        stdout(&output).trim(),
        format!(
            "https://discord.com/oauth2/authorize?client_id={APPLICATION_ID}&scope=bot+applications.commands&permissions={permissions}"
        )
    );
    let note = stderr(&output);
    assert!(
        note.contains("公開スレッドの作成") && note.contains("管理者権限は求めません"),
        "{note}"
    );
    assert!(!note.contains(&token) && !stdout(&output).contains(&token));

    // From a token file too.
    let file = app.dir.path().join("discord-token");
    std::fs::write(&file, format!("{token}\n")).unwrap();
    let app = with_discord(|d| d.token_file(&file.display().to_string()));
    let output = app.run(&["discord-invite-url"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(&format!("client_id={APPLICATION_ID}&")));
}

#[test]
fn without_discord_or_a_token_the_invite_url_says_what_to_do() {
    let app = spawn_app_with(&format!("{}{WEEKLY_MEETING}", daemon_section("")));
    let output = app.run(&["discord-invite-url"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("[discord] の設定がありません"),
        "{}",
        stderr(&output)
    );

    let app = with_discord(|d| d.token_env("INVITE_TEST_TOKEN"));
    let output = app
        .command()
        .env_remove("INVITE_TEST_TOKEN")
        .arg("discord-invite-url")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("トークンが INVITE_TEST_TOKEN にありません"),
        "{}",
        stderr(&output)
    );

    let output = app
        .command()
        .env("INVITE_TEST_TOKEN", "not-a-bot-token")
        .arg("discord-invite-url")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("トークンに見えません"), "{err}");
    assert!(
        !err.contains("not-a-bot-token"),
        "the token is never echoed: {err}"
    );
}

fn repository_file(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The lines of `a` and `b` that differ, side by side.
fn differing_lines(a: &str, b: &str) -> Vec<(String, String)> {
    assert_eq!(
        a.lines().count(),
        b.lines().count(),
        "the files have as many lines"
    );
    a.lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (x.to_string(), y.to_string()))
        .collect()
}

#[test]
fn the_packaged_unit_and_config_differ_from_the_manual_ones_only_where_they_must() {
    let unit = differing_lines(
        &repository_file("systemd/weekly-postmortem.service"),
        &repository_file("packaging/deb/weekly-postmortem.service"),
    );
    assert!(
        unit.iter().all(
            |(manual, packaged)| manual.starts_with('#') && packaged.starts_with('#')
                || (manual.starts_with("ExecStart=/usr/local/bin/")
                    && packaged.starts_with("ExecStart=/usr/bin/"))
        ),
        "{unit:#?}"
    );
    let config = differing_lines(
        &repository_file("config/example.toml"),
        &repository_file("packaging/deb/config.toml"),
    );
    assert!(
        config
            .iter()
            .all(
                |(example, packaged)| example.starts_with('#') && packaged.starts_with('#')
                    || (example.starts_with("state_dir = ")
                        && packaged.starts_with("state_dir = \"/var/lib/weekly-postmortem\""))
            ),
        "{config:#?}"
    );
}

#[test]
fn the_readmes_minimal_configuration_passes_check_config_and_its_links_lead_somewhere() {
    let readme = repository_file("README.md");
    let block = readme
        .split("## A minimal configuration")
        .nth(1)
        .and_then(|rest| rest.split("```toml\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the README shows a minimal configuration");
    let app = spawn_app_with("");
    let state_dir = app.state_dir().display().to_string();
    let config = block.replace("/var/lib/weekly-postmortem", &state_dir);
    std::fs::write(&app.config_path, config).unwrap();
    let output = app
        .command()
        .env_remove("DISCORD_TOKEN")
        .arg("check-config")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    for link in readme.split("](").skip(1) {
        let target = link.split(')').next().unwrap();
        if target.starts_with("http") {
            continue;
        }
        let path = format!(
            "{}/{}",
            env!("CARGO_MANIFEST_DIR"),
            target.split('#').next().unwrap()
        );
        assert!(
            std::path::Path::new(&path).exists(),
            "README links to {target}"
        );
    }
    let lines = readme.lines().count();
    assert!(lines <= 300, "the README is for a new user: {lines} lines");
}

mod doctor {
    use crate::fake_discord::{
        FACILITATOR_ROLE_ID, FakeDiscord, GUILD_ID, TEXT_CHANNEL_ID, VOICE_CHANNEL_ID,
    };
    use crate::helpers::{TestApp, stderr, stdout};
    use crate::test_config::{Discord, TestConfig};

    const TOKEN_ENV: &str = "DOCTOR_TEST_TOKEN";

    /// The text channel, the facilitator role and the voice channel `[discord]` names.
    type Places = (u64, u64, u64);

    /// What a case does to the fake before `doctor` runs.
    type Injection = Box<dyn Fn(&FakeDiscord)>;

    /// The fake's `[discord]` table with the token from [`TOKEN_ENV`] and the places asked.
    fn discord(fake: &FakeDiscord, (channel, role, voice): Places) -> Discord {
        Discord::ids(GUILD_ID, channel, role)
            .token_env(TOKEN_ENV)
            .api_base_url(&fake.base_url())
            .voice_channel_id(voice)
    }

    fn app(fake: &FakeDiscord, places: Places) -> TestApp {
        TestConfig::weekly().discord(discord(fake, places)).spawn()
    }

    fn places(channel: u64, role: u64, voice: u64) -> Places {
        (channel, role, voice)
    }

    /// (exit code, stdout, stderr) of `doctor` with the token set.
    fn doctor(app: &TestApp) -> (Option<i32>, String, String) {
        let token = super::token_of(crate::fake_discord::APPLICATION_ID);
        let output = app
            .command()
            .env(TOKEN_ENV, &token)
            .arg("doctor")
            .output()
            .unwrap();
        let (out, err) = (stdout(&output), stderr(&output));
        assert!(
            !out.contains(&token) && !err.contains(&token),
            "the token is never printed"
        );
        (output.status.code(), out, err)
    }

    #[test]
    fn a_ready_setup_is_all_checks_and_exit_0() {
        let fake = FakeDiscord::start();
        let app = app(
            &fake,
            places(TEXT_CHANNEL_ID, FACILITATOR_ROLE_ID, VOICE_CHANNEL_ID),
        );
        let (code, out, err) = doctor(&app);
        assert_eq!(code, Some(0), "{out}{err}");
        for line in [
            "✓ 設定ファイル",
            "✓ 状態ディレクトリ",
            "✓ Discord: トークンが受け付けられました（ボット weekly-postmortem）",
            "✓ Discord: ボットはサーバー「Fake guild」に参加しています",
            "✓ Discord: チャンネル #postmortem でボットに必要な権限がそろっています",
            "✓ Discord: ファシリテーターのロール「ファシリテーター」があります",
            "✓ Discord: ボイスチャンネル「会議室」にイベントを作れます",
            "問題は見つかりませんでした",
        ] {
            assert!(out.contains(line), "{line} in\n{out}");
        }
        assert!(!out.contains('✗'), "{out}");
    }

    #[test]
    fn each_injected_failure_is_named_with_its_fix_and_exit_1() {
        let fake = FakeDiscord::start();
        let ready = places(TEXT_CHANNEL_ID, FACILITATOR_ROLE_ID, VOICE_CHANNEL_ID);
        let cases: Vec<(Places, Injection, &str)> = vec![
            (
                ready,
                Box::new(|fake: &FakeDiscord| fake.deny_in_text_channel(1 << 35)),
                "✗ Discord: チャンネル #postmortem でボットに「公開スレッドの作成」権限がありません。チャンネルの権限設定でロール weekly-postmortem に許可してください",
            ),
            (
                places(999, FACILITATOR_ROLE_ID, VOICE_CHANNEL_ID),
                Box::new(|_: &FakeDiscord| {}),
                "✗ Discord: チャンネル 999 が見つからないか、ボットから見えません",
            ),
            (
                places(TEXT_CHANNEL_ID, 998, VOICE_CHANNEL_ID),
                Box::new(|_: &FakeDiscord| {}),
                "✗ Discord: ファシリテーターのロール 998 がサーバーにありません",
            ),
            (
                places(TEXT_CHANNEL_ID, FACILITATOR_ROLE_ID, TEXT_CHANNEL_ID),
                Box::new(|_: &FakeDiscord| {}),
                "✗ Discord: 「postmortem」はボイスチャンネルではありません",
            ),
            (
                ready,
                Box::new(|fake: &FakeDiscord| fake.leave_guild()),
                "✗ Discord: ボットがサーバー 1300000000000000100 に参加していません。`weekly-postmortem discord-invite-url` のアドレスを開いて招待してください",
            ),
            (
                ready,
                Box::new(|fake: &FakeDiscord| fake.reject_token()),
                "✗ Discord: トークンが受け付けられません",
            ),
        ];
        for (discord, inject, expected) in cases {
            let fake = FakeDiscord::start();
            inject(&fake);
            let app = app(&fake, discord);
            let (code, out, err) = doctor(&app);
            assert_eq!(code, Some(1), "{expected}: {out}{err}");
            assert!(out.contains(expected), "{expected} in\n{out}");
            assert!(err.contains("直すところが 1 件あります"), "{err}");
        }
        drop(fake);
    }

    #[test]
    fn a_missing_token_a_taken_port_and_an_absent_alerts_token_are_named() {
        let fake = FakeDiscord::start();
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = taken.local_addr().unwrap();
        let app = TestConfig::weekly()
            .listen(&address.to_string())
            .section("[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"DOCTOR_ALERTS_TOKEN\"\n")
            .discord(discord(
                &fake,
                places(TEXT_CHANNEL_ID, FACILITATOR_ROLE_ID, VOICE_CHANNEL_ID),
            ))
            .spawn();
        let output = app
            .command()
            .env_remove(TOKEN_ENV)
            .env_remove("DOCTOR_ALERTS_TOKEN")
            .arg("doctor")
            .output()
            .unwrap();
        let out = stdout(&output);
        assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
        for line in [
            format!("✗ daemon.listen {address} で待ち受けられません"),
            "✗ アラート用のトークンが DOCTOR_ALERTS_TOKEN にありません".to_string(),
            format!("✗ Discord のボットのトークンが {TOKEN_ENV} にありません"),
        ] {
            assert!(out.contains(&line), "{line} in\n{out}");
        }
        assert!(stderr(&output).contains("直すところが 3 件あります"));
        drop(taken);
    }
}

mod doctor_google {
    use crate::fake_google::FakeGoogle;
    use crate::helpers::{TestApp, WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, stdout};

    const CALENDAR: &str = "team@example.com";

    /// What a case does to the fake before `doctor` runs.
    type Injection = fn(&FakeGoogle);

    fn with_google(fake: &FakeGoogle) -> TestApp {
        let app = spawn_app_with("");
        let key = fake.write_service_account_key(app.dir.path());
        std::fs::write(
            &app.config_path,
            format!(
                "{}{WEEKLY_MEETING}\n[google]\ncalendar_id = \"{CALENDAR}\"\ncredentials_file = \"{}\"\napi_base_url = \"{}\"\n",
                daemon_section(""),
                key.display(),
                fake.api_base_url()
            ),
        )
        .unwrap();
        app
    }

    #[test]
    fn a_calendar_shared_to_change_events_passes_and_each_failure_is_named() {
        let fake = FakeGoogle::start();
        let app = with_google(&fake);
        let output = app.run(&["doctor"]);
        let out = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
        assert!(
            out.contains("✓ Google カレンダー team@example.com の予定を読み書きできます"),
            "{out}"
        );
        assert!(fake.events().is_empty(), "the probe writes nothing");
        let probes = fake
            .requests()
            .iter()
            .filter(|(method, path)| method == "DELETE" && path.ends_with("/events/doctorprobe0"))
            .count();
        assert_eq!(probes, 1, "one delete of an event that never existed");

        let cases: [(&str, Injection); 3] = [
            ("の予定は読めますが、書き込めません", |f| {
                f.set_read_only_calendar(CALENDAR)
            }),
            ("を読めません", |f| f.set_missing_calendar(CALENDAR)),
            ("を読めません", |f| f.reject_tokens(true)),
        ];
        for (expected, inject) in cases {
            let fake = FakeGoogle::start();
            inject(&fake);
            let app = with_google(&fake);
            let output = app.run(&["doctor"]);
            let out = stdout(&output);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{expected}: {out}{}",
                stderr(&output)
            );
            assert!(
                out.contains(&format!("✗ Google カレンダー {CALENDAR} {expected}")),
                "{expected} in\n{out}"
            );
        }

        // A key that does not parse is named too.
        let app = with_google(&fake);
        let broken = app.dir.path().join("broken-key.json");
        std::fs::write(&broken, "{\"type\": \"service_account\"}").unwrap();
        app.replace_config_line(
            "credentials_file",
            &format!("credentials_file = \"{}\"", broken.display()),
        );
        let output = app.run(&["doctor"]);
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        assert!(
            stdout(&output).contains("✗ Google カレンダー"),
            "{}",
            stdout(&output)
        );
    }
}
