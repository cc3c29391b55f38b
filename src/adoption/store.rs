//! Adoption records and where they are kept.

use std::collections::BTreeMap;
#[cfg(feature = "serde")]
use std::io::Write;
#[cfg(feature = "serde")]
use std::path::{Path, PathBuf};

use super::provenance::Provenance;
use crate::domain::{
    Epoch, EraName, PartyId, SignerRegistration, SoftwareVersion, Stake, WireVersionId,
};

/// The wire a registration arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum RegistrationWire {
    /// A protobuf wire version (`mithril.signer.vN`).
    Protobuf(WireVersionId),
    /// Today's JSON API.
    Json,
}

impl std::fmt::Display for RegistrationWire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Protobuf(id) => write!(f, "{id}"),
            Self::Json => f.write_str("json"),
        }
    }
}

/// What the aggregator keeps of one registration: who, with how much stake, running what, and
/// how it knows. No network address or anything else personal.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RegistrationRecord {
    /// The epoch the record is filed under: the registration's own epoch for a registration
    /// recorded as it arrives ([`Self::new`]: for today's signers, the epoch after the one
    /// they sent it in), the aggregator's epoch when it took it for one imported from its
    /// event store ([`import_event_store`](super::import_event_store), as upstream's view
    /// files it: the epoch before the registration's own). The same registrations are
    /// reported at epoch `n + 1` when recorded as they arrive and at `n` when imported.
    pub epoch: Epoch,
    /// The registering party.
    pub party_id: PartyId,
    /// The stake it registers with.
    pub stake: Stake,
    /// Its software version, as declared.
    pub software_version: SoftwareVersion,
    /// The wire the registration arrived on.
    pub wire: RegistrationWire,
    /// The eras its software supports, as declared.
    pub supported_eras: Vec<EraName>,
    /// The Mithril distribution its software comes from, as declared.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub distribution_version: Option<SoftwareVersion>,
    /// The wire versions its software speaks, as declared.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub wire_versions: Vec<WireVersionId>,
    /// The schema version of its database, as declared.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub database_version: Option<u64>,
    /// The protocol versions its software signs, as declared.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub protocol_versions: Vec<SoftwareVersion>,
    /// How the declaration reached the monitor (records written before it was kept read as not
    /// checked).
    #[cfg_attr(feature = "serde", serde(default))]
    pub provenance: Provenance,
}

impl RegistrationRecord {
    /// The record of a registration that arrived on `wire`, with the party's `stake` and the
    /// declaration's provenance.
    pub fn new(
        registration: &SignerRegistration,
        stake: Stake,
        wire: RegistrationWire,
        provenance: Provenance,
    ) -> Self {
        let info = &registration.node_info;
        Self {
            epoch: registration.epoch,
            party_id: registration.party_id.clone(),
            stake,
            software_version: info.software_version().clone(),
            wire,
            supported_eras: info.supported_eras().to_vec(),
            distribution_version: info.distribution_version().cloned(),
            wire_versions: info.wire_versions().to_vec(),
            database_version: info.database_version(),
            protocol_versions: info.protocol_versions().to_vec(),
            provenance,
        }
    }

    /// The record of a registration known only from today's `signer-node-version` header (a
    /// software version, nothing else): what an aggregator's event store holds.
    pub fn header_only(
        epoch: Epoch,
        party_id: PartyId,
        stake: Stake,
        software_version: SoftwareVersion,
    ) -> Self {
        Self {
            epoch,
            party_id,
            stake,
            software_version,
            wire: RegistrationWire::Json,
            supported_eras: Vec::new(),
            distribution_version: None,
            wire_versions: Vec::new(),
            database_version: None,
            protocol_versions: Vec::new(),
            provenance: Provenance::HeaderOnly,
        }
    }

