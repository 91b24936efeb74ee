//! Building a [`Contract`] from its TOML text, collecting every problem.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::de::{DeTable, DeValue};

use super::read::{Reader, Table, Value};
use super::standard_outcome;
use super::terms;
use super::*;
use crate::diagnostic::{closest, Diagnostic, Diagnostics, Location};
use crate::money::{Rounding, RoundingMode};
use crate::tables::{DecisionTable, InputSource};

#[path = "impact.rs"]
pub(super) mod impact;
// `[[indicator]]` and `[effectiveness]`: a child module, so it shares
// this file's readers of names, identifiers and amounts.
#[path = "effectiveness.rs"]
pub(super) mod effectiveness;
// Payment terms of issue 9 (item caps, exclusivity policy, dated VAT,
// pro-rating, limits and amounts from data): a child module for the same reason.
#[path = "terms_payment.rs"]
pub(super) mod terms_payment;

pub(crate) const TOP_KEYS: &[&str] = &[
    "contract",
    "attributes",
    "parameters",
    "eligibility",
    "start_fee",
    "outcome",
    "fixed_fee",
    "multiplier",
    "exclusive",
    "caps",
    "tables",
    "indicator",
    "effectiveness",
    "payment",
    "value",
    "impact_payment",
];
pub(crate) const CONTRACT_KEYS: &[&str] = &[
    "id",
    "title",
    "buyer",
    "provider",
    "service",
    "valid",
    "currency",
    "value",
    "vat_percent",
    "rounding",
    "multipliers",
    "target_groups",
    "spell_kinds",
    "event_kinds",
    "uses",
    "instruments",
    "dimensions",
    "leap_day_birthday",
    "version",
];
pub(crate) const SELECTOR_KEYS: &[&str] = &["groups_any", "groups_all", "groups_none", "municipalities", "condition"];
pub(crate) const OUTCOME_KEYS: &[&str] =
    &["id", "name", "clause", "condition", "achieved_on", "tariff", "requires", "max_per_participant", "cap_total"];
/// `[eligibility]` keys beside `SELECTOR_KEYS`.
pub(crate) const ELIGIBILITY_KEYS: &[&str] = &["service_start", "completed", "clause", "table", "test"];

/// Parse and validate contract text read from `file`; its rule libraries
/// are read from the disk.
pub fn parse(file: &Path, text: &str) -> Result<Contract, Diagnostics> {
    parse_with(file, text, RuleSource::Files)
}

/// Parse and validate contract text, reading its rule libraries from `rules`.
pub fn parse_with(file: &Path, text: &str, rules: RuleSource) -> Result<Contract, Diagnostics> {
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => return Err(Diagnostics(vec![syntax_error(file, &e)])),
    };
    let mut r = Reader::new(file, text);
    let root = Table::new(doc.get_ref(), 0..text.len(), "the contract file");
    r.unknown_keys(root, TOP_KEYS);
    let contract = build(&mut r, root, rules);
    if r.diags.iter().any(|d| d.severity == crate::diagnostic::Severity::Error) {
        return Err(Diagnostics(r.diags));
    }
    let contract = contract.map(|mut c| {
        c.warnings.splice(0..0, r.diags.drain(..));
        c
    });
    contract.ok_or_else(|| {
        // Every path that gives up reports why; this guards the promise.
        let mut diags = r.diags;
        if diags.is_empty() {
            diags.push(Diagnostic::error(file, Location::File, "the contract could not be read"));
        }
        Diagnostics(diags)
    })
}

/// The keys of a file of decision tables only.
pub(crate) const TABLES_FILE_KEYS: &[&str] = &["tables"];

/// A file of `[tables.*]` only: the tables, checked as in a contract.
pub(super) fn tables_only(file: &Path, text: &str) -> Result<Vec<DecisionTable>, Diagnostics> {
    let doc = DeTable::parse(text).map_err(|e| Diagnostics(vec![syntax_error(file, &e)]))?;
    let mut r = Reader::new(file, text);
    let root = Table::new(doc.get_ref(), 0..text.len(), "a file of decision tables");
    r.unknown_keys(root, TABLES_FILE_KEYS);
    let tables = match root.get("tables").map(|v| crate::tables::parse_tables(file, v)) {
        Some(Ok(tables)) => tables,
        Some(Err(diags)) => {
            r.diags.extend(diags);
            Vec::new()
        }
        None => Vec::new(),
    };
    if r.diags.is_empty() {
        Ok(tables)
    } else {
        Err(Diagnostics(r.diags))
    }
}

fn syntax_error(file: &Path, e: &toml::de::Error) -> Diagnostic {
    let location = e.span().map_or(Location::File, Location::Span);
    let message = e.message().trim();
    let help = if message.contains("date") || message.contains("month") || message.contains("day") {
        "write dates as YYYY-MM-DD with a real month (01–12) and day"
    } else {
        "check quotes, brackets and `=` signs near the marked place"
    };
    Diagnostic::error(file, location, format!("this is not valid TOML: {message}")).with_help(help)
}

fn build(r: &mut Reader, root: Table, rules: RuleSource) -> Option<Contract> {
    let head = r.required(root, "contract", "[contract]").and_then(|v| r.table(v, "[contract]"));
    let head = head?;
    r.unknown_keys(head, CONTRACT_KEYS);
    let id = req_string(r, head, "id", "id = \"ESK-TVK-2026-01\"");
    let title = r.required(head, "title", "title = { fi = \"…\", en = \"…\" }").and_then(|v| names(r, v, "title"));
    let buyer = req_string(r, head, "buyer", "buyer = \"Eteläisen Keski-Suomen työllisyysalue\"");
    let provider = req_string(r, head, "provider", "provider = \"Palveluntuottaja Oy\"");
    let service = req_string(r, head, "service", "service = \"labour_market_training\"");
    let valid = r
        .required(head, "valid", "valid = { from = 2026-01-01, to = 2026-12-31 }")
        .and_then(|v| date_range(r, v, "valid"));
    let currency = currency(r, head);
    let value = head.get("value").and_then(|v| positive(r, v, "contract `value`", "value = \"240000.00\""));
    let vat_percent = terms_payment::vat(r, head, valid.map(|v| v.from));
    let rounding = head.get("rounding").map_or(Some(Rounding::default()), |v| rounding(r, v));
    let combine = head.get("multipliers").map_or(Some(Combine::default()), |v| combine(r, v));
    let groups = head.get("target_groups").map(|v| r.strings(v, "`target_groups`")).unwrap_or_default();
    let spell_kinds = head.get("spell_kinds").map(|v| r.strings(v, "`spell_kinds`")).unwrap_or_default();
    let event_kinds = head.get("event_kinds").map(|v| r.strings(v, "`event_kinds`")).unwrap_or_default();
    let instruments = terms::vocabulary(r, head, "instruments");
    let dimensions = terms::vocabulary(r, head, "dimensions");
    let leap_day_birthday = terms::leap_day(r, head);
    let libraries = head.get("uses").map(|v| libraries(r, v, rules)).unwrap_or_default();
    let version = head.get("version").and_then(|v| r.string(v, "contract `version`"));
    let clawback = root.get("payment").is_some_and(|v| clawback(r, v));

    let (attributes, required_attributes) = root.get("attributes").map(|v| terms::attributes(r, v)).unwrap_or_default();
    let parameters = root.get("parameters").map(|v| parameters(r, v)).unwrap_or_default();
    let eligibility = root.get("eligibility").map(|v| eligibility(r, v)).unwrap_or_default();
    let mut items = Vec::new();
    if let Some(v) = root.get("start_fee") {
        items.extend(start_fee(r, v));
    }
    let outcome_sections = array_of_tables(r, root, "outcome");
    let outcomes_wanted = outcome_sections.len();
    let standard_spells = STANDARD_SPELL_KINDS.iter().copied().chain([crate::scripting::ANY_EMPLOYMENT]);
    let mut known = Known {
        parameters: &parameters,
        spell_kinds: standard_spells.chain(spell_kinds.iter().map(String::as_str)).collect(),
        event_kinds: &event_kinds,
        instruments: &instruments,
        dimensions: &dimensions,
        earlier: Vec::new(),
    };
    for (i, v) in outcome_sections.into_iter().enumerate() {
        items.extend(outcome(r, v, i + 1, &known));
        // As written, so an outcome with a mistake is not also "undeclared".
        known.earlier.extend(written_id(v));
    }
    let every_outcome_read = items.iter().filter(|i| i.kind == ItemKind::Outcome).count() == outcomes_wanted;
    let fixed_fees: Vec<FixedFee> =
        array_of_tables(r, root, "fixed_fee").into_iter().filter_map(|v| fixed_fee(r, v, valid?, value)).collect();
    let multipliers = array_of_tables(r, root, "multiplier").into_iter().filter_map(|v| multiplier(r, v)).collect();
    let exclusive = array_of_tables(r, root, "exclusive").into_iter().filter_map(|v| exclusive(r, v)).collect();
    let caps = root.get("caps").map(|v| caps(r, v)).unwrap_or_default();
    let values = impact::values(r, root);
    let (indicators, value_indicators) = effectiveness::indicators(r, root, &items, &values);
    let effectiveness = root.get("effectiveness").map(|v| effectiveness::settings(r, v)).unwrap_or_default();
    let impact_payments = impact::payments(r, root, &items, &fixed_fees, &values);
    let mut tables_broken = false;
    let tables = match root.get("tables").map(|v| crate::tables::parse_tables(&r.file.clone(), v)) {
        Some(Ok(tables)) => tables,
        Some(Err(diags)) => {
            r.diags.extend(diags);
            tables_broken = true;
            Vec::new()
        }
        None => Vec::new(),
    };
    let table_inputs = tables.iter().map(|t| (t.name.clone(), table_inputs(r, t, &attributes))).collect();

    let contract = Contract {
        file: r.file.clone(),
        text: r.text.to_string(),
        id: id?,
        title: title?,
        buyer: buyer?,
        provider: provider?,
        service: service?,
        valid: valid?,
        currency: currency?,
        value,
        version,
        clawback,
        vat_percent: vat_percent.as_ref()?.0,
        vat_versions: vat_percent?.1,
        rounding: rounding?,
        combine: combine?,
        libraries,
        groups,
        spell_kinds,
        event_kinds,
        attributes,
        required_attributes,
        instruments,
        dimensions,
        leap_day_birthday: leap_day_birthday?,
        warnings: Vec::new(),
        parameters,
        eligibility,
        items,
        fixed_fees,
        multipliers,
        exclusive,
        caps,
        tables,
        table_inputs,
        indicators,
        value_indicators,
        effectiveness,
        values,
        impact_payments,
    };
    let mut contract = contract;
    // References into tables that did not parse would only repeat the
    // tables' own errors.
    if !tables_broken {
        resolve_table_refs(r, &mut contract);
    }
    // An outcome that did not parse is an error already; references to it
    // would only be reported as undeclared, at a shifted section.
    if every_outcome_read {
        cross_check(r, root, &contract);
    } else {
        check_groups(r, root, &contract, &contract.eligibility.who);
    }
    check_parameter_dates(r, root, &contract);
    contract.warnings = terms::far_dates(r, root, contract.valid);
    Some(contract)
}

