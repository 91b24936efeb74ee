//! Standard outcome forms (vakiomuotoiset tulosehdot): the usual clauses of
//! published outcome contracts written as inline TOML tables that read like
//! the clause, instead of as rules.
//!
//! Owns the parsed forms ([`StandardDate`] for `achieved_on`,
//! [`StandardCondition`] for `condition`), their keys (checked against one
//! list each, so a misspelt or misplaced key is named with what to write)
//! and their checks against the rest of the contract: spell kinds, event
//! kinds and instruments against the contract's vocabulary, numbers
//! against `[parameters]`, and anchors on an earlier outcome against
//! `requires`. `payment::standard` evaluates them with the same record
//! queries the rule API answers from.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;
use toml::de::DeValue;

use super::read::{Reader, Table, Value};
use super::{Parameter, Timeline};
use crate::diagnostic::closest;

/// Where a window or a day is counted from (laskennan alkupiste).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The first day of the service (palvelun alkamispäivä).
    ServiceStart,
    /// The last day of the service, once known by the as-of date
    /// (palvelun päättymispäivä); without it nothing is achieved.
    ServiceEnd,
    /// The day an earlier outcome of the contract was first achieved; the
    /// outcome must be listed in `requires`.
    Outcome(String),
}

/// A window's first day: the anchor's own day (`from = …`) or the day
/// after it (`after = …`). The window ends `months` after the anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Start {
    pub anchor: Anchor,
    /// `after`: the window starts the day after the anchor.
    pub next_day: bool,
}

/// A whole number written in the form or read from `[parameters]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Count {
    Literal(i64),
    /// A parameter whose every version is a whole number of at least 1.
    Parameter(String),
}

/// An amount written in the form or read from `[parameters]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Amount {
    Literal(Decimal),
    /// A parameter whose every version is a number.
    Parameter(String),
}

/// A standard `achieved_on`: the day(s) an outcome is achieved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StandardDate {
    /// Työllistyminen: `{ in, lasting_days, starting_within_months, from | after }`
    /// — the day a run of `lasting_days` uninterrupted days in `kind` is
    /// complete, the run starting in the window (the library's `job_entry`).
    Lasting { kind: String, days: Count, months: Count, start: Start },
    /// Työssä tarkasteluhetkellä: `{ in, months_after, of }` — the day
    /// `months` after the anchor, if in `kind` then; not yet decidable
    /// while that day is after the as-of date.
    InSpellOn { kind: String, months: Count, anchor: Anchor },
    /// `{ first_day_in, within_months, from | after }` — the first day in
    /// `kind` within the window (e.g. education started).
    FirstDayIn { kind: String, months: Count, start: Start },
    /// Työssä jatkaminen: `{ every_days, in, at_most, from | after }` — the
    /// last day of each further `days` uninterrupted days in `kind`
    /// counted from the window's first day, at most `at_most` of them.
    Every { kind: String, days: Count, at_most: Count, start: Start },
    /// `{ last_measured }` — the day of the instrument's last measurement.
    LastMeasured { instrument: String },
    /// `{ first_event, within_months, from | after }` — the day of the first
    /// event of `kind` within the window.
    FirstEvent { kind: String, months: Count, start: Start },
}

/// A standard `condition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StandardCondition {
    /// Asiakasmuutosmittarin parannus: `{ measure_gain, dimension?, at_least }`
    /// — last minus first measurement (summed over the shared dimensions,
    /// or of one `dimension`) is at least `at_least`; false without two
    /// dated measurements.
    MeasureGain { instrument: String, dimension: Option<String>, at_least: Amount },
}

/// The keys of each `achieved_on` form; the first names the form.
pub(crate) const DATE_FORMS: &[&[&str]] = &[
    &["lasting_days", "in", "starting_within_months", "from", "after"],
    &["months_after", "in", "of"],
    &["first_day_in", "within_months", "from", "after"],
    &["every_days", "in", "at_most", "from", "after"],
    &["last_measured"],
    &["first_event", "within_months", "from", "after"],
];
/// The keys of the `condition` form.
pub(crate) const CONDITION_KEYS: &[&str] = &["measure_gain", "dimension", "at_least"];

/// Every key of the `achieved_on` forms, each once (for the schema and
/// "did you mean").
pub(crate) const DATE_KEYS: &[&str] = &[
    "lasting_days",
    "months_after",
    "first_day_in",
    "every_days",
    "last_measured",
    "first_event",
    "in",
    "starting_within_months",
    "within_months",
    "at_most",
    "of",
    "from",
    "after",
];

