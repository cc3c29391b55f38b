//! Adoption records in an SQLite database (feature `sqlite`).
//!
//! The database is a single file that other tools can query (`sqlite3 records.sqlite3`). Its
//! schema:
//!
//! - `registration`: one row per party and epoch (the last registration wins), with the columns a
//!   query needs (`epoch`, `party_id`, `stake`, `software_version`, `wire`, `provenance`, the
//!   provenance class: `verified`, `unverified` or `header_only`) and the whole
//!   [`RegistrationRecord`] as JSON text in `record`, which is what the store reads back: a
//!   field added to the record later is kept without a migration.
//! - `signature`: the number of single signatures per party and epoch (counts add up).
//! - `shadow_signature`: the same for verified shadow signatures (schema version 2).
//! - `first_registration`: the first epoch each party registered at, kept when
//!   [`RecordStore::prune_before`] forgets its registrations (schema version 3).
//!
//! The schema version is SQLite's own `PRAGMA user_version`, and the file is marked as a records
//! database with `PRAGMA application_id` ([`SqliteStore::APPLICATION_ID`]). Both live in the
//! file's header: they are read before any table is touched (so a database of another
//! application, such as an aggregator's `monitoring.sqlite3` given by mistake, is refused
//! instead of being migrated into), they change in the same transaction as the migration that
//! moves them, and a read-only reader sees them without a table of its own. Migrations are an
//! ordered list applied at open, each in its own transaction; adding one is adding an entry to
//! that list.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior, params};

use super::store::{Pruned, RecordStore, RegistrationRecord, StoreError};
use crate::domain::{Epoch, PartyId};

/// One schema change, applied once, in order.
#[derive(Clone, Copy, Debug)]
struct Migration {
    /// The schema version the database has once it is applied (from 1, one more than the
    /// previous entry's).
    version: u32,
    /// The statements.
    sql: &'static str,
}

/// Every schema change this build knows, in order. A new one is appended here; a database at
/// an earlier version gets the missing ones when it is opened for writing.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: r#"
create table registration (
    epoch integer not null check (epoch >= 0),
    party_id text not null,
    stake integer not null,
    software_version text not null,
    wire text not null,
    provenance text not null,
    record text not null,
    primary key (epoch, party_id)
);
create index registration_party_id on registration (party_id, epoch);
create table signature (
    epoch integer not null check (epoch >= 0),
    party_id text not null,
    count integer not null check (count >= 0),
    primary key (epoch, party_id)
);
"#,
    },
    Migration {
        version: 2,
        // Shadow signatures: the next era's message, signed beside the current one.
        sql: r#"
create table shadow_signature (
    epoch integer not null check (epoch >= 0),
    party_id text not null,
    count integer not null check (count >= 0),
    primary key (epoch, party_id)
);
"#,
    },
    Migration {
        version: 3,
        // The first epoch of each party, kept apart so that pruning old registrations keeps it.
        sql: r#"
create table first_registration (
    party_id text primary key,
    epoch integer not null check (epoch >= 0)
);
insert into first_registration (party_id, epoch)
    select party_id, min(epoch) from registration group by party_id;
"#,
    },
];

/// The tables of signature counts.
#[derive(Clone, Copy)]
enum Counts {
    Signatures,
    ShadowSignatures,
}

impl Counts {
    const fn table(self) -> &'static str {
        match self {
            Self::Signatures => "signature",
            Self::ShadowSignatures => "shadow_signature",
        }
    }
}

/// How long a connection waits for another one's lock before failing (milliseconds).
const BUSY_TIMEOUT_MS: u64 = 5_000;

/// Adoption records in an SQLite database that survives a restart.
///
/// Same semantics as [`MemoryStore`](super::MemoryStore): the last registration of a party in an
/// epoch wins and is counted once, signature counts add up (saturating at `i64::MAX`, the
/// largest SQLite integer). Every write is one transaction, committed and flushed to the disk
/// (WAL journal, `synchronous = FULL`) before `put_*` returns, so an acknowledged record is never
/// lost; readers in other processes see committed records while the writer goes on.
///
/// The [`RecordStore`] read methods cannot fail; on a read error (the disk, a damaged file) they
/// answer as if nothing were recorded and keep the error for [`Self::take_read_error`]. The
/// `try_*` methods return it instead.
#[derive(Debug)]
pub struct SqliteStore {
    connection: Connection,
    path: PathBuf,
    read_only: bool,
    read_error: RefCell<Option<StoreError>>,
}

