//! The contract loader as `tulos check` runs it (parse, compile every rule,
//! analyse every table), then a calculation over the shipped test records
//! and every output format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tulos::payment::{self, Evaluator};
use tulos::statement::Inputs;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = tulos_fuzz::contract_path("fuzzed");
    let Ok(c) = tulos::contract::parse(&path, text) else { return };
    for t in &c.tables {
        let _ = t.check(&path);
    }
    let Ok(ev) = Evaluator::new(&c) else { return };
    for request in tulos_fuzz::requests() {
        let records = tulos_fuzz::shipped_records().iter().cloned().map(Ok);
        let inputs = Inputs {
            contract_file: c.file_name(),
            contract_sha256: payment::sha256(text.as_bytes()),
            libraries: Default::default(),
            records: Default::default(),
        };
        if let Ok(s) = payment::calculate(&c, &ev, records, inputs, request) {
            tulos_fuzz::render(&s);
        }
    }
});
