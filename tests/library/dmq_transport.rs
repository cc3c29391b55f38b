//! DMQ as a transport, against a DMQ node made of pallas-network's own server side of the local
//! message submission and notification protocols, on a Unix socket: the node refuses what does
//! not verify, the consumer checks every message and keeps the good ones of a batch, drops what
//! the node sends again, and "DMQ first, then HTTP" lands the signature on the aggregator once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use mithril_compat::cardano::PoolKeys;
use mithril_compat::domain::{Epoch, NetworkMagic, SoftwareVersion, Stake};
use mithril_compat::mithril::dmq::{
    DmqLayout, DmqMessageError, DmqMsg, DmqSignatureBody, build_message, decode_body, encode_body,
    message_id, verify_message,
};
use mithril_compat::samples;
use mithril_compat::transport::aggregator::{AggregatorState, InMemoryBackend};
use mithril_compat::transport::dmq::pallas_network::facades::DmqServer;
use mithril_compat::transport::dmq::pallas_network::miniprotocols::localmsgnotification::Request as NotificationRequest;
use mithril_compat::transport::dmq::pallas_network::miniprotocols::localmsgsubmission::{
    DmqMsgRejectReason, DmqMsgValidationError,
};
use mithril_compat::transport::dmq::pallas_network::miniprotocols::localtxsubmission::{
    Request, Response,
};
use mithril_compat::transport::dmq::{
    DmqConsumer, DmqPublisher, DmqThenHttp, DmqTransportError, Received, dmq_magic,
};
use mithril_compat::transport::http::client::HttpClient;
use mithril_compat::transport::http::{HttpConfig, router};
use mithril_compat::wire::WireVersion;
use tokio::net::UnixListener;
use tokio::sync::Mutex;

const NOW: u64 = 1_780_000_000;

/// The node's queue, and whether its next reply sends everything again (as after a
/// reconnection).
#[derive(Default)]
struct Queue {
    messages: Vec<DmqMsg>,
    resend_all: bool,
    /// The node holds its answers to submissions while this is set.
    hold_answers: bool,
}