impl SqliteStore {
    /// The `PRAGMA application_id` of a records database: `MCAR` in ASCII (mithril-compat
    /// adoption records).
    pub const APPLICATION_ID: i32 = 0x4d43_4152;

    /// The schema version this build writes (the version of its last migration).
    pub const SCHEMA_VERSION: u32 = latest(MIGRATIONS);

    /// Opens the database at `path` to read and write it, creating the file when it is missing
    /// and bringing its schema to [`Self::SCHEMA_VERSION`].
    ///
    /// Refused: a file that is not an SQLite database, or is another application's
    /// ([`StoreError::NotARecordsDatabase`]); a schema newer than this build knows
    /// ([`StoreError::NewerSchema`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path.as_ref(), MIGRATIONS)
    }

    /// Opens the database at `path` for a report, without ever writing to it (the connection is
    /// read-only and `query_only`). A writer may be adding records at the same time.
    ///
    /// Refused, besides what [`Self::open`] refuses: a missing file ([`StoreError::Io`]), and a
    /// schema older than this build's, which only a writer can migrate.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_read_only_with(path.as_ref(), MIGRATIONS)
    }

    fn open_read_only_with(path: &Path, migrations: &[Migration]) -> Result<Self, StoreError> {
        std::fs::metadata(path).map_err(|source| StoreError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection =
            Connection::open_with_flags(path, flags).map_err(|error| sqlite_error(path, error))?;
        let store = Self::new(connection, path, true)?;
        store
            .connection
            .pragma_update(None, "query_only", true)
            .map_err(|error| sqlite_error(path, error))?;
        let version = store.check_identity(migrations)?;
        let known = latest(migrations);
        if version < known {
            return Err(StoreError::Sqlite {
                path: path.display().to_string(),
                message: format!(
                    "schema version {version} is older than this build's {known}: open it for \
                     writing once to migrate it"
                ),
            });
        }
        Ok(store)
    }

    fn open_with(path: &Path, migrations: &[Migration]) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(|error| sqlite_error(path, error))?;
        let mut store = Self::new(connection, path, false)?;
        store.check_identity(migrations)?;
        let on_error = |error| sqlite_error(path, error);
        let mode: String = store
            .connection
            .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
            .map_err(on_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Sqlite {
                path: path.display().to_string(),
                message: format!("the WAL journal mode is not available (journal mode {mode})"),
            });
        }
        store
            .connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(on_error)?;
        store.migrate(migrations)?;
        Ok(store)
    }

    fn new(connection: Connection, path: &Path, read_only: bool) -> Result<Self, StoreError> {
        connection
            .busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
            .map_err(|error| sqlite_error(path, error))?;
        Ok(Self {
            connection,
            path: path.to_owned(),
            read_only,
            read_error: RefCell::new(None),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the store was opened with [`Self::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The schema version of the database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.user_version()
    }

    /// The first read error the [`RecordStore`] read methods met since the last call, if any
    /// (they cannot return it: they answered as if nothing were recorded).
    pub fn take_read_error(&self) -> Option<StoreError> {
        self.read_error.borrow_mut().take()
    }

    fn error(&self, error: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, error)
    }

    fn corrupt(&self, message: String) -> StoreError {
        StoreError::Sqlite {
            path: self.path.display().to_string(),
            message,
        }
    }

    fn user_version(&self) -> Result<u32, StoreError> {
        let version: i64 = self
            .connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|error| self.error(error))?;
        u32::try_from(version).map_err(|_| self.corrupt(format!("schema version {version}")))
    }

    /// Checks that the file is a records database (or a new, empty one) whose schema this build
    /// knows; returns its schema version.
    fn check_identity(&self, migrations: &[Migration]) -> Result<u32, StoreError> {
        let not_records = |reason: String| StoreError::NotARecordsDatabase {
            path: self.path.display().to_string(),
            reason,
        };
        let application_id: i32 = self
            .connection
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .map_err(|error| self.error(error))?;
        let version = self.user_version()?;
        if application_id == 0 {
            let objects: i64 = self
                .connection
                .query_row("select count(*) from sqlite_schema", [], |row| row.get(0))
                .map_err(|error| self.error(error))?;
            if objects > 0 || version != 0 {
                return Err(not_records(format!(
                    "an SQLite database of another application ({objects} schema objects, \
                     no records application id)"
                )));
            }
            if self.read_only {
                return Err(not_records("an empty SQLite database".to_owned()));
            }
        } else if application_id != Self::APPLICATION_ID {
            return Err(not_records(format!(
                "an SQLite database of another application (application id {application_id:#x})"
            )));
        }
        let known = latest(migrations);
        if version > known {
            return Err(StoreError::NewerSchema {
                path: self.path.display().to_string(),
                found: version,
                known,
            });
        }
        Ok(version)
    }

    /// Applies the migrations the database does not have yet, each in its own transaction
    /// (another writer opening the file at the same time applies none twice).
    fn migrate(&mut self, migrations: &[Migration]) -> Result<(), StoreError> {
        for migration in migrations {
            let path = self.path.clone();
            let on_error = |error| sqlite_error(&path, error);
            let transaction = self
                .connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(on_error)?;
            let version: i64 = transaction
                .pragma_query_value(None, "user_version", |row| row.get(0))
                .map_err(on_error)?;
            if version >= i64::from(migration.version) {
                continue;
            }
            transaction.execute_batch(migration.sql).map_err(on_error)?;
            transaction
                .pragma_update(None, "user_version", migration.version)
                .map_err(on_error)?;
            transaction
                .pragma_update(None, "application_id", Self::APPLICATION_ID)
                .map_err(on_error)?;
            transaction.commit().map_err(on_error)?;
        }
        Ok(())
    }

    fn epoch_value(&self, epoch: Epoch) -> Result<i64, StoreError> {
        i64::try_from(epoch.0)
            .map_err(|_| self.corrupt(format!("epoch {epoch} is beyond what SQLite can hold")))
    }

    fn refuse_if_read_only(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(self.corrupt("opened read-only: nothing can be recorded".to_owned()));
        }
        Ok(())
    }

    /// Records registrations in one transaction: all of them, or none on an error. In order:
    /// of two registrations of a party in an epoch, the later one wins.
    pub fn put_registrations_atomically(
        &mut self,
        records: impl IntoIterator<Item = RegistrationRecord>,
    ) -> Result<(), StoreError> {
        self.refuse_if_read_only()?;
        let rows = records
            .into_iter()
            .map(|record| {
                let epoch = self.epoch_value(record.epoch)?;
                let json = serde_json::to_string(&record).expect("records always serialize");
                Ok((epoch, record, json))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write(|transaction, on_error| {
            let mut insert = transaction
                .prepare_cached(
                    "insert into registration \
                     (epoch, party_id, stake, software_version, wire, provenance, record) \
                     values (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     on conflict (epoch, party_id) do update set \
                     stake = excluded.stake, software_version = excluded.software_version, \
                     wire = excluded.wire, provenance = excluded.provenance, \
                     record = excluded.record",
                )
                .map_err(on_error)?;
            let mut first = transaction
                .prepare_cached(
                    "insert into first_registration (party_id, epoch) values (?1, ?2) \
                     on conflict (party_id) do update set epoch = min(epoch, excluded.epoch)",
                )
                .map_err(on_error)?;
            for (epoch, record, json) in &rows {
                first
                    .execute(params![record.party_id.as_str(), epoch])
                    .map_err(on_error)?;
                insert
                    .execute(params![
                        epoch,
                        record.party_id.as_str(),
                        // The column is for queries and saturates; the record keeps the value.
                        i64::try_from(record.stake.0).unwrap_or(i64::MAX),
                        record.software_version.as_str(),
                        record.wire.to_string(),
                        record.provenance.class().name(),
                        json,
                    ])
                    .map_err(on_error)?;
            }
            Ok(())
        })
    }

    /// The registrations made at an epoch, one per party, by party id.
    pub fn try_registrations(&self, epoch: Epoch) -> Result<Vec<RegistrationRecord>, StoreError> {
        let epoch_value = self.epoch_value(epoch)?;
        let mut statement = self
            .connection
            .prepare_cached(
                "select party_id, record from registration where epoch = ?1 order by party_id",
            )
            .map_err(|error| self.error(error))?;
        let rows = statement
            .query_map([epoch_value], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(|error| self.error(error))?;
        let mut records = Vec::new();
        for row in rows {
            let (party_id, json) = row.map_err(|error| self.error(error))?;
            let record: RegistrationRecord = serde_json::from_str(&json).map_err(|error| {
                self.corrupt(format!(
                    "the registration of {party_id} at epoch {epoch} is not a record: {error}"
                ))
            })?;
            if record.epoch != epoch || record.party_id.as_str() != party_id {
                return Err(self.corrupt(format!(
                    "the registration of {party_id} at epoch {epoch} holds the record of {} at \
                     epoch {}",
                    record.party_id, record.epoch
                )));
            }
            records.push(record);
        }
        Ok(records)
    }

    /// The signatures received during an epoch, by party.
    pub fn try_signatures(&self, epoch: Epoch) -> Result<BTreeMap<PartyId, u64>, StoreError> {
        self.try_counts(Counts::Signatures, epoch)
    }

    /// The verified shadow signatures received during an epoch, by party.
    pub fn try_shadow_signatures(
        &self,
        epoch: Epoch,
    ) -> Result<BTreeMap<PartyId, u64>, StoreError> {
        self.try_counts(Counts::ShadowSignatures, epoch)
    }

    fn try_counts(
        &self,
        counts: Counts,
        epoch: Epoch,
    ) -> Result<BTreeMap<PartyId, u64>, StoreError> {
        let table = counts.table();
        let epoch_value = self.epoch_value(epoch)?;
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "select party_id, count from {table} where epoch = ?1"
            ))
            .map_err(|error| self.error(error))?;
        let rows = statement
            .query_map([epoch_value], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(|error| self.error(error))?;
        let mut signatures = BTreeMap::new();
        for row in rows {
            let (party_id, count) = row.map_err(|error| self.error(error))?;
            let party = PartyId::new(party_id.as_str()).map_err(|error| {
                self.corrupt(format!(
                    "{table} at epoch {epoch}: party id {party_id:?}: {error}"
                ))
            })?;
            let count = u64::try_from(count).map_err(|_| {
                self.corrupt(format!(
                    "{table} of {party_id} at epoch {epoch}: count {count}"
                ))
            })?;
            signatures.insert(party, count);
        }
        Ok(signatures)
    }

    /// Adds `count` to a party's count of an epoch, in one transaction (saturating at SQLite's
    /// largest integer).
    fn add_count(
        &mut self,
        counts: Counts,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        let table = counts.table();
        let epoch = self.epoch_value(epoch)?;
        self.write(|transaction, on_error| {
            transaction
                .prepare_cached(&format!(
                    "insert into {table} (epoch, party_id, count) values (?1, ?2, ?3) \
                 on conflict (epoch, party_id) do update set count = case \
                 when count > 9223372036854775807 - excluded.count then 9223372036854775807 \
                 else count + excluded.count end"
                ))
                .and_then(|mut statement| {
                    statement.execute(params![
                        epoch,
                        party_id.as_str(),
                        i64::try_from(count).unwrap_or(i64::MAX)
                    ])
                })
                .map_err(on_error)?;
            Ok(())
        })
    }

    /// Runs `writes` in one immediate transaction, committed when they succeed (refused on a
    /// read-only store).
    fn write<T>(
        &mut self,
        writes: impl FnOnce(
            &rusqlite::Transaction<'_>,
            &dyn Fn(rusqlite::Error) -> StoreError,
        ) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.refuse_if_read_only()?;
        let path = self.path.clone();
        let on_error = |error| sqlite_error(&path, error);
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on_error)?;
        let written = writes(&transaction, &on_error)?;
        transaction.commit().map_err(on_error)?;
        Ok(written)
    }

    /// The first epoch a party registered at (kept when its registrations are pruned). The
    /// registrations are read too: a writer of an earlier build that still has the database
    /// open after another process migrated it records registrations without their first epoch.
    pub fn try_first_registration(&self, party_id: &PartyId) -> Result<Option<Epoch>, StoreError> {
        // `min` of no row is one row with NULL.
        let first: Option<i64> = self
            .connection
            .prepare_cached(
                "select min(epoch) from (select epoch from first_registration where party_id = ?1 \
                 union all select epoch from registration where party_id = ?1)",
            )
            .and_then(|mut statement| statement.query_row([party_id.as_str()], |row| row.get(0)))
            .map_err(|error| self.error(error))?;
        first.map(|epoch| self.epoch_from(epoch)).transpose()
    }

    /// [`RecordStore::prune_before`]: one transaction, all or nothing.
    pub fn try_prune_before(&mut self, epoch: Epoch) -> Result<Pruned, StoreError> {
        let epoch = self.epoch_value(epoch)?;
        self.write(|transaction, on_error| {
            let forget = |table: &str| -> Result<u64, StoreError> {
                let deleted = transaction
                    .prepare_cached(&format!("delete from {table} where epoch < ?1"))
                    .and_then(|mut statement| statement.execute([epoch]))
                    .map_err(on_error)?;
                Ok(deleted as u64)
            };
            Ok(Pruned {
                registrations: forget("registration")?,
                signatures: forget(Counts::Signatures.table())?,
                shadow_signatures: forget(Counts::ShadowSignatures.table())?,
            })
        })
    }

    /// The epochs with at least one registration, in order.
    pub fn try_epochs(&self) -> Result<Vec<Epoch>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("select distinct epoch from registration order by epoch")
            .map_err(|error| self.error(error))?;
        let rows = statement
            .query_map([], |row| row.get::<_, i64>(0))
            .map_err(|error| self.error(error))?;
        rows.map(|row| {
            row.map_err(|error| self.error(error))
                .and_then(|epoch| self.epoch_from(epoch))
        })
        .collect()
    }

    fn epoch_from(&self, value: i64) -> Result<Epoch, StoreError> {
        u64::try_from(value)
            .map(Epoch)
            .map_err(|_| self.corrupt(format!("epoch {value}")))
    }

    /// Answers a read of the [`RecordStore`] trait: the value, or the default with the error
    /// kept for [`Self::take_read_error`].
    fn answer<T: Default>(&self, result: Result<T, StoreError>) -> T {
        result.unwrap_or_else(|error| {
            self.read_error.borrow_mut().get_or_insert(error);
            T::default()
        })
    }
}

impl RecordStore for SqliteStore {
    fn put_registration(&mut self, record: RegistrationRecord) -> Result<(), StoreError> {
        self.put_registrations_atomically([record])
    }

    /// One transaction for all of them.
    fn put_registrations(&mut self, records: Vec<RegistrationRecord>) -> Result<(), StoreError> {
        self.put_registrations_atomically(records)
    }

    fn put_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        self.add_count(Counts::Signatures, epoch, party_id, count)
    }

    fn put_shadow_signatures(
        &mut self,
        epoch: Epoch,
        party_id: &PartyId,
        count: u64,
    ) -> Result<(), StoreError> {
        self.add_count(Counts::ShadowSignatures, epoch, party_id, count)
    }

    fn registrations(&self, epoch: Epoch) -> Vec<RegistrationRecord> {
        self.answer(self.try_registrations(epoch))
    }

    fn signatures(&self, epoch: Epoch) -> BTreeMap<PartyId, u64> {
        self.answer(self.try_signatures(epoch))
    }

    fn shadow_signatures(&self, epoch: Epoch) -> BTreeMap<PartyId, u64> {
        self.answer(self.try_shadow_signatures(epoch))
    }

    fn first_registration(&self, party_id: &PartyId) -> Option<Epoch> {
        self.answer(self.try_first_registration(party_id))
    }

    fn epochs(&self) -> Vec<Epoch> {
        self.answer(self.try_epochs())
    }

    fn prune_before(&mut self, epoch: Epoch) -> Result<Pruned, StoreError> {
        self.try_prune_before(epoch)
    }
}

/// The version of the last migration (0 for none).
const fn latest(migrations: &[Migration]) -> u32 {
    match migrations.last() {
        Some(migration) => migration.version,
        None => 0,
    }
}

/// An SQLite failure as a store error: a file that is not a database is
/// [`StoreError::NotARecordsDatabase`].
fn sqlite_error(path: &Path, error: rusqlite::Error) -> StoreError {
    let path = path.display().to_string();
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotARecordsDatabase {
            path,
            reason: "not an SQLite database".to_owned(),
        },
        _ => StoreError::Sqlite {
            path,
            message: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SoftwareVersion, Stake};

    /// A migration this build does not have.
    const MIGRATION_4: Migration = Migration {
        version: 4,
        sql: "create table note (epoch integer not null, text text not null);",
    };

    fn record(epoch: u64, party: &str) -> RegistrationRecord {
        RegistrationRecord::header_only(
            Epoch(epoch),
            PartyId::new(party).unwrap(),
            Stake(10),
            SoftwareVersion::new("0.2.1").unwrap(),
        )
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "mithril-compat-sqlite-unit-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("records.sqlite3")
    }

    #[test]
    fn the_migration_list_is_numbered_from_one_without_gaps() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1);
        }
        assert_eq!(SqliteStore::SCHEMA_VERSION, 3);
    }

    #[test]
    fn a_database_at_version_1_is_migrated_when_a_later_version_exists() {
        let path = temp("migrate");
        {
            let mut store = SqliteStore::open_with(&path, &MIGRATIONS[..1]).unwrap();
            // Rows as a build of schema version 1 wrote them (it had no first_registration).
            for epoch in [9u32, 7] {
                let record = record(epoch.into(), "pool1a");
                store
                    .connection
                    .execute(
                        "insert into registration values (?1, ?2, 10, '0.2.1', 'v2', \
                         'header_only', ?3)",
                        params![epoch, "pool1a", serde_json::to_string(&record).unwrap()],
                    )
                    .unwrap();
            }
            store
                .put_signatures(Epoch(7), &PartyId::new("pool1a").unwrap(), 3)
                .unwrap();
            assert_eq!(store.schema_version().unwrap(), 1);
        }
        let with_four = [MIGRATIONS[0], MIGRATIONS[1], MIGRATIONS[2], MIGRATION_4];
        let mut store = SqliteStore::open_with(&path, &with_four).unwrap();
        assert_eq!(store.schema_version().unwrap(), 4);
        // Migration 3 found the first registration among those of version 1.
        assert_eq!(
            store.first_registration(&PartyId::new("pool1a").unwrap()),
            Some(Epoch(7))
        );
        // A writer of an earlier build, still holding the database open, records a
        // registration without its first epoch: the registrations still say it.
        store
            .connection
            .execute(
                "insert into registration values (5, 'pool1b', 10, '0.2.1', 'v2', \
                 'header_only', ?1)",
                [serde_json::to_string(&record(5, "pool1b")).unwrap()],
            )
            .unwrap();
        assert_eq!(
            store.first_registration(&PartyId::new("pool1b").unwrap()),
            Some(Epoch(5))
        );
        // Migration 2 (shadow signatures) was applied on the way.
        store
            .put_shadow_signatures(Epoch(7), &PartyId::new("pool1a").unwrap(), 2)
            .unwrap();
        store
            .connection
            .execute("insert into note values (7, 'migrated')", [])
            .unwrap();
        assert_eq!(store.registrations(Epoch(7)), vec![record(7, "pool1a")]);
        assert_eq!(
            store.signatures(Epoch(7)),
            BTreeMap::from([(PartyId::new("pool1a").unwrap(), 3)])
        );
        drop(store);
        // Opened again: nothing applied twice.
        let again = SqliteStore::open_with(&path, &with_four).unwrap();
        assert_eq!(again.schema_version().unwrap(), 4);
        assert_eq!(
            again.shadow_signatures(Epoch(7)),
            BTreeMap::from([(PartyId::new("pool1a").unwrap(), 2)])
        );
        drop(again);
        // This build (version 3) refuses it now.
        match SqliteStore::open(&path) {
            Err(StoreError::NewerSchema { found, known, .. }) => {
                assert_eq!((found, known), (4, 3));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            SqliteStore::open_read_only(&path),
            Err(StoreError::NewerSchema { .. })
        ));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_reader_refuses_a_schema_older_than_its_own_and_an_empty_file() {
        let path = temp("older");
        drop(SqliteStore::open_with(&path, &MIGRATIONS[..1]).unwrap());
        match SqliteStore::open_read_only(&path) {
            Err(StoreError::Sqlite { message, .. }) => {
                assert!(message.contains("older than this build's 3"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // An empty file: a writer would create the schema, a reader has nothing to read.
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(
            SqliteStore::open_read_only(&path),
            Err(StoreError::NotARecordsDatabase { .. })
        ));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
