//! The `Date` type rules compute with.
//!
//! A thin wrapper over [`NaiveDate`] registered as a rhai custom type, with
//! the month-end rule of [`crate::calendar`] (31 January + 1 month =
//! 28/29 February). Ordering a `Date` against `()` — typically a missing
//! `p.service_end` — or comparing it with any other type is a runtime
//! error rather than a silent `false`, so a missing date can never quietly
//! decide a payment; only `d == ()` / `d != ()` (the test for a missing
//! date) is allowed.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, INT};

use super::context::type_label;
use crate::calendar;

/// A calendar day as rules see it; `to_string` is ISO `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

type Fallible<T> = Result<T, Box<EvalAltResult>>;

fn out_of_range(what: &str) -> Box<EvalAltResult> {
    format!("date arithmetic out of range: {what}").into()
}

/// `not_yet(d)`: the outcome cannot be decided on the as-of date; it
/// becomes decidable on `d` (e.g. a follow-up day still to come). Finance
/// accrues it rather than reading it as not achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotYet(pub Date);

impl fmt::Display for NotYet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not_yet({})", self.0)
    }
}

/// `Some(date)` → `Date`, `None` → `()`.
pub fn date_or_unit(date: Option<NaiveDate>) -> Dynamic {
    date.map_or(Dynamic::UNIT, |d| Dynamic::from(Date(d)))
}

fn parse(text: &str) -> Fallible<Date> {
    calendar::parse_iso_date(text)
        .map(Date)
        .ok_or_else(|| format!("date(\"{text}\"): expected an ISO date YYYY-MM-DD").into())
}

fn add_months(d: Date, n: INT) -> Fallible<Date> {
    calendar::add_months(d.0, n).map(Date).ok_or_else(|| out_of_range(&format!("{d}.add_months({n})")))
}

fn add_days(d: Date, n: INT) -> Fallible<Date> {
    calendar::add_days(d.0, n).map(Date).ok_or_else(|| out_of_range(&format!("{d}.add_days({n})")))
}

/// The month's last day; checked because `add_days` can reach the last
/// month chrono represents, where `calendar::month_end` would panic.
fn month_end(d: Date) -> Fallible<Date> {
    calendar::add_months(calendar::month_start(d.0), 1)
        .and_then(|next| next.pred_opt())
        .map(Date)
        .ok_or_else(|| out_of_range(&format!("{d}.month_end()")))
}

/// Describe a non-date operand in a comparison error.
fn mismatch(op: &str, left: &Dynamic, right: &Dynamic) -> Box<EvalAltResult> {
    let show = |v: &Dynamic| {
        if v.is_unit() {
            "() (a missing value)".to_string()
        } else {
            format!("a {}", type_label(v))
        }
    };
    let hint = if left.is_unit() || right.is_unit() {
        " — a date the rule reads is missing; test for `()` first, e.g. `p.service_end != () && …`"
    } else {
        ""
    };
    format!("cannot compare {} with {} using `{op}`{hint}", show(left), show(right)).into()
}

macro_rules! register_comparisons {
    ($engine:expr, $($op:tt),*) => {$(
        $engine.register_fn(stringify!($op), |a: Date, b: Date| a $op b);
        $engine.register_fn(stringify!($op), |a: Date, b: Dynamic| -> Fallible<bool> {
            Err(mismatch(stringify!($op), &Dynamic::from(a), &b))
        });
        $engine.register_fn(stringify!($op), |a: Dynamic, b: Date| -> Fallible<bool> {
            Err(mismatch(stringify!($op), &a, &Dynamic::from(b)))
        });
    )*};
}

/// Register `Date` and its functions:
/// `date(s)`, `d.add_months(n)`, `d.add_days(n)`, `d.month_end()`,
/// `d.month_start()`, `d.year`, `d.month`, `d.day`, `days_between(a, b)`,
/// `min_date(a, b)`, `max_date(a, b)`, `== != < <= > >=`, `to_string`;
/// and `not_yet(d)` (see [`NotYet`]).
pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Date>("Date")
        .register_fn("date", |s: ImmutableString| parse(&s))
        .register_fn("add_months", add_months)
        .register_fn("add_days", add_days)
        .register_fn("month_end", month_end)
        .register_fn("month_start", |d: Date| Date(calendar::month_start(d.0)))
        .register_get("year", |d: &mut Date| INT::from(d.0.year()))
        .register_get("month", |d: &mut Date| INT::from(d.0.month()))
        .register_get("day", |d: &mut Date| INT::from(d.0.day()))
        .register_fn("days_between", |a: Date, b: Date| calendar::days_between(a.0, b.0))
        .register_fn("min_date", |a: Date, b: Date| a.min(b))
        .register_fn("max_date", |a: Date, b: Date| a.max(b))
        .register_fn("to_string", |d: Date| d.to_string())
        .register_fn("to_debug", |d: Date| d.to_string());
    engine
        .register_type_with_name::<NotYet>("NotYet")
        .register_fn("not_yet", NotYet)
        .register_fn("to_string", |n: NotYet| n.to_string())
        .register_fn("to_debug", |n: NotYet| n.to_string());
    register_comparisons!(engine, ==, !=, <, <=, >, >=);
    // `d == ()` / `d != ()` is how a rule asks whether a date is missing.
    engine
        .register_fn("==", |_: Date, _: ()| false)
        .register_fn("==", |_: (), _: Date| false)
        .register_fn("!=", |_: Date, _: ()| true)
        .register_fn("!=", |_: (), _: Date| true);
}
