//! Incidents: the alert episodes of one alert group (Alertmanager's
//! `groupKey`) that overlap or follow each other within [`FOLLOW_WITHIN`].
//! An alert episode is identified by its fingerprint and start, so a retried
//! notification changes nothing and a `resolved` one only sets the end.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::log::{Invalid, TextKind, check_controls, check_field, stable_id};

/// Episodes of one group this close together are one incident.
pub const FOLLOW_WITHIN: TimeDelta = TimeDelta::minutes(30);

/// One alert from its start to its end (none while it fires).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    pub fingerprint: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// generatorURL, dashboardURL, panelURL, in that order, as sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
}

impl Episode {
    fn identity(&self) -> (&str, DateTime<Utc>) {
        (&self.fingerprint, self.starts_at)
    }
}

/// What a notification says about its group as a whole.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub meeting: String,
    pub key: String,
    /// `commonAnnotations.summary`.
    pub summary: Option<String>,
    /// `groupLabels`: what the alerts of the group have in common by design.
    pub labels: BTreeMap<String, String>,
}

/// The stored record of kind `incident`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub meeting: String,
    pub group_key: String,
    pub title: String,
    pub start: DateTime<Utc>,
    /// None while any of its alerts still fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// The labels every episode shares.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Generator, dashboard, panel and runbook links, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    pub episodes: Vec<Episode>,
}

impl Incident {
    /// From the first start to the last end; None while it fires.
    pub fn duration(&self) -> Option<TimeDelta> {
        self.end.map(|end| end - self.start)
    }

    /// The date it is found under in history (UTC).
    pub fn date(&self) -> NaiveDate {
        self.start.date_naive()
    }

    /// Lasted at least `minutes` (one that still fires has lasted until `now`).
    pub fn lasted_at_least(&self, minutes: u32, now: DateTime<Utc>) -> bool {
        self.end.unwrap_or(now) - self.start >= TimeDelta::minutes(minutes.into())
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        check_field(TextKind::Id, "id", &self.id)?;
        check_field(TextKind::Name, "meeting", &self.meeting)?;
        check_field(TextKind::Title, "title", &self.title)?;
        if self.episodes.is_empty() {
            return Err(Invalid::new(
                "episodes",
                "is empty: an incident has at least one alert",
                "空です。インシデントには少なくとも1件のアラートが必要です",
            ));
        }
        if self.end.is_some_and(|end| end < self.start) {
            return Err(Invalid::new(
                "end",
                "is before start",
                "start より前になっています",
            ));
        }
        check_controls(TextKind::Line, "group_key", &self.group_key)?;
        if let Some(severity) = &self.severity {
            check_controls(TextKind::Line, "severity", severity)?;
        }
        check_labels("labels", &self.labels)?;
        check_lines("links", &self.links)?;
        for (i, episode) in self.episodes.iter().enumerate() {
            episode
                .check_controls()
                .map_err(|e| e.within(&format!("episodes[{i}]")))?;
        }
        Ok(())
    }
}

impl Episode {
    /// Control characters, the one rule the hooks repair at intake, in what an
    /// import brings.
    fn check_controls(&self) -> Result<(), Invalid> {
        check_controls(TextKind::Line, "fingerprint", &self.fingerprint)?;
        check_labels("labels", &self.labels)?;
        for (name, value) in &self.annotations {
            check_controls(TextKind::Line, "annotations", name)?;
            check_controls(TextKind::Text, &format!("annotations.{name}"), value)?;
        }
        check_lines("links", &self.links)
    }
}

fn check_labels(field: &str, labels: &BTreeMap<String, String>) -> Result<(), Invalid> {
    for (name, value) in labels {
        check_controls(TextKind::Line, field, name)?;
        check_controls(TextKind::Line, &format!("{field}.{name}"), value)?;
    }
    Ok(())
}

fn check_lines(field: &str, lines: &[String]) -> Result<(), Invalid> {
    for (i, line) in lines.iter().enumerate() {
        check_controls(TextKind::Line, &format!("{field}[{i}]"), line)?;
    }
    Ok(())
}

