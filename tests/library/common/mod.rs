//! proptest strategies for hub values, shared by the integration tests.
//!
//! `Shape` says which optional parts a generated value may have, so that tests can generate
//! values every wire version in a set can carry.
#![allow(dead_code)]

use bytes::Bytes;
use mithril_compat::domain::{
    AggregateSignatureKind, AggregatorFeatures, AggregatorStatus, BlockNumber, BlockNumberOffset,
    CardanoDbBeacon, CardanoTransactionsSigningConfig, Epoch, EpochSettings, EraName,
    ImmutableFileNumber, KeyBytes, Label, NodeInfo, PartyId, ProtocolConfiguration,
    ProtocolParameters, ShadowSignature, SignatureBytes, SignedEntityKind, SignedEntityType,
    SignedMessage, Signer, SignerRegistration, SignerSet, SingleSignature, SoftwareVersion, Stake,
    UnknownVariant, WireVersionId, WonIndexes, limits,
};
use mithril_compat::wire::WireVersion;
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

/// Which parts generated values may have: what one wire version carries (from the registry's
/// [`WireVersion::carries`]), or what every version carries.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The version whose values these are (the oldest, for values every version carries).
    pub version: WireVersion,
    /// A single signature may carry a SNARK signature.
    pub snark_signature: bool,
    /// A single signature may carry a shadow signature.
    pub shadow_signature: bool,
    /// Key material may be partial: a certificate without KES evolutions, a SNARK key signature
    /// without its key.
    pub loose_keys: bool,
    /// The discontinued Cardano immutable files full type.
    pub immutable_files_full: bool,
    /// The Cardano blocks and transactions type.
    pub blocks_transactions: bool,
    /// The first field number of the version's `SignedEntityType` that no release defines or
    /// reserves (generated unknown variants use it and above).
    pub first_unknown_entity_tag: u32,
}

impl Shape {
    /// Everything `version` carries.
    pub fn of(version: WireVersion) -> Shape {
        let carries = version.carries();
        Shape {
            version,
            snark_signature: carries.snark_signature,
            shadow_signature: carries.shadow_signature,
            loose_keys: carries.loose_keys,
            immutable_files_full: carries.immutable_files_full,
            blocks_transactions: carries.blocks_transactions,
            first_unknown_entity_tag: first_unknown_entity_tag(version),
        }
    }

    /// What every version carries.
    pub fn common() -> Shape {
        let all = WireVersion::ALL.iter().map(|version| Shape::of(*version));
        all.reduce(|a, b| Shape {
            version: a.version.min(b.version),
            snark_signature: a.snark_signature && b.snark_signature,
            shadow_signature: a.shadow_signature && b.shadow_signature,
            loose_keys: a.loose_keys && b.loose_keys,
            immutable_files_full: a.immutable_files_full && b.immutable_files_full,
            blocks_transactions: a.blocks_transactions && b.blocks_transactions,
            first_unknown_entity_tag: a.first_unknown_entity_tag.max(b.first_unknown_entity_tag),
        })
        .expect("the registry lists at least one version")
    }
}

/// The embedded descriptor set of every compiled package, decoded once.
fn descriptor_set() -> &'static prost_types::FileDescriptorSet {
    static SET: std::sync::OnceLock<prost_types::FileDescriptorSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        use prost::Message;
        prost_types::FileDescriptorSet::decode(mithril_compat::FILE_DESCRIPTOR_SET).unwrap()
    })
}

/// Whether golden files are being rewritten after a deliberate change: `UPDATE_GOLDEN=1`, and
/// nothing else.
pub fn updating_golden() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1")
}

/// The message `name` of `version`'s package, from the version's own schema.
pub fn message_descriptor(
    version: WireVersion,
    name: &str,
) -> &'static prost_types::DescriptorProto {
    descriptor_set()
        .file
        .iter()
        .filter(|file| file.package() == version.package())
        .flat_map(|file| file.message_type.iter())
        .find(|message| message.name() == name)
        .unwrap_or_else(|| panic!("{version} has no message {name}"))
}

