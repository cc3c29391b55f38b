//! The relay of the decentralized setup (feature `p2p`): libp2p gossipsub over TCP with noise and
//! yamux, as `mithril-relay` uses it.
//!
//! A relay carries envelopes ([`crate::wire::envelope`]) on [`ENVELOPE_TOPIC`] and, bridged,
//! today's `mithril-relay` payloads ([`crate::mithril::relay`]) on their three topics. Every
//! message is validated before gossipsub forwards it: a sound envelope is forwarded as the bytes
//! it came in, whatever version or kind it names, so a relay that reads only v1 forwards v2
//! envelopes byte for byte; a message that is not a sound envelope (or payload) is refused with
//! a reason and never forwarded. Messages are identified by the SHA-256 of their bytes, so the
//! same message published twice, by one peer or by two, is delivered once. A size limit applies
//! to every message ([`RelayConfig::max_message_bytes`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, MessageAuthenticity, TopicHash};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
pub use libp2p::{Multiaddr, PeerId};
use libp2p::{Swarm, SwarmBuilder, noise, tcp, yamux};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use crate::domain::{Epoch, NetworkMagic};
use crate::mithril::relay::BroadcastMessage;
use crate::mithril::relay::{
    GossipPayload, TOPIC_SIGNATURES_DMQ, TOPIC_SIGNATURES_HTTP, TOPIC_SIGNERS_HTTP,
};
use crate::wire::WireVersion;
use crate::wire::envelope::{
    Envelope, EnvelopeError, EnvelopeKind, PayloadEncoding, ReceivedEnvelope,
};

/// The topic envelopes travel on.
pub const ENVELOPE_TOPIC: &str = "mithril/envelopes/v1";
/// Today's `mithril-relay` topics, which a relay bridges when asked to.
pub const TODAY_TOPICS: [&str; 3] = [
    TOPIC_SIGNERS_HTTP,
    TOPIC_SIGNATURES_HTTP,
    TOPIC_SIGNATURES_DMQ,
];
/// The default size limit of a message: `mithril-relay`'s gossipsub `max_transmit_size`.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// How a relay runs.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// The address to listen on (`/ip4/127.0.0.1/tcp/0` picks a free port).
    pub listen: Multiaddr,
    /// Peers to dial at start.
    pub peers: Vec<Multiaddr>,
    /// The wire versions this relay's node reads (only what it reports as opened; it forwards
    /// every sound envelope).
    pub reads: Vec<WireVersion>,
    /// Whether to carry today's `mithril-relay` topics too.
    pub bridge_today: bool,
    /// Whether to translate between the two (with `bridge_today`): a payload of today's topics
    /// is also published as an envelope of its exact JSON, and an envelope of today's JSON as a
    /// payload of today's topics. Ids are content hashes, so each translation happens once.
    pub translate_today: bool,
    /// Largest message carried, in bytes.
    pub max_message_bytes: usize,
    /// The gossipsub heartbeat.
    pub heartbeat: Duration,
    /// The network the envelopes this relay makes from today's payloads name (today's payloads
    /// do not say; `NetworkMagic(0)` when unset).
    pub network: NetworkMagic,
}

impl RelayConfig {
    /// A relay listening on `listen`, reading every wire version this build speaks, bridging
    /// today's topics, with the default limits.
    pub fn new(listen: Multiaddr) -> Self {
        Self {
            listen,
            peers: Vec::new(),
            reads: WireVersion::ALL.to_vec(),
            bridge_today: true,
            translate_today: true,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            heartbeat: Duration::from_millis(200),
            network: NetworkMagic(0),
        }
    }
}

/// What a relay received.
#[derive(Clone, Debug)]
pub enum RelayEvent {
    /// A sound envelope: forwarded to the relay's peers.
    Envelope {
        /// The peer it came from.
        source: PeerId,
        /// The envelope, with the bytes it came in.
        received: ReceivedEnvelope,
        /// The wire version this relay's node reads it in, or why it cannot.
        readable: Result<WireVersion, String>,
    },
    /// A payload of today's relay topics: forwarded to the relay's peers.
    Today {
        /// The peer it came from.
        source: PeerId,
        /// Its topic.
        topic: String,
        /// The payload, with the bytes it came in.
        payload: GossipPayload,
    },
    /// A message refused: never forwarded.
    Refused {
        /// The peer it came from.
        source: PeerId,
        /// Its topic.
        topic: String,
        /// Why.
        reason: String,
    },
}

