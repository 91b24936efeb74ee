//! `[tables.*]` as TOML: reading them, the static analysis `tulos check`
//! runs, and evaluation with inputs typed as on `tulos table --set`.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;

/// Values typed by hand for every input column, as `--set NAME=VALUE`.
const TYPED: [&str; 8] = ["youth", "youth,immigrant", "25", "-3.5", "2026-01-31", "true", "", "null"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = toml::de::DeTable::parse(text) else { return };
    let Some(item) = doc.get_ref().get("tables") else { return };
    let file = Path::new("tables.toml");
    let Ok(tables) = tulos::tables::parse_tables(file, item) else { return };
    for t in &tables {
        let _ = t.check(file);
        for typed in TYPED {
            let mut inputs = BTreeMap::new();
            for column in &t.inputs {
                if let Ok(v) = t.parse_input(&column.name, typed) {
                    inputs.insert(column.name.clone(), v);
                }
            }
            if let Ok(result) = t.evaluate(&inputs) {
                let _ = result.render_text();
            }
        }
    }
});
