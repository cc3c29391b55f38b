//! Wire versions: the protobuf packages `mithril.signer.vN` and their conversions to the hub.
//!
//! Each version lives in its own module (`v1`, …) with a curated `pb` module of generated types
//! and the conversions to and from the [domain](crate::domain). Conversions go through the hub
//! only, so adding a version adds two conversions, not one per existing version.
//!
//! Typed entry points are per version ([`v1::decode`], [`v1::encode`]); [`decode`] and
//! [`encode`] dispatch on a [`WireVersion`] and a [`MessageKind`] chosen at run time.
//!
//! The layout:
//! - [`registry`](WireVersion): the versions and every decision that depends on one, each an
//!   exhaustive `match`;
//! - `spoke`: the [`Spoke`] trait, downgrade policies, bounded decoding and run-time dispatch;
//! - `message`: [`MessageKind`] and [`HubMessage`];
//! - `v1`, `v2`: each version's generated types (`pb`) and conversions;
//! - [`json`]: the JSON bodies of today's API (feature `json`); [`discovery`]: the frozen
//!   discovery handshake; [`Relayed`]: the lossless relay.
//!
//! # How to add a wire version
//! 1. Add `proto/mithril/signer/vN/`, and the package to `PACKAGES` in `build.rs` (and the
//!    hand-written oneof messages to `HAND_WRITTEN`).
//! 2. Add `src/wire/vN/` (copy the shape of the newest: `mod.rs` with `pb`, `convert.rs`
//!    destructuring every field) and declare it below.
//! 3. Add the variant to [`WireVersion`] in `registry.rs`; the compiler then points at every
//!    decision it owes there (order, names, eras, streams, what it carries, dispatch) and at the
//!    gRPC transport's per-version file (feature `grpc`).
//! 4. Run the tests: the golden, matrix and bad-input tests fail until the new version's
//!    fixtures are written (`UPDATE_GOLDEN=1 cargo test --test library golden`) and its
//!    non-identical matrix cells are written down.

mod aggregator;
pub mod discovery;
pub mod envelope;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub mod json;
mod message;
mod registry;
mod relay;
mod shared;
mod spoke;
mod undeclared;
mod unknown;
mod unknown_variant;
pub mod v1;
pub mod v2;

pub use message::{HubMessage, HubType, MessageKind, UnknownMessageKind};
pub use registry::{Carries, Streams, UnknownWireVersion, WireVersion};
pub use relay::Relayed;
#[cfg(feature = "grpc")]
pub(crate) use shared::missing;
pub use spoke::{
    Downgrade, DowngradePolicy, Encoded, Spoke, decode, decode_with_limit, encode, encode_with,
    encode_with_policy,
};
pub(crate) use spoke::{entry_points, malformed, sealed};
pub use undeclared::{MAX_NAMED_UNDECLARED, UndeclaredField, undeclared_fields};
pub use unknown::UnknownFields;

/// Default bound on the size of one encoded message accepted by the decoders (bytes).
///
/// Epoch settings of 3 000 signers with raw keys take about 3 MiB; the bound leaves room for
/// ten times that.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WireVersionId;

    #[test]
    fn names_parse_back() {
        for version in WireVersion::ALL {
            assert_eq!(version.name().parse::<WireVersion>().unwrap(), *version);
            assert_eq!(version.package().parse::<WireVersion>().unwrap(), *version);
            assert_eq!(WireVersion::from_id(version.id()), Some(*version));
        }
        for kind in MessageKind::ALL {
            assert_eq!(kind.cli_name().parse::<MessageKind>().unwrap(), *kind);
            assert_eq!(kind.field_name().parse::<MessageKind>().unwrap(), *kind);
        }
        assert!("v0".parse::<WireVersion>().is_err());
        assert!("signature".parse::<MessageKind>().is_err());
    }

    #[test]
    fn unknown_version_numbers_are_not_spoken() {
        assert_eq!(WireVersion::from_id(WireVersionId::new(99).unwrap()), None);
    }
}
