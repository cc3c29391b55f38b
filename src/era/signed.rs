//! Signed era-marker payloads: a canonical byte encoding, Ed25519 signatures, a text form.
//!
//! A payload binds the network, a monotonic sequence number and the complete list of markers.
//! The signature covers [`DOMAIN_SEPARATION_TAG`] followed by the canonical content bytes:
//!
//! ```text
//! content  = format(u8 = 1) network(u32 BE) sequence(u64 BE) count(u8) marker*
//! marker   = name_len(u8) name(ASCII) flag(u8: 0 announced, 1 scheduled) [epoch(u64 BE)]
//! payload  = content signature(64 bytes)
//! text     = lowercase hex of payload
//! ```
//!
//! Markers are in canonical order (scheduled ones by epoch, then announced ones by name), so one
//! schedule has exactly one encoding. Never JSON, never protobuf: the bytes are fixed by the
//! golden vectors in the tests.

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use super::schedule::{EraMarker, ScheduleError, validate_markers};
pub use crate::domain::NetworkMagic;
use crate::domain::{Epoch, EraName};

/// Prefix of every message an era key signs, so that no other protocol's signature is ever
/// mistaken for an era payload's.
pub const DOMAIN_SEPARATION_TAG: &[u8] = b"mithril-compat/era-markers/v1";

const FORMAT: u8 = 1;
const SIGNATURE_LEN: usize = 64;
/// Most markers one payload may carry.
pub const MAX_MARKERS: usize = 64;

/// Why a payload was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MarkerError {
    /// The bytes or text are not a payload.
    #[error("malformed era marker payload: {0}")]
    Malformed(&'static str),
    /// The signature does not verify with the era verification key (wrong key, or tampered
    /// content).
    #[error("the signature does not verify with the era verification key")]
    BadSignature,
    /// The payload is for another network.
    #[error("the payload is for {found}, this node runs on {expected}")]
    WrongNetwork {
        /// This node's network.
        expected: NetworkMagic,
        /// The payload's network.
        found: NetworkMagic,
    },
    /// An older payload than the one already accepted (a replay).
    #[error("sequence {sequence} is older than the accepted sequence {accepted}")]
    Replay {
        /// The payload's sequence number.
        sequence: u64,
        /// The highest sequence already accepted.
        accepted: u64,
    },
    /// Two different payloads carry the same sequence number.
    #[error("two different payloads carry sequence {sequence}")]
    Equivocation {
        /// The sequence number.
        sequence: u64,
    },
    /// A newer valid payload was chosen instead.
    #[error("superseded by sequence {by}")]
    Superseded {
        /// The sequence that was chosen.
        by: u64,
    },
    /// The schedule would change the era of an epoch that has already begun.
    #[error("the schedule would change the era of epoch {epoch}, which has already begun")]
    RewritesPast {
        /// The earliest epoch whose era would change.
        epoch: Epoch,
    },
    /// An era is scheduled sooner than the registration pipeline allows.
    #[error(
        "era {era} is scheduled at epoch {epoch}, sooner than the earliest allowed epoch {earliest}"
    )]
    TooSoon {
        /// The era.
        era: EraName,
        /// Its activation epoch.
        epoch: Epoch,
        /// The earliest epoch allowed.
        earliest: Epoch,
    },
    /// The markers do not describe one history.
    #[error(transparent)]
    InvalidSchedule(#[from] ScheduleError),
}

/// The Ed25519 key the release team signs era payloads with.
pub struct EraSigningKey(SigningKey);