/// The number of field `field` of message `message` in `version`.
pub fn field_number(version: WireVersion, message: &str, field: &str) -> u32 {
    let number = message_descriptor(version, message)
        .field
        .iter()
        .find(|candidate| candidate.name() == field)
        .unwrap_or_else(|| panic!("{version}: {message} has no field {field}"))
        .number();
    u32::try_from(number).unwrap()
}

/// The first field number of `message` in `version` that its schema neither defines nor
/// reserves (a variant or field from a newer release).
pub fn first_unknown_field_number(version: WireVersion, message: &str) -> u32 {
    let descriptor = message_descriptor(version, message);
    let highest = descriptor
        .field
        .iter()
        .map(|field| field.number())
        // Reserved ranges end exclusively.
        .chain(
            descriptor
                .reserved_range
                .iter()
                .map(|range| range.end() - 1),
        )
        .max()
        .unwrap_or(0);
    u32::try_from(highest).unwrap() + 1
}

/// The first field number of `version`'s `SignedEntityType` that its schema neither defines
/// nor reserves.
pub fn first_unknown_entity_tag(version: WireVersion) -> u32 {
    first_unknown_field_number(version, "SignedEntityType")
}

/// A release as comparable numbers (`0.4.0` -> `[0, 4, 0]`).
pub fn release_number(release: &str) -> Vec<u64> {
    release
        .split('.')
        .map(|part| part.parse().expect("releases are numeric"))
        .collect()
}

/// A wire version of the registry, and a value with every part it carries.
pub fn in_every_version<T: std::fmt::Debug + 'static>(
    make: fn(Shape) -> BoxedStrategy<T>,
) -> impl Strategy<Value = (WireVersion, T)> {
    proptest::sample::select(WireVersion::ALL.to_vec())
        .prop_flat_map(move |version| (Just(version), make(Shape::of(version))))
}

pub fn party_id() -> impl Strategy<Value = PartyId> {
    "[!-~]{1,64}".prop_map(|text| PartyId::new(text).unwrap())
}

pub fn key_bytes() -> impl Strategy<Value = KeyBytes> {
    vec(any::<u8>(), 1..256).prop_map(|bytes| KeyBytes::new(bytes).unwrap())
}

pub fn node_info() -> impl Strategy<Value = NodeInfo> {
    (
        "[!-~]{1,64}",
        vec("[a-z0-9_-]{1,32}", 0..4),
        vec(1u32..=WireVersionId::MAX, 0..4),
        proptest::option::of("[!-~]{1,64}"),
        proptest::option::of(any::<u64>()),
        vec("[!-~]{1,64}", 0..3),
    )
        .prop_map(
            |(version, eras, wire_versions, distribution, database, protocols)| {
                NodeInfo::new(
                    SoftwareVersion::new(version).unwrap(),
                    eras.into_iter()
                        .map(|name| EraName::new(name).unwrap())
                        .collect(),
                    wire_versions
                        .into_iter()
                        .map(|number| WireVersionId::new(number).unwrap())
                        .collect(),
                )
                .unwrap()
                .with_distribution_version(distribution.map(|v| SoftwareVersion::new(v).unwrap()))
                .with_database_version(database)
                .with_protocol_versions(
                    protocols
                        .into_iter()
                        .map(|v| SoftwareVersion::new(v).unwrap())
                        .collect(),
                )
                .unwrap()
            },
        )
}

/// Key material as the hub holds it, in the given shape.
#[derive(Clone, Debug)]
pub struct Keys {
    pub verification_key: KeyBytes,
    pub verification_key_signature: Option<KeyBytes>,
    pub operational_certificate: Option<KeyBytes>,
    pub kes_evolutions: Option<u64>,
    pub verification_key_for_snark: Option<KeyBytes>,
    pub verification_key_signature_for_snark: Option<KeyBytes>,
    pub proof_of_bound_possession_for_snark: Option<KeyBytes>,
}

