//! Decision-table lookups for one participant: resolving each input
//! column from the record, evaluating the table, reading one output.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::calendar::{age_on, LeapDayBirthday};
use crate::contract::{Field, TableRef};
use crate::records::{AttributeValue, Record, Text};
use crate::scripting::RuleValue;
use crate::tables::Value;

/// The value of a `from` field for `record` (pricing `item`, if any);
/// `leap_day` is the contract's rule for a 29 February birthday.
pub(super) fn field_value(field: &Field, record: &Record, item: Option<&str>, leap_day: LeapDayBirthday) -> Value {
    let date = |d: Option<NaiveDate>| d.map_or(Value::Null, Value::Date);
    match field {
        Field::Outcome => item.map_or(Value::Null, |i| Value::Text(i.to_string())),
        Field::Groups => Value::text_set(record.groups.iter().map(Text::to_string)),
        Field::Municipality => record.municipality.as_ref().map_or(Value::Null, |m| Value::Text(m.to_string())),
        Field::Age => {
            record.birth_date.map_or(Value::Null, |b| Value::Number(age_on(b, record.service.start, leap_day).into()))
        }
        Field::ServiceStart => Value::Date(record.service.start),
        Field::ServiceEnd => date(record.service.end),
        Field::Completed => record.service.completed.map_or(Value::Null, Value::Bool),
        Field::UnemploymentDaysBeforeStart => Value::Number(unemployment_days_before(record).into()),
        Field::Attribute(name) => match record.attributes.get(name.as_str()) {
            None => Value::Null,
            Some(AttributeValue::Text(t, _)) => Value::Text(t.to_string()),
            Some(AttributeValue::Number(n)) => Value::Number(*n),
            Some(AttributeValue::Bool(b)) => Value::Bool(*b),
            Some(AttributeValue::Date(d)) => Value::Date(*d),
        },
    }
}

/// A rule's result as a table input; `None` for a list of dates or a
/// `not_yet(day)`, which no column can hold.
pub(super) fn rule_value(v: RuleValue) -> Option<Value> {
    Some(match v {
        RuleValue::Bool(b) => Value::Bool(b),
        RuleValue::Date(d) => Value::Date(d),
        RuleValue::Decimal(d) => Value::Number(d),
        RuleValue::Integer(i) => Value::Number(Decimal::from(i)),
        RuleValue::Text(t) => Value::Text(t),
        RuleValue::Nothing => Value::Null,
        RuleValue::Dates(_) | RuleValue::NotYet(_) => return None,
    })
}

/// Days of uninterrupted unemployment ending the day before the service
/// started: walks back through (possibly overlapping) unemployment spells.
fn unemployment_days_before(record: &Record) -> i64 {
    let Some(mut cursor) = record.service.start.pred_opt() else { return 0 };
    let spells: Vec<(NaiveDate, NaiveDate)> = record
        .spells
        .iter()
        .filter(|s| s.kind == "unemployment")
        .map(|s| (s.start, s.end.unwrap_or(NaiveDate::MAX)))
        .collect();
    let mut days = 0;
    while let Some(start) = spells.iter().filter(|(s, e)| *s <= cursor && cursor <= *e).map(|(s, _)| *s).min() {
        days += (cursor - start).num_days() + 1;
        match start.pred_opt() {
            Some(prev) => cursor = prev,
            None => break,
        }
    }
    days
}

/// What a lookup found, for lines and traces.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub value: Value,
    /// e.g. `job_entry_tariff row 2`.
    pub trace: Arc<str>,
}

impl Found {
    pub fn describe(reference: &TableRef, rows: &[usize]) -> Arc<str> {
        let rows: Vec<String> = rows.iter().map(ToString::to_string).collect();
        let text = match rows.as_slice() {
            [] => format!("{} (no row)", reference.table),
            [one] => format!("{} row {one}", reference.table),
            many => format!("{} rows {}", reference.table, many.join(", ")),
        };
        Arc::from(text)
    }
}

/// Input values as `name = value` strings, for traces.
pub(super) fn describe_inputs(inputs: &BTreeMap<String, Value>) -> Vec<String> {
    inputs.iter().map(|(k, v)| format!("{k} = {v}")).collect()
}
