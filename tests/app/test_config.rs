//! `TestConfig`: the config a test writes, from typed parts (the `[daemon]` table, meetings,
//! people, the `[discord]` table) instead of TOML assembled by hand in every file.
//!
//! ```ignore
//! TestConfig::new()
//!     .meeting(Meeting::weekly().facilitators(&["sato", "tanaka"]))
//!     .person(Person::new("sato").display("佐藤").discord_id(SATO))
//!     .discord(Discord::fake(&fake, FACILITATOR_ROLE_ID))
//!     .spawn()
//! ```
//!
//! Values are written as TOML (strings quoted and escaped); `set` takes a raw TOML value for
//! a key the builder has no method for, or for a value a test wants wrong on purpose.

// Each test uses the few parts it needs.
#![allow(dead_code)]

use std::fmt::Write as _;

use crate::fake_discord::{BOT_TOKEN_ENV, FakeDiscord, GUILD_ID, TEXT_CHANNEL_ID};
use crate::helpers::{TestApp, WEEKLY_MEETING, spawn_app_with};

/// A string as a TOML value.
pub(crate) fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Names as a TOML array of strings.
pub(crate) fn toml_strings(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| toml_string(n)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A TOML table's keys in the order they were set, each with its raw TOML value.
#[derive(Clone, Debug, Default)]
struct Keys(Vec<(String, String)>);

impl Keys {
    /// Sets `key` to the raw TOML `value`, in place when it is already there.
    fn set(&mut self, key: &str, value: String) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, old)) => *old = value,
            None => self.0.push((key.to_string(), value)),
        }
    }

    fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    fn write(&self, header: &str, out: &mut String) {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "{header}");
        for (key, value) in &self.0 {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
}

/// The whole config file.
#[derive(Clone, Debug)]
pub(crate) struct TestConfig {
    daemon: Keys,
    meetings: Vec<Meeting>,
    people: Vec<Person>,
    discord: Option<Discord>,
    /// Other tables (`[alerts]`, `[google]`, `[web]`, ...), as TOML text, in order.
    sections: Vec<String>,
}

impl TestConfig {
    /// A `[daemon]` table in Japanese, on a port the system picks (the daemon writes it
    /// into `state_dir/listen-address`), with no holiday download; nothing else. The
    /// table of [`crate::helpers::daemon_section`] too.
    pub(crate) fn new() -> Self {
        let mut daemon = Keys::default();
        daemon.set("language", toml_string("ja"));
        daemon.set("listen", toml_string("127.0.0.1:0"));
        daemon.set("holiday_refresh", "false".to_string());
        Self {
            daemon,
            meetings: Vec::new(),
            people: Vec::new(),
            discord: None,
            sections: Vec::new(),
        }
    }

    /// No `[daemon]` table at all (every key at its default), nothing else.
    pub(crate) fn empty() -> Self {
        Self {
            daemon: Keys::default(),
            ..Self::new()
        }
    }

    /// [`TestConfig::new`] with the weekly meeting of [`WEEKLY_MEETING`].
    pub(crate) fn weekly() -> Self {
        Self::new().meeting(Meeting::weekly())
    }

    /// Sets a key of `[daemon]` to a raw TOML value (`.daemon("log", "\"debug\"")`).
    pub(crate) fn daemon(mut self, key: &str, value: &str) -> Self {
        self.daemon.set(key, value.to_string());
        self
    }

    pub(crate) fn language(self, language: &str) -> Self {
        self.daemon("language", &toml_string(language))
    }

    pub(crate) fn listen(self, address: &str) -> Self {
        self.daemon("listen", &toml_string(address))
    }

    pub(crate) fn log(self, filter: &str) -> Self {
        self.daemon("log", &toml_string(filter))
    }

    pub(crate) fn meeting(mut self, meeting: Meeting) -> Self {
        self.meetings.push(meeting);
        self
    }

    pub(crate) fn person(mut self, person: Person) -> Self {
        self.people.push(person);
        self
    }

    pub(crate) fn discord(mut self, discord: Discord) -> Self {
        self.discord = Some(discord);
        self
    }

    /// Another table, as TOML text (`"[alerts]\nlisten = ..."`), written after the others.
    pub(crate) fn section(mut self, toml: &str) -> Self {
        self.sections.push(toml.to_string());
        self
    }

    pub(crate) fn to_toml(&self) -> String {
        let mut out = String::new();
        if !self.daemon.0.is_empty() {
            self.daemon.write("[daemon]", &mut out);
        }
        for meeting in &self.meetings {
            meeting.0.write("[[meeting]]", &mut out);
        }
        for person in &self.people {
            person.0.write("[[person]]", &mut out);
        }
        if let Some(discord) = &self.discord {
            discord.0.write("[discord]", &mut out);
        }
        for section in &self.sections {
            let _ = writeln!(out, "\n{}", section.trim_end());
        }
        out
    }

