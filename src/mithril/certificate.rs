//! Mithril certificates as an aggregator serves them (`GET /certificate/{hash}`), their hash as
//! Mithril computes it, and a verifier that walks a chain and names its first broken link
//! (feature `certificate`).
//!
//! From `mithril-common` 0.8.3: `entities/certificate.rs` (`Certificate::try_compute_hash`),
//! `entities/certificate_metadata.rs` (`CertificateMetadata::compute_hash`,
//! `StakeDistributionParty::compute_hash`), `entities/signed_entity_type.rs` (`feed_hash`),
//! `messages/certificate.rs` (`CertificateMessage`) and `certificate_chain/certificate_verifier.rs`
//! (the checks and their order). `tests/vectors/upstream/certificate_chain.json` is a chain built
//! and verified by that code (`tools/upstream-vectors/`); the tests recompute every hash and walk
//! it.
//!
//! # The hash
//! SHA-256, hex, over: `previous_hash`, the epoch (8 bytes big-endian), the metadata's hash, the
//! protocol message's hash, `signed_message`, `aggregate_verification_key` (as written: JSON-hex),
//! for a multi-signed certificate the signed entity type's beacon (epoch, then immutable file
//! number or block number, big-endian; the blocks-transactions type first feeds its index 5), the
//! signature (`multi_signature`, or `genesis_signature`: the Ed25519 part only, so that a dual
//! genesis hashes like a legacy one), then the ancillary prover and verifier data when present.
//! The metadata's hash covers the network, the protocol version, the parameters' hash, the
//! `initiated_at` and `sealed_at` instants (nanoseconds since the epoch, 8 bytes big-endian) and
//! each signer's hash (party id, then stake, 8 bytes big-endian).
//!
//! # The chain
//! [`verify_chain`] walks from the latest certificate to the genesis one, as Mithril's verifier
//! does, and checks each link in Mithril's order: not chaining to itself, the hash, the signed
//! message against the protocol message, the multi-signature (through a
//! [`MultiSignatureVerifier`]: this library does not link STM), the epoch against the protocol
//! message's `current_epoch`, no missing epoch, `previous_hash`, the aggregate verification key
//! handed over (the previous certificate's `next_aggregate_verification_key` at an epoch change,
//! the same key within an epoch), and the protocol parameters handed over likewise. A genesis
//! certificate's Ed25519 signature over `signed_message` is checked with the genesis verification
//! key.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::domain::{PartKey, ProtocolMessage, ProtocolParameters, SignedEntityType};
use crate::era::EraVerificationKey;

/// The Ed25519 key that verifies genesis certificates (the same kind of key as an era key).
pub type GenesisVerificationKey = EraVerificationKey;

/// The genesis signature of a certificate whose signed message is `signed_message`, as Mithril's
/// genesis signer writes it (Ed25519 over the signed message's text, bytes-hex): the
/// `genesis_signature` of a genesis certificate.
pub fn genesis_signature(key: &crate::era::EraSigningKey, signed_message: &str) -> String {
    hex::encode(key.sign_raw(signed_message.as_bytes()))
}

/// Reads a genesis verification key in Mithril's key-file format: the hex of the JSON array of
/// the key's 32 bytes (`genesis.vkey`).
pub fn read_genesis_verification_key(
    text: &str,
) -> Result<GenesisVerificationKey, crate::mithril::era_datum::DatumError> {
    crate::mithril::era_datum::read_verification_key_file(text)
}

/// The certificate as Mithril's aggregator serves it: `CertificateMessage` of `mithril-common`,
/// member for member, keeping the members this build does not know.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificateMessage {
    /// The certificate's hash (hex).
    pub hash: String,
    /// The previous certificate's hash (hex; empty for a genesis certificate).
    pub previous_hash: String,
    /// The epoch.
    pub epoch: u64,
    /// What it certifies, externally tagged (`{"MithrilStakeDistribution": 12}`).
    pub signed_entity_type: Value,
    /// The metadata.
    pub metadata: CertificateMetadataMessage,
    /// The protocol message, as `mithril-common` writes it.
    pub protocol_message: Value,
    /// The hash of the protocol message that the signers signed (hex).
    pub signed_message: String,
    /// The aggregate verification key of the signers (JSON-hex).
    pub aggregate_verification_key: String,
    /// The SNARK aggregate verification key (lagrange).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_verification_key_snark: Option<String>,
    /// Ancillary prover data (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ancillary_prover_data: Option<String>,
    /// Ancillary verifier data (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ancillary_verifier_data: Option<String>,
    /// The STM multi-signature (JSON-hex); empty for a genesis certificate.
    pub multi_signature: String,
    /// The Ed25519 genesis signature (bytes-hex); empty for a multi-signed certificate.
    pub genesis_signature: String,
    /// The Schnorr genesis signature of a dual genesis (lagrange); not in the hash.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub genesis_schnorr_signature: String,
    /// Members this build does not know, kept.
    #[serde(flatten)]
    pub unknown_fields: Map<String, Value>,
}

