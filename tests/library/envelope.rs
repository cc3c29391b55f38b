//! The frozen envelope (`mithril.envelope.v1`): its schema is pinned, its bytes are pinned, a
//! node opens what it reads, and a node that cannot read a sound envelope still forwards its
//! exact bytes; broken envelopes are refused with a reason.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use mithril_compat::domain::{Epoch, NetworkMagic};
use mithril_compat::samples;
use mithril_compat::wire::envelope::{
    Envelope, EnvelopeError, EnvelopeKind, PayloadEncoding, ReceivedEnvelope, pb,
};
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, MessageKind, WireVersion};
use proptest::prelude::*;
use prost::Message as _;
use prost_types::FileDescriptorSet;

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/envelope/v1")
        .join(name)
}

fn pinned(name: &str, bytes: &[u8]) {
    let path = golden(name);
    if crate::common::updating_golden() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
    }
    assert!(
        fs::read(&path).unwrap() == bytes,
        "{name} changed: the envelope is frozen"
    );
}

#[test]
fn the_schema_is_frozen() {
    let set = FileDescriptorSet::decode(mithril_compat::FILE_DESCRIPTOR_SET).unwrap();
    let file = set
        .file
        .iter()
        .find(|file| file.package() == "mithril.envelope.v1")
        .expect("the envelope package is compiled");
    let mut file = file.clone();
    file.source_code_info = None;
    pinned("descriptor.binpb", &file.encode_to_vec());
}

fn registration() -> HubMessage {
    HubMessage::SignerRegistration(samples::signer_registration())
}

#[test]
fn envelopes_are_pinned_and_open_in_the_versions_a_node_reads() {
    let v2 = Envelope::wrap(&registration(), WireVersion::V2, NetworkMagic::PREPROD).unwrap();
    let bytes = v2.encode();
    pinned("signer_registration_v2.bin", &bytes);
    let received = ReceivedEnvelope::decode(Bytes::from(bytes.clone())).unwrap();
    assert_eq!(received.envelope(), &v2);
    assert_eq!(received.envelope().kind, EnvelopeKind::SignerRegistration);
    assert_eq!(
        received.envelope().epoch,
        samples::signer_registration().epoch
    );
    assert_eq!(
        received.open(&[WireVersion::V1, WireVersion::V2]).unwrap(),
        registration()
    );
    // The node info statement rides beside the payload when the registration is signed.
    let mut signed = samples::signer_registration();
    signed.node_info_signature = Some(mithril_compat::domain::KeyBytes::new(vec![7; 448]).unwrap());
    let with_info = Envelope::wrap(
        &HubMessage::SignerRegistration(signed.clone()),
        WireVersion::V2,
        NetworkMagic::PREPROD,
    )
    .unwrap();
    let (statement, signature) = with_info.node_info.clone().unwrap();
    assert_eq!(
        statement,
        signed
            .node_info
            .signed_bytes(NetworkMagic::PREPROD, signed.epoch, &signed.party_id)
    );
    assert_eq!(signature.len(), 448);

    // A v1-only node reads a v1 envelope, and cannot read a v2 one, which it forwards as is.
    let v1_message = wire::decode(
        WireVersion::V1,
        MessageKind::SignerRegistration,
        wire::encode_with_policy(WireVersion::V1, &registration(), DowngradePolicy::Lossy)
            .unwrap()
            .bytes
            .as_slice(),
    )
    .unwrap();
    let v1 = Envelope::wrap(&v1_message, WireVersion::V1, NetworkMagic::PREPROD).unwrap();
    let v1_received = ReceivedEnvelope::decode(Bytes::from(v1.encode())).unwrap();
    assert_eq!(v1_received.open(&[WireVersion::V1]).unwrap(), v1_message);
    let error = received.open(&[WireVersion::V1]).unwrap_err();
    assert!(matches!(error, EnvelopeError::UnknownWireVersion(2)));
    assert!(error.forwardable());
    assert_eq!(received.bytes().as_ref(), bytes.as_slice());
}

fn raw(kind: i32, encoding: i32, wire_version: u32) -> Vec<u8> {
    pb::Envelope {
        wire_version,
        kind,
        encoding,
        payload: Bytes::from_static(b"\x0a\x03abc"),
        network: 1,
        epoch: 9,
        ..Default::default()
    }
    .encode_to_vec()
}

#[test]
fn what_a_node_cannot_read_is_forwarded_and_what_is_broken_is_refused() {
    // Sound envelopes this build cannot open: forwarded byte for byte.
    for (bytes, expected) in [
        (raw(9, 1, 2), "message kind 9"),
        (raw(1, 7, 2), "payload encoding 7"),
        (raw(1, 1, 3), "wire version 3"),
        (raw(2, 3, 0), "opened by its own reader"),
    ] {
        let received = ReceivedEnvelope::decode(Bytes::from(bytes.clone())).unwrap();
        assert_eq!(received.bytes().as_ref(), bytes.as_slice());
        let error = received
            .open(&[WireVersion::V1, WireVersion::V2])
            .unwrap_err();
        assert!(error.forwardable(), "{error}");
        assert!(error.to_string().contains(expected), "{error}");
    }
    // A payload that is not what the envelope says: opened in vain, still forwardable.
    let received = ReceivedEnvelope::decode(Bytes::from(raw(1, 1, 2))).unwrap();
    assert!(matches!(
        received.open(&[WireVersion::V2]),
        Err(EnvelopeError::Payload(_))
    ));
    // Broken envelopes: refused, never forwarded.
    for (what, bytes) in [
        ("kind not set", raw(0, 1, 2)),
        ("encoding not set", raw(1, 0, 2)),
        ("garbage", vec![0xff, 0xff, 0xff]),
        ("oversized", vec![0; 1024 * 1024 + 1]),
    ] {
        assert!(
            ReceivedEnvelope::decode(Bytes::from(bytes)).is_err(),
            "{what}"
        );
    }
    assert!(matches!(
        Envelope::wrap(
            &HubMessage::AggregatorFeatures(samples::aggregator_features()),
            WireVersion::V2,
            NetworkMagic::PREPROD
        ),
        Err(EnvelopeError::NotEnveloped(MessageKind::AggregatorFeatures))
    ));
}

proptest! {
    #[test]
    fn any_bytes_are_read_or_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(received) = ReceivedEnvelope::decode(Bytes::from(bytes.clone())) {
            prop_assert_eq!(received.bytes().as_ref(), bytes.as_slice());
            let _ = received.open(&[WireVersion::V1, WireVersion::V2]);
        }
    }

    #[test]
    fn envelopes_round_trip(epoch in any::<u64>(), network in any::<u32>(), kind in 1i32..20, encoding in 1i32..9, version in 0u32..5) {
        let envelope = Envelope {
            wire_version: version,
            kind: match kind { 1 => EnvelopeKind::SignerRegistration, 2 => EnvelopeKind::SingleSignature, 3 => EnvelopeKind::EpochSettings, n => EnvelopeKind::Unknown(n) },
            encoding: match encoding { 1 => PayloadEncoding::Protobuf, 2 => PayloadEncoding::Json, 3 => PayloadEncoding::DmqBody, 4 => PayloadEncoding::DmqMessage, n => PayloadEncoding::Unknown(n) },
            payload: Bytes::from(epoch.to_be_bytes().to_vec()),
            node_info: None,
            network: NetworkMagic(network),
            epoch: Epoch(epoch),
        };
        let received = ReceivedEnvelope::decode(Bytes::from(envelope.encode())).unwrap();
        prop_assert_eq!(received.envelope(), &envelope);
    }
}
