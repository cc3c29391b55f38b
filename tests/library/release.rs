//! Signed release manifests: the payload format (pinned by a golden vector), TUF's rules for one
//! key with rotation, artifacts checked against the manifest, the node's upgrade policy, and bad
//! input refused with a reason and the state untouched.

use std::fs;
use std::path::Path;

use mithril_compat::domain::{Epoch, EraName, NetworkMagic};
use mithril_compat::era::{EraSigningKey, EraStatus, MarkerStateStore};
use mithril_compat::release::{
    Accepted, ArtifactDigest, KeyRotation, ReleaseError, ReleaseManifest, ReleaseState,
    ReleaseVerifier, SignedRelease, UpgradeAdvice, UpgradeGuard, UpgradePolicy, era_advice,
};
use proptest::prelude::*;

const LINUX: &str = "x86_64-linux";
const BINARY: &[u8] = b"\x7fELF the mithril-signer 0.2.5 binary";

fn key(byte: u8) -> EraSigningKey {
    EraSigningKey::from_bytes(&[byte; 32])
}

fn manifest(sequence: u64) -> ReleaseManifest {
    ReleaseManifest {
        network: NetworkMagic::PREPROD,
        sequence,
        software_version: format!("0.2.{}", 4 + sequence),
        distribution_version: format!("254{sequence}.0"),
        eras: vec![
            EraName::new("pythagoras").unwrap(),
            EraName::new("lagrange").unwrap(),
        ],
        wire_versions: vec!["json".into(), "v1".into(), "v2".into()],
        artifacts: [
            (LINUX.to_owned(), ArtifactDigest::of(BINARY)),
            ("aarch64-macos".to_owned(), ArtifactDigest::of(b"mach-o")),
        ]
        .into(),
        issued_epoch: Epoch(100),
        expires_epoch: Epoch(130),
        deadline_epoch: Some(Epoch(110)),
        unknown_members: Default::default(),
    }
}

fn signed(sequence: u64, signer: u8) -> SignedRelease {
    SignedRelease::sign_manifest(&manifest(sequence), &key(signer)).unwrap()
}

fn verifier() -> ReleaseVerifier {
    ReleaseVerifier::new(NetworkMagic::PREPROD, key(1).verification_key())
}

/// Accepts `payload` and checks that a refusal leaves the state as it was.
fn accept(
    state: &mut ReleaseState,
    payload: &SignedRelease,
    epoch: u64,
) -> Result<Accepted, ReleaseError> {
    let before = state.clone();
    let result = verifier().accept(state, payload, Epoch(epoch));
    if result.is_err() {
        assert_eq!(*state, before, "a refused statement changed the state");
    }
    result
}

#[test]
fn the_payload_format_is_pinned_by_a_golden_vector() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/release/manifest_v1.json");
    let payload = signed(1, 1);
    let written = format!("{}\n", payload.to_json());
    if crate::common::updating_golden() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &written).unwrap();
    }
    let golden = fs::read_to_string(&path).unwrap();
    assert_eq!(written, golden, "the release payload's bytes changed");
    // And the golden payload reads back to the same manifest, signed by the same key.
    let read = SignedRelease::from_json(golden.trim().as_bytes()).unwrap();
    assert!(read.is_signed_by(&key(1).verification_key()));
    assert_eq!(
        read.statement().unwrap(),
        mithril_compat::release::Statement::Manifest(manifest(1))
    );
    // The body is the manifest's JSON, members in the documented order.
    let body = manifest(1).to_json();
    assert!(body.starts_with(
        "{\"network\":1,\"sequence\":1,\"software_version\":\"0.2.5\",\
         \"distribution_version\":\"2541.0\",\"eras\":[\"pythagoras\",\"lagrange\"],\
         \"wire_versions\":[\"json\",\"v1\",\"v2\"],\"artifacts\":{\"aarch64-macos\":"
    ));
    assert!(body.ends_with("\"issued_epoch\":100,\"expires_epoch\":130,\"deadline_epoch\":110}"));
}

