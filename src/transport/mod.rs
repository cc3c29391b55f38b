//! Transports: thin adapters that carry the wire versions between nodes, each behind a feature.
//!
//! - [`aggregator`] (feature `grpc` or `http`): what the transports share on the aggregator's
//!   side: the backend a node crate implements, the state and the era policy at the door.
//! - [`grpc`] (feature `grpc`): the tonic endpoint (one service per wire version, discovery,
//!   health, reflection), the signer client, version metadata and the era policy at the door.
//! - [`http`] (feature `http`): today's routes, JSON as today and protobuf by content
//!   negotiation; a codec layer for a node's own handlers, a standalone router, the signer's
//!   client (`http-client`) and the migration proxy (`proxy`).
//! - `p2p` (feature `p2p`): the relay of the decentralized setup (libp2p gossipsub), carrying
//!   envelopes and today's relay topics, and forwarding to an aggregator.
//! - `dmq` (feature `dmq`, Unix): publishing and receiving DMQ messages through a DMQ node.

#[cfg(any(feature = "grpc", feature = "http"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "grpc", feature = "http"))))]
pub mod aggregator;
#[cfg(all(feature = "dmq", unix))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "dmq", unix))))]
pub mod dmq;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub mod grpc;
#[cfg(any(feature = "http", feature = "http-client"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "http", feature = "http-client"))))]
pub mod http;
#[cfg(feature = "p2p")]
#[cfg_attr(docsrs, doc(cfg(feature = "p2p")))]
pub mod p2p;
#[cfg(any(feature = "grpc", feature = "http", feature = "http-client"))]
mod text;