    /// Whether the party declared support for an era.
    pub fn supports(&self, era: &str) -> bool {
        self.supported_eras.iter().any(|name| name.as_str() == era)
    }
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file could not be read or written.
    #[error("adoption store {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// A line in the middle of the file is not a record: the file was damaged.
    #[error("adoption store {path}, line {line}: not a record: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// The line number (from 1).
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// The last line is cut short: a writer crashed in the middle of it, or is still writing it.
    /// A writer refuses to append after it; [`FileStore::repair`] drops it, explicitly.
    #[error(
        "adoption store {path}: the last line is cut short after byte {valid_len} (a writer \
         stopped or is still writing); repair it explicitly before appending"
    )]
    TornTail {
        /// The file.
        path: String,
        /// Length of the complete lines before it (bytes).
        valid_len: usize,
    },
    /// SQLite failed (`SqliteStore`, feature `sqlite`): the disk, a lock held too long, a
    /// damaged file or record.
    #[error("adoption store {path}: {message}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite, or the record it held, said.
        message: String,
    },
    /// The file is not a records database: not an SQLite database at all, or another
    /// application's (an aggregator's `monitoring.sqlite3`…). It is left as it is.
    #[error("adoption store {path}: not a records database: {reason}")]
    NotARecordsDatabase {
        /// The file.
        path: String,
        /// What it is instead.
        reason: String,
    },
    /// The database was written by a newer build, with a schema this build does not know: it is
    /// not opened (a newer build reads it).
    #[error(
        "adoption store {path}: schema version {found} is newer than this build knows \
         ({known}): open it with a newer build"
    )]
    NewerSchema {
        /// The database file.
        path: String,
        /// Its schema version.
        found: u32,
        /// The newest schema version this build knows.
        known: u32,
    },
}

/// Where adoption records are kept.
///
/// A registration replaces an earlier one of the same party in the same epoch (the last one
/// wins, counted once); signature counts add up.
pub trait RecordStore {
    /// Records a registration.
    fn put_registration(&mut self, record: RegistrationRecord) -> Result<(), StoreError>;
    /// Records registrations, in order (of two registrations of a party in an epoch, the later
    /// one wins). By default one by one, stopping at the first error; a store may write them
    /// together (`SqliteStore` writes them in one transaction: all or none).
    fn put_registrations(&mut self, records: Vec<RegistrationRecord>) -> Result<(), StoreError> {
        records
            .into_iter()
            .try_for_each(|record| self.put_registration(record))
    }
    /// Records `count` single signatures received from a party during an epoch.
    fn put_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError>;
    /// Records `count` shadow signatures (of the next era's message, sent beside the current
    /// one while that era is announced) received from a party during an epoch, that verified.
    fn put_shadow_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError>;
    /// The registrations made at an epoch, one per party, by party id.
    fn registrations(&self, epoch: Epoch) -> Vec<RegistrationRecord>;
    /// The signatures received during an epoch, by party.
    fn signatures(&self, epoch: Epoch) -> BTreeMap<PartyId, u64>;
    /// The verified shadow signatures received during an epoch, by party.
    fn shadow_signatures(&self, epoch: Epoch) -> BTreeMap<PartyId, u64>;
    /// The first epoch a party registered at.
    fn first_registration(&self, party_id: &PartyId) -> Option<Epoch>;
    /// The epochs with at least one registration, in order.
    fn epochs(&self) -> Vec<Epoch>;
    /// Forgets the registrations, signature counts and shadow signature counts of the epochs
    /// before `epoch`, and says how many of each it forgot. The first epoch each party
    /// registered at is kept ([`Self::first_registration`] answers as before), so exclusions by
    /// tenure are unchanged. Records put later for an earlier epoch are kept until the next
    /// call.
    ///
    /// A long-running aggregator calls it (or [`AdoptionMonitor::prune`], which knows how far
    /// back its reports read) as epochs pass, so that its records stay the size of a few
    /// epochs instead of growing with every epoch of its life.
    ///
    /// [`AdoptionMonitor::prune`]: super::AdoptionMonitor::prune
    fn prune_before(&mut self, epoch: Epoch) -> Result<Pruned, StoreError>;
}

