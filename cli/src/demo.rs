//! The rolling-upgrade demo: an aggregator and tens of signers over loopback (gRPC, today's
//! HTTP routes, or a mix of JSON and protobuf signers over HTTP: [`Transport`]), real STM
//! signatures from `mithril-stm`, a soft update rolling out, the adoption gate,
//! a signed era marker, the switch to lagrange at one epoch, and a certificate chain in
//! Mithril's own terms: a genesis certificate, then a multi-signed certificate every epoch, each
//! committing to the next epoch's signers' aggregate verification key, walked back to genesis
//! every epoch (`mithril::certificate`) and written with [`DemoConfig::chain_dir`].
//!
//! Simplifications, said plainly: epochs advance on a simulated clock; keys registered at an
//! epoch sign at the next one, and a registration names the epoch it is sent in (Mithril's
//! pipeline is two epochs, and its signers name the epoch after); the protocol parameters are
//! small so that it runs in seconds; each epoch certifies one Mithril stake distribution.
//! Everything else is the library as a node crate uses it.
//!
//! Each epoch runs the same phases in order (see [`run_async`]): nodes read the era markers,
//! signers register the keys of the next epoch, the aggregator publishes this epoch's signers
//! (registered the epoch before) with a message committing to the next ones' key, signers sign,
//! the aggregator verifies, aggregates and chains the certificate, the adoption monitor moves
//! the gate (and on lock-in the release team signs the marker that schedules lagrange), and the
//! epoch's row is recorded.
//!
//! While lagrange is announced and not yet in force, upgraded signers also sign lagrange's
//! composition of each message (the rigid digest) and send it beside the current signature
//! (*shadow* signing); the aggregator verifies each with `mithril-stm` and tries each epoch to
//! aggregate them into a shadow certificate it never publishes ([`ShadowRound`]). The gate moves
//! on that proof only ([`AdoptionMonitor::advance_proven`]) and explains itself every epoch.
//! [`DemoScenario::FaultyNextEra`] breaks the next-era code of 45% of the upgraded stake: their
//! shadow signatures are refused, the gate says why and waits, and the chain keeps every
//! certificate. Signers that registered on software the new era refuses are refused
//! at the door the epoch it starts. The faults the demo injects along the way are
//! configuration: [`Faults`].

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use mithril_stm::{
    AggregateSignature, AggregateSignatureType, AggregateVerificationKey, AncillaryGenesisData,
    AncillaryProofInput, Clerk, ClosedKeyRegistration, Initializer, KeyRegistration,
    MithrilMembershipDigest, Parameters, VerificationKeyProofOfPossessionForConcatenation,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use mithril_compat::adoption::dashboard::{self, Dashboard, DashboardConfig};
use mithril_compat::adoption::{
    AdoptionMonitor, AdoptionReport, EraSignal, GateConfig, GateState, MemoryStore,
    ProvenanceClass, ReadinessConfig, RegistrationWire, ShadowAttempt, ShadowRound, era_signal,
};
use mithril_compat::cardano::{KES_PERIODS, PoolKeys, certify};
use mithril_compat::domain::{
    Epoch, EpochSettings, HashScheme, KeyBytes, NodeInfo, PartKey, PartyId, ProtocolMessage,
    ProtocolParameters, ShadowSignature, SignatureBytes, SignedEntityType, SignedMessage,
    Signer as HubSigner, SignerRegistration, SignerSet, SingleSignature, SoftwareVersion, Stake,
    WonIndexes,
};
use mithril_compat::era::{
    Era, EraMarker, EraReader, EraSigningKey, MarkersContent, NetworkMagic, ReaderState,
    SignedMarkers,
};
use mithril_compat::mithril::certificate::{
    CertificateMessage, CertificateMetadataMessage, ChainVerifier, StakePartyMessage, StmVerifier,
    genesis_signature,
};
use mithril_compat::mithril::{signed_message, snark_avk};
use mithril_compat::transport::aggregator::{AggregatorState, EraView, InMemoryBackend};
use mithril_compat::transport::grpc::{ClientError, ServeError, ServerLimits, SignerClient, serve};
use mithril_compat::transport::http::client::{
    ClientError as HttpClientError, HttpClient, RetryPolicy,
};
use mithril_compat::transport::http::{Format, HttpConfig};
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

/// How signers reach the aggregator. The aggregator serves gRPC and HTTP over one state in
/// every case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Every signer over gRPC.
    #[default]
    Grpc,
    /// Every signer over today's HTTP routes, in protobuf (v1 before it upgrades, v2 after).
    Http,
    /// The realistic network, over HTTP: before it upgrades, a signer is either one of today's
    /// JSON nodes or a protobuf v1 node (alternately, by pool); after, it speaks v2.
    Mixed,
}

impl std::str::FromStr for Transport {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "grpc" => Ok(Self::Grpc),
            "http" => Ok(Self::Http),
            "mixed" => Ok(Self::Mixed),
            other => Err(format!("unknown transport {other:?} (grpc, http or mixed)")),
        }
    }
}

/// What the rollout goes through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoScenario {
    /// The release works: upgraded signers' shadow signatures verify, and the gate locks in once
    /// they prove enough.
    #[default]
    Rollout,
    /// The release's lagrange code is faulty for 45% of the upgraded stake (pools drawn from the
    /// seed): it composes lagrange's message the old way, so those pools' shadow signatures sign
    /// the wrong message and are refused. The gate says why and waits; no switch, no lost
    /// certificate.
    FaultyNextEra,
}

/// The share of the upgraded stake whose next-era code is faulty in
/// [`DemoScenario::FaultyNextEra`].
pub const FAULTY_NEXT_ERA_SHARE: f64 = 0.45;

impl std::str::FromStr for DemoScenario {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "rollout" => Ok(Self::Rollout),
            "faulty-next-era" => Ok(Self::FaultyNextEra),
            other => Err(format!(
                "unknown scenario {other:?} (rollout or faulty-next-era)"
            )),
        }
    }
}

/// How one signer talks, this epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Grpc,
    HttpProtobuf,
    HttpJson,
}

impl Transport {
    /// The style of the pool at `index` in the order of the pools.
    fn style(self, index: usize, upgraded: bool) -> Style {
        match self {
            Self::Grpc => Style::Grpc,
            Self::Http => Style::HttpProtobuf,
            Self::Mixed if upgraded || index % 2 == 1 => Style::HttpProtobuf,
            Self::Mixed => Style::HttpJson,
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
    /// Share of signers (the smallest pools) that never upgrade: they stay on the v1-only
    /// release, are warned while pythagoras is in force and refused once lagrange is.
    pub never_upgrade: f64,
    /// The faults the demo injects.
    pub faults: Faults,
    /// How signers reach the aggregator.
    pub transport: Transport,
    /// What the rollout goes through.
    pub scenario: DemoScenario,
    /// Serve the aggregator's HTTP routes on this address, with the adoption dashboard at
    /// `/adoption` and its data at `/adoption.json` (updated every epoch); by default the routes
    /// are on a free loopback port and there is no dashboard.
    pub dashboard: Option<std::net::SocketAddr>,
    /// Seconds to keep serving after the last epoch (for a browser to look at the dashboard).
    pub linger_seconds: u64,
    /// Where to write the certificate chain (one JSON file per certificate, as Mithril's
    /// aggregator serves it at `GET /certificate/{hash}`, and `genesis.vkey`), if anywhere.
    pub chain_dir: Option<std::path::PathBuf>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            signers: 60,
            seed: 42,
            epochs: 14,
            curve: Curve::Steady,
            never_upgrade: 0.08,
            faults: Faults::default(),
            transport: Transport::default(),
            scenario: DemoScenario::default(),
            dashboard: None,
            linger_seconds: 0,
            chain_dir: None,
        }
    }
}

