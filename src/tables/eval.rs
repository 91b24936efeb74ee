//! Evaluating a table for one participant: input checks, matching rows,
//! and the DMN 1.3 hit policies and aggregators that turn matches into a
//! result.
//!
//! Decisions beyond DMN: `collect` lists matches in row order (DMN:
//! arbitrary) so results are reproducible; priorities compare output
//! columns left to right, each by its `values` order (first = highest),
//! columns without `values` not taking part; ties keep row order.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::Serialize;

use super::cell::compare;
use super::{Aggregator, ColumnType, DecisionTable, HitPolicy, InputColumn, Row, Value};
use crate::calendar::parse_iso_date;
use crate::money::parse_decimal;

/// A hit-policy violation or bad input, for one evaluation. The caller
/// adds which participant it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("table {table:?}: no value given for input {column:?}")]
    MissingInput { table: String, column: String },
    #[error("table {table:?} has no input column {column:?}")]
    UnknownInput { table: String, column: String },
    #[error("table {table:?}, input {column:?}: {reason}")]
    InvalidInput {
        table: String,
        column: String,
        reason: String,
    },
    #[error(
        "table {table:?} has hit policy unique, but rows {} all match",
        rows_list(rows)
    )]
    UniqueViolation { table: String, rows: Vec<usize> },
    #[error(
        "table {table:?} has hit policy any, but rows {} match with different outputs",
        rows_list(rows)
    )]
    AnyConflict { table: String, rows: Vec<usize> },
}

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableResult {
    pub table: String,
    pub hit_policy: HitPolicy,
    /// Every row whose conditions all hold, 1-based, in row order.
    pub matched_rows: Vec<usize>,
    /// The rows the output comes from, in output order (the winner for
    /// first/priority/any, all matches for the multi-hit policies).
    pub result_rows: Vec<usize>,
    pub output: TableOutput,
}

/// What a table returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum TableOutput {
    /// No row matched a single-hit table (the caller gives a coded reason).
    None,
    /// One row's outputs, by output column name.
    Single(BTreeMap<String, Value>),
    /// Several rows' outputs (output_order, rule_order, collect).
    List(Vec<BTreeMap<String, Value>>),
    /// collect with an aggregator; null when sum/min/max had no match.
    Aggregate(Value),
}

impl TableResult {
    /// A few lines for people: which rows matched and what came out.
    pub fn render_text(&self) -> String {
        let mut out = format!("table {} ({})\n", self.table, self.hit_policy);
        let matched = if self.matched_rows.is_empty() {
            "none".to_string()
        } else {
            rows_list(&self.matched_rows)
        };
        let _ = writeln!(out, "matched rows: {matched}");
        match &self.output {
            TableOutput::None => out.push_str("result: none (no row matched)\n"),
            TableOutput::Single(values) => {
                let _ = writeln!(
                    out,
                    "result from row {}: {}",
                    self.result_rows[0],
                    assignments(values)
                );
            }
            TableOutput::List(items) => {
                out.push_str("result:\n");
                for (row, values) in self.result_rows.iter().zip(items) {
                    let _ = writeln!(out, "  row {row}: {}", assignments(values));
                }
            }
            TableOutput::Aggregate(v) => {
                let _ = writeln!(out, "result: {v}");
            }
        }
        out
    }
}

fn assignments(values: &BTreeMap<String, Value>) -> String {
    let parts: Vec<String> = values.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    parts.join(", ")
}

/// `1`, `1 and 3`, `1, 2 and 3`.
pub(crate) fn rows_list(rows: &[usize]) -> String {
    match rows {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(usize::to_string).collect();
            format!("{} and {last}", init.join(", "))
        }
    }
}

pub(super) fn evaluate(
    table: &DecisionTable,
    inputs: &BTreeMap<String, Value>,
) -> Result<TableResult, TableError> {
    let values = input_values(table, inputs)?;
    let matched: Vec<&Row> = table
        .rows
        .iter()
        .filter(|row| {
            row.conditions
                .iter()
                .zip(&values)
                .all(|(c, v)| c.matches(v))
        })
        .collect();
    let (result, output) = apply_policy(table, &matched)?;
    Ok(TableResult {
        table: table.name.clone(),
        hit_policy: table.hit_policy,
        matched_rows: matched.iter().map(|r| r.number).collect(),
        result_rows: result.iter().map(|r| r.number).collect(),
        output,
    })
}

/// The inputs in column order, each checked against its column.
fn input_values<'v>(
    table: &DecisionTable,
    inputs: &'v BTreeMap<String, Value>,
) -> Result<Vec<&'v Value>, TableError> {
    if let Some(unknown) = inputs.keys().find(|k| table.input(k).is_none()) {
        return Err(TableError::UnknownInput {
            table: table.name.clone(),
            column: unknown.clone(),
        });
    }
    table
        .inputs
        .iter()
        .map(|col| {
            let value = inputs
                .get(&col.name)
                .ok_or_else(|| TableError::MissingInput {
                    table: table.name.clone(),
                    column: col.name.clone(),
                })?;
            validate_input(col, value).map_err(|reason| TableError::InvalidInput {
                table: table.name.clone(),
                column: col.name.clone(),
                reason,
            })?;
            Ok(value)
        })
        .collect()
}