/// What [`RecordStore::prune_before`] forgot: the number of (epoch, party) entries of each
/// kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Pruned {
    /// Registrations.
    pub registrations: u64,
    /// Signature counts.
    pub signatures: u64,
    /// Shadow signature counts.
    pub shadow_signatures: u64,
}

impl Pruned {
    /// Whether nothing was forgotten.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl std::fmt::Display for Pruned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} registrations, {} signature counts and {} shadow signature counts",
            self.registrations, self.signatures, self.shadow_signatures
        )
    }
}

/// Records in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryStore {
    registrations: BTreeMap<Epoch, BTreeMap<PartyId, RegistrationRecord>>,
    signatures: BTreeMap<Epoch, BTreeMap<PartyId, u64>>,
    shadow_signatures: BTreeMap<Epoch, BTreeMap<PartyId, u64>>,
    first: BTreeMap<PartyId, Epoch>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A party's registration at an epoch, without copying the others.
    pub fn registration(&self, epoch: Epoch, party_id: &PartyId) -> Option<&RegistrationRecord> {
        self.registrations.get(&epoch)?.get(party_id)
    }

    /// A party's signature count at an epoch, without copying the others.
    pub fn signature_count(&self, epoch: Epoch, party_id: &PartyId) -> u64 {
        self.signatures
            .get(&epoch)
            .and_then(|parties| parties.get(party_id))
            .copied()
            .unwrap_or(0)
    }

    fn insert_registration(&mut self, record: RegistrationRecord) {
        self.insert_first(record.party_id.clone(), record.epoch);
        self.registrations
            .entry(record.epoch)
            .or_default()
            .insert(record.party_id.clone(), record);
    }

    fn add_signatures(&mut self, epoch: Epoch, party_id: &PartyId, count: u64) {
        add_count(&mut self.signatures, epoch, party_id, count);
    }

    fn add_shadow_signatures(&mut self, epoch: Epoch, party_id: &PartyId, count: u64) {
        add_count(&mut self.shadow_signatures, epoch, party_id, count);
    }

    /// Records that `party_id` first registered at `epoch` (or earlier, if already known).
    fn insert_first(&mut self, party_id: PartyId, epoch: Epoch) {
        let first = self.first.entry(party_id).or_insert(epoch);
        *first = (*first).min(epoch);
    }

    /// The parties whose first registration is no longer among the registrations kept.
    #[cfg(feature = "serde")]
    fn first_registrations_forgotten(&self) -> impl Iterator<Item = (&PartyId, Epoch)> {
        self.first
            .iter()
            .filter(|(party_id, first)| self.registration(**first, party_id).is_none())
            .map(|(party_id, first)| (party_id, *first))
    }

    fn prune(&mut self, epoch: Epoch) -> Pruned {
        fn split<T>(map: &mut BTreeMap<Epoch, BTreeMap<PartyId, T>>, epoch: Epoch) -> u64 {
            let kept = map.split_off(&epoch);
            let forgotten = std::mem::replace(map, kept);
            forgotten.values().map(|parties| parties.len() as u64).sum()
        }
        Pruned {
            registrations: split(&mut self.registrations, epoch),
            signatures: split(&mut self.signatures, epoch),
            shadow_signatures: split(&mut self.shadow_signatures, epoch),
        }
    }
}

fn add_count(
    counts: &mut BTreeMap<Epoch, BTreeMap<PartyId, u64>>,
    epoch: Epoch,
    party_id: &PartyId,
    count: u64,
) {
    let total = counts
        .entry(epoch)
        .or_default()
        .entry(party_id.clone())
        .or_insert(0);
    *total = total.saturating_add(count);
}

