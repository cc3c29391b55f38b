//! Mithril's DMQ formats, exactly (feature `dmq`): the DMQ signature body of every release that
//! sends one, and DMQ messages.
//!
//! - The DMQ body is checked against upstream's golden vector (`tests/vectors/upstream/dmq/`,
//!   from `mithril-common/src/messages/register_signature.rs`), whose signature bytes are
//!   compared with the JSON form of the same signature in the same upstream test, and each
//!   release's variant table against the enum that release declared
//!   (`mithril-common/src/entities/signed_entity_type.rs` at tags 2543.0, 2603.1, 2617.0 and
//!   2630.0), encoded with bincode's serde path as upstream encodes it.
//! - The gossip payloads wrap the messages `mithril-common` 0.8.3 itself wrote
//!   (`tests/vectors/upstream/messages.json`) as `mithril-relay/src/p2p/peer.rs` does.

use mithril_compat::domain::{
    BlockNumber, BlockNumberOffset, CardanoDbBeacon, Epoch, ImmutableFileNumber, SignedEntityType,
};
use mithril_compat::mithril::dmq::{
    DmqError, DmqLayout, DmqSignatureBody, decode_batch, decode_body, decode_signed_entity_type,
    encode_body, encode_signed_entity_type,
};
use mithril_compat::mithril::relay::GossipPayload;
use proptest::prelude::*;
use serde::Serialize;

fn vector(name: &str) -> String {
    super::common::vector_text(&format!("upstream/{name}"))
}

fn golden_body() -> Vec<u8> {
    hex::decode(vector("dmq/register_signature_dmq_2630.hex").trim()).unwrap()
}

#[test]
fn upstreams_golden_dmq_body_decodes_with_its_releases_table_only() {
    let bytes = golden_body();
    let body = decode_body(&bytes, DmqLayout::Since2630).unwrap();
    assert_eq!(
        body.signed_entity_type,
        SignedEntityType::CardanoDatabase(CardanoDbBeacon {
            epoch: Epoch(10),
            immutable_file_number: ImmutableFileNumber(1728),
        })
    );
    // Written again, byte for byte.
    assert_eq!(encode_body(&body, DmqLayout::Since2630).unwrap(), bytes);

    // The signature bytes are the same signature as the HTTP message's JSON form: the won
    // indices (count, then each as u64 BE), sigma (48 bytes), the signer index (u64 BE).
    let json: serde_json::Value = serde_json::from_slice(
        &hex::decode(vector("dmq/register_signature_http_signature.hex").trim()).unwrap(),
    )
    .unwrap();
    let indexes: Vec<u64> = serde_json::from_value(json["indexes"].clone()).unwrap();
    let sigma: Vec<u8> = serde_json::from_value(json["sigma"].clone()).unwrap();
    let mut expected = (indexes.len() as u64).to_be_bytes().to_vec();
    for index in &indexes {
        expected.extend_from_slice(&index.to_be_bytes());
    }
    expected.extend_from_slice(&sigma);
    expected.extend_from_slice(&json["signer_index"].as_u64().unwrap().to_be_bytes());
    assert_eq!(body.signature, expected);

    // Position 2 meant the discontinued CardanoImmutableFilesFull before 2630.0: read with an
    // older release's table, the same bytes are that type, reported as discontinued.
    for layout in [
        DmqLayout::Until2543,
        DmqLayout::Distribution2603,
        DmqLayout::Distribution2617,
    ] {
        assert!(matches!(
            decode_body(&bytes, layout),
            Err(DmqError::Discontinued {
                name: "CardanoImmutableFilesFull",
                position: 2,
                ..
            })
        ));
    }
    // The same signed entity type, written by 2617.0, sits at position 3.
    let older = encode_body(&body, DmqLayout::Distribution2617).unwrap();
    assert_eq!(older[2], 3);
    assert_eq!(
        decode_body(&older, DmqLayout::Distribution2617).unwrap(),
        body
    );
}

