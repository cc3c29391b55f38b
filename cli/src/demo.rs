//! The rolling-upgrade demo (feature `demo`): an aggregator and tens of signers over loopback
//! gRPC, real STM signatures from `mithril-stm`, a soft update rolling out, the adoption gate,
//! a signed era marker, the switch to lagrange at one epoch, and a certificate every epoch.
//!
//! Simplifications, said plainly: epochs advance on a simulated clock; keys registered at an
//! epoch sign at that same epoch (the real pipeline is two epochs); the protocol parameters are
//! small so that it runs in seconds. Everything else is the library as a node crate uses it.

use std::collections::BTreeMap;
use std::sync::Arc;

use mithril_stm::{
    AggregateSignatureType, AncillaryGenesisData, AncillaryProofInput, Clerk, Initializer,
    KeyRegistration, MithrilMembershipDigest, Parameters,
    VerificationKeyProofOfPossessionForConcatenation,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use mithril_compat::adoption::{
    AdoptionMonitor, GateConfig, GateState, MemoryStore, ReadinessConfig, RegistrationWire,
    era_signal,
};
use mithril_compat::domain::{
    Epoch, EpochSettings, HashScheme, KeyBytes, NodeInfo, PartKey, PartyId, ProtocolMessage,
    ProtocolParameters, SignatureBytes, SignedEntityType, SignedMessage, Signer as HubSigner,
    SignerRegistration, SignerSet, SingleSignature, SoftwareVersion, Stake, WonIndexes,
};
use mithril_compat::era::{
    Era, EraMarker, EraReader, EraSigningKey, MarkersContent, NetworkMagic, ReaderState,
    SignedMarkers,
};
use mithril_compat::mithril::{signed_message, snark_avk};
use mithril_compat::transport::grpc::{
    AggregatorState, ClientError, InMemoryBackend, SignerClient, serve,
};
use mithril_compat::wire::WireVersion;

type D = MithrilMembershipDigest;

/// How fast signers upgrade to the v2-capable release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Curve {
    /// Most stake upgrades within three epochs.
    Fast,
    /// Upgrades spread over about six epochs.
    Steady,
    /// Upgrades spread over about ten epochs.
    Slow,
}

impl std::str::FromStr for Curve {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "fast" => Ok(Self::Fast),
            "steady" => Ok(Self::Steady),
            "slow" => Ok(Self::Slow),
            other => Err(format!("unknown curve {other:?} (fast, steady or slow)")),
        }
    }
}

/// What the demo runs.
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// Number of signers.
    pub signers: usize,
    /// Seed of every random choice (stakes, upgrade epochs, keys).
    pub seed: u64,
    /// Number of epochs.
    pub epochs: u64,
    /// The adoption curve.
    pub curve: Curve,
    /// Share of signers (the smallest pools) that never upgrade.
    pub never_upgrade: f64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            signers: 60,
            seed: 42,
            epochs: 14,
            curve: Curve::Steady,
            never_upgrade: 0.08,
        }
    }
}

/// One epoch of the demo.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EpochRow {
    /// The epoch.
    pub epoch: u64,
    /// The era in force.
    pub era: String,
    /// Share of registered stake running the v1-only release.
    pub v1_software_share: f64,
    /// Share of registered stake running the v2-capable release.
    pub v2_software_share: f64,
    /// Ready share for lagrange (declared and signed recently).
    pub ready_share: f64,
    /// Probability of an epoch without certificate if only the ready stake (less the margin)
    /// signs.
    pub failure_probability: f64,
    /// Single signatures accepted, by wire version.
    pub signatures_v1: usize,
    /// Single signatures accepted on v2.
    pub signatures_v2: usize,
    /// Signatures the aggregator rejected (forged, wrong message), with reasons in `notes`.
    pub rejected_signatures: usize,
    /// Signers warned to upgrade.
    pub warned: usize,
    /// Signers refused (too old for the era in force).
    pub refused: usize,
    /// The gate's state after the epoch.
    pub gate: GateState,
    /// Whether a certificate was produced and verified.
    pub certificate: bool,
    /// What happened.
    pub notes: Vec<String>,
}

