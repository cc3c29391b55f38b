//! The decoders of `wire` read the bytes in one pass: epoch settings convert each signer as soon
//! as it is decoded. Whatever the bytes, the outcome must be the one of decoding the generated
//! type and converting it afterwards: the same value, or the same error at the same path.
//!
//! Only epoch settings have a one-pass conversion of their own; registrations and signatures go
//! through `Spoke::decode_to_hub`'s default, which is the two passes. For them, these properties
//! check what `wire::decode_with_limit` adds around it (the size limit, naming bytes of another
//! version, the message's name on error paths) on damaged bytes, and will check a one-pass
//! conversion the day one of them gets its own.

use crate::common;

use std::fmt::Debug;

use bytes::Bytes;
use common::Shape;
use mithril_compat::WireError;
use mithril_compat::domain::{EpochSettings, SignerRegistration, SingleSignature};
use mithril_compat::error::{FieldPath, Segment};
use mithril_compat::wire::{self, HubType, Spoke, v1, v2};
use proptest::collection::vec;
use proptest::prelude::*;
use prost::Message;

const LIMIT: usize = 1 << 20;

/// What decoding can end in, stated so that both paths can be compared.
#[derive(Debug, PartialEq)]
enum Outcome<T> {
    Value(T),
    /// The protobuf decoder's error, as text.
    Malformed(String),
    /// Where the value is invalid, relative to the message, and why.
    Invalid(FieldPath, mithril_compat::Violation),
}

/// Decoding the generated type, then converting it.
fn two_passes<S: Spoke<T>, T: HubType>(bytes: &Bytes) -> Outcome<T> {
    match S::Pb::decode(bytes.clone()) {
        Err(error) => Outcome::Malformed(error.to_string()),
        Ok(pb) => match S::to_hub(pb) {
            Ok(value) => Outcome::Value(value),
            Err(WireError::Invalid(error)) => {
                Outcome::Invalid(error.path().clone(), error.violation().clone())
            }
            Err(other) => panic!("unexpected conversion error {other:?}"),
        },
    }
}

/// The library's decoder, with the message name taken off error paths.
fn one_pass<S: Spoke<T>, T: HubType>(bytes: &Bytes) -> Outcome<T> {
    let error = match wire::decode_with_limit::<S, T>(bytes.clone(), LIMIT) {
        Ok(value) => return Outcome::Value(value),
        // Bytes of one version that decode as another are named so; what this version said is
        // the source.
        Err(WireError::WrongVersion { source, .. }) => *source,
        Err(error) => error,
    };
    match error {
        WireError::Malformed { source, .. } => Outcome::Malformed(source.to_string()),
        WireError::Invalid(error) => {
            let segments = error.path().segments();
            assert_eq!(
                segments.first(),
                Some(&Segment::Field(T::KIND.field_name())),
                "{error}"
            );
            let relative = segments[1..]
                .iter()
                .fold(FieldPath::root(), |path, segment| match segment {
                    Segment::Field(name) => path.then(name),
                    Segment::Index(index) => path.then_index(*index),
                });
            Outcome::Invalid(relative, error.violation().clone())
        }
        other => panic!("unexpected decode error {other:?}"),
    }
}

fn assert_same<S: Spoke<T>, T: HubType + PartialEq + Debug>(bytes: &Bytes) {
    assert_eq!(
        one_pass::<S, T>(bytes),
        two_passes::<S, T>(bytes),
        "{bytes:02x?}"
    );
}

/// Damage done to valid bytes: a changed byte, a cut, or a stray field appended.
#[derive(Clone, Debug)]
enum Damage {
    None,
    Set { at: usize, to: u8 },
    Cut { at: usize },
    Append(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        1 => Just(Damage::None),
        4 => (any::<usize>(), any::<u8>()).prop_map(|(at, to)| Damage::Set { at, to }),
        2 => any::<usize>().prop_map(|at| Damage::Cut { at }),
        2 => vec(any::<u8>(), 1..12).prop_map(Damage::Append),
    ]
}

