//! Conversions between `mithril.signer.v1` and the hub.
//!
//! Every conversion destructures its input completely, so a field added to either side stops the
//! build here until it is mapped, defaulted or declared lossy.
//!
//! | v1 field | hub | notes |
//! |---|---|---|
//! | `SignerRegistration.kes_period` | `SignerRegistration::kes_evolutions` | same value, historical name |
//! | `NodeInfo.wire_versions` (enum) | [`WireVersionId`] | values this build does not know are kept as numbers; `UNSPECIFIED` or negative is an error |
//! | `SignedEntityType` unknown variant | [`SignedEntityType::Unknown`] | re-emitted as received; one from another wire version is unrepresentable |
//! | `Signer.stake` | `Signer::stake` | optional on both sides |
//! | — | `SingleSignature::snark_signature` | not carried: an error, or dropped and reported under [`DowngradePolicy::Lossy`] |
//! | — | [`SignedEntityType::CardanoBlocksTransactions`] | not carried: always an error (a signature cannot lose what it is about) |
//! | — | [`SignedEntityType::Unknown`] from another version or from JSON | not carried: always an error |
//!
//! [`DowngradePolicy::Lossy`]: crate::wire::DowngradePolicy::Lossy

use super::{V1, VERSION, pb};
use crate::domain::Epoch;
use crate::domain::{
    BlockNumber, CardanoDbBeacon, CardanoTransactionsSigningConfig, EpochSettings,
    ImmutableFileNumber, KeyBytes, NodeInfo, PartyId, ProtocolParameters, SignatureBytes,
    SignedEntityType, SignedMessage, Signer, SignerRegistration, SingleSignature, Stake,
    WonIndexes,
};
use crate::error::{FieldPath, ValidationError, Violation, WireError, WithinField};
use crate::wire::shared::{self, ConvertedSigners, missing, optional_key, optional_key_bytes};
use crate::wire::{Downgrade, Spoke};

impl Spoke<SignerRegistration> for V1 {
    type Pb = pb::SignerRegistration;
    const VERSION: crate::wire::WireVersion = VERSION;

    fn to_hub(pb: Self::Pb) -> Result<SignerRegistration, WireError> {
        let pb::SignerRegistration {
            epoch,
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_period,
            mut node_info,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
            node_info_signature,
        } = pb;
        Ok(SignerRegistration {
            epoch: Epoch(epoch),
            party_id: PartyId::new(party_id).within("party_id")?,
            verification_key: KeyBytes::new(verification_key).within("verification_key")?,
            verification_key_signature: optional_key(
                verification_key_signature,
                "verification_key_signature",
            )?,
            operational_certificate: optional_key(
                operational_certificate,
                "operational_certificate",
            )?,
            kes_evolutions: kes_period,
            node_info: node_info_to_hub(node_info.as_mut().ok_or_else(|| missing("node_info"))?)
                .within("node_info")?,
            verification_key_for_snark: optional_key(
                verification_key_for_snark,
                "verification_key_for_snark",
            )?,
            verification_key_signature_for_snark: optional_key(
                verification_key_signature_for_snark,
                "verification_key_signature_for_snark",
            )?,
            proof_of_bound_possession_for_snark: optional_key(
                proof_of_bound_possession_for_snark,
                "proof_of_bound_possession_for_snark",
            )?,
            node_info_signature: optional_key(node_info_signature, "node_info_signature")?,
        })
    }

    fn from_hub(value: &SignerRegistration, _: &mut Downgrade) -> Result<Self::Pb, WireError> {
        let SignerRegistration {
            epoch,
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_evolutions,
            node_info,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
            node_info_signature,
        } = value;
        Ok(pb::SignerRegistration {
            epoch: epoch.0,
            party_id: party_id.to_string(),
            verification_key: verification_key.to_bytes(),
            verification_key_signature: optional_key_bytes(verification_key_signature),
            operational_certificate: optional_key_bytes(operational_certificate),
            kes_period: *kes_evolutions,
            node_info: Some(node_info_from_hub(node_info)),
            verification_key_for_snark: optional_key_bytes(verification_key_for_snark),
            verification_key_signature_for_snark: optional_key_bytes(
                verification_key_signature_for_snark,
            ),
            proof_of_bound_possession_for_snark: optional_key_bytes(
                proof_of_bound_possession_for_snark,
            ),
            node_info_signature: optional_key_bytes(node_info_signature),
        })
    }
}

