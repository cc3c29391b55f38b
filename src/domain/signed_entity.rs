//! What a single signature is about.

use std::fmt;

use bytes::{Buf, Bytes};
use prost::encoding::{DecodeContext, decode_key, skip_field};

use crate::domain::{BlockNumber, BlockNumberOffset, Epoch, ImmutableFileNumber, WireVersionId};
use crate::{ValidationError, Violation};

/// Beacon of an immutable Cardano database snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CardanoDbBeacon {
    /// Epoch of the snapshot.
    pub epoch: Epoch,
    /// Last immutable file included in the snapshot.
    pub immutable_file_number: ImmutableFileNumber,
}

/// The kind of artifact a single signature is about, with its beacon.
///
/// A variant that the wire version it came from defines but this build does not know (sent by a
/// newer node) is kept as [`SignedEntityType::Unknown`], so that it can be reported, refused with
/// a precise reason, or relayed unchanged, but never mistaken for an absent value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SignedEntityType {
    /// The Mithril stake distribution of an epoch.
    MithrilStakeDistribution(Epoch),
    /// The Cardano stake distribution of an epoch.
    CardanoStakeDistribution(Epoch),
    /// A full snapshot of the Cardano immutable files (discontinued by Mithril in favour of the
    /// Cardano database, still readable).
    CardanoImmutableFilesFull(CardanoDbBeacon),
    /// The Cardano transactions of an epoch up to a block.
    CardanoTransactions(Epoch, BlockNumber),
    /// The Cardano database (immutable files and ancillary data) at a beacon.
    CardanoDatabase(CardanoDbBeacon),
    /// The Cardano blocks and transactions of an epoch up to a block, and how far that block lies
    /// behind the tip.
    CardanoBlocksTransactions(Epoch, BlockNumber, BlockNumberOffset),
    /// A variant this build does not know.
    Unknown(UnknownVariant),
}

impl SignedEntityType {
    /// The variant's name, as today's JSON API spells it (`Unknown` for unknown variants).
    pub fn name(&self) -> &'static str {
        match self {
            Self::MithrilStakeDistribution(_) => "MithrilStakeDistribution",
            Self::CardanoStakeDistribution(_) => "CardanoStakeDistribution",
            Self::CardanoImmutableFilesFull(_) => "CardanoImmutableFilesFull",
            Self::CardanoTransactions(..) => "CardanoTransactions",
            Self::CardanoDatabase(_) => "CardanoDatabase",
            Self::CardanoBlocksTransactions(..) => "CardanoBlocksTransactions",
            Self::Unknown(_) => "Unknown",
        }
    }

    /// The epoch of the beacon, when the variant is known.
    pub fn epoch(&self) -> Option<Epoch> {
        match self {
            Self::MithrilStakeDistribution(epoch)
            | Self::CardanoStakeDistribution(epoch)
            | Self::CardanoTransactions(epoch, _)
            | Self::CardanoBlocksTransactions(epoch, _, _) => Some(*epoch),
            Self::CardanoImmutableFilesFull(beacon) | Self::CardanoDatabase(beacon) => {
                Some(beacon.epoch)
            }
            Self::Unknown(_) => None,
        }
    }
}

/// Where an [`UnknownVariant`] came from, which fixes the only encoding that can carry it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnknownOrigin {
    /// A oneof field of the protobuf package `mithril.signer.vN` with this number.
    Protobuf(WireVersionId),
    /// The `entity_type` value of today's JSON API.
    Json,
}

impl UnknownOrigin {
    /// The wire version, for a variant of protobuf origin.
    pub fn wire_version(self) -> Option<WireVersionId> {
        match self {
            Self::Protobuf(id) => Some(id),
            Self::Json => None,
        }
    }
}

/// An origin compares equal to a wire version number when it is that protobuf version.
impl PartialEq<WireVersionId> for UnknownOrigin {
    fn eq(&self, other: &WireVersionId) -> bool {
        *self == Self::Protobuf(*other)
    }
}

