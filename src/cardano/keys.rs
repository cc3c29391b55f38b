//! A pool's keys, to sign with.

use ed25519_dalek::SigningKey;
use kes_summed_ed25519::kes::Sum6Kes;
use kes_summed_ed25519::traits::KesSk as _;

use super::{KES_PERIODS, KesSignature, OperationalCertificate, PoolId, PoolKeyError};
use crate::domain::{KeyBytes, NetworkMagic, SignerRegistration};

/// A Sum6 KES signing key at some number of evolutions.
///
/// The key's bytes are erased when it is dropped, and when it evolves: a key that evolved past
/// a period can no longer sign at it (what forward security means).
pub struct KesSigningKey {
    bytes: Vec<u8>,
    verification_key: [u8; 32],
    evolutions: u64,
}

impl std::fmt::Debug for KesSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KesSigningKey")
            .field("verification_key", &hex::encode(self.verification_key))
            .field("evolutions", &self.evolutions)
            .finish_non_exhaustive()
    }
}

impl Drop for KesSigningKey {
    fn drop(&mut self) {
        self.bytes.fill(0);
    }
}

impl KesSigningKey {
    /// A key at 0 evolutions, derived from `seed` (what `Sum6Kes::keygen` does; the seed is
    /// erased).
    pub fn from_seed(mut seed: [u8; 32]) -> Self {
        let mut buffer = vec![0; Sum6Kes::SIZE + 4];
        let (key, verification_key) = Sum6Kes::keygen(&mut buffer, &mut seed);
        Self {
            bytes: key.clone_sk(),
            verification_key: verification_key.as_bytes().try_into().unwrap_or([0; 32]),
            evolutions: 0,
        }
    }

    /// The verification key.
    pub fn verification_key(&self) -> &[u8; 32] {
        &self.verification_key
    }

    /// The evolutions the key is at.
    pub fn evolutions(&self) -> u64 {
        self.evolutions
    }

    /// Evolves the key to `evolutions`; the periods before are gone.
    pub fn evolve_to(&mut self, evolutions: u64) -> Result<(), PoolKeyError> {
        if evolutions >= KES_PERIODS {
            return Err(PoolKeyError::KesExpired { evolutions });
        }
        if evolutions < self.evolutions {
            return Err(PoolKeyError::KesBackwards {
                current: self.evolutions,
                requested: evolutions,
            });
        }
        let mut buffer = self.bytes.clone();
        let mut key = Sum6Kes::from_bytes(&mut buffer)
            .map_err(|error| PoolKeyError::MalformedSignature(format!("{error:?}")))?;
        for reached in self.evolutions..evolutions {
            key.update().map_err(|_| PoolKeyError::KesExpired {
                evolutions: reached + 1,
            })?;
        }
        let mut evolved = key.clone_sk();
        drop(key);
        std::mem::swap(&mut self.bytes, &mut evolved);
        evolved.fill(0);
        self.evolutions = evolutions;
        Ok(())
    }

    /// Signs `message` at the key's current evolutions.
    pub fn sign(&self, message: &[u8]) -> KesSignature {
        let mut buffer = self.bytes.clone();
        // The bytes are a key `Sum6Kes` made: reading them back cannot fail.
        let signature = Sum6Kes::from_bytes(&mut buffer)
            .map(|key| key.sign(message))
            .expect("the bytes of a KES key read back");
        KesSignature::from_inner(signature)
    }
}

/// A stake pool's keys: the cold key, an operational certificate it issued, and the KES key the
/// certificate names. What a signer certifies its registration with.
#[derive(Debug)]
pub struct PoolKeys {
    cold_key: SigningKey,
    certificate: OperationalCertificate,
    kes_key: KesSigningKey,
}

impl PoolKeys {
    /// A pool whose cold key is `cold_key`, with a KES key from `kes_seed` and a certificate
    /// (counter `issue_number`) starting at `start_kes_period`.
    pub fn new(
        cold_key: SigningKey,
        kes_seed: [u8; 32],
        issue_number: u64,
        start_kes_period: u64,
    ) -> Self {
        let kes_key = KesSigningKey::from_seed(kes_seed);
        let certificate = OperationalCertificate::issue(
            *kes_key.verification_key(),
            issue_number,
            start_kes_period,
            &cold_key,
        );
        Self {
            cold_key,
            certificate,
            kes_key,
        }
    }

