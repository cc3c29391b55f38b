//! Bodies in the negotiated format and the limits on reading them; the error answers
//! (`HttpError`, feature `http`).

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use super::error::{HttpError, round_not_open};

use std::time::Duration;

use http::HeaderMap;

use super::media::Format;
use crate::WireError;
use crate::wire::json::{self, JsonHeaders};
use crate::wire::{DowngradePolicy, HubMessage, MessageKind};

/// Largest request body Mithril's aggregator accepts (bytes): 256 KiB.
pub const MAX_BODY_BYTES: usize = json::http::MAX_BODY_BYTES;

/// The bounds the HTTP routes put on what one request can make them do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpLimits {
    /// Largest request body read (bytes); a larger one gets 413 ([`MAX_BODY_BYTES`], as Mithril).
    pub max_body_bytes: usize,
    /// Longest wait for a request's whole body; a client that does not finish it in time gets
    /// 408 and its connection is closed.
    pub body_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: MAX_BODY_BYTES,
            body_timeout: Duration::from_secs(30),
        }
    }
}

impl HttpLimits {
    /// The same limits with another body timeout.
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The same limits with another largest body.
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
}

/// Decodes a request body of `kind` in `format`. A JSON registration takes its node info from
/// `json_headers` (the `signer-node-version` header).
pub fn decode_body(
    format: Format,
    kind: MessageKind,
    body: &[u8],
    json_headers: &JsonHeaders,
) -> Result<HubMessage, WireError> {
    match format {
        Format::Json => json::decode_message(kind, body, json_headers),
        Format::Protobuf(version) => crate::wire::decode(version, kind, body),
    }
}

/// A body encoded for an answer or a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedBody {
    /// Its `Content-Type`.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The headers that travel with a JSON body (`signer-node-version`).
    pub json_headers: Option<JsonHeaders>,
}

/// Encodes `message` in `format`, failing on any part the format cannot carry.
pub fn encode_body(format: Format, message: &HubMessage) -> Result<EncodedBody, WireError> {
    encode_body_with(format, message, DowngradePolicy::Strict).map(|(body, _)| body)
}

/// Encodes `message` in `format` under a downgrade policy; also returns what was dropped.
pub fn encode_body_with(
    format: Format,
    message: &HubMessage,
    policy: DowngradePolicy,
) -> Result<(EncodedBody, Vec<crate::error::FieldPath>), WireError> {
    let content_type = format.content_type(message.kind());
    Ok(match format {
        Format::Json => {
            let encoded = json::encode_message(message, policy)?;
            (
                EncodedBody {
                    content_type,
                    bytes: encoded.body,
                    json_headers: Some(encoded.headers),
                },
                encoded.dropped,
            )
        }
        Format::Protobuf(version) => {
            let encoded = crate::wire::encode_with_policy(version, message, policy)?;
            (
                EncodedBody {
                    content_type,
                    bytes: encoded.bytes,
                    json_headers: None,
                },
                encoded.dropped,
            )
        }
    })
}

/// The `signer-node-version` of a request as the JSON wire reads it (absent when it is not a
/// valid software version).
pub fn json_headers(headers: &HeaderMap) -> JsonHeaders {
    let value = headers
        .get(json::http::SIGNER_NODE_VERSION)
        .and_then(|value| value.to_str().ok());
    JsonHeaders::from_signer_node_version(value).unwrap_or_default()
}
