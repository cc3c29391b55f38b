//! Protocol-configuration markers in Mithril's on-chain format: the protocol parameters and the
//! signed entity types of each epoch, published as a datum beside the era markers.
//!
//! From `internal/mithril-protocol-config/src/cardano_chain/{payload,message}.rs`
//! (IntersectMBO/mithril): the payload is the JSON
//! `{"markers":[{"epoch":E,"configuration":"<hex of CBOR>"}],"signature":"<hex of 64 bytes>"}`,
//! signed with Ed25519 over `serde_json::to_vec(&markers)` (members `epoch` then
//! `configuration`); each configuration is the hex of the CBOR (ciborium) of
//! `ProtocolConfigurationForEpochMessage{protocol_parameters{k, m, phi_f}, enabled_signed_entity_types,
//! cardano_transactions?, cardano_blocks_transactions?}`. The datum that carries a payload is
//! built and read like the era datum ([`super::era_datum`]). Golden vectors from upstream's own
//! tests pin both encodings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::era_datum::{DatumError, MAX_DATUM_BYTES};
use crate::domain::{
    BlockNumber, CardanoTransactionsSigningConfig, ProtocolConfiguration, ProtocolParameters,
    SignedEntityKind, aggregator::check_kinds,
};
use crate::era::{EraSigningKey, EraVerificationKey};

/// One marker: the configuration that applies from an epoch on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolConfigurationMarker {
    /// The epoch.
    pub epoch: u64,
    /// Hex of the CBOR of the configuration ([`decode_configuration`]).
    pub configuration: String,
}

/// A signed protocol-configuration payload (upstream's `SignedProtocolConfigurationMarkersPayload`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolConfigurationPayload {
    /// The markers.
    pub markers: Vec<ProtocolConfigurationMarker>,
    /// Ed25519 signature over [`signed_bytes`] of the markers.
    pub signature: [u8; 64],
    /// Members this build does not know, kept as they came.
    pub unknown_members: Map<String, Value>,
}

fn malformed(what: impl std::fmt::Display) -> DatumError {
    DatumError::Malformed(what.to_string())
}

/// The bytes the signature covers: `serde_json::to_vec(&markers)`.
pub fn signed_bytes(markers: &[ProtocolConfigurationMarker]) -> Vec<u8> {
    serde_json::to_vec(markers).expect("markers serialize")
}

impl ProtocolConfigurationPayload {
    /// Signs markers with the protocol-configuration key.
    pub fn sign(markers: Vec<ProtocolConfigurationMarker>, key: &EraSigningKey) -> Self {
        let signature = key.sign_raw(&signed_bytes(&markers));
        Self {
            markers,
            signature,
            unknown_members: Map::new(),
        }
    }

    /// The payload's compact JSON, members in upstream's order.
    pub fn to_json(&self) -> String {
        let mut out = format!(
            "{{\"markers\":{},\"signature\":\"{}\"",
            String::from_utf8(signed_bytes(&self.markers)).expect("JSON is UTF-8"),
            hex::encode(self.signature)
        );
        for (name, value) in &self.unknown_members {
            out.push_str(&format!(",{}:{value}", Value::String(name.clone())));
        }
        out.push('}');
        out
    }

    /// Hex of the payload's JSON (what the datum's fields carry, joined).
    pub fn to_json_hex(&self) -> String {
        hex::encode(self.to_json())
    }

    /// Reads a payload from the hex of its JSON.
    pub fn from_json_hex(text: &str) -> Result<Self, DatumError> {
        if text.len() > 2 * MAX_DATUM_BYTES {
            return Err(malformed("payload larger than the datum limit"));
        }
        let bytes = hex::decode(text.trim()).map_err(|e| malformed(format!("payload hex: {e}")))?;
        let Value::Object(mut object) =
            serde_json::from_slice(&bytes).map_err(|e| malformed(format!("payload JSON: {e}")))?
        else {
            return Err(malformed("payload JSON is not an object"));
        };
        let markers = serde_json::from_value(
            object
                .remove("markers")
                .ok_or_else(|| malformed("payload has no markers"))?,
        )
        .map_err(|e| malformed(format!("markers: {e}")))?;
        let signature = match object.remove("signature") {
            Some(Value::String(text)) => super::era_datum::signature_bytes(&text)?,
            Some(_) => return Err(malformed("signature is not a string")),
            None => return Err(DatumError::MissingSignature),
        };
        Ok(Self {
            markers,
            signature,
            unknown_members: object,
        })
    }

    /// Verifies the signature with the protocol-configuration verification key.
    pub fn verify(&self, key: &EraVerificationKey) -> Result<(), DatumError> {
        if key.verify_raw(&signed_bytes(&self.markers), &self.signature) {
            Ok(())
        } else {
            Err(DatumError::BadSignature)
        }
    }
}

/// Upstream's `ProtocolConfigurationForEpochMessage`, member for member (ciborium writes the
/// members in this order).
#[derive(Serialize, Deserialize)]
struct ForEpoch {
    protocol_parameters: Parameters,
    enabled_signed_entity_types: Vec<String>,
    cardano_transactions: Option<SigningConfig>,
    cardano_blocks_transactions: Option<SigningConfig>,
}

