//! Operational certificates.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use pallas_codec::minicbor::{Decoder, Encoder};

use super::{PoolId, PoolKeyError};

/// A stake pool's operational certificate: its cold key's signature over a KES verification key,
/// a counter (issue number) and the KES period the certificate starts at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationalCertificate {
    kes_verification_key: [u8; 32],
    issue_number: u64,
    start_kes_period: u64,
    cold_signature: [u8; 64],
    cold_verification_key: [u8; 32],
}

/// The JSON form `mithril-common` writes (`serde_json` of its `RawOpCert`): byte strings as
/// arrays of numbers.
type JsonForm = ((Vec<u8>, u64, u64, Vec<u8>), Vec<u8>);

fn malformed(why: impl Into<String>) -> PoolKeyError {
    PoolKeyError::MalformedCertificate(why.into())
}

fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], PoolKeyError> {
    bytes
        .try_into()
        .map_err(|_| malformed(format!("{what} has {} bytes, not {N}", bytes.len())))
}

impl OperationalCertificate {
    /// Issues a certificate: `cold_key` signs `kes_verification_key`, `issue_number` and
    /// `start_kes_period`.
    pub fn issue(
        kes_verification_key: [u8; 32],
        issue_number: u64,
        start_kes_period: u64,
        cold_key: &SigningKey,
    ) -> Self {
        let message = signed_message(&kes_verification_key, issue_number, start_kes_period);
        Self {
            kes_verification_key,
            issue_number,
            start_kes_period,
            cold_signature: cold_key.sign(&message).to_bytes(),
            cold_verification_key: cold_key.verifying_key().to_bytes(),
        }
    }

    /// A certificate from its parts, as a DMQ message carries them (unchecked: see
    /// [`Self::verify`]).
    pub fn from_parts(
        kes_verification_key: [u8; 32],
        issue_number: u64,
        start_kes_period: u64,
        cold_signature: [u8; 64],
        cold_verification_key: [u8; 32],
    ) -> Self {
        Self {
            kes_verification_key,
            issue_number,
            start_kes_period,
            cold_signature,
            cold_verification_key,
        }
    }

