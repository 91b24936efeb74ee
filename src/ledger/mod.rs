//! Payment runs (maksuajot): a SQLite ledger that pays each statement line
//! at most once, and seals every run it records.
//!
//! Owns the ledger file (one SQLite database, versioned schema, created on
//! first use), the payment run — what a cumulative statement owes beyond
//! what earlier runs of the same contract paid — its canonical JSON export
//! and digest, the hash chain of a contract's runs, replay and verify.
//!
//! It depends on `payment`, `statement`, `records` and `contract`; nothing
//! depends on it.
//!
//! Invariants:
//! - **A line identity (contract, participant, item, occurrence) is paid at
//!   most once.** A run pays the difference between the cumulative
//!   statement as of its date and everything earlier runs recorded for
//!   that identity; caps are already applied over all lines in the
//!   statement, so what was paid counts against them.
//! - **A committed run is frozen.** Later data or an amendment change
//!   nothing in it; they add entries to a later run, each with its reason
//!   and the old and new value (`plan.rs`).
//! - **One commit is one transaction** (`BEGIN IMMEDIATE`): the run and all
//!   its entries, or nothing; a second committer waits or is refused.
//! - **A run's digest is SHA-256 over its canonical JSON** (sorted keys,
//!   money with the contract's decimals, no timestamps), which includes the
//!   previous run's digest: the runs of a contract form a chain that
//!   `verify` walks.

mod audit;
mod canonical;
mod dates;
mod diff;
mod plan;
mod replay;
mod store;
mod text;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use audit::{sample, Sheet, Stratum, Workpaper};
pub use canonical::{digest, export};
pub use dates::DataDates;
pub use diff::{diff, Against, Cause, Diff, DiffError, LineChange};
pub use replay::{replay, Difference, Replay, ReplayError};
pub use store::{Ledger, Problem};
pub use text::{list_text, run_text};

/// What one entry of a run does to a line identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A line paid for the first time, whatever its achievement date.
    Payment,
    /// A paid line whose date or amount changed: the difference only.
    Adjustment,
    /// A paid line the records no longer support, recovered
    /// (`[payment] clawback = true`).
    Clawback,
    /// A paid outcome replaced by a higher exclusive one: its amount is
    /// offset, so the two pay the difference only.
    Replaced,
    /// A paid line the records no longer support, flagged for review
    /// (amount 0; the contract does not allow a clawback).
    Review,
}

impl EntryKind {
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::Payment => "payment",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Clawback => "clawback",
            EntryKind::Replaced => "replaced",
            EntryKind::Review => "review",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [EntryKind::Payment, EntryKind::Adjustment, EntryKind::Clawback, EntryKind::Replaced, EntryKind::Review]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

/// A line as a run recorded it: what decides its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Values {
    pub achieved_on: NaiveDate,
    pub tariff: Decimal,
    pub withheld: Decimal,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// One payment or adjustment of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub contract: String,
    /// Empty for contract-level lines (fees).
    #[serde(serialize_with = "redacted")]
    pub participant: String,
    pub item: String,
    pub occurrence: u32,
    pub kind: EntryKind,
    /// Why: what changed, with the rule and clause behind the line.
    #[serde(serialize_with = "redacted")]
    pub reason: String,
    /// The line as last recorded by an earlier run (none for a payment).
    pub old: Option<Values>,
    /// The line as the records now support it (none when they no longer do).
    pub new: Option<Values>,
    /// What this entry pays; negative recovers.
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

fn redacted<S: serde::Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::records::hetu::redact(value))
}

/// Control totals of a run: number of entries and their sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ControlTotals {
    pub lines: u64,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// A rule library as a run stored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRule {
    pub sha256: String,
    pub text: String,
}

/// The days a run pays for: after the previous run's as-of date up to its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunPeriod {
    /// The previous run's as-of date; none for a contract's first run.
    pub after: Option<NaiveDate>,
    pub to: NaiveDate,
}

/// A sealed payment run (or the preview of one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// Run id in the ledger (also the id of a preview, if committed now).
    pub id: i64,
    pub contract: String,
    /// The n-th run of this contract, from 1.
    pub seq: i64,
    pub contract_version: Option<String>,
    pub as_of: NaiveDate,
    pub period: RunPeriod,
    pub tulos_version: String,
    pub contract_file: String,
    pub contract_sha256: String,
    pub contract_text: String,
    /// Rule libraries by the name written in `uses`.
    pub rules: BTreeMap<String, StoredRule>,
    /// Record files by name → sha256.
    pub records: BTreeMap<String, String>,
    pub lines: Vec<Entry>,
    pub totals: ControlTotals,
    /// Digest of the contract's previous run: the chain link.
    pub previous_digest: Option<String>,
}

/// One row of `tulos ledger list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub contract: String,
    pub version: Option<String>,
    pub as_of: NaiveDate,
    pub lines: u64,
    pub net: Decimal,
    pub gross: Decimal,
    pub digest: String,
}

/// Why the ledger cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger {path}: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
    #[error("ledger {path}: another payment run is being committed to it; try again when it has finished")]
    Busy { path: String },
    #[error("{path} is not a tulos ledger (it holds other tables); give a new file name or an existing ledger")]
    NotALedger { path: String },
    #[error("ledger {path} has schema version {found}, this tulos reads version {expected}; use a newer tulos")]
    NewerSchema { path: String, found: i64, expected: i64 },
    #[error("there is no ledger at {path}; give the file a committed run was recorded in")]
    NoLedger { path: String },
    #[error("ledger {path} has no run {id}; `tulos ledger list --ledger {path}` shows its runs")]
    NoRun { path: String, id: i64 },
    #[error(
        "contract {contract}: as of {as_of} is before the as-of date of run {run} ({previous}); runs are committed in \
         date order — give --as-of {previous} or later"
    )]
    AsOfBeforePrevious { contract: String, as_of: NaiveDate, run: i64, previous: NaiveDate },
    #[error(
        "ledger {path}: {problem}; the ledger was altered — restore it from a backup (`tulos ledger verify` lists \
         every problem) before paying"
    )]
    Tampered { path: String, problem: Problem },
    #[error("ledger {path}: run {run} holds {what} \"{found}\" that cannot be read; run `tulos ledger verify`")]
    Corrupt { path: String, run: i64, what: &'static str, found: String },
    #[error(
        "the run is as of {as_of}, but the newest date in the records is {newest}: the records cannot know what \
         happened after they were extracted. Give --as-of {newest}, or, if the records were extracted on {as_of}, \
         say so with --records-extracted-on {as_of}"
    )]
    DataBeforeAsOf { as_of: NaiveDate, newest: NaiveDate },
    #[error(
        "the run is as of {as_of}, but --records-extracted-on says the records were extracted on {extracted}, \
         before it: give --as-of {extracted} or records extracted on {as_of} or later"
    )]
    ExtractedBeforeAsOf { as_of: NaiveDate, extracted: NaiveDate },
    #[error("contract {contract}: participant {participant}, `{item}`: {what} is too large to compute exactly")]
    Overflow { contract: String, participant: String, item: String, what: &'static str },
}

/// Test-only hook: when this environment variable is set, a commit aborts
/// the process after writing part of the run, before `COMMIT`, so a test
/// can show that a killed commit leaves nothing behind. Never set it in use.
pub const ABORT_MID_COMMIT_FOR_TESTS: &str = "TULOS_TEST_ABORT_MID_COMMIT";
