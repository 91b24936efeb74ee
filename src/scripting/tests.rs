//! Tests of the scripting module: each helper through real scripts, the
//! sandbox, error positions and tracing. Records are built in Rust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::diagnostic::{Column, Location};
use crate::records::{
    Arm, AttributeValue, Dialect, Earning, Event, Feedback, Measure, Origin, Record, Sector, Service, Spell, Text,
};

fn d(s: &str) -> NaiveDate {
    crate::calendar::parse_iso_date(s).unwrap()
}

fn dec(s: &str) -> Decimal {
    crate::money::parse_decimal(s).unwrap()
}

fn spell(kind: &str, start: &str, end: Option<&str>) -> Spell {
    Spell {
        kind: kind.into(),
        sector: (kind == "employment").then_some(Sector::Open),
        start: d(start),
        end: end.map(d),
        hours_per_week: None,
        source: None,
    }
}

fn event(kind: &str, date: &str, value: Option<&str>) -> Event {
    Event { kind: kind.into(), date: d(date), value: value.map(Into::into), source: None }
}

fn measure(date: &str, scores: &[(&str, &str)]) -> Measure {
    Measure {
        instrument: "change_meter".into(),
        date: d(date),
        scores: scores.iter().map(|(k, v)| (Text::from(*k), dec(v))).collect(),
    }
}

fn record() -> Record {
    Record {
        id: "P-1".into(),
        contract: None,
        arm: Arm::Participant,
        weight: Decimal::ONE,
        municipality: Some("Jämsä".into()),
        birth_date: Some(d("2000-02-29")),
        groups: vec!["youth".into(), "immigrant".into()],
        service: Service { start: d("2026-01-12"), end: Some(d("2026-04-30")), completed: Some(true) },
        spells: vec![],
        earnings: vec![],
        events: vec![],
        measures: vec![],
        feedback: vec![],
        attributes: BTreeMap::new(),
        origin: Origin { file: Arc::new(PathBuf::from("records.jsonl")), line: 1 },
    }
}

/// Compiles and evaluates rules against one record as of one date.
struct Harness {
    engine: RuleEngine,
    record: Record,
    as_of: NaiveDate,
    achieved: BTreeMap<&'static str, NaiveDate>,
    params: BTreeMap<String, ParamValue>,
    libraries: Vec<Library>,
}

impl Harness {
    fn new(record: Record, as_of: &str) -> Self {
        Harness {
            engine: RuleEngine::new(Limits::default()),
            record,
            as_of: d(as_of),
            achieved: BTreeMap::new(),
            params: BTreeMap::new(),
            libraries: vec![],
        }
    }

    fn source(text: &str) -> RuleSource {
        RuleSource {
            name: "outcome `t`, achieved_on".into(),
            file: PathBuf::from("contracts/x.toml"),
            text: text.into(),
            line: 12,
            column: 13,
        }
    }

    fn compile(&self, text: &str) -> Result<CompiledRule, crate::diagnostic::Diagnostic> {
        self.engine.compile_rule(&Self::source(text), &self.libraries)
    }

