//! Evaluating the standard outcome forms (vakiomuotoiset tulosehdot,
//! `crate::contract::StandardDate` and `StandardCondition`) for one record,
//! without a rule engine.
//!
//! Each form answers exactly what its rule equivalent answers — the
//! library functions `job_entry`, `employed_months_after_service` and
//! `education_started_after_service`, and `p.first_day_in`,
//! `p.continuous_milestones`, `p.first_event`, `p.measure_change_sum`,
//! `p.measure_change` and `p.measure_last_date` — because it asks the same
//! record queries ([`View`]): nothing after the as-of date is visible, a
//! service end not known by then means not achieved, and a follow-up day
//! still to come is `not_yet`. `tests/standard_outcomes.rs` compares every
//! form with its rule over generated records.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::calendar;
use crate::contract::{Amount, Anchor, Count, StandardCondition, StandardDate, Start};
use crate::scripting::{not_in_force, ParamValue, RuleValue, View};

/// What a form reads: the record as of the as-of date, the parameters in
/// force on the service start, earlier outcomes' first days, and (for
/// `tulos explain`) a list the reads are written to.
pub(super) struct Scope<'a> {
    pub view: View<'a>,
    pub params: &'a BTreeMap<String, ParamValue>,
    pub achieved: &'a BTreeMap<&'a str, NaiveDate>,
    pub reads: Option<Vec<String>>,
}

type Found<T> = Result<T, String>;

impl Scope<'_> {
    /// Trace one read as `call = value`, built only when tracing.
    fn read(&mut self, call: impl FnOnce() -> String) {
        if let Some(reads) = &mut self.reads {
            reads.push(call());
        }
    }

    fn count(&mut self, count: &Count) -> Found<i64> {
        match count {
            Count::Literal(n) => Ok(*n),
            Count::Parameter(name) => match self.param(name)? {
                ParamValue::Integer(n) => Ok(n),
                other => Err(format!("parameter `{name}` is {other:?}, not a whole number")),
            },
        }
    }

    fn amount(&mut self, amount: &Amount) -> Found<Decimal> {
        match amount {
            Amount::Literal(d) => Ok(*d),
            Amount::Parameter(name) => match self.param(name)? {
                ParamValue::Integer(n) => Ok(Decimal::from(n)),
                ParamValue::Decimal(d) => Ok(d),
                other => Err(format!("parameter `{name}` is {other:?}, not a number")),
            },
        }
    }

    /// A parameter in force on the service start; one not in force is the
    /// error a rule reading it gets.
    fn param(&mut self, name: &str) -> Found<ParamValue> {
        let value = self.params.get(name).ok_or_else(|| format!("unknown parameter `{name}`"))?;
        if matches!(value, ParamValue::NotInForce { .. }) {
            return Err(not_in_force(name, value, self.view.record.service.start));
        }
        let value = value.clone();
        self.read(|| format!("params.{name} = {}", shown_param(&value)));
        Ok(value)
    }

    /// The anchor's day; `None` for a service end not known by the as-of date.
    fn anchor(&mut self, anchor: &Anchor) -> Option<NaiveDate> {
        let day = match anchor {
            Anchor::ServiceStart => Some(self.view.record.service.start),
            Anchor::ServiceEnd => self.view.record.service.end.filter(|d| *d <= self.view.as_of),
            Anchor::Outcome(id) => self.achieved.get(id.as_str()).copied(),
        };
        self.read(|| match anchor {
            Anchor::ServiceStart => format!("p.service_start = {}", shown(day)),
            Anchor::ServiceEnd => format!("p.service_end = {}", shown(day)),
            Anchor::Outcome(id) => format!("achieved[{id:?}] = {}", shown(day)),
        });
        day
    }

    /// The window `[anchor (+1 day with after), anchor + months]`; `None`
    /// when the anchor is not known.
    fn window(&mut self, start: &Start, months: &Count) -> Found<Option<(NaiveDate, NaiveDate)>> {
        let Some(base) = self.anchor(&start.anchor) else { return Ok(None) };
        let months = self.count(months)?;
        let from = if start.next_day { add_days(base, 1)? } else { base };
        Ok(Some((from, add_months(base, months)?)))
    }

    fn first_day_in(&mut self, kind: &str, from: NaiveDate, to: NaiveDate) -> Found<Option<NaiveDate>> {
        let day = self.view.first_day_in(kind, from, to)?;
        self.read(|| format!("p.first_day_in({kind:?}, {from}, {to}) = {}", shown(day)));
        Ok(day)
    }

    fn continuous_days(&mut self, kind: &str, from: NaiveDate) -> i64 {
        let days = self.view.continuous_days(kind, from);
        self.read(|| format!("p.continuous_days({kind:?}, {from}) = {days}"));
        days
    }
}

