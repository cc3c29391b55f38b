//! Bodies of the aggregator's own routes: `GET /` ([`AggregatorFeaturesMessage`]),
//! `GET /protocol-configuration/{epoch}` ([`ProtocolConfigurationMessage`]) and `GET /status`
//! ([`AggregatorStatusMessage`]), member for member as `mithril-common` 0.8.3 writes them
//! (`mithril-common/src/messages/aggregator_features.rs`, `protocol_configuration.rs`,
//! `aggregator_status.rs`), keeping the members this build does not declare.
//!
//! Where upstream is closed, these are open: the aggregate signature type and the Mithril era are
//! kept as text, and a signed entity type is any string, or `null` as upstream writes a type it
//! did not know.

use serde::{Deserialize, Serialize};

use super::message::{
    CardanoTransactionsSigningConfigMessage, ProtocolParametersMessage, UnknownFields,
    json_message, object, unknown_members, unknown_paths_of,
};

/// A signed entity type in a list: its name, or `None` for the `null` upstream writes for a type
/// it did not know.
pub type SignedEntityKindMessage = Option<String>;

json_message! {
    AggregatorFeaturesMessage: "aggregator_features";
    ProtocolConfigurationMessage: "protocol_configuration";
    AggregatorStatusMessage: "aggregator_status";
}

object! {
    CardanoTransactionsProverMessage: ["max_hashes_allowed_by_request"];
    AggregatorCapabilitiesMessage: [
        "signed_entity_types",
        "aggregate_signature_type",
        "cardano_transactions_prover",
        "wire_versions",
    ]
    nested |capabilities, prefix, into| {
        unknown_paths_of(
            &capabilities.cardano_transactions_prover,
            format!("{prefix}.cardano_transactions_prover"),
            into,
        );
    };
    AggregatorFeaturesMessage: ["open_api_version", "documentation_url", "capabilities"]
    nested |features, prefix, into| {
        features
            .capabilities
            .unknown_paths(&format!("{prefix}.capabilities"), into);
    };
    ProtocolConfigurationMessage: [
        "protocol_parameters",
        "cardano_transactions_signing_config",
        "cardano_blocks_transactions_signing_config",
        "available_signed_entity_types",
    ]
    nested |configuration, prefix, into| {
        configuration
            .protocol_parameters
            .unknown_paths(&format!("{prefix}.protocol_parameters"), into);
        unknown_paths_of(
            &configuration.cardano_transactions_signing_config,
            format!("{prefix}.cardano_transactions_signing_config"),
            into,
        );
        unknown_paths_of(
            &configuration.cardano_blocks_transactions_signing_config,
            format!("{prefix}.cardano_blocks_transactions_signing_config"),
            into,
        );
    };
    AggregatorStatusMessage: [
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
    ]
    nested |status, prefix, into| {
        status.protocol.unknown_paths(&format!("{prefix}.protocol"), into);
        status
            .next_protocol
            .unknown_paths(&format!("{prefix}.next_protocol"), into);
    };
}

/// `capabilities.cardano_transactions_prover`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardanoTransactionsProverMessage {
    /// `max_hashes_allowed_by_request`.
    pub max_hashes_allowed_by_request: u64,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<CardanoTransactionsProverMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// `capabilities` of `GET /`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregatorCapabilitiesMessage {
    /// `signed_entity_types`.
    pub signed_entity_types: Vec<SignedEntityKindMessage>,
    /// `aggregate_signature_type` (absent: `Concatenation`, as upstream defaults it). Upstream
    /// always writes it; absent only in bodies of aggregators older than the member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate_signature_type: Option<String>,
    /// `cardano_transactions_prover`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardano_transactions_prover: Option<CardanoTransactionsProverMessage>,
    /// `wire_versions`: the protobuf wire versions the aggregator serves (this library's member,
    /// which today's clients ignore).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wire_versions: Option<Vec<u64>>,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<AggregatorCapabilitiesMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// The body of `GET /` (`AggregatorFeaturesMessage` of today's nodes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AggregatorFeaturesMessage {
    /// `open_api_version`.
    pub open_api_version: String,
    /// `documentation_url`.
    pub documentation_url: String,
    /// `capabilities`.
    pub capabilities: AggregatorCapabilitiesMessage,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<AggregatorFeaturesMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// The body of `GET /protocol-configuration/{epoch}` (`ProtocolConfigurationMessage` of today's
/// nodes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ProtocolConfigurationMessage {
    /// `protocol_parameters`.
    pub protocol_parameters: ProtocolParametersMessage,
    /// `cardano_transactions_signing_config`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardano_transactions_signing_config: Option<CardanoTransactionsSigningConfigMessage>,
    /// `cardano_blocks_transactions_signing_config`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardano_blocks_transactions_signing_config: Option<CardanoTransactionsSigningConfigMessage>,
    /// `available_signed_entity_types`.
    pub available_signed_entity_types: Vec<SignedEntityKindMessage>,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<ProtocolConfigurationMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// The body of `GET /status` (`AggregatorStatusMessage` of today's nodes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_aggregator_endpoint: Option<String>,
    /// `certificate_chain_aggregator_endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_chain_aggregator_endpoint: Option<String>,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<AggregatorStatusMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}
