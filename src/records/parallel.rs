//! The JSON Lines reader on several threads, giving exactly what the
//! sequential reader ([`JsonLinesReader`](super::jsonl::JsonLinesReader))
//! gives, in the same order.
//!
//! A reading thread reads the input straight into blocks of whole lines:
//! it looks at the bytes only to find the last line end (and to count
//! lines, so each block knows the number of its first line), and carries
//! the start of a line cut off over to the next block. An over-long line
//! is read to its end without being kept. Worker threads split each block
//! into lines and run the pure step ([`jsonl::prepare`]: the fast path)
//! on every line. The iterator, on the consumer's thread, takes the blocks
//! back in input order and runs the stateful step ([`jsonl::Settle`]):
//! the duplicate check, and the full reader on every line the fast path
//! did not take, so each diagnostic and the duplicate table are as the
//! sequential reader makes them. Finished blocks' buffers go back to the
//! reading thread.
//!
//! Order without a reorder buffer: for each block the reading thread
//! makes a one-shot channel, gives its sending end to the workers with the
//! block and queues its receiving end for the iterator in input order.
//! Both queues are bounded, so a few blocks per worker are in memory at
//! most. Dropping the iterator closes its queue: the reading thread stops
//! at its next send and drops the workers' queue, the workers finish their
//! block and stop, and the drop waits for all of them.
//!
//! A worker that fails leaves its block to the iterator, which then runs
//! the pure step itself; a reading thread that fails is an error, never a
//! silently short input.
//!
//! Summarising (`tulos records`, [`ParallelJsonLines::summarise`]) goes
//! further: the workers count each block's fast-path records into a part
//! of the summary and drop them where they were made, and hand on only
//! what the in-order step needs (id, arm, contract, hash, earnings). The
//! consumer's thread then runs each record's duplicate check and adds its
//! earnings in order, and merges the block's part. Freeing a record's
//! allocations (two dozen then) on another thread than the one that made them,
//! and adding up on one thread what any thread can count, cost a quarter
//! of the CPU on two threads. A block whose record is a duplicate or would
//! overflow the earnings' total is read again on the consumer's thread
//! and handed out record by record, so the summary and the diagnostics are
//! always those of adding every record in order.
//!
//! Mapping ([`ParallelJsonLines::each_mapped`], for a calculation) runs a
//! caller's pure function on each fast-path record on the worker that
//! parsed it, on scoped threads started for the purpose (so the function
//! may borrow, say, the contract's compiled rules); the workers keep of
//! each record only its duplicate check's key. Workers start on first use
//! for this reason: the iterator and summarising start them as threads
//! of their own, mapping within its scope.

use std::any::Any;
use std::io::{BufRead, ErrorKind};
use std::ops::{ControlFlow, Range};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use rust_decimal::Decimal;

use super::jsonl::{self, trim_line_end, LineSource, Parsed, RawLine, Settle};
use super::model::{Arm, Record};
use super::summary::Summary;
use super::MAX_LINE_BYTES;
use crate::diagnostic::{Diagnostic, Location};

/// Where the reading thread cuts a block: after this many lines or once
/// it holds this many bytes, whichever comes first.
#[derive(Debug, Clone, Copy)]
pub(super) struct BlockLimit {
    pub lines: usize,
    pub bytes: usize,
}

impl Default for BlockLimit {
    /// About 256 KiB: a few hundred records, enough that handing a block
    /// over costs little beside reading it. Never more than a line may
    /// hold, so that only an over-long line grows a block past it.
    fn default() -> Self {
        BlockLimit { lines: usize::MAX, bytes: 256 << 10 }
    }
}

impl BlockLimit {
    /// Blocks of at most `lines` lines, read a few hundred bytes at a
    /// time so that a block of one line does not carry a large remainder.
    pub(super) fn lines(lines: usize) -> Self {
        BlockLimit { lines, bytes: lines.saturating_mul(256).min(Self::default().bytes) }
    }
}

/// Whole lines read by the reading thread, not yet split: the workers
/// split them, so the reading thread only reads and finds where to cut.
struct Block {
    /// The lines' bytes are `data[..filled]`, one after another, line ends
    /// included (the last line of the input may have none). The rest of
    /// `data` is scratch, kept when the buffer is reused.
    data: Vec<u8>,
    filled: usize,
    /// Physical number of the first line in `data`, and its byte offset in
    /// the file.
    first_line: u64,
    start: u64,
    /// A line after those of `data` that was longer than
    /// [`MAX_LINE_BYTES`]: skipped, its bytes not kept.
    too_long: Option<RawLine>,
}

/// One line of a block and what the pure step made of it.
struct Line {
    raw: RawLine,
    /// Where its bytes are in the block's `data` (empty when too long).
    bytes: Range<usize>,
    step: Step,
}