/// A value fits a column if it has the column's type (or is null) and
/// lies within the column's `values`.
fn validate_input(col: &InputColumn, value: &Value) -> Result<(), String> {
    let Some(ty) = value.column_type() else {
        return Ok(());
    };
    if ty != col.column_type {
        return Err(format!(
            "expected a {}, found the {} {value}",
            col.column_type.name(),
            ty.name()
        ));
    }
    let Some(domain) = &col.domain else {
        return Ok(());
    };
    let outside: Vec<String> = match value {
        Value::TextSet(items) => items
            .iter()
            .filter(|i| !domain.matches(&Value::Text((*i).clone())))
            .map(|i| format!("{i:?}"))
            .collect(),
        single if !domain.matches(single) => vec![single.to_string()],
        _ => Vec::new(),
    };
    if outside.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} is not among the allowed values {domain}",
            outside.join(", ")
        ))
    }
}

type Outcome<'t> = (Vec<&'t Row>, TableOutput);

fn apply_policy<'t>(table: &DecisionTable, matched: &[&'t Row]) -> Result<Outcome<'t>, TableError> {
    let rows = || matched.iter().map(|r| r.number).collect();
    match table.hit_policy {
        HitPolicy::Unique if matched.len() > 1 => Err(TableError::UniqueViolation {
            table: table.name.clone(),
            rows: rows(),
        }),
        HitPolicy::Any if matched.iter().any(|r| r.outputs != matched[0].outputs) => {
            Err(TableError::AnyConflict {
                table: table.name.clone(),
                rows: rows(),
            })
        }
        HitPolicy::Unique | HitPolicy::Any | HitPolicy::First => Ok(single(table, matched.first())),
        HitPolicy::Priority => {
            let best = sorted_by_priority(table, matched).into_iter().next();
            Ok(single(table, best.as_ref()))
        }
        HitPolicy::OutputOrder => Ok(list(table, sorted_by_priority(table, matched))),
        HitPolicy::RuleOrder | HitPolicy::Collect(None) => Ok(list(table, matched.to_vec())),
        HitPolicy::Collect(Some(agg)) => Ok((matched.to_vec(), aggregate(agg, matched))),
    }
}

fn single<'t>(table: &DecisionTable, row: Option<&&'t Row>) -> Outcome<'t> {
    match row {
        Some(row) => (vec![*row], TableOutput::Single(output_map(table, row))),
        None => (Vec::new(), TableOutput::None),
    }
}

fn list<'t>(table: &DecisionTable, rows: Vec<&'t Row>) -> Outcome<'t> {
    let items = rows.iter().map(|r| output_map(table, r)).collect();
    (rows, TableOutput::List(items))
}

fn output_map(table: &DecisionTable, row: &Row) -> BTreeMap<String, Value> {
    table
        .outputs
        .iter()
        .zip(&row.outputs)
        .map(|(c, v)| (c.name.clone(), v.clone()))
        .collect()
}

/// Matches, highest priority first; a stable sort keeps row order on ties.
fn sorted_by_priority<'t>(table: &DecisionTable, matched: &[&'t Row]) -> Vec<&'t Row> {
    let mut rows = matched.to_vec();
    rows.sort_by_key(|r| priority_key(table, r));
    rows
}

/// Per output column with `values`, the position of the row's value in
/// that list (0 = highest priority).
pub(crate) fn priority_key(table: &DecisionTable, row: &Row) -> Vec<usize> {
    table
        .outputs
        .iter()
        .zip(&row.outputs)
        .filter_map(|(col, v)| {
            col.values
                .as_ref()
                .map(|vals| vals.iter().position(|x| x == v))
        })
        // Parsing guarantees every output value is listed.
        .map(|pos| pos.unwrap_or(usize::MAX))
        .collect()
}

/// The single output column's values folded by `agg` (parsing guarantees
/// one output column of a fitting type).
fn aggregate(agg: Aggregator, matched: &[&Row]) -> TableOutput {
    let values = matched.iter().map(|r| &r.outputs[0]);
    let value = match agg {
        Aggregator::Count => Value::Number(Decimal::from(matched.len())),
        Aggregator::Sum => values
            .filter_map(|v| match v {
                Value::Number(n) => Some(*n),
                _ => None,
            })
            .reduce(|a, b| a + b)
            .map_or(Value::Null, Value::Number),
        Aggregator::Min => extreme(values, Ordering::Less),
        Aggregator::Max => extreme(values, Ordering::Greater),
    };
    TableOutput::Aggregate(value)
}

/// The value that compares `wanted` against all others; null when empty.
fn extreme<'v>(values: impl Iterator<Item = &'v Value>, wanted: Ordering) -> Value {
    values
        .reduce(|best, v| {
            if compare(v, best) == Some(wanted) {
                v
            } else {
                best
            }
        })
        .cloned()
        .unwrap_or(Value::Null)
}

pub(super) fn parse_input(
    table: &DecisionTable,
    column: &str,
    text: &str,
) -> Result<Value, String> {
    let col = table.input(column).ok_or_else(|| {
        let names: Vec<&str> = table.inputs.iter().map(|c| c.name.as_str()).collect();
        format!(
            "table {} has no input {column:?}; its inputs are {}",
            table.name,
            names.join(", ")
        )
    })?;
    let text = text.trim();
    let value = match col.column_type {
        ColumnType::Text => Value::Text(text.to_string()),
        ColumnType::Number => parse_decimal(text)
            .map(Value::Number)
            .ok_or_else(|| format!("expected a number such as 23 or 1200.50, found {text:?}"))?,
        ColumnType::Date => parse_iso_date(text)
            .map(Value::Date)
            .ok_or_else(|| format!("expected a date such as 2026-01-01, found {text:?}"))?,
        ColumnType::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("expected true or false, found {text:?}")),
        },
        ColumnType::TextSet => {
            Value::text_set(text.split(',').map(str::trim).filter(|s| !s.is_empty()))
        }
    };
    validate_input(col, &value)?;
    Ok(value)
}
