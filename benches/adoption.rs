//! A full adoption report for 3 000 signers at mainnet parameters, including the exact binomial
//! tail (target: under 5 ms on a 2-core machine).

use criterion::{Criterion, criterion_group, criterion_main};
use mithril_compat::adoption::{
    AdoptionMonitor, MemoryStore, Provenance, RecordStore, RegistrationRecord, RegistrationWire,
    certificate_odds, minimum_stake_share,
};
use mithril_compat::domain::{
    Epoch, EraName, PartyId, ProtocolParameters, SoftwareVersion, Stake, WireVersionId,
};

const SIGNERS: u64 = 3_000;

fn store() -> MemoryStore {
    let mut store = MemoryStore::new();
    let versions = ["0.1.0", "0.2.0", "0.2.1"];
    for index in 0..SIGNERS {
        // Heavy-tailed stake, as real pools.
        let stake = 1_000_000_000_000 / (index + 1) + 1_000_000;
        let upgraded = index % 10 != 0;
        let eras: Vec<EraName> = if upgraded {
            vec![
                EraName::new("pythagoras").unwrap(),
                EraName::new("lagrange").unwrap(),
            ]
        } else {
            vec![EraName::new("pythagoras").unwrap()]
        };
        let party = PartyId::new(format!("pool{index:052}")).unwrap();
        for epoch in [99, 100] {
            store
                .put_registration(RegistrationRecord {
                    epoch: Epoch(epoch),
                    party_id: party.clone(),
                    stake: Stake(stake),
                    software_version: SoftwareVersion::new(versions[(index % 3) as usize]).unwrap(),
                    wire: RegistrationWire::Protobuf(
                        WireVersionId::new(if upgraded { 2 } else { 1 }).unwrap(),
                    ),
                    supported_eras: eras.clone(),
                    distribution_version: None,
                    wire_versions: Vec::new(),
                    database_version: None,
                    protocol_versions: Vec::new(),
                    provenance: Provenance::Verified,
                })
                .unwrap();
            store.put_signatures(Epoch(epoch), &party, 4).unwrap();
        }
    }
    store
}

fn bench(c: &mut Criterion) {
    let mainnet = ProtocolParameters::MAINNET;
    let monitor = AdoptionMonitor::new(store(), mainnet, EraName::new("lagrange").unwrap());
    let mut group = c.benchmark_group("adoption");
    group.bench_function("report_3000_signers", |b| {
        b.iter(|| monitor.report(Epoch(100)).unwrap())
    });
    group.bench_function("certificate_odds_mainnet", |b| {
        b.iter(|| certificate_odds(&mainnet, std::hint::black_box(0.8)).unwrap())
    });
    group.bench_function("minimum_stake_share_mainnet", |b| {
        b.iter(|| minimum_stake_share(&mainnet, std::hint::black_box(1e-9)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
