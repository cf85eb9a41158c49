//! The Calendar v3 routes: events listed, inserted, read, updated, patched and deleted,
//! and free/busy.

use super::*;

pub(super) async fn list_events(
    State(state): State<Shared>,
    UrlPath(calendar): UrlPath<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref().unwrap_or(""));
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let show_deleted = param("showDeleted") == Some("true") && !lock(&state).hide_cancelled;
    let properties: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k == "privateExtendedProperty")
        .filter_map(|(_, v)| v.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let Ok(time_min) = param("timeMin").map(parse_rfc3339).transpose() else {
        return google_error(400, "Bad Request", "badRequest");
    };
    let Ok(time_max) = param("timeMax").map(parse_rfc3339).transpose() else {
        return google_error(400, "Bad Request", "badRequest");
    };
    let page_size = param("maxResults")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(250)
        .clamp(1, PAGE_SIZE);
    let offset = match param("pageToken") {
        None => 0,
        Some(token) => match token.strip_prefix("page-").and_then(|n| n.parse().ok()) {
            Some(offset) => offset,
            None => return google_error(400, "Invalid page token value.", "invalid"),
        },
    };
    let inner = lock(&state);
    let matching: Vec<&Value> = inner
        .events
        .iter()
        .filter(|e| e.calendar == calendar)
        .map(|e| &e.event)
        .filter(|e| show_deleted || e["status"] != "cancelled")
        .filter(|e| {
            properties
                .iter()
                .all(|(k, v)| e["extendedProperties"]["private"][k] == v.as_str())
        })
        // Google's timeMin bounds the end time (exclusive), timeMax the start time.
        .filter(|e| match (time_min, event_time(e, "end")) {
            (Some(min), Some(end)) => end > min,
            _ => true,
        })
        .filter(|e| match (time_max, event_time(e, "start")) {
            (Some(max), Some(start)) => start < max,
            _ => true,
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|e| (*e).clone())
        .collect();
    let mut answer = json!({
        "kind": "calendar#events",
        "summary": calendar,
        "timeZone": "UTC",
        "accessRole": "owner",
        "items": page,
    });
    if offset + page_size < matching.len() {
        answer["nextPageToken"] = json!(format!("page-{}", offset + page_size));
    }
    Json(answer).into_response()
}

pub(super) async fn insert_event(
    State(state): State<Shared>,
    UrlPath(calendar): UrlPath<String>,
    Json(mut event): Json<Value>,
) -> Response {
    if let Some(error) = check_event(&event) {
        return error;
    }
    let mut inner = lock(&state);
    let id = match event["id"].as_str() {
        Some(id) if !valid_event_id(id) => {
            return google_error(400, "Invalid resource id value.", "invalid");
        }
        Some(id) => id.to_string(),
        None => {
            inner.generated_ids += 1;
            format!("fakegenerated{:06}", inner.generated_ids)
        }
    };
    // Google keeps a deleted event's id reserved: re-inserting it is a 409 too.
    if inner
        .events
        .iter()
        .any(|e| e.calendar == calendar && e.event["id"] == id.as_str())
    {
        return google_error(409, "The requested identifier already exists.", "duplicate");
    }
    event["id"] = json!(id);
    let now = now();
    decorate(&calendar, &mut event, &now, 0);
    event["created"] = json!(now);
    inner.events.push(StoredEvent {
        calendar,
        event: event.clone(),
    });
    Json(event).into_response()
}

pub(super) async fn get_event(
    State(state): State<Shared>,
    UrlPath((calendar, event_id)): UrlPath<(String, String)>,
) -> Response {
    let inner = lock(&state);
    match find(&inner, &calendar, &event_id) {
        Some(index) => Json(inner.events[index].event.clone()).into_response(),
        None => google_error(404, "Not Found", "notFound"),
    }
}

pub(super) async fn update_event(
    State(state): State<Shared>,
    UrlPath((calendar, event_id)): UrlPath<(String, String)>,
    Json(mut event): Json<Value>,
) -> Response {
    if let Some(error) = check_event(&event) {
        return error;
    }
    let mut inner = lock(&state);
    let Some(index) = find(&inner, &calendar, &event_id) else {
        return google_error(404, "Not Found", "notFound");
    };
    let old = inner.events[index].event.clone();
    event["id"] = json!(event_id);
    if event.get("status").is_none() {
        event["status"] = json!("confirmed");
    }
    let sequence = old["sequence"].as_i64().unwrap_or(0) + 1;
    decorate(&calendar, &mut event, &now(), sequence);
    event["created"] = old["created"].clone();
    inner.events[index].event = event.clone();
    Json(event).into_response()
}

pub(super) async fn patch_event(
    State(state): State<Shared>,
    UrlPath((calendar, event_id)): UrlPath<(String, String)>,
    Json(patch): Json<Value>,
) -> Response {
    let mut inner = lock(&state);
    let Some(index) = find(&inner, &calendar, &event_id) else {
        return google_error(404, "Not Found", "notFound");
    };
    let event = &mut inner.events[index].event;
    merge_top_level(event, &patch);
    event["id"] = json!(event_id);
    touch(event);
    Json(event.clone()).into_response()
}

pub(super) async fn delete_event(
    State(state): State<Shared>,
    UrlPath((calendar, event_id)): UrlPath<(String, String)>,
) -> Response {
    let mut inner = lock(&state);
    let Some(index) = find(&inner, &calendar, &event_id) else {
        return google_error(404, "Not Found", "notFound");
    };
    let event = &mut inner.events[index].event;
    if event["status"] == "cancelled" {
        return google_error(410, "Resource has been deleted", "deleted");
    }
    event["status"] = json!("cancelled");
    touch(event);
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn free_busy(State(state): State<Shared>, Json(request): Json<Value>) -> Response {
    let parse = |name: &str| request[name].as_str().and_then(|t| parse_rfc3339(t).ok());
    let (Some(time_min), Some(time_max)) = (parse("timeMin"), parse("timeMax")) else {
        return google_error(400, "Missing timeMin or timeMax parameter.", "required");
    };
    if time_max <= time_min {
        return google_error(400, "The specified time range is empty.", "timeRangeEmpty");
    }
    let inner = lock(&state);
    let calendar = |email: &str| match inner.busy.get(email) {
        Some(intervals) => {
            let busy: Vec<Value> = intervals
                .iter()
                .filter(|(start, end)| *start < time_max && *end > time_min)
                .map(|(start, end)| json!({"start": rfc3339(start), "end": rfc3339(end)}))
                .collect();
            json!({ "busy": busy })
        }
        None => json!({"busy": [], "errors": [{"domain": "global", "reason": "notFound"}]}),
    };
    let mut calendars = Map::new();
    let mut groups = Map::new();
    let ids = request["items"].as_array().cloned().unwrap_or_default();
    for id in ids.iter().filter_map(|item| item["id"].as_str()) {
        match inner.groups.get(id) {
            Some(members) => {
                groups.insert(id.to_string(), json!({ "calendars": members }));
                for member in members {
                    calendars.insert(member.clone(), calendar(member));
                }
            }
            None => {
                calendars.insert(id.to_string(), calendar(id));
            }
        }
    }
    let mut answer = json!({
        "kind": "calendar#freeBusy",
        "timeMin": rfc3339(&time_min),
        "timeMax": rfc3339(&time_max),
        "calendars": calendars,
    });
    if !groups.is_empty() {
        answer["groups"] = Value::Object(groups);
    }
    Json(answer).into_response()
}
