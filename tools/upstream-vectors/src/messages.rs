//! `messages.json`: HTTP bodies as mithril-common's message structs serialize them.
//!
//! Each entry holds `serde_json::to_value` of the message (`json`) and the exact body string
//! given by `serde_json::to_string` (`compact`). Values are either the crate's own `Dummy` test
//! doubles or messages built from the signer fixtures and the protocol messages of
//! `protocol_messages.json`, the way the signer and the aggregator build them.

use std::collections::BTreeSet;

use anyhow::{ensure, Context};
use mithril_common::{
    api_version::APIVersionProvider,
    crypto_helper::ProtocolSingleSignature,
    entities::{
        BlockNumber, BlockNumberOffset, CardanoBlocksTransactionsSigningConfig,
        CardanoTransactionsSigningConfig, SignedEntityTypeDiscriminants, SupportedEra,
    },
    messages::{
        AggregatorCapabilities, AggregatorFeaturesMessage, AggregatorStatusMessage,
        CardanoTransactionsProverCapabilities, DiscontinuedSignedEntityType, EpochSettingsMessage,
        ProtocolConfigurationMessage, RegisterSignatureMessageHttp, RegisterSignerMessage,
        SignedEntityTypeDiscriminantsMessage, SignerMessagePart,
    },
    protocol::ToMessage,
    test::{builder::MithrilFixture, double::Dummy},
    AggregateSignatureType,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{json, value::RawValue, Value};

use crate::data::{self, Fixtures, CURRENT_EPOCH};
use crate::protocol_messages::SignedMessage;

/// Message entries, and the names of those that do not parse back to the same value.
#[derive(Default)]
struct Collector {
    messages: Vec<Value>,
    not_round_tripping: Vec<Value>,
}

impl Collector {
    fn add<T>(
        &mut self,
        name: &str,
        route: &str,
        type_name: &str,
        message: &T,
    ) -> anyhow::Result<()>
    where
        T: Serialize + DeserializeOwned + PartialEq,
    {
        let compact = serde_json::to_string(message)?;
        let parsed: T = serde_json::from_str(&compact)
            .with_context(|| format!("{name} does not parse back"))?;
        if &parsed != message {
            self.not_round_tripping.push(json!({
                "name": name,
                "parsed_back": serde_json::to_value(&parsed)?,
            }));
        }
        self.messages.push(json!({
            "name": name,
            "route": route,
            "type": type_name,
            "json": serde_json::to_value(message)?,
            "compact": compact,
        }));
        Ok(())
    }
}

fn mainnet_transactions_signing_config() -> CardanoTransactionsSigningConfig {
    CardanoTransactionsSigningConfig {
        security_parameter: BlockNumberOffset(3000),
        step: BlockNumber(120),
    }
}

fn mainnet_blocks_transactions_signing_config() -> CardanoBlocksTransactionsSigningConfig {
    CardanoBlocksTransactionsSigningConfig {
        security_parameter: BlockNumberOffset(3000),
        step: BlockNumber(60),
    }
}

fn all_known_signed_entity_types() -> BTreeSet<SignedEntityTypeDiscriminantsMessage> {
    SignedEntityTypeDiscriminantsMessage::all_known()
}

fn features(
    signed_entity_types: BTreeSet<SignedEntityTypeDiscriminantsMessage>,
) -> anyhow::Result<AggregatorFeaturesMessage> {
    Ok(AggregatorFeaturesMessage {
        open_api_version: APIVersionProvider::default()
            .compute_current_version()?
            .to_string(),
        documentation_url: "https://mithril.network".to_string(),
        capabilities: AggregatorCapabilities {
            signed_entity_types,
            aggregate_signature_type: AggregateSignatureType::Concatenation,
            cardano_transactions_prover: Some(CardanoTransactionsProverCapabilities {
                max_hashes_allowed_by_request: 100,
            }),
        },
    })
}

/// The signer message built like the signer's `ToRegisterSignerMessageAdapter`, from
/// mithril-common's own `Signer` to `SignerMessagePart` conversion.
fn register_signer(fixture: &MithrilFixture) -> RegisterSignerMessage {
    let part = SignerMessagePart::from(fixture.signers()[0].clone());
    let mut message = RegisterSignerMessage::dummy();
    message.epoch = CURRENT_EPOCH;
    message.party_id = part.party_id;
    message.verification_key_for_concatenation = part.verification_key_for_concatenation;
    message.verification_key_signature_for_concatenation =
        part.verification_key_signature_for_concatenation;
    message.operational_certificate = part.operational_certificate;
    message.kes_evolutions = part.kes_evolutions;
    #[cfg(feature = "snark")]
    {
        message.verification_key_for_snark = part.verification_key_for_snark;
        message.verification_key_signature_for_snark = part.verification_key_signature_for_snark;
        message.proof_of_bound_possession_for_snark = part.proof_of_bound_possession_for_snark;
    }
    message
}

/// Concatenation fields of mithril-stm's `SingleSignature` JSON, in upstream's field order.
#[derive(Serialize, Deserialize)]
struct ConcatenationSingleSignature {
    sigma: Box<RawValue>,
    indexes: Box<RawValue>,
    signer_index: Box<RawValue>,
}

/// JSON-hex of a single signature without its SNARK part, as a signer without SNARK keys sends
/// it. The SNARK part of a single signature is drawn from the OS random source by mithril-stm,
/// so it cannot be part of a reproducible vector.
fn concatenation_only(signature: &ProtocolSingleSignature) -> anyhow::Result<String> {
    let json = String::from_utf8(hex::decode(signature.to_json_hex()?)?)?;
    let fields: ConcatenationSingleSignature = serde_json::from_str(&json)?;
    let encoded = hex::encode(serde_json::to_string(&fields)?);
    let decoded = ProtocolSingleSignature::from_json_hex(&encoded)
        .context("concatenation-only single signature does not decode")?;
    ensure!(
        decoded.to_json_hex()? == encoded,
        "single signature does not re-encode identically"
    );
    Ok(encoded)
}

/// The signature message built like the signer's `ToRegisterSignatureMessageAdapter`, signed
/// by the first current signer that wins at least one lottery.
fn register_signature(
    fixtures: &Fixtures,
    signed: &SignedMessage,
) -> anyhow::Result<RegisterSignatureMessageHttp> {
    let single_signature = fixtures
        .current
        .signers_fixture()
        .iter()
        .find_map(|signer| signer.sign(&signed.message))
        .with_context(|| format!("no signer won a lottery for {}", signed.name))?;
    Ok(RegisterSignatureMessageHttp {
        signed_entity_type: signed.signed_entity_type.clone(),
        party_id: single_signature.party_id,
        signature: concatenation_only(&single_signature.signature)?,
        won_indexes: single_signature.won_indexes,
        signed_message: signed.message.to_message(),
    })
}

#[allow(deprecated)]
pub fn generate(fixtures: &Fixtures, signed: &[SignedMessage]) -> anyhow::Result<Value> {
    let mut c = Collector::default();

    // GET /
    c.add(
        "aggregator_features",
        "GET /",
        "AggregatorFeaturesMessage",
        &features(all_known_signed_entity_types())?,
    )?;
    let mut with_discontinued = all_known_signed_entity_types();
    with_discontinued.insert(SignedEntityTypeDiscriminantsMessage::Discontinued(
        DiscontinuedSignedEntityType::CardanoImmutableFilesFull,
    ));
    c.add(
        "aggregator_features_with_discontinued_type",
        "GET /",
        "AggregatorFeaturesMessage",
        &features(with_discontinued)?,
    )?;
    let mut no_prover = features(BTreeSet::from([
        SignedEntityTypeDiscriminants::MithrilStakeDistribution.into(),
        SignedEntityTypeDiscriminants::CardanoDatabase.into(),
    ]))?;
    no_prover.capabilities.cardano_transactions_prover = None;
    c.add(
        "aggregator_features_without_prover",
        "GET /",
        "AggregatorFeaturesMessage",
        &no_prover,
    )?;
    #[cfg(feature = "snark")]
    {
        let mut snark = features(all_known_signed_entity_types())?;
        snark.capabilities.aggregate_signature_type = AggregateSignatureType::Snark;
        c.add(
            "aggregator_features_snark",
            "GET /",
            "AggregatorFeaturesMessage",
            &snark,
        )?;
    }
    c.add(
        "aggregator_features_dummy",
        "GET /",
        "AggregatorFeaturesMessage",
        &AggregatorFeaturesMessage::dummy(),
    )?;

    // GET /protocol-configuration/{epoch}
    let protocol_configuration = ProtocolConfigurationMessage {
        protocol_parameters: data::mainnet_protocol_parameters(),
        cardano_transactions_signing_config: Some(mainnet_transactions_signing_config()),
        cardano_blocks_transactions_signing_config: Some(
            mainnet_blocks_transactions_signing_config(),
        ),
        available_signed_entity_types: all_known_signed_entity_types(),
    };
    c.add(
        "protocol_configuration",
        "GET /protocol-configuration/{epoch}",
        "ProtocolConfigurationMessage",
        &protocol_configuration,
    )?;
    let mut minimal_configuration = protocol_configuration.clone();
    minimal_configuration.cardano_transactions_signing_config = None;
    minimal_configuration.cardano_blocks_transactions_signing_config = None;
    c.add(
        "protocol_configuration_without_signing_configs",
        "GET /protocol-configuration/{epoch}",
        "ProtocolConfigurationMessage",
        &minimal_configuration,
    )?;
    c.add(
        "protocol_configuration_dummy",
        "GET /protocol-configuration/{epoch}",
        "ProtocolConfigurationMessage",
        &ProtocolConfigurationMessage::dummy(),
    )?;

    // GET /epoch-settings
    let epoch_settings = EpochSettingsMessage {
        epoch: CURRENT_EPOCH,
        signer_registration_protocol_parameters: Some(fixtures.next.protocol_parameters()),
        current_signers: SignerMessagePart::from_signers(fixtures.current.signers()),
        next_signers: SignerMessagePart::from_signers(fixtures.next.signers()),
        cardano_transactions_signing_config: Some(mainnet_transactions_signing_config()),
    };
    c.add(
        "epoch_settings",
        "GET /epoch-settings",
        "EpochSettingsMessage",
        &epoch_settings,
    )?;
    let mut without_deprecated = epoch_settings.clone();
    without_deprecated.signer_registration_protocol_parameters = None;
    without_deprecated.cardano_transactions_signing_config = None;
    c.add(
        "epoch_settings_without_deprecated_fields",
        "GET /epoch-settings",
        "EpochSettingsMessage",
        &without_deprecated,
    )?;
    c.add(
        "epoch_settings_dummy",
        "GET /epoch-settings",
        "EpochSettingsMessage",
        &EpochSettingsMessage::dummy(),
    )?;

    // POST /register-signer
    c.add(
        "register_signer",
        "POST /register-signer",
        "RegisterSignerMessage",
        &register_signer(&fixtures.current),
    )?;
    #[cfg(feature = "snark")]
    {
        let mut concatenation_only = register_signer(&fixtures.current);
        concatenation_only.verification_key_for_snark = None;
        concatenation_only.verification_key_signature_for_snark = None;
        concatenation_only.proof_of_bound_possession_for_snark = None;
        c.add(
            "register_signer_concatenation_only",
            "POST /register-signer",
            "RegisterSignerMessage",
            &concatenation_only,
        )?;
    }
    c.add(
        "register_signer_dummy",
        "POST /register-signer",
        "RegisterSignerMessage",
        &RegisterSignerMessage::dummy(),
    )?;

    // POST /register-signatures: one per signed entity type of the legacy protocol messages.
    for signed_message in signed.iter().filter(|s| !s.message.is_rigid()) {
        c.add(
            &format!("register_signature_{}", signed_message.name),
            "POST /register-signatures",
            "RegisterSignatureMessageHttp",
            &register_signature(fixtures, signed_message)?,
        )?;
    }
    c.add(
        "register_signature_dummy",
        "POST /register-signatures",
        "RegisterSignatureMessageHttp",
        &RegisterSignatureMessageHttp::dummy(),
    )?;

    // GET /status
    let status = AggregatorStatusMessage {
        epoch: CURRENT_EPOCH,
        cardano_era: "Conway".to_string(),
        cardano_network: "mainnet".to_string(),
        mithril_era: SupportedEra::Pythagoras,
        cardano_node_version: "10.5.1".to_string(),
        aggregator_node_version: "0.7.91".to_string(),
        protocol_parameters: fixtures.current.protocol_parameters(),
        next_protocol_parameters: fixtures.next.protocol_parameters(),
        total_signers: fixtures.current.signers().len(),
        total_next_signers: fixtures.next.signers().len(),
        total_stakes_signers: fixtures.current.stake_distribution().values().sum(),
        total_next_stakes_signers: fixtures.next.stake_distribution().values().sum(),
        total_cardano_spo: 2_917,
        total_cardano_stake: 21_544_125_474_012_388,
        leader_aggregator_endpoint: None,
        certificate_chain_aggregator_endpoint: None,
    };
    c.add(
        "aggregator_status",
        "GET /status",
        "AggregatorStatusMessage",
        &status,
    )?;
    let mut follower = status.clone();
    follower.mithril_era = SupportedEra::Lagrange;
    follower.leader_aggregator_endpoint =
        Some("https://aggregator.release-mainnet.api.mithril.network/aggregator".to_string());
    follower.certificate_chain_aggregator_endpoint =
        Some("https://aggregator.release-mainnet.api.mithril.network/aggregator".to_string());
    c.add(
        "aggregator_status_follower",
        "GET /status",
        "AggregatorStatusMessage",
        &follower,
    )?;
    c.add(
        "aggregator_status_dummy",
        "GET /status",
        "AggregatorStatusMessage",
        &AggregatorStatusMessage::dummy(),
    )?;

    Ok(json!({
        "source": "mithril-common 0.8.3 messages, serde_json::to_value and serde_json::to_string",
        "messages": c.messages,
        "not_round_tripping": c.not_round_tripping,
    }))
}
