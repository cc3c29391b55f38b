//! The bodies of today's JSON API, member for member, as plain values.
//!
//! These types play the part the generated `pb` types play for the protobuf wire versions: they
//! hold what the JSON carries, in its own terms (hex strings, plain numbers), and nothing is
//! checked beyond the JSON types. Reading one accepts exactly the shapes today's nodes accept;
//! writing one writes the members in the order today's nodes write them, then the unknown
//! members.
//!
//! Members a type does not declare are kept in its `unknown_fields`, so a body read and written
//! again keeps them. An optional member that is `null` reads as absent and is written absent, as
//! today's nodes do. An entry of `unknown_fields` whose key is a declared member is not written.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::tree::{self, Object, Strict};
use crate::WireError;
use crate::error::{ValidationError, WithinField};

/// Object members a message type does not declare, kept as received.
pub type UnknownFields = Map<String, Value>;

/// A message of today's JSON API.
///
/// Implemented by the body types of this module; it cannot be implemented outside this crate.
pub trait JsonMessage: Sized + Serialize + private::Sealed {
    /// The name of the message at the root of error paths (`register_signature`).
    const ROOT: &'static str;

    /// Reads the message from a JSON value. Error paths start at [`Self::ROOT`] and name the
    /// JSON members (`register_signature.indexes[2]`).
    fn from_value(value: Value) -> Result<Self, WireError>;

    /// The paths of the members this build does not declare, which the message keeps
    /// (`epoch_settings.current_signers[0].stake`).
    fn unknown_fields(&self) -> Vec<String>;
}

pub(super) mod private {
    pub trait Sealed {}
}

/// Writes `key: value` when the value is present.
pub(super) fn entry_if<M: SerializeMap, T: Serialize>(
    map: &mut M,
    key: &'static str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => map.serialize_entry(key, value),
        None => Ok(()),
    }
}

/// Writes the unknown members whose key is not a declared one.
pub(super) fn unknown_entries<M: SerializeMap>(
    map: &mut M,
    declared: &[&str],
    unknown: &UnknownFields,
) -> Result<(), M::Error> {
    for (key, value) in unknown {
        if !declared.contains(&key.as_str()) {
            map.serialize_entry(key, value)?;
        }
    }
    Ok(())
}

/// Lists `prefix.key` for each unknown member.
pub(super) fn unknown_paths(prefix: &str, unknown: &UnknownFields, into: &mut Vec<String>) {
    into.extend(unknown.keys().map(|key| format!("{prefix}.{key}")));
}

/// Reads a whole message from a JSON value, naming the root in errors.
pub(super) fn read_root<T>(
    root: &'static str,
    value: Value,
    read: impl FnOnce(Value) -> Result<T, ValidationError>,
) -> Result<T, WireError> {
    read(value).within(root).map_err(WireError::Invalid)
}

/// `Deserialize` through the strict tree, so that the rules and the errors are those of
/// [`JsonMessage::from_value`].
pub(super) fn deserialize_message<'de, D: Deserializer<'de>, M: JsonMessage>(
    deserializer: D,
) -> Result<M, D::Error> {
    let Strict(value) = Strict::deserialize(deserializer)?;
    M::from_value(value).map_err(serde::de::Error::custom)
}

macro_rules! serde_via_message {
    ($($message:ty),+) => {$(
        impl private::Sealed for $message {}

        impl<'de> Deserialize<'de> for $message {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_message(deserializer)
            }
        }
    )+};
}

serde_via_message!(
    RegisterSignerMessage,
    RegisterSignatureMessage,
    EpochSettingsMessage
);

/// The key material of a signer, as today's registration and signer objects carry it.
struct KeyFields {
    party_id: String,
    verification_key: String,
    verification_key_signature: Option<String>,
    operational_certificate: Option<String>,
    kes_period: Option<u64>,
    verification_key_for_snark: Option<String>,
    verification_key_signature_for_snark: Option<String>,
    proof_of_bound_possession_for_snark: Option<String>,
}

