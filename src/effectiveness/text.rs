//! The scorecard as an aligned text table for the terminal.

use std::collections::BTreeSet;
use std::fmt::Write;

use rust_decimal::Decimal;

use super::breakdown::{Breakdown, Shown};
use super::comparison::{Ratio, Undefined};
use super::measures::{ChangeArm, EarningsArm, ExperienceArm, Figure, Mean, MeanDifference};
use super::scorecard::{ArmScore, Difference, Estimate, IndicatorScore, Rate, Scorecard};
use super::stats::NoEstimate;
use crate::contract::Counted;
use crate::locale::{self, Lang, Msg};
use crate::report::{shown, table};

/// Shown for a value that cannot be estimated; the footer says why.
const NONE: &str = "—";

/// Render the scorecard as aligned text: the method, one row per
/// indicator, the indicators' names, counts and input fingerprints. Every
/// value from the records or the contract goes through [`shown`].
pub fn scorecard_text(s: &Scorecard) -> String {
    scorecard_text_in(s, Lang::En)
}

/// [`scorecard_text`] in `lang`: every label, sentence, number and date
/// (the texts are in [`crate::locale`]). Values from the contract and the
/// records are shown as they are.
pub fn scorecard_text_in(s: &Scorecard, lang: Lang) -> String {
    let mut out = String::new();
    header(&mut out, s, lang);
    indicators(&mut out, s, lang);
    value_indicators(&mut out, s, lang);
    comparison(&mut out, s, lang);
    names(&mut out, s, lang);
    composite(&mut out, s, lang);
    cost(&mut out, s, lang);
    breakdowns(&mut out, s, lang);
    change_meter(&mut out, s, lang);
    experience(&mut out, s, lang);
    earnings(&mut out, s, lang);
    footer(&mut out, s, lang);
    out
}

fn header(out: &mut String, s: &Scorecard, lang: Lang) {
    let _ = writeln!(
        out,
        "{} {} — {} / {}",
        locale::text(lang, Msg::Scorecard),
        shown(&s.contract),
        shown(&s.title.fi),
        shown(&s.title.en)
    );
    let m = &s.method;
    let weighted = locale::text(lang, if m.weighted { Msg::Weighted } else { Msg::Unweighted });
    let _ = writeln!(out, "{} {}   {weighted}", locale::text(lang, Msg::AsOf), locale::date(lang, s.as_of));
    let say = |sentence| locale::method(lang, sentence);
    let _ = writeln!(
        out,
        "{}",
        locale::fill(lang, Msg::MethodRate, &[&say(m.rate), &say(m.interval), &say(m.sample_size)])
    );
    if s.counts.controls > 0 {
        let _ = writeln!(out, "{}", locale::fill(lang, Msg::MethodDifference, &[&say(m.difference)]));
    } else {
        let _ = writeln!(out, "{}", locale::text(lang, Msg::NoControl));
    }
    out.push('\n');
}

fn indicators(out: &mut String, s: &Scorecard, lang: Lang) {
    if s.indicators.is_empty() && !s.values.is_empty() {
        return;
    }
    if s.indicators.is_empty() {
        let _ = writeln!(out, "{}", locale::text(lang, Msg::NoIndicators));
        return;
    }
    let has_control = s.counts.controls > 0;
    let weighted = s.method.weighted;
    let t = |m| locale::text(lang, m).to_string();
    let mut head = vec![t(Msg::Indicator)];
    head.extend(arm_head(Msg::Participants, weighted, lang));
    if has_control {
        head.extend(arm_head(Msg::Control, weighted, lang));
        head.extend([t(Msg::Difference), t(Msg::Interval), t(Msg::Additional)]);
    }
    head.extend([t(Msg::Target), t(Msg::Met)]);
    let interval = t(Msg::Interval);
    let mut rows = vec![head];
    for i in &s.indicators {
        rows.push(row(i, weighted, lang));
    }
    // Every column but the indicator id and the intervals holds a number.
    let right: Vec<usize> = (1..rows[0].len()).filter(|c| rows[0][*c] != interval).collect();
    table(out, &rows, &right);
    out.push('\n');
}

