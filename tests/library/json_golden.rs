//! Golden JSON bodies of today's API (`tests/golden/json/*.json`).
//!
//! - Each fixture is written by a deterministic generator with realistic sizes: key material is
//!   "JSON-hex" (the hex of the key's JSON text, as today's nodes send it), with the lengths real
//!   keys have. A difference between a file and its generator fails; `UPDATE_GOLDEN=1 cargo test
//!   --test library json_golden` rewrites the files after a deliberate change.
//! - Each fixture goes JSON -> hub -> every protobuf wire version -> hub -> JSON and comes back as
//!   the same JSON value, or gets the typed error `expected_not_carried` states.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use mithril_compat::WireError;
use mithril_compat::domain::{EpochSettings, SignerRegistration, SingleSignature};
use mithril_compat::samples;
use mithril_compat::wire::json::{
    self, CardanoDbBeaconMessage, CardanoTransactionsSigningConfigMessage, EpochSettingsMessage,
    JsonHeaders, JsonMessage, NodeInfoMessage, ProtocolParametersMessage, RegisterSignatureMessage,
    RegisterSignerMessage, ShadowSignatureMessage, SignedEntityTypeMessage, SignerMessage,
};
use mithril_compat::wire::{self, DowngradePolicy, MessageKind, WireVersion};
use serde_json::Value;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/json")
}

// --- Realistic key material -------------------------------------------------------------------

