//! `[alerts]`: the hook listener that takes Alertmanager and Grafana webhooks.
//! Its keys are a contract (issue 14). The token lives in an environment
//! variable or a file, never in the TOML.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::messages::config::{ConfigText as Say, Explanation};
use toml::Spanned;

use super::RawMeeting;

/// The environment variable read when neither `token_env` nor `token_file` is set.
pub const DEFAULT_ALERTS_TOKEN_ENV: &str = "WEEKLY_POSTMORTEM_ALERTS_TOKEN";

/// `[alerts]`, checked.
#[derive(Debug, Clone)]
pub struct AlertsConfig {
    /// Only the hook routes are served here; it may face other hosts.
    pub listen: SocketAddr,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    /// Shorter incidents are kept but not proposed as topics.
    pub min_duration_minutes: u32,
    /// Which meeting an alert belongs to, first match wins; else the first meeting.
    pub routes: Vec<AlertRoute>,
    /// The meeting when no route matches.
    pub default_meeting: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRoute {
    pub label: String,
    pub value: String,
    pub meeting: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    listen: Spanned<String>,
    #[serde(default)]
    token_env: Option<Spanned<String>>,
    #[serde(default)]
    token_file: Option<PathBuf>,
    #[serde(default = "default_min_duration")]
    min_duration_minutes: MinDuration,
    #[serde(default)]
    routes: Vec<Spanned<AlertRoute>>,
}

/// `min_duration_minutes` when not given (and for `stats` without `[alerts]`).
pub const DEFAULT_MIN_DURATION_MINUTES: u32 = 5;

fn default_min_duration() -> MinDuration {
    MinDuration(DEFAULT_MIN_DURATION_MINUTES)
}

/// 0 (propose every incident) to one week.
#[derive(Deserialize)]
#[serde(try_from = "i64")]
struct MinDuration(u32);

impl TryFrom<i64> for MinDuration {
    type Error = Explanation;
    fn try_from(minutes: i64) -> Result<Self, Explanation> {
        match u32::try_from(minutes) {
            Ok(m @ 0..=10_080) => Ok(Self(m)),
            _ => Err(Say::MinutesUpToAWeek { got: minutes }.into()),
        }
    }
}

/// Where a problem is, which key, and what to fix.
type Problem = (Option<Range<usize>>, String, Explanation);

/// Whether binding both addresses would fail: one port, and one address or a
/// wildcard (`0.0.0.0` takes the port on every address). Port 0 never clashes.
fn shares_a_port(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() != 0
        && a.port() == b.port()
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}

impl RawAlerts {
    pub(super) fn check(
        self,
        meetings: &[RawMeeting],
        config_dir: &Path,
        daemon_listen: SocketAddr,
    ) -> Result<AlertsConfig, Problem> {
        let listen = self.listen.get_ref().parse::<SocketAddr>().map_err(|_| {
            (
                Some(self.listen.span()),
                "alerts.listen".to_string(),
                Say::SocketAddress {
                    example: "0.0.0.0:8755",
                    got: self.listen.get_ref(),
                }
                .into(),
            )
        })?;
        if shares_a_port(listen, daemon_listen) {
            return Err((
                Some(self.listen.span()),
                "alerts.listen".to_string(),
                Say::SameListen {
                    listen: self.listen.get_ref(),
                }
                .into(),
            ));
        }
        super::checks::secret_source(
            self.token_env.as_ref(),
            self.token_file.is_some(),
            ("alerts.token_env", "alerts.token_file"),
        )?;
        let ids: Vec<&str> = meetings.iter().map(|m| m.id.get_ref().0.as_str()).collect();
        for (index, route) in self.routes.iter().enumerate() {
            let meeting = &route.get_ref().meeting;
            if !ids.contains(&meeting.as_str()) {
                return Err((
                    Some(route.span()),
                    format!("alerts.routes[{index}].meeting"),
                    Say::NoMeetingWithId {
                        id: meeting,
                        near: None,
                        ids: &ids.join(", "),
                    }
                    .into(),
                ));
            }
            if route.get_ref().label.is_empty() {
                return Err((
                    Some(route.span()),
                    format!("alerts.routes[{index}].label"),
                    Say::RouteLabelEmpty.into(),
                ));
            }
        }
        Ok(AlertsConfig {
            listen,
            token_env: self.token_env.map(Spanned::into_inner),
            token_file: self
                .token_file
                .map(|p| super::resolve_secret_path(&p, config_dir)),
            min_duration_minutes: self.min_duration_minutes.0,
            routes: self.routes.into_iter().map(Spanned::into_inner).collect(),
            default_meeting: ids.first().map(|s| s.to_string()).unwrap_or_default(),
        })
    }
}

impl AlertsConfig {
    /// Where the hook token is read from, as a person names it in a message.
    pub fn token_source(&self) -> String {
        match &self.token_file {
            Some(file) => format!("alerts.token_file {}", file.display()),
            None => self
                .token_env
                .as_deref()
                .unwrap_or(DEFAULT_ALERTS_TOKEN_ENV)
                .to_string(),
        }
    }

