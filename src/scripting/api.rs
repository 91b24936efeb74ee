//! What rules see: the participant `p`, `achieved`, `params` and `dec`.
//!
//! `p`, `achieved` and `params` are empty marker values whose getters and
//! methods read the current [`EvalContext`](super::EvalContext) (see
//! `context.rs`), so no record is copied into rhai. Every read is answered
//! by [`View`] (as of `as_of`) and, when explaining, traced as
//! `call = result`.
//!
//! [`USAGE`] lists every function and property with its parameters; it is
//! also used to explain a call with wrong argument types.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, NativeCallContext, INT};
use rust_decimal::Decimal;

use super::context::{show, with_frame};
use super::dates::{date_or_unit, Date};
use super::queries::View;
use super::{ParamValue, ParamVersion};
use crate::calendar;
use crate::diagnostic::closest;
use crate::money::parse_decimal;
use crate::records::{AttributeValue, Event, Measure, Sector, Spell, Text};

/// The participant (`p`): a handle on the record being evaluated.
#[derive(Debug, Clone, Copy)]
pub struct Participant;

/// `achieved`: outcome id → first achievement date of outcomes declared
/// earlier in the contract; a read-only map (`achieved["employed_3m"]`,
/// `achieved.employed_3m`, `"employed_3m" in achieved`); `()` when not
/// achieved.
#[derive(Debug, Clone, Copy)]
pub struct Achieved;

/// `params`: the contract's parameters; a read-only map (`params.min_hours`,
/// `params["min_hours"]`, `"min_hours" in params`). Reading an undeclared
/// parameter is an error, so a typo cannot read as `()`.
#[derive(Debug, Clone, Copy)]
pub struct Params;

