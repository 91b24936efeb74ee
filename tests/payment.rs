//! Payment semantics end to end: contract text + records → statement.
//!
//! Achievement dates come from declared date attributes (`p.attr("…")`),
//! so each test states exactly when each participant achieved what.

#![allow(clippy::result_large_err)]

mod common;

use std::path::Path;

use tulos::contract;
use tulos::payment::CalcError;
use tulos::records::{Arm, AttributeValue, Record};
use tulos::statement::{Cap, Held, ReasonCode, Statement};

use common::{d, dec, participant, text_attributes};

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
    Record { attributes: text_attributes(&[("a", a), ("b", b)]), ..participant(id) }
}

fn calculate(body: &str, records: Vec<Record>, as_of: &str) -> Result<Statement, CalcError> {
    calculate_with(HEAD, body, records, as_of)
}

/// `HEAD` with `extra` lines added to its `[contract]` section.
fn head_with(extra: &str) -> String {
    HEAD.replace("target_groups", &format!("{extra}\ntarget_groups"))
}

fn calculate_with(head: &str, body: &str, records: Vec<Record>, as_of: &str) -> Result<Statement, CalcError> {
    run(&parsed(head, body), records, as_of)
}

/// The contract `head` + `body`, loaded and checked.
fn parsed(head: &str, body: &str) -> contract::Contract {
    common::parse(&format!("{head}{body}"))
}

