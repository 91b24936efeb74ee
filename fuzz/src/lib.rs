//! What the fuzz targets share: a scratch folder in memory (`/dev/shm`),
//! the shipped contracts and records as fixed fixtures, and the full path a
//! statement takes (calculate, then render in every format).
//!
//! Every target treats an `Err` as the right answer to bad input; only a
//! panic, a timeout or running out of memory is a finding.

use std::io::sink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use tulos::contract::Contract;
use tulos::payment::{self, Evaluator, Request};
use tulos::records::{self, Record};
use tulos::report::{self, CsvDialect};
use tulos::statement::{Period, Statement};

/// The shipped contracts, by folder name, with their texts.
pub const CONTRACTS: [(&str, &str); 3] = [
    ("career-coaching", include_str!("../../contracts/career-coaching/contract.toml")),
    ("labour-market-training", include_str!("../../contracts/labour-market-training/contract.toml")),
    ("rehabilitative-work-activity", include_str!("../../contracts/rehabilitative-work-activity/contract.toml")),
];

/// The rule library the shipped contracts use.
pub const EMPLOYMENT_RHAI: &str = include_str!("../../rules/employment.rhai");

/// A per-process folder in memory (or the temp folder where there is no
/// `/dev/shm`), holding `rules/employment.rhai` so contracts placed in it
/// find their library as they do in the project.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let dir = base.join(format!("tulos-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("rules")).expect("scratch folder");
        std::fs::write(dir.join("rules/employment.rhai"), EMPLOYMENT_RHAI).expect("scratch library");
        dir
    })
}

/// Write `bytes` to `name` in the scratch folder.
pub fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("scratch folder");
    }
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

/// Where a contract under test sits: beside the shipped ones, so `uses =
/// ["rules/employment.rhai"]` resolves.
pub fn contract_path(name: &str) -> PathBuf {
    let dir = scratch().join(name);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir.join("contract.toml")
}

/// The shipped contracts, loaded once and compiled, for the record targets.
pub fn shipped() -> &'static [(&'static Contract, Evaluator<'static>)] {
    static SHIPPED: OnceLock<Vec<(&'static Contract, Evaluator<'static>)>> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        CONTRACTS
            .iter()
            .map(|(name, text)| {
                let c = tulos::contract::parse(&contract_path(name), text)
                    .unwrap_or_else(|d| panic!("shipped contract {name}: {:?}", d.0));
                let c: &'static Contract = Box::leak(Box::new(c));
                let ev = Evaluator::new(c).unwrap_or_else(|d| panic!("shipped contract {name}: {:?}", d.0));
                (c, ev)
            })
            .collect()
    })
}

/// Every record of the shipped contracts' test data, read once, for the
/// contract target.
pub fn shipped_records() -> &'static [Record] {
    static RECORDS: OnceLock<Vec<Record>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts");
        let mut all = Vec::new();
        for path in [
            root.join("career-coaching/records.jsonl"),
            root.join("labour-market-training/records.jsonl"),
            root.join("rehabilitative-work-activity/records"),
        ] {
            all.extend(records::read_all(&path, 10).unwrap_or_else(|d| panic!("{}: {d:?}", path.display())));
        }
        all
    })
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The as-of dates and billing periods each statement is computed for.
pub fn requests() -> [Request; 2] {
    [
        Request { as_of: date(2027, 6, 30), period: None },
        Request { as_of: date(2026, 12, 31), period: Some(Period { from: date(2026, 7, 1), to: date(2026, 12, 31) }) },
    ]
}

/// Read every record at `path` as `tulos records` does (summary and its
/// text), then calculate it under every shipped contract and render.
pub fn exercise_records(path: &Path) {
    let Ok(reader) = records::open(path) else { return };
    let mut summary = records::summary::Summary::default();
    for r in reader.flatten() {
        // An overflowing summary is an error to report, not a finding.
        if summary.add(&r).is_err() {
            break;
        }
    }
    let _ = summary.render_text();
    for (c, ev) in shipped() {
        for request in requests() {
            let Ok(reader) = records::open(path) else { return };
            let Ok(inputs) = payment::fingerprint(c, path) else { return };
            if let Ok(s) = payment::calculate(c, ev, reader, inputs, request) {
                render(&s);
            }
        }
    }
}

/// Every output format of a statement.
pub fn render(s: &Statement) {
    let _ = report::statement_text(s);
    let _ = report::write_json(s, sink());
    let _ = report::write_csv(s, CsvDialect::Standard, sink());
    let _ = report::write_csv(s, CsvDialect::Finnish, sink());
}
