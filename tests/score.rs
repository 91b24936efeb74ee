//! Effectiveness scores: a snapshot of `tulos score` for every shipped
//! contract that declares indicators, checked against hand calculation,
//! and the edge cases of the comparison: weights, no control arm, a
//! control arm with no eligible record.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tulos::effectiveness::{self, Estimate, IndicatorScore, Scorecard};
use tulos::payment::{self, Achievements, Evaluator, RecordOutcome};
use tulos::{contract, records};

const CAREER: &str = "contracts/career-coaching";

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
}

/// The scorecard `tulos score` computes, cost included: the payment
/// statement over the same records and as-of date.
fn score(dir: &Path, records_path: &Path) -> Scorecard {
    let c = contract::load(&dir.join("contract.toml")).unwrap_or_else(|d| panic!("{:?}", d.0));
    let ev = Evaluator::new(&c).unwrap_or_else(|d| panic!("{:?}", d.0));
    let inputs = payment::fingerprint(&c, records_path).expect("records readable");
    let reader = records::open_for(records_path, Some(&c.id)).expect("records open");
    let request = payment::Request { as_of: as_of(), period: None };
    let paid = payment::calculate(&c, &ev, reader, inputs.clone(), request).unwrap_or_else(|e| panic!("{e:?}"));
    let reader = records::open_for(records_path, Some(&c.id)).expect("records open");
    effectiveness::score(&c, &ev, reader, inputs, as_of(), Some(&paid)).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The JSON `tulos score --format json` prints.
fn json(s: &Scorecard) -> String {
    serde_json::to_string_pretty(s).expect("a scorecard serialises") + "\n"
}

fn contracts_with_indicators() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("contracts")
        .expect("contracts/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.join("contract.toml").is_file())
        .filter(|p| !contract::load(&p.join("contract.toml")).expect("shipped contracts load").indicators.is_empty())
        .collect();
    dirs.sort();
    dirs
}

/// The records file the contract's snapshot run names (`test.toml`).
fn shipped_records(dir: &Path) -> PathBuf {
    let setup: toml::Table = toml::from_str(&std::fs::read_to_string(dir.join("test.toml")).unwrap()).unwrap();
    dir.join(setup["records"].as_str().expect("records = \"…\""))
}

#[test]
fn every_contract_with_indicators_matches_its_score_snapshot() {
    let dirs = contracts_with_indicators();
    assert!(dirs.iter().any(|d| d.ends_with("career-coaching")), "the shipped indicators are found");
    for dir in dirs {
        let scorecard = score(&dir, &shipped_records(&dir));
        insta::with_settings!({
            snapshot_path => std::env::current_dir().unwrap().join(&dir),
            prepend_module_to_snapshot => false,
            input_file => dir.join("contract.toml"),
        }, {
            insta::assert_snapshot!("score", effectiveness::scorecard_text(&scorecard));
            insta::assert_snapshot!("score_json", json(&scorecard));
        });
    }
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn indicator<'s>(s: &'s Scorecard, id: &str) -> &'s IndicatorScore {
    s.indicators.iter().find(|i| i.id == id).unwrap_or_else(|| panic!("indicator {id}"))
}

