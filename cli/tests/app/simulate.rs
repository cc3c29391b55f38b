//! The mainnet-size rollout simulation, small enough for the test suite: the targets the gate
//! is held to, on fewer signers and seeds.

use mithril_compat::adoption::RuleConfig;
use mithril_compat_cli::simulate::{
    Comparison, NotActivated, Rule, Scenario, SimulationConfig, compare, decision_table,
    decision_text, table,
};

fn small() -> SimulationConfig {
    SimulationConfig {
        signers: 500,
        epochs: 60,
        seeds: 40,
        ..SimulationConfig::default()
    }
}

#[test]
fn the_gate_never_loses_a_certificate_and_is_never_later_than_flat_95() {
    let config = small();
    let comparisons = compare(&config);
    let report = table(&config, &comparisons);
    assert_eq!(
        comparisons.len(),
        Scenario::ALL.len() * Rule::ALL.len(),
        "{report}"
    );
    let find = |scenario, rule| -> &Comparison {
        comparisons
            .iter()
            .find(|c| c.scenario == scenario && c.rule == rule)
            .unwrap()
    };
    let mut compared = Vec::new();
    for scenario in Scenario::ALL {
        let gate = find(scenario, Rule::QuorumAware);
        let flat = find(scenario, Rule::Flat95);
        let reference = find(scenario, Rule::Omniscient);
        // Never an epoch without a certificate because of the switch, whatever the scenario.
        assert_eq!(gate.epochs_without_certificate_caused, 0, "{report}");
        assert_eq!(reference.epochs_without_certificate_caused, 0, "{report}");
        // No later than flat 95% wherever flat 95% activates without a gap.
        if let (0, Some(g), Some(f)) = (
            flat.runs_with_a_caused_gap,
            gate.median_activation(),
            flat.median_activation(),
        ) {
            assert!(g <= f, "{}: gate {g}, flat {f}\n{report}", scenario.name());
            compared.push(scenario);
        }
        // Where the gate stays shut, it says why.
        let explained: u64 = gate.never_activated_reasons.values().sum();
        assert_eq!(explained, gate.never_activated, "{report}");
    }
    // The comparison above ran where flat 95% activates without a gap: at least in these.
    for scenario in [
        Scenario::Baseline,
        Scenario::Laggards,
        Scenario::LargePoolsLast,
    ] {
        assert!(
            compared.contains(&scenario),
            "{} not compared\n{report}",
            scenario.name()
        );
    }
    // Steady, slow, silent-declaration and large-pools-last rollouts all activate, never before
    // the reference no rule can beat.
    for scenario in [
        Scenario::Baseline,
        Scenario::Laggards,
        Scenario::LostDeclarations,
        Scenario::LargePoolsLast,
    ] {
        let gate = find(scenario, Rule::QuorumAware);
        assert_eq!(gate.never_activated, 0, "{}\n{report}", scenario.name());
        assert!(
            gate.distance_to_reference
                .iter()
                .all(|distance| *distance >= 0),
            "{report}"
        );
        // At most two epochs after the reference (median); three where the largest pools come
        // last: the others' stake sits between the reference's safe share and the gate's, and
        // no pool upgrades in the epoch before the largest begin, which the gate waits out.
        let allowed = if scenario == Scenario::LargePoolsLast {
            3
        } else {
            2
        };
        let median = gate.median_distance().expect("both activate");
        assert!(
            median <= allowed,
            "{}: {median:+}\n{report}",
            scenario.name()
        );
        // The reference itself is never before the clairvoyant bound.
        let reference = find(scenario, Rule::Omniscient);
        assert!(
            reference
                .distance_to_clairvoyant
                .iter()
                .all(|distance| *distance >= 0),
            "{report}"
        );
    }
    // Lost declarations stall the flat rule, not the gate: signatures prove what headers lose.
    assert_eq!(
        find(Scenario::LostDeclarations, Rule::Flat95).never_activated,
        config.seeds,
        "{report}"
    );
    // A release whose next-era code fails for 45% of the upgraded stake: the flat rule switches
    // and loses certificates; the gate waits and keeps every one.
    let faulty_flat = find(Scenario::FaultyNextEra, Rule::Flat95);
    assert!(
        faulty_flat.epochs_without_certificate_caused > 0,
        "{report}"
    );
    assert_eq!(
        find(Scenario::FaultyNextEra, Rule::QuorumAware).never_activated,
        config.seeds,
        "{report}"
    );
    // A cancelled release activates nowhere, and says so.
    for rule in Rule::ALL {
        let cancelled = find(Scenario::Cancelled, rule);
        assert_eq!(
            cancelled
                .never_activated_reasons
                .get(&NotActivated::Cancelled),
            Some(&config.seeds),
            "{report}"
        );
    }
}

#[test]
fn the_decision_table_trades_cut_off_for_earlier_activation() {
    let config = SimulationConfig {
        seeds: 4,
        ..small()
    };
    let rows = decision_table(&config, &[Scenario::Baseline], &[0.0, 0.05, 0.1, 0.4]);
    let text = decision_text(&rows);
    assert_eq!(rows.len(), 4, "{text}");
    // Cutting nobody off waits for pools that never upgrade: it never activates.
    assert_eq!(rows[0].never_activated, config.seeds, "{text}");
    // Allowing more to be cut off never activates later, and never loses a certificate.
    let activation: Vec<u64> = rows[1..]
        .iter()
        .map(|row| row.median_activation.expect("baseline activates"))
        .collect();
    assert!(
        activation.windows(2).all(|pair| pair[1] <= pair[0]),
        "{text}"
    );
    assert!(rows.iter().all(|row| row.runs_with_a_gap == 0), "{text}");
    // What is cut off at lock-in stays within what each row allows.
    for row in &rows[1..] {
        assert!(
            row.median_cut_off.unwrap() <= row.max_cut_off + 1e-9,
            "{text}"
        );
    }
    assert_eq!(RuleConfig::default().max_cut_off, 0.3);
}
