//! The discovery handshake (`mithril.discovery.v1`, frozen forever) and the era history
//! identifier two nodes compare to detect incompatible schedules when they connect.

use sha2::{Digest, Sha256};

use crate::domain::Epoch;
use crate::era::{EraMarker, NetworkMagic};

mod generated {
    #![allow(missing_docs, clippy::doc_lazy_continuation)]
    include!(concat!(env!("OUT_DIR"), "/mithril.discovery.v1.rs"));
}

/// The generated protobuf types of `mithril.discovery.v1`.
pub mod pb {
    pub use super::generated::{DiscoverRequest, DiscoverResponse};
    #[cfg(feature = "grpc")]
    #[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
    pub use super::generated::{discovery_service_client, discovery_service_server};
}

/// The protobuf package.
pub const PACKAGE: &str = "mithril.discovery.v1";

/// Identifier of an era history, after Ethereum's fork identifier (EIP-2124): a hash of the
/// network and of every activation up to the current epoch, and the next scheduled activation.
///
/// Two nodes whose identifiers differ follow different histories, or will at `next`: they
/// should not exchange signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EraHistoryId {
    /// First 8 bytes of SHA-256 over the network magic and the past activations.
    pub hash: [u8; 8],
    /// The next scheduled activation, if any.
    pub next: Option<Epoch>,
}

/// Why two era histories are not compatible.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryMismatch {
    /// The activations up to now differ (or the networks do).
    #[error(
        "the era histories differ (local {local}, remote {remote}): different networks or schedules"
    )]
    Past {
        /// Local hash, hex.
        local: String,
        /// Remote hash, hex.
        remote: String,
    },
    /// The histories agree so far but schedule different next activations.
    #[error("the next era activations differ: local {local:?}, remote {remote:?}")]
    Next {
        /// Local next activation.
        local: Option<Epoch>,
        /// Remote next activation.
        remote: Option<Epoch>,
    },
}

impl EraHistoryId {
    /// The identifier of `markers` on `network` at `epoch`.
    pub fn compute(network: NetworkMagic, markers: &[EraMarker], epoch: Epoch) -> Self {
        let mut scheduled: Vec<(Epoch, &str)> = markers
            .iter()
            .filter_map(|marker| marker.epoch.map(|at| (at, marker.name.as_str())))
            .collect();
        scheduled.sort();
        let mut hasher = Sha256::new();
        hasher.update(network.0.to_be_bytes());
        for (at, name) in scheduled.iter().filter(|(at, _)| *at <= epoch) {
            hasher.update([name.len() as u8]);
            hasher.update(name.as_bytes());
            hasher.update(at.0.to_be_bytes());
        }
        let digest = hasher.finalize();
        let mut hash = [0u8; 8];
        hash.copy_from_slice(&digest[..8]);
        Self {
            hash,
            next: scheduled.iter().map(|(at, _)| *at).find(|at| *at > epoch),
        }
    }

    /// Whether a remote node's history is compatible with this one: same past, and no
    /// disagreement on the next activation (a side that knows of none yet is compatible).
    pub fn check(&self, remote: &EraHistoryId) -> Result<(), HistoryMismatch> {
        if self.hash != remote.hash {
            return Err(HistoryMismatch::Past {
                local: hex::encode(self.hash),
                remote: hex::encode(remote.hash),
            });
        }
        match (self.next, remote.next) {
            (Some(local), Some(remote)) if local != remote => Err(HistoryMismatch::Next {
                local: Some(local),
                remote: Some(remote),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EraName;

    fn at(name: &str, epoch: u64) -> EraMarker {
        EraMarker::scheduled(EraName::new(name).unwrap(), Epoch(epoch))
    }

    #[test]
    fn history_changes_at_activation_and_with_the_network() {
        let markers = [at("pythagoras", 0), at("lagrange", 100)];
        let before = EraHistoryId::compute(NetworkMagic::PREPROD, &markers, Epoch(99));
        let at_activation = EraHistoryId::compute(NetworkMagic::PREPROD, &markers, Epoch(100));
        assert_eq!(before.next, Some(Epoch(100)));
        assert_eq!(at_activation.next, None);
        assert_ne!(before.hash, at_activation.hash);
        assert_eq!(
            before,
            EraHistoryId::compute(NetworkMagic::PREPROD, &markers, Epoch(50))
        );
        assert_ne!(
            before.hash,
            EraHistoryId::compute(NetworkMagic::MAINNET, &markers, Epoch(99)).hash
        );
    }

    /// The identifier's bytes are part of the frozen discovery protocol (0.3.0): two nodes of
    /// different builds compare them. The expected values were computed apart from this code,
    /// from the definition: SHA-256 of the magic (u32, big-endian), then for each activation up
    /// to the epoch, in order, its name's length (one byte), its name and its epoch (u64,
    /// big-endian); the first 8 bytes. (Python: `hashlib.sha256(struct.pack(">I", 1) +
    /// bytes([10]) + b"pythagoras" + struct.pack(">Q", 0)).hexdigest()[:16]`.)
    #[test]
    fn the_identifier_is_pinned_to_its_definition() {
        let markers = [at("pythagoras", 0), at("lagrange", 512)];
        let before = EraHistoryId::compute(NetworkMagic::PREPROD, &markers, Epoch(500));
        assert_eq!(hex::encode(before.hash), "0b05884fd474fdb3");
        assert_eq!(before.next, Some(Epoch(512)));
        let after = EraHistoryId::compute(NetworkMagic::PREPROD, &markers, Epoch(520));
        assert_eq!(hex::encode(after.hash), "70439eb2315985f9");
        assert_eq!(after.next, None);
        let mainnet = EraHistoryId::compute(NetworkMagic::MAINNET, &markers, Epoch(520));
        assert_eq!(hex::encode(mainnet.hash), "d0267e8de67469a2");
        // Announced markers (no epoch yet) are not part of it.
        let announced = [
            at("pythagoras", 0),
            EraMarker::announced(EraName::new("lagrange").unwrap()),
        ];
        assert_eq!(
            EraHistoryId::compute(NetworkMagic::PREPROD, &announced, Epoch(520)),
            EraHistoryId {
                hash: before.hash,
                next: None
            }
        );
    }

    #[test]
    fn compatibility_rules() {
        let agreed = [at("pythagoras", 0), at("lagrange", 100)];
        let other_date = [at("pythagoras", 0), at("lagrange", 120)];
        let unaware = [at("pythagoras", 0)];
        let id = |markers: &[EraMarker], epoch| {
            EraHistoryId::compute(NetworkMagic::PREPROD, markers, Epoch(epoch))
        };
        assert_eq!(id(&agreed, 90).check(&id(&agreed, 90)), Ok(()));
        assert!(matches!(
            id(&agreed, 90).check(&id(&other_date, 90)),
            Err(HistoryMismatch::Next { .. })
        ));
        // Not yet aware of lagrange: compatible until it activates, then the pasts differ.
        assert_eq!(id(&unaware, 90).check(&id(&agreed, 90)), Ok(()));
        assert!(matches!(
            id(&unaware, 100).check(&id(&agreed, 100)),
            Err(HistoryMismatch::Past { .. })
        ));
    }
}
