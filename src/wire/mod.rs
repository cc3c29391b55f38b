//! Wire versions: the protobuf packages `mithril.signer.vN` and their conversions to the hub.
//!
//! Each version lives in its own module (`v1`, …) with a curated `pb` module of generated types
//! and the conversions to and from the [domain](crate::domain). Conversions go through the hub
//! only, so adding a version adds two conversions, not one per existing version.
//!
//! Typed entry points are per version ([`v1::decode`], [`v1::encode`]); [`decode`] and
//! [`encode`] dispatch on a [`WireVersion`] and a [`MessageKind`] chosen at run time.
//!
//! # How to add a wire version
//! 1. Add `proto/mithril/signer/vN/`, and the package to `PACKAGES` in `build.rs` (and the
//!    hand-written oneof messages to `HAND_WRITTEN`).
//! 2. Add `src/wire/vN/` (copy the shape of `v1`: `mod.rs` with `pb`, `convert.rs` destructuring
//!    every field).
//! 3. Add the variant to [`WireVersion`] and to [`WireVersion::ALL`]; the compiler then points at
//!    every `match` that owes a decision.
//! 4. Write golden fixtures with `UPDATE_GOLDEN=1 cargo test --test golden`.

use std::fmt;
use std::str::FromStr;

use bytes::{Buf, Bytes};

use crate::domain::{
    AggregatorFeatures, AggregatorStatus, EpochSettings, ProtocolConfiguration, SignerRegistration,
    SingleSignature, WireVersionId,
};
use crate::error::{FieldPath, Nest, WireError};

mod aggregator;
pub mod discovery;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub mod json;
mod relay;
mod shared;
mod unknown;
pub mod v1;
pub mod v2;

pub use relay::Relayed;

pub use unknown::UnknownFields;

/// Default bound on the size of one encoded message accepted by the decoders (bytes).
///
/// Epoch settings of 3 000 signers with raw keys take about 3 MiB; the bound leaves room for
/// ten times that.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// A wire version this build speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WireVersion {
    /// `mithril.signer.v1`.
    V1,
    /// `mithril.signer.v2`.
    V2,
}

impl WireVersion {
    /// Every wire version this build speaks, oldest first.
    pub const ALL: &'static [WireVersion] = &[WireVersion::V1, WireVersion::V2];

    /// The newest wire version this build speaks.
    pub const LATEST: WireVersion = WireVersion::V2;

    /// The protobuf package (`mithril.signer.v1`).
    pub const fn package(self) -> &'static str {
        match self {
            Self::V1 => v1::PACKAGE,
            Self::V2 => v2::PACKAGE,
        }
    }

    /// The version number as nodes declare it.
    pub fn id(self) -> WireVersionId {
        let number = match self {
            Self::V1 => 1,
            Self::V2 => 2,
        };
        WireVersionId::new(number).expect("wire version numbers are in range")
    }

    /// The version with that number, if this build speaks it.
    pub fn from_id(id: WireVersionId) -> Option<Self> {
        Self::ALL.iter().copied().find(|version| version.id() == id)
    }

    /// The short name (`v1`).
    pub fn name(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
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

/// The messages every wire version carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A [`SignerRegistration`] (body of `RegisterSigner`, `POST /register-signer`).
    SignerRegistration,
    /// A [`SingleSignature`] (body of `RegisterSignature`, `POST /register-signatures`).
    SingleSignature,
    /// An [`EpochSettings`] (body of `GetEpochSettings`, `GET /epoch-settings`).
    EpochSettings,
    /// An [`AggregatorFeatures`] (body of `GET /`).
    AggregatorFeatures,
    /// A [`ProtocolConfiguration`] (body of `GET /protocol-configuration/{epoch}`).
    ProtocolConfiguration,
    /// An [`AggregatorStatus`] (body of `GET /status`).
    AggregatorStatus,
}

