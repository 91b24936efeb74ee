//! Progress on stderr for long runs: only when stderr is a terminal and
//! only once a run has taken a couple of seconds, so piped output, CI logs
//! and short runs never see it.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before it shows its progress.
const QUIET_FOR: Duration = Duration::from_secs(2);

/// Records are counted one by one; the clock is looked at only this often.
const LOOK_EVERY: u64 = 4096;

/// A count of records read, shown as a spinner line on stderr.
pub(super) struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    count: u64,
    shown: bool,
}

impl Progress {
    /// Counting records for `what` (e.g. the contract id); silent unless
    /// stderr is a terminal.
    pub(super) fn records(what: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            let style =
                ProgressStyle::with_template("{spinner} {msg}: {human_pos} records read ({per_sec}, {elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            // A file name may hold an identity code: never shown.
            bar.set_message(tulos::report::shown(what));
            bar
        });
        Progress { bar, started: Instant::now(), count: 0, shown: false }
    }

    /// One more record read.
    pub(super) fn tick(&mut self) {
        self.count += 1;
        let Some(bar) = &self.bar else { return };
        if !self.count.is_multiple_of(LOOK_EVERY) {
            return;
        }
        if !self.shown && self.started.elapsed() >= QUIET_FOR {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(200));
            self.shown = true;
        }
        bar.set_position(self.count);
    }
}

/// Counting the records of a calculation.
impl tulos::payment::Watch for Progress {
    type Seen = ();

    fn see(_: &tulos::records::Record) {}

    fn record(&mut self, (): ()) {
        self.tick();
    }
}

impl Drop for Progress {
    /// The line is cleared: what follows on stderr starts clean.
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
