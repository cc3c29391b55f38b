//! The JSON wire: the bodies of the JSON API that Mithril signers and aggregators speak today.
//!
//! | route | body | hub |
//! |---|---|---|
//! | `POST /register-signer` | [`RegisterSignerMessage`] (+ the `signer-node-version` header) | [`SignerRegistration`] |
//! | `POST /register-signatures` | [`RegisterSignatureMessage`] | [`SingleSignature`] |
//! | `GET /epoch-settings` | [`EpochSettingsMessage`] | [`EpochSettings`] |
//! | `GET /` | [`AggregatorFeaturesMessage`] | [`AggregatorFeatures`] |
//! | `GET /protocol-configuration/{epoch}` | [`ProtocolConfigurationMessage`] | [`ProtocolConfiguration`] |
//! | `GET /status` | [`AggregatorStatusMessage`] | [`AggregatorStatus`] |
//!
//! The conversions of the last three are tabled in `convert_aggregator`; today's HTTP semantics
//! (headers, status codes, the API version) are in [`http`].
//!
//! ```
//! use mithril_compat::domain::SingleSignature;
//! use mithril_compat::samples;
//! use mithril_compat::wire::{json, v1};
//!
//! let signature = samples::single_signature();
//! let encoded = json::encode(&signature)?;                  // hub -> JSON body
//! let decoded: SingleSignature = json::decode(&encoded.body, &json::JsonHeaders::default())?;
//! assert_eq!(decoded, signature);
//! let bytes = v1::encode(&decoded)?;                        // -> mithril.signer.v1
//! # Ok::<(), mithril_compat::WireError>(())
//! ```
//!
//! # Two layers
//! - The body types of [`message`] hold what the JSON carries in its own terms (hex strings,
//!   plain numbers), member for member, and keep the members they do not declare. Reading a body
//!   into them ([`parse`]) and writing it back keeps every member today's nodes would accept,
//!   including unknown ones.
//! - [`JsonSpoke`] converts a body into the hub and back: hex becomes bytes, and the hub's
//!   invariants are checked. [`decode`] and [`encode`] do both steps.
//!
//! # What each conversion does
//!
//! | JSON | hub | notes |
//! |---|---|---|
//! | hex strings (`verification_key`, `signature`, …) | raw bytes | whatever bytes the hex decodes to (today the UTF-8 of the key's JSON text); either case is read, lowercase is written |
//! | `kes_period` | `kes_evolutions` | same value, historical name |
//! | `indexes` | `won_indexes` | |
//! | `entity_type` | [`SignedEntityType`] | externally tagged; see below |
//! | header `signer-node-version` | `SignerRegistration::node_info` | see below |
//! | — | `SingleSignature::snark_signature` | not carried (today a SNARK signature travels inside the hex of `signature`): an error, or dropped and reported under [`DowngradePolicy::Lossy`] |
//! | `shadow_signature` (a member of this library; today's nodes ignore it): `era`, `signature` (hex), `indexes`, `signed_message` | `SingleSignature::shadow_signature` | written when the signature carries one; read whenever present |
//! | — | `Signer::stake` | today's epoch settings publish no stake: read as `None`; a stake is an error, or dropped and reported |
//! | `node_info`, `node_info_signature` (members of this library; today's nodes ignore them) | `SignerRegistration::node_info`, `SignerRegistration::node_info_signature` | written when the registration carries a node info signature: a signed declaration travels whole; read whenever present (then the header's version is not used) |
//! | — | the eras, wire versions, distribution, database and protocol versions of an unsigned `NodeInfo` | not carried: an error when declared, or dropped and reported |
//! | optional members (`verification_key_signature`, `operational_certificate`, `kes_period`, the SNARK keys, `signer_registration_protocol`, `cardano_transactions_signing_config`) | `Option` | absent or `null` is `None`; `None` is written absent |
//! | members this build does not declare | — | kept by the body types; not carried into the hub (listed by [`JsonMessage::unknown_fields`]) |
//!
//! ## Node info and the `signer-node-version` header
//! Today's registration body carries no node info: the signer sends its software version in the
//! `signer-node-version` HTTP header, and declares no eras and no wire versions. Decoding a
//! registration therefore takes the headers as an explicit input ([`JsonHeaders`]): the node
//! info of the hub value has the header's version, or [`UNKNOWN_SOFTWARE_VERSION`] when the
//! header is absent, and no eras and no wire versions. Encoding returns the headers to send
//! beside the body ([`JsonEncoded::headers`]): the software version, except
//! [`UNKNOWN_SOFTWARE_VERSION`], which is sent as no header. An unsigned declaration of eras,
//! wire versions or the other versions has no representation in today's JSON: under
//! [`DowngradePolicy::Strict`] (the default) encoding fails with
//! `signer_registration.node_info.supported_eras has no representation in json`; under
//! [`DowngradePolicy::Lossy`] they are dropped and reported.
//!
//! A declaration the pool signed (`SignerRegistration::node_info_signature`) travels whole: the
//! body gains a `node_info` member (the declaration) and a `node_info_signature` member (hex),
//! which today's aggregators ignore (`mithril-common`'s `RegisterSignerMessage` does not refuse
//! unknown members), and the header still carries the software version for them. When a body
//! has a `node_info` member, it is the declaration read, not the header.
//!
//! ## Signed entity types
//! Today's nodes read `entity_type` in three ways: a known type, the discontinued
//! `{"CardanoImmutableFilesFull": …}`, and anything else well-formed as unknown (never an
//! error). This wire reads:
//! - the known types into their hub variants, ignoring extra members of a beacon (older nodes
//!   sent a `network` member, which the body type keeps);
//! - `{"CardanoImmutableFilesFull": <beacon>}` into
//!   [`SignedEntityType::CardanoImmutableFilesFull`], which writes back the same way (and which
//!   `mithril.signer.v1` carries);
//! - anything else, including a discontinued type whose payload is not a beacon and a known name
//!   with a payload of another shape, into [`SignedEntityType::Unknown`] of JSON origin
//!   ([`UnknownVariant::from_json`](crate::domain::UnknownVariant::from_json)), which writes back
//!   the same JSON value.
//!
//! An unknown variant of JSON origin has no representation in a protobuf wire version, and one
//! of protobuf origin has none in JSON: both are errors under either policy, because a signature
//! cannot lose what it is about.
//!
//! ## Bad input
//! A body that is not one JSON document gets [`WireError::MalformedJson`] (with the line and
//! column); repeated object keys are refused there too. A body over the size limit gets
//! [`WireError::TooLarge`]. A missing member, a value of the wrong JSON type, bad hex or a value
//! that breaks an invariant of the hub gets [`WireError::Invalid`], whose path names the JSON
//! members from the message's root: `register_signature.indexes[2]: 4 follows 9 (must be
//! strictly increasing)`. Numbers are read as today's nodes read them: `12.0`, `-1` and numbers
//! beyond 64 bits are not unsigned integers.
//!
//! ## Round trips
//! A body written by today's nodes (lowercase hex, optional members absent rather than `null`)
//! converted into the hub, into any protobuf wire version that can carry it, back, and into JSON
//! again is the same JSON value. Members this build does not declare are kept only by the body
//! types.
//!
//! [`DowngradePolicy::Lossy`]: crate::wire::DowngradePolicy::Lossy
//! [`DowngradePolicy::Strict`]: crate::wire::DowngradePolicy::Strict
//! [`SignedEntityType`]: crate::domain::SignedEntityType
//! [`SignedEntityType::CardanoImmutableFilesFull`]: crate::domain::SignedEntityType::CardanoImmutableFilesFull
//! [`SignedEntityType::Unknown`]: crate::domain::SignedEntityType::Unknown
//! [`SignerRegistration`]: crate::domain::SignerRegistration
//! [`SingleSignature`]: crate::domain::SingleSignature
//! [`EpochSettings`]: crate::domain::EpochSettings