fn req_string(r: &mut Reader, t: Table, key: &str, example: &str) -> Option<String> {
    let v = r.required(t, key, example)?;
    r.string(v, &format!("`{key}` in {}", t.path))
}

fn currency(r: &mut Reader, head: Table) -> Option<String> {
    let Some(v) = head.get("currency") else { return Some("EUR".into()) };
    let c = r.string(v, "`currency`")?;
    if c != "EUR" {
        r.error(v.span(), format!("currency must be EUR, found \"{c}\"")).help =
            Some("write currency = \"EUR\" (or leave it out)".into());
        return None;
    }
    Some(c)
}

pub(crate) const ROUNDING_KEYS: &[&str] = &["scale", "mode"];

fn rounding(r: &mut Reader, v: &Value) -> Option<Rounding> {
    let t = r.table(v, "`rounding`")?;
    r.unknown_keys(t, ROUNDING_KEYS);
    let scale = match t.get("scale") {
        Some(s) => bounded(r, s, "rounding `scale`", 0, 10)?,
        None => 2,
    };
    let mode = match t.get("mode") {
        Some(m) => {
            let name = r.string(m, "rounding `mode`")?;
            let mode = RoundingMode::from_name(&name);
            if mode.is_none() {
                r.error(m.span(), format!("unknown rounding mode \"{name}\"")).help =
                    Some(format!("write one of: {}", RoundingMode::NAMES.join(", ")));
            }
            mode?
        }
        None => RoundingMode::default(),
    };
    Some(Rounding { scale, mode })
}

/// A whole number within `min..=max`, with a message when it is not.
fn bounded(r: &mut Reader, v: &Value, what: &str, min: u32, max: u32) -> Option<u32> {
    let n = r.integer(v, what, i64::from(min))?;
    match u32::try_from(n) {
        Ok(n) if n <= max => Some(n),
        _ => {
            r.error(v.span(), format!("{what} must be at most {max}, found {n}"));
            None
        }
    }
}

fn combine(r: &mut Reader, v: &Value) -> Option<Combine> {
    match r.string(v, "`multipliers`")?.as_str() {
        "highest" => Some(Combine::Highest),
        "product" => Some(Combine::Product),
        other => {
            r.error(v.span(), format!("`multipliers` must say how factors combine, found \"{other}\"")).help =
                Some("write multipliers = \"highest\" (only the largest applies) or \"product\"".into());
            None
        }
    }
}

pub(crate) const NAMES_KEYS: &[&str] = &["fi", "en"];

fn names(r: &mut Reader, v: &Value, what: &str) -> Option<Names> {
    let path = format!("`{what}`");
    let t = r.table(v, &path);
    let Some(t) = t else {
        r.diags.last_mut()?.help = Some(format!("write {what} = {{ fi = \"suomeksi\", en = \"in English\" }}"));
        return None;
    };
    r.unknown_keys(t, NAMES_KEYS);
    let fi = req_string(r, t, "fi", "fi = \"nimi suomeksi\"");
    let en = req_string(r, t, "en", "en = \"name in English\"");
    Some(Names { fi: fi?, en: en? })
}

pub(crate) const DATE_RANGE_KEYS: &[&str] = &["from", "to"];

fn date_range(r: &mut Reader, v: &Value, what: &str) -> Option<DateRange> {
    let path = format!("`{what}`");
    let t = r.table(v, &path)?;
    r.unknown_keys(t, DATE_RANGE_KEYS);
    let from = r.required(t, "from", "from = 2026-01-01").and_then(|d| r.date(d, &format!("{what} `from`")));
    let to = t.get("to").and_then(|d| r.date(d, &format!("{what} `to`")));
    let range = DateRange { from: from?, to };
    if let Some(to) = to {
        if to < range.from {
            r.error(v.span(), format!("{what} ends ({to}) before it starts ({})", range.from));
            return None;
        }
    }
    Some(range)
}

fn identifier(r: &mut Reader, v: &Value, what: &str) -> Option<String> {
    let id = r.string(v, what)?;
    let ok = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        r.error(v.span(), format!("{what} \"{id}\" is not a valid identifier")).help =
            Some("use lowercase letters a–z, digits and _, starting with a letter, e.g. employed_3m".into());
        return None;
    }
    Some(id)
}

fn array_of_tables<'a, 'i>(r: &mut Reader, root: Table<'a, 'i>, key: &str) -> Vec<&'a Value<'i>> {
    let Some(v) = root.get(key) else { return Vec::new() };
    match v.get_ref() {
        DeValue::Array(items) => items.iter().collect(),
        _ => {
            r.error(v.span(), format!("`{key}` must be written as [[{key}]] sections, one per {key}"));
            Vec::new()
        }
    }
}

/// A rule script embedded as a TOML string, with its position in the file.
fn rule(r: &mut Reader, v: &Value, what: &str) -> Option<RuleText> {
    let text = r.string(v, what)?;
    if text.trim().is_empty() {
        r.error(v.span(), format!("{what} is empty")).help =
            Some("write a rhai expression, e.g. 'p.completed == true'".into());
        return None;
    }
    Some(rule_text(r, text, v.span()))
}

/// A rule whose TOML string (quotes included) spans `span` of `file_text`:
/// its first character's line and column, skipping the opening quotes and
/// the newline TOML drops after `'''`.
fn rule_text(r: &Reader, text: String, span: std::ops::Range<usize>) -> RuleText {
    let file_text = r.text;
    let src = &file_text[span.clone()];
    let mut start = span.start;
    if src.starts_with("'''") || src.starts_with("\"\"\"") {
        start += 3;
        if file_text[start..].starts_with("\r\n") {
            start += 2;
        } else if file_text[start..].starts_with('\n') {
            start += 1;
        }
    } else {
        start += 1;
    }
    let (line, column) = r.line_col(start);
    RuleText { text, line, column, span }
}

fn libraries(r: &mut Reader, v: &Value, rules: RuleSource) -> Vec<Library> {
    let Some(items) = r.array(v, "`uses`") else { return Vec::new() };
    items.iter().filter_map(|item| library(r, item, rules)).collect()
}

/// How many folders above the contract's own `rules/…` is looked up in:
/// `contracts/NAME/contract.toml` finds the project's `rules/` beside
/// `contracts/`, and nothing higher is ever searched.
const RULES_LEVELS_UP: usize = 2;