#[test]
fn layouts_follow_the_distribution_and_the_signer_version() {
    for (version, layout) in [
        ("2537.0", DmqLayout::Until2543),
        ("2543.1-hotfix", DmqLayout::Until2543),
        ("2603.1", DmqLayout::Distribution2603),
        ("2617.0", DmqLayout::Distribution2617),
        ("2630.0", DmqLayout::Since2630),
        ("2651.0", DmqLayout::Since2630),
    ] {
        assert_eq!(
            DmqLayout::for_distribution(version),
            Some(layout),
            "{version}"
        );
    }
    for (version, layout) in [
        ("0.2.273", DmqLayout::Until2543),
        ("0.3.7", DmqLayout::Distribution2603),
        ("1.0.0", DmqLayout::Distribution2617),
        ("1.1.6", DmqLayout::Since2630),
        ("2.0.0", DmqLayout::Since2630),
    ] {
        assert_eq!(
            DmqLayout::for_signer_version(version),
            Some(layout),
            "{version}"
        );
    }
    assert_eq!(DmqLayout::for_distribution("unstable"), None);
    assert_eq!(DmqLayout::for_signer_version("x.y"), None);
}

/// The upstream enums of each release, encoded as upstream encodes them (bincode 2.0.1, serde,
/// standard configuration). `Epoch`, `BlockNumber` and `BlockNumberOffset` are newtypes of u64
/// upstream, which serde writes as the u64 itself.
mod upstream {
    use serde::Serialize;

    #[derive(Serialize)]
    pub struct CardanoDbBeacon {
        pub epoch: u64,
        pub immutable_file_number: u64,
    }

    #[derive(Serialize)]
    pub enum Until2543 {
        MithrilStakeDistribution(u64),
        CardanoStakeDistribution(u64),
        CardanoImmutableFilesFull(CardanoDbBeacon),
        CardanoDatabase(CardanoDbBeacon),
        CardanoTransactions(u64, u64),
    }

    #[derive(Serialize)]
    #[allow(dead_code, reason = "the release's whole enum, for its positions")]
    pub enum Distribution2603 {
        MithrilStakeDistribution(u64),
        CardanoStakeDistribution(u64),
        CardanoImmutableFilesFull(CardanoDbBeacon),
        CardanoDatabase(CardanoDbBeacon),
        CardanoTransactions(u64, u64),
        CardanoBlocksTransactions(u64, u64),
    }

    #[derive(Serialize)]
    #[allow(dead_code, reason = "the release's whole enum, for its positions")]
    pub enum Distribution2617 {
        MithrilStakeDistribution(u64),
        CardanoStakeDistribution(u64),
        CardanoImmutableFilesFull(CardanoDbBeacon),
        CardanoDatabase(CardanoDbBeacon),
        CardanoTransactions(u64, u64),
        CardanoBlocksTransactions(u64, u64, u64),
    }

    #[derive(Serialize)]
    pub enum Since2630 {
        MithrilStakeDistribution(u64),
        CardanoStakeDistribution(u64),
        CardanoDatabase(CardanoDbBeacon),
        CardanoTransactions(u64, u64),
        CardanoBlocksTransactions(u64, u64, u64),
    }
}

fn bincode_of(value: &impl Serialize) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, bincode::config::standard()).unwrap()
}

fn beacon(epoch: u64, immutable: u64) -> upstream::CardanoDbBeacon {
    upstream::CardanoDbBeacon {
        epoch,
        immutable_file_number: immutable,
    }
}

