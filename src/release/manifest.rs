//! The signed statements a release key publishes: release manifests and key rotations.

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::ReleaseError;
use crate::domain::{Epoch, EraName, NetworkMagic};
use crate::era::{EraSigningKey, EraVerificationKey};

/// Prefix of the bytes a release key signs for a manifest.
pub const MANIFEST_DOMAIN_TAG: &[u8] = b"mithril-compat/release-manifest/v1";
/// Prefix of the bytes a release key signs for a key rotation.
pub const ROTATION_DOMAIN_TAG: &[u8] = b"mithril-compat/key-rotation/v1";
/// Largest statement body read (bytes of JSON).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Most artifacts one manifest lists.
pub const MAX_ARTIFACTS: usize = 64;
/// Most eras or wire versions one manifest lists.
pub const MAX_LISTED: usize = 16;
/// Longest version, platform or wire-version text.
pub const MAX_TEXT: usize = 64;

/// A SHA-256 digest of an artifact, written as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArtifactDigest(pub [u8; 32]);

impl ArtifactDigest {
    /// The digest of bytes.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The digest of everything `reader` yields, read in blocks (a binary of any size).
    pub fn of_reader(mut reader: impl Read) -> std::io::Result<Self> {
        let mut hasher = Sha256::new();
        let mut block = vec![0u8; 64 * 1024];
        loop {
            let read = reader.read(&mut block)?;
            if read == 0 {
                break;
            }
            hasher.update(&block[..read]);
        }
        Ok(Self(hasher.finalize().into()))
    }

    /// The digest from its hex.
    pub fn from_hex(text: &str) -> Result<Self, ReleaseError> {
        let bytes = hex::decode(text)
            .map_err(|_| ReleaseError::Malformed("an artifact digest is not hex".into()))?;
        Ok(Self(bytes.try_into().map_err(|_| {
            ReleaseError::Malformed("an artifact digest is not 32 bytes".into())
        })?))
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for ArtifactDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArtifactDigest({})", self.to_hex())
    }
}

impl std::fmt::Display for ArtifactDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// What a release announces, as the release team signs it.
///
/// The JSON members, in this order: `network`, `sequence`, `software_version`,
/// `distribution_version`, `eras`, `wire_versions`, `artifacts` (platform → SHA-256 hex, sorted
/// by platform), `issued_epoch`, `expires_epoch`, and `deadline_epoch` when there is one. A
/// reader keeps members it does not know ([`ReleaseManifest::unknown_members`]): the signature
/// covers the bytes as they were signed, so a newer manifest verifies in an older reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseManifest {
    /// The network the release is for.
    pub network: NetworkMagic,
    /// The statement's place in the release key's history: higher than every statement
    /// published before for this network.
    pub sequence: u64,
    /// The node software version (`0.2.5`), what a node declares in its registrations.
    pub software_version: String,
    /// The distribution version that packages it (`2543.0`).
    pub distribution_version: String,
    /// The eras the release runs.
    pub eras: Vec<EraName>,
    /// The wire versions it speaks (`json`, `v1`, `v2`, …; later ones are kept as text).
    pub wire_versions: Vec<String>,
    /// Per platform (`x86_64-linux`, …), the SHA-256 of the artifact to install.
    pub artifacts: BTreeMap<String, ArtifactDigest>,
    /// The epoch the manifest was issued at.
    pub issued_epoch: Epoch,
    /// The last epoch the manifest may be accepted at (a stale manifest cannot be replayed
    /// forever to a node that has not seen its successor).
    pub expires_epoch: Epoch,
    /// The epoch by which nodes are expected to run the release, if any.
    pub deadline_epoch: Option<Epoch>,
    /// Members a later format added, kept as they came.
    pub unknown_members: Map<String, Value>,
}

#[derive(Serialize, Deserialize)]
struct ManifestJson {
    network: u32,
    sequence: u64,
    software_version: String,
    distribution_version: String,
    eras: Vec<String>,
    wire_versions: Vec<String>,
    artifacts: BTreeMap<String, String>,
    issued_epoch: u64,
    expires_epoch: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    deadline_epoch: Option<u64>,
    #[serde(flatten)]
    unknown: Map<String, Value>,
}

fn text_token(text: &str, what: &str) -> Result<(), ReleaseError> {
    if text.is_empty()
        || text.len() > MAX_TEXT
        || !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b))
    {
        return Err(ReleaseError::Malformed(format!(
            "{what} {text:?} is not 1 to {MAX_TEXT} characters of [A-Za-z0-9._+-]"
        )));
    }
    Ok(())
}

