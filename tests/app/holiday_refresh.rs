//! The holiday refresh through the binary, against a local stand-in for the Cabinet
//! Office: a good download is used and survives restarts; a 200 answer that is too
//! short or garbled is refused, logged and counted, and the good list stays in use.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::Value;

use crate::helpers::{RunningDaemon, TestApp, WAIT, WEEKLY_MEETING, spawn_app_with};

const EMBEDDED: &str = include_str!("../../src/domain/holidays/jp-holidays-official-1955-2027.csv");
const HEADER: &str = "国民の祝日・休日月日,国民の祝日・休日名称";

/// What the fake answers for the CSV, and how often it was asked.
#[derive(Default)]
struct Answer {
    status: u16,
    body: Vec<u8>,
    requests: usize,
}

/// Serves `/chosei/shukujitsu/syukujitsu.csv` as the Cabinet Office does (Shift-JIS,
/// `1955/1/1,元日`); the answer can be changed between starts of the daemon.
struct FakeCabinetOffice {
    url: String,
    answer: Arc<Mutex<Answer>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeCabinetOffice {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!(
            "http://{}/chosei/shukujitsu/syukujitsu.csv",
            listener.local_addr().unwrap()
        );
        let answer = Arc::new(Mutex::new(Answer {
            status: 503,
            ..Answer::default()
        }));
        let app = Router::new()
            .route("/chosei/shukujitsu/syukujitsu.csv", get(serve))
            .with_state(answer.clone());
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let server = axum::serve(listener, app);
                tokio::select! {
                    _ = server => {}
                    _ = shutdown_rx => {}
                }
            });
        });
        Self {
            url,
            answer,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    fn answer(&self, status: u16, body: Vec<u8>) {
        let mut answer = self.answer.lock().unwrap();
        answer.status = status;
        answer.body = body;
    }

    fn requests(&self) -> usize {
        self.answer.lock().unwrap().requests
    }
}

impl Drop for FakeCabinetOffice {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(State(answer): State<Arc<Mutex<Answer>>>) -> impl IntoResponse {
    let mut answer = answer.lock().unwrap();
    answer.requests += 1;
    (
        StatusCode::from_u16(answer.status).unwrap(),
        [(header::CONTENT_TYPE, "text/csv")],
        answer.body.clone(),
    )
}

/// Rows of the shipped list (`YYYY-MM-DD`, name), plus a copy of 2027's dates as
/// 2028, so that a downloaded list is told apart from the shipped one by its end.
fn good_rows() -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = EMBEDDED
        .lines()
        .skip(1)
        .map(|l| {
            let (date, name) = l.split_once(',').unwrap();
            (date.to_string(), name.to_string())
        })
        .collect();
    let next_year: Vec<_> = rows
        .iter()
        .filter(|(d, _)| d.starts_with("2027-"))
        .map(|(d, n)| (d.replacen("2027", "2028", 1), n.clone()))
        .collect();
    rows.extend(next_year);
    rows
}

/// The rows as the Cabinet Office publishes them: Shift-JIS, CRLF, `1955/1/1`.
fn published(rows: &[(String, String)]) -> Vec<u8> {
    let mut text = format!("{HEADER}\r\n");
    for (date, name) in rows {
        let mut parts = date.split('-').map(|p| p.parse::<u32>().unwrap());
        let (y, m, d) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        text.push_str(&format!("{y}/{m}/{d},{name}\r\n"));
    }
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable, "every holiday name has a Shift-JIS form");
    bytes.into_owned()
}

fn app_refreshing_from(fake: &FakeCabinetOffice) -> TestApp {
    spawn_app_with(&format!(
        "[daemon]\nlanguage = \"ja\"\nlisten = \"127.0.0.1:0\"\nholiday_refresh = true\nholiday_source_url = \"{}\"\n{WEEKLY_MEETING}",
        fake.url
    ))
}

fn healthz_holidays(daemon: &RunningDaemon) -> Value {
    let (_, body) = crate::helpers::get(&format!("{}/healthz", daemon.base_url)).unwrap();
    serde_json::from_str::<Value>(&body).unwrap()["holidays"].clone()
}

