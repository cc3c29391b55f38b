//! `protocol_messages.json`: protocol messages as upstream's signable builders compute them, with
//! the hash given by `ProtocolMessage::compute_hash`.
//!
//! The messages are computed by `MithrilSignableBuilderService` itself, wired to upstream's own
//! signable builders (Mithril stake distribution, Cardano stake distribution, Cardano
//! transactions, Cardano blocks and transactions) over in-memory data sources. Two parts have no
//! builder in the published crate: the Cardano database builder (unpublished
//! `mithril-cardano-node-internal-database`) is restated in [CardanoDatabaseBuilder], and the
//! discontinued Cardano immutable files full message (a single `snapshot_digest` part) is built by
//! hand. The seed parts (next aggregate verification keys, next protocol parameters, current
//! epoch) are encoded as the aggregator's `AggregatorSignableSeedBuilder` encodes them.

use std::{collections::BTreeSet, ops::Range, sync::Arc};

use anyhow::{ensure, Context};
use async_trait::async_trait;
use mithril_common::{
    crypto_helper::{MKTree, MKTreeNode, MKTreeStoreInMemory},
    entities::{
        BlockNumber, BlockNumberOffset, BlockRange, CardanoBlockTransactionMkTreeNode,
        CardanoBlocksTransactionsSigningConfig, CardanoDbBeacon, CardanoTransactionsSigningConfig,
        Epoch, ProtocolMessage, ProtocolMessagePartKey, ProtocolMessagePartValue, SignedEntityType,
        SignedEntityTypeDiscriminants, StakeDistribution, SupportedEra,
    },
    messages::{DiscontinuedSignedEntityType, SignedEntityTypeMessage},
    signable_builder::{
        BlockRangeRootRetriever, BlocksTransactionsImporter,
        CardanoBlocksTransactionsSignableBuilder, CardanoStakeDistributionSignableBuilder,
        CardanoTransactionsSignableBuilder, LegacyBlockRangeRootRetriever,
        MithrilSignableBuilderService, MithrilStakeDistributionSignableBuilder, SignableBuilder,
        SignableBuilderService, SignableBuilderServiceDependencies, SignableSeedBuilder,
        StakeDistributionRetriever, TransactionsImporter,
    },
    test::builder::MithrilFixture,
    StdResult,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::data::{self, Fixtures, CURRENT_EPOCH};

/// A protocol message that the messages generator signs with the current signers.
pub struct SignedMessage {
    pub name: String,
    pub signed_entity_type: SignedEntityTypeMessage,
    pub message: ProtocolMessage,
}

pub struct ProtocolOutput {
    pub file: Value,
    pub legacy_count: usize,
    pub rigid_count: usize,
    pub signed: Vec<SignedMessage>,
}

// ---------------------------------------------------------------------------------------------
// Data sources for upstream's signable builders.

/// Seed parts, encoded as `AggregatorSignableSeedBuilder` (mithril-aggregator) encodes them.
struct SeedBuilder {
    next_aggregate_verification_key: String,
    next_snark_aggregate_verification_key: Option<String>,
    next_protocol_parameters: String,
    current_epoch: Epoch,
}

impl SeedBuilder {
    /// `next` is the registration that will sign at `current_epoch + 1`; the SNARK key is only
    /// announced in the Lagrange era, as the aggregator does.
    fn new(next: &MithrilFixture, current_epoch: Epoch, era: SupportedEra) -> Self {
        #[cfg(feature = "snark")]
        let next_snark_aggregate_verification_key = match era {
            SupportedEra::Lagrange => next.compute_and_encode_snark_aggregate_verification_key(),
            SupportedEra::Pythagoras => None,
        };
        #[cfg(not(feature = "snark"))]
        let next_snark_aggregate_verification_key = {
            let _ = era;
            None
        };
        Self {
            next_aggregate_verification_key: next
                .compute_and_encode_concatenation_aggregate_verification_key(),
            next_snark_aggregate_verification_key,
            next_protocol_parameters: next.protocol_parameters().compute_hash(),
            current_epoch,
        }
    }
}

#[async_trait]
impl SignableSeedBuilder for SeedBuilder {
    async fn compute_next_aggregate_verification_key_for_concatenation(
        &self,
    ) -> StdResult<ProtocolMessagePartValue> {
        Ok(self.next_aggregate_verification_key.clone())
    }

    async fn compute_next_aggregate_verification_key_for_snark(
        &self,
    ) -> StdResult<Option<ProtocolMessagePartValue>> {
        Ok(self.next_snark_aggregate_verification_key.clone())
    }

    async fn compute_next_protocol_parameters(&self) -> StdResult<ProtocolMessagePartValue> {
        Ok(self.next_protocol_parameters.clone())
    }

    async fn compute_current_epoch(&self) -> StdResult<ProtocolMessagePartValue> {
        Ok(self.current_epoch.to_string())
    }
}

#[cfg(feature = "snark")]
struct EraFetcher(SupportedEra);

#[cfg(feature = "snark")]
#[async_trait]
impl mithril_common::signable_builder::SignableBuilderServiceEraFetcher for EraFetcher {
    async fn compute_current_era(&self) -> StdResult<SupportedEra> {
        Ok(self.0)
    }
}

struct StakeRetriever(StakeDistribution);

#[async_trait]
impl StakeDistributionRetriever for StakeRetriever {
    async fn retrieve(&self, _epoch: Epoch) -> StdResult<Option<StakeDistribution>> {
        Ok(Some(self.0.clone()))
    }
}

/// The chain is already "imported": the importers have nothing to do.
struct NoopImporter;

#[async_trait]
impl TransactionsImporter for NoopImporter {
    async fn import(&self, _up_to_beacon: BlockNumber) -> StdResult<()> {
        Ok(())
    }
}

#[async_trait]
impl BlocksTransactionsImporter for NoopImporter {
    async fn import(&self, _up_to_beacon: BlockNumber) -> StdResult<()> {
        Ok(())
    }
}

fn in_range(range: &BlockRange, number: BlockNumber) -> bool {
    range.start <= number && number < range.end
}

fn complete_block_ranges(up_to: BlockNumber) -> Vec<BlockRange> {
    let mut ranges = Vec::new();
    let mut start = data::CHAIN_START;
    loop {
        let range = BlockRange::from_block_number(BlockNumber(start));
        if !range.is_fully_covered_at(up_to) || *range.end > data::CHAIN_TIP + 1 {
            break;
        }
        start = *range.end;
        ranges.push(range);
    }
    ranges
}

/// Block range roots of the Cardano transactions (one leaf per transaction hash).
struct LegacyRoots(Vec<mithril_common::entities::CardanoTransaction>);

#[async_trait]
impl LegacyBlockRangeRootRetriever<MKTreeStoreInMemory> for LegacyRoots {
    async fn retrieve_block_range_roots<'a>(
        &'a self,
        up_to_beacon: BlockNumber,
    ) -> StdResult<Box<dyn Iterator<Item = (BlockRange, MKTreeNode)> + 'a>> {
        let mut roots = Vec::new();
        for range in complete_block_ranges(up_to_beacon) {
            let leaves: Vec<MKTreeNode> = self
                .0
                .iter()
                .filter(|tx| in_range(&range, tx.block_number))
                .map(MKTreeNode::from)
                .collect();
            let root = MKTree::<MKTreeStoreInMemory>::new(&leaves)?.compute_root()?;
            roots.push((range, root));
        }
        Ok(Box::new(roots.into_iter()))
    }
}

