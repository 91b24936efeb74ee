//! Impact payments (`[[impact_payment]]`) end to end: contract text +
//! records of both arms → the impact line and its computation.
//!
//! Every expected amount is worked by hand in the comment above it; the
//! interval bounds were computed independently (Python, mpmath at 40
//! digits: Wilson, Newcombe's method 10, Welch with the t quantile from the
//! regularised incomplete beta function) and are pinned here.

#![allow(clippy::result_large_err)]

mod common;

use std::path::Path;

use rust_decimal::Decimal;
use tulos::contract;
use tulos::payment::{self, Evaluator, Request};
use tulos::records::{Arm, Record};
use tulos::statement::{Cap, ImpactComputation, Line, Statement};

use common::{d, dec, inputs_of, participant, text_attributes};

const HEAD: &str = r#"
[contract]
id = "T-1"
title = { fi = "Testi", en = "Test" }
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }

[attributes]
a = "date"
tax = "number"
benefits = "number"

[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'p.attr("a")'
tariff = "0"

[[value]]
id = "tax_paid"
name = { fi = "Maksetut verot", en = "Tax paid" }
rule = 'p.attr("tax")'

[[value]]
id = "benefits_paid"
name = { fi = "Maksetut etuudet", en = "Benefits paid" }
rule = 'p.attr("benefits")'
"#;

/// A record of `arm` that achieved `job` on `a` (if given) with the given
/// values (a missing value: the rule gives `()`).
fn record(id: &str, arm: Arm, a: Option<&str>, tax: Option<&str>, benefits: Option<&str>) -> Record {
    let attributes = text_attributes(&[("a", a), ("tax", tax), ("benefits", benefits)]);
    Record { arm, groups: vec![], attributes, ..participant(id) }
}

/// `n` records of `arm`, the first `achieved` of them achieving `job`.
fn arm(prefix: &str, arm: Arm, n: usize, achieved: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let a = (i < achieved).then_some("2026-06-01");
            record(&format!("{prefix}-{i:03}"), arm, a, None, None)
        })
        .collect()
}

fn rates(t: (usize, usize), c: (usize, usize)) -> Vec<Record> {
    let mut r = arm("P", Arm::Participant, t.0, t.1);
    r.extend(arm("K", Arm::Control, c.0, c.1));
    r
}

fn statement(body: &str, records: Vec<Record>) -> Statement {
    let c = common::parse(&format!("{HEAD}{body}"));
    common::calculate(&c, records, common::as_of("2026-12-31")).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The impact line `id` and its computation.
fn impact<'s>(s: &'s Statement, id: &str) -> (&'s Line, &'s ImpactComputation) {
    let line = s.lines.iter().find(|l| &*l.id.item == id).expect("the impact line");
    let computation = s.impact_payments.iter().find(|c| &*c.item == id).expect("its computation");
    (line, computation)
}

const PER_JOB: &str = r#"
[[impact_payment]]
id = "more_jobs"
name = { fi = "Lisätyöpaikat", en = "Additional jobs" }
clause = "§ 9"
outcome = "job"
against = "control"
threshold = "0.10"
price = "1000.00"
"#;

#[test]
fn per_additional_outcome_against_control_is_exact_to_the_cent() {
    // 6/10 against 2/7, threshold 0.10: (6/10 − 2/7 − 0.10) × 10
    // = 6 − 20/7 − 1 = 15/7 = 2.142857… additional; × 1000.00 = 2142.857…
    // rounded once (half away from zero): 2142.86.
    let s = statement(PER_JOB, rates((10, 6), (7, 2)));
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!((&*line.id.participant, line.id.occurrence, line.achieved_on), ("", 1, d("2026-12-31")));
    assert_eq!((line.amount, line.net), (dec("2142.86"), dec("2142.86")));
    assert_eq!(c.additional, Some(dec("2.142857")));
    assert_eq!((c.participants.n, c.participants.count), (10, Some(6)));
    let control = c.control.as_ref().unwrap();
    assert_eq!((control.n, control.count, control.rate), (7, Some(2), Some(dec("0.285714"))));
    // 0.6 − 2/7 = 0.3142857…
    assert_eq!(c.difference, Some(dec("0.314286")));
    assert_eq!(c.reason, None);
    // Whole additional outcomes: floor(15/7) = 2 → 2000.00.
    let s = statement(&format!("{PER_JOB}additional = \"whole\"\n"), rates((10, 6), (7, 2)));
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!((line.amount, c.additional), (dec("2000.00"), Some(dec("2"))));
}

