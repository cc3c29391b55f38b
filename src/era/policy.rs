//! What each era means for a node: which wire versions it accepts and sends, and how it composes
//! the message signers sign.
//!
//! Code that exists only until an era has passed on every network is marked
//! `ERA-TRANSITION(<era>)`: once `<era>` is active everywhere, everything so marked goes
//! (`grep -rn "ERA-TRANSITION(lagrange)" src`).

use sha2::{Digest, Sha256};

use super::name::Era;
use crate::domain::{ProtocolMessage, SignedMessage, WireVersionId};
use crate::wire::WireVersion;

/// Domain-separation tag of the messages signed from era lagrange on.
pub const LAGRANGE_MESSAGE_TAG: &[u8] = b"mithril-compat/protocol-message/lagrange";

/// The part that lagrange adds to every protocol message: the era itself.
pub const ERA_PART: &str = "current_era";

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

    /// The message signers sign for `message` during this era.
    ///
    /// - pythagoras: lowercase hex of SHA-256 over each part's name and value, in name order
    ///   (today's composition, so that certificates chain with today's nodes);
    /// - lagrange: the era becomes a part (`current_era`), and the digest covers a
    ///   domain-separation tag and length-prefixed names and values, so that no two different
    ///   messages share a digest and every certificate certifies its era.
    pub fn compose_signed_message(self, message: &ProtocolMessage) -> SignedMessage {
        let digest = match self {
            // ERA-TRANSITION(lagrange): today's composition goes with pythagoras.
            Self::Pythagoras => {
                let mut hasher = Sha256::new();
                for (part, value) in message.parts() {
                    hasher.update(part.as_bytes());
                    hasher.update(value.as_bytes());
                }
                hasher.finalize()
            }
            Self::Lagrange => {
                let mut with_era = message.clone();
                with_era.set(ERA_PART, self.name());
                let mut hasher = Sha256::new();
                hasher.update(LAGRANGE_MESSAGE_TAG);
                for (part, value) in with_era.parts() {
                    hasher.update((part.len() as u64).to_be_bytes());
                    hasher.update(part.as_bytes());
                    hasher.update((value.len() as u64).to_be_bytes());
                    hasher.update(value.as_bytes());
                }
                hasher.finalize()
            }
        };
        SignedMessage::new(hex::encode(digest)).expect("a hex digest is a valid signed message")
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

    fn message() -> ProtocolMessage {
        let mut message = ProtocolMessage::new();
        message
            .set("snapshot_digest", "a1b2")
            .set("next_aggregate_verification_key", "7b22")
            .set("current_epoch", "512");
        message
    }

    #[test]
    fn pythagoras_composition_is_sha256_of_names_and_values_in_order() {
        // Independently: the concatenation in name order, hashed.
        let concatenated = "current_epoch512next_aggregate_verification_key7b22snapshot_digesta1b2";
        let expected = hex::encode(Sha256::digest(concatenated.as_bytes()));
        assert_eq!(
            Era::Pythagoras.compose_signed_message(&message()).as_str(),
            expected
        );
    }

    #[test]
    fn lagrange_composition_adds_the_era_and_prefixes_lengths() {
        // Independently: the tag, then each part in name order with the era among them.
        let mut bytes = LAGRANGE_MESSAGE_TAG.to_vec();
        for (part, value) in [
            ("current_epoch", "512"),
            ("current_era", "lagrange"),
            ("next_aggregate_verification_key", "7b22"),
            ("snapshot_digest", "a1b2"),
        ] {
            bytes.extend_from_slice(&(part.len() as u64).to_be_bytes());
            bytes.extend_from_slice(part.as_bytes());
            bytes.extend_from_slice(&(value.len() as u64).to_be_bytes());
            bytes.extend_from_slice(value.as_bytes());
        }
        assert_eq!(
            Era::Lagrange.compose_signed_message(&message()).as_str(),
            hex::encode(Sha256::digest(&bytes))
        );
    }

    #[test]
    fn compositions_are_pinned_golden_vectors() {
        assert_eq!(
            Era::Pythagoras.compose_signed_message(&message()).as_str(),
            "d72da53aad6c71c548cf06707c58aa2a53cddd20d1bd8e621e82c6c1aa37e48d"
        );
        assert_eq!(
            Era::Lagrange.compose_signed_message(&message()).as_str(),
            "37f590d1ff5fbbbeb3f513dda4497bbe550cfd436d757dc2031bc2e183ae2945"
        );
    }

    #[test]
    fn lagrange_certifies_the_era_and_is_unambiguous() {
        let pythagoras = Era::Pythagoras.compose_signed_message(&message());
        let lagrange = Era::Lagrange.compose_signed_message(&message());
        assert_ne!(pythagoras, lagrange);
        // Moving a character from a value to the next name changes the lagrange digest, not
        // the pythagoras one.
        let mut a = ProtocolMessage::new();
        a.set("a", "bc").set("d", "e");
        let mut b = ProtocolMessage::new();
        b.set("a", "b").set("cd", "e");
        assert_eq!(
            Era::Pythagoras.compose_signed_message(&a),
            Era::Pythagoras.compose_signed_message(&b)
        );
        assert_ne!(
            Era::Lagrange.compose_signed_message(&a),
            Era::Lagrange.compose_signed_message(&b)
        );
    }
}
