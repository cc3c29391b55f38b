//! The marker-state store: what a node or a release team has accepted from signed markers,
//! kept between runs in one state file (feature `json`).
//!
//! Replay protection and the rules that keep history fixed need the state of the last read:
//! without it, every run starts from nothing, an old payload is accepted again and a rewrite of
//! the past goes unnoticed. Entries are keyed by network, marker kind and the verification key's
//! fingerprint, so one file serves era markers in either format, protocol-configuration markers
//! and release manifests, on several networks and keys. The file is JSON, written atomically (a
//! new file, flushed, then renamed over the old one). One process writes a state file at a time:
//! the store takes no lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::{EraVerificationKey, NetworkMagic};

/// The kinds of signed markers a store keeps state for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MarkerKind {
    /// This library's era payloads ([`super::SignedMarkers`]), as a node accepted them.
    CompatEra,
    /// This library's era payloads as a release team published them (`era sign`): kept apart
    /// from what a node accepted, so that signing and reading in one place do not mix.
    CompatEraPublished,
    /// Era markers in Mithril's datum (`crate::mithril::era_datum`).
    MithrilEra,
    /// Protocol-configuration markers in Mithril's datum.
    ProtocolConfiguration,
    /// Release manifests.
    Release,
}

impl MarkerKind {
    /// The kind's name in the store's keys.
    pub const fn name(self) -> &'static str {
        match self {
            Self::CompatEra => "compat-era",
            Self::CompatEraPublished => "compat-era-published",
            Self::MithrilEra => "mithril-era",
            Self::ProtocolConfiguration => "protocol-configuration",
            Self::Release => "release",
        }
    }
}

/// The key of one entry: network, kind, and the first 8 bytes of the SHA-256 of the key.
pub fn entry_key(network: NetworkMagic, kind: MarkerKind, key: &EraVerificationKey) -> String {
    let fingerprint = Sha256::digest(key.to_bytes());
    format!(
        "{}/{}/{}",
        network.0,
        kind.name(),
        hex::encode(&fingerprint[..8])
    )
}

/// Why the state file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateStoreError {
    /// The file could not be read or written.
    #[error("marker state {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a marker state (damaged, or another file): it is never overwritten.
    #[error("marker state {path}: not a marker state file: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The persisted state of every marker reader and signer of a node.
#[derive(Debug)]
pub struct MarkerStateStore {
    path: PathBuf,
    entries: BTreeMap<String, serde_json::Value>,
}

impl MarkerStateStore {
    /// Opens the state file at `path`; a missing file is an empty state.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StateStoreError> {
        let path = path.as_ref().to_owned();
        let entries = match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|error| StateStoreError::Corrupt {
                    path: path.clone(),
                    reason: error.to_string(),
                })?
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(StateStoreError::Io { path, source }),
        };
        Ok(Self { path, entries })
    }

    /// The state of an entry, or the default state when there is none yet.
    pub fn get<T: DeserializeOwned + Default>(&self, key: &str) -> Result<T, StateStoreError> {
        match self.entries.get(key) {
            None => Ok(T::default()),
            Some(value) => {
                serde_json::from_value(value.clone()).map_err(|error| StateStoreError::Corrupt {
                    path: self.path.clone(),
                    reason: format!("{key}: {error}"),
                })
            }
        }
    }

    /// Replaces an entry's state and writes the file atomically.
    pub fn put<T: Serialize>(&mut self, key: &str, state: &T) -> Result<(), StateStoreError> {
        let value = serde_json::to_value(state).expect("states serialize");
        if self.entries.get(key) == Some(&value) {
            return Ok(());
        }
        self.entries.insert(key.to_owned(), value);
        self.save()
    }

    fn save(&self) -> Result<(), StateStoreError> {
        let io = |source| StateStoreError::Io {
            path: self.path.clone(),
            source,
        };
        let mut text = serde_json::to_vec_pretty(&self.entries).expect("states serialize");
        text.push(b'\n');
        // A name of its own beside the file (never the file itself, whatever its name).
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(format!(".{}.tmp", std::process::id()));
        let temporary = PathBuf::from(temporary);
        {
            let mut file = std::fs::File::create(&temporary).map_err(io)?;
            std::io::Write::write_all(&mut file, &text).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&temporary, &self.path).map_err(io)?;
        // The rename itself reaches the disk with its directory.
        if let Some(directory) = self.path.parent().filter(|p| !p.as_os_str().is_empty())
            && let Ok(directory) = std::fs::File::open(directory)
        {
            let _ = directory.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::era::{EraSigningKey, ReaderState};

    #[test]
    fn entries_survive_a_reopen_and_damage_is_refused() {
        let dir = std::env::temp_dir().join(format!("marker-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        let _ = std::fs::remove_file(&path);
        let key = EraSigningKey::from_bytes(&[1; 32]).verification_key();
        let entry = entry_key(NetworkMagic::PREPROD, MarkerKind::CompatEra, &key);
        assert!(entry.starts_with("1/compat-era/"));
        let mut store = MarkerStateStore::open(&path).unwrap();
        assert_eq!(
            store.get::<ReaderState>(&entry).unwrap(),
            ReaderState::new()
        );
        let other = entry_key(NetworkMagic::MAINNET, MarkerKind::CompatEra, &key);
        store.put(&other, &vec![1u64, 2]).unwrap();
        let reopened = MarkerStateStore::open(&path).unwrap();
        assert_eq!(reopened.get::<Vec<u64>>(&other).unwrap(), vec![1, 2]);
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(
            MarkerStateStore::open(&path),
            Err(StateStoreError::Corrupt { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
