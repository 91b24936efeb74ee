//! Static analysis of a table: gaps, overlaps the hit policy forbids, rows
//! that can never match and rows that can never win.
//!
//! Every column's domain is split into *atoms*: classes of values on which
//! every cell of the column gives the same answer. Numbers and dates split
//! at the cells' boundaries (`< 25` and `>= 25` give `< 25`, `= 25`,
//! `> 25`, with unreachable classes dropped); text splits into the values
//! the cells name; booleans into true and false; text sets into the
//! subsets of the tags the cells name. A search over atom combinations
//! then decides coverage exactly, with a budget so huge tables stay fast.
//!
//! Two kinds of atom lists, because the findings need different proofs:
//! - *complete* (for overlaps, never-matching and masked rows): covers
//!   every possible value, adding a stand-in "other text" for free text;
//!   a text set with more than [`MAX_COMPLETE_TAGS`] tags cannot be
//!   enumerated and such findings are then not claimed;
//! - *plausible* (for gaps): only values known to exist. Free text without
//!   `values` contributes just the values the cells name (any other text
//!   is not claimed as a gap: the officer may know it never occurs); text
//!   sets contribute the subsets of their tags (empty set and single tags
//!   only, beyond [`MAX_PLAUSIBLE_TAGS`] tags). So a reported gap is real,
//!   but a table over free text may have gaps that are not reported.
//!
//! Gaps are checked for single-hit policies only: for the multi-hit ones
//! an empty result is an ordinary answer (no bonus applies).

use std::cmp::Ordering;
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::cell::{compare, literal_text};
use super::eval::{priority_key, rows_list};
use super::{ColumnType, DecisionTable, HitPolicy, InputColumn, Row, UnaryTests, Value};
use crate::diagnostic::{Diagnostic, Location};

/// Search steps per search (gap search, or one row's masking search).
const SEARCH_BUDGET: usize = 50_000;
/// Findings of one kind reported per table before summarising the rest.
const MAX_REPORTED: usize = 20;
/// Text-set tags up to which all subsets are enumerated for proofs.
const MAX_COMPLETE_TAGS: usize = 10;
/// Text-set tags up to which all subsets are tried when looking for gaps.
const MAX_PLAUSIBLE_TAGS: usize = 8;

pub(super) fn check(table: &DecisionTable, file: &Path) -> Vec<Diagnostic> {
    let a = Analysis { table, file };
    let mut out = a.never_matching();
    out.extend(a.overlaps());
    out.extend(a.masked());
    out.extend(a.gaps());
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plausible,
    Complete,
}

/// One end of an atom of a number or date column.
#[derive(Debug, Clone)]
struct Bound {
    value: Value,
    closed: bool,
}

/// A class of values that every cell of a column treats alike.
#[derive(Debug, Clone)]
struct Atom {
    /// A concrete value of the class, for examples.
    example: Value,
    /// For numbers and dates, the class's ends (`None` = unbounded);
    /// `None`/`None` for discrete types.
    low: Option<Bound>,
    high: Option<Bound>,
}

impl Atom {
    fn discrete(example: Value) -> Self {
        Atom { example, low: None, high: None }
    }

    fn point(value: &Value) -> Self {
        let b = Some(Bound { value: value.clone(), closed: true });
        Atom { example: value.clone(), low: b.clone(), high: b }
    }

    /// Number and date atoms are stretches of a line; others are values.
    fn ordered(&self) -> bool {
        matches!(self.example, Value::Number(_) | Value::Date(_))
    }
}

/// The atoms of column `col` for the given cells; `None` when they cannot
/// be enumerated completely.
fn atoms(col: &InputColumn, cells: &[&UnaryTests], mode: Mode) -> Option<Vec<Atom>> {
    let mentioned = || cells.iter().flat_map(|c| c.literals()).cloned().collect::<Vec<_>>();
    let declared = || col.domain.as_ref().map(|d| d.literals().into_iter().cloned().collect::<Vec<_>>());
    Some(match col.column_type {
        ColumnType::Boolean => vec![Atom::discrete(Value::Bool(true)), Atom::discrete(Value::Bool(false))],
        ColumnType::Text => text_atoms(declared(), mentioned(), mode),
        ColumnType::TextSet => set_atoms(declared().unwrap_or_else(mentioned), mode)?,
        ColumnType::Number | ColumnType::Date => {
            let mut points = mentioned();
            points.extend(declared().unwrap_or_default());
            let domain = col.domain.as_ref();
            ordered_atoms(col.column_type, points)
                .into_iter()
                .filter(|a| domain.is_none_or(|d| d.matches(&a.example)))
                .collect()
        }
    })
}

