//! Sandboxed rule scripts: the rhai engine and the typed record API rules see.
//!
//! A contract's outcome rules are rhai expressions, optionally calling
//! functions from shared libraries (`rules/*.rhai`). This module compiles
//! them once ([`RuleEngine::compile_library`], [`RuleEngine::compile_rule`])
//! and evaluates them per participant ([`CompiledRule::eval`],
//! [`CompiledRule::eval_traced`] for `tulos explain`).
//!
//! Files:
//! - `engine.rs` — the sandboxed engine, compiling, evaluating.
//! - `api.rs` — `p`, `achieved`, `params`, `dec`: what rules can read.
//! - `arrays.rs` — `sort`, `dedup`, `map`, `zip` that pass errors on and
//!   respect the size limit.
//! - `queries.rs` — the semantics of every record query, in plain Rust.
//! - `dates.rs` — the `Date` type and calendar functions.
//! - `context.rs` — the current evaluation (scoped thread-local), its
//!   operation budget and tracing.
//! - `names.rs` — check-time refusal of misspelt names, capturing closures
//!   and `curry`.
//! - `errors.rs` — compile errors → [`Diagnostic`](crate::diagnostic::Diagnostic), runtime → [`RuleError`].
//!
//! # The sandbox
//! Only pure computation: arithmetic, logic, strings, arrays, maps and
//! ranges. No file or module access (`import` is disabled), no clock
//! (`timestamp`), no randomness, no `sleep`, no `eval`; `print` and `debug`
//! do nothing. Variables must be declared (strict variables). Every
//! [`Limits`] item is enforced: an endless loop stops with "operation limit
//! exceeded", deep recursion with "call depth limit exceeded", a huge
//! string, array or map with "size limit exceeded". The operation limit is
//! one budget for the whole evaluation, closures called by `sort`, `map`, …
//! included (`context.rs`); no builtin may swallow an error (`arrays.rs`),
//! and `try … catch` is disabled. Closures cannot capture variables and
//! `curry` is refused at compile time (`names.rs`): a function pointer
//! holding values escapes the size limits. Every message and trace line
//! built from data is redacted ([`crate::records::hetu::redact`]).
//!
//! **Pure:** a rule's value depends only on (record, `as_of`, `achieved`,
//! `params`). Everything dated after `as_of` is invisible: spells are
//! clipped at `as_of`, an ongoing spell (`end: None`) runs up to `as_of`
//! and never beyond, and events, measures, feedback and earnings (by
//! payment month's first day) after `as_of` are ignored; a service end
//! after `as_of` reads as `()` (not yet ended), and so does `completed`.
//!
//! # What rules can use
//! ## Variables
//! - `p` — the participant (below).
//! - `as_of` — the evaluation date (`Date`).
//! - `achieved` — outcomes this participant achieved earlier in the
//!   contract's declaration order: `achieved["employed_3m"]` or
//!   `achieved.employed_3m` is the first achievement `Date`, or `()` when
//!   not achieved; `"employed_3m" in achieved`. Read-only.
//! - `params` — the contract's parameters: `params.min_hours`,
//!   `params["min_hours"]`, `"min_hours" in params`; values are Decimal,
//!   integer, string, `Date` or bool, those in force on the participant's
//!   service start. Reading an undeclared parameter is an error (with a
//!   suggestion), and so is reading one that has no version in force on
//!   that date (listing its versions). Read-only.
//!
//! ## Dates
//! - `date("2026-01-31")` — a `Date` from strict ISO `YYYY-MM-DD`.
//! - `d.add_months(n)` — month-end rule of [`crate::calendar`]:
//!   `date("2026-01-31").add_months(1) == date("2026-02-28")`; `n` may be
//!   negative.
//! - `d.add_days(n)`, `d.month_start()`, `d.month_end()`.
//! - `d.year`, `d.month`, `d.day` — integers.
//! - `days_between(a, b)` — `b − a` in days (negative when `b` is earlier).
//! - `min_date(a, b)`, `max_date(a, b)`.
//! - `== != < <= > >=` between dates. `< <= > >=` between a `Date` and
//!   `()` (a missing date), and any comparison of a `Date` with another
//!   type, is a runtime error, never a silent `false`; `d == ()` and
//!   `d != ()` test whether a date is missing.
//! - `d.to_string()` / string interpolation — ISO `YYYY-MM-DD`.
//!
//! ## Numbers
//! Integers and Decimals (exact; `1.5` in a script is a Decimal, there are
//! no floats) mix freely in `+ - * / %` and comparisons: `dec("0.1") +
//! dec("0.2") == dec("0.3")`, `dec("2.5") * 2 == 5`. Overflow and division
//! by zero are runtime errors.
//! - `dec("12.50")` — a Decimal from a strict decimal string; `dec(n)` from
//!   an integer.
//! - `abs`, `sign`, `min(a, b)`, `max(a, b)` from rhai's arithmetic and
//!   logic packages.
//! - No `round`: rounding of money happens in Rust with the contract's
//!   declared scale and mode.
//!
//! Ordering a number against `()` (a missing value) is a runtime error, as
//! for dates: `p.satisfaction_last() >= 4` without feedback stops with a
//! message to test for `()` first (`x != () && x >= 4`). Equality with `()`
//! is how a rule asks whether a value is missing. Ordering text against a
//! number (`p.attr("hours") >= 18` with a text attribute) is an error too;
//! convert with `dec(x)`.
//!
//! ## The participant `p`
//! - `p.id` — pseudonymous id (string).
//! - `p.municipality` — home municipality (kotikunta), string or `()`.
//! - `p.birth_date` — `Date` or `()`.
//! - `p.groups` — target-group tags (kohderyhmät), array of strings;
//!   `p.in_group("youth")` → bool.
//! - `p.service_start` — `Date`; `p.service_end` — `Date` or `()`;
//!   `p.completed` — bool or `()` (unknown).
//! - `p.attr("name")` — a declared attribute: string, Decimal, bool or
//!   `Date`; `()` when the record has none.
//! - `p.age_on(date)` — whole years (integer), `()` without a birth date.
//!   A 29 February birthday falls on 28 February in common years.
//!
//! ## Spells
//! `kind` is a normalised spell kind — `"employment"` (open labour market,
//! avoimet työmarkkinat), `"subsidised_employment"` (palkkatuettu työ),
//! `"apprenticeship"`, `"education"`, `"entrepreneurship"`,
//! `"unemployment"`, `"rehabilitation"` or a contract tag — or the
//! pseudo-kind `"any_employment"` (employment ∪ subsidised_employment ∪
//! apprenticeship ∪ entrepreneurship). Overlapping and adjacent spells are
//! merged before counting, so no day counts twice. Windows `[from, to]` are
//! inclusive; `from > to` is an error.
//! - `p.in_spell_on(kind, date)` → bool; `p.employed_on(date)` → bool (open
//!   employment that day).
//! - `p.days_in(kind, from, to)` → integer days covered in the window.
//! - `p.first_day_in(kind, from, to)` → first covered day, or `()`.
//! - `p.continuous_days(kind, from)` → days of uninterrupted coverage
//!   starting exactly at `from` (0 when `from` is not covered).
//! - `p.nth_day_in(kind, from, to, n)` → the day on which the `n`-th
//!   covered day of the window falls, or `()`; `n ≥ 1`. ("90 days employed
//!   within 6 months, achieved on the 90th day.")
//! - `p.continuous_milestones(kind, from, step_days, max)` → array of
//!   `Date`s: the last day of each complete `step_days` block of
//!   uninterrupted coverage from `from` (`from + step − 1`,
//!   `from + 2·step − 1`, …), at most `max` (recurring payments: each
//!   further 4 weeks in work).
//! - `p.hours_on(kind, date)` → Decimal sum of `hours_per_week` of the
//!   spells covering the day (unmerged; a missing value counts 0).
//! - `p.spells(kind, from, to)` → array of maps, one per visible spell
//!   with a day in the window, unmerged, by start (same-day starts in input
//!   order), not clipped: `kind`, `sector` (`"open"`, `"subsidised"` or
//!   `()`), `start`, `end` (`()` while ongoing on `as_of`, also when the
//!   recorded end is after `as_of`), `last_day` (`end`, or `as_of` while
//!   ongoing), `days` (`start..=last_day`), `hours_per_week` (or `()`).
//! - `p.spell_starts(kind, from, to)` → distinct start days in the window
//!   of visible spells, in date order.
//!
//! ## Earnings (tulorekisteri, income register, by payment month)
//! - `p.earnings_sum(from, to)` → Decimal over the months whose first day
//!   lies in `[from.month_start(), min(to, as_of)]`: every month the window
//!   touches, counted whole, up to the as-of date's own month.
//! - `p.earnings_sum_whole_months(from, to)` → Decimal over the months
//!   lying wholly inside `[from, to]` that have ended by `as_of`.
//! - `p.earnings_threshold_date(from, to, amount)` → the last day of the
//!   month in which cumulative earnings in that window first reach
//!   `amount` (may be after `as_of` when reached in `as_of`'s month), or
//!   `()`; `amount` (Decimal or integer) must be positive.
//!
//! ## Events
//! Events of `kind` dated in the inclusive window:
//! - `p.has_event(kind, from, to)` → bool.
//! - `p.first_event(kind, from, to)` → `Date` of the earliest, or `()`.
//! - `p.event_value(kind, from, to)` → the earliest one's value string, or
//!   `()` (no such event, or it has no value).
//! - `p.events_count(kind, from, to)` → integer.
//! - `p.events(kind, from, to)` → array of maps `kind`, `date`, `value`
//!   (`()` without one), by date (same-day events in input order).
//! - A fifth argument `value` to `events`, `has_event`, `first_event` and
//!   `events_count` keeps only events with exactly that value.
//!
//! ## Measures (e.g. asiakasmuutosmittari, the customer change meter)
//! - `p.measure_first(instrument, dimension)` /
//!   `p.measure_last(instrument, dimension)` → Decimal score of the
//!   earliest / latest measurement up to `as_of` (any date: before, during
//!   or after the service) that has the dimension, or `()`; per dimension,
//!   so two dimensions may come from different measurements.
//! - `p.measurements(instrument, from, to)` → array of maps `instrument`,
//!   `date`, `scores` (dimension → Decimal) dated in the window, by date
//!   (same-day ones in input order); `p.measurement_first(…)` /
//!   `p.measurement_last(…)` → the earliest / latest, or `()`. Each takes
//!   an optional array of dimensions: only measurements scoring all count.
//! - `m.complete(dimensions)` → whether measurement `m` scores them all.
//!
//! Arrays these return hold at most `Limits::max_array_size` items; more
//! is an error saying how many matched.
//! - `p.measure_change(instrument, dimension)` → last − first, or `()`
//!   unless two such measurements exist on different dates.
//! - `p.measure_change_sum(instrument)` → sum of last − first over the
//!   dimensions both the first and the last measurement have; `()` unless
//!   they are on different dates and share a dimension.
//! - `p.measure_last_date(instrument)` → `Date` or `()`.
//!
//! ## Feedback
//! - `p.satisfaction_last()` → latest satisfaction 1–5 (integer) or `()`.
//! - `p.feedback_count()` → integer.
//!
//! ## Errors
//! A helper called with a bad argument (`from > to`, `n < 1`, a number as a
//! kind, `()` for a date) stops the rule with a [`RuleError`] naming the
//! rule, participant, file position and the helper's usage.