/// The day(s) a standard `achieved_on` gives: a date, dates, nothing, or
/// `not_yet(day)`.
pub(super) fn date(form: &StandardDate, s: &mut Scope) -> Found<RuleValue> {
    let day = |d: Option<NaiveDate>| d.map_or(RuleValue::Nothing, RuleValue::Date);
    Ok(match form {
        StandardDate::Lasting { kind, days, months, start } => day(lasting(s, kind, days, months, start)?),
        StandardDate::InSpellOn { kind, months, anchor } => in_spell_on(s, kind, months, anchor)?,
        StandardDate::FirstDayIn { kind, months, start } => match s.window(start, months)? {
            Some((from, to)) => day(s.first_day_in(kind, from, to)?),
            None => RuleValue::Nothing,
        },
        StandardDate::Every { kind, days, at_most, start } => every(s, kind, days, at_most, start)?,
        StandardDate::LastMeasured { instrument } => {
            let last = s.view.measure_last_date(instrument);
            s.read(|| format!("p.measure_last_date({instrument:?}) = {}", shown(last)));
            day(last)
        }
        StandardDate::FirstEvent { kind, months, start } => match s.window(start, months)? {
            Some((from, to)) => {
                let first = s.view.first_event(kind, from, to)?;
                s.read(|| format!("p.first_event({kind:?}, {from}, {to}) = {}", shown(first)));
                day(first)
            }
            None => RuleValue::Nothing,
        },
    })
}

/// Whether a standard `condition` holds.
pub(super) fn holds(form: &StandardCondition, s: &mut Scope) -> Found<bool> {
    let StandardCondition::MeasureGain { instrument, dimension, at_least } = form;
    let gain = match dimension {
        Some(d) => {
            let gain = s.view.measure_change(instrument, d)?;
            s.read(|| format!("p.measure_change({instrument:?}, {d:?}) = {}", shown(gain)));
            gain
        }
        None => {
            let gain = s.view.measure_change_sum(instrument)?;
            s.read(|| format!("p.measure_change_sum({instrument:?}) = {}", shown(gain)));
            gain
        }
    };
    let Some(gain) = gain else { return Ok(false) };
    Ok(gain >= s.amount(at_least)?)
}

/// The library's `job_entry`: the first run in `kind` starting in the
/// window that lasts `days` days; the day it completes them.
fn lasting(s: &mut Scope, kind: &str, days: &Count, months: &Count, start: &Start) -> Found<Option<NaiveDate>> {
    let Some((from, to)) = s.window(start, months)? else { return Ok(None) };
    let min_days = s.count(days)?;
    let mut day = s.first_day_in(kind, from, to)?;
    while let Some(d) = day {
        let run = s.continuous_days(kind, d);
        if run >= min_days {
            return add_days(d, min_days - 1).map(Some);
        }
        let after = add_days(d, run)?;
        if after > to {
            return Ok(None);
        }
        day = s.first_day_in(kind, after, to)?;
    }
    Ok(None)
}

/// The library's `employed_months_after_service`, for any spell kind and
/// anchor.
fn in_spell_on(s: &mut Scope, kind: &str, months: &Count, anchor: &Anchor) -> Found<RuleValue> {
    let Some(base) = s.anchor(anchor) else { return Ok(RuleValue::Nothing) };
    let day = add_months(base, s.count(months)?)?;
    let as_of = s.view.as_of;
    if day > as_of {
        s.read(|| format!("p.as_of = {as_of}"));
        return Ok(RuleValue::NotYet(day));
    }
    let is_in = s.view.in_spell_on(kind, day);
    s.read(|| format!("p.in_spell_on({kind:?}, {day}) = {is_in}"));
    Ok(if is_in { RuleValue::Date(day) } else { RuleValue::Nothing })
}

/// `p.continuous_milestones(kind, window start, days, at_most)`.
fn every(s: &mut Scope, kind: &str, days: &Count, at_most: &Count, start: &Start) -> Found<RuleValue> {
    let Some(base) = s.anchor(&start.anchor) else { return Ok(RuleValue::Nothing) };
    let from = if start.next_day { add_days(base, 1)? } else { base };
    let (step, max) = (s.count(days)?, s.count(at_most)?);
    let found = s.view.continuous_milestones(kind, from, step, max)?;
    s.read(|| format!("p.continuous_milestones({kind:?}, {from}, {step}, {max}) = [{}]", listed(&found)));
    Ok(RuleValue::Dates(found))
}

fn add_days(d: NaiveDate, n: i64) -> Found<NaiveDate> {
    calendar::add_days(d, n).ok_or_else(|| format!("date arithmetic out of range: {d}.add_days({n})"))
}

fn add_months(d: NaiveDate, n: i64) -> Found<NaiveDate> {
    calendar::add_months(d, n).ok_or_else(|| format!("date arithmetic out of range: {d}.add_months({n})"))
}

fn shown<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "()".to_string(), |v| v.to_string())
}

fn listed(days: &[NaiveDate]) -> String {
    days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn shown_param(value: &ParamValue) -> String {
    match value {
        ParamValue::Integer(n) => n.to_string(),
        ParamValue::Decimal(d) => d.to_string(),
        other => format!("{other:?}"),
    }
}