impl ReleaseManifest {
    /// Checks the manifest's fields: versions, platforms and wire versions are short tokens,
    /// eras valid names, lists bounded, at least one era and one artifact, and an expiry no
    /// earlier than the issue (nor a deadline).
    pub fn validate(&self) -> Result<(), ReleaseError> {
        text_token(&self.software_version, "software version")?;
        text_token(&self.distribution_version, "distribution version")?;
        if self.eras.is_empty() || self.eras.len() > MAX_LISTED {
            return Err(ReleaseError::Malformed(format!(
                "a manifest lists 1 to {MAX_LISTED} eras"
            )));
        }
        if self.wire_versions.len() > MAX_LISTED {
            return Err(ReleaseError::Malformed(format!(
                "a manifest lists at most {MAX_LISTED} wire versions"
            )));
        }
        for wire in &self.wire_versions {
            text_token(wire, "wire version")?;
        }
        if self.artifacts.is_empty() || self.artifacts.len() > MAX_ARTIFACTS {
            return Err(ReleaseError::Malformed(format!(
                "a manifest lists 1 to {MAX_ARTIFACTS} artifacts"
            )));
        }
        for platform in self.artifacts.keys() {
            text_token(platform, "platform")?;
        }
        if self.expires_epoch < self.issued_epoch {
            return Err(ReleaseError::Malformed(
                "the manifest expires before it is issued".into(),
            ));
        }
        if self
            .deadline_epoch
            .is_some_and(|deadline| deadline < self.issued_epoch)
        {
            return Err(ReleaseError::Malformed(
                "the deadline is before the manifest is issued".into(),
            ));
        }
        Ok(())
    }

    /// The manifest's JSON, compact, members in the documented order.
    pub fn to_json(&self) -> String {
        let json = ManifestJson {
            network: self.network.0,
            sequence: self.sequence,
            software_version: self.software_version.clone(),
            distribution_version: self.distribution_version.clone(),
            eras: self.eras.iter().map(|era| era.to_string()).collect(),
            wire_versions: self.wire_versions.clone(),
            artifacts: self
                .artifacts
                .iter()
                .map(|(platform, digest)| (platform.clone(), digest.to_hex()))
                .collect(),
            issued_epoch: self.issued_epoch.0,
            expires_epoch: self.expires_epoch.0,
            deadline_epoch: self.deadline_epoch.map(|epoch| epoch.0),
            unknown: self.unknown_members.clone(),
        };
        serde_json::to_string(&json).expect("manifests serialize")
    }