impl MessageKind {
    /// Every message kind.
    pub const ALL: &'static [MessageKind] = &[
        MessageKind::SignerRegistration,
        MessageKind::SingleSignature,
        MessageKind::EpochSettings,
        MessageKind::AggregatorFeatures,
        MessageKind::ProtocolConfiguration,
        MessageKind::AggregatorStatus,
    ];

    /// The name of the message in error paths (`single_signature`).
    pub const fn field_name(self) -> &'static str {
        match self {
            Self::SignerRegistration => "signer_registration",
            Self::SingleSignature => "single_signature",
            Self::EpochSettings => "epoch_settings",
            Self::AggregatorFeatures => "aggregator_features",
            Self::ProtocolConfiguration => "protocol_configuration",
            Self::AggregatorStatus => "aggregator_status",
        }
    }

    /// The name on the command line, after today's routes (`register-signature`).
    pub const fn cli_name(self) -> &'static str {
        match self {
            Self::SignerRegistration => "register-signer",
            Self::SingleSignature => "register-signature",
            Self::EpochSettings => "epoch-settings",
            Self::AggregatorFeatures => "aggregator-features",
            Self::ProtocolConfiguration => "protocol-configuration",
            Self::AggregatorStatus => "aggregator-status",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// A message kind name this build does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown message {0:?} (expected register-signer, register-signature, epoch-settings, \
     aggregator-features, protocol-configuration or aggregator-status)"
)]
pub struct UnknownMessageKind(pub String);

impl FromStr for MessageKind {
    type Err = UnknownMessageKind;

    /// Accepts the command-line name (`register-signature`) or the field name (`single_signature`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        MessageKind::ALL
            .iter()
            .copied()
            .find(|kind| text == kind.cli_name() || text == kind.field_name())
            .ok_or_else(|| UnknownMessageKind(text.to_owned()))
    }
}

/// Any message of the hub, for code that picks the kind at run time.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum HubMessage {
    /// A signer registration.
    SignerRegistration(SignerRegistration),
    /// A single signature.
    SingleSignature(SingleSignature),
    /// Epoch settings.
    EpochSettings(EpochSettings),
    /// An aggregator's features.
    AggregatorFeatures(AggregatorFeatures),
    /// The protocol configuration of an epoch.
    ProtocolConfiguration(ProtocolConfiguration),
    /// An aggregator's status.
    AggregatorStatus(AggregatorStatus),
}

impl HubMessage {
    /// The kind of the message.
    pub fn kind(&self) -> MessageKind {
        match self {
            Self::SignerRegistration(_) => MessageKind::SignerRegistration,
            Self::SingleSignature(_) => MessageKind::SingleSignature,
            Self::EpochSettings(_) => MessageKind::EpochSettings,
            Self::AggregatorFeatures(_) => MessageKind::AggregatorFeatures,
            Self::ProtocolConfiguration(_) => MessageKind::ProtocolConfiguration,
            Self::AggregatorStatus(_) => MessageKind::AggregatorStatus,
        }
    }
}

/// A hub type that travels as a message of its own.
pub trait HubType: Sized {
    /// Its kind.
    const KIND: MessageKind;
}

impl HubType for SignerRegistration {
    const KIND: MessageKind = MessageKind::SignerRegistration;
}

impl HubType for SingleSignature {
    const KIND: MessageKind = MessageKind::SingleSignature;
}

impl HubType for EpochSettings {
    const KIND: MessageKind = MessageKind::EpochSettings;
}

impl HubType for AggregatorFeatures {
    const KIND: MessageKind = MessageKind::AggregatorFeatures;
}

impl HubType for ProtocolConfiguration {
    const KIND: MessageKind = MessageKind::ProtocolConfiguration;
}

impl HubType for AggregatorStatus {
    const KIND: MessageKind = MessageKind::AggregatorStatus;
}

mod sealed {
    pub trait Sealed {}
}

/// What a conversion into a wire version does with a part of a hub value that the version
/// cannot carry.
///
/// Parts that a message cannot do without (the signed entity type of a signature) are never
/// dropped: they fail under either policy. Each version's `convert` module documents, field by
/// field, what can be dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DowngradePolicy {
    /// Fail with [`WireError::Unrepresentable`] naming the field (the default).
    #[default]
    Strict,
    /// Drop the part and report it in [`Encoded::dropped`].
    Lossy,
}

/// The state of one conversion into a wire version: its policy and what it dropped.
#[derive(Debug)]
pub struct Downgrade {
    policy: DowngradePolicy,
    package: &'static str,
    dropped: Vec<FieldPath>,
}

impl Downgrade {
    pub(crate) fn new(policy: DowngradePolicy, version: WireVersion) -> Self {
        Self {
            policy,
            package: version.package(),
            dropped: Vec::new(),
        }
    }