const KEY_MEMBERS: [&str; 8] = [
    "party_id",
    "verification_key",
    "verification_key_signature",
    "operational_certificate",
    "kes_period",
    "verification_key_for_snark",
    "verification_key_signature_for_snark",
    "proof_of_bound_possession_for_snark",
];

impl KeyFields {
    fn read(object: &mut Object) -> Result<Self, ValidationError> {
        Ok(Self {
            party_id: object.required("party_id", tree::string)?,
            verification_key: object.required("verification_key", tree::string)?,
            verification_key_signature: object
                .optional("verification_key_signature", tree::string)?,
            operational_certificate: object.optional("operational_certificate", tree::string)?,
            kes_period: object.optional("kes_period", tree::unsigned)?,
            verification_key_for_snark: object
                .optional("verification_key_for_snark", tree::string)?,
            verification_key_signature_for_snark: object
                .optional("verification_key_signature_for_snark", tree::string)?,
            proof_of_bound_possession_for_snark: object
                .optional("proof_of_bound_possession_for_snark", tree::string)?,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn write<M: SerializeMap>(
        map: &mut M,
        party_id: &str,
        verification_key: &str,
        verification_key_signature: &Option<String>,
        operational_certificate: &Option<String>,
        kes_period: &Option<u64>,
        verification_key_for_snark: &Option<String>,
        verification_key_signature_for_snark: &Option<String>,
        proof_of_bound_possession_for_snark: &Option<String>,
    ) -> Result<(), M::Error> {
        map.serialize_entry("party_id", party_id)?;
        map.serialize_entry("verification_key", verification_key)?;
        entry_if(
            map,
            "verification_key_signature",
            verification_key_signature,
        )?;
        entry_if(map, "operational_certificate", operational_certificate)?;
        entry_if(map, "kes_period", kes_period)?;
        entry_if(
            map,
            "verification_key_for_snark",
            verification_key_for_snark,
        )?;
        entry_if(
            map,
            "verification_key_signature_for_snark",
            verification_key_signature_for_snark,
        )?;
        entry_if(
            map,
            "proof_of_bound_possession_for_snark",
            proof_of_bound_possession_for_snark,
        )
    }
}

/// The body of `POST /register-signer` (`RegisterSignerMessage` of today's nodes).
///
/// The signer's software version is not in the body: it travels in the `signer-node-version`
/// header (see [`JsonHeaders`](super::JsonHeaders)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterSignerMessage {
    /// `epoch`: the epoch at which the registration is sent.
    pub epoch: u64,
    /// `party_id`: the registering party.
    pub party_id: String,
    /// `verification_key`: hex of the Mithril verification key (today the hex of its JSON text).
    pub verification_key: String,
    /// `verification_key_signature`: hex of the pool's KES signature of the verification key.
    pub verification_key_signature: Option<String>,
    /// `operational_certificate`: hex of the pool's operational certificate.
    pub operational_certificate: Option<String>,
    /// `kes_period`: KES evolutions since the start period of the operational certificate
    /// (the historical name of the member).
    pub kes_period: Option<u64>,
    /// `verification_key_for_snark`: hex of the SNARK verification key.
    pub verification_key_for_snark: Option<String>,
    /// `verification_key_signature_for_snark`: hex of the KES signature of the SNARK key.
    pub verification_key_signature_for_snark: Option<String>,
    /// `proof_of_bound_possession_for_snark`: hex of the proof of bound possession of the SNARK
    /// key (a Schnorr signature; `mithril-common` 0.8).
    pub proof_of_bound_possession_for_snark: Option<String>,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

impl JsonMessage for RegisterSignerMessage {
    const ROOT: &'static str = "register_signer";

    fn from_value(value: Value) -> Result<Self, WireError> {
        read_root(Self::ROOT, value, |value| {
            let mut object = Object::read(value)?;
            let epoch = object.required("epoch", tree::unsigned)?;
            let KeyFields {
                party_id,
                verification_key,
                verification_key_signature,
                operational_certificate,
                kes_period,
                verification_key_for_snark,
                verification_key_signature_for_snark,
                proof_of_bound_possession_for_snark,
            } = KeyFields::read(&mut object)?;
            Ok(Self {
                epoch,
                party_id,
                verification_key,
                verification_key_signature,
                operational_certificate,
                kes_period,
                verification_key_for_snark,
                verification_key_signature_for_snark,
                proof_of_bound_possession_for_snark,
                unknown_fields: object.into_unknown(),
            })
        })
    }

    fn unknown_fields(&self) -> Vec<String> {
        let mut paths = Vec::new();
        unknown_paths(Self::ROOT, &self.unknown_fields, &mut paths);
        paths
    }
}

impl Serialize for RegisterSignerMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            epoch,
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_period,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("epoch", epoch)?;
        KeyFields::write(
            &mut map,
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_period,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
        )?;
        let mut declared = KEY_MEMBERS.to_vec();
        declared.push("epoch");
        unknown_entries(&mut map, &declared, unknown_fields)?;
        map.end()
    }
}

/// A signer of an epoch's settings (`SignerMessagePart` of today's nodes): a registration
/// without its epoch. Today's epoch settings publish no stake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerMessage {
    /// `party_id`: the party.
    pub party_id: String,
    /// `verification_key`: hex of the Mithril verification key.
    pub verification_key: String,
    /// `verification_key_signature`: hex of the pool's KES signature of the verification key.
    pub verification_key_signature: Option<String>,
    /// `operational_certificate`: hex of the pool's operational certificate.
    pub operational_certificate: Option<String>,
    /// `kes_period`: KES evolutions since the start period of the operational certificate.
    pub kes_period: Option<u64>,
    /// `verification_key_for_snark`: hex of the SNARK verification key.
    pub verification_key_for_snark: Option<String>,
    /// `verification_key_signature_for_snark`: hex of the KES signature of the SNARK key.
    pub verification_key_signature_for_snark: Option<String>,
    /// `proof_of_bound_possession_for_snark`: hex of the proof of bound possession of the SNARK
    /// key (a Schnorr signature; `mithril-common` 0.8).
    pub proof_of_bound_possession_for_snark: Option<String>,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

impl SignerMessage {
    fn read(value: Value) -> Result<Self, ValidationError> {
        let mut object = Object::read(value)?;
        let KeyFields {
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_period,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
        } = KeyFields::read(&mut object)?;
        Ok(Self {
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_period,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
            unknown_fields: object.into_unknown(),
        })
    }
}

impl Serialize for SignerMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_period,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        KeyFields::write(
            &mut map,
            party_id,
            verification_key,
            verification_key_signature,
            operational_certificate,
            kes_period,
            verification_key_for_snark,
            verification_key_signature_for_snark,
            proof_of_bound_possession_for_snark,
        )?;
        unknown_entries(&mut map, &KEY_MEMBERS, unknown_fields)?;
        map.end()
    }
}

