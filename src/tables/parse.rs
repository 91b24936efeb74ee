//! Reading `[tables.*]` from a contract's spanned TOML into
//! [`DecisionTable`]s, collecting every problem as a [`Diagnostic`] with
//! the exact byte span (a whole file is checked in one pass, not stopped at
//! the first error).
//!
//! Cells may be TOML strings (the usual form), integers (`25` = `"25"`),
//! booleans, or local dates in date columns. TOML floats are refused
//! everywhere in a table: `1500.00` as a float would silently become
//! `1500` through f64, so the officer is told to quote it.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::cell::{expected_test, literal_text, parse_cell, parse_literal, CmpOp, Test};
use super::{
    Aggregator, ColumnType, DecisionTable, HitPolicy, InputColumn, InputSource, OutputColumn, Row, UnaryTests, Value,
};
use crate::diagnostic::{Diagnostic, Location, Severity};

type Span = Range<usize>;
type Item<'i> = Spanned<DeValue<'i>>;

const TABLE_KEYS: [&str; 7] = ["title", "clause", "hit_policy", "aggregate", "inputs", "outputs", "rows"];
const INPUT_KEYS: [&str; 5] = ["name", "from", "expr", "type", "values"];
const OUTPUT_KEYS: [&str; 3] = ["name", "type", "values"];

/// Parse every entry of a contract's `tables` value (the table under the
/// `tables` key). All problems of all tables are returned together.
pub fn parse_tables(file: &Path, tables: &Item<'_>) -> Result<Vec<DecisionTable>, Vec<Diagnostic>> {
    let mut p = Parser { file, diags: Vec::new() };
    let parsed = match tables.get_ref() {
        DeValue::Table(entries) => entries.iter().filter_map(|(name, body)| p.table(name, body)).collect(),
        other => {
            p.error(
                tables.span(),
                format!("`tables` must be a table of decision tables, found {}", other.type_str()),
                "start each table with a header such as [tables.job_entry_tariff]",
            );
            Vec::new()
        }
    };
    if p.diags.iter().any(|d| d.severity == Severity::Error) {
        Err(p.diags)
    } else {
        Ok(parsed)
    }
}

/// Collects diagnostics while walking the TOML.
struct Parser<'f> {
    file: &'f Path,
    diags: Vec<Diagnostic>,
}

/// Where a cell is, for messages: `row 3, column "age"`.
struct CellPlace<'a> {
    row: usize,
    column: &'a str,
}

impl std::fmt::Display for CellPlace<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column {:?}", self.row, self.column)
    }
}

