//! The mainnet-size rollout simulation, small enough for the test suite.

use mithril_compat::domain::ProtocolParameters;
use mithril_compat_cli::simulate::{Rule, Scenario, SimulationConfig, compare, table};

#[test]
fn quorum_aware_gate_never_loses_a_certificate_and_never_activates_on_silent_stake() {
    let config = SimulationConfig {
        signers: 600,
        epochs: 40,
        seeds: 6,
        parameters: ProtocolParameters::MAINNET,
        stake_floor: 0.95,
    };
    let comparisons = compare(&config);
    let report = table(&config, &comparisons);
    assert_eq!(comparisons.len(), Scenario::ALL.len() * 2, "{report}");
    let find = |scenario, rule| {
        comparisons
            .iter()
            .find(|c| c.scenario == scenario && c.rule == rule)
            .unwrap()
    };
    for scenario in Scenario::ALL {
        let gate = find(scenario, Rule::QuorumAware);
        assert_eq!(gate.epochs_without_certificate, 0, "{report}");
        let flat = find(scenario, Rule::Flat95);
        // The gate never activates before the flat rule: it needs what the flat rule needs, and
        // participation and the quorum on top. Only silent stake keeps it shut for good.
        match (gate.median_activation(), flat.median_activation()) {
            (Some(g), Some(f)) => assert!(g >= f, "{}: {report}", scenario.name()),
            (None, Some(_)) => assert_eq!(scenario, Scenario::RarelySign, "{report}"),
            (gate, flat) => panic!(
                "{}: gate {gate:?}, flat rule {flat:?}: every scenario activates the flat rule\n{report}",
                scenario.name()
            ),
        }
    }
    // Stake that declares support but does not sign cannot open the gate; it opens the flat rule.
    assert_eq!(
        find(Scenario::RarelySign, Rule::QuorumAware).never_activated,
        config.seeds,
        "{report}"
    );
    assert_eq!(
        find(Scenario::RarelySign, Rule::Flat95).never_activated,
        0,
        "{report}"
    );
    assert_eq!(
        find(Scenario::Baseline, Rule::QuorumAware).never_activated,
        0,
        "{report}"
    );
}
