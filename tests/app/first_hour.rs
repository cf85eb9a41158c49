//! Connecting a team's own Discord in one sitting (issue 26), through the
//! binary: the invite URL and its permissions; and the Debian package's files,
//! which must not drift from the ones a manual install uses.

use crate::fake_discord::APPLICATION_ID;
use crate::helpers::{WEEKLY_MEETING, daemon_section, spawn_app_with, stderr, stdout};

/// A token as Discord issues them: the bot's id in base64, a timestamp, a signature.
fn token_of(application_id: u64) -> String {
    use base64::Engine as _;
    let id = base64::engine::general_purpose::STANDARD_NO_PAD.encode(application_id.to_string());
    format!("{id}.GxYz12.c2lnbmF0dXJlLW5vdC1yZWFsLWF0LWFsbA")
}

fn with_discord(token_line: &str) -> crate::helpers::TestApp {
    spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}\n[discord]\n{token_line}\nguild_id = \"1\"\nchannel_id = 2\nfacilitator_role_id = \"3\"\n",
        daemon_section("")
    ))
}

#[test]
fn the_invite_url_names_the_application_and_exactly_the_permissions_the_bot_uses() {
    let token = token_of(APPLICATION_ID);
    let app = with_discord("token_env = \"INVITE_TEST_TOKEN\"");
    let output = app
        .command()
        .env("INVITE_TEST_TOKEN", &token)
        .arg("discord-invite-url")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // View Channel, Send Messages, Embed Links, Attach Files, Read Message History,
    // Manage Events, Create Public Threads, Send Messages in Threads; no Administrator.
    let permissions = 1024u64 + 2048 + 16384 + 32768 + 65536 + (1 << 33) + (1 << 35) + (1 << 38);
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
    let app = with_discord(&format!("token_file = \"{}\"", file.display()));
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

    let app = with_discord("token_env = \"INVITE_TEST_TOKEN\"");
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
