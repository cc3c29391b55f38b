//! The certification of a registration, and the provenance of its node info.

use super::{KesSignature, OperationalCertificate, PoolId, PoolKeyError};
use crate::adoption::{Provenance, RegistrationWire, UnverifiedReason};
use crate::domain::{Epoch, NetworkMagic, SignerRegistration};

/// The bytes a pool's KES key signs to certify a Mithril verification key: the key's canonical
/// bytes (verification key ‖ proof of possession, 192 bytes for a BLS key).
///
/// A key held as the JSON text today's JSON API carries (`{"vk":[…],"pop":[…]}`, as
/// `mithril-common` 0.8 writes it) is read back to its canonical bytes; any other bytes, and
/// any 192 bytes whatever their first byte, are taken as canonical already.
pub fn verification_key_message(key: &[u8]) -> Result<Vec<u8>, PoolKeyError> {
    #[derive(serde::Deserialize)]
    struct JsonKey {
        vk: Vec<u8>,
        pop: Vec<u8>,
    }
    if key.len() == CANONICAL_KEY_LEN || key.first() != Some(&b'{') {
        return Ok(key.to_vec());
    }
    let json: JsonKey = serde_json::from_slice(key)
        .map_err(|error| PoolKeyError::MalformedVerificationKey(error.to_string()))?;
    if json.vk.len() != 96 || json.pop.len() != 96 {
        return Err(PoolKeyError::MalformedVerificationKey(format!(
            "a key of {} and a proof of {} bytes, not 96 and 96",
            json.vk.len(),
            json.pop.len()
        )));
    }
    Ok([json.vk, json.pop].concat())
}

/// Size of a BLS verification key and its proof of possession, in canonical bytes.
const CANONICAL_KEY_LEN: usize = 192;

fn reason(error: PoolKeyError) -> UnverifiedReason {
    match error {
        PoolKeyError::MalformedCertificate(why) => {
            UnverifiedReason::MalformedOperationalCertificate(why)
        }
        PoolKeyError::CertificateSignature => UnverifiedReason::OperationalCertificateSignature,
        PoolKeyError::MalformedSignature(why) => UnverifiedReason::MalformedKesSignature(why),
        PoolKeyError::MalformedVerificationKey(why) => {
            UnverifiedReason::MalformedVerificationKey(why)
        }
        PoolKeyError::KesExpired { evolutions } => UnverifiedReason::KesExpired { evolutions },
        PoolKeyError::KesSignature { .. } | PoolKeyError::KesBackwards { .. } => {
            UnverifiedReason::VerificationKeySignature
        }
    }
}

/// Mithril's check of a registration (`KeyRegWrapper::register`): the operational certificate
/// is signed by its cold key, the party id is that key's pool, and the certified KES key signed
/// the verification key at the declared evolutions (or one either side). Returns the pool and
/// the certificate.
///
/// The SNARK key's signature is not checked (Mithril checks it only with its experimental
/// `snark` feature).
pub fn certify_registration(
    registration: &SignerRegistration,
) -> Result<(PoolId, OperationalCertificate), UnverifiedReason> {
    let (Some(certificate), Some(evolutions), Some(signature)) = (
        &registration.operational_certificate,
        registration.kes_evolutions,
        &registration.verification_key_signature,
    ) else {
        return Err(UnverifiedReason::MissingCertification);
    };
    let certificate = OperationalCertificate::from_bytes(certificate.as_bytes()).map_err(reason)?;
    certificate.verify().map_err(reason)?;
    let pool = certificate.pool_id();
    if registration.party_id.as_str() != pool.to_bech32() {
        return Err(UnverifiedReason::WrongPool {
            certified: pool.to_bech32(),
        });
    }
    let signature = KesSignature::from_bytes(signature.as_bytes()).map_err(reason)?;
    let message =
        verification_key_message(registration.verification_key.as_bytes()).map_err(reason)?;
    signature
        .verify(certificate.kes_verification_key(), &message, evolutions)
        .map_err(reason)?;
    Ok((pool, certificate))
}

/// The provenance of a registration's node info on `network`: verified when
/// [`certify_registration`] passes and the same KES key signed [`NodeInfo::signed_bytes`] for
/// this network, epoch and party (at the declared evolutions, or one either side); otherwise
/// why not. A registration without a node info signature is header-only or unsigned, as
/// [`Provenance::unchecked`] says.
///
/// A signature that does not verify is diagnosed: made at another KES period, for a nearby
/// epoch, or for another public network; otherwise the node info was altered or another key
/// signed it.
///
/// The registration itself is not refused here: whether the aggregator accepts it is its
/// policy's decision; this says how far its declaration can be trusted.
///
/// [`NodeInfo::signed_bytes`]: crate::domain::NodeInfo::signed_bytes
pub fn certify(
    registration: &SignerRegistration,
    wire: RegistrationWire,
    network: NetworkMagic,
) -> Provenance {
    let Some(signature) = &registration.node_info_signature else {
        return Provenance::unchecked(registration, wire);
    };
    match check_node_info(registration, signature.as_bytes(), network) {
        Ok(()) => Provenance::Verified,
        Err(reason) => Provenance::Unverified(reason),
    }
}

/// Epochs either side of the declared one a diagnosis tries.
const NEARBY_EPOCHS: u64 = 3;

fn check_node_info(
    registration: &SignerRegistration,
    signature: &[u8],
    network: NetworkMagic,
) -> Result<(), UnverifiedReason> {
    let (_, certificate) = certify_registration(registration)?;
    let evolutions = registration
        .kes_evolutions
        .ok_or(UnverifiedReason::MissingCertification)?;
    let signature = KesSignature::from_bytes(signature).map_err(reason)?;
    let key = certificate.kes_verification_key();
    let party = &registration.party_id;
    let statement = |network, epoch| registration.node_info.signed_bytes(network, epoch, party);
    let declared = statement(network, registration.epoch);
    if signature.verify(key, &declared, evolutions).is_ok() {
        return Ok(());
    }
    if let Some(signed_at) = signature.signed_at(key, &declared) {
        return Err(UnverifiedReason::WrongKesPeriod {
            declared: evolutions,
            signed_at,
        });
    }
    let epoch = registration.epoch.0;
    let nearby = epoch.saturating_sub(NEARBY_EPOCHS)..=epoch.saturating_add(NEARBY_EPOCHS);
    if let Some(other) = nearby.filter(|other| *other != epoch).find(|other| {
        signature
            .verify(key, &statement(network, Epoch(*other)), evolutions)
            .is_ok()
    }) {
        return Err(UnverifiedReason::SignedForOtherEpoch {
            epoch: Epoch(other),
        });
    }
    if let Some(other) = [
        NetworkMagic::MAINNET,
        NetworkMagic::PREPROD,
        NetworkMagic::PREVIEW,
    ]
    .into_iter()
    .filter(|other| *other != network)
    .find(|other| {
        signature
            .verify(key, &statement(*other, registration.epoch), evolutions)
            .is_ok()
    }) {
        return Err(UnverifiedReason::SignedForOtherNetwork { network: other });
    }
    Err(UnverifiedReason::NodeInfoSignature)
}