/// A certificate's metadata (`CertificateMetadataMessagePart`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificateMetadataMessage {
    /// The Cardano network.
    pub network: String,
    /// The protocol version (`version`).
    pub version: String,
    /// The protocol parameters (`parameters`).
    pub parameters: ProtocolParameters,
    /// When the signature round opened (RFC 3339).
    pub initiated_at: String,
    /// When the certificate was sealed (RFC 3339).
    pub sealed_at: String,
    /// The signers and their stakes.
    pub signers: Vec<StakePartyMessage>,
    /// Members this build does not know, kept.
    #[serde(flatten)]
    pub unknown_fields: Map<String, Value>,
}

/// One signer of a certificate and its stake.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StakePartyMessage {
    /// The party id.
    pub party_id: String,
    /// Its stake (lovelace).
    pub stake: u64,
    /// Members this build does not know, kept.
    #[serde(flatten)]
    pub unknown_fields: Map<String, Value>,
}

/// Why a certificate's hash cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// A timestamp is not RFC 3339, or out of the nanosecond range.
    #[error("metadata.{field}: {value:?} is not an RFC 3339 instant within 1677-2262")]
    Timestamp {
        /// `initiated_at` or `sealed_at`.
        field: &'static str,
        /// The text.
        value: String,
    },
    /// The protocol message does not read.
    #[error("protocol_message: {0}")]
    ProtocolMessage(String),
    /// The signed entity type is not one Mithril hashes (unknown or discontinued).
    #[error("signed_entity_type: {0}")]
    SignedEntityType(String),
    /// A hex member is not hex.
    #[error("{0}: not hex")]
    Hex(&'static str),
}

impl CertificateMessage {
    /// Reads a certificate from its JSON.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Whether this is a genesis certificate (it carries a genesis signature and no
    /// multi-signature).
    pub fn is_genesis(&self) -> bool {
        self.multi_signature.is_empty() && !self.genesis_signature.is_empty()
    }

    /// The protocol message, read.
    pub fn protocol_message(&self) -> Result<ProtocolMessage, CertificateError> {
        crate::mithril::signed_message::from_json(&self.protocol_message.to_string())
            .map_err(|error| CertificateError::ProtocolMessage(error.to_string()))
    }

