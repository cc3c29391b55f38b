//! Whether enough stake is ready for an era: a stake floor and a quorum safety target.

use std::collections::{BTreeMap, BTreeSet};

use super::provenance::CountedClasses;
use super::quorum::{CertificateOdds, QuorumError, certificate_odds};
use super::store::RecordStore;
use super::tally::Tally;
use crate::domain::{Epoch, EraName, PartyId, ProtocolParameters};

/// The parties with at least one count in the `window` epochs ending with `epoch` (signatures,
/// or shadow signatures).
pub(crate) fn active_parties(
    epoch: Epoch,
    window: u64,
    counts: impl Fn(Epoch) -> BTreeMap<PartyId, u64>,
) -> BTreeSet<PartyId> {
    let start = epoch.0.saturating_sub(window.saturating_sub(1));
    (start..=epoch.0)
        .flat_map(|at| counts(Epoch(at)))
        .filter(|(_, count)| *count > 0)
        .map(|(party, _)| party)
        .collect()
}

/// What "ready" means.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReadinessConfig {
    /// Least share of registered stake whose signers declare support for the era and signed
    /// recently (default 0.95).
    pub stake_floor: f64,
    /// Greatest probability that an epoch ends without a certificate if only the ready stake
    /// signs (default 1e-9).
    pub max_failure: f64,
    /// Share of the ready stake assumed not to sign anyway, taken off before the quorum check
    /// (default 0.1).
    pub safety_margin: f64,
    /// Epochs, ending with the epoch looked at, in which a signer must have sent at least one
    /// single signature to count as ready (default 2).
    pub participation_window: u64,
    /// Which provenance classes of declarations count as ready (default: verified only).
    #[cfg_attr(feature = "serde", serde(default))]
    pub counted: CountedClasses,
}

impl Default for ReadinessConfig {
    fn default() -> Self {
        Self {
            stake_floor: 0.95,
            max_failure: 1e-9,
            safety_margin: 0.1,
            participation_window: 2,
            counted: CountedClasses::VERIFIED,
        }
    }
}

impl ReadinessConfig {
    /// The ready share less the safety margin: the share the quorum check assumes signs.
    pub fn effective_share(&self, ready_share: f64) -> f64 {
        (ready_share * (1.0 - self.safety_margin.clamp(0.0, 1.0))).clamp(0.0, 1.0)
    }

    /// Whether `ready_share` of the stake meets the floor and, after the safety margin, the
    /// quorum target under `parameters` (the quorum is computed only past the floor).
    pub fn is_ready(&self, parameters: &ProtocolParameters, ready_share: f64) -> bool {
        ready_share >= self.stake_floor
            && certificate_odds(parameters, self.effective_share(ready_share))
                .is_ok_and(|odds| odds.failure <= self.max_failure)
    }
}

/// Readiness of one era at one epoch.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Readiness {
    /// The era.
    pub era: EraName,
    /// Share of registered stake whose signers declare support for the era, whatever the
    /// provenance of the declaration.
    pub declared_share: f64,
    /// Part of [`Self::declared_share`] whose provenance class is not counted (unverified or
    /// header-only declarations, by default).
    pub uncounted_share: f64,
    /// Share of registered stake whose signers declare support and signed recently (and are not
    /// excluded): the ready stake.
    pub ready_share: f64,
    /// The ready share less the safety margin: what the quorum check assumes signs.
    pub effective_share: f64,
    /// Odds of a certificate if only the effective share signs.
    pub odds: CertificateOdds,
    /// Whether the stake floor is met.
    pub meets_floor: bool,
    /// Whether the quorum target is met.
    pub meets_quorum: bool,
}

impl Readiness {
    /// Whether both the floor and the quorum target are met.
    pub fn is_ready(&self) -> bool {
        self.meets_floor && self.meets_quorum
    }

    /// Computes readiness for `era` from a tally and the signatures recorded in the
    /// participation window.
    pub fn compute(
        tally: &Tally,
        store: &impl RecordStore,
        era: &EraName,
        parameters: &ProtocolParameters,
        config: &ReadinessConfig,
    ) -> Result<Self, QuorumError> {
        let signed = active_parties(tally.epoch, config.participation_window, |epoch| {
            store.signatures(epoch)
        });
        let declared: u128 = tally
            .by_era
            .get(era.as_str())
            .map_or(0, |share| share.stake);
        let declaring = || {
            tally
                .counted
                .iter()
                .filter(|record| record.supports(era.as_str()))
        };
        let uncounted: u128 = tally
            .records()
            .filter(|record| {
                record.supports(era.as_str()) && !config.counted.contains(record.provenance.class())
            })
            .map(|record| u128::from(record.stake.0))
            .sum();
        let ready: u128 = declaring()
            .filter(|record| {
                config.counted.contains(record.provenance.class())
                    && signed.contains(&record.party_id)
            })
            .map(|record| u128::from(record.stake.0))
            .sum();
        let ready_share = tally.share_of(ready);
        let effective_share = config.effective_share(ready_share);
        let odds = certificate_odds(parameters, effective_share)?;
        Ok(Self {
            era: era.clone(),
            declared_share: tally.share_of(declared),
            uncounted_share: tally.share_of(uncounted),
            ready_share,
            effective_share,
            odds,
            meets_floor: ready_share >= config.stake_floor,
            meets_quorum: odds.failure <= config.max_failure,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAINNET: &ProtocolParameters = &ProtocolParameters::MAINNET;

    #[test]
    fn the_margin_comes_off_the_ready_share_and_stays_in_range() {
        let config = ReadinessConfig::default();
        assert!((config.effective_share(0.5) - 0.45).abs() < 1e-12);
        let odd = ReadinessConfig {
            safety_margin: 2.0,
            ..config
        };
        assert_eq!(odd.effective_share(0.9), 0.0);
        let negative = ReadinessConfig {
            safety_margin: -1.0,
            ..config
        };
        assert_eq!(negative.effective_share(0.9), 0.9);
    }

    #[test]
    fn ready_needs_the_floor_then_the_quorum() {
        let config = ReadinessConfig::default();
        assert!(config.is_ready(MAINNET, 1.0));
        // Below the floor, whatever the quorum says.
        assert!(!config.is_ready(MAINNET, 0.94));
        // Past a floor of zero, a small share still fails the quorum target.
        let no_floor = ReadinessConfig {
            stake_floor: 0.0,
            ..config
        };
        assert!(!no_floor.is_ready(MAINNET, 0.05));
        let odds = certificate_odds(MAINNET, no_floor.effective_share(0.05)).unwrap();
        assert!(odds.failure > no_floor.max_failure);
    }
}
