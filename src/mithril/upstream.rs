//! Drop-in conversions with `mithril-common` 0.8's own types (feature `mithril-common`), so that a
//! node crate converts what it already has in one call.
//!
//! Each message converts through its JSON form, exactly as `mithril-common`'s serde writes and
//! reads it: the wire every deployed node already agrees on. So a conversion here gives the same
//! hub value as the JSON wire does for the same body, keeps nothing that body would not carry,
//! and refuses what the JSON wire refuses, with the same typed error.
//!
//! | `mithril-common` | hub | notes |
//! |---|---|---|
//! | `messages::RegisterSignerMessage` | [`SignerRegistration`] | the `signer-node-version` header is separate: [`registration_from_mithril`] |
//! | `messages::RegisterSignatureMessageHttp` | [`SingleSignature`] | |
//! | `messages::EpochSettingsMessage` | [`EpochSettings`] | |
//! | `messages::AggregatorFeaturesMessage` | [`AggregatorFeatures`] | toward upstream, a type or proof system it does not know is an error (its enums are closed) |
//! | `messages::ProtocolConfigurationMessage` | [`ProtocolConfiguration`] | |
//! | `messages::AggregatorStatusMessage` | [`AggregatorStatus`] | toward upstream, an era it does not know is an error |
//! | `entities::ProtocolMessage` | [`ProtocolMessage`] | typed part by part; a rigid message needs upstream's `snark` feature |
//! | `entities::ProtocolParameters` | [`ProtocolParameters`] | |
//!
//! What a conversion cannot give back is what upstream's own types do not hold: a
//! `mithril-common` built without its `snark` feature has no SNARK members in registrations and
//! signers (it drops them when it reads a body) and cannot read a SNARK aggregator's `GET /`. The
//! JSON wire keeps both; convert from the bodies themselves where that matters.

use mithril_common::entities as upstream_entities;
use mithril_common::messages as upstream;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::WireError;
use crate::domain::{
    AggregatorFeatures, AggregatorStatus, EpochSettings, HashScheme, PartKey,
    ProtocolConfiguration, ProtocolMessage, ProtocolParameters, SignerRegistration,
    SingleSignature,
};
use crate::wire::json::{self, JsonHeaders, JsonSpoke};

/// Why a value could not be converted to or from `mithril-common`'s types.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpstreamError {
    /// The value breaks an invariant of the hub, or the JSON wire refuses it.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// `mithril-common` refuses the value (an enum variant it does not know, …).
    #[error("mithril-common refuses the value: {0}")]
    Refused(String),
}

fn hub_from<M: Serialize, T: JsonSpoke>(
    message: &M,
    headers: &JsonHeaders,
) -> Result<T, UpstreamError> {
    let body = serde_json::to_vec(message).map_err(|e| UpstreamError::Refused(e.to_string()))?;
    Ok(json::decode(&body, headers)?)
}

fn upstream_from<T: JsonSpoke, M: DeserializeOwned>(value: &T) -> Result<M, UpstreamError> {
    let encoded = json::encode(value)?;
    serde_json::from_slice(&encoded.body).map_err(|e| UpstreamError::Refused(e.to_string()))
}

/// A registration from `mithril-common`'s message and the `signer-node-version` header that came
/// with it.
pub fn registration_from_mithril(
    message: &upstream::RegisterSignerMessage,
    signer_node_version: Option<&str>,
) -> Result<SignerRegistration, UpstreamError> {
    let headers =
        JsonHeaders::from_signer_node_version(signer_node_version).map_err(WireError::Invalid)?;
    hub_from(message, &headers)
}

macro_rules! conversions {
    ($($upstream:ty => $hub:ty),+ $(,)?) => {$(
        impl TryFrom<&$upstream> for $hub {
            type Error = UpstreamError;

            fn try_from(message: &$upstream) -> Result<Self, Self::Error> {
                hub_from(message, &JsonHeaders::default())
            }
        }

        impl TryFrom<&$hub> for $upstream {
            type Error = UpstreamError;

            fn try_from(value: &$hub) -> Result<Self, Self::Error> {
                upstream_from(value)
            }
        }
    )+};
}