fn node_info_to_hub(pb: &mut pb::NodeInfo) -> Result<NodeInfo, ValidationError> {
    let pb::NodeInfo {
        software_version,
        supported_eras,
        wire_versions,
        distribution_version,
        database_version,
        protocol_versions,
    } = pb;
    shared::node_info_to_hub(shared::NodeInfoFields {
        software_version,
        supported_eras,
        wire_versions,
        distribution_version,
        database_version: *database_version,
        protocol_versions,
    })
}

fn node_info_from_hub(value: &NodeInfo) -> pb::NodeInfo {
    let shared::NodeInfoParts {
        software_version,
        supported_eras,
        wire_versions,
        distribution_version,
        database_version,
        protocol_versions,
    } = shared::node_info_parts(value);
    pb::NodeInfo {
        software_version,
        supported_eras,
        wire_versions,
        distribution_version,
        database_version,
        protocol_versions,
    }
}

impl Spoke<SingleSignature> for V1 {
    type Pb = pb::SingleSignature;
    const VERSION: crate::wire::WireVersion = VERSION;

    fn to_hub(pb: Self::Pb) -> Result<SingleSignature, WireError> {
        let pb::SingleSignature {
            signed_entity_type,
            party_id,
            signature,
            won_indexes,
            signed_message,
        } = pb;
        Ok(SingleSignature {
            signed_entity_type: signed_entity_to_hub(
                signed_entity_type.ok_or_else(|| missing("signed_entity_type"))?,
            )
            .within("signed_entity_type")?,
            party_id: PartyId::new(party_id).within("party_id")?,
            signature: SignatureBytes::new(signature).within("signature")?,
            won_indexes: WonIndexes::new(won_indexes).within("won_indexes")?,
            signed_message: SignedMessage::new(signed_message).within("signed_message")?,
            snark_signature: None,
            shadow_signature: None,
        })
    }

    fn from_hub(value: &SingleSignature, downgrade: &mut Downgrade) -> Result<Self::Pb, WireError> {
        let SingleSignature {
            signed_entity_type,
            party_id,
            signature,
            won_indexes,
            signed_message,
            snark_signature,
            shadow_signature,
        } = value;
        if snark_signature.is_some() {
            downgrade.drop_part(FieldPath::field("snark_signature"))?;
        }
        if shadow_signature.is_some() {
            downgrade.drop_part(FieldPath::field("shadow_signature"))?;
        }
        Ok(pb::SingleSignature {
            signed_entity_type: Some(
                signed_entity_from_hub(signed_entity_type, downgrade)
                    .within("signed_entity_type")?,
            ),
            party_id: party_id.to_string(),
            signature: signature.to_bytes(),
            won_indexes: won_indexes.as_slice().to_vec(),
            signed_message: signed_message.to_string(),
        })
    }
}

fn signed_entity_to_hub(pb: pb::SignedEntityType) -> Result<SignedEntityType, ValidationError> {
    use pb::Entity;
    let pb::SignedEntityType {
        entity,
        unknown_fields,
    } = pb;
    let unknown = unknown_fields.into_fields();
    match entity {
        Some(entity) if unknown.is_empty() => Ok(match entity {
            Entity::MithrilStakeDistribution(pb::MithrilStakeDistribution { epoch }) => {
                SignedEntityType::MithrilStakeDistribution(Epoch(epoch))
            }
            Entity::CardanoStakeDistribution(pb::CardanoStakeDistribution { epoch }) => {
                SignedEntityType::CardanoStakeDistribution(Epoch(epoch))
            }
            Entity::CardanoImmutableFilesFull(pb::CardanoDbBeacon {
                epoch,
                immutable_file_number,
            }) => SignedEntityType::CardanoImmutableFilesFull(CardanoDbBeacon {
                epoch: Epoch(epoch),
                immutable_file_number: ImmutableFileNumber(immutable_file_number),
            }),
            Entity::CardanoTransactions(pb::CardanoTransactions {
                epoch,
                block_number,
            }) => SignedEntityType::CardanoTransactions(Epoch(epoch), BlockNumber(block_number)),
            Entity::CardanoDatabase(pb::CardanoDbBeacon {
                epoch,
                immutable_file_number,
            }) => SignedEntityType::CardanoDatabase(CardanoDbBeacon {
                epoch: Epoch(epoch),
                immutable_file_number: ImmutableFileNumber(immutable_file_number),
            }),
        }),
        Some(_) => Err(ValidationError::here(Violation::SeveralVariants)),
        None => shared::unknown_signed_entity(unknown, VERSION),
    }
}

