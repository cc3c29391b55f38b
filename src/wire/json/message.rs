//! The bodies of today's JSON API, member for member, as plain values.
//!
//! These types play the part the generated `pb` types play for the protobuf wire versions: they
//! hold what the JSON carries, in its own terms (hex strings, plain numbers), and nothing is
//! checked beyond the JSON types. They are serde's derives, as today's nodes declare their
//! messages (`mithril-common`, `src/messages/`): reading one accepts exactly the shapes today's
//! nodes accept; writing one writes the members in the order they are declared (the order
//! today's nodes write them), then the unknown members.
//!
//! Members a type does not declare are kept in its `unknown_fields` (`#[serde(flatten)]`), so a
//! body read and written again keeps them. An optional member that is `null` reads as absent and
//! is written absent, as today's nodes do. An entry of `unknown_fields` whose key is a declared
//! member is not written.
//!
//! The messages ([`JsonMessage`]) read through [`parse`](super::parse) or their `Deserialize`
//! impl refuse repeated keys anywhere in the document, and name the JSON path of a missing member
//! or a value of the wrong type (`register_signature.indexes[2]`).

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::WireError;
use crate::error::{FieldPath, ValidationError, Violation};

/// Object members a message type does not declare, kept as received.
pub type UnknownFields = Map<String, Value>;

/// A message of today's JSON API.
///
/// Implemented by the body types of this module; it cannot be implemented outside this crate.
pub trait JsonMessage: Sized + Serialize + Object + private::Sealed {
    /// The name of the message at the root of error paths (`register_signature`).
    const ROOT: &'static str;

    /// Reads the message from a JSON value. Error paths start at [`Self::ROOT`] and name the
    /// JSON members (`register_signature.indexes[2]`).
    fn from_value(value: Value) -> Result<Self, WireError>;

    /// The paths of the members this build does not declare, which the message keeps
    /// (`epoch_settings.current_signers[0].stake`).
    fn unknown_fields(&self) -> Vec<String> {
        let mut paths = Vec::new();
        self.unknown_paths(Self::ROOT, &mut paths);
        paths
    }
}

pub(super) mod private {
    pub trait Sealed {}
}

/// A JSON object of a body: the members its type declares, and the ones it keeps.
pub trait Object: private::Sealed {
    /// The declared members, in the order they are written.
    const MEMBERS: &'static [&'static str];

    /// The members the type does not declare, kept as received.
    fn unknown(&self) -> &UnknownFields;

    /// Lists `prefix.key` for the unknown members of the objects inside this one.
    #[doc(hidden)]
    fn nested_unknown_paths(&self, _prefix: &str, _into: &mut Vec<String>) {}

    /// Lists `prefix.key` for each unknown member, those of inner objects first.
    #[doc(hidden)]
    fn unknown_paths(&self, prefix: &str, into: &mut Vec<String>) {
        self.nested_unknown_paths(prefix, into);
        into.extend(self.unknown().keys().map(|key| format!("{prefix}.{key}")));
    }
}

/// Lists the unknown members of an optional inner object.
pub(super) fn unknown_paths_of<T: Object>(
    object: &Option<T>,
    prefix: String,
    into: &mut Vec<String>,
) {
    if let Some(object) = object {
        object.unknown_paths(&prefix, into);
    }
}

/// Writes the unknown members of `T` (`#[serde(flatten, serialize_with)]`), except those named
/// like a declared member, which are written once, from their field.
pub(super) fn unknown_members<T: Object, S: Serializer>(
    unknown: &UnknownFields,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(
        unknown
            .iter()
            .filter(|(key, _)| !T::MEMBERS.contains(&key.as_str())),
    )
}

/// Implements [`Object`] for body types whose unknown members are in `unknown_fields`; `nested`
/// lists those of the objects inside.
macro_rules! object {
    ($(
        $object:ty: [$($member:literal),+ $(,)?]
        $(nested |$this:ident, $prefix:ident, $into:ident| $nested:block)?;
    )+) => {$(
        impl $crate::wire::json::message::private::Sealed for $object {}

        impl $crate::wire::json::message::Object for $object {
            const MEMBERS: &'static [&'static str] = &[$($member),+];

            fn unknown(&self) -> &$crate::wire::json::message::UnknownFields {
                &self.unknown_fields
            }

            $(
                fn nested_unknown_paths(&self, $prefix: &str, $into: &mut Vec<String>) {
                    let $this = self;
                    $nested
                }
            )?
        }
    )+};
}
pub(super) use object;

