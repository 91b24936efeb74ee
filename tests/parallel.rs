//! `--threads N` gives the statement of one thread, byte for byte, and the
//! same error: over every shipped contract with generated records, and over
//! inputs that fail — a rule error, a bad record, both, in either order —
//! and a watch sees every record, in input order, before settling begins.

// `CalcError` travels by value in the library's API (see `src/lib.rs`).
#![allow(clippy::result_large_err)]

mod common;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tulos::contract::{self, Contract};
use tulos::generate::{self, Format, Options, Vocabulary};
use tulos::payment::{self, CalcError, Evaluator, Request, Threads};
use tulos::records;
use tulos::report;

use common::Scratch;

/// Thread counts compared with one thread: even, odd, more than the cores.
const THREADS: [usize; 3] = [2, 3, 5];

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
}

/// The statement as JSON text, or the error as text (diagnostics rendered
/// with file, line and message), on `threads` threads.
fn run(c: &Contract, records: &Path, as_of: NaiveDate, threads: usize) -> Result<String, String> {
    let ev = Evaluator::new(c).unwrap_or_else(|d| panic!("{:?}", d.0));
    // Parsing on as many threads as evaluating, as `tulos calculate` does,
    // in blocks of a few lines, so that results cross many blocks.
    let reader = records::open_for(records, Some(&c.id)).map_err(|d| d.to_string())?;
    let mut reader = reader.with_threads_and_block_lines(threads, 7);
    let inputs = payment::fingerprint(c, records).expect("records readable");
    let request = Request { as_of, period: None };
    match payment::calculate_on(Threads(threads), c, &ev, &mut reader, inputs, request, ()) {
        Ok(statement) => {
            let mut out = Vec::new();
            report::write_json(&statement, &mut out).expect("JSON");
            Ok(String::from_utf8(out).expect("UTF-8"))
        }
        Err(CalcError::Records(diags)) => Err(diags.iter().map(|d| format!("{d:?}\n")).collect()),
        Err(e) => Err(e.to_string()),
    }
}

/// Every thread count gives what one thread gives; returns that.
fn same_on_every_thread_count(c: &Contract, records: &Path, as_of: NaiveDate) -> Result<String, String> {
    let one = run(c, records, as_of, 1);
    for n in THREADS {
        assert_eq!(run(c, records, as_of, n), one, "{} threads differ from one ({})", n, records.display());
    }
    one
}

fn generated(scratch: &Scratch, c: &Contract, n: u64, seed: u64) -> PathBuf {
    let out = scratch.path(&format!("{}-{seed}.jsonl", c.id));
    let options = Options { n, seed, format: Format::JsonLines, out: out.clone() };
    generate::generate(&options, &Vocabulary::of(c)).expect("generated records");
    out
}

fn shipped() -> Vec<(Contract, NaiveDate)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).expect("contracts/").map(|e| e.expect("entry").path()).collect();
    dirs.sort();
    dirs.iter()
        .filter(|d| d.join("contract.toml").is_file())
        .map(|d| {
            let c = contract::load(&d.join("contract.toml")).unwrap_or_else(|e| panic!("{:?}", e.0));
            let test = std::fs::read_to_string(d.join("test.toml")).expect("test.toml");
            let as_of = test.lines().find_map(|l| l.strip_prefix("as_of = ")).expect("as_of in test.toml");
            (c, date(as_of.trim()))
        })
        .collect()
}

#[test]
fn every_shipped_contract_pays_the_same_on_any_number_of_threads() {
    let scratch = Scratch::new("parallel", "shipped");
    for (c, as_of) in shipped() {
        // More records than a few batches, so batches finish out of order.
        let records = generated(&scratch, &c, 2_000, 11);
        let statement = same_on_every_thread_count(&c, &records, as_of).unwrap_or_else(|e| panic!("{e}"));
        assert!(statement.contains("\"lines\""), "a statement for {}", c.id);
    }
}

/// A contract whose job-entry rule fails for the participants listed.
fn failing_for(ids: &[&str]) -> Contract {
    let list = ids.iter().map(|id| format!("{id:?}")).collect::<Vec<_>>().join(", ");
    let text = format!(
        r#"
[contract]
id = "ESK-URA-2026-02"
title = {{ fi = "Testi", en = "Test" }}
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = {{ from = 2026-01-01, to = 2026-12-31 }}
target_groups = ["long_term_unemployed", "partial_work_ability", "youth", "immigrant"]
instruments = ["change_meter"]
dimensions = ["work_ability", "job_search", "skills", "life_management"]

[start_fee]
name = {{ fi = "Aloitus", en = "Start" }}
tariff = "150.00"

[[outcome]]
id = "job"
name = {{ fi = "Työ", en = "Job" }}
condition = '''
let zero = 0;
if [{list}].contains(p.id) {{ 1 / zero > 0 }} else {{ true }}
'''
achieved_on = 'p.service_start'
tariff = "1000.00"
"#
    );
    contract::parse(Path::new("failing.toml"), &text).unwrap_or_else(|d| panic!("{:?}", d.0))
}

/// The id of the first participant (not of the control arm, whose rules
/// do not run for payment) on line `n` (1-based) or after it.
fn id_on_line(records: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(records).expect("records");
    text.lines()
        .skip(n - 1)
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("JSON"))
        .find(|record| record["arm"] == "participant")
        .and_then(|record| record["id"].as_str().map(str::to_string))
        .expect("a participant")
}

