//! The archive on the web (issue 13), through the binary: `[web]` and the
//! listen rule, who gets 403, and the pages themselves (escaped user text,
//! the security headers, both languages, the search's marks, the feed).

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, WEEKLY_MEETING, daemon_section, spawn_app, spawn_app_with, stderr};

/// A GET with extra headers: (status, headers, body).
fn fetch(url: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let mut request = client.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the daemon answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.text().await.unwrap())
    })
}

fn page(base: &str, path: &str) -> String {
    let (status, headers, body) = fetch(&format!("{base}{path}"), &[]);
    assert_eq!(status, 200, "{path}: {body}");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(body.len() < 200 * 1024, "{path} is {} bytes", body.len());
    body
}

fn with_web(web: &str) -> TestApp {
    spawn_app_with(&format!("{}{WEEKLY_MEETING}{web}", daemon_section("")))
}

fn check_config(app: &TestApp) -> (Option<i32>, String) {
    let output = app
        .command()
        .arg("check-config")
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    (output.status.code(), stderr(&output))
}

#[test]
fn bad_web_values_exit_2_with_file_line_and_key() {
    let cases = [
        (
            "auth = \"basic\"\ntrusted_proxies = [\"10.0.0.5/32\"]\nuser_header = \"X-Forwarded-Email\"",
            "キー `web.auth`",
        ),
        (
            "auth = \"proxy\"\ntrusted_proxies = [\"10.0.0.5/33\"]\nuser_header = \"X-Forwarded-Email\"",
            "キー `web.trusted_proxies[0]`",
        ),
        (
            "auth = \"proxy\"\ntrusted_proxies = []\nuser_header = \"X-Forwarded-Email\"",
            "キー `web.trusted_proxies`",
        ),
        (
            "auth = \"proxy\"\ntrusted_proxies = [\"10.0.0.5\"]\nuser_header = \"X Forwarded\"",
            "キー `web.user_header`",
        ),
        (
            "auth = \"proxy\"\ntrusted_proxies = [\"10.0.0.5\"]\nuser_header = \"X-Forwarded-Email\"\nusers = 1",
            "users",
        ),
    ];
    for (table, key) in cases {
        let app = with_web(&format!("\n[web]\n{table}\n"));
        let (code, err) = check_config(&app);
        assert_eq!(code, Some(2), "{table}: {err}");
        let file_line = format!("{}:", app.config_path.display());
        assert!(
            err.contains(&file_line) && err.contains(key),
            "{table}: {err}"
        );
    }
}

#[test]
fn a_wide_listen_address_without_web_exits_2_and_with_web_starts() {
    let wide = format!(
        "{}{WEEKLY_MEETING}",
        daemon_section("").replace("127.0.0.1:0", "0.0.0.0:0")
    );
    let app = spawn_app_with(&wide);
    let (code, err) = check_config(&app);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(":3: キー `daemon.listen`") && err.contains("[web]"),
        "{err}"
    );

    let app = spawn_app_with(&format!(
        "{wide}\n[web]\nauth = \"proxy\"\ntrusted_proxies = [\"10.0.0.5/32\"]\nuser_header = \"X-Forwarded-Email\"\n"
    ));
    let (code, err) = check_config(&app);
    assert_eq!(code, Some(0), "{err}");
    let daemon = app.start_daemon();
    let (status, _, body) = fetch(&format!("{}/", daemon.base_url), &[]);
    assert_eq!(status, 403, "{body}");
}