/// Implements [`JsonMessage`] and serde's traits for a message derived with
/// `#[serde(remote = "Self")]`: `Deserialize` reads a [`Strict`](super::tree::Strict) tree and
/// goes through [`JsonMessage::from_value`], so that serde's users get the rules and the errors
/// of [`parse`](super::parse).
macro_rules! json_message {
    ($($message:ty: $root:literal;)+) => {$(
        impl $crate::wire::json::message::JsonMessage for $message {
            const ROOT: &'static str = $root;

            fn from_value(value: serde_json::Value) -> Result<Self, $crate::WireError> {
                let mut track = serde_path_to_error::Track::new();
                // The derived reader, which records the path of the value it reads.
                Self::deserialize(serde_path_to_error::Deserializer::new(value, &mut track))
                    .map_err(|error| {
                        $crate::wire::json::message::invalid(Self::ROOT, track.path(), &error)
                    })
            }
        }

        impl serde::Serialize for $message {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // The derived writer.
                Self::serialize(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $message {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let $crate::wire::json::tree::Strict(value) =
                    serde::Deserialize::deserialize(deserializer)?;
                <Self as $crate::wire::json::message::JsonMessage>::from_value(value)
                    .map_err(serde::de::Error::custom)
            }
        }
    )+};
}
pub(super) use json_message;

/// The error of a message whose derived reader failed at `path` (from the root `root`).
///
/// serde words its errors after the visitor (`invalid type: string "1", expected u64`, `missing
/// field `epoch``); they become the violations of the other wires, at the same path.
pub(super) fn invalid(
    root: &'static str,
    path: serde_path_to_error::Path,
    error: &serde_json::Error,
) -> WireError {
    use serde_path_to_error::Segment;

    let mut at = FieldPath::field(root);
    for segment in path.iter() {
        at = match segment {
            Segment::Seq { index } => at.then_index(*index),
            Segment::Map { key } => at.then(member(key)),
            Segment::Enum { .. } | Segment::Unknown => at,
        };
    }
    let message = error.to_string();
    let violation = match message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        Some(field) => {
            at = at.then(member(field));
            Violation::Missing
        }
        None => Violation::Malformed {
            expected: match message
                .rsplit_once(", expected ")
                .map(|(_, expected)| expected)
            {
                Some("u64") => "an unsigned 64-bit integer",
                Some("f64") => "a number",
                Some("a string") => "a string",
                Some("a sequence") => "an array",
                Some(expected) if expected.starts_with("struct ") => "an object",
                _ => "a value of the member's type",
            },
        },
    };
    WireError::Invalid(ValidationError::new(at, violation))
}

/// The declared member named `key`: only a declared member can fail to be read (the others are
/// kept as JSON values).
fn member(key: &str) -> &'static str {
    use super::aggregator::{
        AggregatorCapabilitiesMessage as Capabilities, AggregatorFeaturesMessage as Features,
        AggregatorStatusMessage as Status, CardanoTransactionsProverMessage as Prover,
        ProtocolConfigurationMessage as Configuration,
    };
    [
        RegisterSignerMessage::MEMBERS,
        NodeInfoMessage::MEMBERS,
        SignerMessage::MEMBERS,
        CardanoDbBeaconMessage::MEMBERS,
        RegisterSignatureMessage::MEMBERS,
        ProtocolParametersMessage::MEMBERS,
        CardanoTransactionsSigningConfigMessage::MEMBERS,
        EpochSettingsMessage::MEMBERS,
        Prover::MEMBERS,
        Capabilities::MEMBERS,
        Features::MEMBERS,
        Configuration::MEMBERS,
        Status::MEMBERS,
    ]
    .into_iter()
    .flatten()
    .find(|member| **member == key)
    .copied()
    .unwrap_or("<undeclared member>")
}

