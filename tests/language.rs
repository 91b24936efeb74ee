//! The contract language of issue 9, end to end through the `tulos`
//! binary: eligibility reason codes, the leap-day age rule, required
//! attributes, the vocabulary of instruments, dimensions and event kinds,
//! dates far outside the validity with `check --strict`, and where rule
//! libraries are found. Amounts are computed by hand in the comments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tulos_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tulos")).args(args).current_dir(dir).output().expect("the tulos binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A scratch folder of its own for each test, outside the project (so no
/// `rules/` folder above it is found).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tulos-language-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const HEAD: &str = r#"[contract]
id = "L-1"
title = { fi = "Kieli", en = "Language" }
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }
instruments = ["change_meter"]
dimensions = ["work_ability", "job_search"]
event_kinds = ["qualification"]
LEAP

[attributes]
language = { type = "text", required = true }

[eligibility]
clause = "§ 3"

[[eligibility.test]]
code = "under_18"
condition = 'p.age_on(p.service_start) >= 18'
clause = "§ 3.2"

[[outcome]]
id = "progress"
name = { fi = "Edistyminen", en = "Progress" }
achieved_on = '''
let m = p.measurement_last("change_meter", p.service_start, as_of, ["work_ability"]);
if m == () { () } else { m.date }
'''
tariff = "250.00"

[[outcome]]
id = "adult"
name = { fi = "Aikuinen", en = "Adult" }
condition = 'p.age_on(p.service_start) >= 18'
achieved_on = 'p.service_start'
tariff = "40.00"

[[multiplier]]
id = "by_age"
factor = { table = "age_factor" }
outcomes = ["progress"]

[tables.age_factor]
hit_policy = "first"
inputs = [ { name = "age", from = "age", type = "number" } ]
outputs = [ { name = "factor", type = "number" } ]
rows = [
  [ ">= 18", "1.5" ],
  [ "-",     "1.0" ],
]
"#;

fn record(id: &str, birth: &str, start: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{id}","birth_date":"{birth}","service":{{"start":"{start}","end":"2026-12-31","completed":true}},"measures":[{{"instrument":"change_meter","date":"2026-04-15","scores":{{"work_ability":3}}}}]{extra}}}"#
    )
}

/// Four participants: born on a leap day and starting on 28 February 2026;
/// under 18; starting after the as-of date; an adult born 1990.
fn records() -> String {
    let language = r#","attributes":{"language":"fi"}"#;
    [
        record("LEAP", "2008-02-29", "2026-02-28", language),
        record("YOUNG", "2010-05-01", "2026-02-01", language),
        record("LATE", "1990-01-01", "2026-07-01", language),
        record("ADULT", "1990-01-01", "2026-02-01", language),
    ]
    .join("\n")
        + "\n"
}

/// Write the contract (with `leap` in `[contract]`) and `records` into a
/// fresh folder and run `args` there.
fn project(name: &str, leap: &str, records: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("contract.toml"), HEAD.replace("LEAP", leap)).unwrap();
    std::fs::write(dir.join("records.jsonl"), records).unwrap();
    dir
}

fn statement(dir: &Path) -> serde_json::Value {
    let out = tulos_in(
        dir,
        &["calculate", "contract.toml", "--records", "records.jsonl", "--as-of", "2026-06-30", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON statement")
}

/// (participant, item, net) of every line.
fn lines(s: &serde_json::Value) -> Vec<(String, String, String)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (text(&l["participant"]), text(&l["item"]), text(&l["net"])))
        .collect()
}

fn ineligible(s: &serde_json::Value) -> Vec<(String, String)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    s["ineligible"].as_array().unwrap().iter().map(|i| (text(&i["participant"]), text(&i["reason"]))).collect()
}

fn row(p: &str, item: &str, net: &str) -> (String, String, String) {
    (p.into(), item.into(), net.into())
}

