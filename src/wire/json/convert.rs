//! Conversions between the bodies of today's JSON API and the hub.
//!
//! Every conversion destructures its input completely, so a member or a field added to either
//! side stops the build here until it is mapped, defaulted or declared lossy. The table of what
//! each conversion does is in the [module documentation](super).

use serde_json::Value;

use super::message::{
    CardanoDbBeaconMessage, CardanoTransactionsSigningConfigMessage, EpochSettingsMessage,
    JsonMessage, NodeInfoMessage, ProtocolParametersMessage, RegisterSignatureMessage,
    RegisterSignerMessage, ShadowSignatureMessage, SignedEntityTypeMessage, SignerMessage,
};
use super::{JsonHeaders, private};
use crate::domain::{
    BlockNumber, BlockNumberOffset, BoundedBytes, CardanoDbBeacon,
    CardanoTransactionsSigningConfig, Epoch, EpochSettings, EraName, ImmutableFileNumber, KeyBytes,
    NodeInfo, PartyId, ProtocolParameters, ShadowSignature, SignatureBytes, SignedEntityType,
    SignedMessage, Signer, SignerRegistration, SignerSet, SingleSignature, SoftwareVersion,
    UnknownOrigin, UnknownVariant, WireVersionId, WonIndexes,
};
use crate::error::{FieldPath, ValidationError, Violation, WireError, WithinField};
use crate::wire::{Downgrade, HubType, shared};

/// The JSON representation of a hub type: the body type of today's JSON API that carries it,
/// and the two conversions.
///
/// Implemented by [`SignerRegistration`], [`SingleSignature`] and [`EpochSettings`]; it cannot be
/// implemented outside this crate.
pub trait JsonSpoke: HubType + private::Sealed {
    /// The body type (`RegisterSignerMessage` for a registration).
    type Message: JsonMessage;

    /// Converts a body, with the HTTP headers that came with it, into the hub. Error paths are
    /// relative to the message and name the JSON members.
    fn to_hub(message: &Self::Message, headers: &JsonHeaders) -> Result<Self, WireError>;

    /// Converts a hub value into a body and the HTTP headers that go with it. Paths (errors and
    /// dropped parts) are relative to the hub value and name its fields.
    fn from_hub(
        value: &Self,
        downgrade: &mut Downgrade,
    ) -> Result<(Self::Message, JsonHeaders), WireError>;
}

impl private::Sealed for SignerRegistration {}
impl private::Sealed for SingleSignature {}
impl private::Sealed for EpochSettings {}

/// Decodes hex (either case) into bounded bytes. A character that is not a hex digit is
/// reported before an odd length.
fn hex_bytes<const MAX: usize>(text: &str) -> Result<BoundedBytes<MAX>, ValidationError> {
    if let Some(character) = text.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(ValidationError::here(Violation::InvalidCharacter {
            character,
            allowed: "hex digits",
        }));
    }
    let bytes = hex::decode(text).map_err(|_| {
        ValidationError::here(Violation::Malformed {
            expected: "an even number of hex digits",
        })
    })?;
    BoundedBytes::new(bytes)
}

fn optional_key(text: &Option<String>, field: &'static str) -> Result<Option<KeyBytes>, WireError> {
    Ok(text.as_deref().map(hex_bytes).transpose().within(field)?)
}

fn optional_hex(key: &Option<KeyBytes>) -> Option<String> {
    key.as_ref().map(KeyBytes::to_hex)
}

impl JsonSpoke for SignerRegistration {
    type Message = RegisterSignerMessage;

