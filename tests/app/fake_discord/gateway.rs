//! The gateway websocket: HELLO, IDENTIFY and RESUME, heartbeats, and the events the
//! test dispatches.

use super::*;

// ---- gateway ---------------------------------------------------------------------------------

pub(super) async fn gateway(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| gateway_session(socket, shared))
}

pub(super) async fn send_json(socket: &mut WebSocket, value: Value) -> bool {
    socket
        .send(WsMessage::Text(value.to_string().into()))
        .await
        .is_ok()
}

pub(super) async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = axum::extract::ws::CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(WsMessage::Close(Some(frame))).await;
}

/// One gateway connection: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, dispatches.
pub(super) async fn gateway_session(mut socket: WebSocket, shared: Arc<Shared>) {
    let session_number = shared.update(|s| {
        s.gateway_log.push("connected".into());
        s.new_id()
    });
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let mut seq: u64 = 0;
    let interval = shared.lock().heartbeat_interval_ms.unwrap_or(41_250);
    if !send_json(
        &mut socket,
        json!({ "op": 10, "d": { "heartbeat_interval": interval } }),
    )
    .await
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(text))) => text.to_string(),
                    Some(Ok(WsMessage::Close(frame))) => {
                        shared.update(|s| s.gateway_log.push(format!("closed by the bot: {frame:?}")));
                        break;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => break,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else {
                    shared.update(|s| s.gateway_log.push("received text that is not JSON".into()));
                    continue;
                };
                match payload["op"].as_u64() {
                    Some(1) => {
                        shared.update(|s| s.heartbeats.push(std::time::Instant::now()));
                        if !send_json(&mut socket, json!({ "op": 11 })).await {
                            break;
                        }
                    }
                    Some(2) => {
                        let token = payload["d"]["token"].as_str().map(str::to_owned);
                        let intents = payload["d"]["intents"].as_u64().unwrap_or(0);
                        let (port, reject) = shared.update(|s| {
                            // The token is recorded, never written to the gateway log.
                            s.identify_token = token;
                            s.identify_count += 1;
                            s.gateway_log.push(format!("IDENTIFY (intents {intents})"));
                            (s.port, s.reject_identify)
                        });
                        if reject {
                            shared.update(|s| s.gateway_log.push("closed with 4004".into()));
                            close(&mut socket, 4004, "Authentication failed.").await;
                            break;
                        }
                        seq += 1;
                        let ready = json!({
                            "op": 0, "s": seq, "t": "READY",
                            "d": {
                                "v": 10,
                                "user": bot_user_json(),
                                "guilds": [{ "id": GUILD_ID.to_string(), "unavailable": true }],
                                "session_id": format!("fake-session-{session_number}"),
                                "resume_gateway_url": format!("ws://127.0.0.1:{port}/gateway"),
                                "shard": [0, 1],
                                "application": { "id": APPLICATION_ID.to_string(), "flags": 0 },
                            },
                        });
                        seq += 1;
                        let guild = json!({ "op": 0, "s": seq, "t": "GUILD_CREATE", "d": guild_create_json() });
                        if !send_json(&mut socket, ready).await || !send_json(&mut socket, guild).await {
                            break;
                        }
                        shared.update(|s| {
                            s.gateway_log.push("sent READY and GUILD_CREATE".into());
                            s.session = Some((session_number, tx.clone()));
                        });
                    }
                    Some(6) => {
                        // No resume in the fake: INVALID_SESSION (not resumable) makes the
                        // bot identify again.
                        shared.update(|s| s.gateway_log.push("RESUME refused".into()));
                        if !send_json(&mut socket, json!({ "op": 9, "d": false })).await {
                            break;
                        }
                    }
                    other => {
                        shared.update(|s| s.gateway_log.push(format!("received op {other:?}")));
                    }
                }
            }
            outgoing = rx.recv() => {
                let (event, data) = match outgoing {
                    Some(Outgoing::Dispatch { event, data }) => (event, data),
                    Some(Outgoing::Close(code)) => {
                        shared.update(|s| s.gateway_log.push(format!("closed with {code}")));
                        close(&mut socket, code, "closed by the test").await;
                        break;
                    }
                    None => break,
                };
                seq += 1;
                let sent = send_json(&mut socket, json!({ "op": 0, "s": seq, "t": event, "d": data })).await;
                shared.update(|s| s.gateway_log.push(format!("sent {event} (s={seq})")));
                if !sent {
                    break;
                }
            }
        }
    }
    shared.update(|s| {
        s.gateway_log.push("disconnected".into());
        if s.session
            .as_ref()
            .is_some_and(|(n, _)| *n == session_number)
        {
            s.session = None;
        }
    });
}
