//! Agreement with the JSON that Mithril nodes send and accept today.
//!
//! The `Today*` types below restate, member for member and attribute for attribute, today's
//! message types of `mithril-common` (release 0.8.3, `src/messages/`):
//!
//! | type | members (serde attributes) |
//! |---|---|
//! | `RegisterSignerMessage` | `epoch` u64; `party_id` string; `verification_key` string (rename of `verification_key_for_concatenation`); `verification_key_signature`? (rename, skip if none); `operational_certificate`? (skip if none); `kes_period`? u64 (rename of `kes_evolutions`, skip if none); with the `snark` build: `verification_key_for_snark`?, `verification_key_signature_for_snark`?, `proof_of_bound_possession_for_snark`? (skip if none, default) |
//! | `SignerMessagePart` | the same without `epoch` |
//! | `RegisterSignatureMessageHttp` | `entity_type` (rename of `signed_entity_type`); `party_id`; `signature` string; `indexes` u64 array (rename of `won_indexes`); `signed_message` string; all required |
//! | `EpochSettingsMessage` | `epoch`; `signer_registration_protocol`? {`k`, `m`, `phi_f`} (rename, skip if none); `current_signers`, `next_signers` (required arrays); `cardano_transactions_signing_config`? {`security_parameter`, `step`} (skip if none) |
//! | `SignedEntityType` | externally tagged: `MithrilStakeDistribution(epoch)`, `CardanoStakeDistribution(epoch)`, `CardanoDatabase({epoch, immutable_file_number})`, `CardanoTransactions(epoch, block_number)`, `CardanoBlocksTransactions(epoch, block_number, offset)`, read through an untagged known / discontinued (`CardanoImmutableFilesFull` with any payload) / unknown (anything) wrapper |
//!
//! None of them denies unknown members; newtypes (`Epoch`, `KesEvolutions`, `BlockNumber`, …)
//! are plain JSON numbers. The types stand for a node of today in these tests:
//! - bodies written by hand in today's shape are accepted by this wire and by the `Today*` types;
//! - what this wire writes reads into the `Today*` types and writes back as the same value (so it
//!   has no member they do not declare, and every member they require);
//! - what the `Today*` types write, this wire reads into the same hub value, and writes back
//!   byte for byte.

use mithril_compat::domain::{
    BlockNumber, BlockNumberOffset, CardanoDbBeacon, Epoch, EpochSettings, ImmutableFileNumber,
    SignedEntityType, SignerRegistration, SingleSignature,
};
use mithril_compat::wire::json::{
    self, JsonHeaders, JsonMessage, JsonSpoke, RegisterSignatureMessage, RegisterSignerMessage,
    SignedEntityTypeMessage,
};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