/// What a notification did to one group.
#[derive(Debug, Default, PartialEq)]
pub struct Absorbed {
    /// Incidents new or changed, to store.
    pub changed: Vec<Incident>,
    /// Incidents merged into another, to remove.
    pub removed: Vec<String>,
    /// Alert episodes not seen before, and seen ones that now have an end.
    pub new_episodes: usize,
    pub ended_episodes: usize,
}

impl Absorbed {
    /// A retry of a notification already stored.
    pub fn is_duplicate(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Adds `incoming` episodes to the group's `existing` incidents and groups
/// them again: episodes that overlap or follow within [`FOLLOW_WITHIN`] are
/// one incident, which keeps the id of the oldest incident it absorbed.
pub fn absorb(existing: &[Incident], group: &Group, incoming: Vec<Episode>) -> Absorbed {
    let mut owner: HashMap<(String, DateTime<Utc>), &str> = HashMap::new();
    let mut episodes: BTreeMap<(String, DateTime<Utc>), Episode> = BTreeMap::new();
    for incident in existing {
        for e in &incident.episodes {
            let key = (e.fingerprint.clone(), e.starts_at);
            owner.insert(key.clone(), &incident.id);
            episodes.insert(key, e.clone());
        }
    }
    let mut absorbed = Absorbed::default();
    for episode in incoming {
        let key = (episode.fingerprint.clone(), episode.starts_at);
        match episodes.get_mut(&key) {
            None => {
                absorbed.new_episodes += 1;
                episodes.insert(key, episode);
            }
            // Only an end is news about a known episode; a late `firing`
            // retry never reopens a resolved one.
            Some(known) if episode.ends_at.is_some() && known.ends_at != episode.ends_at => {
                absorbed.ended_episodes += 1;
                known.ends_at = episode.ends_at;
            }
            Some(_) => {}
        }
    }
    let mut ordered: Vec<Episode> = episodes.into_values().collect();
    ordered.sort_by(|a, b| (a.starts_at, &a.fingerprint).cmp(&(b.starts_at, &b.fingerprint)));

    let mut clusters: Vec<Vec<Episode>> = Vec::new();
    // None while the cluster has an episode that still fires.
    let mut reach: Option<DateTime<Utc>> = None;
    for episode in ordered {
        let joins = clusters
            .last()
            .is_some_and(|_| reach.is_none_or(|r| episode.starts_at <= r + FOLLOW_WITHIN));
        let end = episode.ends_at;
        if joins {
            reach = match (reach, end) {
                (Some(r), Some(e)) => Some(r.max(e)),
                _ => None,
            };
            clusters.last_mut().expect("joins a cluster").push(episode);
        } else {
            reach = end;
            clusters.push(vec![episode]);
        }
    }

    let by_id: HashMap<&str, &Incident> = existing.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut kept_ids = BTreeSet::new();
    for cluster in clusters {
        let previous = cluster
            .iter()
            .filter_map(|e| owner.get(&(e.fingerprint.clone(), e.starts_at)).copied())
            .filter(|id| !kept_ids.contains(*id))
            .min_by_key(|id| by_id.get(id).map(|i| (i.start, i.id.clone())));
        let id = match previous {
            Some(id) => id.to_string(),
            None => {
                let (fingerprint, start) = cluster[0].identity();
                stable_id(
                    "in",
                    &[&group.meeting, &group.key, fingerprint, &start.to_rfc3339()],
                )
            }
        };
        kept_ids.insert(id.clone());
        let old = by_id.get(id.as_str()).copied();
        let incident = build(id, group, old, cluster);
        if old != Some(&incident) {
            absorbed.changed.push(incident);
        }
    }
    absorbed.removed = existing
        .iter()
        .filter(|i| !kept_ids.contains(&i.id))
        .map(|i| i.id.clone())
        .collect();
    absorbed
}

fn build(id: String, group: &Group, old: Option<&Incident>, episodes: Vec<Episode>) -> Incident {
    let start = episodes
        .iter()
        .map(|e| e.starts_at)
        .min()
        .expect("a cluster is never empty");
    let end = episodes
        .iter()
        .map(|e| e.ends_at)
        .try_fold(start, |last, end| end.map(|e| last.max(e)));
    let mut labels = episodes[0].labels.clone();
    for e in &episodes[1..] {
        labels.retain(|k, v| e.labels.get(k) == Some(v));
    }
    let severity = episodes
        .iter()
        .filter_map(|e| e.labels.get("severity"))
        .max_by_key(|s| severity_rank(s))
        .cloned();
    let mut links = Vec::new();
    for e in &episodes {
        let runbook = e.annotations.get("runbook_url");
        for link in e.links.iter().chain(runbook) {
            if !link.is_empty() && !links.contains(link) {
                links.push(link.clone());
            }
        }
    }
    let title = match (&group.summary, old) {
        (Some(summary), _) => one_line(summary),
        (None, Some(old)) => old.title.clone(),
        (None, None) => named_by_labels(group, &episodes[0]),
    };
    Incident {
        id,
        meeting: group.meeting.clone(),
        group_key: group.key.clone(),
        title,
        start,
        end,
        severity,
        labels,
        links,
        episodes,
    }
}

/// `alertname (label=value, …)` with the group's labels besides the name.
fn named_by_labels(group: &Group, first: &Episode) -> String {
    let name = first
        .labels
        .get("alertname")
        .or_else(|| group.labels.get("alertname"))
        .map_or("alert", String::as_str);
    let distinguishing: Vec<String> = group
        .labels
        .iter()
        .filter(|(k, _)| *k != "alertname")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if distinguishing.is_empty() {
        one_line(name)
    } else {
        one_line(&format!("{name} ({})", distinguishing.join(", ")))
    }
}

/// A title a record accepts: control characters become spaces, at most the
/// title limit, never blank.
fn one_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(TextKind::Title.max_chars())
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        "alert".into()
    } else {
        trimmed.to_string()
    }
}

