//! Languages of the text outputs: Finnish and English labels in one
//! message table, and the number and date formats of each.
//!
//! Finnish: a space between thousands, a decimal comma, `12,3 %`, dates
//! `30.6.2027`. English: digits as computed (`1234.50`), `12.3 %`, ISO
//! dates. Only text outputs are localised; JSON and CSV never change with
//! the language, so tools read one format.
//!
//! Every text the localised outputs show is in this file: labels in
//! [`text`], sentences with values in them as templates (`{0}`, `{1}`, …
//! filled by [`fill`]), reason codes with their explanation in [`reason`],
//! and the scorecard's method sentences in [`method`]. Values from input
//! (ids, clauses, names) are never translated.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// The language of a text output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    Fi,
    #[default]
    En,
}

/// A label the text outputs show, in either language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    Scorecard,
    AsOf,
    Weighted,
    Unweighted,
    Indicator,
    Participants,
    Control,
    Rate,
    Interval,
    Difference,
    Additional,
    Target,
    Met,
    Yes,
    No,
    RelativeRisk,
    CompositeScore,
    Weight,
    Achievement,
    Contribution,
    Cost,
    Outcomes,
    PerOutcome,
    PerAdditionalOutcome,
    By,
    Municipality,
    TargetGroup,
    Cohort,
    NoControl,
    // The payment statement (`report::statement_text_in`).
    StatementTitle,
    BuyerProvider,
    EverythingAchieved,
    AsOfPeriod,
    ColParticipant,
    ColItem,
    ColOccurrence,
    ColAchieved,
    ColTariff,
    ColMultiplier,
    ColAmount,
    ColWithheld,
    ColNet,
    ColVat,
    ColGross,
    ColClause,
    ColLines,
    ColReason,
    ColParticipants,
    ContractLevel,
    NoPayableLines,
    ImpactPayments,
    TotalsByItem,
    TotalsByMunicipality,
    TotalsByGroup,
    Overall,
    Total,
    NotPaidTitle,
    AllItems,
    StatementCounts,
    OtherContractRecords,
    ContractDigest,
    ContractVersion,
    NoVersion,
    RulesDigest,
    RecordsDigest,
    // `tulos explain`.
    ExplainTitle,
    Status,
    StatusEligible,
    StatusIneligible,
    StatusControl,
    StatusOtherContract,
    StepAt,
    Read,
    PaidNothing,
    PaidLine,
    NoClause,
    WithheldByCap,
    NotPaidLine,
    Multipliers,
    MultiplierLine,
    FactorTable,
    FactorRule,
    MultiplierApplied,
    MultiplierNotApplied,
    MultiplierNoMatch,
    MultiplierNotForItems,
    AnyOutcome,
    // The rest of the scorecard.
    MethodRate,
    MethodDifference,
    MethodRelativeRisk,
    MethodAdditional,
    NoIndicators,
    NotYetObservable,
    StandardIndicator,
    OutcomeIndicator,
    CostPaid,
    BreakdownsNote,
    ScoreCounts,
    NoEstimate,
    NotDefined,
    ChangeMeterTitle,
    ChangeMeterEmpty,
    EffectSize,
    Improved,
    ChangeMeterLegend,
    Dimension,
    Arm,
    Paired,
    One,
    NoneMeasured,
    First,
    Last,
    Change,
    Effect,
    ImprovedCount,
    Share,
    ExperienceTitle,
    Respondents,
    Response,
    Satisfaction,
    EarningsTitle,
    MissingMonths,
    WithoutEarnings,
    EarningsDifference,
    Window,
    Observed,
    NoEnd,
    NotOver,
    Before,
    After,
    Months,
    DegreesOfFreedom,
    ValueIndicators,
    ValueColumn,
    MeanColumn,
    MissingColumn,
    // The summary of several contracts (`report::portfolio`).
    SummaryByProvider,
    SummaryByBuyer,
    ColProvider,
    ColBuyer,
    ColContracts,
}

