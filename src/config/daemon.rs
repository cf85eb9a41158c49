//! `[daemon]`: where the state lives, where the endpoint listens, the
//! language, logging, backups, the store's cache and the holiday source.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::domain::language::Language;
use crate::messages::config::{ConfigText as Say, Explanation};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// Database, caches and backups. Relative paths are relative to the config file.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    /// The endpoint's address: loopback, or any with `[web]` (see `config/web.rs`).
    #[serde(default = "default_listen", deserialize_with = "socket_address")]
    pub listen: SocketAddr,
    #[serde(default)]
    pub language: Language,
    /// Log filter in `RUST_LOG` syntax; the `RUST_LOG` environment variable wins.
    #[serde(default = "default_log")]
    pub log: String,
    #[serde(default)]
    pub log_format: LogFormat,
    /// Daily exports kept in `state_dir/backups/`; 0 turns backups off.
    #[serde(default = "default_backups_keep")]
    pub backups_keep: usize,
    /// Fetch the Cabinet Office holiday list at start and weekly.
    #[serde(default = "super::default_true")]
    pub holiday_refresh: bool,
    #[serde(default = "default_holiday_source_url")]
    pub holiday_source_url: String,
    /// How often the daemon checks that the store can still write.
    #[serde(default)]
    pub health_check_seconds: HealthCheckSeconds,
    /// sled's page cache in MiB: what the store may keep in memory besides
    /// the search index. sled keeps more after a pass over much of the
    /// store, so the daemon reopens it after reading twice this much.
    #[serde(default)]
    pub cache_mib: CacheMib,
}

/// Seconds between two checks that the store writes, 1 to 3600.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
pub struct HealthCheckSeconds(pub u64);

impl Default for HealthCheckSeconds {
    fn default() -> Self {
        Self(30)
    }
}

impl TryFrom<i64> for HealthCheckSeconds {
    type Error = Explanation;
    fn try_from(seconds: i64) -> Result<Self, Explanation> {
        match u64::try_from(seconds) {
            Ok(s @ 1..=3600) => Ok(Self(s)),
            _ => Err(Say::Seconds {
                min: 1,
                max: 3600,
                got: seconds,
            }
            .into()),
        }
    }
}

/// `daemon.cache_mib`: 1 to 4096 MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
pub struct CacheMib(u64);

impl CacheMib {
    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for CacheMib {
    fn default() -> Self {
        Self(crate::store::DEFAULT_CACHE_MIB)
    }
}

impl TryFrom<i64> for CacheMib {
    type Error = Explanation;
    fn try_from(mib: i64) -> Result<Self, Explanation> {
        match u64::try_from(mib) {
            Ok(m @ 1..=4096) => Ok(Self(m)),
            _ => Err(Say::CacheMib {
                min: 1,
                max: 4096,
                got: mib,
            }
            .into()),
        }
    }
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            state_dir: default_state_dir(),
            listen: default_listen(),
            language: Language::default(),
            log: default_log(),
            log_format: LogFormat::default(),
            backups_keep: default_backups_keep(),
            holiday_refresh: true,
            holiday_source_url: default_holiday_source_url(),
            health_check_seconds: HealthCheckSeconds::default(),
            cache_mib: CacheMib::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

fn default_log() -> String {
    "info".into()
}

fn default_backups_keep() -> usize {
    14
}

/// The Cabinet Office's CSV (Shift-JIS), the source the holidays_jp crate reads.
pub const CABINET_OFFICE_CSV_URL: &str = "https://www8.cao.go.jp/chosei/shukujitsu/syukujitsu.csv";

fn default_holiday_source_url() -> String {
    CABINET_OFFICE_CSV_URL.into()
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("./state")
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8754))
}

fn socket_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|_| {
        serde::de::Error::custom(Explanation::from(Say::SocketAddress {
            example: "127.0.0.1:8754",
            got: &text,
        }))
    })
}
