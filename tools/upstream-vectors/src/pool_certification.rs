//! `pool_certification.json`: operational certificates and KES signatures of three deterministic
//! stake pools, and a signer registration certified by one of them.
//!
//! Everything is computed by mithril-common's Cardano helpers: cold keys from
//! `ColdKeyGenerator`, certificates from `OpCert::new`, the cardano-cli text envelopes from
//! `SerDeShelleyFileFormat` (`to_file`), KES signatures from `KesSignerStandard` (which reads the
//! KES secret key file and the certificate file and evolves the key), verdicts from
//! `OpCert::validate`, `KesVerifierStandard::verify` and `KeyRegWrapper::register`. KES keys come
//! from `kes-summed-ed25519`'s `Sum6Kes::keygen`, the call mithril-common's own test material uses.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{ensure, Context};
use kes_summed_ed25519::{
    kes::{Sum6Kes, Sum6KesSig},
    traits::KesSk,
};
use mithril_common::{
    crypto_helper::{
        ColdKeyGenerator, KesEvolutions, KesPeriod, KesSigner, KesSignerStandard, KesVerifier,
        KesVerifierStandard, OpCert, OpCertWithoutColdVerificationKey, ProtocolInitializer,
        ProtocolKey, ProtocolKeyCodec, ProtocolKeyRegistration, ProtocolOpCert,
        ProtocolSignerVerificationKeyForConcatenation,
        ProtocolSignerVerificationKeySignatureForConcatenation, ProtocolStakeDistribution,
        SerDeShelleyFileFormat, SignerRegistrationParameters, Sum6KesBytes, TryFromBytes,
        TryToBytes,
    },
    entities::{Epoch, Signer},
    messages::{RegisterSignerMessage, SignerMessagePart},
    test::crypto_helper::SerDeShelleyFileFormatTestExtension,
};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{json, Value};

use crate::data::{self, CURRENT_EPOCH};

/// Fixed inputs of one pool.
struct PoolSpec {
    cold_signing_key_seed: [u8; 32],
    kes_seed: [u8; 32],
    issue_number: u64,
    start_kes_period: u64,
}

/// Pool 0 has the inputs of the golden certificate of upstream's `opcert.rs` tests.
const POOL_SPECS: [PoolSpec; 3] = [
    PoolSpec {
        cold_signing_key_seed: [0x00; 32],
        kes_seed: [0x00; 32],
        issue_number: 0,
        start_kes_period: 0,
    },
    PoolSpec {
        cold_signing_key_seed: [0x11; 32],
        kes_seed: [0x12; 32],
        issue_number: 2,
        start_kes_period: 10,
    },
    PoolSpec {
        cold_signing_key_seed: [0x21; 32],
        kes_seed: [0x22; 32],
        issue_number: 7,
        start_kes_period: 1000,
    },
];

/// Golden values of upstream's `crypto_helper/cardano/opcert.rs` tests, for pool 0's inputs.
const UPSTREAM_GOLDEN_PARTY_ID: &str = "pool1mxyec46067n3querj9cxkk0g0zlag93pf3ya9vuyr3wgkq2e6t7";
const UPSTREAM_GOLDEN_OPCERT_WITHOUT_COLD_VK_CBOR: &str = "845820e650d7531509bb6cffd7998c28c68e4ec8fa621a0952206ea11eb03fcd7dcb2900005840d4abce27da05ff03c1342cc6ab53135072e1babf9cc05492f59f1ff009f70457aaa862c7158b13be0cfb41d7a91a562589bc110eb2cdaf5d2756048abbea5f05";

/// KES evolutions (current KES period minus the certificate's start) of the signatures.
const KES_EVOLUTIONS: [u64; 3] = [0, 5, 63];
/// How far around the declared evolutions `KesVerifierStandard::verify` is asked.
const VERIFY_OFFSETS: std::ops::RangeInclusive<i64> = -2..=2;
/// The arbitrary ASCII message signed by every pool.
const ASCII_MESSAGE: &[u8] = b"mithril-compat: KES signature test vector";

