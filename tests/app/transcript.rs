//! A transcript of what the bot says: every post, answer, form, thread and event the
//! fake Discord received, in order, with who saw it and whether anyone was pinged.
//! The month test (`month.rs`) snapshots it, so a change of wording is a diff a
//! person reads, and checks every bot text for what a reader must never see.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fake_discord::{FakeDiscord, TEXT_CHANNEL_ID};
use crate::helpers::{WAIT, poll};

/// Collects the bot's texts from the fake's request log, between the steps a test takes.
pub(crate) struct Transcript<'a> {
    fake: &'a FakeDiscord,
    read: usize,
    lines: Vec<String>,
    /// Every text the bot sent, for the checks.
    pub bot_texts: Vec<String>,
    /// Lines that pinged someone.
    pub pings: Vec<String>,
    /// Where the bot's own messages go, by channel id (threads are named as they are made).
    channels: BTreeMap<String, String>,
}

impl<'a> Transcript<'a> {
    pub(crate) fn new(fake: &'a FakeDiscord) -> Self {
        let mut channels = BTreeMap::new();
        channels.insert(TEXT_CHANNEL_ID.to_string(), "#channel".to_string());
        Transcript {
            fake,
            read: fake.request_log().len(),
            lines: Vec::new(),
            bot_texts: Vec::new(),
            pings: Vec::new(),
            channels,
        }
    }

    /// A heading written by the test (a day, a scene); not a bot text.
    pub(crate) fn heading(&mut self, text: &str) {
        self.settle();
        self.lines.push(String::new());
        self.lines.push(format!("=== {text} ==="));
    }

    /// What a person did, written by the test; then waits for the bot to be quiet
    /// and records what it said.
    pub(crate) fn step(&mut self, who: &str, what: &str) {
        self.settle();
        self.lines.push(format!("▶ {who}: {what}"));
    }

    /// Waits until the fake has had no new request for a moment, then records them.
    pub(crate) fn settle(&mut self) {
        let mut seen = self.fake.request_log().len();
        let mut quiet_since = Instant::now();
        // A bot that never goes quiet is recorded as it stands after the wait.
        let _ = poll(WAIT, Duration::from_millis(40), || {
            let now = self.fake.request_log().len();
            if now != seen {
                seen = now;
                quiet_since = Instant::now();
            }
            (quiet_since.elapsed() >= Duration::from_millis(250))
                .then_some(())
                .ok_or(())
        });
        self.record();
    }

    /// Records the requests since the last call. The scheduled events' job
    /// runs beside the commands and its timing is its own: its texts are
    /// checked as they are sent, and the snapshot shows the events as they
    /// stand at the end (see [`Transcript::text`]).
    fn record(&mut self) {
        let start = self.lines.len();
        self.record_requests();
        let kept: Vec<String> = self.lines[start..]
            .iter()
            .filter(|l| !l.starts_with("  [イベント"))
            .cloned()
            .collect();
        self.lines.truncate(start);
        self.lines.extend(kept);
    }

    fn record_requests(&mut self) {
        let log = self.fake.request_log();
        let new: Vec<_> = log[self.read..].to_vec();
        self.read = log.len();
        for request in new {
            if request.method == "GET" || !(200..300).contains(&request.status) {
                continue;
            }
            let path = request
                .path
                .trim_start_matches("/api/v10")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_string();
            let Some(body) = payload(&request.body) else {
                continue;
            };
            let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
            match (request.method.as_str(), segments.as_slice()) {
                ("POST", ["channels", channel, "messages"]) => {
                    let place = self.channel_name(channel);
                    self.message(&format!("[{place}]"), &body);
                }
                ("PATCH", ["channels", channel, "messages", _]) => {
                    let place = self.channel_name(channel);
                    self.message(&format!("[{place} 編集]"), &body);
                }
                ("POST", ["channels", _, "messages", _, "threads"]) => {
                    let name = body["name"].as_str().unwrap_or_default().to_string();
                    self.lines.push(format!("  [スレッド作成] {name}"));
                    self.bot_texts.push(name.clone());
                    self.name_newest_thread(&name);
                }
                ("POST", ["interactions", _, _, "callback"]) => self.callback(&body),
                ("PATCH", ["webhooks", _, _, "messages", "@original"]) => {
                    self.message("[返信]", &body)
                }
                ("POST", ["webhooks", _, _]) => {
                    let who = if flags_ephemeral(&body) {
                        "[追加の返信・本人のみ]"
                    } else {
                        "[追加の返信・公開]"
                    };
                    self.message(who, &body)
                }
                ("POST" | "PATCH", ["guilds", _, "scheduled-events", ..]) => {
                    let name = body["name"].as_str().unwrap_or_default();
                    let description = body["description"].as_str().unwrap_or_default();
                    let verb = if request.method == "POST" {
                        "イベント作成"
                    } else {
                        "イベント更新"
                    };
                    // An update repeats the whole description: its name says which.
                    let shown = if request.method == "POST" {
                        description
                    } else {
                        ""
                    };
                    if !name.is_empty() || !description.is_empty() {
                        self.lines
                            .push(format!("  [{verb}] {name}{}", indent_block(shown)));
                        self.bot_texts.push(format!("{name}\n{description}"));
                    }
                }
                ("DELETE", ["guilds", _, "scheduled-events", _]) => {
                    self.lines.push("  [イベント削除]".to_string());
                }
                _ => {}
            }
        }
    }

