//! Scaffolding shared by integration tests (each test crate uses part of it).
#![allow(dead_code)]
// `CalcError` travels by value in the library's API (see `src/lib.rs`).
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tulos::contract::Contract;
use tulos::payment::{self, CalcError, Evaluator, Request};
use tulos::records::{Arm, AttributeValue, Origin, Record, Service};
use tulos::statement::{Inputs, Statement};

/// A folder under the system temp folder, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A fresh folder for test `name` of suite `suite`, unique per process.
    pub fn new(suite: &str, name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tulos-{suite}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp folder");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `text` to `name` inside the folder (creating subfolders).
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("temp folder");
        }
        std::fs::write(&path, text).expect("temp file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn d(s: &str) -> NaiveDate {
    tulos::calendar::parse_iso_date(s).unwrap()
}

pub fn dec(s: &str) -> Decimal {
    tulos::money::parse_decimal(s).unwrap()
}

/// A participant in Jämsä, born 1 January 1990, long-term unemployed, in
/// the service from 5 January to 31 March 2026 (completed), with no
/// spells, earnings, events, measures, feedback or attributes: each test
/// sets the fields it is about (`Record { spells, ..participant(id) }`).
pub fn participant(id: &str) -> Record {
    Record {
        id: id.into(),
        contract: None,
        arm: Arm::Participant,
        weight: Decimal::ONE,
        municipality: Some("Jämsä".into()),
        birth_date: Some(d("1990-01-01")),
        groups: vec!["long_term_unemployed".into()],
        service: Service { start: d("2026-01-05"), end: Some(d("2026-03-31")), completed: Some(true) },
        spells: vec![],
        earnings: vec![],
        events: vec![],
        measures: vec![],
        feedback: vec![],
        attributes: BTreeMap::new(),
        origin: Origin { file: Arc::new(PathBuf::from("test.jsonl")), line: 1 },
    }
}

/// Attributes as a CSV cell writes them; a `None` value is left out.
pub fn text_attributes(values: &[(&str, Option<&str>)]) -> BTreeMap<tulos::records::Text, AttributeValue> {
    values
        .iter()
        .filter_map(|(k, v)| v.map(|v| ((*k).into(), AttributeValue::Text(v.into(), Default::default()))))
        .collect()
}

/// The contract `text`, read as `test.toml`; a contract error fails the test.
pub fn parse(text: &str) -> Contract {
    tulos::contract::parse(std::path::Path::new("test.toml"), text).unwrap_or_else(|e| panic!("{:#?}", e.0))
}

/// The fingerprints of a statement computed from records held in memory.
pub fn inputs_of(c: &Contract) -> Inputs {
    Inputs {
        contract_file: c.file_name(),
        contract_sha256: payment::sha256(c.text.as_bytes()),
        libraries: BTreeMap::new(),
        records: BTreeMap::new(),
        contract_version: None,
        tulos_version: String::new(),
    }
}

/// `c` over `records` (held in memory) as `request` asks.
pub fn calculate(c: &Contract, records: Vec<Record>, request: Request) -> Result<Statement, CalcError> {
    let ev = Evaluator::new(c).unwrap_or_else(|e| panic!("{:#?}", e.0));
    payment::calculate(c, &ev, records.into_iter().map(Ok), inputs_of(c), request)
}

/// A request as of `as_of` for the whole statement.
pub fn as_of(as_of: &str) -> Request {
    Request { as_of: d(as_of), period: None }
}
