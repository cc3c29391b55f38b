//! The protocol message: the parts signers sign for a signed entity, and how Mithril turns them
//! into the signed message.
//!
//! Mirrors `ProtocolMessage` of `mithril-common` (`mithril-common/src/entities/protocol_message.rs`,
//! IntersectMBO/mithril): part keys are a closed, ordered set whose declaration order is the hash
//! order, and a hash scheme says how the digest is computed (`legacy`, or `rigid` from the Lagrange
//! era on). The digest computations are here and match upstream byte for byte (golden vectors made
//! with `mithril-common` 0.8.3 pin them, `tests/vectors/upstream/protocol_messages.json`).
//!
//! A part name this build does not know is kept, so a relay forwards it, but computing a digest
//! over a message that holds one is an error ([`DigestError::UnknownPart`]): Mithril has inserted
//! new parts in the middle of its order before, so no rule can place an unknown one.

use std::collections::BTreeMap;
use std::fmt;

use sha2::{Digest, Sha256};

/// The key of a protocol message part, in Mithril's hash order (the declaration order of
/// upstream's `ProtocolMessagePartKey`; `Ord` follows it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum PartKey {
    /// `snapshot_digest`: digest of a Cardano database snapshot (immutable files full).
    SnapshotDigest,
    /// `cardano_transactions_merkle_root`.
    CardanoTransactionsMerkleRoot,
    /// `cardano_blocks_transactions_merkle_root`.
    CardanoBlocksTransactionsMerkleRoot,
    /// `next_aggregate_verification_key`: the AVK allowed to sign during the next epoch.
    NextAggregateVerificationKey,
    /// `next_protocol_parameters`: hash of the protocol parameters of the next epoch.
    NextProtocolParameters,
    /// `current_epoch`, in decimal.
    CurrentEpoch,
    /// `latest_block_number`, in decimal.
    LatestBlockNumber,
    /// `cardano_blocks_transactions_block_number_offset`, in decimal.
    CardanoBlocksTransactionsBlockNumberOffset,
    /// `cardano_stake_distribution_epoch`, in decimal.
    CardanoStakeDistributionEpoch,
    /// `cardano_stake_distribution_merkle_root`.
    CardanoStakeDistributionMerkleRoot,
    /// `cardano_database_merkle_root`.
    CardanoDatabaseMerkleRoot,
    /// `next_aggregate_verification_key_snark`: the SNARK AVK of the next epoch (Lagrange).
    NextSnarkAggregateVerificationKey,
}

impl PartKey {
    /// Every part key this build knows, in Mithril's hash order.
    pub const ALL: &'static [PartKey] = &[
        Self::SnapshotDigest,
        Self::CardanoTransactionsMerkleRoot,
        Self::CardanoBlocksTransactionsMerkleRoot,
        Self::NextAggregateVerificationKey,
        Self::NextProtocolParameters,
        Self::CurrentEpoch,
        Self::LatestBlockNumber,
        Self::CardanoBlocksTransactionsBlockNumberOffset,
        Self::CardanoStakeDistributionEpoch,
        Self::CardanoStakeDistributionMerkleRoot,
        Self::CardanoDatabaseMerkleRoot,
        Self::NextSnarkAggregateVerificationKey,
    ];

    /// The name Mithril writes and hashes (`next_aggregate_verification_key`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::SnapshotDigest => "snapshot_digest",
            Self::CardanoTransactionsMerkleRoot => "cardano_transactions_merkle_root",
            Self::CardanoBlocksTransactionsMerkleRoot => "cardano_blocks_transactions_merkle_root",
            Self::NextAggregateVerificationKey => "next_aggregate_verification_key",
            Self::NextProtocolParameters => "next_protocol_parameters",
            Self::CurrentEpoch => "current_epoch",
            Self::LatestBlockNumber => "latest_block_number",
            Self::CardanoBlocksTransactionsBlockNumberOffset => {
                "cardano_blocks_transactions_block_number_offset"
            }
            Self::CardanoStakeDistributionEpoch => "cardano_stake_distribution_epoch",
            Self::CardanoStakeDistributionMerkleRoot => "cardano_stake_distribution_merkle_root",
            Self::CardanoDatabaseMerkleRoot => "cardano_database_merkle_root",
            Self::NextSnarkAggregateVerificationKey => "next_aggregate_verification_key_snark",
        }
    }

    /// The key with that name, if this build knows it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|key| key.name() == name)
    }
}

impl fmt::Display for PartKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the digest of a protocol message is computed (upstream's `ProtocolMessageHashScheme`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashScheme {
    /// SHA-256 over `name ‖ value` of every part in hash order; the default, omitted from JSON.
    #[default]
    Legacy,
    /// The fixed-layout preimage of the Lagrange era (see [`ProtocolMessage::rigid_preimage`]).
    Rigid,
    /// A scheme this build does not know, kept by name so that it is relayed; no digest.
    Unknown(String),
}

