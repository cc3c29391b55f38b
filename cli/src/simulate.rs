//! Mainnet-size simulation of an era rollout: which activation rule keeps a certificate every
//! epoch, and how early each activates, over many seeds and scenarios.
//!
//! No cryptography: each epoch, whether each pool signs (the current era's message, and the
//! next era's in shadow while it is announced) is drawn from its behaviour, and the number of
//! lottery indices the signing stake wins is drawn from the exact model,
//! `Binomial(m, 1 - (1 - phi_f)^a)`; a certificate needs `k` of them. A shadow certificate is the
//! same draw over the stake whose shadow signatures are valid.
//!
//! Every rule faces the same world for a given seed (the same pools and the same draws), so the
//! comparison is paired:
//! - **quorum-aware**: the library's [`Gate`] driven by [`RuleConfig::judge`] on the evidence an
//!   aggregator has (shadow certificates, proven-ready stake, the stake that signs, the stake
//!   activation would cut off);
//! - **flat 95%**: today's practice, activation two epochs after 95% of the registered stake
//!   declares support (through whatever declarations reach the aggregator);
//! - **omniscient**: the reference no rule can beat. When it decides, it knows which of the pools
//!   already running the release will sign after the switch, at every epoch (which pools have
//!   working next-era code, and every signing draw to come). It decides at the earliest epoch
//!   from which that stake alone meets the target at every epoch after the notice, and, like any
//!   decision, activates after the notice (epoch 3 at the earliest, for a release at epoch 1).
//!   Who has *not yet* upgraded is not something any rule can know, so it does not know that
//!   either;
//! - the **clairvoyant bound** is reported beside it: activation at the earliest epoch from
//!   which the stake that actually signs then meets the target, as if the decision could be
//!   taken with the future adoption known. No decision taken on the present reaches it: it sits
//!   about a notice (two epochs) before the omniscient reference when adoption is steady.

use std::collections::BTreeMap;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use rand_distr::{Binomial, Distribution};

use mithril_compat::adoption::{
    EraSignal, Evidence, Gate, GateConfig, RuleConfig, ShadowCertificate, certificate_odds,
};
use mithril_compat::domain::{Epoch, ProtocolParameters};
use mithril_compat::era::{Era, REGISTRATION_PIPELINE_EPOCHS};

/// A rollout scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Steady adoption; a few small pools never upgrade.
    Baseline,
    /// Slow adoption with a long tail of laggards.
    Laggards,
    /// Four tenths of the upgraded stake signs at most one epoch in ten (in either era).
    RarelySign,
    /// The release's next-era code is faulty for 45% of the upgraded stake: it signs today's
    /// messages but cannot produce valid next-era signatures.
    FaultyNextEra,
    /// Three tenths of the stake's version declarations never reach the aggregator (as with a
    /// stripped header).
    LostDeclarations,
    /// The largest tenth of the pools upgrade last.
    LargePoolsLast,
    /// The release is cancelled (a cancel marker) at epoch 6.
    Cancelled,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 7] = [
        Scenario::Baseline,
        Scenario::Laggards,
        Scenario::RarelySign,
        Scenario::FaultyNextEra,
        Scenario::LostDeclarations,
        Scenario::LargePoolsLast,
        Scenario::Cancelled,
    ];

    /// The scenario's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Laggards => "laggards",
            Self::RarelySign => "rarely-sign",
            Self::FaultyNextEra => "faulty-next-era",
            Self::LostDeclarations => "lost-declarations",
            Self::LargePoolsLast => "large-pools-last",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Epochs the omniscient reference and the clairvoyant bound must see after their activation,
/// within the horizon, to call it safe: "safe from then on" is not judged on the last few epochs
/// of a run (where the stake that signs hovers around the safe share, a lucky last few epochs
/// would otherwise count as safe).
pub const REFERENCE_OBSERVED_EPOCHS: u64 = 10;

/// The epoch a cancelled release's cancel marker takes effect.
pub const CANCEL_EPOCH: u64 = 6;

/// The activation rule being compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The library's gate on proven readiness.
    QuorumAware,
    /// 95% of registered stake declares support.
    Flat95,
    /// Knows who will sign after the switch.
    Omniscient,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 3] = [Rule::QuorumAware, Rule::Flat95, Rule::Omniscient];

    /// The rule's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::QuorumAware => "quorum-aware",
            Self::Flat95 => "flat 95%",
            Self::Omniscient => "omniscient",
        }
    }
}

