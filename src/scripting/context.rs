//! The evaluation in progress on this thread, and its trace.
//!
//! rhai values must be `'static`, but [`EvalContext`] borrows the record.
//! Instead of copying the record into rhai for every evaluation, the
//! handles rules hold (`p`, `achieved`, `params`) are empty markers, and
//! their functions reach the borrowed context through a scoped thread-local
//! set for exactly the duration of one evaluation (the pattern of the
//! `scoped-tls` crate). rhai evaluates synchronously on the calling thread,
//! so each thread of a parallel run sees only its own evaluation.
//!
//! The frame also holds the evaluation's operation budget. rhai counts
//! operations per call: a closure called by a native function (`sort`,
//! `map`, …) starts a fresh count, so its own limit cannot bound a rule
//! that nests such calls. Every operation anywhere in the evaluation is
//! charged here instead (`Engine::on_progress`), and once the budget is
//! spent it stays spent: every later operation terminates, and the
//! evaluation fails even if some builtin swallowed the termination.

use std::cell::{Cell, RefCell};
use std::ptr;

use rhai::{Dynamic, EvalAltResult};

use super::dates::{Date, NotYet};
use super::queries::View;
use super::EvalContext;
use crate::records::hetu::redact;

/// One evaluation: its inputs, its operation budget and, when
/// explaining, what the rule read.
pub struct Frame<'a> {
    pub cx: &'a EvalContext<'a>,
    trace: Option<RefCell<Vec<String>>>,
    /// Operations the evaluation may still run, across all nested calls.
    operations_left: Cell<u64>,
    exhausted: Cell<bool>,
}

impl<'a> Frame<'a> {
    pub fn new(cx: &'a EvalContext<'a>, traced: bool, max_operations: u64) -> Self {
        Frame {
            cx,
            trace: traced.then(RefCell::default),
            operations_left: Cell::new(max_operations),
            exhausted: Cell::new(false),
        }
    }

    /// Charge one operation; `false` once the budget is spent (and on
    /// every later call).
    fn spend_operation(&self) -> bool {
        match self.operations_left.get().checked_sub(1) {
            Some(left) if !self.exhausted.get() => {
                self.operations_left.set(left);
                true
            }
            _ => {
                self.exhausted.set(true);
                false
            }
        }
    }

    /// Whether the evaluation ran out of operations at any depth.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    pub fn view(&self) -> View<'a> {
        View::new(self.cx.record, self.cx.as_of)
    }

    /// Record one read; `line` is only built when tracing, and redacted
    /// like every text built from data.
    pub fn record(&self, line: impl FnOnce() -> String) {
        if let Some(trace) = &self.trace {
            trace.borrow_mut().push(redact(&line()));
        }
    }

    pub fn into_trace(self) -> Vec<String> {
        self.trace.map(RefCell::into_inner).unwrap_or_default()
    }
}

thread_local! {
    static CURRENT: Cell<*const Frame<'static>> = const { Cell::new(ptr::null()) };
}

/// Run `f` with `frame` as this thread's current evaluation.
pub fn enter<R>(frame: &Frame<'_>, f: impl FnOnce() -> R) -> R {
    /// Restores the previous frame even if `f` panics.
    struct Restore(*const Frame<'static>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let erased = (frame as *const Frame<'_>).cast::<Frame<'static>>();
    let _restore = Restore(CURRENT.with(|c| c.replace(erased)));
    f()
}

/// The terminate token of an evaluation whose operation budget is spent.
pub const OPERATIONS_SPENT: &str = "operation budget spent";

/// `Engine::on_progress` handler: charge one operation to the current
/// evaluation; `Some` (terminate) once its budget is spent. Outside an
/// evaluation (never, in practice) nothing is charged.
pub fn charge_operation() -> Option<Dynamic> {
    match with_frame(|frame| frame.spend_operation()) {
        Ok(false) => Some(Dynamic::from(OPERATIONS_SPENT)),
        _ => None,
    }
}

/// Call `f` with the current evaluation's frame.
pub fn with_frame<R>(f: impl FnOnce(&Frame<'_>) -> R) -> Result<R, Box<EvalAltResult>> {
    let current = CURRENT.with(Cell::get);
    if current.is_null() {
        return Err("the participant can only be read while a rule is evaluated".into());
    }
    // SAFETY: a non-null pointer was set by `enter` from a `&Frame` that
    // outlives the `enter` call, and `Restore` resets it before that borrow
    // ends; the thread-local is never shared between threads. `f` gets the
    // frame only for the duration of the call and its result cannot borrow
    // from it (the lifetimes are higher-ranked).
    let frame = unsafe { &*current };
    Ok(f(frame))
}

/// A value's type as rules know it: `Date`, `Decimal`, `string`, `()`, …
/// (rhai names custom types by their Rust path).
pub fn type_label(value: &Dynamic) -> &'static str {
    value.type_name().rsplit("::").next().unwrap_or("value")
}

/// A value as an explanation shows it: dates ISO, strings quoted, `()`.
pub fn show(value: &Dynamic) -> String {
    if let Some(d) = value.read_lock::<Date>() {
        return d.to_string();
    }
    if let Some(n) = value.read_lock::<NotYet>() {
        return n.to_string();
    }
    if value.is_string() {
        return format!("{:?}", value.clone().into_string().unwrap_or_default());
    }
    if value.is_array() {
        let items = value.clone().into_array().unwrap_or_default();
        return format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", "));
    }
    if value.is_map() {
        let entries = value
            .read_lock::<rhai::Map>()
            .map(|m| m.iter().map(|(k, v)| format!("{k}: {}", show(v))).collect::<Vec<_>>().join(", "));
        return format!("#{{{}}}", entries.unwrap_or_default());
    }
    if value.is_unit() {
        return "()".into();
    }
    value.to_string()
}
