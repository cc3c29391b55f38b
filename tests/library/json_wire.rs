//! The JSON wire and the rest of the crate: the downgrade policy for what JSON cannot carry,
//! the `signer-node-version` header, unknown signed entity types of either origin, and hub
//! values through JSON and back.

use crate::common;

use bytes::Bytes;
use common::Shape;
use mithril_compat::domain::{
    EpochSettings, NodeInfo, SignedEntityType, SignerRegistration, SingleSignature,
    SoftwareVersion, UnknownOrigin, UnknownVariant,
};
use mithril_compat::wire::json::{self, JsonHeaders, SignedEntityTypeMessage};
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, WireVersion, v1, v2};
use mithril_compat::{WireError, samples};
use proptest::prelude::*;
use serde_json::{Value, json};

fn unrepresentable<T: std::fmt::Debug>(result: Result<T, WireError>) -> (String, &'static str) {
    match result {
        Err(WireError::Unrepresentable { path, package }) => (path.to_string(), package),
        other => panic!("expected an unrepresentable part, got {other:?}"),
    }
}

fn paths(dropped: &[mithril_compat::FieldPath]) -> Vec<String> {
    dropped.iter().map(ToString::to_string).collect()
}

#[test]
fn declared_eras_and_wire_versions_fail_by_default_and_are_dropped_on_request() {
    // An unsigned declaration keeps today's shape: what today's JSON has no member for is dropped.
    let registration = SignerRegistration {
        node_info_signature: None,
        ..samples::signer_registration()
    };
    let error = json::encode(&registration).unwrap_err();
    assert_eq!(
        error.to_string(),
        "signer_registration.node_info.supported_eras has no representation in json"
    );

    let encoded = json::encode_lossy(&registration).unwrap();
    assert_eq!(
        paths(&encoded.dropped),
        [
            "signer_registration.node_info.supported_eras",
            "signer_registration.node_info.wire_versions",
            "signer_registration.node_info.distribution_version",
            "signer_registration.node_info.database_version",
            "signer_registration.node_info.protocol_versions"
        ]
    );
    // The software version travels in the header.
    assert_eq!(encoded.headers.pairs(), [("signer-node-version", "0.2.0")]);
    let body: Value = serde_json::from_slice(&encoded.body).unwrap();
    assert!(body.get("node_info").is_none());

    let read: SignerRegistration = json::decode(&encoded.body, &encoded.headers).unwrap();
    let expected = SignerRegistration {
        node_info: NodeInfo::new(SoftwareVersion::new("0.2.0").unwrap(), vec![], vec![]).unwrap(),
        ..registration
    };
    assert_eq!(read, expected);
}

#[test]
fn the_software_version_defaults_to_unknown_and_round_trips_as_no_header() {
    let body = br#"{"epoch":1,"party_id":"p","verification_key":"00"}"#;
    let read: SignerRegistration = json::decode(body, &JsonHeaders::default()).unwrap();
    assert_eq!(
        read.node_info.software_version().as_str(),
        json::UNKNOWN_SOFTWARE_VERSION
    );
    let encoded = json::encode(&read).unwrap();
    assert_eq!(encoded.headers, JsonHeaders::default());
    assert!(encoded.headers.pairs().is_empty());
    assert_eq!(encoded.body, body);

    let headers = JsonHeaders::from_signer_node_version(Some("0.2.61-ab12")).unwrap();
    let read: SignerRegistration = json::decode(body, &headers).unwrap();
    assert_eq!(read.node_info.software_version().as_str(), "0.2.61-ab12");
    assert_eq!(json::encode(&read).unwrap().headers, headers);

    // Headers do not matter to the other messages.
    let signature = samples::single_signature();
    let encoded = json::encode(&signature).unwrap();
    assert!(encoded.headers.pairs().is_empty());
    assert_eq!(
        json::decode::<SingleSignature>(&encoded.body, &headers).unwrap(),
        signature
    );

    for bad in ["", "0.2 beta", &"9".repeat(65)] {
        let error = JsonHeaders::from_signer_node_version(Some(bad)).unwrap_err();
        assert_eq!(error.path().to_string(), "signer-node-version", "{bad:?}");
    }
}

