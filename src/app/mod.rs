//! Use cases: what a person can ask of the bot (or the CLI), as functions
//! that take parsed input and return a reply. No Discord types here, so the
//! rules are tested directly; the Discord layer only translates.

pub mod actions;
pub mod agenda;
pub mod announcements;
pub mod calendar_feed;
pub mod calendar_sync;
pub mod calendar_url;
pub mod directory;
pub mod incident_topics;
pub mod incidents;
pub mod keep_alive;
pub mod knowledge;
pub mod metrics;
pub mod rotation;
pub mod session;
pub mod session_clock;
pub mod session_end;
pub mod sessions;
pub mod state;
pub mod stats;

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::config::Meeting;
use crate::domain::date_input::{DateInput, Toward, parse_date_input};
use crate::domain::holidays::HolidayCalendar;
use crate::domain::language::Language;
use crate::domain::schedule::{Occurrence, Schedule, SkipReason, Status};
use crate::messages::Message as _;
use crate::messages::sessions::Sessions;
use crate::store::{SessionLog, StoreError};

/// Everything a use case may look at, with "now" read once by the caller.
pub struct Context<'a> {
    pub meeting: &'a Meeting,
    /// The config's `[[person]]` directory (see [`directory`] for the whole one).
    pub people: &'a crate::domain::people::People,
    pub log: &'a dyn SessionLog,
    pub holidays: &'a dyn HolidayCalendar,
    pub language: Language,
    pub now: DateTime<Utc>,
}

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Stable id (a Discord user id); answers and ownership hang off it.
    pub id: String,
    /// How the person is shown.
    pub name: String,
    pub is_facilitator: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    /// Only the asker sees it: errors and personal confirmations.
    pub ephemeral: bool,
}

impl Reply {
    pub fn public(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ephemeral: false,
        }
    }

    pub fn private(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ephemeral: true,
        }
    }
}

/// A problem the person can fix, said briefly; nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

pub type Answer = Result<Reply, UserError>;

/// A store result as the person who asked reads it: what the log refused, or
/// that it could not be written, in their language. (No `From<StoreError>`:
/// a conversion without a language would answer in English.)
pub(crate) trait Said<T> {
    fn said(self, language: Language) -> Result<T, UserError>;
}

impl<T> Said<T> for Result<T, StoreError> {
    fn said(self, language: Language) -> Result<T, UserError> {
        self.map_err(|err| match err {
            StoreError::Invalid(invalid) => UserError(invalid.say(language)),
            other => {
                tracing::error!("store error while answering a command: {other}");
                UserError(Sessions::LogNotWritten.say(language))
            }
        })
    }
}

