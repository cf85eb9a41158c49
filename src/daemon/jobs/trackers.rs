//! Trackers close actions by themselves: at start and every `poll_minutes`,
//! the issues that actions link to are asked for their state, and an action
//! follows its issue (done when closed, open again when a tracker-closed one
//! is reopened). [`plan_polls`] decides what to ask, [`plan_changes`] what
//! the answers change; [`tick`] asks through the port and writes. A tracker
//! that fails or rate-limits is left alone for a while (doubling, up to the
//! poll interval, or as long as it asked); it never holds up anything else.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use tokio::sync::watch;

use crate::app::state::{AppState, Change};
use crate::domain::actions::{Action, ActionStatus, tracker_change};
use crate::domain::tracker_links::{Tracker, TrackerIssue, TrackerSites, tracker_issue};
use crate::trackers::{IssueState, IssueTracker, TrackerError};

/// Actions a tracker closed are watched this long for a reopening.
const REOPEN_WINDOW_DAYS: i64 = 90;
/// The first wait after a failure; it doubles with each failure in a row.
const FIRST_BACKOFF: Duration = Duration::from_secs(60);

/// The issues to ask about, each with the actions that link to it.
pub(crate) fn plan_polls(
    actions: &[Action],
    sites: &TrackerSites,
    today: NaiveDate,
) -> BTreeMap<TrackerIssue, Vec<String>> {
    let mut polls: BTreeMap<TrackerIssue, Vec<String>> = BTreeMap::new();
    for action in actions {
        let watched = match action.status {
            ActionStatus::Open => true,
            ActionStatus::Done => {
                action.closed_by.is_some()
                    && action
                        .closed
                        .is_some_and(|c| (today - c).num_days() <= REOPEN_WINDOW_DAYS)
            }
            ActionStatus::Dropped => false,
        };
        if let (true, Some(issue)) = (
            watched,
            action.link.as_deref().and_then(|l| tracker_issue(l, sites)),
        ) {
            polls.entry(issue).or_default().push(action.id.clone());
        }
    }
    polls
}

/// What the answers change: each action whose state differs from its issue's.
pub(crate) fn plan_changes<'a>(
    actions: &'a [Action],
    answers: &BTreeMap<TrackerIssue, IssueState>,
    sites: &TrackerSites,
) -> Vec<(&'a Action, TrackerIssue, bool)> {
    actions
        .iter()
        .filter_map(|action| {
            let issue = tracker_issue(action.link.as_deref()?, sites)?;
            let closed = *answers.get(&issue)? == IssueState::Closed;
            tracker_change(action, closed).map(|_| (action, issue, closed))
        })
        .collect()
}

/// When each tracker may be asked again after failures.
#[derive(Default)]
pub(crate) struct Backoff {
    failures: HashMap<Tracker, (u32, Instant)>,
}

impl Backoff {
    fn ready(&self, tracker: Tracker, now: Instant) -> bool {
        self.failures
            .get(&tracker)
            .is_none_or(|(_, not_before)| now >= *not_before)
    }

    fn failed(&mut self, tracker: Tracker, error: &TrackerError, now: Instant, cap: Duration) {
        let entry = self.failures.entry(tracker).or_insert((0, now));
        entry.0 += 1;
        let doubled = FIRST_BACKOFF.saturating_mul(2u32.saturating_pow(entry.0 - 1));
        let wait = match error {
            TrackerError::RateLimited {
                retry_after: Some(asked),
            } => (*asked).max(Duration::from_secs(1)),
            _ => doubled.min(cap),
        };
        entry.1 = now + wait;
    }

    fn succeeded(&mut self, tracker: Tracker) {
        self.failures.remove(&tracker);
    }
}

/// One round: ask what is due, write what changed. Returns how many actions changed.
pub(crate) async fn tick<T: IssueTracker>(
    state: &AppState,
    tracker: &T,
    backoff: &mut Backoff,
) -> anyhow::Result<usize> {
    let Some(config) = &state.config.trackers else {
        return Ok(0);
    };
    let sites = config.sites();
    let cap = Duration::from_secs(u64::from(config.poll_minutes) * 60);
    let mut changed = 0;
    for meeting in &state.config.meetings {
        let today = meeting.rule.day_of(state.clock.now());
        let actions = state.log.actions(Some(&meeting.id))?;
        let mut answers = BTreeMap::new();
        for issue in plan_polls(&actions, &sites, today).into_keys() {
            let which = issue.tracker();
            if !backoff.ready(which, Instant::now()) {
                continue;
            }
            match tracker.issue_state(&issue).await {
                Ok(answer) => {
                    backoff.succeeded(which);
                    answers.insert(issue, answer);
                }
                Err(TrackerError::NotFound) => {
                    tracing::warn!(
                        tracker = which.name(),
                        ?issue,
                        "an action links to an issue the tracker does not show (removed, or no access)"
                    );
                }
                Err(e) => {
                    tracing::warn!(
                        tracker = which.name(),
                        "asking the tracker failed, asking again later: {e}"
                    );
                    backoff.failed(which, &e, Instant::now(), cap);
                }
            }
        }
        for (action, issue, closed) in plan_changes(&actions, &answers, &sites) {
            let code = issue.tracker().code();
            let (after, did) = state
                .log
                .update_action(&action.id, &mut |a| a.follow_tracker(code, closed, today))?;
            if did {
                changed += 1;
                tracing::info!(
                    action = %after.id,
                    tracker = issue.tracker().name(),
                    ?issue,
                    status = after.status.code(),
                    "action follows its tracker issue"
                );
            }
        }
    }
    if changed > 0 {
        state.changed(Change::Knowledge);
    }
    Ok(changed)
}

