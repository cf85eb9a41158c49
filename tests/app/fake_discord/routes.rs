//! The REST API's router and request log, and its routes for the gateway address, the
//! application, the guild, channels and command registration.

use super::*;

// ---- routes ----------------------------------------------------------------------------------

pub(super) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/gateway", get(get_gateway))
        .route("/gateway/bot", get(get_gateway_bot))
        .route("/oauth2/applications/@me", get(get_application))
        .route("/applications/@me", get(get_application))
        .route("/users/@me", get(get_current_user))
        .route("/users/@me/channels", post(open_direct_channel))
        .route("/guilds/{guild}", get(get_guild))
        .route("/channels/{channel}", get(get_channel))
        .route(
            "/applications/{app}/guilds/{guild}/commands",
            put(put_guild_commands).get(get_guild_commands),
        )
        .route("/interactions/{id}/{token}/callback", post(post_callback))
        .route(
            "/webhooks/{app}/{token}/messages/@original",
            get(get_original).patch(patch_original),
        )
        .route("/webhooks/{app}/{token}", post(post_followup))
        .route("/channels/{channel}/messages", post(post_message))
        .route(
            "/channels/{channel}/messages/{message}",
            get(get_message).patch(patch_message),
        )
        .route(
            "/channels/{channel}/messages/{message}/threads",
            post(create_thread_from_message),
        )
        .route(
            "/guilds/{guild}/scheduled-events",
            get(list_events).post(create_event),
        )
        .route(
            "/guilds/{guild}/scheduled-events/{event}",
            get(get_event).patch(edit_event).delete(delete_event),
        )
        .route("/guilds/{guild}/members/{user}", get(get_member))
        .route("/guilds/{guild}/roles", get(get_roles));
    Router::new()
        .nest("/api/v10", api)
        .route("/gateway", get(gateway))
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            log_request,
        ))
        .with_state(shared)
}

/// Records every request with its body and the status it got.
pub(super) async fn log_request(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let index = shared.update(|s| {
        if let Some(auth) = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        {
            s.authorizations.push(auth.to_owned());
        }
        s.requests.push(LoggedRequest {
            method: parts.method.to_string(),
            path,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            status: 0,
        });
        s.requests.len() - 1
    });
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status().as_u16();
    shared.update(|s| s.requests[index].status = status);
    response
}

pub(super) async fn unknown_route() -> Response {
    discord_error(
        StatusCode::NOT_FOUND,
        0,
        "404: Not Found (unknown route in the fake)",
    )
}

pub(super) async fn get_gateway(State(shared): State<Arc<Shared>>) -> Response {
    let port = shared.lock().port;
    ok_json(json!({ "url": format!("ws://127.0.0.1:{port}/gateway") }))
}

pub(super) async fn get_gateway_bot(State(shared): State<Arc<Shared>>) -> Response {
    let port = shared.lock().port;
    ok_json(json!({
        "url": format!("ws://127.0.0.1:{port}/gateway"),
        "shards": 1,
        "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 },
    }))
}

pub(super) async fn get_application() -> Response {
    ok_json(json!({
        "id": APPLICATION_ID.to_string(),
        "name": BOT_USERNAME,
        "icon": null,
        "description": "",
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "owner": user_json(1_300_000_000_000_000_900),
        "team": null,
        "flags": 0,
    }))
}

pub(super) async fn get_current_user(State(shared): State<Arc<Shared>>) -> Response {
    if shared.lock().reject_token {
        return discord_error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
    }
    ok_json(bot_user_json())
}

