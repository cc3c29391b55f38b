//! `mithril-compat era …`: keys, signing, verification and inspection of era markers.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use mithril_compat::domain::Epoch;
use mithril_compat::era::{
    Era, EraMarker, EraReader, EraSigningKey, EraVerificationKey, FileSource, MarkerError,
    MarkerKind, MarkerSource, MarkerStateStore, MarkersContent, NetworkMagic,
    REGISTRATION_PIPELINE_EPOCHS, ReaderState, SignedMarkers, StateStoreError, check_read,
    entry_key, schedule,
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
        /// The current epoch: refuses a new or moved activation sooner than the registration
        /// pipeline allows, and any change to the era of an epoch at or before it, compared with
        /// the schedule published before (from the state file).
        #[arg(long)]
        current_epoch: u64,
        /// The marker-state file: what was published before, kept between runs.
        #[arg(long, default_value = DEFAULT_STATE_FILE)]
        state: PathBuf,
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
        /// With `--format mithril`: a marker-state file to check against and keep (replays and
        /// rewrites of the past of enveloped payloads are refused against it).
        #[arg(long, requires = "current_epoch")]
        state: Option<PathBuf>,
        /// With `--state`: the epoch the rules are applied at.
        #[arg(long)]
        current_epoch: Option<u64>,
        /// The payload or datum file; stdin when absent.
        #[arg(long = "datum")]
        datum: Option<PathBuf>,
        /// The payload file (text form); stdin when absent.
        payload: Option<PathBuf>,
    },
    /// Shows the current and next era at an epoch, and what this build says about them.
    Show(ShowArgs),
    /// Builds the unsigned transaction that publishes a datum (era markers, a protocol
    /// configuration or a release manifest) at the marker address, spending the UTxO that holds
    /// the previous datum, and prints it as the text envelope `cardano-cli transaction sign
    /// --tx-file` reads (then `cardano-cli transaction submit`). Built with the `publish`
    /// feature of mithril-compat-cli.
    #[cfg(feature = "publish")]
    Publish(PublishArgs),
}

/// Arguments of `era publish`.
#[cfg(feature = "publish")]
#[derive(Args)]
pub struct PublishArgs {
    /// The UTxOs that may be spent (the marker address's and the funding wallet's), as
    /// `cardano-cli query utxo --out-file` writes them.
    #[arg(long)]
    utxo: PathBuf,
    /// The marker address (bech32) the datum is published at.
    #[arg(long)]
    address: String,
    /// The datum: cardano-cli's detailed-schema JSON (what `era datum` and `release sign`
    /// print) or the hex of its Plutus data CBOR.
    #[arg(long)]
    datum: PathBuf,
    /// The change address (bech32).
    #[arg(long)]
    change: String,
    /// The ledger parameters, as `cardano-cli query protocol-parameters` writes them.
    #[arg(long)]
    protocol_params: PathBuf,
    /// Lovelace of the datum output (default: the minimum UTxO value for its size).
    #[arg(long)]
    lovelace: Option<u64>,
    /// Writes the text envelope to this file (refuses to overwrite) and prints a summary.
    #[arg(long)]
    out_file: Option<PathBuf>,
}

/// The marker-state file the CLI keeps between runs unless told another.
pub const DEFAULT_STATE_FILE: &str = "mithril-compat-era-state.json";

