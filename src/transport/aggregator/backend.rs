//! What the node crate plugs in: the aggregator's handling of registrations, signatures and
//! epoch settings, and an in-memory implementation for tests and demos.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::adoption::{AdoptionMonitor, MemoryStore, Provenance, RecordStore, RegistrationWire};
use crate::domain::{
    AggregateSignatureKind, AggregatorFeatures, Epoch, EpochSettings, EraName, Label, PartyId,
    ProtocolConfiguration, ProtocolParameters, SignedEntityKind, SignedMessage, SignerRegistration,
    SingleSignature, Stake,
};

/// Why the backend refused or failed a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The request is well formed but refused (unknown party, bad signature…): HTTP 400. A
    /// registration for an epoch other than the open round's is [`Self::Internal`] in today's
    /// aggregators (HTTP 500, which today's signer retries at its next cycle as it does a 400).
    #[error("refused: {0}")]
    Refused(String),
    /// Nothing to answer yet (epoch settings not known…), or the aggregator is at capacity.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The registration round of the aggregator's new epoch is not open yet (HTTP 550, as
    /// Mithril's aggregator answers while it moves to a new epoch): the signer registers again
    /// at its next cycle, within the same epoch.
    #[error("registration round not open: {0}")]
    RoundNotOpen(String),
    /// The signature can never be taken: its message is already certified or expired, or its
    /// signed entity type is discontinued (HTTP 410; the signer does not retry).
    #[error("gone: {0}")]
    Gone(String),
    /// No open round for the signature and no buffering for it (HTTP 404), or nothing known for
    /// what was asked (a protocol configuration of an epoch).
    #[error("not found: {0}")]
    NotFound(String),
    /// The backend failed.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The aggregator side of the signer service, in hub types. The adapters of every transport and
/// wire version (gRPC services, HTTP routes in JSON or protobuf) decode, convert, check the era
/// policy, then call it.
#[async_trait::async_trait]
pub trait SignerBackend: Send + Sync + 'static {
    /// Registers a signer's keys; `wire` is how the registration arrived.
    async fn register_signer(
        &self,
        registration: SignerRegistration,
        wire: RegistrationWire,
    ) -> Result<(), BackendError>;

    /// Registers one single signature.
    async fn register_signature(
        &self,
        signature: SingleSignature,
        wire: RegistrationWire,
    ) -> Result<(), BackendError>;

    /// The epoch settings signers need now.
    async fn epoch_settings(&self) -> Result<EpochSettings, BackendError>;

    /// The protocol configuration of `epoch` (`GET /protocol-configuration/{epoch}`). By default
    /// none is known ([`BackendError::NotFound`]). Today's signers read the registration's
    /// protocol parameters from it, not from the epoch settings, and ask for the epochs before,
    /// at and after the current one: a backend that today's signers register with answers those
    /// (as [`InMemoryBackend`] does), or they never register.
    async fn protocol_configuration(
        &self,
        epoch: Epoch,
    ) -> Result<ProtocolConfiguration, BackendError> {
        Err(BackendError::NotFound(format!(
            "no protocol configuration for epoch {epoch}"
        )))
    }

    /// What the aggregator offers (`GET /`); the transport fills in the wire versions it serves.
    /// By default, today's API version, Mithril's documentation, the concatenation proof system
    /// and the Mithril stake distribution only.
    async fn aggregator_features(&self) -> Result<AggregatorFeatures, BackendError> {
        Ok(AggregatorFeatures {
            open_api_version: Label::new(OPEN_API_VERSION).map_err(internal)?,
            documentation_url: Label::new(DOCUMENTATION_URL).map_err(internal)?,
            signed_entity_types: vec![SignedEntityKind::MithrilStakeDistribution],
            aggregate_signature_type: AggregateSignatureKind::Concatenation,
            cardano_transactions_prover_max_hashes: None,
            wire_versions: Vec::new(),
        })
    }
}

/// The documentation an aggregator points to in `GET /` by default.
pub const DOCUMENTATION_URL: &str = "https://mithril.network/doc";

/// The OpenAPI version of today's API (`mithril-common` 0.8.3's `openapi.yaml`).
const OPEN_API_VERSION: &str = "0.1.71";

fn internal(error: impl std::fmt::Display) -> BackendError {
    BackendError::Internal(error.to_string())
}

/// Epochs after the current one whose protocol configuration the in-memory backend answers:
/// today's signers ask for the epochs before, at and after the current one to register
/// (`mithril-signer` `src/services/epoch_service.rs`, `internal/mithril-protocol-config`), and a
/// 404 keeps them from registering.
pub const PROTOCOL_CONFIGURATION_EPOCHS_AHEAD: u64 = 2;