/// Seed of the `ChaCha20Rng` given to `ProtocolInitializer::setup`.
const STM_RNG_SEED: [u8; 32] = [0x42; 32];
/// Stake of pool 0, for its STM initializer and in the stake distribution.
const POOL_0_STAKE: u64 = 1_234_567_890_123;
/// Stakes of pools 1 and 2 in the stake distribution.
const OTHER_STAKES: [u64; 2] = [987_654_321_000, 55_000_000_000];
/// KES evolutions of pool 0's registration (its certificate starts at KES period 0).
const REGISTRATION_KES_EVOLUTIONS: u64 = 5;

/// A scratch folder for the key and certificate files, removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn create() -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "upstream-vectors-pool-certification-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A pool: its keys, its certificate, and the two files `KesSignerStandard` reads.
struct Pool {
    spec: &'static PoolSpec,
    cold_signing_key: [u8; 32],
    opcert: OpCert,
    kes_secret_key_file: PathBuf,
    opcert_file: PathBuf,
}

impl Pool {
    fn create(index: usize, spec: &'static PoolSpec, dir: &Path) -> anyhow::Result<Self> {
        let cold_key = ColdKeyGenerator::create_deterministic_keypair(spec.cold_signing_key_seed);
        let cold_signing_key = cold_key.to_bytes();
        let (kes_secret_key, kes_verification_key) = kes_keypair(spec.kes_seed);
        let opcert = OpCert::new(
            kes_verification_key,
            spec.issue_number,
            KesPeriod(spec.start_kes_period),
            cold_key,
        );
        let kes_secret_key_file = dir.join(format!("kes{index}.skey"));
        kes_secret_key.to_file(&kes_secret_key_file)?;
        let opcert_file = dir.join(format!("pool{index}.cert"));
        opcert.to_file(&opcert_file)?;
        Ok(Self {
            spec,
            cold_signing_key,
            opcert,
            kes_secret_key_file,
            opcert_file,
        })
    }

    fn kes_signer(&self) -> KesSignerStandard {
        KesSignerStandard::new(self.kes_secret_key_file.clone(), self.opcert_file.clone())
    }

    fn current_kes_period(&self, evolutions: u64) -> KesPeriod {
        KesPeriod(self.spec.start_kes_period + evolutions)
    }

    /// Signs with upstream's signer, which reads both files back.
    fn sign(&self, message: &[u8], evolutions: u64) -> anyhow::Result<Sum6KesSig> {
        let (signature, opcert) = self
            .kes_signer()
            .sign(message, self.current_kes_period(evolutions))?;
        ensure!(
            opcert == self.opcert,
            "the certificate file does not read back"
        );
        Ok(signature)
    }

    fn party_id(&self) -> anyhow::Result<String> {
        Ok(self.opcert.compute_protocol_party_id()?)
    }
}

/// `Sum6Kes::keygen` over a zeroed `Sum6Kes::SIZE + 4` buffer and a copy of the seed (which
/// keygen zeroes), as mithril-common's `create_kes_cryptographic_material` does; the secret key
/// is kept in upstream's file form (`Sum6KesBytes`, 612 bytes: key, then the period as u32 BE).
fn kes_keypair(seed: [u8; 32]) -> (Sum6KesBytes, kes_summed_ed25519::PublicKey) {
    let mut buffer = [0u8; Sum6Kes::SIZE + 4];
    let mut seed = seed;
    let (secret_key, verification_key) = Sum6Kes::keygen(&mut buffer, &mut seed);
    let mut bytes = Sum6KesBytes([0u8; Sum6Kes::SIZE + 4]);
    bytes.0.copy_from_slice(&secret_key.clone_sk());
    (bytes, verification_key)
}

/// The cardano-cli text envelope upstream writes.
#[derive(Deserialize)]
struct TextEnvelope {
    #[serde(rename = "type")]
    file_type: String,
    #[serde(rename = "cborHex")]
    cbor_hex: String,
}

fn read_envelope(path: &Path) -> anyhow::Result<(String, TextEnvelope)> {
    let text = std::fs::read_to_string(path)?;
    let envelope = serde_json::from_str(&text)?;
    Ok((text, envelope))
}

