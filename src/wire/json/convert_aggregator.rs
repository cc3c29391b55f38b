//! Conversions between the bodies of the aggregator's own routes and the hub.
//!
//! | JSON | hub | notes |
//! |---|---|---|
//! | signed entity type names (`signed_entity_types`, `available_signed_entity_types`) | [`SignedEntityKind`] | any name is kept; `null` (upstream's unknown) is [`SignedEntityKind::Unnamed`] and written back as `null`; a repeated name is an error |
//! | `capabilities.aggregate_signature_type` | [`AggregateSignatureKind`] | any name is kept; absent reads as `Concatenation` (upstream's default) and is always written |
//! | `capabilities.wire_versions` | `AggregatorFeatures::wire_versions` | this library's member; written only when not empty |
//! | `mithril_era` | [`EraName`] | any era name, known to this build or not |
//! | `protocol`, `next_protocol` of `/status` | `protocol_parameters`, `next_protocol_parameters` | upstream's member names |
//!
//! [`SignedEntityKind`]: crate::domain::SignedEntityKind
//! [`SignedEntityKind::Unnamed`]: crate::domain::SignedEntityKind::Unnamed
//! [`AggregateSignatureKind`]: crate::domain::AggregateSignatureKind
//! [`EraName`]: crate::domain::EraName

use super::aggregator::{
    AggregatorCapabilitiesMessage, AggregatorFeaturesMessage, AggregatorStatusMessage,
    CardanoTransactionsProverMessage, ProtocolConfigurationMessage, SignedEntityKindMessage,
};
use super::message::{CardanoTransactionsSigningConfigMessage, ProtocolParametersMessage};
use super::{JsonHeaders, JsonSpoke, private};
use crate::domain::{
    AggregateSignatureKind, AggregatorFeatures, AggregatorStatus, BlockNumber,
    CardanoTransactionsSigningConfig, Epoch, EraName, Label, ProtocolConfiguration,
    ProtocolParameters, SignedEntityKind, Stake, WireVersionId, aggregator::check_kinds,
};
use crate::error::{ValidationError, WireError, WithinField};
use crate::wire::Downgrade;

impl private::Sealed for AggregatorFeatures {}
impl private::Sealed for ProtocolConfiguration {}
impl private::Sealed for AggregatorStatus {}