/// Means of per-participant values: n with the missing count, mean and
/// its interval per arm, and the difference of means (Welch).
fn value_indicators(out: &mut String, s: &Scorecard, lang: Lang) {
    if s.values.is_empty() {
        return;
    }
    let t = |m| locale::text(lang, m).to_string();
    let _ = writeln!(out, "{}", t(Msg::ValueIndicators));
    let arm = |m| [t(m), t(Msg::MissingColumn), t(Msg::MeanColumn), t(Msg::Interval)];
    let mut head = vec![t(Msg::Indicator), t(Msg::ValueColumn)];
    head.extend(arm(Msg::Participants));
    let has_control = s.values.iter().any(|v| v.control.is_some());
    if has_control {
        head.extend(arm(Msg::Control));
        head.extend([t(Msg::Difference), t(Msg::Interval), t(Msg::DegreesOfFreedom)]);
    }
    head.extend([t(Msg::Target), t(Msg::Met)]);
    let interval = t(Msg::Interval);
    let mut rows = vec![head];
    for v in &s.values {
        let mut row = vec![shown(&v.id), shown(&v.value), v.participants.n.to_string()];
        row.push(v.participants.missing.to_string());
        row.extend(mean_cells(&v.participants.mean, lang));
        if let Some(k) = &v.control {
            row.extend([k.n.to_string(), k.missing.to_string()]);
            row.extend(mean_cells(&k.mean, lang));
        }
        if let Some(d) = &v.difference {
            row.extend(difference_of_means(d, lang));
        }
        row.push(v.target.map_or(NONE.to_string(), |t| locale::number(lang, t)));
        row.push(met_in(v.meets_target, lang));
        rows.push(row);
    }
    let right: Vec<usize> = (2..rows[0].len()).filter(|c| rows[0][*c] != interval).collect();
    table(out, &rows, &right);
    out.push('\n');
}

fn arm_head(arm: Msg, weighted: bool, lang: Lang) -> Vec<String> {
    let mut head = vec![locale::text(lang, arm).to_string()];
    if weighted {
        head.push("n_eff".into());
    }
    head.extend([locale::text(lang, Msg::Rate).into(), locale::text(lang, Msg::Interval).into()]);
    head
}

fn row(i: &IndicatorScore, weighted: bool, lang: Lang) -> Vec<String> {
    let mut row = vec![i.id.clone()];
    row.extend(arm_cells(&i.participants, weighted, lang));
    if let Some(control) = &i.control {
        row.extend(arm_cells(control, weighted, lang));
    }
    match &i.difference {
        Some(Estimate::Estimated(d)) => row.extend(difference_cells(d, lang)),
        Some(Estimate::NotEstimated { .. }) => row.extend([NONE.into(), NONE.into(), NONE.into()]),
        None => {}
    }
    row.push(i.target.map_or(String::new(), |t| percent_in(t, lang)));
    row.push(met_in(i.meets_target, lang));
    row
}

fn arm_cells(a: &ArmScore, weighted: bool, lang: Lang) -> Vec<String> {
    let mut cells = vec![format!("{}/{}", a.count, a.n)];
    if weighted {
        cells.push(a.n_eff.map_or(String::new(), |n| locale::number(lang, n)));
    }
    match &a.rate {
        Estimate::Estimated(r) => cells
            .extend([percent_in(r.value, lang), format!("{} … {}", percent_in(r.low, lang), percent_in(r.high, lang))]),
        Estimate::NotEstimated { .. } => cells.extend([NONE.into(), NONE.into()]),
    }
    cells
}

