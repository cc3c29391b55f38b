//! Conversions between `mithril.signer.v2` and the hub.
//!
//! Every conversion destructures its input completely, so a field added to either side stops the
//! build here until it is mapped, defaulted or declared lossy.
//!
//! | v2 field | hub | notes |
//! |---|---|---|
//! | `concatenation_key.{key, kes_signature}` | `verification_key`, `verification_key_signature` | `concatenation_key` is required |
//! | `snark_key.{key, kes_signature}` | `verification_key_for_snark`, `verification_key_signature_for_snark` | a SNARK key signature without its key is not carried: an error, or dropped and reported under [`DowngradePolicy::Lossy`] |
//! | `pool_certification.{operational_certificate, kes_evolutions}` | `operational_certificate`, `kes_evolutions` | both or neither; one without the other is not carried: an error, or dropped and reported under [`DowngradePolicy::Lossy`] |
//! | `NodeInfo.wire_versions` (enum) | [`WireVersionId`](crate::domain::WireVersionId) | as in v1 |
//! | `SingleSignature.snark_signature` | `SingleSignature::snark_signature` | optional on both sides |
//! | `SingleSignature.shadow_signature` | `SingleSignature::shadow_signature` ([`ShadowSignature`]) | optional on both sides; its `era` is an [`EraName`], checked like the rest |
//! | — | [`SignedEntityType::CardanoImmutableFilesFull`] | discontinued, not carried: always an error |
//! | `SignedEntityType` unknown variant | [`SignedEntityType::Unknown`] | re-emitted as received; one from another wire version or from JSON is always an error |
//!
//! [`DowngradePolicy::Lossy`]: crate::wire::DowngradePolicy::Lossy

use super::{V2, VERSION, pb};
use crate::domain::{
    BlockNumber, BlockNumberOffset, CardanoDbBeacon, CardanoTransactionsSigningConfig, Epoch,
    EpochSettings, EraName, ImmutableFileNumber, KeyBytes, NodeInfo, PartyId, ShadowSignature,
    SignatureBytes, SignedEntityType, SignedMessage, Signer, SignerRegistration, SignerSet,
    SingleSignature, Stake, WonIndexes,
};
use crate::error::{FieldPath, ValidationError, Violation, WireError, WithinField};
use crate::wire::shared::{self, ConvertedSigners, missing, optional_key, optional_key_bytes};
use crate::wire::{Downgrade, Spoke};

/// The key material v2 groups per proof system, as the hub holds it.
struct KeyMaterial {
    verification_key: KeyBytes,
    verification_key_signature: Option<KeyBytes>,
    operational_certificate: Option<KeyBytes>,
    kes_evolutions: Option<u64>,
    verification_key_for_snark: Option<KeyBytes>,
    verification_key_signature_for_snark: Option<KeyBytes>,
    proof_of_bound_possession_for_snark: Option<KeyBytes>,
}

/// The key material as v2 carries it.
struct GroupedKeys {
    concatenation_key: Option<pb::VerificationKey>,
    snark_key: Option<pb::VerificationKey>,
    pool_certification: Option<pb::PoolCertification>,
}

#[inline(always)]
fn verification_key_to_hub(
    pb: pb::VerificationKey,
) -> Result<(KeyBytes, Option<KeyBytes>, Option<KeyBytes>), ValidationError> {
    let pb::VerificationKey {
        key,
        kes_signature,
        proof_of_bound_possession,
    } = pb;
    Ok((
        KeyBytes::new(key).within("key")?,
        optional_key(kes_signature, "kes_signature")?,
        optional_key(proof_of_bound_possession, "proof_of_bound_possession")?,
    ))
}

#[inline(always)]
fn keys_to_hub(keys: GroupedKeys) -> Result<KeyMaterial, ValidationError> {
    let GroupedKeys {
        concatenation_key,
        snark_key,
        pool_certification,
    } = keys;
    let (verification_key, verification_key_signature, concatenation_proof) =
        verification_key_to_hub(concatenation_key.ok_or_else(|| missing("concatenation_key"))?)
            .within("concatenation_key")?;
    if concatenation_proof.is_some() {
        return Err(ValidationError::new(
            FieldPath::field("concatenation_key").then("proof_of_bound_possession"),
            Violation::Malformed {
                expected: "no proof of bound possession: a concatenation key carries its proof \
                           of possession inside the key",
            },
        ));
    }
    let (
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
    ) = match snark_key {
        Some(key) => {
            let (key, signature, proof) = verification_key_to_hub(key).within("snark_key")?;
            (Some(key), signature, proof)
        }
        None => (None, None, None),
    };
    let (operational_certificate, kes_evolutions) = match pool_certification {
        Some(pb::PoolCertification {
            operational_certificate,
            kes_evolutions,
        }) => (
            Some(
                KeyBytes::new(operational_certificate)
                    .within("operational_certificate")
                    .within("pool_certification")?,
            ),
            Some(kes_evolutions),
        ),
        None => (None, None),
    };
    Ok(KeyMaterial {
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_evolutions,
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
    })
}