/// The whole run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DemoReport {
    /// Per epoch.
    pub rows: Vec<EpochRow>,
    /// The activation epoch the gate proposed, if it locked in.
    pub proposed_activation: Option<u64>,
    /// The epoch lagrange became the era in force, if it did.
    pub activated_at: Option<u64>,
    /// Epochs without a certificate.
    pub epochs_without_certificate: usize,
}

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Setting up the endpoint failed.
    #[error("demo setup: {0}")]
    Setup(String),
    /// An STM operation failed where it must not.
    #[error("STM: {0}")]
    Stm(String),
    /// A call failed unexpectedly.
    #[error(transparent)]
    Client(#[from] ClientError),
}

fn stm<E: std::fmt::Display>(error: E) -> DemoError {
    DemoError::Stm(error.to_string())
}

fn setup<E: std::fmt::Display>(error: E) -> DemoError {
    DemoError::Setup(error.to_string())
}

struct Pool {
    party_id: PartyId,
    stake: u64,
    upgrade_epoch: Option<u64>,
}

fn pools(config: &DemoConfig) -> Vec<Pool> {
    let mut rng = ChaCha20Rng::seed_from_u64(config.seed);
    // Heavy-tailed stake (Pareto, alpha 1.2), largest first.
    let mut stakes: Vec<u64> = (0..config.signers)
        .map(|_| {
            let uniform = crate::simulate::uniform(&mut rng);
            (1_000_000.0 / (1.0 - uniform).powf(1.0 / 1.2)) as u64
        })
        .collect();
    stakes.sort_unstable_by(|a, b| b.cmp(a));
    let never = ((config.signers as f64) * config.never_upgrade).round() as usize;
    let (first, spread) = match config.curve {
        Curve::Fast => (2, 3),
        Curve::Steady => (2, 6),
        Curve::Slow => (3, 10),
    };
    stakes
        .into_iter()
        .enumerate()
        .map(|(rank, stake)| {
            let upgrade_epoch = (rank < config.signers - never).then(|| {
                // Earlier for larger pools on average, with noise.
                let position = rank as f64 / config.signers as f64;
                let noise = (rng.next_u64() % 3) as f64 - 1.0;
                first + ((position * spread as f64) + noise).max(0.0) as u64
            });
            Pool {
                party_id: mithril_compat::samples::pool_id(
                    config.seed.wrapping_mul(1000) + rank as u64,
                ),
                stake,
                upgrade_epoch,
            }
        })
        .collect()
}

/// The release signers run before they upgrade: v1 only, pythagoras only.
const V1_RELEASE: &str = "0.1.0";
/// The release they upgrade to: v1 and v2, pythagoras and lagrange.
const V2_RELEASE: &str = "0.2.0";

/// What a signer's software declares, and the wire versions it speaks.
fn node_info(upgraded: bool) -> (NodeInfo, &'static [WireVersion]) {
    let (version, eras, speaks): (&str, &[Era], &'static [WireVersion]) = if upgraded {
        (V2_RELEASE, Era::ALL, WireVersion::ALL)
    } else {
        (V1_RELEASE, &[Era::Pythagoras], &[WireVersion::V1])
    };
    let info = NodeInfo::new(
        SoftwareVersion::new(version).expect("valid"),
        eras.iter().map(|era| era.era_name()).collect(),
        speaks.iter().map(|version| version.id()).collect(),
    )
    .expect("valid");
    (info, speaks)
}