#[test]
fn a_published_stake_fails_by_default_and_is_dropped_on_request() {
    let settings = samples::epoch_settings();
    assert_eq!(
        unrepresentable(json::encode(&settings)),
        ("epoch_settings.current_signers[0].stake".into(), "json")
    );
    let encoded = json::encode_lossy(&settings).unwrap();
    assert_eq!(encoded.dropped.len(), 6);
    assert_eq!(
        encoded.dropped[5].to_string(),
        "epoch_settings.next_signers[2].stake"
    );
    let read: EpochSettings = json::decode(&encoded.body, &encoded.headers).unwrap();
    let mut expected = settings;
    let unstaked = |set: &mithril_compat::domain::SignerSet| {
        mithril_compat::domain::SignerSet::new(
            set.as_slice()
                .iter()
                .cloned()
                .map(|mut signer| {
                    signer.stake = None;
                    signer
                })
                .collect(),
        )
        .unwrap()
    };
    expected.current_signers = unstaked(&expected.current_signers);
    expected.next_signers = unstaked(&expected.next_signers);
    assert_eq!(read, expected);
}

#[test]
fn a_separate_snark_signature_fails_by_default_and_is_dropped_on_request() {
    let signature = samples::single_signature_with_snark();
    assert_eq!(
        json::encode(&signature).unwrap_err().to_string(),
        "single_signature.snark_signature has no representation in json"
    );
    let encoded = json::encode_lossy(&signature).unwrap();
    assert_eq!(
        paths(&encoded.dropped),
        ["single_signature.snark_signature"]
    );
    let read: SingleSignature = json::decode(&encoded.body, &encoded.headers).unwrap();
    assert_eq!(
        read,
        SingleSignature {
            snark_signature: None,
            ..signature
        }
    );
}

fn signature_about(entity: SignedEntityType) -> SingleSignature {
    samples::single_signature_for(entity)
}

