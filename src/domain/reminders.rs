//! Which reminders are due: each has a moment it becomes due and a moment it
//! stops being useful, so that after downtime we catch up only on what still
//! helps, and a key under which it is recorded as posted, so it is posted once.

use chrono::{DateTime, Days, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::schedule::{Occurrence, SkipReason, Status, local_datetime};

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

/// Every reminder of one occurrence. `agenda_is_empty` decides the call for topics.
pub fn reminders_for(
    occurrence: &Occurrence,
    times: &ReminderTimes,
    tz: Tz,
    agenda_is_empty: bool,
) -> Vec<Reminder> {
    let start = occurrence.start.with_timezone(&Utc);
    let end = occurrence.end.with_timezone(&Utc);
    let at = |days_before: u64, time: NaiveTime| {
        let day = occurrence
            .date
            .checked_sub_days(Days::new(days_before))
            .unwrap_or(occurrence.date);
        local_datetime(tz, day.and_time(time)).with_timezone(&Utc)
    };
    let call_time = at(times.call_for_topics_days_before, times.call_for_topics_at);
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
        Status::Skipped(SkipReason::Holiday(_) | SkipReason::SkipDate | SkipReason::Cancelled) => {
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

    fn occurrences(from: &str, until: &str) -> Vec<Occurrence> {
        let rule = WeeklyRule {
            timezone: chrono_tz::Asia::Tokyo,
            weekday: Weekday::Wed,
            start_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            duration: TimeDelta::minutes(60),
            first_session: "2019-02-06".parse().unwrap(),
            skip_japanese_holidays: true,
            skip_dates: BTreeSet::new(),
        };
        let holidays = JapaneseHolidays::embedded();
        let none = BTreeSet::new();
        crate::domain::schedule::Schedule::new(&rule, &holidays, &none)
            .between(from.parse().unwrap(), until.parse().unwrap())
            .collect()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_held_week_has_its_reminders_at_the_configured_local_times() {
        let week = &occurrences("2026-12-02", "2026-12-02")[0];
        let reminders = reminders_for(
            week,
            &ReminderTimes::default(),
            chrono_tz::Asia::Tokyo,
            true,
        );
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
        let with_agenda = reminders_for(
            week,
            &ReminderTimes::default(),
            chrono_tz::Asia::Tokyo,
            false,
        );
        assert!(
            with_agenda
                .iter()
                .all(|r| r.kind != ReminderKind::CallForTopics)
        );
    }

    #[test]
    fn after_downtime_only_still_useful_reminders_are_due_and_posted_ones_never_again() {
        let week = &occurrences("2026-12-02", "2026-12-02")[0];
        let reminders = reminders_for(
            week,
            &ReminderTimes::default(),
            chrono_tz::Asia::Tokyo,
            true,
        );
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
        let week = &occurrences("2027-05-05", "2027-05-05")[0];
        assert!(!week.is_held());
        let reminders = reminders_for(
            week,
            &ReminderTimes::default(),
            chrono_tz::Asia::Tokyo,
            true,
        );
        assert_eq!(reminders.len(), 1);
        assert_eq!(reminders[0].kind, ReminderKind::WeekOff);
        assert_eq!(
            reminders[0].key("weekly"),
            "reminder/weekly/2027-05-05/week_off"
        );
    }
}
