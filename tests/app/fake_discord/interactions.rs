//! Interaction callbacks, original responses and followups, refused where Discord would
//! refuse them (a second callback, a followup before the first answer).

use super::*;

pub(super) async fn post_callback(
    State(shared): State<Arc<Shared>>,
    Path((id, token)): Path<(u64, String)>,
    body: Bytes,
) -> Response {
    let body = match callback_body(&body) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    shared.update(|s| {
        let Some(sent) = s.interactions.get(&id).cloned() else {
            return discord_error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
        };
        if sent.token != token {
            return discord_error(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token");
        }
        if s.callbacks.contains_key(&id) {
            return discord_error(
                StatusCode::BAD_REQUEST,
                40060,
                "Interaction has already been acknowledged.",
            );
        }
        if let Err(problem) = check_callback(&sent, &body) {
            return invalid_form(&problem);
        }
        match body["type"].as_u64() {
            // CHANNEL_MESSAGE_WITH_SOURCE creates the "original response" message.
            Some(4) => {
                let message_id = s.new_id();
                let message =
                    message_json(message_id, sent.channel_id, bot_user_json(), &body["data"]);
                s.originals.insert(token.clone(), message);
            }
            // UPDATE_MESSAGE edits the message the button is on.
            Some(7) => {
                if let Some(m) = sent
                    .message_id
                    .and_then(|m| find_message(s, sent.channel_id, m))
                {
                    merge_message_fields(m, &body["data"]);
                    m["edited_timestamp"] = json!(now_rfc3339());
                }
            }
            _ => {}
        }
        s.callbacks.insert(id, body);
        StatusCode::NO_CONTENT.into_response()
    })
}

/// What Discord refuses in a callback, as far as the daemon could get it wrong.
pub(super) fn check_callback(sent: &SentInteraction, body: &Value) -> Result<(), String> {
    match (body["type"].as_u64(), sent.kind) {
        (Some(1), _) => Err("type 1 (PONG) only answers a PING".into()),
        (Some(4 | 5), _) => Ok(()),
        // DEFERRED_UPDATE_MESSAGE / UPDATE_MESSAGE: for a component, or a modal submit.
        (Some(6 | 7), 3 | 5) => Ok(()),
        (Some(6 | 7), _) => Err("type 6/7 only answers a component or a modal submit".into()),
        (Some(8), 4) => match body["data"]["choices"].as_array() {
            Some(choices) if choices.len() <= 25 => Ok(()),
            _ => Err("data.choices: an array of at most 25 choices".into()),
        },
        (Some(8), _) | (_, 4) => {
            Err("type 8 (autocomplete result) answers exactly an autocomplete request".into())
        }
        (Some(9), 5) => Err("a modal submit cannot be answered with a modal".into()),
        (Some(9), _) => {
            let data = &body["data"];
            let title = data["title"].as_str().unwrap_or("").chars().count();
            let custom_id = data["custom_id"].as_str().unwrap_or("").chars().count();
            let rows = data["components"].as_array().map_or(0, Vec::len);
            if !(1..=45).contains(&title) {
                Err(format!("data.title: 1 to 45 characters, got {title}"))
            } else if !(1..=100).contains(&custom_id) {
                Err(format!(
                    "data.custom_id: 1 to 100 characters, got {custom_id}"
                ))
            } else if !(1..=5).contains(&rows) {
                Err(format!("data.components: 1 to 5 rows, got {rows}"))
            } else {
                Ok(())
            }
        }
        (other, _) => Err(format!("unknown interaction response type {other:?}")),
    }
}

pub(super) fn interaction_by_token(
    state: &FakeState,
    token: &str,
) -> Option<(u64, SentInteraction)> {
    state
        .interactions
        .iter()
        .find(|(_, i)| i.token == token)
        .map(|(id, i)| (*id, i.clone()))
}

pub(super) async fn get_original(
    State(shared): State<Arc<Shared>>,
    Path((_app, token)): Path<(u64, String)>,
) -> Response {
    match shared.lock().originals.get(&token) {
        Some(message) => ok_json(message.clone()),
        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

pub(super) async fn patch_original(
    State(shared): State<Arc<Shared>>,
    Path((_app, token)): Path<(u64, String)>,
    body: Bytes,
) -> Response {
    let body = match message_body(&body) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    shared.update(|s| {
        let Some((id, sent)) = interaction_by_token(s, &token) else {
            return discord_error(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token");
        };
        let Some(callback_type) = s.callbacks.get(&id).map(|c| c["type"].as_u64()) else {
            return discord_error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
        };
        // After a type 6/7 callback to a click, "@original" is the message the button is on.
        if let (Some(6 | 7), Some(message_id)) = (callback_type, sent.message_id) {
            return match find_message(s, sent.channel_id, message_id) {
                Some(m) => {
                    merge_message_fields(m, &body);
                    m["edited_timestamp"] = json!(now_rfc3339());
                    ok_json(m.clone())
                }
                None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            };
        }
        let message = match s.originals.get(&token).cloned() {
            Some(mut message) => {
                merge_message_fields(&mut message, &body);
                message["edited_timestamp"] = json!(now_rfc3339());
                message
            }
            None => {
                // After a deferred callback (type 5) the edit creates the message.
                let id = s.new_id();
                message_json(id, sent.channel_id, bot_user_json(), &body)
            }
        };
        s.originals.insert(token.clone(), message.clone());
        ok_json(message)
    })
}

pub(super) async fn post_followup(
    State(shared): State<Arc<Shared>>,
    Path((_app, token)): Path<(u64, String)>,
    body: Bytes,
) -> Response {
    let body = match message_body(&body) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    shared.update(|s| {
        let Some((interaction_id, sent)) = interaction_by_token(s, &token) else {
            return discord_error(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token");
        };
        // Followups exist only once the interaction was answered.
        if !s.callbacks.contains_key(&interaction_id) {
            return discord_error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
        }
        let id = s.new_id();
        let message = message_json(id, sent.channel_id, bot_user_json(), &body);
        s.followups
            .entry(token.clone())
            .or_default()
            .push(message.clone());
        ok_json(message)
    })
}
