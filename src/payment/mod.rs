//! Payment calculation: contract × records × as-of date → [`Statement`].
//!
//! Evaluation is a pure function of (contract text, rule texts, records,
//! as-of date, billing period). It runs in two phases:
//!
//! 1. **Per record, streamed** ([`Evaluator::evaluate`]): eligibility, each
//!    item (achieved? on which dates? requirements met? tariff in force?),
//!    multipliers, rounding, exclusivity. The record is then dropped; only
//!    its pending lines and reasons are kept, in a [`Settlement`].
//! 2. **Over all lines** ([`settle`]): fixed fees are added, lines are
//!    ordered by achievement date, then participant id, then the item's
//!    position in the contract, then occurrence — and caps are applied in
//!    that order: the item's cap per participant, the item's `cap_total`,
//!    then the participant's cap, then the contract total (see `settle`).
//!    A cap withholds only what exceeds it and the
//!    withheld amount stays on the line. VAT is computed per line from the
//!    net. The billing period, if any, selects lines last, so a period's
//!    caps account for everything achieved before it.
//!
//! Impact payments (`[[impact_payment]]`, [`impact`]) are tallied in the same
//! pass over both arms and become contract-level lines before phase 2; their
//! own `cap` applies first, then `contract_total`.
//!
//! Rounding: `amount = round(tariff × multiplier)` once per line with the
//! contract's scale and mode; caps are exact amounts so `net` stays on the
//! scale; `vat = round(net × vat% / 100)`; `gross = net + vat`. Totals are
//! exact sums of lines.

mod evaluate;
mod impact;
mod lookup;
mod order;
pub mod parallel;
mod parts;
mod settle;
mod standard;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::contract::Contract;
use crate::diagnostic::Diagnostic;
use crate::records::{ErrorLimit, Record, RecordReader};
use crate::scripting::RuleError;
use crate::statement::{Inputs, Period, Statement};

pub use evaluate::{Achievements, Evaluator, RecordOutcome, Step};
pub use parallel::{each_evaluated, each_evaluated_in, Threads};
pub use parts::Parts;
pub use settle::{settle, SettleError, Settlement};

/// What a calculation was asked for.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub as_of: NaiveDate,
    pub period: Option<Period>,
}

/// Why a calculation stopped.
#[derive(Debug, thiserror::Error)]
pub enum CalcError {
    /// Bad records: every problem found (up to the reader's limit).
    #[error("the records have {} error(s)", .0.len())]
    Records(Vec<Diagnostic>),
    /// A rule failed or returned something unusable for a participant.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// The lines cannot be settled: a duplicate line or an overflow.
    #[error(transparent)]
    Settle(#[from] SettleError),
}

impl From<Vec<Diagnostic>> for CalcError {
    fn from(records: Vec<Diagnostic>) -> Self {
        CalcError::Records(records)
    }
}

/// Most record errors collected before a run stops reading.
pub const MAX_RECORD_ERRORS: usize = 100;

/// Evaluate every record and settle the statement.
pub fn calculate(
    contract: &Contract,
    evaluator: &Evaluator,
    records: impl Iterator<Item = Result<Record, Diagnostic>>,
    inputs: Inputs,
    request: Request,
) -> Result<Statement, CalcError> {
    let threads = Threads::default();
    calculate_with(threads, contract, evaluator, inputs, request, &mut (), |_, evaluate, take| {
        each_evaluated(threads, evaluator, records, |_| {}, evaluate, take)
    })
}

/// What a caller sees of a calculation as it runs: what it keeps of each
/// record, in input order, so that it tallies what it needs (a ledger,
/// the newest date the records hold) in the same pass, without reading the
/// records twice; and the moment settling begins.
pub trait Watch {
    /// What is kept of a record for [`Watch::record`].
    type Seen: Send + 'static;

    /// What to keep of a bound record. It runs on the thread that
    /// evaluates the record, for a record a later check may still refuse:
    /// only a pure function of the record will do.
    fn see(record: &Record) -> Self::Seen;

    /// What was kept of each bound record, in input order, up to the
    /// first bad record.
    fn record(&mut self, seen: Self::Seen);

    /// Every record is evaluated and every worker thread has ended; the
    /// statement is settled next, its lines moving into lists of their
    /// final length. A program may tell its allocator to return freed
    /// memory at once from here on.
    fn settling(&mut self) {}
}

/// Watching nothing.
impl Watch for () {
    type Seen = ();

    fn see(_: &Record) {}

    fn record(&mut self, (): ()) {}
}

/// Two watches at once.
impl<A: Watch, B: Watch> Watch for (A, B) {
    type Seen = (A::Seen, B::Seen);

    fn see(record: &Record) -> Self::Seen {
        (A::see(record), B::see(record))
    }

    fn record(&mut self, (a, b): Self::Seen) {
        self.0.record(a);
        self.1.record(b);
    }

    fn settling(&mut self) {
        self.0.settling();
        self.1.settling();
    }
}

/// A watch the caller keeps.
impl<W: Watch> Watch for &mut W {
    type Seen = W::Seen;

    fn see(record: &Record) -> Self::Seen {
        W::see(record)
    }