/// Resolve a library path. `rules/x.rhai` is looked up in the `rules/`
/// folder of the contract's folder, its parent or its grandparent (the
/// nearest that has the file); any other path is relative to the contract's
/// folder. `..` and absolute paths are refused, and so is a file that —
/// through a symbolic link — lies outside the folder it was found in: a
/// contract reads only its own folder and the project's `rules/`.
fn library(r: &mut Reader, v: &Value, rules: RuleSource) -> Option<Library> {
    let name = r.string(v, "a `uses` entry")?;
    let rel = Path::new(&name);
    let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
    if !plain || !name.ends_with(".rhai") {
        r.error(
            v.span(),
            format!("rule library \"{name}\" must be a .rhai file inside rules/ or the contract's folder"),
        )
        .help = Some("write e.g. uses = [\"rules/employment.rhai\"]; `..` and absolute paths are not allowed".into());
        return None;
    }
    if let RuleSource::Stored(texts) = rules {
        return stored_library(r, v, name, texts);
    }
    let dir = r.file.parent().map(Path::to_path_buf).unwrap_or_default();
    let found = if rel.starts_with("rules") {
        let mut folder = dir;
        let mut found = None;
        for _ in 0..=RULES_LEVELS_UP {
            if folder.join(rel).is_file() {
                found = Some((folder.clone(), Path::new("rules"), folder.join(rel)));
                break;
            }
            folder = parent_folder(&folder);
        }
        found
    } else {
        Some((dir.clone(), Path::new(""), dir.join(rel))).filter(|(_, _, p)| p.is_file())
    };
    let Some((base, inner, path)) = found else {
        // The project's own rules/ comes first; then the standard library
        // built into the binary, so an installed `tulos` needs no folder.
        if let Some(text) = super::standard_library(&name) {
            return Some(Library { path: name.clone().into(), name, text: text.to_string(), builtin: true });
        }
        let standard: Vec<&str> = super::STANDARD_LIBRARIES.iter().map(|(n, _)| *n).collect();
        r.error(v.span(), format!("rule library \"{name}\" was not found")).help = Some(format!(
            "rules/… paths are looked up in the rules/ folder beside the contract or up to {RULES_LEVELS_UP} folders above it, then among the built-in libraries ({}); other paths beside the contract",
            standard.join(", ")
        ));
        return None;
    };
    if !stays_inside(&base, inner, &path) {
        // The target is neither read nor named: it may be any file.
        r.error(v.span(), format!("rule library \"{name}\" is a link that leads outside its folder")).help =
            Some("copy the library into the project's rules/ folder instead of linking to it".into());
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(Library { name, path, text, builtin: false }),
        Err(e) => {
            r.error(v.span(), format!("cannot read rule library \"{name}\": {e}"));
            None
        }
    }
}

/// A library from the texts stored with a payment run, named as in `uses`.
fn stored_library(r: &mut Reader, v: &Value, name: String, texts: &BTreeMap<String, String>) -> Option<Library> {
    match texts.get(&name) {
        Some(text) => Some(Library { path: name.clone().into(), name, text: text.clone(), builtin: false }),
        None => {
            r.error(v.span(), format!("rule library \"{name}\" is not among the rule texts stored with the run"))
                .help =
                Some("a stored run holds every library its contract used; the ledger may have been edited".into());
            None
        }
    }
}

/// The folder above `folder`, lexically, so messages keep relative paths
/// (`contracts/x` → `contracts` → `` → `..`).
fn parent_folder(folder: &Path) -> std::path::PathBuf {
    match folder.components().next_back() {
        Some(Component::Normal(_)) => folder.parent().map(Path::to_path_buf).unwrap_or_default(),
        Some(Component::RootDir | Component::Prefix(_)) => folder.to_path_buf(),
        _ => folder.join(".."),
    }
}

/// Whether `path`, with every link followed, is inside the folder `inner`
/// of `base` (`rules` of the folder it was found in). `inner` itself is not
/// followed: a `rules/` that is a link to another folder leaves the project.
fn stays_inside(base: &Path, inner: &Path, path: &Path) -> bool {
    let base = if base.as_os_str().is_empty() { Path::new(".") } else { base };
    match (std::fs::canonicalize(base), std::fs::canonicalize(path)) {
        (Ok(base), Ok(path)) => path.starts_with(base.join(inner)),
        _ => false,
    }
}

fn parameters(r: &mut Reader, v: &Value) -> BTreeMap<String, Timeline<Parameter>> {
    let Some(t) = r.table(v, "[parameters]") else { return BTreeMap::new() };
    let mut out = BTreeMap::new();
    for (key, value) in t.entries.iter() {
        let name = key.get_ref().to_string();
        let what = format!("parameter `{name}`");
        let timeline = timeline(r, value, &what, "value", None, |r, v| parameter(r, v, &what));
        if let Some(tl) = timeline {
            out.insert(name, tl);
        }
    }
    out
}

fn parameter(r: &mut Reader, v: &Value, what: &str) -> Option<Parameter> {
    match v.get_ref() {
        DeValue::Integer(_) => r.integer(v, what, i64::MIN).map(Parameter::Integer),
        DeValue::Boolean(b) => Some(Parameter::Bool(*b)),
        DeValue::Datetime(_) => r.date(v, what).map(Parameter::Date),
        // A text that is a decimal is a decimal; one shaped like a number
        // that does not fit is an error, never quietly a text.
        DeValue::String(s) => match crate::money::parse_exact(s) {
            Ok(d) => Some(Parameter::Decimal(d)),
            Err(crate::money::DecimalError::Syntax) => Some(Parameter::Text(s.to_string())),
            Err(reason) => {
                r.decimal_error(v.span(), what, s, reason);
                None
            }
        },
        DeValue::Float(_) => r.decimal(v, what).map(Parameter::Decimal),
        other => {
            r.type_error(v, what, "a number, text, date or true/false", other);
            None
        }
    }
}

/// A value that may change by amendment. Written as a plain value (in force
/// always), as `{ <key> = …, clause = "…" }`, or as a list of versions
/// `[{ from = 2026-01-01, <key> = …, clause = "…" }, …]`.
fn timeline<T>(
    r: &mut Reader,
    v: &Value,
    what: &str,
    key: &str,
    default_clause: Option<&String>,
    mut value: impl FnMut(&mut Reader, &Value) -> Option<T>,
) -> Option<Timeline<T>> {
    let always = DateRange { from: NaiveDate::MIN, to: None };
    match v.get_ref() {
        DeValue::Table(_) => {
            let t = r.table(v, what)?;
            r.unknown_keys(t, &[key, "clause"]);
            let example = format!("{key} = \"…\"");
            let x = r.required(t, key, &example).and_then(|x| value(r, x));
            let clause = r.opt_string(t, "clause").or_else(|| default_clause.cloned());
            Some(Timeline { versions: vec![Version { period: always, value: x?, clause }] })
        }
        DeValue::Array(items) => {
            let mut versions = Vec::new();
            let mut spans = Vec::new();
            for item in items {
                let Some(t) = r.table(item, what) else { continue };
                r.unknown_keys(t, &["from", "to", key, "clause"]);
                let from =
                    r.required(t, "from", "from = 2026-01-01").and_then(|d| r.date(d, &format!("{what} `from`")));
                let to = t.get("to").and_then(|d| r.date(d, &format!("{what} `to`")));
                let example = format!("{key} = \"…\"");
                let x = r.required(t, key, &example).and_then(|x| value(r, x));
                let clause = r.opt_string(t, "clause").or_else(|| default_clause.cloned());
                if let (Some(from), Some(to)) = (from, to) {
                    if to < from {
                        r.error(item.span(), format!("{what}: the version from {from} ends ({to}) before it starts"));
                        continue;
                    }
                }
                if let (Some(from), Some(x)) = (from, x) {
                    versions.push(Version { period: DateRange { from, to }, value: x, clause });
                    spans.push(item.span());
                }
            }
            close_periods(r, what, &mut versions, &spans)?;
            Some(Timeline { versions })
        }
        _ => value(r, v).map(|x| Timeline {
            versions: vec![Version { period: always, value: x, clause: default_clause.cloned() }],
        }),
    }
}

/// Give each version without `to` the day before the next one's `from`, and
/// refuse versions that are out of order or overlap.
fn close_periods<T>(
    r: &mut Reader,
    what: &str,
    versions: &mut [Version<T>],
    spans: &[std::ops::Range<usize>],
) -> Option<()> {
    let mut ok = true;
    for i in 1..versions.len() {
        let (prev, next) = (versions[i - 1].period, versions[i].period);
        let prev_end = prev.to.unwrap_or_else(|| next.from.pred_opt().unwrap_or(next.from));
        if next.from <= prev.from || prev_end >= next.from {
            let msg = format!(
                "{what}: the version from {} overlaps the version from {} (each version must start after the previous one ends)",
                next.from, prev.from
            );
            r.error(spans[i].clone(), msg).help =
                Some("list versions in date order; give `to` only where a period ends before the next begins".into());
            ok = false;
        } else {
            versions[i - 1].period.to = Some(prev_end);
        }
    }
    ok.then_some(())
}

fn selector(r: &mut Reader, t: Table, extra: &[&str]) -> Selector {
    let known: Vec<&str> = SELECTOR_KEYS.iter().chain(extra).copied().collect();
    r.unknown_keys(t, &known);
    let list = |r: &mut Reader, key: &str| t.get(key).map(|v| r.strings(v, &format!("`{key}`"))).unwrap_or_default();
    Selector {
        groups_any: list(r, "groups_any"),
        groups_all: list(r, "groups_all"),
        groups_none: list(r, "groups_none"),
        municipalities: list(r, "municipalities"),
        condition: t.get("condition").and_then(|v| rule(r, v, "`condition`")),
    }
}