#[test]
fn control_records_are_evaluated_but_never_paid() {
    let mut records = rates((10, 6), (7, 2));
    records.push(record("K-100", Arm::Control, Some("2026-02-01"), None, None));
    let s = statement(PER_JOB, records);
    assert!(s.lines.iter().all(|l| !l.id.participant.starts_with('K')), "{:?}", s.lines);
    assert_eq!(s.counts.control, 8);
    // The control achieving raised the control rate: 3/8.
    assert_eq!(impact(&s, "more_jobs").1.control.as_ref().unwrap().count, Some(3));
}

#[test]
fn paid_on_the_newcombe_lower_bound_so_chance_is_not_paid() {
    // 30/40 against 9/30: Newcombe (method 10) 95 % interval
    // 0.215393896 … 0.621682073 (computed independently). The bound is
    // truncated to 0.215393; (0.215393 − 0.10) × 40 × 1000.00 = 4615.72.
    let body = format!("{PER_JOB}pay_on = \"lower_bound\"\n");
    let s = statement(&body, rates((40, 30), (30, 9)));
    let (line, c) = impact(&s, "more_jobs");
    let interval = c.interval.unwrap();
    assert_eq!(interval.low.round_dp(4), dec("0.2154"));
    assert_eq!(interval.high.round_dp(4), dec("0.6217"));
    assert_eq!(c.paid_on, Some(dec("0.215393")));
    assert_eq!(line.amount, dec("4615.72"));
    // On the estimate the same data pay (0.75 − 0.30 − 0.10) × 40 × 1000 = 14000.00.
    let s = statement(PER_JOB, rates((40, 30), (30, 9)));
    assert_eq!(impact(&s, "more_jobs").0.amount, dec("14000.00"));
}

const PER_JOB_BASELINE: &str = r#"
[[impact_payment]]
id = "more_jobs"
name = { fi = "Lisätyöpaikat", en = "Additional jobs" }
outcome = "job"
baseline = "0.30"
threshold = "0.05"
price = "1200.00"
"#;

#[test]
fn against_a_baseline_rate_fixed_in_the_contract() {
    // (6/10 − 0.30 − 0.05) × 10 = 2.5 additional × 1200.00 = 3000.00;
    // no control record is needed.
    let s = statement(PER_JOB_BASELINE, rates((10, 6), (0, 0)));
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!((line.amount, c.against, c.baseline), (dec("3000.00"), "baseline", Some(dec("0.30"))));
    assert!(c.control.is_none());
    // Lower bound: Wilson 9/10 is 0.595850 … 0.982124; minus 0.30 gives
    // 0.295849973 → 0.295849; (0.295849 − 0.05) × 10 × 1200.00 = 2950.188 → 2950.19.
    let body = format!("{PER_JOB_BASELINE}pay_on = \"lower_bound\"\n");
    let (line, c) = {
        let s = statement(&body, rates((10, 9), (0, 0)));
        let (l, c) = impact(&s, "more_jobs");
        (l.clone(), c.clone())
    };
    assert_eq!(c.interval.unwrap().low.round_dp(4), dec("0.2958"));
    assert_eq!(line.amount, dec("2950.19"));
    // At 6/10 the bound (0.012674) is below the threshold: 0.00, with why.
    let s = statement(&body, rates((10, 6), (0, 0)));
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!(line.amount, dec("0.00"));
    assert_eq!(c.paid_on, Some(dec("0.012673")));
    assert!(c.reason.as_deref().unwrap().contains("0.012673"), "{:?}", c.reason);
}