// The API returns the crate's shared `Diagnostic` and a `RuleError` by
// value, like every other module; errors are the rare path, so their size
// costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

mod api;
mod arrays;
mod context;
mod dates;
mod engine;
mod errors;
mod names;
mod queries;
mod vocabulary;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use rhai::Dynamic;
use rust_decimal::Decimal;

use crate::records::Record;

pub(crate) use api::not_in_force;
pub use engine::{CompiledRule, Library, RuleEngine};
pub use queries::{View, ANY_EMPLOYMENT};
pub use vocabulary::Vocabulary;

/// Resource limits of the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// rhai operations per evaluation; stops endless loops.
    pub max_operations: u64,
    /// Nesting of function calls; stops endless recursion.
    pub max_call_levels: usize,
    /// Characters in one string.
    pub max_string_size: usize,
    /// Elements in one array.
    pub max_array_size: usize,
    /// Entries in one map.
    pub max_map_size: usize,
    /// Nesting of expressions, at compile time (in and outside functions).
    pub max_expr_depth: usize,
}

impl Default for Limits {
    /// Generous for real rules, yet `loop {}` stops within milliseconds even
    /// in a debug build. Arrays and maps are small because one operation
    /// may copy a whole one (`let b = a;`) and values nest as deep as they
    /// are large: 10,000 nested arrays overflowed a thread's stack when
    /// cloned or dropped, and copying 10,000 items per operation made the
    /// operation limit a matter of seconds.
    fn default() -> Self {
        Limits {
            max_operations: 200_000,
            max_call_levels: 32,
            max_string_size: 10_000,
            max_array_size: 1_000,
            max_map_size: 1_000,
            max_expr_depth: 64,
        }
    }
}

