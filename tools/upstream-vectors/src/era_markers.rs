//! `era_markers.json`: era markers payloads as the aggregator's `era generate-tx-datum` writes
//! them, signed with mithril-common's deterministic era markers key.
//!
//! Keys, signatures and the JSON-hex codec are mithril-common's own. Two formats come from crates
//! that are not published on crates.io and are restated here with the same fields and serde
//! attributes:
//! - `EraMarker` (internal/mithril-era/src/era_reader.rs) and `EraMarkersPayload`
//!   (internal/mithril-era/src/adapters/cardano_chain.rs): signed over
//!   `serde_json::to_vec(&markers)`, encoded with `key_encode_hex(&payload)`;
//! - `TxDatumBuilder` (internal/cardano-node/mithril-cardano-node-chain/src/entities/datum.rs):
//!   the JSON-hex payload split into fields of at most 128 hex characters.
//!
//! Each datum is also encoded as Plutus data CBOR with pallas (the library the chain observer
//! decodes inline datums with), and pallas's `ToCanonicalJson` of the decoded CBOR is checked to
//! give back the datum JSON, which is how upstream's Pallas chain observer reads it.

use std::collections::HashMap;

use anyhow::{ensure, Context};
use mithril_common::{
    crypto_helper::{
        key_decode_hex, key_encode_hex, EraMarkersSigner, EraMarkersVerifier,
        EraMarkersVerifierSignature, EraMarkersVerifierVerificationKey,
    },
    entities::{Epoch, SupportedEra},
};
use pallas_codec::{minicbor, utils::MaybeIndefArray};
use pallas_primitives::{
    alonzo::{BoundedBytes, Constr, PlutusData},
    ToCanonicalJson,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Same fields and serde derives as upstream's `mithril_era::EraMarker`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraMarker {
    pub name: String,
    pub epoch: Option<Epoch>,
}

impl EraMarker {
    fn new(name: &str, epoch: Option<Epoch>) -> Self {
        Self {
            name: name.to_string(),
            epoch,
        }
    }
}

/// Same fields and serde derives as upstream's `mithril_era::adapters::EraMarkersPayload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraMarkersPayload {
    pub markers: Vec<EraMarker>,
    pub signature: Option<EraMarkersVerifierSignature>,
}

impl EraMarkersPayload {
    fn message_to_bytes(markers: &[EraMarker]) -> anyhow::Result<Vec<u8>> {
        Ok(serde_json::to_vec(markers)?)
    }

    fn sign(markers: Vec<EraMarker>, signer: &EraMarkersSigner) -> anyhow::Result<Self> {
        let signature = signer.sign(&Self::message_to_bytes(&markers)?);
        Ok(Self {
            markers,
            signature: Some(signature),
        })
    }

    fn verify_signature(&self, verification_key: EraMarkersVerifierVerificationKey) -> bool {
        let Some(signature) = self.signature else {
            return false;
        };
        let Ok(message) = Self::message_to_bytes(&self.markers) else {
            return false;
        };
        EraMarkersVerifier::from_verification_key(verification_key)
            .verify(&message, &signature)
            .is_ok()
    }
}

/// Same serde shape as upstream's `TxDatumFieldTypeName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
enum TxDatumFieldTypeName {
    Bytes,
    Int,
}

/// Same serde shape as upstream's `TxDatumFieldValue`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum TxDatumFieldValue {
    Bytes(String),
    Int(u32),
}

impl TxDatumFieldValue {
    fn type_name(&self) -> TxDatumFieldTypeName {
        match self {
            Self::Bytes(_) => TxDatumFieldTypeName::Bytes,
            Self::Int(_) => TxDatumFieldTypeName::Int,
        }
    }
}

/// Same fields, serde shape and chunking rule as upstream's `TxDatumBuilder`.
#[derive(Debug, Serialize)]
struct TxDatumBuilder {
    constructor: usize,
    fields: Vec<HashMap<TxDatumFieldTypeName, TxDatumFieldValue>>,
}

impl TxDatumBuilder {
    fn new() -> Self {
        Self {
            constructor: 0,
            fields: Vec::new(),
        }
    }

