//! `check-config`: the validation `run` does (parsing, then `run::validate`), then what
//! was understood.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Context;

use super::{CliError, Env};
use crate::config::Meeting;
use crate::domain::holidays::JapaneseHolidays;
use crate::domain::language::Language;
use crate::domain::schedule::Schedule;
use crate::messages::cli::Cli as Say;

pub(super) fn run(env: &Env, out: &mut dyn Write) -> Result<(), CliError> {
    let config = &env.config;
    super::run::validate(config)?;
    let daemon = &config.daemon;
    let holidays = JapaneseHolidays::embedded();
    let path = config.path.display().to_string();
    let mut text = env.say(Say::ConfigOk { path: &path }) + "\n";
    text += &env.say(Say::DaemonSettings {
        state_dir: &daemon.state_dir.display().to_string(),
        listen: &daemon.listen.to_string(),
        language: daemon.language.code(),
    });
    text.push('\n');
    for meeting in &config.meetings {
        text += &meeting_summary(env, meeting, &holidays);
    }
    if !config.people.is_empty() {
        let teams = config.people.teams();
        text += &env.say(Say::PeopleSummary {
            people: config.people.iter().count(),
            teams: &teams,
        });
        text.push('\n');
    }
    text += &integrations_summary(env);
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    // Accepted, so not errors; on stderr so stdout stays the summary.
    for warning in config.warnings() {
        eprintln!("{}", env.say(Say::WarningLine { text: &warning }));
    }
    Ok(())
}

/// A meeting's line (its rule and next held session) and its own settings.
fn meeting_summary(env: &Env, meeting: &Meeting, holidays: &JapaneseHolidays) -> String {
    let daemon = &env.config.daemon;
    let none = BTreeSet::new();
    let now = env.clock.now();
    let mut out = String::new();
    let rule = &meeting.rule;
    let today = rule.day_of(now);
    // The config alone: the log's cancellations are not read here.
    let next = Schedule::new(rule, holidays, &none)
        .between(
            today,
            today
                .checked_add_months(chrono::Months::new(12))
                .unwrap_or(chrono::NaiveDate::MAX),
        )
        .find(|o| o.is_held());
    let closures = rule
        .closures
        .iter()
        .map(|c| {
            crate::messages::dates::closure(
                &c.name,
                (c.from.month(), c.from.day()),
                (c.until.month(), c.until.day()),
                daemon.language,
            )
        })
        .collect::<Vec<_>>()
        .join(if daemon.language == Language::Ja {
            "、"
        } else {
            ", "
        });
    out += &env.say(Say::MeetingSummary {
        id: &meeting.id,
        title: &meeting.title,
        weekday_ja: Language::Ja.weekday_short(rule.weekday),
        weekday_en: &rule.weekday.to_string(),
        start: &rule.start_time.format("%H:%M").to_string(),
        timezone: rule.timezone.name(),
        minutes: rule.duration.num_minutes(),
        first_session: rule.first_session,
        holidays_skipped: rule.skip_japanese_holidays,
        skip_dates: rule.skip_dates.len(),
        closures: &closures,
    });
    if let Some(next) = next {
        out += &env.say(Say::NextHeld {
            date: next.date,
            number: next.number().unwrap_or(0),
        });
    }
    out.push('\n');
    out += &own_settings(env, meeting);
    out
}

/// One line each: Google Calendar, Discord, the alert hooks, the web archive.
fn integrations_summary(env: &Env) -> String {
    let config = &env.config;
    let daemon = &config.daemon;
    let mut text = String::new();
    text += &match &config.google {
        Some(google) => env.say(Say::GoogleOn {
            calendar: &google.calendar_id,
            weeks: google.horizon_weeks.0,
            credentials: &google.credentials_file.display().to_string(),
            missing: !google.credentials_file.exists(),
        }),
        None => env.say(Say::GoogleOff),
    };
    text.push('\n');
    text += &match &config.discord {
        // Only whether a token is there: never the token.
        Some(discord) => match crate::discord::bot::token(discord) {
            Ok(_) => env.say(Say::DiscordOn {
                guild: discord.guild_id.0,
                channel: discord.channel_id.0,
            }),
            Err(why) => env.say(Say::DiscordNoToken {
                guild: discord.guild_id.0,
                source: &discord.token_source(),
                why: &why.to_string(),
            }),
        },
        None => env.say(Say::DiscordOff),
    };
    text.push('\n');
    text += &match &config.alerts {
        Some(alerts) => env.say(Say::AlertsOn {
            listen: &alerts.listen.to_string(),
            source: &alerts.token_source(),
            token_found: alerts.token().is_ok(),
        }),
        None => env.say(Say::AlertsOff),
    };
    text.push('\n');
    text += &trackers_summary(env);
    text += &match &config.web {
        Some(web) => env.say(Say::WebOn {
            address: &web
                .public_url
                .as_ref()
                .map_or_else(|| daemon.listen.to_string(), ToString::to_string),
            proxies: web.trusted_proxies.len(),
        }),
        None => env.say(Say::WebOff {
            listen: &daemon.listen.to_string(),
        }),
    };
    text.push('\n');
    text
}

/// A line per configured tracker (or that there is none), each ending in a newline.
fn trackers_summary(env: &Env) -> String {
    let Some(trackers) = &env.config.trackers else {
        return env.say(Say::TrackersOff) + "\n";
    };
    let mut text = String::new();
    for (tracker, secret) in [
        ("GitHub", trackers.github.as_ref().map(|g| &g.token)),
        ("Backlog", trackers.backlog.as_ref().map(|b| &b.api_key)),
        ("Jira", trackers.jira.as_ref().map(|j| &j.token)),
    ] {
        let Some(secret) = secret else { continue };
        text += &env.say(Say::TrackerOn {
            tracker,
            every: trackers.poll_minutes,
            source: &secret.source(),
            secret_found: matches!(secret.read(), Ok(Some(_))),
        });
        text.push('\n');
    }
    text
}

/// The per-meeting settings a meeting sets itself (the others follow the
/// global keys), one indented line; empty when it sets none.
fn own_settings(env: &Env, meeting: &Meeting) -> String {
    let config = &env.config;
    let own = &meeting.settings;
    let mut parts = Vec::new();
    if let Some(voice) = own.discord_voice_channel_id {
        parts.push(env.say(Say::OwnVoiceChannel { id: voice.0 }));
    }
    if let Some(role) = own.discord_facilitator_role_id {
        parts.push(env.say(Say::OwnFacilitatorRole { id: role.0 }));
    }
    if own.google_calendar_id.is_some() {
        parts.push(env.say(Say::OwnCalendar {
            id: meeting.calendar_id(config),
        }));
    }
    if let Some(attendees) = &own.google_attendees {
        parts.push(env.say(Say::OwnAttendees {
            list: &attendees.join(", "),
        }));
    }
    if !own.share_history_with.is_empty() {
        parts.push(env.say(Say::OwnSharesHistory {
            with: &own.share_history_with.join(", "),
        }));
    }
    if parts.is_empty() {
        String::new()
    } else {
        env.say(Say::OwnSettings {
            parts: &parts.join("; "),
        }) + "\n"
    }
}