/// How many epochs of registrations and signatures the in-memory backend keeps by default.
pub const DEFAULT_RETENTION_EPOCHS: u64 = 4;
/// Epochs of adoption records the in-memory backend's monitor keeps by default: as many as its
/// dashboard shows (`DashboardConfig::history_epochs`).
pub const DEFAULT_MONITOR_RETENTION_EPOCHS: u64 = 24;
/// Most signatures, and most registrations, the in-memory backend keeps for one epoch by default.
pub const DEFAULT_MAX_PER_EPOCH: usize = 1_000_000;

#[derive(Debug)]
struct Inner {
    epoch: Epoch,
    stakes: BTreeMap<PartyId, Stake>,
    settings: Option<EpochSettings>,
    /// Registrations by the epoch they were made at.
    registrations: BTreeMap<(Epoch, PartyId), SignerRegistration>,
    /// How many registrations each epoch holds.
    registration_counts: BTreeMap<Epoch, usize>,
    /// Signatures by the epoch they arrived at, each kept once.
    signatures: BTreeMap<Epoch, Vec<(SingleSignature, RegistrationWire)>>,
    /// What identifies a signature already kept: party, signed entity and message.
    seen: BTreeMap<Epoch, std::collections::HashSet<(PartyId, String, SignedMessage)>>,
    received: u64,
    monitor: AdoptionMonitor<MemoryStore>,
    default_stake: Option<Stake>,
    /// The protocol configuration answered for the epochs around the current one.
    protocol_configuration: ProtocolConfiguration,
}

impl Inner {
    /// Forgets what is older than the retention windows before `epoch`.
    fn forget_before(&mut self, epoch: Epoch, retention: u64, monitor_retention: u64) {
        let oldest = Epoch(epoch.0.saturating_sub(retention));
        self.signatures = self.signatures.split_off(&oldest);
        self.seen = self.seen.split_off(&oldest);
        self.registrations.retain(|(at, _), _| *at >= oldest);
        self.registration_counts = self.registration_counts.split_off(&oldest);
        // Never what the monitor's own reports read; the memory store cannot fail.
        let monitor_oldest = Epoch(epoch.0.saturating_sub(monitor_retention))
            .min(self.monitor.oldest_epoch_read(epoch));
        let _ = self.monitor.store_mut().prune_before(monitor_oldest);
    }
}

/// A [`SignerBackend`] in memory, for tests, demos and `serve`: it keeps the registrations and
/// signatures of the last epochs (a retention window, [`DEFAULT_RETENTION_EPOCHS`] by default),
/// each once (a signature is identified by its party, signed entity and message), at most
/// `DEFAULT_MAX_PER_EPOCH` (1 000 000) of each per epoch, and feeds the adoption monitor with what it
/// keeps (its records are kept for [`DEFAULT_MONITOR_RETENTION_EPOCHS`] by default,
/// [`Self::with_monitor_retention`]). Its memory stays flat under load while the epoch moves. Registrations are kept by the
/// epoch they name, which a peer chooses: a node crate's backend should refuse epochs it does not
/// expect.
///
/// With [`Self::echo`], every message received is logged with `tracing` (target
/// `mithril_compat::received`), after the backend's lock is released: a slow or closed log
/// output never holds or fails a call.
#[derive(Debug)]
pub struct InMemoryBackend {
    inner: Mutex<Inner>,
    echo: bool,
    retention: u64,
    monitor_retention: u64,
    max_per_epoch: usize,
    /// The network whose pool signatures are checked, when they are.
    #[cfg_attr(not(feature = "kes"), allow(dead_code))]
    network: Option<crate::domain::NetworkMagic>,
}

impl InMemoryBackend {
    /// An empty backend whose monitor tracks readiness for `target` under `parameters`.
    pub fn new(parameters: ProtocolParameters, target: EraName) -> Self {
        Self {
            inner: Mutex::new(Inner {
                epoch: Epoch(0),
                stakes: BTreeMap::new(),
                settings: None,
                registrations: BTreeMap::new(),
                registration_counts: BTreeMap::new(),
                signatures: BTreeMap::new(),
                seen: BTreeMap::new(),
                received: 0,
                monitor: AdoptionMonitor::new(MemoryStore::new(), parameters, target),
                default_stake: None,
                protocol_configuration: ProtocolConfiguration {
                    protocol_parameters: parameters,
                    cardano_transactions_signing_config: None,
                    cardano_blocks_transactions_signing_config: None,
                    available_signed_entity_types: vec![SignedEntityKind::MithrilStakeDistribution],
                },
            }),
            echo: false,
            retention: DEFAULT_RETENTION_EPOCHS,
            monitor_retention: DEFAULT_MONITOR_RETENTION_EPOCHS,
            max_per_epoch: DEFAULT_MAX_PER_EPOCH,
            network: None,
        }
    }