impl Parser<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::error(self.file, Location::Span(span), message).with_help(help);
        self.diags.push(d);
    }

    fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.severity == Severity::Error).count()
    }

    fn table(&mut self, name: &Spanned<std::borrow::Cow<'_, str>>, body: &Item<'_>) -> Option<DecisionTable> {
        let errors_before = self.error_count();
        let name_text = name.get_ref().to_string();
        self.check_name(name.span(), &name_text, "table");
        let entries = self.as_table(body, &format!("[tables.{name_text}]"))?;
        self.check_keys(entries, &TABLE_KEYS, &format!("table {name_text}"));
        let title = self.optional_string(entries, "title");
        let clause = self.optional_string(entries, "clause");
        let hit_policy = self.hit_policy(entries, body.span());
        let inputs = self.columns(entries, "inputs", body.span(), |p, item| p.input_column(item));
        let outputs = self.columns(entries, "outputs", body.span(), |p, item| p.output_column(item));
        let (hit_policy, inputs, outputs) = (hit_policy?, inputs?, outputs?);
        self.check_column_names(&inputs, &outputs);
        self.check_policy_fits(hit_policy, &outputs, body.span());
        let rows_item = self.required(entries, "rows", body.span(), "rows = [ [ \"…\", … ], … ]")?;
        let rows = self.rows(rows_item, &inputs, &outputs);
        if self.error_count() > errors_before {
            return None;
        }
        Some(DecisionTable {
            name: name_text,
            title,
            clause,
            hit_policy,
            inputs,
            outputs,
            rows,
            span: body.span(),
            rows_span: rows_item.span(),
        })
    }

    /// Names may hold spaces (DMN names often do: `Credit Score`) but not
    /// `=`, which `tulos table --set NAME=VALUE` splits on, nor surrounding
    /// spaces, which would make two names look alike.
    fn check_name(&mut self, span: Span, name: &str, what: &str) {
        let ok = !name.is_empty() && !name.contains('=') && name.trim() == name && !name.chars().any(char::is_control);
        if !ok {
            self.error(
                span,
                format!("{what} name {name:?} must be non-empty, without `=` or surrounding spaces"),
                "use a name such as job_entry_tariff or \"Credit Score\"",
            );
        }
    }

    fn as_table<'a, 'i>(&mut self, item: &'a Item<'i>, what: &str) -> Option<&'a DeTable<'i>> {
        match item.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    item.span(),
                    format!("{what} must be a table, found {}", other.type_str()),
                    "write { name = \"…\", … }",
                );
                None
            }
        }
    }

    /// Every key must be one we know; a typo is reported with the nearest
    /// valid key.
    fn check_keys(&mut self, entries: &DeTable<'_>, allowed: &[&str], context: &str) {
        for key in entries.keys() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                let help = format!("{}valid keys are: {}", did_you_mean(key.get_ref(), allowed), allowed.join(", "));
                self.error(key.span(), format!("unknown key {:?} in {context}", key.get_ref()), help);
            }
        }
    }

    fn required<'a, 'i>(
        &mut self,
        entries: &'a DeTable<'i>,
        key: &str,
        owner: Span,
        example: &str,
    ) -> Option<&'a Item<'i>> {
        let found = entries.get(key);
        if found.is_none() {
            self.error(owner, format!("missing `{key}`"), format!("add {example}"));
        }
        found
    }

    fn string<'a>(&mut self, item: &'a Item<'_>, what: &str) -> Option<&'a str> {
        let found = item.get_ref().as_str();
        if found.is_none() {
            let ty = item.get_ref().type_str();
            self.error(item.span(), format!("{what} must be a string, found {ty}"), "put it in double quotes");
        }
        found
    }

    fn optional_string(&mut self, entries: &DeTable<'_>, key: &str) -> Option<String> {
        let item = entries.get(key)?;
        self.string(item, &format!("`{key}`")).map(str::to_string)
    }

    fn hit_policy(&mut self, entries: &DeTable<'_>, owner: Span) -> Option<HitPolicy> {
        let item = self.required(entries, "hit_policy", owner, "hit_policy = \"unique\"")?;
        let name = self.string(item, "`hit_policy`")?;
        let Some(policy) = HitPolicy::from_name(name) else {
            let help =
                format!("{}write one of: {}", did_you_mean(name, &HitPolicy::NAMES), HitPolicy::NAMES.join(", "));
            self.error(item.span(), format!("unknown hit policy {name:?}"), help);
            return None;
        };
        let Some(agg_item) = entries.get("aggregate") else {
            return Some(policy);
        };
        if let HitPolicy::Collect(Some(_)) = policy {
            self.error(agg_item.span(), format!("{name:?} already says how to aggregate"), "remove `aggregate`");
            return None;
        }
        let agg_name = self.string(agg_item, "`aggregate`")?;
        let Some(agg) = Aggregator::from_name(agg_name) else {
            let help = format!("write one of: {}", Aggregator::NAMES.join(", "));
            self.error(agg_item.span(), format!("unknown aggregate {agg_name:?}"), help);
            return None;
        };
        if policy != HitPolicy::Collect(None) {
            self.error(
                agg_item.span(),
                format!("`aggregate` needs hit_policy = \"collect\", but this table is {policy}"),
                "remove `aggregate` or change the hit policy to collect",
            );
            return None;
        }
        Some(HitPolicy::Collect(Some(agg)))
    }

    /// `inputs = [ {…}, … ]` or `outputs = …`: a non-empty array of tables
    /// (outputs) or a possibly empty one (inputs: a constant table).
    fn columns<T>(
        &mut self,
        entries: &DeTable<'_>,
        key: &str,
        owner: Span,
        column: impl Fn(&mut Self, &Item<'_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let example = format!("{key} = [ {{ name = \"…\", type = \"…\" }} ]");
        let item = self.required(entries, key, owner, &example)?;
        let Some(array) = item.get_ref().as_array() else {
            self.error(item.span(), format!("`{key}` must be an array of columns"), example);
            return None;
        };
        if key == "outputs" && array.is_empty() {
            self.error(item.span(), "a table needs at least one output column", example);
        }
        let before = self.error_count();
        let parsed: Vec<T> = array.iter().filter_map(|c| column(self, c)).collect();
        (self.error_count() == before).then_some(parsed)
    }

    fn column_header<'a, 'i>(
        &mut self,
        item: &'a Item<'i>,
        keys: &[&str],
    ) -> Option<(&'a DeTable<'i>, String, Option<ColumnType>)> {
        let entries = self.as_table(item, "a column")?;
        self.check_keys(entries, keys, "a column");
        let name = self.required(entries, "name", item.span(), "name = \"…\"");
        let name = name.and_then(|n| Some((n.span(), self.string(n, "`name`")?.to_string())));
        if let Some((span, name)) = &name {
            self.check_name(span.clone(), name, "column");
        }
        let ty = self.column_type(entries, item.span());
        Some((entries, name?.1, ty))
    }

    fn column_type(&mut self, entries: &DeTable<'_>, owner: Span) -> Option<ColumnType> {
        let item = self.required(entries, "type", owner, "type = \"text\"")?;
        let name = self.string(item, "`type`")?;
        let ty = ColumnType::from_name(name);
        if ty.is_none() {
            let help =
                format!("{}write one of: {}", did_you_mean(name, &ColumnType::NAMES), ColumnType::NAMES.join(", "));
            self.error(item.span(), format!("unknown column type {name:?}"), help);
        }
        ty
    }

    fn input_column(&mut self, item: &Item<'_>) -> Option<InputColumn> {
        let (entries, name, ty) = self.column_header(item, &INPUT_KEYS)?;
        let source = self.input_source(entries);
        let ty = ty?;
        let domain = match entries.get("values") {
            Some(values) => Some(self.domain(values, ty)?),
            None => None,
        };
        Some(InputColumn { name, source: source?, column_type: ty, domain, span: item.span() })
    }

    /// At most one of `from = "field"` and `expr = '…'`; with neither the
    /// value is given by hand.
    fn input_source(&mut self, entries: &DeTable<'_>) -> Option<InputSource> {
        match (entries.get("from"), entries.get("expr")) {
            (Some(from), None) => Some(InputSource::Field(self.string(from, "`from`")?.to_string())),
            (None, Some(expr)) => {
                Some(InputSource::Expression { text: self.string(expr, "`expr`")?.to_string(), span: expr.span() })
            }
            (Some(_), Some(expr)) => {
                self.error(
                    expr.span(),
                    "a column takes its value from `from` or `expr`, not both",
                    "remove one of them",
                );
                None
            }
            (None, None) => Some(InputSource::Given),
        }
    }

    /// An input's `values`: strings for text; for numbers and dates any
    /// tests (`"[16..67]"`, `1`, `"2"`), all joined into one list.
    fn domain(&mut self, values: &Item<'_>, ty: ColumnType) -> Option<UnaryTests> {
        let items = self.value_list(values, ty)?;
        let mut tests = Vec::new();
        for item in items {
            let text = self.cell_text(item, "`values`")?;
            let parsed = match ty {
                ColumnType::Text | ColumnType::TextSet => Ok(vec![Test::Compare(CmpOp::Eq, Value::Text(text.clone()))]),
                _ => match parse_cell(&text, ty) {
                    Ok(UnaryTests::List { negated: false, tests }) => Ok(tests),
                    Ok(_) => Err("`-` and not(…) do not describe allowed values".to_string()),
                    Err(reason) => Err(reason),
                },
            };
            match parsed {
                Ok(t) => tests.extend(t),
                Err(reason) => self.error(
                    item.span(),
                    format!("`values` entry {text:?}: {reason}"),
                    format!("write {}", expected_test(ty)),
                ),
            }
        }
        Some(UnaryTests::List { negated: false, tests })
    }

    fn value_list<'a, 'i>(&mut self, values: &'a Item<'i>, ty: ColumnType) -> Option<&'a [Item<'i>]> {
        if ty == ColumnType::Boolean {
            self.error(
                values.span(),
                "boolean columns take no `values`",
                "remove `values`; true and false are the values",
            );
            return None;
        }
        match values.get_ref().as_array() {
            Some(items) if !items.is_empty() => Some(items),
            _ => {
                self.error(values.span(), "`values` must be a non-empty array", "write values = [\"a\", \"b\"]");
                None
            }
        }
    }

    fn output_column(&mut self, item: &Item<'_>) -> Option<OutputColumn> {
        let (entries, name, ty) = self.column_header(item, &OUTPUT_KEYS)?;
        let ty = ty?;
        if ty == ColumnType::TextSet {
            self.error(item.span(), "text_set is only for input columns", "use type = \"text\"");
            return None;
        }
        let values = match entries.get("values") {
            Some(values) => Some(self.output_values(values, ty)?),
            None => None,
        };
        Some(OutputColumn { name, column_type: ty, values, span: item.span() })
    }

    fn output_values(&mut self, values: &Item<'_>, ty: ColumnType) -> Option<Vec<Value>> {
        let items = self.value_list(values, ty)?;
        let mut out: Vec<Value> = Vec::new();
        for item in items {
            let text = self.cell_text(item, "`values`")?;
            match parse_literal(&text, ty) {
                Ok(v) if out.contains(&v) => self.error(
                    item.span(),
                    format!("{v} is listed twice"),
                    "list each value once, highest priority first",
                ),
                Ok(v) => out.push(v),
                Err(reason) => {
                    self.error(item.span(), format!("`values` entry {text:?}: {reason}"), "write one value per entry")
                }
            }
        }
        Some(out)
    }

    fn check_column_names(&mut self, inputs: &[InputColumn], outputs: &[OutputColumn]) {
        let all = inputs.iter().map(|c| (&c.name, &c.span)).chain(outputs.iter().map(|c| (&c.name, &c.span)));
        let mut seen: Vec<&String> = Vec::new();
        for (name, span) in all {
            if seen.contains(&name) {
                self.error(span.clone(), format!("two columns are called {name:?}"), "give every column its own name");
            }
            seen.push(name);
        }
    }

    /// Priorities need output `values`; aggregators need one output of a
    /// type they can fold.
    fn check_policy_fits(&mut self, policy: HitPolicy, outputs: &[OutputColumn], span: Span) {
        if policy.uses_output_priority() && outputs.iter().all(|o| o.values.is_none()) {
            self.error(
                span.clone(),
                format!("hit policy {policy} ranks rows by their outputs, but no output column lists its `values`"),
                "add values = [\"highest\", …, \"lowest\"] to an output column (first = highest priority)",
            );
        }
        let HitPolicy::Collect(Some(agg)) = policy else {
            return;
        };
        if agg == Aggregator::Count {
            return;
        }
        let fits = |ty| match agg {
            Aggregator::Sum => ty == ColumnType::Number,
            _ => matches!(ty, ColumnType::Number | ColumnType::Date),
        };
        match outputs {
            [only] if fits(only.column_type) => {}
            [only] => self.error(
                only.span.clone(),
                format!("collect with {} cannot fold {} values", agg.name(), only.column_type.name()),
                "use a number output (or date for min and max)",
            ),
            _ => self.error(
                span,
                format!("collect with {} needs exactly one output column", agg.name()),
                "split the table, or use plain collect",
            ),
        }
    }

    fn rows(&mut self, item: &Item<'_>, inputs: &[InputColumn], outputs: &[OutputColumn]) -> Vec<Row> {
        let Some(array) = item.get_ref().as_array() else {
            self.error(item.span(), "`rows` must be an array of rows", "write rows = [ [ \"…\", … ], … ]");
            return Vec::new();
        };
        if array.is_empty() {
            self.error(item.span(), "the table has no rows", "add rows = [ [ \"…\", … ], … ]");
        }
        array.iter().enumerate().filter_map(|(i, row)| self.row(i + 1, row, inputs, outputs)).collect()
    }

    fn row(&mut self, number: usize, item: &Item<'_>, inputs: &[InputColumn], outputs: &[OutputColumn]) -> Option<Row> {
        let Some(cells) = item.get_ref().as_array() else {
            self.error(item.span(), format!("row {number} must be an array of cells"), "write [ \"…\", \"…\" ]");
            return None;
        };
        let width = inputs.len() + outputs.len();
        if cells.len() != width {
            let names: Vec<&str> =
                inputs.iter().map(|c| c.name.as_str()).chain(outputs.iter().map(|c| c.name.as_str())).collect();
            self.error(
                item.span(),
                format!("row {number} has {} cells, but the table has {width} columns", cells.len()),
                format!("write one cell per column, in order: {}", names.join(", ")),
            );
            return None;
        }
        let (input_cells, output_cells) = cells.split_at(inputs.len());
        let conditions: Vec<Option<UnaryTests>> = inputs
            .iter()
            .zip(input_cells)
            .map(|(col, cell)| self.input_cell(CellPlace { row: number, column: &col.name }, col, cell))
            .collect();
        let values: Vec<Option<Value>> = outputs
            .iter()
            .zip(output_cells)
            .map(|(col, cell)| self.output_cell(CellPlace { row: number, column: &col.name }, col, cell))
            .collect();
        Some(Row {
            number,
            conditions: conditions.into_iter().collect::<Option<_>>()?,
            outputs: values.into_iter().collect::<Option<_>>()?,
            span: item.span(),
        })
    }

    fn input_cell(&mut self, place: CellPlace<'_>, col: &InputColumn, cell: &Item<'_>) -> Option<UnaryTests> {
        let text = self.cell_text(cell, &place.to_string())?;
        match parse_cell(&text, col.column_type) {
            Ok(tests) => self.check_in_domain(&place, col, &tests, cell.span()).then_some(tests),
            Err(reason) => {
                let d = Diagnostic::error(
                    self.file,
                    Location::Span(cell.span()),
                    format!("{place}: expected {}, found {text:?}", expected_test(col.column_type)),
                )
                .with_label(reason.clone())
                .with_help(reason);
                self.diags.push(d);
                None
            }
        }
    }

    /// Values a cell names must be allowed by the column: catches typos
    /// such as `job_entyr`, which would otherwise silently never match.
    fn check_in_domain(&mut self, place: &CellPlace<'_>, col: &InputColumn, tests: &UnaryTests, span: Span) -> bool {
        let (Some(domain), UnaryTests::List { tests, .. }) = (&col.domain, tests) else {
            return true;
        };
        let mut ok = true;
        for test in tests {
            let Test::Compare(CmpOp::Eq | CmpOp::Ne, v) = test else {
                continue;
            };
            if !domain.matches(v) {
                let allowed: Vec<String> = domain.literals().iter().map(|v| literal_text(v)).collect();
                let allowed_refs: Vec<&str> = allowed.iter().map(String::as_str).collect();
                let help = format!("{}allowed: {domain}", did_you_mean(&literal_text(v), &allowed_refs));
                self.error(
                    span.clone(),
                    format!("{place}: {} is not among the column's values", literal_text(v)),
                    help,
                );
                ok = false;
            }
        }
        ok
    }

    fn output_cell(&mut self, place: CellPlace<'_>, col: &OutputColumn, cell: &Item<'_>) -> Option<Value> {
        let text = self.cell_text(cell, &place.to_string())?;
        let value = match parse_literal(&text, col.column_type) {
            Ok(v) => v,
            Err(reason) => {
                self.error(
                    cell.span(),
                    format!("{place}: expected a {} value, found {text:?}", col.column_type.name()),
                    reason,
                );
                return None;
            }
        };
        if let Some(values) = col.values.as_ref().filter(|vals| !vals.contains(&value)) {
            let listed: Vec<String> = values.iter().map(Value::to_string).collect();
            self.error(
                cell.span(),
                format!("{place}: {value} is not among the column's values"),
                format!("use one of {} or add it to the column's values", listed.join(", ")),
            );
            return None;
        }
        Some(value)
    }

    /// A cell's text: TOML strings as they are, integers, booleans and
    /// local dates as written; floats refused (they lose digits).
    fn cell_text(&mut self, cell: &Item<'_>, place: &str) -> Option<String> {
        let refuse = |p: &mut Self, message: String, help: String| {
            p.error(cell.span(), message, help);
            None
        };
        match cell.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            // `+5` is valid TOML but not a cell number; the sign adds nothing.
            DeValue::Integer(i) if i.radix() == 10 => Some(i.as_str().trim_start_matches('+').to_string()),
            DeValue::Boolean(b) => Some(b.to_string()),
            DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => Some(dt.to_string()),
            DeValue::Float(f) => refuse(
                self,
                format!("{place}: {f} is a TOML float, which can lose digits"),
                format!("write it in quotes: \"{f}\""),
            ),
            other => refuse(
                self,
                format!("{place}: expected a cell in double quotes, found {}", other.type_str()),
                "write the cell as a string, e.g. \"< 25\"".into(),
            ),
        }
    }
}

