//! The SQLite record store: what goes in comes out, with the semantics of the memory store,
//! across a restart, and refusals that are typed errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mithril_compat::adoption::{
    MemoryStore, Provenance, RecordStore, RegistrationRecord, RegistrationWire, SqliteStore,
    StoreError, UnverifiedReason,
};
use mithril_compat::domain::{Epoch, EraName, PartyId, SoftwareVersion, Stake, WireVersionId};

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mithril-compat-sqlite-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn party(name: &str) -> PartyId {
    PartyId::new(name).unwrap()
}

fn version(text: &str) -> SoftwareVersion {
    SoftwareVersion::new(text).unwrap()
}

/// A record with every field set.
fn full_record(epoch: u64, name: &str) -> RegistrationRecord {
    RegistrationRecord {
        epoch: Epoch(epoch),
        party_id: party(name),
        stake: Stake(u64::MAX - 7),
        software_version: version("0.2.5+build.1"),
        wire: RegistrationWire::Protobuf(WireVersionId::new(2).unwrap()),
        supported_eras: vec![
            EraName::new("pythagoras").unwrap(),
            EraName::new("lagrange").unwrap(),
        ],
        distribution_version: Some(version("2543.0")),
        wire_versions: vec![
            WireVersionId::new(1).unwrap(),
            WireVersionId::new(2).unwrap(),
        ],
        database_version: Some(31),
        protocol_versions: vec![version("0.1.0"), version("0.2.0")],
        provenance: Provenance::Unverified(UnverifiedReason::WrongKesPeriod {
            declared: 3,
            signed_at: 4,
        }),
    }
}

/// The same writes on a memory store and on `store`.
fn fill(store: &mut impl RecordStore, memory: &mut MemoryStore) {
    let writes: Vec<RegistrationRecord> = vec![
        full_record(10, "pool1b"),
        RegistrationRecord::header_only(Epoch(10), party("pool1a"), Stake(5), version("0.2.1")),
        RegistrationRecord::header_only(Epoch(12), party("pool1a"), Stake(6), version("0.2.1")),
        RegistrationRecord {
            provenance: Provenance::Verified,
            ..full_record(11, "pool1c")
        },
        // Registers again at epoch 10 with another version: this one wins.
        RegistrationRecord::header_only(Epoch(10), party("pool1a"), Stake(7), version("0.2.2")),
        RegistrationRecord::header_only(Epoch(9), party("pool1b"), Stake(1), version("0.1.0")),
    ];
    for record in writes {
        store.put_registration(record.clone()).unwrap();
        memory.put_registration(record).unwrap();
    }
    for (epoch, name, count) in [
        (10, "pool1a", 2),
        (10, "pool1b", 1),
        (10, "pool1a", 3),
        (11, "pool1c", 0),
        (12, "pool1a", 4),
        (12, "pool1a", 1),
    ] {
        store
            .put_signatures(Epoch(epoch), &party(name), count)
            .unwrap();
        memory
            .put_signatures(Epoch(epoch), &party(name), count)
            .unwrap();
    }
}

/// Everything the trait can say about a store.
fn contents(store: &impl RecordStore) -> String {
    crate::common::store_contents(store, 8..=13, &["pool1a", "pool1b", "pool1c", "pool1z"])
}