    /// A pool with fresh random keys, certified from `start_kes_period`.
    pub fn generate(start_kes_period: u64) -> Self {
        let mut cold = [0; 32];
        let mut kes = [0; 32];
        // The operating system's generator: a failure is a broken system, not a state to carry.
        getrandom::fill(&mut cold).expect("the system's random generator works");
        getrandom::fill(&mut kes).expect("the system's random generator works");
        let keys = Self::new(SigningKey::from_bytes(&cold), kes, 0, start_kes_period);
        cold.fill(0);
        keys
    }

    /// The pool id: the registration's party id.
    pub fn pool_id(&self) -> PoolId {
        self.certificate.pool_id()
    }

    /// The operational certificate.
    pub fn certificate(&self) -> &OperationalCertificate {
        &self.certificate
    }

    /// The cold key.
    pub fn cold_key(&self) -> &SigningKey {
        &self.cold_key
    }

    /// The KES key.
    pub fn kes_key(&self) -> &KesSigningKey {
        &self.kes_key
    }

    /// Evolves the KES key to the chain's `current_kes_period`.
    pub fn evolve_to_period(&mut self, current_kes_period: u64) -> Result<(), PoolKeyError> {
        let evolutions = current_kes_period
            .checked_sub(self.certificate.start_kes_period())
            .ok_or(PoolKeyError::KesBackwards {
                current: self.certificate.start_kes_period(),
                requested: current_kes_period,
            })?;
        self.kes_key.evolve_to(evolutions)
    }

    /// Renews the pool's operational certificate, as an operator does before its KES key
    /// expires: a new KES key from `kes_seed`, certified from `start_kes_period` with the next
    /// counter.
    pub fn renew(&mut self, kes_seed: [u8; 32], start_kes_period: u64) {
        self.kes_key = KesSigningKey::from_seed(kes_seed);
        self.certificate = OperationalCertificate::issue(
            *self.kes_key.verification_key(),
            self.certificate.issue_number().saturating_add(1),
            start_kes_period,
            &self.cold_key,
        );
    }

    /// Certifies a registration and signs its node info: [`Self::certify_keys`], then the KES
    /// signature of the node info statement on `network`
    /// ([`NodeInfo::signed_bytes`](crate::domain::NodeInfo::signed_bytes)). Call it once the
    /// registration's epoch and node info are final.
    pub fn certify(
        &self,
        registration: &mut SignerRegistration,
        network: NetworkMagic,
    ) -> Result<(), PoolKeyError> {
        self.certify_keys(registration)?;
        let statement = registration.node_info.signed_bytes(
            network,
            registration.epoch,
            &registration.party_id,
        );
        registration.node_info_signature = Some(
            KeyBytes::new(self.kes_key.sign(&statement).to_bytes().to_vec())
                .map_err(|error| PoolKeyError::MalformedSignature(error.to_string()))?,
        );
        Ok(())
    }

    /// Certifies a registration's keys as Mithril's signer does, and nothing more: sets the
    /// party id, the operational certificate (CBOR), the KES evolutions, and the KES signatures
    /// of the verification key (over its canonical bytes) and of the SNARK key when there is one.
    pub fn certify_keys(&self, registration: &mut SignerRegistration) -> Result<(), PoolKeyError> {
        let key_bytes = |bytes: Vec<u8>| {
            KeyBytes::new(bytes)
                .map_err(|error| PoolKeyError::MalformedSignature(error.to_string()))
        };
        registration.party_id = crate::domain::PartyId::new(self.pool_id().to_bech32())
            .map_err(|error| PoolKeyError::MalformedCertificate(error.to_string()))?;
        registration.operational_certificate = Some(key_bytes(self.certificate.to_cbor())?);
        registration.kes_evolutions = Some(self.kes_key.evolutions());
        let message = super::verification_key_message(registration.verification_key.as_bytes())?;
        registration.verification_key_signature =
            Some(key_bytes(self.kes_key.sign(&message).to_bytes().to_vec())?);
        if let Some(snark) = &registration.verification_key_for_snark {
            registration.verification_key_signature_for_snark = Some(key_bytes(
                self.kes_key.sign(snark.as_bytes()).to_bytes().to_vec(),
            )?);
        }
        Ok(())
    }
}
