//! The rule API for individual spells, events with values and dated
//! measurements, end to end: contract text + records → statement, with
//! amounts computed by hand.

mod common;

use tulos::records::{Event, Measure, Record, Sector, Spell};
use tulos::statement::Statement;

use common::{d, dec, participant};

const CONTRACT: &str = r#"
[contract]
id = "T-1"
title = { fi = "Testi", en = "Test" }
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }
target_groups = ["long_term_unemployed"]

# A job that started within six months after the service.
[[outcome]]
id = "job_start"
name = { fi = "Työ alkoi", en = "Job started" }
achieved_on = '''
let starts = p.spell_starts("employment", p.service_end.add_days(1), p.service_end.add_months(6));
if starts.len() > 0 { starts[0] } else { () }
'''
tariff = "1000.00"

# One job, judged on its own, lasted 90 days: spells are not joined.
[[outcome]]
id = "long_job"
name = { fi = "Pitkä työ", en = "Long job" }
achieved_on = '''
let day = ();
for s in p.spells("employment", p.service_end, as_of) {
    if s.days >= 90 {
        let d = s.start.add_days(89);
        if day == () || d < day { day = d; }
    }
}
day
'''
tariff = "2000.00"

# A level-3 qualification, even when another one is dated the same day.
[[outcome]]
id = "l3"
name = { fi = "Tutkinto", en = "Qualification" }
achieved_on = 'p.first_event("qualification", p.service_start, as_of, "L3")'
tariff = "300.00"

# Job search improved between complete measurements during the service.
[[outcome]]
id = "meter"
name = { fi = "Muutos", en = "Change" }
achieved_on = '''
let dims = ["job_search", "work_ability"];
let before = p.measurement_first("change_meter", p.service_start, p.service_end, dims);
let after = p.measurement_last("change_meter", p.service_start, p.service_end, dims);
if before != () && after.date > before.date && after.scores.job_search - before.scores.job_search >= 1 {
    after.date
} else {
    ()
}
'''
tariff = "500.00"
"#;

fn job(start: &str, end: Option<&str>) -> Spell {
    Spell {
        kind: "employment".into(),
        sector: Some(Sector::Open),
        start: d(start),
        end: end.map(d),
        hours_per_week: None,
        source: None,
    }
}

fn qualification(date: &str, value: &str) -> Event {
    Event { kind: "qualification".into(), date: d(date), value: Some(value.into()), source: None }
}

fn measure(date: &str, scores: &[(&str, &str)]) -> Measure {
    Measure {
        instrument: "change_meter".into(),
        date: d(date),
        scores: scores.iter().map(|(k, v)| ((*k).into(), dec(v))).collect(),
    }
}

fn person(id: &str) -> Record {
    Record { municipality: None, ..participant(id) }
}

fn calculate(records: Vec<Record>, as_of: &str) -> Statement {
    common::calculate(&common::parse(CONTRACT), records, common::as_of(as_of)).unwrap_or_else(|e| panic!("{e:?}"))
}

/// (participant, item, date, net) of every line, sorted.
fn lines(s: &Statement) -> Vec<(String, String, String)> {
    let mut found: Vec<_> =
        s.lines.iter().map(|l| (l.id.participant.to_string(), l.id.item.to_string(), l.net.to_string())).collect();
    found.sort();
    found
}

fn row(p: &str, item: &str, net: &str) -> (String, String, String) {
    (p.into(), item.into(), net.into())
}

#[test]
fn spells_events_and_measurements_pay_as_the_clauses_read() {
    // P-1: two touching 60-day jobs (joined they would be 120 days, but no
    // single job lasted 90); two qualifications on one day; a measurement
    // missing a dimension between two complete ones.
    let mut p1 = person("P-1");
    p1.spells = vec![job("2026-04-10", Some("2026-06-08")), job("2026-06-09", Some("2026-08-07"))];
    p1.events = vec![qualification("2026-05-01", "L2"), qualification("2026-05-01", "L3")];
    p1.measures = vec![
        measure("2026-01-05", &[("job_search", "1"), ("work_ability", "2")]),
        measure("2026-03-15", &[("job_search", "3")]),
        measure("2026-03-31", &[("job_search", "2"), ("work_ability", "2")]),
    ];
    // P-2: a job from before the service end, still running, and a second
    // job starting inside it; the only complete measurement is the first,
    // and a later measurement lacks work_ability.
    let mut p2 = person("P-2");
    p2.spells = vec![job("2026-02-01", None), job("2026-05-01", None)];
    p2.events = vec![qualification("2026-05-01", "L2")];
    p2.measures = vec![
        measure("2026-01-05", &[("job_search", "1"), ("work_ability", "2")]),
        measure("2026-03-20", &[("job_search", "5")]),
    ];
    let s = calculate(vec![p1, p2], "2026-12-31");
    // P-1: job start 10 April (1000), L3 (300), meter 1 → 2 (500): 1800.
    // P-2: job start 1 May (1000; the February job started during the
    // service), the ongoing February job's 90th day 1 May (2000): 3000.
    assert_eq!(
        lines(&s),
        vec![
            row("P-1", "job_start", "1000.00"),
            row("P-1", "l3", "300.00"),
            row("P-1", "meter", "500.00"),
            row("P-2", "job_start", "1000.00"),
            row("P-2", "long_job", "2000.00"),
        ]
    );
    let long_job = s.lines.iter().find(|l| l.id.item.to_string() == "long_job").unwrap();
    assert_eq!(long_job.achieved_on, d("2026-05-01"));
    assert_eq!(s.totals.overall.net, dec("4800.00"));
}

#[test]
fn an_ongoing_spell_counts_only_up_to_the_as_of_date() {
    let mut p = person("P-1");
    p.spells = vec![job("2026-04-01", None)];
    // 1 April + 89 days = 29 June: not yet 90 days on 28 June.
    assert!(lines(&calculate(vec![p.clone()], "2026-06-28")).iter().all(|(_, item, _)| item != "long_job"));
    let s = calculate(vec![p], "2026-06-29");
    assert!(lines(&s).contains(&row("P-1", "long_job", "2000.00")));
}