json_message! {
    RegisterSignerMessage: "register_signer";
    RegisterSignatureMessage: "register_signature";
    EpochSettingsMessage: "epoch_settings";
}

object! {
    RegisterSignerMessage: [
        "epoch",
        "party_id",
        "verification_key",
        "verification_key_signature",
        "operational_certificate",
        "kes_period",
        "verification_key_for_snark",
        "verification_key_signature_for_snark",
        "proof_of_bound_possession_for_snark",
        "node_info",
        "node_info_signature",
    ]
    nested |message, prefix, into| {
        unknown_paths_of(&message.node_info, format!("{prefix}.node_info"), into);
    };
    NodeInfoMessage: [
        "software_version",
        "supported_eras",
        "wire_versions",
        "distribution_version",
        "database_version",
        "protocol_versions",
    ];
    SignerMessage: [
        "party_id",
        "verification_key",
        "verification_key_signature",
        "operational_certificate",
        "kes_period",
        "verification_key_for_snark",
        "verification_key_signature_for_snark",
        "proof_of_bound_possession_for_snark",
    ];
    CardanoDbBeaconMessage: ["epoch", "immutable_file_number"];
    RegisterSignatureMessage: [
        "entity_type",
        "party_id",
        "signature",
        "indexes",
        "signed_message",
        "shadow_signature",
    ]
    nested |message, prefix, into| {
        message
            .entity_type
            .unknown_paths(&format!("{prefix}.entity_type"), into);
        unknown_paths_of(
            &message.shadow_signature,
            format!("{prefix}.shadow_signature"),
            into,
        );
    };
    ShadowSignatureMessage: ["era", "signature", "indexes", "signed_message"];
    ProtocolParametersMessage: ["k", "m", "phi_f"];
    CardanoTransactionsSigningConfigMessage: ["security_parameter", "step"];
    EpochSettingsMessage: [
        "epoch",
        "signer_registration_protocol",
        "current_signers",
        "next_signers",
        "cardano_transactions_signing_config",
    ]
    nested |settings, prefix, into| {
        unknown_paths_of(
            &settings.signer_registration_protocol,
            format!("{prefix}.signer_registration_protocol"),
            into,
        );
        for (field, signers) in [
            ("current_signers", &settings.current_signers),
            ("next_signers", &settings.next_signers),
        ] {
            for (index, signer) in signers.iter().enumerate() {
                signer.unknown_paths(&format!("{prefix}.{field}[{index}]"), into);
            }
        }
        unknown_paths_of(
            &settings.cardano_transactions_signing_config,
            format!("{prefix}.cardano_transactions_signing_config"),
            into,
        );
    };
}

/// The body of `POST /register-signer` (`RegisterSignerMessage` of today's nodes).
///
/// The signer's software version is not in the body: it travels in the `signer-node-version`
/// header (see [`JsonHeaders`](super::JsonHeaders)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct RegisterSignerMessage {
    /// `epoch`: the epoch the registration is for, the one after the epoch it is sent in (see
    /// [`SignerRegistration::epoch`](crate::domain::SignerRegistration::epoch)).
    pub epoch: u64,
    /// `party_id`: the registering party.
    pub party_id: String,
    /// `verification_key`: hex of the Mithril verification key (today the hex of its JSON text).
    pub verification_key: String,
    /// `verification_key_signature`: hex of the pool's KES signature of the verification key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_key_signature: Option<String>,
    /// `operational_certificate`: hex of the pool's operational certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operational_certificate: Option<String>,
    /// `kes_period`: KES evolutions since the start period of the operational certificate
    /// (the historical name of the member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kes_period: Option<u64>,
    /// `verification_key_for_snark`: hex of the SNARK verification key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_key_for_snark: Option<String>,
    /// `verification_key_signature_for_snark`: hex of the KES signature of the SNARK key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_key_signature_for_snark: Option<String>,
    /// `proof_of_bound_possession_for_snark`: hex of the proof of bound possession of the SNARK
    /// key (a Schnorr signature; `mithril-common` 0.8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof_of_bound_possession_for_snark: Option<String>,
    /// `node_info`: what the signer's software supports, written beside a
    /// `node_info_signature` (a member of this library; today's nodes ignore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_info: Option<NodeInfoMessage>,
    /// `node_info_signature`: hex of the pool's KES signature of the node info statement (a
    /// member of this library; today's nodes ignore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_info_signature: Option<String>,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<RegisterSignerMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// The `node_info` member of a registration: the declaration a `node_info_signature` covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfoMessage {
    /// `software_version`: the node's software version.
    pub software_version: String,
    /// `supported_eras`: the eras the software can run.
    #[serde(default)]
    pub supported_eras: Vec<String>,
    /// `wire_versions`: the numbers of the wire versions the software speaks.
    #[serde(default)]
    pub wire_versions: Vec<u32>,
    /// `distribution_version`: the Mithril distribution the software comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_version: Option<String>,
    /// `database_version`: the schema version of the node's own database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_version: Option<u64>,
    /// `protocol_versions`: the certificate protocol versions the software can sign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protocol_versions: Vec<String>,
    /// Members this build does not declare, kept as received.
    #[serde(flatten, serialize_with = "unknown_members::<NodeInfoMessage, _>")]
    pub unknown_fields: UnknownFields,
}

