//! The downgrade policy: converting a hub value into a version that cannot carry part of it
//! fails by default, and drops the part only when asked, saying what was dropped.

use crate::compat_matrix::{diff, inner_json};

use std::collections::BTreeSet;

use mithril_compat::WireError;
use mithril_compat::domain::{
    BlockNumber, BlockNumberOffset, Epoch, EpochSettings, SignedEntityType, SignerRegistration,
    SingleSignature,
};
use mithril_compat::error::{FieldPath, Segment};
use mithril_compat::samples;
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, WireVersion, v1, v2};

/// A dropped part's path as the matrix's `diff` names it: without the message's name, and any
/// list element as `[]`.
fn hub_path(path: &FieldPath) -> String {
    let mut out = String::new();
    for segment in path.segments().iter().skip(1) {
        match segment {
            Segment::Field(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Index(_) => out.push_str("[]"),
        }
    }
    out
}

fn unrepresentable(result: Result<impl std::fmt::Debug, WireError>) -> (String, &'static str) {
    match result {
        Err(WireError::Unrepresentable { path, package }) => (path.to_string(), package),
        other => panic!("expected an unrepresentable part, got {other:?}"),
    }
}

#[test]
fn snark_signature_in_v1_fails_by_default_and_is_dropped_on_request() {
    let signature = samples::single_signature_with_snark();
    let error = v1::encode(&signature).unwrap_err();
    assert_eq!(
        error.to_string(),
        "single_signature.snark_signature has no representation in mithril.signer.v1"
    );
    let encoded = v1::encode_lossy(&signature).unwrap();
    let dropped: Vec<String> = encoded.dropped.iter().map(ToString::to_string).collect();
    assert_eq!(dropped, ["single_signature.snark_signature"]);
    let read = v1::decode::<SingleSignature>(&encoded.bytes[..]).unwrap();
    assert_eq!(
        read,
        SingleSignature {
            snark_signature: None,
            ..signature
        }
    );
}

#[test]
fn lone_certification_parts_cannot_go_to_v2_unless_dropped() {
    let mut registration = samples::signer_registration();
    registration.kes_evolutions = None;
    assert_eq!(
        unrepresentable(v2::encode(&registration)),
        (
            "signer_registration.operational_certificate".into(),
            "mithril.signer.v2"
        )
    );
    let encoded = v2::encode_lossy(&registration).unwrap();
    assert_eq!(
        encoded.dropped[0].to_string(),
        "signer_registration.operational_certificate"
    );
    let read = v2::decode::<SignerRegistration>(&encoded.bytes[..]).unwrap();
    assert_eq!(read.operational_certificate, None);
    assert_eq!(read.verification_key, registration.verification_key);
    // v1 carries the lone part as it is.
    assert_eq!(
        v1::decode::<SignerRegistration>(&v1::encode(&registration).unwrap()[..]).unwrap(),
        registration
    );
}

#[test]
fn dropped_parts_inside_lists_name_their_element() {
    let mut settings = samples::epoch_settings();
    let mut signers = settings.next_signers.clone().into_vec();
    signers[1].operational_certificate = None;
    signers[2].verification_key_for_snark = None;
    signers[2].verification_key_signature_for_snark = Some(samples::signer(9, 1).verification_key);
    settings.next_signers = mithril_compat::domain::SignerSet::new(signers).unwrap();
    let encoded = v2::encode_lossy(&settings).unwrap();
    let dropped: Vec<String> = encoded.dropped.iter().map(ToString::to_string).collect();
    assert_eq!(
        dropped,
        [
            "epoch_settings.next_signers[1].kes_evolutions",
            "epoch_settings.next_signers[2].verification_key_signature_for_snark",
        ]
    );
    // The reader gets everything else.
    let mut expected = settings.clone().next_signers.into_vec();
    expected[1].kes_evolutions = None;
    expected[2].verification_key_signature_for_snark = None;
    let read = v2::decode::<EpochSettings>(&encoded.bytes[..]).unwrap();
    assert_eq!(
        read,
        EpochSettings {
            next_signers: mithril_compat::domain::SignerSet::new(expected).unwrap(),
            ..settings.clone()
        }
    );
    assert_eq!(
        unrepresentable(v2::encode(&settings)).0,
        "epoch_settings.next_signers[1].kes_evolutions"
    );
}

#[test]
fn what_a_signature_is_about_is_never_dropped() {
    let blocks = samples::single_signature_for(SignedEntityType::CardanoBlocksTransactions(
        Epoch(1),
        BlockNumber(2),
        BlockNumberOffset(3),
    ));
    let immutable = samples::single_signature_for(
        samples::signed_entity_types()
            .into_iter()
            .find(|(name, _)| *name == "cardano_immutable_files_full")
            .unwrap()
            .1,
    );
    for (value, version) in [(blocks, WireVersion::V1), (immutable, WireVersion::V2)] {
        for policy in [DowngradePolicy::Strict, DowngradePolicy::Lossy] {
            let result = wire::encode_with_policy(
                version,
                &HubMessage::SingleSignature(value.clone()),
                policy,
            );
            assert_eq!(
                unrepresentable(result),
                (
                    "single_signature.signed_entity_type".into(),
                    version.package()
                )
            );
        }
    }
}

#[test]
fn an_unknown_variant_cannot_change_wire_version() {
    // Field 9 of v1's signed entity type: a variant from a newer v1 release.
    let mut bytes = Vec::new();
    prost::encoding::encode_key(1, prost::encoding::WireType::LengthDelimited, &mut bytes);
    prost::encoding::encode_varint(4, &mut bytes);
    bytes.extend_from_slice(&[0x4a, 0x02, 0x08, 0x2a]);
    let mut rest = v1::encode(&samples::single_signature()).unwrap();
    // Drop the sample's own signed entity type (field 1, the first field written).
    let first_len = rest[1] as usize + 2;
    rest.drain(..first_len);
    bytes.extend_from_slice(&rest);
    let signature = v1::decode::<SingleSignature>(&bytes[..]).unwrap();
    assert!(matches!(
        signature.signed_entity_type,
        SignedEntityType::Unknown(_)
    ));
    assert_eq!(v1::encode(&signature).unwrap(), bytes);
    assert_eq!(
        unrepresentable(v2::encode_lossy(&signature)).0,
        "single_signature.signed_entity_type"
    );
}

/// Strict encoding either carries the whole value (it decodes back to the same value, and lossy
/// encoding writes the same bytes and drops nothing), or fails naming the part it cannot carry
/// (and lossy encoding then drops exactly that part, or fails the same way when the part cannot
/// be dropped). A conversion that loses a part silently fails the first branch.
#[test]
fn strict_conversions_carry_everything_or_fail_naming_the_part() {
    let mut refused = 0;
    let mut carried = 0;
    let mut dropped_checked = 0;
    for (name, message) in samples::all() {
        for version in WireVersion::ALL {
            let strict = wire::encode_with_policy(*version, &message, DowngradePolicy::Strict);
            let lossy = wire::encode_with_policy(*version, &message, DowngradePolicy::Lossy);
            match strict {
                Ok(encoded) => {
                    carried += 1;
                    assert!(encoded.dropped.is_empty(), "{name} {version}");
                    let decoded = wire::decode(*version, message.kind(), &encoded.bytes[..])
                        .unwrap_or_else(|error| panic!("{name} {version}: {error}"));
                    assert_eq!(decoded, message, "{name} {version}: strict lost a part");
                    let lossy = lossy.unwrap_or_else(|error| panic!("{name} {version}: {error}"));
                    assert_eq!(lossy.bytes, encoded.bytes, "{name} {version}");
                    assert!(lossy.dropped.is_empty(), "{name} {version}");
                }
                Err(WireError::Unrepresentable { path, package }) => {
                    refused += 1;
                    assert_eq!(package, version.package(), "{name}");
                    match lossy {
                        Ok(lossy) => {
                            assert_eq!(
                                lossy.dropped.first(),
                                Some(&path),
                                "{name} {version}: lossy drops what strict refused, first"
                            );
                            // What a reader gets lacks exactly the parts reported dropped.
                            let read = wire::decode(*version, message.kind(), &lossy.bytes[..])
                                .unwrap_or_else(|error| panic!("{name} {version}: {error}"));
                            let mut lost = BTreeSet::new();
                            diff(&inner_json(&message), &inner_json(&read), "", &mut lost);
                            let reported: BTreeSet<String> =
                                lossy.dropped.iter().map(hub_path).collect();
                            assert_eq!(lost, reported, "{name} {version}");
                            dropped_checked += 1;
                        }
                        Err(WireError::Unrepresentable {
                            path: lossy_path, ..
                        }) => {
                            assert_eq!(lossy_path, path, "{name} {version}")
                        }
                        Err(other) => panic!("{name} {version}: {other}"),
                    }
                }
                Err(other) => panic!("{name} {version}: {other}"),
            }
        }
    }
    // Every version refuses something and carries most things.
    assert!(refused >= WireVersion::ALL.len(), "{refused} refused");
    assert!(carried > refused, "{carried} carried, {refused} refused");
    assert!(dropped_checked > 0, "no lossy conversion was read back");
}