/// Job entry in career coaching, worked by hand from the records:
/// participants C-001 … C-008 without the youth C-003 (not eligible) are
/// 7; C-001, C-002 and C-008 reach job entry by 2026-12-31 (C-006's 28th
/// day falls in 2027): 3/7 = 0.4286. Controls K-001 … K-006 without the
/// youth K-005 are 5; only K-001 works 28 days (K-003 17 days, K-006 20):
/// 1/5 = 0.2000.
/// Wilson 3/7 (z² = 3.8415, z²/n = 0.54878): centre (0.42857 + 0.27439) /
/// 1.54878 = 0.45388, half 1.26548 × √(0.035 + 0.019599) = 0.29566 →
/// 0.1582 … 0.7495. Wilson 1/5: 0.0362 … 0.6245.
/// Difference 0.2286 (22.86 points), Newcombe: 0.22857 − √(0.27035² +
/// 0.42447²) = −0.2747, 0.22857 + √(0.32097² + 0.16378²) = 0.5889.
/// Additional outcomes 0.22857 × 7 = 1.6. Target 0.40: met.
#[test]
fn career_coaching_job_entry_is_the_hand_calculated_one() {
    let s = score(Path::new(CAREER), &Path::new(CAREER).join("records.jsonl"));
    let c = &s.counts;
    assert_eq!((c.records_read, c.participants, c.controls), (14, 8, 6));
    assert_eq!((c.ineligible_participants, c.ineligible_controls, c.other_contract), (1, 1, 0));
    let job = indicator(&s, "job_entry_rate");
    assert_eq!((job.participants.n, job.participants.count), (7, 3));
    let Estimate::Estimated(rate) = &job.participants.rate else { panic!("a rate") };
    assert_eq!((rate.value, rate.low, rate.high), (d("0.4286"), d("0.1582"), d("0.7495")));
    let control = job.control.as_ref().expect("a control arm");
    assert_eq!((control.n, control.count), (5, 1));
    let Estimate::Estimated(rate) = &control.rate else { panic!("a control rate") };
    assert_eq!((rate.value, rate.low, rate.high), (d("0.2000"), d("0.0362"), d("0.6245")));
    let Some(Estimate::Estimated(diff)) = &job.difference else { panic!("a difference") };
    assert_eq!((diff.points, diff.low, diff.high), (d("22.86"), d("-27.47"), d("58.89")));
    assert_eq!(diff.additional_outcomes, d("1.6"));
    assert_eq!((job.target, job.meets_target), (Some(d("0.40")), Some(true)));
    assert!(!s.method.weighted);
}

/// Relative risk 3/7 over 1/5 = 2.1429, log interval exp(0.762140 ±
/// 1.959964 × √(1/3 − 1/7 + 1/1 − 1/5)) = 0.3047 … 15.0706; additional
/// outcomes 1.6 with the Newcombe bounds × 7: −0.27469 × 7 = −1.9, 0.58887
/// × 7 = 4.1. Cost: the statement pays gross 33075.52 (net 26355.00 + VAT
/// 25.5 %, the § 6.6 impact line of 1875.00 net included); per eligible
/// participant 33075.52 / 7 = 4725.07; per job entry 33075.52 / 3 =
/// 11025.17; per additional job entry 33075.52 / (3 − 7 × 1/5) = 20672.20.
#[test]
fn relative_risk_additional_outcomes_and_cost_are_the_hand_calculated_ones() {
    let s = score(Path::new(CAREER), &Path::new(CAREER).join("records.jsonl"));
    let job = indicator(&s, "job_entry_rate");
    let rr = job.relative_risk.as_ref().and_then(|r| r.value()).expect("a relative risk");
    let bounds = rr.interval.value().expect("an interval");
    assert_eq!((rr.value, bounds.low, bounds.high), (d("2.1429"), d("0.3047"), d("15.0706")));
    let Some(Estimate::Estimated(diff)) = &job.difference else { panic!("a difference") };
    assert_eq!((diff.additional_low, diff.additional_high), (d("-1.9"), d("4.1")));
    let cost = s.cost.as_ref().expect("a cost section");
    assert_eq!((cost.gross, cost.net, cost.participants), (d("33075.52"), d("26355.00"), 7));
    assert_eq!(cost.per_participant.value().unwrap().amount, d("4725.07"));
    let job_cost = &cost.indicators[0];
    assert_eq!(job_cost.per_outcome.value().unwrap().amount, d("11025.17"));
    assert_eq!(job_cost.per_additional_outcome.value().unwrap().amount, d("20672.20"));
    // Open-market work 3 months after: 2/5 against 1/2 is fewer than the
    // control rate predicts, so no cost per additional outcome.
    let employed = &cost.indicators[2];
    assert_eq!(employed.per_additional_outcome.reason(), Some(effectiveness::Undefined::NoAdditionalOutcomes));
}

