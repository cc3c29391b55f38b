//! The decentralized setup on loopback (feature `p2p`): five libp2p relays in a line,
//! `signers' relay — R1 — R3 — R2 — signers' relay`, where R3 reads only v1; two aggregators,
//! on R1 and R2; twenty signers, half writing v1 and half v2, half publishing at each end.
//!
//! Every epoch each aggregator certifies the epoch's message with real STM from what gossip
//! brought it, and both compute the same adoption report, once the network is quiet: the input
//! set of an epoch is the registrations and signatures of that epoch received before the
//! aggregator closes it. The v2 envelopes reach R2 through the v1-only relay byte for byte; a
//! message published twice is delivered once; garbage and oversized messages are refused with a
//! reason and never forwarded.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bytes::Bytes;
use mithril_compat::adoption::{
    AdoptionMonitor, MemoryStore, Provenance, RegistrationWire, ShadowRound,
};
use mithril_compat::cardano::{PoolKeys, certify};
use mithril_compat::domain::{
    Epoch, EraName, KeyBytes, NetworkMagic, NodeInfo, PartyId, ProtocolParameters, SignatureBytes,
    SignedEntityType, SignedMessage, Signer, SignerRegistration, SignerSet, SingleSignature,
    SoftwareVersion, Stake, WonIndexes,
};
use mithril_compat::samples;
use mithril_compat::transport::p2p::{Multiaddr, Relay, RelayConfig, RelayError, RelayEvent};
use mithril_compat::wire::envelope::{Envelope, EnvelopeKind, ReceivedEnvelope};
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, WireVersion};
use mithril_stm::{
    Initializer, KeyRegistration, MithrilMembershipDigest, Parameters, Signer as StmSigner,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest, Sha256};

type D = MithrilMembershipDigest;

const SIGNERS: usize = 20;
const EPOCHS: u64 = 3;

fn parameters() -> ProtocolParameters {
    ProtocolParameters::new(10, 80, 0.8).unwrap()
}

fn stm_parameters() -> Parameters {
    super::common::stm_parameters(&parameters())
}

fn pythagoras() -> EraName {
    EraName::new("pythagoras").unwrap()
}

fn message_of(epoch: u64) -> SignedMessage {
    SignedMessage::new(hex::encode(Sha256::digest(format!("epoch {epoch}")))).unwrap()
}

fn version_of(index: usize) -> WireVersion {
    if index.is_multiple_of(2) {
        WireVersion::V2
    } else {
        WireVersion::V1
    }
}

/// The signers of one epoch: their STM signers and their registrations.
fn epoch_signers(epoch: u64) -> Vec<(SignerRegistration, StmSigner<D>)> {
    let mut rng = ChaCha20Rng::seed_from_u64(epoch);
    let mut registration = KeyRegistration::initialize();
    let initializers: Vec<(usize, Initializer)> = (0..SIGNERS)
        .map(|index| {
            let stake = 100 + 37 * index as u64;
            let initializer = Initializer::new(stm_parameters(), stake, &mut rng);
            registration
                .register(
                    stake,
                    &initializer.get_verification_key_proof_of_possession_for_concatenation(),
                )
                .unwrap();
            (index, initializer)
        })
        .collect();
    let closed = registration.close_registration(&stm_parameters()).unwrap();
    initializers
        .into_iter()
        .map(|(index, initializer)| {
            let mut registration = samples::signer_registration();
            registration.epoch = Epoch(epoch);
            registration.verification_key = KeyBytes::new(
                initializer
                    .get_verification_key_proof_of_possession_for_concatenation()
                    .to_canonical_bytes()
                    .to_vec(),
            )
            .unwrap();
            registration.verification_key_signature = None;
            registration.operational_certificate = None;
            registration.kes_evolutions = None;
            registration.node_info_signature = None;
            registration.verification_key_for_snark = None;
            registration.verification_key_signature_for_snark = None;
            registration.proof_of_bound_possession_for_snark = None;
            let lagrange = if index.is_multiple_of(3) {
                vec![pythagoras(), EraName::new("lagrange").unwrap()]
            } else {
                vec![pythagoras()]
            };
            registration.node_info = NodeInfo::new(
                SoftwareVersion::new(if index.is_multiple_of(3) {
                    "0.2.5"
                } else {
                    "0.2.4"
                })
                .unwrap(),
                lagrange,
                vec![version_of(index).id()],
            )
            .unwrap();
            // The pool signs its registration and its node info with its KES key, as Mithril's
            // signers do: every aggregator can check the declaration, whoever relayed it.
            let keys = pool_keys(index);
            registration.party_id = PartyId::new(keys.pool_id().to_bech32()).unwrap();
            keys.certify(&mut registration, NetworkMagic::PREPROD)
                .unwrap();
            (
                registration,
                initializer.try_create_signer(&closed).unwrap(),
            )
        })
        .collect()
}

