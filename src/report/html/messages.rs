//! Every text of the HTML report in Finnish and English, in one table.
//!
//! Kept apart from `locale`'s table of the text outputs: the report has
//! its own headings and the plain-words explanations a board member
//! reads; numbers and dates still come from `locale`.

use crate::effectiveness::stats::NoEstimate;
use crate::effectiveness::Undefined;
use crate::locale::Lang;

/// A text of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    ReportTitle,
    Contract,
    Buyer,
    Provider,
    AsOf,
    Inputs,
    ContractFile,
    RulesFile,
    RecordsFile,
    ContractVersion,
    Program,
    Fingerprint,
    Payments,
    PaymentsLead,
    Gross,
    Net,
    Vat,
    Withheld,
    WithheldLead,
    Lines,
    Item,
    Total,
    ByItem,
    ByMonth,
    Month,
    MonthChartTitle,
    MonthChartAxis,
    NoPayments,
    Indicators,
    Indicator,
    Participants,
    Comparison,
    Rate,
    Interval,
    Difference,
    RelativeRisk,
    Target,
    Met,
    Yes,
    No,
    NoComparison,
    RateChart,
    RateChartTitle,
    RateChartAxis,
    TargetMarker,
    ChangeMeter,
    ChangeMeterLead,
    Dimension,
    Group,
    Paired,
    Before,
    After,
    Change,
    EffectSize,
    Improved,
    NoMeasurements,
    Satisfaction,
    SatisfactionLead,
    Respondents,
    ResponseRate,
    MeanSatisfaction,
    Answers,
    Cost,
    CostLead,
    PerParticipant,
    Outcomes,
    PerOutcome,
    PerAdditionalOutcome,
    NoCost,
    Composite,
    CompositeLead,
    Score,
    Weight,
    Achievement,
    Contribution,
    NoComposite,
    Municipalities,
    MunicipalitiesLead,
    Suppressed,
    NoMunicipalities,
    HowToRead,
    HowInterval,
    HowComparison,
    HowDifference,
    HowSuppression,
    HowComposite,
    HowCost,
    IndicatorsLead,
    Weighted,
    Points,
}

/// The text of `m` in `lang`.
pub fn text(lang: Lang, m: Msg) -> &'static str {
    let (fi, en) = pair(m);
    match lang {
        Lang::Fi => fi,
        Lang::En => en,
    }
}

