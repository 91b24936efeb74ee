//! The report's two charts, drawn with [`super::svg`]: payments by month
//! (bars) and indicator rates of participants against the comparison
//! group (bars with 95 % interval whiskers and the target).
//!
//! Both draw published totals only — the statement's lines and the
//! scorecard's indicator totals — never a breakdown cell, so no chart can
//! carry a suppressed figure. Coordinates are `f64` pixels: a money figure
//! is shown as text written from its `Decimal`, never from a coordinate.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::format::{self, money, percent};
use super::local;
use super::messages::{month_name, text, Msg};
use super::svg::{Anchor, Chart, Fill, Grey, Shape};
use crate::effectiveness::{ArmScore, IndicatorScore, Rate};
use crate::locale::Lang;

const WIDTH: f64 = 760.0;
const FONT: f64 = 12.0;
const SMALL: f64 = 10.5;

fn px(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// A tick step of 1, 2 or 5 × 10ⁿ giving about four steps up to `max`.
fn nice_step(max: f64) -> f64 {
    let raw = (max / 4.0).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude)
}

/// Payments by month: one bar per calendar month from the first to the
/// last month with a payment (months between without one show as 0).
pub fn payments_by_month(lang: Lang, months: &[(NaiveDate, Decimal)], currency: &str) -> Chart {
    let (left, top, plot_w, plot_h) = (96.0, 44.0, 640.0, 220.0);
    let title = text(lang, Msg::MonthChartTitle).to_string();
    let description = months
        .iter()
        .map(|(m, gross)| format!("{}: {}", format::month(lang, *m), money(lang, *gross, currency)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut chart = Chart::new("chart-months", WIDTH, top + plot_h + 64.0, title, description);
    let max = months.iter().map(|(_, g)| px(*g)).fold(0.0, f64::max);
    let step = nice_step(max);
    let top_value = (max / step).ceil().max(1.0) * step;
    let y = |v: f64| top + plot_h - v / top_value * plot_h;
    // Legend and the axis' name above the plot.
    let axis = format!("{}, {}", text(lang, Msg::MonthChartAxis), if currency == "EUR" { "€" } else { currency });
    chart.text(left - 8.0, top - 16.0, Anchor::End, FONT, axis);
    let legend_x = left + plot_w - 150.0;
    chart.push(Shape::Rect {
        x: legend_x,
        y: 10.0,
        width: 14.0,
        height: 14.0,
        fill: Fill::Solid(Grey::MID),
        label: None,
    });
    chart.text(legend_x + 20.0, 22.0, Anchor::Start, FONT, text(lang, Msg::MonthChartAxis));
    // Grid and ticks.
    let decimals = if step >= 1.0 { 0 } else { 2 };
    let mut tick = 0.0;
    while tick <= top_value + step / 2.0 {
        let ty = y(tick);
        chart.push(Shape::Line {
            x1: left,
            y1: ty,
            x2: left + plot_w,
            y2: ty,
            stroke: Grey::LIGHT,
            width: 0.8,
            dashed: tick > 0.0,
        });
        let label = Decimal::from_f64_retain(tick).unwrap_or_default().round_dp(decimals);
        chart.text(left - 8.0, ty + 4.0, Anchor::End, SMALL, format::number(lang, label));
        tick += step;
    }
    // Bars.
    let slot = plot_w / months.len().max(1) as f64;
    let bar = (slot * 0.6).min(56.0);
    let every = months.len().div_ceil(14).max(1);
    for (i, (month, gross)) in months.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar) / 2.0;
        let label = Some(format!("{}: {}", format::month(lang, *month), money(lang, *gross, currency)));
        let (bar_top, bottom) = (y(px(*gross).max(0.0)), y(0.0));
        chart.push(Shape::Rect {
            x,
            y: bar_top,
            width: bar,
            height: bottom - bar_top,
            fill: Fill::Solid(Grey::MID),
            label,
        });
        if i % every == 0 {
            let cx = x + bar / 2.0;
            chart.text(
                cx,
                bottom + 16.0,
                Anchor::Middle,
                SMALL,
                month_name(lang, chrono::Datelike::month(month), true),
            );
            chart.text(cx, bottom + 30.0, Anchor::Middle, SMALL, chrono::Datelike::year(month).to_string());
        }
    }
    chart.line((left, top), (left, top + plot_h), Grey::BLACK, 1.2);
    chart.line((left, top + plot_h), (left + plot_w, top + plot_h), Grey::BLACK, 1.2);
    chart.text(left + plot_w / 2.0, top + plot_h + 54.0, Anchor::Middle, FONT, text(lang, Msg::Month));
    chart
}

