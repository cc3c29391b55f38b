//! Wire version 1: the package `mithril.signer.v1`.
//!
//! ```
//! use mithril_compat::{samples, wire::v1};
//!
//! let signature = samples::single_signature();
//! let bytes = v1::encode(&signature)?;
//! assert_eq!(v1::decode::<mithril_compat::domain::SingleSignature>(&bytes[..])?, signature);
//! # Ok::<(), mithril_compat::WireError>(())
//! ```

use bytes::Buf;

use super::{DEFAULT_MAX_MESSAGE_BYTES, HubType, Spoke, WireVersion};
use crate::WireError;

mod convert;

/// The protobuf package.
pub const PACKAGE: &str = "mithril.signer.v1";

mod generated {
    #![allow(missing_docs, clippy::doc_lazy_continuation)]
    include!(concat!(env!("OUT_DIR"), "/mithril.signer.v1.rs"));
}

/// The generated protobuf types of `mithril.signer.v1`.
pub mod pb {
    pub use super::generated::{
        CardanoDbBeacon, CardanoStakeDistribution, CardanoTransactions,
        CardanoTransactionsSigningConfig, EpochSettings, GetEpochSettingsRequest,
        GetEpochSettingsResponse, MithrilStakeDistribution, NodeInfo, ProtocolParameters,
        RegisterSignatureRequest, RegisterSignatureResponse, RegisterSignerRequest,
        RegisterSignerResponse, Signer, SignerRegistration, SingleSignature, WireVersion,
    };

    crate::wire::oneof_message! {
        /// The kind of artifact a single signature is about, and its beacon; variants this
        /// build does not know are kept in `unknown_fields`.
        SignedEntityType, entity: Entity {
            1 => MithrilStakeDistribution(MithrilStakeDistribution),
            2 => CardanoStakeDistribution(CardanoStakeDistribution),
            3 => CardanoImmutableFilesFull(CardanoDbBeacon),
            4 => CardanoTransactions(CardanoTransactions),
        }
    }
}

/// Marker type of wire version 1, for the generic entry points of [`crate::wire`].
#[derive(Clone, Copy, Debug)]
pub struct V1;

impl super::sealed::Sealed for V1 {}

/// Decodes a message of wire version 1 into the hub, within [`DEFAULT_MAX_MESSAGE_BYTES`].
pub fn decode<T>(buf: impl Buf) -> Result<T, WireError>
where
    T: HubType,
    V1: Spoke<T>,
{
    super::decode_with_limit::<V1, T>(buf, DEFAULT_MAX_MESSAGE_BYTES)
}

/// Encodes a hub value as a message of wire version 1.
pub fn encode<T>(value: &T) -> Result<Vec<u8>, WireError>
where
    T: HubType,
    V1: Spoke<T>,
{
    super::encode_with::<V1, T>(value)
}

const VERSION: WireVersion = WireVersion::V1;
