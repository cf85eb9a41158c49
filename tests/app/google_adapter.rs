//! The real Google Calendar adapter against the fake: auth, CRUD, paging, retries, freeBusy.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use tempfile::TempDir;
use weekly_postmortem::calendar::google::{
    CalendarApi, CalendarError, EventSpec, GoogleCalendar, InsertOutcome, MEETING_PROPERTY,
    RetryPolicy, SendUpdates, to_google_event,
};

use crate::fake_google::FakeGoogle;

const CALENDAR: &str = "team@group.calendar.google.com";

fn utc(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
}

/// The Wednesday session on `day` of December 2026, 17:00 Tokyo.
fn session(day: u32) -> EventSpec {
    EventSpec {
        id: format!("postmortem202612{day:02}"),
        meeting_id: "weekly".to_string(),
        summary: "週刊ポストモーテム".to_string(),
        description: "議事録: https://example.com/notes".to_string(),
        start: utc(day, 8),
        end: utc(day, 9),
        time_zone: "Asia/Tokyo".to_string(),
        attendees: vec![
            "alice@example.com".to_string(),
            "bob@example.com".to_string(),
        ],
        reminder_minutes: Some(10),
    }
}

/// Short delays so retry tests take milliseconds.
fn quick_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        request_timeout: Duration::from_secs(5),
    }
}

struct Setup {
    fake: FakeGoogle,
    dir: TempDir,
    calendar: GoogleCalendar,
}

async fn setup() -> Setup {
    let fake = FakeGoogle::start();
    let dir = tempfile::tempdir().unwrap();
    let calendar = service_account_calendar(&fake, &dir, CALENDAR).await;
    Setup {
        fake,
        dir,
        calendar,
    }
}

async fn service_account_calendar(
    fake: &FakeGoogle,
    dir: &TempDir,
    calendar_id: &str,
) -> GoogleCalendar {
    let key = fake.write_service_account_key(dir.path());
    GoogleCalendar::from_service_account_file(
        &key,
        calendar_id.to_string(),
        Some(fake.api_base_url()),
        SendUpdates::None,
    )
    .await
    .expect("a calendar client from the fake's service account key")
    .with_retry(quick_retries(3))
}

fn calendar_requests(fake: &FakeGoogle, method: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|(m, p)| m == method && p.starts_with("/calendar/"))
        .count()
}

#[tokio::test]
async fn an_inserted_event_lists_back_as_the_same_spec() {
    let s = setup().await;
    let wanted = session(2);

    let outcome = s.calendar.insert(&wanted).await.unwrap();
    let listed = s.calendar.list_managed("weekly", utc(1, 0)).await.unwrap();

    assert_eq!(outcome, InsertOutcome::Created);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, wanted.id);
    assert!(!listed[0].cancelled);
    assert_eq!(listed[0].spec.as_ref(), Some(&wanted));
    let stored = s.fake.event(&wanted.id).unwrap();
    assert_eq!(stored["attendees"][0]["optional"], true);
    assert_eq!(
        stored["reminders"],
        json!({"useDefault": false, "overrides": [{"method": "popup", "minutes": 10}]})
    );
    assert_eq!(
        stored["extendedProperties"]["private"][MEETING_PROPERTY],
        "weekly"
    );
    assert_eq!(stored["start"]["timeZone"], "Asia/Tokyo");
    assert_eq!(s.calendar.api_calls().ok, 2);
}

#[tokio::test]
async fn the_service_account_gets_one_token_from_the_key_files_token_uri() {
    let s = setup().await;

    s.calendar.insert(&session(2)).await.unwrap();
    s.calendar.insert(&session(9)).await.unwrap();
    s.calendar.list_managed("weekly", utc(1, 0)).await.unwrap();

    assert_eq!(s.fake.token_requests(), 1, "the token is cached");
    let requests = s.fake.requests();
    assert_eq!(requests[0], ("POST".to_string(), "/token".to_string()));
    let calendar_calls = s
        .fake
        .recorded_requests()
        .iter()
        .filter(|r| r.path.starts_with("/calendar/"))
        .count();
    assert_eq!(calendar_calls, 3);
    assert_eq!(
        s.calendar.api_calls().retried,
        0,
        "no 401 had to be retried"
    );
}

#[tokio::test]
async fn writes_carry_send_updates_and_the_calendar_id_is_path_encoded() {
    let fake = FakeGoogle::start();
    let dir = tempfile::tempdir().unwrap();
    let odd_id = "ja.japanese#holiday@group.v.calendar.google.com";
    let calendar = service_account_calendar(&fake, &dir, odd_id).await;

    calendar.insert(&session(2)).await.unwrap();

    assert_eq!(fake.events_in(odd_id).len(), 1);
    let insert = fake
        .recorded_requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/events"))
        .unwrap();
    assert!(insert.query.unwrap().contains("sendUpdates=none"));
}