impl Line {
    /// The duplicate check's hash of a record a worker counted or mapped.
    fn hash(&self) -> Option<u64> {
        match &self.step {
            Step::Counted { key, .. } | Step::Mapped(key) => Some(key.hash),
            Step::Parsed(_) => None,
        }
    }
}

/// What a worker made of one line.
enum Step {
    Parsed(Parsed),
    /// A record of the fast path, counted into its block's [`Prepared`]
    /// counts and dropped on the worker (where it was made, which is
    /// cheaper than freeing it on another thread): what is left is what
    /// the in-order step needs, the duplicate check and the earnings.
    Counted {
        key: Key,
        /// Its earnings' amounts in the block's [`Prepared::amounts`].
        amounts: Range<usize>,
    },
    /// A record of the fast path that a worker mapped: what the map made
    /// of it is the next of its block's [`Prepared::mapped`].
    Mapped(Key),
}

impl Step {
    /// What the pure step makes of the line: a counted or mapped record
    /// is read again (the step is pure, so it gives the same record).
    fn into_parsed(self, bytes: &[u8], raw: &RawLine, file: &Arc<PathBuf>) -> Parsed {
        match self {
            Step::Parsed(parsed) => parsed,
            Step::Counted { .. } | Step::Mapped(_) => jsonl::prepare(bytes, raw, file),
        }
    }
}

/// What the in-order step needs of a record a worker counted or mapped:
/// its duplicate check's key, with its texts in the block's
/// [`Prepared::names`] (one string per block rather than two per record,
/// and every record freed on the worker that made it).
struct Key {
    id: Range<usize>,
    contract: Option<Range<usize>>,
    arm: Arm,
    hash: u64,
}

impl Key {
    fn of(record: &Record, hash: u64, names: &mut String) -> Self {
        let mut add = |text: &str| {
            names.push_str(text);
            names.len() - text.len()..names.len()
        };
        Key { id: add(&record.id), contract: record.contract.as_deref().map(add), arm: record.arm, hash }
    }
}

/// What a worker made of a block.
#[derive(Default)]
struct Prepared {
    lines: Vec<Line>,
    /// When summarising: what the lines the fast path took add to a
    /// summary ([`Summary::count_in`]: all but the earnings' total, which
    /// is summed in input order).
    counts: Option<Summary>,
    /// The earnings' amounts of the counted lines, one after another.
    amounts: Vec<Decimal>,
    /// The texts of the counted or mapped records' [`Key`]s; when
    /// mapping, what the map made of each record, in line order: a
    /// `std::vec::IntoIter<T>` of the map's `T` (the reading side does not
    /// know `T`).
    names: String,
    mapped: Option<Box<dyn Any + Send>>,
}

impl Block {
    /// Splits the block into lines and runs the pure step on each; with
    /// `counting`, also counts the fast path's records for a summary.
    fn prepare(&self, file: &Arc<PathBuf>, counting: bool) -> Prepared {
        let mut counts = counting.then(Summary::default);
        let (mut amounts, mut names) = (Vec::new(), String::new());
        let lines = self.lines(file, |record, hash| match counts.as_mut() {
            Some(counts) => count(record, hash, counts, &mut amounts, &mut names),
            None => Step::Parsed(Parsed::Record(Box::new(record), hash)),
        });
        Prepared { lines, counts, amounts, names, ..Prepared::default() }
    }

    /// Splits the block into lines and runs the pure step on each, then
    /// `map` on each record of the fast path: the record is made, used and
    /// freed on this thread.
    fn map<T: Send + 'static>(&self, file: &Arc<PathBuf>, map: &mut impl FnMut(Record) -> T) -> Prepared {
        let (mut names, mut values) = (String::new(), Vec::new());
        let lines = self.lines(file, |record, hash| {
            let key = Key::of(&record, hash, &mut names);
            values.push(map(record));
            Step::Mapped(key)
        });
        Prepared { lines, names, mapped: Some(Box::new(values.into_iter())), ..Prepared::default() }
    }

    /// Splits the block into lines and runs the pure step on each; `keep`
    /// says what is kept of each record the fast path took.
    fn lines(&self, file: &Arc<PathBuf>, mut keep: impl FnMut(Record, u64) -> Step) -> Vec<Line> {
        let data = &self.data[..self.filled];
        let mut lines = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i + 1);
            let number = self.first_line + lines.len() as u64;
            let too_long = trim_line_end(&data[at..end]).len() > MAX_LINE_BYTES;
            let raw = RawLine { number, start: self.start + at as u64, too_long };
            let bytes = if too_long { at..at } else { at..end };
            let step = match jsonl::prepare_unboxed(&data[bytes.clone()], &raw, file) {
                Parsed::Record(record, hash) => keep(record, hash),
                parsed => Step::Parsed(parsed.boxed()),
            };
            lines.push(Line { raw, step, bytes });
            at = end;
        }
        lines.extend(self.too_long.map(|raw| Line { raw, bytes: 0..0, step: Step::Parsed(Parsed::Other) }));
        lines
    }
}