/// The message table: every label in both languages, in one place.
pub fn text(lang: Lang, m: Msg) -> &'static str {
    let (fi, en) = match m {
        Msg::Scorecard => ("Vaikuttavuusraportti", "Effectiveness scorecard"),
        Msg::AsOf => ("Tilanne", "As of"),
        Msg::Weighted => ("Painotettu", "Weighted"),
        Msg::Unweighted => ("Painottamaton", "Unweighted"),
        Msg::Indicator => ("mittari", "indicator"),
        Msg::Participants => ("osallistujat", "participants"),
        Msg::Control => ("verrokit", "control"),
        Msg::Rate => ("osuus", "rate"),
        Msg::Interval => ("95 %:n väli", "95 % interval"),
        Msg::Difference => ("ero", "difference"),
        Msg::Additional => ("lisätulokset", "additional"),
        Msg::Target => ("tavoite", "target"),
        Msg::Met => ("saavutettu", "met"),
        Msg::Yes => ("kyllä", "yes"),
        Msg::No => ("ei", "no"),
        Msg::RelativeRisk => ("suhteellinen riski", "relative risk"),
        Msg::CompositeScore => ("Kokonaispisteet", "Composite score"),
        Msg::Weight => ("paino", "weight"),
        Msg::Achievement => ("toteuma", "achievement"),
        Msg::Contribution => ("osuus pisteistä", "contribution"),
        Msg::Cost => ("Kustannus", "Cost"),
        Msg::Outcomes => ("tulokset", "outcomes"),
        Msg::PerOutcome => ("per tulos", "per outcome"),
        Msg::PerAdditionalOutcome => ("per lisätulos", "per additional outcome"),
        Msg::By => ("jaoteltuna", "by"),
        Msg::Municipality => ("kunta", "municipality"),
        Msg::TargetGroup => ("kohderyhmä", "target_group"),
        Msg::Cohort => ("kohortti", "cohort"),
        Msg::NoControl => (
            "Ei verrokkitietoja: ei verrokkiryhmää eikä eroa",
            "No control records: no comparison group, no difference",
        ),
        Msg::StatementTitle => ("Maksuerittely {0} — {1} / {2}", "Payment statement {0} — {1} / {2}"),
        Msg::BuyerProvider => ("Tilaaja: {0}   Palveluntuottaja: {1}", "Buyer: {0}   Provider: {1}"),
        Msg::EverythingAchieved => ("kaikki saavutettu", "everything achieved"),
        Msg::AsOfPeriod => (
            "Tilanne {0}   Kausi: {1}   Summat: {2}, ALV {3} %, pyöristys {4} desimaaliin ({5})",
            "As of {0}   Period: {1}   Amounts in {2}, VAT {3} %, rounding to {4} decimals ({5})",
        ),
        Msg::ColParticipant => ("osallistuja", "participant"),
        Msg::ColItem => ("erä", "item"),
        Msg::ColOccurrence => ("kerta", "occ"),
        Msg::ColAchieved => ("saavutettu", "achieved"),
        Msg::ColTariff => ("taksa", "tariff"),
        Msg::ColMultiplier => ("kerroin", "mult"),
        Msg::ColAmount => ("summa", "amount"),
        Msg::ColWithheld => ("pidätetty", "withheld"),
        Msg::ColNet => ("netto", "net"),
        Msg::ColVat => ("alv", "vat"),
        Msg::ColGross => ("brutto", "gross"),
        Msg::ColClause => ("sopimuskohta", "clause"),
        Msg::ColLines => ("rivejä", "lines"),
        Msg::ColReason => ("syy", "reason"),
        Msg::ColParticipants => ("osallistujia", "participants"),
        Msg::ContractLevel => ("(sopimus)", "(contract)"),
        Msg::NoPayableLines => ("Ei maksettavia rivejä.", "No payable lines."),
        Msg::ImpactPayments => (
            "Vaikuttavuusmaksut (sopimustason rivit: miten kukin summa laskettiin, ennen kattoja)",
            "Impact payments (contract-level lines: how each amount was computed, before caps)",
        ),
        Msg::TotalsByItem => ("Yhteensä erien mukaan", "Totals by item"),
        Msg::TotalsByMunicipality => ("Yhteensä kunnittain", "Totals by municipality"),
        Msg::TotalsByGroup => (
            "Yhteensä kohderyhmittäin (osallistuja lasketaan jokaiseen ryhmäänsä)",
            "Totals by target group (a participant counts in each of their groups)",
        ),
        Msg::Overall => ("Kaikki yhteensä", "Overall"),
        Msg::Total => ("YHTEENSÄ", "TOTAL"),
        Msg::NotPaidTitle => (
            "Maksamatta (osallistujittain: --format json tai csv, tai `tulos explain`)",
            "Not paid (use --format json or csv, or `tulos explain`, for each participant)",
        ),
        Msg::AllItems => ("(kaikki)", "(all)"),
        Msg::StatementCounts => (
            "Tietueita luettu {0}: osallistujia {1} (kelpoisia {2}, ei kelpoisia {3}, maksettuja {4}), verrokkeja {5}, muun sopimuksen {6}",
            "Records read {0}: participants {1} (eligible {2}, not eligible {3}, paid {4}), control {5}, other contract {6}",
        ),
        Msg::OtherContractRecords => (
            "  muu sopimus {0}: {1} tietue(tta), ei laskettu",
            "  other contract {0}: {1} record(s), not evaluated",
        ),
        Msg::ContractDigest => ("Sopimus {0} sha256 {1}", "Contract {0} sha256 {1}"),
        Msg::ContractVersion => (
            "Sopimuksen versio {0}   laskettu: tulos {1}",
            "Contract version {0}   computed by tulos {1}",
        ),
        Msg::NoVersion => ("(ei)", "(none)"),
        Msg::RulesDigest => ("Säännöt {0} sha256 {1}", "Rules {0} sha256 {1}"),
        Msg::RecordsDigest => ("Tietueet {0} sha256 {1}", "Records {0} sha256 {1}"),
        Msg::ExplainTitle => (
            "Osallistuja {0}, sopimus {1}, tilanne {2}",
            "Participant {0} under contract {1}, as of {2}",
        ),
        Msg::Status => ("Tila: {0}", "Status: {0}"),
        Msg::StatusEligible => ("kelpoinen", "eligible"),
        Msg::StatusIneligible => ("ei kelpoinen: {0}", "not eligible: {0}"),
        Msg::StatusControl => ("verrokkiryhmä: ei koskaan maksettava", "control group: never paid"),
        Msg::StatusOtherContract => ("kuuluu toiseen sopimukseen ({0})", "belongs to another contract ({0})"),
        Msg::StepAt => ("{0}{1} kohdassa {2}", "{0}{1} at {2}"),
        Msg::Read => ("luettu", "read"),
        Msg::PaidNothing => ("Maksettu: ei mitään", "Paid: nothing"),
        Msg::PaidLine => (
            "Maksettu: {0} #{1} saavutettu {2}: taksa {3} ({4}){5} × {6} = {7}{8}; netto {9} + ALV {10} = {11}",
            "Paid: {0} #{1} achieved {2}: tariff {3} ({4}){5} × {6} = {7}{8}; net {9} + VAT {10} = {11}",
        ),
        Msg::NoClause => ("ei sopimuskohtaa", "no clause"),
        Msg::WithheldByCap => (", {0} pidätetty katon {1} vuoksi", ", {0} withheld by the {1} cap"),
        Msg::NotPaidLine => ("Ei maksettu: {0} — {1}: {2}", "Not paid: {0} — {1}: {2}"),
        Msg::Multipliers => ("Kertoimet ({0}):", "Multipliers ({0}):"),
        Msg::MultiplierLine => ("    {0}{1} × {2}, ehto {3}: {4}", "    {0}{1} × {2} when {3}: {4}"),
        Msg::FactorTable => ("taulukosta {0}", "from table {0}"),
        Msg::FactorRule => ("rivin {0} säännöstä", "from the rule at line {0}"),
        Msg::MultiplierApplied => ("käytetty kertoimella {0}: {1}", "applied, factor {0}: {1}"),
        Msg::MultiplierNotApplied => (
            "täsmää, mutta ei käytetty (vain suurin kerroin)",
            "matched, not applied (only the highest factor applies)",
        ),
        Msg::MultiplierNoMatch => ("ei täsmää: {0}", "did not match: {0}"),
        Msg::MultiplierNotForItems => ("ei koske osallistujalle maksettuja eriä", "not for the items paid to the participant"),
        Msg::AnyOutcome => ("kaikki tulokset", "every outcome"),
        Msg::MethodRate => ("Osuus: {0}; {1}, otoskoko {2}", "Rate: {0}; {1} with {2}"),
        Msg::MethodDifference => ("Ero: {0}", "Difference: {0}"),
        Msg::MethodRelativeRisk => ("Suhteellinen riski: {0}", "Relative risk: {0}"),
        Msg::MethodAdditional => ("Lisätulokset: {0}", "Additional outcomes: {0}"),
        Msg::NoIndicators => (
            "Sopimuksessa ei ole mittareita: lisää [[indicator]]-osiot (README, Effectiveness scores)\n",
            "The contract declares no indicators: add [[indicator]] sections (README, Effectiveness scores)\n",
        ),
        Msg::NotYetObservable => (
            "; ei vielä havaittavissa: osallistujat {0}{1}",
            "; not yet observable: participants {0}{1}",
        ),
        Msg::StandardIndicator => (
            "vakiomittari {0}, {1} kuukautta palvelun päättymisen jälkeen{2}",
            "standard {0}, {1} months after the service end{2}",
        ),
        Msg::OutcomeIndicator => ("tulos {0}", "outcome {0}"),
        Msg::CostPaid => (
            "Maksettu: brutto {0} (netto {1}), rivejä {2}; kelpoista osallistujaa ({3}) kohden {4}",
            "Paid: gross {0} (net {1}) on {2} lines; per eligible participant ({3}) {4}",
        ),
        Msg::BreakdownsNote => (
            "Jaottelut: alle {0} tietueen solut peitetään (<{0}), samoin solut, jotka voisi päätellä summista",
            "Breakdowns: cells under {0} records are suppressed (<{0}), and so are further cells where one could be derived from the totals",
        ),
        Msg::ScoreCounts => (
            "Tietueita luettu {0}: osallistujia {1} (ei kelpoisia {2}), verrokkeja {3} (ei kelpoisia {4}), muun sopimuksen {5}",
            "Records read {0}: participants {1} (not eligible {2}), control {3} (not eligible {4}), other contract {5}",
        ),
        Msg::NoEstimate => ("ei estimaattia: {0}", "no estimate: {0}"),
        Msg::NotDefined => ("ei määritelty: {0}", "not defined: {0}"),
        Msg::ChangeMeterTitle => ("Asiakkaan muutosmittari ({0}): {1}", "Customer change meter ({0}): {1}"),
        Msg::ChangeMeterEmpty => (
            "Yhdelläkään kelpoisella tietueella ei ole kahta mittausta eikä yhtään mittausta\n",
            "No eligible record has two measurements or any measurement\n",
        ),
        Msg::EffectSize => ("Vaikutuksen koko: {0}{1}", "Effect size: {0}{1}"),
        Msg::Improved => ("; parantunut = muutos vähintään {0}", "; improved = change at least {0}"),
        Msg::ChangeMeterLegend => (
            "pari/yksi/ei kelpoisista: kaksi mittauspäivää / vain yksi (puuttuu, ei nollamuutos) / ei yhtään\n",
            "paired/one/none of eligible: two measurement days / one only (missing, not zero change) / none\n",
        ),
        Msg::Dimension => ("ulottuvuus", "dimension"),
        Msg::Arm => ("ryhmä", "arm"),
        Msg::Paired => ("pari", "paired"),
        Msg::One => ("yksi", "one"),
        Msg::NoneMeasured => ("ei", "none"),
        Msg::First => ("ensimmäinen", "first"),
        Msg::Last => ("viimeinen", "last"),
        Msg::Change => ("muutos", "change"),
        Msg::Effect => ("vaikutus", "effect"),
        Msg::ImprovedCount => ("parantuneet", "improved"),
        Msg::Share => ("osuus", "share"),
        Msg::ExperienceTitle => ("Asiakaskokemus (tyytyväisyys 1–5): {0}", "Customer experience (satisfaction 1–5): {0}"),
        Msg::Respondents => ("vastaajat", "respondents"),
        Msg::Response => ("vastausosuus", "response"),
        Msg::Satisfaction => ("tyytyväisyys", "satisfaction"),
        Msg::EarningsTitle => (
            "Ansiot (€ kuukaudessa): {0} kuukautta ennen palvelun alkamiskuukautta verrattuna palvelun päättymiskuukauden jälkeisiin kuukausiin",
            "Earnings (€ a month): the {0} months before the service start month against months after the service end month",
        ),
        Msg::MissingMonths => ("Puuttuvat kuukaudet: {0}", "Missing months: {0}"),
        Msg::WithoutEarnings => (
            "Kelpoiset tietueet ilman ansiorivejä: osallistujat {0}{1}",
            "Eligible records without any earnings row: participants {0}{1}",
        ),
        Msg::EarningsDifference => ("Ero: {0}", "Difference: {0}"),
        Msg::Window => ("jakso", "window"),
        Msg::Observed => ("havaittu", "observed"),
        Msg::NoEnd => ("ei loppua", "no end"),
        Msg::NotOver => ("kesken", "not over"),
        Msg::Before => ("ennen", "before"),
        Msg::After => ("jälkeen", "after"),
        Msg::Months => ("{0} kk", "{0} mo"),
        Msg::DegreesOfFreedom => ("vapausasteet", "df"),
        Msg::ValueIndicators => (
            "Arvomittarit: keskiarvo niistä oikeutetuista, joilla arvo on (puuttuvat jätetty pois)",
            "Value indicators: mean per eligible record with the value (missing values left out)",
        ),
        Msg::ValueColumn => ("arvo", "value"),
        Msg::MeanColumn => ("keskiarvo", "mean"),
        Msg::MissingColumn => ("puuttuu", "missing"),
        Msg::SummaryByProvider => ("Yhteenveto palveluntuottajittain", "Summary by provider"),
        Msg::SummaryByBuyer => ("Yhteenveto tilaajittain", "Summary by buyer"),
        Msg::ColProvider => ("palveluntuottaja", "provider"),
        Msg::ColBuyer => ("tilaaja", "buyer"),
        Msg::ColContracts => ("sopimuksia", "contracts"),
    };
    match lang {
        Lang::Fi => fi,
        Lang::En => en,
    }
}

