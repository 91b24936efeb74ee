//! Payment semantics end to end: contract text + records → statement.
//!
//! Achievement dates come from declared date attributes (`p.attr("…")`),
//! so each test states exactly when each participant achieved what.

#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tulos::contract;
use tulos::payment::{self, CalcError, Evaluator, Request};
use tulos::records::{Arm, AttributeValue, Origin, Record, Service};
use tulos::statement::{Cap, Held, Inputs, ReasonCode, Statement};

fn d(s: &str) -> NaiveDate {
    tulos::calendar::parse_iso_date(s).unwrap()
}

fn dec(s: &str) -> Decimal {
    tulos::money::parse_decimal(s).unwrap()
}

const HEAD: &str = r#"
[contract]
id = "T-1"
title = { fi = "Testi", en = "Test" }
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }
target_groups = ["long_term_unemployed", "youth"]

[attributes]
a = "date"
b = "date"
"#;

/// A participant whose attributes `a` and `b` are the given dates.
fn person(id: &str, a: Option<&str>, b: Option<&str>) -> Record {
    let mut attributes = BTreeMap::new();
    for (k, v) in [("a", a), ("b", b)] {
        if let Some(v) = v {
            attributes.insert(k.to_string(), AttributeValue::Text(v.to_string(), Default::default()));
        }
    }
    Record {
        id: id.into(),
        contract: None,
        arm: Arm::Participant,
        weight: Decimal::ONE,
        municipality: Some("Jämsä".into()),
        birth_date: Some(d("1990-01-01")),
        groups: vec!["long_term_unemployed".into()],
        service: Service { start: d("2026-01-05"), end: Some(d("2026-03-31")), completed: Some(true) },
        spells: vec![],
        earnings: vec![],
        events: vec![],
        measures: vec![],
        feedback: vec![],
        attributes,
        origin: Origin { file: Arc::new(PathBuf::from("test.jsonl")), line: 1 },
    }
}

fn calculate(body: &str, records: Vec<Record>, as_of: &str) -> Result<Statement, CalcError> {
    calculate_with(HEAD, body, records, as_of)
}

/// `HEAD` with `extra` lines added to its `[contract]` section.
fn head_with(extra: &str) -> String {
    HEAD.replace("target_groups", &format!("{extra}\ntarget_groups"))
}

fn calculate_with(head: &str, body: &str, records: Vec<Record>, as_of: &str) -> Result<Statement, CalcError> {
    let text = format!("{head}{body}");
    let c = contract::parse(Path::new("test.toml"), &text).unwrap_or_else(|e| panic!("{:#?}", e.0));
    let ev = Evaluator::new(&c).unwrap_or_else(|e| panic!("{:#?}", e.0));
    let inputs = Inputs {
        contract_file: "test.toml".into(),
        contract_sha256: payment::sha256(text.as_bytes()),
        libraries: BTreeMap::new(),
        records: BTreeMap::new(),
    };
    payment::calculate(&c, &ev, records.into_iter().map(Ok), inputs, Request { as_of: d(as_of), period: None })
}

fn ok(body: &str, records: Vec<Record>, as_of: &str) -> Statement {
    calculate(body, records, as_of).unwrap_or_else(|e| panic!("{e:?}"))
}

/// (participant, item, occurrence, net, withheld) of every line.
fn lines(s: &Statement) -> Vec<(String, String, u32, String, String)> {
    s.lines
        .iter()
        .map(|l| {
            (
                l.id.participant.to_string(),
                l.id.item.to_string(),
                l.id.occurrence,
                l.net.to_string(),
                l.withheld.to_string(),
            )
        })
        .collect()
}

fn reasons(s: &Statement) -> Vec<(String, String, ReasonCode)> {
    s.unpaid.iter().map(|u| (u.participant.to_string(), u.item.to_string(), u.reason.clone())).collect()
}

fn row(p: &str, item: &str, occ: u32, net: &str, withheld: &str) -> (String, String, u32, String, String) {
    (p.into(), item.into(), occ, net.into(), withheld.into())
}