/// Every function and property rules can use, as `(name, usage)`.
pub const USAGE: &[(&str, &str)] = &[
    ("date", "date(\"YYYY-MM-DD\") -> Date"),
    ("add_months", "d.add_months(n: integer) -> Date (month-end clamp)"),
    ("add_days", "d.add_days(n: integer) -> Date"),
    ("month_end", "d.month_end() -> Date"),
    ("month_start", "d.month_start() -> Date"),
    ("days_between", "days_between(a: Date, b: Date) -> integer (b - a)"),
    ("min_date", "min_date(a: Date, b: Date) -> Date"),
    ("max_date", "max_date(a: Date, b: Date) -> Date"),
    ("not_yet", "not_yet(d: Date) -> NotYet (an outcome decidable only on d, after the as-of date)"),
    ("dec", "dec(\"12.50\") or dec(integer) -> Decimal"),
    ("in_group", "p.in_group(tag: string) -> bool"),
    ("attr", "p.attr(name: string) -> string, Decimal, bool, Date or ()"),
    ("age_on", "p.age_on(date: Date) -> integer or ()"),
    ("in_spell_on", "p.in_spell_on(kind: string, date: Date) -> bool"),
    ("employed_on", "p.employed_on(date: Date) -> bool"),
    ("days_in", "p.days_in(kind: string, from: Date, to: Date) -> integer"),
    ("first_day_in", "p.first_day_in(kind: string, from: Date, to: Date) -> Date or ()"),
    ("continuous_days", "p.continuous_days(kind: string, from: Date) -> integer"),
    ("nth_day_in", "p.nth_day_in(kind: string, from: Date, to: Date, n: integer) -> Date or ()"),
    (
        "continuous_milestones",
        "p.continuous_milestones(kind: string, from: Date, step_days: integer, max: integer) -> array of Date",
    ),
    ("hours_on", "p.hours_on(kind: string, date: Date) -> Decimal"),
    (
        "spells",
        "p.spells(kind: string, from: Date, to: Date) -> array of #{kind, sector, start, end, last_day, days, hours_per_week}",
    ),
    ("spell_starts", "p.spell_starts(kind: string, from: Date, to: Date) -> array of Date"),
    ("earnings_sum", "p.earnings_sum(from: Date, to: Date) -> Decimal"),
    ("earnings_sum_whole_months", "p.earnings_sum_whole_months(from: Date, to: Date) -> Decimal"),
    (
        "earnings_threshold_date",
        "p.earnings_threshold_date(from: Date, to: Date, amount: Decimal or integer) -> Date or ()",
    ),
    ("has_event", "p.has_event(kind: string, from: Date, to: Date[, value: string]) -> bool"),
    ("first_event", "p.first_event(kind: string, from: Date, to: Date[, value: string]) -> Date or ()"),
    ("event_value", "p.event_value(kind: string, from: Date, to: Date) -> string or ()"),
    ("events_count", "p.events_count(kind: string, from: Date, to: Date[, value: string]) -> integer"),
    ("events", "p.events(kind: string, from: Date, to: Date[, value: string]) -> array of #{kind, date, value}"),
    ("measure_first", "p.measure_first(instrument: string, dimension: string) -> Decimal or ()"),
    ("measure_last", "p.measure_last(instrument: string, dimension: string) -> Decimal or ()"),
    ("measure_change", "p.measure_change(instrument: string, dimension: string) -> Decimal or ()"),
    ("measure_change_sum", "p.measure_change_sum(instrument: string) -> Decimal or ()"),
    ("measure_last_date", "p.measure_last_date(instrument: string) -> Date or ()"),
    (
        "measurements",
        "p.measurements(instrument: string, from: Date, to: Date[, dimensions: array of string]) -> array of #{instrument, date, scores}",
    ),
    (
        "measurement_first",
        "p.measurement_first(instrument: string, from: Date, to: Date[, dimensions: array of string]) -> #{instrument, date, scores} or ()",
    ),
    (
        "measurement_last",
        "p.measurement_last(instrument: string, from: Date, to: Date[, dimensions: array of string]) -> #{instrument, date, scores} or ()",
    ),
    ("complete", "m.complete(dimensions: array of string) -> bool (m: a measurement)"),
    ("satisfaction_last", "p.satisfaction_last() -> integer or ()"),
    ("feedback_count", "p.feedback_count() -> integer"),
];

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// Answer one read of the record, tracing it as `call = result`.
fn read<T: Clone + Send + Sync + 'static>(
    call: impl Fn() -> String,
    answer: impl FnOnce(View<'_>) -> Result<T, String>,
) -> Fallible<T> {
    with_frame(|frame| {
        let value = answer(frame.view()).map_err(|e| format!("{}: {e}", call()))?;
        frame.record(|| format!("{} = {}", call(), show(&Dynamic::from(value.clone()))));
        Ok(value)
    })?
}

fn opt<T: Clone + Send + Sync + 'static>(value: Option<T>) -> Dynamic {
    value.map_or(Dynamic::UNIT, Dynamic::from)
}

/// A text of the record as a rule's string: `Dynamic::from` would keep a
/// [`Text`] as a value of its own type, which no string compares equal to.
fn text(value: &Text) -> Dynamic {
    Dynamic::from(ImmutableString::from(value.as_str()))
}

/// Service dates after `as_of` are not yet known on `as_of`.
fn known(date: Option<NaiveDate>, as_of: NaiveDate) -> Option<NaiveDate> {
    date.filter(|d| *d <= as_of)
}

fn attribute(value: Option<&AttributeValue>) -> Dynamic {
    match value {
        None => Dynamic::UNIT,
        Some(AttributeValue::Text(s, _)) => s.as_str().into(),
        Some(AttributeValue::Number(n)) => Dynamic::from_decimal(*n),
        Some(AttributeValue::Bool(b)) => (*b).into(),
        Some(AttributeValue::Date(d)) => Dynamic::from(Date(*d)),
    }
}