fn difference_cells(d: &Difference, lang: Lang) -> [String; 3] {
    [
        format!("{} pp", signed_in(d.points, lang)),
        format!("{} … {} pp", signed_in(d.low, lang), signed_in(d.high, lang)),
        locale::number(lang, d.additional_outcomes),
    ]
}

/// A rate (0–1, four decimals) as a percentage with two decimals.
fn percent_in(rate: Decimal, lang: Lang) -> String {
    locale::percent(lang, rate, 2)
}

fn signed_in(points: Decimal, lang: Lang) -> String {
    if points > Decimal::ZERO {
        format!("+{}", locale::number(lang, points))
    } else {
        locale::number(lang, points)
    }
}

fn names(out: &mut String, s: &Scorecard, lang: Lang) {
    let rows: Vec<Vec<String>> = s
        .indicators
        .iter()
        .map(|i| vec![i.id.clone(), format!("{} / {} ({})", shown(&i.name.fi), shown(&i.name.en), counted(i, lang))])
        .collect();
    if !rows.is_empty() {
        table(out, &rows, &[]);
        out.push('\n');
    }
}

fn counted(i: &IndicatorScore, lang: Lang) -> String {
    match (&i.counts, &i.not_observable) {
        (Counted::Outcome(id), _) => locale::fill(lang, Msg::OutcomeIndicator, &[id]),
        (Counted::Standard(s), unseen) => {
            let unseen = unseen.map_or(String::new(), |u| {
                let control =
                    u.control.map_or(String::new(), |k| format!(", {} {k}", locale::text(lang, Msg::Control)));
                locale::fill(lang, Msg::NotYetObservable, &[&u.participants, &control])
            });
            locale::fill(lang, Msg::StandardIndicator, &[&s.id(), &super::follow_up_months(*s), &unseen])
        }
    }
}

/// Relative risk and additional outcomes, when there is a control arm.
fn comparison(out: &mut String, s: &Scorecard, lang: Lang) {
    if s.counts.controls == 0 || s.indicators.is_empty() {
        return;
    }
    let say = |m, sentence| locale::fill(lang, m, &[&locale::method(lang, sentence)]);
    let _ = writeln!(out, "{}", say(Msg::MethodRelativeRisk, s.method.relative_risk));
    let _ = writeln!(out, "{}", say(Msg::MethodAdditional, s.method.additional_outcomes));
    let mut rows = vec![[Msg::Indicator, Msg::RelativeRisk, Msg::Interval, Msg::Additional, Msg::Interval]
        .map(|m| locale::text(lang, m).to_string())
        .to_vec()];
    let n = |d: Decimal| locale::number(lang, d);
    for i in &s.indicators {
        let mut row = vec![i.id.clone()];
        match i.relative_risk.as_ref().and_then(Ratio::value) {
            Some(rr) => row.extend([
                n(rr.value),
                rr.interval.value().map_or(NONE.to_string(), |b| format!("{} … {}", n(b.low), n(b.high))),
            ]),
            None => row.extend([NONE.into(), NONE.into()]),
        }
        match i.difference.as_ref().and_then(Estimate::value) {
            Some(d) => {
                row.extend([n(d.additional_outcomes), format!("{} … {}", n(d.additional_low), n(d.additional_high))])
            }
            None => row.extend([NONE.into(), NONE.into()]),
        }
        rows.push(row);
    }
    table(out, &rows, &[1, 3]);
    out.push('\n');
}

fn composite(out: &mut String, s: &Scorecard, lang: Lang) {
    let Some(c) = &s.composite else { return };
    let n = |d: Decimal| locale::number(lang, d);
    let score = c.score.value().map_or(NONE.to_string(), |p| n(p.value));
    let _ =
        writeln!(out, "{} {score} / 100: {}", locale::text(lang, Msg::CompositeScore), locale::method(lang, c.formula));
    let head = [Msg::Indicator, Msg::Weight, Msg::Rate, Msg::Target, Msg::Achievement, Msg::Contribution];
    let mut rows = vec![head.map(|m| locale::text(lang, m).to_string()).to_vec()];
    for p in &c.parts {
        rows.push(vec![
            p.indicator.clone(),
            n(p.weight),
            p.rate.map_or(NONE.to_string(), |r| percent_in(r, lang)),
            percent_in(p.target, lang),
            p.achievement.map_or(NONE.to_string(), n),
            p.contribution.map_or(NONE.to_string(), n),
        ]);
    }
    table(out, &rows, &[1, 2, 3, 4, 5]);
    out.push('\n');
}