/// Why a run never activated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotActivated {
    /// The release was cancelled first.
    Cancelled,
    /// The rule was still waiting at the horizon (the gate's binding condition, or too little
    /// declared stake).
    StillWaiting,
    /// The gate failed (timeout).
    GateFailed,
    /// No epoch meets the target with the stake that signs after the switch.
    NeverSafe,
}

/// What to simulate.
#[derive(Clone, Copy, Debug)]
pub struct SimulationConfig {
    /// Signers per run.
    pub signers: usize,
    /// Epochs per run (the release ships at epoch 1).
    pub epochs: u64,
    /// Runs per scenario.
    pub seeds: u64,
    /// Protocol parameters (mainnet by default).
    pub parameters: ProtocolParameters,
    /// The quorum-aware rule's settings.
    pub rule: RuleConfig,
    /// The gate's settings.
    pub gate: GateConfig,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        Self {
            signers: 3000,
            epochs: 60,
            seeds: 1000,
            parameters: ProtocolParameters::MAINNET,
            rule: RuleConfig::default(),
            gate: GateConfig::default(),
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
    /// Epochs without a certificate the switch caused: epochs that had a certificate in the same
    /// world without the switch (a world where the old era itself loses certificates, as when
    /// much stake rarely signs, loses them whatever the rule).
    pub epochs_without_certificate_caused: u64,
    /// Runs with at least one epoch without a certificate the switch caused.
    pub runs_with_a_caused_gap: u64,
    /// Activation epochs (after the release at epoch 1) of the runs that activated, sorted.
    pub activation_epochs: Vec<u64>,
    /// Runs that never activated within the horizon.
    pub never_activated: u64,
    /// Why, by reason.
    pub never_activated_reasons: BTreeMap<NotActivated, u64>,
    /// Activation minus the omniscient reference's, in runs where both activated, sorted.
    pub distance_to_reference: Vec<i64>,
    /// Activation minus the clairvoyant bound's, in runs where both activated, sorted.
    pub distance_to_clairvoyant: Vec<i64>,
}

impl Comparison {
    fn new(scenario: Scenario, rule: Rule, seeds: u64) -> Self {
        Self {
            scenario,
            rule,
            seeds,
            epochs_without_certificate: 0,
            runs_with_a_gap: 0,
            epochs_without_certificate_caused: 0,
            runs_with_a_caused_gap: 0,
            activation_epochs: Vec::new(),
            never_activated: 0,
            never_activated_reasons: BTreeMap::new(),
            distance_to_reference: Vec::new(),
            distance_to_clairvoyant: Vec::new(),
        }
    }

    /// The median activation epoch.
    pub fn median_activation(&self) -> Option<u64> {
        self.activation_epochs
            .get(self.activation_epochs.len() / 2)
            .copied()
    }

    /// The median distance to the omniscient reference.
    pub fn median_distance(&self) -> Option<i64> {
        self.distance_to_reference
            .get(self.distance_to_reference.len() / 2)
            .copied()
    }