    /// Reads a certificate in either encoding a registration carries: the CBOR of
    /// `cardano-cli`'s text envelope (first byte `0x82`), or the JSON text of today's JSON API
    /// (first byte `[`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PoolKeyError> {
        match bytes.first() {
            Some(0x82) => Self::from_cbor(bytes),
            Some(b'[') => Self::from_json(bytes),
            Some(other) => Err(malformed(format!(
                "starts with byte {other:#04x}, neither CBOR (0x82) nor JSON ('[')"
            ))),
            None => Err(malformed("empty")),
        }
    }

    /// Reads the CBOR `[[kes_vk, issue_number, start_kes_period, cold_signature], cold_vk]`.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, PoolKeyError> {
        let cbor = |error: pallas_codec::minicbor::decode::Error| malformed(error.to_string());
        let mut decoder = Decoder::new(bytes);
        if decoder.array().map_err(cbor)? != Some(2) {
            return Err(malformed("not an array of two items"));
        }
        if decoder.array().map_err(cbor)? != Some(4) {
            return Err(malformed(
                "the certificate body is not an array of four items",
            ));
        }
        let kes = fixed(decoder.bytes().map_err(cbor)?, "the KES verification key")?;
        let issue_number = decoder.u64().map_err(cbor)?;
        let start_kes_period = decoder.u64().map_err(cbor)?;
        let signature = fixed(decoder.bytes().map_err(cbor)?, "the cold signature")?;
        let cold = fixed(decoder.bytes().map_err(cbor)?, "the cold verification key")?;
        if decoder.position() != bytes.len() {
            return Err(malformed(format!(
                "{} bytes after the certificate",
                bytes.len() - decoder.position()
            )));
        }
        Ok(Self {
            kes_verification_key: kes,
            issue_number,
            start_kes_period,
            cold_signature: signature,
            cold_verification_key: cold,
        })
    }

    /// Reads the JSON text `mithril-common` writes:
    /// `[[[kes_vk…], issue_number, start_kes_period, [cold_signature…]], [cold_vk…]]`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PoolKeyError> {
        let ((kes, issue_number, start_kes_period, signature), cold): JsonForm =
            serde_json::from_slice(bytes).map_err(|error| malformed(error.to_string()))?;
        Ok(Self {
            kes_verification_key: fixed(&kes, "the KES verification key")?,
            issue_number,
            start_kes_period,
            cold_signature: fixed(&signature, "the cold signature")?,
            cold_verification_key: fixed(&cold, "the cold verification key")?,
        })
    }

    /// The CBOR of `cardano-cli`'s text envelope (`cborHex`).
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut encoder = Encoder::new(Vec::with_capacity(160));
        // Writing to a vector cannot fail.
        let _ = encoder
            .array(2)
            .and_then(|e| e.array(4))
            .and_then(|e| e.bytes(&self.kes_verification_key))
            .and_then(|e| e.u64(self.issue_number))
            .and_then(|e| e.u64(self.start_kes_period))
            .and_then(|e| e.bytes(&self.cold_signature))
            .and_then(|e| e.bytes(&self.cold_verification_key));
        encoder.into_writer()
    }

    /// The JSON text today's JSON API carries (hex-encoded) in `operational_certificate`.
    pub fn to_json(&self) -> Vec<u8> {
        let form: JsonForm = (
            (
                self.kes_verification_key.to_vec(),
                self.issue_number,
                self.start_kes_period,
                self.cold_signature.to_vec(),
            ),
            self.cold_verification_key.to_vec(),
        );
        serde_json::to_vec(&form).unwrap_or_default()
    }

    /// Checks the cold key's signature of the certificate.
    pub fn verify(&self) -> Result<(), PoolKeyError> {
        let key = VerifyingKey::from_bytes(&self.cold_verification_key)
            .map_err(|_| malformed("the cold verification key is not an Ed25519 point"))?;
        let message = signed_message(
            &self.kes_verification_key,
            self.issue_number,
            self.start_kes_period,
        );
        key.verify(&message, &Signature::from_bytes(&self.cold_signature))
            .map_err(|_| PoolKeyError::CertificateSignature)
    }

    /// The pool the cold key belongs to.
    pub fn pool_id(&self) -> PoolId {
        PoolId::of_cold_key(&self.cold_verification_key)
    }

    /// The KES verification key the certificate certifies.
    pub fn kes_verification_key(&self) -> &[u8; 32] {
        &self.kes_verification_key
    }

    /// The counter of certificates the cold key issued.
    pub fn issue_number(&self) -> u64 {
        self.issue_number
    }

    /// The KES period the certificate starts at: evolutions count from it.
    pub fn start_kes_period(&self) -> u64 {
        self.start_kes_period
    }

    /// The cold key's signature.
    pub fn cold_signature(&self) -> &[u8; 64] {
        &self.cold_signature
    }

    /// The cold verification key.
    pub fn cold_verification_key(&self) -> &[u8; 32] {
        &self.cold_verification_key
    }

    /// The 48 bytes the cold key signs: `kes_vk ‖ issue_number ‖ start_kes_period`, integers
    /// big-endian.
    pub fn signed_message(&self) -> [u8; 48] {
        signed_message(
            &self.kes_verification_key,
            self.issue_number,
            self.start_kes_period,
        )
    }
}

fn signed_message(kes: &[u8; 32], issue_number: u64, start_kes_period: u64) -> [u8; 48] {
    let mut message = [0; 48];
    message[..32].copy_from_slice(kes);
    message[32..40].copy_from_slice(&issue_number.to_be_bytes());
    message[40..].copy_from_slice(&start_kes_period.to_be_bytes());
    message
}
