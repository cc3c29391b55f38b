//! `mithril-compat relay`: a relay of the decentralized setup (feature `p2p` of this crate): it
//! gossips envelopes and today's relay payloads with its peers, forwards what it cannot read byte
//! for byte, and with `--aggregator` posts what it can read to an aggregator's HTTP routes.

use clap::Args;
use mithril_compat::transport::http::client::HttpClient;
use mithril_compat::transport::p2p::forward::{Forwarded, HttpForwarder};
use mithril_compat::transport::p2p::{Multiaddr, Relay, RelayConfig, RelayEvent};
use mithril_compat::wire::WireVersion;

/// Arguments of `relay`.
#[derive(Args)]
pub struct RelayArgs {
    /// The address to listen on (`/ip4/127.0.0.1/tcp/0` picks a free port; the address to
    /// dial, with the peer id, is printed).
    #[arg(long, default_value = "/ip4/0.0.0.0/tcp/0")]
    listen: Multiaddr,
    /// A peer to dial (repeat for each).
    #[arg(long = "peer")]
    peers: Vec<Multiaddr>,
    /// Posts what the relay can read to this aggregator (`http://host:port/aggregator`).
    #[arg(long)]
    aggregator: Option<String>,
    /// The wire versions this relay reads, by number (repeat; default every one this build
    /// speaks). It forwards every sound envelope whatever it reads.
    #[arg(long = "reads")]
    reads: Vec<u32>,
    /// Carries envelopes only, not today's `mithril-relay` topics.
    #[arg(long)]
    no_bridge: bool,
    /// The largest message carried, in bytes.
    #[arg(long, default_value_t = mithril_compat::transport::p2p::DEFAULT_MAX_MESSAGE_BYTES)]
    max_message_bytes: usize,
}

/// A relay command's failure.
#[derive(Debug, thiserror::Error)]
pub enum RelayCliError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Relay(#[from] mithril_compat::transport::p2p::RelayError),
}

fn describe(event: &RelayEvent) -> String {
    match event {
        RelayEvent::Envelope {
            source,
            received,
            readable,
        } => {
            let envelope = received.envelope();
            let readable = match readable {
                Ok(version) => format!("read as {}", version.name()),
                Err(reason) => format!("not read here ({reason})"),
            };
            format!(
                "envelope {:?} wire {} epoch {} ({} bytes) from {source}: forwarded; {readable}",
                envelope.kind,
                envelope.wire_version,
                envelope.epoch,
                received.bytes().len()
            )
        }
        RelayEvent::Today {
            source,
            topic,
            payload,
        } => format!(
            "{topic}: {} ({} bytes) from {source}: forwarded",
            payload.message().variant(),
            payload.bytes().len()
        ),
        RelayEvent::Refused {
            source,
            topic,
            reason,
        } => format!("{topic}: refused from {source}: {reason}"),
    }
}

/// Runs the relay until interrupted.
pub fn run(args: RelayArgs) -> Result<(), RelayCliError> {
    let reads = if args.reads.is_empty() {
        WireVersion::ALL.to_vec()
    } else {
        args.reads
            .iter()
            .map(|number| {
                WireVersion::ALL
                    .iter()
                    .copied()
                    .find(|version| version.number() == *number)
                    .ok_or_else(|| {
                        RelayCliError::Setup(format!(
                            "wire version {number} is not one of this build"
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| RelayCliError::Setup(error.to_string()))?;
    runtime.block_on(async move {
        let mut config = RelayConfig::new(args.listen);
        config.peers = args.peers;
        config.reads = reads.clone();
        config.bridge_today = !args.no_bridge;
        config.max_message_bytes = args.max_message_bytes;
        let mut relay = Relay::start(config).await?;
        println!("relay listening on {}", relay.address());
        let mut forwarder = match &args.aggregator {
            Some(url) => {
                let mut client = HttpClient::builder(url)
                    .build()
                    .map_err(|error| RelayCliError::Setup(error.to_string()))?;
                if let Err(error) = client.discover().await {
                    println!("aggregator {url}: {error}; sending JSON until it answers");
                }
                Some(HttpForwarder::new(client, reads))
            }
            None => None,
        };
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                event = relay.next_event() => {
                    let Some(event) = event else { break };
                    let mut line = describe(&event);
                    if let Some(forwarder) = &mut forwarder {
                        match forwarder.forward(&event).await {
                            Forwarded::Posted { outcome, left_out } => {
                                line.push_str(&format!("; posted: {outcome}"));
                                if !left_out.is_empty() {
                                    line.push_str(&format!(" (left out: {})", left_out.join(", ")));
                                }
                            }
                            Forwarded::Skipped(_) => {}
                            Forwarded::Failed(error) => line.push_str(&format!("; not posted: {error}")),
                        }
                    }
                    println!("{line}");
                }
            }
        }
        relay.stop();
        Ok(())
    })
}