#[test]
fn the_right_artifact_is_accepted_and_a_one_byte_change_refused() {
    let mut state = ReleaseState::default();
    let Accepted::Manifest(accepted) = accept(&mut state, &signed(1, 1), 101).unwrap() else {
        panic!("a manifest was expected");
    };
    assert_eq!(
        accepted.verify_artifact(Some(LINUX), BINARY).unwrap(),
        LINUX
    );
    assert_eq!(accepted.verify_artifact(None, BINARY).unwrap(), LINUX);
    for index in [0, BINARY.len() / 2, BINARY.len() - 1] {
        let mut changed = BINARY.to_vec();
        changed[index] ^= 0x01;
        assert!(matches!(
            accepted.verify_artifact(Some(LINUX), changed.as_slice()),
            Err(ReleaseError::DigestMismatch { platform: Some(_), expected: Some(expected), found })
                if expected == ArtifactDigest::of(BINARY) && found == ArtifactDigest::of(&changed)
        ));
    }
    // The macOS artifact is not the Linux one.
    assert!(matches!(
        accepted.verify_artifact(Some(LINUX), &b"mach-o"[..]),
        Err(ReleaseError::DigestMismatch { .. })
    ));
    assert!(matches!(
        accepted.verify_artifact(Some("riscv64-linux"), BINARY),
        Err(ReleaseError::UnknownPlatform { listed, .. }) if listed.len() == 2
    ));
    assert_eq!(state.manifest(), Some(manifest(1)));
}

#[test]
fn replays_rollbacks_equivocations_and_expiry_each_have_their_reason() {
    let mut state = ReleaseState::default();
    accept(&mut state, &signed(1, 1), 101).unwrap();
    // Read again (the same datum every epoch): nothing changes.
    assert_eq!(
        accept(&mut state, &signed(1, 1), 102).unwrap(),
        Accepted::Unchanged { sequence: 1 }
    );
    accept(&mut state, &signed(3, 1), 102).unwrap();
    // The superseded manifest, published again.
    assert_eq!(
        accept(&mut state, &signed(1, 1), 103),
        Err(ReleaseError::Replay {
            sequence: 1,
            accepted: 3
        })
    );
    // A manifest older than the accepted one, never seen before.
    assert_eq!(
        accept(&mut state, &signed(2, 1), 103),
        Err(ReleaseError::Rollback {
            sequence: 2,
            accepted: 3
        })
    );
    // Another manifest at the accepted sequence.
    let mut other = manifest(3);
    other.software_version = "0.2.99".into();
    let other = SignedRelease::sign_manifest(&other, &key(1)).unwrap();
    assert_eq!(
        accept(&mut state, &other, 103),
        Err(ReleaseError::Equivocation { sequence: 3 })
    );
    // A newer manifest that expired before this node saw it.
    assert_eq!(
        accept(&mut state, &signed(4, 1), 131),
        Err(ReleaseError::Expired {
            expires: Epoch(130),
            epoch: Epoch(131)
        })
    );
    // Another key, another network.
    assert_eq!(
        accept(&mut state, &signed(5, 2), 103),
        Err(ReleaseError::BadSignature)
    );
    let mut mainnet = manifest(5);
    mainnet.network = NetworkMagic::MAINNET;
    assert_eq!(
        accept(
            &mut state,
            &SignedRelease::sign_manifest(&mainnet, &key(1)).unwrap(),
            103
        ),
        Err(ReleaseError::WrongNetwork {
            expected: NetworkMagic::PREPROD,
            found: NetworkMagic::MAINNET
        })
    );
    // Tampered bytes: one hex digit of the body changed.
    let mut json = signed(5, 1).to_json();
    let at = json.find("\"manifest\":\"").unwrap() + 20;
    let digit = if &json[at..=at] == "0" { "1" } else { "0" };
    json.replace_range(at..=at, digit);
    assert_eq!(
        accept(
            &mut state,
            &SignedRelease::from_json(json.as_bytes()).unwrap(),
            103
        ),
        Err(ReleaseError::BadSignature)
    );
    assert_eq!(state.manifest(), Some(manifest(3)));
    assert!(matches!(
        accept(&mut state, &signed(5, 1), 103),
        Ok(Accepted::Manifest(_))
    ));
}