impl Context<'_> {
    pub fn today(&self) -> NaiveDate {
        self.meeting.rule.day_of(self.now)
    }

    /// Occurrences from `from` for `weeks` weeks, as the one schedule numbers
    /// them (every cancellation of the meeting applied, not just the window's).
    pub fn occurrences(&self, from: NaiveDate, weeks: u64) -> Result<Vec<Occurrence>, UserError> {
        let until = from
            .checked_add_days(Days::new(weeks.saturating_mul(7)))
            .unwrap_or(from);
        let cancelled = self
            .log
            .cancelled_dates(&self.meeting.id)
            .said(self.language)?;
        Ok(Schedule::new(&self.meeting.rule, self.holidays, &cancelled)
            .between(from, until)
            .collect())
    }

    /// The next held session that has not ended.
    pub fn next_held(&self) -> Result<Occurrence, UserError> {
        self.occurrences(self.today(), 60)?
            .into_iter()
            .find(|o| o.is_held() && o.end > self.now)
            .ok_or_else(|| UserError(Sessions::NoHeldInAYear.say(self.language)))
    }

    /// A date a person named for something that already happened (a
    /// learning, a postmortem): a held session that has started. Otherwise
    /// the refusal names the held sessions around it.
    pub fn past_session(&self, date: NaiveDate) -> Result<NaiveDate, UserError> {
        let from = date.checked_sub_days(Days::new(7 * 60)).unwrap_or(date);
        let around = self.occurrences(from, 120)?;
        let held = |o: &&Occurrence| o.is_held();
        if around
            .iter()
            .filter(held)
            .any(|o| o.date == date && o.start <= self.now)
        {
            return Ok(date);
        }
        let seen = |d: NaiveDate| crate::messages::dates::day_seen(d, self.today(), self.language);
        let before = around
            .iter()
            .filter(held)
            .rev()
            .find(|o| o.date < date && o.start <= self.now);
        let after = around
            .iter()
            .filter(held)
            .find(|o| o.date > date && o.start <= self.now);
        let nearest: Vec<String> = before
            .into_iter()
            .chain(after)
            .map(|o| seen(o.date))
            .collect();
        let is_future_session = around.iter().filter(held).any(|o| o.date == date);
        let nearest = nearest.join(&Sessions::ListSeparator.say(self.language));
        let date = seen(date);
        Err(UserError(
            if is_future_session {
                Sessions::NotHeldYet {
                    date: &date,
                    nearest: &nearest,
                }
            } else {
                Sessions::NoSessionOn {
                    date: &date,
                    nearest: &nearest,
                }
            }
            .say(self.language),
        ))
    }

    /// A date option for something that already happened, as typed (see
    /// [`Context::date_option`]), checked by [`Context::past_session`].
    pub fn past_session_option(&self, text: Option<&str>) -> Result<Option<NaiveDate>, UserError> {
        self.date_option(text, Toward::Past)?
            .map(|date| self.past_session(date))
            .transpose()
    }

    /// The first held session after `date`.
    pub fn next_held_after(&self, date: NaiveDate) -> Result<Occurrence, UserError> {
        let from = date.succ_opt().unwrap_or(date);
        self.occurrences(from, 60)?
            .into_iter()
            .find(Occurrence::is_held)
            .ok_or_else(|| UserError(Sessions::NoHeldInAYear.say(self.language)))
    }

    /// A date a person named: must be a meeting day that is held and not over.
    pub fn held_on(&self, date: NaiveDate) -> Result<Occurrence, UserError> {
        let found = self
            .occurrences(date, 1)?
            .into_iter()
            .find(|o| o.date == date);
        let Some(occurrence) = found else {
            let weekday = self.language.weekday_short(self.meeting.rule.weekday);
            return Err(UserError(
                Sessions::NotAMeetingDay { date, weekday }.say(self.language),
            ));
        };
        if occurrence.end <= self.now {
            return Err(UserError(Sessions::SessionOver { date }.say(self.language)));
        }
        match &occurrence.status {
            Status::Held { .. } => Ok(occurrence),
            Status::Skipped(reason) => Err(UserError(format!(
                "{}: {}",
                crate::messages::dates::day(date, self.language),
                self.skip_text(date, reason)
            ))),
        }
    }

    /// A date option as typed (`2026-12-09`, `12/9`, `12月9日`, `来週`,
    /// `次回`, `next week`, `next`), resolved against the schedule.
    pub fn date_option(
        &self,
        text: Option<&str>,
        toward: Toward,
    ) -> Result<Option<NaiveDate>, UserError> {
        let Some(text) = text else {
            return Ok(None);
        };
        let input = parse_date_input(text, self.today(), toward)
            .map_err(|refused| UserError(refused.message(self.language)))?;
        match input {
            DateInput::On(date) => Ok(Some(date)),
            DateInput::NextSession => self.next_held().map(|o| Some(o.date)),
            DateInput::NextWeek { monday } => self.held_in_week_of(monday).map(Some),
        }
    }

    /// The held session in the week starting on `monday`, or why there is none.
    fn held_in_week_of(&self, monday: NaiveDate) -> Result<NaiveDate, UserError> {
        let sunday = monday.checked_add_days(Days::new(6)).unwrap_or(monday);
        let week: Vec<Occurrence> = self
            .occurrences(monday, 1)?
            .into_iter()
            .filter(|o| o.date <= sunday)
            .collect();
        if let Some(held) = week.iter().find(|o| o.is_held()) {
            return Ok(held.date);
        }
        let why = week
            .iter()
            .find_map(|o| match &o.status {
                Status::Skipped(reason) => Some(self.skip_text(o.date, reason)),
                Status::Held { .. } => None,
            })
            .unwrap_or_default();
        Err(UserError(
            Sessions::NoSessionNextWeek {
                monday,
                sunday,
                why: &why,
            }
            .say(self.language),
        ))
    }

    /// Why a week is off, as people read it: a facilitator's skip says the reason they gave.
    pub fn skip_text(&self, date: NaiveDate, reason: &SkipReason) -> String {
        if *reason == SkipReason::Cancelled {
            let session = self.log.session(&self.meeting.id, date).ok().flatten();
            if let Some(reason) = session
                .as_ref()
                .and_then(crate::domain::log::Session::skip_reason)
            {
                return Sessions::OffCancelledBecause { reason }.say(self.language);
            }
        }
        match reason {
            SkipReason::Holiday(h) => Sessions::OffForHoliday {
                name_ja: &h.name_ja,
                name_en: h.name_en,
            },
            SkipReason::Closure(name) => Sessions::OffForClosure { name },
            SkipReason::SkipDate => Sessions::OffForCompanyDayOff,
            SkipReason::Cancelled => Sessions::OffCancelled,
        }
        .say(self.language)
    }
}

/// `<t:…:F>` renders in each reader's own time zone and language.
pub fn discord_timestamp(t: DateTime<impl chrono::TimeZone>) -> String {
    let unix = t.timestamp();
    format!("<t:{unix}:F> (<t:{unix}:R>)")
}

