//! The command-line tool, run as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use mithril_compat::wire::WireVersion;

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A command refused on its arguments exits before it reads stdin: the pipe may be closed.
    if let Err(error) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}

#[test]
fn roundtrip_shows_every_sample_through_every_version() {
    let output = run(&["roundtrip"], b"");
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

fn golden_json(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/golden/json")
            .join(format!("{name}.json")),
    )
    .unwrap()
}

fn json_of(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("JSON")
}

#[test]
fn convert_takes_json_bodies_through_every_wire_version_and_back() {
    let cases = [
        ("register_signer_with_snark", "register-signer"),
        ("register_signature_cardano_database", "register-signature"),
        ("epoch_settings", "epoch-settings"),
    ];
    for (fixture, message) in cases {
        let body = golden_json(fixture);
        for wire in ["v1", "v2"] {
            let binary = run(
                &[
                    "convert",
                    "--message",
                    message,
                    "--from",
                    "json",
                    "--to",
                    wire,
                ],
                &body,
            );
            assert!(binary.status.success(), "{fixture} to {wire}: {binary:?}");
            let back = run(
                &[
                    "convert",
                    "--message",
                    message,
                    "--from",
                    wire,
                    "--to",
                    "json",
                ],
                &binary.stdout,
            );
            assert!(back.status.success(), "{fixture} from {wire}: {back:?}");
            assert!(
                back.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&back.stderr)
            );
            // Pretty JSON, members in today's order: the fixture's very bytes.
            assert_eq!(back.stdout, body, "{fixture} through {wire}");
        }
        // Between protobuf versions too.
        let v1 = run(
            &[
                "convert",
                "--message",
                message,
                "--from",
                "json",
                "--to",
                "v1",
            ],
            &body,
        );
        let v2 = run(
            &[
                "convert",
                "--message",
                message,
                "--from",
                "v1",
                "--to",
                "v2",
            ],
            &v1.stdout,
        );
        let again = run(
            &[
                "convert",
                "--message",
                message,
                "--from",
                "mithril.signer.v2",
                "--to",
                "json",
            ],
            &v2.stdout,
        );
        assert_eq!(json_of(&again.stdout), json_of(&body), "{fixture}");
    }
}

#[test]
fn convert_to_json_carries_a_signed_declaration_and_says_the_headers_to_send() {
    let binary = run(
        &["sample", "--wire", "v2", "--message", "register-signer"],
        b"",
    );
    let output = run(
        &[
            "convert",
            "--message",
            "register-signer",
            "--from",
            "v2",
            "--to",
            "json",
        ],
        &binary.stdout,
    );
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        ["header: signer-node-version: 0.2.0"]
    );
    // The sample's declaration is signed: it travels whole, in members today's nodes ignore.
    let body = json_of(&output.stdout);
    assert_eq!(body["epoch"], 512);
    assert_eq!(
        body["node_info"]["supported_eras"],
        serde_json::json!(["pythagoras", "lagrange"])
    );
    assert!(body["node_info_signature"].is_string());

    // Back to v1: the signed declaration comes back whole (the header is not needed).
    let v1 = run(
        &[
            "convert",
            "--message",
            "register-signer",
            "--from",
            "json",
            "--to",
            "v1",
            "--signer-node-version",
            "0.2.0",
        ],
        &output.stdout,
    );
    assert!(v1.status.success(), "{v1:?}");
    let decoded = run(
        &["decode", "--wire", "v1", "--message", "register-signer"],
        &v1.stdout,
    );
    let hub = json_of(&decoded.stdout);
    assert_eq!(hub["node_info"]["software_version"], "0.2.0");
    assert_eq!(
        hub["node_info"]["supported_eras"],
        serde_json::json!(["pythagoras", "lagrange"])
    );
}

#[test]
fn convert_names_members_it_does_not_convert() {
    let mut body = json_of(&golden_json("register_signer"));
    body["future_member"] = "00".into();
    let output = run(
        &[
            "convert",
            "--message",
            "register-signer",
            "--from",
            "json",
            "--to",
            "v2",
        ],
        body.to_string().as_bytes(),
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "not converted: register_signer.future_member (a member this build does not know)\n"
    );
}

#[test]
fn convert_refuses_bad_input_with_a_clear_message() {
    let mut body = json_of(&golden_json("register_signature_cardano_transactions"));
    body["indexes"][2] = "17".into();
    let output = run(
        &[
            "convert",
            "--message",
            "register-signature",
            "--from",
            "json",
            "--to",
            "v1",
        ],
        body.to_string().as_bytes(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: register_signature.indexes[2]: malformed (expected an unsigned 64-bit integer)\n"
    );

    let output = run(
        &[
            "convert",
            "--message",
            "register-signature",
            "--from",
            "json",
            "--to",
            "v2",
        ],
        b"{\"entity_type\":",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .starts_with("error: register_signature: malformed JSON: EOF while parsing"),
    );

    let output = run(
        &[
            "convert",
            "--message",
            "register-signature",
            "--from",
            "json",
            "--to",
            "v1",
        ],
        &golden_json("register_signature_unknown_entity_type"),
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: single_signature.signed_entity_type has no representation in mithril.signer.v1\n"
    );

    let output = run(
        &[
            "convert",
            "--message",
            "register-signer",
            "--from",
            "json",
            "--to",
            "v1",
            "--signer-node-version",
            "0.2 beta",
        ],
        &golden_json("register_signer"),
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: signer-node-version: invalid character ' ' (allowed: visible ASCII)\n"
    );

    let output = run(
        &[
            "convert",
            "--message",
            "epoch-settings",
            "--from",
            "v1",
            "--to",
            "json",
            "--signer-node-version",
            "1.0",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .starts_with("error: --signer-node-version is a header of JSON registrations")
    );

    let output = run(
        &[
            "convert",
            "--message",
            "epoch-settings",
            "--from",
            "xml",
            "--to",
            "json",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2), "clap reports usage errors");
    // The formats are JSON and every wire version of the registry.
    let formats = std::iter::once("json")
        .chain(WireVersion::ALL.iter().map(|version| version.name()))
        .collect::<Vec<_>>()
        .join(", ");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("unknown format \"xml\" (expected {formats})")),
        "{stderr}"
    );
}

