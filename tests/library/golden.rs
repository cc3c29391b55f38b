//! Golden binary fixtures.
//!
//! - `tests/golden/HEAD/<version>/<name>.bin` is today's encoding of each sample. A difference
//!   fails; `UPDATE_GOLDEN=1 cargo test --test library golden` rewrites them after a deliberate change.
//! - `tests/golden/<release>/<version>/<name>.bin` are frozen encodings of released schemas
//!   (with `image.binpb`, the schema image `buf breaking` compares against). Each must still decode
//!   and re-encode to the same bytes. They are never rewritten.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use mithril_compat::wire::{self, MessageKind, WireVersion};

use crate::common::release_number;
use mithril_compat::{WireError, samples};

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The samples a wire version cannot carry: the expectation, stated once.
const NOT_CARRIED: &[(&str, WireVersion)] = &[
    (
        "single_signature_cardano_blocks_transactions",
        WireVersion::V1,
    ),
    ("single_signature_with_snark_signature", WireVersion::V1),
    ("single_signature_with_shadow_signature", WireVersion::V1),
    (
        "single_signature_cardano_immutable_files_full",
        WireVersion::V2,
    ),
];

fn kind_of(name: &str) -> MessageKind {
    MessageKind::ALL
        .iter()
        .copied()
        .find(|kind| name.starts_with(kind.field_name()))
        .unwrap_or_else(|| panic!("fixture {name} names no message kind"))
}

