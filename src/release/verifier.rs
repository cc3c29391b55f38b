//! What a node accepts from the release key: TUF's rules for one key with rotation.

use serde::{Deserialize, Serialize};

use super::ReleaseError;
use super::manifest::{ReleaseManifest, SignedRelease, Statement};
use crate::domain::{Epoch, NetworkMagic};
use crate::era::{EraVerificationKey, MarkerKind, entry_key};
use crate::mithril::era_datum::datums_from_text;

/// How many accepted statements the state remembers (to tell a replay from a rollback).
pub const HISTORY_LEN: usize = 256;

/// What a node has accepted from the release key, kept between runs in the marker-state store
/// under [`ReleaseVerifier::state_key`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseState {
    /// Hex of the key now trusted, once a rotation moved it from the configured root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Hex of the keys rotated away from (revoked), oldest first.
    #[serde(default)]
    pub revoked: Vec<String>,
    /// The highest sequence accepted (manifests and rotations share it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highest_sequence: Option<u64>,
    /// The payload (JSON hex) of the manifest in force, the latest accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    /// `(sequence, hex of the statement's digest)` of accepted statements, oldest first.
    #[serde(default)]
    pub history: Vec<(u64, String)>,
}

impl ReleaseState {
    /// The manifest in force, if one was accepted.
    pub fn manifest(&self) -> Option<ReleaseManifest> {
        let payload = SignedRelease::from_json_hex(self.manifest.as_deref()?).ok()?;
        match payload.statement().ok()? {
            Statement::Manifest(manifest) => Some(manifest),
            Statement::Rotation(_) => None,
        }
    }
}

/// What accepting a statement did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// A new manifest is in force.
    Manifest(ReleaseManifest),
    /// The release key moved on; the previous one is revoked.
    Rotated {
        /// The key trusted from now on.
        next: EraVerificationKey,
    },
    /// The statement was accepted before and is still current: the latest statement, or the
    /// manifest in force (a node reads the same datum every epoch).
    Unchanged {
        /// Its sequence.
        sequence: u64,
    },
}

/// What reading the release datums of one chain read gave.
#[derive(Clone, Debug, Default)]
pub struct ReleaseReadReport {
    /// What each statement accepted did, in the order read.
    pub accepted: Vec<Accepted>,
    /// Statements accepted before and superseded since, still found on chain (by position,
    /// with their sequence): nothing to do, and nothing refused.
    pub superseded: Vec<(usize, u64)>,
    /// The datums refused, by position, with the reason.
    pub rejections: Vec<(usize, ReleaseError)>,
}

/// Checks signed release statements for one network against the configured root release key
/// and the state accepted before.
///
/// The rules, after TUF's: the signature must be the trusted key's (after any rotation; a
/// revoked key is named as such); the network must be this node's; sequences only go up (a
/// statement accepted before and presented again later is a replay, any other older statement
/// is a rollback, another statement at the accepted sequence is an equivocation); a manifest
/// past its expiry epoch is refused. A refused statement leaves the state untouched.
#[derive(Clone, Debug)]
pub struct ReleaseVerifier {
    network: NetworkMagic,
    root: EraVerificationKey,
}

impl ReleaseVerifier {
    /// A verifier for `network`, trusting `root` until a rotation it signed names another key.
    pub fn new(network: NetworkMagic, root: EraVerificationKey) -> Self {
        Self { network, root }
    }

    /// The entry of the marker-state store this verifier's state lives under.
    pub fn state_key(&self) -> String {
        entry_key(self.network, MarkerKind::Release, &self.root)
    }

    /// The key trusted in `state`.
    pub fn trusted_key(&self, state: &ReleaseState) -> Result<EraVerificationKey, ReleaseError> {
        match &state.key {
            None => Ok(self.root),
            Some(key) => EraVerificationKey::from_hex(key)
                .map_err(|_| ReleaseError::State("the trusted key is not a key".into())),
        }
    }

