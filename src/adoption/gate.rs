//! The activation gate: a per-era state machine after BIP9's version bits, driven by measured
//! readiness instead of miner signalling.
//!
//! ```text
//! defined ──announced──► started ──ready N epochs in a row──► locked_in ──activation epoch──► active
//!                           │
//!                           └──timeout without lock-in──► failed
//! ```
//! Once locked in, the gate proposes the earliest activation epoch the minimum notice allows;
//! the release team signs a marker for it. An era scheduled by a marker becomes active at its
//! epoch whatever the gate's state (the schedule is the authority; the gate advises). A
//! locked-in era whose readiness drops before activation is reported as at risk.
//!
//! What "ready" means at an epoch is the caller's: [`Gate::observe`] takes a yes or no (the
//! declared readiness of [`Readiness`](super::Readiness)); [`Gate::observe_verdict`] takes the
//! [`Verdict`](super::Verdict) of [`RuleConfig::judge`](super::RuleConfig::judge) on proven
//! readiness (shadow certificates, the proven stake less the margin against the quorum target,
//! the share of the signing stake activation would cut off) and keeps its one-line explanation,
//! which becomes the failure reason if the gate times out.

use std::fmt;

use crate::domain::{Epoch, EraName};
use crate::era::REGISTRATION_PIPELINE_EPOCHS;

/// The gate's state for one era.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum GateState {
    /// The era is known to this build but not announced.
    Defined,
    /// The era is announced; readiness is being measured.
    Started,
    /// Ready long enough: an activation epoch is proposed.
    LockedIn,
    /// The era is in force.
    Active,
    /// Not ready before the timeout.
    Failed,
}

impl GateState {
    /// The state's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Defined => "defined",
            Self::Started => "started",
            Self::LockedIn => "locked_in",
            Self::Active => "active",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for GateState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the era schedule says about the gate's era at an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EraSignal {
    /// No marker names the era.
    NotAnnounced,
    /// A marker announces the era without an epoch.
    Announced,
    /// A marker schedules the era at this epoch.
    Scheduled(Epoch),
}

/// The gate's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GateConfig {
    /// Consecutive ready epochs needed to lock in (default 2).
    pub consecutive_ready: u32,
    /// Epochs after the start without lock-in before the gate fails (default 36, six months).
    pub timeout_epochs: u64,
    /// Epochs between lock-in and the earliest activation (default: the registration pipeline).
    pub minimum_notice: u64,
}

impl Default for GateConfig {
    fn default() -> Self {
        Self {
            consecutive_ready: 2,
            timeout_epochs: 36,
            minimum_notice: REGISTRATION_PIPELINE_EPOCHS,
        }
    }
}

/// A change of state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The epoch it happened at.
    pub epoch: Epoch,
    /// From.
    pub from: GateState,
    /// To.
    pub to: GateState,
}

/// Observations must move forward in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("epoch {epoch} observed after epoch {last}: observations must move forward")]
pub struct GateError {
    /// The epoch observed.
    pub epoch: Epoch,
    /// The last epoch observed.
    pub last: Epoch,
}

/// The activation gate of one era.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Gate {
    era: EraName,
    config: GateConfig,
    state: GateState,
    started_at: Option<Epoch>,
    ready_streak: u32,
    locked_in_at: Option<Epoch>,
    proposed_activation: Option<Epoch>,
    activation: Option<Epoch>,
    at_risk: bool,
    last_epoch: Option<Epoch>,
    /// The last verdict's explanation, when the gate was given verdicts.
    #[cfg_attr(feature = "serde", serde(default))]
    explanation: Option<String>,
    /// Why the gate failed, once it did.
    #[cfg_attr(feature = "serde", serde(default))]
    failure_reason: Option<String>,
}

impl Gate {
    /// A gate in state `defined`.
    pub fn new(era: EraName, config: GateConfig) -> Self {
        Self {
            era,
            config,
            state: GateState::Defined,
            started_at: None,
            ready_streak: 0,
            locked_in_at: None,
            proposed_activation: None,
            activation: None,
            at_risk: false,
            last_epoch: None,
            explanation: None,
            failure_reason: None,
        }
    }

    /// The last verdict's one-line explanation (see [`Self::observe_verdict`]).
    pub fn explanation(&self) -> Option<&str> {
        self.explanation.as_deref()
    }

    /// Why the gate failed, once it did.
    pub fn failure_reason(&self) -> Option<&str> {
        self.failure_reason.as_deref()
    }

