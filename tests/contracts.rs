//! One snapshot per shipped contract: every `contracts/*/contract.toml` is
//! run over the records its `test.toml` names, and the statement (readable
//! text and full JSON) is compared with the snapshot stored beside it.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tulos::payment::{self, Evaluator, Request};
use tulos::statement::{Period, Statement};
use tulos::{contract, records, report};

/// How a contract's snapshot run is set up (`contracts/<name>/test.toml`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TestRun {
    records: String,
    as_of: toml::value::Datetime,
}

fn date(dt: &toml::value::Datetime) -> NaiveDate {
    let d = dt.date.expect("a date");
    NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()).expect("a valid date")
}

fn contracts() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("contracts")
        .expect("contracts/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn run(dir: &Path) -> Statement {
    let setup: TestRun =
        toml::from_str(&std::fs::read_to_string(dir.join("test.toml")).expect("test.toml beside the contract"))
            .expect("test.toml is valid");
    let c = contract::load(&dir.join("contract.toml")).unwrap_or_else(|d| panic!("{:?}", d.0));
    let ev = Evaluator::new(&c).unwrap_or_else(|d| panic!("{:?}", d.0));
    let records_path = dir.join(&setup.records);
    let reader = records::open_for(&records_path, Some(&c.id)).expect("records open");
    let inputs = payment::fingerprint(&c, &records_path).expect("records readable");
    let request = Request { as_of: date(&setup.as_of), period: None };
    payment::calculate(&c, &ev, reader, inputs, request).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn every_contract_matches_its_snapshot() {
    let dirs = contracts();
    assert!(dirs.len() >= 3, "the shipped contracts are found");
    for dir in dirs {
        assert!(dir.join("contract.toml").is_file(), "{} has a snapshot but no contract.toml", dir.display());
        let statement = run(&dir);
        assert_totals_are_sums(&statement);
        insta::with_settings!({
            snapshot_path => std::env::current_dir().unwrap().join(&dir),
            prepend_module_to_snapshot => false,
            input_file => dir.join("contract.toml"),
        }, {
            insta::assert_snapshot!("statement", report::statement_text(&statement));
            let mut json = Vec::new();
            report::write_json(&statement, &mut json).expect("writing to memory");
            insta::assert_snapshot!("statement_json", String::from_utf8(json).expect("UTF-8"));
        });
    }
}

/// The sum of the lines equals the totals to the cent, overall and per item.
fn assert_totals_are_sums(s: &Statement) {
    let net: Decimal = s.lines.iter().map(|l| l.net).sum();
    let gross: Decimal = s.lines.iter().map(|l| l.gross).sum();
    assert_eq!(s.totals.overall.net, net);
    assert_eq!(s.totals.overall.gross, gross);
    let by_item: Decimal = s.totals.by_item.values().map(|a| a.net).sum();
    assert_eq!(by_item, net);
    for l in &s.lines {
        assert_eq!(l.net + l.withheld, l.amount, "{:?}", l.id);
        assert_eq!(l.net + l.vat, l.gross, "{:?}", l.id);
        assert_eq!(l.net.scale(), s.rounding.scale, "{:?} keeps the contract's scale", l.id);
    }
}

#[test]
fn a_billing_period_lists_its_lines_with_caps_counted_from_the_start() {
    let dir = Path::new("contracts/labour-market-training");
    let whole = run(dir);
    let c = contract::load(&dir.join("contract.toml")).unwrap();
    let ev = Evaluator::new(&c).unwrap();
    let path = dir.join("records.jsonl");
    let period = Period {
        from: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
    };
    let request = Request { as_of: whole.as_of, period: Some(period) };
    let q4 = payment::calculate(
        &c,
        &ev,
        records::open_for(&path, Some(&c.id)).unwrap(),
        payment::fingerprint(&c, &path).unwrap(),
        request,
    )
    .unwrap();
    let expected: Vec<_> =
        whole.lines.iter().filter(|l| l.achieved_on >= period.from && l.achieved_on <= period.to).cloned().collect();
    assert!(!expected.is_empty(), "the test data has lines in Q4 2026");
    assert_eq!(q4.lines, expected, "period lines are the same lines, with the same caps, as in the full run");
    assert!(q4.totals.overall.net < whole.totals.overall.net);
}
