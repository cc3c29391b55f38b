//! The node side of automatic upgrades: a policy the node crate chooses, and the checks it
//! calls. The library never downloads, installs or executes anything: it tells the node what
//! the network announced and whether a file is what was announced.

use std::io::Read;

use super::ReleaseError;
use super::manifest::{ArtifactDigest, ReleaseManifest};
use crate::domain::{Epoch, EraName};
use crate::era::EraStatus;

/// How far a node lets release manifests steer its upgrades (opt-in; the default only
/// notifies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UpgradePolicy {
    /// Tell the operator which release to install and by when; install nothing.
    #[default]
    NotifyOnly,
    /// A downloaded artifact may be installed only when its SHA-256 is the manifest's for this
    /// platform.
    VerifyBeforeInstall,
    /// As [`UpgradePolicy::VerifyBeforeInstall`], and the node refuses to run a binary the
    /// manifest of the era in force does not list.
    RefuseUnlisted,
}

/// What a node should do about the manifest in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpgradeAdvice {
    /// No manifest is in force, or the node already runs its release.
    UpToDate,
    /// A release the node does not run is announced.
    Available {
        /// Its software version.
        version: String,
        /// Its distribution version.
        distribution: String,
        /// The epoch by which nodes are expected to run it, if any.
        deadline: Option<Epoch>,
    },
    /// The announced release's deadline has passed and the node still runs another.
    Overdue {
        /// Its software version.
        version: String,
        /// The deadline that passed.
        deadline: Epoch,
    },
}

/// The checks a node crate calls under its [`UpgradePolicy`].
#[derive(Clone, Debug)]
pub struct UpgradeGuard {
    policy: UpgradePolicy,
    running_version: String,
    platform: String,
}

impl UpgradeGuard {
    /// A guard for a node running `running_version` on `platform` (the key of the manifest's
    /// artifacts, such as `x86_64-linux`).
    pub fn new(
        policy: UpgradePolicy,
        running_version: impl Into<String>,
        platform: impl Into<String>,
    ) -> Self {
        Self {
            policy,
            running_version: running_version.into(),
            platform: platform.into(),
        }
    }

    /// The policy.
    pub fn policy(&self) -> UpgradePolicy {
        self.policy
    }

    /// What to tell the operator at `epoch`, given the manifest in force.
    pub fn advise(&self, manifest: Option<&ReleaseManifest>, epoch: Epoch) -> UpgradeAdvice {
        let Some(manifest) = manifest else {
            return UpgradeAdvice::UpToDate;
        };
        if manifest.software_version == self.running_version {
            return UpgradeAdvice::UpToDate;
        }
        match manifest.deadline_epoch {
            Some(deadline) if epoch > deadline => UpgradeAdvice::Overdue {
                version: manifest.software_version.clone(),
                deadline,
            },
            deadline => UpgradeAdvice::Available {
                version: manifest.software_version.clone(),
                distribution: manifest.distribution_version.clone(),
                deadline,
            },
        }
    }

    /// Whether a downloaded artifact may be installed: under
    /// [`UpgradePolicy::NotifyOnly`] never (the operator installs), otherwise only when its
    /// SHA-256 is the manifest's for this platform.
    pub fn check_install(
        &self,
        manifest: &ReleaseManifest,
        artifact: impl Read,
    ) -> Result<(), ReleaseError> {
        if self.policy == UpgradePolicy::NotifyOnly {
            return Err(ReleaseError::InstallNotAllowed);
        }
        manifest
            .verify_artifact(Some(&self.platform), artifact)
            .map(drop)
    }

    /// Whether the node may run the binary whose SHA-256 is `running`, in era `era`: under
    /// [`UpgradePolicy::RefuseUnlisted`] the manifest in force must list the era and this
    /// platform's binary; other policies allow it.
    pub fn check_running(
        &self,
        manifest: Option<&ReleaseManifest>,
        era: &EraName,
        running: &ArtifactDigest,
    ) -> Result<(), ReleaseError> {
        if self.policy != UpgradePolicy::RefuseUnlisted {
            return Ok(());
        }
        let manifest = manifest.ok_or(ReleaseError::NoManifest)?;
        if !manifest.supports_era(era) {
            return Err(ReleaseError::EraNotListed {
                era: era.clone(),
                version: manifest.software_version.clone(),
            });
        }
        manifest
            .check_digest(Some(&self.platform), running)
            .map(drop)
    }
}

/// The era checker's line for the operator, naming the release to install when the next era is
/// one this build does not support and the manifest in force runs it.
pub fn era_advice(status: &EraStatus, manifest: Option<&ReleaseManifest>) -> String {
    let line = status.to_string();
    let EraStatus::Warning { next, .. } = status else {
        return line;
    };
    match manifest.filter(|manifest| manifest.supports_era(next)) {
        Some(manifest) => {
            let deadline = manifest
                .deadline_epoch
                .map(|epoch| format!(", expected by epoch {epoch}"))
                .unwrap_or_default();
            format!(
                "{line}; install release {} (distribution {}, manifest {}{deadline}), which \
                 supports era {next}",
                manifest.software_version, manifest.distribution_version, manifest.sequence
            )
        }
        None => line,
    }
}
