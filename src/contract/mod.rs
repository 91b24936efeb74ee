//! Contracts: the outcome rules a procurement contract declares.
//!
//! Owns the contract file format (`contracts/**/*.toml`, documented in the
//! README), its validation with diagnostics that point at file, line and
//! column, and the validated model the payment engine evaluates. Rule texts
//! stay text here; `scripting` compiles them.

mod parse;
mod read;
mod standard_outcome;
mod terms;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::money::Rounding;

pub use parse::effectiveness::{Counted, EffectivenessSettings, Indicator, StandardIndicator, ValueIndicator};
pub use parse::impact::{Additional, Counterfactual, ImpactMeasure, ImpactPayment, PayOn, ValueRule, ValueTerm};
pub use parse::{parse, parse_with};
pub use standard_outcome::{Amount, Anchor, Count, StandardCondition, StandardDate, Start};
/// The keys each section of a contract may hold, as the parser checks them
/// (read by `crate::schema`, so the schema cannot drift from the parser).
pub(crate) mod keys {
    pub(crate) use super::parse::effectiveness::{EFFECTIVENESS_KEYS, INDICATOR_KEYS};
    pub(crate) use super::parse::impact::{IMPACT_KEYS, TERM_KEYS, VALUE_KEYS};
    pub(crate) use super::parse::terms_payment::{OUTCOME_KEYS as OUTCOME_PAYMENT_KEYS, RULE_REF_KEYS};
    pub(crate) use super::parse::{
        CAPS_KEYS, CONTRACT_KEYS, DATE_RANGE_KEYS, ELIGIBILITY_KEYS, EXCLUSIVE_KEYS, FIXED_FEE_KEYS, MULTIPLIER_KEYS,
        NAMES_KEYS, OUTCOME_KEYS, PAYMENT_KEYS, ROUNDING_KEYS, SELECTOR_KEYS, START_FEE_KEYS, TABLE_REF_KEYS, TOP_KEYS,
    };
    pub(crate) use super::standard_outcome::{
        CONDITION_KEYS as STANDARD_CONDITION_KEYS, DATE_KEYS as STANDARD_DATE_KEYS,
    };
    pub(crate) use super::terms::{ATTRIBUTE_KEYS, ELIGIBILITY_TEST_KEYS};
}
pub use terms::{codes as eligibility_codes, standard_library, FAR_YEARS, STANDARD_LIBRARIES};

/// A name in the contract's two languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    pub fi: String,
    pub en: String,
}

/// An inclusive date range; `to: None` = open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    pub fn contains(&self, d: NaiveDate) -> bool {
        d >= self.from && self.to.is_none_or(|t| d <= t)
    }
}

/// A value that may change by amendment (sopimusmuutos): each version is in
/// force from its `from` date until the next version's `from` (or its own
/// `to`). Versions never overlap; a date outside every version has no value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline<T> {
    pub versions: Vec<Version<T>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version<T> {
    pub period: DateRange,
    pub value: T,
    /// The contract clause the value comes from (e.g. "§ 6.2", "Muutos 1").
    pub clause: Option<String>,
}

impl<T> Timeline<T> {
    /// The version in force on `date`.
    pub fn on(&self, date: NaiveDate) -> Option<&Version<T>> {
        self.versions.iter().find(|v| v.period.contains(date))
    }
}

/// Rule text embedded in the contract file, with where it starts there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleText {
    pub text: String,
    /// 1-based line and column in the contract file of the text's first
    /// character (exact for literal strings `'…'` / `'''…'''`).
    pub line: u64,
    pub column: u64,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// Type of a declared record attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeType {
    Text,
    Number,
    Date,
    Boolean,
}

/// Who a selection applies to: target groups, municipalities and an
/// optional rule. Every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Selector {
    /// In at least one of these groups.
    pub groups_any: Vec<String>,
    /// In all of these groups.
    pub groups_all: Vec<String>,
    /// In none of these groups.
    pub groups_none: Vec<String>,
    /// Home municipality is one of these.
    pub municipalities: Vec<String>,
    /// A rhai condition returning true or false.
    pub condition: Option<RuleText>,
}

/// Who counts under the contract (kohderyhmä ja osallistumisehdot).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Eligibility {
    pub service_start: Option<DateRange>,
    /// Only participants who completed the service as planned.
    pub completed_only: bool,
    pub who: Selector,
    /// A decision table with a boolean output that must be true.
    pub table: Option<TableRef>,
    pub clause: Option<String>,
    /// `[[eligibility.test]]`: tests with the contract's own reason codes,
    /// after the built-in ones, in file order.
    pub tests: Vec<EligibilityTest>,
}

