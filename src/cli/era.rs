//! `mithril-compat era …`: keys, signing, verification and inspection of era markers.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use mithril_compat::domain::Epoch;
use mithril_compat::era::{
    Era, EraMarker, EraReader, EraSigningKey, EraVerificationKey, FileSource, MarkerError,
    MarkerSource, MarkersContent, NetworkMagic, REGISTRATION_PIPELINE_EPOCHS, ReaderState,
    SignedMarkers, check_read, schedule,
};
use mithril_compat::mithril::era_datum::{
    self, DatumError, MithrilEraPayload, MithrilEraReader, MithrilReaderState,
};
use mithril_compat::mithril::plutus;

/// Which format of era markers a command reads or writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum MarkerFormat {
    /// This library's signed payloads (network, sequence, canonical bytes).
    #[default]
    Compat,
    /// Mithril's on-chain era datum, as every deployed Mithril node reads it; key files in
    /// Mithril's JSON-hex form.
    Mithril,
}

/// Era marker commands.
#[derive(Subcommand)]
pub enum EraCommand {
    /// Generates an era key pair: the secret key signs payloads, nodes verify them with the
    /// verification key. Both files hold hex (`--format mithril`: Mithril's JSON-hex key files).
    Keygen {
        /// The key files' format.
        #[arg(long, value_enum, default_value_t)]
        format: MarkerFormat,
        /// Where to write the secret key (refuses to overwrite).
        #[arg(long)]
        secret_key: PathBuf,
        /// Where to write the verification key.
        #[arg(long)]
        verification_key: PathBuf,
    },
    /// Signs a schedule and prints the payload's text form (for a chain datum or a file).
    Sign {
        /// Network magic (764824073 mainnet, 1 preprod, 2 preview).
        #[arg(long)]
        network: u32,
        /// Sequence number: higher than every payload published before.
        #[arg(long)]
        seq: u64,
        /// JSON file of markers: `[{"name": "pythagoras", "epoch": 0}, {"name": "lagrange"}]`.
        #[arg(long)]
        markers: PathBuf,
        /// The secret key file.
        #[arg(long)]
        secret_key: PathBuf,
        /// The current epoch: refuses activations sooner than the registration pipeline allows.
        #[arg(long)]
        current_epoch: Option<u64>,
    },
    /// Writes the datum Mithril's `era generate-tx-datum` writes (`--format mithril`): one
    /// marker per era this build knows, the first at `--current-era-epoch`, the next at
    /// `--next-era-epoch` or announced. With `--network` and `--seq` the payload also carries
    /// this library's envelope, which Mithril's readers ignore.
    Datum {
        /// Only `mithril`.
        #[arg(long, value_enum)]
        format: MarkerFormat,
        /// Mithril's JSON-hex era secret key file.
        #[arg(long)]
        secret_key: PathBuf,
        /// The epoch of the current era.
        #[arg(long)]
        current_era_epoch: u64,
        /// The epoch the next era starts at (absent: announced only).
        #[arg(long)]
        next_era_epoch: Option<u64>,
        /// Network magic of the envelope (with `--seq`).
        #[arg(long, requires = "seq")]
        network: Option<u32>,
        /// Sequence number of the envelope (with `--network`).
        #[arg(long, requires = "network")]
        seq: Option<u64>,
        /// Writes the hex of the Plutus data CBOR instead of cardano-cli's datum JSON.
        #[arg(long)]
        cbor: bool,
    },
    /// Verifies a payload (from a file or stdin) and prints what it says. With `--format
    /// mithril`: reads a datum JSON, a `cardano-cli query utxo` JSON or Plutus data CBOR hex,
    /// selects as Mithril's reader does, and prints the verified markers as JSON.
    Verify {
        /// The payload's format.
        #[arg(long, value_enum, default_value_t)]
        format: MarkerFormat,
        /// The verification key file.
        #[arg(long)]
        verification_key: PathBuf,
        /// Network magic the payload must be for (`--format mithril`: only payloads that carry
        /// the envelope are checked against it).
        #[arg(long)]
        network: Option<u32>,
        /// Refuses Mithril payloads without this library's envelope.
        #[arg(long)]
        require_envelope: bool,
        /// The payload or datum file; stdin when absent.
        #[arg(long = "datum")]
        datum: Option<PathBuf>,
        /// The payload file (text form); stdin when absent.
        payload: Option<PathBuf>,
    },
    /// Shows the current and next era at an epoch, and what this build says about them.
    Show(ShowArgs),
}

/// Arguments of `era show`.
#[derive(Args)]
pub struct ShowArgs {
    /// The epoch to look at.
    #[arg(long)]
    epoch: u64,
    /// A file of payloads, one per line (what a node reads).
    #[arg(long)]
    markers_file: PathBuf,
    /// The verification key file.
    #[arg(long)]
    verification_key: PathBuf,
    /// Network magic.
    #[arg(long)]
    network: u32,
}

