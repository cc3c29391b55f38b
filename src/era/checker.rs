//! What this build should do about the schedule: run, warn, stop, or carry on with the last
//! verified schedule.

use std::fmt;

use super::name::Era;
use super::reader::ReadReport;
use super::schedule::{EraEpochs, NextEra, schedule};
use crate::domain::{Epoch, EraName};

/// The verdict of the era checker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EraStatus {
    /// The current era is supported, and so is the next one if there is one.
    Ready {
        /// The era in force.
        current: Era,
        /// Since when.
        since: Epoch,
        /// The next era, if announced or scheduled (this build supports it).
        next: Option<(Era, Option<Epoch>)>,
    },
    /// The current era is supported, but the next one is not: upgrade before it starts.
    Warning {
        /// The era in force.
        current: Era,
        /// Since when.
        since: Epoch,
        /// The next era, which this build does not support.
        next: EraName,
        /// The epoch it starts at, when scheduled.
        activation: Option<Epoch>,
    },
    /// The node cannot run: stop with this error.
    Stop(EraStop),
    /// The markers could not be read or verified: the status comes from the last verified
    /// schedule.
    Degraded {
        /// The status under the last verified schedule.
        last_verified: Box<EraStatus>,
        /// Why the schedule could not be refreshed.
        cause: String,
    },
}

/// Why a node must stop.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EraStop {
    /// The era in force is not supported by this build.
    #[error(
        "era {era} is active since epoch {since} and this build does not support it: upgrade the node"
    )]
    UnsupportedEra {
        /// The era.
        era: EraName,
        /// Since when.
        since: Epoch,
    },
    /// No era is active at this epoch (no marker, or none scheduled yet).
    #[error("no era is active at epoch {epoch}: the era markers schedule none")]
    NoEra {
        /// The epoch.
        epoch: Epoch,
    },
    /// The markers describe no single history.
    #[error("the era markers are inconsistent: {0}")]
    InvalidSchedule(String),
}

impl EraStatus {
    /// The era to run, unless the node must stop.
    pub fn era(&self) -> Option<Era> {
        match self {
            Self::Ready { current, .. } | Self::Warning { current, .. } => Some(*current),
            Self::Stop(_) => None,
            Self::Degraded { last_verified, .. } => last_verified.era(),
        }
    }

    /// The era to run, or the error to stop with.
    pub fn into_result(self) -> Result<Era, EraStop> {
        match self {
            Self::Ready { current, .. } | Self::Warning { current, .. } => Ok(current),
            Self::Stop(stop) => Err(stop),
            Self::Degraded { last_verified, .. } => last_verified.into_result(),
        }
    }
}

impl fmt::Display for EraStatus {
    /// A line for the node operator.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ready {
                current,
                since,
                next,
            } => {
                write!(f, "era {current} since epoch {since}")?;
                match next {
                    Some((era, Some(epoch))) => write!(f, "; next era {era} at epoch {epoch}"),
                    Some((era, None)) => write!(f, "; next era {era} announced"),
                    None => Ok(()),
                }
            }
            Self::Warning {
                current,
                since,
                next,
                activation: Some(epoch),
            } => write!(
                f,
                "era {current} since epoch {since}; era {next} starts at epoch {epoch} and this \
                 build does not support it: upgrade before epoch {epoch}"
            ),
            Self::Warning {
                current,
                since,
                next,
                activation: None,
            } => write!(
                f,
                "era {current} since epoch {since}; era {next} is announced and this build does \
                 not support it: upgrade before it is scheduled"
            ),
            Self::Stop(stop) => write!(f, "{stop}"),
            Self::Degraded {
                last_verified,
                cause,
            } => write!(
                f,
                "era markers could not be refreshed ({cause}); keeping the last verified \
                 schedule: {last_verified}"
            ),
        }
    }
}

/// The verdict for one point of the schedule, given the eras this build supports.
pub fn check(epochs: &EraEpochs, supported: &[Era]) -> EraStatus {
    let supported_era = |name: &EraName| {
        Era::from_name(name.as_str())
            .ok()
            .filter(|era| supported.contains(era))
    };
    let Some(current) = &epochs.current else {
        return EraStatus::Stop(EraStop::NoEra {
            epoch: epochs.epoch,
        });
    };
    let Some(current_era) = supported_era(&current.name) else {
        return EraStatus::Stop(EraStop::UnsupportedEra {
            era: current.name.clone(),
            since: current.since,
        });
    };
    match &epochs.next {
        Some(NextEra { name, epoch }) => match supported_era(name) {
            Some(next) => EraStatus::Ready {
                current: current_era,
                since: current.since,
                next: Some((next, *epoch)),
            },
            None => EraStatus::Warning {
                current: current_era,
                since: current.since,
                next: name.clone(),
                activation: *epoch,
            },
        },
        None => EraStatus::Ready {
            current: current_era,
            since: current.since,
            next: None,
        },
    }
}

/// The verdict after a read: like [`check`] on the read's state, but [`EraStatus::Degraded`] when
/// the source failed or returned only payloads that were rejected.
pub fn check_read(
    report: &ReadReport,
    payload_count: usize,
    epoch: Epoch,
    supported: &[Era],
) -> EraStatus {
    let status = match schedule(report.state.markers(), epoch) {
        Ok(epochs) => check(&epochs, supported),
        Err(error) => EraStatus::Stop(EraStop::InvalidSchedule(error.to_string())),
    };
    let cause = match (&report.source_error, report.is_degraded(payload_count)) {
        (Some(error), _) => error.to_string(),
        (None, true) => format!(
            "all {payload_count} payloads were rejected, first: {}",
            report.rejected[0].reason
        ),
        (None, false) => return status,
    };
    EraStatus::Degraded {
        last_verified: Box::new(status),
        cause,
    }
}
