//! Mithril certificates and their chain, against a chain built and verified by `mithril-common`
//! 0.8.3 itself (`tests/vectors/upstream/certificate_chain.json`): every hash recomputed, the
//! chain walked with the multi-signatures checked by `mithril-stm`, and each kind of break
//! reported at its link.

use mithril_compat::mithril::certificate::{
    CertificateMessage, ChainVerifier, GenesisVerificationKey, LinkError, MultiSignatureVerifier,
    StmVerifier, read_genesis_verification_key, verify_chain,
};

fn upstream() -> (Vec<CertificateMessage>, GenesisVerificationKey) {
    let text = std::fs::read_to_string(format!(
        "{}/tests/vectors/upstream/certificate_chain.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let chain = file["certificates_latest_first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|value| serde_json::from_value(value.clone()).unwrap())
        .collect();
    let key =
        read_genesis_verification_key(file["genesis_verification_key"].as_str().unwrap()).unwrap();
    (chain, key)
}

#[test]
fn every_hash_is_mithrils_and_the_json_is_written_back_as_upstream_wrote_it() {
    let (chain, _) = upstream();
    assert_eq!(chain.len(), 7);
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/vectors/upstream/certificate_chain.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    for (certificate, upstream_json) in chain
        .iter()
        .zip(file["certificates_latest_first"].as_array().unwrap())
    {
        assert_eq!(certificate.compute_hash().unwrap(), certificate.hash);
        // The same members, the same values: nothing read into unknown members, nothing lost.
        assert_eq!(&serde_json::to_value(certificate).unwrap(), upstream_json);
        assert!(certificate.unknown_fields.is_empty());
    }
    assert!(chain.last().unwrap().is_genesis());
    assert_eq!(chain.iter().filter(|c| c.is_genesis()).count(), 1);
}

#[test]
fn the_upstream_chain_verifies_from_every_certificate_with_the_multi_signatures() {
    let (chain, key) = upstream();
    for certificate in &chain {
        let report = verify_chain(&certificate.hash, &chain, &key, Some(&StmVerifier));
        assert!(report.verified(), "{report}");
        // The walk goes through the first certificate of each epoch back to genesis.
        let epochs: Vec<u64> = report.links.iter().map(|link| link.epoch).collect();
        assert!(
            epochs.windows(2).all(|pair| pair[0] >= pair[1]),
            "{epochs:?}"
        );
        assert_eq!(*epochs.last().unwrap(), 1);
    }
    let latest = verify_chain(&chain[0].hash, &chain, &key, Some(&StmVerifier));
    assert_eq!(latest.links.len(), 5, "{latest}");
    assert_eq!(
        latest.to_string(),
        "5 certificates verified back to genesis"
    );
}

/// Rewrites a certificate's hash after a change, so that only the intended check fails.
fn rehash(certificate: &mut CertificateMessage) {
    certificate.hash = certificate.compute_hash().unwrap();
}

/// The index of the first certificate of the latest epoch (the one that hands over the AVK).
fn first_of_latest_epoch(chain: &[CertificateMessage]) -> usize {
    chain
        .iter()
        .position(|c| c.hash == chain[0].previous_hash)
        .unwrap()
}

#[test]
fn each_break_is_reported_at_its_link() {
    let (chain, key) = upstream();
    let first = first_of_latest_epoch(&chain);
    let link_of = |chain: &[CertificateMessage]| {
        let report = verify_chain(&chain[0].hash, chain, &key, Some(&StmVerifier));
        let broken = report.first_broken().expect("a broken link").clone();
        (broken.hash, broken.error.unwrap())
    };

    // A certificate removed: its successor names a previous certificate that is missing.
    let mut removed = chain.clone();
    let gone = removed.remove(first);
    let (at, error) = link_of(&removed);
    assert_eq!(at, chain[0].hash);
    assert_eq!(error, LinkError::PreviousNotFound(gone.hash.clone()));

    // A signer's stake changed: the hash no longer matches the content.
    let mut staked = chain.clone();
    staked[first].metadata.signers[0].stake += 1;
    let (at, error) = link_of(&staked);
    assert_eq!(at, chain[first].hash);
    assert!(matches!(error, LinkError::Hash { .. }), "{error}");
    // Rehashed, the changed stake moves the certificate's hash: its successor's previous hash
    // no longer names it (the hash chain is what binds the metadata; the multi-signature covers
    // the message).
    rehash(&mut staked[first]);
    let (at, error) = link_of(&staked);
    assert_eq!(at, chain[0].hash);
    assert_eq!(
        error,
        LinkError::PreviousNotFound(chain[first].hash.clone())
    );

    // The first certificate of an epoch signed with another epoch's key: its multi-signature
    // does not verify under the key it names, and with the key handed over by the previous
    // epoch it is not the key it names.
    let mut wrong_key = chain.clone();
    let other_epoch_key = chain
        .iter()
        .map(|c| c.aggregate_verification_key.clone())
        .find(|key| *key != chain[first].aggregate_verification_key)
        .unwrap();
    wrong_key[first].aggregate_verification_key = other_epoch_key;
    rehash(&mut wrong_key[first]);
    let from_first = |multi: Option<&dyn MultiSignatureVerifier>| {
        let report = verify_chain(&wrong_key[first].hash, &wrong_key, &key, multi);
        let broken = report.first_broken().expect("a broken link").clone();
        assert_eq!(broken.hash, wrong_key[first].hash, "{report}");
        broken.error.unwrap()
    };
    let error = from_first(Some(&StmVerifier));
    assert!(matches!(error, LinkError::MultiSignature(_)), "{error}");
    // Without the STM check, the key handover is what breaks.
    let error = from_first(None);
    assert_eq!(
        error,
        LinkError::AvkHandover("as next_aggregate_verification_key")
    );
    // Walking from the latest certificate, its successor in the same epoch breaks first: its
    // key is no longer the one of its epoch's first certificate.
    wrong_key[0].previous_hash = wrong_key[first].hash.clone();
    rehash(&mut wrong_key[0]);
    let (at, error) = link_of(&wrong_key);
    assert_eq!(at, wrong_key[0].hash);
    assert_eq!(error, LinkError::AvkHandover("of the same epoch"));

    // The genesis certificate signed with another key.
    let other = mithril_compat::era::EraSigningKey::from_bytes(&[9; 32]).verification_key();
    let report = verify_chain(&chain[0].hash, &chain, &other, Some(&StmVerifier));
    let broken = report.first_broken().unwrap();
    assert!(broken.genesis);
    assert_eq!(broken.error, Some(LinkError::GenesisSignature));

    // A protocol message that is not what was signed.
    let mut unsigned = chain.clone();
    unsigned[0].protocol_message["message_parts"]["snapshot_digest"] =
        serde_json::json!("another digest");
    rehash(&mut unsigned[0]);
    let (_, error) = link_of(&unsigned);
    assert!(
        matches!(error, LinkError::ProtocolMessage { .. }),
        "{error}"
    );
}

#[test]
fn a_verifier_that_remembers_checks_only_the_new_links() {
    let (chain, key) = upstream();
    let mut verifier = ChainVerifier::new(key, Some(&StmVerifier));
    // The first certificate of the latest epoch, then the latest: the second walk stops at the
    // first, verified before.
    let first = verifier.verify(&chain[0].previous_hash, &chain);
    assert!(first.verified() && !first.joined_verified, "{first}");
    let latest = verifier.verify(&chain[0].hash, &chain);
    assert!(latest.verified() && latest.joined_verified, "{latest}");
    assert_eq!(latest.links.len(), 1);
    // A new link that is broken is still reported.
    let mut staked = chain.clone();
    staked[0].metadata.signers[0].stake += 1;
    let mut fresh = ChainVerifier::new(upstream().1, Some(&StmVerifier));
    assert!(fresh.verify(&chain[0].previous_hash, &chain).verified());
    let report = fresh.verify(&staked[0].hash, &staked);
    assert!(
        matches!(
            report.first_broken().and_then(|link| link.error.clone()),
            Some(LinkError::Hash { .. })
        ),
        "{report}"
    );
}
