//! Properties every statement must have, over generated contracts and
//! records.
//!
//! A case is a contract (written as TOML text from one template with
//! generated tariffs, dated tariff versions, a decision table, factors,
//! caps, rounding, VAT, fixed fees, `requires` and `exclusive`) and a dozen
//! participant records in its vocabulary (spells, earnings, events), written
//! as JSON Lines, as the same lines shuffled, and as CSV folders in both
//! dialects. Every case is read through the library exactly as `tulos
//! calculate` reads it.
//!
//! The properties are those of issue 6: totals are exact sums of lines;
//! `net = amount − withheld` and `gross = net + vat` on every line; no cap is
//! exceeded; line identities are unique; the statement depends neither on
//! record order nor on the records' format; every eligible participant ×
//! item has a line or a reason; billing periods that partition the time line
//! give exactly the whole statement's lines.
//!
//! Bounded to run in seconds in a debug build: 48 cases per property, small
//! records, few shrink steps. `PROPTEST_CASES=1000 cargo test --test
//! properties` runs a longer campaign.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{Datelike, Days, Months, NaiveDate};
use proptest::prelude::*;
use proptest::test_runner::Config;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use tulos::contract::{self, Contract, ItemKind};
use tulos::payment::{self, Evaluator, Request};
use tulos::statement::{Cap, Period, Statement};
use tulos::{records, report};

const CONTRACT_ID: &str = "PT-2026-01";
const OTHER_CONTRACT: &str = "PT-OTHER-9";
const GROUPS: [&str; 3] = ["long_term_unemployed", "youth", "immigrant"];
const MUNICIPALITIES: [&str; 3] = ["Jämsä", "Jyväskylä", "Äänekoski"];
const SPELL_KINDS: [&str; 4] = ["employment", "subsidised_employment", "education", "unemployment"];
const EVENT_KINDS: [&str; 2] = ["qualification", "work_trial_start"];
/// Eligible service starts (the contract's `[eligibility] service_start`).
const ELIGIBLE_FROM: (i32, u32, u32) = (2026, 1, 1);
const ELIGIBLE_TO: (i32, u32, u32) = (2026, 12, 31);

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// `offset` days after 2025-10-01, the earliest service start generated.
fn day(offset: u64) -> NaiveDate {
    ymd((2025, 10, 1)) + Days::new(offset)
}

/// Cents as a decimal string with two decimals: `123456` → `1234.56`.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

// ---------------------------------------------------------------------------
// The generated contract

#[derive(Debug, Clone)]
enum JobTariff {
    Fixed(i64),
    /// Two dated versions; with `gap`, nothing is in force in July 2026.
    Dated {
        first: i64,
        second: i64,
        gap: bool,
    },
}

#[derive(Debug, Clone)]
enum FeeAmount {
    Amount(i64),
    /// Tenths of a percent of the contract value.
    PercentTenths(u32),
}

#[derive(Debug, Clone)]
struct FixedFee {
    amount: FeeAmount,
    monthly: bool,
}

#[derive(Debug, Clone)]
struct Qualification {
    /// `None`: the tariff comes from a decision table by group.
    tariff: Option<i64>,
    table: (i64, i64),
    cap_total: Option<i64>,
    /// A condition: not paid to participants in the `immigrant` group.
    not_immigrants: bool,
}

#[derive(Debug, Clone)]
struct Multiplier {
    group: usize,
    /// Factor in hundredths: 125 → `1.25`.
    factor: u32,
    job_entry_only: bool,
}

#[derive(Debug, Clone)]
struct Terms {
    scale: u32,
    mode: &'static str,
    vat: &'static str,
    combine: &'static str,
    /// Contract value in thousands of euros.
    value_thousands: i64,
    start_fee: Option<(i64, Option<i64>)>,
    fixed_fee: Option<FixedFee>,
    job_tariff: JobTariff,
    job_cap: Option<i64>,
    qualification: Option<Qualification>,
    /// (tariff, step in days, max per participant).
    in_work: Option<(i64, u32, u32)>,
    /// (tariff, earnings threshold).
    earnings: Option<(i64, i64)>,
    exclusive: bool,
    multipliers: Vec<Multiplier>,
    per_participant: Option<i64>,
    contract_total: Option<i64>,
    groups_any: Option<Vec<usize>>,
}