#[derive(Serialize, Deserialize)]
struct Parameters {
    k: u64,
    m: u64,
    phi_f: f64,
}

#[derive(Serialize, Deserialize)]
struct SigningConfig {
    security_parameter: u64,
    step: u64,
}

/// Decodes a marker's configuration (hex of CBOR) into the hub.
pub fn decode_configuration(hex_text: &str) -> Result<ProtocolConfiguration, DatumError> {
    let bytes = hex::decode(hex_text).map_err(|e| malformed(format!("configuration hex: {e}")))?;
    if bytes.len() > MAX_DATUM_BYTES {
        return Err(malformed("configuration larger than the datum limit"));
    }
    let ForEpoch {
        protocol_parameters: Parameters { k, m, phi_f },
        enabled_signed_entity_types,
        cardano_transactions,
        cardano_blocks_transactions,
    } = ciborium::de::from_reader(bytes.as_slice())
        .map_err(|e| malformed(format!("configuration CBOR: {e}")))?;
    let kinds = enabled_signed_entity_types
        .iter()
        .map(|name| SignedEntityKind::from_name(name))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|kinds| check_kinds(&kinds).map(|()| kinds))
        .map_err(|e| malformed(format!("enabled_signed_entity_types: {e}")))?;
    let config = |config: Option<SigningConfig>| {
        config.map(
            |SigningConfig {
                 security_parameter,
                 step,
             }| CardanoTransactionsSigningConfig {
                security_parameter,
                step: BlockNumber(step),
            },
        )
    };
    Ok(ProtocolConfiguration {
        protocol_parameters: ProtocolParameters::new(k, m, phi_f)
            .map_err(|e| malformed(format!("protocol_parameters: {e}")))?,
        cardano_transactions_signing_config: config(cardano_transactions),
        cardano_blocks_transactions_signing_config: config(cardano_blocks_transactions),
        available_signed_entity_types: kinds,
    })
}

/// Encodes a configuration as upstream does (hex of ciborium CBOR), signed entity types in
/// upstream's set order ([`SignedEntityKind`]'s). An unnamed type has no representation.
pub fn encode_configuration(configuration: &ProtocolConfiguration) -> Result<String, DatumError> {
    let ProtocolConfiguration {
        protocol_parameters,
        cardano_transactions_signing_config,
        cardano_blocks_transactions_signing_config,
        available_signed_entity_types,
    } = configuration;
    if available_signed_entity_types.contains(&SignedEntityKind::Unnamed) {
        return Err(malformed(
            "an unnamed signed entity type has no representation in a configuration marker",
        ));
    }
    let config = |config: &Option<CardanoTransactionsSigningConfig>| {
        config.map(
            |CardanoTransactionsSigningConfig {
                 security_parameter,
                 step,
             }| SigningConfig {
                security_parameter,
                step: step.0,
            },
        )
    };
    let message = ForEpoch {
        protocol_parameters: Parameters {
            k: protocol_parameters.k(),
            m: protocol_parameters.m(),
            phi_f: protocol_parameters.phi_f(),
        },
        enabled_signed_entity_types: {
            let mut kinds = available_signed_entity_types.clone();
            kinds.sort();
            kinds.into_iter().map(String::from).collect()
        },
        cardano_transactions: config(cardano_transactions_signing_config),
        cardano_blocks_transactions: config(cardano_blocks_transactions_signing_config),
    };
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&message, &mut bytes).expect("writing to a vector cannot fail");
    Ok(hex::encode(bytes))
}

/// The configurations a node reads from the datums at the protocol-configuration address: the
/// first payload that verifies, as the era reader selects (in the order the chain observer
/// returns the datums), with every marker's configuration decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigurationRead {
    /// The position of the selected datum.
    pub selected: Option<usize>,
    /// The markers of the selected payload, with their decoded configurations.
    pub configurations: Vec<(u64, ProtocolConfiguration)>,
    /// Datums refused, with their reasons.
    pub rejected: Vec<(usize, DatumError)>,
}

