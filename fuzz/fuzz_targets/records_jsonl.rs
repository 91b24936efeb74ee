//! The JSON Lines reader, `tulos records` and a calculation under each
//! shipped contract, on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = tulos_fuzz::write("records.jsonl", data);
    tulos_fuzz::exercise_records(&path);
});
