//! Writing a datum to the chain: the unsigned Cardano transaction that publishes era markers, a
//! protocol configuration or a release manifest at its marker address (feature `publish`).
//!
//! Mithril's release team publishes era markers by sending an output with the datum inline to
//! the era address (`mithril-aggregator/scripts/era/` and the `era generate-tx-datum` command of
//! `mithril-aggregator`, IntersectMBO/mithril). This module builds that transaction with pallas's
//! transaction builder (`pallas-txbuilder`), so that the key holder only signs and submits it
//! with cardano-cli:
//! - it spends every UTxO at the marker address that holds a datum (the previous markers), so
//!   that readers find only the new one, and adds funding UTxOs of the given set, largest first,
//!   while the value does not cover the new output and the fee;
//! - it pays the datum output (at least the minimum UTxO value for its size) and returns the
//!   change, or folds change too small for an output of its own into the fee;
//! - the fee is the ledger's linear fee (`txFeePerByte` × size + `txFeeFixed`) of the
//!   transaction once its key witnesses are added, one per payment key of the inputs;
//! - it writes the transaction in the text envelope cardano-cli's `transaction sign` reads.
//!
//! Inputs come in cardano-cli's forms: the UTxO set of `query utxo --out-file`, the parameters
//! of `query protocol-parameters`. UTxOs holding native assets are never spent (their assets
//! would need outputs of their own); a marker UTxO holding them is refused.

use std::collections::BTreeSet;

/// The multi-era reader this module checks what it builds with, for node crates and tests that
/// read the transaction back.
pub use pallas_traverse;

use pallas_addresses::{Address, ShelleyPaymentPart};
use pallas_codec::minicbor;
use pallas_codec::utils::{KeyValuePairs, MaybeIndefArray};
use pallas_crypto::hash::Hash;
use pallas_primitives::{BigInt, BoundedBytes, Constr, Fragment, PlutusData};
use pallas_txbuilder::{BuildConway, Input, Output, StagingTransaction};
use serde_json::Value;

/// The text envelope type cardano-cli gives an unsigned Conway transaction.
pub const TEXT_ENVELOPE_TYPE: &str = "Unwitnessed Tx ConwayEra";
/// Bytes one key witness adds to a transaction: `[vkey(32), signature(64)]` in CBOR.
pub const KEY_WITNESS_BYTES: u64 = 101;
/// Bytes of the witness set's framing once it holds key witnesses (map, key, set tag, list).
pub const WITNESS_SET_FRAMING_BYTES: u64 = 8;
/// Bytes the ledger adds to an output's size for the minimum UTxO value (Babbage onwards).
pub const UTXO_ENTRY_OVERHEAD_BYTES: u64 = 160;
/// Deepest datum JSON read.
pub const MAX_DATUM_DEPTH: usize = 32;

/// Why no transaction could be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// An input file is not in the form cardano-cli writes.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which input.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An address is not a Shelley address this builder can pay to or spend from.
    #[error("address {address}: {reason}")]
    Address {
        /// The address as given.
        address: String,
        /// What is wrong.
        reason: String,
    },
    /// The marker UTxO holds native assets, which this builder does not move.
    #[error(
        "UTxO {utxo} at the marker address holds native assets, which this builder does not move"
    )]
    NativeAssets {
        /// The UTxO (`txid#index`).
        utxo: String,
    },
    /// The UTxOs given do not cover the datum output and the fee.
    #[error("the UTxOs hold {available} lovelace; the datum output and the fee need {needed}")]
    InsufficientFunds {
        /// Lovelace of every spendable UTxO.
        available: u64,
        /// Lovelace needed.
        needed: u64,
    },
    /// The transaction would be larger than the ledger allows.
    #[error("the transaction would be {size} bytes; the ledger allows {max}")]
    TooLarge {
        /// Its size with witnesses.
        size: u64,
        /// `maxTxSize`.
        max: u64,
    },
    /// pallas refused to build the transaction.
    #[error("the transaction builder refused: {0}")]
    Builder(String),
    /// The datum the transaction carries would differ from the one given (a non-canonical CBOR
    /// encoding that would be re-encoded): refused rather than publishing other bytes.
    #[error("the datum would not be carried byte for byte (non-canonical CBOR)")]
    DatumNotPreserved,
}