#[test]
fn a_rotation_hands_the_key_on_and_revokes_the_old_one() {
    let mut state = ReleaseState::default();
    accept(&mut state, &signed(1, 1), 101).unwrap();
    let rotation = KeyRotation::new(NetworkMagic::PREPROD, 2, &key(2).verification_key());
    // Only the trusted key may rotate.
    assert_eq!(
        accept(
            &mut state,
            &SignedRelease::sign_rotation(&rotation, &key(9)).unwrap(),
            101
        ),
        Err(ReleaseError::BadSignature)
    );
    let rotate = SignedRelease::sign_rotation(&rotation, &key(1)).unwrap();
    assert_eq!(
        accept(&mut state, &rotate, 101).unwrap(),
        Accepted::Rotated {
            next: key(2).verification_key()
        }
    );
    // Read again: unchanged.
    assert_eq!(
        accept(&mut state, &rotate, 102).unwrap(),
        Accepted::Unchanged { sequence: 2 }
    );
    // The old key can no longer sign; the new one can.
    assert_eq!(
        accept(&mut state, &signed(3, 1), 102),
        Err(ReleaseError::RevokedKey {
            key: key(1).verification_key().to_hex()
        })
    );
    assert!(matches!(
        accept(&mut state, &signed(3, 2), 102),
        Ok(Accepted::Manifest(_))
    ));
    // The manifest accepted before the rotation stays readable from the state.
    assert_eq!(state.manifest(), Some(manifest(3)));
    // A rotation back to a key trusted before is refused.
    let back = KeyRotation::new(NetworkMagic::PREPROD, 4, &key(1).verification_key());
    assert!(matches!(
        accept(
            &mut state,
            &SignedRelease::sign_rotation(&back, &key(2)).unwrap(),
            102
        ),
        Err(ReleaseError::Malformed(_))
    ));
}