fn eligibility(r: &mut Reader, v: &Value) -> Eligibility {
    let Some(t) = r.table(v, "[eligibility]") else { return Eligibility::default() };
    let who = selector(r, t, ELIGIBILITY_KEYS);
    let table = t.get("table").and_then(|v| match table_ref(r, v, "eligibility `table`") {
        Some(reference) => reference,
        None => r.string(v, "eligibility `table`").map(|table| TableRef { table, output: String::new() }),
    });
    let service_start = t.get("service_start").and_then(|v| date_range(r, v, "eligibility `service_start`"));
    let completed_only = t.get("completed").and_then(|v| r.boolean(v, "eligibility `completed`")).unwrap_or(false);
    let tests = terms::eligibility_tests(r, t, rule, |r, v| match table_ref(r, v, "eligibility test `table`") {
        Some(reference) => reference,
        None => r.string(v, "eligibility test `table`").map(|table| TableRef { table, output: String::new() }),
    });
    Eligibility { service_start, completed_only, who, table, clause: r.opt_string(t, "clause"), tests }
}

/// A tariff: an amount or dated versions of it, none negative (each
/// version is checked where it is written). Zero is allowed: an outcome
/// can be recorded without being paid.
fn money_timeline(r: &mut Reader, v: &Value, what: &str, clause: Option<&String>) -> Option<Timeline<Decimal>> {
    timeline(r, v, what, "amount", clause, |r, x| non_negative(r, x, what, "tariff = \"1200.00\""))
}

/// A decimal that must not be negative (tariffs, fees, percentages).
fn non_negative(r: &mut Reader, v: &Value, what: &str, example: &str) -> Option<Decimal> {
    let d = r.decimal(v, what)?;
    if d < Decimal::ZERO {
        r.error(v.span(), format!("{what} must not be negative, found {d}")).help = Some(format!(
            "write a positive amount or zero, e.g. {example}; a deduction is not written as a negative payment"
        ));
        return None;
    }
    Some(d)
}

/// A decimal that must be greater than zero (factors, the contract value).
fn positive(r: &mut Reader, v: &Value, what: &str, example: &str) -> Option<Decimal> {
    let d = r.decimal(v, what)?;
    if d <= Decimal::ZERO {
        r.error(v.span(), format!("{what} must be greater than zero, found {d}")).help =
            Some(format!("write a positive number, e.g. {example}"));
        return None;
    }
    Some(d)
}

/// A ceiling: greater than zero. A zero or negative cap would silently
/// withhold everything; a contract without a ceiling leaves the key out.
fn cap(r: &mut Reader, v: &Value, what: &str) -> Option<Decimal> {
    let d = r.decimal(v, what)?;
    if d <= Decimal::ZERO {
        r.error(v.span(), format!("{what} must be greater than zero, found {d}")).help =
            Some("write the ceiling in euros, e.g. \"50000.00\", or leave the key out for no ceiling".into());
        return None;
    }
    Some(d)
}

/// `percent_of_value` percent of the contract's value, computed without
/// overflow (both are bounded, but their product need not fit).
fn share_of_value(r: &mut Reader, p: &Value, total: Decimal, pct: Decimal) -> Option<Decimal> {
    let share = total.checked_mul(pct).and_then(|x| x.checked_div(Decimal::ONE_HUNDRED));
    if share.is_none() {
        r.error(p.span(), format!("`percent_of_value` {pct} of the contract value {total} is too large to compute"))
            .help = Some("write the fee as amount = \"…\" instead".into());
    }
    share
}

/// `tariff = "…"`, dated versions, or `{ table = "…", output = "…" }`.
fn tariff(r: &mut Reader, v: &Value, clause: Option<&String>) -> Option<Tariff> {
    if let Some(text) = terms_payment::rule_ref(r, v, "`tariff`") {
        return text.map(Tariff::Rule);
    }
    match table_ref(r, v, "`tariff`") {
        Some(reference) => reference.map(Tariff::Table),
        None => money_timeline(r, v, "`tariff`", clause).map(Tariff::Fixed),
    }
}

/// `Some(…)` when `v` is a `{ table = "…" }` reference (its inner `None`
/// when malformed); `None` when `v` is something else.
pub(crate) const TABLE_REF_KEYS: &[&str] = &["table", "output"];

fn table_ref(r: &mut Reader, v: &Value, what: &str) -> Option<Option<TableRef>> {
    let DeValue::Table(entries) = v.get_ref() else { return None };
    let t = Table::new(entries, v.span(), what);
    let table = t.get("table")?;
    r.unknown_keys(t, TABLE_REF_KEYS);
    let name = r.string(table, &format!("{what} `table`"));
    let output = r.opt_string(t, "output");
    Some(name.map(|table| TableRef { table, output: output.unwrap_or_default() }))
}

fn line_of(r: &Reader, span: std::ops::Range<usize>) -> u64 {
    r.line_col(span.start).0
}

pub(crate) const START_FEE_KEYS: &[&str] = &["name", "clause", "tariff", "cap_total"];

fn start_fee(r: &mut Reader, v: &Value) -> Option<Item> {
    let t = r.table(v, "[start_fee]")?;
    r.unknown_keys(t, START_FEE_KEYS);
    let name =
        r.required(t, "name", "name = { fi = \"Aloitusmaksu\", en = \"Start fee\" }").and_then(|v| names(r, v, "name"));
    let clause = r.opt_string(t, "clause");
    let tariff = r
        .required(t, "tariff", "tariff = \"200.00\"")
        .and_then(|v| money_timeline(r, v, "start fee `tariff`", clause.as_ref()));
    let cap_total = t.get("cap_total").and_then(|v| cap(r, v, "`cap_total`"));
    Some(Item {
        id: "start_fee".into(),
        kind: ItemKind::StartFee,
        name: name?,
        clause,
        condition: None,
        condition_table: None,
        condition_standard: None,
        achieved_on: Achievement::ServiceStart,
        tariff: Tariff::Fixed(tariff?),
        requires: Vec::new(),
        max_per_participant: 1,
        max_from: None,
        cap_total,
        cap_per_participant: None,
        in_participant_cap: true,
        line: line_of(r, v.span()),
    })
}

fn outcome(r: &mut Reader, v: &Value, n: usize, known: &Known) -> Option<Item> {
    // Name the outcome by its id in messages when it has a readable one.
    let path = written_id(v).map_or(format!("[[outcome]] number {n}"), |id| format!("outcome `{id}`"));
    let t = r.table(v, &path)?;
    let known_keys: Vec<&str> = OUTCOME_KEYS.iter().chain(&terms_payment::OUTCOME_KEYS).copied().collect();
    r.unknown_keys(t, &known_keys);
    let id = r.required(t, "id", "id = \"employed_3m\"").and_then(|v| identifier(r, v, "outcome `id`"));
    let name = r.required(t, "name", "name = { fi = \"…\", en = \"…\" }").and_then(|v| names(r, v, "name"));
    let clause = r.opt_string(t, "clause");
    let requires = t.get("requires").map(|v| r.strings(v, "`requires`")).unwrap_or_default();
    let cx = known.context(&requires);
    let (condition, condition_table, condition_standard) = outcome_condition(r, t, &cx);
    let achieved_on = r.required(t, "achieved_on", "achieved_on = 'p.service_end.add_months(3)'").and_then(|v| {
        match standard_outcome::date(r, v, &cx) {
            Some(form) => form.map(Achievement::Standard),
            None => rule(r, v, "`achieved_on`").map(Achievement::Rule),
        }
    });
    let tariff = r.required(t, "tariff", "tariff = \"1200.00\"").and_then(|v| tariff(r, v, clause.as_ref()));
    let (max, max_from) = terms_payment::occurrences(r, t)?;
    let cap_total = t.get("cap_total").and_then(|v| cap(r, v, "`cap_total`"));
    let (cap_per_participant, in_participant_cap) = terms_payment::item_caps(r, t);
    Some(Item {
        id: id?,
        kind: ItemKind::Outcome,
        name: name?,
        clause,
        condition: condition?,
        condition_table: condition_table?,
        condition_standard: condition_standard?,
        achieved_on: achieved_on?,
        tariff: tariff?,
        requires,
        max_per_participant: max,
        max_from,
        cap_total,
        cap_per_participant,
        in_participant_cap,
        line: line_of(r, v.span()),
    })
}

/// An outcome's `condition`: a rule, `{ table = … }` or a standard form;
/// each part `None` when malformed (an error is reported).
#[allow(clippy::type_complexity)]
fn outcome_condition(
    r: &mut Reader,
    t: Table,
    cx: &standard_outcome::Context,
) -> (Option<Option<RuleText>>, Option<Option<TableRef>>, Option<Option<StandardCondition>>) {
    let Some(v) = t.get("condition") else { return (Some(None), Some(None), Some(None)) };
    if let Some(reference) = table_ref(r, v, "`condition`") {
        return (Some(None), reference.map(Some), Some(None));
    }
    if let Some(form) = standard_outcome::condition(r, v, cx) {
        return (Some(None), Some(None), form.map(Some));
    }
    (rule(r, v, "`condition`").map(Some), Some(None), Some(None))
}

