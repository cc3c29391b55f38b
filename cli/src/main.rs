//! The `mithril-compat` command-line tool.

use mithril_compat_cli::commands as cli;
use mithril_compat_cli::commands::codec::{self, CodecError, Format};

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mithril_compat::wire::{MessageKind, WireVersion};

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
        /// Message kind: register-signer, register-signature, epoch-settings, aggregator-features,
        /// protocol-configuration or aggregator-status.
        #[arg(long)]
        message: MessageKind,
    },
    /// Reads one message as JSON (the form `decode` prints) from stdin and writes it in binary.
    Encode {
        /// Wire version of the output (v1).
        #[arg(long, default_value = "v1")]
        wire: WireVersion,
        /// Message kind: register-signer, register-signature, epoch-settings, aggregator-features,
        /// protocol-configuration or aggregator-status.
        #[arg(long)]
        message: MessageKind,
    },
    /// Converts one message from stdin between today's JSON API and the protobuf wire versions
    /// (binary for v1 and v2, JSON for json). Writing JSON drops what JSON cannot carry and
    /// says so on stderr, with the HTTP headers to send beside the body.
    Convert {
        /// Message kind: register-signer, register-signature, epoch-settings, aggregator-features,
        /// protocol-configuration or aggregator-status.
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
    /// Signed release manifests: keys, signing, rotation, and whether a downloaded file is what
    /// the network announced.
    #[command(subcommand)]
    Release(cli::release::ReleaseCommand),
    /// Runs a relay of the decentralized setup (libp2p gossipsub): envelopes and today's relay
    /// topics, what it cannot read forwarded byte for byte, what it can read posted to an
    /// aggregator with `--aggregator` (built with the `p2p` feature of mithril-compat-cli).
    #[cfg(feature = "p2p")]
    Relay(cli::relay::RelayArgs),
    /// Runs an aggregator with an in-memory backend: the gRPC endpoint (v1 and v2 signer
    /// services, discovery, health, reflection) and, with `--http`, today's HTTP routes (JSON,
    /// and protobuf by content negotiation); prints what it receives.
    Serve(cli::serve::ServeArgs),
    /// Runs the migration proxy: protobuf signers reach a JSON aggregator through it, JSON
    /// signers a protobuf-only one; also a forward proxy for a signer's `relay_endpoint`.
    Proxy(cli::proxy::ProxyArgs),
    /// The probability of a certificate for a stake share, or the least share for a target.
    Quorum(cli::adoption::QuorumArgs),
    /// Adoption reports from the aggregator's records.
    #[command(subcommand)]
    Adoption(cli::adoption::AdoptionCommand),
    /// The decision record's deterministic figures (quorum thresholds at mainnet parameters, a
    /// small seeded simulation, encoded sizes), as the Markdown of its figures block.
    Figures {
        /// Rewrites the figures block of this document (the decision record) in place.
        #[arg(long, conflicts_with = "check")]
        update: Option<std::path::PathBuf>,
        /// Fails when the figures block of this document is stale.
        #[arg(long)]
        check: Option<std::path::PathBuf>,
    },
    /// Writes the embedded sample of a message kind to stdout, in binary.
    Sample {
        /// Wire version of the output (v1).
        #[arg(long, default_value = "v1")]
        wire: WireVersion,
        /// Message kind: register-signer, register-signature, epoch-settings, aggregator-features,
        /// protocol-configuration or aggregator-status.
        #[arg(long)]
        message: MessageKind,
    },
}