/// The 48 bytes the cold key signs (KES key, issue number, start KES period as u64 BE), checked
/// against the certificate's own signature.
fn opcert_signed_message(opcert: &OpCert) -> anyhow::Result<Vec<u8>> {
    let mut message = opcert.get_kes_verification_key().as_bytes().to_vec();
    message.extend_from_slice(&opcert.get_issue_number().to_be_bytes());
    message.extend_from_slice(&opcert.get_start_kes_period().0.to_be_bytes());
    opcert
        .get_cold_verification_key()
        .verify_strict(&message, &opcert.get_certificate_signature())
        .context("the cold key does not sign the restated 48 bytes")?;
    Ok(message)
}

fn opcert_json_hex(opcert: &OpCert) -> anyhow::Result<String> {
    let encoded = ProtocolOpCert::new(opcert.clone()).to_json_hex()?;
    ensure!(
        *ProtocolOpCert::from_json_hex(&encoded)? == *opcert,
        "the certificate's JSON-hex does not decode back"
    );
    Ok(encoded)
}

fn pool_json(index: usize, pool: &Pool) -> anyhow::Result<Value> {
    let opcert = &pool.opcert;
    let (opcert_file, envelope) = read_envelope(&pool.opcert_file)?;
    ensure!(envelope.file_type == "NodeOperationalCertificate");
    ensure!(envelope.cbor_hex == opcert.to_cbor_hex()?);
    ensure!(OpCert::from_cbor_hex(&envelope.cbor_hex)? == *opcert);
    let (_, kes_envelope) = read_envelope(&pool.kes_secret_key_file)?;
    ensure!(kes_envelope.file_type == "KesSigningKey_ed25519_kes_2^6");
    ensure!(
        opcert.validate().is_ok(),
        "upstream refuses its own certificate"
    );
    Ok(json!({
        "index": index,
        "cold_signing_key_seed": hex::encode(pool.spec.cold_signing_key_seed),
        "cold_signing_key": hex::encode(pool.cold_signing_key),
        "cold_verification_key": hex::encode(opcert.get_cold_verification_key().as_bytes()),
        "kes_seed": hex::encode(pool.spec.kes_seed),
        "kes_secret_key_cbor": kes_envelope.cbor_hex,
        "kes_verification_key": hex::encode(opcert.get_kes_verification_key().as_bytes()),
        "issue_number": opcert.get_issue_number(),
        "start_kes_period": opcert.get_start_kes_period().0,
        "opcert_signed_message": hex::encode(opcert_signed_message(opcert)?),
        "opcert_cold_signature": hex::encode(opcert.get_certificate_signature().to_bytes()),
        "opcert_cbor": envelope.cbor_hex,
        "opcert_file": opcert_file,
        "opcert_json_hex": opcert_json_hex(opcert)?,
        "party_id": pool.party_id()?,
        "party_id_hash": opcert.compute_protocol_party_id_as_hash(),
    }))
}

/// Pool 0 must be upstream's golden certificate.
fn check_upstream_golden(pool: &Pool) -> anyhow::Result<()> {
    let without_cold_vk = pool
        .opcert
        .get_opcert_without_cold_verification_key()
        .to_cbor_hex()?;
    ensure!(
        without_cold_vk == UPSTREAM_GOLDEN_OPCERT_WITHOUT_COLD_VK_CBOR,
        "pool 0's certificate differs from upstream's golden certificate"
    );
    ensure!(
        pool.party_id()? == UPSTREAM_GOLDEN_PARTY_ID,
        "pool 0's party id differs from upstream's golden party id"
    );
    Ok(())
}

/// The STM key whose canonical bytes are signed: built by upstream's initializer, KES-certified
/// by pool 0 at its registration KES period.
fn stm_initializer(pool: &Pool, epoch: Epoch) -> anyhow::Result<ProtocolInitializer> {
    #[cfg(not(feature = "snark"))]
    let _ = epoch;
    let kes_signer: Arc<dyn KesSigner> = Arc::new(pool.kes_signer());
    ProtocolInitializer::setup(
        data::mainnet_protocol_parameters().into(),
        Some(kes_signer),
        Some(pool.current_kes_period(REGISTRATION_KES_EVOLUTIONS)),
        POOL_0_STAKE,
        #[cfg(feature = "snark")]
        epoch,
        &mut ChaCha20Rng::from_seed(STM_RNG_SEED),
    )
}

