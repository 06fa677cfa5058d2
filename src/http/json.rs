//! JSON request bodies as every surface reads them: each key once per object. serde_json
//! keeps the last of two equal keys, so `{"amount": 10, "amount": 20}` would pay 20.00 while
//! a reader that checked the first value saw 10. A body that gives a key twice, at any depth,
//! is refused instead, naming the key. Each surface renders [`JsonError`] in its own envelope.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a body is not one JSON value with each key once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON: serde_json's reason, with line and column.
    Malformed(String),
    /// A key given twice in one object, by its path: `amount`, `billingAddress.city`.
    DuplicateKey(String),
}

impl JsonError {
    /// The field a 400 names, and its hint.
    pub fn field_and_hint(&self) -> (&str, String) {
        match self {
            JsonError::Malformed(reason) => ("body", format!("is not valid JSON: {reason}")),
            JsonError::DuplicateKey(path) => (path, "is given more than once; give each field once".to_owned()),
        }
    }
}

/// The JSON value of `bytes`, refusing a key given twice in one object.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = UniqueKeys { path: String::new(), duplicate: &duplicate }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|err| match duplicate.take() {
        Some(path) => JsonError::DuplicateKey(path),
        None => JsonError::Malformed(err.to_string()),
    })
}

/// Builds a [`Value`] as serde_json's own visitor does, but stops at the first key an object
/// already holds and leaves its path in `duplicate`.
struct UniqueKeys<'a> {
    /// Where the value sits: empty for the whole body, else `a.b` or `a[0]`.
    path: String,
    duplicate: &'a RefCell<Option<String>>,
}

impl UniqueKeys<'_> {
    fn child(&self, step: &str) -> Self {
        let path = if self.path.is_empty() || step.starts_with('[') {
            format!("{}{step}", self.path)
        } else {
            format!("{}.{step}", self.path)
        };
        UniqueKeys { path, duplicate: self.duplicate }
    }
}

impl<'de> DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.child(&format!("[{}]", items.len())))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let child = self.child(&key);
            if object.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(child.path);
                return Err(de::Error::custom("a key is given twice"));
            }
            let value = map.next_value_seed(child)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_those_serde_json_reads() {
        for text in [
            r#"{"a": 1, "b": [true, null, -2, 2.5, "x"], "c": {"d": {}}}"#,
            "[]",
            "18446744073709551615",
            r#""\u00e9""#,
        ] {
            assert_eq!(parse(text.as_bytes()), Ok(serde_json::from_str::<Value>(text).unwrap()), "{text}");
        }
    }

    #[test]
    fn a_key_given_twice_is_named_by_its_path() {
        for (text, path) in [
            (r#"{"amount": 10, "amount": 20}"#, "amount"),
            (r#"{"a": {"city": "x", "city": "x"}}"#, "a.city"),
            (r#"{"list": [{"k": 1}, {"k": 1, "k": 2}]}"#, "list[1].k"),
            (r#"[{"k": 1, "k": 1}]"#, "[0].k"),
        ] {
            assert_eq!(parse(text.as_bytes()), Err(JsonError::DuplicateKey(path.to_owned())), "{text}");
        }
        // The same key in sibling objects is no duplicate.
        assert!(parse(br#"{"a": {"k": 1}, "b": {"k": 1}}"#).is_ok());
    }

    #[test]
    fn malformed_text_keeps_serde_jsons_reason() {
        for text in ["{", "{} x", "", "[1,]", &format!("{}{}", "[".repeat(200), "]".repeat(200))] {
            let expected = serde_json::from_str::<Value>(text).unwrap_err().to_string();
            assert_eq!(parse(text.as_bytes()), Err(JsonError::Malformed(expected)), "{text}");
        }
    }
}