    /// The certificate's hash as Mithril computes it (see the module documentation).
    pub fn compute_hash(&self) -> Result<String, CertificateError> {
        let protocol_message = self.protocol_message()?;
        let protocol_message_hash =
            crate::mithril::signed_message::signed_message(&protocol_message)
                .map_err(|error| CertificateError::ProtocolMessage(error.to_string()))?;
        let mut hasher = Sha256::new();
        hasher.update(self.previous_hash.as_bytes());
        hasher.update(self.epoch.to_be_bytes());
        hasher.update(self.metadata.compute_hash()?.as_bytes());
        hasher.update(protocol_message_hash.as_str().as_bytes());
        hasher.update(self.signed_message.as_bytes());
        hasher.update(self.aggregate_verification_key.as_bytes());
        if self.is_genesis() {
            hasher.update(self.genesis_signature.as_bytes());
        } else {
            feed_beacon(&self.signed_entity_type()?, &mut hasher)?;
            hasher.update(self.multi_signature.as_bytes());
        }
        for (field, data) in [
            ("ancillary_prover_data", &self.ancillary_prover_data),
            ("ancillary_verifier_data", &self.ancillary_verifier_data),
        ] {
            if let Some(data) = data {
                hasher.update(hex::decode(data).map_err(|_| CertificateError::Hex(field))?);
            }
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// The signed entity type.
    pub fn signed_entity_type(&self) -> Result<SignedEntityType, CertificateError> {
        crate::wire::json::signed_entity_type_from_json(&self.signed_entity_type)
            .map_err(|error| CertificateError::SignedEntityType(error.to_string()))
    }
}

/// Feeds the beacon of a multi-signed certificate's signed entity type, as `feed_hash`.
fn feed_beacon(entity: &SignedEntityType, hasher: &mut Sha256) -> Result<(), CertificateError> {
    match entity {
        SignedEntityType::MithrilStakeDistribution(epoch)
        | SignedEntityType::CardanoStakeDistribution(epoch) => hasher.update(epoch.0.to_be_bytes()),
        SignedEntityType::CardanoDatabase(beacon) => {
            hasher.update(beacon.epoch.0.to_be_bytes());
            hasher.update(beacon.immutable_file_number.0.to_be_bytes());
        }
        SignedEntityType::CardanoTransactions(epoch, block) => {
            hasher.update(epoch.0.to_be_bytes());
            hasher.update(block.0.to_be_bytes());
        }
        SignedEntityType::CardanoBlocksTransactions(epoch, block, offset) => {
            // The type's index (5 in `SignedEntityTypeId`) first: it shares its beacon's shape.
            hasher.update(5usize.to_be_bytes());
            hasher.update(epoch.0.to_be_bytes());
            hasher.update(block.0.to_be_bytes());
            hasher.update(offset.0.to_be_bytes());
        }
        other => {
            return Err(CertificateError::SignedEntityType(format!(
                "{} certificates have no hash in Mithril's terms",
                other.name()
            )));
        }
    }
    Ok(())
}

impl CertificateMetadataMessage {
    /// The metadata's hash as Mithril computes it.
    pub fn compute_hash(&self) -> Result<String, CertificateError> {
        let mut hasher = Sha256::new();
        hasher.update(self.network.as_bytes());
        hasher.update(self.version.as_bytes());
        hasher.update(self.parameters.mithril_hash().as_bytes());
        hasher.update(nanos("initiated_at", &self.initiated_at)?.to_be_bytes());
        hasher.update(nanos("sealed_at", &self.sealed_at)?.to_be_bytes());
        for signer in &self.signers {
            let mut party = Sha256::new();
            party.update(signer.party_id.as_bytes());
            party.update(signer.stake.to_be_bytes());
            hasher.update(hex::encode(party.finalize()).as_bytes());
        }
        Ok(hex::encode(hasher.finalize()))
    }
}

fn nanos(field: &'static str, text: &str) -> Result<i64, CertificateError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .and_then(|instant| instant.timestamp_nanos_opt())
        .ok_or_else(|| CertificateError::Timestamp {
            field,
            value: text.chars().take(64).collect(),
        })
}

/// Checks an STM multi-signature: what a caller that links `mithril-stm` provides (this library
/// does not).
pub trait MultiSignatureVerifier {
    /// Whether `multi_signature` (JSON-hex) signs `message` (the signed message's bytes) under
    /// `aggregate_verification_key` (JSON-hex) and `parameters`; the reason when it does not.
    fn verify(
        &self,
        message: &[u8],
        multi_signature: &str,
        aggregate_verification_key: &str,
        parameters: &ProtocolParameters,
    ) -> Result<(), String>;
}

/// The [`MultiSignatureVerifier`] of `mithril-stm` 0.13, the STM implementation Mithril's
/// nodes run (feature `stm`): reads the multi-signature and the concatenation aggregate
/// verification key from their JSON-hex, as `mithril-common` writes them, and verifies the
/// concatenation proof.
#[cfg(feature = "stm")]
#[cfg_attr(docsrs, doc(cfg(feature = "stm")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct StmVerifier;

#[cfg(feature = "stm")]
impl MultiSignatureVerifier for StmVerifier {
    fn verify(
        &self,
        message: &[u8],
        multi_signature: &str,
        aggregate_verification_key: &str,
        parameters: &ProtocolParameters,
    ) -> Result<(), String> {
        use mithril_stm::{
            AggregateSignature, AggregateVerificationKey, AggregateVerificationKeyForConcatenation,
            MithrilMembershipDigest,
        };
        fn from_json_hex<T: serde::de::DeserializeOwned>(
            member: &str,
            text: &str,
        ) -> Result<T, String> {
            let bytes = hex::decode(text).map_err(|error| format!("{member}: {error}"))?;
            serde_json::from_slice(&bytes).map_err(|error| format!("{member}: {error}"))
        }
        let signature: AggregateSignature<MithrilMembershipDigest> =
            from_json_hex("multi_signature", multi_signature)?;
        let key: AggregateVerificationKeyForConcatenation<MithrilMembershipDigest> =
            from_json_hex("aggregate_verification_key", aggregate_verification_key)?;
        let parameters = stm_parameters(parameters);
        signature
            .verify(
                message,
                &AggregateVerificationKey::new(key),
                &parameters,
                None,
                None,
            )
            .map_err(|error| error.to_string())
    }
}

/// The protocol parameters as `mithril-stm` takes them.
#[cfg(feature = "stm")]
pub(crate) fn stm_parameters(parameters: &ProtocolParameters) -> mithril_stm::Parameters {
    mithril_stm::Parameters {
        m: parameters.m(),
        k: parameters.k(),
        phi_f: parameters.phi_f(),
    }
}

/// Why a link of a chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The certificate names itself as its previous certificate.
    #[error("the certificate chains to itself")]
    ChainsToItself,
    /// The hash cannot be computed.
    #[error("the hash cannot be computed: {0}")]
    Unhashable(CertificateError),
    /// The hash is not the hash of the content.
    #[error("hash {written} is not the hash of the content ({computed})")]
    Hash {
        /// The hash written.
        written: String,
        /// The hash computed.
        computed: String,
    },
    /// The signed message is not the protocol message's hash.
    #[error("signed_message is not the hash of the protocol message ({computed})")]
    ProtocolMessage {
        /// The protocol message's hash.
        computed: String,
    },
    /// The multi-signature does not verify.
    #[error("the multi-signature does not verify: {0}")]
    MultiSignature(String),
    /// The genesis signature does not verify.
    #[error("the genesis signature does not verify with the genesis verification key")]
    GenesisSignature,
    /// The epoch is not the protocol message's `current_epoch`.
    #[error("epoch {epoch} is not the protocol message's current_epoch ({signed:?})")]
    Epoch {
        /// The certificate's epoch.
        epoch: u64,
        /// The signed epoch.
        signed: Option<String>,
    },
    /// An epoch is missing between this certificate and the previous one.
    #[error("epochs missing between {previous} and {epoch}")]
    MissingEpoch {
        /// The previous certificate's epoch.
        previous: u64,
        /// This certificate's epoch.
        epoch: u64,
    },
    /// The previous certificate is not in the chain.
    #[error("previous certificate {0} is not in the chain")]
    PreviousNotFound(String),
    /// The aggregate verification key is not the one the previous certificate handed over.
    #[error(
        "the aggregate verification key is not the one the previous certificate {0} handed over"
    )]
    AvkHandover(&'static str),
    /// The protocol parameters are not the ones the previous certificate handed over.
    #[error("the protocol parameters are not the ones the previous certificate {0} handed over")]
    ParametersHandover(&'static str),
    /// A genesis certificate where none may be, or a multi-signed one with no previous hash.
    #[error("{0}")]
    Structure(&'static str),
}

/// One link of a walked chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkReport {
    /// The certificate's hash.
    pub hash: String,
    /// Its epoch.
    pub epoch: u64,
    /// Whether it is the genesis certificate.
    pub genesis: bool,
    /// Why it is broken, if it is.
    pub error: Option<LinkError>,
}

/// What walking a chain found: the links from the latest certificate back, up to the first
/// broken one, the genesis certificate, or a certificate whose chain a [`ChainVerifier`] verified
/// before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// The links walked, latest first.
    pub links: Vec<LinkReport>,
    /// Whether the walk ended on a certificate already verified back to genesis (the links
    /// stop there).
    pub joined_verified: bool,
}

