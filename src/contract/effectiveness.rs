//! `[[indicator]]` and `[effectiveness]`: what `tulos score` measures.
//! Neither ever changes a payment.
//!
//! A child module of `parse`, so it reads names, identifiers and amounts
//! with the same functions (and messages) as the rest of the contract.

use serde::Serialize;

use super::*;

pub(crate) const INDICATOR_KEYS: &[&str] = &["id", "name", "outcome", "standard", "value", "target", "weight"];
pub(crate) const EFFECTIVENESS_KEYS: &[&str] =
    &["change_meter_threshold", "satisfaction_target", "earnings_before", "earnings_windows", "min_cell"];
/// The longest earnings window, in months: five years.
const MAX_EARNINGS_MONTHS: i64 = 60;
/// The smallest breakdown cell shown when the contract sets no
/// `min_cell`: five, the threshold Finnish official statistics commonly
/// use for small cells.
pub const DEFAULT_MIN_CELL: u64 = 5;

/// The `[effectiveness]` section: what the change meter, customer
/// experience and earnings parts of the scorecard compare against, and
/// the smallest breakdown cell that may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectivenessSettings {
    /// A change meter dimension counts as improved when the last score
    /// minus the first is at least this (points); `None`: no share shown.
    pub change_meter_threshold: Option<Decimal>,
    /// The mean satisfaction (1–5) aimed at.
    pub satisfaction_target: Option<Decimal>,
    /// Calendar months before the service start month that form the
    /// earnings baseline.
    pub earnings_before: u32,
    /// Lengths in months of the earnings windows after the service end
    /// month, increasing.
    pub earnings_windows: Vec<u32>,
    /// A breakdown cell of fewer eligible records than this is suppressed.
    pub min_cell: u64,
}

impl Default for EffectivenessSettings {
    fn default() -> Self {
        EffectivenessSettings {
            change_meter_threshold: None,
            satisfaction_target: None,
            earnings_before: 12,
            earnings_windows: vec![3, 6, 12],
            min_cell: DEFAULT_MIN_CELL,
        }
    }
}

/// An effectiveness indicator (vaikuttavuusmittari): the share of eligible
/// records that achieved something by the as-of date, counted the same way
/// for participants and the comparison group (verrokkiryhmä). See
/// `effectiveness`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub id: String,
    pub name: Names,
    /// What is counted: an outcome of the contract or a standard indicator.
    pub counts: Counted,
    /// The rate the contract aims at, between 0 and 1.
    pub target: Option<Decimal>,
    /// The indicator's weight in the composite score (greater than zero);
    /// `None`: not part of it. Only an indicator with a target above zero
    /// may have one.
    pub weight: Option<Decimal>,
    /// Line of the indicator's header in the contract file.
    pub line: u64,
}

/// A value indicator: the mean of a per-participant `[[value]]` (a rule
/// returning a number, or `()` when missing) in each arm, and the
/// difference of the means. Declared as `[[indicator]]` with `value = "…"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueIndicator {
    pub id: String,
    pub name: Names,
    /// The id of a `[[value]]` of the contract.
    pub value: String,
    /// The mean the contract aims at, in the value's own unit.
    pub target: Option<Decimal>,
    /// Line of the indicator's header in the contract file.
    pub line: u64,
}

/// What an indicator counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counted {
    /// The id of an `[[outcome]]` of the contract: achieved as the payment
    /// rules say.
    Outcome(String),
    /// A standard indicator computed from the spells, without rules.
    Standard(StandardIndicator),
}

/// Standard indicators, read from the spells relative to the service end
/// date (`effectiveness::standard` defines each exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StandardIndicator {
    Employed3m,
    Employed6m,
    Employed12m,
    InEducation,
    PositiveDestination,
}

impl StandardIndicator {
    pub const ALL: [StandardIndicator; 5] = [
        StandardIndicator::Employed3m,
        StandardIndicator::Employed6m,
        StandardIndicator::Employed12m,
        StandardIndicator::InEducation,
        StandardIndicator::PositiveDestination,
    ];