// --- Today's message types, restated ----------------------------------------------------------

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct TodayRegisterSigner {
    epoch: u64,
    party_id: String,
    #[serde(rename = "verification_key")]
    verification_key_for_concatenation: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        rename = "verification_key_signature"
    )]
    verification_key_signature_for_concatenation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operational_certificate: Option<String>,
    #[serde(rename = "kes_period", skip_serializing_if = "Option::is_none")]
    kes_evolutions: Option<u64>,
    // The members of the `snark` build.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    verification_key_for_snark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    verification_key_signature_for_snark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    proof_of_bound_possession_for_snark: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct TodaySigner {
    party_id: String,
    #[serde(rename = "verification_key")]
    verification_key_for_concatenation: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        rename = "verification_key_signature"
    )]
    verification_key_signature_for_concatenation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operational_certificate: Option<String>,
    #[serde(rename = "kes_period", skip_serializing_if = "Option::is_none")]
    kes_evolutions: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    verification_key_for_snark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    verification_key_signature_for_snark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    proof_of_bound_possession_for_snark: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct TodayBeacon {
    epoch: u64,
    immutable_file_number: u64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum TodaySignedEntityType {
    MithrilStakeDistribution(u64),
    CardanoStakeDistribution(u64),
    CardanoDatabase(TodayBeacon),
    CardanoTransactions(u64, u64),
    CardanoBlocksTransactions(u64, u64, u64),
}

/// How today's nodes classify an `entity_type`.
#[derive(Debug, PartialEq)]
enum TodayEntityClass {
    Known(TodaySignedEntityType),
    Discontinued,
    Unknown,
}

impl<'de> Deserialize<'de> for TodayEntityClass {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        enum Discontinued {
            CardanoImmutableFilesFull(IgnoredAny),
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Read {
            Known(TodaySignedEntityType),
            Discontinued(#[allow(dead_code)] Discontinued),
            Unknown(#[allow(dead_code)] IgnoredAny),
        }
        Ok(match Read::deserialize(deserializer)? {
            Read::Known(known) => Self::Known(known),
            Read::Discontinued(_) => Self::Discontinued,
            Read::Unknown(_) => Self::Unknown,
        })
    }
}

/// Today's `entity_type`: writing a known type writes it externally tagged.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(transparent)]
struct TodayEntityType(TodayEntityClass);

impl Serialize for TodayEntityType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            TodayEntityClass::Known(known) => known.serialize(serializer),
            TodayEntityClass::Discontinued => serializer.serialize_str("CardanoImmutableFilesFull"),
            TodayEntityClass::Unknown => serializer.serialize_unit(),
        }
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct TodayRegisterSignature {
    #[serde(rename = "entity_type")]
    signed_entity_type: TodayEntityType,
    party_id: String,
    signature: String,
    #[serde(rename = "indexes")]
    won_indexes: Vec<u64>,
    signed_message: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct TodayProtocolParameters {
    k: u64,
    m: u64,
    phi_f: f64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct TodayCardanoTransactionsSigningConfig {
    security_parameter: u64,
    step: u64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct TodayEpochSettings {
    epoch: u64,
    #[serde(
        rename = "signer_registration_protocol",
        skip_serializing_if = "Option::is_none"
    )]
    signer_registration_protocol_parameters: Option<TodayProtocolParameters>,
    current_signers: Vec<TodaySigner>,
    next_signers: Vec<TodaySigner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cardano_transactions_signing_config: Option<TodayCardanoTransactionsSigningConfig>,
}

// --- Bodies in today's shape ------------------------------------------------------------------

/// JSON-hex of `{"vk":[145,23,158],"pop":[183,145,139]}` (a shortened verification key).
const VK: &str = "7b22766b223a5b3134352c32332c3135385d2c22706f70223a5b3138332c3134352c3133395d7d";
/// JSON-hex of a shortened two-level KES signature.
const KES: &str = "7b227369676d61223a7b227369676d61223a5b33322c3235335d2c226c68735f706b223a5b3136332c3234365d2c227268735f706b223a5b3137322c3138395d7d2c226c68735f706b223a5b3134302c3230375d2c227268735f706b223a5b3137312c3232395d7d";
/// JSON-hex of `[[[203,109],2,128,[138,110]],[207,12]]` (a shortened operational certificate).
const OPCERT: &str = "5b5b5b3230332c3130395d2c322c3132382c5b3133382c3131305d5d2c5b3230372c31325d5d";
/// JSON-hex of `{"sigma":[130,177,15],"indexes":[1,3],"signer_index":2}`.
const SIGNATURE: &str = "7b227369676d61223a5b3133302c3137372c31355d2c22696e6465786573223a5b312c335d2c227369676e65725f696e646578223a327d";
/// JSON-hex of `{"vk":[12,34,56],"pop":[78,90,12]}`.
const VK_2: &str = "7b22766b223a5b31322c33342c35365d2c22706f70223a5b37382c39302c31325d7d";
/// JSON-hex of `[[[1,2],0,0,[3,4]],[5,6]]`.
const OPCERT_2: &str = "5b5b5b312c325d2c302c302c5b332c345d5d2c5b352c365d5d";

fn register_signer_today() -> String {
    format!(
        r#"{{
            "epoch": 123,
            "party_id": "pool1m8crhnqj5k2kyszf5j2scshupystyxc887zdfrpzh6ty6eun4fx",
            "verification_key": "{VK}",
            "verification_key_signature": "{KES}",
            "operational_certificate": "{OPCERT}",
            "kes_period": 6
        }}"#
    )
}

/// A signature of a node from before OpenAPI 0.1.45: the beacon still has its `network`.
fn register_signature_legacy_beacon() -> String {
    format!(
        r#"{{
            "entity_type": {{
                "CardanoDatabase": {{
                    "network": "testnet",
                    "epoch": 10,
                    "immutable_file_number": 1728
                }}
            }},
            "party_id": "party_id",
            "signature": "{SIGNATURE}",
            "indexes": [1, 3],
            "signed_message": "6a7e737c312972d2346b65ac3075696e04286d046dddaf8004121e3d5e27cc0d"
        }}"#
    )
}

