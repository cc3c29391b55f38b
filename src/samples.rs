//! Deterministic, fully populated sample messages with realistic sizes.
//!
//! They feed the golden fixtures, the documentation examples and the command-line tool. Keys and
//! signatures are pseudo-random bytes of the length real ones have (a BLS verification key with
//! its proof of possession is 192 bytes, a Sum6 KES signature 448), not valid cryptography.

use crate::domain::{
    AggregateSignatureKind, AggregatorFeatures, AggregatorStatus, BlockNumber, BlockNumberOffset,
    CardanoDbBeacon, CardanoTransactionsSigningConfig, Epoch, EpochSettings, EraName,
    ImmutableFileNumber, KeyBytes, Label, NodeInfo, PartyId, ProtocolConfiguration,
    ProtocolParameters, ShadowSignature, SignatureBytes, SignedEntityKind, SignedEntityType,
    SignedMessage, Signer, SignerRegistration, SignerSet, SingleSignature, SoftwareVersion, Stake,
    WireVersionId, WonIndexes,
};
use crate::wire::HubMessage;

/// Length of a BLS verification key with its proof of possession (bytes).
pub const VERIFICATION_KEY_LEN: usize = 192;
/// Length of a Schnorr signature: a SNARK key's proof of bound possession (bytes).
pub const SCHNORR_SIGNATURE_LEN: usize = 64;
/// Length of a Sum6 KES signature (bytes).
pub const KES_SIGNATURE_LEN: usize = 448;
/// Length of a CBOR operational certificate (bytes).
pub const OPERATIONAL_CERTIFICATE_LEN: usize = 304;
/// Length of the sample single signatures (bytes).
pub const SINGLE_SIGNATURE_LEN: usize = 200;
/// Length of a SNARK (Schnorr over Jubjub) verification key (bytes).
pub const SNARK_VERIFICATION_KEY_LEN: usize = 64;
/// Length of the sample SNARK single signatures (bytes).
pub const SNARK_SIGNATURE_LEN: usize = 96;

/// Pseudo-random bytes from a seed (splitmix64); the same seed always gives the same bytes.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A pool id of the usual shape (`pool1` and 51 bech32 characters), derived from a seed.
pub fn pool_id(seed: u64) -> PartyId {
    const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let tail: String = bytes(seed, 51)
        .into_iter()
        .map(|byte| CHARSET[usize::from(byte) % CHARSET.len()] as char)
        .collect();
    PartyId::new(format!("pool1{tail}")).expect("valid pool id")
}

fn key(seed: u64, len: usize) -> KeyBytes {
    KeyBytes::new(bytes(seed, len)).expect("sample key within bounds")
}

/// The node declaration of a node that speaks wire versions 1 and 2 and supports `pythagoras`
/// and `lagrange`, with all five versions declared.
pub fn node_info() -> NodeInfo {
    NodeInfo::new(
        SoftwareVersion::new("0.2.0").expect("valid"),
        vec![
            EraName::new("pythagoras").expect("valid"),
            EraName::new("lagrange").expect("valid"),
        ],
        vec![
            WireVersionId::new(1).expect("valid"),
            WireVersionId::new(2).expect("valid"),
        ],
    )
    .expect("valid node info")
    .with_distribution_version(Some(SoftwareVersion::new("2543.0").expect("valid")))
    .with_database_version(Some(31))
    .with_protocol_versions(vec![SoftwareVersion::new("0.1.0").expect("valid")])
    .expect("valid node info")
}