#[tokio::test]
async fn inserting_a_taken_id_is_already_exists_even_when_cancelled() {
    let s = setup().await;
    let event = session(2);
    s.calendar.insert(&event).await.unwrap();

    assert_eq!(
        s.calendar.insert(&event).await.unwrap(),
        InsertOutcome::AlreadyExists
    );
    s.fake.cancel_event_as_person(&event.id);
    assert_eq!(
        s.calendar.insert(&event).await.unwrap(),
        InsertOutcome::AlreadyExists
    );
    assert_eq!(s.fake.events().len(), 1);
}

#[tokio::test]
async fn update_replaces_the_event_and_revives_a_cancelled_one() {
    let s = setup().await;
    let mut event = session(2);
    s.calendar.insert(&event).await.unwrap();
    s.fake.cancel_event_as_person(&event.id);

    let listed = s.calendar.list_managed("weekly", utc(1, 0)).await.unwrap();
    assert!(listed[0].cancelled, "a cancelled event is still listed");

    event.summary = "週刊ポストモーテム (延長)".to_string();
    event.end = utc(2, 10);
    event.attendees = vec!["carol@example.com".to_string()];
    event.reminder_minutes = None;
    s.calendar.update(&event).await.unwrap();

    let listed = s.calendar.list_managed("weekly", utc(1, 0)).await.unwrap();
    assert!(!listed[0].cancelled);
    assert_eq!(listed[0].spec.as_ref(), Some(&event));
    assert_eq!(s.fake.event(&event.id).unwrap()["status"], "confirmed");
    assert_eq!(calendar_requests(&s.fake, "PUT"), 1);
}

#[tokio::test]
async fn a_human_edit_shows_up_in_the_listed_spec() {
    let s = setup().await;
    let event = session(2);
    s.calendar.insert(&event).await.unwrap();
    s.fake.edit_event_as_person(
        &event.id,
        json!({"summary": "renamed by hand", "attendees": []}),
    );

    let listed = s.calendar.list_managed("weekly", utc(1, 0)).await.unwrap();

    let actual = listed[0].spec.clone().unwrap();
    assert_eq!(actual.summary, "renamed by hand");
    assert!(actual.attendees.is_empty());
    assert_ne!(actual.normalized(), event.normalized());
}

#[tokio::test]
async fn cancel_marks_the_event_cancelled_and_gone_events_count_as_cancelled() {
    let s = setup().await;
    let event = session(2);
    s.calendar.insert(&event).await.unwrap();

    s.calendar.cancel(&event.id).await.unwrap();
    assert_eq!(s.fake.event(&event.id).unwrap()["status"], "cancelled");
    // Google answers 410 for an event deleted already, 404 for one it never had.
    s.calendar.cancel(&event.id).await.unwrap();
    s.calendar.cancel("neverexisted1").await.unwrap();
    let counts = s.calendar.api_calls();
    assert_eq!((counts.ok, counts.error), (4, 0));
}

#[tokio::test]
async fn listing_follows_every_page_and_only_returns_this_meetings_events() {
    let s = setup().await;
    for n in 0..120 {
        let mut event = session(2);
        event.id = format!("postmortem{n:04}");
        s.fake.seed_event(
            CALENDAR,
            serde_json::to_value(to_google_event(&event)).unwrap(),
        );
    }
    let mut other = session(2);
    other.id = "othermeeting0001".to_string();
    other.meeting_id = "monthly".to_string();
    s.fake.seed_event(
        CALENDAR,
        serde_json::to_value(to_google_event(&other)).unwrap(),
    );
    let mut past = session(2);
    past.id = "pastsession0001".to_string();
    past.start = utc(1, 0);
    past.end = utc(1, 1);
    s.fake.seed_event(
        CALENDAR,
        serde_json::to_value(to_google_event(&past)).unwrap(),
    );
    s.fake.clear_requests();

    let listed = s.calendar.list_managed("weekly", utc(1, 12)).await.unwrap();

    assert_eq!(listed.len(), 120);
    assert!(
        listed
            .iter()
            .all(|e| e.spec.as_ref().unwrap().meeting_id == "weekly")
    );
    assert_eq!(calendar_requests(&s.fake, "GET"), 3, "50 + 50 + 20");
}

