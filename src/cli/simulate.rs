//! `mithril-compat simulate`.

use clap::Args;
use mithril_compat::domain::ProtocolParameters;
use mithril_compat::simulate::{SimulationConfig, compare, table};

/// Arguments of `simulate`.
#[derive(Args)]
pub struct SimulateArgs {
    /// Signers per run.
    #[arg(long, default_value_t = 3000)]
    signers: usize,
    /// Epochs per run.
    #[arg(long, default_value_t = 60)]
    epochs: u64,
    /// Runs (seeds) per scenario and rule.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// Stake floor of the quorum-aware gate.
    #[arg(long, default_value_t = 0.95)]
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
        parameters: ProtocolParameters::new(1944, 16948, 0.2).expect("mainnet"),
        stake_floor: args.floor.clamp(0.0, 1.0),
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