/// An era command's failure.
#[derive(Debug, thiserror::Error)]
pub enum EraCliError {
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{0}")]
    Marker(#[from] MarkerError),
    #[error("{0}")]
    Datum(#[from] DatumError),
    #[error("{path}: invalid markers JSON: {source}")]
    MarkersJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "era {era} at epoch {epoch} is too soon: from epoch {current} the earliest activation is \
         epoch {earliest} (registrations made at epoch e sign at e + {REGISTRATION_PIPELINE_EPOCHS})"
    )]
    TooSoon {
        era: String,
        epoch: u64,
        current: u64,
        earliest: u64,
    },
    #[error("{0}")]
    Refused(String),
}

fn read_file(path: &Path) -> Result<String, EraCliError> {
    fs::read_to_string(path).map_err(|error| EraCliError::File {
        path: path.to_owned(),
        reason: error.to_string(),
    })
}

fn write_new(path: &Path, text: &str) -> Result<(), EraCliError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|error| EraCliError::File {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    std::io::Write::write_all(&mut file, format!("{text}\n").as_bytes()).map_err(|error| {
        EraCliError::File {
            path: path.to_owned(),
            reason: error.to_string(),
        }
    })
}

/// Runs an era command; returns what to print on stdout.
pub fn run(command: EraCommand) -> Result<String, EraCliError> {
    match command {
        EraCommand::Keygen {
            format,
            secret_key,
            verification_key,
        } => {
            let key = EraSigningKey::generate()
                .map_err(|error| EraCliError::Refused(format!("no randomness: {error}")))?;
            let (secret_text, verification_text) = match format {
                MarkerFormat::Compat => (key.to_hex(), key.verification_key().to_hex()),
                MarkerFormat::Mithril => (
                    era_datum::secret_key_file(&key),
                    era_datum::verification_key_file(&key.verification_key()),
                ),
            };
            write_new(&secret_key, &secret_text)?;
            if let Err(error) = write_new(&verification_key, &verification_text) {
                // Do not leave a secret key without its verification key.
                let _ = fs::remove_file(&secret_key);
                return Err(error);
            }
            Ok(format!(
                "secret key: {}\nverification key: {} ({})\n",
                secret_key.display(),
                verification_key.display(),
                key.verification_key().to_hex()
            ))
        }
        EraCommand::Sign {
            network,
            seq,
            markers,
            secret_key,
            current_epoch,
        } => {
            let list: Vec<EraMarker> =
                serde_json::from_str(&read_file(&markers)?).map_err(|source| {
                    EraCliError::MarkersJson {
                        path: markers.clone(),
                        source,
                    }
                })?;
            if let Some(current) = current_epoch {
                let earliest = current.saturating_add(REGISTRATION_PIPELINE_EPOCHS);
                if let Some(marker) = list.iter().find(|marker| {
                    marker
                        .epoch
                        .is_some_and(|epoch| epoch.0 > current && epoch.0 < earliest)
                }) {
                    return Err(EraCliError::TooSoon {
                        era: marker.name.to_string(),
                        epoch: marker.epoch.map_or(0, |epoch| epoch.0),
                        current,
                        earliest,
                    });
                }
            }
            let key = EraSigningKey::from_hex(&read_file(&secret_key)?)?;
            let content = MarkersContent::new(NetworkMagic(network), seq, list)?;
            Ok(format!(
                "{}\n",
                SignedMarkers::sign(content, &key).to_text()
            ))
        }
        EraCommand::Datum {
            format,
            secret_key,
            current_era_epoch,
            next_era_epoch,
            network,
            seq,
            cbor,
        } => {
            if format != MarkerFormat::Mithril {
                return Err(EraCliError::Refused(
                    "era datum writes Mithril's datum: use --format mithril (compat payloads come \
                     from era sign)"
                        .into(),
                ));
            }
            let key = era_datum::read_secret_key_file(&read_file(&secret_key)?)?;
            let markers = era_datum::generate_markers(Era::ALL, current_era_epoch, next_era_epoch)?;
            let envelope = network
                .zip(seq)
                .map(|(network, seq)| (NetworkMagic(network), seq));
            let payload = MithrilEraPayload::sign(markers, &key, envelope);
            if cbor {
                Ok(format!("{}\n", hex::encode(plutus::datum_cbor(&payload))))
            } else {
                Ok(format!("{}\n", era_datum::datum_json(&payload)))
            }
        }
        EraCommand::Verify {
            format: MarkerFormat::Mithril,
            verification_key,
            network,
            require_envelope,
            datum,
            payload,
        } => verify_mithril(
            &read_file(&verification_key)?,
            network,
            require_envelope,
            &read_input(datum.or(payload))?,
        ),
        EraCommand::Verify {
            format: MarkerFormat::Compat,
            verification_key,
            network,
            require_envelope: _,
            datum,
            payload,
        } => {
            let network = network.ok_or_else(|| {
                EraCliError::Refused("--network is required for compat payloads".into())
            })?;
            let key = EraVerificationKey::from_hex(&read_file(&verification_key)?)?;
            let text = match datum.or(payload) {
                Some(path) => read_file(&path)?,
                None => {
                    let mut text = String::new();
                    std::io::stdin()
                        .read_to_string(&mut text)
                        .map_err(|error| EraCliError::Refused(format!("stdin: {error}")))?;
                    text
                }
            };
            let signed = SignedMarkers::from_text(&text)?;
            let content = signed.verify(&key, NetworkMagic(network))?;
            let mut out = format!(
                "valid: {}, sequence {}\n",
                content.network(),
                content.sequence()
            );
            for marker in content.markers() {
                out.push_str(&format!("  {marker}\n"));
            }
            Ok(out)
        }
        EraCommand::Show(args) => show(args),
    }
}

