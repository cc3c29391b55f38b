//! The aggregator's gRPC endpoint: the signer services of the versions served, discovery,
//! health and reflection, behind the version layer.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, Sleep};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Server;
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::discovery::DiscoveryAdapter;
use super::limits::{ServerLimits, set_max_fields_per_message};
use super::metadata::VersionLayer;
use crate::transport::aggregator::AggregatorState;
use crate::wire::WireVersion;
use crate::wire::discovery::pb::discovery_service_server::DiscoveryServiceServer;

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

/// Serves the endpoint on `listener` until `shutdown` completes, within the state's
/// [`ServerLimits`]:
/// - every service limits decoded requests to `max_request_bytes` (larger ones get OUT_OF_RANGE,
///   tonic's status for it) and to `max_batch_entries` entries, counted before decoding
///   (RESOURCE_EXHAUSTED);
/// - at most `max_connections` connections are served at once, at most
///   `max_connections_per_peer` from one IP address, each closed after `idle_timeout` without a
///   byte from the peer, with at most `max_concurrent_streams` calls;
/// - when the system refuses connections (no file descriptors left), the accept loop backs off
///   up to `max_accept_backoff` instead of spinning.
///
/// The endpoint keeps serving other peers whatever one peer sends.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AggregatorState>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let limits = state.limits.clone();
    set_max_fields_per_message(limits.max_batch_entries);
    let (health, health_service) = tonic_health::server::health_reporter();
    // Every version this aggregator serves, from the registry's list.
    let mut routes = tonic::service::RoutesBuilder::default();
    for version in WireVersion::ALL {
        if state.served.contains(version) {
            super::mount(*version, &state, &mut routes, &health).await;
        }
    }
    health
        .set_serving::<DiscoveryServiceServer<DiscoveryAdapter>>()
        .await;
    // Reflection lists every service this endpoint serves, health included (so that
    // `grpcurl list` and `grpcurl … grpc.health.v1.Health/Check` find it), in both its versions.
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let discovery = DiscoveryServiceServer::new(DiscoveryAdapter {
        state: state.clone(),
    })
    .max_decoding_message_size(limits.max_request_bytes);

    Server::builder()
        .max_concurrent_streams(Some(limits.max_concurrent_streams))
        .layer(VersionLayer::new(state))
        .add_routes(routes.routes())
        .add_service(discovery)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .serve_with_incoming_shutdown(incoming(listener, &limits), shutdown)
        .await?;
    Ok(())
}

/// Accepted connections, at most `max_connections` at once, each closed when idle; the accept
/// loop waits for a connection to close when at the cap, and backs off when accepting fails.
fn incoming(
    listener: TcpListener,
    limits: &ServerLimits,
) -> ReceiverStream<io::Result<IdleTimeout>> {
    let (sender, receiver) = mpsc::channel(16);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let peers = PeerCounts::new(limits.max_connections_per_peer);
    let (idle_timeout, max_backoff) = (limits.idle_timeout, limits.max_accept_backoff);
    tokio::spawn(async move {
        let first_backoff = Duration::from_millis(5);
        let mut backoff = first_backoff;
        loop {
            let permit = tokio::select! {
                permit = permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return,
                },
                () = sender.closed() => return,
            };
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = sender.closed() => return,
            };
            match accepted {
                Ok((stream, address)) => {
                    backoff = first_backoff;
                    // One host may not take every place: past its share, closed at once.
                    let Some(peer) = peers.enter(address.ip()) else {
                        drop(stream);
                        continue;
                    };
                    // Small request-response messages: no Nagle delay.
                    let _ = stream.set_nodelay(true);
                    let connection = IdleTimeout::new(stream, (permit, peer), idle_timeout);
                    if sender.send(Ok(connection)).await.is_err() {
                        return;
                    }
                }
                // A peer that gave up before it was accepted: nothing to wait for.
                Err(error) if error.kind() == io::ErrorKind::ConnectionAborted => {}
                // Out of file descriptors, or another refusal of the system: wait, do not spin.
                Err(_) => {
                    drop(permit);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(max_backoff);
                }
            }
        }
    });
    ReceiverStream::new(receiver)
}

/// Connections per IP address.
#[derive(Clone, Debug)]
struct PeerCounts {
    counts: Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
    max: usize,
}

/// A connection's place in its peer's count, given back when the connection closes.
#[derive(Debug)]
struct PeerPlace {
    peers: PeerCounts,
    address: std::net::IpAddr,
}

impl PeerCounts {
    fn new(max: usize) -> Self {
        Self {
            counts: Arc::default(),
            max: max.max(1),
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<std::net::IpAddr, usize>> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn enter(&self, address: std::net::IpAddr) -> Option<PeerPlace> {
        let mut counts = self.lock();
        let count = counts.entry(address).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(PeerPlace {
            peers: self.clone(),
            address,
        })
    }
}

impl Drop for PeerPlace {
    fn drop(&mut self) {
        let mut counts = self.peers.lock();
        if let Some(count) = counts.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

/// A served connection: closed when its peer sends nothing for the idle timeout, and holding its
/// place among the connections served (and among its peer's) until it closes.
#[derive(Debug)]
pub struct IdleTimeout {
    stream: TcpStream,
    _places: (OwnedSemaphorePermit, PeerPlace),
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl IdleTimeout {
    fn new(
        stream: TcpStream,
        places: (OwnedSemaphorePermit, PeerPlace),
        timeout: Duration,
    ) -> Self {
        Self {
            stream,
            _places: places,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl Connected for IdleTimeout {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.stream.connect_info()
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(context, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    let next = Instant::now() + this.timeout;
                    this.deadline.as_mut().reset(next);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => match this.deadline.as_mut().poll(context) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection idle past the server's timeout",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(context, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(context)
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(context)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(context, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
