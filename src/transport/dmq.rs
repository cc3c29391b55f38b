//! DMQ as a transport (feature `dmq`, Unix): publishing through a DMQ node's local message
//! submission protocol and receiving through its local message notification protocol, with
//! pallas-network's clients, as Mithril's signer and aggregator do (`internal/mithril-dmq`).
//!
//! - [`DmqPublisher`] submits a message and reports the node's refusal with its reason; a broken
//!   connection is dropped and made again on the next call.
//! - [`DmqConsumer`] asks the node for messages, checks each one (id, expiry, operational
//!   certificate, KES signature: [`crate::mithril::dmq::verify_message`]) and reports the ones it
//!   refuses one by one, never losing the others; a message it already received (a DMQ node sends
//!   its queue again after a reconnection) is dropped once, by id, until it expires. The ids it
//!   remembers are bounded ([`DEFAULT_SEEN_CAPACITY`]): a node sending more distinct messages
//!   than that before they expire (each one still signed by a pool's keys) makes the consumer
//!   forget the oldest first, so a message resent after that is delivered again rather than
//!   memory growing without end. Aggregators keep a signature once anyway.
//!
//! Both are cancel-safe: a call dropped while it waits (under `tokio::time::timeout`, say)
//! leaves the connection usable. The consumer's next call waits for the reply its request
//! already asked for; the publisher's next call, not knowing what became of the message it
//! was submitting, connects again.
//! - [`DmqThenHttp`] (with `http-client`) publishes as Mithril's signer does while DMQ ramps up:
//!   DMQ first, then the same signature over HTTP after a delay; the aggregator keeps a signature
//!   once (by party, signed entity and message), so the second arrival counts for nothing.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

/// The pallas-network crate this module is built on, for node crates that run a DMQ node of
/// their own or test against one (its `facades::DmqServer`).
pub use pallas_network;

use pallas_network::facades::DmqClient;
use pallas_network::miniprotocols::localmsgnotification::State as NotificationState;
use pallas_network::miniprotocols::localtxsubmission::{Response, State as SubmissionState};

use crate::domain::NetworkMagic;
use crate::mithril::dmq::{DmqMessageError, DmqMsg, VerifiedDmqMessage, verify_message};

/// The DMQ network magic of a Cardano network (`internal/mithril-dmq/src/model/network.rs`):
/// DMQ nodes use magics of their own.
pub fn dmq_magic(network: NetworkMagic) -> Option<u64> {
    match network {
        NetworkMagic::MAINNET => Some(2_912_307_721),
        NetworkMagic::PREPROD => Some(2_147_483_649),
        NetworkMagic::PREVIEW => Some(2_147_483_650),
        _ => None,
    }
}

/// Why a DMQ exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DmqTransportError {
    /// The node could not be reached, or the exchange broke.
    #[error("DMQ node {path}: {reason}")]
    Connection {
        /// The node's socket.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The node refused the message.
    #[error("the DMQ node refused the message: {0}")]
    Rejected(String),
}

async fn connect(path: &Path, magic: u64) -> Result<DmqClient, DmqTransportError> {
    DmqClient::connect(path, magic)
        .await
        .map_err(|error| DmqTransportError::Connection {
            path: path.to_owned(),
            reason: error.to_string(),
        })
}

/// Publishes messages through a DMQ node.
pub struct DmqPublisher {
    path: PathBuf,
    magic: u64,
    client: tokio::sync::Mutex<Option<DmqClient>>,
}

impl DmqPublisher {
    /// A publisher to the node at `socket`, on the DMQ network `magic` ([`dmq_magic`]).
    pub fn new(socket: impl AsRef<Path>, magic: u64) -> Self {
        Self {
            path: socket.as_ref().to_owned(),
            magic,
            client: tokio::sync::Mutex::new(None),
        }
    }

    /// Submits a message; the node's refusal is an error with its reason.
    pub async fn publish(&self, message: &DmqMsg) -> Result<(), DmqTransportError> {
        let mut client = self.client.lock().await;
        // A call dropped after submitting left the exchange waiting for the node's answer to a
        // message whose fate is unknown: start afresh.
        if client
            .as_mut()
            .is_some_and(|connection| *connection.msg_submission().state() != SubmissionState::Idle)
            && let Some(stale) = client.take()
        {
            stale.abort().await;
        }
        if client.is_none() {
            *client = Some(connect(&self.path, self.magic).await?);
        }
        let connection = client.as_mut().expect("connected above");
        match connection.msg_submission().submit_tx(message.clone()).await {
            Ok(Response::Accepted) => Ok(()),
            Ok(Response::Rejected(reason)) => Err(DmqTransportError::Rejected(reason.to_string())),
            Err(error) => {
                // The exchange broke: the next call connects again.
                if let Some(broken) = client.take() {
                    broken.abort().await;
                }
                Err(DmqTransportError::Connection {
                    path: self.path.clone(),
                    reason: error.to_string(),
                })
            }
        }
    }
}

/// What the consumer made of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// A message that verified.
    Message(VerifiedDmqMessage),
    /// A message refused, with its id as sent and the reason.
    Refused {
        /// Its id (hex), as the message carried it.
        id: String,
        /// Why.
        reason: DmqMessageError,
    },
}

/// How many message ids a [`DmqConsumer`] remembers by default: about 10 MB at most, and far
/// more than the messages a whole network's signers send within a message's lifetime.
pub const DEFAULT_SEEN_CAPACITY: usize = 100_000;

