//! The report's sections, in the order the page shows them. Each renders
//! figures of the statement or the scorecard as they are; a missing one
//! shows `—` and its reason.

use chrono::NaiveDate;
use maud::{html, Markup};
use rust_decimal::Decimal;

use super::charts;
use super::format::{self, interval, money, percent, signed};
use super::messages::{self, no_estimate, text, undefined, Msg};
use super::{local, Report};
use crate::effectiveness::{
    ArmScore, By, ChangeArm, Estimate, ExperienceArm, IndicatorScore, Mean, Money, Rate, Ratio, Scorecard, Shown,
};
use crate::locale::Lang;
use crate::report::shown;
use crate::statement::Amounts;

/// Contract, buyer, provider, as-of date and the input fingerprints.
pub fn contract(r: &Report<'_>) -> Markup {
    let (s, lang) = (r.statement, r.lang);
    let t = |m| text(lang, m);
    let i = &s.inputs;
    let title = match lang {
        Lang::Fi => &s.title_fi,
        Lang::En => &s.title_en,
    };
    html! {
        header id="contract" {
            p.kicker { (t(Msg::ReportTitle)) }
            h1 { (shown(title)) }
            dl.facts {
                dt { (t(Msg::Contract)) }
                dd { code { (shown(&s.contract)) } @if let Some(v) = &i.contract_version { " · " (t(Msg::ContractVersion)) " " (shown(v)) } }
                dt { (t(Msg::Buyer)) } dd { (shown(&s.buyer)) }
                dt { (t(Msg::Provider)) } dd { (shown(&s.provider)) }
                dt { (t(Msg::AsOf)) } dd { (format::date(lang, s.as_of)) }
            }
            h3 { (t(Msg::Inputs)) }
            div.table-wrap { table {
                thead { tr { th { "" } th { (t(Msg::Fingerprint)) } } }
                tbody {
                    tr { td { (t(Msg::ContractFile)) " " code { (shown(&i.contract_file)) } } td.hash { (i.contract_sha256) } }
                    @for (name, sha) in &i.libraries {
                        tr { td { (t(Msg::RulesFile)) " " code { (shown(name)) } } td.hash { (sha) } }
                    }
                    @for (name, sha) in &i.records {
                        tr { td { (t(Msg::RecordsFile)) " " code { (shown(name)) } } td.hash { (sha) } }
                    }
                    tr { td { (t(Msg::Program)) } td { code { "tulos " (i.tulos_version) } } }
                }
            } }
        }
    }
}

/// Totals, by item, by month (chart and table) and what caps withheld.
pub fn payments(r: &Report<'_>, months: &[(NaiveDate, Decimal)]) -> Markup {
    let (s, lang) = (r.statement, r.lang);
    let t = |m| text(lang, m);
    let m = |d: Decimal| money(lang, d, &s.currency);
    let o = &s.totals.overall;
    html! {
        section id="payments" {
            h2 { (t(Msg::Payments)) }
            p.lead { (t(Msg::PaymentsLead)) }
            div.tiles {
                (tile(t(Msg::Gross), m(o.gross)))
                (tile(t(Msg::Net), m(o.net)))
                (tile(&format!("{} {} %", t(Msg::Vat), format::number(lang, s.vat_percent)), m(o.vat)))
                (tile(t(Msg::Withheld), m(o.withheld)))
                (tile(t(Msg::Lines), o.lines.to_string()))
            }
            h3 { (t(Msg::ByItem)) }
            div.table-wrap { table id="payments-by-item" {
                thead { tr {
                    th { (t(Msg::Item)) } th.num { (t(Msg::Lines)) } th.num { (t(Msg::Withheld)) }
                    th.num { (t(Msg::Net)) } th.num { (t(Msg::Vat)) } th.num { (t(Msg::Gross)) }
                } }
                tbody {
                    @for (item, a) in &s.totals.by_item {
                        (amount_row(html! {
                            (r.items.get(item.as_ref()).map_or(item.as_ref(), |n| local(lang, n)))
                            " " span.muted { code { (shown(item)) } }
                        }, a, &m, false))
                    }
                    (amount_row(html! { (t(Msg::Total)) }, o, &m, true))
                }
            } }
            p.muted { (t(Msg::WithheldLead)) }
            h3 { (t(Msg::ByMonth)) }
            @if months.is_empty() {
                p { (t(Msg::NoPayments)) }
            } @else {
                (charts::payments_by_month(lang, months, &s.currency).render())
                div.table-wrap { table id="payments-by-month" {
                    thead { tr { th { (t(Msg::Month)) } th.num { (t(Msg::Gross)) } } }
                    tbody {
                        @for (month, gross) in months {
                            tr { td { (format::month(lang, *month)) } td.num { (m(*gross)) } }
                        }
                        tr.total { td { (t(Msg::Total)) } td.num { (m(o.gross)) } }
                    }
                } }
            }
        }
    }
}

