//! `mithril-compat era …` run as a release engineer and a node operator run it.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
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

    // Too soon for the registration pipeline.
    let late = run(
        &dir,
        &[&sign[..], &["--seq", "2", "--current-epoch", "511"]].concat(),
    );
    assert_eq!(late.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&late.stderr).contains("too soon"));
    std::fs::remove_dir_all(&dir).unwrap();
}
