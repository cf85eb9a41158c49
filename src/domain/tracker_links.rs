//! Which tracker issue an action's link names: a GitHub issue or pull request,
//! a Backlog issue or a Jira issue, on a tracker the config names.

use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tracker {
    Github,
    Backlog,
    Jira,
}

impl Tracker {
    pub const ALL: [Tracker; 3] = [Tracker::Github, Tracker::Backlog, Tracker::Jira];

    /// How a record says which tracker closed it (`closed_by`).
    pub fn code(self) -> &'static str {
        match self {
            Tracker::Github => "github",
            Tracker::Backlog => "backlog",
            Tracker::Jira => "jira",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The product's name, the same in every language.
    pub fn name(self) -> &'static str {
        match self {
            Tracker::Github => "GitHub",
            Tracker::Backlog => "Backlog",
            Tracker::Jira => "Jira",
        }
    }
}

/// One issue on one tracker.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrackerIssue {
    /// `owner/repo` and the number (issues and pull requests share numbers).
    Github {
        repository: String,
        number: u64,
    },
    /// `KEY-12`.
    Backlog {
        key: String,
    },
    Jira {
        key: String,
    },
}

impl TrackerIssue {
    pub fn tracker(&self) -> Tracker {
        match self {
            TrackerIssue::Github { .. } => Tracker::Github,
            TrackerIssue::Backlog { .. } => Tracker::Backlog,
            TrackerIssue::Jira { .. } => Tracker::Jira,
        }
    }
}

/// Where the configured trackers' web pages live.
#[derive(Debug, Clone, Default)]
pub struct TrackerSites {
    /// The hosts of GitHub's pages: `github.com`, and the API's host for GitHub
    /// Enterprise (whose pages and API share one host). `None`: not configured.
    pub github_hosts: Option<Vec<String>>,
    pub backlog: Option<Url>,
    pub jira: Option<Url>,
}

/// The tracker issue `link` names, if it is one of a configured tracker.
pub fn tracker_issue(link: &str, sites: &TrackerSites) -> Option<TrackerIssue> {
    let url = Url::parse(link.trim()).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    if let Some(hosts) = &sites.github_hosts
        && hosts.iter().any(|h| h.eq_ignore_ascii_case(&host))
    {
        let parts: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
        if let [owner, repo, "issues" | "pull", number, ..] = parts.as_slice() {
            return Some(TrackerIssue::Github {
                repository: format!("{owner}/{repo}"),
                number: number.parse().ok().filter(|n| *n > 0)?,
            });
        }
    }
    if let Some(key) = under(&url, sites.backlog.as_ref(), "view") {
        return Some(TrackerIssue::Backlog { key });
    }
    if let Some(key) = under(&url, sites.jira.as_ref(), "browse") {
        return Some(TrackerIssue::Jira { key });
    }
    None
}

/// `KEY-12` from `<base>/<page>/KEY-12` when `url` lies under `base`.
fn under(url: &Url, base: Option<&Url>, page: &str) -> Option<String> {
    let base = base?;
    if url.scheme() != base.scheme()
        || url.host_str() != base.host_str()
        || url.port_or_known_default() != base.port_or_known_default()
    {
        return None;
    }
    let rest = url.path().strip_prefix(base.path().trim_end_matches('/'))?;
    let key = rest
        .strip_prefix('/')?
        .strip_prefix(page)?
        .strip_prefix('/')?;
    let key = key.trim_end_matches('/');
    is_issue_key(key).then(|| key.to_ascii_uppercase())
}

/// `PROJECT-123`: letters, digits and underscores, a dash, a number.
fn is_issue_key(key: &str) -> bool {
    let Some((project, number)) = key.rsplit_once('-') else {
        return false;
    };
    !project.is_empty()
        && project
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && project.as_bytes()[0].is_ascii_alphabetic()
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites() -> TrackerSites {
        TrackerSites {
            github_hosts: Some(vec!["github.com".into()]),
            backlog: Some(Url::parse("https://acme.backlog.jp").unwrap()),
            jira: Some(Url::parse("https://acme.atlassian.net/jira/").unwrap()),
        }
    }

    #[test]
    fn each_trackers_issue_links_are_recognised() {
        let s = sites();
        assert_eq!(
            tracker_issue("https://github.com/acme/app/issues/7", &s),
            Some(TrackerIssue::Github {
                repository: "acme/app".into(),
                number: 7
            })
        );
        assert_eq!(
            tracker_issue("https://github.com/acme/app/pull/12/files", &s),
            Some(TrackerIssue::Github {
                repository: "acme/app".into(),
                number: 12
            })
        );
        assert_eq!(
            tracker_issue("https://acme.backlog.jp/view/SRE-42", &s),
            Some(TrackerIssue::Backlog {
                key: "SRE-42".into()
            })
        );
        assert_eq!(
            tracker_issue("https://acme.atlassian.net/jira/browse/ops-3", &s),
            Some(TrackerIssue::Jira {
                key: "OPS-3".into()
            })
        );
    }

    #[test]
    fn a_tracker_is_stored_by_its_code_and_shown_by_its_name() {
        for tracker in Tracker::ALL {
            assert_eq!(Tracker::from_code(tracker.code()), Some(tracker));
        }
        assert_eq!(Tracker::from_code("gitlab"), None);
        assert_eq!(Tracker::Backlog.name(), "Backlog");
    }

    #[test]
    fn other_pages_and_unconfigured_trackers_are_not_issues() {
        let s = sites();
        for link in [
            "https://github.com/acme/app",
            "https://github.com/acme/app/issues/0",
            "https://github.com/acme/app/issues/new",
            "https://example.com/acme/app/issues/7",
            "https://acme.backlog.jp/find/SRE",
            "https://acme.backlog.jp/view/42",
            "http://acme.backlog.jp/view/SRE-42",
            "https://acme.atlassian.net/browse/OPS-3",
            "not a link",
        ] {
            assert_eq!(tracker_issue(link, &s), None, "{link}");
        }
        assert_eq!(
            tracker_issue(
                "https://github.com/acme/app/issues/7",
                &TrackerSites::default()
            ),
            None
        );
    }
}