fn upstream_vectors(name: &str) -> serde_json::Value {
    json_of(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/vectors/upstream")
                .join(name),
        )
        .unwrap(),
    )
}

#[test]
fn signed_message_prints_what_mithril_common_computes() {
    let file = upstream_vectors("protocol_messages.json");
    for vector in file["vectors"].as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let hash = vector["hash"].as_str().unwrap();
        // mithril-common's own ProtocolMessage JSON.
        let output = run(
            &["signed-message"],
            vector["message"].to_string().as_bytes(),
        );
        assert!(output.status.success(), "{name}: {output:?}");
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("{hash}\n"),
            "{name}"
        );
        // `{part: value}` with the era choosing the scheme.
        let flat: serde_json::Map<String, serde_json::Value> = vector["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1].clone()))
            .collect();
        let era = match vector["hash_scheme"].as_str().unwrap() {
            "legacy" => "pythagoras",
            _ => "lagrange",
        };
        let output = run(
            &["signed-message", "--era", era],
            serde_json::Value::Object(flat).to_string().as_bytes(),
        );
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("{hash}\n"),
            "{name}"
        );
    }
}

#[test]
fn signed_message_refuses_what_it_cannot_place() {
    let output = run(
        &["signed-message"],
        br#"{"current_epoch": "1", "current_era": "lagrange"}"#,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: part \"current_era\" is not known to this build: its place in the hash order is \
         unknown\n"
    );
    let output = run(
        &["signed-message", "--hash-scheme", "rigid"],
        br#"{"current_epoch": 1}"#,
    );
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: the rigid hash scheme needs the part next_aggregate_verification_key_snark\n"
    );
    let output = run(&["signed-message"], b"[1]");
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: stdin: expected a JSON object\n"
    );
}

#[test]
fn convert_takes_the_aggregators_own_routes() {
    let file = upstream_vectors("messages.json");
    for (name, message) in [
        ("aggregator_features_snark", "aggregator-features"),
        ("protocol_configuration", "protocol-configuration"),
        ("aggregator_status_follower", "aggregator-status"),
    ] {
        let entry = file["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["name"] == name)
            .unwrap();
        let body = entry["compact"].as_str().unwrap();
        let v2 = run(
            &[
                "convert",
                "--message",
                message,
                "--from",
                "json",
                "--to",
                "v2",
            ],
            body.as_bytes(),
        );
        assert!(v2.status.success(), "{name}: {v2:?}");
        let back = run(
            &[
                "convert",
                "--message",
                message,
                "--from",
                "v2",
                "--to",
                "json",
            ],
            &v2.stdout,
        );
        assert!(back.status.success(), "{name}: {back:?}");
        assert_eq!(json_of(&back.stdout), json_of(body.as_bytes()), "{name}");
    }
}

#[test]
fn demo_and_simulate_write_their_charts_as_svg() {
    let dir = std::env::temp_dir().join(format!("cli-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let demo = dir.join("demo.svg");
    let output = run(
        &[
            "demo",
            "--signers",
            "12",
            "--epochs",
            "6",
            "--curve",
            "fast",
            "--plot",
            demo.to_str().unwrap(),
        ],
        b"",
    );
    assert!(output.status.success(), "{output:?}");
    let svg = std::fs::read_to_string(&demo).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    for text in [
        "Rolling upgrade: 6 epochs",
        "Stake by release, and stake ready for lagrange",
        "share of registered stake",
        "P(no certificate) if only the ready stake, less the margin, signs",
        "probability (log scale)",
        "target 1e-9",
    ] {
        assert!(svg.contains(text), "{text}");
    }

    let simulation = dir.join("simulation.svg");
    let output = run(
        &[
            "simulate",
            "--signers",
            "200",
            "--seeds",
            "3",
            "--decision-seeds",
            "0",
            "--plot",
            simulation.to_str().unwrap(),
        ],
        b"",
    );
    assert!(output.status.success(), "{output:?}");
    // Not a terminal: no progress bar on stderr.
    assert!(output.stderr.is_empty(), "{output:?}");
    let svg = std::fs::read_to_string(&simulation).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    for text in [
        "Era rollout simulation: 3 runs per scenario",
        "Activation epoch",
        "activation epoch (the release ships at epoch 1)",
        "baseline / quorum-aware",
        "faulty-next-era / flat 95%",
        "Runs with an epoch without a certificate, caused by the switch",
    ] {
        assert!(svg.contains(text), "{text}");
    }
    // A file that cannot be written is an error that names it.
    let output = run(
        &[
            "simulate",
            "--signers",
            "50",
            "--seeds",
            "1",
            "--decision-seeds",
            "0",
            "--plot",
            "/nonexistent/dir/x.svg",
        ],
        b"",
    );
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--plot /nonexistent/dir/x.svg"),
        "{output:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
