//! The command-line tool, run as a user runs it.
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn demo_is_the_default_and_round_trips_every_sample() {
    let output = run(&[], b"");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let identical = stdout
        .lines()
        .filter(|line| line.ends_with("identical"))
        .count();
    let not_carried = stdout
        .lines()
        .filter(|line| line.contains("not carried: "))
        .count();
    let cells = mithril_compat::samples::all().len() * mithril_compat::wire::WireVersion::ALL.len();
    assert_eq!(identical + not_carried, cells, "{stdout}");
    assert!(identical > not_carried, "{stdout}");
}

#[test]
fn sample_decode_encode_round_trip_for_every_message() {
    for message in ["register-signer", "register-signature", "epoch-settings"] {
        let binary = run(&["sample", "--wire", "v1", "--message", message], b"");
        assert!(binary.status.success());
        let json = run(
            &["decode", "--wire", "v1", "--message", message],
            &binary.stdout,
        );
        assert!(json.status.success(), "{json:?}");
        serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("decode prints JSON");
        let again = run(
            &["encode", "--wire", "v1", "--message", message],
            &json.stdout,
        );
        assert!(again.status.success(), "{again:?}");
        assert_eq!(again.stdout, binary.stdout, "{message}");
    }
}

#[test]
fn bad_input_exits_non_zero_with_a_clear_message() {
    let output = run(
        &["decode", "--message", "register-signature"],
        &[0xff, 0x01],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: single_signature: malformed mithril.signer.v1 bytes"),
        "{stderr}"
    );

    let output = run(
        &["encode", "--message", "register-signer"],
        br#"{"epoch": 1}"#,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("invalid JSON for register-signer")
    );

    let output = run(
        &["decode", "--wire", "v9", "--message", "epoch-settings"],
        b"",
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "clap reports usage errors with status 2"
    );
}
