//! The effectiveness report: one self-contained HTML page, in Finnish or
//! English, that a board member reads and prints.
//!
//! It renders a [`Statement`] and the [`Scorecard`] computed with it (whose
//! cost section already divides the statement's totals) and computes no
//! figure of its own: amounts, rates and intervals are the ones `tulos
//! calculate` and `tulos score` print, written in the language's formats.
//! The one grouping done here is the monthly chart's: the statement's
//! lines summed by the month they were achieved in (checked sums; the
//! months add up to the statement's gross total).
//!
//! Templates are maud (compile-time checked, every text escaped); charts
//! go through the typed SVG builder in [`svg`]. The page has inline CSS
//! only, a print stylesheet for A4, no scripts and no external assets.
//! Suppressed breakdown cells carry no value in the scorecard, so the
//! municipality cards can only say that a cell is suppressed; the charts
//! draw published totals only.

mod charts;
mod format;
pub mod messages;
mod sections;
mod svg;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use maud::{html, DOCTYPE};
use rust_decimal::Decimal;

use crate::contract::{Contract, Names};
use crate::effectiveness::Scorecard;
use crate::locale::Lang;
use crate::statement::Statement;

pub use messages::{text, Msg};

/// The names of everything a contract pays, by item id, in both languages.
pub type ItemNames = BTreeMap<String, Names>;

/// The names of `c`'s items, fixed fees and impact payments.
pub fn item_names(c: &Contract) -> ItemNames {
    c.payables().map(|(id, names, _)| (id.to_string(), names.clone())).collect()
}

/// What a report is rendered from.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The payment statement up to the as-of date (no billing period).
    pub statement: &'a Statement,
    /// The scorecard over the same records and as-of date, its cost
    /// computed from `statement`.
    pub scorecard: &'a Scorecard,
    pub items: &'a ItemNames,
    pub lang: Lang,
}

/// Why a report could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtmlError {
    /// The payments of one month do not fit in a decimal.
    #[error("the payments achieved in {month} add up to more than a decimal can hold")]
    MonthTooLarge { month: String },
}

/// The report as one HTML document.
pub fn render(r: &Report<'_>) -> Result<String, HtmlError> {
    let months = by_month(r.statement)?;
    let lang = r.lang;
    let title = format!("{} — {}", local(lang, &r.scorecard.title), text(lang, Msg::ReportTitle));
    let page = html! {
        (DOCTYPE)
        html lang=(match lang { Lang::Fi => "fi", Lang::En => "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                main {
                    (sections::contract(r))
                    (sections::payments(r, &months))
                    (sections::indicators(r))
                    (sections::rate_chart(r))
                    (sections::change_meter(r))
                    (sections::satisfaction(r))
                    (sections::cost(r))
                    (sections::composite(r))
                    (sections::municipalities(r))
                    (sections::how_to_read(r))
                }
            }
        }
    };
    Ok(page.into_string() + "\n")
}

/// A name in the report's language (the other one when it is empty).
pub(crate) fn local(lang: Lang, names: &Names) -> &str {
    let (wanted, other) = match lang {
        Lang::Fi => (&names.fi, &names.en),
        Lang::En => (&names.en, &names.fi),
    };
    if wanted.trim().is_empty() {
        other
    } else {
        wanted
    }
}

/// Gross paid per calendar month of the achievement date, from the first
/// month with a line to the last, months without one at 0.
fn by_month(s: &Statement) -> Result<Vec<(NaiveDate, Decimal)>, HtmlError> {
    let mut sums: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    for line in &s.lines {
        let month = line.achieved_on.with_day(1).unwrap_or(line.achieved_on);
        let sum = sums.entry(month).or_default();
        *sum = sum.checked_add(line.gross).ok_or_else(|| HtmlError::MonthTooLarge { month: month.to_string() })?;
    }
    let (Some(first), Some(last)) = (sums.keys().next().copied(), sums.keys().next_back().copied()) else {
        return Ok(Vec::new());
    };
    let mut months = Vec::new();
    let mut month = first;
    while month <= last {
        months.push((month, sums.get(&month).copied().unwrap_or_default()));
        match month.checked_add_months(chrono::Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    Ok(months)
}

/// Screen and print styles: greys only, A4 pages, a section per page,
/// tables that wrap rather than clip.
const STYLE: &str = r#"
:root { color: #111; background: #fff; font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; font-size: 15px; line-height: 1.45; }
body { margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.8em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.35em; border-bottom: 2px solid #111; padding-bottom: 0.2em; margin: 1.8em 0 0.6em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
p.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.85em; margin: 0; color: #333; }
p.lead { max-width: 60em; color: #222; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1.2em; margin: 0.6em 0 1em; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 0.8em 0 1em; }
.tile { border: 1px solid #555; padding: 8px 14px; min-width: 10em; }
.tile .label { display: block; font-size: 0.85em; color: #333; }
.tile .value { display: block; font-size: 1.3em; font-weight: bold; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #999; padding: 4px 8px; vertical-align: top; text-align: left; }
thead th { background: #e6e6e6; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.interval { white-space: normal; min-width: 6.5em; }
tr.total td { font-weight: bold; border-top: 2px solid #111; }
.muted { color: #444; font-size: 0.85em; }
.why { display: block; color: #444; font-size: 0.8em; white-space: normal; }
code, .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; overflow-wrap: anywhere; }
.chart { width: 100%; max-width: 760px; height: auto; display: block; margin: 0.6em 0 1em; }
.chart text { font-family: inherit; fill: #111; }
.score { font-size: 2.4em; font-weight: bold; margin: 0.2em 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 14px; }
.card { border: 1px solid #555; padding: 8px 12px; break-inside: avoid; }
.card h3 { margin: 0.1em 0 0.4em; }
.card table { width: 100%; font-size: 0.85em; }
.suppressed { font-style: italic; color: #333; background: repeating-linear-gradient(45deg, #fff, #fff 4px, #eee 4px, #eee 8px); }
.met-yes { font-weight: bold; }
aside.how { border: 2px solid #111; padding: 4px 18px 10px; background: #f4f4f4; }
aside.how li { margin: 0.3em 0; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  :root { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  section { break-before: page; }
  header#contract + section { break-before: auto; }
  .table-wrap { overflow: visible; }
  table { width: 100%; font-size: 8.5pt; }
  th, td { padding: 2px 4px; }
  thead { display: table-header-group; }
  tr, .card, .tile, svg, aside { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  td.num, th.num { white-space: normal; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_name_falls_back_to_the_other_language() {
        let names = Names { fi: "Aloitusmaksu".into(), en: " ".into() };
        assert_eq!(local(Lang::En, &names), "Aloitusmaksu");
        assert_eq!(local(Lang::Fi, &names), "Aloitusmaksu");
    }
}