    /// [`Self::observe`] with the rule's verdict on the epoch, which the gate keeps as its
    /// explanation (and as its failure reason, if it times out).
    pub fn observe_verdict(
        &mut self,
        epoch: Epoch,
        signal: EraSignal,
        verdict: &super::rule::Verdict,
    ) -> Result<Vec<Transition>, GateError> {
        let transitions = self.observe(epoch, signal, verdict.ready)?;
        self.explanation = Some(verdict.to_string());
        if transitions.iter().any(|t| t.to == GateState::Failed) {
            self.failure_reason = Some(format!(
                "not ready {} epochs in a row within {} epochs of the announcement; last: {verdict}",
                self.config.consecutive_ready, self.config.timeout_epochs
            ));
        }
        Ok(transitions)
    }

    /// The era.
    pub fn era(&self) -> &EraName {
        &self.era
    }

    /// The state.
    pub fn state(&self) -> GateState {
        self.state
    }

    /// Consecutive ready epochs so far.
    pub fn ready_streak(&self) -> u32 {
        self.ready_streak
    }

    /// The epoch the era was announced at.
    pub fn started_at(&self) -> Option<Epoch> {
        self.started_at
    }

    /// The epoch the gate locked in at.
    pub fn locked_in_at(&self) -> Option<Epoch> {
        self.locked_in_at
    }

    /// The earliest activation epoch the gate proposes, once locked in.
    pub fn proposed_activation(&self) -> Option<Epoch> {
        self.proposed_activation
    }

    /// The activation epoch the schedule set, once scheduled.
    pub fn activation(&self) -> Option<Epoch> {
        self.activation
    }

    /// Whether a locked-in era was not ready at the last epoch observed.
    pub fn at_risk(&self) -> bool {
        self.at_risk
    }

    fn move_to(&mut self, to: GateState, epoch: Epoch, transitions: &mut Vec<Transition>) {
        transitions.push(Transition {
            epoch,
            from: self.state,
            to,
        });
        self.state = to;
    }

    /// Advances the gate with what was measured at `epoch`: the schedule's word on the era and
    /// whether the stake was ready. Returns the transitions, in order.
    pub fn observe(
        &mut self,
        epoch: Epoch,
        signal: EraSignal,
        ready: bool,
    ) -> Result<Vec<Transition>, GateError> {
        if let Some(last) = self.last_epoch.filter(|last| epoch <= *last) {
            return Err(GateError { epoch, last });
        }
        self.last_epoch = Some(epoch);
        let mut transitions = Vec::new();
        if let EraSignal::Scheduled(at) = signal {
            self.activation = Some(at);
        }
        if self.state == GateState::Defined && signal != EraSignal::NotAnnounced {
            self.started_at = Some(epoch);
            self.move_to(GateState::Started, epoch, &mut transitions);
        }
        let activation_reached = self.activation.is_some_and(|at| epoch >= at)
            && matches!(signal, EraSignal::Scheduled(_));
        match self.state {
            GateState::Started | GateState::LockedIn if activation_reached => {
                self.at_risk = false;
                self.move_to(GateState::Active, epoch, &mut transitions);
            }
            GateState::Started => {
                self.ready_streak = if ready { self.ready_streak + 1 } else { 0 };
                if self.ready_streak >= self.config.consecutive_ready {
                    self.locked_in_at = Some(epoch);
                    self.proposed_activation =
                        Some(Epoch(epoch.0.saturating_add(self.config.minimum_notice)));
                    self.move_to(GateState::LockedIn, epoch, &mut transitions);
                } else if self.started_at.is_some_and(|start| {
                    epoch.0 >= start.0.saturating_add(self.config.timeout_epochs)
                }) {
                    self.failure_reason = Some(format!(
                        "not ready {} epochs in a row within {} epochs of the announcement",
                        self.config.consecutive_ready, self.config.timeout_epochs
                    ));
                    self.move_to(GateState::Failed, epoch, &mut transitions);
                }
            }
            GateState::LockedIn => {
                self.ready_streak = if ready { self.ready_streak + 1 } else { 0 };
                self.at_risk = !ready;
            }
            GateState::Defined | GateState::Active | GateState::Failed => {}
        }
        Ok(transitions)
    }
}

/// What the gate made of one epoch (kept by [`AdoptionMonitor`](super::AdoptionMonitor) for
/// each epoch it moved the gate at).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GateMark {
    /// The gate's state after the epoch.
    pub state: GateState,
    /// The rule's one-line verdict of the epoch, when it judged one.
    pub explanation: Option<String>,
    /// Share of registered stake proven ready (shadow signatures verified within the
    /// participation window), when the gate moved on proof.
    pub proven_share: Option<f64>,
}
