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

/// A oneof variant this build does not know, exactly as it was received.
///
/// `raw` is the complete protobuf field (key and value) that carried the variant in the wire
/// version `origin`. Encoding the value back into that same wire version re-emits `raw` unchanged;
/// another wire version cannot carry it, because field numbers are only meaningful inside their
/// own package.
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "RawUnknownVariant", into = "RawUnknownVariant")
)]
pub struct UnknownVariant {
    origin: WireVersionId,
    tag: u32,
    raw: Bytes,
}

impl UnknownVariant {
    /// Checks that `raw` is exactly one well-formed protobuf field and keeps it.
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
        Ok(Self { origin, tag, raw })
    }

    /// The wire version whose field numbering `tag` belongs to.
    pub fn origin(&self) -> WireVersionId {
        self.origin
    }

    /// The protobuf field number of the variant.
    pub fn tag(&self) -> u32 {
        self.tag
    }

    /// The complete field as received.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
}

impl fmt::Debug for UnknownVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnknownVariant")
            .field("origin", &self.origin)
            .field("tag", &self.tag)
            .field("raw", &hex::encode(&self.raw))
            .finish()
    }
}

/// The unchecked form, for serde.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawUnknownVariant {
    origin: WireVersionId,
    tag: u32,
    raw: String,
}

#[cfg(feature = "serde")]
impl TryFrom<RawUnknownVariant> for UnknownVariant {
    type Error = ValidationError;

    fn try_from(raw: RawUnknownVariant) -> Result<Self, Self::Error> {
        let bytes = hex::decode(&raw.raw).map_err(|_| {
            ValidationError::here(Violation::Malformed {
                expected: "an even number of hex digits",
            })
        })?;
        let variant = Self::new(raw.origin, bytes.into())?;
        if variant.tag != raw.tag {
            return Err(ValidationError::here(Violation::Malformed {
                expected: "a tag equal to the field number in raw",
            }));
        }
        Ok(variant)
    }
}

#[cfg(feature = "serde")]
impl From<UnknownVariant> for RawUnknownVariant {
    fn from(value: UnknownVariant) -> Self {
        Self {
            origin: value.origin,
            tag: value.tag,
            raw: hex::encode(&value.raw),
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