#[test]
fn eligibility_reasons_carry_codes_and_a_leap_day_person_is_18_on_28_february() {
    let dir = project("feb28", "", &records());
    let s = statement(&dir);
    // LEAP turns 18 on 28 Feb 2026 (Act 150/1930 § 3): eligible; the table's
    // `age` input agrees, so progress is 250.00 × 1.5 = 375.00, and the
    // `adult` condition (p.age_on) holds: 40.00. ADULT: the same.
    let mut paid = lines(&s);
    paid.sort();
    assert_eq!(
        paid,
        [
            row("ADULT", "adult", "40.00"),
            row("ADULT", "progress", "375.00"),
            row("LEAP", "adult", "40.00"),
            row("LEAP", "progress", "375.00"),
        ]
    );
    assert_eq!(
        ineligible(&s),
        [
            ("LATE".to_string(), "not_started (§ 3): service starts 2026-07-01, after the as-of date".to_string()),
            ("YOUNG".to_string(), "under_18 (§ 3.2): condition is false".to_string()),
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_contract_may_choose_1_march_for_a_leap_day_birthday_everywhere() {
    let dir = project("march1", r#"leap_day_birthday = "march_1""#, &records());
    let s = statement(&dir);
    // LEAP is 17 on 28 Feb 2026 under this rule: the eligibility test fails
    // with its own code, the same as for YOUNG.
    let reasons = ineligible(&s);
    assert!(reasons.contains(&("LEAP".to_string(), "under_18 (§ 3.2): condition is false".to_string())), "{reasons:?}");
    std::fs::remove_dir_all(dir).unwrap();

    // Without the eligibility test, p.age_on and the table agree on 17:
    // progress 250.00 × 1.0 = 250.00, no `adult`.
    let dir = scratch("march1-no-test");
    let text = HEAD.replace("LEAP", r#"leap_day_birthday = "march_1""#).replace(
        "[[eligibility.test]]\ncode = \"under_18\"\ncondition = 'p.age_on(p.service_start) >= 18'\nclause = \"§ 3.2\"\n",
        "",
    );
    std::fs::write(dir.join("contract.toml"), text).unwrap();
    std::fs::write(
        dir.join("records.jsonl"),
        record("LEAP", "2008-02-29", "2026-02-28", r#","attributes":{"language":"fi"}"#) + "\n",
    )
    .unwrap();
    assert_eq!(lines(&statement(&dir)), [row("LEAP", "progress", "250.00")]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn explain_shows_each_eligibility_test_what_it_read_and_its_result() {
    let dir = project("explain", "", &records());
    let explain = |id: &str| {
        let out = tulos_in(
            &dir,
            &["explain", "contract.toml", "--records", "records.jsonl", "--participant", id, "--as-of", "2026-06-30"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let late = explain("LATE");
    assert!(late.contains("Status: not eligible: not_started (§ 3): service starts 2026-07-01"), "{late}");
    assert!(late.contains("eligibility test `not_started` (§ 3)"), "{late}");
    assert!(late.contains("read service_start = 2026-07-01") && late.contains("read as_of = 2026-06-30"), "{late}");
    assert!(late.contains("=> failed: service starts 2026-07-01, after the as-of date"), "{late}");
    let young = explain("YOUNG");
    assert!(young.contains("eligibility test `not_started` (§ 3)") && young.contains("=> passed"), "{young}");
    assert!(young.contains("eligibility test `under_18`, condition (§ 3.2)"), "{young}");
    assert!(young.contains("read p.age_on(2026-02-01)") && young.contains("=> false"), "{young}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_record_without_a_required_attribute_is_an_input_error_naming_participant_file_and_line() {
    let records = format!("{}{}\n", records(), record("NOLANG", "1990-01-01", "2026-02-01", ""));
    let dir = project("required", "", &records);
    let out = tulos_in(&dir, &["calculate", "contract.toml", "--records", "records.jsonl", "--as-of", "2026-06-30"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("participant NOLANG: attribute `language` is required by the contract and missing"), "{err}");
    assert!(err.contains("records.jsonl:5"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_record_naming_an_undeclared_instrument_or_dimension_is_an_input_error() {
    let language = r#","attributes":{"language":"fi"}"#;
    for (bad, expected) in [
        ("change-meter", "participant P: instrument `change-meter` is not one the contract knows"),
        ("change_meter", "participant P: dimension `skills` is not one the contract knows"),
    ] {
        let line = record("P", "1990-01-01", "2026-02-01", language)
            .replace(r#""instrument":"change_meter""#, &format!(r#""instrument":"{bad}""#))
            .replace(
                r#"{"work_ability":3}"#,
                if bad == "change_meter" { r#"{"skills":3}"# } else { r#"{"work_ability":3}"# },
            );
        let dir = project("vocabulary", "", &(line + "\n"));
        let out =
            tulos_in(&dir, &["calculate", "contract.toml", "--records", "records.jsonl", "--as-of", "2026-06-30"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_date_far_outside_the_validity_is_a_warning_and_strict_fails_on_it() {
    let dir = scratch("far-date");
    let text = HEAD
        .replace("LEAP", "")
        .replace("achieved_on = 'p.service_start'", "achieved_on = 'max_date(p.service_start, date(\"2062-01-01\"))'");
    std::fs::write(dir.join("contract.toml"), text).unwrap();
    let out = tulos_in(&dir, &["check", "contract.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: the date 2062-01-01 is more than 5 years outside the contract's validity (2026-01-01 to 2026-12-31)"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("warnings: 1"));
    let strict = tulos_in(&dir, &["check", "--strict", "contract.toml"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stderr(&strict).contains("1 warning(s) and --strict: the check fails"), "{}", stderr(&strict));
    // Five years after the end (a long follow-up) is no warning; a day more is.
    let with_parameter = |date: &str| {
        let text = HEAD
            .replace("LEAP", "")
            .replace("[attributes]", &format!("[parameters]\nfollow_up_end = {date}\n\n[attributes]"));
        std::fs::write(dir.join("contract.toml"), text).unwrap();
        tulos_in(&dir, &["check", "--strict", "contract.toml"]).status.code()
    };
    assert_eq!(with_parameter("2031-12-31"), Some(0));
    assert_eq!(with_parameter("2032-01-01"), Some(1));
    assert_eq!(with_parameter("2021-01-01"), Some(0));
    assert_eq!(with_parameter("2020-12-31"), Some(1));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn strict_fails_on_a_table_gap() {
    let dir = scratch("gap");
    let text = HEAD.replace("LEAP", "").replace("  [ \"-\",     \"1.0\" ],\n", "");
    std::fs::write(dir.join("contract.toml"), text).unwrap();
    assert_eq!(tulos_in(&dir, &["check", "contract.toml"]).status.code(), Some(0));
    assert_eq!(tulos_in(&dir, &["check", "--strict", "contract.toml"]).status.code(), Some(1));
    std::fs::remove_dir_all(dir).unwrap();
}

const USES_EMPLOYMENT: &str = r#"[contract]
id = "L-2"
title = { fi = "Kirjasto", en = "Library" }
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }
uses = ["rules/employment.rhai"]

[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'CALL'
tariff = "1000.00"
"#;

#[test]
fn the_standard_rule_library_is_built_in_when_no_rules_folder_is_found() {
    let dir = scratch("builtin");
    std::fs::write(dir.join("contract.toml"), USES_EMPLOYMENT.replace("CALL", "employed_months_after_service(p, 3)"))
        .unwrap();
    let out = tulos_in(&dir, &["check", "contract.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_projects_own_rules_folder_takes_precedence_over_the_built_in_library() {
    let dir = scratch("own-rules");
    std::fs::create_dir_all(dir.join("contracts/x")).unwrap();
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/employment.rhai"), "fn local_rule(p) { p.service_start }\n").unwrap();
    std::fs::write(dir.join("contracts/x/contract.toml"), USES_EMPLOYMENT.replace("CALL", "local_rule(p)")).unwrap();
    // From the contract's own folder, with a path without a folder part.
    let out = tulos_in(&dir.join("contracts/x"), &["check", "contract.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The built-in library is not consulted once the project has the file.
    std::fs::write(
        dir.join("contracts/x/contract.toml"),
        USES_EMPLOYMENT.replace("CALL", "employed_months_after_service(p, 3)"),
    )
    .unwrap();
    let out = tulos_in(&dir.join("contracts/x"), &["check", "contract.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown function `employed_months_after_service`"), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_shipped_contract_checks_from_its_own_folder() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/career-coaching");
    let out = tulos_in(&folder, &["check", "contract.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn the_built_in_library_is_the_shipped_rules_file() {
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/employment.rhai")).unwrap();
    assert_eq!(tulos::contract::standard_library("rules/employment.rhai"), Some(shipped.as_str()));
}

#[test]
fn an_empty_csv_cell_of_a_required_attribute_is_missing() {
    let dir = project("required-csv", "", "");
    std::fs::create_dir_all(dir.join("records")).unwrap();
    std::fs::write(
        dir.join("records/participants.csv"),
        "id,birth_date,service_start,service_end,language\nA,1990-01-01,2026-02-01,2026-12-31,fi\nB,1990-01-01,2026-02-01,2026-12-31,\n",
    )
    .unwrap();
    let out = tulos_in(&dir, &["calculate", "contract.toml", "--records", "records", "--as-of", "2026-06-30"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("participant B: attribute `language` is required by the contract and missing"), "{err}");
    assert!(err.contains("participants.csv:3"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