/// What the forms are checked against: the contract read so far.
pub(crate) struct Context<'a> {
    pub parameters: &'a BTreeMap<String, Timeline<Parameter>>,
    /// Standard and declared spell kinds, and `any_employment`.
    pub spell_kinds: Vec<&'a str>,
    /// Empty: not checked (as in rules).
    pub event_kinds: &'a [String],
    pub instruments: &'a [String],
    pub dimensions: &'a [String],
    /// Outcomes declared before the one being read.
    pub earlier: Vec<&'a str>,
    /// The `requires` of the outcome being read.
    pub requires: &'a [String],
}

/// `Some(…)` when `v` is a standard `achieved_on` table (its inner `None`
/// when malformed); `None` when `v` is something else (a rule).
pub(crate) fn date(r: &mut Reader, v: &Value, cx: &Context) -> Option<Option<StandardDate>> {
    let DeValue::Table(entries) = v.get_ref() else { return None };
    let t = Table::new(entries, v.span(), "`achieved_on`");
    Some(read_date(r, t, cx))
}

/// `Some(…)` when `v` is a table (read as the standard `condition`; the
/// caller has taken `{ table = … }` already); `None` otherwise (a rule).
pub(crate) fn condition(r: &mut Reader, v: &Value, cx: &Context) -> Option<Option<StandardCondition>> {
    let DeValue::Table(entries) = v.get_ref() else { return None };
    let t = Table::new(entries, v.span(), "`condition`");
    Some(read_condition(r, t, cx))
}

fn read_condition(r: &mut Reader, t: Table, cx: &Context) -> Option<StandardCondition> {
    r.unknown_keys(t, CONDITION_KEYS);
    let instrument = name(r, t, "measure_gain", Vocabulary::Instrument, cx);
    let dimension = match t.get("dimension") {
        Some(_) => Some(name(r, t, "dimension", Vocabulary::Dimension, cx)?),
        None => None,
    };
    let at_least = r.required(t, "at_least", "at_least = 1").and_then(|v| amount(r, v, cx));
    Some(StandardCondition::MeasureGain { instrument: instrument?, dimension, at_least: at_least? })
}

fn read_date(r: &mut Reader, t: Table, cx: &Context) -> Option<StandardDate> {
    let form = which_form(r, t)?;
    let keys = DATE_FORMS[form];
    foreign_keys(r, t, keys);
    let count = |r: &mut Reader, key: &str, example: &str| {
        r.required(t, key, &format!("{key} = {example}")).and_then(|v| self::count(r, v, key, cx))
    };
    // Every part is read before any is given up on, so all problems show at once.
    let spell = |r: &mut Reader, key: &str| name(r, t, key, Vocabulary::Spell, cx);
    Some(match keys[0] {
        "lasting_days" => {
            let (kind, days) = (spell(r, "in"), count(r, "lasting_days", "28"));
            let (months, start) = (count(r, "starting_within_months", "9"), start(r, t, cx));
            StandardDate::Lasting { kind: kind?, days: days?, months: months?, start: start? }
        }
        "months_after" => {
            let (kind, months) = (spell(r, "in"), count(r, "months_after", "3"));
            let anchor = r.required(t, "of", "of = \"service_end\"").and_then(|v| anchor(r, v, cx));
            StandardDate::InSpellOn { kind: kind?, months: months?, anchor: anchor? }
        }
        "first_day_in" => {
            let (kind, months) = (spell(r, "first_day_in"), count(r, "within_months", "3"));
            StandardDate::FirstDayIn { kind: kind?, months: months?, start: start(r, t, cx)? }
        }
        "every_days" => {
            let (kind, days) = (spell(r, "in"), count(r, "every_days", "28"));
            let (at_most, start) = (count(r, "at_most", "6"), start(r, t, cx));
            StandardDate::Every { kind: kind?, days: days?, at_most: at_most?, start: start? }
        }
        "last_measured" => {
            StandardDate::LastMeasured { instrument: name(r, t, "last_measured", Vocabulary::Instrument, cx)? }
        }
        _ => {
            let (kind, months) = (name(r, t, "first_event", Vocabulary::Event, cx), count(r, "within_months", "12"));
            StandardDate::FirstEvent { kind: kind?, months: months?, start: start(r, t, cx)? }
        }
    })
}

