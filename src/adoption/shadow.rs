//! The aggregator's side of shadow signing (feature `stm`): verify each signer's signature of
//! the next era's message with `mithril-stm`, and aggregate an epoch's into a shadow certificate
//! (a concatenation aggregate over the next era's message, never published).
//!
//! A [`ShadowRound`] is one epoch's attempt: the era announced, the next era's message of the
//! epoch (the same protocol message, in the next era's composition), and the epoch's signers
//! with their keys and stakes: the same as for the current era's certificate, since shadow
//! signing uses the same keys and the same lottery, over another message.
//!
//! ```text
//! for each received SingleSignature carrying a shadow_signature:
//!     round.verify(&signature)?            -> monitor.record_shadow_signatures(epoch, party, 1)
//! let attempt = round.aggregate();          -> monitor.advance_proven(epoch, signal, Some(attempt.evidence_indices()))
//! ```
//!
//! Checks, as the aggregator checks a current-era signature (`mithril-common`'s
//! `SingleSignatureAuthenticator` and the multi-signer's `verify_single_signature`): the era is
//! the one announced, the message is the next era's message of the epoch, the party is a signer
//! of the epoch, the declared lottery indices are the ones the signature won, and the STM
//! signature verifies for the party's key and stake. Keys and signatures are read in either of
//! the encodings nodes exchange: canonical bytes (protobuf) or JSON text (today's JSON API,
//! whose hex carries the JSON of the key or signature).

use std::collections::BTreeMap;

use mithril_stm::{
    AggregateSignatureType, AggregateVerificationKey, AncillaryGenesisData, AncillaryProofInput,
    Clerk, ClosedKeyRegistration, KeyRegistration, MithrilMembershipDigest, Parameters,
    VerificationKeyForConcatenation, VerificationKeyProofOfPossessionForConcatenation,
};

use super::rule::ShadowCertificate;
use crate::domain::{
    EraName, PartyId, ProtocolParameters, SignedMessage, SignerSet, SingleSignature,
};
use crate::mithril::certificate::stm_parameters;

type D = MithrilMembershipDigest;

/// Why a shadow signature is refused, or a round cannot be set up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShadowError {
    /// The signature carries no shadow signature.
    #[error("the signature carries no shadow signature")]
    Missing,
    /// The shadow signature is for another era than the one announced.
    #[error("a shadow signature of era {found}, where {expected} is announced")]
    WrongEra {
        /// The era announced.
        expected: EraName,
        /// The era signed.
        found: EraName,
    },
    /// The shadow signature signs another message than the next era's message of the epoch.
    #[error("the shadow signature signs another message than the next era's ({expected})")]
    WrongMessage {
        /// The next era's message of the epoch.
        expected: SignedMessage,
        /// The message signed.
        found: SignedMessage,
    },
    /// The party is not a signer of the epoch.
    #[error("{0} is not a signer of this epoch")]
    NotRegistered(PartyId),
    /// The party already sent a valid shadow signature this epoch.
    #[error("{0} already sent a valid shadow signature this epoch")]
    Duplicate(PartyId),
    /// The shadow signature's bytes are not an STM single signature.
    #[error("the shadow signature is not an STM single signature: {0}")]
    Malformed(String),
    /// The declared lottery indices are not the ones the signature won.
    #[error("the declared lottery indices are not the ones the signature won")]
    IndexesMismatch,
    /// The STM signature does not verify for the party's key and stake.
    #[error("the shadow signature does not verify: {0}")]
    Invalid(String),
    /// A signer's key cannot be read, or the key registration cannot be closed.
    #[error("the key registration: {0}")]
    Registration(String),
}

/// One epoch's shadow signing: the signatures verified so far, and the aggregate they make.
pub struct ShadowRound {
    era: EraName,
    message: SignedMessage,
    parameters: Parameters,
    clerk: Clerk<D>,
    avk: AggregateVerificationKey<D>,
    signers: BTreeMap<PartyId, (u64, VerificationKeyForConcatenation)>,
    verified: BTreeMap<PartyId, mithril_stm::SingleSignature>,
}

impl std::fmt::Debug for ShadowRound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadowRound")
            .field("era", &self.era)
            .field("message", &self.message)
            .field("signers", &self.signers.len())
            .field("verified", &self.verified.len())
            .finish_non_exhaustive()
    }
}

