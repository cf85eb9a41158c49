//! The TOML configuration file. Its keys are a contract: tools outside this
//! repository write them. Errors name the file, the line and the key.

mod alerts;
mod checks;
mod daemon;
mod integrations;
mod meeting_settings;
mod people;
mod session;
mod trackers;
mod web;

pub use alerts::{
    AlertRoute, AlertsConfig, DEFAULT_ALERTS_TOKEN_ENV, DEFAULT_MIN_DURATION_MINUTES,
};
pub use daemon::{CABINET_OFFICE_CSV_URL, CacheMib, DaemonConfig, HealthCheckSeconds, LogFormat};
pub use integrations::{
    DEFAULT_TOKEN_ENV, DiscordConfig, GoogleConfig, Snowflake, resolve_secret_path,
};
pub use trackers::{
    BacklogTracker, DEFAULT_BACKLOG_API_KEY_ENV, DEFAULT_GITHUB_TOKEN_ENV, DEFAULT_JIRA_TOKEN_ENV,
    GithubTracker, JiraTracker, Secret, TrackersConfig,
};
pub use web::WebConfig;

use std::collections::BTreeSet;
use std::fmt;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime, TimeDelta, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::domain::date_bounds;
use crate::domain::language::Language;
use crate::domain::log::{TextKind, check_field};
use crate::domain::people::People;
use crate::domain::reminders::ReminderTimes;
use crate::domain::schedule::{Closure, MonthDay, WeeklyRule};
use crate::messages::Message;
use crate::messages::config::{ConfigText as Say, Explanation};

/// Where the config is read from when neither `--config` nor the environment says.
pub const DEFAULT_PATH: &str = "/etc/weekly-postmortem/config.toml";
pub const PATH_ENV: &str = "WEEKLY_POSTMORTEM_CONFIG";

#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    pub daemon: DaemonConfig,
    pub meetings: Vec<Meeting>,
    pub google: Option<GoogleConfig>,
    pub discord: Option<DiscordConfig>,
    /// `[[person]]`: who is who (see `config/people.rs`).
    pub people: People,
    /// `[alerts]`: absent means no hook listener.
    pub alerts: Option<AlertsConfig>,
    /// `[web]`: absent means pages and `/metrics` for this machine only.
    pub web: Option<WebConfig>,
    /// `[trackers]`: absent means actions are closed by people only.
    pub trackers: Option<TrackersConfig>,
}

/// One weekly meeting, validated.
#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: String,
    pub title: String,
    pub rule: WeeklyRule,
    pub discord_channel_id: Option<Snowflake>,
    pub reminder_times: ReminderTimes,
    /// The facilitator roster to start from (`/rotation` changes are kept in the store).
    pub facilitators: Vec<String>,
    /// The meeting's own team; presenters from other teams are guests.
    pub team: Option<String>,
    /// Shown in turn for a "dashboard walk" when nobody offered a topic.
    pub dashboards: Vec<Dashboard>,
    /// How the live session splits its time (`[meeting.session]`).
    pub session: crate::domain::run_of_show::SessionTiming,
    /// Per-meeting settings: read them through `config/meeting_settings.rs`,
    /// which applies the fallback to the global ones.
    pub(crate) settings: MeetingSettings,
}

/// What a meeting may set instead of the global `[discord]`/`[google]` key.
#[derive(Debug, Clone, Default)]
pub(crate) struct MeetingSettings {
    pub(crate) discord_voice_channel_id: Option<Snowflake>,
    pub(crate) discord_facilitator_role_id: Option<Snowflake>,
    pub(crate) google_calendar_id: Option<String>,
    /// Emails, person names already resolved to theirs.
    pub(crate) google_attendees: Option<Vec<String>>,
    /// Meetings whose postmortems this one's proposals may draw on.
    pub(crate) share_history_with: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub name: String,
    pub url: String,
}

/// A config that cannot be used: the file, the line and the key as written,
/// the explanation in the file's own `daemon.language` (Japanese when the file
/// cannot be read far enough to know it).
#[derive(Debug)]
pub enum ConfigError {
    Read {
        path: String,
        source: std::io::Error,
    },
    Invalid {
        path: String,
        line: LineNumber,
        key: KeyPath,
        message: Explanation,
        language: Language,
    },
}

