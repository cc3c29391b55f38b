//! A signer's registration.

use crate::domain::{Epoch, KeyBytes, NodeInfo, PartyId};

/// A signer's registration of its keys for an epoch.
///
/// The keys registered at epoch `e` sign from epoch `e + 2`. The node's declaration of what its
/// software supports travels inside the registration, where the pool's key signature covers the
/// message rather than an unsigned header.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SignerRegistration {
    /// The epoch the registration is for: today's signers send the epoch after the one they
    /// send it in (`epoch_of_current_data().offset_to_recording_epoch()`, `mithril-signer`
    /// `src/runtime/runner.rs`), and today's aggregators take only that one, the epoch of the
    /// registration round they open as each epoch starts (any other is
    /// `RegistrationRoundUnexpectedEpoch`: `mithril-aggregator`
    /// `src/services/signer_registration/leader.rs`). Its keys sign from the epoch after it,
    /// [`REGISTRATION_PIPELINE_EPOCHS`](crate::era::REGISTRATION_PIPELINE_EPOCHS) after the
    /// epoch it is sent in.
    pub epoch: Epoch,
    /// The registering party.
    pub party_id: PartyId,
    /// The signer's Mithril verification key.
    pub verification_key: KeyBytes,
    /// KES signature of the verification key by the pool; absent on networks without pool keys.
    pub verification_key_signature: Option<KeyBytes>,
    /// Operational certificate of the pool; absent on networks without pool keys.
    pub operational_certificate: Option<KeyBytes>,
    /// KES evolutions of the key that signed the verification key, counted from the start KES
    /// period of the operational certificate (today's JSON API calls it `kes_period`).
    pub kes_evolutions: Option<u64>,
    /// What the signer's software supports.
    pub node_info: NodeInfo,
    /// KES signature by the pool of [`NodeInfo::signed_bytes`] for this registration's epoch and
    /// party, made with the key certified by `operational_certificate` at `kes_evolutions`:
    /// what makes the declaration the pool's own. Absent from signers that do not sign it (every
    /// signer of today's Mithril).
    pub node_info_signature: Option<KeyBytes>,
    /// The signer's verification key for the SNARK proof system, where it takes part in them.
    pub verification_key_for_snark: Option<KeyBytes>,
    /// KES signature of the SNARK verification key by the pool.
    pub verification_key_signature_for_snark: Option<KeyBytes>,
    /// The signer's proof of bound possession of its SNARK key (a Schnorr signature; upstream's
    /// `proof_of_bound_possession_for_snark`, `mithril-common` 0.8).
    pub proof_of_bound_possession_for_snark: Option<KeyBytes>,
}

/// A proof system of Mithril's STM signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProofSystem {
    /// Aggregation by concatenation of BLS signatures (in use today).
    Concatenation,
    /// SNARK proofs (a key and a signature per signer beside the concatenation ones).
    Snark,
}

impl SignerRegistration {
    /// The same registration with key fields that own their bytes (see
    /// [`BoundedBytes::detached`](crate::domain::BoundedBytes::detached)): what a store keeps.
    pub fn detached(&self) -> Self {
        let detach = |key: &Option<KeyBytes>| key.as_ref().map(KeyBytes::detached);
        Self {
            verification_key: self.verification_key.detached(),
            verification_key_signature: detach(&self.verification_key_signature),
            operational_certificate: detach(&self.operational_certificate),
            verification_key_for_snark: detach(&self.verification_key_for_snark),
            verification_key_signature_for_snark: detach(
                &self.verification_key_signature_for_snark,
            ),
            proof_of_bound_possession_for_snark: detach(&self.proof_of_bound_possession_for_snark),
            node_info_signature: detach(&self.node_info_signature),
            ..self.clone()
        }
    }

    /// The keys the pool's KES key certifies, per proof system, as the registration holds them:
    /// never a protobuf encoding, and the same whichever protobuf wire version carried them.
    ///
    /// A key that came from today's JSON API is held as the text it carries there (the JSON of
    /// the key, `{"vk":[…],"pop":[…]}`), which is not what the KES key signed: today's nodes
    /// sign the key's canonical bytes (the key and its proof of possession,
    /// `mithril-common/src/crypto_helper/cardano/key_certification.rs`).
    /// `cardano::verification_key_message` (feature `kes`) gives the bytes signed for either
    /// form.
    pub fn kes_signed_payloads(&self) -> Vec<(ProofSystem, &[u8])> {
        let mut payloads = vec![(ProofSystem::Concatenation, self.verification_key.as_bytes())];
        if let Some(key) = &self.verification_key_for_snark {
            payloads.push((ProofSystem::Snark, key.as_bytes()));
        }
        payloads
    }
}
