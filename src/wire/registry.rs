//! The registry of wire versions: every decision that depends on the version, in one place.
//!
//! Each decision is an exhaustive `match` on [`WireVersion`], so that adding a variant makes the
//! compiler stop here at every decision the new version owes:
//!
//! | decision | function |
//! |---|---|
//! | which versions exist, in what order | [`WireVersion::ALL`], [`WireVersion::number`] |
//! | its names and package | [`WireVersion::name`], [`WireVersion::package`] |
//! | the release that first shipped it | [`WireVersion::first_release`] |
//! | what each era accepts and sends | [`WireVersion::accepted_in`], [`WireVersion::sent_in`] |
//! | which streams it has | [`WireVersion::streams`] |
//! | which optional parts of the hub it carries (how tests build a rich value for it) | [`WireVersion::carries`] |
//! | its conversions, for run-time dispatch | `spoke` (private) |
//! | its gRPC service, client calls and mounting | `src/transport/grpc/vN.rs` (private modules `v1`, `v2` of `transport::grpc`, feature `grpc`) |
//!
//! Everything else loops over [`WireVersion::ALL`]: the server mounts what it serves, the client
//! negotiates the newest version both sides speak, the demo counts each version, and the tests
//! build their matrix, fixtures and bad inputs for each.

use std::fmt;
use std::str::FromStr;

use super::spoke::{Dispatch, DynSpoke};
use super::{v1, v2};
use crate::domain::WireVersionId;
use crate::era::Era;

/// A wire version this build speaks.
///
/// New versions are added over time: code outside this crate matches with a wildcard arm, or
/// better, asks the registry's functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum WireVersion {
    /// `mithril.signer.v1`.
    V1,
    /// `mithril.signer.v2`.
    V2,
}

/// The streams a wire version's gRPC service has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Streams {
    /// A client stream of single signatures, answered once (`StreamSignatures`).
    pub signatures: bool,
    /// A server stream of epoch settings and era announcements (`WatchEpochSettings`).
    pub epoch_settings: bool,
    /// Many single signatures in one call, answered per signature (`RegisterSignatures`).
    pub batches: bool,
}

/// The optional parts of hub values a wire version can carry.
///
/// A value with a part its version cannot carry fails to encode under
/// [`DowngradePolicy::Strict`](super::DowngradePolicy::Strict), or is dropped and reported under
/// [`DowngradePolicy::Lossy`](super::DowngradePolicy::Lossy). Tests build the richest value
/// each version carries from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Carries {
    /// A single signature's SNARK signature.
    pub snark_signature: bool,
    /// A single signature's shadow signature (of the next era's message).
    pub shadow_signature: bool,
    /// Partial key material: an operational certificate without KES evolutions, or a SNARK key
    /// signature without its key.
    pub loose_keys: bool,
    /// The discontinued `CardanoImmutableFilesFull` signed entity type.
    pub immutable_files_full: bool,
    /// The `CardanoBlocksTransactions` signed entity type.
    pub blocks_transactions: bool,
}

impl WireVersion {
    /// Every wire version this build speaks, oldest first.
    pub const ALL: &'static [WireVersion] = &[WireVersion::V1, WireVersion::V2];

    /// The newest wire version this build speaks.
    pub const LATEST: WireVersion = WireVersion::V2;

