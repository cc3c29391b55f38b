//! `mithril-compat serve`, called as a signer and a reflection client would.
#![cfg(all(feature = "cli", feature = "server"))]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use mithril_compat::samples;
use mithril_compat::service::SignerClient;
use mithril_compat::wire::WireVersion;

#[tokio::test]
async fn serve_answers_signers_and_reflection_and_prints_what_it_receives() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args(["serve", "--listen", "127.0.0.1:0", "--epoch", "7"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let (address, _) = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split_once(": "))
        .unwrap();
    assert!(
        first.contains("mithril.signer.v1, mithril.signer.v2"),
        "{first}"
    );

    let endpoint = format!("http://{address}");
    let registration = samples::signer_registration();
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
    assert!(echoed.starts_with("registration  v2"), "{echoed}");
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
