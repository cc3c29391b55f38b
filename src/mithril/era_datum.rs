//! Era markers in Mithril's on-chain format: the datum every Mithril node reads at its era address.
//!
//! The format, as upstream writes and reads it (IntersectMBO/mithril):
//! - the **payload** (`internal/mithril-era/src/adapters/cardano_chain.rs`, `EraMarkersPayload`)
//!   is the JSON `{"markers":[{"name":"pythagoras","epoch":1},{"name":"lagrange","epoch":null}],
//!   "signature":"<hex of 64 bytes>"}`; the Ed25519 signature covers `serde_json::to_vec(&markers)`,
//!   the compact JSON of the markers array with members `name` then `epoch`;
//! - the **datum** (`internal/cardano-node/mithril-cardano-node-chain/src/entities/datum.rs`,
//!   `TxDatumBuilder`) carries the hex of the payload's JSON cut into pieces of 128 hex characters,
//!   as cardano-cli's detailed-schema JSON `{"constructor":0,"fields":[{"bytes":"…"},…]}`: on chain,
//!   Plutus data `Constr 0 [B(64 bytes), …]`;
//! - the **reader** joins the `bytes` fields in order (ignoring the constructor and any other
//!   field), decodes the payload, verifies it with the era verification key, and keeps the first
//!   payload that verifies, in the order the chain observer returns the datums;
//! - **key files** hold the hex of the JSON array of the key's 32 bytes.
//!
//! On top of that format this module defines an optional **envelope** (network, monotonic
//! sequence, domain tag), carried as one more member of the same payload, `mithril_compat`, and
//! signed with the same era key over [`envelope_signed_bytes`]. Today's readers ignore members they
//! do not know, so one datum serves old and new nodes; a reader configured to require the envelope
//! refuses payloads without it and applies the replay and history rules of
//! [`crate::era::EraReader`] to those with it.

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::{Epoch, EraName};
use crate::era::{
    AcceptedMarkers, EraMarker, EraReader, EraSigningKey, EraVerificationKey, MarkerError,
    NetworkMagic, validate_markers,
};

/// The payload member that carries the envelope.
pub const ENVELOPE_MEMBER: &str = "mithril_compat";
/// Prefix of the bytes the envelope's signature covers.
pub const ENVELOPE_DOMAIN_TAG: &[u8] = b"mithril-compat/mithril-era-datum/v1";
/// Hex characters per datum field, as upstream's datum builder cuts them (64 bytes on chain).
pub const DATUM_CHUNK_HEX_CHARS: usize = 128;
/// Largest datum text, payload or CBOR this module reads (bytes).
pub const MAX_DATUM_BYTES: usize = 64 * 1024;

/// One marker as Mithril writes it (upstream's `EraMarker` of `internal/mithril-era`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MithrilEraMarker {
    /// The era's name.
    pub name: String,
    /// Its activation epoch, or `null` while it is only announced.
    pub epoch: Option<u64>,
}

impl MithrilEraMarker {
    fn to_era_marker(&self) -> Result<EraMarker, DatumError> {
        let name = EraName::new(self.name.as_str())
            .map_err(|_| DatumError::Malformed(format!("invalid era name {:?}", self.name)))?;
        Ok(EraMarker {
            name,
            epoch: self.epoch.map(Epoch),
        })
    }

    fn from_era_marker(marker: &EraMarker) -> Self {
        Self {
            name: marker.name.to_string(),
            epoch: marker.epoch.map(|epoch| epoch.0),
        }
    }
}

/// The envelope: what binds a payload to one network and one place in a monotonic history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The network the payload is for.
    pub network: NetworkMagic,
    /// The sequence number, higher than every payload published before for that network.
    pub sequence: u64,
    /// Ed25519 signature by the era key over [`envelope_signed_bytes`].
    pub signature: [u8; 64],
}

/// An era markers payload in Mithril's format, with the envelope when it carries one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MithrilEraPayload {
    /// The markers, in the order they were written (index 0 is the current era in upstream's
    /// writer).
    pub markers: Vec<MithrilEraMarker>,
    /// Mithril's signature over the markers, if any.
    pub signature: Option<[u8; 64]>,
    /// Our envelope, if the payload carries one.
    pub envelope: Option<Envelope>,
    /// Members of the payload this build does not know, kept as they came.
    pub unknown_members: Map<String, Value>,
}

/// Why a datum or payload was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatumError {
    /// Not a datum, payload, key or CBOR this module can read.
    #[error("malformed: {0}")]
    Malformed(String),
    /// The payload carries no signature.
    #[error("the payload carries no signature")]
    MissingSignature,
    /// Mithril's signature does not verify with the era verification key.
    #[error("the signature does not verify with the era verification key")]
    BadSignature,
    /// The envelope's signature does not verify with the era verification key.
    #[error("the envelope's signature does not verify with the era verification key")]
    BadEnvelopeSignature,
    /// The reader requires the envelope and the payload has none.
    #[error("the payload carries no {ENVELOPE_MEMBER} envelope, which this reader requires")]
    EnvelopeRequired,
    /// The envelope binds the payload to another network.
    #[error("the envelope is for {found}, this node runs on {expected}")]
    WrongNetwork {
        /// This node's network.
        expected: NetworkMagic,
        /// The envelope's network.
        found: NetworkMagic,
    },
    /// The markers or the envelope break a rule of the era reader (replay, equivocation, rewrite
    /// of the past, too little notice, an inconsistent schedule).
    #[error(transparent)]
    Rule(#[from] MarkerError),
}