    /// Checks a statement at `epoch` without changing the state.
    pub fn check(
        &self,
        state: &ReleaseState,
        payload: &SignedRelease,
        epoch: Epoch,
    ) -> Result<Accepted, ReleaseError> {
        let trusted = self.trusted_key(state)?;
        // Every key this verifier ever trusted: the one trusted now first.
        let known: Vec<EraVerificationKey> = std::iter::once(trusted)
            .chain(state.key.is_some().then_some(self.root))
            .chain(
                state
                    .revoked
                    .iter()
                    .filter_map(|key| EraVerificationKey::from_hex(key).ok()),
            )
            .collect();
        let signer = known
            .iter()
            .find(|key| payload.is_signed_by(key))
            .ok_or(ReleaseError::BadSignature)?;
        let statement = payload.statement()?;
        let digest = hex::encode(payload.digest());
        let sequence = statement.sequence();
        // The latest statement, or the manifest in force, read again: a node reads the same
        // datums every epoch (and a rotation stays signed by the key it revoked).
        if state.history.last() == Some(&(sequence, digest.clone()))
            || state.manifest.as_deref() == Some(payload.to_json_hex().as_str())
        {
            return Ok(Accepted::Unchanged { sequence });
        }
        // Accepted before and superseded since (whichever key signed it then).
        if let Some(accepted) = state.highest_sequence
            && state
                .history
                .iter()
                .any(|(seen, seen_digest)| *seen == sequence && *seen_digest == digest)
        {
            return Err(ReleaseError::Replay { sequence, accepted });
        }
        if *signer != trusted {
            return Err(ReleaseError::RevokedKey {
                key: signer.to_hex(),
            });
        }
        if statement.network() != self.network {
            return Err(ReleaseError::WrongNetwork {
                expected: self.network,
                found: statement.network(),
            });
        }
        if let Some(accepted) = state.highest_sequence {
            if sequence == accepted {
                return Err(ReleaseError::Equivocation { sequence });
            }
            if sequence < accepted {
                return Err(ReleaseError::Rollback { sequence, accepted });
            }
        }
        match statement {
            Statement::Manifest(manifest) => {
                if epoch > manifest.expires_epoch {
                    return Err(ReleaseError::Expired {
                        expires: manifest.expires_epoch,
                        epoch,
                    });
                }
                Ok(Accepted::Manifest(manifest))
            }
            Statement::Rotation(rotation) => {
                let next = rotation.next()?;
                if next == trusted
                    || next == self.root
                    || state.revoked.iter().any(|key| *key == next.to_hex())
                {
                    return Err(ReleaseError::Malformed(
                        "a rotation must name a key never trusted before".into(),
                    ));
                }
                Ok(Accepted::Rotated { next })
            }
        }
    }

    /// Checks a statement and, when it is accepted, records it in `state`.
    pub fn accept(
        &self,
        state: &mut ReleaseState,
        payload: &SignedRelease,
        epoch: Epoch,
    ) -> Result<Accepted, ReleaseError> {
        let accepted = self.check(state, payload, epoch)?;
        let sequence = match &accepted {
            Accepted::Unchanged { .. } => return Ok(accepted),
            Accepted::Manifest(manifest) => {
                state.manifest = Some(payload.to_json_hex());
                manifest.sequence
            }
            Accepted::Rotated { next } => {
                let previous = self.trusted_key(state)?;
                state.revoked.push(previous.to_hex());
                state.key = Some(next.to_hex());
                payload.statement()?.sequence()
            }
        };
        state.highest_sequence = Some(sequence);
        state
            .history
            .push((sequence, hex::encode(payload.digest())));
        if state.history.len() > HISTORY_LEN {
            let excess = state.history.len() - HISTORY_LEN;
            state.history.drain(..excess);
        }
        Ok(accepted)
    }

    /// Reads the release datums of one chain read (a datum JSON, a `cardano-cli query utxo`
    /// JSON, or Plutus data CBOR hex), accepting statements in sequence order; each refused
    /// datum is reported with its reason and the others are kept.
    pub fn read(
        &self,
        state: &mut ReleaseState,
        text: &str,
        epoch: Epoch,
    ) -> Result<ReleaseReadReport, ReleaseError> {
        let datums =
            datums_from_text(text).map_err(|error| ReleaseError::Malformed(error.to_string()))?;
        let mut report = ReleaseReadReport::default();
        let mut payloads = Vec::new();
        for (index, datum) in datums.into_iter().enumerate() {
            match datum
                .map_err(|error| ReleaseError::Malformed(error.to_string()))
                .and_then(|hex| SignedRelease::from_json_hex(&hex))
                .and_then(|payload| Ok((payload.statement()?.sequence(), payload)))
            {
                Ok((sequence, payload)) => payloads.push((sequence, index, payload)),
                Err(error) => report.rejections.push((index, error)),
            }
        }
        // In sequence order, so a rotation is applied before the manifests signed by its key.
        payloads.sort_by_key(|(sequence, index, _)| (*sequence, *index));
        for (_, index, payload) in payloads {
            match self.accept(state, &payload, epoch) {
                Ok(accepted) => report.accepted.push(accepted),
                Err(ReleaseError::Replay { sequence, .. }) => {
                    report.superseded.push((index, sequence));
                }
                Err(error) => report.rejections.push((index, error)),
            }
        }
        report.rejections.sort_by_key(|(index, _)| *index);
        Ok(report)
    }
}