/// One rule's script text and where it sits in its contract file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSource {
    /// For messages, e.g. "outcome `employed_3m`, achieved_on".
    pub name: String,
    pub file: PathBuf,
    pub text: String,
    /// 1-based line of `text`'s first character in `file`.
    pub line: u64,
    /// 1-based character column of `text`'s first character in `file`.
    /// For a TOML `'''` string, the position after the skipped newline.
    pub column: u64,
}

/// Everything one evaluation may depend on.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    pub record: &'a Record,
    pub as_of: NaiveDate,
    /// Outcomes this participant achieved earlier in declaration order →
    /// first achievement date.
    pub achieved: &'a BTreeMap<&'a str, NaiveDate>,
    pub params: &'a BTreeMap<String, ParamValue>,
}

/// A contract parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Decimal(Decimal),
    Integer(i64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    /// A declared parameter none of whose dated versions is in force on
    /// `on`, the date the parameters were taken for. Reading it is an error
    /// that lists `versions`, so the officer sees which dates are covered
    /// (instead of "unknown parameter" for a name the contract declares);
    /// `"name" in params` is false.
    NotInForce {
        on: NaiveDate,
        versions: Vec<ParamVersion>,
    },
}

/// One dated version of a parameter, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamVersion {
    pub from: NaiveDate,
    /// Last day in force; `None`: open-ended.
    pub to: Option<NaiveDate>,
    /// The contract clause the value comes from.
    pub clause: Option<String>,
    pub value: ParamValue,
}

