//! Payment terms of issue 9, end to end through `payment::calculate`, each
//! amount worked by hand to the cent: caps per outcome per participant and
//! outcomes outside the participant cap, the exclusivity policy, dated VAT,
//! pro-rated monthly fees, occurrence limits from data, and tariffs and
//! factors computed by a rule.

#![allow(clippy::result_large_err)]

mod common;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tulos::contract;
use tulos::payment::CalcError;
use tulos::records::Record;
use tulos::statement::{Cap, Held, ReasonCode, Statement};

use common::{d, dec, participant, text_attributes};

const HEAD: &str = r#"
[contract]
id = "T-9"
title = { fi = "Testi", en = "Test" }
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }
target_groups = ["long_term_unemployed", "youth"]

[attributes]
a = "date"
b = "date"
c = "date"
limit = "number"
points = "number"
"#;

/// A participant with the given attributes (dates `a`, `b`, `c`, numbers
/// `limit`, `points`), written as a CSV cell would be.
fn person(id: &str, attributes: &[(&str, &str)]) -> Record {
    let attributes: Vec<(&str, Option<&str>)> = attributes.iter().map(|(k, v)| (*k, Some(*v))).collect();
    Record { attributes: text_attributes(&attributes), ..participant(id) }
}

fn parsed(head: &str, body: &str) -> contract::Contract {
    common::parse(&format!("{head}{body}"))
}

fn calculate_with(head: &str, body: &str, records: Vec<Record>, as_of: &str) -> Result<Statement, CalcError> {
    common::calculate(&parsed(head, body), records, common::as_of(as_of))
}

fn ok(body: &str, records: Vec<Record>, as_of: &str) -> Statement {
    calculate_with(HEAD, body, records, as_of).unwrap_or_else(|e| panic!("{e}"))
}

/// (participant, item, occurrence, net, withheld) of every line.
fn lines(s: &Statement) -> Vec<(String, String, u32, String, String)> {
    s.lines
        .iter()
        .map(|l| {
            let who = l.id.participant.to_string();
            (who, l.id.item.to_string(), l.id.occurrence, l.net.to_string(), l.withheld.to_string())
        })
        .collect()
}

fn row(p: &str, item: &str, occ: u32, net: &str, withheld: &str) -> (String, String, u32, String, String) {
    (p.into(), item.into(), occ, net.into(), withheld.into())
}

fn held(cap: Cap, amount: &str) -> Held {
    Held { cap, amount: dec(amount) }
}

// ── Item 5: caps per outcome per participant ─────────────────────────────

const BONUS: &str = r#"
[[outcome]]
id = "bonus"
name = { fi = "Muutosmittaribonus", en = "Change-meter bonus" }
achieved_on = '[p.attr("a"), p.attr("b")]'
tariff = "400.00"
max_per_participant = 2
cap_per_participant = "500.00"
"#;

#[test]
fn an_outcome_cap_per_participant_withholds_its_excess_for_each_participant() {
    // P-1: 400.00 on 1 Feb, then 400.00 on 1 Mar with 500.00 − 400.00 =
    // 100.00 of room: 300.00 withheld by `outcome_per_participant`.
    // P-2 has a ceiling of their own and is paid 400.00 in full.
    let records = vec![
        person("P-1", &[("a", "2026-02-01"), ("b", "2026-03-01")]),
        person("P-2", &[("a", "2026-02-15"), ("b", "2026-02-15")]),
    ];
    let s = ok(BONUS, records, "2026-12-31");
    assert_eq!(
        lines(&s),
        [
            row("P-1", "bonus", 1, "400.00", "0.00"),
            row("P-2", "bonus", 1, "400.00", "0.00"),
            row("P-1", "bonus", 2, "100.00", "300.00"),
        ]
    );
    assert_eq!(s.lines[2].withheld_by, [held(Cap::OutcomePerParticipant, "300.00")]);
    assert_eq!(s.totals.overall.net, dec("900.00"));
}

