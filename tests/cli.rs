//! The `tulos` binary as a user meets it: exit codes, stdout/stderr, and
//! the rendered message for every broken contract in `tests/fixtures/`.

use std::path::Path;
use std::process::{Command, Output};

fn tulos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tulos"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the tulos binary runs")
}

fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR")).expect("inside the crate").display().to_string().replace('\\', "/")
}

#[test]
fn every_broken_contract_gets_its_specific_message() {
    insta::glob!("fixtures/contracts/*.toml", |path| {
        let out = tulos(&["check", &relative(path)]);
        assert_eq!(out.status.code(), Some(1), "check must fail with exit code 1");
        assert!(out.stdout.is_empty(), "nothing on stdout for a failed check");
        insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
    });
}

#[test]
fn shipped_contracts_check_clean() {
    let out = tulos(&[
        "check",
        "contracts/labour-market-training/contract.toml",
        "contracts/career-coaching/contract.toml",
        "contracts/rehabilitative-work-activity/contract.toml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with("ok: ")).count(), 3);
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(tulos(&["calculate"]).status.code(), Some(2));
    assert_eq!(tulos(&["frobnicate"]).status.code(), Some(2));
    let no_as_of =
        tulos(&["calculate", "contracts/career-coaching/contract.toml", "--records", "contracts/career-coaching/records.jsonl"]);
    assert_eq!(no_as_of.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_as_of.stderr).contains("--as-of"));
}