impl Terms {
    /// Ids of the items paid per participant, in contract order.
    fn items(&self) -> Vec<&'static str> {
        let mut items = Vec::new();
        if self.start_fee.is_some() {
            items.push("start_fee");
        }
        items.push("job_entry");
        if self.qualification.is_some() {
            items.push("qualification");
        }
        if self.in_work.is_some() {
            items.push("in_work");
        }
        if self.earnings.is_some() {
            items.push("earnings");
        }
        items
    }

    fn item_cap(&self, item: &str) -> Option<i64> {
        match item {
            "start_fee" => self.start_fee.and_then(|(_, cap)| cap),
            "job_entry" => self.job_cap,
            "qualification" => self.qualification.as_ref().and_then(|q| q.cap_total),
            _ => None,
        }
    }

    fn toml(&self) -> String {
        let mut t = String::new();
        let _ = write!(
            t,
            r#"[contract]
id = "{CONTRACT_ID}"
title = {{ fi = "Ominaisuustesti", en = "Property test" }}
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = {{ from = 2026-01-01, to = 2026-12-31 }}
value = "{value}000.00"
vat_percent = "{vat}"
rounding = {{ scale = {scale}, mode = "{mode}" }}
multipliers = "{combine}"
target_groups = ["long_term_unemployed", "youth", "immigrant"]
event_kinds = ["qualification", "work_trial_start"]

[eligibility]
clause = "§ 3"
service_start = {{ from = 2026-01-01, to = 2026-12-31 }}
"#,
            value = self.value_thousands,
            vat = self.vat,
            scale = self.scale,
            mode = self.mode,
            combine = self.combine,
        );
        if let Some(groups) = &self.groups_any {
            let _ = writeln!(t, "groups_any = [{}]", quoted(groups.iter().map(|g| GROUPS[*g])));
        }
        if let Some((tariff, cap)) = self.start_fee {
            let _ = writeln!(
                t,
                "\n[start_fee]\nname = {{ fi = \"Aloitus\", en = \"Start\" }}\ntariff = \"{}\"",
                money(tariff)
            );
            if let Some(cap) = cap {
                let _ = writeln!(t, "cap_total = \"{}\"", money(cap));
            }
        }
        if let Some(fee) = &self.fixed_fee {
            let _ = writeln!(t, "\n[[fixed_fee]]\nid = \"delivery\"\nname = {{ fi = \"Palvelu\", en = \"Delivery\" }}");
            match fee.amount {
                FeeAmount::Amount(c) => {
                    let _ = writeln!(t, "amount = \"{}\"", money(c));
                }
                FeeAmount::PercentTenths(p) => {
                    let _ = writeln!(t, "percent_of_value = \"{}.{}\"", p / 10, p % 10);
                }
            }
            let _ = writeln!(t, "every = \"{}\"", if fee.monthly { "month" } else { "once" });
        }
        let _ = writeln!(
            t,
            "\n[[outcome]]\nid = \"job_entry\"\nname = {{ fi = \"Työ\", en = \"Job\" }}\nclause = \"§ 6.1\"\n\
             achieved_on = 'p.first_day_in(\"employment\", p.service_start, p.service_start.add_months(9))'"
        );
        match self.job_tariff {
            JobTariff::Fixed(c) => {
                let _ = writeln!(t, "tariff = \"{}\"", money(c));
            }
            JobTariff::Dated { first, second, gap } => {
                let second_from = if gap { "2026-08-01" } else { "2026-07-01" };
                let _ = writeln!(
                    t,
                    "tariff = [\n  {{ from = 2026-01-01, to = 2026-06-30, amount = \"{}\", clause = \"§ 6.1\" }},\n  \
                     {{ from = {second_from}, amount = \"{}\", clause = \"Muutos 1\" }},\n]",
                    money(first),
                    money(second)
                );
            }
        }
        if let Some(cap) = self.job_cap {
            let _ = writeln!(t, "cap_total = \"{}\"", money(cap));
        }
        if let Some(q) = &self.qualification {
            let _ = writeln!(
                t,
                "\n[[outcome]]\nid = \"qualification\"\nname = {{ fi = \"Tutkinto\", en = \"Qualification\" }}\n\
                 achieved_on = 'p.first_event(\"qualification\", p.service_start, p.service_start.add_months(12))'"
            );
            if q.not_immigrants {
                let _ = writeln!(t, "condition = '!p.in_group(\"immigrant\")'");
            }
            match q.tariff {
                Some(c) => {
                    let _ = writeln!(t, "tariff = \"{}\"", money(c));
                }
                None => {
                    let _ = writeln!(t, "tariff = {{ table = \"qualification_tariff\" }}");
                }
            }
            if let Some(cap) = q.cap_total {
                let _ = writeln!(t, "cap_total = \"{}\"", money(cap));
            }
        }
        if let Some((tariff, step, max)) = self.in_work {
            let _ = writeln!(
                t,
                "\n[[outcome]]\nid = \"in_work\"\nname = {{ fi = \"Työssä\", en = \"In work\" }}\n\
                 requires = [\"job_entry\"]\n\
                 achieved_on = 'p.continuous_milestones(\"employment\", achieved.job_entry.add_days(1), {step}, 6)'\n\
                 max_per_participant = {max}\ntariff = \"{}\"",
                money(tariff)
            );
        }
        if let Some((tariff, threshold)) = self.earnings {
            let _ = writeln!(
                t,
                "\n[[outcome]]\nid = \"earnings\"\nname = {{ fi = \"Ansiot\", en = \"Earnings\" }}\n\
                 achieved_on = 'p.earnings_threshold_date(p.service_start, p.service_start.add_months(12), \
                 dec(\"{}\"))'\ntariff = \"{}\"",
                money(threshold),
                money(tariff)
            );
        }
        if self.exclusive && self.qualification.is_some() {
            let _ = writeln!(t, "\n[[exclusive]]\noutcomes = [\"job_entry\", \"qualification\"]\nclause = \"§ 7\"");
        }
        for (n, m) in self.multipliers.iter().enumerate() {
            let _ = writeln!(
                t,
                "\n[[multiplier]]\nid = \"m{n}\"\nwhen = {{ groups_any = [\"{}\"] }}\nfactor = \"{}.{:02}\"",
                GROUPS[m.group],
                m.factor / 100,
                m.factor % 100
            );
            if m.job_entry_only {
                let _ = writeln!(t, "outcomes = [\"job_entry\"]");
            }
        }
        if self.per_participant.is_some() || self.contract_total.is_some() {
            let _ = writeln!(t, "\n[caps]");
            if let Some(c) = self.per_participant {
                let _ = writeln!(t, "per_participant = \"{}\"", money(c));
            }
            if let Some(c) = self.contract_total {
                let _ = writeln!(t, "contract_total = \"{}\"", money(c));
            }
        }
        if let Some(q) = &self.qualification {
            let _ = writeln!(
                t,
                "\n[tables.qualification_tariff]\nhit_policy = \"first\"\n\
                 inputs = [ {{ name = \"group\", from = \"groups\", type = \"text_set\" }} ]\n\
                 outputs = [ {{ name = \"tariff\", type = \"number\" }} ]\n\
                 rows = [ [ \"youth\", \"{}\" ], [ \"-\", \"{}\" ] ]",
                money(q.table.0),
                money(q.table.1)
            );
        }
        t
    }
}