/// A signer of an epoch's settings (`SignerMessagePart` of today's nodes): a registration
/// without its epoch. Today's epoch settings publish no stake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerMessage {
    /// `party_id`: the party.
    pub party_id: String,
    /// `verification_key`: hex of the Mithril verification key.
    pub verification_key: String,
    /// `verification_key_signature`: hex of the pool's KES signature of the verification key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_key_signature: Option<String>,
    /// `operational_certificate`: hex of the pool's operational certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operational_certificate: Option<String>,
    /// `kes_period`: KES evolutions since the start period of the operational certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kes_period: Option<u64>,
    /// `verification_key_for_snark`: hex of the SNARK verification key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_key_for_snark: Option<String>,
    /// `verification_key_signature_for_snark`: hex of the KES signature of the SNARK key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_key_signature_for_snark: Option<String>,
    /// `proof_of_bound_possession_for_snark`: hex of the proof of bound possession of the SNARK
    /// key (a Schnorr signature; `mithril-common` 0.8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof_of_bound_possession_for_snark: Option<String>,
    /// Members this build does not declare, kept as received.
    #[serde(flatten, serialize_with = "unknown_members::<SignerMessage, _>")]
    pub unknown_fields: UnknownFields,
}

/// The beacon of a Cardano database snapshot (`CardanoDbBeacon` of today's nodes). Older nodes
/// also sent a `network` member, which is kept among the unknown members.
///
/// Read only from an object (a flattened struct is): a beacon written as an array makes the
/// signed entity type unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardanoDbBeaconMessage {
    /// `epoch`.
    pub epoch: u64,
    /// `immutable_file_number`.
    pub immutable_file_number: u64,
    /// Members this build does not declare (such as the legacy `network`), kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<CardanoDbBeaconMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// What a signature is about (`entity_type`), externally tagged as today's nodes write it:
/// `{"MithrilStakeDistribution":12}`, `{"CardanoDatabase":{"epoch":10,"immutable_file_number":1728}}`,
/// `{"CardanoTransactions":[10,11]}`, `{"CardanoBlocksTransactions":[12,13,14]}`.
///
/// Reading never fails, as for today's nodes: a value that is not one of the known shapes is
/// [`SignedEntityTypeMessage::Unknown`] (the untagged variant) and keeps the value as received.
/// One difference: a beacon written as an array (`[10,1728]`, which today's nodes would also
/// read) is kept as unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignedEntityTypeMessage {
    /// `{"MithrilStakeDistribution": epoch}`.
    MithrilStakeDistribution(u64),
    /// `{"CardanoStakeDistribution": epoch}`.
    CardanoStakeDistribution(u64),
    /// `{"CardanoDatabase": beacon}`.
    CardanoDatabase(CardanoDbBeaconMessage),
    /// `{"CardanoTransactions": [epoch, block_number]}`.
    CardanoTransactions(u64, u64),
    /// `{"CardanoBlocksTransactions": [epoch, block_number, block_number_offset]}`.
    CardanoBlocksTransactions(u64, u64, u64),
    /// `{"CardanoImmutableFilesFull": beacon}`: discontinued; today's nodes refuse it as such
    /// (and ignore its beacon).
    CardanoImmutableFilesFull(CardanoDbBeaconMessage),
    /// Any other value, as received (`null`, `{"Whatever":1}`, a known name with a payload of
    /// another shape, …).
    #[serde(untagged)]
    Unknown(Value),
}

