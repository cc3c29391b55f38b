//! The rolling upgrade end to end, small: real STM signatures over loopback gRPC.

use mithril_compat_cli::demo::{Curve, DemoConfig, run_async};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_upgrade_keeps_a_certificate_every_epoch() {
    let config = DemoConfig {
        signers: 16,
        seed: 7,
        epochs: 9,
        curve: Curve::Fast,
        never_upgrade: 0.15,
    };
    let report = run_async(&config).await.unwrap();
    let table = report.table();

    // No epoch without a valid certificate.
    assert_eq!(report.epochs_without_certificate, 0, "{table}");
    assert!(report.rows.iter().all(|row| row.certificate), "{table}");

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
    assert!(after.iter().all(|row| row.signatures_v1 == 0), "{table}");

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
}
