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
        let contract_name =
            c.items.iter().map(|i| (&i.id, &i.name)).chain(c.fixed_fees.iter().map(|f| (&f.id, &f.name)));
        let expected = contract_name.filter(|(id, _)| **id == *line.id.item).map(|(_, n)| n.en.clone()).next();
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