fn signed_entity_from_hub(
    value: &SignedEntityType,
    downgrade: &Downgrade,
) -> Result<pb::SignedEntityType, WireError> {
    use pb::Entity;
    let mut unknown_fields = crate::wire::UnknownFields::default();
    let entity = match value {
        SignedEntityType::MithrilStakeDistribution(epoch) => Some(
            Entity::MithrilStakeDistribution(pb::MithrilStakeDistribution { epoch: epoch.0 }),
        ),
        SignedEntityType::CardanoStakeDistribution(epoch) => Some(
            Entity::CardanoStakeDistribution(pb::CardanoStakeDistribution { epoch: epoch.0 }),
        ),
        SignedEntityType::CardanoImmutableFilesFull(CardanoDbBeacon {
            epoch,
            immutable_file_number,
        }) => Some(Entity::CardanoImmutableFilesFull(pb::CardanoDbBeacon {
            epoch: epoch.0,
            immutable_file_number: immutable_file_number.0,
        })),
        SignedEntityType::CardanoTransactions(epoch, block_number) => {
            Some(Entity::CardanoTransactions(pb::CardanoTransactions {
                epoch: epoch.0,
                block_number: block_number.0,
            }))
        }
        SignedEntityType::CardanoDatabase(CardanoDbBeacon {
            epoch,
            immutable_file_number,
        }) => Some(Entity::CardanoDatabase(pb::CardanoDbBeacon {
            epoch: epoch.0,
            immutable_file_number: immutable_file_number.0,
        })),
        SignedEntityType::CardanoBlocksTransactions(..) => {
            return Err(downgrade.unrepresentable(FieldPath::root()));
        }
        SignedEntityType::Unknown(variant) => {
            unknown_fields.push_raw(shared::own_unknown_variant(variant, VERSION, downgrade)?);
            None
        }
    };
    Ok(pb::SignedEntityType {
        entity,
        unknown_fields,
    })
}

impl Spoke<EpochSettings> for V1 {
    type Pb = pb::EpochSettings;
    const VERSION: crate::wire::WireVersion = VERSION;

    fn to_hub(mut pb: Self::Pb) -> Result<EpochSettings, WireError> {
        let current_signers =
            shared::signers_to_hub(std::mem::take(&mut pb.current_signers), signer_to_hub);
        let next_signers =
            shared::signers_to_hub(std::mem::take(&mut pb.next_signers), signer_to_hub);
        settings_to_hub(pb, current_signers, next_signers)
    }

    fn decode_to_hub(buf: impl bytes::Buf) -> Result<EpochSettings, WireError> {
        shared::decode_settings(buf, VERSION, signer_to_hub, settings_to_hub)
    }