fn epoch_settings_today() -> String {
    format!(
        r#"{{
            "epoch": 10,
            "signer_registration_protocol":  {{ "k": 500, "m": 10000, "phi_f": 0.65 }},
            "current_signers":[{{
                "party_id":"123",
                "verification_key":"{VK}",
                "verification_key_signature":"{KES}",
                "operational_certificate":"{OPCERT}",
                "kes_period":12
            }}],
            "next_signers": [{{
                "party_id":"456",
                "verification_key":"{VK_2}",
                "verification_key_signature":"{KES}",
                "operational_certificate":"{OPCERT_2}",
                "kes_period":45
            }}],
            "cardano_transactions_signing_config": {{
                "security_parameter": 70,
                "step": 20
            }}
        }}"#
    )
}

/// Reads `body` as today's nodes do.
fn today<T: DeserializeOwned>(body: &[u8]) -> T {
    serde_json::from_slice(body).unwrap_or_else(|error| panic!("today's nodes refuse it: {error}"))
}

/// Asserts that today's nodes read `body` and write back the same JSON value: every member is
/// one they declare, of the type they declare.
fn assert_today_reads_exactly<T: DeserializeOwned + Serialize>(body: &[u8]) {
    let value: Value = serde_json::from_slice(body).unwrap();
    let read: T = today(body);
    assert_eq!(serde_json::to_value(&read).unwrap(), value);
}

/// JSON -> hub -> JSON through this wire.
fn through_hub<T: JsonSpoke>(body: &[u8], headers: &JsonHeaders) -> (T, Vec<u8>) {
    let hub: T = json::decode(body, headers).unwrap();
    let encoded = json::encode(&hub).unwrap();
    (hub, encoded.body)
}

#[test]
fn a_registration_in_todays_shape_is_accepted_and_written_back_in_it() {
    let body = register_signer_today();
    let headers = JsonHeaders::from_signer_node_version(Some("0.2.237")).unwrap();
    let (hub, ours) = through_hub::<SignerRegistration>(body.as_bytes(), &headers);
    assert_eq!(hub.epoch, Epoch(123));
    assert_eq!(hub.kes_evolutions, Some(6));
    assert_eq!(hub.verification_key.to_hex(), VK);
    assert_eq!(
        std::str::from_utf8(hub.verification_key.as_bytes()).unwrap(),
        r#"{"vk":[145,23,158],"pop":[183,145,139]}"#,
        "the hub keeps the bytes the hex decodes to"
    );
    assert_eq!(hub.node_info.software_version().as_str(), "0.2.237");

    assert_today_reads_exactly::<TodayRegisterSigner>(&ours);
    let theirs: TodayRegisterSigner = today(body.as_bytes());
    assert_eq!(today::<TodayRegisterSigner>(&ours), theirs);
}