const FISCAL: &str = r#"
[[impact_payment]]
id = "fiscal_gain"
name = { fi = "Julkisen talouden hyöty", en = "Fiscal gain" }
values = [{ value = "tax_paid", sign = 1 }, { value = "benefits_paid", sign = -1 }]
against = "control"
share = "0.30"
"#;

/// Five participants with both values and one without benefits; four
/// controls. Net values (tax − benefits): participants 2000, 1000, 4000,
/// 3000, 2600 (Σ 12600); controls 0, −1000, 1500, 200 (Σ 700).
fn fiscal_records() -> Vec<Record> {
    let p = |id, t, b| record(id, Arm::Participant, None, Some(t), b);
    let k = |id, t, b| record(id, Arm::Control, None, Some(t), Some(b));
    vec![
        p("P-1", "3000", Some("1000")),
        p("P-2", "2500", Some("1500")),
        p("P-3", "4000", Some("0")),
        p("P-4", "3500", Some("500")),
        p("P-5", "3000", Some("400")),
        p("P-6", "1000", None),
        k("K-1", "2000", "2000"),
        k("K-2", "1500", "2500"),
        k("K-3", "2500", "1000"),
        k("K-4", "1800", "1600"),
    ]
}

#[test]
fn a_share_of_the_mean_fiscal_gain_against_control() {
    // 0.30 × 5 × (12600/5 − 700/4) = 0.30 × (12600 − 875) = 3517.50.
    let s = statement(FISCAL, fiscal_records());
    let (line, c) = impact(&s, "fiscal_gain");
    assert_eq!(line.amount, dec("3517.50"));
    assert_eq!((c.participants.n, c.participants.eligible, c.participants.missing), (5, 6, Some(1)));
    assert_eq!(c.values[0].participants_mean, Some(dec("3200.000000")));
    assert_eq!(c.values[1].participants_mean, Some(dec("680.000000")));
    assert_eq!(c.values[1].participants_missing, 1);
    assert_eq!(c.values[0].control_mean, Some(dec("1950.000000")));
    // 2520 − 175
    assert_eq!(c.difference, Some(dec("2345.000000")));
    // Welch: 639.019259 … 4050.980741 (df 6.80); 0.30 × 5 × 639.019259 = 958.5288885 → 958.53.
    let s = statement(&format!("{FISCAL}pay_on = \"lower_bound\"\n"), fiscal_records());
    let (line, c) = impact(&s, "fiscal_gain");
    let interval = c.interval.unwrap();
    assert_eq!((interval.low.round_dp(4), interval.high.round_dp(4)), (dec("639.0193"), dec("4050.9807")));
    assert_eq!(line.amount, dec("958.53"));
}

#[test]
fn a_share_of_the_mean_gain_against_baseline_means() {
    // Baselines 2000 (tax) and 1200 (benefits): 800 net.
    // 0.30 × (12600 − 5 × 800) = 2580.00.
    let body = r#"
[[impact_payment]]
id = "fiscal_gain"
name = { fi = "Julkisen talouden hyöty", en = "Fiscal gain" }
values = [{ value = "tax_paid", sign = 1, baseline = "2000" }, { value = "benefits_paid", sign = -1, baseline = "1200" }]
share = "0.30"
"#;
    let s = statement(body, fiscal_records());
    let (line, c) = impact(&s, "fiscal_gain");
    assert_eq!((line.amount, c.baseline), (dec("2580.00"), Some(dec("800"))));
    // t interval of the mean minus 800: 330.667313 … 3109.332687;
    // 0.30 × 5 × 330.667313 = 496.0009695 → 496.00.
    let s = statement(&format!("{body}pay_on = \"lower_bound\"\n"), fiscal_records());
    let (line, c) = impact(&s, "fiscal_gain");
    assert_eq!(c.interval.unwrap().low.round_dp(4), dec("330.6673"));
    assert_eq!(line.amount, dec("496.00"));
}