/// Receives messages from a DMQ node.
pub struct DmqConsumer {
    path: PathBuf,
    magic: u64,
    client: Option<DmqClient>,
    /// Ids received, with their expiry: a message sent again is dropped.
    seen: HashMap<[u8; 32], u32>,
    /// The same ids, oldest first: the first forgotten when `seen` is full.
    arrival: VecDeque<[u8; 32]>,
    capacity: usize,
    duplicates: u64,
    forgotten_early: u64,
}

impl DmqConsumer {
    /// A consumer of the node at `socket`, on the DMQ network `magic`, remembering up to
    /// [`DEFAULT_SEEN_CAPACITY`] ids.
    pub fn new(socket: impl AsRef<Path>, magic: u64) -> Self {
        Self {
            path: socket.as_ref().to_owned(),
            magic,
            client: None,
            seen: HashMap::new(),
            arrival: VecDeque::new(),
            capacity: DEFAULT_SEEN_CAPACITY,
            duplicates: 0,
            forgotten_early: 0,
        }
    }

    /// Remembers up to `capacity` ids (at least one) instead of [`DEFAULT_SEEN_CAPACITY`].
    pub fn with_seen_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Messages dropped because they were received before.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Ids forgotten before their message expired, to make room for newer ones: non-zero means
    /// a message sent again may have been delivered twice.
    pub fn forgotten_early(&self) -> u64 {
        self.forgotten_early
    }

    /// Ids remembered now.
    pub fn remembered(&self) -> usize {
        self.seen.len()
    }

    /// Remembers `id` until `expires_at`; false if it was remembered already.
    fn remember(&mut self, id: [u8; 32], expires_at: u32) -> bool {
        if self.seen.contains_key(&id) {
            return false;
        }
        while self.seen.len() >= self.capacity {
            let Some(oldest) = self.arrival.pop_front() else {
                break;
            };
            if self.seen.remove(&oldest).is_some() {
                self.forgotten_early += 1;
            }
        }
        self.seen.insert(id, expires_at);
        self.arrival.push_back(id);
        true
    }

    /// Waits for the node's next messages and checks each one at `now` (Unix seconds).
    ///
    /// Cancel-safe: dropped while it waits, the next call waits for the same reply.
    pub async fn receive(&mut self, now: u64) -> Result<Vec<Received>, DmqTransportError> {
        if self.client.is_none() {
            self.client = Some(connect(&self.path, self.magic).await?);
        }
        let client = self.client.as_mut().expect("connected above");
        let reply = async {
            // A call dropped after asking already has its request with the node.
            if *client.msg_notification().state() == NotificationState::Idle {
                client
                    .msg_notification()
                    .send_request_messages_blocking()
                    .await?;
            }
            client.msg_notification().recv_next_reply().await
        }
        .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) => {
                if let Some(broken) = self.client.take() {
                    broken.abort().await;
                }
                return Err(DmqTransportError::Connection {
                    path: self.path.clone(),
                    reason: error.to_string(),
                });
            }
        };
        // Forget what has expired: it can no longer be accepted anyway.
        self.seen
            .retain(|_, expires_at| u64::from(*expires_at) >= now);
        if self.arrival.len() > self.seen.len() {
            let seen = &self.seen;
            self.arrival.retain(|id| seen.contains_key(id));
        }
        let mut received = Vec::with_capacity(reply.0.len());
        for message in reply.0 {
            match verify_message(&message, now) {
                Ok(verified) => {
                    if !self.remember(verified.id, verified.expires_at) {
                        self.duplicates += 1;
                        continue;
                    }
                    received.push(Received::Message(verified));
                }
                Err(reason) => received.push(Received::Refused {
                    id: hex::encode(&message.msg_id),
                    reason,
                }),
            }
        }
        Ok(received)
    }
}

/// Publishing as Mithril's signer does while DMQ ramps up: DMQ first, then HTTP after a delay
/// (features `dmq` and `http-client`).
#[cfg(feature = "http-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "http-client")))]
pub struct DmqThenHttp {
    dmq: DmqPublisher,
    http: tokio::sync::Mutex<crate::transport::http::client::HttpClient>,
    delay: std::time::Duration,
}

/// What each path of [`DmqThenHttp::publish`] did.
#[cfg(feature = "http-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "http-client")))]
#[derive(Debug)]
pub struct Published {
    /// The DMQ submission.
    pub dmq: Result<(), DmqTransportError>,
    /// The HTTP post, with the aggregator's outcome.
    pub http: Result<String, crate::transport::http::client::ClientError>,
}

#[cfg(feature = "http-client")]
impl DmqThenHttp {
    /// Publishes through `dmq`, then through `http` after `delay` (Mithril's example
    /// configuration waits 10 s).
    pub fn new(
        dmq: DmqPublisher,
        http: crate::transport::http::client::HttpClient,
        delay: std::time::Duration,
    ) -> Self {
        Self {
            dmq,
            http: tokio::sync::Mutex::new(http),
            delay,
        }
    }

    /// Publishes one signature: `message` (its DMQ message) to the DMQ node, then `signature`
    /// over HTTP whatever became of the first; a failed DMQ submission is reported, not fatal.
    pub async fn publish(
        &self,
        signature: &crate::domain::SingleSignature,
        message: &DmqMsg,
    ) -> Published {
        let dmq = self.dmq.publish(message).await;
        tokio::time::sleep(self.delay).await;
        let http = self
            .http
            .lock()
            .await
            .register_signature(signature)
            .await
            .map(|sent| format!("{:?}", sent.outcome));
        Published { dmq, http }
    }
}
