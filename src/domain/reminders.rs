//! Which reminders are due: each has a moment it becomes due and a moment it
//! stops being useful, so that after downtime we catch up only on what still
//! helps, and a key under which it is recorded as posted, so it is posted once.

use chrono::{DateTime, Days, NaiveTime, TimeDelta, Utc};

use super::schedule::{Occurrence, Schedule, SkipReason, Status, local_datetime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReminderKind {
    /// Before the session, only when nobody offered a topic.
    CallForTopics,
    /// On the day: agenda, facilitator, RSVP buttons.
    Announcement,
    StartingNow,
    /// After the end: an invitation to record learnings.
    RecordLearnings,
    /// In a skipped week, one short note that the meeting is off and why.
    WeekOff,
}

impl ReminderKind {
    pub fn code(self) -> &'static str {
        match self {
            ReminderKind::CallForTopics => "call_for_topics",
            ReminderKind::Announcement => "announcement",
            ReminderKind::StartingNow => "starting_now",
            ReminderKind::RecordLearnings => "record_learnings",
            ReminderKind::WeekOff => "week_off",
        }
    }
}

/// When reminders go out, in the meeting's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderTimes {
    pub call_for_topics_days_before: u64,
    pub call_for_topics_at: NaiveTime,
    pub announcement_at: NaiveTime,
}