fn kinds_to_hub(
    names: &[SignedEntityKindMessage],
) -> Result<Vec<SignedEntityKind>, ValidationError> {
    let kinds = names
        .iter()
        .enumerate()
        .map(|(index, name)| match name {
            None => Ok(SignedEntityKind::Unnamed),
            Some(name) if name.is_empty() => Ok(SignedEntityKind::Unnamed),
            Some(name) => SignedEntityKind::from_name(name).at_index(index),
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_kinds(&kinds)?;
    Ok(kinds)
}

fn kinds_from_hub(kinds: &[SignedEntityKind]) -> Vec<SignedEntityKindMessage> {
    kinds
        .iter()
        .map(|kind| match kind {
            SignedEntityKind::Unnamed => None,
            other => Some(other.name().to_owned()),
        })
        .collect()
}

fn label(text: &str, field: &'static str) -> Result<Label, ValidationError> {
    Label::new(text).within(field)
}

fn parameters_to_hub(
    message: &ProtocolParametersMessage,
) -> Result<ProtocolParameters, ValidationError> {
    let ProtocolParametersMessage {
        k,
        m,
        phi_f,
        unknown_fields: _,
    } = message;
    ProtocolParameters::new(*k, *m, *phi_f)
}

fn parameters_from_hub(parameters: &ProtocolParameters) -> ProtocolParametersMessage {
    ProtocolParametersMessage {
        k: parameters.k(),
        m: parameters.m(),
        phi_f: parameters.phi_f(),
        unknown_fields: Default::default(),
    }
}

fn config_to_hub(
    config: &Option<CardanoTransactionsSigningConfigMessage>,
) -> Option<CardanoTransactionsSigningConfig> {
    config.as_ref().map(
        |CardanoTransactionsSigningConfigMessage {
             security_parameter,
             step,
             unknown_fields: _,
         }| CardanoTransactionsSigningConfig {
            security_parameter: *security_parameter,
            step: BlockNumber(*step),
        },
    )
}

fn config_from_hub(
    config: &Option<CardanoTransactionsSigningConfig>,
) -> Option<CardanoTransactionsSigningConfigMessage> {
    config.map(
        |CardanoTransactionsSigningConfig {
             security_parameter,
             step,
         }| CardanoTransactionsSigningConfigMessage {
            security_parameter,
            step: step.0,
            unknown_fields: Default::default(),
        },
    )
}

impl JsonSpoke for AggregatorFeatures {
    type Message = AggregatorFeaturesMessage;

    fn to_hub(message: &Self::Message, _: &JsonHeaders) -> Result<Self, WireError> {
        let AggregatorFeaturesMessage {
            open_api_version,
            documentation_url,
            capabilities,
            unknown_fields: _,
        } = message;
        let AggregatorCapabilitiesMessage {
            signed_entity_types,
            aggregate_signature_type,
            cardano_transactions_prover,
            wire_versions,
            unknown_fields: _,
        } = capabilities;
        let aggregate_signature_type = aggregate_signature_type
            .as_deref()
            .map(AggregateSignatureKind::from_name)
            .transpose()
            .within("aggregate_signature_type")
            .within("capabilities")?
            .unwrap_or_default();
        let wire_versions = wire_versions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, number)| {
                u32::try_from(*number)
                    .map_err(|_| {
                        ValidationError::here(crate::Violation::OutOfRange {
                            value: number.to_string(),
                            expected: "a wire version number",
                        })
                    })
                    .and_then(WireVersionId::new)
                    .at_index(index)
            })
            .collect::<Result<Vec<_>, _>>()
            .and_then(|ids| crate::domain::check_declared_len(ids.len()).map(|()| ids))
            .within("wire_versions")
            .within("capabilities")?;
        Ok(AggregatorFeatures {
            open_api_version: label(open_api_version, "open_api_version")?,
            documentation_url: label(documentation_url, "documentation_url")?,
            signed_entity_types: kinds_to_hub(signed_entity_types)
                .within("signed_entity_types")
                .within("capabilities")?,
            aggregate_signature_type,
            cardano_transactions_prover_max_hashes: cardano_transactions_prover.as_ref().map(
                |CardanoTransactionsProverMessage {
                     max_hashes_allowed_by_request,
                     unknown_fields: _,
                 }| *max_hashes_allowed_by_request,
            ),
            wire_versions,
        })
    }

    fn from_hub(
        value: &Self,
        _: &mut Downgrade,
    ) -> Result<(Self::Message, JsonHeaders), WireError> {
        let AggregatorFeatures {
            open_api_version,
            documentation_url,
            signed_entity_types,
            aggregate_signature_type,
            cardano_transactions_prover_max_hashes,
            wire_versions,
        } = value;
        let message = AggregatorFeaturesMessage {
            open_api_version: open_api_version.to_string(),
            documentation_url: documentation_url.to_string(),
            capabilities: AggregatorCapabilitiesMessage {
                signed_entity_types: kinds_from_hub(signed_entity_types),
                aggregate_signature_type: Some(aggregate_signature_type.name().to_owned()),
                cardano_transactions_prover: cardano_transactions_prover_max_hashes.map(
                    |max_hashes_allowed_by_request| CardanoTransactionsProverMessage {
                        max_hashes_allowed_by_request,
                        unknown_fields: Default::default(),
                    },
                ),
                wire_versions: (!wire_versions.is_empty()).then(|| {
                    wire_versions
                        .iter()
                        .map(|id| u64::from(id.number()))
                        .collect()
                }),
                unknown_fields: Default::default(),
            },
            unknown_fields: Default::default(),
        };
        Ok((message, JsonHeaders::default()))
    }
}

impl JsonSpoke for ProtocolConfiguration {
    type Message = ProtocolConfigurationMessage;

    fn to_hub(message: &Self::Message, _: &JsonHeaders) -> Result<Self, WireError> {
        let ProtocolConfigurationMessage {
            protocol_parameters,
            cardano_transactions_signing_config,
            cardano_blocks_transactions_signing_config,
            available_signed_entity_types,
            unknown_fields: _,
        } = message;
        Ok(ProtocolConfiguration {
            protocol_parameters: parameters_to_hub(protocol_parameters)
                .within("protocol_parameters")?,
            cardano_transactions_signing_config: config_to_hub(cardano_transactions_signing_config),
            cardano_blocks_transactions_signing_config: config_to_hub(
                cardano_blocks_transactions_signing_config,
            ),
            available_signed_entity_types: kinds_to_hub(available_signed_entity_types)
                .within("available_signed_entity_types")?,
        })
    }

