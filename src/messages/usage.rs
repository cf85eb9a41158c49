//! The command line's usage errors (an unknown option, a missing argument, a
//! value that does not parse): clap finds them, these texts say them.

use super::{Message, catalogue};

catalogue! {
    pub(crate) enum Usage<'a> {
        UnknownArgument { arg: &'a str, suggestion: Option<&'a str> },
        UnknownCommand { name: &'a str, suggestion: Option<&'a str> },
        NotAllowedValue { arg: &'a str, value: &'a str, allowed: &'a str },
        BadValue { arg: &'a str, value: &'a str, reason: Option<&'a str> },
        ValueRequired { arg: &'a str },
        MissingArgument { args: &'a str },
        MissingCommand,
        WrongNumberOfValues { arg: &'a str },
        Conflict { arg: &'a str, other: &'a str },
        NoEquals { arg: &'a str },
        NotUtf8,
        Unreadable,
        /// Why a value was refused: a date.
        NotADate,
        /// Why a value was refused: a number out of its range.
        OutOfRange { range: &'a str },
        Synopsis { usage: &'a str },
        MoreWithHelp,
    }
}

impl Message for Usage<'_> {
    fn ja(&self) -> String {
        use Usage::*;
        match *self {
            UnknownArgument { arg, suggestion } => match suggestion {
                Some(s) => format!("`{arg}` というオプションはありません（`{s}` のことですか？）"),
                None => format!("`{arg}` というオプションはありません"),
            },
            UnknownCommand { name, suggestion } => match suggestion {
                Some(s) => format!("`{name}` というコマンドはありません（`{s}` のことですか？）"),
                None => format!("`{name}` というコマンドはありません"),
            },
            NotAllowedValue {
                arg,
                value,
                allowed,
            } => {
                format!("`{arg}` に `{value}` は指定できません。指定できる値: {allowed}")
            }
            BadValue { arg, value, reason } => match reason {
                Some(reason) => format!("`{arg}` の値 `{value}` を読み取れません: {reason}"),
                None => format!("`{arg}` の値 `{value}` を読み取れません"),
            },
            ValueRequired { arg } => format!("`{arg}` には値が必要です"),
            MissingArgument { args } => format!("次の引数が必要です: {args}"),
            MissingCommand => "コマンドを指定してください".into(),
            WrongNumberOfValues { arg } => format!("`{arg}` の値の数が正しくありません"),
            Conflict { arg, other } => format!("`{arg}` と `{other}` は同時に指定できません"),
            NoEquals { arg } => format!("`{arg}` には `=` で値を付けてください"),
            NotUtf8 => "引数が UTF-8 ではありません".into(),
            Unreadable => "コマンドラインを読み取れません".into(),
            NotADate => "日付は YYYY-MM-DD で書いてください".into(),
            OutOfRange { range } => match range.split_once("..=") {
                Some((low, high)) => format!("{low} から {high} までの値を指定してください"),
                None => format!("{range} の範囲で指定してください"),
            },
            Synopsis { usage } => format!("使い方: {usage}"),
            MoreWithHelp => "詳しくは `--help` を付けて実行してください".into(),
        }
    }

    fn en(&self) -> String {
        use Usage::*;
        match *self {
            UnknownArgument { arg, suggestion } => match suggestion {
                Some(s) => format!("unexpected argument '{arg}' found (did you mean '{s}'?)"),
                None => format!("unexpected argument '{arg}' found"),
            },
            UnknownCommand { name, suggestion } => match suggestion {
                Some(s) => format!("unrecognized subcommand '{name}' (did you mean '{s}'?)"),
                None => format!("unrecognized subcommand '{name}'"),
            },
            NotAllowedValue {
                arg,
                value,
                allowed,
            } => {
                format!("invalid value '{value}' for '{arg}'; possible values: {allowed}")
            }
            BadValue { arg, value, reason } => match reason {
                Some(reason) => format!("invalid value '{value}' for '{arg}': {reason}"),
                None => format!("invalid value '{value}' for '{arg}'"),
            },
            ValueRequired { arg } => {
                format!("a value is required for '{arg}' but none was supplied")
            }
            MissingArgument { args } => {
                format!("the following required arguments were not provided: {args}")
            }
            MissingCommand => "a subcommand is required".into(),
            WrongNumberOfValues { arg } => format!("wrong number of values for '{arg}'"),
            Conflict { arg, other } => {
                format!("the argument '{arg}' cannot be used with '{other}'")
            }
            NoEquals { arg } => format!("'{arg}' needs its value after '='"),
            NotUtf8 => "an argument is not UTF-8".into(),
            Unreadable => "cannot read the command line".into(),
            NotADate => "write a date as YYYY-MM-DD".into(),
            OutOfRange { range } => match range.split_once("..=") {
                Some((low, high)) => format!("expected a value from {low} to {high}"),
                None => format!("expected a value in {range}"),
            },
            Synopsis { usage } => format!("Usage: {usage}"),
            MoreWithHelp => "For more information, try '--help'.".into(),
        }
    }
}

#[cfg(test)]
impl Usage<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use Usage::*;
        vec![
            UnknownArgument {
                arg: "--frm",
                suggestion: Some("--from"),
            },
            UnknownCommand {
                name: "plna",
                suggestion: Some("plan"),
            },
            NotAllowedValue {
                arg: "--format <FORMAT>",
                value: "xml",
                allowed: "`text`, `json`",
            },
            BadValue {
                arg: "--from <FROM>",
                value: "2026-13-01",
                reason: Some("日付は YYYY-MM-DD で書いてください"),
            },
            ValueRequired {
                arg: "--png <FILE>",
            },
            MissingArgument { args: "<QUERY>" },
            MissingCommand,
            WrongNumberOfValues { arg: "--attendees" },
            Conflict {
                arg: "--team",
                other: "--attendees",
            },
            NoEquals { arg: "--config" },
            NotUtf8,
            Unreadable,
            NotADate,
            OutOfRange { range: "1..=5218" },
            Synopsis {
                usage: "weekly-postmortem plan [OPTIONS]",
            },
            MoreWithHelp,
        ]
    }
}
