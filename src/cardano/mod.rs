//! Cardano pool keys, as Mithril reads them (feature `kes`): operational certificates, KES
//! signatures and pool ids, the certification of a signer's registration, and the pool's
//! signature of its node info.
//!
//! A stake pool proves who it is with two keys. Its **cold key** (Ed25519) signs an
//! **operational certificate** that names a **KES key** (Sum6 key-evolving signatures, 64
//! periods), a counter and the KES period the certificate starts at; the pool id is the
//! Blake2b-224 hash of the cold verification key, written in bech32 (`pool1…`). The KES key signs
//! what the pool says, at some number of *evolutions* past the certificate's start.
//!
//! - [`OperationalCertificate`] reads both encodings a registration carries: the CBOR of
//!   `cardano-cli`'s text envelope (`[[kes_vk, counter, start_period, cold_signature], cold_vk]`)
//!   and the JSON text today's JSON API carries (hex-decoded), as `mithril-common` 0.8 writes it
//!   (`mithril-common/src/crypto_helper/cardano/opcert.rs`). It checks the cold signature over
//!   `kes_vk ‖ counter ‖ start_period` (big-endian) and derives the [`PoolId`].
//! - [`KesSignature`] reads a Sum6 signature raw (448 bytes) or as JSON text, and
//!   [`KesSignature::verify`] checks it as Mithril's `KesVerifierStandard` does: at the declared
//!   evolutions, or one either side.
//! - [`certify_registration`] is Mithril's check of a registration
//!   (`mithril-common/src/crypto_helper/cardano/key_certification.rs`): the certificate, the
//!   pool id, and the KES signature of the verification key.
//! - [`certify`] adds the node info signature ([`NodeInfo::signed_bytes`]) and answers with the
//!   registration's [`Provenance`]: what the adoption monitor records.
//! - [`PoolKeys`] holds a pool's keys to sign with: what a signer (or a test, or the demo) uses.
//!
//! Every check is pinned by vectors made with `mithril-common` 0.8.3
//! (`tests/vectors/upstream/pool_certification.json`).
//!
//! [`NodeInfo::signed_bytes`]: crate::domain::NodeInfo::signed_bytes
//! [`Provenance`]: crate::adoption::Provenance

mod certify;
mod kes;
mod keys;
mod opcert;
mod pool_id;

pub use certify::{certify, certify_registration, verification_key_message};
pub use kes::{KES_PERIODS, KesSignature};
pub use keys::{KesSigningKey, PoolKeys};
pub use opcert::OperationalCertificate;
pub use pool_id::PoolId;

/// Why pool key material was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PoolKeyError {
    /// The operational certificate is neither its CBOR nor its JSON text, or a part has the
    /// wrong size.
    #[error("malformed operational certificate: {0}")]
    MalformedCertificate(String),
    /// The cold key's signature of the certificate does not verify.
    #[error("the operational certificate's cold signature does not verify")]
    CertificateSignature,
    /// The KES signature is neither 448 raw bytes nor its JSON text.
    #[error("malformed KES signature: {0}")]
    MalformedSignature(String),
    /// The verification key is neither its canonical bytes nor its JSON text.
    #[error("malformed verification key: {0}")]
    MalformedVerificationKey(String),
    /// The KES signature does not verify at the evolutions tried.
    #[error("the KES signature does not verify at {evolutions} evolutions (±1)")]
    KesSignature {
        /// The declared evolutions.
        evolutions: u64,
    },
    /// A KES key cannot sign past its last period.
    #[error("a KES key has {KES_PERIODS} periods; {evolutions} evolutions is past the last")]
    KesExpired {
        /// The evolutions asked for.
        evolutions: u64,
    },
    /// A KES key cannot evolve backwards.
    #[error("the KES key is at {current} evolutions and cannot go back to {requested}")]
    KesBackwards {
        /// Where the key is.
        current: u64,
        /// Where it was asked to be.
        requested: u64,
    },
}
