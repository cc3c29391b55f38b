//! `mithril-compat relay` (feature `p2p`): a peer publishes an envelope and garbage to it; it
//! refuses the garbage with a reason, and posts the registration to a running aggregator, in
//! the version the aggregator negotiates.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use mithril_compat::domain::{Epoch, NetworkMagic};
use mithril_compat::samples;
use mithril_compat::transport::p2p::{ENVELOPE_TOPIC, Relay, RelayConfig};
use mithril_compat::wire::envelope::Envelope;
use mithril_compat::wire::{HubMessage, WireVersion};

use super::cli_serve::KillOnDrop;

fn spawn(
    args: &[&str],
) -> (
    std::process::Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_posts_what_it_reads_to_the_aggregator_and_refuses_garbage() {
    let (serve, mut serve_lines) = spawn(&[
        "serve",
        "--records",
        "none",
        "--listen",
        "none",
        "--http",
        "127.0.0.1:0",
        "--epoch",
        "7",
    ]);
    let _serve = KillOnDrop(serve.id());
    let base = loop {
        let line = serve_lines.next().unwrap().unwrap();
        if let Some((_, rest)) = line.split_once("HTTP on ") {
            break rest.split_once(": ").unwrap().0.to_owned();
        }
    };
    let (relay, mut relay_lines) = spawn(&[
        "relay",
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--aggregator",
        &base,
    ]);
    let _relay = KillOnDrop(relay.id());
    let address = loop {
        let line = relay_lines.next().unwrap().unwrap();
        if let Some(address) = line.strip_prefix("relay listening on ") {
            break address.to_owned();
        }
    };
    // Its output, read on a thread of its own.
    let (lines_sender, lines_receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in relay_lines.map_while(Result::ok) {
            if lines_sender.send(line).is_err() {
                return;
            }
        }
    });

    let mut config = RelayConfig::new("/ip4/127.0.0.1/tcp/0".parse().unwrap());
    config.peers = vec![address.parse().unwrap()];
    config.heartbeat = Duration::from_millis(100);
    let peer = Relay::start(config).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while peer.envelope_peers().await.unwrap() < 1 {
        assert!(tokio::time::Instant::now() < deadline, "no connection");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut registration = samples::signer_registration();
    registration.epoch = Epoch(7);
    let mut envelope = Envelope::wrap(
        &HubMessage::SignerRegistration(registration),
        WireVersion::V2,
        NetworkMagic::PREPROD,
    )
    .unwrap();
    // A field of a newer schema (99, a varint): gossip carries it, the post cannot, and the
    // relay says so.
    let mut payload = envelope.payload.to_vec();
    payload.extend([0x98, 0x06, 0x01]);
    envelope.payload = payload.into();
    peer.publish_envelope(envelope.encode()).await.unwrap();
    peer.publish_raw(ENVELOPE_TOPIC, b"not an envelope".to_vec())
        .await
        .unwrap();

    let (mut posted, mut refused) = (None, None);
    while posted.is_none() || refused.is_none() {
        let line = lines_receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("the relay reports each message");
        if line.contains("posted:") {
            posted = Some(line);
        } else if line.contains("refused") {
            refused = Some(line);
        }
    }
    let posted = posted.unwrap();
    assert!(
        posted.contains("SignerRegistration wire 2 epoch 7"),
        "{posted}"
    );
    assert!(posted.contains("Protobuf(V2)"), "{posted}");
    assert!(
        posted.contains("(left out: signer_registration.#99)"),
        "{posted}"
    );
    assert!(refused.unwrap().contains("not an envelope"));
    // The aggregator received it, in v2.
    let echoed = loop {
        let line = serve_lines.next().unwrap().unwrap();
        if line.contains("registration") {
            break line;
        }
    };
    assert!(echoed.contains("registration  v2"), "{echoed}");
    peer.stop();
}
