//! Property tests: hub → wire → bytes → wire → hub is the identity for every valid hub value, and
//! no input makes a decoder panic.

mod common;

use mithril_compat::domain::{EpochSettings, SignerRegistration, SingleSignature};
use mithril_compat::samples;
use mithril_compat::wire::{self, MessageKind, WireVersion, v1};
use proptest::prelude::*;

/// v1 defines signed entity variants 1 to 4.
const V1_FIRST_UNKNOWN_TAG: u32 = 5;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn v1_signer_registration_round_trips(value in common::signer_registration()) {
        let bytes = v1::encode(&value).unwrap();
        prop_assert_eq!(v1::decode::<SignerRegistration>(&bytes[..]).unwrap(), value);
    }

    #[test]
    fn v1_single_signature_round_trips(
        value in common::single_signature_with(
            common::signed_entity_type(1, V1_FIRST_UNKNOWN_TAG)
        )
    ) {
        let bytes = v1::encode(&value).unwrap();
        let decoded = v1::decode::<SingleSignature>(&bytes[..]).unwrap();
        prop_assert_eq!(&decoded, &value);
        // Unknown variants are re-emitted as they came.
        prop_assert_eq!(v1::encode(&decoded).unwrap(), bytes);
    }

    #[test]
    fn v1_epoch_settings_round_trip(value in common::epoch_settings()) {
        let bytes = v1::encode(&value).unwrap();
        prop_assert_eq!(v1::decode::<EpochSettings>(&bytes[..]).unwrap(), value);
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
            let mut bytes = wire::encode(*version, &message).unwrap();
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
