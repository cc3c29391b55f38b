//! Writes `monitoring.sqlite3`: a small aggregator monitoring event store, built as an
//! aggregator builds its own.
//!
//! ```sh
//! cd tools/upstream-vectors && cargo run --release --bin monitoring_event_store -- \
//!     MITHRIL_REPOSITORY ../../tests/vectors/upstream
//! ```
//!
//! `MITHRIL_REPOSITORY` is a clone of IntersectMBO/mithril (a work tree or a bare repository):
//! the schema is upstream's own migration SQL, read from
//! `mithril-aggregator/src/event_store/database/migration.rs` at its `HEAD` with `git show` (the
//! raw string literals of the `SqlMigration::new(n, r#"…"#)` entries, in order), and applied as
//! `mithril-persistence`'s `DatabaseVersionChecker` applies migrations (a `db_version` table for
//! the `aggregator` application). The events are `register_signer` events whose `content` is
//! built as `EventMessage::signer_registration` and `InsertEventQuery::one` build it:
//! mithril-common's `SignerWithStake`, serialized with `serde_json`, inside
//! `{"content": …, "headers": {"signer-node-version": …, "epoch": …}}`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, ensure, Context};
use chrono::{DateTime, Utc};
use mithril_common::entities::SignerWithStake;
use mithril_common::test::double::fake_data;
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::{json, Value};

/// Where the migrations live in the Mithril repository.
const MIGRATION_FILE: &str = "mithril-aggregator/src/event_store/database/migration.rs";

/// The first instant of the fixture; event `i` is created `i` minutes later.
const START: i64 = 1_750_000_000;

/// The aggregator's `updated_at` of its `db_version` row (fixed, for a reproducible file).
const MIGRATED_AT: i64 = START - 3_600;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [repository, out_dir] = args.as_slice() else {
        bail!("usage: monitoring_event_store <mithril repository> <output folder>");
    };
    let (commit, source) = read_migration_file(Path::new(repository))?;
    let migrations = extract_migrations(&source)?;
    let out = PathBuf::from(out_dir).join("monitoring.sqlite3");
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = PathBuf::from(format!("{}{suffix}", out.display()));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error).with_context(|| format!("{}", file.display())),
        }
    }
    let connection = Connection::open(&out).with_context(|| format!("{}", out.display()))?;
    // `ConnectionOptions::EnableWriteAheadLog`, as the aggregator opens the file.
    connection.execute_batch("pragma journal_mode = wal; pragma synchronous = normal;")?;
    apply_migrations(&connection, &migrations)?;
    let events = events()?;
    for (index, event) in events.iter().enumerate() {
        connection.execute(
            "insert into event (source, action, content, created_at) values (?1, ?2, ?3, ?4)",
            params![
                event.source,
                event.action,
                event.content,
                created_at(index)?
            ],
        )?;
    }
    // A file that opens where it lies, read-only too: back to a rollback journal, the WAL
    // folded into the file.
    connection.execute_batch("pragma journal_mode = delete;")?;
    let summary = view_summary(&connection)?;
    drop(connection);
    eprintln!(
        "applied {} migrations of {MIGRATION_FILE} at {commit}, wrote {} events to {}",
        migrations.len(),
        events.len(),
        out.display()
    );
    eprintln!("signer_registration_summary (epoch, version, total, stake, ratio, pools):");
    for row in summary {
        eprintln!("  {row}");
    }
    Ok(())
}

/// The commit of the repository's `HEAD` and the migration file there.
fn read_migration_file(repository: &Path) -> anyhow::Result<(String, String)> {
    let git = |args: &[&str]| -> anyhow::Result<String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(repository)
            .args(args)
            .output()
            .context("cannot run git")?;
        ensure!(
            output.status.success(),
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).context("git printed something that is not UTF-8")
    };
    let commit = git(&["rev-parse", "HEAD"])?.trim().to_owned();
    let source = git(&["show", &format!("{commit}:{MIGRATION_FILE}")])?;
    Ok((commit, source))
}

/// One `SqlMigration::new(version, r#"…"#)` of upstream's list.
struct Migration {
    version: i64,
    sql: String,
}