fn stm_key_json(initializer: &ProtocolInitializer, epoch: Epoch) -> anyhow::Result<Value> {
    let key = initializer.verification_key_for_concatenation();
    let parameters = data::mainnet_protocol_parameters();
    Ok(json!({
        "rng_seed": hex::encode(STM_RNG_SEED),
        "protocol_parameters": {"k": parameters.k, "m": parameters.m, "phi_f": parameters.phi_f},
        "stake": POOL_0_STAKE,
        "epoch": epoch,
        "canonical_bytes": hex::encode(key.to_canonical_bytes()),
        "json_hex": ProtocolSignerVerificationKeyForConcatenation::new(key).to_json_hex()?,
    }))
}

fn upstream_verifies(
    message: &[u8],
    signature: &Sum6KesSig,
    opcert: &OpCert,
    evolutions: u64,
) -> Vec<Value> {
    VERIFY_OFFSETS
        .filter_map(|offset| evolutions.checked_add_signed(offset))
        .map(|given| {
            json!({
                "kes_evolutions": given,
                "accepted": kes_verify(message, signature, opcert, given).is_ok(),
            })
        })
        .collect()
}

fn signature_json_hex(signature: &Sum6KesSig) -> anyhow::Result<String> {
    let encoded =
        ProtocolSignerVerificationKeySignatureForConcatenation::new(*signature).to_json_hex()?;
    let decoded = ProtocolSignerVerificationKeySignatureForConcatenation::from_json_hex(&encoded)?;
    ensure!(
        decoded.to_bytes() == signature.to_bytes(),
        "the KES signature's JSON-hex does not decode back"
    );
    Ok(encoded)
}

/// A message every pool signs, named in the file.
struct SignedMessage<'a> {
    name: &'a str,
    bytes: &'a [u8],
}

fn kes_signature_json(
    index: usize,
    pool: &Pool,
    message: &SignedMessage,
    evolutions: u64,
) -> anyhow::Result<Value> {
    let signature = pool.sign(message.bytes, evolutions)?;
    ensure!(
        kes_verify(message.bytes, &signature, &pool.opcert, evolutions).is_ok(),
        "upstream refuses its own KES signature"
    );
    Ok(json!({
        "pool": index,
        "message_name": message.name,
        "message": hex::encode(message.bytes),
        "current_kes_period": pool.current_kes_period(evolutions).0,
        "kes_evolutions": evolutions,
        "signature_raw": hex::encode(signature.to_bytes()),
        "signature_json_hex": signature_json_hex(&signature)?,
        "upstream_verifies": upstream_verifies(message.bytes, &signature, &pool.opcert, evolutions),
    }))
}

fn kes_signatures_json(pools: &[Pool], messages: &[SignedMessage]) -> anyhow::Result<Vec<Value>> {
    let mut entries = Vec::new();
    for (index, pool) in pools.iter().enumerate() {
        for message in messages {
            for evolutions in KES_EVOLUTIONS {
                entries.push(kes_signature_json(index, pool, message, evolutions)?);
            }
        }
    }
    Ok(entries)
}

/// An upstream check and its verdict; the cases below all expect a refusal.
fn refusal(check: &str, result: anyhow::Result<()>) -> anyhow::Result<Value> {
    let Err(error) = result else {
        anyhow::bail!("upstream accepts a case meant to be refused ({check})");
    };
    Ok(json!({"check": check, "accepted": false, "upstream_error": format!("{error:#}")}))
}

fn validate(opcert: &OpCert) -> anyhow::Result<()> {
    Ok(opcert.validate()?)
}

fn kes_verify(
    message: &[u8],
    signature: &Sum6KesSig,
    opcert: &OpCert,
    evolutions: u64,
) -> anyhow::Result<()> {
    KesVerifierStandard.verify(message, signature, opcert, KesEvolutions(evolutions))
}

/// A certificate with the given fields and signature, over the same cold key.
fn forged_opcert(opcert: &OpCert, issue_number: u64, cert_sig: &[u8]) -> anyhow::Result<OpCert> {
    let without_cold_vk = OpCertWithoutColdVerificationKey::try_new(
        opcert.get_kes_verification_key().as_bytes(),
        issue_number,
        opcert.get_start_kes_period(),
        cert_sig,
    )?;
    Ok(OpCert::from((
        without_cold_vk,
        opcert.get_cold_verification_key(),
    )))
}

