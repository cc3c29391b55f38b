//! Reports: a serde value, a table for people, and Prometheus text exposition.

use std::collections::BTreeMap;
use std::fmt;

use super::gate::{Gate, GateState};
use super::readiness::Readiness;
use super::rule::{Evidence, Verdict};
use super::tally::{ExclusionReason, Tally, UNDECLARED};
use crate::domain::{Epoch, EraName};

/// The gate's state, as reported.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GateSnapshot {
    /// The era.
    pub era: EraName,
    /// The state.
    pub state: GateState,
    /// Consecutive ready epochs.
    pub ready_streak: u32,
    /// The earliest activation epoch proposed, once locked in.
    pub proposed_activation: Option<Epoch>,
    /// The activation epoch the schedule set.
    pub activation: Option<Epoch>,
    /// A locked-in era that was not ready at this epoch.
    pub at_risk: bool,
    /// The last verdict's one-line explanation, when the gate is given verdicts.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub explanation: Option<String>,
    /// Why the gate failed, once it did.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub failure_reason: Option<String>,
}

impl From<&Gate> for GateSnapshot {
    fn from(gate: &Gate) -> Self {
        Self {
            era: gate.era().clone(),
            state: gate.state(),
            ready_streak: gate.ready_streak(),
            proposed_activation: gate.proposed_activation(),
            activation: gate.activation(),
            at_risk: gate.at_risk(),
            explanation: gate.explanation().map(str::to_owned),
            failure_reason: gate.failure_reason().map(str::to_owned),
        }
    }
}

/// Everything the adoption monitor says about one epoch.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdoptionReport {
    /// Shares per software version, wire and era, and exclusions.
    pub tally: Tally,
    /// Readiness of the target era, when one is given.
    pub readiness: Option<Readiness>,
    /// The gate of the target era, when it is tracked.
    pub gate: Option<GateSnapshot>,
    /// What was proven about the target era (shadow signatures and certificate), when the gate
    /// moves on proven readiness ([`AdoptionMonitor::advance_proven`](super::AdoptionMonitor::advance_proven)).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub evidence: Option<Evidence>,
    /// The rule's verdict on that evidence.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub verdict: Option<Verdict>,
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// `P(certificate)` for people: close to one, the distance to one says more.
pub fn format_probability(success: f64, failure: f64) -> String {
    if failure == 0.0 {
        "1 - <1e-300".to_owned()
    } else if failure < 1e-3 {
        format!("1 - {failure:.1e}")
    } else {
        format!("{success:.4}")
    }
}

impl fmt::Display for AdoptionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tally = &self.tally;
        writeln!(
            f,
            "adoption at epoch {}: {} signers, {} lovelace registered",
            tally.epoch, tally.signers, tally.total_stake
        )?;
        for (name, values) in tally.dimensions() {
            // A version nobody declares says nothing: left out, as are empty breakdowns.
            if values.is_empty() || (values.len() == 1 && values.contains_key(UNDECLARED)) {
                continue;
            }
            let title = match name {
                "era" => "supported era".to_owned(),
                other => other.replace('_', " "),
            };
            writeln!(f, "  {title:<18} {:>8} {:>8}", "signers", "stake")?;
            for (value, share) in values {
                writeln!(
                    f,
                    "    {value:<16} {:>8} {:>8}",
                    share.signers,
                    percent(share.share)
                )?;
            }
        }
        if !tally.excluded.is_empty() {
            let mut reasons: BTreeMap<ExclusionReason, usize> = BTreeMap::new();
            for exclusion in &tally.excluded {
                *reasons.entry(exclusion.reason).or_default() += 1;
            }
            let stake: u128 = tally.excluded.iter().map(|e| u128::from(e.stake.0)).sum();
            writeln!(
                f,
                "  excluded from the ready stake: {} signers ({}): {reasons:?}",
                tally.excluded.len(),
                percent(tally.share_of(stake))
            )?;
        }
        if let Some(readiness) = &self.readiness {
            writeln!(
                f,
                "  era {}: declared {} ({} not counted for its provenance), ready {}, effective {}, P(certificate) {}; floor {}, quorum {} -> {}",
                readiness.era,
                percent(readiness.declared_share),
                percent(readiness.uncounted_share),
                percent(readiness.ready_share),
                percent(readiness.effective_share),
                format_probability(readiness.odds.success, readiness.odds.failure),
                if readiness.meets_floor {
                    "met"
                } else {
                    "not met"
                },
                if readiness.meets_quorum {
                    "met"
                } else {
                    "not met"
                },
                if readiness.is_ready() {
                    "ready"
                } else {
                    "not ready"
                },
            )?;
        }
        if let Some(evidence) = &self.evidence {
            write!(
                f,
                "  proof: {} shadow signers, proven {}, signing {}, cut off by a switch {}; shadow certificate: ",
                evidence.shadow_signers,
                percent(evidence.proven_share),
                percent(evidence.signing_share),
                percent(evidence.cut_off_share),
            )?;
            match evidence.shadow_certificate {
                Some(attempt) => writeln!(
                    f,
                    "{} of {} indices ({}, margin {:+})",
                    attempt.won_indices,
                    attempt.quorum,
                    if attempt.produced() {
                        "produced"
                    } else {
                        "not produced"
                    },
                    attempt.margin()
                )?,
                None => writeln!(f, "not attempted")?,
            }
        }
        if let Some(gate) = &self.gate {
            write!(f, "  gate {}: {}", gate.era, gate.state)?;
            if let Some(epoch) = gate.proposed_activation {
                write!(f, ", proposed activation at epoch {epoch}")?;
            }
            if let Some(epoch) = gate.activation {
                write!(f, ", scheduled at epoch {epoch}")?;
            }
            if gate.at_risk {
                write!(f, " (AT RISK: not ready this epoch)")?;
            }
            writeln!(f)?;
            if let Some(explanation) = &gate.explanation {
                writeln!(f, "    {explanation}")?;
            }
            if let Some(reason) = &gate.failure_reason {
                writeln!(f, "    failed: {reason}")?;
            }
        }
        Ok(())
    }
}
