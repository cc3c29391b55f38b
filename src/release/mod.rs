//! Signed release manifests: what the release team announces, how a node checks it, and what a
//! node may do with it (feature `json`).
//!
//! A **release manifest** ([`ReleaseManifest`]) names a release (software and distribution
//! versions), the eras and wire versions it supports, the SHA-256 of each platform's artifact,
//! an expiry epoch and an optional deadline. The release key signs it ([`SignedRelease`]) and
//! it is published the way era markers are: the hex of the payload's JSON in the `bytes` fields
//! of a `Constr 0` datum ([`SignedRelease::datum_json`]), at an address of its own, so that era
//! readers never see it. The same key signs **key rotations** ([`KeyRotation`]), which name the
//! next key and revoke the current one.
//!
//! A node reads the datums with a [`ReleaseVerifier`], whose state ([`ReleaseState`]) lives in
//! the marker-state store ([`crate::era::MarkerStateStore`]). The rules follow The Update
//! Framework's:
//! - only the trusted key's signature counts; a statement signed by a rotated-away key is
//!   refused as revoked;
//! - one monotonic sequence per network for manifests and rotations: a statement accepted
//!   before and presented again is a replay, any other older one a rollback, a second statement
//!   at the accepted sequence an equivocation;
//! - a manifest past its expiry epoch is refused (a frozen or withheld feed cannot keep an old
//!   release current);
//! - a refused statement leaves the state untouched.
//!
//! What a node does with the manifest in force is its [`UpgradePolicy`], checked by an
//! [`UpgradeGuard`]: notify only (the default), verify a downloaded artifact before it may be
//! installed, or refuse to run a binary the manifest does not list. The library never downloads,
//! installs or executes anything. [`era_advice`] is the era checker's line naming the release
//! to install.
//!
//! ```
//! use mithril_compat::domain::{Epoch, EraName, NetworkMagic};
//! use mithril_compat::era::EraSigningKey;
//! use mithril_compat::release::{
//!     Accepted, ArtifactDigest, ReleaseManifest, ReleaseState, ReleaseVerifier, SignedRelease,
//! };
//!
//! let key = EraSigningKey::from_bytes(&[7; 32]);
//! let binary = b"the node binary";
//! let manifest = ReleaseManifest {
//!     network: NetworkMagic::PREPROD,
//!     sequence: 1,
//!     software_version: "0.2.5".into(),
//!     distribution_version: "2543.0".into(),
//!     eras: vec![EraName::new("pythagoras")?, EraName::new("lagrange")?],
//!     wire_versions: vec!["json".into(), "v2".into()],
//!     artifacts: [("x86_64-linux".to_owned(), ArtifactDigest::of(binary))].into(),
//!     issued_epoch: Epoch(100),
//!     expires_epoch: Epoch(130),
//!     deadline_epoch: Some(Epoch(110)),
//!     unknown_members: Default::default(),
//! };
//! let payload = SignedRelease::sign_manifest(&manifest, &key)?;
//!
//! let verifier = ReleaseVerifier::new(NetworkMagic::PREPROD, key.verification_key());
//! let mut state = ReleaseState::default();
//! let Accepted::Manifest(accepted) = verifier.accept(&mut state, &payload, Epoch(101))? else {
//!     unreachable!()
//! };
//! assert_eq!(accepted.verify_artifact(Some("x86_64-linux"), &binary[..])?, "x86_64-linux");
//! assert!(accepted.verify_artifact(None, &b"the node binarY"[..]).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod manifest;
mod policy;
mod verifier;

pub use manifest::{
    ArtifactDigest, KeyRotation, MANIFEST_DOMAIN_TAG, MAX_ARTIFACTS, MAX_BODY_BYTES, MAX_LISTED,
    MAX_TEXT, ROTATION_DOMAIN_TAG, ReleaseManifest, SignedRelease, Statement,
};
pub use policy::{UpgradeAdvice, UpgradeGuard, UpgradePolicy, era_advice};
pub use verifier::{Accepted, HISTORY_LEN, ReleaseReadReport, ReleaseState, ReleaseVerifier};

use crate::domain::{Epoch, EraName, NetworkMagic};

/// Why a release statement, an artifact or a running binary was refused. Each reason is its
/// own variant, so a node can tell an attack from a mistake.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// Not a release payload, manifest or rotation this build can read.
    #[error("malformed release statement: {0}")]
    Malformed(String),
    /// The signature is not the trusted release key's (wrong key, or tampered bytes).
    #[error("the signature does not verify with the trusted release key")]
    BadSignature,
    /// Signed by a key a rotation revoked.
    #[error("signed by the revoked release key {key}")]
    RevokedKey {
        /// Hex of the revoked key.
        key: String,
    },
    /// The statement is for another network.
    #[error("the statement is for {found}, this node runs on {expected}")]
    WrongNetwork {
        /// This node's network.
        expected: NetworkMagic,
        /// The statement's network.
        found: NetworkMagic,
    },
    /// A statement accepted before, presented again after a newer one.
    #[error(
        "replay: sequence {sequence} was accepted before and sequence {accepted} supersedes it"
    )]
    Replay {
        /// The statement's sequence.
        sequence: u64,
        /// The highest sequence accepted.
        accepted: u64,
    },
    /// A statement older than the one already accepted, never accepted itself.
    #[error("rollback: sequence {sequence} is older than the accepted sequence {accepted}")]
    Rollback {
        /// The statement's sequence.
        sequence: u64,
        /// The highest sequence accepted.
        accepted: u64,
    },
    /// Another statement at the sequence already accepted.
    #[error("equivocation: another statement was accepted at sequence {sequence}")]
    Equivocation {
        /// The sequence.
        sequence: u64,
    },
    /// The manifest's expiry epoch has passed.
    #[error("the manifest expired at epoch {expires}; the current epoch is {epoch}")]
    Expired {
        /// The last epoch the manifest could be accepted at.
        expires: Epoch,
        /// The current epoch.
        epoch: Epoch,
    },
    /// The artifact's SHA-256 is not the announced one.
    #[error(
        "the artifact's SHA-256 {found} {}",
        match (platform, expected) {
            (Some(platform), Some(expected)) =>
                format!("is not the digest announced for {platform} ({expected})"),
            _ => "is not the digest of any artifact the manifest announces".to_owned(),
        }
    )]
    DigestMismatch {
        /// The platform checked, if one was named.
        platform: Option<String>,
        /// The digest announced for it.
        expected: Option<ArtifactDigest>,
        /// The artifact's digest.
        found: ArtifactDigest,
    },
    /// The manifest lists no artifact for the platform.
    #[error("the manifest lists no artifact for {platform} (it lists {})", listed.join(", "))]
    UnknownPlatform {
        /// The platform asked for.
        platform: String,
        /// The platforms listed.
        listed: Vec<String>,
    },
    /// The artifact could not be read.
    #[error("the artifact could not be read: {0}")]
    Artifact(String),
    /// The stored state is not usable.
    #[error("release state: {0}")]
    State(String),
    /// The node's policy only notifies: installing is the operator's.
    #[error("the upgrade policy is notify-only: the operator installs releases")]
    InstallNotAllowed,
    /// The policy requires a manifest in force and none was accepted.
    #[error("no release manifest is in force, and the policy refuses unlisted binaries")]
    NoManifest,
    /// The manifest in force does not run the era in force.
    #[error("release {version} does not list era {era}")]
    EraNotListed {
        /// The era in force.
        era: EraName,
        /// The manifest's software version.
        version: String,
    },
}