fn quoted<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
}

fn tariff() -> impl Strategy<Value = i64> {
    // Odd cents too, so rounding at scale 0 and 1 has work to do.
    prop_oneof![3 => (1..40i64).prop_map(|h| h * 5000), 1 => 1..250_000i64]
}

fn job_tariff() -> impl Strategy<Value = JobTariff> {
    prop_oneof![
        tariff().prop_map(JobTariff::Fixed),
        (tariff(), tariff(), any::<bool>()).prop_map(|(first, second, gap)| JobTariff::Dated { first, second, gap }),
    ]
}

fn fixed_fee() -> impl Strategy<Value = FixedFee> {
    let amount = prop_oneof![tariff().prop_map(FeeAmount::Amount), (1..30u32).prop_map(FeeAmount::PercentTenths)];
    (amount, any::<bool>()).prop_map(|(amount, monthly)| FixedFee { amount, monthly })
}

fn qualification() -> impl Strategy<Value = Qualification> {
    (proptest::option::of(tariff()), (tariff(), tariff()), proptest::option::of(tariff()), any::<bool>()).prop_map(
        |(tariff, table, cap_total, not_immigrants)| Qualification { tariff, table, cap_total, not_immigrants },
    )
}

fn multiplier() -> impl Strategy<Value = Multiplier> {
    (0..GROUPS.len(), 100..260u32, any::<bool>()).prop_map(|(group, factor, job_entry_only)| Multiplier {
        group,
        factor,
        job_entry_only,
    })
}

fn terms() -> impl Strategy<Value = Terms> {
    let presentation = (
        0..=3u32,
        prop::sample::select(vec!["half_away_from_zero", "half_even", "down"]),
        prop::sample::select(vec!["0", "10", "14", "25.5"]),
        prop::sample::select(vec!["highest", "product"]),
        10..200i64,
    );
    let items = (
        proptest::option::of((tariff(), proptest::option::of(tariff()))),
        proptest::option::of(fixed_fee()),
        job_tariff(),
        proptest::option::of(tariff()),
        proptest::option::of(qualification()),
        proptest::option::of((tariff(), prop::sample::select(vec![14u32, 28, 30]), 1..=6u32)),
        proptest::option::of((tariff(), 1..600_000i64)),
        any::<bool>(),
    );
    let limits = (
        proptest::collection::vec(multiplier(), 0..3),
        proptest::option::of(100_000..800_000i64),
        proptest::option::of(100_000..3_000_000i64),
        proptest::option::of(proptest::sample::subsequence(vec![0usize, 1, 2], 1..=2)),
    );
    (presentation, items, limits).prop_map(
        |(
            (scale, mode, vat, combine, value_thousands),
            (start_fee, fixed_fee, job_tariff, job_cap, qualification, in_work, earnings, exclusive),
            (multipliers, per_participant, contract_total, groups_any),
        )| Terms {
            scale,
            mode,
            vat,
            combine,
            value_thousands,
            start_fee,
            fixed_fee,
            job_tariff,
            job_cap,
            qualification,
            in_work,
            earnings,
            exclusive,
            multipliers,
            per_participant,
            contract_total,
            groups_any,
        },
    )
}

// ---------------------------------------------------------------------------
// The generated records

#[derive(Debug, Clone, Copy, PartialEq)]
enum Membership {
    /// No `contract` field: the contract being evaluated.
    Absent,
    This,
    Other,
}

