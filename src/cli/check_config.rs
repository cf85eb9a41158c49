//! `check-config`: the validation `run` does (parsing, then `run::validate`), then what
//! was understood.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Context;

use super::{CliError, Env};
use crate::config::{Config, Meeting};
use crate::domain::holidays::JapaneseHolidays;
use crate::domain::schedule::Schedule;

pub fn run(env: &Env, out: &mut dyn Write) -> Result<(), CliError> {
    let config = &env.config;
    super::run::validate(config)?;
    let daemon = &config.daemon;
    let holidays = JapaneseHolidays::embedded();
    let none = BTreeSet::new();
    let now = env.clock.now();
    let mut text = format!(
        "{}: OK\nstate_dir {}, listen {}, language {}\n",
        config.path.display(),
        daemon.state_dir.display(),
        daemon.listen,
        daemon.language.code()
    );
    for meeting in &config.meetings {
        let rule = &meeting.rule;
        let today = now.with_timezone(&rule.timezone).date_naive();
        // The config alone: the log's cancellations are not read here.
        let next = Schedule::new(rule, &holidays, &none)
            .between(
                today,
                today
                    .checked_add_months(chrono::Months::new(12))
                    .unwrap_or(chrono::NaiveDate::MAX),
            )
            .find(|o| o.is_held());
        text += &format!(
            "meeting {:?} \"{}\": {} {} {}, {} min, first session {}, Japanese holidays {}, {} skip date(s)",
            meeting.id,
            meeting.title,
            rule.weekday,
            rule.start_time.format("%H:%M"),
            rule.timezone,
            rule.duration.num_minutes(),
            rule.first_session,
            if rule.skip_japanese_holidays {
                "skipped"
            } else {
                "not skipped"
            },
            rule.skip_dates.len()
        );
        if let Some(next) = next {
            text += &format!(
                ", next held {} (#{})",
                next.date,
                next.number().unwrap_or(0)
            );
        }
        text.push('\n');
        text += &own_settings(config, meeting);
    }
    if !config.people.is_empty() {
        let teams = config.people.teams();
        text += &format!(
            "people: {} ({} team(s){}{})\n",
            config.people.iter().count(),
            teams.len(),
            if teams.is_empty() { "" } else { ": " },
            teams.join(", ")
        );
    }
    text += &match &config.google {
        Some(google) => format!(
            "Google Calendar: {} ({} weeks ahead), credentials {}{}\n",
            google.calendar_id,
            google.horizon_weeks.0,
            google.credentials_file.display(),
            if google.credentials_file.exists() {
                ""
            } else {
                " (missing!)"
            }
        ),
        None => "Google Calendar: off (no [google] section)\n".to_string(),
    };
    text += &match &config.discord {
        // Only whether a token is there: never the token.
        Some(discord) => match crate::discord::bot::token(discord) {
            Ok(_) => format!(
                "Discord: guild {}, channel {}, token found\n",
                discord.guild_id.0, discord.channel_id.0
            ),
            Err(why) => format!(
                "Discord: guild {}, but {why}: the bot will be off\n",
                discord.guild_id.0
            ),
        },
        None => "Discord: off (no [discord] section)\n".to_string(),
    };
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    // Accepted, so not errors; on stderr so stdout stays the summary.
    for warning in config.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

/// The per-meeting settings a meeting sets itself (the others follow the
/// global keys), one indented line; empty when it sets none.
fn own_settings(config: &Config, meeting: &Meeting) -> String {
    let own = &meeting.settings;
    let mut parts = Vec::new();
    if let Some(voice) = own.discord_voice_channel_id {
        parts.push(format!("voice channel {}", voice.0));
    }
    if let Some(role) = own.discord_facilitator_role_id {
        parts.push(format!("facilitator role {}", role.0));
    }
    if own.google_calendar_id.is_some() {
        parts.push(format!(
            "calendar {}",
            meeting.calendar_id(config).unwrap_or("(no [google])")
        ));
    }
    if let Some(attendees) = &own.google_attendees {
        parts.push(format!("attendees {}", attendees.join(", ")));
    }
    if !own.share_history_with.is_empty() {
        parts.push(format!(
            "shares history with {}",
            own.share_history_with.join(", ")
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  own settings: {}\n", parts.join("; "))
    }
}