async fn dmq_node(path: std::path::PathBuf, magic: u64, queue: Arc<Mutex<Queue>>) {
    let listener = UnixListener::bind(&path).unwrap();
    loop {
        let Ok(server) = DmqServer::accept(&listener, magic).await else {
            return;
        };
        let DmqServer {
            plexer,
            mut msg_submission,
            mut msg_notification,
            ..
        } = server;
        let submissions = queue.clone();
        tokio::spawn(async move {
            let _plexer = plexer;
            while let Ok(Request::Submit(message)) = msg_submission.recv_next_request().await {
                while submissions.lock().await.hold_answers {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                // A DMQ node checks what it is given (CIP-0137).
                let response = match verify_message(&message, NOW) {
                    Ok(_) => {
                        let mut queue = submissions.lock().await;
                        if queue.messages.contains(&message) {
                            Response::Rejected(DmqMsgValidationError(
                                DmqMsgRejectReason::AlreadyReceived,
                            ))
                        } else {
                            queue.messages.push(message);
                            Response::Accepted
                        }
                    }
                    Err(error) => Response::Rejected(DmqMsgValidationError(
                        DmqMsgRejectReason::Invalid(error.to_string()),
                    )),
                };
                if msg_submission
                    .send_submit_tx_response(response)
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        let notifications = queue.clone();
        tokio::spawn(async move {
            let mut cursor = 0;
            while let Ok(NotificationRequest::Blocking) = msg_notification.recv_next_request().await
            {
                let batch = loop {
                    let mut queue = notifications.lock().await;
                    if queue.resend_all {
                        queue.resend_all = false;
                        cursor = 0;
                    }
                    if queue.messages.len() > cursor {
                        let batch = queue.messages[cursor..].to_vec();
                        cursor = queue.messages.len();
                        break batch;
                    }
                    drop(queue);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                };
                if msg_notification
                    .send_reply_messages_blocking(batch)
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
    }
}

fn keys(seed: u8) -> PoolKeys {
    let mut keys = PoolKeys::new(SigningKey::from_bytes(&[seed; 32]), [seed; 32], 0, 200);
    keys.evolve_to_period(203).unwrap();
    keys
}

fn body(epoch: u64) -> Vec<u8> {
    encode_body(
        &DmqSignatureBody {
            signed_entity_type: mithril_compat::domain::SignedEntityType::MithrilStakeDistribution(
                Epoch(epoch),
            ),
            signature: vec![epoch as u8; 32],
        },
        DmqLayout::Since2630,
    )
    .unwrap()
}

/// A DMQ node on a socket of its own under a fresh directory (removed by the caller).
async fn start_node(name: &str) -> (std::path::PathBuf, std::path::PathBuf, Arc<Mutex<Queue>>) {
    let dir = std::env::temp_dir().join(format!("dmq-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("dmq.socket");
    let magic = dmq_magic(NetworkMagic::PREPROD).unwrap();
    let queue = Arc::new(Mutex::new(Queue::default()));
    tokio::spawn(dmq_node(socket.clone(), magic, queue.clone()));
    while !socket.exists() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (dir, socket, queue)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_travel_through_a_dmq_node_checked_and_once() {
    let (dir, socket, queue) = start_node("node").await;
    let magic = dmq_magic(NetworkMagic::PREPROD).unwrap();
    assert_eq!(magic, 2_147_483_649);

    let publisher = DmqPublisher::new(&socket, magic);
    let signers: Vec<PoolKeys> = (1..=3).map(keys).collect();
    for (index, keys) in signers.iter().enumerate() {
        let message = build_message(keys, body(10 + index as u64), 203, (NOW + 1800) as u32);
        publisher.publish(&message).await.unwrap();
    }
    // A message whose body was changed after signing: the node refuses it, with its reason.
    let mut forged = build_message(&signers[0], body(99), 203, (NOW + 1800) as u32);
    forged.msg_payload.msg_body = body(98);
    forged.msg_id = message_id(&forged.msg_payload).to_vec();
    match publisher.publish(&forged).await {
        Err(DmqTransportError::Rejected(reason)) => {
            assert!(reason.contains("pool's keys refuse"), "{reason}")
        }
        other => panic!("{other:?}"),
    }

    let mut consumer = DmqConsumer::new(&socket, magic);
    let received = consumer.receive(NOW).await.unwrap();
    assert_eq!(received.len(), 3);
    for (index, item) in received.iter().enumerate() {
        let Received::Message(verified) = item else {
            panic!("{item:?}")
        };
        assert_eq!(verified.pool, signers[index].pool_id());
        let body = decode_body(&verified.body, DmqLayout::Since2630).unwrap();
        assert_eq!(
            body.signed_entity_type.epoch(),
            Some(Epoch(10 + index as u64))
        );
    }

    // The node sends its whole queue again, with one new message and one that slipped past it
    // unchecked: the new one is kept, the forged one refused with its reason, the rest dropped
    // as already received.
    let fresh = build_message(&signers[1], body(20), 203, (NOW + 1800) as u32);
    publisher.publish(&fresh).await.unwrap();
    {
        let mut queue = queue.lock().await;
        queue.messages.push(forged);
        queue.resend_all = true;
    }
    let received = consumer.receive(NOW).await.unwrap();
    assert_eq!(consumer.duplicates(), 3);
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(
        matches!(&received[0], Received::Message(verified) if verified.pool == signers[1].pool_id())
    );
    assert!(matches!(
        &received[1],
        Received::Refused {
            reason: DmqMessageError::PoolKeys(_),
            ..
        }
    ));

    // A node that is not there: a connection error with the socket's path.
    let nowhere = DmqPublisher::new(dir.join("absent.socket"), magic);
    assert!(matches!(
        nowhere.publish(&fresh).await,
        Err(DmqTransportError::Connection { .. })
    ));

    // DMQ first, then HTTP: the aggregator keeps the signature once.
    let backend = Arc::new(
        InMemoryBackend::new(
            samples::epoch_settings()
                .signer_registration_protocol_parameters
                .unwrap(),
            mithril_compat::era::Era::Lagrange.era_name(),
        )
        .with_default_stake(Stake(10)),
    );
    backend.set_stakes(BTreeMap::new());
    backend.set_epoch_settings(samples::epoch_settings());
    backend.set_epoch(Epoch(12));
    let state = Arc::new(AggregatorState::new(
        backend.clone(),
        SoftwareVersion::new("0.3.0").unwrap(),
        vec![WireVersion::V1, WireVersion::V2],
        NetworkMagic::PREPROD,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(state, &HttpConfig::default());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut client = HttpClient::builder(&format!("http://{address}/aggregator"))
        .build()
        .unwrap();
    client.discover().await.unwrap();
    let both = DmqThenHttp::new(
        DmqPublisher::new(&socket, magic),
        client,
        Duration::from_millis(50),
    );
    let signature = samples::single_signature();
    let message = build_message(&signers[2], body(30), 203, (NOW + 1800) as u32);
    let published = both.publish(&signature, &message).await;
    published.dmq.unwrap();
    published.http.unwrap();
    let again = both.publish(&signature, &message).await;
    // The DMQ node has it already and says so; the HTTP path still answers.
    assert!(
        matches!(&again.dmq, Err(DmqTransportError::Rejected(reason)) if reason.contains("Already received")),
        "{:?}",
        again.dmq
    );
    assert!(again.http.is_ok());
    // Sent twice over HTTP, kept once.
    assert_eq!(backend.signatures().len(), 1);
    assert_eq!(queue.lock().await.messages.len(), 6);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_remembers_a_bounded_number_of_ids_oldest_forgotten_first() {
    let (dir, socket, queue) = start_node("bounded").await;
    let magic = dmq_magic(NetworkMagic::PREPROD).unwrap();
    let publisher = DmqPublisher::new(&socket, magic);
    let signer = keys(7);
    let messages: Vec<DmqMsg> = [40, 41, 42]
        .into_iter()
        .map(|epoch| build_message(&signer, body(epoch), 203, (NOW + 1800) as u32))
        .collect();
    for message in &messages {
        publisher.publish(message).await.unwrap();
    }
    let mut consumer = DmqConsumer::new(&socket, magic).with_seen_capacity(2);
    let first = consumer.receive(NOW).await.unwrap();
    assert_eq!(first.len(), 3, "{first:?}");
    assert_eq!(consumer.remembered(), 2);
    assert_eq!(consumer.forgotten_early(), 1);

    // The newest is still remembered: sent again, it is dropped.
    queue.lock().await.messages.push(messages[2].clone());
    let again = consumer.receive(NOW).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(consumer.duplicates(), 1);

    // The oldest was forgotten to make room: sent again, it comes through a second time (the
    // counter above said it could), and the next oldest makes room for it.
    queue.lock().await.messages.push(messages[0].clone());
    let again = consumer.receive(NOW).await.unwrap();
    assert_eq!(again, first[..1], "{again:?}");
    assert_eq!(consumer.duplicates(), 1);
    assert_eq!(consumer.forgotten_early(), 2);
    assert_eq!(consumer.remembered(), 2);

    // Expired ids are forgotten without counting as forgotten early.
    queue.lock().await.resend_all = true;
    let later = consumer.receive(NOW + 1801).await.unwrap();
    assert_eq!(later.len(), 5, "{later:?}");
    assert!(
        later.iter().all(|item| matches!(
            item,
            Received::Refused {
                reason: DmqMessageError::Expired { .. },
                ..
            }
        )),
        "{later:?}"
    );
    assert_eq!(consumer.remembered(), 0);
    assert_eq!(consumer.forgotten_early(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_dropped_while_it_waits_leaves_the_connection_usable() {
    let (dir, socket, queue) = start_node("cancel").await;
    let magic = dmq_magic(NetworkMagic::PREPROD).unwrap();
    let publisher = DmqPublisher::new(&socket, magic);
    let signer = keys(9);

    // The consumer asks while the node has nothing: the call is dropped by its timeout after
    // the request went out. The next call waits for that request's reply.
    let mut consumer = DmqConsumer::new(&socket, magic);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), consumer.receive(NOW))
            .await
            .is_err()
    );
    let message = build_message(&signer, body(50), 203, (NOW + 1800) as u32);
    publisher.publish(&message).await.unwrap();
    let received = consumer.receive(NOW).await.unwrap();
    assert!(
        matches!(received.as_slice(), [Received::Message(verified)] if verified.pool == signer.pool_id()),
        "{received:?}"
    );

    // The node holds its answer and the publisher's call is dropped: the next call starts a
    // connection of its own rather than reading an answer meant for another message.
    queue.lock().await.hold_answers = true;
    let held = build_message(&signer, body(51), 203, (NOW + 1800) as u32);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), publisher.publish(&held))
            .await
            .is_err()
    );
    queue.lock().await.hold_answers = false;
    let next = build_message(&signer, body(52), 203, (NOW + 1800) as u32);
    publisher.publish(&next).await.unwrap();
    // Both reach the node (the held one once its answer is let go), in either order.
    let mut bodies = Vec::new();
    while bodies.len() < 2 {
        let received = tokio::time::timeout(Duration::from_secs(10), consumer.receive(NOW))
            .await
            .expect("the node sends both")
            .unwrap();
        for item in received {
            let Received::Message(verified) = item else {
                panic!("{item:?}")
            };
            let body = decode_body(&verified.body, DmqLayout::Since2630).unwrap();
            bodies.push(body.signed_entity_type.epoch().unwrap().0);
        }
    }
    bodies.sort_unstable();
    assert_eq!(bodies, vec![51, 52]);
    let _ = std::fs::remove_dir_all(&dir);
}
