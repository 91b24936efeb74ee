//! Canonical JSON of a run: the bytes its digest is computed over.
//!
//! Keys sorted at every level, no whitespace, amounts as decimal strings
//! with the contract's number of decimals, dates as `YYYY-MM-DD`, no
//! timestamps: the same run gives the same bytes on any machine, and the
//! export is readable without tulos.

use serde_json::Value;

use super::Run;
use crate::payment::sha256;

/// The run's canonical JSON (the part the digest covers).
pub(crate) fn content(run: &Run) -> String {
    // Our own types always serialise.
    let value = serde_json::to_value(run).expect("a run serialises");
    let mut out = String::new();
    write(&value, &mut out);
    out
}

/// SHA-256 (hex) of the run's canonical JSON.
pub fn digest(run: &Run) -> String {
    sha256(content(run).as_bytes())
}

/// The export of a sealed run: `{"digest":"…","run":{…}}` in canonical
/// JSON and a final newline. `digest` is the SHA-256 of the bytes of `run`
/// exactly as written here, so anyone can check it with `sha256sum`.
pub fn export(run: &Run) -> String {
    let content = content(run);
    format!("{{\"digest\":\"{}\",\"run\":{content}}}\n", sha256(content.as_bytes()))
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (n, (k, v)) in entries.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (n, v) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_at_every_level_and_nothing_is_spaced() {
        let value = serde_json::json!({"b": {"z": 1, "a": [ {"y": "ä", "x": null} ]}, "a": true});
        let mut out = String::new();
        write(&value, &mut out);
        assert_eq!(out, r#"{"a":true,"b":{"a":[{"x":null,"y":"ä"}],"z":1}}"#);
    }
}