/// Counts `record` into `counts`, its earnings into `amounts`, and keeps
/// of it only what the in-order step needs.
fn count(record: Record, hash: u64, counts: &mut Summary, amounts: &mut Vec<Decimal>, names: &mut String) -> Step {
    counts.count_in(&record);
    let start = amounts.len();
    amounts.extend(record.earnings.iter().map(|e| e.amount));
    Step::Counted { key: Key::of(&record, hash, names), amounts: start..amounts.len() }
}

/// Blocks read ahead of the in-order thread, per worker. The in-order
/// thread is often not running (there are more threads than cores): a
/// few blocks ahead, the workers soon had nothing to do until it caught
/// up, and a run on two cores kept them busy 90 % of the time. Eight
/// (some 4 MiB of blocks, and what was made of them) keep them busier:
/// −3 % wall time for 1M records.
const AHEAD: usize = 8;

/// A block for the workers, and where to send what they made of it.
struct Job {
    block: Arc<Block>,
    lines: SyncSender<Prepared>,
}

/// A block for the iterator, in input order.
struct Ordered {
    block: Arc<Block>,
    /// What the workers made of it; closed unsent if a worker failed.
    lines: Receiver<Prepared>,
    /// Why the input ends after this block, when it could not be read.
    failure: Option<Diagnostic>,
    /// Nothing follows this block.
    last: bool,
}

/// The block the iterator is handing out.
struct Current {
    block: Arc<Block>,
    lines: std::vec::IntoIter<Line>,
    counts: Option<Summary>,
    amounts: Vec<Decimal>,
    names: String,
    mapped: Option<Box<dyn Any + Send>>,
    failure: Option<Diagnostic>,
    last: bool,
}

/// Streams [`Record`]s out of a JSON Lines input read on other threads.
pub(super) struct ParallelJsonLines {
    settle: Settle,
    /// `None` once dropping: closing it stops the threads.
    blocks: Option<Receiver<Ordered>>,
    current: Option<Current>,
    /// Buffers of blocks handed out, back to the reading thread: reusing
    /// them spares the kernel zeroing fresh pages for every block.
    spare: SyncSender<Vec<u8>>,
    /// Where the reading thread queues blocks for the workers; `None`
    /// once dropping, or when no worker could be started (the reading
    /// thread's sends then fail, and the iterator prepares each block).
    jobs: Option<Arc<Mutex<Receiver<Job>>>>,
    /// How many workers to start, and whether they were: workers start
    /// on first use, as threads of their own for the iterator and
    /// [`ParallelJsonLines::summarise`], or within
    /// [`ParallelJsonLines::each_mapped`], which borrows what they run.
    workers: usize,
    started: bool,
    /// Set once summarising: the workers then count records for the
    /// summary ([`ParallelJsonLines::summarise`]).
    counting: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    finished: bool,
}

impl ParallelJsonLines {
    /// Goes on reading `source` with `workers` threads for the pure step
    /// (at least one), `settle` holding what was read before.
    pub(super) fn start<R: BufRead + Send + 'static>(
        source: LineSource<R>,
        settle: Settle,
        workers: usize,
        limit: BlockLimit,
    ) -> Self {
        let workers = workers.max(1);
        let (job_tx, job_rx) = sync_channel::<Job>(workers);
        let (order_tx, order_rx) = sync_channel::<Ordered>(AHEAD * workers);
        // Every block in flight, and one being read.
        let (spare_tx, spare_rx) = sync_channel::<Vec<u8>>((AHEAD + 1) * workers + 2);
        let file = Arc::clone(settle.file());
        let mut blocks = Blocks::new(source, limit);
        // A reading thread that cannot start drops `order_tx`: the
        // iterator reports that the input could not be read.
        let reading = std::thread::Builder::new()
            .name("tulos-records-read".to_owned())
            .spawn(move || read_blocks(&mut blocks, &file, &spare_rx, &job_tx, &order_tx));
        ParallelJsonLines {
            settle,
            blocks: Some(order_rx),
            current: None,
            spare: spare_tx,
            jobs: Some(Arc::new(Mutex::new(job_rx))),
            workers,
            started: false,
            counting: Arc::new(AtomicBool::new(false)),
            threads: reading.ok().into_iter().collect(),
            finished: false,
        }
    }

    /// Starts the workers as threads of their own, unless they were
    /// started. A worker that cannot start only leaves more to the
    /// iterator; with none, the iterator prepares every block.
    fn start_workers(&mut self) {
        if std::mem::replace(&mut self.started, true) {
            return;
        }
        let Some(jobs) = &self.jobs else { return };
        let before = self.threads.len();
        for i in 0..self.workers {
            let (jobs, file, counting) = (Arc::clone(jobs), Arc::clone(self.settle.file()), Arc::clone(&self.counting));
            let spawned = std::thread::Builder::new()
                .name(format!("tulos-records-{i}"))
                .spawn(move || work(&jobs, &file, &counting));
            self.threads.extend(spawned.ok());
        }
        if self.threads.len() == before {
            self.jobs = None;
        }
    }

    /// The next block in input order, or the diagnostic of a reading
    /// thread that stopped before the end.
    fn next_block(&mut self) -> Result<Current, Diagnostic> {
        let ordered = self.blocks.as_ref().and_then(|blocks| blocks.recv().ok()).ok_or_else(|| {
            let message = "cannot read the file: the reading thread stopped before the end";
            Diagnostic::error(&**self.settle.file(), Location::File, message)
        })?;
        let prepared = ordered.lines.recv().unwrap_or_else(|_| ordered.block.prepare(self.settle.file(), false));
        Ok(Current {
            block: ordered.block,
            lines: prepared.lines.into_iter(),
            counts: prepared.counts,
            amounts: prepared.amounts,
            names: prepared.names,
            mapped: prepared.mapped,
            failure: ordered.failure,
            last: ordered.last,
        })
    }

    /// Done with the current block: its buffer goes back to the reading
    /// thread, unless a worker still holds it or enough are spare.
    fn finish_block(&mut self, current: Current) {
        if let Ok(block) = Arc::try_unwrap(current.block) {
            let _ = self.spare.try_send(block.data);
        }
    }
}

