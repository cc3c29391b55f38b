//! The envelope of the decentralized paths (`mithril.envelope.v1`, frozen forever): what a relay
//! or a node needs to know whether it can read a message, around the message's own bytes.
//!
//! A relay reads the envelope, never the payload, and forwards the bytes it received
//! ([`ReceivedEnvelope::bytes`]), whatever wire version or kind they name: a relay built to
//! understand only v1 forwards a v2 envelope byte for byte. A node opens the envelopes it can
//! read ([`ReceivedEnvelope::open`]) and learns why it cannot read the others
//! ([`EnvelopeError`]). The signed node info statement travels beside the payload, so that
//! readiness can be counted without decoding it.

use bytes::Bytes;
use prost::Message as _;

use super::{HubMessage, MessageKind, WireVersion};
use crate::WireError;
use crate::domain::{Epoch, NetworkMagic, WireVersionId};

mod generated {
    #![allow(missing_docs, clippy::doc_lazy_continuation)]
    include!(concat!(env!("OUT_DIR"), "/mithril.envelope.v1.rs"));
}

/// The generated protobuf types of `mithril.envelope.v1`.
pub mod pb {
    pub use super::generated::{Envelope, MessageKind, PayloadEncoding};
}

/// The protobuf package.
pub const PACKAGE: &str = "mithril.envelope.v1";
/// Largest envelope read (bytes): a gossip message's limit.
pub const MAX_ENVELOPE_BYTES: usize = 1024 * 1024;

/// What the payload is, as the envelope names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnvelopeKind {
    /// A signer registration.
    SignerRegistration,
    /// A single signature.
    SingleSignature,
    /// Epoch settings.
    EpochSettings,
    /// A kind this build does not know, by its number.
    Unknown(i32),
}

impl EnvelopeKind {
    fn from_number(number: i32) -> Option<Self> {
        Some(match pb::MessageKind::try_from(number) {
            Ok(pb::MessageKind::Unspecified) => return None,
            Ok(pb::MessageKind::SignerRegistration) => Self::SignerRegistration,
            Ok(pb::MessageKind::SingleSignature) => Self::SingleSignature,
            Ok(pb::MessageKind::EpochSettings) => Self::EpochSettings,
            Err(_) => Self::Unknown(number),
        })
    }

    fn number(self) -> i32 {
        match self {
            Self::SignerRegistration => pb::MessageKind::SignerRegistration as i32,
            Self::SingleSignature => pb::MessageKind::SingleSignature as i32,
            Self::EpochSettings => pb::MessageKind::EpochSettings as i32,
            Self::Unknown(number) => number,
        }
    }

    /// The hub's kind, for the kinds this build knows.
    pub fn message_kind(self) -> Option<MessageKind> {
        match self {
            Self::SignerRegistration => Some(MessageKind::SignerRegistration),
            Self::SingleSignature => Some(MessageKind::SingleSignature),
            Self::EpochSettings => Some(MessageKind::EpochSettings),
            Self::Unknown(_) => None,
        }
    }
}

/// How the payload is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PayloadEncoding {
    /// A protobuf message of the signer package named by the wire version.
    Protobuf,
    /// Today's JSON body.
    Json,
    /// A DMQ signature body.
    DmqBody,
    /// A whole DMQ message (its CBOR), as `mithril-relay` gossips it.
    DmqMessage,
    /// An encoding this build does not know, by its number.
    Unknown(i32),
}

impl PayloadEncoding {
    fn from_number(number: i32) -> Option<Self> {
        Some(match pb::PayloadEncoding::try_from(number) {
            Ok(pb::PayloadEncoding::Unspecified) => return None,
            Ok(pb::PayloadEncoding::Protobuf) => Self::Protobuf,
            Ok(pb::PayloadEncoding::Json) => Self::Json,
            Ok(pb::PayloadEncoding::DmqBody) => Self::DmqBody,
            Ok(pb::PayloadEncoding::DmqMessage) => Self::DmqMessage,
            Err(_) => Self::Unknown(number),
        })
    }

