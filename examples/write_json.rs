//! Times the JSON writer alone: calculates a statement once (on two
//! threads), then writes it as JSON to a file with the one-thread
//! reference (`write_json`) once and with 1 and 2 rendering threads
//! (`write_json_on`) three times each, and prints wall, user and system
//! seconds (the whole process's, so the writer thread and the workers are
//! all counted) and how far the writer raised the resident memory above
//! the statement's (the peak is reset before each write).
//! `cargo run --release --example write_json -- CONTRACT RECORDS AS_OF OUT`

mod writer;

use std::time::Instant;

use tulos::payment::Threads;
use tulos::report;
use writer::cpu_seconds;

fn main() {
    let (s, out) = writer::statement("write_json");
    eprintln!("{} lines, {} not paid", s.lines.len(), s.unpaid.len());
    for threads in [None, Some(1), Some(2), Some(1), Some(2), Some(1), Some(2)] {
        let file = std::io::BufWriter::new(std::fs::File::create(&out).expect("an output file"));
        std::fs::write("/proc/self/clear_refs", "5").expect("Linux /proc: reset the peak");
        let before = kib("VmRSS:");
        let (wall, (user, sys)) = (Instant::now(), cpu_seconds());
        match threads {
            None => report::write_json(&s, file),
            Some(n) => report::write_json_on(Threads(n), &s, file),
        }
        .expect("written");
        let (wall, (user_after, sys_after)) = (wall.elapsed().as_secs_f64(), cpu_seconds());
        let (user, sys) = (user_after - user, sys_after - sys);
        let how = threads.map_or("write_json (reference)".to_string(), |n| format!("{n} thread(s)"));
        let grown = (kib("VmHWM:") - before) / 1024.0;
        println!("{how}: {wall:.3} s wall, {user:.2} s user, {sys:.2} s system, peak +{grown:.1} MiB");
    }
}

/// A memory figure of this process from /proc/self/status, in KiB.
fn kib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status.lines().find(|l| l.starts_with(field)).expect("the field");
    line[field.len()..].trim().trim_end_matches(" kB").parse().expect("KiB")
}
