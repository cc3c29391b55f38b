//! The `mithril-compat` command-line tool.

use mithril_compat_cli::commands as cli;

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::str::FromStr;

use clap::{Parser, Subcommand};
use mithril_compat::domain::{
    AggregatorFeatures, AggregatorStatus, EpochSettings, ProtocolConfiguration, SignerRegistration,
    SingleSignature,
};
use mithril_compat::wire::json::{self, JsonHeaders, JsonMessage, JsonSpoke};
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, MessageKind, WireVersion};
use mithril_compat::{FieldPath, WireError, samples};

/// Versioned wire schemas and conversions for Mithril signers and aggregators.
#[derive(Parser)]
#[command(name = "mithril-compat", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The rolling upgrade (the default command): an aggregator and signers over loopback gRPC
    /// with real STM signatures, a soft update rolling out, the adoption gate, a signed era
    /// marker and the switch to lagrange, with a certificate every epoch.
    Demo(cli::demo::DemoArgs),
    /// Simulates an era rollout at mainnet size over many seeds: the quorum-aware gate against a
    /// flat 95% rule, on epochs without a certificate and on the activation epoch.
    Simulate(cli::simulate::SimulateArgs),
    /// Round-trips every embedded sample through every wire version and shows the result.
    Roundtrip,
    /// Reads one binary message from stdin and prints it as JSON.
    Decode {
        /// Wire version of the input (v1).
        #[arg(long, default_value = "v1")]
        wire: WireVersion,
        /// Message kind: register-signer, register-signature or epoch-settings.
        #[arg(long)]
        message: MessageKind,
    },
    /// Reads one message as JSON (the form `decode` prints) from stdin and writes it in binary.
    Encode {
        /// Wire version of the output (v1).
        #[arg(long, default_value = "v1")]
        wire: WireVersion,
        /// Message kind: register-signer, register-signature or epoch-settings.
        #[arg(long)]
        message: MessageKind,
    },
    /// Converts one message from stdin between today's JSON API and the protobuf wire versions
    /// (binary for v1 and v2, JSON for json). Writing JSON drops what JSON cannot carry and
    /// says so on stderr, with the HTTP headers to send beside the body.
    Convert {
        /// Message kind: register-signer, register-signature or epoch-settings.
        #[arg(long)]
        message: MessageKind,
        /// Encoding of the input: json, v1 or v2.
        #[arg(long)]
        from: Format,
        /// Encoding of the output: json, v1 or v2.
        #[arg(long)]
        to: Format,
        /// The `signer-node-version` header that came with a JSON registration (absent:
        /// the software version is "unknown").
        #[arg(long, value_name = "VERSION")]
        signer_node_version: Option<String>,
    },
    /// Prints the message signers sign (hex), as Mithril computes it, for a protocol message
    /// read on stdin: `{"part name": value, …}` or `mithril-common`'s `ProtocolMessage` JSON.
    SignedMessage(cli::signed_message::SignedMessageArgs),
    /// Era markers: keys, signing, verification, and what a node makes of them.
    #[command(subcommand)]
    Era(cli::era::EraCommand),
    /// Runs an aggregator endpoint (v1 and v2 signer services, discovery, health, reflection)
    /// with an in-memory backend, and prints what it receives.
    Serve(cli::serve::ServeArgs),
    /// The probability of a certificate for a stake share, or the least share for a target.
    Quorum(cli::adoption::QuorumArgs),
    /// Adoption reports from the aggregator's records.
    #[command(subcommand)]
    Adoption(cli::adoption::AdoptionCommand),
    /// Writes the embedded sample of a message kind to stdout, in binary.
    Sample {
        /// Wire version of the output (v1).
        #[arg(long, default_value = "v1")]
        wire: WireVersion,
        /// Message kind: register-signer, register-signature or epoch-settings.
        #[arg(long)]
        message: MessageKind,
    },
}

