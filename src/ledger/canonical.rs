//! Canonical JSON of a run: the bytes its digest is computed over.
//!
//! Keys sorted at every level, no whitespace, amounts as decimal strings
//! with the contract's number of decimals, dates as `YYYY-MM-DD`, no
//! timestamps: the same run gives the same bytes on any machine, and the
//! export is readable without tulos.
//!
//! The bytes are written one entry at a time into a [`Sink`] (the export's
//! text, or straight into the digest's hasher): a run of a million entries
//! is never held as one JSON tree or, for its digest, as one text.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Entry, Run, Values};
use crate::payment::{hex, sha256};
use crate::records::hetu::redacted;

/// Where canonical bytes go.
trait Sink {
    fn put(&mut self, text: &str);
}

impl Sink for String {
    fn put(&mut self, text: &str) {
        self.push_str(text);
    }
}

impl Sink for Sha256 {
    fn put(&mut self, text: &str) {
        self.update(text.as_bytes());
    }
}

/// The run's canonical JSON (the part the digest covers).
pub(crate) fn content(run: &Run) -> String {
    let mut out = String::new();
    write_run(run, &mut out);
    out
}

/// SHA-256 (hex) of the run's canonical JSON, hashed as it is written.
pub fn digest(run: &Run) -> String {
    let mut hasher = Sha256::new();
    write_run(run, &mut hasher);
    hex(&hasher.finalize())
}

/// The export of a sealed run: `{"digest":"…","run":{…}}` in canonical
/// JSON and a final newline. `digest` is the SHA-256 of the bytes of `run`
/// exactly as written here, so anyone can check it with `sha256sum`.
pub fn export(run: &Run) -> String {
    let content = content(run);
    format!("{{\"digest\":\"{}\",\"run\":{content}}}\n", sha256(content.as_bytes()))
}

/// The run as `serde_json::to_value(run)` would give it, written
/// canonically, except that `lines` is written entry by entry in its
/// place. Every field is named here (no `..`), so a field added to `Run`
/// does not compile until it is written; a test compares the bytes with
/// the whole-tree writing.
fn write_run(run: &Run, out: &mut impl Sink) {
    let Run {
        id,
        contract,
        seq,
        contract_version,
        as_of,
        period,
        tulos_version,
        contract_file,
        contract_sha256,
        contract_text,
        rules,
        records,
        lines,
        totals,
        previous_digest,
    } = run;
    let mut head: Vec<(&str, Value)> = vec![
        ("id", value(id)),
        ("contract", value(contract)),
        ("seq", value(seq)),
        ("contract_version", value(contract_version)),
        ("as_of", value(as_of)),
        ("period", value(period)),
        ("tulos_version", value(tulos_version)),
        ("contract_file", value(contract_file)),
        ("contract_sha256", value(contract_sha256)),
        ("contract_text", value(contract_text)),
        ("rules", value(rules)),
        ("records", value(records)),
        ("lines", Value::Null),
        ("totals", value(totals)),
        ("previous_digest", value(previous_digest)),
    ];
    head.sort_by(|a, b| a.0.cmp(b.0));
    out.put("{");
    for (n, (key, v)) in head.iter().enumerate() {
        if n > 0 {
            out.put(",");
        }
        write_key(key, out);
        if *key == "lines" {
            out.put("[");
            for (n, entry) in lines.iter().enumerate() {
                if n > 0 {
                    out.put(",");
                }
                write_entry(entry, out);
            }
            out.put("]");
        } else {
            write(v, out);
        }
    }
    out.put("}");
}

/// An entry as `write(&value(entry))` would write it, without building
/// its tree (a national run has millions): keys in sorted order, texts
/// escaped and redacted as `Entry`'s serialisation does. Every field is
/// named, so a field added to `Entry` or `Values` does not compile until
/// it is written here.
fn write_entry(entry: &Entry, out: &mut impl Sink) {
    let Entry { contract, participant, item, occurrence, kind, reason, old, new, net, vat, gross } = entry;
    out.put("{");
    write_text("contract", contract, out);
    write_text(",gross", &gross.to_string(), out);
    write_text(",item", item, out);
    write_text(",kind", kind.name(), out);
    write_text(",net", &net.to_string(), out);
    write_values(",new", new, out);
    write_name(",occurrence", out);
    out.put(&occurrence.to_string());
    write_values(",old", old, out);
    write_text(",participant", &redacted(participant), out);
    write_text(",reason", &redacted(reason), out);
    write_text(",vat", &vat.to_string(), out);
    out.put("}");
}

