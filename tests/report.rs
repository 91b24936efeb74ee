//! The HTML report (`tulos report`): well formed, self-contained, every
//! section in order, the statement's and scorecard's numbers as they are,
//! a reviewed snapshot of the shipped career-coaching report in Finnish
//! and English, and suppression holding in the municipality cards and
//! the charts.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use scraper::{ElementRef, Html, Selector};
use tulos::effectiveness::{self, By, Scorecard, Shown};
use tulos::locale::{self, Lang};
use tulos::payment::{self, Evaluator};
use tulos::report::html::{self, Report};
use tulos::statement::Statement;
use tulos::{contract, records};

const CAREER: &str = "contracts/career-coaching";

/// The sections, by id, in the order the issue lists them.
const SECTIONS: [&str; 10] = [
    "contract",
    "payments",
    "indicators",
    "rates",
    "change-meter",
    "satisfaction",
    "cost",
    "composite",
    "municipalities",
    "how-to-read",
];

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
}

/// The statement and scorecard `tulos report` renders, and the page.
fn report(contract_file: &Path, records_path: &Path, lang: Lang) -> (Statement, Scorecard, String) {
    let c = contract::load(contract_file).unwrap_or_else(|d| panic!("{:?}", d.0));
    let ev = Evaluator::new(&c).unwrap_or_else(|d| panic!("{:?}", d.0));
    let inputs = payment::fingerprint(&c, records_path).expect("records readable");
    let reader = records::open_for(records_path, Some(&c.id)).expect("records open");
    let request = payment::Request { as_of: as_of(), period: None };
    let paid = payment::calculate(&c, &ev, reader, inputs.clone(), request).unwrap_or_else(|e| panic!("{e:?}"));
    let reader = records::open_for(records_path, Some(&c.id)).expect("records open");
    let scorecard =
        effectiveness::score(&c, &ev, reader, inputs, as_of(), Some(&paid)).unwrap_or_else(|e| panic!("{e:?}"));
    let items = html::item_names(&c);
    let page = html::render(&Report { statement: &paid, scorecard: &scorecard, items: &items, lang }).expect("renders");
    (paid, scorecard, page)
}

fn career(lang: Lang) -> (Statement, Scorecard, String) {
    let dir = Path::new(CAREER);
    report(&dir.join("contract.toml"), &dir.join("records.jsonl"), lang)
}

fn select(s: &str) -> Selector {
    Selector::parse(s).expect("a valid selector")
}

/// An element's text, no-break spaces as spaces.
fn text_of(e: ElementRef<'_>) -> String {
    e.text().collect::<String>().replace('\u{a0}', " ")
}

fn parsed(page: &str) -> Html {
    let doc = Html::parse_document(page);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    doc
}

