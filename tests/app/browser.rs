//! The archive in a real browser: Debian's chromium through chromedriver
//! (WebDriver, driven with fantoccini). Opens `/`, follows a session, a
//! postmortem and a tag, submits the search form with a Japanese query, opens
//! `/stats` and its chart, checks that the browser logged no error (read from
//! chromedriver's log endpoint: the CSP forbids any script of our own in the
//! page, so nothing inside it could collect them), and saves screenshots at
//! 390 and 1280 px under `target/tmp/web-screenshots/`.
//!
//! Without chromium and chromedriver it says it was skipped and how to
//! install them, and passes; with `WEB_BROWSER_TEST_REQUIRED=1` (CI) it fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::Method;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{RunningDaemon, TestApp, spawn_app, wait_until};
use crate::web::import_archive;

/// chromedriver, stopped when the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// chromedriver on a free port, answering; `None` when the browser is missing.
fn start_driver() -> Option<(Driver, String)> {
    if !(installed("chromium") && installed("chromedriver")) {
        let how = "apt-get install chromium chromium-driver";
        assert!(
            std::env::var("WEB_BROWSER_TEST_REQUIRED").as_deref() != Ok("1"),
            "WEB_BROWSER_TEST_REQUIRED=1 but chromium or chromedriver is missing: {how}"
        );
        eprintln!("browser test skipped: chromium and chromedriver are not installed ({how})");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    wait_until("chromedriver to answer", Duration::from_secs(20), || {
        crate::helpers::get(&format!("{url}/status")).is_ok()
    });
    Some((driver, url))
}

/// chromedriver's `POST /session/{id}/se/log` for the `browser` log: the
/// console messages and failed loads since the last call (it empties it).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(r#"{"type":"browser"}"#.to_string()))
    }
}

/// The browser's log entries at level SEVERE (console errors, CSP
/// violations, failed loads) since the last call.
async fn logged_errors(client: &Client) -> Vec<String> {
    let entries = client.issue_cmd(BrowserLog).await.expect("the browser log");
    entries
        .as_array()
        .expect("log entries")
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn no_errors_logged(client: &Client, after: &str) {
    let errors = logged_errors(client).await;
    assert!(
        errors.is_empty(),
        "the browser logged errors on {after}: {errors:#?}"
    );
}

async fn browser(driver: &str) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                                    "--disable-gpu", "--lang=ja"]}),
    );
    capabilities.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({"browser": "ALL"}),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("a chromium session")
}