/// Every signed entity type a release can write, as upstream writes it, beside ours.
fn release_cases(layout: DmqLayout, e: u64, b: u64, o: u64) -> Vec<(Vec<u8>, SignedEntityType)> {
    use upstream::{Distribution2603, Distribution2617, Since2630, Until2543};
    let ours_beacon = CardanoDbBeacon {
        epoch: Epoch(e),
        immutable_file_number: ImmutableFileNumber(b),
    };
    let msd = SignedEntityType::MithrilStakeDistribution(Epoch(e));
    let csd = SignedEntityType::CardanoStakeDistribution(Epoch(e));
    let cdb = SignedEntityType::CardanoDatabase(ours_beacon);
    let ctx = SignedEntityType::CardanoTransactions(Epoch(e), BlockNumber(b));
    let cbtx =
        SignedEntityType::CardanoBlocksTransactions(Epoch(e), BlockNumber(b), BlockNumberOffset(o));
    let cbtx_without =
        SignedEntityType::CardanoBlocksTransactions(Epoch(e), BlockNumber(b), BlockNumberOffset(0));
    match layout {
        DmqLayout::Until2543 => vec![
            (bincode_of(&Until2543::MithrilStakeDistribution(e)), msd),
            (bincode_of(&Until2543::CardanoStakeDistribution(e)), csd),
            (bincode_of(&Until2543::CardanoDatabase(beacon(e, b))), cdb),
            (bincode_of(&Until2543::CardanoTransactions(e, b)), ctx),
        ],
        DmqLayout::Distribution2603 => vec![
            (
                bincode_of(&Distribution2603::MithrilStakeDistribution(e)),
                msd,
            ),
            (
                bincode_of(&Distribution2603::CardanoStakeDistribution(e)),
                csd,
            ),
            (
                bincode_of(&Distribution2603::CardanoDatabase(beacon(e, b))),
                cdb,
            ),
            (
                bincode_of(&Distribution2603::CardanoTransactions(e, b)),
                ctx,
            ),
            (
                bincode_of(&Distribution2603::CardanoBlocksTransactions(e, b)),
                cbtx_without,
            ),
        ],
        DmqLayout::Distribution2617 => vec![
            (
                bincode_of(&Distribution2617::MithrilStakeDistribution(e)),
                msd,
            ),
            (
                bincode_of(&Distribution2617::CardanoStakeDistribution(e)),
                csd,
            ),
            (
                bincode_of(&Distribution2617::CardanoDatabase(beacon(e, b))),
                cdb,
            ),
            (
                bincode_of(&Distribution2617::CardanoTransactions(e, b)),
                ctx,
            ),
            (
                bincode_of(&Distribution2617::CardanoBlocksTransactions(e, b, o)),
                cbtx,
            ),
        ],
        _ => vec![
            (bincode_of(&Since2630::MithrilStakeDistribution(e)), msd),
            (bincode_of(&Since2630::CardanoStakeDistribution(e)), csd),
            (bincode_of(&Since2630::CardanoDatabase(beacon(e, b))), cdb),
            (bincode_of(&Since2630::CardanoTransactions(e, b)), ctx),
            (
                bincode_of(&Since2630::CardanoBlocksTransactions(e, b, o)),
                cbtx,
            ),
        ],
    }
}

proptest! {
    #[test]
    fn every_releases_table_agrees_with_that_releases_enum(
        e in prop_oneof![0u64..300, any::<u64>()],
        b in prop_oneof![0u64..70_000, any::<u64>()],
        o in any::<u64>(),
    ) {
        for layout in DmqLayout::ALL {
            for (upstream_bytes, ours) in release_cases(layout, e, b, o) {
                prop_assert_eq!(
                    &encode_signed_entity_type(&ours, layout).unwrap(),
                    &upstream_bytes,
                    "{:?} {:?}",
                    layout,
                    ours
                );
                prop_assert_eq!(decode_signed_entity_type(&upstream_bytes, layout).unwrap(), ours);
            }
        }
        // The discontinued type, as the releases that still had it wrote it.
        let discontinued = bincode_of(&upstream::Until2543::CardanoImmutableFilesFull(beacon(e, b)));
        prop_assert!(
            matches!(
                decode_signed_entity_type(&discontinued, DmqLayout::Distribution2617),
                Err(DmqError::Discontinued { value: SignedEntityType::CardanoImmutableFilesFull(_), .. })
            ),
            "the discontinued type is reported"
        );
    }

    #[test]
    fn any_bytes_are_read_or_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for layout in DmqLayout::ALL {
            if let Ok(body) = decode_body(&bytes, layout) {
                // What reads, writes back to the same bytes.
                prop_assert_eq!(encode_body(&body, layout).unwrap(), bytes.clone());
            }
        }
        let _ = GossipPayload::decode(&bytes);
        let _ = GossipPayload::decode(hex::encode(&bytes).as_bytes());
    }
}

