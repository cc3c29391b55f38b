//! The wire-compat matrix: every sample, written by every node, read by every node.
//!
//! Nodes are today's build speaking each wire version (`v1@HEAD`, `v2@HEAD`, … from
//! `WireVersion::ALL`) and nodes built on each frozen release (`v1@0.1.0`, …), which use the
//! generated types of that release (see `common/frozen.rs`). A new wire version or release adds
//! its row and column by itself; every cell not listed in [`EXPECTED`] must come out identical, so
//! a new cell that does not is reported until its outcome is written down here.
//!
//! A cell's outcome is one of: the reader gets the identical hub value; it gets the value with
//! named parts lost (a documented loss); it gets the signed entity type as an explicit unknown
//! variant; the writer refuses the value (a typed error); the reader rejects the bytes (a typed
//! error, which today's build says looks like another version when it does).

use crate::common::release_number;
use crate::frozen;

use std::collections::BTreeSet;
use std::fmt;

use mithril_compat::domain::{SignedEntityType, UnknownVariant};
use mithril_compat::samples;
use mithril_compat::wire::{self, DowngradePolicy, HubMessage, MessageKind, WireVersion};
use mithril_compat::{FieldPath, WireError};
use serde_json::Value;

/// What a cell is expected to give, where it is not the identical value.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// The reader's value lacks these parts (paths as in the hub's JSON form; `[]` is any element).
    Lost(&'static [&'static str]),
    /// The reader gets the signed entity type as an explicit unknown variant.
    Unknown,
    /// The writer cannot carry the value.
    WriterRefuses,
    /// The reader (a frozen release) rejects the bytes with a typed error.
    Rejected,
    /// The reader rejects the bytes and names the package they look like.
    RejectedAs(&'static str),
}

use Expect::*;

/// What releases before 0.2.0 lack: the SNARK keys, and everything added since.
const SNARK_KEYS: &[&str] = &[
    "node_info.database_version",
    "node_info.distribution_version",
    "node_info.protocol_versions",
    "node_info_signature",
    "proof_of_bound_possession_for_snark",
    "verification_key_for_snark",
    "verification_key_signature_for_snark",
];
const SIGNER_SNARK_KEYS: &[&str] = &[
    "current_signers[].proof_of_bound_possession_for_snark",
    "current_signers[].verification_key_for_snark",
    "current_signers[].verification_key_signature_for_snark",
    "next_signers[].proof_of_bound_possession_for_snark",
    "next_signers[].verification_key_for_snark",
    "next_signers[].verification_key_signature_for_snark",
];
/// Added in release 0.4.0: the SNARK key's proof of bound possession, the three versions a node
/// info declares beside software, eras and wire, and the pool's signature of the node info.
/// Older readers decode registrations that carry them, without them.
const PROOF: &[&str] = &[
    "node_info.database_version",
    "node_info.distribution_version",
    "node_info.protocol_versions",
    "node_info_signature",
    "proof_of_bound_possession_for_snark",
];
const SIGNER_PROOF: &[&str] = &[
    "current_signers[].proof_of_bound_possession_for_snark",
    "next_signers[].proof_of_bound_possession_for_snark",
];
const V1: &str = "mithril.signer.v1";
const V2: &str = "mithril.signer.v2";