/// The beacon of a Cardano database snapshot (`CardanoDbBeacon` of today's nodes). Older nodes
/// also sent a `network` member, which is kept among the unknown members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardanoDbBeaconMessage {
    /// `epoch`.
    pub epoch: u64,
    /// `immutable_file_number`.
    pub immutable_file_number: u64,
    /// Members this build does not declare (such as the legacy `network`), kept as received.
    pub unknown_fields: UnknownFields,
}

impl CardanoDbBeaconMessage {
    /// The beacon, if the value is one (any other value makes the signed entity type unknown).
    fn read(value: &Value) -> Option<Self> {
        let mut object = Object::read(value.clone()).ok()?;
        Some(Self {
            epoch: object.required("epoch", tree::unsigned).ok()?,
            immutable_file_number: object
                .required("immutable_file_number", tree::unsigned)
                .ok()?,
            unknown_fields: object.into_unknown(),
        })
    }
}

impl Serialize for CardanoDbBeaconMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            epoch,
            immutable_file_number,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("epoch", epoch)?;
        map.serialize_entry("immutable_file_number", immutable_file_number)?;
        unknown_entries(
            &mut map,
            &["epoch", "immutable_file_number"],
            unknown_fields,
        )?;
        map.end()
    }
}

/// What a signature is about (`entity_type`), externally tagged as today's nodes write it:
/// `{"MithrilStakeDistribution":12}`, `{"CardanoDatabase":{"epoch":10,"immutable_file_number":1728}}`,
/// `{"CardanoTransactions":[10,11]}`, `{"CardanoBlocksTransactions":[12,13,14]}`.
///
/// Reading never fails, as for today's nodes: a value that is not one of the known shapes is
/// [`SignedEntityTypeMessage::Unknown`] and keeps the value as received. One difference: a
/// beacon written as an array (`[10,1728]`, which serde would also read) is kept as unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    Unknown(Value),
}