    fn add_field(&mut self, field_value: TxDatumFieldValue) -> &mut Self {
        match &field_value {
            TxDatumFieldValue::Bytes(datum_str) => {
                for chunk in datum_str.as_bytes().chunks(128) {
                    let mut field = HashMap::new();
                    field.insert(
                        field_value.type_name(),
                        TxDatumFieldValue::Bytes(std::str::from_utf8(chunk).unwrap().to_string()),
                    );
                    self.fields.push(field);
                }
            }
            TxDatumFieldValue::Int(_) => {
                let mut field = HashMap::new();
                field.insert(field_value.type_name(), field_value);
                self.fields.push(field);
            }
        }
        self
    }

    fn build(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string(self)?)
    }
}

/// Plutus data of a datum made of byte-string fields: `Constr 0` (CBOR tag 121) over an
/// indefinite-length list, as the Plutus `Data` encoder writes a non-empty list.
fn plutus_data(datum_json: &str) -> anyhow::Result<PlutusData> {
    let datum: Value = serde_json::from_str(datum_json)?;
    ensure!(
        datum["constructor"] == json!(0),
        "datum constructor is not 0"
    );
    let mut fields = Vec::new();
    for field in datum["fields"].as_array().context("datum without fields")? {
        let bytes = field["bytes"]
            .as_str()
            .context("datum field is not bytes")?;
        fields.push(PlutusData::BoundedBytes(BoundedBytes::from(hex::decode(
            bytes,
        )?)));
    }
    Ok(PlutusData::Constr(Constr {
        tag: 121,
        any_constructor: None,
        fields: MaybeIndefArray::Indef(fields),
    }))
}

/// Encodes the datum as CBOR and checks that the chain observer's reading of it (pallas decode,
/// then `ToCanonicalJson`, then `serde_json::to_string`) gives back the datum JSON.
fn plutus_data_cbor_hex(datum_json: &str) -> anyhow::Result<String> {
    let cbor = minicbor::to_vec(plutus_data(datum_json)?)?;
    let decoded: PlutusData = minicbor::decode(&cbor)?;
    let read_back = serde_json::to_string(&decoded.to_json())?;
    ensure!(
        read_back == datum_json,
        "pallas reads back {read_back} instead of {datum_json}"
    );
    ensure!(
        minicbor::to_vec(&decoded)? == cbor,
        "pallas re-encoding differs"
    );
    Ok(hex::encode(cbor))
}

/// `GOLDEN_ERA_MARKERS_PAYLOAD_WITH_SIGNATURE`, internal/mithril-era/src/adapters/cardano_chain.rs.
const GOLDEN_ERA_MARKERS_PAYLOAD_WITH_SIGNATURE: &str =
    "7b226d61726b657273223a5b7b226e616d65223a227468616c6573222c2265706f6368223a317d2c7b226e616d\
65223a227079746861676f726173222c2265706f6368223a327d5d2c227369676e6174757265223a22633539373\
9653333663163336234376361306162353239386536353562316264653235656564303866356232653536663361\
6439623964373638316164663138653164656562623731616135616132636234363564643831323239633637656\
33030326463396632663563363664663931333164366561633039666565373065227d";

/// Inline datum of `valid_hex_datum()` and the `TxDatum` expected from it, in the Pallas chain
/// observer tests (internal/cardano-node/mithril-cardano-node-chain/src/chain_observer/pallas_observer.rs).
const PALLAS_OBSERVER_DATUM_CBOR_HEX: &str = "D8799F58407B226D61726B657273223A5B7B226E616D65223A227468616C6573222C2265706F6368223A307D5D2C227369676E6174757265223A22383566323265626261645840333335376338656132646630363230393766396131383064643335643966336261316432363832633732633864313232383866616438636238643063656565625838366134643665383465653865353631376164323037313836366363313930373466326137366538373864663166393733346438343061227DFF";
const PALLAS_OBSERVER_DATUM_JSON: &str = r#"{"constructor":0,"fields":[{"bytes":"7b226d61726b657273223a5b7b226e616d65223a227468616c6573222c2265706f6368223a307d5d2c227369676e6174757265223a2238356632326562626164"},{"bytes":"33333537633865613264663036323039376639613138306464333564396633626131643236383263373263386431323238386661643863623864306365656562"},{"bytes":"366134643665383465653865353631376164323037313836366363313930373466326137366538373864663166393733346438343061227d"}]}"#;

