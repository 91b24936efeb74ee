//! Replay: recompute a sealed run from the contract and rule texts stored
//! in it (never today's files) against the records it was computed from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::plan::{self, Key};
use super::{Entry, Ledger, LedgerError, Run};
use crate::contract::{self, Contract, RuleSource};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::payment::{self, CalcError, Evaluator, Request};
use crate::records;
use crate::records::hetu::redact;
use crate::statement::TULOS_VERSION;
use crate::statement::{Inputs, Statement};

/// Why a run could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The contract or rules stored with the run do not load.
    #[error("run {run}: the contract stored with it does not load")]
    Contract { run: i64, diagnostics: Diagnostics },
    /// The records given are not the ones the run was computed from.
    #[error(
        "run {run} was computed from records {}, but {} holds {}; give the records file the run was computed from",
        files(.expected), .path.display(), files(.found)
    )]
    RecordsDiffer { run: i64, path: PathBuf, expected: BTreeMap<String, String>, found: BTreeMap<String, String> },
    #[error("cannot read {}: {error}", .path.display())]
    Read { path: PathBuf, error: std::io::Error },
    /// The records do not open.
    #[error("{}", .0.message)]
    Open(Diagnostic),
    #[error(transparent)]
    Calc(#[from] CalcError),
}

/// `name sha256 …, name sha256 …`.
fn files(files: &BTreeMap<String, String>) -> String {
    if files.is_empty() {
        return "(none)".into();
    }
    files.iter().map(|(name, sha)| format!("{} sha256 {sha}", redact(name))).collect::<Vec<_>>().join(", ")
}

/// One line identity whose replayed entry is not the stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `participant item #occurrence`.
    pub identity: String,
    pub stored: Option<String>,
    pub replayed: Option<String>,
}

/// The result of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub run: i64,
    /// The tulos version the run was committed with, when it is not this one.
    pub committed_with: Option<String>,
    pub differences: Vec<Difference>,
}

impl Replay {
    pub fn identical(&self) -> bool {
        self.differences.is_empty()
    }

    /// `identical`, or the differences line by line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        if let Some(v) = &self.committed_with {
            out.push_str(&format!(
                "note: run {} was committed with tulos {v}, replayed with {TULOS_VERSION}\n",
                self.run
            ));
        }
        if self.identical() {
            out.push_str("identical\n");
            return out;
        }
        out.push_str(&format!("run {}: {} line(s) differ\n", self.run, self.differences.len()));
        for d in &self.differences {
            out.push_str(&format!("{}\n", d.identity));
            out.push_str(&format!("  stored:   {}\n", d.stored.as_deref().unwrap_or("(none)")));
            out.push_str(&format!("  replayed: {}\n", d.replayed.as_deref().unwrap_or("(none)")));
        }
        out
    }
}

/// Recompute run `id` against `records`, from the texts stored with it and
/// the runs of its contract before it.
pub fn replay(ledger: &Ledger, id: i64, records: &Path) -> Result<Replay, ReplayError> {
    let run = ledger.run(id)?;
    let contract = stored_contract(&run)?;
    let evaluator = Evaluator::new(&contract).map_err(|diagnostics| ReplayError::Contract { run: id, diagnostics })?;
    let inputs = run_records(&run, &contract, records)?;
    let statement = recompute(&contract, &evaluator, records, inputs, run.as_of, ())?;
    let before = ledger.runs_before(&run)?;
    let paid = plan::paid_state(before.iter().flat_map(|r| &r.lines))?;
    let lines = plan::entries(&statement, &paid, contract.clawback, contract.rounding.scale)?;
    Ok(Replay {
        run: id,
        committed_with: (run.tulos_version != TULOS_VERSION).then(|| run.tulos_version.clone()),
        differences: differences(&run, &lines),
    })
}

/// The contract of a sealed run, from the contract and rule texts stored
/// in it (never today's files).
pub(crate) fn stored_contract(run: &Run) -> Result<Contract, ReplayError> {
    let texts: BTreeMap<String, String> = run.rules.iter().map(|(n, r)| (n.clone(), r.text.clone())).collect();
    contract::parse_with(Path::new(&run.contract_file), &run.contract_text, RuleSource::Stored(&texts))
        .map_err(|diagnostics| ReplayError::Contract { run: run.id, diagnostics })
}

/// The fingerprints of `records`, when they are the records `run` was
/// computed from.
pub(crate) fn run_records(run: &Run, contract: &Contract, records: &Path) -> Result<Inputs, ReplayError> {
    let inputs = fingerprint(contract, records)?;
    if inputs.records != run.records {
        return Err(ReplayError::RecordsDiffer {
            run: run.id,
            path: records.to_path_buf(),
            expected: run.records.clone(),
            found: inputs.records,
        });
    }
    Ok(inputs)
}

pub(crate) fn fingerprint(contract: &Contract, records: &Path) -> Result<Inputs, ReplayError> {
    payment::fingerprint(contract, records).map_err(|error| ReplayError::Read { path: records.to_path_buf(), error })
}

/// The cumulative statement of `contract` over `records` as of `as_of`;
/// `watch` sees every record read.
pub(crate) fn recompute(
    contract: &Contract,
    evaluator: &Evaluator,
    records: &Path,
    inputs: Inputs,
    as_of: NaiveDate,
    watch: impl payment::Watch,
) -> Result<Statement, ReplayError> {
    let mut reader = records::open_for(records, Some(&contract.id)).map_err(ReplayError::Open)?;
    let request = Request { as_of, period: None };
    Ok(payment::calculate_on(payment::Threads::default(), contract, evaluator, &mut reader, inputs, request, watch)?)
}

fn differences(run: &Run, replayed: &[Entry]) -> Vec<Difference> {
    let by_key = |lines: &[Entry]| -> BTreeMap<Key, Entry> {
        lines.iter().map(|e| ((e.participant.clone(), e.item.clone(), e.occurrence), e.clone())).collect()
    };
    let (stored, replayed) = (by_key(&run.lines), by_key(replayed));
    let mut keys: Vec<&Key> = stored.keys().chain(replayed.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| stored.get(*k) != replayed.get(*k))
        .map(|k| Difference {
            identity: identity(k),
            stored: stored.get(k).map(describe),
            replayed: replayed.get(k).map(describe),
        })
        .collect()
}

pub(crate) fn identity((participant, item, occurrence): &Key) -> String {
    let who = if participant.is_empty() { "(contract)".to_string() } else { redact(participant) };
    format!("{who} {item} #{occurrence}")
}

fn describe(e: &Entry) -> String {
    format!("{} net {} vat {} gross {}: {}", e.kind.name(), e.net, e.vat, e.gross, redact(&e.reason))
}