fn malformed(what: impl std::fmt::Display) -> DatumError {
    DatumError::Malformed(what.to_string())
}

/// The bytes Mithril's era signature covers: `serde_json::to_vec(&markers)`.
pub fn mithril_signed_bytes(markers: &[MithrilEraMarker]) -> Vec<u8> {
    serde_json::to_vec(markers).expect("markers serialize")
}

/// The bytes the envelope's signature covers:
/// `ENVELOPE_DOMAIN_TAG ‖ network (u32 BE) ‖ sequence (u64 BE) ‖ mithril_signed_bytes(markers)`.
pub fn envelope_signed_bytes(
    network: NetworkMagic,
    sequence: u64,
    markers: &[MithrilEraMarker],
) -> Vec<u8> {
    let mut bytes = ENVELOPE_DOMAIN_TAG.to_vec();
    bytes.extend_from_slice(&network.0.to_be_bytes());
    bytes.extend_from_slice(&sequence.to_be_bytes());
    bytes.extend_from_slice(&mithril_signed_bytes(markers));
    bytes
}

impl MithrilEraPayload {
    /// Signs `markers` as Mithril's `era generate-tx-datum` does, and, when `envelope` is given
    /// (network and sequence), adds the envelope signed with the same key.
    pub fn sign(
        markers: Vec<MithrilEraMarker>,
        key: &EraSigningKey,
        envelope: Option<(NetworkMagic, u64)>,
    ) -> Self {
        let signature = Some(key.sign_raw(&mithril_signed_bytes(&markers)));
        let envelope = envelope.map(|(network, sequence)| Envelope {
            network,
            sequence,
            signature: key.sign_raw(&envelope_signed_bytes(network, sequence, &markers)),
        });
        Self {
            markers,
            signature,
            envelope,
            unknown_members: Map::new(),
        }
    }

    /// The payload's JSON, compact, members in upstream's order (`markers`, `signature`), then the
    /// envelope, then the members this build did not know.
    pub fn to_json(&self) -> String {
        // Written member by member: serde_json's map would sort the keys.
        let mut out = format!(
            "{{\"markers\":{},\"signature\":{}",
            String::from_utf8(mithril_signed_bytes(&self.markers)).expect("JSON is UTF-8"),
            self.signature
                .map_or(Value::Null, |signature| Value::String(hex::encode(
                    signature
                )))
        );
        if let Some(envelope) = &self.envelope {
            out.push_str(&format!(
                ",\"{ENVELOPE_MEMBER}\":{{\"network\":{},\"sequence\":{},\"signature\":\"{}\"}}",
                envelope.network.0,
                envelope.sequence,
                hex::encode(envelope.signature)
            ));
        }
        for (name, value) in &self.unknown_members {
            out.push_str(&format!(",{}:{value}", Value::String(name.clone())));
        }
        out.push('}');
        out
    }

    /// Hex of the payload's JSON: what the datum's `bytes` fields carry, joined.
    pub fn to_json_hex(&self) -> String {
        hex::encode(self.to_json())
    }

    /// Reads a payload from the hex of its JSON (upstream's `from_json_hex`).
    pub fn from_json_hex(text: &str) -> Result<Self, DatumError> {
        if text.len() > 2 * MAX_DATUM_BYTES {
            return Err(malformed("payload larger than the datum limit"));
        }
        let bytes = hex::decode(text.trim()).map_err(|e| malformed(format!("payload hex: {e}")))?;
        Self::from_json(&bytes)
    }

    /// Reads a payload from its JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DatumError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| malformed(format!("payload JSON: {e}")))?;
        let Value::Object(mut object) = value else {
            return Err(malformed("payload JSON is not an object"));
        };
        let markers = object
            .remove("markers")
            .ok_or_else(|| malformed("payload has no markers"))?;
        let markers: Vec<MithrilEraMarker> =
            serde_json::from_value(markers).map_err(|e| malformed(format!("markers: {e}")))?;
        let signature = match object.remove("signature") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(signature_bytes(&text)?),
            Some(_) => return Err(malformed("signature is not a string")),
        };
        let envelope = match object.remove(ENVELOPE_MEMBER) {
            None => None,
            Some(member) => Some(parse_envelope(member)?),
        };
        Ok(Self {
            markers,
            signature,
            envelope,
            unknown_members: object,
        })
    }

    /// Verifies Mithril's signature, as every Mithril node does.
    pub fn verify_mithril(&self, key: &EraVerificationKey) -> Result<(), DatumError> {
        let signature = self.signature.ok_or(DatumError::MissingSignature)?;
        if key.verify_raw(&mithril_signed_bytes(&self.markers), &signature) {
            Ok(())
        } else {
            Err(DatumError::BadSignature)
        }
    }

    /// The markers as the era schedule's markers (refuses names that are not era names).
    pub fn era_markers(&self) -> Result<Vec<EraMarker>, DatumError> {
        self.markers
            .iter()
            .map(MithrilEraMarker::to_era_marker)
            .collect()
    }
}