#[test]
fn what_a_release_cannot_say_and_bad_bodies_are_refused_with_a_reason() {
    let cbtx = SignedEntityType::CardanoBlocksTransactions(
        Epoch(9),
        BlockNumber(7),
        BlockNumberOffset(15),
    );
    assert!(matches!(
        encode_signed_entity_type(&cbtx, DmqLayout::Until2543),
        Err(DmqError::NotInLayout { .. })
    ));
    assert!(matches!(
        encode_signed_entity_type(&cbtx, DmqLayout::Distribution2603),
        Err(DmqError::NotInLayout { .. })
    ));
    let discontinued = SignedEntityType::CardanoImmutableFilesFull(CardanoDbBeacon {
        epoch: Epoch(1),
        immutable_file_number: ImmutableFileNumber(2),
    });
    assert!(encode_signed_entity_type(&discontinued, DmqLayout::Since2630).is_err());

    let good = golden_body();
    // Position 7: unknown to every release's table.
    let mut unknown = good.clone();
    unknown[2] = 7;
    assert_eq!(
        decode_body(&unknown, DmqLayout::Since2630),
        Err(DmqError::UnknownPosition {
            position: 7,
            layout: DmqLayout::Since2630
        })
    );
    for (what, bytes) in [
        ("empty", vec![]),
        ("cut in the type", good[..4].to_vec()),
        ("cut in the signature", good[..good.len() - 1].to_vec()),
        ("trailing bytes", [good.clone(), vec![0]].concat()),
        ("oversized", vec![0; 70_000]),
    ] {
        assert!(decode_body(&bytes, DmqLayout::Since2630).is_err(), "{what}");
    }
    // A batch with a bad body keeps the good ones.
    let results = decode_batch(
        [good.as_slice(), &unknown, &good[..3], good.as_slice()],
        DmqLayout::Since2630,
    );
    assert_eq!(results.len(), 4);
    assert!(results[0].is_ok() && results[3].is_ok());
    assert!(results[1].is_err() && results[2].is_err());
}

#[test]
fn a_body_written_by_one_release_and_read_by_all() {
    // What each release makes of a CardanoTransactions body written by 2617.0: the same
    // position means another type after 2630.0, which is why the table follows the sender.
    let body = DmqSignatureBody {
        signed_entity_type: SignedEntityType::CardanoTransactions(Epoch(500), BlockNumber(1234)),
        signature: vec![1, 2, 3],
    };
    let written = encode_body(&body, DmqLayout::Distribution2617).unwrap();
    assert_eq!(
        decode_body(&written, DmqLayout::Until2543).unwrap(),
        body,
        "position 4 unchanged before 2630.0"
    );
    assert!(matches!(
        decode_body(&written, DmqLayout::Since2630),
        Err(DmqError::Malformed(_))
    ));
}

mod dmq_messages {
    use ed25519_dalek::SigningKey;
    use mithril_compat::cardano::PoolKeys;
    use mithril_compat::mithril::dmq::{
        DmqLayout, DmqMessageError, DmqMsgPayload, build_message, decode_body, decode_message,
        encode_message, message_id, verify_message,
    };

    use super::golden_body;

    const NOW: u64 = 1_780_000_000;

    fn keys(seed: u8) -> PoolKeys {
        let mut keys = PoolKeys::new(
            SigningKey::from_bytes(&[seed; 32]),
            [seed ^ 0x55; 32],
            2,
            100,
        );
        keys.evolve_to_period(104).unwrap();
        keys
    }