/// The guild as `GET /guilds/{id}` answers: owned by a person (so the bot's
/// permissions come from its roles), with the bot's and the facilitators' roles.
pub(super) async fn get_guild(
    State(shared): State<Arc<Shared>>,
    Path(guild): Path<u64>,
) -> Response {
    if guild != GUILD_ID || shared.lock().outside_guild {
        return discord_error(StatusCode::FORBIDDEN, 50001, "Missing Access");
    }
    let mut json = guild_create_json();
    let fields = json.as_object_mut().expect("an object");
    for only_in_create in [
        "joined_at",
        "large",
        "unavailable",
        "member_count",
        "voice_states",
        "members",
        "channels",
        "threads",
        "presences",
        "stage_instances",
        "guild_scheduled_events",
    ] {
        fields.remove(only_in_create);
    }
    fields.insert("owner_id".into(), json!("1300000000000000900"));
    fields.insert("roles".into(), json!(guild_roles_json()));
    ok_json(json)
}

pub(super) fn guild_roles_json() -> Vec<Value> {
    let role = |id: u64, name: &str, permissions: u64, bot: bool| {
        let mut role = everyone_role_json();
        role["id"] = json!(id.to_string());
        role["name"] = json!(name);
        role["permissions"] = json!(permissions.to_string());
        role["position"] = json!(1);
        if bot {
            role["managed"] = json!(true);
            role["tags"] = json!({ "bot_id": BOT_USER_ID.to_string() });
        }
        role
    };
    vec![
        everyone_role_json(),
        role(BOT_ROLE_ID, BOT_USERNAME, 1 << 33, true),
        role(FACILITATOR_ROLE_ID, "ファシリテーター", 0, false),
    ]
}

pub(super) async fn get_channel(
    State(shared): State<Arc<Shared>>,
    Path(channel): Path<u64>,
) -> Response {
    let deny = shared.lock().text_channel_deny;
    let overwrites = if deny == 0 {
        json!([])
    } else {
        json!([{ "id": BOT_ROLE_ID.to_string(), "type": 0, "allow": "0", "deny": deny.to_string() }])
    };
    let (kind, name) = match channel {
        TEXT_CHANNEL_ID => (0, "postmortem"),
        VOICE_CHANNEL_ID => (2, "会議室"),
        _ => return discord_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
    };
    ok_json(json!({
        "id": channel.to_string(), "type": kind, "guild_id": GUILD_ID.to_string(), "name": name,
        "position": 0, "permission_overwrites": if kind == 0 { overwrites } else { json!([]) },
        "parent_id": null, "nsfw": false, "flags": 0,
    }))
}

pub(super) async fn put_guild_commands(
    State(shared): State<Arc<Shared>>,
    Path((app, guild)): Path<(u64, u64)>,
    body: Bytes,
) -> Response {
    if app != APPLICATION_ID {
        return discord_error(
            StatusCode::FORBIDDEN,
            50001,
            "Missing Access (wrong application id)",
        );
    }
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    let Some(commands) = body.as_array() else {
        return invalid_form("expected an array of commands");
    };
    let mut problems = Vec::new();
    check_locales(&body, "", &mut problems);
    for (i, command) in commands.iter().enumerate() {
        check_names(command, &format!("[{i}]"), false, &mut problems);
    }
    if !problems.is_empty() {
        return invalid_form(&problems.join("; "));
    }
    let answered = shared.update(|s| {
        let answered: Vec<Value> = commands
            .iter()
            .map(|command| {
                // Keep the id of a command that keeps its name, as Discord does.
                let id = s
                    .commands
                    .iter()
                    .find(|c| c["name"] == command["name"])
                    .and_then(|c| c["id"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| s.new_id().to_string());
                let mut stored = json!({
                    "id": id,
                    "type": 1,
                    "application_id": APPLICATION_ID.to_string(),
                    "guild_id": guild.to_string(),
                    "description": "",
                    "default_member_permissions": null,
                    "nsfw": false,
                    "version": s.new_id().to_string(),
                });
                for (k, v) in command.as_object().into_iter().flatten() {
                    stored[k] = v.clone();
                }
                stored
            })
            .collect();
        s.commands = answered.clone();
        s.command_registrations += 1;
        answered
    });
    ok_json(Value::Array(answered))
}

pub(super) async fn get_guild_commands(State(shared): State<Arc<Shared>>) -> Response {
    ok_json(Value::Array(shared.lock().commands.clone()))
}