/// What summarising hands out, item by item in input order: `None` for a
/// record a worker counted in already, or an item as the iterator gives
/// it, for the caller to count in.
pub(super) type Each<'a> = dyn FnMut(&mut Summary, Option<Result<Record, Diagnostic>>) + 'a;

impl ParallelJsonLines {
    /// Reads the rest of the input into `summary`, each item handed to
    /// `each`. The summary is the one counting every record in, in order,
    /// gives ([`Summary::add`]): workers count the fast path's records of
    /// each block and drop them, and here, in input order, each record has
    /// its duplicate check and its earnings added to the total (a decimal
    /// sum must keep its order); a block's counts are merged in once all
    /// its records passed both.
    pub(super) fn summarise(&mut self, summary: &mut Summary, each: &mut Each<'_>) {
        self.counting.store(true, Ordering::Relaxed);
        self.start_workers();
        while let Some(d) = self.settle.pending() {
            each(summary, Some(Err(d)));
        }
        if let Some(mut block) = self.current.take() {
            // Begun by the iterator: its counts (none, as it was not
            // counting then) would hold lines already handed out.
            block.counts = None;
            self.settle_rest(&mut block, summary, each);
            self.end_block(block, summary, each);
        }
        while !self.finished {
            let mut block = match self.next_block() {
                Ok(block) => block,
                Err(d) => {
                    self.finished = true;
                    each(summary, Some(Err(d)));
                    break;
                }
            };
            match block.counts.take() {
                Some(counts) => self.settle_counted(&mut block, &counts, summary, each),
                None => self.settle_rest(&mut block, summary, each),
            }
            self.end_block(block, summary, each);
        }
    }

    /// Done with `block`: its buffer goes back, and what ended the input
    /// after it is handed out.
    fn end_block(&mut self, mut block: Current, summary: &mut Summary, each: &mut Each<'_>) {
        let (failure, last) = (block.failure.take(), block.last);
        self.finish_block(block);
        self.finished = last;
        if let Some(d) = failure {
            each(summary, Some(Err(d)));
        }
    }

    /// Hands out the rest of `block`'s lines as the iterator does.
    fn settle_rest(&mut self, block: &mut Current, summary: &mut Summary, each: &mut Each<'_>) {
        for line in block.lines.by_ref() {
            let bytes = &block.block.data[line.bytes];
            let parsed = line.step.into_parsed(bytes, &line.raw, self.settle.file());
            self.settle_line(bytes, &line.raw, parsed, summary, each);
        }
    }

    /// Hands out one line as the iterator does: its record or its
    /// diagnostics, if any.
    fn settle_line(&mut self, bytes: &[u8], raw: &RawLine, parsed: Parsed, summary: &mut Summary, each: &mut Each<'_>) {
        if let Some(item) = self.settle.settle(bytes, raw, parsed) {
            each(summary, Some(item));
        }
        while let Some(d) = self.settle.pending() {
            each(summary, Some(Err(d)));
        }
    }