/// Block range roots of the Cardano blocks and transactions (one leaf per block and per
/// transaction).
struct Roots(Vec<CardanoBlockTransactionMkTreeNode>);

#[async_trait]
impl BlockRangeRootRetriever<MKTreeStoreInMemory> for Roots {
    async fn retrieve_block_range_roots<'a>(
        &'a self,
        up_to_beacon: BlockNumber,
    ) -> StdResult<Box<dyn Iterator<Item = (BlockRange, MKTreeNode)> + 'a>> {
        let mut roots = Vec::new();
        for range in complete_block_ranges(up_to_beacon) {
            let nodes = self
                .retrieve_block_ranges_nodes(range.start..range.end)
                .await?;
            let root = MKTree::<MKTreeStoreInMemory>::new_from_iter(nodes)?.compute_root()?;
            roots.push((range, root));
        }
        Ok(Box::new(roots.into_iter()))
    }

    async fn retrieve_block_ranges_nodes(
        &self,
        range: Range<BlockNumber>,
    ) -> StdResult<BTreeSet<CardanoBlockTransactionMkTreeNode>> {
        Ok(self
            .0
            .iter()
            .filter(|node| range.contains(&node.block_number()))
            .cloned()
            .collect())
    }
}

/// Restatement of upstream's `CardanoDatabaseSignableBuilder`
/// (internal/cardano-node/mithril-cardano-node-internal-database/src/signable_builder/cardano_database.rs):
/// a single `cardano_database_merkle_root` part, root of the Merkle tree whose leaves are the
/// hex SHA-256 digests of the immutable files (chunk, primary, secondary) up to the beacon.
struct CardanoDatabaseBuilder;