/// Session label such as `第393回（12月2日(水)）` or `#393 (Dec 2 (Wed))`.
pub fn session_label(occurrence: &Occurrence, language: Language) -> String {
    use crate::messages::Message as _;
    crate::messages::labels::Label::Session {
        number: occurrence.number(),
        date: occurrence.date,
    }
    .say(language)
}

#[cfg(test)]
pub mod fixture {
    //! A meeting on Wednesdays 17:00 Tokyo, the in-memory store, and a fixed "now".

    use super::*;
    use crate::config::Config;
    use crate::domain::holidays::JapaneseHolidays;
    use crate::store::InMemoryLog;

    pub struct Fixture {
        /// Where the config file would be (paths in it are relative to it).
        pub _dir: tempfile::TempDir,
        pub config: Config,
        pub log: InMemoryLog,
        pub holidays: JapaneseHolidays,
        pub now: DateTime<Utc>,
    }

    /// The fixture's config: one meeting, no integrations.
    pub const CONFIG: &str = r#"
[daemon]
language = "en"
[[meeting]]
id = "weekly"
title = "Weekly postmortem"
weekday = "wednesday"
start_time = "17:00"
first_session = "2019-02-06"
skip_dates = ["2026-12-30"]
"#;

    pub fn fixture(now: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse(&dir.path().join("config.toml"), CONFIG).unwrap();
        let log = InMemoryLog::new();
        Fixture {
            _dir: dir,
            config,
            log,
            holidays: JapaneseHolidays::embedded(),
            now: now.parse().unwrap(),
        }
    }

    impl Fixture {
        /// The same fixture with more config (`[[person]]` entries) after [`CONFIG`].
        pub fn with_config(mut self, more: &str) -> Self {
            let text = format!("{CONFIG}\n{more}");
            self.config = Config::parse(&self._dir.path().join("config.toml"), &text).unwrap();
            self
        }

        pub fn ctx(&self) -> Context<'_> {
            Context {
                meeting: &self.config.meetings[0],
                people: &self.config.people,
                log: &self.log,
                holidays: &self.holidays,
                language: self.config.daemon.language,
                now: self.now,
            }
        }
    }

    pub fn person(id: &str) -> Actor {
        Actor {
            id: id.into(),
            name: format!("user{id}"),
            is_facilitator: false,
        }
    }

    pub fn facilitator(id: &str) -> Actor {
        Actor {
            is_facilitator: true,
            ..person(id)
        }
    }
}

#[cfg(test)]
mod date_option_tests {
    use super::Toward;
    use super::fixture::fixture;

    #[test]
    fn next_and_next_week_name_held_sessions_or_say_why_not() {
        // Sunday 2026-12-20 in Tokyo; 2026-12-30 is the fixture's company day off.
        let f = fixture("2026-12-20T00:00:00Z");
        let ctx = f.ctx();
        let date = |text: &str| ctx.date_option(Some(text), Toward::Upcoming);
        assert_eq!(date("next"), Ok(Some("2026-12-23".parse().unwrap())));
        assert_eq!(date("12/23"), Ok(Some("2026-12-23".parse().unwrap())));
        assert_eq!(date("1/6"), Ok(Some("2027-01-06".parse().unwrap())));
        assert_eq!(date("next week"), Ok(Some("2026-12-23".parse().unwrap())));
        assert_eq!(ctx.date_option(None, Toward::Upcoming), Ok(None));

        let f = fixture("2026-12-24T00:00:00Z");
        let ctx = f.ctx();
        let refused = ctx.date_option(Some("next week"), Toward::Upcoming);
        assert_eq!(
            refused.unwrap_err().0,
            "no session next week (Dec 28 (Mon) to Jan 3 (Sun)). no meeting: company day off"
        );
        assert_eq!(
            ctx.date_option(Some("next"), Toward::Upcoming),
            Ok(Some("2027-01-06".parse().unwrap())),
            "the next held session skips the day off"
        );
        let refused = ctx.date_option(Some("12/24/2026"), Toward::Upcoming);
        assert!(refused.unwrap_err().0.contains("is not a date"));
    }
}

#[cfg(test)]
mod said_tests {
    use super::{Language, Said, StoreError};

    #[test]
    fn a_store_failure_is_answered_in_the_configured_language() {
        let failed = || -> Result<(), StoreError> {
            Err(StoreError::Locked {
                path: "/var/lib/weekly-postmortem".into(),
            })
        };
        let ja = failed().said(Language::Ja).unwrap_err().0;
        assert_eq!(
            ja,
            "記録を保存できませんでした。運用担当にはログで知らせてあります"
        );
        let en = failed().said(Language::En).unwrap_err().0;
        assert!(
            en.starts_with("the session log could not be written"),
            "{en}"
        );
        assert!(
            !ja.contains("/var/lib"),
            "the operators' detail stays in the logs"
        );
    }
}