#[test]
fn a_signature_with_a_legacy_beacon_is_accepted_and_written_in_todays_shape() {
    let body = register_signature_legacy_beacon();
    let (hub, ours) = through_hub::<SingleSignature>(body.as_bytes(), &JsonHeaders::default());
    assert_eq!(
        hub.signed_entity_type,
        SignedEntityType::CardanoDatabase(CardanoDbBeacon {
            epoch: Epoch(10),
            immutable_file_number: ImmutableFileNumber(1728),
        })
    );
    assert_eq!(hub.won_indexes.as_slice(), &[1, 3]);

    // Today's nodes ignore `network` too; what we write is exactly today's shape.
    let theirs: TodayRegisterSignature = today(body.as_bytes());
    assert_today_reads_exactly::<TodayRegisterSignature>(&ours);
    assert_eq!(today::<TodayRegisterSignature>(&ours), theirs);

    // The body type keeps the legacy member, so relaying the body loses nothing.
    let message: RegisterSignatureMessage = json::parse(body.as_bytes()).unwrap();
    assert_eq!(
        message.unknown_fields(),
        ["register_signature.entity_type.CardanoDatabase.network"]
    );
    assert_eq!(
        json::to_value(&message),
        serde_json::from_str::<Value>(&body).unwrap()
    );
}

#[test]
fn epoch_settings_in_todays_shape_are_accepted_and_written_back_in_it() {
    let body = epoch_settings_today();
    let (hub, ours) = through_hub::<EpochSettings>(body.as_bytes(), &JsonHeaders::default());
    assert_eq!(hub.epoch, Epoch(10));
    let parameters = hub.signer_registration_protocol_parameters.unwrap();
    assert_eq!(
        (parameters.k(), parameters.m(), parameters.phi_f()),
        (500, 10000, 0.65)
    );
    assert_eq!(hub.next_signers.as_slice()[0].kes_evolutions, Some(45));
    assert!(
        hub.current_signers
            .as_slice()
            .iter()
            .all(|signer| signer.stake.is_none())
    );
    let config = hub.cardano_transactions_signing_config.unwrap();
    assert_eq!(
        (config.security_parameter, config.step),
        (70, BlockNumber(20))
    );

    let theirs: TodayEpochSettings = today(body.as_bytes());
    assert_today_reads_exactly::<TodayEpochSettings>(&ours);
    assert_eq!(today::<TodayEpochSettings>(&ours), theirs);
    assert_eq!(
        serde_json::from_slice::<Value>(&ours).unwrap(),
        serde_json::from_str::<Value>(&body).unwrap()
    );
}

