//! `mithril-compat quorum` and `mithril-compat adoption …`.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use mithril_compat::ValidationError;
use mithril_compat::adoption::{
    AdoptionError, AdoptionMonitor, FileStore, ImportError, QuorumError, RecordStore, SqliteStore,
    StoreError, certificate_odds, format_probability, import_event_store, minimum_stake_share,
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
        /// The records: an SQLite database (as `serve --records` and `adoption import` write
        /// it) or a file of JSON lines (the file store), told apart by the file's first bytes.
        /// Either is only read, never written.
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
    /// Drops a last line cut short by a crash of the writer from a JSON-lines records file. Run
    /// it only when no writer has the file open: `report` never changes the file. (An SQLite
    /// records database never needs it.)
    Repair {
        /// The records file.
        #[arg(long)]
        records: PathBuf,
    },
    /// Forgets the registrations and signature counts of the epochs before `--before` in a
    /// records file (SQLite or JSON lines), keeping each party's first registration epoch (for
    /// exclusions by tenure). A report reads the signatures of its participation window (two
    /// epochs by default), so the reports of `--before` + 1 and later are unchanged. A JSON-lines
    /// file is rewritten atomically: run it only when no writer has that file open.
    Prune {
        /// The records file.
        #[arg(long)]
        records: PathBuf,
        /// The first epoch to keep.
        #[arg(long)]
        before: u64,
    },
    /// Imports the signer registrations an aggregator's monitoring event store recorded
    /// (`monitoring.sqlite3`, read without writing) into an SQLite records database, as
    /// header-only records: the epoch and version upstream's `signer_registration_summary` view
    /// gives them. Prints what was imported and what was skipped, by reason.
    Import {
        /// The aggregator's event store.
        #[arg(long)]
        event_store: PathBuf,
        /// The SQLite records database to import into (created when missing).
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
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("invalid era name: {0}")]
    Era(ValidationError),
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the records at `path` are an SQLite database (by the file's first bytes); anything
/// else, a missing file included, is read as JSON lines.
fn is_sqlite(path: &Path) -> Result<bool, StoreError> {
    let io = |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(io(error)),
    };
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    file.take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut header)
        .map_err(io)?;
    Ok(header == SQLITE_HEADER)
}

/// What `report` prints, from any store.
struct ReportFormat {
    era: String,
    parameters: ParametersArgs,
    json: bool,
    prometheus: bool,
}

impl ReportFormat {
    fn report<S: RecordStore>(
        self,
        store: S,
        epoch: u64,
        // A read error the store kept instead of returning it.
        read_error: impl FnOnce(&S) -> Option<StoreError>,
    ) -> Result<String, AdoptionCliError> {
        let era = EraName::new(self.era).map_err(AdoptionCliError::Era)?;
        let monitor = AdoptionMonitor::new(store, self.parameters.parameters()?, era);
        let report = monitor.report(Epoch(epoch));
        if let Some(error) = read_error(monitor.store()) {
            return Err(error.into());
        }
        let report = report?;
        Ok(if self.json {
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report).expect("reports serialize")
            )
        } else if self.prometheus {
            report.to_prometheus()
        } else {
            report.to_string()
        })
    }
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
            let format = ReportFormat {
                era,
                parameters,
                json,
                prometheus,
            };
            if is_sqlite(&records)? {
                // A read-only connection: a writer may be adding records meanwhile.
                let store = SqliteStore::open_read_only(&records)?;
                return format.report(store, epoch, SqliteStore::take_read_error);
            }
            // A reader: the file is read, never written (a writer may be completing its last
            // line).
            let snapshot = FileStore::snapshot(&records)?;
            if snapshot.torn_tail {
                eprintln!(
                    "note: {}: the last line is incomplete (being written?): left out",
                    records.display()
                );
            }
            format.report(snapshot.store, epoch, |_| None)
        }
        AdoptionCommand::Repair { records } => Ok(if is_sqlite(&records)? {
            format!(
                "{}: an SQLite database: nothing to repair (a write is all or nothing)\n",
                records.display()
            )
        } else if FileStore::repair(&records)? {
            format!("{}: dropped an incomplete last line\n", records.display())
        } else {
            format!("{}: nothing to repair\n", records.display())
        }),
        AdoptionCommand::Prune { records, before } => {
            let pruned = if is_sqlite(&records)? {
                SqliteStore::open(&records)?.prune_before(Epoch(before))?
            } else if records.exists() {
                FileStore::open(&records)?.prune_before(Epoch(before))?
            } else {
                return Err(StoreError::Io {
                    path: records.display().to_string(),
                    source: std::io::ErrorKind::NotFound.into(),
                }
                .into());
            };
            Ok(format!(
                "{}: forgot {pruned} of the epochs before {before}\n",
                records.display()
            ))
        }
        AdoptionCommand::Import {
            event_store,
            records,
        } => {
            let mut store = SqliteStore::open(&records)?;
            let summary = import_event_store(&event_store, &mut store)?;
            Ok(format!(
                "{} into {}:\n{summary}",
                event_store.display(),
                records.display()
            ))
        }
    }
}