pub fn keys(shape: Shape) -> impl Strategy<Value = Keys> {
    (
        key_bytes(),
        proptest::option::of(key_bytes()),
        proptest::option::of((key_bytes(), any::<u64>())),
        proptest::option::of((
            key_bytes(),
            proptest::option::of(key_bytes()),
            proptest::option::of(key_bytes()),
        )),
        // Loose parts, used only when the shape allows them.
        proptest::option::of(key_bytes()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(key_bytes()),
        0..4u8,
    )
        .prop_map(
            move |(
                key,
                signature,
                certification,
                snark,
                loose_cert,
                loose_kes,
                loose_sig,
                pick,
            )| {
                let (mut certificate, mut kes) = match certification {
                    Some((certificate, kes)) => (Some(certificate), Some(kes)),
                    None => (None, None),
                };
                let (mut snark_key, mut snark_signature, snark_proof) = match snark {
                    Some((key, signature, proof)) => (Some(key), signature, proof),
                    None => (None, None, None),
                };
                if shape.loose_keys {
                    match pick {
                        0 => (certificate, kes) = (loose_cert, None),
                        1 => (certificate, kes) = (None, loose_kes),
                        2 => (snark_key, snark_signature) = (None, loose_sig),
                        _ => {}
                    }
                }
                // Only with its key: v2 carries the proof inside the SNARK key.
                let snark_proof = snark_proof.filter(|_| snark_key.is_some());
                Keys {
                    verification_key: key,
                    verification_key_signature: signature,
                    operational_certificate: certificate,
                    kes_evolutions: kes,
                    verification_key_for_snark: snark_key,
                    verification_key_signature_for_snark: snark_signature,
                    proof_of_bound_possession_for_snark: snark_proof,
                }
            },
        )
}

pub fn signer_registration(shape: Shape) -> impl Strategy<Value = SignerRegistration> {
    (
        any::<u64>(),
        party_id(),
        keys(shape),
        node_info(),
        proptest::option::of(key_bytes()),
    )
        .prop_map(|(epoch, party_id, keys, node_info, node_info_signature)| {
            SignerRegistration {
                epoch: Epoch(epoch),
                party_id,
                verification_key: keys.verification_key,
                verification_key_signature: keys.verification_key_signature,
                operational_certificate: keys.operational_certificate,
                kes_evolutions: keys.kes_evolutions,
                node_info,
                verification_key_for_snark: keys.verification_key_for_snark,
                verification_key_signature_for_snark: keys.verification_key_signature_for_snark,
                proof_of_bound_possession_for_snark: keys.proof_of_bound_possession_for_snark,
                node_info_signature,
            }
        })
}

/// One encoded protobuf field with a number at least `first_unknown_tag`.
pub fn unknown_field(first_unknown_tag: u32) -> impl Strategy<Value = Bytes> {
    (
        first_unknown_tag..=536_870_911u32,
        prop_oneof![
            any::<u64>().prop_map(Err),
            vec(any::<u8>(), 0..64).prop_map(Ok)
        ],
    )
        .prop_map(|(tag, value)| {
            let mut field = Vec::new();
            match value {
                Err(number) => {
                    prost::encoding::encode_key(tag, prost::encoding::WireType::Varint, &mut field);
                    prost::encoding::encode_varint(number, &mut field);
                }
                Ok(payload) => {
                    prost::encoding::encode_key(
                        tag,
                        prost::encoding::WireType::LengthDelimited,
                        &mut field,
                    );
                    prost::encoding::encode_varint(payload.len() as u64, &mut field);
                    field.extend_from_slice(&payload);
                }
            }
            Bytes::from(field)
        })
}

pub fn known_signed_entity_type(shape: Shape) -> impl Strategy<Value = SignedEntityType> {
    let beacon = (any::<u64>(), any::<u64>()).prop_map(|(e, n)| CardanoDbBeacon {
        epoch: Epoch(e),
        immutable_file_number: ImmutableFileNumber(n),
    });
    let mut kinds: Vec<BoxedStrategy<SignedEntityType>> = vec![
        any::<u64>()
            .prop_map(|e| SignedEntityType::MithrilStakeDistribution(Epoch(e)))
            .boxed(),
        any::<u64>()
            .prop_map(|e| SignedEntityType::CardanoStakeDistribution(Epoch(e)))
            .boxed(),
        (any::<u64>(), any::<u64>())
            .prop_map(|(e, b)| SignedEntityType::CardanoTransactions(Epoch(e), BlockNumber(b)))
            .boxed(),
        beacon
            .clone()
            .prop_map(SignedEntityType::CardanoDatabase)
            .boxed(),
    ];
    if shape.immutable_files_full {
        kinds.push(
            beacon
                .prop_map(SignedEntityType::CardanoImmutableFilesFull)
                .boxed(),
        );
    }
    if shape.blocks_transactions {
        kinds.push(
            (any::<u64>(), any::<u64>(), any::<u64>())
                .prop_map(|(e, b, o)| {
                    SignedEntityType::CardanoBlocksTransactions(
                        Epoch(e),
                        BlockNumber(b),
                        BlockNumberOffset(o),
                    )
                })
                .boxed(),
        );
    }
    proptest::strategy::Union::new(kinds)
}

/// Known variants of the shape, and unknown ones that came from wire version `origin` with a
/// field number it does not define.
pub fn signed_entity_type(
    shape: Shape,
    origin: u32,
    first_unknown_tag: u32,
) -> impl Strategy<Value = SignedEntityType> {
    prop_oneof![
        4 => known_signed_entity_type(shape),
        1 => unknown_field(first_unknown_tag).prop_map(move |raw| SignedEntityType::Unknown(
            UnknownVariant::new(WireVersionId::new(origin).unwrap(), raw).unwrap()
        )),
    ]
}

pub fn single_signature_with(
    shape: Shape,
    entity: impl Strategy<Value = SignedEntityType>,
) -> impl Strategy<Value = SingleSignature> {
    (
        entity,
        party_id(),
        vec(any::<u8>(), 1..2048),
        btree_set(any::<u64>(), 1..64),
        "[!-~]{1,128}",
        proptest::option::of(vec(any::<u8>(), 1..512)),
        proptest::option::of(shadow_signature()),
    )
        .prop_map(
            move |(signed_entity_type, party_id, signature, indexes, message, snark, shadow)| {
                SingleSignature {
                    signed_entity_type,
                    party_id,
                    signature: SignatureBytes::new(signature).unwrap(),
                    won_indexes: WonIndexes::new(indexes.into_iter().collect()).unwrap(),
                    signed_message: SignedMessage::new(message).unwrap(),
                    snark_signature: snark
                        .filter(|_| shape.snark_signature)
                        .map(|bytes| SignatureBytes::new(bytes).unwrap()),
                    shadow_signature: shadow.filter(|_| shape.shadow_signature),
                }
            },
        )
}

/// Any valid shadow signature (any era name, known or not).
pub fn shadow_signature() -> impl Strategy<Value = ShadowSignature> {
    (
        "[a-z0-9_-]{1,32}",
        vec(any::<u8>(), 1..2048),
        btree_set(any::<u64>(), 1..64),
        "[!-~]{1,128}",
    )
        .prop_map(|(era, signature, indexes, message)| ShadowSignature {
            era: EraName::new(era).unwrap(),
            signature: SignatureBytes::new(signature).unwrap(),
            won_indexes: WonIndexes::new(indexes.into_iter().collect()).unwrap(),
            signed_message: SignedMessage::new(message).unwrap(),
        })
}

pub fn signer_set(shape: Shape) -> impl Strategy<Value = SignerSet> {
    btree_map(
        "[!-~]{1,64}",
        (keys(shape), proptest::option::of(any::<u64>())),
        0..6,
    )
    .prop_map(|signers| {
        SignerSet::new(
            signers
                .into_iter()
                .map(|(party, (keys, stake))| Signer {
                    party_id: PartyId::new(party).unwrap(),
                    verification_key: keys.verification_key,
                    verification_key_signature: keys.verification_key_signature,
                    operational_certificate: keys.operational_certificate,
                    kes_evolutions: keys.kes_evolutions,
                    stake: stake.map(Stake),
                    verification_key_for_snark: keys.verification_key_for_snark,
                    verification_key_signature_for_snark: keys.verification_key_signature_for_snark,
                    proof_of_bound_possession_for_snark: keys.proof_of_bound_possession_for_snark,
                })
                .collect(),
        )
        .unwrap()
    })
}

pub fn protocol_parameters() -> impl Strategy<Value = ProtocolParameters> {
    (1u64..100_000, 0.0f64..1.0, 1e-9f64..=1.0).prop_map(|(m, k_share, phi_f)| {
        let k = ((m as f64 * k_share) as u64).clamp(1, m);
        ProtocolParameters::new(k, m, phi_f).unwrap()
    })
}

pub fn epoch_settings(shape: Shape) -> impl Strategy<Value = EpochSettings> {
    (
        any::<u64>(),
        proptest::option::of(protocol_parameters()),
        signer_set(shape),
        signer_set(shape),
        proptest::option::of((any::<u64>(), any::<u64>())),
    )
        .prop_map(|(epoch, parameters, current, next, config)| EpochSettings {
            epoch: Epoch(epoch),
            signer_registration_protocol_parameters: parameters,
            current_signers: current,
            next_signers: next,
            cardano_transactions_signing_config: config.map(|(security_parameter, step)| {
                CardanoTransactionsSigningConfig {
                    security_parameter,
                    step: BlockNumber(step),
                }
            }),
        })
}

// The aggregator's own messages (`AggregatorFeatures`, `ProtocolConfiguration`,
// `AggregatorStatus`). Every wire carries every part of them (the protobuf versions share one
// conversion, `Carries` has no flag for them, and signed entity kinds travel as names, so even
// v1 carries the `CardanoBlocksTransactions` kind), so their strategies take no `Shape`. The hub
// types are plain structs: these strategies build only what the decoders accept (labels of
// printable ASCII, 1 to 512 bytes; era names; at most 64 kinds, none repeated but the unnamed
// one; wire version numbers 1 to 2^31 - 1, at most 64; names that are not a known kind's or
// signature type's as unknown variants only).

/// A number, with its extremes more often than a uniform draw gives them.
pub fn number() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => any::<u64>(),
        2 => 0u64..1_000,
        1 => Just(0),
        1 => Just(u64::MAX),
    ]
}