/// Upstream decodes the signature with its bytes-hex codec (64 raw bytes in hex) and falls back
/// to JSON-hex (hex of the JSON array of the bytes).
pub(crate) fn signature_bytes(text: &str) -> Result<[u8; 64], DatumError> {
    let bytes = hex::decode(text).map_err(|e| malformed(format!("signature hex: {e}")))?;
    if let Ok(signature) = <[u8; 64]>::try_from(bytes.as_slice()) {
        return Ok(signature);
    }
    serde_json::from_slice::<Vec<u8>>(&bytes)
        .ok()
        .and_then(|list| <[u8; 64]>::try_from(list.as_slice()).ok())
        .ok_or_else(|| malformed("signature is not 64 bytes"))
}

fn parse_envelope(member: Value) -> Result<Envelope, DatumError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        network: u32,
        sequence: u64,
        signature: String,
    }
    let raw: Raw = serde_json::from_value(member)
        .map_err(|e| malformed(format!("{ENVELOPE_MEMBER} envelope: {e}")))?;
    let signature = hex::decode(&raw.signature)
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| malformed(format!("{ENVELOPE_MEMBER} signature is not 64 hex bytes")))?;
    Ok(Envelope {
        network: NetworkMagic(raw.network),
        sequence: raw.sequence,
        signature,
    })
}

/// The datum upstream's `TxDatumBuilder` writes for a payload: cardano-cli's detailed-schema JSON,
/// compact, with the payload's JSON-hex cut into fields of [`DATUM_CHUNK_HEX_CHARS`].
pub fn datum_json(payload: &MithrilEraPayload) -> String {
    datum_json_of(&payload.to_json())
}

/// The datum that carries any payload JSON the way upstream's datum builder carries era
/// markers: the hex of the JSON cut into `bytes` fields of [`DATUM_CHUNK_HEX_CHARS`] under
/// constructor 0 (used for protocol configurations and release manifests too).
pub fn datum_json_of(payload_json: &str) -> String {
    let fields: Vec<Value> = hex::encode(payload_json)
        .as_bytes()
        .chunks(DATUM_CHUNK_HEX_CHARS)
        .map(|chunk| {
            let mut field = Map::new();
            field.insert(
                "bytes".into(),
                Value::String(String::from_utf8(chunk.to_vec()).expect("hex is ASCII")),
            );
            Value::Object(field)
        })
        .collect();
    format!("{{\"constructor\":0,\"fields\":{}}}", Value::Array(fields))
}

/// Joins the `bytes` fields of a detailed-schema datum (`{"constructor":…,"fields":[…]}`) as
/// upstream's reader does: in order, ignoring the constructor and fields of other types.
pub fn payload_hex_from_datum(datum: &Value) -> Result<String, DatumError> {
    let fields = datum
        .get("fields")
        .ok_or_else(|| malformed("datum has no fields"))?
        .as_array()
        .ok_or_else(|| malformed("datum fields are not a list"))?;
    let mut joined = String::new();
    // As upstream's reader: fields that are not a `bytes` string are passed over.
    for field in fields {
        if let Some(text) = field.get("bytes").and_then(Value::as_str) {
            joined.push_str(text);
        }
    }
    Ok(joined)
}

/// The datums of a text a node was given, in the order a reader must consider them:
/// - a detailed-schema datum JSON (one datum);
/// - cardano-cli's `query utxo --out-file` JSON: the `inlineDatum` of every UTxO that has one, in
///   transaction-input order (transaction id, then the index as a number), the order the node
///   returns UTxOs in (upstream's `cardano-cli` observer reads them into a hash map, in no
///   defined order; its Pallas observer keeps the node's);
/// - hex of raw Plutus data CBOR (one datum; feature `pallas`).
///
/// Returns, for each datum, the joined payload hex or why it could not be read.
pub fn datums_from_text(text: &str) -> Result<Vec<Result<String, DatumError>>, DatumError> {
    if text.len() > MAX_DATUM_BYTES * 16 {
        return Err(malformed("input larger than 1 MiB"));
    }
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let value: Value =
            serde_json::from_str(trimmed).map_err(|e| malformed(format!("datum JSON: {e}")))?;
        if value.get("fields").is_some() || value.get("constructor").is_some() {
            return Ok(vec![payload_hex_from_datum(&value)]);
        }
        let utxos = value
            .as_object()
            .ok_or_else(|| malformed("neither a datum nor a UTxO set"))?;
        // In transaction-input order (transaction id, then output index as a number), the order
        // in which the node returns a UTxO set.
        let mut ordered: Vec<(&str, u64, &Value)> = utxos
            .iter()
            .map(|(key, utxo)| {
                let (txid, index) = key.split_once('#').unwrap_or((key.as_str(), "0"));
                (txid, index.parse().unwrap_or(u64::MAX), utxo)
            })
            .collect();
        ordered.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        return Ok(ordered
            .into_iter()
            .filter_map(|(_, _, utxo)| utxo.get("inlineDatum"))
            .filter(|datum| !datum.is_null())
            .map(payload_hex_from_datum)
            .collect());
    }
    Ok(vec![payload_hex_from_cbor_hex(trimmed)])
}

