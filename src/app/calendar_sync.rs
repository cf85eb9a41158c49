//! One reconcile of Google Calendar: list what we manage (one call per
//! meeting), plan purely, then apply. The daemon runs it periodically and
//! after every change; `sync --once` runs it from the command line. The
//! adapter it runs against is built by [`crate::calendar::connect`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Days, Utc};

use super::directory::as_shown;
use crate::calendar::google::{CalendarApi, CalendarError, InsertOutcome};
use crate::calendar::reconcile::{Action, EventSettings, desired_events, plan};
use crate::config::{Config, GoogleConfig};
use crate::domain::holidays::HolidayCalendar;
use crate::domain::language::Language;
use crate::domain::log::{SessionStatus, SkipCode, cancelled_dates};
use crate::domain::schedule::Schedule;
use crate::messages::Message;
use crate::messages::calendar::SyncReport as SyncSay;
use crate::messages::invitation::Channel;
use crate::store::{SessionLog, StoreError};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncSummary {
    pub inserted: usize,
    pub updated: usize,
    pub cancelled: usize,
    pub unchanged: usize,
    /// Held weeks a person cancelled in Google Calendar, now stored as skipped.
    pub accepted_cancellations: usize,
}

impl SyncSummary {
    /// The counts the catalogue says.
    pub(crate) fn counts(&self) -> crate::messages::calendar::SyncCounts {
        crate::messages::calendar::SyncCounts {
            inserted: self.inserted,
            updated: self.updated,
            cancelled: self.cancelled,
            unchanged: self.unchanged,
            accepted_cancellations: self.accepted_cancellations,
        }
    }
}

/// In English, for the logs; people read it through the catalogue.
impl fmt::Display for SyncSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            &SyncSay::Summary {
                summary: self.counts(),
            }
            .en(),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Google Calendar: {0}")]
    Calendar(#[from] CalendarError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// When an event starts, as people read it: its day and time in its own zone.
fn starts(e: &crate::calendar::google::EventSpec, language: Language) -> String {
    let zone: chrono_tz::Tz = e.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let local = e.start.with_timezone(&zone);
    format!(
        "{} {}",
        crate::messages::dates::day_with_year(local.date_naive(), language),
        local.format("%H:%M")
    )
}

/// One line per action, for people and for `--dry-run`.
pub fn describe(meeting: &str, action: &Action, dry_run: bool, language: Language) -> String {
    match action {
        Action::Insert(e) => SyncSay::Insert {
            meeting,
            start: &starts(e, language),
            title: &e.summary,
            dry_run,
        }
        .say(language),
        Action::Update(e) => SyncSay::Update {
            meeting,
            start: &starts(e, language),
            title: &e.summary,
            dry_run,
        }
        .say(language),
        Action::Cancel { id } => SyncSay::Cancel {
            meeting,
            id,
            dry_run,
        }
        .say(language),
        Action::AcceptCancellation { date, .. } => SyncSay::AcceptCancellation {
            meeting,
            date: *date,
            dry_run,
        }
        .say(language),
    }
}

/// What one reconcile looks at, read once by the caller.
pub struct SyncInput<'a> {
    pub config: &'a Config,
    pub google: &'a GoogleConfig,
    pub holidays: &'a dyn HolidayCalendar,
    pub now: DateTime<Utc>,
    /// Plan and report, write nothing.
    pub dry_run: bool,
}

