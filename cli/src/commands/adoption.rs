//! `mithril-compat quorum` and `mithril-compat adoption …`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use mithril_compat::ValidationError;
use mithril_compat::adoption::{
    AdoptionError, AdoptionMonitor, FileStore, QuorumError, StoreError, certificate_odds,
    format_probability, minimum_stake_share,
};
use mithril_compat::domain::{Epoch, EraName, ProtocolParameters};

/// Protocol parameters on the command line (mainnet's by default).
#[derive(Args, Clone, Copy)]
pub struct ParametersArgs {
    /// Quorum: winning lottery indices a certificate needs.
    #[arg(long, default_value_t = ProtocolParameters::MAINNET.k())]
    k: u64,
    /// Lottery indices drawn per message.
    #[arg(long, default_value_t = ProtocolParameters::MAINNET.m())]
    m: u64,
    /// Probability that all the stake wins one index.
    #[arg(long = "phi-f", default_value_t = ProtocolParameters::MAINNET.phi_f())]
    phi_f: f64,
}

impl ParametersArgs {
    fn parameters(self) -> Result<ProtocolParameters, AdoptionCliError> {
        Ok(ProtocolParameters::new(self.k, self.m, self.phi_f)?)
    }
}

/// Arguments of `quorum`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("question").required(true).args(["stake_share", "max_failure"])))]
pub struct QuorumArgs {
    #[command(flatten)]
    parameters: ParametersArgs,
    /// Print the probability of a certificate when signers holding this share of stake sign.
    #[arg(long)]
    stake_share: Option<f64>,
    /// Print the least stake share whose signers alone fail with at most this probability.
    #[arg(long)]
    max_failure: Option<f64>,
}

/// Adoption commands.
#[derive(Subcommand)]
pub enum AdoptionCommand {
    /// Prints the adoption report of an epoch from a records file.
    Report {
        /// The records file (JSON lines, as the aggregator's file store writes it).
        #[arg(long)]
        records: PathBuf,
        /// The epoch of the registrations.
        #[arg(long)]
        epoch: u64,
        /// The era whose readiness is reported.
        #[arg(long, default_value = "lagrange")]
        era: String,
        #[command(flatten)]
        parameters: ParametersArgs,
        /// Machine-readable JSON instead of the table.
        #[arg(long, conflicts_with = "prometheus")]
        json: bool,
        /// Prometheus text exposition instead of the table.
        #[arg(long)]
        prometheus: bool,
    },
    /// Drops a last line cut short by a crash of the writer. Run it only when no writer has the
    /// file open: `report` never changes the file.
    Repair {
        /// The records file.
        #[arg(long)]
        records: PathBuf,
    },
}

/// A failure of these commands.
#[derive(Debug, thiserror::Error)]
pub enum AdoptionCliError {
    #[error("invalid protocol parameters: {0}")]
    Parameters(#[from] ValidationError),
    #[error(transparent)]
    Quorum(#[from] QuorumError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Adoption(#[from] AdoptionError),
    #[error("invalid era name: {0}")]
    Era(ValidationError),
}

/// Runs `quorum`; returns what to print.
pub fn quorum(args: QuorumArgs) -> Result<String, AdoptionCliError> {
    let parameters = args.parameters.parameters()?;
    let (k, m, phi_f) = (parameters.k(), parameters.m(), parameters.phi_f());
    if let Some(share) = args.stake_share {
        let odds = certificate_odds(&parameters, share)?;
        return Ok(format!(
            "k={k} m={m} phi_f={phi_f} stake share {share}: P(certificate) = {} (failure {:e})\n",
            format_probability(odds.success, odds.failure),
            odds.failure
        ));
    }
    let target = args.max_failure.expect("clap requires one of the two");
    Ok(match minimum_stake_share(&parameters, target)? {
        Some(share) => format!(
            "k={k} m={m} phi_f={phi_f}: a stake share of at least {share:.6} fails with probability at most {target:e}\n"
        ),
        None => format!(
            "k={k} m={m} phi_f={phi_f}: even all the stake fails with probability above {target:e}\n"
        ),
    })
}

/// Runs an adoption command; returns what to print.
pub fn run(command: AdoptionCommand) -> Result<String, AdoptionCliError> {
    match command {
        AdoptionCommand::Report {
            records,
            epoch,
            era,
            parameters,
            json,
            prometheus,
        } => {
            // A reader: the file is read, never written (a writer may be completing its last
            // line).
            let snapshot = FileStore::snapshot(&records)?;
            if snapshot.torn_tail {
                eprintln!(
                    "note: {}: the last line is incomplete (being written?): left out",
                    records.display()
                );
            }
            let store = snapshot.store;
            let era = EraName::new(era).map_err(AdoptionCliError::Era)?;
            let monitor = AdoptionMonitor::new(store, parameters.parameters()?, era);
            let report = monitor.report(Epoch(epoch))?;
            Ok(if json {
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&report).expect("reports serialize")
                )
            } else if prometheus {
                report.to_prometheus()
            } else {
                report.to_string()
            })
        }
        AdoptionCommand::Repair { records } => Ok(if FileStore::repair(&records)? {
            format!("{}: dropped an incomplete last line\n", records.display())
        } else {
            format!("{}: nothing to repair\n", records.display())
        }),
    }
}