impl HashScheme {
    /// The name Mithril writes (`legacy`, `rigid`).
    pub fn name(&self) -> &str {
        match self {
            Self::Legacy => "legacy",
            Self::Rigid => "rigid",
            Self::Unknown(name) => name,
        }
    }

    /// The scheme with that name; a name this build does not know is kept as
    /// [`HashScheme::Unknown`].
    pub fn from_name(name: &str) -> Self {
        match name {
            "legacy" => Self::Legacy,
            "rigid" => Self::Rigid,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for HashScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a digest could not be computed over a protocol message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// The message holds a part this build does not know: its place in the hash order is unknown.
    #[error("part {0:?} is not known to this build: its place in the hash order is unknown")]
    UnknownPart(String),
    /// The message names a hash scheme this build does not know.
    #[error("hash scheme {0:?} is not known to this build")]
    UnknownScheme(String),
    /// A part the rigid scheme needs is missing.
    #[error("the rigid hash scheme needs the part {0}")]
    MissingPart(PartKey),
    /// A part's value does not fit the rigid scheme's fixed slot.
    #[error("part {part}: {reason}")]
    InvalidPart {
        /// The part.
        part: PartKey,
        /// What is wrong with its value.
        reason: String,
    },
}

/// The fixed 44-byte slot the rigid preimage gives the next SNARK aggregate verification key:
/// the Merkle root (32 bytes), four zero bytes (upstream keeps room for a leaf count), and the
/// total stake as a little-endian `u64` (mithril-stm's `AggregateVerificationKeyForSnark::
/// to_rigid_slot_bytes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SnarkAvkSlot(pub [u8; SnarkAvkSlot::LEN]);

impl SnarkAvkSlot {
    /// The slot's width in bytes.
    pub const LEN: usize = 44;

    /// The slot of a SNARK aggregate verification key with this Merkle root and total stake.
    pub fn new(merkle_root: [u8; 32], total_stake: u64) -> Self {
        let mut slot = [0u8; Self::LEN];
        slot[..32].copy_from_slice(&merkle_root);
        slot[36..].copy_from_slice(&total_stake.to_le_bytes());
        Self(slot)
    }
}

/// The parts of the message signers sign for a signed entity, and its hash scheme.
///
/// Known parts are kept in Mithril's hash order; parts this build does not know are kept by name
/// so that nothing received is lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProtocolMessage {
    parts: BTreeMap<PartKey, String>,
    unknown_parts: BTreeMap<String, String>,
    hash_scheme: HashScheme,
}

/// Labels of the rigid preimage, before each fixed segment.
const RIGID_DIGEST_LABEL: &[u8] = b"digest";
const RIGID_AVK_LABEL: &[u8] = b"next_aggregate_verification_key";
const RIGID_PARAMETERS_LABEL: &[u8] = b"next_protocol_parameters";
const RIGID_EPOCH_LABEL: &[u8] = b"current_epoch";
/// The parts projected into fixed segments, and so left out of the rigid `digest` segment.
const RIGID_SEGMENT_PARTS: [PartKey; 3] = [
    PartKey::NextSnarkAggregateVerificationKey,
    PartKey::NextProtocolParameters,
    PartKey::CurrentEpoch,
];

impl ProtocolMessage {
    /// An empty message with the legacy hash scheme.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty message with the given hash scheme.
    pub fn with_scheme(hash_scheme: HashScheme) -> Self {
        Self {
            hash_scheme,
            ..Self::default()
        }
    }

    /// Sets a known part, returning its previous value.
    pub fn set(&mut self, part: PartKey, value: impl Into<String>) -> Option<String> {
        self.parts.insert(part, value.into())
    }

    /// Sets a part by name: a known name becomes its [`PartKey`], any other name is kept as an
    /// unknown part. Returns the previous value.
    pub fn set_by_name(&mut self, name: &str, value: impl Into<String>) -> Option<String> {
        match PartKey::from_name(name) {
            Some(part) => self.set(part, value),
            None => self.unknown_parts.insert(name.to_owned(), value.into()),
        }
    }

    /// The value of a known part.
    pub fn get(&self, part: PartKey) -> Option<&str> {
        self.parts.get(&part).map(String::as_str)
    }

    /// The value of a part by name, known or not.
    pub fn get_by_name(&self, name: &str) -> Option<&str> {
        match PartKey::from_name(name) {
            Some(part) => self.get(part),
            None => self.unknown_parts.get(name).map(String::as_str),
        }
    }

    /// Removes a known part, returning its value.
    pub fn remove(&mut self, part: PartKey) -> Option<String> {
        self.parts.remove(&part)
    }