/// `,"key":{…}` or `,"key":null` for a line's recorded values.
fn write_values(key: &str, values: &Option<Values>, out: &mut impl Sink) {
    write_name(key, out);
    let Some(Values { achieved_on, tariff, withheld, net, vat, gross }) = values else {
        return out.put("null");
    };
    out.put("{");
    write_text("achieved_on", &achieved_on.to_string(), out);
    write_text(",gross", &gross.to_string(), out);
    write_text(",net", &net.to_string(), out);
    write_text(",tariff", &tariff.to_string(), out);
    write_text(",vat", &vat.to_string(), out);
    write_text(",withheld", &withheld.to_string(), out);
    out.put("}");
}

/// `"key":"text"` with the text escaped as JSON.
fn write_text(key: &str, text: &str, out: &mut impl Sink) {
    write_name(key, out);
    out.put(&serde_json::to_string(text).expect("a text serialises"));
}

/// `"key":`; a plain-ASCII `key` may start with the comma before it.
fn write_name(key: &str, out: &mut impl Sink) {
    let (comma, key) = key.strip_prefix(',').map_or(("", key), |k| (",", k));
    out.put(comma);
    out.put("\"");
    out.put(key);
    out.put("\":");
}

/// A field of a run as a JSON tree; our own types always serialise.
fn value(field: &impl serde::Serialize) -> Value {
    serde_json::to_value(field).expect("a run serialises")
}

fn write_key(key: &str, out: &mut impl Sink) {
    out.put(&Value::String(key.to_string()).to_string());
    out.put(":");
}

fn write(value: &Value, out: &mut impl Sink) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.put("{");
            for (n, (k, v)) in entries.into_iter().enumerate() {
                if n > 0 {
                    out.put(",");
                }
                write_key(k, out);
                write(v, out);
            }
            out.put("}");
        }
        Value::Array(items) => {
            out.put("[");
            for (n, v) in items.iter().enumerate() {
                if n > 0 {
                    out.put(",");
                }
                write(v, out);
            }
            out.put("]");
        }
        scalar => out.put(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    use super::super::{ControlTotals, Entry, EntryKind, RunPeriod, StoredRule, Values};
    use super::*;

    fn entry(participant: &str, kind: EntryKind, old: Option<Values>, new: Option<Values>) -> Entry {
        Entry {
            contract: "K-1".into(),
            participant: participant.into(),
            item: "job \"A\"".into(),
            occurrence: 2,
            kind,
            reason: "achieved on 2026-03-01; ä\n".into(),
            old,
            new,
            net: "-10.50".parse().unwrap(),
            vat: "0.00".parse().unwrap(),
            gross: "-10.50".parse().unwrap(),
        }
    }

    /// A run with every field set, entries of every shape, an identity code.
    fn run() -> Run {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let values = |net: &str| Values {
            achieved_on: day,
            tariff: "1000.00".parse().unwrap(),
            withheld: Decimal::ZERO,
            net: net.parse().unwrap(),
            vat: "25.50".parse().unwrap(),
            gross: "125.50".parse().unwrap(),
        };
        Run {
            id: 3,
            contract: "K-1".into(),
            seq: 2,
            contract_version: Some("v2".into()),
            as_of: day,
            period: RunPeriod { after: Some(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()), to: day },
            tulos_version: "0.1.0".into(),
            contract_file: "contract.toml".into(),
            contract_sha256: "ab".into(),
            contract_text: "[contract]\nid = \"K-1\"\n".into(),
            rules: BTreeMap::from([("lib".into(), StoredRule { sha256: "cd".into(), text: "fn f() { 1 }".into() })]),
            records: BTreeMap::from([("b.jsonl".into(), "ef".into()), ("a.jsonl".into(), "01".into())]),
            lines: vec![
                entry("P-1", EntryKind::Payment, None, Some(values("100.00"))),
                entry("131052-308T", EntryKind::Adjustment, Some(values("90.00")), Some(values("100.00"))),
                entry("", EntryKind::Clawback, Some(values("1.00")), None),
            ],
            totals: ControlTotals { lines: 3, net: "1.00".parse().unwrap(), vat: Decimal::ZERO, gross: Decimal::ONE },
            previous_digest: Some("0f".into()),
        }
    }

    #[test]
    fn a_run_written_entry_by_entry_is_the_bytes_of_the_whole_tree() {
        for run in [run(), Run { lines: Vec::new(), previous_digest: None, contract_version: None, ..run() }] {
            let mut whole = String::new();
            write(&serde_json::to_value(&run).unwrap(), &mut whole);
            assert_eq!(content(&run), whole);
            assert_eq!(digest(&run), sha256(whole.as_bytes()));
            assert!(!whole.contains("131052-308T"), "{whole}");
        }
    }

    #[test]
    fn keys_are_sorted_at_every_level_and_nothing_is_spaced() {
        let value = serde_json::json!({"b": {"z": 1, "a": [ {"y": "ä", "x": null} ]}, "a": true});
        let mut out = String::new();
        write(&value, &mut out);
        assert_eq!(out, r#"{"a":true,"b":{"a":[{"x":null,"y":"ä"}],"z":1}}"#);
    }
}
