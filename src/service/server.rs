//! The aggregator's gRPC endpoint: the signer services of the versions served, discovery,
//! health and reflection, behind the version layer.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use super::adapters::{DiscoveryAdapter, V1Adapter, V2Adapter};
use super::metadata::VersionLayer;
use super::state::AggregatorState;
use crate::discovery::pb::discovery_service_server::DiscoveryServiceServer;
use crate::wire::{DEFAULT_MAX_MESSAGE_BYTES, WireVersion, v1, v2};

/// Why the endpoint could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The transport failed.
    #[error("gRPC transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The reflection service could not be built from the embedded descriptors.
    #[error("gRPC reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

/// Serves the endpoint on `listener` until `shutdown` completes.
///
/// Every service limits decoded messages to [`DEFAULT_MAX_MESSAGE_BYTES`]; larger ones get
/// OUT_OF_RANGE (tonic's status for it), and the endpoint keeps serving.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AggregatorState>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    let v1 = state.served.contains(&WireVersion::V1).then(|| {
        v1::pb::signer_service_server::SignerServiceServer::new(V1Adapter {
            state: state.clone(),
        })
        .max_decoding_message_size(DEFAULT_MAX_MESSAGE_BYTES)
    });
    let v2 = state.served.contains(&WireVersion::V2).then(|| {
        v2::pb::signer_service_server::SignerServiceServer::new(V2Adapter {
            state: state.clone(),
        })
        .max_decoding_message_size(DEFAULT_MAX_MESSAGE_BYTES)
    });
    if v1.is_some() {
        health
            .set_serving::<v1::pb::signer_service_server::SignerServiceServer<V1Adapter>>()
            .await;
    }
    if v2.is_some() {
        health
            .set_serving::<v2::pb::signer_service_server::SignerServiceServer<V2Adapter>>()
            .await;
    }
    health
        .set_serving::<DiscoveryServiceServer<DiscoveryAdapter>>()
        .await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let discovery = DiscoveryServiceServer::new(DiscoveryAdapter {
        state: state.clone(),
    })
    .max_decoding_message_size(DEFAULT_MAX_MESSAGE_BYTES);

    Server::builder()
        .layer(VersionLayer::new(state))
        .add_service(discovery)
        .add_optional_service(v1)
        .add_optional_service(v2)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .serve_with_incoming_shutdown(
            // Small request-response messages: no Nagle delay on accepted connections.
            TcpListenerStream::new(listener)
                .map(|stream| stream.and_then(|stream| stream.set_nodelay(true).map(|()| stream))),
            shutdown,
        )
        .await?;
    Ok(())
}