/// `test_build_tx_datum` in internal/cardano-node/mithril-cardano-node-chain/src/entities/datum.rs.
fn check_datum_builder_against_upstream_test() -> anyhow::Result<()> {
    let datum = TxDatumBuilder::new()
        .add_field(TxDatumFieldValue::Bytes("bytes0".to_string()))
        .add_field(TxDatumFieldValue::Int(0))
        .add_field(TxDatumFieldValue::Int(1))
        .add_field(TxDatumFieldValue::Bytes("bytes1".to_string()))
        .add_field(TxDatumFieldValue::Bytes("bytes2".to_string()))
        .add_field(TxDatumFieldValue::Int(2))
        .add_field(TxDatumFieldValue::Bytes("012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789".to_string()))
        .build()?;
    let expected = r#"{"constructor":0,"fields":[{"bytes":"bytes0"},{"int":0},{"int":1},{"bytes":"bytes1"},{"bytes":"bytes2"},{"int":2},{"bytes":"01234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567"},{"bytes":"8901234567890123456789"}]}"#;
    ensure!(
        datum == expected,
        "datum builder differs from upstream: {datum}"
    );
    Ok(())
}

fn check_pallas_against_upstream_observer() -> anyhow::Result<()> {
    let cbor = hex::decode(PALLAS_OBSERVER_DATUM_CBOR_HEX)?;
    let decoded: PlutusData = minicbor::decode(&cbor)?;
    ensure!(
        serde_json::to_string(&decoded.to_json())? == PALLAS_OBSERVER_DATUM_JSON,
        "pallas does not read the upstream observer datum as upstream expects"
    );
    ensure!(
        plutus_data_cbor_hex(PALLAS_OBSERVER_DATUM_JSON)?
            == PALLAS_OBSERVER_DATUM_CBOR_HEX.to_lowercase(),
        "datum CBOR encoding differs from the upstream observer datum"
    );
    Ok(())
}

fn payload_vector(
    name: &str,
    payload: &EraMarkersPayload,
    verification_key: EraMarkersVerifierVerificationKey,
) -> anyhow::Result<Value> {
    let signed_bytes = String::from_utf8(EraMarkersPayload::message_to_bytes(&payload.markers)?)?;
    let payload_json = serde_json::to_string(payload)?;
    let payload_json_hex = key_encode_hex(payload)?;
    ensure!(
        payload_json_hex == hex::encode(&payload_json),
        "JSON-hex is not hex of the JSON"
    );
    let decoded: EraMarkersPayload = key_decode_hex(&payload_json_hex)?;
    ensure!(&decoded == payload, "payload does not round-trip");
    let datum_json = TxDatumBuilder::new()
        .add_field(TxDatumFieldValue::Bytes(payload_json_hex.clone()))
        .build()?;
    Ok(json!({
        "name": name,
        "markers": serde_json::to_value(&payload.markers)?,
        "signed_bytes": signed_bytes,
        "payload_json": payload_json,
        "payload_json_hex": payload_json_hex,
        "datum_json": datum_json,
        "plutus_data_cbor_hex": plutus_data_cbor_hex(&datum_json)?,
        "valid": payload.verify_signature(verification_key),
    }))
}