#[tokio::test]
async fn an_event_that_cannot_be_a_spec_is_listed_without_one() {
    let s = setup().await;
    s.fake.seed_event(
        CALENDAR,
        json!({
            "id": "alldayevent01",
            "status": "confirmed",
            "start": {"date": "2026-12-02"},
            "end": {"date": "2026-12-03"},
            "extendedProperties": {"private": {MEETING_PROPERTY: "weekly"}},
        }),
    );

    let listed = s.calendar.list_managed("weekly", utc(1, 0)).await.unwrap();

    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, "alldayevent01");
    assert_eq!(listed[0].spec, None);
}

#[tokio::test]
async fn a_503_is_retried_until_it_succeeds() {
    let s = setup().await;
    s.calendar.list_managed("weekly", utc(1, 0)).await.unwrap();
    s.fake.fail_next(2, 503);

    let outcome = s.calendar.insert(&session(2)).await.unwrap();

    assert_eq!(outcome, InsertOutcome::Created);
    assert_eq!(calendar_requests(&s.fake, "POST"), 3);
    let counts = s.calendar.api_calls();
    assert_eq!((counts.ok, counts.error, counts.retried), (2, 0, 2));
}

#[tokio::test]
async fn rate_limits_are_retried_429_and_403_alike() {
    let s = setup().await;
    s.fake.fail_next(1, 429);
    s.calendar.insert(&session(2)).await.unwrap();
    s.fake.fail_next(1, 403);
    s.calendar.insert(&session(9)).await.unwrap();

    assert_eq!(s.fake.events().len(), 2);
    assert_eq!(s.calendar.api_calls().retried, 2);
}