    /// Checks the pool signatures of registrations on `network`
    /// ([`cardano::certify`](crate::cardano::certify)), so the monitor records each declaration
    /// as verified or unverified with its reason; without it, declarations are recorded as
    /// [`Provenance::unchecked`] says. A registration is accepted or refused the same either way.
    #[cfg(feature = "kes")]
    #[cfg_attr(docsrs, doc(cfg(feature = "kes")))]
    pub fn with_certification(mut self, network: crate::domain::NetworkMagic) -> Self {
        self.network = Some(network);
        self
    }

    /// Keeps at most `max` signatures, and at most `max` registrations, per epoch; past it, the
    /// backend refuses them as unavailable.
    pub fn with_max_per_epoch(mut self, max: usize) -> Self {
        self.max_per_epoch = max;
        self
    }

    /// Gives parties absent from the stake distribution this stake instead of refusing them.
    pub fn with_default_stake(self, stake: Stake) -> Self {
        self.lock().default_stake = Some(stake);
        self
    }

    /// Keeps registrations and signatures of the last `epochs` epochs.
    pub fn with_retention(mut self, epochs: u64) -> Self {
        self.retention = epochs;
        self
    }

    /// Keeps the adoption monitor's records of the current epoch and the `epochs` before it, and
    /// never fewer than its reports read (the participation window); its dashboard reads the
    /// epochs of its history.
    pub fn with_monitor_retention(mut self, epochs: u64) -> Self {
        self.monitor_retention = epochs;
        self
    }

    /// Logs every message received (see the type's documentation).
    pub fn echo(mut self) -> Self {
        self.echo = true;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated: keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Moves to `epoch`, forgetting what is past the retention window.
    pub fn set_epoch(&self, epoch: Epoch) {
        let mut inner = self.lock();
        inner.epoch = epoch;
        inner.forget_before(epoch, self.retention, self.monitor_retention);
    }

    /// The current epoch.
    pub fn epoch(&self) -> Epoch {
        self.lock().epoch
    }

    /// Replaces the stake distribution.
    pub fn set_stakes(&self, stakes: BTreeMap<PartyId, Stake>) {
        self.lock().stakes = stakes;
    }

    /// Publishes epoch settings.
    pub fn set_epoch_settings(&self, settings: EpochSettings) {
        self.lock().settings = Some(settings);
    }

    /// Replaces the protocol configuration the backend answers
    /// (`GET /protocol-configuration/{epoch}`) for the epochs it knows: those of its retention
    /// window and the [`PROTOCOL_CONFIGURATION_EPOCHS_AHEAD`] after the current one. By default,
    /// the protocol parameters it was built with, the Mithril stake distribution only and no
    /// transaction signing configuration.
    pub fn set_protocol_configuration(&self, configuration: ProtocolConfiguration) {
        self.lock().protocol_configuration = configuration;
    }

    /// How many registrations and signatures were received since the start (forgotten ones
    /// included).
    pub fn received_count(&self) -> u64 {
        self.lock().received
    }

    /// The registrations made at `epoch`, while it is within the retention window.
    pub fn registrations(&self, epoch: Epoch) -> Vec<SignerRegistration> {
        self.lock()
            .registrations
            .iter()
            .filter(|((at, _), _)| *at == epoch)
            .map(|(_, registration)| registration.clone())
            .collect()
    }

    /// Every signature kept, oldest epoch first.
    pub fn signatures(&self) -> Vec<(SingleSignature, RegistrationWire)> {
        self.lock().signatures.values().flatten().cloned().collect()
    }

    /// The signatures that arrived at `epoch`, while it is within the retention window.
    pub fn signatures_of(&self, epoch: Epoch) -> Vec<(SingleSignature, RegistrationWire)> {
        self.lock()
            .signatures
            .get(&epoch)
            .cloned()
            .unwrap_or_default()
    }

    /// How many registrations and signatures are kept now (what memory holds).
    pub fn kept(&self) -> (usize, usize) {
        let inner = self.lock();
        (
            inner.registrations.len(),
            inner.signatures.values().map(Vec::len).sum(),
        )
    }

    /// The provenance of a registration's declaration.
    fn provenance(&self, registration: &SignerRegistration, wire: RegistrationWire) -> Provenance {
        #[cfg(feature = "kes")]
        if let Some(network) = self.network {
            return crate::cardano::certify(registration, wire, network);
        }
        Provenance::unchecked(registration, wire)
    }

    /// Runs `f` on the adoption monitor.
    pub fn with_monitor<R>(&self, f: impl FnOnce(&mut AdoptionMonitor<MemoryStore>) -> R) -> R {
        f(&mut self.lock().monitor)
    }
}

#[async_trait::async_trait]
impl SignerBackend for InMemoryBackend {
    async fn register_signer(
        &self,
        registration: SignerRegistration,
        wire: RegistrationWire,
    ) -> Result<(), BackendError> {
        let mut inner = self.lock();
        let key = (registration.epoch, registration.party_id.clone());
        let new = !inner.registrations.contains_key(&key);
        let count = inner
            .registration_counts
            .get(&registration.epoch)
            .copied()
            .unwrap_or(0);
        if new && count >= self.max_per_epoch {
            return Err(BackendError::Unavailable(format!(
                "this aggregator keeps at most {} registrations per epoch",
                self.max_per_epoch
            )));
        }
        let stake = *inner
            .stakes
            .get(&registration.party_id)
            .or(inner.default_stake.as_ref())
            .ok_or_else(|| {
                BackendError::Refused(format!(
                    "party {} is not in the stake distribution",
                    registration.party_id
                ))
            })?;
        let provenance = self.provenance(&registration, wire);
        inner
            .monitor
            .record_registration(&registration, stake, wire, provenance)
            .map_err(|error| BackendError::Internal(error.to_string()))?;
        inner.received += 1;
        let line = self.echo.then(|| {
            format!(
                "registration  {wire:<4} epoch {} {} software {} eras {:?}",
                registration.epoch,
                registration.party_id,
                registration.node_info.software_version(),
                registration
                    .node_info
                    .supported_eras()
                    .iter()
                    .map(|era| era.as_str())
                    .collect::<Vec<_>>()
            )
        });
        // A detached copy: the decoded value shares the request's buffer.
        if new {
            *inner
                .registration_counts
                .entry(registration.epoch)
                .or_default() += 1;
        }
        inner.registrations.insert(key, registration.detached());
        drop(inner);
        if let Some(line) = line {
            tracing::info!(target: "mithril_compat::received", "{line}");
        }
        Ok(())
    }

