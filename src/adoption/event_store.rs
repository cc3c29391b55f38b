//! Import of a Mithril aggregator's monitoring event store (feature `sqlite`).
//!
//! An aggregator keeps a `monitoring.sqlite3` database (`mithril-aggregator/src/event_store/`):
//! table `event(event_id, created_at, source, action, content)`. Each registration it accepts
//! (and each one of an already registered signer) is an event of action `register_signer` whose
//! `content` is the JSON `{"content": <SignerWithStake>, "headers": {"signer-node-version":
//! "…", "epoch": "…"}}`, written by `EventMessage::signer_registration`. Its view
//! `signer_registration_summary` sums the stake per epoch and software version.
//!
//! [`import_event_store`] reads those events, without ever writing to the file, and records each
//! as a [`RegistrationRecord::header_only`], so that a report of ours agrees with upstream's
//! view:
//!
//! - **Epoch**: the `epoch` header, as the view takes it. It is the aggregator's current epoch
//!   when the event was written (`epoch_of_current_data`), not the epoch named in the
//!   registration, which the event does not keep: that one is the epoch after it (the
//!   aggregator's open registration round), under which a registration recorded as it arrives
//!   is filed ([`RegistrationRecord::epoch`]). The aggregator leaves the header out when it
//!   does not know its epoch (its epoch service failed, at startup); such an event takes the
//!   epoch of the latest earlier event that had one (the aggregator's epoch never goes back),
//!   and is counted in [`ImportSummary::epoch_from_previous_event`]; with no earlier one it is
//!   skipped ([`EventStoreSkip::MissingEpoch`]). The view puts those events under a `NULL`
//!   epoch, where no report can use them.
//! - **Software version**: the `signer-node-version` header without its `+build` suffix, as the
//!   view normalises it (`0.2.1+ef0c28a` is `0.2.1`): builds of one release are one version in
//!   a tally, as semantic versioning says build metadata does not make another version. An
//!   event without the header (a signer too old to send it, or a proxy that dropped it) is
//!   recorded with the version [`UNKNOWN_VERSION`] (`unknown`, the version the JSON wire gives
//!   a registration without the header), where the view shows a `NULL` version.
//! - **Which registration wins**: events are read in the view's order (`created_at`, then
//!   `event_id`), and the last registration of a party in an epoch wins, as in the view.
//!
//! A malformed event never stops the import: it is skipped and counted by reason
//! ([`EventStoreSkip`]). Events of other actions (metrics…) are counted and left alone. Importing
//! the same event store twice records the same thing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde_json::Value;

use super::store::{RecordStore, RegistrationRecord, StoreError};
use crate::domain::{Epoch, PartyId, SoftwareVersion, Stake};

/// The `action` of a registration event.
pub const REGISTER_SIGNER_ACTION: &str = "register_signer";

/// The software version of a registration event without a `signer-node-version` header: the
/// version the JSON wire gives a registration received without the header
/// (`wire::json::UNKNOWN_SOFTWARE_VERSION`).
pub const UNKNOWN_VERSION: &str = "unknown";

/// How many records are written in one call to [`RecordStore::put_registrations`].
const BATCH: usize = 1024;

/// Why a registration event was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum EventStoreSkip {
    /// `content` is not JSON (or is missing).
    InvalidJson,
    /// No `content.party_id`.
    MissingPartyId,
    /// `content.party_id` is not a party id (a string of visible ASCII, 1 to 128 bytes).
    InvalidPartyId,
    /// No `content.stake`.
    MissingStake,
    /// `content.stake` is not a whole number of lovelace (a non-negative 64-bit integer).
    InvalidStake,
    /// The `signer-node-version` header, without its build suffix, is not a software version
    /// (visible ASCII, 1 to 64 bytes).
    InvalidVersion,
    /// No `epoch` header, and no earlier event had one.
    MissingEpoch,
    /// The `epoch` header is not an epoch number.
    InvalidEpoch,
}

impl EventStoreSkip {
    /// The reason's name (`invalid_json`, `missing_party_id`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::MissingPartyId => "missing_party_id",
            Self::InvalidPartyId => "invalid_party_id",
            Self::MissingStake => "missing_stake",
            Self::InvalidStake => "invalid_stake",
            Self::InvalidVersion => "invalid_version",
            Self::MissingEpoch => "missing_epoch",
            Self::InvalidEpoch => "invalid_epoch",
        }
    }
}