/// Groups the hub's key material; `base` is the path of the value that holds it.
fn keys_from_hub(
    keys: KeyMaterial,
    base: &FieldPath,
    downgrade: &mut Downgrade,
) -> Result<GroupedKeys, WireError> {
    let KeyMaterial {
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_evolutions,
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
    } = keys;
    let snark_key = match (
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
    ) {
        (Some(key), kes_signature, proof) => Some(pb::VerificationKey {
            key: key.into_bytes(),
            kes_signature: kes_signature.map(KeyBytes::into_bytes),
            proof_of_bound_possession: proof.map(KeyBytes::into_bytes),
        }),
        (None, signature, proof) => {
            if signature.is_some() {
                downgrade.drop_part(base.clone().then("verification_key_signature_for_snark"))?;
            }
            if proof.is_some() {
                downgrade.drop_part(base.clone().then("proof_of_bound_possession_for_snark"))?;
            }
            None
        }
    };
    let pool_certification = match (operational_certificate, kes_evolutions) {
        (Some(certificate), Some(kes_evolutions)) => Some(pb::PoolCertification {
            operational_certificate: certificate.into_bytes(),
            kes_evolutions,
        }),
        (Some(_), None) => {
            downgrade.drop_part(base.clone().then("operational_certificate"))?;
            None
        }
        (None, Some(_)) => {
            downgrade.drop_part(base.clone().then("kes_evolutions"))?;
            None
        }
        (None, None) => None,
    };
    Ok(GroupedKeys {
        concatenation_key: Some(pb::VerificationKey {
            key: verification_key.into_bytes(),
            kes_signature: verification_key_signature.map(KeyBytes::into_bytes),
            proof_of_bound_possession: None,
        }),
        snark_key,
        pool_certification,
    })
}

impl Spoke<SignerRegistration> for V2 {
    type Pb = pb::SignerRegistration;
    const VERSION: crate::wire::WireVersion = VERSION;

    fn to_hub(pb: Self::Pb) -> Result<SignerRegistration, WireError> {
        let pb::SignerRegistration {
            epoch,
            party_id,
            concatenation_key,
            snark_key,
            pool_certification,
            mut node_info,
            node_info_signature,
        } = pb;
        let KeyMaterial {
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_evolutions,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
        } = keys_to_hub(GroupedKeys {
            concatenation_key,
            snark_key,
            pool_certification,
        })?;
        Ok(SignerRegistration {
            epoch: Epoch(epoch),
            party_id: PartyId::new(party_id).within("party_id")?,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_evolutions,
            node_info: node_info_to_hub(node_info.as_mut().ok_or_else(|| missing("node_info"))?)
                .within("node_info")?,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
            node_info_signature: optional_key(node_info_signature, "node_info_signature")?,
        })
    }

