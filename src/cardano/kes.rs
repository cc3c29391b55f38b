//! KES signatures (Sum6, as Cardano and Mithril use them).

use kes_summed_ed25519::PublicKey;
use kes_summed_ed25519::kes::Sum6KesSig;
use kes_summed_ed25519::traits::KesSig as _;

use super::PoolKeyError;

/// Periods of a Sum6 KES key: it can sign at 0 to 63 evolutions.
pub const KES_PERIODS: u64 = 64;

/// A Sum6 KES signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KesSignature(Sum6KesSig);

fn malformed(why: impl Into<String>) -> PoolKeyError {
    PoolKeyError::MalformedSignature(why.into())
}

impl KesSignature {
    /// Size of the raw signature (bytes): an Ed25519 signature and six pairs of keys.
    pub const SIZE: usize = Sum6KesSig::SIZE;

    pub(crate) fn from_inner(signature: Sum6KesSig) -> Self {
        Self(signature)
    }

    /// Reads a signature raw ([`Self::SIZE`] bytes) or as the JSON text today's JSON API
    /// carries (hex-encoded) in `verification_key_signature` (an object, about 1.8 KB).
    ///
    /// The length decides, not the first byte: a raw signature may well start with `{`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PoolKeyError> {
        if bytes.len() != Self::SIZE && bytes.first() == Some(&b'{') {
            return serde_json::from_slice(bytes)
                .map(Self)
                .map_err(|error| malformed(error.to_string()));
        }
        if bytes.len() != Self::SIZE {
            return Err(malformed(format!(
                "{} bytes, neither {} raw bytes nor JSON",
                bytes.len(),
                Self::SIZE
            )));
        }
        Sum6KesSig::from_bytes(bytes)
            .map(Self)
            .map_err(|error| malformed(format!("{error:?}")))
    }

    /// The raw bytes.
    pub fn to_bytes(&self) -> [u8; Sum6KesSig::SIZE] {
        self.0.to_bytes()
    }

    /// The JSON text `mithril-common` writes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).unwrap_or_default()
    }

    /// Whether the signature verifies at exactly `evolutions`.
    pub fn verifies_at(
        &self,
        kes_verification_key: &[u8; 32],
        message: &[u8],
        evolutions: u64,
    ) -> bool {
        let (Ok(key), Ok(period)) = (
            PublicKey::from_bytes(kes_verification_key),
            u32::try_from(evolutions),
        ) else {
            return false;
        };
        self.0.verify(period, &key, message).is_ok()
    }

    /// Checks the signature as Mithril's `KesVerifierStandard` does: at the declared
    /// `evolutions`, or at one evolution either side (never past [`KES_PERIODS`]).
    pub fn verify(
        &self,
        kes_verification_key: &[u8; 32],
        message: &[u8],
        evolutions: u64,
    ) -> Result<(), PoolKeyError> {
        let low = evolutions.saturating_sub(1);
        let high = evolutions.saturating_add(1).min(KES_PERIODS);
        if (low..=high).any(|tried| self.verifies_at(kes_verification_key, message, tried)) {
            return Ok(());
        }
        if evolutions >= KES_PERIODS {
            return Err(PoolKeyError::KesExpired { evolutions });
        }
        Err(PoolKeyError::KesSignature { evolutions })
    }

    /// The evolutions the signature was made at, if it verifies at any (a diagnosis after
    /// [`Self::verify`] failed; it tries every period).
    pub fn signed_at(&self, kes_verification_key: &[u8; 32], message: &[u8]) -> Option<u64> {
        (0..KES_PERIODS)
            .find(|evolutions| self.verifies_at(kes_verification_key, message, *evolutions))
    }
}