/// What outcomes' standard forms are checked against, gathered once from
/// the sections read before the outcomes.
struct Known<'a> {
    parameters: &'a BTreeMap<String, Timeline<Parameter>>,
    spell_kinds: Vec<&'a str>,
    event_kinds: &'a [String],
    instruments: &'a [String],
    dimensions: &'a [String],
    /// Ids of the outcomes read so far.
    earlier: Vec<String>,
}

impl Known<'_> {
    fn context<'a>(&'a self, requires: &'a [String]) -> standard_outcome::Context<'a> {
        standard_outcome::Context {
            parameters: self.parameters,
            spell_kinds: self.spell_kinds.clone(),
            event_kinds: self.event_kinds,
            instruments: self.instruments,
            dimensions: self.dimensions,
            earlier: self.earlier.iter().map(String::as_str).collect(),
            requires,
        }
    }
}

/// The `id` of a section as written, when it is a text.
fn written_id(v: &Value) -> Option<String> {
    let DeValue::Table(t) = v.get_ref() else { return None };
    match Table::new(t, v.span(), "").get("id")?.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        _ => None,
    }
}

pub(crate) const FIXED_FEE_KEYS: &[&str] =
    &["id", "name", "clause", "amount", "percent_of_value", "every", "from", "to", "prorate"];

fn fixed_fee(r: &mut Reader, v: &Value, valid: DateRange, contract_value: Option<Decimal>) -> Option<FixedFee> {
    let t = r.table(v, "[[fixed_fee]]")?;
    r.unknown_keys(t, FIXED_FEE_KEYS);
    let id = r.required(t, "id", "id = \"delivery_fee\"").and_then(|v| identifier(r, v, "fixed fee `id`"));
    let name = r.required(t, "name", "name = { fi = \"…\", en = \"…\" }").and_then(|v| names(r, v, "name"));
    let amount = match (t.get("amount"), t.get("percent_of_value")) {
        (Some(a), None) => non_negative(r, a, "fixed fee `amount`", "amount = \"1500.00\""),
        (None, Some(p)) => {
            let pct = non_negative(r, p, "`percent_of_value`", "percent_of_value = \"1.25\"")?;
            match contract_value {
                Some(total) => share_of_value(r, p, total, pct),
                None => {
                    r.error(p.span(), "`percent_of_value` needs the contract's total value").help =
                        Some("add value = \"240000.00\" under [contract]".into());
                    None
                }
            }
        }
        _ => {
            r.error(t.header_span(r.text), "a fixed fee needs exactly one of `amount` or `percent_of_value`").help =
                Some("write amount = \"1500.00\" or percent_of_value = \"1.25\"".into());
            None
        }
    };
    let every = match t.get("every") {
        None => Some(Every::Month),
        Some(e) => match r.string(e, "`every`")?.as_str() {
            "month" => Some(Every::Month),
            "once" => Some(Every::Once),
            other => {
                r.error(e.span(), format!("`every` must be \"month\" or \"once\", found \"{other}\""));
                None
            }
        },
    };
    let prorate = terms_payment::prorate(r, t, every != Some(Every::Once));
    let from = t.get("from").map_or(Some(valid.from), |d| r.date(d, "fixed fee `from`"));
    let to = t.get("to").map_or(Some(valid.to), |d| r.date(d, "fixed fee `to`").map(Some));
    if let (Some(from), Some(Some(to))) = (from, to) {
        if to < from {
            let span = t.get("to").or(t.get("from")).map_or(v.span(), |d| d.span());
            r.error(span, format!("the fixed fee ends ({to}) before it starts ({from})"));
            return None;
        }
    }
    Some(FixedFee {
        id: id?,
        name: name?,
        clause: r.opt_string(t, "clause"),
        amount: amount?,
        every: every?,
        period: DateRange { from: from?, to: to? },
        prorate: prorate?,
        line: line_of(r, v.span()),
    })
}

pub(crate) const MULTIPLIER_KEYS: &[&str] = &["id", "when", "factor", "outcomes", "clause"];

fn multiplier(r: &mut Reader, v: &Value) -> Option<Multiplier> {
    let t = r.table(v, "[[multiplier]]")?;
    r.unknown_keys(t, MULTIPLIER_KEYS);
    let id = r.required(t, "id", "id = \"long_term_unemployed\"").and_then(|v| identifier(r, v, "multiplier `id`"));
    // Without `when` the multiplier applies to every eligible participant
    // (a table factor then decides who gets what).
    let when = match t.get("when") {
        Some(w) => {
            let w = r.table(w, "multiplier `when`")?;
            Some(selector(r, w, &[]))
        }
        None => Some(Selector::default()),
    };
    let factor = r.required(t, "factor", "factor = \"1.5\"").and_then(|f| factor(r, f));
    Some(Multiplier {
        id: id?,
        when: when?,
        factor: factor?,
        items: t.get("outcomes").map(|v| r.strings(v, "`outcomes`")).unwrap_or_default(),
        clause: r.opt_string(t, "clause"),
    })
}

fn factor(r: &mut Reader, v: &Value) -> Option<Factor> {
    if let Some(text) = terms_payment::rule_ref(r, v, "`factor`") {
        return text.map(Factor::Rule);
    }
    if let Some(reference) = table_ref(r, v, "`factor`") {
        return reference.map(Factor::Table);
    }
    positive(r, v, "`factor`", "factor = \"1.5\"").map(Factor::Fixed)
}

pub(crate) const EXCLUSIVE_KEYS: &[&str] = &["outcomes", "clause", "policy"];

fn exclusive(r: &mut Reader, v: &Value) -> Option<Exclusive> {
    let t = r.table(v, "[[exclusive]]")?;
    r.unknown_keys(t, EXCLUSIVE_KEYS);
    let policy = terms_payment::exclusive_policy(r, t);
    let items =
        r.required(t, "outcomes", "outcomes = [\"employed_6m\", \"education\"]").map(|v| r.strings(v, "`outcomes`"))?;
    if items.len() < 2 {
        r.error(v.span(), "an [[exclusive]] group needs at least two outcomes");
    }
    Some(Exclusive { items, clause: r.opt_string(t, "clause"), policy: policy? })
}

/// `[payment] clawback = true`: a paid outcome the corrected records no
/// longer support is recovered by a negative adjustment in the next run
/// (otherwise it is flagged for review).
pub(crate) const PAYMENT_KEYS: &[&str] = &["clawback"];

fn clawback(r: &mut Reader, v: &Value) -> bool {
    let Some(t) = r.table(v, "[payment]") else { return false };
    r.unknown_keys(t, PAYMENT_KEYS);
    t.get("clawback").and_then(|v| r.boolean(v, "`clawback`")).unwrap_or(false)
}

pub(crate) const CAPS_KEYS: &[&str] = &["per_participant", "contract_total"];

fn caps(r: &mut Reader, v: &Value) -> Caps {
    let Some(t) = r.table(v, "[caps]") else { return Caps::default() };
    r.unknown_keys(t, CAPS_KEYS);
    Caps {
        per_participant: t.get("per_participant").and_then(|v| cap(r, v, "`per_participant`")),
        contract_total: t.get("contract_total").and_then(|v| cap(r, v, "`contract_total`")),
    }
}

/// How each input column of `table` gets its value, checked against the
/// fields the engine knows and the attributes the contract declares.
fn table_inputs(r: &mut Reader, table: &DecisionTable, attributes: &BTreeMap<String, AttributeType>) -> Vec<Input> {
    let mut out = Vec::new();
    for column in &table.inputs {
        let input = match &column.source {
            InputSource::Given => Input::Given,
            InputSource::Expression { text, span } => Input::Rule(rule_text(r, text.clone(), span.clone())),
            InputSource::Field(name) => match Field::from_name(name) {
                Some(field) => {
                    check_field_type(r, table, column, &field, attributes);
                    Input::Field(field)
                }
                None => {
                    let msg = format!("table `{}`, input `{}`: unknown field \"{name}\"", table.name, column.name);
                    let help = hint(
                        name,
                        &Field::NAMES,
                        &format!(
                        "name one of: {}, or attr.NAME for a declared attribute; or write expr = '…' instead of from",
                        Field::NAMES.join(", ")
                    ),
                    );
                    r.error(column.span.clone(), msg).help = Some(help);
                    continue;
                }
            },
        };
        out.push(input);
    }
    out
}