fn register_properties(engine: &mut Engine) {
    engine
        .register_get("id", |_: &mut Participant| {
            read(|| "p.id".into(), |v| Ok(ImmutableString::from(v.record.id.as_str())))
        })
        .register_get("municipality", |_: &mut Participant| {
            read(|| "p.municipality".into(), |v| Ok(v.record.municipality.as_ref().map_or(Dynamic::UNIT, text)))
        })
        .register_get("birth_date", |_: &mut Participant| {
            read(|| "p.birth_date".into(), |v| Ok(date_or_unit(v.record.birth_date)))
        })
        .register_get("groups", |_: &mut Participant| {
            read(|| "p.groups".into(), |v| Ok(v.record.groups.iter().map(text).collect::<Array>()))
        })
        // `as_of` is not visible inside a library `fn`; `p.as_of` is.
        .register_get("as_of", |_: &mut Participant| read(|| "p.as_of".into(), |v| Ok(Date(v.as_of))))
        .register_get("service_start", |_: &mut Participant| {
            read(|| "p.service_start".into(), |v| Ok(Date(v.record.service.start)))
        })
        .register_get("service_end", |_: &mut Participant| {
            read(|| "p.service_end".into(), |v| Ok(date_or_unit(known(v.record.service.end, v.as_of))))
        })
        .register_get("completed", |_: &mut Participant| {
            read(
                || "p.completed".into(),
                |v| Ok(opt(v.record.service.completed.filter(|_| known(v.record.service.end, v.as_of).is_some()))),
            )
        });
}

/// `leap_day`: the contract's rule for a 29 February birthday, the same
/// one decision tables' `age` input uses ([`calendar::age_on`]).
fn register_person(engine: &mut Engine, leap_day: calendar::LeapDayBirthday) {
    engine
        .register_fn("in_group", |_: Participant, tag: ImmutableString| {
            read(|| format!("p.in_group({tag:?})"), |v| Ok(v.record.groups.iter().any(|g| *g == tag)))
        })
        .register_fn("attr", |_: Participant, name: ImmutableString| {
            read(|| format!("p.attr({name:?})"), |v| Ok(attribute(v.record.attributes.get(name.as_str()))))
        })
        .register_fn("age_on", move |_: Participant, on: Date| {
            read(
                || format!("p.age_on({on})"),
                |v| Ok(opt(v.record.birth_date.map(|b| calendar::age_on(b, on.0, leap_day)))),
            )
        });
}

fn register_spells(engine: &mut Engine) {
    engine
        .register_fn("in_spell_on", |_: Participant, kind: ImmutableString, on: Date| {
            read(|| format!("p.in_spell_on({kind:?}, {on})"), |v| Ok(v.in_spell_on(&kind, on.0)))
        })
        .register_fn("employed_on", |_: Participant, on: Date| {
            read(|| format!("p.employed_on({on})"), |v| Ok(v.in_spell_on("employment", on.0)))
        })
        .register_fn("days_in", |_: Participant, kind: ImmutableString, from: Date, to: Date| {
            read(|| format!("p.days_in({kind:?}, {from}, {to})"), |v| v.days_in(&kind, from.0, to.0))
        })
        .register_fn("first_day_in", |_: Participant, kind: ImmutableString, from: Date, to: Date| {
            read(
                || format!("p.first_day_in({kind:?}, {from}, {to})"),
                |v| v.first_day_in(&kind, from.0, to.0).map(date_or_unit),
            )
        })
        .register_fn("continuous_days", |_: Participant, kind: ImmutableString, from: Date| {
            read(|| format!("p.continuous_days({kind:?}, {from})"), |v| Ok(v.continuous_days(&kind, from.0)))
        })
        .register_fn("nth_day_in", |_: Participant, kind: ImmutableString, from: Date, to: Date, n: INT| {
            read(
                || format!("p.nth_day_in({kind:?}, {from}, {to}, {n})"),
                |v| v.nth_day_in(&kind, from.0, to.0, n).map(date_or_unit),
            )
        })
        .register_fn(
            "continuous_milestones",
            |ctx: NativeCallContext, _: Participant, kind: ImmutableString, from: Date, step: INT, max: INT| {
                // Build at most one more than an array may hold (rhai's
                // size check then stops the rule), not millions first.
                let cap = INT::try_from(ctx.engine().max_array_size()).unwrap_or(INT::MAX).saturating_add(1);
                read(
                    || format!("p.continuous_milestones({kind:?}, {from}, {step}, {max})"),
                    |v| {
                        let days = v.continuous_milestones(&kind, from.0, step, max.min(cap))?;
                        Ok(days.into_iter().map(|d| Dynamic::from(Date(d))).collect::<Array>())
                    },
                )
            },
        )
        .register_fn("hours_on", |_: Participant, kind: ImmutableString, on: Date| {
            read(|| format!("p.hours_on({kind:?}, {on})"), |v| v.hours_on(&kind, on.0))
        });
}

