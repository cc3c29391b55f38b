//! HTTP transport on today's routes (feature `http`; the signer's client alone with
//! `http-client`): the signer routes of Mithril's aggregator,
//! answering today's JSON exactly and protobuf v1 or v2 by content negotiation.
//!
//! Every Mithril node speaks HTTP today: the aggregator serves its routes with warp under
//! `/aggregator`, the signer calls them with reqwest. A node adopts protobuf here one signer at a
//! time, on the routes it already runs, while JSON is still answered for everyone else.
//!
//! - [`media`]: the convention (`application/x-protobuf; proto=mithril.signer.v2.SignerRegistration`),
//!   415 and 406.
//! - [`body`]: bodies in the negotiated format, the limits, and the error answers (today's JSON
//!   error bodies, or a `google.rpc.Status`).
//! - Shape 1, a codec layer around a node's *own* handlers: the axum extractors [`Negotiated`]
//!   and [`Accepts`] and the responder [`Reply`]; the warp filters of [`warp`] (feature `warp`).
//! - Shape 2, a standalone axum [`router`] with the five signer routes under a base path, over the
//!   [`AggregatorState`](crate::transport::aggregator::AggregatorState) the gRPC endpoint shares.
//! - [`client`] (feature `http-client`): the signer's client, negotiating the version.
//! - [`proxy`] (feature `proxy`): the migration proxy between JSON and protobuf nodes.

#[cfg(feature = "http")]
mod axum;
pub mod body;
#[cfg(feature = "http-client")]
#[cfg_attr(docsrs, doc(cfg(feature = "http-client")))]
pub mod client;
#[cfg(feature = "http")]
mod error;
pub mod media;
#[cfg(feature = "http")]
mod negotiate;
#[cfg(feature = "proxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
pub mod proxy;
#[cfg(feature = "http")]
mod server;
#[cfg(feature = "warp")]
#[cfg_attr(docsrs, doc(cfg(feature = "warp")))]
pub mod warp;

#[cfg(feature = "http")]
pub use body::HttpError;
pub use body::{HttpLimits, MAX_BODY_BYTES};
pub use media::{Format, MediaError, Offer};
#[cfg(feature = "http")]
pub use negotiate::{Accepts, Codec, Negotiated, Reply, declared_eras, read_body};
#[cfg(feature = "http")]
pub use server::{HttpConfig, router, serve};

/// Request header: the eras a signer supports, comma-separated (as over gRPC).
pub const SUPPORTED_ERAS: &str = "mithril-supported-eras";
/// Response header: the era in force at the aggregator (as over gRPC).
pub const CURRENT_ERA: &str = "mithril-current-era";
/// Response header: a warning for the signer's operator (an era it must upgrade for).
pub const ERA_WARNING: &str = "mithril-era-warning";