/// The outcome of every cell that is not the identical value, as rules: (sample, writer,
/// reader, outcome). The first rule that matches a cell gives its expected outcome; a cell no
/// rule matches must give the identical value, and every rule must decide at least one cell.
///
/// A node pattern is `<version>@<release>`: the version is a name (`v1`) or `*`; the release is
/// `HEAD`, a frozen release (`0.2.0`), `<0.4.0` (frozen releases older than 0.4.0; today's build
/// is never older), or `*`. A sample pattern ends with `*` to match a prefix. Frozen releases
/// are found on disk, so a new release gets its row and column by itself, and any of its cells
/// that these rules do not yet describe fails until its outcome is written down here.
const EXPECTED: &[(&str, &str, &str, Expect)] = &[
    // Messages added in release 0.4.0: older releases neither write nor read them; v1 and v2
    // carry them alike.
    ("features", "*@<0.4.0", "*", WriterRefuses),
    ("features", "*", "*@<0.4.0", Rejected),
    ("configuration", "*@<0.4.0", "*", WriterRefuses),
    ("configuration", "*", "*@<0.4.0", Rejected),
    ("status", "*@<0.4.0", "*", WriterRefuses),
    ("status", "*", "*@<0.4.0", Rejected),
    // Signed entity types a version or release cannot write: the discontinued type in v2, blocks
    // and transactions in v1, the Cardano database before 0.2.0.
    (
        "signature/cardano_immutable_files_full",
        "v2@*",
        "*",
        WriterRefuses,
    ),
    (
        "signature/cardano_blocks_transactions",
        "v1@*",
        "*",
        WriterRefuses,
    ),
    ("signature/cardano_database", "*@<0.2.0", "*", WriterRefuses),
    // The SNARK signature exists in v2 only: today's v1 refuses it (strict).
    ("signature/with_snark", "v1@HEAD", "*", WriterRefuses),
    // So does the shadow signature (added in release 0.4.0).
    ("signature/with_shadow", "v1@HEAD", "*", WriterRefuses),
    // v1 and v2 registrations and epoch settings are never mistaken for each other; today's
    // build names the version the bytes look like.
    ("registration", "v1@*", "v2@HEAD", RejectedAs(V1)),
    ("registration", "v1@*", "v2@*", Rejected),
    ("registration", "v2@*", "v1@HEAD", RejectedAs(V2)),
    ("registration", "v2@*", "v1@*", Rejected),
    ("settings", "v1@*", "v2@HEAD", RejectedAs(V1)),
    ("settings", "v1@*", "v2@*", Rejected),
    ("settings", "v2@*", "v1@HEAD", RejectedAs(V2)),
    ("settings", "v2@*", "v1@*", Rejected),
    // Signed entity types a reader does not know arrive as explicit unknown variants: v2
    // reserves the discontinued type's number, v1 has no blocks and transactions, releases
    // before 0.2.0 no Cardano database.
    (
        "signature/cardano_immutable_files_full",
        "*",
        "v2@*",
        Unknown,
    ),
    (
        "signature/cardano_blocks_transactions",
        "*",
        "v1@*",
        Unknown,
    ),
    ("signature/cardano_database", "*", "*@<0.2.0", Unknown),
    // Older v1 nodes never had the SNARK signature, and v1 readers drop it.
    (
        "signature/with_snark",
        "v1@*",
        "*",
        Lost(&["snark_signature"]),
    ),
    (
        "signature/with_snark",
        "*",
        "v1@*",
        Lost(&["snark_signature"]),
    ),
    // The shadow signature: v1 nodes, and releases before 0.4.0, neither write nor read it;
    // they take the signature without it.
    (
        "signature/with_shadow",
        "*@<0.4.0",
        "*",
        Lost(&["shadow_signature"]),
    ),
    (
        "signature/with_shadow",
        "*",
        "*@<0.4.0",
        Lost(&["shadow_signature"]),
    ),
    (
        "signature/with_shadow",
        "*",
        "v1@*",
        Lost(&["shadow_signature"]),
    ),
    // Releases before 0.2.0 have no SNARK keys; releases before 0.4.0 have the SNARK keys, not
    // their proof of bound possession. Either side lacking a part loses it.
    ("registration", "*@<0.2.0", "*", Lost(SNARK_KEYS)),
    ("registration", "*", "*@<0.2.0", Lost(SNARK_KEYS)),
    ("registration", "*@<0.4.0", "*", Lost(PROOF)),
    ("registration", "*", "*@<0.4.0", Lost(PROOF)),
    ("settings", "*@<0.2.0", "*", Lost(SIGNER_SNARK_KEYS)),
    ("settings", "*", "*@<0.2.0", Lost(SIGNER_SNARK_KEYS)),
    ("settings", "*@<0.4.0", "*", Lost(SIGNER_PROOF)),
    ("settings", "*", "*@<0.4.0", Lost(SIGNER_PROOF)),
];

/// Whether the node named `node` (`v1@0.2.0`, `v2@HEAD`) matches `pattern`.
fn node_matches(pattern: &str, node: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (pattern_version, pattern_release) = pattern.split_once('@').expect("version@release");
    let (version, release) = node
        .split_once('@')
        .expect("nodes are named version@release");
    let version_matches = pattern_version == "*" || pattern_version == version;
    let release_matches = match pattern_release {
        "*" => true,
        older if older.starts_with('<') => {
            release != "HEAD" && release_number(release) < release_number(&older[1..])
        }
        exact => exact == release,
    };
    version_matches && release_matches
}