fn check_field_type(
    r: &mut Reader,
    table: &DecisionTable,
    column: &crate::tables::InputColumn,
    field: &Field,
    attributes: &BTreeMap<String, AttributeType>,
) {
    use crate::tables::ColumnType as C;
    let natural = match field {
        Field::Outcome | Field::Municipality => C::Text,
        Field::Groups => C::TextSet,
        Field::Age | Field::UnemploymentDaysBeforeStart => C::Number,
        Field::ServiceStart | Field::ServiceEnd => C::Date,
        Field::Completed => C::Boolean,
        Field::Attribute(name) => match attributes.get(name) {
            Some(AttributeType::Text) => C::Text,
            Some(AttributeType::Number) => C::Number,
            Some(AttributeType::Date) => C::Date,
            Some(AttributeType::Boolean) => C::Boolean,
            None => {
                let msg =
                    format!("table `{}`, input `{}`: attribute `{name}` is not declared", table.name, column.name);
                r.error(column.span.clone(), msg).help =
                    Some(format!("declare it under [attributes], e.g. {name} = \"number\""));
                return;
            }
        },
    };
    if natural != column.column_type {
        let msg = format!(
            "table `{}`, input `{}`: the field is of type {}, but the column says {}",
            table.name,
            column.name,
            natural.name(),
            column.column_type.name()
        );
        r.error(column.span.clone(), msg).help = Some(format!("write type = \"{}\"", natural.name()));
    }
}

/// Check a `{ table = … }` reference: the table exists and has the output,
/// of the expected type. Fills in the output when the table has only one.
fn check_table_ref(
    r: &mut Reader,
    c: &Contract,
    reference: &mut TableRef,
    expected: crate::tables::ColumnType,
    what: &str,
) {
    let span = find_string(r.text, &reference.table).unwrap_or(0..1);
    let Some(table) = c.table(&reference.table) else {
        let names: Vec<&str> = c.tables.iter().map(|t| t.name.as_str()).collect();
        let help = hint(&reference.table, &names, "declare it as [tables.NAME] in this contract");
        r.error(span, format!("{what} names table `{}`, which this contract does not have", reference.table)).help =
            Some(help);
        return;
    };
    if reference.output.is_empty() {
        match table.outputs.as_slice() {
            [only] => reference.output = only.name.clone(),
            _ => {
                r.error(span, format!("table `{}` has several outputs; say which one {what} reads", table.name)).help =
                    Some("add output = \"NAME\" beside table = \"…\"".into());
                return;
            }
        }
    }
    if let Some(column) = table.inputs.iter().find(|c| c.source == InputSource::Given) {
        let msg = format!(
            "{what} uses table `{}`, but its input `{}` does not say where its value comes from",
            table.name, column.name
        );
        r.error(column.span.clone(), msg).help =
            Some("add from = \"age\" (a record field) or expr = '…' (a rule) to the column".into());
    }
    match table.outputs.iter().find(|o| o.name == reference.output) {
        Some(o) if o.column_type == expected => {}
        Some(o) => {
            let msg = format!(
                "{what} needs a {} output, but `{}` of table `{}` is {}",
                expected.name(),
                o.name,
                table.name,
                o.column_type.name()
            );
            r.error(span, msg);
        }
        None => {
            r.error(span, format!("table `{}` has no output `{}`", table.name, reference.output));
        }
    }
}

/// The smallest number a table output may give where it is used.
#[derive(Clone, Copy)]
enum Least {
    /// Tariffs: zero or more.
    Zero,
    /// Factors: more than zero.
    AboveZero,
}

/// Refuse output cells a tariff or factor cannot be: a negative tariff
/// would pay a negative line, a zero or negative factor would cancel or
/// invert a payment. Each offending row is named at its position.
fn check_output_cells(r: &mut Reader, c: &Contract, reference: &TableRef, least: Least, what: &str) {
    let Some(table) = c.table(&reference.table) else { return };
    let Some(column) = table.outputs.iter().position(|o| o.name == reference.output) else { return };
    for row in &table.rows {
        let Some(crate::tables::Value::Number(n)) = row.outputs.get(column) else { continue };
        let (bad, allowed) = match least {
            Least::Zero => (*n < Decimal::ZERO, "zero or more"),
            Least::AboveZero => (*n <= Decimal::ZERO, "greater than zero"),
        };
        if bad {
            let msg = format!(
                "table `{}`, row {}: output `{}` is {n}, but {what} must be {allowed}",
                table.name, row.number, reference.output
            );
            r.error(row.span.clone(), msg).help = Some(match least {
                Least::Zero => {
                    "write the tariff as a positive amount or zero; a deduction is not a negative payment".into()
                }
                Least::AboveZero => {
                    "write the factor as a positive number, e.g. \"1.25\"; 1 leaves the price as it is".into()
                }
            });
        }
    }
}

/// Resolve the outputs of every table reference (see [`check_table_ref`]).
fn resolve_table_refs(r: &mut Reader, c: &mut Contract) {
    use crate::tables::ColumnType as C;
    let snapshot = c.clone();
    for item in &mut c.items {
        if let Tariff::Table(reference) = &mut item.tariff {
            let what = format!("the tariff of `{}`", item.id);
            check_table_ref(r, &snapshot, reference, C::Number, &what);
            check_output_cells(r, &snapshot, reference, Least::Zero, &what);
        }
        if let Some(reference) = &mut item.condition_table {
            check_table_ref(r, &snapshot, reference, C::Boolean, &format!("the condition of `{}`", item.id));
        }
        if let Some(Occurrences::Table(reference)) = &mut item.max_from {
            check_table_ref(r, &snapshot, reference, C::Number, &format!("`max_per_participant` of `{}`", item.id));
        }
    }
    for m in &mut c.multipliers {
        if let Factor::Table(reference) = &mut m.factor {
            let what = format!("the factor of multiplier `{}`", m.id);
            check_table_ref(r, &snapshot, reference, C::Number, &what);
            check_output_cells(r, &snapshot, reference, Least::AboveZero, &what);
        }
    }
    if let Some(reference) = &mut c.eligibility.table {
        check_table_ref(r, &snapshot, reference, C::Boolean, "eligibility");
    }
    for test in &mut c.eligibility.tests {
        if let Some(reference) = &mut test.table {
            check_table_ref(r, &snapshot, reference, C::Boolean, &format!("eligibility test `{}`", test.code));
        }
    }
}

/// Rules read a parameter on the participant's service start, so a
/// parameter with dated versions must cover every start date the contract
/// admits: the eligibility's `service_start` range (any date when it is not
/// set), without holes. Otherwise an eligible participant stops the run. A
/// start outside that range is refused before any rule runs, so those days
/// need no version.
fn check_parameter_dates(r: &mut Reader, root: Table, c: &Contract) {
    let starts = c.eligibility.service_start;
    let from = starts.map_or(NaiveDate::MIN, |s| s.from);
    let to = starts.and_then(|s| s.to);
    let Some(DeValue::Table(section)) = root.get("parameters").map(|v| v.get_ref()) else { return };
    for (name, timeline) in &c.parameters {
        let Some(uncovered) = first_uncovered(&timeline.versions, from, to) else { continue };
        let span = section.iter().find(|(k, _)| k.get_ref() == name).map_or(0..1, |(_, v)| v.span());
        let versions: Vec<String> = timeline.versions.iter().map(version_text).collect();
        let admitted = match starts {
            None => "any date: [eligibility] sets no service_start".to_string(),
            Some(_) => match to {
                Some(to) => format!("{from} to {to}"),
                None => format!("{from} on"),
            },
        };
        let day = match timeline.versions.first() {
            Some(first) if uncovered == NaiveDate::MIN => format!("the days before {}", first.period.from),
            _ => uncovered.to_string(),
        };
        let msg = format!(
            "parameter `{name}` has no value on {day}, yet rules read it on a participant's service start, which can be {admitted}; its versions are {}",
            versions.join(", ")
        );
        let first = timeline.versions.first().map_or(c.valid.from, |v| v.period.from);
        r.error(span, msg).help = Some(if starts.is_none() {
            format!("limit who counts with service_start = {{ from = {first} }} under [eligibility], or write the parameter as one value in force on every date")
        } else {
            format!("start the first version on {from} or earlier and leave no day between versions, or narrow [eligibility] service_start")
        });
    }
}

/// The first day in `from..=to` (`to: None` = open-ended) that no version
/// covers; versions are in date order and do not overlap.
fn first_uncovered<T>(versions: &[Version<T>], from: NaiveDate, to: Option<NaiveDate>) -> Option<NaiveDate> {
    let mut day = from;
    for v in versions {
        if v.period.from > day {
            return Some(day);
        }
        match v.period.to {
            None => return None,
            Some(end) if end >= day => match end.succ_opt() {
                Some(next) => day = next,
                None => return None,
            },
            Some(_) => {}
        }
        if to.is_some_and(|to| day > to) {
            return None;
        }
    }
    (to.is_none_or(|to| day <= to)).then_some(day)
}

/// `from 2026-01-01: 12 (§ 5)` for a parameter version in messages.
fn version_text(v: &Version<Parameter>) -> String {
    let value = match &v.value {
        Parameter::Decimal(d) => d.to_string(),
        Parameter::Integer(i) => i.to_string(),
        Parameter::Text(t) => format!("{t:?}"),
        Parameter::Bool(b) => b.to_string(),
        Parameter::Date(d) => d.to_string(),
    };
    let period = match v.period.to {
        Some(to) => format!("{} to {to}", v.period.from),
        None => format!("from {}", v.period.from),
    };
    match &v.clause {
        Some(clause) => format!("{period}: {value} ({clause})"),
        None => format!("{period}: {value}"),
    }
}