#[test]
fn caps_bind_in_the_documented_order_each_on_what_the_one_before_left() {
    // P-1's second bonus (400.00): its own cap leaves 500 − 400 = 100.00
    // (300.00 withheld), the outcome's cap_total 480 − 400 = 80.00 (20.00),
    // the participant cap 450 − 400 = 50.00 (30.00), the contract total
    // 430 − 400 = 30.00 (20.00). Net 30.00, withheld 370.00.
    let body = format!(
        "{}cap_total = \"480.00\"\n\n[caps]\nper_participant = \"450.00\"\ncontract_total = \"430.00\"\n",
        BONUS
    );
    let s = ok(&body, vec![person("P-1", &[("a", "2026-02-01"), ("b", "2026-03-01")])], "2026-12-31");
    assert_eq!(lines(&s), [row("P-1", "bonus", 1, "400.00", "0.00"), row("P-1", "bonus", 2, "30.00", "370.00")]);
    assert_eq!(
        s.lines[1].withheld_by,
        [
            held(Cap::OutcomePerParticipant, "300.00"),
            held(Cap::OutcomeTotal, "20.00"),
            held(Cap::PerParticipant, "30.00"),
            held(Cap::ContractTotal, "20.00"),
        ]
    );
}

#[test]
fn an_outcome_outside_the_participant_cap_neither_counts_nor_is_limited() {
    // Per participant 450.00. 1 Feb: bonus 400.00 (room left 50.00), then
    // `outside` 200.00 paid in full and not counted; 1 Mar: job 300.00
    // meets the 50.00 left, 250.00 withheld by `per_participant`.
    let body = r#"
[[outcome]]
id = "bonus"
name = { fi = "Bonus", en = "Bonus" }
achieved_on = 'p.attr("a")'
tariff = "400.00"

[[outcome]]
id = "outside"
name = { fi = "Erillinen", en = "Outside" }
achieved_on = 'p.attr("a")'
tariff = "200.00"
in_participant_cap = false

[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'p.attr("b")'
tariff = "300.00"

[caps]
per_participant = "450.00"
"#;
    let s = ok(body, vec![person("P-1", &[("a", "2026-02-01"), ("b", "2026-03-01")])], "2026-12-31");
    assert_eq!(
        lines(&s),
        [
            row("P-1", "bonus", 1, "400.00", "0.00"),
            row("P-1", "outside", 1, "200.00", "0.00"),
            row("P-1", "job", 1, "50.00", "250.00"),
        ]
    );
    assert_eq!(s.lines[2].withheld_by, [held(Cap::PerParticipant, "250.00")]);
}

// ── Item 6: exclusivity by date ──────────────────────────────────────────

const EXCLUSIVE_EARLIEST: &str = r#"
[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'p.attr("a")'
tariff = "1000.00"

[[outcome]]
id = "education"
name = { fi = "Koulutus", en = "Education" }
achieved_on = 'p.attr("b")'
tariff = "500.00"

[[exclusive]]
outcomes = ["job", "education"]
policy = "earliest"
clause = "§ 8"
"#;

#[test]
fn the_earliest_exclusive_outcome_is_paid_and_a_same_day_tie_goes_to_the_higher_amount() {
    let records = vec![
        // Education first (1 Feb), although the job pays more: 500.00.
        person("P-1", &[("a", "2026-03-01"), ("b", "2026-02-01")]),
        // Both on 1 Feb: the higher amount, the job, 1000.00.
        person("P-2", &[("a", "2026-02-01"), ("b", "2026-02-01")]),
    ];
    let s = ok(EXCLUSIVE_EARLIEST, records, "2026-12-31");
    assert_eq!(lines(&s), [row("P-1", "education", 1, "500.00", "0.00"), row("P-2", "job", 1, "1000.00", "0.00")]);
    let excluded: Vec<(&str, &str, &str)> = s.unpaid.iter().map(|u| (&*u.participant, &*u.item, &*u.detail)).collect();
    assert_eq!(
        excluded,
        [
            ("P-1", "job", "§ 8: excluded by education (only the earliest achieved of job, education is paid)"),
            ("P-2", "education", "§ 8: excluded by job (only the earliest achieved of job, education is paid)"),
        ]
    );
    assert!(s.unpaid.iter().all(|u| u.reason == ReasonCode::ExcludedBy));
}

#[test]
fn a_full_tie_goes_to_the_outcome_listed_first_in_the_group() {
    // Same day, same amount: `education` is listed first in the group
    // (though declared second in the contract), so it is paid.
    let body = EXCLUSIVE_EARLIEST
        .replace("tariff = \"1000.00\"", "tariff = \"500.00\"")
        .replace("outcomes = [\"job\", \"education\"]", "outcomes = [\"education\", \"job\"]");
    let s = ok(&body, vec![person("P-1", &[("a", "2026-02-01"), ("b", "2026-02-01")])], "2026-12-31");
    assert_eq!(lines(&s), [row("P-1", "education", 1, "500.00", "0.00")]);
    // The default policy still pays the highest: the job, though later.
    let highest = EXCLUSIVE_EARLIEST.replace("policy = \"earliest\"\n", "");
    let s = ok(&highest, vec![person("P-1", &[("a", "2026-03-01"), ("b", "2026-02-01")])], "2026-12-31");
    assert_eq!(lines(&s), [row("P-1", "job", 1, "1000.00", "0.00")]);
}

// ── Item 9: dated VAT ────────────────────────────────────────────────────

const JOB_333: &str = r#"
[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'p.attr("a")'
tariff = "333.33"
"#;

fn head_with_vat(vat: &str) -> String {
    HEAD.replace("target_groups", &format!("vat_percent = {vat}\ntarget_groups"))
}

#[test]
fn each_line_pays_the_vat_rate_in_force_on_its_date() {
    let head = head_with_vat(r#"[{ from = 2026-01-01, value = "24" }, { from = 2026-09-01, value = "25.5" }]"#);
    let records = vec![person("P-1", &[("a", "2026-08-31")]), person("P-2", &[("a", "2026-09-01")])];
    let s = calculate_with(&head, JOB_333, records, "2026-12-31").unwrap();
    // 333.33 × 24 % = 79.9992 → 80.00; 333.33 × 25.5 % = 84.99915 → 85.00.
    let vat: Vec<(String, Decimal, Decimal)> =
        s.lines.iter().map(|l| (l.id.participant.to_string(), l.vat, l.gross)).collect();
    assert_eq!(
        vat,
        [("P-1".to_string(), dec("80.00"), dec("413.33")), ("P-2".to_string(), dec("85.00"), dec("418.33"))]
    );
    // The header shows the rate in force on the as-of date.
    assert_eq!(s.vat_percent, dec("25.5"));
    // The plain form is unchanged.
    let plain =
        calculate_with(&head_with_vat("\"24\""), JOB_333, vec![person("P-2", &[("a", "2026-09-01")])], "2026-12-31");
    assert_eq!(plain.unwrap().lines[0].vat, dec("80.00"));
}

#[test]
fn a_line_dated_before_the_first_vat_version_stops_the_run_naming_it() {
    let head = head_with_vat(r#"[{ from = 2026-03-01, value = "24" }, { from = 2026-09-01, value = "25.5" }]"#);
    let err = calculate_with(&head, JOB_333, vec![person("P-1", &[("a", "2026-02-01")])], "2026-12-31").unwrap_err();
    assert_eq!(
        err.to_string(),
        "participant P-1: `job` (test.toml:19 outcome job) is dated 2026-02-01, but no `vat_percent` version is in \
         force that day (versions: 24% from 2026-03-01 to 2026-08-31, 25.5% from 2026-09-01); add a version from \
         2026-02-01 or earlier under [contract] vat_percent"
    );
}

// ── Item 7: pro-rated monthly fees ───────────────────────────────────────

const PRORATED: &str = r#"
[[fixed_fee]]
id = "coordination"
name = { fi = "Koordinointi", en = "Coordination" }
amount = "1000.00"
from = 2026-01-15
to = 2026-03-10
prorate = "calendar_days"
"#;

fn fees(s: &Statement) -> Vec<(u32, NaiveDate, String)> {
    s.lines.iter().map(|l| (l.id.occurrence, l.achieved_on, l.amount.to_string())).collect()
}

#[test]
fn a_part_month_is_paid_by_calendar_days_on_its_last_day_in_force() {
    // January 15–31: 1000.00 × 17 / 31 = 548.387… → 548.39; February in
    // full; March 1–10: 1000.00 × 10 / 31 = 322.580… → 322.58, due 10 March.
    let s = ok(PRORATED, vec![], "2026-12-31");
    assert_eq!(
        fees(&s),
        [
            (1, d("2026-01-31"), "548.39".to_string()),
            (2, d("2026-02-28"), "1000.00".to_string()),
            (3, d("2026-03-10"), "322.58".to_string()),
        ]
    );
    // Not yet due the day before it ends.
    assert_eq!(ok(PRORATED, vec![], "2026-03-09").lines.len(), 2);
    // Without `prorate` the same fee pays whole months whose last day is in
    // its period: January and February in full, March not at all.
    let whole = ok(&PRORATED.replace("prorate = \"calendar_days\"\n", ""), vec![], "2026-12-31");
    assert_eq!(
        fees(&whole),
        [(1, d("2026-01-31"), "1000.00".to_string()), (2, d("2026-02-28"), "1000.00".to_string())]
    );
}

// ── Item 8: occurrence limits from data ──────────────────────────────────

const RECURRING: &str = r#"
[[outcome]]
id = "visit"
name = { fi = "Käynti", en = "Visit" }
achieved_on = '[p.attr("a"), p.attr("b"), p.attr("c")]'
tariff = "100.00"
"#;

fn three_visits(id: &str, limit: &str) -> Record {
    person(id, &[("a", "2026-02-01"), ("b", "2026-03-01"), ("c", "2026-04-01"), ("limit", limit)])
}

#[test]
fn an_occurrence_limit_from_a_rule_carries_the_first_unpaid_occurrence_and_date() {
    let body = format!("{RECURRING}max_per_participant = {{ rule = 'p.attr(\"limit\")' }}\n");
    let s = ok(&body, vec![three_visits("P-1", "2"), three_visits("P-2", "3")], "2026-12-31");
    let paid: Vec<(String, u32)> = s.lines.iter().map(|l| (l.id.participant.to_string(), l.id.occurrence)).collect();
    let want = [("P-1", 1), ("P-2", 1), ("P-1", 2), ("P-2", 2), ("P-2", 3)];
    assert_eq!(paid, want.map(|(p, n)| (p.to_string(), n)));
    assert_eq!(s.totals.overall.net, dec("500.00"));
    let [reached] = s.unpaid.as_slice() else { panic!("{:?}", s.unpaid) };
    assert_eq!(reached.reason, ReasonCode::MaxReached);
    assert_eq!(
        &*reached.detail,
        "3 occurrences, at most 2 paid (rule at line 23); occurrence 3 on 2026-04-01 is the first not paid"
    );
}

#[test]
fn an_occurrence_limit_from_a_table_pays_each_group_its_own_number() {
    let body = format!(
        "{RECURRING}max_per_participant = {{ table = \"payments\" }}\n\n[tables.payments]\nhit_policy = \"first\"\n\
         inputs = [ {{ name = \"groups\", from = \"groups\", type = \"text_set\" }} ]\n\
         outputs = [ {{ name = \"max\", type = \"number\" }} ]\n\
         rows = [ [ \"youth\", \"1\" ], [ \"-\", \"2\" ] ]\n"
    );
    let mut youth = three_visits("P-2", "0");
    youth.groups = vec!["youth".into()];
    let s = ok(&body, vec![three_visits("P-1", "0"), youth], "2026-12-31");
    assert_eq!(
        lines(&s),
        [
            row("P-1", "visit", 1, "100.00", "0.00"),
            row("P-2", "visit", 1, "100.00", "0.00"),
            row("P-1", "visit", 2, "100.00", "0.00"),
        ]
    );
    let details: Vec<&str> = s.unpaid.iter().map(|u| &*u.detail).collect();
    assert_eq!(
        details,
        [
            "3 occurrences, at most 2 paid (payments row 2); occurrence 3 on 2026-04-01 is the first not paid",
            "3 occurrences, at most 1 paid (payments row 1); occurrence 2 on 2026-03-01 is the first not paid",
        ]
    );
}

#[test]
fn an_occurrence_limit_that_is_not_a_whole_number_stops_the_run_naming_rule_and_participant() {
    let body = format!("{RECURRING}max_per_participant = {{ rule = 'p.attr(\"limit\")' }}\n");
    let err = calculate_with(HEAD, &body, vec![three_visits("P-7", "2.5")], "2026-12-31").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("P-7") && text.contains("max_per_participant") && text.contains("2.5"), "{text}");
    assert!(text.contains("whole number of occurrences"), "{text}");
}

// ── Item 4: amounts computed by a rule ───────────────────────────────────

const PER_POINT: &str = r#"
[[outcome]]
id = "bonus"
name = { fi = "Muutosmittaribonus", en = "Change-meter bonus" }
achieved_on = 'p.attr("a")'
tariff = { rule = 'p.attr("points") * 50' }
cap_per_participant = "500.00"

[[multiplier]]
id = "youth"
when = { groups_any = ["youth"] }
factor = { rule = 'if p.attr("points") > 5 { 1.2 } else { 1.15 }' }
"#;

#[test]
fn a_tariff_and_a_factor_computed_by_rules_are_rounded_once() {
    // 2.3453 points × 50 = 117.265; × 1.15 = 134.85475 → 134.85 (rounding
    // the tariff first would give 117.27 × 1.15 = 134.8605 → 134.86).
    // 12 points × 50 = 600.00, × 1.2 = 720.00, capped at 500.00.
    let mut youth = person("P-1", &[("a", "2026-02-01"), ("points", "2.3453")]);
    youth.groups = vec!["youth".into()];
    let mut many = person("P-2", &[("a", "2026-02-01"), ("points", "12")]);
    many.groups = vec!["youth".into()];
    let plain = person("P-3", &[("a", "2026-02-01"), ("points", "1.5")]);
    let s = ok(PER_POINT, vec![youth, many, plain], "2026-12-31");
    assert_eq!(
        lines(&s),
        [
            row("P-1", "bonus", 1, "134.85", "0.00"),
            row("P-2", "bonus", 1, "500.00", "220.00"),
            row("P-3", "bonus", 1, "75.00", "0.00"),
        ]
    );
    assert_eq!(s.lines[0].tariff, dec("117.265"));
    assert_eq!(s.lines[0].multiplier, dec("1.15"));
}

#[test]
fn a_negative_or_non_decimal_computed_tariff_stops_the_run_naming_rule_and_participant() {
    let negative =
        calculate_with(HEAD, PER_POINT, vec![person("P-4", &[("a", "2026-02-01"), ("points", "-1")])], "2026-12-31");
    let text = negative.unwrap_err().to_string();
    assert!(text.contains("P-4") && text.contains("outcome `bonus`, tariff") && text.contains("-50"), "{text}");
    assert!(text.contains("cannot be negative"), "{text}");
    // No points: the rule reads () and multiplies it, or returns text.
    let text_rule = PER_POINT.replace("p.attr(\"points\") * 50", "\"fifty\"");
    let err = calculate_with(HEAD, &text_rule, vec![person("P-5", &[("a", "2026-02-01")])], "2026-12-31");
    let text = err.unwrap_err().to_string();
    assert!(text.contains("P-5") && text.contains("a decimal tariff") && text.contains("\"fifty\""), "{text}");
}
