//! A fake Discord for integration tests: the REST API under `/api/v10/` and a gateway websocket
//! at `/gateway`, served by axum on 127.0.0.1 from its own thread and tokio runtime, so that a
//! sync test driving the daemon as a subprocess can use it as well as an async one.
//!
//! It answers with the fields serenity 0.12.5 requires when it parses a response, and it refuses
//! what Discord refuses where a daemon bug could hide: a second callback to one interaction, a
//! followup before the first answer, a modal in answer to a modal submit, messages over 2000
//! characters, locales outside Discord's list, scheduled events in the past (once
//! [`FakeDiscord::refuse_events_before`] is set). Everything it was asked is in the request
//! log, unknown routes included (answered 404), and the wait helpers print that log when they
//! time out.

// Shared by every test that talks to Discord; each test uses a few of the controls.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::serve::ListenerExt;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// The token the tests give the bot; the fake accepts any. Tests check it is never logged.
pub(crate) const BOT_TOKEN: &str = "fake-bot-token-Zm9vYmFy.secret";
/// The environment variable the test configs name for the bot's token.
pub(crate) const BOT_TOKEN_ENV: &str = "TEST_DISCORD_TOKEN";
/// The bot's application id; on Discord a bot user has the same id.
pub(crate) const APPLICATION_ID: u64 = 1_300_000_000_000_000_001;
pub(crate) const BOT_USER_ID: u64 = APPLICATION_ID;
pub(crate) const GUILD_ID: u64 = 1_300_000_000_000_000_100;
/// A text channel of the guild; slash commands are sent from it.
pub(crate) const TEXT_CHANNEL_ID: u64 = 1_300_000_000_000_000_200;
/// A voice channel of the guild, for scheduled events.
pub(crate) const VOICE_CHANNEL_ID: u64 = 1_300_000_000_000_000_300;
pub(crate) const BOT_USERNAME: &str = "weekly-postmortem";
/// The role Discord makes for the bot when it joins (`tags.bot_id`), allowed Manage Events.
pub(crate) const BOT_ROLE_ID: u64 = 1_300_000_000_000_000_500;
/// A role of the guild the tests configure as the facilitators'.
pub(crate) const FACILITATOR_ROLE_ID: u64 = 1_300_000_000_000_000_777;

/// The locales Discord accepts in `name_localizations` and `description_localizations`.
/// `ja` is one; `ja-JP` is not.
const DISCORD_LOCALES: &[&str] = &[
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
];

/// One HTTP request the fake received.
#[derive(Debug, Clone)]
pub(crate) struct LoggedRequest {
    pub method: String,
    /// Path and query, e.g. `/api/v10/gateway`.
    pub path: String,
    pub body: String,
    /// 0 until the fake answered.
    pub status: u16,
}

/// An interaction the fake sent, to match callbacks and followups with it.
#[derive(Debug, Clone)]
struct SentInteraction {
    token: String,
    /// 2 slash command, 3 component, 5 modal submit.
    kind: u8,
    channel_id: u64,
    /// The message a clicked button is on.
    message_id: Option<u64>,
}

enum Outgoing {
    Dispatch {
        event: String,
        data: Value,
    },
    /// Close the websocket with this code (4000: unknown error, the bot resumes or reconnects).
    Close(u16),
}