#[test]
fn its_own_cap_applies_first_then_the_contract_total() {
    // 2142.86 capped at 2000.00 by its own cap (shown as outcome_total).
    let s = statement(&format!("{PER_JOB}cap = \"2000.00\"\n"), rates((10, 6), (7, 2)));
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!((line.amount, line.net, line.withheld), (dec("2142.86"), dec("2000.00"), dec("142.86")));
    assert_eq!(line.withheld_by[0].cap, Cap::OutcomeTotal);
    assert_eq!(c.amount, dec("2142.86"));
    // The contract total counts it: 1500.00 of room.
    let body = format!("{PER_JOB}\n[caps]\ncontract_total = \"1500.00\"\n");
    let s = statement(&body, rates((10, 6), (7, 2)));
    let (line, _) = impact(&s, "more_jobs");
    assert_eq!((line.net, line.withheld_by[0].cap), (dec("1500.00"), Cap::ContractTotal));
    assert_eq!(s.totals.overall.net, dec("1500.00"));
}

#[test]
fn no_participants_or_no_controls_pay_nothing_with_a_reason() {
    let s = statement(PER_JOB, rates((0, 0), (7, 2)));
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!(line.amount, dec("0.00"));
    assert!(c.reason.as_deref().unwrap().contains("N_T = 0"), "{:?}", c.reason);
    let s = statement(PER_JOB, rates((10, 6), (0, 0)));
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!(line.amount, dec("0.00"));
    assert!(c.reason.as_deref().unwrap().contains("N_C = 0"), "{:?}", c.reason);
    let s = statement(FISCAL, fiscal_records().into_iter().filter(|r| r.arm == Arm::Participant).collect());
    assert!(impact(&s, "fiscal_gain").1.reason.as_deref().unwrap().contains("N_C = 0"));
}

#[test]
fn a_negative_difference_pays_nothing_and_shows_the_difference() {
    // 2/10 against 3/5: −0.40 before max(0, …).
    let s = statement(PER_JOB, rates((10, 2), (5, 3)));
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!((line.amount, c.difference), (dec("0.00"), Some(dec("-0.400000"))));
    assert!(c.reason.as_deref().unwrap().contains("-0.400000"), "{:?}", c.reason);
    // A gain below zero on values too.
    let mut records = fiscal_records();
    records.iter_mut().filter(|r| r.arm == Arm::Control).for_each(|r| r.arm = Arm::Participant);
    records.iter_mut().take(6).for_each(|r| r.arm = Arm::Control);
    let s = statement(FISCAL, records);
    let (line, c) = impact(&s, "fiscal_gain");
    assert_eq!(line.amount, dec("0.00"));
    assert!(c.difference.unwrap() < Decimal::ZERO && c.reason.is_some(), "{c:?}");
}

#[test]
fn the_statement_renders_the_whole_computation() {
    let s = statement(PER_JOB, rates((10, 6), (7, 2)));
    let text = tulos::report::statement_text(&s);
    for part in ["Impact payments", "price × max(0, rate_T − rate_C − threshold) × N_T", "6/10 = 0.600000", "2142.86"]
    {
        assert!(text.contains(part), "{part} in\n{text}");
    }
    let mut csv = Vec::new();
    tulos::report::write_csv(&s, tulos::report::CsvDialect::Standard, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",computation"), "{csv}");
    assert!(csv.contains("additional: 2.142857 (fractional)"), "{csv}");
    let mut json = Vec::new();
    tulos::report::write_json(&s, &mut json).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["impact_payments"][0]["amount"], "2142.86");
    let kinds: Vec<&serde_json::Value> = json["lines"].as_array().unwrap().iter().map(|l| &l["kind"]).collect();
    assert!(kinds.contains(&&serde_json::Value::from("impact")), "{kinds:?}");
}