fn cost(out: &mut String, s: &Scorecard, lang: Lang) {
    let Some(c) = &s.cost else { return };
    let n = |d: Decimal| locale::number(lang, d);
    let money = |r: &Ratio<super::cost::Money>| r.value().map_or(NONE.to_string(), |m| n(m.amount));
    let basis = locale::method(lang, c.basis);
    let _ = writeln!(out, "{} ({}): {basis}", locale::text(lang, Msg::Cost), shown(&c.currency));
    let paid =
        [&n(c.gross) as &dyn std::fmt::Display, &n(c.net), &c.lines, &c.participants, &money(&c.per_participant)];
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::CostPaid, &paid));
    let head = [Msg::Indicator, Msg::Outcomes, Msg::PerOutcome, Msg::PerAdditionalOutcome];
    let mut rows = vec![head.map(|m| locale::text(lang, m).to_string()).to_vec()];
    for i in &c.indicators {
        rows.push(vec![
            i.indicator.clone(),
            i.outcomes.to_string(),
            money(&i.per_outcome),
            money(&i.per_additional_outcome),
        ]);
    }
    table(out, &rows, &[1, 2, 3]);
    out.push('\n');
}

/// Every indicator by municipality, target group and cohort; a suppressed
/// arm shows `<min_cell` and nothing else.
fn breakdowns(out: &mut String, s: &Scorecard, lang: Lang) {
    if s.indicators.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::BreakdownsNote, &[&s.min_cell]));
    let has_control = s.counts.controls > 0;
    for i in &s.indicators {
        for b in &i.breakdowns {
            breakdown(out, s, &i.id, b, has_control, lang);
        }
    }
    out.push('\n');
}

fn breakdown(out: &mut String, s: &Scorecard, indicator: &str, b: &Breakdown, has_control: bool, lang: Lang) {
    let t = |m| locale::text(lang, m).to_string();
    let by = match b.by {
        super::By::Municipality => Msg::Municipality,
        super::By::TargetGroup => Msg::TargetGroup,
        super::By::Cohort => Msg::Cohort,
    };
    let mut head: Vec<String> =
        vec![format!("{indicator} {} {}", t(Msg::By), t(by)), t(Msg::Participants), t(Msg::Rate)];
    if has_control {
        head.extend([t(Msg::Control), t(Msg::Rate), t(Msg::Difference)]);
    }
    let mut rows = vec![head];
    for c in &b.cells {
        let mut row = vec![shown(&c.cell)];
        row.extend(shown_arm(&c.participants, s.min_cell, lang));
        if let Some(k) = &c.control {
            row.extend(shown_arm(k, s.min_cell, lang));
            row.push(match &c.difference {
                Some(Estimate::Estimated(d)) => format!("{} pp", signed_in(d.points, lang)),
                Some(Estimate::NotEstimated { .. }) => NONE.into(),
                None => String::new(),
            });
        }
        rows.push(row);
    }
    let right: Vec<usize> = (1..rows[0].len()).collect();
    table(out, &rows, &right);
}

fn shown_arm(a: &Shown<ArmScore>, min_cell: u64, lang: Lang) -> [String; 2] {
    match a {
        Shown::Shown(a) => {
            [format!("{}/{}", a.count, a.n), a.rate.value().map_or(NONE.to_string(), |r| percent_in(r.value, lang))]
        }
        Shown::Suppressed { .. } => [format!("<{min_cell}"), String::new()],
    }
}

