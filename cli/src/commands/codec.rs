//! The conversion commands: `decode`, `encode`, `sample`, `roundtrip` and `convert`, between
//! the protobuf wire versions, today's JSON bodies and the hub's JSON form.

use std::io::{self, Read, Write};
use std::str::FromStr;

use mithril_compat::domain::{
    AggregatorFeatures, AggregatorStatus, EpochSettings, ProtocolConfiguration, SignerRegistration,
    SingleSignature,
};
use mithril_compat::wire::json::{self, JsonHeaders, JsonMessage, JsonSpoke};
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, MessageKind, WireVersion};
use mithril_compat::{FieldPath, WireError, samples};

/// A failure of a conversion command, or of reading its input or writing its output.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Standard input could not be read.
    #[error("cannot read stdin: {0}")]
    Read(io::Error),
    /// Standard output could not be written.
    #[error("cannot write stdout: {0}")]
    Write(io::Error),
    /// A message could not be decoded, converted or encoded.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The input is not the JSON form of the message.
    #[error("invalid JSON for {message}: {source}")]
    Json {
        /// The message kind.
        message: MessageKind,
        /// What serde_json said.
        source: serde_json::Error,
    },
    /// A round trip did not give back the value.
    #[error("{0}")]
    Roundtrip(String),
    /// The command line asked for something impossible.
    #[error("{0}")]
    Usage(&'static str),
    /// A message kind newer than this tool.
    #[error("the message {0} is newer than this tool")]
    Unsupported(MessageKind),
}

pub fn read_stdin() -> Result<Vec<u8>, CodecError> {
    let mut input = Vec::new();
    io::stdin()
        .read_to_end(&mut input)
        .map_err(CodecError::Read)?;
    Ok(input)
}

pub fn write_stdout(bytes: &[u8]) -> Result<(), CodecError> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(CodecError::Write)
}

fn to_json(message: &HubMessage) -> Result<String, CodecError> {
    let json = match message {
        HubMessage::SignerRegistration(value) => serde_json::to_string_pretty(value),
        HubMessage::SingleSignature(value) => serde_json::to_string_pretty(value),
        HubMessage::EpochSettings(value) => serde_json::to_string_pretty(value),
        HubMessage::AggregatorFeatures(value) => serde_json::to_string_pretty(value),
        HubMessage::ProtocolConfiguration(value) => serde_json::to_string_pretty(value),
        HubMessage::AggregatorStatus(value) => serde_json::to_string_pretty(value),
        other => return Err(CodecError::Unsupported(other.kind())),
    };
    Ok(json.expect("hub values always serialize"))
}

fn from_json(kind: MessageKind, text: &[u8]) -> Result<HubMessage, CodecError> {
    let error = |source| CodecError::Json {
        message: kind,
        source,
    };
    Ok(match kind {
        MessageKind::SignerRegistration => HubMessage::SignerRegistration(
            serde_json::from_slice::<SignerRegistration>(text).map_err(error)?,
        ),
        MessageKind::SingleSignature => HubMessage::SingleSignature(
            serde_json::from_slice::<SingleSignature>(text).map_err(error)?,
        ),
        MessageKind::EpochSettings => {
            HubMessage::EpochSettings(serde_json::from_slice::<EpochSettings>(text).map_err(error)?)
        }
        MessageKind::AggregatorFeatures => HubMessage::AggregatorFeatures(
            serde_json::from_slice::<AggregatorFeatures>(text).map_err(error)?,
        ),
        MessageKind::ProtocolConfiguration => HubMessage::ProtocolConfiguration(
            serde_json::from_slice::<ProtocolConfiguration>(text).map_err(error)?,
        ),
        MessageKind::AggregatorStatus => HubMessage::AggregatorStatus(
            serde_json::from_slice::<AggregatorStatus>(text).map_err(error)?,
        ),
        other => return Err(CodecError::Unsupported(other)),
    })
}

