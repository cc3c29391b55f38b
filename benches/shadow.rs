//! What shadow signing costs the aggregator, at mainnet parameters (k=1944, m=16948,
//! phi_f=0.2) with 300 signers of equal stake (each wins about 13 indices, about 3800 in all):
//! verifying one shadow signature, against verifying the current signature beside it (the same
//! STM check, over another message), and aggregating an epoch's into the shadow certificate.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mithril_compat::adoption::ShadowRound;
use mithril_compat::domain::{
    Epoch, EraName, KeyBytes, PartyId, ProtocolParameters, ShadowSignature, SignatureBytes,
    SignedEntityType, SignedMessage, Signer, SignerSet, SingleSignature, Stake, WonIndexes,
};
use mithril_stm::{
    AggregateVerificationKey, Clerk, Initializer, KeyRegistration, MithrilMembershipDigest,
    Parameters,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

type D = MithrilMembershipDigest;

const SIGNERS: usize = 300;

fn hub(signature: &mithril_stm::SingleSignature) -> (SignatureBytes, WonIndexes) {
    let mut indices = signature.get_concatenation_signature_indices();
    indices.sort_unstable();
    indices.dedup();
    (
        SignatureBytes::new(signature.to_bytes().unwrap()).unwrap(),
        WonIndexes::new(indices).unwrap(),
    )
}

fn bench(c: &mut Criterion) {
    let parameters = ProtocolParameters::MAINNET;
    let stm_parameters = Parameters {
        k: parameters.k(),
        m: parameters.m(),
        phi_f: parameters.phi_f(),
    };
    let current = SignedMessage::new(hex::encode([1; 32])).unwrap();
    let next = SignedMessage::new(hex::encode([2; 32])).unwrap();
    let lagrange = EraName::new("lagrange").unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut registration = KeyRegistration::initialize();
    let initializers: Vec<Initializer> = (0..SIGNERS)
        .map(|_| {
            let initializer = Initializer::new(stm_parameters, 1_000_000, &mut rng);
            registration
                .register(
                    1_000_000,
                    &initializer.get_verification_key_proof_of_possession_for_concatenation(),
                )
                .unwrap();
            initializer
        })
        .collect();
    let closed = registration.close_registration(&stm_parameters).unwrap();
    let set = SignerSet::new(
        initializers
            .iter()
            .enumerate()
            .map(|(index, initializer)| Signer {
                party_id: PartyId::new(format!("pool-{index}")).unwrap(),
                verification_key: KeyBytes::new(
                    initializer
                        .get_verification_key_proof_of_possession_for_concatenation()
                        .to_canonical_bytes()
                        .to_vec(),
                )
                .unwrap(),
                verification_key_signature: None,
                operational_certificate: None,
                kes_evolutions: None,
                stake: Some(Stake(initializer.stake)),
                verification_key_for_snark: None,
                verification_key_signature_for_snark: None,
                proof_of_bound_possession_for_snark: None,
            })
            .collect(),
    )
    .unwrap();
    let signatures: Vec<(SingleSignature, mithril_stm::SingleSignature)> = initializers
        .into_iter()
        .enumerate()
        .filter_map(|(index, initializer)| {
            let signer = initializer.try_create_signer::<D>(&closed).unwrap();
            let now = signer
                .create_single_signature(current.as_str().as_bytes())
                .ok()?;
            let shadow = signer
                .create_single_signature(next.as_str().as_bytes())
                .ok()?;
            let (signature, won_indexes) = hub(&now);
            let (shadow_signature, shadow_indexes) = hub(&shadow);
            Some((
                SingleSignature {
                    signed_entity_type: SignedEntityType::MithrilStakeDistribution(Epoch(600)),
                    party_id: PartyId::new(format!("pool-{index}")).unwrap(),
                    signature,
                    won_indexes,
                    signed_message: current.clone(),
                    snark_signature: None,
                    shadow_signature: Some(ShadowSignature {
                        era: lagrange.clone(),
                        signature: shadow_signature,
                        won_indexes: shadow_indexes,
                        signed_message: next.clone(),
                    }),
                },
                now,
            ))
        })
        .collect();
    let new_round = || {
        ShadowRound::with_registration(lagrange.clone(), next.clone(), &set, &closed, &parameters)
            .unwrap()
    };
    let mut full = new_round();
    for (signature, _) in &signatures {
        full.verify(signature).unwrap();
    }
    let attempt = full.aggregate();
    assert!(attempt.produced, "{attempt:?}");
    eprintln!(
        "{} shadow signatures, {} distinct indices for a quorum of {}",
        attempt.signatures, attempt.won_indices, attempt.quorum
    );

    let clerk = Clerk::<D>::new_clerk_from_closed_key_registration(&stm_parameters, &closed);
    let avk: AggregateVerificationKey<D> = clerk.compute_aggregate_verification_key();
    let (first, first_stm) = &signatures[0];
    let key = mithril_stm::VerificationKeyProofOfPossessionForConcatenation::from_canonical_bytes(
        set.as_slice()[0].verification_key.as_bytes(),
    )
    .unwrap()
    .vk;

    let mut group = c.benchmark_group("shadow");
    group.sample_size(20);
    group.bench_function("verify_current_signature", |b| {
        b.iter(|| {
            first_stm
                .verify(
                    &stm_parameters,
                    &key,
                    &1_000_000,
                    &avk,
                    first.signed_message.as_str().as_bytes(),
                )
                .unwrap()
        })
    });
    group.bench_function("verify_shadow_signature", |b| {
        b.iter_batched_ref(
            new_round,
            |round| round.verify(std::hint::black_box(first)).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("aggregate_shadow_certificate_300", |b| {
        b.iter(|| assert!(std::hint::black_box(&full).aggregate().produced))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
