//! Era markers and the pure schedule.

use std::fmt;

use crate::domain::{Epoch, EraName};

/// An era marker: an era name and, once it is scheduled, its activation epoch.
///
/// Without an epoch the marker announces the era (nodes that do not support it should upgrade);
/// with an epoch it schedules the era to start at that epoch. The name may be one this build does
/// not support: that is how an old node learns it must upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EraMarker {
    /// The era.
    pub name: EraName,
    /// The epoch the era starts at; `None` while it is only announced.
    pub epoch: Option<Epoch>,
}

impl EraMarker {
    /// A marker that schedules `name` at `epoch`.
    pub fn scheduled(name: EraName, epoch: Epoch) -> Self {
        Self {
            name,
            epoch: Some(epoch),
        }
    }

    /// A marker that announces `name` without an epoch.
    pub fn announced(name: EraName) -> Self {
        Self { name, epoch: None }
    }
}

impl fmt::Display for EraMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.epoch {
            Some(epoch) => write!(f, "{} at epoch {epoch}", self.name),
            None => write!(f, "{} (announced)", self.name),
        }
    }
}

/// The era in force at an epoch, and since when.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CurrentEra {
    /// The era.
    pub name: EraName,
    /// The epoch it started at.
    pub since: Epoch,
}

/// The era that comes next: scheduled at an epoch, or only announced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NextEra {
    /// The era.
    pub name: EraName,
    /// The epoch it starts at, when scheduled.
    pub epoch: Option<Epoch>,
}

/// What the schedule says at one epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EraEpochs {
    /// The epoch asked about.
    pub epoch: Epoch,
    /// The era in force; `None` when no marker is active yet (no era can be run).
    pub current: Option<CurrentEra>,
    /// The next era, scheduled or announced.
    pub next: Option<NextEra>,
}

/// A set of markers that cannot describe one history.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// Two markers name the same era.
    #[error("era {0} has several markers")]
    DuplicateEra(EraName),
    /// Two eras start at the same epoch.
    #[error("eras {first} and {second} both start at epoch {epoch}")]
    SameEpoch {
        /// The epoch.
        epoch: Epoch,
        /// One era.
        first: EraName,
        /// The other.
        second: EraName,
    },
}

/// Checks that markers describe one history: each era once, no two eras at one epoch.
pub fn validate_markers(markers: &[EraMarker]) -> Result<(), ScheduleError> {
    let mut sorted: Vec<&EraMarker> = markers.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(pair) = sorted.windows(2).find(|pair| pair[0].name == pair[1].name) {
        return Err(ScheduleError::DuplicateEra(pair[0].name.clone()));
    }
    let mut scheduled: Vec<&EraMarker> = markers.iter().filter(|m| m.epoch.is_some()).collect();
    scheduled.sort_by_key(|marker| marker.epoch);
    if let Some(pair) = scheduled
        .windows(2)
        .find(|pair| pair[0].epoch == pair[1].epoch)
    {
        return Err(ScheduleError::SameEpoch {
            epoch: pair[0].epoch.expect("scheduled"),
            first: pair[0].name.clone(),
            second: pair[1].name.clone(),
        });
    }
    Ok(())
}

