//! What the Calendar routes share: finding and checking events, the fields Google adds,
//! times, errors and query strings.

use super::*;

pub(super) fn find(inner: &Inner, calendar: &str, event_id: &str) -> Option<usize> {
    inner
        .events
        .iter()
        .position(|e| e.calendar == calendar && e.event["id"] == event_id)
}

/// Google's own id rule: base32hex (`a`-`v`, `0`-`9`), 5 to 1024 characters.
pub(super) fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.bytes().all(|b| matches!(b, b'a'..=b'v' | b'0'..=b'9'))
}

/// Google's refusal of an event body, if it would refuse it: not an object,
/// a missing start or end, or an end before the start.
pub(super) fn check_event(event: &Value) -> Option<Response> {
    if !event.is_object() {
        return Some(google_error(400, "Bad Request", "badRequest"));
    }
    check_times(event)
}

fn check_times(event: &Value) -> Option<Response> {
    for side in ["start", "end"] {
        if event[side]["dateTime"].is_null() && event[side]["date"].is_null() {
            return Some(google_error(
                400,
                &format!("Missing {side} time."),
                "required",
            ));
        }
    }
    match (event_time(event, "start"), event_time(event, "end")) {
        (Some(start), Some(end)) if end < start => Some(google_error(
            400,
            "The specified time range is empty.",
            "timeRangeEmpty",
        )),
        _ => None,
    }
}

/// The fields Google fills in on its own, so the adapter parses what it would really get.
pub(super) fn decorate(calendar: &str, event: &mut Value, now: &str, sequence: i64) {
    let id = event["id"].as_str().unwrap_or_default().to_string();
    event["kind"] = json!("calendar#event");
    event["etag"] = json!(format!("\"{}-{sequence}\"", Utc::now().timestamp_micros()));
    event["updated"] = json!(now);
    event["sequence"] = json!(sequence);
    event["iCalUID"] = json!(format!("{id}@google.com"));
    event["htmlLink"] = json!(format!("https://calendar.example/event?eid={id}"));
    event["organizer"] = json!({"email": calendar, "self": true});
    event["creator"] = json!({"email": "weekly-postmortem@fake-project.iam.gserviceaccount.com"});
    if event.get("status").is_none() {
        event["status"] = json!("confirmed");
    }
    if event.get("reminders").is_none() {
        event["reminders"] = json!({"useDefault": true});
    }
    if let Some(attendees) = event.get_mut("attendees").and_then(Value::as_array_mut) {
        for attendee in attendees {
            if attendee.get("responseStatus").is_none() {
                attendee["responseStatus"] = json!("needsAction");
            }
        }
    }
}

pub(super) fn touch(event: &mut Value) {
    event["updated"] = json!(now());
    event["sequence"] = json!(event["sequence"].as_i64().unwrap_or(0) + 1);
}

pub(super) fn merge_top_level(event: &mut Value, patch: &Value) {
    if let (Some(target), Some(fields)) = (event.as_object_mut(), patch.as_object()) {
        for (key, value) in fields {
            target.insert(key.clone(), value.clone());
        }
    }
}

pub(super) fn event_time(event: &Value, side: &str) -> Option<DateTime<Utc>> {
    event[side]["dateTime"]
        .as_str()
        .and_then(|t| parse_rfc3339(t).ok())
}

pub(super) fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc))
}

pub(super) fn rfc3339(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(super) fn google_error(status: u16, message: &str, reason: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": "global", "reason": reason, "message": message}],
        }
    });
    (code, Json(body)).into_response()
}

pub(super) fn oauth_error(error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Query parameters may repeat (`privateExtendedProperty`), which axum's `Query` into a map
/// would lose.
pub(super) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || {
            let digits = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            u8::from_str_radix(digits, 16).ok()
        };
        match (bytes[i], hex()) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The calendar id as it appears in a path: `@` percent-encoded.
pub(super) fn urlencoding_like(id: &str) -> String {
    id.replace('@', "%40")
}