/// `records` with `bad` put in place of line `n` (1-based).
fn with_bad_line(records: &Path, n: usize, bad: &str, out: PathBuf) -> PathBuf {
    let text = std::fs::read_to_string(records).expect("records");
    let lines: Vec<&str> = text.lines().enumerate().map(|(i, l)| if i + 1 == n { bad } else { l }).collect();
    std::fs::write(&out, lines.join("\n") + "\n").expect("write");
    out
}

#[test]
fn the_first_failing_rule_in_input_order_is_the_error_on_any_number_of_threads() {
    let scratch = Scratch::new("parallel", "rule");
    let c = failing_for(&[]);
    let records = generated(&scratch, &c, 3_000, 5);
    // Two failing participants far apart: the earlier one is reported.
    let (early, late) = (id_on_line(&records, 1_700), id_on_line(&records, 2_900));
    let c = failing_for(&[&late, &early]);
    let error = same_on_every_thread_count(&c, &records, date("2026-12-31")).expect_err("a rule error");
    assert!(error.contains(&early), "names the earlier participant: {error}");
    assert!(!error.contains(&late), "not the later one: {error}");
}

#[test]
fn a_bad_record_stops_evaluation_after_it_on_any_number_of_threads() {
    let scratch = Scratch::new("parallel", "records");
    let c = failing_for(&[]);
    let records = generated(&scratch, &c, 3_000, 6);
    let broken = with_bad_line(&records, 1_000, "{\"id\": ", scratch.path("broken.jsonl"));
    // A rule fails after the bad record: the bad record is the error.
    let c = failing_for(&[&id_on_line(&records, 2_000)]);
    let error = same_on_every_thread_count(&c, &broken, date("2026-12-31")).expect_err("a records error");
    assert!(error.contains("line: 1000"), "names line 1000: {error}");
    // A rule fails before it: the rule error is the error, as on one thread.
    let c = failing_for(&[&id_on_line(&records, 600)]);
    let error = same_on_every_thread_count(&c, &broken, date("2026-12-31")).expect_err("a rule error");
    assert!(error.contains(&id_on_line(&records, 600)), "names the participant: {error}");
}

#[test]
fn duplicated_participants_are_refused_alike_on_any_number_of_threads() {
    let scratch = Scratch::new("parallel", "duplicates");
    let c = failing_for(&[]);
    let records = generated(&scratch, &c, 3_000, 7);
    let text = std::fs::read_to_string(&records).expect("records");
    let first = text.lines().nth(10).expect("line 11").to_string();
    let duplicated = with_bad_line(&records, 2_500, &first, scratch.path("duplicated.jsonl"));
    let error = same_on_every_thread_count(&c, &duplicated, date("2026-12-31")).expect_err("a duplicate");
    assert!(error.contains("line: 2500"), "names the repeat: {error}");
}

#[test]
fn every_shipped_contract_scores_the_same_on_any_number_of_threads() {
    let scratch = Scratch::new("parallel", "score");
    for (c, as_of) in shipped() {
        let records = generated(&scratch, &c, 1_500, 12);
        let ev = Evaluator::new(&c).unwrap_or_else(|d| panic!("{:?}", d.0));
        let score = |threads| {
            let reader = records::open_for(&records, Some(&c.id)).expect("records").with_threads(threads);
            let inputs = payment::fingerprint(&c, &records).expect("records readable");
            let card = tulos::effectiveness::score_on(Threads(threads), &c, &ev, reader, inputs, as_of, None);
            serde_json::to_string(&card.unwrap_or_else(|e| panic!("{e}"))).expect("JSON")
        };
        let one = score(1);
        assert!(one.contains("\"indicators\""), "a scorecard for {}", c.id);
        for n in THREADS {
            assert_eq!(score(n), one, "{n} threads score {} differently", c.id);
        }
    }
}

/// What a watch saw of a calculation: each record's id and line, in the
/// order it saw them, and whether settling was announced after them.
#[derive(Debug, Default, PartialEq)]
struct Sighting {
    records: Vec<(String, u64)>,
    settled: bool,
}

impl payment::Watch for Sighting {
    type Seen = (String, u64);

    fn see(record: &tulos::records::Record) -> Self::Seen {
        (record.id.to_string(), record.origin.line)
    }

    fn record(&mut self, seen: Self::Seen) {
        assert!(!self.settled, "a record after settling began");
        self.records.push(seen);
    }

    fn settling(&mut self) {
        self.settled = true;
    }
}

#[test]
fn a_watch_sees_every_record_in_input_order_on_any_number_of_threads() {
    let scratch = Scratch::new("parallel", "watch");
    let (c, as_of) = shipped().into_iter().next().expect("a shipped contract");
    let records = generated(&scratch, &c, 1_500, 5);
    let ev = Evaluator::new(&c).unwrap_or_else(|d| panic!("{:?}", d.0));
    let watched = |threads: usize| {
        let reader = records::open_for(&records, Some(&c.id)).expect("records");
        let mut reader = reader.with_threads_and_block_lines(threads, 7);
        let (mut sighting, mut dates) = (Sighting::default(), tulos::ledger::DataDates::default());
        let request = Request { as_of, period: None };
        let watch = (&mut sighting, &mut dates);
        payment::calculate_on(Threads(threads), &c, &ev, &mut reader, Default::default(), request, watch)
            .unwrap_or_else(|e| panic!("{e}"));
        (sighting, dates)
    };
    let one = watched(1);
    let (sighting, dates) = &one;
    assert!(sighting.settled);
    assert_eq!(sighting.records.len(), 1_500);
    assert!(sighting.records.windows(2).all(|w| w[0].1 < w[1].1), "in input order");
    assert!(dates.newest.is_some());
    for n in THREADS {
        assert_eq!(watched(n), one, "{n} threads");
    }
}
