//! `mithril-compat serve`, called as a signer and a reflection client would.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use mithril_compat::samples;
use mithril_compat::transport::grpc::SignerClient;
use mithril_compat::wire::WireVersion;

#[tokio::test]
async fn serve_answers_signers_and_reflection_and_prints_what_it_receives() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args([
            "serve",
            "--records",
            "none",
            "--listen",
            "127.0.0.1:0",
            "--epoch",
            "7",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let _guard = KillOnDrop(child.id());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let (address, _) = first
        .split_once("gRPC on ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .unwrap();
    assert!(
        first.contains("mithril.signer.v1, mithril.signer.v2"),
        "{first}"
    );

    let endpoint = format!("http://{address}");
    let mut registration = samples::signer_registration();
    // The endpoint is at epoch 7 (`--epoch 7`): the registration is for it.
    registration.epoch = mithril_compat::domain::Epoch(7);
    let client = SignerClient::connect(
        endpoint.clone(),
        &registration.node_info,
        &[WireVersion::V1, WireVersion::V2],
    )
    .await
    .unwrap();
    assert_eq!(client.negotiated(), WireVersion::V2);
    client.register_signer(&registration).await.unwrap();
    let echoed = lines.next().unwrap().unwrap();
    assert!(echoed.contains("registration  v2"), "{echoed}");
    assert!(echoed.contains(registration.party_id.as_str()), "{echoed}");

    // A reflection client lists the services.
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let channel = tonic::transport::Endpoint::from_shared(endpoint)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut reflection = ServerReflectionClient::new(channel);
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter(vec![ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        }]))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("no service list")
    };
    assert!(
        list.service
            .iter()
            .any(|s| s.name == "mithril.signer.v2.SignerService")
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn serve_http_answers_json_and_protobuf_over_the_same_backend_as_grpc() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args([
            "serve",
            "--records",
            "none",
            "--listen",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--epoch",
            "7",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let _guard = KillOnDrop(child.id());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut http = None;
    let mut grpc = None;
    while http.is_none() || grpc.is_none() {
        let line = lines.next().unwrap().unwrap();
        if let Some((_, rest)) = line.split_once("HTTP on ") {
            http = Some(rest.split_once(": ").unwrap().0.to_owned());
        } else if let Some((_, rest)) = line.split_once("gRPC on ") {
            grpc = Some(format!("http://{}", rest.split_once(": ").unwrap().0));
        }
    }
    let base = http.unwrap();
    assert!(base.ends_with("/aggregator"), "{base}");
    let mut registration = samples::signer_registration();
    registration.epoch = mithril_compat::domain::Epoch(7);
    // Today's JSON, and protobuf v2 through the library's client.
    let body = mithril_compat::wire::json::encode_lossy(&registration)
        .unwrap()
        .body;
    let answer = reqwest::Client::new()
        .post(format!("{base}/register-signer"))
        .header("content-type", "application/json")
        .header("signer-node-version", "0.2.5")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(answer.headers()["mithril-api-version"], "0.1.71");
    let echoed = lines.next().unwrap().unwrap();
    assert!(echoed.contains("registration  json"), "{echoed}");
    let mut client = mithril_compat::transport::http::client::HttpClient::builder(&base)
        .build()
        .unwrap();
    client.discover().await.unwrap();
    let sent = client.register_signer(&registration).await.unwrap();
    assert_eq!(
        sent.format,
        mithril_compat::transport::http::Format::Protobuf(WireVersion::V2)
    );
    let echoed = lines.next().unwrap().unwrap();
    assert!(echoed.contains("registration  v2"), "{echoed}");
    // The same backend behind gRPC: the registration is there once, and the metrics beside the
    // routes count one signer.
    let grpc_client = SignerClient::connect(
        grpc.unwrap(),
        &registration.node_info,
        &[WireVersion::V1, WireVersion::V2],
    )
    .await
    .unwrap();
    grpc_client.register_signer(&registration).await.unwrap();
    let origin = base.trim_end_matches("/aggregator");
    let metrics = reqwest::get(format!("{origin}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"mithril_compat_adoption_signers{dimension="wire",value="v2"} 1"#),
        "{metrics}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn listen_none_without_http_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args(["serve", "--records", "none", "--listen", "none"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--listen none needs --http"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A free port on loopback (released before the command under test binds it).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Registers `count` signers; every call must succeed, and health must still say SERVING.
async fn calls_all_succeed(endpoint: String, count: usize) {
    let registration = samples::signer_registration();
    let mut client = None;
    for _ in 0..100 {
        match SignerClient::connect(
            endpoint.clone(),
            &registration.node_info,
            &[WireVersion::V1, WireVersion::V2],
        )
        .await
        {
            Ok(connected) => {
                client = Some(connected);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    let client = client.expect("serve came up");
    for index in 0..count {
        let mut registration = registration.clone();
        registration.epoch = mithril_compat::domain::Epoch(0);
        registration.party_id = samples::pool_id(index as u64);
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            client.register_signer(&registration),
        )
        .await
        .expect("no call waits on the log output")
        .expect("every call succeeds");
    }
    let channel = tonic::transport::Endpoint::from_shared(endpoint)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let health = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        health.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

#[tokio::test]
async fn a_closed_or_full_standard_output_changes_nothing_for_clients() {
    for closed in [true, false] {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
            .args([
                "serve",
                "--records",
                "none",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary runs");
        let _guard = KillOnDrop(child.id());
        // Closed: the read end goes away. Full: it stays open and nobody reads it (a pipe
        // holds 64 KiB; 600 lines of about 150 bytes are more).
        let reader = child.stdout.take().unwrap();
        if closed {
            drop(reader);
            calls_all_succeed(format!("http://127.0.0.1:{port}"), 600).await;
        } else {
            calls_all_succeed(format!("http://127.0.0.1:{port}"), 600).await;
            drop(reader);
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "serve is still running"
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

/// Kills a child process when a test ends, passed or failed: a server left running would keep
/// the test harness's output open.
pub(crate) struct KillOnDrop(pub(crate) u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.0.to_string())
            .stderr(Stdio::null())
            .status();
    }
}
