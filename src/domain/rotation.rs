//! Facilitator rotation: held sessions only (holidays and skips take no
//! turn), least recently facilitated goes next, and a session that already
//! has a facilitator keeps them, so restarts and roster changes never
//! reshuffle what was announced.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a facilitator-role holder did to the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterAction {
    Add,
    Remove,
    Move,
}

/// One change of a roster, kept in order for whoever asks who changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterChange {
    pub at: DateTime<Utc>,
    /// The Discord user id of who changed it.
    pub by: String,
    pub action: RosterAction,
    /// The roster entry's key.
    pub person: String,
    /// Where it went, for a move.
    pub position: Option<usize>,
}

/// Who facilitates each of `upcoming` (held dates in order) that has nobody yet.
///
/// `teams[i]` is the team of `roster[i]`, if known. `history` is every held
/// session so far, in date order, with its facilitator if any; upcoming dates
/// that already have one are in it too. People who left the roster keep their
/// past turns but get no new ones.
///
/// Teams: people who never facilitated start in an order that alternates
/// teams, so a fresh rotation never gives two consecutive sessions to one team
/// when the roster allows it. A rotation inherited in another order is
/// straightened one adjacent exchange at a time: when the next in line is of
/// the previous facilitator's team and the one after is not, those two trade
/// places, unless the next in line has already waited a full round.
pub fn assign(
    roster: &[String],
    teams: &[Option<String>],
    history: &[(NaiveDate, Option<String>)],
    upcoming: &[NaiveDate],
) -> Vec<(NaiveDate, String)> {
    if roster.is_empty() {
        return Vec::new();
    }
    let team_of = |name: &str| -> Option<&str> {
        roster
            .iter()
            .position(|r| r == name)
            .and_then(|i| teams.get(i))
            .and_then(|t| t.as_deref())
    };
    let order = interleaved(roster, teams);
    let size = roster.len() as i64;
    // Position of each person's latest turn; never = before everything, in that order.
    let mut last_turn: HashMap<&str, i64> = order
        .iter()
        .enumerate()
        .map(|(i, name)| (*name, i as i64 - size))
        .collect();
    let mut turn = 0i64;
    let mut previous: Option<&str> = None;
    let mut assigned = Vec::new();
    let existing: HashMap<NaiveDate, &str> = history
        .iter()
        .filter_map(|(d, f)| f.as_deref().map(|f| (*d, f)))
        .collect();
    let mut dates: Vec<NaiveDate> = history
        .iter()
        .map(|(d, _)| *d)
        .chain(upcoming.iter().copied())
        .collect();
    dates.sort();
    dates.dedup();
    for date in dates {
        turn += 1;
        let person = match existing.get(&date) {
            Some(person) => *person,
            None if upcoming.contains(&date) => {
                let mut line: Vec<&str> = order.clone();
                line.sort_by_key(|name| last_turn.get(name).copied().unwrap_or(i64::MIN));
                let same_team = |a: &str, b: Option<&str>| {
                    b.is_some_and(|b| team_of(a).is_some() && team_of(a) == team_of(b))
                };
                // An exchange only between two people exactly on their round's
                // schedule, and only when it leaves fewer neighbours of one team.
                let on_time = |name: &str, wait: i64| turn - last_turn[name] == wait;
                let next = match line.as_slice() {
                    [first, second, rest @ ..]
                        if same_team(first, previous)
                            && !same_team(second, previous)
                            && !rest
                                .first()
                                .is_some_and(|third| same_team(first, Some(third)))
                            && on_time(first, size)
                            && on_time(second, size - 1) =>
                    {
                        *second
                    }
                    [first, ..] => *first,
                    [] => unreachable!("the roster is not empty"),
                };
                assigned.push((date, next.to_string()));
                next
            }
            None => {
                previous = None;
                continue;
            }
        };
        if let Some(last) = last_turn.get_mut(person) {
            *last = turn;
        }
        previous = Some(person);
    }
    assigned
}