    fn cx(&self) -> EvalContext<'_> {
        EvalContext { record: &self.record, as_of: self.as_of, achieved: &self.achieved, params: &self.params }
    }

    fn try_eval(&self, text: &str) -> Result<RuleValue, RuleError> {
        let rule = self.compile(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        rule.eval(&self.engine, &self.cx())
    }

    fn eval(&self, text: &str) -> RuleValue {
        self.try_eval(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn assert_true(&self, text: &str) {
        assert_eq!(self.eval(text), RuleValue::Bool(true), "{text}");
    }

    fn error(&self, text: &str) -> RuleError {
        match self.try_eval(text) {
            Err(e) => e,
            Ok(v) => panic!("{text} should fail, gave {v:?}"),
        }
    }
}

fn date_value(s: &str) -> RuleValue {
    RuleValue::Date(d(s))
}

// ---- dates -------------------------------------------------------------

#[test]
fn month_end_arithmetic_from_scripts() {
    let h = Harness::new(record(), "2026-12-31");
    h.assert_true(r#"date("2026-01-31").add_months(1) == date("2026-02-28")"#);
    h.assert_true(r#"date("2028-01-31").add_months(1) == date("2028-02-29")"#);
    h.assert_true(r#"date("2026-03-31").add_months(-1) == date("2026-02-28")"#);
    h.assert_true(r#"date("2026-08-31").add_months(3) == date("2026-11-30")"#);
    assert_eq!(h.eval(r#"date("2026-02-10").month_end()"#), date_value("2026-02-28"));
    assert_eq!(h.eval(r#"date("2026-02-10").month_start()"#), date_value("2026-02-01"));
    assert_eq!(h.eval(r#"date("2026-12-31").add_days(1)"#), date_value("2027-01-01"));
    assert_eq!(h.eval(r#"days_between(date("2026-01-01"), date("2026-03-01"))"#), RuleValue::Integer(59));
    assert_eq!(
        h.eval(r#"let x = date("2026-05-07"); x.year * 10000 + x.month * 100 + x.day"#),
        RuleValue::Integer(20260507)
    );
    assert_eq!(h.eval(r#"min_date(date("2026-05-07"), as_of)"#), date_value("2026-05-07"));
    assert_eq!(h.eval(r#"max_date(date("2026-05-07"), as_of)"#), date_value("2026-12-31"));
    assert_eq!(
        h.eval(r#"`due ${date("2026-05-07")}` + " / " + as_of.to_string()"#),
        RuleValue::Text("due 2026-05-07 / 2026-12-31".into())
    );
    h.assert_true(r#"let a = date("2026-01-01"); let b = date("2026-01-02"); a < b && a <= b && b > a && b >= a && a != b && a == a"#);
}

#[test]
fn misspelt_functions_and_properties_are_compile_errors_with_a_suggestion() {
    let h = Harness::new(record(), "2026-12-31");
    let e = h.compile("p.employd_on(as_of)").unwrap_err();
    assert_eq!(e.message, "unknown function `employd_on`");
    assert!(e.help.as_deref().unwrap().contains("did you mean `employed_on`?"), "{e}");
    assert_eq!(e.location, Location::Line { line: 12, column: Some(Column::Char(15)) });
    let e = h.compile("p.servce_end == ()").unwrap_err();
    assert_eq!(e.message, "unknown property `p.servce_end`");
    assert!(e.help.as_deref().unwrap().contains("did you mean `service_end`?"), "{e}");
    // Functions a rule defines itself, and keywords, are known.
    assert!(h.compile("fn twice(x) { x * 2 } type_of(twice(2)) == \"i64\"").is_ok());
}

#[test]
fn misspelt_names_in_a_library_are_found_at_their_line() {
    let engine = RuleEngine::new(Limits::default());
    let lib = engine
        .compile_library(
            Path::new("rules/x.rhai"),
            "fn ok(p) { p.employed_on(p.service_start) }\nfn bad(p) {\n  p.employd_on(p.service_start)\n}\n",
        )
        .unwrap();
    let found = engine.check_libraries(&[lib]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].message, "unknown function `employd_on`");
    assert_eq!(found[0].location, Location::Line { line: 3, column: Some(Column::Char(5)) });
}

#[test]
fn sorting_maps_without_a_comparer_says_so_not_unknown_function() {
    let h = Harness::new(record(), "2026-08-31");
    let e = h.error("let a = [#{k: 2}, #{k: 1}]; a.sort(); true");
    assert!(e.message.starts_with("elements of map cannot be sorted; give a comparer"), "{e}");
    assert!(!e.message.contains("unknown function"), "{e}");
}

#[test]
fn ordering_text_against_a_number_is_an_error() {
    let mut r = record();
    r.attributes.insert("hours".into(), AttributeValue::Text("20".into(), Dialect::Standard));
    let h = Harness::new(r, "2026-08-31");
    for rule in [r#"p.attr("hours") >= 18"#, r#"18 < p.attr("hours")"#, r#"p.attr("hours") > dec("1.5")"#] {
        let e = h.error(rule);
        assert!(e.message.contains("cannot compare a string with a number"), "{rule}: {e}");
    }
    h.assert_true(r#"dec(p.attr("hours")) >= 18 && "b" > "a""#);
}

#[test]
fn ordering_a_number_against_a_missing_value_is_an_error() {
    let h = Harness::new(record(), "2026-12-31");
    let e = h.error("p.satisfaction_last() >= 4");
    assert!(e.message.contains("cannot compare a number with () (a missing value) using `>=`"), "{e}");
    let e = h.error(r#"!(p.measure_change("change_meter", "nope") < dec("1"))"#);
    assert!(e.message.contains("using `<`"), "{e}");
    h.assert_true("p.satisfaction_last() == () && 3 < 4 && dec(\"1.5\") >= 1");
}

#[test]
fn bad_dates_and_comparing_with_unit_are_errors() {
    let mut r = record();
    r.service.end = None;
    let h = Harness::new(r, "2026-12-31");
    let e = h.error("p.service_end < as_of");
    assert!(e.message.contains("cannot compare () (a missing value) with a Date using `<`"), "{e}");
    let e = h.error("as_of > p.service_end");
    assert!(e.message.contains("test for `()` first"), "{e}");
    let e = h.error(r#"as_of == "2026-12-31""#);
    assert!(e.message.contains("cannot compare a Date with a string"), "{e}");
    let e = h.error(r#"date("2026-02-30")"#);
    assert!(e.message.contains("expected an ISO date YYYY-MM-DD"), "{e}");
    // Equality with `()` is how a rule tests for a missing date.
    h.assert_true("p.service_end == () && !(p.service_end != ())");
    h.assert_true("as_of != () && !(as_of == ()) && () != as_of");
    let e = h.error("p.service_start >= ()");
    assert!(e.message.contains("cannot compare a Date with () (a missing value) using `>=`"), "{e}");
}

// ---- the participant ---------------------------------------------------

#[test]
fn participant_properties() {
    let mut r = record();
    r.attributes.insert("language".into(), AttributeValue::Text("ar".into(), Dialect::Standard));
    r.attributes.insert("score".into(), AttributeValue::Number(dec("1.5")));
    r.attributes.insert("eligible".into(), AttributeValue::Bool(true));
    r.attributes.insert("referred".into(), AttributeValue::Date(d("2025-12-01")));
    let h = Harness::new(r, "2026-12-31");
    assert_eq!(h.eval("p.id"), RuleValue::Text("P-1".into()));
    assert_eq!(h.eval("p.municipality"), RuleValue::Text("Jämsä".into()));
    assert_eq!(h.eval("p.birth_date"), date_value("2000-02-29"));
    h.assert_true(r#"p.groups == ["youth", "immigrant"] && "youth" in p.groups"#);
    h.assert_true(r#"p.in_group("youth") && !p.in_group("disabled")"#);
    assert_eq!(h.eval("p.service_start"), date_value("2026-01-12"));
    assert_eq!(h.eval("p.service_end"), date_value("2026-04-30"));
    assert_eq!(h.eval("p.completed"), RuleValue::Bool(true));
    assert_eq!(h.eval(r#"p.attr("language")"#), RuleValue::Text("ar".into()));
    assert_eq!(h.eval(r#"p.attr("score") + 1"#), RuleValue::Decimal(dec("2.5")));
    assert_eq!(h.eval(r#"p.attr("eligible")"#), RuleValue::Bool(true));
    assert_eq!(h.eval(r#"p.attr("referred")"#), date_value("2025-12-01"));
    assert_eq!(h.eval(r#"p.attr("undeclared")"#), RuleValue::Nothing);
}

#[test]
fn age_is_whole_years_with_the_month_end_rule() {
    let h = Harness::new(record(), "2030-12-31");
    assert_eq!(h.eval(r#"p.age_on(date("2026-02-27"))"#), RuleValue::Integer(25));
    // Born 29 February: a year older on 28 February of a common year.
    assert_eq!(h.eval(r#"p.age_on(date("2026-02-28"))"#), RuleValue::Integer(26));
    assert_eq!(h.eval(r#"p.age_on(date("2028-02-28"))"#), RuleValue::Integer(27));
    assert_eq!(h.eval(r#"p.age_on(date("2028-02-29"))"#), RuleValue::Integer(28));
    let mut r = record();
    r.birth_date = None;
    assert_eq!(Harness::new(r, "2030-12-31").eval("p.age_on(as_of)"), RuleValue::Nothing);
}

#[test]
fn service_end_after_as_of_is_not_yet_known() {
    let h = Harness::new(record(), "2026-04-29");
    assert_eq!(h.eval("p.service_end"), RuleValue::Nothing);
    assert_eq!(h.eval("p.completed"), RuleValue::Nothing);
    let h = Harness::new(record(), "2026-04-30");
    assert_eq!(h.eval("p.service_end"), date_value("2026-04-30"));
}

// ---- spells ------------------------------------------------------------

fn working_record() -> Record {
    let mut r = record();
    r.spells = vec![
        // Overlapping open-employment spells: 1.5.–31.5. and 20.5.–10.6.
        spell("employment", "2026-05-01", Some("2026-05-31")),
        spell("employment", "2026-05-20", Some("2026-06-10")),
        // Adjacent: continues on 11.6. up to 30.6.
        spell("employment", "2026-06-11", Some("2026-06-30")),
        // A gap, then an ongoing job from 1.8.
        spell("employment", "2026-08-01", None),
        spell("education", "2026-02-01", Some("2026-02-28")),
        spell("subsidised_employment", "2026-07-01", Some("2026-07-15")),
    ];
    r.spells[0].hours_per_week = Some(dec("20"));
    r.spells[1].hours_per_week = Some(dec("17.5"));
    r
}

#[test]
fn spell_queries_merge_overlaps_and_clip_at_as_of() {
    let h = Harness::new(working_record(), "2026-08-31");
    // May (31) + June (30), each day once despite the overlap.
    assert_eq!(h.eval(r#"p.days_in("employment", date("2026-05-01"), date("2026-06-30"))"#), RuleValue::Integer(61));
    // The ongoing spell counts only up to as_of (31 days of August).
    assert_eq!(h.eval(r#"p.days_in("employment", date("2026-08-01"), date("2026-12-31"))"#), RuleValue::Integer(31));
    h.assert_true(r#"p.employed_on(date("2026-08-31")) && !p.employed_on(date("2026-09-01"))"#);
    h.assert_true(
        r#"p.in_spell_on("education", date("2026-02-15")) && !p.in_spell_on("education", date("2026-03-01"))"#,
    );
    // Overlap and adjacency merged: 1.5.–30.6. is one run of 61 days.
    assert_eq!(h.eval(r#"p.continuous_days("employment", date("2026-05-01"))"#), RuleValue::Integer(61));
    assert_eq!(h.eval(r#"p.continuous_days("employment", date("2026-06-30"))"#), RuleValue::Integer(1));
    assert_eq!(h.eval(r#"p.continuous_days("employment", date("2026-07-01"))"#), RuleValue::Integer(0));
    assert_eq!(
        h.eval(r#"p.first_day_in("employment", date("2026-07-01"), date("2026-12-31"))"#),
        date_value("2026-08-01")
    );
    assert_eq!(
        h.eval(r#"p.first_day_in("employment", date("2026-05-15"), date("2026-12-31"))"#),
        date_value("2026-05-15")
    );
    assert_eq!(h.eval(r#"p.first_day_in("employment", date("2026-07-01"), date("2026-07-31"))"#), RuleValue::Nothing);
    // 61 days in May–June, so day 62 is the first of August.
    assert_eq!(
        h.eval(r#"p.nth_day_in("employment", date("2026-05-01"), date("2026-10-31"), 61)"#),
        date_value("2026-06-30")
    );
    assert_eq!(
        h.eval(r#"p.nth_day_in("employment", date("2026-05-01"), date("2026-10-31"), 62)"#),
        date_value("2026-08-01")
    );
    // Only 92 days are visible by as_of.
    assert_eq!(h.eval(r#"p.nth_day_in("employment", date("2026-05-01"), date("2026-10-31"), 93)"#), RuleValue::Nothing);
    assert_eq!(h.eval(r#"p.hours_on("employment", date("2026-05-25"))"#), RuleValue::Decimal(dec("37.5")));
    assert_eq!(h.eval(r#"p.hours_on("employment", date("2026-08-25"))"#), RuleValue::Decimal(Decimal::ZERO));
}

#[test]
fn any_employment_joins_the_kinds_of_paid_work() {
    let h = Harness::new(working_record(), "2026-08-31");
    // Open work 1.5.–30.6., subsidised 1.7.–15.7.: one run of 76 days.
    assert_eq!(h.eval(r#"p.continuous_days("any_employment", date("2026-05-01"))"#), RuleValue::Integer(76));
    assert_eq!(
        h.eval(r#"p.days_in("any_employment", date("2026-01-01"), date("2026-12-31"))"#),
        RuleValue::Integer(61 + 15 + 31)
    );
    h.assert_true(r#"!p.employed_on(date("2026-07-05")) && p.in_spell_on("any_employment", date("2026-07-05"))"#);
}

#[test]
fn spells_after_as_of_are_invisible() {
    let h = Harness::new(working_record(), "2026-05-10");
    assert_eq!(h.eval(r#"p.days_in("employment", date("2026-01-01"), date("2026-12-31"))"#), RuleValue::Integer(10));
    assert_eq!(h.eval(r#"p.continuous_days("employment", date("2026-05-01"))"#), RuleValue::Integer(10));
    assert_eq!(
        h.eval(r#"p.first_day_in("any_employment", date("2026-05-11"), date("2026-12-31"))"#),
        RuleValue::Nothing
    );
    h.assert_true(r#"!p.in_spell_on("employment", date("2026-05-20"))"#);
}

#[test]
fn milestones_are_ends_of_complete_blocks() {
    let h = Harness::new(working_record(), "2026-08-31");
    let rule = r#"p.continuous_milestones("employment", date("2026-05-01"), 28, 10)"#;
    assert_eq!(h.eval(rule), RuleValue::Dates(vec![d("2026-05-28"), d("2026-06-25")]));
    let capped = r#"p.continuous_milestones("employment", date("2026-05-01"), 28, 1)"#;
    assert_eq!(h.eval(capped), RuleValue::Dates(vec![d("2026-05-28")]));
    let none = r#"p.continuous_milestones("employment", date("2026-07-01"), 28, 10)"#;
    assert_eq!(h.eval(none), RuleValue::Dates(vec![]));
    // The ongoing spell from 1.8. has one complete block by 31.8.
    let ongoing = r#"p.continuous_milestones("employment", date("2026-08-01"), 28, 10).len()"#;
    assert_eq!(h.eval(ongoing), RuleValue::Integer(1));
}

#[test]
fn helper_argument_errors_are_clear() {
    let h = Harness::new(working_record(), "2026-08-31");
    let e = h.error(r#"p.days_in("employment", date("2026-06-01"), date("2026-05-01"))"#);
    assert!(e.message.contains("p.days_in(\"employment\", 2026-06-01, 2026-05-01): the window is empty"), "{e}");
    let e = h.error(r#"p.nth_day_in("employment", date("2026-05-01"), date("2026-06-01"), 0)"#);
    assert!(e.message.contains("n must be at least 1"), "{e}");
    let e = h.error(r#"p.continuous_milestones("employment", as_of, 28, -1)"#);
    assert!(e.message.contains("max must not be negative"), "{e}");
    let e = h.error("p.days_in(1, as_of, as_of)");
    assert!(e.message.contains("usage: p.days_in(kind: string, from: Date, to: Date)"), "{e}");
    let e = h.error(r#"p.days_in("employment", p.service_end.add_days(1), ())"#);
    assert!(e.message.contains("an argument is `()`"), "{e}");
    assert_eq!(e.line, Some(12));
}

// ---- earnings, events, measures, feedback ------------------------------

fn earning(month: &str, amount: &str) -> Earning {
    Earning { month: d(month), amount: dec(amount) }
}

#[test]
fn earnings_sum_and_threshold() {
    let mut r = record();
    r.earnings = vec![
        earning("2026-06-01", "2650.00"),
        earning("2026-04-01", "100.00"),
        earning("2026-05-01", "1820.40"),
        earning("2026-05-01", "0.60"),
        earning("2026-09-01", "5000.00"),
    ];
    let h = Harness::new(r, "2026-08-31");
    // The window starts at the month of `from`; September is after as_of.
    assert_eq!(h.eval(r#"p.earnings_sum(date("2026-05-18"), date("2026-12-31"))"#), RuleValue::Decimal(dec("4471.00")));
    assert_eq!(h.eval(r#"p.earnings_sum(date("2026-01-01"), date("2026-05-31"))"#), RuleValue::Decimal(dec("1921.00")));
    // Cumulative from May: 1821.00 in May, 4471.00 in June.
    let rule = r#"p.earnings_threshold_date(date("2026-05-18"), date("2026-12-31"), dec("3000"))"#;
    assert_eq!(h.eval(rule), date_value("2026-06-30"));
    let exact = r#"p.earnings_threshold_date(date("2026-05-01"), date("2026-12-31"), 1821)"#;
    assert_eq!(h.eval(exact), date_value("2026-05-31"));
    let never = r#"p.earnings_threshold_date(date("2026-05-01"), date("2026-12-31"), 6000)"#;
    assert_eq!(h.eval(never), RuleValue::Nothing);
    let e = h.error(r#"p.earnings_threshold_date(date("2026-05-01"), date("2026-12-31"), 0)"#);
    assert!(e.message.contains("must be positive"), "{e}");
}

#[test]
fn whole_months_leave_out_part_months_and_the_as_of_month_until_it_ends() {
    let mut r = record();
    r.earnings = vec![
        earning("2026-05-01", "1000.00"),
        earning("2026-06-01", "2000.00"),
        earning("2026-07-01", "4000.00"),
        earning("2026-08-01", "8000.00"),
    ];
    let h = Harness::new(r, "2026-08-15");
    // 18 May – 31 July touches May, June and July: 7000.00; whole months
    // are June and July only: 6000.00.
    let window = r#"date("2026-05-18"), date("2026-07-31")"#;
    assert_eq!(h.eval(&format!("p.earnings_sum({window})")), RuleValue::Decimal(dec("7000.00")));
    assert_eq!(h.eval(&format!("p.earnings_sum_whole_months({window})")), RuleValue::Decimal(dec("6000.00")));
    // August has started by the as-of date 15 August, so earnings_sum
    // counts its row; it has not ended, so whole months leave it out.
    let to_year_end = r#"date("2026-06-01"), date("2026-12-31")"#;
    assert_eq!(h.eval(&format!("p.earnings_sum({to_year_end})")), RuleValue::Decimal(dec("14000.00")));
    assert_eq!(h.eval(&format!("p.earnings_sum_whole_months({to_year_end})")), RuleValue::Decimal(dec("6000.00")));
    // A window ending mid-month leaves that month out.
    let mid = r#"date("2026-06-01"), date("2026-07-30")"#;
    assert_eq!(h.eval(&format!("p.earnings_sum_whole_months({mid})")), RuleValue::Decimal(dec("2000.00")));
}

#[test]
fn event_queries() {
    let mut r = record();
    r.events = vec![
        event("qualification", "2026-06-15", Some("L2")),
        event("qualification", "2026-03-01", None),
        event("work_trial_start", "2026-02-01", None),
        event("qualification", "2026-10-01", Some("L3")),
    ];
    let h = Harness::new(r, "2026-08-31");
    let (from, to) = (r#"date("2026-01-01")"#, r#"date("2026-12-31")"#);
    let call = |f: &str| format!(r#"p.{f}("qualification", {from}, {to})"#);
    assert_eq!(h.eval(&call("has_event")), RuleValue::Bool(true));
    assert_eq!(h.eval(&call("first_event")), date_value("2026-03-01"));
    assert_eq!(h.eval(&call("events_count")), RuleValue::Integer(2));
    // The first event has no value.
    assert_eq!(h.eval(&call("event_value")), RuleValue::Nothing);
    let later = r#"p.event_value("qualification", date("2026-04-01"), date("2026-12-31"))"#;
    assert_eq!(h.eval(later), RuleValue::Text("L2".into()));
    let after_as_of = r#"p.has_event("qualification", date("2026-09-01"), date("2026-12-31"))"#;
    assert_eq!(h.eval(after_as_of), RuleValue::Bool(false));
}

#[test]
fn change_meter_queries() {
    let mut r = record();
    r.measures = vec![
        measure("2026-04-30", &[("work_ability", "3"), ("job_search", "3"), ("skills", "3.5")]),
        measure("2026-01-12", &[("work_ability", "2"), ("job_search", "1"), ("life_management", "2")]),
        measure("2026-10-01", &[("work_ability", "5"), ("job_search", "5")]),
    ];
    let h = Harness::new(r, "2026-08-31");
    assert_eq!(h.eval(r#"p.measure_first("change_meter", "work_ability")"#), RuleValue::Decimal(dec("2")));
    assert_eq!(h.eval(r#"p.measure_last("change_meter", "work_ability")"#), RuleValue::Decimal(dec("3")));
    assert_eq!(h.eval(r#"p.measure_change("change_meter", "job_search")"#), RuleValue::Decimal(dec("2")));
    // Only measured once: no change can be computed.
    assert_eq!(h.eval(r#"p.measure_change("change_meter", "skills")"#), RuleValue::Nothing);
    // work_ability +1, job_search +2 (dimensions in both measurements).
    assert_eq!(h.eval(r#"p.measure_change_sum("change_meter")"#), RuleValue::Decimal(dec("3")));
    assert_eq!(h.eval(r#"p.measure_last_date("change_meter")"#), date_value("2026-04-30"));
    assert_eq!(h.eval(r#"p.measure_last_date("other")"#), RuleValue::Nothing);
    h.assert_true(r#"p.measure_change("change_meter", "job_search") >= 2"#);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// The change over all dimensions and the last date are those of the
    /// first and last measurement in date order, same-day ones in input
    /// order (as a stable sort of the measurements up to the as-of date
    /// puts them), whatever the order they were given in.
    #[test]
    fn change_sum_and_last_date_follow_date_then_input_order(
        given in proptest::collection::vec((0u32..6, proptest::collection::vec((0usize..3, -3i64..6), 0..4), proptest::bool::ANY), 0..7)
    ) {
        const DIMS: [&str; 3] = ["work_ability", "job_search", "skills"];
        let day = |n: u32| d("2026-03-01") + chrono::Days::new(u64::from(n) * 30);
        let measures: Vec<Measure> = given
            .iter()
            .map(|(n, scores, other)| Measure {
                instrument: if *other { "other" } else { "change_meter" }.into(),
                date: day(*n),
                scores: scores.iter().map(|(k, v)| (Text::from(DIMS[*k]), Decimal::from(*v))).collect(),
            })
            .collect();
        let as_of = day(4);
        let mut sorted: Vec<&Measure> =
            measures.iter().filter(|m| &*m.instrument == "change_meter" && m.date <= as_of).collect();
        sorted.sort_by_key(|m| m.date);
        let expected_sum = match (sorted.first(), sorted.last()) {
            (Some(first), Some(last)) if first.date != last.date => {
                let changes: Vec<Decimal> =
                    last.scores.iter().filter_map(|(k, v)| first.scores.get(k).map(|b| v - b)).collect();
                (!changes.is_empty()).then(|| changes.iter().sum::<Decimal>())
            }
            _ => None,
        };
        let mut r = record();
        r.measures = measures.clone();
        let view = super::queries::View::new(&r, as_of);
        proptest::prop_assert_eq!(view.measure_change_sum("change_meter"), Ok(expected_sum));
        proptest::prop_assert_eq!(view.measure_last_date("change_meter"), sorted.last().map(|m| m.date));
    }
}

#[test]
fn feedback_queries() {
    let mut r = record();
    r.feedback = vec![
        Feedback { date: d("2026-04-30"), satisfaction: 4 },
        Feedback { date: d("2026-03-01"), satisfaction: 2 },
        Feedback { date: d("2026-09-30"), satisfaction: 1 },
    ];
    let h = Harness::new(r, "2026-08-31");
    assert_eq!(h.eval("p.satisfaction_last()"), RuleValue::Integer(4));
    assert_eq!(h.eval("p.feedback_count()"), RuleValue::Integer(2));
    assert_eq!(Harness::new(record(), "2026-08-31").eval("p.satisfaction_last()"), RuleValue::Nothing);
}

// ---- achieved, params, numbers ----------------------------------------

#[test]
fn achieved_and_params_are_read_only_maps() {
    let mut h = Harness::new(record(), "2026-08-31");
    h.achieved.insert("employed_3m", d("2026-08-17"));
    h.params.insert("min_hours".into(), ParamValue::Decimal(dec("18.5")));
    h.params.insert("months".into(), ParamValue::Integer(3));
    h.params.insert("region".into(), ParamValue::Text("Keski-Suomi".into()));
    h.params.insert("cutoff".into(), ParamValue::Date(d("2026-12-31")));
    h.params.insert("strict".into(), ParamValue::Bool(false));
    assert_eq!(h.eval("achieved.employed_3m"), date_value("2026-08-17"));
    assert_eq!(h.eval(r#"achieved["employed_3m"].add_months(1)"#), date_value("2026-09-17"));
    assert_eq!(h.eval("achieved.education"), RuleValue::Nothing);
    h.assert_true(r#""employed_3m" in achieved && !("education" in achieved)"#);
    assert_eq!(h.eval("params.min_hours * 2"), RuleValue::Decimal(dec("37.0")));
    assert_eq!(h.eval("p.service_start.add_months(params.months)"), date_value("2026-04-12"));
    assert_eq!(h.eval(r#"params["region"]"#), RuleValue::Text("Keski-Suomi".into()));
    assert_eq!(h.eval("params.cutoff"), date_value("2026-12-31"));
    h.assert_true(r#"!params.strict && "strict" in params && !("nope" in params)"#);
    let e = h.error("params.min_hour");
    assert!(e.message.contains("unknown parameter `min_hour`; the contract declares: cutoff, min_hours"), "{e}");
    // The scope variables are constants.
    assert!(h.try_eval("as_of = date(\"2020-01-01\"); as_of").is_err());
}

#[test]
fn decimals_and_integers_mix_exactly() {
    let h = Harness::new(record(), "2026-08-31");
    h.assert_true(r#"dec("0.1") + dec("0.2") == dec("0.3")"#);
    h.assert_true("0.1 + 0.2 == 0.3");
    assert_eq!(h.eval(r#"dec("2.5") * 2"#), RuleValue::Decimal(dec("5.0")));
    assert_eq!(h.eval("1 + 1.5"), RuleValue::Decimal(dec("2.5")));
    assert_eq!(h.eval(r#"dec(3) / 4"#), RuleValue::Decimal(dec("0.75")));
    h.assert_true(r#"dec("1.0") == 1 && 2 > dec("1.99") && dec("12.50") >= 12"#);
    assert_eq!(h.eval(r#"max(dec("1.5"), 2)"#), RuleValue::Decimal(dec("2")));
    assert!(h.error(r#"dec("1,5")"#).message.contains("expected a decimal"));
    assert!(h.error("dec(1) / 0").message.to_lowercase().contains("division by zero"));
    // Money is rounded in Rust, never in scripts: `round` does not exist,
    // which `tulos check` already says.
    let e = h.compile(r#"dec("2.345").round(2)"#).unwrap_err();
    assert_eq!(e.message, "unknown function `round`");
}

#[test]
fn rule_values_convert_or_fail_clearly() {
    let h = Harness::new(record(), "2026-08-31");
    assert_eq!(h.eval(r#""ok""#), RuleValue::Text("ok".into()));
    assert_eq!(h.eval("()"), RuleValue::Nothing);
    assert_eq!(h.eval("[as_of]"), RuleValue::Dates(vec![d("2026-08-31")]));
    let e = h.error("#{ a: 1 }");
    assert!(e.message.contains("returned a value of type map"), "{e}");
    assert!(h.error("[1, 2]").message.contains("array"));
    assert!(h.error("p").message.contains("Participant"));
}

// ---- sandbox -----------------------------------------------------------

#[test]
fn endless_loop_stops_quickly_with_the_rule_and_participant() {
    let h = Harness::new(record(), "2026-08-31");
    let e = h.error("let x = 0;\nloop { x += 1; }");
    assert!(
        e.message.contains("operation limit exceeded (the script ran too long — is there an endless loop?)"),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "rule `outcome `t`, achieved_on` failed for participant P-1 at contracts/x.toml:13:13: \
         operation limit exceeded (the script ran too long — is there an endless loop?)"
    );
}

#[test]
fn deep_recursion_is_stopped() {
    let h = Harness::new(record(), "2026-08-31");
    let e = h.error("fn down(n) { down(n + 1) }\ndown(0)");
    assert!(e.message.contains("call depth limit exceeded"), "{e}");
}

#[test]
fn huge_strings_and_arrays_are_stopped() {
    let h = Harness::new(record(), "2026-08-31");
    let e = h.error(r#"let s = "x"; loop { s += s; }"#);
    assert!(e.message.contains("size limit exceeded"), "{e}");
    let e = h.error("let a = []; a.pad(1000000, 0); a.len()");
    assert!(e.message.contains("size limit exceeded"), "{e}");
}

#[test]
fn nothing_outside_pure_computation_is_available() {
    let h = Harness::new(record(), "2026-08-31");
    let d = h.compile(r#"eval("1")"#).unwrap_err();
    assert!(d.message.contains("eval"), "{d}");
    // A call that is the whole rule is checked like any other: `check`
    // refuses it before any data is read.
    for call in ["timestamp()", "sleep(1)", "parse_json(\"{}\")", "rand()"] {
        let e = h.compile(call).unwrap_err();
        assert!(e.message.starts_with("unknown function"), "{call}: {e}");
    }
    assert!(h.compile(r#"import "x" as y; 1"#).is_err());
    // print and debug are accepted and do nothing.
    assert_eq!(h.eval(r#"print("hi"); debug(1); 7"#), RuleValue::Integer(7));
}

// ---- compile errors and libraries -------------------------------------

#[test]
fn unknown_variable_is_a_compile_error_at_the_contract_position() {
    let h = Harness::new(record(), "2026-08-31");
    let diagnostic = h.compile("p.employed_on(as_of)\n  && employed_on_day").unwrap_err();
    assert_eq!(diagnostic.file, Path::new("contracts/x.toml"));
    assert_eq!(diagnostic.location, Location::Line { line: 13, column: Some(Column::Char(6)) });
    assert!(diagnostic.message.contains("unknown variable `employed_on_day`"), "{diagnostic}");
    assert!(diagnostic.help.is_some());
    // On the first line the column is shifted by the rule's start column.
    let first_line = h.compile("1 +").unwrap_err();
    match first_line.location {
        Location::Line { line: 12, column: Some(Column::Char(c)) } => assert!(c > 13, "{first_line}"),
        other => panic!("{other:?}"),
    }
}

const LIBRARY: &str = "\
// Shared helpers.
fn employed_after(p, day, months) {
    p.days_in(\"employment\", day, day.add_months(months))
}

fn broken(p) {
    p.days_in(\"employment\", p.service_start, date(\"2000-01-01\"))
}
";

#[test]
fn rules_call_library_functions() {
    let mut h = Harness::new(working_record(), "2026-08-31");
    let library = h.engine.compile_library(Path::new("rules/common.rhai"), LIBRARY).unwrap();
    let mut functions: Vec<&str> = library.functions().collect();
    functions.sort_unstable();
    assert_eq!(functions, ["broken", "employed_after"]);
    h.libraries.push(library);
    assert_eq!(h.eval(r#"employed_after(p, date("2026-05-01"), 1)"#), RuleValue::Integer(32));
    // A failure inside a library function points into the library.
    let e = h.error("\nbroken(p)");
    assert_eq!((e.file.as_path(), e.line), (Path::new("rules/common.rhai"), Some(7)));
    assert!(e.message.contains("the window is empty"), "{e}");
    assert!(e.message.contains("in `broken` called at contracts/x.toml:13:1"), "{e}");
}

#[test]
fn libraries_hold_functions_only() {
    let engine = RuleEngine::new(Limits::default());
    let text = "fn a() { 1 }\n\nlet x = 2;\nfn b() { 2 }";
    let diagnostic = engine.compile_library(Path::new("rules/bad.rhai"), text).unwrap_err();
    assert_eq!(diagnostic.location, Location::Line { line: 3, column: Some(Column::Char(1)) });
    assert!(diagnostic.message.contains("only define functions"), "{diagnostic}");
    // Functions cannot see the rule's variables; the error says how to pass them.
    let diagnostic = engine.compile_library(Path::new("rules/bad.rhai"), "fn c() {\n  as_of\n}").unwrap_err();
    assert_eq!(diagnostic.location, Location::Line { line: 2, column: Some(Column::Char(3)) });
    assert!(diagnostic.help.unwrap().contains("as parameters"));
}

// ---- tracing and threads ----------------------------------------------

#[test]
fn eval_traced_lists_every_read_in_order() {
    let mut h = Harness::new(working_record(), "2026-10-31");
    h.params.insert("months".into(), ParamValue::Integer(6));
    let rule = h
        .compile(
            "let start = p.service_end.add_days(1);\n\
             p.days_in(\"employment\", start, start.add_months(params.months).add_days(-1)) >= 90",
        )
        .unwrap();
    let (value, trace) = rule.eval_traced(&h.engine, &h.cx());
    assert_eq!(value, Ok(RuleValue::Bool(true)));
    assert_eq!(
        trace,
        ["p.service_end = 2026-04-30", "params.months = 6", "p.days_in(\"employment\", 2026-05-01, 2026-10-31) = 153",]
    );
    // Untraced evaluation gives the same value and records nothing.
    assert_eq!(rule.eval(&h.engine, &h.cx()), Ok(RuleValue::Bool(true)));
}

#[test]
fn engine_and_rules_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleEngine>();
    assert_send_sync::<CompiledRule>();
    let h = Harness::new(working_record(), "2026-08-31");
    let rule = h.compile(r#"p.days_in("any_employment", date("2026-01-01"), as_of)"#).unwrap();
    let records: Vec<Record> = (0..4)
        .map(|i| {
            let mut r = working_record();
            r.id = format!("P-{i}").into();
            r.spells.truncate(i + 1);
            r
        })
        .collect();
    let expected: Vec<_> =
        records.iter().map(|r| rule.eval(&h.engine, &EvalContext { record: r, ..h.cx() }).unwrap()).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = records
            .iter()
            .map(|r| s.spawn(|| rule.eval(&h.engine, &EvalContext { record: r, ..h.cx() }).unwrap()))
            .collect();
        let got: Vec<_> = handles.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(got, expected);
    });
}

// ---- hostile rules (issue 6) -------------------------------------------

/// `rule` must fail with an error that names the rule and the participant
/// and whose message contains `expected`.
fn assert_stopped(h: &Harness, rule: &str, expected: &str) {
    let e = h.error(rule);
    assert_eq!(e.rule, "outcome `t`, achieved_on", "{rule}");
    assert_eq!(e.participant, "P-1", "{rule}");
    assert!(e.message.contains(expected), "{rule}\n  gave: {e}");
}

/// An array as large as the limits allow, built in one operation.
const BIG: &str = "let a = []; a.pad(1000, 1);";

#[test]
fn an_endless_comparer_stops_within_the_budget() {
    let h = Harness::new(record(), "2026-08-31");
    for rule in [
        format!("{BIG} a.sort(|x, y| {{ loop {{}} }}); true"),
        format!("{BIG} a.sort_by(|x, y| {{ loop {{}} }}); true"),
        format!("{BIG} let b = a.order(|x, y| {{ loop {{}} }}); true"),
        format!("{BIG} a.dedup(|x, y| {{ loop {{}} }}); true"),
        // Each comparer call is cheap, but there are too many of them.
        format!("{BIG} a.sort(|x, y| {{ let i = 0; while i < 100 {{ i += 1; }} 0 }}); true"),
    ] {
        assert_stopped(&h, &rule, "operation limit exceeded");
    }
}

#[test]
fn nested_callbacks_share_one_operation_budget() {
    let h = Harness::new(record(), "2026-08-31");
    for rule in [
        // The issue's reproduction (which ran for over 90 s), without
        // capturing `b` (refused, see `closures_cannot_capture_variables`).
        "let a = [3, 1, 2];\na.sort(|x, y| { let b = [2, 1]; b.sort(|u, v| { loop {} }); 0 }); true".to_string(),
        // Every level alone stays under rhai's per-call limit.
        format!("{BIG} a.map(|x| {{ let i = 0; while i < 1000 {{ i += 1; }} x }}).len()"),
        format!(
            "{BIG} a.filter(|x| {{ [1, 2, 3].map(|y| {{ let i = 0; while i < 100 {{ i += 1; }} y }}); true }}).len()"
        ),
        format!("{BIG} a.reduce(|s, x| {{ let i = 0; while i < 100 {{ i += 1; }} s + x }}, 0)"),
        format!("{BIG} a.all(|x| {{ let i = 0; while i < 100 {{ i += 1; }} true }})"),
    ] {
        assert_stopped(&h, &rule, "operation limit exceeded");
    }
}

#[test]
fn an_error_inside_a_comparer_stops_the_rule() {
    let h = Harness::new(record(), "2026-08-31");
    // A missing-value comparison inside a comparer.
    assert_stopped(&h, "let a = [p.service_end, ()]; a.sort(|x, y| if x < y { -1 } else { 1 }); a.len()", "missing");
    assert_stopped(&h, "let a = [1, 2]; a.sort(|x, y| if x < () { -1 } else { 1 }); a.len()", "cannot compare");
    assert_stopped(&h, r#"let a = [1, 2]; a.sort(|x, y| throw "boom"); a.len()"#, "boom");
    assert_stopped(&h, r#"let a = [1, 2]; let b = a.order_by(|x, y| throw "boom"); b.len()"#, "boom");
    assert_stopped(&h, r#"let a = [1, 1, 2]; a.dedup(|x, y| throw "boom"); a.len()"#, "boom");
    assert_stopped(&h, "let a = [1, 1, 2]; a.dedup(|x, y| x / 0 == y); a.len()", "Division by zero");
    assert_stopped(&h, "let a = [p.service_start, 1]; a.dedup(); a.len()", "cannot compare");
    assert_stopped(&h, r#"fn cmp(x, y) { throw "boom" } let a = [1, 2]; a.sort("cmp"); a.len()"#, "boom");
    assert_stopped(&h, r#"fn same(x, y) { throw "boom" } let a = [1, 2]; a.dedup("same"); a.len()"#, "boom");
    assert_stopped(&h, r#"let a = [1, 2]; a.sort(|x, y| "later"); a.len()"#, "must return an integer");
    let e = h.error(r#"let a = [1, 2]; a.sort(|x, y| throw "boom"); a.len()"#);
    assert!(e.message.contains("in a closure called at contracts/x.toml:12:"), "{e}");
}

#[test]
fn sort_order_and_dedup_still_work() {
    let h = Harness::new(record(), "2026-08-31");
    h.assert_true("let a = [3, 1, 2]; a.sort(|x, y| x - y); a == [1, 2, 3]");
    h.assert_true("let a = [3, 1, 2]; a.sort_by(|x, y| x > y); a == [3, 2, 1]");
    h.assert_true("let a = [3, 1, 2]; a.order(|x, y| y - x) == [3, 2, 1] && a == [3, 1, 2]");
    h.assert_true("let a = [3, 1, 2]; a.sort(); a == [1, 2, 3]");
    // Stable: equal keys keep their order.
    h.assert_true(
        r#"let a = [[1, "a"], [0, "b"], [1, "c"]]; a.sort(|x, y| x[0] - y[0]); a[1][1] == "a" && a[2][1] == "c""#,
    );
    h.assert_true("let a = [1, 1, 2, 2, 1]; a.dedup(); a == [1, 2, 1]");
    h.assert_true(r#"let a = [1, "1", "1"]; a.dedup(); a == [1, "1"]"#);
    h.assert_true("let a = [1, 2, 3, 1]; a.dedup(|x, y| x < y); a == [1, 1]");
    h.assert_true(r#"let a = [p.service_start, p.service_start.add_days(1)]; a.sort(|x, y| if x < y { -1 } else { 1 }); a[0] == p.service_start"#);
}

#[test]
fn recursion_through_function_pointers_and_closures_is_stopped() {
    let h = Harness::new(record(), "2026-08-31");
    assert_stopped(&h, r#"fn f(x) { Fn("f").call(x) } f(1)"#, "call depth limit exceeded");
    assert_stopped(&h, "fn f(x) { [1, 2].sort(|a, b| f(a)); 0 } f(1)", "call depth limit exceeded");
    assert_stopped(
        &h,
        r#"let f = |x| Fn("g").call(x); fn g(x) { [x].map(|y| g(y)) } f.call(1)"#,
        "call depth limit exceeded",
    );
}

#[test]
fn growth_inside_callbacks_is_bounded() {
    let h = Harness::new(record(), "2026-08-31");
    assert_stopped(&h, r#"[1, 2].sort(|a, b| { let s = "x"; loop { s += s; } }); 0"#, "size limit exceeded");
    assert_stopped(&h, "[1, 2].map(|x| { let a = []; a.pad(100000, 0); a }).len()", "size limit exceeded");
    assert_stopped(&h, r#"let a = []; a.pad(1000, "x"); a.map(|x| { x.pad(10000, "y"); x }).len()"#, "limit exceeded");
    // Each result is small enough alone; together they would be 10^6
    // values (10^8 with 10,000-item arrays: 1.6 GB) before rhai checked
    // the collection.
    const FULL: &str = "{ let c = []; c.pad(1000, 0); c }";
    assert_stopped(&h, &format!("{BIG} a.map(|x| {FULL}).len()"), "size limit exceeded");
    assert_stopped(&h, &format!("{BIG} a.zip(a, |x, y| {FULL}).len()"), "size limit exceeded");
    assert_stopped(&h, &format!("#{{x: 1, y: 2}}.map(|k, v| {FULL}).len()"), "size limit exceeded");
    assert_stopped(&h, &format!("{BIG} a.reduce(|s, x| {{ s.push({FULL}); s }}, []).len()"), "size limit exceeded");
}

#[test]
fn map_and_zip_still_work() {
    let h = Harness::new(record(), "2026-08-31");
    h.assert_true("[1, 2, 3].map(|x| x * 2) == [2, 4, 6]");
    h.assert_true("[1, 2, 3].map(|x, i| x + i) == [1, 3, 5]");
    h.assert_true("[1, 2, 3].map(|| this + 1) == [2, 3, 4]");
    h.assert_true(r#"fn twice(x) { x * 2 } [1, 2].map("twice") == [2, 4]"#);
    h.assert_true("[1, 2, 3].zip([10, 20], |x, y| x + y) == [11, 22]");
    h.assert_true("[1, 2].zip([10, 20], |x, y, i| x + y + i) == [11, 23]");
    h.assert_true("let m = #{a: 1, b: 2}.map(|k, v| v * 10); m.a == 10 && m.b == 20");
}

#[test]
fn try_catch_cannot_hide_an_error() {
    let h = Harness::new(record(), "2026-08-31");
    let d = h.compile("try { p.service_end < () } catch { false }").unwrap_err();
    assert!(d.message.contains("`try … catch` is not available"), "{d}");
}

#[test]
fn overflow_is_a_rule_error_never_a_panic() {
    let max = Decimal::MAX;
    let mut r = record();
    r.earnings = vec![
        Earning { month: d("2026-05-01"), amount: max },
        Earning { month: d("2026-06-01"), amount: max },
        Earning { month: d("2026-06-01"), amount: max },
    ];
    let mut scored = measure("2026-03-01", &[("work", "1"), ("health", "1")]);
    scored.scores.insert("work".into(), Decimal::MIN);
    let mut top = measure("2026-06-01", &[("work", "1"), ("health", "1")]);
    top.scores.insert("work".into(), max);
    top.scores.insert("health".into(), max);
    r.measures = vec![scored, top];
    let mut long = spell("employment", "2026-02-01", None);
    long.hours_per_week = Some(max);
    let mut long2 = spell("employment", "2026-02-01", None);
    long2.hours_per_week = Some(max);
    r.spells = vec![long, long2];
    let h = Harness::new(r, "2026-08-31");
    for rule in [
        r#"p.earnings_sum(date("2026-01-01"), date("2026-12-31"))"#,
        r#"p.earnings_threshold_date(date("2026-01-01"), date("2026-12-31"), dec("79228162514264337593543950335"))"#,
        r#"p.measure_change("change_meter", "work")"#,
        r#"p.measure_change_sum("change_meter")"#,
        r#"p.hours_on("employment", date("2026-03-01"))"#,
        r#"dec("999999999999999") * dec("999999999999999") * dec("999999999999999")"#,
        r#"dec("999999999999999") * 999999999999999 * 999999999999999"#,
        r#"9223372036854775807 * dec("999999999999999") * 999999999999999"#,
        r#"dec("999999999999999") / dec("0.0000000000000000000000001")"#,
        r#"dec("999999999999999") % 0"#,
        r#"dec("999999999999999") ** 9"#,
        r#"dec("999999999999999") - (-dec("999999999999999")) * dec("999999999999999") * dec("999999999999999")"#,
        "9223372036854775807 + 1",
        "(-9223372036854775807 - 1) / -1",
        "(-9223372036854775807 - 1) % -1",
        "abs(-9223372036854775807 - 1)",
        "-(-9223372036854775807 - 1)",
        "2 ** 64",
        "dec(9223372036854775807) * dec(9223372036854775807) * dec(9223372036854775807) * 10",
        r#"date("2026-01-31").add_months(9223372036854775807)"#,
        r#"date("2026-01-31").add_months(-9223372036854775807 - 1)"#,
        r#"date("2026-01-31").add_days(9223372036854775807)"#,
        r#"date("2026-01-31").add_days(-9223372036854775807 - 1)"#,
        r#"date("9999-12-31").add_days(95000000).month_end()"#,
        r#"date("9999-12-31").add_days(95000000).add_months(1)"#,
        r#"p.age_on(date("9999-12-31").add_days(95000000))"#,
        r#"p.service_start.add_months(p.days_in("employment", date("2026-01-01"), date("2026-12-31")) * 9223372036854775807)"#,
    ] {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.try_eval(rule)));
        match outcome {
            Err(_) => panic!("{rule} panicked"),
            Ok(Ok(v)) => panic!("{rule} should fail, gave {v:?}"),
            Ok(Err(e)) => assert_eq!(e.participant, "P-1", "{rule}: {e}"),
        }
    } // Huge counts that fit are answers, not errors.
    assert_eq!(
        h.eval(r#"p.nth_day_in("employment", date("2026-02-01"), date("2026-03-01"), 9223372036854775807)"#),
        RuleValue::Nothing
    );
    let milestones =
        r#"p.continuous_milestones("employment", date("2026-02-01"), 9223372036854775807, 9223372036854775807)"#;
    assert_eq!(h.eval(milestones), RuleValue::Dates(vec![]));
}

#[test]
fn rule_errors_and_traces_never_echo_an_identity_code() {
    const CODE: &str = "131052-308T";
    let mut r = record();
    r.attributes.insert("note".into(), AttributeValue::Text(format!("ref {CODE}").into(), Dialect::Standard));
    let mut h = Harness::new(r, "2026-08-31");
    h.params.insert(format!("p_{CODE}"), ParamValue::Integer(1));
    for rule in [
        r#"date(p.attr("note"))"#.to_string(),
        r#"dec(p.attr("note"))"#.to_string(),
        r#"throw p.attr("note")"#.to_string(),
        r#"p.has_event(p.attr("note"), as_of, p.service_start)"#.to_string(),
        r#"params[p.attr("note")]"#.to_string(),
        r#"let a = [p.attr("note"), 1]; a.sort(|x, y| throw `${x}${y}`); 0"#.to_string(),
        format!(r#"date("{CODE}")"#),
        format!(r#"fn f(x) {{ date(x) }} f("{CODE}")"#),
    ] {
        let e = h.error(&rule);
        assert!(!e.to_string().contains(CODE), "{rule}: {e}");
        assert!(e.to_string().contains(crate::records::hetu::MASK), "{rule}: {e}");
    }
    let rule = h.compile(r#"p.attr("note") != ()"#).unwrap();
    let (_, trace) = rule.eval_traced(&h.engine, &h.cx());
    assert_eq!(trace, [format!("p.attr(\"note\") = \"ref {}\"", crate::records::hetu::MASK)]);
    let d = h.compile(&format!(r#"let x = "{CODE}"; x +"#)).unwrap_err();
    assert!(!d.to_string().contains(CODE), "{d}");
}

#[test]
fn a_parameter_without_a_version_in_force_lists_its_versions() {
    let mut h = Harness::new(record(), "2026-08-31");
    let version = |from: &str, to: Option<&str>, clause: Option<&str>, months: i64| ParamVersion {
        from: d(from),
        to: to.map(d),
        clause: clause.map(Into::into),
        value: ParamValue::Integer(months),
    };
    h.params.insert(
        "follow_up_months".into(),
        ParamValue::NotInForce {
            on: d("2026-01-12"),
            versions: vec![
                version("2026-02-01", Some("2026-08-31"), Some("§ 5"), 12),
                version("2026-09-01", None, Some("Muutos 2 § 1"), 9),
            ],
        },
    );
    h.params.insert("min_hours".into(), ParamValue::Decimal(dec("18.5")));
    let e = h.error("p.service_start.add_months(params.follow_up_months)");
    assert_eq!(
        e.message,
        "parameter `follow_up_months` has no version in force on 2026-01-12 (the participant's service start, \
         whose parameters rules see); its versions: from 2026-02-01 to 2026-08-31 (§ 5): 12; \
         from 2026-09-01 (Muutos 2 § 1): 9 — add a version that covers this date to the contract's [parameters]"
    );
    h.assert_true(r#"!("follow_up_months" in params) && "min_hours" in params"#);
    // A name the contract really does not declare.
    let e = h.error("params.follow_up_month");
    assert_eq!(
        e.message,
        "unknown parameter `follow_up_month`; the contract declares: follow_up_months, min_hours \
         — did you mean `follow_up_months`?"
    );
    h.params.clear();
    let e = h.error("params.min_hours");
    assert!(e.message.contains("the contract declares no parameters"), "{e}");
}

#[test]
fn deeply_nested_values_are_stopped() {
    let h = Harness::new(record(), "2026-08-31");
    assert_stopped(&h, "let a = []; loop { a = [a]; }", "size limit exceeded");
    assert_stopped(&h, "let m = #{}; loop { m = #{x: m}; }", "size limit exceeded");
    assert_stopped(&h, "let v = []; loop { v = [#{x: v}]; }", "size limit exceeded");
    // A spell of 3.6 million days yields no more milestones than an array
    // may hold (it built them all first, for seconds).
    let mut r = record();
    r.spells = vec![spell("employment", "0001-01-01", None)];
    let long = Harness::new(r, "9999-12-31");
    let rule = r#"p.continuous_milestones("employment", date("0001-01-01"), 1, 9223372036854775807).len()"#;
    assert_stopped(&long, rule, "size limit exceeded");
    let rule = r#"p.continuous_milestones("employment", date("0001-01-01"), 1, 1000).len()"#;
    assert_eq!(long.eval(rule), RuleValue::Integer(1000));
    // The issue's 10,000-item array is refused as it is built.
    assert_stopped(&h, "let a = []; a.pad(10000, 1); a.sort(|x, y| { loop {} }); true", "size limit exceeded");
}

#[test]
fn closures_cannot_capture_variables() {
    let h = Harness::new(record(), "2026-08-31");
    // Each would chain function pointers (dropping 50,000 of them aborted
    // the run with a stack overflow) or double one's size per operation.
    for (rule, expected) in [
        (
            "let f = || 1; loop { let g = f; f = || g.call(); }",
            "a closure cannot use variables from outside it (here `g`)",
        ),
        ("let f = 0; f = |x| f.call(x); f.call(1)", "a closure cannot use variables from outside it (here `f`)"),
        ("let b = [2, 1]; [3, 1].sort(|x, y| { b.sort(|u, v| { loop {} }); 0 })", "(here `b`)"),
        (r#"let f = Fn("x"); loop { f = f.curry(f); }"#, "`curry` is not available"),
    ] {
        let d = h.compile(rule).unwrap_err();
        assert!(d.message.contains(expected), "{rule}: {d}");
    }
    // Closures that take what they need as parameters are fine.
    h.assert_true("[3, 1, 2].filter(|x| x > 1).map(|x, i| x + i) == [3, 3]");
}

// ---- individual spells, events with values, dated measurements --------

fn spell_with_hours(kind: &str, start: &str, end: Option<&str>, hours: Option<&str>) -> Spell {
    Spell { hours_per_week: hours.map(dec), ..spell(kind, start, end) }
}

#[test]
fn spells_are_listed_unmerged_with_ongoing_ends_as_unit() {
    let mut r = record();
    r.spells = vec![
        spell_with_hours("employment", "2026-05-01", Some("2026-05-31"), Some("37.5")),
        // Touches the first: stays a spell of its own.
        spell_with_hours("employment", "2026-06-01", Some("2026-06-30"), None),
        // Starts inside the second and is still running.
        spell_with_hours("employment", "2026-06-15", None, Some("20")),
        // Recorded end after as_of: not known yet, reads as ongoing.
        spell("education", "2026-03-01", Some("2026-12-31")),
        // Starts after as_of: invisible.
        spell("employment", "2026-09-10", None),
    ];
    let h = Harness::new(r, "2026-08-31");
    let all = r#"p.spells("employment", date("2026-01-01"), date("2026-12-31"))"#;
    assert_eq!(h.eval(&format!("{all}.len()")), RuleValue::Integer(3));
    h.assert_true(&format!(
        r#"let s = {all}; s[0].start == date("2026-05-01") && s[0].end == date("2026-05-31") && s[0].days == 31
           && s[0].hours_per_week == 37.5 && s[0].sector == "open" && s[0].kind == "employment""#
    ));
    h.assert_true(&format!(r#"let s = {all}; s[1].start == date("2026-06-01") && s[1].hours_per_week == ()"#));
    // Ongoing: `end` is (), `last_day` is as_of and `days` counts up to it.
    h.assert_true(&format!(
        r#"let s = {all}; s[2].end == () && s[2].last_day == as_of && s[2].days == 78 && s[2].hours_per_week == 20"#
    ));
    h.assert_true(
        r#"let s = p.spells("education", date("2026-08-01"), date("2026-08-31")); s[0].end == () && s[0].sector == ()"#,
    );
    // A new job starting while another is still running.
    h.assert_true(&format!(
        r#"let s = {all}; let found = false;
           for i in 1..s.len() {{ for j in 0..i {{ if s[j].start < s[i].start && s[i].start <= s[j].last_day {{ found = true; }} }} }}
           found"#
    ));
    // Window boundaries are inclusive: a spell ending on `from` overlaps it.
    assert_eq!(
        h.eval(r#"p.spells("employment", date("2026-05-31"), date("2026-05-31")).len()"#),
        RuleValue::Integer(1)
    );
    assert_eq!(
        h.eval(r#"p.spells("employment", date("2026-04-01"), date("2026-04-30")).len()"#),
        RuleValue::Integer(0)
    );
    // any_employment lists the spells' own kinds.
    let mut r = record();
    r.spells = vec![spell("apprenticeship", "2026-05-01", None)];
    let h = Harness::new(r, "2026-08-31");
    h.assert_true(r#"p.spells("any_employment", date("2026-01-01"), as_of)[0].kind == "apprenticeship""#);
}

#[test]
fn spell_starts_are_distinct_start_days_in_the_window() {
    let mut r = record();
    r.spells = vec![
        spell("employment", "2026-06-15", None),
        spell("employment", "2026-05-01", Some("2026-05-31")),
        spell("employment", "2026-06-01", Some("2026-06-30")),
        spell("employment", "2026-06-01", Some("2026-06-10")),
        spell("employment", "2026-09-01", None),
    ];
    let h = Harness::new(r, "2026-08-31");
    let starts = h.eval(r#"p.spell_starts("employment", date("2026-05-01"), date("2026-12-31"))"#);
    assert_eq!(starts, RuleValue::Dates(vec![d("2026-05-01"), d("2026-06-01"), d("2026-06-15")]));
    // Both window ends are inclusive; a spell that started before `from` is not a start in it.
    let starts = h.eval(r#"p.spell_starts("employment", date("2026-05-02"), date("2026-06-15"))"#);
    assert_eq!(starts, RuleValue::Dates(vec![d("2026-06-01"), d("2026-06-15")]));
    // "A job that started within six months after the service."
    h.assert_true(r#"p.spell_starts("employment", p.service_end.add_days(1), p.service_end.add_months(6)).len() > 0"#);
    let e = h.error(r#"p.spell_starts("employment", as_of, date("2026-01-01"))"#);
    assert!(e.message.contains("the window is empty"), "{e}");
}

#[test]
fn more_spells_than_an_array_holds_is_a_clear_error() {
    let mut r = record();
    r.spells = (0..1001).map(|_| spell("employment", "2026-05-01", Some("2026-05-02"))).collect();
    let h = Harness::new(r, "2026-08-31");
    let e = h.error(r#"p.spells("employment", date("2026-01-01"), as_of)"#);
    assert!(e.message.contains("1001 spells match, more than the 1000 an array may hold — narrow the window"), "{e}");
    // Start days are distinct, so the same data fits.
    assert_eq!(h.eval(r#"p.spell_starts("employment", date("2026-01-01"), as_of).len()"#), RuleValue::Integer(1));
}

#[test]
fn events_with_their_values() {
    let mut r = record();
    r.events = vec![
        event("qualification", "2026-06-15", Some("L2")),
        event("qualification", "2026-06-15", Some("L3")),
        event("qualification", "2026-03-01", None),
        event("qualification", "2026-10-01", Some("L3")),
    ];
    let h = Harness::new(r, "2026-08-31");
    let all = r#"p.events("qualification", date("2026-01-01"), date("2026-12-31"))"#;
    assert_eq!(h.eval(&format!("{all}.len()")), RuleValue::Integer(3));
    h.assert_true(&format!(
        r#"let e = {all}; e[0].date == date("2026-03-01") && e[0].value == ()
           && e[1].value == "L2" && e[2].value == "L3" && e[2].date == date("2026-06-15") && e[2].kind == "qualification""#
    ));
    // Two events on one day with different values are both seen.
    let window = r#""qualification", date("2026-06-15"), date("2026-06-15")"#;
    assert_eq!(h.eval(&format!(r#"p.events_count({window}, "L3")"#)), RuleValue::Integer(1));
    assert_eq!(h.eval(&format!(r#"p.first_event({window}, "L3")"#)), date_value("2026-06-15"));
    assert_eq!(h.eval(&format!(r#"p.has_event({window}, "L4")"#)), RuleValue::Bool(false));
    assert_eq!(h.eval(&format!(r#"p.first_event({window}, "L4")"#)), RuleValue::Nothing);
    // The value filter is an exact match, and after as_of nothing is seen.
    let year = r#""qualification", date("2026-01-01"), date("2026-12-31")"#;
    assert_eq!(h.eval(&format!(r#"p.events_count({year}, "l3")"#)), RuleValue::Integer(0));
    assert_eq!(h.eval(&format!(r#"p.events({year}, "L3").len()"#)), RuleValue::Integer(1));
    // The existing overloads are unchanged.
    assert_eq!(h.eval(&format!("p.events_count({year})")), RuleValue::Integer(3));
}

#[test]
fn measurements_by_date_and_completeness() {
    let mut r = record();
    r.measures = vec![
        measure("2026-04-30", &[("work_ability", "3"), ("job_search", "3")]),
        measure("2026-01-12", &[("work_ability", "2"), ("job_search", "1")]),
        // Missing job_search.
        measure("2026-06-01", &[("work_ability", "4")]),
        measure("2026-10-01", &[("work_ability", "5"), ("job_search", "5")]),
    ];
    let h = Harness::new(r, "2026-08-31");
    let service = r#""change_meter", p.service_start, p.service_end"#;
    assert_eq!(h.eval(&format!("p.measurements({service}).len()")), RuleValue::Integer(2));
    h.assert_true(&format!(
        r#"let m = p.measurement_first({service}); m.date == date("2026-01-12") && m.scores.job_search == 1 && m.instrument == "change_meter""#
    ));
    h.assert_true(&format!(r#"p.measurement_last({service}).date == date("2026-04-30")"#));
    // The window ends are inclusive, and nothing after as_of is seen.
    let year = r#""change_meter", date("2026-01-01"), date("2026-12-31")"#;
    h.assert_true(&format!(r#"p.measurement_last({year}).date == date("2026-06-01")"#));
    h.assert_true(&format!(r#"!p.measurement_last({year}).complete(["work_ability", "job_search"])"#));
    h.assert_true(&format!(r#"p.measurement_last({year}).complete(["work_ability"])"#));
    // With dimensions, only complete measurements count.
    let dims = r#"["work_ability", "job_search"]"#;
    h.assert_true(&format!(r#"p.measurement_last({year}, {dims}).date == date("2026-04-30")"#));
    assert_eq!(h.eval(&format!("p.measurements({year}, {dims}).len()")), RuleValue::Integer(2));
    assert_eq!(h.eval(&format!(r#"p.measurement_first({year}, ["skills"])"#)), RuleValue::Nothing);
    assert_eq!(
        h.eval(r#"p.measurement_first("change_meter", date("2026-02-01"), date("2026-03-01"))"#),
        RuleValue::Nothing
    );
    let e = h.error(&format!("p.measurements({year}, [1, 2])"));
    assert!(e.message.contains("dimensions must be a list of texts"), "{e}");
    let e = h.error(r#"#{a: 1}.complete(["x"])"#);
    assert!(e.message.contains("is for a measurement from p.measurements"), "{e}");
    // measure_first/last keep reading every date up to as_of, per dimension.
    assert_eq!(h.eval(r#"p.measure_last("change_meter", "work_ability")"#), RuleValue::Decimal(dec("4")));
    assert_eq!(h.eval(r#"p.measure_last("change_meter", "job_search")"#), RuleValue::Decimal(dec("3")));
}

#[test]
fn traces_show_lists_of_records_readably() {
    let mut r = record();
    r.events = vec![event("qualification", "2026-06-15", Some("L2"))];
    let h = Harness::new(r, "2026-08-31");
    let rule = h.compile(r#"p.events("qualification", date("2026-01-01"), as_of).len()"#).unwrap();
    let (_, trace) = rule.eval_traced(&h.engine, &h.cx());
    assert_eq!(
        trace,
        [
            r#"p.events("qualification", 2026-01-01, 2026-08-31) = [#{date: 2026-06-15, kind: "qualification", value: "L2"}]"#
        ]
    );
}

// ---- names caught by `check` ------------------------------------------

#[test]
fn misspelt_library_functions_are_compile_errors_with_a_suggestion() {
    let mut h = Harness::new(record(), "2026-08-31");
    let text = std::fs::read_to_string("rules/employment.rhai").unwrap();
    h.libraries.push(h.engine.compile_library(Path::new("rules/employment.rhai"), &text).unwrap());
    let e = h.compile("\n  employed_month_after_service(p, 6)").unwrap_err();
    assert_eq!(e.message, "unknown function `employed_month_after_service`");
    assert!(e.help.as_deref().unwrap().contains("did you mean `employed_months_after_service`?"), "{e}");
    assert_eq!(e.location, Location::Line { line: 13, column: Some(Column::Char(3)) });
}

#[test]
fn wrong_argument_counts_are_compile_errors_with_the_usage() {
    let mut h = Harness::new(record(), "2026-08-31");
    let text = std::fs::read_to_string("rules/employment.rhai").unwrap();
    h.libraries.push(h.engine.compile_library(Path::new("rules/employment.rhai"), &text).unwrap());
    let e = h.compile("employed_months_after_service(p)").unwrap_err();
    assert_eq!(e.message, "`employed_months_after_service` called with 1 argument; it takes 2");
    assert_eq!(e.help.as_deref(), Some("it is defined as `fn employed_months_after_service(p, months)`"));
    assert_eq!(e.location, Location::Line { line: 12, column: Some(Column::Char(13)) });
    let e = h.compile(r#"p.days_in("employment", as_of)"#).unwrap_err();
    assert_eq!(e.message, "`days_in` called with 2 arguments; it takes 3");
    assert_eq!(e.help.as_deref(), Some("usage: p.days_in(kind: string, from: Date, to: Date) -> integer"));
    let e = h.compile(r#"p.has_event("x", as_of)"#).unwrap_err();
    assert_eq!(e.message, "`has_event` called with 2 arguments; it takes 3 or 4");
    let e = h.compile(r#"date("2026-01-01", 2)"#).unwrap_err();
    assert_eq!(e.message, "`date` called with 2 arguments; it takes 1");
    // Overloads and the rule's own functions are known.
    assert!(h.compile(r#"p.has_event("x", as_of, as_of, "L2") && dec(1) == dec("1")"#).is_ok());
    assert!(h.compile("fn f(a, b) { a + b } f(1, 2)").is_ok());
    let e = h.compile("fn f(a, b) { a + b } f(1)").unwrap_err();
    assert_eq!(e.message, "`f` called with 1 argument; it takes 2");
}

#[test]
fn undeclared_parameters_are_compile_errors_with_a_suggestion() {
    let h = Harness::new(record(), "2026-08-31");
    let declared: std::collections::BTreeSet<String> = ["min_hours".to_string(), "months".to_string()].into();
    let compile = |text: &str| h.engine.compile_contract_rule(&Harness::source(text), &[], &declared);
    let e = compile("params.min_hour > 1").unwrap_err();
    assert_eq!(e.message, "unknown parameter `params.min_hour`");
    assert_eq!(e.help.as_deref(), Some("did you mean `min_hours`? The contract declares: min_hours, months"));
    assert_eq!(e.location, Location::Line { line: 12, column: Some(Column::Char(20)) });
    let e = compile(r#"params["monts"] == 6"#).unwrap_err();
    assert_eq!(e.message, "unknown parameter `params.monts`");
    assert!(e.help.as_deref().unwrap().starts_with("did you mean `months`?"), "{e}");
    let e = h.engine.compile_contract_rule(&Harness::source("params.x"), &[], &Default::default()).unwrap_err();
    assert_eq!(e.help.as_deref(), Some("the contract declares no parameters; add it under [parameters]"));
    // Declared names, and asking whether one is there, pass.
    assert!(compile(r#"params.min_hours > 1 && params["months"] == 6 && !("other" in params)"#).is_ok());
}

/// The README's "a job that started within six months" as a library function.
const JOB_STARTED: &str = "\
fn job_started_after_service(p, months) {
    let end = p.service_end;
    if end == () { return (); }
    let starts = p.spell_starts(\"employment\", end.add_days(1), end.add_months(months));
    if starts.is_empty() { () } else { starts[0] }
}
";

#[test]
fn job_started_after_service_sees_a_job_starting_inside_another() {
    let mut r = record();
    // Service ends 2026-04-30; a job from before it, a second one starting inside it.
    r.spells = vec![spell("employment", "2026-04-01", None), spell("employment", "2026-06-10", None)];
    let mut h = Harness::new(r, "2026-12-31");
    h.libraries.push(h.engine.compile_library(Path::new("rules/x.rhai"), JOB_STARTED).unwrap());
    assert_eq!(h.eval("job_started_after_service(p, 6)"), date_value("2026-06-10"));
    assert_eq!(h.eval("job_started_after_service(p, 1)"), RuleValue::Nothing);
    // The merged view only sees the first job still running.
    assert_eq!(
        h.eval(r#"p.first_day_in("employment", date("2026-05-01"), date("2026-10-31"))"#),
        date_value("2026-05-01")
    );
}
