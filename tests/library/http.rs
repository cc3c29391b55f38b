//! The HTTP transport over real loopback TCP: today's JSON requests byte for byte, protobuf v1
//! and v2 by content negotiation, 415 and 406, Mithril's headers and statuses, the era policy,
//! one state with gRPC, bad input, and the signer's client.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mithril_compat::adoption::RegistrationWire;
use mithril_compat::domain::{
    Epoch, EpochSettings, NodeInfo, SignerRegistration, SoftwareVersion, Stake, WireVersionId,
};
use mithril_compat::era::{Era, EraMarker, NetworkMagic};
use mithril_compat::samples;
use mithril_compat::transport::aggregator::{AggregatorState, BackendError, InMemoryBackend};
use mithril_compat::transport::http::client::{ClientError, HttpClient, RetryPolicy};
use mithril_compat::transport::http::{Format, HttpConfig, HttpLimits, router};
use mithril_compat::wire::json::http::{
    RegisterSignaturesOutcome, RegisterSignerOutcome, SignerAction,
};
use mithril_compat::wire::{WireVersion, v1, v2};
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LAGRANGE_AT: u64 = 512;

struct Aggregator {
    address: SocketAddr,
    backend: Arc<InMemoryBackend>,
    state: Arc<AggregatorState>,
}

impl Aggregator {
    fn base(&self) -> String {
        format!("http://{}/aggregator", self.address)
    }
}

fn markers() -> Vec<EraMarker> {
    vec![
        EraMarker::scheduled(Era::Pythagoras.era_name(), Epoch(0)),
        EraMarker::scheduled(Era::Lagrange.era_name(), Epoch(LAGRANGE_AT)),
    ]
}

async fn aggregator(epoch: u64, config: HttpConfig) -> Aggregator {
    aggregator_serving(&[WireVersion::V1, WireVersion::V2], epoch, config).await
}

async fn aggregator_serving(served: &[WireVersion], epoch: u64, config: HttpConfig) -> Aggregator {
    let backend = Arc::new(InMemoryBackend::new(
        samples::epoch_settings()
            .signer_registration_protocol_parameters
            .unwrap(),
        Era::Lagrange.era_name(),
    ));
    backend.set_stakes(BTreeMap::from([(samples::pool_id(1), Stake(1_000))]));
    let backend = Arc::new(
        Arc::try_unwrap(backend)
            .unwrap()
            .with_default_stake(Stake(10)),
    );
    backend.set_epoch_settings(samples::epoch_settings());
    backend.set_epoch(Epoch(epoch));
    let state = Arc::new(AggregatorState::new(
        backend.clone(),
        SoftwareVersion::new("0.3.0").unwrap(),
        served.to_vec(),
        NetworkMagic::PREPROD,
    ));
    state.set_epoch(Epoch(epoch), markers());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(state.clone(), &config);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Aggregator {
        address,
        backend,
        state,
    }
}

/// One raw HTTP/1.1 exchange, as `curl` would make it; returns the status, the headers
/// (lowercase names) and the body.
async fn raw(address: SocketAddr, request: &[u8]) -> (u16, BTreeMap<String, String>, Vec<u8>) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(bytes[..split].to_vec()).unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect();
    (status, headers, bytes[split + 4..].to_vec())
}

