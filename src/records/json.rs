//! One JSON text → a `serde_json::Value`, with every repeated key noted.
//!
//! `serde_json` keeps the last of two equal keys in an object and says
//! nothing; the interchange format may not drop or guess data silently. This
//! parser runs `serde_json`'s own deserializer (same syntax errors, same
//! recursion limit) through a visitor that builds the same `Value` — numbers
//! stay exact: `arbitrary_precision` is on and no number passes through
//! `f64` — while noting each repeated key with its path (`spells[1].start`),
//! its position in the text and the value it carried.
//!
//! The first occurrence stays in the `Value` and the later one is the
//! error, as for duplicate records; the caller refuses the line and may
//! check the rest of it with the first occurrence.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::fmt;

/// The parsed text and the keys its objects repeat.
pub(super) struct Parsed {
    pub value: Value,
    /// In the order the repeated keys appear in the text.
    pub repeated: Vec<RepeatedKey>,
}

/// A key given again in the same object.
pub(super) struct RepeatedKey {
    /// Path of the key from the top (`spells[1].start`, `id`).
    pub path: String,
    /// Byte offset in the text of the repeated key's opening quote; `None`
    /// when the key was written with escapes, since `serde_json` then hands
    /// over a decoded copy rather than a slice of the text.
    pub offset: Option<usize>,
    /// The value given with the repeated key (not in [`Parsed::value`]).
    pub value: Value,
}

/// Parses `text` as one JSON value followed only by whitespace.
pub(super) fn parse(text: &str) -> Result<Parsed, serde_json::Error> {
    let mut walk = Walk { text, repeated: Vec::new() };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = ValueSeed(&mut walk).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(Parsed { value, repeated: walk.repeated })
}

/// What the visitors share while walking one text.
struct Walk<'t> {
    text: &'t str,
    repeated: Vec<RepeatedKey>,
}

impl Walk<'_> {
    /// Puts `step` (a key, or an index as `[2]`) in front of the paths of
    /// the repeats noted since there were `before` of them: those found
    /// inside the value at `step`. Paths are built from the inside out and
    /// only when a key repeats, so a clean line costs one comparison per
    /// value.
    fn under(&mut self, before: usize, step: impl fmt::Display) {
        for repeat in self.repeated.iter_mut().skip(before) {
            let separator = if repeat.path.starts_with('[') { "" } else { "." };
            repeat.path = format!("{step}{separator}{}", repeat.path);
        }
    }

    /// Notes `key` as repeated, `insert` having just put its new value over
    /// the `first` one in `object`: the first goes back, the new one into
    /// the note, at `at` so that notes stay in text order (before any repeat
    /// inside the new value).
    fn repeat(&mut self, object: &mut Map<String, Value>, at: usize, key: Key<'_>, first: Value) {
        // Always found: the key was inserted a moment ago.
        if let Some(slot) = object.get_mut(key.name.as_ref()) {
            let value = std::mem::replace(slot, first);
            self.repeated.insert(at, RepeatedKey { path: key.name.into_owned(), offset: key.offset, value });
        }
    }
}

/// The key under which `serde_json` (with `arbitrary_precision`) hands over
/// a number that is not a plain `u64`/`i64`: as a one-entry map from this
/// key to the number's text. It is `serde_json`'s private constant; the
/// tests below fail if it ever changes, because exact numbers would then
/// come out as objects.
const NUMBER_KEY: &str = "$serde_json::private::Number";

struct ValueSeed<'w, 't>(&'w mut Walk<'t>);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

// Only what `serde_json`'s deserializer calls for a JSON text is accepted;
// `visit_f64` is deliberately left out: with `arbitrary_precision` a
// fractional number arrives as text (see `NUMBER_KEY`), never as a float.
impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let walk = self.0;
        let mut array = Vec::with_capacity(items.size_hint().unwrap_or(0));
        loop {
            let before = walk.repeated.len();
            let Some(item) = items.next_element_seed(ValueSeed(&mut *walk))? else {
                return Ok(Value::Array(array));
            };
            if walk.repeated.len() > before {
                walk.under(before, format_args!("[{}]", array.len()));
            }
            array.push(item);
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let walk = self.0;
        let mut object = Map::new();
        while let Some(key) = entries.next_key_seed(KeySeed { text: walk.text })? {
            if object.is_empty() && key.is_number_marker() {
                return number(entries);
            }
            let before = walk.repeated.len();
            let value = entries.next_value_seed(ValueSeed(&mut *walk))?;
            if walk.repeated.len() > before {
                walk.under(before, &key.name);
            }
            // A plain `insert` costs what `serde_json`'s own visitor spends
            // (the entry API would probe the table twice); a repeat, which is
            // rare, is then undone.
            if let Some(first) = object.insert(String::from(key.name.as_ref()), value) {
                walk.repeat(&mut object, before, key, first);
            }
        }
        Ok(Value::Object(object))
    }
}