fn footer(out: &mut String, s: &Scorecard, lang: Lang) {
    let c = &s.counts;
    let counts = [
        &c.records_read as &dyn std::fmt::Display,
        &c.participants,
        &c.ineligible_participants,
        &c.controls,
        &c.ineligible_controls,
        &c.other_contract,
    ];
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::ScoreCounts, &counts));
    for reason in reasons(s) {
        let _ =
            writeln!(out, "{NONE} {}", locale::fill(lang, Msg::NoEstimate, &[&locale::method(lang, reason.reason())]));
    }
    for reason in undefined(s) {
        let _ =
            writeln!(out, "{NONE} {}", locale::fill(lang, Msg::NotDefined, &[&locale::method(lang, reason.reason())]));
    }
    // Hashes are ours and never redacted: hex can look like an identity code.
    let digest = |m, name: &str, sha: &str| locale::fill(lang, m, &[&shown(name), &sha]);
    let _ = writeln!(out, "{}", digest(Msg::ContractDigest, &s.inputs.contract_file, &s.inputs.contract_sha256));
    for (name, sha) in &s.inputs.libraries {
        let _ = writeln!(out, "{}", digest(Msg::RulesDigest, name, sha));
    }
    for (name, sha) in &s.inputs.records {
        let _ = writeln!(out, "{}", digest(Msg::RecordsDigest, name, sha));
    }
}

fn change_meter(out: &mut String, s: &Scorecard, lang: Lang) {
    let c = &s.change_meter;
    let window = locale::method(lang, c.window);
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::ChangeMeterTitle, &[&c.instrument, &window]));
    if c.dimensions.is_empty() {
        let _ = writeln!(out, "{}", locale::text(lang, Msg::ChangeMeterEmpty));
        return;
    }
    let improved =
        c.threshold.map_or(String::new(), |t| locale::fill(lang, Msg::Improved, &[&locale::number(lang, t)]));
    let _ =
        writeln!(out, "{}", locale::fill(lang, Msg::EffectSize, &[&locale::method(lang, c.effect_size), &improved]));
    let t = |m| locale::text(lang, m).to_string();
    let interval = t(Msg::Interval);
    let mut head: Vec<String> = [
        Msg::Dimension,
        Msg::Arm,
        Msg::Paired,
        Msg::One,
        Msg::NoneMeasured,
        Msg::First,
        Msg::Last,
        Msg::Change,
        Msg::Interval,
        Msg::Effect,
    ]
    .map(t)
    .to_vec();
    if c.threshold.is_some() {
        head.extend([t(Msg::ImprovedCount), t(Msg::Share), t(Msg::Interval)]);
    }
    let mut rows = vec![head];
    for d in &c.dimensions {
        rows.push(change_row(&shown(&d.dimension), &t(Msg::Participants), &d.participants, lang));
        if let Some(k) = &d.control {
            rows.push(change_row("", &t(Msg::Control), k, lang));
        }
    }
    let right: Vec<usize> = (2..rows[0].len()).filter(|c| rows[0][*c] != interval).collect();
    table(out, &rows, &right);
    let _ = writeln!(out, "{}", locale::text(lang, Msg::ChangeMeterLegend));
}

fn change_row(dimension: &str, arm: &str, a: &ChangeArm, lang: Lang) -> Vec<String> {
    let mut row = vec![
        dimension.to_string(),
        arm.to_string(),
        format!("{}/{}", a.paired, a.eligible),
        a.one_measurement.to_string(),
        a.no_measurement.to_string(),
        value(&a.first, lang),
        value(&a.last, lang),
    ];
    row.extend(mean_cells(&a.change, lang));
    row.push(value(&a.effect_size, lang));
    if let Some(i) = &a.improved {
        row.push(format!("{}/{}", i.count, a.paired));
        row.extend(rate_cells(&i.rate, lang));
    }
    row
}

