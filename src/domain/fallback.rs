//! When nobody offered a topic by the call for topics, propose something
//! concrete: read a past postmortem again (the one least recently revisited,
//! "one year ago this month" first), walk a dashboard (in turn), or open talk.

use chrono::{Datelike, NaiveDate};

use super::language::Language;
use super::log::{FallbackFormat, Postmortem, Proposal, TextKind};

/// A dashboard from the meeting's config.
pub struct DashboardRef<'a> {
    pub name: &'a str,
    pub url: &'a str,
}

/// The proposal for the session on `date`, given what was proposed before
/// (oldest first) and what exists.
pub fn propose(
    date: NaiveDate,
    past: &[(NaiveDate, Proposal)],
    postmortems: &[Postmortem],
    dashboards: &[DashboardRef],
    language: Language,
) -> Proposal {
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
    let ja = language == Language::Ja;
    match format {
        FallbackFormat::ReadingClub => reading_club(date, past, &readable, ja),
        FallbackFormat::DashboardWalk => dashboard_walk(past, dashboards, ja),
        FallbackFormat::OpenTalk => Proposal {
            format,
            title: if ja {
                "雑談回: 最近の気づきを持ち寄る"
            } else {
                "Open talk: bring a recent lesson"
            }
            .into(),
            detail: if ja {
                "スライドは不要です。最近ヒヤッとしたこと、監視で気づいたことを話しましょう。"
            } else {
                "No slides needed: a near miss, something the monitoring told us, a question."
            }
            .into(),
            link: None,
            postmortem_id: None,
        },
    }
}

fn reading_club(
    date: NaiveDate,
    past: &[(NaiveDate, Proposal)],
    readable: &[&Postmortem],
    ja: bool,
) -> Proposal {
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
    let when = match (ja, years) {
        (true, y) if y >= 1 && chosen.date.month() == date.month() => format!("{y}年前の今月"),
        (true, _) => crate::messages::dates::day_seen(chosen.date, date, Language::Ja),
        (false, 1) if chosen.date.month() == date.month() => "one year ago this month".to_string(),
        (false, y) if y > 1 && chosen.date.month() == date.month() => {
            format!("{y} years ago this month")
        }
        (false, _) => crate::messages::dates::day_seen(chosen.date, date, Language::En),
    };
    let detail = if ja {
        format!(
            "影響: {}\n復旧: {}\n再発防止: {}",
            chosen.impact, chosen.actions_taken, chosen.prevention
        )
    } else {
        format!(
            "Impact: {}\nRecovery: {}\nPrevention: {}",
            chosen.impact, chosen.actions_taken, chosen.prevention
        )
    };
    // Stored before titles had their limit, a postmortem may have a longer
    // one; the proposal quotes at most a title's worth so it stays valid.
    let quoted: String = chosen
        .title
        .chars()
        .take(TextKind::Title.max_chars())
        .collect();
    Proposal {
        format: FallbackFormat::ReadingClub,
        title: if ja {
            format!("ポストモーテム読書会: 「{quoted}」（{when}）")
        } else {
            format!("Postmortem reading club: \"{quoted}\" ({when})")
        },
        detail,
        link: chosen.links.first().cloned(),
        postmortem_id: Some(chosen.id.clone()),
    }
}

fn dashboard_walk(
    past: &[(NaiveDate, Proposal)],
    dashboards: &[DashboardRef],
    ja: bool,
) -> Proposal {
    let last = past
        .iter()
        .rev()
        .find(|(_, p)| p.format == FallbackFormat::DashboardWalk)
        .and_then(|(_, p)| {
            dashboards
                .iter()
                .position(|d| Some(d.url) == p.link.as_deref())
        });
    let next = &dashboards[last.map_or(0, |i| (i + 1) % dashboards.len())];
    Proposal {
        format: FallbackFormat::DashboardWalk,
        title: if ja {
            format!("ダッシュボードを一緒に眺める: {}", next.name)
        } else {
            format!("Dashboard walk: {}", next.name)
        },
        detail: if ja {
            "いつもと違う動きはないか、アラートの閾値は妥当か、みんなで見てみましょう。".into()
        } else {
            "Anything unusual? Are the alert thresholds still right? Let's look together.".into()
        },
        link: Some(next.url.to_string()),
        postmortem_id: None,
    }
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
            let p = propose(d(date), &past, &postmortems, &dashboards, Language::En);
            chosen.push((p.format, p.postmortem_id.clone(), p.link.clone()));
            past.push((d(date), p));
            assert!(i < 5);
        }
        assert_eq!(chosen[0].0, FallbackFormat::ReadingClub);
        assert_eq!(chosen[0].1.as_deref(), Some("anniversary"));
        assert!(
            past[0].1.title.contains("one year ago this month"),
            "{}",
            past[0].1.title
        );
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
        let p = propose(d("2026-12-02"), &[], &[], &[], Language::Ja);
        assert_eq!(p.format, FallbackFormat::OpenTalk);
    }
}