use serde_json::Value;

use crate::WireError;
use crate::domain::{
    AggregatorFeatures, AggregatorStatus, EpochSettings, NodeInfo, ProtocolConfiguration,
    SignerRegistration, SingleSignature, SoftwareVersion,
};
use crate::error::{FieldPath, ValidationError, WithinField};
use crate::wire::{DEFAULT_MAX_MESSAGE_BYTES, Downgrade, DowngradePolicy, HubMessage, MessageKind};

pub mod aggregator;
mod convert;
mod convert_aggregator;
pub mod http;
pub mod message;
pub(crate) mod tree;

pub use aggregator::{
    AggregatorCapabilitiesMessage, AggregatorFeaturesMessage, AggregatorStatusMessage,
    CardanoTransactionsProverMessage, ProtocolConfigurationMessage,
};
pub use convert::JsonSpoke;
pub use message::{
    CardanoDbBeaconMessage, CardanoTransactionsSigningConfigMessage, EpochSettingsMessage,
    JsonMessage, NodeInfoMessage, ProtocolParametersMessage, RegisterSignatureMessage,
    RegisterSignerMessage, ShadowSignatureMessage, SignedEntityTypeMessage, SignerMessage,
    UnknownFields,
};

/// The name of the wire in errors (`… has no representation in json`).
pub const NAME: &str = "json";