#[derive(Debug, Clone)]
struct Spell {
    kind: usize,
    /// For `employment` only: `Some(true)` writes `sector: subsidised`.
    subsidised_sector: Option<bool>,
    start: NaiveDate,
    end: Option<NaiveDate>,
    hours: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Person {
    id: String,
    control: bool,
    membership: Membership,
    municipality: Option<usize>,
    birth_date: Option<NaiveDate>,
    groups: Vec<usize>,
    start: NaiveDate,
    end: Option<NaiveDate>,
    completed: Option<bool>,
    spells: Vec<Spell>,
    /// (first day of the payment month, cents), months distinct.
    earnings: Vec<(NaiveDate, i64)>,
    events: Vec<(usize, NaiveDate)>,
}

impl Person {
    fn is_paid_participant(&self) -> bool {
        !self.control && self.membership != Membership::Other
    }

    /// Eligible as of `as_of`: a service starting after it is `not_started`.
    fn eligible(&self, terms: &Terms, as_of: NaiveDate) -> bool {
        let period = ymd(ELIGIBLE_FROM)..=ymd(ELIGIBLE_TO);
        let in_groups = terms.groups_any.as_ref().is_none_or(|any| any.iter().any(|g| self.groups.contains(g)));
        self.is_paid_participant() && self.start <= as_of && period.contains(&self.start) && in_groups
    }
}

fn spell(start: NaiveDate) -> impl Strategy<Value = Spell> {
    (
        0..SPELL_KINDS.len(),
        proptest::option::of(any::<bool>()),
        0..460u64,
        proptest::option::of(0..250u64),
        proptest::option::of(prop::sample::select(vec!["37.5", "30", "20"])),
    )
        .prop_map(move |(kind, sector, from, length, hours)| {
            let start = start - Days::new(60) + Days::new(from);
            Spell {
                kind,
                subsidised_sector: if SPELL_KINDS[kind] == "employment" { sector } else { None },
                start,
                end: length.map(|l| start + Days::new(l)),
                hours,
            }
        })
}

fn person() -> impl Strategy<Value = Person> {
    let identity = (
        prop_oneof![8 => Just(false), 1 => Just(true)],
        prop_oneof![4 => Just(Membership::Absent), 4 => Just(Membership::This), 1 => Just(Membership::Other)],
        proptest::option::of(0..MUNICIPALITIES.len()),
        proptest::option::of(0..16_000u64),
        proptest::sample::subsequence(vec![0usize, 1, 2], 0..=3),
    );
    let service = (0..450u64, proptest::option::of(1..300u64), proptest::option::of(any::<bool>()));
    (identity, service).prop_flat_map(|(identity, (start, length, completed))| {
        let start = day(start);
        let history = (
            proptest::collection::vec(spell(start), 0..4),
            proptest::collection::btree_map(0..24u32, -50_000..400_000i64, 0..5),
            proptest::collection::vec((0..EVENT_KINDS.len(), 0..500u64), 0..3),
        );
        (Just(identity), history).prop_map(
            move |((control, membership, municipality, birth, groups), (spells, earnings, events))| Person {
                id: String::new(),
                control,
                membership,
                municipality,
                birth_date: birth.map(|b| ymd((1960, 1, 1)) + Days::new(b)),
                groups,
                start,
                end: length.map(|l| start + Days::new(l)),
                completed,
                spells,
                earnings: earnings.into_iter().map(|(m, cents)| (ymd((2025, 10, 1)) + Months::new(m), cents)).collect(),
                events: events.into_iter().map(|(kind, d)| (kind, start - Days::new(30) + Days::new(d))).collect(),
            },
        )
    })
}

/// People with unique ids (whose order differs from the generation order).
fn people() -> impl Strategy<Value = Vec<Person>> {
    proptest::collection::vec((person(), 0..1000u32), 1..12).prop_map(|people| {
        people
            .into_iter()
            .enumerate()
            .map(|(n, (mut p, tag))| {
                p.id = format!("P-{tag:03}-{n}");
                p
            })
            .collect()
    })
}

fn json_line(p: &Person) -> String {
    let mut o = serde_json::Map::new();
    o.insert("id".into(), json!(p.id));
    match p.membership {
        Membership::Absent => {}
        Membership::This => drop(o.insert("contract".into(), json!(CONTRACT_ID))),
        Membership::Other => drop(o.insert("contract".into(), json!(OTHER_CONTRACT))),
    }
    if p.control {
        o.insert("arm".into(), json!("control"));
    }
    if let Some(m) = p.municipality {
        o.insert("municipality".into(), json!(MUNICIPALITIES[m]));
    }
    if let Some(b) = p.birth_date {
        o.insert("birth_date".into(), json!(b.to_string()));
    }
    if !p.groups.is_empty() {
        o.insert("groups".into(), json!(p.groups.iter().map(|g| GROUPS[*g]).collect::<Vec<_>>()));
    }
    let mut service = json!({ "start": p.start.to_string() });
    if let Some(e) = p.end {
        service["end"] = json!(e.to_string());
    }
    if let Some(c) = p.completed {
        service["completed"] = json!(c);
    }
    o.insert("service".into(), service);
    if !p.spells.is_empty() {
        let spells: Vec<Value> = p
            .spells
            .iter()
            .map(|s| {
                let mut v = json!({ "kind": SPELL_KINDS[s.kind], "start": s.start.to_string(), "end": s.end.map(|e| e.to_string()) });
                if let Some(sub) = s.subsidised_sector {
                    v["sector"] = json!(if sub { "subsidised" } else { "open" });
                }
                if let Some(h) = s.hours {
                    v["hours_per_week"] = json!(h);
                }
                v
            })
            .collect();
        o.insert("spells".into(), json!(spells));
    }
    if !p.earnings.is_empty() {
        let earnings: Vec<Value> = p
            .earnings
            .iter()
            .map(|(m, c)| json!({ "month": format!("{}-{:02}", m.year(), m.month()), "amount": money(*c) }))
            .collect();
        o.insert("earnings".into(), json!(earnings));
    }
    if !p.events.is_empty() {
        let events: Vec<Value> =
            p.events.iter().map(|(k, d)| json!({ "kind": EVENT_KINDS[*k], "date": d.to_string() })).collect();
        o.insert("events".into(), json!(events));
    }
    serde_json::to_string(&Value::Object(o)).expect("serialisable")
}

/// The two CSV dialects of the records format.
#[derive(Debug, Clone, Copy)]
enum Dialect {
    Comma,
    Finnish,
}

impl Dialect {
    fn separator(self) -> char {
        match self {
            Dialect::Comma => ',',
            Dialect::Finnish => ';',
        }
    }