    /// The median distance to the clairvoyant bound.
    pub fn median_distance_to_clairvoyant(&self) -> Option<i64> {
        self.distance_to_clairvoyant
            .get(self.distance_to_clairvoyant.len() / 2)
            .copied()
    }
}

struct Pool {
    stake: f64,
    upgrade_epoch: Option<u64>,
    /// Probability of signing an epoch's messages (either era).
    signing_rate: f64,
    /// Whether its next-era code works (valid shadow signatures, signing after the switch).
    next_era_works: bool,
    /// Whether its declarations reach the aggregator.
    declares: bool,
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
    // Largest first, so that "the largest tenth" is the first tenth.
    stakes.sort_unstable_by(|a, b| b.total_cmp(a));
    let largest_tenth = signers.div_ceil(10);
    stakes
        .into_iter()
        .enumerate()
        .map(|(rank, stake)| {
            let (never, spread) = match scenario {
                Scenario::Laggards => (0.03, 30.0),
                _ => (0.02, 10.0),
            };
            let never_upgrades = uniform(rng) < never;
            let position = uniform(rng);
            let upgrade_epoch = (!never_upgrades).then(|| match scenario {
                // Most upgrade early; a long tail comes late.
                Scenario::Laggards => 2 + (position.powf(0.6) * spread) as u64,
                // The largest pools wait until everyone else has upgraded.
                Scenario::LargePoolsLast if rank < largest_tenth => {
                    2 + spread as u64 + 1 + (position * 5.0) as u64
                }
                _ => 2 + (position * spread) as u64,
            });
            let twist = uniform(rng);
            let upgraded = upgrade_epoch.is_some();
            Pool {
                stake,
                upgrade_epoch,
                signing_rate: if scenario == Scenario::RarelySign && upgraded && twist < 0.4 {
                    0.1
                } else {
                    0.98
                },
                next_era_works: !(scenario == Scenario::FaultyNextEra && upgraded && twist < 0.45),
                declares: !(scenario == Scenario::LostDeclarations && uniform(rng) < 0.3),
            }
        })
        .collect()
}

/// One epoch of the world, whatever the rule.
#[derive(Clone, Debug, Default)]
struct EpochWorld {
    /// Stake that signs the current era's message, if the era in force is the old one.
    signing_old_era: f64,
    /// Stake that signs if the new era is in force (upgraded, working, and signing).
    signing_new_era: f64,
    /// `signing_new_era` by the epoch its pools upgraded: entry `u` is the stake of the pools
    /// that upgraded at epoch `u` (0 for none) and would sign the new era this epoch.
    signing_new_era_by_cohort: Vec<f64>,
    /// What the aggregator sees for the rule, while the era is announced.
    evidence: Evidence,
    /// Stake whose declarations of support reached the aggregator.
    declared: f64,
    /// The draw that decides a certificate: a uniform in [0, 1) turned into won indices by the
    /// inverse of the binomial at the era's signing stake (one draw serves every rule).
    certificate_draw: u64,
}

/// The world of one seed: every pool's behaviour drawn for every epoch.
fn world(config: &SimulationConfig, scenario: Scenario, seed: u64) -> Vec<EpochWorld> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let pools = population(scenario, config.signers, &mut rng);
    let parameters = &config.parameters;
    let mut signed_before = vec![false; pools.len()];
    let mut shadow_before = vec![false; pools.len()];
    let mut epochs = Vec::with_capacity(config.epochs as usize);
    for epoch in 1..=config.epochs {
        let mut world = EpochWorld {
            certificate_draw: rng.next_u64(),
            signing_new_era_by_cohort: vec![0.0; epoch as usize + 1],
            ..EpochWorld::default()
        };
        let mut shadow_now = 0.0;
        let mut shadow_signers = 0;
        let mut window_signing = 0.0;
        let mut proven = 0.0;
        for (index, pool) in pools.iter().enumerate() {
            let upgraded = pool.upgrade_epoch.is_some_and(|at| at <= epoch);
            let signs = uniform(&mut rng) < pool.signing_rate;
            // Upgraded pools sign the next era's message in shadow beside the current one.
            let shadow = upgraded && signs && pool.next_era_works;
            if signs {
                world.signing_old_era += pool.stake;
                if let Some(at) = pool.upgrade_epoch.filter(|at| *at <= epoch)
                    && pool.next_era_works
                {
                    world.signing_new_era += pool.stake;
                    world.signing_new_era_by_cohort[at as usize] += pool.stake;
                }
            }
            if shadow {
                shadow_now += pool.stake;
            }
            // The participation window of two epochs, as the monitor's default.
            let signed_in_window = signs || signed_before[index];
            let proven_in_window = shadow || shadow_before[index];
            if signed_in_window {
                window_signing += pool.stake;
            }
            if proven_in_window {
                proven += pool.stake;
                shadow_signers += 1;
            }
            if upgraded && pool.declares {
                world.declared += pool.stake;
            }
            signed_before[index] = signs;
            shadow_before[index] = shadow;
        }
        let won = Binomial::new(parameters.m(), phi(parameters, shadow_now))
            .map(|distribution| distribution.sample(&mut rng))
            .unwrap_or(0);
        world.evidence = Evidence {
            shadow_signers,
            proven_share: proven.min(1.0),
            signing_share: window_signing.min(1.0),
            cut_off_share: (window_signing - proven).max(0.0),
            shadow_certificate: (shadow_signers > 0).then_some(ShadowCertificate {
                won_indices: won,
                quorum: parameters.k(),
                stake_share: shadow_now.min(1.0),
            }),
            declared_share: world.declared.min(1.0),
        };
        epochs.push(world);
    }
    epochs
}

fn phi(parameters: &ProtocolParameters, share: f64) -> f64 {
    (1.0 - (1.0 - parameters.phi_f()).powf(share.clamp(0.0, 1.0))).clamp(0.0, 1.0)
}

