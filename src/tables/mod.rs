//! Decision tables: tariffs, multipliers and eligibility written as
//! DMN-style tables in the contract.
//!
//! This module owns the `[tables.*]` part of a contract: reading it with
//! exact spans ([`parse_tables`]), evaluating a table for one participant
//! under its hit policy ([`DecisionTable::evaluate`]) and checking a table
//! for gaps, forbidden overlaps and rows that can never win
//! ([`DecisionTable::check`]). Where the input values come from (record
//! fields, derived values, rhai expressions) is the contract layer's job:
//! a table only keeps the [`InputSource`] it was given.
//!
//! Files:
//! - `cell.rs` — the unary-test language of input cells, its parser and matcher;
//! - `parse.rs` — TOML → [`DecisionTable`], collecting every problem as a [`Diagnostic`];
//! - `eval.rs` — hit policies, aggregators and [`TableResult`];
//! - `analysis.rs` — static analysis behind [`DecisionTable::check`].
//!
//! # Format
//!
//! ```toml
//! [tables.job_entry_tariff]
//! title = "Tariff for job entry by target group and age"   # optional
//! clause = "Liite 2, taulukko 1"                            # optional
//! hit_policy = "first"   # unique | any | priority | first | output_order | rule_order | collect
//! # aggregate = "sum"    # only with collect: sum | min | max | count
//! inputs = [
//!   { name = "outcome", from = "outcome", type = "text", values = ["job_entry", "employed_6m"] },
//!   { name = "group",   from = "groups",  type = "text_set" },
//!   { name = "age",     expr = 'age_at(start_date)', type = "number", values = ["[16..67]"] },
//! ]
//! outputs = [ { name = "tariff", type = "decimal" } ]
//! rows = [
//!   #  outcome       group                        age      tariff
//!   [ "job_entry",  "long_term_unemployed",      "-",     "1500.00" ],
//!   [ "job_entry",  "-",                         "< 25",  "1200.00" ],
//!   [ "job_entry",  "not(long_term_unemployed)", ">= 25", "1000.00" ],
//! ]
//! ```
//!
//! # Semantics in brief (see each file for details)
//! - Cells follow DMN 1.3 simple unary tests; see [`cell`] for the grammar.
//! - A missing input ([`Value::Null`]) follows FEEL's three-valued logic,
//!   as DMN tools do: `null` and `-` match it, `= x` does not, `!= x` and
//!   `not(x)` do, and ordering tests and ranges give FEEL null — so neither
//!   `< 5` nor `not(< 5)` matches it.
//! - Input `values` restrict the domain: evaluating with a value outside it
//!   is an error, not a silent non-match.
//! - `hit_policy` is required (DMN defaults to unique): it decides what is
//!   paid, so the officer states it.
//! - `collect` keeps row order (DMN leaves it arbitrary) so that results
//!   are reproducible. Empty `sum`/`min`/`max` is null, empty `count` is 0,
//!   as FEEL's `sum([])` and `count([])`.

mod analysis;
pub mod cell;
mod eval;
mod parse;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

pub use cell::UnaryTests;
pub use eval::{TableError, TableOutput, TableResult};
pub use parse::parse_tables;

/// One value flowing into or out of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Known to be unknown (e.g. no end date yet). Matches only `-`.
    Null,
    Text(String),
    /// Exact decimal; serialized as a string so no digit is lost.
    Number(Decimal),
    Date(NaiveDate),
    Bool(bool),
    /// A set of tags such as the participant's target groups, kept sorted
    /// and without duplicates (see [`Value::text_set`]).
    TextSet(Vec<String>),
}

impl Value {
    /// A text set in its canonical form: sorted, no duplicates.
    pub fn text_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Self {
        let mut v: Vec<String> = items.into_iter().map(Into::into).collect();
        v.sort();
        v.dedup();
        Value::TextSet(v)
    }

    /// The column type a value belongs to; `None` for null.
    pub fn column_type(&self) -> Option<ColumnType> {
        match self {
            Value::Null => None,
            Value::Text(_) => Some(ColumnType::Text),
            Value::Number(_) => Some(ColumnType::Number),
            Value::Date(_) => Some(ColumnType::Date),
            Value::Bool(_) => Some(ColumnType::Boolean),
            Value::TextSet(_) => Some(ColumnType::TextSet),
        }
    }
}

/// The form used in messages: text in double quotes (as in a cell), dates
/// as ISO 8601, sets as `["a", "b"]`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::Bool(b) => write!(f, "{b}"),
            Value::TextSet(items) => {
                let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
                write!(f, "[{}]", quoted.join(", "))
            }
        }
    }
}

