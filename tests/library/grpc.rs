//! The gRPC transport over real loopback TCP: the (client × server × era) matrix, discovery and
//! fallback, metadata, rejections with details, bad input, streaming, health and reflection.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use mithril_compat::domain::{
    Epoch, EraName, NodeInfo, SignerRegistration, SoftwareVersion, Stake, WireVersionId,
};
use mithril_compat::era::{Era, EraMarker, NetworkMagic};
use mithril_compat::samples;
use mithril_compat::transport::grpc::metadata::{
    AGGREGATOR_VERSION, CURRENT_ERA, ERA_WARNING, LEGACY_AGGREGATOR_VERSION, LEGACY_SIGNER_VERSION,
    SIGNER_VERSION,
};
use mithril_compat::transport::grpc::{
    AggregatorState, ClientError, InMemoryBackend, ServerLimits, SignerClient, SignerIdentity,
    V1Adapter, serve,
};
use mithril_compat::wire::{Spoke, WireVersion, v1, v2};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::Code;
use tonic_types::StatusExt;

const PYTHAGORAS_EPOCH: u64 = 500;
const LAGRANGE_AT: u64 = 512;
const LAGRANGE_EPOCH: u64 = 520;

struct Aggregator {
    address: SocketAddr,
    backend: Arc<InMemoryBackend>,
    state: Arc<AggregatorState>,
    _shutdown: oneshot::Sender<()>,
}

impl Aggregator {
    fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }
}

fn markers() -> Vec<EraMarker> {
    vec![
        EraMarker::scheduled(Era::Pythagoras.era_name(), Epoch(0)),
        EraMarker::scheduled(Era::Lagrange.era_name(), Epoch(LAGRANGE_AT)),
    ]
}

async fn aggregator(served: &[WireVersion], epoch: u64) -> Aggregator {
    aggregator_with(served, epoch, ServerLimits::default()).await
}

async fn aggregator_with(served: &[WireVersion], epoch: u64, limits: ServerLimits) -> Aggregator {
    let backend = Arc::new(InMemoryBackend::new(
        samples::epoch_settings()
            .signer_registration_protocol_parameters
            .unwrap(),
        Era::Lagrange.era_name(),
    ));
    backend.set_stakes(BTreeMap::from([(samples::pool_id(1), Stake(1_000))]));
    backend.set_epoch_settings(samples::epoch_settings());
    backend.set_epoch(Epoch(epoch));
    let state = Arc::new(
        AggregatorState::new(
            backend.clone(),
            SoftwareVersion::new("0.3.0").unwrap(),
            served.to_vec(),
            NetworkMagic::PREPROD,
        )
        .with_limits(limits),
    );
    state.set_epoch(Epoch(epoch), markers());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    Aggregator {
        address,
        backend,
        state,
        _shutdown: shutdown,
    }
}

fn node_info(version: &str, eras: &[Era], wires: &[u32]) -> NodeInfo {
    NodeInfo::new(
        SoftwareVersion::new(version).unwrap(),
        eras.iter().map(|era| era.era_name()).collect(),
        wires
            .iter()
            .map(|n| WireVersionId::new(*n).unwrap())
            .collect(),
    )
    .unwrap()
}

/// A signer of the given generation: v1 software knows pythagoras only; v2 software both.
fn signer(generation: u32) -> (NodeInfo, Vec<WireVersion>) {
    match generation {
        1 => (
            node_info("0.1.0", &[Era::Pythagoras], &[1]),
            vec![WireVersion::V1],
        ),
        _ => (
            node_info("0.2.0", &[Era::Pythagoras, Era::Lagrange], &[1, 2]),
            vec![WireVersion::V1, WireVersion::V2],
        ),
    }
}

fn registration(node_info: NodeInfo) -> SignerRegistration {
    SignerRegistration {
        node_info,
        ..samples::signer_registration()
    }
}

/// What one cell gave.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// Registered, signed and read the settings on this version; with or without a warning.
    Served(WireVersion, bool),
    /// Refused by the era policy (FAILED_PRECONDITION, "upgrade").
    Refused,
    /// No wire version in common.
    NoCommonVersion,
}

