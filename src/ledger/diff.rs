//! Explained differences: between two committed runs of a contract, or a
//! run and a fresh calculation, every line whose net changed, and whether
//! the change comes from the contract, from the records, or from both.
//!
//! Each side is (contract with its rules, records with their as-of date —
//! the date the records were extracted). What is compared is each side's
//! cumulative statement: what its contract and records say is owed as of
//! its date (a run's entries are the differences between such
//! statements). The cause of a change is found by recomputing with one
//! input swapped at a time: the new contract over the old records, the
//! old contract over the new records. The contract is a cause when
//! swapping it alone changes the line's net (over either side's records),
//! the records likewise; a change only the two together make is `both`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::plan::Key;
use super::replay::{fingerprint, identity, recompute, stored_contract};
use super::{Ledger, LedgerError, ReplayError, Run};
use crate::contract::Contract;
use crate::payment::Evaluator;
use crate::records::hetu::redact;
use crate::report::shown;
use crate::statement::Inputs;

/// What a run is compared with.
pub enum Against<'a> {
    /// Another committed run of the same contract.
    Run(i64),
    /// A fresh calculation: `contract` over `records` as of `as_of` (by
    /// default the run's as-of date).
    Fresh { contract: &'a Contract, records: &'a Path, as_of: Option<NaiveDate> },
}

/// Why two sides could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Inputs(#[from] ReplayError),
    /// The contract of the fresh calculation does not compile.
    #[error("the contract to compare with does not load")]
    Contract { diagnostics: crate::diagnostic::Diagnostics },
    #[error(
        "{old} is of contract {old_contract}, {new} of contract {new_contract}: a diff compares one contract's runs"
    )]
    OtherContract { old: String, old_contract: String, new: String, new_contract: String },
    #[error(
        "run {run} was computed from records {}; none of the records given ({}) hold them: give that file or folder \
         (for a run compared with a fresh calculation, with --run-records)",
        files(.expected), paths(.given)
    )]
    NoRecords { run: i64, expected: BTreeMap<String, String>, given: Vec<PathBuf> },
}

impl From<LedgerError> for DiffError {
    fn from(e: LedgerError) -> Self {
        DiffError::Inputs(ReplayError::Ledger(e))
    }
}

fn files(files: &BTreeMap<String, String>) -> String {
    files.iter().map(|(name, sha)| format!("{} sha256 {sha}", redact(name))).collect::<Vec<_>>().join(", ")
}

fn paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "none".into();
    }
    paths.iter().map(|p| redact(&p.display().to_string())).collect::<Vec<_>>().join(", ")
}

/// Where a line's change comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The contract: a parameter, tariff, cap or rule text.
    Contract,
    /// The records (with their as-of date).
    Records,
    /// Both: each alone changes it, or only the two together do.
    Both,
}

impl Cause {
    pub fn name(self) -> &'static str {
        match self {
            Cause::Contract => "contract",
            Cause::Records => "records",
            Cause::Both => "both",
        }
    }
}

/// One line identity whose net changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineChange {
    /// Empty for contract-level lines (fees).
    #[serde(serialize_with = "redacted")]
    pub participant: String,
    pub item: String,
    pub occurrence: u32,
    /// Net on the old side; none when it had no such line.
    pub old_net: Option<Decimal>,
    pub new_net: Option<Decimal>,
    pub cause: Cause,
    /// Net with the new contract over the old records (the swap that
    /// isolates the contract).
    pub new_contract_old_records: Option<Decimal>,
    /// Net with the old contract over the new records.
    pub old_contract_new_records: Option<Decimal>,
}

fn redacted<S: serde::Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&redact(value))
}

/// One side of a diff, as the inputs it was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// `run 2` or `fresh calculation`.
    pub label: String,
    pub as_of: NaiveDate,
    pub contract_version: Option<String>,
    pub contract_sha256: String,
    pub rules: BTreeMap<String, String>,
    pub records: BTreeMap<String, String>,
}

/// The changed lines of two sides, with their causes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub contract: String,
    pub old: Side,
    pub new: Side,
    /// What differs between the two sides' inputs, one line each; names
    /// are already shown safely, digests left whole.
    pub inputs_changed: Vec<String>,
    /// In identity order: participant, item, occurrence.
    pub lines: Vec<LineChange>,
}

