//! What the writer timings share: the statement to write, calculated
//! once from the command line's arguments, and the process's CPU time.

use std::path::PathBuf;

use tulos::payment::{self, Evaluator, Request, Threads};
use tulos::statement::Statement;

/// The statement of `CONTRACT RECORDS AS_OF` on two threads, and `OUT`,
/// from the command line of the example `name`.
pub fn statement(name: &str) -> (Statement, PathBuf) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [contract, records, as_of, out] = &args[..] else {
        eprintln!("usage: {name} CONTRACT RECORDS AS_OF OUT");
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
    (s, PathBuf::from(out))
}

/// User and system seconds of the whole process so far (in clock ticks of 10 ms).
pub fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux /proc");
    let after_name = &stat[stat.rfind(')').expect("a process name") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    let seconds = |field: &str| field.parse::<f64>().expect("ticks") / 100.0;
    (seconds(fields[11]), seconds(fields[12]))
}