#[test]
fn the_page_is_well_formed_self_contained_and_has_every_section_in_order() {
    for lang in [Lang::Fi, Lang::En] {
        let (_, _, page) = career(lang);
        assert!(page.starts_with("<!DOCTYPE html>"), "{lang:?}");
        let doc = parsed(&page);
        let lower = page.to_lowercase();
        for banned in ["http:", "https:", "<script", "<link", "src=", "@import", "<iframe", "<img", "<object"] {
            assert!(!lower.contains(banned), "{lang:?}: the page must be self-contained, found {banned}");
        }
        // CSS may only point into the page itself (the hatching pattern).
        assert_eq!(lower.matches("url(").count(), lower.matches("url(#").count(), "{lang:?}");
        let positions: Vec<usize> = SECTIONS
            .iter()
            .map(|id| {
                assert_eq!(doc.select(&select(&format!("#{id}"))).count(), 1, "{lang:?}: section #{id}");
                page.find(&format!("id=\"{id}\"")).expect("present")
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{lang:?}: sections out of order");
        for chart in ["chart-months", "chart-rates"] {
            let svg = doc.select(&select(&format!("svg#{chart}"))).next().expect(chart);
            assert_eq!(svg.value().attr("role"), Some("img"));
            assert!(svg.value().attr("aria-label").is_some_and(|l| !l.is_empty()), "{chart}");
            assert!(svg.select(&select("title")).next().is_some(), "{chart} has a <title>");
            assert!(svg.select(&select("desc")).next().is_some(), "{chart} has a <desc>");
        }
    }
}

#[test]
fn the_numbers_are_the_statements_and_the_scorecards() {
    let (statement, scorecard, page) = career(Lang::Fi);
    let doc = parsed(&page);
    let fi = |d: Decimal| locale::number(Lang::Fi, d);
    let o = &statement.totals.overall;
    let tiles: Vec<String> = doc.select(&select("#payments .tile .value")).map(text_of).collect();
    assert_eq!(tiles[0], format!("{} €", fi(o.gross)), "gross");
    assert_eq!(tiles[0], "33 075,52 €", "as `tulos score` prints it");
    assert_eq!(tiles[1], format!("{} €", fi(o.net)));
    // The months add up to the statement's gross total.
    let months: Vec<Decimal> = doc
        .select(&select("#payments-by-month tbody tr:not(.total) td.num"))
        .map(|td| text_of(td).trim_end_matches(" €").replace(' ', "").replace(',', ".").parse().expect("an amount"))
        .collect();
    assert!(months.len() >= 2, "{months:?}");
    assert_eq!(months.iter().sum::<Decimal>(), o.gross);
    // Every indicator's rates and difference, as the scorecard has them.
    for i in &scorecard.indicators {
        let row = doc.select(&select(&format!("#indicator-{}", i.id))).next().map(text_of).expect("a row");
        let rate = i.participants.rate.value().expect("estimated");
        assert!(row.contains(&locale::percent(Lang::Fi, rate.value, 2)), "{row}");
        let interval =
            format!("{} … {}", locale::percent(Lang::Fi, rate.low, 2), locale::percent(Lang::Fi, rate.high, 2));
        assert!(row.contains(&interval), "{row}");
        let d = i.difference.as_ref().and_then(|d| d.value()).expect("a difference");
        assert!(row.contains(&fi(d.points).replace('-', "−")), "{row}");
        let rr = i.relative_risk.as_ref().and_then(|r| r.value()).expect("a relative risk");
        assert!(row.contains(&fi(rr.value)), "{row}");
    }
    let cost = scorecard.cost.as_ref().expect("a cost");
    let cost_table = doc.select(&select("#cost-table")).next().map(text_of).expect("cost table");
    for i in &cost.indicators {
        if let Some(m) = i.per_additional_outcome.value() {
            assert!(cost_table.contains(&format!("{} €", fi(m.amount))), "{cost_table}");
        }
    }
    assert!(cost_table.contains("20 672,20 €"), "per additional job entry, as `tulos score` prints it");
    let score = scorecard.composite.as_ref().and_then(|c| c.score.value()).expect("a score");
    let shown = doc.select(&select("#composite .score")).next().map(text_of).expect("score");
    assert_eq!(shown, format!("{} / 100", fi(score.value)));
    assert!(page.contains("31.12.2026"), "the as-of date in Finnish");
    assert!(page.contains("joulukuu 2026") && page.contains("Aloitusmaksu"), "month and item names in Finnish");
}

#[test]
fn english_uses_english_labels_months_and_numbers() {
    let (_, _, page) = career(Lang::En);
    let doc = parsed(&page);
    assert_eq!(doc.select(&select("html")).next().and_then(|h| h.value().attr("lang")), Some("en"));
    let gross = doc.select(&select("#payments .tile .value")).next().map(text_of).expect("gross");
    assert_eq!(gross, "€33,075.52");
    assert!(page.contains("December 2026") && page.contains("Start fee") && page.contains("2026-12-31"));
    assert!(!page.contains("joulukuu") && !page.contains("Aloitusmaksu"));
}

/// The HTML with a line break between tags, so that a snapshot diff
/// points at the element that changed.
fn reviewable(page: &str) -> String {
    page.replace("><", ">\n<")
}

#[test]
fn the_career_coaching_report_matches_its_snapshots() {
    for (lang, name) in [(Lang::Fi, "career_coaching_fi"), (Lang::En, "career_coaching_en")] {
        let (_, _, page) = career(lang);
        insta::assert_snapshot!(name, reviewable(&page));
    }
}

/// Career-coaching records three times over in three municipalities:
/// Jyväskylä and Jämsä large, Kuhmoinen two participants only.
fn three_municipalities(dir: &Path) -> PathBuf {
    let original = std::fs::read_to_string(Path::new(CAREER).join("records.jsonl")).unwrap();
    let mut out = String::new();
    for copy in 0..3 {
        for line in original.lines().filter(|l| !l.trim().is_empty()) {
            let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = record["id"].as_str().unwrap().to_string();
            let municipality = match copy {
                0 => "Jyväskylä",
                _ if copy == 2 && (id == "C-001" || id == "C-002") => "Kuhmoinen",
                _ => "Jämsä",
            };
            record["id"] = format!("{id}-{copy}").into();
            record["municipality"] = municipality.into();
            out.push_str(&serde_json::to_string(&record).unwrap());
            out.push('\n');
        }
    }
    let path = dir.join("records.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

/// The career-coaching contract with another `min_cell`.
fn contract_with_min_cell(dir: &Path, min_cell: u64) -> PathBuf {
    let text = std::fs::read_to_string(Path::new(CAREER).join("contract.toml")).unwrap();
    assert!(text.contains("min_cell = 3"));
    let path = dir.join(format!("contract-{min_cell}.toml"));
    std::fs::write(&path, text.replace("min_cell = 3", &format!("min_cell = {min_cell}"))).unwrap();
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::copy("rules/employment.rhai", dir.join("rules/employment.rhai")).unwrap();
    path
}

/// A suppressed cell shows only that it is suppressed: neither its n,
/// its count nor its rate — which the same records with `min_cell = 1`
/// show — appears in its card's cell or in any chart.
#[test]
fn suppressed_cells_show_no_value_in_the_cards_or_the_charts() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-suppression");
    std::fs::create_dir_all(&dir).unwrap();
    let records = three_municipalities(&dir);
    let (_, hidden, page) = report(&contract_with_min_cell(&dir, 3), &records, Lang::En);
    let (_, open, _) = report(&contract_with_min_cell(&dir, 1), &records, Lang::En);
    let doc = parsed(&page);
    let charts: String = doc.select(&select("svg")).map(|s| s.html()).collect();
    let mut checked = 0;
    for (i, (h, o)) in hidden.indicators.iter().zip(&open.indicators).enumerate() {
        let municipalities = |s: &effectiveness::IndicatorScore| {
            s.breakdowns.iter().find(|b| b.by == By::Municipality).expect("by municipality").cells.clone()
        };
        for (cell, open_cell) in municipalities(h).iter().zip(municipalities(o)) {
            assert_eq!(cell.cell, open_cell.cell);
            let card = doc
                .select(&select(".card"))
                .find(|c| c.select(&select("h3")).next().map(text_of).as_deref() == Some(cell.cell.as_str()))
                .expect("a card per municipality");
            let row = card.select(&select("tbody tr")).nth(i).expect("a row per indicator");
            let participants = row.select(&select("td")).nth(1).expect("participants cell");
            match (&cell.participants, &open_cell.participants) {
                (Shown::Suppressed { .. }, Shown::Shown(value)) => {
                    assert_eq!(text_of(participants), "suppressed (<3)", "{}", cell.cell);
                    let fraction = format!("{}/{}", value.count, value.n);
                    assert!(!charts.contains(&fraction), "{fraction} of {} in a chart", cell.cell);
                    if let Some(rate) = value.rate.value() {
                        let rate = locale::percent(Lang::En, rate.value, 2);
                        assert!(!text_of(row).contains(&rate), "{rate} of {} in its row", cell.cell);
                    }
                    checked += 1;
                }
                (Shown::Shown(value), _) => {
                    let shown = text_of(participants);
                    assert!(shown.contains(&format!("{}/{}", value.count, value.n)), "{shown}");
                }
                (Shown::Suppressed { .. }, Shown::Suppressed { .. }) => {}
            }
        }
    }
    assert!(checked >= 3, "the fixture suppresses a cell of every indicator");
    assert!(page.contains("Kuhmoinen") && page.contains("Jyväskylä"));
}