    fn number(self) -> i32 {
        match self {
            Self::Protobuf => pb::PayloadEncoding::Protobuf as i32,
            Self::Json => pb::PayloadEncoding::Json as i32,
            Self::DmqBody => pb::PayloadEncoding::DmqBody as i32,
            Self::DmqMessage => pb::PayloadEncoding::DmqMessage as i32,
            Self::Unknown(number) => number,
        }
    }
}

/// Why an envelope is refused, or why this node cannot open it (it still forwards those).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Larger than [`MAX_ENVELOPE_BYTES`]: refused, never forwarded.
    #[error("an envelope of {0} bytes exceeds {MAX_ENVELOPE_BYTES}")]
    TooLarge(usize),
    /// Not an envelope: refused, never forwarded.
    #[error("not an envelope: {0}")]
    Malformed(String),
    /// The kind or the encoding is not set: refused, never forwarded.
    #[error("the envelope does not say what it carries ({0} not set)")]
    Unspecified(&'static str),
    /// A kind this build does not know: forwarded, not opened.
    #[error("message kind {0} is unknown to this build")]
    UnknownKind(i32),
    /// An encoding this build does not know: forwarded, not opened.
    #[error("payload encoding {0} is unknown to this build")]
    UnknownEncoding(i32),
    /// A wire version this node does not read: forwarded, not opened.
    #[error("wire version {0} is not one this node reads")]
    UnknownWireVersion(u32),
    /// An encoding this function does not open (a DMQ body needs its sender's release).
    #[error("a {0:?} payload is opened by its own reader")]
    NotOpenedHere(PayloadEncoding),
    /// This kind of message does not travel in envelopes.
    #[error("{0:?} messages do not travel in envelopes")]
    NotEnveloped(MessageKind),
    /// The payload does not decode as what the envelope says.
    #[error("the payload: {0}")]
    Payload(#[from] WireError),
}

impl EnvelopeError {
    /// Whether a relay forwards an envelope refused with this error: yes when the envelope is
    /// sound and only this node cannot read it.
    pub fn forwardable(&self) -> bool {
        matches!(
            self,
            Self::UnknownKind(_)
                | Self::UnknownEncoding(_)
                | Self::UnknownWireVersion(_)
                | Self::NotOpenedHere(_)
                | Self::Payload(_)
        )
    }
}

/// An envelope's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The wire version of a protobuf payload (0 otherwise).
    pub wire_version: u32,
    /// What the payload is.
    pub kind: EnvelopeKind,
    /// How it is written.
    pub encoding: PayloadEncoding,
    /// The payload's bytes.
    pub payload: Bytes,
    /// The signer's node info statement and its KES signature, when the sender attached them.
    pub node_info: Option<(Bytes, Bytes)>,
    /// The network.
    pub network: NetworkMagic,
    /// The epoch the message belongs to.
    pub epoch: Epoch,
}

fn message_epoch(message: &HubMessage) -> Epoch {
    match message {
        HubMessage::SignerRegistration(registration) => registration.epoch,
        HubMessage::SingleSignature(signature) => {
            signature.signed_entity_type.epoch().unwrap_or_default()
        }
        HubMessage::EpochSettings(settings) => settings.epoch,
        _ => Epoch::default(),
    }
}

