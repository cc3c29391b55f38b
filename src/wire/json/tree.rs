//! Reading a JSON document into a tree, and reading the tree with field paths.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{ValidationError, Violation, WithinField};

/// A JSON value read with duplicate object keys refused.
///
/// serde_json's own tree keeps the last of two equal keys; today's nodes refuse a repeated field
/// of their messages. Refusing every repeated key keeps one reading of a document.
pub(super) struct Strict(pub(super) Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Strict::deserialize(deserializer).map(|Strict(value)| value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(Strict(value)) = seq.next_element()? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// The error for a value of the wrong JSON type.
pub(super) fn expected(what: &'static str) -> ValidationError {
    ValidationError::here(Violation::Malformed { expected: what })
}

/// A JSON object being read: each declared member is taken out, and what remains is unknown.
pub(super) struct Object(Map<String, Value>);

impl Object {
    /// The object, or an error if the value is not one.
    pub(super) fn read(value: Value) -> Result<Self, ValidationError> {
        match value {
            Value::Object(map) => Ok(Self(map)),
            _ => Err(expected("an object")),
        }
    }

    /// A member the message cannot do without: absent is [`Violation::Missing`].
    pub(super) fn required<T>(
        &mut self,
        key: &'static str,
        read: impl FnOnce(Value) -> Result<T, ValidationError>,
    ) -> Result<T, ValidationError> {
        match self.0.remove(key) {
            Some(value) => read(value).within(key),
            None => Err(ValidationError::here(Violation::Missing).within(key)),
        }
    }

    /// An optional member: absent and `null` are both `None`, as for today's nodes.
    pub(super) fn optional<T>(
        &mut self,
        key: &'static str,
        read: impl FnOnce(Value) -> Result<T, ValidationError>,
    ) -> Result<Option<T>, ValidationError> {
        match self.0.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value).map(Some).within(key),
        }
    }

    /// The members that were not taken.
    pub(super) fn into_unknown(self) -> Map<String, Value> {
        self.0
    }
}

/// A non-negative integer that fits in 64 bits (`12.0` and `-1` are not).
pub(super) fn unsigned(value: Value) -> Result<u64, ValidationError> {
    value
        .as_u64()
        .ok_or_else(|| expected("an unsigned 64-bit integer"))
}

/// Any JSON number.
pub(super) fn number(value: Value) -> Result<f64, ValidationError> {
    match value {
        Value::Number(number) => number.as_f64().ok_or_else(|| expected("a number")),
        _ => Err(expected("a number")),
    }
}

/// A string.
pub(super) fn string(value: Value) -> Result<String, ValidationError> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err(expected("a string")),
    }
}

/// An array whose every element is read by `element`; errors name the index.
pub(super) fn array<T>(
    value: Value,
    mut element: impl FnMut(Value) -> Result<T, ValidationError>,
) -> Result<Vec<T>, ValidationError> {
    match value {
        Value::Array(values) => values
            .into_iter()
            .enumerate()
            .map(|(index, value)| element(value).at_index(index))
            .collect(),
        _ => Err(expected("an array")),
    }
}
