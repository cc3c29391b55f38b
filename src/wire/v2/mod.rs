//! Wire version 2: the package `mithril.signer.v2`.
//!
//! What changed from v1 and why is written at the top of `proto/mithril/signer/v2/types.proto`;
//! what each conversion does with parts v2 cannot carry is in the table of the `convert` module.
//!
//! ```
//! use mithril_compat::domain::SignerRegistration;
//! use mithril_compat::{samples, wire::v2};
//!
//! let registration = samples::signer_registration();
//! let bytes = v2::encode(&registration)?;
//! assert_eq!(v2::decode::<SignerRegistration>(&bytes[..])?, registration);
//! # Ok::<(), mithril_compat::WireError>(())
//! ```

use super::WireVersion;

mod convert;

/// The protobuf package.
pub const PACKAGE: &str = "mithril.signer.v2";

mod generated {
    #![allow(missing_docs, clippy::doc_lazy_continuation)]
    include!(concat!(env!("OUT_DIR"), "/mithril.signer.v2.rs"));
}

/// The generated protobuf types of `mithril.signer.v2`.
pub mod pb {
    pub use super::generated::RejectionCount;
    pub use super::generated::{AggregatorFeatures, AggregatorStatus, ProtocolConfiguration};
    pub use super::generated::{
        CardanoBlocksTransactions, CardanoDbBeacon, CardanoStakeDistribution, CardanoTransactions,
        CardanoTransactionsSigningConfig, EpochSettings, GetEpochSettingsRequest,
        GetEpochSettingsResponse, MithrilStakeDistribution, NodeInfo, PoolCertification,
        ProtocolParameters, RegisterSignaturesRequest, RegisterSignaturesResponse,
        RegisterSignerRequest, RegisterSignerResponse, ShadowSignature, SignatureRejection, Signer,
        SignerRegistration, SingleSignature, VerificationKey, WireVersion,
    };
    pub use super::generated::{
        EraAnnouncement, StreamSignaturesRequest, StreamSignaturesResponse,
        WatchEpochSettingsRequest, WatchEpochSettingsResponse,
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
            4 => CardanoTransactions(CardanoTransactions),
            5 => CardanoDatabase(CardanoDbBeacon),
            6 => CardanoBlocksTransactions(CardanoBlocksTransactions),
        }
    }
}

/// Marker type of wire version 2, for the generic entry points of [`crate::wire`].
#[derive(Clone, Copy, Debug)]
pub struct V2;

impl super::sealed::Sealed for V2 {}

crate::wire::aggregator::aggregator_spokes!(super::V2, super::pb);

crate::wire::entry_points!(V2);

const VERSION: WireVersion = WireVersion::V2;
