//! Fuzzed import documents: v1 JSON and CSV, generated and mutated, parsed in process and
//! imported through the binary (a failed import changes nothing).

use super::*;

// ---------------------------------------------------------------------------------------
// Structured v1 JSON documents and CSV files
// ---------------------------------------------------------------------------------------

pub(super) const JSON_NASTY: &[&str] = &[
    "null",
    "\"\"",
    "-1",
    "0",
    "1e308",
    "4294967296",
    "18446744073709551616",
    "true",
    "[]",
    "{}",
    "[[[[]]]]",
    "\"\\u0000\"",
    "\"a\\u0007b\"",
    "\"\\u001b[31m\"",
    "\"\\ud800\"",
    "\"\\u202e\"",
    "\"9999-12-31\"",
    "\"0000-00-00\"",
    "\"+262142-12-01\"",
    "\"2024-02-30\"",
    "\"unknown-meeting\"",
    "\"line\\nbreak\"",
    "\"weekly\"",
];

pub(super) const SESSION_KEYS: Keys = &[
    ("\"meeting\"", &["\"weekly\""]),
    (
        "\"date\"",
        &[
            "\"2024-05-15\"",
            "\"2024-05-22\"",
            "\"1970-01-07\"",
            "\"2100-12-29\"",
        ],
    ),
    ("\"status\"", &["\"held\"", "\"skipped\""]),
    (
        "\"reason\"",
        &["\"holiday\"", "\"skip_date\"", "\"cancelled\"", "null"],
    ),
    ("\"number\"", &["210", "1", "null", "4294967295"]),
    ("\"facilitator\"", &["\"sato\"", "null", "\"田中\""]),
    ("\"notes\"", &["\"メモ\"", "null"]),
    (
        "\"attendance\"",
        &[
            "{\"going\": 7, \"maybe\": 2, \"not_going\": 1, \"present\": 12}",
            "{}",
            "{\"present\": null}",
        ],
    ),
    (
        "\"rsvps\"",
        &[
            "{\"111\": \"going\", \"222\": \"maybe\"}",
            "{}",
            "{\"\": \"not_going\"}",
        ],
    ),
    (
        "\"proposal\"",
        &[
            "{\"format\": \"open_talk\", \"title\": \"t\"}",
            "{\"format\": \"reading_club\", \"title\": \"r\", \"detail\": \"d\", \"link\": null, \"postmortem_id\": \"pm\"}",
            "null",
        ],
    ),
];

pub(super) const AGENDA_KEYS: Keys = &[
    ("\"id\"", &["\"a1\"", "\"a2\"", "\"\""]),
    (
        "\"title\"",
        &["\"DB フェイルオーバー\"", "\"Grafana\"", "\"ｄｂ ＤＢ\""],
    ),
    (
        "\"kind\"",
        &["\"incident\"", "\"dashboard\"", "\"topic\"", "\"other\""],
    ),
    ("\"presenter\"", &["\"tanaka\"", "null"]),
    ("\"link\"", &["\"https://example.com/x\"", "null"]),
    ("\"notes\"", &["\"n\""]),
    ("\"added_by\"", &["\"123\""]),
    (
        "\"added_at\"",
        &["\"2024-05-14T10:00:00Z\"", "\"9999-12-31T23:59:59Z\""],
    ),
    ("\"team\"", &["\"Network\""]),
    ("\"done\"", &["true", "false"]),
    ("\"carried_from\"", &["\"2024-05-08\"", "null"]),
    ("\"carried_to\"", &["\"2024-05-22\"", "null"]),
];

pub(super) const POSTMORTEM_KEYS: Keys = &[
    ("\"id\"", &["\"pm-1\"", "\"pm-2\""]),
    ("\"meeting\"", &["\"weekly\""]),
    ("\"date\"", &["\"2024-05-15\"", "\"2023-05-17\""]),
    ("\"title\"", &["\"障害\"", "\"outage\""]),
    ("\"impact\"", &["\"API 5xx 12 分\""]),
    ("\"actions_taken\"", &["\"切り替え\""]),
    ("\"root_cause\"", &["\"閾値\""]),
    ("\"prevention\"", &["\"アラート\""]),
    ("\"responders\"", &["[\"tanaka\"]", "[]", "[\"\"]"]),
    ("\"links\"", &["[\"https://example.com\"]", "[]"]),
];