pub fn decode(version: WireVersion, kind: MessageKind) -> Result<(), CodecError> {
    let input = read_stdin()?;
    let message = wire::decode(version, kind, &input[..])?;
    write_stdout(format!("{}\n", to_json(&message)?).as_bytes())
}

pub fn encode(version: WireVersion, kind: MessageKind) -> Result<(), CodecError> {
    let input = read_stdin()?;
    let message = from_json(kind, &input)?;
    write_stdout(&wire::encode(version, &message)?)
}

fn sample_of(kind: MessageKind) -> Result<HubMessage, CodecError> {
    Ok(match kind {
        MessageKind::SignerRegistration => {
            HubMessage::SignerRegistration(samples::signer_registration())
        }
        MessageKind::SingleSignature => HubMessage::SingleSignature(samples::single_signature()),
        MessageKind::EpochSettings => HubMessage::EpochSettings(samples::epoch_settings()),
        MessageKind::AggregatorFeatures => {
            HubMessage::AggregatorFeatures(samples::aggregator_features())
        }
        MessageKind::ProtocolConfiguration => {
            HubMessage::ProtocolConfiguration(samples::protocol_configuration())
        }
        MessageKind::AggregatorStatus => HubMessage::AggregatorStatus(samples::aggregator_status()),
        other => return Err(CodecError::Unsupported(other)),
    })
}

pub fn sample(version: WireVersion, kind: MessageKind) -> Result<(), CodecError> {
    write_stdout(&wire::encode(version, &sample_of(kind)?)?)
}

pub fn roundtrip() -> Result<(), CodecError> {
    println!(
        "mithril-compat {}: every embedded sample through every wire version\n",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "{:<46} {:<18} {:>6}  hub -> wire -> hub",
        "sample", "wire", "bytes"
    );
    let mut failures = 0;
    for (name, message) in samples::all() {
        for version in WireVersion::ALL {
            let encoded = match wire::encode(*version, &message) {
                Ok(encoded) => encoded,
                Err(error @ WireError::Unrepresentable { .. }) => {
                    println!(
                        "{name:<46} {:<18} {:>6}  not carried: {error}",
                        version.package(),
                        "-"
                    );
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            let outcome = match wire::decode(*version, message.kind(), &encoded[..]) {
                Ok(decoded) if decoded == message => "identical".to_owned(),
                Ok(_) => {
                    failures += 1;
                    "DIFFERENT".to_owned()
                }
                Err(error) => {
                    failures += 1;
                    format!("ERROR: {error}")
                }
            };
            println!(
                "{name:<46} {:<18} {:>6}  {outcome}",
                version.package(),
                encoded.len()
            );
        }
    }
    let kind = MessageKind::SingleSignature;
    let bytes = wire::encode(WireVersion::LATEST, &sample_of(kind)?)?;
    let decoded = wire::decode(WireVersion::LATEST, kind, &bytes[..])?;
    println!(
        "\n`mithril-compat decode --wire {} --message {kind}` of the sample single signature:\n{}",
        WireVersion::LATEST.name(),
        to_json(&decoded)?
    );
    if failures > 0 {
        return Err(CodecError::Roundtrip(format!(
            "{failures} round trips failed"
        )));
    }
    Ok(())
}

/// An encoding `convert` reads or writes: today's JSON API, or a protobuf wire version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Today's JSON bodies.
    Json,
    /// A protobuf wire version.
    Protobuf(WireVersion),
}

/// A format name `convert` does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown format {0:?} (expected json, {versions})", versions = protobuf_names())]
pub struct UnknownFormat(pub String);

fn protobuf_names() -> String {
    WireVersion::ALL
        .iter()
        .map(|version| version.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// `json`, or a wire version's short name (`v1`) or package (`mithril.signer.v1`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == json::NAME {
            return Ok(Self::Json);
        }
        text.parse()
            .map(Self::Protobuf)
            .map_err(|_| UnknownFormat(text.to_owned()))
    }
}