fn pool_keys(index: usize) -> PoolKeys {
    PoolKeys::new(
        ed25519_dalek::SigningKey::from_bytes(&[index as u8 + 1; 32]),
        [index as u8 + 101; 32],
        0,
        0,
    )
}

fn stake_of(party: &PartyId) -> u64 {
    static STAKES: std::sync::OnceLock<BTreeMap<String, u64>> = std::sync::OnceLock::new();
    STAKES.get_or_init(|| {
        (0..SIGNERS)
            .map(|index| {
                (
                    pool_keys(index).pool_id().to_bech32(),
                    100 + 37 * index as u64,
                )
            })
            .collect()
    })[party.as_str()]
}

/// The envelope a signer sends, in its own wire version.
fn envelope(message: &HubMessage, version: WireVersion) -> Vec<u8> {
    let written = wire::encode_with_policy(version, message, DowngradePolicy::Lossy)
        .unwrap()
        .bytes;
    let in_version = wire::decode(version, message.kind(), written.as_slice()).unwrap();
    Envelope::wrap(&in_version, version, NetworkMagic::PREPROD)
        .unwrap()
        .encode()
}

/// An aggregator fed by gossip: the inputs of each epoch, kept once per party.
struct Aggregator {
    name: &'static str,
    registrations:
        BTreeMap<Epoch, BTreeMap<PartyId, (SignerRegistration, WireVersion, Provenance)>>,
    signatures: BTreeMap<Epoch, BTreeMap<PartyId, SingleSignature>>,
    /// The bytes of every envelope received, by their SHA-256.
    received: HashMap<[u8; 32], Bytes>,
    duplicates: usize,
}