/// `did you mean "unique"? ` when a valid name is within two edits.
fn did_you_mean(found: &str, valid: &[&str]) -> String {
    crate::diagnostic::closest(found, valid).map(|v| format!("did you mean {v}? ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::test_support::{error, parse, table};

    const EXAMPLE: &str = r#"
[tables.job_entry_tariff]
title = "Tariff for job entry"
clause = "Liite 2, taulukko 1"
hit_policy = "first"
inputs = [
  { name = "outcome", from = "outcome", type = "text", values = ["job_entry", "employed_6m"] },
  { name = "group",   from = "groups",  type = "text_set" },
  { name = "age",     expr = 'age_at(start)', type = "number", values = ["[16..67]"] },
  { name = "start",   from = "start",   type = "date" },
]
outputs = [ { name = "tariff", type = "decimal" } ]
rows = [
  #  outcome      group                       age      start                      tariff
  [ "job_entry", "long_term_unemployed",     "-",     "-",                       "1500.00" ],
  [ "job_entry", "-",                        25,      2026-01-01,                1200 ],
  [ "job_entry", "not(long_term_unemployed)", ">= 25", ">= date(\"2026-01-01\")", "1000.00" ],
]
"#;

    /// The text a diagnostic's span points at.
    fn spanned(text: &str, d: &Diagnostic) -> String {
        match &d.location {
            Location::Span(r) => text[r.clone()].to_string(),
            other => panic!("not a span: {other:?}"),
        }
    }

    fn with(replace: &str, by: &str) -> String {
        assert!(EXAMPLE.contains(replace), "{replace}");
        EXAMPLE.replacen(replace, by, 1)
    }

    #[test]
    fn a_full_table_parses() {
        let t = table(EXAMPLE);
        assert_eq!((t.name.as_str(), t.hit_policy), ("job_entry_tariff", HitPolicy::First));
        assert_eq!(t.clause.as_deref(), Some("Liite 2, taulukko 1"));
        assert_eq!(t.inputs[0].source, InputSource::Field("outcome".into()));
        let InputSource::Expression { text, span } = &t.inputs[2].source else { panic!() };
        assert_eq!((text.as_str(), &EXAMPLE[span.clone()]), ("age_at(start)", "'age_at(start)'"));
        assert_eq!(t.inputs[2].domain.as_ref().unwrap().to_string(), "[16..67]");
        let cells: Vec<String> = t.rows[1].conditions.iter().map(ToString::to_string).collect();
        assert_eq!(cells, ["\"job_entry\"", "-", "25", "date(\"2026-01-01\")"], "integers and TOML dates are cells");
        assert_eq!(t.rows[1].outputs[0].to_string(), "1200");
        assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(EXAMPLE[t.rows[2].span.clone()].starts_with("[ \"job_entry\", \"not("));
    }

    #[test]
    fn malformed_cell_points_at_the_cell_with_row_and_column() {
        let text = with(r#"">= 25""#, r#""<< 25""#);
        let d = error(&text);
        assert_eq!(
            d.message,
            r#"row 3, column "age": expected a unary test such as "< 25", "[18..24]" or "-", found "<< 25""#
        );
        assert_eq!(d.label.as_deref(), Some("expected a value, found '<'"));
        assert_eq!(spanned(&text, &d), r#""<< 25""#);
    }

    #[test]
    fn wrong_cell_count_names_the_columns() {
        let text = with(r#"25,      2026-01-01,"#, "25,");
        let d = error(&text);
        assert_eq!(d.message, "row 2 has 4 cells, but the table has 5 columns");
        assert_eq!(d.help.as_deref(), Some("write one cell per column, in order: outcome, group, age, start, tariff"));
        assert!(spanned(&text, &d).starts_with("[ \"job_entry\", \"-\""));
    }

    #[test]
    fn float_output_cell_is_refused_with_quoting_help() {
        let text = with("1200 ]", "1200.50 ]");
        let d = error(&text);
        assert_eq!(d.message, r#"row 2, column "tariff": 1200.50 is a TOML float, which can lose digits"#);
        assert_eq!(d.help.as_deref(), Some(r#"write it in quotes: "1200.50""#));
        assert_eq!(spanned(&text, &d), "1200.50");
    }

    #[test]
    fn unknown_keys_and_names_get_suggestions() {
        let d = error(&with("hit_policy = \"first\"", "hit_polcy = \"first\"\nhit_policy = \"first\""));
        assert_eq!(d.message, r#"unknown key "hit_polcy" in table job_entry_tariff"#);
        assert!(d.help.unwrap().starts_with("did you mean hit_policy? valid keys are: title, clause"));

        let d = error(&with("\"first\"", "\"frist\""));
        assert_eq!(d.message, r#"unknown hit policy "frist""#);
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean first? write one of: unique, any, priority, first, output_order, rule_order, collect")
        );

        let d = error(&with("type = \"number\"", "type = \"integer\""));
        assert_eq!(d.message, r#"unknown column type "integer""#);
    }

    #[test]
    fn cell_values_must_be_among_the_column_values() {
        let text = with(r#"[ "job_entry", "-","#, r#"[ job_entyr, "-","#);
        let text = text.replace(r#"[ job_entyr"#, r#"[ "job_entyr""#);
        let d = error(&text);
        assert_eq!(d.message, r#"row 2, column "outcome": "job_entyr" is not among the column's values"#);
        assert_eq!(d.help.as_deref(), Some(r#"did you mean "job_entry"? allowed: "job_entry", "employed_6m""#));
    }

    #[test]
    fn every_error_of_a_file_is_reported() {
        let text = with("\"1500.00\"", "1500.0").replace(r#"">= 25""#, r#""25..""#).replace("clause", "klausuuli");
        let diags = parse(&text).unwrap_err();
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(messages[0].starts_with("unknown key \"klausuuli\""));
        assert!(messages[1].starts_with("row 1, column \"tariff\": 1500.0 is a TOML float"));
        assert!(messages[2].starts_with("row 3, column \"age\": expected a unary test"));
    }

    #[test]
    fn column_definitions_are_checked() {
        let d = error(&with("from = \"groups\",", "from = \"groups\", expr = 'x',"));
        assert_eq!(d.message, "a column takes its value from `from` or `expr`, not both");
        let t = table(&with("from = \"groups\",", ""));
        assert_eq!(t.inputs[1].source, InputSource::Given);
        let d = error(&with(r#"name = "start""#, r#"name = "age""#));
        assert_eq!(d.message, r#"two columns are called "age""#);
        let d = error(&with(r#"name = "tariff", type = "decimal""#, r#"name = "tariff", type = "text_set""#));
        assert_eq!(d.message, "text_set is only for input columns");
    }

    #[test]
    fn policies_need_what_they_rank_or_fold_by() {
        let d = error(&with("\"first\"", "\"priority\""));
        assert!(d.message.contains("ranks rows by their outputs, but no output column lists its `values`"));
        let d = error(&with("\"first\"", "\"first\"\naggregate = \"sum\""));
        assert_eq!(d.message, "`aggregate` needs hit_policy = \"collect\", but this table is first");
        let d = error(&with("\"first\"", "\"collect\"\naggregate = \"avg\""));
        assert_eq!(d.message, r#"unknown aggregate "avg""#);
        let text =
            with(r#"type = "decimal""#, r#"type = "text""#).replace("\"first\"", "\"collect\"\naggregate = \"sum\"");
        assert_eq!(error(&text).message, "collect with sum cannot fold text values");
    }

    #[test]
    fn output_values_give_priority_and_constrain_cells() {
        let text = with(r#"type = "decimal" }"#, r#"type = "decimal", values = ["1500.00", "1000.00"] }"#);
        let d = error(&text);
        assert_eq!(d.message, r#"row 2, column "tariff": 1200 is not among the column's values"#);
        let fixed = text.replace("1200 ]", "\"1000\" ]");
        let t = table(&fixed.replace("\"first\"", "\"priority\""));
        assert_eq!(t.outputs[0].values.as_ref().unwrap().len(), 2);
    }
}