/// Why a relay could not start or publish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The transport could not be set up, or the address not listened on or dialled.
    #[error("relay transport: {0}")]
    Transport(String),
    /// What was to be published is not a sound envelope or payload.
    #[error("not published: {0}")]
    Invalid(String),
    /// Gossipsub refused to publish (no peer yet, too large, a duplicate, …).
    #[error("not published: {0}")]
    Publish(String),
    /// The relay has stopped.
    #[error("the relay has stopped")]
    Stopped,
}

/// Counters of a relay.
#[derive(Debug, Default)]
pub struct RelayStats {
    /// Sound messages received and forwarded.
    pub accepted: AtomicU64,
    /// Messages refused.
    pub refused: AtomicU64,
    /// Messages published by this relay.
    pub published: AtomicU64,
    /// Messages published again on the other side of the bridge between today's topics and
    /// the envelope topic.
    pub bridged: AtomicU64,
    /// Messages the bridge could not publish (no peer on that side, too large, full queues);
    /// one it had bridged already is not counted.
    pub bridge_failed: AtomicU64,
    /// Events dropped because nobody read the relay's event queue.
    pub events_dropped: AtomicU64,
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    gossipsub: gossipsub::Behaviour,
}

enum Command {
    Publish {
        topic: IdentTopic,
        data: Vec<u8>,
        reply: oneshot::Sender<Result<(), RelayError>>,
    },
    Dial(Multiaddr, oneshot::Sender<Result<(), RelayError>>),
    TopicPeers(oneshot::Sender<usize>),
}

/// A running relay.
pub struct Relay {
    peer_id: PeerId,
    address: Multiaddr,
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<RelayEvent>,
    stats: Arc<RelayStats>,
    max_message_bytes: usize,
    task: tokio::task::JoinHandle<()>,
}

fn transport(error: impl std::fmt::Display) -> RelayError {
    RelayError::Transport(error.to_string())
}