fn pair(m: Msg) -> (&'static str, &'static str) {
    match m {
        Msg::ReportTitle => ("Tulokset ja vaikuttavuus", "Results and effectiveness"),
        Msg::Contract => ("Sopimus", "Contract"),
        Msg::Buyer => ("Tilaaja", "Buyer"),
        Msg::Provider => ("Palveluntuottaja", "Provider"),
        Msg::AsOf => ("Tilanne", "As of"),
        Msg::Inputs => ("Lähtötiedot ja tarkisteet (SHA-256)", "Inputs and fingerprints (SHA-256)"),
        Msg::ContractFile => ("sopimustiedosto", "contract file"),
        Msg::RulesFile => ("sääntökirjasto", "rule library"),
        Msg::RecordsFile => ("asiakastiedot", "records"),
        Msg::ContractVersion => ("sopimuksen versio", "contract version"),
        Msg::Program => ("ohjelma", "program"),
        Msg::Fingerprint => ("tarkiste", "fingerprint"),
        Msg::Payments => ("Maksut", "Payments"),
        Msg::PaymentsLead => (
            "Maksuerittely tilannepäivään asti, kiinteät maksut mukaan lukien. Brutto = netto katon jälkeen + ALV: se, mitä tilaaja maksaa.",
            "The payment statement up to the as-of date, fixed fees included. Gross = net after caps + VAT: what the buyer pays.",
        ),
        Msg::Gross => ("brutto", "gross"),
        Msg::Net => ("netto", "net"),
        Msg::Vat => ("ALV", "VAT"),
        Msg::Withheld => ("kattojen pidättämä", "withheld by caps"),
        Msg::WithheldLead => (
            "Kattojen pidättämä osuus ei sisälly nettoon eikä bruttoon.",
            "What caps withheld is in neither net nor gross.",
        ),
        Msg::Lines => ("rivit", "lines"),
        Msg::Item => ("maksuerä", "item"),
        Msg::Total => ("yhteensä", "total"),
        Msg::ByItem => ("Maksuerittäin", "By item"),
        Msg::ByMonth => ("Kuukausittain", "By month"),
        Msg::Month => ("kuukausi", "month"),
        Msg::MonthChartTitle => (
            "Maksut kuukausittain (brutto), saavutuspäivän mukaan",
            "Payments by month (gross), by the day each was achieved",
        ),
        Msg::MonthChartAxis => ("brutto", "gross"),
        Msg::NoPayments => ("Ei maksuja tilannepäivään mennessä.", "No payments up to the as-of date."),
        Msg::Indicators => ("Vaikuttavuusmittarit", "Effectiveness indicators"),
        Msg::Indicator => ("mittari", "indicator"),
        Msg::Participants => ("osallistujat", "participants"),
        Msg::Comparison => ("verrokit", "comparison group"),
        Msg::Rate => ("osuus", "rate"),
        Msg::Interval => ("95 %:n väli", "95 % interval"),
        Msg::Difference => ("ero (%-yks.)", "difference (pp)"),
        Msg::RelativeRisk => ("suhteellinen riski", "relative risk"),
        Msg::Target => ("tavoite", "target"),
        Msg::Met => ("saavutettu", "met"),
        Msg::Yes => ("kyllä", "yes"),
        Msg::No => ("ei", "no"),
        Msg::NoComparison => (
            "Aineistossa ei ole verrokkiryhmää: ei vertailua eikä eroa.",
            "The records have no comparison group: no comparison, no difference.",
        ),
        Msg::RateChart => ("Osuudet: osallistujat ja verrokit", "Rates: participants and comparison group"),
        Msg::RateChartTitle => (
            "Mittarien osuudet, osallistujat ja verrokkiryhmä, 95 %:n välit",
            "Indicator rates, participants and comparison group, with 95 % intervals",
        ),
        Msg::RateChartAxis => ("osuus tukikelpoisista, %", "share of eligible records, %"),
        Msg::TargetMarker => ("tavoite", "target"),
        Msg::ChangeMeter => ("Asiakasmuutosmittari", "Customer change meter"),
        Msg::ChangeMeterLead => (
            "Ensimmäinen ja viimeinen pistemäärä ulottuvuuksittain niillä, jotka on mitattu kahtena eri päivänä. Yhden kerran mitattu ei ole ”ei muutosta” vaan puuttuva tieto.",
            "First and last score by dimension, for records measured on two different days. A record measured once is missing, not “no change”.",
        ),
        Msg::Dimension => ("ulottuvuus", "dimension"),
        Msg::Group => ("ryhmä", "group"),
        Msg::Paired => ("mitattu kahdesti", "measured twice"),
        Msg::Before => ("alussa", "first"),
        Msg::After => ("lopussa", "last"),
        Msg::Change => ("muutos", "change"),
        Msg::EffectSize => ("vaikutuksen koko", "effect size"),
        Msg::Improved => ("parantuneet", "improved"),
        Msg::NoMeasurements => ("Ei muutosmittarin mittauksia.", "No change meter measurements."),
        Msg::Satisfaction => ("Asiakastyytyväisyys", "Customer satisfaction"),
        Msg::SatisfactionLead => (
            "Kunkin viimeisin palaute palvelun alusta tilannepäivään (1–5) verrattuna tavoitteeseen.",
            "Each record's latest feedback from the service start to the as-of date (1–5), against the target.",
        ),
        Msg::Respondents => ("vastanneet", "respondents"),
        Msg::ResponseRate => ("vastausosuus", "response rate"),
        Msg::MeanSatisfaction => ("keskiarvo", "mean"),
        Msg::Answers => ("vastaukset 1 / 2 / 3 / 4 / 5", "answers 1 / 2 / 3 / 4 / 5"),
        Msg::Cost => ("Kustannus tulosta kohden", "Cost per outcome"),
        Msg::CostLead => (
            "Maksettu brutto jaettuna: tukikelpoisilla osallistujilla, saavutetuilla tuloksilla ja tuloksilla, jotka ylittävät verrokkiryhmän osuuden. Pyöristetty kerran sopimuksen pyöristyssäännöllä.",
            "Gross paid divided by eligible participants, by outcomes achieved, and by outcomes beyond the comparison group's rate. Rounded once with the contract's rounding.",
        ),
        Msg::PerParticipant => ("per tukikelpoinen osallistuja", "per eligible participant"),
        Msg::Outcomes => ("tulokset", "outcomes"),
        Msg::PerOutcome => ("per tulos", "per outcome"),
        Msg::PerAdditionalOutcome => ("per lisätulos", "per additional outcome"),
        Msg::NoCost => ("Kustannusta ei laskettu.", "No cost was computed."),
        Msg::Composite => ("Kokonaispisteet", "Composite score"),
        Msg::CompositeLead => (
            "Kunkin painotetun mittarin osuus pisteistä = paino × min(1, osuus / tavoite) × 100 / painojen summa; pisteet ovat osuuksien summa.",
            "Each weighted indicator contributes weight × min(1, rate / target) × 100 / Σ weights; the score is the sum of the contributions.",
        ),
        Msg::Score => ("pisteet", "score"),
        Msg::Weight => ("paino", "weight"),
        Msg::Achievement => ("toteuma", "achievement"),
        Msg::Contribution => ("osuus pisteistä", "contribution"),
        Msg::NoComposite => ("Sopimuksen mittareilla ei ole painoja.", "No indicator of the contract has a weight."),
        Msg::Municipalities => ("Kuntakortit", "Municipality cards"),
        Msg::MunicipalitiesLead => (
            "Mittarit kunnittain. Pienet solut on salattu, jotta kukaan ei ole tunnistettavissa; salatusta solusta ei näytetä lukuja.",
            "Indicators by municipality. Small cells are suppressed so that no one can be recognised; a suppressed cell shows no figures.",
        ),
        Msg::Suppressed => ("salattu", "suppressed"),
        Msg::NoMunicipalities => ("Ei kuntatietoja.", "No municipalities in the records."),
        Msg::HowToRead => ("Näin luet raporttia", "How to read this"),
        Msg::HowInterval => (
            "95 %:n väli: pienestä joukosta laskettu osuus on epävarma. Väli kertoo, mitkä todelliset osuudet sopivat aineistoon. Mitä vähemmän ihmisiä, sitä leveämpi väli.",
            "95 % interval: a rate from a small group is uncertain. The interval is the range of true rates that fit the data. The fewer people, the wider it is.",
        ),
        Msg::HowComparison => (
            "Verrokkiryhmä: samankaltaisia ihmisiä, jotka eivät olleet palvelussa. Heidän osuutensa kertoo, mitä olisi tapahtunut ilman palvelua.",
            "Comparison group: similar people who were not in the service. Their rate shows what would have happened without it.",
        ),
        Msg::HowDifference => (
            "Ero: osallistujien osuus miinus verrokkien osuus prosenttiyksikköinä. Jos eron väli sisältää nollan, aineisto ei osoita palvelun tehneen eroa.",
            "Difference: the participants' rate minus the comparison group's, in percentage points. When its interval includes 0, the data do not show that the service made a difference.",
        ),
        Msg::HowSuppression => (
            "Salaus: solua, jossa on liian vähän ihmisiä, ei näytetä. Myös toinen solu salataan, jos salattu luku voitaisiin muuten päätellä kokonaisluvuista.",
            "Suppression: a cell with too few people is not shown. A further cell is suppressed when the hidden figure could otherwise be worked out from the totals.",
        ),
        Msg::HowComposite => (
            "Kokonaispisteet (0–100) kertovat, miten lähellä tavoitteita osallistujat ovat; tavoitteen ylitys ei tuo lisäpisteitä.",
            "The composite score (0–100) says how close participants are to the targets; exceeding a target earns nothing extra.",
        ),
        Msg::HowCost => (
            "Kustannus per lisätulos: maksettu brutto jaettuna tuloksilla, jotka ylittävät sen, mitä verrokkiryhmän osuus olisi antanut.",
            "Cost per additional outcome: gross paid divided by the outcomes beyond what the comparison group's rate would have given.",
        ),
        Msg::IndicatorsLead => (
            "Osuus: tukikelpoisista ne, jotka saavuttivat tuloksen tilannepäivään mennessä (95 %:n Wilsonin väli). Ero: osallistujat − verrokit prosenttiyksikköinä (Newcomben väli). Suhteellinen riski: osallistujien osuus / verrokkien osuus (Katzin log-väli).",
            "Rate: the share of eligible records that achieved the outcome by the as-of date (95 % Wilson interval). Difference: participants − comparison group in percentage points (Newcombe interval). Relative risk: participants' rate / the comparison group's rate (Katz log interval).",
        ),
        Msg::Weighted => (
            "Painotettu: henkilöillä on painot (esim. kaltaistamisesta); välit käyttävät efektiivistä otoskokoa.",
            "Weighted: records carry weights (e.g. from matching); intervals use the effective sample size.",
        ),
        Msg::Points => ("%-yks.", "pp"),
    }
}

