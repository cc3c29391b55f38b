//! What each era means for a node: which wire versions it accepts and sends, and how it composes
//! the message signers sign.
//!
//! Code that exists only until an era has passed on every network is marked
//! `ERA-TRANSITION(<era>)`: once `<era>` is active everywhere, everything so marked goes
//! (`grep -rn "ERA-TRANSITION(lagrange)" src`).

use super::name::Era;
use crate::domain::{HashScheme, WireVersionId};
use crate::wire::WireVersion;

impl Era {
    /// The wire versions a node accepts from its peers during this era.
    pub const fn accepted_wire_versions(self) -> &'static [WireVersion] {
        match self {
            // ERA-TRANSITION(lagrange): v1 is accepted only until lagrange.
            Self::Pythagoras => &[WireVersion::V1, WireVersion::V2],
            Self::Lagrange => &[WireVersion::V2],
        }
    }

    /// Whether a node accepts messages of `version` during this era.
    pub fn accepts(self, version: WireVersion) -> bool {
        self.accepted_wire_versions().contains(&version)
    }

    /// The version to send to a peer that declared `peer_speaks`: during pythagoras v2 if the peer
    /// speaks it, else v1; during lagrange v2, or `None` when the peer does not speak it (it
    /// cannot take part in this era).
    pub fn wire_version_to_send(self, peer_speaks: &[WireVersionId]) -> Option<WireVersion> {
        let speaks = |version: WireVersion| peer_speaks.contains(&version.id());
        match self {
            // ERA-TRANSITION(lagrange): the v1 fallback goes with pythagoras.
            Self::Pythagoras if speaks(WireVersion::V2) => Some(WireVersion::V2),
            Self::Pythagoras => Some(WireVersion::V1),
            Self::Lagrange => speaks(WireVersion::V2).then_some(WireVersion::V2),
        }
    }

    /// The hash scheme of the protocol messages signed during this era, as Mithril's eras use
    /// them: pythagoras signs the `legacy` digest, lagrange the `rigid` one (which covers the next
    /// SNARK aggregate verification key). The digests themselves are computed by
    /// `crate::mithril::signed_message`.
    pub fn hash_scheme(self) -> HashScheme {
        match self {
            // ERA-TRANSITION(lagrange): the legacy scheme goes with pythagoras.
            Self::Pythagoras => HashScheme::Legacy,
            Self::Lagrange => HashScheme::Rigid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(numbers: &[u32]) -> Vec<WireVersionId> {
        numbers
            .iter()
            .map(|n| WireVersionId::new(*n).unwrap())
            .collect()
    }

    #[test]
    fn wire_policy_per_era() {
        assert!(Era::Pythagoras.accepts(WireVersion::V1));
        assert!(Era::Pythagoras.accepts(WireVersion::V2));
        assert!(!Era::Lagrange.accepts(WireVersion::V1));
        assert!(Era::Lagrange.accepts(WireVersion::V2));
        assert_eq!(
            Era::Pythagoras.wire_version_to_send(&ids(&[1])),
            Some(WireVersion::V1)
        );
        assert_eq!(
            Era::Pythagoras.wire_version_to_send(&ids(&[1, 2])),
            Some(WireVersion::V2)
        );
        assert_eq!(Era::Lagrange.wire_version_to_send(&ids(&[1])), None);
        assert_eq!(
            Era::Lagrange.wire_version_to_send(&ids(&[2, 7])),
            Some(WireVersion::V2)
        );
    }

    #[test]
    fn hash_scheme_per_era() {
        assert_eq!(Era::Pythagoras.hash_scheme(), HashScheme::Legacy);
        assert_eq!(Era::Lagrange.hash_scheme(), HashScheme::Rigid);
    }
}
