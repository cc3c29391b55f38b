//! The `mithril-compat` command-line tool.

mod cli;

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mithril_compat::domain::{EpochSettings, SignerRegistration, SingleSignature};
use mithril_compat::wire::{self, HubMessage, MessageKind, WireVersion};
use mithril_compat::{WireError, samples};

/// Versioned wire schemas and conversions for Mithril signers and aggregators.
#[derive(Parser)]
#[command(name = "mithril-compat", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Round-trips every embedded sample through every wire version and shows the result
    /// (the default command).
    Demo,
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
    /// Era markers: keys, signing, verification, and what a node makes of them.
    #[command(subcommand)]
    Era(cli::era::EraCommand),
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
    Demo(String),
    #[error(transparent)]
    Era(#[from] cli::era::EraCliError),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Demo) {
        Command::Demo => demo(),
        Command::Decode { wire, message } => decode(wire, message),
        Command::Encode { wire, message } => encode(wire, message),
        Command::Sample { wire, message } => sample(wire, message),
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

fn to_json(message: &HubMessage) -> String {
    let json = match message {
        HubMessage::SignerRegistration(value) => serde_json::to_string_pretty(value),
        HubMessage::SingleSignature(value) => serde_json::to_string_pretty(value),
        HubMessage::EpochSettings(value) => serde_json::to_string_pretty(value),
    };
    json.expect("hub values always serialize")
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
    })
}

fn decode(version: WireVersion, kind: MessageKind) -> Result<(), CliError> {
    let input = read_stdin()?;
    let message = wire::decode(version, kind, &input[..])?;
    write_stdout(format!("{}\n", to_json(&message)).as_bytes())
}

fn encode(version: WireVersion, kind: MessageKind) -> Result<(), CliError> {
    let input = read_stdin()?;
    let message = from_json(kind, &input)?;
    write_stdout(&wire::encode(version, &message)?)
}

fn sample_of(kind: MessageKind) -> HubMessage {
    match kind {
        MessageKind::SignerRegistration => {
            HubMessage::SignerRegistration(samples::signer_registration())
        }
        MessageKind::SingleSignature => HubMessage::SingleSignature(samples::single_signature()),
        MessageKind::EpochSettings => HubMessage::EpochSettings(samples::epoch_settings()),
    }
}

fn sample(version: WireVersion, kind: MessageKind) -> Result<(), CliError> {
    write_stdout(&wire::encode(version, &sample_of(kind))?)
}

fn demo() -> Result<(), CliError> {
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
    let bytes = wire::encode(WireVersion::LATEST, &sample_of(kind))?;
    let decoded = wire::decode(WireVersion::LATEST, kind, &bytes[..])?;
    println!(
        "\n`mithril-compat decode --wire {} --message {kind}` of the sample single signature:\n{}",
        WireVersion::LATEST.name(),
        to_json(&decoded)
    );
    if failures > 0 {
        return Err(CliError::Demo(format!("{failures} round trips failed")));
    }
    Ok(())
}
