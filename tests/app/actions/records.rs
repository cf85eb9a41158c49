//! Actions as records: their round trip through export, import and history, the trackers
//! that close and reopen them, and the archive page and metrics that show them.

use super::*;

#[test]
fn actions_round_trip_through_export_and_import_and_are_found_by_history() {
    let app = with_people().spawn();
    let document = json!({
        "format": "weekly-postmortem/v1",
        "postmortems": [{"id": "pm-pay", "meeting": "weekly", "date": "2026-11-25", "title": "決済APIの遅延"}],
        "actions": [
            {"meeting": "weekly", "title": "タイムアウトを見直す", "owner": "sato", "due": "2026-12-24",
             "postmortem": "pm-pay", "created": "2026-11-25"},
            {"id": "act-dash", "meeting": "weekly", "title": "ダッシュボードに遅延のグラフを足す", "owner": "山本",
             "status": "done", "created": "2026-11-25", "closed": "2026-11-30",
             "link": "https://acme.backlog.jp/view/SRE-4"}
        ]
    });
    std::fs::create_dir_all(app.state_dir()).unwrap();
    let file = app.state_dir().join("in.json");
    std::fs::write(&file, document.to_string()).unwrap();
    let out = app.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let back = exported(&app);
    assert_eq!(back["actions"].as_array().unwrap().len(), 2, "{back}");
    let derived = back["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "タイムアウトを見直す")
        .unwrap();
    assert!(
        derived["id"].as_str().unwrap().starts_with("act-"),
        "{derived}"
    );
    assert_eq!(derived["postmortem"], "pm-pay");

    let found = app.json(&[
        "history",
        "遅延のグラフ",
        "--kind",
        "action",
        "--format",
        "json",
    ]);
    let hits = found.as_array().unwrap();
    assert_eq!(hits.len(), 1, "{found}");
    assert_eq!(hits[0]["type"], "action");
    assert_eq!(hits[0]["status"], "done");
    let text = stdout(&app.run(&["history", "タイムアウト", "--kind", "action"]));
    assert!(
        text.contains("「タイムアウトを見直す」 担当: 佐藤、期限 12月24日(木)"),
        "{text}"
    );
    assert!(!text.contains("2026-12-24"), "{text}");

    let stats = stdout(&app.run(&["stats"]));
    assert!(
        stats.contains("再発防止アクション: 2 件（未完了 1 件、うち期限切れ 0 件）、完了までの日数の中央値 5 日"),
        "{stats}"
    );
    let figures = app.json(&["stats", "--format", "json"]);
    assert_eq!(figures["actions"]["done"], 1, "{figures}");
    assert_eq!(figures["actions"]["median_days_to_close"], 5.0, "{figures}");

    // An action naming a postmortem nobody has: nothing of the file is stored.
    let unknown = json!({
        "format": "weekly-postmortem/v1",
        "learnings": [{"meeting": "weekly", "date": "2026-11-25", "text": "新しい学び"}],
        "actions": [{"meeting": "weekly", "title": "x", "owner": "sato", "created": "2026-11-25", "postmortem": "pm-nope"}]
    });
    std::fs::write(&file, unknown.to_string()).unwrap();
    let out = app.run(&["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let error = stderr(&out);
    assert!(
        error.contains("actions[0].postmortem") && error.contains("pm-nope"),
        "{error}"
    );
    assert_eq!(exported(&app)["actions"].as_array().unwrap().len(), 2);
    assert!(
        exported(&app)
            .get("learnings")
            .is_none_or(|l| l.as_array().unwrap().is_empty())
    );

    for (bad, expected) in [
        (
            json!({"meeting": "weekly", "title": "x", "owner": "sato", "created": "2026-11-25", "due": "2026-12-4"}),
            "YYYY-MM-DD",
        ),
        (
            json!({"meeting": "weekly", "title": "x", "owner": "sato", "created": "2026-11-25", "status": "done"}),
            "closed",
        ),
        (
            json!({"meeting": "weekly", "title": "x", "owner": "sato", "created": "2026-11-25", "link": "ftp://x"}),
            "link",
        ),
        (
            json!({"meeting": "nope", "title": "x", "owner": "sato", "created": "2026-11-25"}),
            "nope",
        ),
    ] {
        std::fs::write(
            &file,
            json!({"format": "weekly-postmortem/v1", "actions": [bad]}).to_string(),
        )
        .unwrap();
        let out = app.run(&["import", file.to_str().unwrap()]);
        assert!(!out.status.success());
        let error = stderr(&out);
        assert!(
            error.contains("actions[0]") && error.contains(expected),
            "{expected}: {error}"
        );
    }
}

#[test]
fn trackers_close_actions_whose_issues_closed_and_reopen_them_when_reopened() {
    use crate::fake_trackers::{BACKLOG_KEY, FakeTrackers, GITHUB_TOKEN, JIRA_EMAIL, JIRA_TOKEN};
    let fake = FakeTrackers::start();
    let base = &fake.base_url;
    let app = with_people()
        .section(&format!(
            "[trackers]\npoll_minutes = 60\n[trackers.github]\napi_base_url = \"{base}\"\ntoken_env = \"TEST_GH\"\n[trackers.backlog]\nbase_url = \"{base}\"\napi_key_env = \"TEST_BACKLOG\"\n[trackers.jira]\nbase_url = \"{base}\"\nemail = \"{JIRA_EMAIL}\"\ntoken_env = \"TEST_JIRA\"\n"
        ))
        .spawn();
    let check = app.run(&["check-config"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let summary = stdout(&check);
    assert!(
        summary.contains("課題管理 GitHub: 60分ごとに確認（トークン TEST_GH、見つかりません！）")
            && summary
                .contains("課題管理 Jira: 60分ごとに確認（トークン TEST_JIRA、見つかりません！）"),
        "{summary}"
    );
    std::fs::create_dir_all(app.state_dir()).unwrap();
    let file = app.state_dir().join("seed.json");
    let action = |id: &str, link: &str| json!({"id": id, "meeting": "weekly", "title": id, "owner": "sato", "created": "2026-11-25", "link": link});
    std::fs::write(
        &file,
        json!({"format": "weekly-postmortem/v1", "actions": [
            action("act-gh", "https://github.com/acme/pay/issues/7"),
            action("act-backlog", &format!("{base}/view/SRE-4")),
            action("act-jira", &format!("{base}/browse/OPS-2")),
            action("act-elsewhere", "https://example.com/ticket/1"),
        ]})
        .to_string(),
    )
    .unwrap();
    assert!(
        app.run(&["import", file.to_str().unwrap()])
            .status
            .success()
    );
    fake.set("github:acme/pay#7", true);
    fake.set("backlog:SRE-4", true);
    fake.set("jira:OPS-2", false);
    fake.rate_limit_github(1);
    let env = [
        ("TEST_GH", GITHUB_TOKEN),
        ("TEST_BACKLOG", BACKLOG_KEY),
        ("TEST_JIRA", JIRA_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", NOW),
    ];
    let status = |document: &Value, id: &str| {
        let found = document["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()
            .clone();
        (
            found["status"].as_str().unwrap().to_string(),
            found["closed_by"].as_str().map(str::to_string),
        )
    };
    let mut daemon = app.start_daemon_with_env(&env);
    crate::helpers::eventually("GitHub asked again after its rate limit", WAIT, || {
        let document = exported(&app);
        (status(&document, "act-gh").0 == "done").then_some(())
    });
    let document = exported(&app);
    assert_eq!(
        status(&document, "act-gh"),
        ("done".into(), Some("github".into()))
    );
    assert_eq!(
        status(&document, "act-backlog"),
        ("done".into(), Some("backlog".into()))
    );
    assert_eq!(status(&document, "act-jira"), ("open".into(), None));
    let asked = fake.requests();
    assert!(
        asked.contains(&"GET /rest/api/2/issue/OPS-2".to_string()),
        "{asked:?}"
    );
    assert_eq!(
        asked.iter().filter(|r| r.contains("/issues/7")).count(),
        2,
        "{asked:?}"
    );
    daemon.terminate();
    let log = app.daemon_log();
    assert!(log.contains("action follows its tracker issue"), "{log}");
    for secret in [GITHUB_TOKEN, BACKLOG_KEY, JIRA_TOKEN] {
        assert!(!log.contains(secret), "a secret in the log");
    }
    let text = stdout(&app.run(&["history", "act-backlog", "--kind", "action"]));
    assert!(text.contains("（Backlog で完了）"), "{text}");

    // Reopened on GitHub: the action is open again at the next look (here, the start).
    fake.set("github:acme/pay#7", false);
    fake.set("jira:OPS-2", true);
    let mut daemon = app.start_daemon_with_env(&env);
    crate::helpers::eventually("the reopened issue followed", WAIT, || {
        let document = exported(&app);
        (status(&document, "act-gh").0 == "open" && status(&document, "act-jira").0 == "done")
            .then_some(())
    });
    daemon.terminate();
}

#[test]
fn check_config_refuses_a_tracker_without_a_web_address_or_with_two_key_sources() {
    for (section, key, expected) in [
        (
            "[trackers.backlog]\nbase_url = \"acme.backlog.jp\"\n",
            "trackers.backlog.base_url",
            "https://",
        ),
        (
            "[trackers.backlog]\nbase_url = \"https://acme.backlog.jp\"\napi_key_env = \"K\"\napi_key_file = \"k.txt\"\n",
            "trackers.backlog.api_key_env",
            "api_key_env と api_key_file はどちらか一方だけ",
        ),
        (
            "[trackers.jira]\nbase_url = \"https://acme.atlassian.net\"\nemail = \"sre\"\n",
            "trackers.jira.email",
            "sre",
        ),
        (
            "[trackers]\npoll_minutes = 0\n",
            "trackers.poll_minutes",
            "1 から 10080",
        ),
        ("[trackers.gitlab]\n", "gitlab", "github"),
    ] {
        let app = spawn_app_with(&format!(
            "{}{WEEKLY_MEETING}\n{section}",
            daemon_section("")
        ));
        let out = app.run(&["check-config"]);
        assert_eq!(out.status.code(), Some(2), "{section}");
        let error = stderr(&out);
        assert!(
            error.contains(key) && error.contains(expected),
            "{section}: {error}"
        );
    }
}

#[test]
fn the_archive_shows_actions_by_state_and_owner_and_metrics_count_them() {
    let app = with_people().spawn();
    seed_actions(&app);
    let mut daemon = app.start_daemon_with_env(&[("WEEKLY_POSTMORTEM_NOW", NOW)]);
    let base = format!("http://{}", app.listen_address());
    let (status, page) = crate::helpers::get(&format!("{base}/actions")).unwrap();
    assert_eq!(status, 200);
    let overdue = page.find("<h2>期限切れ").expect("an overdue section");
    let open = page.find("<h2>未完了").expect("an open section");
    let done = page.find("<h2>この90日に完了").expect("a done section");
    assert!(overdue < open && open < done);
    let in_overdue = &page[overdue..open];
    assert!(in_overdue.contains("タイムアウトを見直す"), "{in_overdue}");
    assert!(
        in_overdue.contains("担当: 佐藤 · 2026年11月30日(月) · 期限切れ"),
        "{in_overdue}"
    );
    assert!(
        in_overdue.contains("href=\"/postmortems/pm-pay\""),
        "{in_overdue}"
    );
    let in_open = &page[open..done];
    assert!(
        in_open.contains("遅延のグラフを足す") && in_open.contains("手順書を直す"),
        "{in_open}"
    );
    assert!(
        in_open.contains("href=\"https://github.com/acme/pay/issues/9\""),
        "{in_open}"
    );
    assert!(
        !page.contains("2026-11-30") && !page.contains(">sato<"),
        "dates and people as read"
    );
    let (_, mine) = crate::helpers::get(&format!("{base}/actions?owner=tanaka")).unwrap();
    assert!(
        mine.contains("担当: 田中") && !mine.contains("タイムアウトを見直す"),
        "{mine}"
    );
    let (_, postmortem) = crate::helpers::get(&format!("{base}/postmortems/pm-pay")).unwrap();
    assert!(
        postmortem.contains("<h2>再発防止アクション</h2>"),
        "{postmortem}"
    );
    assert!(postmortem.contains("タイムアウトを見直す"), "{postmortem}");
    let (_, metrics) = crate::helpers::get(&format!("{base}/metrics")).unwrap();
    for sample in [
        "weekly_postmortem_actions{meeting=\"weekly\",state=\"open\"} 2",
        "weekly_postmortem_actions{meeting=\"weekly\",state=\"overdue\"} 1",
        "weekly_postmortem_actions{meeting=\"weekly\",state=\"done\"} 0",
        "weekly_postmortem_actions{meeting=\"weekly\",state=\"dropped\"} 0",
    ] {
        assert!(metrics.contains(sample), "{sample} in {metrics}");
    }
    daemon.terminate();
}