/// An eligibility test the contract names (`[[eligibility.test]]`): a
/// participant for whom its condition is false, or its table does not give
/// `true`, is not eligible with reason `code` (e.g. `under_18`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EligibilityTest {
    pub code: String,
    /// A rule returning true (eligible) or false.
    pub condition: Option<RuleText>,
    /// A decision table with a boolean output that must be true.
    pub table: Option<TableRef>,
    pub clause: Option<String>,
}

/// What kind of payable item a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Attachment fee per participant (aloitusmaksu), due on service start.
    StartFee,
    /// A result or impact outcome (tulospalkkio).
    Outcome,
    /// A fee not tied to a participant (kiinteä maksu), e.g. monthly.
    FixedFee,
    /// A contract-level payment on impact (`[[impact_payment]]`).
    Impact,
}

/// When a participant item is achieved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Achievement {
    /// On the first day of the service (start fee).
    ServiceStart,
    /// The rule returns a date, a list of dates (recurring) or nothing.
    Rule(RuleText),
    /// A standard form (`achieved_on = { first_day_in = … }`), evaluated
    /// without a rule.
    Standard(StandardDate),
}

/// Where an item's tariff comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Tariff {
    /// An amount, possibly changed by amendments.
    Fixed(Timeline<Decimal>),
    /// Looked up in a decision table.
    Table(TableRef),
    /// Computed by a rule returning a decimal (`tariff = { rule = '…' }`).
    Rule(RuleText),
}

/// A value looked up in one of the contract's decision tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRef {
    /// Name of the table (`[tables.NAME]`).
    pub table: String,
    /// The output column to read.
    pub output: String,
}

/// A multiplier's factor: fixed, or from a decision table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Factor {
    Fixed(Decimal),
    Table(TableRef),
    /// Computed by a rule returning a decimal (`factor = { rule = '…' }`).
    Rule(RuleText),
}

/// A record value a decision-table input column can name with `from`.
/// Derived values are computed for the participant being evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The id of the item being priced (tariff and multiplier tables).
    Outcome,
    /// Target groups (a set of tags).
    Groups,
    Municipality,
    /// Age in whole years on the service start date.
    Age,
    ServiceStart,
    ServiceEnd,
    Completed,
    /// Days of uninterrupted unemployment up to the day before the service
    /// started (työttömyyden kesto palvelun alkaessa).
    UnemploymentDaysBeforeStart,
    /// A declared attribute: `attr.NAME`.
    Attribute(String),
}

impl Field {
    pub const NAMES: [&'static str; 8] = [
        "outcome",
        "groups",
        "municipality",
        "age",
        "service_start",
        "service_end",
        "completed",
        "unemployment_days_before_start",
    ];

    pub fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "outcome" => Field::Outcome,
            "groups" => Field::Groups,
            "municipality" => Field::Municipality,
            "age" => Field::Age,
            "service_start" => Field::ServiceStart,
            "service_end" => Field::ServiceEnd,
            "completed" => Field::Completed,
            "unemployment_days_before_start" => Field::UnemploymentDaysBeforeStart,
            _ => Field::Attribute(name.strip_prefix("attr.")?.to_string()),
        })
    }
}

/// How a decision table's input column gets its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Input {
    Field(Field),
    Rule(RuleText),
    /// No source: only `tulos table` can give it a value.
    Given,
}

/// A payable item of a participant: the start fee or an outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub name: Names,
    pub clause: Option<String>,
    /// Must hold for the item to be achieved (a rule).
    pub condition: Option<RuleText>,
    /// Must give `true` for the item to be achieved (a decision table with
    /// a boolean output; `condition = { table = "…" }`).
    pub condition_table: Option<TableRef>,
    /// Must hold for the item to be achieved (a standard form,
    /// `condition = { measure_gain = … }`).
    pub condition_standard: Option<StandardCondition>,
    pub achieved_on: Achievement,
    pub tariff: Tariff,
    /// Outcomes that must have been achieved on or before this one.
    pub requires: Vec<String>,
    /// At most this many payments per participant (occurrences).
    pub max_per_participant: u32,
    /// The limit read per participant from a table or a rule instead of
    /// `max_per_participant` (`max_per_participant = { table = … }`).
    pub max_from: Option<Occurrences>,
    /// Ceiling on this item's payments over all participants.
    pub cap_total: Option<Decimal>,
    /// Ceiling on this item's payments to one participant.
    pub cap_per_participant: Option<Decimal>,
    /// Whether the item counts against `[caps] per_participant` (default true).
    pub in_participant_cap: bool,
    /// Line of the item's header in the contract file, for traces.
    pub line: u64,
}