/// Joins the bytes fields of a datum given as hex of Plutus data CBOR.
#[cfg(feature = "pallas")]
#[cfg_attr(docsrs, doc(cfg(feature = "pallas")))]
pub fn payload_hex_from_cbor_hex(text: &str) -> Result<String, DatumError> {
    let bytes = hex::decode(text).map_err(|e| malformed(format!("datum CBOR hex: {e}")))?;
    super::plutus::payload_hex_from_cbor(&bytes)
}

/// Joins the bytes fields of a datum given as hex of Plutus data CBOR: this build has no CBOR
/// reader (feature `pallas`), so it says so.
#[cfg(not(feature = "pallas"))]
pub fn payload_hex_from_cbor_hex(_text: &str) -> Result<String, DatumError> {
    Err(malformed(
        "reading Plutus data CBOR needs the `pallas` feature of mithril-compat",
    ))
}

/// Reads an era verification key file: upstream's JSON-hex (hex of the JSON array of the 32 key
/// bytes), or, as upstream's codec falls back to, the hex of the 32 bytes.
pub fn read_verification_key_file(text: &str) -> Result<EraVerificationKey, DatumError> {
    let bytes = key_bytes(text)?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| malformed("not an Ed25519 verification key"))?;
    EraVerificationKey::from_bytes(&key.to_bytes()).map_err(DatumError::from)
}

/// Writes an era verification key file as upstream does (JSON-hex).
pub fn verification_key_file(key: &EraVerificationKey) -> String {
    json_hex_of_bytes(&key.to_bytes())
}

/// Reads an era secret key file: upstream's JSON-hex of the 32-byte secret, or the hex of it.
pub fn read_secret_key_file(text: &str) -> Result<EraSigningKey, DatumError> {
    let bytes = key_bytes(text)?;
    Ok(EraSigningKey::from_bytes(
        &SigningKey::from_bytes(&bytes).to_bytes(),
    ))
}

/// Writes an era secret key file as upstream does (JSON-hex).
pub fn secret_key_file(key: &EraSigningKey) -> String {
    json_hex_of_bytes(&key.to_bytes())
}

fn json_hex_of_bytes(bytes: &[u8]) -> String {
    hex::encode(serde_json::to_string(bytes).expect("bytes serialize"))
}

fn key_bytes(text: &str) -> Result<[u8; 32], DatumError> {
    let decoded = hex::decode(text.trim())
        .map_err(|_| malformed("key file is not hex (JSON-hex or bytes-hex)"))?;
    if let Ok(list) = serde_json::from_slice::<Vec<u8>>(&decoded) {
        return <[u8; 32]>::try_from(list.as_slice())
            .map_err(|_| malformed(format!("key file holds {} bytes, not 32", list.len())));
    }
    <[u8; 32]>::try_from(decoded.as_slice())
        .map_err(|_| malformed("key file is neither JSON-hex nor the hex of 32 bytes"))
}

/// The era reader for Mithril's datum: what a node that follows Mithril's era address uses.
#[derive(Clone, Debug)]
pub struct MithrilEraReader {
    key: EraVerificationKey,
    network: Option<NetworkMagic>,
    require_envelope: bool,
    rules: EraReader,
}

/// What the Mithril datum reader has accepted so far: persist it between reads, as for
/// [`crate::era::ReaderState`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MithrilReaderState {
    /// The markers last selected, and the envelope's sequence when the payload had one.
    pub accepted: Option<MithrilAccepted>,
    /// The highest envelope sequence accepted for the reader's network, with or without a payload
    /// without envelope selected since.
    pub highest_sequence: Option<u64>,
    /// The last payload with an envelope accepted: what the next enveloped payload is checked
    /// against (a payload without envelope never becomes that baseline: anyone can strip the
    /// envelope of an old payload, whose Mithril signature still verifies).
    #[cfg_attr(feature = "serde", serde(default))]
    pub enveloped: Option<MithrilAccepted>,
}

/// A selected payload's markers and its envelope's sequence (`None` without an envelope).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MithrilAccepted {
    /// The markers, as the schedule reads them.
    pub markers: Vec<EraMarker>,
    /// The envelope's sequence, if the payload had one.
    pub sequence: Option<u64>,
}

/// A datum the reader did not select, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatumRejection {
    /// Position of the datum in what the source returned.
    pub index: usize,
    /// Why.
    pub reason: DatumError,
}