impl SignedEntityTypeMessage {
    /// Reads the value; every well-formed value is a signed entity type message.
    pub fn from_value(value: Value) -> Self {
        Self::known(&value).unwrap_or(Self::Unknown(value))
    }

    fn known(value: &Value) -> Option<Self> {
        let Value::Object(map) = value else {
            return None;
        };
        if map.len() != 1 {
            return None;
        }
        let (name, payload) = map.iter().next()?;
        let numbers = |count: usize| -> Option<Vec<u64>> {
            match payload {
                Value::Array(items) if items.len() == count => {
                    items.iter().map(Value::as_u64).collect()
                }
                _ => None,
            }
        };
        match name.as_str() {
            "MithrilStakeDistribution" => payload.as_u64().map(Self::MithrilStakeDistribution),
            "CardanoStakeDistribution" => payload.as_u64().map(Self::CardanoStakeDistribution),
            "CardanoDatabase" => CardanoDbBeaconMessage::read(payload).map(Self::CardanoDatabase),
            "CardanoTransactions" => match numbers(2)?.as_slice() {
                &[epoch, block_number] => Some(Self::CardanoTransactions(epoch, block_number)),
                _ => None,
            },
            "CardanoBlocksTransactions" => match numbers(3)?.as_slice() {
                &[epoch, block_number, offset] => {
                    Some(Self::CardanoBlocksTransactions(epoch, block_number, offset))
                }
                _ => None,
            },
            "CardanoImmutableFilesFull" => {
                CardanoDbBeaconMessage::read(payload).map(Self::CardanoImmutableFilesFull)
            }
            _ => None,
        }
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
        match self {
            Self::CardanoDatabase(beacon) => unknown_paths(
                &format!("{prefix}.CardanoDatabase"),
                &beacon.unknown_fields,
                into,
            ),
            Self::CardanoImmutableFilesFull(beacon) => unknown_paths(
                &format!("{prefix}.CardanoImmutableFilesFull"),
                &beacon.unknown_fields,
                into,
            ),
            _ => {}
        }
    }
}

impl Serialize for SignedEntityTypeMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The payload of the tagged form.
        enum Payload<'a> {
            Epoch(u64),
            Pair(u64, u64),
            Triple(u64, u64, u64),
            Beacon(&'a CardanoDbBeaconMessage),
        }

        impl Serialize for Payload<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    Self::Epoch(epoch) => epoch.serialize(serializer),
                    Self::Pair(first, second) => (first, second).serialize(serializer),
                    Self::Triple(first, second, third) => {
                        (first, second, third).serialize(serializer)
                    }
                    Self::Beacon(beacon) => beacon.serialize(serializer),
                }
            }
        }

        let (name, payload) = match self {
            Self::MithrilStakeDistribution(epoch) => {
                ("MithrilStakeDistribution", Payload::Epoch(*epoch))
            }
            Self::CardanoStakeDistribution(epoch) => {
                ("CardanoStakeDistribution", Payload::Epoch(*epoch))
            }
            Self::CardanoDatabase(beacon) => ("CardanoDatabase", Payload::Beacon(beacon)),
            Self::CardanoTransactions(epoch, block_number) => {
                ("CardanoTransactions", Payload::Pair(*epoch, *block_number))
            }
            Self::CardanoBlocksTransactions(epoch, block_number, offset) => (
                "CardanoBlocksTransactions",
                Payload::Triple(*epoch, *block_number, *offset),
            ),
            Self::CardanoImmutableFilesFull(beacon) => {
                ("CardanoImmutableFilesFull", Payload::Beacon(beacon))
            }
            Self::Unknown(value) => return value.serialize(serializer),
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(name, &payload)?;
        map.end()
    }
}

