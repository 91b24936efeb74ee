//! Payment runs, continued (issue 10 items 4, 6, 7): data dates, explained
//! differences between runs, and the auditor's workpaper.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn tulos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tulos")).args(args).output().expect("the tulos binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stdout:\n{}\nstderr:\n{}", stdout(&out), stderr(&out));
    stdout(&out)
}

fn json(out: Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON on stdout")
}

/// A participant who started on 5 January in `municipality`; the service
/// (planned) ends on `end`; a job from `job`, if any.
fn person(id: &str, municipality: &str, end: &str, job: Option<&str>) -> String {
    let spells = job.map_or_else(String::new, |start| {
        format!(r#"{{"kind":"employment","start":"{start}","end":null,"source":"income_register"}}"#)
    });
    format!(
        r#"{{"id":"{id}","arm":"participant","municipality":"{municipality}","birth_date":"1990-01-01","groups":["long_term_unemployed"],"service":{{"start":"2026-01-05","end":"{end}","completed":true}},"spells":[{spells}]}}"#
    )
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ledger-more-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Dir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.0.join(name), text).expect("file written");
        self.path(name)
    }

    /// The ledger-test contract with a job tariff of `tariff` (and a
    /// contract cap no test here reaches).
    fn contract(&self, name: &str, tariff: &str) -> String {
        let text = include_str!("fixtures/ledger/contract.toml")
            .replace(r#"contract_total = "5000.00""#, r#"contract_total = "100000.00""#)
            .replace("{TARIFF}", &format!("\"{tariff}\""))
            .replace("{VERSION}", tariff)
            .replace("{CLAWBACK}", "true");
        self.write(name, &text)
    }

    fn commit(&self, contract: &str, records: &str, as_of: &str) -> String {
        let ledger = self.path("ledger.db");
        ok(tulos(&["calculate", contract, "--records", records, "--as-of", as_of, "--ledger", &ledger, "--commit"]))
    }
}

// ---- Item 4: data dates -------------------------------------------------