#[test]
fn what_today_writes_reads_into_the_same_hub_value_and_back() {
    // Written by today's serde: optional members absent, SNARK members of the `snark` build.
    let registration = TodayRegisterSigner {
        epoch: 9,
        party_id: "pool1abc".into(),
        verification_key_for_concatenation: VK.into(),
        verification_key_signature_for_concatenation: None,
        operational_certificate: None,
        kes_evolutions: None,
        verification_key_for_snark: Some("5b312c325d".into()),
        verification_key_signature_for_snark: Some(KES.into()),
        proof_of_bound_possession_for_snark: None,
    };
    let body = serde_json::to_vec(&registration).unwrap();
    let (hub, ours) = through_hub::<SignerRegistration>(&body, &JsonHeaders::default());
    assert_eq!(hub.verification_key_signature, None);
    assert_eq!(hub.verification_key_for_snark.unwrap().as_bytes(), b"[1,2]");
    assert_eq!(today::<TodayRegisterSigner>(&ours), registration);

    let entity_types = [
        TodaySignedEntityType::MithrilStakeDistribution(12),
        TodaySignedEntityType::CardanoStakeDistribution(7),
        TodaySignedEntityType::CardanoDatabase(TodayBeacon {
            epoch: 10,
            immutable_file_number: 1728,
        }),
        TodaySignedEntityType::CardanoTransactions(10, 11),
        TodaySignedEntityType::CardanoBlocksTransactions(12, 13, 14),
    ];
    let expected = [
        SignedEntityType::MithrilStakeDistribution(Epoch(12)),
        SignedEntityType::CardanoStakeDistribution(Epoch(7)),
        SignedEntityType::CardanoDatabase(CardanoDbBeacon {
            epoch: Epoch(10),
            immutable_file_number: ImmutableFileNumber(1728),
        }),
        SignedEntityType::CardanoTransactions(Epoch(10), BlockNumber(11)),
        SignedEntityType::CardanoBlocksTransactions(
            Epoch(12),
            BlockNumber(13),
            BlockNumberOffset(14),
        ),
    ];
    for (entity_type, expected) in entity_types.into_iter().zip(expected) {
        let signature = TodayRegisterSignature {
            signed_entity_type: TodayEntityType(TodayEntityClass::Known(entity_type)),
            party_id: "pool1abc".into(),
            signature: SIGNATURE.into(),
            won_indexes: vec![1, 3],
            signed_message: "6a7e".into(),
        };
        let body = serde_json::to_vec(&signature).unwrap();
        let (hub, ours) = through_hub::<SingleSignature>(&body, &JsonHeaders::default());
        assert_eq!(hub.signed_entity_type, expected);
        assert_eq!(today::<TodayRegisterSignature>(&ours), signature);
        assert_eq!(ours, body, "the same bytes, member for member");
    }

    let settings = TodayEpochSettings {
        epoch: 3,
        signer_registration_protocol_parameters: None,
        current_signers: vec![TodaySigner {
            party_id: "1".into(),
            verification_key_for_concatenation: VK.into(),
            verification_key_signature_for_concatenation: None,
            operational_certificate: Some(OPCERT.into()),
            kes_evolutions: Some(0),
            verification_key_for_snark: None,
            verification_key_signature_for_snark: None,
            proof_of_bound_possession_for_snark: None,
        }],
        next_signers: vec![],
        cardano_transactions_signing_config: None,
    };
    let body = serde_json::to_vec(&settings).unwrap();
    let (_, ours) = through_hub::<EpochSettings>(&body, &JsonHeaders::default());
    assert_eq!(today::<TodayEpochSettings>(&ours), settings);
    assert_eq!(ours, body);
}

/// How this wire classifies an `entity_type`, in today's terms.
fn our_class(message: &SignedEntityTypeMessage) -> &'static str {
    match message {
        SignedEntityTypeMessage::CardanoImmutableFilesFull(_) => "discontinued",
        SignedEntityTypeMessage::Unknown(_) if message.is_discontinued() => "discontinued",
        SignedEntityTypeMessage::Unknown(_) => "unknown",
        _ => "known",
    }
}

fn today_class(value: &Value) -> &'static str {
    match serde_json::from_value::<TodayEntityClass>(value.clone()).unwrap() {
        TodayEntityClass::Known(_) => "known",
        TodayEntityClass::Discontinued => "discontinued",
        TodayEntityClass::Unknown => "unknown",
    }
}

#[test]
fn entity_types_are_classified_as_today() {
    let cases = [
        json!({"MithrilStakeDistribution": 12}),
        json!({"CardanoStakeDistribution": 7}),
        json!({"CardanoDatabase": {"epoch": 10, "immutable_file_number": 1728}}),
        json!({"CardanoDatabase": {"network": "testnet", "epoch": 10, "immutable_file_number": 1}}),
        json!({"CardanoTransactions": [10, 11]}),
        json!({"CardanoBlocksTransactions": [12, 13, 14]}),
        json!({"CardanoImmutableFilesFull": {"epoch": 10, "immutable_file_number": 1728}}),
        json!({"CardanoImmutableFilesFull": {"network": "x", "epoch": 1, "immutable_file_number": 2}}),
        json!({"CardanoImmutableFilesFull": 5}),
        json!({"CardanoImmutableFilesFull": null}),
        json!(null),
        json!(1),
        json!("CardanoImmutableFilesFull"),
        json!("MithrilStakeDistribution"),
        json!({}),
        json!([]),
        json!({"Whatever": 1}),
        json!({"MithrilStakeDistribution": "12"}),
        json!({"MithrilStakeDistribution": -1}),
        json!({"MithrilStakeDistribution": 1.5}),
        json!({"MithrilStakeDistribution": [12]}),
        json!({"CardanoTransactions": [10]}),
        json!({"CardanoTransactions": [10, 11, 12]}),
        json!({"CardanoTransactions": {"epoch": 10, "block_number": 11}}),
        json!({"CardanoDatabase": {"epoch": 10}}),
        json!({"CardanoDatabase": {"epoch": "10", "immutable_file_number": 1}}),
        json!({"MithrilStakeDistribution": 1, "CardanoStakeDistribution": 2}),
    ];
    for value in cases {
        let ours = SignedEntityTypeMessage::from_value(value.clone());
        assert_eq!(our_class(&ours), today_class(&value), "{value}");
        // Whatever the class, the value is written back as it came (but for the known names'
        // own spelling, which is today's).
        assert_eq!(serde_json::to_value(&ours).unwrap(), value, "{value}");
    }
}

