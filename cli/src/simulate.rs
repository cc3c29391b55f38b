//! Mainnet-size simulation of an era rollout: the quorum-aware gate against a
//! flat rule of 95% of registered stake, over many seeds and scenarios.
//!
//! No cryptography: each epoch, the stake that actually signs is drawn from each signer's
//! behaviour, and the number of lottery indices it wins is drawn from the exact model,
//! `Binomial(m, 1 - (1 - phi_f)^a)`; a certificate needs `k` of them. The quorum-aware rule runs
//! the library's [`Gate`] on the library's readiness arithmetic (declared support *and* recent
//! signatures, a stake floor, the quorum target, the safety margin); the flat rule activates two
//! epochs after 95% of the registered stake declares support.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use rand_distr::{Binomial, Distribution};

use mithril_compat::adoption::{EraSignal, Gate, GateConfig, ReadinessConfig};
use mithril_compat::domain::{Epoch, ProtocolParameters};
use mithril_compat::era::Era;

/// A rollout scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Steady adoption; a few small pools never upgrade.
    Baseline,
    /// Slow adoption with a long tail of laggards.
    Laggards,
    /// Three tenths of the upgraded stake registers and declares support but rarely signs.
    RarelySign,
    /// The upgraded release is faulty: a quarter of its stake stops signing once lagrange is
    /// active.
    FaultyRelease,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 4] = [
        Scenario::Baseline,
        Scenario::Laggards,
        Scenario::RarelySign,
        Scenario::FaultyRelease,
    ];

    /// The scenario's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Laggards => "laggards",
            Self::RarelySign => "rarely-sign",
            Self::FaultyRelease => "faulty-release",
        }
    }
}

/// The activation rule being compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The library's gate: floor, quorum target, margin, participation.
    QuorumAware,
    /// 95% of registered stake declares support.
    Flat95,
}

/// What to simulate.
#[derive(Clone, Copy, Debug)]
pub struct SimulationConfig {
    /// Signers per run.
    pub signers: usize,
    /// Epochs per run (the release ships at epoch 1).
    pub epochs: u64,
    /// Runs per scenario and rule.
    pub seeds: u64,
    /// Protocol parameters (mainnet by default).
    pub parameters: ProtocolParameters,
    /// Stake floor of the quorum-aware gate.
    pub stake_floor: f64,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        Self {
            signers: 3000,
            epochs: 60,
            seeds: 100,
            parameters: ProtocolParameters::MAINNET,
            stake_floor: 0.95,
        }
    }
}

/// The outcome of one scenario under one rule, over every seed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// The scenario.
    pub scenario: Scenario,
    /// The rule.
    pub rule: Rule,
    /// Runs.
    pub seeds: u64,
    /// Epochs without a certificate, over every run.
    pub epochs_without_certificate: u64,
    /// Runs with at least one epoch without a certificate.
    pub runs_with_a_gap: u64,
    /// Activation epochs (after the release at epoch 1) of the runs that activated, sorted.
    pub activation_epochs: Vec<u64>,
    /// Runs that never activated within the horizon.
    pub never_activated: u64,
}

impl Comparison {
    /// The median activation epoch.
    pub fn median_activation(&self) -> Option<u64> {
        self.activation_epochs
            .get(self.activation_epochs.len() / 2)
            .copied()
    }
}

struct Pool {
    stake: f64,
    upgrade_epoch: Option<u64>,
    signing_rate_pythagoras: f64,
    signing_rate_lagrange: f64,
}