impl Aggregator {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            registrations: BTreeMap::new(),
            signatures: BTreeMap::new(),
            received: HashMap::new(),
            duplicates: 0,
        }
    }

    fn take(&mut self, received: &ReceivedEnvelope) {
        let digest: [u8; 32] = Sha256::digest(received.bytes()).into();
        if self
            .received
            .insert(digest, received.bytes().clone())
            .is_some()
        {
            self.duplicates += 1;
        }
        // What it cannot read (a kind from the future) was forwarded by its relay; it has
        // nothing to count.
        let Ok(version) = received.readable_version(&[WireVersion::V1, WireVersion::V2]) else {
            return;
        };
        match received.open(&[WireVersion::V1, WireVersion::V2]).unwrap() {
            HubMessage::SignerRegistration(registration) => self.register(registration, version),
            HubMessage::SingleSignature(signature) => {
                let epoch = signature.signed_entity_type.epoch().unwrap();
                self.signatures
                    .entry(epoch)
                    .or_default()
                    .insert(signature.party_id.clone(), signature);
            }
            other => panic!("{}: unexpected {:?}", self.name, other.kind()),
        }
    }

    /// Keeps a registration once per party and epoch, whether gossip or a leader brought it.
    fn register(&mut self, registration: SignerRegistration, version: WireVersion) {
        let provenance = certify(
            &registration,
            RegistrationWire::Protobuf(version.id()),
            NetworkMagic::PREPROD,
        );
        assert_eq!(provenance, Provenance::Verified, "{}", self.name);
        self.registrations
            .entry(registration.epoch)
            .or_default()
            .insert(
                registration.party_id.clone(),
                (registration, version, provenance),
            );
    }

    fn has_epoch(&self, epoch: Epoch, signatures: usize) -> bool {
        self.registrations.get(&epoch).map_or(0, BTreeMap::len) == SIGNERS
            && self.signatures.get(&epoch).map_or(0, BTreeMap::len) == signatures
    }

    /// Certifies the epoch's message from what it holds, with real STM.
    fn certify(&self, epoch: Epoch) -> bool {
        let set = SignerSet::new(
            self.registrations[&epoch]
                .values()
                .map(|(registration, _, _)| Signer {
                    party_id: registration.party_id.clone(),
                    verification_key: registration.verification_key.clone(),
                    verification_key_signature: None,
                    operational_certificate: None,
                    kes_evolutions: None,
                    stake: Some(Stake(stake_of(&registration.party_id))),
                    verification_key_for_snark: None,
                    verification_key_signature_for_snark: None,
                    proof_of_bound_possession_for_snark: None,
                })
                .collect(),
        )
        .unwrap();
        let mut round =
            ShadowRound::new(pythagoras(), message_of(epoch.0), &set, &parameters()).unwrap();
        for signature in self.signatures[&epoch].values() {
            round.verify_current(signature).unwrap();
        }
        round.aggregate().produced
    }

    /// The epoch's adoption report, computed from its inputs alone.
    fn report(&self, epoch: Epoch) -> serde_json::Value {
        let mut monitor = AdoptionMonitor::new(
            MemoryStore::new(),
            parameters(),
            EraName::new("lagrange").unwrap(),
        );
        for (registration, version, provenance) in self.registrations[&epoch].values() {
            monitor
                .record_registration(
                    registration,
                    Stake(stake_of(&registration.party_id)),
                    RegistrationWire::Protobuf(version.id()),
                    provenance.clone(),
                )
                .unwrap();
        }
        for party in self.signatures[&epoch].keys() {
            monitor.record_signatures(epoch, party, 1).unwrap();
        }
        serde_json::to_value(monitor.report(epoch).unwrap()).unwrap()
    }
}

async fn relay(reads: Vec<WireVersion>, peers: Vec<Multiaddr>) -> Relay {
    let mut config = RelayConfig::new("/ip4/127.0.0.1/tcp/0".parse().unwrap());
    config.reads = reads;
    config.peers = peers;
    config.heartbeat = Duration::from_millis(100);
    Relay::start(config).await.unwrap()
}

