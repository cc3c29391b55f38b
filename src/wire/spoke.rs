//! The spoke machinery: how a wire version converts to and from the hub, what a conversion
//! drops, bounded decoding, and dispatch on a version chosen at run time.

use std::marker::PhantomData;

use bytes::{Buf, Bytes};

use super::DEFAULT_MAX_MESSAGE_BYTES;
use super::message::{HubMessage, HubType, MessageKind};
use super::registry::WireVersion;
use crate::domain::{
    AggregatorFeatures, AggregatorStatus, EpochSettings, ProtocolConfiguration, SignerRegistration,
    SingleSignature,
};
use crate::error::{FieldPath, Nest, WireError};

pub(crate) mod sealed {
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
    pub(crate) policy: DowngradePolicy,
    pub(crate) package: &'static str,
    pub(crate) dropped: Vec<FieldPath>,
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
/// conversions. Implemented by the marker type of each version (such as [`V1`](super::v1::V1)).
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
        .find(|other| other.spoke().decode_exact(kind, bytes).is_ok());
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
pub(super) trait AllKinds:
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

/// The conversions of one wire version, for a version chosen at run time
/// ([`WireVersion`]'s registry returns it).
pub(super) trait DynSpoke: Sync {
    fn decode(&self, kind: MessageKind, buf: &mut dyn Buf) -> Result<HubMessage, WireError>;
    fn decode_exact(&self, kind: MessageKind, bytes: &Bytes) -> Result<HubMessage, WireError>;
    fn encode(&self, message: &HubMessage, policy: DowngradePolicy) -> Result<Encoded, WireError>;
}

/// [`DynSpoke`] for the marker type `S` of a wire version.
pub(super) struct Dispatch<S>(PhantomData<fn() -> S>);

impl<S> Dispatch<S> {
    pub(super) const NEW: Self = Dispatch(PhantomData);
}

impl<S: AllKinds> DynSpoke for Dispatch<S> {
    fn decode(&self, kind: MessageKind, buf: &mut dyn Buf) -> Result<HubMessage, WireError> {
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

    fn decode_exact(&self, kind: MessageKind, bytes: &Bytes) -> Result<HubMessage, WireError> {
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

    fn encode(&self, message: &HubMessage, policy: DowngradePolicy) -> Result<Encoded, WireError> {
        match message {
            HubMessage::SignerRegistration(value) => encode_with::<S, _>(value, policy),
            HubMessage::SingleSignature(value) => encode_with::<S, _>(value, policy),
            HubMessage::EpochSettings(value) => encode_with::<S, _>(value, policy),
            HubMessage::AggregatorFeatures(value) => encode_with::<S, _>(value, policy),
            HubMessage::ProtocolConfiguration(value) => encode_with::<S, _>(value, policy),
            HubMessage::AggregatorStatus(value) => encode_with::<S, _>(value, policy),
        }
    }
}

/// Decodes a message whose version and kind are known only at run time.
pub fn decode(
    version: WireVersion,
    kind: MessageKind,
    mut buf: impl Buf,
) -> Result<HubMessage, WireError> {
    version.spoke().decode(kind, &mut buf)
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
    version.spoke().encode(message, policy)
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