#[test]
fn a_beacon_written_as_an_array_is_the_one_deliberate_difference() {
    // serde reads a struct from an array too, so today's nodes take this as a known type; no
    // node writes it. This wire keeps it as an unknown value, written back unchanged.
    let value = json!({"CardanoDatabase": [10, 1728]});
    assert_eq!(today_class(&value), "known");
    let ours = SignedEntityTypeMessage::from_value(value.clone());
    assert_eq!(our_class(&ours), "unknown");
    assert_eq!(serde_json::to_value(&ours).unwrap(), value);
}

#[test]
fn null_optional_members_read_as_absent_like_today() {
    let body = format!(
        r#"{{"epoch":1,"party_id":"p","verification_key":"{VK}","verification_key_signature":null,
            "operational_certificate":null,"kes_period":null,"verification_key_for_snark":null}}"#
    );
    let theirs: TodayRegisterSigner = today(body.as_bytes());
    assert_eq!(theirs.verification_key_signature_for_concatenation, None);
    let (hub, ours) = through_hub::<SignerRegistration>(body.as_bytes(), &JsonHeaders::default());
    assert_eq!(hub.operational_certificate, None);
    assert_eq!(hub.kes_evolutions, None);
    assert_eq!(
        serde_json::from_slice::<Value>(&ours).unwrap(),
        json!({"epoch": 1, "party_id": "p", "verification_key": VK})
    );
}

#[test]
fn members_this_build_does_not_know_are_kept_by_the_body_types() {
    // A member of a release newer than this build, and `stake`, which a signer with stake
    // would add.
    let body = json!({
        "epoch": 1,
        "party_id": "p",
        "verification_key": VK,
        "stake": 12,
        "future": {"a": [1, 2]}
    });
    let message: RegisterSignerMessage = json::parse(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        message.unknown_fields(),
        ["register_signer.future", "register_signer.stake"]
    );
    assert_eq!(json::to_value(&message), body);
    // Today's nodes accept it too.
    let theirs: TodayRegisterSigner = today(body.to_string().as_bytes());
    assert_eq!(theirs.proof_of_bound_possession_for_snark, None);
    // The hub has no place for them.
    let hub: SignerRegistration = json::from_message(&message, &JsonHeaders::default()).unwrap();
    let written: Value = serde_json::from_slice(&json::encode(&hub).unwrap().body).unwrap();
    assert_eq!(
        written,
        json!({"epoch": 1, "party_id": "p", "verification_key": VK})
    );

    let settings = json!({
        "epoch": 1,
        "current_signers": [{"party_id": "a", "verification_key": VK, "stake": 12}],
        "next_signers": [],
        "extra": true
    });
    let message: json::EpochSettingsMessage = json::parse(settings.to_string().as_bytes()).unwrap();
    assert_eq!(
        message.unknown_fields(),
        [
            "epoch_settings.current_signers[0].stake",
            "epoch_settings.extra"
        ]
    );
    assert_eq!(json::to_value(&message), settings);
    let hub: EpochSettings = json::from_message(&message, &JsonHeaders::default()).unwrap();
    assert_eq!(hub.current_signers.as_slice()[0].stake, None);
}
