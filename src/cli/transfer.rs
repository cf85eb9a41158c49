//! `import` and `export`: the whole log in the interchange format, and past
//! sessions from a spreadsheet.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::log_access::LogAccess;
use super::{CliError, Env};
use crate::interchange::{Document, MAX_DOCUMENT_BYTES};
use crate::messages::cli::Cli as Say;

#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    /// Write to this file instead of stdout (replaced atomically; a link's target is replaced, a device or FIFO written through).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(super) struct ImportArgs {
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

pub(super) fn export(env: &Env, args: &ExportArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let document = LogAccess::for_reading(env)?.export()?;
    let text = serde_json::to_string_pretty(&document).context("encoding the export")? + "\n";
    match &args.output {
        Some(path) => write_output(env, path, text.as_bytes())?,
        None => out
            .write_all(text.as_bytes())
            .context("writing to stdout")?,
    }
    Ok(())
}

pub(super) fn import(env: &Env, args: &ImportArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let bytes = read_input(env, &args.file)?;
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
    // Checked whatever the format: a `--meeting` that names nothing is a mistake
    // even where the file says which meeting each record belongs to.
    let meeting = match &args.meeting {
        Some(id) => Some(env.require_meeting(id)?.id.as_str()),
        None => None,
    };
    let document = match format {
        ImportFormat::Json => Document::from_json(&utf8_text(env, &name, bytes)?, &known),
        ImportFormat::Csv => {
            let meeting = match meeting {
                Some(id) => id,
                None => env.only_meeting()?.id.as_str(),
            };
            Document::from_csv(&csv_text(env, &name, bytes)?, meeting, &known)
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

/// The file to import, or stdin for `-`: a regular file (a FIFO would block, a
/// device never end) of at most [`MAX_DOCUMENT_BYTES`].
fn read_input(env: &Env, path: &Path) -> Result<Vec<u8>, CliError> {
    use crate::bounded_file::Refusal;
    let file = path.display().to_string();
    let read = if path == Path::new("-") {
        crate::bounded_file::read_capped(std::io::stdin().lock(), MAX_DOCUMENT_BYTES)
    } else {
        crate::bounded_file::read(path, MAX_DOCUMENT_BYTES)
    };
    let bytes = read.map_err(|refusal| match refusal {
        Refusal::NotRegular(_) => env.usage(Say::InputNotAFile { file: &file }),
        Refusal::TooLarge { max, .. } => env.usage(Say::InputTooLarge {
            file: &file,
            mib: max / (1024 * 1024),
        }),
        Refusal::Io(e) => env.usage(Say::CannotRead {
            file: &file,
            error: &env.say(Say::Io {
                kind: e.kind(),
                text: &e.to_string(),
            }),
        }),
    })?;
    Ok(bytes)
}

fn utf8_text(env: &Env, file: &str, bytes: Vec<u8>) -> Result<String, CliError> {
    String::from_utf8(bytes).map_err(|e| {
        env.usage(Say::NotUtf8 {
            file,
            byte: e.utf8_error().valid_up_to(),
        })
    })
}

/// A CSV as Excel saves it in Japan: UTF-8 (with or without a BOM), or Shift_JIS
/// (Windows-31J), which is read as such when it is not UTF-8 and decodes cleanly.
fn csv_text(env: &Env, file: &str, bytes: Vec<u8>) -> Result<String, CliError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let decoded = encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(e.as_bytes());
            match decoded {
                Some(text) => {
                    eprintln!("{}", env.say(Say::ReadAsShiftJis { file }));
                    Ok(text.into_owned())
                }
                None => Err(env.usage(Say::NotUtf8 {
                    file,
                    byte: e.utf8_error().valid_up_to(),
                })),
            }
        }
    }
}

/// Writes a file named on the command line (see [`crate::atomic_file::write_output`]),
/// saying which file could not be written and why.
pub(super) fn write_output(env: &Env, path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use crate::atomic_file::OutputRefusal;
    let file = path.display().to_string();
    match crate::atomic_file::write_output(path, bytes) {
        Ok(()) => Ok(()),
        Err(OutputRefusal::Directory) => Err(env.usage(Say::OutputIsDirectory { file: &file })),
        Err(OutputRefusal::NotAFile) => Err(env.usage(Say::OutputNotAFile { file: &file })),
        Err(OutputRefusal::NoReader) => Err(env.usage(Say::OutputNoReader { file: &file })),
        Err(OutputRefusal::Io(e)) => Err(env.failure(Say::CannotWrite {
            file: &file,
            error: &env.say(Say::Io {
                kind: e.kind(),
                text: &e.to_string(),
            }),
        })),
    }
}