    /// Called for a present part at `path` that the version cannot carry: fails under
    /// [`DowngradePolicy::Strict`], records the loss under [`DowngradePolicy::Lossy`].
    pub(crate) fn drop_part(&mut self, path: FieldPath) -> Result<(), WireError> {
        match self.policy {
            DowngradePolicy::Strict => Err(self.unrepresentable(path)),
            DowngradePolicy::Lossy => {
                self.dropped.push(path);
                Ok(())
            }
        }
    }

    /// The error for a part at `path` that the version cannot carry under any policy.
    pub(crate) fn unrepresentable(&self, path: FieldPath) -> WireError {
        WireError::Unrepresentable {
            path,
            package: self.package,
        }
    }
}

/// An encoded message and what the conversion dropped to produce it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// The protobuf bytes.
    pub bytes: Vec<u8>,
    /// The parts of the hub value the wire version could not carry, by path (always empty under
    /// [`DowngradePolicy::Strict`]).
    pub dropped: Vec<FieldPath>,
}

/// One wire version's representation of a hub type: its generated protobuf type and the two
/// conversions. Implemented by the marker type of each version (such as [`v1::V1`]).
pub trait Spoke<T: HubType>: sealed::Sealed {
    /// The generated protobuf type.
    type Pb: prost::Message + Default;

    /// The wire version.
    const VERSION: WireVersion;

    /// Converts a decoded protobuf value into the hub. Error paths are relative to the message.
    fn to_hub(pb: Self::Pb) -> Result<T, WireError>;

    /// Decodes bytes of this version and converts them into the hub: the same value and the same
    /// errors as decoding [`Self::Pb`] and calling [`Self::to_hub`]. Error paths are relative to
    /// the message.
    ///
    /// Messages with long repeated fields (the signer lists of epoch settings) are converted one
    /// element at a time, as soon as each element is decoded, while its bytes are still in the
    /// processor's cache; the others are decoded, then converted.
    fn decode_to_hub(buf: impl Buf) -> Result<T, WireError> {
        let pb = <Self::Pb as prost::Message>::decode(buf)
            .map_err(|source| malformed::<T>(Self::VERSION, source))?;
        Self::to_hub(pb)
    }

    /// Converts a hub value into this version. Paths (errors and dropped parts) are relative to
    /// the message.
    fn from_hub(value: &T, downgrade: &mut Downgrade) -> Result<Self::Pb, WireError>;

    /// Converts a hub value into this version, failing on any part it cannot carry (for code that
    /// builds generated messages itself, such as gRPC requests).
    fn from_hub_strict(value: &T) -> Result<Self::Pb, WireError> {
        Self::from_hub(
            value,
            &mut Downgrade::new(DowngradePolicy::Strict, Self::VERSION),
        )
    }
}

/// The error for bytes that are not a valid protobuf encoding of a message of `version`.
pub(crate) fn malformed<T: HubType>(version: WireVersion, source: prost::DecodeError) -> WireError {
    WireError::Malformed {
        message: T::KIND.field_name(),
        package: version.package(),
        source,
    }
}

/// Decodes one message of exactly this version, without looking at other versions.
fn decode_exact<S, T>(bytes: &Bytes) -> Result<T, WireError>
where
    S: Spoke<T>,
    T: HubType,
{
    S::decode_to_hub(SharedCursor::new(bytes)).map_err(|error| error.within(T::KIND.field_name()))
}

/// Reads shared bytes without taking them: byte fields are slices of the same buffer, as when
/// reading from a [`Bytes`] itself, and the caller keeps the whole message (to look at it again
/// if it does not decode) without counting one more reference to it.
struct SharedCursor<'a> {
    whole: &'a Bytes,
    rest: &'a [u8],
}

impl<'a> SharedCursor<'a> {
    fn new(whole: &'a Bytes) -> Self {
        Self {
            whole,
            rest: whole.as_ref(),
        }
    }
}

impl Buf for SharedCursor<'_> {
    #[inline]
    fn remaining(&self) -> usize {
        self.rest.len()
    }

    #[inline]
    fn chunk(&self) -> &[u8] {
        self.rest
    }

    #[inline]
    fn advance(&mut self, count: usize) {
        // Panics past the end, as `Buf` requires.
        self.rest = &self.rest[count..];
    }

    #[inline]
    fn copy_to_bytes(&mut self, len: usize) -> Bytes {
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        if taken.is_empty() {
            Bytes::new()
        } else {
            self.whole.slice_ref(taken)
        }
    }
}