impl EraSigningKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)?;
        Ok(Self(SigningKey::from_bytes(&seed)))
    }

    /// The key from its 32-byte seed.
    pub fn from_bytes(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The key from the hex of its seed.
    pub fn from_hex(text: &str) -> Result<Self, MarkerError> {
        Ok(Self::from_bytes(&hex_array(
            text.trim(),
            "a 32-byte hex secret key",
        )?))
    }

    /// Hex of the seed. Keep it secret.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// The matching verification key.
    pub fn verification_key(&self) -> EraVerificationKey {
        EraVerificationKey(self.0.verifying_key())
    }

    /// The 32-byte seed. Keep it secret.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// An Ed25519 signature over `message` as it is (no domain tag): for formats whose signed
    /// bytes are fixed elsewhere, such as Mithril's era datum.
    #[cfg(feature = "json")]
    pub(crate) fn sign_raw(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for EraSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EraSigningKey").field(&"<secret>").finish()
    }
}

/// The Ed25519 key nodes verify era payloads with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EraVerificationKey(VerifyingKey);

impl EraVerificationKey {
    /// The key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, MarkerError> {
        VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| MarkerError::Malformed("not an Ed25519 verification key"))
    }

    /// The key from its hex.
    pub fn from_hex(text: &str) -> Result<Self, MarkerError> {
        Self::from_bytes(&hex_array(text.trim(), "a 32-byte hex verification key")?)
    }

    /// Hex of the key.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// The key's 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Whether `signature` is an Ed25519 signature of `message` as it is (no domain tag), by this
    /// key. Strict verification (no malleable signatures).
    #[cfg(feature = "json")]
    pub(crate) fn verify_raw(&self, message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> bool {
        self.0
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

fn hex_array<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], MarkerError> {
    let bytes = hex::decode(text).map_err(|_| MarkerError::Malformed(what))?;
    bytes.try_into().map_err(|_| MarkerError::Malformed(what))
}

/// What a payload says: the network, the sequence number and the complete schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkersContent {
    network: NetworkMagic,
    sequence: u64,
    markers: Vec<EraMarker>,
}

impl MarkersContent {
    /// Checks the markers and puts them in canonical order.
    pub fn new(
        network: NetworkMagic,
        sequence: u64,
        mut markers: Vec<EraMarker>,
    ) -> Result<Self, MarkerError> {
        if markers.len() > MAX_MARKERS {
            return Err(MarkerError::Malformed("more than 64 markers"));
        }
        validate_markers(&markers)?;
        markers.sort_by(canonical_order);
        Ok(Self {
            network,
            sequence,
            markers,
        })
    }

    /// The network.
    pub fn network(&self) -> NetworkMagic {
        self.network
    }

    /// The sequence number.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The markers, in canonical order.
    pub fn markers(&self) -> &[EraMarker] {
        &self.markers
    }

    /// The canonical bytes of the content.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(14 + self.markers.len() * 42);
        out.push(FORMAT);
        out.extend_from_slice(&self.network.0.to_be_bytes());
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.push(self.markers.len() as u8);
        for marker in &self.markers {
            let name = marker.name.as_str().as_bytes();
            out.push(name.len() as u8);
            out.extend_from_slice(name);
            match marker.epoch {
                None => out.push(0),
                Some(epoch) => {
                    out.push(1);
                    out.extend_from_slice(&epoch.0.to_be_bytes());
                }
            }
        }
        out
    }

    fn signed_message(&self) -> Vec<u8> {
        let mut message = DOMAIN_SEPARATION_TAG.to_vec();
        message.extend_from_slice(&self.canonical_bytes());
        message
    }

    /// Reads canonical content bytes; returns the content and the bytes after it.
    fn parse(bytes: &[u8]) -> Result<(Self, &[u8]), MarkerError> {
        let mut reader = Cursor(bytes);
        if reader.u8()? != FORMAT {
            return Err(MarkerError::Malformed("unknown payload format"));
        }
        let network = NetworkMagic(u32::from_be_bytes(reader.array()?));
        let sequence = u64::from_be_bytes(reader.array()?);
        let count = usize::from(reader.u8()?);
        let mut markers = Vec::with_capacity(count);
        for _ in 0..count {
            let len = usize::from(reader.u8()?);
            let name = std::str::from_utf8(reader.take(len)?)
                .map_err(|_| MarkerError::Malformed("era name is not text"))?;
            let name =
                EraName::new(name).map_err(|_| MarkerError::Malformed("invalid era name"))?;
            let epoch = match reader.u8()? {
                0 => None,
                1 => Some(Epoch(u64::from_be_bytes(reader.array()?))),
                _ => return Err(MarkerError::Malformed("invalid marker flag")),
            };
            markers.push(EraMarker { name, epoch });
        }
        let content = Self::new(network, sequence, markers.clone())?;
        if content.markers != markers {
            return Err(MarkerError::Malformed("markers are not in canonical order"));
        }
        Ok((content, reader.0))
    }
}