fn severity_rank(severity: &str) -> u8 {
    match severity.to_ascii_lowercase().as_str() {
        "critical" | "page" | "emergency" => 4,
        "error" | "high" | "major" => 3,
        "warning" | "warn" | "medium" => 2,
        "info" | "low" | "minor" => 1,
        _ => 0,
    }
}

/// The incidents a meeting proposes as topics: started at or after `since`
/// (the previous session), lasted at least `min_minutes`, and no agenda item
/// is linked to them yet (`linked`: the incident ids agenda items name).
/// Oldest first.
pub fn to_propose<'a>(
    incidents: &'a [Incident],
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    min_minutes: u32,
    linked: &BTreeSet<String>,
) -> Vec<&'a Incident> {
    let mut chosen: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.start >= since && i.start <= now)
        .filter(|i| i.lasted_at_least(min_minutes, now))
        .filter(|i| !linked.contains(&i.id))
        .collect();
    chosen.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hhmm: &str) -> DateTime<Utc> {
        format!("2026-11-30T{hhmm}:00Z").parse().unwrap()
    }

    fn episode(fp: &str, start: &str, end: Option<&str>) -> Episode {
        Episode {
            fingerprint: fp.into(),
            starts_at: at(start),
            ends_at: end.map(at),
            labels: [
                ("alertname".to_string(), "HighLatency".to_string()),
                ("severity".to_string(), "warning".to_string()),
                ("instance".to_string(), fp.to_string()),
            ]
            .into(),
            annotations: [("runbook_url".to_string(), "https://rb/latency".to_string())].into(),
            links: vec![format!("https://prom/graph?{fp}")],
        }
    }

    fn group() -> Group {
        Group {
            meeting: "weekly".into(),
            key: "{}:{alertname=\"HighLatency\"}".into(),
            summary: None,
            labels: [
                ("alertname".to_string(), "HighLatency".to_string()),
                ("service".to_string(), "api".to_string()),
            ]
            .into(),
        }
    }

    #[test]
    fn overlapping_and_following_episodes_are_one_incident_and_a_gap_splits() {
        let absorbed = absorb(
            &[],
            &group(),
            vec![
                episode("a", "10:00", Some("10:20")),
                episode("b", "10:10", Some("10:30")),
                episode("c", "10:55", Some("11:05")),
                episode("d", "11:40", Some("11:45")),
            ],
        );
        assert_eq!(absorbed.new_episodes, 4);
        let [first, second] = absorbed.changed.as_slice() else {
            panic!("{:?}", absorbed.changed);
        };
        assert_eq!((first.start, first.end), (at("10:00"), Some(at("11:05"))));
        assert_eq!(first.duration(), Some(TimeDelta::minutes(65)));
        assert_eq!(first.episodes.len(), 3);
        assert_eq!(first.title, "HighLatency (service=api)");
        assert_eq!(first.severity.as_deref(), Some("warning"));
        assert_eq!(first.labels.get("instance"), None);
        assert!(first.links.contains(&"https://rb/latency".to_string()));
        assert_eq!(second.episodes.len(), 1);
        assert_ne!(first.id, second.id);
    }

    #[test]
    fn a_retry_changes_nothing_and_resolved_sets_the_end() {
        let firing = vec![episode("a", "10:00", None)];
        let first = absorb(&[], &group(), firing.clone());
        assert_eq!(first.changed[0].end, None);
        let stored = first.changed;
        let retry = absorb(&stored, &group(), firing);
        assert!(retry.is_duplicate());
        let resolved = absorb(
            &stored,
            &group(),
            vec![episode("a", "10:00", Some("10:40"))],
        );
        assert_eq!(resolved.ended_episodes, 1);
        assert_eq!(resolved.changed[0].id, stored[0].id);
        assert_eq!(resolved.changed[0].end, Some(at("10:40")));
        // A late firing retry does not reopen it.
        let late = absorb(
            &resolved.changed,
            &group(),
            vec![episode("a", "10:00", None)],
        );
        assert!(late.is_duplicate());
    }

    #[test]
    fn an_episode_that_bridges_two_incidents_merges_them_under_the_older_id() {
        let stored = absorb(
            &[],
            &group(),
            vec![
                episode("a", "10:00", Some("10:10")),
                episode("b", "11:00", Some("11:10")),
            ],
        )
        .changed;
        assert_eq!(stored.len(), 2);
        let merged = absorb(
            &stored,
            &group(),
            vec![episode("c", "10:30", Some("10:45"))],
        );
        assert_eq!(merged.changed.len(), 1);
        assert_eq!(merged.changed[0].id, stored[0].id);
        assert_eq!(merged.removed, vec![stored[1].id.clone()]);
    }

    #[test]
    fn a_firing_episode_holds_the_incident_open_and_the_summary_is_the_title() {
        let mut g = group();
        g.summary = Some("API latency\nabove 2s".into());
        let absorbed = absorb(
            &[],
            &g,
            vec![
                episode("a", "10:00", None),
                episode("b", "13:00", Some("13:05")),
            ],
        );
        assert_eq!(absorbed.changed.len(), 1);
        let incident = &absorbed.changed[0];
        assert_eq!(incident.end, None);
        assert_eq!(incident.title, "API latency above 2s");
        assert!(incident.lasted_at_least(5, at("10:05")));
        assert!(!incident.lasted_at_least(6, at("10:05")));
        incident.validate().unwrap();
    }

    #[test]
    fn proposed_are_those_since_the_last_session_long_enough_and_not_yet_on_the_agenda() {
        let absorbed = absorb(
            &[],
            &group(),
            vec![
                episode("old", "08:00", Some("08:30")),
                episode("short", "10:00", Some("10:03")),
                episode("long", "11:00", Some("11:20")),
                episode("taken", "13:00", Some("13:30")),
                episode("firing", "15:00", None),
            ],
        );
        let by_fp = |fp: &str| {
            absorbed
                .changed
                .iter()
                .find(|i| i.episodes[0].fingerprint == fp)
                .unwrap()
                .id
                .clone()
        };
        let linked = BTreeSet::from([by_fp("taken")]);
        let proposed: Vec<String> =
            to_propose(&absorbed.changed, at("09:00"), at("15:10"), 5, &linked)
                .into_iter()
                .map(|i| i.episodes[0].fingerprint.clone())
                .collect();
        assert_eq!(proposed, ["long", "firing"]);
        let proposed = to_propose(&absorbed.changed, at("09:00"), at("15:02"), 5, &linked);
        assert_eq!(
            proposed.len(),
            1,
            "a firing one counts only once it lasted long enough"
        );
    }
}