/// (message, help) of each problem in `body`.
fn problems(body: &str) -> Vec<(String, String)> {
    match contract::parse(Path::new("test.toml"), &format!("{HEAD}{body}")) {
        Ok(_) => Vec::new(),
        Err(d) => d.0.into_iter().map(|d| (d.message, d.help.unwrap_or_default())).collect(),
    }
}

#[test]
fn every_mistake_is_located_with_what_to_write_instead() {
    let head = "[[impact_payment]]\nid = \"x\"\nname = { fi = \"X\", en = \"X\" }\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            "outcome = \"jbo\"\nagainst = \"control\"\nprice = \"1\"\n",
            "impact payment `outcome` names `jbo`, which is not an outcome of this contract",
            "did you mean `job`?",
        ),
        (
            "outcome = \"job\"\nagainst = \"control\"\nbaseline = \"0.3\"\nprice = \"1\"\n",
            "an impact payment needs exactly one of `against` or `baseline`",
            "write against = \"control\" (the records' comparison group) or baseline = \"0.30\" (a rate fixed in the contract)",
        ),
        (
            "outcome = \"job\"\nprice = \"1\"\n",
            "an impact payment needs exactly one of `against` or `baseline`",
            "write against = \"control\" (the records' comparison group) or baseline = \"0.30\" (a rate fixed in the contract)",
        ),
        (
            "outcome = \"job\"\nbaseline = \"30\"\nprice = \"1\"\n",
            "impact payment `baseline` is a rate between 0 and 1, found 30",
            "write a share as a decimal: \"0.40\" for 40 %",
        ),
        (
            "outcome = \"job\"\nagainst = \"control\"\nprice = \"-5\"\n",
            "impact payment `price` must not be negative, found -5",
            "write a positive amount or zero, e.g. price = \"1500.00\"; a deduction is not written as a negative payment",
        ),
        (
            "outcome = \"job\"\nagainst = \"control\"\nprice = 0x10\n",
            "impact payment `price` is written as a hexadecimal number (0x10)",
            "write plain decimal digits, e.g. 16, or an exact decimal in quotes",
        ),
        (
            "outcome = \"job\"\nagainst = \"controls\"\nprice = \"1\"\n",
            "`against` must be \"control\", found \"controls\"",
            "write against = \"control\" (records with \"arm\": \"control\"), or baseline = \"…\" for a fixed counterfactual",
        ),
        (
            "outcome = \"job\"\nagainst = \"control\"\nprice = \"1\"\npay_on = \"lower\"\n",
            "`pay_on` must be one of \"estimate\", \"lower_bound\", found \"lower\"",
            "write pay_on = \"estimate\" or \"lower_bound\"",
        ),
        (
            "outcome = \"job\"\nagainst = \"control\"\nprice = \"1\"\ncapp = \"5\"\n",
            "unknown key `capp` in impact payment `x`",
            "did you mean `cap`?",
        ),
        (
            "values = [{ value = \"tax\", sign = 1 }]\nagainst = \"control\"\nshare = \"0.3\"\n",
            "`value` names `tax`, which is not a [[value]] of this contract",
            "the values are: tax_paid, benefits_paid",
        ),
        (
            "values = [{ value = \"tax_paid\", sign = 2 }]\nagainst = \"control\"\nshare = \"0.3\"\n",
            "`sign` is 1 or -1, found 2",
            "write sign = 1 when a rise is a gain (tax paid), sign = -1 when a fall is (benefits paid)",
        ),
        (
            "values = [{ value = \"tax_paid\", sign = 1 }]\nagainst = \"control\"\nshare = \"-0.3\"\n",
            "impact payment `share` must not be negative, found -0.3",
            "write a positive amount or zero, e.g. share = \"0.30\"; a deduction is not written as a negative payment",
        ),
        (
            "values = [{ value = \"tax_paid\", sign = 1 }]\nshare = \"0.3\"\n",
            "an impact payment on values needs `against = \"control\"` or a `baseline` on every value",
            "write against = \"control\", or baseline = \"…\" (the mean without the service) in each entry of `values`",
        ),
        (
            "values = [{ value = \"tax_paid\", sign = 1, baseline = \"1\" }]\nagainst = \"control\"\nshare = \"0.3\"\n",
            "`against = \"control\"` and a `baseline` on a value cannot both be the counterfactual",
            "keep against = \"control\", or leave it out and give every value a baseline",
        ),
        (
            "outcome = \"job\"\nvalues = [{ value = \"tax_paid\", sign = 1 }]\nagainst = \"control\"\nprice = \"1\"\n",
            "an impact payment pays on exactly one of `outcome` or `values`",
            "write outcome = \"job_entry\" with price = \"…\" (per additional outcome), or values = [{ value = \"tax_paid\", sign = 1 }] with share = \"…\" (a share of the mean gain)",
        ),
    ];
    for (body, message, help) in cases {
        let found = problems(&format!("{head}{body}"));
        assert_eq!(found, vec![(message.to_string(), help.to_string())], "for\n{body}");
    }
    // An impact payment cannot take the id of an outcome: it names the line.
    let found = problems("[[impact_payment]]\nid = \"job\"\nname = { fi = \"X\", en = \"X\" }\noutcome = \"job\"\nagainst = \"control\"\nprice = \"1\"\n");
    assert_eq!(found[0].0, "impact payment id `job` is already used by another item");
    let fee = "[[fixed_fee]]\nid = \"fee\"\nname = { fi = \"M\", en = \"F\" }\namount = \"1\"\n\n";
    let found = problems(&format!("{fee}[[impact_payment]]\nid = \"fee\"\nname = {{ fi = \"X\", en = \"X\" }}\noutcome = \"job\"\nagainst = \"control\"\nprice = \"1\"\n"));
    assert_eq!(found[0].0, "impact payment id `fee` is already used by another item");
    // Every problem is located in the file.
    let d = contract::parse(
        Path::new("test.toml"),
        &format!("{HEAD}{head}outcome = \"job\"\nprice = \"1\"\nbaseline = \"2\"\n"),
    )
    .unwrap_err()
    .0
    .remove(0);
    assert!(matches!(d.location, tulos::diagnostic::Location::Span(_)), "{d:?}");
}