    /// Reads a manifest's JSON and validates it.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ReleaseError> {
        if bytes.len() > MAX_BODY_BYTES {
            return Err(ReleaseError::Malformed(format!(
                "a manifest of {} bytes exceeds {MAX_BODY_BYTES}",
                bytes.len()
            )));
        }
        let json: ManifestJson = serde_json::from_slice(bytes)
            .map_err(|error| ReleaseError::Malformed(format!("manifest JSON: {error}")))?;
        let eras = json
            .eras
            .iter()
            .map(|name| {
                EraName::new(name.as_str())
                    .map_err(|_| ReleaseError::Malformed(format!("invalid era name {name:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let artifacts = json
            .artifacts
            .iter()
            .map(|(platform, digest)| Ok((platform.clone(), ArtifactDigest::from_hex(digest)?)))
            .collect::<Result<BTreeMap<_, _>, ReleaseError>>()?;
        let manifest = Self {
            network: NetworkMagic(json.network),
            sequence: json.sequence,
            software_version: json.software_version,
            distribution_version: json.distribution_version,
            eras,
            wire_versions: json.wire_versions,
            artifacts,
            issued_epoch: Epoch(json.issued_epoch),
            expires_epoch: Epoch(json.expires_epoch),
            deadline_epoch: json.deadline_epoch.map(Epoch),
            unknown_members: json.unknown,
        };
        manifest.validate()?;
        Ok(manifest)
    }

    /// Whether the release runs `era`.
    pub fn supports_era(&self, era: &EraName) -> bool {
        self.eras.contains(era)
    }

    /// Which platform's artifact `digest` is, if any.
    pub fn platform_of(&self, digest: &ArtifactDigest) -> Option<&str> {
        self.artifacts
            .iter()
            .find(|(_, listed)| *listed == digest)
            .map(|(platform, _)| platform.as_str())
    }

    /// Checks a downloaded artifact against the manifest: the SHA-256 of what `reader` yields
    /// must be the digest listed for `platform` (or, without a platform, for any platform).
    /// Answers the platform it matched.
    pub fn verify_artifact(
        &self,
        platform: Option<&str>,
        reader: impl Read,
    ) -> Result<String, ReleaseError> {
        let found = ArtifactDigest::of_reader(reader)
            .map_err(|error| ReleaseError::Artifact(error.to_string()))?;
        self.check_digest(platform, &found)
    }

    /// [`ReleaseManifest::verify_artifact`] for a digest already computed.
    pub fn check_digest(
        &self,
        platform: Option<&str>,
        found: &ArtifactDigest,
    ) -> Result<String, ReleaseError> {
        match platform {
            Some(platform) => {
                let expected =
                    self.artifacts
                        .get(platform)
                        .ok_or_else(|| ReleaseError::UnknownPlatform {
                            platform: platform.to_owned(),
                            listed: self.artifacts.keys().cloned().collect(),
                        })?;
                if expected != found {
                    return Err(ReleaseError::DigestMismatch {
                        platform: Some(platform.to_owned()),
                        expected: Some(*expected),
                        found: *found,
                    });
                }
                Ok(platform.to_owned())
            }
            None => {
                self.platform_of(found)
                    .map(str::to_owned)
                    .ok_or(ReleaseError::DigestMismatch {
                        platform: None,
                        expected: None,
                        found: *found,
                    })
            }
        }
    }
}

/// A statement that hands the release key on: signed by the current key, it names the next one,
/// and the current key is revoked once it is accepted (as TUF rotates its root keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    /// The network.
    pub network: u32,
    /// The statement's place in the key's history (one sequence with the manifests).
    pub sequence: u64,
    /// Hex of the next key's 32 bytes.
    pub next_key: String,
}

impl KeyRotation {
    /// A rotation to `next`.
    pub fn new(network: NetworkMagic, sequence: u64, next: &EraVerificationKey) -> Self {
        Self {
            network: network.0,
            sequence,
            next_key: next.to_hex(),
        }
    }

    /// The next key.
    pub fn next(&self) -> Result<EraVerificationKey, ReleaseError> {
        EraVerificationKey::from_hex(&self.next_key)
            .map_err(|_| ReleaseError::Malformed("the next key is not an Ed25519 key".into()))
    }
}

/// A signed statement: what one payload of the release datum carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    /// A release manifest.
    Manifest(ReleaseManifest),
    /// A key rotation.
    Rotation(KeyRotation),
}

impl Statement {
    /// The network the statement is for.
    pub fn network(&self) -> NetworkMagic {
        match self {
            Self::Manifest(manifest) => manifest.network,
            Self::Rotation(rotation) => NetworkMagic(rotation.network),
        }
    }

    /// The statement's sequence number.
    pub fn sequence(&self) -> u64 {
        match self {
            Self::Manifest(manifest) => manifest.sequence,
            Self::Rotation(rotation) => rotation.sequence,
        }
    }
}

/// A signed statement as it travels: the exact body bytes, which member carries them, and the
/// Ed25519 signature over the domain tag and the body.
///
/// Its JSON is `{"manifest":"<hex of the body>","signature":"<hex of 64 bytes>"}` (or
/// `"rotation"` for a key rotation). The body travels as hex so that its bytes, and so the
/// signature, survive any JSON tool on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRelease {
    kind: BodyKind,
    body: Vec<u8>,
    signature: [u8; 64],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyKind {
    Manifest,
    Rotation,
}

impl BodyKind {
    fn member(self) -> &'static str {
        match self {
            Self::Manifest => "manifest",
            Self::Rotation => "rotation",
        }
    }

    fn tag(self) -> &'static [u8] {
        match self {
            Self::Manifest => MANIFEST_DOMAIN_TAG,
            Self::Rotation => ROTATION_DOMAIN_TAG,
        }
    }
}

fn signed_message(kind: BodyKind, body: &[u8]) -> Vec<u8> {
    let mut message = kind.tag().to_vec();
    message.extend_from_slice(body);
    message
}

impl SignedRelease {
    /// Signs a manifest with the release key (after checking its fields).
    pub fn sign_manifest(
        manifest: &ReleaseManifest,
        key: &EraSigningKey,
    ) -> Result<Self, ReleaseError> {
        manifest.validate()?;
        Ok(Self::sign(
            BodyKind::Manifest,
            manifest.to_json().into_bytes(),
            key,
        ))
    }

    /// Signs a key rotation with the current release key.
    pub fn sign_rotation(
        rotation: &KeyRotation,
        key: &EraSigningKey,
    ) -> Result<Self, ReleaseError> {
        rotation.next()?;
        let body = serde_json::to_vec(rotation).expect("rotations serialize");
        Ok(Self::sign(BodyKind::Rotation, body, key))
    }

