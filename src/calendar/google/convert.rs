//! Conversions between our types and the Calendar crate's: an [`EventSpec`] to the `Event`
//! Google should store and back, and a freeBusy answer to a [`BusyMap`].

use chrono::{DateTime, Utc};
use google_calendar3::api::{
    Event, EventAttendee, EventDateTime, EventExtendedProperties, EventReminder, EventReminders,
    FreeBusyResponse, TimePeriod,
};

use super::{BusyMap, EventSpec, MEETING_PROPERTY};

/// The managed event as Google should store it.
pub fn to_google_event(spec: &EventSpec) -> Event {
    let when = |at: DateTime<Utc>| EventDateTime {
        date_time: Some(at),
        time_zone: Some(spec.time_zone.clone()),
        date: None,
    };
    let reminders = match spec.reminder_minutes {
        Some(minutes) => EventReminders {
            use_default: Some(false),
            overrides: Some(vec![EventReminder {
                method: Some("popup".to_string()),
                minutes: Some(i32::try_from(minutes).unwrap_or(i32::MAX)),
            }]),
        },
        // Google rejects overrides next to useDefault=true.
        None => EventReminders {
            use_default: Some(true),
            overrides: None,
        },
    };
    Event {
        id: Some(spec.id.clone()),
        status: Some("confirmed".to_string()),
        summary: Some(spec.summary.clone()),
        description: Some(spec.description.clone()),
        start: Some(when(spec.start)),
        end: Some(when(spec.end)),
        // Always a list, even empty: events.update replaces the whole event, and an empty
        // list is how attendees someone added by hand get removed again.
        attendees: Some(
            spec.attendees
                .iter()
                .map(|email| EventAttendee {
                    email: Some(email.clone()),
                    optional: Some(true),
                    ..Default::default()
                })
                .collect(),
        ),
        reminders: Some(reminders),
        extended_properties: Some(EventExtendedProperties {
            private: Some([(MEETING_PROPERTY.to_string(), spec.meeting_id.clone())].into()),
            shared: None,
        }),
        ..Default::default()
    }
}

/// What Google holds, read back as a spec so the caller can diff it against the wish.
/// `None` when a timed start/end or our property is missing.
pub fn from_google_event(event: &Event) -> Option<EventSpec> {
    let id = event.id.clone()?;
    let meeting_id = event
        .extended_properties
        .as_ref()?
        .private
        .as_ref()?
        .get(MEETING_PROPERTY)?
        .clone();
    let start = event.start.as_ref()?;
    let end = event.end.as_ref()?;
    let reminder_minutes = match &event.reminders {
        Some(reminders) if reminders.use_default == Some(false) => reminders
            .overrides
            .iter()
            .flatten()
            .find(|r| r.method.as_deref() == Some("popup"))
            .and_then(|r| r.minutes)
            .and_then(|m| u32::try_from(m).ok()),
        _ => None,
    };
    Some(EventSpec {
        id,
        meeting_id,
        summary: event.summary.clone().unwrap_or_default(),
        // Google drops an empty description, so absent reads back as the "" we sent.
        description: event.description.clone().unwrap_or_default(),
        start: start.date_time?,
        end: end.date_time?,
        time_zone: start
            .time_zone
            .clone()
            .or_else(|| end.time_zone.clone())
            .unwrap_or_default(),
        attendees: event
            .attendees
            .iter()
            .flatten()
            .filter_map(|a| a.email.clone())
            .collect(),
        reminder_minutes,
    })
}

pub(super) fn collect_busy(requested: &[String], answer: &FreeBusyResponse, busy: &mut BusyMap) {
    let calendars = answer.calendars.clone().unwrap_or_default();
    let groups = answer.groups.clone().unwrap_or_default();
    let calendar_busy = |id: &str| -> Option<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
        let key = find_key(calendars.keys(), id)?;
        let calendar = &calendars[&key];
        if let Some(errors) = calendar.errors.as_ref().filter(|e| !e.is_empty()) {
            let reasons: Vec<&str> = errors.iter().filter_map(|e| e.reason.as_deref()).collect();
            tracing::warn!(calendar = %id, ?reasons, "Google could not tell free/busy");
            return None;
        }
        Some(periods(calendar.busy.as_deref().unwrap_or_default()))
    };
    for id in requested {
        let intervals = match find_key(groups.keys(), id) {
            Some(key) => {
                let group = &groups[&key];
                if let Some(errors) = group.errors.as_ref().filter(|e| !e.is_empty()) {
                    let reasons: Vec<&str> =
                        errors.iter().filter_map(|e| e.reason.as_deref()).collect();
                    tracing::warn!(group = %id, ?reasons, "Google could not expand the group");
                    continue;
                }
                let members = group.calendars.as_deref().unwrap_or_default();
                let all: Vec<_> = members
                    .iter()
                    .filter_map(|m| calendar_busy(m))
                    .flatten()
                    .collect();
                merge(all)
            }
            None => match calendar_busy(id) {
                Some(intervals) => merge(intervals),
                None => continue,
            },
        };
        busy.insert(id.clone(), intervals);
    }
}

/// Google may echo an id in another case than we asked with.
fn find_key<'k>(mut keys: impl Iterator<Item = &'k String>, id: &str) -> Option<String> {
    keys.find(|k| k.eq_ignore_ascii_case(id)).cloned()
}

fn periods(busy: &[TimePeriod]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    busy.iter()
        .filter_map(|p| Some((p.start?, p.end?)))
        .filter(|(start, end)| start < end)
        .collect()
}

fn merge(
    mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    intervals.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(intervals.len());
    for (start, end) in intervals {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::google::tests::{at, spec};

    #[test]
    fn a_spec_survives_the_round_trip_through_a_google_event() {
        for reminder in [Some(10), None] {
            let wanted = EventSpec {
                reminder_minutes: reminder,
                ..spec()
            };
            let event = to_google_event(&wanted);
            // Through JSON, as the wire would carry it.
            let json = serde_json::to_value(&event).unwrap();
            let back: Event = serde_json::from_value(json).unwrap();
            assert_eq!(from_google_event(&back), Some(wanted));
        }
    }

    #[test]
    fn the_google_event_carries_optional_attendees_reminder_and_property() {
        let json = serde_json::to_value(to_google_event(&spec())).unwrap();
        assert_eq!(json["attendees"][0]["optional"], true);
        assert_eq!(json["reminders"]["useDefault"], false);
        assert_eq!(json["reminders"]["overrides"][0]["method"], "popup");
        assert_eq!(json["reminders"]["overrides"][0]["minutes"], 10);
        assert_eq!(
            json["extendedProperties"]["private"][MEETING_PROPERTY],
            "weekly"
        );
        assert_eq!(json["start"]["timeZone"], "Asia/Tokyo");
        assert_eq!(json["status"], "confirmed");
    }

    #[test]
    fn an_all_day_or_foreign_event_is_unparsable() {
        let mut event = to_google_event(&spec());
        event.start = Some(EventDateTime {
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 2),
            ..Default::default()
        });
        assert_eq!(from_google_event(&event), None);
        let mut event = to_google_event(&spec());
        event.extended_properties = None;
        assert_eq!(from_google_event(&event), None);
    }

    #[test]
    fn busy_intervals_merge() {
        let merged = merge(vec![
            (at(9, 0), at(10, 0)),
            (at(8, 0), at(9, 0)),
            (at(11, 0), at(12, 0)),
        ]);
        assert_eq!(merged, vec![(at(8, 0), at(10, 0)), (at(11, 0), at(12, 0))]);
    }
}