/// The roster in an order where neighbours (the last and the first too) are of
/// different teams whenever the team sizes allow it: the largest team takes
/// every other place. People without a team count as a team of their own.
/// Within a team, roster order is kept; without teams, this is the roster.
fn interleaved<'a>(roster: &'a [String], teams: &[Option<String>]) -> Vec<&'a str> {
    let mut groups: Vec<(Option<&str>, Vec<&'a str>)> = Vec::new();
    for (i, name) in roster.iter().enumerate() {
        let team = teams.get(i).and_then(|t| t.as_deref());
        match groups
            .iter_mut()
            .find(|(t, _)| team.is_some() && *t == team)
        {
            Some((_, members)) => members.push(name),
            None => groups.push((team, vec![name])),
        }
    }
    if groups.len() == roster.len() {
        return roster.iter().map(String::as_str).collect();
    }
    groups.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));
    let sorted: Vec<&str> = groups.into_iter().flat_map(|(_, m)| m).collect();
    let mut places: Vec<usize> = (0..roster.len()).step_by(2).collect();
    places.extend((1..roster.len()).step_by(2));
    let mut order = vec![""; roster.len()];
    for (name, place) in sorted.into_iter().zip(places) {
        order[place] = name;
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 7).unwrap() + chrono::TimeDelta::days(7 * n)
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn turns_go_round_in_roster_order_and_keep_what_was_announced() {
        let roster = names(&["sato", "tanaka", "suzuki"]);
        let upcoming: Vec<_> = (0..4).map(day).collect();
        let first = assign(&roster, &[], &[], &upcoming);
        let who: Vec<&str> = first.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(who, ["sato", "tanaka", "suzuki", "sato"]);

        // Announced: day 0 and 1. A newcomer joins in front; those two stay.
        let history = vec![
            (day(0), Some("sato".to_string())),
            (day(1), Some("tanaka".to_string())),
        ];
        let roster = names(&["yamada", "sato", "tanaka", "suzuki"]);
        let next = assign(&roster, &[], &history, &[day(2), day(3), day(4)]);
        let who: Vec<&str> = next.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(who, ["yamada", "suzuki", "sato"]);
    }

    fn teams(list: &[&str]) -> Vec<Option<String>> {
        list.iter().map(|t| Some(t.to_string())).collect()
    }

    #[test]
    fn a_fresh_rotation_alternates_teams() {
        let roster = names(&["sato", "suzuki", "kato", "tanaka", "ito", "yamada"]);
        let teams = teams(&["SRE", "SRE", "SRE", "CloudLog", "CloudLog", "DB"]);
        let upcoming: Vec<_> = (0..12).map(day).collect();
        let who: Vec<String> = assign(&roster, &teams, &[], &upcoming)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        assert_eq!(
            &who[..6],
            ["sato", "tanaka", "suzuki", "ito", "kato", "yamada"]
        );
        assert_eq!(who[..6], who[6..], "then the same round again");
    }

    #[test]
    fn an_inherited_order_is_straightened_without_anyone_waiting_longer_than_a_turn() {
        let roster = names(&["sato", "suzuki", "tanaka", "ito"]);
        let teams = teams(&["SRE", "SRE", "CloudLog", "CloudLog"]);
        // An older version went round in roster order: sato, suzuki, tanaka, ito.
        let history: Vec<_> = roster
            .iter()
            .enumerate()
            .map(|(i, p)| (day(i as i64), Some(p.clone())))
            .collect();
        let upcoming: Vec<_> = (4..16).map(day).collect();
        let who: Vec<String> = assign(&roster, &teams, &history, &upcoming)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        let team = |p: &str| &teams[roster.iter().position(|r| r == p).unwrap()];
        for pair in who[4..].windows(2) {
            assert_ne!(team(&pair[0]), team(&pair[1]), "{who:?}");
        }
        for window in who.windows(4) {
            let mut sorted = window.to_vec();
            sorted.sort();
            sorted.dedup();
            assert!(sorted.len() >= 3, "{who:?}");
        }
    }

    #[test]
    fn people_who_left_get_no_new_turns() {
        let history = vec![(day(0), Some("gone".to_string()))];
        let next = assign(&names(&["a", "b"]), &[], &history, &[day(1), day(2)]);
        assert_eq!(
            next,
            vec![(day(1), "a".to_string()), (day(2), "b".to_string())]
        );
    }

    proptest! {
        /// Over any 20 held sessions nobody facilitates more than once more than anybody else.
        #[test]
        fn rotation_is_fair_over_any_twenty_sessions_and_alternates_teams(
            size in 1usize..9,
            team_picks in proptest::collection::vec(proptest::option::weighted(0.8, 0u8..3), 9),
            announced in 0usize..30,
            total in 20usize..120,
            batch in 1usize..10,
            skipped in proptest::collection::btree_set(0i64..400, 0..120),
        ) {
            // A calendar: weeks in `skipped` (holidays, skip dates, cancellations) are never passed in.
            let held: Vec<NaiveDate> = (0..400).filter(|w| !skipped.contains(w)).map(day).collect();
            let day = |n: i64| held[n as usize];
            let roster: Vec<String> = (0..size).map(|i| format!("p{i}")).collect();
            let teams: Vec<Option<String>> = team_picks[..size].iter().map(|t| t.map(|t| format!("t{t}"))).collect();
            // Assign in batches, as the daemon does week by week, with some sessions announced first.
            let mut history: Vec<(NaiveDate, Option<String>)> = Vec::new();
            let mut next_day = 0i64;
            let announced = announced.min(total);
            let first: Vec<NaiveDate> = (0..announced as i64).map(day).collect();
            for (d, p) in assign(&roster, &teams, &history, &first) {
                history.push((d, Some(p)));
            }
            next_day += announced as i64;
            while history.len() < total {
                let upcoming: Vec<NaiveDate> = (next_day..next_day + batch as i64).map(day).collect();
                next_day += batch as i64;
                for (d, p) in assign(&roster, &teams, &history, &upcoming) {
                    history.push((d, Some(p)));
                }
            }
            let who: Vec<&str> = history.iter().map(|(_, p)| p.as_deref().unwrap()).collect();
            for window in who.windows(20.min(who.len())) {
                let counts: Vec<usize> = roster.iter().map(|r| window.iter().filter(|w| **w == r).count()).collect();
                let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
                prop_assert!(max - min <= 1, "window {window:?} counts {counts:?}");
            }
            // Consecutive held sessions go to different teams whenever the roster allows it:
            // no team holds more than every other place (people without a team are their own).
            let team_of = |name: &str| teams[roster.iter().position(|r| r == name).unwrap()].clone();
            let largest = teams.iter().flatten().map(|t| teams.iter().filter(|u| u.as_ref() == Some(t)).count()).max().unwrap_or(0);
            if largest <= size / 2 {
                for pair in who.windows(2) {
                    let (a, b) = (team_of(pair[0]), team_of(pair[1]));
                    prop_assert!(a.is_none() || a != b, "{pair:?} both of {a:?}: {who:?} teams {teams:?}");
                }
            }
        }
    }
}