fn canonical_order(a: &EraMarker, b: &EraMarker) -> std::cmp::Ordering {
    match (a.epoch, b.epoch) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    }
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], MarkerError> {
        if self.0.len() < len {
            return Err(MarkerError::Malformed("truncated"));
        }
        let (head, tail) = self.0.split_at(len);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, MarkerError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], MarkerError> {
        Ok(self.take(N)?.try_into().expect("length checked"))
    }
}

/// A payload: content and its signature, not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedMarkers {
    content: MarkersContent,
    signature: [u8; SIGNATURE_LEN],
}

impl SignedMarkers {
    /// Signs the content.
    pub fn sign(content: MarkersContent, key: &EraSigningKey) -> Self {
        let signature = key.0.sign(&content.signed_message()).to_bytes();
        Self { content, signature }
    }

    /// The payload bytes: canonical content, then the signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = self.content.canonical_bytes();
        bytes.extend_from_slice(&self.signature);
        bytes
    }

    /// Reads payload bytes (the signature is not checked yet: see [`Self::verify`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MarkerError> {
        let (content, rest) = MarkersContent::parse(bytes)?;
        let signature = rest
            .try_into()
            .map_err(|_| MarkerError::Malformed("the signature is not 64 bytes"))?;
        Ok(Self { content, signature })
    }

    /// The text form (lowercase hex), for a chain datum or a file.
    pub fn to_text(&self) -> String {
        hex::encode(self.to_bytes())
    }

    /// Reads the text form; surrounding white space is ignored.
    pub fn from_text(text: &str) -> Result<Self, MarkerError> {
        let bytes =
            hex::decode(text.trim()).map_err(|_| MarkerError::Malformed("not hexadecimal"))?;
        Self::from_bytes(&bytes)
    }

    /// The content, unverified.
    pub fn content_unverified(&self) -> &MarkersContent {
        &self.content
    }

    /// Checks the signature and the network, and returns the verified content.
    pub fn verify(
        &self,
        key: &EraVerificationKey,
        network: NetworkMagic,
    ) -> Result<&MarkersContent, MarkerError> {
        key.0
            .verify_strict(
                &self.content.signed_message(),
                &Signature::from_bytes(&self.signature),
            )
            .map_err(|_| MarkerError::BadSignature)?;
        if self.content.network != network {
            return Err(MarkerError::WrongNetwork {
                expected: network,
                found: self.content.network,
            });
        }
        Ok(&self.content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> EraSigningKey {
        EraSigningKey::from_bytes(&[7u8; 32])
    }

    fn content(sequence: u64) -> MarkersContent {
        MarkersContent::new(
            NetworkMagic::PREPROD,
            sequence,
            vec![
                EraMarker::announced(EraName::new("euclid").unwrap()),
                EraMarker::scheduled(EraName::new("lagrange").unwrap(), Epoch(512)),
                EraMarker::scheduled(EraName::new("pythagoras").unwrap(), Epoch(0)),
            ],
        )
        .unwrap()
    }

    #[test]
    fn canonical_bytes_are_pinned() {
        // format, network 1, sequence 3, 3 markers: pythagoras@0, lagrange@512, euclid announced.
        let expected = concat!(
            "01",
            "00000001",
            "0000000000000003",
            "03",
            "0a",
            "7079746861676f726173",
            "01",
            "0000000000000000",
            "08",
            "6c616772616e6765",
            "01",
            "0000000000000200",
            "06",
            "6575636c6964",
            "00",
        );
        assert_eq!(hex::encode(content(3).canonical_bytes()), expected);
    }

    #[test]
    fn text_form_round_trips_and_verifies() {
        let signed = SignedMarkers::sign(content(3), &key());
        let text = signed.to_text();
        let read = SignedMarkers::from_text(&format!("  {text}\n")).unwrap();
        assert_eq!(read, signed);
        let verified = read
            .verify(&key().verification_key(), NetworkMagic::PREPROD)
            .unwrap();
        assert_eq!(verified.sequence(), 3);
        assert_eq!(verified.markers().len(), 3);
    }

    #[test]
    fn wrong_key_wrong_network_and_tampering_are_rejected() {
        let signed = SignedMarkers::sign(content(3), &key());
        let other = EraSigningKey::from_bytes(&[8u8; 32]).verification_key();
        assert_eq!(
            signed.verify(&other, NetworkMagic::PREPROD),
            Err(MarkerError::BadSignature)
        );
        assert_eq!(
            signed.verify(&key().verification_key(), NetworkMagic::MAINNET),
            Err(MarkerError::WrongNetwork {
                expected: NetworkMagic::MAINNET,
                found: NetworkMagic::PREPROD
            })
        );
        // Move lagrange from epoch 512 to 513 in the bytes.
        let mut bytes = signed.to_bytes();
        let position = bytes
            .windows(8)
            .position(|window| window == 512u64.to_be_bytes())
            .unwrap();
        bytes[position + 7] = 1;
        let tampered = SignedMarkers::from_bytes(&bytes).unwrap();
        assert_eq!(
            tampered.verify(&key().verification_key(), NetworkMagic::PREPROD),
            Err(MarkerError::BadSignature)
        );
    }

    #[test]
    fn malformed_payloads_are_typed_errors() {
        let bytes = SignedMarkers::sign(content(3), &key()).to_bytes();
        for cut in 0..bytes.len() {
            assert!(
                matches!(
                    SignedMarkers::from_bytes(&bytes[..cut]),
                    Err(MarkerError::Malformed(_))
                ),
                "cut at {cut}"
            );
        }
        assert!(SignedMarkers::from_text("zz").is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(SignedMarkers::from_bytes(&extra).is_err());
        let mut format = bytes;
        format[0] = 2;
        assert_eq!(
            SignedMarkers::from_bytes(&format),
            Err(MarkerError::Malformed("unknown payload format"))
        );
    }

    #[test]
    fn non_canonical_order_is_rejected() {
        let content = content(1);
        let mut bytes = content.canonical_bytes();
        // Swap the first two markers by re-encoding them in the wrong order.
        let reordered = MarkersContent {
            markers: vec![
                content.markers[1].clone(),
                content.markers[0].clone(),
                content.markers[2].clone(),
            ],
            ..content
        };
        bytes.clear();
        bytes.extend_from_slice(&reordered.canonical_bytes());
        bytes.extend_from_slice(&[0u8; 64]);
        assert_eq!(
            SignedMarkers::from_bytes(&bytes),
            Err(MarkerError::Malformed("markers are not in canonical order"))
        );
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let key = key();
        let again = EraSigningKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(again.verification_key(), key.verification_key());
        let verification = key.verification_key();
        assert_eq!(
            EraVerificationKey::from_hex(&verification.to_hex()).unwrap(),
            verification
        );
        assert!(EraVerificationKey::from_hex("00").is_err());
        assert!(format!("{key:?}").contains("<secret>"));
        assert!(EraSigningKey::generate().is_ok());
    }
}
