//! The migration proxy: protobuf signers reach a JSON-only aggregator that mimics Mithril's
//! routes (reading bodies with serde_json only, as warp does), JSON signers reach a
//! protobuf-only aggregator, unknown members and headers pass intact, what cannot be converted
//! is refused, a down upstream gets 502, and absolute-form requests are forwarded.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use mithril_compat::adoption::RegistrationWire;
use mithril_compat::domain::{
    Epoch, NodeInfo, SignerRegistration, SoftwareVersion, Stake, WireVersionId,
};
use mithril_compat::era::{Era, EraMarker, NetworkMagic};
use mithril_compat::samples;
use mithril_compat::transport::aggregator::{AggregatorState, InMemoryBackend};
use mithril_compat::transport::http::client::HttpClient;
use mithril_compat::transport::http::proxy::{CONVERTED, DROPPED, Proxy, ProxyConfig};
use mithril_compat::transport::http::{Format, HttpConfig, router};
use mithril_compat::wire::WireVersion;
use mithril_compat::wire::json::http::{RegisterSignaturesOutcome, RegisterSignerOutcome};
use tokio::net::TcpListener;

/// What the mimic received: route, headers and the raw body.
type Received = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

/// An aggregator that mimics Mithril's routes the way warp serves them: JSON only (415 for
/// another content type), bodies read as JSON values, 201 on the POST routes, no advertised
/// wire versions.
async fn json_only_aggregator() -> (SocketAddr, Received) {
    let received: Received = Arc::default();
    async fn post(
        State(received): State<Received>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let json = headers
            .get("content-type")
            .is_none_or(|value| value.to_str().unwrap().starts_with("application/json"));
        if !json {
            return StatusCode::UNSUPPORTED_MEDIA_TYPE;
        }
        if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
            return StatusCode::BAD_REQUEST;
        }
        received
            .lock()
            .unwrap()
            .push((uri.path().to_owned(), headers, body));
        StatusCode::CREATED
    }
    let features = || async {
        json_answer(serde_json::json!({
            "open_api_version": "0.1.71",
            "documentation_url": "https://mithril.network/doc",
            "capabilities": {
                "signed_entity_types": ["MithrilStakeDistribution", "CardanoTransactions"],
                "aggregate_signature_type": "Concatenation",
                "a_member_of_tomorrow": true
            }
        }))
    };
    let settings = || async {
        let body = std::fs::read(format!(
            "{}/tests/golden/json/epoch_settings.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        ([("content-type", "application/json")], body)
    };
    let app = axum::Router::new()
        .route("/aggregator", axum::routing::get(features))
        .route("/aggregator/", axum::routing::get(features))
        .route("/aggregator/epoch-settings", axum::routing::get(settings))
        .route("/aggregator/register-signer", axum::routing::post(post))
        .route("/aggregator/register-signatures", axum::routing::post(post))
        .with_state(received.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, received)
}

fn json_answer(value: serde_json::Value) -> ([(&'static str, &'static str); 1], Vec<u8>) {
    (
        [("content-type", "application/json")],
        serde_json::to_vec(&value).unwrap(),
    )
}

async fn json_of(answer: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap()
}

async fn proxy_to(upstream: &str) -> SocketAddr {
    let proxy = Arc::new(Proxy::new(ProxyConfig::new(upstream)).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(mithril_compat::transport::http::proxy::serve(
        listener,
        proxy,
        std::future::pending(),
    ));
    address
}

fn registration() -> SignerRegistration {
    SignerRegistration {
        node_info: NodeInfo::new(
            SoftwareVersion::new("0.4.0").unwrap(),
            vec![Era::Pythagoras.era_name(), Era::Lagrange.era_name()],
            vec![WireVersionId::new(2).unwrap()],
        )
        .unwrap(),
        // Unsigned, as today's signers: JSON has no member for what it declares.
        node_info_signature: None,
        ..samples::signer_registration()
    }
}

fn golden_json(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/golden/json/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test]
async fn a_protobuf_v2_signer_reaches_a_json_only_aggregator() {
    let (upstream, received) = json_only_aggregator().await;
    let proxy = proxy_to(&format!("http://{upstream}")).await;
    let mut client = HttpClient::builder(&format!("http://{proxy}/aggregator"))
        .build()
        .unwrap();
    let features = client.discover().await.unwrap();
    // The proxy advertises what it converts to, so the signer speaks v2 to it.
    assert_eq!(client.negotiated(), Format::Protobuf(WireVersion::V2));
    assert_eq!(features.signed_entity_types.len(), 2);
    let registration = registration();
    let sent = client.register_signer(&registration).await.unwrap();
    assert_eq!(sent.outcome, RegisterSignerOutcome::Registered);
    assert_eq!(sent.format, Format::Protobuf(WireVersion::V2));
    let signature = samples::single_signature();
    let sent = client.register_signature(&signature).await.unwrap();
    assert_eq!(sent.outcome, RegisterSignaturesOutcome::Registered);
    // The epoch settings come back in v2, converted from the aggregator's JSON.
    let settings = client.epoch_settings().await.unwrap();
    let expected: mithril_compat::domain::EpochSettings = mithril_compat::wire::json::decode(
        &golden_json("epoch_settings.json"),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(settings, expected);

    let received = received.lock().unwrap();
    assert_eq!(received.len(), 2);
    let (route, headers, body) = &received[0];
    assert_eq!(route, "/aggregator/register-signer");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["signer-node-version"], "0.4.0");
    // What the aggregator read is today's registration body, equal to the hub value's JSON.
    let written = mithril_compat::wire::json::encode_lossy(&registration).unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(body).unwrap(),
        serde_json::from_slice::<serde_json::Value>(&written.body).unwrap()
    );
    let (route, _, body) = &received[1];
    assert_eq!(route, "/aggregator/register-signatures");
    assert_eq!(
        mithril_compat::wire::json::decode::<mithril_compat::domain::SingleSignature>(
            body,
            &Default::default()
        )
        .unwrap(),
        signature
    );
}

#[tokio::test]
async fn json_signers_pass_intact_with_unknown_members_and_headers() {
    let (upstream, received) = json_only_aggregator().await;
    let proxy = proxy_to(&format!("http://{upstream}")).await;
    let mut body: serde_json::Value =
        serde_json::from_slice(&golden_json("register_signer.json")).unwrap();
    body["a_member_of_tomorrow"] = serde_json::json!({"nested": [1, 2, 3]});
    let body = serde_json::to_vec_pretty(&body).unwrap();
    let answer = reqwest::Client::new()
        .post(format!("http://{proxy}/aggregator/register-signer"))
        .header("content-type", "application/json")
        .header("signer-node-version", "0.2.5")
        .header("x-operator-tag", "kept")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert!(
        answer.headers().get(CONVERTED).is_none(),
        "passed, not converted"
    );
    let (_, headers, forwarded) = received.lock().unwrap()[0].clone();
    assert_eq!(&forwarded[..], &body[..], "byte for byte");
    assert_eq!(headers["x-operator-tag"], "kept");
    assert_eq!(headers["signer-node-version"], "0.2.5");
    // `GET /` in JSON keeps every member and adds the wire versions.
    let features = json_of(
        reqwest::get(format!("http://{proxy}/aggregator/"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(features["capabilities"]["a_member_of_tomorrow"], true);
    assert_eq!(
        features["capabilities"]["wire_versions"],
        serde_json::json!([1, 2])
    );
}

async fn protobuf_only_aggregator() -> (SocketAddr, Arc<InMemoryBackend>) {
    let backend = Arc::new(
        InMemoryBackend::new(
            samples::epoch_settings()
                .signer_registration_protocol_parameters
                .unwrap(),
            Era::Lagrange.era_name(),
        )
        .with_default_stake(Stake(10)),
    );
    backend.set_epoch_settings(samples::epoch_settings());
    backend.set_stakes(BTreeMap::new());
    let state = Arc::new(AggregatorState::new(
        backend.clone(),
        SoftwareVersion::new("0.4.0").unwrap(),
        vec![WireVersion::V2],
        NetworkMagic::PREPROD,
    ));
    state.set_epoch(
        Epoch(500),
        vec![EraMarker::scheduled(Era::Pythagoras.era_name(), Epoch(0))],
    );
    let app = router(state, &HttpConfig::default().protobuf_only());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, backend)
}

#[tokio::test]
async fn json_signers_reach_a_protobuf_only_aggregator() {
    let (upstream, backend) = protobuf_only_aggregator().await;
    let proxy = proxy_to(&format!("http://{upstream}")).await;
    let http = reqwest::Client::new();
    // Exactly as today's signer: JSON body, version header.
    let answer = http
        .post(format!("http://{proxy}/aggregator/register-signer"))
        .header("content-type", "application/json")
        .header("signer-node-version", "0.2.5")
        .body(golden_json("register_signer.json"))
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let converted = answer.headers().get(CONVERTED).cloned();
    assert_eq!(status, 201, "{}", answer.text().await.unwrap());
    assert_eq!(converted.unwrap(), "json->mithril.signer.v2");
    let registrations = backend.registrations(Epoch(541));
    assert_eq!(registrations.len(), 1);
    assert_eq!(
        registrations[0].node_info.software_version().as_str(),
        "0.2.5"
    );
    // Answers come back in JSON, converted from v2.
    let settings = json_of(
        http.get(format!("http://{proxy}/aggregator/epoch-settings"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(settings["epoch"], samples::epoch_settings().epoch.0);
    // A JSON body with a member protobuf cannot carry is refused, not altered.
    let mut body: serde_json::Value =
        serde_json::from_slice(&golden_json("register_signature_cardano_transactions.json"))
            .unwrap();
    body["a_member_of_tomorrow"] = serde_json::json!(1);
    let answer = http
        .post(format!("http://{proxy}/aggregator/register-signatures"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    let error = json_of(answer).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("a_member_of_tomorrow"),
        "{error}"
    );
    assert!(backend.signatures().is_empty());
    assert!(matches!(
        backend.signatures_of(Epoch(0)).first(),
        None | Some((_, RegistrationWire::Protobuf(_)))
    ));
}

#[tokio::test]
async fn a_down_upstream_gets_502_and_connect_501_and_the_counters_say_what_passed() {
    // The proxy's own port is taken first, so that the port of the upstream that is gone
    // cannot be the proxy's (a proxy whose upstream is itself forwards to itself).
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = closed.local_addr().unwrap();
    drop(closed);
    assert_ne!(gone, address);
    let (_, answer) = json_registration_through(listener, &format!("http://{gone}")).await;
    assert_eq!(answer.status(), 502);
    let error = json_of(answer).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{error}"
    );
    // CONNECT (an https endpoint through the proxy) cannot be converted.
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"CONNECT aggregator:443 HTTP/1.1\r\nhost: aggregator:443\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 501");
    let metrics = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"mithril_compat_proxy_requests_total{route="/register-signer",from="json",to="json",outcome="Failed"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_unmodified_signer_uses_it_as_its_relay_endpoint() {
    let (upstream, received) = json_only_aggregator().await;
    let proxy = proxy_to(&format!("http://{upstream}")).await;
    // As Mithril's signer does with `relay_endpoint`: reqwest with `Proxy::all`, the aggregator
    // endpoint unchanged. The request reaches the proxy in absolute form.
    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(format!("http://{proxy}")).unwrap())
        .build()
        .unwrap();
    let answer = http
        .post("http://aggregator.invalid:8080/aggregator/register-signatures")
        .header("content-type", "application/json")
        .body(golden_json(
            "register_signature_mithril_stake_distribution.json",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(
        &received.lock().unwrap()[0].2[..],
        &golden_json("register_signature_mithril_stake_distribution.json")[..]
    );
    // Our client through the same relay setting speaks v2 to the proxy.
    let mut client = HttpClient::builder("http://aggregator.invalid:8080/aggregator")
        .proxy(&format!("http://{proxy}"))
        .build()
        .unwrap();
    client.discover().await.unwrap();
    let sent = client.register_signer(&registration()).await.unwrap();
    assert_eq!(sent.format, Format::Protobuf(WireVersion::V2));
    assert_eq!(sent.outcome, RegisterSignerOutcome::Registered);
    assert_eq!(received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_json_registration_declaring_eras_drops_them_and_says_so() {
    // A v2 signer against a JSON-only aggregator: its declaration has no place in JSON.
    let (upstream, _received) = json_only_aggregator().await;
    let proxy = proxy_to(&format!("http://{upstream}")).await;
    let body = mithril_compat::wire::v2::encode(&registration()).unwrap();
    let answer = reqwest::Client::new()
        .post(format!("http://{proxy}/aggregator/register-signer"))
        .header(
            "content-type",
            "application/x-protobuf; proto=mithril.signer.v2.SignerRegistration",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let dropped = answer.headers()[DROPPED].to_str().unwrap().to_owned();
    assert!(dropped.contains("supported_eras"), "{dropped}");
    assert!(dropped.contains("wire_versions"), "{dropped}");
}

#[tokio::test]
async fn bodies_that_do_not_decode_are_refused_by_the_proxy_and_nothing_reaches_upstream() {
    let (upstream, received) = json_only_aggregator().await;
    let proxy = proxy_to(&format!("http://{upstream}")).await;
    let http = reqwest::Client::new();
    let whole = mithril_compat::wire::v2::encode(&samples::single_signature()).unwrap();
    for body in [
        b"\xff\xff garbage".to_vec(),
        whole[..whole.len() / 2].to_vec(),
    ] {
        let answer = http
            .post(format!("http://{proxy}/aggregator/register-signatures"))
            .header(
                "content-type",
                "application/x-protobuf; proto=mithril.signer.v2.SingleSignature",
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400);
        let status: tonic_types::Status =
            prost::Message::decode(&answer.bytes().await.unwrap()[..]).unwrap();
        assert_eq!(status.code, tonic::Code::InvalidArgument as i32);
    }
    // Over the body limit: 413 before anything is read further.
    let answer = http
        .post(format!("http://{proxy}/aggregator/register-signatures"))
        .header("content-type", "application/json")
        .body(vec![b' '; 300 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_signed_declaration_crosses_the_proxy_into_json_and_still_verifies() {
    // A v2 signer with a pool's keys, a JSON-only aggregator, the migration proxy between them:
    // the declaration arrives whole and its signature still holds; a rewritten one does not.
    use mithril_compat::adoption::{Provenance, UnverifiedReason};
    use mithril_compat::cardano::{PoolKeys, certify};
    let (upstream, received) = json_only_aggregator().await;
    let proxy = proxy_to(&format!("http://{upstream}")).await;
    let keys = PoolKeys::new(
        ed25519_dalek::SigningKey::from_bytes(&[8; 32]),
        [9; 32],
        0,
        0,
    );
    let mut signed = SignerRegistration {
        verification_key_for_snark: None,
        verification_key_signature_for_snark: None,
        proof_of_bound_possession_for_snark: None,
        ..registration()
    };
    keys.certify(&mut signed, NetworkMagic::PREPROD).unwrap();
    let answer = reqwest::Client::new()
        .post(format!("http://{proxy}/aggregator/register-signer"))
        .header(
            "content-type",
            "application/x-protobuf; proto=mithril.signer.v2.SignerRegistration",
        )
        .body(mithril_compat::wire::v2::encode(&signed).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert!(answer.headers().get(DROPPED).is_none(), "nothing dropped");
    let (_, headers, body) = received.lock().unwrap().pop().unwrap();
    let json_headers = mithril_compat::wire::json::JsonHeaders::from_signer_node_version(
        headers
            .get("signer-node-version")
            .map(|value| value.to_str().unwrap()),
    )
    .unwrap();
    let arrived: SignerRegistration =
        mithril_compat::wire::json::decode(&body, &json_headers).unwrap();
    assert_eq!(arrived, signed);
    assert_eq!(
        certify(&arrived, RegistrationWire::Json, NetworkMagic::PREPROD),
        Provenance::Verified
    );
    // The same body with its eras rewritten on the way.
    let mut value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    value["node_info"]["supported_eras"] = serde_json::json!(["pythagoras"]);
    let rewritten: SignerRegistration =
        mithril_compat::wire::json::decode(&serde_json::to_vec(&value).unwrap(), &json_headers)
            .unwrap();
    assert_eq!(
        certify(&rewritten, RegistrationWire::Json, NetworkMagic::PREPROD),
        Provenance::Unverified(UnverifiedReason::NodeInfoSignature)
    );
}

#[tokio::test]
async fn a_proxy_whose_upstream_leads_back_to_it_answers_508_instead_of_looping() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (proxy, answer) = json_registration_through(listener, &format!("http://{address}")).await;
    assert_eq!(answer.status(), 508);
    let error = json_of(answer).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("already went through this proxy"),
        "{error}"
    );
    // Counted as refused, under its own route label.
    let metrics = proxy.metrics();
    assert!(metrics.contains("route=\"loop\""), "{metrics}");
}

/// Serves a proxy to `upstream` (which takes JSON) on `listener`, and sends it today's JSON
/// registration.
async fn json_registration_through(
    listener: TcpListener,
    upstream: &str,
) -> (Arc<Proxy>, reqwest::Response) {
    let address = listener.local_addr().unwrap();
    let proxy = Arc::new(
        Proxy::new(ProxyConfig::new(upstream).with_upstream_offer(
            mithril_compat::transport::http::Offer {
                versions: vec![],
                json: true,
            },
        ))
        .unwrap(),
    );
    tokio::spawn(mithril_compat::transport::http::proxy::serve(
        listener,
        proxy.clone(),
        std::future::pending(),
    ));
    let answer = reqwest::Client::new()
        .post(format!("http://{address}/aggregator/register-signer"))
        .header("content-type", "application/json")
        .body(golden_json("register_signer.json"))
        .send()
        .await
        .unwrap();
    (proxy, answer)
}

/// A v2 signature with field 99 (a varint holding 1), a field of a newer schema, posted to
/// `proxy`.
async fn post_with_a_newer_field(http: &reqwest::Client, proxy: SocketAddr) -> reqwest::Response {
    let mut body = mithril_compat::wire::v2::encode(&samples::single_signature()).unwrap();
    body.extend([0x98, 0x06, 0x01]);
    http.post(format!("http://{proxy}/aggregator/register-signatures"))
        .header(
            "content-type",
            Format::Protobuf(WireVersion::V2)
                .content_type(mithril_compat::wire::MessageKind::SingleSignature),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A newer signer's additive protobuf fields, which prost would skip without a word, are refused
/// by name when the body must be converted; an answer's parts this build does not declare are
/// named in `mithril-proxy-dropped`.
#[tokio::test]
async fn parts_this_build_does_not_declare_are_refused_or_named_never_lost_silently() {
    let (upstream, received) = json_only_aggregator().await;
    let proxy = proxy_to(&format!("http://{upstream}")).await;
    let http = reqwest::Client::new();
    let answer = post_with_a_newer_field(&http, proxy).await;
    assert_eq!(answer.status(), 422);
    // The error is a google.rpc.Status, whose message is UTF-8 within its bytes.
    let error = answer.bytes().await.unwrap();
    let error = String::from_utf8_lossy(&error);
    assert!(error.contains("single_signature.#99"), "{error}");
    assert!(received.lock().unwrap().is_empty());

    // The aggregator's `GET /` has a member this build does not declare: a protobuf signer gets
    // the rest, and the header names it.
    let answer = http
        .get(format!("http://{proxy}/aggregator"))
        .header(
            "accept",
            Format::Protobuf(WireVersion::V2)
                .content_type(mithril_compat::wire::MessageKind::AggregatorFeatures),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let dropped = answer.headers()[DROPPED].to_str().unwrap().to_owned();
    assert!(dropped.contains("a_member_of_tomorrow"), "{dropped}");

    // Where what the upstream takes is only a guess (today's API, as when its `GET /` fails),
    // such a body is offered as it is before being refused: a protobuf aggregator takes it
    // whole, newer field included.
    let (upstream, backend) = protobuf_only_aggregator().await;
    let mut config = ProxyConfig::new(&format!("http://{upstream}"));
    config.upstream_offer = Some(mithril_compat::transport::http::Offer {
        versions: Vec::new(),
        json: true,
    });
    let guessing = Arc::new(Proxy::new(config).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(mithril_compat::transport::http::proxy::serve(
        listener,
        guessing,
        std::future::pending(),
    ));
    let answer = post_with_a_newer_field(&http, address).await;
    assert_eq!(answer.status(), 201);
    assert_eq!(backend.signatures().len(), 1);
}