/// The body of `POST /register-signatures` (`RegisterSignatureMessageHttp` of today's nodes).
///
/// A SNARK signature, where one is produced, travels inside the hex of `signature`; the body
/// has no member for it.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

const SIGNATURE_MEMBERS: [&str; 5] = [
    "entity_type",
    "party_id",
    "signature",
    "indexes",
    "signed_message",
];

impl JsonMessage for RegisterSignatureMessage {
    const ROOT: &'static str = "register_signature";

    fn from_value(value: Value) -> Result<Self, WireError> {
        read_root(Self::ROOT, value, |value| {
            let mut object = Object::read(value)?;
            Ok(Self {
                entity_type: object.required("entity_type", |value| {
                    Ok(SignedEntityTypeMessage::from_value(value))
                })?,
                party_id: object.required("party_id", tree::string)?,
                signature: object.required("signature", tree::string)?,
                indexes: object.required("indexes", |value| tree::array(value, tree::unsigned))?,
                signed_message: object.required("signed_message", tree::string)?,
                unknown_fields: object.into_unknown(),
            })
        })
    }

    fn unknown_fields(&self) -> Vec<String> {
        let mut paths = Vec::new();
        self.entity_type
            .unknown_paths(&format!("{}.entity_type", Self::ROOT), &mut paths);
        unknown_paths(Self::ROOT, &self.unknown_fields, &mut paths);
        paths
    }
}

impl Serialize for RegisterSignatureMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            entity_type,
            party_id,
            signature,
            indexes,
            signed_message,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("entity_type", entity_type)?;
        map.serialize_entry("party_id", party_id)?;
        map.serialize_entry("signature", signature)?;
        map.serialize_entry("indexes", indexes)?;
        map.serialize_entry("signed_message", signed_message)?;
        unknown_entries(&mut map, &SIGNATURE_MEMBERS, unknown_fields)?;
        map.end()
    }
}

/// Lottery parameters (`ProtocolParameters` of today's nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolParametersMessage {
    /// `k`: the quorum.
    pub k: u64,
    /// `m`: the number of lottery indices.
    pub m: u64,
    /// `phi_f`: the probability that a party holding all the stake wins one index.
    pub phi_f: f64,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

impl ProtocolParametersMessage {
    pub(super) fn read(value: Value) -> Result<Self, ValidationError> {
        let mut object = Object::read(value)?;
        Ok(Self {
            k: object.required("k", tree::unsigned)?,
            m: object.required("m", tree::unsigned)?,
            phi_f: object.required("phi_f", tree::number)?,
            unknown_fields: object.into_unknown(),
        })
    }
}

impl Serialize for ProtocolParametersMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            k,
            m,
            phi_f,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("k", k)?;
        map.serialize_entry("m", m)?;
        map.serialize_entry("phi_f", phi_f)?;
        unknown_entries(&mut map, &["k", "m", "phi_f"], unknown_fields)?;
        map.end()
    }
}

/// How Cardano transactions are signed (`CardanoTransactionsSigningConfig` of today's nodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardanoTransactionsSigningConfigMessage {
    /// `security_parameter`: blocks behind the tip considered final.
    pub security_parameter: u64,
    /// `step`: interval between two signed block numbers.
    pub step: u64,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

impl CardanoTransactionsSigningConfigMessage {
    pub(super) fn read(value: Value) -> Result<Self, ValidationError> {
        let mut object = Object::read(value)?;
        Ok(Self {
            security_parameter: object.required("security_parameter", tree::unsigned)?,
            step: object.required("step", tree::unsigned)?,
            unknown_fields: object.into_unknown(),
        })
    }
}

impl Serialize for CardanoTransactionsSigningConfigMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            security_parameter,
            step,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("security_parameter", security_parameter)?;
        map.serialize_entry("step", step)?;
        unknown_entries(&mut map, &["security_parameter", "step"], unknown_fields)?;
        map.end()
    }
}

/// The body of `GET /epoch-settings` (`EpochSettingsMessage` of today's nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct EpochSettingsMessage {
    /// `epoch`: the current epoch.
    pub epoch: u64,
    /// `signer_registration_protocol`: parameters for registrations made during this epoch
    /// (deprecated by today's nodes, still sent).
    pub signer_registration_protocol: Option<ProtocolParametersMessage>,
    /// `current_signers`: signers that sign during this epoch.
    pub current_signers: Vec<SignerMessage>,
    /// `next_signers`: signers that sign during the next epoch.
    pub next_signers: Vec<SignerMessage>,
    /// `cardano_transactions_signing_config` (deprecated by today's nodes, still sent).
    pub cardano_transactions_signing_config: Option<CardanoTransactionsSigningConfigMessage>,
    /// Members this build does not declare, kept as received.
    pub unknown_fields: UnknownFields,
}

const EPOCH_SETTINGS_MEMBERS: [&str; 5] = [
    "epoch",
    "signer_registration_protocol",
    "current_signers",
    "next_signers",
    "cardano_transactions_signing_config",
];

impl JsonMessage for EpochSettingsMessage {
    const ROOT: &'static str = "epoch_settings";

    fn from_value(value: Value) -> Result<Self, WireError> {
        read_root(Self::ROOT, value, |value| {
            let mut object = Object::read(value)?;
            Ok(Self {
                epoch: object.required("epoch", tree::unsigned)?,
                signer_registration_protocol: object.optional(
                    "signer_registration_protocol",
                    ProtocolParametersMessage::read,
                )?,
                current_signers: object.required("current_signers", |value| {
                    tree::array(value, SignerMessage::read)
                })?,
                next_signers: object.required("next_signers", |value| {
                    tree::array(value, SignerMessage::read)
                })?,
                cardano_transactions_signing_config: object.optional(
                    "cardano_transactions_signing_config",
                    CardanoTransactionsSigningConfigMessage::read,
                )?,
                unknown_fields: object.into_unknown(),
            })
        })
    }

    fn unknown_fields(&self) -> Vec<String> {
        let mut paths = Vec::new();
        if let Some(parameters) = &self.signer_registration_protocol {
            unknown_paths(
                &format!("{}.signer_registration_protocol", Self::ROOT),
                &parameters.unknown_fields,
                &mut paths,
            );
        }
        for (field, signers) in [
            ("current_signers", &self.current_signers),
            ("next_signers", &self.next_signers),
        ] {
            for (index, signer) in signers.iter().enumerate() {
                unknown_paths(
                    &format!("{}.{field}[{index}]", Self::ROOT),
                    &signer.unknown_fields,
                    &mut paths,
                );
            }
        }
        if let Some(config) = &self.cardano_transactions_signing_config {
            unknown_paths(
                &format!("{}.cardano_transactions_signing_config", Self::ROOT),
                &config.unknown_fields,
                &mut paths,
            );
        }
        unknown_paths(Self::ROOT, &self.unknown_fields, &mut paths);
        paths
    }
}

impl Serialize for EpochSettingsMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            epoch,
            signer_registration_protocol,
            current_signers,
            next_signers,
            cardano_transactions_signing_config,
            unknown_fields,
        } = self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("epoch", epoch)?;
        entry_if(
            &mut map,
            "signer_registration_protocol",
            signer_registration_protocol,
        )?;
        map.serialize_entry("current_signers", current_signers)?;
        map.serialize_entry("next_signers", next_signers)?;
        entry_if(
            &mut map,
            "cardano_transactions_signing_config",
            cardano_transactions_signing_config,
        )?;
        unknown_entries(&mut map, &EPOCH_SETTINGS_MEMBERS, unknown_fields)?;
        map.end()
    }
}

/// The value as compact JSON (`{"MithrilStakeDistribution":12}`), for logs and errors.
impl fmt::Display for SignedEntityTypeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}