    /// Hands out a block a worker counted: in order, each counted record's
    /// duplicate check and earnings, the other lines as the iterator hands
    /// them out; then the block's counts at once. A record the check
    /// refuses, or whose earnings would overflow the total, makes the
    /// block be read again ([`ParallelJsonLines::recount`]).
    fn settle_counted(&mut self, block: &mut Current, counts: &Summary, summary: &mut Summary, each: &mut Each<'_>) {
        let mut refused = None;
        self.settle.look_ahead(block.lines.as_slice().iter().filter_map(Line::hash));
        for (i, line) in block.lines.by_ref().enumerate() {
            let bytes = &block.block.data[line.bytes];
            match line.step {
                Step::Counted { key, amounts } => {
                    let contract = key.contract.map(|c| &block.names[c]);
                    if !self.settle.is_new(&block.names[key.id], key.arm, contract, line.raw.number, key.hash) {
                        refused = Some((i, false));
                        break;
                    }
                    if !summary.add_earnings(block.amounts[amounts].iter().copied()) {
                        refused = Some((i, true));
                        break;
                    }
                    each(summary, None);
                }
                step => {
                    let parsed = step.into_parsed(bytes, &line.raw, self.settle.file());
                    self.settle_line(bytes, &line.raw, parsed, summary, each);
                }
            }
        }
        match refused {
            Some((at, checked)) => self.recount(block, at, checked, summary, each),
            None => summary.merge_counts(counts),
        }
    }

    /// Reads `block` again from its start (the pure step gives the same
    /// records) when its line `at`, a counted record, was refused by the
    /// duplicate check or, once `checked` by it, would overflow the
    /// earnings' total: the records before it are counted in one by one
    /// instead of the block's counts, and it and the lines after it are
    /// handed out as the iterator hands them out.
    fn recount(&mut self, block: &Current, at: usize, checked: bool, summary: &mut Summary, each: &mut Each<'_>) {
        let file = Arc::clone(self.settle.file());
        for (i, line) in block.block.prepare(&file, false).lines.into_iter().enumerate() {
            let bytes = &block.block.data[line.bytes];
            match (i.cmp(&at), line.step.into_parsed(bytes, &line.raw, &file)) {
                (std::cmp::Ordering::Less, Parsed::Record(record, _)) => summary.count_in(&record),
                // Handed out already.
                (std::cmp::Ordering::Less, _) => {}
                // Its duplicate check was done: the summary refuses it.
                (std::cmp::Ordering::Equal, Parsed::Record(record, _)) if checked => each(summary, Some(Ok(*record))),
                (_, parsed) => self.settle_line(bytes, &line.raw, parsed, summary, each),
            }
        }
    }
}

