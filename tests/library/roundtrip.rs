//! Property tests: hub → wire → bytes → wire → hub is the identity for every valid hub value a
//! version can carry, across versions too (and through today's JSON for the aggregator's own
//! messages), and no input makes a decoder panic.

use crate::common;

use common::Shape;
use mithril_compat::samples;
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, MessageKind, WireVersion, json};
use proptest::prelude::*;

/// hub → `from` → hub → `to` → hub, asserting identity at each step.
fn across(message: &HubMessage, from: WireVersion, to: WireVersion) -> Result<(), TestCaseError> {
    let kind = message.kind();
    let first = wire::decode(from, kind, &wire::encode(from, message).unwrap()[..]).unwrap();
    prop_assert_eq!(&first, message, "through {}", from);
    let second = wire::decode(to, kind, &wire::encode(to, &first).unwrap()[..]).unwrap();
    prop_assert_eq!(&second, message, "through {} then {}", from, to);
    Ok(())
}

/// A wire the aggregator's own messages travel on: a protobuf wire version, or the JSON of
/// today's API, which carries every part of them too.
#[derive(Clone, Copy, Debug)]
enum Wire {
    Protobuf(WireVersion),
    Json,
}

impl std::fmt::Display for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Wire::Protobuf(version) => version.fmt(f),
            Wire::Json => f.write_str(json::NAME),
        }
    }
}

/// Every protobuf wire version, then JSON.
fn every_wire() -> impl Iterator<Item = Wire> {
    WireVersion::ALL
        .iter()
        .map(|version| Wire::Protobuf(*version))
        .chain([Wire::Json])
}

/// hub → `on` → hub, asserting identity, and that the decoded value encodes to the same bytes
/// (names this build does not know are re-emitted as they came).
fn through(on: Wire, message: &HubMessage) -> Result<(), TestCaseError> {
    let kind = message.kind();
    let (encoded, decoded, again) = match on {
        Wire::Protobuf(version) => {
            let bytes = wire::encode(version, message).unwrap();
            let decoded = wire::decode(version, kind, &bytes[..]).unwrap();
            let again = wire::encode(version, &decoded).unwrap();
            (bytes, decoded, again)
        }
        Wire::Json => {
            let encoded = json::encode_message(message, DowngradePolicy::Strict).unwrap();
            prop_assert!(
                encoded.dropped.is_empty(),
                "json dropped {:?}",
                encoded.dropped
            );
            let decoded = json::decode_message(kind, &encoded.body, &encoded.headers).unwrap();
            let again = json::encode_message(&decoded, DowngradePolicy::Strict).unwrap();
            (encoded.body, decoded, again.body)
        }
    };
    prop_assert_eq!(&decoded, message, "through {}", on);
    prop_assert_eq!(again, encoded, "re-encoded in {}", on);
    Ok(())
}