/// Saves what the window shows as `target/tmp/web-screenshots/{name}-{width}.png`.
async fn save_screenshot(client: &Client, name: &str, width: u32) {
    // Chromium sometimes answers a screenshot taken as a page settles with
    // "aborted by navigation": the page is there, so ask again.
    let mut png = client.screenshot().await;
    for _ in 0..3 {
        if png.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        png = client.screenshot().await;
    }
    let png = png.unwrap_or_else(|e| panic!("a screenshot of {name}: {e}"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
}

async fn screenshot(client: &Client, name: &str, width: u32) {
    client.set_window_size(width, 900).await.unwrap();
    save_screenshot(client, name, width).await;
    // Readable at this width: nothing wider than the window.
    let wide = client
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .unwrap();
    let wide = wide.as_u64().unwrap();
    assert!(
        wide <= u64::from(width),
        "{name} at {width} px scrolls sideways ({wide} px)"
    );
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// chromedriver, and a daemon serving the sample archive; `None` without a browser.
fn the_archive_and_a_driver() -> Option<(Driver, String, TestApp, RunningDaemon)> {
    let (driver, driver_url) = start_driver()?;
    let app = spawn_app();
    import_archive(&app);
    let daemon = app.start_daemon();
    Some((driver, driver_url, app, daemon))
}

#[test]
fn a_reader_browses_the_archive_and_searches_it_in_japanese() {
    let Some((_driver, driver_url, _app, daemon)) = the_archive_and_a_driver() else {
        return;
    };
    let base = daemon.base_url.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = browser(&driver_url).await;
        client.goto(&format!("{base}/")).await.unwrap();
        assert_eq!(client.title().await.unwrap(), "ポストモーテムの記録");
        for width in [390, 1280] {
            screenshot(&client, "home", width).await;
        }
        no_errors_logged(&client, "/").await;
        // The check sees what it should: a missing page is a failed load.
        client
            .goto(&format!("{base}/postmortems/nope"))
            .await
            .unwrap();
        let errors = logged_errors(&client).await;
        assert!(
            errors.iter().any(|e| e.contains("404")),
            "a 404 is logged: {errors:?}"
        );
        client.goto(&format!("{base}/")).await.unwrap();

        click(&client, "a[href='/sessions/weekly/2026-11-18']").await;
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .path()
                .ends_with("/sessions/weekly/2026-11-18")
        );
        click(&client, "a[href='/postmortems/pm-deadlock']").await;
        let heading = client
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(heading, "決済APIのデッドロック <b>障害</b>");
        for width in [390, 1280] {
            screenshot(&client, "postmortem", width).await;
        }

        client.back().await.unwrap();
        click(&client, "a.tag[href='/learnings?tag=db']").await;
        let body = client.source().await.unwrap();
        assert!(body.contains("ロックは常に同じ順序で取る"), "{body}");
        assert!(!body.contains("Alerts need runbooks"), "{body}");

        click(&client, "nav a[href='/search']").await;
        let form = client.form(Locator::Css("form.search")).await.unwrap();
        form.set_by_name("q", "デッドロック").await.unwrap();
        form.submit().await.unwrap();
        // The results page may still be loading when submit returns.
        client
            .wait()
            .at_most(std::time::Duration::from_secs(10))
            .for_element(Locator::Css("ol.results mark"))
            .await
            .expect("the results page shows a highlighted match");
        let marks = client
            .find_all(Locator::Css("ol.results mark"))
            .await
            .unwrap();
        assert!(!marks.is_empty(), "no highlighted match");
        for mark in marks {
            assert_eq!(mark.text().await.unwrap(), "デッドロック");
        }
        let results = client
            .find_all(Locator::Css("ol.results > li"))
            .await
            .unwrap();
        assert!(results.len() >= 3, "{} results", results.len());
        for width in [390, 1280] {
            screenshot(&client, "search", width).await;
        }
        no_errors_logged(&client, "a session, a postmortem, a tag and the search").await;

        click(&client, "nav a[href^='/stats']").await;
        assert_eq!(client.title().await.unwrap(), "統計 · 週刊ポストモーテム");
        let chart = client
            .execute(
                "const img = document.querySelector('.stats img'); \
                 return img.complete ? img.naturalWidth : -1;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(chart.as_i64(), Some(1200), "the SVG chart loaded");
        for width in [390, 1280] {
            screenshot(&client, "stats", width).await;
        }
        no_errors_logged(&client, "/stats").await;
        client.close().await.unwrap();
    });
}

/// Every element of `client`'s page that reaches past the window's width,
/// outside a box that scrolls or clips it: what a reader at that width
/// could not see without scrolling the page sideways.
async fn elements_past_the_edge(client: &Client) -> Vec<String> {
    let found = client
        .execute(
            "const w = window.innerWidth; const bad = [];
             for (const e of document.querySelectorAll('body *')) {
               const r = e.getBoundingClientRect();
               if (r.width === 0 || (r.right <= w + 1 && r.left >= -1)) continue;
               let held = false;
               for (let p = e.parentElement; p; p = p.parentElement) {
                 const o = getComputedStyle(p).overflowX;
                 if (o === 'auto' || o === 'scroll' || o === 'hidden') { held = true; break; }
               }
               if (!held) bad.push(e.tagName + '.' + e.className + ' [' +
                 Math.round(r.left) + '..' + Math.round(r.right) + '] ' +
                 (e.textContent || '').trim().slice(0, 40));
             }
             return bad;",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Issue 24: every page of the archive (a guest's session, a week off, a
/// page past the last, the statistics, an unknown address) at 390 and
/// 1280 px: a screenshot each, and no element wider than the window.
#[test]
fn every_page_fits_a_phone_and_a_desktop() {
    let Some((_driver, driver_url, _app, daemon)) = the_archive_and_a_driver() else {
        return;
    };
    let base = daemon.base_url.clone();
    let pages = [
        ("home", "/"),
        ("session-with-a-guest", "/sessions/weekly/2026-12-02"),
        ("session-with-notes", "/sessions/weekly/2026-11-18"),
        ("week-off", "/sessions/weekly/2026-12-30"),
        ("postmortems", "/postmortems"),
        ("postmortems-past-the-last-page", "/postmortems?page=99"),
        ("postmortem", "/postmortems/pm-deadlock"),
        ("learnings", "/learnings"),
        ("learnings-by-tag", "/learnings?tag=db"),
        (
            "search",
            "/search?q=%E3%83%87%E3%83%83%E3%83%89%E3%83%AD%E3%83%83%E3%82%AF",
        ),
        ("stats", "/stats"),
        ("actions", "/actions"),
        ("not-found", "/nope"),
        ("home-en", "/?lang=en"),
        ("stats-en", "/stats?lang=en"),
        ("actions-en", "/actions?lang=en"),
    ];
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = browser(&driver_url).await;
        let mut problems = Vec::new();
        for width in [390, 1280] {
            client.set_window_size(width, 900).await.unwrap();
            for (name, path) in pages {
                client.goto(&format!("{base}{path}")).await.unwrap();
                save_screenshot(&client, name, width).await;
                for element in elements_past_the_edge(&client).await {
                    problems.push(format!("{path} at {width} px: {element}"));
                }
            }
        }
        client.close().await.unwrap();
        assert!(
            problems.is_empty(),
            "past the window's edge:\n{}",
            problems.join("\n")
        );
    });
}
