//! The optional `[google]` and `[discord]` tables. Secrets are never in the
//! TOML itself: the config names a file or an environment variable.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::messages::config::{ConfigText as Say, Explanation};

/// `[google]`: absent means calendar sync is off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleConfig {
    pub calendar_id: String,
    /// A service-account key, or an installed-app client secret (then run `auth google` once).
    pub credentials_file: PathBuf,
    #[serde(default)]
    pub api_base_url: Option<String>,
    #[serde(default = "default_horizon")]
    pub horizon_weeks: HorizonWeeks,
    /// Invited as optional attendees: attendance is never compulsory.
    #[serde(default)]
    pub attendees: Vec<String>,
    #[serde(default)]
    pub send_updates: SendUpdatesName,
    /// Minutes before the start for the event's popup reminder.
    #[serde(default = "default_reminder")]
    pub reminder_minutes: u32,
    /// With a service-account key: act as this user (needed to invite attendees
    /// in Google Workspace with domain-wide delegation).
    #[serde(default)]
    pub impersonate: Option<String>,
    /// How often the daemon reconciles even when nothing changed locally.
    #[serde(default = "default_sync_interval")]
    pub sync_interval_minutes: u64,
}

/// How far ahead sessions exist as events, when `[google]` does not say.
pub(super) const DEFAULT_HORIZON_WEEKS: u32 = 8;

fn default_horizon() -> HorizonWeeks {
    HorizonWeeks(DEFAULT_HORIZON_WEEKS)
}

fn default_reminder() -> u32 {
    10
}

fn default_sync_interval() -> u64 {
    15
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
pub struct HorizonWeeks(pub u32);

impl TryFrom<i64> for HorizonWeeks {
    type Error = Explanation;
    fn try_from(weeks: i64) -> Result<Self, Explanation> {
        match u32::try_from(weeks) {
            Ok(w @ 1..=104) => Ok(Self(w)),
            _ => Err(Say::Weeks {
                min: 1,
                max: 104,
                got: weeks,
            }
            .into()),
        }
    }
}

/// Google's `sendUpdates`: who gets an email when an event changes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct SendUpdatesName(pub String);

impl Default for SendUpdatesName {
    fn default() -> Self {
        Self("none".into())
    }
}

impl TryFrom<String> for SendUpdatesName {
    type Error = Explanation;
    fn try_from(value: String) -> Result<Self, Explanation> {
        match value.as_str() {
            "none" | "all" | "externalOnly" => Ok(Self(value)),
            _ => Err(Say::SendUpdates { got: &value }.into()),
        }
    }
}

/// `[discord]`: absent, or no token, means the bot is off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// Environment variable holding the bot token (default `DISCORD_TOKEN`).
    #[serde(default)]
    pub token_env: Option<String>,
    /// File holding the bot token, e.g. a systemd credential.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    pub guild_id: Snowflake,
    /// Where announcements and reminders go (a meeting may override it).
    pub channel_id: Snowflake,
    pub facilitator_role_id: Snowflake,
    #[serde(default)]
    pub voice_channel_id: Option<Snowflake>,
    /// A proxy in front of Discord's API; rate limiting is then the proxy's.
    #[serde(default)]
    pub api_base_url: Option<String>,
}

pub const DEFAULT_TOKEN_ENV: &str = "DISCORD_TOKEN";

impl DiscordConfig {
    /// Where the bot token is read from, as a person names it in a message:
    /// `discord.token_file PATH`, or the environment variable's name.
    pub fn token_source(&self) -> String {
        match &self.token_file {
            Some(file) => format!("discord.token_file {}", file.display()),
            None => self
                .token_env
                .as_deref()
                .unwrap_or(DEFAULT_TOKEN_ENV)
                .to_string(),
        }
    }
}

/// A Discord id, written as a string or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "SnowflakeText")]
pub struct Snowflake(pub u64);

#[derive(Deserialize)]
#[serde(untagged)]
enum SnowflakeText {
    Text(String),
    Number(i64),
}

impl TryFrom<SnowflakeText> for Snowflake {
    type Error = Explanation;
    fn try_from(value: SnowflakeText) -> Result<Self, Explanation> {
        let parsed = match &value {
            SnowflakeText::Text(text) => text.trim().parse::<u64>().ok(),
            SnowflakeText::Number(n) => u64::try_from(*n).ok(),
        };
        parsed.filter(|id| *id > 0).map(Self).ok_or_else(|| {
            let shown = match value {
                SnowflakeText::Text(t) => format!("{t:?}"),
                SnowflakeText::Number(n) => n.to_string(),
            };
            Say::DiscordId { got: &shown }.into()
        })
    }
}

/// `$CREDENTIALS_DIRECTORY/...` (systemd's `LoadCredential`) or a path
/// relative to the config file.
pub fn resolve_secret_path(path: &Path, config_dir: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    for prefix in ["${CREDENTIALS_DIRECTORY}", "$CREDENTIALS_DIRECTORY"] {
        if let Some(rest) = text.strip_prefix(prefix)
            && let Ok(dir) = std::env::var("CREDENTIALS_DIRECTORY")
        {
            return PathBuf::from(dir).join(rest.trim_start_matches('/'));
        }
    }
    config_dir.join(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_are_strings_or_integers() {
        #[derive(Deserialize)]
        struct T {
            a: Snowflake,
            b: Snowflake,
        }
        let t: T = toml::from_str("a = \"111111111111111111\"\nb = 222222222222222222").unwrap();
        assert_eq!(
            (t.a.0, t.b.0),
            (111_111_111_111_111_111, 222_222_222_222_222_222)
        );
        let err = toml::from_str::<T>("a = \"abc\"\nb = 1").err().unwrap();
        assert!(err.to_string().contains("expected a Discord id"), "{err}");
    }
}
