//! What checking a pool's signatures costs the aggregator: Mithril's registration check, and the
//! node info signature on top; and the diagnosis of a signature that does not verify.

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use mithril_compat::adoption::{Provenance, RegistrationWire};
use mithril_compat::cardano::{PoolKeys, certify, certify_registration};
use mithril_compat::domain::{EraName, NetworkMagic, NodeInfo, SignerRegistration};
use mithril_compat::samples;
use mithril_compat::wire::WireVersion;

fn bench(c: &mut Criterion) {
    let network = NetworkMagic::PREPROD;
    let wire = RegistrationWire::Protobuf(WireVersion::V2.id());
    let mut keys = PoolKeys::new(SigningKey::from_bytes(&[3; 32]), [4; 32], 1, 100);
    keys.evolve_to_period(130).unwrap();
    let mut registration = SignerRegistration {
        verification_key_for_snark: None,
        verification_key_signature_for_snark: None,
        proof_of_bound_possession_for_snark: None,
        ..samples::signer_registration()
    };
    keys.certify(&mut registration, network).unwrap();
    assert_eq!(certify(&registration, wire, network), Provenance::Verified);
    // A relay rewrote the eras: the signature fails, and is diagnosed.
    let rewritten = SignerRegistration {
        node_info: NodeInfo::new(
            registration.node_info.software_version().clone(),
            vec![EraName::new("pythagoras").unwrap()],
            registration.node_info.wire_versions().to_vec(),
        )
        .unwrap(),
        ..registration.clone()
    };

    let mut group = c.benchmark_group("certification");
    group.bench_function("mithril_registration_check", |b| {
        b.iter(|| certify_registration(std::hint::black_box(&registration)).unwrap())
    });
    group.bench_function("verified_node_info", |b| {
        b.iter(|| certify(std::hint::black_box(&registration), wire, network))
    });
    group.bench_function("forged_node_info_diagnosed", |b| {
        b.iter(|| certify(std::hint::black_box(&rewritten), wire, network))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