#[test]
fn with_web_only_a_trusted_proxy_naming_a_user_reads_pages_and_metrics() {
    // This test's client connects from 127.0.0.1: not the trusted proxy.
    let app = with_web(
        "\n[web]\nauth = \"proxy\"\ntrusted_proxies = [\"10.0.0.5/32\"]\nuser_header = \"X-Forwarded-Email\"\n",
    );
    let daemon = app.start_daemon();
    let base = &daemon.base_url;
    for path in [
        "/",
        "/metrics",
        "/search?q=x",
        "/style.css",
        "/postmortems/x.md",
    ] {
        let (status, _, body) = fetch(
            &format!("{base}{path}"),
            &[("X-Forwarded-Email", "a@example.com")],
        );
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.contains("trusted_proxies"), "{body}");
    }
    let (status, _, _) = fetch(&format!("{base}/healthz"), &[]);
    assert_eq!(status, 200);
    // The API keeps its token, with or without [web].
    let (status, _, _) = fetch(&format!("{base}/api/search?q=x"), &[]);
    assert_eq!(status, 401);
    let token = std::fs::read_to_string(app.state_dir().join("api-token")).unwrap();
    let bearer = format!("Bearer {}", token.trim());
    let (status, _, body) = fetch(
        &format!("{base}/api/search?q=x"),
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200, "{body}");

    // The proxy on this machine: it must name the user, under a name the
    // config gives (`public_url`), never any Host at all.
    let app = with_web(
        "\n[web]\nauth = \"proxy\"\ntrusted_proxies = [\"127.0.0.1/32\", \"::1\"]\nuser_header = \"X-Forwarded-Email\"\npublic_url = \"https://postmortems.example.com\"\n",
    );
    let daemon = app.start_daemon();
    let base = &daemon.base_url;
    for path in ["/", "/metrics"] {
        let (status, _, _) = fetch(&format!("{base}{path}"), &[]);
        assert_eq!(status, 403, "{path} without the user header");
        let (status, _, body) = fetch(
            &format!("{base}{path}"),
            &[
                ("X-Forwarded-Email", "a@example.com"),
                ("Host", "postmortems.example.com"),
            ],
        );
        assert_eq!(
            status, 200,
            "{path} through the proxy, under its own name: {body}"
        );
        // DNS rebinding: a page of evil.example in a browser on this machine
        // reaches the endpoint by its address; the user header does not help.
        let (status, _, body) = fetch(
            &format!("{base}{path}"),
            &[
                ("X-Forwarded-Email", "a@example.com"),
                ("Host", "evil.example"),
            ],
        );
        assert_eq!(status, 421, "{path} under a foreign name: {body}");
        assert!(body.contains("public_url"), "{body}");
    }
    // The feed's address is the one people use.
    let url = app.calendar_url();
    assert!(
        url.starts_with("https://postmortems.example.com/calendar/") && url.ends_with(".ics"),
        "{url}"
    );
}

/// A small log: a session to come with an agenda, a held one with a
/// postmortem and learnings, and a title that tries to run a script.
pub(crate) fn archive() -> Value {
    json!({"format": "weekly-postmortem/v1",
        "sessions": [
            {"meeting": "weekly", "date": "2026-12-02", "status": "held", "facilitator": "sato",
             "agenda": [{"title": "<script>alert(1)</script> のふりかえり", "kind": "incident", "presenter": "tanaka"},
                        {"title": "検索基盤の遅延", "kind": "topic", "presenter": "suzuki", "team": "search-team",
                         "link": "javascript:alert(2)"}],
             "rsvps": {"1300000000000002001": "going", "1300000000000002002": "maybe"}},
            {"meeting": "weekly", "date": "2026-11-18", "status": "held", "notes": "夜間バッチのデッドロックを共有",
             "agenda": [{"title": "決済APIのデッドロック", "kind": "incident", "presenter": "tanaka", "done": true}],
             "attendance": {"going": 0, "maybe": 0, "not_going": 0, "present": 9}}],
        "postmortems": [{"id": "pm-deadlock", "meeting": "weekly", "date": "2026-11-18", "title": "決済APIのデッドロック <b>障害</b>",
                         "impact": "決済が15分止まった", "actions_taken": "ジョブを止めて再実行", "root_cause": "ロック順序の不一致",
                         "prevention": "ロック順序を固定", "responders": ["sato"], "links": ["https://wiki.example/pm/1", "javascript:alert(3)"]}],
        "learnings": [{"id": "l-1", "meeting": "weekly", "date": "2026-11-18", "text": "ロックは常に同じ順序で取る（デッドロック対策）", "tags": ["db"]},
                      {"id": "l-2", "meeting": "weekly", "date": "2026-11-18", "text": "Alerts need runbooks", "tags": ["alerting"]}],
        "actions": [{"id": "act-lock", "meeting": "weekly", "title": "ロック順序をチェックするリンターを CI に入れる", "owner": "sato",
                     "due": "2026-11-30", "postmortem": "pm-deadlock", "created": "2026-11-18",
                     "link": "https://github.com/acme/pay/issues/12"},
                    {"id": "act-runbook", "meeting": "weekly", "title": "決済ジョブのランブックを書く（再実行の手順と、再実行してよいかの確認項目）",
                     "owner": "山本（経理部）", "status": "done", "created": "2026-11-18", "closed": "2026-11-25",
                     "postmortem": "pm-deadlock"}]})
}