/// Reads a verification key from canonical bytes or from its JSON text.
fn read_key(bytes: &[u8]) -> Result<VerificationKeyProofOfPossessionForConcatenation, String> {
    if bytes.first() == Some(&b'{') {
        serde_json::from_slice(bytes).map_err(|error| error.to_string())
    } else {
        VerificationKeyProofOfPossessionForConcatenation::from_canonical_bytes(bytes)
            .map_err(|error| error.to_string())
    }
}

/// Reads an STM single signature from its bytes or from its JSON text.
fn read_signature(bytes: &[u8]) -> Result<mithril_stm::SingleSignature, String> {
    if bytes.first() == Some(&b'{') {
        serde_json::from_slice(bytes).map_err(|error| error.to_string())
    } else {
        mithril_stm::SingleSignature::from_bytes::<D>(bytes).map_err(|error| error.to_string())
    }
}

impl ShadowRound {
    /// A round for `era`'s `message` at the epoch whose signers are `signers` (with their
    /// stakes: a signer without one counts for nothing). Builds and closes the key registration,
    /// which checks every key's proof of possession: an aggregator that already holds the
    /// epoch's registration passes it to [`Self::with_registration`] instead.
    pub fn new(
        era: EraName,
        message: SignedMessage,
        signers: &SignerSet,
        parameters: &ProtocolParameters,
    ) -> Result<Self, ShadowError> {
        let stm_parameters = stm_parameters(parameters);
        let mut registration = KeyRegistration::initialize();
        for signer in signers.as_slice() {
            let key = read_key(signer.verification_key.as_bytes()).map_err(|error| {
                ShadowError::Registration(format!("{}: {error}", signer.party_id))
            })?;
            registration
                .register(signer.stake.map_or(0, |stake| stake.0), &key)
                .map_err(|error| {
                    ShadowError::Registration(format!("{}: {error}", signer.party_id))
                })?;
        }
        let closed = registration
            .close_registration(&stm_parameters)
            .map_err(|error| ShadowError::Registration(error.to_string()))?;
        Self::with_registration(era, message, signers, &closed, parameters)
    }

    /// A round on the epoch's closed key registration, which must be the registration of
    /// `signers` (the current era's certificate uses the same one).
    pub fn with_registration(
        era: EraName,
        message: SignedMessage,
        signers: &SignerSet,
        registration: &ClosedKeyRegistration,
        parameters: &ProtocolParameters,
    ) -> Result<Self, ShadowError> {
        let stm_parameters = stm_parameters(parameters);
        let clerk =
            Clerk::<D>::new_clerk_from_closed_key_registration(&stm_parameters, registration);
        let avk = clerk.compute_aggregate_verification_key();
        let signers = signers
            .as_slice()
            .iter()
            .map(|signer| {
                let key = read_key(signer.verification_key.as_bytes()).map_err(|error| {
                    ShadowError::Registration(format!("{}: {error}", signer.party_id))
                })?;
                Ok((
                    signer.party_id.clone(),
                    (signer.stake.map_or(0, |stake| stake.0), key.vk),
                ))
            })
            .collect::<Result<_, ShadowError>>()?;
        Ok(Self {
            era,
            message,
            parameters: stm_parameters,
            clerk,
            avk,
            signers,
            verified: BTreeMap::new(),
        })
    }

    /// The era announced.
    pub fn era(&self) -> &EraName {
        &self.era
    }

    /// The next era's message the shadow signatures must sign.
    pub fn message(&self) -> &SignedMessage {
        &self.message
    }

    /// Verifies the shadow signature `signature` carries and keeps it for the aggregate.
    /// Nothing is kept when it is refused; the current-era signature it came with is not
    /// affected either way.
    pub fn verify(&mut self, signature: &SingleSignature) -> Result<(), ShadowError> {
        let shadow = signature
            .shadow_signature
            .as_ref()
            .ok_or(ShadowError::Missing)?;
        if shadow.era != self.era {
            return Err(ShadowError::WrongEra {
                expected: self.era.clone(),
                found: shadow.era.clone(),
            });
        }
        self.verify_parts(
            &signature.party_id,
            &shadow.signed_message,
            shadow.signature.as_bytes(),
            shadow.won_indexes.as_slice(),
            shadow.signed_payload(),
        )
    }

    /// Verifies a signature of the round's message itself (not a shadow signature) and keeps
    /// it for the aggregate: a round built with the era in force and the epoch's message
    /// aggregates the current certificate the same way (what a follower aggregator or a test
    /// network does to certify an epoch).
    pub fn verify_current(&mut self, signature: &SingleSignature) -> Result<(), ShadowError> {
        self.verify_parts(
            &signature.party_id,
            &signature.signed_message,
            signature.signature.as_bytes(),
            signature.won_indexes.as_slice(),
            signature.signed_payload(),
        )
    }

