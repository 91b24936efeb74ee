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

/// [`scorecard_text`] in `lang`: labels of the indicator, comparison,
/// composite, cost and breakdown tables, numbers and dates. The method
/// sentences and the change meter, experience and earnings sections are
/// English in both.
pub fn scorecard_text_in(s: &Scorecard, lang: Lang) -> String {
    let mut out = String::new();
    header(&mut out, s, lang);
    indicators(&mut out, s, lang);
    value_indicators(&mut out, s);
    comparison(&mut out, s, lang);
    names(&mut out, s);
    composite(&mut out, s, lang);
    cost(&mut out, s, lang);
    breakdowns(&mut out, s, lang);
    change_meter(&mut out, s);
    experience(&mut out, s);
    earnings(&mut out, s);
    footer(&mut out, s);
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
    let _ = writeln!(out, "Rate: {}; {} with {}", m.rate, m.interval, m.sample_size);
    if s.counts.controls > 0 {
        let _ = writeln!(out, "Difference: {}", m.difference);
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
        let _ = writeln!(
            out,
            "The contract declares no indicators: add [[indicator]] sections (README, Effectiveness scores)\n"
        );
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
fn value_indicators(out: &mut String, s: &Scorecard) {
    if s.values.is_empty() {
        return;
    }
    let has_control = s.values.iter().any(|v| v.control.is_some());
    let _ = writeln!(out, "Value indicators: mean per eligible record with the value (missing values left out)");
    let mut head: Vec<String> =
        ["indicator", "value", "n", "missing", "mean", "95 % interval"].map(String::from).to_vec();
    if has_control {
        head.extend(
            ["control n", "missing", "mean", "95 % interval", "difference", "95 % interval", "df"].map(String::from),
        );
    }
    head.extend(["target", "met"].map(String::from));
    let mut rows = vec![head];
    for v in &s.values {
        let mut row =
            vec![shown(&v.id), shown(&v.value), v.participants.n.to_string(), v.participants.missing.to_string()];
        row.extend(mean_cells(&v.participants.mean));
        if let Some(k) = &v.control {
            row.extend([k.n.to_string(), k.missing.to_string()]);
            row.extend(mean_cells(&k.mean));
        }
        if let Some(d) = &v.difference {
            row.extend(difference_of_means(d));
        }
        row.push(v.target.map_or(NONE.to_string(), |t| t.to_string()));
        row.push(v.meets_target.map_or(NONE.to_string(), |m| if m { "yes" } else { "no" }.to_string()));
        rows.push(row);
    }
    let right: Vec<usize> = (2..rows[0].len()).filter(|c| !rows[0][*c].contains("interval")).collect();
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
fn percent(rate: Decimal) -> String {
    percent_in(rate, Lang::En)
}

fn percent_in(rate: Decimal, lang: Lang) -> String {
    locale::percent(lang, rate, 2)
}

fn signed(points: Decimal) -> String {
    signed_in(points, Lang::En)
}

fn signed_in(points: Decimal, lang: Lang) -> String {
    if points > Decimal::ZERO {
        format!("+{}", locale::number(lang, points))
    } else {
        locale::number(lang, points)
    }
}

fn names(out: &mut String, s: &Scorecard) {
    let rows: Vec<Vec<String>> = s
        .indicators
        .iter()
        .map(|i| vec![i.id.clone(), format!("{} / {} ({})", shown(&i.name.fi), shown(&i.name.en), counted(i))])
        .collect();
    if !rows.is_empty() {
        table(out, &rows, &[]);
        out.push('\n');
    }
}

fn counted(i: &IndicatorScore) -> String {
    match (&i.counts, &i.not_observable) {
        (Counted::Outcome(id), _) => format!("outcome {id}"),
        (Counted::Standard(s), unseen) => {
            let unseen = unseen.map_or(String::new(), |u| {
                let control = u.control.map_or(String::new(), |k| format!(", control {k}"));
                format!("; not yet observable: participants {}{control}", u.participants)
            });
            format!("standard {}, {} months after the service end{unseen}", s.id(), super::follow_up_months(*s))
        }
    }
}

/// Relative risk and additional outcomes, when there is a control arm.
fn comparison(out: &mut String, s: &Scorecard, lang: Lang) {
    if s.counts.controls == 0 || s.indicators.is_empty() {
        return;
    }
    let _ = writeln!(out, "Relative risk: {}", s.method.relative_risk);
    let _ = writeln!(out, "Additional outcomes: {}", s.method.additional_outcomes);
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
    let _ = writeln!(out, "{} {score} / 100: {}", locale::text(lang, Msg::CompositeScore), c.formula);
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
    let _ = writeln!(out, "{} ({}): {}", locale::text(lang, Msg::Cost), shown(&c.currency), c.basis);
    let _ = writeln!(
        out,
        "Paid: gross {} (net {}) on {} lines; per eligible participant ({}) {}",
        n(c.gross),
        n(c.net),
        c.lines,
        c.participants,
        money(&c.per_participant)
    );
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
    let _ = writeln!(
        out,
        "Breakdowns: cells under {} records are suppressed (<{}), and so are further cells where one could be derived from the totals",
        s.min_cell, s.min_cell
    );
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

fn footer(out: &mut String, s: &Scorecard) {
    let c = &s.counts;
    let _ = writeln!(
        out,
        "Records read {}: participants {} (not eligible {}), control {} (not eligible {}), other contract {}",
        c.records_read, c.participants, c.ineligible_participants, c.controls, c.ineligible_controls, c.other_contract
    );
    for reason in reasons(s) {
        let _ = writeln!(out, "{NONE} no estimate: {}", reason.reason());
    }
    for reason in undefined(s) {
        let _ = writeln!(out, "{NONE} not defined: {}", reason.reason());
    }
    // Hashes are ours and never redacted: hex can look like an identity code.
    let _ = writeln!(out, "Contract {} sha256 {}", shown(&s.inputs.contract_file), s.inputs.contract_sha256);
    for (name, sha) in &s.inputs.libraries {
        let _ = writeln!(out, "Rules {} sha256 {sha}", shown(name));
    }
    for (name, sha) in &s.inputs.records {
        let _ = writeln!(out, "Records {} sha256 {sha}", shown(name));
    }
}

fn change_meter(out: &mut String, s: &Scorecard) {
    let c = &s.change_meter;
    let _ = writeln!(out, "Customer change meter ({}): {}", c.instrument, c.window);
    if c.dimensions.is_empty() {
        let _ = writeln!(out, "No eligible record has two measurements or any measurement\n");
        return;
    }
    let improved = c.threshold.map(|t| format!("improved = change at least {t}"));
    let _ = writeln!(out, "Effect size: {}{}", c.effect_size, improved.map_or(String::new(), |i| format!("; {i}")));
    let mut head: Vec<String> =
        ["dimension", "arm", "paired", "one", "none", "first", "last", "change", "95 % interval", "effect"]
            .map(String::from)
            .to_vec();
    if c.threshold.is_some() {
        head.extend(["improved".into(), "share".into(), "95 % interval".into()]);
    }
    let mut rows = vec![head];
    for d in &c.dimensions {
        rows.push(change_row(&shown(&d.dimension), "participants", &d.participants));
        if let Some(k) = &d.control {
            rows.push(change_row("", "control", k));
        }
    }
    let right: Vec<usize> = (2..rows[0].len()).filter(|c| !rows[0][*c].contains("interval")).collect();
    table(out, &rows, &right);
    let _ = writeln!(
        out,
        "paired/one/none of eligible: two measurement days / one only (missing, not zero change) / none\n"
    );
}

fn change_row(dimension: &str, arm: &str, a: &ChangeArm) -> Vec<String> {
    let mut row = vec![
        dimension.to_string(),
        arm.to_string(),
        format!("{}/{}", a.paired, a.eligible),
        a.one_measurement.to_string(),
        a.no_measurement.to_string(),
        value(&a.first),
        value(&a.last),
    ];
    row.extend(mean_cells(&a.change));
    row.push(value(&a.effect_size));
    if let Some(i) = &a.improved {
        row.push(format!("{}/{}", i.count, a.paired));
        row.extend(rate_cells(&i.rate));
    }
    row
}

fn experience(out: &mut String, s: &Scorecard) {
    let e = &s.experience;
    let _ = writeln!(out, "Customer experience (satisfaction 1–5): {}", e.window);
    let mut rows = vec![[
        "arm",
        "respondents",
        "response",
        "95 % interval",
        "satisfaction",
        "95 % interval",
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    .map(String::from)
    .to_vec()];
    rows[0].extend(["target".into(), "met".into()]);
    let mut first = experience_row("participants", &e.participants);
    first.push(e.target.map_or(String::new(), |t| t.to_string()));
    first.push(met(e.meets_target));
    rows.push(first);
    if let Some(k) = &e.control {
        rows.push(experience_row("control", k));
    }
    let right: Vec<usize> = (1..rows[0].len()).filter(|c| !rows[0][*c].contains("interval")).collect();
    table(out, &rows, &right);
    out.push('\n');
}

fn experience_row(arm: &str, a: &ExperienceArm) -> Vec<String> {
    let mut row = vec![arm.to_string(), format!("{}/{}", a.respondents, a.eligible)];
    row.extend(rate_cells(&a.response_rate));
    row.extend(mean_cells(&a.satisfaction));
    row.extend(a.distribution.iter().map(u64::to_string));
    row
}

fn earnings(out: &mut String, s: &Scorecard) {
    let e = &s.earnings;
    let _ = writeln!(
        out,
        "Earnings (€ a month): the {} months before the service start month against months after the service end month",
        e.before_months
    );
    let _ = writeln!(out, "Missing months: {}", e.missing_months);
    let without = &e.without_rows;
    let control = without.control.map_or(String::new(), |k| format!(", control {k}"));
    let _ = writeln!(out, "Eligible records without any earnings row: participants {}{control}", without.participants);
    if e.windows.iter().any(|w| w.difference.is_some()) {
        let _ = writeln!(out, "Difference: {}", e.difference);
    }
    let mut rows =
        vec![["window", "arm", "observed", "no end", "not over", "before", "after", "change", "95 % interval"]
            .map(String::from)
            .to_vec()];
    let has_control = e.windows.iter().any(|w| w.control.is_some());
    if has_control {
        rows[0].extend(["difference".into(), "95 % interval".into(), "df".into()]);
    }
    for w in &e.windows {
        let mut first = earnings_row(&format!("{} mo", w.months), "participants", &w.participants);
        if let Some(d) = &w.difference {
            first.extend(difference_of_means(d));
        }
        rows.push(first);
        if let Some(k) = &w.control {
            rows.push(earnings_row("", "control", k));
        }
    }
    let right: Vec<usize> = (2..rows[0].len()).filter(|c| !rows[0][*c].contains("interval")).collect();
    table(out, &rows, &right);
    out.push('\n');
}

fn earnings_row(window: &str, arm: &str, a: &EarningsArm) -> Vec<String> {
    let mut row = vec![
        window.to_string(),
        arm.to_string(),
        format!("{}/{}", a.observed, a.eligible),
        a.no_service_end.to_string(),
        a.window_not_over.to_string(),
        value(&a.before),
        value(&a.after),
    ];
    row.extend(mean_cells(&a.change));
    row
}

fn difference_of_means(d: &Estimate<MeanDifference>) -> [String; 3] {
    match d {
        Estimate::Estimated(d) => {
            [signed(d.value), format!("{} … {}", signed(d.low), signed(d.high)), d.df.to_string()]
        }
        Estimate::NotEstimated { .. } => [NONE.into(), NONE.into(), NONE.into()],
    }
}

fn value(e: &Estimate<Figure>) -> String {
    e.value().map_or(NONE.to_string(), |f| f.value.to_string())
}

/// A mean and its interval; a mean without a spread is still shown.
fn mean_cells(e: &Estimate<Mean>) -> [String; 2] {
    match e {
        Estimate::Estimated(m) => {
            [m.value.to_string(), m.interval.value().map_or(NONE.to_string(), |i| format!("{} … {}", i.low, i.high))]
        }
        Estimate::NotEstimated { .. } => [NONE.into(), NONE.into()],
    }
}

fn rate_cells(e: &Estimate<Rate>) -> [String; 2] {
    match e {
        Estimate::Estimated(r) => [percent(r.value), format!("{} … {}", percent(r.low), percent(r.high))],
        Estimate::NotEstimated { .. } => [NONE.into(), NONE.into()],
    }
}

fn met(meets: Option<bool>) -> String {
    met_in(meets, Lang::En)
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