/// Text an aggregator publishes ([`Label`]): printable ASCII, spaces included; mostly short,
/// sometimes of the longest length allowed.
pub fn label() -> impl Strategy<Value = Label> {
    let longest = Label::MAX_BYTES;
    prop_oneof![
        8 => "[ -~]{1,64}".boxed(),
        1 => proptest::string::string_regex(&format!("[ -~]{{65,{longest}}}"))
            .unwrap()
            .boxed(),
        1 => proptest::string::string_regex(&format!("[ -~]{{{longest}}}"))
            .unwrap()
            .boxed(),
    ]
    .prop_map(|text| Label::new(text).unwrap())
}

/// A known name changed just enough not to be it any more (case, surrounding spaces, a
/// character less): what an unknown name read by the wires must keep exactly.
fn near_miss(known: Vec<&'static str>) -> impl Strategy<Value = String> {
    (proptest::sample::select(known), 0..4u8).prop_map(|(name, change)| match change {
        0 => name.to_lowercase(),
        1 => format!("{name} "),
        2 => format!(" {name}"),
        _ => name[..name.len() - 1].to_owned(),
    })
}

/// Any signed entity kind: the known ones (the discontinued one included), names this build
/// does not know (any label, near misses of known names), and the unnamed type.
pub fn signed_entity_kind() -> impl Strategy<Value = SignedEntityKind> {
    // `KNOWN` is `'static`, and so are its names.
    let known_names = SignedEntityKind::KNOWN
        .iter()
        .map(SignedEntityKind::name)
        .collect::<Vec<&'static str>>();
    prop_oneof![
        4 => proptest::sample::select(SignedEntityKind::KNOWN.to_vec()),
        2 => label().prop_map(|name| SignedEntityKind::from_name(name.as_str()).unwrap()),
        1 => near_miss(known_names).prop_map(|name| SignedEntityKind::from_name(&name).unwrap()),
        1 => Just(SignedEntityKind::Unnamed),
    ]
}