impl fmt::Display for UnknownOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protobuf(id) => write!(f, "protobuf {id}"),
            Self::Json => f.write_str("json"),
        }
    }
}

/// A signed entity type this build does not know, exactly as it was received.
///
/// - Of protobuf origin ([`UnknownVariant::new`]), `raw` is the complete protobuf field (key and
///   value) that carried the variant in the wire version of [`UnknownVariant::origin`]. Encoding
///   the value back into that same wire version re-emits `raw` unchanged; another wire version
///   cannot carry it, because field numbers are only meaningful inside their own package.
/// - Of JSON origin ([`UnknownVariant::from_json`]), `raw` is the UTF-8 text of one JSON value
///   (the `entity_type` of today's JSON API), without insignificant whitespace. The JSON wire
///   re-emits it as it is; no protobuf wire version can carry it.
///
/// Two variants are equal when their origin and their raw bytes are equal.
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "RawUnknownVariant", into = "RawUnknownVariant")
)]
pub struct UnknownVariant {
    origin: UnknownOrigin,
    tag: u32,
    raw: Bytes,
}

impl UnknownVariant {
    /// Deepest nesting of JSON arrays and objects accepted by [`UnknownVariant::from_json`].
    pub const MAX_JSON_DEPTH: usize = 128;

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
        Ok(Self {
            origin: UnknownOrigin::Protobuf(origin),
            tag,
            raw,
        })
    }

    /// A variant of JSON origin: checks that `text` is exactly one JSON value (RFC 8259, numbers
    /// within the range of an `f64`, strings without lone surrogate escapes, at most
    /// [`Self::MAX_JSON_DEPTH`] levels of nesting) and keeps it without insignificant
    /// whitespace. Tokens (strings, numbers, the order of object members) are kept as written.
    pub fn from_json(text: &str) -> Result<Self, ValidationError> {
        let compact = json_text::compact(text, Self::MAX_JSON_DEPTH)?;
        Ok(Self {
            origin: UnknownOrigin::Json,
            tag: 0,
            raw: Bytes::from(compact.into_bytes()),
        })
    }

    /// Where the variant came from.
    pub fn origin(&self) -> UnknownOrigin {
        self.origin
    }

    /// The protobuf field number of the variant; `0` (never a valid field number) for a variant
    /// of JSON origin, which has none.
    pub fn tag(&self) -> u32 {
        self.tag
    }

    /// The variant as received: one complete protobuf field, or the compact JSON text.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The JSON text of a variant of JSON origin.
    pub fn json(&self) -> Option<&str> {
        match self.origin {
            // Valid UTF-8 by construction.
            UnknownOrigin::Json => std::str::from_utf8(&self.raw).ok(),
            UnknownOrigin::Protobuf(_) => None,
        }
    }
}

impl fmt::Debug for UnknownVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("UnknownVariant");
        debug.field("origin", &self.origin);
        match self.json() {
            Some(text) => debug.field("json", &text),
            None => debug
                .field("tag", &self.tag)
                .field("raw", &hex::encode(&self.raw)),
        };
        debug.finish()
    }
}

/// Checking and compacting JSON text, without a JSON library (the hub has no optional
/// dependency).
mod json_text {
    use crate::{ValidationError, Violation};

    fn malformed() -> ValidationError {
        ValidationError::here(Violation::Malformed {
            expected: "one JSON value",
        })
    }

    /// `text` without insignificant whitespace, if it is exactly one JSON value nested at most
    /// `max_depth` deep.
    pub(super) fn compact(text: &str, max_depth: usize) -> Result<String, ValidationError> {
        let mut reader = Reader {
            input: text.as_bytes(),
            position: 0,
            output: Vec::with_capacity(text.len()),
            max_depth,
        };
        reader.whitespace();
        reader.value(0)?;
        reader.whitespace();
        if reader.position != reader.input.len() {
            return Err(malformed());
        }
        // Whole tokens of valid UTF-8 input are copied, so the output is valid UTF-8 too.
        String::from_utf8(reader.output).map_err(|_| malformed())
    }