#[test]
fn head_fixtures_match_todays_encoder() {
    let mut failures = Vec::new();
    for version in WireVersion::ALL {
        let dir = golden_root().join("HEAD").join(version.name());
        let mut expected_files = BTreeSet::new();
        for (name, message) in samples::all() {
            let path = dir.join(format!("{name}.bin"));
            let not_carried = NOT_CARRIED.contains(&(name.as_str(), *version));
            let encoded = match wire::encode(*version, &message) {
                Ok(encoded) if !not_carried => encoded,
                Ok(_) => {
                    failures.push(format!(
                        "{version}: {name}: carried, but expected not to be"
                    ));
                    continue;
                }
                Err(WireError::Unrepresentable { .. }) if not_carried => continue,
                Err(error) => {
                    failures.push(format!("{version}: {name}: {error}"));
                    continue;
                }
            };
            expected_files.insert(path.clone());
            if crate::common::updating_golden() {
                fs::create_dir_all(&dir).unwrap();
                fs::write(&path, &encoded).unwrap();
                continue;
            }
            match fs::read(&path) {
                Ok(golden) if golden == encoded => {}
                Ok(golden) => failures.push(format!(
                    "{}: today's encoder writes {} bytes that differ from the {} golden bytes",
                    path.display(),
                    encoded.len(),
                    golden.len()
                )),
                Err(error) => failures.push(format!("{}: {error}", path.display())),
            }
        }
        // A fixture no sample produces any more is a silent loss of coverage.
        if let Ok(entries) = fs::read_dir(&dir) {
            for entry in entries {
                let path = entry.unwrap().path();
                if !expected_files.contains(&path) {
                    failures.push(format!("{}: no sample produces it", path.display()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatch (rerun with UPDATE_GOLDEN=1 only if the change is deliberate and \
         compatible):\n{}",
        failures.join("\n")
    );
}

fn releases() -> Vec<PathBuf> {
    let mut releases: Vec<PathBuf> = fs::read_dir(golden_root())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        // Releases are named by their version (`0.1.0`); `HEAD` and `json` hold today's fixtures.
        .filter(|path| {
            path.is_dir()
                && path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    releases.sort();
    releases
}

/// The releases CHANGELOG.md records (`## [0.1.0]`), oldest first.
fn changelog_releases() -> Vec<String> {
    let changelog =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("CHANGELOG.md")).unwrap();
    let mut releases: Vec<String> = changelog
        .lines()
        .filter_map(|line| line.strip_prefix("## ["))
        .filter_map(|rest| rest.split_once(']').map(|(release, _)| release.to_owned()))
        .filter(|release| release.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    releases.sort_by_key(|release| release_number(release));
    releases
}

/// Every release the changelog records is frozen on disk, with its schema image and the
/// fixtures of every wire version it shipped (from the registry's first release of each), and
/// nothing else is: deleting a release directory, or one version's fixtures, fails here.
#[test]
fn every_release_is_frozen_with_every_version_it_shipped() {
    let on_disk: Vec<String> = releases()
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let released = changelog_releases();
    assert!(
        released.len() >= 3,
        "releases in CHANGELOG.md: {released:?}"
    );
    assert_eq!(
        on_disk, released,
        "tests/golden/<release>/ against CHANGELOG.md"
    );
    for release in &released {
        let dir = golden_root().join(release);
        assert!(
            dir.join("image.binpb").is_file(),
            "{release}: no image.binpb"
        );
        for version in WireVersion::ALL {
            let shipped = release_number(version.first_release()) <= release_number(release);
            let compiled = crate::frozen::RELEASES.contains(&(release.as_str(), version.name()));
            assert_eq!(
                compiled, shipped,
                "{release}: the schema image and the registry disagree on {version}"
            );
            let fixtures = dir.join(version.name());
            if !shipped {
                assert!(!fixtures.exists(), "{release} predates {version}");
                continue;
            }
            for required in ["signer_registration", "epoch_settings"] {
                assert!(
                    fixtures.join(format!("{required}.bin")).is_file(),
                    "{release}/{}: no {required}.bin",
                    version.name()
                );
            }
            let signatures = fs::read_dir(&fixtures)
                .unwrap()
                .filter(|entry| {
                    let name = entry.as_ref().unwrap().file_name();
                    let name = name.to_string_lossy();
                    name.starts_with("single_signature") && name.ends_with(".bin")
                })
                .count();
            assert!(
                signatures >= 4,
                "{release}/{}: {signatures} signatures",
                version.name()
            );
        }
    }
}

/// Every frozen fixture (`<name>.bin`) decodes to the value it meant when it was frozen
/// (`<name>.json`, the hub's JSON form), and encodes back to the same bytes: a pair of
/// conversions that drifted together (a field read one way and written back the other) keeps
/// the bytes stable but changes the meaning, which the JSON catches. A missing `<name>.json` is
/// written once under `UPDATE_GOLDEN=1`; an existing one is never rewritten.
#[test]
fn released_fixtures_decode_and_reencode_identically() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for release in releases() {
        assert!(
            release.join("image.binpb").is_file(),
            "{}: the schema image buf compares against is missing",
            release.display()
        );
        for version in WireVersion::ALL {
            let dir = release.join(version.name());
            // Which versions each release must have is checked above; here, every fixture there is.
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|extension| extension != "bin") {
                    continue;
                }
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                let bytes = fs::read(&path).unwrap();
                let message = match wire::decode(*version, kind_of(&name), &bytes[..]) {
                    Ok(message) => message,
                    Err(error) => {
                        failures.push(format!("{}: {error}", path.display()));
                        continue;
                    }
                };
                let meaning = path.with_extension("json");
                let json = format!(
                    "{}\n",
                    serde_json::to_string_pretty(&crate::compat_matrix::inner_json(&message))
                        .unwrap()
                );
                if crate::common::updating_golden() && !meaning.exists() {
                    fs::write(&meaning, &json).unwrap();
                }
                match fs::read_to_string(&meaning) {
                    Ok(frozen) if frozen == json => {}
                    Ok(_) => failures.push(format!(
                        "{}: decodes to another value than when it was frozen ({})",
                        path.display(),
                        meaning.display()
                    )),
                    Err(_) => failures.push(format!(
                        "{}: its meaning is not frozen yet (UPDATE_GOLDEN=1 writes a missing one)",
                        meaning.display()
                    )),
                }
                match wire::encode(*version, &message) {
                    Ok(reencoded) if reencoded == bytes => checked += 1,
                    Ok(_) => failures.push(format!("{}: re-encodes differently", path.display())),
                    Err(error) => failures.push(format!("{}: {error}", path.display())),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every release holds at least the fixtures of the first one.
    assert!(checked >= 6, "only {checked} fixtures checked");
}

/// `mithril.discovery.v1` is frozen since 0.3.0: the bytes two nodes of any release exchange
/// when they connect. The expected bytes are written out field by field from the schema
/// (`proto/mithril/discovery/v1/discovery.proto`), not produced by the code under test; the era
/// history hash is the one `EraHistoryId`'s own pinned test derives from its definition.
#[test]
fn the_frozen_discovery_messages_have_their_bytes() {
    use mithril_compat::domain::{Epoch, EraName, NetworkMagic};
    use mithril_compat::era::EraMarker;
    use mithril_compat::wire::discovery::{EraHistoryId, pb};
    use prost::Message;

    let request = pb::DiscoverRequest {
        software_version: "0.3.0".into(),
        wire_versions: vec![1, 2],
        supported_eras: vec!["pythagoras".into(), "lagrange".into()],
    };
    let request_bytes = [
        &[0x0a, 5][..],
        b"0.3.0",
        &[0x12, 2, 1, 2],
        &[0x1a, 10],
        b"pythagoras",
        &[0x1a, 8],
        b"lagrange",
    ]
    .concat();
    assert_eq!(request.encode_to_vec(), request_bytes);
    assert_eq!(
        pb::DiscoverRequest::decode(&request_bytes[..]).unwrap(),
        request
    );

    let markers = [
        EraMarker::scheduled(EraName::new("pythagoras").unwrap(), Epoch(0)),
        EraMarker::scheduled(EraName::new("lagrange").unwrap(), Epoch(512)),
    ];
    let history = EraHistoryId::compute(NetworkMagic::PREPROD, &markers, Epoch(500));
    let response = pb::DiscoverResponse {
        wire_versions: vec![1, 2],
        software_version: "0.3.0".into(),
        epoch: 500,
        current_era: "pythagoras".into(),
        current_era_since: 0,
        next_era: "lagrange".into(),
        next_era_epoch: Some(512),
        era_history_hash: history.hash.to_vec().into(),
        era_history_next: history.next.map(|epoch| epoch.0),
        network: 1,
    };
    let response_bytes = [
        &[0x0a, 2, 1, 2][..],
        &[0x12, 5],
        b"0.3.0",
        &[0x18, 0xf4, 0x03],
        &[0x22, 10],
        b"pythagoras",
        // current_era_since 0: the default, not written.
        &[0x32, 8],
        b"lagrange",
        &[0x38, 0x80, 0x04],
        &[0x42, 8],
        &hex::decode("0b05884fd474fdb3").unwrap(),
        &[0x48, 0x80, 0x04],
        &[0x50, 1],
    ]
    .concat();
    assert_eq!(response.encode_to_vec(), response_bytes);
    assert_eq!(
        pb::DiscoverResponse::decode(&response_bytes[..]).unwrap(),
        response
    );
}
