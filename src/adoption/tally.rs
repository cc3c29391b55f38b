//! Stake-weighted tallies over the signers registered for an epoch.

use std::collections::BTreeMap;

use super::provenance::{Provenance, ProvenanceClass};
use super::store::{RecordStore, RegistrationRecord};

/// The key under which a tally counts signers that declare no value of a version.
pub const UNDECLARED: &str = "undeclared";
use crate::domain::{Epoch, PartyId, Stake};

/// Which registrations a tally leaves out of the ready stake (they still count in the total
/// stake, so that shares are shares of what the lottery draws from).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Exclusions {
    /// Leave out parties registered with zero stake.
    pub zero_stake: bool,
    /// Leave out parties whose first registration is fewer than this many epochs old (0: none).
    pub min_registered_epochs: u64,
    /// Leave out parties not registered for the next epoch too (when that epoch has
    /// registrations at all).
    pub require_next_epoch: bool,
}

impl Default for Exclusions {
    fn default() -> Self {
        Self {
            zero_stake: true,
            min_registered_epochs: 0,
            require_next_epoch: false,
        }
    }
}

/// Why a registration was left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ExclusionReason {
    /// Registered with zero stake.
    ZeroStake,
    /// First registered too recently.
    TooRecent,
    /// Not registered for the next epoch.
    NotRegisteredNext,
}

/// A registration left out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Exclusion {
    /// The party.
    pub party_id: PartyId,
    /// Its stake.
    pub stake: Stake,
    /// Why.
    pub reason: ExclusionReason,
}

/// Signers and stake behind one value (a software version, a wire version, an era).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Share {
    /// Number of signers.
    pub signers: usize,
    /// Their stake (lovelace).
    pub stake: u128,
    /// Their share of the epoch's registered stake.
    pub share: f64,
}

/// The tally of one epoch's registrations.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Tally {
    /// The epoch the registrations are filed under ([`RegistrationRecord::epoch`]).
    pub epoch: Epoch,
    /// Registered signers (each party once).
    pub signers: usize,
    /// Their total stake (lovelace).
    pub total_stake: u128,
    /// By declared software version.
    pub by_software_version: BTreeMap<String, Share>,
    /// By declared distribution version ([`UNDECLARED`] when none is).
    pub by_distribution_version: BTreeMap<String, Share>,
    /// By the wire the registration arrived on.
    pub by_wire: BTreeMap<String, Share>,
    /// By declared wire version spoken (a signer counts once under each; [`UNDECLARED`] when
    /// none is).
    pub by_wire_version: BTreeMap<String, Share>,
    /// By declared database schema version ([`UNDECLARED`] when none is).
    pub by_database_version: BTreeMap<String, Share>,
    /// By declared protocol version (a signer counts once under each; [`UNDECLARED`] when none
    /// is).
    pub by_protocol_version: BTreeMap<String, Share>,
    /// By declared supported era (a signer counts once under each era it supports).
    pub by_era: BTreeMap<String, Share>,
    /// By provenance class of the declaration (`verified`, `unverified`, `header_only`).
    pub by_provenance: BTreeMap<String, Share>,
    /// By reason a declaration is unverified.
    pub by_unverified_reason: BTreeMap<String, Share>,
    /// Registrations left out of the ready stake.
    pub excluded: Vec<Exclusion>,
    /// The registrations counted (not excluded).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) counted: Vec<RegistrationRecord>,
    /// The registrations left out (in the order of `excluded`).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) excluded_records: Vec<RegistrationRecord>,
}

/// Why a tally could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TallyError {
    /// No registration is recorded for the epoch.
    #[error("no registration is recorded for epoch {0}")]
    NoRegistrations(Epoch),
    /// The registrations of the epoch hold no stake at all.
    #[error("the registrations of epoch {0} hold no stake")]
    ZeroTotalStake(Epoch),
}

