//! `mithril-compat simulate`.

use crate::simulate::{Scenario, SimulationConfig, compare, decision_table, decision_text, table};
use clap::Args;
use mithril_compat::adoption::{GateConfig, RuleConfig};

/// Arguments of `simulate`.
#[derive(Args)]
pub struct SimulateArgs {
    /// Signers per run.
    #[arg(long, default_value_t = SimulationConfig::default().signers)]
    signers: usize,
    /// Epochs per run.
    #[arg(long, default_value_t = SimulationConfig::default().epochs)]
    epochs: u64,
    /// Runs (seeds) per scenario.
    #[arg(long, default_value_t = SimulationConfig::default().seeds)]
    seeds: u64,
    /// The greatest share of the signing stake the quorum-aware gate may cut off.
    #[arg(long, default_value_t = RuleConfig::default().max_cut_off)]
    max_cut_off: f64,
    /// The share of the proven-ready stake the quorum-aware gate assumes will not sign.
    #[arg(long, default_value_t = RuleConfig::default().safety_margin)]
    safety_margin: f64,
    /// Ready epochs in a row before the quorum-aware gate locks in.
    #[arg(long, default_value_t = GateConfig::default().consecutive_ready)]
    consecutive_ready: u32,
    /// Runs per cut-off in the decision table (0: no table).
    #[arg(long, default_value_t = 100)]
    decision_seeds: u64,
    /// Machine-readable JSON (the comparisons) instead of the tables.
    #[arg(long)]
    json: bool,
}

/// The cut-offs of the decision table (shares of the signing stake).
const CUT_OFFS: [f64; 7] = [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4];

/// Runs the simulation; returns what to print.
pub fn run(args: SimulateArgs) -> String {
    let config = SimulationConfig {
        signers: args.signers.max(1),
        epochs: args.epochs.max(1),
        seeds: args.seeds.max(1),
        rule: RuleConfig {
            max_cut_off: args.max_cut_off.clamp(0.0, 1.0),
            safety_margin: args.safety_margin.clamp(0.0, 0.99),
            ..RuleConfig::default()
        },
        gate: GateConfig {
            consecutive_ready: args.consecutive_ready.max(1),
            ..GateConfig::default()
        },
        ..SimulationConfig::default()
    };
    let comparisons = compare(&config);
    if args.json {
        // Today's shape: an array of comparisons.
        return format!(
            "{}\n",
            serde_json::to_string_pretty(&comparisons).expect("comparisons serialize")
        );
    }
    let mut out = table(&config, &comparisons);
    if args.decision_seeds > 0 {
        let decisions = decision_table(
            &SimulationConfig {
                seeds: args.decision_seeds,
                ..config
            },
            &[Scenario::Baseline, Scenario::Laggards],
            &CUT_OFFS,
        );
        out.push_str(&decision_text(&decisions));
    }
    out
}
