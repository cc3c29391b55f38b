//! Adoption monitoring: the quorum model against independent computations, tallies and
//! exclusions, readiness, every edge of the gate, persistence, and the reports.

use mithril_compat::adoption::*;
use mithril_compat::domain::{
    Epoch, EraName, PartyId, ProtocolParameters, SoftwareVersion, Stake, WireVersionId,
};
use num_bigint::BigUint;

const MAINNET: &ProtocolParameters = &ProtocolParameters::MAINNET;

/// `num / den` as a float, from the top bits of each (relative error about 2^-52).
fn ratio(num: &BigUint, den: &BigUint) -> f64 {
    let top = |n: &BigUint| -> (f64, i64) {
        let bits = n.bits() as i64;
        let shift = (bits - 64).max(0);
        let mantissa: u64 = (n >> shift as usize).try_into().unwrap();
        (mantissa as f64, shift)
    };
    let ((n, ns), (d, ds)) = (top(num), top(den));
    (n / d) * 2f64.powi((ns - ds) as i32)
}

/// `P[Binomial(m, a/b) < k]` exactly, with big integers: the sum over i < k of
/// C(m, i) a^i (b - a)^(m - i), divided by b^m.
fn exact_failure(m: u64, k: u64, a: u64, b: u64) -> f64 {
    let mut term = BigUint::from(b - a).pow(m as u32);
    let mut sum = BigUint::from(0u32);
    for i in 0..k {
        sum += &term;
        // T(i + 1) = T(i) (m - i) a / ((i + 1) (b - a)), an exact division.
        term = term * BigUint::from((m - i) * a) / BigUint::from((i + 1) * (b - a));
    }
    ratio(&sum, &BigUint::from(b).pow(m as u32))
}

fn relative_error(actual: f64, expected: f64) -> f64 {
    ((actual - expected) / expected).abs()
}

#[test]
fn binomial_tail_matches_exact_big_integer_sums() {
    // Small, moderate and tiny failure probabilities at mainnet size, and a small case.
    for (m, k, a, b) in [
        (200, 60, 1, 4),
        (16948, 1944, 125, 1000),
        (16948, 1944, 130, 1000),
        (16948, 1944, 133, 1000),
        (16948, 1944, 140, 1000),
    ] {
        let expected = exact_failure(m, k, a, b);
        let odds = binomial_tails(m, k, a as f64 / b as f64);
        assert!(
            relative_error(odds.failure, expected) < 1e-6,
            "m={m} k={k} p={a}/{b}: {} vs exact {expected}",
            odds.failure
        );
        assert!(relative_error(odds.success, 1.0 - expected) < 1e-9 || expected > 0.5);
    }
    // The case around 1e-12 is really that small.
    let tiny = exact_failure(16948, 1944, 133, 1000);
    assert!(tiny < 1e-10 && tiny > 1e-14, "{tiny}");
}

#[test]
fn lower_tail_respects_the_chernoff_bound() {
    // P[X < k] <= exp(-(mu - k)^2 / (2 mu)) for k < mu.
    for share in [0.6, 0.7, 0.8, 0.9, 1.0] {
        let p = index_win_probability(MAINNET, share).unwrap();
        let mu = 16948.0 * p;
        let bound = (-(mu - 1944.0).powi(2) / (2.0 * mu)).exp();
        let odds = certificate_odds(MAINNET, share).unwrap();
        assert!(
            odds.failure <= bound,
            "share {share}: {} > {bound}",
            odds.failure
        );
        assert!((odds.success + odds.failure - 1.0).abs() < 1e-12);
    }
}

#[test]
fn minimum_share_for_mainnet_is_consistent_with_the_odds() {
    let share = minimum_stake_share(MAINNET, 1e-9).unwrap().unwrap();
    assert!(share > 0.3 && share < 0.9, "{share}");
    assert!(certificate_odds(MAINNET, share).unwrap().failure <= 1e-9);
    assert!(certificate_odds(MAINNET, share - 1e-4).unwrap().failure > 1e-9);
}

fn record(
    party: &str,
    epoch: u64,
    stake: u64,
    version: &str,
    wire: u32,
    eras: &[&str],
) -> RegistrationRecord {
    RegistrationRecord {
        epoch: Epoch(epoch),
        party_id: PartyId::new(party).unwrap(),
        stake: Stake(stake),
        software_version: SoftwareVersion::new(version).unwrap(),
        wire: RegistrationWire::Protobuf(WireVersionId::new(wire).unwrap()),
        supported_eras: eras.iter().map(|e| EraName::new(*e).unwrap()).collect(),
        distribution_version: None,
        wire_versions: Vec::new(),
        database_version: None,
        protocol_versions: Vec::new(),
        provenance: Provenance::Verified,
    }
}