/// How many items an array may hold in this engine.
fn array_limit(ctx: &NativeCallContext) -> usize {
    ctx.engine().max_array_size()
}

/// `items` as a rhai array, or an error when there are more than an array
/// may hold (rhai would stop the rule anyway, with a less helpful message).
fn bounded<T>(items: Vec<T>, limit: usize, what: &str, to_dynamic: impl Fn(T) -> Dynamic) -> Result<Array, String> {
    if limit > 0 && items.len() > limit {
        return Err(format!(
            "{} {what} match, more than the {limit} an array may hold — narrow the window",
            items.len()
        ));
    }
    Ok(items.into_iter().map(to_dynamic).collect())
}

fn map_of(entries: impl IntoIterator<Item = (&'static str, Dynamic)>) -> Dynamic {
    Dynamic::from_map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect::<Map>())
}

/// One spell as rules see it: `end` is `()` while ongoing on `as_of`;
/// `last_day` and `days` count an ongoing spell up to `as_of`.
fn spell_map(v: View<'_>, spell: &Spell) -> Dynamic {
    let last_day = v.last_visible_day(spell);
    let days = last_day.map_or(0, |last| crate::calendar::days_between(spell.start, last) + 1);
    let sector = spell.sector.map(|s| match s {
        Sector::Open => "open",
        Sector::Subsidised => "subsidised",
    });
    map_of([
        ("kind", text(&spell.kind)),
        ("sector", opt(sector.map(ImmutableString::from))),
        ("start", Dynamic::from(Date(spell.start))),
        ("end", date_or_unit(v.known_end(spell))),
        ("last_day", date_or_unit(last_day)),
        ("days", Dynamic::from(days)),
        ("hours_per_week", spell.hours_per_week.map_or(Dynamic::UNIT, Dynamic::from_decimal)),
    ])
}

fn event_map(event: &Event) -> Dynamic {
    map_of([
        ("kind", text(&event.kind)),
        ("date", Dynamic::from(Date(event.date))),
        ("value", event.value.as_ref().map_or(Dynamic::UNIT, text)),
    ])
}

fn measurement_map(m: &Measure) -> Dynamic {
    let scores: Map =
        m.scores.iter().map(|(dim, score)| (dim.as_str().into(), Dynamic::from_decimal(*score))).collect();
    map_of([
        ("instrument", text(&m.instrument)),
        ("date", Dynamic::from(Date(m.date))),
        ("scores", Dynamic::from_map(scores)),
    ])
}

/// A rule's list of dimension names; anything but text is an error.
fn dimension_names(dimensions: &Array) -> Fallible<Vec<String>> {
    dimensions
        .iter()
        .map(|d| {
            d.clone().into_string().map_err(|found| {
                format!("dimensions must be a list of texts like [\"work_ability\", \"skills\"], found a {found}")
                    .into()
            })
        })
        .collect()
}

fn show_dimensions(dimensions: &[String]) -> String {
    format!("[{}]", dimensions.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>().join(", "))
}

/// `m.complete(dimensions)`: whether measurement `m` scores every
/// dimension in the list.
fn complete(measurement: &Map, dimensions: &Array) -> Fallible<bool> {
    let wanted = dimension_names(dimensions)?;
    let Some(scores) = measurement.get("scores").and_then(|s| s.read_lock::<Map>().map(|m| m.clone())) else {
        return Err("complete(…) is for a measurement from p.measurements(…), which has `scores`".into());
    };
    Ok(wanted.iter().all(|d| scores.contains_key(d.as_str())))
}