/// A failure the tool reports on stderr before exiting with status 1.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("cannot read stdin: {0}")]
    Read(io::Error),
    #[error("cannot write stdout: {0}")]
    Write(io::Error),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("invalid JSON for {message}: {source}")]
    Json {
        message: MessageKind,
        source: serde_json::Error,
    },
    #[error("{0}")]
    Roundtrip(String),
    #[error("{0}")]
    Usage(&'static str),
    #[error("the message {0} is newer than this tool")]
    Unsupported(MessageKind),
    #[error(transparent)]
    Era(#[from] cli::era::EraCliError),
    #[error(transparent)]
    SignedMessage(#[from] cli::signed_message::SignedMessageCliError),
    #[error(transparent)]
    Adoption(#[from] cli::adoption::AdoptionCliError),
    #[error(transparent)]
    Serve(#[from] cli::serve::ServeCliError),
    #[error(transparent)]
    Demo(#[from] mithril_compat_cli::demo::DemoError),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli
        .command
        .unwrap_or_else(|| Command::Demo(cli::demo::DemoArgs::default()))
    {
        Command::Demo(args) => cli::demo::run(args)
            .map_err(CliError::from)
            .and_then(|out| write_stdout(out.as_bytes())),
        Command::Roundtrip => roundtrip(),
        Command::Simulate(args) => write_stdout(cli::simulate::run(args).as_bytes()),
        Command::Decode { wire, message } => decode(wire, message),
        Command::Encode { wire, message } => encode(wire, message),
        Command::Sample { wire, message } => sample(wire, message),
        Command::Convert {
            message,
            from,
            to,
            signer_node_version,
        } => convert(message, from, to, signer_node_version.as_deref()),
        Command::Serve(args) => cli::serve::run(args).map_err(CliError::from),
        Command::Quorum(args) => cli::adoption::quorum(args)
            .map_err(CliError::from)
            .and_then(|out| write_stdout(out.as_bytes())),
        Command::Adoption(command) => cli::adoption::run(command)
            .map_err(CliError::from)
            .and_then(|out| write_stdout(out.as_bytes())),
        Command::SignedMessage(args) => read_stdin()
            .and_then(|input| {
                String::from_utf8(input).map_err(|_| CliError::Usage("stdin is not UTF-8 text"))
            })
            .and_then(|input| cli::signed_message::run(args, &input).map_err(CliError::from))
            .and_then(|out| write_stdout(out.as_bytes())),
        Command::Era(command) => cli::era::run(command)
            .map_err(CliError::from)
            .and_then(|out| write_stdout(out.as_bytes())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn read_stdin() -> Result<Vec<u8>, CliError> {
    let mut input = Vec::new();
    io::stdin()
        .read_to_end(&mut input)
        .map_err(CliError::Read)?;
    Ok(input)
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(CliError::Write)
}

fn to_json(message: &HubMessage) -> Result<String, CliError> {
    let json = match message {
        HubMessage::SignerRegistration(value) => serde_json::to_string_pretty(value),
        HubMessage::SingleSignature(value) => serde_json::to_string_pretty(value),
        HubMessage::EpochSettings(value) => serde_json::to_string_pretty(value),
        HubMessage::AggregatorFeatures(value) => serde_json::to_string_pretty(value),
        HubMessage::ProtocolConfiguration(value) => serde_json::to_string_pretty(value),
        HubMessage::AggregatorStatus(value) => serde_json::to_string_pretty(value),
        other => return Err(CliError::Unsupported(other.kind())),
    };
    Ok(json.expect("hub values always serialize"))
}

fn from_json(kind: MessageKind, text: &[u8]) -> Result<HubMessage, CliError> {
    let error = |source| CliError::Json {
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
        other => return Err(CliError::Unsupported(other)),
    })
}

fn decode(version: WireVersion, kind: MessageKind) -> Result<(), CliError> {
    let input = read_stdin()?;
    let message = wire::decode(version, kind, &input[..])?;
    write_stdout(format!("{}\n", to_json(&message)?).as_bytes())
}

fn encode(version: WireVersion, kind: MessageKind) -> Result<(), CliError> {
    let input = read_stdin()?;
    let message = from_json(kind, &input)?;
    write_stdout(&wire::encode(version, &message)?)
}

fn sample_of(kind: MessageKind) -> Result<HubMessage, CliError> {
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
        other => return Err(CliError::Unsupported(other)),
    })
}

fn sample(version: WireVersion, kind: MessageKind) -> Result<(), CliError> {
    write_stdout(&wire::encode(version, &sample_of(kind)?)?)
}

fn roundtrip() -> Result<(), CliError> {
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
        return Err(CliError::Roundtrip(format!(
            "{failures} round trips failed"
        )));
    }
    Ok(())
}

/// An encoding `convert` reads or writes: today's JSON API, or a protobuf wire version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Protobuf(WireVersion),
}

/// A format name `convert` does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown format {0:?} (expected json, {versions})", versions = protobuf_names())]
struct UnknownFormat(String);

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

fn convert(
    kind: MessageKind,
    from: Format,
    to: Format,
    signer_node_version: Option<&str>,
) -> Result<(), CliError> {
    if signer_node_version.is_some()
        && (from != Format::Json || kind != MessageKind::SignerRegistration)
    {
        return Err(CliError::Usage(
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
) -> Result<(HubMessage, Vec<String>), CliError> {
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
        other => return Err(CliError::Unsupported(other)),
    })
}

/// Encodes a hub value as a pretty JSON body (members in the order today's nodes write them),
/// dropping what JSON cannot carry; also returns the headers to send and what was dropped.
fn encode_json(message: &HubMessage) -> Result<(String, JsonHeaders, Vec<FieldPath>), CliError> {
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
        other => Err(CliError::Unsupported(other.kind())),
    }
}
