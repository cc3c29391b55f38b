//! What a single signature is about.

use std::fmt;

use bytes::Bytes;

use crate::domain::{BlockNumber, BlockNumberOffset, Epoch, ImmutableFileNumber, WireVersionId};

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
///
/// Its serde form (feature `serde`) is checked the same way when read.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UnknownVariant {
    origin: UnknownOrigin,
    tag: u32,
    raw: Bytes,
}

impl UnknownVariant {
    /// A variant from parts a spoke has checked: `raw` is one complete protobuf field numbered
    /// `tag` ([`UnknownOrigin::Protobuf`]), or one compact JSON value with `tag` 0
    /// ([`UnknownOrigin::Json`]). The public constructors that check them are the spokes':
    /// `UnknownVariant::new` and `UnknownVariant::from_json` (in `wire`).
    pub(crate) fn from_checked_parts(origin: UnknownOrigin, tag: u32, raw: Bytes) -> Self {
        Self { origin, tag, raw }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_of_known_variants() {
        assert_eq!(
            SignedEntityType::CardanoTransactions(Epoch(4), BlockNumber(9)).epoch(),
            Some(Epoch(4))
        );
        let unknown = SignedEntityType::Unknown(UnknownVariant::from_checked_parts(
            UnknownOrigin::Json,
            0,
            Bytes::from_static(b"1"),
        ));
        assert_eq!(unknown.epoch(), None);
        assert_eq!(unknown.name(), "Unknown");
    }
}
