//! Adoption monitoring: which software, wire versions and eras the registered stake runs, whether
//! enough of it is ready for the next era to keep reaching the quorum, and when to activate it.
//!
//! - [`RegistrationRecord`] and [`RecordStore`] ([`MemoryStore`], a crash-safe `FileStore` of
//!   JSON lines with the `serde` feature, and an SQLite database, `SqliteStore`, with the
//!   `sqlite` feature): what each registration declared (the five versions and the eras), with
//!   its stake, how the declaration reached us ([`Provenance`]), and how many signatures each
//!   party sent.
//! - `import_event_store` (feature `sqlite`): the registrations an aggregator's monitoring
//!   event store (`monitoring.sqlite3`) recorded, as header-only records.
//! - [`Provenance`]: *verified* (signed by the pool's KES key: `cardano::certify` with feature
//!   `kes`), *unverified* ([`UnverifiedReason`]: unsigned, or a signature that does not verify,
//!   and why), or *header-only* (today's `signer-node-version` header). This is declared
//!   readiness, classed by how far it can be trusted; [`ReadinessConfig::counted`] says which
//!   classes count (verified only, by default).
//! - [`Tally`]: stake shares per distribution, software, wire, database and protocol version,
//!   era and provenance, with configurable [`Exclusions`].
//! - [`certificate_odds`] and [`minimum_stake_share`]: the exact binomial quorum model.
//! - [`Readiness`]: stake floor and quorum target, counting only stake that declared the era and
//!   signed recently.
//! - [`Gate`]: the activation state machine (defined, started, locked in, active, failed).
//! - [`RuleConfig`]: the activation rule on *proven* readiness: shadow signatures of the next
//!   era's message, and the shadow certificate they make. `ShadowRound` (feature `stm`) is the
//!   aggregator's side: it verifies each shadow signature with `mithril-stm` and aggregates an
//!   epoch's into a certificate it never publishes.
//! - [`AdoptionReport`]: serde, a table ([`std::fmt::Display`]) and Prometheus text.
//! - [`AdoptionMonitor`]: all of the above over one store.

#[cfg(feature = "dashboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "dashboard")))]
pub mod dashboard;
#[cfg(feature = "sqlite")]
mod event_store;
mod gate;
#[cfg(feature = "metrics")]
mod metrics;
mod provenance;
mod quorum;
mod readiness;
mod report;
mod rule;
#[cfg(feature = "stm")]
mod shadow;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod tally;

#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use event_store::{
    EventStoreSkip, ImportError, ImportSummary, REGISTER_SIGNER_ACTION, UNKNOWN_VERSION,
    import_event_store,
};
pub use gate::{EraSignal, Gate, GateConfig, GateError, GateMark, GateState, Transition};
pub use provenance::{CountedClasses, Provenance, ProvenanceClass, UnverifiedReason};
pub use quorum::{
    CertificateOdds, QuorumError, binomial_tails, certificate_odds, index_win_probability,
    minimum_stake_share,
};
pub use readiness::{Readiness, ReadinessConfig};
pub use report::{AdoptionReport, GateSnapshot, format_probability};
pub use rule::{Basis, Binding, Evidence, RuleConfig, ShadowCertificate, Verdict};
#[cfg(feature = "stm")]
#[cfg_attr(docsrs, doc(cfg(feature = "stm")))]
pub use shadow::{ShadowAttempt, ShadowError, ShadowRound};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteStore;
#[cfg(feature = "serde")]
pub use store::FileStore;
pub use store::{
    MemoryStore, Pruned, RecordStore, RegistrationRecord, RegistrationWire, StoreError,
};
pub use tally::{Exclusion, ExclusionReason, Exclusions, Share, Tally, TallyError, UNDECLARED};

use crate::domain::{Epoch, EraName, PartyId, ProtocolParameters, SignerRegistration, Stake};
use crate::era::EraEpochs;