impl ParallelJsonLines {
    /// Hands the rest of the input to `each`, item by item in input order,
    /// exactly as the iterator gives it, but with every record mapped by
    /// `map` first: on the worker that parsed it, when the workers are
    /// started here (on scoped threads, so `map` may borrow), else on this
    /// thread. Each thread maps with a `scratch` of its own. `map` must be
    /// a pure function of the record (its scratch may only save work): a
    /// record the duplicate check refuses was mapped already, and that is
    /// dropped. A `Break` from `each` stops the reading; the reader is then
    /// done.
    pub(super) fn each_mapped<S, T: Send + 'static>(
        &mut self,
        scratch: &(impl Fn() -> S + Sync),
        map: &(impl Fn(&mut S, Record) -> T + Sync),
        each: &mut impl FnMut(Result<T, Diagnostic>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut own = scratch();
        let mut map_here = |record| map(&mut own, record);
        let Some(jobs) = self.jobs.as_ref().filter(|_| !self.started).map(Arc::clone) else {
            self.start_workers();
            return self.hand_out_mapped(&mut map_here, each);
        };
        self.started = true;
        let file = Arc::clone(self.settle.file());
        // Raised when `each` stops: the workers drop the blocks left.
        let stopped = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let spawned = (0..self.workers)
                .filter(|i| {
                    let (jobs, file, stopped) = (Arc::clone(&jobs), &file, &stopped);
                    let worker = std::thread::Builder::new().name(format!("tulos-records-{i}"));
                    worker.spawn_scoped(scope, move || work_mapped(&jobs, file, scratch, map, stopped)).is_ok()
                })
                .count();
            if spawned == 0 {
                // Nobody takes the reading thread's blocks: let its sends
                // fail, so that every block is prepared here.
                self.jobs = None;
            }
            let flow = self.hand_out_mapped(&mut map_here, each);
            if flow.is_break() {
                stopped.store(true, Ordering::Relaxed);
                // The reading thread stops at its next send, and then the
                // workers, which the scope waits for.
                self.blocks = None;
                self.finished = true;
            }
            flow
        })
    }

    /// The consuming side of [`ParallelJsonLines::each_mapped`]: each
    /// mapped record's duplicate check, in input order, and every other
    /// line as the iterator hands it out, its record mapped here.
    fn hand_out_mapped<T: 'static>(
        &mut self,
        map: &mut impl FnMut(Record) -> T,
        each: &mut impl FnMut(Result<T, Diagnostic>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        while let Some(d) = self.settle.pending() {
            each(Err(d))?;
        }
        while !self.finished {
            let mut block = match self.current.take().map_or_else(|| self.next_block(), Ok) {
                Ok(block) => block,
                Err(d) => {
                    self.finished = true;
                    return each(Err(d));
                }
            };
            let mut values = block.mapped.take().and_then(|m| m.downcast::<std::vec::IntoIter<T>>().ok());
            self.settle.look_ahead(block.lines.as_slice().iter().filter_map(Line::hash));
            for line in block.lines.by_ref() {
                let bytes = &block.block.data[line.bytes];
                let parsed = match line.step {
                    Step::Mapped(key) => {
                        let value = values.as_mut().and_then(|values| values.next());
                        let contract = key.contract.map(|c| &block.names[c]);
                        let id = &block.names[key.id];
                        match value {
                            Some(value) if self.settle.is_new(id, key.arm, contract, line.raw.number, key.hash) => {
                                each(Ok(value))?;
                                continue;
                            }
                            // A repeat: the full reader reads it again and
                            // words it.
                            _ => Parsed::Other,
                        }
                    }
                    step => step.into_parsed(bytes, &line.raw, self.settle.file()),
                };
                self.map_line(bytes, &line.raw, parsed, map, each)?;
            }
            let (failure, last) = (block.failure.take(), block.last);
            self.finish_block(block);
            self.finished = last;
            if let Some(d) = failure {
                each(Err(d))?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Hands out one line as the iterator does, its record mapped by `map`.
    fn map_line<T>(
        &mut self,
        bytes: &[u8],
        raw: &RawLine,
        parsed: Parsed,
        map: &mut impl FnMut(Record) -> T,
        each: &mut impl FnMut(Result<T, Diagnostic>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if let Some(item) = self.settle.settle(bytes, raw, parsed) {
            each(item.map(map))?;
        }
        while let Some(d) = self.settle.pending() {
            each(Err(d))?;
        }
        ControlFlow::Continue(())
    }
}

impl Iterator for ParallelJsonLines {
    type Item = Result<Record, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        self.start_workers();
        if let Some(d) = self.settle.pending() {
            return Some(Err(d));
        }
        while !self.finished {
            let Some(current) = &mut self.current else {
                match self.next_block() {
                    Ok(block) => self.current = Some(block),
                    Err(d) => {
                        self.finished = true;
                        return Some(Err(d));
                    }
                }
                continue;
            };
            for line in current.lines.by_ref() {
                let bytes = &current.block.data[line.bytes];
                let parsed = line.step.into_parsed(bytes, &line.raw, self.settle.file());
                if let Some(item) = self.settle.settle(bytes, &line.raw, parsed) {
                    return Some(item);
                }
            }
            let Some(mut current) = self.current.take() else { break };
            let (failure, last) = (current.failure.take(), current.last);
            self.finish_block(current);
            self.finished = last;
            if let Some(d) = failure {
                return Some(Err(d));
            }
        }
        None
    }
}

impl Drop for ParallelJsonLines {
    fn drop(&mut self) {
        // Without its queues the reading thread stops at its next send,
        // and the workers once it is gone.
        self.blocks = None;
        self.jobs = None;
        for thread in self.threads.drain(..) {
            // A thread that panicked has nothing more to say here.
            let _ = thread.join();
        }
    }
}

/// The reading thread's side: cuts the input into blocks of whole lines,
/// reading straight into each block's buffer. It looks at the bytes only
/// to find line ends; a line still without one past [`MAX_LINE_BYTES`]
/// is skipped to its end without being kept.
struct Blocks<R> {
    input: R,
    limit: BlockLimit,
    /// Lines cut into blocks so far (the number of the last one).
    line: u64,
    /// Byte offset in the file of the next line.
    offset: u64,
    /// The start of a line read with the block before, for the next one.
    carry: Vec<u8>,
    /// Set at the end of the input or after an I/O error.
    done: bool,
}

/// What ends a block besides its limits.
enum End {
    /// The input goes on.
    More,
    /// The end of the input.
    Last,
    /// The input could not be read further.
    Failed(Diagnostic),
}

impl<R: BufRead> Blocks<R> {
    fn new(source: LineSource<R>, limit: BlockLimit) -> Self {
        let LineSource { input, line, offset, done } = source;
        let limit = BlockLimit { lines: limit.lines.max(1), bytes: limit.bytes.clamp(1, MAX_LINE_BYTES) };
        Blocks { input, limit, line, offset, carry: Vec::new(), done }
    }

    /// The next block, read into `data` (a spare buffer or a new one).
    fn next(&mut self, mut data: Vec<u8>, file: &Arc<PathBuf>) -> (Block, End) {
        // Room for the carried start of a line and at least as much again.
        let room = self.limit.bytes.max(2 * self.carry.len());
        if data.len() < room {
            data.resize(room, 0);
        }
        let mut block = Block { data, filled: 0, first_line: self.line + 1, start: self.offset, too_long: None };
        if self.done {
            return (block, End::Last);
        }
        block.data[..self.carry.len()].copy_from_slice(&self.carry);
        block.filled = self.carry.len();
        self.carry.clear();
        // Lines whose end was found, the end of the last of them, and how
        // far the bytes were searched.
        let (mut lines, mut cut, mut searched) = (0u64, 0, 0);
        let end = loop {
            for i in memchr::memchr_iter(b'\n', &block.data[searched..block.filled]) {
                lines += 1;
                cut = searched + i + 1;
                if lines as usize == self.limit.lines {
                    break;
                }
            }
            searched = if lines as usize == self.limit.lines { cut } else { block.filled };
            if lines as usize == self.limit.lines || (lines > 0 && block.filled >= self.limit.bytes) {
                break End::More;
            }
            if block.filled - cut > MAX_LINE_BYTES + 1 {
                // Only the first line of a block can get here: a block with
                // a line end stops at its byte limit first.
                return self.skip_too_long(block, file);
            }
            if block.filled == block.data.len() {
                let grown = 2 * block.data.len();
                block.data.resize(grown, 0);
            }
            match self.input.read(&mut block.data[block.filled..]) {
                Ok(0) => {
                    // The last line of the input, without a line end.
                    if block.filled > cut {
                        (lines, cut) = (lines + 1, block.filled);
                    }
                    break End::Last;
                }
                Ok(read) => block.filled += read,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => break End::Failed(self.failed(lines, &e, file)),
            }
        };
        self.done = !matches!(end, End::More);
        self.carry.extend_from_slice(&block.data[cut..block.filled]);
        block.filled = cut;
        self.line += lines;
        self.offset += cut as u64;
        (block, end)
    }

    /// A block of nothing but the over-long line at its start: the line is
    /// read to its end and dropped.
    fn skip_too_long(&mut self, mut block: Block, file: &Arc<PathBuf>) -> (Block, End) {
        let mut skipped = block.filled as u64;
        let end = loop {
            match self.input.read(&mut block.data) {
                Ok(0) => break End::Last,
                Ok(read) => match memchr::memchr(b'\n', &block.data[..read]) {
                    Some(i) => {
                        self.carry.extend_from_slice(&block.data[i + 1..read]);
                        skipped += i as u64 + 1;
                        break End::More;
                    }
                    None => skipped += read as u64,
                },
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    // The line was never read whole: the failure is all
                    // there is to say about it.
                    block.filled = 0;
                    self.done = true;
                    return (block, End::Failed(self.failed(0, &e, file)));
                }
            }
        };
        self.done = !matches!(end, End::More);
        self.line += 1;
        block.filled = 0;
        block.too_long = Some(RawLine { number: self.line, start: self.offset, too_long: true });
        self.offset += skipped;
        (block, end)
    }

    /// The diagnostic of a read that failed after `lines` whole lines of
    /// the block: it names the line being read.
    fn failed(&self, lines: u64, error: &std::io::Error, file: &Arc<PathBuf>) -> Diagnostic {
        let location = Location::Line { line: self.line + lines + 1, column: None };
        Diagnostic::error(&**file, location, format!("cannot read the file: {error}"))
    }
}

/// The reading thread: cuts the input into blocks and hands each to the
/// workers and, in order, to the iterator, until the end of the input or
/// until the iterator is gone.
fn read_blocks<R: BufRead>(
    blocks: &mut Blocks<R>,
    file: &Arc<PathBuf>,
    spare: &Receiver<Vec<u8>>,
    jobs: &SyncSender<Job>,
    order: &SyncSender<Ordered>,
) {
    loop {
        let (block, end) = blocks.next(spare.try_recv().unwrap_or_default(), file);
        let (failure, last) = match end {
            End::More => (None, false),
            End::Last => (None, true),
            End::Failed(d) => (Some(d), true),
        };
        let block = Arc::new(block);
        let (lines_tx, lines_rx) = sync_channel(1);
        let ordered = Ordered { block: Arc::clone(&block), lines: lines_rx, failure, last };
        if order.send(ordered).is_err() {
            return;
        }
        // With no worker left the send fails and drops `lines_tx`: the
        // iterator then prepares the block itself.
        let _ = jobs.send(Job { block, lines: lines_tx });
        if last {
            return;
        }
    }
}

/// A worker thread: runs the pure step on each block it takes, until the
/// reading thread is gone.
fn work(jobs: &Mutex<Receiver<Job>>, file: &Arc<PathBuf>, counting: &AtomicBool) {
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(Job { block, lines }) = job else { return };
        let prepared = block.prepare(&block_file(file), counting.load(Ordering::Relaxed));
        // Let go of the block before the iterator sees it done, so that
        // its buffer can be reused.
        drop(block);
        // The iterator may be gone; then nobody needs the block.
        let _ = lines.send(prepared);
    }
}

