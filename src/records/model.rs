//! The participant outcome record, as read from any input format.
//!
//! This is the in-memory form of `../shared/spec/records.md` (interchange
//! format version 1). Readers normalise while reading so that rules see one
//! vocabulary:
//! - `kind: subsidised_employment` and `kind: employment, sector: subsidised`
//!   both become `kind == "subsidised_employment"`; an `employment` spell
//!   without a sector is open labour market (`kind == "employment"`,
//!   `sector == Some(Sector::Open)`).
//! - Decimal strings in either dialect become exact [`Decimal`]s.
//! - Dates in either dialect become [`NaiveDate`]s.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

/// A short text of a record: an id, a name from the contract's
/// vocabulary, a municipality. Most are a few dozen bytes at most and are
/// kept inline, without an allocation of their own: a record has about
/// twenty of them, and a national run reads a million records.
pub type Text = compact_str::CompactString;

/// Whether a record is a served participant or a member of the comparison
/// group (verrokkiryhmä).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Arm {
    #[default]
    Participant,
    Control,
}

impl Arm {
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Participant => "participant",
            Arm::Control => "control",
        }
    }
}

/// Where a record came from: enough for an auditor to find it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: Arc<PathBuf>,
    /// Physical line (1-based) of the record (JSON Lines) or of its row in
    /// `participants.csv`.
    pub line: u64,
}

/// One person in one procured service, or one matched comparison person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Pseudonymous participant id (never a personal identity code).
    pub id: Text,
    /// Contract the record belongs to; `None` = the contract being evaluated.
    pub contract: Option<Text>,
    pub arm: Arm,
    /// Analysis weight for effectiveness statistics; never used by payments.
    pub weight: Decimal,
    /// Home municipality (kotikunta).
    pub municipality: Option<Text>,
    pub birth_date: Option<NaiveDate>,
    /// Target-group tags (kohderyhmät), in input order, without duplicates.
    pub groups: Vec<Text>,
    pub service: Service,
    pub spells: Vec<Spell>,
    pub earnings: Vec<Earning>,
    pub events: Vec<Event>,
    pub measures: Vec<Measure>,
    pub feedback: Vec<Feedback>,
    /// Further fields a contract may declare and read.
    pub attributes: BTreeMap<Text, AttributeValue>,
    pub origin: Origin,
}

/// The procured service period (participant) or index date (control).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub start: NaiveDate,
    /// Last day of the service; `None` while ongoing.
    pub end: Option<NaiveDate>,
    /// Completed as planned; `Some(false)` = dropped out; `None` = unknown.
    pub completed: Option<bool>,
}

/// Sector of an employment spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sector {
    /// Open labour market (avoimet työmarkkinat).
    Open,
    /// Subsidised work (palkkatuettu työ).
    Subsidised,
}

/// A period of activity: employment, education, unemployment, …
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spell {
    /// Normalised kind: `employment` (open market), `subsidised_employment`,
    /// `apprenticeship`, `education`, `entrepreneurship`, `unemployment`,
    /// `rehabilitation`, or a contract-declared tag.
    pub kind: Text,
    /// For employment kinds: `Open` or `Subsidised`; `None` for other kinds.
    pub sector: Option<Sector>,
    pub start: NaiveDate,
    /// Inclusive last day; `None` = ongoing up to the extraction (as-of) date.
    pub end: Option<NaiveDate>,
    pub hours_per_week: Option<Decimal>,
    pub source: Option<Text>,
}

/// Monthly earnings from the income register (tulorekisteri).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Earning {
    /// Payment month, as the first day of that month.
    pub month: NaiveDate,
    pub amount: Decimal,
}

/// A dated happening that is not a spell (qualification, work trial start…).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub kind: Text,
    pub date: NaiveDate,
    pub value: Option<Text>,
    pub source: Option<Text>,
}

/// One measurement with an instrument, e.g. the customer change meter
/// (asiakasmuutosmittari).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    pub instrument: Text,
    pub date: NaiveDate,
    /// Dimension → score, in dimension-name order.
    pub scores: BTreeMap<Text, Decimal>,
}

/// Customer feedback after the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    pub date: NaiveDate,
    /// Overall satisfaction 1–5.
    pub satisfaction: u8,
}

/// A value of a free attribute, as found in the input. The contract declares
/// each attribute's type and converts with [`AttributeValue::text`] where the
/// input could not say (CSV cells are always text).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AttributeValue {
    /// A JSON string, or any CSV cell (with the dialect it was read in, so
    /// `1,5` and `1.2.2026` convert correctly).
    Text(Text, #[serde(skip)] Dialect),
    Number(Decimal),
    Bool(bool),
    /// Only after conversion by a contract that declares the attribute a
    /// date; readers never produce it.
    Date(NaiveDate),
}

/// The textual conventions a value was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Dialect {
    /// `.` decimals, ISO dates (JSON Lines, comma-separated CSV).
    #[default]
    Standard,
    /// Finnish spreadsheet export: `;` separator, decimal comma, `D.M.YYYY`.
    Finnish,
}
