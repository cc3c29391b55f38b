//! Bad input from the network gets a typed error naming the field, and nothing panics.

use bytes::Bytes;
use mithril_compat::domain::{
    EpochSettings, SignedEntityType, SignerRegistration, SingleSignature,
};
use mithril_compat::samples;
use mithril_compat::wire::{self, MessageKind, WireVersion, v1, v1::pb};
use mithril_compat::{Violation, WireError};
use prost::Message;

fn sample_signature_pb() -> pb::SingleSignature {
    pb::SingleSignature::decode(&v1::encode(&samples::single_signature()).unwrap()[..]).unwrap()
}

fn sample_registration_pb() -> pb::SignerRegistration {
    pb::SignerRegistration::decode(&v1::encode(&samples::signer_registration()).unwrap()[..])
        .unwrap()
}

fn sample_settings_pb() -> pb::EpochSettings {
    pb::EpochSettings::decode(&v1::encode(&samples::epoch_settings()).unwrap()[..]).unwrap()
}

/// The path and violation of a validation error, or a panic naming what came instead.
fn invalid(result: Result<impl std::fmt::Debug, WireError>) -> (String, Violation) {
    match result {
        Err(WireError::Invalid(error)) => (error.path().to_string(), error.violation().clone()),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn missing_signed_entity_type_names_the_field() {
    let mut message = sample_signature_pb();
    message.signed_entity_type = None;
    let error = v1::decode::<SingleSignature>(&message.encode_to_vec()[..]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "single_signature.signed_entity_type: missing"
    );
}

#[test]
fn empty_signed_entity_type_is_missing_not_unknown() {
    let mut message = sample_signature_pb();
    message.signed_entity_type = Some(pb::SignedEntityType::default());
    assert_eq!(
        invalid(v1::decode::<SingleSignature>(&message.encode_to_vec()[..])),
        (
            "single_signature.signed_entity_type".into(),
            Violation::Missing
        )
    );
}

#[test]
fn phi_f_zero_and_k_above_m_are_rejected() {
    for (k, m, phi_f, field) in [(5, 10, 0.0, "phi_f"), (11, 10, 0.5, "k"), (1, 0, 0.5, "m")] {
        let mut message = sample_settings_pb();
        message.signer_registration_protocol_parameters =
            Some(pb::ProtocolParameters { k, m, phi_f });
        let (path, violation) = invalid(v1::decode::<EpochSettings>(&message.encode_to_vec()[..]));
        assert_eq!(
            path,
            format!("epoch_settings.signer_registration_protocol_parameters.{field}")
        );
        assert!(
            matches!(violation, Violation::OutOfRange { .. }),
            "{violation:?}"
        );
    }
}

#[test]
fn won_index_at_or_above_m_is_rejected_against_the_parameters() {
    let settings = samples::epoch_settings();
    let parameters = settings.signer_registration_protocol_parameters.unwrap();
    let mut message = sample_signature_pb();
    message.won_indexes = vec![1, parameters.m()];
    let signature = v1::decode::<SingleSignature>(&message.encode_to_vec()[..]).unwrap();
    let error = signature.check_against(&parameters).unwrap_err();
    assert_eq!(error.path().to_string(), "won_indexes[1]");
    assert!(
        samples::single_signature()
            .check_against(&parameters)
            .is_ok()
    );
}

#[test]
fn unsorted_or_empty_won_indexes_are_rejected() {
    let mut message = sample_signature_pb();
    message.won_indexes = vec![5, 3];
    assert_eq!(
        invalid(v1::decode::<SingleSignature>(&message.encode_to_vec()[..])),
        (
            "single_signature.won_indexes[1]".into(),
            Violation::NotStrictlyIncreasing {
                previous: 5,
                value: 3
            }
        )
    );
    message.won_indexes.clear();
    assert_eq!(
        invalid(v1::decode::<SingleSignature>(&message.encode_to_vec()[..])).1,
        Violation::Empty
    );
}

#[test]
fn oversized_fields_are_rejected_with_their_size() {
    let mut message = sample_registration_pb();
    message.verification_key = Bytes::from(vec![1u8; 16 * 1024 + 1]);
    assert_eq!(
        invalid(v1::decode::<SignerRegistration>(
            &message.encode_to_vec()[..]
        )),
        (
            "signer_registration.verification_key".into(),
            Violation::TooLong {
                len: 16 * 1024 + 1,
                max: 16 * 1024
            }
        )
    );
    let mut message = sample_signature_pb();
    message.party_id = "p".repeat(129);
    assert_eq!(
        invalid(v1::decode::<SingleSignature>(&message.encode_to_vec()[..])).0,
        "single_signature.party_id"
    );
}

#[test]
fn oversized_messages_are_refused_before_decoding() {
    let bytes = v1::encode(&samples::epoch_settings()).unwrap();
    let error = wire::decode_with_limit::<v1::V1, EpochSettings>(&bytes[..], 100).unwrap_err();
    assert!(
        matches!(error, WireError::TooLarge { size, limit: 100, .. } if size == bytes.len()),
        "{error:?}"
    );
}

#[test]
fn unspecified_or_negative_wire_versions_are_rejected() {
    for (value, expected) in [
        (0, Violation::Unspecified),
        (
            -3,
            Violation::OutOfRange {
                value: "-3".into(),
                expected: "a positive wire version number",
            },
        ),
    ] {
        let mut message = sample_registration_pb();
        message.node_info.as_mut().unwrap().wire_versions = vec![1, value];
        assert_eq!(
            invalid(v1::decode::<SignerRegistration>(
                &message.encode_to_vec()[..]
            )),
            (
                "signer_registration.node_info.wire_versions[1]".into(),
                expected
            )
        );
    }
}

#[test]
fn unknown_wire_version_values_are_kept_as_numbers() {
    let mut message = sample_registration_pb();
    message.node_info.as_mut().unwrap().wire_versions = vec![1, 7];
    let bytes = message.encode_to_vec();
    let registration = v1::decode::<SignerRegistration>(&bytes[..]).unwrap();
    let numbers: Vec<u32> = registration
        .node_info
        .wire_versions()
        .iter()
        .map(|id| id.number())
        .collect();
    assert_eq!(numbers, [1, 7]);
    assert_eq!(v1::encode(&registration).unwrap(), bytes);
}

#[test]
fn missing_node_info_and_bad_era_names_name_the_field() {
    let mut message = sample_registration_pb();
    message.node_info = None;
    assert_eq!(
        invalid(v1::decode::<SignerRegistration>(
            &message.encode_to_vec()[..]
        )),
        ("signer_registration.node_info".into(), Violation::Missing)
    );
    let mut message = sample_registration_pb();
    message.node_info.as_mut().unwrap().supported_eras = vec!["pythagoras".into(), "Bad".into()];
    assert_eq!(
        invalid(v1::decode::<SignerRegistration>(
            &message.encode_to_vec()[..]
        ))
        .0,
        "signer_registration.node_info.supported_eras[1]"
    );
}

#[test]
fn declared_lists_are_bounded_after_their_entries_are_checked() {
    let max = mithril_compat::domain::limits::MAX_DECLARED;
    let decode = |node_info: pb::NodeInfo| {
        let mut message = sample_registration_pb();
        message.node_info = Some(node_info);
        invalid(v1::decode::<SignerRegistration>(
            &message.encode_to_vec()[..],
        ))
    };
    let eras = |count: usize| (0..count).map(|i| format!("era-{i}")).collect::<Vec<_>>();
    let too_many = |count| Violation::TooManyEntries { count, max };

    assert_eq!(
        decode(pb::NodeInfo {
            software_version: "0.3.0".into(),
            supported_eras: eras(max + 1),
            wire_versions: vec![],
            ..Default::default()
        }),
        (
            "signer_registration.node_info.supported_eras".into(),
            too_many(max + 1)
        )
    );
    assert_eq!(
        decode(pb::NodeInfo {
            software_version: "0.3.0".into(),
            supported_eras: eras(max),
            wire_versions: vec![1; max + 2],
            ..Default::default()
        }),
        (
            "signer_registration.node_info.wire_versions".into(),
            too_many(max + 2)
        )
    );
    // An invalid entry is reported before the length of its list or of the next one.
    let mut names = eras(max + 1);
    names[max] = "Bad".into();
    assert_eq!(
        decode(pb::NodeInfo {
            software_version: "0.3.0".into(),
            supported_eras: names,
            wire_versions: vec![-1; max + 1],
            ..Default::default()
        })
        .0,
        format!("signer_registration.node_info.supported_eras[{max}]")
    );
    assert_eq!(
        decode(pb::NodeInfo {
            software_version: "0.3.0".into(),
            supported_eras: eras(max + 1),
            wire_versions: vec![-1; max + 1],
            ..Default::default()
        })
        .0,
        "signer_registration.node_info.wire_versions[0]"
    );
    // At the limit, every entry is kept, in order.
    let mut message = sample_registration_pb();
    message.node_info = Some(pb::NodeInfo {
        software_version: "0.3.0".into(),
        supported_eras: eras(max),
        wire_versions: (1..=max as i32).collect(),
        ..Default::default()
    });
    let registration = v1::decode::<SignerRegistration>(&message.encode_to_vec()[..]).unwrap();
    let node_info = &registration.node_info;
    assert_eq!(node_info.supported_eras().len(), max);
    assert_eq!(
        node_info.supported_eras()[max - 1].as_str(),
        format!("era-{}", max - 1)
    );
    assert_eq!(
        node_info.wire_versions().last().unwrap().number(),
        max as u32
    );
}

#[test]
fn duplicate_signers_are_rejected() {
    let mut message = sample_settings_pb();
    let first = message.next_signers[0].clone();
    message.next_signers.push(first);
    let (path, violation) = invalid(v1::decode::<EpochSettings>(&message.encode_to_vec()[..]));
    assert_eq!(path, "epoch_settings.next_signers[3].party_id");
    assert!(matches!(violation, Violation::Duplicate { .. }));
}

/// A single signature whose signed entity type is field `tag` with `payload`.
fn signature_with_raw_entity(entity_fields: &[u8]) -> Vec<u8> {
    let mut message = sample_signature_pb();
    message.signed_entity_type = None;
    let mut bytes = Vec::new();
    prost::encoding::encode_key(1, prost::encoding::WireType::LengthDelimited, &mut bytes);
    prost::encoding::encode_varint(entity_fields.len() as u64, &mut bytes);
    bytes.extend_from_slice(entity_fields);
    message.encode_raw(&mut bytes);
    bytes
}

#[test]
fn unknown_oneof_variant_is_explicit_and_re_encodes_to_the_same_bytes() {
    // Field 9 (a variant from a newer release), length-delimited, payload {1: 42}.
    let bytes = signature_with_raw_entity(&[0x4a, 0x02, 0x08, 0x2a]);
    let signature = v1::decode::<SingleSignature>(&bytes[..]).unwrap();
    let SignedEntityType::Unknown(variant) = &signature.signed_entity_type else {
        panic!(
            "expected an unknown variant, got {:?}",
            signature.signed_entity_type
        );
    };
    assert_eq!(variant.tag(), 9);
    assert_eq!(variant.origin(), WireVersion::V1.id());
    assert_eq!(v1::encode(&signature).unwrap(), bytes);
}

#[test]
fn several_oneof_variants_are_an_error() {
    // A known variant (field 1: epoch 3) and an unknown one (field 9).
    let bytes = signature_with_raw_entity(&[0x0a, 0x02, 0x08, 0x03, 0x48, 0x01]);
    assert_eq!(
        invalid(v1::decode::<SingleSignature>(&bytes[..])),
        (
            "single_signature.signed_entity_type".into(),
            Violation::SeveralVariants
        )
    );
}

#[test]
fn truncated_and_garbage_bytes_are_malformed() {
    let bytes = v1::encode(&samples::signer_registration()).unwrap();
    for kind in MessageKind::ALL {
        let error = wire::decode(WireVersion::V1, *kind, &bytes[..bytes.len() / 2]).unwrap_err();
        assert!(
            matches!(error, WireError::Malformed { .. }),
            "{kind}: {error:?}"
        );
    }
    let error = wire::decode(
        WireVersion::V1,
        MessageKind::SingleSignature,
        &[0xff, 0xff][..],
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("single_signature: malformed mithril.signer.v1 bytes"),
        "{error}"
    );
}

#[test]
fn a_message_of_the_other_version_is_named() {
    let registration = samples::signer_registration();
    let v2_bytes = mithril_compat::wire::v2::encode(&registration).unwrap();
    let error = v1::decode::<SignerRegistration>(&v2_bytes[..]).unwrap_err();
    assert!(
        matches!(
            &error,
            WireError::WrongVersion {
                expected: "mithril.signer.v1",
                looks_like: "mithril.signer.v2",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("signer_registration: not a mithril.signer.v1 message; the bytes decode as mithril.signer.v2"),
        "{error}"
    );
    let v1_bytes = v1::encode(&registration).unwrap();
    let error = mithril_compat::wire::v2::decode::<SignerRegistration>(&v1_bytes[..]).unwrap_err();
    assert!(
        matches!(
            &error,
            WireError::WrongVersion {
                looks_like: "mithril.signer.v1",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn garbage_is_not_attributed_to_any_version() {
    // Only a party id: a registration in neither version.
    let error = v1::decode::<SignerRegistration>(&[0x12, 0x01, 0x41][..]).unwrap_err();
    assert!(matches!(error, WireError::Invalid(_)), "{error:?}");
    let error = v1::decode::<SignerRegistration>(&[0x0a, 0x01, 0x41][..]).unwrap_err();
    assert!(matches!(error, WireError::Malformed { .. }), "{error:?}");
}

#[test]
fn the_versions_added_to_node_info_are_checked_and_bounded() {
    let max = mithril_compat::domain::limits::MAX_DECLARED;
    let decode = |node_info: pb::NodeInfo| {
        let mut message = sample_registration_pb();
        message.node_info = Some(node_info);
        invalid(v1::decode::<SignerRegistration>(
            &message.encode_to_vec()[..],
        ))
    };
    let (path, violation) = decode(pb::NodeInfo {
        software_version: "0.4.0".into(),
        protocol_versions: vec!["0.1.0".into(); max + 1],
        ..Default::default()
    });
    assert_eq!(path, "signer_registration.node_info.protocol_versions");
    assert_eq!(
        violation,
        Violation::TooManyEntries {
            count: max + 1,
            max
        }
    );
    let (path, _) = decode(pb::NodeInfo {
        software_version: "0.4.0".into(),
        protocol_versions: vec!["0.1.0".into(), "x".repeat(65)],
        ..Default::default()
    });
    assert_eq!(path, "signer_registration.node_info.protocol_versions[1]");
    let (path, _) = decode(pb::NodeInfo {
        software_version: "0.4.0".into(),
        distribution_version: Some("d".repeat(65)),
        ..Default::default()
    });
    assert_eq!(path, "signer_registration.node_info.distribution_version");
}

#[test]
fn a_signer_list_longer_than_any_set_is_refused_with_its_whole_count() {
    let max = mithril_compat::domain::limits::MAX_SIGNERS;
    // The smallest valid signers: a few bytes each on the wire, a few hundred once converted.
    let tiny = |count: usize| -> Vec<pb::Signer> {
        (0..count)
            .map(|index| pb::Signer {
                party_id: format!("p{index}"),
                verification_key: Bytes::from_static(&[1]),
                ..Default::default()
            })
            .collect()
    };
    let mut message = sample_settings_pb();
    message.next_signers = tiny(max + 7);
    let bytes = message.encode_to_vec();
    assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());
    let (path, violation) = invalid(v1::decode::<EpochSettings>(&bytes[..]));
    assert_eq!(path, "epoch_settings.next_signers");
    assert_eq!(
        violation,
        Violation::TooManyEntries {
            count: max + 7,
            max
        }
    );
    // At the bound, the list is a set.
    message.next_signers = tiny(max);
    let settings = v1::decode::<EpochSettings>(&message.encode_to_vec()[..]).unwrap();
    assert_eq!(settings.next_signers.as_slice().len(), max);
    // An invalid signer before the bound is still the one reported.
    let mut signers = tiny(max + 1);
    signers[3].verification_key = Bytes::new();
    message.current_signers = signers;
    let (path, _) = invalid(v1::decode::<EpochSettings>(&message.encode_to_vec()[..]));
    assert_eq!(path, "epoch_settings.current_signers[3].verification_key");
}