/// The type of a column, as written in `type = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Text,
    /// Exact decimal; `decimal` in the file is an alias.
    Number,
    Date,
    Boolean,
    /// A set of tags; only for inputs.
    TextSet,
}

impl ColumnType {
    /// The spellings accepted in the file.
    pub const NAMES: [&'static str; 6] = ["text", "number", "decimal", "date", "boolean", "text_set"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "text" => Some(Self::Text),
            "number" | "decimal" => Some(Self::Number),
            "date" => Some(Self::Date),
            "boolean" => Some(Self::Boolean),
            "text_set" => Some(Self::TextSet),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Boolean => "boolean",
            Self::TextSet => "text_set",
        }
    }
}

/// Where the contract gets an input column's value from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum InputSource {
    /// A record field or derived value name (`from = "age"`), resolved by
    /// the contract layer.
    Field(String),
    /// A rhai expression (`expr = '…'`), compiled by the contract layer.
    /// `span` covers the TOML string including its quotes.
    Expression { text: String, span: Range<usize> },
    /// Neither: the value is given by hand (`tulos table --set`). Such a
    /// table can be tried and checked but not used to pay participants.
    Given,
}

/// How matching rows become the table's result (DMN 1.3 hit policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitPolicy {
    /// At most one row may match; two is an error.
    Unique,
    /// Several rows may match only if their outputs are equal.
    Any,
    /// The match with the highest output priority wins.
    Priority,
    /// The first matching row wins.
    First,
    /// All matches, highest output priority first.
    OutputOrder,
    /// All matches in row order.
    RuleOrder,
    /// All matches (in row order), optionally aggregated to one value.
    Collect(Option<Aggregator>),
}

impl HitPolicy {
    /// The spellings accepted in `hit_policy = "…"`.
    pub const NAMES: [&'static str; 7] =
        ["unique", "any", "priority", "first", "output_order", "rule_order", "collect"];

    /// Parses a name from [`HitPolicy::NAMES`] (collect without
    /// aggregator), or DMN's own spelling, so tables translated from DMN
    /// tools read as written: `U`, `A`, `P`, `F`, `O`, `R`, `C`, `C+`,
    /// `C<`, `C>`, `C#`, and the words in any case (`RULE ORDER`).
    pub fn from_name(name: &str) -> Option<Self> {
        let word = name.trim().to_lowercase().replace([' ', '-'], "_");
        match word.as_str() {
            "u" => return Some(Self::Unique),
            "a" => return Some(Self::Any),
            "p" => return Some(Self::Priority),
            "f" => return Some(Self::First),
            "o" => return Some(Self::OutputOrder),
            "r" => return Some(Self::RuleOrder),
            "c" => return Some(Self::Collect(None)),
            "c+" => return Some(Self::Collect(Some(Aggregator::Sum))),
            "c<" => return Some(Self::Collect(Some(Aggregator::Min))),
            "c>" => return Some(Self::Collect(Some(Aggregator::Max))),
            "c#" => return Some(Self::Collect(Some(Aggregator::Count))),
            _ => {}
        }
        match word.as_str() {
            "unique" => Some(Self::Unique),
            "any" => Some(Self::Any),
            "priority" => Some(Self::Priority),
            "first" => Some(Self::First),
            "output_order" => Some(Self::OutputOrder),
            "rule_order" => Some(Self::RuleOrder),
            "collect" => Some(Self::Collect(None)),
            _ => None,
        }
    }

    /// Whether the result is decided by the output columns' `values` order.
    pub fn uses_output_priority(self) -> bool {
        matches!(self, Self::Priority | Self::OutputOrder)
    }
}

impl fmt::Display for HitPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Unique => "unique",
            Self::Any => "any",
            Self::Priority => "priority",
            Self::First => "first",
            Self::OutputOrder => "output_order",
            Self::RuleOrder => "rule_order",
            Self::Collect(None) => "collect",
            Self::Collect(Some(a)) => return write!(f, "collect with {}", a.name()),
        };
        f.write_str(name)
    }
}

/// How `collect` folds its matches into one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregator {
    Sum,
    Min,
    Max,
    Count,
}

impl Aggregator {
    pub const NAMES: [&'static str; 4] = ["sum", "min", "max", "count"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sum" => Some(Self::Sum),
            "min" => Some(Self::Min),
            "max" => Some(Self::Max),
            "count" => Some(Self::Count),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sum => "sum",
            Self::Min => "min",
            Self::Max => "max",
            Self::Count => "count",
        }
    }
}