impl ChainReport {
    /// The first broken link, latest first, if any.
    pub fn first_broken(&self) -> Option<&LinkReport> {
        self.links.iter().find(|link| link.error.is_some())
    }

    /// Whether the chain verified from the latest certificate to genesis.
    pub fn verified(&self) -> bool {
        self.first_broken().is_none()
            && (self.joined_verified || self.links.last().is_some_and(|link| link.genesis))
    }
}

impl fmt::Display for ChainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.first_broken() {
            None if self.joined_verified => write!(
                f,
                "{} certificates verified, joining a chain verified back to genesis",
                self.links.len()
            ),
            None if self.verified() => write!(
                f,
                "{} certificates verified back to genesis",
                self.links.len()
            ),
            None => write!(f, "{} certificates walked; no genesis", self.links.len()),
            Some(link) => write!(
                f,
                "broken at {} (epoch {}): {}",
                link.hash,
                link.epoch,
                link.error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
        }
    }
}

/// Walks the chain that ends at `latest` through `certificates` (any order; found by hash), as
/// Mithril's verifier does, and reports every link up to the first broken one. Multi-signatures
/// are checked with `multi` when given; without it, only their certificates' content and
/// chaining are.
pub fn verify_chain(
    latest: &str,
    certificates: &[CertificateMessage],
    genesis_key: &GenesisVerificationKey,
    multi: Option<&dyn MultiSignatureVerifier>,
) -> ChainReport {
    ChainVerifier::new(*genesis_key, multi).verify(latest, certificates)
}