fn experience(out: &mut String, s: &Scorecard, lang: Lang) {
    let e = &s.experience;
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::ExperienceTitle, &[&locale::method(lang, e.window)]));
    let t = |m| locale::text(lang, m).to_string();
    let interval = t(Msg::Interval);
    let mut head =
        [Msg::Arm, Msg::Respondents, Msg::Response, Msg::Interval, Msg::Satisfaction, Msg::Interval].map(t).to_vec();
    head.extend(["1", "2", "3", "4", "5"].map(String::from));
    head.extend([t(Msg::Target), t(Msg::Met)]);
    let mut rows = vec![head];
    let mut first = experience_row(&t(Msg::Participants), &e.participants, lang);
    first.push(e.target.map_or(String::new(), |t| locale::number(lang, t)));
    first.push(met_in(e.meets_target, lang));
    rows.push(first);
    if let Some(k) = &e.control {
        rows.push(experience_row(&t(Msg::Control), k, lang));
    }
    let right: Vec<usize> = (1..rows[0].len()).filter(|c| rows[0][*c] != interval).collect();
    table(out, &rows, &right);
    out.push('\n');
}

fn experience_row(arm: &str, a: &ExperienceArm, lang: Lang) -> Vec<String> {
    let mut row = vec![arm.to_string(), format!("{}/{}", a.respondents, a.eligible)];
    row.extend(rate_cells(&a.response_rate, lang));
    row.extend(mean_cells(&a.satisfaction, lang));
    row.extend(a.distribution.iter().map(u64::to_string));
    row
}

fn earnings(out: &mut String, s: &Scorecard, lang: Lang) {
    let e = &s.earnings;
    let say = |sentence| locale::method(lang, sentence);
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::EarningsTitle, &[&e.before_months]));
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::MissingMonths, &[&say(e.missing_months)]));
    let t = |m| locale::text(lang, m).to_string();
    let without = &e.without_rows;
    let control = without.control.map_or(String::new(), |k| format!(", {} {k}", t(Msg::Control)));
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::WithoutEarnings, &[&without.participants, &control]));
    if e.windows.iter().any(|w| w.difference.is_some()) {
        let _ = writeln!(out, "{}", locale::fill(lang, Msg::EarningsDifference, &[&say(e.difference)]));
    }
    let interval = t(Msg::Interval);
    let head = [
        Msg::Window,
        Msg::Arm,
        Msg::Observed,
        Msg::NoEnd,
        Msg::NotOver,
        Msg::Before,
        Msg::After,
        Msg::Change,
        Msg::Interval,
    ];
    let mut rows = vec![head.map(t).to_vec()];
    let has_control = e.windows.iter().any(|w| w.control.is_some());
    if has_control {
        rows[0].extend([t(Msg::Difference), t(Msg::Interval), t(Msg::DegreesOfFreedom)]);
    }
    for w in &e.windows {
        let window = locale::fill(lang, Msg::Months, &[&w.months]);
        let mut first = earnings_row(&window, &t(Msg::Participants), &w.participants, lang);
        if let Some(d) = &w.difference {
            first.extend(difference_of_means(d, lang));
        }
        rows.push(first);
        if let Some(k) = &w.control {
            rows.push(earnings_row("", &t(Msg::Control), k, lang));
        }
    }
    let right: Vec<usize> = (2..rows[0].len()).filter(|c| rows[0][*c] != interval).collect();
    table(out, &rows, &right);
    out.push('\n');
}

fn earnings_row(window: &str, arm: &str, a: &EarningsArm, lang: Lang) -> Vec<String> {
    let mut row = vec![
        window.to_string(),
        arm.to_string(),
        format!("{}/{}", a.observed, a.eligible),
        a.no_service_end.to_string(),
        a.window_not_over.to_string(),
        value(&a.before, lang),
        value(&a.after, lang),
    ];
    row.extend(mean_cells(&a.change, lang));
    row
}