fn lagrange() -> EraName {
    EraName::new("lagrange").unwrap()
}

#[test]
fn tallies_count_each_party_once_and_report_exclusions() {
    let mut store = MemoryStore::new();
    store
        .put_registration(record("a", 10, 600, "0.1.0", 1, &["pythagoras"]))
        .unwrap();
    store
        .put_registration(record("b", 10, 300, "0.1.0", 1, &["pythagoras"]))
        .unwrap();
    // b upgrades and registers again in the same epoch: the last one wins, counted once.
    store
        .put_registration(record(
            "b",
            10,
            300,
            "0.2.0",
            2,
            &["pythagoras", "lagrange"],
        ))
        .unwrap();
    store
        .put_registration(record("z", 10, 0, "0.2.0", 2, &["pythagoras", "lagrange"]))
        .unwrap();
    store
        .put_registration(record(
            "n",
            10,
            100,
            "0.2.0",
            2,
            &["pythagoras", "lagrange"],
        ))
        .unwrap();

    let tally = Tally::compute(&store, Epoch(10), &Exclusions::default()).unwrap();
    assert_eq!(tally.signers, 4);
    assert_eq!(tally.total_stake, 1000);
    assert_eq!(tally.by_software_version["0.1.0"].stake, 600);
    assert_eq!(tally.by_software_version["0.2.0"].signers, 3);
    assert!((tally.by_era["lagrange"].share - 0.4).abs() < 1e-12);
    assert!((tally.by_wire["v2"].share - 0.4).abs() < 1e-12);
    assert_eq!(
        tally.excluded,
        [Exclusion {
            party_id: PartyId::new("z").unwrap(),
            stake: Stake(0),
            reason: ExclusionReason::ZeroStake
        }]
    );

    // New parties, and parties missing from the next epoch, can be left out too.
    store
        .put_registration(record("a", 11, 600, "0.1.0", 1, &["pythagoras"]))
        .unwrap();
    store
        .put_registration(record("b", 11, 300, "0.2.0", 2, &["lagrange"]))
        .unwrap();
    store
        .put_registration(record("n", 8, 100, "0.2.0", 2, &["lagrange"]))
        .unwrap();
    let strict = Exclusions {
        zero_stake: true,
        min_registered_epochs: 2,
        require_next_epoch: true,
    };
    let tally = Tally::compute(&store, Epoch(10), &strict).unwrap();
    let reasons: Vec<(String, ExclusionReason)> = tally
        .excluded
        .iter()
        .map(|e| (e.party_id.to_string(), e.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("a".into(), ExclusionReason::TooRecent),
            ("b".into(), ExclusionReason::TooRecent),
            ("n".into(), ExclusionReason::NotRegisteredNext),
            ("z".into(), ExclusionReason::ZeroStake),
        ]
    );

    assert_eq!(
        Tally::compute(&store, Epoch(99), &Exclusions::default()),
        Err(TallyError::NoRegistrations(Epoch(99)))
    );
    let mut empty = MemoryStore::new();
    empty
        .put_registration(record("z", 1, 0, "0.1.0", 1, &[]))
        .unwrap();
    assert_eq!(
        Tally::compute(&empty, Epoch(1), &Exclusions::default()),
        Err(TallyError::ZeroTotalStake(Epoch(1)))
    );
}

/// 100 parties of equal stake; the first `upgraded` declare lagrange; the first `signing` of
/// those sent signatures.
fn population(upgraded: usize, signing: usize) -> MemoryStore {
    let mut store = MemoryStore::new();
    for index in 0..100 {
        let eras: &[&str] = if index < upgraded {
            &["pythagoras", "lagrange"]
        } else {
            &["pythagoras"]
        };
        let party = format!("pool{index}");
        store
            .put_registration(record(&party, 20, 1_000, "x", 1, eras))
            .unwrap();
        if index < signing || index >= upgraded {
            store
                .put_signatures(Epoch(20), &PartyId::new(party).unwrap(), 3)
                .unwrap();
        }
    }
    store
}

