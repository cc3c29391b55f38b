//! What a node declares about its own software, and the bytes a pool signs to vouch for it.

use super::check_declared_len;
use crate::ValidationError;
use crate::domain::{Epoch, EraName, NetworkMagic, PartyId, SoftwareVersion, WireVersionId};
use crate::error::WithinField;

/// What a node's software supports, as the node declares it: the five versions a release team
/// tracks, and the eras.
///
/// | version | field | example |
/// |---|---|---|
/// | distribution | [`Self::distribution_version`] | `2543.0` (a Mithril release) |
/// | software | [`Self::software_version`] | `0.2.270` (the node's crate) |
/// | API (wire) | [`Self::wire_versions`] | `v1`, `v2` (the `mithril.signer.vN` packages spoken) |
/// | database | [`Self::database_version`] | `31` (the schema version of the node's own store) |
/// | protocol | [`Self::protocol_versions`] | `0.1.0` (the certificate protocol versions it signs) |
///
/// Eras, wire versions and protocol versions are kept as declared, including the ones this build
/// does not know, and in the order given. Each list holds at most [`limits::MAX_DECLARED`]
/// entries.
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
    distribution_version: Option<SoftwareVersion>,
    database_version: Option<u64>,
    protocol_versions: Vec<SoftwareVersion>,
}

impl NodeInfo {
    /// Checks and builds a node's declaration of its software version, eras and wire versions;
    /// the other versions are added with the `with_*` methods.
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
            distribution_version: None,
            database_version: None,
            protocol_versions: Vec::new(),
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
            distribution_version: None,
            database_version: None,
            protocol_versions: Vec::new(),
        }
    }

    /// The same declaration with a distribution version.
    pub fn with_distribution_version(mut self, version: Option<SoftwareVersion>) -> Self {
        self.distribution_version = version;
        self
    }

    /// The same declaration with the schema version of the node's database.
    pub fn with_database_version(mut self, version: Option<u64>) -> Self {
        self.database_version = version;
        self
    }

    /// The same declaration with the protocol versions the node supports (at most
    /// [`limits::MAX_DECLARED`](crate::domain::limits::MAX_DECLARED)).
    pub fn with_protocol_versions(
        mut self,
        versions: Vec<SoftwareVersion>,
    ) -> Result<Self, ValidationError> {
        check_declared_len(versions.len()).within("protocol_versions")?;
        self.protocol_versions = versions;
        Ok(self)
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

    /// The Mithril distribution the node's software comes from, when declared.
    pub fn distribution_version(&self) -> Option<&SoftwareVersion> {
        self.distribution_version.as_ref()
    }

    /// The schema version of the node's own database, when declared.
    pub fn database_version(&self) -> Option<u64> {
        self.database_version
    }

    /// The protocol versions the node can sign certificates of.
    pub fn protocol_versions(&self) -> &[SoftwareVersion] {
        &self.protocol_versions
    }

    /// Whether the node declares support for an era.
    pub fn supports_era(&self, era: &str) -> bool {
        self.supported_eras.iter().any(|name| name.as_str() == era)
    }

    /// Whether the node declares that it speaks a wire version.
    pub fn speaks(&self, version: WireVersionId) -> bool {
        self.wire_versions.contains(&version)
    }

    /// The bytes a pool signs with its KES key to vouch for this declaration: see
    /// [`NodeInfoStatement`].
    pub fn signed_bytes(&self, network: NetworkMagic, epoch: Epoch, party_id: &PartyId) -> Vec<u8> {
        NodeInfoStatement {
            network,
            epoch,
            party_id,
            node_info: self,
        }
        .to_bytes()
    }
}

/// What a signer states when it signs its node info: on which network, at which epoch, as which
/// party, it runs this software.
///
/// # Canonical bytes (format 1)
/// The bytes are domain bytes, identical whichever wire carried the declaration (never a
/// protobuf or JSON encoding). Integers are big-endian; a text is its UTF-8 bytes after a `u16`
/// length; a list is a `u16` count, then its items in the declared order; an optional value is a
/// byte `0` (absent) or `1` followed by the value.
///
/// | part | encoding |
/// |---|---|
/// | domain tag | the 28 bytes of [`NodeInfoStatement::DOMAIN_TAG`] |
/// | network | `u32`: the network magic |
/// | epoch | `u64`: the registration's epoch |
/// | party id | text |
/// | software version | text |
/// | distribution version | optional text |
/// | database version | optional `u64` |
/// | supported eras | list of texts |
/// | wire versions | list of `u32` |
/// | protocol versions | list of texts |
///
/// The network, the epoch and the party id make a signature useless anywhere else: on another
/// network, for another epoch, or for another pool.
#[derive(Clone, Copy, Debug)]
pub struct NodeInfoStatement<'a> {
    /// The network the signer runs on.
    pub network: NetworkMagic,
    /// The epoch of the registration the declaration travels in.
    pub epoch: Epoch,
    /// The signing pool.
    pub party_id: &'a PartyId,
    /// The declaration.
    pub node_info: &'a NodeInfo,
}

