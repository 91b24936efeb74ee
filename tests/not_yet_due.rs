//! An outcome whose measuring day is after the as-of date is `not_yet_due`
//! with the day it becomes decidable, not `not_achieved`, so finance can
//! accrue it; once the as-of date passes that day it is decided.

mod common;

use std::path::Path;

use tulos::contract;
use tulos::records::{Record, Sector, Service, Spell};
use tulos::statement::{ReasonCode, Statement};

use common::{d, participant};

/// A completed trainee whose service ended on `end`, employed on the open
/// market from `from` to `to`.
fn trainee(id: &str, end: &str, from: &str, to: Option<&str>) -> Record {
    let job = Spell {
        kind: "employment".into(),
        sector: Some(Sector::Open),
        start: d(from),
        end: to.map(d),
        hours_per_week: None,
        source: None,
    };
    Record {
        service: Service { start: d("2026-01-12"), end: Some(d(end)), completed: Some(true) },
        spells: vec![job],
        ..participant(id)
    }
}

/// The shipped labour-market-training contract (its `employed_6m` is
/// `employed_months_after_service(p, 6)`) on `records` as of `as_of`.
fn statement(records: Vec<Record>, as_of: &str) -> Statement {
    let c = contract::load(Path::new("contracts/labour-market-training/contract.toml"))
        .unwrap_or_else(|e| panic!("{:#?}", e.0));
    common::calculate(&c, records, common::as_of(as_of)).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The reason and detail `participant` is not paid `item`, if not.
fn unpaid(s: &Statement, participant: &str, item: &str) -> Option<(ReasonCode, String)> {
    s.unpaid
        .iter()
        .find(|u| &*u.participant == participant && &*u.item == item)
        .map(|u| (u.reason.clone(), u.detail.to_string()))
}

fn paid(s: &Statement, participant: &str, item: &str) -> bool {
    s.lines.iter().any(|l| &*l.id.participant == participant && &*l.id.item == item)
}

#[test]
fn a_follow_up_day_after_the_as_of_date_is_not_yet_due_on_that_day() {
    // Ended 31.3.: 3 months → 30.6. (employed, paid); 6 months → 30.9.
    let s = statement(vec![trainee("T-1", "2026-03-31", "2026-04-15", None)], "2026-08-31");
    assert!(paid(&s, "T-1", "employed_3m"));
    let (reason, detail) = unpaid(&s, "T-1", "employed_6m").expect("employed_6m is not paid yet");
    assert_eq!(reason, ReasonCode::NotYetDue { on: d("2026-09-30") });
    assert_eq!(reason.name(), "not_yet_due");
    assert!(detail.contains("2026-09-30"), "{detail}");
    let json = serde_json::to_value(&s.unpaid).unwrap();
    assert_eq!(json[0]["reason"], "not_yet_due", "{json}");
}

#[test]
fn a_follow_up_day_that_has_passed_without_work_is_not_achieved() {
    // Ended 31.1.: employed on 30.4. (3 months) but not on 31.7. (6 months).
    let s = statement(vec![trainee("T-2", "2026-01-31", "2026-02-15", Some("2026-05-31"))], "2026-08-31");
    assert!(paid(&s, "T-2", "employed_3m"));
    let (reason, _) = unpaid(&s, "T-2", "employed_6m").expect("employed_6m is not paid");
    assert_eq!(reason, ReasonCode::NotAchieved);
}

#[test]
fn the_same_participant_is_decided_once_the_as_of_date_passes_the_day() {
    let employed = trainee("T-1", "2026-03-31", "2026-04-15", None);
    let s = statement(vec![employed], "2026-10-31");
    assert!(paid(&s, "T-1", "employed_6m"), "{:?}", s.unpaid);
    let left = trainee("T-3", "2026-03-31", "2026-04-15", Some("2026-09-15"));
    let s = statement(vec![left], "2026-10-31");
    assert_eq!(unpaid(&s, "T-3", "employed_6m").map(|u| u.0), Some(ReasonCode::NotAchieved));
}