    async fn register_signature(
        &self,
        signature: SingleSignature,
        wire: RegistrationWire,
    ) -> Result<(), BackendError> {
        let mut inner = self.lock();
        let epoch = inner.epoch;
        inner.received += 1;
        // Each signature once: the same party, entity and message again is already kept and
        // already counted.
        let identity = (
            signature.party_id.clone(),
            signature.signed_entity_type.name().to_owned(),
            signature.signed_message.clone(),
        );
        let seen = inner.seen.entry(epoch).or_default();
        if seen.contains(&identity) {
            return Ok(());
        }
        if seen.len() >= self.max_per_epoch {
            return Err(BackendError::Unavailable(format!(
                "this aggregator keeps at most {} signatures per epoch",
                self.max_per_epoch
            )));
        }
        inner
            .monitor
            .record_signatures(epoch, &signature.party_id, 1)
            .map_err(|error| BackendError::Internal(error.to_string()))?;
        inner.seen.entry(epoch).or_default().insert(identity);
        let line = self.echo.then(|| {
            format!(
                "signature     {wire:<4} {} {} on {} ({} indices)",
                signature.party_id,
                signature.signed_entity_type.name(),
                signature.signed_message,
                signature.won_indexes.len()
            )
        });
        // A detached copy: the decoded value shares the request's buffer, which would stay
        // alive with it.
        inner
            .signatures
            .entry(epoch)
            .or_default()
            .push((signature.detached(), wire));
        drop(inner);
        if let Some(line) = line {
            tracing::info!(target: "mithril_compat::received", "{line}");
        }
        Ok(())
    }

    async fn epoch_settings(&self) -> Result<EpochSettings, BackendError> {
        self.lock()
            .settings
            .clone()
            .ok_or_else(|| BackendError::Unavailable("no epoch settings yet".into()))
    }

    /// The configuration set with [`Self::set_protocol_configuration`] for an epoch of the
    /// retention window or up to [`PROTOCOL_CONFIGURATION_EPOCHS_AHEAD`] after the current one;
    /// [`BackendError::NotFound`] for any other, as an aggregator answers 404 for an epoch it has
    /// no settings of.
    async fn protocol_configuration(
        &self,
        epoch: Epoch,
    ) -> Result<ProtocolConfiguration, BackendError> {
        let inner = self.lock();
        let first = inner.epoch.0.saturating_sub(self.retention);
        let last = inner
            .epoch
            .0
            .saturating_add(PROTOCOL_CONFIGURATION_EPOCHS_AHEAD);
        if (first..=last).contains(&epoch.0) {
            Ok(inner.protocol_configuration.clone())
        } else {
            Err(BackendError::NotFound(format!(
                "no protocol configuration for epoch {epoch} (this aggregator knows epochs \
                 {first} to {last})"
            )))
        }
    }
}