fn texts(values: Vec<Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if let Value::Text(s) = v {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// Declared values when there are any (complete by definition); else the
/// named values plus, when a proof needs completeness or nothing is named,
/// a stand-in for "any other text".
fn text_atoms(declared: Option<Vec<Value>>, mentioned: Vec<Value>, mode: Mode) -> Vec<Atom> {
    let mut values = texts(declared.clone().unwrap_or(mentioned));
    if declared.is_none() && (mode == Mode::Complete || values.is_empty()) {
        let mut other = "(other text)".to_string();
        while values.contains(&other) {
            other.push('_');
        }
        values.push(other);
    }
    values.into_iter().map(|s| Atom::discrete(Value::Text(s))).collect()
}

/// Subsets of the tags, smallest first (examples stay simple).
fn set_atoms(tags: Vec<Value>, mode: Mode) -> Option<Vec<Atom>> {
    let tags = texts(tags);
    let limit = if mode == Mode::Complete { MAX_COMPLETE_TAGS } else { MAX_PLAUSIBLE_TAGS };
    let mut sets: Vec<Vec<&String>> = if tags.len() <= limit {
        (0u32..1 << tags.len())
            .map(|mask| tags.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, t)| t).collect())
            .collect()
    } else if mode == Mode::Plausible {
        std::iter::once(Vec::new()).chain(tags.iter().map(|t| vec![t])).collect()
    } else {
        return None;
    };
    sets.sort_by_key(Vec::len);
    Some(sets.into_iter().map(|s| Atom::discrete(Value::text_set(s.into_iter().cloned()))).collect())
}

/// Points at every boundary and the open stretches between them, in order.
fn ordered_atoms(ty: ColumnType, mut points: Vec<Value>) -> Vec<Atom> {
    points.sort_by(|a, b| compare(a, b).unwrap_or(Ordering::Equal));
    points.dedup_by(|a, b| compare(a, b) == Some(Ordering::Equal));
    let open = |v: &Value| Some(Bound { value: v.clone(), closed: false });
    let mut atoms = Vec::new();
    let mut prev: Option<&Value> = None;
    for p in &points {
        if let Some(example) = between(ty, prev, Some(p)) {
            atoms.push(Atom { example, low: prev.and_then(open), high: open(p) });
        }
        atoms.push(Atom::point(p));
        prev = Some(p);
    }
    if let Some(example) = between(ty, prev, None) {
        atoms.push(Atom { example, low: prev.and_then(open), high: None });
    }
    atoms
}

/// A readable value strictly between two boundaries (whole numbers where
/// possible); `None` when nothing fits (consecutive days).
fn between(ty: ColumnType, low: Option<&Value>, high: Option<&Value>) -> Option<Value> {
    if ty == ColumnType::Date {
        let (low, high) = (low.and_then(as_date), high.and_then(as_date));
        let d = match (low, high) {
            (None, None) => NaiveDate::default(),
            (None, Some(h)) => h.pred_opt()?,
            (Some(l), _) => l.succ_opt()?,
        };
        return high.is_none_or(|h| d < h).then_some(Value::Date(d));
    }
    let (low, high) = (low.and_then(as_number), high.and_then(as_number));
    let n = match (low, high) {
        (None, None) => Decimal::ZERO,
        (None, Some(h)) => (h - Decimal::ONE).ceil(),
        (Some(l), None) => l.floor() + Decimal::ONE,
        (Some(l), Some(h)) => Some(l.floor() + Decimal::ONE).filter(|c| *c < h).unwrap_or((l + h) / Decimal::TWO),
    };
    Some(Value::Number(n.normalize()))
}

fn as_date(v: &Value) -> Option<NaiveDate> {
    match v {
        Value::Date(d) => Some(*d),
        _ => None,
    }
}

fn as_number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