impl Relay {
    /// Starts a relay on the current Tokio runtime; returns once it listens.
    pub async fn start(config: RelayConfig) -> Result<Self, RelayError> {
        let max = config.max_message_bytes;
        let heartbeat = config.heartbeat;
        let mut swarm: Swarm<Behaviour> = SwarmBuilder::with_new_identity()
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(transport)?
            .with_behaviour(|key| {
                let gossipsub_config = gossipsub::ConfigBuilder::default()
                    .max_transmit_size(max + 1024)
                    .heartbeat_initial_delay(Duration::from_millis(50))
                    .heartbeat_interval(heartbeat)
                    // Small networks too: a mesh of one peer is a mesh.
                    .mesh_n(4)
                    .mesh_n_low(1)
                    .mesh_n_high(8)
                    .mesh_outbound_min(0)
                    .flood_publish(true)
                    .validation_mode(gossipsub::ValidationMode::Strict)
                    .validate_messages()
                    // One message, one id, whoever publishes it: duplicates are dropped.
                    .message_id_fn(|message: &gossipsub::Message| {
                        gossipsub::MessageId::from(Sha256::digest(&message.data).to_vec())
                    })
                    .build()
                    .map_err(|error| std::io::Error::other(error.to_string()))?;
                let gossipsub = gossipsub::Behaviour::new(
                    MessageAuthenticity::Signed(key.clone()),
                    gossipsub_config,
                )
                .map_err(std::io::Error::other)?;
                Ok(Behaviour { gossipsub })
            })
            .map_err(transport)?
            .with_swarm_config(|swarm| swarm.with_idle_connection_timeout(Duration::from_secs(60)))
            .build();
        let mut topics = vec![IdentTopic::new(ENVELOPE_TOPIC)];
        if config.bridge_today {
            topics.extend(TODAY_TOPICS.iter().map(|topic| IdentTopic::new(*topic)));
        }
        for topic in &topics {
            swarm
                .behaviour_mut()
                .gossipsub
                .subscribe(topic)
                .map_err(transport)?;
        }
        swarm.listen_on(config.listen.clone()).map_err(transport)?;
        let address = loop {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr { address, .. } => break address,
                SwarmEvent::ListenerError { error, .. } => return Err(transport(error)),
                _ => {}
            }
        };
        for peer in &config.peers {
            swarm.dial(peer.clone()).map_err(transport)?;
        }
        let peer_id = *swarm.local_peer_id();
        let (commands, command_receiver) = mpsc::channel(1024);
        let (event_sender, events) = mpsc::channel(16 * 1024);
        let stats = Arc::new(RelayStats::default());
        let task = tokio::spawn(run(
            swarm,
            config,
            command_receiver,
            event_sender,
            stats.clone(),
        ));
        Ok(Self {
            peer_id,
            address,
            commands,
            events,
            stats,
            max_message_bytes: max,
            task,
        })
    }

    /// The relay's peer id.
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The address it listens on, with its peer id (what another relay dials).
    pub fn address(&self) -> Multiaddr {
        self.address
            .clone()
            .with(libp2p::multiaddr::Protocol::P2p(self.peer_id))
    }

    /// The counters.
    pub fn stats(&self) -> &RelayStats {
        &self.stats
    }

    /// Dials a peer.
    pub async fn dial(&self, address: Multiaddr) -> Result<(), RelayError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Dial(address, reply))
            .await
            .map_err(|_| RelayError::Stopped)?;
        answer.await.map_err(|_| RelayError::Stopped)?
    }

    /// How many peers are subscribed to the envelope topic.
    pub async fn envelope_peers(&self) -> Result<usize, RelayError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::TopicPeers(reply))
            .await
            .map_err(|_| RelayError::Stopped)?;
        answer.await.map_err(|_| RelayError::Stopped)
    }

    /// Publishes an envelope's bytes (checked to be a sound envelope first).
    pub async fn publish_envelope(&self, bytes: Vec<u8>) -> Result<(), RelayError> {
        if bytes.len() > self.max_message_bytes {
            return Err(RelayError::Invalid(format!(
                "{} bytes exceed the relay's limit of {}",
                bytes.len(),
                self.max_message_bytes
            )));
        }
        ReceivedEnvelope::decode(Bytes::from(bytes.clone()))
            .map_err(|error| RelayError::Invalid(error.to_string()))?;
        self.publish(IdentTopic::new(ENVELOPE_TOPIC), bytes).await
    }

    /// Publishes a payload of today's relay on its topic (checked first).
    pub async fn publish_today(&self, bytes: Vec<u8>) -> Result<(), RelayError> {
        let payload = GossipPayload::decode(&bytes)
            .map_err(|error| RelayError::Invalid(error.to_string()))?;
        let topic = payload.message().topic().ok_or_else(|| {
            RelayError::Invalid(format!(
                "variant {} has no topic of today's relay",
                payload.message().variant()
            ))
        })?;
        self.publish(IdentTopic::new(topic), bytes).await
    }

    /// Publishes bytes on a topic without checking them, as a faulty or hostile peer would
    /// (feature `test-support`: for tests of what the other relays refuse).
    #[cfg(feature = "test-support")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-support")))]
    pub async fn publish_raw(&self, topic: &str, bytes: Vec<u8>) -> Result<(), RelayError> {
        self.publish(IdentTopic::new(topic), bytes).await
    }

    async fn publish(&self, topic: IdentTopic, data: Vec<u8>) -> Result<(), RelayError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Publish { topic, data, reply })
            .await
            .map_err(|_| RelayError::Stopped)?;
        answer.await.map_err(|_| RelayError::Stopped)?
    }

    /// The next event; `None` once the relay has stopped.
    pub async fn next_event(&mut self) -> Option<RelayEvent> {
        self.events.recv().await
    }

    /// An event already received, if any.
    pub fn try_next_event(&mut self) -> Option<RelayEvent> {
        self.events.try_recv().ok()
    }

    /// Stops the relay.
    pub fn stop(self) {
        self.task.abort();
    }
}