/// A registration with every optional field set.
pub fn signer_registration() -> SignerRegistration {
    SignerRegistration {
        epoch: Epoch(512),
        party_id: pool_id(1),
        verification_key: key(10, VERIFICATION_KEY_LEN),
        verification_key_signature: Some(key(11, KES_SIGNATURE_LEN)),
        operational_certificate: Some(key(12, OPERATIONAL_CERTIFICATE_LEN)),
        kes_evolutions: Some(6),
        node_info: node_info(),
        verification_key_for_snark: Some(key(13, SNARK_VERIFICATION_KEY_LEN)),
        verification_key_signature_for_snark: Some(key(14, KES_SIGNATURE_LEN)),
        proof_of_bound_possession_for_snark: Some(key(15, SCHNORR_SIGNATURE_LEN)),
        node_info_signature: Some(key(16, KES_SIGNATURE_LEN)),
    }
}

/// One signed entity type of each kind this build knows, with a name for each (not every wire
/// version carries every kind).
pub fn signed_entity_types() -> Vec<(&'static str, SignedEntityType)> {
    vec![
        (
            "mithril_stake_distribution",
            SignedEntityType::MithrilStakeDistribution(Epoch(512)),
        ),
        (
            "cardano_stake_distribution",
            SignedEntityType::CardanoStakeDistribution(Epoch(511)),
        ),
        (
            "cardano_immutable_files_full",
            SignedEntityType::CardanoImmutableFilesFull(CardanoDbBeacon {
                epoch: Epoch(512),
                immutable_file_number: ImmutableFileNumber(7_123),
            }),
        ),
        (
            "cardano_transactions",
            SignedEntityType::CardanoTransactions(Epoch(512), BlockNumber(11_234_567)),
        ),
        (
            "cardano_database",
            SignedEntityType::CardanoDatabase(CardanoDbBeacon {
                epoch: Epoch(512),
                immutable_file_number: ImmutableFileNumber(7_124),
            }),
        ),
        (
            "cardano_blocks_transactions",
            SignedEntityType::CardanoBlocksTransactions(
                Epoch(512),
                BlockNumber(11_234_600),
                BlockNumberOffset(15),
            ),
        ),
    ]
}

/// A single signature about `signed_entity_type`.
pub fn single_signature_for(signed_entity_type: SignedEntityType) -> SingleSignature {
    SingleSignature {
        signed_entity_type,
        party_id: pool_id(1),
        signature: SignatureBytes::new(bytes(20, SINGLE_SIGNATURE_LEN)).expect("within bounds"),
        won_indexes: WonIndexes::new(vec![3, 17, 204, 1_503, 9_871]).expect("increasing"),
        signed_message: SignedMessage::new(hex::encode(bytes(21, 32))).expect("hex digest"),
        snark_signature: None,
        shadow_signature: None,
    }
}

/// A single signature that carries a shadow signature of the next era's message (lagrange's
/// composition of it), as upgraded signers send while that era is announced.
pub fn single_signature_with_shadow() -> SingleSignature {
    SingleSignature {
        shadow_signature: Some(ShadowSignature {
            era: EraName::new("lagrange").expect("an era name"),
            signature: SignatureBytes::new(bytes(23, SINGLE_SIGNATURE_LEN)).expect("within bounds"),
            won_indexes: WonIndexes::new(vec![17, 88, 1_503]).expect("increasing"),
            signed_message: SignedMessage::new(hex::encode(bytes(24, 32))).expect("hex digest"),
        }),
        ..single_signature()
    }
}

/// A single signature that carries a SNARK signature too.
pub fn single_signature_with_snark() -> SingleSignature {
    SingleSignature {
        snark_signature: Some(
            SignatureBytes::new(bytes(22, SNARK_SIGNATURE_LEN)).expect("within bounds"),
        ),
        ..single_signature()
    }
}

/// A single signature about Cardano transactions.
pub fn single_signature() -> SingleSignature {
    single_signature_for(SignedEntityType::CardanoTransactions(
        Epoch(512),
        BlockNumber(11_234_567),
    ))
}

