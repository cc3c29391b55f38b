//! The hub: the version-independent domain model.
//!
//! Every wire version converts to and from these types and nothing else, so `N` wire versions need
//! `2N` conversions. Nothing here knows about protobuf packages, eras or transport.
//!
//! Values are valid by construction: leaf types ([`PartyId`], [`ProtocolParameters`],
//! [`WonIndexes`], [`BoundedBytes`], …) check their invariants in their constructors, and the
//! composite types are plain structs of valid leaves, so a value of any type in this module is one
//! the protocol accepts. Limits are in [`limits`].

pub(crate) mod aggregator;
mod bytes;
mod epoch_settings;
mod node_info;
mod protocol;
mod protocol_message;
mod registration;
mod scalars;
mod signature;
mod signed_entity;
mod text;

pub use self::bytes::{BoundedBytes, KeyBytes, SignatureBytes};
pub use aggregator::{
    AggregateSignatureKind, AggregatorFeatures, AggregatorStatus, ProtocolConfiguration,
    SignedEntityKind,
};
pub use epoch_settings::{CardanoTransactionsSigningConfig, EpochSettings, Signer, SignerSet};
pub use node_info::{NodeInfo, NodeInfoStatement};
pub use protocol::ProtocolParameters;
pub use protocol_message::{DigestError, HashScheme, PartKey, ProtocolMessage, SnarkAvkSlot};
pub use registration::{ProofSystem, SignerRegistration};
pub use scalars::{
    BlockNumber, BlockNumberOffset, Epoch, ImmutableFileNumber, NetworkMagic, Stake, WireVersionId,
};
pub use signature::{ShadowSignature, SingleSignature, WonIndexes};
pub use signed_entity::{CardanoDbBeacon, SignedEntityType, UnknownOrigin, UnknownVariant};
pub use text::{EraName, Label, PartyId, SignedMessage, SoftwareVersion};

/// The bounds the domain model enforces on values that come from the network.
pub mod limits {
    /// Longest party id (bytes). Stake pool ids are 56 characters.
    pub const MAX_PARTY_ID_BYTES: usize = 128;
    /// Longest software version string (bytes).
    pub const MAX_SOFTWARE_VERSION_BYTES: usize = 64;
    /// Longest era name (bytes).
    pub const MAX_ERA_NAME_BYTES: usize = 32;
    /// Longest signed message (bytes). A hex digest is 64 characters.
    pub const MAX_SIGNED_MESSAGE_BYTES: usize = 4096;
    /// Largest key, key signature or operational certificate (bytes).
    pub const MAX_KEY_BYTES: usize = 16 * 1024;
    /// Largest single signature (bytes).
    pub const MAX_SIGNATURE_BYTES: usize = 64 * 1024;
    /// Most won lottery indices in one single signature (the lottery draws `m` indices; mainnet
    /// uses m = 16 948).
    pub const MAX_WON_INDEXES: usize = 1 << 20;
    /// Most signers in one list of an epoch's settings.
    pub const MAX_SIGNERS: usize = 100_000;
    /// Most eras or wire versions one node may declare, and most signed entity types one
    /// aggregator may list.
    pub const MAX_DECLARED: usize = 64;
    /// Longest descriptive text an aggregator publishes (bytes).
    pub const MAX_LABEL_BYTES: usize = 512;
}

/// Checks that a list declared by a node stays within [`limits::MAX_DECLARED`] entries.
pub(crate) fn check_declared_len(count: usize) -> Result<(), crate::ValidationError> {
    if count > limits::MAX_DECLARED {
        return Err(crate::ValidationError::here(
            crate::Violation::TooManyEntries {
                count,
                max: limits::MAX_DECLARED,
            },
        ));
    }
    Ok(())
}