    /// A fresh [`TestApp`] with this config.
    pub(crate) fn spawn(&self) -> TestApp {
        spawn_app_with(&self.to_toml())
    }
}

/// A `[[meeting]]`.
#[derive(Clone, Debug)]
pub(crate) struct Meeting(Keys);

impl Meeting {
    /// A meeting with its required keys; the others take their defaults.
    pub(crate) fn new(id: &str, title: &str, weekday: &str, start: &str, first: &str) -> Self {
        let mut keys = Keys::default();
        keys.set("id", toml_string(id));
        keys.set("title", toml_string(title));
        keys.set("weekday", toml_string(weekday));
        keys.set("start_time", toml_string(start));
        keys.set("first_session", toml_string(first));
        Self(keys)
    }

    /// The meeting of [`WEEKLY_MEETING`], key for key.
    pub(crate) fn weekly() -> Self {
        let mut keys = Keys::default();
        for line in WEEKLY_MEETING.lines() {
            if let Some((key, value)) = line.split_once(" = ") {
                keys.set(key, value.to_string());
            }
        }
        Self(keys)
    }

    /// Sets a key to a raw TOML value (`.set("dashboards", "[{name = ...}]")`).
    pub(crate) fn set(mut self, key: &str, value: &str) -> Self {
        self.0.set(key, value.to_string());
        self
    }

    /// Drops a key, for its default.
    pub(crate) fn without(mut self, key: &str) -> Self {
        self.0.remove(key);
        self
    }

    pub(crate) fn title(self, title: &str) -> Self {
        self.set("title", &toml_string(title))
    }

    pub(crate) fn facilitators(self, names: &[&str]) -> Self {
        self.set("facilitators", &toml_strings(names))
    }

    pub(crate) fn team(self, team: &str) -> Self {
        self.set("team", &toml_string(team))
    }
}

/// A `[[person]]`.
#[derive(Clone, Debug)]
pub(crate) struct Person(Keys);

impl Person {
    pub(crate) fn new(name: &str) -> Self {
        let mut keys = Keys::default();
        keys.set("name", toml_string(name));
        Self(keys)
    }

    pub(crate) fn display(mut self, display: &str) -> Self {
        self.0.set("display", toml_string(display));
        self
    }

    /// The Discord user id, written as a string as Discord's ids are.
    pub(crate) fn discord_id(mut self, id: u64) -> Self {
        self.0.set("discord_id", toml_string(&id.to_string()));
        self
    }

    pub(crate) fn email(mut self, email: &str) -> Self {
        self.0.set("email", toml_string(email));
        self
    }

    pub(crate) fn team(mut self, team: &str) -> Self {
        self.0.set("team", toml_string(team));
        self
    }
}

/// The `[discord]` table.
#[derive(Clone, Debug)]
pub(crate) struct Discord(Keys);

impl Discord {
    /// The table for the fake Discord: the token from [`BOT_TOKEN_ENV`], the fake's guild
    /// and text channel, `role` as the facilitator role, the fake's address as the API.
    pub(crate) fn fake(fake: &FakeDiscord, role: u64) -> Self {
        Self::ids(GUILD_ID, TEXT_CHANNEL_ID, role)
            .token_env(BOT_TOKEN_ENV)
            .api_base_url(&fake.base_url())
    }

    /// Only the required ids (guild and role as strings, the channel as an integer, as
    /// the config reference shows both are accepted); no token.
    pub(crate) fn ids(guild: u64, channel: u64, role: u64) -> Self {
        Self(Keys::default())
            .set("guild_id", &toml_string(&guild.to_string()))
            .set("channel_id", &channel.to_string())
            .set("facilitator_role_id", &toml_string(&role.to_string()))
    }

    /// The token from the environment variable `name`.
    pub(crate) fn token_env(self, name: &str) -> Self {
        self.set("token_env", &toml_string(name))
    }

    /// The token from the file at `path`.
    pub(crate) fn token_file(self, path: &str) -> Self {
        self.set("token_file", &toml_string(path))
    }

    pub(crate) fn api_base_url(self, url: &str) -> Self {
        self.set("api_base_url", &toml_string(url))
    }

    pub(crate) fn voice_channel_id(self, id: u64) -> Self {
        self.set("voice_channel_id", &id.to_string())
    }

    /// Sets a key to a raw TOML value (a wrong one, on purpose).
    pub(crate) fn set(mut self, key: &str, value: &str) -> Self {
        self.0.set(key, value.to_string());
        self
    }

    /// Drops a key.
    pub(crate) fn without(mut self, key: &str) -> Self {
        self.0.remove(key);
        self
    }

    /// The table alone, for a test that writes the rest of its config itself.
    pub(crate) fn to_toml(&self) -> String {
        let mut out = String::new();
        self.0.write("[discord]", &mut out);
        out
    }
}