/// A signer with every optional field set.
pub fn signer(seed: u64, stake: u64) -> Signer {
    Signer {
        party_id: pool_id(seed),
        verification_key: key(seed.wrapping_mul(31).wrapping_add(1), VERIFICATION_KEY_LEN),
        verification_key_signature: Some(key(
            seed.wrapping_mul(31).wrapping_add(2),
            KES_SIGNATURE_LEN,
        )),
        operational_certificate: Some(key(
            seed.wrapping_mul(31).wrapping_add(3),
            OPERATIONAL_CERTIFICATE_LEN,
        )),
        kes_evolutions: Some(seed % 62),
        stake: Some(Stake(stake)),
        // Every other signer takes part in SNARK proofs.
        verification_key_for_snark: seed.is_multiple_of(2).then(|| {
            key(
                seed.wrapping_mul(31).wrapping_add(4),
                SNARK_VERIFICATION_KEY_LEN,
            )
        }),
        verification_key_signature_for_snark: seed
            .is_multiple_of(2)
            .then(|| key(seed.wrapping_mul(31).wrapping_add(5), KES_SIGNATURE_LEN)),
        proof_of_bound_possession_for_snark: seed
            .is_multiple_of(2)
            .then(|| key(seed.wrapping_mul(37).wrapping_add(9), SCHNORR_SIGNATURE_LEN)),
    }
}

/// Epoch settings with `current` and `next` signers and every optional field set.
pub fn epoch_settings_with(current: usize, next: usize) -> EpochSettings {
    let signers = |offset: u64, count: usize| {
        SignerSet::new(
            (0..count as u64)
                .map(|index| signer(offset + index, 1_000_000_000 + index * 7_919_000))
                .collect(),
        )
        .expect("distinct pool ids")
    };
    EpochSettings {
        epoch: Epoch(512),
        signer_registration_protocol_parameters: Some(ProtocolParameters::MAINNET),
        current_signers: signers(100, current),
        next_signers: signers(100 + current as u64 / 2, next),
        cardano_transactions_signing_config: Some(CardanoTransactionsSigningConfig {
            security_parameter: 3000,
            step: BlockNumber(30),
        }),
    }
}

/// Epoch settings with three current and three next signers.
pub fn epoch_settings() -> EpochSettings {
    epoch_settings_with(3, 3)
}

/// An aggregator's features with every optional field set, an unknown signed entity type and a
/// SNARK proof system.
pub fn aggregator_features() -> AggregatorFeatures {
    let label = |text: &str| Label::new(text).expect("a valid label");
    AggregatorFeatures {
        open_api_version: label("0.1.71"),
        documentation_url: label("https://mithril.network/doc"),
        signed_entity_types: vec![
            SignedEntityKind::MithrilStakeDistribution,
            SignedEntityKind::CardanoStakeDistribution,
            SignedEntityKind::CardanoDatabase,
            SignedEntityKind::CardanoTransactions,
            SignedEntityKind::CardanoBlocksTransactions,
            SignedEntityKind::from_name("CardanoGovernanceActions").expect("a valid name"),
        ],
        aggregate_signature_type: AggregateSignatureKind::Snark,
        cardano_transactions_prover_max_hashes: Some(100),
        wire_versions: vec![
            WireVersionId::new(1).expect("in range"),
            WireVersionId::new(2).expect("in range"),
        ],
    }
}

/// The protocol configuration of an epoch, with both signing configurations.
pub fn protocol_configuration() -> ProtocolConfiguration {
    ProtocolConfiguration {
        protocol_parameters: ProtocolParameters::MAINNET,
        cardano_transactions_signing_config: Some(CardanoTransactionsSigningConfig {
            security_parameter: 3000,
            step: BlockNumber(120),
        }),
        cardano_blocks_transactions_signing_config: Some(CardanoTransactionsSigningConfig {
            security_parameter: 3000,
            step: BlockNumber(60),
        }),
        available_signed_entity_types: vec![
            SignedEntityKind::MithrilStakeDistribution,
            SignedEntityKind::CardanoDatabase,
            SignedEntityKind::Unnamed,
        ],
    }
}