impl SignedEntityTypeMessage {
    /// Reads the value; every well-formed value is a signed entity type message.
    pub fn from_value(value: Value) -> Self {
        Self::deserialize(&value).unwrap_or(Self::Unknown(value))
    }

    /// The name of the type (`CardanoDatabase`), or `None` for an unknown value.
    pub fn name(&self) -> Option<&'static str> {
        Some(match self {
            Self::MithrilStakeDistribution(_) => "MithrilStakeDistribution",
            Self::CardanoStakeDistribution(_) => "CardanoStakeDistribution",
            Self::CardanoDatabase(_) => "CardanoDatabase",
            Self::CardanoTransactions(..) => "CardanoTransactions",
            Self::CardanoBlocksTransactions(..) => "CardanoBlocksTransactions",
            Self::CardanoImmutableFilesFull(_) => "CardanoImmutableFilesFull",
            Self::Unknown(_) => return None,
        })
    }

    /// Whether today's nodes read the value as a discontinued type (and refuse it as such,
    /// rather than as an unknown one): `{"CardanoImmutableFilesFull": <any value>}`.
    pub fn is_discontinued(&self) -> bool {
        match self {
            Self::CardanoImmutableFilesFull(_) => true,
            Self::Unknown(Value::Object(map)) => {
                map.len() == 1 && map.contains_key("CardanoImmutableFilesFull")
            }
            _ => false,
        }
    }

    fn unknown_paths(&self, prefix: &str, into: &mut Vec<String>) {
        if let (
            Self::CardanoDatabase(beacon) | Self::CardanoImmutableFilesFull(beacon),
            Some(name),
        ) = (self, self.name())
        {
            beacon.unknown_paths(&format!("{prefix}.{name}"), into);
        }
    }
}

/// The value as compact JSON (`{"MithrilStakeDistribution":12}`), for logs and errors.
impl fmt::Display for SignedEntityTypeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// The body of `POST /register-signatures` (`RegisterSignatureMessageHttp` of today's nodes).
///
/// A SNARK signature, where one is produced, travels inside the hex of `signature`; the body
/// has no member for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct RegisterSignatureMessage {
    /// `entity_type`: what the signature is about.
    pub entity_type: SignedEntityTypeMessage,
    /// `party_id`: the signing party.
    pub party_id: String,
    /// `signature`: hex of the single signature (today the hex of its JSON text).
    pub signature: String,
    /// `indexes`: the lottery indices the signature won.
    pub indexes: Vec<u64>,
    /// `signed_message`: the signed message (the hex digest of the protocol message).
    pub signed_message: String,
    /// `shadow_signature`: the signature of the next era's composition of the message, sent
    /// while that era is announced (a member of this library; today's nodes ignore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_signature: Option<ShadowSignatureMessage>,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<RegisterSignatureMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// The `shadow_signature` member of a signature: the signature of the next era's composition
