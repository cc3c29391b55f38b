//! Bounded byte fields.

use std::fmt;

use bytes::Bytes;

use super::limits;
use crate::{ValidationError, Violation};

/// Raw bytes, non-empty and at most `MAX` long.
///
/// Wire versions carry them raw; the JSON form of today's API and the serde form of this crate
/// carry them as lowercase hex. Cloning is cheap (reference counted).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BoundedBytes<const MAX: usize>(Bytes);

/// A key, a key signature or an operational certificate (at most 16 KiB).
pub type KeyBytes = BoundedBytes<{ limits::MAX_KEY_BYTES }>;

/// A single signature (at most 64 KiB).
pub type SignatureBytes = BoundedBytes<{ limits::MAX_SIGNATURE_BYTES }>;

impl<const MAX: usize> BoundedBytes<MAX> {
    /// The longest value allowed (bytes).
    pub const MAX_BYTES: usize = MAX;

    /// Checks and wraps the bytes.
    #[inline]
    pub fn new(bytes: impl Into<Bytes>) -> Result<Self, ValidationError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(ValidationError::here(Violation::Empty));
        }
        if bytes.len() > MAX {
            return Err(ValidationError::here(Violation::TooLong {
                len: bytes.len(),
                max: MAX,
            }));
        }
        Ok(Self(bytes))
    }

    /// Parses lowercase or uppercase hex.
    pub fn from_hex(text: &str) -> Result<Self, ValidationError> {
        let bytes = hex::decode(text).map_err(|_| {
            ValidationError::here(Violation::Malformed {
                expected: "an even number of hex digits",
            })
        })?;
        Self::new(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, shared.
    pub fn to_bytes(&self) -> Bytes {
        self.0.clone()
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// A copy that owns its bytes. A value decoded from a network buffer shares that buffer (no
    /// copy on the decode path), so keeping it keeps the whole buffer alive: keep a detached copy
    /// of what you store for long.
    pub fn detached(&self) -> Self {
        Self(Bytes::copy_from_slice(&self.0))
    }

    /// Lowercase hex of the bytes.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    /// Length (bytes).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a value is never empty. Present for the `len`/`is_empty` pair.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<const MAX: usize> AsRef<[u8]> for BoundedBytes<MAX> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl<const MAX: usize> fmt::Debug for BoundedBytes<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 16;
        if self.0.len() <= SHOWN {
            write!(f, "0x{}", hex::encode(&self.0))
        } else {
            write!(
                f,
                "0x{}…({} bytes)",
                hex::encode(&self.0[..SHOWN]),
                self.0.len()
            )
        }
    }
}

#[cfg(feature = "serde")]
impl<const MAX: usize> serde::Serialize for BoundedBytes<MAX> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

#[cfg(feature = "serde")]
impl<'de, const MAX: usize> serde::Deserialize<'de> for BoundedBytes<MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(
            KeyBytes::new(Vec::new()).unwrap_err().violation(),
            &Violation::Empty
        );
        assert!(KeyBytes::new(vec![1u8; limits::MAX_KEY_BYTES]).is_ok());
        assert_eq!(
            KeyBytes::new(vec![1u8; limits::MAX_KEY_BYTES + 1])
                .unwrap_err()
                .violation(),
            &Violation::TooLong {
                len: limits::MAX_KEY_BYTES + 1,
                max: limits::MAX_KEY_BYTES
            }
        );
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let key = KeyBytes::from_hex("00ff10").unwrap();
        assert_eq!(key.as_bytes(), &[0x00, 0xff, 0x10]);
        assert_eq!(key.to_hex(), "00ff10");
        assert!(matches!(
            KeyBytes::from_hex("abc").unwrap_err().violation(),
            Violation::Malformed { .. }
        ));
        assert!(matches!(
            KeyBytes::from_hex("zz").unwrap_err().violation(),
            Violation::Malformed { .. }
        ));
    }
}
