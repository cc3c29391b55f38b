//! What an aggregator publishes about itself: its features (`GET /`), the protocol configuration
//! of an epoch (`GET /protocol-configuration/{epoch}`) and its status (`GET /status`).
//!
//! Upstream (`mithril-common/src/messages/aggregator_features.rs`, `protocol_configuration.rs`,
//! `aggregator_status.rs`) types the aggregate signature type and the Mithril era as closed
//! enums, so a client built before a SNARK aggregator or a new era cannot read these routes at
//! all. Here both are open: a name this build does not know is kept.

use std::fmt;

use crate::domain::{
    CardanoTransactionsSigningConfig, Epoch, EraName, Label, ProtocolParameters, Stake,
    WireVersionId, check_declared_len,
};
use crate::{ValidationError, Violation};

/// A signed entity type without its beacon, as aggregators list what they sign
/// (`SignedEntityTypeDiscriminants` upstream), by name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "String", into = "String")
)]
#[non_exhaustive]
pub enum SignedEntityKind {
    /// `MithrilStakeDistribution`.
    MithrilStakeDistribution,
    /// `CardanoStakeDistribution`.
    CardanoStakeDistribution,
    /// `CardanoDatabase`.
    CardanoDatabase,
    /// `CardanoTransactions`.
    CardanoTransactions,
    /// `CardanoBlocksTransactions`.
    CardanoBlocksTransactions,
    /// `CardanoImmutableFilesFull`: discontinued upstream, kept distinct from unknown.
    CardanoImmutableFilesFull,
    /// A name this build does not know (a type of a newer release), kept as it came.
    Unknown(Label),
    /// A type whose name was lost before it reached this node: upstream writes a type it does
    /// not know as `null`. Kept so that a list keeps its length; written back as `null` in JSON
    /// and as an empty name in protobuf.
    Unnamed,
}

impl SignedEntityKind {
    /// Every kind this build knows, in upstream's order (`SignedEntityTypeDiscriminantsMessage`
    /// of `mithril-common` 0.8: its current types in declaration order, then the discontinued
    /// one); `Ord` follows it, then unknown names, then unnamed types.
    pub const KNOWN: &'static [SignedEntityKind] = &[
        Self::MithrilStakeDistribution,
        Self::CardanoStakeDistribution,
        Self::CardanoDatabase,
        Self::CardanoTransactions,
        Self::CardanoBlocksTransactions,
        Self::CardanoImmutableFilesFull,
    ];

    /// The name upstream writes (`CardanoTransactions`).
    pub fn name(&self) -> &str {
        match self {
            Self::MithrilStakeDistribution => "MithrilStakeDistribution",
            Self::CardanoStakeDistribution => "CardanoStakeDistribution",
            Self::CardanoImmutableFilesFull => "CardanoImmutableFilesFull",
            Self::CardanoTransactions => "CardanoTransactions",
            Self::CardanoDatabase => "CardanoDatabase",
            Self::CardanoBlocksTransactions => "CardanoBlocksTransactions",
            Self::Unknown(name) => name.as_str(),
            Self::Unnamed => "",
        }
    }

    /// The kind with that name; the empty name is [`Self::Unnamed`]; any other valid name is
    /// [`Self::Unknown`].
    pub fn from_name(name: &str) -> Result<Self, ValidationError> {
        if name.is_empty() {
            return Ok(Self::Unnamed);
        }
        match Self::KNOWN.iter().find(|kind| kind.name() == name) {
            Some(kind) => Ok(kind.clone()),
            None => Ok(Self::Unknown(Label::new(name)?)),
        }
    }

    /// Whether upstream has discontinued the type (it answers 410 Gone to its signatures).
    pub fn is_discontinued(&self) -> bool {
        matches!(self, Self::CardanoImmutableFilesFull)
    }
}

impl fmt::Display for SignedEntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unnamed => f.write_str("(unnamed)"),
            other => f.write_str(other.name()),
        }
    }
}

impl TryFrom<String> for SignedEntityKind {
    type Error = ValidationError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::from_name(&name)
    }
}

impl From<SignedEntityKind> for String {
    fn from(kind: SignedEntityKind) -> Self {
        kind.name().to_owned()
    }
}

/// The proof system of an aggregator's multi-signatures (`AggregateSignatureType` of
/// `mithril-stm`), open: a name this build does not know is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "String", into = "String")
)]
#[non_exhaustive]
pub enum AggregateSignatureKind {
    /// `Concatenation`: today's proof system; upstream's default when the member is absent.
    #[default]
    Concatenation,
    /// `Snark`.
    Snark,
    /// `IvcSnark`.
    IvcSnark,
    /// A name this build does not know.
    Unknown(Label),
}

impl AggregateSignatureKind {
    /// The name upstream writes.
    pub fn name(&self) -> &str {
        match self {
            Self::Concatenation => "Concatenation",
            Self::Snark => "Snark",
            Self::IvcSnark => "IvcSnark",
            Self::Unknown(name) => name.as_str(),
        }
    }

    /// The kind with that name; any other valid name is [`Self::Unknown`].
    pub fn from_name(name: &str) -> Result<Self, ValidationError> {
        Ok(match name {
            "Concatenation" => Self::Concatenation,
            "Snark" => Self::Snark,
            "IvcSnark" => Self::IvcSnark,
            other => Self::Unknown(Label::new(other)?),
        })
    }
}

impl fmt::Display for AggregateSignatureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for AggregateSignatureKind {
    type Error = ValidationError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::from_name(&name)
    }
}