impl Tally {
    /// Tallies the registrations made at `epoch`.
    pub fn compute(
        store: &impl RecordStore,
        epoch: Epoch,
        exclusions: &Exclusions,
    ) -> Result<Self, TallyError> {
        let registrations = store.registrations(epoch);
        if registrations.is_empty() {
            return Err(TallyError::NoRegistrations(epoch));
        }
        let total_stake: u128 = registrations.iter().map(|r| u128::from(r.stake.0)).sum();
        if total_stake == 0 {
            return Err(TallyError::ZeroTotalStake(epoch));
        }
        let next: Option<Vec<PartyId>> = exclusions
            .require_next_epoch
            .then(|| {
                epoch
                    .checked_add(1)
                    .map(|next| store.registrations(next))
                    .filter(|next| !next.is_empty())
                    .map(|next| next.into_iter().map(|r| r.party_id).collect())
            })
            .flatten();

        let mut tally = Self {
            epoch,
            signers: registrations.len(),
            total_stake,
            by_software_version: BTreeMap::new(),
            by_distribution_version: BTreeMap::new(),
            by_wire: BTreeMap::new(),
            by_wire_version: BTreeMap::new(),
            by_database_version: BTreeMap::new(),
            by_protocol_version: BTreeMap::new(),
            by_era: BTreeMap::new(),
            // Every class is listed, zero or not, so a report always shows all three.
            by_provenance: ProvenanceClass::ALL
                .iter()
                .map(|class| (class.to_string(), Share::default()))
                .collect(),
            by_unverified_reason: BTreeMap::new(),
            excluded: Vec::new(),
            counted: Vec::new(),
            excluded_records: Vec::new(),
        };
        let add = |map: &mut BTreeMap<String, Share>, key: String, stake: u128| {
            let share = map.entry(key).or_default();
            share.signers += 1;
            share.stake += stake;
            share.share = share.stake as f64 / total_stake as f64;
        };
        for record in registrations {
            let stake = u128::from(record.stake.0);
            add(
                &mut tally.by_software_version,
                record.software_version.to_string(),
                stake,
            );
            add(
                &mut tally.by_distribution_version,
                record
                    .distribution_version
                    .as_ref()
                    .map_or_else(|| UNDECLARED.to_owned(), ToString::to_string),
                stake,
            );
            add(&mut tally.by_wire, record.wire.to_string(), stake);
            if record.wire_versions.is_empty() {
                add(&mut tally.by_wire_version, UNDECLARED.to_owned(), stake);
            }
            for version in &record.wire_versions {
                add(&mut tally.by_wire_version, version.to_string(), stake);
            }
            add(
                &mut tally.by_database_version,
                record
                    .database_version
                    .map_or_else(|| UNDECLARED.to_owned(), |version| version.to_string()),
                stake,
            );
            if record.protocol_versions.is_empty() {
                add(&mut tally.by_protocol_version, UNDECLARED.to_owned(), stake);
            }
            for version in &record.protocol_versions {
                add(&mut tally.by_protocol_version, version.to_string(), stake);
            }
            for era in &record.supported_eras {
                add(&mut tally.by_era, era.to_string(), stake);
            }
            add(
                &mut tally.by_provenance,
                record.provenance.class().to_string(),
                stake,
            );
            if let Provenance::Unverified(reason) = &record.provenance {
                add(
                    &mut tally.by_unverified_reason,
                    reason.kind().to_owned(),
                    stake,
                );
            }
            let reason = if exclusions.zero_stake && record.stake.0 == 0 {
                Some(ExclusionReason::ZeroStake)
            } else if exclusions.min_registered_epochs > 0
                && store
                    .first_registration(&record.party_id)
                    .is_none_or(|first| {
                        epoch.0.saturating_sub(first.0) < exclusions.min_registered_epochs
                    })
            {
                Some(ExclusionReason::TooRecent)
            } else if next
                .as_ref()
                .is_some_and(|next| !next.contains(&record.party_id))
            {
                Some(ExclusionReason::NotRegisteredNext)
            } else {
                None
            };
            match reason {
                Some(reason) => {
                    tally.excluded.push(Exclusion {
                        party_id: record.party_id.clone(),
                        stake: record.stake,
                        reason,
                    });
                    tally.excluded_records.push(record);
                }
                None => tally.counted.push(record),
            }
        }
        Ok(tally)
    }

    /// The stake-weighted breakdowns, each with its name (`software_version`, `era`, …), in the
    /// order reports show them.
    pub fn dimensions(&self) -> [(&'static str, &BTreeMap<String, Share>); 9] {
        [
            ("distribution_version", &self.by_distribution_version),
            ("software_version", &self.by_software_version),
            ("wire", &self.by_wire),
            ("wire_version", &self.by_wire_version),
            ("database_version", &self.by_database_version),
            ("protocol_version", &self.by_protocol_version),
            ("era", &self.by_era),
            ("provenance", &self.by_provenance),
            ("unverified_reason", &self.by_unverified_reason),
        ]
    }

    /// Every registration of the epoch, counted ones first.
    pub(crate) fn records(&self) -> impl Iterator<Item = &RegistrationRecord> {
        self.counted.iter().chain(&self.excluded_records)
    }

    /// The share of the epoch's stake behind `stake`.
    pub fn share_of(&self, stake: u128) -> f64 {
        stake as f64 / self.total_stake as f64
    }
}
