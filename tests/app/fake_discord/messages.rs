//! Channel messages and threads: posting, reading and editing, direct channels.

use super::*;

pub(super) async fn post_message(
    State(shared): State<Arc<Shared>>,
    Path(channel): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return invalid_form("the fake only takes JSON messages (no attachments)");
    }
    let body = match message_body(&body) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    shared.update(|s| {
        // Like Discord: with `enforce_nonce`, a nonce seen recently returns the first message.
        let nonce = body
            .get("nonce")
            .filter(|_| body["enforce_nonce"] == true)
            .cloned();
        if let Some(nonce) = &nonce {
            let earlier = s
                .messages
                .get(&channel)
                .into_iter()
                .flatten()
                .find(|m| m.get("nonce") == Some(nonce));
            if let Some(earlier) = earlier {
                return ok_json(earlier.clone());
            }
        }
        let id = s.new_id();
        let mut message = message_json(id, channel, bot_user_json(), &body);
        message["guild_id"] = json!(GUILD_ID.to_string());
        if let Some(nonce) = nonce {
            message["nonce"] = nonce;
        }
        s.messages.entry(channel).or_default().push(message.clone());
        ok_json(message)
    })
}

/// `POST /channels/{channel}/messages/{message}/threads`: a public thread (type 11) on an
/// existing message, at most one per message; its messages go to the thread's own id.
pub(super) async fn create_thread_from_message(
    State(shared): State<Arc<Shared>>,
    Path((channel, message)): Path<(u64, u64)>,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    let name = body["name"].as_str().unwrap_or("").to_string();
    if !(1..=100).contains(&name.chars().count()) {
        return invalid_form("name: 1 to 100 characters");
    }
    shared.update(|s| {
        if s.refuse_threads {
            return discord_error(StatusCode::FORBIDDEN, 50013, "Missing Permissions");
        }
        let id = s.new_id();
        let Some(m) = find_message(s, channel, message) else {
            return discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
        };
        if m.get("thread").is_some() {
            return discord_error(
                StatusCode::BAD_REQUEST,
                160004,
                "A thread has already been created for this message",
            );
        }
        let thread = json!({
            "id": id.to_string(),
            "type": 11,
            "guild_id": GUILD_ID.to_string(),
            "parent_id": channel.to_string(),
            "owner_id": bot_user_json()["id"],
            "name": name,
            "member_count": 1,
            "message_count": 0,
            "total_message_sent": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": false,
                "auto_archive_duration": body["auto_archive_duration"].as_u64().unwrap_or(1440),
                "archive_timestamp": now_rfc3339(),
                "locked": false,
            },
        });
        m["thread"] = thread.clone();
        s.threads.push(thread.clone());
        ok_json(thread)
    })
}

pub(super) fn find_message(
    state: &mut FakeState,
    channel: u64,
    message: u64,
) -> Option<&mut Value> {
    state
        .messages
        .get_mut(&channel)?
        .iter_mut()
        .find(|m| has_id(m, message))
}

pub(super) async fn get_message(
    State(shared): State<Arc<Shared>>,
    Path((channel, message)): Path<(u64, u64)>,
) -> Response {
    match find_message(&mut shared.lock(), channel, message) {
        Some(m) => ok_json(m.clone()),
        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

pub(super) async fn patch_message(
    State(shared): State<Arc<Shared>>,
    Path((channel, message)): Path<(u64, u64)>,
    body: Bytes,
) -> Response {
    let body = match message_body(&body) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    shared.update(|s| match find_message(s, channel, message) {
        Some(m) => {
            merge_message_fields(m, &body);
            m["edited_timestamp"] = json!(now_rfc3339());
            ok_json(m.clone())
        }
        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    })
}