impl NodeInfoStatement<'_> {
    /// The domain tag that starts the signed bytes, so that they can never be mistaken for
    /// another signed payload (a verification key, a block header).
    pub const DOMAIN_TAG: &'static [u8; 28] = b"mithril-compat/node-info/v1\0";

    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        fn text(out: &mut Vec<u8>, value: &str) {
            // Every text of a node info is bounded far below `u16::MAX` bytes.
            let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&value.as_bytes()[..usize::from(len)]);
        }
        fn count(out: &mut Vec<u8>, len: usize) {
            // Lists hold at most `limits::MAX_DECLARED` entries.
            out.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
        }
        let info = self.node_info;
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(Self::DOMAIN_TAG);
        out.extend_from_slice(&self.network.0.to_be_bytes());
        out.extend_from_slice(&self.epoch.0.to_be_bytes());
        text(&mut out, self.party_id.as_str());
        text(&mut out, info.software_version.as_str());
        match &info.distribution_version {
            None => out.push(0),
            Some(version) => {
                out.push(1);
                text(&mut out, version.as_str());
            }
        }
        match info.database_version {
            None => out.push(0),
            Some(version) => {
                out.push(1);
                out.extend_from_slice(&version.to_be_bytes());
            }
        }
        count(&mut out, info.supported_eras.len());
        for era in &info.supported_eras {
            text(&mut out, era.as_str());
        }
        count(&mut out, info.wire_versions.len());
        for version in &info.wire_versions {
            out.extend_from_slice(&version.number().to_be_bytes());
        }
        count(&mut out, info.protocol_versions.len());
        for version in &info.protocol_versions {
            text(&mut out, version.as_str());
        }
        out
    }
}

/// The unchecked form, for serde.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawNodeInfo {
    software_version: SoftwareVersion,
    supported_eras: Vec<EraName>,
    wire_versions: Vec<WireVersionId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    distribution_version: Option<SoftwareVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database_version: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    protocol_versions: Vec<SoftwareVersion>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawNodeInfo> for NodeInfo {
    type Error = ValidationError;

    fn try_from(raw: RawNodeInfo) -> Result<Self, Self::Error> {
        Self::new(raw.software_version, raw.supported_eras, raw.wire_versions)?
            .with_distribution_version(raw.distribution_version)
            .with_database_version(raw.database_version)
            .with_protocol_versions(raw.protocol_versions)
    }
}

#[cfg(feature = "serde")]
impl From<NodeInfo> for RawNodeInfo {
    fn from(value: NodeInfo) -> Self {
        let NodeInfo {
            software_version,
            supported_eras,
            wire_versions,
            distribution_version,
            database_version,
            protocol_versions,
        } = value;
        Self {
            software_version,
            supported_eras,
            wire_versions,
            distribution_version,
            database_version,
            protocol_versions,
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
        let error = NodeInfo::new(version.clone(), vec![], vec![])
            .unwrap()
            .with_protocol_versions(vec![version.clone(); MAX_DECLARED + 1])
            .unwrap_err();
        assert_eq!(error.path().to_string(), "protocol_versions");

        let info = NodeInfo::new(version, vec![era], vec![WireVersionId::new(1).unwrap()]).unwrap();
        assert!(info.supports_era("pythagoras"));
        assert!(!info.supports_era("lagrange"));
        assert!(info.speaks(WireVersionId::new(1).unwrap()));
        assert!(!info.speaks(WireVersionId::new(2).unwrap()));
    }

    fn sample() -> NodeInfo {
        NodeInfo::new(
            SoftwareVersion::new("0.4.0").unwrap(),
            vec![EraName::new("pythagoras").unwrap()],
            vec![WireVersionId::new(2).unwrap()],
        )
        .unwrap()
        .with_distribution_version(Some(SoftwareVersion::new("2543.0").unwrap()))
        .with_database_version(Some(31))
        .with_protocol_versions(vec![SoftwareVersion::new("0.1.0").unwrap()])
        .unwrap()
    }

    #[test]
    fn the_signed_bytes_follow_the_documented_layout() {
        let party = PartyId::new("pool1x").unwrap();
        let bytes = sample().signed_bytes(NetworkMagic::PREPROD, Epoch(7), &party);
        let mut expected = NodeInfoStatement::DOMAIN_TAG.to_vec();
        expected.extend_from_slice(&[0, 0, 0, 1]);
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 7]);
        expected.extend_from_slice(b"\x00\x06pool1x");
        expected.extend_from_slice(b"\x00\x050.4.0");
        expected.extend_from_slice(b"\x01\x00\x062543.0");
        expected.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 31]);
        expected.extend_from_slice(b"\x00\x01\x00\x0apythagoras");
        expected.extend_from_slice(&[0, 1, 0, 0, 0, 2]);
        expected.extend_from_slice(b"\x00\x01\x00\x050.1.0");
        assert_eq!(bytes, expected);
    }

    #[test]
    fn every_part_changes_the_signed_bytes() {
        let party = PartyId::new("pool1x").unwrap();
        let base = sample().signed_bytes(NetworkMagic::PREPROD, Epoch(7), &party);
        let others = [
            sample().signed_bytes(NetworkMagic::PREVIEW, Epoch(7), &party),
            sample().signed_bytes(NetworkMagic::PREPROD, Epoch(8), &party),
            sample().signed_bytes(
                NetworkMagic::PREPROD,
                Epoch(7),
                &PartyId::new("pool1y").unwrap(),
            ),
            sample().with_database_version(None).signed_bytes(
                NetworkMagic::PREPROD,
                Epoch(7),
                &party,
            ),
            sample().with_distribution_version(None).signed_bytes(
                NetworkMagic::PREPROD,
                Epoch(7),
                &party,
            ),
            NodeInfo::new(
                SoftwareVersion::new("0.4.0").unwrap(),
                vec![EraName::new("lagrange").unwrap()],
                vec![WireVersionId::new(2).unwrap()],
            )
            .unwrap()
            .signed_bytes(NetworkMagic::PREPROD, Epoch(7), &party),
        ];
        for other in others {
            assert_ne!(other, base);
        }
    }
}