/// A tampered certificate: its verdict from `validate`, and from `KesVerifierStandard::verify`
/// with a genuine KES signature of the same pool (ASCII message, 0 evolutions).
fn tampered_opcert_case(
    name: &str,
    description: &str,
    pool: &Pool,
    opcert: &OpCert,
) -> anyhow::Result<Value> {
    let signature = pool.sign(ASCII_MESSAGE, 0)?;
    Ok(json!({
        "name": name,
        "description": description,
        "opcert_cbor": opcert.to_cbor_hex()?,
        "opcert_json_hex": ProtocolOpCert::new(opcert.clone()).to_json_hex()?,
        "message": hex::encode(ASCII_MESSAGE),
        "signature_raw": hex::encode(signature.to_bytes()),
        "kes_evolutions": 0,
        "verdicts": [
            refusal("OpCert::validate", validate(opcert))?,
            refusal(
                "KesVerifierStandard::verify",
                kes_verify(ASCII_MESSAGE, &signature, opcert, 0),
            )?,
        ],
    }))
}

fn flipped_signature_case(pool: &Pool) -> anyhow::Result<Value> {
    let mut cert_sig = pool.opcert.get_certificate_signature().to_bytes();
    cert_sig[0] ^= 0x01;
    let opcert = forged_opcert(&pool.opcert, pool.opcert.get_issue_number(), &cert_sig)?;
    tampered_opcert_case(
        "opcert_cold_signature_bit_flipped",
        "pool 0's certificate with the lowest bit of the cold signature's first byte flipped",
        pool,
        &opcert,
    )
}

fn other_issue_number_case(pool: &Pool) -> anyhow::Result<Value> {
    let signature = pool.opcert.get_certificate_signature().to_bytes();
    let opcert = forged_opcert(&pool.opcert, pool.opcert.get_issue_number() + 1, &signature)?;
    tampered_opcert_case(
        "opcert_issue_number_not_signed",
        "pool 1's certificate carrying issue number 3 with the cold signature made over issue \
         number 2",
        pool,
        &opcert,
    )
}

/// A genuine signature checked in a way that must fail.
struct KesMismatch<'a> {
    name: &'a str,
    description: &'a str,
    signer: &'a Pool,
    signed_message: &'a [u8],
    checked_message: &'a [u8],
    checked_opcert: &'a OpCert,
}

fn kes_mismatch_case(case: KesMismatch) -> anyhow::Result<Value> {
    let signature = case.signer.sign(case.signed_message, 0)?;
    Ok(json!({
        "name": case.name,
        "description": case.description,
        "signed_message": hex::encode(case.signed_message),
        "message": hex::encode(case.checked_message),
        "signature_raw": hex::encode(signature.to_bytes()),
        "signature_json_hex": signature_json_hex(&signature)?,
        "opcert_cbor": case.checked_opcert.to_cbor_hex()?,
        "opcert_json_hex": opcert_json_hex(case.checked_opcert)?,
        "kes_evolutions": 0,
        "verdicts": [refusal(
            "KesVerifierStandard::verify",
            kes_verify(case.checked_message, &signature, case.checked_opcert, 0),
        )?],
    }))
}

/// A signature made at 63 evolutions, checked at 66: the verifier's tries (65 to 64) are empty.
fn beyond_key_lifetime_case(pool: &Pool) -> anyhow::Result<Value> {
    let signature = pool.sign(ASCII_MESSAGE, 63)?;
    Ok(json!({
        "name": "kes_evolutions_beyond_key_lifetime",
        "description": "pool 0's signature of the ASCII message made at 63 evolutions, checked \
                        with kes_evolutions 66",
        "message": hex::encode(ASCII_MESSAGE),
        "signature_raw": hex::encode(signature.to_bytes()),
        "opcert_cbor": pool.opcert.to_cbor_hex()?,
        "kes_evolutions": 66,
        "verdicts": [refusal(
            "KesVerifierStandard::verify",
            kes_verify(ASCII_MESSAGE, &signature, &pool.opcert, 66),
        )?],
    }))
}

