#![doc = include_str!("../README.md")]
//!
//! # Modules
//! - [`domain`]: the hub, the version-independent model every wire version converts to. It
//!   knows no wire format.
//! - [`wire`]: the registry of wire versions and every per-version decision
//!   ([`wire::WireVersion`]), the protobuf packages (`mithril.signer.v1`, …) and their
//!   conversions, the JSON bodies of today's API (feature `json`), the frozen discovery handshake,
//!   the frozen envelope of the decentralized paths, and the lossless relay.
//! - [`era`]: eras, signed era markers, the schedule, the checker and per-era behaviour.
//! - `mithril` (feature `json`): Mithril's own formats byte for byte: the signed message, the
//!   era datum and its key files; with feature `publish`, the unsigned transaction that
//!   publishes a datum at the marker address; with feature `dmq`, DMQ signature bodies of every
//!   release; `mithril-relay`'s gossip payload.
//! - `release` (feature `json`): signed release manifests and key rotations, their verifier
//!   (TUF's rules: rotation, replay, rollback, expiry) and the node's opt-in upgrade policy.
//! - `cardano` (feature `kes`): pool keys as Mithril reads them: operational certificates, KES
//!   signatures, pool ids, the certification of registrations and the pool's signature of its
//!   node info.
//! - [`adoption`]: stake-weighted adoption tallies by each declared version and by provenance
//!   (verified, unverified, header-only), the quorum model, readiness proven by shadow
//!   signatures (verified and aggregated with feature `stm`), the activation gate and reports
//!   (Prometheus exposition with feature `metrics`; the release team's dashboard, an HTML page
//!   with its routes, with feature `dashboard`).
//! - [`transport`]: the aggregator side both transports share (backend, state, era policy), the
//!   gRPC endpoint and client (feature `grpc`), and today's HTTP routes with protobuf by content
//!   negotiation: extractors, router, warp filters, the signer's client and the migration proxy
//!   (features `http`, `warp`, `http-client`, `proxy`); the relay of the decentralized setup
//!   (feature `p2p`) and DMQ publishing and receiving (feature `dmq`).
//! - `samples` (feature `test-support`): deterministic sample messages for tests and fixtures.
//! - [`error`]: typed errors with field paths.
//!
//! The command-line tool, the rolling-upgrade demo and the rollout simulation are applications
//! built on this library, in the workspace's `mithril-compat-cli` crate.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod adoption;
#[cfg(feature = "kes")]
#[cfg_attr(docsrs, doc(cfg(feature = "kes")))]
pub mod cardano;
pub mod domain;
pub mod era;
pub mod error;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub mod mithril;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub mod release;
#[cfg(feature = "test-support")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-support")))]
pub mod samples;
pub mod transport;
pub mod wire;

pub use error::{FieldPath, Segment, ValidationError, Violation, WireError};

/// The file descriptor set of every compiled wire package (for gRPC reflection and tooling).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/mithril_compat_descriptor.bin"));
