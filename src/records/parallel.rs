//! The JSON Lines reader on several threads, giving exactly what the
//! sequential reader ([`JsonLinesReader`](super::jsonl::JsonLinesReader))
//! gives, in the same order.
//!
//! A reading thread cuts the input into blocks of whole lines (each line
//! with its number and byte offset, an over-long line without its bytes).
//! Worker threads run the pure step ([`jsonl::prepare`]: the fast path) on
//! every line of a block. The iterator, on the consumer's thread, takes the
//! blocks back in input order and runs the stateful step
//! ([`jsonl::Settle`]): the duplicate check, and the full reader on every
//! line the fast path did not take, so each diagnostic and the duplicate
//! table are as the sequential reader makes them.
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

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use super::jsonl::{self, LineSource, NextLine, Parsed, RawLine, Settle};
use super::model::Record;
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
    /// over costs little beside reading it.
    fn default() -> Self {
        BlockLimit { lines: 1024, bytes: 256 << 10 }
    }
}

/// Whole lines read by the reading thread.
#[derive(Default)]
struct Block {
    /// The lines' bytes, one after another, line ends included.
    data: Vec<u8>,
    /// Each line, with where its bytes are in `data`.
    lines: Vec<(RawLine, std::ops::Range<usize>)>,
}

impl Block {
    fn prepare(&self, file: &Arc<PathBuf>) -> Vec<Parsed> {
        self.lines.iter().map(|(raw, bytes)| jsonl::prepare(&self.data[bytes.clone()], raw, file)).collect()
    }
}

/// A block for the workers, and where to send what they made of it.
struct Job {
    block: Arc<Block>,
    parsed: SyncSender<Vec<Parsed>>,
}

/// A block for the iterator, in input order.
struct Ordered {
    block: Arc<Block>,
    /// What the workers made of it; closed unsent if a worker failed.
    parsed: Receiver<Vec<Parsed>>,
    /// Why the input ends after this block, when it could not be read.
    failure: Option<Diagnostic>,
    /// Nothing follows this block.
    last: bool,
}

/// The block the iterator is handing out.
struct Current {
    block: Arc<Block>,
    parsed: std::vec::IntoIter<Parsed>,
    /// Index in `block.lines` of the next line.
    next: usize,
    failure: Option<Diagnostic>,
    last: bool,
}

/// Streams [`Record`]s out of a JSON Lines input read on other threads.
pub(super) struct ParallelJsonLines {
    settle: Settle,
    /// `None` once dropping: closing it stops the threads.
    blocks: Option<Receiver<Ordered>>,
    current: Option<Current>,
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
        let (order_tx, order_rx) = sync_channel::<Ordered>(2 * workers);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let mut threads = Vec::with_capacity(workers + 1);
        for i in 0..workers {
            let (jobs, file) = (Arc::clone(&job_rx), Arc::clone(settle.file()));
            // A worker that cannot start only leaves more to the iterator.
            let spawned =
                std::thread::Builder::new().name(format!("tulos-records-{i}")).spawn(move || work(&jobs, &file));
            threads.extend(spawned.ok());
        }
        drop(job_rx);
        let file = Arc::clone(settle.file());
        // A reading thread that cannot start drops `order_tx`: the
        // iterator reports that the input could not be read.
        let reading = std::thread::Builder::new()
            .name("tulos-records-read".to_owned())
            .spawn(move || read_blocks(source, &file, limit, &job_tx, &order_tx));
        threads.extend(reading.ok());
        ParallelJsonLines { settle, blocks: Some(order_rx), current: None, threads, finished: false }
    }

    /// The next block in input order, or the diagnostic of a reading
    /// thread that stopped before the end.
    fn next_block(&mut self) -> Result<Current, Diagnostic> {
        let ordered = self.blocks.as_ref().and_then(|blocks| blocks.recv().ok()).ok_or_else(|| {
            let message = "cannot read the file: the reading thread stopped before the end";
            Diagnostic::error(&**self.settle.file(), Location::File, message)
        })?;
        let parsed = ordered.parsed.recv().unwrap_or_else(|_| ordered.block.prepare(self.settle.file()));
        Ok(Current {
            block: ordered.block,
            parsed: parsed.into_iter(),
            next: 0,
            failure: ordered.failure,
            last: ordered.last,
        })
    }
}

impl Iterator for ParallelJsonLines {
    type Item = Result<Record, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
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
            while let Some((raw, bytes)) = current.block.lines.get(current.next) {
                current.next += 1;
                let parsed = current.parsed.next().unwrap_or(Parsed::Other);
                if let Some(item) = self.settle.settle(&current.block.data[bytes.clone()], raw, parsed) {
                    return Some(item);
                }
            }
            let (failure, last) = (current.failure.take(), current.last);
            self.current = None;
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
        self.blocks = None;
        for thread in self.threads.drain(..) {
            // A thread that panicked has nothing more to say here.
            let _ = thread.join();
        }
    }
}

/// The reading thread: cuts `source` into blocks and hands each to the
/// workers and, in order, to the iterator, until the end of the input or
/// until the iterator is gone.
fn read_blocks<R: BufRead>(
    mut source: LineSource<R>,
    file: &Arc<PathBuf>,
    limit: BlockLimit,
    jobs: &SyncSender<Job>,
    order: &SyncSender<Ordered>,
) {
    loop {
        let mut block = Block::default();
        let (mut failure, mut last) = (None, false);
        while block.lines.len() < limit.lines.max(1) && block.data.len() < limit.bytes {
            let at = block.data.len();
            match source.read_into(&mut block.data, file) {
                NextLine::Line(raw) => block.lines.push((raw, at..block.data.len())),
                NextLine::End => last = true,
                NextLine::Failed(d) => (failure, last) = (Some(d), true),
            }
            if last {
                break;
            }
        }
        let block = Arc::new(block);
        let (parsed_tx, parsed_rx) = sync_channel(1);
        let ordered = Ordered { block: Arc::clone(&block), parsed: parsed_rx, failure, last };
        if order.send(ordered).is_err() {
            return;
        }
        // With no worker left the send fails and drops `parsed_tx`: the
        // iterator then prepares the block itself.
        let _ = jobs.send(Job { block, parsed: parsed_tx });
        if last {
            return;
        }
    }
}

/// A worker thread: runs the pure step on each block it takes, until the
/// reading thread is gone.
fn work(jobs: &Mutex<Receiver<Job>>, file: &Arc<PathBuf>) {
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else { return };
        // The iterator may be gone; then nobody needs the block.
        let _ = job.parsed.send(job.block.prepare(file));
    }
}