/// The outcome of one read of the era address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MithrilReadReport {
    /// The state after the read (the previous one when nothing was selected).
    pub state: MithrilReaderState,
    /// The position of the selected datum.
    pub selected: Option<usize>,
    /// Datums refused, with their reasons. A refused datum never changes the state.
    pub rejected: Vec<DatumRejection>,
    /// Datums that verified but say something else than the selected one: every node selects the
    /// same (the first valid), but the publisher should know.
    pub disagreeing: Vec<usize>,
}

impl MithrilEraReader {
    /// A reader that behaves as Mithril's: envelopes are checked when present (network, replay,
    /// history rules), payloads without one are taken as Mithril takes them.
    pub fn new(key: EraVerificationKey, network: NetworkMagic) -> Self {
        Self {
            key,
            network: Some(network),
            require_envelope: false,
            rules: EraReader::new(network, key),
        }
    }

    /// A reader that checks an envelope's signature but not the network it names (a tool
    /// inspecting datums of any network; a node uses [`Self::new`]).
    pub fn any_network(key: EraVerificationKey) -> Self {
        Self {
            key,
            network: None,
            require_envelope: false,
            // The history rules do not depend on the network.
            rules: EraReader::new(NetworkMagic(0), key),
        }
    }

    /// Refuses payloads without the envelope.
    pub fn requiring_envelope(mut self) -> Self {
        self.require_envelope = true;
        self
    }

    /// Sets the minimum notice applied to enveloped payloads (see
    /// [`EraReader::with_minimum_notice`]).
    pub fn with_minimum_notice(mut self, epochs: u64) -> Self {
        self.rules = self.rules.with_minimum_notice(epochs);
        self
    }

    /// Checks one payload against the key, the envelope rules and the accepted state.
    pub fn check(
        &self,
        payload: &MithrilEraPayload,
        state: &MithrilReaderState,
        current_epoch: Epoch,
    ) -> Result<Vec<EraMarker>, DatumError> {
        payload.verify_mithril(&self.key)?;
        let markers = payload.era_markers()?;
        validate_markers(&markers).map_err(MarkerError::from)?;
        let Some(envelope) = &payload.envelope else {
            return if self.require_envelope {
                Err(DatumError::EnvelopeRequired)
            } else {
                Ok(markers)
            };
        };
        if !self.key.verify_raw(
            &envelope_signed_bytes(envelope.network, envelope.sequence, &payload.markers),
            &envelope.signature,
        ) {
            return Err(DatumError::BadEnvelopeSignature);
        }
        if let Some(expected) = self.network
            && envelope.network != expected
        {
            return Err(DatumError::WrongNetwork {
                expected,
                found: envelope.network,
            });
        }
        if let Some(highest) = state.highest_sequence
            && envelope.sequence < highest
        {
            return Err(MarkerError::Replay {
                sequence: envelope.sequence,
                accepted: highest,
            }
            .into());
        }
        let previous = state.enveloped.as_ref().map(|accepted| AcceptedMarkers {
            sequence: accepted.sequence.unwrap_or(0),
            markers: accepted.markers.clone(),
        });
        if let Some(accepted) = &state.enveloped
            && accepted.sequence == Some(envelope.sequence)
        {
            let mut sorted_old = accepted.markers.clone();
            let mut sorted_new = markers.clone();
            sorted_old.sort();
            sorted_new.sort();
            if sorted_old != sorted_new {
                return Err(MarkerError::Equivocation {
                    sequence: envelope.sequence,
                }
                .into());
            }
            return Ok(markers);
        }
        self.rules
            .check_transition(previous.as_ref(), &markers, current_epoch)?;
        Ok(markers)
    }

