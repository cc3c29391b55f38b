//! Mithril's own formats, byte for byte (feature `json`).
//!
//! What every deployed Mithril node reads and writes, reproduced so that a node using this library
//! interoperates with them; each file cites the upstream file its format comes from, and golden
//! vectors made with `mithril-common` 0.8.3 pin the bytes (`tests/vectors/upstream/`, regenerated
//! by `tools/upstream-vectors/`).
//!
//! - [`signed_message`]: the message signers sign, from a [`crate::domain::ProtocolMessage`]
//!   (legacy and rigid hash schemes), and its JSON forms.
//! - [`snark_avk`]: the next SNARK aggregate verification key's projection into the rigid
//!   preimage.
//! - [`era_datum`]: era markers as Mithril publishes them on chain (payload, datum, key files),
//!   the reader that selects as Mithril's does, and our envelope for stronger readers.
//! - [`protocol_config`]: protocol-configuration markers (the parameters and signed entity
//!   types of each epoch, on chain), read and written.
//! - `certificate` (feature `certificate`): certificates as the aggregator serves them, their
//!   hash as Mithril computes it, and a chain verifier naming the first broken link.
//! - `plutus` (feature `pallas`): the era datum as raw Plutus data CBOR.
//! - `dmq` (feature `dmq`): the body of DMQ signature messages, with the variant table of each
//!   release that sends them.
//! - [`relay`]: the gossip payload of `mithril-relay` (hex of the JSON of a broadcast message),
//!   read without losing a byte.
//! - `publish` (feature `publish`): the unsigned transaction that publishes a datum at the
//!   marker address, built with pallas's transaction builder for cardano-cli to sign.
//! - `upstream` (feature `mithril-common`): `From`/`TryFrom` between the hub and
//!   `mithril-common` 0.8's own message types.

#[cfg(feature = "certificate")]
#[cfg_attr(docsrs, doc(cfg(feature = "certificate")))]
pub mod certificate;
#[cfg(feature = "dmq")]
#[cfg_attr(docsrs, doc(cfg(feature = "dmq")))]
pub mod dmq;
pub mod era_datum;
#[cfg(feature = "pallas")]
#[cfg_attr(docsrs, doc(cfg(feature = "pallas")))]
pub mod plutus;
pub mod protocol_config;
#[cfg(feature = "publish")]
#[cfg_attr(docsrs, doc(cfg(feature = "publish")))]
pub mod publish;
pub mod relay;
pub mod signed_message;
pub mod snark_avk;
#[cfg(feature = "mithril-common")]
#[cfg_attr(docsrs, doc(cfg(feature = "mithril-common")))]
pub mod upstream;