    fn channel_name(&self, id: &str) -> String {
        self.channels
            .get(id)
            .cloned()
            .unwrap_or_else(|| "スレッド".to_string())
    }

    fn name_newest_thread(&mut self, name: &str) {
        if let Some(thread) = self.fake.threads().last()
            && let Some(id) = thread["id"].as_str()
        {
            self.channels
                .insert(id.to_string(), format!("スレッド「{name}」"));
        }
    }

    fn callback(&mut self, body: &Value) {
        match body["type"].as_u64() {
            Some(4) => {
                let who = if flags_ephemeral(&body["data"]) {
                    "[返信・本人のみ]"
                } else {
                    "[返信・公開]"
                };
                self.message(who, &body["data"])
            }
            Some(5) => {
                let who = if flags_ephemeral(&body["data"]) {
                    "[考え中・本人のみ]"
                } else {
                    "[考え中・公開]"
                };
                self.lines.push(format!("  {who}"));
            }
            Some(7) => self.message("[ボタンの投稿を更新]", &body["data"]),
            Some(9) => {
                let data = &body["data"];
                let title = data["title"].as_str().unwrap_or_default();
                let mut text = format!("  [フォーム] {title}");
                let mut all = title.to_string();
                for row in data["components"].as_array().into_iter().flatten() {
                    for input in row["components"].as_array().into_iter().flatten() {
                        let label = input["label"].as_str().unwrap_or_default();
                        let required = if input["required"] == false { "" } else { "*" };
                        text += &format!("\n      - {label}{required}");
                        if let Some(value) = input["value"].as_str() {
                            text += &format!(": {}", value.replace('\n', " / "));
                        }
                        all += "\n";
                        all += label;
                    }
                }
                self.lines.push(text);
                self.bot_texts.push(all);
            }
            // 6: a click acknowledged without a message; 8: autocomplete choices.
            Some(8) => {
                let choices: Vec<String> = body["data"]["choices"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["name"].as_str().map(str::to_string))
                    .collect();
                self.lines.push(format!("  [候補] {}", choices.join(" | ")));
                self.bot_texts.push(choices.join("\n"));
            }
            _ => {}
        }
    }