impl Envelope {
    /// Wraps a message written in a protobuf wire version, with the registration's node info
    /// statement when it is signed.
    pub fn wrap(
        message: &HubMessage,
        version: WireVersion,
        network: NetworkMagic,
    ) -> Result<Self, EnvelopeError> {
        let kind = match message.kind() {
            MessageKind::SignerRegistration => EnvelopeKind::SignerRegistration,
            MessageKind::SingleSignature => EnvelopeKind::SingleSignature,
            MessageKind::EpochSettings => EnvelopeKind::EpochSettings,
            other => return Err(EnvelopeError::NotEnveloped(other)),
        };
        let node_info = match message {
            HubMessage::SignerRegistration(registration) => {
                registration.node_info_signature.as_ref().map(|signature| {
                    (
                        Bytes::from(registration.node_info.signed_bytes(
                            network,
                            registration.epoch,
                            &registration.party_id,
                        )),
                        Bytes::copy_from_slice(signature.as_ref()),
                    )
                })
            }
            _ => None,
        };
        Ok(Self {
            wire_version: version.number(),
            kind,
            encoding: PayloadEncoding::Protobuf,
            payload: Bytes::from(super::encode(version, message)?),
            node_info,
            network,
            epoch: message_epoch(message),
        })
    }

    /// The envelope's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let (statement, signature) = self.node_info.clone().unwrap_or_default();
        pb::Envelope {
            wire_version: self.wire_version,
            kind: self.kind.number(),
            encoding: self.encoding.number(),
            payload: self.payload.clone(),
            node_info_statement: statement,
            node_info_signature: signature,
            network: self.network.0,
            epoch: self.epoch.0,
        }
        .encode_to_vec()
    }
}

/// An envelope as received: its bytes, to forward untouched, and its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedEnvelope {
    bytes: Bytes,
    envelope: Envelope,
}

impl ReceivedEnvelope {
    /// Reads an envelope (never its payload). Refused: oversized, malformed, or not saying
    /// what it carries; everything else is an envelope a relay forwards.
    pub fn decode(bytes: Bytes) -> Result<Self, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge(bytes.len()));
        }
        let raw = pb::Envelope::decode(bytes.clone())
            .map_err(|error| EnvelopeError::Malformed(error.to_string()))?;
        let kind = EnvelopeKind::from_number(raw.kind).ok_or(EnvelopeError::Unspecified("kind"))?;
        let encoding = PayloadEncoding::from_number(raw.encoding)
            .ok_or(EnvelopeError::Unspecified("encoding"))?;
        let node_info = (!raw.node_info_statement.is_empty()
            || !raw.node_info_signature.is_empty())
        .then_some((raw.node_info_statement, raw.node_info_signature));
        Ok(Self {
            bytes,
            envelope: Envelope {
                wire_version: raw.wire_version,
                kind,
                encoding,
                payload: raw.payload,
                node_info,
                network: NetworkMagic(raw.network),
                epoch: Epoch(raw.epoch),
            },
        })
    }

    /// The bytes received: what a relay forwards.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The content.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The wire version of a protobuf payload, when this node reads it among `reads`.
    pub fn readable_version(&self, reads: &[WireVersion]) -> Result<WireVersion, EnvelopeError> {
        let envelope = &self.envelope;
        if let EnvelopeKind::Unknown(number) = envelope.kind {
            return Err(EnvelopeError::UnknownKind(number));
        }
        match envelope.encoding {
            PayloadEncoding::Protobuf => {}
            PayloadEncoding::Unknown(number) => {
                return Err(EnvelopeError::UnknownEncoding(number));
            }
            other => return Err(EnvelopeError::NotOpenedHere(other)),
        }
        WireVersionId::new(envelope.wire_version)
            .ok()
            .and_then(WireVersion::from_id)
            .filter(|version| reads.contains(version))
            .ok_or(EnvelopeError::UnknownWireVersion(envelope.wire_version))
    }

    /// Opens a protobuf payload in one of the wire versions this node reads.
    pub fn open(&self, reads: &[WireVersion]) -> Result<HubMessage, EnvelopeError> {
        let version = self.readable_version(reads)?;
        let kind = self
            .envelope
            .kind
            .message_kind()
            .expect("unknown kinds are refused above");
        Ok(super::decode(version, kind, self.envelope.payload.clone())?)
    }
}