    /// The hook token, from `token_file` or the environment; the message
    /// names where it looked, never the token.
    pub fn token(&self) -> Result<String, String> {
        if let Some(path) = &self.token_file {
            let text = crate::secret_file::read_to_string("alerts.token_file", path)
                .map_err(|e| e.to_string())?;
            let token = text.trim();
            return if token.is_empty() {
                Err(format!("alerts.token_file {} is empty", path.display()))
            } else {
                Ok(token.to_string())
            };
        }
        let variable = self
            .token_env
            .as_deref()
            .unwrap_or(DEFAULT_ALERTS_TOKEN_ENV);
        match std::env::var(variable) {
            Ok(token) if !token.trim().is_empty() => Ok(token.trim().to_string()),
            _ => Err(format!("no token in the environment variable {variable}")),
        }
    }

    /// The meeting an alert with these labels belongs to.
    pub fn meeting_for(&self, labels: &BTreeMap<String, String>) -> &str {
        self.routes
            .iter()
            .find(|r| labels.get(&r.label) == Some(&r.value))
            .map_or(self.default_meeting.as_str(), |r| r.meeting.as_str())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    const MEETINGS: &str = r#"
[[meeting]]
id = "weekly"
title = "週刊ポストモーテム"
weekday = "wednesday"
start_time = "17:00"
first_session = "2019-02-06"

[[meeting]]
id = "cloudlog"
title = "Cloudlog"
weekday = "thursday"
start_time = "17:00"
first_session = "2019-02-07"
"#;

    fn parse(alerts: &str) -> Result<Config, String> {
        Config::parse(
            Path::new("/etc/wp/config.toml"),
            &format!("{MEETINGS}\n[alerts]\n{alerts}\n[daemon]\nlanguage = \"en\"\n"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn the_hook_listener_cannot_take_the_endpoints_port() {
        // The endpoint's default is 127.0.0.1:8754.
        for taken in ["127.0.0.1:8754", "0.0.0.0:8754"] {
            let err = parse(&format!("listen = \"{taken}\"")).unwrap_err();
            assert!(
                err.contains("alerts.listen") && err.contains("another"),
                "{err}"
            );
        }
        assert!(parse("listen = \"127.0.0.2:8754\"").is_ok());
        assert!(parse("listen = \"127.0.0.1:0\"").is_ok());
    }

    #[test]
    fn the_contract_keys_parse_and_route_by_label() {
        let config = parse(
            r#"listen = "0.0.0.0:8755"
token_env = "WEEKLY_POSTMORTEM_ALERTS_TOKEN"
min_duration_minutes = 5
routes = [{label = "team", value = "cloudlog", meeting = "cloudlog"}]"#,
        )
        .unwrap();
        let alerts = config.alerts.unwrap();
        assert_eq!(alerts.listen, "0.0.0.0:8755".parse().unwrap());
        assert_eq!(alerts.min_duration_minutes, 5);
        let labels = |team: &str| [("team".to_string(), team.to_string())].into();
        assert_eq!(alerts.meeting_for(&labels("cloudlog")), "cloudlog");
        assert_eq!(alerts.meeting_for(&labels("payments")), "weekly");
        assert_eq!(alerts.meeting_for(&Default::default()), "weekly");
    }

    #[test]
    fn bad_values_name_file_line_and_key() {
        let cases = [
            (
                "listen = \"everywhere\"",
                "/etc/wp/config.toml:17: key `alerts.listen`: expected an address and port",
            ),
            (
                "listen = \"0.0.0.0:8755\"\nmin_duration_minutes = -1",
                "/etc/wp/config.toml:18: key `alerts.min_duration_minutes`: expected a number of minutes from 0 to 10080",
            ),
            (
                "listen = \"0.0.0.0:8755\"\nroutes = [{label = \"team\", value = \"x\", meeting = \"nope\"}]",
                "/etc/wp/config.toml:18: key `alerts.routes[0].meeting`: no meeting has the id \"nope\"",
            ),
            (
                "listen = \"0.0.0.0:8755\"\ntoken_env = \"A\"\ntoken_file = \"/run/t\"",
                "/etc/wp/config.toml:18: key `alerts.token_env`: set token_env or token_file, not both",
            ),
            (
                "listen = \"0.0.0.0:8755\"\ntoken = \"s3cret\"",
                "unknown field `token`",
            ),
        ];
        for (alerts, expected) in cases {
            let err = parse(alerts).unwrap_err();
            assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        }
    }
}