/// The envelope that carries a payload of today's relay topics: its variant's JSON, byte for
/// byte as the payload had it, in an envelope of encoding JSON (or a DMQ message's CBOR).
pub fn envelope_of_today(payload: &GossipPayload, network: NetworkMagic) -> Option<Envelope> {
    let json = hex::decode(payload.bytes()).ok()?;
    let tagged: std::collections::BTreeMap<&str, &serde_json::value::RawValue> =
        serde_json::from_slice(&json).ok()?;
    let inner = tagged.values().next()?.get().as_bytes();
    let (kind, encoding, payload_bytes, epoch) = match payload.message() {
        BroadcastMessage::RegisterSignerHttp(message) => (
            EnvelopeKind::SignerRegistration,
            PayloadEncoding::Json,
            inner.to_vec(),
            message.epoch,
        ),
        BroadcastMessage::RegisterSignatureHttp(message) => (
            EnvelopeKind::SingleSignature,
            PayloadEncoding::Json,
            inner.to_vec(),
            crate::wire::json::from_message::<crate::domain::SingleSignature>(
                message,
                &Default::default(),
            )
            .ok()
            .and_then(|signature| signature.signed_entity_type.epoch())
            .map_or(0, |epoch| epoch.0),
        ),
        BroadcastMessage::RegisterSignatureDmq(bytes) => (
            EnvelopeKind::SingleSignature,
            PayloadEncoding::DmqMessage,
            bytes.clone(),
            0,
        ),
        _ => return None,
    };
    Some(Envelope {
        wire_version: 0,
        kind,
        encoding,
        payload: Bytes::from(payload_bytes),
        node_info: None,
        network,
        epoch: Epoch(epoch),
    })
}

/// The payload of today's relay topics that carries an envelope of encoding JSON (or a DMQ
/// message): `mithril-relay`'s hex of `{"<variant>": <the envelope's payload>}`.
pub fn today_of_envelope(envelope: &Envelope) -> Option<(&'static str, Vec<u8>)> {
    let (variant, topic, inner) = match (envelope.kind, envelope.encoding) {
        (EnvelopeKind::SignerRegistration, PayloadEncoding::Json) => (
            "RegisterSignerHttp",
            TOPIC_SIGNERS_HTTP,
            std::str::from_utf8(&envelope.payload).ok()?.to_owned(),
        ),
        (EnvelopeKind::SingleSignature, PayloadEncoding::Json) => (
            "RegisterSignatureHttp",
            TOPIC_SIGNATURES_HTTP,
            std::str::from_utf8(&envelope.payload).ok()?.to_owned(),
        ),
        (EnvelopeKind::SingleSignature, PayloadEncoding::DmqMessage) => (
            "RegisterSignatureDmq",
            TOPIC_SIGNATURES_DMQ,
            serde_json::to_string(envelope.payload.as_ref()).ok()?,
        ),
        _ => return None,
    };
    let bytes = hex::encode(format!("{{\"{variant}\":{inner}}}")).into_bytes();
    // Only what reads back as the variant it claims.
    GossipPayload::decode(&bytes)
        .ok()
        .filter(|payload| payload.message().topic() == Some(topic))?;
    Some((topic, bytes))
}