/// of the message, with the same names as the signature around it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowSignatureMessage {
    /// `era`: the era whose composition was signed (`lagrange`).
    pub era: String,
    /// `signature`: hex of the single signature of the next era's message.
    pub signature: String,
    /// `indexes`: the lottery indices it won.
    pub indexes: Vec<u64>,
    /// `signed_message`: the next era's signed message (the hex digest of its composition).
    pub signed_message: String,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<ShadowSignatureMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// Lottery parameters (`ProtocolParameters` of today's nodes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProtocolParametersMessage {
    /// `k`: the quorum.
    pub k: u64,
    /// `m`: the number of lottery indices.
    pub m: u64,
    /// `phi_f`: the probability that a party holding all the stake wins one index.
    pub phi_f: f64,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<ProtocolParametersMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// How Cardano transactions are signed (`CardanoTransactionsSigningConfig` of today's nodes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardanoTransactionsSigningConfigMessage {
    /// `security_parameter`: blocks behind the tip considered final.
    pub security_parameter: u64,
    /// `step`: interval between two signed block numbers.
    pub step: u64,
    /// Members this build does not declare, kept as received.
    #[serde(
        flatten,
        serialize_with = "unknown_members::<CardanoTransactionsSigningConfigMessage, _>"
    )]
    pub unknown_fields: UnknownFields,
}