/// `age < 25`, `age in [25..30)`, `age = 25`, `outcome = "a"`,
/// `outcome is one of "a", "b"` — for atoms that form one region.
fn describe(name: &str, region: &[&Atom]) -> String {
    let (first, last) = (region[0], region[region.len() - 1]);
    if !first.ordered() {
        let values: Vec<String> = region.iter().map(|a| a.example.to_string()).collect();
        return match values.as_slice() {
            [one] => format!("{name} = {one}"),
            many => format!("{name} is one of {}", many.join(", ")),
        };
    }
    let text = |b: &Bound| literal_text(&b.value);
    match (&first.low, &last.high) {
        (None, None) => format!("{name} is any value"),
        (Some(l), Some(h)) if l.closed && h.closed && compare(&l.value, &h.value) == Some(Ordering::Equal) => {
            format!("{name} = {}", text(l))
        }
        (None, Some(h)) => format!("{name} {} {}", if h.closed { "<=" } else { "<" }, text(h)),
        (Some(l), None) => format!("{name} {} {}", if l.closed { ">=" } else { ">" }, text(l)),
        (Some(l), Some(h)) => format!(
            "{name} in {}{}..{}{}",
            if l.closed { '[' } else { '(' },
            text(l),
            text(h),
            if h.closed { ']' } else { ')' }
        ),
    }
}

/// `outcome = "job_entry", age = 25`.
fn example_text(table: &DecisionTable, values: &[Value]) -> String {
    let parts: Vec<String> = table.inputs.iter().zip(values).map(|(c, v)| format!("{} = {v}", c.name)).collect();
    parts.join(", ")
}

/// A column's atoms with, per atom, which rows' cells accept it.
struct ColumnIndex {
    atoms: Vec<Atom>,
    accepts: Vec<Vec<bool>>,
}

impl ColumnIndex {
    fn new(table: &DecisionTable, col: usize, mode: Mode) -> Option<Self> {
        let cells: Vec<&UnaryTests> = table.rows.iter().map(|r| &r.conditions[col]).collect();
        let atoms = atoms(&table.inputs[col], &cells, mode)?;
        let accepts = atoms.iter().map(|a| cells.iter().map(|c| c.matches(&a.example)).collect()).collect();
        Some(ColumnIndex { atoms, accepts })
    }
}

struct Analysis<'a> {
    table: &'a DecisionTable,
    file: &'a Path,
}

