//! The era datum as raw Plutus data CBOR, with pallas (feature `pallas`).
//!
//! Mithril's Pallas chain observer (`internal/cardano-node/mithril-cardano-node-chain/src/
//! chain_observer/pallas_observer.rs`) decodes an inline datum into pallas's `PlutusData` and
//! renders it as cardano-cli's detailed-schema JSON (`ToCanonicalJson`) before the era reader
//! joins its `bytes` fields. This module does the same, and writes the datum as cardano-cli does
//! from the detailed-schema JSON: `Constr 0` (CBOR tag 121) over an indefinite-length list of
//! byte strings of at most 64 bytes.

use pallas_codec::minicbor;
use pallas_codec::utils::MaybeIndefArray;
use pallas_primitives::{BoundedBytes, Constr, PlutusData, ToCanonicalJson};

use super::era_datum::{
    DATUM_CHUNK_HEX_CHARS, DatumError, MAX_DATUM_BYTES, MithrilEraPayload, payload_hex_from_datum,
};

/// Joins the `bytes` fields of a datum given as Plutus data CBOR, as Mithril's Pallas observer and
/// era reader do.
pub fn payload_hex_from_cbor(bytes: &[u8]) -> Result<String, DatumError> {
    if bytes.len() > MAX_DATUM_BYTES {
        return Err(DatumError::Malformed(format!(
            "datum CBOR of {} bytes exceeds {MAX_DATUM_BYTES}",
            bytes.len()
        )));
    }
    let data: PlutusData = minicbor::decode(bytes)
        .map_err(|e| DatumError::Malformed(format!("not Plutus data CBOR: {e}")))?;
    // Rendered as text, never as a recursive value, so a deeply nested datum cannot overflow
    // the stack; serde_json's own depth limit then refuses it.
    let json: serde_json::Value = serde_json::from_str(&data.to_json_string())
        .map_err(|e| DatumError::Malformed(format!("datum JSON: {e}")))?;
    payload_hex_from_datum(&json)
}

/// The datum of `payload` as Plutus data CBOR: `Constr 0 [B(64 bytes), …]`.
pub fn datum_cbor(payload: &MithrilEraPayload) -> Vec<u8> {
    datum_cbor_of(payload.to_json().as_bytes())
}

/// The datum of any payload JSON as Plutus data CBOR, cut as the era datum is.
pub fn datum_cbor_of(payload_json: &[u8]) -> Vec<u8> {
    let fields = payload_json
        .chunks(DATUM_CHUNK_HEX_CHARS / 2)
        .map(|chunk| PlutusData::BoundedBytes(BoundedBytes::from(chunk.to_vec())))
        .collect::<Vec<_>>();
    let fields = if fields.is_empty() {
        MaybeIndefArray::Def(fields)
    } else {
        MaybeIndefArray::Indef(fields)
    };
    let data = PlutusData::Constr(Constr {
        tag: 121,
        any_constructor: None,
        fields,
    });
    minicbor::to_vec(&data).expect("encoding to a vector cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::era::{Era, EraSigningKey};
    use crate::mithril::era_datum::{datum_json, generate_markers};

    #[test]
    fn cbor_and_json_datums_carry_the_same_payload() {
        let key = EraSigningKey::from_bytes(&[5; 32]);
        let payload =
            MithrilEraPayload::sign(generate_markers(Era::ALL, 1, Some(40)).unwrap(), &key, None);
        let cbor = datum_cbor(&payload);
        assert_eq!(&cbor[..3], &[0xd8, 0x79, 0x9f], "tag 121, indefinite list");
        assert_eq!(payload_hex_from_cbor(&cbor).unwrap(), payload.to_json_hex());
        // pallas renders the CBOR datum exactly as the datum builder's JSON.
        let data: PlutusData = minicbor::decode(&cbor).unwrap();
        assert_eq!(data.to_json_string(), datum_json(&payload));
    }

    #[test]
    fn garbage_and_oversized_cbor_are_refused() {
        for bytes in [&[0xff_u8][..], &[0xd8, 0x79], &[0x9f; 4]] {
            assert!(matches!(
                payload_hex_from_cbor(bytes),
                Err(DatumError::Malformed(_))
            ));
        }
        assert!(payload_hex_from_cbor(&vec![0x40; MAX_DATUM_BYTES + 1]).is_err());
        // A Plutus integer is data, but not a datum with fields.
        assert!(payload_hex_from_cbor(&[0x01]).is_err());
    }
}