#[test]
fn sqlite_store_keeps_what_the_memory_store_keeps_across_a_restart() {
    let dir = dir("roundtrip");
    let path = dir.join("records.sqlite3");
    let mut memory = MemoryStore::new();
    {
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SqliteStore::SCHEMA_VERSION);
        fill(&mut store, &mut memory);
        assert_eq!(contents(&store), contents(&memory));
        assert!(store.take_read_error().is_none());
    }
    // Reopened to write, and read-only: everything is there.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(contents(&store), contents(&memory));
    drop(store);
    let reader = SqliteStore::open_read_only(&path).unwrap();
    assert!(reader.is_read_only());
    assert_eq!(contents(&reader), contents(&memory));

    // Every field comes back; the last registration of a party in an epoch is the one kept.
    assert_eq!(
        reader.registrations(Epoch(11)),
        vec![RegistrationRecord {
            provenance: Provenance::Verified,
            ..full_record(11, "pool1c")
        }]
    );
    let epoch_10 = reader.registrations(Epoch(10));
    assert_eq!(epoch_10.len(), 2, "one per party");
    assert_eq!(epoch_10[0].software_version.as_str(), "0.2.2");
    assert_eq!(epoch_10[0].stake, Stake(7));
    assert_eq!(epoch_10[1], full_record(10, "pool1b"));
    // Signature counts add up.
    assert_eq!(
        reader.signatures(Epoch(10)),
        BTreeMap::from([(party("pool1a"), 5), (party("pool1b"), 1)])
    );
    assert_eq!(reader.signatures(Epoch(12))[&party("pool1a")], 5);
    assert_eq!(reader.first_registration(&party("pool1b")), Some(Epoch(9)));
    assert_eq!(
        reader.epochs(),
        vec![Epoch(9), Epoch(10), Epoch(11), Epoch(12)]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sqlite_store_columns_are_queryable_and_the_reader_never_writes() {
    let dir = dir("columns");
    let path = dir.join("records.sqlite3");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        store.put_registration(full_record(10, "pool1b")).unwrap();
        store
            .put_registrations(vec![
                RegistrationRecord::header_only(Epoch(10), party("pool1a"), Stake(5), version("1")),
                RegistrationRecord::header_only(Epoch(10), party("pool1a"), Stake(6), version("2")),
            ])
            .unwrap();
        // Counts saturate at the largest SQLite integer.
        store
            .put_signatures(Epoch(10), &party("pool1a"), u64::MAX)
            .unwrap();
        store
            .put_signatures(Epoch(10), &party("pool1a"), 1)
            .unwrap();
        assert_eq!(
            store.signatures(Epoch(10))[&party("pool1a")],
            i64::MAX as u64
        );
    }
    let before = std::fs::read(&path).unwrap();
    let mut reader = SqliteStore::open_read_only(&path).unwrap();
    assert_eq!(reader.registrations(Epoch(10)).len(), 2);
    assert!(matches!(
        reader.put_registration(full_record(11, "pool1b")),
        Err(StoreError::Sqlite { .. })
    ));
    assert!(matches!(
        reader.put_signatures(Epoch(11), &party("pool1b"), 1),
        Err(StoreError::Sqlite { .. })
    ));
    drop(reader);
    assert_eq!(std::fs::read(&path).unwrap(), before, "the reader wrote");

    // What another tool sees.
    let connection = rusqlite::Connection::open(&path).unwrap();
    let mode: String = connection
        .query_row("pragma journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let mut statement = connection
        .prepare(
            "select epoch, party_id, stake, software_version, wire, provenance \
             from registration order by party_id",
        )
        .unwrap();
    let rows: Vec<(i64, String, i64, String, String, String)> = statement
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            (
                10,
                "pool1a".into(),
                6,
                "2".into(),
                "json".into(),
                "header_only".into()
            ),
            (
                10,
                "pool1b".into(),
                i64::MAX,
                "0.2.5+build.1".into(),
                "v2".into(),
                "unverified".into()
            ),
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sqlite_store_refuses_what_it_cannot_read_with_typed_errors() {
    let dir = dir("refusals");

    // Garbage, and a JSON-lines records file: not a database.
    let garbage = dir.join("garbage.sqlite3");
    std::fs::write(&garbage, vec![0xa5; 8192]).unwrap();
    let jsonl = dir.join("records.jsonl");
    std::fs::write(&jsonl, b"{\"registration\":{}}\n".repeat(200)).unwrap();
    for path in [&garbage, &jsonl] {
        let before = std::fs::read(path).unwrap();
        assert!(
            matches!(
                SqliteStore::open(path),
                Err(StoreError::NotARecordsDatabase { .. })
            ),
            "{path:?}"
        );
        assert!(matches!(
            SqliteStore::open_read_only(path),
            Err(StoreError::NotARecordsDatabase { .. })
        ));
        assert_eq!(std::fs::read(path).unwrap(), before, "left as it was");
    }

    // Another application's database is neither migrated into nor read.
    let foreign = dir.join("monitoring.sqlite3");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("create table event (event_id integer primary key, content text);")
        .unwrap();
    let error = SqliteStore::open(&foreign).unwrap_err();
    assert!(
        matches!(error, StoreError::NotARecordsDatabase { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("another application"), "{error}");
    let tables: i64 = rusqlite::Connection::open(&foreign)
        .unwrap()
        .query_row("select count(*) from sqlite_schema", [], |row| row.get(0))
        .unwrap();
    assert_eq!(tables, 1, "nothing was added to it");

    // A schema newer than this build's.
    let newer = dir.join("newer.sqlite3");
    drop(SqliteStore::open(&newer).unwrap());
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", SqliteStore::SCHEMA_VERSION + 1)
        .unwrap();
    for result in [
        SqliteStore::open(&newer),
        SqliteStore::open_read_only(&newer),
    ] {
        match result {
            Err(StoreError::NewerSchema { found, known, .. }) => {
                assert_eq!(found, SqliteStore::SCHEMA_VERSION + 1);
                assert_eq!(known, SqliteStore::SCHEMA_VERSION);
            }
            other => panic!("{other:?}"),
        }
    }

    // A missing file: a writer creates it, a reader says so.
    let missing = dir.join("missing.sqlite3");
    assert!(matches!(
        SqliteStore::open_read_only(&missing),
        Err(StoreError::Io { .. })
    ));
    assert!(!missing.exists());
    drop(SqliteStore::open(&missing).unwrap());
    assert!(missing.exists());

    // A record damaged behind the store's back: the trait's reads answer nothing and keep the
    // error, the `try_` reads return it.
    let damaged = dir.join("damaged.sqlite3");
    let mut store = SqliteStore::open(&damaged).unwrap();
    store.put_registration(full_record(3, "pool1a")).unwrap();
    rusqlite::Connection::open(&damaged)
        .unwrap()
        .execute("update registration set record = '{not json'", [])
        .unwrap();
    assert!(store.registrations(Epoch(3)).is_empty());
    assert!(matches!(
        store.take_read_error(),
        Some(StoreError::Sqlite { message, .. }) if message.contains("not a record")
    ));
    assert!(store.take_read_error().is_none(), "taken");
    assert!(store.try_registrations(Epoch(3)).is_err());
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