/// A uniform draw in [0, 1) with 53 bits of precision.
pub(crate) fn uniform(rng: &mut ChaCha20Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn population(scenario: Scenario, signers: usize, rng: &mut ChaCha20Rng) -> Vec<Pool> {
    let mut stakes: Vec<f64> = (0..signers)
        // Pareto stake, alpha 2: heavy-tailed, the largest pool a few percent, as on mainnet.
        .map(|_| 1.0 / (1.0 - uniform(rng)).powf(1.0 / 2.0))
        .collect();
    let total: f64 = stakes.iter().sum();
    stakes.iter_mut().for_each(|stake| *stake /= total);
    stakes
        .into_iter()
        .map(|stake| {
            let draw = uniform(rng);
            let (never, spread, first) = match scenario {
                Scenario::Laggards => (0.03, 30.0, 2.0),
                _ => (0.02, 10.0, 2.0),
            };
            let upgrade_epoch = (draw >= never).then(|| {
                // Most upgrade early; in the laggards scenario a long tail comes late.
                let position = uniform(rng);
                let delay = match scenario {
                    Scenario::Laggards => position.powf(0.6) * spread,
                    _ => position * spread,
                };
                (first + delay) as u64
            });
            let upgraded_twist = uniform(rng);
            let (pythagoras_rate, lagrange_rate) = match scenario {
                Scenario::RarelySign if upgrade_epoch.is_some() && upgraded_twist < 0.3 => {
                    (0.1, 0.1)
                }
                Scenario::FaultyRelease if upgrade_epoch.is_some() && upgraded_twist < 0.25 => {
                    (0.98, 0.0)
                }
                _ => (0.98, 0.98),
            };
            Pool {
                stake,
                upgrade_epoch,
                signing_rate_pythagoras: pythagoras_rate,
                signing_rate_lagrange: lagrange_rate,
            }
        })
        .collect()
}

struct RunOutcome {
    gaps: u64,
    activation: Option<u64>,
}

fn run_once(config: &SimulationConfig, scenario: Scenario, rule: Rule, seed: u64) -> RunOutcome {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let pools = population(scenario, config.signers, &mut rng);
    let readiness = ReadinessConfig {
        stake_floor: config.stake_floor,
        ..ReadinessConfig::default()
    };
    let mut gate = Gate::new(Era::Lagrange.era_name(), GateConfig::default());
    let mut activation: Option<u64> = None;
    let mut signed_last: Vec<bool> = vec![false; pools.len()];
    let mut gaps = 0;
    for epoch in 1..=config.epochs {
        let lagrange = activation.is_some_and(|at| epoch >= at);
        // Who signs this epoch: in lagrange only upgraded signers can, at their lagrange rate.
        let mut signing_share = 0.0;
        let mut ready_share = 0.0;
        let mut declared_share = 0.0;
        for (index, pool) in pools.iter().enumerate() {
            let upgraded = pool.upgrade_epoch.is_some_and(|at| at <= epoch);
            let rate = if lagrange {
                if upgraded {
                    pool.signing_rate_lagrange
                } else {
                    0.0
                }
            } else {
                pool.signing_rate_pythagoras
            };
            let signs = uniform(&mut rng) < rate;
            if signs {
                signing_share += pool.stake;
            }
            if upgraded {
                declared_share += pool.stake;
                // Participation window of two epochs, as the monitor's default.
                if signs || signed_last[index] {
                    ready_share += pool.stake;
                }
            }
            signed_last[index] = signs;
        }
        let p = 1.0 - (1.0 - config.parameters.phi_f()).powf(signing_share.clamp(0.0, 1.0));
        let won = Binomial::new(config.parameters.m(), p.clamp(0.0, 1.0))
            .map(|distribution| distribution.sample(&mut rng))
            .unwrap_or(0);
        if won < config.parameters.k() {
            gaps += 1;
        }
        if activation.is_none() {
            activation = match rule {
                Rule::Flat95 => (declared_share >= 0.95).then_some(epoch + 2),
                Rule::QuorumAware => {
                    let ready = readiness.is_ready(&config.parameters, ready_share);
                    let _ = gate.observe(Epoch(epoch), EraSignal::Announced, ready);
                    // Proposed on lock-in only: the gate is only ever told the era is announced.
                    gate.proposed_activation().map(|at| at.0)
                }
            };
        }
    }
    RunOutcome {
        gaps,
        activation: activation.filter(|at| *at <= config.epochs),
    }
}

/// Runs every scenario under both rules.
pub fn compare(config: &SimulationConfig) -> Vec<Comparison> {
    let mut comparisons = Vec::new();
    for scenario in Scenario::ALL {
        for rule in [Rule::QuorumAware, Rule::Flat95] {
            let mut comparison = Comparison {
                scenario,
                rule,
                seeds: config.seeds,
                epochs_without_certificate: 0,
                runs_with_a_gap: 0,
                activation_epochs: Vec::new(),
                never_activated: 0,
            };
            for seed in 0..config.seeds {
                // Both rules face the same population and draws for a given seed.
                let outcome = run_once(config, scenario, rule, seed);
                comparison.epochs_without_certificate += outcome.gaps;
                comparison.runs_with_a_gap += u64::from(outcome.gaps > 0);
                match outcome.activation {
                    Some(at) => comparison.activation_epochs.push(at),
                    None => comparison.never_activated += 1,
                }
            }
            comparison.activation_epochs.sort_unstable();
            comparisons.push(comparison);
        }
    }
    comparisons
}

/// The comparison table, for people.
pub fn table(config: &SimulationConfig, comparisons: &[Comparison]) -> String {
    let mut out = format!(
        "{} signers, {} epochs, {} seeds, k={} m={} phi_f={}, quorum-aware floor {:.0}%\n\n",
        config.signers,
        config.epochs,
        config.seeds,
        config.parameters.k(),
        config.parameters.m(),
        config.parameters.phi_f(),
        config.stake_floor * 100.0
    );
    out.push_str(
        "scenario        rule          epochs without certificate  runs with a gap  activation epoch (median, min-max)  never activated\n",
    );
    for comparison in comparisons {
        let activation = match (
            comparison.median_activation(),
            comparison.activation_epochs.first(),
            comparison.activation_epochs.last(),
        ) {
            (Some(median), Some(min), Some(max)) => format!("{median} ({min}-{max})"),
            _ => "-".to_owned(),
        };
        out.push_str(&format!(
            "{:<15} {:<13} {:>26}  {:>15}  {:>34}  {:>15}\n",
            comparison.scenario.name(),
            match comparison.rule {
                Rule::QuorumAware => "quorum-aware",
                Rule::Flat95 => "flat 95%",
            },
            comparison.epochs_without_certificate,
            comparison.runs_with_a_gap,
            activation,
            comparison.never_activated
        ));
    }
    out
}