pub(super) const LEARNING_KEYS: Keys = &[
    ("\"id\"", &["\"l-1\"", "\"l-2\""]),
    ("\"meeting\"", &["\"weekly\""]),
    ("\"date\"", &["\"2024-05-15\"", "\"2024-05-22\""]),
    ("\"text\"", &["\"デッドロックは再現ログから\"", "\"x\""]),
    ("\"tags\"", &["[\"db\"]", "[]", "[\"監視\", \"db\"]"]),
    ("\"author\"", &["\"tanaka\"", "null"]),
];

pub(super) fn object(fields: Vec<String>) -> String {
    format!("{{{}}}", fields.join(", "))
}

pub(super) fn json_document() -> impl Strategy<Value = String> {
    let record = |keys| {
        table(keys, JSON_NASTY).prop_map(|fields| {
            object(
                fields
                    .into_iter()
                    .map(|f| f.replacen(" = ", ": ", 1))
                    .collect(),
            )
        })
    };
    let session = (
        table(SESSION_KEYS, JSON_NASTY),
        proptest::option::weighted(0.7, vec(record(AGENDA_KEYS), 0..3)),
    )
        .prop_map(|(fields, agenda)| {
            let mut fields: Vec<String> = fields
                .into_iter()
                .map(|f| f.replacen(" = ", ": ", 1))
                .collect();
            if let Some(items) = agenda {
                fields.push(format!("\"agenda\": [{}]", items.join(", ")));
            }
            object(fields)
        });
    (
        select(
            &[
                "\"weekly-postmortem/v1\"",
                "\"weekly-postmortem/v1\"",
                "\"weekly-postmortem/v2\"",
                "null",
            ][..],
        ),
        vec(session, 0..4),
        vec(record(POSTMORTEM_KEYS), 0..3),
        vec(record(LEARNING_KEYS), 0..3),
        proptest::option::weighted(
            0.2,
            select(
                &[
                    "{\"weekly\": [\"sato\", \"tanaka\"]}",
                    "{\"nope\": []}",
                    "{\"weekly\": [\"\"]}",
                    "[]",
                ][..],
            ),
        ),
        proptest::option::weighted(0.05, select(&["\"extra\": 1", "\"sessions\": []"][..])),
    )
        .prop_map(
            |(format, sessions, postmortems, learnings, rosters, extra)| {
                let mut fields = vec![format!("\"format\": {format}")];
                fields.push(format!("\"sessions\": [{}]", sessions.join(", ")));
                fields.push(format!("\"postmortems\": [{}]", postmortems.join(", ")));
                fields.push(format!("\"learnings\": [{}]", learnings.join(", ")));
                if let Some(rosters) = rosters {
                    fields.push(format!("\"rosters\": {rosters}"));
                }
                if let Some(extra) = extra {
                    fields.push(extra.to_string());
                }
                object(fields)
            },
        )
}

pub(super) const CSV_FIELDS: [&[&str]; 5] = [
    &[
        "2024-05-15",
        "2024-05-22",
        "1970-01-07",
        "9999-12-31",
        "2024-02-30",
        "15/05/2024",
        "",
    ],
    &[
        "DB フェイルオーバー",
        "Grafana",
        "",
        "a\u{7}b",
        "\"quoted, comma\"",
        "long",
    ],
    &["tanaka", "", "田中", "\u{0}"],
    &[
        "incident",
        "dashboard",
        "topic",
        "other",
        "",
        "Incident",
        "kind?",
    ],
    &[
        "",
        "notes",
        "\"multi\nline\"",
        "\u{1b}[31m",
        "=cmd|' /C calc'!A0",
    ],
];

