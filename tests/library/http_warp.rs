//! The warp filters of `transport::http::warp`: a warp aggregator's own handlers behind the
//! content negotiation, driven with `warp::test::request()` and, for what only a connection
//! shows (a chunked body past the limit, a body that never ends), over loopback TCP.

use std::net::SocketAddr;
use std::time::Duration;

use mithril_compat::domain::{EpochSettings, SignerRegistration, SingleSignature};
use mithril_compat::samples;
use mithril_compat::transport::http::warp::{accepts, negotiated, recover};
use mithril_compat::transport::http::{
    Accepts, Codec, Format, HttpError, HttpLimits, MAX_BODY_BYTES, Negotiated, Reply,
};
use mithril_compat::wire::{WireVersion, v1, v2};
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use warp::{Filter, Rejection};

const REGISTRATION_V2: &str = "application/x-protobuf; proto=mithril.signer.v2.SignerRegistration";
const SIGNATURE_V2: &str = "application/x-protobuf; proto=mithril.signer.v2.SingleSignature";
const STATUS: &str = "application/x-protobuf; proto=google.rpc.Status";
const GOLDEN_REGISTRATION: &str = include_str!("../golden/json/register_signer.json");
const GOLDEN_SIGNATURE: &str =
    include_str!("../golden/json/register_signature_cardano_transactions.json");

/// An aggregator's own routes, as a node writes them: each handler checks what it got.
fn routes(
    codec: Codec,
) -> impl Filter<Extract = (impl warp::Reply,), Error = Rejection> + Clone + 'static {
    let register_signer = warp::path!("register-signer")
        .and(warp::post())
        .and(negotiated::<SignerRegistration>(codec.clone()))
        .and_then(|request: Negotiated<SignerRegistration>| async move {
            // A handler's own error takes the rejection path too.
            if request.value.epoch.0 == 0 {
                return Err(Rejection::from(
                    HttpError::bad_request("epoch_zero", "no registration at epoch 0".into())
                        .in_protobuf(request.answer.is_protobuf()),
                ));
            }
            Ok(Reply::created())
        });
    let register_signatures = warp::path!("register-signatures")
        .and(warp::post())
        .and(negotiated::<SingleSignature>(codec.clone()))
        .and_then(|_: Negotiated<SingleSignature>| async { Ok::<_, Rejection>(Reply::created()) });
    let epoch_settings = warp::path!("epoch-settings")
        .and(warp::get())
        .and(accepts::<EpochSettings>(codec))
        .map(|accepts: Accepts<EpochSettings>| {
            Reply::message(accepts.format, samples::epoch_settings())
        });
    warp::path("aggregator")
        .and(register_signer.or(register_signatures).or(epoch_settings))
        .recover(recover)
}

fn small_limits(max_body_bytes: usize, body_timeout: Duration) -> Codec {
    let mut limits = HttpLimits::default();
    limits.max_body_bytes = max_body_bytes;
    limits.body_timeout = body_timeout;
    Codec {
        limits,
        ..Codec::default()
    }
}

fn content_type(response: &http::Response<bytes::Bytes>) -> &str {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

fn json_body(response: &http::Response<bytes::Bytes>) -> serde_json::Value {
    assert_eq!(content_type(response), "application/json");
    serde_json::from_slice(response.body()).expect("a JSON error body")
}

fn status_body(response: &http::Response<bytes::Bytes>) -> tonic_types::Status {
    assert_eq!(content_type(response), STATUS);
    tonic_types::Status::decode(response.body().as_ref()).expect("a google.rpc.Status")
}

#[tokio::test]
async fn a_json_registration_as_todays_signer_sends_it_decodes() {
    let filter = negotiated::<SignerRegistration>(Codec::default());
    let request = warp::test::request()
        .method("POST")
        .header("content-type", "application/json")
        .header("signer-node-version", "0.2.5")
        .body(GOLDEN_REGISTRATION)
        .filter(&filter)
        .await
        .expect("decoded");

    let golden: serde_json::Value = serde_json::from_str(GOLDEN_REGISTRATION).unwrap();
    assert_eq!(request.format, Format::Json);
    assert_eq!(request.answer, Format::Json);
    assert_eq!(request.declared_eras, None);
    let registration = request.value;
    assert_eq!(registration.epoch.0, 541);
    assert_eq!(
        registration.party_id.as_str(),
        golden["party_id"].as_str().unwrap()
    );
    assert_eq!(
        registration.verification_key.to_hex(),
        golden["verification_key"].as_str().unwrap()
    );
    assert_eq!(
        registration.operational_certificate.unwrap().to_hex(),
        golden["operational_certificate"].as_str().unwrap()
    );
    assert_eq!(registration.kes_evolutions, Some(7));
    assert_eq!(registration.node_info.software_version().as_str(), "0.2.5");
    assert_eq!(
        request
            .json_headers
            .signer_node_version
            .as_ref()
            .map(|version| version.as_str()),
        Some("0.2.5")
    );

    // The same body through a whole route: 201 with no body.
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", "application/json")
        .header("signer-node-version", "0.2.5")
        .body(GOLDEN_REGISTRATION)
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 201);
    assert!(response.body().is_empty());
}