    /// The known parts, in Mithril's hash order.
    pub fn parts(&self) -> impl Iterator<Item = (PartKey, &str)> {
        self.parts
            .iter()
            .map(|(part, value)| (*part, value.as_str()))
    }

    /// The parts this build does not know, in name order.
    pub fn unknown_parts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.unknown_parts
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The hash scheme.
    pub fn hash_scheme(&self) -> &HashScheme {
        &self.hash_scheme
    }

    /// Sets the hash scheme.
    pub fn set_hash_scheme(&mut self, hash_scheme: HashScheme) {
        self.hash_scheme = hash_scheme;
    }

    fn refuse_unknown_parts(&self) -> Result<(), DigestError> {
        match self.unknown_parts.keys().next() {
            Some(name) => Err(DigestError::UnknownPart(name.clone())),
            None => Ok(()),
        }
    }

    /// The legacy digest, whatever the message's scheme: SHA-256 over `name ‖ value` of every
    /// part in hash order (upstream's `compute_legacy_digest_bytes`).
    pub fn legacy_digest(&self) -> Result<[u8; 32], DigestError> {
        self.refuse_unknown_parts()?;
        Ok(legacy_digest_of(self.parts()))
    }

    /// The rigid preimage (Lagrange): `"digest" ‖ legacy digest of the parts other than the
    /// three below ‖ "next_aggregate_verification_key" ‖ the 44-byte SNARK AVK slot ‖
    /// "next_protocol_parameters" ‖ 32 bytes ‖ "current_epoch" ‖ 8 bytes little-endian`.
    ///
    /// `snark_avk_slot` projects the `next_aggregate_verification_key_snark` value (a key in
    /// Mithril's key encoding) into its slot; decoding that encoding is a codec's job, so the
    /// caller supplies it (see `crate::mithril::signed_message`, which does).
    ///
    /// Upstream turns a missing or undecodable rigid part into zeros and leaves it to
    /// `check_rigid_integrity` to complain; here each is an error, so a digest is only ever
    /// computed over a message that upstream's integrity check accepts.
    pub fn rigid_preimage(
        &self,
        snark_avk_slot: impl FnOnce(&str) -> Result<SnarkAvkSlot, String>,
    ) -> Result<Vec<u8>, DigestError> {
        self.refuse_unknown_parts()?;
        let required = |part: PartKey| self.get(part).ok_or(DigestError::MissingPart(part));
        let invalid =
            |part: PartKey| move |reason: String| DigestError::InvalidPart { part, reason };

        let avk = snark_avk_slot(required(PartKey::NextSnarkAggregateVerificationKey)?)
            .map_err(invalid(PartKey::NextSnarkAggregateVerificationKey))?;
        let parameters = required(PartKey::NextProtocolParameters)?;
        let parameters: [u8; 32] = hex::decode(parameters)
            .map_err(|error| error.to_string())
            .and_then(|bytes| {
                <[u8; 32]>::try_from(bytes.as_slice())
                    .map_err(|_| format!("must decode to exactly 32 bytes (got {})", bytes.len()))
            })
            .map_err(invalid(PartKey::NextProtocolParameters))?;
        let epoch: u64 = required(PartKey::CurrentEpoch)?.parse().map_err(
            |error: std::num::ParseIntError| {
                invalid(PartKey::CurrentEpoch)(format!("not a decimal u64: {error}"))
            },
        )?;

        let dynamic = legacy_digest_of(
            self.parts()
                .filter(|(part, _)| !RIGID_SEGMENT_PARTS.contains(part)),
        );
        let mut preimage = Vec::with_capacity(
            RIGID_DIGEST_LABEL.len()
                + 32
                + RIGID_AVK_LABEL.len()
                + SnarkAvkSlot::LEN
                + RIGID_PARAMETERS_LABEL.len()
                + 32
                + RIGID_EPOCH_LABEL.len()
                + 8,
        );
        preimage.extend_from_slice(RIGID_DIGEST_LABEL);
        preimage.extend_from_slice(&dynamic);
        preimage.extend_from_slice(RIGID_AVK_LABEL);
        preimage.extend_from_slice(&avk.0);
        preimage.extend_from_slice(RIGID_PARAMETERS_LABEL);
        preimage.extend_from_slice(&parameters);
        preimage.extend_from_slice(RIGID_EPOCH_LABEL);
        preimage.extend_from_slice(&epoch.to_le_bytes());
        Ok(preimage)
    }

    /// The rigid digest: SHA-256 of [`ProtocolMessage::rigid_preimage`].
    pub fn rigid_digest(
        &self,
        snark_avk_slot: impl FnOnce(&str) -> Result<SnarkAvkSlot, String>,
    ) -> Result<[u8; 32], DigestError> {
        Ok(Sha256::digest(self.rigid_preimage(snark_avk_slot)?).into())
    }

