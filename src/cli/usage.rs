//! clap's usage errors in the config's language.
//!
//! clap finds the mistake (an unknown option, a missing argument, a value
//! that does not parse) and knows the usage line; its own wording is English,
//! so the error is rebuilt from its kind and context through the catalogue.
//! The language is the one the config names: it is read before the command
//! line is parsed, from `--config`, `WEEKLY_POSTMORTEM_CONFIG` or the default
//! path, and is Japanese when that file cannot be read. `--help` stays
//! clap's English (see docs/commands.md).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::config;
use crate::domain::language::Language;
use crate::messages::Message;
use crate::messages::cli::Cli as Say;
use crate::messages::config::{Explanation, is_chrono_date_error};
use crate::messages::usage::Usage;

/// The language of errors found before the config is read: the config's own
/// `daemon.language` when the file named on the command line (or by the
/// environment, or the default path) can be read, else Japanese.
pub(super) fn language_before_parsing(args: &[OsString]) -> Language {
    let mut path = None;
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else { continue };
        if text == "--" {
            break;
        }
        if text == "--config" {
            path = args.next().map(PathBuf::from);
        } else if let Some(value) = text.strip_prefix("--config=") {
            path = Some(PathBuf::from(value));
        }
    }
    let path = path
        .or_else(|| std::env::var_os(config::PATH_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_PATH));
    // A config is a few KiB; a path that names something else is not read whole.
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() && m.len() <= 1024 * 1024 => std::fs::read_to_string(&path)
            .map(|text| config::language_written_in(&text))
            .unwrap_or_default(),
        _ => Language::default(),
    }
}

/// The error clap found, as the lines to print on stderr.
pub(super) fn render(err: &clap::Error, language: Language) -> String {
    let context = |kind: ContextKind| err.get(kind).map(plain);
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let suggestion =
        context(ContextKind::SuggestedArg).or_else(|| context(ContextKind::SuggestedSubcommand));
    let reason = std::error::Error::source(err).map(|e| reason(&e.to_string(), language));
    let message = match err.kind() {
        ErrorKind::UnknownArgument => Usage::UnknownArgument {
            arg: &arg,
            suggestion: suggestion.as_deref(),
        }
        .say(language),
        ErrorKind::InvalidSubcommand => Usage::UnknownCommand {
            name: &context(ContextKind::InvalidSubcommand).unwrap_or_default(),
            suggestion: suggestion.as_deref(),
        }
        .say(language),
        ErrorKind::InvalidValue if value.is_empty() => {
            Usage::ValueRequired { arg: &arg }.say(language)
        }
        ErrorKind::InvalidValue if err.get(ContextKind::ValidValue).is_some() => {
            let allowed = match err.get(ContextKind::ValidValue) {
                Some(ContextValue::Strings(values)) => values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                Some(other) => format!("`{}`", plain(other)),
                None => String::new(),
            };
            Usage::NotAllowedValue {
                arg: &arg,
                value: &value,
                allowed: &allowed,
            }
            .say(language)
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => Usage::BadValue {
            arg: &arg,
            value: &value,
            reason: reason.flatten().as_deref(),
        }
        .say(language),
        ErrorKind::MissingRequiredArgument => Usage::MissingArgument { args: &arg }.say(language),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            Usage::MissingCommand.say(language)
        }
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            Usage::WrongNumberOfValues { arg: &arg }.say(language)
        }
        ErrorKind::ArgumentConflict => Usage::Conflict {
            arg: &arg,
            other: &context(ContextKind::PriorArg).unwrap_or_default(),
        }
        .say(language),
        ErrorKind::NoEquals => Usage::NoEquals { arg: &arg }.say(language),
        ErrorKind::InvalidUtf8 => Usage::NotUtf8.say(language),
        _ => Usage::Unreadable.say(language),
    };
    let mut lines = Say::ErrorLine { text: &message }.say(language);
    if let Some(usage) = context(ContextKind::Usage) {
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        lines += "\n\n";
        lines += &Usage::Synopsis { usage }.say(language);
    }
    lines += "\n\n";
    lines += &Usage::MoreWithHelp.say(language);
    lines
}

/// A context value as plain text (clap's styled strings carry no colour here:
/// errors are rendered without it).
fn plain(value: &ContextValue) -> String {
    match value {
        ContextValue::Strings(values) => values.join(", "),
        other => other.to_string(),
    }
}

/// Why a value parser refused a value: our own explanations, chrono's date
/// errors and clap's ranges are said in the language; others only in English.
fn reason(text: &str, language: Language) -> Option<String> {
    if let Some(ours) = Explanation::carried(text) {
        return Some(ours.say(language).to_string());
    }
    if is_chrono_date_error(text) {
        return Some(Usage::NotADate.say(language));
    }
    if let Some((_, range)) = text.split_once(" is not in ") {
        return Some(Usage::OutOfRange { range }.say(language));
    }
    match language {
        Language::En => Some(text.to_string()),
        Language::Ja => None,
    }
}
