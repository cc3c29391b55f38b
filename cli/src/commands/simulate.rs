//! `mithril-compat simulate`.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::simulate::{
    Scenario, SimulationConfig, compare_with_progress, decision_table, decision_text, table,
};
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
    /// Also write the chart of the comparisons to this SVG file: the activation epochs of each
    /// rule in each scenario, and the runs with an epoch without a certificate.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<String>,
}

/// Why `simulate` failed.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// The chart could not be drawn or written.
    #[error("--plot {path}: {reason}")]
    Plot {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// The cut-offs of the decision table (shares of the signing stake).
const CUT_OFFS: [f64; 7] = [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4];

/// A progress bar on standard error when it is a terminal; hidden otherwise.
fn progress_bar(runs: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(runs);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} runs, {eta} left")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("simulating");
    bar
}

/// Runs the simulation; returns what to print.
pub fn run(args: SimulateArgs) -> Result<String, SimulateError> {
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
    let bar = progress_bar(Scenario::ALL.len() as u64 * config.seeds);
    let comparisons = compare_with_progress(&config, || bar.inc(1));
    bar.finish_and_clear();
    if let Some(path) = &args.plot {
        let path = PathBuf::from(path);
        let svg =
            crate::plot::simulation_svg(&comparisons).map_err(|reason| SimulateError::Plot {
                path: path.clone(),
                reason,
            })?;
        std::fs::write(&path, svg).map_err(|error| SimulateError::Plot {
            path: path.clone(),
            reason: error.to_string(),
        })?;
    }
    if args.json {
        // Today's shape: an array of comparisons.
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&comparisons).expect("comparisons serialize")
        ));
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
    Ok(out)
}