/// Arguments of `era show`.
#[derive(Args)]
pub struct ShowArgs {
    /// The marker-state file: what this node accepted before, kept between runs.
    #[arg(long, default_value = DEFAULT_STATE_FILE)]
    state: PathBuf,
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
    #[cfg(feature = "publish")]
    #[error("{0}")]
    Publish(#[from] mithril_compat::mithril::publish::PublishError),
    #[error(transparent)]
    File(#[from] super::files::FileError),
    #[error("{0}")]
    Marker(#[from] MarkerError),
    #[error("{0}")]
    Datum(#[from] DatumError),
    #[error("{0}")]
    State(#[from] StateStoreError),
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
    Ok(super::files::read_text(path)?)
}

/// Runs an era command; returns what to print on stdout.
pub fn run(command: EraCommand) -> Result<String, EraCliError> {
    match command {
        #[cfg(feature = "publish")]
        EraCommand::Publish(args) => publish(args),
        EraCommand::Keygen {
            format,
            secret_key,
            verification_key,
        } => {
            let key = EraSigningKey::generate()
                .map_err(|error| EraCliError::Refused(format!("no randomness: {error}")))?;
            let (secret_text, verification_text) = match format {
                MarkerFormat::Compat => (
                    format!("{}\n", key.to_hex()),
                    format!("{}\n", key.verification_key().to_hex()),
                ),
                // As upstream writes key files: the JSON-hex alone, no newline.
                MarkerFormat::Mithril => (
                    era_datum::secret_key_file(&key),
                    era_datum::verification_key_file(&key.verification_key()),
                ),
            };
            super::files::write_key_pair(
                (&secret_key, &secret_text),
                (&verification_key, &verification_text),
            )?;
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
            state,
        } => {
            let list: Vec<EraMarker> =
                serde_json::from_str(&read_file(&markers)?).map_err(|source| {
                    EraCliError::MarkersJson {
                        path: markers.clone(),
                        source,
                    }
                })?;
            let key = EraSigningKey::from_hex(&read_file(&secret_key)?)?;
            let network = NetworkMagic(network);
            let mut store = MarkerStateStore::open(&state)?;
            let entry = entry_key(
                network,
                MarkerKind::CompatEraPublished,
                &key.verification_key(),
            );
            let published: ReaderState = store.get(&entry)?;
            check_publication(&published, &list, seq, current_epoch, network, &key)?;
            let content = MarkersContent::new(network, seq, list)?;
            let signed = SignedMarkers::sign(content, &key);
            // The publisher's state: what it signed, so that the next payload is checked against
            // it.
            let report = EraReader::new(network, key.verification_key())
                .with_minimum_notice(0)
                .read_payloads(&[signed.to_text()], &published, Epoch(current_epoch));
            store.put(&entry, &report.state)?;
            Ok(format!("{}\n", signed.to_text()))
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
            state,
            current_epoch,
            datum,
            payload,
        } => verify_mithril(
            &read_file(&verification_key)?,
            network,
            require_envelope,
            state
                .as_deref()
                .map(|path| (path, Epoch(current_epoch.unwrap_or_default()))),
            &read_input(datum.or(payload))?,
        ),
        EraCommand::Verify {
            format: MarkerFormat::Compat,
            verification_key,
            network,
            require_envelope: _,
            state: _,
            current_epoch: _,
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

/// The rules `era sign` applies before it signs, against what was published before:
/// - the sequence is higher than the last one published;
/// - the era of every epoch at or before `current_epoch` stays what it was (restating the
///   current era's past start, as every payload does, is allowed);
/// - an activation that is new or moved is at least the registration pipeline away.
///
/// With nothing published yet, at most one marker may be at or before `current_epoch` (the era
/// in force), and every other activation must be far enough away.
fn check_publication(
    published: &ReaderState,
    markers: &[EraMarker],
    seq: u64,
    current_epoch: u64,
    network: NetworkMagic,
    key: &EraSigningKey,
) -> Result<(), EraCliError> {
    let earliest = current_epoch.saturating_add(REGISTRATION_PIPELINE_EPOCHS);
    let too_soon = |marker: &EraMarker| EraCliError::TooSoon {
        era: marker.name.to_string(),
        epoch: marker.epoch.map_or(0, |epoch| epoch.0),
        current: current_epoch,
        earliest,
    };
    match published.accepted() {
        Some(previous) => {
            if seq <= previous.sequence {
                return Err(MarkerError::Replay {
                    sequence: seq,
                    accepted: previous.sequence,
                }
                .into());
            }
            EraReader::new(network, key.verification_key())
                .check_transition(Some(previous), markers, Epoch(current_epoch))
                .map_err(|error| match error {
                    MarkerError::TooSoon { era, epoch, .. } => EraCliError::TooSoon {
                        era: era.to_string(),
                        epoch: epoch.0,
                        current: current_epoch,
                        earliest,
                    },
                    other => other.into(),
                })
        }
        None => {
            let mut past = markers
                .iter()
                .filter(|marker| marker.epoch.is_some_and(|epoch| epoch.0 <= current_epoch));
            let _in_force = past.next();
            if let Some(marker) = past.next() {
                return Err(EraCliError::Refused(format!(
                    "era {} at epoch {} is at or before the current epoch {current_epoch}, and \
                     nothing was published before: only the era in force may be",
                    marker.name,
                    marker.epoch.map_or(0, |epoch| epoch.0)
                )));
            }
            match markers.iter().find(|marker| {
                marker
                    .epoch
                    .is_some_and(|epoch| epoch.0 > current_epoch && epoch.0 < earliest)
            }) {
                Some(marker) => Err(too_soon(marker)),
                None => Ok(()),
            }
        }
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
    state: Option<(&Path, Epoch)>,
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
    let mut kept = match state {
        Some((path, _)) => {
            let store = MarkerStateStore::open(path)?;
            let entry = entry_key(
                NetworkMagic(network.unwrap_or(0)),
                MarkerKind::MithrilEra,
                &key,
            );
            let previous: MithrilReaderState = store.get(&entry)?;
            Some((store, entry, previous))
        }
        None => None,
    };
    let (previous, epoch) = match (&kept, state) {
        (Some((_, _, previous)), Some((_, epoch))) => (previous.clone(), epoch),
        _ => (MithrilReaderState::default(), Epoch(0)),
    };
    let report = reader.read(&datums, &previous, epoch);
    if let Some((store, entry, _)) = kept.as_mut() {
        store.put(entry, &report.state)?;
    }
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
    let network = NetworkMagic(args.network);
    let mut store = MarkerStateStore::open(&args.state)?;
    let entry = entry_key(network, MarkerKind::CompatEra, &key);
    let previous: ReaderState = store.get(&entry)?;
    let report = EraReader::new(network, key).read(&source, &previous, epoch);
    let mut out = String::new();
    if let Some(error) = &report.source_error {
        return Err(EraCliError::Refused(error.to_string()));
    }
    store.put(&entry, &report.state)?;
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

#[cfg(feature = "publish")]
fn publish(args: PublishArgs) -> Result<String, EraCliError> {
    use mithril_compat::mithril::publish::{
        LedgerParameters, PublishRequest, build_publish_transaction, datum_cbor_from_text,
        utxos_from_cardano_cli_json,
    };
    let request = PublishRequest {
        utxos: utxos_from_cardano_cli_json(&read_file(&args.utxo)?)?,
        marker_address: args.address,
        datum: datum_cbor_from_text(&read_file(&args.datum)?)?,
        change_address: args.change,
        parameters: LedgerParameters::from_cardano_cli_json(&read_file(&args.protocol_params)?)?,
        datum_lovelace: args.lovelace,
    };
    let built = build_publish_transaction(&request)?;
    let envelope = built.text_envelope();
    let Some(path) = args.out_file else {
        return Ok(envelope);
    };
    super::files::write_new(&path, &envelope)?;
    let inputs: Vec<String> = built.inputs.iter().map(|utxo| utxo.name()).collect();
    Ok(format!(
        "transaction {} written to {}\n  spends {}\n  datum output {} lovelace ({} bytes of \
         datum), change {} lovelace, fee {} lovelace for {} bytes once signed by {} key(s)\n  \
         next: cardano-cli conway transaction sign --tx-file {} --signing-key-file … \
         --out-file signed.tx; cardano-cli conway transaction submit --tx-file signed.tx\n",
        hex::encode(built.id),
        path.display(),
        inputs.join(", "),
        built.datum_lovelace,
        request.datum.len(),
        built.change,
        built.fee,
        built.signed_size,
        built.witnesses,
        path.display(),
    ))
}
