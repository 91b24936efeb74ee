//! `tulos schema`: a JSON Schema (draft-07, which Taplo and Even Better TOML
//! read) of the contract TOML format, so an editor can complete keys and flag
//! a misspelt one as it is typed.
//!
//! The keys of every section come from the lists the parser checks them
//! against (`crate::contract::keys`), so the schema cannot offer a key the
//! parser refuses or miss one it reads. Only each key's shape and a short
//! description are written here; a unit test fails when a key has none.
//! Values whose form the parser decides (amounts, dated versions, rules,
//! table references) are described but left open: `tulos check` still has
//! the last word, with its file, line and column.

use serde_json::{json, Map, Value};

use crate::contract::keys::*;

/// The shape of one key's value.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Texts,
    Flag,
    Whole,
    /// A TOML date (`2026-01-31`); also its JSON form from the `toml` crate.
    Date,
    /// Left to the parser: an amount, dated versions, a rule or a table reference.
    Open,
    /// A table of free names (parameters, decision tables).
    FreeTable,
    /// `[attributes]`: name = "type" or name = { type, required }.
    Attributes,
    /// A table whose keys are the named section's.
    Table(&'static str),
    /// An array of tables (`[[…]]`) of the named section.
    Tables(&'static str),
    /// A rule written as text, or a standard form (the named section).
    RuleOrForm(&'static str),
    /// A rule, a `{ table, output }` reference or a standard form.
    RuleTableOrForm(&'static str),
}

/// A section: a name used in `ENTRIES`, and the parser's key lists for it.
struct Section {
    name: &'static str,
    keys: &'static [&'static [&'static str]],
}

const SECTIONS: &[Section] = &[
    Section { name: "", keys: &[TOP_KEYS] },
    Section { name: "contract", keys: &[CONTRACT_KEYS] },
    Section { name: "names", keys: &[NAMES_KEYS] },
    Section { name: "range", keys: &[DATE_RANGE_KEYS] },
    Section { name: "rounding", keys: &[ROUNDING_KEYS] },
    Section { name: "attribute", keys: &[ATTRIBUTE_KEYS] },
    Section { name: "eligibility", keys: &[SELECTOR_KEYS, ELIGIBILITY_KEYS] },
    Section { name: "eligibility.test", keys: &[ELIGIBILITY_TEST_KEYS] },
    Section { name: "start_fee", keys: &[START_FEE_KEYS] },
    Section { name: "outcome", keys: &[OUTCOME_KEYS, &OUTCOME_PAYMENT_KEYS] },
    Section { name: "fixed_fee", keys: &[FIXED_FEE_KEYS] },
    Section { name: "multiplier", keys: &[MULTIPLIER_KEYS] },
    Section { name: "when", keys: &[SELECTOR_KEYS] },
    Section { name: "exclusive", keys: &[EXCLUSIVE_KEYS] },
    Section { name: "caps", keys: &[CAPS_KEYS] },
    Section { name: "payment", keys: &[PAYMENT_KEYS] },
    Section { name: "indicator", keys: &[INDICATOR_KEYS] },
    Section { name: "effectiveness", keys: &[EFFECTIVENESS_KEYS] },
    Section { name: "value", keys: &[VALUE_KEYS] },
    Section { name: "impact_payment", keys: &[IMPACT_KEYS] },
    Section { name: "term", keys: &[TERM_KEYS] },
    Section { name: "table_ref", keys: &[TABLE_REF_KEYS] },
    Section { name: "rule_ref", keys: &[RULE_REF_KEYS] },
    Section { name: "standard_date", keys: &[STANDARD_DATE_KEYS] },
    Section { name: "standard_condition", keys: &[STANDARD_CONDITION_KEYS] },
];

use Kind::*;

const AMOUNT: &str = "an amount in quotes (\"1200.00\") or a whole number";
const SELECT_GROUPS: &str = "target groups (declared in [contract] target_groups)";

/// (section, key, shape, description), the descriptions from the README's reference.
#[rustfmt::skip]
const ENTRIES: &[(&str, &str, Kind, &str)] = &[
    ("", "contract", Table("contract"), "the contract's identity"),
    ("", "attributes", Attributes, "record attributes the rules read and their types"),
    ("", "parameters", FreeTable, "named values the rules read, plain or in dated versions"),
    ("", "eligibility", Table("eligibility"), "who the contract pays for"),
    ("", "start_fee", Table("start_fee"), "the fee paid when a participant starts"),
    ("", "outcome", Tables("outcome"), "an outcome paid when achieved"),
    ("", "fixed_fee", Tables("fixed_fee"), "a fee paid on fixed dates"),
    ("", "multiplier", Tables("multiplier"), "a factor for some participants' outcome payments"),
    ("", "exclusive", Tables("exclusive"), "outcomes of which only one is paid"),
    ("", "caps", Table("caps"), "ceilings on payments"),
    ("", "tables", FreeTable, "decision tables, by name"),
    ("", "indicator", Tables("indicator"), "an effectiveness indicator"),
    ("", "effectiveness", Table("effectiveness"), "settings of the effectiveness score"),
    ("", "payment", Table("payment"), "payment-run settings"),
    ("", "value", Tables("value"), "a value computed from records for impact-based payment"),
    ("", "impact_payment", Tables("impact_payment"), "a payment on measured impact"),

    ("contract", "id", Text, "contract id; records with another `contract` are not evaluated"),
    ("contract", "title", Table("names"), "the contract's title"),
    ("contract", "buyer", Text, "the employment area buying the service"),
    ("contract", "provider", Text, "the service provider"),
    ("contract", "service", Text, "service type, e.g. labour_market_training"),
    ("contract", "valid", Table("range"), "the contract period"),
    ("contract", "currency", Text, "\"EUR\" (the only one)"),
    ("contract", "value", Open, "total contract value, for fees given as a share of it"),
    ("contract", "vat_percent", Open, "VAT rate in percent (default \"0\"), or dated versions"),
    ("contract", "rounding", Table("rounding"), "how amounts are rounded"),
    ("contract", "multipliers", Text, "\"highest\" (default) or \"product\""),
    ("contract", "target_groups", Texts, "the vocabulary of target groups"),
    ("contract", "spell_kinds", Texts, "spell kinds beyond the standard ones"),
    ("contract", "event_kinds", Texts, "the event kinds the records may carry"),
    ("contract", "uses", Texts, "rule libraries, e.g. [\"rules/employment.rhai\"]"),
    ("contract", "instruments", Texts, "the measurement instruments the records may carry"),
    ("contract", "dimensions", Texts, "the dimensions instruments score"),
    ("contract", "leap_day_birthday", Text, "\"feb_28\" (default) or \"march_1\""),
    ("contract", "version", Open, "the contract's version"),

    ("names", "fi", Text, "in Finnish"),
    ("names", "en", Text, "in English"),
    ("range", "from", Date, "first day (YYYY-MM-DD)"),
    ("range", "to", Date, "last day (YYYY-MM-DD); open-ended when left out"),
    ("rounding", "scale", Whole, "decimal places, 0–10 (default 2)"),
    ("rounding", "mode", Text, "half_away_from_zero (default), half_even or down"),
    ("attribute", "type", Text, "the attribute's type, e.g. \"number\" or \"text\""),
    ("attribute", "required", Flag, "a record without it is an input error"),

    ("eligibility", "groups_any", Texts, SELECT_GROUPS),
    ("eligibility", "groups_all", Texts, SELECT_GROUPS),
    ("eligibility", "groups_none", Texts, SELECT_GROUPS),
    ("eligibility", "municipalities", Texts, "municipality codes"),
    ("eligibility", "condition", Open, "a rule (rhai) returning true or false"),
    ("eligibility", "service_start", Table("range"), "when the service must have started"),
    ("eligibility", "completed", Open, "whether the service must have been completed"),
    ("eligibility", "clause", Text, "the contract clause"),
    ("eligibility", "table", Text, "a decision table deciding eligibility"),
    ("eligibility", "test", Tables("eligibility.test"), "a named eligibility test"),
    ("eligibility.test", "code", Text, "the reason code shown when the test excludes"),
    ("eligibility.test", "condition", Open, "a rule (rhai) true when the participant is excluded"),
    ("eligibility.test", "table", Text, "a decision table deciding the test"),
    ("eligibility.test", "clause", Text, "the contract clause"),

    ("start_fee", "name", Table("names"), "the fee's name"),
    ("start_fee", "clause", Text, "the contract clause"),
    ("start_fee", "tariff", Open, AMOUNT),
    ("start_fee", "cap_total", Open, "ceiling on the fee over the contract"),

    ("outcome", "id", Text, "the outcome's identifier, e.g. employed_3m"),
    ("outcome", "name", Table("names"), "the outcome's name"),
    ("outcome", "clause", Text, "the contract clause"),
    ("outcome", "condition", RuleTableOrForm("standard_condition"), "a rule (rhai), { table = \"…\" } or { measure_gain = … } deciding whether it is achieved"),
    ("outcome", "achieved_on", RuleOrForm("standard_date"), "a rule giving the date it is achieved, or a standard form"),
    ("outcome", "tariff", Open, "an amount in quotes, dated versions, { table } or { rule }"),
    ("outcome", "requires", Texts, "outcomes that must be achieved first"),
    ("outcome", "max_per_participant", Whole, "how many times one participant can be paid"),
    ("outcome", "cap_total", Open, "ceiling on this outcome over the contract"),
    ("outcome", "cap_per_participant", Open, "ceiling on this outcome per participant"),
    ("outcome", "in_participant_cap", Flag, "whether it counts towards [caps] per_participant"),

    ("fixed_fee", "id", Text, "the fee's identifier"),
    ("fixed_fee", "name", Table("names"), "the fee's name"),
    ("fixed_fee", "clause", Text, "the contract clause"),
    ("fixed_fee", "amount", Open, AMOUNT),
    ("fixed_fee", "percent_of_value", Open, "the fee as a percentage of the contract value"),
    ("fixed_fee", "every", Open, "how often it is paid"),
    ("fixed_fee", "from", Date, "first date (default: the contract's)"),
    ("fixed_fee", "to", Date, "last date (default: the contract's)"),
    ("fixed_fee", "prorate", Open, "how a part period is paid"),

    ("multiplier", "id", Text, "the multiplier's identifier"),
    ("multiplier", "when", Table("when"), "who it applies to (every eligible participant when left out)"),
    ("multiplier", "factor", Open, "a factor in quotes, or { table = \"…\" }"),
    ("multiplier", "outcomes", Texts, "the outcomes it multiplies"),
    ("multiplier", "clause", Text, "the contract clause"),
    ("when", "groups_any", Texts, SELECT_GROUPS),
    ("when", "groups_all", Texts, SELECT_GROUPS),
    ("when", "groups_none", Texts, SELECT_GROUPS),
    ("when", "municipalities", Texts, "municipality codes"),
    ("when", "condition", Open, "a rule (rhai) returning true or false"),

    ("exclusive", "outcomes", Texts, "at least two outcomes of which only one is paid"),
    ("exclusive", "clause", Text, "the contract clause"),
    ("exclusive", "policy", Open, "which of the outcomes is paid"),
    ("caps", "per_participant", Open, "ceiling per participant"),
    ("caps", "contract_total", Open, "ceiling over the whole contract"),
    ("payment", "clawback", Flag, "recover a paid outcome the corrected records no longer support"),

    ("indicator", "id", Text, "the indicator's identifier"),
    ("indicator", "name", Table("names"), "the indicator's name"),
    ("indicator", "outcome", Text, "the outcome whose rate it measures"),
    ("indicator", "standard", Text, "a standard indicator"),
    ("indicator", "value", Open, "a rule giving the indicator's value"),
    ("indicator", "target", Open, "the target rate"),
    ("indicator", "weight", Open, "the indicator's weight in the score"),
    ("effectiveness", "change_meter_threshold", Open, "change in the change meter that counts"),
    ("effectiveness", "satisfaction_target", Open, "the customer-satisfaction target"),
    ("effectiveness", "earnings_before", Open, "the earnings window before the service"),
    ("effectiveness", "earnings_windows", Open, "the earnings windows after the service"),
    ("effectiveness", "min_cell", Open, "the smallest breakdown cell shown"),

    ("value", "id", Text, "the value's identifier"),
    ("value", "name", Table("names"), "the value's name"),
    ("value", "rule", Open, "a rule (rhai) computing it from a participant's records"),
    ("value", "clause", Text, "the contract clause"),
    ("impact_payment", "id", Text, "the payment's identifier"),
    ("impact_payment", "name", Table("names"), "the payment's name"),
    ("impact_payment", "clause", Text, "the contract clause"),
    ("impact_payment", "outcome", Text, "the outcome whose rate is measured"),
    ("impact_payment", "price", Open, "the price per unit of impact"),
    ("impact_payment", "threshold", Open, "the impact below which nothing is paid"),
    ("impact_payment", "additional", Open, "how the additional impact is counted"),
    ("impact_payment", "values", Tables("term"), "values summed into the measure"),
    ("impact_payment", "share", Open, "the provider's share of the impact"),
    ("impact_payment", "against", Open, "the control group compared against"),
    ("impact_payment", "baseline", Open, "the baseline compared against"),
    ("impact_payment", "pay_on", Open, "when it is paid"),
    ("impact_payment", "cap", Open, "ceiling on the payment"),
    ("impact_payment", "date", Date, "the payment's date"),
    ("term", "value", Text, "a [[value]] id"),
    ("term", "sign", Whole, "1 to add, -1 to subtract"),
    ("term", "baseline", Open, "the value's baseline"),

    ("table_ref", "table", Text, "the decision table's name"),
    ("table_ref", "output", Text, "the output column read"),
    ("rule_ref", "rule", Text, "a rule (rhai) returning an amount"),

    ("standard_date", "lasting_days", Open, "form: the day a run of this many uninterrupted days in spell `in` is complete (number or parameter)"),
    ("standard_date", "months_after", Open, "form: in spell `in` on the day this many months after `of` (number or parameter)"),
    ("standard_date", "first_day_in", Text, "form: the first day in this spell kind within the window"),
    ("standard_date", "every_days", Open, "form: the end of each further run of this many days in spell `in` (number or parameter)"),
    ("standard_date", "last_measured", Text, "form: the day of this instrument's last measurement"),
    ("standard_date", "first_event", Text, "form: the day of the first event of this kind within the window"),
    ("standard_date", "in", Text, "the spell kind, e.g. \"employment\""),
    ("standard_date", "starting_within_months", Open, "the run must start within this many months (number or parameter)"),
    ("standard_date", "within_months", Open, "the window's length in months (number or parameter)"),
    ("standard_date", "at_most", Open, "at most this many days are given (number or parameter)"),
    ("standard_date", "of", Text, "service_start, service_end or an earlier outcome in `requires`"),
    ("standard_date", "from", Text, "the window starts on this day: service_start, service_end or an outcome in `requires`"),
    ("standard_date", "after", Text, "the window starts the day after: service_start, service_end or an outcome in `requires`"),
    ("standard_condition", "measure_gain", Text, "the instrument whose last minus first measurement is compared"),
    ("standard_condition", "dimension", Text, "only this dimension (otherwise the sum over the shared dimensions)"),
    ("standard_condition", "at_least", Open, "the smallest gain that counts (number or parameter)"),
];

/// The JSON Schema of a contract file.
pub fn contract_schema() -> Value {
    let mut schema = section("");
    if let Value::Object(map) = &mut schema {
        let mut head = Map::new();
        head.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
        head.insert("$id".into(), json!("https://tulos.invalid/contract.schema.json"));
        head.insert("title".into(), json!("tulos contract"));
        head.insert("description".into(), json!("An outcome-based procurement contract read by `tulos`."));
        head.append(map);
        *map = head;
    }
    schema
}

/// One section's object schema: its keys from the parser, nothing else allowed.
fn section(name: &str) -> Value {
    let properties: Map<String, Value> = keys_of(name)
        .into_iter()
        .map(|key| (key.to_string(), entry(name, key).map_or(json!({}), |(kind, text)| property(kind, text))))
        .collect();
    json!({ "type": "object", "properties": properties, "additionalProperties": false })
}

fn keys_of(name: &str) -> Vec<&'static str> {
    let lists = SECTIONS.iter().find(|s| s.name == name).map_or(&[][..], |s| s.keys);
    let mut keys: Vec<&str> = Vec::new();
    for key in lists.iter().flat_map(|list| list.iter()) {
        if !keys.contains(key) {
            keys.push(key);
        }
    }
    keys
}

fn entry(section: &str, key: &str) -> Option<(Kind, &'static str)> {
    ENTRIES.iter().find(|(s, k, _, _)| *s == section && *k == key).map(|&(_, _, kind, text)| (kind, text))
}

fn property(kind: Kind, description: &str) -> Value {
    let mut value = shape(kind);
    if let Value::Object(map) = &mut value {
        map.insert("description".into(), json!(description));
    }
    value
}

fn shape(kind: Kind) -> Value {
    match kind {
        Text => json!({ "type": "string" }),
        Texts => json!({ "type": "array", "items": { "type": "string" } }),
        Flag => json!({ "type": "boolean" }),
        Whole => json!({ "type": "integer" }),
        // An editor sees a TOML date as a string; the `toml` crate's JSON
        // form of one is an object with a single private key.
        Date => json!({ "anyOf": [
            { "type": "string" },
            { "type": "object", "properties": { "$__toml_private_datetime": { "type": "string" } },
              "required": ["$__toml_private_datetime"], "additionalProperties": false }
        ] }),
        Open => json!({}),
        FreeTable => json!({ "type": "object" }),
        Attributes => json!({ "type": "object", "additionalProperties": { "anyOf": [
            { "type": "string" }, section("attribute")
        ] } }),
        Table(name) => section(name),
        Tables(name) => json!({ "type": "array", "items": section(name) }),
        RuleOrForm(name) => json!({ "anyOf": [{ "type": "string" }, section(name)] }),
        RuleTableOrForm(name) => json!({ "anyOf": [{ "type": "string" }, section("table_ref"), section(name)] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key the parser reads without a schema entry would be offered by no
    /// editor; one with an entry the parser no longer reads would be stale.
    #[test]
    fn every_parser_key_has_a_schema_entry_and_no_entry_is_stale() {
        let mut missing = Vec::new();
        for s in SECTIONS {
            for key in keys_of(s.name) {
                if entry(s.name, key).is_none() {
                    missing.push(format!("[{}] {key}", s.name));
                }
            }
        }
        assert!(missing.is_empty(), "keys without a schema entry: {missing:?}");
        let stale: Vec<_> = ENTRIES
            .iter()
            .filter(|(s, k, _, _)| !keys_of(s).contains(k))
            .map(|(s, k, _, _)| format!("[{s}] {k}"))
            .collect();
        assert!(stale.is_empty(), "schema entries the parser does not read: {stale:?}");
    }

    #[test]
    fn every_section_named_by_an_entry_exists() {
        for (_, _, kind, _) in ENTRIES {
            if let Table(name) | Tables(name) | RuleOrForm(name) | RuleTableOrForm(name) = kind {
                assert!(SECTIONS.iter().any(|s| s.name == *name), "no section {name}");
            }
        }
    }

    #[test]
    fn every_table_is_closed_against_misspelt_keys() {
        let schema = contract_schema();
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(schema["properties"]["contract"]["additionalProperties"], json!(false));
        assert_eq!(schema["properties"]["outcome"]["items"]["additionalProperties"], json!(false));
        assert!(schema["properties"]["outcome"]["items"]["properties"]["tariff"]["description"].is_string());
    }
}
