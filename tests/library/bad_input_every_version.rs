//! Bad input, for every wire version in the registry: each test loops over `WireVersion::ALL`
//! and edits the encoded bytes field by field, finding field numbers by name in the version's
//! own schema (the embedded descriptor set), so that a new version is covered by itself.
//! (`bad_input.rs` goes deeper into v1 with its generated types.)

use bytes::{Buf, Bytes};

use crate::common::{self, field_number};
use mithril_compat::domain::{SignedEntityType, SingleSignature};
use mithril_compat::samples;
use mithril_compat::wire::{self, DEFAULT_MAX_MESSAGE_BYTES, HubMessage, MessageKind, WireVersion};
use mithril_compat::{Violation, WireError};
use prost::encoding::{DecodeContext, WireType, decode_key, encode_key, encode_varint, skip_field};

/// A field number no version of `message` uses (a variant from a newer release).
fn unused_field_number(version: WireVersion, message: &str) -> u32 {
    common::first_unknown_field_number(version, message) + 6
}

/// The top-level fields of a message, in order: (number, complete field bytes).
fn fields(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut cursor = bytes;
    let mut out = Vec::new();
    while cursor.has_remaining() {
        let before = cursor;
        let (tag, wire_type) = decode_key(&mut cursor).unwrap();
        skip_field(wire_type, tag, &mut cursor, DecodeContext::default()).unwrap();
        let taken = before.len() - cursor.len();
        out.push((tag, before[..taken].to_vec()));
    }
    out
}