/// Consecutive runs of indices: `[1, 2, 4]` → `[[1, 2], [4]]`.
fn runs(indices: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for &i in indices {
        match out.last_mut() {
            Some(run) if run.last() == Some(&(i - 1)) => run.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

impl Analysis<'_> {
    fn warning(&self, span: Range<usize>, message: String) -> Diagnostic {
        Diagnostic::warning(self.file, Location::Span(span), message)
    }

    fn complete_index(&self) -> Vec<Option<ColumnIndex>> {
        (0..self.table.inputs.len()).map(|c| ColumnIndex::new(self.table, c, Mode::Complete)).collect()
    }

    /// Rows with a cell no value of its column can pass (e.g. `[70..80]`
    /// in a column whose values are `[16..67]`).
    fn never_matching(&self) -> Vec<Diagnostic> {
        let index = self.complete_index();
        let mut out = Vec::new();
        for (r, row) in self.table.rows.iter().enumerate() {
            // A `null` cell is for missing values, which lie outside every
            // domain analysed here; such a row is not dead.
            let dead = index.iter().enumerate().find(|(c, ix)| {
                !row.conditions[*c].admits_null()
                    && ix.as_ref().is_some_and(|ix| !ix.accepts.iter().any(|per_row| per_row[r]))
            });
            if let Some((c, _)) = dead {
                let col = &self.table.inputs[c];
                let message = format!(
                    "row {} can never match: no allowed value of column {:?} passes {}",
                    row.number, col.name, row.conditions[c]
                );
                out.push(self.warning(row.span.clone(), message).with_help("fix the cell or remove the row"));
            }
        }
        out
    }

    /// Unique: any two rows that can match together. Any: the same, for
    /// rows with different outputs.
    fn overlaps(&self) -> Vec<Diagnostic> {
        let policy = self.table.hit_policy;
        if !matches!(policy, HitPolicy::Unique | HitPolicy::Any) {
            return Vec::new();
        }
        let rows = &self.table.rows;
        let mut found = Vec::new();
        for (j, later) in rows.iter().enumerate() {
            for earlier in &rows[..j] {
                if policy == HitPolicy::Any && earlier.outputs == later.outputs {
                    continue;
                }
                if let Some(example) = self.common_input(earlier, later) {
                    found.push(self.overlap_error(earlier, later, &example));
                }
            }
        }
        summarise(found, "overlapping row pairs")
    }

    /// An input both rows match, if there is one (columns are independent,
    /// so a witness per column is a witness for the row).
    fn common_input(&self, a: &Row, b: &Row) -> Option<Vec<Value>> {
        self.table
            .inputs
            .iter()
            .enumerate()
            .map(|(c, col)| {
                let cells = [&a.conditions[c], &b.conditions[c]];
                let atoms = atoms(col, &cells, Mode::Complete)?;
                atoms.into_iter().map(|at| at.example).find(|v| cells.iter().all(|cell| cell.matches(v)))
            })
            .collect()
    }

    fn overlap_error(&self, earlier: &Row, later: &Row, example: &[Value]) -> Diagnostic {
        let (message, help) = if self.table.hit_policy == HitPolicy::Unique {
            (
                format!(
                    "hit policy unique, but rows {} and {} can both match, e.g. for {}",
                    earlier.number,
                    later.number,
                    example_text(self.table, example)
                ),
                "make the rows exclude each other, or use hit_policy = \"first\" if the earlier row should win",
            )
        } else {
            (
                format!(
                    "hit policy any, but rows {} and {} can both match with different outputs, e.g. for {}",
                    earlier.number,
                    later.number,
                    example_text(self.table, example)
                ),
                "rows that can match together must have the same outputs",
            )
        };
        Diagnostic::error(self.file, Location::Span(later.span.clone()), message)
            .with_label(format!("overlaps row {}", earlier.number))
            .with_help(help)
    }

    /// First: rows whose every input is taken by an earlier row. Priority:
    /// rows whose every input is taken by a row with a higher-priority output.
    fn masked(&self) -> Vec<Diagnostic> {
        let policy = self.table.hit_policy;
        if !matches!(policy, HitPolicy::First | HitPolicy::Priority) {
            return Vec::new();
        }
        let Some(index) = self.complete_index().into_iter().collect::<Option<Vec<_>>>() else {
            return Vec::new();
        };
        let rows = &self.table.rows;
        let mut found = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            let rivals: Vec<usize> = match policy {
                HitPolicy::First => (0..r).collect(),
                _ => {
                    let key = priority_key(self.table, row);
                    (0..rows.len()).filter(|&o| priority_key(self.table, &rows[o]) < key).collect()
                }
            };
            let mut search = MaskSearch { index: &index, row: r, budget: SEARCH_BUDGET, maskers: Vec::new() };
            if !rivals.is_empty() && search.always_beaten(0, &rivals) == Some(true) && !search.maskers.is_empty() {
                found.push(self.masked_warning(row, search.maskers));
            }
        }
        summarise(found, "masked rows")
    }

    fn masked_warning(&self, row: &Row, mut maskers: Vec<usize>) -> Diagnostic {
        maskers.sort_unstable();
        maskers.dedup();
        let numbers: Vec<usize> = maskers.iter().map(|&m| self.table.rows[m].number).collect();
        let by = if self.table.hit_policy == HitPolicy::First {
            "an earlier row"
        } else {
            "a row with a higher-priority output"
        };
        let message = format!(
            "row {} can never win: every input it matches is also matched by {by} (rows {})",
            row.number,
            rows_list(&numbers)
        );
        self.warning(row.span.clone(), message).with_help("remove the row, or move or narrow the rows that hide it")
    }

    /// Regions no row covers, for single-hit tables.
    fn gaps(&self) -> Vec<Diagnostic> {
        if !matches!(self.table.hit_policy, HitPolicy::Unique | HitPolicy::Any | HitPolicy::First | HitPolicy::Priority)
        {
            return Vec::new();
        }
        let index: Vec<ColumnIndex> = (0..self.table.inputs.len())
            .map(|c| ColumnIndex::new(self.table, c, Mode::Plausible).expect("plausible atoms always exist"))
            .collect();
        let mut search = GapSearch { index: &index, budget: SEARCH_BUDGET, gaps: Vec::new(), prefix: Vec::new() };
        let all_rows: Vec<usize> = (0..self.table.rows.len()).collect();
        search.visit(0, &all_rows);
        let exhausted = search.budget == 0;
        let mut found: Vec<Diagnostic> = search.gaps.iter().map(|g| self.gap_warning(&index, g)).collect();
        found = summarise(found, "gaps");
        if exhausted {
            let message = format!(
                "gap search stopped after {SEARCH_BUDGET} steps; table {:?} may have gaps not reported here",
                self.table.name
            );
            found.push(self.warning(self.table.rows_span.clone(), message));
        }
        found
    }

    fn gap_warning(&self, index: &[ColumnIndex], gap: &Gap) -> Diagnostic {
        let conditions: Vec<String> = gap
            .prefix
            .iter()
            .enumerate()
            .map(|(c, &a)| describe(&self.table.inputs[c].name, &[&index[c].atoms[a]]))
            .chain(std::iter::once({
                let c = gap.prefix.len();
                let atoms: Vec<&Atom> = gap.atoms.iter().map(|&a| &index[c].atoms[a]).collect();
                describe(&self.table.inputs[c].name, &atoms)
            }))
            .collect();
        // Any value completes the example: no row survives the prefix.
        let mut chosen = gap.prefix.clone();
        chosen.push(gap.atoms[0]);
        let example: Vec<Value> = index
            .iter()
            .enumerate()
            .map(|(c, ix)| ix.atoms[chosen.get(c).copied().unwrap_or(0)].example.clone())
            .collect();
        let message = format!("no row covers {}", conditions.join(", "));
        self.warning(self.table.rows_span.clone(), message).with_label("gap in the table").with_help(format!(
            "for example {}; add a row for it, or the table has no result there",
            example_text(self.table, &example)
        ))
    }
}

/// The first [`MAX_REPORTED`] findings and one line counting the rest.
fn summarise(mut found: Vec<Diagnostic>, what: &str) -> Vec<Diagnostic> {
    if found.len() > MAX_REPORTED {
        let rest = found.len() - MAX_REPORTED;
        found.truncate(MAX_REPORTED);
        let mut more = found[MAX_REPORTED - 1].clone();
        more.message = format!("… and {rest} more {what} not shown");
        more.label = None;
        more.help = None;
        found.push(more);
    }
    found
}

/// Whether a row is beaten by a rival on every input it matches.
struct MaskSearch<'a> {
    index: &'a [ColumnIndex],
    row: usize,
    budget: usize,
    /// Rivals that beat the row somewhere.
    maskers: Vec<usize>,
}