    fn date(self, d: NaiveDate) -> String {
        match self {
            Dialect::Comma => d.to_string(),
            Dialect::Finnish => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        }
    }

    fn month(self, d: NaiveDate) -> String {
        match self {
            Dialect::Finnish if d.month().is_multiple_of(2) => format!("{}.{}", d.month(), d.year()),
            _ => format!("{}-{:02}", d.year(), d.month()),
        }
    }

    /// Finnish: decimal comma, and thousands grouped by a space.
    fn decimal(self, text: &str) -> String {
        match self {
            Dialect::Comma => text.to_string(),
            Dialect::Finnish => {
                let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("-", r));
                let (whole, fraction) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
                let mut grouped = String::new();
                for (n, c) in whole.chars().enumerate() {
                    if n > 0 && (whole.len() - n).is_multiple_of(3) {
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

    fn boolean(self, b: bool) -> &'static str {
        match (self, b) {
            (Dialect::Comma, true) => "true",
            (Dialect::Comma, false) => "false",
            (Dialect::Finnish, true) => "Kyllä",
            (Dialect::Finnish, false) => "ei",
        }
    }

    fn row(self, cells: &[String]) -> String {
        let mut line = cells.join(&self.separator().to_string());
        line.push('\n');
        line
    }

    /// The CSV folder of `people`: participants, spells, earnings, events.
    fn write_folder(self, dir: &Path, people: &[Person]) {
        std::fs::create_dir_all(dir).expect("temp folder");
        let bom = match self {
            Dialect::Comma => "",
            Dialect::Finnish => "\u{feff}",
        };
        let header = |cols: &[&str]| self.row(&cols.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        let mut participants = format!(
            "{bom}{}",
            header(&[
                "id",
                "contract",
                "arm",
                "municipality",
                "birth_date",
                "groups",
                "service_start",
                "service_end",
                "completed"
            ])
        );
        let mut spells = header(&["id", "arm", "kind", "sector", "start", "end", "hours_per_week", "source"]);
        let mut earnings = header(&["id", "arm", "month", "amount"]);
        let mut events = header(&["id", "arm", "kind", "date", "value", "source"]);
        let opt = |v: Option<String>| v.unwrap_or_default();
        for p in people {
            let arm = if p.control { "control" } else { "participant" }.to_string();
            let contract = match p.membership {
                Membership::Absent => String::new(),
                Membership::This => CONTRACT_ID.to_string(),
                Membership::Other => OTHER_CONTRACT.to_string(),
            };
            participants += &self.row(&[
                p.id.clone(),
                contract,
                arm.clone(),
                opt(p.municipality.map(|m| MUNICIPALITIES[m].to_string())),
                opt(p.birth_date.map(|d| self.date(d))),
                p.groups.iter().map(|g| GROUPS[*g]).collect::<Vec<_>>().join("|"),
                self.date(p.start),
                opt(p.end.map(|d| self.date(d))),
                opt(p.completed.map(|c| self.boolean(c).to_string())),
            ]);
            for s in &p.spells {
                spells += &self.row(&[
                    p.id.clone(),
                    arm.clone(),
                    SPELL_KINDS[s.kind].to_string(),
                    opt(s.subsidised_sector.map(|sub| if sub { "subsidised" } else { "open" }.to_string())),
                    self.date(s.start),
                    opt(s.end.map(|d| self.date(d))),
                    opt(s.hours.map(|h| self.decimal(h))),
                    "income_register".to_string(),
                ]);
            }
            for (m, cents) in &p.earnings {
                earnings += &self.row(&[p.id.clone(), arm.clone(), self.month(*m), self.decimal(&money(*cents))]);
            }
            for (kind, d) in &p.events {
                events += &self.row(&[
                    p.id.clone(),
                    arm.clone(),
                    EVENT_KINDS[*kind].to_string(),
                    self.date(*d),
                    String::new(),
                    "provider".to_string(),
                ]);
            }
        }
        for (name, text) in [
            ("participants.csv", participants),
            ("spells.csv", spells),
            ("earnings.csv", earnings),
            ("events.csv", events),
        ] {
            std::fs::write(dir.join(name), text).expect("writing a CSV table");
        }
    }
}

// ---------------------------------------------------------------------------
// Running a case through the library

/// A folder under the system temp folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!("tulos-properties-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("temp folder");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One generated case written to disk and loaded.
struct Case {
    scratch: Scratch,
    contract: Contract,
}

impl Case {
    fn new(terms: &Terms) -> Self {
        let scratch = Scratch::new();
        let path = scratch.0.join("contract.toml");
        std::fs::write(&path, terms.toml()).expect("writing the contract");
        let contract = contract::load(&path).unwrap_or_else(|d| panic!("generated contract refused: {:#?}", d.0));
        Case { scratch, contract }
    }

    fn write_jsonl(&self, name: &str, people: &[Person], order: &[usize]) -> PathBuf {
        let path = self.scratch.0.join(name);
        let text: String = order.iter().map(|i| json_line(&people[*i]) + "\n").collect();
        std::fs::write(&path, text).expect("writing JSON Lines");
        path
    }

    fn write_csv(&self, name: &str, people: &[Person], dialect: Dialect) -> PathBuf {
        let path = self.scratch.0.join(name);
        dialect.write_folder(&path, people);
        path
    }

    fn statement(&self, records: &Path, as_of: NaiveDate, period: Option<Period>) -> Statement {
        self.try_statement(records, as_of, period)
            .unwrap_or_else(|e| panic!("calculating over {}: {e}", records.display()))
    }

    /// The statement, or why the records were refused.
    fn try_statement(&self, records: &Path, as_of: NaiveDate, period: Option<Period>) -> Result<Statement, String> {
        let ev = Evaluator::new(&self.contract).unwrap_or_else(|d| panic!("{:#?}", d.0));
        let reader = records::open(records).map_err(|d| format!("{d:?}"))?;
        let inputs = payment::fingerprint(&self.contract, records).map_err(|e| e.to_string())?;
        payment::calculate(&self.contract, &ev, reader, inputs, Request { as_of, period })
            .map_err(|e| format!("{e:#?}"))
    }
}

/// The statement as JSON, without the input fingerprints (which name and
/// hash the files, so differ between formats by design).
fn canonical(s: &Statement) -> Value {
    let mut out = Vec::new();
    report::write_json(s, &mut out).expect("writing to memory");
    let mut v: Value = serde_json::from_slice(&out).expect("the statement is JSON");
    v.as_object_mut().expect("an object").remove("inputs");
    v
}

fn as_of() -> impl Strategy<Value = NaiveDate> {
    prop::sample::select(vec![ymd((2026, 6, 30)), ymd((2026, 12, 31)), ymd((2027, 6, 30)), ymd((2027, 12, 31))])
}

fn config() -> Config {
    Config { cases: 48, max_shrink_iters: 256, failure_persistence: None, ..Config::default() }
}

// ---------------------------------------------------------------------------
// Checks

type Sums = BTreeMap<String, [Decimal; 5]>;

fn add_to(sums: &mut Sums, key: &str, l: &tulos::statement::Line) {
    let s = sums.entry(key.to_string()).or_insert([Decimal::ZERO; 5]);
    for (slot, v) in s.iter_mut().zip([l.amount, l.withheld, l.net, l.vat, l.gross]) {
        *slot += v;
    }
}

fn amounts(a: &tulos::statement::Amounts) -> [Decimal; 5] {
    [a.amount, a.withheld, a.net, a.vat, a.gross]
}

fn totals_equal_sums_of_lines(s: &Statement) {
    let (mut overall, mut by_item, mut by_municipality, mut by_group) =
        (Sums::new(), Sums::new(), Sums::new(), Sums::new());
    for l in &s.lines {
        add_to(&mut overall, "", l);
        add_to(&mut by_item, &l.id.item, l);
        if l.kind != ItemKind::FixedFee {
            add_to(&mut by_municipality, l.municipality.as_deref().unwrap_or("(unknown)"), l);
        }
        for g in l.groups.iter() {
            add_to(&mut by_group, g, l);
        }
    }
    let zero = [Decimal::ZERO; 5];
    assert_eq!(amounts(&s.totals.overall), overall.get("").copied().unwrap_or(zero), "overall totals");
    assert_eq!(s.totals.overall.lines, s.lines.len() as u64);
    let stated = |m: &BTreeMap<std::sync::Arc<str>, tulos::statement::Amounts>| -> Sums {
        m.iter().map(|(k, a)| (k.to_string(), amounts(a))).collect()
    };
    assert_eq!(stated(&s.totals.by_item), by_item, "totals by item");
    assert_eq!(stated(&s.totals.by_municipality), by_municipality, "totals by municipality");
    assert_eq!(stated(&s.totals.by_group), by_group, "totals by group");
}

fn lines_add_up(s: &Statement) {
    let vat_rate = s.vat_percent / Decimal::ONE_HUNDRED;
    for l in &s.lines {
        assert!(l.withheld >= Decimal::ZERO, "{:?} withholds {}", l.id, l.withheld);
        assert!(l.net >= Decimal::ZERO, "{:?} pays {}", l.id, l.net);
        assert_eq!(l.net, l.amount - l.withheld, "{:?}: net = amount − withheld", l.id);
        assert_eq!(l.gross, l.net + l.vat, "{:?}: gross = net + vat", l.id);
        assert_eq!(l.amount, s.rounding.apply(l.tariff * l.multiplier), "{:?}: amount = round(tariff × factor)", l.id);
        assert_eq!(l.vat, s.rounding.apply(l.net * vat_rate), "{:?}: vat = round(net × rate)", l.id);
        let held: Decimal = l.withheld_by.iter().map(|h| h.amount).sum();
        assert_eq!(held, l.withheld, "{:?}: what each cap withheld adds up", l.id);
        assert!(l.withheld_by.iter().all(|h| h.amount > Decimal::ZERO), "{:?}: {:?}", l.id, l.withheld_by);
    }
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

fn no_cap_exceeded(s: &Statement, terms: &Terms) {
    let mut by_participant: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut by_item: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    for l in &s.lines {
        if l.kind != ItemKind::FixedFee {
            *by_participant.entry(&l.id.participant).or_default() += l.net;
        }
        *by_item.entry(&l.id.item).or_default() += l.net;
        total += l.net;
        let caps: Vec<Cap> = l.withheld_by.iter().map(|h| h.cap).collect();
        let mut sorted = caps.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(caps, sorted, "{:?}: caps apply once each, in order", l.id);
    }
    if let Some(cap) = terms.per_participant {
        for (p, paid) in &by_participant {
            assert!(*paid <= cents(cap), "participant {p} is paid {paid}, over the cap {}", cents(cap));
        }
    }
    for item in terms.items() {
        if let (Some(cap), Some(paid)) = (terms.item_cap(item), by_item.get(item)) {
            assert!(*paid <= cents(cap), "{item} pays {paid} in all, over its cap_total {}", cents(cap));
        }
    }
    if let Some(cap) = terms.contract_total {
        assert!(total <= cents(cap), "the contract pays {total}, over its total {}", cents(cap));
    }
}

fn identities_are_unique(s: &Statement) {
    let mut seen = BTreeSet::new();
    for l in &s.lines {
        assert!(seen.insert(&l.id), "two lines share the identity {:?}", l.id);
    }
}

fn eligible_participants_are_accounted_for(s: &Statement, terms: &Terms, people: &[Person], as_of: NaiveDate) {
    let eligible: Vec<&Person> = people.iter().filter(|p| p.eligible(terms, as_of)).collect();
    assert_eq!(s.counts.eligible, eligible.len() as u64, "eligible count");
    let paid_participants = people.iter().filter(|p| p.is_paid_participant()).count() as u64;
    assert_eq!(s.counts.ineligible, paid_participants - eligible.len() as u64, "ineligible count");
    let mut covered: BTreeSet<(&str, &str)> = BTreeSet::new();
    covered.extend(s.lines.iter().map(|l| (&*l.id.participant, &*l.id.item)));
    covered.extend(s.unpaid.iter().map(|u| (&*u.participant, &*u.item)));
    for p in &eligible {
        for item in terms.items() {
            assert!(
                covered.contains(&(p.id.as_str(), item)),
                "eligible {} has neither a line nor a reason for {item}",
                p.id
            );
        }
    }
    let eligible_ids: BTreeSet<&str> = eligible.iter().map(|p| p.id.as_str()).collect();
    for (participant, item) in covered {
        assert!(
            participant.is_empty() || eligible_ids.contains(participant),
            "{participant} is not eligible but is listed for {item}"
        );
    }
}

fn statement_invariants(s: &Statement, terms: &Terms, people: &[Person]) {
    totals_equal_sums_of_lines(s);
    lines_add_up(s);
    no_cap_exceeded(s, terms);
    identities_are_unique(s);
    eligible_participants_are_accounted_for(s, terms, people, s.as_of);
}

/// Consecutive periods from long before any record to `as_of`, cut at
/// `cuts` (days after 2026-01-01).
fn partition(as_of: NaiveDate, cuts: &[u64]) -> Vec<Period> {
    let mut starts: Vec<NaiveDate> =
        cuts.iter().map(|c| ymd((2026, 1, 1)) + Days::new(*c)).filter(|d| *d <= as_of).collect();
    starts.sort();
    starts.dedup();
    let mut periods = Vec::new();
    let mut from = ymd((2000, 1, 1));
    for start in starts {
        if start > from {
            periods.push(Period { from, to: start - Days::new(1) });
            from = start;
        }
    }
    periods.push(Period { from, to: as_of });
    periods
}

/// Spellings of two ids that are one participant each under any sensible
/// normalisation: NFC and NFD forms of `Ä`, and surrounding spaces.
const ID_SPELLINGS: [&str; 8] =
    ["P-\u{c4}1", "P-A\u{308}1", "P-\u{c4}1 ", " P-\u{c4}1", "P-2", "P-2 ", "P-2\t", "\u{a0}P-2"];

/// Two to four records whose ids are spellings of the same few ids, each
/// with or without the `contract` field.
fn look_alike_people() -> impl Strategy<Value = Vec<Person>> {
    proptest::collection::vec((person(), 0..ID_SPELLINGS.len(), any::<bool>()), 2..5).prop_map(|people| {
        people
            .into_iter()
            .map(|(mut p, spelling, with_contract)| {
                p.id = ID_SPELLINGS[spelling].to_string();
                p.control = false;
                p.membership = if with_contract { Membership::This } else { Membership::Absent };
                p
            })
            .collect()
    })
}

// ---------------------------------------------------------------------------
// The properties

proptest! {
    #![proptest_config(config())]

    /// Totals, line arithmetic, caps, identities and coverage, on the
    /// statement of JSON Lines records.
    #[test]
    fn every_statement_keeps_its_invariants(terms in terms(), people in people(), as_of in as_of()) {
        let case = Case::new(&terms);
        let order: Vec<usize> = (0..people.len()).collect();
        let records = case.write_jsonl("records.jsonl", &people, &order);
        let s = case.statement(&records, as_of, None);
        statement_invariants(&s, &terms, &people);
    }

    /// The same records shuffled, or as a CSV folder in either dialect, give
    /// the same statement (apart from the input fingerprints).
    #[test]
    fn the_statement_depends_neither_on_order_nor_on_format(
        terms in terms(),
        (people, order) in people().prop_flat_map(|p| {
            let n = p.len();
            (Just(p), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        }),
        as_of in as_of(),
    ) {
        let case = Case::new(&terms);
        let straight: Vec<usize> = (0..people.len()).collect();
        let jsonl = case.statement(&case.write_jsonl("records.jsonl", &people, &straight), as_of, None);
        let expected = canonical(&jsonl);
        let shuffled = case.statement(&case.write_jsonl("shuffled.jsonl", &people, &order), as_of, None);
        prop_assert_eq!(&canonical(&shuffled), &expected, "shuffled JSON Lines");
        let comma = case.statement(&case.write_csv("comma", &people, Dialect::Comma), as_of, None);
        prop_assert_eq!(&canonical(&comma), &expected, "CSV folder, comma dialect");
        let finnish = case.statement(&case.write_csv("finnish", &people, Dialect::Finnish), as_of, None);
        prop_assert_eq!(&canonical(&finnish), &expected, "CSV folder, Finnish dialect");
    }

    /// Billing periods that partition the time line up to the as-of date
    /// list, one after another, exactly the whole statement's lines (caps
    /// counted from the start).
    #[test]
    fn billing_periods_partition_the_statement(
        terms in terms(),
        people in people(),
        as_of in as_of(),
        cuts in proptest::collection::vec(0..730u64, 0..4),
    ) {
        let case = Case::new(&terms);
        let order: Vec<usize> = (0..people.len()).collect();
        let records = case.write_jsonl("records.jsonl", &people, &order);
        let whole = case.statement(&records, as_of, None);
        let mut union = Vec::new();
        for period in partition(as_of, &cuts) {
            let part = case.statement(&records, as_of, Some(period));
            prop_assert!(part.lines.iter().all(|l| l.achieved_on >= period.from && l.achieved_on <= period.to));
            totals_equal_sums_of_lines(&part);
            union.extend(part.lines);
        }
        prop_assert_eq!(union, whole.lines);
    }

    /// Records whose ids differ only in Unicode normalisation, surrounding
    /// white space or a `contract` field left out are read the same in
    /// every format: all refused as duplicates, or all one participant each
    /// — never two lines with one identity, never paid twice.
    #[test]
    fn look_alike_ids_are_one_participant_in_every_format(
        terms in terms(),
        people in look_alike_people(),
        as_of in as_of(),
    ) {
        let case = Case::new(&terms);
        let order: Vec<usize> = (0..people.len()).collect();
        let jsonl = case.try_statement(&case.write_jsonl("records.jsonl", &people, &order), as_of, None);
        let comma = case.try_statement(&case.write_csv("comma", &people, Dialect::Comma), as_of, None);
        let finnish = case.try_statement(&case.write_csv("finnish", &people, Dialect::Finnish), as_of, None);
        for (format, result) in [("JSON Lines", &jsonl), ("CSV", &comma), ("CSV (Finnish)", &finnish)] {
            if let Ok(s) = result {
                identities_are_unique(s);
                let ids: Vec<&str> = s.lines.iter().map(|l| &*l.id.participant).filter(|p| !p.is_empty()).collect();
                let distinct: BTreeSet<String> = ids.iter().map(|id| id.trim().to_string()).collect();
                prop_assert!(
                    distinct.len() == ids.iter().collect::<BTreeSet<_>>().len(),
                    "{format}: one participant under two spellings: {ids:?}"
                );
            }
        }
        let outcome = |r: &Result<Statement, String>| r.as_ref().map(canonical).map_err(|_| "refused");
        prop_assert_eq!(outcome(&jsonl), outcome(&comma), "JSON Lines and CSV disagree");
        prop_assert_eq!(outcome(&comma), outcome(&finnish), "the CSV dialects disagree");
    }
}
