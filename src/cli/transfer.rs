//! `import` and `export`: the whole log in the interchange format, and past
//! sessions from a spreadsheet.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::log_access::LogAccess;
use super::{CliError, Env};
use crate::interchange::Document;
use crate::messages::cli::Cli as Say;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of stdout (replaced atomically).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A `weekly-postmortem/v1` JSON file or a CSV (`date,title,presenter,kind,notes`); `-` reads stdin.
    file: PathBuf,
    /// Default: csv for a `.csv` file, else json.
    #[arg(long, value_enum)]
    format: Option<ImportFormat>,
    /// Meeting the CSV rows belong to (default: the only meeting).
    #[arg(long, value_name = "ID")]
    meeting: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
enum ImportFormat {
    Json,
    Csv,
}

pub fn export(env: &Env, args: &ExportArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let document = LogAccess::for_reading(env)?.export()?;
    let text = serde_json::to_string_pretty(&document).context("encoding the export")? + "\n";
    match &args.output {
        Some(path) => write_atomically(path, text.as_bytes())?,
        None => out
            .write_all(text.as_bytes())
            .context("writing to stdout")?,
    }
    Ok(())
}

pub fn import(env: &Env, args: &ImportArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let text = read_input(env, &args.file)?;
    let known = env.config.meeting_ids();
    let format = args.format.unwrap_or(
        if args
            .file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            ImportFormat::Csv
        } else {
            ImportFormat::Json
        },
    );
    let name = args.file.display().to_string();
    let document = match format {
        ImportFormat::Json => Document::from_json(&text, &known),
        ImportFormat::Csv => {
            let meeting = match &args.meeting {
                Some(id) => env.require_meeting(id)?.id.as_str(),
                None => env.only_meeting()?.id.as_str(),
            };
            Document::from_csv(&text, meeting, &known)
        }
    }
    .map_err(|e| {
        env.usage(Say::NothingImported {
            file: &name,
            error: &e.say(env.language()),
        })
    })?;
    let summary = LogAccess::for_writing(env)?.import(&document)?;
    writeln!(
        out,
        "{}",
        env.say(Say::Imported {
            file: &name,
            added: summary.added,
            updated: summary.updated,
            unchanged: summary.unchanged,
        })
    )
    .context("writing to stdout")?;
    Ok(())
}

fn read_input(env: &Env, path: &Path) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading stdin")?;
    } else {
        bytes = std::fs::read(path).map_err(|e| {
            env.usage(Say::CannotRead {
                file: &path.display().to_string(),
                error: &env.say(Say::Io {
                    kind: e.kind(),
                    text: &e.to_string(),
                }),
            })
        })?;
    }
    String::from_utf8(bytes).map_err(|e| {
        env.usage(Say::NotUtf8 {
            file: &path.display().to_string(),
            byte: e.utf8_error().valid_up_to(),
        })
    })
}

/// Replaces `path` atomically, saying which file could not be written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    crate::atomic_file::write_atomically(path, bytes)
        .with_context(|| format!("writing {}", path.display()))
        .map_err(CliError::Failure)
}