/// A side ready to compute: its contract, records and date.
struct Source<'c> {
    label: String,
    contract: &'c Contract,
    evaluator: Evaluator<'c>,
    records: PathBuf,
    inputs: Inputs,
    as_of: NaiveDate,
}

/// Compare run `id` (its records among `run_records`) with `against`
/// (another run, whose records are looked for among `run_records` too, or
/// a fresh calculation).
pub fn diff(ledger: &Ledger, id: i64, run_records: &[PathBuf], against: Against) -> Result<Diff, DiffError> {
    let old_run = ledger.run(id)?;
    let old_contract = stored_contract(&old_run)?;
    let old = run_source(&old_run, &old_contract, run_records)?;
    match against {
        Against::Run(new_id) => {
            let new_run = ledger.run(new_id)?;
            let new_contract = stored_contract(&new_run)?;
            let new = run_source(&new_run, &new_contract, run_records)?;
            compare(&old, &new)
        }
        Against::Fresh { contract, records, as_of } => {
            let evaluator = Evaluator::new(contract).map_err(|diagnostics| DiffError::Contract { diagnostics })?;
            let new = Source {
                label: "fresh calculation".into(),
                contract,
                evaluator,
                records: records.to_path_buf(),
                inputs: fingerprint(contract, records)?,
                as_of: as_of.unwrap_or(old_run.as_of),
            };
            compare(&old, &new)
        }
    }
}

/// Run `run` as a side: its stored contract over the first of `candidates`
/// whose fingerprints are the ones it stored.
fn run_source<'c>(run: &Run, contract: &'c Contract, candidates: &[PathBuf]) -> Result<Source<'c>, DiffError> {
    for path in candidates {
        let inputs = fingerprint(contract, path)?;
        if inputs.records == run.records {
            let evaluator =
                Evaluator::new(contract).map_err(|diagnostics| ReplayError::Contract { run: run.id, diagnostics })?;
            let label = format!("run {}", run.id);
            return Ok(Source { label, contract, evaluator, records: path.clone(), inputs, as_of: run.as_of });
        }
    }
    Err(DiffError::NoRecords { run: run.id, expected: run.records.clone(), given: candidates.to_vec() })
}

fn compare(old: &Source, new: &Source) -> Result<Diff, DiffError> {
    if old.contract.id != new.contract.id {
        return Err(DiffError::OtherContract {
            old: old.label.clone(),
            old_contract: old.contract.id.clone(),
            new: new.label.clone(),
            new_contract: new.contract.id.clone(),
        });
    }
    let contract_same = same_contract(&old.inputs, &new.inputs);
    let records_same = old.inputs.records == new.inputs.records && old.as_of == new.as_of;
    let aa = nets(old, old)?;
    let bb = nets(new, new)?;
    // A swap is computed only when both inputs differ: otherwise the one
    // that differs is the cause of every change.
    let (ba, ab) = if contract_same {
        (aa.clone(), bb.clone())
    } else if records_same {
        (bb.clone(), aa.clone())
    } else {
        (nets(new, old)?, nets(old, new)?)
    };
    let keys: BTreeSet<&Key> = aa.keys().chain(bb.keys()).collect();
    let net = |m: &BTreeMap<Key, Decimal>, k: &Key| m.get(k).copied();
    let value = |m: &BTreeMap<Key, Decimal>, k: &Key| m.get(k).copied().unwrap_or(Decimal::ZERO);
    let lines = keys
        .into_iter()
        .filter(|k| value(&aa, k) != value(&bb, k))
        .map(|k| {
            let by_contract = value(&aa, k) != value(&ba, k) || value(&ab, k) != value(&bb, k);
            let by_records = value(&aa, k) != value(&ab, k) || value(&ba, k) != value(&bb, k);
            let cause = match (by_contract, by_records) {
                (true, false) => Cause::Contract,
                (false, true) => Cause::Records,
                _ => Cause::Both,
            };
            LineChange {
                participant: k.0.clone(),
                item: k.1.clone(),
                occurrence: k.2,
                old_net: net(&aa, k),
                new_net: net(&bb, k),
                cause,
                new_contract_old_records: net(&ba, k),
                old_contract_new_records: net(&ab, k),
            }
        })
        .collect();
    Ok(Diff {
        contract: old.contract.id.clone(),
        inputs_changed: inputs_changed(old, new),
        old: side(old),
        new: side(new),
        lines,
    })
}

