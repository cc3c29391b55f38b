//! Transports: thin adapters that carry the wire versions between nodes, each behind a feature.
//!
//! - [`grpc`] (feature `grpc`): the tonic endpoint (one service per wire version, discovery,
//!   health, reflection), the signer client, version metadata and the era policy at the door.

#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub mod grpc;