fn truncated_cbor_case(pool: &Pool) -> anyhow::Result<Value> {
    let mut cbor = pool.opcert.to_cbor_bytes()?;
    cbor.pop();
    let decoded = OpCert::from_cbor_bytes(&cbor).map(|_| ());
    Ok(json!({
        "name": "opcert_cbor_truncated",
        "description": "pool 0's certificate CBOR without its last byte",
        "opcert_cbor": hex::encode(&cbor),
        "verdicts": [refusal("OpCert::from_cbor_bytes", decoded.map_err(Into::into))?],
    }))
}

fn truncated_json_hex_case(pool: &Pool) -> anyhow::Result<Value> {
    let mut encoded = opcert_json_hex(&pool.opcert)?;
    encoded.truncate(encoded.len() - 2);
    let decoded = ProtocolOpCert::try_from(encoded.as_str()).map(|_| ());
    Ok(json!({
        "name": "opcert_json_hex_truncated",
        "description": "pool 0's certificate JSON-hex without its last byte (the closing `]`), \
                        decoded as the JSON API's `operational_certificate` member is",
        "opcert_json_hex": encoded,
        "verdicts": [refusal("ProtocolOpCert::try_from(&str)", decoded)?],
    }))
}

fn rejections_json(pools: &[Pool], stm_key: &[u8]) -> anyhow::Result<Vec<Value>> {
    Ok(vec![
        flipped_signature_case(&pools[0])?,
        other_issue_number_case(&pools[1])?,
        kes_mismatch_case(KesMismatch {
            name: "kes_signature_other_message",
            description: "pool 0's signature of the ASCII message checked against the STM key \
                          bytes",
            signer: &pools[0],
            signed_message: ASCII_MESSAGE,
            checked_message: stm_key,
            checked_opcert: &pools[0].opcert,
        })?,
        kes_mismatch_case(KesMismatch {
            name: "kes_signature_other_pool",
            description: "pool 1's signature of the ASCII message checked against pool 0's \
                          certificate",
            signer: &pools[1],
            signed_message: ASCII_MESSAGE,
            checked_message: ASCII_MESSAGE,
            checked_opcert: &pools[0].opcert,
        })?,
        beyond_key_lifetime_case(&pools[0])?,
        truncated_cbor_case(&pools[0])?,
        truncated_json_hex_case(&pools[0])?,
    ])
}

/// The signer's `Signer` for pool 0, as mithril-signer's runner builds it.
fn registering_signer(pool: &Pool, initializer: &ProtocolInitializer) -> anyhow::Result<Signer> {
    Ok(Signer {
        party_id: pool.party_id()?,
        verification_key_for_concatenation: initializer.verification_key_for_concatenation().into(),
        verification_key_signature_for_concatenation: initializer
            .verification_key_signature_for_concatenation(),
        operational_certificate: Some(ProtocolOpCert::new(pool.opcert.clone())),
        kes_evolutions: Some(KesEvolutions(REGISTRATION_KES_EVOLUTIONS)),
        #[cfg(feature = "snark")]
        verification_key_for_snark: initializer.verification_key_for_snark().map(Into::into),
        #[cfg(feature = "snark")]
        verification_key_signature_for_snark: initializer.verification_key_signature_for_snark(),
        #[cfg(feature = "snark")]
        proof_of_bound_possession_for_snark: initializer.proof_of_bound_possession_for_snark(),
    })
}

/// The message the signer posts, its fields encoded by mithril-common's `Signer` to
/// `SignerMessagePart` conversion (the encodings of the signer's `ToRegisterSignerMessageAdapter`).
fn register_signer_message(epoch: Epoch, signer: Signer) -> RegisterSignerMessage {
    let part = SignerMessagePart::from(signer);
    RegisterSignerMessage {
        epoch,
        party_id: part.party_id,
        verification_key_for_concatenation: part.verification_key_for_concatenation,
        verification_key_signature_for_concatenation: part
            .verification_key_signature_for_concatenation,
        operational_certificate: part.operational_certificate,
        kes_evolutions: part.kes_evolutions,
        #[cfg(feature = "snark")]
        verification_key_for_snark: part.verification_key_for_snark,
        #[cfg(feature = "snark")]
        verification_key_signature_for_snark: part.verification_key_signature_for_snark,
        #[cfg(feature = "snark")]
        proof_of_bound_possession_for_snark: part.proof_of_bound_possession_for_snark,
    }
}