/// What a message on `topic` is, and whether it is forwarded.
fn validate(
    topic: &TopicHash,
    topics: &[(TopicHash, &'static str)],
    data: &[u8],
    config: &RelayConfig,
    source: PeerId,
) -> (MessageAcceptance, RelayEvent) {
    let topic_name = topics
        .iter()
        .find(|(hash, _)| hash == topic)
        .map_or("unknown", |(_, name)| *name);
    let refused = |reason: String| {
        (
            MessageAcceptance::Reject,
            RelayEvent::Refused {
                source,
                topic: topic_name.to_owned(),
                reason,
            },
        )
    };
    if data.len() > config.max_message_bytes {
        return refused(format!(
            "{} bytes exceed the relay's limit of {}",
            data.len(),
            config.max_message_bytes
        ));
    }
    if topic_name == ENVELOPE_TOPIC {
        return match ReceivedEnvelope::decode(Bytes::copy_from_slice(data)) {
            Ok(received) => {
                let readable = received
                    .readable_version(&config.reads)
                    .map_err(|error: EnvelopeError| error.to_string());
                (
                    MessageAcceptance::Accept,
                    RelayEvent::Envelope {
                        source,
                        received,
                        readable,
                    },
                )
            }
            Err(error) => refused(error.to_string()),
        };
    }
    if topic_name == "unknown" {
        return refused("a topic this relay does not carry".into());
    }
    match GossipPayload::decode(data) {
        Ok(payload) if payload.message().topic() == Some(topic_name) => (
            MessageAcceptance::Accept,
            RelayEvent::Today {
                source,
                topic: topic_name.to_owned(),
                payload,
            },
        ),
        Ok(payload) => refused(format!(
            "a {} payload on topic {topic_name}",
            payload.message().variant()
        )),
        Err(error) => refused(error.to_string()),
    }
}

async fn run(
    mut swarm: Swarm<Behaviour>,
    config: RelayConfig,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<RelayEvent>,
    stats: Arc<RelayStats>,
) {
    let envelope_topic = IdentTopic::new(ENVELOPE_TOPIC).hash();
    // The hash of every topic carried, computed once.
    let topics: Vec<(TopicHash, &'static str)> = std::iter::once(ENVELOPE_TOPIC)
        .chain(TODAY_TOPICS)
        .map(|name| (IdentTopic::new(name).hash(), name))
        .collect();
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None => return,
                Some(Command::Publish { topic, data, reply }) => {
                    let result = swarm
                        .behaviour_mut()
                        .gossipsub
                        .publish(topic, data)
                        .map(|_| {
                            stats.published.fetch_add(1, Ordering::Relaxed);
                        })
                        .map_err(|error| RelayError::Publish(error.to_string()));
                    let _ = reply.send(result);
                }
                Some(Command::Dial(address, reply)) => {
                    let _ = reply.send(swarm.dial(address).map_err(transport));
                }
                Some(Command::TopicPeers(reply)) => {
                    let count = swarm
                        .behaviour()
                        .gossipsub
                        .all_peers()
                        .filter(|(_, topics)| topics.contains(&&envelope_topic))
                        .count();
                    let _ = reply.send(count);
                }
            },
            event = swarm.select_next_some() => {
                if let SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                    propagation_source,
                    message_id,
                    message,
                })) = event {
                    let (acceptance, event) =
                        validate(&message.topic, &topics, &message.data, &config, propagation_source);
                    match acceptance {
                        MessageAcceptance::Accept => stats.accepted.fetch_add(1, Ordering::Relaxed),
                        _ => stats.refused.fetch_add(1, Ordering::Relaxed),
                    };
                    swarm.behaviour_mut().gossipsub.report_message_validation_result(
                        &message_id,
                        &propagation_source,
                        acceptance,
                    );
                    if let RelayEvent::Refused { reason, .. } = &event {
                        tracing::debug!(peer = %propagation_source, %reason, "message refused");
                    }
                    if config.bridge_today && config.translate_today {
                        // The same message on the other side of the bridge. Ids are the
                        // content's hash, so what was bridged once is a duplicate after.
                        let bridged = match &event {
                            RelayEvent::Today { payload, .. } => {
                                envelope_of_today(payload, config.network).map(|envelope| {
                                    (IdentTopic::new(ENVELOPE_TOPIC), envelope.encode())
                                })
                            }
                            RelayEvent::Envelope { received, .. } => {
                                today_of_envelope(received.envelope())
                                    .map(|(topic, bytes)| (IdentTopic::new(topic), bytes))
                            }
                            RelayEvent::Refused { .. } => None,
                        };
                        if let Some((topic, bytes)) = bridged {
                            match swarm.behaviour_mut().gossipsub.publish(topic.clone(), bytes) {
                                Ok(_) => {
                                    stats.bridged.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(gossipsub::PublishError::Duplicate) => {}
                                Err(error) => {
                                    stats.bridge_failed.fetch_add(1, Ordering::Relaxed);
                                    tracing::debug!(topic = %topic, %error, "bridge failed");
                                }
                            }
                        }
                    }
                    // A full queue means nobody reads the events: drop them rather than stall.
                    if events.try_send(event).is_err() {
                        stats.events_dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

/// Forwarding what a relay receives to an aggregator's HTTP routes (features `p2p` and
/// `http-client`): the role of `mithril-relay`'s aggregator side, through the signer's HTTP
/// client, which negotiates the newest common version and sends each registration's
/// `signer-node-version` (today's relay re-posts with no headers at all).
#[cfg(feature = "http-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "http-client")))]
pub mod forward {
    use super::RelayEvent;
    use crate::domain::{SignerRegistration, SingleSignature};
    use crate::error::Segment;
    use crate::mithril::relay::BroadcastMessage;
    use crate::transport::http::Format;
    use crate::transport::http::client::HttpClient;
    use crate::transport::text::bounded;
    use crate::wire::json::JsonMessage;
    use crate::wire::json::{self, JsonHeaders};
    use crate::wire::{
        HubMessage, MAX_NAMED_UNDECLARED, UndeclaredField, WireVersion, undeclared_fields,
    };

    /// What became of one event.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Forwarded {
        /// Posted.
        Posted {
            /// The aggregator's outcome, as the client names it.
            outcome: String,
            /// What the post could not carry, by path: parts of the received message this
            /// build does not declare (a newer peer's fields or members), and parts the format
            /// negotiated with the aggregator has no place for. The gossip side forwarded the
            /// message whole.
            left_out: Vec<String>,
        },
        /// Not for the aggregator (a kind it is not sent, or a DMQ message, which reaches it
        /// through its DMQ node), or refused by the relay: gossip carries it on, nothing is
        /// posted.
        Skipped(String),
        /// The aggregator could not be reached, or refused the request.
        Failed(String),
    }

    /// What a post in `format` left out of a received message: its unknown JSON `members`, its
    /// `undeclared` protobuf fields (with the envelope's version) and what the format `dropped`.
    /// Unknown signed entity types are kept and written back in their own version: posted in
    /// it, they were carried. Each entry is peer text: escaped, bounded, and so many at most.
    pub(super) fn left_out_of(
        members: Vec<String>,
        undeclared: Option<(WireVersion, Vec<UndeclaredField>)>,
        format: Format,
        dropped: &[crate::FieldPath],
    ) -> Vec<String> {
        let mut left_out = members;
        if let Some((version, fields)) = undeclared {
            let kept = |field: &UndeclaredField| {
                format == Format::Protobuf(version)
                    && field
                        .within
                        .segments()
                        .contains(&Segment::Field("signed_entity_type"))
            };
            left_out.extend(
                fields
                    .iter()
                    .filter(|field| !kept(field))
                    .map(ToString::to_string),
            );
        }
        left_out.extend(dropped.iter().map(ToString::to_string));
        left_out
            .iter()
            .take(MAX_NAMED_UNDECLARED)
            .map(|text| bounded(&text.escape_debug().to_string(), 128))
            .collect()
    }

    /// Posts what a relay receives to an aggregator.
    pub struct HttpForwarder {
        client: HttpClient,
        reads: Vec<WireVersion>,
    }

    impl HttpForwarder {
        /// A forwarder through `client`, opening the envelopes of `reads`.
        pub fn new(client: HttpClient, reads: Vec<WireVersion>) -> Self {
            Self { client, reads }
        }

        /// Posts the registration or signature an event carries.
        pub async fn forward(&mut self, event: &RelayEvent) -> Forwarded {
            // What the received message carries that this build does not declare: a JSON
            // payload's unknown members, an envelope's undeclared fields (with its version).
            let mut left_out: Vec<String> = Vec::new();
            let mut undeclared: Option<(WireVersion, Vec<UndeclaredField>)> = None;
            let message = match event {
                RelayEvent::Envelope { received, .. } => match received.open(&self.reads) {
                    Ok(message) => {
                        if let (Ok(version), Some(kind)) = (
                            received.readable_version(&self.reads),
                            received.envelope().kind.message_kind(),
                        ) {
                            undeclared = Some((
                                version,
                                undeclared_fields(version, kind, &received.envelope().payload)
                                    .unwrap_or_default(),
                            ));
                        }
                        message
                    }
                    Err(error) => return Forwarded::Skipped(error.to_string()),
                },
                RelayEvent::Today { payload, .. } => match payload.message() {
                    BroadcastMessage::RegisterSignerHttp(message) => {
                        match json::from_message::<SignerRegistration>(
                            message,
                            &JsonHeaders::default(),
                        ) {
                            Ok(registration) => {
                                left_out.extend(message.unknown_fields());
                                HubMessage::SignerRegistration(registration)
                            }
                            Err(error) => return Forwarded::Skipped(error.to_string()),
                        }
                    }
                    BroadcastMessage::RegisterSignatureHttp(message) => {
                        match json::from_message::<SingleSignature>(
                            message,
                            &JsonHeaders::default(),
                        ) {
                            Ok(signature) => {
                                left_out.extend(message.unknown_fields());
                                HubMessage::SingleSignature(signature)
                            }
                            Err(error) => return Forwarded::Skipped(error.to_string()),
                        }
                    }
                    other => {
                        return Forwarded::Skipped(format!(
                            "a {} message is not posted",
                            other.variant()
                        ));
                    }
                },
                RelayEvent::Refused { reason, .. } => return Forwarded::Skipped(reason.clone()),
            };
            let result = match &message {
                HubMessage::SignerRegistration(registration) => self
                    .client
                    .register_signer(registration)
                    .await
                    .map(|sent| (sent.format, sent.dropped, format!("{:?}", sent.outcome))),
                HubMessage::SingleSignature(signature) => self
                    .client
                    .register_signature(signature)
                    .await
                    .map(|sent| (sent.format, sent.dropped, format!("{:?}", sent.outcome))),
                other => {
                    return Forwarded::Skipped(format!("{:?} is not posted", other.kind()));
                }
            };
            match result {
                Ok((format, dropped, outcome)) => Forwarded::Posted {
                    outcome: format!("{outcome} ({format:?})"),
                    left_out: left_out_of(left_out, undeclared, format, &dropped),
                },
                Err(error) => Forwarded::Failed(error.to_string()),
            }
        }
    }
}

#[cfg(all(test, feature = "http-client"))]
mod tests {
    use super::forward::left_out_of;
    use crate::FieldPath;
    use crate::transport::http::Format;
    use crate::wire::{MAX_NAMED_UNDECLARED, UndeclaredField, WireVersion};

    fn at(path: FieldPath, number: u32) -> UndeclaredField {
        UndeclaredField {
            within: path,
            number,
        }
    }

    #[test]
    fn a_post_leaves_out_what_it_cannot_carry_and_says_so_within_bounds() {
        let signature = FieldPath::field("single_signature");
        let undeclared = vec![
            at(signature.clone(), 99),
            at(signature.clone().then("signed_entity_type"), 12),
        ];
        // Posted in the envelope's own version, the unknown signed entity type travelled.
        let same = left_out_of(
            vec![],
            Some((WireVersion::V2, undeclared.clone())),
            Format::Protobuf(WireVersion::V2),
            &[],
        );
        assert_eq!(same, ["single_signature.#99"]);
        // In JSON, it did not; nor did a member, nor a dropped part.
        let json = left_out_of(
            vec!["register_signature.future".into()],
            Some((WireVersion::V2, undeclared)),
            Format::Json,
            &[FieldPath::field("register_signer").then("node_info")],
        );
        assert_eq!(
            json,
            [
                "register_signature.future",
                "single_signature.#99",
                "single_signature.signed_entity_type.#12",
                "register_signer.node_info"
            ]
        );
        // A peer's member names are escaped and bounded, and so many at most.
        let hostile: Vec<String> = (0..100)
            .map(|index| format!("register_signer.\u{1b}[31m{index}\n{}", "x".repeat(500)))
            .collect();
        let bounded = left_out_of(hostile, None, Format::Json, &[]);
        assert_eq!(bounded.len(), MAX_NAMED_UNDECLARED);
        assert!(
            bounded.iter().all(|entry| entry.len() <= 128),
            "{bounded:?}"
        );
        assert!(
            bounded
                .iter()
                .all(|entry| !entry.contains('\u{1b}') && !entry.contains('\n'))
        );
    }
}
