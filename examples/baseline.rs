//! The benchmark's baseline: parse every line of a JSON Lines file with
//! serde_json into `IgnoredAny`, the least any reader of the file must
//! do. `cargo run --release --example baseline -- FILE`.

use std::io::BufRead;

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: baseline FILE.jsonl");
        return std::process::ExitCode::from(2);
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cannot open {}: {e}", path.to_string_lossy());
            return std::process::ExitCode::from(1);
        }
    };
    let mut input = std::io::BufReader::with_capacity(1 << 16, file);
    let (mut line, mut records, mut bad) = (Vec::new(), 0u64, 0u64);
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("cannot read: {e}");
                return std::process::ExitCode::from(1);
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<serde::de::IgnoredAny>(&line) {
            Ok(_) => records += 1,
            Err(_) => bad += 1,
        }
    }
    println!("records: {records}, not JSON: {bad}");
    std::process::ExitCode::SUCCESS
}
