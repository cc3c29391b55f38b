//! The release team's view (feature `dashboard`): one page that says where adoption stands, how
//! it moved, and what the gate waits for.
//!
//! [`AdoptionMonitor::dashboard`] gathers a [`Dashboard`] from the monitor's records: the
//! epoch's [`AdoptionReport`] (the same report `mithril-compat adoption report --json` prints),
//! and for each recent epoch the stake by software version and by wire, the ready stake by
//! provenance, the probability of an epoch without a certificate, and what the gate said. The
//! caller adds the era schedule it reads ([`Dashboard::with_schedule`]).
//!
//! [`Dashboard::to_html`] renders it as one self-contained HTML page: inline SVG charts drawn
//! with plotters (its SVG backend only: no font library, no system dependency), no script, no
//! external asset, a layout that reads on a laptop and on a phone, and every colour beside its
//! number. With feature `http`, [`routes`] serves it at `GET /adoption`, and the data at
//! `GET /adoption.json`.

mod charts;
mod html;
#[cfg(feature = "http")]
mod routes;

use std::collections::BTreeMap;

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use routes::{DashboardSource, routes};

use super::readiness::active_parties;
use super::{
    AdoptionError, AdoptionMonitor, AdoptionReport, CountedClasses, GateMark, GateState,
    ProvenanceClass, Readiness, ReadinessConfig, RecordStore, Tally,
};
use crate::domain::{Epoch, EraName, PartyId};
use crate::era::EraMarker;

/// What the dashboard shows and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DashboardConfig {
    /// Epochs of history, the last one included (default 24).
    pub history_epochs: u64,
    /// Rows of the table of the largest pools that are not ready (default 10).
    pub not_ready_rows: usize,
    /// Seconds between the page's own refreshes; `None` for a page that does not refresh
    /// (default 30).
    pub refresh_seconds: Option<u32>,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self {
            history_epochs: 24,
            not_ready_rows: 10,
            refresh_seconds: Some(30),
        }
    }
}

/// One epoch of the history.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochPoint {
    /// The epoch.
    pub epoch: Epoch,
    /// Registered signers.
    pub signers: usize,
    /// Share of registered stake by declared software version.
    pub by_software_version: BTreeMap<String, f64>,
    /// Share of registered stake by the wire its registration arrived on (`json`, `v1`, …).
    pub by_wire: BTreeMap<String, f64>,
    /// Share of registered stake ready for the target era (declared it, signed within the
    /// participation window), by provenance class of the declaration (`verified`,
    /// `unverified`, `header_only`), whether or not the class counts.
    pub ready_by_provenance: BTreeMap<String, f64>,
    /// The ready share the monitor counts (its [`ReadinessConfig::counted`] classes).
    pub ready_share: f64,
    /// Probability of an epoch without a certificate if only the counted ready stake, less the
    /// margin, signs.
    pub failure: f64,
    /// What the gate made of the epoch, when the monitor moved it at that epoch.
    pub gate: Option<GateMark>,
}

/// One line of the era schedule.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScheduleEntry {
    /// The era.
    pub era: EraName,
    /// The epoch it starts at, when scheduled.
    pub epoch: Option<Epoch>,
    /// Where it stands: `in force`, `scheduled`, `announced`, or `proposed` (the gate's
    /// proposed activation, not yet signed into a marker).
    pub status: String,
}

/// One of the largest pools that are not ready, and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NotReadyPool {
    /// The party (pool id): nothing else about the operator.
    pub party_id: PartyId,
    /// Its stake (lovelace).
    pub stake: u64,
    /// Its share of the registered stake.
    pub share: f64,
    /// The software version it declared.
    pub software_version: String,
    /// Why it is not ready.
    pub reason: String,
}

/// Everything the page shows, as data (`GET /adoption.json`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dashboard {
    /// The epoch shown.
    pub epoch: Epoch,
    /// The era the gate is about.
    pub era: EraName,
    /// The greatest probability of an epoch without a certificate the monitor accepts.
    pub target_failure: f64,
    /// The epoch's adoption report, as `mithril-compat adoption report --json` prints it.
    pub report: AdoptionReport,
    /// The recent epochs, oldest first.
    pub history: Vec<EpochPoint>,
    /// The era schedule as the caller reads it.
    pub schedule: Vec<ScheduleEntry>,
    /// The largest pools that are not ready, largest first.
    pub not_ready: Vec<NotReadyPool>,
    /// Seconds between the page's refreshes.
    pub refresh_seconds: Option<u32>,
}