impl Default for ReminderTimes {
    fn default() -> Self {
        Self {
            call_for_topics_days_before: 2,
            call_for_topics_at: NaiveTime::from_hms_opt(12, 0, 0).expect("valid time"),
            announcement_at: NaiveTime::from_hms_opt(10, 0, 0).expect("valid time"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub kind: ReminderKind,
    pub occurrence: Occurrence,
    pub due_at: DateTime<Utc>,
    /// After this it would only be noise.
    pub expires_at: DateTime<Utc>,
}

impl Reminder {
    /// Where "posted" is recorded; stable across restarts.
    pub fn key(&self, meeting_id: &str) -> String {
        format!(
            "reminder/{meeting_id}/{}/{}",
            self.occurrence.date,
            self.kind.code()
        )
    }

    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.due_at <= now && now < self.expires_at
    }
}

/// When the call for topics of `occurrence` goes out (also the moment a
/// skipped week's note goes out). The configured day before, at the
/// configured time; a day that is not a business day (see
/// [`Schedule::is_business_day`]) moves it to the business day before, same
/// time. If that is before the previous held session has ended, it goes out
/// as that session ends: a call for next week's topics is never posted before
/// this week's meeting is over.
pub fn call_for_topics_at(
    schedule: &Schedule<'_>,
    occurrence: &Occurrence,
    times: &ReminderTimes,
) -> DateTime<Utc> {
    let nominal = occurrence
        .date
        .checked_sub_days(Days::new(times.call_for_topics_days_before))
        .unwrap_or(occurrence.date);
    // A year back at most: a meeting whose every day is a day off keeps the nominal day.
    let day = std::iter::successors(Some(nominal), |d| d.pred_opt())
        .take(366)
        .find(|d| schedule.is_business_day(*d))
        .unwrap_or(nominal);
    let tz = schedule.rule().timezone;
    let due = local_datetime(tz, day.and_time(times.call_for_topics_at)).with_timezone(&Utc);
    // A session lasts at most a day, so only one dated from the day before
    // `day` on can still be running at `due`.
    let previous_end = match (day.pred_opt(), occurrence.date.pred_opt()) {
        (Some(from), Some(until)) if from <= until => schedule
            .between(from, until)
            .filter(Occurrence::is_held)
            .last()
            .map(|o| o.end.with_timezone(&Utc)),
        _ => None,
    };
    match previous_end {
        Some(end) if end > due => end,
        _ => due,
    }
}

/// Every reminder of one occurrence of `schedule`. `agenda_is_empty` decides the call for topics.
pub fn reminders_for(
    schedule: &Schedule<'_>,
    occurrence: &Occurrence,
    times: &ReminderTimes,
    agenda_is_empty: bool,
) -> Vec<Reminder> {
    let tz = schedule.rule().timezone;
    let start = occurrence.start.with_timezone(&Utc);
    let end = occurrence.end.with_timezone(&Utc);
    let at = |days_before: u64, time: NaiveTime| {
        let day = occurrence
            .date
            .checked_sub_days(Days::new(days_before))
            .unwrap_or(occurrence.date);
        local_datetime(tz, day.and_time(time)).with_timezone(&Utc)
    };
    let call_time = call_for_topics_at(schedule, occurrence, times);
    let mut reminders = Vec::new();
    let mut push = |kind, due_at: DateTime<Utc>, expires_at: DateTime<Utc>| {
        if due_at < expires_at {
            reminders.push(Reminder {
                kind,
                occurrence: occurrence.clone(),
                due_at,
                expires_at,
            });
        }
    };
    match &occurrence.status {
        Status::Held { .. } => {
            let announcement = at(0, times.announcement_at).min(start);
            if agenda_is_empty {
                // Once the day's announcement is out, a call for topics is noise.
                push(ReminderKind::CallForTopics, call_time, announcement);
            }
            push(ReminderKind::Announcement, announcement, end);
            push(
                ReminderKind::StartingNow,
                start,
                start + TimeDelta::minutes(15).min(end - start),
            );
            push(
                ReminderKind::RecordLearnings,
                end,
                end + TimeDelta::hours(12),
            );
        }
        Status::Skipped(
            SkipReason::Holiday(_)
            | SkipReason::SkipDate
            | SkipReason::Closure(_)
            | SkipReason::Cancelled,
        ) => {
            push(ReminderKind::WeekOff, call_time, end);
        }
    }
    reminders
}

/// Of `reminders`, those due now and not yet posted.
pub fn due(
    reminders: &[Reminder],
    now: DateTime<Utc>,
    posted: impl Fn(&Reminder) -> bool,
) -> Vec<&Reminder> {
    reminders
        .iter()
        .filter(|r| r.is_due(now) && !posted(r))
        .collect()
}

/// When to look again: the next moment a reminder becomes due.
pub fn next_wake(reminders: &[Reminder], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    reminders
        .iter()
        .map(|r| r.due_at)
        .filter(|t| *t > now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::holidays::JapaneseHolidays;
    use crate::domain::schedule::WeeklyRule;
    use chrono::Weekday;
    use std::collections::BTreeSet;

    /// A meeting's rule, the real holidays and no cancellations.
    struct Fixture {
        rule: WeeklyRule,
        holidays: JapaneseHolidays,
        none: BTreeSet<chrono::NaiveDate>,
    }

    impl Fixture {
        fn new(weekday: Weekday) -> Self {
            Self {
                rule: WeeklyRule {
                    timezone: chrono_tz::Asia::Tokyo,
                    weekday,
                    start_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                    duration: TimeDelta::minutes(60),
                    first_session: "2019-02-04".parse().unwrap(),
                    skip_japanese_holidays: true,
                    skip_dates: BTreeSet::new(),
                    closures: Vec::new(),
                },
                holidays: JapaneseHolidays::embedded(),
                none: BTreeSet::new(),
            }
        }

        fn schedule(&self) -> Schedule<'_> {
            Schedule::new(&self.rule, &self.holidays, &self.none)
        }

        fn occurrence(&self, date: &str) -> Occurrence {
            let date = date.parse().unwrap();
            self.schedule().between(date, date).next().unwrap()
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_held_week_has_its_reminders_at_the_configured_local_times() {
        let fixture = Fixture::new(Weekday::Wed);
        let week = &fixture.occurrence("2026-12-02");
        let reminders = reminders_for(&fixture.schedule(), week, &ReminderTimes::default(), true);
        let due: Vec<_> = reminders.iter().map(|r| (r.kind, r.due_at)).collect();
        assert_eq!(
            due,
            vec![
                (
                    ReminderKind::CallForTopics,
                    utc("2026-11-30T12:00:00+09:00")
                ),
                (ReminderKind::Announcement, utc("2026-12-02T10:00:00+09:00")),
                (ReminderKind::StartingNow, utc("2026-12-02T17:00:00+09:00")),
                (
                    ReminderKind::RecordLearnings,
                    utc("2026-12-02T18:00:00+09:00")
                ),
            ]
        );
        let with_agenda =
            reminders_for(&fixture.schedule(), week, &ReminderTimes::default(), false);
        assert!(
            with_agenda
                .iter()
                .all(|r| r.kind != ReminderKind::CallForTopics)
        );
    }

    #[test]
    fn after_downtime_only_still_useful_reminders_are_due_and_posted_ones_never_again() {
        let fixture = Fixture::new(Weekday::Wed);
        let week = &fixture.occurrence("2026-12-02");
        let reminders = reminders_for(&fixture.schedule(), week, &ReminderTimes::default(), true);
        // Back up at 17:05: the call for topics is stale, the announcement and "starting now" still help.
        let now = utc("2026-12-02T17:05:00+09:00");
        let kinds: Vec<_> = due(&reminders, now, |_| false)
            .iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![ReminderKind::Announcement, ReminderKind::StartingNow]
        );
        let kinds: Vec<_> = due(&reminders, now, |r| r.kind == ReminderKind::Announcement)
            .iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, vec![ReminderKind::StartingNow]);
        assert_eq!(
            next_wake(&reminders, now),
            Some(utc("2026-12-02T18:00:00+09:00"))
        );
    }

    #[test]
    fn a_holiday_week_gets_one_note_and_nothing_else() {
        let fixture = Fixture::new(Weekday::Wed);
        let week = &fixture.occurrence("2027-05-05");
        assert!(!week.is_held());
        let reminders = reminders_for(&fixture.schedule(), week, &ReminderTimes::default(), true);
        assert_eq!(reminders.len(), 1);
        assert_eq!(reminders[0].kind, ReminderKind::WeekOff);
        assert_eq!(
            reminders[0].key("weekly"),
            "reminder/weekly/2027-05-05/week_off"
        );
    }

    fn call_time(fixture: &Fixture, date: &str, times: &ReminderTimes) -> DateTime<Utc> {
        call_for_topics_at(&fixture.schedule(), &fixture.occurrence(date), times)
    }

    #[test]
    fn a_call_for_topics_on_a_weekend_moves_to_the_friday_before_at_the_same_time() {
        let monday = Fixture::new(Weekday::Mon);
        let times = ReminderTimes::default();
        // Two days before Monday 2026-12-07 is Saturday 12-05.
        assert_eq!(
            call_time(&monday, "2026-12-07", &times),
            utc("2026-12-04T12:00:00+09:00")
        );
        // A Wednesday meeting's Monday stays where it was.
        let wednesday = Fixture::new(Weekday::Wed);
        assert_eq!(
            call_time(&wednesday, "2026-12-09", &times),
            utc("2026-12-07T12:00:00+09:00")
        );
    }

    #[test]
    fn holidays_and_closure_days_are_not_business_days_either() {
        let mut fixture = Fixture::new(Weekday::Wed);
        fixture.rule.closures = vec![crate::domain::schedule::Closure {
            name: "年末年始".into(),
            from: crate::domain::schedule::MonthDay::parse("12-29").unwrap(),
            until: crate::domain::schedule::MonthDay::parse("01-03").unwrap(),
        }];
        let times = ReminderTimes::default();
        // 2027-01-06: two days before is Monday 01-04, a business day.
        assert_eq!(
            call_time(&fixture, "2027-01-06", &times),
            utc("2027-01-04T12:00:00+09:00")
        );
        // 2027-01-13: Monday 01-11 is 成人の日, so Friday 01-08.
        assert_eq!(
            call_time(&fixture, "2027-01-13", &times),
            utc("2027-01-08T12:00:00+09:00")
        );
        // Four days before 2027-01-06 is 01-02 (closure, Saturday): back over
        // the closure to Monday 12-28.
        let early = ReminderTimes {
            call_for_topics_days_before: 4,
            ..times
        };
        // The held session before 2027-01-06 is 2026-12-23 (12-30 is closed),
        // which ended long before.
        assert_eq!(
            call_time(&fixture, "2027-01-06", &early),
            utc("2026-12-28T12:00:00+09:00")
        );
        // The skipped week's note goes out at the same moment.
        let skipped = fixture.occurrence("2026-12-30");
        let note = reminders_for(&fixture.schedule(), &skipped, &times, true);
        assert_eq!(note.len(), 1);
        assert_eq!(note[0].kind, ReminderKind::WeekOff);
        assert_eq!(note[0].due_at, utc("2026-12-28T12:00:00+09:00"));
    }

    #[test]
    fn a_call_that_would_come_before_the_previous_session_ends_goes_out_as_it_ends() {
        let monday = Fixture::new(Weekday::Mon);
        // Seven days before Monday 2026-12-14 is Monday 12-07 at noon, before
        // that day's session (17:00-18:00) has ended.
        let week_before = ReminderTimes {
            call_for_topics_days_before: 7,
            ..ReminderTimes::default()
        };
        assert_eq!(
            call_time(&monday, "2026-12-14", &week_before),
            utc("2026-12-07T18:00:00+09:00")
        );
        // Eight days before is Sunday 12-06, so Friday 12-04: before the
        // Monday 12-07 session, so again right after it ends.
        let eight = ReminderTimes {
            call_for_topics_days_before: 8,
            ..week_before
        };
        assert_eq!(
            call_time(&monday, "2026-12-14", &eight),
            utc("2026-12-07T18:00:00+09:00")
        );
    }
}
