//! Single signatures per second into the aggregator over loopback, against an axum JSON/HTTP/1.1
//! server with the same trivial backend, in the same run; a burst of 3 000 signers; and the HTTP
//! transport's routes (`transport::http::router`) taking the same signature in today's JSON and
//! in protobuf v2, on the same server.

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
use mithril_compat::transport::grpc::{
    AggregatorState, BackendError, ServerLimits, SignerBackend, SignerClient, serve,
};
use mithril_compat::transport::http::{HttpConfig, router};
use mithril_compat::wire::WireVersion;
use mithril_compat::wire::json::{self, JsonHeaders};
use mithril_compat::wire::v2::pb::{self as v2pb, signer_service_client, signer_service_server};
use mithril_compat::wire::{Spoke, v2::V2};
use tokio_stream::StreamExt;

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
    // Every client of this bench connects from 127.0.0.1: more than the default 64 connections
    // one peer may hold.
    let mut limits = ServerLimits::default();
    limits.max_connections_per_peer = 1024;
    let state = Arc::new(
        AggregatorState::new(
            backend,
            SoftwareVersion::new("bench").unwrap(),
            vec![WireVersion::V1, WireVersion::V2],
            NetworkMagic::PREPROD,
        )
        .with_limits(limits),
    );
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

/// tonic's own floor: the generated v2 service with a trivial handler that only decodes and
/// counts, no version layer, no admission, no conversion; the same transport otherwise.
struct Bare(Arc<Counting>);

#[tonic::async_trait]
impl signer_service_server::SignerService for Bare {
    async fn register_signer(
        &self,
        _: tonic::Request<v2pb::RegisterSignerRequest>,
    ) -> Result<tonic::Response<v2pb::RegisterSignerResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("bare"))
    }

    async fn register_signatures(
        &self,
        request: tonic::Request<v2pb::RegisterSignaturesRequest>,
    ) -> Result<tonic::Response<v2pb::RegisterSignaturesResponse>, tonic::Status> {
        let count = request.into_inner().signatures.len() as u64;
        self.0.signatures.fetch_add(count, Ordering::Relaxed);
        Ok(tonic::Response::new(v2pb::RegisterSignaturesResponse {
            accepted: count as u32,
            rejections: Vec::new(),
            rejection_counts: Vec::new(),
        }))
    }

    async fn get_epoch_settings(
        &self,
        _: tonic::Request<v2pb::GetEpochSettingsRequest>,
    ) -> Result<tonic::Response<v2pb::GetEpochSettingsResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("bare"))
    }

    async fn stream_signatures(
        &self,
        _: tonic::Request<tonic::Streaming<v2pb::StreamSignaturesRequest>>,
    ) -> Result<tonic::Response<v2pb::StreamSignaturesResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("bare"))
    }

    type WatchEpochSettingsStream =
        tokio_stream::Empty<Result<v2pb::WatchEpochSettingsResponse, tonic::Status>>;

    async fn watch_epoch_settings(
        &self,
        _: tonic::Request<v2pb::WatchEpochSettingsRequest>,
    ) -> Result<tonic::Response<Self::WatchEpochSettingsStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("bare"))
    }
}

async fn bare_server(backend: Arc<Counting>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener)
        .map(|stream| stream.and_then(|stream| stream.set_nodelay(true).map(|()| stream)));
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(signer_service_server::SignerServiceServer::new(Bare(
                backend,
            )))
            .serve_with_incoming(incoming),
    );
    format!("http://{address}")
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

/// `count` keep-alive connections, each used by one task at a time.
async fn json_connections(
    address: SocketAddr,
    count: usize,
) -> Vec<Arc<tokio::sync::Mutex<Sender>>> {
    let mut connections = Vec::with_capacity(count);
    for _ in 0..count {
        connections.push(Arc::new(tokio::sync::Mutex::new(
            json_connection(address).await,
        )));
    }
    connections
}

async fn post(sender: &mut Sender, body: &Bytes) {
    post_to(sender, "/register-signatures", "application/json", body).await;
}