/// The era in force at `epoch` and the next one, from markers in any order. Pure: no I/O.
///
/// The current era is the one with the latest activation epoch at or before `epoch`. The next
/// era is the one with the earliest activation epoch after `epoch`; failing that, an announced
/// era (the first by name, if several).
pub fn schedule(markers: &[EraMarker], epoch: Epoch) -> Result<EraEpochs, ScheduleError> {
    validate_markers(markers)?;
    let current = markers
        .iter()
        .filter_map(|marker| marker.epoch.map(|since| (since, &marker.name)))
        .filter(|(since, _)| *since <= epoch)
        .max_by_key(|(since, _)| *since)
        .map(|(since, name)| CurrentEra {
            name: name.clone(),
            since,
        });
    let scheduled_next = markers
        .iter()
        .filter_map(|marker| marker.epoch.map(|at| (at, &marker.name)))
        .filter(|(at, _)| *at > epoch)
        .min_by_key(|(at, _)| *at)
        .map(|(at, name)| NextEra {
            name: name.clone(),
            epoch: Some(at),
        });
    let next = scheduled_next.or_else(|| {
        markers
            .iter()
            .filter(|marker| marker.epoch.is_none())
            .min_by(|a, b| a.name.cmp(&b.name))
            .map(|marker| NextEra {
                name: marker.name.clone(),
                epoch: None,
            })
    });
    Ok(EraEpochs {
        epoch,
        current,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> EraName {
        EraName::new(text).unwrap()
    }

    fn at(text: &str, epoch: u64) -> EraMarker {
        EraMarker::scheduled(name(text), Epoch(epoch))
    }

    fn current_of(markers: &[EraMarker], epoch: u64) -> Option<(String, u64)> {
        schedule(markers, Epoch(epoch))
            .unwrap()
            .current
            .map(|current| (current.name.to_string(), current.since.0))
    }

    fn next_of(markers: &[EraMarker], epoch: u64) -> Option<(String, Option<u64>)> {
        schedule(markers, Epoch(epoch))
            .unwrap()
            .next
            .map(|next| (next.name.to_string(), next.epoch.map(|e| e.0)))
    }

    #[test]
    fn empty_list_has_no_era() {
        let result = schedule(&[], Epoch(10)).unwrap();
        assert_eq!(result.current, None);
        assert_eq!(result.next, None);
    }

    #[test]
    fn boundary_epochs_switch_exactly_at_activation() {
        let markers = [at("pythagoras", 0), at("lagrange", 512)];
        assert_eq!(current_of(&markers, 511), Some(("pythagoras".into(), 0)));
        assert_eq!(next_of(&markers, 511), Some(("lagrange".into(), Some(512))));
        assert_eq!(current_of(&markers, 512), Some(("lagrange".into(), 512)));
        assert_eq!(next_of(&markers, 512), None);
        assert_eq!(current_of(&markers, 0), Some(("pythagoras".into(), 0)));
    }

    #[test]
    fn before_the_first_activation_there_is_no_current_era() {
        let markers = [at("pythagoras", 5)];
        assert_eq!(current_of(&markers, 4), None);
        assert_eq!(next_of(&markers, 4), Some(("pythagoras".into(), Some(5))));
    }

    #[test]
    fn out_of_order_markers_give_the_same_schedule() {
        let ordered = [at("thales", 1), at("pythagoras", 10), at("lagrange", 20)];
        let shuffled = [at("lagrange", 20), at("thales", 1), at("pythagoras", 10)];
        for epoch in 0..25 {
            assert_eq!(
                schedule(&ordered, Epoch(epoch)),
                schedule(&shuffled, Epoch(epoch)),
                "epoch {epoch}"
            );
        }
        assert_eq!(current_of(&shuffled, 15), Some(("pythagoras".into(), 10)));
    }

    #[test]
    fn announced_era_is_next_until_scheduled() {
        let markers = [at("pythagoras", 0), EraMarker::announced(name("lagrange"))];
        assert_eq!(current_of(&markers, 100), Some(("pythagoras".into(), 0)));
        assert_eq!(next_of(&markers, 100), Some(("lagrange".into(), None)));
    }

    #[test]
    fn scheduled_next_wins_over_announced() {
        let markers = [
            at("pythagoras", 0),
            at("lagrange", 50),
            EraMarker::announced(name("euclid")),
        ];
        assert_eq!(next_of(&markers, 10), Some(("lagrange".into(), Some(50))));
        assert_eq!(next_of(&markers, 50), Some(("euclid".into(), None)));
    }

    #[test]
    fn ambiguous_markers_are_rejected() {
        assert_eq!(
            schedule(&[at("pythagoras", 0), at("pythagoras", 9)], Epoch(1)),
            Err(ScheduleError::DuplicateEra(name("pythagoras")))
        );
        assert!(matches!(
            schedule(&[at("pythagoras", 9), at("lagrange", 9)], Epoch(1)),
            Err(ScheduleError::SameEpoch { .. })
        ));
    }
}
