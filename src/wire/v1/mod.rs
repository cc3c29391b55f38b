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

use super::WireVersion;

mod convert;

/// The protobuf package.
pub const PACKAGE: &str = "mithril.signer.v1";

mod generated {
    #![allow(missing_docs, clippy::doc_lazy_continuation)]
    include!(concat!(env!("OUT_DIR"), "/mithril.signer.v1.rs"));
}

/// The generated protobuf types of `mithril.signer.v1`.
pub mod pb {
    pub use super::generated::{AggregatorFeatures, AggregatorStatus, ProtocolConfiguration};
    pub use super::generated::{
        CardanoDbBeacon, CardanoStakeDistribution, CardanoTransactions,
        CardanoTransactionsSigningConfig, EpochSettings, GetEpochSettingsRequest,
        GetEpochSettingsResponse, MithrilStakeDistribution, NodeInfo, ProtocolParameters,
        RegisterSignatureRequest, RegisterSignatureResponse, RegisterSignerRequest,
        RegisterSignerResponse, Signer, SignerRegistration, SingleSignature, WireVersion,
    };

    #[cfg(feature = "grpc")]
    #[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
    pub use super::generated::{signer_service_client, signer_service_server};

    crate::oneof_message! {
        /// The kind of artifact a single signature is about, and its beacon; variants this
        /// build does not know are kept in `unknown_fields`.
        SignedEntityType, entity: Entity {
            1 => MithrilStakeDistribution(MithrilStakeDistribution),
            2 => CardanoStakeDistribution(CardanoStakeDistribution),
            3 => CardanoImmutableFilesFull(CardanoDbBeacon),
            4 => CardanoTransactions(CardanoTransactions),
            5 => CardanoDatabase(CardanoDbBeacon),
        }
    }
}

/// Marker type of wire version 1, for the generic entry points of [`crate::wire`].
#[derive(Clone, Copy, Debug)]
pub struct V1;

impl super::sealed::Sealed for V1 {}

crate::wire::aggregator::aggregator_spokes!(super::V1, super::pb);

crate::wire::entry_points!(V1);

const VERSION: WireVersion = WireVersion::V1;