/// What a cell gave.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Identical,
    Lost(Vec<String>),
    Unknown,
    WriterRefuses,
    Rejected,
    RejectedAs(&'static str),
}

impl Outcome {
    fn expected(expect: Option<Expect>) -> Self {
        match expect {
            None => Self::Identical,
            Some(Expect::Lost(paths)) => {
                Self::Lost(paths.iter().map(|path| (*path).to_owned()).collect())
            }
            Some(Expect::Unknown) => Self::Unknown,
            Some(Expect::WriterRefuses) => Self::WriterRefuses,
            Some(Expect::Rejected) => Self::Rejected,
            Some(Expect::RejectedAs(package)) => Self::RejectedAs(package),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Identical => f.write_str("identical"),
            Self::Lost(paths) if paths.iter().all(|path| path.contains("snark")) => {
                write!(f, "lost {} snark part(s)", paths.len())
            }
            Self::Lost(paths) => write!(f, "lost {}", paths.join(", ")),
            Self::Unknown => f.write_str("unknown variant"),
            Self::WriterRefuses => f.write_str("writer refuses"),
            Self::Rejected => f.write_str("rejected"),
            Self::RejectedAs(package) => write!(f, "rejected: is {}", short(package)),
        }
    }
}

fn short(package: &str) -> &str {
    package.rsplit('.').next().unwrap_or(package)
}

type Write = fn(&HubMessage) -> Result<Vec<u8>, String>;
type Read = fn(MessageKind, &[u8]) -> Result<HubMessage, WireError>;

/// A node that writes and reads one wire version: today's build, or one built on a frozen
/// release (its own write and read).
struct Node {
    name: String,
    version: WireVersion,
    frozen: Option<(Write, Read)>,
}

impl Node {
    fn write(&self, message: &HubMessage) -> Result<Vec<u8>, String> {
        match self.frozen {
            Some((write, _)) => write(message),
            None => wire::encode(self.version, message).map_err(|error| error.to_string()),
        }
    }

    fn read(&self, kind: MessageKind, bytes: &[u8]) -> Result<HubMessage, WireError> {
        match self.frozen {
            Some((_, read)) => read(kind, bytes),
            None => wire::decode(self.version, kind, bytes),
        }
    }

    /// Today's build names the version of bytes it rejects; frozen releases are not asked to.
    fn names_versions(&self) -> bool {
        self.frozen.is_none()
    }
}

fn head(version: WireVersion) -> Node {
    Node {
        name: format!("{}@HEAD", version.name()),
        version,
        frozen: None,
    }
}

/// A node built on a frozen release: it writes what today's build writes in the same wire
/// version, restricted to what the release's schema knows, and reads with the release's types.
/// Its conversion to the hub is today's, except for signed entity variants the release does
/// not know, which it keeps as unknown variants.
macro_rules! frozen_node {
    ($name:expr, $($module:ident)::+, $version:expr) => {{
        fn write(message: &HubMessage) -> Result<Vec<u8>, String> {
            use frozen::$($module)::+ as pb;
            use prost::Message;
            // An older node never held parts newer than its schema: drop what v-HEAD can't carry.
            let head = wire::encode_with_policy($version, message, DowngradePolicy::Lossy)
                .map_err(|error| error.to_string())?
                .bytes;
            let decode_error = |error: prost::DecodeError| error.to_string();
            Ok(match message.kind() {
                MessageKind::SignerRegistration => {
                    pb::SignerRegistration::decode(&head[..]).map_err(decode_error)?.encode_to_vec()
                }
                MessageKind::SingleSignature => {
                    let old = pb::SingleSignature::decode(&head[..]).map_err(decode_error)?;
                    if old.signed_entity_type.as_ref().is_some_and(|e| e.entity.is_none()) {
                        return Err(format!("{} does not know this signed entity type", $name));
                    }
                    old.encode_to_vec()
                }
                MessageKind::EpochSettings => {
                    pb::EpochSettings::decode(&head[..]).map_err(decode_error)?.encode_to_vec()
                }
                MessageKind::AggregatorFeatures
                | MessageKind::ProtocolConfiguration
                | MessageKind::AggregatorStatus => {
                    return Err(format!("{} has no {} message", $name, message.kind()));
                }
                other => panic!("{other}: no frozen writer decision yet"),
            })
        }
        fn read(kind: MessageKind, bytes: &[u8]) -> Result<HubMessage, WireError> {
            use frozen::$($module)::+ as pb;
            use prost::Message;
            let malformed = |source| WireError::Malformed {
                message: kind.field_name(),
                package: $version.package(),
                source,
            };
            let (kept, unknown_entity) = match kind {
                MessageKind::SignerRegistration => (
                    pb::SignerRegistration::decode(bytes).map_err(malformed)?.encode_to_vec(),
                    None,
                ),
                MessageKind::SingleSignature => {
                    let old = pb::SingleSignature::decode(bytes).map_err(malformed)?;
                    let unknown = old
                        .signed_entity_type
                        .as_ref()
                        .filter(|e| e.entity.is_none() && e.unknown_fields.len() == 1)
                        .map(|e| e.unknown_fields.fields()[0].clone());
                    (old.encode_to_vec(), unknown)
                }
                MessageKind::EpochSettings => (
                    pb::EpochSettings::decode(bytes).map_err(malformed)?.encode_to_vec(),
                    None,
                ),
                MessageKind::AggregatorFeatures
                | MessageKind::ProtocolConfiguration
                | MessageKind::AggregatorStatus => {
                    return Err(WireError::Unrepresentable {
                        path: FieldPath::root(),
                        package: $version.package(),
                    });
                }
                other => panic!("{other}: no frozen reader decision yet"),
            };
            let mut message = wire::decode($version, kind, &kept[..])?;
            if let (Some(raw), HubMessage::SingleSignature(signature)) =
                (unknown_entity, &mut message)
            {
                signature.signed_entity_type =
                    SignedEntityType::Unknown(UnknownVariant::new($version.id(), raw)?);
            }
            Ok(message)
        }
        Node {
            name: $name.to_owned(),
            version: $version,
            frozen: Some((write as Write, read as Read)),
        }
    }};
}