/// A follower aggregator's status during lagrange.
pub fn aggregator_status() -> AggregatorStatus {
    let label = |text: &str| Label::new(text).expect("a valid label");
    AggregatorStatus {
        epoch: Epoch(512),
        cardano_era: label("Conway"),
        cardano_network: label("preprod"),
        mithril_era: EraName::new("lagrange").expect("a valid era name"),
        cardano_node_version: label("10.5.1"),
        aggregator_node_version: label("0.7.91"),
        protocol_parameters: ProtocolParameters::MAINNET,
        next_protocol_parameters: ProtocolParameters::new(2422, 20973, 0.2).expect("valid"),
        total_signers: 3000,
        total_next_signers: 3012,
        total_stakes_signers: Stake(21_000_000_000_000_000),
        total_next_stakes_signers: Stake(21_100_000_000_000_000),
        total_cardano_spo: 2917,
        total_cardano_stake: Stake(21_544_125_474_012_388),
        leader_aggregator_endpoint: Some(label("https://leader.example/aggregator")),
        certificate_chain_aggregator_endpoint: Some(label("https://chain.example/aggregator")),
    }
}

/// Every sample, named, as the golden fixtures store them. Some cannot be carried by every wire
/// version (a discontinued or a new signed entity type, a SNARK signature in v1).
pub fn all() -> Vec<(String, HubMessage)> {
    let mut samples = vec![(
        "signer_registration".to_owned(),
        HubMessage::SignerRegistration(signer_registration()),
    )];
    for (name, signed_entity_type) in signed_entity_types() {
        samples.push((
            format!("single_signature_{name}"),
            HubMessage::SingleSignature(single_signature_for(signed_entity_type)),
        ));
    }
    samples.push((
        "single_signature_with_snark_signature".to_owned(),
        HubMessage::SingleSignature(single_signature_with_snark()),
    ));
    samples.push((
        "single_signature_with_shadow_signature".to_owned(),
        HubMessage::SingleSignature(single_signature_with_shadow()),
    ));
    samples.push((
        "epoch_settings".to_owned(),
        HubMessage::EpochSettings(epoch_settings()),
    ));
    samples.push((
        "aggregator_features".to_owned(),
        HubMessage::AggregatorFeatures(aggregator_features()),
    ));
    samples.push((
        "protocol_configuration".to_owned(),
        HubMessage::ProtocolConfiguration(protocol_configuration()),
    ));
    samples.push((
        "aggregator_status".to_owned(),
        HubMessage::AggregatorStatus(aggregator_status()),
    ));
    samples
}

/// An approximation of what today's JSON bodies carry for a key or signature: the JSON text of
/// its bytes as a serde array of decimal bytes, which the body then writes as hex. Today's nodes
/// write the JSON of the value's structure instead (`{"vk":[…],"pop":[…]}` for a key,
/// `{"sigma":[…],"indexes":[…],"signer_index":…}` for a signature): `mithril-common`'s
/// "JSON-hex" (`ProtocolKey`, `crypto_helper/types/protocol_key.rs`). Sizes differ (a real
/// signature body is 1 002 bytes, [`single_signature`]'s built this way 1 686); [`upstream`]
/// has today's bodies exactly.
pub fn json_text_of(bytes: &[u8]) -> Vec<u8> {
    let mut text = Vec::with_capacity(bytes.len() * 4 + 2);
    text.push(b'[');
    for (index, byte) in bytes.iter().enumerate() {
        if index > 0 {
            text.push(b',');
        }
        text.extend_from_slice(byte.to_string().as_bytes());
    }
    text.push(b']');
    text
}

/// `key` as today's JSON carries it ([`json_text_of`]), within the key size limit.
pub fn json_key(key: &KeyBytes) -> Option<KeyBytes> {
    KeyBytes::new(json_text_of(key.as_bytes())).ok()
}