/// Whether the epoch's draw gives a certificate with `share` of the stake signing: the draw is
/// the same for every rule, so rules are compared on the same luck.
fn certified(parameters: &ProtocolParameters, share: f64, draw: u64) -> bool {
    let mut rng = ChaCha20Rng::seed_from_u64(draw);
    Binomial::new(parameters.m(), phi(parameters, share))
        .map(|distribution| distribution.sample(&mut rng))
        .unwrap_or(0)
        >= parameters.k()
}

/// The least share of signing stake whose failure probability meets `target`.
fn safe_share(parameters: &ProtocolParameters, target: f64) -> f64 {
    let (mut low, mut high) = (0.0, 1.0);
    for _ in 0..40 {
        let middle = (low + high) / 2.0;
        match certificate_odds(parameters, middle) {
            Ok(odds) if odds.failure <= target => high = middle,
            _ => low = middle,
        }
    }
    high
}

/// When each rule activates in one world, or why it does not.
fn activation(
    config: &SimulationConfig,
    scenario: Scenario,
    rule: Rule,
    world: &[EpochWorld],
    safe: f64,
) -> Result<u64, NotActivated> {
    let notice = REGISTRATION_PIPELINE_EPOCHS;
    let cancelled = |epoch: u64| scenario == Scenario::Cancelled && epoch >= CANCEL_EPOCH;
    let horizon = world.len() as u64;
    match rule {
        Rule::Flat95 => {
            for (index, epoch_world) in world.iter().enumerate() {
                let epoch = index as u64 + 1;
                if cancelled(epoch) {
                    return Err(NotActivated::Cancelled);
                }
                if epoch_world.declared >= 0.95 {
                    return Ok(epoch + notice);
                }
            }
            Err(NotActivated::StillWaiting)
        }
        Rule::QuorumAware => {
            let mut gate = Gate::new(Era::Lagrange.era_name(), config.gate);
            for (index, epoch_world) in world.iter().enumerate() {
                let epoch = index as u64 + 1;
                if cancelled(epoch) {
                    return Err(NotActivated::Cancelled);
                }
                let verdict = config
                    .rule
                    .judge(&config.parameters, &epoch_world.evidence)
                    .map_err(|_| NotActivated::StillWaiting)?;
                let _ = gate.observe_verdict(Epoch(epoch), EraSignal::Announced, &verdict);
                if let Some(at) = gate.proposed_activation() {
                    return Ok(at.0);
                }
                if gate.failure_reason().is_some() {
                    return Err(NotActivated::GateFailed);
                }
            }
            Err(NotActivated::StillWaiting)
        }
        Rule::Omniscient => {
            if scenario == Scenario::Cancelled {
                return Err(NotActivated::Cancelled);
            }
            // The earliest decision from which the pools running the release when it is taken
            // sign enough at every epoch after the notice.
            (1..=horizon.saturating_sub(notice + REFERENCE_OBSERVED_EPOCHS))
                .find(|decided| {
                    (decided + notice..=horizon).all(|epoch| {
                        let cohorts = &world[(epoch - 1) as usize].signing_new_era_by_cohort;
                        let known = cohorts.len().min(*decided as usize + 1);
                        cohorts[..known].iter().sum::<f64>() >= safe
                    })
                })
                .map(|decided| decided + notice)
                .ok_or(NotActivated::NeverSafe)
        }
    }
}

/// The clairvoyant bound: the earliest epoch from which every epoch, with the stake that
/// actually signs the new era then, meets the target (no earlier than the notice allows after a
/// release at epoch 1).
fn clairvoyant(scenario: Scenario, world: &[EpochWorld], safe: f64) -> Option<u64> {
    if scenario == Scenario::Cancelled {
        return None;
    }
    let horizon = world.len() as u64;
    let mut earliest = None;
    for epoch in (1..=horizon).rev() {
        if world[(epoch - 1) as usize].signing_new_era < safe {
            break;
        }
        earliest = Some(epoch);
    }
    earliest
        .map(|at| at.max(1 + REGISTRATION_PIPELINE_EPOCHS))
        .filter(|at| at + REFERENCE_OBSERVED_EPOCHS <= horizon)
}

/// Runs every scenario under every rule.
pub fn compare(config: &SimulationConfig) -> Vec<Comparison> {
    compare_with_progress(config, || {})
}