#[tokio::test]
async fn a_request_without_content_type_is_json() {
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signatures")
        .body(GOLDEN_SIGNATURE)
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 201, "{:?}", response.body());
}

#[tokio::test]
async fn a_protobuf_v2_registration_decodes() {
    let expected = samples::signer_registration();
    let body = v2::encode(&expected).unwrap();
    let filter = negotiated::<SignerRegistration>(Codec::default());
    let request = warp::test::request()
        .method("POST")
        .header("content-type", REGISTRATION_V2)
        .header("mithril-supported-eras", "pythagoras, lagrange,not an era!")
        .body(&body)
        .filter(&filter)
        .await
        .expect("decoded");
    assert_eq!(request.format, Format::Protobuf(WireVersion::V2));
    // Errors and answers follow a protobuf body.
    assert_eq!(request.answer, Format::Protobuf(WireVersion::V2));
    assert_eq!(request.value, expected);
    let eras: Vec<&str> = request
        .declared_eras
        .as_deref()
        .unwrap()
        .iter()
        .map(|era| era.as_str())
        .collect();
    assert_eq!(eras, ["pythagoras", "lagrange"]);

    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", REGISTRATION_V2)
        .body(&body)
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 201);

    // v1 is served too, and named by its package.
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signatures")
        .header(
            "content-type",
            "application/x-protobuf; proto=mithril.signer.v1.SingleSignature",
        )
        .body(v1::encode(&samples::single_signature()).unwrap())
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 201, "{:?}", response.body());
}

#[tokio::test]
async fn a_wrong_content_type_is_415_with_a_json_body() {
    for content_type in [
        "text/plain",
        "application/x-protobuf",
        SIGNATURE_V2,
        "application/x-protobuf; proto=mithril.signer.v9.SignerRegistration",
    ] {
        let response = warp::test::request()
            .method("POST")
            .path("/aggregator/register-signer")
            .header("content-type", content_type)
            .body(GOLDEN_REGISTRATION)
            .reply(&routes(Codec::default()))
            .await;
        assert_eq!(response.status(), 415, "{content_type}");
        let body = json_body(&response);
        assert_eq!(body["label"], "unsupported_media_type");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(REGISTRATION_V2), "{message}");
    }

    // The rejection itself carries the error.
    let rejection = warp::test::request()
        .method("POST")
        .header("content-type", "text/plain")
        .body("hello")
        .filter(&negotiated::<SignerRegistration>(Codec::default()))
        .await
        .unwrap_err();
    let error = rejection.find::<HttpError>().expect("an HttpError");
    assert_eq!(error.status(), 415);
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    // Past Mithril's limit, in either format; the declared length is enough.
    let oversized = vec![b' '; MAX_BODY_BYTES + 1];
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", "application/json")
        .body(&oversized)
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(json_body(&response)["label"], "payload_too_large");

    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", REGISTRATION_V2)
        .body(&oversized)
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 413);
    let status = status_body(&response);
    assert_eq!(status.code, tonic::Code::OutOfRange as i32);
    assert!(status.message.contains("262144"), "{}", status.message);

    // Exactly at the limit is read (and then fails to decode, as blanks are no registration).
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", "application/json")
        .body(vec![b' '; MAX_BODY_BYTES])
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn a_garbage_protobuf_body_is_400_with_a_google_rpc_status() {
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", REGISTRATION_V2)
        .body([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 400);
    let status = status_body(&response);
    assert_eq!(status.code, tonic::Code::InvalidArgument as i32);
    assert!(!status.message.is_empty());
    // The field that did not decode, as a bad-request detail (as over gRPC).
    let detail = status.details.first().expect("a detail");
    assert_eq!(detail.type_url, "type.googleapis.com/google.rpc.BadRequest");
    let bad_request = tonic_types::pb::BadRequest::decode(detail.value.as_slice()).unwrap();
    assert_eq!(bad_request.field_violations.len(), 1);

    // Garbage JSON gets today's JSON error body.
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", "application/json")
        .body("{\"epoch\": \"soon\"}")
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 400);
    let body = json_body(&response);
    assert_eq!(body["label"], "invalid_body");

    // A JSON body whose answer is negotiated to protobuf gets its error in protobuf.
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", "application/json")
        .header("accept", "application/x-protobuf")
        .body("[]")
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        status_body(&response).code,
        tonic::Code::InvalidArgument as i32
    );
}

