//! The next SNARK aggregate verification key as Mithril writes it in a protocol message, projected
//! into the rigid preimage's 44-byte slot.
//!
//! Upstream (`mithril-common` 0.8.3, `crypto_helper/types/wrappers.rs` and `protocol_key.rs`;
//! `mithril-stm` 0.13.0, `proof_system/halo2_snark/aggregate_key.rs`) registers this key under
//! its *bytes-hex* codec: a value is first read as the hex of the key's bytes and only if that
//! fails as JSON-hex. The bytes are either `0x01 ‖ CBOR` of
//! `{merkle_tree_commitment: {root, …}, total_stake}` or, without that prefix or when the CBOR
//! does not decode, the legacy layout `root ‖ total_stake (u64 BE)`. The slot then holds
//! `root (32 bytes) ‖ 4 zero bytes ‖ total_stake (u64 LE)`, and a root of another width is refused.
//!
//! This decoder follows those steps in that order, so a value upstream projects is projected to the
//! same bytes, and a value upstream cannot project is refused here too.

use crate::domain::SnarkAvkSlot;

/// Why a `next_aggregate_verification_key_snark` value has no rigid slot.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnarkAvkError {
    /// Neither hex of the key's bytes nor JSON-hex of the key.
    #[error("not a SNARK aggregate verification key in bytes-hex or JSON-hex")]
    Undecodable,
    /// The key decoded, but its Merkle root is not 32 bytes wide.
    #[error("the Merkle root is {0} bytes wide, the rigid slot takes 32")]
    RootWidth(usize),
}

/// Projects a SNARK aggregate verification key, as Mithril encodes it in a protocol message, into
/// the rigid slot.
pub fn rigid_slot(value: &str) -> Result<SnarkAvkSlot, SnarkAvkError> {
    let (root, total_stake) = decode(value)?;
    let root: [u8; 32] = root
        .as_slice()
        .try_into()
        .map_err(|_| SnarkAvkError::RootWidth(root.len()))?;
    Ok(SnarkAvkSlot::new(root, total_stake))
}

/// The key's Merkle root and total stake, read as upstream's `ProtocolKey::try_from` reads it:
/// bytes-hex (no trimming), then JSON-hex (trimmed, as `key_decode_hex` does).
fn decode(value: &str) -> Result<(Vec<u8>, u64), SnarkAvkError> {
    if let Some(key) = hex::decode(value).ok().and_then(|bytes| from_bytes(&bytes)) {
        return Ok(key);
    }
    hex::decode(value.trim())
        .ok()
        .and_then(|bytes| from_json(&bytes))
        .ok_or(SnarkAvkError::Undecodable)
}

/// `AggregateVerificationKeyForSnark::from_bytes`: CBOR after a `0x01` prefix, else legacy.
fn from_bytes(bytes: &[u8]) -> Option<(Vec<u8>, u64)> {
    if let Some(key) = bytes.strip_prefix(&[1u8]).and_then(from_cbor) {
        return Some(key);
    }
    let commitment_end = bytes.len().checked_sub(8)?;
    let stake = u64::from_be_bytes(bytes[commitment_end..].try_into().ok()?);
    Some((bytes[..commitment_end].to_vec(), stake))
}

/// `AggregateVerificationKeyForSnark` as serde derives it upstream: the same members (the
/// commitment's `hasher` is a `PhantomData`, written as null), unknown members ignored, a
/// duplicate member refused.
#[derive(serde::Deserialize)]
struct SnarkKey {
    merkle_tree_commitment: Commitment,
    total_stake: u64,
}

#[derive(serde::Deserialize)]
struct Commitment {
    root: Vec<u8>,
    #[allow(dead_code, reason = "required, as upstream's PhantomData member")]
    hasher: (),
}

fn from_cbor(bytes: &[u8]) -> Option<(Vec<u8>, u64)> {
    let key: SnarkKey = ciborium::de::from_reader(bytes).ok()?;
    Some((key.merkle_tree_commitment.root, key.total_stake))
}

