//! Bodies of the aggregator's own routes: `GET /` ([`AggregatorFeaturesMessage`]),
//! `GET /protocol-configuration/{epoch}` ([`ProtocolConfigurationMessage`]) and `GET /status`
//! ([`AggregatorStatusMessage`]), member for member as `mithril-common` 0.8.3 writes them
//! (`mithril-common/src/messages/aggregator_features.rs`, `protocol_configuration.rs`,
//! `aggregator_status.rs`), keeping the members this build does not declare.
//!
//! Where upstream is closed, these are open: the aggregate signature type and the Mithril era are
//! kept as text, and a signed entity type is any string, or `null` as upstream writes a type it
//! did not know.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::message::{
    CardanoTransactionsSigningConfigMessage, JsonMessage, ProtocolParametersMessage, UnknownFields,
    deserialize_message, entry_if, private, read_root, unknown_entries, unknown_paths,
};
use super::tree::{self, Object};
use crate::WireError;
use crate::error::ValidationError;

macro_rules! serde_via_message {
    ($($message:ty),+) => {$(
        impl private::Sealed for $message {}

        impl<'de> Deserialize<'de> for $message {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_message(deserializer)
            }
        }
    )+};
}

serde_via_message!(
    AggregatorFeaturesMessage,
    ProtocolConfigurationMessage,
    AggregatorStatusMessage
);

/// A signed entity type in a list: its name, or `None` for the `null` upstream writes for a type
/// it did not know.
pub type SignedEntityKindMessage = Option<String>;

fn kinds(value: Value) -> Result<Vec<SignedEntityKindMessage>, ValidationError> {
    tree::array(value, |item| match item {
        Value::Null => Ok(None),
        other => tree::string(other).map(Some),
    })
}

/// `capabilities.cardano_transactions_prover`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardanoTransactionsProverMessage {
    /// `max_hashes_allowed_by_request`.
    pub max_hashes_allowed_by_request: u64,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

impl Serialize for CardanoTransactionsProverMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            max_hashes_allowed_by_request,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(
            "max_hashes_allowed_by_request",
            max_hashes_allowed_by_request,
        )?;
        unknown_entries(&mut map, &["max_hashes_allowed_by_request"], unknown_fields)?;
        map.end()
    }
}

/// `capabilities` of `GET /`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregatorCapabilitiesMessage {
    /// `signed_entity_types`.
    pub signed_entity_types: Vec<SignedEntityKindMessage>,
    /// `aggregate_signature_type` (absent: `Concatenation`, as upstream defaults it).
    pub aggregate_signature_type: Option<String>,
    /// `cardano_transactions_prover`.
    pub cardano_transactions_prover: Option<CardanoTransactionsProverMessage>,
    /// `wire_versions`: the protobuf wire versions the aggregator serves (this library's member,
    /// which today's clients ignore).
    pub wire_versions: Option<Vec<u64>>,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

const CAPABILITIES_MEMBERS: [&str; 4] = [
    "signed_entity_types",
    "aggregate_signature_type",
    "cardano_transactions_prover",
    "wire_versions",
];

impl AggregatorCapabilitiesMessage {
    fn read(value: Value) -> Result<Self, ValidationError> {
        let mut object = Object::read(value)?;
        Ok(Self {
            signed_entity_types: object.required("signed_entity_types", kinds)?,
            aggregate_signature_type: object.optional("aggregate_signature_type", tree::string)?,
            cardano_transactions_prover: object.optional(
                "cardano_transactions_prover",
                |value| {
                    let mut object = Object::read(value)?;
                    Ok(CardanoTransactionsProverMessage {
                        max_hashes_allowed_by_request: object
                            .required("max_hashes_allowed_by_request", tree::unsigned)?,
                        unknown_fields: object.into_unknown(),
                    })
                },
            )?,
            wire_versions: object
                .optional("wire_versions", |value| tree::array(value, tree::unsigned))?,
            unknown_fields: object.into_unknown(),
        })
    }
}

impl Serialize for AggregatorCapabilitiesMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            signed_entity_types,
            aggregate_signature_type,
            cardano_transactions_prover,
            wire_versions,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("signed_entity_types", signed_entity_types)?;
        // Upstream always writes it; absent only in bodies of aggregators older than the member.
        entry_if(
            &mut map,
            "aggregate_signature_type",
            aggregate_signature_type,
        )?;
        entry_if(
            &mut map,
            "cardano_transactions_prover",
            cardano_transactions_prover,
        )?;
        entry_if(&mut map, "wire_versions", wire_versions)?;
        unknown_entries(&mut map, &CAPABILITIES_MEMBERS, unknown_fields)?;
        map.end()
    }
}

/// The body of `GET /` (`AggregatorFeaturesMessage` of today's nodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregatorFeaturesMessage {
    /// `open_api_version`.
    pub open_api_version: String,
    /// `documentation_url`.
    pub documentation_url: String,
    /// `capabilities`.
    pub capabilities: AggregatorCapabilitiesMessage,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

const FEATURES_MEMBERS: [&str; 3] = ["open_api_version", "documentation_url", "capabilities"];

impl JsonMessage for AggregatorFeaturesMessage {
    const ROOT: &'static str = "aggregator_features";

    fn from_value(value: Value) -> Result<Self, WireError> {
        read_root(Self::ROOT, value, |value| {
            let mut object = Object::read(value)?;
            Ok(Self {
                open_api_version: object.required("open_api_version", tree::string)?,
                documentation_url: object.required("documentation_url", tree::string)?,
                capabilities: object
                    .required("capabilities", AggregatorCapabilitiesMessage::read)?,
                unknown_fields: object.into_unknown(),
            })
        })
    }

    fn unknown_fields(&self) -> Vec<String> {
        let mut paths = Vec::new();
        let capabilities = format!("{}.capabilities", Self::ROOT);
        if let Some(prover) = &self.capabilities.cardano_transactions_prover {
            unknown_paths(
                &format!("{capabilities}.cardano_transactions_prover"),
                &prover.unknown_fields,
                &mut paths,
            );
        }
        unknown_paths(&capabilities, &self.capabilities.unknown_fields, &mut paths);
        unknown_paths(Self::ROOT, &self.unknown_fields, &mut paths);
        paths
    }
}

impl Serialize for AggregatorFeaturesMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            open_api_version,
            documentation_url,
            capabilities,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("open_api_version", open_api_version)?;
        map.serialize_entry("documentation_url", documentation_url)?;
        map.serialize_entry("capabilities", capabilities)?;
        unknown_entries(&mut map, &FEATURES_MEMBERS, unknown_fields)?;
        map.end()
    }
}

/// The body of `GET /protocol-configuration/{epoch}` (`ProtocolConfigurationMessage` of today's
/// nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolConfigurationMessage {
    /// `protocol_parameters`.
    pub protocol_parameters: ProtocolParametersMessage,
    /// `cardano_transactions_signing_config`.
    pub cardano_transactions_signing_config: Option<CardanoTransactionsSigningConfigMessage>,
    /// `cardano_blocks_transactions_signing_config`.
    pub cardano_blocks_transactions_signing_config: Option<CardanoTransactionsSigningConfigMessage>,
    /// `available_signed_entity_types`.
    pub available_signed_entity_types: Vec<SignedEntityKindMessage>,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

const CONFIGURATION_MEMBERS: [&str; 4] = [
    "protocol_parameters",
    "cardano_transactions_signing_config",
    "cardano_blocks_transactions_signing_config",
    "available_signed_entity_types",
];

impl JsonMessage for ProtocolConfigurationMessage {
    const ROOT: &'static str = "protocol_configuration";