impl RecordStore for MemoryStore {
    fn put_registration(&mut self, record: RegistrationRecord) -> Result<(), StoreError> {
        self.insert_registration(record);
        Ok(())
    }

    fn put_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        self.add_signatures(epoch, party_id, count);
        Ok(())
    }

    fn registrations(&self, epoch: Epoch) -> Vec<RegistrationRecord> {
        self.registrations
            .get(&epoch)
            .map(|records| records.values().cloned().collect())
            .unwrap_or_default()
    }

    fn put_shadow_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        self.add_shadow_signatures(epoch, party_id, count);
        Ok(())
    }

    fn signatures(&self, epoch: Epoch) -> BTreeMap<PartyId, u64> {
        self.signatures.get(&epoch).cloned().unwrap_or_default()
    }

    fn shadow_signatures(&self, epoch: Epoch) -> BTreeMap<PartyId, u64> {
        self.shadow_signatures
            .get(&epoch)
            .cloned()
            .unwrap_or_default()
    }

    fn first_registration(&self, party_id: &PartyId) -> Option<Epoch> {
        self.first.get(party_id).copied()
    }

    fn epochs(&self) -> Vec<Epoch> {
        self.registrations.keys().copied().collect()
    }

    fn prune_before(&mut self, epoch: Epoch) -> Result<Pruned, StoreError> {
        Ok(self.prune(epoch))
    }
}

/// One line of the file store.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Entry {
    Registration(RegistrationRecord),
    Signatures {
        epoch: Epoch,
        party_id: PartyId,
        count: u64,
    },
    ShadowSignatures {
        epoch: Epoch,
        party_id: PartyId,
        count: u64,
    },
    /// The first epoch a party registered at, written by a compaction when that registration
    /// was pruned (earlier builds do not read it: they refuse the file as damaged).
    FirstRegistration {
        party_id: PartyId,
        epoch: Epoch,
    },
}

/// Records in an append-only file of JSON lines that survives a restart.
///
/// Every record is written and flushed to the disk (`fsync`) before `put_*` returns, so an
/// acknowledged record is never lost. A last line cut short (written but never acknowledged,
/// or still being written) is never touched implicitly: [`FileStore::snapshot`], for readers,
/// leaves it out and leaves the file as it is; [`FileStore::open`], for the writer, refuses to
/// append after it ([`StoreError::TornTail`]); [`FileStore::repair`] drops it, explicitly (a
/// writer restarting after its own crash). A damaged line anywhere else is an error.
/// [`FileStore::compact`] rewrites the file atomically (a new file, flushed, then renamed over the
/// old one).
#[cfg(feature = "serde")]
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    file: std::fs::File,
    memory: MemoryStore,
    /// A write failed and could not be taken back: no more appends.
    poisoned: bool,
}

/// What a reader loaded from a records file, without writing to it.
#[cfg(feature = "serde")]
#[derive(Debug)]
pub struct Snapshot {
    /// The complete records.
    pub store: MemoryStore,
    /// Whether a last line cut short was left out (and left in the file).
    pub torn_tail: bool,
}

/// The records of a file's complete lines, and the length of those lines when the last one is
/// cut short.
#[cfg(feature = "serde")]
fn load(path: &Path) -> Result<(MemoryStore, Option<usize>), StoreError> {
    let io = |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    };
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(io(error)),
    };
    let mut memory = MemoryStore::new();
    let mut torn = None;
    let mut valid_len = 0usize;
    let lines: Vec<&[u8]> = text.split_inclusive(|byte| *byte == b'\n').collect();
    for (number, line) in lines.iter().enumerate() {
        let complete = line.ends_with(b"\n");
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) if complete => {
                match entry {
                    Entry::Registration(record) => memory.insert_registration(record),
                    Entry::Signatures {
                        epoch,
                        party_id,
                        count,
                    } => memory.add_signatures(epoch, &party_id, count),
                    Entry::ShadowSignatures {
                        epoch,
                        party_id,
                        count,
                    } => memory.add_shadow_signatures(epoch, &party_id, count),
                    Entry::FirstRegistration { party_id, epoch } => {
                        memory.insert_first(party_id, epoch);
                    }
                }
                valid_len += line.len();
            }
            _ if !complete && number + 1 == lines.len() => torn = Some(valid_len),
            Ok(_) => unreachable!("a complete line is handled above"),
            Err(error) => {
                return Err(StoreError::Corrupt {
                    path: path.display().to_string(),
                    line: number + 1,
                    reason: error.to_string(),
                });
            }
        }
    }
    Ok((memory, torn))
}