/// The file name for one block's records: a copy of its own, so that the
/// records of different workers do not count their references to it on
/// one shared cache line (each record's `Origin` holds one).
fn block_file(file: &Arc<PathBuf>) -> Arc<PathBuf> {
    Arc::new(PathBuf::clone(file))
}

/// A worker of [`ParallelJsonLines::each_mapped`]: runs the pure step
/// and `map` (with a scratch of its own) on each block it takes, until the
/// reading thread is gone; once `stopped`, it drops the blocks it takes.
fn work_mapped<S, T: Send + 'static>(
    jobs: &Mutex<Receiver<Job>>,
    file: &Arc<PathBuf>,
    scratch: &impl Fn() -> S,
    map: &impl Fn(&mut S, Record) -> T,
    stopped: &AtomicBool,
) {
    let mut own = scratch();
    let mut map = |record| map(&mut own, record);
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(Job { block, lines }) = job else { return };
        if stopped.load(Ordering::Relaxed) {
            continue;
        }
        let prepared = block.map(&block_file(file), &mut map);
        drop(block);
        let _ = lines.send(prepared);
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use super::*;
    use crate::records::jsonl::JsonLinesReader;

    /// Gives `bytes` a few at a time, then fails (or ends, when `fails`
    /// is false): reads come in odd sizes, as from a pipe.
    struct Input {
        bytes: Vec<u8>,
        at: usize,
        fails: bool,
    }

    impl Read for Input {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.at == self.bytes.len() {
                return if self.fails { Err(std::io::Error::other("the disk went away")) } else { Ok(0) };
            }
            let n = buf.len().min(self.bytes.len() - self.at).min(1 + self.at % 977);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn input(bytes: &[u8], fails: bool) -> BufReader<Input> {
        BufReader::new(Input { bytes: bytes.to_vec(), at: 0, fails })
    }

    fn shown(items: impl Iterator<Item = Result<Record, Diagnostic>>) -> Vec<String> {
        items.map(|item| format!("{item:?}")).collect()
    }

    /// What the sequential reader and the parallel one with `limit` make
    /// of `bytes`.
    fn both(bytes: &[u8], fails: bool, limit: BlockLimit) -> (Vec<String>, Vec<String>) {
        let file = Arc::new(PathBuf::from("t.jsonl"));
        let sequential = shown(JsonLinesReader::new(input(bytes, fails), Arc::clone(&file), None));
        let (source, settle) = JsonLinesReader::new(input(bytes, fails), file, None).into_parts();
        (sequential, shown(ParallelJsonLines::start(source, settle, 2, limit)))
    }

    fn line(id: &str) -> String {
        format!("{{\"id\":\"{id}\",\"service\":{{\"start\":\"2026-01-12\"}}}}\n")
    }

    #[test]
    fn a_failing_read_ends_the_input_where_the_sequential_reader_ends_it() {
        let mut bytes: Vec<u8> = (0..40).flat_map(|i| line(&format!("P-{i}")).into_bytes()).collect();
        // The read fails in the middle of a line.
        bytes.extend_from_slice(br#"{"id":"P-half","#);
        for limit in [BlockLimit::lines(1), BlockLimit::lines(3), BlockLimit::default()] {
            let (sequential, parallel) = both(&bytes, true, limit);
            assert_eq!(parallel, sequential, "{limit:?}");
            assert_eq!(sequential.len(), 41);
            assert!(sequential[40].contains("cannot read the file: the disk went away"), "{}", sequential[40]);
            assert!(sequential[40].contains("line: 41"), "{}", sequential[40]);
        }
    }

    #[test]
    fn lines_at_the_length_limit_are_cut_as_the_sequential_reader_cuts_them() {
        let padded = |len: usize, end: &str| {
            let mut text = String::from(r#"{"id":"P-pad","service":{"start":"2026-01-12"},"attributes":{"a":""#);
            text.push_str(&"x".repeat(len - text.len() - 3));
            text.push_str("\"}}");
            text.push_str(end);
            text
        };
        // Just short enough (a CR before the line end does not count), one
        // byte too long, far too long, and too long at the end of the input.
        let bytes = [
            line("P-1"),
            padded(MAX_LINE_BYTES, "\r\n"),
            padded(MAX_LINE_BYTES + 1, "\n"),
            line("P-2"),
            padded(3 * MAX_LINE_BYTES, "\n"),
            line("P-3"),
            padded(MAX_LINE_BYTES + 1, ""),
        ]
        .concat();
        for limit in [BlockLimit::lines(1), BlockLimit::lines(2), BlockLimit::default()] {
            let (sequential, parallel) = both(bytes.as_bytes(), false, limit);
            assert_eq!(parallel, sequential, "{limit:?}");
            let too_long = sequential.iter().filter(|s| s.contains("longer than 1048576 bytes")).count();
            assert_eq!((sequential.len(), too_long), (7, 3), "{sequential:#?}");
        }
    }
}