/// A registration whose keys hold what today's JSON bodies carry for them ([`json_text_of`]):
/// the verification key, its KES signature and the operational certificate.
pub fn with_todays_key_texts(registration: &SignerRegistration) -> Option<SignerRegistration> {
    Some(SignerRegistration {
        verification_key: json_key(&registration.verification_key)?,
        verification_key_signature: match &registration.verification_key_signature {
            Some(key) => Some(json_key(key)?),
            None => None,
        },
        operational_certificate: match &registration.operational_certificate {
            Some(key) => Some(json_key(key)?),
            None => None,
        },
        ..registration.clone()
    })
}

/// A single signature whose signature holds what today's JSON bodies carry for it
/// ([`json_text_of`]).
pub fn with_todays_signature_text(signature: &SingleSignature) -> Option<SingleSignature> {
    Some(SingleSignature {
        signature: SignatureBytes::new(json_text_of(signature.signature.as_bytes())).ok()?,
        ..signature.clone()
    })
}

/// Today's bodies as `mithril-common` 0.8.3 writes them for its own fixture signer, with the
/// same messages in canonical bytes (features `json`, `kes` and `stm`). The bodies are the
/// upstream vectors of `tests/vectors/upstream/messages.json`, which `tools/upstream-vectors`
/// writes with `mithril-common` itself.
#[cfg(all(feature = "json", feature = "kes", feature = "stm"))]
pub mod upstream {
    use crate::cardano::{KesSignature, OperationalCertificate, verification_key_message};
    use crate::domain::{KeyBytes, SignatureBytes, SignerRegistration, SingleSignature};
    use crate::wire::json::{self, JsonHeaders};

    const MESSAGES: &str = include_str!("../tests/vectors/upstream/messages.json");

