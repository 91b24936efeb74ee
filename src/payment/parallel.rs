//! Evaluating records on several threads, with exactly the result of one.
//!
//! [`each_evaluated`] is [`each_bound_record`] with the evaluation of each
//! record spread over worker threads. The calling thread reads and binds
//! records (it owns the reader and the `observe` callback) and hands them
//! out in numbered batches; workers evaluate a batch each, with one shared
//! `&Evaluator` (its compiled rules are `Sync`); one collector thread takes
//! the batches back **in input order** and feeds each result to `take`.
//! So `take` sees exactly the sequence a single thread would give it, and
//! every sum, sort and error is the same: output is byte-identical for any
//! number of threads.
//!
//! Errors keep their single-thread meaning. A rule error stops the run at
//! the first record (in input order) whose evaluation failed: the
//! collector raises a stop flag, the reader stops reading, the workers stop
//! evaluating. A bad record stops the evaluation of every record after it,
//! but reading goes on so every bad record is reported at once.
//!
//! Memory is bounded: at most a few batches are in flight per worker
//! (bounded channels), whatever the size of the input.
//!
//! [`each_evaluated_in`] does the same for a reader that parses JSON Lines
//! on threads, with one pool instead of two: each record is parsed,
//! bound, seen by the watch and evaluated on the worker that read it
//! ([`RecordReader::each_mapped`]), and only its result comes back to the
//! calling thread, in input order. A record then never crosses threads:
//! freeing a record's allocations (two dozen then) on another thread than
//! the one that made them cost a sixth of the CPU of a run on two threads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

use std::ops::ControlFlow;

use super::{each_bound_record, Evaluator, Parts, Watch, MAX_RECORD_ERRORS};
use crate::diagnostic::Diagnostic;
use crate::records::{ErrorLimit, Record, RecordReader};

/// Records a worker evaluates at a time: large enough that handing out a
/// batch costs little beside evaluating it, small enough to keep the
/// workers evenly busy and memory low.
const BATCH: usize = 256;

/// Batches in flight per worker, on each side of the workers.
const IN_FLIGHT: usize = 2;

/// How many threads evaluate records: `0` or `1` evaluates on the calling
/// thread (the reference the others must equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads(pub usize);

impl Threads {
    /// One thread per core available, as `--threads` defaults to.
    pub fn available() -> Self {
        Threads(std::thread::available_parallelism().map_or(1, usize::from))
    }
}

impl Default for Threads {
    fn default() -> Self {
        Threads(1)
    }
}

/// Bind each record, show it to `observe` (on the calling thread, in input
/// order), evaluate it with `evaluate` (on `threads` workers, each with
/// [`Parts`] of its own; a result may keep the record) and hand the
/// results to `take` in input order; gives how many records were read.
/// The errors are those of [`each_bound_record`] doing the same on one
/// thread.
pub fn each_evaluated<T, E>(
    threads: Threads,
    evaluator: &Evaluator,
    records: impl Iterator<Item = Result<Record, Diagnostic>>,
    mut observe: impl FnMut(&Record),
    evaluate: impl Fn(&mut Parts, Record) -> Result<T, E> + Sync,
    take: impl FnMut(T) -> Result<(), E> + Send,
) -> Result<u64, E>
where
    T: Send,
    E: From<Vec<Diagnostic>> + Send,
{
    if threads.0 <= 1 {
        let (mut take, mut parts) = (take, evaluator.parts());
        return each_bound_record(evaluator, records, |record| {
            observe(&record);
            take(evaluate(&mut parts, record)?)
        });
    }
    let stop = AtomicBool::new(false);
    let (batches, work) = sync_channel::<Batch<Vec<Record>>>(threads.0 * IN_FLIGHT);
    let (results, done) = sync_channel::<Batch<Result<Vec<T>, E>>>(threads.0 * IN_FLIGHT);
    let work = Mutex::new(work);
    std::thread::scope(|scope| {
        for _ in 0..threads.0 {
            let results = results.clone();
            let (work, stop, evaluate) = (&work, &stop, &evaluate);
            scope.spawn(move || worker(work, &results, stop, evaluator.parts(), evaluate));
        }
        drop(results);
        let collector = scope.spawn(|| collect(done, &stop, take));
        let read = read(evaluator, records, &mut observe, batches, &stop);
        let collected = collector.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        collected?;
        read.map_err(E::from)
    })
}