/// The HTTP header in which a signer sends its software version.
pub const SIGNER_NODE_VERSION_HEADER: &str = "signer-node-version";

/// The software version of a registration received without a `signer-node-version` header.
pub const UNKNOWN_SOFTWARE_VERSION: &str = "unknown";

mod private {
    pub trait Sealed {}
}

/// The HTTP headers of today's JSON API that carry part of a hub value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonHeaders {
    /// The `signer-node-version` header: the software version of the signer. Only registrations
    /// use it.
    pub signer_node_version: Option<SoftwareVersion>,
}

impl JsonHeaders {
    /// The headers of a request that carried a `signer-node-version` header with this value
    /// (`None`: no such header). A value that is not a valid software version (visible ASCII,
    /// 1 to 64 bytes) is an error at the path `signer-node-version`.
    pub fn from_signer_node_version(value: Option<&str>) -> Result<Self, ValidationError> {
        let signer_node_version = value
            .map(SoftwareVersion::new)
            .transpose()
            .within(SIGNER_NODE_VERSION_HEADER)?;
        Ok(Self {
            signer_node_version,
        })
    }

    /// The headers that carry what JSON can of a node's declaration: its software version,
    /// unless it is [`UNKNOWN_SOFTWARE_VERSION`].
    pub fn for_node_info(node_info: &NodeInfo) -> Self {
        let version = node_info.software_version();
        Self {
            signer_node_version: (version.as_str() != UNKNOWN_SOFTWARE_VERSION)
                .then(|| version.clone()),
        }
    }

    /// The node info of a registration that came with these headers: the header's software
    /// version or [`UNKNOWN_SOFTWARE_VERSION`], no eras, no wire versions.
    pub fn node_info(&self) -> NodeInfo {
        let version = self.signer_node_version.clone().unwrap_or_else(|| {
            SoftwareVersion::new(UNKNOWN_SOFTWARE_VERSION).expect("a valid software version")
        });
        NodeInfo::new(version, Vec::new(), Vec::new()).expect("empty lists are within bounds")
    }

    /// The headers to send, as `(name, value)` pairs.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        self.signer_node_version
            .iter()
            .map(|version| (SIGNER_NODE_VERSION_HEADER, version.as_str()))
            .collect()
    }
}

/// A hub value converted into a body type, with the headers to send and what was dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonConverted<M> {
    /// The body.
    pub message: M,
    /// The HTTP headers that carry the rest.
    pub headers: JsonHeaders,
    /// The parts of the hub value JSON could not carry, by path (always empty under
    /// [`DowngradePolicy::Strict`]).
    pub dropped: Vec<FieldPath>,
}

/// An encoded JSON body, the headers to send with it, and what the conversion dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonEncoded {
    /// The body: compact JSON, members in the order today's nodes write them.
    pub body: Vec<u8>,
    /// The HTTP headers that carry the rest (the `signer-node-version` of a registration).
    pub headers: JsonHeaders,
    /// The parts of the hub value JSON could not carry, by path (always empty under
    /// [`DowngradePolicy::Strict`]).
    pub dropped: Vec<FieldPath>,
}