pub fn generate() -> anyhow::Result<Value> {
    check_datum_builder_against_upstream_test()?;
    check_pallas_against_upstream_observer()?;

    let signer = EraMarkersSigner::create_deterministic_signer();
    let verification_key = signer.verification_key();

    // Key files exactly as upstream writes them (`ProtocolKey::write_json_hex_to_file`).
    let dir = std::env::temp_dir().join(format!("upstream-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    signer
        .secret_key()
        .write_json_hex_to_file(&dir.join("era.sk"))?;
    verification_key.write_json_hex_to_file(&dir.join("era.vk"))?;
    let secret_key_file = std::fs::read_to_string(dir.join("era.sk"))?;
    let verification_key_file = std::fs::read_to_string(dir.join("era.vk"))?;
    std::fs::remove_dir_all(&dir)?;
    ensure!(
        verification_key_file == verification_key.to_json_hex()?,
        "vk file differs"
    );
    ensure!(
        EraMarkersVerifierVerificationKey::from_json_hex(&verification_key_file)?
            == verification_key,
        "vk file does not decode"
    );

    let pythagoras = SupportedEra::Pythagoras.to_string();
    let lagrange = SupportedEra::Lagrange.to_string();
    let sign = |markers: Vec<EraMarker>| EraMarkersPayload::sign(markers, &signer);

    let pythagoras_only = sign(vec![EraMarker::new(&pythagoras, Some(Epoch(1)))])?;
    let lagrange_unscheduled = sign(vec![
        EraMarker::new(&pythagoras, Some(Epoch(1))),
        EraMarker::new(&lagrange, None),
    ])?;
    let lagrange_scheduled = sign(vec![
        EraMarker::new(&pythagoras, Some(Epoch(1))),
        EraMarker::new(&lagrange, Some(Epoch(612))),
    ])?;
    let long = sign(vec![
        EraMarker::new("thales", Some(Epoch(0))),
        EraMarker::new(&pythagoras, Some(Epoch(1))),
        EraMarker::new(&lagrange, Some(Epoch(612))),
        EraMarker::new("euclid", None),
        EraMarker::new("archimedes", None),
    ])?;
    let tampered = EraMarkersPayload {
        markers: vec![
            EraMarker::new(&pythagoras, Some(Epoch(1))),
            EraMarker::new(&lagrange, Some(Epoch(600))),
        ],
        signature: lagrange_scheduled.signature,
    };
    let unsigned = EraMarkersPayload {
        markers: lagrange_scheduled.markers.clone(),
        signature: None,
    };

    let payloads = vec![
        payload_vector("pythagoras_only", &pythagoras_only, verification_key)?,
        payload_vector(
            "pythagoras_lagrange_unscheduled",
            &lagrange_unscheduled,
            verification_key,
        )?,
        payload_vector(
            "pythagoras_lagrange_scheduled",
            &lagrange_scheduled,
            verification_key,
        )?,
        payload_vector("long_five_markers", &long, verification_key)?,
        payload_vector(
            "tampered_other_markers_signature",
            &tampered,
            verification_key,
        )?,
        payload_vector("unsigned", &unsigned, verification_key)?,
    ];
    for payload in &payloads {
        let chunks = serde_json::from_str::<Value>(payload["datum_json"].as_str().unwrap())?
            ["fields"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        ensure!(chunks >= 1, "datum without chunk");
    }

    let golden: EraMarkersPayload = key_decode_hex(GOLDEN_ERA_MARKERS_PAYLOAD_WITH_SIGNATURE)
        .context("upstream golden payload does not decode")?;
    ensure!(
        key_encode_hex(&golden)? == GOLDEN_ERA_MARKERS_PAYLOAD_WITH_SIGNATURE,
        "upstream golden payload does not re-encode identically"
    );

    Ok(json!({
        "source": "mithril-common 0.8.3 EraMarkersSigner::create_deterministic_signer, key_encode_hex",
        "verification_key": {
            "key_file": verification_key_file,
            "bytes_hex": verification_key.to_bytes_hex()?,
        },
        "secret_key_file": secret_key_file,
        "payloads": payloads,
        "upstream_golden": {
            "payload_json_hex": GOLDEN_ERA_MARKERS_PAYLOAD_WITH_SIGNATURE,
            "verifies_with_deterministic_key": golden.verify_signature(verification_key),
        },
        "upstream_pallas_observer_datum": {
            "plutus_data_cbor_hex": PALLAS_OBSERVER_DATUM_CBOR_HEX.to_lowercase(),
            "datum_json": PALLAS_OBSERVER_DATUM_JSON,
        },
    }))
}