fn tile(label: &str, value: String) -> Markup {
    html! { div.tile { span.label { (label) } span.value { (value) } } }
}

fn amount_row(label: Markup, a: &Amounts, m: &impl Fn(Decimal) -> String, total: bool) -> Markup {
    html! {
        tr class=[total.then_some("total")] {
            td { (label) } td.num { (a.lines) } td.num { (m(a.withheld)) }
            td.num { (m(a.net)) } td.num { (m(a.vat)) } td.num { (m(a.gross)) }
        }
    }
}

/// `—` and why, for a rate or mean not estimated.
fn missing(why: &str) -> Markup {
    html! { "—" span.why { (why) } }
}

fn rate_cells<T>(lang: Lang, rate: &Estimate<T>, value: impl Fn(&T) -> (String, String)) -> Markup {
    match rate {
        Estimate::Estimated(r) => {
            let (shown, bounds) = value(r);
            html! { td.num { (shown) } td.num.interval { (bounds) } }
        }
        Estimate::NotEstimated { reason, .. } => html! { td.num colspan="2" { (missing(no_estimate(lang, *reason))) } },
    }
}

fn rate_text(lang: Lang) -> impl Fn(&Rate) -> (String, String) {
    move |r| (percent(lang, r.value), interval(percent(lang, r.low), percent(lang, r.high)))
}

fn arm_cells(lang: Lang, arm: &ArmScore) -> Markup {
    html! {
        td.num { (arm.count) "/" (arm.n) }
        (rate_cells(lang, &arm.rate, rate_text(lang)))
    }
}

/// The indicator table: rates, intervals, comparison, difference,
/// relative risk and target.
pub fn indicators(r: &Report<'_>) -> Markup {
    let (sc, lang) = (r.scorecard, r.lang);
    let t = |m| text(lang, m);
    let comparison = sc.indicators.iter().any(|i| i.control.is_some());
    html! {
        section id="indicators" {
            h2 { (t(Msg::Indicators)) }
            p.lead { (t(Msg::IndicatorsLead)) }
            @if sc.method.weighted { p { (t(Msg::Weighted)) } }
            @if !comparison { p { (t(Msg::NoComparison)) } }
            div.table-wrap { table id="indicator-table" {
                thead {
                    tr {
                        th rowspan="2" { (t(Msg::Indicator)) }
                        th colspan="3" { (t(Msg::Participants)) }
                        @if comparison {
                            th colspan="3" { (t(Msg::Comparison)) }
                            th colspan="2" { (t(Msg::Difference)) }
                            th rowspan="2" { (t(Msg::RelativeRisk)) }
                        }
                        th rowspan="2" { (t(Msg::Target)) }
                        th rowspan="2" { (t(Msg::Met)) }
                    }
                    tr {
                        th.num { "n" } th.num { (t(Msg::Rate)) } th.num { (t(Msg::Interval)) }
                        @if comparison {
                            th.num { "n" } th.num { (t(Msg::Rate)) } th.num { (t(Msg::Interval)) }
                            th.num { (t(Msg::Points)) } th.num { (t(Msg::Interval)) }
                        }
                    }
                }
                tbody { @for i in &sc.indicators { (indicator_row(lang, i, comparison)) } }
            } }
        }
    }
}