    /// Reads the payload hex of every datum at the era address (see [`datums_from_text`]) and
    /// selects as Mithril's reader does: the first payload whose Mithril signature verifies. That
    /// payload must then pass [`Self::check`]; when it does not, nothing is selected (a Mithril
    /// node would take it: the publisher must know) rather than a later payload. A reader that
    /// requires the envelope selects the first payload that passes every check.
    pub fn read(
        &self,
        datums: &[Result<String, DatumError>],
        state: &MithrilReaderState,
        current_epoch: Epoch,
    ) -> MithrilReadReport {
        let mut rejected = Vec::new();
        let mut chosen: Option<(usize, Vec<EraMarker>, Option<u64>)> = None;
        // What every later payload that verifies says, to report disagreements.
        let mut others: Vec<(usize, Vec<MithrilEraMarker>)> = Vec::new();
        let mut decided = false;
        for (index, datum) in datums.iter().enumerate() {
            let payload = match datum
                .clone()
                .and_then(|hex| MithrilEraPayload::from_json_hex(&hex))
            {
                Ok(payload) => payload,
                Err(reason) => {
                    rejected.push(DatumRejection { index, reason });
                    continue;
                }
            };
            if decided {
                if payload.verify_mithril(&self.key).is_ok() {
                    others.push((index, payload.markers));
                } else {
                    rejected.push(DatumRejection {
                        index,
                        reason: DatumError::BadSignature,
                    });
                }
                continue;
            }
            let signature_verifies = payload.verify_mithril(&self.key).is_ok();
            match self.check(&payload, state, current_epoch) {
                Ok(markers) => {
                    chosen = Some((
                        index,
                        markers,
                        payload.envelope.map(|envelope| envelope.sequence),
                    ));
                    decided = true;
                }
                Err(reason) => {
                    rejected.push(DatumRejection { index, reason });
                    // Mithril's reader stops at the first payload whose signature verifies.
                    decided = signature_verifies && !self.require_envelope;
                }
            }
        }
        let Some((selected, markers, sequence)) = chosen else {
            return MithrilReadReport {
                state: state.clone(),
                selected: None,
                rejected,
                disagreeing: Vec::new(),
            };
        };
        let disagreeing = others
            .iter()
            .filter(|(_, other)| {
                other
                    .iter()
                    .map(MithrilEraMarker::to_era_marker)
                    .collect::<Result<Vec<_>, _>>()
                    .map_or(true, |other| other != markers)
            })
            .map(|(index, _)| *index)
            .collect();
        let accepted = MithrilAccepted { markers, sequence };
        let (highest_sequence, enveloped) = match sequence {
            Some(new) => (
                Some(state.highest_sequence.map_or(new, |old| old.max(new))),
                Some(accepted.clone()),
            ),
            None => (state.highest_sequence, state.enveloped.clone()),
        };
        MithrilReadReport {
            state: MithrilReaderState {
                accepted: Some(accepted),
                highest_sequence,
                enveloped,
            },
            selected: Some(selected),
            rejected,
            disagreeing,
        }
    }
}

/// Markers for `era generate-tx-datum`'s layout: one marker per era this build knows, the first
/// at `current_era_epoch`, the second at `next_era_epoch` or announced. Refuses a next epoch at or
/// before the current one, as upstream does.
pub fn generate_markers(
    eras: &[crate::era::Era],
    current_era_epoch: u64,
    next_era_epoch: Option<u64>,
) -> Result<Vec<MithrilEraMarker>, DatumError> {
    if let Some(next) = next_era_epoch
        && next <= current_era_epoch
    {
        return Err(malformed(format!(
            "the next era's epoch {next} must be after the current era's epoch {current_era_epoch}"
        )));
    }
    if eras.len() > 2 {
        return Err(malformed("upstream's datum layout holds at most two eras"));
    }
    Ok(eras
        .iter()
        .enumerate()
        .map(|(index, era)| MithrilEraMarker {
            name: era.name().to_owned(),
            epoch: if index == 0 {
                Some(current_era_epoch)
            } else {
                next_era_epoch
            },
        })
        .collect())
}