/// A failure the tool reports on stderr before exiting with status 1.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error(transparent)]
    Era(#[from] cli::era::EraCliError),
    #[error(transparent)]
    Release(#[from] cli::release::ReleaseCliError),
    #[error(transparent)]
    Figures(#[from] mithril_compat_cli::figures::FiguresError),
    #[error("{0}")]
    Stale(String),
    #[error(transparent)]
    SignedMessage(#[from] cli::signed_message::SignedMessageCliError),
    #[error(transparent)]
    Adoption(#[from] cli::adoption::AdoptionCliError),
    #[error(transparent)]
    Serve(#[from] cli::serve::ServeCliError),
    #[error(transparent)]
    Proxy(#[from] cli::proxy::ProxyCliError),
    #[cfg(feature = "p2p")]
    #[error(transparent)]
    Relay(#[from] cli::relay::RelayCliError),
    #[error(transparent)]
    Demo(#[from] mithril_compat_cli::demo::DemoError),
    #[error(transparent)]
    Simulate(#[from] cli::simulate::SimulateError),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli
        .command
        .unwrap_or_else(|| Command::Demo(cli::demo::DemoArgs::default()))
    {
        Command::Demo(args) => cli::demo::run(args)
            .map_err(CliError::from)
            .and_then(|out| output(out.as_bytes())),
        Command::Roundtrip => codec::roundtrip().map_err(CliError::from),
        Command::Simulate(args) => cli::simulate::run(args)
            .map_err(CliError::from)
            .and_then(|out| output(out.as_bytes())),
        Command::Decode { wire, message } => codec::decode(wire, message).map_err(CliError::from),
        Command::Encode { wire, message } => codec::encode(wire, message).map_err(CliError::from),
        Command::Sample { wire, message } => codec::sample(wire, message).map_err(CliError::from),
        Command::Convert {
            message,
            from,
            to,
            signer_node_version,
        } => codec::convert(message, from, to, signer_node_version.as_deref())
            .map_err(CliError::from),
        Command::Serve(args) => cli::serve::run(args).map_err(CliError::from),
        Command::Proxy(args) => cli::proxy::run(args).map_err(CliError::from),
        #[cfg(feature = "p2p")]
        Command::Relay(args) => cli::relay::run(args).map_err(CliError::from),
        Command::Quorum(args) => cli::adoption::quorum(args)
            .map_err(CliError::from)
            .and_then(|out| output(out.as_bytes())),
        Command::Adoption(command) => cli::adoption::run(command)
            .map_err(CliError::from)
            .and_then(|out| output(out.as_bytes())),
        Command::SignedMessage(args) => codec::read_stdin()
            .and_then(|input| {
                String::from_utf8(input).map_err(|_| CodecError::Usage("stdin is not UTF-8 text"))
            })
            .map_err(CliError::from)
            .and_then(|input| cli::signed_message::run(args, &input).map_err(CliError::from))
            .and_then(|out| output(out.as_bytes())),
        Command::Era(command) => cli::era::run(command)
            .map_err(CliError::from)
            .and_then(|out| output(out.as_bytes())),
        Command::Figures { update, check } => {
            figures(update, check).and_then(|out| output(out.as_bytes()))
        }
        Command::Release(command) => cli::release::run(command)
            .map_err(CliError::from)
            .and_then(|out| output(out.as_bytes())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn output(bytes: &[u8]) -> Result<(), CliError> {
    codec::write_stdout(bytes).map_err(CliError::from)
}

fn figures(
    update: Option<std::path::PathBuf>,
    check: Option<std::path::PathBuf>,
) -> Result<String, CliError> {
    use mithril_compat_cli::figures;
    let block = figures::render()?;
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map_err(|error| CliError::Stale(format!("{}: {error}", path.display())))
    };
    if let Some(path) = update {
        let document = figures::with_block(&read(&path)?, &block)?;
        std::fs::write(&path, document)
            .map_err(|error| CliError::Stale(format!("{}: {error}", path.display())))?;
        return Ok(format!("figures of {} updated\n", path.display()));
    }
    if let Some(path) = check {
        let document = read(&path)?;
        if figures::block_of(&document)? != block {
            return Err(CliError::Stale(format!(
                "the figures of {} are stale: run `mithril-compat figures --update {}`",
                path.display(),
                path.display()
            )));
        }
        return Ok(format!("figures of {} are current\n", path.display()));
    }
    Ok(format!("{}\n{block}{}\n", figures::BEGIN, figures::END))
}
