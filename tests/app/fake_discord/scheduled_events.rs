//! Guild scheduled events (refused in the past once asked), members and roles.

use super::*;

/// Checks an event as Discord would, after a create or a merged edit.
pub(super) fn check_event(
    event: &Value,
    refuse_before: Option<DateTime<Utc>>,
) -> Result<(), String> {
    let name = event["name"].as_str().unwrap_or("");
    if !(1..=100).contains(&name.chars().count()) {
        return Err("name: 1 to 100 characters".into());
    }
    let start = event["scheduled_start_time"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or("scheduled_start_time: an ISO8601 timestamp is required")?;
    let end = match event["scheduled_end_time"].as_str() {
        Some(t) => {
            Some(DateTime::parse_from_rfc3339(t).map_err(|_| "scheduled_end_time: not ISO8601")?)
        }
        None => None,
    };
    if let Some(end) = end
        && end <= start
    {
        return Err("scheduled_end_time: must be after the start".into());
    }
    if let Some(limit) = refuse_before
        && start < limit
    {
        return Err("scheduled_start_time: Cannot schedule event in the past.".into());
    }
    if event["privacy_level"] != 2 {
        return Err("privacy_level: must be 2 (GUILD_ONLY)".into());
    }
    match event["entity_type"].as_u64() {
        Some(1) | Some(2) => {
            if event["channel_id"].as_str().is_none() {
                return Err("channel_id: required for a stage or voice event".into());
            }
        }
        Some(3) => {
            let location = event["entity_metadata"]["location"].as_str().unwrap_or("");
            if location.is_empty() {
                return Err("entity_metadata.location: required for an external event".into());
            }
            if end.is_none() {
                return Err("scheduled_end_time: required for an external event".into());
            }
            if !event["channel_id"].is_null() {
                return Err("channel_id: must be null for an external event".into());
            }
        }
        _ => return Err("entity_type: 1, 2 or 3".into()),
    }
    Ok(())
}

pub(super) async fn list_events(
    State(shared): State<Arc<Shared>>,
    Path(guild): Path<u64>,
) -> Response {
    if guild != GUILD_ID {
        return discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    ok_json(Value::Array(shared.lock().scheduled_events.clone()))
}

pub(super) async fn create_event(
    State(shared): State<Arc<Shared>>,
    Path(guild): Path<u64>,
    body: Bytes,
) -> Response {
    if guild != GUILD_ID {
        return discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    shared.update(|s| {
        let id = s.new_id();
        let mut event = json!({
            "id": id.to_string(),
            "guild_id": GUILD_ID.to_string(),
            "channel_id": null,
            "creator_id": BOT_USER_ID.to_string(),
            "creator": bot_user_json(),
            "name": "",
            "description": null,
            "scheduled_start_time": null,
            "scheduled_end_time": null,
            "privacy_level": 2,
            "status": 1,
            "entity_type": null,
            "entity_id": null,
            "entity_metadata": null,
            "user_count": 0,
            "image": null,
        });
        for (k, v) in body.as_object().into_iter().flatten() {
            event[k] = v.clone();
        }
        if let Err(problem) = check_event(&event, s.refuse_events_before) {
            return invalid_form(&problem);
        }
        s.scheduled_events.push(event.clone());
        ok_json(event)
    })
}

pub(super) async fn get_event(
    State(shared): State<Arc<Shared>>,
    Path((_guild, event)): Path<(u64, u64)>,
) -> Response {
    let state = shared.lock();
    match state.scheduled_events.iter().find(|e| has_id(e, event)) {
        Some(e) => ok_json(e.clone()),
        None => discord_error(
            StatusCode::NOT_FOUND,
            10070,
            "Unknown Guild Scheduled Event",
        ),
    }
}

pub(super) async fn edit_event(
    State(shared): State<Arc<Shared>>,
    Path((_guild, event)): Path<(u64, u64)>,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    shared.update(|s| {
        let refuse_before = s.refuse_events_before;
        let Some(stored) = s.scheduled_events.iter_mut().find(|e| has_id(e, event)) else {
            return discord_error(
                StatusCode::NOT_FOUND,
                10070,
                "Unknown Guild Scheduled Event",
            );
        };
        if stored["status"] != 1 && stored["status"] != 2 {
            return invalid_form("a completed or canceled event cannot be edited");
        }
        let mut edited = stored.clone();
        // A field sent as null clears it (channel_id when moving to EXTERNAL, ...).
        for (k, v) in body.as_object().into_iter().flatten() {
            edited[k] = v.clone();
        }
        if let Err(problem) = check_event(&edited, refuse_before) {
            return invalid_form(&problem);
        }
        *stored = edited.clone();
        ok_json(edited)
    })
}

pub(super) async fn delete_event(
    State(shared): State<Arc<Shared>>,
    Path((_guild, event)): Path<(u64, u64)>,
) -> Response {
    shared.update(|s| {
        let before = s.scheduled_events.len();
        s.scheduled_events.retain(|e| !has_id(e, event));
        if s.scheduled_events.len() == before {
            discord_error(
                StatusCode::NOT_FOUND,
                10070,
                "Unknown Guild Scheduled Event",
            )
        } else {
            StatusCode::NO_CONTENT.into_response()
        }
    })
}

pub(super) async fn get_member(
    State(shared): State<Arc<Shared>>,
    Path((guild, user)): Path<(u64, u64)>,
) -> Response {
    if guild != GUILD_ID {
        return discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    if user == BOT_USER_ID {
        if shared.lock().outside_guild {
            return discord_error(StatusCode::NOT_FOUND, 10007, "Unknown Member");
        }
        return ok_json(member_json(user, &[BOT_ROLE_ID], None));
    }
    ok_json(member_json(user, &[], None))
}

pub(super) async fn get_roles(Path(guild): Path<u64>) -> Response {
    if guild != GUILD_ID {
        return discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    ok_json(json!([everyone_role_json()]))
}