    fn from_hub(value: &EpochSettings, _: &mut Downgrade) -> Result<Self::Pb, WireError> {
        let EpochSettings {
            epoch,
            signer_registration_protocol_parameters,
            current_signers,
            next_signers,
            cardano_transactions_signing_config,
        } = value;
        Ok(pb::EpochSettings {
            epoch: epoch.0,
            signer_registration_protocol_parameters: signer_registration_protocol_parameters
                .as_ref()
                .map(protocol_parameters_from_hub),
            current_signers: current_signers
                .as_slice()
                .iter()
                .map(signer_from_hub)
                .collect(),
            next_signers: next_signers
                .as_slice()
                .iter()
                .map(signer_from_hub)
                .collect(),
            cardano_transactions_signing_config: cardano_transactions_signing_config.map(
                |CardanoTransactionsSigningConfig {
                     security_parameter,
                     step,
                 }| pb::CardanoTransactionsSigningConfig {
                    security_parameter,
                    step: step.0,
                },
            ),
        })
    }
}

fn protocol_parameters_to_hub(
    pb: pb::ProtocolParameters,
) -> Result<ProtocolParameters, ValidationError> {
    let pb::ProtocolParameters { k, m, phi_f } = pb;
    shared::protocol_parameters_to_hub(k, m, phi_f)
}

fn protocol_parameters_from_hub(value: &ProtocolParameters) -> pb::ProtocolParameters {
    pb::ProtocolParameters {
        k: value.k(),
        m: value.m(),
        phi_f: value.phi_f(),
    }
}

/// The rest of epoch settings once their signer lists are converted (the lists of `pb` are
/// empty by then). Errors come in the order of the fields.
fn settings_to_hub(
    pb: pb::EpochSettings,
    current_signers: ConvertedSigners,
    next_signers: ConvertedSigners,
) -> Result<EpochSettings, WireError> {
    let pb::EpochSettings {
        epoch,
        signer_registration_protocol_parameters,
        current_signers: _,
        next_signers: _,
        cardano_transactions_signing_config,
    } = pb;
    Ok(EpochSettings {
        epoch: Epoch(epoch),
        signer_registration_protocol_parameters: signer_registration_protocol_parameters
            .map(protocol_parameters_to_hub)
            .transpose()
            .within("signer_registration_protocol_parameters")?,
        current_signers: current_signers.within("current_signers")?,
        next_signers: next_signers.within("next_signers")?,
        cardano_transactions_signing_config: cardano_transactions_signing_config.map(
            |pb::CardanoTransactionsSigningConfig {
                 security_parameter,
                 step,
             }| CardanoTransactionsSigningConfig {
                security_parameter,
                step: BlockNumber(step),
            },
        ),
    })
}

fn signer_to_hub(pb: pb::Signer) -> Result<Signer, ValidationError> {
    let pb::Signer {
        party_id,
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_period,
        stake,
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
    } = pb;
    Ok(Signer {
        party_id: PartyId::new(party_id).within("party_id")?,
        verification_key: KeyBytes::new(verification_key).within("verification_key")?,
        verification_key_signature: optional_key(
            verification_key_signature,
            "verification_key_signature",
        )?,
        operational_certificate: optional_key(operational_certificate, "operational_certificate")?,
        kes_evolutions: kes_period,
        stake: stake.map(Stake),
        verification_key_for_snark: optional_key(
            verification_key_for_snark,
            "verification_key_for_snark",
        )?,
        verification_key_signature_for_snark: optional_key(
            verification_key_signature_for_snark,
            "verification_key_signature_for_snark",
        )?,
        proof_of_bound_possession_for_snark: optional_key(
            proof_of_bound_possession_for_snark,
            "proof_of_bound_possession_for_snark",
        )?,
    })
}

fn signer_from_hub(value: &Signer) -> pb::Signer {
    let Signer {
        party_id,
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_evolutions,
        stake,
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
    } = value;
    pb::Signer {
        party_id: party_id.to_string(),
        verification_key: verification_key.to_bytes(),
        verification_key_signature: optional_key_bytes(verification_key_signature),
        operational_certificate: optional_key_bytes(operational_certificate),
        kes_period: *kes_evolutions,
        stake: stake.map(|stake| stake.0),
        verification_key_for_snark: optional_key_bytes(verification_key_for_snark),
        verification_key_signature_for_snark: optional_key_bytes(
            verification_key_signature_for_snark,
        ),
        proof_of_bound_possession_for_snark: optional_key_bytes(
            proof_of_bound_possession_for_snark,
        ),
    }
}