#[tokio::test]
async fn it_gives_up_after_max_attempts_with_a_clear_error() {
    let s = setup().await;
    s.fake.fail_next(10, 503);

    let error = s.calendar.insert(&session(2)).await.unwrap_err();

    match &error {
        CalendarError::RetriesExhausted { attempts, last } => {
            assert_eq!(*attempts, 3);
            assert_eq!(last.status(), Some(503));
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    let text = error.to_string();
    assert!(text.contains("gave up after 3 attempts"), "{text}");
    assert!(
        text.contains("503") && text.contains("Backend Error"),
        "{text}"
    );
    assert!(text.contains("postmortem20261202"), "{text}");
    assert_eq!(calendar_requests(&s.fake, "POST"), 3);
    let counts = s.calendar.api_calls();
    assert_eq!((counts.ok, counts.error, counts.retried), (0, 1, 2));
}

#[tokio::test]
async fn other_client_errors_fail_at_once_with_googles_message_and_the_event_id() {
    let s = setup().await;
    s.fake
        .fail_next_with_reason(1, 403, "forbiddenForServiceAccounts");

    let error = s.calendar.insert(&session(2)).await.unwrap_err();
    assert_eq!(calendar_requests(&s.fake, "POST"), 1, "no retry");
    assert!(
        matches!(&error, CalendarError::Api { status: 403, .. }),
        "{error:?}"
    );

    let error = s.calendar.update(&session(9)).await.unwrap_err();
    match error {
        CalendarError::Api {
            status,
            message,
            reason,
            event_id,
        } => {
            assert_eq!(status, 404);
            assert_eq!(message, "Not Found");
            assert_eq!(reason.as_deref(), Some("notFound"));
            assert_eq!(event_id.as_deref(), Some("postmortem20261209"));
        }
        other => panic!("expected an Api error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_id_that_does_not_belong_in_a_url_is_refused_locally() {
    let s = setup().await;
    let error = s.calendar.cancel("../../freeBusy").await.unwrap_err();
    assert!(
        matches!(error, CalendarError::InvalidRequest(_)),
        "{error:?}"
    );
    assert_eq!(calendar_requests(&s.fake, "DELETE"), 0);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_a_lost_insert_answer_becomes_already_exists() {
    let s = setup().await;
    let calendar = s.calendar.with_retry(RetryPolicy {
        request_timeout: Duration::from_millis(200),
        ..quick_retries(3)
    });
    calendar.list_managed("weekly", utc(1, 0)).await.unwrap();
    // The insert lands, but its answer comes after the client stopped waiting.
    s.fake.delay_next(1, Duration::from_millis(600));

    let outcome = calendar.insert(&session(2)).await.unwrap();

    assert_eq!(outcome, InsertOutcome::AlreadyExists);
    assert_eq!(s.fake.events().len(), 1);
    assert_eq!(calendar.api_calls().retried, 1);

    s.fake.set_delay(Some(Duration::from_millis(600)));
    let started = Instant::now();
    let error = calendar.cancel("postmortem20261202").await.unwrap_err();
    s.fake.set_delay(None);
    assert!(started.elapsed() < Duration::from_secs(3));
    match error {
        CalendarError::RetriesExhausted { last, .. } => {
            assert!(matches!(*last, CalendarError::Timeout { .. }), "{last:?}");
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
}

#[tokio::test]
async fn an_outage_of_the_token_endpoint_is_retried_then_reported() {
    let fake = FakeGoogle::start();
    let dir = tempfile::tempdir().unwrap();
    let calendar = service_account_calendar(&fake, &dir, CALENDAR).await;
    fake.set_down(true);

    let error = calendar
        .list_managed("weekly", utc(1, 0))
        .await
        .unwrap_err();

    assert_eq!(fake.token_requests(), 3, "{error:?}");
    assert!(
        matches!(error, CalendarError::RetriesExhausted { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("token endpoint"), "{error}");

    fake.set_down(false);
    calendar.list_managed("weekly", utc(1, 0)).await.unwrap();
}

#[tokio::test]
async fn a_cached_user_token_that_google_refuses_is_refreshed_once() {
    let fake = FakeGoogle::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = fake.write_client_secret(dir.path());
    let cache =
        FakeGoogle::write_token_cache(&dir.path().join("state/google-token.json"), "revoked");
    let calendar = GoogleCalendar::from_installed_token(
        &secret,
        &cache,
        CALENDAR.to_string(),
        Some(fake.api_base_url()),
        SendUpdates::All,
    )
    .await
    .unwrap()
    .with_retry(quick_retries(3));

    calendar.insert(&session(2)).await.unwrap();

    assert_eq!(fake.token_requests(), 1, "one refresh_token grant");
    let stored = std::fs::read_to_string(&cache).unwrap();
    assert!(
        stored.contains("fake-token-1"),
        "the refreshed token is persisted"
    );
    assert!(stored.contains(crate::fake_google::FAKE_REFRESH_TOKEN));
}

#[tokio::test]
async fn without_a_cached_user_token_the_error_says_to_run_auth_google() {
    let fake = FakeGoogle::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = fake.write_client_secret(dir.path());

    let error = GoogleCalendar::from_installed_token(
        &secret,
        &dir.path().join("missing.json"),
        CALENDAR.to_string(),
        Some(fake.api_base_url()),
        SendUpdates::None,
    )
    .await
    .unwrap_err();

    assert!(matches!(error, CalendarError::Auth(_)), "{error:?}");
    assert!(
        error.to_string().contains("weekly-postmortem auth google"),
        "{error}"
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_fails_fast_instead_of_waiting_for_a_browser() {
    let fake = FakeGoogle::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = fake.write_client_secret(dir.path());
    let cache = FakeGoogle::write_token_cache(&dir.path().join("token.json"), "revoked");
    let calendar = GoogleCalendar::from_installed_token(
        &secret,
        &cache,
        CALENDAR.to_string(),
        Some(fake.api_base_url()),
        SendUpdates::None,
    )
    .await
    .unwrap()
    .with_retry(quick_retries(3));
    fake.reject_tokens(true);

    let result = tokio::time::timeout(
        Duration::from_secs(10),
        calendar.list_managed("weekly", utc(1, 0)),
    )
    .await
    .expect("no interactive prompt");

    let error = result.unwrap_err();
    assert!(matches!(error, CalendarError::Auth(_)), "{error:?}");
    assert!(
        error.to_string().contains("weekly-postmortem auth google"),
        "{error}"
    );
}

#[tokio::test]
async fn free_busy_answers_per_email_and_expands_groups() {
    let s = setup().await;
    s.fake.set_busy(
        "alice@example.com",
        vec![(utc(2, 1), utc(2, 2)), (utc(20, 1), utc(20, 2))],
    );
    s.fake
        .set_busy("bob@example.com", vec![(utc(2, 1), utc(2, 3))]);
    s.fake.set_busy("dave@example.com", vec![]);
    s.fake.set_group(
        "team@example.com",
        &["alice@example.com", "bob@example.com"],
    );
    let asked = [
        "alice@example.com".to_string(),
        "team@example.com".to_string(),
        "dave@example.com".to_string(),
        "stranger@example.com".to_string(),
    ];

    let busy = s
        .calendar
        .free_busy(&asked, utc(1, 0), utc(8, 0))
        .await
        .unwrap();

    assert_eq!(busy["alice@example.com"], vec![(utc(2, 1), utc(2, 2))]);
    assert_eq!(busy["team@example.com"], vec![(utc(2, 1), utc(2, 3))]);
    assert_eq!(busy["dave@example.com"], vec![]);
    assert!(
        !busy.contains_key("stranger@example.com"),
        "unknown is not free"
    );
    assert!(!busy.contains_key("bob@example.com"), "only what was asked");
    assert_eq!(calendar_requests(&s.fake, "POST"), 1);
}

#[tokio::test]
async fn it_works_behind_arc_dyn_calendar_api() {
    let s = setup().await;
    let api: Arc<dyn CalendarApi> = Arc::new(s.calendar);
    let task = tokio::spawn({
        let api = Arc::clone(&api);
        async move { api.insert(&session(2)).await }
    });
    assert_eq!(task.await.unwrap().unwrap(), InsertOutcome::Created);
    assert_eq!(
        api.list_managed("weekly", utc(1, 0)).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output_and_key_errors() {
    let s = setup().await;
    s.calendar.list_managed("weekly", utc(1, 0)).await.unwrap();
    let debug = format!("{:?}", s.calendar);
    assert!(
        !debug.contains("PRIVATE KEY") && !debug.contains("fake-token"),
        "{debug}"
    );

    let key = std::fs::read_to_string(s.dir.path().join("service-account.json")).unwrap();
    let broken = key.replace("\"client_email\": \"", "\"client_email\": 7, \"x\": \"");
    let path = s.dir.path().join("broken.json");
    std::fs::write(&path, broken).unwrap();
    let error = GoogleCalendar::from_service_account_file(
        &path,
        CALENDAR.to_string(),
        Some(s.fake.api_base_url()),
        SendUpdates::None,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, CalendarError::Config(_)), "{error:?}");
    assert!(
        !format!("{error} {error:?}").contains("PRIVATE KEY"),
        "{error}"
    );

    let bad_pem = key.replace("MII", "XXX");
    std::fs::write(&path, bad_pem).unwrap();
    let error = GoogleCalendar::from_service_account_file(
        &path,
        CALENDAR.to_string(),
        Some(s.fake.api_base_url()),
        SendUpdates::None,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, CalendarError::Config(_)), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("XXX"), "{error}");
}

#[tokio::test]
async fn auth_google_stores_a_token_the_daemon_can_then_use() {
    let fake = FakeGoogle::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = fake.write_client_secret(dir.path());
    let cache = dir.path().join("state/google-token.json");
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    std::fs::write(&cache, "left over from an older authorization").unwrap();

    GoogleCalendar::authorize_installed_with(&secret, &cache, |consent_url| {
        // The "browser": open the consent page and follow its redirect back to the app.
        let consent_url = consent_url.to_string();
        tokio::spawn(async move {
            let page = reqwest::get(&consent_url).await.expect("the consent page");
            assert!(page.status().is_success(), "{}", page.status());
        });
    })
    .await
    .unwrap();

    let stored = std::fs::read_to_string(&cache).unwrap();
    assert!(
        stored.contains(crate::fake_google::FAKE_REFRESH_TOKEN),
        "{stored}"
    );
    assert!(!dir.path().join("state/google-token.json.pending").exists());
    let calendar = GoogleCalendar::from_installed_token(
        &secret,
        &cache,
        CALENDAR.to_string(),
        Some(fake.api_base_url()),
        SendUpdates::None,
    )
    .await
    .unwrap();
    calendar.insert(&session(2)).await.unwrap();
    assert_eq!(fake.token_requests(), 1, "only the code exchange");
}

#[tokio::test]
async fn a_revoked_access_token_is_replaced_once_and_the_call_goes_through() {
    let s = setup().await;
    s.calendar.insert(&session(2)).await.unwrap();
    s.fake.revoke_issued_tokens();

    s.calendar.insert(&session(9)).await.unwrap();

    assert_eq!(s.fake.token_requests(), 2);
    assert_eq!(s.fake.events().len(), 2);
    let counts = s.calendar.api_calls();
    assert_eq!((counts.ok, counts.error, counts.retried), (2, 0, 1));
}

/// Tests that run the daemon binary are plain `#[test]`s: the fake must work without a
/// runtime of the test's own.
#[test]
fn the_fake_serves_sync_tests_and_refuses_calls_without_a_token() {
    use std::io::{Read, Write};

    let fake = FakeGoogle::start();
    let address = fake.base_url().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    let request = format!(
        "GET /calendar/v3/calendars/primary/events HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();

    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert_eq!(
        fake.requests(),
        vec![(
            "GET".to_string(),
            "/calendar/v3/calendars/primary/events".to_string()
        )]
    );
}