/// A list of signed entity kinds as an aggregator declares it: empty, short, or of the longest
/// length allowed; a name appears once, the unnamed type any number of times.
pub fn signed_entity_kinds() -> impl Strategy<Value = Vec<SignedEntityKind>> {
    prop_oneof![
        6 => vec(signed_entity_kind(), 0..8),
        2 => vec(signed_entity_kind(), 0..=limits::MAX_DECLARED),
        1 => vec(signed_entity_kind(), limits::MAX_DECLARED),
    ]
    .prop_map(|kinds| {
        // A repeated name becomes an unnamed type: the list keeps its length and stays valid.
        let mut kept: Vec<SignedEntityKind> = Vec::with_capacity(kinds.len());
        for kind in kinds {
            if kept.contains(&kind) {
                kept.push(SignedEntityKind::Unnamed);
            } else {
                kept.push(kind);
            }
        }
        kept
    })
}

/// Any aggregate signature type: the known ones, and names this build does not know.
pub fn aggregate_signature_kind() -> impl Strategy<Value = AggregateSignatureKind> {
    let known = vec!["Concatenation", "Snark", "IvcSnark"];
    prop_oneof![
        3 => proptest::sample::select(known.clone()).prop_map(str::to_owned),
        1 => label().prop_map(Label::into_string),
        1 => near_miss(known),
    ]
    .prop_map(|name| AggregateSignatureKind::from_name(&name).unwrap())
}

