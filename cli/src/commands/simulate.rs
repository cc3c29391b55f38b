//! `mithril-compat simulate`.

use crate::simulate::{SimulationConfig, compare, table};
use clap::Args;

/// Arguments of `simulate`.
#[derive(Args)]
pub struct SimulateArgs {
    /// Signers per run.
    #[arg(long, default_value_t = SimulationConfig::default().signers)]
    signers: usize,
    /// Epochs per run.
    #[arg(long, default_value_t = SimulationConfig::default().epochs)]
    epochs: u64,
    /// Runs (seeds) per scenario and rule.
    #[arg(long, default_value_t = SimulationConfig::default().seeds)]
    seeds: u64,
    /// Stake floor of the quorum-aware gate.
    #[arg(long, default_value_t = SimulationConfig::default().stake_floor)]
    floor: f64,
    /// Machine-readable JSON instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs the simulation; returns what to print.
pub fn run(args: SimulateArgs) -> String {
    let config = SimulationConfig {
        signers: args.signers.max(1),
        epochs: args.epochs.max(1),
        seeds: args.seeds.max(1),
        stake_floor: args.floor.clamp(0.0, 1.0),
        ..SimulationConfig::default()
    };
    let comparisons = compare(&config);
    if args.json {
        format!(
            "{}\n",
            serde_json::to_string_pretty(&comparisons).expect("comparisons serialize")
        )
    } else {
        table(&config, &comparisons)
    }
}