/// Checks across sections: references to outcomes, groups and ids.
fn cross_check(r: &mut Reader, root: Table, c: &Contract) {
    let mut seen = BTreeSet::new();
    let outcome_ids: Vec<&str> =
        c.items.iter().filter(|i| i.kind == ItemKind::Outcome).map(|i| i.id.as_str()).collect();
    for (n, item) in c.items.iter().enumerate() {
        let span = section_span(root, "outcome", n.saturating_sub(usize::from(c.items[0].kind == ItemKind::StartFee)));
        if !seen.insert(item.id.as_str()) {
            r.error(span.clone(), format!("outcome id `{}` is used twice", item.id)).help =
                Some("give every outcome its own id".into());
        }
        for req in &item.requires {
            let earlier = c.items[..n].iter().any(|i| &i.id == req);
            if !earlier {
                let msg = format!("outcome `{}` requires `{req}`, which is not an outcome declared before it", item.id);
                let help = hint(req, &outcome_ids, "list required outcomes above the outcome that requires them");
                r.error(span.clone(), msg).help = Some(help);
            }
        }
    }
    for m in &c.multipliers {
        check_refs(r, root, "multiplier", &m.items, &outcome_ids);
        check_groups(r, root, c, &m.when);
    }
    for e in &c.exclusive {
        check_refs(r, root, "exclusive", &e.items, &outcome_ids);
    }
    check_groups(r, root, c, &c.eligibility.who);
}

fn hint(word: &str, known: &[&str], otherwise: &str) -> String {
    match closest(word, known) {
        Some(k) => format!("did you mean `{k}`?"),
        None => otherwise.to_string(),
    }
}

fn section_span(root: Table, key: &str, index: usize) -> std::ops::Range<usize> {
    match root.get(key).map(|v| v.get_ref()) {
        Some(DeValue::Array(items)) => items.get(index).map_or(root.range(), |v| v.span()),
        _ => root.get(key).map_or(0..1, |v| v.span()),
    }
}

fn check_refs(r: &mut Reader, root: Table, section: &str, refs: &[String], outcome_ids: &[&str]) {
    for id in refs.iter().filter(|id| !outcome_ids.contains(&id.as_str())) {
        let span = find_string(r.text, id).unwrap_or_else(|| section_span(root, section, 0));
        let help = hint(id, outcome_ids, &format!("the outcomes are: {}", outcome_ids.join(", ")));
        r.error(span, format!("[[{section}]] names `{id}`, which is not an outcome of this contract")).help =
            Some(help);
    }
}

fn check_groups(r: &mut Reader, root: Table, c: &Contract, s: &Selector) {
    let known: Vec<&str> = c.groups.iter().map(String::as_str).collect();
    for g in s.groups_any.iter().chain(&s.groups_all).chain(&s.groups_none) {
        if known.contains(&g.as_str()) {
            continue;
        }
        let span = find_string(r.text, g).unwrap_or_else(|| root.range());
        let help = match closest(g, &known) {
            Some(k) => format!("did you mean `{k}`?"),
            None => "declare every target group used under [contract] target_groups = [\"…\"]".into(),
        };
        r.error(span, format!("target group `{g}` is not declared in `target_groups`")).help = Some(help);
    }
}

/// The span of the first quoted occurrence of `s`, for references that are
/// plain strings inside lists.
fn find_string(text: &str, s: &str) -> Option<std::ops::Range<usize>> {
    let quoted = format!("\"{s}\"");
    text.find(&quoted).map(|i| i..i + quoted.len())
}

