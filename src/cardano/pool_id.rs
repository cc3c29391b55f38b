//! Stake pool ids.

use std::fmt;

use bech32::{Bech32, Hrp};
use pallas_crypto::hash::Hasher;

/// A stake pool id: the Blake2b-224 hash of the pool's cold verification key.
///
/// Mithril names a signing party by this id in bech32 with the `pool` prefix
/// (`compute_protocol_party_id` in `mithril-common/src/crypto_helper/cardano/opcert.rs`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoolId([u8; 28]);

const POOL: Hrp = Hrp::parse_unchecked("pool");

impl PoolId {
    /// The id of the pool whose cold verification key is `cold_verification_key`.
    pub fn of_cold_key(cold_verification_key: &[u8; 32]) -> Self {
        Self(*Hasher::<224>::hash(cold_verification_key))
    }

    /// The id from its 28 bytes.
    pub const fn from_bytes(bytes: [u8; 28]) -> Self {
        Self(bytes)
    }

    /// Reads a bech32 `pool1…` id; `None` for anything else.
    pub fn from_bech32(text: &str) -> Option<Self> {
        let (hrp, data) = bech32::decode(text).ok()?;
        if hrp != POOL {
            return None;
        }
        Some(Self(data.try_into().ok()?))
    }

    /// The 28 bytes.
    pub const fn as_bytes(&self) -> &[u8; 28] {
        &self.0
    }

    /// The id in bech32 (`pool1…`): Mithril's party id.
    pub fn to_bech32(&self) -> String {
        // 28 bytes under a four-character prefix are far within bech32's length limit.
        bech32::encode::<Bech32>(POOL, &self.0).unwrap_or_default()
    }

    /// The id in lowercase hex (Mithril's `compute_protocol_party_id_as_hash`).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_bech32())
    }
}

impl fmt::Debug for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PoolId({})", self.to_bech32())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bech32_round_trips_and_refuses_other_prefixes() {
        let id = PoolId::of_cold_key(&[7; 32]);
        assert_eq!(PoolId::from_bech32(&id.to_bech32()), Some(id));
        let other = bech32::encode::<Bech32>(Hrp::parse_unchecked("stake"), id.as_bytes()).unwrap();
        assert_eq!(PoolId::from_bech32(&other), None);
        assert_eq!(PoolId::from_bech32("pool1"), None);
        assert_eq!(PoolId::from_bech32("not bech32"), None);
    }
}