impl From<AggregateSignatureKind> for String {
    fn from(kind: AggregateSignatureKind) -> Self {
        kind.name().to_owned()
    }
}

/// Checks a list of signed entity kinds: at most [`crate::domain::limits::MAX_DECLARED`], each
/// once. Upstream keeps them in a set; the order received is kept here.
pub(crate) fn check_kinds(kinds: &[SignedEntityKind]) -> Result<(), ValidationError> {
    check_declared_len(kinds.len())?;
    for (index, kind) in kinds.iter().enumerate() {
        // Unnamed types may repeat: each stands for a different type whose name was lost.
        if *kind != SignedEntityKind::Unnamed && kinds[..index].contains(kind) {
            return Err(ValidationError::here(Violation::Duplicate {
                value: kind.name().to_owned(),
            })
            .at_index(index));
        }
    }
    Ok(())
}

/// `GET /`: what an aggregator serves (`AggregatorFeaturesMessage`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AggregatorFeatures {
    /// The OpenAPI version of the aggregator's API (`0.1.69`).
    pub open_api_version: Label,
    /// Where its API is documented.
    pub documentation_url: Label,
    /// The signed entity types it certifies.
    pub signed_entity_types: Vec<SignedEntityKind>,
    /// The proof system of its multi-signatures.
    pub aggregate_signature_type: AggregateSignatureKind,
    /// Most transaction hashes one proof request may carry, when it proves transactions.
    pub cardano_transactions_prover_max_hashes: Option<u64>,
    /// The protobuf wire versions it serves (empty: JSON only). Travels as a member today's
    /// clients ignore.
    pub wire_versions: Vec<WireVersionId>,
}

/// `GET /protocol-configuration/{epoch}`: the configuration signers use for an epoch
/// (`ProtocolConfigurationMessage`).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProtocolConfiguration {
    /// The lottery parameters.
    pub protocol_parameters: ProtocolParameters,
    /// How Cardano transactions are signed, when they are.
    pub cardano_transactions_signing_config: Option<CardanoTransactionsSigningConfig>,
    /// How Cardano blocks and transactions are signed, when they are.
    pub cardano_blocks_transactions_signing_config: Option<CardanoTransactionsSigningConfig>,
    /// The signed entity types available at that epoch.
    pub available_signed_entity_types: Vec<SignedEntityKind>,
}

/// `GET /status`: the state of an aggregator (`AggregatorStatusMessage`).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AggregatorStatus {
    /// The current epoch.
    pub epoch: Epoch,
    /// The Cardano era (`conway`).
    pub cardano_era: Label,
    /// The Cardano network (`mainnet`).
    pub cardano_network: Label,
    /// The Mithril era in force: any era name, known to this build or not (upstream's is a
    /// closed enum, which breaks clients at an era switch).
    pub mithril_era: EraName,
    /// The Cardano node's version.
    pub cardano_node_version: Label,
    /// The aggregator's version.
    pub aggregator_node_version: Label,
    /// The protocol parameters of the current epoch.
    pub protocol_parameters: ProtocolParameters,
    /// The protocol parameters of the next epoch.
    pub next_protocol_parameters: ProtocolParameters,
    /// Signers of the current epoch.
    pub total_signers: u64,
    /// Signers of the next epoch.
    pub total_next_signers: u64,
    /// Stake of the current epoch's signers.
    pub total_stakes_signers: Stake,
    /// Stake of the next epoch's signers.
    pub total_next_stakes_signers: Stake,
    /// Stake pools of the Cardano network.
    pub total_cardano_spo: u64,
    /// Stake of the Cardano network.
    pub total_cardano_stake: Stake,
    /// The leader aggregator, when this one follows it.
    pub leader_aggregator_endpoint: Option<Label>,
    /// The aggregator whose certificate chain this one follows.
    pub certificate_chain_aggregator_endpoint: Option<Label>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_open_and_keep_their_names() {
        for kind in SignedEntityKind::KNOWN {
            assert_eq!(&SignedEntityKind::from_name(kind.name()).unwrap(), kind);
        }
        let future = SignedEntityKind::from_name("CardanoGovernance").unwrap();
        assert_eq!(future.name(), "CardanoGovernance");
        assert!(matches!(future, SignedEntityKind::Unknown(_)));
        assert!(SignedEntityKind::CardanoImmutableFilesFull.is_discontinued());
        assert_eq!(
            SignedEntityKind::from_name("").unwrap(),
            SignedEntityKind::Unnamed
        );
        assert!(SignedEntityKind::from_name("new\ntype").is_err());
        let snark = AggregateSignatureKind::from_name("Snark").unwrap();
        assert_eq!(snark, AggregateSignatureKind::Snark);
        assert_eq!(
            AggregateSignatureKind::from_name("Plonk").unwrap().name(),
            "Plonk"
        );
    }

    #[test]
    fn kinds_sort_in_upstreams_order() {
        let mut sorted = SignedEntityKind::KNOWN.to_vec();
        sorted.sort();
        assert_eq!(sorted, SignedEntityKind::KNOWN);
    }

    #[test]
    fn duplicate_kinds_are_refused_where_they_are() {
        let kinds = vec![
            SignedEntityKind::CardanoDatabase,
            SignedEntityKind::CardanoTransactions,
            SignedEntityKind::CardanoDatabase,
        ];
        let error = check_kinds(&kinds).unwrap_err();
        assert_eq!(error.to_string(), "[2]: duplicate \"CardanoDatabase\"");
    }
}