/// The template of `m` in `lang` with `{0}`, `{1}`, … replaced by `args`
/// in order. A template names each argument it shows; the English and
/// Finnish templates of a message take the same arguments.
///
/// The template is read once, left to right, so a value that itself holds
/// `{1}` (a contract's title, say) is shown as it is, never filled in.
pub fn fill(lang: Lang, m: Msg, args: &[&dyn std::fmt::Display]) -> String {
    let template = text(lang, m);
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let argument = after
            .find('}')
            .and_then(|close| after[..close].parse::<usize>().ok().map(|n| (n, close)))
            .and_then(|(n, close)| args.get(n).map(|a| (a, close)));
        match argument {
            Some((arg, close)) => {
                let _ = write!(out, "{arg}");
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A reason code of a statement (`not_achieved`, `capped`, …, and
/// `not_eligible`) as the language explains it. English text shows the
/// code itself; Finnish text the explanation with the code after it, so
/// the code a JSON or CSV statement carries can still be found.
pub fn reason(lang: Lang, code: &str) -> String {
    let fi = match code {
        "not_achieved" => "tulosta ei saavutettu",
        "not_yet_due" => "ei vielä ratkaistavissa tilannepäivänä",
        "achieved_after_as_of" => "saavutettu vasta tilannepäivän jälkeen",
        "requires" => "edellyttää aiempaa tulosta, jota ei saavutettu",
        "excluded_by" => "toisensa poissulkeva tulos, jonka summa on suurempi, maksettiin",
        "no_tariff" => "saavutuspäivänä ei ole voimassa olevaa taksaa",
        "max_reached" => "osallistujakohtainen enimmäismäärä täynnä",
        "capped" => "katto pidätti koko summan",
        "not_eligible" => "ei kelpoinen",
        _ => return code.to_string(),
    };
    match lang {
        Lang::Fi => format!("{fi} ({code})"),
        Lang::En => code.to_string(),
    }
}

/// A code of the spreadsheet formats — a column, a sheet, a grouping of
/// totals or an input — as `lang` heads it: English keeps the code
/// (`achieved_on`), the same as plain CSV; Finnish a word (`saavutettu`).
pub fn code(lang: Lang, code: &str) -> &str {
    if lang == Lang::En {
        return code;
    }
    match code {
        "contract" => "sopimus",
        "participant" => "osallistuja",
        "item" => "erä",
        "item_name" => "erän nimi",
        "occurrence" => "kerta",
        "kind" => "laji",
        "achieved_on" => "saavutettu",
        "tariff" => "taksa",
        "clause" => "sopimuskohta",
        "tables" => "päätöstaulut",
        "multiplier" => "kerroin",
        "multipliers" => "kertoimet",
        "amount" => "summa",
        "withheld" => "pidätetty",
        "withheld_by" => "pidättänyt katto",
        "net" => "netto",
        "vat" => "alv",
        "gross" => "brutto",
        "municipality" => "kunta",
        "groups" => "kohderyhmät",
        "group" => "kohderyhmä",
        "rule" => "sääntö",
        "currency" => "valuutta",
        "computation" => "laskelma",
        "total_by" => "yhteensä",
        "key" => "kohde",
        "lines" => "rivit",
        "overall" => "kaikki",
        "reason" => "syy",
        "detail" => "tarkennus",
        "input" => "lähtötieto",
        "value" => "arvo",
        "sha256" => "sha256",
        "contract_id" => "sopimustunnus",
        "as_of" => "tilannepäivä",
        "period_from" => "kausi alkaa",
        "period_to" => "kausi päättyy",
        "contract_file" => "sopimustiedosto",
        "rules_file" => "sääntötiedosto",
        "records_file" => "tietuetiedosto",
        "program" => "ohjelma",
        "not_paid" => "maksamatta",
        "inputs" => "lähtötiedot",
        "totals" => "yhteensä",
        // The steps of an impact payment's computation.
        "formula" => "kaava",
        "outcome" => "tulos",
        "participants" => "osallistujat",
        "control" => "verrokit",
        "baseline" => "lähtötaso",
        "difference" => "ero",
        "95 % interval" => "95 %:n väli",
        "threshold" => "kynnys",
        "paid on" => "maksuperuste",
        "additional" => "lisätulokset",
        "price" => "hinta",
        "share" => "osuus",
        "weights" => "painot",
        other => other,
    }
}

/// A fixed sentence of the scorecard — its method, windows, bases and the
/// reasons a value is not estimated or not defined, which JSON carries in
/// English — in `lang`; a sentence not in the table stays as it is.
pub fn method(lang: Lang, sentence: &'static str) -> &'static str {
    if lang == Lang::En {
        return sentence;
    }
    match sentence {
        "weighted share of eligible records: Σw·y / Σw" => "kelpoisten tietueiden painotettu osuus: Σw·y / Σw",
        "share of eligible records that achieved the outcome by the as-of date" => {
            "niiden kelpoisten tietueiden osuus, jotka saavuttivat tuloksen tilannepäivään mennessä"
        }
        "95 % Wilson score interval" => "95 %:n Wilsonin luottamusväli",
        "participants − control in percentage points, 95 % Newcombe hybrid score interval (method 10)" => {
            "osallistujat − verrokit prosenttiyksikköinä, 95 %:n Newcomben hybridiväli (menetelmä 10)"
        }
        "Kish effective sample size n_eff = (Σw)² / Σw²" => "Kishin efektiivinen otoskoko n_eff = (Σw)² / Σw²",
        "participants' rate / control rate, 95 % interval by the log method (Katz)" => {
            "osallistujien osuus / verrokkien osuus, 95 %:n väli logaritmimenetelmällä (Katz)"
        }
        "(participants' rate − control rate) × participants (Σw when weighted), interval from the Newcombe bounds" => {
            "(osallistujien osuus − verrokkien osuus) × osallistujat (painotettuna Σw), väli Newcomben rajoista"
        }
        "measurements dated from the service start to the as-of date; first and last by date" => {
            "mittaukset palvelun alusta tilannepäivään; ensimmäinen ja viimeinen päivämäärän mukaan"
        }
        "paired: mean change / standard deviation of the changes (Cohen's d_z)" => {
            "parittainen: keskimääräinen muutos / muutosten keskihajonta (Cohenin d_z)"
        }
        "each record's latest feedback dated from the service start to the as-of date" => {
            "kunkin tietueen viimeisin palaute palvelun alusta tilannepäivään"
        }
        "a month without an earnings row is 0 €; a window not over by the as-of date, or a record without a service end, is left out" => {
            "kuukausi ilman ansioriviä on 0 €; tilannepäivänä kesken oleva jakso ja tietue ilman palvelun päättymistä jätetään pois"
        }
        "participants − control in the mean change (after − before), 95 % Welch interval (Welch–Satterthwaite df)" => {
            "osallistujat − verrokit keskimääräisessä muutoksessa (jälkeen − ennen), 95 %:n Welchin väli (Welch–Satterthwaiten vapausasteet)"
        }
        "contribution = weight × min(1, rate / target) × 100 / Σ weights, rounded to 0.01; score = Σ contributions" => {
            "osuus pisteistä = paino × min(1, osuus / tavoite) × 100 / Σ painot, pyöristettynä 0,01:een; pisteet = Σ osuudet"
        }
        "gross (net after caps + VAT) of every statement line up to the as-of date, fixed fees included; rounded once with the contract's rounding" => {
            "kaikkien maksuerittelyn rivien brutto (netto kattojen jälkeen + ALV) tilannepäivään asti, kiinteät maksut mukaan lukien; pyöristetty kerran sopimuksen pyöristyksellä"
        }
        "no eligible records (or all weights 0)" => "ei kelpoisia tietueita (tai kaikki painot 0)",
        "fewer than two records with a value: no spread to estimate" => {
            "alle kaksi tietuetta, joilla on arvo: hajontaa ei voi estimoida"
        }
        "every value is the same: no spread to estimate from" => "kaikki arvot ovat samat: hajontaa ei voi estimoida",
        "the control rate is 0: the relative risk is not defined" => {
            "verrokkien osuus on 0: suhteellista riskiä ei ole määritelty"
        }
        "no participant achieved it: the relative risk is 0 and its log interval is not defined" => {
            "yksikään osallistuja ei saavuttanut tulosta: suhteellinen riski on 0 eikä sen logaritmiväliä ole määritelty"
        }
        "no control records: no comparison group" => "ei verrokkitietoja: ei verrokkiryhmää",
        "no additional outcomes over the comparison group (0 or fewer): no cost per additional outcome" => {
            "ei lisätuloksia verrokkiryhmään nähden (0 tai vähemmän): ei kustannusta lisätulosta kohden"
        }
        "no participant achieved it: no cost per outcome" => {
            "yksikään osallistuja ei saavuttanut tulosta: ei kustannusta tulosta kohden"
        }
        "no eligible participant: no cost per participant" => "ei kelpoisia osallistujia: ei kustannusta osallistujaa kohden",
        "a sum or quotient is too large to compute" => "summa tai osamäärä on liian suuri laskettavaksi",
        other => other,
    }
}

impl Lang {
    /// `fi` or `en` (any case, surrounding spaces ignored), as `--lang`
    /// and `TULOS_LANG` take it.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fi" => Some(Lang::Fi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A decimal as the language writes it: Finnish `1 234,50`, English
/// `1234.50` (the digits as computed: the decimals are kept).
pub fn number(lang: Lang, d: Decimal) -> String {
    let plain = d.to_string();
    match lang {
        Lang::En => plain,
        Lang::Fi => {
            let (sign, digits) = plain.strip_prefix('-').map_or(("", plain.as_str()), |rest| ("-", rest));
            let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
            let mut grouped = String::new();
            for (i, c) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    grouped.push(' ');
                }
                grouped.push(c);
            }
            match fraction {
                Some(f) => format!("{sign}{grouped},{f}"),
                None => format!("{sign}{grouped}"),
            }
        }
    }
}

/// A share (0–1) as a percentage with `decimals` decimals: `12,3 %`.
pub fn percent(lang: Lang, share: Decimal, decimals: u32) -> String {
    let mut p = share * Decimal::ONE_HUNDRED;
    p = p.round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    p.rescale(decimals);
    format!("{} %", number(lang, p))
}

/// A date: Finnish `30.6.2027`, English `2027-06-30`.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Fi => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        Lang::En => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn finnish_numbers_group_thousands_with_a_space_and_use_a_decimal_comma() {
        assert_eq!(number(Lang::Fi, d("1234.50")), "1 234,50");
        assert_eq!(number(Lang::Fi, d("-1234567.5")), "-1 234 567,5");
        assert_eq!(number(Lang::Fi, d("999")), "999");
        assert_eq!(number(Lang::En, d("1234.50")), "1234.50");
    }

    #[test]
    fn a_template_is_filled_once_and_a_value_holding_a_placeholder_stays_as_it_is() {
        let filled = fill(Lang::En, Msg::BuyerProvider, &[&"{1}", &"TE {x}"]);
        assert_eq!(filled, "Buyer: {1}   Provider: TE {x}");
        assert_eq!(fill(Lang::Fi, Msg::Months, &[&6]), "6 kk");
    }

    #[test]
    fn every_reason_code_has_a_finnish_explanation_and_english_shows_the_code() {
        for code in [
            "not_achieved",
            "not_yet_due",
            "achieved_after_as_of",
            "requires",
            "excluded_by",
            "no_tariff",
            "max_reached",
            "capped",
            "not_eligible",
        ] {
            let fi = reason(Lang::Fi, code);
            assert!(fi.ends_with(&format!(" ({code})")) && fi.len() > code.len() + 3, "{fi}");
            assert_eq!(reason(Lang::En, code), code);
        }
    }

    #[test]
    fn percentages_and_dates_follow_the_language() {
        assert_eq!(percent(Lang::Fi, d("0.123"), 1), "12,3 %");
        assert_eq!(percent(Lang::En, d("0.4286"), 2), "42.86 %");
        let day = NaiveDate::from_ymd_opt(2027, 6, 30).unwrap();
        assert_eq!((date(Lang::Fi, day), date(Lang::En, day)), ("30.6.2027".into(), "2027-06-30".into()));
    }
}