impl ConfigError {
    /// The language the error is written in.
    pub fn language(&self) -> Language {
        match self {
            ConfigError::Read { .. } => Language::default(),
            ConfigError::Invalid { language, .. } => *language,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, source } => {
                let language = self.language();
                let error = crate::messages::cli::Cli::Io {
                    kind: source.kind(),
                    text: &source.to_string(),
                }
                .say(language);
                let text = Say::CannotRead { error: &error }.say(language);
                write!(f, "{path}: {text}")
            }
            ConfigError::Invalid {
                path,
                line,
                key,
                message,
                language,
            } => {
                let key = if key.0.is_empty() || key.0 == "." {
                    String::new()
                } else {
                    Say::KeyPrefix { key: &key.0 }.say(*language)
                };
                write!(f, "{path}{line}: {key}{}", message.say(*language))
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Read { source, .. } => Some(source),
            ConfigError::Invalid { .. } => None,
        }
    }
}

/// The `daemon.language` a config text sets, read on its own so that errors
/// anywhere else in the file (and the command line's) are in that language:
/// Japanese when the text is not TOML or does not say.
pub fn language_written_in(text: &str) -> Language {
    #[derive(Deserialize)]
    struct Document {
        daemon: Option<Daemon>,
    }
    #[derive(Deserialize)]
    struct Daemon {
        language: Option<Language>,
    }
    toml::from_str::<Document>(text)
        .ok()
        .and_then(|d| d.daemon?.language)
        .unwrap_or_default()
}

/// `:N` after the file name, or nothing when the problem has no single line.
#[derive(Debug)]
pub struct LineNumber(Option<usize>);

impl fmt::Display for LineNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ":{line}"),
            None => Ok(()),
        }
    }
}

/// The key a problem is about; empty for the document as a whole.
#[derive(Debug)]
pub struct KeyPath(String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    daemon: DaemonConfig,
    #[serde(default)]
    meeting: Vec<RawMeeting>,
    #[serde(default)]
    google: Option<GoogleConfig>,
    #[serde(default)]
    discord: Option<DiscordConfig>,
    #[serde(default)]
    person: Vec<people::RawPerson>,
    #[serde(default)]
    alerts: Option<alerts::RawAlerts>,
    #[serde(default)]
    web: Option<web::RawWeb>,
    #[serde(default)]
    trackers: Option<trackers::RawTrackers>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeeting {
    id: Spanned<MeetingId>,
    title: Spanned<String>,
    #[serde(default = "default_timezone")]
    timezone: Timezone,
    weekday: WeekdayName,
    start_time: StartTime,
    #[serde(default = "default_duration")]
    duration_minutes: DurationMinutes,
    first_session: FirstSession,
    #[serde(default = "default_true")]
    skip_japanese_holidays: bool,
    #[serde(default)]
    skip_dates: Vec<NaiveDate>,
    /// Announcements for this meeting go here instead of `[discord] channel_id`.
    #[serde(default)]
    discord_channel_id: Option<Snowflake>,
    #[serde(default)]
    reminders: RawReminders,
    #[serde(default)]
    facilitators: Vec<Spanned<String>>,
    #[serde(default)]
    team: Option<Spanned<String>>,
    #[serde(default)]
    dashboards: Vec<Spanned<Dashboard>>,
    /// Yearly closures: `[{name, from = "MM-DD", until = "MM-DD"}]`.
    #[serde(default)]
    closures: Vec<RawClosure>,
    // Per-meeting settings, each falling back to the global key.
    #[serde(default)]
    discord_voice_channel_id: Option<Snowflake>,
    #[serde(default)]
    discord_facilitator_role_id: Option<Snowflake>,
    #[serde(default)]
    google_calendar_id: Option<Spanned<String>>,
    /// Emails or person names (resolved to their `email`).
    #[serde(default)]
    google_attendees: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    share_history_with: Vec<Spanned<String>>,
    /// `[meeting.session]`: the live session's timing.
    #[serde(default)]
    session: Option<Spanned<session::RawSession>>,
}

/// One of `closures`: a named range of month-days that recurs every year;
/// `from` after `until` wraps the year end (12-29..01-03).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    name: Spanned<String>,
    from: MonthDayText,
    until: MonthDayText,
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct MonthDayText(MonthDay);

impl TryFrom<String> for MonthDayText {
    type Error = Explanation;
    fn try_from(text: String) -> Result<Self, Explanation> {
        MonthDay::parse(&text)
            .map(Self)
            .map_err(|_| Say::MonthDay { got: &text }.into())
    }
}

/// `[meeting.reminders]`: when the bot speaks, in the meeting's local time.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReminders {
    #[serde(default)]
    call_for_topics_days_before: Option<u8>,
    #[serde(default)]
    call_for_topics_time: Option<StartTime>,
    #[serde(default)]
    announcement_time: Option<StartTime>,
}