/// One signer at one epoch, for a fault: the signer at `position` among those registered at
/// `epoch`, in the order of the pools (largest stake first), so position 0 is the largest pool
/// the aggregator accepted that epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FaultySigner {
    /// The epoch of the fault.
    pub epoch: u64,
    /// The signer's position among the epoch's registered signers.
    pub position: usize,
}

/// The faults the demo injects, to show the aggregator coping with them.
///
/// The default is the demo's usual run; [`Faults::none`] is a run without injected faults.
/// Signers that never upgrade are a property of the rollout, not a fault:
/// [`DemoConfig::never_upgrade`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Faults {
    /// Signers that sign the wrong message: a well-formed STM signature of the protocol message
    /// of their epoch plus 100. The aggregator verifies every signature before aggregating and
    /// rejects each of these with the note "signed the wrong message", counted in
    /// [`EpochRow::rejected_signatures`]; the epoch still certifies when the others reach the
    /// quorum. A listed signer that wins no lottery index sends nothing, and a position past the
    /// epoch's registered signers does nothing.
    ///
    /// Default: the first registered signer of epoch 3.
    pub wrong_message: Vec<FaultySigner>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            wrong_message: vec![FaultySigner {
                epoch: 3,
                position: 0,
            }],
        }
    }
}

impl Faults {
    /// No injected fault: every signer signs what it should.
    pub fn none() -> Self {
        Self {
            wrong_message: Vec::new(),
        }
    }

    /// Whether the signer at `position` among those registered at `epoch` signs the wrong
    /// message.
    pub fn signs_wrong_message(&self, epoch: u64, position: usize) -> bool {
        self.wrong_message
            .contains(&FaultySigner { epoch, position })
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
    /// Share of registered stake whose node info is signed by its pool and verified (the only
    /// declarations readiness counts).
    pub verified_share: f64,
    /// Ready share for lagrange as declared (a verified signature, and signed recently): shown
    /// beside what is proven; the gate does not move on it.
    pub ready_share: f64,
    /// Share of registered stake proven ready for lagrange: shadow signatures verified within
    /// the participation window.
    pub proven_share: f64,
    /// Shadow signatures the aggregator verified this epoch.
    pub shadow_signatures: usize,
    /// Shadow signatures it refused, with the first reason in `notes`.
    pub shadow_refused: usize,
    /// This epoch's shadow certificate attempt, when lagrange was announced and not in force.
    pub shadow: Option<ShadowAttempt>,
    /// The rule's one-line verdict, while the gate waits for lock-in.
    pub verdict: Option<String>,
    /// Probability of an epoch without a certificate if only the proven stake signing this
    /// epoch, less the margin, signs: the gate's quorum condition, while it waits for lock-in.
    pub proven_failure: Option<f64>,
    /// Probability of an epoch without certificate if only the ready stake (less the margin)
    /// signs.
    pub failure_probability: f64,
    /// Single signatures accepted, by the wire version they arrived on: every version of
    /// [`WireVersion::ALL`], zero included (serialized by short name, `v1`).
    #[serde(serialize_with = "by_wire_name")]
    pub signatures_by_wire: BTreeMap<WireVersion, usize>,
    /// Single signatures accepted in today's JSON.
    pub json_signatures: usize,
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
    /// Whether the certificate chain verifies from this epoch's certificate back to genesis
    /// (hashes, links, key handovers, multi-signatures, genesis signature).
    pub chain_verified: bool,
    /// What happened.
    pub notes: Vec<String>,
}

fn by_wire_name<S: serde::Serializer>(
    counts: &BTreeMap<WireVersion, usize>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(
        counts
            .iter()
            .map(|(version, count)| (version.name(), count)),
    )
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
    /// How signers reached the aggregator.
    pub transport: Transport,
    /// Certificates chained (the genesis certificate included).
    pub certificates: usize,
    /// Whether the whole chain verifies from the latest certificate back to genesis.
    pub chain_verified: bool,
    /// What the rollout went through.
    pub scenario: DemoScenario,
    /// Why the gate failed, if it did.
    pub gate_failure: Option<String>,
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
    /// An HTTP call failed unexpectedly.
    #[error(transparent)]
    Http(#[from] HttpClientError),
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
    /// Whether the release's lagrange code works for this pool ([`DemoScenario`]).
    next_era_works: bool,
    /// The pool's cold key, operational certificate and KES key.
    keys: PoolKeys,
}

/// One KES period per demo epoch: a pool's key evolves every epoch.
fn kes_period(epoch: u64) -> u64 {
    epoch
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
    let mut pools: Vec<Pool> = stakes
        .into_iter()
        .enumerate()
        .map(|(rank, stake)| {
            let upgrade_epoch = (rank < config.signers - never).then(|| {
                // Earlier for larger pools on average, with noise.
                let position = rank as f64 / config.signers as f64;
                let noise = (rng.next_u64() % 3) as f64 - 1.0;
                first + ((position * spread as f64) + noise).max(0.0) as u64
            });
            // Each pool's keys, generated at start-up: its pool id is its party id.
            let mut cold = [0; 32];
            let mut kes = [0; 32];
            rng.fill_bytes(&mut cold);
            rng.fill_bytes(&mut kes);
            let keys = PoolKeys::new(SigningKey::from_bytes(&cold), kes, 0, kes_period(0));
            Pool {
                party_id: PartyId::new(keys.pool_id().to_bech32())
                    .expect("a pool id is a party id"),
                stake,
                upgrade_epoch,
                next_era_works: true,
                keys,
            }
        })
        .collect();
    if config.scenario == DemoScenario::FaultyNextEra {
        break_next_era_code(&mut pools, config.seed);
    }
    pools
}

/// Marks pools drawn from `seed` (a random order of the upgrading pools) as running faulty
/// next-era code, until they hold [`FAULTY_NEXT_ERA_SHARE`] of the upgrading stake.
fn break_next_era_code(pools: &mut [Pool], seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0xfa17);
    let mut order: Vec<usize> = (0..pools.len())
        .filter(|index| pools[*index].upgrade_epoch.is_some())
        .collect();
    for last in (1..order.len()).rev() {
        let other = (rng.next_u64() % (last as u64 + 1)) as usize;
        order.swap(last, other);
    }
    let upgrading: u64 = order.iter().map(|index| pools[*index].stake).sum();
    let mut faulty = 0;
    for index in order {
        if faulty as f64 >= FAULTY_NEXT_ERA_SHARE * upgrading as f64 {
            break;
        }
        pools[index].next_era_works = false;
        faulty += pools[index].stake;
    }
}

/// The release signers run before they upgrade: the oldest wire version only, pythagoras only.
const V1_RELEASE: &str = "0.1.0";
/// The release they upgrade to: every wire version, pythagoras and lagrange.
const V2_RELEASE: &str = "0.2.0";

/// What a signer's software declares, and the wire versions it speaks: the oldest one before it
/// upgrades, all of them after.
fn node_info(upgraded: bool) -> (NodeInfo, &'static [WireVersion]) {
    let (version, eras, speaks): (&str, &[Era], &'static [WireVersion]) = if upgraded {
        (V2_RELEASE, Era::ALL, WireVersion::ALL)
    } else {
        (V1_RELEASE, &[Era::Pythagoras], &WireVersion::ALL[..1])
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
) -> Result<(ProtocolMessage, SignedMessage), DemoError> {
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
    let signed = signed_message::compose(era, &message).map_err(setup)?;
    if era.hash_scheme() == HashScheme::Rigid {
        message.set_hash_scheme(HashScheme::Rigid);
    }
    Ok((message, signed))
}

/// Runs the demo on a runtime of its own.
pub fn run(config: &DemoConfig) -> Result<DemoReport, DemoError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(setup)?
        .block_on(run_async(config))
}

/// Runs the demo on the current runtime: the phases of every epoch, in order.
pub async fn run_async(config: &DemoConfig) -> Result<DemoReport, DemoError> {
    let mut demo = Demo::new(config)?;
    let aggregator = Aggregator::start(&demo).await?;
    // Epoch 0: signers register the keys they sign with at epoch 1.
    let mut bootstrap = demo.read_markers(&aggregator, 0)?;
    let mut signing = demo.register_signers(&aggregator, &mut bootstrap).await?;
    for epoch in 1..=config.epochs {
        let mut log = demo.read_markers(&aggregator, epoch)?;
        // The keys of the next epoch: the certificate of this one commits to their aggregate.
        let next = demo.register_signers(&aggregator, &mut log).await?;
        let round = demo.publish_signers(&aggregator, &log, &signing, &next)?;
        let mut shadow = demo.shadow_round(&round, &log)?;
        demo.sign(&round, shadow.as_ref(), signing, &mut log)
            .await?;
        let valid = demo.collect_signatures(&aggregator, &round, shadow.as_mut(), &mut log)?;
        log.shadow = shadow.as_ref().map(ShadowRound::aggregate);
        let aggregate = round.certify(&valid, &demo.stm_parameters);
        log.certificate = aggregate.is_some();
        demo.certify_chain(&round, aggregate.as_ref(), &mut log)?;
        let adoption = demo.observe_adoption(&mut log)?;
        demo.publish_dashboard(&log)?;
        demo.record_row(log, &adoption);
        signing = next;
    }
    if config.dashboard.is_some() && config.linger_seconds > 0 {
        tokio::time::sleep(std::time::Duration::from_secs(config.linger_seconds)).await;
    }
    aggregator.stop().await;
    if let Some(dir) = &config.chain_dir {
        demo.write_chain(dir)?;
    }
    Ok(demo.report())
}

/// A run of the demo: the network's fixed parts and what carries from one epoch to the next.
struct Demo<'a> {
    config: &'a DemoConfig,
    network: NetworkMagic,
    stm_parameters: Parameters,
    parameters: ProtocolParameters,
    pools: Vec<Pool>,
    markers: Markers,
    monitor: AdoptionMonitor<MemoryStore>,
    /// The randomness of the signers' keys.
    rng: ChaCha20Rng,
    rows: Vec<EpochRow>,
    activated_at: Option<u64>,
    /// The genesis key and the certificate chain, latest last.
    genesis_key: EraSigningKey,
    chain: Vec<CertificateMessage>,
    /// Remembers the certificates verified back to genesis: each epoch checks its new link only.
    verifier: ChainVerifier<'static>,
    /// Whether the latest certificate verified back to genesis.
    chain_verified: bool,
    /// The hash of the previous epoch's first ("master") certificate.
    previous_master: Option<String>,
    /// The adoption dashboard as of the last epoch, which `/adoption` serves.
    dashboard: Arc<std::sync::RwLock<Option<Dashboard>>>,
}