    fn from_value(value: Value) -> Result<Self, WireError> {
        read_root(Self::ROOT, value, |value| {
            let mut object = Object::read(value)?;
            Ok(Self {
                protocol_parameters: object
                    .required("protocol_parameters", ProtocolParametersMessage::read)?,
                cardano_transactions_signing_config: object.optional(
                    "cardano_transactions_signing_config",
                    CardanoTransactionsSigningConfigMessage::read,
                )?,
                cardano_blocks_transactions_signing_config: object.optional(
                    "cardano_blocks_transactions_signing_config",
                    CardanoTransactionsSigningConfigMessage::read,
                )?,
                available_signed_entity_types: object
                    .required("available_signed_entity_types", kinds)?,
                unknown_fields: object.into_unknown(),
            })
        })
    }

    fn unknown_fields(&self) -> Vec<String> {
        let mut paths = Vec::new();
        unknown_paths(
            &format!("{}.protocol_parameters", Self::ROOT),
            &self.protocol_parameters.unknown_fields,
            &mut paths,
        );
        for (field, config) in [
            (
                "cardano_transactions_signing_config",
                &self.cardano_transactions_signing_config,
            ),
            (
                "cardano_blocks_transactions_signing_config",
                &self.cardano_blocks_transactions_signing_config,
            ),
        ] {
            if let Some(config) = config {
                unknown_paths(
                    &format!("{}.{field}", Self::ROOT),
                    &config.unknown_fields,
                    &mut paths,
                );
            }
        }
        unknown_paths(Self::ROOT, &self.unknown_fields, &mut paths);
        paths
    }
}

impl Serialize for ProtocolConfigurationMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            protocol_parameters,
            cardano_transactions_signing_config,
            cardano_blocks_transactions_signing_config,
            available_signed_entity_types,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("protocol_parameters", protocol_parameters)?;
        entry_if(
            &mut map,
            "cardano_transactions_signing_config",
            cardano_transactions_signing_config,
        )?;
        entry_if(
            &mut map,
            "cardano_blocks_transactions_signing_config",
            cardano_blocks_transactions_signing_config,
        )?;
        map.serialize_entry(
            "available_signed_entity_types",
            available_signed_entity_types,
        )?;
        unknown_entries(&mut map, &CONFIGURATION_MEMBERS, unknown_fields)?;
        map.end()
    }
}

/// The body of `GET /status` (`AggregatorStatusMessage` of today's nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct AggregatorStatusMessage {
    /// `epoch`.
    pub epoch: u64,
    /// `cardano_era`.
    pub cardano_era: String,
    /// `cardano_network`.
    pub cardano_network: String,
    /// `mithril_era`: any era name (upstream's is closed).
    pub mithril_era: String,
    /// `cardano_node_version`.
    pub cardano_node_version: String,
    /// `aggregator_node_version`.
    pub aggregator_node_version: String,
    /// `protocol`: the current protocol parameters.
    pub protocol: ProtocolParametersMessage,
    /// `next_protocol`: the next epoch's protocol parameters.
    pub next_protocol: ProtocolParametersMessage,
    /// `total_signers`.
    pub total_signers: u64,
    /// `total_next_signers`.
    pub total_next_signers: u64,
    /// `total_stakes_signers`.
    pub total_stakes_signers: u64,
    /// `total_next_stakes_signers`.
    pub total_next_stakes_signers: u64,
    /// `total_cardano_spo`.
    pub total_cardano_spo: u64,
    /// `total_cardano_stake`.
    pub total_cardano_stake: u64,
    /// `leader_aggregator_endpoint`.
    pub leader_aggregator_endpoint: Option<String>,
    /// `certificate_chain_aggregator_endpoint`.
    pub certificate_chain_aggregator_endpoint: Option<String>,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

const STATUS_MEMBERS: [&str; 16] = [
    "epoch",
    "cardano_era",
    "cardano_network",
    "mithril_era",
    "cardano_node_version",
    "aggregator_node_version",
    "protocol",
    "next_protocol",
    "total_signers",
    "total_next_signers",
    "total_stakes_signers",
    "total_next_stakes_signers",
    "total_cardano_spo",
    "total_cardano_stake",
    "leader_aggregator_endpoint",
    "certificate_chain_aggregator_endpoint",
];

