//! `doctor`: every configured integration checked live, one line each, with
//! what to do when something is wrong. Exit 0 when all is well, 1 when
//! something needs fixing (2, as for every command, for a bad config).

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;

use super::{CliError, Env};
use crate::discord::doctor::Places;
use crate::doctor_report::Finding;
use crate::messages::Message;
use crate::messages::doctor::Doctor as Say;

pub(super) fn run(env: &Env, out: &mut dyn Write) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut lines: Vec<(String, bool)> = Vec::new();
    let mut say =
        |message: Say<'_>, failed: bool| lines.push((message.say(env.language()), failed));
    let config = &env.config;
    say(
        Say::ConfigRead {
            path: &config.path.display().to_string(),
        },
        false,
    );
    let state_dir = config.daemon.state_dir.display().to_string();
    match crate::atomic_file::check_state_dir(&config.daemon.state_dir) {
        Ok(()) => say(
            Say::StateDirReady {
                state_dir: &state_dir,
            },
            false,
        ),
        Err(why) => say(
            Say::StateDirUnusable {
                state_dir: &state_dir,
                why: &why,
            },
            true,
        ),
    }
    let ours = crate::listen_address::running(&config.daemon.state_dir);
    listen_line(
        &mut say,
        "daemon.listen",
        config.daemon.listen,
        ours.as_deref(),
    );
    if let Some(alerts) = &config.alerts {
        listen_line(&mut say, "alerts.listen", alerts.listen, None);
        let source = alerts.token_source();
        match alerts.token() {
            Ok(_) => say(Say::AlertsToken { source: &source }, false),
            Err(_) => say(Say::AlertsNoToken { source: &source }, true),
        }
    }
    if let Some(discord) = &config.discord {
        let source = discord.token_source();
        match crate::discord::bot::token(discord) {
            Err(_) => say(Say::DiscordNoToken { source: &source }, true),
            Ok(token) => {
                let places = places(config, discord);
                let findings = runtime.block_on(crate::discord::doctor::check(
                    token,
                    discord.api_base_url.clone(),
                    &places,
                ));
                for finding in &findings {
                    say(Say::Discord { finding }, Finding::is_failure(finding));
                }
            }
        }
    }
    if let Some(google) = &config.google {
        let checked = runtime.block_on(check_google(env, google));
        google_line(&mut say, google.calendar_id.as_str(), checked);
    }
    if config.daemon.holiday_refresh {
        let url = &config.daemon.holiday_source_url;
        // Only a warning: the list shipped with the binary covers until next year.
        match runtime.block_on(crate::holiday_refresh::reachable(url)) {
            Ok(()) => say(Say::HolidaysReachable { url }, false),
            Err(error) => say(Say::HolidaysUnreachable { url, error: &error }, false),
        }
    }
    let failures = lines.iter().filter(|(_, failed)| *failed).count();
    for (line, _) in &lines {
        writeln!(out, "{line}").context("writing to stdout")?;
    }
    if failures == 0 {
        writeln!(out, "{}", Say::AllWell.say(env.language())).context("writing to stdout")?;
        Ok(())
    } else {
        Err(CliError::Failure(anyhow::anyhow!(
            "{}",
            Say::NeedsFixing { count: failures }.say(env.language())
        )))
    }
}

/// `address` can be listened on, or the running daemon of this state
/// directory (`ours`, from its `listen-address`) holds it.
fn listen_line(
    say: &mut impl FnMut(Say<'_>, bool),
    key: &str,
    address: SocketAddr,
    ours: Option<&str>,
) {
    let shown = address.to_string();
    if address.port() == 0 {
        return say(
            Say::ListenFree {
                key,
                address: &shown,
            },
            false,
        );
    }
    match std::net::TcpListener::bind(address) {
        Ok(_) => say(
            Say::ListenFree {
                key,
                address: &shown,
            },
            false,
        ),
        Err(_) if ours.is_some_and(|o| o == shown) => say(
            Say::ListenOurs {
                key,
                address: &shown,
            },
            false,
        ),
        Err(e) => say(
            Say::ListenTaken {
                key,
                address: &shown,
                error: &e.to_string(),
            },
            true,
        ),
    }
}

/// Adds the id of `id` to `list` unless it is there already (meetings share channels).
/// The guild's places the config names: every meeting's channel, role and voice channel, once.
fn places(config: &crate::config::Config, discord: &crate::config::DiscordConfig) -> Places {
    let mut places = Places {
        guild: discord.guild_id.0,
        text_channels: Vec::new(),
        facilitator_roles: Vec::new(),
        voice_channels: Vec::new(),
    };
    for meeting in &config.meetings {
        push_once(&mut places.text_channels, meeting.channel(config));
        push_once(
            &mut places.facilitator_roles,
            meeting.facilitator_role(config),
        );
        push_once(&mut places.voice_channels, meeting.voice_channel(config));
    }
    places
}

/// What the Google check found, as one line.
fn google_line(
    say: &mut impl FnMut(Say<'_>, bool),
    calendar: &str,
    checked: Result<(), GoogleProblem>,
) {
    match checked {
        Ok(()) => say(Say::GoogleReady { calendar }, false),
        Err(GoogleProblem::Unreadable(error)) => say(
            Say::GoogleUnreachable {
                calendar,
                error: &error,
            },
            true,
        ),
        Err(GoogleProblem::ReadOnly(error)) => say(
            Say::GoogleReadOnly {
                calendar,
                error: &error,
            },
            true,
        ),
    }
}

fn push_once(list: &mut Vec<u64>, id: Option<crate::config::Snowflake>) {
    if let Some(id) = id
        && !list.contains(&id.0)
    {
        list.push(id.0);
    }
}

enum GoogleProblem {
    Unreadable(String),
    ReadOnly(String),
}

/// The credentials parse, a token is obtained (as `impersonate` when set, which is
/// what inviting attendees needs), the calendar's events can be read, and an event
/// can be written: deleting one that does not exist answers 404 (success) to a
/// writer and 403 to a reader, so the probe changes nothing.
async fn check_google(
    env: &Env,
    google: &crate::config::GoogleConfig,
) -> Result<(), GoogleProblem> {
    use crate::calendar::google::CalendarApi;
    let api = crate::calendar::connect::connect(google, &env.config.daemon.state_dir)
        .await
        .map_err(|e| GoogleProblem::Unreadable(e.to_string()))?;
    let meeting = env.config.meetings.first().map_or("", |m| m.id.as_str());
    api.list_managed(meeting, env.clock.now())
        .await
        .map_err(|e| GoogleProblem::Unreadable(e.to_string()))?;
    api.cancel(WRITE_PROBE_EVENT)
        .await
        .map_err(|e| GoogleProblem::ReadOnly(e.to_string()))
}

/// An event id in Google's alphabet (a–v, 0–9) that no sync ever creates.
const WRITE_PROBE_EVENT: &str = "doctorprobe0";