/// Reconciles every meeting; `report` hears one line per action.
pub async fn sync_once(
    api: &dyn CalendarApi,
    log: &dyn SessionLog,
    input: &SyncInput<'_>,
    report: &mut (dyn FnMut(String) + Send),
) -> Result<SyncSummary, SyncError> {
    let SyncInput {
        config,
        google,
        holidays,
        now,
        dry_run,
    } = *input;
    let mut summary = SyncSummary::default();
    let ours: BTreeSet<String> = log.events_cancelled_by_us()?.into_iter().collect();
    // One connection per calendar: meetings with their own `google_calendar_id`
    // get a view of the same connection on theirs.
    let mut others: BTreeMap<String, Box<dyn CalendarApi>> = BTreeMap::new();
    for meeting in &config.meetings {
        let calendar = meeting.calendar_id(config).unwrap_or(&google.calendar_id);
        if calendar != api.calendar_id() && !others.contains_key(calendar) {
            others.insert(calendar.to_string(), api.on_calendar(calendar)?);
        }
        let api: &dyn CalendarApi = others.get(calendar).map_or(api, |other| other.as_ref());
        let listed = api.list_managed(&meeting.id, now).await?;
        let sessions = log.sessions(Some(&meeting.id))?;
        let cancelled = cancelled_dates(&sessions, &meeting.id);
        let today = meeting.rule.day_of(now);
        let until = today
            .checked_add_days(Days::new(7 * u64::from(google.horizon_weeks.0)))
            .unwrap_or(today);
        let occurrences: Vec<_> = Schedule::new(&meeting.rule, holidays, &cancelled)
            .between(today, until)
            .collect();
        let by_date: BTreeMap<_, _> = sessions
            .into_iter()
            .map(|s| (s.date, as_shown(&config.people, log, s)))
            .collect();
        let time_zone = meeting.rule.timezone.name();
        // Google Calendar cannot render `<#id>`: the channel's name as the bot
        // last saw it, else a sentence that names no channel.
        let channel = meeting.channel(config).map(|c| c.0);
        let channel_name = match channel {
            Some(id) => log.channel_name(id)?,
            None => None,
        };
        let settings = EventSettings {
            meeting_id: &meeting.id,
            title: &meeting.title,
            time_zone,
            attendees: meeting.attendees(config),
            reminder_minutes: google.reminder_minutes,
            language: config.daemon.language,
            discord_channel: channel.map(|_| match &channel_name {
                Some(name) => Channel::Named(name),
                None => Channel::Unnamed,
            }),
        };
        let desired = desired_events(&settings, &occurrences, &by_date, now);
        let planned = plan(&desired, &listed, &ours, now);
        summary.unchanged += planned.unchanged;
        for action in &planned.actions {
            report(describe(
                &meeting.id,
                action,
                dry_run,
                config.daemon.language,
            ));
            let mut action = action.clone();
            if !dry_run {
                action = apply(api, log, &meeting.id, &action, &ours).await?;
            }
            match action {
                Action::Insert(_) => summary.inserted += 1,
                Action::Update(_) => summary.updated += 1,
                Action::Cancel { .. } => summary.cancelled += 1,
                Action::AcceptCancellation { .. } => summary.accepted_cancellations += 1,
            }
        }
    }
    Ok(summary)
}

/// Carries out one action; returns what was actually done (an insert can
/// turn out to be a person's cancellation that the listing did not show).
async fn apply(
    api: &dyn CalendarApi,
    log: &dyn SessionLog,
    meeting_id: &str,
    action: &Action,
    ours: &BTreeSet<String>,
) -> Result<Action, SyncError> {
    match action {
        Action::Insert(event) => {
            // A retried insert that Google had committed answers 409: the
            // deterministic id makes "update it" the right answer, never a second event.
            if api.insert(event).await? == InsertOutcome::AlreadyExists {
                // Unless the id is taken by an event a person cancelled and the
                // listing did not show: then their decision stands.
                let existing = api.get(&event.id).await?;
                if existing.is_some_and(|e| e.cancelled) && !ours.contains(&event.id) {
                    let date = event
                        .start
                        .with_timezone(
                            &event
                                .time_zone
                                .parse::<chrono_tz::Tz>()
                                .unwrap_or(chrono_tz::UTC),
                        )
                        .date_naive();
                    let accepted = Action::AcceptCancellation {
                        date,
                        id: event.id.clone(),
                    };
                    return Box::pin(apply(api, log, meeting_id, &accepted, ours)).await;
                }
                api.update(event).await?;
            }
        }
        Action::Update(event) => {
            api.update(event).await?;
            if ours.contains(&event.id) {
                log.set_event_cancelled_by_us(&event.id, None)?;
            }
        }
        Action::Cancel { id } => {
            // Remember first: if we crash after cancelling, the next sync must
            // not mistake our own cancellation for a person's decision.
            log.set_event_cancelled_by_us(id, Some(meeting_id))?;
            api.cancel(id).await?;
        }
        Action::AcceptCancellation { date, .. } => {
            log.update_session(meeting_id, *date, &mut |session| {
                session.status = SessionStatus::Skipped;
                session.reason = Some(SkipCode::Cancelled);
                if session.notes.is_none() {
                    session.notes = Some("cancelled in Google Calendar".into());
                }
                Ok(())
            })?;
        }
    }
    Ok(action.clone())
}