impl fmt::Display for EventStoreSkip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Registration events read.
    pub events: u64,
    /// Registration events recorded (re-registrations included: the last one of a party in an
    /// epoch wins in the store).
    pub imported: u64,
    /// Registration events skipped, by reason.
    pub skipped: BTreeMap<EventStoreSkip, u64>,
    /// Events recorded without a `signer-node-version` header (as [`UNKNOWN_VERSION`]).
    pub without_version: u64,
    /// Events recorded with the epoch of an earlier event (they had no `epoch` header).
    pub epoch_from_previous_event: u64,
    /// Events of other actions, left alone.
    pub other_events: u64,
    /// The epochs of the recorded events.
    pub epochs: BTreeSet<Epoch>,
}

impl ImportSummary {
    /// Registration events skipped, whatever the reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    fn skip(&mut self, reason: EventStoreSkip) {
        *self.skipped.entry(reason).or_default() += 1;
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} registration events: {} imported, {} skipped; {} other events left alone",
            self.events,
            self.imported,
            self.skipped_total(),
            self.other_events
        )?;
        match (self.epochs.first(), self.epochs.last()) {
            (Some(first), Some(last)) => writeln!(
                f,
                "\nepochs {first} to {last} ({} with registrations)",
                self.epochs.len()
            )?,
            _ => writeln!(f, "\nno epoch")?,
        }
        if self.without_version > 0 {
            writeln!(
                f,
                "imported without a signer-node-version header (version {UNKNOWN_VERSION:?}): {}",
                self.without_version
            )?;
        }
        if self.epoch_from_previous_event > 0 {
            writeln!(
                f,
                "imported with the epoch of an earlier event (no epoch header): {}",
                self.epoch_from_previous_event
            )?;
        }
        for (reason, count) in &self.skipped {
            writeln!(f, "skipped, {reason}: {count}")?;
        }
        Ok(())
    }
}

/// Why an import failed (a malformed event is skipped, not a failure).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The event store file could not be read.
    #[error("event store {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not an aggregator's event store (not an SQLite database, or no `event`
    /// table).
    #[error("event store {path}: not an aggregator's event store: {reason}")]
    NotAnEventStore {
        /// The file.
        path: String,
        /// What is missing.
        reason: String,
    },
    /// SQLite failed while reading the events.
    #[error("event store {path}: {message}")]
    Sqlite {
        /// The file.
        path: String,
        /// What SQLite said.
        message: String,
    },
    /// The records could not be written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports the registration events of the aggregator's event store at `path` into `into`, as
/// header-only records (see the module documentation for the epoch and version each gets). The
/// file is opened read-only, and may be in use by the aggregator.
pub fn import_event_store(
    path: impl AsRef<Path>,
    into: &mut impl RecordStore,
) -> Result<ImportSummary, ImportError> {
    let path = path.as_ref();
    let connection = open(path)?;
    let on_error = |error| read_error(path, error);
    let mut summary = ImportSummary {
        other_events: connection
            .query_row(
                "select count(*) from event where action is not ?1",
                [REGISTER_SIGNER_ACTION],
                |row| row.get::<_, i64>(0),
            )
            .map_err(on_error)?
            .try_into()
            .unwrap_or_default(),
        ..ImportSummary::default()
    };
    let mut statement = connection
        .prepare(
            "select content from event where action = ?1 \
             order by created_at, event_id",
        )
        .map_err(on_error)?;
    let mut rows = statement
        .query([REGISTER_SIGNER_ACTION])
        .map_err(on_error)?;
    let mut last_epoch = None;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = rows.next().map_err(on_error)? {
        summary.events += 1;
        let content = match row.get_ref(0).map_err(on_error)? {
            ValueRef::Text(text) => serde_json::from_slice::<Value>(text).ok(),
            _ => None,
        };
        let Some(content) = content else {
            summary.skip(EventStoreSkip::InvalidJson);
            continue;
        };
        let event = match Event::read(&content, &mut last_epoch) {
            Ok(event) => event,
            Err(reason) => {
                summary.skip(reason);
                continue;
            }
        };
        summary.imported += 1;
        summary.without_version += u64::from(event.version.is_none());
        summary.epoch_from_previous_event += u64::from(event.epoch_inferred);
        summary.epochs.insert(event.epoch);
        let version = event.version.unwrap_or_else(|| {
            SoftwareVersion::new(UNKNOWN_VERSION).expect("a valid software version")
        });
        batch.push(RegistrationRecord::header_only(
            event.epoch,
            event.party_id,
            event.stake,
            version,
        ));
        if batch.len() == BATCH {
            into.put_registrations(std::mem::take(&mut batch))?;
        }
    }
    if !batch.is_empty() {
        into.put_registrations(batch)?;
    }
    Ok(summary)
}