/// Every node of the matrix: the frozen releases, then today's build in each version.
fn nodes() -> Vec<Node> {
    let mut nodes = Vec::new();
    macro_rules! push_frozen {
        ($release:literal, $version:literal, $($module:ident)::+) => {
            nodes.push(frozen_node!(
                concat!($version, "@", $release),
                $($module)::+,
                $version.parse::<WireVersion>().expect("frozen releases speak known versions")
            ));
        };
    }
    for_each_frozen!(push_frozen);
    nodes.extend(WireVersion::ALL.iter().copied().map(head));
    nodes
}

/// The rich values written in every cell.
fn matrix_samples() -> Vec<(String, HubMessage)> {
    let mut values = vec![
        (
            "registration".to_owned(),
            HubMessage::SignerRegistration(samples::signer_registration()),
        ),
        (
            "settings".to_owned(),
            HubMessage::EpochSettings(samples::epoch_settings()),
        ),
    ];
    for (name, entity) in samples::signed_entity_types() {
        values.push((
            format!("signature/{name}"),
            HubMessage::SingleSignature(samples::single_signature_for(entity)),
        ));
    }
    values.push((
        "signature/with_snark".to_owned(),
        HubMessage::SingleSignature(samples::single_signature_with_snark()),
    ));
    values.push((
        "signature/with_shadow".to_owned(),
        HubMessage::SingleSignature(samples::single_signature_with_shadow()),
    ));
    values.extend([
        (
            "features".to_owned(),
            HubMessage::AggregatorFeatures(samples::aggregator_features()),
        ),
        (
            "configuration".to_owned(),
            HubMessage::ProtocolConfiguration(samples::protocol_configuration()),
        ),
        (
            "status".to_owned(),
            HubMessage::AggregatorStatus(samples::aggregator_status()),
        ),
    ]);
    values
}

/// The parts of `b` that differ from `a`, by path in the hub's JSON form.
pub(crate) fn diff(a: &Value, b: &Value, path: &str, out: &mut BTreeSet<String>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let (kx, ky) = (x.keys().next(), y.keys().next());
            if x.len() == 1 && y.len() == 1 && kx != ky {
                // An enum that changed variant.
                out.insert(format!("{path}={}", ky.unwrap()));
                return;
            }
            for key in x.keys().chain(y.keys()) {
                diff(
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                    &join(key),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (p, q) in x.iter().zip(y) {
                diff(p, q, &format!("{path}[]"), out);
            }
        }
        _ if a != b => {
            out.insert(path.to_owned());
        }
        _ => {}
    }
}