    fn verify_parts(
        &mut self,
        party: &PartyId,
        signed_message: &SignedMessage,
        signature: &[u8],
        won_indexes: &[u64],
        payload: &[u8],
    ) -> Result<(), ShadowError> {
        if *signed_message != self.message {
            return Err(ShadowError::WrongMessage {
                expected: self.message.clone(),
                found: signed_message.clone(),
            });
        }
        let (stake, key) = self
            .signers
            .get(party)
            .ok_or_else(|| ShadowError::NotRegistered(party.clone()))?;
        if self.verified.contains_key(party) {
            return Err(ShadowError::Duplicate(party.clone()));
        }
        let stm_signature = read_signature(signature).map_err(ShadowError::Malformed)?;
        let mut won = stm_signature.get_concatenation_signature_indices();
        won.sort_unstable();
        won.dedup();
        if won.as_slice() != won_indexes {
            return Err(ShadowError::IndexesMismatch);
        }
        stm_signature
            .verify(&self.parameters, key, stake, &self.avk, payload)
            .map_err(|error| ShadowError::Invalid(error.to_string()))?;
        self.verified.insert(party.clone(), stm_signature);
        Ok(())
    }

    /// The parties whose shadow signatures verified, in order.
    pub fn verified_parties(&self) -> impl Iterator<Item = &PartyId> {
        self.verified.keys()
    }

    /// Tries to aggregate the verified shadow signatures into a certificate of the next era's
    /// message, and verifies it; the certificate itself is dropped (never published).
    pub fn aggregate(&self) -> ShadowAttempt {
        let mut indices: Vec<u64> = self
            .verified
            .values()
            .flat_map(mithril_stm::SingleSignature::get_concatenation_signature_indices)
            .collect();
        indices.sort_unstable();
        indices.dedup();
        let won_indices = indices.len() as u64;
        let quorum = self.parameters.k;
        let mut attempt = ShadowAttempt {
            era: self.era.clone(),
            signatures: self.verified.len(),
            won_indices,
            quorum,
            produced: false,
            failure: None,
        };
        if won_indices < quorum {
            attempt.failure = Some(format!(
                "{won_indices} distinct lottery indices won, {quorum} needed"
            ));
            return attempt;
        }
        let signatures: Vec<mithril_stm::SingleSignature> =
            self.verified.values().cloned().collect();
        let message = self.message.as_str().as_bytes();
        let outcome = self
            .clerk
            .aggregate_signatures_with_type(
                &signatures,
                message,
                AggregateSignatureType::Concatenation,
                AncillaryProofInput::new(None, AncillaryGenesisData::new()),
            )
            .and_then(|(aggregate, output)| {
                aggregate.verify(
                    message,
                    &self.avk,
                    &self.parameters,
                    output.verifier_data().cloned(),
                    None,
                )
            });
        match outcome {
            Ok(()) => attempt.produced = true,
            Err(error) => attempt.failure = Some(error.to_string()),
        }
        attempt
    }
}

/// One epoch's attempt at a shadow certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShadowAttempt {
    /// The era whose message was signed.
    pub era: EraName,
    /// Shadow signatures verified.
    pub signatures: usize,
    /// Distinct lottery indices they won.
    pub won_indices: u64,
    /// Indices a certificate needs (`k`).
    pub quorum: u64,
    /// Whether the aggregate was produced and verified.
    pub produced: bool,
    /// Why not, when it was not.
    pub failure: Option<String>,
}

impl ShadowAttempt {
    /// The won indices to give the rule ([`AdoptionMonitor::advance_proven`]): all of them when
    /// the aggregate verified, and never the quorum when it did not (so that an aggregate that
    /// failed for another reason than the count is not taken for a certificate).
    ///
    /// [`AdoptionMonitor::advance_proven`]: super::AdoptionMonitor::advance_proven
    pub fn evidence_indices(&self) -> u64 {
        if self.produced {
            self.won_indices
        } else {
            self.won_indices.min(self.quorum.saturating_sub(1))
        }
    }

    /// The attempt as the rule sees it, with the share of the registered stake whose shadow
    /// signatures verified.
    pub fn certificate(&self, stake_share: f64) -> ShadowCertificate {
        ShadowCertificate {
            won_indices: self.evidence_indices(),
            quorum: self.quorum,
            stake_share,
        }
    }
}