#[cfg(feature = "serde")]
impl FileStore {
    /// Opens (or creates) the store at `path` to append to it, and loads its records. A last
    /// line cut short is refused ([`StoreError::TornTail`]): see [`Self::repair`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        let (memory, torn) = load(&path)?;
        if let Some(valid_len) = torn {
            return Err(StoreError::TornTail {
                path: path.display().to_string(),
                valid_len,
            });
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| StoreError::Io {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self {
            path,
            file,
            memory,
            poisoned: false,
        })
    }

    /// Reads the records at `path` for a report, without writing: a last line cut short is left
    /// out and left where it is (a writer may be completing it). A missing file has no records.
    pub fn snapshot(path: impl AsRef<Path>) -> Result<Snapshot, StoreError> {
        let (store, torn) = load(path.as_ref())?;
        Ok(Snapshot {
            store,
            torn_tail: torn.is_some(),
        })
    }

    /// Drops a last line cut short, when there is one; returns whether there was. Only the
    /// writer, once it knows nobody else writes the file, calls it.
    pub fn repair(path: impl AsRef<Path>) -> Result<bool, StoreError> {
        let path = path.as_ref();
        let (_, torn) = load(path)?;
        let Some(valid_len) = torn else {
            return Ok(false);
        };
        let io = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io)?;
        file.set_len(valid_len as u64).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(true)
    }

    fn io_error(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn append(&mut self, entry: &Entry) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(self.io_error(std::io::Error::other(
                "an earlier write failed and could not be undone: reopen the store",
            )));
        }
        let mut line = serde_json::to_vec(entry).expect("records always serialize");
        line.push(b'\n');
        let before = self
            .file
            .metadata()
            .map_err(|error| self.io_error(error))?
            .len();
        let written = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if let Err(error) = written {
            // A line cut short would be completed by the next record into a damaged line in
            // the middle of the file: take it back, or refuse every later write.
            if self
                .file
                .set_len(before)
                .and_then(|()| self.file.sync_data())
                .is_err()
            {
                self.poisoned = true;
            }
            return Err(self.io_error(error));
        }
        Ok(())
    }

    /// Rewrites the file with one line per record, atomically (see [`Self::replace_with`]).
    pub fn compact(&mut self) -> Result<(), StoreError> {
        self.replace_with(self.memory.clone())
    }

    /// Writes `memory` to a new file, flushed, and renames it over the store's file, then holds
    /// `memory` and appends to the new file through the handle that wrote it (a handle opened
    /// again could fail after the rename, and one to the old file would write where no reader
    /// looks). An error before the rename changes nothing (the new file is removed). Once the
    /// rename is done the store holds `memory` whatever follows; if the directory then cannot be
    /// flushed, the rename may not survive a crash, so the error is returned and later writes are
    /// refused until the store is opened again.
    fn replace_with(&mut self, memory: MemoryStore) -> Result<(), StoreError> {
        let temporary = self.path.with_extension("compacting");
        let mut out = Vec::new();
        for (party_id, epoch) in memory.first_registrations_forgotten() {
            let entry = Entry::FirstRegistration {
                party_id: party_id.clone(),
                epoch,
            };
            serde_json::to_writer(&mut out, &entry).expect("records always serialize");
            out.push(b'\n');
        }
        for records in memory.registrations.values() {
            for record in records.values() {
                serde_json::to_writer(&mut out, &Entry::Registration(record.clone()))
                    .expect("records always serialize");
                out.push(b'\n');
            }
        }
        for (epoch, parties) in &memory.signatures {
            for (party_id, count) in parties {
                let entry = Entry::Signatures {
                    epoch: *epoch,
                    party_id: party_id.clone(),
                    count: *count,
                };
                serde_json::to_writer(&mut out, &entry).expect("records always serialize");
                out.push(b'\n');
            }
        }
        for (epoch, parties) in &memory.shadow_signatures {
            for (party_id, count) in parties {
                let entry = Entry::ShadowSignatures {
                    epoch: *epoch,
                    party_id: party_id.clone(),
                    count: *count,
                };
                serde_json::to_writer(&mut out, &entry).expect("records always serialize");
                out.push(b'\n');
            }
        }
        // A file left by a compaction that crashed is never part of the store.
        let _ = std::fs::remove_file(&temporary);
        let written = (|| -> std::io::Result<std::fs::File> {
            let mut file = std::fs::OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(&temporary)?;
            file.write_all(&out)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &self.path)?;
            Ok(file)
        })();
        let file = match written {
            Ok(file) => file,
            Err(error) => {
                let _ = std::fs::remove_file(&temporary);
                return Err(self.io_error(error));
            }
        };
        self.file = file;
        self.memory = memory;
        if let Some(dir) = self.path.parent().filter(|dir| !dir.as_os_str().is_empty())
            && let Err(error) = std::fs::File::open(dir).and_then(|dir| dir.sync_all())
        {
            self.poisoned = true;
            return Err(self.io_error(error));
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
impl RecordStore for FileStore {
    fn put_registration(&mut self, record: RegistrationRecord) -> Result<(), StoreError> {
        self.append(&Entry::Registration(record.clone()))?;
        self.memory.insert_registration(record);
        Ok(())
    }

    fn put_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        self.append(&Entry::Signatures {
            epoch,
            party_id: party_id.clone(),
            count,
        })?;
        self.memory.add_signatures(epoch, party_id, count);
        Ok(())
    }

    fn put_shadow_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        self.append(&Entry::ShadowSignatures {
            epoch,
            party_id: party_id.clone(),
            count,
        })?;
        self.memory.add_shadow_signatures(epoch, party_id, count);
        Ok(())
    }

    fn registrations(&self, epoch: Epoch) -> Vec<RegistrationRecord> {
        self.memory.registrations(epoch)
    }

    fn signatures(&self, epoch: Epoch) -> BTreeMap<PartyId, u64> {
        self.memory.signatures(epoch)
    }

    fn shadow_signatures(&self, epoch: Epoch) -> BTreeMap<PartyId, u64> {
        self.memory.shadow_signatures(epoch)
    }

    fn first_registration(&self, party_id: &PartyId) -> Option<Epoch> {
        self.memory.first_registration(party_id)
    }

    fn epochs(&self) -> Vec<Epoch> {
        self.memory.epochs()
    }

    /// Forgets the records in memory and rewrites the file without them, atomically (as
    /// [`FileStore::compact`] does); the first registration of each party whose first
    /// registration is forgotten is written in their stead. On an error before the new file
    /// takes the old one's place, neither the file nor the records in memory change; after it,
    /// both hold the pruned records.
    fn prune_before(&mut self, epoch: Epoch) -> Result<Pruned, StoreError> {
        if self.poisoned {
            return Err(self.io_error(std::io::Error::other(
                "an earlier write failed and could not be undone: reopen the store",
            )));
        }
        let mut kept = self.memory.clone();
        let pruned = kept.prune(epoch);
        if pruned.is_empty() {
            return Ok(pruned);
        }
        self.replace_with(kept)?;
        Ok(pruned)
    }
}
