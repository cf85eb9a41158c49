//! The JSON the fake answers with, in the shapes serenity accepts, and the checks of what
//! the bot sends (lengths, locales, command names).

use super::*;

// ---- JSON that serenity accepts ------------------------------------------------------------

pub(super) fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(super) fn bot_user_json() -> Value {
    json!({
        "id": BOT_USER_ID.to_string(),
        "username": BOT_USERNAME,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": true,
    })
}

/// The channel of direct messages to `user`, as the fake numbers it.
pub(crate) fn direct_channel_id(user: u64) -> u64 {
    user ^ (1 << 40)
}

/// `POST /users/@me/channels {"recipient_id": …}`: the DM channel with that user.
pub(super) async fn open_direct_channel(body: Bytes) -> Response {
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    let Some(user) = body["recipient_id"]
        .as_str()
        .and_then(|id| id.parse::<u64>().ok())
        .or_else(|| body["recipient_id"].as_u64())
    else {
        return invalid_form("recipient_id: a user id is required");
    };
    ok_json(json!({
        "id": direct_channel_id(user).to_string(),
        "type": 1,
        "last_message_id": null,
        "recipients": [user_json(user)],
    }))
}

pub(super) fn user_json(user_id: u64) -> Value {
    json!({
        "id": user_id.to_string(),
        "username": format!("user{user_id}"),
        "discriminator": "0",
        "global_name": format!("User {user_id}"),
        "avatar": null,
    })
}

pub(super) fn member_json(user_id: u64, roles: &[u64], nick: Option<&str>) -> Value {
    json!({
        "user": user_json(user_id),
        "nick": nick,
        "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": "2024-04-01T00:00:00.000000+00:00",
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "permissions": "2248473465835073",
    })
}