/// A rate between 0 and 1, written as an exact decimal (`"0.40"`).
fn rate(r: &mut Reader, v: &Value, what: &str) -> Option<Decimal> {
    let d = r.decimal(v, what)?;
    if d < Decimal::ZERO || d > Decimal::ONE {
        r.error(v.span(), format!("{what} is a rate between 0 and 1, found {d}")).help =
            Some("write a share as a decimal: \"0.40\" for 40 %".into());
        return None;
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder of its own for each test.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tulos-contract-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const CONTRACT: &str = r#"[contract]
id = "T-1"
title = { fi = "T", en = "T" }
buyer = "B"
provider = "P"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }
USES

[[outcome]]
id = "job_entry"
name = { fi = "T", en = "J" }
achieved_on = 'p.service_start'
tariff = "1000.00"
"#;

    fn messages(file: &Path, text: &str) -> Vec<String> {
        match parse(file, text) {
            Ok(_) => Vec::new(),
            Err(d) => d.0.into_iter().map(|d| d.message).collect(),
        }
    }

    #[test]
    fn an_outcome_that_does_not_parse_is_the_only_error_not_a_missing_requirement() {
        let text = CONTRACT.replace("USES", "").replace(r#"tariff = "1000.00""#, "tariff = 0x4B0")
            + "\n[[outcome]]\nid = \"in_work\"\nname = { fi = \"T\", en = \"W\" }\nrequires = [\"job_entry\"]\n\
               achieved_on = 'p.service_start'\ntariff = \"100.00\"\n\n[[multiplier]]\nid = \"m\"\n\
               factor = \"1.5\"\noutcomes = [\"job_entry\"]\n";
        let found = messages(Path::new("contract.toml"), &text);
        assert_eq!(found, ["`tariff` is written as a hexadecimal number (0x4B0)"]);
    }

    #[test]
    fn ten_thousand_outcomes_are_read_in_linear_time() {
        let outcome = |k: usize| {
            format!("\n[[outcome]]\nid = \"o{k}\"\nname = {{ fi = \"o\", en = \"o\" }}\nachieved_on = 'p.service_start'\ntariff = \"1.00\"\n")
        };
        let outcomes: String = (0..10_000).map(outcome).collect();
        let text = format!("{}{outcomes}", CONTRACT.replace("USES", ""));
        let started = std::time::Instant::now();
        let c = parse(Path::new("contract.toml"), &text).unwrap_or_else(|d| panic!("{:?}", d.0));
        // Lines were counted from the top for every outcome: about a minute
        // in a debug build; well under a second now.
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
        let last = c.items.last().unwrap();
        assert_eq!((c.items.len(), last.line), (10_001, text.lines().count() as u64 - 4));
    }

    #[test]
    fn rules_are_found_in_the_project_but_never_above_it() {
        let root = scratch("levels");
        let contract = root.join("a/b/c/contract.toml");
        std::fs::create_dir_all(contract.parent().unwrap()).unwrap();
        let text = CONTRACT.replace("USES", r#"uses = ["rules/lib.rhai"]"#);
        // Three folders up is outside the project: not searched.
        std::fs::create_dir_all(root.join("rules")).unwrap();
        std::fs::write(root.join("rules/lib.rhai"), "fn f() { 1 }").unwrap();
        assert_eq!(messages(&contract, &text), [r#"rule library "rules/lib.rhai" was not found"#]);
        // Two folders up (`contracts/NAME/` → project) is.
        std::fs::create_dir_all(root.join("a/rules")).unwrap();
        std::fs::write(root.join("a/rules/lib.rhai"), "fn f() { 1 }").unwrap();
        let c = parse(&contract, &text).unwrap();
        assert_eq!(c.libraries[0].path, root.join("a/rules/lib.rhai"));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_library_linked_outside_its_folder_is_refused_unread() {
        let root = scratch("symlink");
        let elsewhere = scratch("elsewhere");
        std::fs::create_dir_all(root.join("rules")).unwrap();
        let secret = elsewhere.join("secret.txt");
        std::fs::write(&secret, "root:x:0:0:SECRET").unwrap();
        std::os::unix::fs::symlink(&secret, root.join("rules/lib.rhai")).unwrap();
        std::os::unix::fs::symlink(&secret, root.join("beside.rhai")).unwrap();
        let contract = root.join("contract.toml");
        for uses in [r#"uses = ["rules/lib.rhai"]"#, r#"uses = ["beside.rhai"]"#] {
            let found = messages(&contract, &CONTRACT.replace("USES", uses));
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(found[0].ends_with("is a link that leads outside its folder"), "{found:?}");
            assert!(!found[0].contains("SECRET") && !found[0].contains("elsewhere"));
        }
        // A link that stays inside rules/ is fine.
        std::fs::write(root.join("rules/real.rhai"), "fn f() { 1 }").unwrap();
        std::fs::remove_file(root.join("rules/lib.rhai")).unwrap();
        std::os::unix::fs::symlink(root.join("rules/real.rhai"), root.join("rules/lib.rhai")).unwrap();
        assert!(parse(&contract, &CONTRACT.replace("USES", r#"uses = ["rules/lib.rhai"]"#)).is_ok());
        std::fs::remove_dir_all(root).unwrap();
        std::fs::remove_dir_all(elsewhere).unwrap();
    }

    /// Diagnostics (message, help) of the test contract with `indicators`.
    fn indicator_problems(indicators: &str) -> Vec<(String, Option<String>)> {
        let text = format!("{}\n{indicators}", CONTRACT.replace("USES", ""));
        match parse(Path::new("contract.toml"), &text) {
            Ok(_) => Vec::new(),
            Err(d) => d.0.into_iter().map(|d| (d.message, d.help)).collect(),
        }
    }

    #[test]
    fn an_indicator_names_an_outcome_and_may_set_a_target() {
        let text = format!(
            "{}\n[[indicator]]\nid = \"job_rate\"\nname = {{ fi = \"T\", en = \"J\" }}\noutcome = \"job_entry\"\ntarget = \"0.40\"\n",
            CONTRACT.replace("USES", "")
        );
        let c = parse(Path::new("contract.toml"), &text).unwrap();
        assert_eq!(c.indicators.len(), 1);
        let i = &c.indicators[0];
        assert_eq!(
            (i.id.as_str(), &i.counts, i.target),
            ("job_rate", &Counted::Outcome("job_entry".into()), Some(Decimal::new(40, 2)))
        );
        assert_eq!(i.line, 16);
    }

    #[test]
    fn every_indicator_problem_is_reported_with_what_to_write() {
        let found = indicator_problems(
            r#"[[indicator]]
id = "job_rate"
name = { fi = "T", en = "J" }
outcome = "job_entyr"
target = "40"
goal = "0.4"

[[indicator]]
id = "job_rate"
name = { fi = "T", en = "J" }
outcome = "job_entry"
"#,
        );
        let expected = [
            (
                "unknown key `goal` in indicator `job_rate`",
                "the keys allowed here are: id, name, outcome, standard, value, target, weight",
            ),
            (
                "indicator `outcome` names `job_entyr`, which is not an outcome of this contract",
                "did you mean `job_entry`?",
            ),
            ("indicator `target` is a rate between 0 and 1, found 40", "write a share as a decimal: \"0.40\" for 40 %"),
            ("indicator id `job_rate` is used twice", "give every indicator its own id"),
        ];
        let expected: Vec<(String, Option<String>)> =
            expected.iter().map(|(m, h)| (m.to_string(), Some(h.to_string()))).collect();
        assert_eq!(found, expected);
        // A missing outcome is named with an example.
        let missing = indicator_problems("[[indicator]]\nid = \"x\"\nname = { fi = \"T\", en = \"J\" }\n");
        assert_eq!(missing[0].0, "indicator `x` is missing the key `outcome` (or `standard`, or `value`)");
        assert_eq!(
            missing[0].1.as_deref(),
            Some("add a line such as: outcome = \"job_entry\", standard = \"employed_3m\" or value = \"tax_paid\"")
        );
    }

    #[test]
    fn a_standard_indicator_and_composite_weights_are_checked_at_load() {
        let found = indicator_problems(
            r#"[[indicator]]
id = "a"
name = { fi = "T", en = "J" }
standard = "employed_4m"

[[indicator]]
id = "b"
name = { fi = "T", en = "J" }
outcome = "job_entry"
standard = "employed_3m"

[[indicator]]
id = "c"
name = { fi = "T", en = "J" }
standard = "employed_3m"
weight = "0.5"

[[indicator]]
id = "d"
name = { fi = "T", en = "J" }
standard = "in_education"
target = "0"
weight = "0.5"
"#,
        );
        let messages: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "indicator `standard` names `employed_4m`, which is not a standard indicator",
                "indicator `b` has both `outcome` and `standard`",
                "indicator `c` has a composite `weight` but no `target`",
                "indicator `d` has a composite `weight` but its `target` is 0",
            ]
        );
        assert_eq!(found[0].1.as_deref(), Some("did you mean `employed_3m`?"));
        let text = format!(
            "{}\n[[indicator]]\nid = \"e\"\nname = {{ fi = \"T\", en = \"J\" }}\nstandard = \"employed_6m\"\ntarget = \"0.3\"\nweight = \"2\"\n[effectiveness]\nmin_cell = 10\n",
            CONTRACT.replace("USES", "")
        );
        let c = parse(Path::new("contract.toml"), &text).unwrap();
        assert_eq!(c.indicators[0].counts, Counted::Standard(StandardIndicator::Employed6m));
        assert_eq!((c.indicators[0].weight, c.effectiveness.min_cell), (Some(Decimal::TWO), 10));
        assert_eq!(
            indicator_problems("[effectiveness]\nmin_cell = 0\n")[0].0,
            "`min_cell` must be a whole number of at least 1, found 0"
        );
    }

    #[test]
    fn the_effectiveness_section_sets_thresholds_targets_and_windows() {
        let text = format!(
            "{}\n[effectiveness]\nchange_meter_threshold = \"1\"\nsatisfaction_target = \"4.0\"\nearnings_before = 6\nearnings_windows = [3, 12]\n",
            CONTRACT.replace("USES", "")
        );
        let e = parse(Path::new("contract.toml"), &text).unwrap().effectiveness;
        assert_eq!(e.change_meter_threshold, Some(Decimal::ONE));
        assert_eq!(e.satisfaction_target, Some(Decimal::new(40, 1)));
        assert_eq!((e.earnings_before, e.earnings_windows), (6, vec![3, 12]));
        // Left out: no threshold or target, 12 months before, 3/6/12 after.
        let plain = parse(Path::new("contract.toml"), &CONTRACT.replace("USES", "")).unwrap();
        assert_eq!(plain.effectiveness, EffectivenessSettings::default());
    }

    #[test]
    fn every_effectiveness_problem_is_reported_with_what_to_write() {
        let found = indicator_problems(
            "[effectiveness]\nchange_meter_treshold = \"1\"\nsatisfaction_target = 4.5\nearnings_before = 0\nearnings_windows = [6, 3, 61]\n",
        );
        let messages: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown key `change_meter_treshold` in [effectiveness]",
                "`satisfaction_target` is written as a floating-point number (4.5)",
                "`earnings_before` must be a whole number of at least 1, found 0",
                "earnings windows must grow: 3 comes after 6",
                "an earnings window is at most 60 months, found 61",
            ]
        );
        assert_eq!(found[0].1.as_deref(), Some("did you mean `change_meter_threshold`?"));
        let target = indicator_problems("[effectiveness]\nsatisfaction_target = \"40\"\n");
        assert_eq!(target[0].0, "`satisfaction_target` is a mean on the scale 1–5, found 40");
        // Every problem names its line.
        let text = format!("{}\n[effectiveness]\nearnings_windows = [3, 3]\n", CONTRACT.replace("USES", ""));
        let d = parse(Path::new("contract.toml"), &text).unwrap_err().0.remove(0);
        assert!(matches!(d.location, Location::Span(_)), "{d:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_rules_folder_linked_outside_the_project_is_refused_unread() {
        let root = scratch("rules-link");
        let elsewhere = scratch("rules-elsewhere");
        std::fs::write(elsewhere.join("lib.rhai"), "SECRET line").unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("rules")).unwrap();
        let contract = root.join("contract.toml");
        let found = messages(&contract, &CONTRACT.replace("USES", r#"uses = ["rules/lib.rhai"]"#));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].ends_with("is a link that leads outside its folder"), "{found:?}");
        assert!(!found[0].contains("SECRET"));
        std::fs::remove_dir_all(root).unwrap();
        std::fs::remove_dir_all(elsewhere).unwrap();
    }

    fn with_parameter(eligibility: &str, versions: &str) -> Vec<String> {
        let text = format!(
            "{}\n[eligibility]\n{eligibility}\n\n[parameters]\nmonths = [\n{versions}\n]\n",
            CONTRACT.replace("USES", "")
        );
        messages(Path::new("contract.toml"), &text)
    }

    #[test]
    fn dated_parameters_must_cover_every_admitted_start() {
        let versions = r#"{ from = 2026-01-01, value = 12, clause = "§ 5" }, { from = 2026-09-01, value = 9 },"#;
        let found = with_parameter("groups_any = []", versions);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("parameter `months` has no value on the days before 2026-01-01"), "{found:?}");
        assert!(found[0].ends_with("its versions are 2026-01-01 to 2026-08-31: 12 (§ 5), from 2026-09-01: 9"));
        assert_eq!(with_parameter("service_start = { from = 2026-01-01 }", versions), Vec::<String>::new());
        // A hole between versions, and an end before the last admitted start.
        let holed =
            r#"{ from = 2026-01-01, to = 2026-03-31, value = 12 }, { from = 2026-05-01, to = 2026-06-30, value = 9 },"#;
        let found = with_parameter("service_start = { from = 2026-01-01, to = 2026-12-31 }", holed);
        assert!(found[0].starts_with("parameter `months` has no value on 2026-04-01"), "{found:?}");
        let ends = r#"{ from = 2026-01-01, to = 2026-06-30, value = 12 },"#;
        let found = with_parameter("service_start = { from = 2026-01-01, to = 2026-12-31 }", ends);
        assert!(found[0].starts_with("parameter `months` has no value on 2026-07-01"), "{found:?}");
        let found = with_parameter("service_start = { from = 2026-01-01, to = 2026-06-30 }", ends);
        assert_eq!(found, Vec::<String>::new());
    }
}