fn indicator_row(lang: Lang, i: &IndicatorScore, comparison: bool) -> Markup {
    let t = |m| text(lang, m);
    html! {
        tr id=(format!("indicator-{}", i.id)) {
            td { (local(lang, &i.name)) br; span.muted { code { (shown(&i.id)) } } }
            (arm_cells(lang, &i.participants))
            @if comparison {
                @match &i.control {
                    Some(control) => (arm_cells(lang, control)),
                    None => td colspan="3" { "—" },
                }
                @match &i.difference {
                    Some(Estimate::Estimated(d)) => {
                        td.num { (signed(lang, d.points)) }
                        td.num.interval { (interval(signed(lang, d.low), signed(lang, d.high))) }
                    }
                    Some(Estimate::NotEstimated { reason, .. }) => td.num colspan="2" { (missing(no_estimate(lang, *reason))) },
                    None => td colspan="2" { "—" },
                }
                td.num {
                    @match &i.relative_risk {
                        Some(Ratio::Estimated(rr)) => {
                            (format::number(lang, rr.value))
                            @match &rr.interval {
                                Ratio::Estimated(b) => span.why { (interval(format::number(lang, b.low), format::number(lang, b.high))) },
                                Ratio::Undefined { reason, .. } => span.why { (undefined(lang, *reason)) },
                            }
                        }
                        Some(Ratio::Undefined { reason, .. }) => (missing(undefined(lang, *reason))),
                        None => "—",
                    }
                }
            }
            td.num { @if let Some(target) = i.target { (percent(lang, target)) } @else { "—" } }
            td {
                @match i.meets_target {
                    Some(true) => span.met-yes { "✔ " (t(Msg::Yes)) },
                    Some(false) => span { "✘ " (t(Msg::No)) },
                    None => "—",
                }
            }
        }
    }
}

/// The chart of rates, participants against the comparison group.
pub fn rate_chart(r: &Report<'_>) -> Markup {
    let lang = r.lang;
    html! {
        section id="rates" {
            h2 { (text(lang, Msg::RateChart)) }
            (charts::indicator_rates(lang, &r.scorecard.indicators).render())
        }
    }
}

fn mean_text(lang: Lang, m: &Mean) -> (String, String) {
    let bounds = match &m.interval {
        Estimate::Estimated(b) => interval(format::number(lang, b.low), format::number(lang, b.high)),
        Estimate::NotEstimated { reason, .. } => format!("— ({})", no_estimate(lang, *reason)),
    };
    (format::number(lang, m.value), bounds)
}

fn figure<T>(lang: Lang, f: &Estimate<T>, value: impl Fn(&T) -> Decimal) -> String {
    f.value().map_or_else(|| "—".to_string(), |v| format::number(lang, value(v)))
}

/// Before and after by dimension of the customer change meter.
pub fn change_meter(r: &Report<'_>) -> Markup {
    let (cm, lang) = (&r.scorecard.change_meter, r.lang);
    let t = |m| text(lang, m);
    html! {
        section id="change-meter" {
            h2 { (t(Msg::ChangeMeter)) }
            p.lead { (t(Msg::ChangeMeterLead)) }
            @if cm.dimensions.is_empty() {
                p { (t(Msg::NoMeasurements)) }
            } @else {
                div.table-wrap { table id="change-meter-table" {
                    thead { tr {
                        th { (t(Msg::Dimension)) } th { (t(Msg::Group)) } th.num { (t(Msg::Paired)) }
                        th.num { (t(Msg::Before)) } th.num { (t(Msg::After)) } th.num { (t(Msg::Change)) }
                        th.num { (t(Msg::Interval)) } th.num { (t(Msg::EffectSize)) }
                        @if let Some(threshold) = cm.threshold {
                            th.num { (t(Msg::Improved)) " (≥ " (format::number(lang, threshold)) ")" }
                        }
                    } }
                    tbody {
                        @for d in &cm.dimensions {
                            (change_row(lang, &d.dimension, t(Msg::Participants), &d.participants, cm.threshold.is_some()))
                            @if let Some(control) = &d.control {
                                (change_row(lang, "", t(Msg::Comparison), control, cm.threshold.is_some()))
                            }
                        }
                    }
                } }
            }
        }
    }
}

fn change_row(lang: Lang, dimension: &str, arm: &str, a: &ChangeArm, threshold: bool) -> Markup {
    let name = messages::dimension(lang, dimension).map_or_else(|| shown(dimension), str::to_string);
    html! {
        tr {
            td { (name) } td { (arm) }
            td.num { (a.paired) "/" (a.eligible) }
            td.num { (figure(lang, &a.first, |f| f.value)) }
            td.num { (figure(lang, &a.last, |f| f.value)) }
            (rate_cells(lang, &a.change, |m| mean_text(lang, m)))
            td.num { (figure(lang, &a.effect_size, |f| f.value)) }
            @if threshold {
                td.num {
                    @if let Some(improved) = &a.improved {
                        (improved.count) "/" (a.paired)
                        @if let Some(rate) = improved.rate.value() { " · " (percent(lang, rate.value)) }
                    }
                }
            }
        }
    }
}