fn default_timezone() -> Timezone {
    Timezone(chrono_tz::Asia::Tokyo)
}

fn default_duration() -> DurationMinutes {
    DurationMinutes(60)
}

fn default_true() -> bool {
    true
}

/// Letters, digits, `-` and `_`: ids end up in URLs, event ids and commands.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct MeetingId(String);

impl TryFrom<String> for MeetingId {
    type Error = Explanation;
    fn try_from(id: String) -> Result<Self, Explanation> {
        let valid = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(Self(id))
        } else {
            Err(Say::MeetingId { got: &id }.into())
        }
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Timezone(Tz);

impl TryFrom<String> for Timezone {
    type Error = Explanation;
    fn try_from(name: String) -> Result<Self, Explanation> {
        name.parse()
            .map(Self)
            .map_err(|_| Say::TimeZone { got: &name }.into())
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct WeekdayName(Weekday);

impl TryFrom<String> for WeekdayName {
    type Error = Explanation;
    fn try_from(name: String) -> Result<Self, Explanation> {
        const NAMES: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(&name))
            .and_then(|i| Weekday::try_from(i as u8).ok())
            .map(Self)
            .ok_or_else(|| Say::Weekday { got: &name }.into())
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct StartTime(NaiveTime);

impl TryFrom<String> for StartTime {
    type Error = Explanation;
    fn try_from(text: String) -> Result<Self, Explanation> {
        let parsed = text
            .split_once(':')
            .filter(|(h, m)| h.len() == 2 && m.len() == 2)
            .and_then(|(h, m)| NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0));
        parsed
            .map(Self)
            .ok_or_else(|| Say::StartTime { got: &text }.into())
    }
}

/// A first session within [`date_bounds::SANE_YEARS`]: a typo such as
/// `9999-12-29` is refused here rather than scheduled.
#[derive(Deserialize)]
#[serde(try_from = "NaiveDate")]
struct FirstSession(NaiveDate);

impl TryFrom<NaiveDate> for FirstSession {
    type Error = Explanation;
    fn try_from(date: NaiveDate) -> Result<Self, Explanation> {
        date_bounds::check_sane_year(date).map(Self).map_err(|_| {
            Say::YearRange {
                first: *date_bounds::SANE_YEARS.start(),
                last: *date_bounds::SANE_YEARS.end(),
                got: &date.to_string(),
            }
            .into()
        })
    }
}

#[derive(Deserialize)]
#[serde(try_from = "i64")]
struct DurationMinutes(u32);

impl TryFrom<i64> for DurationMinutes {
    type Error = Explanation;
    fn try_from(minutes: i64) -> Result<Self, Explanation> {
        match u32::try_from(minutes) {
            Ok(m @ 1..=1440) => Ok(Self(m)),
            _ => Err(Say::Minutes {
                min: 1,
                max: 1440,
                got: minutes,
            }
            .into()),
        }
    }
}

/// The largest config file read: a config is a few KiB; a larger file is not one.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

impl Config {
    /// How many weeks ahead sessions are kept ready (events, facilitators,
    /// proposals): `google.horizon_weeks`, else its default.
    pub fn horizon_weeks(&self) -> u64 {
        u64::from(
            self.google
                .as_ref()
                .map_or(integrations::DEFAULT_HORIZON_WEEKS, |g| g.horizon_weeks.0),
        )
    }

    /// How long an incident must last to be proposed and counted in `stats`.
    pub fn incident_min_minutes(&self) -> u32 {
        self.alerts
            .as_ref()
            .map_or(DEFAULT_MIN_DURATION_MINUTES, |a| a.min_duration_minutes)
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        use crate::bounded_file::Refusal;
        let unsuitable = |message: Explanation| ConfigError::Invalid {
            path: path.display().to_string(),
            line: LineNumber(None),
            key: KeyPath(String::new()),
            message,
            language: Language::default(),
        };
        let bytes =
            crate::bounded_file::read(path, MAX_CONFIG_BYTES).map_err(|refusal| match refusal {
                Refusal::Io(source) => ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                },
                Refusal::NotRegular(kind) => unsuitable(Say::ConfigNotRegular { kind }.into()),
                Refusal::TooLarge { size, max } => {
                    unsuitable(Say::ConfigTooLarge { size, max }.into())
                }
            })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
        let config = Self::parse(path, &text)?;
        config.check_secret_files()?;
        Ok(config)
    }

    /// A secret file that exists but is not a small regular file (`/dev/zero`, a directory,
    /// a 100 MB log) is a config error, so `check-config` and `run` both exit 2 before
    /// anything reads it. A missing file is left to the integration, which reports it.
    fn check_secret_files(&self) -> Result<(), ConfigError> {
        let mut secrets = Vec::new();
        if let Some(google) = &self.google {
            secrets.push(("google.credentials_file", google.credentials_file.as_path()));
        }
        if let Some(token_file) = self.discord.as_ref().and_then(|d| d.token_file.as_deref()) {
            secrets.push(("discord.token_file", token_file));
        }
        if let Some(token_file) = self.alerts.as_ref().and_then(|a| a.token_file.as_deref()) {
            secrets.push(("alerts.token_file", token_file));
        }
        if let Some(trackers) = &self.trackers {
            secrets.extend(trackers.secret_files());
        }
        for (key, secret) in secrets {
            // Read, not only looked at: a token with a NUL or bytes that are not UTF-8
            // fails here, not at the first request. A file only the service may read
            // (a systemd credential) is left to the integration, as a missing one is.
            match crate::secret_file::read_to_string(key, secret) {
                Err(e) if !e.is_missing() && !e.is_unreadable() => {
                    return Err(ConfigError::Invalid {
                        path: self.path.display().to_string(),
                        line: LineNumber(None),
                        key: KeyPath(String::new()),
                        message: e.explanation(),
                        language: self.daemon.language,
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let language = language_written_in(text);
        let invalid = |span: Option<std::ops::Range<usize>>, key: &str, message: Explanation| {
            ConfigError::Invalid {
                path: path.display().to_string(),
                line: LineNumber(span.map(|s| line_of(text, s.start))),
                key: KeyPath(key.to_string()),
                message,
                language,
            }
        };
        let raw: RawConfig = toml::Deserializer::parse(text)
            .map_err(|e| invalid(e.span(), "", Explanation::from_parser(e.message())))
            .and_then(|de| {
                serde_path_to_error::deserialize(de).map_err(|e| {
                    // A value inside a `Spanned` shows toml's private wrapper key in the path.
                    let key = e
                        .path()
                        .to_string()
                        .replace(".$__serde_spanned_private_value", "");
                    let inner = e.into_inner();
                    invalid(
                        inner.span(),
                        &key,
                        Explanation::from_parser(inner.message()),
                    )
                })
            })?;

        checks::meetings(&raw.meeting)
            .map_err(|(span, key, message)| invalid(span, &key, message))?;

        let people = people::check(&raw.person, &raw.meeting)
            .map_err(|(span, key, message)| invalid(span, &key, message))?;

        let base = path.parent().unwrap_or(Path::new("."));
        let alerts = raw
            .alerts
            .map(|a| a.check(&raw.meeting, base, raw.daemon.listen))
            .transpose()
            .map_err(|(span, key, message)| invalid(span, &key, message))?;
        let web = raw
            .web
            .map(web::RawWeb::check)
            .transpose()
            .map_err(|(span, key, message)| invalid(span, &key, message))?;
        let trackers = raw
            .trackers
            .map(|t| t.check(base))
            .transpose()
            .map_err(|(span, key, message)| invalid(span, &key, message))?;
        web::check_listen(raw.daemon.listen, web.as_ref())
            .map_err(|message| invalid(web::listen_span(text), "daemon.listen", message))?;
        let mut daemon = raw.daemon;
        let relative = daemon
            .state_dir
            .strip_prefix(".")
            .unwrap_or(&daemon.state_dir);
        daemon.state_dir = base.join(relative);
        let meetings = raw
            .meeting
            .into_iter()
            .map(|m| m.into_meeting(&people))
            .collect();
        let mut google = raw.google;
        if let Some(google) = &mut google {
            google.credentials_file = resolve_secret_path(&google.credentials_file, base);
        }
        let mut discord = raw.discord;
        if let Some(discord) = &mut discord {
            discord.token_file = discord
                .token_file
                .as_deref()
                .map(|p| resolve_secret_path(p, base));
        }
        Ok(Self {
            path: path.to_path_buf(),
            daemon,
            meetings,
            google,
            discord,
            people,
            alerts,
            web,
            trackers,
        })
    }

    pub fn meeting(&self, id: &str) -> Option<&Meeting> {
        self.meetings.iter().find(|m| m.id == id)
    }

    pub fn meeting_ids(&self) -> Vec<&str> {
        self.meetings.iter().map(|m| m.id.as_str()).collect()
    }
}

/// A config text that failed its rule: where, which key (below the meeting), why.
type TextProblem = (std::ops::Range<usize>, String, Explanation);

impl RawMeeting {
    /// The texts that end up in records, messages and the calendar meet the
    /// records' own rule ([`check_field`]): a facilitator named "" or with a
    /// control character would be refused by every session it is assigned to,
    /// so it is refused here, by `check-config` and `run` alike.
    fn check_texts(&self) -> Result<(), TextProblem> {
        let check = |kind: TextKind, key: String, text: &Spanned<String>| {
            check_field(kind, &key, text.get_ref())
                .map_err(|e| (text.span(), e.field.clone(), Explanation::from(&e)))
        };
        check(TextKind::Title, "title".into(), &self.title)?;
        for (i, name) in self.facilitators.iter().enumerate() {
            check(TextKind::Name, format!("facilitators[{i}]"), name)?;
        }
        if let Some(team) = &self.team {
            check(TextKind::Name, "team".into(), team)?;
        }
        for (i, closure) in self.closures.iter().enumerate() {
            check(TextKind::Name, format!("closures[{i}].name"), &closure.name)?;
        }
        // Two closures that share a day would each claim it: say which to fix.
        for (i, later) in self.closures.iter().enumerate() {
            for (j, earlier) in self.closures[..i].iter().enumerate() {
                let (a, b) = (closure_of(earlier), closure_of(later));
                if let Some(day) = a.first_shared_day(&b) {
                    return Err((
                        later.name.span(),
                        format!("closures[{i}]"),
                        Say::ClosuresOverlap {
                            name: &b.name,
                            from: &b.from.to_string(),
                            until: &b.until.to_string(),
                            other: j,
                            other_name: &a.name,
                            other_from: &a.from.to_string(),
                            other_until: &a.until.to_string(),
                            day: &day.to_string(),
                        }
                        .into(),
                    ));
                }
            }
        }
        for (i, dashboard) in self.dashboards.iter().enumerate() {
            let span = dashboard.span();
            let dashboard = dashboard.get_ref();
            for (kind, key, text) in [
                (TextKind::Title, "name", &dashboard.name),
                (TextKind::Line, "url", &dashboard.url),
            ] {
                check_field(kind, &format!("dashboards[{i}].{key}"), text)
                    .map_err(|e| (span.clone(), e.field.clone(), Explanation::from(&e)))?;
            }
        }
        Ok(())
    }

    fn into_meeting(self, people: &People) -> Meeting {
        let closures = self.closures.iter().map(closure_of).collect();
        let session =
            session::timing(self.session.as_ref(), self.duration_minutes.0).unwrap_or_default();
        Meeting {
            session,
            settings: MeetingSettings {
                discord_voice_channel_id: self.discord_voice_channel_id,
                discord_facilitator_role_id: self.discord_facilitator_role_id,
                google_calendar_id: self.google_calendar_id.map(Spanned::into_inner),
                google_attendees: self
                    .google_attendees
                    .map(|list| people::attendee_emails(&list, people)),
                share_history_with: self
                    .share_history_with
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
            },
            id: self.id.into_inner().0,
            title: self.title.into_inner(),
            rule: WeeklyRule {
                timezone: self.timezone.0,
                weekday: self.weekday.0,
                start_time: self.start_time.0,
                duration: TimeDelta::minutes(self.duration_minutes.0.into()),
                first_session: self.first_session.0,
                skip_japanese_holidays: self.skip_japanese_holidays,
                skip_dates: self.skip_dates.into_iter().collect::<BTreeSet<_>>(),
                closures,
            },
            discord_channel_id: self.discord_channel_id,
            facilitators: self
                .facilitators
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            team: self.team.map(Spanned::into_inner),
            dashboards: self
                .dashboards
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            reminder_times: {
                let defaults = ReminderTimes::default();
                ReminderTimes {
                    call_for_topics_days_before: self
                        .reminders
                        .call_for_topics_days_before
                        .map_or(defaults.call_for_topics_days_before, u64::from),
                    call_for_topics_at: self
                        .reminders
                        .call_for_topics_time
                        .map_or(defaults.call_for_topics_at, |t| t.0),
                    announcement_at: self
                        .reminders
                        .announcement_time
                        .map_or(defaults.announcement_at, |t| t.0),
                }
            },
        }
    }
}

fn closure_of(raw: &RawClosure) -> Closure {
    Closure {
        name: raw.name.get_ref().clone(),
        from: raw.from.0,
        until: raw.until.0,
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

#[cfg(test)]
mod japanese_errors;
#[cfg(test)]
mod tests;
