//! Array functions that call back into the script and must not hide its
//! errors.
//!
//! rhai 1.27's array package ignores the result of the comparer in `sort`,
//! `sort_by`, `order`, `order_by` and `dedup` (a failing call reads as "no
//! order" or "not equal"), so a missing-value comparison, an overflow or a
//! spent operation budget inside a comparer would vanish and the rule
//! would go on with a silently wrong array. These replacements, registered
//! on the engine itself so they shadow the package's, stop the rule with
//! the comparer's error. Every other callback-taking array and map function
//! of rhai (`map`, `filter`, `reduce`, `all`, `some`, `drain`, `retain`, …)
//! already passes the error on.
//!
//! Sorting is a stable merge sort: it asks the comparer only well-defined
//! questions and cannot panic on a comparer that is not a total order.
//!
//! `map` and `zip` (of arrays, and `map` of object maps) are replaced for
//! a second reason: rhai collects the callback's results and checks the
//! collection's size only when it is complete, so mapping 10,000 items to
//! a copy of a 10,000-item array built 10^8 values (1.6 GB) before the size
//! limit stopped it. These stop as soon as the results outgrow the limit.

use std::cmp::Ordering;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, Map, NativeCallContext, Position, INT};

use super::context::type_label;

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// How a comparer's answer orders `a` before `b`: an integer by its sign,
/// or a bool (`true`: `a` first), as rhai documents it.
fn ordering(answer: &Dynamic) -> Fallible<Ordering> {
    if let Ok(n) = answer.as_int() {
        return Ok(n.cmp(&0));
    }
    if let Ok(first) = answer.as_bool() {
        return Ok(if first { Ordering::Less } else { Ordering::Greater });
    }
    Err(format!(
        "the sort comparer returned a {}; it must return an integer (negative: first before second, \
         0: equal, positive: second first) or a bool (true: first before second)",
        type_label(answer)
    )
    .into())
}

/// `items` sorted stably by `compare`, stopping at its first error.
fn merge_sort(
    mut items: Vec<Dynamic>,
    compare: &mut impl FnMut(&Dynamic, &Dynamic) -> Fallible<Ordering>,
) -> Fallible<Vec<Dynamic>> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items, compare)?.into_iter();
    let right = merge_sort(right, compare)?.into_iter();
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.peekable(), right.peekable());
    while let (Some(a), Some(b)) = (left.peek(), right.peek()) {
        // Equal items keep their order: the left one goes first.
        let next = if compare(b, a)? == Ordering::Less { right.next() } else { left.next() };
        merged.extend(next);
    }
    merged.extend(left);
    merged.extend(right);
    Ok(merged)
}

fn sort_by(ctx: &NativeCallContext, array: &mut Array, comparer: &FnPtr) -> Fallible<()> {
    let mut compare = |a: &Dynamic, b: &Dynamic| ordering(&comparer.call_raw(ctx, None, [a.clone(), b.clone()])?);
    *array = merge_sort(std::mem::take(array), &mut compare)?;
    Ok(())
}

/// Remove consecutive items that `same(kept, item)` calls duplicates.
fn dedup_by(array: &mut Array, mut same: impl FnMut(&mut Dynamic, &mut Dynamic) -> Fallible<bool>) -> Fallible<()> {
    let mut kept: Array = Vec::with_capacity(array.len());
    for mut item in std::mem::take(array) {
        let duplicate = match kept.last_mut() {
            Some(last) => same(last, &mut item)?,
            None => false,
        };
        if !duplicate {
            kept.push(item);
        }
    }
    *array = kept;
    Ok(())
}

/// `a == b` as the script would compute it; values of different types
/// without an `==` between them are unequal (as in rhai's `contains`).
fn script_equal(ctx: &NativeCallContext, a: &mut Dynamic, b: &mut Dynamic) -> Fallible<bool> {
    let different_types = a.type_id() != b.type_id();
    match ctx.call_native_fn_raw("==", true, &mut [a, b]) {
        Ok(equal) => Ok(equal.as_bool().unwrap_or(false)),
        Err(err) if different_types && matches!(*err, EvalAltResult::ErrorFunctionNotFound(..)) => Ok(false),
        Err(err) => Err(err),
    }
}

fn dedup_with(ctx: &NativeCallContext, array: &mut Array, comparer: &FnPtr) -> Fallible<()> {
    dedup_by(array, |kept, item| {
        let answer = comparer.call_raw(ctx, None, [kept.clone(), item.clone()])?;
        answer
            .as_bool()
            .map_err(|_| format!("the dedup comparer returned a {}; it must return a bool", type_label(&answer)).into())
    })
}

/// Items in `value`: the elements of arrays and the entries of maps, all
/// nested ones included (strings are shared, not copied, when collected).
/// Stops counting past `limit`, so its recursion is no deeper than the
/// nesting rhai's own size limits already allow.
fn items(value: &Dynamic, limit: usize) -> usize {
    if let Some(array) = value.read_lock::<Array>() {
        return nested_items(array.len(), array.iter(), limit);
    }
    if let Some(map) = value.read_lock::<Map>() {
        return nested_items(map.len(), map.values(), limit);
    }
    0
}