/// `app` with [`archive`] imported (before the daemon holds the store).
pub(crate) fn import_archive(app: &TestApp) {
    let path = app.dir.path().join("archive.json");
    std::fs::write(&path, archive().to_string()).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn the_pages_show_the_archive_escaped_in_both_languages() {
    let app = spawn_app();
    import_archive(&app);
    let daemon = app.start_daemon();
    let base = &daemon.base_url;

    let home = page(base, "/");
    assert!(
        home.contains("<title>ポストモーテムの記録</title>"),
        "{home}"
    );
    assert!(
        home.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{home}"
    );
    assert!(!home.contains("<script"), "{home}");
    assert!(home.contains("第"), "{home}");
    assert!(home.contains("ゲスト（search-team）"), "{home}");
    assert!(home.contains("参加 1 / たぶん 1 / 不参加 0"), "{home}");
    assert!(
        !home.contains("javascript:"),
        "a javascript: link is text, not a link: {home}"
    );
    assert!(
        home.contains("お休みの週") && home.contains("会社の休業日"),
        "{home}"
    );
    assert!(
        home.contains("href=\"/sessions/weekly/2026-11-18\""),
        "{home}"
    );
    assert!(home.contains("href=\"/learnings?tag=db\""), "{home}");

    let english = page(base, "/?lang=en");
    assert!(
        english.contains("<title>Postmortem archive</title>"),
        "{english}"
    );
    assert!(
        english.contains("going 1 / maybe 1 / not going 0"),
        "{english}"
    );
    assert!(
        english.contains("href=\"/postmortems?lang=en\""),
        "links keep the language: {english}"
    );

    let session = page(base, "/sessions/weekly/2026-11-18");
    assert!(session.contains("9 人"), "{session}");
    assert!(
        session.contains("href=\"/postmortems/pm-deadlock\""),
        "{session}"
    );
    assert!(
        session.contains("夜間バッチのデッドロックを共有"),
        "{session}"
    );

    let list = page(base, "/postmortems");
    assert!(
        list.contains("決済APIのデッドロック &#60;b&#62;障害&#60;/b&#62;"),
        "{list}"
    );

    let postmortem = page(base, "/postmortems/pm-deadlock");
    for heading in ["影響", "対応", "根本原因", "再発防止", "対応者", "リンク"] {
        assert!(
            postmortem.contains(&format!("<h2>{heading}</h2>")),
            "{heading}: {postmortem}"
        );
    }
    assert!(
        postmortem.contains("<title>決済APIのデッドロック &#60;b&#62;障害&#60;/b&#62;</title>"),
        "{postmortem}"
    );
    assert!(
        postmortem.contains("href=\"https://wiki.example/pm/1\""),
        "{postmortem}"
    );
    assert!(!postmortem.contains("href=\"javascript:"), "{postmortem}");

    let (status, headers, markdown) =
        fetch(&format!("{base}/postmortems/pm-deadlock.md?lang=en"), &[]);
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(
        markdown.starts_with("# 決済APIのデッドロック <b>障害</b>\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("## Root cause\n\nロック順序の不一致"),
        "{markdown}"
    );

    let tagged = page(base, "/learnings?tag=db");
    assert!(tagged.contains("ロックは常に同じ順序で取る"), "{tagged}");
    assert!(!tagged.contains("Alerts need runbooks"), "{tagged}");

    let found = page(
        base,
        "/search?q=%E3%83%87%E3%83%83%E3%83%89%E3%83%AD%E3%83%83%E3%82%AF",
    );
    assert!(found.contains("<mark>デッドロック</mark>"), "{found}");
    assert!(
        found.contains("決済APIの<mark>デッドロック</mark>"),
        "{found}"
    );
    let filtered = page(
        base,
        "/search?q=%E3%83%87%E3%83%83%E3%83%89%E3%83%AD%E3%83%83%E3%82%AF&kind=learning&since=&until=",
    );
    assert!(
        filtered.contains("ロックは常に同じ順序で取る（<mark>デッドロック</mark>対策）"),
        "{filtered}"
    );
    assert!(
        !filtered.contains("決済API"),
        "kind=learning only: {filtered}"
    );
    let bad = page(base, "/search?q=x&since=12%2F9");
    assert!(bad.contains("YYYY-MM-DD"), "{bad}");

    let (status, headers, feed) = fetch(&format!("{base}/feed.atom"), &[]);
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    assert!(
        feed.contains("<entry>") && feed.contains("&#60;b&#62;障害&#60;/b&#62;"),
        "{feed}"
    );

    let (status, _, css) = fetch(&format!("{base}/style.css"), &[]);
    assert_eq!(status, 200);
    assert!(css.contains("@media"), "{css}");
    let (status, _, missing) = fetch(&format!("{base}/postmortems/nope"), &[]);
    assert_eq!(status, 404, "{missing}");
    assert!(
        missing.contains("<title>ページが見つかりません</title>"),
        "{missing}"
    );
}

/// A second meeting, for `/stats?meeting=`.
const EU_MEETING: &str = r#"
[[meeting]]
id = "eu"
title = "Postmortem EU"
timezone = "Europe/Berlin"
weekday = "thursday"
start_time = "10:00"
duration_minutes = 45
first_session = "2026-01-08"
skip_japanese_holidays = false
"#;

#[test]
fn the_stats_page_shows_a_meetings_chart_as_svg_beside_its_text_and_follows_the_log() {
    let app = spawn_app_with(&format!(
        "{}{WEEKLY_MEETING}{EU_MEETING}",
        daemon_section("")
    ));
    import_archive(&app);
    let daemon = app.start_daemon();
    let base = &daemon.base_url;

    let home = page(base, "/");
    assert!(home.contains("href=\"/stats\">統計</a>"), "{home}");
    let stats = page(base, "/stats");
    assert!(
        stats.contains("<title>統計 · 週刊ポストモーテム</title>"),
        "the first meeting by default: {stats}"
    );
    assert!(
        stats.contains("「週刊ポストモーテム」(weekly) の統計")
            && stats.contains("ポストモーテム: 1 件、学び: 2 件"),
        "the text of `stats`: {stats}"
    );
    assert!(
        stats.contains("<img src=\"/stats/weekly.svg\" alt=\"週刊ポストモーテムの統計グラフ"),
        "{stats}"
    );
    assert!(stats.contains("href=\"/stats?meeting=eu\""), "{stats}");

    let (status, headers, svg) = fetch(&format!("{base}/stats/weekly.svg"), &[]);
    assert_eq!(status, 200, "{svg}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(headers.contains_key("content-security-policy"));
    assert!(
        svg.starts_with("<svg") && svg.contains("週刊ポストモーテム"),
        "{svg}"
    );

    let eu = page(base, "/stats?meeting=eu&lang=en");
    assert!(
        eu.contains("Postmortem EU (eu): statistics up to")
            && eu.contains("postmortems: 0, learnings: 0"),
        "{eu}"
    );
    assert!(eu.contains("src=\"/stats/eu.svg?lang=en\""), "{eu}");
    let (status, _, svg) = fetch(&format!("{base}/stats/eu.svg?lang=en"), &[]);
    assert_eq!(status, 200);
    assert!(svg.contains("Postmortem EU"), "{svg}");
    for missing in [
        "/stats?meeting=nope",
        "/stats/nope.svg",
        "/stats/weekly.png",
    ] {
        let (status, _, body) = fetch(&format!("{base}{missing}"), &[]);
        assert_eq!(status, 404, "{missing}: {body}");
    }

    // A learning recorded while the daemon runs shows on the next request.
    let path = app.dir.path().join("more.json");
    let more = json!({"format": "weekly-postmortem/v1", "sessions": [], "postmortems": [],
        "learnings": [{"id": "l-3", "meeting": "weekly", "date": "2026-11-18", "text": "もう一つの学び", "tags": []}]});
    std::fs::write(&path, more.to_string()).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stats = page(base, "/stats");
    assert!(stats.contains("学び: 3 件"), "{stats}");
}

/// Issue 24: the archive names people by their display, renders a summary's
/// Markdown as structure, says why a week is off, and answers an unknown
/// address with its own page.
#[test]
fn the_archive_names_people_renders_summaries_and_explains_weeks_off_and_unknown_pages() {
    let app = crate::test_config::TestConfig::weekly()
        .person(crate::test_config::Person::new("sato").display("佐藤"))
        .spawn();
    let mut archive = archive();
    archive["sessions"][1]["notes"] = json!(
        "**第388回（11月18日(水)）のまとめ**\n\n扱った議題:\n\n- 決済APIのデッドロック\n\n<img src=x onerror=alert(4)>"
    );
    archive["sessions"].as_array_mut().unwrap().push(
        json!({"meeting": "weekly", "date": "2026-12-09", "status": "skipped",
                     "reason": "cancelled", "notes": "全社オフサイトのため"}),
    );
    let path = app.dir.path().join("archive.json");
    std::fs::write(&path, archive.to_string()).unwrap();
    let output = app.run(&["import", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let daemon = app.start_daemon();
    let base = &daemon.base_url;

    let postmortem = page(base, "/postmortems/pm-deadlock");
    assert!(postmortem.contains("<li>佐藤</li>"), "{postmortem}");
    assert!(!postmortem.contains(">sato<"), "{postmortem}");

    let session = page(base, "/sessions/weekly/2026-11-18");
    assert!(
        session.contains("<strong>第388回（11月18日(水)）のまとめ</strong>"),
        "{session}"
    );
    assert!(
        session.contains("<li>決済APIのデッドロック</li>"),
        "{session}"
    );
    assert!(!session.contains("**"), "{session}");
    assert!(!session.contains("<img"), "{session}");

    let off = page(base, "/sessions/weekly/2026-12-09");
    assert!(off.contains("全社オフサイトのため"), "{off}");
    assert!(!off.contains("議題はまだありません"), "{off}");
    assert!(!off.contains("参加 0 / たぶん 0"), "{off}");

    let (_, _, markdown) = fetch(&format!("{base}/postmortems/pm-deadlock.md"), &[]);
    assert!(
        markdown.contains("\n週刊ポストモーテム · 2026年11月18日(水)\n"),
        "{markdown}"
    );
    assert!(markdown.contains("\n- 佐藤\n"), "{markdown}");

    let (_, _, feed) = fetch(&format!("{base}/feed.atom"), &[]);
    let host = base.trim_start_matches("http://");
    assert!(
        feed.contains(&format!(
            "<link href=\"http://{host}/postmortems/pm-deadlock\"/>"
        )),
        "absolute links: {feed}"
    );
    assert!(
        feed.contains("<category term=\"postmortem\" label=\"ポストモーテム\"/>")
            && feed.contains("<title>学び: "),
        "entries say what they are: {feed}"
    );
    // 2026-11-18 17:00 in Tokyo: the session's start, not midnight UTC.
    assert!(
        feed.contains("<updated>2026-11-18T08:00:00+00:00</updated>"),
        "{feed}"
    );

    let past = page(base, "/postmortems?page=99");
    assert!(
        past.contains("100ページ目はありません。最後のページは1ページ目です"),
        "{past}"
    );
    assert!(
        past.contains("<a rel=\"last\" href=\"/postmortems\">"),
        "{past}"
    );

    let (status, _, missing) = fetch(&format!("{base}/nope"), &[]);
    assert_eq!(status, 404);
    assert!(
        missing.contains("<h1>") && missing.contains("href=\"/\""),
        "{missing}"
    );
}