/// What one epoch gathers while its phases run, until it becomes an [`EpochRow`].
struct EpochLog {
    epoch: u64,
    /// The era in force.
    era: Era,
    /// The schedule as the aggregator applies it this epoch.
    view: Arc<EraView>,
    warned: usize,
    refused: usize,
    signatures: BTreeMap<WireVersion, usize>,
    json_signatures: usize,
    rejected: usize,
    shadow_signatures: usize,
    shadow_refused: usize,
    shadow: Option<ShadowAttempt>,
    verdict: Option<String>,
    certificate: bool,
    /// Whether the chain verifies from this epoch's certificate back to genesis.
    chain_verified: bool,
    notes: Vec<String>,
}

/// A signer the aggregator accepted for the epoch.
struct Registered {
    /// Its pool, in [`Demo::pools`].
    pool: usize,
    registration: SignerRegistration,
    initializer: Initializer,
    link: Link,
}

/// A signer's connection to the aggregator: gRPC, or HTTP in protobuf or JSON.
enum Link {
    Grpc(SignerClient),
    Http(HttpClient),
}

/// What a registration came to.
enum Registration {
    /// Accepted; with a warning for the operator or not.
    Accepted { warned: bool },
    /// Refused by the era policy: the signer must upgrade.
    Refused,
}

impl Link {
    async fn connect(
        aggregator: &Aggregator,
        style: Style,
        info: &NodeInfo,
        speaks: &[WireVersion],
    ) -> Result<Self, DemoError> {
        Ok(match style {
            Style::Grpc => {
                Self::Grpc(SignerClient::connect(aggregator.endpoint.clone(), info, speaks).await?)
            }
            Style::HttpProtobuf | Style::HttpJson => {
                let builder = HttpClient::builder(&aggregator.http_base)
                    .supported_eras(info.supported_eras().to_vec())
                    .retry(RetryPolicy {
                        attempts: 3,
                        delay: std::time::Duration::from_millis(20),
                    });
                let builder = if style == Style::HttpJson {
                    builder.json_only()
                } else {
                    builder.speaks(speaks)
                };
                let mut client = builder.build()?;
                if style == Style::HttpProtobuf {
                    client.discover().await?;
                }
                Self::Http(client)
            }
        })
    }

    /// The wire the registration travels on, as the adoption monitor records it.
    fn wire(&self) -> RegistrationWire {
        match self {
            Self::Grpc(client) => RegistrationWire::Protobuf(client.negotiated().id()),
            Self::Http(client) => match client.negotiated() {
                Format::Protobuf(version) => RegistrationWire::Protobuf(version.id()),
                _ => RegistrationWire::Json,
            },
        }
    }

    async fn register_signer(
        &mut self,
        registration: &SignerRegistration,
    ) -> Result<Registration, DemoError> {
        match self {
            Self::Grpc(client) => match client.register_signer(registration).await {
                Ok(reply) => Ok(Registration::Accepted {
                    warned: reply.warning.is_some(),
                }),
                Err(error) if error.requires_upgrade() => Ok(Registration::Refused),
                Err(error) => Err(error.into()),
            },
            Self::Http(client) => match client.register_signer(registration).await {
                Ok(sent) => Ok(Registration::Accepted {
                    warned: sent.era_warning.is_some(),
                }),
                Err(error) if error.requires_upgrade() => Ok(Registration::Refused),
                Err(error) => Err(error.into()),
            },
        }
    }

    /// The epoch settings; the era policy's refusal when the signer must upgrade first.
    async fn epoch_settings(&self) -> Result<Result<EpochSettings, String>, DemoError> {
        Ok(match self {
            Self::Grpc(client) => match client.epoch_settings().await {
                Ok((settings, _)) => Ok(settings),
                Err(error) if error.requires_upgrade() => Err(error.to_string()),
                Err(error) => return Err(error.into()),
            },
            Self::Http(client) => match client.epoch_settings().await {
                Ok(settings) => Ok(settings),
                Err(error) if error.requires_upgrade() => Err(error.to_string()),
                Err(error) => return Err(error.into()),
            },
        })
    }

    /// Sends one signature; the reasons it was refused, if it was.
    async fn register_signature(
        &mut self,
        signature: SingleSignature,
    ) -> Result<Vec<String>, DemoError> {
        match self {
            Self::Grpc(client) => match client.register_signatures(&[signature]).await {
                Ok(reply) => Ok(reply
                    .rejected
                    .into_iter()
                    .map(|(_, reason)| reason)
                    .collect()),
                // A signer that registered before the era switched, on a version the new era
                // no longer accepts, is refused as a whole call.
                Err(error) if error.requires_upgrade() => Ok(vec![error.to_string()]),
                Err(error) => Err(error.into()),
            },
            Self::Http(client) => match client.register_signature(&signature).await {
                Ok(_) => Ok(Vec::new()),
                Err(HttpClientError::Status { message, .. }) => Ok(vec![message]),
                Err(error) => Err(error.into()),
            },
        }
    }
}