#[derive(Default)]
struct FakeState {
    port: u16,
    next_id: u64,
    requests: Vec<LoggedRequest>,
    authorizations: Vec<String>,
    gateway_log: Vec<String>,
    identify_token: Option<String>,
    identify_count: usize,
    /// The identified gateway session, if any.
    session: Option<(u64, mpsc::UnboundedSender<Outgoing>)>,
    commands: Vec<Value>,
    command_registrations: usize,
    interactions: HashMap<u64, SentInteraction>,
    callbacks: HashMap<u64, Value>,
    /// Followups per interaction token, in order.
    followups: HashMap<String, Vec<Value>>,
    /// The original response per interaction token (from a type 4 callback or a PATCH).
    originals: HashMap<String, Value>,
    messages: BTreeMap<u64, Vec<Value>>,
    scheduled_events: Vec<Value>,
    refuse_events_before: Option<DateTime<Utc>>,
    reject_identify: bool,
    /// The `locale` of the user in the interactions sent; "ja" unless set.
    user_locale: Option<String>,
    /// The HELLO's heartbeat interval in ms; Discord's 41,250 unless set.
    heartbeat_interval_ms: Option<u64>,
    /// When each heartbeat (op 1) arrived.
    heartbeats: Vec<std::time::Instant>,
    /// Server nicknames by user id, sent as `member.nick`.
    nicknames: HashMap<u64, String>,
    /// Threads created from messages, as Discord returns them (type 11).
    threads: Vec<Value>,
    /// Answer thread creation with 403 Missing Permissions.
    refuse_threads: bool,
    /// Answer `GET /users/@me` with 401, as Discord does for a reset token.
    reject_token: bool,
    /// The bot is not a member of the guild (it was never invited, or kicked).
    outside_guild: bool,
    /// Permission bits the text channel's overwrite denies the bot's role.
    text_channel_deny: u64,
}

impl FakeState {
    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        1_300_000_000_100_000_000 + self.next_id
    }

    fn dump(&self) -> String {
        let mut out = String::from("requests the fake Discord received:\n");
        for r in &self.requests {
            let body: String = r.body.chars().take(400).collect();
            out += &format!("  {} {} -> {} {}\n", r.method, r.path, r.status, body);
        }
        out += "gateway:\n";
        for line in &self.gateway_log {
            out += &format!("  {line}\n");
        }
        out
    }
}

struct Shared {
    state: Mutex<FakeState>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A panicking test thread must not hide what the fake saw.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update<R>(&self, f: impl FnOnce(&mut FakeState) -> R) -> R {
        f(&mut self.lock())
    }
}