/// Comma-separated decimal bytes, as serde writes a byte array in JSON.
fn ints(seed: u64, len: usize) -> String {
    samples::bytes(seed, len)
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn json_hex(json_text: &str) -> String {
    hex::encode(json_text.as_bytes())
}

/// A BLS verification key with its proof of possession (96 + 96 bytes).
fn verification_key(seed: u64) -> String {
    json_hex(&format!(
        r#"{{"vk":[{}],"pop":[{}]}}"#,
        ints(seed, 96),
        ints(seed + 1, 96)
    ))
}

/// A Sum6 KES signature: six nested levels around a 64-byte signature, each with two 32-byte
/// public keys.
fn kes_signature(seed: u64) -> String {
    let mut text = format!(
        r#"{{"sigma":[{}],"lhs_pk":[{}],"rhs_pk":[{}]}}"#,
        ints(seed, 64),
        ints(seed + 1, 32),
        ints(seed + 2, 32)
    );
    for level in 1..6 {
        let seed = seed + 3 * level;
        text = format!(
            r#"{{"sigma":{text},"lhs_pk":[{}],"rhs_pk":[{}]}}"#,
            ints(seed, 32),
            ints(seed + 1, 32)
        );
    }
    json_hex(&text)
}

/// An operational certificate: KES key, issue number, start KES period, cold signature, then the
/// cold verification key.
fn operational_certificate(seed: u64) -> String {
    json_hex(&format!(
        "[[[{}],{},{},[{}]],[{}]]",
        ints(seed, 32),
        seed % 7,
        seed % 500,
        ints(seed + 1, 64),
        ints(seed + 2, 32)
    ))
}

/// A SNARK (Schnorr over Jubjub) verification key: a 32-byte compressed point.
fn snark_verification_key(seed: u64) -> String {
    json_hex(&format!("[{}]", ints(seed, 32)))
}

/// Strictly increasing lottery indices below m = 16 948.
fn won_indexes(seed: u64, count: usize) -> Vec<u64> {
    let mut index = 0u64;
    samples::bytes(seed, count)
        .into_iter()
        .map(|step| {
            index += 1 + u64::from(step) * 2;
            index
        })
        .collect()
}

/// An STM single signature: a 48-byte BLS signature, its won indices and the signer's index.
fn single_signature(seed: u64, indexes: &[u64]) -> String {
    let indexes: Vec<String> = indexes.iter().map(u64::to_string).collect();
    json_hex(&format!(
        r#"{{"sigma":[{}],"indexes":[{}],"signer_index":{}}}"#,
        ints(seed, 48),
        indexes.join(","),
        seed % 3000
    ))
}

// --- The fixtures -----------------------------------------------------------------------------

fn signer(seed: u64, snark: bool) -> SignerMessage {
    SignerMessage {
        party_id: samples::pool_id(seed).to_string(),
        verification_key: verification_key(seed * 10),
        verification_key_signature: Some(kes_signature(seed * 10 + 2)),
        operational_certificate: Some(operational_certificate(seed * 10 + 20)),
        kes_period: Some(seed % 62),
        verification_key_for_snark: snark.then(|| snark_verification_key(seed * 10 + 25)),
        verification_key_signature_for_snark: snark.then(|| kes_signature(seed * 10 + 30)),
        // A Schnorr signature, written bytes-hex as mithril-common 0.8 writes it.
        proof_of_bound_possession_for_snark: snark
            .then(|| hex::encode(samples::bytes(seed * 10 + 35, 64))),
        unknown_fields: Default::default(),
    }
}

fn registration(snark: bool) -> RegisterSignerMessage {
    let SignerMessage {
        party_id,
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_period,
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
        unknown_fields,
    } = signer(7, snark);
    RegisterSignerMessage {
        epoch: 541,
        party_id,
        verification_key,
        verification_key_signature,
        operational_certificate,
        kes_period,
        verification_key_for_snark,
        verification_key_signature_for_snark,
        proof_of_bound_possession_for_snark,
        node_info: None,
        node_info_signature: None,
        unknown_fields,
    }
}

fn signature(entity_type: SignedEntityTypeMessage) -> RegisterSignatureMessage {
    let indexes = won_indexes(40, 36);
    RegisterSignatureMessage {
        entity_type,
        party_id: samples::pool_id(7).to_string(),
        signature: single_signature(41, &indexes),
        indexes,
        signed_message: hex::encode(samples::bytes(42, 32)),
        shadow_signature: None,
        unknown_fields: Default::default(),
    }
}

fn beacon(epoch: u64, immutable_file_number: u64) -> CardanoDbBeaconMessage {
    CardanoDbBeaconMessage {
        epoch,
        immutable_file_number,
        unknown_fields: Default::default(),
    }
}

fn epoch_settings() -> EpochSettingsMessage {
    EpochSettingsMessage {
        epoch: 541,
        signer_registration_protocol: Some(ProtocolParametersMessage {
            k: 2422,
            m: 20973,
            phi_f: 0.2,
            unknown_fields: Default::default(),
        }),
        current_signers: (100..103).map(|seed| signer(seed, seed % 2 == 0)).collect(),
        next_signers: (101..104).map(|seed| signer(seed, seed % 2 == 0)).collect(),
        cardano_transactions_signing_config: Some(CardanoTransactionsSigningConfigMessage {
            security_parameter: 3000,
            step: 120,
            unknown_fields: Default::default(),
        }),
        unknown_fields: Default::default(),
    }
}

/// A fixture: its file name (without `.json`) and its body.
enum Fixture {
    Signer(Box<RegisterSignerMessage>),
    Signature(RegisterSignatureMessage),
    Settings(EpochSettingsMessage),
}

impl Fixture {
    fn kind(&self) -> MessageKind {
        match self {
            Self::Signer(_) => MessageKind::SignerRegistration,
            Self::Signature(_) => MessageKind::SingleSignature,
            Self::Settings(_) => MessageKind::EpochSettings,
        }
    }

    fn pretty(&self) -> String {
        let text = match self {
            Self::Signer(message) => serde_json::to_string_pretty(message),
            Self::Signature(message) => serde_json::to_string_pretty(message),
            Self::Settings(message) => serde_json::to_string_pretty(message),
        };
        format!("{}\n", text.unwrap())
    }
}

fn fixtures() -> Vec<(&'static str, Fixture)> {
    use SignedEntityTypeMessage as E;
    let uncertified = RegisterSignerMessage {
        verification_key_signature: None,
        operational_certificate: None,
        kes_period: None,
        ..registration(false)
    };
    // A registration of this library's signers: the node info a KES signature covers travels
    // in two members today's nodes ignore.
    let signed_node_info = RegisterSignerMessage {
        node_info: Some(NodeInfoMessage {
            software_version: "0.4.0".to_owned(),
            supported_eras: vec!["pythagoras".to_owned(), "lagrange".to_owned()],
            wire_versions: vec![1, 2],
            distribution_version: Some("2543.0".to_owned()),
            database_version: Some(31),
            protocol_versions: vec!["0.1.0".to_owned()],
            unknown_fields: Default::default(),
        }),
        node_info_signature: Some(hex::encode(samples::bytes(73, 448))),
        ..registration(true)
    };
    // A signature of this library's signers while lagrange is announced: the signature of
    // lagrange's composition of the message travels in a member today's nodes ignore.
    let shadow_indexes = won_indexes(43, 31);
    let with_shadow = RegisterSignatureMessage {
        shadow_signature: Some(ShadowSignatureMessage {
            era: "lagrange".to_owned(),
            signature: single_signature(44, &shadow_indexes),
            indexes: shadow_indexes,
            signed_message: hex::encode(samples::bytes(45, 32)),
            unknown_fields: Default::default(),
        }),
        ..signature(E::MithrilStakeDistribution(541))
    };
    vec![
        (
            "register_signer",
            Fixture::Signer(Box::new(registration(false))),
        ),
        (
            "register_signer_signed_node_info",
            Fixture::Signer(Box::new(signed_node_info)),
        ),
        (
            "register_signer_with_snark",
            Fixture::Signer(Box::new(registration(true))),
        ),
        (
            "register_signer_uncertified",
            Fixture::Signer(Box::new(uncertified)),
        ),
        (
            "register_signature_mithril_stake_distribution",
            Fixture::Signature(signature(E::MithrilStakeDistribution(541))),
        ),
        (
            "register_signature_cardano_stake_distribution",
            Fixture::Signature(signature(E::CardanoStakeDistribution(540))),
        ),
        (
            "register_signature_cardano_database",
            Fixture::Signature(signature(E::CardanoDatabase(beacon(541, 10_473)))),
        ),
        (
            "register_signature_cardano_transactions",
            Fixture::Signature(signature(E::CardanoTransactions(541, 11_234_519))),
        ),
        (
            "register_signature_cardano_blocks_transactions",
            Fixture::Signature(signature(E::CardanoBlocksTransactions(541, 11_234_519, 15))),
        ),
        (
            "register_signature_cardano_immutable_files_full",
            Fixture::Signature(signature(E::CardanoImmutableFilesFull(beacon(498, 9_021)))),
        ),
        (
            "register_signature_with_shadow",
            Fixture::Signature(with_shadow),
        ),
        (
            "register_signature_unknown_entity_type",
            Fixture::Signature(signature(E::Unknown(serde_json::json!({
                "CardanoFutureEntity": {"epoch": 600, "slot": 151_234_567}
            })))),
        ),
        ("epoch_settings", Fixture::Settings(epoch_settings())),
        (
            "epoch_settings_minimal",
            Fixture::Settings(EpochSettingsMessage {
                epoch: 12,
                signer_registration_protocol: None,
                current_signers: Vec::new(),
                next_signers: Vec::new(),
                cardano_transactions_signing_config: None,
                unknown_fields: Default::default(),
            }),
        ),
    ]
}

/// The fixtures a protobuf wire version cannot carry, and the path of the part it cannot carry:
/// the signed entity types the registry says it does not carry, and a JSON-origin unknown
/// variant, which no protobuf version carries.
fn expected_not_carried() -> Vec<(&'static str, WireVersion, &'static str)> {
    let entity = "single_signature.signed_entity_type";
    let mut expected = Vec::new();
    for version in WireVersion::ALL {
        let carries = version.carries();
        if !carries.blocks_transactions {
            expected.push((
                "register_signature_cardano_blocks_transactions",
                *version,
                entity,
            ));
        }
        if !carries.immutable_files_full {
            expected.push((
                "register_signature_cardano_immutable_files_full",
                *version,
                entity,
            ));
        }
        if !carries.shadow_signature {
            expected.push((
                "register_signature_with_shadow",
                *version,
                "single_signature.shadow_signature",
            ));
        }
        expected.push(("register_signature_unknown_entity_type", *version, entity));
    }
    expected
}

fn read_fixture(name: &str) -> Vec<u8> {
    let path = golden_dir().join(format!("{name}.json"));
    fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn fixtures_match_their_generator() {
    let mut failures = Vec::new();
    let mut expected_files = BTreeSet::new();
    for (name, fixture) in fixtures() {
        let path = golden_dir().join(format!("{name}.json"));
        expected_files.insert(path.clone());
        let text = fixture.pretty();
        if crate::common::updating_golden() {
            fs::create_dir_all(golden_dir()).unwrap();
            fs::write(&path, &text).unwrap();
            continue;
        }
        match fs::read_to_string(&path) {
            Ok(golden) if golden == text => {}
            Ok(_) => failures.push(format!("{}: differs from its generator", path.display())),
            Err(error) => failures.push(format!("{}: {error}", path.display())),
        }
    }
    for entry in fs::read_dir(golden_dir()).unwrap() {
        let path = entry.unwrap().path();
        if !expected_files.contains(&path) {
            failures.push(format!("{}: no generator writes it", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatch (rerun with UPDATE_GOLDEN=1 only if the change is deliberate):\n{}",
        failures.join("\n")
    );
}

#[test]
fn key_material_has_realistic_sizes_and_is_json_hex() {
    let registration = registration(true);
    let signature = signature(SignedEntityTypeMessage::MithrilStakeDistribution(1));
    let checks: [(&str, &str, std::ops::RangeInclusive<usize>); 6] = [
        (
            "verification_key",
            &registration.verification_key,
            1330..=1460,
        ),
        (
            "verification_key_signature",
            registration.verification_key_signature.as_deref().unwrap(),
            3400..=3800,
        ),
        (
            "operational_certificate",
            registration.operational_certificate.as_deref().unwrap(),
            900..=1000,
        ),
        (
            "verification_key_for_snark",
            registration.verification_key_for_snark.as_deref().unwrap(),
            200..=260,
        ),
        ("signature", &signature.signature, 700..=1400),
        ("signed_message", &signature.signed_message, 64..=64),
    ];
    for (field, hex_text, range) in checks {
        assert!(
            range.contains(&hex_text.len()),
            "{field}: {} hex characters, expected {range:?}",
            hex_text.len()
        );
        if field != "signed_message" {
            let json_text = hex::decode(hex_text).unwrap();
            serde_json::from_slice::<Value>(&json_text)
                .unwrap_or_else(|error| panic!("{field} is not JSON-hex: {error}"));
        }
    }
    // The won indices appear twice, as today: in `indexes` and inside the signature.
    let inner: Value = serde_json::from_slice(&hex::decode(&signature.signature).unwrap()).unwrap();
    assert_eq!(inner["indexes"], serde_json::json!(signature.indexes));
}

/// JSON -> hub under `headers` (-> `version` -> hub) -> JSON, checking that the hub value and
/// the headers come back unchanged.
fn round_trip(
    kind: MessageKind,
    body: &[u8],
    headers: &JsonHeaders,
    version: Option<WireVersion>,
) -> Result<Value, WireError> {
    let hub = json::decode_message(kind, body, headers)?;
    let back = match version {
        None => hub.clone(),
        Some(version) => {
            let bytes = wire::encode(version, &hub)?;
            wire::decode(version, kind, &bytes[..])?
        }
    };
    assert_eq!(back, hub, "the round trip changed the hub value");
    let encoded = json::encode_message(&back, DowngradePolicy::Strict)?;
    assert!(encoded.dropped.is_empty());
    assert_eq!(&encoded.headers, headers, "the headers do not come back");
    Ok(serde_json::from_slice(&encoded.body).unwrap())
}

#[test]
fn fixtures_convert_to_every_wire_version_and_back_unchanged() {
    let mut checked = 0;
    let mut not_carried = 0;
    let expected_not_carried = expected_not_carried();
    for (name, fixture) in fixtures() {
        let body = read_fixture(name);
        let original: Value = serde_json::from_slice(&body).unwrap();
        let kind = fixture.kind();
        let header_cases = match kind {
            // A signed declaration travels whole in the body; its signer sends the same software
            // version in the header, for today's aggregators.
            MessageKind::SignerRegistration if name == "register_signer_signed_node_info" => {
                vec![JsonHeaders::from_signer_node_version(Some("0.4.0")).unwrap()]
            }
            MessageKind::SignerRegistration => vec![
                JsonHeaders::default(),
                JsonHeaders::from_signer_node_version(Some("0.2.61")).unwrap(),
            ],
            _ => vec![JsonHeaders::default()],
        };
        for headers in &header_cases {
            // Through the hub alone.
            assert_eq!(
                round_trip(kind, &body, headers, None).unwrap(),
                original,
                "{name}: JSON -> hub -> JSON"
            );
            for version in WireVersion::ALL {
                let expected = expected_not_carried
                    .iter()
                    .find(|(fixture, wire, _)| *fixture == name && wire == version);
                match (round_trip(kind, &body, headers, Some(*version)), expected) {
                    (Ok(value), None) => {
                        assert_eq!(value, original, "{name}: JSON -> hub -> {version} -> JSON");
                        checked += 1;
                    }
                    (Err(WireError::Unrepresentable { path, package }), Some((_, _, expected))) => {
                        assert_eq!(path.to_string(), *expected, "{name} in {version}");
                        assert_eq!(package, version.package());
                        not_carried += 1;
                    }
                    (outcome, expected) => {
                        panic!("{name} in {version}: got {outcome:?}, expected {expected:?}")
                    }
                }
            }
        }
    }
    assert_eq!(not_carried, expected_not_carried.len());
    assert!(checked >= 20, "only {checked} round trips checked");
}

#[test]
fn fixtures_read_and_write_back_identically_as_body_types() {
    fn check<M: JsonMessage>(name: &str, body: &[u8]) {
        let message: M = json::parse(body).unwrap();
        assert!(message.unknown_fields().is_empty(), "{name}");
        // Our writer writes the members in the order of the fixture (today's order).
        let pretty = format!("{}\n", serde_json::to_string_pretty(&message).unwrap());
        assert_eq!(pretty.as_bytes(), body, "{name}");
    }
    for (name, fixture) in fixtures() {
        let body = read_fixture(name);
        match fixture {
            Fixture::Signer(_) => check::<RegisterSignerMessage>(name, &body),
            Fixture::Signature(_) => check::<RegisterSignatureMessage>(name, &body),
            Fixture::Settings(_) => check::<EpochSettingsMessage>(name, &body),
        }
    }
}

#[test]
fn fixtures_decode_to_what_they_say() {
    use mithril_compat::domain::{BlockNumber, Epoch, SignedEntityType};
    let registration: SignerRegistration =
        json::decode(&read_fixture("register_signer"), &JsonHeaders::default()).unwrap();
    assert_eq!(registration.epoch, Epoch(541));
    assert_eq!(registration.kes_evolutions, Some(7));
    assert_eq!(
        registration.verification_key.to_hex(),
        self::registration(false).verification_key
    );
    assert_eq!(
        registration.node_info.software_version().as_str(),
        json::UNKNOWN_SOFTWARE_VERSION
    );
    assert!(registration.node_info.supported_eras().is_empty());
    assert!(registration.node_info.wire_versions().is_empty());
    assert_eq!(registration.verification_key_for_snark, None);

    let signature: SingleSignature = json::decode(
        &read_fixture("register_signature_cardano_transactions"),
        &JsonHeaders::default(),
    )
    .unwrap();
    assert_eq!(
        signature.signed_entity_type,
        SignedEntityType::CardanoTransactions(Epoch(541), BlockNumber(11_234_519))
    );
    assert_eq!(signature.won_indexes.len(), 36);
    assert_eq!(signature.snark_signature, None);
    assert_eq!(signature.shadow_signature, None);

    let with_shadow: SingleSignature = json::decode(
        &read_fixture("register_signature_with_shadow"),
        &JsonHeaders::default(),
    )
    .unwrap();
    let shadow = with_shadow.shadow_signature.expect("a shadow signature");
    assert_eq!(shadow.era.as_str(), "lagrange");
    assert_eq!(shadow.won_indexes.len(), 31);
    assert_ne!(shadow.signed_message, with_shadow.signed_message);
    // What today's nodes read: the body without the member they ignore.
    let mut today: serde_json::Value =
        serde_json::from_slice(&read_fixture("register_signature_with_shadow")).unwrap();
    today.as_object_mut().unwrap().remove("shadow_signature");
    let without: SingleSignature =
        json::decode(today.to_string().as_bytes(), &JsonHeaders::default()).unwrap();
    assert_eq!(
        without,
        SingleSignature {
            shadow_signature: None,
            ..with_shadow
        }
    );

    let unknown: SingleSignature = json::decode(
        &read_fixture("register_signature_unknown_entity_type"),
        &JsonHeaders::default(),
    )
    .unwrap();
    let SignedEntityType::Unknown(variant) = &unknown.signed_entity_type else {
        panic!("{:?}", unknown.signed_entity_type);
    };
    assert_eq!(
        variant.json(),
        Some(r#"{"CardanoFutureEntity":{"epoch":600,"slot":151234567}}"#)
    );

    let settings: EpochSettings =
        json::decode(&read_fixture("epoch_settings"), &JsonHeaders::default()).unwrap();
    assert_eq!(settings.current_signers.len(), 3);
    // Today's epoch settings publish no stake.
    assert!(
        settings
            .current_signers
            .as_slice()
            .iter()
            .chain(settings.next_signers.as_slice())
            .all(|signer| signer.stake.is_none())
    );
    assert_eq!(
        settings
            .signer_registration_protocol_parameters
            .map(|p| (p.k(), p.m())),
        Some((2422, 20973))
    );
}
