//! Reads a records file with N parse workers and counts what it read: the
//! reader alone, without the summary `tulos records` adds, for measuring.
//! `cargo run --release --example read_records -- FILE [THREADS]`
//! (THREADS <= 1: the sequential reader).

fn main() -> std::process::ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), threads) = (args.next(), args.next()) else {
        eprintln!("usage: read_records FILE [THREADS]");
        return std::process::ExitCode::from(2);
    };
    let Some(threads) = threads.map_or(Some(1), |t| t.to_str().and_then(|t| t.parse::<usize>().ok())) else {
        eprintln!("THREADS must be a number");
        return std::process::ExitCode::from(2);
    };
    let reader = match tulos::records::open(path.as_ref()) {
        Ok(reader) => reader.with_threads(threads),
        Err(d) => {
            eprintln!("{d}");
            return std::process::ExitCode::from(1);
        }
    };
    let (mut records, mut errors) = (0u64, 0u64);
    for item in reader {
        match item {
            Ok(_) => records += 1,
            Err(_) => errors += 1,
        }
    }
    println!("records: {records}, errors: {errors}, threads: {threads}");
    std::process::ExitCode::SUCCESS
}
