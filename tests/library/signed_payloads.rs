//! Golden vectors for what is signed: the bytes a KES or STM signature covers are canonical domain
//! bytes, the same whichever wire version carried the message, and never a protobuf encoding.
//!
//! `tests/golden/signed_payloads.txt` pins them (one `<fixture> <part> <hex>` line each);
//! `UPDATE_GOLDEN=1` rewrites it after a deliberate change.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use mithril_compat::domain::{NetworkMagic, ProofSystem};
use mithril_compat::wire::{self, HubMessage, MessageKind, WireVersion};

fn payloads_of(message: &HubMessage) -> Vec<(String, Vec<u8>)> {
    match message {
        HubMessage::SignerRegistration(registration) => registration
            .kes_signed_payloads()
            .into_iter()
            .map(|(system, bytes)| {
                let part = match system {
                    ProofSystem::Concatenation => "kes/concatenation",
                    ProofSystem::Snark => "kes/snark",
                };
                (part.to_owned(), bytes.to_vec())
            })
            // The node info statement, as a signer on preprod signs it.
            .chain([(
                "kes/node_info@preprod".to_owned(),
                registration.node_info.signed_bytes(
                    NetworkMagic::PREPROD,
                    registration.epoch,
                    &registration.party_id,
                ),
            )])
            .collect(),
        HubMessage::SingleSignature(signature) => {
            let mut payloads = vec![("stm".to_owned(), signature.signed_payload().to_vec())];
            // The next era's message, signed in shadow.
            if let Some(shadow) = &signature.shadow_signature {
                payloads.push((
                    format!("stm/shadow@{}", shadow.era),
                    shadow.signed_payload().to_vec(),
                ));
            }
            payloads
        }
        HubMessage::EpochSettings(_)
        | HubMessage::AggregatorFeatures(_)
        | HubMessage::ProtocolConfiguration(_)
        | HubMessage::AggregatorStatus(_) => Vec::new(),
        other => panic!(
            "{}: which payloads it signs is not decided yet",
            other.kind()
        ),
    }
}

#[test]
fn signed_payloads_are_pinned_and_the_same_in_every_version() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    // fixture name -> part -> (hex, versions that gave it)
    let mut seen: BTreeMap<(String, String), BTreeMap<String, Vec<&str>>> = BTreeMap::new();
    for version in WireVersion::ALL {
        let dir = golden.join("HEAD").join(version.name());
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let Some(kind) = MessageKind::ALL
                .iter()
                .copied()
                .find(|kind| name.starts_with(kind.field_name()))
            else {
                panic!("{name}: no message kind")
            };
            let bytes = fs::read(&path).unwrap();
            let message = wire::decode(*version, kind, &bytes[..]).unwrap();
            for (part, payload) in payloads_of(&message) {
                // Never a protobuf encoding of the message that carried it.
                assert_ne!(payload, bytes, "{name} {part}");
                seen.entry((name.clone(), part))
                    .or_default()
                    .entry(hex::encode(&payload))
                    .or_default()
                    .push(version.name());
            }
        }
    }
    let mut lines = Vec::new();
    for ((name, part), by_hex) in &seen {
        assert_eq!(
            by_hex.len(),
            1,
            "{name} {part}: the signed bytes depend on the wire version: {by_hex:?}"
        );
        let hex = by_hex.keys().next().unwrap();
        lines.push(format!("{name} {part} {hex}"));
    }
    let pinned_path = golden.join("signed_payloads.txt");
    let actual = lines.join("\n") + "\n";
    if crate::common::updating_golden() {
        fs::write(&pinned_path, &actual).unwrap();
    }
    let pinned = fs::read_to_string(&pinned_path).unwrap();
    assert_eq!(
        pinned, actual,
        "signed payloads changed: a signature made before this change no longer verifies"
    );
    assert!(lines.len() >= 9, "{lines:?}");
}