pub(super) fn csv_text() -> impl Strategy<Value = String> {
    let row = (vec(any::<usize>(), 5), 0u8..10).prop_map(|(picks, shape)| {
        let mut fields: Vec<String> = CSV_FIELDS
            .iter()
            .zip(picks)
            .map(|(options, pick)| match options[pick % options.len()] {
                "long" => "長".repeat(4_001),
                other => other.to_string(),
            })
            .collect();
        match shape {
            0 => {
                fields.pop();
            }
            1 => fields.push("extra".into()),
            _ => {}
        }
        fields.join(",")
    });
    (
        select(
            &[
                "date,title,presenter,kind,notes",
                "date,title,presenter,kind,notes",
                "date,title,presenter,kind",
                "title,date,presenter,kind,notes",
                "",
            ][..],
        ),
        vec(row, 0..6),
        select(&["\n", "\r\n", "\r"][..]),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(header, rows, newline, bom)| {
            let mut text = if bom {
                "\u{feff}".to_string()
            } else {
                String::new()
            };
            text += header;
            for row in rows {
                text += newline;
                text += &row;
            }
            text + newline
        })
}

#[test]
fn fuzz_json_import_parsing_never_panics_or_hangs() {
    let seeds = seeds("import-json");
    fuzz(
        "import-json",
        cases(300),
        256,
        prop_oneof![mutated(seeds.clone()), roughened(json_document(), seeds)],
        |input| within_a_second("import-json", &input, parse_json),
    );
}

#[test]
fn fuzz_csv_import_parsing_never_panics_or_hangs() {
    let seeds = seeds("import-csv");
    fuzz(
        "import-csv",
        cases(300),
        256,
        prop_oneof![mutated(seeds.clone()), roughened(csv_text(), seeds)],
        |input| within_a_second("import-csv", &input, parse_csv),
    );
}

/// JSON and CSV documents, mutated and generated, as files the import reads.
pub(super) fn import_input() -> impl Strategy<Value = (Input, &'static str)> {
    // The checked-in seeds only: the generated big ones are the in-process targets' (a
    // debug binary stores 3,000 records in seconds, and every later export reads them).
    let json = Arc::new(corpus("import-json"));
    let csv = Arc::new(corpus("import-csv"));
    prop_oneof![
        mutated(json.clone()).prop_map(|i| (i, "json")),
        roughened(json_document(), json).prop_map(|i| (i, "json")),
        mutated(csv.clone()).prop_map(|i| (i, "csv")),
        roughened(csv_text(), csv).prop_map(|i| (i, "csv")),
    ]
}

#[test]
fn fuzz_import_exits_0_1_or_2_and_a_failed_import_changes_nothing() {
    let app = spawn_app();
    let export = |app: &TestApp| -> Result<Vec<u8>, String> {
        let run = run_binary(app, &["export"])?;
        if run.code != 0 {
            return Err(format!("export exited {}: {}", run.code, run.stderr));
        }
        Ok(run.stdout)
    };
    // One state directory for all cases: what earlier imports stored is what later ones
    // meet (duplicates, updates), and the export before each import is the reference.
    let reference = std::cell::RefCell::new(export(&app).expect("export of the empty log"));
    let slowest = std::cell::Cell::new(Duration::ZERO);
    fuzz(
        "import",
        cases(40),
        16,
        import_input(),
        |(input, extension)| {
            let file = app.dir.path().join(format!("input.{extension}"));
            std::fs::write(&file, &input.0).unwrap();
            let run = run_binary(&app, &["import", file.to_str().unwrap()])
                .map_err(|why| fail("import", &input.0, why))?;
            slowest.set(slowest.get().max(run.elapsed));
            let after = export(&app).map_err(|why| fail("import", &input.0, why))?;
            if run.code == 0 {
                reference.replace(after);
            } else if after != *reference.borrow() {
                return Err(fail(
                    "import",
                    &input.0,
                    format!(
                        "import exited {} ({}) but the export changed",
                        run.code,
                        run.stderr.trim()
                    ),
                ));
            }
            Ok(())
        },
    );
    eprintln!("import: slowest run {:?}", slowest.get());
}
