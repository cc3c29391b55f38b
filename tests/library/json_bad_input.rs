//! Bad JSON bodies get a typed error naming the JSON path, and nothing panics.

use std::path::Path;

use mithril_compat::domain::{EpochSettings, SignerRegistration, SingleSignature, UnknownVariant};
use mithril_compat::wire::json::{self, JsonHeaders};
use mithril_compat::wire::{MessageKind, WireVersion};
use mithril_compat::{Violation, WireError};
use proptest::prelude::*;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/json")
        .join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn decode(kind: MessageKind, body: &Value) -> Result<(), WireError> {
    json::decode_message(kind, body.to_string().as_bytes(), &JsonHeaders::default()).map(|_| ())
}

/// The path and the violation of a validation error, or a panic naming what came instead.
fn invalid(result: Result<(), WireError>) -> (String, Violation) {
    match result {
        Err(WireError::Invalid(error)) => (error.path().to_string(), error.violation().clone()),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn error_text(kind: MessageKind, body: &Value) -> String {
    decode(kind, body).unwrap_err().to_string()
}

const SIGNATURE: MessageKind = MessageKind::SingleSignature;
const SIGNER: MessageKind = MessageKind::SignerRegistration;
const SETTINGS: MessageKind = MessageKind::EpochSettings;

#[test]
fn text_that_is_not_one_json_document_is_malformed_json() {
    for body in [
        &b""[..],
        b"{",
        b"nul",
        b"{} {}",
        b"{\"epoch\": 1,}",
        b"\xef\xbb\xbf{}",
        b"{\"party_id\": \"\xff\"}",
        b"{\"party_id\": \"\\ud800\"}",
    ] {
        match json::decode::<SingleSignature>(body, &JsonHeaders::default()) {
            Err(error @ WireError::MalformedJson { message, .. }) => {
                assert_eq!(message, "register_signature");
                assert!(error.path().is_none());
                assert!(
                    error
                        .to_string()
                        .starts_with("register_signature: malformed JSON: "),
                    "{error}"
                );
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
}

#[test]
fn repeated_keys_are_refused() {
    let body = br#"{"epoch": 1, "epoch": 2, "party_id": "p", "verification_key": "00"}"#;
    let error = json::decode::<SignerRegistration>(body, &JsonHeaders::default()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains(r#"duplicate key "epoch" at line 1"#),
        "{error}"
    );
    // Anywhere in the document.
    let mut body = fixture("register_signature_cardano_database");
    body["entity_type"] = json!("PLACEHOLDER");
    let text = body.to_string().replace(
        r#""PLACEHOLDER""#,
        r#"{"CardanoDatabase":{"epoch":1,"epoch":2,"immutable_file_number":3}}"#,
    );
    assert!(matches!(
        json::decode::<SingleSignature>(text.as_bytes(), &JsonHeaders::default()),
        Err(WireError::MalformedJson { .. })
    ));
}

#[test]
fn every_missing_member_is_named() {
    let cases: [(MessageKind, &str, &[&str]); 3] = [
        (
            SIGNER,
            "register_signer",
            &["epoch", "party_id", "verification_key"],
        ),
        (
            SIGNATURE,
            "register_signature_cardano_transactions",
            &[
                "entity_type",
                "party_id",
                "signature",
                "indexes",
                "signed_message",
            ],
        ),
        (
            SETTINGS,
            "epoch_settings",
            &["epoch", "current_signers", "next_signers"],
        ),
    ];
    for (kind, name, required) in cases {
        let root = json::root_name(kind);
        let full = fixture(name);
        assert!(decode(kind, &full).is_ok(), "{name}");
        for member in required {
            let mut body = full.clone();
            body.as_object_mut().unwrap().remove(*member);
            assert_eq!(
                invalid(decode(kind, &body)),
                (format!("{root}.{member}"), Violation::Missing),
                "{name} without {member}"
            );
        }
    }
    let mut body = fixture("epoch_settings");
    body["next_signers"][2]
        .as_object_mut()
        .unwrap()
        .remove("verification_key");
    assert_eq!(
        error_text(SETTINGS, &body),
        "epoch_settings.next_signers[2].verification_key: missing"
    );
    let mut body = fixture("epoch_settings");
    body["signer_registration_protocol"]
        .as_object_mut()
        .unwrap()
        .remove("phi_f");
    assert_eq!(
        error_text(SETTINGS, &body),
        "epoch_settings.signer_registration_protocol.phi_f: missing"
    );
}

#[test]
fn values_of_the_wrong_type_are_named() {
    let signature = fixture("register_signature_cardano_transactions");
    let settings = fixture("epoch_settings");
    let signer = fixture("register_signer");
    let cases: Vec<(MessageKind, Value, &str, &str)> = vec![
        (SIGNATURE, json!([1, 2]), "register_signature", "an object"),
        (SIGNATURE, json!("text"), "register_signature", "an object"),
        (
            SIGNATURE,
            with(&signature, "/indexes/2", json!("3")),
            "register_signature.indexes[2]",
            "an unsigned 64-bit integer",
        ),
        (
            SIGNATURE,
            with(&signature, "/indexes", json!({"0": 1})),
            "register_signature.indexes",
            "an array",
        ),
        (
            SIGNATURE,
            with(&signature, "/party_id", json!(12)),
            "register_signature.party_id",
            "a string",
        ),
        (
            SIGNATURE,
            with(&signature, "/signature", Value::Null),
            "register_signature.signature",
            "a string",
        ),
        (
            SIGNER,
            with(&signer, "/epoch", json!("541")),
            "register_signer.epoch",
            "an unsigned 64-bit integer",
        ),
        (
            SIGNER,
            with(&signer, "/epoch", json!(541.0)),
            "register_signer.epoch",
            "an unsigned 64-bit integer",
        ),
        (
            SIGNER,
            with(&signer, "/epoch", json!(-1)),
            "register_signer.epoch",
            "an unsigned 64-bit integer",
        ),
        (
            SIGNER,
            with(&signer, "/epoch", json!(1.8446744073709552e19)),
            "register_signer.epoch",
            "an unsigned 64-bit integer",
        ),
        (
            SIGNER,
            with(&signer, "/kes_period", json!("6")),
            "register_signer.kes_period",
            "an unsigned 64-bit integer",
        ),
        (
            SETTINGS,
            with(&settings, "/current_signers", json!({})),
            "epoch_settings.current_signers",
            "an array",
        ),
        (
            SETTINGS,
            with(&settings, "/current_signers/1", json!("signer")),
            "epoch_settings.current_signers[1]",
            "an object",
        ),
        (
            SETTINGS,
            with(&settings, "/signer_registration_protocol/k", json!("1")),
            "epoch_settings.signer_registration_protocol.k",
            "an unsigned 64-bit integer",
        ),
        (
            SETTINGS,
            with(
                &settings,
                "/signer_registration_protocol/phi_f",
                json!("0.2"),
            ),
            "epoch_settings.signer_registration_protocol.phi_f",
            "a number",
        ),
        (
            SETTINGS,
            with(
                &settings,
                "/cardano_transactions_signing_config/step",
                json!(true),
            ),
            "epoch_settings.cardano_transactions_signing_config.step",
            "an unsigned 64-bit integer",
        ),
    ];
    for (kind, body, path, expected) in cases {
        assert_eq!(
            invalid(decode(kind, &body)),
            (path.to_owned(), Violation::Malformed { expected }),
            "{body}"
        );
    }
    // A number beyond 64 bits, as text, is not an unsigned integer either.
    let text = signer
        .to_string()
        .replace("\"epoch\":541", "\"epoch\":18446744073709551616");
    assert_eq!(
        json::decode::<SignerRegistration>(text.as_bytes(), &JsonHeaders::default())
            .unwrap_err()
            .to_string(),
        "register_signer.epoch: malformed (expected an unsigned 64-bit integer)"
    );
}

/// `value` with the member at the JSON pointer replaced.
fn with(value: &Value, pointer: &str, replacement: Value) -> Value {
    let mut value = value.clone();
    *value.pointer_mut(pointer).expect("the pointer exists") = replacement;
    value
}

#[test]
fn bad_hex_is_named() {
    let signer = fixture("register_signer");
    let settings = fixture("epoch_settings");
    let signature = fixture("register_signature_cardano_database");
    assert_eq!(
        error_text(SIGNER, &with(&signer, "/verification_key", json!("7b2"))),
        "register_signer.verification_key: malformed (expected an even number of hex digits)"
    );
    assert_eq!(
        error_text(
            SIGNER,
            &with(&signer, "/operational_certificate", json!("7bzz"))
        ),
        "register_signer.operational_certificate: invalid character 'z' (allowed: hex digits)"
    );
    assert_eq!(
        error_text(SIGNER, &with(&signer, "/verification_key", json!(""))),
        "register_signer.verification_key: empty"
    );
    assert_eq!(
        error_text(
            SETTINGS,
            &with(
                &settings,
                "/next_signers/1/verification_key_signature",
                json!("0x12")
            )
        ),
        "epoch_settings.next_signers[1].verification_key_signature: invalid character 'x' \
         (allowed: hex digits)"
    );
    assert_eq!(
        error_text(SIGNATURE, &with(&signature, "/signature", json!("abc"))),
        "register_signature.signature: malformed (expected an even number of hex digits)"
    );
    // Today's nodes accept any string at the message level; the body type does too, so a relay
    // keeps it, and the conversion into the hub names it.
    let body = with(&signer, "/verification_key", json!("key_123"));
    let message: json::RegisterSignerMessage = json::parse(body.to_string().as_bytes()).unwrap();
    assert_eq!(message.verification_key, "key_123");
    assert_eq!(
        json::from_message::<SignerRegistration>(&message, &JsonHeaders::default())
            .unwrap_err()
            .to_string(),
        "register_signer.verification_key: invalid character 'k' (allowed: hex digits)"
    );
    // Upper case hex is read (and written back in lower case).
    let upper = with(
        &signer,
        "/verification_key",
        json!(signer["verification_key"].as_str().unwrap().to_uppercase()),
    );
    let read: SignerRegistration =
        json::decode(upper.to_string().as_bytes(), &JsonHeaders::default()).unwrap();
    assert_eq!(read.verification_key.to_hex(), signer["verification_key"]);
}

#[test]
fn values_that_break_hub_invariants_name_the_json_path() {
    let signature = fixture("register_signature_cardano_transactions");
    let settings = fixture("epoch_settings");
    let signer = fixture("register_signer");
    assert_eq!(
        error_text(
            SIGNATURE,
            &with(&signature, "/indexes", json!([3, 9, 4, 12]))
        ),
        "register_signature.indexes[2]: 4 follows 9 (must be strictly increasing)"
    );
    assert_eq!(
        error_text(SIGNATURE, &with(&signature, "/indexes", json!([]))),
        "register_signature.indexes: empty"
    );
    assert_eq!(
        error_text(SIGNATURE, &with(&signature, "/party_id", json!("pool 1"))),
        "register_signature.party_id: invalid character ' ' (allowed: visible ASCII)"
    );
    assert_eq!(
        error_text(SIGNATURE, &with(&signature, "/signed_message", json!(""))),
        "register_signature.signed_message: empty"
    );
    assert_eq!(
        error_text(SIGNER, &with(&signer, "/party_id", json!(""))),
        "register_signer.party_id: empty"
    );
    let duplicate = settings["current_signers"][0]["party_id"].clone();
    assert_eq!(
        error_text(
            SETTINGS,
            &with(&settings, "/current_signers/2/party_id", duplicate.clone())
        ),
        format!("epoch_settings.current_signers[2].party_id: duplicate {duplicate}")
    );
    assert_eq!(
        invalid(decode(
            SETTINGS,
            &with(&settings, "/signer_registration_protocol/phi_f", json!(0))
        ))
        .0,
        "epoch_settings.signer_registration_protocol.phi_f"
    );
    assert_eq!(
        invalid(decode(
            SETTINGS,
            &with(&settings, "/signer_registration_protocol/k", json!(30000))
        ))
        .0,
        "epoch_settings.signer_registration_protocol.k"
    );
    let long = "ab".repeat(mithril_compat::domain::limits::MAX_KEY_BYTES + 1);
    assert!(matches!(
        invalid(decode(SIGNER, &with(&signer, "/verification_key", json!(long)))),
        (path, Violation::TooLong { .. }) if path == "register_signer.verification_key"
    ));
}

#[test]
fn size_and_depth_are_bounded() {
    let body = fixture("register_signer").to_string();
    match json::decode_with_limit::<SignerRegistration>(
        body.as_bytes(),
        &JsonHeaders::default(),
        100,
    ) {
        Err(WireError::TooLarge {
            message,
            size,
            limit,
        }) => {
            assert_eq!((message, size, limit), ("register_signer", body.len(), 100));
        }
        other => panic!("{other:?}"),
    }
    // Deep nesting is refused by the parser, not a stack overflow.
    for depth in [200, 100_000] {
        let deep = format!(
            r#"{{"entity_type":{}{},"party_id":"p","signature":"00","indexes":[1],"signed_message":"m"}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        assert!(matches!(
            json::decode::<SingleSignature>(deep.as_bytes(), &JsonHeaders::default()),
            Err(WireError::MalformedJson { .. })
        ));
    }
    // As deep as the parser goes, an unknown entity type is kept and written back.
    let depth = 120;
    let deep = format!(
        r#"{{"entity_type":{}{},"party_id":"p","signature":"00","indexes":[1],"signed_message":"m"}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let read: SingleSignature = json::decode(deep.as_bytes(), &JsonHeaders::default()).unwrap();
    assert_eq!(json::encode(&read).unwrap().body, deep.as_bytes());
}

#[test]
fn a_json_origin_variant_cannot_be_smuggled_into_protobuf() {
    let body = fixture("register_signature_unknown_entity_type");
    let hub = json::decode_message(
        SIGNATURE,
        body.to_string().as_bytes(),
        &JsonHeaders::default(),
    )
    .unwrap();
    for version in WireVersion::ALL {
        assert!(matches!(
            mithril_compat::wire::encode(*version, &hub),
            Err(WireError::Unrepresentable { .. })
        ));
    }
}

/// Arbitrary JSON values, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[0-9a-fA-Fxz ]{0,8}".prop_map(Value::String),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    "[a-z_]{0,12}",
                    Just("epoch".to_owned()),
                    Just("indexes".to_owned()),
                    Just("CardanoDatabase".to_owned()),
                ],
                inner,
                0..4
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Every pointer to a member or an element of `value`.
fn pointers(value: &Value, prefix: String, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let pointer = format!("{prefix}/{}", key.replace('~', "~0").replace('/', "~1"));
                into.push(pointer.clone());
                pointers(member, pointer, into);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let pointer = format!("{prefix}/{index}");
                into.push(pointer.clone());
                pointers(item, pointer, into);
            }
        }
        _ => {}
    }
}

const FIXTURES: &[(&str, MessageKind)] = &[
    ("register_signer_with_snark", SIGNER),
    ("register_signature_cardano_database", SIGNATURE),
    ("register_signature_cardano_blocks_transactions", SIGNATURE),
    ("epoch_settings", SETTINGS),
];

fn all_kinds(body: &[u8]) {
    for kind in MessageKind::ALL {
        let _ = json::decode_message(*kind, body, &JsonHeaders::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        all_kinds(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        all_kinds(value.to_string().as_bytes());
    }

    #[test]
    fn altered_fixtures_never_panic_and_errors_name_the_message(
        fixture_index in 0..FIXTURES.len(),
        pick in any::<prop::sample::Index>(),
        replacement in json_value(),
        remove in any::<bool>(),
    ) {
        let (name, kind) = FIXTURES[fixture_index];
        let mut body = fixture(name);
        let mut all = Vec::new();
        pointers(&body, String::new(), &mut all);
        let pointer = pick.get(&all).clone();
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        match (remove, body.pointer_mut(parent).unwrap()) {
            (true, Value::Object(map)) => { map.remove(&last.replace("~1", "/").replace("~0", "~")); }
            _ => *body.pointer_mut(&pointer).unwrap() = replacement,
        }
        match decode(kind, &body) {
            Ok(()) => {}
            Err(WireError::Invalid(error)) => {
                let path = error.path().to_string();
                prop_assert!(path.starts_with(json::root_name(kind)), "{}", path);
            }
            Err(other) => prop_assert!(false, "{other}"),
        }
    }

    /// The hub's own JSON checker accepts what serde_json reads as a tree, and keeps its value.
    #[test]
    fn unknown_variant_json_checking_agrees_with_serde_json(
        value in json_value(),
        pretty in any::<bool>(),
        edit in proptest::option::of((any::<prop::sample::Index>(), "[\\[\\]{}\",:0-9eE.+\\- \\\\tnulfa]")),
        delete in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut text: Vec<char> = if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            value.to_string()
        }
        .chars()
        .collect();
        if let Some((at, inserted)) = edit {
            let position = at.index(text.len() + 1);
            text.splice(position..position, inserted.chars());
        }
        if let Some(at) = delete && !text.is_empty() {
            text.remove(at.index(text.len()));
        }
        let text: String = text.into_iter().collect();
        let ours = UnknownVariant::from_json(&text);
        let theirs = serde_json::from_str::<Value>(&text);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: {:?}", text, theirs);
        if let (Ok(variant), Ok(expected)) = (ours, theirs) {
            let compact = variant.json().unwrap();
            prop_assert!(!compact.contains('\n'));
            prop_assert_eq!(serde_json::from_str::<Value>(compact).unwrap(), expected);
        }
    }
}

#[test]
fn decoders_of_each_kind_accept_only_their_own_body() {
    let signer = fixture("register_signer").to_string();
    assert!(json::decode::<EpochSettings>(signer.as_bytes(), &JsonHeaders::default()).is_err());
    assert!(json::decode::<SingleSignature>(signer.as_bytes(), &JsonHeaders::default()).is_err());
}

#[test]
fn a_node_info_member_is_checked_and_bounded_as_protobuf_node_info_is() {
    let max = mithril_compat::domain::limits::MAX_DECLARED;
    let body = fixture("register_signer_signed_node_info");
    let too_many = with(
        &body,
        "/node_info/supported_eras",
        json!(vec!["pythagoras"; max + 1]),
    );
    let (path, violation) = invalid(decode(MessageKind::SignerRegistration, &too_many));
    assert_eq!(path, "register_signer.node_info.supported_eras");
    assert_eq!(
        violation,
        Violation::TooManyEntries {
            count: max + 1,
            max
        }
    );
    let bad_era = with(&body, "/node_info/supported_eras/1", json!("Not An Era"));
    let (path, _) = invalid(decode(MessageKind::SignerRegistration, &bad_era));
    assert_eq!(path, "register_signer.node_info.supported_eras[1]");
    let zero = with(&body, "/node_info/wire_versions/0", json!(0));
    let (path, _) = invalid(decode(MessageKind::SignerRegistration, &zero));
    assert_eq!(path, "register_signer.node_info.wire_versions[0]");
    let long = with(
        &body,
        "/node_info/distribution_version",
        json!("d".repeat(65)),
    );
    let (path, _) = invalid(decode(MessageKind::SignerRegistration, &long));
    assert_eq!(path, "register_signer.node_info.distribution_version");
    let hex = with(&body, "/node_info_signature", json!("zz"));
    let (path, _) = invalid(decode(MessageKind::SignerRegistration, &hex));
    assert_eq!(path, "register_signer.node_info_signature");
}

#[test]
fn a_json_signer_list_longer_than_any_set_is_refused_with_its_count() {
    let max = mithril_compat::domain::limits::MAX_SIGNERS;
    let body = fixture("epoch_settings");
    // The smallest signers the body type reads: a party id and a verification key each.
    let signers: Vec<Value> = (0..=max)
        .map(|index| json!({"party_id": format!("p{index}"), "verification_key": "00"}))
        .collect();
    let too_many = with(&body, "/next_signers", Value::Array(signers));
    let (path, violation) = invalid(decode(MessageKind::EpochSettings, &too_many));
    assert_eq!(path, "epoch_settings.next_signers");
    assert_eq!(
        violation,
        Violation::TooManyEntries {
            count: max + 1,
            max
        }
    );
}