/// Markers of the era schedule, in Mithril's form.
pub fn from_era_markers(markers: &[EraMarker]) -> Vec<MithrilEraMarker> {
    markers
        .iter()
        .map(MithrilEraMarker::from_era_marker)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::era::Era;

    fn key() -> EraSigningKey {
        EraSigningKey::from_bytes(&[3; 32])
    }

    fn markers(next: Option<u64>) -> Vec<MithrilEraMarker> {
        generate_markers(Era::ALL, 1, next).unwrap()
    }

    #[test]
    fn payload_json_is_upstreams_layout() {
        let payload = MithrilEraPayload::sign(markers(None), &key(), None);
        let json = payload.to_json();
        assert!(json.starts_with(
            r#"{"markers":[{"name":"pythagoras","epoch":1},{"name":"lagrange","epoch":null}],"signature":""#
        ));
        assert_eq!(
            MithrilEraPayload::from_json_hex(&payload.to_json_hex()).unwrap(),
            payload
        );
        assert_eq!(
            mithril_signed_bytes(&payload.markers),
            br#"[{"name":"pythagoras","epoch":1},{"name":"lagrange","epoch":null}]"#
        );
    }

    #[test]
    fn datum_round_trip_and_chunks() {
        let payload = MithrilEraPayload::sign(markers(Some(9)), &key(), Some((NetworkMagic(2), 4)));
        let datum = datum_json(&payload);
        let value: Value = serde_json::from_str(&datum).unwrap();
        let fields = value["fields"].as_array().unwrap();
        assert!(fields.len() > 2);
        assert!(
            fields[..fields.len() - 1]
                .iter()
                .all(|field| field["bytes"].as_str().unwrap().len() == DATUM_CHUNK_HEX_CHARS)
        );
        let datums = datums_from_text(&datum).unwrap();
        assert_eq!(datums, vec![Ok(payload.to_json_hex())]);
    }

    #[test]
    fn selection_is_the_first_valid_and_disagreements_are_reported() {
        let other = EraSigningKey::from_bytes(&[4; 32]);
        let forged = MithrilEraPayload::sign(markers(Some(5)), &other, None);
        let first = MithrilEraPayload::sign(markers(None), &key(), None);
        let second = MithrilEraPayload::sign(markers(Some(9)), &key(), None);
        let datums = vec![
            Ok(forged.to_json_hex()),
            Err(malformed("unreadable")),
            Ok(first.to_json_hex()),
            Ok(second.to_json_hex()),
        ];
        let reader = MithrilEraReader::new(key().verification_key(), NetworkMagic(2));
        let report = reader.read(&datums, &MithrilReaderState::default(), Epoch(3));
        assert_eq!(report.selected, Some(2));
        assert_eq!(report.disagreeing, vec![3]);
        assert_eq!(report.rejected.len(), 2);
        assert_eq!(report.rejected[0].reason, DatumError::BadSignature);
        assert_eq!(
            report.state.accepted.unwrap().markers[1].epoch,
            None,
            "the first valid payload announces lagrange"
        );
    }

    #[test]
    fn envelope_rules() {
        let reader = MithrilEraReader::new(key().verification_key(), NetworkMagic(2));
        let strict = reader.clone().requiring_envelope();
        let plain = MithrilEraPayload::sign(markers(None), &key(), None);
        let state = MithrilReaderState::default();
        assert!(reader.check(&plain, &state, Epoch(3)).is_ok());
        assert_eq!(
            strict.check(&plain, &state, Epoch(3)),
            Err(DatumError::EnvelopeRequired)
        );
        let foreign = MithrilEraPayload::sign(markers(None), &key(), Some((NetworkMagic(1), 1)));
        assert!(matches!(
            strict.check(&foreign, &state, Epoch(3)),
            Err(DatumError::WrongNetwork { .. })
        ));
        // Tampering with the envelope's sequence breaks its signature, not Mithril's.
        let mut tampered =
            MithrilEraPayload::sign(markers(None), &key(), Some((NetworkMagic(2), 7)));
        tampered.envelope.as_mut().unwrap().sequence = 8;
        assert!(tampered.verify_mithril(&key().verification_key()).is_ok());
        assert_eq!(
            strict.check(&tampered, &state, Epoch(3)),
            Err(DatumError::BadEnvelopeSignature)
        );

        // Accept seq 7, then an older payload is a replay and a rewrite of the past is refused.
        let seven = MithrilEraPayload::sign(markers(Some(20)), &key(), Some((NetworkMagic(2), 7)));
        let report = strict.read(&[Ok(seven.to_json_hex())], &state, Epoch(10));
        assert_eq!(report.selected, Some(0));
        let six = MithrilEraPayload::sign(markers(None), &key(), Some((NetworkMagic(2), 6)));
        let replay = strict.read(&[Ok(six.to_json_hex())], &report.state, Epoch(10));
        assert_eq!(replay.selected, None);
        assert!(matches!(
            replay.rejected[0].reason,
            DatumError::Rule(MarkerError::Replay {
                sequence: 6,
                accepted: 7
            })
        ));
        assert_eq!(replay.state, report.state);
        let rewrite = MithrilEraPayload::sign(markers(Some(9)), &key(), Some((NetworkMagic(2), 8)));
        let refused = strict.read(&[Ok(rewrite.to_json_hex())], &report.state, Epoch(10));
        assert!(matches!(
            refused.rejected[0].reason,
            DatumError::Rule(MarkerError::RewritesPast { .. })
        ));
        let equivocation =
            MithrilEraPayload::sign(markers(Some(30)), &key(), Some((NetworkMagic(2), 7)));
        let refused = strict.read(&[Ok(equivocation.to_json_hex())], &report.state, Epoch(10));
        assert!(matches!(
            refused.rejected[0].reason,
            DatumError::Rule(MarkerError::Equivocation { sequence: 7 })
        ));
    }

    /// The envelope's signed bytes and signature, pinned: a change here breaks every published
    /// datum that carries an envelope.
    #[test]
    fn envelope_bytes_are_pinned() {
        let markers = markers(Some(600));
        let bytes = envelope_signed_bytes(NetworkMagic::MAINNET, 3, &markers);
        let expected = [
            hex::encode(ENVELOPE_DOMAIN_TAG),
            "2d964a09".to_owned(),
            "0000000000000003".to_owned(),
            hex::encode(r#"[{"name":"pythagoras","epoch":1},{"name":"lagrange","epoch":600}]"#),
        ]
        .concat();
        assert_eq!(hex::encode(&bytes), expected);
        let payload = MithrilEraPayload::sign(markers, &key(), Some((NetworkMagic::MAINNET, 3)));
        assert_eq!(
            hex::encode(payload.envelope.unwrap().signature),
            "363fde278a08d0db41a49f0bdfdf969a9b830cb0b0a8f16b7745ef5a3e5804a6bb71885919dca43273d59227dd6fb7fcf38dd0270012f3f26946d4199dbe0609"
        );
    }

    #[test]
    fn the_first_payload_that_verifies_is_the_one_mithril_takes() {
        // The first payload verifies but names one era twice: a Mithril node would take it, so
        // nothing is selected (no fall-through to an older payload); a strict reader goes on.
        let twice = vec![
            MithrilEraMarker {
                name: "pythagoras".into(),
                epoch: Some(1),
            },
            MithrilEraMarker {
                name: "pythagoras".into(),
                epoch: Some(5),
            },
        ];
        let broken = MithrilEraPayload::sign(twice, &key(), Some((NetworkMagic(2), 9)));
        let older = MithrilEraPayload::sign(markers(None), &key(), Some((NetworkMagic(2), 3)));
        let datums = [Ok(broken.to_json_hex()), Ok(older.to_json_hex())];
        let reader = MithrilEraReader::new(key().verification_key(), NetworkMagic(2));
        let report = reader.read(&datums, &MithrilReaderState::default(), Epoch(3));
        assert_eq!(report.selected, None);
        assert_eq!(report.rejected.len(), 1);
        let strict = reader.requiring_envelope();
        let report = strict.read(&datums, &MithrilReaderState::default(), Epoch(3));
        assert_eq!(report.selected, Some(1));
    }

    #[test]
    fn a_stripped_envelope_never_becomes_the_baseline() {
        let reader = MithrilEraReader::new(key().verification_key(), NetworkMagic(2));
        let seven = MithrilEraPayload::sign(markers(Some(20)), &key(), Some((NetworkMagic(2), 7)));
        let state = reader
            .read(
                &[Ok(seven.to_json_hex())],
                &MithrilReaderState::default(),
                Epoch(10),
            )
            .state;
        // An old payload with its envelope stripped: Mithril's signature still verifies.
        let mut stripped =
            MithrilEraPayload::sign(markers(Some(15)), &key(), Some((NetworkMagic(2), 5)));
        stripped.envelope = None;
        let report = reader.read(&[Ok(stripped.to_json_hex())], &state, Epoch(10));
        assert_eq!(report.selected, Some(0), "taken as Mithril takes it");
        assert_eq!(report.state.enveloped, state.enveloped);
        assert_eq!(report.state.highest_sequence, Some(7));
        // The next enveloped payload is checked against sequence 7, not the stripped one.
        let eight = MithrilEraPayload::sign(markers(Some(20)), &key(), Some((NetworkMagic(2), 8)));
        let report = reader.read(&[Ok(eight.to_json_hex())], &report.state, Epoch(10));
        assert_eq!(report.selected, Some(0), "{:?}", report.rejected);
    }

    #[test]
    fn utxos_are_read_in_transaction_input_order() {
        let first = MithrilEraPayload::sign(markers(None), &key(), None);
        let second = MithrilEraPayload::sign(markers(Some(9)), &key(), None);
        let utxo = |payload: &MithrilEraPayload| -> Value {
            serde_json::json!({"inlineDatum": serde_json::from_str::<Value>(&datum_json(payload)).unwrap()})
        };
        // As text, "#10" sorts before "#2"; as an index it comes after.
        let set = serde_json::json!({"aa#10": utxo(&second), "aa#2": utxo(&first)});
        let datums = datums_from_text(&set.to_string()).unwrap();
        assert_eq!(datums[0], Ok(first.to_json_hex()));
        // A bytes field that is not a string is passed over, as upstream's reader does.
        let mut datum: Value = serde_json::from_str(&datum_json(&first)).unwrap();
        datum["fields"]
            .as_array_mut()
            .unwrap()
            .insert(0, serde_json::json!({"bytes": 12}));
        assert_eq!(payload_hex_from_datum(&datum), Ok(first.to_json_hex()));
    }

    #[test]
    fn key_files_in_both_encodings() {
        let vk = key().verification_key();
        let file = verification_key_file(&vk);
        assert!(
            String::from_utf8(hex::decode(&file).unwrap())
                .unwrap()
                .starts_with('[')
        );
        assert_eq!(read_verification_key_file(&file).unwrap(), vk);
        assert_eq!(read_verification_key_file(&vk.to_hex()).unwrap(), vk);
        assert!(read_verification_key_file("zz").is_err());
        assert!(read_verification_key_file(&hex::encode("[1,2]")).is_err());
        let sk = read_secret_key_file(&secret_key_file(&key())).unwrap();
        assert_eq!(sk.verification_key(), vk);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        for text in [
            "zz",
            "7b",
            &hex::encode("[]"),
            &hex::encode(r#"{"markers":3}"#),
        ] {
            assert!(matches!(
                MithrilEraPayload::from_json_hex(text),
                Err(DatumError::Malformed(_))
            ));
        }
        let unsigned = MithrilEraPayload {
            markers: markers(None),
            signature: None,
            envelope: None,
            unknown_members: Map::new(),
        };
        assert_eq!(
            unsigned.verify_mithril(&key().verification_key()),
            Err(DatumError::MissingSignature)
        );
        assert!(generate_markers(Era::ALL, 5, Some(5)).is_err());
        // Odd hex in a datum field: the joined payload does not decode.
        let datum = r#"{"constructor":0,"fields":[{"bytes":"7b2"}]}"#;
        let datums = datums_from_text(datum).unwrap();
        assert!(MithrilEraPayload::from_json_hex(datums[0].as_ref().unwrap()).is_err());
    }
}
