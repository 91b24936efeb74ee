//! The CSV-folder reader (both dialects: the reader tells them apart by the
//! header), `tulos records` and a calculation under each shipped contract.
//!
//! The input is the folder's tables in a fixed order separated by the byte
//! 0xFF (never valid UTF-8, so no table needs it): participants.csv, then
//! spells, earnings, events, measures, feedback. Tables after the last
//! separator are absent; an empty part is an empty file.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TABLES: [&str; 6] =
    ["participants.csv", "spells.csv", "earnings.csv", "events.csv", "measures.csv", "feedback.csv"];

fuzz_target!(|data: &[u8]| {
    let dir = tulos_fuzz::scratch().join("records");
    let _ = std::fs::remove_dir_all(&dir);
    for (name, part) in TABLES.iter().zip(data.split(|b| *b == 0xFF)) {
        tulos_fuzz::write(&format!("records/{name}"), part);
    }
    tulos_fuzz::exercise_records(&dir);
});