fn read_input(path: Option<PathBuf>) -> Result<String, EraCliError> {
    match path {
        Some(path) => read_file(&path),
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|error| EraCliError::Refused(format!("stdin: {error}")))?;
            Ok(text)
        }
    }
}

/// `era verify --format mithril`: the verified markers as JSON, or the reasons none verified.
fn verify_mithril(
    key_file: &str,
    network: Option<u32>,
    require_envelope: bool,
    input: &str,
) -> Result<String, EraCliError> {
    let key = era_datum::read_verification_key_file(key_file)?;
    let mut reader = match network {
        Some(network) => MithrilEraReader::new(key, NetworkMagic(network)),
        None => MithrilEraReader::any_network(key),
    };
    if require_envelope {
        reader = reader.requiring_envelope();
    }
    let datums = era_datum::datums_from_text(input)?;
    let report = reader.read(&datums, &MithrilReaderState::default(), Epoch(0));
    let rejected: Vec<String> = report
        .rejected
        .iter()
        .map(|rejection| format!("datum #{}: {}", rejection.index, rejection.reason))
        .collect();
    let (Some(index), Some(accepted)) = (report.selected, report.state.accepted) else {
        return Err(EraCliError::Refused(if rejected.is_empty() {
            "no datum found".into()
        } else {
            format!("no era datum verifies:\n  {}", rejected.join("\n  "))
        }));
    };
    let out = serde_json::json!({
        "selected": index,
        "markers": era_datum::from_era_markers(&accepted.markers),
        "sequence": accepted.sequence,
        "rejected": rejected,
        "disagreeing": report.disagreeing,
    });
    Ok(format!(
        "{}\n",
        serde_json::to_string_pretty(&out).expect("JSON serializes")
    ))
}

fn show(args: ShowArgs) -> Result<String, EraCliError> {
    let key = EraVerificationKey::from_hex(&read_file(&args.verification_key)?)?;
    let source = FileSource::new(&args.markers_file);
    let payload_count = source.read().map(|payloads| payloads.len()).unwrap_or(0);
    let epoch = Epoch(args.epoch);
    let report =
        EraReader::new(NetworkMagic(args.network), key).read(&source, &ReaderState::new(), epoch);
    let mut out = String::new();
    if let Some(error) = &report.source_error {
        return Err(EraCliError::Refused(error.to_string()));
    }
    for rejection in &report.rejected {
        out.push_str(&format!(
            "rejected payload #{} (sequence {}): {}\n",
            rejection.index,
            rejection
                .sequence
                .map_or_else(|| "?".to_owned(), |sequence| sequence.to_string()),
            rejection.reason
        ));
    }
    match report.state.highest_sequence() {
        Some(sequence) => out.push_str(&format!("accepted payload: sequence {sequence}\n")),
        None => out.push_str("accepted payload: none\n"),
    }
    let epochs = schedule(report.state.markers(), epoch).map_err(MarkerError::from)?;
    match &epochs.current {
        Some(current) => out.push_str(&format!(
            "epoch {epoch}: current era {} (since epoch {})\n",
            current.name, current.since
        )),
        None => out.push_str(&format!("epoch {epoch}: no current era\n")),
    }
    match &epochs.next {
        Some(next) => match next.epoch {
            Some(at) => out.push_str(&format!("next era: {} at epoch {at}\n", next.name)),
            None => out.push_str(&format!("next era: {} (announced)\n", next.name)),
        },
        None => out.push_str("next era: none\n"),
    }
    let status = check_read(&report, payload_count, epoch, Era::ALL);
    out.push_str(&format!(
        "this build (eras {}): {status}\n",
        Era::ALL
            .iter()
            .map(|era| era.name())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(out)
}