/// The form a table's keys name: exactly one form's first key.
fn which_form(r: &mut Reader, t: Table) -> Option<usize> {
    let heads: Vec<usize> = (0..DATE_FORMS.len()).filter(|&i| t.get(DATE_FORMS[i][0]).is_some()).collect();
    let names: Vec<&str> = DATE_FORMS.iter().map(|f| f[0]).collect();
    match heads.as_slice() {
        [one] => Some(*one),
        [] => {
            r.unknown_keys(t, DATE_KEYS);
            r.error(t.range(), "`achieved_on` names no standard form").help = Some(format!(
                "start the table with one of: {}, e.g. achieved_on = {{ first_day_in = \"education\", within_months = 3, after = \"service_end\" }}; or write a rule in quotes",
                names.join(", ")
            ));
            None
        }
        [first, second, ..] => {
            let (a, b) = (DATE_FORMS[*first][0], DATE_FORMS[*second][0]);
            r.error(t.range(), format!("`achieved_on` mixes two standard forms, `{a}` and `{b}`")).help =
                Some("write one form per outcome; an outcome needing both is two outcomes with `requires`".into());
            None
        }
    }
}

/// Report keys not of `keys`: a key of another form says so, any other
/// key gets a "did you mean" among all the forms' keys.
fn foreign_keys(r: &mut Reader, t: Table, keys: &[&str]) {
    for (key, _) in t.entries.iter() {
        let name = key.get_ref().as_ref();
        if keys.contains(&name) {
            continue;
        }
        if DATE_KEYS.contains(&name) {
            let message = format!("`{name}` does not belong to the `{}` form of `achieved_on`", keys[0]);
            r.error(key.span(), message).help = Some(format!("this form's keys are: {}", keys.join(", ")));
        } else {
            let help = match closest(name, keys).or_else(|| closest(name, DATE_KEYS)) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("this form's keys are: {}", keys.join(", ")),
            };
            r.error(key.span(), format!("unknown key `{name}` in `achieved_on`")).help = Some(help);
        }
    }
}

#[derive(Clone, Copy)]
enum Vocabulary {
    Spell,
    Event,
    Instrument,
    Dimension,
}

/// A spell kind, event kind, instrument or dimension, checked against the
/// contract's vocabulary (event kinds, instruments and dimensions only
/// when the contract declares them, as in rules).
fn name(r: &mut Reader, t: Table, key: &str, vocabulary: Vocabulary, cx: &Context) -> Option<String> {
    let v = r.required(t, key, &format!("{key} = \"…\""))?;
    let written = r.string(v, &format!("`{key}` in {}", t.path))?;
    let owned: Vec<&str>;
    let (known, noun, declared): (&[&str], &str, &str) = match vocabulary {
        Vocabulary::Spell => (&cx.spell_kinds, "spell kind", "spell kinds (standard and `spell_kinds`)"),
        Vocabulary::Event => {
            owned = cx.event_kinds.iter().map(String::as_str).collect();
            (&owned, "event kind", "event kinds (`event_kinds`)")
        }
        Vocabulary::Instrument => {
            owned = cx.instruments.iter().map(String::as_str).collect();
            (&owned, "instrument", "instruments (`instruments`)")
        }
        Vocabulary::Dimension => {
            owned = cx.dimensions.iter().map(String::as_str).collect();
            (&owned, "dimension", "dimensions (`dimensions`)")
        }
    };
    if known.is_empty() || known.contains(&written.as_str()) {
        return Some(written);
    }
    let near = closest(&written, known).map(|k| format!("did you mean `{k}`? ")).unwrap_or_default();
    r.error(v.span(), format!("{noun} \"{written}\" is not in the contract's vocabulary")).help =
        Some(format!("{near}the known {declared}: {}", known.join(", ")));
    None
}

/// `from = ANCHOR` or `after = ANCHOR`, exactly one.
fn start(r: &mut Reader, t: Table, cx: &Context) -> Option<Start> {
    match (t.get("from"), t.get("after")) {
        (Some(v), None) => Some(Start { anchor: anchor(r, v, cx)?, next_day: false }),
        (None, Some(v)) => Some(Start { anchor: anchor(r, v, cx)?, next_day: true }),
        (Some(_), Some(v)) => {
            r.error(v.span(), "give `from` or `after`, not both").help =
                Some("`from` counts the anchor's own day, `after` starts the next day".into());
            None
        }
        (None, None) => {
            r.error(t.range(), "the window has no start").help = Some(
                "add from = \"service_start\" (the day itself counts) or after = \"service_end\" (from the next day)"
                    .into(),
            );
            None
        }
    }
}