/// Reads a body into its body type, within [`DEFAULT_MAX_MESSAGE_BYTES`]. Only the JSON shape
/// is checked; unknown members are kept.
pub fn parse<M: JsonMessage>(body: &[u8]) -> Result<M, WireError> {
    parse_with_limit(body, DEFAULT_MAX_MESSAGE_BYTES)
}

/// Reads a body into its body type, with a size limit (bytes).
pub fn parse_with_limit<M: JsonMessage>(body: &[u8], max_bytes: usize) -> Result<M, WireError> {
    if body.len() > max_bytes {
        return Err(WireError::TooLarge {
            message: M::ROOT,
            size: body.len(),
            limit: max_bytes,
        });
    }
    let tree::Strict(value) =
        serde_json::from_slice(body).map_err(|source| WireError::MalformedJson {
            message: M::ROOT,
            source,
        })?;
    M::from_value(value)
}

/// Converts a body, with the headers that came with it, into the hub. Error paths start at the
/// body's root (`register_signer.verification_key`).
pub fn from_message<T: JsonSpoke>(
    message: &T::Message,
    headers: &JsonHeaders,
) -> Result<T, WireError> {
    T::to_hub(message, headers).within(<T::Message as JsonMessage>::ROOT)
}

/// Decodes a body, with the headers that came with it, into the hub, within
/// [`DEFAULT_MAX_MESSAGE_BYTES`].
pub fn decode<T: JsonSpoke>(body: &[u8], headers: &JsonHeaders) -> Result<T, WireError> {
    decode_with_limit(body, headers, DEFAULT_MAX_MESSAGE_BYTES)
}

/// Decodes a body into the hub, with a size limit (bytes).
pub fn decode_with_limit<T: JsonSpoke>(
    body: &[u8],
    headers: &JsonHeaders,
    max_bytes: usize,
) -> Result<T, WireError> {
    let message = parse_with_limit::<T::Message>(body, max_bytes)?;
    from_message(&message, headers)
}

/// Converts a hub value into its body type under a downgrade policy. Paths (errors and dropped
/// parts) start at the hub value's root (`single_signature.snark_signature`).
pub fn to_message<T: JsonSpoke>(
    value: &T,
    policy: DowngradePolicy,
) -> Result<JsonConverted<T::Message>, WireError> {
    let root = T::KIND.field_name();
    let mut downgrade = Downgrade {
        policy,
        package: NAME,
        dropped: Vec::new(),
    };
    let (message, headers) = T::from_hub(value, &mut downgrade).within(root)?;
    Ok(JsonConverted {
        message,
        headers,
        dropped: downgrade
            .dropped
            .iter()
            .map(|path| FieldPath::field(root).join(path))
            .collect(),
    })
}

/// Encodes a hub value as a body under a downgrade policy.
pub fn encode_with<T: JsonSpoke>(
    value: &T,
    policy: DowngradePolicy,
) -> Result<JsonEncoded, WireError> {
    let JsonConverted {
        message,
        headers,
        dropped,
    } = to_message(value, policy)?;
    Ok(JsonEncoded {
        body: to_body(&message),
        headers,
        dropped,
    })
}

/// Encodes a hub value as a body; a part JSON cannot carry is an error.
pub fn encode<T: JsonSpoke>(value: &T) -> Result<JsonEncoded, WireError> {
    encode_with(value, DowngradePolicy::Strict)
}

/// Encodes a hub value as a body, dropping the parts JSON cannot carry and saying which.
pub fn encode_lossy<T: JsonSpoke>(value: &T) -> Result<JsonEncoded, WireError> {
    encode_with(value, DowngradePolicy::Lossy)
}

/// Compact JSON of a body type.
pub fn to_body<M: JsonMessage>(message: &M) -> Vec<u8> {
    serde_json::to_vec(message).expect("body types serialize to JSON")
}