/// The `SqlMigration::new(n, r#"…"#)` entries of the migration file, in order.
fn extract_migrations(source: &str) -> anyhow::Result<Vec<Migration>> {
    const CALL: &str = "SqlMigration::new(";
    let mut migrations = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find(CALL) {
        rest = rest[start + CALL.len()..].trim_start();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        ensure!(digits > 0, "a migration without a version number");
        let version: i64 = rest[..digits].parse()?;
        rest = rest[digits..].trim_start();
        rest = rest
            .strip_prefix(',')
            .context("no comma after a migration's version")?
            .trim_start();
        rest = rest
            .strip_prefix("r#\"")
            .with_context(|| format!("migration {version}: not a raw string literal"))?;
        let end = rest
            .find("\"#")
            .with_context(|| format!("migration {version}: unterminated raw string"))?;
        migrations.push(Migration {
            version,
            sql: rest[..end].to_owned(),
        });
        rest = &rest[end + 2..];
    }
    ensure!(!migrations.is_empty(), "no migration in {MIGRATION_FILE}");
    for (index, migration) in migrations.iter().enumerate() {
        ensure!(
            migration.version == index as i64 + 1,
            "migration {} is not number {}",
            migration.version,
            index + 1
        );
    }
    Ok(migrations)
}

/// `DatabaseVersionChecker::apply` of `mithril-persistence`: the `db_version` table, then each
/// migration and the version it brings.
fn apply_migrations(connection: &Connection, migrations: &[Migration]) -> anyhow::Result<()> {
    let migrated_at = rfc3339(MIGRATED_AT)?;
    connection.execute_batch(&format!(
        "create table db_version (application_type text not null primary key, version integer \
         not null, updated_at text not null);
insert into db_version (application_type, version, updated_at) values ('aggregator', 0, \
         '{migrated_at}');"
    ))?;
    for migration in migrations {
        connection
            .execute_batch(&migration.sql)
            .with_context(|| format!("migration {}", migration.version))?;
        connection.execute(
            "insert into db_version (application_type, version, updated_at) values (?, ?, ?) \
             on conflict (application_type) do update set version = excluded.version, \
             updated_at = excluded.updated_at",
            params!["aggregator", migration.version, migrated_at],
        )?;
    }
    Ok(())
}

/// An event as `InsertEventQuery::one` inserts it.
struct Event {
    source: String,
    action: String,
    content: Option<String>,
}

/// `EventMessage` (`mithril-aggregator/src/event_store/event.rs`), restated.
struct EventMessage {
    source: String,
    action: String,
    content: Value,
    headers: HashMap<String, String>,
}

impl EventMessage {
    /// `EventMessage::new`.
    fn new<T: Serialize>(
        source: &str,
        action: &str,
        content: &T,
        headers: Vec<(&str, &str)>,
    ) -> Self {
        Self {
            source: source.to_owned(),
            action: action.to_owned(),
            content: json!(content),
            headers: headers
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
        }
    }

    /// `EventMessage::signer_registration`.
    fn signer_registration(
        source: &str,
        signer_with_stake: &SignerWithStake,
        signer_node_version: Option<String>,
        epoch_str: &str,
    ) -> Self {
        let mut headers: Vec<(&str, &str)> = match signer_node_version.as_ref() {
            Some(version) => vec![("signer-node-version", version)],
            None => Vec::new(),
        };
        if !epoch_str.is_empty() {
            headers.push(("epoch", epoch_str));
        }
        Self::new(source, "register_signer", signer_with_stake, headers)
    }

    /// The row `InsertEventQuery::one` writes.
    fn into_event(self) -> anyhow::Result<Event> {
        Ok(Event {
            source: self.source,
            action: self.action,
            content: Some(serde_json::to_string(&json!({
                "content": self.content,
                "headers": self.headers,
            }))?),
        })
    }
}

/// `MetricEventMessage` (`mithril-aggregator/src/services/usage_reporter.rs`), restated.
#[derive(Serialize)]
struct MetricEventMessage {
    name: String,
    value: i64,
    period: Duration,
    origin: String,
    client_type: String,
    date: DateTime<Utc>,
}