impl<'a> Demo<'a> {
    /// Set-up: the pools and their upgrade epochs, the protocol parameters, the release team's
    /// era key and first payload (pythagoras, lagrange announced), and the adoption monitor.
    fn new(config: &'a DemoConfig) -> Result<Self, DemoError> {
        let network = NetworkMagic::PREPROD;
        let stm_parameters = Parameters {
            k: 10,
            m: 100,
            phi_f: 0.65,
        };
        let parameters =
            ProtocolParameters::new(stm_parameters.k, stm_parameters.m, stm_parameters.phi_f)
                .map_err(setup)?;
        let monitor =
            AdoptionMonitor::new(MemoryStore::new(), parameters, Era::Lagrange.era_name())
                .with_readiness(ReadinessConfig {
                    stake_floor: 0.9,
                    ..ReadinessConfig::default()
                })
                .with_gate(GateConfig::default());
        Ok(Self {
            config,
            network,
            stm_parameters,
            parameters,
            pools: pools(config),
            markers: Markers::new(network, EraSigningKey::from_bytes(&[7; 32]))?,
            monitor,
            rng: ChaCha20Rng::seed_from_u64(config.seed ^ 0x5eed),
            rows: Vec::new(),
            activated_at: None,
            genesis_key: EraSigningKey::from_bytes(&GENESIS_SEED),
            chain: Vec::new(),
            verifier: ChainVerifier::new(
                EraSigningKey::from_bytes(&GENESIS_SEED).verification_key(),
                Some(&StmVerifier),
            ),
            chain_verified: false,
            previous_master: None,
            dashboard: Arc::new(std::sync::RwLock::new(None)),
        })
    }

    /// Updates the dashboard `/adoption` serves with the epoch just observed.
    fn publish_dashboard(&self, log: &EpochLog) -> Result<(), DemoError> {
        if self.config.dashboard.is_none() {
            return Ok(());
        }
        let config = DashboardConfig {
            refresh_seconds: Some(2),
            ..DashboardConfig::default()
        };
        let current = log
            .view
            .epochs
            .current
            .as_ref()
            .map(|current| (current.name.clone(), current.since));
        let dashboard = self
            .monitor
            .dashboard(Epoch(log.epoch), &config)
            .map_err(setup)?
            .with_schedule(current, &log.view.markers);
        if let Ok(mut slot) = self.dashboard.write() {
            *slot = Some(dashboard);
        }
        Ok(())
    }

    /// Every node reads the era markers; the aggregator moves to `epoch` with them. Starts the
    /// epoch's log with the era in force, noting the switch to lagrange.
    fn read_markers(&mut self, aggregator: &Aggregator, epoch: u64) -> Result<EpochLog, DemoError> {
        self.markers.read(epoch);
        aggregator
            .state
            .set_epoch(Epoch(epoch), self.markers.state.markers().to_vec());
        aggregator.backend.set_epoch(Epoch(epoch));
        let view = aggregator.state.era_view();
        let era = view
            .current_era()
            .map(|(era, _)| era)
            .ok_or_else(|| DemoError::Setup("no era in force".into()))?;
        let mut log = EpochLog {
            epoch,
            era,
            view,
            warned: 0,
            refused: 0,
            signatures: WireVersion::ALL
                .iter()
                .map(|version| (*version, 0))
                .collect(),
            json_signatures: 0,
            rejected: 0,
            shadow_signatures: 0,
            shadow_refused: 0,
            shadow: None,
            verdict: None,
            certificate: false,
            chain_verified: false,
            notes: Vec::new(),
        };
        if era == Era::Lagrange && self.activated_at.is_none() {
            self.activated_at = Some(epoch);
            log.notes.push(
                "era lagrange active: v1 is refused, signers sign the rigid digest".to_owned(),
            );
        }
        Ok(log)
    }

    /// Every signer registers a fresh key, on the software it runs this epoch; the monitor
    /// records each accepted registration with the wire it came on. Returns the signers the
    /// aggregator accepted, in the order of the pools.
    async fn register_signers(
        &mut self,
        aggregator: &Aggregator,
        log: &mut EpochLog,
    ) -> Result<Vec<Registered>, DemoError> {
        let mut registered = Vec::new();
        let period = kes_period(log.epoch);
        for index in 0..self.pools.len() {
            // The pool's KES key evolves with the chain; an operator renews the certificate
            // before the key runs out of periods.
            let keys = &mut self.pools[index].keys;
            if period.saturating_sub(keys.certificate().start_kes_period()) >= KES_PERIODS {
                let mut seed = [0; 32];
                self.rng.fill_bytes(&mut seed);
                keys.renew(seed, period);
            }
            keys.evolve_to_period(period).map_err(setup)?;
            let pool = &self.pools[index];
            let upgraded = pool.upgrade_epoch.is_some_and(|at| at <= log.epoch);
            let (info, speaks) = node_info(upgraded);
            let style = self.config.transport.style(index, upgraded);
            let mut link = Link::connect(aggregator, style, &info, speaks).await?;
            let initializer = Initializer::new(self.stm_parameters, pool.stake, &mut self.rng);
            let key = initializer
                .get_verification_key_proof_of_possession_for_concatenation()
                .to_canonical_bytes();
            let mut registration = SignerRegistration {
                epoch: Epoch(log.epoch),
                party_id: pool.party_id.clone(),
                verification_key: KeyBytes::new(key.to_vec()).expect("192 bytes"),
                verification_key_signature: None,
                operational_certificate: None,
                kes_evolutions: None,
                node_info: info,
                verification_key_for_snark: None,
                verification_key_signature_for_snark: None,
                proof_of_bound_possession_for_snark: None,
                node_info_signature: None,
            };
            // Every pool certifies its keys as Mithril requires; the upgraded release also
            // signs its node info, which the release before it did not.
            if upgraded {
                pool.keys
                    .certify(&mut registration, self.network)
                    .map_err(setup)?;
            } else {
                pool.keys.certify_keys(&mut registration).map_err(setup)?;
            }
            match link.register_signer(&registration).await? {
                Registration::Accepted { warned } => {
                    log.warned += usize::from(warned);
                    // What the aggregator learnt: today's JSON carries an unsigned declaration's
                    // software version only; a signed one travels whole.
                    let unsigned = registration.node_info_signature.is_none();
                    let received = if link.wire() == RegistrationWire::Json && unsigned {
                        SignerRegistration {
                            node_info: NodeInfo::new(
                                registration.node_info.software_version().clone(),
                                Vec::new(),
                                Vec::new(),
                            )
                            .map_err(setup)?,
                            ..registration.clone()
                        }
                    } else {
                        registration.clone()
                    };
                    self.monitor
                        .record_registration(
                            &received,
                            Stake(pool.stake),
                            link.wire(),
                            certify(&received, link.wire(), self.network),
                        )
                        .map_err(setup)?;
                    registered.push(Registered {
                        pool: index,
                        registration,
                        initializer,
                        link,
                    });
                }
                Registration::Refused => log.refused += 1,
            }
        }
        Ok(registered)
    }

    /// The aggregator publishes the epoch's signers as epoch settings, and builds what it
    /// certifies with: their key registration and the message to sign.
    fn publish_signers(
        &self,
        aggregator: &Aggregator,
        log: &EpochLog,
        registered: &[Registered],
        next: &[Registered],
    ) -> Result<Round, DemoError> {
        let next_key = NextKey::of(&self.signer_set(next)?, &self.stm_parameters)?;
        let settings = EpochSettings {
            epoch: Epoch(log.epoch),
            signer_registration_protocol_parameters: Some(self.parameters),
            current_signers: self.signer_set(registered)?,
            next_signers: SignerSet::default(),
            cardano_transactions_signing_config: None,
        };
        aggregator.backend.set_epoch_settings(settings.clone());
        aggregator.state.notify();
        Round::new(
            settings,
            self.stm_parameters,
            self.parameters,
            log,
            next_key,
        )
    }