/// Up to two lines of at most `width` characters, words kept whole.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in s.split_whitespace() {
        let last = lines.len() - 1;
        if !lines[last].is_empty() && lines[last].chars().count() + 1 + word.chars().count() > width && lines.len() < 2
        {
            lines.push(String::new());
        }
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines
}

/// One arm of one indicator: its rate, or none when not estimated.
fn rate_of(arm: &ArmScore) -> Option<&Rate> {
    arm.rate.value()
}

/// Indicator rates: per indicator a bar for the participants (solid) and
/// one for the comparison group (hatched), each with its 95 % interval
/// as a whisker, the target as a dashed line, and the rates as text.
pub fn indicator_rates(lang: Lang, indicators: &[IndicatorScore]) -> Chart {
    let (label_w, left, plot_w, top, row) = (270.0, 290.0, 340.0, 52.0, 66.0);
    let x = |share: Decimal| left + px(share).clamp(0.0, 1.0) * plot_w;
    let height = top + row * indicators.len() as f64 + 46.0;
    let description = indicators.iter().map(|i| describe(lang, i)).collect::<Vec<_>>().join(" ");
    let mut chart = Chart::new("chart-rates", WIDTH, height, text(lang, Msg::RateChartTitle).to_string(), description);
    legend(lang, &mut chart, indicators.iter().any(|i| i.control.is_some()));
    let bottom = top + row * indicators.len() as f64;
    for tick in 0..=4 {
        let share = Decimal::new(tick * 25, 2);
        let tx = x(share);
        chart.push(Shape::Line {
            x1: tx,
            y1: top - 4.0,
            x2: tx,
            y2: bottom,
            stroke: Grey::LIGHT,
            width: 0.8,
            dashed: tick > 0,
        });
        chart.text(tx, bottom + 16.0, Anchor::Middle, SMALL, format!("{}", tick * 25));
    }
    chart.line((left, bottom), (left + plot_w, bottom), Grey::BLACK, 1.2);
    chart.text(left + plot_w / 2.0, bottom + 36.0, Anchor::Middle, FONT, text(lang, Msg::RateChartAxis));
    for (i, indicator) in indicators.iter().enumerate() {
        let row_top = top + row * i as f64;
        let lines = wrap(local(lang, &indicator.name), 40);
        let first_y = row_top + if lines.len() > 1 { 24.0 } else { 32.0 };
        for (k, line) in lines.iter().enumerate() {
            chart.text(label_w, first_y + 15.0 * k as f64, Anchor::End, FONT, line.clone());
        }
        let arms =
            [(Some(&indicator.participants), Fill::Solid(Grey::MID)), (indicator.control.as_ref(), Fill::Hatched)];
        for (k, (arm, fill)) in arms.into_iter().enumerate() {
            let Some(arm) = arm else { continue };
            let bar_y = row_top + 10.0 + 24.0 * k as f64;
            let shown = rate_of(arm).map_or_else(|| "—".to_string(), |r| percent(lang, r.value));
            chart.text(left + plot_w + 14.0, bar_y + 12.0, Anchor::Start, SMALL, shown);
            if let Some(r) = rate_of(arm) {
                rate_bar(&mut chart, (x(Decimal::ZERO), x(r.value), x(r.low), x(r.high)), bar_y, fill);
            }
        }
        if let Some(target) = indicator.target {
            let tx = x(target);
            chart.push(Shape::Line {
                x1: tx,
                y1: row_top + 4.0,
                x2: tx,
                y2: row_top + 56.0,
                stroke: Grey::BLACK,
                width: 1.6,
                dashed: true,
            });
        }
    }
    chart
}