#[test]
fn contracts_without_impact_payments_have_no_impact_section() {
    let s = statement("", rates((10, 6), (7, 2)));
    assert!(s.impact_payments.is_empty());
    let mut json = Vec::new();
    tulos::report::write_json(&s, &mut json).unwrap();
    assert!(!String::from_utf8(json).unwrap().contains("impact_payments"));
    let mut csv = Vec::new();
    tulos::report::write_csv(&s, tulos::report::CsvDialect::Standard, &mut csv).unwrap();
    assert!(!String::from_utf8(csv).unwrap().contains("computation"));
}

#[test]
fn a_social_impact_bond_read_from_files_pays_its_share_of_the_fiscal_gain() {
    // tests/fixtures/impact-fiscal-gain: P-7 started after the eligible
    // period (ineligible), P-6 has no benefits figure (missing, shown).
    // Net values: participants 2000, 1000, 4000, 3000, 2600 (Σ 12600, N_T 5);
    // controls 0, −1000, 1500, 200 (Σ 700, N_C 4).
    // 0.30 × 5 × (12600/5 − 700/4) = 0.30 × 11725 = 3517.50; the payment's
    // own cap 3000.00 withholds 517.50.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/impact-fiscal-gain");
    let c = contract::load(&dir.join("contract.toml")).unwrap_or_else(|e| panic!("{:#?}", e.0));
    let ev = Evaluator::new(&c).unwrap_or_else(|e| panic!("{:#?}", e.0));
    let path = dir.join("records.jsonl");
    let reader = tulos::records::open_for(&path, Some(&c.id)).unwrap();
    let inputs = payment::fingerprint(&c, &path).unwrap();
    let request = Request { as_of: d("2026-12-31"), period: None };
    let s = payment::calculate(&c, &ev, reader, inputs, request).unwrap_or_else(|e| panic!("{e:?}"));
    let (line, computation) = impact(&s, "fiscal_gain");
    assert_eq!((line.amount, line.withheld, line.net), (dec("3517.50"), dec("517.50"), dec("3000.00")));
    assert_eq!((computation.participants.eligible, computation.participants.n), (6, 5));
    assert_eq!(computation.control.as_ref().map(|k| k.n), Some(4));
    assert_eq!((s.counts.ineligible, s.counts.control, s.lines.len()), (1, 4, 1));
}