/// [`compare`], calling `progress` after each run (one seed of one scenario): there are
/// `Scenario::ALL.len() * config.seeds` of them.
pub fn compare_with_progress(config: &SimulationConfig, progress: impl Fn()) -> Vec<Comparison> {
    let safe = safe_share(&config.parameters, config.rule.max_failure);
    let mut comparisons = Vec::new();
    for scenario in Scenario::ALL {
        let mut by_rule: Vec<Comparison> = Rule::ALL
            .iter()
            .map(|rule| Comparison::new(scenario, *rule, config.seeds))
            .collect();
        for seed in 0..config.seeds {
            let world = world(config, scenario, seed);
            let activations: Vec<Result<u64, NotActivated>> = Rule::ALL
                .iter()
                .map(|rule| activation(config, scenario, *rule, &world, safe))
                .collect();
            let reference = activations[2];
            let bound = clairvoyant(scenario, &world, safe);
            // Without any switch: which epochs the old era certifies, on the same draws.
            let unswitched: Vec<bool> = world
                .iter()
                .map(|epoch_world| {
                    certified(
                        &config.parameters,
                        epoch_world.signing_old_era,
                        epoch_world.certificate_draw,
                    )
                })
                .collect();
            for (comparison, activated) in by_rule.iter_mut().zip(&activations) {
                let (mut gaps, mut caused) = (0, 0);
                for (index, epoch_world) in world.iter().enumerate() {
                    let epoch = index as u64 + 1;
                    let certificate = if activated.is_ok_and(|at| epoch >= at) {
                        certified(
                            &config.parameters,
                            epoch_world.signing_new_era,
                            epoch_world.certificate_draw,
                        )
                    } else {
                        unswitched[index]
                    };
                    if !certificate {
                        gaps += 1;
                        caused += u64::from(unswitched[index]);
                    }
                }
                comparison.epochs_without_certificate += gaps;
                comparison.runs_with_a_gap += u64::from(gaps > 0);
                comparison.epochs_without_certificate_caused += caused;
                comparison.runs_with_a_caused_gap += u64::from(caused > 0);
                match activated {
                    Ok(at) => {
                        comparison.activation_epochs.push(*at);
                        if let Ok(reference) = reference {
                            comparison
                                .distance_to_reference
                                .push(*at as i64 - reference as i64);
                        }
                        if let Some(bound) = bound {
                            comparison
                                .distance_to_clairvoyant
                                .push(*at as i64 - bound as i64);
                        }
                    }
                    Err(reason) => {
                        comparison.never_activated += 1;
                        *comparison
                            .never_activated_reasons
                            .entry(*reason)
                            .or_default() += 1;
                    }
                }
            }
            progress();
        }
        for comparison in &mut by_rule {
            comparison.activation_epochs.sort_unstable();
            comparison.distance_to_reference.sort_unstable();
            comparison.distance_to_clairvoyant.sort_unstable();
        }
        comparisons.extend(by_rule);
    }
    comparisons
}

/// One row of the release teams' decision table: the cut-off allowed against what it costs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CutOffRow {
    /// The scenario.
    pub scenario: Scenario,
    /// The greatest share of the signing stake activation may cut off.
    pub max_cut_off: f64,
    /// Median activation epoch.
    pub median_activation: Option<u64>,
    /// Median share of the signing stake cut off at activation.
    pub median_cut_off: Option<f64>,
    /// Runs with an epoch without a certificate.
    pub runs_with_a_gap: u64,
    /// Runs never activated.
    pub never_activated: u64,
}