/// The aggregator's side: the posted body decoded into a `Signer` by mithril-common's
/// `SignerMessagePart` conversion (the decodings of the aggregator's `FromRegisterSignerAdapter`).
fn received_signer(compact: &str) -> anyhow::Result<Signer> {
    let message: RegisterSignerMessage = serde_json::from_str(compact)?;
    let part = SignerMessagePart {
        party_id: message.party_id,
        verification_key_for_concatenation: message.verification_key_for_concatenation,
        verification_key_signature_for_concatenation: message
            .verification_key_signature_for_concatenation,
        operational_certificate: message.operational_certificate,
        kes_evolutions: message.kes_evolutions,
        #[cfg(feature = "snark")]
        verification_key_for_snark: message.verification_key_for_snark,
        #[cfg(feature = "snark")]
        verification_key_signature_for_snark: message.verification_key_signature_for_snark,
        #[cfg(feature = "snark")]
        proof_of_bound_possession_for_snark: message.proof_of_bound_possession_for_snark,
    };
    part.try_into()
}

/// `KeyRegWrapper::register` as the aggregator's `MithrilSignerRegistrationVerifier` calls it:
/// the KES evolutions are the chain's current KES period minus the certificate's start.
fn register(
    signer: &Signer,
    stake_distribution: &ProtocolStakeDistribution,
    epoch: Epoch,
    current_kes_period: KesPeriod,
) -> anyhow::Result<String> {
    let opcert = signer
        .operational_certificate
        .clone()
        .context("the registration has no operational certificate")?;
    let mut registration = ProtocolKeyRegistration::init(stake_distribution, epoch);
    registration.register(SignerRegistrationParameters {
        party_id: Some(signer.party_id.clone()).filter(|party_id| !party_id.is_empty()),
        kes_evolutions: Some(current_kes_period - opcert.get_start_kes_period()),
        operational_certificate: Some(opcert),
        verification_key_for_concatenation: signer.verification_key_for_concatenation,
        verification_key_signature_for_concatenation: signer
            .verification_key_signature_for_concatenation,
        #[cfg(feature = "snark")]
        verification_key_for_snark: signer.verification_key_for_snark,
        #[cfg(feature = "snark")]
        verification_key_signature_for_snark: signer.verification_key_signature_for_snark,
        #[cfg(feature = "snark")]
        proof_of_bound_possession_for_snark: signer.proof_of_bound_possession_for_snark,
    })
}

fn stake_distribution(pools: &[Pool]) -> anyhow::Result<ProtocolStakeDistribution> {
    let stakes = [POOL_0_STAKE, OTHER_STAKES[0], OTHER_STAKES[1]];
    pools
        .iter()
        .zip(stakes)
        .map(|(pool, stake)| Ok((pool.party_id()?, stake)))
        .collect()
}

fn register_signer_json(
    pools: &[Pool],
    initializer: &ProtocolInitializer,
    epoch: Epoch,
) -> anyhow::Result<Value> {
    let pool = &pools[0];
    let message = register_signer_message(epoch, registering_signer(pool, initializer)?);
    let compact = serde_json::to_string(&message)?;
    let distribution = stake_distribution(pools)?;
    let current_kes_period = pool.current_kes_period(REGISTRATION_KES_EVOLUTIONS);
    let signer = received_signer(&compact)?;
    let party_id = register(&signer, &distribution, epoch, current_kes_period)?;
    ensure!(party_id == pool.party_id()?);
    let without_pool = distribution[1..].to_vec();
    let refused = register(&signer, &without_pool, epoch, current_kes_period).map(|_| ());
    Ok(json!({
        "pool": 0,
        "epoch": epoch,
        "current_kes_period": current_kes_period.0,
        "compact": compact,
        "json": serde_json::to_value(&message)?,
        "stake_distribution": distribution,
        "upstream_register": {"accepted": true, "party_id": party_id},
        "upstream_register_without_pool": refusal("KeyRegWrapper::register", refused)?,
    }))
}

