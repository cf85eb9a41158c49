//! Why a v1 JSON or CSV file cannot be imported, and where in it.

use super::{Message, catalogue};

catalogue! {
    pub(crate) enum ImportText<'a> {
        Line { line: u64 },
        LineColumn { line: u64, column: u64 },
        Document,
        /// A record of the document built from a CSV row.
        FromCsv { row: &'a str },
        NotAnObject,
        NotJson { detail: &'a str },
        UnknownFormat { got: &'a str, expected: &'a str },
        NoFormat { expected: &'a str },
        UnknownTopField { expected: &'a str },
        BadRosters { detail: &'a str },
        RepeatsSession { first: usize },
        SameId { first: &'a str, at: &'a str, id: &'a str },
        SameRecord { first: &'a str, at: &'a str, id: &'a str },
        SecondPerson,
        CsvHeaderUnreadable { detail: &'a str },
        CsvHeader { expected: &'a str },
        CsvUnreadable { detail: &'a str },
        NotADate { got: &'a str },
        NotAKind { got: &'a str },
        RepeatsLine { first: u64 },
        NotAnArray,
        /// A record serde could not read, in its own words.
        Unreadable { detail: &'a str },
        /// A field that broke a rule: `field: problem`.
        Field { field: &'a str, problem: &'a str },
    }
}

impl Message for ImportText<'_> {
    fn ja(&self) -> String {
        use ImportText::*;
        match *self {
            Line { line } => format!("{line} 行目"),
            LineColumn { line, column } => format!("{line} 行目 {column} 文字目"),
            Document => "文書全体".into(),
            FromCsv { row } => format!("{row}（CSV から）"),
            NotAnObject => "`format` を持つ JSON オブジェクトではありません".into(),
            NotJson { detail } => format!(
                "JSON として読めません（パーサーの原文: `{}`）",
                quoted(detail)
            ),
            UnknownFormat { got, expected } => {
                format!("`{got}` はこの版では読めない形式です。`{expected}` にしてください")
            }
            NoFormat { expected } => format!("ありません。`{expected}` を指定してください"),
            UnknownTopField { expected } => {
                let expected: Vec<String> = expected
                    .split(", ")
                    .map(|field| format!("`{field}`"))
                    .collect();
                format!(
                    "不明なフィールドです。使えるフィールド: {}",
                    expected.join(", ")
                )
            }
            BadRosters { detail } => format!(
                "`{{\"meeting\": [\"name\", …]}}` の形にしてください（パーサーの原文: `{}`）",
                quoted(detail)
            ),
            RepeatsSession { first } => format!("sessions[{first}] と同じセッションです"),
            SameId { first, at, id } => format!(
                "{first} と {at} の id がどちらも `{id}` です。記録ごとに別の id にしてください（`id` を省くと内容から作ります）"
            ),
            SameRecord { first, at, id } => format!(
                "{first} と {at} は同じ記録です（会議・日付・本文が同じで、どちらも id `{id}` になります）。片方を削除してください"
            ),
            SecondPerson => "同じ人が2回あります。1つにしてください".into(),
            CsvHeaderUnreadable { detail } => {
                format!("見出し行を読み取れません（原文: `{}`）", quoted(detail))
            }
            CsvHeader { expected } => format!("見出し行は `{expected}` にしてください"),
            CsvUnreadable { detail } => {
                format!("CSV として読めません（原文: `{}`）", quoted(detail))
            }
            NotADate { got } => {
                format!("日付 `{got}` は YYYY-MM-DD の日付ではありません")
            }
            NotAKind { got } => format!(
                "種類 `{got}` は `incident`・`dashboard`・`topic`・`other` のどれでもありません"
            ),
            RepeatsLine { first } => {
                format!("{first} 行目と同じです（日付と題名が同じ）。片方を削除してください")
            }
            NotAnArray => "配列（[...]）にしてください".into(),
            Unreadable { detail } => format!("読み取れません（原文: `{}`）", quoted(detail)),
            Field { field, problem } => format!("`{field}`: {problem}"),
        }
    }

    fn en(&self) -> String {
        use ImportText::*;
        match *self {
            Line { line } => format!("line {line}"),
            LineColumn { line, column } => format!("line {line}, column {column}"),
            Document => "document".into(),
            FromCsv { row } => format!("{row} (from the CSV)"),
            NotAnObject => "expected a JSON object with a \"format\" field".into(),
            NotJson { detail } => format!("not valid JSON: {detail}"),
            UnknownFormat { got, expected } => {
                format!("\"{got}\" is not a format this version reads; expected {expected:?}")
            }
            NoFormat { expected } => format!("missing; expected {expected:?}"),
            UnknownTopField { expected } => format!("unknown field; expected {expected}"),
            BadRosters { detail } => format!("expected {{\"meeting\": [\"name\", …]}}: {detail}"),
            RepeatsSession { first } => format!("repeats the session at sessions[{first}]"),
            SameId { first, at, id } => format!(
                "{first} and {at} both have id \"{id}\"; give each record its own id \
                 (or leave `id` out to derive one from the content)"
            ),
            SameRecord { first, at, id } => format!(
                "{first} and {at} are the same record (same meeting, date and text, \
                 so both get id \"{id}\"); remove one"
            ),
            SecondPerson => "a second entry for this person; keep one".into(),
            CsvHeaderUnreadable { detail } => format!("cannot read the header: {detail}"),
            CsvHeader { expected } => format!("expected the header `{expected}`"),
            CsvUnreadable { detail } => detail.to_string(),
            NotADate { got } => format!("date \"{got}\" is not a date as YYYY-MM-DD"),
            NotAKind { got } => {
                format!("kind \"{got}\" is not one of incident, dashboard, topic, other")
            }
            RepeatsLine { first } => {
                format!("repeats line {first} (same date and title); remove one of them")
            }
            NotAnArray => "expected an array".into(),
            Unreadable { detail } => detail.to_string(),
            Field { field, problem } => format!("{field}: {problem}"),
        }
    }
}

/// A parser's own words inside a `code` span: its backticks would end it.
fn quoted(detail: &str) -> String {
    detail.replace('`', "'")
}

impl From<ImportText<'_>> for super::config::Explanation {
    fn from(text: ImportText<'_>) -> Self {
        super::config::Explanation {
            ja: text.ja(),
            en: text.en(),
        }
    }
}

#[cfg(test)]
impl ImportText<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use ImportText::*;
        vec![
            Line { line: 3 },
            LineColumn { line: 3, column: 7 },
            Document,
            FromCsv {
                row: "sessions[0] (weekly 2026-11-18)",
            },
            NotAnObject,
            NotJson {
                detail: "EOF while parsing a value at line 1 column 0",
            },
            UnknownFormat {
                got: "v2",
                expected: "weekly-postmortem/v1",
            },
            NoFormat {
                expected: "weekly-postmortem/v1",
            },
            UnknownTopField {
                expected: "format, sessions",
            },
            BadRosters {
                detail: "invalid type: integer `1`, expected a sequence",
            },
            RepeatsSession { first: 0 },
            SameId {
                first: "postmortems[0]",
                at: "postmortems[1]",
                id: "p1",
            },
            SameRecord {
                first: "learnings[0]",
                at: "learnings[1]",
                id: "l1",
            },
            SecondPerson,
            CsvHeaderUnreadable {
                detail: "invalid UTF-8",
            },
            CsvHeader {
                expected: "date,title,presenter,kind,notes",
            },
            CsvUnreadable {
                detail: "found record with 2 fields",
            },
            NotADate { got: "12/14" },
            NotAKind { got: "meeting" },
            RepeatsLine { first: 2 },
            NotAnArray,
            Unreadable {
                detail: "missing field `date`",
            },
            Field {
                field: "title",
                problem: "空です",
            },
        ]
    }
}