/// Reads protocol-configuration datums (payload hex of each datum, see
/// [`super::era_datum::datums_from_text`]) with the verification key.
pub fn read_configurations(
    datums: &[Result<String, DatumError>],
    key: &EraVerificationKey,
) -> ConfigurationRead {
    let mut rejected = Vec::new();
    for (index, datum) in datums.iter().enumerate() {
        let outcome = datum.clone().and_then(|hex| {
            let payload = ProtocolConfigurationPayload::from_json_hex(&hex)?;
            payload.verify(key)?;
            payload
                .markers
                .iter()
                .map(|marker| Ok((marker.epoch, decode_configuration(&marker.configuration)?)))
                .collect::<Result<Vec<_>, DatumError>>()
        });
        match outcome {
            Ok(configurations) => {
                return ConfigurationRead {
                    selected: Some(index),
                    configurations,
                    rejected,
                };
            }
            Err(reason) => rejected.push((index, reason)),
        }
    }
    ConfigurationRead {
        selected: None,
        configurations: Vec::new(),
        rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mithril::era_datum;

    /// `ProtocolConfigurationForEpochMessage::dummy()` in CBOR: the golden of upstream's
    /// `golden_master_cbor_hex_conversion` (internal/mithril-protocol-config/src/cardano_chain/
    /// message.rs).
    const UPSTREAM_DUMMY_CBOR: &str = "a47370726f746f636f6c5f706172616d6574657273a3616b01616d02657068695f66fb3fd3333333333333781b656e61626c65645f7369676e65645f656e746974795f74797065738578184d69746872696c5374616b65446973747269627574696f6e781843617264616e6f5374616b65446973747269627574696f6e6f43617264616e6f44617461626173657343617264616e6f5472616e73616374696f6e73781943617264616e6f426c6f636b735472616e73616374696f6e737463617264616e6f5f7472616e73616374696f6e73a27273656375726974795f706172616d657465720a647374657005781b63617264616e6f5f626c6f636b735f7472616e73616374696f6e73a27273656375726974795f706172616d657465720b647374657007";

    /// The signed payload of upstream's `golden_master_json_hex_payload`
    /// (internal/mithril-protocol-config/src/cardano_chain/payload.rs): one marker at epoch 42,
    /// signed with `create_deterministic_signer()`.
    const UPSTREAM_PAYLOAD: &str = "7b226d61726b657273223a5b7b2265706f6368223a34322c22636f6e66696775726174696f6e223a2263626f725f70726f746f636f6c5f636f6e66696775726174696f6e227d5d2c227369676e6174757265223a223130646265373563306232333534363136613538313535663632343638663666303736383935303635646362306237356636383735333735653163313164376166656533383962393662663466623466366234636433623130613731346162306133316566636234383562303066343038643161613064393066623366393038227d";

    fn deterministic_key() -> EraVerificationKey {
        // The verification key of upstream's `create_deterministic_signer()`, from the era
        // vectors made with mithril-common 0.8.3.
        let file: Value = serde_json::from_str(include_str!(
            "../../tests/vectors/upstream/era_markers.json"
        ))
        .unwrap();
        era_datum::read_verification_key_file(
            file["verification_key"]["key_file"].as_str().unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn upstream_configuration_cbor_decodes_and_encodes_byte_for_byte() {
        let configuration = decode_configuration(UPSTREAM_DUMMY_CBOR).unwrap();
        assert_eq!(configuration.protocol_parameters.k(), 1);
        assert_eq!(configuration.protocol_parameters.m(), 2);
        assert_eq!(configuration.available_signed_entity_types.len(), 5);
        assert_eq!(
            configuration.cardano_blocks_transactions_signing_config,
            Some(CardanoTransactionsSigningConfig {
                security_parameter: 11,
                step: BlockNumber(7)
            })
        );
        assert_eq!(
            encode_configuration(&configuration).unwrap(),
            UPSTREAM_DUMMY_CBOR
        );
    }

    #[test]
    fn upstream_payload_verifies_and_reencodes() {
        let payload = ProtocolConfigurationPayload::from_json_hex(UPSTREAM_PAYLOAD).unwrap();
        assert_eq!(payload.markers[0].epoch, 42);
        payload.verify(&deterministic_key()).unwrap();
        assert_eq!(payload.to_json_hex(), UPSTREAM_PAYLOAD);
        // Its configuration is a placeholder string upstream's test uses, not CBOR: the reader
        // refuses it with the reason.
        let read = read_configurations(&[Ok(UPSTREAM_PAYLOAD.to_owned())], &deterministic_key());
        assert_eq!(read.selected, None);
        assert!(matches!(read.rejected[0].1, DatumError::Malformed(_)));
    }

    #[test]
    fn signed_configurations_are_read_and_forgeries_refused() {
        let key = EraSigningKey::from_bytes(&[9; 32]);
        let configuration = decode_configuration(UPSTREAM_DUMMY_CBOR).unwrap();
        let markers = vec![ProtocolConfigurationMarker {
            epoch: 600,
            configuration: encode_configuration(&configuration).unwrap(),
        }];
        let payload = ProtocolConfigurationPayload::sign(markers.clone(), &key);
        let forged =
            ProtocolConfigurationPayload::sign(markers, &EraSigningKey::from_bytes(&[8; 32]));
        let read = read_configurations(
            &[Ok(forged.to_json_hex()), Ok(payload.to_json_hex())],
            &key.verification_key(),
        );
        assert_eq!(read.selected, Some(1));
        assert_eq!(read.configurations, vec![(600, configuration)]);
        assert_eq!(read.rejected, vec![(0, DatumError::BadSignature)]);
        let unsigned = hex::encode(r#"{"markers":[]}"#);
        assert_eq!(
            ProtocolConfigurationPayload::from_json_hex(&unsigned),
            Err(DatumError::MissingSignature)
        );
    }
}