    /// The signers of `registered` with their pools' stakes.
    fn signer_set(&self, registered: &[Registered]) -> Result<SignerSet, DemoError> {
        SignerSet::new(
            registered
                .iter()
                .map(|signer| HubSigner {
                    party_id: signer.registration.party_id.clone(),
                    verification_key: signer.registration.verification_key.clone(),
                    verification_key_signature: None,
                    operational_certificate: None,
                    kes_evolutions: None,
                    stake: Some(Stake(self.pools[signer.pool].stake)),
                    verification_key_for_snark: None,
                    verification_key_signature_for_snark: None,
                    proof_of_bound_possession_for_snark: None,
                })
                .collect(),
        )
        .map_err(setup)
    }

    /// Every signer reads the epoch settings over gRPC, rebuilds the key registration from them,
    /// signs the message of the era it learnt at registration (or the wrong one, when
    /// [`Faults::wrong_message`] lists it) and sends its signature. Refusals at the door are
    /// noted.
    async fn sign(
        &self,
        round: &Round,
        shadow: Option<&ShadowRound>,
        registered: Vec<Registered>,
        log: &mut EpochLog,
    ) -> Result<(), DemoError> {
        let mut refused: Vec<String> = Vec::new();
        for (position, mut signer) in registered.into_iter().enumerate() {
            let mut read = match signer.link.epoch_settings().await? {
                Ok(settings) => settings,
                // Registered before the era switched, on software the new era refuses.
                Err(reason) => {
                    refused.push(reason);
                    continue;
                }
            };
            // Today's JSON epoch settings publish no stake: a signer takes it from the stake
            // distribution its Cardano node gives it (here, the demo's pools).
            if read
                .current_signers
                .as_slice()
                .iter()
                .any(|published| published.stake.is_none())
            {
                read.current_signers = self.with_stakes(read.current_signers)?;
            }
            // Settings identical to the published ones give the same key registration.
            let rebuilt;
            let closed = if read == round.settings {
                &round.closed
            } else {
                rebuilt = closed_registration(&read, &self.stm_parameters)?;
                &rebuilt
            };
            let stm_signer = signer
                .initializer
                .try_create_signer::<D>(closed)
                .map_err(stm)?;
            let message = if self.config.faults.signs_wrong_message(log.epoch, position) {
                round.message_of(log.epoch + 100, log.era, &self.parameters)?
            } else {
                round.message.clone()
            };
            let Ok(signature) = stm_signer.create_single_signature(message.as_str().as_bytes())
            else {
                continue; // won no lottery index
            };
            let (signature, won_indexes) = hub_signature(&signature)?;
            // An upgraded signer also signs lagrange's composition of the message while lagrange
            // is announced; faulty next-era code composes it the old way.
            let pool = &self.pools[signer.pool];
            let upgraded = signer
                .registration
                .node_info
                .supported_eras()
                .contains(&Era::Lagrange.era_name());
            let shadow_signature = match shadow.filter(|_| upgraded) {
                Some(shadow) => {
                    let next = if pool.next_era_works {
                        shadow.message().clone()
                    } else {
                        round.message.clone()
                    };
                    match stm_signer.create_single_signature(next.as_str().as_bytes()) {
                        Ok(shadow_stm) => {
                            let (signature, won_indexes) = hub_signature(&shadow_stm)?;
                            Some(ShadowSignature {
                                era: Era::Lagrange.era_name(),
                                signature,
                                won_indexes,
                                signed_message: next,
                            })
                        }
                        Err(_) => None, // won no lottery index for the next era's message
                    }
                }
                None => None,
            };
            let hub = SingleSignature {
                signed_entity_type: SignedEntityType::MithrilStakeDistribution(Epoch(log.epoch)),
                party_id: pool.party_id.clone(),
                signature,
                won_indexes,
                signed_message: message,
                snark_signature: None,
                shadow_signature,
            };
            for reason in signer.link.register_signature(hub).await? {
                log.notes
                    .push(format!("signature refused at the door: {reason}"));
            }
        }
        // Signers that registered before the era switched, on software it refuses: one note.
        if let Some(reason) = refused.first() {
            log.notes.push(format!(
                "{} signer(s) registered last epoch refused at the door: {reason}",
                refused.len()
            ));
        }
        Ok(())
    }

    /// The signers with the stakes of the demo's pools (what each signer's Cardano node knows).
    fn with_stakes(&self, signers: SignerSet) -> Result<SignerSet, DemoError> {
        let stakes: BTreeMap<&PartyId, u64> = self
            .pools
            .iter()
            .map(|pool| (&pool.party_id, pool.stake))
            .collect();
        SignerSet::new(
            signers
                .into_vec()
                .into_iter()
                .map(|signer| HubSigner {
                    stake: stakes.get(&signer.party_id).map(|stake| Stake(*stake)),
                    ..signer
                })
                .collect(),
        )
        .map_err(setup)
    }

    /// The aggregator verifies every signature it received this epoch with STM: the valid ones
    /// are counted by wire version and recorded with the monitor, the others rejected with a
    /// note. Returns the valid ones.
    fn collect_signatures(
        &mut self,
        aggregator: &Aggregator,
        round: &Round,
        mut shadow: Option<&mut ShadowRound>,
        log: &mut EpochLog,
    ) -> Result<Vec<mithril_stm::SingleSignature>, DemoError> {
        let mut valid = Vec::new();
        let mut first_refusal = None;
        for (signature, wire) in aggregator.backend.signatures_of(Epoch(log.epoch)) {
            match round.verify(&signature, &self.stm_parameters) {
                Ok(stm_signature) => {
                    let version = WireVersion::ALL
                        .iter()
                        .find(|version| wire == RegistrationWire::Protobuf(version.id()));
                    if let Some(version) = version {
                        *log.signatures.entry(*version).or_default() += 1;
                    } else if wire == RegistrationWire::Json {
                        log.json_signatures += 1;
                    }
                    self.monitor
                        .record_signatures(Epoch(log.epoch), &signature.party_id, 1)
                        .map_err(setup)?;
                    valid.push(stm_signature);
                    // The shadow signature beside it, while lagrange is announced.
                    if let (Some(shadow), Some(_)) =
                        (shadow.as_deref_mut(), &signature.shadow_signature)
                    {
                        match shadow.verify(&signature) {
                            Ok(()) => {
                                log.shadow_signatures += 1;
                                self.monitor
                                    .record_shadow_signatures(
                                        Epoch(log.epoch),
                                        &signature.party_id,
                                        1,
                                    )
                                    .map_err(setup)?;
                            }
                            Err(reason) => {
                                log.shadow_refused += 1;
                                first_refusal.get_or_insert(reason);
                            }
                        }
                    }
                }
                Err(reason) => {
                    log.rejected += 1;
                    log.notes.push(format!(
                        "rejected a signature of {}: {reason}",
                        signature.party_id
                    ));
                }
            }
        }
        if let Some(reason) = first_refusal {
            log.notes.push(format!(
                "{} shadow signature(s) refused, such as: {reason}",
                log.shadow_refused
            ));
        }
        Ok(valid)
    }