fn damaged(mut bytes: Vec<u8>, damage: &Damage) -> Bytes {
    match damage {
        Damage::None => {}
        Damage::Set { at, to } if !bytes.is_empty() => {
            let at = at % bytes.len();
            bytes[at] = *to;
        }
        Damage::Set { .. } => {}
        Damage::Cut { at } => bytes.truncate(at % (bytes.len() + 1)),
        Damage::Append(tail) => bytes.extend_from_slice(tail),
    }
    Bytes::from(bytes)
}

/// Generated v2 signers, many of them invalid: empty or badly formed party ids, repeated ids,
/// empty keys, missing key groups.
fn v2_signer() -> impl Strategy<Value = v2::pb::Signer> {
    let key = || {
        proptest::option::of(
            (
                vec(any::<u8>(), 0..4),
                proptest::option::of(vec(any::<u8>(), 0..3)),
            )
                .prop_map(|(key, kes_signature)| v2::pb::VerificationKey {
                    key: key.into(),
                    kes_signature: kes_signature.map(Bytes::from),
                    proof_of_bound_possession: None,
                }),
        )
    };
    (
        "(pool1[a-c]|pool 1| |)",
        proptest::option::of(any::<u64>()),
        key(),
        key(),
        proptest::option::of((vec(any::<u8>(), 0..3), any::<u64>())),
    )
        .prop_map(
            |(party_id, stake, concatenation_key, snark_key, certification)| v2::pb::Signer {
                party_id,
                stake,
                concatenation_key,
                snark_key,
                pool_certification: certification.map(
                    |(operational_certificate, kes_evolutions)| v2::pb::PoolCertification {
                        operational_certificate: operational_certificate.into(),
                        kes_evolutions,
                    },
                ),
            },
        )
}