/// A chain verifier that remembers the certificates it verified back to genesis, as a node that
/// follows a growing chain does: a later walk stops at the first of them instead of checking
/// their links, and their multi-signatures, again.
pub struct ChainVerifier<'a> {
    genesis_key: GenesisVerificationKey,
    multi: Option<&'a dyn MultiSignatureVerifier>,
    verified: std::collections::HashSet<String>,
}

impl fmt::Debug for ChainVerifier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainVerifier")
            .field("verified", &self.verified.len())
            .finish_non_exhaustive()
    }
}

impl<'a> ChainVerifier<'a> {
    /// A verifier with nothing verified yet; multi-signatures checked with `multi` when given.
    pub fn new(
        genesis_key: GenesisVerificationKey,
        multi: Option<&'a dyn MultiSignatureVerifier>,
    ) -> Self {
        Self {
            genesis_key,
            multi,
            verified: std::collections::HashSet::new(),
        }
    }

    /// Walks the chain that ends at `latest` (see [`verify_chain`]), stopping at a certificate
    /// verified by an earlier walk; remembers the certificates of a walk that verified.
    pub fn verify(&mut self, latest: &str, certificates: &[CertificateMessage]) -> ChainReport {
        let report = self.walk(latest, certificates);
        if report.verified() {
            self.verified
                .extend(report.links.iter().map(|link| link.hash.clone()));
        }
        report
    }

    fn walk(&self, latest: &str, certificates: &[CertificateMessage]) -> ChainReport {
        let (genesis_key, multi) = (&self.genesis_key, self.multi);
        let by_hash: HashMap<&str, &CertificateMessage> = certificates
            .iter()
            .map(|certificate| (certificate.hash.as_str(), certificate))
            .collect();
        let mut links = Vec::new();
        let mut joined_verified = false;
        let mut next = Some(latest.to_owned());
        while let Some(hash) = next.take() {
            if self.verified.contains(&hash) {
                joined_verified = true;
                break;
            }
            let Some(certificate) = by_hash.get(hash.as_str()) else {
                links.push(LinkReport {
                    hash: hash.clone(),
                    epoch: links.last().map_or(0, |link: &LinkReport| link.epoch),
                    genesis: false,
                    error: Some(LinkError::PreviousNotFound(hash)),
                });
                break;
            };
            // Each certificate is walked once: a cycle stops here.
            if links
                .iter()
                .any(|link: &LinkReport| link.hash == certificate.hash)
            {
                links.push(LinkReport {
                    hash: certificate.hash.clone(),
                    epoch: certificate.epoch,
                    genesis: false,
                    error: Some(LinkError::Structure("the chain loops back on itself")),
                });
                break;
            }
            let genesis = certificate.is_genesis();
            let error = if genesis {
                verify_genesis(certificate, genesis_key).err()
            } else {
                match by_hash.get(certificate.previous_hash.as_str()) {
                    Some(previous) => verify_standard(certificate, previous, multi).err(),
                    None if certificate.previous_hash == certificate.hash => {
                        Some(LinkError::ChainsToItself)
                    }
                    None => Some(LinkError::PreviousNotFound(
                        certificate.previous_hash.clone(),
                    )),
                }
            };
            let broken = error.is_some();
            links.push(LinkReport {
                hash: certificate.hash.clone(),
                epoch: certificate.epoch,
                genesis,
                error,
            });
            if !broken && !genesis {
                next = Some(certificate.previous_hash.clone());
            }
        }
        ChainReport {
            links,
            joined_verified,
        }
    }
}

