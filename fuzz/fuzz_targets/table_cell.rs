//! One decision-table cell: the unary-test parser and the literal parser
//! for a column type chosen by the first byte, then matching every kind of
//! value against what parsed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use tulos::tables::cell::{parse_cell, parse_literal};
use tulos::tables::{ColumnType, Value};

const TYPES: [ColumnType; 5] =
    [ColumnType::Text, ColumnType::Number, ColumnType::Date, ColumnType::Boolean, ColumnType::TextSet];

fn samples() -> &'static [Value] {
    static SAMPLES: OnceLock<Vec<Value>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        vec![
            Value::Null,
            Value::Text("youth".into()),
            Value::Text(String::new()),
            Value::Number(Decimal::ZERO),
            Value::Number(Decimal::new(-2550, 2)),
            Value::Number(Decimal::MAX),
            Value::Number(Decimal::MIN),
            Value::Date(tulos_fuzz::date(2026, 2, 28)),
            Value::Date(chrono::NaiveDate::MIN),
            Value::Date(chrono::NaiveDate::MAX),
            Value::Bool(true),
            Value::Bool(false),
            Value::text_set(["immigrant", "youth"]),
            Value::text_set(Vec::<String>::new()),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let ty = TYPES[*first as usize % TYPES.len()];
    if let Ok(tests) = parse_cell(text, ty) {
        for v in samples() {
            let _ = tests.matches(v);
        }
        let _ = tests.admits_null();
        for lit in tests.literals() {
            let _ = lit.to_string();
        }
    }
    if let Ok(v) = parse_literal(text, ty) {
        let _ = v.to_string();
    }
});
