//! Plain numbers with a meaning.

use std::fmt;

use crate::{ValidationError, Violation};

macro_rules! number {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(transparent))]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                Self(value)
            }
        }
    };
}

number!(
    /// A Cardano epoch number.
    Epoch(u64)
);
number!(
    /// A Cardano block number.
    BlockNumber(u64)
);
number!(
    /// A distance in blocks, counted back from a block number.
    BlockNumberOffset(u64)
);
number!(
    /// The number of a Cardano immutable file.
    ImmutableFileNumber(u64)
);
number!(
    /// An amount of stake (lovelace).
    Stake(u64)
);

impl Epoch {
    /// The epoch `offset` epochs later, or `None` past `u64::MAX`.
    pub fn checked_add(self, offset: u64) -> Option<Self> {
        self.0.checked_add(offset).map(Self)
    }

    /// The epoch `offset` epochs earlier, or `None` before epoch 0.
    pub fn checked_sub(self, offset: u64) -> Option<Self> {
        self.0.checked_sub(offset).map(Self)
    }
}

/// The `N` of a wire package `mithril.signer.vN`, as a node declares it.
///
/// The domain keeps the number as declared, including numbers this build does not know (a newer
/// node's version), so nothing is lost; `crate::wire::WireVersion` maps it to a version this
/// build speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "u32", into = "u32")
)]
pub struct WireVersionId(u32);

impl WireVersionId {
    /// The largest number a wire version may have (protobuf enums are 32-bit signed).
    pub const MAX: u32 = i32::MAX as u32;

    /// A wire version number, from 1 to [`Self::MAX`].
    pub fn new(number: u32) -> Result<Self, ValidationError> {
        match number {
            0 => Err(ValidationError::here(Violation::Unspecified)),
            n if n > Self::MAX => Err(ValidationError::here(Violation::OutOfRange {
                value: n.to_string(),
                expected: "1 to 2147483647",
            })),
            n => Ok(Self(n)),
        }
    }

    /// Wraps a number that [`Self::new`] accepts.
    pub(crate) fn from_checked(number: u32) -> Self {
        debug_assert!(Self::new(number).is_ok());
        Self(number)
    }

    /// The number.
    pub fn number(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for WireVersionId {
    type Error = ValidationError;

    fn try_from(number: u32) -> Result<Self, Self::Error> {
        Self::new(number)
    }
}

impl From<WireVersionId> for u32 {
    fn from(id: WireVersionId) -> Self {
        id.0
    }
}

impl fmt::Display for WireVersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_version_id_bounds() {
        assert_eq!(
            WireVersionId::new(0).unwrap_err().violation(),
            &Violation::Unspecified
        );
        assert!(WireVersionId::new(1).is_ok());
        assert!(WireVersionId::new(WireVersionId::MAX).is_ok());
        assert!(matches!(
            WireVersionId::new(WireVersionId::MAX + 1)
                .unwrap_err()
                .violation(),
            Violation::OutOfRange { .. }
        ));
    }

    #[test]
    fn epoch_arithmetic_does_not_wrap() {
        assert_eq!(Epoch(5).checked_add(2), Some(Epoch(7)));
        assert_eq!(Epoch(u64::MAX).checked_add(1), None);
        assert_eq!(Epoch(0).checked_sub(1), None);
    }
}

/// A Cardano network, by its magic number (mainnet is 764824073).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct NetworkMagic(pub u32);

impl NetworkMagic {
    /// Cardano mainnet.
    pub const MAINNET: NetworkMagic = NetworkMagic(764_824_073);
    /// The preprod test network.
    pub const PREPROD: NetworkMagic = NetworkMagic(1);
    /// The preview test network.
    pub const PREVIEW: NetworkMagic = NetworkMagic(2);
}

impl fmt::Display for NetworkMagic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "network {}", self.0)
    }
}