#[test]
fn only_stake_that_declares_and_signs_is_ready() {
    let store = population(98, 90);
    let tally = Tally::compute(&store, Epoch(20), &Exclusions::default()).unwrap();
    let readiness = Readiness::compute(
        &tally,
        &store,
        &lagrange(),
        MAINNET,
        &ReadinessConfig::default(),
    )
    .unwrap();
    assert!((readiness.declared_share - 0.98).abs() < 1e-12);
    // 8 upgraded parties registered but never signed: not ready stake.
    assert!((readiness.ready_share - 0.90).abs() < 1e-12);
    assert!(!readiness.meets_floor);
    assert!(readiness.meets_quorum);
    assert!(!readiness.is_ready());

    let store = population(98, 98);
    let tally = Tally::compute(&store, Epoch(20), &Exclusions::default()).unwrap();
    let readiness = Readiness::compute(
        &tally,
        &store,
        &lagrange(),
        MAINNET,
        &ReadinessConfig::default(),
    )
    .unwrap();
    assert!(readiness.is_ready(), "{readiness:?}");
    assert!((readiness.effective_share - 0.98 * 0.9).abs() < 1e-12);

    // A quorum target no share can meet keeps the gate closed whatever the floor says.
    let strict = ReadinessConfig {
        max_failure: 1e-300,
        ..ReadinessConfig::default()
    };
    let small = ProtocolParameters::new(90, 100, 0.2).unwrap();
    let readiness = Readiness::compute(&tally, &store, &lagrange(), &small, &strict).unwrap();
    assert!(readiness.meets_floor && !readiness.meets_quorum);
}

fn gate(consecutive: u32, timeout: u64) -> Gate {
    Gate::new(
        lagrange(),
        GateConfig {
            consecutive_ready: consecutive,
            timeout_epochs: timeout,
            minimum_notice: 2,
        },
    )
}

fn states(transitions: &[Transition]) -> Vec<(u64, GateState, GateState)> {
    transitions
        .iter()
        .map(|t| (t.epoch.0, t.from, t.to))
        .collect()
}

#[test]
fn gate_moves_at_every_edge() {
    use GateState::*;
    let mut g = gate(2, 10);
    assert_eq!(
        g.observe(Epoch(1), EraSignal::NotAnnounced, true).unwrap(),
        []
    );
    assert_eq!(
        g.state(),
        Defined,
        "ready stake alone does not start an era"
    );
    assert_eq!(
        states(&g.observe(Epoch(2), EraSignal::Announced, true).unwrap()),
        [(2, Defined, Started)]
    );
    assert_eq!(g.ready_streak(), 1);
    assert_eq!(
        g.observe(Epoch(3), EraSignal::Announced, false).unwrap(),
        []
    );
    assert_eq!(g.ready_streak(), 0, "a not-ready epoch resets the streak");
    assert_eq!(g.observe(Epoch(4), EraSignal::Announced, true).unwrap(), []);
    assert_eq!(
        states(&g.observe(Epoch(5), EraSignal::Announced, true).unwrap()),
        [(5, Started, LockedIn)]
    );
    assert_eq!(g.proposed_activation(), Some(Epoch(7)));
    assert_eq!(g.locked_in_at(), Some(Epoch(5)));
    g.observe(Epoch(6), EraSignal::Scheduled(Epoch(7)), false)
        .unwrap();
    assert!(g.at_risk());
    assert_eq!(g.activation(), Some(Epoch(7)));
    assert_eq!(
        states(
            &g.observe(Epoch(7), EraSignal::Scheduled(Epoch(7)), true)
                .unwrap()
        ),
        [(7, LockedIn, Active)]
    );
    assert!(!g.at_risk());
    assert_eq!(
        g.observe(Epoch(8), EraSignal::Scheduled(Epoch(7)), false)
            .unwrap(),
        [],
        "active is final"
    );
    assert_eq!(
        g.observe(Epoch(8), EraSignal::Scheduled(Epoch(7)), true),
        Err(GateError {
            epoch: Epoch(8),
            last: Epoch(8)
        })
    );
}

#[test]
fn gate_fails_on_timeout_and_follows_the_schedule() {
    use GateState::*;
    let mut g = gate(2, 3);
    g.observe(Epoch(10), EraSignal::Announced, false).unwrap();
    assert_eq!(
        g.observe(Epoch(12), EraSignal::Announced, true).unwrap(),
        []
    );
    assert_eq!(
        states(&g.observe(Epoch(13), EraSignal::Announced, false).unwrap()),
        [(13, Started, Failed)]
    );
    assert_eq!(
        g.observe(Epoch(14), EraSignal::Announced, true).unwrap(),
        [],
        "failed is final"
    );

    // Scheduled by the release team before lock-in: active at the scheduled epoch all the same.
    let mut g = gate(2, 30);
    assert_eq!(
        states(
            &g.observe(Epoch(1), EraSignal::Scheduled(Epoch(3)), false)
                .unwrap()
        ),
        [(1, Defined, Started)]
    );
    assert_eq!(
        states(
            &g.observe(Epoch(3), EraSignal::Scheduled(Epoch(3)), false)
                .unwrap()
        ),
        [(3, Started, Active)]
    );

    // Lock-in with a single ready epoch when configured so, straight from defined.
    let mut g = gate(1, 30);
    assert_eq!(
        states(&g.observe(Epoch(5), EraSignal::Announced, true).unwrap()),
        [(5, Defined, Started), (5, Started, LockedIn)]
    );
}

