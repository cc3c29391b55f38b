//! Import of an aggregator's monitoring event store: the fixture built by upstream's own
//! migrations (`tests/vectors/upstream/monitoring.sqlite3`, see `tools/upstream-vectors`),
//! checked against upstream's `signer_registration_summary` view, and every kind of malformed
//! event.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use mithril_compat::adoption::{
    EventStoreSkip, Exclusions, ImportError, MemoryStore, Provenance, RecordStore, SqliteStore,
    Tally, UNKNOWN_VERSION, import_event_store,
};
use mithril_compat::domain::{Epoch, PartyId, Stake};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/upstream/monitoring.sqlite3"
);

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mithril-compat-event-store-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the fixture (the import and the view may leave journal files beside it).
fn copy_fixture(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(FIXTURE, &path).unwrap();
    path
}

/// One row of upstream's view.
#[derive(Debug, PartialEq)]
struct ViewRow {
    epoch: Option<i64>,
    version: Option<String>,
    total_epoch_stakes: Option<i64>,
    stakes_version: Option<i64>,
    stakes_ratio: String,
    pool_count: i64,
}

fn view(path: &Path) -> Vec<ViewRow> {
    let connection = rusqlite::Connection::open(path).unwrap();
    let mut statement = connection
        .prepare(
            "select epoch, version, total_epoch_stakes, stakes_version, stakes_ratio, pool_count \
             from signer_registration_summary",
        )
        .unwrap();
    statement
        .query_map([], |row| {
            Ok(ViewRow {
                epoch: row.get(0)?,
                version: row.get(1)?,
                total_epoch_stakes: row.get(2)?,
                stakes_version: row.get(3)?,
                stakes_ratio: row.get(4)?,
                pool_count: row.get(5)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn event_store_import_agrees_with_upstream_s_view_epoch_by_epoch() {
    let dir = dir("fixture");
    let events = copy_fixture(&dir, "monitoring.sqlite3");
    let before = std::fs::read(&events).unwrap();
    let mut store = SqliteStore::open(dir.join("records.sqlite3")).unwrap();
    let summary = import_event_store(&events, &mut store).unwrap();
    assert_eq!(std::fs::read(&events).unwrap(), before, "the import wrote");

    // What the fixture holds (see tools/upstream-vectors/README.md).
    assert_eq!(summary.events, 26);
    assert_eq!(summary.imported, 24);
    assert_eq!(
        summary.skipped,
        BTreeMap::from([
            (EventStoreSkip::InvalidJson, 1),
            (EventStoreSkip::MissingPartyId, 1)
        ])
    );
    assert_eq!(summary.skipped_total(), 2);
    assert_eq!(summary.without_version, 2);
    assert_eq!(summary.epoch_from_previous_event, 0);
    assert_eq!(summary.other_events, 1, "the metrics event");
    assert_eq!(
        summary.epochs,
        BTreeSet::from([Epoch(600), Epoch(601), Epoch(602), Epoch(603)])
    );
    let text = summary.to_string();
    assert!(
        text.contains("26 registration events: 24 imported, 2 skipped"),
        "{text}"
    );
    assert!(text.contains("skipped, invalid_json: 1"), "{text}");

    // Upstream's view, on the same events.
    let rows = view(&events);
    let epochs: BTreeSet<i64> = rows.iter().filter_map(|row| row.epoch).collect();
    assert_eq!(epochs, BTreeSet::from([600, 601, 602, 603]));
    for epoch in epochs {
        let tally = Tally::compute(&store, Epoch(epoch as u64), &Exclusions::default()).unwrap();
        let upstream: Vec<&ViewRow> = rows.iter().filter(|row| row.epoch == Some(epoch)).collect();
        assert_eq!(
            tally.total_stake,
            upstream[0].total_epoch_stakes.unwrap() as u128,
            "epoch {epoch}"
        );
        let ours: BTreeMap<String, (u128, usize, String)> = tally
            .by_software_version
            .iter()
            .map(|(version, share)| {
                let ratio = format!("{:02} %", (share.share * 100.0).round() as u64);
                (version.clone(), (share.stake, share.signers, ratio))
            })
            .collect();
        let theirs: BTreeMap<String, (u128, usize, String)> = upstream
            .iter()
            .map(|row| {
                // The view has no version for an event without the header; we say "unknown".
                let version = row.version.clone().unwrap_or(UNKNOWN_VERSION.to_owned());
                let stake = row.stakes_version.unwrap() as u128;
                (
                    version,
                    (stake, row.pool_count as usize, row.stakes_ratio.clone()),
                )
            })
            .collect();
        assert_eq!(ours, theirs, "epoch {epoch}");
    }
    // The two malformed events are the view's row without an epoch, with no pool in it.
    let orphans: Vec<&ViewRow> = rows.iter().filter(|row| row.epoch.is_none()).collect();
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0].pool_count, 0);

    // The re-registration of epoch 602: the later, upgraded one is kept, once.
    let epoch_602 = store.registrations(Epoch(602));
    assert_eq!(epoch_602.len(), 5);
    let upgraded = epoch_602
        .iter()
        .find(|record| record.stake == Stake(2_100_000))
        .unwrap();
    assert_eq!(upgraded.software_version.as_str(), "0.2.205");
    assert!(
        epoch_602
            .iter()
            .all(|record| record.provenance == Provenance::HeaderOnly
                && record.supported_eras.is_empty())
    );

    // Importing again, or into memory, records the same.
    let again = import_event_store(&events, &mut store).unwrap();
    assert_eq!(again, summary);
    let mut memory = MemoryStore::new();
    import_event_store(&events, &mut memory).unwrap();
    for epoch in 599..=604 {
        assert_eq!(
            store.registrations(Epoch(epoch)),
            memory.registrations(Epoch(epoch))
        );
    }
    assert_eq!(store.epochs(), memory.epochs());
    assert!(store.take_read_error().is_none());
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn event_store_import_reads_a_live_wal_database() {
    let dir = dir("wal");
    let events = copy_fixture(&dir, "monitoring.sqlite3");
    // As a running aggregator keeps it: WAL mode, a writer connection open, an event in the log
    // not yet checkpointed.
    let writer = rusqlite::Connection::open(&events).unwrap();
    let mode: String = writer
        .query_row("pragma journal_mode = wal", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    writer
        .execute(
            "insert into event (source, action, content, created_at) values ('HTTP::signer_register', \
             'register_signer', '{\"content\":{\"party_id\":\"pool1late\",\"stake\":7},\"headers\":\
             {\"epoch\":\"603\",\"signer-node-version\":\"0.2.205+ffffff0\"}}', \
             '2099-01-01T00:00:00+00:00')",
            [],
        )
        .unwrap();
    let mut memory = MemoryStore::new();
    let summary = import_event_store(&events, &mut memory).unwrap();
    assert_eq!(summary.imported, 25);
    let late = memory
        .registrations(Epoch(603))
        .into_iter()
        .find(|record| record.party_id.as_str() == "pool1late")
        .unwrap();
    assert_eq!(late.software_version.as_str(), "0.2.205");
    drop(writer);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn event_store_import_counts_every_malformed_event_and_goes_on() {
    let dir = dir("malformed");
    let path = dir.join("monitoring.sqlite3");
    let connection = rusqlite::Connection::open(&path).unwrap();
    // Upstream's migration 1 alone: without migration 2's index on the JSON, any text fits.
    connection
        .execute_batch(
            "create table if not exists event (
                event_id integer primary key asc autoincrement,
                created_at text not null,
                source text not null,
                action text not null,
                content text nul null
            );",
        )
        .unwrap();
    let event = |at: u32, content: &str| {
        connection
            .execute(
                "insert into event (source, action, content, created_at) \
                 values ('HTTP::signer_register', 'register_signer', ?1, ?2)",
                rusqlite::params![content, format!("2025-01-01T00:{at:02}:00+00:00")],
            )
            .unwrap();
    };
    let signer = |party: &str, stake: &str, headers: &str| {
        format!(r#"{{"content":{{"party_id":{party},"stake":{stake}}},"headers":{{{headers}}}}}"#)
    };
    // Inserted out of order: the import reads them by `created_at`, as the view does.
    event(9, &signer(r#""pool1c""#, "3", r#""epoch":"7""#));
    event(
        0,
        &signer(r#""pool1a""#, "1", r#""signer-node-version":"0.2.1""#),
    );
    event(1, "not json {");
    event(2, r#"{"headers":{"epoch":"5"}}"#);
    event(3, &signer(r#""pool 1""#, "1", r#""epoch":"5""#));
    event(4, &signer("17", "1", r#""epoch":"5""#));
    event(
        5,
        r#"{"content":{"party_id":"pool1a"},"headers":{"epoch":"5"}}"#,
    );
    event(6, &signer(r#""pool1a""#, "-1", r#""epoch":"5""#));
    event(7, &signer(r#""pool1a""#, r#""12""#, r#""epoch":"5""#));
    event(
        8,
        &signer(
            r#""pool1a""#,
            "1",
            r#""epoch":"5","signer-node-version":"0.2 beta""#,
        ),
    );
    event(
        10,
        &signer(
            r#""pool1a""#,
            "1",
            r#""epoch":"5","signer-node-version":"+abc""#,
        ),
    );
    event(11, &signer(r#""pool1a""#, "1", r#""epoch":"five""#));
    event(
        12,
        &signer(
            r#""pool1a""#,
            "10",
            r#""epoch":"6","signer-node-version":"0.2.1+abc""#,
        ),
    );
    // No epoch header: the epoch of the event before (6).
    event(
        13,
        &signer(r#""pool1b""#, "20", r#""signer-node-version":"0.2.2""#),
    );
    connection
        .execute(
            "insert into event (source, action, content, created_at) \
             values ('Metrics', 'some_counter', '{}', '2025-01-01T00:14:00+00:00')",
            [],
        )
        .unwrap();
    connection
        .execute(
            "insert into event (source, action, content, created_at) \
             values ('HTTP::signer_register', 'register_signer', null, '2025-01-01T00:15:00+00:00')",
            [],
        )
        .unwrap();
    drop(connection);

    let mut store = MemoryStore::new();
    let summary = import_event_store(&path, &mut store).unwrap();
    assert_eq!(
        summary.skipped,
        BTreeMap::from([
            (EventStoreSkip::MissingEpoch, 1),
            (EventStoreSkip::InvalidJson, 2),
            (EventStoreSkip::MissingPartyId, 1),
            (EventStoreSkip::InvalidPartyId, 2),
            (EventStoreSkip::MissingStake, 1),
            (EventStoreSkip::InvalidStake, 2),
            (EventStoreSkip::InvalidVersion, 2),
            (EventStoreSkip::InvalidEpoch, 1),
        ])
    );
    assert_eq!(summary.events, 15);
    assert_eq!(summary.imported, 3);
    assert_eq!(summary.other_events, 1);
    assert_eq!(summary.epoch_from_previous_event, 1);
    assert_eq!(summary.without_version, 1);
    assert_eq!(summary.epochs, BTreeSet::from([Epoch(6), Epoch(7)]));
    let epoch_6 = store.registrations(Epoch(6));
    assert_eq!(
        epoch_6
            .iter()
            .map(|r| (r.party_id.as_str(), r.stake.0, r.software_version.as_str()))
            .collect::<Vec<_>>(),
        vec![("pool1a", 10, "0.2.1"), ("pool1b", 20, "0.2.2")]
    );
    assert_eq!(
        store.registrations(Epoch(7))[0].software_version.as_str(),
        UNKNOWN_VERSION
    );
    assert_eq!(
        store.first_registration(&PartyId::new("pool1c").unwrap()),
        Some(Epoch(7))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn event_store_import_refuses_what_is_not_an_event_store() {
    let dir = dir("refusals");
    let mut store = MemoryStore::new();
    assert!(matches!(
        import_event_store(dir.join("missing.sqlite3"), &mut store),
        Err(ImportError::Io { .. })
    ));
    let garbage = dir.join("garbage.sqlite3");
    std::fs::write(&garbage, vec![7u8; 4096]).unwrap();
    assert!(matches!(
        import_event_store(&garbage, &mut store),
        Err(ImportError::NotAnEventStore { .. })
    ));
    // Our own records database is not an event store.
    let records = dir.join("records.sqlite3");
    drop(SqliteStore::open(&records).unwrap());
    let error = import_event_store(&records, &mut store).unwrap_err();
    assert!(
        matches!(&error, ImportError::NotAnEventStore { reason, .. } if reason == "no event table"),
        "{error}"
    );
    assert!(store.epochs().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