impl JsonMessage for AggregatorStatusMessage {
    const ROOT: &'static str = "aggregator_status";

    fn from_value(value: Value) -> Result<Self, WireError> {
        read_root(Self::ROOT, value, |value| {
            let mut object = Object::read(value)?;
            Ok(Self {
                epoch: object.required("epoch", tree::unsigned)?,
                cardano_era: object.required("cardano_era", tree::string)?,
                cardano_network: object.required("cardano_network", tree::string)?,
                mithril_era: object.required("mithril_era", tree::string)?,
                cardano_node_version: object.required("cardano_node_version", tree::string)?,
                aggregator_node_version: object
                    .required("aggregator_node_version", tree::string)?,
                protocol: object.required("protocol", ProtocolParametersMessage::read)?,
                next_protocol: object.required("next_protocol", ProtocolParametersMessage::read)?,
                total_signers: object.required("total_signers", tree::unsigned)?,
                total_next_signers: object.required("total_next_signers", tree::unsigned)?,
                total_stakes_signers: object.required("total_stakes_signers", tree::unsigned)?,
                total_next_stakes_signers: object
                    .required("total_next_stakes_signers", tree::unsigned)?,
                total_cardano_spo: object.required("total_cardano_spo", tree::unsigned)?,
                total_cardano_stake: object.required("total_cardano_stake", tree::unsigned)?,
                leader_aggregator_endpoint: object
                    .optional("leader_aggregator_endpoint", tree::string)?,
                certificate_chain_aggregator_endpoint: object
                    .optional("certificate_chain_aggregator_endpoint", tree::string)?,
                unknown_fields: object.into_unknown(),
            })
        })
    }

    fn unknown_fields(&self) -> Vec<String> {
        let mut paths = Vec::new();
        for (field, parameters) in [
            ("protocol", &self.protocol),
            ("next_protocol", &self.next_protocol),
        ] {
            unknown_paths(
                &format!("{}.{field}", Self::ROOT),
                &parameters.unknown_fields,
                &mut paths,
            );
        }
        unknown_paths(Self::ROOT, &self.unknown_fields, &mut paths);
        paths
    }
}

impl Serialize for AggregatorStatusMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            epoch,
            cardano_era,
            cardano_network,
            mithril_era,
            cardano_node_version,
            aggregator_node_version,
            protocol,
            next_protocol,
            total_signers,
            total_next_signers,
            total_stakes_signers,
            total_next_stakes_signers,
            total_cardano_spo,
            total_cardano_stake,
            leader_aggregator_endpoint,
            certificate_chain_aggregator_endpoint,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("epoch", epoch)?;
        map.serialize_entry("cardano_era", cardano_era)?;
        map.serialize_entry("cardano_network", cardano_network)?;
        map.serialize_entry("mithril_era", mithril_era)?;
        map.serialize_entry("cardano_node_version", cardano_node_version)?;
        map.serialize_entry("aggregator_node_version", aggregator_node_version)?;
        map.serialize_entry("protocol", protocol)?;
        map.serialize_entry("next_protocol", next_protocol)?;
        map.serialize_entry("total_signers", total_signers)?;
        map.serialize_entry("total_next_signers", total_next_signers)?;
        map.serialize_entry("total_stakes_signers", total_stakes_signers)?;
        map.serialize_entry("total_next_stakes_signers", total_next_stakes_signers)?;
        map.serialize_entry("total_cardano_spo", total_cardano_spo)?;
        map.serialize_entry("total_cardano_stake", total_cardano_stake)?;
        entry_if(
            &mut map,
            "leader_aggregator_endpoint",
            leader_aggregator_endpoint,
        )?;
        entry_if(
            &mut map,
            "certificate_chain_aggregator_endpoint",
            certificate_chain_aggregator_endpoint,
        )?;
        unknown_entries(&mut map, &STATUS_MEMBERS, unknown_fields)?;
        map.end()
    }
}
