//! Alert notifications in: the Alertmanager webhook body (version 4) and
//! Grafana Alerting's (the same shape with a few more fields), read into
//! alert episodes by group and meeting, and stored as incidents.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::config::AlertsConfig;
use crate::domain::incidents::{Episode, Group, Incident};
use crate::domain::language::Language;
use crate::domain::log::{TextKind, replace_controls};
use crate::messages::Message;
use crate::messages::labels::Label;
use crate::store::{AlertsAbsorbed, SessionLog, StoreError};

/// The fields we read of a notification. Others (`receiver`, `orgId`,
/// `values`, `silenceURL`, `externalURL`, …) are accepted and ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub group_key: String,
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    pub alerts: Vec<Alert>,
    /// Alerts Alertmanager left out of this body (`max_alerts`).
    #[serde(default)]
    pub truncated_alerts: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub status: AlertStatus,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    /// `0001-01-01T00:00:00Z` while firing.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
    #[serde(default, rename = "dashboardURL")]
    pub dashboard_url: Option<String>,
    #[serde(default, rename = "panelURL")]
    pub panel_url: Option<String>,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

/// A body that is JSON of the right shape but says something impossible.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct Malformed {
    pub path: String,
    pub problem: String,
}

/// Reads a hook's body; the error names the path of the bad field.
pub fn parse(body: &[u8]) -> Result<Notification, Malformed> {
    let mut reader = serde_json::Deserializer::from_slice(body);
    let notification: Notification =
        serde_path_to_error::deserialize(&mut reader).map_err(|e| {
            let path = e.path().to_string();
            Malformed {
                // `?` or `.`: the body as a whole (not JSON, or not an object).
                path: if matches!(path.as_str(), "?" | ".") {
                    "body".into()
                } else {
                    path
                },
                problem: e.into_inner().to_string(),
            }
        })?;
    reader.end().map_err(|e| Malformed {
        path: "body".into(),
        problem: e.to_string(),
    })?;
    Ok(notification)
}

/// The notification's alerts as episodes, by group and meeting. Checked
/// whole before anything is stored.
pub fn episodes_by_group(
    notification: Notification,
    config: &AlertsConfig,
) -> Result<Vec<(Group, Vec<Episode>)>, Malformed> {
    if notification.group_key.trim().is_empty() {
        return Err(Malformed {
            path: "groupKey".into(),
            problem: "is empty".into(),
        });
    }
    let mut by_meeting: BTreeMap<String, Vec<Episode>> = BTreeMap::new();
    for (i, alert) in notification.alerts.into_iter().enumerate() {
        let at = |field: &str, problem: String| Malformed {
            path: format!("alerts[{i}].{field}"),
            problem,
        };
        if alert.fingerprint.trim().is_empty() {
            return Err(at("fingerprint", "is empty: every alert needs one".into()));
        }
        let ends_at = match alert.status {
            AlertStatus::Firing => None,
            AlertStatus::Resolved => match alert.ends_at {
                Some(end) if end >= alert.starts_at => Some(end),
                Some(end) => {
                    return Err(at(
                        "endsAt",
                        format!("{end} is before startsAt {}", alert.starts_at),
                    ));
                }
                None => return Err(at("endsAt", "a resolved alert needs its end".into())),
            },
        };
        let labels = one_line_labels(&alert.labels);
        let meeting = config.meeting_for(&labels).to_string();
        let links = [alert.generator_url, alert.dashboard_url, alert.panel_url]
            .into_iter()
            .flatten()
            .filter(|l| !l.is_empty())
            .map(|l| one_line(&l))
            .collect();
        by_meeting.entry(meeting).or_default().push(Episode {
            fingerprint: one_line(&alert.fingerprint),
            starts_at: alert.starts_at,
            ends_at,
            labels,
            annotations: alert
                .annotations
                .iter()
                .map(|(name, value)| (one_line(name), replace_controls(TextKind::Text, value)))
                .collect(),
            links,
        });
    }
    let summary = notification
        .common_annotations
        .get("summary")
        .filter(|s| !s.trim().is_empty())
        .map(|s| one_line(s));
    let group_labels = one_line_labels(&notification.group_labels);
    let group_key = one_line(&notification.group_key);
    Ok(by_meeting
        .into_iter()
        .map(|(meeting, episodes)| {
            let group = Group {
                meeting,
                key: group_key.clone(),
                summary: summary.clone(),
                labels: group_labels.clone(),
            };
            (group, episodes)
        })
        .collect())
}

/// An alert's text as stored: what a hook sends is never refused for a control
/// character (the alert would be lost), each one becomes a space, so nothing
/// that reaches a terminal or a page later carries an escape sequence.
fn one_line(text: &str) -> String {
    replace_controls(TextKind::Line, text)
}

fn one_line_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .iter()
        .map(|(name, value)| (one_line(name), one_line(value)))
        .collect()
}

/// What a hook call came to.
#[derive(Debug)]
pub enum Received {
    Stored(AlertsAbsorbed),
    Duplicate,
    Malformed(Malformed),
}

/// Parses, checks and stores one hook body: all of it or, on any problem,
/// nothing. Returns once the write is durable.
pub fn receive(
    log: &dyn SessionLog,
    config: &AlertsConfig,
    body: &[u8],
) -> Result<Received, StoreError> {
    let groups = match parse(body).and_then(|n| episodes_by_group(n, config)) {
        Ok(groups) => groups,
        Err(malformed) => return Ok(Received::Malformed(malformed)),
    };
    let absorbed = log.absorb_alerts(&groups)?;
    Ok(if absorbed.is_duplicate() {
        Received::Duplicate
    } else {
        Received::Stored(absorbed)
    })
}