/// What a registration event says.
struct Event {
    epoch: Epoch,
    epoch_inferred: bool,
    party_id: PartyId,
    stake: Stake,
    version: Option<SoftwareVersion>,
}

impl Event {
    /// Reads an event's content; `last_epoch` is the latest `epoch` header seen, updated here.
    fn read(content: &Value, last_epoch: &mut Option<Epoch>) -> Result<Self, EventStoreSkip> {
        let headers = content.get("headers");
        let header = |name: &str| headers.and_then(|headers| headers.get(name));
        let epoch = match header("epoch") {
            None | Some(Value::Null) => None,
            Some(value) => {
                let epoch = match value {
                    Value::String(text) => text.parse::<u64>().ok(),
                    Value::Number(number) => number.as_u64(),
                    _ => None,
                }
                .map(Epoch)
                .ok_or(EventStoreSkip::InvalidEpoch)?;
                *last_epoch = Some(epoch);
                Some(epoch)
            }
        };
        let signer = content.get("content");
        let field = |name: &str| signer.and_then(|signer| signer.get(name));
        let party_id = match field("party_id") {
            None | Some(Value::Null) => return Err(EventStoreSkip::MissingPartyId),
            Some(Value::String(text)) => {
                PartyId::new(text.as_str()).map_err(|_| EventStoreSkip::InvalidPartyId)?
            }
            Some(_) => return Err(EventStoreSkip::InvalidPartyId),
        };
        let stake = match field("stake") {
            None | Some(Value::Null) => return Err(EventStoreSkip::MissingStake),
            Some(value) => value
                .as_u64()
                .map(Stake)
                .ok_or(EventStoreSkip::InvalidStake)?,
        };
        let version = match header("signer-node-version") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(
                SoftwareVersion::new(without_build(text))
                    .map_err(|_| EventStoreSkip::InvalidVersion)?,
            ),
            Some(_) => return Err(EventStoreSkip::InvalidVersion),
        };
        let (epoch, epoch_inferred) = match (epoch, *last_epoch) {
            (Some(epoch), _) => (epoch, false),
            (None, Some(previous)) => (previous, true),
            (None, None) => return Err(EventStoreSkip::MissingEpoch),
        };
        Ok(Self {
            epoch,
            epoch_inferred,
            party_id,
            stake,
            version,
        })
    }
}

/// A version without its `+build` suffix: what comes before the first `+`, as upstream's view
/// cuts it.
fn without_build(version: &str) -> &str {
    version
        .split_once('+')
        .map_or(version, |(release, _)| release)
}

fn open(path: &Path) -> Result<Connection, ImportError> {
    let display = || path.display().to_string();
    std::fs::metadata(path).map_err(|source| ImportError::Io {
        path: display(),
        source,
    })?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection =
        Connection::open_with_flags(path, flags).map_err(|error| read_error(path, error))?;
    connection
        .busy_timeout(std::time::Duration::from_secs(5))
        .and_then(|()| connection.pragma_update(None, "query_only", true))
        .map_err(|error| read_error(path, error))?;
    let columns: Vec<String> = connection
        .prepare("select name from pragma_table_info('event')")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(|error| read_error(path, error))?;
    let missing: Vec<&str> = ["created_at", "action", "content"]
        .into_iter()
        .filter(|column| !columns.iter().any(|name| name == column))
        .collect();
    if columns.is_empty() {
        return Err(ImportError::NotAnEventStore {
            path: display(),
            reason: "no event table".to_owned(),
        });
    }
    if !missing.is_empty() {
        return Err(ImportError::NotAnEventStore {
            path: display(),
            reason: format!("the event table has no {} column", missing.join(", ")),
        });
    }
    Ok(connection)
}

fn read_error(path: &Path, error: rusqlite::Error) -> ImportError {
    let path = path.display().to_string();
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => ImportError::NotAnEventStore {
            path,
            reason: "not an SQLite database".to_owned(),
        },
        _ => ImportError::Sqlite {
            path,
            message: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_suffix_is_cut_as_upstream_cuts_it() {
        assert_eq!(without_build("0.2.1+ef0c28a"), "0.2.1");
        assert_eq!(without_build("0.2.1"), "0.2.1");
        assert_eq!(without_build("0.2.1+a+b"), "0.2.1");
        assert_eq!(without_build("+a"), "");
    }

    #[cfg(feature = "json")]
    #[test]
    fn the_unknown_version_is_the_json_wire_s() {
        assert_eq!(UNKNOWN_VERSION, crate::wire::json::UNKNOWN_SOFTWARE_VERSION);
    }
}
