//! Single signatures per second into the aggregator over loopback, against an axum JSON/HTTP/1.1
//! server with the same trivial backend, in the same run; and a burst of 3 000 signers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use mithril_compat::adoption::RegistrationWire;
use mithril_compat::domain::{EpochSettings, SignerRegistration, SingleSignature, SoftwareVersion};
use mithril_compat::era::{Era, EraMarker, NetworkMagic};
use mithril_compat::samples;
use mithril_compat::service::{AggregatorState, BackendError, SignerBackend, SignerClient, serve};
use mithril_compat::wire::WireVersion;
use mithril_compat::wire::json::{self, JsonHeaders};

/// Counts what arrives; nothing else.
#[derive(Default)]
struct Counting {
    signatures: AtomicU64,
    registrations: AtomicU64,
}

#[tonic::async_trait]
impl SignerBackend for Counting {
    async fn register_signer(
        &self,
        _: SignerRegistration,
        _: RegistrationWire,
    ) -> Result<(), BackendError> {
        self.registrations.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn register_signature(
        &self,
        _: SingleSignature,
        _: RegistrationWire,
    ) -> Result<(), BackendError> {
        self.signatures.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn epoch_settings(&self) -> Result<EpochSettings, BackendError> {
        Ok(samples::epoch_settings())
    }
}

async fn grpc_server(backend: Arc<Counting>) -> String {
    let state = Arc::new(AggregatorState::new(
        backend,
        SoftwareVersion::new("bench").unwrap(),
        vec![WireVersion::V1, WireVersion::V2],
        NetworkMagic::PREPROD,
    ));
    state.set_epoch(
        mithril_compat::domain::Epoch(1),
        vec![EraMarker::scheduled(
            Era::Pythagoras.era_name(),
            mithril_compat::domain::Epoch(0),
        )],
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, state, std::future::pending()));
    format!("http://{address}")
}

async fn json_server(backend: Arc<Counting>) -> SocketAddr {
    let app = axum::Router::new().route(
        "/register-signatures",
        axum::routing::post(move |body: Bytes| {
            let backend = backend.clone();
            async move {
                match json::decode::<SingleSignature>(&body, &JsonHeaders::default()) {
                    Ok(signature) => {
                        let _ = backend
                            .register_signature(signature, RegistrationWire::Json)
                            .await;
                        StatusCode::CREATED
                    }
                    Err(_) => StatusCode::BAD_REQUEST,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn json_connection(address: SocketAddr) -> Sender {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

async fn post(sender: &mut Sender, body: &Bytes) {
    sender.ready().await.unwrap();
    let request = hyper::Request::post("/register-signatures")
        .header("content-type", "application/json")
        .body(Full::new(body.clone()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

const CHANNELS: usize = 4;
const PER_ITERATION: u64 = 400;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let backend = Arc::new(Counting::default());
    let (endpoint, json_address) = runtime.block_on(async {
        (
            grpc_server(backend.clone()).await,
            json_server(backend.clone()).await,
        )
    });
    let signature = samples::single_signature();
    let body = Bytes::from(json::encode(&signature).unwrap().body);
    let info = samples::signer_registration().node_info;

    let mut group = c.benchmark_group("ingestion");
    group.throughput(Throughput::Elements(PER_ITERATION));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));

    group.bench_function("json_http1_4_connections", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let body = body.clone();
            async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    let tasks: Vec<_> = (0..CHANNELS)
                        .map(|_| {
                            let body = body.clone();
                            tokio::spawn(async move {
                                let mut sender = json_connection(json_address).await;
                                for _ in 0..PER_ITERATION / CHANNELS as u64 {
                                    post(&mut sender, &body).await;
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                }
                start.elapsed()
            }
        })
    });

    let clients = |speaks: &'static [WireVersion], count: usize| {
        let endpoint = endpoint.clone();
        let info = info.clone();
        runtime.block_on(async move {
            let mut clients = Vec::new();
            for _ in 0..count {
                clients.push(
                    SignerClient::connect(endpoint.clone(), &info, speaks)
                        .await
                        .unwrap(),
                );
            }
            clients
        })
    };
    let v1 = clients(&[WireVersion::V1], 1);
    let v2 = clients(&[WireVersion::V1, WireVersion::V2], CHANNELS);

    group.bench_function("grpc_unary_v1_1_channel", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let client = v1[0].clone();
            let signature = signature.clone();
            async move {
                let start = Instant::now();
                for _ in 0..iterations * PER_ITERATION {
                    client
                        .register_signatures(std::slice::from_ref(&signature))
                        .await
                        .unwrap();
                }
                start.elapsed()
            }
        })
    });
    group.bench_function("grpc_unary_v2_4_channels", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let clients = v2.clone();
            let signature = signature.clone();
            async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    let tasks: Vec<_> = clients
                        .iter()
                        .cloned()
                        .map(|client| {
                            let signature = signature.clone();
                            tokio::spawn(async move {
                                for _ in 0..PER_ITERATION / CHANNELS as u64 {
                                    client
                                        .register_signatures(std::slice::from_ref(&signature))
                                        .await
                                        .unwrap();
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                }
                start.elapsed()
            }
        })
    });
    let batch: Vec<SingleSignature> = vec![signature.clone(); PER_ITERATION as usize];
    group.bench_function("grpc_v2_batch", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let client = v2[0].clone();
            let batch = batch.clone();
            async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    for chunk in batch.chunks(100) {
                        client.register_signatures(chunk).await.unwrap();
                    }
                }
                start.elapsed()
            }
        })
    });
    group.bench_function("grpc_v2_stream", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let client = v2[0].clone();
            let batch = batch.clone();
            async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    client.stream_signatures(&batch).await.unwrap();
                }
                start.elapsed()
            }
        })
    });
    group.finish();

    // The burst: 3 000 signers register and send a signature at once, over 16 channels.
    let burst_clients = clients(&[WireVersion::V1, WireVersion::V2], 16);
    let registration = samples::signer_registration();
    let mut burst = c.benchmark_group("burst");
    burst
        .sample_size(10)
        .measurement_time(Duration::from_secs(6));
    burst.bench_function("3000_signers_register_and_sign", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let clients = burst_clients.clone();
            let registration = registration.clone();
            let signature = signature.clone();
            async move {
                let start = Instant::now();
                for _ in 0..iterations {
                    let tasks: Vec<_> = (0..3000)
                        .map(|index| {
                            let client = clients[index % clients.len()].clone();
                            let registration = registration.clone();
                            let signature = signature.clone();
                            tokio::spawn(async move {
                                client.register_signer(&registration).await.unwrap();
                                client
                                    .register_signatures(std::slice::from_ref(&signature))
                                    .await
                                    .unwrap();
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                }
                start.elapsed()
            }
        })
    });
    burst.finish();
    eprintln!(
        "received: {} signatures, {} registrations",
        backend.signatures.load(Ordering::Relaxed),
        backend.registrations.load(Ordering::Relaxed)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