conversions!(
    upstream::RegisterSignerMessage => SignerRegistration,
    upstream::RegisterSignatureMessageHttp => SingleSignature,
    upstream::EpochSettingsMessage => EpochSettings,
    upstream::AggregatorFeaturesMessage => AggregatorFeatures,
    upstream::ProtocolConfigurationMessage => ProtocolConfiguration,
    upstream::AggregatorStatusMessage => AggregatorStatus,
);

/// Upstream's part key of ours (every key this build knows exists upstream).
fn upstream_key(part: PartKey) -> upstream_entities::ProtocolMessagePartKey {
    use upstream_entities::ProtocolMessagePartKey as Key;
    match part {
        PartKey::SnapshotDigest => Key::SnapshotDigest,
        PartKey::CardanoTransactionsMerkleRoot => Key::CardanoTransactionsMerkleRoot,
        PartKey::CardanoBlocksTransactionsMerkleRoot => Key::CardanoBlocksTransactionsMerkleRoot,
        PartKey::NextAggregateVerificationKey => Key::NextAggregateVerificationKey,
        PartKey::NextProtocolParameters => Key::NextProtocolParameters,
        PartKey::CurrentEpoch => Key::CurrentEpoch,
        PartKey::LatestBlockNumber => Key::LatestBlockNumber,
        PartKey::CardanoBlocksTransactionsBlockNumberOffset => {
            Key::CardanoBlocksTransactionsBlockNumberOffset
        }
        PartKey::CardanoStakeDistributionEpoch => Key::CardanoStakeDistributionEpoch,
        PartKey::CardanoStakeDistributionMerkleRoot => Key::CardanoStakeDistributionMerkleRoot,
        PartKey::CardanoDatabaseMerkleRoot => Key::CardanoDatabaseMerkleRoot,
        PartKey::NextSnarkAggregateVerificationKey => Key::NextSnarkAggregateVerificationKey,
    }
}

impl From<&upstream_entities::ProtocolMessage> for ProtocolMessage {
    fn from(message: &upstream_entities::ProtocolMessage) -> Self {
        let scheme = serde_json::to_value(message.hash_scheme)
            .ok()
            .and_then(|value| value.as_str().map(HashScheme::from_name))
            .unwrap_or_default();
        let mut ours = ProtocolMessage::with_scheme(scheme);
        for (key, value) in &message.message_parts {
            ours.set_by_name(&key.to_string(), value.clone());
        }
        ours
    }
}

impl TryFrom<&ProtocolMessage> for upstream_entities::ProtocolMessage {
    type Error = UpstreamError;

    /// Refuses a message with parts this build does not know (upstream could not hold them
    /// either) or a hash scheme this build of `mithril-common` does not have (`rigid` needs its
    /// `snark` feature).
    fn try_from(message: &ProtocolMessage) -> Result<Self, Self::Error> {
        if let Some((name, _)) = message.unknown_parts().next() {
            return Err(UpstreamError::Refused(format!(
                "part {name:?} is not a ProtocolMessagePartKey"
            )));
        }
        let hash_scheme = serde_json::from_value(serde_json::Value::String(
            message.hash_scheme().name().to_owned(),
        ))
        .map_err(|e| UpstreamError::Refused(format!("hash scheme: {e}")))?;
        let mut upstream = upstream_entities::ProtocolMessage {
            hash_scheme,
            ..Default::default()
        };
        for (part, value) in message.parts() {
            upstream.set_message_part(upstream_key(part), value.to_owned());
        }
        Ok(upstream)
    }
}

impl TryFrom<&upstream_entities::ProtocolParameters> for ProtocolParameters {
    type Error = UpstreamError;

    fn try_from(parameters: &upstream_entities::ProtocolParameters) -> Result<Self, Self::Error> {
        ProtocolParameters::new(parameters.k, parameters.m, parameters.phi_f)
            .map_err(|error| UpstreamError::Wire(WireError::Invalid(error)))
    }
}

impl From<&ProtocolParameters> for upstream_entities::ProtocolParameters {
    fn from(parameters: &ProtocolParameters) -> Self {
        upstream_entities::ProtocolParameters::new(
            parameters.k(),
            parameters.m(),
            parameters.phi_f(),
        )
    }
}