    /// The name a contract writes.
    pub fn id(self) -> &'static str {
        match self {
            StandardIndicator::Employed3m => "employed_3m",
            StandardIndicator::Employed6m => "employed_6m",
            StandardIndicator::Employed12m => "employed_12m",
            StandardIndicator::InEducation => "in_education",
            StandardIndicator::PositiveDestination => "positive_destination",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        StandardIndicator::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// The `[[indicator]]` sections: rate indicators, and value indicators
/// (those with `value = "…"`). Outcomes and `[[value]]`s are read before
/// indicators, so each reference is checked here, at the value that
/// names it.
pub(super) fn indicators(
    r: &mut Reader,
    root: Table,
    items: &[Item],
    values: &[ValueRule],
) -> (Vec<Indicator>, Vec<ValueIndicator>) {
    let outcomes: Vec<&str> = items.iter().filter(|i| i.kind == ItemKind::Outcome).map(|i| i.id.as_str()).collect();
    let values: Vec<&str> = values.iter().map(|v| v.id.as_str()).collect();
    let mut seen = BTreeSet::new();
    let (mut rates, mut means) = (Vec::new(), Vec::new());
    for (n, v) in array_of_tables(r, root, "indicator").into_iter().enumerate() {
        // Checked on the id as written, so a section with other errors
        // still counts as taken.
        if let Some(id) = written_id(v).filter(|id| !seen.insert(id.clone())) {
            r.error(v.span(), format!("indicator id `{id}` is used twice")).help =
                Some("give every indicator its own id".into());
            continue;
        }
        match indicator(r, v, n + 1, &outcomes, &values) {
            Some(Declared::Rate(i)) => rates.push(i),
            Some(Declared::Mean(i)) => means.push(i),
            None => {}
        }
    }
    (rates, means)
}

/// An indicator as declared: a rate or a mean.
enum Declared {
    Rate(Indicator),
    Mean(ValueIndicator),
}

/// One `[[indicator]]`: an outcome of the contract, a standard indicator
/// or a per-participant value, counted on both arms.
fn indicator(r: &mut Reader, v: &Value, n: usize, outcomes: &[&str], values: &[&str]) -> Option<Declared> {
    let path = written_id(v).map_or(format!("[[indicator]] number {n}"), |id| format!("indicator `{id}`"));
    let t = r.table(v, &path)?;
    r.unknown_keys(t, INDICATOR_KEYS);
    let id = r.required(t, "id", "id = \"job_entry_rate\"").and_then(|v| identifier(r, v, "indicator `id`"));
    let name = r.required(t, "name", "name = { fi = \"…\", en = \"…\" }").and_then(|v| names(r, v, "name"));
    let line = line_of(r, v.span());
    if let Some(value) = t.get("value") {
        let value = value_indicator(r, t, value, &path, values);
        let target = t.get("target").and_then(|v| r.decimal(v, "indicator `target`"));
        return Some(Declared::Mean(ValueIndicator { id: id?, name: name?, value: value?, target, line }));
    }
    let counts = counted(r, t, &path, outcomes);
    let target = t.get("target").and_then(|v| rate(r, v, "indicator `target`"));
    let weight = t.get("weight").and_then(|w| composite_weight(r, w, &path, t.get("target").map(|_| target)));
    Some(Declared::Rate(Indicator { id: id?, name: name?, counts: counts?, target, weight, line }))
}

/// `value = "…"`: a `[[value]]` of the contract, and nothing a rate
/// indicator has besides it.
fn value_indicator(r: &mut Reader, t: Table, v: &Value, path: &str, values: &[&str]) -> Option<String> {
    for key in ["outcome", "standard"] {
        if let Some(other) = t.get(key) {
            r.error(other.span(), format!("{path} has both `value` and `{key}`")).help =
                Some("an indicator measures one thing: keep either value = \"…\" (a mean) or the rate".into());
        }
    }
    if let Some(w) = t.get("weight") {
        r.error(w.span(), format!("{path} is a value indicator and cannot carry a composite `weight`")).help =
            Some("the composite score is built from rate indicators against their targets: remove the weight".into());
    }
    let id = r.string(v, "indicator `value`")?;
    if values.contains(&id.as_str()) {
        return Some(id);
    }
    let help = if values.is_empty() {
        "declare the value first: [[value]] with id, name and a rule returning a number".to_string()
    } else {
        hint(&id, values, &format!("the values are: {}", values.join(", ")))
    };
    r.error(v.span(), format!("indicator `value` names `{id}`, which is not a [[value]] of this contract")).help =
        Some(help);
    None
}

/// `outcome = "…"` or `standard = "…"`: exactly one of them.
fn counted(r: &mut Reader, t: Table, path: &str, outcomes: &[&str]) -> Option<Counted> {
    match (t.get("outcome"), t.get("standard")) {
        (Some(o), None) => outcome(r, o, outcomes).map(Counted::Outcome),
        (None, Some(s)) => standard(r, s).map(Counted::Standard),
        (Some(_), Some(s)) => {
            r.error(s.span(), format!("{path} has both `outcome` and `standard`")).help =
                Some("an indicator counts one thing: keep either outcome = \"…\" or standard = \"…\"".into());
            None
        }
        (None, None) => {
            r.error(
                t.header_span(r.text),
                format!("{path} is missing the key `outcome` (or `standard`, or `value`)"),
            )
            .help = Some(
                "add a line such as: outcome = \"job_entry\", standard = \"employed_3m\" or value = \"tax_paid\""
                    .into(),
            );
            None
        }
    }
}

fn outcome(r: &mut Reader, v: &Value, outcomes: &[&str]) -> Option<String> {
    let id = r.string(v, "indicator `outcome`")?;
    if outcomes.contains(&id.as_str()) {
        return Some(id);
    }
    let help = hint(&id, outcomes, &format!("the outcomes are: {}", outcomes.join(", ")));
    r.error(v.span(), format!("indicator `outcome` names `{id}`, which is not an outcome of this contract")).help =
        Some(help);
    None
}

fn standard(r: &mut Reader, v: &Value) -> Option<StandardIndicator> {
    let id = r.string(v, "indicator `standard`")?;
    if let Some(s) = StandardIndicator::from_id(&id) {
        return Some(s);
    }
    let known: Vec<&str> = StandardIndicator::ALL.iter().map(|s| s.id()).collect();
    let help = hint(&id, &known, &format!("the standard indicators are: {}", known.join(", ")));
    r.error(v.span(), format!("indicator `standard` names `{id}`, which is not a standard indicator")).help =
        Some(help);
    None
}

/// `weight = "0.6"`: a share of the composite score. The composite
/// measures achievement against the target, so an indicator needs a
/// target above zero to carry a weight. `target` is `None` when no target
/// is written, `Some(None)` when it is written wrong (already reported).
fn composite_weight(r: &mut Reader, w: &Value, path: &str, target: Option<Option<Decimal>>) -> Option<Decimal> {
    let weight = positive(r, w, "indicator `weight`", "weight = \"0.6\"")?;
    match target {
        None => {
            r.error(w.span(), format!("{path} has a composite `weight` but no `target`")).help = Some(
                "the composite score measures each indicator against its target: add target = \"0.40\", or remove the weight"
                    .into(),
            );
            None
        }
        Some(Some(t)) if t.is_zero() => {
            r.error(w.span(), format!("{path} has a composite `weight` but its `target` is 0")).help =
                Some("a target of 0 is met by anything: set a target above 0, or remove the weight".into());
            None
        }
        Some(_) => Some(weight),
    }
}

/// The `[effectiveness]` section; a key left out keeps its default, a key
/// written wrong is an error (the default is not used in its place).
pub(super) fn settings(r: &mut Reader, v: &Value) -> EffectivenessSettings {
    let mut settings = EffectivenessSettings::default();
    let Some(t) = r.table(v, "[effectiveness]") else { return settings };
    r.unknown_keys(t, EFFECTIVENESS_KEYS);
    if let Some(v) = t.get("change_meter_threshold") {
        settings.change_meter_threshold =
            non_negative(r, v, "`change_meter_threshold`", "change_meter_threshold = \"1\"");
    }
    if let Some(v) = t.get("satisfaction_target") {
        settings.satisfaction_target = satisfaction(r, v);
    }
    if let Some(v) = t.get("earnings_before") {
        settings.earnings_before = months(r, v, "`earnings_before`").unwrap_or(settings.earnings_before);
    }
    if let Some(v) = t.get("earnings_windows") {
        settings.earnings_windows = earnings_windows(r, v).unwrap_or_default();
    }
    if let Some(v) = t.get("min_cell") {
        settings.min_cell =
            r.integer(v, "`min_cell`", 1).and_then(|n| u64::try_from(n).ok()).unwrap_or(settings.min_cell);
    }
    settings
}

/// A mean satisfaction on the feedback scale 1–5 (`"4.0"`).
fn satisfaction(r: &mut Reader, v: &Value) -> Option<Decimal> {
    let d = r.decimal(v, "`satisfaction_target`")?;
    if d < Decimal::ONE || d > Decimal::from(5) {
        r.error(v.span(), format!("`satisfaction_target` is a mean on the scale 1–5, found {d}")).help =
            Some("write the mean aimed at in quotes, e.g. satisfaction_target = \"4.0\"".into());
        return None;
    }
    Some(d)
}

/// A number of whole months, 1 to [`MAX_EARNINGS_MONTHS`].
fn months(r: &mut Reader, v: &Value, what: &str) -> Option<u32> {
    let n = r.integer(v, what, 1)?;
    if n > MAX_EARNINGS_MONTHS {
        r.error(v.span(), format!("{what} is at most {MAX_EARNINGS_MONTHS} months, found {n}")).help =
            Some("write a number of months from 1 to 60, e.g. 12".into());
        return None;
    }
    u32::try_from(n).ok()
}

/// `earnings_windows = [3, 6, 12]`: months after the service end, each
/// longer than the one before.
fn earnings_windows(r: &mut Reader, v: &Value) -> Option<Vec<u32>> {
    let items = r.array(v, "`earnings_windows`")?;
    let mut windows = Vec::new();
    let mut all_read = true;
    for item in items {
        match months(r, item, "an earnings window") {
            Some(n) if windows.last().is_some_and(|&last| n <= last) => {
                r.error(
                    item.span(),
                    format!("earnings windows must grow: {n} comes after {}", windows[windows.len() - 1]),
                )
                .help = Some("list each window once, shortest first, e.g. earnings_windows = [3, 6, 12]".into());
                all_read = false;
            }
            Some(n) => windows.push(n),
            None => all_read = false,
        }
    }
    all_read.then_some(windows)
}