fn malformed(what: &'static str, reason: impl std::fmt::Display) -> PublishError {
    PublishError::Malformed {
        what,
        reason: reason.to_string(),
    }
}

/// The ledger parameters the builder needs, read from `cardano-cli query protocol-parameters`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerParameters {
    /// `txFeePerByte` (the ledger's `minFeeA`).
    pub fee_per_byte: u64,
    /// `txFeeFixed` (`minFeeB`).
    pub fee_fixed: u64,
    /// `utxoCostPerByte` (`coinsPerUTxOByte`).
    pub utxo_cost_per_byte: u64,
    /// `maxTxSize`.
    pub max_tx_size: u64,
}

impl LedgerParameters {
    /// Reads cardano-cli's protocol-parameters JSON.
    pub fn from_cardano_cli_json(text: &str) -> Result<Self, PublishError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| malformed("protocol parameters", e))?;
        let field = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_u64)
                .ok_or_else(|| malformed("protocol parameters", format!("no integer {name}")))
        };
        Ok(Self {
            fee_per_byte: field("txFeePerByte")?,
            fee_fixed: field("txFeeFixed")?,
            utxo_cost_per_byte: field("utxoCostPerByte")?,
            max_tx_size: field("maxTxSize")?,
        })
    }

    /// The ledger's minimum fee for a transaction of `size` bytes.
    pub fn min_fee(&self, size: u64) -> u64 {
        self.fee_per_byte
            .saturating_mul(size)
            .saturating_add(self.fee_fixed)
    }

    /// The minimum lovelace of an output whose CBOR is `size` bytes.
    pub fn min_utxo(&self, size: u64) -> u64 {
        self.utxo_cost_per_byte
            .saturating_mul(UTXO_ENTRY_OVERHEAD_BYTES + size)
    }
}

/// One UTxO of cardano-cli's `query utxo --out-file` JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Utxo {
    /// The transaction that made it.
    pub tx_hash: [u8; 32],
    /// Its output index.
    pub index: u64,
    /// Its address (bech32).
    pub address: String,
    /// Its lovelace.
    pub lovelace: u64,
    /// Whether it holds native assets too.
    pub has_assets: bool,
    /// Whether it holds a datum (inline or by hash).
    pub has_datum: bool,
}

impl Utxo {
    /// `txid#index`, as cardano-cli names it.
    pub fn name(&self) -> String {
        format!("{}#{}", hex::encode(self.tx_hash), self.index)
    }
}

/// Reads cardano-cli's UTxO JSON (`{"<txid>#<index>": {"address", "value": {"lovelace", …},
/// "inlineDatum"?, "datumhash"?}}`), in transaction-input order.
pub fn utxos_from_cardano_cli_json(text: &str) -> Result<Vec<Utxo>, PublishError> {
    let value: Value = serde_json::from_str(text).map_err(|e| malformed("UTxO set", e))?;
    let entries = value
        .as_object()
        .ok_or_else(|| malformed("UTxO set", "not an object"))?;
    let mut utxos = Vec::with_capacity(entries.len());
    for (name, entry) in entries {
        let (txid, index) = name
            .split_once('#')
            .ok_or_else(|| malformed("UTxO set", format!("{name} is not txid#index")))?;
        let tx_hash: [u8; 32] = hex::decode(txid)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| malformed("UTxO set", format!("{txid} is not a transaction id")))?;
        let index = index
            .parse()
            .map_err(|_| malformed("UTxO set", format!("{name}: bad index")))?;
        let address = entry
            .get("address")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("UTxO set", format!("{name}: no address")))?
            .to_owned();
        let value = entry
            .get("value")
            .and_then(Value::as_object)
            .ok_or_else(|| malformed("UTxO set", format!("{name}: no value")))?;
        let lovelace = value
            .get("lovelace")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("UTxO set", format!("{name}: no lovelace")))?;
        let has_datum = [
            "inlineDatum",
            "inlineDatumhash",
            "datumhash",
            "inlineDatumRaw",
        ]
        .iter()
        .any(|member| entry.get(*member).is_some_and(|datum| !datum.is_null()));
        utxos.push(Utxo {
            tx_hash,
            index,
            address,
            lovelace,
            has_assets: value.keys().any(|key| key != "lovelace"),
            has_datum,
        });
    }
    utxos.sort_by_key(|utxo| (utxo.tx_hash, utxo.index));
    Ok(utxos)
}