/// Customer satisfaction against its target.
pub fn satisfaction(r: &Report<'_>) -> Markup {
    let (e, lang) = (&r.scorecard.experience, r.lang);
    let t = |m| text(lang, m);
    html! {
        section id="satisfaction" {
            h2 { (t(Msg::Satisfaction)) }
            p.lead { (t(Msg::SatisfactionLead)) }
            @if let Some(target) = e.target {
                div.tiles {
                    (tile(t(Msg::Target), format::number(lang, target)))
                    (tile(t(Msg::MeanSatisfaction), figure(lang, &e.participants.satisfaction, |m| m.value)))
                    (tile(t(Msg::Met), match e.meets_target {
                        Some(true) => format!("✔ {}", t(Msg::Yes)),
                        Some(false) => format!("✘ {}", t(Msg::No)),
                        None => "—".into(),
                    }))
                }
            }
            div.table-wrap { table id="satisfaction-table" {
                thead { tr {
                    th { (t(Msg::Group)) } th.num { (t(Msg::Respondents)) } th.num { (t(Msg::ResponseRate)) }
                    th.num { (t(Msg::Interval)) } th.num { (t(Msg::MeanSatisfaction)) } th.num { (t(Msg::Interval)) }
                    th.num { (t(Msg::Answers)) }
                } }
                tbody {
                    (experience_row(lang, t(Msg::Participants), &e.participants))
                    @if let Some(control) = &e.control { (experience_row(lang, t(Msg::Comparison), control)) }
                }
            } }
        }
    }
}

fn experience_row(lang: Lang, arm: &str, a: &ExperienceArm) -> Markup {
    let answers = a.distribution.iter().map(u64::to_string).collect::<Vec<_>>().join(" / ");
    html! {
        tr {
            td { (arm) }
            td.num { (a.respondents) "/" (a.eligible) }
            (rate_cells(lang, &a.response_rate, rate_text(lang)))
            (rate_cells(lang, &a.satisfaction, |m| mean_text(lang, m)))
            td.num { (answers) }
        }
    }
}

fn money_cell(lang: Lang, m: &Ratio<Money>, currency: &str) -> Markup {
    match m {
        Ratio::Estimated(v) => html! { (money(lang, v.amount, currency)) },
        Ratio::Undefined { reason, .. } => missing(undefined(lang, *reason)),
    }
}

fn indicator_name<'a>(lang: Lang, sc: &'a Scorecard, id: &'a str) -> &'a str {
    sc.indicators.iter().find(|i| i.id == id).map_or(id, |i| local(lang, &i.name))
}

