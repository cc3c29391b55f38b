//! What the node crate plugs in: the aggregator's handling of registrations, signatures and
//! epoch settings, and an in-memory implementation for tests and demos.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::adoption::{AdoptionMonitor, MemoryStore, RegistrationWire};
use crate::domain::{
    Epoch, EpochSettings, EraName, PartyId, ProtocolParameters, SignerRegistration,
    SingleSignature, Stake,
};

/// Why the backend refused or failed a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The request is well formed but refused (unknown party, wrong epoch, bad signature…).
    #[error("refused: {0}")]
    Refused(String),
    /// Nothing to answer yet (epoch settings not known…).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The backend failed.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The aggregator side of the signer service, in hub types. The gRPC adapters of every wire
/// version decode, convert, check the era policy, then call it.
#[tonic::async_trait]
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
}

/// One thing the in-memory backend received.
#[derive(Clone, Debug, PartialEq)]
pub enum Received {
    /// A registration.
    Registration(Box<SignerRegistration>, RegistrationWire),
    /// A single signature.
    Signature(Box<SingleSignature>, RegistrationWire),
}

#[derive(Debug)]
struct Inner {
    epoch: Epoch,
    stakes: BTreeMap<PartyId, Stake>,
    settings: Option<EpochSettings>,
    registrations: BTreeMap<(Epoch, PartyId), SignerRegistration>,
    signatures: Vec<(SingleSignature, RegistrationWire)>,
    log: Vec<Received>,
    monitor: AdoptionMonitor<MemoryStore>,
    default_stake: Option<Stake>,
}

/// A backend that keeps everything in memory and feeds an adoption monitor: registrations
/// (one per party and epoch, the last one wins), signatures, and a log of what arrived.
#[derive(Debug)]
pub struct InMemoryBackend {
    inner: Mutex<Inner>,
    echo: bool,
}

impl InMemoryBackend {
    /// A backend whose adoption monitor tracks readiness for `target` under `parameters`.
    pub fn new(parameters: ProtocolParameters, target: EraName) -> Self {
        Self {
            inner: Mutex::new(Inner {
                epoch: Epoch(0),
                stakes: BTreeMap::new(),
                settings: None,
                registrations: BTreeMap::new(),
                signatures: Vec::new(),
                log: Vec::new(),
                monitor: AdoptionMonitor::new(MemoryStore::new(), parameters, target),
                default_stake: None,
            }),
            echo: false,
        }
    }

    /// Accepts parties missing from the stake distribution with this stake (for demos; by
    /// default they are refused).
    pub fn with_default_stake(self, stake: Stake) -> Self {
        self.lock().default_stake = Some(stake);
        self
    }

    /// Prints one line per request received on stdout (for the `serve` command).
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

    /// Sets the current epoch (signatures are counted for it).
    pub fn set_epoch(&self, epoch: Epoch) {
        self.lock().epoch = epoch;
    }

    /// Sets the stake of each party (registrations of unknown parties are refused).
    pub fn set_stakes(&self, stakes: BTreeMap<PartyId, Stake>) {
        self.lock().stakes = stakes;
    }

    /// Sets the epoch settings served.
    pub fn set_epoch_settings(&self, settings: EpochSettings) {
        self.lock().settings = Some(settings);
    }

    /// Everything received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.lock().log.clone()
    }

    /// The registrations kept for an epoch, one per party.
    pub fn registrations(&self, epoch: Epoch) -> Vec<SignerRegistration> {
        self.lock()
            .registrations
            .iter()
            .filter(|((at, _), _)| *at == epoch)
            .map(|(_, registration)| registration.clone())
            .collect()
    }

    /// The single signatures received, with the wire each came on.
    pub fn signatures(&self) -> Vec<(SingleSignature, RegistrationWire)> {
        self.lock().signatures.clone()
    }

    /// Runs `f` on the adoption monitor.
    pub fn with_monitor<R>(&self, f: impl FnOnce(&mut AdoptionMonitor<MemoryStore>) -> R) -> R {
        f(&mut self.lock().monitor)
    }
}

#[tonic::async_trait]
impl SignerBackend for InMemoryBackend {
    async fn register_signer(
        &self,
        registration: SignerRegistration,
        wire: RegistrationWire,
    ) -> Result<(), BackendError> {
        let mut inner = self.lock();
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
        inner
            .monitor
            .record_registration(&registration, stake, wire)
            .map_err(|error| BackendError::Internal(error.to_string()))?;
        if self.echo {
            println!(
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
            );
        }
        inner
            .log
            .push(Received::Registration(Box::new(registration.clone()), wire));
        inner.registrations.insert(
            (registration.epoch, registration.party_id.clone()),
            registration,
        );
        Ok(())
    }

    async fn register_signature(
        &self,
        signature: SingleSignature,
        wire: RegistrationWire,
    ) -> Result<(), BackendError> {
        let mut inner = self.lock();
        let epoch = inner.epoch;
        inner
            .monitor
            .record_signatures(epoch, &signature.party_id, 1)
            .map_err(|error| BackendError::Internal(error.to_string()))?;
        if self.echo {
            println!(
                "signature     {wire:<4} {} {} on {} ({} indices)",
                signature.party_id,
                signature.signed_entity_type.name(),
                signature.signed_message,
                signature.won_indexes.len()
            );
        }
        inner
            .log
            .push(Received::Signature(Box::new(signature.clone()), wire));
        inner.signatures.push((signature, wire));
        Ok(())
    }

    async fn epoch_settings(&self) -> Result<EpochSettings, BackendError> {
        self.lock()
            .settings
            .clone()
            .ok_or_else(|| BackendError::Unavailable("no epoch settings yet".into()))
    }
}