/// [`each_evaluated`] over a reader, showing what `watch` keeps of each
/// bound record to it. A reader on threads
/// ([`RecordReader::maps_on_threads`]) binds, sees and evaluates each
/// record on the worker that parsed it ([`RecordReader::each_mapped`]), so
/// that a record is made, evaluated and freed on one thread and passes
/// through no other; the results come back in input order, to be taken
/// here. Otherwise the records are evaluated as [`each_evaluated`] does.
/// The results, errors and their order are the same either way.
pub fn each_evaluated_in<W: Watch, T, E>(
    threads: Threads,
    evaluator: &Evaluator,
    reader: &mut RecordReader,
    watch: &mut W,
    evaluate: impl Fn(&mut Parts, Record) -> Result<T, E> + Sync,
    mut take: impl FnMut(T) -> Result<(), E> + Send,
) -> Result<u64, E>
where
    T: Send + 'static,
    E: From<Vec<Diagnostic>> + Send + 'static,
{
    if !reader.maps_on_threads() {
        return each_evaluated(threads, evaluator, reader.by_ref(), |r| watch.record(W::see(r)), evaluate, take);
    }
    // Raised at the first bad record: evaluating the records after it
    // would be wasted, as their results are not taken.
    let bad = AtomicBool::new(false);
    let map = |parts: &mut Parts, record: Record| match evaluator.bind(record) {
        Err(d) => Bound::Refused(d),
        Ok(record) => {
            let seen = W::see(&record);
            if bad.load(Ordering::Relaxed) {
                Bound::Skipped(seen, Box::new(record))
            } else {
                Bound::Evaluated(seen, evaluate(parts, record))
            }
        }
    };
    let mut errors = ErrorLimit::new(MAX_RECORD_ERRORS);
    let (mut read, mut failed) = (0, None);
    // For a record skipped by a worker, evaluated here after all.
    let mut parts = evaluator.parts();
    reader.each_mapped(
        || evaluator.parts(),
        map,
        |item| {
            let result = match item {
                Err(d) | Ok(Bound::Refused(d)) => {
                    errors.push(d);
                    bad.store(true, Ordering::Relaxed);
                    return ControlFlow::Continue(());
                }
                Ok(_) if !errors.is_empty() => {
                    read += 1;
                    return ControlFlow::Continue(());
                }
                Ok(Bound::Evaluated(seen, result)) => {
                    watch.record(seen);
                    result
                }
                // Only a record after a bad one is skipped, and the first
                // bad one is always taken before it: kept for safety's sake.
                Ok(Bound::Skipped(seen, record)) => {
                    watch.record(seen);
                    evaluate(&mut parts, *record)
                }
            };
            read += 1;
            match result.and_then(&mut take) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    failed = Some(e);
                    ControlFlow::Break(())
                }
            }
        },
    );
    match failed {
        Some(e) => Err(e),
        None if errors.is_empty() => Ok(read),
        None => Err(errors.into_diagnostics().into()),
    }
}

/// What a worker made of one record: bound to the contract, what the
/// watch keeps of it, and its evaluation.
enum Bound<S, T, E> {
    /// The contract refuses it ([`Evaluator::bind`]).
    Refused(Diagnostic),
    Evaluated(S, Result<T, E>),
    /// Not evaluated: a record before it was bad. Boxed, as this is rare
    /// and every result is moved a few times on its way back.
    Skipped(S, Box<Record>),
}

/// Records, or their results, with their place in the input.
struct Batch<T> {
    number: u64,
    items: T,
}

/// The reading side, on the calling thread: bind, observe and batch
/// records until the input ends or the collector says stop. Batches are
/// sent only until the first bad record, as [`each_bound_record`] stops
/// taking records there; the records after it are still read for their
/// errors.
fn read(
    evaluator: &Evaluator,
    records: impl Iterator<Item = Result<Record, Diagnostic>>,
    observe: &mut impl FnMut(&Record),
    batches: SyncSender<Batch<Vec<Record>>>,
    stop: &AtomicBool,
) -> Result<u64, Vec<Diagnostic>> {
    let mut errors = ErrorLimit::new(MAX_RECORD_ERRORS);
    let mut read = 0;
    let mut number = 0;
    let mut batch = Vec::with_capacity(BATCH);
    let mut send = |items: Vec<Record>| {
        let sent = batches.send(Batch { number, items }).is_ok();
        number += 1;
        sent
    };
    for record in records {
        if stop.load(Ordering::Relaxed) {
            return Ok(read);
        }
        match record.and_then(|r| evaluator.bind(r)) {
            Ok(record) => {
                read += 1;
                if errors.is_empty() {
                    observe(&record);
                    batch.push(record);
                    if batch.len() == BATCH && !send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))) {
                        return Ok(read);
                    }
                }
            }
            Err(d) => {
                if errors.is_empty() && !batch.is_empty() {
                    send(std::mem::take(&mut batch));
                }
                errors.push(d);
            }
        }
    }
    if errors.is_empty() {
        if !batch.is_empty() {
            send(batch);
        }
        Ok(read)
    } else {
        Err(errors.into_diagnostics())
    }
}

/// A worker: evaluate batches until there are none (or the run stops),
/// each up to its first error.
fn worker<T, E>(
    work: &Mutex<Receiver<Batch<Vec<Record>>>>,
    results: &SyncSender<Batch<Result<Vec<T>, E>>>,
    stop: &AtomicBool,
    mut parts: Parts,
    evaluate: &(impl Fn(&mut Parts, Record) -> Result<T, E> + Sync),
) {
    loop {
        // The lock is held only to receive, never while evaluating.
        let next = work.lock().map_or(None, |work| work.recv().ok());
        let Some(Batch { number, items }) = next else { return };
        if stop.load(Ordering::Relaxed) {
            continue;
        }
        let items = items.into_iter().map(|record| evaluate(&mut parts, record)).collect::<Result<Vec<T>, E>>();
        if results.send(Batch { number, items }).is_err() {
            return;
        }
    }
}

/// The collector: hand results to `take` in input order, holding batches
/// that arrive early. On the first error (in input order) it raises `stop`
/// and keeps draining, so no worker waits forever on a full channel.
fn collect<T, E>(
    done: Receiver<Batch<Result<Vec<T>, E>>>,
    stop: &AtomicBool,
    mut take: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    let mut early = BTreeMap::new();
    let mut next = 0;
    let mut failed = None;
    for Batch { number, items } in done {
        if failed.is_some() {
            continue;
        }
        early.insert(number, items);
        while let Some(items) = early.remove(&next) {
            next += 1;
            if let Err(e) = items.and_then(|items| items.into_iter().try_for_each(&mut take)) {
                stop.store(true, Ordering::Relaxed);
                failed = Some(e);
                early.clear();
                break;
            }
        }
    }
    failed.map_or(Ok(()), Err)
}