/// The message of a Mithril stake distribution at `epoch`, as upstream's signable builder makes
/// it: the next aggregate verification key (JSON-hex, as Mithril writes it), the hash of the next
/// protocol parameters, the current epoch, and, from lagrange on, the next SNARK aggregate
/// verification key. This build has no SNARK prover, so that key is the labelled test key of
/// [`mithril_compat::mithril::snark_avk::test_key`]. The demo's key registration is per epoch (see the
/// module's simplifications), so its AVK stands for the next epoch's.
fn protocol_message(
    epoch: u64,
    era: Era,
    next_avk_json_hex: &str,
    parameters: &ProtocolParameters,
    total_stake: u64,
) -> Result<SignedMessage, DemoError> {
    let mut message = ProtocolMessage::new();
    message.set(PartKey::NextAggregateVerificationKey, next_avk_json_hex);
    message.set(PartKey::NextProtocolParameters, parameters.mithril_hash());
    message.set(PartKey::CurrentEpoch, epoch.to_string());
    if era.hash_scheme() == HashScheme::Rigid {
        message.set(
            PartKey::NextSnarkAggregateVerificationKey,
            snark_avk::test_key(total_stake),
        );
    }
    signed_message::compose(era, &message).map_err(setup)
}

/// Runs the demo on a runtime of its own.
pub fn run(config: &DemoConfig) -> Result<DemoReport, DemoError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(setup)?
        .block_on(run_async(config))
}