    fn from_hub(
        value: &Self,
        _: &mut Downgrade,
    ) -> Result<(Self::Message, JsonHeaders), WireError> {
        let ProtocolConfiguration {
            protocol_parameters,
            cardano_transactions_signing_config,
            cardano_blocks_transactions_signing_config,
            available_signed_entity_types,
        } = value;
        let message = ProtocolConfigurationMessage {
            protocol_parameters: parameters_from_hub(protocol_parameters),
            cardano_transactions_signing_config: config_from_hub(
                cardano_transactions_signing_config,
            ),
            cardano_blocks_transactions_signing_config: config_from_hub(
                cardano_blocks_transactions_signing_config,
            ),
            available_signed_entity_types: kinds_from_hub(available_signed_entity_types),
            unknown_fields: Default::default(),
        };
        Ok((message, JsonHeaders::default()))
    }
}

impl JsonSpoke for AggregatorStatus {
    type Message = AggregatorStatusMessage;

    fn to_hub(message: &Self::Message, _: &JsonHeaders) -> Result<Self, WireError> {
        let AggregatorStatusMessage {
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
            unknown_fields: _,
        } = message;
        Ok(AggregatorStatus {
            epoch: Epoch(*epoch),
            cardano_era: label(cardano_era, "cardano_era")?,
            cardano_network: label(cardano_network, "cardano_network")?,
            mithril_era: EraName::new(mithril_era.as_str()).within("mithril_era")?,
            cardano_node_version: label(cardano_node_version, "cardano_node_version")?,
            aggregator_node_version: label(aggregator_node_version, "aggregator_node_version")?,
            protocol_parameters: parameters_to_hub(protocol).within("protocol")?,
            next_protocol_parameters: parameters_to_hub(next_protocol).within("next_protocol")?,
            total_signers: *total_signers,
            total_next_signers: *total_next_signers,
            total_stakes_signers: Stake(*total_stakes_signers),
            total_next_stakes_signers: Stake(*total_next_stakes_signers),
            total_cardano_spo: *total_cardano_spo,
            total_cardano_stake: Stake(*total_cardano_stake),
            leader_aggregator_endpoint: leader_aggregator_endpoint
                .as_deref()
                .map(|text| label(text, "leader_aggregator_endpoint"))
                .transpose()?,
            certificate_chain_aggregator_endpoint: certificate_chain_aggregator_endpoint
                .as_deref()
                .map(|text| label(text, "certificate_chain_aggregator_endpoint"))
                .transpose()?,
        })
    }

    fn from_hub(
        value: &Self,
        _: &mut Downgrade,
    ) -> Result<(Self::Message, JsonHeaders), WireError> {
        let AggregatorStatus {
            epoch,
            cardano_era,
            cardano_network,
            mithril_era,
            cardano_node_version,
            aggregator_node_version,
            protocol_parameters,
            next_protocol_parameters,
            total_signers,
            total_next_signers,
            total_stakes_signers,
            total_next_stakes_signers,
            total_cardano_spo,
            total_cardano_stake,
            leader_aggregator_endpoint,
            certificate_chain_aggregator_endpoint,
        } = value;
        let message = AggregatorStatusMessage {
            epoch: epoch.0,
            cardano_era: cardano_era.to_string(),
            cardano_network: cardano_network.to_string(),
            mithril_era: mithril_era.to_string(),
            cardano_node_version: cardano_node_version.to_string(),
            aggregator_node_version: aggregator_node_version.to_string(),
            protocol: parameters_from_hub(protocol_parameters),
            next_protocol: parameters_from_hub(next_protocol_parameters),
            total_signers: *total_signers,
            total_next_signers: *total_next_signers,
            total_stakes_signers: total_stakes_signers.0,
            total_next_stakes_signers: total_next_stakes_signers.0,
            total_cardano_spo: *total_cardano_spo,
            total_cardano_stake: total_cardano_stake.0,
            leader_aggregator_endpoint: leader_aggregator_endpoint
                .as_ref()
                .map(ToString::to_string),
            certificate_chain_aggregator_endpoint: certificate_chain_aggregator_endpoint
                .as_ref()
                .map(ToString::to_string),
            unknown_fields: Default::default(),
        };
        Ok((message, JsonHeaders::default()))
    }
}
