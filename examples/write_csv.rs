//! Times the CSV writer alone: calculates a statement once (on two
//! threads), then writes its lines as CSV to a file with 1 and 2 rendering
//! threads, five times each, and prints wall, user and system seconds (the
//! whole process's, so the writer thread and the workers are all counted).
//! `cargo run --release --example write_csv -- CONTRACT RECORDS AS_OF OUT`

use std::path::PathBuf;
use std::time::Instant;

use tulos::payment::{self, Evaluator, Request, Threads};
use tulos::report::{self, CsvDialect};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [contract, records, as_of, out] = &args[..] else {
        eprintln!("usage: write_csv CONTRACT RECORDS AS_OF OUT");
        std::process::exit(2);
    };
    let c = tulos::contract::load(&PathBuf::from(contract)).expect("a valid contract");
    let ev = Evaluator::new(&c).expect("rules that compile");
    let mut reader =
        tulos::records::open_for(&PathBuf::from(records), Some(&c.id)).expect("readable records").with_threads(2);
    let as_of = as_of.parse().expect("an as-of date YYYY-MM-DD");
    let request = Request { as_of, period: None };
    let s =
        payment::calculate_on(Threads(2), &c, &ev, &mut reader, Default::default(), request, ()).expect("a statement");
    eprintln!("{} lines", s.lines.len());
    for threads in [1, 2, 1, 2, 1, 2, 1, 2, 1, 2] {
        let file = std::io::BufWriter::new(std::fs::File::create(out).expect("an output file"));
        let (wall, (user, sys)) = (Instant::now(), cpu_seconds());
        report::write_csv_on(Threads(threads), &s, CsvDialect::Standard, file).expect("written");
        let (wall, (user_after, sys_after)) = (wall.elapsed().as_secs_f64(), cpu_seconds());
        let (user, sys) = (user_after - user, sys_after - sys);
        println!("{threads} thread(s): {wall:.3} s wall, {user:.2} s user, {sys:.2} s system");
    }
}

/// User and system seconds of the whole process so far (in clock ticks of 10 ms).
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux /proc");
    let after_name = &stat[stat.rfind(')').expect("a process name") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    let seconds = |field: &str| field.parse::<f64>().expect("ticks") / 100.0;
    (seconds(fields[11]), seconds(fields[12]))
}
