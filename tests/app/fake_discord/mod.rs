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

mod controls;
mod gateway;
mod interactions;
mod json;
mod messages;
mod routes;
mod scheduled_events;

use gateway::*;
use interactions::*;
pub(crate) use json::direct_channel_id;
use json::*;
use messages::*;
use routes::*;
use scheduled_events::*;

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
