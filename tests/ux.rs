//! What finance, officers and everyone else meet around the numbers: the
//! spreadsheet outputs read back as a spreadsheet would, contract tests,
//! help, completions and errors that never vanish.

use std::io::Cursor;
use std::path::Path;
use std::process::{Command, Output};

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use tulos::payment::{self, Evaluator, Request};
use tulos::statement::Statement;
use tulos::{contract, records, report};

fn tulos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tulos"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the tulos binary runs")
}

fn career_coaching() -> (contract::Contract, Statement) {
    let dir = Path::new("contracts/career-coaching");
    let c = contract::load(&dir.join("contract.toml")).unwrap_or_else(|d| panic!("{:?}", d.0));
    let ev = Evaluator::new(&c).unwrap_or_else(|d| panic!("{:?}", d.0));
    let path = dir.join("records.jsonl");
    let reader = records::open_for(&path, Some(&c.id)).expect("records open");
    let inputs = payment::fingerprint(&c, &path).expect("records readable");
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let s = payment::calculate(&c, &ev, reader, inputs, Request { as_of, period: None })
        .unwrap_or_else(|e| panic!("{e:?}"));
    (c, s)
}

fn sheet(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> calamine::Range<Data> {
    book.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

fn column(range: &calamine::Range<Data>, name: &str) -> usize {
    let header: Vec<String> = range.rows().next().expect("a header row").iter().map(|c| c.to_string()).collect();
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn the_workbook_holds_numbers_as_numbers_and_dates_as_dates_equal_to_the_statement() {
    let (c, s) = career_coaching();
    let bytes = report::write_xlsx(&s, &report::item_names(&c)).expect("the workbook is written");
    let mut book = Xlsx::new(Cursor::new(bytes)).expect("a valid xlsx");
    assert_eq!(book.sheet_names(), ["lines", "totals", "not_paid", "inputs"]);

    let lines = sheet(&mut book, "lines");
    assert_eq!(lines.height(), s.lines.len() + 1, "a header and one row per line");
    let (date, gross, item, name, participant) = (
        column(&lines, "achieved_on"),
        column(&lines, "gross"),
        column(&lines, "item"),
        column(&lines, "item_name"),
        column(&lines, "participant"),
    );
    for (row, line) in lines.rows().skip(1).zip(&s.lines) {
        assert!(matches!(row[date], Data::DateTime(_)), "a date cell: {:?}", row[date]);
        assert_eq!(row[date].as_date(), Some(line.achieved_on));
        assert_eq!(row[gross], Data::Float(line.gross.to_f64().unwrap()), "{:?}", line.id);
        assert_eq!(row[item], Data::String(line.id.item.to_string()));
        // An empty text (a contract-level fee has no participant) is an empty cell.
        assert_eq!(row[participant].to_string(), line.id.participant.to_string());
        let contract_name = c.payables().map(|(id, n, _)| (id, n));
        let expected = contract_name.filter(|(id, _)| *id == &*line.id.item).map(|(_, n)| n.en.clone()).next();
        assert_eq!(Some(row[name].to_string()), expected, "the item's name from the contract");
    }

    let totals = sheet(&mut book, "totals");
    let overall = totals.rows().find(|r| r[0] == Data::String("overall".into())).expect("an overall row");
    assert_eq!(overall[column(&totals, "gross")], Data::Float(s.totals.overall.gross.to_f64().unwrap()));
    assert_eq!(overall[column(&totals, "lines")], Data::Float(s.totals.overall.lines as f64));
    let by_item = totals.rows().filter(|r| r[0] == Data::String("item".into())).count();
    assert_eq!(by_item, s.totals.by_item.len());

    let not_paid = sheet(&mut book, "not_paid");
    assert_eq!(not_paid.height(), s.unpaid.len() + s.ineligible.len() + 1);

    let inputs = sheet(&mut book, "inputs");
    let contract_row = inputs.rows().find(|r| r[0] == Data::String("contract_file".into())).expect("contract row");
    assert_eq!(contract_row[2], Data::String(s.inputs.contract_sha256.clone()));
    assert!(inputs.rows().any(|r| r[1] == report::PROGRAM), "the program version is an input");
}

#[test]
fn the_workbook_bytes_depend_only_on_the_statement() {
    let (c, s) = career_coaching();
    let names = report::item_names(&c);
    assert_eq!(report::write_xlsx(&s, &names).unwrap(), report::write_xlsx(&s, &names).unwrap());
}

#[test]
fn xlsx_is_written_to_the_file_given_and_refused_without_one() {
    let base = [
        "calculate",
        "contracts/career-coaching/contract.toml",
        "--records",
        "contracts/career-coaching/records.jsonl",
    ];
    let no_file = tulos(&[&base[..], &["--as-of", "2026-12-31", "--format", "xlsx"]].concat());
    assert_eq!(no_file.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_file.stderr).contains("--out"), "{}", String::from_utf8_lossy(&no_file.stderr));
    assert!(no_file.stdout.is_empty(), "no workbook bytes on a terminal");

    let file = std::env::temp_dir().join(format!("tulos-ux-{}.xlsx", std::process::id()));
    let out = tulos(
        &[&base[..], &["--as-of", "2026-12-31", "--format", "xlsx", "--out", &file.display().to_string()]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&file).expect("the workbook was written");
    std::fs::remove_file(&file).unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip file");
    Xlsx::new(Cursor::new(bytes)).expect("a valid xlsx");
}

#[test]
fn csv_fi_starts_with_a_byte_order_mark_and_holds_totals_not_paid_and_inputs() {
    let (_, s) = career_coaching();
    let mut out = Vec::new();
    report::write_csv_fi(&s, &mut out).unwrap();
    assert!(out.starts_with(report::BYTE_ORDER_MARK), "a spreadsheet reads the file as UTF-8");
    let text = String::from_utf8(out[3..].to_vec()).unwrap();
    let sections: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(sections.len(), 4, "lines, totals, not paid, inputs:\n{text}");
    assert_eq!(sections[0].lines().count(), s.lines.len() + 1);
    assert!(sections[1].starts_with("total_by;key;lines;amount;withheld;net;vat;gross\n"), "{}", sections[1]);
    let overall =
        format!("overall;;{};{}", s.totals.overall.lines, s.totals.overall.amount.to_string().replace('.', ","));
    assert!(sections[1].contains(&overall), "{overall} in {}", sections[1]);
    assert!(sections[2].starts_with("participant;item;reason;detail\n"));
    assert_eq!(sections[2].lines().count(), s.unpaid.len() + s.ineligible.len() + 1);
    assert!(
        sections[3].contains(&format!("contract_file;contract.toml;{}", s.inputs.contract_sha256)),
        "{}",
        sections[3]
    );
}

#[test]
fn plain_csv_stays_the_machine_format_lines_only_without_a_byte_order_mark() {
    let (_, s) = career_coaching();
    let mut out = Vec::new();
    report::write_csv(&s, report::CsvDialect::Standard, &mut out).unwrap();
    assert!(out.starts_with(b"contract,participant,item,occurrence,"));
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), s.lines.len() + 1);
}

/// A records file of `n` lines that are not JSON, in a fresh folder.
fn broken_records(name: &str, n: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tulos-ux-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("records.jsonl");
    std::fs::write(&file, "not json\n".repeat(n)).unwrap();
    file
}

const CONTRACT: &str = "contracts/career-coaching/contract.toml";

#[test]
fn every_command_counts_the_errors_past_the_limit() {
    let file = broken_records("limit", 157);
    let records = file.display().to_string();
    let runs: [&[&str]; 4] = [
        &["calculate", CONTRACT, "--records", &records, "--as-of", "2026-12-31"],
        &["score", CONTRACT, "--records", &records, "--as-of", "2026-12-31"],
        &["explain", CONTRACT, "--records", &records, "--as-of", "2026-12-31", "--participant", "P-1"],
        &["records", &records],
    ];
    for args in runs {
        let out = tulos(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("57 more errors were not shown (only the first 100 are listed)"), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

/// Standard output of a failed run under `--format json`: one JSON object.
fn json_failure(args: &[&str], code: i32) -> serde_json::Value {
    let out = tulos(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!out.stderr.is_empty(), "{args:?}: the error is on stderr as well");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{args:?}: stdout is not one JSON object ({e}): {}", String::from_utf8_lossy(&out.stdout))
    })
}

#[test]
fn table_in_json_gives_a_json_error_when_the_file_fails_to_load() {
    let json = json_failure(&["table", "no/such/contract.toml", "age_factor", "--format", "json"], 1);
    assert_eq!(json["kind"], "invalid_input");
    assert!(json["error"].as_str().unwrap().contains("no/such/contract.toml"), "{json}");
    assert_eq!(json["diagnostics"][0]["file"], "no/such/contract.toml");
    let unknown = json_failure(&["table", CONTRACT, "no_such_table", "--format", "json"], 2);
    assert_eq!(unknown["kind"], "usage_error");
}

#[test]
fn every_command_that_offers_json_fails_in_json() {
    let file = broken_records("json", 2);
    let records = file.display().to_string();
    let runs: [&[&str]; 4] = [
        &["calculate", CONTRACT, "--records", &records, "--as-of", "2026-12-31", "--format", "json"],
        &["score", CONTRACT, "--records", &records, "--as-of", "2026-12-31", "--format", "json"],
        &[
            "explain",
            CONTRACT,
            "--records",
            &records,
            "--as-of",
            "2026-12-31",
            "--participant",
            "P-1",
            "--format",
            "json",
        ],
        &["records", &records, "--format", "json"],
    ];
    for args in runs {
        let json = json_failure(args, 1);
        assert_eq!(json["kind"], "invalid_input", "{args:?}");
        assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(2), "{args:?}: {json}");
        assert_eq!(json["diagnostics"][1]["location"]["Line"]["line"], 2, "{args:?}: {json}");
    }
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
}

#[test]
fn explain_asks_only_for_what_it_takes() {
    let out =
        tulos(&["explain", CONTRACT, "--records", "contracts/career-coaching/records.jsonl", "--participant", "P-1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("--as-of") && !stderr.contains("--from"), "{stderr}");
}

#[test]
fn finnish_dates_on_the_command_line_mean_the_same_day_as_iso_dates() {
    let base = ["calculate", CONTRACT, "--records", "contracts/career-coaching/records.jsonl", "--format", "json"];
    let iso = tulos(&[&base[..], &["--as-of", "2026-12-31", "--from", "2026-07-01", "--to", "2026-09-30"]].concat());
    let fi = tulos(&[&base[..], &["--as-of", "31.12.2026", "--from", "1.7.2026", "--to", "30.09.2026"]].concat());
    assert_eq!(iso.status.code(), Some(0), "{}", String::from_utf8_lossy(&iso.stderr));
    assert_eq!(iso.stdout, fi.stdout);
    for wrong in ["31.2.2026", "1.7.26", "2026-7-1", "1.7.2026.", "１.7.2026"] {
        let out = tulos(&[&base[..], &["--as-of", wrong]].concat());
        assert_eq!(out.status.code(), Some(2), "{wrong} is refused");
        assert!(String::from_utf8_lossy(&out.stderr).contains("2027-06-30 or 30.6.2027"), "{wrong}");
    }
}

#[test]
fn every_argument_has_help_and_every_help_ends_with_an_example_and_the_exit_codes() {
    for command in [
        "check",
        "calculate",
        "score",
        "records",
        "table",
        "explain",
        "completions",
        "test",
        "report",
        "replay",
        "diff",
        "generate",
        "schema",
    ] {
        let out = tulos(&[command, "-h"]);
        assert_eq!(out.status.code(), Some(0), "{command}");
        let help = String::from_utf8_lossy(&out.stdout);
        // In the short help an argument's name and its text share a line,
        // two spaces apart: `  <CONTRACT>  The contract file`.
        let arguments = help.split("Example:").next().unwrap_or_default();
        for line in arguments.lines().filter(|l| l.starts_with("  <") || l.trim_start().starts_with('-')) {
            let parts = line.trim().split("  ").filter(|p| !p.trim().is_empty()).count();
            assert!(parts >= 2, "`tulos {command}`: {line:?} has no help text\n{help}");
        }
        assert!(help.contains("Example:\n  tulos "), "{command}\n{help}");
        assert!(help.contains("Exit codes: 0 success, 1 "), "{command}\n{help}");
    }
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = tulos(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains("calculate") && script.contains("records"), "{shell}: {script}");
    }
}

#[test]
fn the_version_names_the_package_version() {
    let out = tulos(&["--version"]);
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(version.starts_with(concat!("tulos ", env!("CARGO_PKG_VERSION"))), "{version}");
}

#[test]
fn every_shipped_contract_passes_its_contract_tests() {
    let contracts = tulos::casebook::discover(Path::new("contracts"));
    assert!(contracts.len() >= 3, "the shipped contracts have tests.toml files: {contracts:?}");
    for contract in contracts {
        let tests = tulos::casebook::tests_file(&contract).unwrap();
        let outcome = tulos::casebook::run(&contract, &tests).unwrap_or_else(|d| panic!("{d:#?}"));
        assert!(outcome.expectations > 0, "{}", tests.display());
        assert_eq!(outcome.failures, [], "{}", tulos::casebook::render_text(&outcome));
    }
}

/// A folder with the career-coaching contract (and its rules) and `tests`.
fn contract_with_tests(name: &str, tests: &str) -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("tulos-ux-{name}-{}", std::process::id()));
    std::fs::create_dir_all(root.join("c/rules")).unwrap();
    std::fs::copy("rules/employment.rhai", root.join("c/rules/employment.rhai")).unwrap();
    std::fs::copy(CONTRACT, root.join("c/contract.toml")).unwrap();
    std::fs::copy("contracts/career-coaching/records.jsonl", root.join("c/records.jsonl")).unwrap();
    std::fs::write(root.join("c/tests.toml"), tests).unwrap();
    root
}