/// A bar from `x0` to `value` with a whisker from `low` to `high`.
fn rate_bar(chart: &mut Chart, (x0, value, low, high): (f64, f64, f64, f64), y: f64, fill: Fill) {
    let h = 16.0;
    chart.push(Shape::Rect { x: x0, y, width: (value - x0).max(0.0), height: h, fill, label: None });
    let mid = y + h / 2.0;
    chart.line((low, mid), (high, mid), Grey::BLACK, 1.6);
    chart.line((low, mid - 6.0), (low, mid + 6.0), Grey::BLACK, 1.6);
    chart.line((high, mid - 6.0), (high, mid + 6.0), Grey::BLACK, 1.6);
}

fn legend(lang: Lang, chart: &mut Chart, comparison: bool) {
    let y = 12.0;
    let mut x = 290.0;
    let key = |chart: &mut Chart, fill: Fill, label: &str, x: &mut f64| {
        chart.push(Shape::Rect { x: *x, y, width: 14.0, height: 14.0, fill, label: None });
        chart.text(*x + 20.0, y + 12.0, Anchor::Start, FONT, label.to_string());
        *x += 28.0 + 7.0 * label.chars().count() as f64;
    };
    key(chart, Fill::Solid(Grey::MID), text(lang, Msg::Participants), &mut x);
    if comparison {
        key(chart, Fill::Hatched, text(lang, Msg::Comparison), &mut x);
    }
    let (row2, x0) = (y + 26.0, 290.0);
    chart.line((x0, row2), (x0 + 24.0, row2), Grey::BLACK, 1.6);
    chart.line((x0, row2 - 6.0), (x0, row2 + 6.0), Grey::BLACK, 1.6);
    chart.line((x0 + 24.0, row2 - 6.0), (x0 + 24.0, row2 + 6.0), Grey::BLACK, 1.6);
    chart.text(x0 + 30.0, row2 + 4.0, Anchor::Start, FONT, text(lang, Msg::Interval));
    let x1 = x0 + 150.0;
    chart.push(Shape::Line {
        x1,
        y1: row2 - 7.0,
        x2: x1,
        y2: row2 + 7.0,
        stroke: Grey::BLACK,
        width: 1.6,
        dashed: true,
    });
    chart.text(x1 + 8.0, row2 + 4.0, Anchor::Start, FONT, text(lang, Msg::TargetMarker));
}

/// The chart's data in words, for a screen reader: totals only.
fn describe(lang: Lang, i: &IndicatorScore) -> String {
    let arm = |label: Msg, a: &ArmScore| match rate_of(a) {
        Some(r) => format!(
            "{} {} ({})",
            text(lang, label),
            percent(lang, r.value),
            format::interval(percent(lang, r.low), percent(lang, r.high))
        ),
        None => format!("{} —", text(lang, label)),
    };
    let mut parts = vec![arm(Msg::Participants, &i.participants)];
    if let Some(control) = &i.control {
        parts.push(arm(Msg::Comparison, control));
    }
    if let Some(target) = i.target {
        parts.push(format!("{} {}", text(lang, Msg::Target), percent(lang, target)));
    }
    format!("{}: {}.", local(lang, &i.name), parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(10_000.0), 5000.0);
        assert_eq!(nice_step(4_000.0), 1000.0);
        assert_eq!(nice_step(7_000.0), 2000.0);
    }

    #[test]
    fn long_names_wrap_into_two_lines_at_most() {
        let lines = wrap("Avoimilla työmarkkinoilla 3 kk palvelun jälkeen ja vielä pidempään", 30);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], "Avoimilla työmarkkinoilla 3 kk");
    }
}
