//! Deterministic inputs shared by the generators: signer fixtures built by upstream's own test
//! builder, and a small chain of blocks and transactions near a mainnet-like tip.

use mithril_common::{
    entities::{
        BlockNumber, CardanoBlockTransactionMkTreeNode, CardanoTransaction, Epoch,
        ProtocolParameters, SlotNumber, StakeDistribution,
    },
    test::builder::{MithrilFixture, MithrilFixtureBuilder},
};
use sha2::{Digest, Sha256};

/// Epoch of the data being signed ("current epoch" part of every protocol message).
pub const CURRENT_EPOCH: Epoch = Epoch(560);

/// Mainnet protocol parameters (k, m, phi_f) as published by the Mithril mainnet aggregator.
pub fn mainnet_protocol_parameters() -> ProtocolParameters {
    ProtocolParameters::new(2422, 20973, 0.2)
}

/// Signer fixtures. `current` signs at [CURRENT_EPOCH]; `next` is the registration of the
/// following epoch (one more signer, mainnet parameters), source of every "next" part.
pub struct Fixtures {
    pub current: MithrilFixture,
    pub next: MithrilFixture,
}

impl Fixtures {
    pub fn build() -> Self {
        let current = MithrilFixtureBuilder::default()
            .with_signers(3)
            .with_protocol_parameters(ProtocolParameters::new(5, 100, 0.65))
            .build_at_epoch(CURRENT_EPOCH);
        let next = MithrilFixtureBuilder::default()
            .with_signers(4)
            .with_protocol_parameters(mainnet_protocol_parameters())
            .build_at_epoch(CURRENT_EPOCH.next());
        Self { current, next }
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A block of the fake chain with its transactions.
pub struct Block {
    pub number: BlockNumber,
    pub slot: u64,
    pub hash: String,
    pub transactions: Vec<String>,
}

/// First block of the fake chain (a block-range start: a multiple of 15).
pub const CHAIN_START: u64 = 11_234_535;
/// Last block of the fake chain (inside a block range that is not complete).
pub const CHAIN_TIP: u64 = 11_234_592;

pub fn chain() -> Vec<Block> {
    (CHAIN_START..=CHAIN_TIP)
        .map(|number| {
            let tx_count = 1 + number % 3;
            Block {
                number: BlockNumber(number),
                slot: 150_000_000 + (number - CHAIN_START) * 20,
                hash: sha256_hex(format!("block-{number}").as_bytes()),
                transactions: (0..tx_count)
                    .map(|i| sha256_hex(format!("tx-{number}-{i}").as_bytes()))
                    .collect(),
            }
        })
        .collect()
}

pub fn cardano_transactions(blocks: &[Block]) -> Vec<CardanoTransaction> {
    blocks
        .iter()
        .flat_map(|block| {
            block.transactions.iter().map(|tx| {
                CardanoTransaction::new(
                    tx.clone(),
                    block.number,
                    SlotNumber(block.slot),
                    &block.hash,
                )
            })
        })
        .collect()
}

pub fn block_transaction_nodes(blocks: &[Block]) -> Vec<CardanoBlockTransactionMkTreeNode> {
    blocks
        .iter()
        .flat_map(|block| {
            let mut nodes = vec![CardanoBlockTransactionMkTreeNode::Block {
                block_hash: block.hash.clone(),
                block_number: block.number,
                slot_number: SlotNumber(block.slot),
            }];
            nodes.extend(block.transactions.iter().map(|tx| {
                CardanoBlockTransactionMkTreeNode::Transaction {
                    transaction_hash: tx.clone(),
                    block_number: block.number,
                    slot_number: SlotNumber(block.slot),
                    block_hash: block.hash.clone(),
                }
            }));
            nodes
        })
        .collect()
}

/// Cardano stake distribution used by the Cardano stake distribution signable builder.
pub fn cardano_stake_distribution() -> StakeDistribution {
    StakeDistribution::from([
        (
            "pool1qqqqqdk4zhsjuxxd8jyvwncf5eucfskz0xjjj64fdmlgj735lr9".to_string(),
            8_931_291_493_584,
        ),
        (
            "pool1qqqqpanw9zc0rzh0yp247nzf2s35uvnsm7aaesfl2nnejaev0uc".to_string(),
            67_025_613_474_371,
        ),
        (
            "pool1qqqqx69ztfvd83rtafs3mk4lwanehrglmp2vwkjpaguecs2t4c2".to_string(),
            64_207_401_129_843,
        ),
        (
            "pool1qqqqzyqf8mlm70883zht60n4q6uqxg4a8x266sewv8ad2grkztl".to_string(),
            1_047_432_911_207,
        ),
    ])
}
