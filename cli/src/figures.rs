//! The deterministic figures of the decision record (`docs/adr/001-graceful-updates.md`):
//! `mithril-compat figures` prints them, `--update FILE` rewrites the record's block, and a test
//! fails when the record's block is stale.
//!
//! - **Table F1**: the quorum at mainnet parameters, from [`certificate_odds`] and
//!   [`minimum_stake_share`].
//! - **Table F2**: a small seeded run of the rollout simulation ([`crate::simulate`]), every
//!   scenario under every rule.
//! - **Table F3**: the encoded size of the registration and single signature `mithril-common`
//!   0.8.3 writes for its own fixture signer, in today's JSON and, with their keys and signature
//!   in canonical bytes, in each wire encoding and in CBOR.

use mithril_compat::adoption::{certificate_odds, minimum_stake_share};
use mithril_compat::domain::ProtocolParameters;
use mithril_compat::samples;
use mithril_compat::wire::json::{self, JsonSpoke};
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, WireVersion};

use crate::simulate::{self, Rule, SimulationConfig};

/// The line that opens the generated block in the record.
pub const BEGIN: &str = "<!-- figures:begin -->";
/// The line that closes it.
pub const END: &str = "<!-- figures:end -->";
/// Seeds per scenario of Table F2 (small, so that the staleness test stays quick).
pub const SEEDS: u64 = 20;
/// Signers per run of Table F2.
pub const SIGNERS: usize = 3000;

/// Why the record's figures could not be written or checked.
#[derive(Debug, thiserror::Error)]
pub enum FiguresError {
    /// The document has no figures block.
    #[error("no `{BEGIN}` … `{END}` block")]
    NoBlock,
    /// A figure could not be computed.
    #[error("{0}")]
    Compute(String),
}

/// The figures block's content (without the marker lines).
pub fn render() -> Result<String, FiguresError> {
    let mut out = String::new();
    quorum_table(&mut out)?;
    simulation_table(&mut out);
    size_table(&mut out)?;
    Ok(out)
}

fn quorum_table(out: &mut String) -> Result<(), FiguresError> {
    let parameters = ProtocolParameters::MAINNET;
    let error = |e: mithril_compat::adoption::QuorumError| FiguresError::Compute(e.to_string());
    out.push_str(&format!(
        "**Table F1.** The quorum at mainnet parameters (k = {}, m = {}, phi_f = {}): the \
         probability of an epoch without a certificate when the signers of a share of the \
         registered stake sign (`certificate_odds`), and the least share for a target \
         (`minimum_stake_share`).\n\n",
        parameters.k(),
        parameters.m(),
        parameters.phi_f()
    ));
    out.push_str("| stake share signing | P(no certificate) |\n|---:|---:|\n");
    for share in [0.50, 0.55, 0.58, 0.60, 0.62, 0.65, 0.70, 0.80, 0.95, 1.00] {
        let odds = certificate_odds(&parameters, share).map_err(error)?;
        out.push_str(&format!(
            "| {:.0}% | {} |\n",
            share * 100.0,
            probability(odds.failure)
        ));
    }
    out.push_str("\n| target P(no certificate) | least share signing |\n|---:|---:|\n");
    for target in [1e-3, 1e-6, 1e-9, 1e-12] {
        let share = minimum_stake_share(&parameters, target)
            .map_err(error)?
            .map(|share| format!("{:.2}%", share * 100.0))
            .unwrap_or_else(|| "unreachable".to_owned());
        out.push_str(&format!("| {target:.0e} | {share} |\n"));
    }
    out.push('\n');
    Ok(())
}

fn probability(value: f64) -> String {
    if value >= 0.01 {
        format!("{value:.3}")
    } else if value < 1e-300 {
        "< 1e-300".to_owned()
    } else {
        format!("{value:.1e}")
    }
}

fn simulation_table(out: &mut String) {
    let config = SimulationConfig {
        signers: SIGNERS,
        seeds: SEEDS,
        ..SimulationConfig::default()
    };
    let comparisons = simulate::compare(&config);
    out.push_str(&format!(
        "**Table F2.** The rollout simulation, {SEEDS} seeds per scenario, {SIGNERS} signers, \
         {} epochs, mainnet parameters and the default rule and gate (`mithril-compat simulate \
         --seeds {SEEDS}`): epochs without a certificate the switch caused, and the activation \
         epoch (the release ships at epoch 1).\n\n",
        config.epochs
    ));
    out.push_str(
        "| scenario | rule | epochs without certificate (caused) | median activation | \
         never activated |\n|---|---|---:|---:|---:|\n",
    );
    for comparison in &comparisons {
        let scenario = serde_json::to_value(comparison.scenario)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let rule = match comparison.rule {
            Rule::QuorumAware => "quorum_aware",
            Rule::Flat95 => "flat95",
            Rule::Omniscient => "omniscient",
        };
        let median = comparison
            .median_activation()
            .map(|epoch| epoch.to_string())
            .unwrap_or_else(|| "-".to_owned());
        out.push_str(&format!(
            "| {scenario} | {rule} | {} | {median} | {} of {} |\n",
            comparison.epochs_without_certificate_caused,
            comparison.never_activated,
            comparison.seeds
        ));
    }
    out.push('\n');
}