    struct Reader<'a> {
        input: &'a [u8],
        position: usize,
        output: Vec<u8>,
        max_depth: usize,
    }

    impl Reader<'_> {
        fn peek(&self) -> Option<u8> {
            self.input.get(self.position).copied()
        }

        fn next(&mut self) -> Result<u8, ValidationError> {
            let byte = self.peek().ok_or_else(malformed)?;
            self.position += 1;
            Ok(byte)
        }

        /// Consumes `byte` and copies it to the output.
        fn expect(&mut self, byte: u8) -> Result<(), ValidationError> {
            if self.next()? != byte {
                return Err(malformed());
            }
            self.output.push(byte);
            Ok(())
        }

        fn whitespace(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.position += 1;
            }
        }

        fn value(&mut self, depth: usize) -> Result<(), ValidationError> {
            match self.peek() {
                Some(b'{') => self.object(depth + 1),
                Some(b'[') => self.array(depth + 1),
                Some(b'"') => self.string(),
                Some(b't') => self.literal(b"true"),
                Some(b'f') => self.literal(b"false"),
                Some(b'n') => self.literal(b"null"),
                Some(b'-' | b'0'..=b'9') => self.number(),
                _ => Err(malformed()),
            }
        }

        fn check_depth(&self, depth: usize) -> Result<(), ValidationError> {
            if depth > self.max_depth {
                return Err(ValidationError::here(Violation::Malformed {
                    expected: "JSON nested at most 128 levels deep",
                }));
            }
            Ok(())
        }

        fn object(&mut self, depth: usize) -> Result<(), ValidationError> {
            self.check_depth(depth)?;
            self.expect(b'{')?;
            self.whitespace();
            if self.peek() == Some(b'}') {
                return self.expect(b'}');
            }
            loop {
                self.whitespace();
                self.string()?;
                self.whitespace();
                self.expect(b':')?;
                self.whitespace();
                self.value(depth)?;
                self.whitespace();
                match self.peek() {
                    Some(b',') => self.expect(b',')?,
                    _ => return self.expect(b'}'),
                }
            }
        }

        fn array(&mut self, depth: usize) -> Result<(), ValidationError> {
            self.check_depth(depth)?;
            self.expect(b'[')?;
            self.whitespace();
            if self.peek() == Some(b']') {
                return self.expect(b']');
            }
            loop {
                self.whitespace();
                self.value(depth)?;
                self.whitespace();
                match self.peek() {
                    Some(b',') => self.expect(b',')?,
                    _ => return self.expect(b']'),
                }
            }
        }

        fn literal(&mut self, word: &[u8]) -> Result<(), ValidationError> {
            for &byte in word {
                self.expect(byte)?;
            }
            Ok(())
        }

        fn string(&mut self) -> Result<(), ValidationError> {
            self.expect(b'"')?;
            loop {
                match self.next()? {
                    b'"' => {
                        self.output.push(b'"');
                        return Ok(());
                    }
                    b'\\' => {
                        self.output.push(b'\\');
                        self.escape()?;
                    }
                    byte if byte < 0x20 => return Err(malformed()),
                    byte => self.output.push(byte),
                }
            }
        }

        /// The rest of an escape sequence, after its backslash.
        fn escape(&mut self) -> Result<(), ValidationError> {
            let kind = self.next()?;
            self.output.push(kind);
            match kind {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
                b'u' => {
                    let unit = self.hex4()?;
                    match unit {
                        // A high surrogate must be followed by an escaped low surrogate.
                        0xd800..=0xdbff => {
                            self.expect(b'\\')?;
                            self.expect(b'u')?;
                            if !(0xdc00..=0xdfff).contains(&self.hex4()?) {
                                return Err(malformed());
                            }
                            Ok(())
                        }
                        0xdc00..=0xdfff => Err(malformed()),
                        _ => Ok(()),
                    }
                }
                _ => Err(malformed()),
            }
        }

        fn hex4(&mut self) -> Result<u16, ValidationError> {
            let mut unit = 0u16;
            for _ in 0..4 {
                let byte = self.next()?;
                let digit = char::from(byte).to_digit(16).ok_or_else(malformed)?;
                self.output.push(byte);
                unit = unit * 16 + digit as u16;
            }
            Ok(unit)
        }

        fn digits(&mut self) -> usize {
            let start = self.position;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.position += 1;
            }
            self.position - start
        }

        fn number(&mut self) -> Result<(), ValidationError> {
            let start = self.position;
            if self.peek() == Some(b'-') {
                self.position += 1;
            }
            match self.peek() {
                Some(b'0') => self.position += 1,
                Some(b'1'..=b'9') => {
                    self.digits();
                }
                _ => return Err(malformed()),
            }
            if self.peek() == Some(b'.') {
                self.position += 1;
                if self.digits() == 0 {
                    return Err(malformed());
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.position += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.position += 1;
                }
                if self.digits() == 0 {
                    return Err(malformed());
                }
            }
            let token = &self.input[start..self.position];
            // A number beyond the range of an f64 is refused, as JSON libraries do.
            let finite = std::str::from_utf8(token)
                .ok()
                .and_then(|token| token.parse::<f64>().ok())
                .is_some_and(f64::is_finite);
            if !finite {
                return Err(malformed());
            }
            self.output.extend_from_slice(token);
            Ok(())
        }
    }
}