/// Weights 0.7 and 0.3; job entry 0.4286 of 0.40 and open-market work
/// 0.4000 of 0.35 both reach their targets: 70.00 + 30.00 = 100.00.
#[test]
fn the_composite_score_shows_each_contribution() {
    let s = score(Path::new(CAREER), &Path::new(CAREER).join("records.jsonl"));
    let c = s.composite.as_ref().expect("weighted indicators");
    let parts: Vec<(&str, Option<Decimal>)> = c.parts.iter().map(|p| (p.indicator.as_str(), p.contribution)).collect();
    assert_eq!(parts, [("job_entry_rate", Some(d("70.00"))), ("employed_3m_rate", Some(d("30.00")))]);
    assert_eq!(c.score.value().unwrap().value, d("100.00"));
    // One participant of four in work: job entry 0.25 of 0.40 → 0.625 ×
    // 70 = 43.75; employed 3 months after 0.25 of 0.35 → 0.7143 × 30 =
    // 21.43 (0.714285… × 30 = 21.428…); score 65.18.
    let s = score_lines(
        "composite",
        &[
            line("P-1", "participant", "1", Some("2026-03-02")),
            line("P-2", "participant", "1", None),
            line("P-3", "participant", "1", None),
            line("P-4", "participant", "1", None),
        ],
    );
    let c = s.composite.as_ref().unwrap();
    let parts: Vec<Option<Decimal>> = c.parts.iter().map(|p| p.contribution).collect();
    assert_eq!(parts, [Some(d("43.75")), Some(d("21.43"))]);
    assert_eq!(c.score.value().unwrap().value, d("65.18"));
}

