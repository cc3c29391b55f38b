//! `mithril-compat era …` run as a release engineer and a node operator run it.

use std::path::Path;
use std::process::{Command, Output};

pub(crate) fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

pub(crate) fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn keygen_sign_verify_show() {
    let dir = std::env::temp_dir().join(format!("cli-era-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    stdout(&run(
        &dir,
        &[
            "era",
            "keygen",
            "--secret-key",
            "era.sk",
            "--verification-key",
            "era.vk",
        ],
    ));
    // The secret key is never overwritten.
    let again = run(
        &dir,
        &[
            "era",
            "keygen",
            "--secret-key",
            "era.sk",
            "--verification-key",
            "b.vk",
        ],
    );
    assert_eq!(again.status.code(), Some(1));

    std::fs::write(
        dir.join("markers.json"),
        r#"[{"name": "pythagoras", "epoch": 0}, {"name": "lagrange", "epoch": 512}]"#,
    )
    .unwrap();
    let sign = [
        "era",
        "sign",
        "--network",
        "1",
        "--markers",
        "markers.json",
        "--secret-key",
        "era.sk",
    ];
    let payload = stdout(&run(
        &dir,
        &[&sign[..], &["--seq", "1", "--current-epoch", "500"]].concat(),
    ));
    std::fs::write(dir.join("payload.txt"), &payload).unwrap();

    let verified = stdout(&run(
        &dir,
        &[
            "era",
            "verify",
            "--verification-key",
            "era.vk",
            "--network",
            "1",
            "payload.txt",
        ],
    ));
    assert!(
        verified.starts_with("valid: network 1, sequence 1"),
        "{verified}"
    );
    assert!(verified.contains("lagrange at epoch 512"));
    let wrong = run(
        &dir,
        &[
            "era",
            "verify",
            "--verification-key",
            "era.vk",
            "--network",
            "2",
            "payload.txt",
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("the payload is for network 1"));

    let show = |epoch: &str| {
        stdout(&run(
            &dir,
            &[
                "era",
                "show",
                "--epoch",
                epoch,
                "--markers-file",
                "payload.txt",
                "--verification-key",
                "era.vk",
                "--network",
                "1",
            ],
        ))
    };
    let before = show("511");
    assert!(
        before.contains("current era pythagoras (since epoch 0)"),
        "{before}"
    );
    assert!(
        before.contains("next era: lagrange at epoch 512"),
        "{before}"
    );
    assert!(show("512").contains("current era lagrange (since epoch 512)"));

    // Restating what was published is allowed, even close to the activation.
    stdout(&run(
        &dir,
        &[&sign[..], &["--seq", "2", "--current-epoch", "511"]].concat(),
    ));
    // Moving the activation within the registration pipeline is too soon.
    std::fs::write(
        dir.join("moved.json"),
        r#"[{"name": "pythagoras", "epoch": 0}, {"name": "lagrange", "epoch": 510}]"#,
    )
    .unwrap();
    let moved = [
        "era",
        "sign",
        "--network",
        "1",
        "--markers",
        "moved.json",
        "--secret-key",
        "era.sk",
    ];
    let late = run(
        &dir,
        &[&moved[..], &["--seq", "3", "--current-epoch", "509"]].concat(),
    );
    assert_eq!(late.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&late.stderr).contains("too soon"),
        "{late:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Finding 7: `era show` and `serve` started each run from nothing, and payloads of one file were
/// not checked against each other; `era sign` signed a new activation in the past.
#[test]
fn era_rules_hold_from_the_cli_between_runs() {
    let dir = std::env::temp_dir().join(format!("cli-era-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    stdout(&run(
        &dir,
        &[
            "era",
            "keygen",
            "--secret-key",
            "era.sk",
            "--verification-key",
            "era.vk",
        ],
    ));
    let sign = |name: &str, markers: &str, seq: &str, current: &str, state: &str| {
        std::fs::write(dir.join(name), markers).unwrap();
        run(
            &dir,
            &[
                "era",
                "sign",
                "--network",
                "1",
                "--markers",
                name,
                "--secret-key",
                "era.sk",
                "--seq",
                seq,
                "--current-epoch",
                current,
                "--state",
                state,
            ],
        )
    };
    // The release team's own history (a state file of its own).
    let first = stdout(&sign(
        "m1.json",
        r#"[{"name": "pythagoras", "epoch": 0}, {"name": "lagrange", "epoch": 100}]"#,
        "1",
        "90",
        "team.json",
    ));
    // `era sign` refuses to rewrite an epoch already past, and a new activation in the past.
    let rewrite = sign(
        "m2.json",
        r#"[{"name": "pythagoras", "epoch": 0}, {"name": "lagrange", "epoch": 90}]"#,
        "2",
        "95",
        "team.json",
    );
    assert_eq!(rewrite.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&rewrite.stderr).contains("already begun"),
        "{rewrite:?}"
    );
    let fresh_past = sign(
        "m3.json",
        r#"[{"name": "pythagoras", "epoch": 0}, {"name": "lagrange", "epoch": 100}]"#,
        "1",
        "600",
        "fresh.json",
    );
    assert_eq!(fresh_past.status.code(), Some(1), "{fresh_past:?}");
    assert!(String::from_utf8_lossy(&fresh_past.stderr).contains("at or before the current epoch"));

    // A file with two payloads: the higher sequence rewrites an epoch the lower one fixed. A
    // second team key signs it (the same key, with its own state), as a compromised publisher
    // would.
    let rewriting = stdout(&sign(
        "m4.json",
        r#"[{"name": "pythagoras", "epoch": 0}, {"name": "lagrange", "epoch": 90}]"#,
        "2",
        "80",
        "other-team.json",
    ));
    std::fs::write(dir.join("both.txt"), format!("{first}{rewriting}")).unwrap();
    let show = |file: &str| {
        run(
            &dir,
            &[
                "era",
                "show",
                "--epoch",
                "95",
                "--markers-file",
                file,
                "--verification-key",
                "era.vk",
                "--network",
                "1",
                "--state",
                "node.json",
            ],
        )
    };
    let output = stdout(&show("both.txt"));
    assert!(output.contains("accepted payload: sequence 1"), "{output}");
    assert!(
        output.contains(
            "rejected payload #1 (sequence 2): the schedule would change the era of epoch 90"
        ),
        "{output}"
    );
    // The team restates its schedule (sequence 2); the node accepts it. An older payload alone,
    // in a later run, is then a replay: the state was kept between runs.
    let restated = stdout(&sign(
        "m5.json",
        r#"[{"name": "pythagoras", "epoch": 0}, {"name": "lagrange", "epoch": 100}]"#,
        "2",
        "95",
        "team.json",
    ));
    std::fs::write(dir.join("restated.txt"), &restated).unwrap();
    let output = stdout(&show("restated.txt"));
    assert!(output.contains("accepted payload: sequence 2"), "{output}");
    std::fs::write(dir.join("older.txt"), &first).unwrap();
    let output = stdout(&show("older.txt"));
    assert!(
        output.contains(
            "rejected payload #0 (sequence 1): sequence 1 is older than the accepted sequence 2"
        ),
        "{output}"
    );
    assert!(output.contains("accepted payload: sequence 2"), "{output}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn upstream_era_vectors() -> serde_json::Value {
    serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/vectors/upstream/era_markers.json"),
        )
        .unwrap(),
    )
    .unwrap()
}

