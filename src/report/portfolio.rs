//! The summary of several contracts computed in one run: per provider and
//! per buyer, how many contracts, lines, and what they pay.
//!
//! Like every report it only adds up what the statements already hold —
//! each statement's own overall totals — and never recomputes a line. The
//! sums are checked: an overflow is an error naming the contract, never a
//! wrapped or saturated amount.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::locale::{self, Lang, Msg};
use crate::statement::Statement;

/// What the contracts of one provider (or one buyer) pay together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartyTotals {
    pub contracts: u64,
    pub lines: u64,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// The summary across the statements of one run, keyed by name so that
/// the order is the same whatever order the contracts were given in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Portfolio {
    pub currency: String,
    pub by_provider: BTreeMap<String, PartyTotals>,
    pub by_buyer: BTreeMap<String, PartyTotals>,
}

/// Why the statements cannot be summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortfolioError {
    /// Amounts in different currencies are never added together.
    MixedCurrency { contract: String, found: String, expected: String },
    /// A sum does not fit a decimal.
    Overflow { contract: String },
}

impl fmt::Display for PortfolioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortfolioError::MixedCurrency { contract, found, expected } => write!(
                f,
                "contract {contract} pays in {found}, the contracts before it in {expected}: \
                 amounts in different currencies are not summed; run the {found} contracts separately"
            ),
            PortfolioError::Overflow { contract } => {
                write!(f, "contract {contract}: the summary's totals overflow when its amounts are added")
            }
        }
    }
}

impl std::error::Error for PortfolioError {}

impl PartyTotals {
    /// Add one statement's overall totals; `None` on overflow.
    fn add(&mut self, s: &Statement) -> Option<()> {
        let overall = &s.totals.overall;
        self.contracts = self.contracts.checked_add(1)?;
        self.lines = self.lines.checked_add(overall.lines)?;
        self.net = self.net.checked_add(overall.net)?;
        self.vat = self.vat.checked_add(overall.vat)?;
        self.gross = self.gross.checked_add(overall.gross)?;
        Some(())
    }
}

impl Portfolio {
    /// The summary of `statements`, from their own totals.
    pub fn of(statements: &[Statement]) -> Result<Self, PortfolioError> {
        let mut portfolio = Portfolio::default();
        for (i, s) in statements.iter().enumerate() {
            if i == 0 {
                portfolio.currency.clone_from(&s.currency);
            } else if s.currency != portfolio.currency {
                return Err(PortfolioError::MixedCurrency {
                    contract: s.contract.clone(),
                    found: s.currency.clone(),
                    expected: portfolio.currency.clone(),
                });
            }
            let overflow = || PortfolioError::Overflow { contract: s.contract.clone() };
            portfolio.by_provider.entry(s.provider.clone()).or_default().add(s).ok_or_else(overflow)?;
            portfolio.by_buyer.entry(s.buyer.clone()).or_default().add(s).ok_or_else(overflow)?;
        }
        Ok(portfolio)
    }
}

/// The summary as text: one table per provider, one per buyer.
pub fn portfolio_text_in(p: &Portfolio, lang: Lang) -> String {
    let mut out = String::new();
    section(&mut out, lang, Msg::SummaryByProvider, Msg::ColProvider, &p.by_provider, &p.currency);
    out.push('\n');
    section(&mut out, lang, Msg::SummaryByBuyer, Msg::ColBuyer, &p.by_buyer, &p.currency);
    out
}

fn section(out: &mut String, lang: Lang, title: Msg, party: Msg, rows: &BTreeMap<String, PartyTotals>, currency: &str) {
    out.push_str(&format!("{} ({currency})\n", locale::text(lang, title)));
    let header = [party, Msg::ColContracts, Msg::ColLines, Msg::ColNet, Msg::ColVat, Msg::ColGross];
    let mut table = vec![header.iter().map(|m| locale::text(lang, *m).to_string()).collect::<Vec<_>>()];
    table.extend(rows.iter().map(|(name, t)| {
        vec![
            name.clone(),
            t.contracts.to_string(),
            t.lines.to_string(),
            locale::number(lang, t.net),
            locale::number(lang, t.vat),
            locale::number(lang, t.gross),
        ]
    }));
    super::table(out, &table, &[1, 2, 3, 4, 5]);
}

/// The JSON of a run over several contracts: each statement as
/// [`super::write_json`] writes it, then the summary.
pub fn write_portfolio_json(
    statements: &[Statement],
    p: &Portfolio,
    mut out: impl std::io::Write,
) -> std::io::Result<()> {
    let statements = statements.iter().map(super::redacted_json).collect::<serde_json::Result<Vec<_>>>()?;
    let document = serde_json::json!({ "statements": statements, "summary": super::redacted_json(p)? });
    serde_json::to_writer_pretty(&mut out, &document)?;
    out.write_all(b"\n")
}
