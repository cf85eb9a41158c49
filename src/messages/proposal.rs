//! A proposal as people read it: the domain chooses what a session without
//! topics could do (`domain::fallback`), this words it in the meeting's
//! language and makes the record the session keeps.

use chrono::NaiveDate;

use super::dates::day_seen;
use crate::domain::fallback::{Choice, DashboardRef, ReadWhen, choose};
use crate::domain::language::Language;
use crate::domain::log::{Postmortem, Proposal, TextKind};

/// The proposal for the session on `date` (see [`choose`]), worded.
pub(crate) fn propose(
    date: NaiveDate,
    past: &[(NaiveDate, Proposal)],
    postmortems: &[Postmortem],
    dashboards: &[DashboardRef],
    language: Language,
) -> Proposal {
    let choice = choose(date, past, postmortems, dashboards);
    let ja = language == Language::Ja;
    let (title, detail, link, postmortem_id) = match choice {
        Choice::OpenTalk => (
            if ja {
                "雑談回: 最近の気づきを持ち寄る"
            } else {
                "Open talk: bring a recent lesson"
            }
            .to_string(),
            if ja {
                "スライドは不要です。最近ヒヤッとしたこと、監視で気づいたことを話しましょう。"
            } else {
                "No slides needed: a near miss, something the monitoring told us, a question."
            }
            .to_string(),
            None,
            None,
        ),
        Choice::DashboardWalk(dashboard) => (
            if ja {
                format!("ダッシュボードを一緒に眺める: {}", dashboard.name)
            } else {
                format!("Dashboard walk: {}", dashboard.name)
            },
            if ja {
                "いつもと違う動きはないか、アラートの閾値は妥当か、みんなで見てみましょう。"
            } else {
                "Anything unusual? Are the alert thresholds still right? Let's look together."
            }
            .to_string(),
            Some(dashboard.url.to_string()),
            None,
        ),
        Choice::ReadingClub { postmortem, when } => {
            let when = match (ja, when) {
                (true, ReadWhen::ThisMonthYearsAgo(y)) => format!("{y}年前の今月"),
                (false, ReadWhen::ThisMonthYearsAgo(1)) => "one year ago this month".to_string(),
                (false, ReadWhen::ThisMonthYearsAgo(y)) => format!("{y} years ago this month"),
                (_, ReadWhen::On(day)) => day_seen(day, date, language),
            };
            // Stored before titles had their limit, a postmortem may have a longer
            // one; the proposal quotes at most a title's worth so it stays valid.
            let quoted: String = postmortem
                .title
                .chars()
                .take(TextKind::Title.max_chars())
                .collect();
            let (impact, recovery, prevention) = (
                &postmortem.impact,
                &postmortem.actions_taken,
                &postmortem.prevention,
            );
            (
                if ja {
                    format!("ポストモーテム読書会: 「{quoted}」（{when}）")
                } else {
                    format!("Postmortem reading club: \"{quoted}\" ({when})")
                },
                if ja {
                    format!("影響: {impact}\n復旧: {recovery}\n再発防止: {prevention}")
                } else {
                    format!("Impact: {impact}\nRecovery: {recovery}\nPrevention: {prevention}")
                },
                postmortem.links.first().cloned(),
                Some(postmortem.id.clone()),
            )
        }
    };
    Proposal {
        format: choice.format(),
        title,
        detail,
        link,
        postmortem_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_club_names_the_postmortem_and_when_it_happened() {
        let postmortem = Postmortem {
            id: "pm-1".into(),
            meeting: "weekly".into(),
            date: "2025-12-10".parse().unwrap(),
            title: "決済APIの全断".into(),
            impact: "決済が止まった".into(),
            actions_taken: "切り戻し".into(),
            root_cause: String::new(),
            prevention: "段階的リリース".into(),
            responders: vec![],
            links: vec!["https://wiki.example/pm/1".into()],
            responder_ids: Vec::new(),
        };
        let date = "2026-12-09".parse().unwrap();
        let ja = propose(
            date,
            &[],
            std::slice::from_ref(&postmortem),
            &[],
            Language::Ja,
        );
        assert_eq!(
            ja.title,
            "ポストモーテム読書会: 「決済APIの全断」（1年前の今月）"
        );
        assert_eq!(
            ja.detail,
            "影響: 決済が止まった\n復旧: 切り戻し\n再発防止: 段階的リリース"
        );
        assert_eq!(ja.link.as_deref(), Some("https://wiki.example/pm/1"));
        let en = propose(date, &[], &[postmortem], &[], Language::En);
        assert!(
            en.title.ends_with("(one year ago this month)"),
            "{}",
            en.title
        );
        let talk = propose(date, &[], &[], &[], Language::Ja);
        assert_eq!(talk.title, "雑談回: 最近の気づきを持ち寄る");
    }
}