/// A month's name: `tammikuu` / `January` (`short`: `tammi` / `Jan`).
pub fn month_name(lang: Lang, month: u32, short: bool) -> &'static str {
    const FI: [&str; 12] = [
        "tammikuu",
        "helmikuu",
        "maaliskuu",
        "huhtikuu",
        "toukokuu",
        "kesäkuu",
        "heinäkuu",
        "elokuu",
        "syyskuu",
        "lokakuu",
        "marraskuu",
        "joulukuu",
    ];
    const FI_SHORT: [&str; 12] =
        ["tammi", "helmi", "maalis", "huhti", "touko", "kesä", "heinä", "elo", "syys", "loka", "marras", "joulu"];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const EN_SHORT: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let names = match (lang, short) {
        (Lang::Fi, false) => FI,
        (Lang::Fi, true) => FI_SHORT,
        (Lang::En, false) => EN,
        (Lang::En, true) => EN_SHORT,
    };
    // chrono months are 1–12.
    names[(month.clamp(1, 12) - 1) as usize]
}

/// Why a rate or mean was not estimated.
pub fn no_estimate(lang: Lang, reason: NoEstimate) -> &'static str {
    let (fi, en) = match reason {
        NoEstimate::NoRecords => ("ei tukikelpoisia henkilöitä", "no eligible records"),
        NoEstimate::TooFewRecords => ("alle kaksi arvoa: hajontaa ei voi arvioida", "fewer than two values: no spread"),
        NoEstimate::NoVariation => ("kaikki arvot samat: hajontaa ei ole", "every value the same: no spread"),
    };
    pick(lang, fi, en)
}