    /// The compact body of the upstream vector `name` (`register_signer`,
    /// `register_signature_mithril_stake_distribution`…).
    pub fn body(name: &str) -> Result<String, String> {
        let vectors: serde_json::Value =
            serde_json::from_str(MESSAGES).map_err(|e| format!("upstream vectors: {e}"))?;
        vectors["messages"]
            .as_array()
            .and_then(|messages| messages.iter().find(|message| message["name"] == name))
            .and_then(|message| message["compact"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| format!("no upstream vector {name}"))
    }

    fn canonical_key(
        held: &KeyBytes,
        what: &str,
        canonical: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
    ) -> Result<KeyBytes, String> {
        canonical(held.as_bytes())
            .and_then(|bytes| KeyBytes::new(bytes).map_err(|e| e.to_string()))
            .map_err(|why| format!("{what}: {why}"))
    }

    /// Turns a key as it is held into its canonical bytes.
    type Canonical<'a> = &'a dyn Fn(&[u8]) -> Result<Vec<u8>, String>;

    fn optional(
        key: &Option<KeyBytes>,
        what: &str,
        canonical: Canonical<'_>,
    ) -> Result<Option<KeyBytes>, String> {
        key.as_ref()
            .map(|key| canonical_key(key, what, canonical))
            .transpose()
    }

    fn kes(bytes: &[u8]) -> Result<Vec<u8>, String> {
        KesSignature::from_bytes(bytes)
            .map(|signature| signature.to_bytes().to_vec())
            .map_err(|e| e.to_string())
    }

    /// An upstream vector: today's body, and the message in the hub as read from it and in
    /// canonical bytes.
    #[derive(Clone, Debug)]
    pub struct Vector<T> {
        /// Today's compact body, as `mithril-common` 0.8.3 writes it.
        pub body: String,
        /// The body read into the hub (its keys held as the JSON text the body carries).
        pub held: T,
        /// The same message with its keys and signature in canonical bytes.
        pub canonical: T,
    }

    /// The body of the upstream vector `name`, and the message it reads as with `headers`.
    fn held<T: json::JsonSpoke>(name: &str, headers: &JsonHeaders) -> Result<(String, T), String> {
        let body = body(name)?;
        let held = json::decode(body.as_bytes(), headers).map_err(|e| format!("{name}: {e}"))?;
        Ok((body, held))
    }

    /// The registration of the upstream vector `name`, its keys in canonical bytes (what a
    /// protobuf signer sends): the BLS key and its proof of possession, the raw KES signatures,
    /// the CBOR operational certificate, the SNARK key's bytes. `headers` are those the body is
    /// read with (its software version).
    pub fn registration(
        name: &str,
        headers: &JsonHeaders,
    ) -> Result<Vector<SignerRegistration>, String> {
        let (body, held): (_, SignerRegistration) = held(name, headers)?;
        let canonical = SignerRegistration {
            verification_key: canonical_key(&held.verification_key, "verification key", |bytes| {
                verification_key_message(bytes).map_err(|e| e.to_string())
            })?,
            verification_key_signature: optional(
                &held.verification_key_signature,
                "KES signature",
                &kes,
            )?,
            operational_certificate: optional(
                &held.operational_certificate,
                "operational certificate",
                &|bytes| {
                    OperationalCertificate::from_json(bytes)
                        .map(|certificate| certificate.to_cbor())
                        .map_err(|e| e.to_string())
                },
            )?,
            verification_key_for_snark: optional(
                &held.verification_key_for_snark,
                "SNARK key",
                &|bytes| serde_json::from_slice::<Vec<u8>>(bytes).map_err(|e| e.to_string()),
            )?,
            verification_key_signature_for_snark: optional(
                &held.verification_key_signature_for_snark,
                "SNARK key's KES signature",
                &kes,
            )?,
            ..held.clone()
        };
        Ok(Vector {
            body,
            held,
            canonical,
        })
    }

    /// The signature of the upstream vector `name`, in the STM signature's canonical bytes
    /// (`0x01 ‖ CBOR`, what DMQ carries).
    pub fn signature(name: &str, headers: &JsonHeaders) -> Result<Vector<SingleSignature>, String> {
        let (body, held): (_, SingleSignature) = held(name, headers)?;
        let stm: mithril_stm::SingleSignature =
            serde_json::from_slice(held.signature.as_bytes())
                .map_err(|e| format!("{name}: the STM signature: {e}"))?;
        let bytes = stm
            .to_bytes()
            .map_err(|e| format!("{name}: the STM signature: {e}"))?;
        let canonical = SingleSignature {
            signature: SignatureBytes::new(bytes).map_err(|e| format!("{name}: {e}"))?,
            ..held.clone()
        };
        Ok(Vector {
            body,
            held,
            canonical,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "json")]
    #[test]
    fn json_text_is_serde_json_of_the_bytes() {
        for bytes in [&[][..], &[0], &[0, 7, 42, 255], &bytes(3, 200)[..]] {
            assert_eq!(json_text_of(bytes), serde_json::to_vec(bytes).unwrap());
        }
        let signature = single_signature();
        let today = with_todays_signature_text(&signature).unwrap();
        assert_eq!(
            serde_json::from_slice::<Vec<u8>>(today.signature.as_bytes()).unwrap(),
            signature.signature.as_bytes()
        );
    }

    #[test]
    fn samples_are_deterministic_and_distinct() {
        assert_eq!(bytes(7, 33), bytes(7, 33));
        assert_ne!(bytes(7, 33), bytes(8, 33));
        assert_eq!(bytes(7, 33).len(), 33);
        assert_eq!(pool_id(1).as_str().len(), 56);
        let names: std::collections::HashSet<_> = all().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names.len(), all().len());
    }

    #[test]
    fn sample_signers_overlap_between_epochs() {
        let settings = epoch_settings_with(4, 4);
        let current: Vec<_> = settings
            .current_signers
            .as_slice()
            .iter()
            .map(|s| &s.party_id)
            .collect();
        assert!(
            settings
                .next_signers
                .as_slice()
                .iter()
                .any(|signer| current.contains(&&signer.party_id))
        );
    }
}