fn compute(what: &str) -> impl Fn(String) -> FiguresError + '_ {
    move |why| FiguresError::Compute(format!("{what}: {why}"))
}

fn size_table(out: &mut String) -> Result<(), FiguresError> {
    out.push_str(
        "**Table F3.** Encoded size in bytes of the registration and single signature that \
         `mithril-common` 0.8.3 writes for its own fixture signer (`tests/vectors/upstream/`, \
         `register_signer` with its SNARK keys, `register_signature_mithril_stake_distribution`): \
         today's JSON body as it writes it (compact, keys and signatures in JSON-hex: the hex of \
         their JSON), and the same message with its keys and signature in canonical bytes (the \
         BLS key and its proof of possession, raw KES signatures, the CBOR operational \
         certificate, the STM signature's `0x01 ‖ CBOR`) in protobuf v1 (what v1 cannot carry \
         dropped), protobuf v2, JSON with plain hex, and CBOR of that document with its hex \
         strings as byte strings (what a CBOR schema would carry).\n\n",
    );
    out.push_str(
        "| message | today's JSON | protobuf v1 | protobuf v2 | JSON, plain hex | CBOR |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    let samples::upstream::Vector {
        body: registration_body,
        canonical: registration,
        ..
    } = samples::upstream::registration("register_signer", &Default::default())
        .map_err(compute("registration"))?;
    let samples::upstream::Vector {
        body: signature_body,
        canonical: signature,
        ..
    } = samples::upstream::signature(
        "register_signature_mithril_stake_distribution",
        &Default::default(),
    )
    .map_err(compute("signature"))?;
    for (name, today, message, plain) in [
        (
            "signer registration",
            registration_body,
            HubMessage::SignerRegistration(registration.clone()),
            json_text(&registration)?,
        ),
        (
            "single signature",
            signature_body,
            HubMessage::SingleSignature(signature.clone()),
            json_text(&signature)?,
        ),
    ] {
        let size = |version| {
            wire::encode_with_policy(version, &message, DowngradePolicy::Lossy)
                .map(|encoded| encoded.bytes.len())
                .map_err(|e| FiguresError::Compute(e.to_string()))
        };
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} |\n",
            today.len(),
            size(WireVersion::V1)?,
            size(WireVersion::V2)?,
            plain.len(),
            cbor_size(&plain)?
        ));
    }
    Ok(())
}

fn json_text<T: JsonSpoke>(value: &T) -> Result<String, FiguresError> {
    let converted = json::to_message(value, DowngradePolicy::Lossy)
        .map_err(|e| FiguresError::Compute(e.to_string()))?;
    serde_json::to_string(&converted.message).map_err(|e| FiguresError::Compute(e.to_string()))
}

/// The CBOR of a JSON document whose even-length lowercase hex strings become byte strings.
fn cbor_size(json_body: &str) -> Result<usize, FiguresError> {
    fn convert(value: &serde_json::Value) -> ciborium::Value {
        use serde_json::Value;
        match value {
            Value::Null => ciborium::Value::Null,
            Value::Bool(flag) => ciborium::Value::Bool(*flag),
            Value::Number(number) => match number.as_i64() {
                Some(int) => ciborium::Value::Integer(int.into()),
                None => ciborium::Value::Float(number.as_f64().unwrap_or_default()),
            },
            Value::String(text) => match hex::decode(text) {
                Ok(bytes) if !text.is_empty() && text.len() >= 16 => ciborium::Value::Bytes(bytes),
                _ => ciborium::Value::Text(text.clone()),
            },
            Value::Array(items) => ciborium::Value::Array(items.iter().map(convert).collect()),
            Value::Object(members) => ciborium::Value::Map(
                members
                    .iter()
                    .map(|(key, value)| (ciborium::Value::Text(key.clone()), convert(value)))
                    .collect(),
            ),
        }
    }
    let value: serde_json::Value =
        serde_json::from_str(json_body).map_err(|e| FiguresError::Compute(e.to_string()))?;
    let mut bytes = Vec::new();
    ciborium::into_writer(&convert(&value), &mut bytes)
        .map_err(|e| FiguresError::Compute(e.to_string()))?;
    Ok(bytes.len())
}

/// `document` with its figures block replaced by `block`.
pub fn with_block(document: &str, block: &str) -> Result<String, FiguresError> {
    let start = document.find(BEGIN).ok_or(FiguresError::NoBlock)?;
    let end = document[start..]
        .find(END)
        .map(|offset| start + offset)
        .ok_or(FiguresError::NoBlock)?;
    Ok(format!(
        "{}{BEGIN}\n{block}{}",
        &document[..start],
        &document[end..]
    ))
}

/// The figures block of `document` (without the marker lines).
pub fn block_of(document: &str) -> Result<&str, FiguresError> {
    let start = document.find(BEGIN).ok_or(FiguresError::NoBlock)? + BEGIN.len() + 1;
    let end = document[start.min(document.len())..]
        .find(END)
        .map(|offset| start + offset)
        .ok_or(FiguresError::NoBlock)?;
    Ok(&document[start..end])
}