/// The standard indicator reads the spells: service ends 29 May 2026,
/// the follow-up day is 29 August 2026. P-1 works from March (ongoing),
/// P-2 only until July, P-3 in subsidised work, P-4 still in service.
#[test]
fn a_standard_indicator_counts_open_market_work_on_the_follow_up_day() {
    let spell = |kind: &str, end: &str| {
        format!(r#"{{"kind":"{kind}","start":"2026-03-02","end":{end},"source":"income_register"}}"#)
    };
    let record = |id: &str, end: &str, spells: String| {
        format!(
            r#"{{"id":"{id}","groups":["long_term_unemployed"],"service":{{"start":"2026-02-02","end":{end}}},"spells":[{spells}]}}"#
        )
    };
    let s = score_lines(
        "standard",
        &[
            record("P-1", r#""2026-05-29""#, spell("employment", "null")),
            record("P-2", r#""2026-05-29""#, spell("employment", r#""2026-07-31""#)),
            record("P-3", r#""2026-05-29""#, spell("subsidised_employment", "null")),
            record("P-4", "null", spell("employment", "null")),
        ],
    );
    let employed = indicator(&s, "employed_3m_rate");
    assert_eq!((employed.participants.n, employed.participants.count), (3, 1));
    assert_eq!(employed.not_observable.map(|u| u.participants), Some(1));
}

/// A records line in a municipality, of a target group.
fn resident(id: &str, arm: &str, town: &str, employed: bool) -> String {
    let spells = if employed {
        r#"{"kind":"employment","start":"2026-03-02","end":null,"source":"income_register"}"#
    } else {
        ""
    };
    format!(
        r#"{{"id":"{id}","arm":"{arm}","municipality":"{town}","groups":["long_term_unemployed"],"service":{{"start":"2026-02-02","end":"2026-05-29"}},"spells":[{spells}]}}"#
    )
}

/// Participants: Jämsä 6, Kuhmoinen 2, Keuruu 4 (min_cell 3). Kuhmoinen
/// is under 3; shown alone as suppressed it would still be 12 − 6 − 4 = 2,
/// so Keuruu (the next smallest) is suppressed too. No output holds
/// Kuhmoinen's or Keuruu's figures.
#[test]
fn a_small_cell_is_suppressed_and_cannot_be_derived_from_the_total() {
    let mut lines = Vec::new();
    (0..6).for_each(|i| lines.push(resident(&format!("P-J{i}"), "participant", "Jämsä", i < 3)));
    (0..2).for_each(|i| lines.push(resident(&format!("P-K{i}"), "participant", "Kuhmoinen", i < 1)));
    (0..4).for_each(|i| lines.push(resident(&format!("P-E{i}"), "participant", "Keuruu", i < 1)));
    let s = score_lines("suppression", &lines);
    let job = indicator(&s, "job_entry_rate");
    assert_eq!(job.participants.n, 12);
    let by_town = job.breakdowns.iter().find(|b| b.by == effectiveness::By::Municipality).unwrap();
    let cells: Vec<(&str, String)> = by_town
        .cells
        .iter()
        .map(|c| {
            let state = match &c.participants {
                effectiveness::Shown::Shown(a) => format!("{}/{}", a.count, a.n),
                effectiveness::Shown::Suppressed { suppression } => format!("{suppression:?}"),
            };
            (c.cell.as_str(), state)
        })
        .collect();
    assert_eq!(
        cells,
        [("Jämsä", "3/6".to_string()), ("Keuruu", "Secondary".to_string()), ("Kuhmoinen", "Primary".to_string())]
    );
    let text = effectiveness::scorecard_text(&s);
    assert!(text.contains("Kuhmoinen") && text.contains("<3"), "{text}");
    let csv = effectiveness::scorecard_csv(&s);
    assert!(csv.contains("job_entry_rate,municipality,Kuhmoinen,suppressed,,,,,,"), "{csv}");
    assert!(csv.contains("job_entry_rate,municipality,Jämsä,shown,6,3,0.5000,"), "{csv}");
}

/// A record line of the career-coaching contract.
fn line(id: &str, arm: &str, weight: &str, employed_from: Option<&str>) -> String {
    let spells = employed_from.map_or(String::new(), |from| {
        format!(r#"{{"kind":"employment","start":"{from}","end":null,"source":"income_register"}}"#)
    });
    format!(
        r#"{{"id":"{id}","arm":"{arm}","weight":"{weight}","groups":["long_term_unemployed"],"service":{{"start":"2026-02-02","end":"2026-05-29"}},"spells":[{spells}]}}"#
    )
}

fn score_lines(name: &str, lines: &[String]) -> Scorecard {
    let dir = std::env::temp_dir().join(format!("tulos-score-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("records.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let s = score(Path::new(CAREER), &path);
    std::fs::remove_dir_all(dir).unwrap();
    s
}

/// Weights worked by hand. Participants (weight 1): one of two in work,
/// rate 0.5, n_eff 2. Controls: weights 2 (in work), 0.5 and 1.5: Σw = 4,
/// Σw·y = 2, rate 0.5; Σw² = 4 + 0.25 + 2.25 = 6.5, n_eff = 16 / 6.5 =
/// 2.46. Wilson 0.5 with n = 2: centre 0.5, half 1.95996 / 2.92073 ×
/// √(0.125 + 0.24009) = 0.40547 → 0.0945 … 0.9055; with n = 2.4615:
/// 0.1097 … 0.8903. Difference 0, Newcombe ±√(0.40547² + 0.39034²) =
/// ±0.5628.
#[test]
fn weights_give_weighted_rates_and_the_effective_sample_size() {
    let s = score_lines(
        "weights",
        &[
            line("P-1", "participant", "1", Some("2026-03-02")),
            line("P-2", "participant", "1", None),
            line("K-1", "control", "2", Some("2026-03-02")),
            line("K-2", "control", "0.5", None),
            line("K-3", "control", "1.5", None),
        ],
    );
    assert!(s.method.weighted);
    assert_eq!(s.method.sample_size, "Kish effective sample size n_eff = (Σw)² / Σw²");
    let job = indicator(&s, "job_entry_rate");
    assert_eq!(job.participants.n_eff, Some(d("2.00")));
    let Estimate::Estimated(rate) = &job.participants.rate else { panic!("a rate") };
    assert_eq!((rate.value, rate.low, rate.high), (d("0.5000"), d("0.0945"), d("0.9055")));
    let control = job.control.as_ref().unwrap();
    assert_eq!((control.n, control.count, control.n_eff), (3, 1, Some(d("2.46"))));
    let Estimate::Estimated(rate) = &control.rate else { panic!("a control rate") };
    assert_eq!((rate.value, rate.low, rate.high), (d("0.5000"), d("0.1097"), d("0.8903")));
    let Some(Estimate::Estimated(diff)) = &job.difference else { panic!("a difference") };
    assert_eq!(
        (diff.points, diff.low, diff.high, diff.additional_outcomes),
        (d("0.00"), d("-56.28"), d("56.28"), d("0.0"))
    );
    let text = effectiveness::scorecard_text(&s);
    assert!(text.contains("Weighted") && text.contains("n_eff"), "{text}");
}

#[test]
fn without_control_records_there_is_no_comparison() {
    // A control record of another contract is counted there, not here.
    let other = r#"{"id":"K-9","contract":"OTHER-1","arm":"control","service":{"start":"2026-02-02"}}"#;
    let s = score_lines(
        "no-control",
        &[line("P-1", "participant", "1", Some("2026-03-02")), line("P-2", "participant", "1", None), other.into()],
    );
    assert_eq!((s.counts.records_read, s.counts.other_contract, s.counts.controls), (3, 1, 0));
    let job = indicator(&s, "job_entry_rate");
    assert_eq!((job.control.as_ref(), job.difference.as_ref()), (None, None));
    // 1/2 = 0.5 is above the target 0.40.
    assert_eq!(job.meets_target, Some(true));
    let text = effectiveness::scorecard_text(&s);
    assert!(text.contains("No control records: no comparison group, no difference"), "{text}");
    assert!(!text.contains("control  rate"), "no control columns: {text}");
}

#[test]
fn a_control_arm_with_no_eligible_record_gives_no_estimate_and_says_why() {
    let youth = r#"{"id":"K-1","arm":"control","groups":["youth"],"service":{"start":"2026-02-02"}}"#;
    let zero_weight = line("K-2", "control", "0", Some("2026-03-02"));
    let s = score_lines("empty-control", &[line("P-1", "participant", "1", None), youth.to_string(), zero_weight]);
    assert_eq!((s.counts.controls, s.counts.ineligible_controls), (2, 1));
    let job = indicator(&s, "job_entry_rate");
    let control = job.control.as_ref().expect("the records have a control arm");
    // K-2 is eligible and in work, but of weight 0: nothing to estimate from.
    assert_eq!((control.n, control.count), (1, 1));
    assert!(matches!(control.rate, Estimate::NotEstimated { .. }));
    assert!(matches!(job.difference, Some(Estimate::NotEstimated { .. })));
    // 0/1 achieved: the rate is 0 and its interval stays within [0, 1].
    let Estimate::Estimated(rate) = &job.participants.rate else { panic!("a rate") };
    assert_eq!((rate.value, rate.low, rate.high), (d("0.0000"), d("0.0000"), d("0.7935")));
    assert_eq!(job.meets_target, Some(false));
    let text = effectiveness::scorecard_text(&s);
    assert!(text.contains("— no estimate: no eligible records (or all weights 0)"), "{text}");
    let json = json(&s);
    assert!(json.contains(r#""status": "not_estimated""#) && json.contains(r#""reason": "no_records""#), "{json}");
}

/// A control record is evaluated for effectiveness exactly as a
/// participant is, requirements included, and still never paid.
#[test]
fn control_records_get_achievements_but_no_payment() {
    let c = contract::load(&Path::new(CAREER).join("contract.toml")).unwrap();
    let ev = Evaluator::new(&c).unwrap();
    let text = line("K-1", "control", "1", Some("2026-03-02"));
    let dir = std::env::temp_dir().join(format!("tulos-score-achievements-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("records.jsonl");
    std::fs::write(&path, text + "\n").unwrap();
    let record = records::open_for(&path, Some(&c.id)).unwrap().next().unwrap().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
    let record = ev.bind(record).unwrap();
    assert!(matches!(ev.evaluate(&record, as_of(), None).unwrap(), RecordOutcome::Control));
    let Achievements::Eligible(first) = ev.achievements(&record, as_of()).unwrap() else { panic!("eligible") };
    let on = |id: &str| first[c.items.iter().position(|i| i.id == id).unwrap()];
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d);
    // Start fee on the index date; job entry on the 28th day in work; the
    // first further 4 weeks (which requires job entry) 28 days after that.
    assert_eq!(on("start_fee"), day(2, 2));
    assert_eq!(on("job_entry"), day(3, 29));
    assert_eq!(on("in_work_4w"), day(4, 26));
    assert_eq!(on("change_meter"), None);
    // An earlier as-of date hides what came after it.
    let Achievements::Eligible(first) = ev.achievements(&record, day(3, 28).unwrap()).unwrap() else { panic!() };
    assert!(first.iter().skip(1).all(Option::is_none), "{first:?}");
}

#[test]
fn a_contract_without_indicators_says_how_to_declare_them() {
    let dir = Path::new("contracts/labour-market-training");
    let s = score(dir, &shipped_records(dir));
    assert!(s.indicators.is_empty());
    assert_eq!(s.counts.controls, 1, "the records still have a control arm");
    let text = effectiveness::scorecard_text(&s);
    assert!(text.contains("The contract declares no indicators: add [[indicator]] sections"), "{text}");
}

#[test]
fn the_binary_prints_the_library_scorecard() {
    let run = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tulos"))
            .args(["score", &format!("{CAREER}/contract.toml"), "--records", &format!("{CAREER}/records.jsonl")])
            .args(["--as-of", "2026-12-31", "--format", format])
            .output()
            .expect("tulos runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let s = score(Path::new(CAREER), &Path::new(CAREER).join("records.jsonl"));
    assert_eq!(run("text"), effectiveness::scorecard_text(&s));
    assert_eq!(run("json"), json(&s));
    assert_eq!(run("csv"), effectiveness::scorecard_csv(&s));
}

/// The Finnish text: labels, decimal commas, thousands with a space and
/// dates `31.12.2026`; the JSON is the same in either language.
#[test]
fn the_finnish_text_uses_finnish_labels_and_number_formats() {
    let s = score(Path::new(CAREER), &Path::new(CAREER).join("records.jsonl"));
    let fi = effectiveness::scorecard_text_in(&s, tulos::locale::Lang::Fi);
    insta::assert_snapshot!("career_coaching_score_fi", fi);
    assert!(fi.contains("Tilanne 31.12.2026") && fi.contains("42,86 %") && fi.contains("33 075,52"), "{fi}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tulos"))
        .args(["score", &format!("{CAREER}/contract.toml"), "--records", &format!("{CAREER}/records.jsonl")])
        .args(["--as-of", "2026-12-31", "--lang", "fi"])
        .output()
        .expect("tulos runs");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), fi);
}

/// A bad record stops the score as it stops a payment run: every problem
/// is reported, nothing is scored on part of the data.
#[test]
fn bad_records_stop_the_score_with_every_problem() {
    let dir = std::env::temp_dir().join(format!("tulos-score-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("records.jsonl");
    let lines = [
        line("P-1", "participant", "1", None),
        line("K-1", "control", "-1", None),
        r#"{"id":"K-2","arm":"control","groups":["Youth"],"service":{"start":"2026-02-02"}}"#.to_string(),
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let c = contract::load(&Path::new(CAREER).join("contract.toml")).unwrap();
    let ev = Evaluator::new(&c).unwrap();
    let reader = records::open_for(&path, Some(&c.id)).unwrap();
    let inputs = payment::fingerprint(&c, &path).unwrap();
    let result = effectiveness::score(&c, &ev, reader, inputs, as_of(), None);
    std::fs::remove_dir_all(dir).unwrap();
    let Err(effectiveness::ScoreError::Records(diags)) = result else { panic!("{result:?}") };
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("weight"), "{messages:?}");
    assert!(messages[1].contains("`Youth`"), "{messages:?}");
}

/// A record line with change meter measurements, feedback and earnings.
fn measured(id: &str, arm: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{id}","arm":"{arm}","groups":["long_term_unemployed"],"service":{{"start":"2026-02-02","end":"2026-05-29"}}{extra}}}"#
    )
}

fn meter(dates_scores: &[(&str, u8)]) -> String {
    let m: Vec<String> = dates_scores
        .iter()
        .map(|(date, s)| format!(r#"{{"instrument":"change_meter","date":"{date}","scores":{{"skills":{s}}}}}"#))
        .collect();
    format!(r#","measures":[{}]"#, m.join(","))
}

/// P-1 improves 2 → 4, P-2 1 → 2 (the threshold is 1), P-3 is measured
/// once and P-4 never: the mean change is (2 + 1) / 2 = 1.5 over the two
/// paired records, not 3 / 3 with a zero for P-3; one and none are
/// counted. A measurement before the service start or after the as-of
/// date is outside the window. Without control measurements there is no
/// control row.
#[test]
fn one_measurement_is_missing_never_zero_change() {
    let s = score_lines(
        "one-measurement",
        &[
            measured("P-1", "participant", &meter(&[("2026-02-02", 2), ("2026-05-29", 4)])),
            measured("P-2", "participant", &meter(&[("2026-01-05", 5), ("2026-02-03", 1), ("2026-05-20", 2)])),
            measured("P-3", "participant", &meter(&[("2026-02-02", 1), ("2027-01-15", 5)])),
            measured("P-4", "participant", ""),
            measured("K-1", "control", ""),
        ],
    );
    let [skills] = s.change_meter.dimensions.as_slice() else { panic!("{:?}", s.change_meter) };
    let p = &skills.participants;
    assert_eq!((p.eligible, p.paired, p.one_measurement, p.no_measurement), (4, 2, 1, 1));
    let change = p.change.value().expect("a mean change");
    assert_eq!(change.value, d("1.50"));
    // first (2 + 1) / 2, last (4 + 2) / 2; changes 2 and 1: sd 0.7071,
    // effect size 1.5 / 0.7071 = 2.12; 1.5 ± 12.7062 × 0.7071 / √2.
    assert_eq!((p.first.value().unwrap().value, p.last.value().unwrap().value), (d("1.50"), d("3.00")));
    assert_eq!(p.effect_size.value().unwrap().value, d("2.12"));
    let interval = change.interval.value().expect("an interval");
    assert_eq!((interval.low, interval.high), (d("-4.85"), d("7.85")));
    let improved = p.improved.as_ref().expect("the contract sets a threshold");
    assert_eq!(improved.count, 2);
    assert_eq!(skills.control, None, "no control record has a measurement");
    let text = effectiveness::scorecard_text(&s);
    assert!(text.contains("one only (missing, not zero change)"), "{text}");
}

/// No feedback at all: response 0 of n, no mean, the target neither met
/// nor failed, and no NaN anywhere.
#[test]
fn no_feedback_gives_no_satisfaction_and_says_why() {
    let s = score_lines("no-feedback", &[measured("P-1", "participant", ""), measured("P-2", "participant", "")]);
    let e = &s.experience;
    assert_eq!((e.participants.eligible, e.participants.respondents), (2, 0));
    let Estimate::Estimated(rate) = &e.participants.response_rate else { panic!("a response rate") };
    assert_eq!(rate.value, d("0.0000"));
    assert!(matches!(e.participants.satisfaction, Estimate::NotEstimated { .. }));
    assert_eq!((e.target, e.meets_target, e.control.as_ref()), (Some(d("4.0")), None, None));
    let text = format!("{}{}", effectiveness::scorecard_text(&s), json(&s));
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
}

/// The latest feedback in the window counts, once per record; the
/// distribution counts answers 1–5.
#[test]
fn satisfaction_takes_each_records_latest_answer() {
    let feedback = |answers: &[(&str, u8)]| {
        let f: Vec<String> =
            answers.iter().map(|(date, s)| format!(r#"{{"date":"{date}","satisfaction":{s}}}"#)).collect();
        format!(r#","feedback":[{}]"#, f.join(","))
    };
    let s = score_lines(
        "feedback",
        &[
            measured("P-1", "participant", &feedback(&[("2026-05-29", 2), ("2026-03-01", 5)])),
            measured("P-2", "participant", &feedback(&[("2026-05-29", 4)])),
            measured("P-3", "participant", &feedback(&[("2026-01-01", 5)])),
        ],
    );
    let p = &s.experience.participants;
    assert_eq!((p.respondents, p.distribution), (2, [0, 1, 0, 1, 0]));
    assert_eq!(p.satisfaction.value().unwrap().value, d("3.00"));
    assert_eq!(s.experience.meets_target, Some(false));
}

/// Earnings: months without a row are 0 €, a window not over by the
/// as-of date is left out, and one control record gives a mean but no
/// Welch interval (a typed reason, never NaN).
#[test]
fn earnings_windows_and_a_single_control_record() {
    let earnings = |rows: &[(&str, &str)]| {
        let e: Vec<String> = rows.iter().map(|(m, a)| format!(r#"{{"month":"{m}","amount":"{a}"}}"#)).collect();
        format!(r#","earnings":[{}]"#, e.join(","))
    };
    let s = score_lines(
        "earnings",
        &[
            // Before: 1200 over 12 months = 100; 3 months after May: 900 / 3 = 300.
            measured("P-1", "participant", &earnings(&[("2025-06", "1200.00"), ("2026-07", "900.00")])),
            measured("P-2", "participant", ""),
            measured("K-1", "control", &earnings(&[("2026-06", "600.00")])),
        ],
    );
    let [three, six, twelve] = s.earnings.windows.as_slice() else { panic!("{:?}", s.earnings) };
    let p = &three.participants;
    assert_eq!(
        (p.observed, p.before.value().unwrap().value, p.after.value().unwrap().value),
        (2, d("50.00"), d("150.00"))
    );
    assert_eq!(p.change.value().unwrap().value, d("100.00"));
    let k = three.control.as_ref().unwrap();
    assert_eq!((k.observed, k.change.value().unwrap().value), (1, d("200.00")));
    let Some(Estimate::NotEstimated { reason, .. }) = &three.difference else { panic!("{:?}", three.difference) };
    assert_eq!(*reason, effectiveness::stats::NoEstimate::TooFewRecords);
    // June–November is over by 2026-12-31; June 2026–May 2027 is not.
    assert_eq!((six.participants.observed, twelve.participants.observed), (2, 0));
    assert_eq!(twelve.participants.window_not_over, 2);
    assert_eq!(s.earnings.without_rows.participants, 1);
    let text = effectiveness::scorecard_text(&s);
    assert!(text.contains("— no estimate: fewer than two records with a value"), "{text}");
}

/// Value indicators on the social-impact-bond fixture, worked with an
/// independent computation (Python's statistics, t quantiles with mpmath).
/// Eligible participants P-1…P-6 (P-7 starts after the eligible period):
/// tax 3000, 2500, 4000, 3500, 3000, 1000 → mean 2833.33, t interval
/// 1749.48 … 3917.19; controls 2000, 1500, 2500, 1800 → mean 1950.00,
/// 1281.18 … 2618.82; difference 883.33, Welch 95 % −228.56 … 1995.22 on
/// 7.07 df. Benefits: P-6 has no figure, so 5 values (mean 680.00) and
/// one missing — never a zero.
#[test]
fn value_indicators_give_means_and_the_welch_difference() {
    let dir = std::env::temp_dir().join(format!("tulos-score-values-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = Path::new("tests/fixtures/impact-fiscal-gain");
    let text = std::fs::read_to_string(fixture.join("contract.toml")).unwrap()
        + r#"
[[indicator]]
id = "tax_mean"
name = { fi = "Verot keskimäärin", en = "Mean tax paid" }
value = "tax_paid"
target = "2500"

[[indicator]]
id = "benefits_mean"
name = { fi = "Etuudet keskimäärin", en = "Mean benefits paid" }
value = "benefits_paid"
"#;
    std::fs::write(dir.join("contract.toml"), text).unwrap();
    let s = score(&dir, &fixture.join("records.jsonl"));
    std::fs::remove_dir_all(&dir).unwrap();

    let tax = &s.values[0];
    assert_eq!((tax.participants.n, tax.participants.missing), (6, 0));
    let m = tax.participants.mean.value().expect("a mean");
    let i = m.interval.value().expect("an interval");
    assert_eq!((m.value, i.low, i.high), (d("2833.33"), d("1749.48"), d("3917.19")));
    let k = tax.control.as_ref().expect("a control arm");
    let m = k.mean.value().expect("a control mean");
    let i = m.interval.value().expect("an interval");
    assert_eq!((k.n, m.value, i.low, i.high), (4, d("1950.00"), d("1281.18"), d("2618.82")));
    let Some(Estimate::Estimated(diff)) = &tax.difference else { panic!("a difference") };
    assert_eq!((diff.value, diff.low, diff.high, diff.df), (d("883.33"), d("-228.56"), d("1995.22"), d("7.07")));
    assert_eq!((tax.target, tax.meets_target), (Some(d("2500")), Some(true)));

    let benefits = &s.values[1];
    assert_eq!((benefits.participants.n, benefits.participants.missing), (5, 1));
    assert_eq!(benefits.participants.mean.value().map(|m| m.value), Some(d("680.00")));
    let text = effectiveness::scorecard_text(&s);
    assert!(text.contains("Value indicators") && text.contains("883.33"), "{text}");
}

/// A value indicator names a `[[value]]`, measures one thing and carries
/// no composite weight; each mistake is located with what to write.
#[test]
fn a_value_indicator_naming_no_value_is_a_check_error() {
    let fixture = Path::new("tests/fixtures/impact-fiscal-gain/contract.toml");
    let text = std::fs::read_to_string(fixture).unwrap()
        + "\n[[indicator]]\nid = \"tax_mean\"\nname = { fi = \"V\", en = \"V\" }\nvalue = \"tax_payd\"\nweight = \"1\"\n";
    let diags = contract::parse(fixture, &text).expect_err("two mistakes").0;
    let messages: Vec<String> =
        diags.iter().map(|d| format!("{} | {}", d.message, d.help.clone().unwrap_or_default())).collect();
    assert!(
        messages.iter().any(|m| m.contains("`tax_payd`, which is not a [[value]]") && m.contains("tax_paid")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("cannot carry a composite `weight`")), "{messages:?}");
}
