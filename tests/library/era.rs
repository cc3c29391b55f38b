//! Eras end to end: signed payloads, the reader's rules, sources and the checker.

use mithril_compat::domain::{Epoch, EraName};
use mithril_compat::era::*;

const NETWORK: NetworkMagic = NetworkMagic::PREPROD;

fn key() -> EraSigningKey {
    EraSigningKey::from_bytes(&[42; 32])
}

fn reader() -> EraReader {
    EraReader::new(NETWORK, key().verification_key())
}

fn name(text: &str) -> EraName {
    EraName::new(text).unwrap()
}

fn at(text: &str, epoch: u64) -> EraMarker {
    EraMarker::scheduled(name(text), Epoch(epoch))
}

fn payload(sequence: u64, markers: Vec<EraMarker>) -> String {
    payload_with(&key(), NETWORK, sequence, markers)
}

fn payload_with(
    key: &EraSigningKey,
    network: NetworkMagic,
    sequence: u64,
    markers: Vec<EraMarker>,
) -> String {
    SignedMarkers::sign(
        MarkersContent::new(network, sequence, markers).unwrap(),
        key,
    )
    .to_text()
}

/// A state that accepted `markers` at `sequence`, read at `epoch`.
fn accepted(sequence: u64, markers: Vec<EraMarker>, epoch: u64) -> ReaderState {
    let report = reader().read_payloads(
        &[payload(sequence, markers)],
        &ReaderState::new(),
        Epoch(epoch),
    );
    assert!(report.changed && report.rejected.is_empty(), "{report:?}");
    report.state
}

fn reasons(report: &ReadReport) -> Vec<MarkerError> {
    report.rejected.iter().map(|r| r.reason.clone()).collect()
}

#[test]
fn first_read_accepts_the_highest_verified_sequence() {
    let payloads = [
        payload(1, vec![at("pythagoras", 0)]),
        payload(3, vec![at("pythagoras", 0), at("lagrange", 600)]),
        payload(
            2,
            vec![at("pythagoras", 0), EraMarker::announced(name("lagrange"))],
        ),
    ];
    let report = reader().read_payloads(&payloads, &ReaderState::new(), Epoch(500));
    assert!(report.changed);
    assert_eq!(report.state.highest_sequence(), Some(3));
    assert_eq!(
        reasons(&report),
        [
            MarkerError::Superseded { by: 3 },
            MarkerError::Superseded { by: 3 }
        ]
    );
    // The same payloads in another order give the same outcome.
    let reversed: Vec<String> = payloads.iter().rev().cloned().collect();
    let again = reader().read_payloads(&reversed, &ReaderState::new(), Epoch(500));
    assert_eq!(again.state, report.state);
}

#[test]
fn every_forged_or_foreign_payload_is_reported_with_its_reason() {
    let state = accepted(5, vec![at("pythagoras", 0)], 100);
    let intruder = EraSigningKey::from_bytes(&[1; 32]);
    let mut tampered = payload(6, vec![at("pythagoras", 0), at("lagrange", 200)]);
    // Flip the last hex digit of lagrange's epoch (inside the signed content).
    let position = tampered.find("00000000000000c8").unwrap() + 15;
    tampered.replace_range(position..position + 1, "9");
    let payloads = [
        payload_with(&intruder, NETWORK, 9, vec![at("pythagoras", 0)]),
        payload_with(&key(), NetworkMagic::MAINNET, 9, vec![at("pythagoras", 0)]),
        payload(4, vec![at("pythagoras", 0)]),
        tampered,
        "not a payload".to_owned(),
        "0102".to_owned(),
    ];
    let report = reader().read_payloads(&payloads, &state, Epoch(100));
    assert!(!report.changed);
    assert_eq!(
        report.state, state,
        "a rejected payload never changes the state"
    );
    assert_eq!(report.rejected.len(), payloads.len());
    let reasons = reasons(&report);
    assert_eq!(reasons[0], MarkerError::BadSignature);
    assert_eq!(
        reasons[1],
        MarkerError::WrongNetwork {
            expected: NETWORK,
            found: NetworkMagic::MAINNET
        }
    );
    assert_eq!(
        reasons[2],
        MarkerError::Replay {
            sequence: 4,
            accepted: 5
        }
    );
    assert_eq!(reasons[3], MarkerError::BadSignature);
    assert!(matches!(reasons[4], MarkerError::Malformed(_)));
    assert!(matches!(reasons[5], MarkerError::Malformed(_)));
    assert!(report.is_degraded(payloads.len()));
}