pub fn convert(
    kind: MessageKind,
    from: Format,
    to: Format,
    signer_node_version: Option<&str>,
) -> Result<(), CodecError> {
    if signer_node_version.is_some()
        && (from != Format::Json || kind != MessageKind::SignerRegistration)
    {
        return Err(CodecError::Usage(
            "--signer-node-version is a header of JSON registrations: it needs --from json \
             --message register-signer",
        ));
    }
    let headers =
        JsonHeaders::from_signer_node_version(signer_node_version).map_err(WireError::from)?;
    let input = read_stdin()?;
    let message = match from {
        Format::Json => {
            let (message, unknown) = decode_json(kind, &input, &headers)?;
            for path in unknown {
                eprintln!("not converted: {path} (a member this build does not know)");
            }
            message
        }
        Format::Protobuf(version) => wire::decode(version, kind, &input[..])?,
    };
    match to {
        Format::Json => {
            let (body, headers, dropped) = encode_json(&message)?;
            for path in dropped {
                eprintln!("dropped: {path} (no representation in json)");
            }
            for (name, value) in headers.pairs() {
                eprintln!("header: {name}: {value}");
            }
            write_stdout(body.as_bytes())
        }
        Format::Protobuf(version) => write_stdout(&wire::encode(version, &message)?),
    }
}

/// Decodes a JSON body into the hub, with the paths of the members it does not know.
fn decode_json(
    kind: MessageKind,
    input: &[u8],
    headers: &JsonHeaders,
) -> Result<(HubMessage, Vec<String>), CodecError> {
    fn with<T: JsonSpoke>(
        input: &[u8],
        headers: &JsonHeaders,
    ) -> Result<(T, Vec<String>), WireError> {
        let message = json::parse::<T::Message>(input)?;
        let unknown = message.unknown_fields();
        Ok((json::from_message(&message, headers)?, unknown))
    }
    Ok(match kind {
        MessageKind::SignerRegistration => {
            let (value, unknown) = with(input, headers)?;
            (HubMessage::SignerRegistration(value), unknown)
        }
        MessageKind::SingleSignature => {
            let (value, unknown) = with(input, headers)?;
            (HubMessage::SingleSignature(value), unknown)
        }
        MessageKind::EpochSettings => {
            let (value, unknown) = with(input, headers)?;
            (HubMessage::EpochSettings(value), unknown)
        }
        MessageKind::AggregatorFeatures => {
            let (value, unknown) = with(input, headers)?;
            (HubMessage::AggregatorFeatures(value), unknown)
        }
        MessageKind::ProtocolConfiguration => {
            let (value, unknown) = with(input, headers)?;
            (HubMessage::ProtocolConfiguration(value), unknown)
        }
        MessageKind::AggregatorStatus => {
            let (value, unknown) = with(input, headers)?;
            (HubMessage::AggregatorStatus(value), unknown)
        }
        other => return Err(CodecError::Unsupported(other)),
    })
}

/// Encodes a hub value as a pretty JSON body (members in the order today's nodes write them),
/// dropping what JSON cannot carry; also returns the headers to send and what was dropped.
fn encode_json(message: &HubMessage) -> Result<(String, JsonHeaders, Vec<FieldPath>), CodecError> {
    fn with<T: JsonSpoke>(value: &T) -> Result<(String, JsonHeaders, Vec<FieldPath>), WireError> {
        let converted = json::to_message(value, DowngradePolicy::Lossy)?;
        let body =
            serde_json::to_string_pretty(&converted.message).expect("body types always serialize");
        Ok((format!("{body}\n"), converted.headers, converted.dropped))
    }
    match message {
        HubMessage::SignerRegistration(value) => Ok(with(value)?),
        HubMessage::SingleSignature(value) => Ok(with(value)?),
        HubMessage::EpochSettings(value) => Ok(with(value)?),
        HubMessage::AggregatorFeatures(value) => Ok(with(value)?),
        HubMessage::ProtocolConfiguration(value) => Ok(with(value)?),
        HubMessage::AggregatorStatus(value) => Ok(with(value)?),
        other => Err(CodecError::Unsupported(other.kind())),
    }
}
