//! `tulos calculate` over several contracts and one records source: each
//! statement is the single-contract statement, and the summary per
//! provider and per buyer adds up the statements' own totals.

use std::path::PathBuf;
use std::process::{Command, Output};

use rust_decimal::Decimal;
use serde_json::Value;

const CAREER: &str = "contracts/career-coaching/contract.toml";
const TRAINING: &str = "contracts/labour-market-training/contract.toml";
const AS_OF: &str = "2027-06-30";

fn tulos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tulos"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the tulos binary runs")
}

/// One records file holding both shipped contracts' records (each record
/// already names its contract).
fn mixed_records(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut both = String::new();
    for dir in ["career-coaching", "labour-market-training"] {
        both.push_str(&std::fs::read_to_string(root.join("contracts").join(dir).join("records.jsonl")).unwrap());
    }
    let path = std::env::temp_dir().join(format!("tulos-portfolio-{}-{name}.jsonl", std::process::id()));
    std::fs::write(&path, both).unwrap();
    path
}

fn json(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn decimal(v: &Value) -> Decimal {
    v.as_str().expect("a decimal string").parse().expect("a decimal")
}

#[test]
fn each_statement_matches_its_single_run_and_the_summary_adds_them_up() {
    let records = mixed_records("json");
    let records = records.to_str().unwrap();
    let both =
        json(&tulos(&["calculate", CAREER, TRAINING, "--records", records, "--as-of", AS_OF, "--format", "json"]));
    let statements = both["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 2);
    let mut by_provider = std::collections::BTreeMap::<String, [Decimal; 4]>::new();
    for (contract, statement) in [CAREER, TRAINING].iter().zip(statements) {
        let single = json(&tulos(&["calculate", contract, "--records", records, "--as-of", AS_OF, "--format", "json"]));
        assert_eq!(statement["totals"], single["totals"], "{contract}");
        assert_eq!(statement["lines"], single["lines"], "{contract}");
        let overall = &statement["totals"]["overall"];
        assert!(overall["lines"].as_u64().unwrap() > 0, "{contract} pays something over the mixed records");
        let sums = by_provider.entry(statement["provider"].as_str().unwrap().to_string()).or_default();
        sums[0] += Decimal::ONE;
        sums[1] += Decimal::from(overall["lines"].as_u64().unwrap());
        sums[2] += decimal(&overall["net"]);
        sums[3] += decimal(&overall["gross"]);
    }
    let summary = &both["summary"]["by_provider"];
    assert_eq!(summary.as_object().unwrap().len(), by_provider.len());
    for (provider, [contracts, lines, net, gross]) in by_provider {
        let got = &summary[&provider];
        assert_eq!(Decimal::from(got["contracts"].as_u64().unwrap()), contracts, "{provider}");
        assert_eq!(Decimal::from(got["lines"].as_u64().unwrap()), lines, "{provider}");
        assert_eq!(decimal(&got["net"]), net, "{provider}");
        assert_eq!(decimal(&got["gross"]), gross, "{provider}");
    }
    let buyers = both["summary"]["by_buyer"].as_object().unwrap();
    let contracts: u64 = buyers.values().map(|b| b["contracts"].as_u64().unwrap()).sum();
    assert_eq!(contracts, 2);
}

#[test]
fn text_prints_each_statement_then_the_summary() {
    let records = mixed_records("text");
    let out = tulos(&["calculate", CAREER, TRAINING, "--records", records.to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let single = tulos(&["calculate", CAREER, "--records", records.to_str().unwrap(), "--as-of", AS_OF]);
    assert!(
        text.starts_with(&String::from_utf8(single.stdout).unwrap()),
        "the first statement as a single run writes it"
    );
    let provider = text.find("Summary by provider").expect("provider summary");
    let buyer = text.find("Summary by buyer").expect("buyer summary");
    assert!(text.find("ESK-TVK-2026-01").unwrap() < provider && provider < buyer);
}

#[test]
fn csv_with_several_contracts_is_a_usage_error() {
    let records = mixed_records("csv");
    let out = tulos(&[
        "calculate",
        CAREER,
        TRAINING,
        "--records",
        records.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--format csv takes one contract") && stderr.contains("once per contract"), "{stderr}");
}