/// The body of `GET /epoch-settings` (`EpochSettingsMessage` of today's nodes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct EpochSettingsMessage {
    /// `epoch`: the current epoch.
    pub epoch: u64,
    /// `signer_registration_protocol`: parameters for registrations made during this epoch
    /// (deprecated by today's nodes, still sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_registration_protocol: Option<ProtocolParametersMessage>,
    /// `current_signers`: signers that sign during this epoch.
    pub current_signers: Vec<SignerMessage>,
    /// `next_signers`: signers that sign during the next epoch.
    pub next_signers: Vec<SignerMessage>,
    /// `cardano_transactions_signing_config` (deprecated by today's nodes, still sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardano_transactions_signing_config: Option<CardanoTransactionsSigningConfigMessage>,
    /// Members this build does not declare, kept as received.
    #[serde(flatten, serialize_with = "unknown_members::<EpochSettingsMessage, _>")]
    pub unknown_fields: UnknownFields,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::super::aggregator::{
        AggregatorCapabilitiesMessage, AggregatorFeaturesMessage, AggregatorStatusMessage,
        CardanoTransactionsProverMessage, ProtocolConfigurationMessage,
    };
    use super::*;

    /// Reads `value` (every member present) and checks that `MEMBERS` names exactly the members
    /// the type writes, none of them kept as unknown.
    fn members_are_the_declared_fields<T: Object + Serialize + DeserializeOwned>(value: &Value) {
        let object: T = serde_json::from_value(value.clone()).unwrap();
        assert!(object.unknown().is_empty(), "{value}");
        let written = serde_json::to_value(&object).unwrap();
        let keys: BTreeSet<&str> = written
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, T::MEMBERS.iter().copied().collect(), "{value}");
        assert_eq!(&written, value);
    }

    fn golden(name: &str) -> Value {
        let path = format!(
            "{}/tests/golden/json/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn members_name_every_declared_field() {
        let registration = golden("register_signer_signed_node_info");
        members_are_the_declared_fields::<RegisterSignerMessage>(&registration);
        members_are_the_declared_fields::<NodeInfoMessage>(&registration["node_info"]);
        let settings = golden("epoch_settings");
        members_are_the_declared_fields::<EpochSettingsMessage>(&settings);
        members_are_the_declared_fields::<SignerMessage>(&settings["current_signers"][0]);
        members_are_the_declared_fields::<ProtocolParametersMessage>(
            &settings["signer_registration_protocol"],
        );
        members_are_the_declared_fields::<CardanoTransactionsSigningConfigMessage>(
            &settings["cardano_transactions_signing_config"],
        );
        let signature = golden("register_signature_cardano_database");
        members_are_the_declared_fields::<CardanoDbBeaconMessage>(
            &signature["entity_type"]["CardanoDatabase"],
        );
        let with_shadow = golden("register_signature_with_shadow");
        members_are_the_declared_fields::<RegisterSignatureMessage>(&with_shadow);
        members_are_the_declared_fields::<ShadowSignatureMessage>(&with_shadow["shadow_signature"]);

        let parameters = json!({"k": 5, "m": 100, "phi_f": 0.65});
        let config = json!({"security_parameter": 3000, "step": 120});
        let prover = json!({"max_hashes_allowed_by_request": 100});
        let capabilities = json!({
            "signed_entity_types": ["MithrilStakeDistribution", null],
            "aggregate_signature_type": "Concatenation",
            "cardano_transactions_prover": prover,
            "wire_versions": [1, 2],
        });
        members_are_the_declared_fields::<CardanoTransactionsProverMessage>(&prover);
        members_are_the_declared_fields::<AggregatorCapabilitiesMessage>(&capabilities);
        members_are_the_declared_fields::<AggregatorFeaturesMessage>(&json!({
            "open_api_version": "0.1.71",
            "documentation_url": "https://mithril.network",
            "capabilities": capabilities,
        }));
        members_are_the_declared_fields::<ProtocolConfigurationMessage>(&json!({
            "protocol_parameters": parameters,
            "cardano_transactions_signing_config": config,
            "cardano_blocks_transactions_signing_config": config,
            "available_signed_entity_types": ["CardanoDatabase"],
        }));
        members_are_the_declared_fields::<AggregatorStatusMessage>(&json!({
            "epoch": 560,
            "cardano_era": "Conway",
            "cardano_network": "mainnet",
            "mithril_era": "pythagoras",
            "cardano_node_version": "10.5.1",
            "aggregator_node_version": "0.7.91",
            "protocol": parameters,
            "next_protocol": parameters,
            "total_signers": 3,
            "total_next_signers": 4,
            "total_stakes_signers": 5,
            "total_next_stakes_signers": 6,
            "total_cardano_spo": 7,
            "total_cardano_stake": 8,
            "leader_aggregator_endpoint": "https://leader",
            "certificate_chain_aggregator_endpoint": "https://chain",
        }));
    }

    #[test]
    fn unknown_members_of_every_object_are_kept_and_listed() {
        let mut settings = golden("epoch_settings");
        settings["x"] = json!(1);
        settings["next_signers"][1]["stake"] = json!(12);
        settings["signer_registration_protocol"]["y"] = json!([{"z": null}]);
        settings["cardano_transactions_signing_config"]["w"] = json!("v");
        let message = EpochSettingsMessage::from_value(settings.clone()).unwrap();
        assert_eq!(
            message.unknown_fields(),
            [
                "epoch_settings.signer_registration_protocol.y",
                "epoch_settings.next_signers[1].stake",
                "epoch_settings.cardano_transactions_signing_config.w",
                "epoch_settings.x",
            ]
        );
        assert_eq!(serde_json::to_value(&message).unwrap(), settings);

        let mut signature = golden("register_signature_cardano_database");
        signature["entity_type"]["CardanoDatabase"]["network"] = json!("mainnet");
        let message = RegisterSignatureMessage::from_value(signature.clone()).unwrap();
        assert_eq!(
            message.unknown_fields(),
            ["register_signature.entity_type.CardanoDatabase.network"]
        );
        assert_eq!(serde_json::to_value(&message).unwrap(), signature);
    }

    #[test]
    fn unknown_members_as_deep_as_the_parser_goes_are_kept() {
        // serde_json's recursion limit (128) counts the enclosing objects.
        let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let body = |depth: usize| {
            format!(
                r#"{{"epoch":1,"party_id":"p","verification_key":"00","x":{},"y":{{"z":{}}}}}"#,
                deep(depth),
                deep(depth - 1)
            )
        };
        let message: RegisterSignerMessage = super::super::parse(body(126).as_bytes()).unwrap();
        assert_eq!(super::super::to_body(&message), body(126).as_bytes());
        assert!(matches!(
            super::super::parse::<RegisterSignerMessage>(body(127).as_bytes()),
            Err(WireError::MalformedJson { .. })
        ));
    }

    #[test]
    fn errors_name_the_json_path() {
        let mut settings = golden("epoch_settings");
        settings["current_signers"][1]["kes_period"] = json!(-1);
        let error = EpochSettingsMessage::from_value(settings).unwrap_err();
        assert_eq!(
            error.to_string(),
            "epoch_settings.current_signers[1].kes_period: malformed (expected an unsigned \
             64-bit integer)"
        );
        let error = AggregatorStatusMessage::from_value(json!({"epoch": 1})).unwrap_err();
        assert_eq!(error.to_string(), "aggregator_status.cardano_era: missing");
    }
}
