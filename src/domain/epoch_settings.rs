//! What a signer needs to know about an epoch.

use std::collections::HashSet;

use crate::domain::limits::MAX_SIGNERS;
use crate::domain::{BlockNumber, Epoch, KeyBytes, PartyId, ProtocolParameters, Stake};
use crate::{ValidationError, Violation};

/// A registered signer, its keys and, where published, its stake.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Signer {
    /// The party.
    pub party_id: PartyId,
    /// The signer's Mithril verification key.
    pub verification_key: KeyBytes,
    /// KES signature of the verification key by the pool; absent on networks without pool keys.
    pub verification_key_signature: Option<KeyBytes>,
    /// Operational certificate of the pool; absent on networks without pool keys.
    pub operational_certificate: Option<KeyBytes>,
    /// KES evolutions of the key that signed the verification key.
    pub kes_evolutions: Option<u64>,
    /// Stake the party signs with; absent where the aggregator does not publish it.
    pub stake: Option<Stake>,
    /// The signer's verification key for the SNARK proof system, where it takes part in them.
    pub verification_key_for_snark: Option<KeyBytes>,
    /// KES signature of the SNARK verification key by the pool.
    pub verification_key_signature_for_snark: Option<KeyBytes>,
    /// The signer's proof of bound possession of its SNARK key (a Schnorr signature).
    pub proof_of_bound_possession_for_snark: Option<KeyBytes>,
}

/// A list of signers in which each party appears once, at most [`MAX_SIGNERS`] long.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "Vec<Signer>", into = "Vec<Signer>")
)]
pub struct SignerSet(Vec<Signer>);

impl SignerSet {
    /// Checks and wraps the list; the order is kept.
    pub fn new(signers: Vec<Signer>) -> Result<Self, ValidationError> {
        if signers.len() > MAX_SIGNERS {
            return Err(ValidationError::here(Violation::TooManyEntries {
                count: signers.len(),
                max: MAX_SIGNERS,
            }));
        }
        // Lists are usually sorted by party id (aggregators build them from ordered stake
        // distributions): then strictly increasing ids are unique, with no hashing.
        if signers
            .windows(2)
            .all(|pair| pair[0].party_id < pair[1].party_id)
        {
            return Ok(Self(signers));
        }
        // foldhash: several times faster than SipHash on pool ids, and seeded per process, so
        // crafted ids cannot be chosen to collide.
        let mut seen = HashSet::with_capacity_and_hasher(
            signers.len(),
            foldhash::fast::RandomState::default(),
        );
        for (index, signer) in signers.iter().enumerate() {
            if !seen.insert(signer.party_id.as_str()) {
                return Err(ValidationError::here(Violation::Duplicate {
                    value: signer.party_id.to_string(),
                })
                .within("party_id")
                .at_index(index));
            }
        }
        Ok(Self(signers))
    }

    /// The signers, in the order given.
    pub fn as_slice(&self) -> &[Signer] {
        &self.0
    }

    /// The signers, owned.
    pub fn into_vec(self) -> Vec<Signer> {
        self.0
    }

    /// Number of signers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no signer.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sum of the published stakes (saturating), or `None` if a signer's stake is not published.
    pub fn total_stake(&self) -> Option<Stake> {
        self.0.iter().try_fold(Stake(0), |total, signer| {
            signer
                .stake
                .map(|stake| Stake(total.0.saturating_add(stake.0)))
        })
    }
}

impl TryFrom<Vec<Signer>> for SignerSet {
    type Error = ValidationError;

    fn try_from(signers: Vec<Signer>) -> Result<Self, Self::Error> {
        Self::new(signers)
    }
}

impl From<SignerSet> for Vec<Signer> {
    fn from(value: SignerSet) -> Self {
        value.0
    }
}

/// How Cardano transactions are signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CardanoTransactionsSigningConfig {
    /// Number of blocks behind the tip that are considered final (blocks).
    pub security_parameter: u64,
    /// Interval between two signed block numbers.
    pub step: BlockNumber,
}

/// What a signer needs to know to register and sign during an epoch.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EpochSettings {
    /// The current epoch.
    pub epoch: Epoch,
    /// Protocol parameters for registrations made during this epoch, where published here.
    pub signer_registration_protocol_parameters: Option<ProtocolParameters>,
    /// Signers that sign during this epoch.
    pub current_signers: SignerSet,
    /// Signers that sign during the next epoch.
    pub next_signers: SignerSet,
    /// How Cardano transactions are signed, where they are.
    pub cardano_transactions_signing_config: Option<CardanoTransactionsSigningConfig>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(party: &str, stake: Option<u64>) -> Signer {
        Signer {
            party_id: PartyId::new(party).unwrap(),
            verification_key: KeyBytes::new(vec![7u8; 4]).unwrap(),
            verification_key_signature: None,
            operational_certificate: None,
            kes_evolutions: None,
            stake: stake.map(Stake),
            verification_key_for_snark: None,
            verification_key_signature_for_snark: None,
            proof_of_bound_possession_for_snark: None,
        }
    }

    #[test]
    fn duplicate_parties_are_rejected_with_their_index() {
        let error = SignerSet::new(vec![
            signer("pool1a", Some(1)),
            signer("pool1b", Some(1)),
            signer("pool1a", Some(1)),
        ])
        .unwrap_err();
        assert_eq!(error.to_string(), "[2].party_id: duplicate \"pool1a\"");
    }

    #[test]
    fn sorted_and_unsorted_lists_are_checked_alike() {
        let ids = ["pool1a", "pool1b", "pool1c", "pool1d"];
        let set = |order: &[usize]| {
            SignerSet::new(order.iter().map(|&i| signer(ids[i], Some(1))).collect())
        };
        assert!(set(&[0, 1, 2, 3]).is_ok());
        assert!(set(&[3, 0, 2, 1]).is_ok());
        assert!(set(&[]).is_ok());
        assert!(set(&[2]).is_ok());
        // A duplicate next to itself breaks the strict order, and is then found by hashing.
        assert_eq!(
            set(&[0, 1, 1, 2]).unwrap_err().to_string(),
            "[2].party_id: duplicate \"pool1b\""
        );
        assert_eq!(
            set(&[3, 1, 2, 3]).unwrap_err().to_string(),
            "[3].party_id: duplicate \"pool1d\""
        );
    }

    #[test]
    fn total_stake_needs_every_stake() {
        let set = SignerSet::new(vec![signer("a", Some(3)), signer("b", Some(u64::MAX))]).unwrap();
        assert_eq!(set.total_stake(), Some(Stake(u64::MAX)));
        let set = SignerSet::new(vec![signer("a", Some(3)), signer("b", None)]).unwrap();
        assert_eq!(set.total_stake(), None);
        assert_eq!(SignerSet::default().total_stake(), Some(Stake(0)));
    }
}