    fn record(&mut self, seen: Self::Seen) {
        (**self).record(seen);
    }

    fn settling(&mut self) {
        (**self).settling();
    }
}

/// [`calculate`] with the records evaluated on `threads` threads (see
/// [`parallel`]; the statement is the same, byte for byte, for any number),
/// showing what `watch` keeps of every bound record to it, in input order.
/// A reader on threads ([`RecordReader::with_threads`]) parses, binds and
/// evaluates each record on one worker ([`each_evaluated_in`]).
pub fn calculate_on(
    threads: Threads,
    contract: &Contract,
    evaluator: &Evaluator,
    records: &mut RecordReader,
    inputs: Inputs,
    request: Request,
    mut watch: impl Watch,
) -> Result<Statement, CalcError> {
    calculate_with(threads, contract, evaluator, inputs, request, &mut watch, |watch, evaluate, take| {
        each_evaluated_in(threads, evaluator, records, watch, evaluate, take)
    })
}

/// What evaluating one record gives: its outcome, and what the impact
/// payments take from it.
type Evaluated = (RecordOutcome, Option<impact::Observation>);

/// Evaluates and settles: `read` hands every record to the `evaluate` it
/// is given (on any thread) and each result to `take` (in input order),
/// showing them to `watch`, and gives how many records were read.
fn calculate_with<W: Watch>(
    threads: Threads,
    contract: &Contract,
    evaluator: &Evaluator,
    inputs: Inputs,
    request: Request,
    watch: &mut W,
    read: impl FnOnce(
        &mut W,
        &(dyn Fn(&mut Parts, Record) -> Result<Evaluated, CalcError> + Sync),
        &mut (dyn FnMut(Evaluated) -> Result<(), CalcError> + Send),
    ) -> Result<u64, CalcError>,
) -> Result<Statement, CalcError> {
    let mut settlement = Settlement::default();
    let mut impact = impact::ImpactTallies::new(contract);
    let needs = impact.needs();
    let as_of = request.as_of;
    // Per record, on any thread: everything that runs a rule.
    let evaluate = |parts: &mut Parts, record: Record| -> Result<_, CalcError> {
        let mut outcome = evaluator.evaluate_with(&record, as_of, parts)?;
        let observed = needs.observe(evaluator, &record, &mut outcome, as_of)?;
        // Settling never reads the first achievements: they are freed here,
        // on the thread that made them (a free on another thread costs both).
        if let RecordOutcome::Eligible(e) = &mut outcome {
            e.first = Vec::new();
        }
        Ok((outcome, observed))
    };
    // In input order, on one thread: everything that adds up.
    let mut take = |(outcome, observed): Evaluated| {
        settlement.add(outcome);
        observed.map_or(Ok(()), |o| impact.add(o))
    };
    let read = read(watch, &evaluate, &mut take)?;
    watch.settling();
    settlement.counts.records_read = read;
    settlement.add_impact(impact.lines(request.as_of)?);
    Ok(settle(threads, contract, settlement, inputs, request)?)
}

/// Bind every record to the contract and hand each to `take`, in input
/// order; gives how many records were read. After the first bad record the
/// rest are only read, so that every error is reported at once (errors past
/// the limit are counted, so the last note says how many), and `take` is
/// not called again: evaluating would be wasted.
pub fn each_bound_record<E: From<Vec<Diagnostic>>>(
    evaluator: &Evaluator,
    records: impl Iterator<Item = Result<Record, Diagnostic>>,
    mut take: impl FnMut(Record) -> Result<(), E>,
) -> Result<u64, E> {
    let mut errors = ErrorLimit::new(MAX_RECORD_ERRORS);
    let mut read = 0;
    for record in records {
        match record.and_then(|r| evaluator.bind(r)) {
            Ok(record) => {
                read += 1;
                if errors.is_empty() {
                    take(record)?;
                }
            }
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(read)
    } else {
        Err(errors.into_diagnostics().into())
    }
}

/// Fingerprints of the contract, its rule libraries and the record files
/// read. Files are named without their folder, so the same inputs give the
/// same bytes wherever the run is started from.
pub fn fingerprint(contract: &Contract, records: &Path) -> std::io::Result<Inputs> {
    let mut files = BTreeMap::new();
    if records.is_dir() {
        for name in crate::records::table_files() {
            let path = records.join(name);
            if path.is_file() {
                files.insert(name.to_string(), sha256_file(&path)?);
            }
        }
    } else {
        files.insert(file_name(records), sha256_file(records)?);
    }
    Ok(Inputs {
        contract_file: contract.file_name(),
        contract_sha256: sha256(contract.text.as_bytes()),
        libraries: contract.libraries.iter().map(|l| (l.name.clone(), sha256(l.text.as_bytes()))).collect(),
        records: files,
        contract_version: contract.version.clone(),
        tulos_version: crate::statement::TULOS_VERSION.to_string(),
    })
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex SHA-256 of a file, streamed in 1 MiB reads (few system
/// calls on a file of a million records): memory stays small whatever the
/// file's size.
fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(hex(&hasher.finalize())),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Lower-case hex of a digest.
pub(crate) fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