/// One input column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputColumn {
    pub name: String,
    pub source: InputSource,
    pub column_type: ColumnType,
    /// The allowed values (`values = […]`): literals for text, literals or
    /// ranges for numbers and dates. `None` = unrestricted.
    pub domain: Option<UnaryTests>,
    /// Span of the column's `{ … }` in the file.
    pub span: Range<usize>,
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputColumn {
    pub name: String,
    pub column_type: ColumnType,
    /// The allowed values in priority order, highest first (DMN output
    /// values); required by `priority` and `output_order`.
    pub values: Option<Vec<Value>>,
    pub span: Range<usize>,
}

/// One row (DMN rule) of a table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// 1-based, as the officer counts rows in the file.
    pub number: usize,
    /// One test per input column.
    pub conditions: Vec<UnaryTests>,
    /// One value per output column.
    pub outputs: Vec<Value>,
    /// Span of the row's `[ … ]` in the file.
    pub span: Range<usize>,
}

/// A parsed, validated decision table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionTable {
    /// The key under `[tables]`.
    pub name: String,
    pub title: Option<String>,
    /// The contract clause the table implements (e.g. "Liite 2, taulukko 1").
    pub clause: Option<String>,
    pub hit_policy: HitPolicy,
    pub inputs: Vec<InputColumn>,
    pub outputs: Vec<OutputColumn>,
    pub rows: Vec<Row>,
    /// Span of the table's body in the file.
    pub span: Range<usize>,
    /// Span of `rows = […]`'s array, where gap warnings point.
    pub rows_span: Range<usize>,
}

impl DecisionTable {
    /// Evaluate the table for one set of inputs, keyed by input column
    /// name. A missing input, a value of the wrong type or outside the
    /// column's `values`, and hit-policy violations are errors.
    pub fn evaluate(&self, inputs: &BTreeMap<String, Value>) -> Result<TableResult, TableError> {
        eval::evaluate(self, inputs)
    }

    /// Static analysis: gaps and masked rows (warnings), overlaps the hit
    /// policy forbids (errors).
    pub fn check(&self, file: &std::path::Path) -> Vec<crate::diagnostic::Diagnostic> {
        analysis::check(self, file)
    }

    /// Parse a value for input `column` as typed on a command line
    /// (`--set age=23`, `--set group=youth,immigrant`, `--set start=2026-01-01`).
    pub fn parse_input(&self, column: &str, text: &str) -> Result<Value, String> {
        eval::parse_input(self, column, text)
    }

    /// The input column called `name`.
    pub fn input(&self, name: &str) -> Option<&InputColumn> {
        self.inputs.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::{Aggregator, HitPolicy};

    #[test]
    fn hit_policies_read_in_dmn_spelling_too() {
        let read = |name| HitPolicy::from_name(name);
        assert_eq!(read("U"), Some(HitPolicy::Unique));
        assert_eq!(read("RULE ORDER"), Some(HitPolicy::RuleOrder));
        assert_eq!(read("Output Order"), Some(HitPolicy::OutputOrder));
        assert_eq!(read("C+"), Some(HitPolicy::Collect(Some(Aggregator::Sum))));
        assert_eq!(read("C#"), Some(HitPolicy::Collect(Some(Aggregator::Count))));
        assert_eq!(read("first"), Some(HitPolicy::First));
        assert_eq!(read("sometimes"), None);
    }
}

/// Parsing from TOML text, for the tests of every file of this module.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::Path;

    use super::{parse_tables, DecisionTable};
    use crate::diagnostic::Diagnostic;

    pub fn parse(text: &str) -> Result<Vec<DecisionTable>, Vec<Diagnostic>> {
        let doc = toml::de::DeTable::parse(text).expect("valid TOML");
        let tables = doc.get_ref().get("tables").expect("a [tables] section");
        parse_tables(Path::new("contract.toml"), tables)
    }

    /// The only table of `text`, which must parse.
    pub fn table(text: &str) -> DecisionTable {
        match parse(text) {
            Ok(mut tables) => tables.remove(0),
            Err(diags) => panic!("{}", diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
        }
    }

    /// The only error of `text`, which must fail to parse with exactly one.
    pub fn error(text: &str) -> Diagnostic {
        let mut diags = parse(text).expect_err("should not parse");
        assert_eq!(diags.len(), 1, "{diags:#?}");
        diags.remove(0)
    }
}