fn anchor(r: &mut Reader, v: &Value, cx: &Context) -> Option<Anchor> {
    let written = r.string(v, "an anchor")?;
    match written.as_str() {
        "service_start" => return Some(Anchor::ServiceStart),
        "service_end" => return Some(Anchor::ServiceEnd),
        _ => {}
    }
    if !cx.earlier.contains(&written.as_str()) {
        let mut known = vec!["service_start", "service_end"];
        known.extend(&cx.earlier);
        let near = closest(&written, &known).map(|k| format!("did you mean `{k}`? ")).unwrap_or_default();
        r.error(v.span(), format!("`{written}` is neither service_start, service_end nor an outcome declared above"))
            .help = Some(format!("{near}write one of: {}", known.join(", ")));
        return None;
    }
    if !cx.requires.contains(&written) {
        r.error(v.span(), format!("counting from outcome `{written}` needs it achieved first")).help =
            Some(format!("add requires = [\"{written}\"] to this outcome"));
        return None;
    }
    Some(Anchor::Outcome(written))
}

/// The largest count a form takes: a hundred years in days. Any count up
/// to it keeps every date a form computes in range, so an oversized one is
/// a mistake in the contract, found when it is read rather than as a
/// failed evaluation for the first participant.
const MAX_COUNT: i64 = 36_500;

/// A whole number from 1 to [`MAX_COUNT`], or a parameter whose every
/// version is.
fn count(r: &mut Reader, v: &Value, key: &str, cx: &Context) -> Option<Count> {
    let what = format!("`{key}`");
    let fits = |n: i64| (1..=MAX_COUNT).contains(&n);
    match v.get_ref() {
        DeValue::String(_) => {
            let name = parameter_name(r, v, &what, cx)?;
            let bad =
                cx.parameters[&name].versions.iter().find(|p| !matches!(p.value, Parameter::Integer(n) if fits(n)));
            if let Some(version) = bad {
                let message = format!("{what} reads parameter `{name}`, which is {}", shown(&version.value));
                r.error(v.span(), message).help = Some(match version.value {
                    Parameter::Integer(n) if n > MAX_COUNT => {
                        format!("a count in a standard form is at most {MAX_COUNT}")
                    }
                    _ => "every version of the parameter must be a whole number of at least 1".into(),
                });
                return None;
            }
            Some(Count::Parameter(name))
        }
        _ => {
            let n = r.integer(v, &what, 1)?;
            if !fits(n) {
                r.error(v.span(), format!("{what} must be at most {MAX_COUNT}, found {n}")).help =
                    Some("a count in a standard form is days, months or occurrences: at most a hundred years".into());
                return None;
            }
            Some(Count::Literal(n))
        }
    }
}

/// An exact number (`1`, `"1.5"`), or a parameter whose every version is
/// a number.
fn amount(r: &mut Reader, v: &Value, cx: &Context) -> Option<Amount> {
    let what = "`at_least`";
    match v.get_ref() {
        DeValue::String(s) if crate::money::parse_exact(s).is_err() => {
            let name = parameter_name(r, v, what, cx)?;
            let bad = cx.parameters[&name]
                .versions
                .iter()
                .find(|p| !matches!(p.value, Parameter::Integer(_) | Parameter::Decimal(_)));
            if let Some(version) = bad {
                r.error(v.span(), format!("{what} reads parameter `{name}`, which is {}", shown(&version.value)))
                    .help = Some("every version of the parameter must be a number".into());
                return None;
            }
            Some(Amount::Parameter(name))
        }
        _ => r.decimal(v, what).map(Amount::Literal),
    }
}

fn parameter_name(r: &mut Reader, v: &Value, what: &str, cx: &Context) -> Option<String> {
    let name = r.string(v, what)?;
    if cx.parameters.contains_key(&name) {
        return Some(name);
    }
    let declared: Vec<&str> = cx.parameters.keys().map(String::as_str).collect();
    let help = match (closest(&name, &declared), declared.is_empty()) {
        (Some(near), _) => format!("did you mean `{near}`?"),
        (None, true) => format!("write a number, or declare `{name}` under [parameters]"),
        (None, false) => format!("write a number, or one of the parameters: {}", declared.join(", ")),
    };
    r.error(v.span(), format!("{what} names parameter `{name}`, which the contract does not declare")).help =
        Some(help);
    None
}

fn shown(p: &Parameter) -> String {
    match p {
        Parameter::Integer(n) => format!("{n}"),
        Parameter::Decimal(d) => format!("the decimal {d}"),
        Parameter::Text(t) => format!("the text \"{t}\""),
        Parameter::Bool(b) => format!("{b}"),
        Parameter::Date(d) => format!("the date {d}"),
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anchor::ServiceStart => write!(f, "service_start"),
            Anchor::ServiceEnd => write!(f, "service_end"),
            Anchor::Outcome(id) => write!(f, "{id}"),
        }
    }
}