fn verify_integrity(certificate: &CertificateMessage) -> Result<ProtocolMessage, LinkError> {
    let computed = certificate.compute_hash().map_err(LinkError::Unhashable)?;
    if computed != certificate.hash {
        return Err(LinkError::Hash {
            written: certificate.hash.clone(),
            computed,
        });
    }
    let message = certificate
        .protocol_message()
        .map_err(LinkError::Unhashable)?;
    let signed = crate::mithril::signed_message::signed_message(&message).map_err(|error| {
        LinkError::Unhashable(CertificateError::ProtocolMessage(error.to_string()))
    })?;
    if signed.as_str() != certificate.signed_message {
        return Err(LinkError::ProtocolMessage {
            computed: signed.as_str().to_owned(),
        });
    }
    Ok(message)
}

fn verify_epoch(
    certificate: &CertificateMessage,
    message: &ProtocolMessage,
) -> Result<(), LinkError> {
    let signed = message.get(PartKey::CurrentEpoch);
    if signed == Some(certificate.epoch.to_string().as_str()) {
        return Ok(());
    }
    Err(LinkError::Epoch {
        epoch: certificate.epoch,
        signed: signed.map(ToOwned::to_owned),
    })
}

fn verify_genesis(
    certificate: &CertificateMessage,
    genesis_key: &GenesisVerificationKey,
) -> Result<(), LinkError> {
    let message = verify_integrity(certificate)?;
    let signature: [u8; 64] = hex::decode(&certificate.genesis_signature)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(LinkError::GenesisSignature)?;
    if !genesis_key.verify_raw(certificate.signed_message.as_bytes(), &signature) {
        return Err(LinkError::GenesisSignature);
    }
    verify_epoch(certificate, &message)
}

fn verify_standard(
    certificate: &CertificateMessage,
    previous: &CertificateMessage,
    multi: Option<&dyn MultiSignatureVerifier>,
) -> Result<(), LinkError> {
    if certificate.hash == certificate.previous_hash {
        return Err(LinkError::ChainsToItself);
    }
    let message = verify_integrity(certificate)?;
    if let Some(multi) = multi {
        multi
            .verify(
                certificate.signed_message.as_bytes(),
                &certificate.multi_signature,
                &certificate.aggregate_verification_key,
                &certificate.metadata.parameters,
            )
            .map_err(LinkError::MultiSignature)?;
    }
    verify_epoch(certificate, &message)?;
    if certificate.epoch > previous.epoch.saturating_add(1) || certificate.epoch < previous.epoch {
        return Err(LinkError::MissingEpoch {
            previous: previous.epoch,
            epoch: certificate.epoch,
        });
    }
    let same_epoch = certificate.epoch == previous.epoch;
    let previous_message = previous.protocol_message().map_err(LinkError::Unhashable)?;
    let avk_handed_over = if same_epoch {
        same_key(
            &previous.aggregate_verification_key,
            &certificate.aggregate_verification_key,
        )
    } else {
        previous_message
            .get(PartKey::NextAggregateVerificationKey)
            .is_some_and(|next| same_key(next, &certificate.aggregate_verification_key))
    };
    if !avk_handed_over {
        return Err(LinkError::AvkHandover(if same_epoch {
            "of the same epoch"
        } else {
            "as next_aggregate_verification_key"
        }));
    }
    let parameters_handed_over = if same_epoch {
        previous.metadata.parameters.mithril_hash()
            == certificate.metadata.parameters.mithril_hash()
    } else {
        previous_message.get(PartKey::NextProtocolParameters)
            == Some(certificate.metadata.parameters.mithril_hash().as_str())
    };
    if !parameters_handed_over {
        return Err(LinkError::ParametersHandover(if same_epoch {
            "of the same epoch"
        } else {
            "as next_protocol_parameters"
        }));
    }
    Ok(())
}

/// Whether two hex-encoded keys are the same key: the same bytes, or the same JSON value when
/// both are JSON-hex (as Mithril compares decoded keys).
fn same_key(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (hex::decode(a), hex::decode(b)) {
        (Ok(a), Ok(b)) => {
            a == b
                || matches!(
                    (serde_json::from_slice::<Value>(&a), serde_json::from_slice::<Value>(&b)),
                    (Ok(a), Ok(b)) if a == b
                )
        }
        _ => false,
    }
}