fn post(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST /aggregator{path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn get(path: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut request =
        format!("GET /aggregator{path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.into_bytes()
}

fn golden_json(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/golden/json/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn protobuf(version: WireVersion, message: &str) -> String {
    format!(
        "application/x-protobuf; proto={}.{message}",
        version.package()
    )
}

/// Posts `message` in `version`, named `name` in its content type.
async fn send_protobuf(
    address: SocketAddr,
    path: &str,
    version: WireVersion,
    name: &str,
    message: mithril_compat::wire::HubMessage,
) -> (u16, BTreeMap<String, String>, Vec<u8>) {
    raw(
        address,
        &post(
            path,
            &[("content-type", &protobuf(version, name))],
            &encode(version, &message),
        ),
    )
    .await
}

fn node_info(eras: &[Era]) -> NodeInfo {
    NodeInfo::new(
        SoftwareVersion::new("0.4.0").unwrap(),
        eras.iter().map(|era| era.era_name()).collect(),
        vec![
            WireVersionId::new(1).unwrap(),
            WireVersionId::new(2).unwrap(),
        ],
    )
    .unwrap()
}

fn registration(eras: &[Era]) -> SignerRegistration {
    SignerRegistration {
        node_info: node_info(eras),
        ..samples::signer_registration()
    }
}

fn encode(version: WireVersion, message: &mithril_compat::wire::HubMessage) -> Vec<u8> {
    mithril_compat::wire::encode(version, message).unwrap()
}

fn rpc_status(body: &[u8]) -> tonic_types::Status {
    tonic_types::Status::decode(body).expect("a google.rpc.Status body")
}

#[tokio::test]
async fn todays_json_requests_are_served_with_mithrils_statuses_and_headers() {
    let aggregator = aggregator(500, HttpConfig::default()).await;
    // As today's signer sends it: reqwest's `.json()` content type and the version header.
    let body = golden_json("register_signer.json");
    let (status, headers, answer) = raw(
        aggregator.address,
        &post(
            "/register-signer",
            &[
                ("content-type", "application/json"),
                ("signer-node-version", "0.2.5"),
                ("mithril-api-version", "0.1.69"),
            ],
            &body,
        ),
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
    assert!(answer.is_empty());
    assert_eq!(headers["mithril-api-version"], "0.1.71");
    assert_eq!(headers["aggregator-node-version"], "0.3.0");
    let registrations = aggregator.backend.registrations(Epoch(541));
    assert_eq!(registrations.len(), 1);
    assert_eq!(
        registrations[0].node_info.software_version().as_str(),
        "0.2.5"
    );
    let registration_json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        registrations[0].party_id.as_str(),
        registration_json["party_id"].as_str().unwrap()
    );

    // No content type at all is JSON, as warp reads it.
    let body = golden_json("register_signature_cardano_transactions.json");
    let (status, _, _) = raw(
        aggregator.address,
        &post("/register-signatures", &[], &body),
    )
    .await;
    assert_eq!(status, 201);
    let signatures = aggregator.backend.signatures();
    assert_eq!(signatures.len(), 1);
    assert_eq!(signatures[0].1, RegistrationWire::Json);

    // The epoch settings in today's JSON: no stake member, as upstream publishes them.
    let (status, headers, answer) = raw(aggregator.address, &get("/epoch-settings", &[])).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    let settings: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert!(settings["current_signers"][0].get("stake").is_none());
    assert_eq!(settings["epoch"], samples::epoch_settings().epoch.0);

    // The protocol configuration of the epochs today's signer asks for before it registers
    // (the one before, the current one and the next), and a 404 far from the current epoch.
    for epoch in [499, 500, 501] {
        let (status, _, answer) = raw(
            aggregator.address,
            &get(&format!("/protocol-configuration/{epoch}"), &[]),
        )
        .await;
        assert_eq!(
            status,
            200,
            "epoch {epoch}: {}",
            String::from_utf8_lossy(&answer)
        );
        let configuration: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        let parameters = samples::epoch_settings()
            .signer_registration_protocol_parameters
            .unwrap();
        assert_eq!(configuration["protocol_parameters"]["k"], parameters.k());
        assert_eq!(configuration["protocol_parameters"]["m"], parameters.m());
        assert_eq!(
            configuration["available_signed_entity_types"],
            serde_json::json!(["MithrilStakeDistribution"])
        );
    }
    let (status, _, _) = raw(aggregator.address, &get("/protocol-configuration/600", &[])).await;
    assert_eq!(status, 404);

    // `GET /` advertises the wire versions in a member today's clients ignore.
    let (status, _, answer) = raw(aggregator.address, &get("/", &[])).await;
    assert_eq!(status, 200);
    let features: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(
        features["capabilities"]["wire_versions"],
        serde_json::json!([1, 2])
    );
    assert_eq!(features["open_api_version"], "0.1.71");

    // 404 carries the headers too, with no body, as upstream.
    let (status, headers, answer) = raw(aggregator.address, &get("/no-such-route", &[])).await;
    assert_eq!(status, 404);
    assert!(answer.is_empty());
    assert_eq!(headers["mithril-api-version"], "0.1.71");
}

#[tokio::test]
async fn protobuf_v1_and_v2_bodies_are_served_by_content_type() {
    let aggregator = aggregator(500, HttpConfig::default()).await;
    for version in [WireVersion::V1, WireVersion::V2] {
        let registration = registration(&[Era::Pythagoras, Era::Lagrange]);
        let body = encode(version, &registration.clone().into());
        let (status, _, answer) = raw(
            aggregator.address,
            &post(
                "/register-signer",
                &[("content-type", &protobuf(version, "SignerRegistration"))],
                &body,
            ),
        )
        .await;
        assert_eq!(
            status,
            201,
            "{version:?}: {}",
            String::from_utf8_lossy(&answer)
        );
        let signature = samples::single_signature();
        let body = encode(version, &signature.clone().into());
        let (status, _, _) = raw(
            aggregator.address,
            &post(
                "/register-signatures",
                &[("content-type", &protobuf(version, "SingleSignature"))],
                &body,
            ),
        )
        .await;
        assert_eq!(status, 201);
        // The answer in the version asked, named in its content type.
        let accept = protobuf(version, "EpochSettings");
        let (status, headers, answer) = raw(
            aggregator.address,
            &get("/epoch-settings", &[("accept", &accept)]),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], accept);
        let decoded = match version {
            WireVersion::V1 => v1::decode::<EpochSettings>(&answer[..]).unwrap(),
            _ => v2::decode::<EpochSettings>(&answer[..]).unwrap(),
        };
        assert_eq!(decoded, samples::epoch_settings());
    }
    let wires: Vec<_> = aggregator
        .backend
        .signatures()
        .into_iter()
        .map(|(_, wire)| wire)
        .collect();
    // The same signature twice is kept once: the v2 copy was the same party, entity and message.
    assert_eq!(
        wires,
        vec![RegistrationWire::Protobuf(WireVersion::V1.id())]
    );
    assert_eq!(aggregator.backend.received_count(), 4);
}

#[tokio::test]
async fn types_that_are_not_served_get_415_and_answers_that_cannot_be_given_406() {
    let aggregator = aggregator(500, HttpConfig::default()).await;
    let registration = encode(WireVersion::V2, &samples::signer_registration().into());
    for content_type in [
        "text/plain",
        "application/x-protobuf",
        "application/x-protobuf; proto=mithril.signer.v2.SingleSignature",
        "application/x-protobuf; proto=mithril.signer.v7.SignerRegistration",
    ] {
        let (status, headers, answer) = raw(
            aggregator.address,
            &post(
                "/register-signer",
                &[("content-type", content_type)],
                &registration,
            ),
        )
        .await;
        assert_eq!(status, 415, "{content_type}");
        assert!(headers["content-type"].starts_with("application/json"));
        let error: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(error["label"], "unsupported_media_type");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("proto=mithril.signer.v2.SignerRegistration"),
            "the refusal names what the route takes: {error}"
        );
    }
    for accept in ["text/html", "application/json;q=0, application/xml"] {
        let (status, _, _) = raw(
            aggregator.address,
            &get("/epoch-settings", &[("accept", accept)]),
        )
        .await;
        assert_eq!(status, 406, "{accept}");
    }
    // A protobuf body sent as JSON, and JSON sent as protobuf: 400, nothing recorded.
    let (status, _, answer) = raw(
        aggregator.address,
        &post(
            "/register-signer",
            &[("content-type", "application/json")],
            &registration,
        ),
    )
    .await;
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(error["label"], "invalid_body");
    let (status, headers, answer) = raw(
        aggregator.address,
        &post(
            "/register-signer",
            &[(
                "content-type",
                &protobuf(WireVersion::V2, "SignerRegistration"),
            )],
            &golden_json("register_signer.json"),
        ),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        headers["content-type"],
        "application/x-protobuf; proto=google.rpc.Status"
    );
    let error = rpc_status(&answer);
    assert_eq!(error.code, tonic::Code::InvalidArgument as i32);
    assert!(!error.message.is_empty());
    assert_eq!(aggregator.backend.received_count(), 0);
}

#[tokio::test]
async fn oversized_garbage_truncated_and_slow_bodies_are_refused_while_others_are_served() {
    let config = HttpConfig::default()
        .with_limits(HttpLimits::default().with_body_timeout(Duration::from_millis(300)));
    let aggregator = aggregator(500, config).await;
    let content_type = protobuf(WireVersion::V2, "SingleSignature");
    // Over 256 KiB, announced.
    let big = vec![0u8; 300 * 1024];
    let (status, _, _) = raw(
        aggregator.address,
        &post(
            "/register-signatures",
            &[("content-type", &content_type)],
            &big,
        ),
    )
    .await;
    assert_eq!(status, 413);
    // Over 256 KiB, chunked: no length announced.
    let mut chunked = format!(
        "POST /aggregator/register-signatures HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..40 {
        chunked.extend_from_slice(format!("{:x}\r\n", 8192).as_bytes());
        chunked.extend_from_slice(&[0u8; 8192]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, _, _) = raw(aggregator.address, &chunked).await;
    assert_eq!(status, 413);
    // Garbage and a truncated message: 400 with a google.rpc.Status.
    let whole = encode(WireVersion::V2, &samples::single_signature().into());
    for body in [
        b"\xff\xff\xff garbage".to_vec(),
        whole[..whole.len() / 2].to_vec(),
    ] {
        let (status, _, answer) = raw(
            aggregator.address,
            &post(
                "/register-signatures",
                &[("content-type", &content_type)],
                &body,
            ),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(
            rpc_status(&answer).code,
            tonic::Code::InvalidArgument as i32
        );
    }
    // A client that announces a body and never finishes it gets 408; another is served meanwhile.
    let mut slow = TcpStream::connect(aggregator.address).await.unwrap();
    slow.write_all(
        format!(
            "POST /aggregator/register-signatures HTTP/1.1\r\nhost: x\r\ncontent-type: {content_type}\r\ncontent-length: 100\r\n\r\n0123456789"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let (status, _, _) = raw(aggregator.address, &get("/epoch-settings", &[])).await;
    assert_eq!(status, 200);
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes within its body timeout")
        .unwrap();
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(aggregator.backend.received_count(), 0);
    // Still serving.
    let (status, _, _) = raw(
        aggregator.address,
        &post(
            "/register-signatures",
            &[("content-type", &content_type)],
            &whole,
        ),
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn the_era_policy_refuses_and_warns_as_over_grpc() {
    // Lagrange in force: v1 is no longer accepted, v2 is; JSON stays today's API.
    let aggregator = aggregator(520, HttpConfig::default()).await;
    let registration = registration(&[Era::Pythagoras, Era::Lagrange]);
    let (status, _, answer) = send_protobuf(
        aggregator.address,
        "/register-signer",
        WireVersion::V1,
        "SignerRegistration",
        registration.clone().into(),
    )
    .await;
    assert_eq!(status, 400);
    let error = rpc_status(&answer);
    assert_eq!(error.code, tonic::Code::FailedPrecondition as i32);
    assert!(
        error.message.contains("requires mithril.signer.v2"),
        "{}",
        error.message
    );
    assert!(error.message.ends_with("upgrade"));
    assert!(!error.details.is_empty(), "a precondition-failure detail");
    // A v2 signer that does not declare lagrange is refused with the operator's sentence.
    let (status, _, answer) = send_protobuf(
        aggregator.address,
        "/register-signer",
        WireVersion::V2,
        "SignerRegistration",
        self::registration(&[Era::Pythagoras]).into(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        rpc_status(&answer)
            .message
            .contains("is not supported by this signer")
    );
    // In JSON, the same refusal would be `{"label","message"}`; JSON itself is accepted.
    let (status, _, _) = raw(
        aggregator.address,
        &post(
            "/register-signer",
            &[("content-type", "application/json")],
            &golden_json("register_signer.json"),
        ),
    )
    .await;
    assert_eq!(status, 201);

    // The client reads the refusal, in protobuf and in JSON, and does not try again.
    for speaks in [&[WireVersion::V1][..], &[]] {
        let mut client = HttpClient::builder(&aggregator.base())
            .speaks(speaks)
            .build()
            .unwrap();
        client.discover().await.unwrap();
        let signer = self::registration(&[Era::Pythagoras]);
        match client.register_signer(&signer).await {
            Err(error) if speaks.is_empty() => panic!("JSON is accepted in lagrange: {error}"),
            Err(error) => {
                assert!(error.requires_upgrade(), "{error}");
                assert!(
                    matches!(error, ClientError::Status { attempts: 1, .. }),
                    "{error}"
                );
            }
            Ok(sent) => assert_eq!(sent.format, Format::Json),
        }
    }

    // Before the switch, a v2 signer that does not declare lagrange is warned.
    let before = self::aggregator(500, HttpConfig::default()).await;
    let (status, headers, _) = send_protobuf(
        before.address,
        "/register-signer",
        WireVersion::V2,
        "SignerRegistration",
        self::registration(&[Era::Pythagoras]).into(),
    )
    .await;
    assert_eq!(status, 201);
    assert!(
        headers["mithril-era-warning"].contains("lagrange starts at epoch 512"),
        "{headers:?}"
    );
}

#[tokio::test]
async fn one_state_serves_grpc_and_http_and_a_registration_counts_once() {
    let aggregator = aggregator(500, HttpConfig::default()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc_address = listener.local_addr().unwrap();
    tokio::spawn(mithril_compat::transport::grpc::serve(
        listener,
        aggregator.state.clone(),
        std::future::pending(),
    ));
    let registration = registration(&[Era::Pythagoras, Era::Lagrange]);
    let grpc = mithril_compat::transport::grpc::SignerClient::connect(
        format!("http://{grpc_address}"),
        &registration.node_info,
        WireVersion::ALL,
    )
    .await
    .unwrap();
    grpc.register_signer(&registration).await.unwrap();
    let mut http = HttpClient::builder(&aggregator.base()).build().unwrap();
    http.discover().await.unwrap();
    let sent = http.register_signer(&registration).await.unwrap();
    assert_eq!(sent.outcome, RegisterSignerOutcome::Registered);
    assert_eq!(
        aggregator.backend.registrations(registration.epoch).len(),
        1
    );
    let report = aggregator
        .backend
        .with_monitor(|monitor| monitor.report(registration.epoch).unwrap());
    assert_eq!(report.tally.signers, 1, "{report:?}");
}

#[tokio::test]
async fn the_client_negotiates_the_newest_common_version_and_falls_back_to_json() {
    let registration = registration(&[Era::Pythagoras, Era::Lagrange]);
    // Both versions served: v2.
    let aggregator = aggregator(500, HttpConfig::default()).await;
    let mut client = HttpClient::builder(&aggregator.base()).build().unwrap();
    client.discover().await.unwrap();
    assert_eq!(client.negotiated(), Format::Protobuf(WireVersion::V2));
    let sent = client.register_signer(&registration).await.unwrap();
    assert_eq!(sent.format, Format::Protobuf(WireVersion::V2));
    assert!(sent.dropped.is_empty());
    assert_eq!(
        client.epoch_settings().await.unwrap(),
        samples::epoch_settings()
    );
    // A client that speaks v1 only: v1.
    let mut old = HttpClient::builder(&aggregator.base())
        .speaks(&[WireVersion::V1])
        .build()
        .unwrap();
    old.discover().await.unwrap();
    assert_eq!(old.negotiated(), Format::Protobuf(WireVersion::V1));

    // An aggregator that advertises no version (today's): JSON, and the declaration JSON cannot
    // carry is dropped and said.
    let json_only = aggregator_serving(&[], 500, HttpConfig::default()).await;
    let mut client = HttpClient::builder(&json_only.base()).build().unwrap();
    client.discover().await.unwrap();
    assert_eq!(client.negotiated(), Format::Json);
    let unsigned = SignerRegistration {
        node_info_signature: None,
        ..registration.clone()
    };
    let sent = client.register_signer(&unsigned).await.unwrap();
    assert_eq!(sent.format, Format::Json);
    assert_eq!(sent.outcome, RegisterSignerOutcome::Registered);
    assert!(
        sent.dropped
            .iter()
            .any(|path| path.to_string().contains("supported_eras"))
    );
    assert_eq!(
        json_only.backend.registrations(registration.epoch)[0]
            .node_info
            .software_version()
            .as_str(),
        "0.4.0",
        "the software version travels in signer-node-version"
    );
    let _ = &json_only.state;
}

/// A server that answers every POST with `status` and counts the calls, and 415 to protobuf
/// when `refuse_protobuf`.
async fn scripted(
    status: u16,
    refuse_protobuf: bool,
) -> (String, Arc<std::sync::atomic::AtomicU32>) {
    use std::sync::atomic::{AtomicU32, Ordering};
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let app = axum::Router::new()
        .route(
            "/aggregator/",
            axum::routing::get(|| async {
                (
                    [("content-type", "application/json")],
                    serde_json::to_vec(&serde_json::json!({
                        "open_api_version": "0.1.71",
                        "documentation_url": "https://example.org",
                        "capabilities": {"signed_entity_types": ["MithrilStakeDistribution"], "wire_versions": [1, 2]}
                    }))
                    .unwrap(),
                )
            }),
        )
        .fallback(move |request: axum::extract::Request| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let protobuf = request
                    .headers()
                    .get("content-type")
                    .is_some_and(|value| value.to_str().unwrap().contains("protobuf"));
                let code = if refuse_protobuf && protobuf { 415 } else { status };
                (
                    axum::http::StatusCode::from_u16(code).unwrap(),
                    [("content-type", "application/json")],
                    r#"{"label":"x","message":"scripted"}"#,
                )
            }
        });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/aggregator"), calls)
}

#[tokio::test]
async fn the_client_acts_on_statuses_as_mithrils_signer_does() {
    use std::sync::atomic::Ordering;
    let quick = RetryPolicy {
        attempts: 3,
        delay: Duration::from_millis(10),
    };
    let signature = samples::single_signature();
    // 202 and 410 are done at once; 550 is returned for the next cycle, not retried.
    for (status, outcome) in [
        (202, RegisterSignaturesOutcome::Buffered),
        (410, RegisterSignaturesOutcome::Gone),
    ] {
        let (base, calls) = scripted(status, false).await;
        let mut client = HttpClient::builder(&base).retry(quick).build().unwrap();
        let sent = client.register_signature(&signature).await.unwrap();
        assert_eq!(sent.outcome, outcome);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
    let (base, calls) = scripted(550, false).await;
    let mut client = HttpClient::builder(&base).retry(quick).build().unwrap();
    let sent = client
        .register_signer(&registration(&[Era::Pythagoras]))
        .await
        .unwrap();
    assert_eq!(sent.outcome, RegisterSignerOutcome::RoundNotOpen);
    assert_eq!(sent.outcome.action(), SignerAction::RetryNextCycle);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // A registration is sent once, whatever the answer, as today's signer sends it: it starts
    // again at its next cycle.
    for status in [400, 500] {
        let (base, calls) = scripted(status, false).await;
        let mut client = HttpClient::builder(&base).retry(quick).build().unwrap();
        let error = client
            .register_signer(&registration(&[Era::Pythagoras]))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ClientError::Status { attempts: 1, .. }),
            "{status}: {error}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{status}");
    }
    // A signature answered 500: three tries, then the error with the server's message.
    let (base, calls) = scripted(500, false).await;
    let mut client = HttpClient::builder(&base).retry(quick).build().unwrap();
    let error = client.register_signature(&signature).await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Status { status, attempts: 3, message, upgrade_required: false } if status.as_u16() == 500 && message == "scripted"),
        "{error}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // 415 to protobuf: JSON from then on, at once.
    let (base, calls) = scripted(201, true).await;
    let mut client = HttpClient::builder(&base).retry(quick).build().unwrap();
    client.discover().await.unwrap();
    assert_eq!(client.negotiated(), Format::Protobuf(WireVersion::V2));
    let sent = client.register_signature(&signature).await.unwrap();
    assert_eq!(sent.outcome, RegisterSignaturesOutcome::Registered);
    assert_eq!(sent.format, Format::Json);
    assert_eq!(client.negotiated(), Format::Json);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // Nobody listening: three tries, then a transport error.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let mut client = HttpClient::builder(&format!("http://{address}/aggregator"))
        .retry(quick)
        .build()
        .unwrap();
    let error = client.register_signature(&signature).await.unwrap_err();
    assert!(
        matches!(error, ClientError::Transport { attempts: 3, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn backend_failures_take_mithrils_statuses() {
    use mithril_compat::transport::http::HttpError;
    for (error, status) in [
        (BackendError::Refused("x".into()), 400),
        (BackendError::Gone("x".into()), 410),
        (BackendError::NotFound("x".into()), 404),
        (BackendError::RoundNotOpen("x".into()), 550),
        (BackendError::Unavailable("x".into()), 503),
        (BackendError::Internal("x".into()), 500),
    ] {
        let answer = HttpError::backend(error);
        assert_eq!(answer.status().as_u16(), status);
        let (_, body) = answer.body_parts();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        // Client errors carry a label, server errors only a message, as upstream writes them.
        assert_eq!(body.get("label").is_some(), status < 500);
        assert_eq!(body["message"], "x");
    }
}

#[tokio::test]
async fn the_client_reads_answers_within_its_limit() {
    // An aggregator whose epoch settings are larger than the client accepts.
    let aggregator = aggregator(500, HttpConfig::default()).await;
    let client = HttpClient::builder(&aggregator.base())
        .max_answer_bytes(1024)
        .build()
        .unwrap();
    let error = client.epoch_settings().await.unwrap_err();
    assert!(
        matches!(error, ClientError::TooLarge { limit: 1024 }),
        "{error}"
    );
    // Within the default limit, the same answer reads (in JSON: no stake, as today).
    let client = HttpClient::builder(&aggregator.base()).build().unwrap();
    let settings = client.epoch_settings().await.unwrap();
    assert_eq!(settings.epoch, samples::epoch_settings().epoch);
    assert_eq!(
        settings.current_signers.len(),
        samples::epoch_settings().current_signers.len()
    );
}

#[tokio::test]
async fn a_long_accept_header_is_read_up_to_its_bound() {
    let aggregator = aggregator(500, HttpConfig::default()).await;
    // 32 entries the route cannot answer, then one it can: past the bound, it is not read.
    let mut accept = vec!["text/html"; 32];
    accept.push("application/json");
    let (status, _, _) = raw(
        aggregator.address,
        &get("/epoch-settings", &[("accept", &accept.join(", "))]),
    )
    .await;
    assert_eq!(status, 406);
    let (status, _, _) = raw(
        aggregator.address,
        &get("/epoch-settings", &[("accept", &accept[1..].join(", "))]),
    )
    .await;
    assert_eq!(status, 200);
}
