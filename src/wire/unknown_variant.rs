//! The checked constructors of [`UnknownVariant`]: a signed entity type this build does not
//! know is validated by the spoke it arrived through (one protobuf field, or one JSON value),
//! not by the hub, which knows no wire format. Also its serde form (feature `serde`), checked
//! the same way when read.

use bytes::{Buf, Bytes};
use prost::encoding::{DecodeContext, decode_key, skip_field};

use crate::domain::{UnknownOrigin, UnknownVariant, WireVersionId};
use crate::{ValidationError, Violation};

impl UnknownVariant {
    /// Deepest nesting of JSON arrays and objects accepted by [`UnknownVariant::from_json`]:
    /// serde_json's bound, which the JSON bodies that carry such variants are read within.
    pub const MAX_JSON_DEPTH: usize = 127;

    /// A variant of protobuf origin: checks that `raw` is exactly one well-formed protobuf field
    /// and keeps it.
    pub fn new(origin: WireVersionId, raw: Bytes) -> Result<Self, ValidationError> {
        let malformed = || {
            ValidationError::here(Violation::Malformed {
                expected: "exactly one protobuf field",
            })
        };
        let mut cursor = raw.clone();
        let (tag, wire_type) = decode_key(&mut cursor).map_err(|_| malformed())?;
        skip_field(wire_type, tag, &mut cursor, DecodeContext::default())
            .map_err(|_| malformed())?;
        if cursor.has_remaining() {
            return Err(malformed());
        }
        Ok(Self::from_checked_parts(
            UnknownOrigin::Protobuf(origin),
            tag,
            raw,
        ))
    }

    /// A variant of JSON origin: checks that `text` is exactly one JSON value (RFC 8259, numbers
    /// within the range of an `f64`, strings without lone surrogate escapes, at most
    /// [`Self::MAX_JSON_DEPTH`] levels of nesting) and keeps it without insignificant
    /// whitespace. Tokens (strings, numbers, the order of object members) are kept as written.
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn from_json(text: &str) -> Result<Self, ValidationError> {
        let malformed = || {
            ValidationError::here(Violation::Malformed {
                expected: "exactly one JSON value",
            })
        };
        // Nesting first: serde_json's own bound is not this one, and a deep input must be refused
        // before it is parsed.
        if json_depth(text) > Self::MAX_JSON_DEPTH {
            return Err(ValidationError::here(Violation::Malformed {
                expected: "JSON nested at most 127 levels deep",
            }));
        }
        serde_json::from_str::<serde_json::Value>(text).map_err(|_| malformed())?;
        Ok(Self::from_checked_parts(
            UnknownOrigin::Json,
            0,
            Bytes::from(compact_json(text).into_bytes()),
        ))
    }
}

/// The deepest nesting of arrays and objects in `text`, outside strings (of text that may not
/// be JSON: only brackets are counted).
#[cfg(feature = "serde")]
fn json_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for byte in text.bytes() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Valid JSON text without insignificant whitespace, every token as written.
#[cfg(feature = "serde")]
fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for character in text.chars() {
        if in_string {
            out.push(character);
            match (escaped, character) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !matches!(character, ' ' | '\t' | '\n' | '\r') {
            in_string = character == '"';
            out.push(character);
        }
    }
    out
}

/// The unchecked form, for serde: `raw` is hex for a variant of protobuf origin (whose `tag` is
/// given too), and the JSON text for a variant of JSON origin (which has no `tag`).
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawUnknownVariant {
    origin: UnknownOrigin,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag: Option<u32>,
    raw: String,
}

#[cfg(feature = "serde")]
impl TryFrom<RawUnknownVariant> for UnknownVariant {
    type Error = ValidationError;

    fn try_from(raw: RawUnknownVariant) -> Result<Self, Self::Error> {
        match raw.origin {
            UnknownOrigin::Protobuf(origin) => {
                let bytes = hex::decode(&raw.raw).map_err(|_| {
                    ValidationError::here(Violation::Malformed {
                        expected: "an even number of hex digits",
                    })
                })?;
                let variant = UnknownVariant::new(origin, bytes.into())?;
                if raw.tag != Some(variant.tag()) {
                    return Err(ValidationError::here(Violation::Malformed {
                        expected: "a tag equal to the field number in raw",
                    }));
                }
                Ok(variant)
            }
            UnknownOrigin::Json => {
                if raw.tag.is_some() {
                    return Err(ValidationError::here(Violation::Malformed {
                        expected: "no tag for a variant of JSON origin",
                    }));
                }
                UnknownVariant::from_json(&raw.raw)
            }
        }
    }
}