fn register_individual_spells(engine: &mut Engine) {
    engine
        .register_fn("spells", |ctx: NativeCallContext, _: Participant, kind: ImmutableString, from: Date, to: Date| {
            let limit = array_limit(&ctx);
            read(
                || format!("p.spells({kind:?}, {from}, {to})"),
                |v| bounded(v.spells_in(&kind, from.0, to.0)?, limit, "spells", |s| spell_map(v, s)),
            )
        })
        .register_fn(
            "spell_starts",
            |ctx: NativeCallContext, _: Participant, kind: ImmutableString, from: Date, to: Date| {
                let limit = array_limit(&ctx);
                read(
                    || format!("p.spell_starts({kind:?}, {from}, {to})"),
                    |v| {
                        bounded(v.spell_starts(&kind, from.0, to.0)?, limit, "spell start days", |d| {
                            Dynamic::from(Date(d))
                        })
                    },
                )
            },
        );
}

fn events_list(limit: usize, kind: &str, from: Date, to: Date, value: Option<&str>) -> Fallible<Array> {
    let filter = value.map(|v| format!(", {v:?}")).unwrap_or_default();
    read(
        || format!("p.events({kind:?}, {from}, {to}{filter})"),
        |v| bounded(v.events_in(kind, from.0, to.0, value)?, limit, "events", event_map),
    )
}

/// `has_event`, `first_event`, `events_count` and `events` filtered by an
/// event's value (exact text match).
fn register_events_with_values(engine: &mut Engine) {
    engine
        .register_fn("events", |ctx: NativeCallContext, _: Participant, kind: ImmutableString, from: Date, to: Date| {
            events_list(array_limit(&ctx), &kind, from, to, None)
        })
        .register_fn(
            "events",
            |ctx: NativeCallContext,
             _: Participant,
             kind: ImmutableString,
             from: Date,
             to: Date,
             value: ImmutableString| { events_list(array_limit(&ctx), &kind, from, to, Some(&value)) },
        )
        .register_fn(
            "has_event",
            |_: Participant, kind: ImmutableString, from: Date, to: Date, value: ImmutableString| {
                read(
                    || format!("p.has_event({kind:?}, {from}, {to}, {value:?})"),
                    |v| Ok(!v.events_in(&kind, from.0, to.0, Some(&value))?.is_empty()),
                )
            },
        )
        .register_fn(
            "first_event",
            |_: Participant, kind: ImmutableString, from: Date, to: Date, value: ImmutableString| {
                read(
                    || format!("p.first_event({kind:?}, {from}, {to}, {value:?})"),
                    |v| Ok(date_or_unit(v.events_in(&kind, from.0, to.0, Some(&value))?.first().map(|e| e.date))),
                )
            },
        )
        .register_fn(
            "events_count",
            |_: Participant, kind: ImmutableString, from: Date, to: Date, value: ImmutableString| {
                read(
                    || format!("p.events_count({kind:?}, {from}, {to}, {value:?})"),
                    |v| Ok(v.events_in(&kind, from.0, to.0, Some(&value))?.len() as INT),
                )
            },
        );
}

/// Which measurement of a window a call wants.
#[derive(Clone, Copy)]
enum Pick {
    All,
    First,
    Last,
}

fn measurements_call(
    limit: usize,
    pick: Pick,
    ins: &str,
    from: Date,
    to: Date,
    dims: Option<&Array>,
) -> Fallible<Dynamic> {
    let dims = dims.map(dimension_names).transpose()?;
    let name = match pick {
        Pick::All => "measurements",
        Pick::First => "measurement_first",
        Pick::Last => "measurement_last",
    };
    let filter = dims.as_deref().map(|d| format!(", {}", show_dimensions(d))).unwrap_or_default();
    read(
        || format!("p.{name}({ins:?}, {from}, {to}{filter})"),
        |v| {
            let found = v.measurements_in(ins, from.0, to.0, dims.as_deref())?;
            Ok(match pick {
                Pick::All => Dynamic::from_array(bounded(found, limit, "measurements", measurement_map)?),
                Pick::First => found.first().map_or(Dynamic::UNIT, |m| measurement_map(m)),
                Pick::Last => found.last().map_or(Dynamic::UNIT, |m| measurement_map(m)),
            })
        },
    )
}