    fn to_hub(message: &Self::Message, headers: &JsonHeaders) -> Result<Self, WireError> {
        let RegisterSignerMessage {
            epoch,
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_period,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
            node_info,
            node_info_signature,
            unknown_fields: _,
        } = message;
        let node_info = match node_info {
            Some(member) => node_info_to_hub(member).within("node_info")?,
            None => headers.node_info(),
        };
        Ok(SignerRegistration {
            epoch: Epoch(*epoch),
            party_id: PartyId::new(party_id.as_str()).within("party_id")?,
            verification_key: hex_bytes(verification_key).within("verification_key")?,
            verification_key_signature: optional_key(
                verification_key_signature,
                "verification_key_signature",
            )?,
            operational_certificate: optional_key(
                operational_certificate,
                "operational_certificate",
            )?,
            kes_evolutions: *kes_period,
            node_info,
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

    fn from_hub(
        value: &Self,
        downgrade: &mut Downgrade,
    ) -> Result<(Self::Message, JsonHeaders), WireError> {
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
        // A signed declaration travels whole, in two members today's nodes ignore; an unsigned
        // one keeps today's shape: the software version in a header, the rest dropped.
        let signed = node_info_signature.is_some();
        if !signed {
            drop_undeclarable(node_info, downgrade)?;
        }
        let message = RegisterSignerMessage {
            epoch: epoch.0,
            party_id: party_id.to_string(),
            verification_key: verification_key.to_hex(),
            verification_key_signature: optional_hex(verification_key_signature),
            operational_certificate: optional_hex(operational_certificate),
            kes_period: *kes_evolutions,
            verification_key_for_snark: optional_hex(verification_key_for_snark),
            verification_key_signature_for_snark: optional_hex(
                verification_key_signature_for_snark,
            ),
            proof_of_bound_possession_for_snark: optional_hex(proof_of_bound_possession_for_snark),
            node_info: signed.then(|| node_info_from_hub(node_info)),
            node_info_signature: optional_hex(node_info_signature),
            unknown_fields: Default::default(),
        };
        Ok((message, JsonHeaders::for_node_info(node_info)))
    }
}

/// Reports the parts of an unsigned node info that today's JSON cannot carry.
fn drop_undeclarable(node_info: &NodeInfo, downgrade: &mut Downgrade) -> Result<(), WireError> {
    let path = |field| FieldPath::field("node_info").then(field);
    if !node_info.supported_eras().is_empty() {
        downgrade.drop_part(path("supported_eras"))?;
    }
    if !node_info.wire_versions().is_empty() {
        downgrade.drop_part(path("wire_versions"))?;
    }
    if node_info.distribution_version().is_some() {
        downgrade.drop_part(path("distribution_version"))?;
    }
    if node_info.database_version().is_some() {
        downgrade.drop_part(path("database_version"))?;
    }
    if !node_info.protocol_versions().is_empty() {
        downgrade.drop_part(path("protocol_versions"))?;
    }
    Ok(())
}

/// Checks the `node_info` member of a registration.
fn node_info_to_hub(member: &NodeInfoMessage) -> Result<NodeInfo, ValidationError> {
    let NodeInfoMessage {
        software_version,
        supported_eras,
        wire_versions,
        distribution_version,
        database_version,
        protocol_versions,
        unknown_fields: _,
    } = member;
    let eras = checked_entries(supported_eras, "supported_eras", |name| {
        EraName::new(name.as_str())
    })?;
    let wires = checked_entries(wire_versions, "wire_versions", |number| {
        WireVersionId::new(*number)
    })?;
    let protocols = checked_entries(protocol_versions, "protocol_versions", |version| {
        SoftwareVersion::new(version.as_str())
    })?;
    let distribution = distribution_version
        .as_deref()
        .map(SoftwareVersion::new)
        .transpose()
        .within("distribution_version")?;
    NodeInfo::new(
        SoftwareVersion::new(software_version.as_str()).within("software_version")?,
        eras,
        wires,
    )?
    .with_distribution_version(distribution)
    .with_database_version(*database_version)
    .with_protocol_versions(protocols)
}

/// Checks every entry of a declared list, naming the first bad one by its index.
fn checked_entries<T, U>(
    entries: &[T],
    field: &'static str,
    check: impl Fn(&T) -> Result<U, ValidationError>,
) -> Result<Vec<U>, ValidationError> {
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| check(entry).at_index(index).within(field))
        .collect()
}

/// The `node_info` member of a signed registration.
fn node_info_from_hub(node_info: &NodeInfo) -> NodeInfoMessage {
    let shared::NodeInfoParts {
        software_version,
        supported_eras,
        wire_versions,
        distribution_version,
        database_version,
        protocol_versions,
    } = shared::node_info_parts(node_info);
    NodeInfoMessage {
        software_version,
        supported_eras,
        // Positive by construction of `WireVersionId`.
        wire_versions: wire_versions.into_iter().map(|n| n as u32).collect(),
        distribution_version,
        database_version,
        protocol_versions,
        unknown_fields: Default::default(),
    }
}

impl JsonSpoke for SingleSignature {
    type Message = RegisterSignatureMessage;

    fn to_hub(message: &Self::Message, _: &JsonHeaders) -> Result<Self, WireError> {
        let RegisterSignatureMessage {
            entity_type,
            party_id,
            signature,
            indexes,
            signed_message,
            shadow_signature,
            unknown_fields: _,
        } = message;
        Ok(SingleSignature {
            signed_entity_type: signed_entity_to_hub(entity_type).within("entity_type")?,
            party_id: PartyId::new(party_id.as_str()).within("party_id")?,
            signature: hex_bytes::<{ SignatureBytes::MAX_BYTES }>(signature).within("signature")?,
            won_indexes: WonIndexes::new(indexes.clone()).within("indexes")?,
            signed_message: SignedMessage::new(signed_message.as_str()).within("signed_message")?,
            snark_signature: None,
            shadow_signature: shadow_signature
                .as_ref()
                .map(shadow_to_hub)
                .transpose()
                .within("shadow_signature")?,
        })
    }

    fn from_hub(
        value: &Self,
        downgrade: &mut Downgrade,
    ) -> Result<(Self::Message, JsonHeaders), WireError> {
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
        let message = RegisterSignatureMessage {
            entity_type: signed_entity_from_hub(signed_entity_type, downgrade)
                .within("signed_entity_type")?,
            party_id: party_id.to_string(),
            signature: signature.to_hex(),
            indexes: won_indexes.as_slice().to_vec(),
            signed_message: signed_message.to_string(),
            shadow_signature: shadow_signature.as_ref().map(shadow_from_hub),
            unknown_fields: Default::default(),
        };
        Ok((message, JsonHeaders::default()))
    }
}

fn shadow_to_hub(message: &ShadowSignatureMessage) -> Result<ShadowSignature, ValidationError> {
    let ShadowSignatureMessage {
        era,
        signature,
        indexes,
        signed_message,
        unknown_fields: _,
    } = message;
    Ok(ShadowSignature {
        era: EraName::new(era.as_str()).within("era")?,
        signature: hex_bytes::<{ SignatureBytes::MAX_BYTES }>(signature).within("signature")?,
        won_indexes: WonIndexes::new(indexes.clone()).within("indexes")?,
        signed_message: SignedMessage::new(signed_message.as_str()).within("signed_message")?,
    })
}

fn shadow_from_hub(value: &ShadowSignature) -> ShadowSignatureMessage {
    let ShadowSignature {
        era,
        signature,
        won_indexes,
        signed_message,
    } = value;
    ShadowSignatureMessage {
        era: era.to_string(),
        signature: signature.to_hex(),
        indexes: won_indexes.as_slice().to_vec(),
        signed_message: signed_message.to_string(),
        unknown_fields: Default::default(),
    }
}

fn beacon_to_hub(beacon: &CardanoDbBeaconMessage) -> CardanoDbBeacon {
    let CardanoDbBeaconMessage {
        epoch,
        immutable_file_number,
        unknown_fields: _,
    } = beacon;
    CardanoDbBeacon {
        epoch: Epoch(*epoch),
        immutable_file_number: ImmutableFileNumber(*immutable_file_number),
    }
}

fn beacon_from_hub(beacon: &CardanoDbBeacon) -> CardanoDbBeaconMessage {
    let CardanoDbBeacon {
        epoch,
        immutable_file_number,
    } = beacon;
    CardanoDbBeaconMessage {
        epoch: epoch.0,
        immutable_file_number: immutable_file_number.0,
        unknown_fields: Default::default(),
    }
}

pub(super) fn signed_entity_to_hub(
    message: &SignedEntityTypeMessage,
) -> Result<SignedEntityType, ValidationError> {
    use SignedEntityTypeMessage as M;
    Ok(match message {
        M::MithrilStakeDistribution(epoch) => {
            SignedEntityType::MithrilStakeDistribution(Epoch(*epoch))
        }
        M::CardanoStakeDistribution(epoch) => {
            SignedEntityType::CardanoStakeDistribution(Epoch(*epoch))
        }
        M::CardanoDatabase(beacon) => SignedEntityType::CardanoDatabase(beacon_to_hub(beacon)),
        M::CardanoTransactions(epoch, block_number) => {
            SignedEntityType::CardanoTransactions(Epoch(*epoch), BlockNumber(*block_number))
        }
        M::CardanoBlocksTransactions(epoch, block_number, offset) => {
            SignedEntityType::CardanoBlocksTransactions(
                Epoch(*epoch),
                BlockNumber(*block_number),
                BlockNumberOffset(*offset),
            )
        }
        M::CardanoImmutableFilesFull(beacon) => {
            SignedEntityType::CardanoImmutableFilesFull(beacon_to_hub(beacon))
        }
        M::Unknown(value) => {
            let text = serde_json::to_string(value).map_err(|_| {
                ValidationError::here(Violation::Malformed {
                    expected: "a JSON value",
                })
            })?;
            SignedEntityType::Unknown(UnknownVariant::from_json(&text)?)
        }
    })
}

fn signed_entity_from_hub(
    value: &SignedEntityType,
    downgrade: &Downgrade,
) -> Result<SignedEntityTypeMessage, WireError> {
    use SignedEntityTypeMessage as M;
    Ok(match value {
        SignedEntityType::MithrilStakeDistribution(epoch) => M::MithrilStakeDistribution(epoch.0),
        SignedEntityType::CardanoStakeDistribution(epoch) => M::CardanoStakeDistribution(epoch.0),
        SignedEntityType::CardanoImmutableFilesFull(beacon) => {
            M::CardanoImmutableFilesFull(beacon_from_hub(beacon))
        }
        SignedEntityType::CardanoTransactions(epoch, block_number) => {
            M::CardanoTransactions(epoch.0, block_number.0)
        }
        SignedEntityType::CardanoDatabase(beacon) => M::CardanoDatabase(beacon_from_hub(beacon)),
        SignedEntityType::CardanoBlocksTransactions(epoch, block_number, offset) => {
            M::CardanoBlocksTransactions(epoch.0, block_number.0, offset.0)
        }
        SignedEntityType::Unknown(variant) => {
            let value = match (variant.origin(), variant.json()) {
                // Text that JSON parsers would refuse inside a body, one level down (nested
                // deeper than they go), is not carried.
                (UnknownOrigin::Json, Some(text)) => {
                    serde_json::from_str::<Value>(&format!("[{text}]"))
                        .ok()
                        .and_then(|mut wrapped| wrapped.get_mut(0).map(Value::take))
                }
                _ => None,
            };
            match value {
                Some(value) => M::Unknown(value),
                None => return Err(downgrade.unrepresentable(FieldPath::root())),
            }
        }
    })
}

impl JsonSpoke for EpochSettings {
    type Message = EpochSettingsMessage;

    fn to_hub(message: &Self::Message, _: &JsonHeaders) -> Result<Self, WireError> {
        let EpochSettingsMessage {
            epoch,
            signer_registration_protocol,
            current_signers,
            next_signers,
            cardano_transactions_signing_config,
            unknown_fields: _,
        } = message;
        Ok(EpochSettings {
            epoch: Epoch(*epoch),
            signer_registration_protocol_parameters: signer_registration_protocol
                .as_ref()
                .map(
                    |ProtocolParametersMessage {
                         k,
                         m,
                         phi_f,
                         unknown_fields: _,
                     }| ProtocolParameters::new(*k, *m, *phi_f),
                )
                .transpose()
                .within("signer_registration_protocol")?,
            current_signers: signers_to_hub(current_signers).within("current_signers")?,
            next_signers: signers_to_hub(next_signers).within("next_signers")?,
            cardano_transactions_signing_config: cardano_transactions_signing_config.as_ref().map(
                |CardanoTransactionsSigningConfigMessage {
                     security_parameter,
                     step,
                     unknown_fields: _,
                 }| CardanoTransactionsSigningConfig {
                    security_parameter: *security_parameter,
                    step: BlockNumber(*step),
                },
            ),
        })
    }

    fn from_hub(
        value: &Self,
        downgrade: &mut Downgrade,
    ) -> Result<(Self::Message, JsonHeaders), WireError> {
        let EpochSettings {
            epoch,
            signer_registration_protocol_parameters,
            current_signers,
            next_signers,
            cardano_transactions_signing_config,
        } = value;
        let message = EpochSettingsMessage {
            epoch: epoch.0,
            signer_registration_protocol: signer_registration_protocol_parameters.as_ref().map(
                |parameters| ProtocolParametersMessage {
                    k: parameters.k(),
                    m: parameters.m(),
                    phi_f: parameters.phi_f(),
                    unknown_fields: Default::default(),
                },
            ),
            current_signers: signers_from_hub(current_signers, "current_signers", downgrade)?,
            next_signers: signers_from_hub(next_signers, "next_signers", downgrade)?,
            cardano_transactions_signing_config: cardano_transactions_signing_config.map(
                |CardanoTransactionsSigningConfig {
                     security_parameter,
                     step,
                 }| CardanoTransactionsSigningConfigMessage {
                    security_parameter,
                    step: step.0,
                    unknown_fields: Default::default(),
                },
            ),
            unknown_fields: Default::default(),
        };
        Ok((message, JsonHeaders::default()))
    }
}

fn signers_to_hub(signers: &[SignerMessage]) -> Result<SignerSet, WireError> {
    // Longer than any signer set: refused before a hub value is made for each.
    if signers.len() > crate::domain::limits::MAX_SIGNERS {
        return Err(ValidationError::here(Violation::TooManyEntries {
            count: signers.len(),
            max: crate::domain::limits::MAX_SIGNERS,
        })
        .into());
    }
    let signers = signers
        .iter()
        .enumerate()
        .map(|(index, signer)| signer_to_hub(signer).at_index(index))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SignerSet::new(signers)?)
}

fn signer_to_hub(message: &SignerMessage) -> Result<Signer, WireError> {
    let SignerMessage {
        party_id,
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_period,
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
        unknown_fields: _,
    } = message;
    Ok(Signer {
        party_id: PartyId::new(party_id.as_str()).within("party_id")?,
        verification_key: hex_bytes(verification_key).within("verification_key")?,
        verification_key_signature: optional_key(
            verification_key_signature,
            "verification_key_signature",
        )?,
        operational_certificate: optional_key(operational_certificate, "operational_certificate")?,
        kes_evolutions: *kes_period,
        stake: None,
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

fn signers_from_hub(
    signers: &SignerSet,
    field: &'static str,
    downgrade: &mut Downgrade,
) -> Result<Vec<SignerMessage>, WireError> {
    signers
        .as_slice()
        .iter()
        .enumerate()
        .map(|(index, signer)| {
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
            } = signer;
            if stake.is_some() {
                downgrade.drop_part(FieldPath::field(field).then_index(index).then("stake"))?;
            }
            Ok(SignerMessage {
                party_id: party_id.to_string(),
                verification_key: verification_key.to_hex(),
                verification_key_signature: optional_hex(verification_key_signature),
                operational_certificate: optional_hex(operational_certificate),
                kes_period: *kes_evolutions,
                verification_key_for_snark: optional_hex(verification_key_for_snark),
                verification_key_signature_for_snark: optional_hex(
                    verification_key_signature_for_snark,
                ),
                proof_of_bound_possession_for_snark: optional_hex(
                    proof_of_bound_possession_for_snark,
                ),
                unknown_fields: Default::default(),
            })
        })
        .collect()
}