const ONE_OUTCOME: &str = r#"
[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'p.attr("a")'
tariff = "1000.00"
"#;

#[test]
fn contract_cap_pays_in_achievement_order_then_participant_id() {
    let body = format!("{ONE_OUTCOME}\n[caps]\ncontract_total = \"2500.00\"\n");
    // Records arrive in an order unrelated to achievement.
    let records = vec![
        person("P-3", Some("2026-05-01"), None),
        person("P-2", Some("2026-04-01"), None),
        person("P-1", Some("2026-04-01"), None),
    ];
    let s = ok(&body, records, "2026-12-31");
    assert_eq!(
        lines(&s),
        vec![
            row("P-1", "job", 1, "1000.00", "0.00"),
            row("P-2", "job", 1, "1000.00", "0.00"),
            row("P-3", "job", 1, "500.00", "500.00")
        ]
    );
    assert_eq!(s.lines[2].withheld_by, [Held { cap: Cap::ContractTotal, amount: dec("500.00") }]);
    assert_eq!(s.totals.overall.net, dec("2500.00"));
    assert_eq!(s.totals.overall.withheld, dec("500.00"));
}

#[test]
fn outcome_cap_then_participant_cap_then_contract_cap() {
    let body = r#"
[start_fee]
name = { fi = "Aloitus", en = "Start" }
tariff = "300.00"

[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'p.attr("a")'
tariff = "1000.00"
cap_total = "1500.00"

[caps]
per_participant = "1100.00"
contract_total = "2000.00"
"#;
    let records = vec![person("P-1", Some("2026-02-01"), None), person("P-2", Some("2026-03-01"), None)];
    let s = ok(body, records, "2026-12-31");
    // Start fees on 2026-01-05 (300 + 300), then P-1's job: participant cap
    // leaves 800; then P-2's job: outcome cap leaves 700, participant cap
    // 800, contract cap 2000 − 1400 = 600.
    assert_eq!(
        lines(&s),
        vec![
            row("P-1", "start_fee", 1, "300.00", "0.00"),
            row("P-2", "start_fee", 1, "300.00", "0.00"),
            row("P-1", "job", 1, "800.00", "200.00"),
            row("P-2", "job", 1, "600.00", "400.00"),
        ]
    );
    assert_eq!(s.lines[2].withheld_by, [Held { cap: Cap::PerParticipant, amount: dec("200.00") }]);
    // P-2's job is held back by two caps, each shown with its share: the
    // outcome cap leaves 1500 − 800 = 700 (300 held), then the contract cap
    // leaves 2000 − 1400 = 600 (100 more).
    assert_eq!(
        s.lines[3].withheld_by,
        [
            Held { cap: Cap::OutcomeTotal, amount: dec("300.00") },
            Held { cap: Cap::ContractTotal, amount: dec("100.00") }
        ]
    );
}

#[test]
fn a_fully_capped_line_stays_on_the_statement() {
    let body = format!("{ONE_OUTCOME}\n[caps]\ncontract_total = \"1000.00\"\n");
    let s =
        ok(&body, vec![person("P-1", Some("2026-02-01"), None), person("P-2", Some("2026-03-01"), None)], "2026-12-31");
    assert_eq!(lines(&s)[1], row("P-2", "job", 1, "0.00", "1000.00"));
    assert_eq!(s.counts.paid, 1);
}

#[test]
fn sequencing_requires_the_earlier_outcome_on_or_before() {
    let body = r#"
[[outcome]]
id = "entry"
name = { fi = "Työllistyminen", en = "Job entry" }
achieved_on = 'p.attr("a")'
tariff = "1000.00"

[[outcome]]
id = "sustained"
name = { fi = "Pysyvä", en = "Sustained" }
achieved_on = 'p.attr("b")'
requires = ["entry"]
tariff = "500.00"
"#;
    let records = vec![
        person("P-1", Some("2026-02-01"), Some("2026-05-01")),
        person("P-2", None, Some("2026-05-01")),
        person("P-3", Some("2026-06-01"), Some("2026-05-01")),
    ];
    let s = ok(body, records, "2026-12-31");
    assert_eq!(
        lines(&s),
        vec![
            row("P-1", "entry", 1, "1000.00", "0.00"),
            row("P-1", "sustained", 1, "500.00", "0.00"),
            row("P-3", "entry", 1, "1000.00", "0.00")
        ]
    );
    assert_eq!(
        reasons(&s),
        vec![
            ("P-2".into(), "entry".into(), ReasonCode::NotAchieved),
            ("P-2".into(), "sustained".into(), ReasonCode::Requires),
            ("P-3".into(), "sustained".into(), ReasonCode::Requires),
        ]
    );
}

#[test]
fn exclusive_outcomes_pay_only_the_highest_and_ties_go_to_the_first_listed() {
    let body = r#"
[[outcome]]
id = "trial"
name = { fi = "Työkokeilu", en = "Work trial" }
achieved_on = 'p.attr("a")'
tariff = "400.00"

[[outcome]]
id = "education"
name = { fi = "Koulutus", en = "Education" }
achieved_on = 'p.attr("b")'
tariff = [{ from = 2026-01-01, amount = "700.00" }, { from = 2026-07-01, amount = "400.00" }]

[[exclusive]]
outcomes = ["education", "trial"]
"#;
    let records = vec![
        person("P-1", Some("2026-03-01"), Some("2026-04-01")),
        person("P-2", Some("2026-03-01"), Some("2026-08-01")),
    ];
    let s = ok(body, records, "2026-12-31");
    assert_eq!(
        lines(&s),
        vec![row("P-1", "education", 1, "700.00", "0.00"), row("P-2", "education", 1, "400.00", "0.00")]
    );
    let excluded: Vec<_> =
        s.unpaid.iter().filter(|u| u.reason == ReasonCode::ExcludedBy).map(|u| &*u.participant).collect();
    assert_eq!(excluded, ["P-1", "P-2"]);
}

#[test]
fn the_tariff_in_force_on_the_achievement_date_applies_with_its_clause() {
    let body = r#"
[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
clause = "§ 6"
achieved_on = 'p.attr("a")'
tariff = [
  { from = 2026-02-01, to = 2026-06-30, amount = "1000.00", clause = "§ 6" },
  { from = 2026-08-01, amount = "1100.00", clause = "Muutos 1" },
]
"#;
    let records = vec![
        person("P-1", Some("2026-06-30"), None),
        person("P-2", Some("2026-08-01"), None),
        person("P-3", Some("2026-07-15"), None),
        person("P-4", Some("2026-01-15"), None),
    ];
    let s = ok(body, records, "2026-12-31");
    let got: Vec<_> = s
        .lines
        .iter()
        .map(|l| (&*l.id.participant, l.tariff.to_string(), l.clause.as_deref().unwrap().to_string()))
        .collect();
    assert_eq!(got, [("P-1", "1000.00".to_string(), "§ 6".to_string()), ("P-2", "1100.00".into(), "Muutos 1".into())]);
    let no_tariff: Vec<_> =
        s.unpaid.iter().filter(|u| u.reason == ReasonCode::NoTariff).map(|u| &*u.participant).collect();
    assert_eq!(no_tariff, ["P-3", "P-4"]);
}

#[test]
fn vat_is_rounded_per_line_and_gross_is_net_plus_vat() {
    let body = ONE_OUTCOME.replace("1000.00", "150.62");
    let s = calculate_with(
        &head_with("vat_percent = \"25.5\""),
        &body,
        vec![person("P-1", Some("2026-02-01"), None)],
        "2026-12-31",
    )
    .unwrap();
    // 150.62 × 25.5 % = 38.4081 → 38.41
    let l = &s.lines[0];
    assert_eq!(
        (l.net.to_string(), l.vat.to_string(), l.gross.to_string()),
        ("150.62".into(), "38.41".into(), "189.03".into())
    );
    assert_eq!(s.totals.overall.vat, dec("38.41"));
}

#[test]
fn rounding_mode_decides_midpoints_of_multiplied_tariffs() {
    let body = format!(
        "{}\n[[multiplier]]\nid = \"ltu\"\nwhen = {{ groups_any = [\"long_term_unemployed\"] }}\nfactor = \"1.25\"\n",
        ONE_OUTCOME.replace("1000.00", "120.50")
    );
    let amount = |mode: &str| {
        let head = head_with(&format!("rounding = {{ scale = 2, mode = \"{mode}\" }}"));
        let s = calculate_with(&head, &body, vec![person("P-1", Some("2026-02-01"), None)], "2026-12-31").unwrap();
        s.lines[0].amount.to_string()
    };
    // 120.50 × 1.25 = 150.625
    assert_eq!(amount("half_away_from_zero"), "150.63");
    assert_eq!(amount("half_even"), "150.62");
    assert_eq!(amount("down"), "150.62");
}

#[test]
fn recurring_outcomes_pay_each_occurrence_up_to_the_maximum() {
    let body = r#"
[[outcome]]
id = "month_in_work"
name = { fi = "Kuukausi työssä", en = "Month in work" }
achieved_on = '[p.attr("a"), p.attr("a").add_months(1), p.attr("a").add_months(2), p.attr("a").add_months(3)]'
max_per_participant = 3
tariff = "100.00"
"#;
    let s = ok(body, vec![person("P-1", Some("2026-01-31"), None)], "2026-12-31");
    let got: Vec<_> = s.lines.iter().map(|l| (l.id.occurrence, l.achieved_on.to_string())).collect();
    // Month-end rule: 31 Jan + 1 month = 28 Feb.
    assert_eq!(got, [(1, "2026-01-31".into()), (2, "2026-02-28".into()), (3, "2026-03-31".into())]);
    assert_eq!(reasons(&s), [("P-1".into(), "month_in_work".into(), ReasonCode::MaxReached)]);
}

#[test]
fn outcomes_after_the_as_of_date_are_not_paid_yet() {
    let s = ok(ONE_OUTCOME, vec![person("P-1", Some("2026-09-01"), None)], "2026-08-31");
    assert!(s.lines.is_empty());
    assert_eq!(reasons(&s), [("P-1".into(), "job".into(), ReasonCode::AchievedAfterAsOf)]);
}

#[test]
fn control_and_other_contract_records_are_counted_never_paid() {
    let mut control = person("P-C", Some("2026-02-01"), None);
    control.arm = Arm::Control;
    let mut other = person("P-O", Some("2026-02-01"), None);
    other.contract = Some("SOMETHING-ELSE".into());
    let mut mine = person("P-1", Some("2026-02-01"), None);
    mine.contract = Some("T-1".into());
    let s = ok(ONE_OUTCOME, vec![control, other, mine], "2026-12-31");
    assert_eq!(lines(&s), [row("P-1", "job", 1, "1000.00", "0.00")]);
    assert_eq!((s.counts.records_read, s.counts.control, s.counts.other_contract, s.counts.eligible), (3, 1, 1, 1));
}

#[test]
fn ineligible_participants_are_listed_with_the_rule_they_failed() {
    let body = format!("[eligibility]\ngroups_any = [\"youth\"]\n{ONE_OUTCOME}");
    let s = ok(&body, vec![person("P-1", Some("2026-02-01"), None)], "2026-12-31");
    assert!(s.lines.is_empty());
    assert_eq!(s.ineligible.len(), 1);
    assert!(s.ineligible[0].reason.contains("youth"), "{}", s.ineligible[0].reason);
}

#[test]
fn monthly_fixed_fees_fall_due_at_each_month_end_up_to_as_of() {
    let body = format!(
        "{ONE_OUTCOME}\n[[fixed_fee]]\nid = \"delivery\"\nname = {{ fi = \"Palvelumaksu\", en = \"Delivery\" }}\namount = \"500.00\"\nfrom = 2026-01-15\n"
    );
    let s = ok(&body, vec![], "2026-04-29");
    let got: Vec<_> = s.lines.iter().map(|l| (&*l.id.participant, l.achieved_on.to_string())).collect();
    assert_eq!(got, [("", "2026-01-31".to_string()), ("", "2026-02-28".into()), ("", "2026-03-31".into())]);
}

#[test]
fn a_rule_returning_the_wrong_type_names_the_rule_and_participant() {
    let body = ONE_OUTCOME.replace("p.attr(\"a\")", "42");
    let err = calculate(&body, vec![person("P-7", None, None)], "2026-12-31").unwrap_err();
    let CalcError::Rule(e) = err else { panic!("expected a rule error") };
    assert_eq!(e.participant, "P-7");
    assert!(e.rule.contains("job"), "{}", e.rule);
    assert!(e.message.contains("42"), "{}", e.message);
}

#[test]
fn an_endless_loop_stops_with_an_error_naming_the_rule() {
    let body = ONE_OUTCOME.replace("p.attr(\"a\")", "loop { }");
    let err = calculate(&body, vec![person("P-9", None, None)], "2026-12-31").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("job") && text.contains("P-9"), "{text}");
}

#[test]
fn an_attribute_of_the_wrong_type_is_an_input_error_with_line_and_participant() {
    let mut p = person("P-5", None, None);
    p.attributes.insert("a".into(), AttributeValue::Text("ensi kuussa".into(), Default::default()));
    let err = calculate(ONE_OUTCOME, vec![p], "2026-12-31").unwrap_err();
    let CalcError::Records(diags) = err else { panic!("expected input errors") };
    let text = diags[0].to_string();
    assert!(text.contains("test.jsonl:1") && text.contains("P-5") && text.contains("a date"), "{text}");
}

#[test]
fn groups_and_kinds_outside_the_contracts_vocabulary_are_input_errors() {
    let mut youth = person("P-1", Some("2026-02-01"), None);
    youth.groups = vec!["Youth".into()];
    let CalcError::Records(diags) = calculate(ONE_OUTCOME, vec![youth], "2026-12-31").unwrap_err() else {
        panic!("expected an input error")
    };
    assert!(diags[0].message.contains("group `Youth` is not one the contract knows"), "{}", diags[0]);
    assert!(diags[0].help.as_deref().unwrap().starts_with("did you mean `youth`?"), "{}", diags[0]);

    let mut typo = person("P-2", Some("2026-02-01"), None);
    typo.spells.push(tulos::records::Spell {
        kind: "employmnet".into(),
        sector: None,
        start: d("2026-05-01"),
        end: None,
        hours_per_week: None,
        source: None,
    });
    let CalcError::Records(diags) = calculate(ONE_OUTCOME, vec![typo.clone()], "2026-12-31").unwrap_err() else {
        panic!("expected an input error")
    };
    assert!(diags[0].message.contains("spell kind `employmnet`"), "{}", diags[0]);

    // A kind the contract declares is accepted.
    let s =
        calculate_with(&head_with("spell_kinds = [\"employmnet\"]"), ONE_OUTCOME, vec![typo], "2026-12-31").unwrap();
    assert_eq!(s.lines.len(), 1);
}

#[test]
fn completion_counts_only_once_the_service_has_ended_by_the_as_of_date() {
    let body = format!("[eligibility]\ncompleted = true\n{ONE_OUTCOME}");
    let mut p = person("P-1", Some("2026-02-01"), None);
    p.service.end = Some(d("2026-06-30"));
    let early = ok(&body, vec![p.clone()], "2026-05-31");
    assert_eq!(early.counts.ineligible, 1, "on 31 May the service had not ended, whatever the export says later");
    let late = ok(&body, vec![p], "2026-07-31");
    assert_eq!(late.counts.eligible, 1);
}

#[test]
fn other_contract_records_are_counted_by_contract_id() {
    let mut other = person("P-O", Some("2026-02-01"), None);
    other.contract = Some("KS-TVA-2O26".into());
    let s = ok(ONE_OUTCOME, vec![other], "2026-12-31");
    assert_eq!(s.counts.other_contracts.get("KS-TVA-2O26"), Some(&1));
}

const TABLE_CONDITION: &str = r#"
[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
condition = { table = "covered" }
achieved_on = 'p.attr("a")'
tariff = "1000.00"

[tables.covered]
hit_policy = "unique"
inputs = [ { name = "municipality", from = "municipality", type = "text" } ]
outputs = [ { name = "covered", type = "boolean" } ]
rows = [
  [ "Jämsä",       "true" ],
  [ "not(Jämsä)",  "false" ],
]
"#;

#[test]
fn an_outcome_condition_can_be_a_decision_table() {
    let mut keuruu = person("P-2", Some("2026-02-01"), None);
    keuruu.municipality = Some("Keuruu".into());
    let s = ok(TABLE_CONDITION, vec![person("P-1", Some("2026-02-01"), None), keuruu], "2026-12-31");
    assert_eq!(lines(&s), [row("P-1", "job", 1, "1000.00", "0.00")]);
    assert_eq!(reasons(&s), [("P-2".into(), "job".into(), ReasonCode::NotAchieved)]);
}

#[test]
fn a_hit_policy_violation_while_paying_names_the_participant_and_rows() {
    let body = TABLE_CONDITION.replace(r#""not(Jämsä)""#, r#""-""#);
    let err = calculate(&body, vec![person("P-7", Some("2026-02-01"), None)], "2026-12-31").unwrap_err();
    let CalcError::Rule(e) = err else { panic!("expected a rule error") };
    assert_eq!(e.participant, "P-7");
    assert!(e.rule.contains("covered") && e.message.contains("rows 1 and 2"), "{e}");
}

#[test]
fn a_line_capped_to_nothing_also_gets_the_reason_capped() {
    let body = format!("{ONE_OUTCOME}\n[caps]\ncontract_total = \"1000.00\"\n");
    let s =
        ok(&body, vec![person("P-1", Some("2026-02-01"), None), person("P-2", Some("2026-03-01"), None)], "2026-12-31");
    assert_eq!(reasons(&s), [("P-2".into(), "job".into(), ReasonCode::Capped)]);
}

#[test]
fn eligibility_by_municipality_and_by_table() {
    let mut keuruu = person("P-2", Some("2026-02-01"), None);
    keuruu.municipality = Some("Keuruu".into());
    let by_list = format!("[eligibility]\nmunicipalities = [\"Keuruu\"]\n{ONE_OUTCOME}");
    let s = ok(&by_list, vec![person("P-1", Some("2026-02-01"), None), keuruu.clone()], "2026-12-31");
    assert_eq!(lines(&s), [row("P-2", "job", 1, "1000.00", "0.00")]);

    let by_table = format!(
        "[eligibility]\ntable = \"who\"\n{ONE_OUTCOME}\n[tables.who]\nhit_policy = \"first\"\n\
         inputs = [ {{ name = \"age\", from = \"age\", type = \"number\" }} ]\n\
         outputs = [ {{ name = \"eligible\", type = \"boolean\" }} ]\n\
         rows = [ [ \">= 30\", \"true\" ], [ \"-\", \"false\" ] ]\n"
    );
    let mut young = person("P-3", Some("2026-02-01"), None);
    young.birth_date = Some(d("2000-06-01"));
    let s = ok(&by_table, vec![person("P-1", Some("2026-02-01"), None), young], "2026-12-31");
    assert_eq!(lines(&s), [row("P-1", "job", 1, "1000.00", "0.00")]);
    assert!(s.ineligible[0].reason.contains("who row 2"), "{}", s.ineligible[0].reason);
}

#[test]
fn a_one_off_fee_falls_due_on_its_first_day() {
    let body = format!(
        "{ONE_OUTCOME}\n[[fixed_fee]]\nid = \"setup\"\nname = {{ fi = \"Perustaminen\", en = \"Set-up\" }}\n\
         amount = \"2500.00\"\nevery = \"once\"\nfrom = 2026-03-01\n"
    );
    assert!(ok(&body, vec![], "2026-02-28").lines.is_empty());
    let s = ok(&body, vec![], "2026-03-01");
    let got: Vec<_> = s.lines.iter().map(|l| (&*l.id.item, l.achieved_on.to_string(), l.net.to_string())).collect();
    assert_eq!(got, [("setup", "2026-03-01".to_string(), "2500.00".to_string())]);
}

#[test]
fn multipliers_combine_as_the_highest_or_as_a_product() {
    let multipliers =
        "\n[[multiplier]]\nid = \"ltu\"\nwhen = { groups_any = [\"long_term_unemployed\"] }\nfactor = \"1.5\"\n\
                       \n[[multiplier]]\nid = \"everyone\"\nfactor = \"1.2\"\n";
    let body = format!("{ONE_OUTCOME}{multipliers}");
    let s = ok(&body, vec![person("P-1", Some("2026-02-01"), None)], "2026-12-31");
    assert_eq!((s.lines[0].amount.to_string(), s.lines[0].multipliers.len()), ("1500.00".into(), 1));
    let s = calculate_with(
        &head_with("multipliers = \"product\""),
        &body,
        vec![person("P-1", Some("2026-02-01"), None)],
        "2026-12-31",
    )
    .unwrap();
    assert_eq!((s.lines[0].amount.to_string(), s.lines[0].multipliers.len()), ("1800.00".into(), 2));
}

#[test]
fn a_parameter_with_one_dated_version_is_in_force_only_from_its_date() {
    let body = format!(
        "[parameters]\nbonus_from = [{{ from = 2026-03-01, value = 1 }}]\n{}",
        ONE_OUTCOME.replace(
            "achieved_on = 'p.attr(\"a\")'",
            "condition = 'params.bonus_from == 1'\nachieved_on = 'p.attr(\"a\")'"
        )
    );
    let mut later = person("P-2", Some("2026-04-01"), None);
    later.service.start = d("2026-03-02");
    let s = ok(&body, vec![later], "2026-12-31");
    assert_eq!(lines(&s), [row("P-2", "job", 1, "1000.00", "0.00")]);
    // Started before the parameter existed: the rule cannot read it.
    let err = calculate(&body, vec![person("P-1", Some("2026-04-01"), None)], "2026-12-31").unwrap_err();
    assert!(err.to_string().contains("bonus_from"), "{err}");
}