/// Wire version numbers as an aggregator declares them: the versions this build speaks and
/// numbers it does not name (up to the largest allowed), in any order, repeats allowed as the
/// decoders allow them; empty, short, or of the longest length allowed.
pub fn wire_version_ids() -> impl Strategy<Value = Vec<WireVersionId>> {
    let id = prop_oneof![
        2 => proptest::sample::select(WireVersion::ALL.to_vec()).prop_map(WireVersion::id),
        2 => (1u32..=WireVersionId::MAX).prop_map(|number| WireVersionId::new(number).unwrap()),
        1 => Just(WireVersionId::new(WireVersionId::MAX).unwrap()),
    ];
    prop_oneof![
        6 => vec(id.clone(), 0..6),
        1 => vec(id, limits::MAX_DECLARED),
    ]
}

/// A signing configuration of Cardano transactions (or blocks and transactions).
pub fn signing_config() -> impl Strategy<Value = CardanoTransactionsSigningConfig> {
    (number(), number()).prop_map(
        |(security_parameter, step)| CardanoTransactionsSigningConfig {
            security_parameter,
            step: BlockNumber(step),
        },
    )
}

/// Any valid protocol parameters, extremes included: `k` of 1 or `m`, `m` up to `u64::MAX`,
/// `phi_f` anywhere in (0, 1] down to the smallest subnormal, and exactly 1. For the wires only:
/// STM would take too long to run lotteries of such `m`.
pub fn any_protocol_parameters() -> impl Strategy<Value = ProtocolParameters> {
    let m = prop_oneof![
        3 => 1u64..100_000,
        2 => 1u64..=u64::MAX,
        1 => Just(1),
        1 => Just(u64::MAX),
    ];
    let phi_f = prop_oneof![
        3 => 1e-9f64..=1.0,
        // Every positive double up to 1 by its bits: tiny and subnormal values as often as not.
        2 => (1u64..=1f64.to_bits()).prop_map(f64::from_bits),
        1 => Just(1.0),
        1 => Just(f64::from_bits(1)),
    ];
    (m, phi_f, 0..4u8, any::<u64>()).prop_map(|(m, phi_f, pick, draw)| {
        let k = match pick {
            0 => 1,
            1 => m,
            _ => 1 + draw % m,
        };
        ProtocolParameters::new(k, m, phi_f).unwrap()
    })
}

/// Any aggregator features (`GET /`).
pub fn aggregator_features() -> impl Strategy<Value = AggregatorFeatures> {
    (
        label(),
        label(),
        signed_entity_kinds(),
        aggregate_signature_kind(),
        proptest::option::of(number()),
        wire_version_ids(),
    )
        .prop_map(
            |(
                open_api_version,
                documentation_url,
                signed_entity_types,
                aggregate_signature_type,
                cardano_transactions_prover_max_hashes,
                wire_versions,
            )| AggregatorFeatures {
                open_api_version,
                documentation_url,
                signed_entity_types,
                aggregate_signature_type,
                cardano_transactions_prover_max_hashes,
                wire_versions,
            },
        )
}

