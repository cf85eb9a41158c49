//! The command line: arguments, exit codes (0 ok, 2 bad usage or config, 1 other failures).

mod calendar_url;
mod check_config;
mod discord_invite_url;
mod doctor;
mod history;
mod log_access;
mod plan;
mod printable;
mod run;
mod stats;
mod suggest_slot;
mod sync;
mod transfer;
mod usage;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::clock::{self, Clock};
use crate::config::{self, Config, ConfigError, Meeting};
use crate::domain::language::Language;
use crate::messages::Message;
use crate::messages::cli::Cli as Say;
use crate::store::StoreError;

#[derive(Debug, Parser)]
#[command(
    name = "weekly-postmortem",
    version,
    about = "Keeps a weekly, blameless postmortem meeting alive: schedule, calendar, Discord, session log."
)]
pub struct Cli {
    /// Configuration file (TOML).
    #[arg(long, global = true, env = config::PATH_ENV, default_value = config::DEFAULT_PATH)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show which weeks are held (with session numbers) and which are skipped, and why.
    Plan(plan::PlanArgs),
    /// Run the daemon: calendar sync, Discord bot, reminders and the local HTTP endpoint.
    Run,
    /// Validate the configuration file and print a short summary.
    CheckConfig,
    /// Search sessions, agenda items, postmortems and learnings, newest first.
    History(history::HistoryArgs),
    /// Held and skipped weeks per year, agenda items by kind and top tags; `--png FILE` draws a chart.
    Stats(stats::StatsArgs),
    /// Bring in a weekly-postmortem/v1 JSON export or a CSV of past sessions (all or nothing).
    Import(transfer::ImportArgs),
    /// Write the whole session log as weekly-postmortem/v1 JSON.
    Export(transfer::ExportArgs),
    /// Reconcile Google Calendar with the schedule once (`--once`), or show what it would do (`--dry-run`).
    Sync(sync::SyncArgs),
    /// Rank weekly slots by how many attendees are free in Google Calendar over the coming weeks, holidays excluded.
    SuggestSlot(suggest_slot::SuggestSlotArgs),
    /// Print the calendar feed's secret address (created on first use); `--rotate` replaces it.
    CalendarUrl(calendar_url::CalendarUrlArgs),
    /// Print the address that adds the bot to a Discord server, with exactly the permissions it uses.
    DiscordInviteUrl,
    /// Check every configured integration live and say what to fix (exit 1 when something needs fixing).
    Doctor,
    /// One-time authorization of an account.
    Auth {
        #[command(subcommand)]
        target: sync::AuthTarget,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Why a command failed, which decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Failure(#[from] anyhow::Error),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Config(_) => 2,
            CliError::Failure(_) => 1,
        }
    }
}

/// Everything a command needs from the outside world, read once at the edge.
pub struct Env {
    pub config: Config,
    pub clock: Box<dyn Clock>,
}

impl Env {
    /// The language of the command line's output: `daemon.language`.
    pub(crate) fn language(&self) -> Language {
        self.config.daemon.language
    }

    /// A message in the configured language.
    pub(crate) fn say(&self, message: Say<'_>) -> String {
        message.say(self.language())
    }

    /// A usage error (exit 2) in the configured language.
    pub(crate) fn usage(&self, message: Say<'_>) -> CliError {
        CliError::Usage(self.say(message))
    }

    /// A failure (exit 1) in the configured language.
    pub(crate) fn failure(&self, message: Say<'_>) -> CliError {
        CliError::Failure(anyhow::anyhow!(self.say(message)))
    }

    /// A date given on the command line (`--from`, `--since`, …) if it lies
    /// within ten years of today; else a usage error (exit 2) in the
    /// configured language, naming the flag.
    pub fn typed_date(
        &self,
        flag: &str,
        date: Option<chrono::NaiveDate>,
    ) -> Result<Option<chrono::NaiveDate>, CliError> {
        let today = self.clock.now().date_naive();
        date.map(|date| {
            crate::domain::date_bounds::check_user_date(date, today).map_err(|refused| {
                self.usage(Say::FlagDate {
                    flag,
                    date: &date.to_string(),
                    reason: &refused.message(self.language()),
                })
            })
        })
        .transpose()
    }

    pub fn require_meeting(&self, id: &str) -> Result<&Meeting, CliError> {
        self.config.meeting(id).ok_or_else(|| {
            self.usage(Say::NoMeetingWithId {
                id,
                configured: &self.config.meeting_ids().join(", "),
            })
        })
    }

    /// The meeting a command means when only one is configured.
    pub fn only_meeting(&self) -> Result<&Meeting, CliError> {
        match self.config.meetings.as_slice() {
            [only] => Ok(only),
            _ => Err(self.usage(Say::SeveralMeetings {
                configured: &self.config.meeting_ids().join(", "),
            })),
        }
    }
}

/// A store problem is an operational failure (exit 1), except a bad record a person sent.
fn store_failure(err: StoreError) -> CliError {
    match err {
        StoreError::Invalid(invalid) => CliError::Usage(invalid.to_string()),
        other => CliError::Failure(other.into()),
    }
}

pub fn main() -> ExitCode {
    // reqwest is built without a crypto provider of its own (no OpenSSL, no aws-lc):
    // every TLS client in this process uses ring, which Google's client brings anyway.
    let _ = rustls::crypto::ring::default_provider().install_default();
    crate::atomic_file::create_private_from_now_on();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // Help and version go to stdout as clap writes them (exit 0).
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        // Usage errors in the config's language on stderr (exit 2).
        Err(err) => {
            let language = usage::language_before_parsing(&args);
            eprintln!("{}", usage::render(&err, language));
            return ExitCode::from(2);
        }
    };
    // Until the config says otherwise, errors are in the default language.
    let mut language = Language::default();
    match run(cli, &mut language) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let text = error_chain(&err);
            let line = Say::ErrorLine { text: &text }.say(language);
            eprintln!("{}", printable::printable(&line));
            ExitCode::from(err.exit_code())
        }
    }
}

fn error_chain(err: &CliError) -> String {
    match err {
        CliError::Failure(inner) => format!("{inner:#}"),
        other => other.to_string(),
    }
}

fn run(cli: Cli, language: &mut Language) -> Result<(), CliError> {
    let config = Config::load(&cli.config).inspect_err(|e| *language = e.language())?;
    *language = config.daemon.language;
    let clock = clock::from_env().map_err(CliError::Usage)?;
    let env = Env { config, clock };
    if let Command::Run = cli.command {
        return run::run(env);
    }
    let stdout = &mut printable::Printable::new(std::io::stdout().lock());
    match cli.command {
        Command::Run => unreachable!("handled above"),
        Command::Plan(args) => plan::run(&env, &args, stdout),
        Command::CheckConfig => check_config::run(&env, stdout),
        Command::History(args) => history::run(&env, &args, stdout),
        Command::Stats(args) => stats::run(&env, &args, stdout),
        Command::Import(args) => transfer::import(&env, &args, stdout),
        Command::Export(args) => transfer::export(&env, &args, stdout),
        Command::Sync(args) => sync::sync(&env, &args, stdout),
        Command::SuggestSlot(args) => suggest_slot::run(&env, &args, stdout),
        Command::CalendarUrl(args) => calendar_url::run(&env, &args, stdout),
        Command::DiscordInviteUrl => discord_invite_url::run(&env, stdout),
        Command::Doctor => doctor::run(&env, stdout),
        Command::Auth { target } => sync::auth(&env, &target, stdout),
    }
}
