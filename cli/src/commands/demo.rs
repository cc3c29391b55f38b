//! `mithril-compat demo`, the default command.

use crate::demo::{Curve, DemoConfig, DemoError, DemoScenario, Faults, Transport, run as run_demo};
use clap::Args;

/// Arguments of `demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Number of signers (heavy-tailed stake, like real pools).
    #[arg(long, default_value_t = DemoConfig::default().signers)]
    signers: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = DemoConfig::default().seed)]
    seed: u64,
    /// Number of epochs.
    #[arg(long, default_value_t = DemoConfig::default().epochs)]
    epochs: u64,
    /// Adoption curve of the v2-capable release: fast, steady or slow.
    #[arg(long, default_value = "steady")]
    curve: Curve,
    /// Share of signers (the smallest pools) that never upgrade.
    #[arg(long, default_value_t = DemoConfig::default().never_upgrade)]
    never_upgrade: f64,
    /// Inject no faults (by default one signer signs the wrong message at epoch 3, and the
    /// aggregator rejects it).
    #[arg(long)]
    no_faults: bool,
    /// How signers reach the aggregator: grpc; http (protobuf over today's routes); or mixed
    /// (today's JSON nodes, protobuf v1 and v2 signers over HTTP, one aggregator).
    #[arg(long, default_value = "grpc")]
    transport: Transport,
    /// What the rollout goes through: rollout (the release works), or faulty-next-era (its
    /// lagrange code fails for 45% of the upgraded stake: their shadow signatures are refused,
    /// and the gate waits and says why).
    #[arg(long, default_value = "rollout")]
    scenario: DemoScenario,
    /// Write the certificate chain here: one JSON file per certificate, as Mithril's aggregator
    /// serves it at `GET /certificate/{hash}`, `certificates.json` (the hashes, latest first) and
    /// the genesis verification key `genesis.vkey`.
    #[arg(long, value_name = "DIR")]
    chain_dir: Option<std::path::PathBuf>,
    /// Serve the aggregator's HTTP routes on this address, with the adoption dashboard at
    /// `/adoption` (refreshing itself every 2 s) and its data at `/adoption.json`.
    #[arg(long, value_name = "ADDR")]
    dashboard: Option<std::net::SocketAddr>,
    /// Seconds to keep serving after the last epoch, for a browser to look at the dashboard.
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    linger: u64,
    /// Also write the chart of the run to this SVG file: stake by release, verified and proven
    /// stake, the probability of an epoch without a certificate, and the switch.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<String>,
    /// Machine-readable JSON instead of the table.
    #[arg(long)]
    json: bool,
}

impl Default for DemoArgs {
    fn default() -> Self {
        let config = DemoConfig::default();
        Self {
            signers: config.signers,
            seed: config.seed,
            epochs: config.epochs,
            curve: config.curve,
            never_upgrade: config.never_upgrade,
            no_faults: false,
            transport: config.transport,
            scenario: config.scenario,
            dashboard: None,
            linger: 0,
            plot: None,
            chain_dir: None,
            json: false,
        }
    }
}

/// Runs the demo; returns what to print.
pub fn run(args: DemoArgs) -> Result<String, DemoError> {
    let config = DemoConfig {
        signers: args.signers.max(2),
        seed: args.seed,
        epochs: args.epochs.max(1),
        curve: args.curve,
        never_upgrade: args.never_upgrade.clamp(0.0, 1.0),
        faults: if args.no_faults {
            Faults::none()
        } else {
            Faults::default()
        },
        transport: args.transport,
        scenario: args.scenario,
        dashboard: args.dashboard,
        linger_seconds: args.linger,
        chain_dir: args.chain_dir,
    };
    if let Some(address) = config.dashboard {
        eprintln!("dashboard: http://{address}/adoption (data: /adoption.json)");
    }
    let report = run_demo(&config)?;
    if let Some(path) = &args.plot {
        let svg = crate::plot::demo_svg(&report)
            .map_err(|reason| DemoError::Setup(format!("--plot {path}: {reason}")))?;
        std::fs::write(path, svg)
            .map_err(|error| DemoError::Setup(format!("--plot {path}: {error}")))?;
    }
    Ok(if args.json {
        format!(
            "{}\n",
            serde_json::to_string_pretty(&report).expect("reports serialize")
        )
    } else {
        format!(
            "Rolling upgrade: {} signers, {} epochs, {:?} adoption, seed {}, {:?} transport, {:?} scenario\n\n{}",
            config.signers,
            config.epochs,
            config.curve,
            config.seed,
            config.transport,
            config.scenario,
            report.table()
        )
    })
}