#[test]
fn mithril_datums_written_by_either_side_verify_and_tampered_ones_do_not() {
    let dir = std::env::temp_dir().join(format!("cli-era-mithril-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = upstream_era_vectors();
    std::fs::write(
        dir.join("era.vk"),
        file["verification_key"]["key_file"].as_str().unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("era.sk"),
        file["secret_key_file"].as_str().unwrap(),
    )
    .unwrap();
    for vector in file["payloads"].as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        // A datum written by Mithril's rules, as JSON and as Plutus data CBOR.
        std::fs::write(
            dir.join("datum.json"),
            vector["datum_json"].as_str().unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join("datum.cbor"),
            vector["plutus_data_cbor_hex"].as_str().unwrap(),
        )
        .unwrap();
        for datum in ["datum.json", "datum.cbor"] {
            let output = run(
                &dir,
                &[
                    "era",
                    "verify",
                    "--format",
                    "mithril",
                    "--datum",
                    datum,
                    "--verification-key",
                    "era.vk",
                ],
            );
            if vector["valid"].as_bool().unwrap() {
                let printed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
                assert_eq!(printed["markers"], vector["markers"], "{name} {datum}");
            } else {
                assert_eq!(output.status.code(), Some(1), "{name} {datum}");
                let stderr = String::from_utf8(output.stderr).unwrap();
                assert!(stderr.contains("no era datum verifies"), "{name}: {stderr}");
            }
        }
    }
    // A datum written by `era datum` is the one Mithril's rules write (Ed25519 is deterministic).
    let scheduled = file["payloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|vector| vector["name"] == "pythagoras_lagrange_scheduled")
        .unwrap();
    let markers = scheduled["markers"].as_array().unwrap();
    let (current, next) = (
        markers[0]["epoch"].to_string(),
        markers[1]["epoch"].to_string(),
    );
    let written = stdout(&run(
        &dir,
        &[
            "era",
            "datum",
            "--format",
            "mithril",
            "--secret-key",
            "era.sk",
            "--current-era-epoch",
            &current,
            "--next-era-epoch",
            &next,
        ],
    ));
    assert_eq!(written.trim(), scheduled["datum_json"].as_str().unwrap());
    // One byte of the payload changed: refused with the reason.
    let tampered = written.replacen("7b226d61726b657273", "7b226d61726b657274", 1);
    std::fs::write(dir.join("tampered.json"), tampered).unwrap();
    let output = run(
        &dir,
        &[
            "era",
            "verify",
            "--format",
            "mithril",
            "--datum",
            "tampered.json",
            "--verification-key",
            "era.vk",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("datum #0: malformed: payload has no markers")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mithril_datum_with_our_envelope_is_checked_against_the_network() {
    let dir = std::env::temp_dir().join(format!("cli-era-envelope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    stdout(&run(
        &dir,
        &[
            "era",
            "keygen",
            "--format",
            "mithril",
            "--secret-key",
            "era.sk",
            "--verification-key",
            "era.vk",
        ],
    ));
    let datum = stdout(&run(
        &dir,
        &[
            "era",
            "datum",
            "--format",
            "mithril",
            "--secret-key",
            "era.sk",
            "--current-era-epoch",
            "1",
            "--network",
            "2",
            "--seq",
            "7",
            "--cbor",
        ],
    ));
    std::fs::write(dir.join("datum.cbor"), datum).unwrap();
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "era",
            "verify",
            "--format",
            "mithril",
            "--datum",
            "datum.cbor",
            "--verification-key",
            "era.vk",
        ];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    let printed: serde_json::Value =
        serde_json::from_str(&stdout(&verify(&["--network", "2", "--require-envelope"]))).unwrap();
    assert_eq!(printed["sequence"], 7);
    let foreign = verify(&["--network", "1"]);
    assert_eq!(foreign.status.code(), Some(1));
    assert!(
        String::from_utf8(foreign.stderr)
            .unwrap()
            .contains("the envelope is for network 2, this node runs on network 1")
    );
    // With a state file, an older enveloped payload is a replay in a later run.
    stdout(&verify(&[
        "--network",
        "2",
        "--state",
        "node.json",
        "--current-epoch",
        "5",
    ]));
    let older = stdout(&run(
        &dir,
        &[
            "era",
            "datum",
            "--format",
            "mithril",
            "--secret-key",
            "era.sk",
            "--current-era-epoch",
            "1",
            "--network",
            "2",
            "--seq",
            "6",
        ],
    ));
    std::fs::write(dir.join("older.json"), older).unwrap();
    let replay = run(
        &dir,
        &[
            "era",
            "verify",
            "--format",
            "mithril",
            "--datum",
            "older.json",
            "--verification-key",
            "era.vk",
            "--network",
            "2",
            "--state",
            "node.json",
            "--current-epoch",
            "5",
        ],
    );
    assert_eq!(replay.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&replay.stderr)
            .contains("sequence 6 is older than the accepted sequence 7"),
        "{replay:?}"
    );
    // A key file in the wrong format is refused with the reason.
    std::fs::write(dir.join("bad.vk"), "not hex").unwrap();
    let output = run(
        &dir,
        &[
            "era",
            "verify",
            "--format",
            "mithril",
            "--datum",
            "datum.cbor",
            "--verification-key",
            "bad.vk",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("key file is not hex")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