    /// The version number as nodes declare it (`1` for `mithril.signer.v1`).
    pub const fn number(self) -> u32 {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
        }
    }

    /// The protobuf package (`mithril.signer.v1`).
    pub const fn package(self) -> &'static str {
        match self {
            Self::V1 => v1::PACKAGE,
            Self::V2 => v2::PACKAGE,
        }
    }

    /// The short name (`v1`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
    }

    /// The release of this library that first shipped the version. From then on, every release
    /// freezes its schema and fixtures under `tests/golden/<release>/<name>/`.
    pub const fn first_release(self) -> &'static str {
        match self {
            Self::V1 => "0.1.0",
            Self::V2 => "0.2.0",
        }
    }

    /// Whether a node accepts messages of this version from its peers during `era`.
    ///
    /// Code that exists only until an era has passed on every network is marked
    /// `ERA-TRANSITION(<era>)`.
    pub const fn accepted_in(self, era: Era) -> bool {
        match (self, era) {
            // ERA-TRANSITION(lagrange): v1 is accepted only until lagrange.
            (Self::V1, Era::Pythagoras) => true,
            (Self::V1, Era::Lagrange) => false,
            (Self::V2, Era::Pythagoras | Era::Lagrange) => true,
        }
    }

    /// Whether a node may send this version during `era` to a peer that speaks it. A version is
    /// accepted before it is sent ("can receive v2" ships before "sends v2").
    pub const fn sent_in(self, era: Era) -> bool {
        match (self, era) {
            // ERA-TRANSITION(lagrange): the v1 fallback goes with pythagoras.
            (Self::V1, Era::Pythagoras) => true,
            (Self::V1, Era::Lagrange) => false,
            (Self::V2, Era::Pythagoras | Era::Lagrange) => true,
        }
    }

    /// The streams of this version's gRPC service.
    pub const fn streams(self) -> Streams {
        match self {
            Self::V1 => Streams {
                signatures: false,
                epoch_settings: false,
                batches: false,
            },
            Self::V2 => Streams {
                signatures: true,
                epoch_settings: true,
                batches: true,
            },
        }
    }

    /// The optional parts of hub values this version carries.
    pub const fn carries(self) -> Carries {
        match self {
            Self::V1 => Carries {
                snark_signature: false,
                shadow_signature: false,
                loose_keys: true,
                immutable_files_full: true,
                blocks_transactions: false,
            },
            Self::V2 => Carries {
                snark_signature: true,
                shadow_signature: true,
                loose_keys: false,
                immutable_files_full: false,
                blocks_transactions: true,
            },
        }
    }

    /// This version's conversions, for code that picks the version at run time.
    pub(super) fn spoke(self) -> &'static dyn DynSpoke {
        match self {
            Self::V1 => &Dispatch::<v1::V1>::NEW,
            Self::V2 => &Dispatch::<v2::V2>::NEW,
        }
    }

    /// The version number as a hub value.
    pub fn id(self) -> WireVersionId {
        WireVersionId::new(self.number()).expect("wire version numbers are in range")
    }

    /// The version with that number, if this build speaks it.
    pub fn from_id(id: WireVersionId) -> Option<Self> {
        Self::ALL.iter().copied().find(|version| version.id() == id)
    }

    /// The versions a node accepts during `era`, oldest first.
    pub fn accepted_during(era: Era) -> impl Iterator<Item = WireVersion> {
        Self::ALL
            .iter()
            .copied()
            .filter(move |version| version.accepted_in(era))
    }

    /// The version to send during `era` to a peer that declared `peer_speaks`: the newest one
    /// this era sends that the peer speaks, or `None` when there is none (the peer cannot take
    /// part in this era).
    pub fn to_send(era: Era, peer_speaks: &[WireVersionId]) -> Option<WireVersion> {
        Self::ALL
            .iter()
            .rev()
            .copied()
            .find(|version| version.sent_in(era) && peer_speaks.contains(&version.id()))
    }
}

impl fmt::Display for WireVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.package())
    }
}

/// A wire version name this build does not speak.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown wire version {0:?} (this build speaks {known})", known = known_versions())]
pub struct UnknownWireVersion(pub String);

fn known_versions() -> String {
    WireVersion::ALL
        .iter()
        .map(|version| version.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for WireVersion {
    type Err = UnknownWireVersion;

    /// Accepts the short name (`v1`) or the package (`mithril.signer.v1`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        WireVersion::ALL
            .iter()
            .copied()
            .find(|version| text == version.name() || text == version.package())
            .ok_or_else(|| UnknownWireVersion(text.to_owned()))
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
    fn versions_are_listed_in_order_with_distinct_numbers() {
        for pair in WireVersion::ALL.windows(2) {
            assert!(pair[0] < pair[1]);
            assert!(pair[0].number() < pair[1].number());
            assert!(pair[0].first_release() <= pair[1].first_release());
        }
        assert_eq!(WireVersion::ALL.last(), Some(&WireVersion::LATEST));
    }

    #[test]
    fn every_era_accepts_what_it_sends_and_sends_something() {
        for era in Era::ALL {
            assert!(WireVersion::ALL.iter().any(|version| version.sent_in(*era)));
            for version in WireVersion::ALL {
                assert!(!version.sent_in(*era) || version.accepted_in(*era));
            }
        }
    }

    #[test]
    fn wire_policy_per_era() {
        assert!(WireVersion::V1.accepted_in(Era::Pythagoras));
        assert!(WireVersion::V2.accepted_in(Era::Pythagoras));
        assert!(!WireVersion::V1.accepted_in(Era::Lagrange));
        assert!(WireVersion::V2.accepted_in(Era::Lagrange));
        assert_eq!(
            WireVersion::to_send(Era::Pythagoras, &ids(&[1])),
            Some(WireVersion::V1)
        );
        assert_eq!(
            WireVersion::to_send(Era::Pythagoras, &ids(&[1, 2])),
            Some(WireVersion::V2)
        );
        assert_eq!(WireVersion::to_send(Era::Lagrange, &ids(&[1])), None);
        assert_eq!(
            WireVersion::to_send(Era::Lagrange, &ids(&[2, 7])),
            Some(WireVersion::V2)
        );
    }
}