#[test]
fn the_datum_carries_the_payload_and_the_state_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("release-state-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = fs::remove_file(&path);
    let verifier = verifier();
    // A UTxO set at the release address: a manifest, a rotation, and a datum that is not ours.
    let rotation = SignedRelease::sign_rotation(
        &KeyRotation::new(NetworkMagic::PREPROD, 2, &key(2).verification_key()),
        &key(1),
    )
    .unwrap();
    let utxos = format!(
        "{{\"aa#0\":{{\"inlineDatum\":{}}},\"aa#1\":{{\"inlineDatum\":{}}},\
          \"bb#0\":{{\"inlineDatum\":{{\"constructor\":0,\"fields\":[{{\"bytes\":\"00ff\"}}]}}}}}}",
        signed(3, 2).datum_json(),
        rotation.datum_json()
    );
    {
        let mut store = MarkerStateStore::open(&path).unwrap();
        let mut state: ReleaseState = store.get(&verifier.state_key()).unwrap();
        let report = verifier.read(&mut state, &utxos, Epoch(101)).unwrap();
        // The rotation (sequence 2) is applied before the manifest its new key signed.
        assert_eq!(report.accepted.len(), 2, "{report:?}");
        assert!(matches!(report.accepted[0], Accepted::Rotated { .. }));
        assert_eq!(report.rejections.len(), 1);
        assert_eq!(report.rejections[0].0, 2);
        store.put(&verifier.state_key(), &state).unwrap();
    }
    let store = MarkerStateStore::open(&path).unwrap();
    let mut state: ReleaseState = store.get(&verifier.state_key()).unwrap();
    assert_eq!(state.manifest(), Some(manifest(3)));
    // The next epoch reads the same datums: the manifest in force is unchanged, the rotation it
    // superseded is only noted, and nothing is refused but the stranger.
    let report = verifier.read(&mut state, &utxos, Epoch(102)).unwrap();
    assert_eq!(
        report.accepted,
        vec![Accepted::Unchanged { sequence: 3 }],
        "{report:?}"
    );
    assert_eq!(report.superseded, vec![(1, 2)]);
    assert_eq!(report.rejections.len(), 1);
    // The CBOR datum carries the same payload.
    let cbor = hex::encode(signed(3, 2).datum_cbor());
    let mut fresh = ReleaseState::default();
    let verifier_two = ReleaseVerifier::new(NetworkMagic::PREPROD, key(2).verification_key());
    let report = verifier_two.read(&mut fresh, &cbor, Epoch(101)).unwrap();
    assert!(matches!(report.accepted[..], [Accepted::Manifest(_)]));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_newer_manifest_with_members_this_build_does_not_know_verifies_and_keeps_them() {
    let mut newer = manifest(1);
    newer.unknown_members.insert(
        "rollout_waves".into(),
        serde_json::json!([{"share": 0.1, "epoch": 105}]),
    );
    let payload = SignedRelease::sign_manifest(&newer, &key(1)).unwrap();
    let read = SignedRelease::from_json(payload.to_json().as_bytes()).unwrap();
    let mut state = ReleaseState::default();
    let Accepted::Manifest(accepted) = accept(&mut state, &read, 101).unwrap() else {
        panic!("a manifest was expected");
    };
    assert_eq!(
        accepted.unknown_members["rollout_waves"][0]["epoch"],
        serde_json::json!(105)
    );
}

#[test]
fn bad_payloads_are_refused_with_a_reason() {
    let good = signed(1, 1).to_json();
    let cases: Vec<(&str, String)> = vec![
        ("not JSON", "not json".into()),
        ("neither member", "{\"signature\":\"00\"}".into()),
        (
            "both members",
            good.replace("\"signature\"", "\"rotation\":\"00\",\"signature\""),
        ),
        (
            "body not hex",
            good.replacen("\"manifest\":\"7b", "\"manifest\":\"zz", 1),
        ),
        (
            "short signature",
            format!(
                "{}\"}}",
                &good[..good.find("\"signature\":\"").unwrap() + 20]
            ),
        ),
        (
            "oversized body",
            format!(
                "{{\"manifest\":\"{}\",\"signature\":\"{}\"}}",
                "00".repeat(20_000),
                "00".repeat(64)
            ),
        ),
    ];
    for (what, text) in cases {
        assert!(
            matches!(
                SignedRelease::from_json(text.as_bytes()),
                Err(ReleaseError::Malformed(_))
            ),
            "{what}"
        );
    }
    // Signed, but not a valid manifest: refused when read, after the signature.
    let mut invalid = manifest(1);
    invalid.expires_epoch = Epoch(10);
    assert!(matches!(
        SignedRelease::sign_manifest(&invalid, &key(1)),
        Err(ReleaseError::Malformed(_))
    ));
    let mut invalid = manifest(1);
    invalid.software_version = "0.2.5<script>".into();
    assert!(SignedRelease::sign_manifest(&invalid, &key(1)).is_err());
    let mut invalid = manifest(1);
    invalid.artifacts.clear();
    assert!(SignedRelease::sign_manifest(&invalid, &key(1)).is_err());
}

proptest! {
    #[test]
    fn any_bytes_are_read_or_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = SignedRelease::from_json(&bytes);
        let _ = ReleaseManifest::from_json(&bytes);
        let mut state = ReleaseState::default();
        let _ = verifier().read(&mut state, &hex::encode(&bytes), Epoch(1));
        prop_assert_eq!(state.highest_sequence, None);
    }

    #[test]
    fn manifests_round_trip(sequence in 0u64..u64::MAX, issued in 0u64..1000, span in 0u64..100) {
        let mut original = manifest(1);
        original.sequence = sequence;
        original.issued_epoch = Epoch(issued);
        original.expires_epoch = Epoch(issued + span);
        original.deadline_epoch = (span % 2 == 0).then_some(Epoch(issued + span / 2));
        let payload = SignedRelease::sign_manifest(&original, &key(3)).unwrap();
        let read = SignedRelease::from_json_hex(&payload.to_json_hex()).unwrap();
        prop_assert!(read.is_signed_by(&key(3).verification_key()));
        prop_assert_eq!(read.statement().unwrap(), mithril_compat::release::Statement::Manifest(original));
    }
}