/// Decodes one message of a given version with a size limit, and converts it into the hub.
///
/// Bytes that are not a valid message of this version but decode as another version this build
/// speaks get [`WireError::WrongVersion`], naming that version.
pub fn decode_with_limit<S, T>(mut buf: impl Buf, max_bytes: usize) -> Result<T, WireError>
where
    S: Spoke<T>,
    T: HubType,
{
    let message = T::KIND.field_name();
    let size = buf.remaining();
    if size > max_bytes {
        return Err(WireError::TooLarge {
            message,
            size,
            limit: max_bytes,
        });
    }
    // One copy at most (none from `Bytes`); every byte field then shares it.
    let bytes = buf.copy_to_bytes(size);
    match decode_exact::<S, T>(&bytes) {
        Ok(value) => Ok(value),
        Err(error) => Err(name_the_version(error, S::VERSION, T::KIND, &bytes)),
    }
}

fn name_the_version(
    error: WireError,
    expected: WireVersion,
    kind: MessageKind,
    bytes: &Bytes,
) -> WireError {
    if !matches!(error, WireError::Malformed { .. } | WireError::Invalid(_)) {
        return error;
    }
    let looks_like = WireVersion::ALL
        .iter()
        .copied()
        .filter(|other| *other != expected)
        .find(|other| decode_exact_dyn(*other, kind, bytes).is_ok());
    match looks_like {
        Some(other) => WireError::WrongVersion {
            message: kind.field_name(),
            expected: expected.package(),
            looks_like: other.package(),
            source: Box::new(error),
        },
        None => error,
    }
}

/// Converts a hub value into a given version and encodes it, under a downgrade policy.
pub fn encode_with<S, T>(value: &T, policy: DowngradePolicy) -> Result<Encoded, WireError>
where
    S: Spoke<T>,
    T: HubType,
{
    let root = T::KIND.field_name();
    let mut downgrade = Downgrade::new(policy, S::VERSION);
    let pb = S::from_hub(value, &mut downgrade).map_err(|error| error.within(root))?;
    Ok(Encoded {
        bytes: prost::Message::encode_to_vec(&pb),
        dropped: downgrade
            .dropped
            .iter()
            .map(|path| FieldPath::field(root).join(path))
            .collect(),
    })
}

/// A marker type that converts every message kind.
trait AllKinds:
    Spoke<SignerRegistration>
    + Spoke<SingleSignature>
    + Spoke<EpochSettings>
    + Spoke<AggregatorFeatures>
    + Spoke<ProtocolConfiguration>
    + Spoke<AggregatorStatus>
{
}

impl<S> AllKinds for S where
    S: Spoke<SignerRegistration>
        + Spoke<SingleSignature>
        + Spoke<EpochSettings>
        + Spoke<AggregatorFeatures>
        + Spoke<ProtocolConfiguration>
        + Spoke<AggregatorStatus>
{
}

/// Decodes a message whose version and kind are known only at run time.
pub fn decode(
    version: WireVersion,
    kind: MessageKind,
    buf: impl Buf,
) -> Result<HubMessage, WireError> {
    fn with<S: AllKinds>(kind: MessageKind, buf: impl Buf) -> Result<HubMessage, WireError> {
        let limit = DEFAULT_MAX_MESSAGE_BYTES;
        Ok(match kind {
            MessageKind::SignerRegistration => {
                HubMessage::SignerRegistration(decode_with_limit::<S, _>(buf, limit)?)
            }
            MessageKind::SingleSignature => {
                HubMessage::SingleSignature(decode_with_limit::<S, _>(buf, limit)?)
            }
            MessageKind::EpochSettings => {
                HubMessage::EpochSettings(decode_with_limit::<S, _>(buf, limit)?)
            }
            MessageKind::AggregatorFeatures => {
                HubMessage::AggregatorFeatures(decode_with_limit::<S, _>(buf, limit)?)
            }
            MessageKind::ProtocolConfiguration => {
                HubMessage::ProtocolConfiguration(decode_with_limit::<S, _>(buf, limit)?)
            }
            MessageKind::AggregatorStatus => {
                HubMessage::AggregatorStatus(decode_with_limit::<S, _>(buf, limit)?)
            }
        })
    }
    match version {
        WireVersion::V1 => with::<v1::V1>(kind, buf),
        WireVersion::V2 => with::<v2::V2>(kind, buf),
    }
}