fn register_measurements(engine: &mut Engine) {
    for (name, pick) in
        [("measurements", Pick::All), ("measurement_first", Pick::First), ("measurement_last", Pick::Last)]
    {
        engine
            .register_fn(
                name,
                move |ctx: NativeCallContext, _: Participant, ins: ImmutableString, from: Date, to: Date| {
                    measurements_call(array_limit(&ctx), pick, &ins, from, to, None)
                },
            )
            .register_fn(
                name,
                move |ctx: NativeCallContext,
                      _: Participant,
                      ins: ImmutableString,
                      from: Date,
                      to: Date,
                      dims: Array| {
                    measurements_call(array_limit(&ctx), pick, &ins, from, to, Some(&dims))
                },
            );
    }
    engine.register_fn("complete", |measurement: Map, dimensions: Array| complete(&measurement, &dimensions));
}

fn threshold_date(from: Date, to: Date, amount: Decimal) -> Fallible<Dynamic> {
    read(
        || format!("p.earnings_threshold_date({from}, {to}, {amount})"),
        |v| v.earnings_threshold_date(from.0, to.0, amount).map(date_or_unit),
    )
}

fn register_earnings_and_events(engine: &mut Engine) {
    engine
        .register_fn("earnings_sum", |_: Participant, from: Date, to: Date| {
            read(|| format!("p.earnings_sum({from}, {to})"), |v| v.earnings_sum(from.0, to.0))
        })
        .register_fn("earnings_sum_whole_months", |_: Participant, from: Date, to: Date| {
            read(|| format!("p.earnings_sum_whole_months({from}, {to})"), |v| v.earnings_sum_whole_months(from.0, to.0))
        })
        .register_fn("earnings_threshold_date", |_: Participant, from: Date, to: Date, amount: Decimal| {
            threshold_date(from, to, amount)
        })
        .register_fn("earnings_threshold_date", |_: Participant, from: Date, to: Date, amount: INT| {
            threshold_date(from, to, Decimal::from(amount))
        })
        .register_fn("has_event", |_: Participant, kind: ImmutableString, from: Date, to: Date| {
            read(|| format!("p.has_event({kind:?}, {from}, {to})"), |v| v.has_event(&kind, from.0, to.0))
        })
        .register_fn("first_event", |_: Participant, kind: ImmutableString, from: Date, to: Date| {
            read(
                || format!("p.first_event({kind:?}, {from}, {to})"),
                |v| v.first_event(&kind, from.0, to.0).map(date_or_unit),
            )
        })
        .register_fn("event_value", |_: Participant, kind: ImmutableString, from: Date, to: Date| {
            read(|| format!("p.event_value({kind:?}, {from}, {to})"), |v| v.event_value(&kind, from.0, to.0).map(opt))
        })
        .register_fn("events_count", |_: Participant, kind: ImmutableString, from: Date, to: Date| {
            read(|| format!("p.events_count({kind:?}, {from}, {to})"), |v| v.events_count(&kind, from.0, to.0))
        });
}

