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
//!
//! Scale: each cell's accepted atoms are kept as ranges of atom indices,
//! found by binary search for number, date and text cells, so building an
//! index is O(rows · log atoms) rather than rows × atoms. Pairs of rows
//! that can match together (for overlaps and masked rows) are found by a
//! sweep over the column whose cells intersect least, so only rows whose
//! cells in that column meet are compared; at most [`MAX_PAIR_CHECKS`]
//! pairs are compared, and a warning says when the analysis was limited.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::cell::{compare, literal_text, CmpOp, Test};
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
/// Row pairs compared when looking for rows that can match together.
const MAX_PAIR_CHECKS: usize = 2_000_000;
/// Rival checks, over the whole table, when looking for masked rows.
const MAX_MASK_WORK: usize = 20_000_000;

pub(super) fn check(table: &DecisionTable, file: &Path) -> Vec<Diagnostic> {
    let complete = (0..table.inputs.len()).map(|c| ColumnIndex::new(table, c, Mode::Complete)).collect();
    let a = Analysis { table, file, complete };
    let mut out = a.never_matching();
    let pairs = match table.hit_policy {
        HitPolicy::Unique | HitPolicy::Any | HitPolicy::First | HitPolicy::Priority => a.overlapping_pairs(),
        _ => Pairs::default(),
    };
    out.extend(a.overlaps(&pairs));
    out.extend(a.masked(&pairs));
    if pairs.limited {
        let message = format!(
            "table {:?} is too large to compare every pair of rows: the analysis stopped after {MAX_PAIR_CHECKS} pairs, so overlapping or hidden rows beyond those may not be reported",
            table.name
        );
        out.push(
            a.warning(table.rows_span.clone(), message)
                .with_help("split the table, or make the first input column tell rows apart"),
        );
    }
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

/// The distinct texts of `values`, in order of first appearance.
fn texts(values: Vec<Value>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if let Value::Text(s) = v {
            if seen.insert(s.clone()) {
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

/// Atoms a cell accepts: sorted, disjoint, non-empty ranges of indices.
type Accepted = Vec<Range<usize>>;

/// A column's atoms with, per row, the atoms its cell accepts.
struct ColumnIndex {
    atoms: Vec<Atom>,
    accepted: Vec<Accepted>,
}

impl ColumnIndex {
    fn new(table: &DecisionTable, col: usize, mode: Mode) -> Option<Self> {
        let cells: Vec<&UnaryTests> = table.rows.iter().map(|r| &r.conditions[col]).collect();
        let atoms = atoms(&table.inputs[col], &cells, mode)?;
        let texts: HashMap<&str, usize> = atoms
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match &a.example {
                Value::Text(s) => Some((s.as_str(), i)),
                _ => None,
            })
            .collect();
        let accepted = cells.iter().map(|c| accepted(c, &atoms, &texts)).collect();
        Some(ColumnIndex { atoms, accepted })
    }

    fn accepts(&self, row: usize, atom: usize) -> bool {
        contains(&self.accepted[row], atom)
    }
}

fn contains(ranges: &[Range<usize>], atom: usize) -> bool {
    let i = ranges.partition_point(|r| r.end <= atom);
    ranges.get(i).is_some_and(|r| r.start <= atom)
}

/// Whether two sets of ranges share an atom (a merge walk).
fn intersect(a: &[Range<usize>], b: &[Range<usize>]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        if x.start < y.end && y.start < x.end {
            return true;
        }
        if x.end <= y.end {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

/// Sorted, merged, non-empty ranges.
fn normalise(mut ranges: Vec<Range<usize>>) -> Accepted {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| r.start);
    let mut out: Accepted = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// The atoms `0..n` outside `ranges` (which are normalised).
fn complement(ranges: &[Range<usize>], n: usize) -> Accepted {
    let mut out = Vec::new();
    let mut at = 0;
    for r in ranges {
        if at < r.start {
            out.push(at..r.start);
        }
        at = r.end;
    }
    if at < n {
        out.push(at..n);
    }
    out
}

/// The atoms a cell accepts. Number, date and text tests are located by
/// binary search or lookup; anything else (booleans, text sets) is matched
/// atom by atom, which is cheap for their few atoms.
// A list of one range of atom indices is meant: a set of atoms.
#[allow(clippy::single_range_in_vec_init)]
fn accepted(cell: &UnaryTests, atoms: &[Atom], texts: &HashMap<&str, usize>) -> Accepted {
    let n = atoms.len();
    let UnaryTests::List { negated, tests } = cell else {
        return normalise(vec![0..n]);
    };
    let located: Option<Vec<Accepted>> = tests.iter().map(|t| locate(t, atoms, texts)).collect();
    let Some(located) = located else {
        let hits: Vec<Range<usize>> = (0..n).filter(|&a| cell.matches(&atoms[a].example)).map(|a| a..a + 1).collect();
        return normalise(hits);
    };
    let hit = normalise(located.into_iter().flatten().collect());
    if *negated {
        complement(&hit, n)
    } else {
        hit
    }
}

/// The atoms one test accepts, when it can be located without matching
/// every atom: ordered atoms are sorted by their examples, and every
/// boundary a test names is one of the points between atoms.
// A list of one range of atom indices is meant: a set of atoms.
#[allow(clippy::single_range_in_vec_init)]
fn locate(test: &Test, atoms: &[Atom], texts: &HashMap<&str, usize>) -> Option<Accepted> {
    let n = atoms.len();
    let first = atoms.first()?;
    if !first.ordered() {
        // Text values are looked up; text sets and booleans are matched.
        if !matches!(first.example, Value::Text(_)) {
            return None;
        }
        let Test::Compare(op @ (CmpOp::Eq | CmpOp::Ne), Value::Text(s)) = test else { return None };
        let at = texts.get(s.as_str()).map(|&i| i..i + 1);
        let eq: Accepted = at.into_iter().collect();
        return Some(if *op == CmpOp::Eq { eq } else { complement(&eq, n) });
    }
    // Atoms below `v` (or up to it, `or_equal`); tests against a value of
    // another type, or null, accept nothing.
    let below = |v: &Value, or_equal: bool| -> Option<usize> {
        compare(&first.example, v)?;
        Some(atoms.partition_point(|a| match compare(&a.example, v) {
            Some(Ordering::Less) => true,
            Some(Ordering::Equal) => or_equal,
            _ => false,
        }))
    };
    let span = match test {
        Test::Compare(op, v) => {
            let Some((lt, le)) = below(v, false).zip(below(v, true)) else { return Some(Vec::new()) };
            match op {
                CmpOp::Lt => vec![0..lt],
                CmpOp::Le => vec![0..le],
                CmpOp::Gt => vec![le..n],
                CmpOp::Ge => vec![lt..n],
                CmpOp::Eq => vec![lt..le],
                CmpOp::Ne => vec![0..lt, le..n],
            }
        }
        Test::Range(r) => {
            let Some((low, high)) = below(&r.low, !r.low_closed).zip(below(&r.high, r.high_closed)) else {
                return Some(Vec::new());
            };
            vec![low..high]
        }
    };
    Some(normalise(span))
}

/// Row pairs `(earlier, later)` that can match together, sorted by the
/// later row and then the earlier one.
#[derive(Default)]
struct Pairs {
    pairs: Vec<(usize, usize)>,
    /// The comparison stopped at [`MAX_PAIR_CHECKS`]: pairs may be missing.
    limited: bool,
}

struct Analysis<'a> {
    table: &'a DecisionTable,
    file: &'a Path,
    /// Complete atoms per column; `None` where they cannot be enumerated.
    complete: Vec<Option<ColumnIndex>>,
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

    /// Rows with a cell no value of its column can pass (e.g. `[70..80]`
    /// in a column whose values are `[16..67]`).
    fn never_matching(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (r, row) in self.table.rows.iter().enumerate() {
            // A `null` cell is for missing values, which lie outside every
            // domain analysed here; such a row is not dead.
            let dead = self.complete.iter().enumerate().find(|(c, ix)| {
                !row.conditions[*c].admits_null() && ix.as_ref().is_some_and(|ix| ix.accepted[r].is_empty())
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

    /// Every pair of rows some input matches both of. Candidates come from
    /// a sweep over the indexed column whose cells meet least (rows whose
    /// cells there are apart cannot overlap); each candidate is then
    /// checked in every column.
    fn overlapping_pairs(&self) -> Pairs {
        let rows = self.table.rows.len();
        // A row's reach in a column: from its first accepted atom to past
        // its last; a row that accepts nothing somewhere overlaps nothing.
        let hulls = |ix: &ColumnIndex| -> Vec<Option<Range<usize>>> {
            ix.accepted.iter().map(|acc| Some(acc.first()?.start..acc.last()?.end)).collect()
        };
        let sweep: Vec<Option<Range<usize>>> = self
            .complete
            .iter()
            .flatten()
            .map(hulls)
            .min_by_key(|h| meeting_pairs(h))
            .unwrap_or_else(|| vec![Some(0..1); rows]);
        let mut order: Vec<usize> = (0..rows).filter(|&r| sweep[r].is_some()).collect();
        order.sort_by_key(|&r| sweep[r].as_ref().map(|h| h.start));
        let mut out = Pairs::default();
        let mut checks = 0;
        'sweep: for (k, &a) in order.iter().enumerate() {
            let reach = sweep[a].as_ref().map_or(0, |h| h.end);
            for &b in order[k + 1..].iter().take_while(|&&b| sweep[b].as_ref().is_some_and(|h| h.start < reach)) {
                checks += 1;
                if checks > MAX_PAIR_CHECKS {
                    out.limited = true;
                    break 'sweep;
                }
                if self.can_match_together(a.min(b), a.max(b)) {
                    out.pairs.push((a.min(b), a.max(b)));
                }
            }
        }
        out.pairs.sort_by_key(|&(earlier, later)| (later, earlier));
        out
    }

    /// Whether some input matches rows `a` and `b` in every column.
    fn can_match_together(&self, a: usize, b: usize) -> bool {
        let rows = &self.table.rows;
        self.complete.iter().enumerate().all(|(c, ix)| match ix {
            Some(ix) => intersect(&ix.accepted[a], &ix.accepted[b]),
            // Too many tags to index the column: compare the two cells.
            None => {
                let cells = [&rows[a].conditions[c], &rows[b].conditions[c]];
                atoms(&self.table.inputs[c], &cells, Mode::Complete)
                    .is_some_and(|atoms| atoms.iter().any(|at| cells.iter().all(|cell| cell.matches(&at.example))))
            }
        })
    }

    /// Unique: any two rows that can match together. Any: the same, for
    /// rows with different outputs.
    fn overlaps(&self, pairs: &Pairs) -> Vec<Diagnostic> {
        let policy = self.table.hit_policy;
        if !matches!(policy, HitPolicy::Unique | HitPolicy::Any) {
            return Vec::new();
        }
        let rows = &self.table.rows;
        let forbidden: Vec<&(usize, usize)> = pairs
            .pairs
            .iter()
            .filter(|&&(a, b)| policy == HitPolicy::Unique || rows[a].outputs != rows[b].outputs)
            .collect();
        // Examples only for the pairs shown.
        let found = forbidden
            .iter()
            .take(MAX_REPORTED)
            .filter_map(|&&(a, b)| {
                let example = self.common_input(&rows[a], &rows[b])?;
                Some(self.overlap_error(&rows[a], &rows[b], &example))
            })
            .collect();
        summarise_counted(found, forbidden.len(), "overlapping row pairs")
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
    fn masked(&self, pairs: &Pairs) -> Vec<Diagnostic> {
        let policy = self.table.hit_policy;
        if !matches!(policy, HitPolicy::First | HitPolicy::Priority) {
            return Vec::new();
        }
        let Some(index) = self.complete.iter().map(Option::as_ref).collect::<Option<Vec<_>>>() else {
            return Vec::new();
        };
        let rows = &self.table.rows;
        // Only a row that can match together with a row can hide it.
        let mut partners: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
        for &(a, b) in &pairs.pairs {
            partners[a].push(b);
            partners[b].push(a);
        }
        let keys: Vec<Vec<usize>> = rows.iter().map(|row| priority_key(self.table, row)).collect();
        let mut work = MAX_MASK_WORK;
        let mut found = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            let mut rivals: Vec<usize> = match policy {
                HitPolicy::First => partners[r].iter().copied().filter(|&o| o < r).collect(),
                _ => partners[r].iter().copied().filter(|&o| keys[o] < keys[r]).collect(),
            };
            rivals.sort_unstable();
            let mut search =
                MaskSearch { index: &index, row: r, budget: SEARCH_BUDGET, work: &mut work, maskers: Vec::new() };
            if !rivals.is_empty() && search.always_beaten(0, &rivals) == Some(true) && !search.maskers.is_empty() {
                found.push(self.masked_warning(row, search.maskers));
            }
            if work == 0 {
                let message = format!(
                    "the search for rows that can never win stopped at row {} of table {:?}; later rows are not checked",
                    row.number, self.table.name
                );
                found.push(self.warning(self.table.rows_span.clone(), message));
                break;
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

/// The number of row pairs whose hulls (see `overlapping_pairs`) meet:
/// how many candidates a sweep over this column would compare.
fn meeting_pairs(hulls: &[Option<Range<usize>>]) -> usize {
    let mut starts: Vec<usize> = hulls.iter().flatten().map(|h| h.start).collect();
    starts.sort_unstable();
    hulls
        .iter()
        .flatten()
        .map(|h| {
            // Rows starting inside this hull, after this row's start.
            let after = starts.partition_point(|&s| s <= h.start);
            let inside = starts.partition_point(|&s| s < h.end);
            inside.saturating_sub(after)
        })
        .sum()
}

/// The first [`MAX_REPORTED`] findings and one line counting the rest.
fn summarise(found: Vec<Diagnostic>, what: &str) -> Vec<Diagnostic> {
    let total = found.len();
    summarise_counted(found, total, what)
}

/// [`summarise`] when only the first findings were built, out of `total`.
fn summarise_counted(mut found: Vec<Diagnostic>, total: usize, what: &str) -> Vec<Diagnostic> {
    if total > MAX_REPORTED && found.len() >= MAX_REPORTED {
        let rest = total - MAX_REPORTED;
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
    index: &'a [&'a ColumnIndex],
    row: usize,
    budget: usize,
    /// Rival checks left for the whole table.
    work: &'a mut usize,
    /// Rivals that beat the row somewhere.
    maskers: Vec<usize>,
}

impl MaskSearch<'_> {
    /// `Some(true)`: beaten everywhere; `Some(false)`: wins somewhere;
    /// `None`: budget exhausted, no claim.
    fn always_beaten(&mut self, col: usize, rivals: &[usize]) -> Option<bool> {
        let Some(ix) = self.index.get(col) else {
            // A table without input columns: every rival beats the row.
            self.maskers.extend_from_slice(rivals);
            return Some(true);
        };
        let own = &ix.accepted[self.row];
        self.spend(rivals.len())?;
        if col + 1 == self.index.len() {
            // The last column: beaten everywhere when the rivals' cells
            // together cover the row's.
            let meeting: Vec<usize> = rivals.iter().copied().filter(|&o| intersect(own, &ix.accepted[o])).collect();
            let covered = normalise(meeting.iter().flat_map(|&o| ix.accepted[o].iter().cloned()).collect());
            let beaten = !intersect(own, &complement(&covered, ix.atoms.len()));
            if beaten {
                self.maskers.extend(meeting);
            }
            return Some(beaten);
        }
        for atom in own.iter().flat_map(Clone::clone) {
            self.budget = self.budget.checked_sub(1)?;
            self.spend(rivals.len())?;
            let left: Vec<usize> = rivals.iter().copied().filter(|&o| ix.accepts(o, atom)).collect();
            if left.is_empty() || !self.always_beaten(col + 1, &left)? {
                return Some(false);
            }
        }
        Some(true)
    }

    /// Take `n` rival checks from the table's work; `None` (and no work
    /// left) when there are not that many.
    fn spend(&mut self, n: usize) -> Option<()> {
        match self.work.checked_sub(n) {
            Some(left) => *self.work = left,
            None => *self.work = 0,
        }
        (*self.work > 0).then_some(())
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
    /// Look for gaps among `candidates`, the rows that accept the prefix,
    /// from column `col` on. Each atom visited is a step of the budget.
    fn visit(&mut self, col: usize, candidates: &[usize]) {
        let Some(ix) = self.index.get(col) else {
            return;
        };
        let n = ix.atoms.len();
        if col + 1 == self.index.len() {
            // The last column: the gaps are what no candidate's cell covers.
            if self.budget < n {
                self.budget = 0;
                return;
            }
            self.budget -= n;
            let covered = normalise(candidates.iter().flat_map(|&r| ix.accepted[r].iter().cloned()).collect());
            self.record(ix, complement(&covered, n).into_iter().flatten().collect());
            return;
        }
        // Sweep the atoms in order, keeping the candidates whose cells
        // accept the current one (starts and ends of their ranges).
        let mut events: Vec<(usize, bool, usize)> = candidates
            .iter()
            .flat_map(|&r| ix.accepted[r].iter().flat_map(move |range| [(range.start, true, r), (range.end, false, r)]))
            .collect();
        events.sort_unstable();
        let mut active = BTreeSet::new();
        let mut next = 0;
        let mut uncovered = Vec::new();
        for a in 0..n {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            while let Some(&(_, starts, r)) = events.get(next).filter(|e| e.0 <= a) {
                if starts {
                    active.insert(r);
                } else {
                    active.remove(&r);
                }
                next += 1;
            }
            if active.is_empty() {
                uncovered.push(a);
            } else {
                let left: Vec<usize> = active.iter().copied().collect();
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

    /// 10,000 adjacent stretches, one made short (a gap) and one made to
    /// start early (an overlap): every pair used to be compared.
    #[test]
    fn a_ten_thousand_row_table_is_analysed_whole() {
        let rows: Vec<String> = (0..10_000)
            .map(|r| {
                let (low, high) = match r {
                    3000 => (30_000, 30_005),
                    7000 => (69_995, 70_010),
                    _ => (10 * r, 10 * r + 10),
                };
                format!("[ \"[{low}..{high})\", \"{r}\" ]")
            })
            .collect();
        let text = format!(
            "[tables.big]\nhit_policy = \"unique\"\ninputs = [ {{ name = \"x\", from = \"age\", type = \"number\", values = [\"[0..100000)\"] }} ]\noutputs = [ {{ name = \"y\", type = \"number\" }} ]\nrows = [\n{}\n]\n",
            rows.join(",\n")
        );
        assert_eq!(
            messages(&text),
            [
                "hit policy unique, but rows 7000 and 7001 can both match, e.g. for x = 69995",
                "no row covers x in [30005..30010)",
            ]
        );
    }

    /// 2,000 rows over four inputs, one row's age band widened into its
    /// neighbour's.
    #[test]
    fn a_four_input_table_of_two_thousand_rows_is_analysed_whole() {
        let outcomes = ["job_entry", "employed_6m", "education", "trial", "other"];
        let groups = ["youth", "long_term", "immigrant", "disabled"];
        let mut rows = Vec::new();
        for o in outcomes {
            for g in groups {
                for band in 0..10 {
                    for m in 0..10 {
                        let wide = (o, g, band, m) == ("trial", "immigrant", 5, 3);
                        let high = 24 + band * 4 + if wide { 2 } else { 0 };
                        rows.push(format!("[ \"{o}\", \"{g}\", \"[{}..{high})\", \"m{m}\", \"1\" ]", 20 + band * 4));
                    }
                }
            }
        }
        let quoted = |v: &[&str]| v.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(", ");
        let munis: Vec<String> = (0..10).map(|m| format!("m{m}")).collect();
        let munis: Vec<&str> = munis.iter().map(String::as_str).collect();
        let text = format!(
            r#"[tables.four]
hit_policy = "unique"
inputs = [
  {{ name = "outcome", from = "outcome", type = "text", values = [{}] }},
  {{ name = "group", from = "municipality", type = "text", values = [{}] }},
  {{ name = "age", from = "age", type = "number", values = ["[20..60)"] }},
  {{ name = "municipality", from = "municipality", type = "text", values = [{}] }},
]
outputs = [ {{ name = "y", type = "number" }} ]
rows = [
{}
]
"#,
            quoted(&outcomes),
            quoted(&groups),
            quoted(&munis),
            rows.join(",\n")
        );
        assert_eq!(
            messages(&text),
            [
                r#"hit policy unique, but rows 1454 and 1464 can both match, e.g. for outcome = "trial", group = "immigrant", age = 44, municipality = "m3""#
            ]
        );
    }

    /// The located ranges of a cell are exactly the atoms it matches.
    #[test]
    fn located_atoms_agree_with_matching_each_atom() {
        let cells = [
            "< 25",
            "<= 25",
            "> 25",
            ">= 25",
            "25",
            "!= 25",
            "[18..24]",
            "(18..24)",
            "]18..24[",
            "[18..24)",
            "not(< 25)",
            "< 18, > 24",
            "not([18..24], 30)",
            "-",
            "17.5",
            "> 100",
        ];
        let rows: Vec<String> = cells.iter().map(|c| format!("[ \"{c}\", \"t\", \"1\" ]")).collect();
        let text = format!(
            "[tables.t]\nhit_policy = \"collect\"\ninputs = [ {{ name = \"n\", from = \"age\", type = \"number\" }}, {{ name = \"t\", from = \"municipality\", type = \"text\" }} ]\noutputs = [ {{ name = \"y\", type = \"number\" }} ]\nrows = [\n{}, [ \"-\", \"not(t, u)\", \"1\" ], [ \"-\", \"u, v\", \"1\" ]\n]\n",
            rows.join(",\n")
        );
        let t = table(&text);
        for col in 0..2 {
            for mode in [Mode::Complete, Mode::Plausible] {
                let ix = ColumnIndex::new(&t, col, mode).unwrap();
                for (r, row) in t.rows.iter().enumerate() {
                    for (a, atom) in ix.atoms.iter().enumerate() {
                        let cell = &row.conditions[col];
                        assert_eq!(ix.accepts(r, a), cell.matches(&atom.example), "{cell} on {}", atom.example);
                    }
                }
            }
        }
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
