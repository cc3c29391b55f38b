//! The rolling upgrade end to end, small: real STM signatures over loopback gRPC and HTTP.

use mithril_compat::era::Era;
use mithril_compat::mithril::certificate::{
    CertificateMessage, LinkError, StmVerifier, read_genesis_verification_key, verify_chain,
};
use mithril_compat::wire::WireVersion;
use mithril_compat_cli::demo::{
    Curve, DemoConfig, DemoReport, DemoScenario, Faults, FaultySigner, Transport, run_async,
};

/// The small run every test starts from.
fn small(faults: Faults) -> DemoConfig {
    DemoConfig {
        signers: 16,
        seed: 7,
        epochs: 9,
        curve: Curve::Fast,
        never_upgrade: 0.15,
        faults,
        transport: Transport::Grpc,
        scenario: DemoScenario::Rollout,
        dashboard: None,
        linger_seconds: 0,
        chain_dir: None,
    }
}

/// The epochs with a signature rejected for signing the wrong message, each with its count.
fn wrong_message_rejections(report: &DemoReport) -> Vec<(u64, usize)> {
    report
        .rows
        .iter()
        .filter(|row| row.rejected_signatures > 0)
        .map(|row| {
            let noted = row
                .notes
                .iter()
                .filter(|note| note.contains("signed the wrong message"))
                .count();
            assert_eq!(noted, row.rejected_signatures, "{}", report.table());
            (row.epoch, row.rejected_signatures)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_upgrade_keeps_a_certificate_every_epoch() {
    let report = run_async(&small(Faults::default())).await.unwrap();
    let table = report.table();

    // No epoch without a valid certificate.
    assert_eq!(report.epochs_without_certificate, 0, "{table}");
    assert!(report.rows.iter().all(|row| row.certificate), "{table}");

    // Every upgraded pool signs its node info with its KES key, and every signature verifies:
    // the verified stake is the upgraded stake, and readiness never exceeds it.
    for row in &report.rows {
        assert!(
            (row.verified_share - row.v2_software_share).abs() < 1e-9,
            "{table}"
        );
        assert!(row.ready_share <= row.verified_share + 1e-9, "{table}");
    }

    // The gate locked in on proof: upgraded signers' shadow signatures of lagrange's message
    // verified (none refused), the shadow certificates were produced, and the epoch it locked
    // in says so in one line. Proven stake never exceeds the upgraded stake.
    let locked = report
        .rows
        .iter()
        .find(|row| row.gate == mithril_compat::adoption::GateState::LockedIn)
        .expect("the gate locks in");
    assert!(
        locked
            .verdict
            .as_deref()
            .is_some_and(|verdict| verdict.starts_with("ready on proven stake")),
        "{table}"
    );
    assert!(
        locked
            .shadow
            .as_ref()
            .is_some_and(|attempt| attempt.produced),
        "{table}"
    );
    assert!(locked.shadow_signatures > 0, "{table}");
    for row in &report.rows {
        assert_eq!(row.shadow_refused, 0, "{table}");
        assert!(row.proven_share <= row.v2_software_share + 1e-9, "{table}");
    }

    // Activation happens exactly at the epoch the gate proposed.
    let proposed = report.proposed_activation.expect("the gate locks in");
    assert_eq!(report.activated_at, Some(proposed), "{table}");
    for row in &report.rows {
        let expected = if row.epoch >= proposed {
            "lagrange"
        } else {
            "pythagoras"
        };
        assert_eq!(row.era, expected, "{table}");
    }

    // Before the switch, v1-only signers are warned; after it, they are refused and their stake
    // is no longer counted.
    let before: Vec<_> = report
        .rows
        .iter()
        .filter(|row| row.epoch < proposed)
        .collect();
    let after: Vec<_> = report
        .rows
        .iter()
        .filter(|row| row.epoch >= proposed)
        .collect();
    assert!(before.iter().any(|row| row.warned > 0), "{table}");
    assert!(before.iter().all(|row| row.refused == 0), "{table}");
    assert!(after.iter().all(|row| row.refused > 0), "{table}");
    assert!(
        after.iter().all(|row| row.v1_software_share == 0.0),
        "{table}"
    );
    // After the switch, no signature arrives on a version lagrange no longer accepts.
    for version in WireVersion::ALL
        .iter()
        .filter(|v| !v.accepted_in(Era::Lagrange))
    {
        assert!(
            after.iter().all(|row| row.signatures_by_wire[version] == 0),
            "{table}"
        );
    }

    // The faulty signer of epoch 3 was rejected with a reason, and epoch 3 still certified.
    let third = &report.rows[2];
    assert_eq!(third.rejected_signatures, 1, "{table}");
    assert!(
        third
            .notes
            .iter()
            .any(|note| note.contains("signed the wrong message")),
        "{table}"
    );
    assert_eq!(wrong_message_rejections(&report), vec![(3, 1)], "{table}");

    // Signatures are counted by each wire version the build speaks, one table column each.
    for row in &report.rows {
        let versions: Vec<_> = row.signatures_by_wire.keys().copied().collect();
        assert_eq!(versions, WireVersion::ALL, "{table}");
    }
    for version in WireVersion::ALL {
        assert!(
            table.contains(&format!("sigs {}", version.name())),
            "{table}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_are_configuration() {
    // Without faults, the aggregator rejects nothing and every epoch still certifies.
    let clean = run_async(&small(Faults::none())).await.unwrap();
    let table = clean.table();
    assert_eq!(wrong_message_rejections(&clean), vec![], "{table}");
    assert!(
        clean.rows.iter().all(|row| row.rejected_signatures == 0),
        "{table}"
    );
    assert_eq!(clean.epochs_without_certificate, 0, "{table}");

    // Faulty signers elsewhere: rejected exactly where configured, certificates kept.
    let faults = Faults {
        wrong_message: vec![
            FaultySigner {
                epoch: 5,
                position: 0,
            },
            FaultySigner {
                epoch: 7,
                position: 0,
            },
            FaultySigner {
                epoch: 7,
                position: 1,
            },
        ],
    };
    let moved = run_async(&small(faults)).await.unwrap();
    let table = moved.table();
    assert_eq!(
        wrong_message_rejections(&moved),
        vec![(5, 1), (7, 2)],
        "{table}"
    );
    assert_eq!(moved.epochs_without_certificate, 0, "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_network_over_http_certifies_every_epoch() {
    let config = DemoConfig {
        transport: Transport::Mixed,
        ..small(Faults::none())
    };
    let report = run_async(&config).await.unwrap();
    let table = report.table();
    assert_eq!(report.epochs_without_certificate, 0, "{table}");
    assert!(report.rows.iter().all(|row| row.certificate), "{table}");
    // Today's JSON nodes, protobuf v1 and protobuf v2 signers all signed through the same
    // aggregator: JSON and v1 before they upgrade, v2 after.
    let first = &report.rows[0];
    assert!(first.json_signatures > 0, "{table}");
    assert!(first.signatures_by_wire[&WireVersion::V1] > 0, "{table}");
    assert!(
        report
            .rows
            .iter()
            .any(|row| row.json_signatures > 0 && row.signatures_by_wire[&WireVersion::V2] > 0),
        "{table}"
    );
    assert!(table.contains("sigs json"), "{table}");
    // The switch still happens where the gate proposed it, and v1 is refused after it while
    // JSON, today's API, is still served.
    let proposed = report.proposed_activation.expect("the gate locks in");
    assert_eq!(report.activated_at, Some(proposed), "{table}");
    for row in report.rows.iter().filter(|row| row.epoch >= proposed) {
        assert_eq!(row.signatures_by_wire[&WireVersion::V1], 0, "{table}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_signer_over_http_in_protobuf_certifies_every_epoch() {
    let config = DemoConfig {
        transport: Transport::Http,
        ..small(Faults::default())
    };
    let report = run_async(&config).await.unwrap();
    let table = report.table();
    assert_eq!(report.epochs_without_certificate, 0, "{table}");
    assert!(
        report.rows.iter().all(|row| row.json_signatures == 0),
        "{table}"
    );
    assert_eq!(wrong_message_rejections(&report).len(), 1, "{table}");
}

/// The chain a small demo writes, read back: the certificates by hash and the genesis key.
fn written_chain(
    dir: &std::path::Path,
) -> (
    Vec<CertificateMessage>,
    mithril_compat::mithril::certificate::GenesisVerificationKey,
) {
    let hashes: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("certificates.json")).unwrap())
            .unwrap();
    let chain = hashes
        .iter()
        .map(|hash| {
            CertificateMessage::from_json(
                &std::fs::read_to_string(dir.join(format!("{hash}.json"))).unwrap(),
            )
            .unwrap()
        })
        .collect();
    let key =
        read_genesis_verification_key(&std::fs::read_to_string(dir.join("genesis.vkey")).unwrap())
            .unwrap();
    (chain, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_writes_a_certificate_chain_that_verifies_across_the_switch() {
    let dir = std::env::temp_dir().join(format!("mithril-compat-chain-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = DemoConfig {
        chain_dir: Some(dir.clone()),
        ..small(Faults::none())
    };
    let report = run_async(&config).await.unwrap();
    let table = report.table();
    // One certificate an epoch and the genesis certificate, every link verified, across the
    // switch to lagrange.
    assert_eq!(report.certificates, config.epochs as usize + 1, "{table}");
    assert!(report.chain_verified, "{table}");
    assert!(report.rows.iter().all(|row| row.chain_verified), "{table}");
    assert!(report.activated_at.is_some(), "{table}");
    assert!(table.contains("certificates chained from genesis, the chain verified"));

    let (chain, key) = written_chain(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(chain.len(), report.certificates);
    // Walked from the latest, the chain goes through each epoch's first certificate: every one
    // but the multi-signed certificate of the genesis epoch, which is verified from itself.
    let report = verify_chain(&chain[0].hash, &chain, &key, Some(&StmVerifier));
    assert!(report.verified(), "{report}");
    assert_eq!(report.links.len(), chain.len() - 1);
    for certificate in &chain {
        let report = verify_chain(&certificate.hash, &chain, &key, Some(&StmVerifier));
        assert!(report.verified(), "{report}");
    }
    // The certificate of the switch epoch signs the rigid digest and still verifies.
    assert!(
        chain
            .iter()
            .any(|c| c.protocol_message.get("hash_scheme").is_some()),
        "a lagrange certificate"
    );

    let rehash = |certificate: &mut CertificateMessage| {
        certificate.hash = certificate.compute_hash().unwrap();
    };
    let broken_at = |chain: &[CertificateMessage], from: &str| {
        let report = verify_chain(from, chain, &key, Some(&StmVerifier));
        let link = report.first_broken().expect("a broken link").clone();
        (link.hash, link.error.unwrap())
    };
    // A certificate removed.
    let mut removed = chain.clone();
    let gone = removed.remove(3);
    let (at, error) = broken_at(&removed, &chain[0].hash);
    assert_eq!(at, chain[2].hash);
    assert_eq!(error, LinkError::PreviousNotFound(gone.hash));
    // A signer's stake changed.
    let mut staked = chain.clone();
    staked[3].metadata.signers[0].stake += 1;
    let (at, error) = broken_at(&staked, &chain[0].hash);
    assert_eq!(at, chain[3].hash);
    assert!(matches!(error, LinkError::Hash { .. }), "{error}");
    // The first certificate of an epoch signed with the previous epoch's key.
    let mut wrong = chain.clone();
    wrong[3].aggregate_verification_key = chain[4].aggregate_verification_key.clone();
    rehash(&mut wrong[3]);
    let (at, error) = broken_at(&wrong, &wrong[3].hash);
    assert_eq!(at, wrong[3].hash);
    assert!(matches!(error, LinkError::MultiSignature(_)), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_next_era_code_keeps_the_gate_shut_and_every_certificate() {
    let config = DemoConfig {
        scenario: DemoScenario::FaultyNextEra,
        epochs: 7,
        ..small(Faults::none())
    };
    let report = run_async(&config).await.unwrap();
    let table = report.table();
    // Declarations say the stake upgraded; the shadow signatures of 45% of it are refused.
    let last = report.rows.last().unwrap();
    assert!(last.v2_software_share > 0.8, "{table}");
    assert!(
        report.rows.iter().any(|row| row.shadow_refused > 0),
        "{table}"
    );
    assert!(
        report.rows.iter().any(|row| row.notes.iter().any(|note| note
            .contains("shadow signature(s) refused, such as: the shadow signature signs another message than the next era's"))),
        "{table}"
    );
    // The gate waits, says why every epoch, and nothing switches: every epoch certified, the
    // chain verified.
    assert_eq!(report.proposed_activation, None, "{table}");
    assert_eq!(report.activated_at, None, "{table}");
    assert!(
        report.rows.iter().all(|row| row.era == "pythagoras"),
        "{table}"
    );
    assert_eq!(report.epochs_without_certificate, 0, "{table}");
    assert!(report.chain_verified, "{table}");
    for row in report.rows.iter().skip(1) {
        assert!(
            row.verdict
                .as_deref()
                .is_some_and(|verdict| verdict.starts_with("waiting")),
            "{table}"
        );
    }
    assert!(
        table.contains("the gate, at the last epoch: waiting"),
        "{table}"
    );
    // The same seed with working code activates (`rolling_upgrade_keeps_a_certificate_every_epoch`).
}

/// `GET path`, its status and body.
async fn get(address: std::net::SocketAddr, path: &str) -> Option<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nhost: demo\r\nconnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    Some((head.split(' ').nth(1)?.parse().ok()?, body.to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_serves_its_dashboard_while_it_runs() {
    let address: std::net::SocketAddr = format!("127.0.0.1:{}", crate::cli_serve::free_port())
        .parse()
        .unwrap();
    let config = DemoConfig {
        epochs: 3,
        dashboard: Some(address),
        linger_seconds: 1,
        ..small(Faults::none())
    };
    // The demo on a runtime of its own, as the command runs it.
    let run = tokio::task::spawn_blocking(move || mithril_compat_cli::demo::run(&config));
    // The page answers once the first epoch is observed, and follows the epochs.
    let mut seen = None;
    for _ in 0..600 {
        if let Some((200, json)) = get(address, "/adoption.json").await {
            let dashboard: serde_json::Value = serde_json::from_str(&json).unwrap();
            if dashboard["epoch"].as_u64() >= Some(2) {
                seen = Some(dashboard);
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let dashboard = seen.expect("the dashboard reached epoch 2");
    assert_eq!(dashboard["era"], "lagrange");
    assert!(dashboard["history"].as_array().unwrap().len() >= 2);
    let (status, page) = get(address, "/adoption").await.unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Adoption of lagrange"), "{page}");
    assert!(page.contains("<meta http-equiv=\"refresh\" content=\"2\">"));
    assert!(page.contains("Stake by software version"));
    let report = run.await.unwrap().unwrap();
    assert_eq!(report.epochs_without_certificate, 0, "{}", report.table());
}