/// The running fake. Dropping it stops the server (stop the bot first, or it will try to
/// reconnect to a closed port).
pub(crate) struct FakeDiscord {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeDiscord {
    pub(crate) fn start() -> FakeDiscord {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the fake's address");
        let shared = Arc::new(Shared {
            state: Mutex::new(FakeState {
                port: addr.port(),
                ..Default::default()
            }),
        });
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let app = router(Arc::clone(&shared));
        let thread = std::thread::Builder::new()
            .name("fake-discord".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the fake's tokio runtime");
                rt.block_on(async move {
                    // Without TCP_NODELAY a websocket frame written in two parts waits for
                    // the bot's delayed ACK: 40 ms added to every interaction.
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("a tokio listener")
                        .tap_io(|tcp| {
                            let _ = tcp.set_nodelay(true);
                        });
                    let server = axum::serve(listener, app);
                    tokio::select! {
                        result = server => {
                            if let Err(e) = result {
                                eprintln!("fake Discord stopped: {e}");
                            }
                        }
                        _ = shutdown_rx => {}
                    }
                });
                // Open websockets would keep a graceful shutdown waiting; drop them instead.
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawning the fake Discord thread");
        FakeDiscord {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, to be used as the bot's `api_base_url` (see
    /// [`crate::test_config::Discord::fake`]).
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn guild_id(&self) -> u64 {
        GUILD_ID
    }

    // ---- what the bot did -------------------------------------------------------------------

    /// (method, path with query) of every HTTP request, in order.
    pub(crate) fn requests(&self) -> Vec<(String, String)> {
        self.shared
            .lock()
            .requests
            .iter()
            .map(|r| (r.method.clone(), r.path.clone()))
            .collect()
    }

    /// Every HTTP request with its body and the status the fake answered.
    pub(crate) fn request_log(&self) -> Vec<LoggedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The `Authorization` headers of the REST calls (`Bot <token>`), in order.
    pub(crate) fn rest_authorizations(&self) -> Vec<String> {
        self.shared.lock().authorizations.clone()
    }

    /// The token the last IDENTIFY carried, as sent (serenity sends `Bot <token>`).
    pub(crate) fn identify_token(&self) -> Option<String> {
        self.shared.lock().identify_token.clone()
    }

    /// How many times the bot identified (more than 1 means it reconnected).
    pub(crate) fn identify_count(&self) -> usize {
        self.shared.lock().identify_count
    }

    /// The commands as registered by the last bulk overwrite, as the fake answered them.
    pub(crate) fn registered_commands(&self) -> Vec<Value> {
        self.shared.lock().commands.clone()
    }

    /// Messages posted to a channel: the bot's request body (so `allowed_mentions` and
    /// `components` are there as sent) plus the fields Discord adds (`id`, `author`, ...).
    pub(crate) fn messages(&self, channel_id: u64) -> Vec<Value> {
        self.shared
            .lock()
            .messages
            .get(&channel_id)
            .cloned()
            .unwrap_or_default()
    }

    /// The guild's scheduled events, as stored (deleted ones are gone).
    pub(crate) fn scheduled_events(&self) -> Vec<Value> {
        self.shared.lock().scheduled_events.clone()
    }

    /// The body of the callback to an interaction, if it came.
    pub(crate) fn callback(&self, interaction_id: u64) -> Option<Value> {
        self.shared.lock().callbacks.get(&interaction_id).cloned()
    }

    /// Followup messages sent for an interaction (`POST webhooks/{app}/{token}`).
    pub(crate) fn followups(&self, interaction_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        state
            .interactions
            .get(&interaction_id)
            .and_then(|i| state.followups.get(&i.token).cloned())
            .unwrap_or_default()
    }

    /// The original response of an interaction, as created by a type 4 callback and edited by
    /// `PATCH webhooks/{app}/{token}/messages/@original`.
    pub(crate) fn original_response(&self, interaction_id: u64) -> Option<Value> {
        let state = self.shared.lock();
        let token = &state.interactions.get(&interaction_id)?.token;
        state.originals.get(token).cloned()
    }

    // ---- waiting ----------------------------------------------------------------------------

    /// Waits until `check` returns `Some`, or panics with `what` and the request log.
    /// `check` runs with the fake's state locked: read it through the view, not through
    /// `FakeDiscord`'s methods (that would deadlock).
    pub(crate) fn wait_for<R>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&FakeDiscordView<'_>) -> Option<R>,
    ) -> R {
        crate::helpers::poll(timeout, crate::helpers::POLL, || {
            check(&FakeDiscordView(&self.shared.lock())).ok_or(())
        })
        .unwrap_or_else(|()| {
            panic!(
                "fake Discord: timed out after {timeout:?} waiting for {what}\n{}",
                self.shared.lock().dump()
            )
        })
    }

    /// Waits until the bot identified on the gateway and registered its commands.
    pub(crate) fn wait_until_ready(&self, timeout: Duration) {
        self.wait_for("IDENTIFY and the command registration", timeout, |s| {
            (s.0.session.is_some() && s.0.command_registrations > 0).then_some(())
        })
    }

    /// The body the bot posted to `interactions/{id}/{token}/callback`.
    pub(crate) fn wait_for_callback(&self, interaction_id: u64, timeout: Duration) -> Value {
        self.wait_for(
            &format!("the callback to interaction {interaction_id}"),
            timeout,
            |s| s.0.callbacks.get(&interaction_id).cloned(),
        )
    }

    /// The `n`th (from 0) followup message of an interaction.
    pub(crate) fn wait_for_followup(
        &self,
        interaction_id: u64,
        n: usize,
        timeout: Duration,
    ) -> Value {
        self.wait_for(
            &format!("followup {n} of interaction {interaction_id}"),
            timeout,
            |s| {
                let token = &s.0.interactions.get(&interaction_id)?.token;
                s.0.followups.get(token)?.get(n).cloned()
            },
        )
    }

    /// Waits until `n` messages were posted to the channel; returns them all.
    pub(crate) fn wait_for_messages(
        &self,
        channel_id: u64,
        n: usize,
        timeout: Duration,
    ) -> Vec<Value> {
        self.wait_for(
            &format!("{n} message(s) in channel {channel_id}"),
            timeout,
            |s| {
                let messages = s.0.messages.get(&channel_id)?;
                (messages.len() >= n).then(|| messages.clone())
            },
        )
    }

    // ---- test controls ----------------------------------------------------------------------

    /// From now on, refuse (400) scheduled events that start before `instant`, as Discord
    /// refuses events in the past. Off by default, so a test with a fixed clock does not
    /// depend on the real one.
    pub(crate) fn refuse_events_before(&self, instant: Option<DateTime<Utc>>) {
        self.shared.update(|s| s.refuse_events_before = instant);
    }

    /// From now on, refuse to create threads (403, Missing Permissions), as Discord does
    /// for a bot without the permission.
    pub(crate) fn refuse_threads(&self, refuse: bool) {
        self.shared.update(|s| s.refuse_threads = refuse);
    }

    /// From now on, refuse the bot's token (401), as after a reset in the portal.
    pub(crate) fn reject_token(&self) {
        self.shared.update(|s| s.reject_token = true);
    }

    /// From now on, the bot is not in the guild.
    pub(crate) fn leave_guild(&self) {
        self.shared.update(|s| s.outside_guild = true);
    }

    /// The text channel's permissions deny the bot's role these bits.
    pub(crate) fn deny_in_text_channel(&self, bits: u64) {
        self.shared.update(|s| s.text_channel_deny = bits);
    }

    /// The threads created so far, in order.
    pub(crate) fn threads(&self) -> Vec<Value> {
        self.shared.lock().threads.clone()
    }

    /// The Discord client language of the user in the interactions sent from now on ("ja" by
    /// default; e.g. "en-US").
    pub(crate) fn set_user_locale(&self, locale: &str) {
        self.shared
            .update(|s| s.user_locale = Some(locale.to_owned()));
    }

    /// Answer every IDENTIFY by closing the gateway with 4004 (Authentication failed), as
    /// Discord does for a wrong token.
    /// The heartbeat interval the next HELLO announces (before the bot connects).
    pub(crate) fn set_heartbeat_interval(&self, interval: Duration) {
        self.shared
            .update(|s| s.heartbeat_interval_ms = Some(interval.as_millis() as u64));
    }

    /// When each heartbeat arrived, in order.
    pub(crate) fn heartbeats(&self) -> Vec<std::time::Instant> {
        self.shared.lock().heartbeats.clone()
    }

    pub(crate) fn reject_identify(&self, reject: bool) {
        self.shared.update(|s| s.reject_identify = reject);
    }

    /// Closes the bot's gateway connection with code 4000, as Discord does now and then; the
    /// bot is expected to connect again (the fake refuses RESUME, so it identifies again).
    pub(crate) fn drop_gateway(&self) {
        let sender = self.wait_for(
            "an identified gateway session",
            Duration::from_secs(10),
            |s| s.0.session.as_ref().map(|(_, tx)| tx.clone()),
        );
        let _ = sender.send(Outgoing::Close(4000));
    }

    /// Renames `user_id` on the server (its nickname): what members see from now on.
    pub(crate) fn set_nickname(&self, user_id: u64, nick: &str) {
        self.shared
            .update(|s| s.nicknames.insert(user_id, nick.to_owned()));
    }

    /// Like [`FakeDiscord::send_slash_command`] for a command whose options name server
    /// members (USER options, type 6): Discord sends those members in `data.resolved`.
    pub(crate) fn send_slash_command_naming(
        &self,
        name: &str,
        options: Value,
        named: &[u64],
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        let nicknames = self.shared.lock().nicknames.clone();
        let users: serde_json::Map<String, Value> = named
            .iter()
            .map(|id| (id.to_string(), user_json(*id)))
            .collect();
        let members: serde_json::Map<String, Value> = named
            .iter()
            .map(|id| {
                let mut member = member_json(*id, &[], nicknames.get(id).map(String::as_str));
                member.as_object_mut().unwrap().remove("user");
                (id.to_string(), member)
            })
            .collect();
        self.send_slash_command_with(
            name,
            options,
            json!({ "users": users, "members": members }),
            user_id,
            roles,
        )
    }

    /// Sends INTERACTION_CREATE for the registered slash command `name` (type 2) from a guild
    /// member. `options` is Discord's `data.options`, e.g. for `/rsvp status status:<choice 0>`:
    /// `json!([{"name":"status","type":1,"options":[{"name":"status","type":4,"value":0}]}])`.
    /// Returns the interaction id.
    pub(crate) fn send_slash_command(
        &self,
        name: &str,
        options: Value,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        self.send_slash_command_with(name, options, Value::Null, user_id, roles)
    }

    /// Sends the autocomplete request (type 4) Discord sends while `options` are typed: the
    /// option being typed carries `"focused": true`. The answer is a callback of type 8 with
    /// `data.choices`. Returns the interaction id.
    pub(crate) fn send_autocomplete(
        &self,
        name: &str,
        options: Value,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        self.send_command_interaction(4, name, options, Value::Null, user_id, roles)
    }

    fn send_slash_command_with(
        &self,
        name: &str,
        options: Value,
        resolved: Value,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        self.send_command_interaction(2, name, options, resolved, user_id, roles)
    }

    fn send_command_interaction(
        &self,
        kind: u8,
        name: &str,
        options: Value,
        resolved: Value,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        let command_id = self.wait_for(
            &format!("the command /{name} to be registered"),
            Duration::from_secs(10),
            |s| {
                s.0.commands
                    .iter()
                    .find(|c| c["name"] == name)
                    .and_then(|c| c["id"].as_str().map(str::to_owned))
            },
        );
        let specific = json!({
            "type": kind,
            "data": {
                "id": command_id,
                "name": name,
                "type": 1,
                "options": options,
                "guild_id": GUILD_ID.to_string(),
            },
        });
        let mut specific = specific;
        if !resolved.is_null() {
            specific["data"]["resolved"] = resolved;
        }
        self.send_interaction(kind, TEXT_CHANNEL_ID, None, user_id, roles, specific)
    }

    /// Sends INTERACTION_CREATE for a click (type 3) on the button `custom_id` of `message`
    /// (a message as returned by [`FakeDiscord::messages`]). Returns the interaction id.
    pub(crate) fn click_button(&self, message: &Value, custom_id: &str, user_id: u64) -> u64 {
        self.click_button_with_roles(message, custom_id, user_id, &[])
    }

    /// [`FakeDiscord::click_button`] by a member holding `roles`.
    pub(crate) fn click_button_with_roles(
        &self,
        message: &Value,
        custom_id: &str,
        user_id: u64,
        roles: &[u64],
    ) -> u64 {
        let channel_id = message["channel_id"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .expect("the message has a channel_id");
        let message_id = message["id"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .expect("the message has an id");
        let has_button = message["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().into_iter().flatten())
            .any(|c| c["custom_id"] == custom_id);
        assert!(
            has_button,
            "fake Discord: the message has no button {custom_id:?}: {message}"
        );
        let specific = json!({
            "type": 3,
            "data": { "custom_id": custom_id, "component_type": 2 },
            "message": message,
        });
        self.send_interaction(3, channel_id, Some(message_id), user_id, roles, specific)
    }

    /// Sends INTERACTION_CREATE for the submit (type 5) of the modal `custom_id` with text
    /// inputs `(custom_id, value)`. For a modal opened by poise's `Modal::execute`, the modal's
    /// custom id is the id of the interaction that opened it (see the callback's
    /// `data.custom_id`). Returns the interaction id.
    pub(crate) fn submit_modal(
        &self,
        custom_id: &str,
        fields: &[(&str, &str)],
        user_id: u64,
    ) -> u64 {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| {
                json!({
                    "type": 1,
                    "components": [{ "type": 4, "custom_id": id, "value": value }],
                })
            })
            .collect();
        let specific = json!({
            "type": 5,
            "data": { "custom_id": custom_id, "components": rows },
        });
        self.send_interaction(5, TEXT_CHANNEL_ID, None, user_id, &[], specific)
    }

    /// Sends any gateway dispatch event to the identified bot.
    pub(crate) fn dispatch(&self, event: &str, data: Value) {
        let sender = self.wait_for(
            "an identified gateway session",
            Duration::from_secs(10),
            |s| s.0.session.as_ref().map(|(_, tx)| tx.clone()),
        );
        let sent = sender.send(Outgoing::Dispatch {
            event: event.to_owned(),
            data,
        });
        if sent.is_err() {
            panic!(
                "fake Discord: the gateway session closed before {event} could be sent\n{}",
                self.shared.lock().dump()
            );
        }
    }

    fn send_interaction(
        &self,
        kind: u8,
        channel_id: u64,
        message_id: Option<u64>,
        user_id: u64,
        roles: &[u64],
        specific: Value,
    ) -> u64 {
        let (id, token, locale, nick) = self.shared.update(|s| {
            let id = s.new_id();
            let token = format!("fake-interaction-token-{id}");
            s.interactions.insert(
                id,
                SentInteraction {
                    token: token.clone(),
                    kind,
                    channel_id,
                    message_id,
                },
            );
            let locale = s.user_locale.clone().unwrap_or_else(|| "ja".to_owned());
            (id, token, locale, s.nicknames.get(&user_id).cloned())
        });
        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": APPLICATION_ID.to_string(),
            "guild_id": GUILD_ID.to_string(),
            "channel_id": channel_id.to_string(),
            "channel": { "id": channel_id.to_string(), "type": 0, "name": "general" },
            "member": member_json(user_id, roles, nick.as_deref()),
            "token": token,
            "version": 1,
            "app_permissions": "2248473465835073",
            "locale": locale,
            "guild_locale": "ja",
            "entitlements": [],
            "authorizing_integration_owners": { "0": GUILD_ID.to_string() },
            "context": 0,
            "attachment_size_limit": 10_485_760,
        });
        for (k, v) in specific.as_object().expect("an object") {
            interaction[k] = v.clone();
        }
        self.dispatch("INTERACTION_CREATE", interaction);
        id
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What [`FakeDiscord::wait_for`] checks see.
pub(crate) struct FakeDiscordView<'a>(&'a FakeState);

impl FakeDiscordView<'_> {
    pub(crate) fn messages(&self, channel_id: u64) -> &[Value] {
        self.0
            .messages
            .get(&channel_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub(crate) fn scheduled_events(&self) -> &[Value] {
        &self.0.scheduled_events
    }

    pub(crate) fn requests(&self) -> &[LoggedRequest] {
        &self.0.requests
    }

    pub(crate) fn identify_count(&self) -> usize {
        self.0.identify_count
    }

    /// A gateway session got READY and is open.
    pub(crate) fn connected(&self) -> bool {
        self.0.session.is_some()
    }
}

// ---- JSON that serenity accepts ------------------------------------------------------------

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn bot_user_json() -> Value {
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
async fn open_direct_channel(body: Bytes) -> Response {
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

fn user_json(user_id: u64) -> Value {
    json!({
        "id": user_id.to_string(),
        "username": format!("user{user_id}"),
        "discriminator": "0",
        "global_name": format!("User {user_id}"),
        "avatar": null,
    })
}

fn member_json(user_id: u64, roles: &[u64], nick: Option<&str>) -> Value {
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

fn everyone_role_json() -> Value {
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
fn guild_create_json() -> Value {
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

fn discord_error(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

fn invalid_form(message: &str) -> Response {
    discord_error(
        StatusCode::BAD_REQUEST,
        50035,
        &format!("Invalid Form Body: {message}"),
    )
}

fn ok_json(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

fn parse_body(body: &Bytes) -> Result<Value, String> {
    if body.starts_with(b"--") {
        return parse_multipart(body);
    }
    serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))
}

/// A message with files (multipart/form-data): `payload_json` plus file parts,
/// which are summarised under `files_received` (name, size, PNG dimensions).
fn parse_multipart(body: &[u8]) -> Result<Value, String> {
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
fn has_id(value: &Value, id: u64) -> bool {
    value["id"].as_str().and_then(|s| s.parse::<u64>().ok()) == Some(id)
}

/// A Message as Discord answers it: the request body plus Discord's own fields.
fn message_json(id: u64, channel_id: u64, author: Value, body: &Value) -> Value {
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

fn merge_message_fields(message: &mut Value, body: &Value) {
    if let Some(fields) = body.as_object() {
        for (k, v) in fields {
            if v.is_null() || k == "id" || k == "channel_id" || k == "author" {
                continue;
            }
            message[k] = v.clone();
        }
    }
}

fn content_too_long(body: &Value) -> bool {
    body["content"]
        .as_str()
        .is_some_and(|c| c.chars().count() > 2000)
}

/// Discord refuses unknown locales in the whole command tree.
fn check_locales(value: &Value, path: &str, problems: &mut Vec<String>) {
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
fn check_names(value: &Value, path: &str, is_option: bool, problems: &mut Vec<String>) {
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

// ---- routes ----------------------------------------------------------------------------------

fn router(shared: Arc<Shared>) -> Router {
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
async fn log_request(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
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

async fn unknown_route() -> Response {
    discord_error(
        StatusCode::NOT_FOUND,
        0,
        "404: Not Found (unknown route in the fake)",
    )
}

async fn get_gateway(State(shared): State<Arc<Shared>>) -> Response {
    let port = shared.lock().port;
    ok_json(json!({ "url": format!("ws://127.0.0.1:{port}/gateway") }))
}

async fn get_gateway_bot(State(shared): State<Arc<Shared>>) -> Response {
    let port = shared.lock().port;
    ok_json(json!({
        "url": format!("ws://127.0.0.1:{port}/gateway"),
        "shards": 1,
        "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 },
    }))
}

async fn get_application() -> Response {
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

async fn get_current_user(State(shared): State<Arc<Shared>>) -> Response {
    if shared.lock().reject_token {
        return discord_error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
    }
    ok_json(bot_user_json())
}

/// The guild as `GET /guilds/{id}` answers: owned by a person (so the bot's
/// permissions come from its roles), with the bot's and the facilitators' roles.
async fn get_guild(State(shared): State<Arc<Shared>>, Path(guild): Path<u64>) -> Response {
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

fn guild_roles_json() -> Vec<Value> {
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

async fn get_channel(State(shared): State<Arc<Shared>>, Path(channel): Path<u64>) -> Response {
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

async fn put_guild_commands(
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

async fn get_guild_commands(State(shared): State<Arc<Shared>>) -> Response {
    ok_json(Value::Array(shared.lock().commands.clone()))
}

async fn post_callback(
    State(shared): State<Arc<Shared>>,
    Path((id, token)): Path<(u64, String)>,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    if content_too_long(&body["data"]) {
        return invalid_form("data.content: must be 2000 or fewer in length");
    }
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
fn check_callback(sent: &SentInteraction, body: &Value) -> Result<(), String> {
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

fn interaction_by_token(state: &FakeState, token: &str) -> Option<(u64, SentInteraction)> {
    state
        .interactions
        .iter()
        .find(|(_, i)| i.token == token)
        .map(|(id, i)| (*id, i.clone()))
}

async fn get_original(
    State(shared): State<Arc<Shared>>,
    Path((_app, token)): Path<(u64, String)>,
) -> Response {
    match shared.lock().originals.get(&token) {
        Some(message) => ok_json(message.clone()),
        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

async fn patch_original(
    State(shared): State<Arc<Shared>>,
    Path((_app, token)): Path<(u64, String)>,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    if content_too_long(&body) {
        return invalid_form("content: must be 2000 or fewer in length");
    }
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

async fn post_followup(
    State(shared): State<Arc<Shared>>,
    Path((_app, token)): Path<(u64, String)>,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    if content_too_long(&body) {
        return invalid_form("content: must be 2000 or fewer in length");
    }
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

async fn post_message(
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
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    if content_too_long(&body) {
        return invalid_form("content: must be 2000 or fewer in length");
    }
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
async fn create_thread_from_message(
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

fn find_message(state: &mut FakeState, channel: u64, message: u64) -> Option<&mut Value> {
    state
        .messages
        .get_mut(&channel)?
        .iter_mut()
        .find(|m| has_id(m, message))
}

async fn get_message(
    State(shared): State<Arc<Shared>>,
    Path((channel, message)): Path<(u64, u64)>,
) -> Response {
    match find_message(&mut shared.lock(), channel, message) {
        Some(m) => ok_json(m.clone()),
        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

async fn patch_message(
    State(shared): State<Arc<Shared>>,
    Path((channel, message)): Path<(u64, u64)>,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(v) => v,
        Err(e) => return invalid_form(&e),
    };
    if content_too_long(&body) {
        return invalid_form("content: must be 2000 or fewer in length");
    }
    shared.update(|s| match find_message(s, channel, message) {
        Some(m) => {
            merge_message_fields(m, &body);
            m["edited_timestamp"] = json!(now_rfc3339());
            ok_json(m.clone())
        }
        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    })
}

/// Checks an event as Discord would, after a create or a merged edit.
fn check_event(event: &Value, refuse_before: Option<DateTime<Utc>>) -> Result<(), String> {
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

async fn list_events(State(shared): State<Arc<Shared>>, Path(guild): Path<u64>) -> Response {
    if guild != GUILD_ID {
        return discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    ok_json(Value::Array(shared.lock().scheduled_events.clone()))
}

async fn create_event(
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

async fn get_event(
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

async fn edit_event(
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

async fn delete_event(
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

async fn get_member(
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

async fn get_roles(Path(guild): Path<u64>) -> Response {
    if guild != GUILD_ID {
        return discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    ok_json(json!([everyone_role_json()]))
}

// ---- gateway ---------------------------------------------------------------------------------

async fn gateway(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| gateway_session(socket, shared))
}

async fn send_json(socket: &mut WebSocket, value: Value) -> bool {
    socket
        .send(WsMessage::Text(value.to_string().into()))
        .await
        .is_ok()
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = axum::extract::ws::CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(WsMessage::Close(Some(frame))).await;
}

/// One gateway connection: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, dispatches.
async fn gateway_session(mut socket: WebSocket, shared: Arc<Shared>) {
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

/// The text of a reply (an interaction callback).
pub(crate) fn reply_text(callback: &Value) -> String {
    callback["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A reply's text; with the daemon in Japanese, it must carry no English word.
pub(crate) fn japanese_reply(callback: &Value) -> String {
    let text = reply_text(callback);
    crate::no_english::assert_japanese("a Discord reply", &text, &[]);
    text
}

/// Whether a reply is shown only to whoever asked.
pub(crate) fn is_ephemeral(callback: &Value) -> bool {
    callback["data"]["flags"].as_u64().unwrap_or(0) & 64 != 0
}
