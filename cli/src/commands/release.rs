//! `mithril-compat release …`: signed release manifests, from the release team's key to the
//! node that checks a downloaded file against what the network announced.

use std::fs;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use mithril_compat::domain::{Epoch, EraName, NetworkMagic};
use mithril_compat::era::{
    EraSigningKey, EraVerificationKey, MarkerError, MarkerStateStore, StateStoreError,
};
use mithril_compat::release::{
    Accepted, ArtifactDigest, KeyRotation, ReleaseError, ReleaseManifest, ReleaseState,
    ReleaseVerifier, SignedRelease,
};

/// Release manifest commands.
#[derive(Subcommand)]
pub enum ReleaseCommand {
    /// Generates a release key pair (hex files, as `era keygen` writes them).
    Keygen {
        /// Where to write the secret key (refuses to overwrite).
        #[arg(long)]
        secret_key: PathBuf,
        /// Where to write the verification key.
        #[arg(long)]
        verification_key: PathBuf,
    },
    /// Signs a release manifest and prints the datum that publishes it (cardano-cli's
    /// detailed-schema JSON, or with `--cbor` the hex of its Plutus data CBOR).
    Sign {
        /// The release secret key file (hex).
        #[arg(long)]
        secret_key: PathBuf,
        /// Network magic (764824073 mainnet, 1 preprod, 2 preview).
        #[arg(long)]
        network: u32,
        /// Sequence number: higher than every statement the key published before.
        #[arg(long)]
        seq: u64,
        /// The node software version (`0.2.5`).
        #[arg(long)]
        software_version: String,
        /// The distribution version (`2543.0`).
        #[arg(long)]
        distribution_version: String,
        /// An era the release runs (repeat for each).
        #[arg(long = "era", required = true)]
        eras: Vec<String>,
        /// A wire version the release speaks (repeat for each: json, v1, v2).
        #[arg(long = "wire")]
        wire_versions: Vec<String>,
        /// `PLATFORM=FILE`: an artifact, whose SHA-256 the manifest carries (repeat for each).
        #[arg(long = "artifact", value_name = "PLATFORM=FILE")]
        artifacts: Vec<String>,
        /// `PLATFORM=SHA256`: an artifact by its digest (repeat for each).
        #[arg(long = "artifact-digest", value_name = "PLATFORM=SHA256")]
        artifact_digests: Vec<String>,
        /// The epoch the manifest is issued at.
        #[arg(long)]
        issued_epoch: u64,
        /// The last epoch a node may accept the manifest at.
        #[arg(long)]
        expires_epoch: u64,
        /// The epoch by which nodes are expected to run the release.
        #[arg(long)]
        deadline_epoch: Option<u64>,
        /// Writes the hex of the Plutus data CBOR instead of the datum JSON.
        #[arg(long)]
        cbor: bool,
    },
    /// Signs a key rotation with the current release key and prints its datum: once nodes
    /// accept it, only the next key signs, and the current one is revoked.
    Rotate {
        /// The current release secret key file.
        #[arg(long)]
        secret_key: PathBuf,
        /// The next key's verification key file.
        #[arg(long)]
        next_verification_key: PathBuf,
        /// Network magic.
        #[arg(long)]
        network: u32,
        /// Sequence number (one sequence with the manifests).
        #[arg(long)]
        seq: u64,
        /// Writes the hex of the Plutus data CBOR instead of the datum JSON.
        #[arg(long)]
        cbor: bool,
    },
    /// Verifies the release statements of a file (a datum JSON, a `cardano-cli query utxo`
    /// JSON, Plutus data CBOR hex, or a payload JSON) and, with `--artifact`, whether a file is
    /// what the manifest in force announces. With `--state`, what was accepted is kept, and
    /// replays and rollbacks are refused against it.
    Verify {
        /// The file with the release datum(s).
        #[arg(long)]
        manifest: PathBuf,
        /// The release verification key file (the root key the node trusts).
        #[arg(long)]
        verification_key: PathBuf,
        /// Network magic.
        #[arg(long)]
        network: u32,
        /// The current epoch (expired manifests are refused).
        #[arg(long)]
        epoch: u64,
        /// A file to check against the manifest in force.
        #[arg(long)]
        artifact: Option<PathBuf>,
        /// The artifact's platform (absent: any platform the manifest lists).
        #[arg(long, requires = "artifact")]
        platform: Option<String>,
        /// The marker-state file: what this node accepted before, kept between runs.
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Prints the statements of a file as JSON, verified when a key and network are given.
    Show {
        /// The file with the release datum(s).
        #[arg(long)]
        manifest: PathBuf,
        /// The release verification key file.
        #[arg(long, requires = "network")]
        verification_key: Option<PathBuf>,
        /// Network magic.
        #[arg(long)]
        network: Option<u32>,
    },
}

/// A release command's failure.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseCliError {
    #[error(transparent)]
    File(#[from] super::files::FileError),
    #[error("{0}")]
    Release(#[from] ReleaseError),
    #[error("{0}")]
    Key(#[from] MarkerError),
    #[error("{0}")]
    State(#[from] StateStoreError),
    #[error("{0}")]
    Usage(String),
}

fn read_file(path: &Path) -> Result<String, ReleaseCliError> {
    Ok(super::files::read_text(path)?)
}

fn split_pair(text: &str) -> Result<(&str, &str), ReleaseCliError> {
    text.split_once('=')
        .ok_or_else(|| ReleaseCliError::Usage(format!("{text:?} is not PLATFORM=VALUE")))
}

fn datum(payload: &SignedRelease, cbor: bool) -> String {
    if cbor {
        format!("{}\n", hex::encode(payload.datum_cbor()))
    } else {
        format!("{}\n", payload.datum_json())
    }
}

/// The text the verifier reads: a payload JSON is turned into the hex its datum carries.
fn datums_text(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.starts_with('{')
        && (trimmed.contains("\"manifest\"") || trimmed.contains("\"rotation\""))
        && !trimmed.contains("\"fields\"")
    {
        hex::encode(trimmed)
    } else {
        trimmed.to_owned()
    }
}

fn verifier_for(verification_key: &Path, network: u32) -> Result<ReleaseVerifier, ReleaseCliError> {
    let key = EraVerificationKey::from_hex(&read_file(verification_key)?)?;
    Ok(ReleaseVerifier::new(NetworkMagic(network), key))
}

fn describe(manifest: &ReleaseManifest) -> String {
    let eras: Vec<String> = manifest.eras.iter().map(ToString::to_string).collect();
    let deadline = manifest
        .deadline_epoch
        .map(|epoch| format!(", expected by epoch {epoch}"))
        .unwrap_or_default();
    format!(
        "release {} (distribution {}), manifest {}: eras {}; wire {}; {} artifact(s); expires \
         after epoch {}{deadline}",
        manifest.software_version,
        manifest.distribution_version,
        manifest.sequence,
        eras.join(", "),
        manifest.wire_versions.join(", "),
        manifest.artifacts.len(),
        manifest.expires_epoch,
    )
}

/// Runs a release command; returns what to print on stdout.
pub fn run(command: ReleaseCommand) -> Result<String, ReleaseCliError> {
    match command {
        ReleaseCommand::Keygen {
            secret_key,
            verification_key,
        } => {
            let key = EraSigningKey::generate()
                .map_err(|error| ReleaseCliError::Usage(format!("no randomness: {error}")))?;
            super::files::write_key_pair(
                (&secret_key, &format!("{}\n", key.to_hex())),
                (
                    &verification_key,
                    &format!("{}\n", key.verification_key().to_hex()),
                ),
            )?;
            Ok(format!(
                "secret key: {}\nverification key: {} ({})\n",
                secret_key.display(),
                verification_key.display(),
                key.verification_key().to_hex()
            ))
        }
        ReleaseCommand::Sign {
            secret_key,
            network,
            seq,
            software_version,
            distribution_version,
            eras,
            wire_versions,
            artifacts,
            artifact_digests,
            issued_epoch,
            expires_epoch,
            deadline_epoch,
            cbor,
        } => {
            let key = EraSigningKey::from_hex(&read_file(&secret_key)?)?;
            let mut listed = std::collections::BTreeMap::new();
            for artifact in &artifacts {
                let (platform, path) = split_pair(artifact)?;
                let digest = fs::File::open(path)
                    .and_then(ArtifactDigest::of_reader)
                    .map_err(|error| super::files::FileError {
                        path: path.into(),
                        reason: error.to_string(),
                    })?;
                listed.insert(platform.to_owned(), digest);
            }
            for artifact in &artifact_digests {
                let (platform, digest) = split_pair(artifact)?;
                listed.insert(platform.to_owned(), ArtifactDigest::from_hex(digest)?);
            }
            let eras = eras
                .iter()
                .map(|name| {
                    EraName::new(name.as_str())
                        .map_err(|_| ReleaseCliError::Usage(format!("invalid era name {name:?}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let manifest = ReleaseManifest {
                network: NetworkMagic(network),
                sequence: seq,
                software_version,
                distribution_version,
                eras,
                wire_versions,
                artifacts: listed,
                issued_epoch: Epoch(issued_epoch),
                expires_epoch: Epoch(expires_epoch),
                deadline_epoch: deadline_epoch.map(Epoch),
                unknown_members: Default::default(),
            };
            Ok(datum(&SignedRelease::sign_manifest(&manifest, &key)?, cbor))
        }
        ReleaseCommand::Rotate {
            secret_key,
            next_verification_key,
            network,
            seq,
            cbor,
        } => {
            let key = EraSigningKey::from_hex(&read_file(&secret_key)?)?;
            let next = EraVerificationKey::from_hex(&read_file(&next_verification_key)?)?;
            let rotation = KeyRotation::new(NetworkMagic(network), seq, &next);
            Ok(datum(&SignedRelease::sign_rotation(&rotation, &key)?, cbor))
        }
        ReleaseCommand::Verify {
            manifest,
            verification_key,
            network,
            epoch,
            artifact,
            platform,
            state,
        } => {
            let verifier = verifier_for(&verification_key, network)?;
            let text = datums_text(&read_file(&manifest)?);
            let mut store = state.as_deref().map(MarkerStateStore::open).transpose()?;
            let mut release_state: ReleaseState = match &store {
                Some(store) => store.get(&verifier.state_key())?,
                None => ReleaseState::default(),
            };
            let report = verifier.read(&mut release_state, &text, Epoch(epoch))?;
            let mut out = String::new();
            for accepted in &report.accepted {
                match accepted {
                    Accepted::Manifest(manifest) => {
                        out.push_str(&format!("accepted: {}\n", describe(manifest)));
                    }
                    Accepted::Rotated { next } => {
                        out.push_str(&format!(
                            "accepted: key rotation, the release key is now {}\n",
                            next.to_hex()
                        ));
                    }
                    Accepted::Unchanged { sequence } => {
                        out.push_str(&format!(
                            "unchanged: statement {sequence} already accepted\n"
                        ));
                    }
                }
            }
            // A node reading the chain only notes a superseded statement; presented to be
            // verified, it is a replay.
            if let Some((_, sequence)) = report.superseded.first() {
                return Err(ReleaseError::Replay {
                    sequence: *sequence,
                    accepted: release_state.highest_sequence.unwrap_or(*sequence),
                }
                .into());
            }
            if let Some((index, error)) = report.rejections.first() {
                // The first refusal is the command's failure; the state is not written.
                let others = report.rejections.len() - 1;
                let more = if others > 0 {
                    format!(" (and {others} more refused)")
                } else {
                    String::new()
                };
                return Err(ReleaseCliError::Usage(format!(
                    "statement {} refused: {error}{more}",
                    index + 1
                )));
            }
            if let Some(store) = &mut store {
                store.put(&verifier.state_key(), &release_state)?;
            }
            let in_force = release_state.manifest();
            if let Some(path) = artifact {
                let manifest = in_force.ok_or(ReleaseError::NoManifest)?;
                let file = fs::File::open(&path).map_err(|error| super::files::FileError {
                    path: path.clone(),
                    reason: error.to_string(),
                })?;
                let matched = manifest.verify_artifact(platform.as_deref(), file)?;
                out.push_str(&format!(
                    "artifact {} matches the {matched} artifact of release {}\n",
                    path.display(),
                    manifest.software_version
                ));
            }
            Ok(out)
        }
        ReleaseCommand::Show {
            manifest,
            verification_key,
            network,
        } => {
            let text = datums_text(&read_file(&manifest)?);
            let verifier = match (verification_key, network) {
                (Some(key), Some(network)) => Some(verifier_for(&key, network)?),
                _ => None,
            };
            let datums = mithril_compat::mithril::era_datum::datums_from_text(&text)
                .map_err(|error| ReleaseError::Malformed(error.to_string()))?;
            let mut shown = Vec::new();
            for datum in datums {
                let entry = datum
                    .map_err(|error| ReleaseError::Malformed(error.to_string()))
                    .and_then(|hex| SignedRelease::from_json_hex(&hex))
                    .and_then(|payload| {
                        let verified = verifier.as_ref().map(|verifier| {
                            verifier
                                .check(&ReleaseState::default(), &payload, Epoch(0))
                                .map(|_| "verified".to_owned())
                                .unwrap_or_else(|error| format!("refused: {error}"))
                        });
                        Ok((payload.statement()?, verified))
                    });
                shown.push(match entry {
                    Ok((statement, verified)) => statement_json(&statement, verified),
                    Err(error) => serde_json::json!({ "error": error.to_string() }),
                });
            }
            Ok(format!(
                "{}\n",
                serde_json::to_string_pretty(&shown).expect("JSON values serialize")
            ))
        }
    }
}

fn statement_json(
    statement: &mithril_compat::release::Statement,
    verified: Option<String>,
) -> serde_json::Value {
    use mithril_compat::release::Statement;
    let mut value = match statement {
        Statement::Manifest(manifest) => serde_json::json!({
            "manifest": serde_json::from_str::<serde_json::Value>(&manifest.to_json())
                .expect("a manifest's JSON is JSON"),
        }),
        Statement::Rotation(rotation) => serde_json::json!({ "rotation": rotation }),
    };
    value["signature"] = serde_json::Value::String(
        verified.unwrap_or_else(|| "not verified (no --verification-key)".to_owned()),
    );
    value
}
