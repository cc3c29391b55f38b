//! Property tests: hub → wire → bytes → wire → hub is the identity for every valid hub value a
//! version can carry, across versions too, and no input makes a decoder panic.

use crate::common;

use common::Shape;
use mithril_compat::domain::{EpochSettings, SignerRegistration, SingleSignature};
use mithril_compat::samples;
use mithril_compat::wire::{self, HubMessage, MessageKind, WireVersion, v1, v2};
use proptest::prelude::*;

/// v1 defines signed entity variants 1 to 5.
const V1_FIRST_UNKNOWN_TAG: u32 = 6;
/// v2 defines signed entity variants 1, 2 and 4 to 6 (3 is reserved).
const V2_FIRST_UNKNOWN_TAG: u32 = 7;

/// hub → `from` → hub → `to` → hub, asserting identity at each step.
fn across(message: &HubMessage, from: WireVersion, to: WireVersion) -> Result<(), TestCaseError> {
    let kind = message.kind();
    let first = wire::decode(from, kind, &wire::encode(from, message).unwrap()[..]).unwrap();
    prop_assert_eq!(&first, message, "through {}", from);
    let second = wire::decode(to, kind, &wire::encode(to, &first).unwrap()[..]).unwrap();
    prop_assert_eq!(&second, message, "through {} then {}", from, to);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn v1_signer_registration_round_trips(value in common::signer_registration(Shape::V1)) {
        let bytes = v1::encode(&value).unwrap();
        prop_assert_eq!(v1::decode::<SignerRegistration>(&bytes[..]).unwrap(), value);
    }

    #[test]
    fn v1_single_signature_round_trips(
        value in common::single_signature_with(
            Shape::V1,
            common::signed_entity_type(Shape::V1, 1, V1_FIRST_UNKNOWN_TAG),
        )
    ) {
        let bytes = v1::encode(&value).unwrap();
        let decoded = v1::decode::<SingleSignature>(&bytes[..]).unwrap();
        prop_assert_eq!(&decoded, &value);
        // Unknown variants are re-emitted as they came.
        prop_assert_eq!(v1::encode(&decoded).unwrap(), bytes);
    }

    #[test]
    fn v1_epoch_settings_round_trip(value in common::epoch_settings(Shape::V1)) {
        let bytes = v1::encode(&value).unwrap();
        prop_assert_eq!(v1::decode::<EpochSettings>(&bytes[..]).unwrap(), value);
    }

    #[test]
    fn v2_signer_registration_round_trips(value in common::signer_registration(Shape::V2)) {
        let bytes = v2::encode(&value).unwrap();
        prop_assert_eq!(v2::decode::<SignerRegistration>(&bytes[..]).unwrap(), value);
    }

    #[test]
    fn v2_single_signature_round_trips(
        value in common::single_signature_with(
            Shape::V2,
            common::signed_entity_type(Shape::V2, 2, V2_FIRST_UNKNOWN_TAG),
        )
    ) {
        let bytes = v2::encode(&value).unwrap();
        let decoded = v2::decode::<SingleSignature>(&bytes[..]).unwrap();
        prop_assert_eq!(&decoded, &value);
        prop_assert_eq!(v2::encode(&decoded).unwrap(), bytes);
    }

    #[test]
    fn v2_epoch_settings_round_trip(value in common::epoch_settings(Shape::V2)) {
        let bytes = v2::encode(&value).unwrap();
        prop_assert_eq!(v2::decode::<EpochSettings>(&bytes[..]).unwrap(), value);
    }

    #[test]
    fn registrations_cross_versions(value in common::signer_registration(Shape::COMMON)) {
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
            Shape::COMMON,
            common::known_signed_entity_type(Shape::COMMON),
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
    fn epoch_settings_cross_versions(value in common::epoch_settings(Shape::COMMON)) {
        let message = HubMessage::EpochSettings(value);
        for from in WireVersion::ALL {
            for to in WireVersion::ALL {
                across(&message, *from, *to)?;
            }
        }
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
