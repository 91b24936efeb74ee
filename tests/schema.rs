//! `tulos schema` against the shipped contracts: each validates, and a
//! misspelt key is flagged, as an editor using the schema would show.
//!
//! The checker below covers the keywords the schema uses (`type`,
//! `properties`, `additionalProperties`, `items`, `required`, `anyOf`).

use serde_json::Value;

/// Where `value` breaks `schema`, one line per problem (empty when it fits).
fn problems(schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        if !options.iter().any(|s| problems(s, value, at).is_empty()) {
            found.push(format!("{at}: fits none of the allowed forms"));
        }
    }
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        if !has_type(value, ty) {
            found.push(format!("{at}: expected {ty}, found {value}"));
            return found;
        }
    }
    if let Value::Object(map) = value {
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, v) in map {
            let path = format!("{at}.{key}");
            match (properties.and_then(|p| p.get(key)), schema.get("additionalProperties")) {
                (Some(s), _) => found.extend(problems(s, v, &path)),
                (None, Some(Value::Bool(false))) => found.push(format!("{path}: key not allowed")),
                (None, Some(s @ Value::Object(_))) => found.extend(problems(s, v, &path)),
                (None, _) => {}
            }
        }
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if !map.contains_key(key) {
                found.push(format!("{at}: missing {key}"));
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (value, schema.get("items")) {
        for (n, item) in items.iter().enumerate() {
            found.extend(problems(s, item, &format!("{at}[{n}]")));
        }
    }
    found
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        _ => false,
    }
}

fn contract_json(text: &str) -> Value {
    toml::from_str::<Value>(text).expect("a shipped contract is valid TOML")
}

fn shipped_contracts() -> Vec<std::path::PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir("contracts")
        .expect("contracts/")
        .filter_map(|e| Some(e.ok()?.path().join("contract.toml")))
        .filter(|p| p.exists())
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_shipped_contract_fits_the_schema() {
    let schema = tulos::schema::contract_schema();
    let paths = shipped_contracts();
    assert!(paths.len() >= 3, "found {paths:?}");
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable");
        let found = problems(&schema, &contract_json(&text), "");
        assert!(found.is_empty(), "{}: {found:#?}", path.display());
    }
}

#[test]
fn a_misspelt_key_is_flagged() {
    let schema = tulos::schema::contract_schema();
    let text = std::fs::read_to_string("contracts/career-coaching/contract.toml").expect("readable");
    let misspelt = text.replacen("tariff =", "tarif =", 1);
    assert_ne!(misspelt, text, "the contract has a tariff to misspell");
    let found = problems(&schema, &contract_json(&misspelt), "");
    assert!(found.iter().any(|p| p.ends_with(".tarif: key not allowed")), "{found:#?}");
    let top = format!("[contrat]\nid = \"x\"\n{text}");
    let found = problems(&schema, &contract_json(&top), "");
    assert!(found.iter().any(|p| p == ".contrat: key not allowed"), "{found:#?}");
}

#[test]
fn a_wrong_type_is_flagged() {
    let schema = tulos::schema::contract_schema();
    let text = std::fs::read_to_string("contracts/career-coaching/contract.toml").expect("readable");
    let mut value = contract_json(&text);
    value["contract"]["id"] = Value::Bool(true);
    let found = problems(&schema, &value, "");
    assert!(found.iter().any(|p| p.starts_with(".contract.id: expected string")), "{found:#?}");
}
