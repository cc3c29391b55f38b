//! The generated types of every frozen release, compiled by `build.rs` from the release's schema
//! image, with the release's own list of signed entity variants: tests use them to act as a node
//! built on that release. Declared at the root of a test crate as `mod frozen`.
//!
//! Freezing a release adds a module here.
#![allow(missing_docs, clippy::all, dead_code)]

/// Release 0.1.0: `mithril.signer.v1` with four signed entity types.
pub mod r0_1_0 {
    pub mod v1 {
        include!(concat!(
            env!("OUT_DIR"),
            "/frozen/0.1.0/mithril.signer.v1.rs"
        ));

        mithril_compat::oneof_message! {
            /// The signed entity type as release 0.1.0 knew it.
            SignedEntityType, entity: Entity {
                1 => MithrilStakeDistribution(MithrilStakeDistribution),
                2 => CardanoStakeDistribution(CardanoStakeDistribution),
                3 => CardanoImmutableFilesFull(CardanoDbBeacon),
                4 => CardanoTransactions(CardanoTransactions),
            }
        }
    }
}

/// Release 0.2.0: `mithril.signer.v1` with the Cardano database and SNARK keys, and
/// `mithril.signer.v2`.
pub mod r0_2_0 {
    pub mod v1 {
        include!(concat!(
            env!("OUT_DIR"),
            "/frozen/0.2.0/mithril.signer.v1.rs"
        ));

        mithril_compat::oneof_message! {
            /// The signed entity type as release 0.2.0 knew it in v1.
            SignedEntityType, entity: Entity {
                1 => MithrilStakeDistribution(MithrilStakeDistribution),
                2 => CardanoStakeDistribution(CardanoStakeDistribution),
                3 => CardanoImmutableFilesFull(CardanoDbBeacon),
                4 => CardanoTransactions(CardanoTransactions),
                5 => CardanoDatabase(CardanoDbBeacon),
            }
        }
    }

    pub mod v2 {
        include!(concat!(
            env!("OUT_DIR"),
            "/frozen/0.2.0/mithril.signer.v2.rs"
        ));

        mithril_compat::oneof_message! {
            /// The signed entity type as release 0.2.0 knew it in v2.
            SignedEntityType, entity: Entity {
                1 => MithrilStakeDistribution(MithrilStakeDistribution),
                2 => CardanoStakeDistribution(CardanoStakeDistribution),
                4 => CardanoTransactions(CardanoTransactions),
                5 => CardanoDatabase(CardanoDbBeacon),
                6 => CardanoBlocksTransactions(CardanoBlocksTransactions),
            }
        }
    }
}