/// Runs the demo on the current runtime.
pub async fn run_async(config: &DemoConfig) -> Result<DemoReport, DemoError> {
    let network = NetworkMagic::PREPROD;
    let stm_parameters = Parameters {
        k: 10,
        m: 100,
        phi_f: 0.65,
    };
    let parameters =
        ProtocolParameters::new(stm_parameters.k, stm_parameters.m, stm_parameters.phi_f)
            .map_err(setup)?;
    let pools = pools(config);

    // The release team's era key, and the first payload: pythagoras, lagrange announced.
    let era_key = EraSigningKey::from_bytes(&[7; 32]);
    let reader = EraReader::new(network, era_key.verification_key());
    let mut reader_state = ReaderState::new();
    let mut published = vec![markers_payload(network, 1, None, &era_key)?];

    // The aggregator: the library's gRPC endpoint over the in-memory backend.
    let backend = Arc::new(InMemoryBackend::new(parameters, Era::Lagrange.era_name()));
    backend.set_stakes(
        pools
            .iter()
            .map(|pool| (pool.party_id.clone(), Stake(pool.stake)))
            .collect(),
    );
    let state = Arc::new(AggregatorState::new(
        backend.clone(),
        SoftwareVersion::new(env!("CARGO_PKG_VERSION")).expect("valid"),
        vec![WireVersion::V1, WireVersion::V2],
        network,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(setup)?;
    let endpoint = format!("http://{}", listener.local_addr().map_err(setup)?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    let mut monitor =
        AdoptionMonitor::new(MemoryStore::new(), parameters, Era::Lagrange.era_name())
            .with_readiness(ReadinessConfig {
                stake_floor: 0.9,
                ..ReadinessConfig::default()
            })
            .with_gate(GateConfig::default());

    let mut rng = ChaCha20Rng::seed_from_u64(config.seed ^ 0x5eed);
    let mut rows = Vec::new();
    let mut activated_at = None;
    for epoch in 1..=config.epochs {
        let mut notes = Vec::new();
        // Every node reads the era markers.
        let report = reader.read_payloads(&published, &reader_state, Epoch(epoch));
        reader_state = report.state;
        state.set_epoch(Epoch(epoch), reader_state.markers().to_vec());
        backend.set_epoch(Epoch(epoch));
        let view = state.era_view();
        let era = view
            .current_era()
            .map(|(era, _)| era)
            .ok_or_else(|| DemoError::Setup("no era in force".into()))?;
        if era == Era::Lagrange && activated_at.is_none() {
            activated_at = Some(epoch);
            notes.push(
                "era lagrange active: v1 is refused, signers sign the rigid digest".to_owned(),
            );
        }

        // Registration: every signer, on the software it runs this epoch.
        let (mut warned, mut refused) = (0, 0);
        let mut registered: Vec<(usize, SignerRegistration, Initializer, SignerClient)> =
            Vec::new();
        for (index, pool) in pools.iter().enumerate() {
            let upgraded = pool.upgrade_epoch.is_some_and(|at| at <= epoch);
            let (info, speaks) = node_info(upgraded);
            let client = SignerClient::connect(endpoint.clone(), &info, speaks).await?;
            let initializer = Initializer::new(stm_parameters, pool.stake, &mut rng);
            let key = initializer
                .get_verification_key_proof_of_possession_for_concatenation()
                .to_canonical_bytes();
            let registration = SignerRegistration {
                epoch: Epoch(epoch),
                party_id: pool.party_id.clone(),
                verification_key: KeyBytes::new(key.to_vec()).expect("192 bytes"),
                verification_key_signature: None,
                operational_certificate: None,
                kes_evolutions: None,
                node_info: info,
                verification_key_for_snark: None,
                verification_key_signature_for_snark: None,
                proof_of_bound_possession_for_snark: None,
            };
            match client.register_signer(&registration).await {
                Ok(reply) => {
                    warned += usize::from(reply.warning.is_some());
                    monitor
                        .record_registration(
                            &registration,
                            Stake(pool.stake),
                            RegistrationWire::Protobuf(client.negotiated().id()),
                        )
                        .map_err(setup)?;
                    registered.push((index, registration, initializer, client));
                }
                Err(error) if error.requires_upgrade() => refused += 1,
                Err(error) => return Err(error.into()),
            }
        }

        // The aggregator publishes the epoch's signers; every signer reads them over gRPC.
        let signers = SignerSet::new(
            registered
                .iter()
                .map(|(index, registration, _, _)| HubSigner {
                    party_id: registration.party_id.clone(),
                    verification_key: registration.verification_key.clone(),
                    verification_key_signature: None,
                    operational_certificate: None,
                    kes_evolutions: None,
                    stake: Some(Stake(pools[*index].stake)),
                    verification_key_for_snark: None,
                    verification_key_signature_for_snark: None,
                    proof_of_bound_possession_for_snark: None,
                })
                .collect(),
        )
        .map_err(setup)?;
        let settings = EpochSettings {
            epoch: Epoch(epoch),
            signer_registration_protocol_parameters: Some(parameters),
            current_signers: signers,
            next_signers: SignerSet::default(),
            cardano_transactions_signing_config: None,
        };
        backend.set_epoch_settings(settings.clone());
        state.notify();
        // The key registration of these settings, built once (checking each proof of
        // possession is the costly part).
        let closed = closed_registration(&settings, &stm_parameters)?;

        // Signing: each signer rebuilds the key registration from the epoch settings it read.
        let clerk = Clerk::<D>::new_clerk_from_closed_key_registration(&stm_parameters, &closed);
        let avk = clerk.compute_aggregate_verification_key();
        let avk_json_hex = hex::encode(
            serde_json::to_string(&avk.to_concatenation_aggregate_verification_key())
                .map_err(stm)?,
        );
        let total_stake = avk
            .to_concatenation_aggregate_verification_key()
            .get_total_stake();
        let expected_message =
            protocol_message(epoch, era, &avk_json_hex, &parameters, total_stake)?;
        // Every signer reads the settings over gRPC; settings identical to the published ones
        // give the same key registration.
        for (position, (index, _, initializer, client)) in registered.into_iter().enumerate() {
            let (read, _) = client.epoch_settings().await?;
            let rebuilt;
            let closed = if read == settings {
                &closed
            } else {
                rebuilt = closed_registration(&read, &stm_parameters)?;
                &rebuilt
            };
            let signer = initializer.try_create_signer::<D>(closed).map_err(stm)?;
            // The era each signer composes for is the one it learnt at registration.
            let mut message = expected_message.clone();
            if epoch == 3 && position == 0 {
                // A faulty signer signs the wrong message: the aggregator must reject it.
                message =
                    protocol_message(epoch + 100, era, &avk_json_hex, &parameters, total_stake)?;
            }
            let Ok(signature) = signer.create_single_signature(message.as_str().as_bytes()) else {
                continue; // won no lottery index
            };
            let mut indices = signature.get_concatenation_signature_indices();
            indices.sort_unstable();
            indices.dedup();
            let hub = SingleSignature {
                signed_entity_type: SignedEntityType::MithrilStakeDistribution(Epoch(epoch)),
                party_id: pools[index].party_id.clone(),
                signature: SignatureBytes::new(signature.to_bytes().map_err(stm)?).map_err(stm)?,
                won_indexes: WonIndexes::new(indices).map_err(stm)?,
                signed_message: message,
                snark_signature: None,
            };
            let batch = client.register_signatures(&[hub]).await?;
            for (_, reason) in batch.rejected {
                notes.push(format!("signature refused at the door: {reason}"));
            }
        }

        // Aggregation: verify every signature received this epoch with STM, then aggregate.
        let this_epoch = backend.signatures_of(Epoch(epoch));
        let stakes: BTreeMap<&PartyId, (u64, &KeyBytes)> = settings
            .current_signers
            .as_slice()
            .iter()
            .map(|signer| {
                (
                    &signer.party_id,
                    (
                        signer.stake.map_or(0, |stake| stake.0),
                        &signer.verification_key,
                    ),
                )
            })
            .collect();
        let (mut valid, mut counts, mut rejected) = (Vec::new(), [0usize; 2], 0);
        for (signature, wire) in &this_epoch {
            let verdict = (|| -> Result<mithril_stm::SingleSignature, String> {
                if signature.signed_message != expected_message {
                    return Err("signed the wrong message".into());
                }
                let (stake, key) = stakes
                    .get(&signature.party_id)
                    .ok_or("not registered this epoch")?;
                let key = VerificationKeyProofOfPossessionForConcatenation::from_canonical_bytes(
                    key.as_bytes(),
                )
                .map_err(|error| error.to_string())?;
                let stm_signature =
                    mithril_stm::SingleSignature::from_bytes::<D>(signature.signature.as_bytes())
                        .map_err(|error| error.to_string())?;
                stm_signature
                    .verify(
                        &stm_parameters,
                        &key.vk,
                        stake,
                        &avk,
                        expected_message.as_str().as_bytes(),
                    )
                    .map_err(|error| error.to_string())?;
                Ok(stm_signature)
            })();
            match verdict {
                Ok(stm_signature) => {
                    let slot =
                        usize::from(*wire == RegistrationWire::Protobuf(WireVersion::V2.id()));
                    counts[slot] += 1;
                    monitor
                        .record_signatures(Epoch(epoch), &signature.party_id, 1)
                        .map_err(setup)?;
                    valid.push(stm_signature);
                }
                Err(reason) => {
                    rejected += 1;
                    notes.push(format!(
                        "rejected a signature of {}: {reason}",
                        signature.party_id
                    ));
                }
            }
        }
        let ancillary = AncillaryProofInput::new(None, AncillaryGenesisData::new());
        let certificate = clerk
            .aggregate_signatures_with_type(
                &valid,
                expected_message.as_str().as_bytes(),
                AggregateSignatureType::Concatenation,
                ancillary,
            )
            .ok()
            .is_some_and(|(aggregate, output)| {
                aggregate
                    .verify(
                        expected_message.as_str().as_bytes(),
                        &avk,
                        &stm_parameters,
                        output.verifier_data().cloned(),
                        None,
                    )
                    .is_ok()
            });

        // Adoption: the gate decides; on lock-in the release team schedules lagrange.
        let signal = era_signal(&view.epochs, &view.markers, &Era::Lagrange.era_name());
        let (report, transitions) = monitor.advance(Epoch(epoch), signal).map_err(setup)?;
        for transition in &transitions {
            notes.push(format!("gate {} -> {}", transition.from, transition.to));
            if transition.to == GateState::LockedIn {
                let at = monitor
                    .gate()
                    .proposed_activation()
                    .expect("proposed on lock-in");
                let sequence = published.len() as u64 + 1;
                published.push(markers_payload(network, sequence, Some(at), &era_key)?);
                // Nodes read the new payload within the epoch it is published.
                let read = reader.read_payloads(&published, &reader_state, Epoch(epoch));
                if let Some(rejection) = read.rejected.iter().find(|r| r.sequence == Some(sequence))
                {
                    return Err(DemoError::Setup(format!(
                        "marker refused: {}",
                        rejection.reason
                    )));
                }
                reader_state = read.state;
                notes.push(format!(
                    "release team signs marker seq {sequence}: lagrange at epoch {at}"
                ));
            }
        }
        let share = |version: &str| {
            report
                .tally
                .by_software_version
                .get(version)
                .map_or(0.0, |share| share.share)
        };
        let readiness = report
            .readiness
            .as_ref()
            .expect("the monitor tracks lagrange");
        rows.push(EpochRow {
            epoch,
            era: era.name().to_owned(),
            v1_software_share: share(V1_RELEASE),
            v2_software_share: share(V2_RELEASE),
            ready_share: readiness.ready_share,
            failure_probability: readiness.odds.failure,
            signatures_v1: counts[0],
            signatures_v2: counts[1],
            rejected_signatures: rejected,
            warned,
            refused,
            gate: monitor.gate().state(),
            certificate,
            notes,
        });
    }
    let _ = stop.send(());
    let _ = server.await;
    let epochs_without_certificate = rows.iter().filter(|row| !row.certificate).count();
    Ok(DemoReport {
        rows,
        proposed_activation: monitor.gate().proposed_activation().map(|at| at.0),
        activated_at,
        epochs_without_certificate,
    })
}

/// The release team's signed payload number `sequence`: pythagoras from genesis, and lagrange
/// scheduled at `lagrange_at`, or announced only.
fn markers_payload(
    network: NetworkMagic,
    sequence: u64,
    lagrange_at: Option<Epoch>,
    key: &EraSigningKey,
) -> Result<String, DemoError> {
    let lagrange = match lagrange_at {
        Some(at) => EraMarker::scheduled(Era::Lagrange.era_name(), at),
        None => EraMarker::announced(Era::Lagrange.era_name()),
    };
    let content = MarkersContent::new(
        network,
        sequence,
        vec![
            EraMarker::scheduled(Era::Pythagoras.era_name(), Epoch(0)),
            lagrange,
        ],
    )
    .map_err(setup)?;
    Ok(SignedMarkers::sign(content, key).to_text())
}

fn closed_registration(
    settings: &EpochSettings,
    parameters: &Parameters,
) -> Result<mithril_stm::ClosedKeyRegistration, DemoError> {
    let mut registration = KeyRegistration::initialize();
    for signer in settings.current_signers.as_slice() {
        let key = VerificationKeyProofOfPossessionForConcatenation::from_canonical_bytes(
            signer.verification_key.as_bytes(),
        )
        .map_err(stm)?;
        registration
            .register(signer.stake.map_or(0, |stake| stake.0), &key)
            .map_err(stm)?;
    }
    registration.close_registration(parameters).map_err(stm)
}

impl DemoReport {
    /// The per-epoch table and the summary, for people.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "epoch  era         stake v1   stake v2   ready   P(no certificate)  sigs v1  sigs v2  rejected  warned  refused  gate       certificate\n",
        );
        for row in &self.rows {
            out.push_str(&format!(
                "{:>5}  {:<10}  {:>7.1}%   {:>7.1}%  {:>5.1}%   {:>17}  {:>7}  {:>7}  {:>8}  {:>6}  {:>7}  {:<9}  {}\n",
                row.epoch,
                row.era,
                row.v1_software_share * 100.0,
                row.v2_software_share * 100.0,
                row.ready_share * 100.0,
                format!("{:.1e}", row.failure_probability),
                row.signatures_v1,
                row.signatures_v2,
                row.rejected_signatures,
                row.warned,
                row.refused,
                row.gate.name(),
                if row.certificate { "✓" } else { "✗" },
            ));
            for note in &row.notes {
                out.push_str(&format!("       · {note}\n"));
            }
        }
        out.push_str(&format!(
            "\n{} epochs, {} without a certificate; gate proposed activation at epoch {}; lagrange active from epoch {}\n",
            self.rows.len(),
            self.epochs_without_certificate,
            self.proposed_activation
                .map_or_else(|| "-".to_owned(), |epoch| epoch.to_string()),
            self.activated_at
                .map_or_else(|| "-".to_owned(), |epoch| epoch.to_string()),
        ));
        out
    }
}
