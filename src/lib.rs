#![doc = include_str!("../README.md")]
//!
//! # Modules
//! - [`adoption`]: stake-weighted adoption tallies, the quorum model, readiness, the activation
//!   gate and reports.
//! - `demo` (feature `demo`): the rolling-upgrade demo with real STM signatures over gRPC.
//! - [`discovery`]: the frozen discovery handshake and the era history identifier.
//! - [`domain`]: the hub, the version-independent model every wire version converts to.
//! - [`era`]: eras, signed era markers, the schedule, the checker and per-era behaviour.
//! - `mithril` (feature `json`): Mithril's own formats byte for byte: the signed message, the
//!   era datum and its key files.
//! - [`wire`]: wire versions (`mithril.signer.v1`, …), their generated types and conversions.
//! - `service` (feature `server`): the gRPC endpoint, the signer client, version metadata and
//!   the era policy at the door.
//! - `simulate` (feature `demo`): the mainnet-size rollout simulation, quorum-aware gate
//!   against a flat 95% rule.
//! - [`samples`]: deterministic sample messages for tests, fixtures and demos.
//! - [`error`]: typed errors with field paths.
#![warn(missing_docs)]

pub mod adoption;
#[cfg(feature = "demo")]
pub mod demo;
pub mod discovery;
pub mod domain;
pub mod era;
pub mod error;
#[cfg(feature = "json")]
pub mod mithril;
pub mod samples;
#[cfg(feature = "server")]
pub mod service;
#[cfg(feature = "demo")]
pub mod simulate;
pub mod wire;

pub use error::{FieldPath, Segment, ValidationError, Violation, WireError};

/// The file descriptor set of every compiled wire package (for gRPC reflection and tooling).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/mithril_compat_descriptor.bin"));