/// Any protocol configuration of an epoch (`GET /protocol-configuration/{epoch}`).
pub fn protocol_configuration() -> impl Strategy<Value = ProtocolConfiguration> {
    (
        any_protocol_parameters(),
        proptest::option::of(signing_config()),
        proptest::option::of(signing_config()),
        signed_entity_kinds(),
    )
        .prop_map(
            |(
                protocol_parameters,
                cardano_transactions_signing_config,
                cardano_blocks_transactions_signing_config,
                available_signed_entity_types,
            )| ProtocolConfiguration {
                protocol_parameters,
                cardano_transactions_signing_config,
                cardano_blocks_transactions_signing_config,
                available_signed_entity_types,
            },
        )
}

/// Any aggregator status (`GET /status`), with any era name, known to this build or not.
pub fn aggregator_status() -> impl Strategy<Value = AggregatorStatus> {
    let texts = (
        label(),
        label(),
        "[a-z0-9_-]{1,32}".prop_map(|name| EraName::new(name).unwrap()),
        label(),
        label(),
        proptest::option::of(label()),
        proptest::option::of(label()),
    );
    let numbers = (
        number(),
        number(),
        number(),
        number(),
        number(),
        number(),
        number(),
    );
    (
        texts,
        numbers,
        any_protocol_parameters(),
        any_protocol_parameters(),
    )
        .prop_map(
            |(
                (
                    cardano_era,
                    cardano_network,
                    mithril_era,
                    cardano_node_version,
                    aggregator_node_version,
                    leader_aggregator_endpoint,
                    certificate_chain_aggregator_endpoint,
                ),
                (
                    epoch,
                    total_signers,
                    total_next_signers,
                    total_stakes_signers,
                    total_next_stakes_signers,
                    total_cardano_spo,
                    total_cardano_stake,
                ),
                protocol_parameters,
                next_protocol_parameters,
            )| AggregatorStatus {
                epoch: Epoch(epoch),
                cardano_era,
                cardano_network,
                mithril_era,
                cardano_node_version,
                aggregator_node_version,
                protocol_parameters,
                next_protocol_parameters,
                total_signers,
                total_next_signers,
                total_stakes_signers: Stake(total_stakes_signers),
                total_next_stakes_signers: Stake(total_next_stakes_signers),
                total_cardano_spo,
                total_cardano_stake: Stake(total_cardano_stake),
                leader_aggregator_endpoint,
                certificate_chain_aggregator_endpoint,
            },
        )
}

/// The text of a vector file under `tests/vectors/` (`upstream/messages.json`).
pub fn vector_text(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The protocol parameters as mithril-stm takes them.
pub fn stm_parameters(
    parameters: &mithril_compat::domain::ProtocolParameters,
) -> mithril_stm::Parameters {
    mithril_stm::Parameters {
        k: parameters.k(),
        m: parameters.m(),
        phi_f: parameters.phi_f(),
    }
}

/// Everything the `RecordStore` trait says about `epochs` and `parties`, as text to compare
/// stores by (one line per epoch: `<epoch>: registrations signatures shadow_signatures`).
pub fn store_contents(
    store: &impl mithril_compat::adoption::RecordStore,
    epochs: std::ops::RangeInclusive<u64>,
    parties: &[&str],
) -> String {
    let mut out = format!("epochs {:?}\n", store.epochs());
    for epoch in epochs {
        out += &format!(
            "{epoch}: {:?} {:?} {:?}\n",
            store.registrations(Epoch(epoch)),
            store.signatures(Epoch(epoch)),
            store.shadow_signatures(Epoch(epoch)),
        );
    }
    for party in parties {
        out += &format!(
            "{party} first {:?}\n",
            store.first_registration(&PartyId::new(*party).unwrap())
        );
    }
    out
}