    fn from_hub(
        value: &SignerRegistration,
        downgrade: &mut Downgrade,
    ) -> Result<Self::Pb, WireError> {
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
        let GroupedKeys {
            concatenation_key,
            snark_key,
            pool_certification,
        } = keys_from_hub(
            KeyMaterial {
                verification_key: verification_key.clone(),
                verification_key_signature: verification_key_signature.clone(),
                operational_certificate: operational_certificate.clone(),
                kes_evolutions: *kes_evolutions,
                verification_key_for_snark: verification_key_for_snark.clone(),
                verification_key_signature_for_snark: verification_key_signature_for_snark.clone(),
                proof_of_bound_possession_for_snark: proof_of_bound_possession_for_snark.clone(),
            },
            &FieldPath::root(),
            downgrade,
        )?;
        Ok(pb::SignerRegistration {
            epoch: epoch.0,
            party_id: party_id.to_string(),
            concatenation_key,
            snark_key,
            pool_certification,
            node_info: Some(node_info_from_hub(node_info)),
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

impl Spoke<SingleSignature> for V2 {
    type Pb = pb::SingleSignature;
    const VERSION: crate::wire::WireVersion = VERSION;

    fn to_hub(pb: Self::Pb) -> Result<SingleSignature, WireError> {
        let pb::SingleSignature {
            signed_entity_type,
            party_id,
            signature,
            won_indexes,
            signed_message,
            snark_signature,
            shadow_signature,
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
            snark_signature: snark_signature
                .map(SignatureBytes::new)
                .transpose()
                .within("snark_signature")?,
            shadow_signature: shadow_signature
                .map(shadow_to_hub)
                .transpose()
                .within("shadow_signature")?,
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
        Ok(pb::SingleSignature {
            signed_entity_type: Some(
                signed_entity_from_hub(signed_entity_type, downgrade)
                    .within("signed_entity_type")?,
            ),
            party_id: party_id.to_string(),
            signature: signature.to_bytes(),
            won_indexes: won_indexes.as_slice().to_vec(),
            signed_message: signed_message.to_string(),
            snark_signature: snark_signature.as_ref().map(SignatureBytes::to_bytes),
            shadow_signature: shadow_signature.as_ref().map(shadow_from_hub),
        })
    }
}

fn shadow_to_hub(pb: pb::ShadowSignature) -> Result<ShadowSignature, ValidationError> {
    let pb::ShadowSignature {
        era,
        signature,
        won_indexes,
        signed_message,
    } = pb;
    Ok(ShadowSignature {
        era: EraName::new(era).within("era")?,
        signature: SignatureBytes::new(signature).within("signature")?,
        won_indexes: WonIndexes::new(won_indexes).within("won_indexes")?,
        signed_message: SignedMessage::new(signed_message).within("signed_message")?,
    })
}

fn shadow_from_hub(value: &ShadowSignature) -> pb::ShadowSignature {
    let ShadowSignature {
        era,
        signature,
        won_indexes,
        signed_message,
    } = value;
    pb::ShadowSignature {
        era: era.to_string(),
        signature: signature.to_bytes(),
        won_indexes: won_indexes.as_slice().to_vec(),
        signed_message: signed_message.to_string(),
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
            Entity::CardanoBlocksTransactions(pb::CardanoBlocksTransactions {
                epoch,
                block_number,
                block_number_offset,
            }) => SignedEntityType::CardanoBlocksTransactions(
                Epoch(epoch),
                BlockNumber(block_number),
                BlockNumberOffset(block_number_offset),
            ),
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
        SignedEntityType::CardanoBlocksTransactions(epoch, block_number, offset) => Some(
            Entity::CardanoBlocksTransactions(pb::CardanoBlocksTransactions {
                epoch: epoch.0,
                block_number: block_number.0,
                block_number_offset: offset.0,
            }),
        ),
        SignedEntityType::CardanoImmutableFilesFull(_) => {
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

impl Spoke<EpochSettings> for V2 {
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

    fn from_hub(value: &EpochSettings, downgrade: &mut Downgrade) -> Result<Self::Pb, WireError> {
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
                .map(|parameters| pb::ProtocolParameters {
                    k: parameters.k(),
                    m: parameters.m(),
                    phi_f: parameters.phi_f(),
                }),
            current_signers: signers_from_hub(current_signers, "current_signers", downgrade)?,
            next_signers: signers_from_hub(next_signers, "next_signers", downgrade)?,
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
            .map(|pb::ProtocolParameters { k, m, phi_f }| {
                shared::protocol_parameters_to_hub(k, m, phi_f)
            })
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
        stake,
        concatenation_key,
        snark_key,
        pool_certification,
    } = pb;
    let KeyMaterial {
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_evolutions,
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
    } = keys_to_hub(GroupedKeys {
        concatenation_key,
        snark_key,
        pool_certification,
    })?;
    Ok(Signer {
        party_id: PartyId::new(party_id).within("party_id")?,
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_evolutions,
        stake: stake.map(Stake),
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
    })
}

fn signers_from_hub(
    signers: &SignerSet,
    field: &'static str,
    downgrade: &mut Downgrade,
) -> Result<Vec<pb::Signer>, WireError> {
    signers
        .as_slice()
        .iter()
        .enumerate()
        .map(|(index, signer)| {
            signer_from_hub(
                signer,
                &FieldPath::field(field).then_index(index),
                downgrade,
            )
        })
        .collect()
}

fn signer_from_hub(
    value: &Signer,
    path: &FieldPath,
    downgrade: &mut Downgrade,
) -> Result<pb::Signer, WireError> {
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
    let GroupedKeys {
        concatenation_key,
        snark_key,
        pool_certification,
    } = keys_from_hub(
        KeyMaterial {
            verification_key: verification_key.clone(),
            verification_key_signature: verification_key_signature.clone(),
            operational_certificate: operational_certificate.clone(),
            kes_evolutions: *kes_evolutions,
            verification_key_for_snark: verification_key_for_snark.clone(),
            verification_key_signature_for_snark: verification_key_signature_for_snark.clone(),
            proof_of_bound_possession_for_snark: proof_of_bound_possession_for_snark.clone(),
        },
        path,
        downgrade,
    )?;
    Ok(pb::Signer {
        party_id: party_id.to_string(),
        stake: stake.map(|stake| stake.0),
        concatenation_key,
        snark_key,
        pool_certification,
    })
}