/// What mithril-common's decoder of a JSON API member (`ProtocolKey::try_from(&str)`, the same
/// as its serde `Deserialize`) makes of the bytes-hex form of a key: it tries JSON-hex first,
/// then bytes-hex.
fn bytes_hex_fallback<T>(member: &str, key: &ProtocolKey<T>) -> anyhow::Result<Value>
where
    T: ProtocolKeyCodec<T> + Serialize + DeserializeOwned + TryToBytes + TryFromBytes,
{
    let bytes_hex = key.to_bytes_hex()?;
    let decoded = ProtocolKey::<T>::try_from(bytes_hex.as_str())?;
    ensure!(
        decoded.to_json_hex()? == key.to_json_hex()?,
        "the bytes-hex form of {member} decodes to another value"
    );
    Ok(json!({
        "member": member,
        "bytes_hex": bytes_hex,
        "json_hex": key.to_json_hex()?,
        "accepted": true,
    }))
}

fn bytes_hex_fallbacks_json(
    pool: &Pool,
    initializer: &ProtocolInitializer,
) -> anyhow::Result<Vec<Value>> {
    let signature = initializer
        .verification_key_signature_for_concatenation()
        .context("the initializer has no KES signature")?;
    Ok(vec![
        bytes_hex_fallback(
            "operational_certificate",
            &ProtocolOpCert::new(pool.opcert.clone()),
        )?,
        bytes_hex_fallback("verification_key_signature", &signature)?,
        bytes_hex_fallback(
            "verification_key",
            &ProtocolSignerVerificationKeyForConcatenation::new(
                initializer.verification_key_for_concatenation(),
            ),
        )?,
    ])
}

/// The KES signature the initializer made over the STM key equals `KesSignerStandard`'s.
fn check_initializer_signature(
    pool: &Pool,
    initializer: &ProtocolInitializer,
) -> anyhow::Result<()> {
    let key = initializer
        .verification_key_for_concatenation()
        .to_canonical_bytes();
    let expected = pool.sign(&key, REGISTRATION_KES_EVOLUTIONS)?;
    let signature = initializer
        .verification_key_signature_for_concatenation()
        .context("the initializer has no KES signature")?;
    ensure!(
        signature.to_bytes() == expected.to_bytes(),
        "the initializer's KES signature differs from KesSignerStandard's"
    );
    Ok(())
}

pub fn generate() -> anyhow::Result<Value> {
    let scratch = ScratchDir::create()?;
    let pools = POOL_SPECS
        .iter()
        .enumerate()
        .map(|(index, spec)| Pool::create(index, spec, &scratch.0))
        .collect::<anyhow::Result<Vec<_>>>()?;
    check_upstream_golden(&pools[0])?;

    let epoch = CURRENT_EPOCH.offset_to_recording_epoch();
    let initializer = stm_initializer(&pools[0], epoch)?;
    check_initializer_signature(&pools[0], &initializer)?;
    let stm_key = initializer
        .verification_key_for_concatenation()
        .to_canonical_bytes();
    let messages = [
        SignedMessage {
            name: "stm_verification_key",
            bytes: &stm_key,
        },
        SignedMessage {
            name: "ascii",
            bytes: ASCII_MESSAGE,
        },
    ];

    Ok(json!({
        "source": "mithril-common 0.8.3: crypto_helper::{ColdKeyGenerator, OpCert, \
                   SerDeShelleyFileFormat, KesSignerStandard, KesVerifierStandard, \
                   ProtocolInitializer, ProtocolKeyRegistration (KeyRegWrapper)}, \
                   messages::RegisterSignerMessage; kes-summed-ed25519 0.2.1 Sum6Kes::keygen",
        "ascii_message": String::from_utf8_lossy(ASCII_MESSAGE),
        "pools": pools
            .iter()
            .enumerate()
            .map(|(index, pool)| pool_json(index, pool))
            .collect::<anyhow::Result<Vec<_>>>()?,
        "stm_verification_key": stm_key_json(&initializer, epoch)?,
        "kes_signatures": kes_signatures_json(&pools, &messages)?,
        "rejections": rejections_json(&pools, &stm_key)?,
        "register_signer_message": register_signer_json(&pools, &initializer, epoch)?,
        "bytes_hex_fallbacks": bytes_hex_fallbacks_json(&pools[0], &initializer)?,
    }))
}