impl CardanoDatabaseBuilder {
    fn immutable_digests(up_to: u64) -> Vec<String> {
        (1..=up_to)
            .flat_map(|number| {
                ["chunk", "primary", "secondary"]
                    .map(|kind| data::sha256_hex(format!("{number:05}.{kind}").as_bytes()))
            })
            .collect()
    }
}

#[async_trait]
impl SignableBuilder<CardanoDbBeacon> for CardanoDatabaseBuilder {
    async fn compute_protocol_message(
        &self,
        beacon: CardanoDbBeacon,
    ) -> StdResult<ProtocolMessage> {
        let digests = Self::immutable_digests(beacon.immutable_file_number);
        let merkle_root = MKTree::<MKTreeStoreInMemory>::new(&digests)?
            .compute_root()?
            .to_hex();
        let mut protocol_message = ProtocolMessage::new();
        protocol_message.set_message_part(
            ProtocolMessagePartKey::CardanoDatabaseMerkleRoot,
            merkle_root,
        );
        Ok(protocol_message)
    }
}

fn service(seed: SeedBuilder, era: SupportedEra) -> MithrilSignableBuilderService {
    let blocks = data::chain();
    #[cfg(not(feature = "snark"))]
    let _ = era;
    let dependencies = SignableBuilderServiceDependencies::new(
        Arc::new(MithrilStakeDistributionSignableBuilder::default()),
        Arc::new(
            CardanoTransactionsSignableBuilder::<MKTreeStoreInMemory>::new(
                Arc::new(NoopImporter),
                Arc::new(LegacyRoots(data::cardano_transactions(&blocks))),
            ),
        ),
        Arc::new(CardanoBlocksTransactionsSignableBuilder::<
            MKTreeStoreInMemory,
        >::new(
            Arc::new(NoopImporter),
            Arc::new(Roots(data::block_transaction_nodes(&blocks))),
        )),
        Arc::new(CardanoStakeDistributionSignableBuilder::new(Arc::new(
            StakeRetriever(data::cardano_stake_distribution()),
        ))),
        Arc::new(CardanoDatabaseBuilder),
        #[cfg(feature = "snark")]
        Arc::new(EraFetcher(era)),
    );
    MithrilSignableBuilderService::new(
        Arc::new(seed),
        dependencies,
        slog::Logger::root(slog::Discard, slog::o!()),
    )
}