/// Why a ratio (relative risk, a cost, the composite score) is not defined.
pub fn undefined(lang: Lang, reason: Undefined) -> &'static str {
    let (fi, en) = match reason {
        Undefined::NoRecords => ("ei tukikelpoisia henkilöitä", "no eligible records"),
        Undefined::ControlRateZero => ("verrokkien osuus on 0", "the comparison group's rate is 0"),
        Undefined::ParticipantRateZero => ("kukaan osallistujista ei saavuttanut", "no participant achieved it"),
        Undefined::NoControlGroup => ("ei verrokkiryhmää", "no comparison group"),
        Undefined::NoAdditionalOutcomes => {
            ("ei lisätuloksia verrokkeihin nähden", "no additional outcomes over the comparison group")
        }
        Undefined::NoOutcomes => ("ei tuloksia", "no outcomes"),
        Undefined::NoParticipants => ("ei tukikelpoisia osallistujia", "no eligible participants"),
        Undefined::TooLarge => ("liian suuri laskettavaksi", "too large to compute"),
    };
    pick(lang, fi, en)
}

/// A change-meter dimension's name, for the dimensions the shipped
/// contracts use; other dimensions show their id.
pub fn dimension(lang: Lang, id: &str) -> Option<&'static str> {
    let (fi, en) = match id {
        "work_ability" => ("työkyky", "work ability"),
        "job_search" => ("työnhaku", "job search"),
        "skills" => ("osaaminen", "skills"),
        "life_management" => ("elämänhallinta", "life management"),
        _ => return None,
    };
    Some(pick(lang, fi, en))
}

fn pick(lang: Lang, fi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Fi => fi,
        Lang::En => en,
    }
}