/// A refresh runs beside the daemon's start: it is given half again the usual wait.
fn wait_until<T>(what: &str, app: &TestApp, mut check: impl FnMut() -> Option<T>) -> T {
    app.eventually(what, WAIT * 3 / 2, || check().ok_or("nothing yet"))
}

fn refresh_failures(daemon: &RunningDaemon) -> String {
    let (_, metrics) = crate::helpers::get(&format!("{}/metrics", daemon.base_url)).unwrap();
    metrics
        .lines()
        .find(|l| l.starts_with("weekly_postmortem_holiday_refresh_failures_total"))
        .unwrap_or_default()
        .to_string()
}

/// Starts with a good list, then restarts with `bad` served as a 200 answer: the good
/// list must still be in use, and the log must say why the answer was refused.
fn good_list_survives(bad: Vec<u8>, reason: &str) {
    let fake = FakeCabinetOffice::start();
    fake.answer(200, published(&good_rows()));
    let app = app_refreshing_from(&fake);
    let stored = app.state_dir().join("holidays/cabinet-office.json");

    let mut daemon = app.start_daemon();
    let good = wait_until("the good list in use", &app, || {
        let holidays = healthz_holidays(&daemon);
        (holidays["source"] == "cabinet_office").then_some(holidays)
    });
    assert_eq!(good["official_from"], 1955);
    assert_eq!(good["official_until"], 2028, "{good}");
    assert_eq!(good["embedded_until"], 2027);
    let stored_good = std::fs::read(&stored).expect("the good list is stored");
    assert!(daemon.terminate().success());

    fake.answer(200, bad);
    let daemon = app.start_daemon();
    // The stored list is loaded before the listener answers: in use from the first /healthz.
    assert_eq!(healthz_holidays(&daemon), good);
    wait_until("the refusal in the log", &app, || {
        (fake.requests() == 2 && app.daemon_log().contains("refused the list")).then_some(())
    });
    let log = app.daemon_log();
    let refusal = log
        .lines()
        .find(|l| l.contains("refused the list"))
        .unwrap();
    assert!(refusal.contains(reason), "{refusal}");
    assert!(refusal.contains("keeping the list in use"), "{refusal}");
    assert_eq!(
        refresh_failures(&daemon),
        "weekly_postmortem_holiday_refresh_failures_total 1"
    );
    let after = healthz_holidays(&daemon);
    assert_eq!(after, good, "same list, same fetched_at");
    assert_eq!(std::fs::read(&stored).unwrap(), stored_good);
    drop(daemon);

    // And once more from a cold start: what is stored is still the good list.
    fake.answer(503, Vec::new());
    let daemon = app.start_daemon();
    assert_eq!(healthz_holidays(&daemon), good);
}

#[test]
fn a_well_formed_but_far_too_short_list_never_replaces_the_good_one() {
    let short: Vec<_> = good_rows()
        .into_iter()
        .filter(|(d, _)| d.starts_with("2027-") || d.starts_with("2028-"))
        .collect();
    good_list_survives(
        published(&short),
        "it covers 2027..=2028, less than the list in use (1955..=2028)",
    );
}

#[test]
fn a_garbled_answer_never_replaces_the_good_one() {
    let mut garbled = published(&good_rows());
    garbled.truncate(garbled.len() / 2);
    garbled.extend_from_slice(b"\x82\x20<html>oops</html>");
    good_list_survives(garbled, "the body is neither Shift-JIS nor UTF-8 text");
}

#[test]
fn an_error_page_at_first_start_leaves_the_shipped_list_in_use() {
    let fake = FakeCabinetOffice::start();
    fake.answer(200, b"<!DOCTYPE html><title>Maintenance</title>".to_vec());
    let app = app_refreshing_from(&fake);
    let daemon = app.start_daemon();
    wait_until("the refusal in the log", &app, || {
        app.daemon_log().contains("refused the list").then_some(())
    });
    assert!(
        app.daemon_log().contains("not the Cabinet Office header"),
        "{}",
        app.daemon_log()
    );
    let holidays = healthz_holidays(&daemon);
    assert_eq!(holidays["source"], "embedded");
    assert_eq!(holidays["official_until"], 2027);
    assert!(
        !app.state_dir()
            .join("holidays/cabinet-office.json")
            .exists()
    );
    assert!(
        app.state_dir().join("holidays/download.csv").exists(),
        "the refused answer is kept for inspection"
    );
}
