//! Lossless relay: a node forwards what it received byte for byte, including what it does not
//! understand, even when it runs an older release.

use crate::frozen;

use bytes::Bytes;
use mithril_compat::domain::{SignedEntityType, SignerRegistration, SingleSignature};
use mithril_compat::samples;
use mithril_compat::wire::{Relayed, v1, v2};
use prost::Message;

#[test]
fn newer_registration_relayed_through_release_0_1_0_is_byte_identical() {
    // Written by today's software: SNARK keys in fields release 0.1.0 never declared.
    let registration = samples::signer_registration();
    assert!(registration.verification_key_for_snark.is_some());
    let bytes = Bytes::from(v1::encode(&registration).unwrap());

    let relayed =
        Relayed::<frozen::r0_1_0::v1::SignerRegistration>::decode_protobuf(bytes.clone()).unwrap();
    // The old node reads what it knows...
    assert_eq!(relayed.value().party_id, registration.party_id.as_str());
    // ...re-encoding only that would lose the SNARK keys...
    let naive = relayed.value().encode_to_vec();
    assert!(naive.len() < bytes.len());
    assert_ne!(
        v1::decode::<SignerRegistration>(&naive[..]).unwrap(),
        registration
    );
    // ...while forwarding the received bytes loses nothing.
    assert_eq!(relayed.raw(), &bytes);
    assert_eq!(
        v1::decode::<SignerRegistration>(relayed.raw().clone()).unwrap(),
        registration
    );
}

#[test]
fn unknown_signed_entity_type_survives_a_relay_through_release_0_1_0() {
    let signature = samples::single_signature_for(
        samples::signed_entity_types()
            .into_iter()
            .find(|(name, _)| *name == "cardano_database")
            .unwrap()
            .1,
    );
    let bytes = Bytes::from(v1::encode(&signature).unwrap());
    let relayed =
        Relayed::<frozen::r0_1_0::v1::SingleSignature>::decode_protobuf(bytes.clone()).unwrap();
    let entity = relayed.value().signed_entity_type.as_ref().unwrap();
    // 0.1.0 does not know the variant but keeps it explicitly...
    assert!(entity.entity.is_none());
    assert_eq!(entity.unknown_fields.len(), 1);
    // ...so even re-encoding its own value re-emits it, and the raw bytes are identical.
    assert_eq!(relayed.value().encode_to_vec(), bytes.to_vec());
    assert_eq!(relayed.raw(), &bytes);
    let downstream = v1::decode::<SingleSignature>(relayed.raw().clone()).unwrap();
    assert!(matches!(
        downstream.signed_entity_type,
        SignedEntityType::CardanoDatabase(_)
    ));
}

#[test]
fn v2_signature_relayed_by_a_v1_reader_keeps_the_snark_signature() {
    let signature = samples::single_signature_with_snark();
    let bytes = Bytes::from(v2::encode(&signature).unwrap());
    // A v1 reader understands a v2 single signature, except the SNARK signature.
    let relayed = Relayed::<SingleSignature>::decode::<v1::V1>(bytes.clone()).unwrap();
    assert_eq!(relayed.value().snark_signature, None);
    assert_eq!(relayed.raw(), &bytes);
    assert_eq!(
        v2::decode::<SingleSignature>(relayed.raw().clone()).unwrap(),
        signature
    );
}

#[test]
fn v2_signature_relayed_by_a_v1_reader_keeps_the_shadow_signature() {
    let signature = samples::single_signature_with_shadow();
    let bytes = Bytes::from(v2::encode(&signature).unwrap());
    // A v1 reader reads the current signature and passes the shadow one on untouched.
    let relayed = Relayed::<SingleSignature>::decode::<v1::V1>(bytes.clone()).unwrap();
    assert_eq!(relayed.value().shadow_signature, None);
    assert_eq!(relayed.raw(), &bytes);
    assert_eq!(
        v2::decode::<SingleSignature>(relayed.raw().clone()).unwrap(),
        signature
    );
}
