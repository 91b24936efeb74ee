//! Minimal reproductions of what the property tests (`tests/properties.rs`)
//! and the fuzz targets (`fuzz/`) found, each reduced to the smallest input
//! that shows it. A finding stays here as a regression test once fixed.

// `CalcError` travels by value in the library's API (see `src/lib.rs`).
#![allow(clippy::result_large_err)]

mod common;

use std::path::Path;

use chrono::NaiveDate;
use tulos::contract;
use tulos::payment::{self, CalcError, Evaluator, Request};
use tulos::report;
use tulos::statement::Statement;

use common::Scratch;

const CONTRACT: &str = r#"
[contract]
id = "ESK-URA-2026-02"
title = { fi = "Testi", en = "Test" }
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }
target_groups = ["long_term_unemployed"]

[start_fee]
name = { fi = "Aloitus", en = "Start" }
tariff = "150.00"
"#;

/// `CONTRACT` over the records at `path` (a JSON Lines file or a CSV folder).
fn calculate(scratch: &Scratch, records: &Path) -> Result<Statement, CalcError> {
    let c = contract::parse(&scratch.0.join("contract.toml"), CONTRACT).unwrap_or_else(|d| panic!("{:?}", d.0));
    let ev = Evaluator::new(&c).unwrap_or_else(|d| panic!("{:?}", d.0));
    let reader = tulos::records::open(records).unwrap_or_else(|d| panic!("{d:?}"));
    let inputs = payment::fingerprint(&c, records).expect("records readable");
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date");
    payment::calculate(&c, &ev, reader, inputs, Request { as_of, period: None })
}

fn refused(result: Result<Statement, CalcError>, why: &str) {
    match result {
        Err(CalcError::Records(_)) => {}
        Err(e) => panic!("{why}: refused for the wrong reason: {e:?}"),
        Ok(s) => {
            let lines: Vec<String> =
                s.lines.iter().map(|l| format!("{:?} {} {}", &*l.id.participant, l.id.item, l.net)).collect();
            panic!("{why}: read as separate participants and paid: {lines:#?}");
        }
    }
}

/// The statement as JSON without the input fingerprints, or "refused".
fn outcome(result: &Result<Statement, CalcError>) -> Result<serde_json::Value, &'static str> {
    let s = result.as_ref().map_err(|_| "refused")?;
    let mut out = Vec::new();
    report::write_json(s, &mut out).expect("writing to memory");
    let mut v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    v.as_object_mut().expect("an object").remove("inputs");
    Ok(v)
}

// Issue 6, defect 1 (found again by
// `look_alike_ids_are_one_participant_in_every_format`): a record without
// `contract` belongs to the contract being evaluated, so these are one
// participant given twice, not two participants paid a start fee each.
#[test]
fn one_participant_with_and_without_the_contract_field_is_refused_as_a_duplicate() {
    let scratch = Scratch::new("regressions", "contract-field");
    let records = scratch.write(
        "records.jsonl",
        concat!(
            r#"{"id":"P-1","contract":"ESK-URA-2026-02","groups":["long_term_unemployed"],"service":{"start":"2026-02-01"}}"#,
            "\n",
            r#"{"id":"P-1","groups":["long_term_unemployed"],"service":{"start":"2026-02-01"}}"#,
            "\n"
        ),
    );
    refused(calculate(&scratch, &records), "P-1 with and without `contract`");
}

#[test]
fn nfc_and_nfd_spellings_of_one_id_are_refused_as_a_duplicate() {
    let scratch = Scratch::new("regressions", "nfd");
    let records = scratch.write(
        "records.jsonl",
        "{\"id\":\"P-\u{c4}1\",\"service\":{\"start\":\"2026-02-01\"}}\n\
         {\"id\":\"P-A\u{308}1\",\"service\":{\"start\":\"2026-02-01\"}}\n",
    );
    refused(calculate(&scratch, &records), "P-Ä1 in NFC and in NFD");
}

#[test]
fn ids_differing_only_in_surrounding_white_space_are_refused_as_a_duplicate() {
    let scratch = Scratch::new("regressions", "space");
    let records = scratch.write(
        "records.jsonl",
        "{\"id\":\"P-1\",\"service\":{\"start\":\"2026-02-01\"}}\n\
         {\"id\":\"P-1 \",\"service\":{\"start\":\"2026-02-01\"}}\n",
    );
    refused(calculate(&scratch, &records), "`P-1` and `P-1 `");
}

// Shrunk from `look_alike_ids_are_one_participant_in_every_format`: JSON
// Lines kept the id `P-2\t` verbatim (a line for participant "P-2\t") while
// the CSV reader read the same cell as `P-2`. One id rule in every format.
#[test]
fn an_id_with_trailing_white_space_reads_the_same_in_json_lines_and_csv() {
    let scratch = Scratch::new("regressions", "formats");
    let jsonl = scratch.write("records.jsonl", "{\"id\":\"P-2\\t\",\"service\":{\"start\":\"2026-02-01\"}}\n");
    scratch.write("csv/participants.csv", "id,service_start\nP-2\t,2026-02-01\n");
    let from_jsonl = calculate(&scratch, &jsonl);
    let from_csv = calculate(&scratch, &scratch.0.join("csv"));
    assert_eq!(outcome(&from_jsonl), outcome(&from_csv), "JSON Lines and CSV read `P-2<tab>` differently");
}

// Issue 6, defect 3 (the `rule` fuzz target stops on its seed
// `sort-comparator-loop.rhai`): each comparator call of `sort` started its
// own operation count, so an endless comparator over 10,000 items ran for
// minutes. A rule must stop within its limits with an error naming it. The
// run is watched from another thread so that, unfixed, this test fails
// after 20 s instead of hanging the suite.
#[test]
fn an_endless_sort_comparator_stops_at_the_operation_limit() {
    let rule = "let a = []; for i in 0..10000 { a.push(i); } a.sort(|x, y| loop {}); ()";
    let text = format!(
        "{CONTRACT}\n[[outcome]]\nid = \"job\"\nname = {{ fi = \"Työ\", en = \"Job\" }}\nachieved_on = '{rule}'\ntariff = \"1000.00\"\n"
    );
    let scratch = Scratch::new("regressions", "sort");
    let records = scratch.write("records.jsonl", "{\"id\":\"P-1\",\"service\":{\"start\":\"2026-02-01\"}}\n");
    let contract_path = scratch.write("contract.toml", &text);
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let c = contract::load(&contract_path).unwrap_or_else(|d| panic!("{:?}", d.0));
        let ev = Evaluator::new(&c).unwrap_or_else(|d| panic!("{:?}", d.0));
        let reader = tulos::records::open(&records).unwrap_or_else(|d| panic!("{d:?}"));
        let inputs = payment::fingerprint(&c, &records).expect("records readable");
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date");
        let result = payment::calculate(&c, &ev, reader, inputs, Request { as_of, period: None });
        let _ = done.send(result.map(|s| s.lines.len()).map_err(|e| e.to_string()));
    });
    match finished.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(Err(message)) => assert!(message.contains("job"), "the error names the rule: {message}"),
        Ok(Ok(lines)) => panic!("the endless comparator returned normally ({lines} lines)"),
        Err(_) => panic!("the endless comparator was still running after 20 s"),
    }
}