/// The rest of a number handed over as a map (see [`NUMBER_KEY`]): its
/// exact text, kept as text by `serde_json::Number`.
fn number<'de, A: MapAccess<'de>>(mut entries: A) -> Result<Value, A::Error> {
    let text: String = entries.next_value()?;
    text.parse::<Number>().map(Value::Number).map_err(de::Error::custom)
}

/// An object key and, when it is a slice of the text, where it starts.
struct Key<'de> {
    /// Lent from the text unless written with escapes.
    name: Cow<'de, str>,
    offset: Option<usize>,
}

impl Key<'_> {
    /// Whether this is `serde_json`'s marker of a number rather than a key
    /// of the text: a key spelled like the marker in the text stays a key.
    fn is_number_marker(&self) -> bool {
        self.offset.is_none() && self.name == NUMBER_KEY
    }
}

struct KeySeed<'t> {
    text: &'t str,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    /// A key without escapes is lent straight out of the text, so its
    /// address gives its position for free. Anything else lent (the number
    /// key) lies outside the text and gets no position.
    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Key<'de>, E> {
        let start = (name.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize);
        let inside = start.filter(|&start| start + name.len() <= self.text.len());
        // The key's text starts right after its opening quote.
        Ok(Key { name: Cow::Borrowed(name), offset: inside.and_then(|start| start.checked_sub(1)) })
    }

    fn visit_str<E>(self, name: &str) -> Result<Key<'de>, E> {
        Ok(Key { name: Cow::Owned(name.to_owned()), offset: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeats(text: &str) -> Vec<(String, Option<usize>, String)> {
        let parsed = parse(text).unwrap();
        parsed.repeated.into_iter().map(|r| (r.path, r.offset, r.value.to_string())).collect()
    }

    #[test]
    fn builds_the_same_value_as_serde_json() {
        let text = r#"{"a":[1,-2,0.10,1e400,-0,123456789012345678901234567890,"x\u00e4",null,true,{}],"b":{"c":[]}}"#;
        let ours = parse(text).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours.value, theirs);
        assert!(ours.repeated.is_empty());
        // Exact digits, never through a float (which could not hold 1e400).
        assert_eq!(ours.value["a"][2].to_string(), "0.10");
        assert_eq!(ours.value["a"][3].to_string(), "1e+400");
    }

    #[test]
    fn keeps_key_order() {
        let keys: Vec<String> = match parse(r#"{"z":1,"a":2,"m":3}"#).unwrap().value {
            Value::Object(map) => map.keys().cloned().collect(),
            _ => unreachable!(),
        };
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn notes_repeats_with_path_offset_and_value_and_keeps_the_first() {
        let text = r#"{"id":"P-1","s":[{},{"start":"a","start":"b"}],"id":"P-2"}"#;
        let found = repeats(text);
        let at = |needle: &str| Some(text.rfind(needle).unwrap());
        assert_eq!(
            found,
            [
                ("s[1].start".to_owned(), at(r#""start""#), r#""b""#.to_owned()),
                ("id".to_owned(), at(r#""id""#), r#""P-2""#.to_owned()),
            ]
        );
        assert_eq!(parse(text).unwrap().value["id"], "P-1");
    }

    #[test]
    fn repeats_come_in_text_order_and_escaped_keys_have_no_offset() {
        let found = repeats(r#"{"a":1,"\u0061":{"b":1,"b":2}}"#);
        let paths: Vec<(&str, Option<usize>)> = found.iter().map(|(p, o, _)| (p.as_str(), *o)).collect();
        assert_eq!(paths, [("a", None), ("a.b", Some(23))]);
    }

    #[test]
    fn paths_name_keys_and_indices() {
        let paths = |text: &str| repeats(text).into_iter().map(|(p, _, _)| p).collect::<Vec<_>>();
        assert_eq!(paths(r#"{"m":[{"s":{"a":1,"a":2}}]}"#), ["m[0].s.a"]);
        assert_eq!(paths(r#"[[],[{"a":1,"a":2}]]"#), ["[1][0].a"]);
    }

    #[test]
    fn a_literal_number_key_in_the_text_stays_a_key() {
        let value = parse(r#"{"$serde_json::private::Number":"5"}"#).unwrap().value;
        assert!(value.is_object(), "{value}");
    }

    #[test]
    fn syntax_errors_are_serde_jsons() {
        for text in [r#"{"a":1,}"#, r#"{"a":1} x"#, "[1", &"[".repeat(200)] {
            let ours = parse(text).err().unwrap().to_string();
            let theirs = serde_json::from_str::<Value>(text).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{text}");
        }
    }
}