fn same_contract(a: &Inputs, b: &Inputs) -> bool {
    a.contract_sha256 == b.contract_sha256 && a.libraries == b.libraries
}

/// The net of every statement line of `rules`' contract over `data`'s
/// records and as-of date, by identity.
fn nets(rules: &Source, data: &Source) -> Result<BTreeMap<Key, Decimal>, DiffError> {
    let inputs = fingerprint(rules.contract, &data.records)?;
    let statement = recompute(rules.contract, &rules.evaluator, &data.records, inputs, data.as_of, ())?;
    Ok(statement
        .lines
        .iter()
        .map(|l| ((l.id.participant.to_string(), l.id.item.to_string(), l.id.occurrence), l.net))
        .collect())
}

fn side(s: &Source) -> Side {
    Side {
        label: s.label.clone(),
        as_of: s.as_of,
        contract_version: s.contract.version.clone(),
        contract_sha256: s.inputs.contract_sha256.clone(),
        rules: named(&s.inputs.libraries),
        records: named(&s.inputs.records),
    }
}

/// File name → digest, each name as statements show it.
fn named(files: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    files.iter().map(|(name, sha)| (shown(name), sha.clone())).collect()
}

/// `what: old → new` for each input that differs: file names shown as
/// statements show them, digests as they are (a digest is ours, and
/// redacting one would make it unreadable).
fn inputs_changed(old: &Source, new: &Source) -> Vec<String> {
    let (a, b) = (&old.inputs, &new.inputs);
    let mut out = Vec::new();
    if a.contract_version != b.contract_version {
        let v = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        let v = |o: &Option<String>| shown(&v(o));
        out.push(format!("contract version: {} → {}", v(&a.contract_version), v(&b.contract_version)));
    }
    if a.contract_sha256 != b.contract_sha256 {
        out.push(format!("contract text: sha256 {} → {}", a.contract_sha256, b.contract_sha256));
    }
    changed_files("rules", &a.libraries, &b.libraries, &mut out);
    changed_files("records", &a.records, &b.records, &mut out);
    if old.as_of != new.as_of {
        out.push(format!("as-of date: {} → {}", old.as_of, new.as_of));
    }
    out
}

fn changed_files(what: &str, a: &BTreeMap<String, String>, b: &BTreeMap<String, String>, out: &mut Vec<String>) {
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        let sha = |m: &BTreeMap<String, String>| m.get(name).map_or_else(|| "(none)".into(), |s| format!("sha256 {s}"));
        if a.get(name) != b.get(name) {
            out.push(format!("{what} {}: {} → {}", shown(name), sha(a), sha(b)));
        }
    }
}

impl Diff {
    /// The changed inputs, then the changed lines by participant.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let side = |s: &Side| {
            let version = s.contract_version.as_deref().map_or_else(String::new, |v| format!(", version {}", shown(v)));
            format!("{} (as of {}{version})", s.label, s.as_of)
        };
        let _ = writeln!(out, "Contract {}: {} → {}", shown(&self.contract), side(&self.old), side(&self.new));
        if self.inputs_changed.is_empty() {
            let _ = writeln!(out, "Inputs: identical");
        } else {
            let _ = writeln!(out, "Inputs changed:");
            for c in &self.inputs_changed {
                let _ = writeln!(out, "  {c}");
            }
        }
        let _ = writeln!(out);
        if self.lines.is_empty() {
            let _ = writeln!(out, "No line's net changed.");
            return out;
        }
        let participants: BTreeSet<&str> = self.lines.iter().map(|l| l.participant.as_str()).collect();
        let _ = writeln!(out, "{} line(s) of {} participant(s) changed:", self.lines.len(), participants.len());
        let amount = |d: Option<Decimal>| d.map_or_else(|| "(none)".to_string(), |d| d.to_string());
        for l in &self.lines {
            let id = identity(&(l.participant.clone(), l.item.clone(), l.occurrence));
            let _ = writeln!(
                out,
                "  {}: net {} → {}  cause: {} (new contract, old records: {}; old contract, new records: {})",
                shown(&id),
                amount(l.old_net),
                amount(l.new_net),
                l.cause.name(),
                amount(l.new_contract_old_records),
                amount(l.old_contract_new_records),
            );
        }
        out
    }
}