impl MaskSearch<'_> {
    /// `Some(true)`: beaten everywhere; `Some(false)`: wins somewhere;
    /// `None`: budget exhausted, no claim.
    fn always_beaten(&mut self, col: usize, rivals: &[usize]) -> Option<bool> {
        let Some(ix) = self.index.get(col) else {
            self.maskers.extend_from_slice(rivals);
            return Some(true);
        };
        let row = self.row;
        for accepts in ix.accepts.iter().filter(|acc| acc[row]) {
            self.budget = self.budget.checked_sub(1)?;
            let left: Vec<usize> = rivals.iter().copied().filter(|&o| accepts[o]).collect();
            if left.is_empty() || !self.always_beaten(col + 1, &left)? {
                return Some(false);
            }
        }
        Some(true)
    }
}

/// An uncovered region: fixed atoms for the first columns, then a set of
/// atoms of the next column; later columns are unconstrained.
struct Gap {
    prefix: Vec<usize>,
    atoms: Vec<usize>,
}

struct GapSearch<'a> {
    index: &'a [ColumnIndex],
    budget: usize,
    gaps: Vec<Gap>,
    prefix: Vec<usize>,
}

impl GapSearch<'_> {
    fn visit(&mut self, col: usize, candidates: &[usize]) {
        let Some(ix) = self.index.get(col) else {
            return;
        };
        let mut uncovered = Vec::new();
        for (a, accepts) in ix.accepts.iter().enumerate() {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            let left: Vec<usize> = candidates.iter().copied().filter(|&r| accepts[r]).collect();
            if left.is_empty() {
                uncovered.push(a);
            } else {
                self.prefix.push(a);
                self.visit(col + 1, &left);
                self.prefix.pop();
            }
        }
        self.record(ix, uncovered);
    }

    /// One gap per run of adjacent number/date atoms, one for all
    /// uncovered values of a discrete column.
    fn record(&mut self, ix: &ColumnIndex, uncovered: Vec<usize>) {
        let Some(&first) = uncovered.first() else {
            return;
        };
        let regions = if ix.atoms[first].ordered() { runs(&uncovered) } else { vec![uncovered] };
        for atoms in regions {
            self.gaps.push(Gap { prefix: self.prefix.clone(), atoms });
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::diagnostic::Severity;
    use crate::tables::test_support::table;

    fn check_text(text: &str) -> Vec<(Severity, String, Option<String>)> {
        let t = table(text);
        t.check(Path::new("contract.toml")).into_iter().map(|d| (d.severity, d.message, d.help)).collect()
    }

    fn messages(text: &str) -> Vec<String> {
        check_text(text).into_iter().map(|(_, m, _)| m).collect()
    }

    fn age_table(policy: &str, age_column_extra: &str, rows: &str) -> String {
        format!(
            r#"
[tables.t]
hit_policy = "{policy}"
inputs = [
  {{ name = "outcome", from = "outcome", type = "text", values = ["job_entry", "employed_6m"] }},
  {{ name = "age", from = "age", type = "number" {age_column_extra} }},
]
outputs = [ {{ name = "tariff", type = "decimal", values = ["1500.00", "1200.00", "1000.00"] }} ]
rows = [
{rows}
]
"#
        )
    }

    #[test]
    fn gaps_are_reported_once_per_region_with_an_example() {
        let text =
            age_table("unique", "", r#"[ "job_entry", "< 25", "1200.00" ], [ "job_entry", "> 25", "1000.00" ],"#);
        let found = check_text(&text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].0, Severity::Warning);
        assert_eq!(found[0].1, r#"no row covers outcome = "job_entry", age = 25"#);
        assert_eq!(
            found[0].2.as_deref(),
            Some(r#"for example outcome = "job_entry", age = 25; add a row for it, or the table has no result there"#)
        );
        assert_eq!(found[1].1, r#"no row covers outcome = "employed_6m""#);
        assert_eq!(
            found[1].2.as_deref(),
            Some(
                r#"for example outcome = "employed_6m", age = 24; add a row for it, or the table has no result there"#
            )
        );
    }

    #[test]
    fn gap_regions_merge_adjacent_stretches_and_respect_declared_values() {
        let rows = r#"[ "-", "[18..24]", "1200.00" ],"#;
        // The search goes column by column, so each outcome gets its own.
        assert_eq!(
            messages(&age_table("first", "", rows)),
            [
                r#"no row covers outcome = "job_entry", age < 18"#,
                r#"no row covers outcome = "job_entry", age > 24"#,
                r#"no row covers outcome = "employed_6m", age < 18"#,
                r#"no row covers outcome = "employed_6m", age > 24"#,
            ]
        );
        let bounded = age_table("first", r#", values = ["[16..67]"]"#, rows);
        let found = messages(&bounded);
        assert_eq!(found[0], r#"no row covers outcome = "job_entry", age in [16..18)"#);
        assert_eq!(found[1], r#"no row covers outcome = "job_entry", age in (24..67]"#);
    }

    #[test]
    fn complete_tables_have_no_findings() {
        let rows = r#"[ "job_entry", "< 25", "1200.00" ], [ "job_entry", ">= 25", "1000.00" ], [ "employed_6m", "-", "1500.00" ],"#;
        assert_eq!(messages(&age_table("unique", "", rows)), Vec::<String>::new());
    }

    #[test]
    fn unique_overlaps_are_errors_with_an_example() {
        let rows = r#"[ "job_entry", "< 25", "1200.00" ], [ "-", "[20..30]", "1000.00" ], [ "-", "> 30", "1000.00" ],"#;
        let found = check_text(&age_table("unique", "", rows));
        let errors: Vec<_> = found.iter().filter(|f| f.0 == Severity::Error).collect();
        assert_eq!(errors.len(), 1, "{found:#?}");
        assert_eq!(
            errors[0].1,
            r#"hit policy unique, but rows 1 and 2 can both match, e.g. for outcome = "job_entry", age = 20"#
        );
    }

    #[test]
    fn any_overlaps_matter_only_when_outputs_differ() {
        let rows = r#"[ "-", "< 25", "1000.00" ], [ "-", "[20..30]", "1000.00" ], [ "-", ">= 30", "1500.00" ], [ "-", "> 29", "1000.00" ],"#;
        let errors: Vec<String> = check_text(&age_table("any", "", rows))
            .into_iter()
            .filter(|f| f.0 == Severity::Error)
            .map(|f| f.1)
            .collect();
        assert_eq!(
            errors,
            [
                r#"hit policy any, but rows 2 and 3 can both match with different outputs, e.g. for outcome = "job_entry", age = 30"#,
                r#"hit policy any, but rows 3 and 4 can both match with different outputs, e.g. for outcome = "job_entry", age = 30"#,
            ]
        );
    }

    #[test]
    fn first_reports_rows_hidden_by_earlier_rows() {
        let rows = r#"[ "-", "< 25", "1200.00" ], [ "-", ">= 25", "1000.00" ], [ "job_entry", "[20..30]", "1500.00" ], [ "-", "> 18", "1000.00" ],"#;
        let found = messages(&age_table("first", "", rows));
        assert_eq!(
            found,
            [
                "row 3 can never win: every input it matches is also matched by an earlier row (rows 1 and 2)",
                "row 4 can never win: every input it matches is also matched by an earlier row (rows 1, 2 and 3)",
            ]
        );
    }

    #[test]
    fn priority_reports_rows_hidden_by_higher_priority_rows() {
        let rows = r#"[ "-", "< 25", "1000.00" ], [ "-", "[20..24]", "1200.00" ], [ "-", "-", "1500.00" ],"#;
        let found = messages(&age_table("priority", "", rows));
        assert_eq!(
            found,
            [
                "row 1 can never win: every input it matches is also matched by a row with a higher-priority output (rows 2 and 3)",
                "row 2 can never win: every input it matches is also matched by a row with a higher-priority output (rows 3)",
            ]
        );
    }

    #[test]
    fn rows_that_can_never_match_are_reported() {
        let rows = r#"[ "-", "> 70", "1000.00" ], [ "-", "-", "1500.00" ],"#;
        let found = messages(&age_table("first", r#", values = ["[16..67]"]"#, rows));
        assert_eq!(found, [r#"row 1 can never match: no allowed value of column "age" passes > 70"#]);
    }

    const SETS: &str = r#"
[tables.s]
hit_policy = "unique"
inputs = [
  { name = "group", from = "groups", type = "text_set" },
  { name = "municipality", from = "municipality", type = "text" },
]
outputs = [ { name = "bonus", type = "decimal" } ]
rows = [
  [ "youth",       "Helsinki", "100" ],
  [ "immigrant",   "-",        "200" ],
  [ "not(youth, immigrant)", "not(Helsinki)", "0" ],
]
"#;

    #[test]
    fn text_sets_overlap_through_multiple_tags_and_free_text_gaps_stay_unclaimed() {
        let found = check_text(SETS);
        let errors: Vec<&String> = found.iter().filter(|f| f.0 == Severity::Error).map(|f| &f.1).collect();
        assert_eq!(
            errors,
            [
                r#"hit policy unique, but rows 1 and 2 can both match, e.g. for group = ["immigrant", "youth"], municipality = "Helsinki""#
            ]
        );
        let warnings: Vec<&String> = found.iter().filter(|f| f.0 == Severity::Warning).map(|f| &f.1).collect();
        // No group in Helsinki is a real gap. Youth outside Helsinki is one
        // too, but municipality declares no values, so it is not claimed...
        assert_eq!(warnings, [r#"no row covers group = [], municipality = "Helsinki""#]);
        // ...until it does.
        let declared = SETS.replace(r#"type = "text" }"#, r#"type = "text", values = ["Helsinki", "Espoo"] }"#);
        let warnings: Vec<String> =
            check_text(&declared).into_iter().filter(|f| f.0 == Severity::Warning).map(|f| f.1).collect();
        assert_eq!(
            warnings,
            [
                r#"no row covers group = [], municipality = "Helsinki""#,
                r#"no row covers group = ["youth"], municipality = "Espoo""#,
            ]
        );
    }

    #[test]
    fn huge_tables_stay_fast() {
        let inputs: Vec<String> =
            (0..6).map(|i| format!(r#"{{ name = "x{i}", from = "x{i}", type = "number" }}"#)).collect();
        let rows: Vec<String> = (0..40)
            .map(|r| {
                let cells: Vec<String> = (0..6).map(|c| format!("\"[{}..{}]\"", r * 3 + c, r * 3 + c + 2)).collect();
                format!("[ {}, \"{r}\" ]", cells.join(", "))
            })
            .collect();
        let text = format!(
            "[tables.big]\nhit_policy = \"first\"\ninputs = [ {} ]\noutputs = [ {{ name = \"y\", type = \"number\" }} ]\nrows = [\n{}\n]\n",
            inputs.join(", "),
            rows.join(",\n")
        );
        let found = messages(&text);
        assert!(found.iter().any(|m| m.starts_with("gap search stopped after 50000 steps")), "{found:#?}");
    }
}