    /// The digest under the message's own hash scheme (upstream's `compute_hash_bytes`).
    pub fn digest(
        &self,
        snark_avk_slot: impl FnOnce(&str) -> Result<SnarkAvkSlot, String>,
    ) -> Result<[u8; 32], DigestError> {
        match &self.hash_scheme {
            HashScheme::Legacy => self.legacy_digest(),
            HashScheme::Rigid => self.rigid_digest(snark_avk_slot),
            HashScheme::Unknown(name) => Err(DigestError::UnknownScheme(name.clone())),
        }
    }
}

fn legacy_digest_of<'a>(parts: impl Iterator<Item = (PartKey, &'a str)>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for (part, value) in parts {
        hasher.update(part.name().as_bytes());
        hasher.update(value.as_bytes());
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_keys_hash_in_declaration_order_and_names_parse_back() {
        let mut sorted = PartKey::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, PartKey::ALL);
        for part in PartKey::ALL {
            assert_eq!(PartKey::from_name(part.name()), Some(*part));
        }
        assert_eq!(PartKey::from_name("current_era"), None);
    }

    #[test]
    fn legacy_digest_follows_mithrils_order_not_name_order() {
        let mut message = ProtocolMessage::new();
        message.set(PartKey::CurrentEpoch, "512");
        message.set(PartKey::NextAggregateVerificationKey, "7b22");
        message.set(PartKey::NextProtocolParameters, "ab");
        // Independently: declaration order puts the AVK and the parameters before the epoch.
        let expected = Sha256::digest(
            b"next_aggregate_verification_key7b22next_protocol_parametersabcurrent_epoch512",
        );
        assert_eq!(message.legacy_digest().unwrap(), <[u8; 32]>::from(expected));
    }

    #[test]
    fn unknown_parts_are_kept_but_refuse_a_digest() {
        let mut message = ProtocolMessage::new();
        message.set_by_name("current_epoch", "1");
        message.set_by_name("future_part", "x");
        assert_eq!(message.get(PartKey::CurrentEpoch), Some("1"));
        assert_eq!(message.get_by_name("future_part"), Some("x"));
        assert_eq!(
            message.legacy_digest(),
            Err(DigestError::UnknownPart("future_part".into()))
        );
        message.set_hash_scheme(HashScheme::from_name("quantum"));
        assert_eq!(
            message.digest(|_| unreachable!()),
            Err(DigestError::UnknownScheme("quantum".into()))
        );
    }

    #[test]
    fn rigid_refuses_missing_and_malformed_parts() {
        let slot = |_: &str| Ok(SnarkAvkSlot::new([7; 32], 10));
        let mut message = ProtocolMessage::with_scheme(HashScheme::Rigid);
        assert_eq!(
            message.digest(slot),
            Err(DigestError::MissingPart(
                PartKey::NextSnarkAggregateVerificationKey
            ))
        );
        message.set(PartKey::NextSnarkAggregateVerificationKey, "k");
        message.set(PartKey::NextProtocolParameters, "abcd");
        message.set(PartKey::CurrentEpoch, "12");
        assert!(matches!(
            message.digest(slot),
            Err(DigestError::InvalidPart {
                part: PartKey::NextProtocolParameters,
                ..
            })
        ));
        message.set(PartKey::NextProtocolParameters, "00".repeat(32));
        message.set(PartKey::CurrentEpoch, "-1");
        assert!(matches!(
            message.digest(slot),
            Err(DigestError::InvalidPart {
                part: PartKey::CurrentEpoch,
                ..
            })
        ));
        message.set(PartKey::CurrentEpoch, "12");
        assert!(matches!(
            message.digest(|_| Err("bad key".into())),
            Err(DigestError::InvalidPart {
                part: PartKey::NextSnarkAggregateVerificationKey,
                ..
            })
        ));
        let preimage = message.rigid_preimage(slot).unwrap();
        assert_eq!(preimage.len(), 6 + 32 + 31 + 44 + 24 + 32 + 13 + 8);
        assert_eq!(&preimage[preimage.len() - 8..], &12u64.to_le_bytes());
        // The dynamic segment covers no part here: SHA-256 of nothing.
        assert_eq!(&preimage[6..38], Sha256::digest(b"").as_slice());
    }

    #[test]
    fn snark_slot_layout() {
        let slot = SnarkAvkSlot::new([1; 32], 0x0102);
        assert_eq!(&slot.0[..32], &[1; 32]);
        assert_eq!(&slot.0[32..36], &[0; 4]);
        assert_eq!(&slot.0[36..], &0x0102u64.to_le_bytes());
    }
}