pub(super) fn everyone_role_json() -> Value {
    json!({
        "id": GUILD_ID.to_string(),
        "name": "@everyone",
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": 0,
        "permissions": "2248473465835073",
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

/// GUILD_CREATE for the one guild. The bot is its owner, so serenity's permission checks
/// against the cache pass.
pub(super) fn guild_create_json() -> Value {
    // Built in two parts: one `json!` this size exceeds the default macro recursion limit.
    let mut guild = json!({
        "id": GUILD_ID.to_string(),
        "name": "Fake guild",
        "icon": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": BOT_USER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [everyone_role_json()],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "preferred_locale": "ja",
        "public_updates_channel_id": null,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
    });
    // The fields only GUILD_CREATE has.
    let extra = json!({
        "joined_at": "2024-04-01T00:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": 1,
        "voice_states": [],
        "members": [{
            "user": bot_user_json(),
            "roles": [],
            "joined_at": "2024-04-01T00:00:00.000000+00:00",
            "deaf": false,
            "mute": false,
            "flags": 0,
        }],
        "channels": [
            { "id": TEXT_CHANNEL_ID.to_string(), "type": 0, "name": "general", "position": 0,
              "permission_overwrites": [], "parent_id": null, "nsfw": false },
            { "id": VOICE_CHANNEL_ID.to_string(), "type": 2, "name": "会議室", "position": 1,
              "permission_overwrites": [], "parent_id": null, "bitrate": 64000, "user_limit": 0 },
        ],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        guild[k] = v.clone();
    }
    guild
}

pub(super) fn discord_error(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

pub(super) fn invalid_form(message: &str) -> Response {
    discord_error(
        StatusCode::BAD_REQUEST,
        50035,
        &format!("Invalid Form Body: {message}"),
    )
}

pub(super) fn ok_json(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

pub(super) fn parse_body(body: &Bytes) -> Result<Value, String> {
    if body.starts_with(b"--") {
        return parse_multipart(body);
    }
    serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))
}

/// A message with files (multipart/form-data): `payload_json` plus file parts,
/// which are summarised under `files_received` (name, size, PNG dimensions).
pub(super) fn parse_multipart(body: &[u8]) -> Result<Value, String> {
    let boundary_end = body
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or("no multipart boundary")?;
    let boundary = &body[..boundary_end];
    let mut payload = json!({});
    let mut files = Vec::new();
    let mut rest = &body[boundary_end + 2..];
    while let Some(header_end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
        let headers = String::from_utf8_lossy(&rest[..header_end]).to_string();
        let content = &rest[header_end + 4..];
        let next = content
            .windows(boundary.len())
            .position(|w| w == boundary)
            .ok_or("unterminated multipart part")?;
        let data = &content[..next.saturating_sub(2)];
        if headers.contains("name=\"payload_json\"") {
            payload = serde_json::from_slice(data)
                .map_err(|e| format!("payload_json is not JSON: {e}"))?;
        } else if let Some(start) = headers.find("filename=\"") {
            let name = headers[start + 10..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_string();
            let is_png = data.starts_with(b"\x89PNG\r\n\x1a\n");
            let dimension = |at: usize| {
                data.get(at..at + 4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            };
            files.push(json!({"filename": name, "size": data.len(), "png": is_png,
                              "width": if is_png { dimension(16) } else { None }, "height": if is_png { dimension(20) } else { None }}));
        }
        rest = &content[next + boundary.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
    payload["files_received"] = Value::Array(files);
    Ok(payload)
}

/// Discord ids are strings in JSON.
pub(super) fn has_id(value: &Value, id: u64) -> bool {
    value["id"].as_str().and_then(|s| s.parse::<u64>().ok()) == Some(id)
}

/// A Message as Discord answers it: the request body plus Discord's own fields.
pub(super) fn message_json(id: u64, channel_id: u64, author: Value, body: &Value) -> Value {
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": "",
        "timestamp": now_rfc3339(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    });
    merge_message_fields(&mut message, body);
    message
}

pub(super) fn merge_message_fields(message: &mut Value, body: &Value) {
    if let Some(fields) = body.as_object() {
        for (k, v) in fields {
            if v.is_null() || k == "id" || k == "channel_id" || k == "author" {
                continue;
            }
            message[k] = v.clone();
        }
    }
}

/// A message body Discord would take: it parses, and its `content` has at
/// most 2000 characters; otherwise the error Discord answers.
pub(super) fn message_body(body: &Bytes) -> Result<Value, Box<Response>> {
    let body = parse_body(body).map_err(|e| Box::new(invalid_form(&e)))?;
    check_content(&body["content"], "content")?;
    Ok(body)
}

/// An interaction callback's body, its message under `data`.
pub(super) fn callback_body(body: &Bytes) -> Result<Value, Box<Response>> {
    let body = parse_body(body).map_err(|e| Box::new(invalid_form(&e)))?;
    check_content(&body["data"]["content"], "data.content")?;
    Ok(body)
}

fn check_content(content: &Value, field: &str) -> Result<(), Box<Response>> {
    match content.as_str() {
        Some(c) if c.chars().count() > 2000 => Err(Box::new(invalid_form(&format!(
            "{field}: must be 2000 or fewer in length"
        )))),
        _ => Ok(()),
    }
}

/// Discord refuses unknown locales in the whole command tree.
pub(super) fn check_locales(value: &Value, path: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "name_localizations" || k == "description_localizations" {
                    if let Some(locales) = v.as_object() {
                        for locale in locales.keys() {
                            if !DISCORD_LOCALES.contains(&locale.as_str()) {
                                problems.push(format!("{path}.{k}: unknown locale {locale:?}"));
                            }
                        }
                    }
                } else {
                    check_locales(v, &format!("{path}.{k}"), problems);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_locales(v, &format!("{path}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

/// Names of chat input commands and options: 1 to 32 characters, lowercase; their
/// descriptions: 1 to 100 characters (context menu commands have none).
pub(super) fn check_names(value: &Value, path: &str, is_option: bool, problems: &mut Vec<String>) {
    if let Some(name) = value.get("name").and_then(Value::as_str) {
        let ok_chars = name
            .chars()
            .all(|c| c == '-' || c == '_' || c.is_alphanumeric())
            && name.to_lowercase() == name;
        if !(1..=32).contains(&name.chars().count()) || !ok_chars {
            problems.push(format!("{path}.name: invalid name {name:?}"));
        }
        let chat_input = is_option || value.get("type").and_then(Value::as_u64).unwrap_or(1) == 1;
        let description = value
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        let len = description.chars().count();
        if chat_input && !(1..=100).contains(&len) {
            problems.push(format!(
                "{path}.description: 1 to 100 characters, got {len}"
            ));
        }
    }
    if let Some(options) = value.get("options").and_then(Value::as_array) {
        for (i, option) in options.iter().enumerate() {
            check_names(option, &format!("{path}.options[{i}]"), true, problems);
        }
    }
}
