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

use std::cmp::Ordering;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, NativeCallContext};

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
        answer.as_bool().map_err(|_| {
            format!("the dedup comparer returned a {}; it must return a bool", type_label(&answer)).into()
        })
    })
}

fn named(name: &ImmutableString) -> Fallible<FnPtr> {
    FnPtr::new(name.as_str())
}

/// Register the error-propagating `sort`, `sort_by`, `order`, `order_by`
/// and `dedup`, shadowing rhai's.
pub fn register(engine: &mut Engine) {
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
