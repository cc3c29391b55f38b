//! proptest strategies for hub values, shared by the integration tests.
#![allow(dead_code)]

use bytes::Bytes;
use mithril_compat::domain::{
    BlockNumber, CardanoDbBeacon, CardanoTransactionsSigningConfig, Epoch, EpochSettings, EraName,
    ImmutableFileNumber, KeyBytes, NodeInfo, PartyId, ProtocolParameters, SignatureBytes,
    SignedEntityType, SignedMessage, Signer, SignerRegistration, SignerSet, SingleSignature,
    SoftwareVersion, Stake, UnknownVariant, WireVersionId, WonIndexes,
};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

pub fn party_id() -> impl Strategy<Value = PartyId> {
    "[!-~]{1,64}".prop_map(|text| PartyId::new(text).unwrap())
}

pub fn key_bytes() -> impl Strategy<Value = KeyBytes> {
    vec(any::<u8>(), 1..256).prop_map(|bytes| KeyBytes::new(bytes).unwrap())
}

pub fn node_info() -> impl Strategy<Value = NodeInfo> {
    (
        "[!-~]{1,64}",
        vec("[a-z0-9_-]{1,32}", 0..4),
        vec(1u32..=WireVersionId::MAX, 0..4),
    )
        .prop_map(|(version, eras, wire_versions)| {
            NodeInfo::new(
                SoftwareVersion::new(version).unwrap(),
                eras.into_iter()
                    .map(|name| EraName::new(name).unwrap())
                    .collect(),
                wire_versions
                    .into_iter()
                    .map(|number| WireVersionId::new(number).unwrap())
                    .collect(),
            )
            .unwrap()
        })
}

pub fn signer_registration() -> impl Strategy<Value = SignerRegistration> {
    (
        any::<u64>(),
        party_id(),
        key_bytes(),
        proptest::option::of(key_bytes()),
        proptest::option::of(key_bytes()),
        proptest::option::of(any::<u64>()),
        node_info(),
    )
        .prop_map(
            |(
                epoch,
                party_id,
                verification_key,
                verification_key_signature,
                operational_certificate,
                kes_evolutions,
                node_info,
            )| SignerRegistration {
                epoch: Epoch(epoch),
                party_id,
                verification_key,
                verification_key_signature,
                operational_certificate,
                kes_evolutions,
                node_info,
            },
        )
}

/// One encoded protobuf field with a number `tag` that v1 does not define.
pub fn unknown_field(first_unknown_tag: u32) -> impl Strategy<Value = Bytes> {
    (
        first_unknown_tag..=536_870_911u32,
        prop_oneof![
            any::<u64>().prop_map(Err),
            vec(any::<u8>(), 0..64).prop_map(Ok)
        ],
    )
        .prop_map(|(tag, value)| {
            let mut field = Vec::new();
            match value {
                Err(number) => {
                    prost::encoding::encode_key(tag, prost::encoding::WireType::Varint, &mut field);
                    prost::encoding::encode_varint(number, &mut field);
                }
                Ok(payload) => {
                    prost::encoding::encode_key(
                        tag,
                        prost::encoding::WireType::LengthDelimited,
                        &mut field,
                    );
                    prost::encoding::encode_varint(payload.len() as u64, &mut field);
                    field.extend_from_slice(&payload);
                }
            }
            Bytes::from(field)
        })
}

pub fn known_signed_entity_type() -> impl Strategy<Value = SignedEntityType> {
    prop_oneof![
        any::<u64>().prop_map(|e| SignedEntityType::MithrilStakeDistribution(Epoch(e))),
        any::<u64>().prop_map(|e| SignedEntityType::CardanoStakeDistribution(Epoch(e))),
        (any::<u64>(), any::<u64>()).prop_map(|(e, n)| {
            SignedEntityType::CardanoImmutableFilesFull(CardanoDbBeacon {
                epoch: Epoch(e),
                immutable_file_number: ImmutableFileNumber(n),
            })
        }),
        (any::<u64>(), any::<u64>())
            .prop_map(|(e, b)| SignedEntityType::CardanoTransactions(Epoch(e), BlockNumber(b))),
    ]
}

/// Known variants, and unknown ones that came from wire version `origin`.
pub fn signed_entity_type(
    origin: u32,
    first_unknown_tag: u32,
) -> impl Strategy<Value = SignedEntityType> {
    prop_oneof![
        4 => known_signed_entity_type(),
        1 => unknown_field(first_unknown_tag).prop_map(move |raw| SignedEntityType::Unknown(
            UnknownVariant::new(WireVersionId::new(origin).unwrap(), raw).unwrap()
        )),
    ]
}

pub fn single_signature_with(
    entity: impl Strategy<Value = SignedEntityType>,
) -> impl Strategy<Value = SingleSignature> {
    (
        entity,
        party_id(),
        vec(any::<u8>(), 1..2048),
        btree_set(any::<u64>(), 1..64),
        "[!-~]{1,128}",
    )
        .prop_map(
            |(signed_entity_type, party_id, signature, indexes, message)| SingleSignature {
                signed_entity_type,
                party_id,
                signature: SignatureBytes::new(signature).unwrap(),
                won_indexes: WonIndexes::new(indexes.into_iter().collect()).unwrap(),
                signed_message: SignedMessage::new(message).unwrap(),
            },
        )
}

pub fn signer_fields() -> impl Strategy<
    Value = (
        KeyBytes,
        Option<KeyBytes>,
        Option<KeyBytes>,
        Option<u64>,
        Option<u64>,
    ),
> {
    (
        key_bytes(),
        proptest::option::of(key_bytes()),
        proptest::option::of(key_bytes()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
    )
}

pub fn signer_set() -> impl Strategy<Value = SignerSet> {
    btree_map("[!-~]{1,64}", signer_fields(), 0..6).prop_map(|signers| {
        SignerSet::new(
            signers
                .into_iter()
                .map(
                    |(party, (verification_key, signature, certificate, kes, stake))| Signer {
                        party_id: PartyId::new(party).unwrap(),
                        verification_key,
                        verification_key_signature: signature,
                        operational_certificate: certificate,
                        kes_evolutions: kes,
                        stake: stake.map(Stake),
                    },
                )
                .collect(),
        )
        .unwrap()
    })
}

pub fn protocol_parameters() -> impl Strategy<Value = ProtocolParameters> {
    (1u64..100_000, 0.0f64..1.0, 1e-9f64..=1.0).prop_map(|(m, k_share, phi_f)| {
        let k = ((m as f64 * k_share) as u64).clamp(1, m);
        ProtocolParameters::new(k, m, phi_f).unwrap()
    })
}

pub fn epoch_settings() -> impl Strategy<Value = EpochSettings> {
    (
        any::<u64>(),
        proptest::option::of(protocol_parameters()),
        signer_set(),
        signer_set(),
        proptest::option::of((any::<u64>(), any::<u64>())),
    )
        .prop_map(|(epoch, parameters, current, next, config)| EpochSettings {
            epoch: Epoch(epoch),
            signer_registration_protocol_parameters: parameters,
            current_signers: current,
            next_signers: next,
            cardano_transactions_signing_config: config.map(|(security_parameter, step)| {
                CardanoTransactionsSigningConfig {
                    security_parameter,
                    step: BlockNumber(step),
                }
            }),
        })
}
