//! `mithril-compat release …` as a release team and a node operator run it: the right artifact
//! is accepted; a one-byte change, a rolled-back manifest and a replay are each refused with
//! their own reason.

use std::path::Path;
use std::process::Output;

use super::cli_era::{run, stdout};

/// The command fails with status 1 and a message containing `reason`.
fn refused(output: &Output, reason: &str) {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(reason), "{reason:?} not in {stderr}");
}

fn keygen(dir: &Path) {
    stdout(&run(
        dir,
        &[
            "release",
            "keygen",
            "--secret-key",
            "release.sk",
            "--verification-key",
            "release.vk",
        ],
    ));
}

fn sign(dir: &Path, seq: &str, version: &str, out: &str) {
    let datum = stdout(&run(
        dir,
        &[
            "release",
            "sign",
            "--secret-key",
            "release.sk",
            "--network",
            "1",
            "--seq",
            seq,
            "--software-version",
            version,
            "--distribution-version",
            "2543.0",
            "--era",
            "pythagoras",
            "--era",
            "lagrange",
            "--wire",
            "json",
            "--wire",
            "v2",
            "--artifact",
            &format!("x86_64-linux=node-{version}"),
            "--issued-epoch",
            "100",
            "--expires-epoch",
            "130",
        ],
    ));
    std::fs::write(dir.join(out), datum).unwrap();
}

fn verify<'a>(dir: &Path, manifest: &'a str, artifact: &'a str) -> Output {
    run(
        dir,
        &[
            "release",
            "verify",
            "--manifest",
            manifest,
            "--verification-key",
            "release.vk",
            "--network",
            "1",
            "--epoch",
            "101",
            "--artifact",
            artifact,
            "--platform",
            "x86_64-linux",
            "--state",
            "node-state.json",
        ],
    )
}

#[test]
fn verify_accepts_the_right_artifact_and_refuses_a_change_a_rollback_and_a_replay() {
    let dir = std::env::temp_dir().join(format!("cli-release-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    keygen(&dir);
    for (version, bytes) in [
        ("0.2.4", "binary 0.2.4"),
        ("0.2.5", "binary 0.2.5"),
        ("0.2.6", "binary 0.2.6"),
    ] {
        std::fs::write(dir.join(format!("node-{version}")), bytes).unwrap();
    }
    sign(&dir, "1", "0.2.4", "m1.json");
    sign(&dir, "2", "0.2.5", "m2.json");
    sign(&dir, "3", "0.2.6", "m3.json");

    let accepted = stdout(&verify(&dir, "m1.json", "node-0.2.4"));
    assert!(accepted.contains("accepted: release 0.2.4"), "{accepted}");
    assert!(
        accepted.contains("matches the x86_64-linux artifact"),
        "{accepted}"
    );
    // One byte changed.
    std::fs::write(dir.join("tampered"), "binarY 0.2.4").unwrap();
    refused(
        &verify(&dir, "m1.json", "tampered"),
        "is not the digest announced for x86_64-linux",
    );
    // Manifest 3 is accepted; manifest 2, older and never accepted, is a rollback.
    stdout(&verify(&dir, "m3.json", "node-0.2.6"));
    refused(
        &verify(&dir, "m2.json", "node-0.2.5"),
        "rollback: sequence 2",
    );
    // Manifest 1, accepted before and superseded, is a replay.
    refused(&verify(&dir, "m1.json", "node-0.2.4"), "replay: sequence 1");
    // The state was kept: the manifest in force is still 3.
    let state = std::fs::read_to_string(dir.join("node-state.json")).unwrap();
    assert!(state.contains("\"highest_sequence\": 3"), "{state}");
    // Another key, or the wrong network, is refused too.
    refused(
        &run(
            &dir,
            &[
                "release",
                "verify",
                "--manifest",
                "m3.json",
                "--verification-key",
                "release.vk",
                "--network",
                "2",
                "--epoch",
                "101",
            ],
        ),
        "the statement is for network 1, this node runs on network 2",
    );
    let shown = stdout(&run(
        &dir,
        &[
            "release",
            "show",
            "--manifest",
            "m3.json",
            "--verification-key",
            "release.vk",
            "--network",
            "1",
        ],
    ));
    assert!(
        shown.contains("\"software_version\": \"0.2.6\"") && shown.contains("\"verified\""),
        "{shown}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "publish")]
#[test]
fn era_publish_writes_the_unsigned_transaction_that_carries_the_signed_manifest() {
    let dir = std::env::temp_dir().join(format!("cli-publish-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/publish");
    keygen(&dir);
    std::fs::write(dir.join("node-0.2.5"), "binary 0.2.5").unwrap();
    sign(&dir, "1", "0.2.5", "datum.json");
    let marker = "addr_test1vqg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygxrcya6";
    let wallet = "addr_test1vq3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygswahgq5";
    let utxo = vectors.join("utxo.json");
    let parameters = vectors.join("protocol-parameters.json");
    let args = [
        "era",
        "publish",
        "--utxo",
        utxo.to_str().unwrap(),
        "--address",
        marker,
        "--datum",
        "datum.json",
        "--change",
        wallet,
        "--protocol-params",
        parameters.to_str().unwrap(),
    ];
    let envelope: serde_json::Value = serde_json::from_str(&stdout(&run(&dir, &args))).unwrap();
    assert_eq!(envelope["type"], "Unwitnessed Tx ConwayEra");
    let cbor = hex::decode(envelope["cborHex"].as_str().unwrap()).unwrap();
    // The datum's payload is in the transaction, as the nodes reading the address will find it.
    let datum = std::fs::read_to_string(dir.join("datum.json")).unwrap();
    let first_piece =
        serde_json::from_str::<serde_json::Value>(&datum).unwrap()["fields"][0]["bytes"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(hex::encode(&cbor).contains(&first_piece));
    // With --out-file: a summary, and the file is never overwritten.
    let mut with_file = args.to_vec();
    with_file.extend(["--out-file", "tx.unsigned"]);
    let summary = stdout(&run(&dir, &with_file));
    assert!(summary.contains("once signed by 2 key(s)"), "{summary}");
    refused(&run(&dir, &with_file), "tx.unsigned");
    // An address that is not one is refused with its reason.
    let mut bad = args.to_vec();
    bad[5] = "addr_test1xyz";
    refused(&run(&dir, &bad), "address addr_test1xyz");
    std::fs::remove_dir_all(&dir).unwrap();
}
