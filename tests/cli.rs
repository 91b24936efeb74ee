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
    let no_as_of = tulos(&[
        "calculate",
        "contracts/career-coaching/contract.toml",
        "--records",
        "contracts/career-coaching/records.jsonl",
    ]);
    assert_eq!(no_as_of.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_as_of.stderr).contains("--as-of"));
}

const REHAB: &str = "contracts/rehabilitative-work-activity/contract.toml";

#[test]
fn a_table_is_tried_by_hand_with_set_or_json_inputs() {
    let out = tulos(&[
        "table",
        REHAB,
        "progress_tariff",
        "--set",
        "outcome=education",
        "--set",
        "group=partial_work_ability,youth",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("matched rows: 3 and 4") && text.contains("tariff = 850.00"), "{text}");

    let out = tulos(&["table", REHAB, "age_factor", "--inputs", r#"{"age": 30}"#, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["matched_rows"], serde_json::json!([2]));
    assert_eq!(json["output"]["value"]["factor"], "1.00");
}

#[test]
fn a_table_input_outside_its_values_is_an_error_not_a_miss() {
    let out = tulos(&["table", REHAB, "age_factor", "--set", "age=17", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("age"), "{stderr}");
}

#[test]
fn a_unique_violation_names_the_rows() {
    let out = tulos(&["table", "tests/fixtures/tables.toml", "overlapping", "--set", "age=20", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON error object on stdout");
    assert_eq!(json["kind"], "unique_violation");
    assert!(json["error"].as_str().unwrap().contains("1 and 2"), "{json}");
}

#[test]
fn bad_records_are_all_reported_and_identity_codes_never_echoed() {
    let out = tulos(&["records", "tests/fixtures/records-bad/mixed.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("131052"), "identity code echoed: {stderr}");
    assert!(stderr.contains("mixed.jsonl:2"), "identity-code line reported: {stderr}");
    assert!(stderr.contains("mixed.jsonl:3"), "bad date and float money reported: {stderr}");
    assert!(stderr.contains("mixed.jsonl:4") && stderr.contains("line 1"), "duplicate names both lines: {stderr}");
}

#[test]
fn the_finnish_csv_dialect_uses_semicolons_and_decimal_commas() {
    let out = tulos(&[
        "calculate",
        "contracts/career-coaching/contract.toml",
        "--records",
        "contracts/career-coaching/records.jsonl",
        "--as-of",
        "2026-12-31",
        "--format",
        "csv-fi",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8_lossy(&out.stdout);
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("\u{feff}contract;participant;item;occurrence"), "{header}");
    let fee = csv.lines().find(|l| l.contains(";delivery;1;")).expect("the first monthly fee line");
    assert!(fee.contains(";1440,00;") && fee.contains(";367,20;") && fee.contains(";1807,20;"), "{fee}");
}

#[test]
fn explain_shows_each_rule_what_it_read_and_why() {
    let out = tulos(&[
        "explain",
        "contracts/labour-market-training/contract.toml",
        "--records",
        "contracts/labour-market-training/records.jsonl",
        "--as-of",
        "2027-06-30",
        "--participant",
        "T-008",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

/// Run `tulos table` on the fixture tables and return its JSON answer.
fn table_json(table: &str, set: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["table", "tests/fixtures/tables.toml", table, "--format", "json"];
    for s in set {
        args.extend(["--set", s]);
    }
    let out = tulos(&args);
    (out.status.code(), serde_json::from_slice(&out.stdout).expect("JSON on stdout"))
}

#[test]
fn conformance_style_tables_give_dmn_results() {
    let (code, json) = table_json("approval", &["Age=17", "RiskCategory=High", "isAffordable=true"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        (json["matched_rows"].clone(), json["output"]["value"]["Status"].clone()),
        (serde_json::json!([2, 3]), "Declined".into())
    );
    let (_, json) = table_json("approval", &["Age=30", "RiskCategory=Low", "isAffordable=true"]);
    assert_eq!(json["output"]["value"]["Status"], "Approved");

    let (_, json) = table_json("discounts", &["months=13"]);
    assert_eq!(json["output"]["value"], "0.10", "collect sum adds the matching rows exactly");
    let (_, json) = table_json("discounts", &["months=3"]);
    assert_eq!(json["output"]["value"], serde_json::Value::Null, "an empty sum is null, as in FEEL");

    let (_, json) = table_json("level", &["score=85"]);
    assert_eq!(
        (json["matched_rows"].clone(), json["output"]["value"]["level"].clone()),
        (serde_json::json!([1, 2, 3]), "high".into())
    );
}

#[test]
fn a_table_without_input_sources_cannot_price_participants() {
    let out = tulos(&["check", "tests/fixtures/tables.toml"]);
    assert_eq!(out.status.code(), Some(1), "the fixture has a unique table with overlapping rows");
    let text = "[[outcome]]\nid = \"x\"\nname = { fi = \"x\", en = \"x\" }\nachieved_on = 'p.service_start'\ntariff = { table = \"discounts\" }\n";
    let contract =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tables.toml")).unwrap();
    let combined = contract.replacen("\n[tables.overlapping]", &format!("\n{text}\n[tables.overlapping]"), 1);
    let err = tulos::contract::parse(Path::new("t.toml"), &combined).unwrap_err();
    assert!(
        err.0.iter().any(|d| d.message.contains("input `months` does not say where its value comes from")),
        "{:#?}",
        err.0
    );
}

#[test]
fn a_null_cell_matches_a_missing_input_only() {
    let (code, json) = table_json("level", &["score=null"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        (json["matched_rows"].clone(), json["output"]["value"]["level"].clone()),
        (serde_json::json!([4]), "low".into())
    );
    let (_, json) = table_json("level", &["score=10"]);
    assert_eq!(json["matched_rows"], serde_json::json!([1]));
}

#[test]
fn a_misnamed_table_in_a_records_folder_is_refused_not_skipped() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/rehabilitative-work-activity/records");
    let folder = std::env::temp_dir().join(format!("tulos-misnamed-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().replace("spells.csv", "spell.csv");
        std::fs::copy(entry.path(), folder.join(name)).unwrap();
    }
    let out = tulos(&["records", folder.to_str().unwrap()]);
    std::fs::remove_dir_all(&folder).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`spell.csv` is not one of the record tables"), "{stderr}");
    assert!(stderr.contains("rename it to spells.csv"), "{stderr}");
}

#[test]
fn a_statement_does_not_depend_on_where_the_run_started() {
    let root = env!("CARGO_MANIFEST_DIR");
    let run = |contract: &str, records: &str| {
        let out = tulos(&["calculate", contract, "--records", records, "--as-of", "2026-12-31", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let relative = run("contracts/career-coaching/contract.toml", "contracts/career-coaching/records.jsonl");
    let absolute = run(
        &format!("{root}/contracts/career-coaching/contract.toml"),
        &format!("{root}/contracts/career-coaching/records.jsonl"),
    );
    assert!(relative == absolute, "the same inputs must give the same bytes");
}

#[test]
fn a_file_of_tables_translated_from_dmn_is_tried_without_a_contract() {
    let run = |table: &str, set: &[&str]| {
        let mut args = vec!["table", "tests/fixtures/dmn-tables.toml", table, "--format", "json"];
        for s in set {
            args.extend(["--set", s]);
        }
        let out = tulos(&args);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON")
    };
    assert_eq!(run("Loan Grade", &["Credit Score=720"])["output"]["value"], "15", "C+ is collect with sum");
    let risk = run("Risk Category", &["Applicant Age=22", "Employed=true"]);
    assert_eq!(risk["output"]["value"]["Risk"], "MEDIUM");
}

#[test]
fn a_file_of_tables_is_checked_and_its_input_errors_come_as_json() {
    let out = tulos(&["check", "tests/fixtures/dmn-tables.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("decision tables only (tables: 2)"));

    let out = tulos(&[
        "table",
        "tests/fixtures/dmn-tables.toml",
        "Risk Category",
        "--set",
        "Applicant Age=abc",
        "--set",
        "Employed=true",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON error object");
    assert_eq!(json["kind"], "invalid_input");
    assert!(json["error"].as_str().unwrap().contains("Applicant Age"));
}

#[test]
fn tulos_table_refuses_identity_codes_without_echoing_them() {
    let code = "131052-308T";
    let set = format!("outcome={code}");
    let inputs = format!(r#"{{"group": ["youth", "{code}"]}}"#);
    for args in [
        vec!["table", REHAB, "progress_tariff", "--set", &set, "--format", "json"],
        vec!["table", REHAB, "progress_tariff", "--set", &set],
        vec!["table", REHAB, "progress_tariff", "--inputs", &inputs, "--format", "json"],
    ] {
        let out = tulos(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!stdout.contains("131052") && !stderr.contains("131052"), "{stdout}{stderr}");
        assert!(stderr.contains("identity code"), "{stderr}");
    }
}

#[test]
fn explain_never_echoes_an_identity_shaped_participant() {
    let out = tulos(&[
        "explain",
        "contracts/career-coaching/contract.toml",
        "--records",
        "contracts/career-coaching/records.jsonl",
        "--as-of",
        "2026-12-31",
        "--participant",
        "131052-308T",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("131052") && !stderr.contains("131052"), "{stdout}{stderr}");
}

/// A scratch project: the career-coaching contract with identity codes in
/// its id, buyer, provider, title and a clause, beside records in a file
/// whose name holds one too.
fn contract_with_identity_codes() -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("tulos-cli-codes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::create_dir_all(root.join("c")).unwrap();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(here.join("rules/employment.rhai"), root.join("rules/employment.rhai")).unwrap();
    let text = std::fs::read_to_string(here.join("contracts/career-coaching/contract.toml")).unwrap();
    let text = text
        .replace(r#"id = "ESK-URA-2026-02""#, r#"id = "K-131052-308T""#)
        .replace(r#"buyer = "Eteläisen"#, r#"buyer = "131052A308T Eteläisen"#)
        .replace(r#"provider = "Valmennuspalvelu"#, r#"provider = "131052+308T Valmennuspalvelu"#)
        .replace(r#"en = "Job-search and career coaching""#, r#"en = "131052-308T""#)
        .replace(r#"clause = "§ 6.2""#, r#"clause = "§ 6.2 131052-308T""#);
    std::fs::write(root.join("c/contract.toml"), text).unwrap();
    let records = std::fs::read_to_string(here.join("contracts/career-coaching/records.jsonl")).unwrap();
    std::fs::write(root.join("c/131052-308T.jsonl"), records.replace(r#""contract":"ESK-URA-2026-02","#, "")).unwrap();
    root
}

#[test]
fn no_output_format_echoes_an_identity_code_from_the_contract_or_a_file_name() {
    let root = contract_with_identity_codes();
    let contract = root.join("c/contract.toml").display().to_string();
    let records = root.join("c/131052-308T.jsonl").display().to_string();
    let run = ["--records", &records, "--from", "2026-01-01", "--to", "2026-12-31"];
    let mut runs = vec![vec!["check", &contract]];
    for format in ["text", "json", "csv", "csv-fi"] {
        runs.push([&["calculate", &contract][..], &run, &["--format", format]].concat());
    }
    for format in ["text", "json"] {
        let explain = ["explain", &contract, "--records", &records, "--as-of", "2026-12-31"];
        runs.push([&explain[..], &["--participant", "C-002", "--format", format]].concat());
    }
    for args in runs {
        let out = tulos(&args);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stdout.contains("******-****"), "{args:?}: the codes are shown masked\n{stdout}");
        assert!(!stdout.contains("131052") && !stderr.contains("131052"), "{args:?}\n{stdout}{stderr}");
    }
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn any_number_of_threads_gives_the_same_bytes_and_nothing_on_a_piped_stderr() {
    let contract = "contracts/career-coaching/contract.toml";
    let records = "contracts/career-coaching/records.jsonl";
    let run = |format: &str, threads: &str| {
        let out = tulos(&[
            "calculate",
            contract,
            "--records",
            records,
            "--as-of",
            "2026-12-31",
            "--format",
            format,
            "--threads",
            threads,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        // Progress is for terminals only: a piped stderr stays empty.
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    for format in ["json", "csv", "text"] {
        let one = run(format, "1");
        assert!(!one.is_empty());
        assert_eq!(run(format, "2"), one, "{format}, 2 threads");
        assert_eq!(run(format, "7"), one, "{format}, 7 threads");
    }
    let summary = |threads: &str| tulos(&["records", records, "--format", "json", "--threads", threads]).stdout;
    assert_eq!(summary("3"), summary("1"));
    // No thread, or an absurd number of them, is a usage error.
    for absurd in ["0", "257", "60000"] {
        let out = tulos(&["calculate", contract, "--records", records, "--as-of", "2026-12-31", "--threads", absurd]);
        assert_eq!(out.status.code(), Some(2), "--threads {absurd}");
    }
}
