//! The gossip payload of `mithril-relay`, read without losing a byte: payloads wrapping the
//! messages `mithril-common` 0.8.3 itself wrote (`tests/vectors/upstream/messages.json`), as
//! `mithril-relay/src/p2p/peer.rs` wraps them.

use mithril_compat::mithril::relay::{
    BroadcastMessage, GossipPayload, RelayError, TOPIC_SIGNATURES_DMQ, TOPIC_SIGNERS_HTTP,
};
use proptest::prelude::*;

fn vector(name: &str) -> String {
    super::common::vector_text(&format!("upstream/{name}"))
}

/// Upstream's golden DMQ body (`tests/vectors/upstream/dmq/`), as the bytes a DMQ message
/// carries.
fn golden_body() -> Vec<u8> {
    hex::decode(vector("dmq/register_signature_dmq_2630.hex").trim()).unwrap()
}

fn upstream_compact(name: &str) -> String {
    let messages: serde_json::Value = serde_json::from_str(&vector("messages.json")).unwrap();
    messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["name"] == name)
        .unwrap()["compact"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A payload as `mithril-relay` publishes it: the hex of `{"<variant>": <message>}`.
fn payload(variant: &str, compact: &str) -> Vec<u8> {
    hex::encode(format!("{{\"{variant}\":{compact}}}")).into_bytes()
}

#[test]
fn relay_payloads_of_upstreams_messages_read_and_write_back_byte_for_byte() {
    for (variant, name) in [
        ("RegisterSignerHttp", "register_signer"),
        ("RegisterSignerHttp", "register_signer_concatenation_only"),
        (
            "RegisterSignatureHttp",
            "register_signature_mithril_stake_distribution",
        ),
        (
            "RegisterSignatureHttp",
            "register_signature_cardano_database",
        ),
        (
            "RegisterSignatureHttp",
            "register_signature_cardano_blocks_transactions",
        ),
    ] {
        let bytes = payload(variant, &upstream_compact(name));
        let decoded = GossipPayload::decode(&bytes).unwrap();
        assert_eq!(decoded.message().variant(), variant, "{name}");
        assert_eq!(decoded.bytes(), bytes.as_slice());
        assert!(
            decoded.message().to_payload() == bytes,
            "{name} is not written back byte for byte"
        );
    }
    let registration = GossipPayload::decode(&payload(
        "RegisterSignerHttp",
        &upstream_compact("register_signer"),
    ))
    .unwrap();
    assert_eq!(registration.message().topic(), Some(TOPIC_SIGNERS_HTTP));
    let BroadcastMessage::RegisterSignerHttp(message) = registration.message() else {
        panic!("a registration was expected");
    };
    assert!(message.party_id.starts_with("pool1"));
}

#[test]
fn relay_payloads_keep_what_this_build_does_not_know() {
    // A member a newer signer added, inside a known variant: kept when written again.
    let compact = upstream_compact("register_signature_cardano_database");
    let newer = format!(
        "{},\"proof_of_readiness\":\"00ff\"}}",
        &compact[..compact.len() - 1]
    );
    let bytes = payload("RegisterSignatureHttp", &newer);
    let decoded = GossipPayload::decode(&bytes).unwrap();
    assert!(
        decoded.message().to_payload() == bytes,
        "the unknown member is not written back"
    );
    // A variant a newer relay added: kept, and forwarded as it came.
    let bytes = payload("RegisterSignerDmq", "{\"anything\":[1,2,3]}");
    let decoded = GossipPayload::decode(&bytes).unwrap();
    assert!(matches!(
        decoded.message(),
        BroadcastMessage::Unknown { variant, .. } if variant == "RegisterSignerDmq"
    ));
    assert_eq!(decoded.message().topic(), None);
    assert_eq!(decoded.bytes(), bytes.as_slice());
    assert_eq!(decoded.message().to_payload(), bytes);
    // A DMQ message travels as the serde bytes of its CBOR: a JSON array of numbers.
    let dmq = golden_body();
    let array = serde_json::to_string(&dmq).unwrap();
    let bytes = payload("RegisterSignatureDmq", &array);
    let decoded = GossipPayload::decode(&bytes).unwrap();
    assert_eq!(
        decoded.message(),
        &BroadcastMessage::RegisterSignatureDmq(dmq)
    );
    assert_eq!(decoded.message().topic(), Some(TOPIC_SIGNATURES_DMQ));
    assert_eq!(decoded.message().to_payload(), bytes);
}

#[test]
fn bad_relay_payloads_are_refused_with_a_reason() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not hex", b"zz".to_vec()),
        ("odd hex", b"7b7".to_vec()),
        ("not JSON", hex::encode("{nope").into_bytes()),
        ("not an object", hex::encode("[1]").into_bytes()),
        (
            "two variants",
            hex::encode("{\"A\":1,\"B\":2}").into_bytes(),
        ),
        ("no variant", hex::encode("{}").into_bytes()),
        (
            "a variant twice",
            hex::encode("{\"Future\":1,\"Future\":2}").into_bytes(),
        ),
        ("oversized", vec![b'0'; 600_000]),
    ];
    for (what, bytes) in cases {
        assert!(
            matches!(
                GossipPayload::decode(&bytes),
                Err(RelayError::Malformed(_) | RelayError::TooLarge(_))
            ),
            "{what}"
        );
    }
    // A known variant with a value that is not its message: the path says where.
    let error = GossipPayload::decode(&payload(
        "RegisterSignatureHttp",
        "{\"entity_type\":{\"MithrilStakeDistribution\":1},\"party_id\":7}",
    ))
    .unwrap_err();
    assert!(
        matches!(&error, RelayError::InvalidVariant { variant: "RegisterSignatureHttp", reason } if reason.contains("party_id")),
        "{error}"
    );
    // A repeated member inside a message has one reading only if it is refused, as today's
    // nodes refuse it: the relay neither forwards nor posts a last-one-wins reading.
    let signature = upstream_compact("register_signature_mithril_stake_distribution");
    let repeated = format!(
        "{},\"party_id\":\"pool1other\"}}",
        signature.strip_suffix('}').unwrap()
    );
    assert!(GossipPayload::decode(&payload("RegisterSignatureHttp", &signature)).is_ok());
    let error = GossipPayload::decode(&payload("RegisterSignatureHttp", &repeated)).unwrap_err();
    assert!(
        matches!(&error, RelayError::Malformed(reason) if reason.contains("duplicate key \"party_id\"")),
        "{error}"
    );
    assert!(matches!(
        GossipPayload::decode(&payload("RegisterSignatureDmq", "[256]")),
        Err(RelayError::InvalidVariant { .. })
    ));
}

proptest! {
    #[test]
    fn any_bytes_are_read_or_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(payload) = GossipPayload::decode(&bytes) {
            prop_assert_eq!(payload.bytes(), bytes.as_slice());
        }
        let _ = GossipPayload::decode(hex::encode(&bytes).as_bytes());
    }
}