/// The decision table: for each cut-off allowed, when the gate activates and how much of the
/// signing stake it cuts off then, on `scenarios`.
pub fn decision_table(
    config: &SimulationConfig,
    scenarios: &[Scenario],
    cut_offs: &[f64],
) -> Vec<CutOffRow> {
    let mut rows = Vec::new();
    for scenario in scenarios {
        let worlds: Vec<Vec<EpochWorld>> = (0..config.seeds)
            .map(|seed| world(config, *scenario, seed))
            .collect();
        for max_cut_off in cut_offs {
            let config = SimulationConfig {
                rule: RuleConfig {
                    max_cut_off: *max_cut_off,
                    ..config.rule
                },
                ..*config
            };
            let mut activations = Vec::new();
            let mut cut = Vec::new();
            let (mut gaps, mut never) = (0, 0);
            for world in &worlds {
                let activated =
                    activation(&config, *scenario, Rule::QuorumAware, world, f64::INFINITY);
                match activated {
                    Ok(at) => {
                        activations.push(at);
                        // What the switch cuts off: the signing stake not proven at lock-in.
                        let locked =
                            (at - REGISTRATION_PIPELINE_EPOCHS).clamp(1, world.len() as u64);
                        let evidence = world[(locked - 1) as usize].evidence;
                        if evidence.signing_share > 0.0 {
                            cut.push(evidence.cut_off_share / evidence.signing_share);
                        }
                    }
                    Err(_) => never += 1,
                }
                let has_gap = world.iter().enumerate().any(|(index, epoch_world)| {
                    let epoch = index as u64 + 1;
                    let share = if activated.is_ok_and(|at| epoch >= at) {
                        epoch_world.signing_new_era
                    } else {
                        epoch_world.signing_old_era
                    };
                    !certified(&config.parameters, share, epoch_world.certificate_draw)
                });
                gaps += u64::from(has_gap);
            }
            activations.sort_unstable();
            cut.sort_unstable_by(f64::total_cmp);
            rows.push(CutOffRow {
                scenario: *scenario,
                max_cut_off: *max_cut_off,
                median_activation: activations.get(activations.len() / 2).copied(),
                median_cut_off: cut.get(cut.len() / 2).copied(),
                runs_with_a_gap: gaps,
                never_activated: never,
            });
        }
    }
    rows
}

/// The comparison table, for people.
pub fn table(config: &SimulationConfig, comparisons: &[Comparison]) -> String {
    let mut out = format!(
        "{} signers, {} epochs, {} seeds, k={} m={} phi_f={}; quorum-aware: target {:.0e}, margin {:.0}%, cut-off at most {:.0}% of the signing stake, {} ready epochs in a row\n\n",
        config.signers,
        config.epochs,
        config.seeds,
        config.parameters.k(),
        config.parameters.m(),
        config.parameters.phi_f(),
        config.rule.max_failure,
        config.rule.safety_margin * 100.0,
        config.rule.max_cut_off * 100.0,
        config.gate.consecutive_ready,
    );
    out.push_str(
        "scenario           rule          epochs without certificate (caused by the switch)  runs with a gap (caused)  activation epoch (median, min-max)  vs reference (median)  vs clairvoyant (median)  never activated (why)\n",
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
        let distance = match (comparison.rule, comparison.median_distance()) {
            (Rule::Omniscient, _) | (_, None) => "-".to_owned(),
            (_, Some(distance)) => format!("{distance:+}"),
        };
        let clairvoyant = comparison
            .median_distance_to_clairvoyant()
            .map_or_else(|| "-".to_owned(), |distance| format!("{distance:+}"));
        let never = if comparison.never_activated == 0 {
            "0".to_owned()
        } else {
            let reasons: Vec<String> = comparison
                .never_activated_reasons
                .iter()
                .map(|(reason, count)| format!("{count} {}", reason_name(*reason)))
                .collect();
            format!("{} ({})", comparison.never_activated, reasons.join(", "))
        };
        out.push_str(&format!(
            "{:<18} {:<13} {:>49}  {:>24}  {:>34}  {:>21}  {:>23}  {}\n",
            comparison.scenario.name(),
            comparison.rule.name(),
            format!(
                "{} ({})",
                comparison.epochs_without_certificate, comparison.epochs_without_certificate_caused
            ),
            format!(
                "{} ({})",
                comparison.runs_with_a_gap, comparison.runs_with_a_caused_gap
            ),
            activation,
            distance,
            clairvoyant,
            never
        ));
    }
    out
}

fn reason_name(reason: NotActivated) -> &'static str {
    match reason {
        NotActivated::Cancelled => "cancelled",
        NotActivated::StillWaiting => "still waiting",
        NotActivated::GateFailed => "gate failed",
        NotActivated::NeverSafe => "never safe",
    }
}

/// The decision table, for people.
pub fn decision_text(rows: &[CutOffRow]) -> String {
    let mut out = String::from(
        "\nscenario           cut-off allowed  activation (median)  cut off at lock-in (median)  runs with a gap  never activated\n",
    );
    for row in rows {
        out.push_str(&format!(
            "{:<18} {:>15}  {:>19}  {:>27}  {:>15}  {:>15}\n",
            row.scenario.name(),
            format!("{:.0}%", row.max_cut_off * 100.0),
            row.median_activation
                .map_or_else(|| "-".to_owned(), |at| at.to_string()),
            row.median_cut_off
                .map_or_else(|| "-".to_owned(), |cut| format!("{:.1}%", cut * 100.0)),
            row.runs_with_a_gap,
            row.never_activated
        ));
    }
    out
}
