//! A long list rendered in blocks on worker threads and written in order:
//! what the CSV and JSON statements share. Each worker renders blocks
//! `w`, `w + n`, `w + 2n`… of `n` workers into reused buffers with a
//! renderer of its own (which keeps what elements share); the writer takes
//! the blocks back round-robin, so they come out in order with no reorder
//! buffer, and a few blocks per worker are in memory at most. The bytes
//! are those of rendering every block in turn on one thread.

use std::io::{self, Write};
use std::sync::mpsc;

/// Finished blocks a worker may hold before the writer takes them.
const IN_FLIGHT: usize = 2;

/// Writes `items` in blocks of `block`, each rendered by
/// `render(renderer, block, buffer)` with a renderer `new` makes for each
/// thread, on at most `workers` threads, `between` written between blocks.
pub(super) fn write_blocks<'s, T, R>(
    workers: usize,
    block: usize,
    items: &'s [T],
    new: &(impl Fn() -> R + Sync),
    render: &(impl Fn(&mut R, &'s [T], &mut Vec<u8>) + Sync),
    between: &[u8],
    out: &mut impl Write,
) -> io::Result<()>
where
    T: Sync,
{
    let block = block.max(1);
    let blocks = items.len().div_ceil(block);
    let workers = workers.min(blocks);
    if workers <= 1 {
        let (mut renderer, mut buffer) = (new(), Vec::new());
        for (n, items) in items.chunks(block).enumerate() {
            buffer.clear();
            render(&mut renderer, items, &mut buffer);
            if n > 0 {
                out.write_all(between)?;
            }
            out.write_all(&buffer)?;
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        let workers: Vec<Worker> =
            (0..workers).map(|w| Worker::spawn(scope, items, new, render, block, w, workers)).collect();
        for n in 0..blocks {
            let worker = &workers[n % workers.len()];
            // A worker ends early only by panicking; the scope resumes the
            // panic once every worker is joined.
            let Ok(buffer) = worker.done.recv() else { break };
            if n > 0 {
                out.write_all(between)?;
            }
            out.write_all(&buffer)?;
            // Back to its worker for a later block; gone if it has finished.
            let _ = worker.spare.send(buffer);
        }
        // Returning drops the receivers: on a write error, workers stop at
        // their next block instead of waiting for a writer that is gone.
        Ok(())
    })
}

/// The writer's end of one rendering thread: blocks `w`, `w + n`,
/// `w + 2n`… of `n` workers arrive on `done` in order, and their buffers
/// go back on `spare`, so a worker allocates at most `IN_FLIGHT + 2`.
struct Worker {
    done: mpsc::Receiver<Vec<u8>>,
    spare: mpsc::Sender<Vec<u8>>,
}

impl Worker {
    fn spawn<'scope, 'env, 's: 'env, T, R>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        items: &'s [T],
        new: &'env (impl Fn() -> R + Sync),
        render: &'env (impl Fn(&mut R, &'s [T], &mut Vec<u8>) + Sync),
        block: usize,
        w: usize,
        n: usize,
    ) -> Worker
    where
        T: Sync,
    {
        let (done_tx, done) = mpsc::sync_channel(IN_FLIGHT);
        let (spare, spare_rx) = mpsc::channel::<Vec<u8>>();
        scope.spawn(move || {
            let mut renderer = new();
            for items in items.chunks(block).skip(w).step_by(n) {
                let mut buffer = spare_rx.try_recv().unwrap_or_default();
                buffer.clear();
                render(&mut renderer, items, &mut buffer);
                if done_tx.send(buffer).is_err() {
                    return; // the writer stopped (a write failed)
                }
            }
        });
        Worker { done, spare }
    }
}
