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
use crate::money::{parse_exact, DecimalError};

/// A hit-policy violation or bad input, for one evaluation. The caller
/// adds which participant it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("table {table:?}: no value given for input {column:?}")]
    MissingInput { table: String, column: String },
    #[error("table {table:?} has no input column {column:?}")]
    UnknownInput { table: String, column: String },
    #[error("table {table:?}, input {column:?}: {reason}")]
    InvalidInput { table: String, column: String, reason: String },
    #[error("table {table:?} has hit policy unique, but rows {} match", rows_list(rows))]
    UniqueViolation { table: String, rows: Vec<usize> },
    #[error("table {table:?} has hit policy any, but rows {} match with different outputs", rows_list(rows))]
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
        let matched = if self.matched_rows.is_empty() { "none".to_string() } else { rows_list(&self.matched_rows) };
        let _ = writeln!(out, "matched rows: {matched}");
        match &self.output {
            TableOutput::None => out.push_str("result: none (no row matched)\n"),
            TableOutput::Single(values) => {
                let _ = writeln!(out, "result from row {}: {}", self.result_rows[0], assignments(values));
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

pub(super) fn evaluate(table: &DecisionTable, inputs: &BTreeMap<String, Value>) -> Result<TableResult, TableError> {
    let values = input_values(table, inputs)?;
    let matched: Vec<&Row> =
        table.rows.iter().filter(|row| row.conditions.iter().zip(&values).all(|(c, v)| c.matches(v))).collect();
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
fn input_values<'v>(table: &DecisionTable, inputs: &'v BTreeMap<String, Value>) -> Result<Vec<&'v Value>, TableError> {
    if let Some(unknown) = inputs.keys().find(|k| table.input(k).is_none()) {
        return Err(TableError::UnknownInput { table: table.name.clone(), column: unknown.clone() });
    }
    table
        .inputs
        .iter()
        .map(|col| {
            let value = inputs
                .get(&col.name)
                .ok_or_else(|| TableError::MissingInput { table: table.name.clone(), column: col.name.clone() })?;
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
        return Err(format!("expected a {}, found the {} {value}", col.column_type.name(), ty.name()));
    }
    let Some(domain) = &col.domain else {
        return Ok(());
    };
    let outside: Vec<String> = match value {
        Value::TextSet(items) => {
            items.iter().filter(|i| !domain.matches(&Value::Text((*i).clone()))).map(|i| format!("{i:?}")).collect()
        }
        single if !domain.matches(single) => vec![single.to_string()],
        _ => Vec::new(),
    };
    if outside.is_empty() {
        Ok(())
    } else {
        Err(format!("{} is not among the allowed values {domain}", outside.join(", ")))
    }
}

type Outcome<'t> = (Vec<&'t Row>, TableOutput);

fn apply_policy<'t>(table: &DecisionTable, matched: &[&'t Row]) -> Result<Outcome<'t>, TableError> {
    let rows = || matched.iter().map(|r| r.number).collect();
    match table.hit_policy {
        HitPolicy::Unique if matched.len() > 1 => {
            Err(TableError::UniqueViolation { table: table.name.clone(), rows: rows() })
        }
        HitPolicy::Any if matched.iter().any(|r| r.outputs != matched[0].outputs) => {
            Err(TableError::AnyConflict { table: table.name.clone(), rows: rows() })
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
    table.outputs.iter().zip(&row.outputs).map(|(c, v)| (c.name.clone(), v.clone())).collect()
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
        .filter_map(|(col, v)| col.values.as_ref().map(|vals| vals.iter().position(|x| x == v)))
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
    values.reduce(|best, v| if compare(v, best) == Some(wanted) { v } else { best }).cloned().unwrap_or(Value::Null)
}

pub(super) fn parse_input(table: &DecisionTable, column: &str, text: &str) -> Result<Value, String> {
    let col = table.input(column).ok_or_else(|| {
        let names: Vec<&str> = table.inputs.iter().map(|c| c.name.as_str()).collect();
        let hint =
            crate::diagnostic::closest(column, &names).map(|n| format!("did you mean {n:?}? ")).unwrap_or_default();
        format!("table {} has no input {column:?}; {hint}its inputs are {}", table.name, names.join(", "))
    })?;
    let text = text.trim();
    let value = match col.column_type {
        // A missing value, as FEEL writes it (JSON null arrives as "null").
        _ if text == "null" => Value::Null,
        ColumnType::Text => Value::Text(text.to_string()),
        ColumnType::Number => parse_exact(text).map(Value::Number).map_err(|reason| match reason {
            DecimalError::Syntax => format!("expected a number such as 23 or 1200.50, found {text:?}"),
            _ => format!("{text:?} {reason}"),
        })?,
        ColumnType::Date => parse_iso_date(text)
            .map(Value::Date)
            .ok_or_else(|| format!("expected a date such as 2026-01-01, found {text:?}"))?,
        ColumnType::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("expected true or false, found {text:?}")),
        },
        ColumnType::TextSet => Value::text_set(text.split(',').map(str::trim).filter(|s| !s.is_empty())),
    };
    validate_input(col, &value)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::test_support::table;

    fn num(s: &str) -> Value {
        Value::Number(crate::money::parse_decimal(s).unwrap())
    }

    fn inputs(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    /// A one-input (`age`), one-output (`tariff`) table with `policy` and rows.
    fn age_table(policy: &str, extra: &str, rows: &str) -> DecisionTable {
        table(&format!(
            r#"
[tables.t]
hit_policy = "{policy}"
{extra}
inputs = [ {{ name = "age", from = "age", type = "number" }} ]
outputs = [ {{ name = "tariff", type = "decimal", values = ["1500.00", "1200.00", "1000.00"] }} ]
rows = [
{rows}
]
"#
        ))
    }

    fn at_age(t: &DecisionTable, age: &str) -> Result<TableResult, TableError> {
        t.evaluate(&inputs(&[("age", num(age))]))
    }

    fn single_tariff(r: &TableResult) -> &Value {
        match &r.output {
            TableOutput::Single(m) => &m["tariff"],
            other => panic!("not single: {other:?}"),
        }
    }

    fn tariffs(r: &TableResult) -> Vec<String> {
        match &r.output {
            TableOutput::List(items) => items.iter().map(|m| m["tariff"].to_string()).collect(),
            other => panic!("not a list: {other:?}"),
        }
    }

    const OVERLAPPING: &str = r#"
  [ "< 25",    "1200.00" ],
  [ ">= 25",   "1000.00" ],
  [ "[20..30]", "1500.00" ],
"#;

    #[test]
    fn unique_returns_the_one_match_and_names_rows_on_violation() {
        let t = age_table("unique", "", OVERLAPPING);
        let r = at_age(&t, "18").unwrap();
        assert_eq!((r.matched_rows.clone(), r.result_rows.clone()), (vec![1], vec![1]));
        assert_eq!(single_tariff(&r), &num("1200.00"));
        let err = at_age(&t, "25").unwrap_err();
        assert_eq!(err, TableError::UniqueViolation { table: "t".into(), rows: vec![2, 3] });
        assert_eq!(err.to_string(), r#"table "t" has hit policy unique, but rows 2 and 3 match"#);
    }

    #[test]
    fn no_match_in_a_single_hit_table_is_none() {
        let t = age_table("unique", "", r#"[ "< 25", "1200.00" ],"#);
        let r = at_age(&t, "30").unwrap();
        assert_eq!(r.output, TableOutput::None);
        assert!(r.matched_rows.is_empty() && r.result_rows.is_empty());
    }

    #[test]
    fn any_accepts_agreeing_rows_and_refuses_disagreeing_ones() {
        let t = age_table(
            "any",
            "",
            r#"[ "< 25", "1200.00" ], [ "[18..30]", "1200.0" ], [ ">= 30", "1000.00" ], [ "> 29", "1500.00" ],"#,
        );
        let r = at_age(&t, "20").unwrap();
        assert_eq!((r.matched_rows.clone(), r.result_rows.clone()), (vec![1, 2], vec![1]));
        assert_eq!(single_tariff(&r).to_string(), "1200.00");
        let err = at_age(&t, "30").unwrap_err();
        assert_eq!(err, TableError::AnyConflict { table: "t".into(), rows: vec![2, 3, 4] });
        assert!(err.to_string().contains("rows 2, 3 and 4 match with different outputs"));
    }

    #[test]
    fn priority_takes_the_highest_output_in_values_order() {
        let t = age_table("priority", "", OVERLAPPING);
        let r = at_age(&t, "22").unwrap();
        assert_eq!((r.matched_rows.clone(), r.result_rows.clone()), (vec![1, 3], vec![3]));
        assert_eq!(single_tariff(&r), &num("1500.00"));
        assert_eq!(single_tariff(&at_age(&t, "40").unwrap()), &num("1000.00"));
    }

    #[test]
    fn first_takes_the_first_matching_row() {
        let t = age_table("first", "", OVERLAPPING);
        let r = at_age(&t, "22").unwrap();
        assert_eq!(r.result_rows, [1]);
        assert_eq!(single_tariff(&r), &num("1200.00"));
    }

    #[test]
    fn multi_hit_policies_order_their_lists() {
        let by_output = at_age(&age_table("output_order", "", OVERLAPPING), "22").unwrap();
        assert_eq!(tariffs(&by_output), ["1500.00", "1200.00"]);
        assert_eq!(by_output.result_rows, [3, 1]);
        for policy in ["rule_order", "collect"] {
            let r = at_age(&age_table(policy, "", OVERLAPPING), "22").unwrap();
            assert_eq!(tariffs(&r), ["1200.00", "1500.00"], "{policy}");
            assert_eq!(r.result_rows, [1, 3]);
        }
        let none = at_age(&age_table("collect", "", r#"[ "< 0", "1000.00" ],"#), "5").unwrap();
        assert_eq!(none.output, TableOutput::List(Vec::new()));
    }

    #[test]
    fn collect_aggregators_and_their_empty_results() {
        let cases =
            [("sum", "2700.00", "null"), ("min", "1200.00", "null"), ("max", "1500.00", "null"), ("count", "2", "0")];
        let rows = r#"[ "< 25", "1200.00" ], [ "[20..30]", "1500.00" ],"#;
        for (agg, at_22, at_40) in cases {
            let t = age_table("collect", &format!("aggregate = \"{agg}\""), rows);
            let show = |age| match at_age(&t, age).unwrap().output {
                TableOutput::Aggregate(v) => v.to_string(),
                other => panic!("{other:?}"),
            };
            assert_eq!(show("22"), at_22, "{agg} at 22");
            assert_eq!(show("40"), at_40, "{agg} with no match");
        }
    }

    const GROUPS: &str = r#"
[tables.g]
hit_policy = "first"
inputs = [
  { name = "outcome", from = "outcome", type = "text", values = ["job_entry", "employed_6m"] },
  { name = "group", from = "groups", type = "text_set" },
]
outputs = [ { name = "tariff", type = "decimal" } ]
rows = [
  [ "job_entry", "long_term_unemployed, disabled", "1500.00" ],
  [ "job_entry", "not(youth)",                     "1000.00" ],
  [ "-",         "-",                              "0" ],
]
"#;

    #[test]
    fn text_sets_and_text_values() {
        let t = table(GROUPS);
        let run = |outcome: &str, groups: &str| {
            let set = t.parse_input("group", groups).unwrap();
            let r = t.evaluate(&inputs(&[("outcome", Value::Text(outcome.into())), ("group", set)])).unwrap();
            r.result_rows[0]
        };
        assert_eq!(run("job_entry", "youth, disabled"), 1);
        assert_eq!(run("job_entry", ""), 2);
        assert_eq!(run("job_entry", "youth"), 3);
        assert_eq!(run("employed_6m", "disabled"), 3);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let t = table(GROUPS);
        let ok_group = ("group", Value::text_set(["youth"]));
        let err = |pairs: &[(&str, Value)]| t.evaluate(&inputs(pairs)).unwrap_err().to_string();
        assert_eq!(err(std::slice::from_ref(&ok_group)), r#"table "g": no value given for input "outcome""#);
        assert_eq!(
            err(&[("outcome", num("1")), ok_group.clone()]),
            r#"table "g", input "outcome": expected a text, found the number 1"#
        );
        assert_eq!(
            err(&[("outcome", Value::Text("hired".into())), ok_group.clone()]),
            r#"table "g", input "outcome": "hired" is not among the allowed values "job_entry", "employed_6m""#
        );
        assert_eq!(
            err(&[("outcome", Value::Null), ok_group.clone(), ("age", num("3"))]),
            r#"table "g" has no input column "age""#
        );
        let null = t.evaluate(&inputs(&[("outcome", Value::Null), ok_group])).unwrap();
        assert_eq!(null.result_rows, [3], "null matches only -");
    }

    #[test]
    fn command_line_inputs_are_parsed_by_column_type() {
        let t = table(GROUPS);
        assert_eq!(t.parse_input("group", " youth,immigrant ,youth"), Ok(Value::text_set(["immigrant", "youth"])));
        assert_eq!(t.parse_input("outcome", "job_entry"), Ok(Value::Text("job_entry".into())));
        assert_eq!(
            t.parse_input("outcome", "hired"),
            Err(r#""hired" is not among the allowed values "job_entry", "employed_6m""#.into())
        );
        assert_eq!(
            t.parse_input("age", "3"),
            Err("table g has no input \"age\"; its inputs are outcome, group".into())
        );
        let a = age_table("first", "", r#"[ "-", "1000.00" ],"#);
        assert_eq!(a.parse_input("age", "23"), Ok(num("23")));
        assert_eq!(
            a.parse_input("age", "23,5"),
            Err(r#"expected a number such as 23 or 1200.50, found "23,5""#.into())
        );
    }

    #[test]
    fn results_render_for_people_and_serialize_exactly() {
        let r = at_age(&age_table("priority", "", OVERLAPPING), "22").unwrap();
        assert_eq!(r.render_text(), "table t (priority)\nmatched rows: 1 and 3\nresult from row 3: tariff = 1500.00\n");
        let json = serde_json::to_string(&r.output).unwrap();
        assert_eq!(json, r#"{"kind":"single","value":{"tariff":"1500.00"}}"#);
        let list = at_age(&age_table("collect", "", OVERLAPPING), "22").unwrap();
        assert_eq!(
            list.render_text(),
            "table t (collect)\nmatched rows: 1 and 3\nresult:\n  row 1: tariff = 1200.00\n  row 3: tariff = 1500.00\n"
        );
    }
}