/// Waits until every relay sees the envelope topic on all its neighbours.
async fn wait_for_mesh(relays: &[(&Relay, usize)]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut ready = true;
        for (relay, neighbours) in relays {
            ready &= relay.envelope_peers().await.unwrap() >= *neighbours;
        }
        if ready {
            // A few heartbeats for the meshes to form.
            tokio::time::sleep(Duration::from_millis(600)).await;
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relays did not connect"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Drains a relay's events into its aggregator for `quiet` after the last one.
async fn drain(relay: &mut Relay, aggregator: &mut Aggregator, refused: &mut Vec<String>) {
    while let Some(event) = relay.try_next_event() {
        match event {
            RelayEvent::Envelope { received, .. } => aggregator.take(&received),
            RelayEvent::Refused { reason, .. } => refused.push(reason),
            RelayEvent::Today { .. } => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_forward_what_they_cannot_read_and_aggregators_agree() {
    let both = vec![WireVersion::V1, WireVersion::V2];
    let mut r1 = relay(both.clone(), vec![]).await;
    let mut r3 = relay(vec![WireVersion::V1], vec![r1.address()]).await;
    let mut r2 = relay(both.clone(), vec![r3.address()]).await;
    // The signers' relay on the left lets larger messages through, as a faulty peer would.
    let left = {
        let mut config = RelayConfig::new("/ip4/127.0.0.1/tcp/0".parse().unwrap());
        config.peers = vec![r1.address()];
        config.heartbeat = Duration::from_millis(100);
        config.max_message_bytes = 300 * 1024;
        Relay::start(config).await.unwrap()
    };
    let right = relay(both.clone(), vec![r2.address()]).await;
    wait_for_mesh(&[(&r1, 2), (&r3, 2), (&r2, 2), (&left, 1), (&right, 1)]).await;

    let mut a1 = Aggregator::new("A1");
    let mut a2 = Aggregator::new("A2");
    let (mut refused1, mut refused2) = (Vec::new(), Vec::new());
    let mut sent: HashMap<[u8; 32], Vec<u8>> = HashMap::new();
    let mut v2_through_r3 = 0;

    for epoch in 1..=EPOCHS {
        let signers = epoch_signers(epoch);
        let mut expected_signatures = 0;
        let mut batches = Vec::new();
        for (index, (registration, signer)) in signers.iter().enumerate() {
            let version = version_of(index);
            let mut envelopes = vec![envelope(
                &HubMessage::SignerRegistration(registration.clone()),
                version,
            )];
            let message = message_of(epoch);
            if let Ok(signature) = signer.create_single_signature(message.as_str().as_bytes()) {
                let mut won = signature.get_concatenation_signature_indices();
                won.sort_unstable();
                won.dedup();
                let single = SingleSignature {
                    signed_entity_type: SignedEntityType::MithrilStakeDistribution(Epoch(epoch)),
                    party_id: registration.party_id.clone(),
                    signature: SignatureBytes::new(signature.to_bytes().unwrap()).unwrap(),
                    won_indexes: WonIndexes::new(won).unwrap(),
                    signed_message: message.clone(),
                    snark_signature: None,
                    shadow_signature: None,
                };
                envelopes.push(envelope(&HubMessage::SingleSignature(single), version));
                expected_signatures += 1;
            }
            batches.push((index, envelopes));
        }
        for (index, envelopes) in batches {
            let at = if index < SIGNERS / 2 { &left } else { &right };
            for bytes in envelopes {
                if index < SIGNERS / 2 && version_of(index) == WireVersion::V2 {
                    v2_through_r3 += 1;
                }
                sent.insert(Sha256::digest(&bytes).into(), bytes.clone());
                at.publish_envelope(bytes.clone()).await.unwrap();
                // The same message published again, at the other end: delivered once (the
                // other end refuses it itself when gossip brought it there first).
                if index == 0 {
                    match right.publish_envelope(bytes).await {
                        Ok(()) => {}
                        Err(RelayError::Publish(reason)) if reason.contains("Duplicate") => {}
                        Err(error) => panic!("{error}"),
                    }
                }
            }
        }
        // Until the network is quiet: both aggregators hold the epoch's inputs.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !(a1.has_epoch(Epoch(epoch), expected_signatures)
            && a2.has_epoch(Epoch(epoch), expected_signatures))
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "epoch {epoch}: A1 holds {:?}, A2 {:?}",
                (
                    a1.registrations.get(&Epoch(epoch)).map(BTreeMap::len),
                    a1.signatures.get(&Epoch(epoch)).map(BTreeMap::len)
                ),
                (
                    a2.registrations.get(&Epoch(epoch)).map(BTreeMap::len),
                    a2.signatures.get(&Epoch(epoch)).map(BTreeMap::len)
                ),
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
            drain(&mut r1, &mut a1, &mut refused1).await;
            drain(&mut r2, &mut a2, &mut refused2).await;
            while r3.try_next_event().is_some() {}
        }
        // A certificate from each aggregator, and the same report.
        assert!(a1.certify(Epoch(epoch)), "A1 certifies epoch {epoch}");
        assert!(a2.certify(Epoch(epoch)), "A2 certifies epoch {epoch}");
        let report = a1.report(Epoch(epoch));
        assert_eq!(report, a2.report(Epoch(epoch)), "epoch {epoch}");
        // A2 follows A1 too: what its leader hands it again counts once.
        let from_leader: Vec<_> = a1.registrations[&Epoch(epoch)].values().cloned().collect();
        for (registration, version, _) in from_leader {
            a2.register(registration, version);
        }
        assert_eq!(
            a2.report(Epoch(epoch)),
            report,
            "epoch {epoch}, after the leader's"
        );
        assert!(
            report.to_string().contains("\"verified\""),
            "every declaration was checked: {report}"
        );
    }

    // Every envelope arrived byte for byte, v2 ones through the v1-only relay included, and
    // the message published twice was delivered once.
    assert!(v2_through_r3 >= 10);
    for aggregator in [&a1, &a2] {
        assert_eq!(aggregator.duplicates, 0, "{}", aggregator.name);
        assert_eq!(aggregator.received.len(), sent.len(), "{}", aggregator.name);
        for (digest, bytes) in &aggregator.received {
            assert_eq!(sent[digest].as_slice(), bytes.as_ref());
        }
    }
    assert!(
        r3.stats()
            .accepted
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    );

    // Garbage, an unset kind and an oversized message are refused by the first relay and never
    // reach the other side; a sound envelope of a kind nobody knows still travels.
    let unknown_kind = mithril_compat::wire::envelope::pb::Envelope {
        kind: 42,
        encoding: 1,
        wire_version: 9,
        payload: Bytes::from_static(b"from the future"),
        ..Default::default()
    };
    let unset = mithril_compat::wire::envelope::pb::Envelope {
        encoding: 1,
        ..Default::default()
    };
    use prost::Message as _;
    for bytes in [
        b"garbage".to_vec(),
        unset.encode_to_vec(),
        // Over R1's limit (256 KiB), under its transport's.
        vec![0x0a; 256 * 1024 + 200],
    ] {
        left.publish_raw(mithril_compat::transport::p2p::ENVELOPE_TOPIC, bytes)
            .await
            .unwrap();
    }
    // A peer that floods the same message: refused as a duplicate each time, never delivered
    // again.
    let flooded = sent.values().next().unwrap().clone();
    for _ in 0..20 {
        assert!(matches!(
            left.publish_envelope(flooded.clone()).await,
            Err(RelayError::Publish(reason)) if reason.contains("Duplicate")
        ));
    }
    let future = unknown_kind.encode_to_vec();
    left.publish_envelope(future.clone()).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut future_at_r2 = None;
    while future_at_r2.is_none() || refused1.len() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "refused at R1: {refused1:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        while let Some(event) = r1.try_next_event() {
            if let RelayEvent::Refused { reason, .. } = event {
                refused1.push(reason);
            }
        }
        while let Some(event) = r2.try_next_event() {
            match event {
                RelayEvent::Envelope {
                    received, readable, ..
                } => {
                    assert_eq!(received.envelope().kind, EnvelopeKind::Unknown(42));
                    assert!(readable.unwrap_err().contains("message kind 42"));
                    future_at_r2 = Some(received.bytes().clone());
                }
                RelayEvent::Refused { reason, .. } => refused2.push(reason),
                RelayEvent::Today { .. } => {}
            }
        }
    }
    assert_eq!(future_at_r2.unwrap().as_ref(), future.as_slice());
    drain(&mut r1, &mut a1, &mut refused1).await;
    assert_eq!(a1.duplicates, 0, "a flooded message was delivered again");
    assert!(
        refused1
            .iter()
            .any(|reason| reason.contains("not an envelope")),
        "{refused1:?}"
    );
    assert!(
        refused1
            .iter()
            .any(|reason| reason.contains("kind not set")),
        "{refused1:?}"
    );
    assert!(
        refused1
            .iter()
            .any(|reason| reason.contains("exceed the relay's limit")),
        "{refused1:?}"
    );
    assert!(refused2.is_empty(), "R2 saw what R1 refused: {refused2:?}");
    for relay in [r1, r2, r3, left, right] {
        relay.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn todays_payloads_and_envelopes_cross_the_bridge_byte_for_byte() {
    use mithril_compat::mithril::relay::BroadcastMessage;
    use mithril_compat::wire::envelope::PayloadEncoding;

    let start = |peers: Vec<Multiaddr>| async move {
        let mut config = RelayConfig::new("/ip4/127.0.0.1/tcp/0".parse().unwrap());
        config.peers = peers;
        config.heartbeat = Duration::from_millis(100);
        config.network = NetworkMagic::PREPROD;
        Relay::start(config).await.unwrap()
    };
    let a = start(vec![]).await;
    let b = start(vec![a.address()]).await;
    // C carries both sides without translating, to see what B's translation gives.
    let mut c = {
        let mut config = RelayConfig::new("/ip4/127.0.0.1/tcp/0".parse().unwrap());
        config.peers = vec![b.address()];
        config.heartbeat = Duration::from_millis(100);
        config.translate_today = false;
        Relay::start(config).await.unwrap()
    };
    wait_for_mesh(&[(&a, 1), (&b, 2), (&c, 1)]).await;

    // Today's registration, as mithril-relay publishes it.
    let messages: serde_json::Value =
        serde_json::from_str(&super::common::vector_text("upstream/messages.json")).unwrap();
    let compact = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["name"] == "register_signer")
        .unwrap()["compact"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = hex::encode(format!("{{\"RegisterSignerHttp\":{compact}}}")).into_bytes();
    a.publish_today(today.clone()).await.unwrap();

    // An envelope of today's JSON signature, published as an envelope.
    let signature_json = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["name"] == "register_signature_cardano_database")
        .unwrap()["compact"]
        .as_str()
        .unwrap()
        .to_owned();
    let envelope = Envelope {
        wire_version: 0,
        kind: EnvelopeKind::SingleSignature,
        encoding: PayloadEncoding::Json,
        payload: Bytes::from(signature_json.clone()),
        node_info: None,
        network: NetworkMagic::PREPROD,
        epoch: Epoch(10),
    };
    a.publish_envelope(envelope.encode()).await.unwrap();

    let (mut bridged_envelope, mut bridged_today, mut today_at_c) = (None, None, None);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while bridged_envelope.is_none() || bridged_today.is_none() || today_at_c.is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bridge did not carry both: envelope {}, today's signature {}, today's \
             registration {}",
            bridged_envelope.is_some(),
            bridged_today.is_some(),
            today_at_c.is_some()
        );
        match tokio::time::timeout(Duration::from_millis(100), c.next_event()).await {
            Ok(Some(RelayEvent::Envelope { received, .. }))
                if received.envelope().kind == EnvelopeKind::SignerRegistration =>
            {
                bridged_envelope = Some(received.envelope().clone());
            }
            Ok(Some(RelayEvent::Today { payload, .. })) => match payload.message() {
                BroadcastMessage::RegisterSignerHttp(_) => {
                    today_at_c = Some(payload.bytes().to_vec())
                }
                BroadcastMessage::RegisterSignatureHttp(_) => {
                    bridged_today = Some(payload.bytes().to_vec())
                }
                _ => {}
            },
            Ok(Some(RelayEvent::Refused { reason, .. })) => panic!("refused: {reason}"),
            _ => {}
        }
    }
    // Today's payload arrives as it was, and as an envelope of its exact JSON.
    assert_eq!(today_at_c.unwrap(), today);
    let bridged = bridged_envelope.unwrap();
    assert_eq!(bridged.encoding, PayloadEncoding::Json);
    assert_eq!(bridged.payload.as_ref(), compact.as_bytes());
    assert_eq!(bridged.network, NetworkMagic::PREPROD);
    assert_eq!(
        bridged.epoch.0,
        messages["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "register_signer")
            .unwrap()["json"]["epoch"]
            .as_u64()
            .unwrap()
    );
    // The JSON envelope arrives on today's topic as mithril-relay writes it.
    assert_eq!(
        bridged_today.unwrap(),
        hex::encode(format!("{{\"RegisterSignatureHttp\":{signature_json}}}")).into_bytes()
    );
    // B counts what it bridged, each once.
    assert_eq!(
        b.stats().bridged.load(std::sync::atomic::Ordering::Relaxed),
        2
    );
    for relay in [a, b, c] {
        relay.stop();
    }
}