#[tokio::test]
async fn a_handler_error_is_answered_in_the_request_format() {
    let mut registration = samples::signer_registration();
    registration.epoch.0 = 0;
    let response = warp::test::request()
        .method("POST")
        .path("/aggregator/register-signer")
        .header("content-type", REGISTRATION_V2)
        .body(v2::encode(&registration).unwrap())
        .reply(&routes(Codec::default()))
        .await;
    assert_eq!(response.status(), 400);
    let status = status_body(&response);
    assert_eq!(status.code, tonic::Code::InvalidArgument as i32);
    assert_eq!(status.message, "no registration at epoch 0");
}

#[tokio::test]
async fn other_rejections_pass_through_recover() {
    let routes = routes(Codec::default());
    let response = warp::test::request()
        .method("GET")
        .path("/aggregator/no-such-route")
        .reply(&routes)
        .await;
    assert_eq!(response.status(), 404);
    let response = warp::test::request()
        .method("DELETE")
        .path("/aggregator/epoch-settings")
        .reply(&routes)
        .await;
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn the_get_filter_negotiates_accept() {
    let filter = accepts::<EpochSettings>(Codec::default());
    for (accept, expected) in [
        (None, Format::Json),
        (Some("*/*"), Format::Json),
        (Some("application/json"), Format::Json),
        (
            Some("application/x-protobuf"),
            Format::Protobuf(WireVersion::V2),
        ),
        (
            Some(
                "application/json;q=0.5, application/x-protobuf; proto=mithril.signer.v1.EpochSettings",
            ),
            Format::Protobuf(WireVersion::V1),
        ),
        (
            Some(
                "application/x-protobuf; proto=mithril.signer.v9.EpochSettings, application/json;q=0.1",
            ),
            Format::Json,
        ),
    ] {
        let mut request = warp::test::request().method("GET");
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let accepts = request.filter(&filter).await.expect("acceptable");
        assert_eq!(accepts.format, expected, "{accept:?}");
    }

    // The answer is in the negotiated format.
    let routes = routes(Codec::default());
    let response = warp::test::request()
        .path("/aggregator/epoch-settings")
        .header("accept", "application/x-protobuf")
        .reply(&routes)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        content_type(&response),
        "application/x-protobuf; proto=mithril.signer.v2.EpochSettings"
    );
    let settings: EpochSettings = v2::decode(response.body().clone()).unwrap();
    assert_eq!(settings, samples::epoch_settings());

    let response = warp::test::request()
        .path("/aggregator/epoch-settings")
        .reply(&routes)
        .await;
    assert_eq!(response.status(), 200);
    let json = json_body(&response);
    assert_eq!(json["epoch"], 512);
    assert_eq!(
        json["next_signers"].as_array().map(Vec::len),
        Some(samples::epoch_settings().next_signers.len())
    );

    // 406 when nothing accepted is served, in JSON.
    for accept in [
        "text/html",
        "application/json;q=0",
        "application/x-protobuf; proto=mithril.signer.v2.SignerRegistration",
    ] {
        let response = warp::test::request()
            .path("/aggregator/epoch-settings")
            .header("accept", accept)
            .reply(&routes)
            .await;
        assert_eq!(response.status(), 406, "{accept}");
        assert_eq!(json_body(&response)["label"], "not_acceptable");
    }
}

/// Serves `routes(codec)` on a loopback port until the sender is dropped.
async fn serve(codec: Codec) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(
        warp::serve(routes(codec))
            .incoming(listener)
            .graceful(async {
                stopped.await.ok();
            })
            .run(),
    );
    (address, stop)
}

/// Writes `head` then `body` to a fresh connection and reads the answer until the server closes
/// it (every request here asks it to), within a few seconds.
async fn exchange(address: SocketAddr, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before the whole body is written.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server did not close the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_chunked_body_past_the_limit_is_413_over_tcp() {
    let (address, _stop) = serve(small_limits(1024, Duration::from_secs(10))).await;
    let head = "POST /aggregator/register-signer HTTP/1.1\r\nhost: localhost\r\n\
                content-type: application/json\r\ntransfer-encoding: chunked\r\n\
                connection: close\r\n\r\n";
    let mut body = Vec::new();
    for _ in 0..4 {
        body.extend_from_slice(b"200\r\n");
        body.extend_from_slice(&[b' '; 0x200]);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let answer = exchange(address, head, &body).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");

    // A body within the limit is read and decoded.
    let head = "POST /aggregator/register-signer HTTP/1.1\r\nhost: localhost\r\n\
                content-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n";
    let answer = exchange(address, head, b"{}").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("invalid_body"), "{answer}");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408_over_tcp() {
    let (address, _stop) = serve(small_limits(MAX_BODY_BYTES, Duration::from_millis(300))).await;
    let head = "POST /aggregator/register-signer HTTP/1.1\r\nhost: localhost\r\n\
                content-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n";
    // The server answers and closes (`exchange` waits 5 s for that, far less than the default
    // body timeout), so the configured timeout is the one that applied.
    let answer = exchange(address, head, b"{\"epoch\":").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
}