/// What a rule evaluated to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleValue {
    Bool(bool),
    Date(NaiveDate),
    Dates(Vec<NaiveDate>),
    Decimal(Decimal),
    Integer(i64),
    Text(String),
    /// rhai's `()`: no value (e.g. an outcome not achieved).
    Nothing,
    /// `not_yet(d)`: not decidable on the as-of date; decidable on `d`.
    NotYet(NaiveDate),
}

impl RuleValue {
    fn from_dynamic(value: Dynamic) -> Result<Self, String> {
        let type_name = context::type_label(&value);
        let unexpected = || {
            format!(
                "the rule returned a value of type {type_name}; \
                 a rule returns a bool, Date, array of Dates, Decimal, integer, string, not_yet(Date) or ()"
            )
        };
        if value.is_unit() {
            return Ok(RuleValue::Nothing);
        }
        if let Ok(b) = value.as_bool() {
            return Ok(RuleValue::Bool(b));
        }
        if let Ok(i) = value.as_int() {
            return Ok(RuleValue::Integer(i));
        }
        if let Ok(d) = value.as_decimal() {
            return Ok(RuleValue::Decimal(d));
        }
        if let Some(d) = value.clone().try_cast::<dates::Date>() {
            return Ok(RuleValue::Date(d.0));
        }
        if let Some(n) = value.clone().try_cast::<dates::NotYet>() {
            return Ok(RuleValue::NotYet((n.0).0));
        }
        if value.is_string() {
            return value.into_string().map(RuleValue::Text).map_err(|_| unexpected());
        }
        if value.is_array() {
            let items = value.into_array().map_err(|_| unexpected())?;
            let days = items.into_iter().map(|v| v.try_cast::<dates::Date>().map(|d| d.0));
            return days.collect::<Option<Vec<_>>>().map(RuleValue::Dates).ok_or_else(unexpected);
        }
        Err(unexpected())
    }
}

/// A rule that failed at run time for one participant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule `{rule}` failed for participant {participant} at {}: {message}", location(.file, *.line, *.column))]
pub struct RuleError {
    pub rule: String,
    pub participant: String,
    /// The contract, or the library whose function failed.
    pub file: PathBuf,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

fn location(file: &std::path::Path, line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", file.display()),
        (Some(l), None) => format!("{}:{l}", file.display()),
        _ => file.display().to_string(),
    }
}

#[cfg(test)]
mod tests;
