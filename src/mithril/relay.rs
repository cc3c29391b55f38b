//! The gossip payload of `mithril-relay`, read without losing a byte.
//!
//! `mithril-relay` (IntersectMBO/mithril, `mithril-relay/src/p2p/peer.rs`) publishes on libp2p
//! gossipsub topics ([`TOPIC_SIGNERS_HTTP`], [`TOPIC_SIGNATURES_HTTP`],
//! [`TOPIC_SIGNATURES_DMQ`], `mithril-relay/src/lib.rs`) the ASCII hex of the compact JSON of an
//! externally tagged `BroadcastMessage`: `{"RegisterSignerHttp": <register-signer body>}`,
//! `{"RegisterSignatureHttp": <register-signatures body>}` or `{"RegisterSignatureDmq": [<bytes of
//! the CBOR DMQ message>]}` (serde bytes, so a JSON array of numbers).
//!
//! Today's relay re-encodes what it forwards, so members it does not know are lost, and a
//! variant it does not know fails to decode. [`GossipPayload`] keeps the bytes it received for
//! forwarding, reads the known variants into the JSON body types of [`crate::wire::json`]
//! (which keep unknown members), and keeps an unknown variant as its name and JSON value.

use serde_json::Value;

use crate::wire::json::tree::Strict;
use crate::wire::json::{RegisterSignatureMessage, RegisterSignerMessage};

/// The topic of signer registrations sent over HTTP.
pub const TOPIC_SIGNERS_HTTP: &str = "mithril/signers/http";
/// The topic of signatures sent over HTTP.
pub const TOPIC_SIGNATURES_HTTP: &str = "mithril/signatures/http";
/// The topic of signatures sent over DMQ.
pub const TOPIC_SIGNATURES_DMQ: &str = "mithril/signatures/dmq";
/// Largest payload read (bytes of hex): a registration's JSON is a few KiB.
pub const MAX_PAYLOAD_BYTES: usize = 512 * 1024;

/// What a gossip payload carries.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BroadcastMessage {
    /// A signer registration, as POSTed to `/register-signer`.
    RegisterSignerHttp(Box<RegisterSignerMessage>),
    /// A single signature, as POSTed to `/register-signatures`.
    RegisterSignatureHttp(Box<RegisterSignatureMessage>),
    /// A DMQ message: the bytes of its CBOR.
    RegisterSignatureDmq(Vec<u8>),
    /// A variant this build does not know, kept as it came.
    Unknown {
        /// The variant's name.
        variant: String,
        /// Its value.
        value: Value,
    },
}

impl BroadcastMessage {
    /// The variant's name, as the payload's JSON tags it.
    pub fn variant(&self) -> &str {
        match self {
            Self::RegisterSignerHttp(_) => "RegisterSignerHttp",
            Self::RegisterSignatureHttp(_) => "RegisterSignatureHttp",
            Self::RegisterSignatureDmq(_) => "RegisterSignatureDmq",
            Self::Unknown { variant, .. } => variant,
        }
    }

    /// The topic `mithril-relay` publishes the variant on, when it is known.
    pub fn topic(&self) -> Option<&'static str> {
        match self {
            Self::RegisterSignerHttp(_) => Some(TOPIC_SIGNERS_HTTP),
            Self::RegisterSignatureHttp(_) => Some(TOPIC_SIGNATURES_HTTP),
            Self::RegisterSignatureDmq(_) => Some(TOPIC_SIGNATURES_DMQ),
            Self::Unknown { .. } => None,
        }
    }

    /// The payload `mithril-relay` publishes: the hex of the compact JSON, members in the order
    /// the message types declare them (an unknown variant's value in the order its JSON value
    /// keeps; [`GossipPayload::bytes`] is what a relay forwards).
    pub fn to_payload(&self) -> Vec<u8> {
        let value = match self {
            Self::RegisterSignerHttp(message) => serde_json::to_string(message),
            Self::RegisterSignatureHttp(message) => serde_json::to_string(message),
            Self::RegisterSignatureDmq(bytes) => serde_json::to_string(bytes),
            Self::Unknown { value, .. } => serde_json::to_string(value),
        }
        .expect("bodies serialize");
        let variant = serde_json::to_string(self.variant()).expect("names serialize");
        hex::encode(format!("{{{variant}:{value}}}")).into_bytes()
    }
}

/// Why a gossip payload could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The payload is larger than [`MAX_PAYLOAD_BYTES`].
    #[error("a gossip payload of {0} bytes exceeds {MAX_PAYLOAD_BYTES}")]
    TooLarge(usize),
    /// Not hex, not JSON, or not one externally tagged variant.
    #[error("malformed gossip payload: {0}")]
    Malformed(String),
    /// A known variant whose value is not what it should be.
    #[error("gossip payload {variant}: {reason}")]
    InvalidVariant {
        /// The variant.
        variant: &'static str,
        /// What is wrong, with the JSON path.
        reason: String,
    },
}

/// A gossip payload as received: its bytes, to forward untouched, and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct GossipPayload {
    bytes: Vec<u8>,
    message: BroadcastMessage,
}

fn variant_value<T: serde::de::DeserializeOwned>(
    variant: &'static str,
    value: Value,
) -> Result<T, RelayError> {
    serde_path_to_error::deserialize(value).map_err(|error| RelayError::InvalidVariant {
        variant,
        reason: error.to_string(),
    })
}

impl GossipPayload {
    /// Reads a payload.
    pub fn decode(bytes: &[u8]) -> Result<Self, RelayError> {
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(RelayError::TooLarge(bytes.len()));
        }
        let json = hex::decode(bytes)
            .map_err(|error| RelayError::Malformed(format!("not ASCII hex: {error}")))?;
        // A repeated key is refused, as today's nodes refuse a repeated field: one reading only.
        let Strict(value) = serde_json::from_slice(&json)
            .map_err(|error| RelayError::Malformed(format!("not JSON: {error}")))?;
        let Value::Object(object) = value else {
            return Err(RelayError::Malformed("not a JSON object".into()));
        };
        if object.len() != 1 {
            return Err(RelayError::Malformed(format!(
                "{} members where one tagged variant was expected",
                object.len()
            )));
        }
        let (variant, value) = object.into_iter().next().expect("one member");
        let message = match variant.as_str() {
            "RegisterSignerHttp" => BroadcastMessage::RegisterSignerHttp(Box::new(variant_value(
                "RegisterSignerHttp",
                value,
            )?)),
            "RegisterSignatureHttp" => BroadcastMessage::RegisterSignatureHttp(Box::new(
                variant_value("RegisterSignatureHttp", value)?,
            )),
            "RegisterSignatureDmq" => BroadcastMessage::RegisterSignatureDmq(variant_value(
                "RegisterSignatureDmq",
                value,
            )?),
            _ => BroadcastMessage::Unknown { variant, value },
        };
        Ok(Self {
            bytes: bytes.to_vec(),
            message,
        })
    }

    /// The bytes received: what a relay forwards.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What the payload says.
    pub fn message(&self) -> &BroadcastMessage {
        &self.message
    }

    /// The message, and the bytes it came in.
    pub fn into_parts(self) -> (Vec<u8>, BroadcastMessage) {
        (self.bytes, self.message)
    }
}
