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