#[cfg(feature = "serde")]
impl From<UnknownVariant> for RawUnknownVariant {
    fn from(value: UnknownVariant) -> Self {
        match value.origin() {
            UnknownOrigin::Protobuf(_) => Self {
                origin: value.origin(),
                tag: Some(value.tag()),
                raw: hex::encode(value.raw()),
            },
            UnknownOrigin::Json => Self {
                origin: value.origin(),
                tag: None,
                raw: String::from_utf8_lossy(value.raw()).into_owned(),
            },
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for UnknownVariant {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawUnknownVariant::from(self.clone()).serialize(serializer)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for UnknownVariant {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawUnknownVariant::deserialize(deserializer)?;
        UnknownVariant::try_from(raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UnknownOrigin;

    fn v1() -> WireVersionId {
        WireVersionId::new(1).unwrap()
    }

    #[test]
    fn unknown_variant_keeps_one_field() {
        // Field 9, length-delimited, 2 bytes of payload.
        let variant =
            UnknownVariant::new(v1(), Bytes::from_static(&[0x4a, 0x02, 0x08, 0x01])).unwrap();
        assert_eq!(variant.tag(), 9);
        assert_eq!(variant.raw().as_ref(), &[0x4a, 0x02, 0x08, 0x01]);
    }

    #[test]
    fn unknown_variant_rejects_anything_but_one_field() {
        for raw in [
            &[][..],                       // nothing
            &[0x4a, 0x05, 0x08][..],       // truncated payload
            &[0x08, 0x01, 0x10, 0x02][..], // two fields
            &[0x00][..],                   // field number 0
            &[0x4b][..],                   // a group start with no end
        ] {
            assert!(
                UnknownVariant::new(v1(), Bytes::copy_from_slice(raw)).is_err(),
                "{raw:02x?}"
            );
        }
    }

    #[test]
    fn json_variant_is_checked_and_compacted() {
        let variant =
            UnknownVariant::from_json(" {\"Future\" : [1, -2.5e3, \"a b\\u00e9\"]}\n").unwrap();
        assert_eq!(variant.origin(), UnknownOrigin::Json);
        assert_eq!(variant.json(), Some(r#"{"Future":[1,-2.5e3,"a b\u00e9"]}"#));
        assert_eq!(variant.tag(), 0);
        assert_ne!(variant.origin(), v1());
        for text in [
            "null",
            "0",
            "{}",
            "[]",
            "\"x\"",
            "true",
            r#"{"a":{"b":[null,false,-0.5E+2]}}"#,
        ] {
            assert_eq!(UnknownVariant::from_json(text).unwrap().json(), Some(text));
        }
    }

    #[test]
    fn json_variant_rejects_anything_but_one_value() {
        for text in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            r#"{"a":}"#,
            r#"{"a" 1}"#,
            "{a:1}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "1 2",
            "nul",
            "truex",
            r#""\x""#,
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            "\"\t\"",
            "1e400",
            "[1]]",
            "NaN",
            "\"abc",
            r#"{"a":1,}"#,
        ] {
            assert!(UnknownVariant::from_json(text).is_err(), "{text:?}");
        }
        assert!(UnknownVariant::from_json(r#""\ud83d\ude00""#).is_ok());
        let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(UnknownVariant::from_json(&deep(UnknownVariant::MAX_JSON_DEPTH)).is_ok());
        assert!(UnknownVariant::from_json(&deep(UnknownVariant::MAX_JSON_DEPTH + 1)).is_err());
        // Deep input is refused, not a stack overflow.
        assert!(UnknownVariant::from_json(&deep(100_000)).is_err());
    }

    #[test]
    fn origins_compare_with_wire_versions() {
        let variant = UnknownVariant::new(v1(), Bytes::from_static(&[0x48, 0x01])).unwrap();
        assert_eq!(variant.origin(), v1());
        assert_eq!(variant.origin().wire_version(), Some(v1()));
        assert_eq!(variant.json(), None);
        assert_eq!(UnknownOrigin::Json.wire_version(), None);
        assert_eq!(UnknownOrigin::Json.to_string(), "json");
        assert_eq!(variant.origin().to_string(), "protobuf v1");
        let json = UnknownVariant::from_json("1").unwrap();
        assert_ne!(json, variant);
        assert!(format!("{json:?}").contains("json: \"1\""), "{json:?}");
    }
}