// ---------------------------------------------------------------------------------------------
// Signed entity types, as the aggregator computes them from a chain tip.

/// Tip of the fake chain: block number and immutable file number.
const TIP_IMMUTABLE_FILE_NUMBER: u64 = 7_423;

fn transactions_signing_config() -> CardanoTransactionsSigningConfig {
    CardanoTransactionsSigningConfig {
        security_parameter: BlockNumberOffset(10),
        step: BlockNumber(30),
    }
}

fn blocks_transactions_signing_config() -> CardanoBlocksTransactionsSigningConfig {
    CardanoBlocksTransactionsSigningConfig {
        security_parameter: BlockNumberOffset(5),
        step: BlockNumber(1),
    }
}

fn signed_entity_types(epoch: Epoch) -> Vec<(&'static str, SignedEntityType)> {
    let tip = BlockNumber(data::CHAIN_TIP);
    let blocks_config = blocks_transactions_signing_config();
    vec![
        (
            "mithril_stake_distribution",
            SignedEntityType::MithrilStakeDistribution(epoch),
        ),
        (
            "cardano_stake_distribution",
            SignedEntityType::CardanoStakeDistribution(epoch - 1),
        ),
        (
            "cardano_transactions",
            SignedEntityType::CardanoTransactions(
                epoch,
                transactions_signing_config().compute_block_number_to_be_signed(tip),
            ),
        ),
        (
            "cardano_database",
            SignedEntityType::CardanoDatabase(CardanoDbBeacon::new(
                *epoch,
                TIP_IMMUTABLE_FILE_NUMBER,
            )),
        ),
        (
            "cardano_blocks_transactions",
            SignedEntityType::CardanoBlocksTransactions(
                epoch,
                blocks_config.compute_block_number_to_be_signed(tip),
                blocks_config.security_parameter,
            ),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Vector encoding.

fn parts(message: &ProtocolMessage) -> Value {
    Value::Array(
        message
            .message_parts
            .iter()
            .map(|(key, value)| json!([key.to_string(), value]))
            .collect(),
    )
}

/// The legacy digest restated: SHA-256 over `key || value` for every part in key order.
fn legacy_digest(message: &ProtocolMessage) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in &message.message_parts {
        hasher.update(key.to_string().as_bytes());
        hasher.update(value.as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn vector(
    name: &str,
    signed_entity_type: &str,
    message: &ProtocolMessage,
) -> anyhow::Result<Value> {
    let hash = message.compute_hash();
    #[allow(unused_mut)]
    let mut vector = json!({
        "name": name,
        "signed_entity_type": signed_entity_type,
        "hash_scheme": if message.is_rigid() { "rigid" } else { "legacy" },
        "message": serde_json::to_value(message)?,
        "parts": parts(message),
        "hash": hash,
    });
    if message.is_rigid() {
        #[cfg(feature = "snark")]
        rigid::add_rigid_fields(&mut vector, message)
            .with_context(|| format!("rigid vector {name}"))?;
    } else {
        ensure!(
            hash == legacy_digest(message),
            "legacy digest mismatch for {name}"
        );
    }
    Ok(vector)
}

#[cfg(feature = "snark")]
mod rigid {
    use anyhow::{ensure, Context};
    use mithril_common::{
        crypto_helper::ProtocolAggregateVerificationKeyForSnark,
        entities::{ProtocolMessage, ProtocolMessagePartKey},
    };
    use serde_json::{json, Value};
    use sha2::{Digest, Sha256};

    pub fn rigid_slot(value: &str) -> anyhow::Result<String> {
        let key = ProtocolAggregateVerificationKeyForSnark::try_from(value)
            .context("SNARK aggregate verification key does not decode")?;
        Ok(hex::encode(key.to_rigid_slot_bytes()?))
    }

    pub fn add_rigid_fields(vector: &mut Value, message: &ProtocolMessage) -> anyhow::Result<()> {
        message.check_rigid_integrity()?;
        let preimage = message.rigid_preimage();
        ensure!(
            hex::encode(Sha256::digest(&preimage)) == message.compute_hash(),
            "rigid hash is not the SHA-256 of the rigid preimage"
        );
        let avk = message
            .get_message_part(&ProtocolMessagePartKey::NextSnarkAggregateVerificationKey)
            .context("rigid message without a SNARK aggregate verification key")?;
        let slot = rigid_slot(avk)?;
        ensure!(
            preimage.windows(44).any(|w| hex::encode(w) == slot),
            "slot not in preimage"
        );
        vector["rigid_preimage"] = json!(hex::encode(&preimage));
        vector["snark_avk_rigid_slot"] = json!(slot);
        Ok(())
    }

    /// Offset of the SNARK aggregate verification key slot in the rigid preimage:
    /// `"digest"` (6) + digest (32) + `"next_aggregate_verification_key"` (31).
    const SLOT_OFFSET: usize = 6 + 32 + 31;

    /// A rigid message that upstream hashes but refuses in `check_rigid_integrity`: the vector
    /// fields plus the integrity error. The slot is read from the preimage upstream hashes.
    pub fn failure_vector(mut vector: Value, message: &ProtocolMessage) -> anyhow::Result<Value> {
        let error = message
            .check_rigid_integrity()
            .err()
            .context("message unexpectedly passes the rigid integrity check")?;
        let preimage = message.rigid_preimage();
        ensure!(
            hex::encode(Sha256::digest(&preimage)) == message.compute_hash(),
            "rigid hash is not the SHA-256 of the rigid preimage"
        );
        vector["rigid_preimage"] = json!(hex::encode(&preimage));
        vector["snark_avk_rigid_slot"] =
            json!(hex::encode(&preimage[SLOT_OFFSET..SLOT_OFFSET + 44]));
        vector["integrity_error"] = json!(error.to_string());
        Ok(vector)
    }

    /// Both encodings of a SNARK aggregate verification key and its decoded JSON value.
    ///
    /// `ProtocolAggregateVerificationKeyForSnark::try_from(&str)` tries the bytes-hex decoder
    /// first, and mithril-stm's legacy bytes layout accepts any input of 8 bytes or more, so a
    /// JSON-hex string never reaches the JSON decoder: `json_hex_try_from` records what comes out.
    pub fn encodings(key: &ProtocolAggregateVerificationKeyForSnark) -> anyhow::Result<Value> {
        let json_hex = key.to_json_hex()?;
        let bytes_hex = key.to_bytes_hex()?;
        let json_bytes = hex::decode(&json_hex)?;
        let decoded: Value = serde_json::from_slice(&json_bytes)?;
        let slot = hex::encode(key.to_rigid_slot_bytes()?);
        ensure!(
            rigid_slot(&bytes_hex)? == slot,
            "bytes-hex form does not decode to the same key"
        );
        ensure!(
            &ProtocolAggregateVerificationKeyForSnark::from_json_hex(&json_hex)? == key,
            "JSON-hex form does not decode with from_json_hex"
        );
        let via_try_from = ProtocolAggregateVerificationKeyForSnark::try_from(json_hex.as_str())?;
        let json_hex_try_from = json!({
            "same_key": &via_try_from == key,
            "decoded_root_length": via_try_from.to_json_hex().ok()
                .and_then(|h| hex::decode(h).ok())
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["merkle_tree_commitment"]["root"].as_array().map(Vec::len)),
            "decoded_total_stake": via_try_from.get_total_stake(),
            "rigid_slot_error": via_try_from.to_rigid_slot_bytes().err().map(|e| e.to_string()),
        });
        Ok(json!({
            "json_hex": json_hex,
            "bytes_hex": bytes_hex,
            "json": decoded,
            "rigid_slot": slot,
            "json_hex_try_from": json_hex_try_from,
        }))
    }
}

fn discriminant_name(signed_entity_type: &SignedEntityType) -> String {
    SignedEntityTypeDiscriminants::from(signed_entity_type).to_string()
}

// ---------------------------------------------------------------------------------------------

pub async fn generate(fixtures: &Fixtures) -> anyhow::Result<ProtocolOutput> {
    let mut vectors = Vec::new();
    let mut signed = Vec::new();
    let mut legacy_count = 0;
    #[allow(unused_mut)]
    let mut rigid_count = 0;

    // Legacy (Pythagoras era): one message per signed entity type.
    let legacy_service = service(
        SeedBuilder::new(&fixtures.next, CURRENT_EPOCH, SupportedEra::Pythagoras),
        SupportedEra::Pythagoras,
    );
    let mut pythagoras_seed = None;
    for (name, signed_entity_type) in signed_entity_types(CURRENT_EPOCH) {
        let message = legacy_service
            .compute_protocol_message(signed_entity_type.clone())
            .await
            .with_context(|| format!("cannot compute the {name} protocol message"))?;
        if name == "mithril_stake_distribution" {
            pythagoras_seed = Some(message.clone());
        }
        vectors.push(vector(
            name,
            &discriminant_name(&signed_entity_type),
            &message,
        )?);
        legacy_count += 1;
        signed.push(SignedMessage {
            name: name.to_string(),
            signed_entity_type: signed_entity_type.into(),
            message,
        });
    }
    // Only the seed parts: the Mithril stake distribution message has no parts of its own.
    let seed = pythagoras_seed.expect("Mithril stake distribution message computed");

    // Discontinued Cardano immutable files full: the digest of the immutable files plus the seed.
    let mut immutable_full = seed.clone();
    immutable_full.set_message_part(
        ProtocolMessagePartKey::SnapshotDigest,
        data::sha256_hex(format!("immutables-up-to-{TIP_IMMUTABLE_FILE_NUMBER}").as_bytes()),
    );
    vectors.push(vector(
        "cardano_immutable_files_full",
        "CardanoImmutableFilesFull",
        &immutable_full,
    )?);
    legacy_count += 1;
    signed.push(SignedMessage {
        name: "cardano_immutable_files_full".to_string(),
        signed_entity_type: SignedEntityTypeMessage::Discontinued(
            DiscontinuedSignedEntityType::CardanoImmutableFilesFull,
        ),
        message: immutable_full.clone(),
    });

    // Empty message.
    vectors.push(vector("empty", "", &ProtocolMessage::new())?);
    legacy_count += 1;

    // Every part key at once, values taken from the messages above.
    let mut all_parts = ProtocolMessage::new();
    for message in signed.iter().map(|s| &s.message) {
        for (key, value) in &message.message_parts {
            all_parts.set_message_part(*key, value.clone());
        }
    }
    #[cfg(feature = "snark")]
    all_parts.set_message_part(
        ProtocolMessagePartKey::NextSnarkAggregateVerificationKey,
        fixtures
            .next
            .compute_and_encode_snark_aggregate_verification_key()
            .context("the next signers have no SNARK aggregate verification key")?,
    );
    vectors.push(vector("all_parts", "", &all_parts)?);
    legacy_count += 1;

    // Only filled with the `snark` feature.
    #[allow(unused_mut)]
    let mut snark_avk_encodings: Vec<Value> = Vec::new();
    #[allow(unused_mut)]
    let mut rigid_integrity_failures: Vec<Value> = Vec::new();
    #[cfg(feature = "snark")]
    {
        // Rigid (Lagrange era): the service switches the hash scheme itself.
        let rigid_service = service(
            SeedBuilder::new(&fixtures.next, CURRENT_EPOCH, SupportedEra::Lagrange),
            SupportedEra::Lagrange,
        );
        let mut rigid_msd = None;
        for (name, signed_entity_type) in signed_entity_types(CURRENT_EPOCH) {
            let message = rigid_service
                .compute_protocol_message(signed_entity_type.clone())
                .await
                .with_context(|| format!("cannot compute the rigid {name} protocol message"))?;
            ensure!(
                message.is_rigid(),
                "Lagrange era message {name} is not rigid"
            );
            if name == "mithril_stake_distribution" {
                rigid_msd = Some(message.clone());
            }
            let name = format!("rigid_{name}");
            vectors.push(vector(
                &name,
                &discriminant_name(&signed_entity_type),
                &message,
            )?);
            rigid_count += 1;
            signed.push(SignedMessage {
                name,
                signed_entity_type: signed_entity_type.into(),
                message,
            });
        }

        // Same message with the SNARK key written as JSON-hex instead of bytes-hex.
        let next_snark_avk = fixtures
            .next
            .compute_snark_aggregate_verification_key()
            .context("the next signers have no SNARK aggregate verification key")?;
        let mut json_hex_variant = rigid_msd.expect("rigid Mithril stake distribution message");
        json_hex_variant.set_message_part(
            ProtocolMessagePartKey::NextSnarkAggregateVerificationKey,
            next_snark_avk.to_json_hex()?,
        );
        let mut failure = json!({
            "name": "rigid_mithril_stake_distribution_snark_avk_json_hex",
            "signed_entity_type": "MithrilStakeDistribution",
            "hash_scheme": "rigid",
            "message": serde_json::to_value(&json_hex_variant)?,
            "parts": parts(&json_hex_variant),
            "hash": json_hex_variant.compute_hash(),
        });
        failure = rigid::failure_vector(failure, &json_hex_variant)?;
        rigid_integrity_failures.push(failure);

        // Previous epoch: the key of the current signers, announced one epoch earlier.
        let previous_service = service(
            SeedBuilder::new(&fixtures.current, CURRENT_EPOCH - 1, SupportedEra::Lagrange),
            SupportedEra::Lagrange,
        );
        let previous = previous_service
            .compute_protocol_message(SignedEntityType::MithrilStakeDistribution(
                CURRENT_EPOCH - 1,
            ))
            .await?;
        vectors.push(vector(
            "rigid_mithril_stake_distribution_previous_epoch",
            "MithrilStakeDistribution",
            &previous,
        )?);
        rigid_count += 1;

        let current_snark_avk = fixtures
            .current
            .compute_snark_aggregate_verification_key()
            .context("the current signers have no SNARK aggregate verification key")?;
        snark_avk_encodings.push(rigid::encodings(&next_snark_avk)?);
        snark_avk_encodings.push(rigid::encodings(&current_snark_avk)?);
    }

    // `next_protocol_parameters` values: `ProtocolParameters::compute_hash` over a spread of
    // parameters, including phi_f values that are not exact in 8.24 fixed point.
    let protocol_parameters: Vec<Value> = [
        (2422, 20973, 0.2),
        (1944, 16948, 0.2),
        (5, 100, 0.65),
        (10, 100, 0.65),
        (1, 1, 1.0),
        (50, 1000, 0.123456789),
        (3, 7, 0.000_000_03),
        (u64::MAX, u64::MAX, 0.999_999_99),
    ]
    .into_iter()
    .map(|(k, m, phi_f)| {
        let parameters = mithril_common::entities::ProtocolParameters::new(k, m, phi_f);
        json!({"k": k, "m": m, "phi_f": phi_f, "hash": parameters.compute_hash()})
    })
    .collect();

    let file = json!({
        "source": "mithril-common 0.8.3 ProtocolMessage::compute_hash",
        "protocol_parameters": protocol_parameters,
        "vectors": vectors,
        "snark_avk_encodings": snark_avk_encodings,
        "rigid_integrity_failures": rigid_integrity_failures,
    });
    Ok(ProtocolOutput {
        file,
        legacy_count,
        rigid_count,
        signed,
    })
}
