//! gRPC transport (feature `grpc`): the aggregator's endpoint with the v1 and v2 signer
//! services side by side, discovery, health and reflection; the signer's client with version
//! negotiation; version metadata; and the era policy at the door.
//!
//! - [`SignerBackend`]: what the node crate implements (in hub types); [`InMemoryBackend`] for
//!   tests and demos, feeding an adoption monitor.
//! - [`AggregatorState`]: the backend, the versions served and the era schedule, shared by
//!   every adapter; [`serve`] runs the endpoint.
//! - The era policy: a call of a wire version the current era no longer accepts, or from a signer
//!   that does not support the current era, gets FAILED_PRECONDITION with a message for the
//!   operator and structured details; before the switch, responses carry a warning
//!   ([`metadata::ERA_WARNING`]). Messages that do not convert get INVALID_ARGUMENT with the
//!   field path.
//! - [`SignerClient`]: asks discovery, negotiates the highest common wire version (v1 when the
//!   aggregator has no discovery), sends the version metadata and reads warnings.
//!
//! Cost. A unary call costs several times the CPU of an HTTP/1.1 request, most of it in the
//! HTTP/2 transport: send signatures in batches ([`SignerClient::register_signatures`]) or on
//! one stream ([`SignerClient::stream_signatures`]). A node whose build turns on tracing's `log`
//! feature (axum's default `tower-log` does) should install a tracing subscriber: without one,
//! every span of the transport goes through tracing's fallback to `log`, about a fifth more
//! instructions per call.

mod admission;
mod client;
pub mod codec;
mod common;
mod discovery;
pub mod limits;
pub mod metadata;
mod server;
mod v1;
mod v2;

// The backend, the state and the era policy are shared with the HTTP transport; they are named
// here too, where the gRPC endpoint's users find them.
pub use crate::transport::aggregator::{
    AggregatorState, BackendError, DEFAULT_RETENTION_EPOCHS, EraView, InMemoryBackend,
    SignerBackend,
};
pub use client::{BatchReply, ClientError, Discovered, Reply, SignerClient};
pub use discovery::DiscoveryAdapter;
pub use limits::ServerLimits;
pub use metadata::{MetadataError, SignerIdentity, VersionLayer};
pub use server::{ServeError, serve};
pub use v1::V1Adapter;
pub use v2::V2Adapter;

/// Mounts the service of `version` on `routes` and reports it serving: the gRPC transport's
/// per-version decision, an exhaustive `match` like the registry's.
async fn mount(
    version: crate::wire::WireVersion,
    state: &std::sync::Arc<AggregatorState>,
    routes: &mut tonic::service::RoutesBuilder,
    health: &tonic_health::server::HealthReporter,
) {
    use crate::wire::WireVersion;
    match version {
        WireVersion::V1 => v1::mount(state, routes, health).await,
        WireVersion::V2 => v2::mount(state, routes, health).await,
    }
}

/// The client calls of `version`: the gRPC transport's other per-version decision.
fn calls(version: crate::wire::WireVersion) -> &'static dyn client::VersionCalls {
    use crate::wire::WireVersion;
    match version {
        WireVersion::V1 => &v1::Calls,
        WireVersion::V2 => &v2::Calls,
    }
}