#[test]
fn a_value_rule_that_gives_no_number_stops_the_run_naming_rule_and_record() {
    let body = FISCAL.replace(
        "share = \"0.30\"",
        "share = \"0.30\"\n\n[[value]]\nid = \"label\"\nname = { fi = \"N\", en = \"N\" }\nrule = '\"text\"'\n",
    );
    let body = body.replace("{ value = \"benefits_paid\", sign = -1 }", "{ value = \"label\", sign = -1 }");
    let c = contract::parse(Path::new("test.toml"), &format!("{HEAD}{body}")).unwrap_or_else(|e| panic!("{:#?}", e.0));
    let ev = Evaluator::new(&c).unwrap();
    let inputs = inputs_of(&c);
    let request = Request { as_of: d("2026-12-31"), period: None };
    let err = payment::calculate(&c, &ev, fiscal_records().into_iter().map(Ok), inputs, request).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("value `label`") && text.contains("P-1") && text.contains("a number or ()"), "{text}");
}

#[test]
fn a_billing_period_lists_the_impact_line_only_when_its_date_is_in_it() {
    let c = contract::parse(Path::new("test.toml"), &format!("{HEAD}{PER_JOB}date = 2026-12-31\n")).unwrap();
    let ev = Evaluator::new(&c).unwrap();
    let inputs = || inputs_of(&c);
    let period = |from, to| Some(tulos::statement::Period { from: d(from), to: d(to) });
    let run = |as_of, period| {
        let request = Request { as_of: d(as_of), period };
        payment::calculate(&c, &ev, rates((10, 6), (7, 2)).into_iter().map(Ok), inputs(), request).unwrap()
    };
    // Before its date there is no line yet.
    assert!(run("2026-12-30", None).impact_payments.is_empty());
    // A period before the line's date lists neither the line nor its computation.
    let s = run("2026-12-31", period("2026-01-01", "2026-06-30"));
    assert!(s.impact_payments.is_empty() && s.lines.iter().all(|l| &*l.id.item != "more_jobs"));
    assert_eq!(run("2026-12-31", period("2026-12-01", "2026-12-31")).impact_payments.len(), 1);
}

#[test]
fn weights_are_not_used_and_the_computation_says_so() {
    // The records format: weights serve effectiveness statistics, never payments.
    let mut records = rates((10, 6), (7, 2));
    records.iter_mut().for_each(|r| r.weight = dec("2.5"));
    let s = statement(PER_JOB, records);
    let (line, c) = impact(&s, "more_jobs");
    assert_eq!(line.amount, dec("2142.86"));
    assert!(c.weights.unwrap().starts_with("ignored"), "{c:?}");
    assert!(impact(&statement(PER_JOB, rates((10, 6), (7, 2))), "more_jobs").1.weights.is_none());
}
