//! What a node declares about its own software.

use super::check_declared_len;
use crate::ValidationError;
use crate::domain::{EraName, SoftwareVersion, WireVersionId};
use crate::error::WithinField;

/// What a node's software supports, as the node declares it inside its signed registration.
///
/// Eras and wire versions are kept as declared, including the ones this build does not know,
/// and in the order given. Each list holds at most [`limits::MAX_DECLARED`] entries.
///
/// [`limits::MAX_DECLARED`]: crate::domain::limits::MAX_DECLARED
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "RawNodeInfo", into = "RawNodeInfo")
)]
pub struct NodeInfo {
    software_version: SoftwareVersion,
    supported_eras: Vec<EraName>,
    wire_versions: Vec<WireVersionId>,
}

impl NodeInfo {
    /// Checks and builds a node's declaration.
    pub fn new(
        software_version: SoftwareVersion,
        supported_eras: Vec<EraName>,
        wire_versions: Vec<WireVersionId>,
    ) -> Result<Self, ValidationError> {
        check_declared_len(supported_eras.len()).within("supported_eras")?;
        check_declared_len(wire_versions.len()).within("wire_versions")?;
        Ok(Self {
            software_version,
            supported_eras,
            wire_versions,
        })
    }

    /// Builds a declaration whose lists [`check_declared_len`] accepted.
    pub(crate) fn from_checked(
        software_version: SoftwareVersion,
        supported_eras: Vec<EraName>,
        wire_versions: Vec<WireVersionId>,
    ) -> Self {
        debug_assert!(check_declared_len(supported_eras.len()).is_ok());
        debug_assert!(check_declared_len(wire_versions.len()).is_ok());
        Self {
            software_version,
            supported_eras,
            wire_versions,
        }
    }

    /// The node's software version.
    pub fn software_version(&self) -> &SoftwareVersion {
        &self.software_version
    }

    /// The eras the node can run.
    pub fn supported_eras(&self) -> &[EraName] {
        &self.supported_eras
    }

    /// The wire versions the node can read and write.
    pub fn wire_versions(&self) -> &[WireVersionId] {
        &self.wire_versions
    }

    /// Whether the node declares support for an era.
    pub fn supports_era(&self, era: &str) -> bool {
        self.supported_eras.iter().any(|name| name.as_str() == era)
    }

    /// Whether the node declares that it speaks a wire version.
    pub fn speaks(&self, version: WireVersionId) -> bool {
        self.wire_versions.contains(&version)
    }
}

/// The unchecked form, for serde.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawNodeInfo {
    software_version: SoftwareVersion,
    supported_eras: Vec<EraName>,
    wire_versions: Vec<WireVersionId>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawNodeInfo> for NodeInfo {
    type Error = ValidationError;

    fn try_from(raw: RawNodeInfo) -> Result<Self, Self::Error> {
        Self::new(raw.software_version, raw.supported_eras, raw.wire_versions)
    }
}

#[cfg(feature = "serde")]
impl From<NodeInfo> for RawNodeInfo {
    fn from(value: NodeInfo) -> Self {
        Self {
            software_version: value.software_version,
            supported_eras: value.supported_eras,
            wire_versions: value.wire_versions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Violation;
    use crate::domain::limits::MAX_DECLARED;

    #[test]
    fn declared_lists_are_bounded() {
        let version = SoftwareVersion::new("1.0.0").unwrap();
        let era = EraName::new("pythagoras").unwrap();
        let error = NodeInfo::new(version.clone(), vec![era.clone(); MAX_DECLARED + 1], vec![])
            .unwrap_err();
        assert_eq!(error.path().to_string(), "supported_eras");
        assert!(matches!(
            error.violation(),
            Violation::TooManyEntries { .. }
        ));

        let info = NodeInfo::new(version, vec![era], vec![WireVersionId::new(1).unwrap()]).unwrap();
        assert!(info.supports_era("pythagoras"));
        assert!(!info.supports_era("lagrange"));
        assert!(info.speaks(WireVersionId::new(1).unwrap()));
        assert!(!info.speaks(WireVersionId::new(2).unwrap()));
    }
}