#[test]
fn a_failing_expectation_is_shown_side_by_side_with_case_clause_and_line() {
    let tests = r#"[[case]]
name = "job entry"
as_of = 2026-12-31
records = "records.jsonl"

[[case.paid]]
participant = "C-001"
item = "job_entry"
net = "1000.00"

[[case.not_paid]]
participant = "C-001"
item = "start_fee"
reason = "not_achieved"
"#;
    let root = contract_with_tests("failing", tests);
    let contract = root.join("c/contract.toml");
    let out = tulos(&["test", &contract.display().to_string()]);
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let file = root.join("c/tests.toml").display().to_string();
    let expected = format!(
        "FAIL {file}:6  case \"job entry\"  C-001 job_entry #1 (§ 6.2)\n  expected: paid net 1000.00\n  got:      paid net 1250.00\n\
         FAIL {file}:11  case \"job entry\"  C-001 start_fee (§ 5.1)\n  expected: not paid: not_achieved\n  got:      paid net 150.00 on 2026-02-02\n\
         FAILED: {file} — 1 case(s), 2 expectation(s), 2 failed\n"
    );
    assert_eq!(stdout, expected);
}

#[test]
fn a_bad_inline_record_is_reported_at_its_line_in_the_tests_file() {
    let tests = r#"[[case]]
name = "bad date"
as_of = 2026-12-31

[[case.record]]
id = "T-1"
groups = ["long_term_unemployed"]
service = { start = "2026-02-30" }
"#;
    let root = contract_with_tests("inline", tests);
    let contract = root.join("c/contract.toml");
    let out = tulos(&["test", &contract.display().to_string()]);
    std::fs::remove_dir_all(&root).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("tests.toml:5") && stderr.contains("case \"bad date\""), "{stderr}");
    assert!(!stderr.contains("tulos-case-"), "the temporary file is not named: {stderr}");
}
