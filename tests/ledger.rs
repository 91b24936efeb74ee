//! Payment runs (issue 10): three months paid one after the other on data
//! that arrive late and are corrected, replay of every run, tampering
//! caught by `verify`, a commit killed midway, byte-identical exports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const M1: &str = "2026-01-31";
const M2: &str = "2026-02-28";
const M3: &str = "2026-03-31";

fn tulos_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tulos"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the tulos binary runs")
}

fn tulos(args: &[&str]) -> Output {
    tulos_env(args, &[])
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

/// A participant who started on 5 January, with the spells given.
fn person(id: &str, spells: &[(&str, &str)]) -> String {
    let spells: Vec<String> = spells
        .iter()
        .map(|(kind, start)| format!(r#"{{"kind":"{kind}","start":"{start}","end":null,"source":"income_register"}}"#))
        .collect();
    format!(
        r#"{{"id":"{id}","arm":"participant","municipality":"Jämsä","birth_date":"1990-01-01","groups":["long_term_unemployed"],"service":{{"start":"2026-01-05","end":"2026-03-31","completed":true}},"spells":[{}]}}"#,
        spells.join(",")
    )
}

/// The records as extracted at the end of each month.
fn records(month: u32) -> String {
    let mut people = vec![person("P-1", &[("employment", "2026-01-20")])];
    // P-2's job was in January's extract; the income register corrected
    // it away by March.
    people.push(if month < 3 { person("P-2", &[("employment", "2026-01-25")]) } else { person("P-2", &[]) });
    // P-3's January job reached the data only in February (late).
    people.push(if month < 2 { person("P-3", &[]) } else { person("P-3", &[("employment", "2026-01-28")]) });
    // P-4 was paid a job in January, then started education in February:
    // the higher exclusive outcome replaces the job.
    people.push(if month < 2 {
        person("P-4", &[("employment", "2026-01-15")])
    } else {
        person("P-4", &[("employment", "2026-01-15"), ("education", "2026-02-10")])
    });
    // P-5's job in March is priced by the amendment and reaches the cap.
    people.push(if month < 3 { person("P-5", &[]) } else { person("P-5", &[("employment", "2026-03-10")]) });
    people.join("\n") + "\n"
}

const TARIFF: &str = r#""1000.00""#;
/// Amendment 1, agreed in March: jobs from 1 March pay 1200.00.
const AMENDED: &str =
    r#"[{ from = 2026-01-01, amount = "1000.00" }, { from = 2026-03-01, amount = "1200.00", clause = "Muutos 1" }]"#;

struct Scenario {
    dir: PathBuf,
}

impl Scenario {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ledger-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        for m in 1..=3 {
            std::fs::write(dir.join(format!("m{m}.jsonl")), records(m)).expect("records written");
        }
        Scenario { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Write the contract as amended so far.
    fn contract(&self, tariff: &str, version: &str, clawback: bool) {
        let text = include_str!("fixtures/ledger/contract.toml")
            .replace("{TARIFF}", tariff)
            .replace("{VERSION}", version)
            .replace("{CLAWBACK}", &clawback.to_string());
        std::fs::write(self.dir.join("contract.toml"), text).expect("contract written");
    }

    fn pay(&self, month: u32, as_of: &str, commit: bool) -> Output {
        let (contract, records, ledger) =
            (self.path("contract.toml"), self.path(&format!("m{month}.jsonl")), self.path("ledger.db"));
        let mut args = vec!["calculate", &contract, "--records", &records, "--as-of", as_of, "--ledger", &ledger];
        if commit {
            args.push("--commit");
        }
        tulos(&args)
    }

    fn ledger(&self, args: &[&str]) -> Output {
        let ledger = self.path("ledger.db");
        let mut all = args.to_vec();
        all.extend(["--ledger", ledger.as_str()]);
        tulos(&all)
    }

    /// The three months, committed; each month's output.
    fn three_months(&self) -> [String; 4] {
        self.contract(TARIFF, "2026-1", true);
        let m1 = ok(self.pay(1, M1, true));
        let m2 = ok(self.pay(2, M2, true));
        self.contract(AMENDED, "2026-2", true);
        let m3 = ok(self.pay(3, M3, true));
        let again = ok(self.pay(3, M3, true));
        [m1, m2, m3, again]
    }

    fn export(&self, run: &str) -> String {
        ok(self.ledger(&["ledger", "export", run]))
    }
}

/// `kind participant item net` of every line of an export.
fn lines(export: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(export).expect("export is JSON");
    v["run"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            format!("{} {} {} {}", s("kind"), s("participant"), s("item"), s("net"))
        })
        .collect()
}

#[test]
fn three_months_pay_each_line_once_and_explain_every_correction() {
    let s = Scenario::new("three-months");
    let [m1, m2, m3, again] = s.three_months();
    insta::assert_snapshot!("month_1", m1);
    insta::assert_snapshot!("month_2", m2);
    insta::assert_snapshot!("month_3", m3);
    assert_eq!(
        lines(&s.export("1")),
        [
            "payment P-1 start_fee 100.00",
            "payment P-2 start_fee 100.00",
            "payment P-3 start_fee 100.00",
            "payment P-4 start_fee 100.00",
            "payment P-5 start_fee 100.00",
            "payment P-4 job 1000.00",
            "payment P-1 job 1000.00",
            "payment P-2 job 1000.00",
        ]
    );
    // Month 2: the late January job is paid now; education replaces the
    // paid job, so the two lines pay the difference only.
    assert_eq!(
        lines(&s.export("2")),
        ["payment P-3 job 1000.00", "payment P-4 education 1500.00", "replaced P-4 job -1000.00"]
    );
    // Month 3: the corrected spell claws back January's job; the amended
    // tariff prices only March's job, which the contract cap cuts to what
    // is left (5000.00 − 4000.00). Closed months are not touched.
    assert_eq!(lines(&s.export("3")), ["payment P-5 job 1000.00", "clawback P-2 job -1000.00"]);
    assert!(m3.contains("tariff 1200.00, 200.00 withheld by caps (contract_total)"), "{m3}");
    // The same month twice pays nothing.
    assert!(again.contains("Nothing to pay"), "{again}");
    assert_eq!(lines(&s.export("4")), Vec::<String>::new());

    // Everything committed equals the cumulative statement, line by line.
    let statement = ok(tulos(&[
        "calculate",
        &s.path("contract.toml"),
        "--records",
        &s.path("m3.jsonl"),
        "--as-of",
        M3,
        "--format",
        "json",
    ]));
    let statement: serde_json::Value = serde_json::from_str(&statement).expect("json");
    let mut committed: std::collections::BTreeMap<String, rust_decimal::Decimal> = Default::default();
    for run in ["1", "2", "3", "4"] {
        let v: serde_json::Value = serde_json::from_str(&s.export(run)).expect("json");
        for l in v["run"]["lines"].as_array().expect("lines") {
            let key = format!("{} {}", l["participant"].as_str().unwrap(), l["item"].as_str().unwrap());
            *committed.entry(key).or_default() += l["net"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
        }
    }
    committed.retain(|_, net| !net.is_zero());
    let expected: std::collections::BTreeMap<String, rust_decimal::Decimal> = statement["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            let key = format!("{} {}", l["participant"].as_str().unwrap(), l["item"].as_str().unwrap());
            (key, l["net"].as_str().unwrap().parse().unwrap())
        })
        .collect();
    assert_eq!(committed, expected);
    assert_eq!(statement["totals"]["overall"]["net"], "5000.00");
}

#[test]
fn every_run_replays_identically_from_what_it_stored() {
    let s = Scenario::new("replay");
    s.three_months();
    // Today's contract file is the amended one: runs 1 and 2 replay from
    // the text they stored, not from it.
    for (run, month) in [("1", 1), ("2", 2), ("3", 3), ("4", 3)] {
        let records = s.path(&format!("m{month}.jsonl"));
        let out = s.ledger(&["replay", run, "--records", &records]);
        assert_eq!(ok(out), "identical\n", "run {run}");
    }
    // Records other than the run's are refused, naming both digests.
    let out = s.ledger(&["replay", "1", "--records", &s.path("m2.jsonl")]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("m1.jsonl sha256") && err.contains("m2.jsonl sha256"), "{err}");
}

#[test]
fn without_clawback_an_unsupported_paid_line_is_flagged_for_review() {
    let s = Scenario::new("review");
    s.contract(TARIFF, "2026-1", false);
    ok(s.pay(1, M1, true));
    let preview = ok(s.pay(3, M3, false));
    assert!(preview.contains("Preview only"), "{preview}");
    ok(s.pay(3, M3, true));
    let m3 = lines(&s.export("2"));
    assert!(m3.contains(&"review P-2 job 0.00".to_string()), "{m3:?}");
    // Flagged once, not again in every later run.
    ok(s.pay(3, M3, true));
    assert_eq!(lines(&s.export("3")), Vec::<String>::new());
}

#[test]
fn list_gives_one_json_object_per_run() {
    let s = Scenario::new("list");
    s.three_months();
    let list: serde_json::Value = serde_json::from_str(&ok(s.ledger(&["ledger", "list", "--format", "json"]))).unwrap();
    let runs = list.as_array().expect("array");
    assert_eq!(runs.len(), 4);
    assert_eq!(runs[1]["id"], 2);
    assert_eq!(runs[1]["contract"], "LEDGER-2026");
    assert_eq!(runs[1]["version"], "2026-1");
    assert_eq!(runs[1]["as_of"], M2);
    assert_eq!(runs[1]["lines"], 3);
    assert_eq!(runs[1]["net"], "1500.00");
}

#[test]
fn an_export_is_the_same_bytes_from_two_processes_and_its_digest_is_checkable() {
    let s = Scenario::new("export");
    s.three_months();
    let (a, b) = (s.export("3"), s.export("3"));
    assert_eq!(a, b);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    let body =
        a.trim_end().strip_prefix(&format!("{{\"digest\":\"{}\",\"run\":", v["digest"].as_str().unwrap())).unwrap();
    let body = body.strip_suffix('}').unwrap();
    assert_eq!(tulos::payment::sha256(body.as_bytes()), v["digest"].as_str().unwrap());
    insta::assert_snapshot!("export_run_2", s.export("2"));
}

/// Run `sql` on a copy of the scenario's ledger and `verify` the copy.
fn tampered(s: &Scenario, name: &str, sql: &str) -> Output {
    let copy = s.path(&format!("{name}.db"));
    std::fs::copy(s.path("ledger.db"), &copy).expect("copy");
    let conn = rusqlite::Connection::open(&copy).expect("open copy");
    conn.execute_batch(sql).expect("tamper");
    drop(conn);
    tulos(&["ledger", "verify", "--ledger", &copy])
}

#[test]
fn verify_names_the_run_edited_deleted_or_reordered() {
    let s = Scenario::new("tamper");
    s.three_months();
    let out = s.ledger(&["ledger", "verify"]);
    assert!(ok(out).starts_with("ok: 4 run(s)"));

    let edited = tampered(&s, "edited", "UPDATE entries SET net = '900.00' WHERE run = 2 AND position = 0;");
    assert_eq!(edited.status.code(), Some(1));
    insta::assert_snapshot!("verify_edited", stderr(&edited));

    let deleted = tampered(&s, "deleted", "DELETE FROM entries WHERE run = 2; DELETE FROM run_rules WHERE run = 2; DELETE FROM run_records WHERE run = 2; DELETE FROM runs WHERE id = 2;");
    assert_eq!(deleted.status.code(), Some(1));
    insta::assert_snapshot!("verify_deleted", stderr(&deleted));

    let reordered = tampered(
        &s,
        "reordered",
        "UPDATE runs SET seq = 100 WHERE id = 1; UPDATE runs SET seq = 1 WHERE id = 2; UPDATE runs SET seq = 2 WHERE id = 100 OR seq = 100;",
    );
    assert_eq!(reordered.status.code(), Some(1));
    assert!(stderr(&reordered).contains("run 2"), "{}", stderr(&reordered));

    // A tampered ledger is not paid from.
    let copy = s.path("edited.db");
    let out = tulos(&[
        "calculate",
        &s.path("contract.toml"),
        "--records",
        &s.path("m3.jsonl"),
        "--as-of",
        M3,
        "--ledger",
        &copy,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("was altered"), "{}", stderr(&out));
}

#[test]
fn a_commit_killed_midway_leaves_the_run_out_entirely() {
    let s = Scenario::new("crash");
    s.contract(TARIFF, "2026-1", true);
    ok(s.pay(1, M1, true));
    let (contract, records, ledger) = (s.path("contract.toml"), s.path("m2.jsonl"), s.path("ledger.db"));
    let args = ["calculate", &contract, "--records", &records, "--as-of", M2, "--ledger", &ledger, "--commit"];
    let killed = tulos_env(&args, &[(tulos::ledger::ABORT_MID_COMMIT_FOR_TESTS, "1")]);
    assert!(!killed.status.success(), "the hook must kill the commit");
    let list: serde_json::Value = serde_json::from_str(&ok(s.ledger(&["ledger", "list", "--format", "json"]))).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "nothing of the killed run may remain");
    let conn = rusqlite::Connection::open(&ledger).unwrap();
    let entries: i64 = conn.query_row("SELECT count(*) FROM entries WHERE run = 2", [], |r| r.get(0)).unwrap();
    assert_eq!(entries, 0);
    assert!(ok(s.ledger(&["ledger", "verify"])).starts_with("ok: 1 run(s)"));
    // The run commits whole afterwards.
    ok(tulos(&args));
    assert_eq!(lines(&s.export("2")).len(), 3);
}

#[test]
fn two_commits_at_once_are_serialized_and_the_second_pays_nothing() {
    let s = Scenario::new("concurrent");
    s.contract(TARIFF, "2026-1", true);
    let (contract, records, ledger) = (s.path("contract.toml"), s.path("m1.jsonl"), s.path("ledger.db"));
    let args = ["calculate", &contract, "--records", &records, "--as-of", M1, "--ledger", &ledger, "--commit"];
    let children: Vec<_> = (0..2).map(|_| Command::new(env!("CARGO_BIN_EXE_tulos")).args(args).output()).collect();
    for c in children {
        ok(c.expect("runs"));
    }
    let a = lines(&s.export("1"));
    let b = lines(&s.export("2"));
    assert_eq!(a.len() + b.len(), 8, "{a:?} {b:?}");
    assert!(a.is_empty() || b.is_empty());
    assert!(ok(s.ledger(&["ledger", "verify"])).starts_with("ok: 2 run(s)"));
}