fn v1_signer() -> impl Strategy<Value = v1::pb::Signer> {
    let bytes = || vec(any::<u8>(), 0..4).prop_map(Bytes::from);
    (
        "(pool1[a-c]|pool 1| |)",
        bytes(),
        proptest::option::of(bytes()),
        proptest::option::of(bytes()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of((bytes(), proptest::option::of(bytes()))),
    )
        .prop_map(
            |(party_id, verification_key, signature, certificate, kes_period, stake, snark)| {
                let (snark_key, snark_signature) = snark.unzip();
                v1::pb::Signer {
                    party_id,
                    verification_key,
                    verification_key_signature: signature,
                    operational_certificate: certificate,
                    kes_period,
                    stake,
                    verification_key_for_snark: snark_key,
                    verification_key_signature_for_snark: snark_signature.flatten(),
                    proof_of_bound_possession_for_snark: None,
                }
            },
        )
}

/// Protocol parameters, valid or not (k above m, φ out of range).
fn parameters() -> impl Strategy<Value = (u64, u64, f64)> {
    (
        0u64..4,
        0u64..4,
        prop_oneof![Just(0.0), Just(0.5), Just(1.5)],
    )
}

/// A v2 signer that is valid if its party id is.
fn v2_signer_named(party_id: &str) -> v2::pb::Signer {
    v2::pb::Signer {
        party_id: party_id.into(),
        concatenation_key: Some(v2::pb::VerificationKey {
            key: Bytes::from_static(b"k"),
            kes_signature: None,
            proof_of_bound_possession: None,
        }),
        ..Default::default()
    }
}

/// A v1 signer that is valid if its party id is.
fn v1_signer_named(party_id: &str) -> v1::pb::Signer {
    v1::pb::Signer {
        party_id: party_id.into(),
        verification_key: Bytes::from_static(b"k"),
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn v2_epoch_settings_with_invalid_signers(
        epoch in any::<u64>(),
        parameters in proptest::option::of(parameters()),
        current in vec(v2_signer(), 0..6),
        next in vec(v2_signer(), 0..6),
        config in proptest::option::of((any::<u64>(), any::<u64>())),
        damage in damage(),
    ) {
        let message = v2::pb::EpochSettings {
            epoch,
            signer_registration_protocol_parameters: parameters
                .map(|(k, m, phi_f)| v2::pb::ProtocolParameters { k, m, phi_f }),
            current_signers: current,
            next_signers: next,
            cardano_transactions_signing_config: config.map(|(security_parameter, step)| {
                v2::pb::CardanoTransactionsSigningConfig { security_parameter, step }
            }),
        };
        assert_same::<v2::V2, EpochSettings>(&damaged(message.encode_to_vec(), &damage));
    }

    #[test]
    fn v1_epoch_settings_with_invalid_signers(
        epoch in any::<u64>(),
        parameters in proptest::option::of(parameters()),
        current in vec(v1_signer(), 0..6),
        next in vec(v1_signer(), 0..6),
        config in proptest::option::of((any::<u64>(), any::<u64>())),
        damage in damage(),
    ) {
        let message = v1::pb::EpochSettings {
            epoch,
            signer_registration_protocol_parameters: parameters
                .map(|(k, m, phi_f)| v1::pb::ProtocolParameters { k, m, phi_f }),
            current_signers: current,
            next_signers: next,
            cardano_transactions_signing_config: config.map(|(security_parameter, step)| {
                v1::pb::CardanoTransactionsSigningConfig { security_parameter, step }
            }),
        };
        assert_same::<v1::V1, EpochSettings>(&damaged(message.encode_to_vec(), &damage));
    }

    #[test]
    fn damaged_v1_messages_of_every_kind(
        settings in common::epoch_settings(Shape::of(mithril_compat::wire::WireVersion::V1)),
        registration in common::signer_registration(Shape::of(mithril_compat::wire::WireVersion::V1)),
        signature in common::single_signature_with(
            Shape::of(mithril_compat::wire::WireVersion::V1),
            common::known_signed_entity_type(Shape::of(mithril_compat::wire::WireVersion::V1)),
        ),
        damage in damage(),
    ) {
        let bytes = damaged(v1::encode(&settings).unwrap(), &damage);
        assert_same::<v1::V1, EpochSettings>(&bytes);
        let bytes = damaged(v1::encode(&registration).unwrap(), &damage);
        assert_same::<v1::V1, SignerRegistration>(&bytes);
        let bytes = damaged(v1::encode(&signature).unwrap(), &damage);
        assert_same::<v1::V1, SingleSignature>(&bytes);
    }

    #[test]
    fn damaged_v2_messages_of_every_kind(
        settings in common::epoch_settings(Shape::of(mithril_compat::wire::WireVersion::V2)),
        registration in common::signer_registration(Shape::of(mithril_compat::wire::WireVersion::V2)),
        signature in common::single_signature_with(
            Shape::of(mithril_compat::wire::WireVersion::V2),
            common::known_signed_entity_type(Shape::of(mithril_compat::wire::WireVersion::V2)),
        ),
        damage in damage(),
    ) {
        let bytes = damaged(v2::encode(&settings).unwrap(), &damage);
        assert_same::<v2::V2, EpochSettings>(&bytes);
        let bytes = damaged(v2::encode(&registration).unwrap(), &damage);
        assert_same::<v2::V2, SignerRegistration>(&bytes);
        let bytes = damaged(v2::encode(&signature).unwrap(), &damage);
        assert_same::<v2::V2, SingleSignature>(&bytes);
    }
}

#[test]
fn the_first_invalid_signer_of_each_list_is_the_one_reported() {
    let signer = v2_signer_named;
    let message = v2::pb::EpochSettings {
        current_signers: vec![signer("pool1a"), signer("pool1b")],
        next_signers: vec![signer("pool1a"), signer(""), signer("bad id")],
        ..Default::default()
    };
    let error = v2::decode::<EpochSettings>(&message.encode_to_vec()[..]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "epoch_settings.next_signers[1].party_id: empty"
    );
}

#[test]
fn errors_come_in_the_order_of_the_fields() {
    // Fixed expectations, independent of the conversion code both paths share: the protocol
    // parameters come first, then the current signers, then the next ones.
    let signer = v2_signer_named;
    let mut message = v2::pb::EpochSettings {
        signer_registration_protocol_parameters: Some(v2::pb::ProtocolParameters {
            k: 5,
            m: 10,
            phi_f: 0.0,
        }),
        current_signers: vec![signer("pool1a"), signer("pool1a")],
        next_signers: vec![signer("")],
        ..Default::default()
    };
    let error = |message: &v2::pb::EpochSettings| {
        v2::decode::<EpochSettings>(&message.encode_to_vec()[..])
            .unwrap_err()
            .to_string()
    };
    assert!(
        error(&message)
            .starts_with("epoch_settings.signer_registration_protocol_parameters.phi_f:"),
        "{}",
        error(&message)
    );
    message.signer_registration_protocol_parameters = None;
    assert!(
        error(&message).starts_with("epoch_settings.current_signers[1].party_id: duplicate"),
        "{}",
        error(&message)
    );
    message.current_signers.pop();
    assert_eq!(
        error(&message),
        "epoch_settings.next_signers[0].party_id: empty"
    );
}

#[test]
fn invalid_signers_between_other_fields_are_counted_per_list() {
    let signer = v1_signer_named;
    let mut bytes = Vec::new();
    for (tag, party_id) in [(4, "pool1z"), (3, "pool1a"), (4, "pool1y"), (3, "pool 1")] {
        prost::encoding::message::encode(tag, &signer(party_id), &mut bytes);
        prost::encoding::uint64::encode(1, &7, &mut bytes);
    }
    let error = v1::decode::<EpochSettings>(&bytes[..]).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("epoch_settings.current_signers[1].party_id: invalid character"),
        "{error}"
    );
    assert_same::<v1::V1, EpochSettings>(&Bytes::from(bytes));
}

#[test]
fn signers_of_a_list_may_arrive_between_other_fields() {
    // Protobuf lets the elements of a repeated field interleave with other fields; the order of
    // each list is the order of its elements.
    let signer = v1_signer_named;
    let mut bytes = Vec::new();
    for (tag, party_id) in [(3, "pool1b"), (4, "pool1z"), (3, "pool1a")] {
        prost::encoding::message::encode(tag, &signer(party_id), &mut bytes);
    }
    prost::encoding::uint64::encode(1, &7, &mut bytes);
    let settings = v1::decode::<EpochSettings>(&bytes[..]).unwrap();
    let ids = |list: &mithril_compat::domain::SignerSet| {
        list.as_slice()
            .iter()
            .map(|signer| signer.party_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(settings.epoch.0, 7);
    assert_eq!(ids(&settings.current_signers), ["pool1b", "pool1a"]);
    assert_eq!(ids(&settings.next_signers), ["pool1z"]);
    assert_same::<v1::V1, EpochSettings>(&Bytes::from(bytes));
}

#[test]
fn byte_fields_share_the_received_buffer() {
    let registration = mithril_compat::samples::signer_registration();
    let bytes = Bytes::from(v2::encode(&registration).unwrap());
    let decoded =
        wire::decode_with_limit::<v2::V2, SignerRegistration>(bytes.clone(), LIMIT).unwrap();
    assert_eq!(decoded, registration);
    let received = bytes.as_ptr_range();
    let shared = |key: &[u8]| {
        let key = key.as_ptr_range();
        received.start <= key.start && key.end <= received.end
    };
    assert!(shared(decoded.verification_key.as_bytes()));

    // Signers decoded in one pass too.
    let settings = mithril_compat::samples::epoch_settings();
    let bytes = Bytes::from(v2::encode(&settings).unwrap());
    let received = bytes.as_ptr_range();
    let decoded = wire::decode_with_limit::<v2::V2, EpochSettings>(bytes.clone(), LIMIT).unwrap();
    assert_eq!(decoded, settings);
    assert!(!decoded.current_signers.is_empty());
    for signer in decoded.current_signers.as_slice() {
        let key = signer.verification_key.as_bytes().as_ptr_range();
        assert!(received.start <= key.start && key.end <= received.end);
    }
}