#[test]
fn the_accepted_payload_read_again_changes_nothing() {
    let markers = vec![at("pythagoras", 0), at("lagrange", 300)];
    let state = accepted(7, markers.clone(), 100);
    let report = reader().read_payloads(&[payload(7, markers)], &state, Epoch(150));
    assert!(!report.changed);
    assert!(report.rejected.is_empty());
    assert!(!report.is_degraded(1));
    assert_eq!(report.state, state);
}

#[test]
fn two_payloads_with_one_sequence_are_an_equivocation() {
    let state = accepted(1, vec![at("pythagoras", 0)], 10);
    let payloads = [
        payload(2, vec![at("pythagoras", 0), at("lagrange", 100)]),
        payload(2, vec![at("pythagoras", 0), at("lagrange", 101)]),
    ];
    let report = reader().read_payloads(&payloads, &state, Epoch(10));
    assert!(!report.changed);
    assert_eq!(
        reasons(&report),
        [
            MarkerError::Equivocation { sequence: 2 },
            MarkerError::Equivocation { sequence: 2 }
        ]
    );
    // The same sequence as the accepted one with other markers is one too.
    let report =
        reader().read_payloads(&[payload(1, vec![at("pythagoras", 1)])], &state, Epoch(10));
    assert_eq!(
        reasons(&report),
        [MarkerError::Equivocation { sequence: 1 }]
    );
}

#[test]
fn the_past_cannot_be_rewritten() {
    let state = accepted(1, vec![at("pythagoras", 0), at("lagrange", 100)], 50);
    // At epoch 120, lagrange has been active for 20 epochs.
    for markers in [
        vec![at("pythagoras", 0)],                      // cancel after activation
        vec![at("pythagoras", 0), at("lagrange", 110)], // move an activation in the past
        vec![at("pythagoras", 0), at("lagrange", 100), at("euclid", 115)], // new era in the past
    ] {
        let report = reader().read_payloads(&[payload(2, markers)], &state, Epoch(120));
        assert!(
            matches!(reasons(&report)[..], [MarkerError::RewritesPast { .. }]),
            "{report:?}"
        );
        assert_eq!(report.state, state);
    }
    let report = reader().read_payloads(
        &[payload(2, vec![at("pythagoras", 0), at("lagrange", 110)])],
        &state,
        Epoch(120),
    );
    assert_eq!(
        reasons(&report),
        [MarkerError::RewritesPast { epoch: Epoch(100) }]
    );
}

#[test]
fn scheduling_needs_the_minimum_notice() {
    let state = accepted(
        1,
        vec![at("pythagoras", 0), EraMarker::announced(name("lagrange"))],
        90,
    );
    // Read at epoch 100: registrations made now sign at 102, the earliest allowed activation.
    let too_soon = reader().read_payloads(
        &[payload(2, vec![at("pythagoras", 0), at("lagrange", 101)])],
        &state,
        Epoch(100),
    );
    assert_eq!(
        reasons(&too_soon),
        [MarkerError::TooSoon {
            era: name("lagrange"),
            epoch: Epoch(101),
            earliest: Epoch(102)
        }]
    );
    let in_time = reader().read_payloads(
        &[payload(2, vec![at("pythagoras", 0), at("lagrange", 102)])],
        &state,
        Epoch(100),
    );
    assert!(in_time.changed && in_time.rejected.is_empty());
    // A longer notice is configurable.
    let cautious = reader().with_minimum_notice(5).read_payloads(
        &[payload(2, vec![at("pythagoras", 0), at("lagrange", 102)])],
        &state,
        Epoch(100),
    );
    assert!(matches!(
        reasons(&cautious)[..],
        [MarkerError::TooSoon { .. }]
    ));
}

#[test]
fn a_cancel_is_honoured_until_the_epoch_before_activation() {
    let scheduled = vec![at("pythagoras", 0), at("lagrange", 200)];
    let state = accepted(1, scheduled, 150);
    let cancel = vec![at("pythagoras", 0), EraMarker::announced(name("lagrange"))];
    let at_199 = reader().read_payloads(&[payload(2, cancel.clone())], &state, Epoch(199));
    assert!(at_199.changed && at_199.rejected.is_empty());
    let status = check_read(&at_199, 1, Epoch(200), Era::ALL);
    assert_eq!(
        status.era(),
        Some(Era::Pythagoras),
        "cancelled: still pythagoras at 200"
    );
    let at_200 = reader().read_payloads(&[payload(2, cancel)], &state, Epoch(200));
    assert_eq!(
        reasons(&at_200),
        [MarkerError::RewritesPast { epoch: Epoch(200) }]
    );
}