/// A length-delimited field `number` holding `payload`.
fn length_delimited(number: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(number, WireType::LengthDelimited, &mut out);
    encode_varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// `bytes` with every field `number` replaced by `replacement` (at the place of the first one,
/// or nowhere when `replacement` is empty).
fn replace_field(bytes: &[u8], number: u32, replacement: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut placed = false;
    for (tag, field) in fields(bytes) {
        if tag != number {
            out.extend_from_slice(&field);
        } else if !placed {
            out.extend_from_slice(replacement);
            placed = true;
        }
    }
    out
}

fn invalid(error: WireError) -> (String, Violation) {
    match error {
        WireError::Invalid(error) => (error.path().to_string(), error.violation().clone()),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The sample single signature in `version`, with its signed entity type replaced by one whose
/// fields are `entity_fields`.
fn signature_with_entity(version: WireVersion, entity_fields: &[u8]) -> Vec<u8> {
    let bytes = wire::encode(
        version,
        &HubMessage::SingleSignature(samples::single_signature()),
    )
    .unwrap();
    let number = field_number(version, "SingleSignature", "signed_entity_type");
    replace_field(&bytes, number, &length_delimited(number, entity_fields))
}

fn decode_signature(version: WireVersion, bytes: &[u8]) -> Result<SingleSignature, WireError> {
    match wire::decode(version, MessageKind::SingleSignature, bytes)? {
        HubMessage::SingleSignature(signature) => Ok(signature),
        other => panic!("decoded {other:?}"),
    }
}

#[test]
fn unknown_oneof_variants_are_explicit_and_re_encode_to_the_same_bytes() {
    for version in WireVersion::ALL {
        let tag = unused_field_number(*version, "SignedEntityType");
        let mut variant = Vec::new();
        encode_key(tag, WireType::LengthDelimited, &mut variant);
        variant.extend_from_slice(&[0x02, 0x08, 0x2a]);
        let bytes = signature_with_entity(*version, &variant);
        let signature = decode_signature(*version, &bytes).unwrap();
        let SignedEntityType::Unknown(unknown) = &signature.signed_entity_type else {
            panic!("{version}: got {:?}", signature.signed_entity_type);
        };
        assert_eq!(unknown.tag(), tag, "{version}");
        assert_eq!(unknown.origin(), version.id(), "{version}");
        let message = HubMessage::SingleSignature(signature);
        assert_eq!(
            wire::encode(*version, &message).unwrap(),
            bytes,
            "{version}"
        );
        // No other version can carry it: field numbers mean something only in their package.
        for other in WireVersion::ALL.iter().filter(|other| *other != version) {
            assert!(
                matches!(
                    wire::encode(*other, &message),
                    Err(WireError::Unrepresentable { .. })
                ),
                "{version} -> {other}"
            );
        }
    }
}

#[test]
fn several_or_no_oneof_variants_are_errors_naming_the_field() {
    for version in WireVersion::ALL {
        let known = field_number(*version, "SignedEntityType", "mithril_stake_distribution");
        let mut two = length_delimited(known, &[0x08, 0x03]);
        encode_key(
            unused_field_number(*version, "SignedEntityType"),
            WireType::Varint,
            &mut two,
        );
        two.push(0x01);
        assert_eq!(
            invalid(
                decode_signature(*version, &signature_with_entity(*version, &two)).unwrap_err()
            ),
            (
                "single_signature.signed_entity_type".into(),
                Violation::SeveralVariants
            ),
            "{version}"
        );
        assert_eq!(
            invalid(decode_signature(*version, &signature_with_entity(*version, &[])).unwrap_err()),
            (
                "single_signature.signed_entity_type".into(),
                Violation::Missing
            ),
            "{version}"
        );
        let bytes = wire::encode(
            *version,
            &HubMessage::SingleSignature(samples::single_signature()),
        )
        .unwrap();
        let without = replace_field(
            &bytes,
            field_number(*version, "SingleSignature", "signed_entity_type"),
            &[],
        );
        assert_eq!(
            decode_signature(*version, &without)
                .unwrap_err()
                .to_string(),
            "single_signature.signed_entity_type: missing",
            "{version}"
        );
    }
}

#[test]
fn oversized_fields_are_rejected_with_their_path() {
    for version in WireVersion::ALL {
        let bytes = wire::encode(
            *version,
            &HubMessage::SingleSignature(samples::single_signature()),
        )
        .unwrap();
        let number = field_number(*version, "SingleSignature", "party_id");
        let long = replace_field(&bytes, number, &length_delimited(number, &[b'p'; 129]));
        let (path, violation) = invalid(decode_signature(*version, &long).unwrap_err());
        assert_eq!(path, "single_signature.party_id", "{version}");
        assert!(
            matches!(violation, Violation::TooLong { len: 129, .. }),
            "{version}: {violation:?}"
        );
    }
}

#[test]
fn duplicate_signers_are_rejected() {
    for version in WireVersion::ALL {
        let bytes = wire::encode(
            *version,
            &HubMessage::EpochSettings(samples::epoch_settings()),
        )
        .unwrap();
        let number = field_number(*version, "EpochSettings", "next_signers");
        let all = fields(&bytes);
        let count = all.iter().filter(|(tag, _)| *tag == number).count();
        let first = all
            .iter()
            .find(|(tag, _)| *tag == number)
            .unwrap()
            .1
            .clone();
        let mut duplicated = bytes.clone();
        duplicated.extend_from_slice(&first);
        let error =
            wire::decode(*version, MessageKind::EpochSettings, &duplicated[..]).unwrap_err();
        let (path, violation) = invalid(error);
        assert_eq!(
            path,
            format!("epoch_settings.next_signers[{count}].party_id"),
            "{version}"
        );
        assert!(
            matches!(violation, Violation::Duplicate { .. }),
            "{version}: {violation:?}"
        );
    }
}

#[test]
fn truncated_garbage_and_oversized_bytes_are_refused_for_every_kind() {
    let too_large = Bytes::from(vec![0u8; DEFAULT_MAX_MESSAGE_BYTES + 1]);
    for version in WireVersion::ALL {
        let bytes = wire::encode(
            *version,
            &HubMessage::SignerRegistration(samples::signer_registration()),
        )
        .unwrap();
        for kind in MessageKind::ALL {
            let error = wire::decode(*version, *kind, &bytes[..bytes.len() / 2]).unwrap_err();
            assert!(
                matches!(error, WireError::Malformed { .. }),
                "{version} {kind}: {error:?}"
            );
            let error = wire::decode(*version, *kind, &[0xff, 0xff][..]).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains(&format!("malformed {} bytes", version.package())),
                "{version} {kind}: {error}"
            );
            let error = wire::decode(*version, *kind, too_large.clone()).unwrap_err();
            assert!(
                matches!(error, WireError::TooLarge { size, .. } if size == too_large.len()),
                "{version} {kind}: {error:?}"
            );
        }
    }
}

/// Bytes of one version fed to another either read as the very same value (the two schemas
/// agree on that message) or are refused naming a version that reads them as that value; never
/// read as something else. That v1 and v2 are always told apart is pinned by the compatibility matrix.
#[test]
fn a_registration_of_another_version_is_read_identically_or_named() {
    let registration = HubMessage::SignerRegistration(samples::signer_registration());
    let mut named = 0;
    for writer in WireVersion::ALL {
        let bytes = wire::encode(*writer, &registration).unwrap();
        for reader in WireVersion::ALL.iter().filter(|reader| *reader != writer) {
            match wire::decode(*reader, MessageKind::SignerRegistration, &bytes[..]) {
                Ok(read) => assert_eq!(read, registration, "{writer} -> {reader}"),
                Err(WireError::WrongVersion {
                    expected,
                    looks_like,
                    ..
                }) => {
                    assert_eq!(expected, reader.package(), "{writer} -> {reader}");
                    // The writer, or a version whose schema reads the writer's bytes as the
                    // same value (two versions may agree on a message).
                    let named_version: WireVersion = looks_like.parse().unwrap();
                    assert_ne!(named_version, *reader, "{writer} -> {reader}");
                    let read =
                        wire::decode(named_version, MessageKind::SignerRegistration, &bytes[..]);
                    assert_eq!(
                        read.ok().as_ref(),
                        Some(&registration),
                        "{writer} -> {reader}"
                    );
                    named += 1;
                }
                Err(other) => panic!("{writer} -> {reader}: {other:?}"),
            }
        }
    }
    assert!(named >= 2, "{named} pairs told apart");
}