/// hub → `from` → hub → `to` → hub for every pair of wires, asserting identity at each step.
fn across_every_wire(message: &HubMessage) -> Result<(), TestCaseError> {
    let kind = message.kind();
    let hop = |on: Wire, value: &HubMessage| match on {
        Wire::Protobuf(version) => {
            wire::decode(version, kind, &wire::encode(version, value).unwrap()[..]).unwrap()
        }
        Wire::Json => {
            let encoded = json::encode_message(value, DowngradePolicy::Strict).unwrap();
            json::decode_message(kind, &encoded.body, &encoded.headers).unwrap()
        }
    };
    for from in every_wire() {
        let first = hop(from, message);
        prop_assert_eq!(&first, message, "through {}", from);
        for to in every_wire() {
            prop_assert_eq!(&hop(to, &first), message, "through {} then {}", from, to);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    // One property per message kind, over every version of the registry: the version is drawn
    // first, then a value with every part that version carries.

    #[test]
    fn signer_registrations_round_trip(
        (version, value) in common::in_every_version(|shape| common::signer_registration(shape).boxed())
    ) {
        let message = HubMessage::SignerRegistration(value);
        let bytes = wire::encode(version, &message).unwrap();
        prop_assert_eq!(wire::decode(version, message.kind(), &bytes[..]).unwrap(), message);
    }

    #[test]
    fn single_signatures_round_trip(
        (version, value) in common::in_every_version(|shape| {
            common::single_signature_with(
                shape,
                common::signed_entity_type(shape, shape.version.number(), shape.first_unknown_entity_tag),
            )
            .boxed()
        })
    ) {
        let message = HubMessage::SingleSignature(value);
        let bytes = wire::encode(version, &message).unwrap();
        let decoded = wire::decode(version, message.kind(), &bytes[..]).unwrap();
        prop_assert_eq!(&decoded, &message);
        // Unknown variants are re-emitted as they came.
        prop_assert_eq!(wire::encode(version, &decoded).unwrap(), bytes);
    }

    #[test]
    fn epoch_settings_round_trip(
        (version, value) in common::in_every_version(|shape| common::epoch_settings(shape).boxed())
    ) {
        let message = HubMessage::EpochSettings(value);
        let bytes = wire::encode(version, &message).unwrap();
        prop_assert_eq!(wire::decode(version, message.kind(), &bytes[..]).unwrap(), message);
    }

    // The aggregator's own messages: every version carries every part of them, and so does
    // JSON, checked on the same value.

    #[test]
    fn aggregator_features_round_trip(
        (version, value) in common::in_every_version(|_| common::aggregator_features().boxed())
    ) {
        let message = HubMessage::AggregatorFeatures(value);
        through(Wire::Protobuf(version), &message)?;
        through(Wire::Json, &message)?;
    }

    #[test]
    fn protocol_configurations_round_trip(
        (version, value) in common::in_every_version(|_| common::protocol_configuration().boxed())
    ) {
        let message = HubMessage::ProtocolConfiguration(value);
        through(Wire::Protobuf(version), &message)?;
        through(Wire::Json, &message)?;
    }

    #[test]
    fn aggregator_statuses_round_trip(
        (version, value) in common::in_every_version(|_| common::aggregator_status().boxed())
    ) {
        let message = HubMessage::AggregatorStatus(value);
        through(Wire::Protobuf(version), &message)?;
        through(Wire::Json, &message)?;
    }

    #[test]
    fn registrations_cross_versions(value in common::signer_registration(Shape::common())) {
        let message = HubMessage::SignerRegistration(value);
        for from in WireVersion::ALL {
            for to in WireVersion::ALL {
                across(&message, *from, *to)?;
            }
        }
    }

    #[test]
    fn single_signatures_cross_versions(
        value in common::single_signature_with(
            Shape::common(),
            common::known_signed_entity_type(Shape::common()),
        )
    ) {
        let message = HubMessage::SingleSignature(value);
        for from in WireVersion::ALL {
            for to in WireVersion::ALL {
                across(&message, *from, *to)?;
            }
        }
    }

    #[test]
    fn epoch_settings_cross_versions(value in common::epoch_settings(Shape::common())) {
        let message = HubMessage::EpochSettings(value);
        for from in WireVersion::ALL {
            for to in WireVersion::ALL {
                across(&message, *from, *to)?;
            }
        }
    }

    #[test]
    fn aggregator_features_cross_versions(value in common::aggregator_features()) {
        across_every_wire(&HubMessage::AggregatorFeatures(value))?;
    }

    #[test]
    fn protocol_configurations_cross_versions(value in common::protocol_configuration()) {
        across_every_wire(&HubMessage::ProtocolConfiguration(value))?;
    }

    #[test]
    fn aggregator_statuses_cross_versions(value in common::aggregator_status()) {
        across_every_wire(&HubMessage::AggregatorStatus(value))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for version in WireVersion::ALL {
            for kind in MessageKind::ALL {
                // Ok or a typed error; a panic fails the test.
                let _ = wire::decode(*version, *kind, &bytes[..]);
            }
        }
    }

    #[test]
    fn mutated_samples_never_panic_and_stay_stable(
        sample in 0..samples::all().len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let (_, message) = samples::all().swap_remove(sample);
        for version in WireVersion::ALL {
            let Ok(mut bytes) = wire::encode(*version, &message) else {
                continue; // not carried by this version
            };
            for (index, byte) in &edits {
                let position = index.index(bytes.len());
                bytes[position] = *byte;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len()));
            }
            if let Ok(decoded) = wire::decode(*version, message.kind(), &bytes[..]) {
                // Whatever decodes is a valid hub value that encodes and decodes to itself.
                let again = wire::encode(*version, &decoded).unwrap();
                prop_assert_eq!(wire::decode(*version, message.kind(), &again[..]).unwrap(), decoded);
            }
        }
    }
}
