//! `mithril-compat quorum` and `mithril-compat adoption report`, run as a release engineer runs
//! them.

use std::process::{Command, Output};

use mithril_compat::adoption::{
    FileStore, Provenance, RecordStore, RegistrationRecord, RegistrationWire,
};
use mithril_compat::domain::{Epoch, EraName, PartyId, SoftwareVersion, Stake, WireVersionId};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn quorum_answers_both_questions_and_refuses_bad_parameters() {
    let odds = run(&["quorum", "--stake-share", "0.8"]);
    assert!(odds.status.success());
    let text = String::from_utf8(odds.stdout).unwrap();
    assert!(
        text.contains("k=1944 m=16948 phi_f=0.2 stake share 0.8: P(certificate) = 1 - "),
        "{text}"
    );

    let share = run(&[
        "quorum",
        "--k",
        "1944",
        "--m",
        "16948",
        "--phi-f",
        "0.2",
        "--max-failure",
        "1e-9",
    ]);
    let text = String::from_utf8(share.stdout).unwrap();
    assert!(text.contains("a stake share of at least 0.62"), "{text}");

    let bad = run(&["quorum", "--k", "10", "--m", "5", "--stake-share", "0.5"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid protocol parameters: k"));
    let nan = run(&["quorum", "--stake-share", "NaN"]);
    assert_eq!(nan.status.code(), Some(1));
    assert_eq!(
        run(&["quorum"]).status.code(),
        Some(2),
        "one question is required"
    );
}

#[test]
fn adoption_report_reads_the_records_file() {
    let dir = std::env::temp_dir().join(format!("cli-adoption-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("records.jsonl");
    {
        let mut store = FileStore::open(&path).unwrap();
        for (index, eras) in [
            (0, vec!["pythagoras"]),
            (1, vec!["pythagoras", "lagrange"]),
            (2, vec!["pythagoras", "lagrange"]),
        ] {
            let party = PartyId::new(format!("pool{index}")).unwrap();
            store
                .put_registration(RegistrationRecord {
                    epoch: Epoch(7),
                    party_id: party.clone(),
                    stake: Stake(100),
                    software_version: SoftwareVersion::new(if index == 0 {
                        "0.1.0"
                    } else {
                        "0.2.0"
                    })
                    .unwrap(),
                    wire: RegistrationWire::Protobuf(
                        WireVersionId::new(if index == 0 { 1 } else { 2 }).unwrap(),
                    ),
                    supported_eras: eras.into_iter().map(|e| EraName::new(e).unwrap()).collect(),
                    distribution_version: None,
                    wire_versions: Vec::new(),
                    database_version: None,
                    protocol_versions: Vec::new(),
                    provenance: Provenance::Verified,
                })
                .unwrap();
            store.put_signatures(Epoch(7), &party, 1).unwrap();
        }
    }
    let records = path.to_str().unwrap();
    let table = run(&[
        "adoption",
        "report",
        "--records",
        records,
        "--epoch",
        "7",
        "--k",
        "5",
        "--m",
        "50",
        "--phi-f",
        "0.5",
    ]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("adoption at epoch 7: 3 signers"), "{text}");
    assert!(
        text.contains(
            "era lagrange: declared 66.7% (0.0% not counted for its provenance), ready 66.7%"
        ),
        "{text}"
    );

    let json = run(&[
        "adoption",
        "report",
        "--records",
        records,
        "--epoch",
        "7",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["tally"]["by_wire"]["v2"]["signers"], 2);

    let metrics = run(&[
        "adoption",
        "report",
        "--records",
        records,
        "--epoch",
        "7",
        "--prometheus",
    ]);
    assert!(
        String::from_utf8(metrics.stdout)
            .unwrap()
            .contains("mithril_compat_adoption_ready_stake_share{era=\"lagrange\"}")
    );

    // Finding 6, reproduced: a writer is halfway through a line while a report runs. The report
    // leaves the file byte-identical, and once the writer completes the line the file reads.
    let complete = std::fs::read(&path).unwrap();
    let next = format!(
        "{}\n",
        std::str::from_utf8(&complete)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .replace("pool0", "pool9")
    );
    let (head, tail) = next.as_bytes().split_at(40);
    std::fs::write(&path, [complete.as_slice(), head].concat()).unwrap();
    let during = std::fs::read(&path).unwrap();
    let report = run(&["adoption", "report", "--records", records, "--epoch", "7"]);
    assert!(report.status.success(), "{report:?}");
    assert!(
        String::from_utf8_lossy(&report.stderr).contains("the last line is incomplete"),
        "{report:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        during,
        "the report wrote to the file"
    );
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, tail).unwrap();
    drop(file);
    let after = run(&["adoption", "report", "--records", records, "--epoch", "7"]);
    let text = String::from_utf8(after.stdout).unwrap();
    assert!(text.contains("adoption at epoch 7: 4 signers"), "{text}");

    let missing = run(&["adoption", "report", "--records", records, "--epoch", "8"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("no registration is recorded for epoch 8")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cli-adoption-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn adoption_import_reads_an_aggregator_event_store_and_report_reads_the_database() {
    let dir = temp_dir("import");
    let events = dir.join("monitoring.sqlite3");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/upstream/monitoring.sqlite3"
        ),
        &events,
    )
    .unwrap();
    let records = dir.join("records.sqlite3");
    let (events, records) = (events.to_str().unwrap(), records.to_str().unwrap());
    let import = run(&[
        "adoption",
        "import",
        "--event-store",
        events,
        "--records",
        records,
    ]);
    assert!(import.status.success(), "{import:?}");
    let text = String::from_utf8(import.stdout).unwrap();
    assert!(
        text.contains("26 registration events: 24 imported, 2 skipped; 1 other events"),
        "{text}"
    );
    assert!(
        text.contains("epochs 600 to 603 (4 with registrations)"),
        "{text}"
    );
    assert!(text.contains("skipped, missing_party_id: 1"), "{text}");

    // The report reads the database (told from a JSON-lines file by its first bytes).
    let table = run(&["adoption", "report", "--records", records, "--epoch", "602"]);
    assert!(table.status.success(), "{table:?}");
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("adoption at epoch 602: 5 signers, 11600000 lovelace registered"),
        "{text}"
    );
    let json = run(&[
        "adoption",
        "report",
        "--records",
        records,
        "--epoch",
        "601",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let versions = &value["tally"]["by_software_version"];
    assert_eq!(versions["0.2.205"]["stake"], 1_500_000);
    assert_eq!(versions["0.2.200"]["stake"], 6_500_000);
    assert_eq!(versions["unknown"]["stake"], 4_000_000);

    // Nothing to repair in a database; the event store is not a records database.
    let repair = run(&["adoption", "repair", "--records", records]);
    assert!(
        String::from_utf8_lossy(&repair.stdout).contains("nothing to repair"),
        "{repair:?}"
    );

    // Pruning the epochs before 601 leaves the report of 602 (which reads the signatures of
    // 601 and 602) as it was, and forgets epoch 600.
    let pruned = run(&["adoption", "prune", "--records", records, "--before", "601"]);
    assert!(pruned.status.success(), "{pruned:?}");
    let said = String::from_utf8(pruned.stdout).unwrap();
    assert!(
        said.contains("forgot ") && said.contains(" registrations, "),
        "{said}"
    );
    assert!(!said.contains("forgot 0 registrations"), "{said}");
    let again = run(&["adoption", "report", "--records", records, "--epoch", "602"]);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), text);
    let forgotten = run(&["adoption", "report", "--records", records, "--epoch", "600"]);
    assert_eq!(forgotten.status.code(), Some(1), "{forgotten:?}");
    assert!(
        String::from_utf8_lossy(&forgotten.stderr)
            .contains("no registration is recorded for epoch 600"),
        "{forgotten:?}"
    );
    let missing = run(&[
        "adoption",
        "prune",
        "--records",
        dir.join("missing.sqlite3").to_str().unwrap(),
        "--before",
        "1",
    ]);
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");

    let wrong = run(&["adoption", "report", "--records", events, "--epoch", "602"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("not a records database"),
        "{wrong:?}"
    );
    let wrong = run(&[
        "adoption",
        "import",
        "--event-store",
        records,
        "--records",
        dir.join("other.sqlite3").to_str().unwrap(),
    ]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("not an aggregator's event store"),
        "{wrong:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_keeps_its_records_in_sqlite_for_a_report_while_it_runs() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = temp_dir("serve");
    let records = dir.join("records.sqlite3");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--epoch",
            "7",
            "--records",
        ])
        .arg(&records)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut address, mut http) = (None, None);
    while address.is_none() || http.is_none() {
        let line = lines.next().unwrap().unwrap();
        if let Some((_, rest)) = line.split_once("gRPC on ") {
            address = Some(format!("http://{}", rest.split_once(": ").unwrap().0));
        } else if let Some((_, rest)) = line.split_once("HTTP on ") {
            let base = rest.split_once(": ").unwrap().0;
            http = Some(base.trim_end_matches("/aggregator").to_owned());
        }
    }
    let (address, http) = (address.unwrap(), http.unwrap());
    let mut registration = mithril_compat::samples::signer_registration();
    registration.epoch = Epoch(7);
    let client = mithril_compat::transport::grpc::SignerClient::connect(
        address,
        &registration.node_info,
        &[mithril_compat::wire::WireVersion::V2],
    )
    .await
    .unwrap();
    client.register_signer(&registration).await.unwrap();
    let echoed = lines.next().unwrap().unwrap();
    assert!(echoed.contains("registration  v2"), "{echoed}");
    // A signature, received twice, counts once.
    let mut signature = mithril_compat::samples::single_signature();
    signature.party_id = registration.party_id.clone();
    for _ in 0..2 {
        client
            .register_signatures(std::slice::from_ref(&signature))
            .await
            .unwrap();
    }

    // The dashboard beside the routes reads the same records: its report is the one
    // `adoption report --json` prints (with the endpoint's parameters and era).
    let records = records.to_str().unwrap();
    let page = reqwest::get(format!("{http}/adoption"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Adoption of lagrange, epoch 7"), "{page}");
    assert!(page.contains(registration.party_id.as_str()), "{page}");
    let dashboard: serde_json::Value = serde_json::from_str(
        &reqwest::get(format!("{http}/adoption.json"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let parameters = mithril_compat::samples::epoch_settings()
        .signer_registration_protocol_parameters
        .unwrap();
    let (k, m, phi_f) = (
        parameters.k().to_string(),
        parameters.m().to_string(),
        parameters.phi_f().to_string(),
    );
    let report = run(&[
        "adoption",
        "report",
        "--records",
        records,
        "--epoch",
        "7",
        "--k",
        &k,
        "--m",
        &m,
        "--phi-f",
        &phi_f,
        "--json",
    ]);
    assert!(report.status.success(), "{report:?}");
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(dashboard["report"], report);
    assert_eq!(dashboard["epoch"], 7);

    // Read while the endpoint runs, then after it is killed: the record is there.
    let during = run(&["adoption", "report", "--records", records, "--epoch", "7"]);
    let text = String::from_utf8_lossy(&during.stdout);
    assert!(
        text.contains("adoption at epoch 7: 1 signers"),
        "{during:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let store = mithril_compat::adoption::SqliteStore::open_read_only(records).unwrap();
    let kept = store.registrations(Epoch(7));
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].party_id, registration.party_id);
    assert_eq!(
        kept[0].software_version,
        *registration.node_info.software_version()
    );
    assert_eq!(store.signatures(Epoch(7))[&registration.party_id], 1);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