/// One incident as a line of a call for topics or of `/incidents`: title,
/// time range in the meeting's zone, duration.
pub fn incident_line(incident: &Incident, zone: Tz, language: Language) -> String {
    let start = incident.start.with_timezone(&zone);
    let on = |t: &chrono::DateTime<Tz>| crate::messages::dates::day(t.date_naive(), language);
    let from = format!("{} {}", on(&start), start.format("%H:%M"));
    let range = match incident.end.map(|e| e.with_timezone(&zone)) {
        Some(end) if end.date_naive() == start.date_naive() => {
            format!("{from}–{}", end.format("%H:%M"))
        }
        Some(end) => format!("{from}–{} {}", on(&end), end.format("%H:%M")),
        None => format!("{from}–"),
    };
    let lasted = Label::Lasted {
        minutes: incident.duration().map(|d| d.num_minutes()),
    }
    .say(language);
    crate::messages::incidents::Incidents::Line {
        title: &incident.title,
        range: &range,
        lasted: &lasted,
    }
    .say(language)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::IncidentLog;

    fn config() -> AlertsConfig {
        AlertsConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            token_env: None,
            token_file: None,
            min_duration_minutes: 5,
            routes: vec![crate::config::AlertRoute {
                label: "team".into(),
                value: "cloudlog".into(),
                meeting: "cloudlog".into(),
            }],
            default_meeting: "weekly".into(),
        }
    }

    const BODY: &str = r#"{
      "version": "4", "groupKey": "{}:{alertname=\"HighLatency\"}", "truncatedAlerts": 0,
      "status": "firing", "receiver": "postmortem",
      "groupLabels": {"alertname": "HighLatency"},
      "commonLabels": {"alertname": "HighLatency"},
      "commonAnnotations": {"summary": "API latency above 2s"},
      "externalURL": "http://alertmanager:9093",
      "alerts": [
        {"status": "firing", "labels": {"alertname": "HighLatency", "team": "cloudlog"},
         "annotations": {}, "startsAt": "2026-11-30T10:00:00Z",
         "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom/graph",
         "fingerprint": "a1"},
        {"status": "resolved", "labels": {"alertname": "HighLatency"},
         "annotations": {}, "startsAt": "2026-11-30T10:00:00Z",
         "endsAt": "2026-11-30T10:20:00Z", "generatorURL": "", "fingerprint": "b2"}
      ]
    }"#;

    #[test]
    fn alerts_are_routed_by_label_and_firing_ones_have_no_end() {
        let groups = episodes_by_group(parse(BODY.as_bytes()).unwrap(), &config()).unwrap();
        let meetings: Vec<&str> = groups.iter().map(|(g, _)| g.meeting.as_str()).collect();
        assert_eq!(meetings, ["cloudlog", "weekly"]);
        let (group, episodes) = &groups[0];
        assert_eq!(group.summary.as_deref(), Some("API latency above 2s"));
        assert_eq!(episodes[0].ends_at, None);
        assert_eq!(episodes[0].links, ["http://prom/graph"]);
        assert!(groups[1].1[0].ends_at.is_some());
        assert!(groups[1].1[0].links.is_empty());
    }

    #[test]
    fn an_incident_line_shows_the_range_in_the_meetings_zone_and_the_duration() {
        let log = crate::store::InMemoryLog::new();
        let resolved = BODY
            .replace(
                "\"status\": \"firing\", \"labels\": {\"alertname\": \"HighLatency\", \"team\"",
                "\"status\": \"resolved\", \"labels\": {\"alertname\": \"HighLatency\", \"team\"",
            )
            .replace("0001-01-01T00:00:00Z", "2026-11-30T11:25:00Z");
        receive(&log, &config(), resolved.as_bytes()).unwrap();
        let incidents = log.incidents(Some("cloudlog")).unwrap();
        let tokyo = chrono_tz::Asia::Tokyo;
        assert_eq!(
            incident_line(&incidents[0], tokyo, Language::Ja),
            "API latency above 2s（11月30日(月) 19:00–20:25、1時間25分）"
        );
        assert_eq!(
            incident_line(&incidents[0], tokyo, Language::En),
            "API latency above 2s (Nov 30 (Mon) 19:00–20:25, 1 h 25 min)"
        );
        assert!(matches!(
            receive(&log, &config(), resolved.as_bytes()).unwrap(),
            Received::Duplicate
        ));
    }

    #[test]
    fn a_bad_field_is_named_by_its_path() {
        let cases = [
            (
                BODY.replacen("2026-11-30T10:00:00Z", "yesterday", 1),
                "alerts[0].startsAt: ",
            ),
            (
                BODY.replacen("\"a1\"", "\"\"", 1),
                "alerts[0].fingerprint: is empty",
            ),
            (
                BODY.replacen(",\n         \"fingerprint\": \"a1\"", "", 1),
                "alerts[0]: missing field `fingerprint`",
            ),
            (
                BODY.replacen("2026-11-30T10:20:00Z", "2026-11-30T09:00:00Z", 1),
                "alerts[1].endsAt: 2026-11-30 09:00:00 UTC is before startsAt",
            ),
            (BODY[..BODY.len() / 2].to_string(), "EOF while parsing"),
        ];
        for (body, expected) in cases {
            let err = parse(body.as_bytes())
                .and_then(|n| episodes_by_group(n, &config()))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        }
    }
}