/// Why the monitor could not report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdoptionError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No tally for the epoch.
    #[error(transparent)]
    Tally(#[from] TallyError),
    /// The quorum model refused its input.
    #[error(transparent)]
    Quorum(#[from] QuorumError),
    /// Epochs went backwards.
    #[error(transparent)]
    Gate(#[from] GateError),
}

/// The adoption monitor of an aggregator: records, tallies, readiness and the gate of one target
/// era.
#[derive(Debug)]
pub struct AdoptionMonitor<S> {
    store: S,
    parameters: ProtocolParameters,
    exclusions: Exclusions,
    readiness: ReadinessConfig,
    rule: RuleConfig,
    gate: Gate,
    /// What the gate made of each epoch the monitor moved it at (for the dashboard).
    gate_log: std::collections::BTreeMap<Epoch, GateMark>,
}

/// Epochs of gate history the monitor keeps.
const GATE_LOG_EPOCHS: usize = 256;

impl<S: RecordStore> AdoptionMonitor<S> {
    /// A monitor of `target` era over `store`, with default settings.
    pub fn new(store: S, parameters: ProtocolParameters, target: EraName) -> Self {
        Self {
            store,
            parameters,
            exclusions: Exclusions::default(),
            readiness: ReadinessConfig::default(),
            rule: RuleConfig::default(),
            gate: Gate::new(target, GateConfig::default()),
            gate_log: std::collections::BTreeMap::new(),
        }
    }

    /// What the gate made of each epoch the monitor moved it at, the last 256 epochs.
    pub fn gate_history(&self) -> &std::collections::BTreeMap<Epoch, GateMark> {
        &self.gate_log
    }

    /// Keeps what the gate made of `epoch`, bounded to the last [`GATE_LOG_EPOCHS`].
    fn log_gate(&mut self, epoch: Epoch, explanation: Option<String>, proven_share: Option<f64>) {
        self.gate_log.insert(
            epoch,
            GateMark {
                state: self.gate.state(),
                explanation,
                proven_share,
            },
        );
        while self.gate_log.len() > GATE_LOG_EPOCHS {
            self.gate_log.pop_first();
        }
    }

    /// Sets the exclusions.
    pub fn with_exclusions(mut self, exclusions: Exclusions) -> Self {
        self.exclusions = exclusions;
        self
    }

    /// Sets what ready means.
    pub fn with_readiness(mut self, readiness: ReadinessConfig) -> Self {
        self.readiness = readiness;
        self
    }

    /// Sets the gate's settings (the gate starts again in state `defined`).
    pub fn with_gate(mut self, config: GateConfig) -> Self {
        self.gate = Gate::new(self.gate.era().clone(), config);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, to record into it directly (an import, records made elsewhere).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// The gate.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// Records a registration that arrived on `wire`, with the party's stake and the provenance
    /// of its declaration ([`Provenance::unchecked`], or with the `kes` feature
    /// [`cardano::certify`](crate::cardano::certify)).
    pub fn record_registration(
        &mut self,
        registration: &SignerRegistration,
        stake: Stake,
        wire: RegistrationWire,
        provenance: Provenance,
    ) -> Result<(), StoreError> {
        self.store.put_registration(RegistrationRecord::new(
            registration,
            stake,
            wire,
            provenance,
        ))
    }

    /// Records single signatures received from a party during an epoch.
    pub fn record_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        self.store.put_signatures(epoch, party_id, count)
    }

    /// Records `count` verified shadow signatures (of the target era's message, sent beside the
    /// current one while it is announced) received from a party during an epoch.
    pub fn record_shadow_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        self.store.put_shadow_signatures(epoch, party_id, count)
    }

    /// The earliest epoch whose records a report of `epoch` (or a later one) reads: the
    /// participation window ending at `epoch`.
    pub fn oldest_epoch_read(&self, epoch: Epoch) -> Epoch {
        let window = self.readiness.participation_window.max(1);
        Epoch(epoch.0.saturating_sub(window - 1))
    }

    /// Forgets the records that no report of `epoch` or later reads (those before
    /// [`Self::oldest_epoch_read`]), so that a long-running aggregator's records stay the size
    /// of its participation window. Reports, evidence and the gate of `epoch` and later epochs
    /// are unchanged: the first registration of each party, which exclusions by tenure read, is
    /// kept. A report of an earlier epoch no longer sees what was forgotten, so a dashboard's
    /// history (`history_epochs` back) shows only the epochs left: to keep it, prune the store
    /// ([`Self::store_mut`], [`RecordStore::prune_before`]) before the history's first epoch
    /// less the window instead.
    pub fn prune(&mut self, epoch: Epoch) -> Result<Pruned, StoreError> {
        let oldest = self.oldest_epoch_read(epoch);
        self.store.prune_before(oldest)
    }

    /// Sets the rule that judges proven readiness ([`Self::advance_proven`]).
    pub fn with_rule(mut self, rule: RuleConfig) -> Self {
        self.rule = rule;
        self
    }

    /// What the records prove about the target era at `epoch`, as shares of the epoch's
    /// registered stake: the stake whose shadow signatures verified within the participation
    /// window (proven), the stake that signed within it (signing), what a switch would cut off,
    /// and verified declared readiness. `won_indices` is this epoch's shadow aggregate, when the
    /// aggregator attempted one; its stake is the stake whose shadow signatures of this epoch
    /// the records hold.
    pub fn evidence(
        &self,
        epoch: Epoch,
        won_indices: Option<u64>,
    ) -> Result<Evidence, AdoptionError> {
        let report = self.report(epoch)?;
        Ok(self.evidence_of(&report, won_indices))
    }

    /// [`Self::evidence`] on a report's tally and readiness.
    fn evidence_of(&self, report: &AdoptionReport, won_indices: Option<u64>) -> Evidence {
        let tally = &report.tally;
        let epoch = tally.epoch;
        let declared_share = report
            .readiness
            .as_ref()
            .map_or(0.0, |readiness| readiness.ready_share);
        let window = self.readiness.participation_window;
        let signed = readiness::active_parties(epoch, window, |at| self.store.signatures(at));
        let proven =
            readiness::active_parties(epoch, window, |at| self.store.shadow_signatures(at));
        let shadow_now = self.store.shadow_signatures(epoch);
        let (mut signing, mut proven_stake, mut cut_off, mut now, mut signers) =
            (0u128, 0u128, 0u128, 0u128, 0usize);
        for record in &tally.counted {
            let stake = u128::from(record.stake.0);
            let is_signing = signed.contains(&record.party_id);
            let is_proven = proven.contains(&record.party_id);
            signing += if is_signing { stake } else { 0 };
            if is_proven {
                proven_stake += stake;
                signers += 1;
            } else if is_signing {
                cut_off += stake;
            }
            if shadow_now
                .get(&record.party_id)
                .is_some_and(|count| *count > 0)
            {
                now += stake;
            }
        }
        Evidence {
            shadow_signers: signers,
            proven_share: tally.share_of(proven_stake),
            signing_share: tally.share_of(signing),
            cut_off_share: tally.share_of(cut_off),
            shadow_certificate: won_indices.map(|won_indices| ShadowCertificate {
                won_indices,
                quorum: self.parameters.k(),
                stake_share: tally.share_of(now),
            }),
            declared_share,
        }
    }

    /// The report of `epoch`, after moving the gate on *proven* readiness: the rule's verdict
    /// on [`Self::evidence`] (see [`RuleConfig::judge`]), which the gate keeps as its
    /// explanation.
    pub fn advance_proven(
        &mut self,
        epoch: Epoch,
        signal: EraSignal,
        won_indices: Option<u64>,
    ) -> Result<(AdoptionReport, Vec<Transition>), AdoptionError> {
        let mut report = self.report(epoch)?;
        let evidence = self.evidence_of(&report, won_indices);
        let verdict = self.rule.judge(&self.parameters, &evidence)?;
        // Once the era is active (or the gate failed), a verdict judges nothing.
        let judging = !matches!(self.gate.state(), GateState::Active | GateState::Failed);
        let transitions = self.gate.observe_verdict(epoch, signal, &verdict)?;
        if judging && self.gate.state() != GateState::Active {
            self.log_gate(
                epoch,
                Some(verdict.to_string()),
                Some(evidence.proven_share),
            );
        } else {
            self.log_gate(epoch, None, None);
        }
        report.gate = Some(GateSnapshot::from(&self.gate));
        report.evidence = Some(evidence);
        report.verdict = Some(verdict);
        Ok((report, transitions))
    }

    /// The report of `epoch` without moving the gate.
    pub fn report(&self, epoch: Epoch) -> Result<AdoptionReport, AdoptionError> {
        let tally = Tally::compute(&self.store, epoch, &self.exclusions)?;
        let readiness = Readiness::compute(
            &tally,
            &self.store,
            self.gate.era(),
            &self.parameters,
            &self.readiness,
        )?;
        Ok(AdoptionReport {
            tally,
            readiness: Some(readiness),
            gate: Some(GateSnapshot::from(&self.gate)),
            evidence: None,
            verdict: None,
        })
    }

    /// The report of `epoch`, after moving the gate with it and with what the schedule says
    /// about the target era (`epochs` is the schedule at `epoch`, with all markers).
    pub fn advance(
        &mut self,
        epoch: Epoch,
        signal: EraSignal,
    ) -> Result<(AdoptionReport, Vec<Transition>), AdoptionError> {
        let mut report = self.report(epoch)?;
        let ready = report.readiness.as_ref().is_some_and(Readiness::is_ready);
        let transitions = self.gate.observe(epoch, signal, ready)?;
        self.log_gate(epoch, None, None);
        report.gate = Some(GateSnapshot::from(&self.gate));
        Ok((report, transitions))
    }
}

/// What a schedule point says about `era`, for [`AdoptionMonitor::advance`].
pub fn era_signal(
    epochs: &EraEpochs,
    markers: &[crate::era::EraMarker],
    era: &EraName,
) -> EraSignal {
    if epochs
        .current
        .as_ref()
        .is_some_and(|current| &current.name == era)
    {
        return EraSignal::Scheduled(epochs.current.as_ref().map_or(epochs.epoch, |c| c.since));
    }
    match markers.iter().find(|marker| &marker.name == era) {
        Some(marker) => marker
            .epoch
            .map_or(EraSignal::Announced, EraSignal::Scheduled),
        None => EraSignal::NotAnnounced,
    }
}