    /// A message body: its text, embeds, buttons, files and whom it may ping.
    fn message(&mut self, place: &str, body: &Value) {
        let content = body["content"].as_str().unwrap_or_default();
        let mut text = content.to_string();
        for embed in body["embeds"].as_array().into_iter().flatten() {
            for key in ["title", "description"] {
                if let Some(part) = embed[key].as_str() {
                    text += "\n";
                    text += part;
                }
            }
            for field in embed["fields"].as_array().into_iter().flatten() {
                text += &format!(
                    "\n{}: {}",
                    field["name"].as_str().unwrap_or_default(),
                    field["value"].as_str().unwrap_or_default()
                );
            }
        }
        let labels: Vec<String> = body["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c["label"].as_str().map(str::to_string))
            .collect();
        let files: Vec<String> = body["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["filename"].as_str().map(str::to_string))
            .collect();
        let mut line = format!("  {place}{}", indent_block(&text));
        if !labels.is_empty() {
            line += &format!("\n      [ボタン] {}", labels.join(" | "));
        }
        if !files.is_empty() {
            line += &format!("\n      [添付] {}", files.join(", "));
        }
        let parse = &body["allowed_mentions"]["parse"];
        let silenced = parse.as_array().is_some_and(|p| p.is_empty())
            && body["allowed_mentions"]["users"]
                .as_array()
                .is_none_or(|u| u.is_empty())
            && body["allowed_mentions"]["roles"]
                .as_array()
                .is_none_or(|r| r.is_empty());
        let mentions = text.contains("<@") || text.contains("@everyone") || text.contains("@here");
        if mentions && !silenced {
            line += "\n      [通知あり]";
            self.pings.push(line.clone());
        }
        self.lines.push(line);
        self.bot_texts
            .push(format!("{text}\n{}", labels.join("\n")));
    }

    /// What was recorded so far, without waiting for the bot.
    pub(crate) fn lines_so_far(&mut self) -> String {
        self.record();
        self.lines.join("\n")
    }

    /// The transcript so far, as the snapshot stores it.
    pub(crate) fn text(&mut self) -> String {
        self.settle();
        let mut text = self.lines.join("\n");
        text += "\n\n=== Discord のイベント（最後の状態） ===\n";
        let mut events = self.fake.scheduled_events();
        events.sort_by_key(|e| {
            e["scheduled_start_time"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        });
        for event in events {
            text += &format!(
                "  [イベント] {}{}\n",
                event["name"].as_str().unwrap_or_default(),
                indent_block(event["description"].as_str().unwrap_or_default())
            );
        }
        mask_links(&text)
    }
}

/// A link to a thread names ids the fake hands out in the order things are
/// made; the snapshot keeps where it points, not the numbers.
fn mask_links(text: &str) -> String {
    const LINK: &str = "https://discord.com/channels/";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(LINK) {
        out += &rest[..at + LINK.len()];
        rest = &rest[at + LINK.len()..];
        let ids = rest
            .find(|c: char| !c.is_ascii_digit() && c != '/')
            .unwrap_or(rest.len());
        out += "<guild>/<thread>";
        rest = &rest[ids..];
    }
    out + rest
}

fn flags_ephemeral(data: &Value) -> bool {
    data["flags"].as_u64().is_some_and(|f| f & 64 != 0)
}

/// Multi-line texts go on indented lines under their label.
fn indent_block(text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() {
        return String::new();
    }
    if !text.contains('\n') {
        return format!(" {text}");
    }
    text.lines()
        .map(|l| format!("\n      {l}"))
        .collect::<String>()
}

/// The JSON of a request body, or of a multipart body's `payload_json` part.
fn payload(body: &str) -> Option<Value> {
    if body.trim().is_empty() {
        return Some(Value::Null);
    }
    if body.starts_with("--") {
        let part = body.split("name=\"payload_json\"").nth(1)?;
        let json = part.split_once("\r\n\r\n")?.1;
        let end = json.find("\r\n--").unwrap_or(json.len());
        return serde_json::from_str(&json[..end]).ok();
    }
    serde_json::from_str(body).ok()
}

/// What the reader of a transcript must never see: an ISO date, a raw mention,
/// a person's key where the directory has a display, and (in Japanese) a run of
/// English words. Returns the offending texts with what is wrong.
pub(crate) fn problems(
    texts: &[String],
    keys: &[&str],
    japanese: bool,
    allowed: &[&str],
) -> Vec<String> {
    let mut found = Vec::new();
    for text in texts {
        if let Some(date) = iso_date(text) {
            found.push(format!("ISO date {date:?} in: {text}"));
        }
        if text.contains("<@") {
            found.push(format!("a raw mention in: {text}"));
        }
        for key in keys {
            if words(text).any(|w| w == *key) {
                found.push(format!("the person key {key:?} in: {text}"));
            }
        }
        if japanese {
            let stray = weekly_postmortem::messages::english::stray_words(text, allowed);
            if !stray.is_empty() {
                found.push(format!("English {stray:?} in: {text}"));
            }
        }
    }
    found
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
        .filter(|w| !w.is_empty())
}

/// The first `YYYY-MM-DD` in `text`, outside a URL.
fn iso_date(text: &str) -> Option<String> {
    for token in text.split_whitespace() {
        if token.contains("://") {
            continue;
        }
        let chars: Vec<char> = token.chars().collect();
        for start in 0..chars.len() {
            let window: String = chars[start..].iter().take(10).collect();
            let b = window.as_bytes();
            if window.len() == 10
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4] == b'-'
                && b[5..7].iter().all(u8::is_ascii_digit)
                && b[7] == b'-'
                && b[8..10].iter().all(u8::is_ascii_digit)
            {
                return Some(window);
            }
        }
    }
    None
}