/// The JSON value of a body type.
pub fn to_value<M: JsonMessage>(message: &M) -> Value {
    serde_json::to_value(message).expect("body types serialize to JSON")
}

/// Decodes a body whose kind is known only at run time.
pub fn decode_message(
    kind: MessageKind,
    body: &[u8],
    headers: &JsonHeaders,
) -> Result<HubMessage, WireError> {
    Ok(match kind {
        MessageKind::SignerRegistration => {
            HubMessage::SignerRegistration(decode::<SignerRegistration>(body, headers)?)
        }
        MessageKind::SingleSignature => {
            HubMessage::SingleSignature(decode::<SingleSignature>(body, headers)?)
        }
        MessageKind::EpochSettings => {
            HubMessage::EpochSettings(decode::<EpochSettings>(body, headers)?)
        }
        MessageKind::AggregatorFeatures => {
            HubMessage::AggregatorFeatures(decode::<AggregatorFeatures>(body, headers)?)
        }
        MessageKind::ProtocolConfiguration => {
            HubMessage::ProtocolConfiguration(decode::<ProtocolConfiguration>(body, headers)?)
        }
        MessageKind::AggregatorStatus => {
            HubMessage::AggregatorStatus(decode::<AggregatorStatus>(body, headers)?)
        }
    })
}

/// Encodes a message whose kind is known only at run time, under a downgrade policy.
pub fn encode_message(
    message: &HubMessage,
    policy: DowngradePolicy,
) -> Result<JsonEncoded, WireError> {
    match message {
        HubMessage::SignerRegistration(value) => encode_with(value, policy),
        HubMessage::SingleSignature(value) => encode_with(value, policy),
        HubMessage::EpochSettings(value) => encode_with(value, policy),
        HubMessage::AggregatorFeatures(value) => encode_with(value, policy),
        HubMessage::ProtocolConfiguration(value) => encode_with(value, policy),
        HubMessage::AggregatorStatus(value) => encode_with(value, policy),
    }
}

/// Reads a signed entity type as today's JSON writes it (externally tagged, as in
/// `entity_type`) into the hub.
pub fn signed_entity_type_from_json(
    value: &Value,
) -> Result<crate::domain::SignedEntityType, WireError> {
    let message: SignedEntityTypeMessage =
        serde_json::from_value(value.clone()).map_err(|source| WireError::MalformedJson {
            message: "signed_entity_type",
            source,
        })?;
    convert::signed_entity_to_hub(&message).map_err(WireError::Invalid)
}

/// The members of a body of `kind` that this build does not declare, by path
/// (`register_signer.new_member`): what a conversion into a protobuf wire version cannot carry.
pub fn unknown_members(kind: MessageKind, body: &[u8]) -> Result<Vec<String>, WireError> {
    Ok(match kind {
        MessageKind::SignerRegistration => parse::<RegisterSignerMessage>(body)?.unknown_fields(),
        MessageKind::SingleSignature => parse::<RegisterSignatureMessage>(body)?.unknown_fields(),
        MessageKind::EpochSettings => parse::<EpochSettingsMessage>(body)?.unknown_fields(),
        MessageKind::AggregatorFeatures => {
            parse::<AggregatorFeaturesMessage>(body)?.unknown_fields()
        }
        MessageKind::ProtocolConfiguration => {
            parse::<ProtocolConfigurationMessage>(body)?.unknown_fields()
        }
        MessageKind::AggregatorStatus => parse::<AggregatorStatusMessage>(body)?.unknown_fields(),
    })
}

/// The root name of a message kind's body in error paths (`register_signature`).
pub const fn root_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::SignerRegistration => RegisterSignerMessage::ROOT,
        MessageKind::SingleSignature => RegisterSignatureMessage::ROOT,
        MessageKind::EpochSettings => EpochSettingsMessage::ROOT,
        MessageKind::AggregatorFeatures => AggregatorFeaturesMessage::ROOT,
        MessageKind::ProtocolConfiguration => ProtocolConfigurationMessage::ROOT,
        MessageKind::AggregatorStatus => AggregatorStatusMessage::ROOT,
    }
}