    fn sign(kind: BodyKind, body: Vec<u8>, key: &EraSigningKey) -> Self {
        let signature = key.sign_raw(&signed_message(kind, &body));
        Self {
            kind,
            body,
            signature,
        }
    }

    /// Whether `key` signed the statement.
    pub fn is_signed_by(&self, key: &EraVerificationKey) -> bool {
        key.verify_raw(&signed_message(self.kind, &self.body), &self.signature)
    }

    /// The SHA-256 of the signed bytes: one statement, one digest.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(signed_message(self.kind, &self.body)).into()
    }

    /// The statement, read from the body (its signature is not checked here: see
    /// [`super::ReleaseVerifier`]).
    pub fn statement(&self) -> Result<Statement, ReleaseError> {
        match self.kind {
            BodyKind::Manifest => ReleaseManifest::from_json(&self.body).map(Statement::Manifest),
            BodyKind::Rotation => {
                let rotation: KeyRotation =
                    serde_json::from_slice(&self.body).map_err(|error| {
                        ReleaseError::Malformed(format!("key rotation JSON: {error}"))
                    })?;
                rotation.next()?;
                Ok(Statement::Rotation(rotation))
            }
        }
    }

    /// The payload's JSON.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"{}\":\"{}\",\"signature\":\"{}\"}}",
            self.kind.member(),
            hex::encode(&self.body),
            hex::encode(self.signature)
        )
    }

    /// Hex of the payload's JSON: what the datum's `bytes` fields carry, joined.
    pub fn to_json_hex(&self) -> String {
        hex::encode(self.to_json())
    }

    /// Reads a payload's JSON. Members this build does not know are ignored; exactly one of
    /// `manifest` and `rotation` must be present.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ReleaseError> {
        if bytes.len() > 2 * MAX_BODY_BYTES + 1024 {
            return Err(ReleaseError::Malformed(format!(
                "a release payload of {} bytes exceeds the limit",
                bytes.len()
            )));
        }
        let value: Map<String, Value> = serde_json::from_slice(bytes)
            .map_err(|error| ReleaseError::Malformed(format!("release payload JSON: {error}")))?;
        let hex_member = |name: &str| -> Result<Option<Vec<u8>>, ReleaseError> {
            match value.get(name) {
                None => Ok(None),
                Some(Value::String(text)) => hex::decode(text)
                    .map(Some)
                    .map_err(|_| ReleaseError::Malformed(format!("member {name} is not hex"))),
                Some(_) => Err(ReleaseError::Malformed(format!(
                    "member {name} is not a string"
                ))),
            }
        };
        let (kind, body) = match (hex_member("manifest")?, hex_member("rotation")?) {
            (Some(body), None) => (BodyKind::Manifest, body),
            (None, Some(body)) => (BodyKind::Rotation, body),
            (Some(_), Some(_)) => {
                return Err(ReleaseError::Malformed(
                    "a payload carries a manifest or a rotation, not both".into(),
                ));
            }
            (None, None) => {
                return Err(ReleaseError::Malformed(
                    "neither a manifest nor a key rotation".into(),
                ));
            }
        };
        let signature = hex_member("signature")?
            .ok_or_else(|| ReleaseError::Malformed("the payload carries no signature".into()))?
            .try_into()
            .map_err(|_| ReleaseError::Malformed("the signature is not 64 bytes".into()))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(ReleaseError::Malformed(format!(
                "a statement body of {} bytes exceeds {MAX_BODY_BYTES}",
                body.len()
            )));
        }
        Ok(Self {
            kind,
            body,
            signature,
        })
    }

    /// Reads a payload from the hex of its JSON (the joined `bytes` fields of a datum).
    pub fn from_json_hex(text: &str) -> Result<Self, ReleaseError> {
        let bytes = hex::decode(text.trim())
            .map_err(|_| ReleaseError::Malformed("the datum's payload is not hex".into()))?;
        Self::from_json(&bytes)
    }

    /// The datum that publishes the payload, as cardano-cli's detailed-schema JSON: the same
    /// shape as Mithril's era datum (`Constr 0` over 64-byte pieces of the payload's JSON).
    pub fn datum_json(&self) -> String {
        crate::mithril::era_datum::datum_json_of(&self.to_json())
    }

    /// The datum as Plutus data CBOR (feature `pallas`).
    #[cfg(feature = "pallas")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pallas")))]
    pub fn datum_cbor(&self) -> Vec<u8> {
        crate::mithril::plutus::datum_cbor_of(self.to_json().as_bytes())
    }
}
