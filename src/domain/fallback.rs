//! When nobody offered a topic by the call for topics, propose something
//! concrete: read a past postmortem again (the one least recently revisited,
//! "one year ago this month" first), walk a dashboard (in turn), or open talk.

use chrono::{Datelike, NaiveDate};

use super::log::{FallbackFormat, Postmortem, Proposal};

/// A dashboard from the meeting's config.
#[derive(Debug)]
pub struct DashboardRef<'a> {
    pub name: &'a str,
    pub url: &'a str,
}

/// When the postmortem a reading club revisits happened, as people are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadWhen {
    /// The same month, `years` years before.
    ThisMonthYearsAgo(i32),
    On(NaiveDate),
}

/// What the session on a date is proposed to do; the catalogue words it
/// (`messages::proposal`).
#[derive(Debug, Clone, Copy)]
pub enum Choice<'a> {
    ReadingClub {
        postmortem: &'a Postmortem,
        when: ReadWhen,
    },
    DashboardWalk(&'a DashboardRef<'a>),
    OpenTalk,
}

impl Choice<'_> {
    pub fn format(&self) -> FallbackFormat {
        match self {
            Choice::ReadingClub { .. } => FallbackFormat::ReadingClub,
            Choice::DashboardWalk(_) => FallbackFormat::DashboardWalk,
            Choice::OpenTalk => FallbackFormat::OpenTalk,
        }
    }
}

/// The choice for the session on `date`, given what was proposed before
/// (oldest first) and what exists.
pub fn choose<'a>(
    date: NaiveDate,
    past: &[(NaiveDate, Proposal)],
    postmortems: &'a [Postmortem],
    dashboards: &'a [DashboardRef<'a>],
) -> Choice<'a> {
    let readable: Vec<&Postmortem> = postmortems.iter().filter(|p| p.date < date).collect();
    let mut formats = Vec::new();
    if !readable.is_empty() {
        formats.push(FallbackFormat::ReadingClub);
    }
    if !dashboards.is_empty() {
        formats.push(FallbackFormat::DashboardWalk);
    }
    formats.push(FallbackFormat::OpenTalk);
    // The format used least recently goes next; never used comes first, in this order.
    let last_used = |format: FallbackFormat| past.iter().rposition(|(_, p)| p.format == format);
    let format = formats
        .iter()
        .copied()
        .min_by_key(|f| last_used(*f).map_or(-1, |i| i as i64))
        .unwrap_or(FallbackFormat::OpenTalk);
    match format {
        FallbackFormat::ReadingClub => reading_club(date, past, &readable),
        FallbackFormat::DashboardWalk => Choice::DashboardWalk(dashboard_walk(past, dashboards)),
        FallbackFormat::OpenTalk => Choice::OpenTalk,
    }
}

fn reading_club<'a>(
    date: NaiveDate,
    past: &[(NaiveDate, Proposal)],
    readable: &[&'a Postmortem],
) -> Choice<'a> {
    let last_read = |p: &Postmortem| {
        past.iter()
            .filter(|(_, proposal)| proposal.postmortem_id.as_deref() == Some(p.id.as_str()))
            .map(|(d, _)| *d)
            .max()
    };
    // Never read again first; then "N years ago this month"; then the oldest.
    let chosen = readable
        .iter()
        .min_by_key(|p| {
            let same_month = p.date.month() == date.month() && p.date.year() < date.year();
            (
                last_read(p),
                !same_month,
                date.year() - p.date.year() == 0,
                p.date,
            )
        })
        .expect("reading club is only chosen when there are postmortems");
    let years = date.year() - chosen.date.year();
    let when = if years >= 1 && chosen.date.month() == date.month() {
        ReadWhen::ThisMonthYearsAgo(years)
    } else {
        ReadWhen::On(chosen.date)
    };
    Choice::ReadingClub {
        postmortem: chosen,
        when,
    }
}

fn dashboard_walk<'a>(
    past: &[(NaiveDate, Proposal)],
    dashboards: &'a [DashboardRef<'a>],
) -> &'a DashboardRef<'a> {
    let last = past
        .iter()
        .rev()
        .find(|(_, p)| p.format == FallbackFormat::DashboardWalk)
        .and_then(|(_, p)| {
            dashboards
                .iter()
                .position(|d| Some(d.url) == p.link.as_deref())
        });
    &dashboards[last.map_or(0, |i| (i + 1) % dashboards.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(id: &str, date: &str) -> Postmortem {
        Postmortem {
            id: id.into(),
            meeting: "weekly".into(),
            date: date.parse().unwrap(),
            title: format!("title {id}"),
            impact: "i".into(),
            actions_taken: "a".into(),
            root_cause: String::new(),
            prevention: "p".into(),
            responders: vec![],
            links: vec![],
            responder_ids: Vec::new(),
        }
    }

    /// What the session keeps of a choice, as far as later choices read it.
    fn recorded(choice: &Choice) -> Proposal {
        let (link, postmortem_id) = match choice {
            Choice::ReadingClub { postmortem, .. } => (None, Some(postmortem.id.clone())),
            Choice::DashboardWalk(d) => (Some(d.url.to_string()), None),
            Choice::OpenTalk => (None, None),
        };
        Proposal {
            format: choice.format(),
            title: String::new(),
            detail: String::new(),
            link,
            postmortem_id,
        }
    }

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn formats_take_turns_and_the_reading_club_picks_one_year_ago_this_month() {
        let postmortems = vec![
            pm("old", "2023-02-01"),
            pm("anniversary", "2025-12-10"),
            pm("recent", "2026-11-01"),
        ];
        let dashboards = [
            DashboardRef {
                name: "API latency",
                url: "https://grafana/api",
            },
            DashboardRef {
                name: "DB",
                url: "https://grafana/db",
            },
        ];
        let mut past = Vec::new();
        let mut chosen = Vec::new();
        for (i, date) in [
            "2026-12-02",
            "2026-12-09",
            "2026-12-16",
            "2026-12-23",
            "2027-01-06",
        ]
        .iter()
        .enumerate()
        {
            let choice = choose(d(date), &past, &postmortems, &dashboards);
            if i == 0 {
                assert!(
                    matches!(
                        choice,
                        Choice::ReadingClub {
                            when: ReadWhen::ThisMonthYearsAgo(1),
                            ..
                        }
                    ),
                    "{choice:?}"
                );
            }
            let p = recorded(&choice);
            chosen.push((p.format, p.postmortem_id.clone(), p.link.clone()));
            past.push((d(date), p));
            assert!(i < 5);
        }
        assert_eq!(chosen[0].0, FallbackFormat::ReadingClub);
        assert_eq!(chosen[0].1.as_deref(), Some("anniversary"));
        assert_eq!(chosen[1].0, FallbackFormat::DashboardWalk);
        assert_eq!(chosen[1].2.as_deref(), Some("https://grafana/api"));
        assert_eq!(chosen[2].0, FallbackFormat::OpenTalk);
        assert_eq!(chosen[3].0, FallbackFormat::ReadingClub);
        assert_ne!(
            chosen[3].1, chosen[0].1,
            "the least recently revisited next"
        );
        assert_eq!(
            chosen[4].2.as_deref(),
            Some("https://grafana/db"),
            "dashboards rotate"
        );
    }

    #[test]
    fn without_postmortems_or_dashboards_it_is_open_talk() {
        let choice = choose(d("2026-12-02"), &[], &[], &[]);
        assert_eq!(choice.format(), FallbackFormat::OpenTalk);
    }
}