/// The events, in the order they are written (one minute apart).
///
/// Six signers (mithril-common's `fake_data::signers_with_stakes`, certified pools) over four
/// epochs (the aggregator's current epoch in the `epoch` header): a rollout from 0.2.200 to
/// 0.2.205, with `+build` suffixes on some versions, one signer without the
/// `signer-node-version` header, one that registers twice in an epoch (the second time with the
/// newer version), one that skips an epoch; an event whose content is NULL (the only content
/// that is not JSON the table can hold: migration 2's index on
/// `date(json_extract(content, …))` refuses any other), one whose content is JSON but not a
/// signer, and a metrics event between them.
fn events() -> anyhow::Result<Vec<Event>> {
    let signers = fake_data::signers_with_stakes(6);
    const OLD: &str = "0.2.200+abc1234";
    const OLD_BARE: &str = "0.2.200";
    const NEW: &str = "0.2.205+def5678";
    const NEW_OTHER_BUILD: &str = "0.2.205+0a1b2c3";
    // (epoch, signer, stake, version); None: no `signer-node-version` header.
    let plan: Vec<(u64, usize, u64, Option<&str>)> = vec![
        (600, 0, 1_000_000, Some(OLD)),
        (600, 1, 2_000_000, Some(OLD)),
        (600, 2, 3_000_000, Some(OLD_BARE)),
        (600, 3, 500_000, Some(OLD)),
        (600, 4, 4_000_000, None),
        (600, 5, 1_500_000, Some(OLD)),
        (601, 0, 1_000_000, Some(NEW)),
        (601, 1, 2_100_000, Some(OLD)),
        (601, 2, 3_000_000, Some(OLD_BARE)),
        (601, 3, 500_000, Some(NEW_OTHER_BUILD)),
        (601, 4, 4_000_000, None),
        (601, 5, 1_400_000, Some(OLD)),
        (602, 0, 1_100_000, Some(NEW)),
        (602, 1, 2_100_000, Some(OLD)),
        (602, 2, 3_000_000, Some(NEW)),
        // Signer 3 skips epoch 602.
        (602, 4, 4_000_000, Some(OLD)),
        (602, 5, 1_400_000, Some(OLD)),
        // Signer 1 registers again in epoch 602, upgraded: this one wins.
        (602, 1, 2_100_000, Some(NEW)),
        (603, 0, 1_100_000, Some(NEW)),
        (603, 1, 2_200_000, Some(NEW)),
        (603, 2, 3_100_000, Some(NEW)),
        (603, 3, 600_000, Some("0.2.205")),
        (603, 4, 4_000_000, Some(NEW_OTHER_BUILD)),
        (603, 5, 1_400_000, Some(OLD)),
    ];
    let mut events = Vec::new();
    for (index, (epoch, signer, stake, version)) in plan.into_iter().enumerate() {
        let signer = SignerWithStake {
            stake,
            ..signers[signer].clone()
        };
        events.push(
            EventMessage::signer_registration(
                "HTTP::signer_register",
                &signer,
                version.map(str::to_owned),
                &epoch.to_string(),
            )
            .into_event()?,
        );
        match index {
            7 => events.push(Event {
                source: "HTTP::signer_register".to_owned(),
                action: "register_signer".to_owned(),
                content: None,
            }),
            11 => events.push(
                EventMessage::new(
                    "Metrics",
                    "mithril_aggregator_signer_registration_total_received_since_startup",
                    &MetricEventMessage {
                        name: "mithril_aggregator_signer_registration_total_received_since_startup"
                            .to_owned(),
                        value: 12,
                        period: Duration::from_secs(3_600),
                        origin: "SIGNER".to_owned(),
                        client_type: "UNKNOWN".to_owned(),
                        date: DateTime::from_timestamp(START + 12 * 60, 0)
                            .context("a valid instant")?,
                    },
                    vec![],
                )
                .into_event()?,
            ),
            15 => events.push(
                EventMessage::new(
                    "HTTP::signer_register",
                    "register_signer",
                    &"not a signer",
                    vec![],
                )
                .into_event()?,
            ),
            _ => {}
        }
    }
    Ok(events)
}

fn rfc3339(seconds: i64) -> anyhow::Result<String> {
    Ok(DateTime::from_timestamp(seconds, 0)
        .context("a valid instant")?
        .to_rfc3339())
}

/// `created_at` of the event at `index`: `Utc::now().to_rfc3339()` as the aggregator writes it,
/// at a fixed instant.
fn created_at(index: usize) -> anyhow::Result<String> {
    rfc3339(START + 60 * index as i64)
}

/// Upstream's `signer_registration_summary` view, as lines, for the log.
fn view_summary(connection: &Connection) -> anyhow::Result<Vec<String>> {
    let mut statement = connection.prepare(
        "select epoch, version, total_epoch_stakes, stakes_version, stakes_ratio, pool_count \
         from signer_registration_summary",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(format!(
            "{:?} {:?} {:?} {:?} {:?} {:?}",
            row.get::<_, Option<i64>>(0)?,
            row.get::<_, Option<String>>(1)?,
            row.get::<_, Option<i64>>(2)?,
            row.get::<_, Option<i64>>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, Option<i64>>(5)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