fn decode_exact_dyn(
    version: WireVersion,
    kind: MessageKind,
    bytes: &Bytes,
) -> Result<HubMessage, WireError> {
    fn with<S: AllKinds>(kind: MessageKind, bytes: &Bytes) -> Result<HubMessage, WireError> {
        Ok(match kind {
            MessageKind::SignerRegistration => {
                HubMessage::SignerRegistration(decode_exact::<S, _>(bytes)?)
            }
            MessageKind::SingleSignature => {
                HubMessage::SingleSignature(decode_exact::<S, _>(bytes)?)
            }
            MessageKind::EpochSettings => HubMessage::EpochSettings(decode_exact::<S, _>(bytes)?),
            MessageKind::AggregatorFeatures => {
                HubMessage::AggregatorFeatures(decode_exact::<S, _>(bytes)?)
            }
            MessageKind::ProtocolConfiguration => {
                HubMessage::ProtocolConfiguration(decode_exact::<S, _>(bytes)?)
            }
            MessageKind::AggregatorStatus => {
                HubMessage::AggregatorStatus(decode_exact::<S, _>(bytes)?)
            }
        })
    }
    match version {
        WireVersion::V1 => with::<v1::V1>(kind, bytes),
        WireVersion::V2 => with::<v2::V2>(kind, bytes),
    }
}

/// Encodes a message in a version known only at run time; fails on any part the version cannot
/// carry.
pub fn encode(version: WireVersion, message: &HubMessage) -> Result<Vec<u8>, WireError> {
    encode_with_policy(version, message, DowngradePolicy::Strict).map(|encoded| encoded.bytes)
}

/// Encodes a message in a version known only at run time, under a downgrade policy.
pub fn encode_with_policy(
    version: WireVersion,
    message: &HubMessage,
    policy: DowngradePolicy,
) -> Result<Encoded, WireError> {
    fn with<S: AllKinds>(
        message: &HubMessage,
        policy: DowngradePolicy,
    ) -> Result<Encoded, WireError> {
        match message {
            HubMessage::SignerRegistration(value) => encode_with::<S, _>(value, policy),
            HubMessage::SingleSignature(value) => encode_with::<S, _>(value, policy),
            HubMessage::EpochSettings(value) => encode_with::<S, _>(value, policy),
            HubMessage::AggregatorFeatures(value) => encode_with::<S, _>(value, policy),
            HubMessage::ProtocolConfiguration(value) => encode_with::<S, _>(value, policy),
            HubMessage::AggregatorStatus(value) => encode_with::<S, _>(value, policy),
        }
    }
    match version {
        WireVersion::V1 => with::<v1::V1>(message, policy),
        WireVersion::V2 => with::<v2::V2>(message, policy),
    }
}

/// Defines the typed entry points of a wire version module: `decode`, `encode` and
/// `encode_lossy`, for the marker type `$spoke`.
macro_rules! entry_points {
    ($spoke:ident) => {
        /// Decodes a message of this wire version into the hub, within
        /// [`DEFAULT_MAX_MESSAGE_BYTES`](crate::wire::DEFAULT_MAX_MESSAGE_BYTES).
        pub fn decode<T>(buf: impl ::bytes::Buf) -> Result<T, $crate::WireError>
        where
            T: $crate::wire::HubType,
            $spoke: $crate::wire::Spoke<T>,
        {
            $crate::wire::decode_with_limit::<$spoke, T>(
                buf,
                $crate::wire::DEFAULT_MAX_MESSAGE_BYTES,
            )
        }

        /// Encodes a hub value in this wire version; a part the version cannot carry is an error.
        pub fn encode<T>(value: &T) -> Result<Vec<u8>, $crate::WireError>
        where
            T: $crate::wire::HubType,
            $spoke: $crate::wire::Spoke<T>,
        {
            $crate::wire::encode_with::<$spoke, T>(value, $crate::wire::DowngradePolicy::Strict)
                .map(|encoded| encoded.bytes)
        }

        /// Encodes a hub value in this wire version, dropping the parts it cannot carry and
        /// saying which.
        pub fn encode_lossy<T>(value: &T) -> Result<$crate::wire::Encoded, $crate::WireError>
        where
            T: $crate::wire::HubType,
            $spoke: $crate::wire::Spoke<T>,
        {
            $crate::wire::encode_with::<$spoke, T>(value, $crate::wire::DowngradePolicy::Lossy)
        }
    };
}

pub(crate) use entry_points;

#[cfg(test)]
mod tests {
    use super::*;

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