fn run(c: &contract::Contract, records: Vec<Record>, as_of: &str) -> Result<Statement, CalcError> {
    common::calculate(c, records, common::as_of(as_of))
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
fn a_days_lines_put_in_participant_order_keep_their_own_participants_caps() {
    let body = r#"
[[outcome]]
id = "entry"
name = { fi = "Työllistyminen", en = "Job entry" }
achieved_on = 'p.attr("a")'
tariff = "1000.00"

[[outcome]]
id = "bonus"
name = { fi = "Lisä", en = "Bonus" }
achieved_on = 'p.attr("b")'
tariff = "500.00"

[caps]
per_participant = "1200.00"
"#;
    // On 2026-03-01 Z-9's bonus comes first in the file and A-1's entry
    // second; the statement puts A-1 first. Each line is capped against
    // its own participant's total: Z-9 was paid 1000 before, A-1 nothing.
    let records = vec![person("Z-9", Some("2026-02-01"), Some("2026-03-01")), person("A-1", Some("2026-03-01"), None)];
    let s = ok(body, records, "2026-12-31");
    assert_eq!(
        lines(&s),
        vec![
            row("Z-9", "entry", 1, "1000.00", "0.00"),
            row("A-1", "entry", 1, "1000.00", "0.00"),
            row("Z-9", "bonus", 1, "200.00", "300.00"),
        ]
    );
    assert_eq!(s.lines[2].withheld_by, [Held { cap: Cap::PerParticipant, amount: dec("300.00") }]);
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
fn occurrences_either_side_of_a_tariff_change_are_each_paid_at_the_tariff_of_their_day() {
    // One participant's occurrences share the amount and basis of one
    // tariff; a new version (or clause) in between must not be missed.
    let body = r#"
[[outcome]]
id = "month_in_work"
name = { fi = "Kuukausi työssä", en = "Month in work" }
clause = "§ 6"
achieved_on = '[p.attr("a"), p.attr("a").add_months(1), p.attr("a").add_months(2), p.attr("a").add_months(3), p.attr("a").add_months(4)]'
max_per_participant = 5
tariff = [
  { from = 2026-01-01, to = 2026-05-31, amount = "100.00", clause = "§ 6" },
  { from = 2026-06-01, to = 2026-06-30, amount = "100.00", clause = "Muutos 1" },
  { from = 2026-07-01, amount = "110.0", clause = "Muutos 1" },
]
"#;
    let s = ok(body, vec![person("P-1", Some("2026-04-15"), None)], "2026-12-31");
    let got: Vec<_> = s
        .lines
        .iter()
        .map(|l| (l.achieved_on.to_string(), l.amount.to_string(), l.clause.as_deref().unwrap().to_string()))
        .collect();
    let line = |day: &str, amount: &str, clause: &str| (day.to_string(), amount.to_string(), clause.to_string());
    assert_eq!(
        got,
        [
            line("2026-04-15", "100.00", "§ 6"),
            line("2026-05-15", "100.00", "§ 6"),
            line("2026-06-15", "100.00", "Muutos 1"),
            line("2026-07-15", "110.00", "Muutos 1"),
            line("2026-08-15", "110.00", "Muutos 1"),
        ]
    );
    // The tariff as written, with its own scale, on each line's basis.
    assert_eq!(s.lines[3].tariff.to_string(), "110.0");
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
    let parameter = "[parameters]\nbonus_from = [{ from = 2026-03-01, value = 1 }]\n";
    let outcome = ONE_OUTCOME.replace(
        "achieved_on = 'p.attr(\"a\")'",
        "condition = 'params.bonus_from == 1'\nachieved_on = 'p.attr(\"a\")'",
    );
    // A contract admitting starts before the parameter exists does not load.
    let text = format!("{HEAD}{parameter}{outcome}");
    let err = contract::parse(Path::new("test.toml"), &text).unwrap_err();
    assert!(err.0.iter().any(|d| d.message.contains("bonus_from")), "{:#?}", err.0);
    // Admitting only starts from its date, it is in force for every eligible participant.
    let body = format!("[eligibility]\nservice_start = {{ from = 2026-03-01 }}\n{parameter}{outcome}");
    let mut later = person("P-2", Some("2026-04-01"), None);
    later.service.start = d("2026-03-02");
    let s = ok(&body, vec![later, person("P-1", Some("2026-04-01"), None)], "2026-12-31");
    assert_eq!(lines(&s), [row("P-2", "job", 1, "1000.00", "0.00")]);
    assert_eq!(s.ineligible.len(), 1, "P-1 started before 2026-03-01");
}

/// `ONE_OUTCOME` priced at `tariff`, with one multiplier per factor, all
/// applying to everyone, combined as a product.
fn priced(tariff: &str, factors: &[&str]) -> (String, String) {
    let mut body = ONE_OUTCOME.replace("\"1000.00\"", &format!("\"{tariff}\""));
    for (n, f) in factors.iter().enumerate() {
        body.push_str(&format!("\n[[multiplier]]\nid = \"m{n}\"\nfactor = \"{f}\"\n"));
    }
    (head_with("multipliers = \"product\""), body)
}

#[test]
fn money_too_large_for_a_decimal_is_an_error_naming_participant_and_item_not_a_panic() {
    let big = "999999999999999";
    let people = || vec![person("P-1", Some("2026-02-01"), None), person("P-2", Some("2026-02-01"), None)];
    // The product of the factors, the tariff × factor, and the sum of two
    // lines each overflow at a different step.
    for (tariff, factors, step) in [
        (big, vec![big, big, big], "product of the factors"),
        (big, vec![big], "too large"),
        ("100000000000000", vec!["400000000000000"], "total paid"),
    ] {
        let (head, body) = priced(tariff, &factors);
        let err = calculate_with(&head, &body, people(), "2026-12-31").unwrap_err();
        let text = err.to_string();
        assert!(text.contains(step) && text.contains("job") && text.contains("P-"), "{text}");
        assert!(!matches!(err, CalcError::Records(_)), "{text}");
    }
    // Large, but within a decimal: paid exactly.
    let (head, body) = priced(big, &[big]);
    let s =
        calculate_with(&head, &body.replace(big, "1000"), vec![person("P-1", Some("2026-02-01"), None)], "2026-12-31")
            .unwrap();
    assert_eq!(s.lines[0].amount, dec("1000000.00"));
}

const TARIFF_TABLE: &str = r#"
[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'p.attr("a")'
tariff = { table = "prices" }

[[multiplier]]
id = "by_age"
factor = { table = "factors" }

[tables.prices]
hit_policy = "first"
inputs = [ { name = "age", from = "age", type = "number" } ]
outputs = [ { name = "tariff", type = "number" } ]
rows = [ [ ">= 30", "400.00" ], [ "-", "500.00" ] ]

[tables.factors]
hit_policy = "first"
inputs = [ { name = "age", from = "age", type = "number" } ]
outputs = [ { name = "factor", type = "number" } ]
rows = [ [ ">= 30", "1.10" ], [ "-", "1.20" ] ]
"#;

#[test]
fn a_table_row_giving_a_negative_tariff_or_factor_is_an_error_naming_the_row() {
    let paid = run(&parsed(HEAD, TARIFF_TABLE), vec![person("P-1", Some("2026-02-01"), None)], "2026-12-31").unwrap();
    assert_eq!(paid.lines[0].amount, dec("440.00"));
    // Load-time checks refuse such cells; a value that slipped past them is
    // still never paid.
    for (table, what) in [("prices", "tariff"), ("factors", "factor")] {
        let mut c = parsed(HEAD, TARIFF_TABLE);
        let t = c.tables.iter_mut().find(|t| t.name == table).unwrap();
        t.rows[0].outputs[0] = tulos::tables::Value::Number(dec("-1.10"));
        let err = run(&c, vec![person("P-1", Some("2026-02-01"), None)], "2026-12-31").unwrap_err();
        let CalcError::Rule(e) = err else { panic!("expected an error naming the rule") };
        assert_eq!(e.participant, "P-1");
        assert!(e.rule.contains("job"), "{e}");
        assert!(e.message.contains(&format!("{table} row 1 gives the {what} -1.10")), "{e}");
    }
}

#[test]
fn the_same_participant_twice_is_never_paid_twice() {
    let twice = vec![person("P-1", Some("2026-02-01"), None), person("P-1", Some("2026-02-01"), None)];
    let err = calculate(ONE_OUTCOME, twice, "2026-12-31").unwrap_err();
    assert!(err.to_string().contains("P-1"), "{err}");
}

#[test]
fn vocabulary_errors_never_echo_an_identity_code() {
    for (group, kind) in [("131052-308T", None), ("youth", Some("131052-308T"))] {
        let mut p = person("P-1", Some("2026-02-01"), None);
        p.groups = vec![group.into()];
        if let Some(kind) = kind {
            p.spells.push(tulos::records::Spell {
                kind: kind.into(),
                sector: None,
                start: d("2026-05-01"),
                end: None,
                hours_per_week: None,
                source: None,
            });
        }
        let CalcError::Records(diags) = calculate(ONE_OUTCOME, vec![p], "2026-12-31").unwrap_err() else {
            panic!("expected an input error")
        };
        let text = format!("{} {}", diags[0], diags[0].help.as_deref().unwrap_or_default());
        assert!(!text.contains("131052") && text.contains(tulos::records::hetu::MASK), "{text}");
    }
}

/// A statement whose ids, municipality and group come from a hostile
/// records file.
fn hostile_statement() -> Statement {
    let body = format!("{ONE_OUTCOME}\n[caps]\nper_participant = \"400.00\"\n");
    let mut formula = person("=HYPERLINK(\"http://x\")", Some("2026-02-01"), None);
    formula.municipality = Some("@SUM(A1:A9)".into());
    let mut escape = person("\u{1b}[31mP-2\nP-9  job", Some("2026-02-02"), None);
    escape.municipality = Some("-2+3".into());
    let mut bidi = person("+P-3\u{202e}", Some("2026-02-03"), None);
    bidi.municipality = Some("\tJämsä\r".into());
    let mut code = person("P-4", Some("2026-02-04"), None);
    code.municipality = Some("131052-308T".into());
    ok(&body, vec![formula, escape, bidi, code], "2026-12-31")
}

#[test]
fn csv_text_fields_that_a_spreadsheet_would_run_are_neutralised_and_numbers_kept() {
    let s = hostile_statement();
    for dialect in [tulos::report::CsvDialect::Standard, tulos::report::CsvDialect::Finnish] {
        let mut out = Vec::new();
        tulos::report::write_csv(&s, dialect, &mut out).unwrap();
        let csv = String::from_utf8(out).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(if dialect == tulos::report::CsvDialect::Standard { b',' } else { b';' })
            .from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4, "{csv}");
        for row in &rows {
            for (n, field) in row.iter().enumerate() {
                assert!(!field.starts_with(['=', '+', '-', '@', '\t', '\r']), "column {n}: {field:?}\n{csv}");
            }
        }
        let (participant, municipality, withheld) = (&rows[0][1], &rows[0][17], &rows[0][12]);
        assert_eq!((participant, municipality), ("'=HYPERLINK(\"http://x\")", "'@SUM(A1:A9)"));
        assert!(!withheld.starts_with('\''), "{withheld}");
        assert_eq!(&rows[1][17], "'-2+3");
        assert_eq!(&rows[2][1], "'+P-3\u{202e}");
        assert_eq!(&rows[2][17], "'\tJämsä\r");
        assert_eq!(&rows[3][17], tulos::records::hetu::MASK);
        // Neutralised fields are quoted, as the guidance says.
        assert!(csv.contains("\"'@SUM(A1:A9)\""), "{csv}");
    }
}

#[test]
fn a_negative_amount_of_our_own_stays_a_number_in_csv() {
    // No input can make a line negative; the rule for our numbers is
    // checked on a statement edited to hold one.
    let mut s = hostile_statement();
    s.lines[0].net = dec("-12.50");
    let mut out = Vec::new();
    tulos::report::write_csv(&s, tulos::report::CsvDialect::Standard, &mut out).unwrap();
    let first = String::from_utf8(out).unwrap().lines().nth(1).unwrap().to_string();
    assert!(first.contains(",-12.50,"), "{first}");
}

#[test]
fn text_output_escapes_control_and_bidi_characters_so_no_id_forges_a_row() {
    let s = hostile_statement();
    let text = tulos::report::statement_text(&s);
    assert!(!text.contains(['\u{1b}', '\u{202e}', '\t', '\r']), "{text}");
    assert!(text.contains("\\u{1b}[31mP-2\\u{a}P-9  job"), "{text}");
    assert!(text.contains("+P-3\\u{202e}") && text.contains("\\u{9}Jämsä\\u{d}"), "{text}");
    assert!(!text.contains("131052") && text.contains(tulos::records::hetu::MASK), "{text}");
    // Every line that starts with a participant's id is one of the four.
    let starts = text.lines().filter(|l| l.starts_with("P-9")).count();
    assert_eq!(starts, 0, "a forged row: {text}");
}

#[test]
fn json_output_redacts_identity_codes_in_record_values() {
    let s = hostile_statement();
    let mut out = Vec::new();
    tulos::report::write_json(&s, &mut out).unwrap();
    let json = String::from_utf8(out).unwrap();
    assert!(!json.contains("131052") && json.contains(tulos::records::hetu::MASK), "{json}");
}

#[test]
fn json_is_streamed_with_the_bytes_of_the_redacted_tree() {
    // `write_json` redacts line by line as it writes; `redacted_json`
    // redacts every text and key of the whole tree. They must agree on
    // hostile values (codes in ids, groups, municipalities used as keys)
    // and keep the inputs' digests as they are.
    let s = hostile_statement();
    let mut streamed = Vec::new();
    tulos::report::write_json(&s, &mut streamed).unwrap();
    let tree = tulos::report::redacted_json(&s).unwrap();
    let expected = serde_json::to_string_pretty(&tree).unwrap() + "\n";
    assert_eq!(String::from_utf8(streamed).unwrap(), expected);
    assert!(expected.contains(tulos::records::hetu::MASK), "the hostile values hold codes: {expected}");
}