/// Where a participant's occurrence limit comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Occurrences {
    /// A decision table's output (a whole number).
    Table(TableRef),
    /// A rule returning a whole number.
    Rule(RuleText),
}

/// How a monthly fee is paid for a month the fee covers only in part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Prorate {
    /// Only whole months are paid (default).
    #[default]
    Whole,
    /// A part month pays amount × days in force / days in the month.
    CalendarDays,
}

/// How often a fixed fee falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    /// Due on the last day of each calendar month of its period.
    Month,
    /// Due once, on the first day of its period.
    Once,
}

/// A fee not tied to a participant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixedFee {
    pub id: String,
    pub name: Names,
    pub clause: Option<String>,
    pub amount: Decimal,
    pub every: Every,
    pub period: DateRange,
    /// Part months of a monthly fee (`prorate = "calendar_days"`).
    pub prorate: Prorate,
    pub line: u64,
}

/// A price multiplier for harder-to-help participants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Multiplier {
    pub id: String,
    pub when: Selector,
    pub factor: Factor,
    /// Items it applies to; empty = every outcome (never fees).
    pub items: Vec<String>,
    pub clause: Option<String>,
}

/// How several matching multipliers combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Only the largest factor applies (default).
    #[default]
    Highest,
    /// Factors multiply.
    Product,
}

/// Mutually exclusive outcomes: only one of them is paid, chosen by the
/// group's policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusive {
    pub items: Vec<String>,
    pub clause: Option<String>,
    pub policy: ExclusivePolicy,
}

/// Which of a participant's exclusive outcomes is paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusivePolicy {
    /// The highest total amount (ties: the one listed first).
    #[default]
    Highest,
    /// The earliest achieved (ties: the higher amount, then the one listed first).
    Earliest,
}

/// Budget ceilings (enimmäismäärät). Order of application: documented in
/// `payment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Caps {
    pub per_participant: Option<Decimal>,
    pub contract_total: Option<Decimal>,
}

/// A validated contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub file: PathBuf,
    #[serde(skip)]
    pub text: String,
    pub id: String,
    pub title: Names,
    /// The employment area buying the service (työllisyysalue).
    pub buyer: String,
    pub provider: String,
    /// Service type, e.g. `labour_market_training` (työvoimakoulutus).
    pub service: String,
    pub valid: DateRange,
    pub currency: String,
    /// Total contract value, for fees expressed as a share of it.
    pub value: Option<Decimal>,
    /// The contract's own version label (`[contract] version`), recorded
    /// with statements and payment runs.
    pub version: Option<String>,
    /// `[payment] clawback`: recover a paid outcome the records no longer
    /// support (otherwise a later payment run flags it for review).
    pub clawback: bool,
    /// The VAT rate; with dated versions, the one in force on `valid.from`
    /// (or the first version's).
    pub vat_percent: Decimal,
    /// Dated VAT rates (`vat_percent = [{ from, value }, …]`): each line
    /// uses the rate in force on its date.
    pub vat_versions: Option<Timeline<Decimal>>,
    pub rounding: Rounding,
    pub combine: Combine,
    /// Rule libraries (`rules/*.rhai`) the contract's rules may call.
    pub libraries: Vec<Library>,
    /// Declared vocabulary of target groups; contract references and the
    /// records' groups are checked against it.
    pub groups: Vec<String>,
    /// Spell kinds beyond the standard ones ([`STANDARD_SPELL_KINDS`]).
    pub spell_kinds: Vec<String>,
    /// Event kinds the records may carry; empty = not checked.
    pub event_kinds: Vec<String>,
    pub attributes: BTreeMap<String, AttributeType>,
    /// Attributes every record must carry (`{ type = …, required = true }`).
    pub required_attributes: std::collections::BTreeSet<String>,
    /// Declared instruments (e.g. `change_meter`) and their dimensions;
    /// empty = not checked. Records and rule literals must use these names.
    pub instruments: Vec<String>,
    pub dimensions: Vec<String>,
    /// Which day a 29 February birthday falls on in a common year.
    pub leap_day_birthday: crate::calendar::LeapDayBirthday,
    /// Warnings found while reading (e.g. a date far outside the validity);
    /// `tulos check` shows them, `--strict` fails on them.
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
    pub parameters: BTreeMap<String, Timeline<Parameter>>,
    pub eligibility: Eligibility,
    /// Start fee first (if any), then outcomes in file order.
    pub items: Vec<Item>,
    pub fixed_fees: Vec<FixedFee>,
    pub multipliers: Vec<Multiplier>,
    pub exclusive: Vec<Exclusive>,
    pub caps: Caps,
    /// Decision tables (`[tables.NAME]`), in file order.
    pub tables: Vec<crate::tables::DecisionTable>,
    /// How each table's input columns get their values: table name →
    /// one entry per input column, in column order.
    pub table_inputs: BTreeMap<String, Vec<Input>>,
    /// Rate indicators (`[[indicator]]` with `outcome` or `standard`), in
    /// file order.
    pub indicators: Vec<Indicator>,
    /// Value indicators (`[[indicator]]` with `value`), in file order.
    pub value_indicators: Vec<ValueIndicator>,
    /// Thresholds, targets and windows of the effectiveness measures
    /// (`[effectiveness]`); defaults when the section is left out.
    pub effectiveness: EffectivenessSettings,
    /// Per-participant values (`[[value]]`), in file order.
    pub values: Vec<ValueRule>,
    /// Payments on impact (`[[impact_payment]]`), in file order.
    pub impact_payments: Vec<ImpactPayment>,
}