async fn run_cell(generation: u32, served: &[WireVersion], epoch: u64) -> (Outcome, Aggregator) {
    let aggregator = aggregator(served, epoch).await;
    let (info, speaks) = signer(generation);
    let client = match SignerClient::connect(aggregator.endpoint(), &info, &speaks).await {
        Ok(client) => client,
        Err(ClientError::NoCommonVersion { .. }) => return (Outcome::NoCommonVersion, aggregator),
        Err(error) => panic!("connect: {error}"),
    };
    let reply = match client.register_signer(&registration(info)).await {
        Ok(reply) => reply,
        Err(error) => {
            assert!(error.requires_upgrade(), "{error}");
            let ClientError::Status(status) = &error else {
                panic!("{error}")
            };
            assert!(
                status.message().ends_with(": upgrade"),
                "{}",
                status.message()
            );
            let details = status.get_error_details();
            let failure = details.precondition_failure().expect("structured details");
            assert_eq!(failure.violations[0].r#type, "ERA");
            return (Outcome::Refused, aggregator);
        }
    };
    let batch = client
        .register_signatures(&[samples::single_signature()])
        .await
        .unwrap();
    assert_eq!((batch.accepted, batch.rejected.len()), (1, 0));
    let (settings, _) = client.epoch_settings().await.unwrap();
    assert_eq!(settings, samples::epoch_settings());
    assert_eq!(reply.aggregator_version.as_deref(), Some("0.3.0"));
    assert!(reply.current_era.is_some());
    (
        Outcome::Served(client.negotiated(), reply.warning.is_some()),
        aggregator,
    )
}

#[tokio::test]
async fn client_server_era_matrix_over_loopback() {
    use Outcome::*;
    use WireVersion::{V1, V2};
    let served: [(&str, Vec<WireVersion>); 3] =
        [("v1", vec![V1]), ("v1+v2", vec![V1, V2]), ("v2", vec![V2])];
    // (client generation, server, era) -> expected outcome.
    let expected = |client: u32, server: &str, lagrange: bool| match (client, server, lagrange) {
        (1, "v2", _) => NoCommonVersion,
        (1, _, false) => Served(V1, true),
        (1, _, true) => Refused,
        (_, "v1", false) => Served(V1, true),
        (_, "v1", true) => Refused,
        _ => Served(V2, false),
    };
    let mut report = Vec::new();
    let mut failures = 0;
    for client in [1, 2] {
        for (server, versions) in &served {
            for lagrange in [false, true] {
                let epoch = if lagrange {
                    LAGRANGE_EPOCH
                } else {
                    PYTHAGORAS_EPOCH
                };
                let (outcome, aggregator) = run_cell(client, versions, epoch).await;
                let want = expected(client, server, lagrange);
                let received = aggregator.backend.received_count() as usize;
                // Served cells deliver one registration and one signature; refused ones nothing.
                let delivered = if matches!(outcome, Served(..)) { 2 } else { 0 };
                let ok = outcome == want && received == delivered;
                failures += usize::from(!ok);
                report.push(format!(
                    "{} client v{client} | server {server:<6} | era {:<10} | {outcome:?}{}",
                    if ok { " " } else { "✗" },
                    if lagrange { "lagrange" } else { "pythagoras" },
                    if ok {
                        String::new()
                    } else {
                        format!(" (expected {want:?}, {received} received)")
                    }
                ));
            }
        }
    }
    assert_eq!(report.len(), 12);
    assert_eq!(failures, 0, "\n{}", report.join("\n"));
}

#[tokio::test]
async fn refusal_and_warning_messages_speak_to_the_operator() {
    let lagrange = aggregator(&[WireVersion::V1, WireVersion::V2], LAGRANGE_EPOCH).await;
    let (info, _) = signer(1);
    let client = SignerClient::connect(lagrange.endpoint(), &info, &[WireVersion::V1])
        .await
        .unwrap();
    let error = client
        .register_signer(&registration(info.clone()))
        .await
        .unwrap_err();
    let ClientError::Status(status) = error else {
        panic!()
    };
    assert_eq!(status.code(), Code::FailedPrecondition);
    // The versions lagrange accepts, as the registry says (today: mithril.signer.v2).
    let required = WireVersion::accepted_during(Era::Lagrange)
        .map(|version| version.package())
        .collect::<Vec<_>>()
        .join(" or ");
    assert!(required.contains("mithril.signer.v2"), "{required}");
    assert_eq!(
        status.message(),
        format!(
            "era lagrange (since epoch 512) requires {required}; this signer speaks v1: upgrade"
        )
    );

    let pythagoras = aggregator(&[WireVersion::V1, WireVersion::V2], PYTHAGORAS_EPOCH).await;
    let client = SignerClient::connect(pythagoras.endpoint(), &info, &[WireVersion::V1])
        .await
        .unwrap();
    let reply = client.register_signer(&registration(info)).await.unwrap();
    assert_eq!(
        reply.warning.as_deref(),
        Some(
            "era lagrange starts at epoch 512 and this signer does not support it (it declares \
             pythagoras): upgrade before epoch 512"
        )
    );
    assert_eq!(reply.current_era.as_deref(), Some("pythagoras"));

    // A v2 signer negotiates v2 and learns the schedule at connection time.
    let (info, speaks) = signer(2);
    let client = SignerClient::connect(pythagoras.endpoint(), &info, &speaks)
        .await
        .unwrap();
    assert_eq!(client.negotiated(), WireVersion::V2);
    let discovered = client.discovered().unwrap();
    assert_eq!(discovered.wire_versions, [1, 2]);
    assert_eq!(discovered.current_era.as_deref(), Some("pythagoras"));
    assert_eq!(
        discovered.next_era,
        Some(("lagrange".into(), Some(Epoch(LAGRANGE_AT))))
    );
    let local = mithril_compat::wire::discovery::EraHistoryId::compute(
        NetworkMagic::PREPROD,
        &markers(),
        Epoch(PYTHAGORAS_EPOCH),
    );
    assert_eq!(client.check_history(&local), Ok(()));
    let foreign = mithril_compat::wire::discovery::EraHistoryId::compute(
        NetworkMagic::MAINNET,
        &markers(),
        Epoch(PYTHAGORAS_EPOCH),
    );
    assert!(client.check_history(&foreign).is_err());
}

#[tokio::test]
async fn client_falls_back_to_v1_without_discovery() {
    // An aggregator of an older build: the v1 service only, no discovery.
    let backend = Arc::new(InMemoryBackend::new(
        samples::epoch_settings()
            .signer_registration_protocol_parameters
            .unwrap(),
        Era::Lagrange.era_name(),
    ));
    backend.set_stakes(BTreeMap::from([(samples::pool_id(1), Stake(1))]));
    let state = Arc::new(AggregatorState::new(
        backend.clone(),
        SoftwareVersion::new("0.1.0").unwrap(),
        vec![WireVersion::V1],
        NetworkMagic::PREPROD,
    ));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(v1::pb::signer_service_server::SignerServiceServer::new(
                V1Adapter::new(state),
            ))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let (info, speaks) = signer(2);
    let client = SignerClient::connect(format!("http://{address}"), &info, &speaks)
        .await
        .unwrap();
    assert_eq!(client.negotiated(), WireVersion::V1);
    assert!(client.discovered().is_none());
    client.register_signer(&registration(info)).await.unwrap();
    assert_eq!(
        backend
            .registrations(samples::signer_registration().epoch)
            .len(),
        1
    );
}

fn identity(version: WireVersion) -> SignerIdentity {
    SignerIdentity {
        software_version: SoftwareVersion::new("0.2.0").unwrap(),
        wire_version: version,
        supported_eras: vec![
            EraName::new("pythagoras").unwrap(),
            EraName::new("lagrange").unwrap(),
        ],
    }
}

#[tokio::test]
async fn bad_input_gets_clear_statuses_and_the_server_keeps_serving() {
    let aggregator = aggregator(&[WireVersion::V1, WireVersion::V2], PYTHAGORAS_EPOCH).await;
    let channel = tonic::transport::Endpoint::from_shared(aggregator.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut raw = v2::pb::signer_service_client::SignerServiceClient::new(channel.clone())
        .max_encoding_message_size(64 * 1024 * 1024);
    let good =
        <v2::V2 as Spoke<SignerRegistration>>::from_hub_strict(&registration(signer(2).0)).unwrap();

    // Missing metadata.
    let status = raw
        .register_signer(v2::pb::RegisterSignerRequest {
            registration: Some(good.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "missing metadata signer-node-version");

    // A 0.3.0 signer names its version `mithril-signer-version`: still read during 0.4.0.
    let mut legacy = tonic::Request::new(v2::pb::RegisterSignerRequest {
        registration: Some(good.clone()),
    });
    identity(WireVersion::V2).write(legacy.metadata_mut());
    legacy.metadata_mut().remove(SIGNER_VERSION);
    assert!(legacy.metadata().get(LEGACY_SIGNER_VERSION).is_some());
    let reply = raw.register_signer(legacy).await.unwrap();
    assert_eq!(
        reply.metadata().get(AGGREGATOR_VERSION),
        reply.metadata().get(LEGACY_AGGREGATOR_VERSION)
    );

    // Metadata of the other version.
    let mut request = tonic::Request::new(v2::pb::RegisterSignerRequest {
        registration: Some(good.clone()),
    });
    identity(WireVersion::V1).write(request.metadata_mut());
    let status = raw.register_signer(request).await.unwrap_err();
    assert!(
        status
            .message()
            .contains("says v1 but the call is mithril.signer.v2"),
        "{status:?}"
    );

    // An invalid message: the field path, and a bad-request detail.
    let mut invalid = good.clone();
    invalid.party_id.clear();
    let mut request = tonic::Request::new(v2::pb::RegisterSignerRequest {
        registration: Some(invalid),
    });
    identity(WireVersion::V2).write(request.metadata_mut());
    let status = raw.register_signer(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "registration.party_id: empty");
    let details = status.get_error_details();
    assert_eq!(
        details.bad_request().unwrap().field_violations[0].field,
        "registration.party_id"
    );

    // An oversized message.
    let mut huge = good.clone();
    huge.party_id = "p".repeat(40 * 1024 * 1024);
    let mut request = tonic::Request::new(v2::pb::RegisterSignerRequest {
        registration: Some(huge),
    });
    identity(WireVersion::V2).write(request.metadata_mut());
    let status = raw.register_signer(request).await.unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    let limit = ServerLimits::default().max_request_bytes;
    assert!(
        status
            .message()
            .contains(&format!("the limit is: {limit} bytes")),
        "{}",
        status.message()
    );

    // A signer registering twice: kept once.
    for _ in 0..2 {
        let mut request = tonic::Request::new(v2::pb::RegisterSignerRequest {
            registration: Some(good.clone()),
        });
        identity(WireVersion::V2).write(request.metadata_mut());
        raw.register_signer(request).await.unwrap();
    }
    assert_eq!(
        aggregator
            .backend
            .registrations(samples::signer_registration().epoch)
            .len(),
        1
    );

    // An unknown party is refused by the backend; a bad signature in a batch does not stop the
    // others.
    let mut stranger = good.clone();
    stranger.party_id = "pool1stranger".into();
    let mut request = tonic::Request::new(v2::pb::RegisterSignerRequest {
        registration: Some(stranger),
    });
    identity(WireVersion::V2).write(request.metadata_mut());
    assert_eq!(
        raw.register_signer(request).await.unwrap_err().code(),
        Code::FailedPrecondition
    );
    let signature = <v2::V2 as Spoke<_>>::from_hub_strict(&samples::single_signature()).unwrap();
    let mut broken = signature.clone();
    broken.won_indexes = vec![5, 1];
    let mut request = tonic::Request::new(v2::pb::RegisterSignaturesRequest {
        signatures: vec![signature.clone(), broken, signature],
    });
    identity(WireVersion::V2).write(request.metadata_mut());
    let batch = raw.register_signatures(request).await.unwrap().into_inner();
    assert_eq!(batch.accepted, 2);
    assert_eq!(batch.rejections.len(), 1);
    assert_eq!(batch.rejections[0].index, 1);
    assert!(
        batch.rejections[0]
            .reason
            .starts_with("signature.won_indexes[1]"),
        "{:?}",
        batch.rejections
    );

    // Still serving, with the version headers on every response.
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let response = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "mithril.signer.v2.SignerService".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        response.get_ref().status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    assert_eq!(
        response.metadata().get(AGGREGATOR_VERSION).unwrap(),
        "0.3.0"
    );
    assert_eq!(response.metadata().get(CURRENT_ERA).unwrap(), "pythagoras");
    assert!(response.metadata().get(ERA_WARNING).is_none());
}

#[tokio::test]
async fn signatures_stream_in_and_settings_stream_out() {
    use tokio_stream::StreamExt;
    let aggregator = aggregator(&[WireVersion::V2], PYTHAGORAS_EPOCH).await;
    let (info, speaks) = signer(2);
    let client = SignerClient::connect(aggregator.endpoint(), &info, &speaks)
        .await
        .unwrap();
    let signatures = vec![samples::single_signature(); 5];
    let batch = client.stream_signatures(&signatures).await.unwrap();
    assert_eq!((batch.accepted, batch.rejected.len()), (5, 0));
    // Five copies of one signature: kept once.
    assert_eq!(aggregator.backend.signatures().len(), 1);

    // Epoch settings and the schedule are pushed, now and on change.
    let channel = tonic::transport::Endpoint::from_shared(aggregator.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut raw = v2::pb::signer_service_client::SignerServiceClient::new(channel.clone());
    let mut updates = raw
        .watch_epoch_settings(v2::pb::WatchEpochSettingsRequest {})
        .await
        .unwrap()
        .into_inner();
    let first = updates.next().await.unwrap().unwrap();
    assert_eq!(first.era.unwrap().next_era_epoch, Some(LAGRANGE_AT));
    aggregator.state.set_epoch(Epoch(LAGRANGE_EPOCH), markers());
    let second = updates.next().await.unwrap().unwrap();
    let era = second.era.unwrap();
    assert_eq!(
        (era.current_era.as_str(), era.current_era_since),
        ("lagrange", LAGRANGE_AT)
    );

    // A signer that disconnects in the middle of its stream: what arrived is kept once, and the
    // aggregator keeps serving.
    let before = aggregator.backend.received_count();
    let one = <v2::V2 as Spoke<_>>::from_hub_strict(&samples::single_signature()).unwrap();
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    for _ in 0..2 {
        sender
            .send(v2::pb::StreamSignaturesRequest {
                signature: Some(one.clone()),
            })
            .await
            .unwrap();
    }
    let mut request = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(receiver));
    identity(WireVersion::V2).write(request.metadata_mut());
    let mut streaming = v2::pb::signer_service_client::SignerServiceClient::new(channel);
    let call = tokio::spawn(async move { streaming.stream_signatures(request).await });
    // Wait until the two signatures arrived, then drop the call.
    for _ in 0..200 {
        if aggregator.backend.received_count() == before + 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    call.abort();
    drop(sender);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(aggregator.backend.received_count(), before + 2);
    // Copies of a signature already kept: still kept once.
    assert_eq!(aggregator.backend.signatures().len(), 1);
    let (settings, _) = client.epoch_settings().await.unwrap();
    assert_eq!(settings.epoch, samples::epoch_settings().epoch);
}

// --- Hostile peers -----------------------------------------------------------------------------

async fn raw_v2(
    aggregator: &Aggregator,
) -> v2::pb::signer_service_client::SignerServiceClient<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(aggregator.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    v2::pb::signer_service_client::SignerServiceClient::new(channel)
        .max_encoding_message_size(64 * 1024 * 1024)
}

fn with_identity<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    identity(WireVersion::V2).write(request.metadata_mut());
    request
}

/// Finding 1: a batch of empty entries was answered with one message per entry (22.7× the
/// request) after decoding every entry; now the entries are counted before decoding, and an
/// answer holds a bounded number of examples and counts.
#[tokio::test]
async fn batches_are_bounded_before_decoding_and_answers_are_bounded() {
    let aggregator = aggregator(&[WireVersion::V2], PYTHAGORAS_EPOCH).await;
    let mut raw = raw_v2(&aggregator).await;
    let limits = ServerLimits::default();

    // Over the entry bound: refused before anything is decoded.
    let too_many = v2::pb::RegisterSignaturesRequest {
        signatures: vec![v2::pb::SingleSignature::default(); limits.max_batch_entries + 100],
    };
    let status = raw
        .register_signatures(with_identity(too_many))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("at most"), "{}", status.message());

    // At the bound: every entry is invalid, and the answer stays small.
    let entries = limits.max_batch_entries;
    let request = v2::pb::RegisterSignaturesRequest {
        signatures: vec![v2::pb::SingleSignature::default(); entries],
    };
    let request_bytes = prost::Message::encoded_len(&request);
    let answer = raw
        .register_signatures(with_identity(request))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.accepted, 0);
    assert_eq!(answer.rejections.len(), limits.max_rejection_examples);
    let counted: u32 = answer
        .rejection_counts
        .iter()
        .map(|count| count.count)
        .sum();
    assert_eq!(counted as usize, entries);
    assert!(answer.rejection_counts.len() <= limits.max_rejection_reasons + 1);
    let answer_bytes = prost::Message::encoded_len(&answer);
    assert!(
        answer_bytes < 8 * 1024 && answer_bytes < request_bytes,
        "{answer_bytes} bytes answered to {request_bytes}"
    );
    assert!(
        answer
            .rejections
            .iter()
            .all(|rejection| rejection.reason.len() <= limits.max_reason_bytes)
    );
}

#[tokio::test]
async fn streams_are_bounded_and_answers_do_not_accumulate() {
    let mut limits = ServerLimits::default();
    limits.max_stream_entries = 300;
    let aggregator = aggregator_with(&[WireVersion::V2], PYTHAGORAS_EPOCH, limits.clone()).await;
    let mut raw = raw_v2(&aggregator).await;
    let invalid = |count: usize| {
        tokio_stream::iter(
            (0..count)
                .map(|_| v2::pb::StreamSignaturesRequest {
                    signature: Some(v2::pb::SingleSignature::default()),
                })
                .collect::<Vec<_>>(),
        )
    };
    let answer = raw
        .stream_signatures(with_identity(invalid(300)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.rejections.len(), limits.max_rejection_examples);
    let counted: u32 = answer
        .rejection_counts
        .iter()
        .map(|count| count.count)
        .sum();
    assert_eq!(counted, 300);
    let status = raw
        .stream_signatures(with_identity(invalid(301)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
}

/// Finding 2: the in-memory backend kept every signature twice, forever. Now each once, for the
/// retention window.
#[tokio::test]
async fn the_in_memory_backend_keeps_each_signature_once_within_its_window() {
    let aggregator = aggregator(&[WireVersion::V2], PYTHAGORAS_EPOCH).await;
    let info = samples::node_info();
    let client = SignerClient::connect(aggregator.endpoint(), &info, &[WireVersion::V2])
        .await
        .unwrap();
    let mut signature = samples::single_signature();
    signature.party_id = samples::pool_id(1);
    let batch: Vec<_> = (0..50)
        .map(|index| {
            let mut signature = signature.clone();
            signature.signed_message =
                mithril_compat::domain::SignedMessage::new(format!("{index:064x}")).unwrap();
            signature
        })
        .collect();
    // Past both retention windows: the backend's, and its monitor's.
    let epochs = mithril_compat::transport::aggregator::DEFAULT_MONITOR_RETENTION_EPOCHS + 6;
    for epoch in 0..epochs {
        aggregator
            .backend
            .set_epoch(Epoch(PYTHAGORAS_EPOCH + epoch));
        let reply = client.register_signatures(&batch).await.unwrap();
        assert_eq!(reply.accepted, 50);
        // The same signatures again: taken, not kept twice.
        let again = client.register_signatures(&batch[..10]).await.unwrap();
        assert_eq!(again.accepted, 10);
        let (_, kept) = aggregator.backend.kept();
        let window = (epoch + 1).min(mithril_compat::transport::grpc::DEFAULT_RETENTION_EPOCHS + 1);
        assert_eq!(kept as u64, 50 * window, "epoch {epoch}");
    }
    assert_eq!(aggregator.backend.received_count(), 60 * epochs);
    // The monitor's records forget the epochs past its own window.
    let counted: Vec<u64> = aggregator.backend.with_monitor(|monitor| {
        (PYTHAGORAS_EPOCH..PYTHAGORAS_EPOCH + epochs)
            .filter(|epoch| {
                !mithril_compat::adoption::RecordStore::signatures(monitor.store(), Epoch(*epoch))
                    .is_empty()
            })
            .collect()
    });
    let current = PYTHAGORAS_EPOCH + epochs - 1;
    let oldest = current - mithril_compat::transport::aggregator::DEFAULT_MONITOR_RETENTION_EPOCHS;
    assert_eq!(counted, (oldest..=current).collect::<Vec<_>>());
}

/// `count` connections to the aggregator that send nothing.
async fn connections(aggregator: &Aggregator, count: usize) -> Vec<tokio::net::TcpStream> {
    let mut held = Vec::new();
    for _ in 0..count {
        held.push(
            tokio::net::TcpStream::connect(aggregator.address)
                .await
                .unwrap(),
        );
    }
    held
}

/// Finding 4: idle connections were never closed. A peer that sends nothing is now closed after
/// the idle timeout.
#[tokio::test]
async fn idle_connections_are_closed() {
    use tokio::io::AsyncReadExt;
    let mut limits = ServerLimits::default();
    limits.idle_timeout = std::time::Duration::from_millis(300);
    let aggregator = aggregator_with(&[WireVersion::V2], PYTHAGORAS_EPOCH, limits).await;
    let idle = connections(&aggregator, 2).await;
    // The idle connections were closed by the server: reading gives end of stream or an error.
    for mut connection in idle {
        let mut buf = [0u8; 1024];
        let closed = loop {
            match tokio::time::timeout(std::time::Duration::from_secs(5), connection.read(&mut buf))
                .await
            {
                Ok(Ok(0)) | Ok(Err(_)) => break true,
                // The server's HTTP/2 preface and settings come first.
                Ok(Ok(_)) => continue,
                Err(_) => break false,
            }
        };
        assert!(closed, "an idle connection stayed open");
    }
}

/// At the connection cap, a new client waits until a connection closes, then is served.
#[tokio::test]
async fn connections_past_the_cap_wait_for_one_to_close() {
    let mut limits = ServerLimits::default();
    limits.idle_timeout = std::time::Duration::from_secs(30);
    limits.max_connections = 2;
    let aggregator = aggregator_with(&[WireVersion::V2], PYTHAGORAS_EPOCH, limits).await;
    let mut held = connections(&aggregator, 2).await;
    let endpoint = aggregator.endpoint();
    let served = tokio::spawn(async move {
        let info = samples::node_info();
        let client = SignerClient::connect(endpoint, &info, &[WireVersion::V2]).await?;
        client.epoch_settings().await
    });
    // Long past the few milliseconds a served call takes, it is still waiting: no place is
    // freed before the idle timeout of 30 s.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!served.is_finished(), "served at once despite the cap");
    drop(held.pop());
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), served)
        .await
        .expect("served once a connection closed")
        .unwrap();
    outcome.unwrap();
}

/// Finding 5: the refusal repeated every declared era, so an 8 KiB header made a status too
/// large to send. Now the message names a few and counts the rest; too many is a typed error.
#[tokio::test]
async fn refusals_never_echo_unbounded_peer_input() {
    let aggregator = aggregator(&[WireVersion::V2], LAGRANGE_EPOCH).await;
    let mut raw = raw_v2(&aggregator).await;
    let call = |eras: String| {
        let mut request = tonic::Request::new(v2::pb::RegisterSignaturesRequest {
            signatures: Vec::new(),
        });
        let mut identity = identity(WireVersion::V2);
        identity.supported_eras.clear();
        identity.write(request.metadata_mut());
        request
            .metadata_mut()
            .insert("mithril-supported-eras", eras.parse().unwrap());
        request
    };
    // 64 long names that do not include lagrange: refused for the era, in a short message.
    let names: Vec<String> = (0..64).map(|i| format!("{i:0>32}")).collect();
    let status = raw
        .register_signatures(call(names.join(",")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    assert!(status.message().len() < 300, "{}", status.message());
    assert!(
        status.message().contains("and 60 more"),
        "{}",
        status.message()
    );
    // 8 KiB of names: a typed refusal of the header, not an oversized status.
    let many: Vec<String> = (0..1000).map(|i| format!("e{i}")).collect();
    let status = raw
        .register_signatures(call(many.join(",")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(
        status.message(),
        "metadata mithril-supported-eras: declares 1000 eras, at most 64"
    );
    // One huge invalid name: echoed at most in part.
    let status = raw
        .register_signatures(call(format!("X{}", "y".repeat(8000))))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().len() < 200, "{}", status.message());
}

/// Finding 4, streams: one connection could hold thousands of concurrent calls. Past the cap, a
/// call on the same connection waits for one to end.
#[tokio::test]
async fn concurrent_streams_per_connection_are_capped() {
    let mut limits = ServerLimits::default();
    limits.max_concurrent_streams = 2;
    let aggregator = aggregator_with(&[WireVersion::V2], PYTHAGORAS_EPOCH, limits).await;
    let channel = tonic::transport::Endpoint::from_shared(aggregator.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let client = v2::pb::signer_service_client::SignerServiceClient::new(channel);
    let mut watches = Vec::new();
    for _ in 0..2 {
        let response = client
            .clone()
            .watch_epoch_settings(v2::pb::WatchEpochSettingsRequest {})
            .await
            .unwrap();
        watches.push(response.into_inner());
    }
    let mut third = client.clone();
    let waiting = tokio::spawn(async move {
        third
            .get_epoch_settings(v2::pb::GetEpochSettingsRequest {})
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a third call ran beside two open streams"
    );
    drop(watches.pop());
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
        .await
        .expect("the call runs once a stream ends")
        .unwrap();
    assert!(answer.is_ok(), "{answer:?}");
}

/// Sends raw bytes as a request and reads the answer's bytes, as a hostile peer would.
#[derive(Clone, Default)]
struct RawCodec;

struct RawEncoder;
struct RawDecoder;

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), Self::Error> {
        bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawDecoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Vec<u8>>, Self::Error> {
        let len = bytes::Buf::remaining(src);
        Ok(Some(bytes::Buf::copy_to_bytes(src, len).to_vec()))
    }
}

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

/// Finding 1, as found: 8 MiB of empty entries. Refused before decoding, with a short status,
/// and the server keeps serving.
#[tokio::test]
async fn eight_mebibytes_of_empty_entries_get_a_short_refusal() {
    let aggregator = aggregator(&[WireVersion::V2], PYTHAGORAS_EPOCH).await;
    let channel = tonic::transport::Endpoint::from_shared(aggregator.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel.clone())
        .max_encoding_message_size(usize::MAX)
        .max_decoding_message_size(usize::MAX);
    grpc.ready().await.unwrap();
    // Field 1 (signatures), length 0: two bytes per entry.
    let entries = |count: usize| [0x0a_u8, 0x00].repeat(count);
    let path = || {
        http::uri::PathAndQuery::from_static("/mithril.signer.v2.SignerService/RegisterSignatures")
    };
    // 8 MiB: over the request size, refused before decoding.
    let body = entries(4 * 1024 * 1024);
    assert_eq!(body.len(), 8 * 1024 * 1024);
    grpc.ready().await.unwrap();
    let status = grpc
        .unary(with_identity(body), path(), RawCodec)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert!(status.message().len() < 200, "{}", status.message());
    // 2 MiB, within the size: a million entries, refused before decoding by their count, also
    // behind a group that prost would skip.
    for prefix in [&[][..], &[0x7b, 0x7c]] {
        let body = [prefix, &entries(1024 * 1024)].concat();
        grpc.ready().await.unwrap();
        let status = grpc
            .unary(with_identity(body), path(), RawCodec)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
        assert!(status.message().len() < 200, "{}", status.message());
    }
    // Bytes the scan cannot read are refused, not handed to prost.
    grpc.ready().await.unwrap();
    let status = grpc
        .unary(with_identity(vec![0x7c, 0x0a, 0x00]), path(), RawCodec)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(aggregator.backend.received_count(), 0);
    // Still serving.
    let mut client = v2::pb::signer_service_client::SignerServiceClient::new(channel);
    client
        .get_epoch_settings(v2::pb::GetEpochSettingsRequest {})
        .await
        .unwrap();
}

/// Finding 4, per host: one host cannot take every place. Past its share, its new connections
/// are closed at once, while its first ones and other hosts are served.
#[tokio::test]
async fn one_host_cannot_take_every_connection() {
    use tokio::io::AsyncReadExt;
    let mut limits = ServerLimits::default();
    limits.max_connections_per_peer = 2;
    limits.idle_timeout = std::time::Duration::from_secs(30);
    let aggregator = aggregator_with(&[WireVersion::V2], PYTHAGORAS_EPOCH, limits).await;
    let mut held = connections(&aggregator, 2).await;
    let mut third = tokio::net::TcpStream::connect(aggregator.address)
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match third.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the third connection of one host was served"
    );
    // Its first connections are still open: the server's settings, then nothing, no close.
    let still_open = loop {
        match tokio::time::timeout(
            std::time::Duration::from_millis(300),
            held[0].read(&mut buf),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => break false,
            Ok(Ok(_)) => continue,
            Err(_) => break true,
        }
    };
    assert!(
        still_open,
        "a connection within the host's share was closed"
    );
    // Once one closes, the host gets a place again.
    drop(held.pop());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let info = samples::node_info();
    let client = SignerClient::connect(aggregator.endpoint(), &info, &[WireVersion::V2])
        .await
        .unwrap();
    client.epoch_settings().await.unwrap();
}

/// Reflection, in both its versions, lists every service the endpoint serves, health included,
/// and gives the file that defines health's `Check`, as `grpcurl` needs.
#[tokio::test]
async fn reflection_lists_every_service_health_included() {
    use tonic_reflection::pb::{v1, v1alpha};
    let aggregator = aggregator(&[WireVersion::V1, WireVersion::V2], PYTHAGORAS_EPOCH).await;
    let channel = tonic::transport::Endpoint::from_shared(aggregator.endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let expected = [
        "grpc.health.v1.Health",
        "mithril.discovery.v1.DiscoveryService",
        "mithril.signer.v1.SignerService",
        "mithril.signer.v2.SignerService",
    ];

    let mut client = v1::server_reflection_client::ServerReflectionClient::new(channel.clone());
    let requests = vec![
        v1::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
                String::new(),
            )),
        },
        v1::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                v1::server_reflection_request::MessageRequest::FileContainingSymbol(
                    "grpc.health.v1.Health.Check".into(),
                ),
            ),
        },
    ];
    let mut responses = client
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    let Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("no service list")
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    for service in expected {
        assert!(names.contains(&service), "{service} missing from {names:?}");
    }
    let Some(v1::server_reflection_response::MessageResponse::FileDescriptorResponse(files)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("no file for grpc.health.v1.Health.Check")
    };
    assert!(!files.file_descriptor_proto.is_empty());

    let mut client = v1alpha::server_reflection_client::ServerReflectionClient::new(channel);
    let mut responses = client
        .server_reflection_info(tokio_stream::iter(vec![v1alpha::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
            ),
        }]))
        .await
        .unwrap()
        .into_inner();
    let Some(v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("no service list (v1alpha)")
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    for service in expected {
        assert!(
            names.contains(&service),
            "v1alpha: {service} missing from {names:?}"
        );
    }
}