/// Cost per participant, per outcome and per additional outcome.
pub fn cost(r: &Report<'_>) -> Markup {
    let (sc, lang) = (r.scorecard, r.lang);
    let t = |m| text(lang, m);
    html! {
        section id="cost" {
            h2 { (t(Msg::Cost)) }
            @match &sc.cost {
                None => p { (t(Msg::NoCost)) },
                Some(c) => {
                    p.lead { (t(Msg::CostLead)) }
                    div.tiles {
                        (tile(t(Msg::Gross), money(lang, c.gross, &c.currency)))
                        (tile(t(Msg::Net), money(lang, c.net, &c.currency)))
                        div.tile {
                            span.label { (t(Msg::PerParticipant)) " (" (c.participants) ")" }
                            span.value { (money_cell(lang, &c.per_participant, &c.currency)) }
                        }
                    }
                    div.table-wrap { table id="cost-table" {
                        thead { tr {
                            th { (t(Msg::Indicator)) } th.num { (t(Msg::Outcomes)) }
                            th.num { (t(Msg::PerOutcome)) } th.num { (t(Msg::PerAdditionalOutcome)) }
                        } }
                        tbody {
                            @for i in &c.indicators {
                                tr {
                                    td { (indicator_name(lang, sc, &i.indicator)) }
                                    td.num { (i.outcomes) }
                                    td.num { (money_cell(lang, &i.per_outcome, &c.currency)) }
                                    td.num { (money_cell(lang, &i.per_additional_outcome, &c.currency)) }
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

/// The composite score with each indicator's contribution.
pub fn composite(r: &Report<'_>) -> Markup {
    let (sc, lang) = (r.scorecard, r.lang);
    let t = |m| text(lang, m);
    let opt = |d: Option<Decimal>, f: &dyn Fn(Decimal) -> String| d.map_or_else(|| "—".to_string(), f);
    html! {
        section id="composite" {
            h2 { (t(Msg::Composite)) }
            @match &sc.composite {
                None => p { (t(Msg::NoComposite)) },
                Some(c) => {
                    p.lead { (t(Msg::CompositeLead)) }
                    p.score {
                        @match &c.score {
                            Ratio::Estimated(p) => { (format::number(lang, p.value)) " / 100" },
                            Ratio::Undefined { reason, .. } => (missing(undefined(lang, *reason))),
                        }
                    }
                    div.table-wrap { table id="composite-table" {
                        thead { tr {
                            th { (t(Msg::Indicator)) } th.num { (t(Msg::Weight)) } th.num { (t(Msg::Rate)) }
                            th.num { (t(Msg::Target)) } th.num { (t(Msg::Achievement)) } th.num { (t(Msg::Contribution)) }
                        } }
                        tbody {
                            @for p in &c.parts {
                                tr {
                                    td { (indicator_name(lang, sc, &p.indicator)) }
                                    td.num { (format::number(lang, p.weight)) }
                                    td.num { (opt(p.rate, &|v| percent(lang, v))) }
                                    td.num { (percent(lang, p.target)) }
                                    td.num { (opt(p.achievement, &|v| format::number(lang, v))) }
                                    td.num { (opt(p.contribution, &|v| format::number(lang, v))) }
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

/// `salattu (<3)` / `suppressed (<3)`: the threshold, never the value.
fn suppressed(lang: Lang, min_cell: u64) -> Markup {
    html! { span.suppressed { (text(lang, Msg::Suppressed)) " (<" (min_cell) ")" } }
}

fn cell_arm(lang: Lang, arm: &Shown<ArmScore>, min_cell: u64) -> Markup {
    match arm {
        Shown::Suppressed { .. } => suppressed(lang, min_cell),
        Shown::Shown(a) => html! {
            @match a.rate.value() {
                Some(rate) => { (percent(lang, rate.value)) }
                None => "—",
            }
            span.why { (a.count) "/" (a.n) }
        },
    }
}

/// One panel per municipality: each indicator's cell, suppressed ones
/// marked as such.
pub fn municipalities(r: &Report<'_>) -> Markup {
    let (sc, lang) = (r.scorecard, r.lang);
    let t = |m| text(lang, m);
    let by_municipality = |i: &'_ IndicatorScore| i.breakdowns.iter().find(|b| b.by == By::Municipality).cloned();
    let names: Vec<String> = sc
        .indicators
        .first()
        .and_then(by_municipality)
        .map(|b| b.cells.into_iter().map(|c| c.cell).collect())
        .unwrap_or_default();
    let comparison = sc.indicators.iter().any(|i| i.control.is_some());
    html! {
        section id="municipalities" {
            h2 { (t(Msg::Municipalities)) }
            p.lead { (t(Msg::MunicipalitiesLead)) }
            @if names.is_empty() { p { (t(Msg::NoMunicipalities)) } }
            div.cards {
                @for name in &names {
                    div.card {
                        h3 { (shown(name)) }
                        table {
                            thead { tr {
                                th { (t(Msg::Indicator)) } th.num { (t(Msg::Participants)) }
                                @if comparison { th.num { (t(Msg::Comparison)) } th.num { (t(Msg::Points)) } }
                            } }
                            tbody {
                                @for i in &sc.indicators {
                                    @if let Some(cell) = i.breakdowns.iter().filter(|b| b.by == By::Municipality).flat_map(|b| &b.cells).find(|c| &c.cell == name) {
                                        tr {
                                            td { (local(lang, &i.name)) }
                                            td.num { (cell_arm(lang, &cell.participants, sc.min_cell)) }
                                            @if comparison {
                                                td.num { @if let Some(control) = &cell.control { (cell_arm(lang, control, sc.min_cell)) } }
                                                td.num {
                                                    @match &cell.difference {
                                                        Some(Estimate::Estimated(d)) => (signed(lang, d.points)),
                                                        _ => "—",
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Intervals, comparison, suppression and the scores in plain words.
pub fn how_to_read(r: &Report<'_>) -> Markup {
    let lang = r.lang;
    let t = |m| text(lang, m);
    html! {
        section id="how-to-read" {
            aside.how {
                h2 { (t(Msg::HowToRead)) }
                ul {
                    li { (t(Msg::HowInterval)) }
                    li { (t(Msg::HowComparison)) }
                    li { (t(Msg::HowDifference)) }
                    li { (t(Msg::HowSuppression)) " " (suppressed(lang, r.scorecard.min_cell)) }
                    li { (t(Msg::HowComposite)) }
                    li { (t(Msg::HowCost)) }
                }
            }
        }
    }
}