#[test]
fn an_unknown_json_entity_type_goes_back_to_json_only() {
    let body = json!({
        "entity_type": {"CardanoFuture": {"epoch": 9, "extra": [1, 2.5, null]}},
        "party_id": "pool1x",
        "signature": "00ff",
        "indexes": [4],
        "signed_message": "ab"
    });
    let signature: SingleSignature =
        json::decode(body.to_string().as_bytes(), &JsonHeaders::default()).unwrap();
    let SignedEntityType::Unknown(variant) = &signature.signed_entity_type else {
        panic!("{:?}", signature.signed_entity_type);
    };
    assert_eq!(variant.origin(), UnknownOrigin::Json);
    assert_eq!(
        variant.json(),
        Some(r#"{"CardanoFuture":{"epoch":9,"extra":[1,2.5,null]}}"#)
    );
    let again: Value = serde_json::from_slice(&json::encode(&signature).unwrap().body).unwrap();
    assert_eq!(again, body);

    // No protobuf wire version can carry it, whatever the policy.
    for version in WireVersion::ALL {
        for policy in [DowngradePolicy::Strict, DowngradePolicy::Lossy] {
            let message = HubMessage::SingleSignature(signature.clone());
            assert_eq!(
                unrepresentable(wire::encode_with_policy(*version, &message, policy)),
                (
                    "single_signature.signed_entity_type".into(),
                    version.package()
                )
            );
        }
    }
}

#[test]
fn an_unknown_protobuf_entity_type_cannot_go_to_json() {
    // Field 9 of v1's signed entity type (a variant from a newer release).
    let variant = UnknownVariant::new(
        WireVersion::V1.id(),
        Bytes::from_static(&[0x4a, 0x02, 0x08, 0x2a]),
    )
    .unwrap();
    let signature = signature_about(SignedEntityType::Unknown(variant));
    assert!(v1::encode(&signature).is_ok());
    for policy in [DowngradePolicy::Strict, DowngradePolicy::Lossy] {
        assert_eq!(
            unrepresentable(json::encode_with(&signature, policy)),
            ("single_signature.signed_entity_type".into(), "json")
        );
    }
    // A JSON-origin variant that would put the body deeper than JSON parsers go is not carried
    // either.
    let depth = UnknownVariant::MAX_JSON_DEPTH;
    let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let variant = UnknownVariant::from_json(&deep).unwrap();
    assert_eq!(
        unrepresentable(json::encode(&signature_about(SignedEntityType::Unknown(
            variant
        )))),
        ("single_signature.signed_entity_type".into(), "json")
    );
}

#[test]
fn discontinued_and_new_entity_types_follow_their_wire_versions() {
    for (name, entity) in samples::signed_entity_types() {
        let signature = signature_about(entity);
        let encoded = json::encode(&signature).unwrap();
        let read: SingleSignature = json::decode(&encoded.body, &encoded.headers).unwrap();
        assert_eq!(read, signature, "{name}");
        let message: json::RegisterSignatureMessage = json::parse(&encoded.body).unwrap();
        assert_eq!(
            message.entity_type.is_discontinued(),
            name == "cardano_immutable_files_full",
            "{name}"
        );
    }
}

#[test]
fn every_sample_goes_through_json_with_what_json_drops_reported() {
    let mut reports = Vec::new();
    for (name, message) in samples::all() {
        let encoded = json::encode_message(&message, DowngradePolicy::Lossy).unwrap();
        let read = json::decode_message(message.kind(), &encoded.body, &encoded.headers).unwrap();
        if encoded.dropped.is_empty() {
            assert_eq!(read, message, "{name}");
            assert!(json::encode_message(&message, DowngradePolicy::Strict).is_ok());
        } else {
            assert_ne!(read, message, "{name}");
            assert!(json::encode_message(&message, DowngradePolicy::Strict).is_err());
        }
        reports.push((name, paths(&encoded.dropped).len()));
    }
    let dropped: std::collections::BTreeMap<_, _> = reports.into_iter().collect();
    // A signed declaration travels whole (`node_info` and `node_info_signature` members).
    assert_eq!(dropped["signer_registration"], 0);
    assert_eq!(dropped["single_signature_with_snark_signature"], 1);
    assert_eq!(dropped["epoch_settings"], 6);
    assert_eq!(dropped["single_signature_cardano_database"], 0);
}

#[test]
fn the_serde_form_of_unknown_variants_keeps_both_origins() {
    let protobuf = UnknownVariant::new(
        WireVersion::V2.id(),
        Bytes::from_static(&[0x4a, 0x01, 0x07]),
    )
    .unwrap();
    let text = serde_json::to_string(&protobuf).unwrap();
    assert_eq!(text, r#"{"origin":2,"tag":9,"raw":"4a0107"}"#);
    assert_eq!(
        serde_json::from_str::<UnknownVariant>(&text).unwrap(),
        protobuf
    );

    let from_json = UnknownVariant::from_json(r#"{"A": [1, "b"]}"#).unwrap();
    let text = serde_json::to_string(&from_json).unwrap();
    assert_eq!(text, r#"{"origin":"json","raw":"{\"A\":[1,\"b\"]}"}"#);
    assert_eq!(
        serde_json::from_str::<UnknownVariant>(&text).unwrap(),
        from_json
    );

    for bad in [
        r#"{"origin":"json","tag":1,"raw":"1"}"#,
        r#"{"origin":"json","raw":"{"}"#,
        r#"{"origin":"xml","raw":"1"}"#,
        r#"{"origin":0,"tag":9,"raw":"4a0107"}"#,
        r#"{"origin":1,"raw":"4a0107"}"#,
        r#"{"origin":1,"tag":8,"raw":"4a0107"}"#,
    ] {
        assert!(
            serde_json::from_str::<UnknownVariant>(bad).is_err(),
            "{bad}"
        );
    }

    // The hub's serde form (what `mithril-compat decode` prints) keeps a JSON-origin variant.
    let signature = signature_about(SignedEntityType::Unknown(from_json));
    let text = serde_json::to_string(&signature).unwrap();
    assert_eq!(
        serde_json::from_str::<SingleSignature>(&text).unwrap(),
        signature
    );
}

#[test]
fn body_types_are_serde_types_with_the_same_rules() {
    let body = br#"{"epoch":1,"party_id":"p","verification_key":"00","x":1}"#;
    let message: json::RegisterSignerMessage = serde_json::from_slice(body).unwrap();
    assert_eq!(message.unknown_fields(), ["register_signer.x"]);
    assert_eq!(serde_json::to_vec(&message).unwrap(), body);
    let error = serde_json::from_slice::<json::RegisterSignerMessage>(br#"{"epoch":"1"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("register_signer.epoch: malformed"),
        "{error}"
    );
    // An unknown entry named like a declared member is not written twice.
    let mut message = message;
    message.unknown_fields.insert("epoch".into(), json!("two"));
    let written: Value = serde_json::to_value(&message).unwrap();
    assert_eq!(written["epoch"], json!(1));
}

use json::JsonMessage;

/// Unknown JSON entity types: any value this wire does not read as a known type.
fn unknown_json_entity() -> impl Strategy<Value = SignedEntityType> {
    json_value().prop_filter_map("read as a known type", |value| {
        match SignedEntityTypeMessage::from_value(value.clone()) {
            SignedEntityTypeMessage::Unknown(_) => Some(SignedEntityType::Unknown(
                UnknownVariant::from_json(&value.to_string()).unwrap(),
            )),
            _ => None,
        }
    })
}

/// Arbitrary JSON values, a few levels deep.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[A-Za-z_]{0,10}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// What JSON carries: no separate SNARK signature, no stake, no declared eras or versions.
fn json_shape() -> Shape {
    Shape {
        snark_signature: false,
        shadow_signature: true,
        loose_keys: true,
        immutable_files_full: true,
        blocks_transactions: true,
        // Not used: JSON variants are not protobuf fields.
        ..Shape::common()
    }
}

fn json_node_info(info: NodeInfo) -> NodeInfo {
    NodeInfo::new(info.software_version().clone(), vec![], vec![]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn registrations_json_can_carry_round_trip(value in common::signer_registration(json_shape())) {
        let value = SignerRegistration { node_info: json_node_info(value.node_info.clone()), ..value };
        let encoded = json::encode(&value).unwrap();
        prop_assert_eq!(json::decode::<SignerRegistration>(&encoded.body, &encoded.headers).unwrap(), value);
    }

    #[test]
    fn signatures_json_can_carry_round_trip(
        value in common::single_signature_with(
            json_shape(),
            prop_oneof![3 => common::known_signed_entity_type(json_shape()), 1 => unknown_json_entity()],
        )
    ) {
        let encoded = json::encode(&value).unwrap();
        let read = json::decode::<SingleSignature>(&encoded.body, &encoded.headers).unwrap();
        prop_assert_eq!(&read, &value);
        // Re-encoding writes the same bytes, unknown entity types included.
        prop_assert_eq!(json::encode(&read).unwrap().body, encoded.body);
    }

    #[test]
    fn epoch_settings_json_can_carry_round_trip(value in common::epoch_settings(json_shape())) {
        let unstaked = |set: &mithril_compat::domain::SignerSet| mithril_compat::domain::SignerSet::new(
            set.as_slice().iter().cloned().map(|mut signer| { signer.stake = None; signer }).collect(),
        ).unwrap();
        let value = EpochSettings {
            current_signers: unstaked(&value.current_signers),
            next_signers: unstaked(&value.next_signers),
            ..value
        };
        let encoded = json::encode(&value).unwrap();
        prop_assert_eq!(json::decode::<EpochSettings>(&encoded.body, &encoded.headers).unwrap(), value);
    }

    #[test]
    fn values_both_json_and_v2_carry_cross_unchanged(
        value in common::single_signature_with(Shape::common(), common::known_signed_entity_type(Shape::common()))
    ) {
        let through_v2 = v2::decode::<SingleSignature>(&v2::encode(&value).unwrap()[..]).unwrap();
        let encoded = json::encode(&through_v2).unwrap();
        let through_json = json::decode::<SingleSignature>(&encoded.body, &encoded.headers).unwrap();
        let back = v1::decode::<SingleSignature>(&v1::encode(&through_json).unwrap()[..]).unwrap();
        prop_assert_eq!(back, value);
    }
}

#[test]
fn numbers_are_read_exactly() {
    // Decimal text that needs the exact (not the fast) float reading to come back unchanged.
    let body = br#"{"epoch":0,"signer_registration_protocol":{"k":1,"m":1,"phi_f":0.9408127404774315},"current_signers":[],"next_signers":[]}"#;
    let settings: EpochSettings = json::decode(body, &JsonHeaders::default()).unwrap();
    assert_eq!(
        settings
            .signer_registration_protocol_parameters
            .unwrap()
            .phi_f(),
        0.9408127404774315
    );
    assert_eq!(json::encode(&settings).unwrap().body, body);

    let body = br#"{"entity_type":{"":3.827221318766497e-127},"party_id":"p","signature":"00","indexes":[1],"signed_message":"m"}"#;
    let signature: SingleSignature = json::decode(body, &JsonHeaders::default()).unwrap();
    assert_eq!(json::encode(&signature).unwrap().body, body);
}