/// Spell kinds of the interchange format, after normalisation.
pub const STANDARD_SPELL_KINDS: [&str; 7] = [
    "employment",
    "subsidised_employment",
    "apprenticeship",
    "education",
    "entrepreneurship",
    "unemployment",
    "rehabilitation",
];

/// A rule library file read from `rules/` or the contract's folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Library {
    /// As written in the contract (`rules/employment.rhai`).
    pub name: String,
    pub path: PathBuf,
    #[serde(skip)]
    pub text: String,
    /// The standard library built into the binary, used when no `rules/`
    /// folder beside or above the contract has the file.
    pub builtin: bool,
}

/// A contract parameter value rules read as `params.NAME`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Parameter {
    Decimal(Decimal),
    Integer(i64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
}

impl Contract {
    /// The VAT rate in force on `date`; `None` when dated versions leave
    /// `date` uncovered.
    pub fn vat_on(&self, date: NaiveDate) -> Option<Decimal> {
        match &self.vat_versions {
            Some(timeline) => timeline.on(date).map(|v| v.value),
            None => Some(self.vat_percent),
        }
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Everything that makes statement lines — outcomes and fees, fixed
    /// fees, impact payments — as (id, name, clause), in that order.
    pub fn payables(&self) -> impl Iterator<Item = (&str, &Names, Option<&str>)> {
        let items = self.items.iter().map(|i| (i.id.as_str(), &i.name, i.clause.as_deref()));
        let fees = self.fixed_fees.iter().map(|f| (f.id.as_str(), &f.name, f.clause.as_deref()));
        let impact = self.impact_payments.iter().map(|p| (p.id.as_str(), &p.name, p.clause.as_deref()));
        items.chain(fees).chain(impact)
    }

    /// The contract file's name without its folder, as statements cite it
    /// (so a statement's bytes do not depend on where a run started).
    pub fn file_name(&self) -> String {
        self.file.file_name().map_or_else(|| self.file.display().to_string(), |n| n.to_string_lossy().into_owned())
    }

    pub fn table(&self, name: &str) -> Option<&crate::tables::DecisionTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// Where a contract's rule libraries (`uses`) are read from.
#[derive(Debug, Clone, Copy)]
pub enum RuleSource<'a> {
    /// The disk: `rules/` beside the contract or above it.
    Files,
    /// Texts stored with a sealed payment run, by the name written in
    /// `uses`: a run is replayed from what it stored, not from today's files.
    Stored(&'a BTreeMap<String, String>),
}

/// Read and validate a contract file.
pub fn load(path: &Path) -> Result<Contract, Diagnostics> {
    parse(path, &read(path)?)
}

/// What a contract file holds: a contract, or only `[tables.*]` (tables
/// translated from other DMN tools, tried and checked before they go into
/// a contract).
#[derive(Debug)]
pub enum ContractFile {
    Contract(Box<Contract>),
    Tables(Vec<crate::tables::DecisionTable>),
}

impl ContractFile {
    pub fn tables(&self) -> &[crate::tables::DecisionTable] {
        match self {
            ContractFile::Contract(c) => &c.tables,
            ContractFile::Tables(tables) => tables,
        }
    }
}

/// Read a contract file, or a file holding only decision tables.
pub fn load_any(path: &Path) -> Result<ContractFile, Diagnostics> {
    let text = read(path)?;
    let is_contract = toml::de::DeTable::parse(&text).map_or(true, |doc| doc.get_ref().get("contract").is_some());
    if is_contract {
        return parse(path, &text).map(|c| ContractFile::Contract(Box::new(c)));
    }
    parse::tables_only(path, &text).map(ContractFile::Tables)
}

fn read(path: &Path) -> Result<String, Diagnostics> {
    std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::error(path, Location::File, format!("cannot read the contract file: {e}"))])
    })
}