fn register_measures_and_feedback(engine: &mut Engine) {
    engine
        .register_fn("measure_first", |_: Participant, ins: ImmutableString, dim: ImmutableString| {
            read(|| format!("p.measure_first({ins:?}, {dim:?})"), |v| Ok(opt(v.measure_first(&ins, &dim))))
        })
        .register_fn("measure_last", |_: Participant, ins: ImmutableString, dim: ImmutableString| {
            read(|| format!("p.measure_last({ins:?}, {dim:?})"), |v| Ok(opt(v.measure_last(&ins, &dim))))
        })
        .register_fn("measure_change", |_: Participant, ins: ImmutableString, dim: ImmutableString| {
            read(|| format!("p.measure_change({ins:?}, {dim:?})"), |v| v.measure_change(&ins, &dim).map(opt))
        })
        .register_fn("measure_change_sum", |_: Participant, ins: ImmutableString| {
            read(|| format!("p.measure_change_sum({ins:?})"), |v| v.measure_change_sum(&ins).map(opt))
        })
        .register_fn("measure_last_date", |_: Participant, ins: ImmutableString| {
            read(|| format!("p.measure_last_date({ins:?})"), |v| Ok(date_or_unit(v.measure_last_date(&ins))))
        })
        .register_fn("satisfaction_last", |_: Participant| {
            read(|| "p.satisfaction_last()".into(), |v| Ok(opt(v.satisfaction_last())))
        })
        .register_fn("feedback_count", |_: Participant| {
            read(|| "p.feedback_count()".into(), |v| Ok(v.feedback_count()))
        });
}

/// The value of a contract parameter as rules see it; `None` for one not
/// in force.
pub fn param_value(value: &ParamValue) -> Option<Dynamic> {
    Some(match value {
        ParamValue::Decimal(d) => Dynamic::from_decimal(*d),
        ParamValue::Integer(i) => (*i).into(),
        ParamValue::Text(s) => s.clone().into(),
        ParamValue::Date(d) => Dynamic::from(Date(*d)),
        ParamValue::Bool(b) => (*b).into(),
        ParamValue::NotInForce { .. } => return None,
    })
}

fn param(name: &str) -> Fallible<Dynamic> {
    with_frame(|frame| {
        let params = frame.cx.params;
        let Some(declared) = params.get(name) else {
            return Err(unknown_parameter(name, params).into());
        };
        let Some(value) = param_value(declared) else {
            return Err(not_in_force(name, declared, frame.cx.record.service.start).into());
        };
        frame.record(|| format!("params.{name} = {}", show(&value)));
        Ok(value)
    })?
}

fn unknown_parameter(name: &str, params: &BTreeMap<String, ParamValue>) -> String {
    let declared: Vec<&str> = params.keys().map(String::as_str).collect();
    if declared.is_empty() {
        return format!("unknown parameter `{name}`; the contract declares no parameters (add it under [parameters])");
    }
    let suggestion = closest(name, &declared).map(|near| format!(" — did you mean `{near}`?")).unwrap_or_default();
    format!("unknown parameter `{name}`; the contract declares: {}{suggestion}", declared.join(", "))
}

/// "parameter `x` has no version in force on 2025-11-03 (the service
/// start); its versions: from 2026-01-01 (§ 5): 12, …".
pub(crate) fn not_in_force(name: &str, declared: &ParamValue, service_start: NaiveDate) -> String {
    let ParamValue::NotInForce { on, versions } = declared else {
        return format!("parameter `{name}` has no value");
    };
    let which =
        if *on == service_start { " (the participant's service start, whose parameters rules see)" } else { "" };
    let listed: Vec<String> = versions.iter().map(describe_version).collect();
    format!(
        "parameter `{name}` has no version in force on {on}{which}; its versions: {} — \
         add a version that covers this date to the contract's [parameters]",
        listed.join("; ")
    )
}

fn describe_version(v: &ParamVersion) -> String {
    let period = match v.to {
        Some(to) => format!("from {} to {to}", v.from),
        None => format!("from {}", v.from),
    };
    let clause = v.clause.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
    let value = param_value(&v.value).map_or_else(|| "no value".to_string(), |d| show(&d));
    format!("{period}{clause}: {value}")
}