#[test]
fn checker_outcomes() {
    let supported = [Era::Pythagoras];
    let status = |markers: Vec<EraMarker>, epoch: u64, supported: &[Era]| {
        check(&schedule(&markers, Epoch(epoch)).unwrap(), supported)
    };
    // All good.
    assert_eq!(
        status(vec![at("pythagoras", 0)], 10, &supported),
        EraStatus::Ready {
            current: Era::Pythagoras,
            since: Epoch(0),
            next: None
        }
    );
    assert_eq!(
        status(vec![at("pythagoras", 0), at("lagrange", 20)], 10, Era::ALL),
        EraStatus::Ready {
            current: Era::Pythagoras,
            since: Epoch(0),
            next: Some((Era::Lagrange, Some(Epoch(20))))
        }
    );
    // Warning: scheduled, then announced.
    let warning = status(
        vec![at("pythagoras", 0), at("lagrange", 20)],
        10,
        &supported,
    );
    assert_eq!(
        warning.to_string(),
        "era pythagoras since epoch 0; era lagrange starts at epoch 20 and this build does not \
         support it: upgrade before epoch 20"
    );
    assert_eq!(warning.clone().into_result(), Ok(Era::Pythagoras));
    let announced = status(
        vec![at("pythagoras", 0), EraMarker::announced(name("lagrange"))],
        10,
        &supported,
    );
    assert!(matches!(
        announced,
        EraStatus::Warning {
            activation: None,
            ..
        }
    ));
    // Stop: the current era is unsupported, or there is none.
    let stop = status(
        vec![at("pythagoras", 0), at("lagrange", 20)],
        20,
        &supported,
    );
    assert_eq!(
        stop.clone().into_result(),
        Err(EraStop::UnsupportedEra {
            era: name("lagrange"),
            since: Epoch(20)
        })
    );
    assert_eq!(
        stop.to_string(),
        "era lagrange is active since epoch 20 and this build does not support it: upgrade the node"
    );
    assert_eq!(
        status(vec![], 3, Era::ALL).into_result(),
        Err(EraStop::NoEra { epoch: Epoch(3) })
    );
    // An era of a newer release, which this build has never heard of.
    assert!(matches!(
        status(vec![at("pythagoras", 0), at("euclid", 5)], 6, Era::ALL),
        EraStatus::Stop(EraStop::UnsupportedEra { .. })
    ));
}

#[test]
fn unreadable_markers_degrade_to_the_last_verified_schedule() {
    let state = accepted(1, vec![at("pythagoras", 0)], 10);
    let missing = FileSource::new("/nonexistent/era-markers.txt");
    let report = reader().read(&missing, &state, Epoch(11));
    assert!(report.source_error.is_some());
    assert_eq!(report.state, state);
    let status = check_read(&report, 0, Epoch(11), Era::ALL);
    assert!(matches!(status, EraStatus::Degraded { .. }), "{status:?}");
    assert_eq!(status.era(), Some(Era::Pythagoras));
    assert!(status.to_string().starts_with("era markers could not be refreshed (cannot read era markers from /nonexistent/era-markers.txt"));

    // Only forged payloads: degraded too, with the first reason.
    let forged = payload_with(
        &EraSigningKey::from_bytes(&[9; 32]),
        NETWORK,
        2,
        vec![at("pythagoras", 0)],
    );
    let report = reader().read(&StaticSource(vec![forged]), &state, Epoch(11));
    let status = check_read(&report, 1, Epoch(11), Era::ALL);
    assert!(
        status
            .to_string()
            .contains("all 1 payloads were rejected, first: the signature does not verify"),
        "{status}"
    );
}

#[test]
fn file_source_reads_one_payload_per_line() {
    let dir = std::env::temp_dir().join(format!("era-source-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("markers.txt");
    let text = format!(
        "# era markers for preprod\n\n{}\n  {}  \n",
        payload(1, vec![at("pythagoras", 0)]),
        payload(2, vec![at("pythagoras", 0), at("lagrange", 40)])
    );
    std::fs::write(&path, text).unwrap();
    let report = reader().read(&FileSource::new(&path), &ReaderState::new(), Epoch(30));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(report.state.highest_sequence(), Some(2));
    assert_eq!(reasons(&report), [MarkerError::Superseded { by: 2 }]);
}

#[cfg(feature = "serde")]
#[test]
fn reader_state_survives_serialization() {
    let state = accepted(3, vec![at("pythagoras", 0), at("lagrange", 40)], 10);
    let json = serde_json::to_string(&state).unwrap();
    let back: ReaderState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, state);
    // A replay after a restart is still a replay.
    let report = reader().read_payloads(&[payload(2, vec![at("pythagoras", 0)])], &back, Epoch(11));
    assert_eq!(
        reasons(&report),
        [MarkerError::Replay {
            sequence: 2,
            accepted: 3
        }]
    );
}
