//! Facilitator rotation: held sessions only (holidays and skips take no
//! turn), least recently facilitated goes next, and a session that already
//! has a facilitator keeps them, so restarts and roster changes never
//! reshuffle what was announced.

use std::collections::HashMap;

use chrono::NaiveDate;

/// Who facilitates each of `upcoming` (held dates in order) that has nobody yet.
///
/// `history` is every held session so far, in date order, with its facilitator
/// if any; upcoming dates that already have one are in it too. People who left
/// the roster keep their past turns but get no new ones.
pub fn assign(
    roster: &[String],
    history: &[(NaiveDate, Option<String>)],
    upcoming: &[NaiveDate],
) -> Vec<(NaiveDate, String)> {
    if roster.is_empty() {
        return Vec::new();
    }
    // Position of each person's latest turn; never = before everything, in roster order.
    let mut last_turn: HashMap<&str, i64> = roster
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i as i64 - roster.len() as i64))
        .collect();
    let mut turn = 0i64;
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
                let next = roster
                    .iter()
                    .min_by_key(|name| last_turn.get(name.as_str()).copied().unwrap_or(i64::MIN))
                    .expect("the roster is not empty");
                assigned.push((date, next.clone()));
                next.as_str()
            }
            None => continue,
        };
        if let Some(last) = last_turn.get_mut(person) {
            *last = turn;
        }
    }
    assigned
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
        let first = assign(&roster, &[], &upcoming);
        let who: Vec<&str> = first.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(who, ["sato", "tanaka", "suzuki", "sato"]);

        // Announced: day 0 and 1. A newcomer joins in front; those two stay.
        let history = vec![
            (day(0), Some("sato".to_string())),
            (day(1), Some("tanaka".to_string())),
        ];
        let roster = names(&["yamada", "sato", "tanaka", "suzuki"]);
        let next = assign(&roster, &history, &[day(2), day(3), day(4)]);
        let who: Vec<&str> = next.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(who, ["yamada", "suzuki", "sato"]);
    }

    #[test]
    fn people_who_left_get_no_new_turns() {
        let history = vec![(day(0), Some("gone".to_string()))];
        let next = assign(&names(&["a", "b"]), &history, &[day(1), day(2)]);
        assert_eq!(
            next,
            vec![(day(1), "a".to_string()), (day(2), "b".to_string())]
        );
    }

    proptest! {
        /// Over any 20 held sessions nobody facilitates more than once more than anybody else.
        #[test]
        fn rotation_is_fair_over_any_twenty_sessions(
            size in 1usize..9,
            announced in 0usize..30,
            total in 20usize..120,
            batch in 1usize..10,
            skipped in proptest::collection::btree_set(0i64..400, 0..120),
        ) {
            // A calendar: weeks in `skipped` (holidays, skip dates, cancellations) are never passed in.
            let held: Vec<NaiveDate> = (0..400).filter(|w| !skipped.contains(w)).map(day).collect();
            let day = |n: i64| held[n as usize];
            let roster: Vec<String> = (0..size).map(|i| format!("p{i}")).collect();
            // Assign in batches, as the daemon does week by week, with some sessions announced first.
            let mut history: Vec<(NaiveDate, Option<String>)> = Vec::new();
            let mut next_day = 0i64;
            let announced = announced.min(total);
            let first: Vec<NaiveDate> = (0..announced as i64).map(day).collect();
            for (d, p) in assign(&roster, &history, &first) {
                history.push((d, Some(p)));
            }
            next_day += announced as i64;
            while history.len() < total {
                let upcoming: Vec<NaiveDate> = (next_day..next_day + batch as i64).map(day).collect();
                next_day += batch as i64;
                for (d, p) in assign(&roster, &history, &upcoming) {
                    history.push((d, Some(p)));
                }
            }
            let who: Vec<&str> = history.iter().map(|(_, p)| p.as_deref().unwrap()).collect();
            for window in who.windows(20.min(who.len())) {
                let counts: Vec<usize> = roster.iter().map(|r| window.iter().filter(|w| **w == r).count()).collect();
                let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
                prop_assert!(max - min <= 1, "window {window:?} counts {counts:?}");
            }
        }
    }
}