fn difference_of_means(d: &Estimate<MeanDifference>, lang: Lang) -> [String; 3] {
    match d {
        Estimate::Estimated(d) => [
            signed_in(d.value, lang),
            format!("{} … {}", signed_in(d.low, lang), signed_in(d.high, lang)),
            locale::number(lang, d.df),
        ],
        Estimate::NotEstimated { .. } => [NONE.into(), NONE.into(), NONE.into()],
    }
}

fn value(e: &Estimate<Figure>, lang: Lang) -> String {
    e.value().map_or(NONE.to_string(), |f| locale::number(lang, f.value))
}

/// A mean and its interval; a mean without a spread is still shown.
fn mean_cells(e: &Estimate<Mean>, lang: Lang) -> [String; 2] {
    let n = |d| locale::number(lang, d);
    match e {
        Estimate::Estimated(m) => {
            [n(m.value), m.interval.value().map_or(NONE.to_string(), |i| format!("{} … {}", n(i.low), n(i.high)))]
        }
        Estimate::NotEstimated { .. } => [NONE.into(), NONE.into()],
    }
}

fn rate_cells(e: &Estimate<Rate>, lang: Lang) -> [String; 2] {
    match e {
        Estimate::Estimated(r) => {
            [percent_in(r.value, lang), format!("{} … {}", percent_in(r.low, lang), percent_in(r.high, lang))]
        }
        Estimate::NotEstimated { .. } => [NONE.into(), NONE.into()],
    }
}

fn met_in(meets: Option<bool>, lang: Lang) -> String {
    match meets {
        Some(true) => locale::text(lang, Msg::Yes).into(),
        Some(false) => locale::text(lang, Msg::No).into(),
        None => String::new(),
    }
}

/// Every reason a ratio of the scorecard is not defined, once each.
fn undefined(s: &Scorecard) -> BTreeSet<Undefined> {
    let mut found = BTreeSet::new();
    for i in &s.indicators {
        if let Some(rr) = &i.relative_risk {
            found.extend(rr.reason());
            found.extend(rr.value().and_then(|r| r.interval.reason()));
        }
    }
    if let Some(c) = &s.composite {
        found.extend(c.score.reason());
    }
    if let Some(c) = &s.cost {
        found.extend(c.per_participant.reason());
        for i in &c.indicators {
            found.extend(i.per_outcome.reason());
            found.extend(i.per_additional_outcome.reason());
        }
    }
    found
}

/// Every reason a value of the scorecard is not estimated, once each.
fn reasons(s: &Scorecard) -> BTreeSet<NoEstimate> {
    let mut found = BTreeSet::new();
    let mut add = |reason: Option<NoEstimate>| found.extend(reason);
    for i in &s.indicators {
        add(i.participants.rate.reason());
        add(i.control.as_ref().and_then(|c| c.rate.reason()));
        add(i.difference.as_ref().and_then(Estimate::reason));
    }
    for d in &s.change_meter.dimensions {
        for a in std::iter::once(&d.participants).chain(&d.control) {
            add(a.first.reason());
            add(a.change.reason());
            add(a.change.value().and_then(|m| m.interval.reason()));
            add(a.effect_size.reason());
            add(a.improved.as_ref().and_then(|i| i.rate.reason()));
        }
    }
    for a in std::iter::once(&s.experience.participants).chain(&s.experience.control) {
        add(a.response_rate.reason());
        add(a.satisfaction.reason());
        add(a.satisfaction.value().and_then(|m| m.interval.reason()));
    }
    for w in &s.earnings.windows {
        for a in std::iter::once(&w.participants).chain(&w.control) {
            add(a.before.reason());
            add(a.change.reason());
            add(a.change.value().and_then(|m| m.interval.reason()));
        }
        add(w.difference.as_ref().and_then(Estimate::reason));
    }
    found
}