impl Dashboard {
    /// Adds the era schedule: the era in force (and since when), and the markers read; the
    /// gate's proposed activation is listed when no marker schedules the era yet.
    pub fn with_schedule(
        mut self,
        current: Option<(EraName, Epoch)>,
        markers: &[EraMarker],
    ) -> Self {
        let mut schedule = Vec::new();
        if let Some((era, since)) = &current {
            schedule.push(ScheduleEntry {
                era: era.clone(),
                epoch: Some(*since),
                status: "in force".to_owned(),
            });
        }
        for marker in markers {
            if current.as_ref().is_some_and(|(era, _)| *era == marker.name) {
                continue;
            }
            let in_force = marker.epoch.is_some_and(|at| at <= self.epoch);
            if in_force {
                continue; // an era that has passed
            }
            schedule.push(ScheduleEntry {
                era: marker.name.clone(),
                epoch: marker.epoch,
                status: if marker.epoch.is_some() {
                    "scheduled"
                } else {
                    "announced"
                }
                .to_owned(),
            });
        }
        let proposed = self.report.gate.as_ref().and_then(|gate| {
            gate.proposed_activation
                .filter(|_| gate.state == GateState::LockedIn)
        });
        if let Some(at) = proposed {
            let scheduled = schedule
                .iter()
                .any(|entry| entry.era == self.era && entry.epoch.is_some());
            if !scheduled {
                schedule.push(ScheduleEntry {
                    era: self.era.clone(),
                    epoch: Some(at),
                    status: "proposed".to_owned(),
                });
            }
        }
        self.schedule = schedule;
        self
    }

    /// The latest history point.
    pub fn latest(&self) -> Option<&EpochPoint> {
        self.history.last()
    }

    /// The page: self-contained HTML with inline SVG charts.
    pub fn to_html(&self) -> String {
        html::page(self)
    }
}

impl<S: RecordStore> AdoptionMonitor<S> {
    /// The dashboard of `epoch`: its report, the history of the `config.history_epochs` epochs
    /// up to it (epochs without registrations are left out), and the largest pools that are not
    /// ready. An epoch without registrations has no dashboard, as it has no report
    /// ([`TallyError::NoRegistrations`](super::TallyError::NoRegistrations)).
    pub fn dashboard(
        &self,
        epoch: Epoch,
        config: &DashboardConfig,
    ) -> Result<Dashboard, AdoptionError> {
        let report = self.report(epoch)?;
        let first = epoch
            .0
            .saturating_sub(config.history_epochs.saturating_sub(1));
        let mut history = Vec::new();
        for at in first..=epoch.0 {
            let tally = if at == epoch.0 {
                report.tally.clone()
            } else {
                match Tally::compute(&self.store, Epoch(at), &self.exclusions) {
                    Ok(tally) if tally.signers > 0 => tally,
                    // An epoch without registrations (or before the records start).
                    _ => continue,
                }
            };
            if tally.signers == 0 {
                continue;
            }
            history.push(self.point(&tally)?);
        }
        let not_ready = self.not_ready(&report.tally, config.not_ready_rows);
        Ok(Dashboard {
            epoch,
            era: self.gate.era().clone(),
            target_failure: self.readiness.max_failure,
            report,
            history,
            schedule: Vec::new(),
            not_ready,
            refresh_seconds: config.refresh_seconds,
        })
    }

    /// One epoch of the history, from its tally.
    fn point(&self, tally: &Tally) -> Result<EpochPoint, AdoptionError> {
        let era = self.gate.era();
        let readiness =
            Readiness::compute(tally, &self.store, era, &self.parameters, &self.readiness)?;
        let mut ready_by_provenance = BTreeMap::new();
        for class in [
            ProvenanceClass::Verified,
            ProvenanceClass::Unverified,
            ProvenanceClass::HeaderOnly,
        ] {
            let only = ReadinessConfig {
                counted: CountedClasses::only(class),
                ..self.readiness
            };
            let share =
                Readiness::compute(tally, &self.store, era, &self.parameters, &only)?.ready_share;
            ready_by_provenance.insert(class.name().to_owned(), share);
        }
        let shares = |by: &BTreeMap<String, super::Share>| {
            by.iter()
                .map(|(name, share)| (name.clone(), share.share))
                .collect()
        };
        Ok(EpochPoint {
            epoch: tally.epoch,
            signers: tally.signers,
            by_software_version: shares(&tally.by_software_version),
            by_wire: shares(&tally.by_wire),
            ready_by_provenance,
            ready_share: readiness.ready_share,
            failure: readiness.odds.failure,
            gate: self.gate_log.get(&tally.epoch).cloned(),
        })
    }

    /// The largest registered pools that are not ready for the target era, and why.
    fn not_ready(&self, tally: &Tally, rows: usize) -> Vec<NotReadyPool> {
        let era = self.gate.era().as_str();
        let signed = active_parties(tally.epoch, self.readiness.participation_window, |at| {
            self.store.signatures(at)
        });
        let mut pools: Vec<NotReadyPool> = tally
            .counted
            .iter()
            .filter_map(|record| {
                let reason = if !record.supports(era) {
                    format!("does not declare {era}")
                } else if !self.readiness.counted.contains(record.provenance.class()) {
                    format!("declaration {}", record.provenance)
                } else if !signed.contains(&record.party_id) {
                    format!(
                        "no signature in the last {} epoch(s)",
                        self.readiness.participation_window
                    )
                } else {
                    return None;
                };
                Some(NotReadyPool {
                    party_id: record.party_id.clone(),
                    stake: record.stake.0,
                    share: tally.share_of(u128::from(record.stake.0)),
                    software_version: record.software_version.to_string(),
                    reason,
                })
            })
            .collect();
        pools.sort_by(|a, b| {
            b.stake
                .cmp(&a.stake)
                .then_with(|| a.party_id.cmp(&b.party_id))
        });
        pools.truncate(rows);
        pools
    }
}