fn from_json(bytes: &[u8]) -> Option<(Vec<u8>, u64)> {
    let key: SnarkKey = serde_json::from_slice(bytes).ok()?;
    Some((key.merkle_tree_commitment.root, key.total_stake))
}

/// The bytes-hex of a SNARK aggregate verification key with this root and stake, in the legacy
/// layout (`root ‖ total_stake u64 BE`), which every upstream reader decodes.
pub fn encode_legacy(root: [u8; 32], total_stake: u64) -> String {
    let mut bytes = root.to_vec();
    bytes.extend_from_slice(&total_stake.to_be_bytes());
    hex::encode(bytes)
}

/// A fixed SNARK aggregate verification key **for tests and the demo only**: not derived from any
/// key registration (this build has no SNARK prover), so a real Lagrange aggregator would not
/// accept what is signed over it. Its Merkle root is `"mithril-compat test SNARK AVK root"`'s
/// SHA-256, its total stake the given one.
pub fn test_key(total_stake: u64) -> String {
    use sha2::Digest as _;
    let root: [u8; 32] = sha2::Sha256::digest(b"mithril-compat test SNARK AVK root").into();
    encode_legacy(root, total_stake)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ciborium::Value;

    #[test]
    fn legacy_bytes_project_root_and_stake() {
        let slot = rigid_slot(&encode_legacy([9; 32], 1234)).unwrap();
        assert_eq!(slot, SnarkAvkSlot::new([9; 32], 1234));
    }

    #[test]
    fn cbor_without_its_hasher_member_is_not_the_key_upstream_reads() {
        // Upstream's serde needs `hasher`: without it the CBOR does not decode, and the bytes
        // are read in the legacy layout (here 40 bytes: a 32-byte root and a stake).
        let key = Value::Map(vec![
            (
                Value::Text("merkle_tree_commitment".into()),
                Value::Map(vec![(
                    Value::Text("root".into()),
                    Value::Array((0..32).map(|i| Value::Integer(i.into())).collect()),
                )]),
            ),
            (Value::Text("total_stake".into()), Value::Integer(77.into())),
        ]);
        let mut bytes = vec![1u8];
        ciborium::ser::into_writer(&key, &mut bytes).unwrap();
        let slot = rigid_slot(&hex::encode(&bytes));
        let legacy_width = bytes.len() - 8;
        assert_eq!(slot, Err(SnarkAvkError::RootWidth(legacy_width)));
        // Padded with spaces, bytes-hex no longer reads (upstream does not trim it).
        let padded = format!(" {} ", encode_legacy([3; 32], 1));
        assert_eq!(rigid_slot(&padded), Err(SnarkAvkError::Undecodable));
    }

    #[test]
    fn cbor_with_prefix_is_read_as_upstream_writes_it() {
        let key = Value::Map(vec![
            (
                Value::Text("merkle_tree_commitment".into()),
                Value::Map(vec![
                    (
                        Value::Text("root".into()),
                        Value::Array((0..32).map(|i| Value::Integer(i.into())).collect()),
                    ),
                    (Value::Text("hasher".into()), Value::Null),
                ]),
            ),
            (Value::Text("total_stake".into()), Value::Integer(77.into())),
        ]);
        let mut bytes = vec![1u8];
        ciborium::ser::into_writer(&key, &mut bytes).unwrap();
        let root: [u8; 32] = std::array::from_fn(|i| i as u8);
        assert_eq!(
            rigid_slot(&hex::encode(bytes)).unwrap(),
            SnarkAvkSlot::new(root, 77)
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(rigid_slot("zz"), Err(SnarkAvkError::Undecodable));
        assert_eq!(rigid_slot("0102"), Err(SnarkAvkError::Undecodable));
        // Legacy layout with a 16-byte root: decodes, but has no slot.
        assert_eq!(
            rigid_slot(&hex::encode([0u8; 24])),
            Err(SnarkAvkError::RootWidth(16))
        );
    }

    #[test]
    fn the_test_key_is_labelled_and_projects() {
        let slot = rigid_slot(&test_key(5)).unwrap();
        assert_eq!(&slot.0[36..], &5u64.to_le_bytes());
    }
}