/// `count` plus the items inside `values`; `usize::MAX` once past `limit`.
fn nested_items<'v>(count: usize, mut values: impl Iterator<Item = &'v Dynamic>, limit: usize) -> usize {
    values
        .try_fold(count, |total, v| Some(total.saturating_add(items(v, limit))).filter(|t| *t <= limit))
        .unwrap_or(usize::MAX)
}

/// Collects callback results, failing as soon as they hold more items than
/// one array may.
struct Collected {
    items: usize,
    limit: usize,
}

impl Collected {
    fn new(ctx: &NativeCallContext) -> Self {
        Collected { items: 0, limit: ctx.engine().max_array_size() }
    }

    fn admit(&mut self, result: &Dynamic) -> Fallible<()> {
        self.items = self.items.saturating_add(1).saturating_add(items(result, self.limit));
        if self.items > self.limit {
            return Err(EvalAltResult::ErrorDataTooLarge("Size of array".into(), Position::NONE).into());
        }
        Ok(())
    }
}

fn index(i: usize) -> Dynamic {
    INT::try_from(i).unwrap_or(INT::MAX).into()
}

/// `array.map(f)`: `f(item)` or `f(item, index)`, or `this` bound to the
/// item, as rhai's.
fn map_array(ctx: &NativeCallContext, array: Array, mapper: &FnPtr) -> Fallible<Array> {
    let mut collected = Collected::new(ctx);
    let mut mapped = Array::with_capacity(array.len());
    for (i, mut item) in array.into_iter().enumerate() {
        let result = mapper.call_raw_with_extra_args("map", ctx, Some(&mut item), [], [index(i)], Some(0))?;
        collected.admit(&result)?;
        mapped.push(result);
    }
    Ok(mapped)
}

/// `a.zip(b, f)`: `f(x, y)` or `f(x, y, index)` over the common length.
fn zip(ctx: &NativeCallContext, first: Array, second: Array, mapper: &FnPtr) -> Fallible<Array> {
    let mut collected = Collected::new(ctx);
    let mut zipped = Array::with_capacity(first.len().min(second.len()));
    for (i, (x, y)) in first.into_iter().zip(second).enumerate() {
        let result = mapper.call_raw_with_extra_args("zip", ctx, None, [x, y], [index(i)], None)?;
        collected.admit(&result)?;
        zipped.push(result);
    }
    Ok(zipped)
}

/// `map.map(f)`: `f(key, value)`, or `f(key)` with `this` bound to the value, as rhai's.
fn map_entries(ctx: &NativeCallContext, map: Map, mapper: &FnPtr) -> Fallible<Map> {
    let mut collected = Collected::new(ctx);
    let mut mapped = Map::new();
    for (key, mut value) in map {
        let result =
            mapper.call_raw_with_extra_args("map", ctx, Some(&mut value), [key.clone().into()], [], Some(1))?;
        collected.admit(&result)?;
        mapped.insert(key, result);
    }
    Ok(mapped)
}

fn named(name: &ImmutableString) -> Fallible<FnPtr> {
    FnPtr::new(name.as_str())
}

/// Register the error-propagating `sort`, `sort_by`, `order`, `order_by`
/// and `dedup` and the size-checking `map` and `zip`, shadowing rhai's.
pub fn register(engine: &mut Engine) {
    engine
        .register_fn("map", |ctx: NativeCallContext, array: Array, mapper: FnPtr| map_array(&ctx, array, &mapper))
        .register_fn("map", |ctx: NativeCallContext, array: Array, mapper: ImmutableString| {
            map_array(&ctx, array, &named(&mapper)?)
        })
        .register_fn("zip", |ctx: NativeCallContext, first: Array, second: Array, mapper: FnPtr| {
            zip(&ctx, first, second, &mapper)
        })
        .register_fn("map", |ctx: NativeCallContext, map: Map, mapper: FnPtr| map_entries(&ctx, map, &mapper));
    for name in ["sort", "sort_by"] {
        engine.register_fn(name, |ctx: NativeCallContext, array: &mut Array, comparer: FnPtr| {
            sort_by(&ctx, array, &comparer)
        });
    }
    for name in ["order", "order_by"] {
        // By value: `order` leaves its array alone, so it also works on a
        // constant.
        engine.register_fn(name, |ctx: NativeCallContext, array: Array, comparer: FnPtr| -> Fallible<Array> {
            let mut sorted = array;
            sort_by(&ctx, &mut sorted, &comparer)?;
            Ok(sorted)
        });
    }
    engine
        .register_fn("sort", |ctx: NativeCallContext, array: &mut Array, comparer: ImmutableString| {
            sort_by(&ctx, array, &named(&comparer)?)
        })
        .register_fn("dedup", |ctx: NativeCallContext, array: &mut Array| {
            dedup_by(array, |kept, item| script_equal(&ctx, kept, item))
        })
        .register_fn("dedup", |ctx: NativeCallContext, array: &mut Array, comparer: FnPtr| {
            dedup_with(&ctx, array, &comparer)
        })
        .register_fn("dedup", |ctx: NativeCallContext, array: &mut Array, comparer: ImmutableString| {
            dedup_with(&ctx, array, &named(&comparer)?)
        });
}