    /// While lagrange is announced and not in force, the aggregator's shadow round of the
    /// epoch: lagrange's composition of the round's message, over the round's signers and key
    /// registration.
    fn shadow_round(
        &self,
        round: &Round,
        log: &EpochLog,
    ) -> Result<Option<ShadowRound>, DemoError> {
        let lagrange = Era::Lagrange.era_name();
        let announced =
            era_signal(&log.view.epochs, &log.view.markers, &lagrange) != EraSignal::NotAnnounced;
        if log.era != Era::Pythagoras || !announced {
            return Ok(None);
        }
        let message = round.message_of(log.epoch, Era::Lagrange, &self.parameters)?;
        ShadowRound::with_registration(
            lagrange,
            message,
            &round.settings.current_signers,
            &round.closed,
            &self.parameters,
        )
        .map(Some)
        .map_err(stm)
    }

    /// The aggregator chains the epoch's certificate: at the first epoch, a genesis certificate
    /// signed with the genesis key; then, when the epoch certified, a multi-signed certificate of
    /// the Mithril stake distribution, chained to the previous epoch's first certificate (or to
    /// this epoch's, for the epoch of the genesis). Then it walks the chain back to genesis.
    fn certify_chain(
        &mut self,
        round: &Round,
        aggregate: Option<&AggregateSignature<D>>,
        log: &mut EpochLog,
    ) -> Result<(), DemoError> {
        let mut master = None;
        if self.chain.is_empty() {
            let genesis = self.certificate(
                round,
                log.epoch,
                String::new(),
                Signature::Genesis(&self.genesis_key),
            )?;
            master = Some(genesis.hash.clone());
            self.chain.push(genesis);
        }
        let Some(aggregate) = aggregate else {
            log.notes
                .push("no certificate: the chain waits for the next epoch".to_owned());
            return Ok(());
        };
        let previous = master
            .clone()
            .or_else(|| self.previous_master.clone())
            .ok_or_else(|| DemoError::Setup("no certificate to chain to".into()))?;
        let certificate =
            self.certificate(round, log.epoch, previous, Signature::Multi(aggregate))?;
        self.previous_master = Some(master.unwrap_or_else(|| certificate.hash.clone()));
        let hash = certificate.hash.clone();
        self.chain.push(certificate);
        let report = self.verifier.verify(&hash, &self.chain);
        log.chain_verified = report.verified();
        self.chain_verified = log.chain_verified;
        if !log.chain_verified {
            log.notes.push(format!("certificate chain: {report}"));
        }
        Ok(())
    }

    /// A certificate of the round at `epoch`, as Mithril's aggregator writes it.
    fn certificate(
        &self,
        round: &Round,
        epoch: u64,
        previous_hash: String,
        signature: Signature<'_>,
    ) -> Result<CertificateMessage, DemoError> {
        let protocol_message: serde_json::Value =
            serde_json::from_str(&signed_message::to_json(&round.protocol_message))
                .map_err(setup)?;
        let (multi_signature, genesis_signature) = match signature {
            Signature::Genesis(key) => (
                String::new(),
                genesis_signature(key, round.message.as_str()),
            ),
            Signature::Multi(aggregate) => (
                hex::encode(serde_json::to_vec(aggregate).map_err(stm)?),
                String::new(),
            ),
        };
        let mut certificate = CertificateMessage {
            hash: String::new(),
            previous_hash,
            epoch,
            signed_entity_type: serde_json::json!({ "MithrilStakeDistribution": epoch }),
            metadata: CertificateMetadataMessage {
                network: "preprod".to_owned(),
                version: MITHRIL_PROTOCOL_VERSION.to_owned(),
                parameters: self.parameters,
                initiated_at: instant(epoch, 0),
                sealed_at: instant(epoch, 600),
                signers: round
                    .settings
                    .current_signers
                    .as_slice()
                    .iter()
                    .map(|signer| StakePartyMessage {
                        party_id: signer.party_id.to_string(),
                        stake: signer.stake.map_or(0, |stake| stake.0),
                        unknown_fields: Default::default(),
                    })
                    .collect(),
                unknown_fields: Default::default(),
            },
            protocol_message,
            signed_message: round.message.as_str().to_owned(),
            aggregate_verification_key: round.avk_json_hex.clone(),
            aggregate_verification_key_snark: None,
            ancillary_prover_data: None,
            ancillary_verifier_data: None,
            multi_signature,
            genesis_signature,
            genesis_schnorr_signature: String::new(),
            unknown_fields: Default::default(),
        };
        certificate.hash = certificate.compute_hash().map_err(setup)?;
        Ok(certificate)
    }

    /// Writes the chain to `dir`: `{hash}.json` for each certificate, `certificates.json` (their
    /// hashes, latest first) and `genesis.vkey` (Mithril's key-file format).
    fn write_chain(&self, dir: &std::path::Path) -> Result<(), DemoError> {
        std::fs::create_dir_all(dir).map_err(setup)?;
        for certificate in &self.chain {
            let text = serde_json::to_string_pretty(certificate).map_err(setup)?;
            std::fs::write(dir.join(format!("{}.json", certificate.hash)), text + "\n")
                .map_err(setup)?;
        }
        let hashes: Vec<&str> = self.chain.iter().rev().map(|c| c.hash.as_str()).collect();
        std::fs::write(
            dir.join("certificates.json"),
            serde_json::to_string_pretty(&hashes).map_err(setup)? + "\n",
        )
        .map_err(setup)?;
        std::fs::write(
            dir.join("genesis.vkey"),
            mithril_compat::mithril::era_datum::verification_key_file(
                &self.genesis_key.verification_key(),
            ),
        )
        .map_err(setup)
    }

    /// The monitor moves the gate with the epoch's tally; on lock-in the release team signs the
    /// marker that schedules lagrange at the proposed epoch, and nodes read it within the epoch.
    fn observe_adoption(&mut self, log: &mut EpochLog) -> Result<AdoptionReport, DemoError> {
        let signal = era_signal(
            &log.view.epochs,
            &log.view.markers,
            &Era::Lagrange.era_name(),
        );
        let waiting = self.monitor.gate().state() == GateState::Started;
        let won_indices = log.shadow.as_ref().map(ShadowAttempt::evidence_indices);
        let (report, transitions) = self
            .monitor
            .advance_proven(Epoch(log.epoch), signal, won_indices)
            .map_err(setup)?;
        // The gate explains itself every epoch it waits for lock-in.
        if waiting && let Some(verdict) = &report.verdict {
            log.verdict = Some(verdict.to_string());
            log.notes.push(format!("gate: {verdict}"));
        }
        for transition in &transitions {
            log.notes
                .push(format!("gate {} -> {}", transition.from, transition.to));
            if transition.to == GateState::LockedIn {
                let at = self
                    .monitor
                    .gate()
                    .proposed_activation()
                    .expect("proposed on lock-in");
                let sequence = self.markers.schedule_lagrange(log.epoch, at)?;
                log.notes.push(format!(
                    "release team signs marker seq {sequence}: lagrange at epoch {at}"
                ));
            }
        }
        Ok(report)
    }

    /// The epoch's row of the report.
    fn record_row(&mut self, log: EpochLog, adoption: &AdoptionReport) {
        let share = |version: &str| {
            adoption
                .tally
                .by_software_version
                .get(version)
                .map_or(0.0, |share| share.share)
        };
        let readiness = adoption
            .readiness
            .as_ref()
            .expect("the monitor tracks lagrange");
        self.rows.push(EpochRow {
            epoch: log.epoch,
            era: log.era.name().to_owned(),
            v1_software_share: share(V1_RELEASE),
            v2_software_share: share(V2_RELEASE),
            verified_share: adoption
                .tally
                .by_provenance
                .get(ProvenanceClass::Verified.name())
                .map_or(0.0, |share| share.share),
            ready_share: readiness.ready_share,
            proven_share: adoption
                .evidence
                .as_ref()
                .map_or(0.0, |evidence| evidence.proven_share),
            shadow_signatures: log.shadow_signatures,
            shadow_refused: log.shadow_refused,
            shadow: log.shadow,
            proven_failure: log.verdict.as_ref().and(
                adoption
                    .verdict
                    .as_ref()
                    .map(|verdict| verdict.odds.failure),
            ),
            verdict: log.verdict,
            failure_probability: readiness.odds.failure,
            signatures_by_wire: log.signatures,
            json_signatures: log.json_signatures,
            rejected_signatures: log.rejected,
            warned: log.warned,
            refused: log.refused,
            gate: self.monitor.gate().state(),
            certificate: log.certificate,
            chain_verified: log.chain_verified,
            notes: log.notes,
        });
    }