pub(crate) async fn run<T: IssueTracker>(
    state: Arc<AppState>,
    tracker: Arc<T>,
    mut stop: watch::Receiver<bool>,
) {
    let Some(minutes) = state.config.trackers.as_ref().map(|t| t.poll_minutes) else {
        return;
    };
    let every = Duration::from_secs(u64::from(minutes) * 60);
    let mut backoff = Backoff::default();
    // Only the interval (and shutdown) wakes it: its own writes must not.
    let mut changes = state.watch_changes(&[]);
    loop {
        if let Err(e) = tick(&state, tracker.as_ref(), &mut backoff).await {
            tracing::warn!("following tracker issues failed: {e:#}");
        }
        // Sooner when a tracker is waiting out a short backoff.
        let soonest = backoff
            .failures
            .values()
            .map(|(_, at)| at.saturating_duration_since(Instant::now()))
            .min()
            .map_or(every, |d| d.clamp(Duration::from_secs(1), every));
        if !super::pause(soonest, &mut changes, &mut stop).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: &str, link: &str, status: ActionStatus, closed_by: Option<&str>) -> Action {
        let closed = (status != ActionStatus::Open).then(|| "2026-12-01".parse().unwrap());
        Action {
            id: id.into(),
            meeting: "weekly".into(),
            title: id.into(),
            owner: "sato".into(),
            owner_id: None,
            due: None,
            status,
            link: Some(link.into()),
            postmortem: None,
            created: "2026-11-01".parse().unwrap(),
            closed,
            note: None,
            closed_by: closed_by.map(str::to_string),
        }
    }

    fn sites() -> TrackerSites {
        TrackerSites {
            github_hosts: Some(vec!["github.com".into()]),
            backlog: Some("https://acme.backlog.jp".parse().unwrap()),
            jira: None,
        }
    }

    #[test]
    fn open_actions_and_recently_tracker_closed_ones_are_polled_once_per_issue() {
        let gh = "https://github.com/acme/app/issues/7";
        let actions = [
            action("a", gh, ActionStatus::Open, None),
            action("b", gh, ActionStatus::Open, None),
            action(
                "c",
                "https://acme.backlog.jp/view/SRE-1",
                ActionStatus::Done,
                Some("backlog"),
            ),
            action(
                "d",
                "https://acme.backlog.jp/view/SRE-2",
                ActionStatus::Done,
                None,
            ),
            action(
                "e",
                "https://acme.backlog.jp/view/SRE-3",
                ActionStatus::Dropped,
                None,
            ),
            action(
                "f",
                "https://jira.example/browse/OPS-1",
                ActionStatus::Open,
                None,
            ),
        ];
        let polls = plan_polls(&actions, &sites(), "2026-12-07".parse().unwrap());
        let asked: Vec<(String, Vec<String>)> = polls
            .into_iter()
            .map(|(issue, ids)| (format!("{issue:?}"), ids))
            .collect();
        assert_eq!(asked.len(), 2, "{asked:?}");
        assert_eq!(asked[0].1, ["a", "b"]);
        assert_eq!(asked[1].1, ["c"]);
        let later = plan_polls(&actions, &sites(), "2027-04-01".parse().unwrap());
        assert_eq!(later.len(), 1, "a reopening is watched for 90 days");
    }

    #[test]
    fn answers_close_open_actions_and_reopen_tracker_closed_ones_only() {
        let actions = [
            action(
                "open",
                "https://github.com/acme/app/issues/1",
                ActionStatus::Open,
                None,
            ),
            action(
                "by-tracker",
                "https://github.com/acme/app/issues/2",
                ActionStatus::Done,
                Some("github"),
            ),
            action(
                "by-person",
                "https://github.com/acme/app/issues/3",
                ActionStatus::Done,
                None,
            ),
        ];
        let issue = |n| TrackerIssue::Github {
            repository: "acme/app".into(),
            number: n,
        };
        let answers = BTreeMap::from([
            (issue(1), IssueState::Closed),
            (issue(2), IssueState::Open),
            (issue(3), IssueState::Open),
        ]);
        let changes: Vec<(&str, bool)> = plan_changes(&actions, &answers, &sites())
            .into_iter()
            .map(|(a, _, closed)| (a.id.as_str(), closed))
            .collect();
        assert_eq!(changes, [("open", true), ("by-tracker", false)]);
    }

    #[test]
    fn a_failing_tracker_waits_longer_each_time_and_as_long_as_a_rate_limit_asks() {
        let mut backoff = Backoff::default();
        let now = Instant::now();
        let cap = Duration::from_secs(3600);
        let error = TrackerError::Failed("down".into());
        backoff.failed(Tracker::Github, &error, now, cap);
        assert!(!backoff.ready(Tracker::Github, now + Duration::from_secs(59)));
        assert!(backoff.ready(Tracker::Github, now + Duration::from_secs(60)));
        assert!(backoff.ready(Tracker::Jira, now), "other trackers go on");
        backoff.failed(Tracker::Github, &error, now, cap);
        assert!(!backoff.ready(Tracker::Github, now + Duration::from_secs(119)));
        let limited = TrackerError::RateLimited {
            retry_after: Some(Duration::from_secs(600)),
        };
        backoff.failed(Tracker::Backlog, &limited, now, cap);
        assert!(!backoff.ready(Tracker::Backlog, now + Duration::from_secs(599)));
        backoff.succeeded(Tracker::Github);
        assert!(backoff.ready(Tracker::Github, now));
    }
}