#[test]
fn the_node_policy_notifies_verifies_or_refuses() {
    let manifest = manifest(1);
    let lagrange = EraName::new("lagrange").unwrap();
    let notify = UpgradeGuard::new(UpgradePolicy::NotifyOnly, "0.2.4", LINUX);
    assert_eq!(
        notify.advise(Some(&manifest), Epoch(105)),
        UpgradeAdvice::Available {
            version: "0.2.5".into(),
            distribution: "2541.0".into(),
            deadline: Some(Epoch(110))
        }
    );
    assert_eq!(
        notify.advise(Some(&manifest), Epoch(111)),
        UpgradeAdvice::Overdue {
            version: "0.2.5".into(),
            deadline: Epoch(110)
        }
    );
    assert_eq!(
        notify.check_install(&manifest, BINARY),
        Err(ReleaseError::InstallNotAllowed)
    );
    // Notify-only never refuses to run.
    assert!(
        notify
            .check_running(None, &lagrange, &ArtifactDigest::of(b"anything"))
            .is_ok()
    );

    let verify = UpgradeGuard::new(UpgradePolicy::VerifyBeforeInstall, "0.2.5", LINUX);
    assert_eq!(
        verify.advise(Some(&manifest), Epoch(105)),
        UpgradeAdvice::UpToDate
    );
    assert!(verify.check_install(&manifest, BINARY).is_ok());
    assert!(matches!(
        verify.check_install(&manifest, &b"mach-o"[..]),
        Err(ReleaseError::DigestMismatch { .. })
    ));

    let strict = UpgradeGuard::new(UpgradePolicy::RefuseUnlisted, "0.2.5", LINUX);
    assert!(
        strict
            .check_running(Some(&manifest), &lagrange, &ArtifactDigest::of(BINARY))
            .is_ok()
    );
    assert!(matches!(
        strict.check_running(Some(&manifest), &lagrange, &ArtifactDigest::of(b"patched")),
        Err(ReleaseError::DigestMismatch { .. })
    ));
    assert_eq!(
        strict.check_running(None, &lagrange, &ArtifactDigest::of(BINARY)),
        Err(ReleaseError::NoManifest)
    );
    let euclid = EraName::new("euclid").unwrap();
    assert!(matches!(
        strict.check_running(Some(&manifest), &euclid, &ArtifactDigest::of(BINARY)),
        Err(ReleaseError::EraNotListed { .. })
    ));
}

#[test]
fn the_era_warning_names_the_release_to_install() {
    let mut manifest = manifest(1);
    manifest.eras.push(EraName::new("euclid").unwrap());
    let status = EraStatus::Warning {
        current: mithril_compat::era::Era::Lagrange,
        since: Epoch(90),
        next: EraName::new("euclid").unwrap(),
        activation: Some(Epoch(120)),
    };
    let line = era_advice(&status, Some(&manifest));
    assert!(line.starts_with(&status.to_string()), "{line}");
    assert!(
        line.ends_with(
            "; install release 0.2.5 (distribution 2541.0, manifest 1, expected by epoch 110), \
             which supports era euclid"
        ),
        "{line}"
    );
    // A manifest that does not run the next era adds nothing.
    assert_eq!(
        era_advice(&status, Some(&self::manifest(1))),
        status.to_string()
    );
}