pub(crate) fn inner_json(message: &HubMessage) -> Value {
    match message {
        HubMessage::SignerRegistration(value) => serde_json::to_value(value),
        HubMessage::SingleSignature(value) => serde_json::to_value(value),
        HubMessage::EpochSettings(value) => serde_json::to_value(value),
        HubMessage::AggregatorFeatures(value) => serde_json::to_value(value),
        HubMessage::ProtocolConfiguration(value) => serde_json::to_value(value),
        HubMessage::AggregatorStatus(value) => serde_json::to_value(value),
        other => panic!("{}: not compared yet", other.kind()),
    }
    .unwrap()
}

fn run_cell(value: &HubMessage, writer: &Node, reader: &Node) -> Outcome {
    let Ok(bytes) = writer.write(value) else {
        return Outcome::WriterRefuses;
    };
    match reader.read(value.kind(), &bytes) {
        Err(WireError::WrongVersion { looks_like, .. }) if reader.names_versions() => {
            Outcome::RejectedAs(looks_like)
        }
        Err(_) => Outcome::Rejected,
        Ok(read) => {
            let mut paths = BTreeSet::new();
            diff(&inner_json(value), &inner_json(&read), "", &mut paths);
            if paths.is_empty() {
                Outcome::Identical
            } else if paths.len() == 1 && paths.contains("signed_entity_type=Unknown") {
                Outcome::Unknown
            } else {
                Outcome::Lost(paths.into_iter().collect())
            }
        }
    }
}

/// The first rule that decides a cell, by its index in [`EXPECTED`].
fn expectation(sample: &str, writer: &str, reader: &str) -> Option<(usize, Expect)> {
    EXPECTED
        .iter()
        .enumerate()
        .find(|(_, (s, w, r, _))| {
            *s == sample && node_matches(w, writer) && node_matches(r, reader)
        })
        .map(|(index, (_, _, _, expect))| (index, *expect))
}

#[test]
fn every_writer_reader_pair_gives_its_expected_outcome() {
    let nodes = nodes();
    let samples = matrix_samples();
    let mut report = String::new();
    let mut mismatches = Vec::new();
    let mut cells = 0;
    let mut used = vec![false; EXPECTED.len()];
    for (sample, value) in &samples {
        report.push_str(&format!(
            "\n{sample} (rows write, columns read)\n{:<10}",
            ""
        ));
        for reader in &nodes {
            report.push_str(&format!("| {:<24}", reader.name));
        }
        report.push('\n');
        for writer in &nodes {
            report.push_str(&format!("{:<10}", writer.name));
            for reader in &nodes {
                cells += 1;
                let outcome = run_cell(value, writer, reader);
                let rule = expectation(sample, &writer.name, &reader.name);
                if let Some((index, _)) = rule {
                    used[index] = true;
                }
                let expected = Outcome::expected(rule.map(|(_, expect)| expect));
                let mark = if outcome == expected { ' ' } else { '✗' };
                report.push_str(&format!("|{mark}{:<24}", outcome.to_string()));
                if outcome != expected {
                    mismatches.push(format!(
                        "{sample}: {} -> {}: expected {expected:?}, got {outcome:?}",
                        writer.name, reader.name
                    ));
                }
            }
            report.push('\n');
        }
    }
    assert_eq!(cells, samples.len() * nodes.len() * nodes.len());
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ from the expected outcomes (✗):\n{report}\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    let unused: Vec<_> = EXPECTED
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(rule, _)| format!("{rule:?}"))
        .collect();
    assert!(
        unused.is_empty(),
        "rules that decide no cell:\n{}",
        unused.join("\n")
    );
    println!("{cells} cells as expected:{report}");
}

#[test]
fn the_matrix_has_every_frozen_release_and_every_version() {
    let names: Vec<String> = nodes().iter().map(|node| node.name.clone()).collect();
    for (release, version) in frozen::RELEASES {
        assert!(names.contains(&format!("{version}@{release}")), "{names:?}");
    }
    for version in WireVersion::ALL {
        assert!(
            names.contains(&format!("{}@HEAD", version.name())),
            "{names:?}"
        );
    }
    assert_eq!(names.len(), frozen::RELEASES.len() + WireVersion::ALL.len());
    assert!(node_matches("*@<0.4.0", "v1@0.3.0"));
    assert!(!node_matches("*@<0.4.0", "v1@HEAD"));
    assert!(!node_matches("v2@*", "v1@0.1.0"));
}