#[test]
fn a_run_after_the_newest_date_in_the_records_warns_and_is_committed_only_with_the_extraction_date() {
    let d = Dir::new("data-dates");
    let contract = d.contract("contract.toml", "1000.00");
    // The newest date these records hold is 20 January.
    let records = d.write("jan.jsonl", &(person("P-1", "Jämsä", "2026-01-20", Some("2026-01-20")) + "\n"));
    let ledger = d.path("ledger.db");
    let run = |extra: &[&str]| {
        let mut args =
            vec!["calculate", &contract, "--records", &records, "--as-of", "2026-01-31", "--ledger", &ledger];
        args.extend(extra);
        tulos(&args)
    };

    // The preview warns, on stderr and in its JSON.
    let preview = run(&["--format", "json"]);
    assert!(stderr(&preview).contains("newest date in the records is 2026-01-20"), "{}", stderr(&preview));
    let preview = json(preview);
    let warning = preview["warnings"][0].as_str().expect("a warning in the JSON");
    assert!(warning.contains("--records-extracted-on 2026-01-31"), "{warning}");

    // A commit is refused, and records nothing.
    let refused = run(&["--commit"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("say so with --records-extracted-on 2026-01-31"), "{}", stderr(&refused));
    assert!(ok(tulos(&["ledger", "list", "--ledger", &ledger])).contains("holds no runs"));

    // An extraction date before the as-of date does not help.
    let early = run(&["--commit", "--records-extracted-on", "2026-01-25"]);
    assert_eq!(early.status.code(), Some(1));
    assert!(stderr(&early).contains("extracted on 2026-01-25, before it"), "{}", stderr(&early));

    // Saying the records were extracted on the as-of date commits it,
    // without the warning.
    let committed = run(&["--commit", "--records-extracted-on", "31.1.2026"]);
    assert!(!stderr(&committed).contains("warning"), "{}", stderr(&committed));
    assert!(ok(committed).contains("Committed run 1"));

    // As of the newest date there is nothing to warn about.
    let on_time = tulos(&["calculate", &contract, "--records", &records, "--as-of", "2026-01-20", "--ledger", &ledger]);
    assert!(!stderr(&on_time).contains("warning"), "{}", stderr(&on_time));
}

// ---- Item 6: tulos diff ------------------------------------------------

/// The lines of a `tulos diff --format json`: `participant item old→new cause`.
fn changes(diff: &Value) -> Vec<String> {
    let amount = |v: &Value| v.as_str().unwrap_or("none").to_string();
    diff["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            format!(
                "{} {} {}→{} {}",
                l["participant"].as_str().unwrap_or_default(),
                l["item"].as_str().unwrap_or_default(),
                amount(&l["old_net"]),
                amount(&l["new_net"]),
                l["cause"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// January: P-1 has a job; February's records add P-2's job.
fn two_months(d: &Dir) -> (String, String) {
    let jan = person("P-1", "Jämsä", "2026-03-31", Some("2026-01-20"))
        + "\n"
        + &person("P-2", "Jyväskylä", "2026-03-31", None)
        + "\n";
    let feb = person("P-1", "Jämsä", "2026-03-31", Some("2026-01-20"))
        + "\n"
        + &person("P-2", "Jyväskylä", "2026-03-31", Some("2026-02-03"))
        + "\n";
    (d.write("jan.jsonl", &jan), d.write("feb.jsonl", &feb))
}

#[test]
fn diff_of_a_run_and_a_fresh_calculation_attributes_an_amendment_to_the_contract() {
    let d = Dir::new("diff-contract");
    let (jan, _) = two_months(&d);
    d.commit(&d.contract("contract.toml", "1000.00"), &jan, "2026-01-31");
    let amended = d.contract("amended.toml", "1200.00");
    let ledger = d.path("ledger.db");
    let diff =
        json(tulos(&["diff", "1", "--ledger", &ledger, "--contract", &amended, "--records", &jan, "--format", "json"]));
    assert_eq!(changes(&diff), ["P-1 job 1000.00→1200.00 contract"]);
    let inputs = diff["inputs_changed"].as_array().expect("inputs");
    assert!(inputs.iter().any(|i| i.as_str().is_some_and(|i| i.starts_with("contract text: sha256"))), "{inputs:?}");
    assert!(!inputs.iter().any(|i| i.as_str().is_some_and(|i| i.starts_with("records"))), "{inputs:?}");
}

#[test]
fn diff_of_two_runs_attributes_a_change_to_the_records_or_to_both() {
    let d = Dir::new("diff-records");
    let (jan, feb) = two_months(&d);
    let contract = d.contract("contract.toml", "1000.00");
    d.commit(&contract, &jan, "2026-01-31");
    d.commit(&contract, &feb, "2026-02-28");
    let ledger = d.path("ledger.db");
    // Same contract, new records: the records made the change.
    let diff =
        json(tulos(&["diff", "1", "2", "--ledger", &ledger, "--records", &jan, "--records", &feb, "--format", "json"]));
    assert_eq!(changes(&diff), ["P-2 job none→1000.00 records"]);

    // An amendment and new records: P-1's job changes by the contract
    // only, P-2's needs both (no job in January, a new price).
    let amended = d.contract("contract.toml", "1200.00");
    d.commit(&amended, &feb, "2026-02-28");
    let diff =
        json(tulos(&["diff", "1", "3", "--ledger", &ledger, "--records", &jan, "--records", &feb, "--format", "json"]));
    assert_eq!(changes(&diff), ["P-1 job 1000.00→1200.00 contract", "P-2 job none→1200.00 both"]);
    let text = ok(tulos(&["diff", "1", "3", "--ledger", &ledger, "--records", &feb, "--records", &jan]));
    assert!(text.contains("2 line(s) of 2 participant(s) changed"), "{text}");
    assert!(text.contains("as-of date: 2026-01-31 → 2026-02-28"), "{text}");

    // A run's records must be given: matched by digest, never guessed.
    let missing = tulos(&["diff", "1", "3", "--ledger", &ledger, "--records", &feb]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("run 1 was computed from records jan.jsonl sha256"), "{}", stderr(&missing));
}

// ---- Item 7: the auditor's workpaper -------------------------------------

/// 30 participants in three municipalities; every second one has a job.
fn population(d: &Dir) -> String {
    let places = ["Jämsä", "Jyväskylä", "Kuhmoinen"];
    let people: Vec<String> = (1..=30)
        .map(|n| {
            let job = (n % 2 == 0).then_some("2026-02-10");
            person(&format!("P-{n:02}"), places[n % 3], "2026-03-31", job)
        })
        .collect();
    d.write("records.jsonl", &(people.join("\n") + "\n"))
}

fn sample(d: &Dir, records: &str, seed: &str) -> Value {
    let ledger = d.path("ledger.db");
    json(tulos(&[
        "audit",
        "sample",
        "1",
        "--ledger",
        &ledger,
        "--records",
        records,
        "--n",
        "10",
        "--seed",
        seed,
        "--strata",
        "item,municipality",
        "--format",
        "json",
    ]))
}

fn drawn(workpaper: &Value) -> BTreeSet<String> {
    let sheets = workpaper["sheets"].as_array().expect("sheets");
    sheets
        .iter()
        .map(|s| format!("{} {}", s["entry"]["participant"].as_str().unwrap_or_default(), s["entry"]["item"]))
        .collect()
}

#[test]
fn an_audit_sample_is_reproducible_per_seed_covers_every_stratum_and_recomputes_each_line() {
    let d = Dir::new("audit");
    let records = population(&d);
    d.commit(&d.contract("contract.toml", "1000.00"), &records, "2026-03-31");

    let a = sample(&d, &records, "2026Q1");
    assert_eq!(a, sample(&d, &records, "2026Q1"), "the same seed draws the same sample");
    assert_ne!(drawn(&a), drawn(&sample(&d, &records, "another seed")), "another seed draws another sample");

    // 45 lines (30 start fees, 15 jobs) in 6 strata (2 items × 3 places).
    assert_eq!(a["population"], 45);
    let strata = a["strata"].as_array().expect("strata");
    assert_eq!(strata.len(), 6);
    assert!(strata.iter().all(|s| s["sampled"].as_u64() >= Some(1)), "{strata:?}");
    let sheets = a["sheets"].as_array().expect("sheets");
    assert_eq!(sheets.len(), 10);
    let covered: BTreeSet<&str> = sheets.iter().filter_map(|s| s["stratum"].as_str()).collect();
    assert_eq!(covered.len(), 6, "{covered:?}");

    for s in sheets {
        let entry = &s["entry"];
        assert_eq!(entry["kind"], "payment");
        // Recomputed by hand from the sheet: the line's net is the entry's.
        assert_eq!(s["line"]["net"], entry["net"], "{s}");
        assert_eq!(s["recomputed_net"], entry["net"], "{s}");
        assert_eq!(s["agrees"], true);
        assert_eq!(s["record"]["id"], entry["participant"]);
        assert!(s["tariff"]["version"]["clause"].is_string(), "{s}");
        assert!(!s["explanation"]["steps"].as_array().expect("the rule trace").is_empty(), "{s}");
    }

    let text = ok(tulos(&[
        "audit",
        "sample",
        "1",
        "--ledger",
        &d.path("ledger.db"),
        "--records",
        &records,
        "--n",
        "3",
        "--seed",
        "x",
    ]));
    assert!(text.contains("Rule trace (tulos explain):"), "{text}");
    assert_eq!(text.matches("— agrees with the entry's net").count(), 3, "{text}");
}

#[test]
fn an_audit_sample_refuses_other_records_and_unknown_strata() {
    let d = Dir::new("audit-refused");
    let records = population(&d);
    d.commit(&d.contract("contract.toml", "1000.00"), &records, "2026-03-31");
    let ledger = d.path("ledger.db");
    let other = d.write("other.jsonl", &(person("P-01", "Jämsä", "2026-03-31", None) + "\n"));
    let wrong = tulos(&["audit", "sample", "1", "--ledger", &ledger, "--records", &other, "--seed", "s"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("give the records file the run was computed from"), "{}", stderr(&wrong));
    let strata =
        tulos(&["audit", "sample", "1", "--ledger", &ledger, "--records", &records, "--seed", "s", "--strata", "town"]);
    assert_eq!(strata.status.code(), Some(2));
    assert!(stderr(&strata).contains("use item, municipality, kind"), "{}", stderr(&strata));
}
