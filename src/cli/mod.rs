//! The command line: arguments, exit codes (0 ok, 2 bad usage or config, 1 other failures).

mod check_config;
mod plan;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::clock::{self, Clock};
use crate::config::{self, Config, ConfigError};

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
    /// Validate the configuration file and print a short summary.
    CheckConfig,
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

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap prints help and version to stdout (exit 0), usage errors to stderr (exit 2).
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", error_chain(&err));
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

fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::load(&cli.config)?;
    let clock = clock::from_env().map_err(CliError::Usage)?;
    let env = Env { config, clock };
    let stdout = &mut std::io::stdout().lock();
    match cli.command {
        Command::Plan(args) => plan::run(&env, &args, stdout),
        Command::CheckConfig => check_config::run(&env, stdout),
    }
}