fn register_maps(engine: &mut Engine) {
    engine
        .register_type_with_name::<Achieved>("Achieved")
        .register_indexer_get(|_: &mut Achieved, id: ImmutableString| {
            with_frame(|frame| {
                let value = date_or_unit(frame.cx.achieved.get(id.as_str()).copied());
                frame.record(|| format!("achieved[{id:?}] = {}", show(&value)));
                value
            })
        })
        .register_fn("contains", |_: Achieved, id: ImmutableString| {
            with_frame(|frame| frame.cx.achieved.contains_key(id.as_str()))
        })
        .register_type_with_name::<Params>("Params")
        .register_indexer_get(|_: &mut Params, name: ImmutableString| param(&name))
        .register_fn("contains", |_: Params, name: ImmutableString| {
            with_frame(|frame| frame.cx.params.get(name.as_str()).and_then(param_value).is_some())
        });
}

fn register_decimals(engine: &mut Engine) {
    engine
        .register_fn("dec", |text: ImmutableString| -> Fallible<Decimal> {
            parse_decimal(&text).ok_or_else(|| format!("dec(\"{text}\"): expected a decimal like \"12.50\"").into())
        })
        .register_fn("dec", |n: INT| Decimal::from(n));
}

/// Register `p`'s type and everything it offers, plus `achieved`, `params`
/// and `dec`.
pub fn register(engine: &mut Engine, leap_day: calendar::LeapDayBirthday) {
    register_missing_number_comparisons(engine);
    engine.register_type_with_name::<Participant>("Participant");
    register_properties(engine);
    register_person(engine, leap_day);
    register_spells(engine);
    register_earnings_and_events(engine);
    register_measures_and_feedback(engine);
    register_individual_spells(engine);
    register_events_with_values(engine);
    register_measurements(engine);
    register_maps(engine);
    register_decimals(engine);
}

/// Ordering a number against `()` (a missing value) is an error, not
/// `false`: otherwise `!(p.measure_change(…) < 1)` would be true — and pay —
/// when the measurement is missing.
fn register_missing_number_comparisons(engine: &mut Engine) {
    fn missing(op: &str) -> Box<EvalAltResult> {
        format!("cannot compare a number with () (a missing value) using `{op}` — test for `()` first, e.g. `x != () && x >= 1`").into()
    }
    macro_rules! refuse {
        ($($op:tt),*) => {$(
            engine.register_fn(stringify!($op), |_: INT, _: ()| -> Result<bool, Box<EvalAltResult>> { Err(missing(stringify!($op))) });
            engine.register_fn(stringify!($op), |_: (), _: INT| -> Result<bool, Box<EvalAltResult>> { Err(missing(stringify!($op))) });
            engine.register_fn(stringify!($op), |_: Decimal, _: ()| -> Result<bool, Box<EvalAltResult>> { Err(missing(stringify!($op))) });
            engine.register_fn(stringify!($op), |_: (), _: Decimal| -> Result<bool, Box<EvalAltResult>> { Err(missing(stringify!($op))) });
        )*};
    }
    refuse!(<, <=, >, >=);
    register_text_number_comparisons(engine);
}

/// Ordering text against a number is an error, not `false`: an attribute
/// read as text (`"20"`) must not silently fail `>= 18`.
fn register_text_number_comparisons(engine: &mut Engine) {
    fn text(op: &str) -> Box<EvalAltResult> {
        format!("cannot compare a string with a number using `{op}` — convert the string first, e.g. `dec(x) {op} 18`")
            .into()
    }
    macro_rules! refuse {
        ($($op:tt),*) => {$(
            engine.register_fn(stringify!($op), |_: ImmutableString, _: INT| -> Result<bool, Box<EvalAltResult>> { Err(text(stringify!($op))) });
            engine.register_fn(stringify!($op), |_: INT, _: ImmutableString| -> Result<bool, Box<EvalAltResult>> { Err(text(stringify!($op))) });
            engine.register_fn(stringify!($op), |_: ImmutableString, _: Decimal| -> Result<bool, Box<EvalAltResult>> { Err(text(stringify!($op))) });
            engine.register_fn(stringify!($op), |_: Decimal, _: ImmutableString| -> Result<bool, Box<EvalAltResult>> { Err(text(stringify!($op))) });
        )*};
    }
    refuse!(<, <=, >, >=);
}
