//! Times the CSV writer alone: calculates a statement once (on two
//! threads), then writes its lines as CSV to a file with 1 and 2 rendering
//! threads, five times each, and prints wall, user and system seconds (the
//! whole process's, so the writer thread and the workers are all counted).
//! `cargo run --release --example write_csv -- CONTRACT RECORDS AS_OF OUT`

mod writer;

use std::time::Instant;

use tulos::payment::Threads;
use tulos::report::{self, CsvDialect};
use writer::cpu_seconds;

fn main() {
    let (s, out) = writer::statement("write_csv");
    eprintln!("{} lines", s.lines.len());
    for threads in [1, 2, 1, 2, 1, 2, 1, 2, 1, 2] {
        let file = std::io::BufWriter::new(std::fs::File::create(&out).expect("an output file"));
        let (wall, (user, sys)) = (Instant::now(), cpu_seconds());
        report::write_csv_on(Threads(threads), &s, CsvDialect::Standard, file).expect("written");
        let (wall, (user_after, sys_after)) = (wall.elapsed().as_secs_f64(), cpu_seconds());
        let (user, sys) = (user_after - user, sys_after - sys);
        println!("{threads} thread(s): {wall:.3} s wall, {user:.2} s user, {sys:.2} s system");
    }
}