    #[test]
    fn the_message_id_is_upstreams() {
        // `internal/mithril-dmq/src/model/builder.rs`, module `golden`: GOLDEN_MSG_ID.
        let payload = DmqMsgPayload {
            msg_body: vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            kes_period: 123,
            expires_at: 123456,
        };
        assert_eq!(
            message_id(&payload),
            [
                202, 230, 133, 93, 29, 204, 161, 252, 87, 183, 156, 101, 193, 251, 172, 245, 171,
                98, 179, 213, 232, 216, 239, 9, 94, 155, 194, 226, 246, 17, 50, 185
            ]
        );
    }

    #[test]
    fn a_signers_message_verifies_and_carries_its_body_to_the_aggregator() {
        let keys = keys(7);
        let message = build_message(&keys, golden_body(), 104, (NOW + 1800) as u32);
        let bytes = encode_message(&message);
        // pallas's CBOR: [id, [body, kes period, expiry], kes signature, [opcert], cold key].
        assert_eq!(bytes[0], 0x85);
        let read = decode_message(&bytes).unwrap();
        assert_eq!(read, message);
        let verified = verify_message(&read, NOW).unwrap();
        assert_eq!(verified.pool, keys.pool_id());
        let body = decode_body(&verified.body, DmqLayout::Since2630).unwrap();
        assert_eq!(body.signed_entity_type.name(), "CardanoDatabase");
    }

    #[test]
    fn forged_expired_or_garbage_messages_are_refused_with_a_reason() {
        let keys = keys(7);
        let good = build_message(&keys, b"body".to_vec(), 104, (NOW + 10) as u32);
        // The body changed on the way: the id no longer matches.
        let mut tampered = good.clone();
        tampered.msg_payload.msg_body = b"bodY".to_vec();
        assert_eq!(
            verify_message(&tampered, NOW),
            Err(DmqMessageError::BadMessageId)
        );
        // ... and with the id recomputed, the KES signature does not cover it.
        tampered.msg_id = message_id(&tampered.msg_payload).to_vec();
        assert!(matches!(
            verify_message(&tampered, NOW),
            Err(DmqMessageError::PoolKeys(_))
        ));
        // Another pool's cold key claims the certificate.
        let mut stolen = good.clone();
        stolen.cold_verification_key = keys_cold(9);
        assert!(matches!(
            verify_message(&stolen, NOW),
            Err(DmqMessageError::PoolKeys(_))
        ));
        // Expired.
        assert!(matches!(
            verify_message(&good, NOW + 11),
            Err(DmqMessageError::Expired { .. })
        ));
        // A KES period before the certificate.
        let mut early = build_message(&keys, b"body".to_vec(), 99, (NOW + 10) as u32);
        early.msg_id = message_id(&early.msg_payload).to_vec();
        assert!(matches!(
            verify_message(&early, NOW),
            Err(DmqMessageError::KesPeriodBeforeCertificate { .. })
        ));
        // A signature made at another KES period than the one declared (more than one apart).
        let mut moved = good.clone();
        moved.msg_payload.kes_period = 110;
        moved.msg_id = message_id(&moved.msg_payload).to_vec();
        assert!(matches!(
            verify_message(&moved, NOW),
            Err(DmqMessageError::PoolKeys(_))
        ));
        // Garbage.
        let bytes = encode_message(&good);
        for (what, garbage) in [
            ("empty", vec![]),
            ("truncated", bytes[..bytes.len() - 3].to_vec()),
            ("trailing", [bytes.clone(), vec![0]].concat()),
            ("oversized", vec![0x40; 100_000]),
            ("not a message", vec![0x82, 0x01, 0x02]),
        ] {
            assert!(
                matches!(decode_message(&garbage), Err(DmqMessageError::Malformed(_))),
                "{what}"
            );
        }
    }

    fn keys_cold(seed: u8) -> Vec<u8> {
        keys(seed).certificate().cold_verification_key().to_vec()
    }
}
