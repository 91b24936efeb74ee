//! The scorecard's indicators as CSV: one row per indicator and cell (the
//! total first, then every breakdown cell), both arms side by side. A
//! suppressed arm has the status `suppressed` and empty figures. Names
//! from the contract or the records go through the report's CSV writer:
//! redacted and neutralised against spreadsheet formulas.

use rust_decimal::Decimal;

use super::breakdown::Shown;
use super::scorecard::{ArmScore, Difference, Estimate, Scorecard};
use crate::report::{csv_record, CsvDialect, CsvField};

const HEADER: [&str; 19] = [
    "indicator",
    "by",
    "cell",
    "participants_status",
    "participants_n",
    "participants_count",
    "participants_rate",
    "participants_low",
    "participants_high",
    "control_status",
    "control_n",
    "control_count",
    "control_rate",
    "control_low",
    "control_high",
    "difference_points",
    "difference_low",
    "difference_high",
    "additional_outcomes",
];

/// The scorecard's indicator rows as CSV (`,` separator, `.` decimals).
pub fn scorecard_csv(s: &Scorecard) -> String {
    let d = CsvDialect::Standard;
    let mut out = csv_record(&HEADER.map(|h| CsvField::Ours(h.into())), d);
    for i in &s.indicators {
        let total = Shown::Shown(i.participants.clone());
        let control = i.control.clone().map(Shown::Shown);
        out.push_str(&csv_record(&row(&i.id, "total", "", &total, control.as_ref(), i.difference.as_ref()), d));
        for b in &i.breakdowns {
            for c in &b.cells {
                let fields = row(&i.id, b.by.id(), &c.cell, &c.participants, c.control.as_ref(), c.difference.as_ref());
                out.push_str(&csv_record(&fields, d));
            }
        }
    }
    out
}

fn row(
    indicator: &str,
    by: &str,
    cell: &str,
    participants: &Shown<ArmScore>,
    control: Option<&Shown<ArmScore>>,
    difference: Option<&Estimate<Difference>>,
) -> Vec<CsvField> {
    let mut fields = vec![CsvField::Given(indicator.into()), CsvField::Ours(by.into()), CsvField::Given(cell.into())];
    fields.extend(arm(Some(participants)));
    fields.extend(arm(control));
    let numbers: [Option<Decimal>; 4] = match difference.and_then(Estimate::value) {
        Some(d) => [Some(d.points), Some(d.low), Some(d.high), Some(d.additional_outcomes)],
        None => [None; 4],
    };
    fields.extend(numbers.map(number));
    fields
}

/// Status, n, count, rate and its interval of one arm; empty without one.
fn arm(a: Option<&Shown<ArmScore>>) -> [CsvField; 6] {
    let status = |s: &str| CsvField::Ours(s.into());
    match a {
        None => [status(""), number(None), number(None), number(None), number(None), number(None)],
        Some(Shown::Suppressed { .. }) => {
            [status("suppressed"), number(None), number(None), number(None), number(None), number(None)]
        }
        Some(Shown::Shown(a)) => {
            let rate = a.rate.value();
            [
                status(if rate.is_some() { "shown" } else { "not_estimated" }),
                CsvField::Ours(a.n.to_string()),
                CsvField::Ours(a.count.to_string()),
                number(rate.map(|r| r.value)),
                number(rate.map(|r| r.low)),
                number(rate.map(|r| r.high)),
            ]
        }
    }
}

fn number(d: Option<Decimal>) -> CsvField {
    CsvField::Ours(d.map_or(String::new(), |d| d.to_string()))
}