async fn post_to(
    sender: &mut Sender,
    path: &'static str,
    content_type: &'static str,
    body: &Bytes,
) {
    sender.ready().await.unwrap();
    let request = hyper::Request::post(path)
        .header("content-type", content_type)
        .body(Full::new(body.clone()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// The HTTP transport's router over the same kind of state as the gRPC endpoint's.
async fn http_server(backend: Arc<Counting>) -> SocketAddr {
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
    let app = router(state, &HttpConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(mithril_compat::transport::http::serve(
        listener,
        app,
        std::future::pending(),
    ));
    address
}

const ROUTE: &str = "/aggregator/register-signatures";
const V2_SIGNATURE: &str = "application/x-protobuf; proto=mithril.signer.v2.SingleSignature";

/// Unary calls of one signature over HTTP/1.1 to the same axum server, in today's JSON and in
/// protobuf v2: throughput over 4 keep-alive connections, and latency at 64 in flight (64
/// connections, one request in flight each).
fn http_bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let backend = Arc::new(Counting::default());
    let (address, bare) = runtime.block_on(async {
        (
            http_server(backend.clone()).await,
            json_server(backend.clone()).await,
        )
    });
    let signature = samples::single_signature();
    let json_body = Bytes::from(json::encode(&signature).unwrap().body);
    let v2_body = Bytes::from(mithril_compat::wire::v2::encode(&signature).unwrap());
    let paths: [(&str, &'static str, Bytes); 2] = [
        ("json", "application/json", json_body),
        ("protobuf_v2", V2_SIGNATURE, v2_body),
    ];

    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Elements(PER_ITERATION));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    // The floor: a bare axum handler that decodes the same JSON body into the hub (no
    // negotiation, no headers, no admission, no body limit or timeout).
    let floor = runtime.block_on(json_connections(bare, CHANNELS));
    let json_body = paths[0].2.clone();
    group.bench_function("json_http1_4_connections_bare_axum", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let body = json_body.clone();
            on_each(floor.clone(), iterations, move |connection| {
                let body = body.clone();
                async move {
                    let mut sender = connection.lock().await;
                    for _ in 0..PER_ITERATION / CHANNELS as u64 {
                        post(&mut sender, &body).await;
                    }
                }
            })
        })
    });
    let connections = runtime.block_on(json_connections(address, CHANNELS));
    for (name, content_type, body) in paths.iter().cloned() {
        group.bench_function(format!("{name}_http1_4_connections"), |b| {
            b.to_async(&runtime).iter_custom(|iterations| {
                let body = body.clone();
                on_each(connections.clone(), iterations, move |connection| {
                    let body = body.clone();
                    async move {
                        let mut sender = connection.lock().await;
                        for _ in 0..PER_ITERATION / CHANNELS as u64 {
                            post_to(&mut sender, ROUTE, content_type, &body).await;
                        }
                    }
                })
            })
        });
    }
    group.finish();

    // Signatures per second in alternating rounds (4 connections, 4 000 calls a round), so that
    // drift on the machine hits every path alike; the ratio is reported per round. Paths:
    // 0. the floor, a bare axum handler doing the same JSON decoding (no negotiation, headers,
    //    admission, body limit or timeout), bodies encoded once;
    // 1. and 2. the routes, JSON and protobuf v2, bodies encoded once (the server's cost);
    // 3. and 4. the same, each call encoding its signature as a signer does (end to end).
    const ROUNDS: usize = 10;
    let rounds: Vec<[f64; 5]> = runtime.block_on(async {
        let mut rounds = Vec::new();
        for _ in 0..ROUNDS {
            let mut round = [0.0; 5];
            let targets = [
                (&floor, "/register-signatures", "application/json", None),
                (&connections, ROUTE, "application/json", None),
                (&connections, ROUTE, V2_SIGNATURE, None),
                (&connections, ROUTE, "application/json", Some(false)),
                (&connections, ROUTE, V2_SIGNATURE, Some(true)),
            ];
            for (rate, (pool, route, content_type, encode)) in round.iter_mut().zip(targets) {
                let body = if content_type == V2_SIGNATURE {
                    paths[1].2.clone()
                } else {
                    paths[0].2.clone()
                };
                let signature = signature.clone();
                let elapsed = on_each(pool.clone(), 1, move |connection| {
                    let body = body.clone();
                    let signature = signature.clone();
                    async move {
                        let mut sender = connection.lock().await;
                        for _ in 0..1_000 {
                            let body = match encode {
                                None => body.clone(),
                                Some(false) => Bytes::from(json::encode(&signature).unwrap().body),
                                Some(true) => Bytes::from(
                                    mithril_compat::wire::v2::encode(&signature).unwrap(),
                                ),
                            };
                            post_to(&mut sender, route, content_type, &body).await;
                        }
                    }
                })
                .await;
                *rate = 4_000.0 / elapsed.as_secs_f64();
            }
            rounds.push(round);
        }
        rounds
    });
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let column = |index: usize| rounds.iter().map(|round| round[index]).collect::<Vec<_>>();
    let ratios = |v2: usize, json: usize| {
        let mut ratios: Vec<f64> = rounds.iter().map(|round| round[v2] / round[json]).collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    };
    let (server, end_to_end) = (ratios(2, 1), ratios(4, 3));
    eprintln!(
        "http throughput, 4 connections, {ROUNDS} alternating rounds of 4 000 calls (medians): \
         bodies encoded once: protobuf v2 {:.0}/s, json {:.0}/s, bare axum json {:.0}/s, \
         v2/json per round median {:.2} ({:.2} to {:.2}); each call encoding: protobuf v2 {:.0}/s, \
         json {:.0}/s, v2/json per round median {:.2} ({:.2} to {:.2})",
        median(column(2)),
        median(column(1)),
        median(column(0)),
        median(server.clone()),
        server[0],
        server[server.len() - 1],
        median(column(4)),
        median(column(3)),
        median(end_to_end.clone()),
        end_to_end[0],
        end_to_end[end_to_end.len() - 1],
    );

    const IN_FLIGHT: usize = 64;
    let [json, v2] = runtime.block_on(async {
        let connections = json_connections(address, IN_FLIGHT).await;
        let mut all: [Latencies; 2] = Default::default();
        for _ in 0..ROUNDS {
            for (path, (_, content_type, body)) in all.iter_mut().zip(paths.iter().cloned()) {
                let round = latencies(IN_FLIGHT, 4_000, |task| {
                    let connection = connections[task].clone();
                    let body = body.clone();
                    async move {
                        post_to(&mut *connection.lock().await, ROUTE, content_type, &body).await;
                    }
                })
                .await;
                path.rounds.push(round);
            }
        }
        all
    });
    let ratios = v2.p99_ratios(&json);
    eprintln!(
        "http latency at {IN_FLIGHT} in flight, {ROUNDS} rounds of 4 000 calls: protobuf v2 p50 {:?} p99 {:?}; \
         json p50 {:?} p99 {:?}; p99 ratio v2/json {:.2} (per round {:.2} to {:.2})",
        v2.percentile(50),
        v2.percentile(99),
        json.percentile(50),
        json.percentile(99),
        v2.percentile(99).as_secs_f64() / json.percentile(99).as_secs_f64(),
        ratios[0],
        ratios[ratios.len() - 1],
    );
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

    // Keep-alive connections opened once, as the gRPC channels are.
    let json_4 = runtime.block_on(json_connections(json_address, CHANNELS));
    group.bench_function("json_http1_4_connections", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let body = body.clone();
            on_each(json_4.clone(), iterations, move |connection| {
                let body = body.clone();
                async move {
                    let mut sender = connection.lock().await;
                    for _ in 0..PER_ITERATION / CHANNELS as u64 {
                        post(&mut sender, &body).await;
                    }
                }
            })
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
            let signature = signature.clone();
            on_each(v2.clone(), iterations, move |client| {
                let signature = signature.clone();
                async move {
                    for _ in 0..PER_ITERATION / CHANNELS as u64 {
                        client
                            .register_signatures(std::slice::from_ref(&signature))
                            .await
                            .unwrap();
                    }
                }
            })
        })
    });
    // The floor under the unary figure: tonic's generated client and server, no library code.
    let bare_endpoint = runtime.block_on(bare_server(backend.clone()));
    let bare_clients: Vec<_> = runtime.block_on(async {
        let mut clients = Vec::new();
        for _ in 0..CHANNELS {
            let channel = tonic::transport::Endpoint::from_shared(bare_endpoint.clone())
                .unwrap()
                .connect()
                .await
                .unwrap();
            clients.push(signer_service_client::SignerServiceClient::new(channel));
        }
        clients
    });
    let bare_request = v2pb::RegisterSignaturesRequest {
        signatures: vec![<V2 as Spoke<SingleSignature>>::from_hub_strict(&signature).unwrap()],
    };
    group.bench_function("grpc_unary_v2_4_channels_bare_tonic", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let request = bare_request.clone();
            on_each(bare_clients.clone(), iterations, move |mut client| {
                let request = request.clone();
                async move {
                    for _ in 0..PER_ITERATION / CHANNELS as u64 {
                        client.register_signatures(request.clone()).await.unwrap();
                    }
                }
            })
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

    // Latency with 64 calls in flight, JSON over 64 HTTP/1.1 connections (one request in flight
    // each) against gRPC unary v2 two ways: multiplexed, 16 calls on each of 4 channels; and as
    // signers connect in production, 64 channels with one call in flight each.
    // Ten rounds, alternating the paths so that drift on the machine hits them alike; the
    // percentiles are over all calls of each path, and the per-round p99 ratios show the spread.
    const ROUNDS: usize = 10;
    const IN_FLIGHT: usize = 64;
    let v2_64 = clients(&[WireVersion::V1, WireVersion::V2], IN_FLIGHT);
    let [multiplexed, separate, json] = runtime.block_on(async {
        let connections = json_connections(json_address, IN_FLIGHT).await;
        let grpc = |clients: &[SignerClient]| {
            let clients = clients.to_vec();
            let signature = signature.clone();
            move |task: usize| {
                let client = clients[task % clients.len()].clone();
                let signature = signature.clone();
                async move {
                    client
                        .register_signatures(std::slice::from_ref(&signature))
                        .await
                        .unwrap();
                }
            }
        };
        let mut all: [Latencies; 3] = Default::default();
        for _ in 0..ROUNDS {
            let rounds = [
                latencies(IN_FLIGHT, 4_000, grpc(&v2)).await,
                latencies(IN_FLIGHT, 4_000, grpc(&v2_64)).await,
                latencies(IN_FLIGHT, 4_000, |task| {
                    let connection = connections[task].clone();
                    let body = body.clone();
                    async move {
                        post(&mut *connection.lock().await, &body).await;
                    }
                })
                .await,
            ];
            for (path, round) in all.iter_mut().zip(rounds) {
                path.rounds.push(round);
            }
        }
        all
    });
    let json_p99 = json.percentile(99);
    for (name, grpc) in [
        (
            "grpc unary v2, 16 calls on each of 4 channels",
            &multiplexed,
        ),
        ("grpc unary v2, 64 channels", &separate),
    ] {
        let ratios = grpc.p99_ratios(&json);
        eprintln!(
            "latency at {IN_FLIGHT} in flight, {ROUNDS} rounds of 4 000 calls: {name}: p50 {:?} p99 {:?}; \
             json http/1.1 p50 {:?} p99 {json_p99:?}; p99 ratio {:.2} (per round {:.2} to {:.2})",
            grpc.percentile(50),
            grpc.percentile(99),
            json.percentile(50),
            grpc.percentile(99).as_secs_f64() / json_p99.as_secs_f64(),
            ratios[0],
            ratios[ratios.len() - 1],
        );
    }

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

/// Runs `iterations` times one task per client, each made by `task(client)`, and waits for
/// all of them every time; returns the time taken.
async fn on_each<C, F, Fut>(clients: Vec<C>, iterations: u64, task: F) -> Duration
where
    C: Clone,
    F: Fn(C) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let start = Instant::now();
    for _ in 0..iterations {
        let tasks: Vec<_> = clients
            .iter()
            .cloned()
            .map(|client| tokio::spawn(task(client)))
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    }
    start.elapsed()
}