    /// The report of the whole run.
    fn report(self) -> DemoReport {
        let epochs_without_certificate = self.rows.iter().filter(|row| !row.certificate).count();
        DemoReport {
            proposed_activation: self.monitor.gate().proposed_activation().map(|at| at.0),
            activated_at: self.activated_at,
            epochs_without_certificate,
            rows: self.rows,
            transport: self.config.transport,
            certificates: self.chain.len(),
            chain_verified: self.chain_verified,
            scenario: self.config.scenario,
            gate_failure: self.monitor.gate().failure_reason().map(str::to_owned),
        }
    }
}

/// How a certificate is signed.
enum Signature<'a> {
    /// By the genesis key (the first certificate).
    Genesis(&'a EraSigningKey),
    /// By the epoch's signers.
    Multi(&'a AggregateSignature<D>),
}

/// The genesis key of the demo's network (a fixed seed: the demo is deterministic).
const GENESIS_SEED: [u8; 32] = [0x6d; 32];
/// The protocol version Mithril's certificates carry (`PROTOCOL_VERSION` of `mithril-common`).
const MITHRIL_PROTOCOL_VERSION: &str = "0.1.0";

/// The simulated clock: epoch `epoch` opens five days after the previous one, from 2026-01-01.
fn instant(epoch: u64, seconds: i64) -> String {
    let start = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
    (start + chrono::TimeDelta::days(5 * epoch as i64) + chrono::TimeDelta::seconds(seconds))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The aggregator: the library's gRPC endpoint and HTTP routes over one state and the
/// in-memory backend, on loopback.
struct Aggregator {
    backend: Arc<InMemoryBackend>,
    state: Arc<AggregatorState>,
    endpoint: String,
    http_base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), ServeError>>,
    http_stop: tokio::sync::oneshot::Sender<()>,
    http_server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Aggregator {
    /// Starts serving every wire version, with the stakes of the demo's pools.
    async fn start(demo: &Demo<'_>) -> Result<Self, DemoError> {
        let backend = Arc::new(
            InMemoryBackend::new(demo.parameters, Era::Lagrange.era_name())
                .with_certification(demo.network),
        );
        backend.set_stakes(
            demo.pools
                .iter()
                .map(|pool| (pool.party_id.clone(), Stake(pool.stake)))
                .collect(),
        );
        // Every signer of the demo connects from 127.0.0.1, two epochs' worth at once (the keys
        // of the next epoch register while this one signs): more than the default per-peer
        // connection limit, which is meant for the open internet.
        let mut limits = ServerLimits::default();
        limits.max_connections_per_peer = limits.max_connections;
        let state = Arc::new(
            AggregatorState::new(
                backend.clone(),
                SoftwareVersion::new(env!("CARGO_PKG_VERSION")).expect("valid"),
                WireVersion::ALL.to_vec(),
                demo.network,
            )
            .with_limits(limits),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(setup)?;
        let endpoint = format!("http://{}", listener.local_addr().map_err(setup)?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        let config = HttpConfig::default();
        let address = demo
            .config
            .dashboard
            .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|error| DemoError::Setup(format!("binding {address}: {error}")))?;
        let mut router = mithril_compat::transport::http::router(state.clone(), &config);
        if demo.config.dashboard.is_some() {
            let snapshot = demo.dashboard.clone();
            router = router.merge(dashboard::routes(move || {
                snapshot
                    .read()
                    .map_err(|_| "the dashboard lock is poisoned".to_owned())?
                    .clone()
                    .ok_or_else(|| "the demo has not finished its first epoch yet".to_owned())
            }));
        }
        let http_base = format!(
            "http://{}{}",
            listener.local_addr().map_err(setup)?,
            config.base_path
        );
        let (http_stop, http_stopped) = tokio::sync::oneshot::channel::<()>();
        let http_server = tokio::spawn(mithril_compat::transport::http::serve(
            listener,
            router,
            async {
                let _ = http_stopped.await;
            },
        ));
        Ok(Self {
            backend,
            state,
            endpoint,
            http_base,
            stop,
            server,
            http_stop,
            http_server,
        })
    }

    /// Stops serving and waits for the servers to finish.
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.http_stop.send(());
        let _ = self.server.await;
        let _ = self.http_server.await;
    }
}

/// The era markers: the release team's key and signed payloads, and what nodes read of them.
struct Markers {
    network: NetworkMagic,
    key: EraSigningKey,
    reader: EraReader,
    state: ReaderState,
    published: Vec<String>,
}

impl Markers {
    /// The first payload: pythagoras, lagrange announced.
    fn new(network: NetworkMagic, key: EraSigningKey) -> Result<Self, DemoError> {
        let published = vec![markers_payload(network, 1, None, &key)?];
        Ok(Self {
            network,
            reader: EraReader::new(network, key.verification_key()),
            key,
            state: ReaderState::new(),
            published,
        })
    }

    /// Nodes read the published payloads at `epoch`.
    fn read(&mut self, epoch: u64) {
        let report = self
            .reader
            .read_payloads(&self.published, &self.state, Epoch(epoch));
        self.state = report.state;
    }

    /// The release team signs the next payload, lagrange scheduled at `at`, and nodes read it
    /// within `epoch`, the epoch it is published. Returns its sequence number.
    fn schedule_lagrange(&mut self, epoch: u64, at: Epoch) -> Result<u64, DemoError> {
        let sequence = self.published.len() as u64 + 1;
        self.published.push(markers_payload(
            self.network,
            sequence,
            Some(at),
            &self.key,
        )?);
        let read = self
            .reader
            .read_payloads(&self.published, &self.state, Epoch(epoch));
        if let Some(rejection) = read.rejected.iter().find(|r| r.sequence == Some(sequence)) {
            return Err(DemoError::Setup(format!(
                "marker refused: {}",
                rejection.reason
            )));
        }
        self.state = read.state;
        Ok(sequence)
    }
}

/// The epoch's signers as the aggregator published them, and what it certifies with.
struct Round {
    settings: EpochSettings,
    /// The key registration of `settings`, built once (checking each proof of possession is the
    /// costly part).
    closed: ClosedKeyRegistration,
    clerk: Clerk<D>,
    avk: AggregateVerificationKey<D>,
    avk_json_hex: String,
    /// The next epoch's signers' key, which the message commits to.
    next: NextKey,
    /// The protocol message, and the message every signer must sign (its digest).
    protocol_message: ProtocolMessage,
    message: SignedMessage,
    /// Stake and key of each registered party.
    signers: BTreeMap<PartyId, (u64, KeyBytes)>,
}

/// The aggregate verification key of a signer set, as a certificate writes it.
#[derive(Clone, Debug)]
struct NextKey {
    avk_json_hex: String,
    total_stake: u64,
}

impl NextKey {
    fn of(signers: &SignerSet, parameters: &Parameters) -> Result<Self, DemoError> {
        let settings = EpochSettings {
            epoch: Epoch(0),
            signer_registration_protocol_parameters: None,
            current_signers: signers.clone(),
            next_signers: SignerSet::default(),
            cardano_transactions_signing_config: None,
        };
        let closed = closed_registration(&settings, parameters)?;
        let clerk = Clerk::<D>::new_clerk_from_closed_key_registration(parameters, &closed);
        Self::of_key(&clerk.compute_aggregate_verification_key())
    }

    fn of_key(avk: &AggregateVerificationKey<D>) -> Result<Self, DemoError> {
        let concatenation = avk.to_concatenation_aggregate_verification_key();
        Ok(Self {
            avk_json_hex: hex::encode(serde_json::to_string(&concatenation).map_err(stm)?),
            total_stake: concatenation.get_total_stake(),
        })
    }
}

impl Round {
    fn new(
        settings: EpochSettings,
        stm_parameters: Parameters,
        parameters: ProtocolParameters,
        log: &EpochLog,
        next: NextKey,
    ) -> Result<Self, DemoError> {
        let closed = closed_registration(&settings, &stm_parameters)?;
        let clerk = Clerk::<D>::new_clerk_from_closed_key_registration(&stm_parameters, &closed);
        let avk = clerk.compute_aggregate_verification_key();
        let avk_json_hex = NextKey::of_key(&avk)?.avk_json_hex;
        let (protocol_message, message) = protocol_message(
            log.epoch,
            log.era,
            &next.avk_json_hex,
            &parameters,
            next.total_stake,
        )?;
        let signers = settings
            .current_signers
            .as_slice()
            .iter()
            .map(|signer| {
                (
                    signer.party_id.clone(),
                    (
                        signer.stake.map_or(0, |stake| stake.0),
                        signer.verification_key.clone(),
                    ),
                )
            })
            .collect();
        Ok(Self {
            settings,
            closed,
            clerk,
            avk,
            avk_json_hex,
            next,
            protocol_message,
            message,
            signers,
        })
    }

    /// The protocol message of this round's signers at `epoch` in `era`.
    fn message_of(
        &self,
        epoch: u64,
        era: Era,
        parameters: &ProtocolParameters,
    ) -> Result<SignedMessage, DemoError> {
        protocol_message(
            epoch,
            era,
            &self.next.avk_json_hex,
            parameters,
            self.next.total_stake,
        )
        .map(|(_, signed)| signed)
    }

    /// Checks a received signature: the round's message, a registered party, and a valid STM
    /// signature for its key and stake.
    fn verify(
        &self,
        signature: &SingleSignature,
        stm_parameters: &Parameters,
    ) -> Result<mithril_stm::SingleSignature, String> {
        if signature.signed_message != self.message {
            return Err("signed the wrong message".into());
        }
        let (stake, key) = self
            .signers
            .get(&signature.party_id)
            .ok_or("not registered this epoch")?;
        let key =
            VerificationKeyProofOfPossessionForConcatenation::from_canonical_bytes(key.as_bytes())
                .map_err(|error| error.to_string())?;
        let stm_signature =
            mithril_stm::SingleSignature::from_bytes::<D>(signature.signature.as_bytes())
                .map_err(|error| error.to_string())?;
        stm_signature
            .verify(
                stm_parameters,
                &key.vk,
                stake,
                &self.avk,
                self.message.as_str().as_bytes(),
            )
            .map_err(|error| error.to_string())?;
        Ok(stm_signature)
    }

    /// Aggregates the valid signatures into a certificate and verifies it; whether both worked.
    /// The aggregate signature of the valid signatures, when they reach the quorum and it
    /// verifies.
    fn certify(
        &self,
        valid: &[mithril_stm::SingleSignature],
        stm_parameters: &Parameters,
    ) -> Option<AggregateSignature<D>> {
        let message = self.message.as_str().as_bytes();
        let ancillary = AncillaryProofInput::new(None, AncillaryGenesisData::new());
        let (aggregate, output) = self
            .clerk
            .aggregate_signatures_with_type(
                valid,
                message,
                AggregateSignatureType::Concatenation,
                ancillary,
            )
            .ok()?;
        aggregate
            .verify(
                message,
                &self.avk,
                stm_parameters,
                output.verifier_data().cloned(),
                None,
            )
            .is_ok()
            .then_some(aggregate)
    }
}

/// An STM single signature as the hub carries it, with the distinct indices it won.
fn hub_signature(
    signature: &mithril_stm::SingleSignature,
) -> Result<(SignatureBytes, WonIndexes), DemoError> {
    let mut indices = signature.get_concatenation_signature_indices();
    indices.sort_unstable();
    indices.dedup();
    Ok((
        SignatureBytes::new(signature.to_bytes().map_err(stm)?).map_err(stm)?,
        WonIndexes::new(indices).map_err(stm)?,
    ))
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
) -> Result<ClosedKeyRegistration, DemoError> {
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
    /// The per-epoch table and the summary, for people: one column of accepted signatures per
    /// wire version.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "epoch  era         stake v1   stake v2   verified   proven  shadow cert  shadow sigs",
        );
        let json = self.transport != Transport::Grpc;
        if json {
            out.push_str("  sigs json");
        }
        for version in WireVersion::ALL {
            out.push_str(&format!("  {:>7}", format!("sigs {}", version.name())));
        }
        out.push_str("  rejected  warned  refused  gate       certificate  chain\n");
        for row in &self.rows {
            out.push_str(&format!(
                "{:>5}  {:<10}  {:>7.1}%   {:>7.1}%   {:>7.1}%  {:>6}  {:<11}  {:>11}",
                row.epoch,
                row.era,
                row.v1_software_share * 100.0,
                row.v2_software_share * 100.0,
                row.verified_share * 100.0,
                // Proof matters until the era is active.
                if row.gate == GateState::Active {
                    "-".to_owned()
                } else {
                    format!("{:.1}%", row.proven_share * 100.0)
                },
                match &row.shadow {
                    Some(attempt) => format!(
                        "{} {:+}",
                        if attempt.produced { "✓" } else { "✗" },
                        attempt.won_indices as i64 - attempt.quorum as i64
                    ),
                    None => "-".to_owned(),
                },
                if row.shadow.is_some() {
                    format!("{}/{}", row.shadow_signatures, row.shadow_refused)
                } else {
                    "-".to_owned()
                },
            ));
            if json {
                out.push_str(&format!("  {:>9}", row.json_signatures));
            }
            for version in WireVersion::ALL {
                let count = row.signatures_by_wire.get(version).copied().unwrap_or(0);
                out.push_str(&format!("  {count:>7}"));
            }
            out.push_str(&format!(
                "  {:>8}  {:>6}  {:>7}  {:<9}  {:<11}  {}\n",
                row.rejected_signatures,
                row.warned,
                row.refused,
                row.gate.name(),
                if row.certificate { "✓" } else { "✗" },
                if row.chain_verified { "✓" } else { "✗" },
            ));
            for note in &row.notes {
                out.push_str(&format!("       · {note}\n"));
            }
        }
        out.push_str(&format!(
            "\n{} epochs, {} without a certificate; {} certificates chained from genesis, {}; gate proposed activation at epoch {}; lagrange active from epoch {}\n",
            self.rows.len(),
            self.epochs_without_certificate,
            self.certificates,
            if self.chain_verified {
                "the chain verified"
            } else {
                "the chain BROKEN"
            },
            self.proposed_activation
                .map_or_else(|| "-".to_owned(), |epoch| epoch.to_string()),
            self.activated_at
                .map_or_else(|| "-".to_owned(), |epoch| epoch.to_string()),
        ));
        if self.activated_at.is_none()
            && let Some(reason) = self
                .gate_failure
                .as_ref()
                .or_else(|| self.rows.last().and_then(|row| row.verdict.as_ref()))
        {
            out.push_str(&format!("the gate, at the last epoch: {reason}\n"));
        }
        out
    }
}