/// A datum as Plutus data CBOR, from cardano-cli's detailed-schema JSON (`constructor` and
/// `fields`, `bytes`, `int`, `list`, `map`) or from the hex of its CBOR. JSON is encoded as
/// cardano-cli encodes it: constructors 0 to 6 as tags 121 to 127, non-empty lists of fields
/// indefinite, byte strings over 64 bytes in 64-byte chunks.
pub fn datum_cbor_from_text(text: &str) -> Result<Vec<u8>, PublishError> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let value: Value = serde_json::from_str(trimmed).map_err(|e| malformed("datum", e))?;
        let data = plutus_from_json(&value, 0)?;
        return Ok(minicbor::to_vec(&data).expect("encoding to a vector cannot fail"));
    }
    let bytes = hex::decode(trimmed).map_err(|_| malformed("datum", "neither JSON nor hex"))?;
    PlutusData::decode_fragment(&bytes).map_err(|e| malformed("datum", e))?;
    Ok(bytes)
}

fn indefinite<T>(items: Vec<T>) -> MaybeIndefArray<T> {
    if items.is_empty() {
        MaybeIndefArray::Def(items)
    } else {
        MaybeIndefArray::Indef(items)
    }
}

fn plutus_from_json(value: &Value, depth: usize) -> Result<PlutusData, PublishError> {
    if depth > MAX_DATUM_DEPTH {
        return Err(malformed("datum", "nested too deeply"));
    }
    let object = value
        .as_object()
        .ok_or_else(|| malformed("datum", "a datum value is not an object"))?;
    if let Some(constructor) = object.get("constructor") {
        let index = constructor
            .as_u64()
            .ok_or_else(|| malformed("datum", "constructor is not a natural number"))?;
        let fields = object
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("datum", "a constructor without a fields list"))?
            .iter()
            .map(|field| plutus_from_json(field, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        let (tag, any_constructor) = match index {
            0..=6 => (121 + index, None),
            7..=127 => (1280 + index - 7, None),
            _ => (102, Some(index)),
        };
        return Ok(PlutusData::Constr(Constr {
            tag,
            any_constructor,
            fields: indefinite(fields),
        }));
    }
    if let Some(bytes) = object.get("bytes") {
        let bytes = bytes
            .as_str()
            .and_then(|text| hex::decode(text).ok())
            .ok_or_else(|| malformed("datum", "bytes are not hex"))?;
        return Ok(PlutusData::BoundedBytes(BoundedBytes::from(bytes)));
    }
    if let Some(int) = object.get("int") {
        let int = int
            .as_i64()
            .ok_or_else(|| malformed("datum", "int outside the 64-bit range"))?;
        return Ok(PlutusData::BigInt(BigInt::Int(int.into())));
    }
    if let Some(list) = object.get("list") {
        let items = list
            .as_array()
            .ok_or_else(|| malformed("datum", "list is not a list"))?
            .iter()
            .map(|item| plutus_from_json(item, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(PlutusData::Array(indefinite(items)));
    }
    if let Some(map) = object.get("map") {
        let pairs = map
            .as_array()
            .ok_or_else(|| malformed("datum", "map is not a list of pairs"))?
            .iter()
            .map(|pair| {
                let key = pair
                    .get("k")
                    .ok_or_else(|| malformed("datum", "pair without k"))?;
                let value = pair
                    .get("v")
                    .ok_or_else(|| malformed("datum", "pair without v"))?;
                Ok((
                    plutus_from_json(key, depth + 1)?,
                    plutus_from_json(value, depth + 1)?,
                ))
            })
            .collect::<Result<Vec<_>, PublishError>>()?;
        return Ok(PlutusData::Map(KeyValuePairs::Def(pairs)));
    }
    Err(malformed(
        "datum",
        "a value is none of constructor, bytes, int, list, map",
    ))
}

/// What to publish, and with what.
#[derive(Clone, Debug)]
pub struct PublishRequest {
    /// The UTxOs that may be spent: the marker address's and the funding wallet's.
    pub utxos: Vec<Utxo>,
    /// The marker address (bech32) the datum is published at.
    pub marker_address: String,
    /// The datum, as Plutus data CBOR.
    pub datum: Vec<u8>,
    /// Where the change goes (bech32).
    pub change_address: String,
    /// The ledger parameters.
    pub parameters: LedgerParameters,
    /// Lovelace of the datum output (at least the minimum UTxO value; absent: that minimum).
    pub datum_lovelace: Option<u64>,
}

/// The transaction built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishTransaction {
    /// The transaction's CBOR, without witnesses.
    pub cbor: Vec<u8>,
    /// Its id (the hash of its body).
    pub id: [u8; 32],
    /// The fee.
    pub fee: u64,
    /// The UTxOs spent.
    pub inputs: Vec<Utxo>,
    /// Lovelace of the datum output.
    pub datum_lovelace: u64,
    /// Lovelace returned to the change address (0: none, folded into the fee).
    pub change: u64,
    /// Key witnesses the transaction needs (one per payment key of its inputs).
    pub witnesses: u64,
    /// The size the fee was computed for, witnesses included.
    pub signed_size: u64,
}

impl PublishTransaction {
    /// The text envelope cardano-cli's `transaction sign --tx-file` reads.
    pub fn text_envelope(&self) -> String {
        // Members in cardano-cli's order.
        format!(
            "{{\n    \"type\": \"{TEXT_ENVELOPE_TYPE}\",\n    \"description\": \"Ledger Cddl \
             Format\",\n    \"cborHex\": \"{}\"\n}}\n",
            hex::encode(&self.cbor)
        )
    }
}

fn shelley_address(text: &str) -> Result<Address, PublishError> {
    let address = Address::from_bech32(text).map_err(|e| PublishError::Address {
        address: text.to_owned(),
        reason: e.to_string(),
    })?;
    match &address {
        Address::Shelley(_) => Ok(address),
        _ => Err(PublishError::Address {
            address: text.to_owned(),
            reason: "not a Shelley payment address".into(),
        }),
    }
}

/// The payment key hash that must witness spending from `address`.
fn payment_key(address: &Address, text: &str) -> Result<Hash<28>, PublishError> {
    match address {
        Address::Shelley(shelley) => match shelley.payment() {
            ShelleyPaymentPart::Key(hash) => Ok(*hash),
            ShelleyPaymentPart::Script(_) => Err(PublishError::Address {
                address: text.to_owned(),
                reason: "a script address: its UTxOs need a script witness".into(),
            }),
        },
        _ => Err(PublishError::Address {
            address: text.to_owned(),
            reason: "not a Shelley payment address".into(),
        }),
    }
}

fn output_size(output: &Output) -> Result<u64, PublishError> {
    let built = output
        .build_babbage_raw()
        .map_err(|e| PublishError::Builder(e.to_string()))?;
    Ok(minicbor::to_vec(&built)
        .expect("encoding to a vector cannot fail")
        .len() as u64)
}

/// An output's minimum lovelace, with `lovelace` at least that minimum (the amount changes the
/// size, so it settles in a few rounds).
fn settle_min(
    parameters: &LedgerParameters,
    make: impl Fn(u64) -> Output,
    at_least: u64,
) -> Result<u64, PublishError> {
    let mut lovelace = at_least;
    for _ in 0..4 {
        let minimum = parameters.min_utxo(output_size(&make(lovelace))?);
        if lovelace >= minimum {
            return Ok(lovelace);
        }
        lovelace = minimum;
    }
    Ok(lovelace)
}

/// Builds the transaction that publishes `request.datum` at the marker address.
pub fn build_publish_transaction(
    request: &PublishRequest,
) -> Result<PublishTransaction, PublishError> {
    let marker = shelley_address(&request.marker_address)?;
    let change_address = shelley_address(&request.change_address)?;
    PlutusData::decode_fragment(&request.datum).map_err(|e| malformed("datum", e))?;
    let parameters = &request.parameters;

    // The previous datums at the marker address are always spent.
    let mut inputs: Vec<Utxo> = Vec::new();
    for utxo in &request.utxos {
        if utxo.address == request.marker_address && utxo.has_datum {
            if utxo.has_assets {
                return Err(PublishError::NativeAssets { utxo: utxo.name() });
            }
            inputs.push(utxo.clone());
        }
    }
    // Funding: pure-lovelace UTxOs, largest first.
    let mut funding: Vec<&Utxo> = request
        .utxos
        .iter()
        .filter(|utxo| !utxo.has_assets && !inputs.contains(utxo))
        .collect();
    funding.sort_by(|a, b| b.lovelace.cmp(&a.lovelace).then(a.name().cmp(&b.name())));
    let mut funding = funding.into_iter();

    let datum_output = |lovelace: u64| {
        Output::new(marker.clone(), lovelace).set_inline_datum(request.datum.clone())
    };
    let datum_lovelace = settle_min(
        parameters,
        datum_output,
        request.datum_lovelace.unwrap_or(0),
    )?;
    let change_min = settle_min(
        parameters,
        |lovelace| Output::new(change_address.clone(), lovelace),
        0,
    )?;

    loop {
        // More than 2^64 lovelace exist nowhere (the supply is 4.5e16): such a file is wrong.
        let available = inputs
            .iter()
            .try_fold(0u64, |total, utxo| total.checked_add(utxo.lovelace))
            .ok_or_else(|| PublishError::Malformed {
                what: "UTxO set",
                reason: "its lovelace add up past 2^64".into(),
            })?;
        let mut keys = BTreeSet::new();
        for utxo in &inputs {
            keys.insert(payment_key(
                &shelley_address(&utxo.address)?,
                &utxo.address,
            )?);
        }
        let witnesses = keys.len().max(1) as u64;
        // The fee settles: it changes the size, which changes the fee.
        let mut fee = parameters.min_fee(0);
        let mut attempt = None;
        for _ in 0..8 {
            let Some(rest) = available.checked_sub(datum_lovelace.saturating_add(fee)) else {
                break;
            };
            let (change, fee_paid) = if rest >= change_min {
                (rest, fee)
            } else {
                // Too little for an output of its own: it goes to the fee.
                (0, fee + rest)
            };
            let built = build(
                &inputs,
                datum_output(datum_lovelace),
                (change > 0).then(|| Output::new(change_address.clone(), change)),
                fee_paid,
            )?;
            let signed_size =
                built.1.len() as u64 + WITNESS_SET_FRAMING_BYTES + KEY_WITNESS_BYTES * witnesses;
            let needed = parameters.min_fee(signed_size);
            if fee_paid >= needed {
                attempt = Some((built, fee_paid, change, signed_size));
                break;
            }
            fee = needed;
        }
        if let Some(((id, cbor), fee, change, signed_size)) = attempt {
            if signed_size > parameters.max_tx_size {
                return Err(PublishError::TooLarge {
                    size: signed_size,
                    max: parameters.max_tx_size,
                });
            }
            check_datum_preserved(&cbor, &request.datum)?;
            return Ok(PublishTransaction {
                cbor,
                id,
                fee,
                inputs,
                datum_lovelace,
                change,
                witnesses,
                signed_size,
            });
        }
        match funding.next() {
            Some(utxo) => inputs.push(utxo.clone()),
            None => {
                return Err(PublishError::InsufficientFunds {
                    available,
                    needed: datum_lovelace.saturating_add(fee.max(parameters.min_fee(0))),
                });
            }
        }
    }
}

fn build(
    inputs: &[Utxo],
    datum_output: Output,
    change: Option<Output>,
    fee: u64,
) -> Result<([u8; 32], Vec<u8>), PublishError> {
    let mut staging = StagingTransaction::new();
    for utxo in inputs {
        staging = staging.input(Input::new(Hash::from(utxo.tx_hash), utxo.index));
    }
    staging = staging.output(datum_output);
    if let Some(change) = change {
        staging = staging.output(change);
    }
    let built = staging
        .fee(fee)
        .build_conway_raw()
        .map_err(|e| PublishError::Builder(e.to_string()))?;
    Ok((built.tx_hash.0, built.tx_bytes.0))
}

fn check_datum_preserved(cbor: &[u8], datum: &[u8]) -> Result<(), PublishError> {
    let tx = pallas_traverse::MultiEraTx::decode(cbor)
        .map_err(|e| PublishError::Builder(e.to_string()))?;
    let carried = tx
        .outputs()
        .first()
        .and_then(|output| match output.datum() {
            Some(pallas_primitives::conway::DatumOption::Data(data)) => {
                Some(data.0.raw_cbor().to_vec())
            }
            _ => None,
        });
    if carried.as_deref() == Some(datum) {
        Ok(())
    } else {
        Err(PublishError::DatumNotPreserved)
    }
}