/// Runs `total` calls with `in_flight` tasks, each calling `call(task)` in turn; returns the
/// latency of every call.
async fn latencies<F, Fut>(in_flight: usize, total: usize, call: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut tasks = Vec::new();
    for task in 0..in_flight {
        let calls: Vec<Fut> = (0..total / in_flight).map(|_| call(task)).collect();
        tasks.push(tokio::spawn(async move {
            let mut measured = Vec::with_capacity(calls.len());
            for pending in calls {
                let start = Instant::now();
                pending.await;
                measured.push(start.elapsed());
            }
            measured
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

/// The `p`th percentile of `samples` (nearest rank).
fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort_unstable();
    samples[(samples.len() * p / 100).min(samples.len() - 1)]
}

/// The latencies of one path, kept per round.
#[derive(Default)]
struct Latencies {
    rounds: Vec<Vec<Duration>>,
}

impl Latencies {
    /// The `p`th percentile over all rounds.
    fn percentile(&self, p: usize) -> Duration {
        percentile(&mut self.rounds.concat(), p)
    }

    /// Per round, this path's p99 over `other`'s, sorted.
    fn p99_ratios(&self, other: &Self) -> Vec<f64> {
        let mut ratios: Vec<f64> = self
            .rounds
            .iter()
            .zip(&other.rounds)
            .map(|(ours, theirs)| {
                percentile(&mut ours.clone(), 99).as_secs_f64()
                    / percentile(&mut theirs.clone(), 99).as_secs_f64()
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    }
}

criterion_group!(benches, bench, http_bench);
criterion_main!(benches);