/// The origin in the serde form: the wire version number, or `"json"`.
#[cfg(feature = "serde")]
impl serde::Serialize for UnknownOrigin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Protobuf(id) => serializer.serialize_u32(id.number()),
            Self::Json => serializer.serialize_str("json"),
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for UnknownOrigin {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = UnknownOrigin;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a wire version number or \"json\"")
            }

            fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<Self::Value, E> {
                let number =
                    u32::try_from(number).map_err(|_| E::custom("wire version too large"))?;
                WireVersionId::new(number)
                    .map(UnknownOrigin::Protobuf)
                    .map_err(E::custom)
            }

            fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<Self::Value, E> {
                let number =
                    u64::try_from(number).map_err(|_| E::custom("negative wire version"))?;
                self.visit_u64(number)
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                match text {
                    "json" => Ok(UnknownOrigin::Json),
                    other => Err(E::invalid_value(serde::de::Unexpected::Str(other), &self)),
                }
            }
        }

        deserializer.deserialize_any(Visitor)
    }
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
                let variant = Self::new(origin, bytes.into())?;
                if raw.tag != Some(variant.tag) {
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
                Self::from_json(&raw.raw)
            }
        }
    }
}

#[cfg(feature = "serde")]
impl From<UnknownVariant> for RawUnknownVariant {
    fn from(value: UnknownVariant) -> Self {
        match value.origin {
            UnknownOrigin::Protobuf(_) => Self {
                origin: value.origin,
                tag: Some(value.tag),
                raw: hex::encode(&value.raw),
            },
            UnknownOrigin::Json => Self {
                origin: value.origin,
                tag: None,
                raw: String::from_utf8_lossy(&value.raw).into_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn epoch_of_known_variants() {
        assert_eq!(
            SignedEntityType::CardanoTransactions(Epoch(4), BlockNumber(9)).epoch(),
            Some(Epoch(4))
        );
        let unknown = SignedEntityType::Unknown(
            UnknownVariant::new(v1(), Bytes::from_static(&[0x48, 0x01])).unwrap(),
        );
        assert_eq!(unknown.epoch(), None);
        assert_eq!(unknown.name(), "Unknown");
    }
}
