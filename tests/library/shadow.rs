//! Shadow signing with real STM: signers sign the next era's message beside the current one, the
//! aggregator verifies each shadow signature and aggregates them into a certificate it never
//! publishes; every way a shadow signature can be wrong is refused with its own error.

use mithril_compat::adoption::{ShadowError, ShadowRound};
use mithril_compat::domain::{
    Epoch, EraName, KeyBytes, PartyId, ProtocolParameters, ShadowSignature, SignatureBytes,
    SignedEntityType, SignedMessage, Signer, SignerSet, SingleSignature, Stake, WonIndexes,
};
use mithril_compat::wire::v2;
use mithril_stm::{
    Initializer, KeyRegistration, MithrilMembershipDigest, Parameters, Signer as StmSigner,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

type D = MithrilMembershipDigest;

const STAKES: [u64; 6] = [300, 250, 200, 120, 80, 50];

fn parameters() -> ProtocolParameters {
    ProtocolParameters::new(8, 60, 0.8).unwrap()
}

fn stm_parameters() -> Parameters {
    super::common::stm_parameters(&parameters())
}

fn lagrange() -> EraName {
    EraName::new("lagrange").unwrap()
}

fn message(seed: u8) -> SignedMessage {
    SignedMessage::new(hex::encode([seed; 32])).unwrap()
}

/// The epoch's signers: their STM signers, and the signer set the aggregator publishes (keys
/// as canonical bytes, or as JSON text as today's JSON API carries them).
struct Epoch0 {
    signers: Vec<(PartyId, StmSigner<D>)>,
    set: SignerSet,
}

fn epoch(json_keys: bool) -> Epoch0 {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let mut registration = KeyRegistration::initialize();
    let initializers: Vec<(PartyId, Initializer)> = STAKES
        .iter()
        .enumerate()
        .map(|(index, stake)| {
            let initializer = Initializer::new(stm_parameters(), *stake, &mut rng);
            registration
                .register(
                    *stake,
                    &initializer.get_verification_key_proof_of_possession_for_concatenation(),
                )
                .unwrap();
            (PartyId::new(format!("pool-{index}")).unwrap(), initializer)
        })
        .collect();
    let closed = registration.close_registration(&stm_parameters()).unwrap();
    let set = SignerSet::new(
        initializers
            .iter()
            .map(|(party_id, initializer)| {
                let key = initializer.get_verification_key_proof_of_possession_for_concatenation();
                let bytes = if json_keys {
                    serde_json::to_vec(&key).unwrap()
                } else {
                    key.to_canonical_bytes().to_vec()
                };
                Signer {
                    party_id: party_id.clone(),
                    verification_key: KeyBytes::new(bytes).unwrap(),
                    verification_key_signature: None,
                    operational_certificate: None,
                    kes_evolutions: None,
                    stake: Some(Stake(initializer.stake)),
                    verification_key_for_snark: None,
                    verification_key_signature_for_snark: None,
                    proof_of_bound_possession_for_snark: None,
                }
            })
            .collect(),
    )
    .unwrap();
    let signers = initializers
        .into_iter()
        .map(|(party_id, initializer)| (party_id, initializer.try_create_signer(&closed).unwrap()))
        .collect();
    Epoch0 { signers, set }
}

/// An STM signature of `message` as the hub carries it (bytes, or JSON text), with its won
/// indices; `None` when the signer won no index.
fn sign(
    signer: &StmSigner<D>,
    message: &SignedMessage,
    json: bool,
) -> Option<(SignatureBytes, WonIndexes)> {
    let signature = signer
        .create_single_signature(message.as_str().as_bytes())
        .ok()?;
    let mut indices = signature.get_concatenation_signature_indices();
    indices.sort_unstable();
    indices.dedup();
    let bytes = if json {
        serde_json::to_vec(&signature).unwrap()
    } else {
        signature.to_bytes().unwrap()
    };
    Some((
        SignatureBytes::new(bytes).unwrap(),
        WonIndexes::new(indices).unwrap(),
    ))
}

/// A signer's signature of the current message with its shadow signature of the next one.
fn shadow_signed(party_id: &PartyId, signer: &StmSigner<D>, json: bool) -> Option<SingleSignature> {
    let (signature, won_indexes) = sign(signer, &message(1), json)?;
    let (shadow, shadow_indexes) = sign(signer, &message(2), json)?;
    Some(SingleSignature {
        signed_entity_type: SignedEntityType::MithrilStakeDistribution(Epoch(12)),
        party_id: party_id.clone(),
        signature,
        won_indexes,
        signed_message: message(1),
        snark_signature: None,
        shadow_signature: Some(ShadowSignature {
            era: lagrange(),
            signature: shadow,
            won_indexes: shadow_indexes,
            signed_message: message(2),
        }),
    })
}

fn round(epoch: &Epoch0) -> ShadowRound {
    ShadowRound::new(lagrange(), message(2), &epoch.set, &parameters()).unwrap()
}

#[test]
fn shadow_signatures_verify_and_aggregate_into_a_certificate_never_published() {
    for json in [false, true] {
        let epoch = epoch(json);
        let mut round = round(&epoch);
        let mut sent = 0;
        for (party_id, signer) in &epoch.signers {
            let Some(signature) = shadow_signed(party_id, signer, json) else {
                continue;
            };
            // Through the wire, as an upgraded signer sends it.
            let received: SingleSignature =
                v2::decode(&v2::encode(&signature).unwrap()[..]).unwrap();
            assert_eq!(received, signature);
            round.verify(&received).unwrap();
            sent += 1;
        }
        assert!(sent >= 4, "{sent} signers won an index");
        assert_eq!(round.verified_parties().count(), sent);
        let attempt = round.aggregate();
        assert!(attempt.produced, "{attempt:?}");
        assert_eq!(attempt.failure, None);
        assert!(attempt.won_indices >= attempt.quorum);
        assert_eq!(attempt.evidence_indices(), attempt.won_indices);
        assert!(attempt.certificate(0.9).produced());
    }
}

#[test]
fn too_few_shadow_signers_make_no_certificate_and_say_why() {
    let epoch = epoch(false);
    let mut round = round(&epoch);
    // Only the smallest pool shadow-signs.
    let (party_id, signer) = epoch.signers.last().unwrap();
    // Signing is deterministic here (fixed keys and messages): one try tells.
    let signature = shadow_signed(party_id, signer, false)
        .expect("the smallest pool wins an index of both messages with these keys");
    round.verify(&signature).unwrap();
    let attempt = round.aggregate();
    assert!(!attempt.produced);
    assert!(attempt.won_indices < attempt.quorum, "{attempt:?}");
    assert!(
        attempt.failure.as_deref().unwrap().ends_with("8 needed"),
        "{attempt:?}"
    );
    assert!(!attempt.certificate(0.05).produced());
}

#[test]
fn every_wrong_shadow_signature_is_refused_with_its_reason_and_nothing_is_kept() {
    let epoch = epoch(false);
    let mut round = round(&epoch);
    let signed: Vec<SingleSignature> = epoch
        .signers
        .iter()
        .filter_map(|(party_id, signer)| shadow_signed(party_id, signer, false))
        .collect();
    let good = signed[0].clone();
    let other = signed[1].clone();
    let with_shadow = |change: &dyn Fn(&mut ShadowSignature)| {
        let mut signature = good.clone();
        change(signature.shadow_signature.as_mut().unwrap());
        signature
    };

    let none = SingleSignature {
        shadow_signature: None,
        ..good.clone()
    };
    assert_eq!(round.verify(&none), Err(ShadowError::Missing));

    let era = with_shadow(&|shadow| shadow.era = EraName::new("pythagoras").unwrap());
    assert!(matches!(
        round.verify(&era),
        Err(ShadowError::WrongEra { found, .. }) if found.as_str() == "pythagoras"
    ));

    // The current message signed again, in place of the next era's.
    let current = with_shadow(&|shadow| {
        shadow.signed_message = message(1);
        shadow.signature = good.signature.clone();
        shadow.won_indexes = good.won_indexes.clone();
    });
    assert!(matches!(
        round.verify(&current),
        Err(ShadowError::WrongMessage { .. })
    ));

    let stranger = SingleSignature {
        party_id: PartyId::new("pool-unknown").unwrap(),
        ..good.clone()
    };
    assert_eq!(
        round.verify(&stranger),
        Err(ShadowError::NotRegistered(stranger.party_id.clone()))
    );

    let garbage =
        with_shadow(&|shadow| shadow.signature = SignatureBytes::new(vec![7; 40]).unwrap());
    assert!(matches!(
        round.verify(&garbage),
        Err(ShadowError::Malformed(_))
    ));

    // Declaring indices it did not win.
    let claimed = with_shadow(&|shadow| {
        let won = shadow.won_indexes.as_slice();
        let extra = (0..60).find(|index| !won.contains(index)).unwrap();
        let mut indexes = won.to_vec();
        indexes.push(extra);
        indexes.sort_unstable();
        shadow.won_indexes = WonIndexes::new(indexes).unwrap();
    });
    assert_eq!(round.verify(&claimed), Err(ShadowError::IndexesMismatch));

    // Another pool's valid shadow signature, claimed as this pool's.
    let borrowed = with_shadow(&|shadow| {
        *shadow = other.shadow_signature.clone().unwrap();
    });
    assert!(matches!(
        round.verify(&borrowed),
        Err(ShadowError::Invalid(_))
    ));

    // Nothing refused was kept; the good one is, once.
    assert_eq!(round.verified_parties().count(), 0);
    round.verify(&good).unwrap();
    assert_eq!(
        round.verify(&good),
        Err(ShadowError::Duplicate(good.party_id.clone()))
    );
    assert_eq!(round.verified_parties().count(), 1);
}

#[test]
fn a_key_that_cannot_be_read_is_a_registration_error() {
    let mut signers = epoch(false).set.into_vec();
    signers[2].verification_key = KeyBytes::new(vec![1; 16]).unwrap();
    let set = SignerSet::new(signers).unwrap();
    let error = ShadowRound::new(lagrange(), message(2), &set, &parameters()).unwrap_err();
    assert!(
        matches!(&error, ShadowError::Registration(reason) if reason.starts_with("pool-2")),
        "{error}"
    );
}
