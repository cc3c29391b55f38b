//! Conversions of the aggregator's own messages (`AggregatorFeatures`, `ProtocolConfiguration`,
//! `AggregatorStatus`) between the hub and every protobuf wire version.
//!
//! The three messages have the same fields in `mithril.signer.v1` and `v2` (they were added to
//! both in release 0.4.0), so one macro writes both versions' conversions; each still destructures
//! every field, so a field added to either package stops the build here.
//!
//! | protobuf | hub | notes |
//! |---|---|---|
//! | `signed_entity_types`, `available_signed_entity_types` (names) | [`SignedEntityKind`] | a name this build does not know is kept; the empty name is [`SignedEntityKind::Unnamed`]; a repeated name is an error |
//! | `aggregate_signature_type` (name) | [`AggregateSignatureKind`] | empty is `Concatenation`, which is written empty |
//! | `wire_versions` (enum) | [`WireVersionId`] | numbers this build does not name are kept |
//! | text fields | [`Label`] (printable ASCII, at most 512 bytes) or [`EraName`] | |
//!
//! [`SignedEntityKind`]: crate::domain::SignedEntityKind
//! [`SignedEntityKind::Unnamed`]: crate::domain::SignedEntityKind::Unnamed
//! [`AggregateSignatureKind`]: crate::domain::AggregateSignatureKind
//! [`WireVersionId`]: crate::domain::WireVersionId
//! [`Label`]: crate::domain::Label
//! [`EraName`]: crate::domain::EraName

use crate::domain::{
    AggregateSignatureKind, Label, SignedEntityKind, WireVersionId, aggregator::check_kinds,
};
use crate::error::{ValidationError, Violation, WithinField};

/// Names into kinds, checked.
pub(crate) fn kinds_to_hub(names: Vec<String>) -> Result<Vec<SignedEntityKind>, ValidationError> {
    let kinds = names
        .iter()
        .enumerate()
        .map(|(index, name)| SignedEntityKind::from_name(name).at_index(index))
        .collect::<Result<Vec<_>, _>>()?;
    check_kinds(&kinds)?;
    Ok(kinds)
}

/// Kinds into names.
pub(crate) fn kinds_from_hub(kinds: &[SignedEntityKind]) -> Vec<String> {
    kinds.iter().map(|kind| kind.name().to_owned()).collect()
}

/// The aggregate signature type from its protobuf name (empty: `Concatenation`).
pub(crate) fn signature_kind_to_hub(name: &str) -> Result<AggregateSignatureKind, ValidationError> {
    if name.is_empty() {
        return Ok(AggregateSignatureKind::Concatenation);
    }
    AggregateSignatureKind::from_name(name)
}

/// The aggregate signature type's protobuf name (`Concatenation` is written empty).
pub(crate) fn signature_kind_from_hub(kind: &AggregateSignatureKind) -> String {
    match kind {
        AggregateSignatureKind::Concatenation => String::new(),
        other => other.name().to_owned(),
    }
}

/// Wire version numbers into ids (open enum: unnamed numbers are kept).
pub(crate) fn wire_versions_to_hub(numbers: &[i32]) -> Result<Vec<WireVersionId>, ValidationError> {
    crate::domain::check_declared_len(numbers.len())?;
    numbers
        .iter()
        .enumerate()
        .map(|(index, number)| {
            u32::try_from(*number)
                .map_err(|_| {
                    ValidationError::here(Violation::OutOfRange {
                        value: number.to_string(),
                        expected: "a positive wire version number",
                    })
                })
                .and_then(WireVersionId::new)
                .at_index(index)
        })
        .collect()
}

/// Ids into wire version numbers (in range by construction of `WireVersionId`).
pub(crate) fn wire_versions_from_hub(ids: &[WireVersionId]) -> Vec<i32> {
    ids.iter().map(|id| id.number() as i32).collect()
}

pub(crate) fn label(text: String, field: &'static str) -> Result<Label, ValidationError> {
    Label::new(text).within(field)
}