#[test]
fn monitor_reports_in_json_table_and_prometheus() {
    let mut monitor = AdoptionMonitor::new(
        population(100, 100),
        ProtocolParameters::MAINNET,
        lagrange(),
    );
    let (report, transitions) = monitor.advance(Epoch(20), EraSignal::Announced).unwrap();
    assert_eq!(
        states(&transitions),
        [(20, GateState::Defined, GateState::Started)]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["tally"]["signers"], 100);
    assert_eq!(json["gate"]["state"], "started");
    assert!(json["readiness"]["odds"]["failure"].as_f64().unwrap() < 1e-9);
    let table = report.to_string();
    assert!(
        table.contains("adoption at epoch 20: 100 signers"),
        "{table}"
    );
    assert!(
        table.contains(
            "era lagrange: declared 100.0% (0.0% not counted for its provenance), ready 100.0%"
        ),
        "{table}"
    );
    let metrics = report.to_prometheus();
    assert!(
        metrics.contains(
            "mithril_compat_adoption_stake_share{dimension=\"era\",value=\"lagrange\"} 1.0"
        ),
        "{metrics}"
    );
    assert!(
        metrics
            .contains("mithril_compat_adoption_gate_state{era=\"lagrange\",state=\"started\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("# TYPE mithril_compat_adoption_certificate_failure_probability gauge")
    );
    assert!(metrics.ends_with("# EOF\n"));
}

#[test]
fn file_store_survives_a_restart_and_a_torn_write() {
    let dir = std::env::temp_dir().join(format!("adoption-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("records.jsonl");
    let _ = std::fs::remove_file(&path);
    {
        let mut store = FileStore::open(&path).unwrap();
        store
            .put_registration(record("a", 1, 10, "0.1.0", 1, &["pythagoras"]))
            .unwrap();
        store
            .put_registration(record("b", 1, 20, "0.2.0", 2, &["lagrange"]))
            .unwrap();
        store
            .put_signatures(Epoch(1), &PartyId::new("a").unwrap(), 2)
            .unwrap();
        store
            .put_signatures(Epoch(1), &PartyId::new("a").unwrap(), 3)
            .unwrap();
    }
    // A crash in the middle of the next write.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"registration\":{\"epoch\":1,\"party");
    std::fs::write(&path, &bytes).unwrap();

    // A reader reads around it and leaves the file as it is; the writer refuses to append
    // after it until it is repaired, explicitly.
    let snapshot = FileStore::snapshot(&path).unwrap();
    assert!(snapshot.torn_tail);
    assert_eq!(snapshot.store.registrations(Epoch(1)).len(), 2);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert!(matches!(
        FileStore::open(&path),
        Err(StoreError::TornTail { .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert!(FileStore::repair(&path).unwrap());
    assert!(!FileStore::repair(&path).unwrap());
    let mut store = FileStore::open(&path).unwrap();
    assert_eq!(store.registrations(Epoch(1)).len(), 2);
    assert_eq!(store.signatures(Epoch(1))[&PartyId::new("a").unwrap()], 5);
    store
        .put_registration(record("c", 2, 5, "0.2.0", 2, &[]))
        .unwrap();
    store.compact().unwrap();
    drop(store);

    let store = FileStore::open(&path).unwrap();
    assert!(!FileStore::snapshot(&path).unwrap().torn_tail);
    assert_eq!(store.epochs(), [Epoch(1), Epoch(2)]);
    assert_eq!(
        store.first_registration(&PartyId::new("c").unwrap()),
        Some(Epoch(2))
    );
    assert_eq!(store.signatures(Epoch(1))[&PartyId::new("a").unwrap()], 5);

    // Damage in the middle is an error, not a silent loss.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("garbage\n{text}")).unwrap();
    assert!(matches!(
        FileStore::open(&path),
        Err(StoreError::Corrupt { line: 1, .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Four pools of 100 stake each, all declaring lagrange and signing: one verified, one with an
/// unsigned declaration, one whose signature failed, and one known from today's header only
/// (which declares no era).
fn mixed_provenance() -> MemoryStore {
    let mut store = MemoryStore::new();
    let provenances = [
        Provenance::Verified,
        Provenance::Unverified(UnverifiedReason::Unsigned),
        Provenance::Unverified(UnverifiedReason::NodeInfoSignature),
        Provenance::HeaderOnly,
    ];
    for (index, provenance) in provenances.into_iter().enumerate() {
        let party = format!("pool{index}");
        let eras: &[&str] = if provenance == Provenance::HeaderOnly {
            &[]
        } else {
            &["pythagoras", "lagrange"]
        };
        let mut record = record(&party, 30, 100, "0.4.0", 2, eras);
        record.provenance = provenance;
        if index == 0 {
            record.distribution_version = Some(SoftwareVersion::new("2543.0").unwrap());
            record.database_version = Some(31);
            record.protocol_versions = vec![SoftwareVersion::new("0.1.0").unwrap()];
            record.wire_versions = vec![WireVersionId::new(2).unwrap()];
        }
        store.put_registration(record).unwrap();
        store
            .put_signatures(Epoch(30), &PartyId::new(party).unwrap(), 3)
            .unwrap();
    }
    store
}

#[test]
fn readiness_counts_the_configured_provenance_and_reports_show_every_class() {
    let monitor = AdoptionMonitor::new(mixed_provenance(), ProtocolParameters::MAINNET, lagrange());
    let report = monitor.report(Epoch(30)).unwrap();
    let tally = &report.tally;
    let share = |class: &str| tally.by_provenance[class].share;
    assert_eq!(share("verified"), 0.25);
    assert_eq!(share("unverified"), 0.5);
    assert_eq!(share("header_only"), 0.25);
    assert_eq!(tally.by_unverified_reason["unsigned"].signers, 1);
    assert_eq!(tally.by_unverified_reason["node_info_signature"].signers, 1);
    assert_eq!(tally.by_distribution_version["2543.0"].share, 0.25);
    assert_eq!(tally.by_distribution_version[UNDECLARED].share, 0.75);
    assert_eq!(tally.by_database_version["31"].signers, 1);
    assert_eq!(tally.by_protocol_version["0.1.0"].signers, 1);
    assert_eq!(tally.by_wire_version["v2"].signers, 1);

    // Verified only, by default: three pools declare lagrange, one is counted.
    let readiness = report.readiness.as_ref().unwrap();
    assert_eq!(readiness.declared_share, 0.75);
    assert_eq!(readiness.uncounted_share, 0.5);
    assert_eq!(readiness.ready_share, 0.25);
    // Counting every class takes in the unverified declarations too.
    let trusting =
        AdoptionMonitor::new(mixed_provenance(), ProtocolParameters::MAINNET, lagrange())
            .with_readiness(ReadinessConfig {
                counted: CountedClasses::ALL,
                ..ReadinessConfig::default()
            });
    let readiness = trusting.report(Epoch(30)).unwrap().readiness.unwrap();
    assert_eq!(readiness.ready_share, 0.75);
    assert_eq!(readiness.uncounted_share, 0.0);

    let table = report.to_string();
    for line in [
        "provenance",
        "verified                1    25.0%",
        "unverified              2    50.0%",
        "header_only             1    25.0%",
        "unverified reason",
        "distribution version",
        "database version",
        "protocol version",
        "(50.0% not counted for its provenance), ready 25.0%",
    ] {
        assert!(table.contains(line), "{line:?} in\n{table}");
    }
    let metrics = report.to_prometheus();
    for line in [
        "mithril_compat_adoption_stake_share{dimension=\"provenance\",value=\"verified\"} 0.25",
        "mithril_compat_adoption_stake_share{dimension=\"provenance\",value=\"unverified\"} 0.5",
        "mithril_compat_adoption_stake_share{dimension=\"provenance\",value=\"header_only\"} 0.25",
        "mithril_compat_adoption_signers{dimension=\"unverified_reason\",value=\"unsigned\"} 1",
        "mithril_compat_adoption_uncounted_stake_share{era=\"lagrange\"} 0.5",
    ] {
        assert!(metrics.contains(line), "{line:?} in\n{metrics}");
    }
}

#[test]
fn the_gate_moves_on_proven_readiness_and_explains_itself() {
    // 20 pools of 100: 16 upgraded pools sign and shadow-sign, 3 sign but cannot shadow-sign
    // (faulty next-era code), 1 never signs.
    let mut monitor =
        AdoptionMonitor::new(MemoryStore::new(), ProtocolParameters::MAINNET, lagrange())
            .with_rule(RuleConfig {
                max_cut_off: 0.2,
                ..RuleConfig::default()
            });
    let mut transitions_seen = Vec::new();
    for epoch in 40..=42 {
        for index in 0..20 {
            let party = format!("pool{index}");
            let id = PartyId::new(party.as_str()).unwrap();
            let mut record = record(&party, epoch, 100, "0.4.0", 2, &["pythagoras", "lagrange"]);
            record.provenance = Provenance::Verified;
            monitor.store_mut().put_registration(record).unwrap();
            if index < 19 {
                monitor.record_signatures(Epoch(epoch), &id, 4).unwrap();
            }
            if index < 16 {
                monitor
                    .record_shadow_signatures(Epoch(epoch), &id, 4)
                    .unwrap();
            }
        }
        let (report, transitions) = monitor
            .advance_proven(Epoch(epoch), EraSignal::Announced, Some(2500))
            .unwrap();
        transitions_seen.extend(transitions);
        let evidence = report.evidence.unwrap();
        assert_eq!(evidence.shadow_signers, 16);
        assert_eq!(evidence.proven_share, 0.8);
        assert_eq!(evidence.signing_share, 0.95);
        assert!((evidence.cut_off_share - 0.15).abs() < 1e-12);
        assert_eq!(evidence.shadow_certificate.unwrap().stake_share, 0.8);
        // 15% of the signing stake would be cut off (0.15 / 0.95 = 15.8%, within 20%).
        assert!(report.verdict.unwrap().ready, "{report}");
        let table = report.to_string();
        assert!(
            table.contains("proof: 16 shadow signers, proven 80.0%, signing 95.0%"),
            "{table}"
        );
        assert!(table.contains("ready on proven stake"), "{table}");
        let metrics = report.to_prometheus();
        assert!(
            metrics.contains(
                "mithril_compat_adoption_shadow_certificate_margin{era=\"lagrange\"} 556"
            ),
            "{metrics}"
        );
    }
    assert_eq!(monitor.gate().state(), GateState::LockedIn);
    assert!(transitions_seen.iter().any(|t| t.to == GateState::LockedIn));

    // A stricter cut-off waits, and says so.
    let strict = RuleConfig {
        max_cut_off: 0.1,
        ..RuleConfig::default()
    };
    let verdict = strict
        .judge(
            &ProtocolParameters::MAINNET,
            &monitor.evidence(Epoch(42), Some(2500)).unwrap(),
        )
        .unwrap();
    assert!(!verdict.ready);
    assert!(
        verdict
            .to_string()
            .contains("would cut off 15.8% of the signing stake (at most 10.0% allowed)"),
        "{verdict}"
    );
}

#[test]
fn shadow_signatures_survive_a_restart_and_a_compaction_in_every_store() {
    let dir = std::env::temp_dir().join(format!("adoption-shadow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let party = PartyId::new("pool1a").unwrap();
    let expected = std::collections::BTreeMap::from([(party.clone(), 5)]);
    let lines = dir.join("records.jsonl");
    {
        let mut store = FileStore::open(&lines).unwrap();
        store.put_shadow_signatures(Epoch(3), &party, 2).unwrap();
        store.put_shadow_signatures(Epoch(3), &party, 3).unwrap();
        store.put_signatures(Epoch(3), &party, 1).unwrap();
        store.compact().unwrap();
    }
    let store = FileStore::open(&lines).unwrap();
    assert_eq!(store.shadow_signatures(Epoch(3)), expected);
    assert_eq!(store.signatures(Epoch(3)).len(), 1);
    assert!(store.shadow_signatures(Epoch(4)).is_empty());

    let database = dir.join("records.sqlite3");
    {
        let mut store = SqliteStore::open(&database).unwrap();
        store.put_shadow_signatures(Epoch(3), &party, 2).unwrap();
        store.put_shadow_signatures(Epoch(3), &party, 3).unwrap();
    }
    let store = SqliteStore::open_read_only(&database).unwrap();
    assert_eq!(store.shadow_signatures(Epoch(3)), expected);
    assert!(store.take_read_error().is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The same records in any store: pool1a registers at epochs 3 to 6, pool1b at 5 and 6, pool1c
/// only at 2; signatures and shadow signatures on some of those epochs.
fn fill_for_pruning(store: &mut impl RecordStore) {
    let lagrange_record = |party: &str, epoch: u64| {
        record(party, epoch, 100, "0.4.0", 2, &["pythagoras", "lagrange"])
    };
    for epoch in 3..=6 {
        store
            .put_registration(lagrange_record("pool1a", epoch))
            .unwrap();
        store
            .put_signatures(Epoch(epoch), &PartyId::new("pool1a").unwrap(), epoch)
            .unwrap();
    }
    for epoch in 5..=6 {
        store
            .put_registration(lagrange_record("pool1b", epoch))
            .unwrap();
    }
    store
        .put_registration(lagrange_record("pool1c", 2))
        .unwrap();
    store
        .put_signatures(Epoch(6), &PartyId::new("pool1b").unwrap(), 1)
        .unwrap();
    for (epoch, party) in [(4, "pool1a"), (6, "pool1b")] {
        store
            .put_shadow_signatures(Epoch(epoch), &PartyId::new(party).unwrap(), 2)
            .unwrap();
    }
}

/// Everything the trait says about epochs 1 to 7 and the four parties.
fn everything(store: &impl RecordStore) -> String {
    crate::common::store_contents(store, 1..=7, &["pool1a", "pool1b", "pool1c", "pool1d"])
}

#[test]
fn pruning_forgets_old_epochs_alike_in_every_store_and_keeps_tenure() {
    let dir = std::env::temp_dir().join(format!("adoption-prune-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let lines = dir.join("records.jsonl");
    let database = dir.join("records.sqlite3");

    let mut memory = MemoryStore::new();
    fill_for_pruning(&mut memory);
    let before = everything(&memory);
    let expected = Pruned {
        registrations: 3,
        signatures: 2,
        shadow_signatures: 1,
    };
    assert_eq!(memory.prune_before(Epoch(5)).unwrap(), expected);
    let after = everything(&memory);
    assert_eq!(memory.epochs(), vec![Epoch(5), Epoch(6)]);
    assert!(memory.registrations(Epoch(4)).is_empty());
    assert!(memory.signatures(Epoch(4)).is_empty());
    assert!(memory.shadow_signatures(Epoch(4)).is_empty());
    assert_eq!(memory.registrations(Epoch(6)).len(), 2);
    // Tenure is kept, including that of a party no longer registered at all.
    let first =
        |store: &MemoryStore, party: &str| store.first_registration(&PartyId::new(party).unwrap());
    assert_eq!(first(&memory, "pool1a"), Some(Epoch(3)));
    assert_eq!(first(&memory, "pool1b"), Some(Epoch(5)));
    assert_eq!(first(&memory, "pool1c"), Some(Epoch(2)));
    // What was not before the epoch is as it was.
    let lines_from_5 = |text: &str| {
        text.lines()
            .filter(|line| line.starts_with("5:") || line.starts_with("6:"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(lines_from_5(&before), lines_from_5(&after));

    {
        let mut file = FileStore::open(&lines).unwrap();
        fill_for_pruning(&mut file);
        assert_eq!(everything(&file), before);
        assert_eq!(file.prune_before(Epoch(5)).unwrap(), expected);
        assert_eq!(everything(&file), after);
        // Nothing left to forget: the file is not rewritten.
        let written = std::fs::read(&lines).unwrap();
        assert!(file.prune_before(Epoch(5)).unwrap().is_empty());
        assert_eq!(std::fs::read(&lines).unwrap(), written);
    }
    // The file no longer holds the forgotten lines, and keeps tenure across a restart.
    let text = std::fs::read_to_string(&lines).unwrap();
    assert!(
        text.contains(r#"{"first_registration":{"party_id":"pool1c","epoch":2}}"#),
        "{text}"
    );
    assert!(!text.contains(r#""epoch":4"#), "{text}");
    assert_eq!(everything(&FileStore::open(&lines).unwrap()), after);
    assert_eq!(
        everything(&FileStore::snapshot(&lines).unwrap().store),
        after
    );

    {
        let mut sqlite = SqliteStore::open(&database).unwrap();
        fill_for_pruning(&mut sqlite);
        assert_eq!(everything(&sqlite), before);
        assert_eq!(sqlite.prune_before(Epoch(5)).unwrap(), expected);
        assert_eq!(everything(&sqlite), after);
        assert!(sqlite.prune_before(Epoch(5)).unwrap().is_empty());
    }
    let reader = SqliteStore::open_read_only(&database).unwrap();
    assert_eq!(everything(&reader), after);
    assert!(reader.take_read_error().is_none());
    // A reader cannot prune.
    let mut reader = reader;
    assert!(matches!(
        reader.prune_before(Epoch(6)),
        Err(StoreError::Sqlite { .. })
    ));
    drop(reader);

    // A record put afterwards for a forgotten epoch is kept, and moves tenure back, in every
    // store alike.
    let late = record("pool1d", 1, 100, "0.4.0", 2, &["pythagoras"]);
    let mut file = FileStore::open(&lines).unwrap();
    let mut sqlite = SqliteStore::open(&database).unwrap();
    memory.put_registration(late.clone()).unwrap();
    file.put_registration(late.clone()).unwrap();
    sqlite.put_registration(late).unwrap();
    assert_eq!(first(&memory, "pool1d"), Some(Epoch(1)));
    assert_eq!(everything(&file), everything(&memory));
    assert_eq!(everything(&sqlite), everything(&memory));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_pruned_monitor_reports_its_epoch_as_before() {
    // Twenty pools join over six epochs (tenure matters: three epochs are required); the older
    // half signs and shadow-signs.
    let mut monitor =
        AdoptionMonitor::new(MemoryStore::new(), ProtocolParameters::MAINNET, lagrange())
            .with_exclusions(Exclusions {
                min_registered_epochs: 3,
                ..Exclusions::default()
            });
    for epoch in 40..=45 {
        for index in 0..20 {
            if 40 + index / 4 > epoch {
                continue;
            }
            let party = format!("pool{index}");
            let id = PartyId::new(party.as_str()).unwrap();
            let eras: &[&str] = if index % 3 == 0 {
                &["pythagoras"]
            } else {
                &["pythagoras", "lagrange"]
            };
            monitor
                .store_mut()
                .put_registration(record(&party, epoch, 100 + index, "0.4.0", 2, eras))
                .unwrap();
            if index < 10 && epoch % 2 == index % 2 {
                monitor.record_signatures(Epoch(epoch), &id, 3).unwrap();
                monitor
                    .record_shadow_signatures(Epoch(epoch), &id, 3)
                    .unwrap();
            }
        }
    }
    let view = |monitor: &AdoptionMonitor<MemoryStore>| {
        let report = monitor.report(Epoch(45)).unwrap();
        let evidence = monitor.evidence(Epoch(45), Some(2000)).unwrap();
        // The exposition's lines within a family come in no set order.
        let mut metrics: Vec<String> = report.to_prometheus().lines().map(str::to_owned).collect();
        metrics.sort_unstable();
        (report.to_string(), metrics, format!("{evidence:?}"))
    };
    let before = view(&monitor);
    // Tenure excludes the latest pools, and both signature parities count in the window.
    assert!(before.0.contains("TooRecent"), "{}", before.0);

    assert_eq!(monitor.oldest_epoch_read(Epoch(45)), Epoch(44));
    let pruned = monitor.prune(Epoch(45)).unwrap();
    assert_eq!(
        pruned.registrations,
        (40..44).map(|e| (e - 40 + 1) * 4).sum::<u64>()
    );
    assert_eq!(monitor.store().epochs(), vec![Epoch(44), Epoch(45)]);
    assert_eq!(view(&monitor), before);
}

#[test]
fn a_file_store_prune_that_fails_before_its_rename_changes_nothing() {
    let dir = std::env::temp_dir().join(format!("adoption-prune-fail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let lines = dir.join("records.jsonl");
    let mut store = FileStore::open(&lines).unwrap();
    fill_for_pruning(&mut store);
    let before = everything(&store);
    let written = std::fs::read(&lines).unwrap();
    // The new file cannot be created: a directory holds its name.
    let blocker = dir.join("records.compacting");
    std::fs::create_dir(&blocker).unwrap();
    assert!(matches!(
        store.prune_before(Epoch(5)),
        Err(StoreError::Io { .. })
    ));
    assert_eq!(everything(&store), before);
    assert_eq!(std::fs::read(&lines).unwrap(), written);
    // The store still writes where readers look.
    let late = record("pool1d", 6, 100, "0.4.0", 2, &["pythagoras"]);
    store.put_registration(late.clone()).unwrap();
    assert_eq!(
        FileStore::snapshot(&lines)
            .unwrap()
            .store
            .registrations(Epoch(6))
            .len(),
        3
    );
    // A file a crashed compaction left is not in the way.
    std::fs::remove_dir(&blocker).unwrap();
    std::fs::write(&blocker, b"left by a crash").unwrap();
    assert!(!store.prune_before(Epoch(5)).unwrap().is_empty());
    assert!(!blocker.exists());
    store
        .put_registration(record("pool1e", 6, 100, "0.4.0", 2, &["pythagoras"]))
        .unwrap();
    let reopened = FileStore::open(&lines).unwrap();
    assert_eq!(reopened.registrations(Epoch(6)).len(), 4);
    assert_eq!(reopened.epochs(), vec![Epoch(5), Epoch(6)]);
    std::fs::remove_dir_all(&dir).unwrap();
}
