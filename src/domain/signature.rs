//! A single signature.

use crate::domain::limits::MAX_WON_INDEXES;
use crate::domain::{
    EraName, PartyId, ProtocolParameters, SignatureBytes, SignedEntityType, SignedMessage,
};
use crate::{ValidationError, Violation};

/// The lottery indices a single signature won: non-empty, strictly increasing, at most
/// [`MAX_WON_INDEXES`] of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "Vec<u64>", into = "Vec<u64>")
)]
pub struct WonIndexes(Vec<u64>);

impl WonIndexes {
    /// Checks and wraps the indices.
    pub fn new(indexes: Vec<u64>) -> Result<Self, ValidationError> {
        if indexes.is_empty() {
            return Err(ValidationError::here(Violation::Empty));
        }
        if indexes.len() > MAX_WON_INDEXES {
            return Err(ValidationError::here(Violation::TooManyEntries {
                count: indexes.len(),
                max: MAX_WON_INDEXES,
            }));
        }
        for (position, pair) in indexes.windows(2).enumerate() {
            if pair[1] <= pair[0] {
                return Err(ValidationError::here(Violation::NotStrictlyIncreasing {
                    previous: pair[0],
                    value: pair[1],
                })
                .at_index(position + 1));
            }
        }
        Ok(Self(indexes))
    }

    /// The indices, in increasing order.
    pub fn as_slice(&self) -> &[u64] {
        &self.0
    }

    /// The indices, owned.
    pub fn into_vec(self) -> Vec<u64> {
        self.0
    }

    /// How many indices were won.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a signature wins at least one index.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks that every index lies in `[0, m)` for the given parameters.
    pub fn check_against(&self, parameters: &ProtocolParameters) -> Result<(), ValidationError> {
        // Strictly increasing: the last index is the largest.
        let last = *self.0.last().expect("never empty by construction");
        if last >= parameters.m() {
            return Err(ValidationError::here(Violation::OutOfRange {
                value: last.to_string(),
                expected: "an index below m",
            })
            .at_index(self.0.len() - 1));
        }
        Ok(())
    }
}

impl TryFrom<Vec<u64>> for WonIndexes {
    type Error = ValidationError;

    fn try_from(indexes: Vec<u64>) -> Result<Self, Self::Error> {
        Self::new(indexes)
    }
}

impl From<WonIndexes> for Vec<u64> {
    fn from(value: WonIndexes) -> Self {
        value.0
    }
}

/// One signer's signature of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SingleSignature {
    /// What the signature is about.
    pub signed_entity_type: SignedEntityType,
    /// The signing party.
    pub party_id: PartyId,
    /// The STM single signature.
    pub signature: SignatureBytes,
    /// The lottery indices the signature won.
    pub won_indexes: WonIndexes,
    /// The message that was signed.
    pub signed_message: SignedMessage,
    /// The single signature for the SNARK proof system, where one was produced.
    pub snark_signature: Option<SignatureBytes>,
    /// The signer's signature of the next era's composition of the same message, sent while
    /// that era is announced: what proves the signer can sign it (see
    /// [`adoption::RuleConfig`](crate::adoption::RuleConfig)).
    pub shadow_signature: Option<ShadowSignature>,
}

/// A signature of the next era's composition of a message, sent beside the current era's
/// signature while the next era is announced ("shadow" signing). The aggregator verifies it and
/// aggregates the epoch's shadow signatures into a certificate it never publishes: the proof
/// that enough stake can sign the next era before it is switched on.
///
/// The signer and the signed entity are those of the [`SingleSignature`] that carries it; the
/// lottery is the same (same keys, same stake), over another message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShadowSignature {
    /// The era whose composition of the message was signed (`lagrange`).
    pub era: EraName,
    /// The STM single signature of the next era's message.
    pub signature: SignatureBytes,
    /// The lottery indices it won.
    pub won_indexes: WonIndexes,
    /// The next era's message that was signed (the hex digest of its composition).
    pub signed_message: SignedMessage,
}

impl ShadowSignature {
    /// The same signature with byte fields that own their bytes.
    pub fn detached(&self) -> Self {
        Self {
            signature: self.signature.detached(),
            ..self.clone()
        }
    }

    /// The bytes the STM signature signs: the next era's signed message as UTF-8 text.
    pub fn signed_payload(&self) -> &[u8] {
        self.signed_message.as_str().as_bytes()
    }

    /// Checks what depends on the protocol parameters in force: every won index is below `m`.
    pub fn check_against(&self, parameters: &ProtocolParameters) -> Result<(), ValidationError> {
        won_indexes_below_m(&self.won_indexes, parameters)
    }
}

/// The `won_indexes` field checked against the parameters in force.
fn won_indexes_below_m(
    won_indexes: &WonIndexes,
    parameters: &ProtocolParameters,
) -> Result<(), ValidationError> {
    won_indexes
        .check_against(parameters)
        .map_err(|error| error.within("won_indexes"))
}

impl SingleSignature {
    /// The same signature with byte fields that own their bytes (see
    /// [`BoundedBytes::detached`](crate::domain::BoundedBytes::detached)): what a store keeps.
    pub fn detached(&self) -> Self {
        Self {
            signature: self.signature.detached(),
            snark_signature: self.snark_signature.as_ref().map(|bytes| bytes.detached()),
            shadow_signature: self
                .shadow_signature
                .as_ref()
                .map(ShadowSignature::detached),
            ..self.clone()
        }
    }

    /// The bytes the STM signature signs: the signed message as UTF-8 text (the hex digest of
    /// the protocol message), identical whichever wire version carried the signature.
    pub fn signed_payload(&self) -> &[u8] {
        self.signed_message.as_str().as_bytes()
    }

    /// Checks what depends on the protocol parameters in force: every won index is below `m`.
    pub fn check_against(&self, parameters: &ProtocolParameters) -> Result<(), ValidationError> {
        won_indexes_below_m(&self.won_indexes, parameters)?;
        match &self.shadow_signature {
            Some(shadow) => shadow
                .check_against(parameters)
                .map_err(|error| error.within("shadow_signature")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn won_indexes_rules() {
        assert_eq!(
            WonIndexes::new(vec![1, 4, 9]).unwrap().as_slice(),
            &[1, 4, 9]
        );
        assert_eq!(
            WonIndexes::new(vec![]).unwrap_err().violation(),
            &Violation::Empty
        );
        let error = WonIndexes::new(vec![1, 4, 4]).unwrap_err();
        assert_eq!(error.path().to_string(), "[2]");
        assert_eq!(
            error.violation(),
            &Violation::NotStrictlyIncreasing {
                previous: 4,
                value: 4
            }
        );
        assert!(WonIndexes::new(vec![3, 2]).is_err());
    }

    #[test]
    fn won_indexes_must_be_below_m() {
        let parameters = ProtocolParameters::new(2, 10, 0.5).unwrap();
        assert!(
            WonIndexes::new(vec![0, 9])
                .unwrap()
                .check_against(&parameters)
                .is_ok()
        );
        let error = WonIndexes::new(vec![0, 10])
            .unwrap()
            .check_against(&parameters)
            .unwrap_err();
        assert_eq!(error.path().to_string(), "[1]");
    }
}