/// Implements `Spoke` of the three aggregator messages for a wire version whose generated module
/// is `$pb` and whose marker type is `$spoke`.
macro_rules! aggregator_spokes {
    ($spoke:ty, $pb:path) => {
        mod aggregator_spokes {
            use $pb as pb;

            use crate::domain::{
                AggregatorFeatures, AggregatorStatus, CardanoTransactionsSigningConfig, Epoch,
                EraName, ProtocolConfiguration, Stake,
            };
            use crate::error::{ValidationError, WireError, WithinField};
            use crate::wire::aggregator::{
                kinds_from_hub, kinds_to_hub, label, signature_kind_from_hub,
                signature_kind_to_hub, wire_versions_from_hub, wire_versions_to_hub,
            };
            use crate::wire::shared::{missing, protocol_parameters_to_hub};
            use crate::wire::{Downgrade, Spoke};

            fn parameters_to_hub(
                parameters: Option<pb::ProtocolParameters>,
                field: &'static str,
            ) -> Result<crate::domain::ProtocolParameters, ValidationError> {
                let pb::ProtocolParameters { k, m, phi_f } =
                    parameters.ok_or_else(|| missing(field))?;
                protocol_parameters_to_hub(k, m, phi_f).within(field)
            }

            fn parameters_from_hub(
                parameters: &crate::domain::ProtocolParameters,
            ) -> pb::ProtocolParameters {
                pb::ProtocolParameters {
                    k: parameters.k(),
                    m: parameters.m(),
                    phi_f: parameters.phi_f(),
                }
            }

            fn config_to_hub(
                config: Option<pb::CardanoTransactionsSigningConfig>,
            ) -> Option<CardanoTransactionsSigningConfig> {
                config.map(
                    |pb::CardanoTransactionsSigningConfig {
                         security_parameter,
                         step,
                     }| CardanoTransactionsSigningConfig {
                        security_parameter,
                        step: crate::domain::BlockNumber(step),
                    },
                )
            }

            fn config_from_hub(
                config: &Option<CardanoTransactionsSigningConfig>,
            ) -> Option<pb::CardanoTransactionsSigningConfig> {
                config.map(
                    |CardanoTransactionsSigningConfig {
                         security_parameter,
                         step,
                     }| pb::CardanoTransactionsSigningConfig {
                        security_parameter,
                        step: step.0,
                    },
                )
            }

            impl Spoke<AggregatorFeatures> for $spoke {
                type Pb = pb::AggregatorFeatures;
                const VERSION: crate::wire::WireVersion = super::VERSION;

                fn to_hub(pb: Self::Pb) -> Result<AggregatorFeatures, WireError> {
                    let pb::AggregatorFeatures {
                        open_api_version,
                        documentation_url,
                        signed_entity_types,
                        aggregate_signature_type,
                        cardano_transactions_prover_max_hashes,
                        wire_versions,
                    } = pb;
                    Ok(AggregatorFeatures {
                        open_api_version: label(open_api_version, "open_api_version")?,
                        documentation_url: label(documentation_url, "documentation_url")?,
                        signed_entity_types: kinds_to_hub(signed_entity_types)
                            .within("signed_entity_types")?,
                        aggregate_signature_type: signature_kind_to_hub(&aggregate_signature_type)
                            .within("aggregate_signature_type")?,
                        cardano_transactions_prover_max_hashes,
                        wire_versions: wire_versions_to_hub(&wire_versions)
                            .within("wire_versions")?,
                    })
                }

                fn from_hub(
                    value: &AggregatorFeatures,
                    _downgrade: &mut Downgrade,
                ) -> Result<Self::Pb, WireError> {
                    let AggregatorFeatures {
                        open_api_version,
                        documentation_url,
                        signed_entity_types,
                        aggregate_signature_type,
                        cardano_transactions_prover_max_hashes,
                        wire_versions,
                    } = value;
                    Ok(pb::AggregatorFeatures {
                        open_api_version: open_api_version.to_string(),
                        documentation_url: documentation_url.to_string(),
                        signed_entity_types: kinds_from_hub(signed_entity_types),
                        aggregate_signature_type: signature_kind_from_hub(aggregate_signature_type),
                        cardano_transactions_prover_max_hashes:
                            *cardano_transactions_prover_max_hashes,
                        wire_versions: wire_versions_from_hub(wire_versions),
                    })
                }
            }

            impl Spoke<ProtocolConfiguration> for $spoke {
                type Pb = pb::ProtocolConfiguration;
                const VERSION: crate::wire::WireVersion = super::VERSION;

                fn to_hub(pb: Self::Pb) -> Result<ProtocolConfiguration, WireError> {
                    let pb::ProtocolConfiguration {
                        protocol_parameters,
                        cardano_transactions_signing_config,
                        cardano_blocks_transactions_signing_config,
                        available_signed_entity_types,
                    } = pb;
                    Ok(ProtocolConfiguration {
                        protocol_parameters: parameters_to_hub(
                            protocol_parameters,
                            "protocol_parameters",
                        )?,
                        cardano_transactions_signing_config: config_to_hub(
                            cardano_transactions_signing_config,
                        ),
                        cardano_blocks_transactions_signing_config: config_to_hub(
                            cardano_blocks_transactions_signing_config,
                        ),
                        available_signed_entity_types: kinds_to_hub(available_signed_entity_types)
                            .within("available_signed_entity_types")?,
                    })
                }

                fn from_hub(
                    value: &ProtocolConfiguration,
                    _downgrade: &mut Downgrade,
                ) -> Result<Self::Pb, WireError> {
                    let ProtocolConfiguration {
                        protocol_parameters,
                        cardano_transactions_signing_config,
                        cardano_blocks_transactions_signing_config,
                        available_signed_entity_types,
                    } = value;
                    Ok(pb::ProtocolConfiguration {
                        protocol_parameters: Some(parameters_from_hub(protocol_parameters)),
                        cardano_transactions_signing_config: config_from_hub(
                            cardano_transactions_signing_config,
                        ),
                        cardano_blocks_transactions_signing_config: config_from_hub(
                            cardano_blocks_transactions_signing_config,
                        ),
                        available_signed_entity_types: kinds_from_hub(
                            available_signed_entity_types,
                        ),
                    })
                }
            }

            impl Spoke<AggregatorStatus> for $spoke {
                type Pb = pb::AggregatorStatus;
                const VERSION: crate::wire::WireVersion = super::VERSION;

                fn to_hub(pb: Self::Pb) -> Result<AggregatorStatus, WireError> {
                    let pb::AggregatorStatus {
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
                    } = pb;
                    Ok(AggregatorStatus {
                        epoch: Epoch(epoch),
                        cardano_era: label(cardano_era, "cardano_era")?,
                        cardano_network: label(cardano_network, "cardano_network")?,
                        mithril_era: EraName::new(mithril_era).within("mithril_era")?,
                        cardano_node_version: label(cardano_node_version, "cardano_node_version")?,
                        aggregator_node_version: label(
                            aggregator_node_version,
                            "aggregator_node_version",
                        )?,
                        protocol_parameters: parameters_to_hub(
                            protocol_parameters,
                            "protocol_parameters",
                        )?,
                        next_protocol_parameters: parameters_to_hub(
                            next_protocol_parameters,
                            "next_protocol_parameters",
                        )?,
                        total_signers,
                        total_next_signers,
                        total_stakes_signers: Stake(total_stakes_signers),
                        total_next_stakes_signers: Stake(total_next_stakes_signers),
                        total_cardano_spo,
                        total_cardano_stake: Stake(total_cardano_stake),
                        leader_aggregator_endpoint: leader_aggregator_endpoint
                            .map(|text| label(text, "leader_aggregator_endpoint"))
                            .transpose()?,
                        certificate_chain_aggregator_endpoint:
                            certificate_chain_aggregator_endpoint
                                .map(|text| label(text, "certificate_chain_aggregator_endpoint"))
                                .transpose()?,
                    })
                }

                fn from_hub(
                    value: &AggregatorStatus,
                    _downgrade: &mut Downgrade,
                ) -> Result<Self::Pb, WireError> {
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
                    Ok(pb::AggregatorStatus {
                        epoch: epoch.0,
                        cardano_era: cardano_era.to_string(),
                        cardano_network: cardano_network.to_string(),
                        mithril_era: mithril_era.to_string(),
                        cardano_node_version: cardano_node_version.to_string(),
                        aggregator_node_version: aggregator_node_version.to_string(),
                        protocol_parameters: Some(parameters_from_hub(protocol_parameters)),
                        next_protocol_parameters: Some(parameters_from_hub(
                            next_protocol_parameters,
                        )),
                        total_signers: *total_signers,
                        total_next_signers: *total_next_signers,
                        total_stakes_signers: total_stakes_signers.0,
                        total_next_stakes_signers: total_next_stakes_signers.0,
                        total_cardano_spo: *total_cardano_spo,
                        total_cardano_stake: total_cardano_stake.0,
                        leader_aggregator_endpoint: leader_aggregator_endpoint
                            .as_ref()
                            .map(ToString::to_string),
                        certificate_chain_aggregator_endpoint:
                            certificate_chain_aggregator_endpoint
                                .as_ref()
                                .map(ToString::to_string),
                    })
                }
            }
        }
    };
}

pub(crate) use aggregator_spokes;
