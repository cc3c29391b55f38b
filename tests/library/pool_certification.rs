//! Operational certificates, KES signatures, pool ids and registration certification against
//! vectors made with `mithril-common` 0.8.3 (`tests/vectors/upstream/pool_certification.json`,
//! from `tools/upstream-vectors`).

use ed25519_dalek::SigningKey;
use mithril_compat::cardano::{
    KesSignature, KesSigningKey, OperationalCertificate, PoolId, PoolKeyError, PoolKeys,
    certify_registration, verification_key_message,
};
use mithril_compat::domain::SignerRegistration;
use mithril_compat::wire::json::{self, JsonHeaders};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/upstream/pool_certification.json"
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap()).unwrap()
}

fn array<const N: usize>(value: &Value) -> [u8; N] {
    bytes(value).try_into().unwrap()
}

#[test]
fn certificates_read_write_and_verify_as_mithril_does() {
    let vectors = vectors();
    for pool in vectors["pools"].as_array().unwrap() {
        let cbor = bytes(&pool["opcert_cbor"]);
        let json_text = bytes(&pool["opcert_json_hex"]);
        let from_cbor = OperationalCertificate::from_bytes(&cbor).unwrap();
        let from_json = OperationalCertificate::from_bytes(&json_text).unwrap();
        assert_eq!(from_cbor, from_json);
        assert_eq!(from_cbor.to_cbor(), cbor, "CBOR byte for byte");
        assert_eq!(from_cbor.to_json(), json_text, "JSON byte for byte");
        assert_eq!(
            from_cbor.signed_message().to_vec(),
            bytes(&pool["opcert_signed_message"])
        );
        assert_eq!(
            from_cbor.cold_signature().to_vec(),
            bytes(&pool["opcert_cold_signature"])
        );
        assert_eq!(
            from_cbor.issue_number(),
            pool["issue_number"].as_u64().unwrap()
        );
        assert_eq!(
            from_cbor.start_kes_period(),
            pool["start_kes_period"].as_u64().unwrap()
        );
        from_cbor.verify().unwrap();
        let id = from_cbor.pool_id();
        assert_eq!(id.to_bech32(), pool["party_id"].as_str().unwrap());
        assert_eq!(id.to_hex(), pool["party_id_hash"].as_str().unwrap());
        assert_eq!(PoolId::from_bech32(&id.to_bech32()), Some(id));

        // The same keys issue the same certificate (Ed25519 signs deterministically).
        let keys = PoolKeys::new(
            SigningKey::from_bytes(&array(&pool["cold_signing_key"])),
            array(&pool["kes_seed"]),
            pool["issue_number"].as_u64().unwrap(),
            pool["start_kes_period"].as_u64().unwrap(),
        );
        assert_eq!(
            keys.kes_key().verification_key().to_vec(),
            bytes(&pool["kes_verification_key"])
        );
        assert_eq!(keys.certificate(), &from_cbor);
        assert_eq!(keys.pool_id(), id);
    }
}

#[test]
fn kes_signatures_verify_where_mithril_accepts_them_and_nowhere_else() {
    let vectors = vectors();
    let pools = vectors["pools"].as_array().unwrap();
    let mut checked = 0;
    for entry in vectors["kes_signatures"].as_array().unwrap() {
        let pool = &pools[entry["pool"].as_u64().unwrap() as usize];
        let key: [u8; 32] = array(&pool["kes_verification_key"]);
        let message = bytes(&entry["message"]);
        let raw = bytes(&entry["signature_raw"]);
        let json_text = bytes(&entry["signature_json_hex"]);
        let signature = KesSignature::from_bytes(&raw).unwrap();
        assert_eq!(KesSignature::from_bytes(&json_text).unwrap(), signature);
        assert_eq!(signature.to_bytes().to_vec(), raw);
        assert_eq!(signature.to_json(), json_text);
        for verdict in entry["upstream_verifies"].as_array().unwrap() {
            let evolutions = verdict["kes_evolutions"].as_u64().unwrap();
            assert_eq!(
                signature.verify(&key, &message, evolutions).is_ok(),
                verdict["accepted"].as_bool().unwrap(),
                "pool {} at {evolutions} evolutions (signed at {})",
                entry["pool"],
                entry["kes_evolutions"]
            );
            checked += 1;
        }
        // Our key, evolved as far, makes the same signature.
        let mut ours = KesSigningKey::from_seed(array(&pool["kes_seed"]));
        ours.evolve_to(entry["kes_evolutions"].as_u64().unwrap())
            .unwrap();
        assert_eq!(ours.sign(&message), signature);
    }
    assert!(checked > 50, "{checked} verdicts");
}

#[test]
fn what_mithril_rejects_is_rejected_with_a_reason() {
    let vectors = vectors();
    let pools = vectors["pools"].as_array().unwrap();
    let key_of = |pool: &Value| -> [u8; 32] { array(&pool["kes_verification_key"]) };
    let mut names = Vec::new();
    for case in vectors["rejections"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        for verdict in case["verdicts"].as_array().unwrap() {
            assert_eq!(verdict["accepted"], false, "{name}");
        }
        match name {
            "opcert_cold_signature_bit_flipped" | "opcert_issue_number_not_signed" => {
                for form in ["opcert_cbor", "opcert_json_hex"] {
                    let certificate =
                        OperationalCertificate::from_bytes(&bytes(&case[form])).unwrap();
                    assert_eq!(
                        certificate.verify(),
                        Err(PoolKeyError::CertificateSignature),
                        "{name} ({form})"
                    );
                }
            }
            "kes_signature_other_message" | "kes_signature_other_pool" => {
                let certificate =
                    OperationalCertificate::from_bytes(&bytes(&case["opcert_cbor"])).unwrap();
                certificate.verify().unwrap();
                let signature = KesSignature::from_bytes(&bytes(&case["signature_raw"])).unwrap();
                let evolutions = case["kes_evolutions"].as_u64().unwrap();
                assert_eq!(
                    signature.verify(
                        certificate.kes_verification_key(),
                        &bytes(&case["message"]),
                        evolutions
                    ),
                    Err(PoolKeyError::KesSignature { evolutions }),
                    "{name}"
                );
            }
            "kes_evolutions_beyond_key_lifetime" => {
                let signature = KesSignature::from_bytes(&bytes(&case["signature_raw"])).unwrap();
                let evolutions = case["kes_evolutions"].as_u64().unwrap();
                assert_eq!(
                    signature.verify(&key_of(&pools[0]), &bytes(&case["message"]), evolutions),
                    Err(PoolKeyError::KesExpired { evolutions })
                );
            }
            "opcert_cbor_truncated" => {
                let error =
                    OperationalCertificate::from_bytes(&bytes(&case["opcert_cbor"])).unwrap_err();
                assert!(
                    matches!(error, PoolKeyError::MalformedCertificate(_)),
                    "{error}"
                );
            }
            "opcert_json_hex_truncated" => {
                let error = OperationalCertificate::from_bytes(&bytes(&case["opcert_json_hex"]))
                    .unwrap_err();
                assert!(
                    matches!(error, PoolKeyError::MalformedCertificate(_)),
                    "{error}"
                );
            }
            other => panic!("a rejection this test does not know: {other}"),
        }
        names.push(name);
    }
    assert_eq!(names.len(), 7);
}

#[test]
fn a_registration_mithril_accepts_is_certified_for_the_same_pool() {
    let vectors = vectors();
    let message = &vectors["register_signer_message"];
    assert_eq!(message["upstream_register"]["accepted"], true);
    let body = message["compact"].as_str().unwrap().as_bytes();
    let registration: SignerRegistration = json::decode(body, &JsonHeaders::default()).unwrap();
    let (pool, certificate) = certify_registration(&registration).unwrap();
    assert_eq!(
        pool.to_bech32(),
        message["upstream_register"]["party_id"].as_str().unwrap()
    );
    assert_eq!(certificate.pool_id(), pool);
    // The key travels as the JSON text of `{"vk", "pop"}`; its canonical bytes are signed.
    let canonical = bytes(&vectors["stm_verification_key"]["canonical_bytes"]);
    assert_eq!(
        verification_key_message(&bytes(&vectors["stm_verification_key"]["json_hex"])).unwrap(),
        canonical
    );
    assert_eq!(
        verification_key_message(registration.verification_key.as_bytes()).unwrap(),
        canonical
    );
    // Every JSON-hex member upstream also accepts in bytes-hex is read in both forms.
    for fallback in vectors["bytes_hex_fallbacks"].as_array().unwrap() {
        assert_eq!(fallback["accepted"], true);
        let (json_form, bytes_form) = (bytes(&fallback["json_hex"]), bytes(&fallback["bytes_hex"]));
        match fallback["member"].as_str().unwrap() {
            "operational_certificate" => assert_eq!(
                OperationalCertificate::from_bytes(&json_form).unwrap(),
                OperationalCertificate::from_bytes(&bytes_form).unwrap()
            ),
            "verification_key_signature" => assert_eq!(
                KesSignature::from_bytes(&json_form).unwrap(),
                KesSignature::from_bytes(&bytes_form).unwrap()
            ),
            "verification_key" => assert_eq!(
                verification_key_message(&json_form).unwrap(),
                verification_key_message(&bytes_form).unwrap()
            ),
            other => panic!("a member this test does not know: {other}"),
        }
    }
}

mod provenance {
    use super::*;
    use mithril_compat::adoption::{Provenance, RegistrationWire, UnverifiedReason};
    use mithril_compat::cardano::certify;
    use mithril_compat::domain::{
        Epoch, EraName, KeyBytes, NetworkMagic, NodeInfo, PartyId, SoftwareVersion,
    };
    use mithril_compat::samples;
    use mithril_compat::wire::WireVersion;

    const NETWORK: NetworkMagic = NetworkMagic::PREPROD;

    fn v2() -> RegistrationWire {
        RegistrationWire::Protobuf(WireVersion::V2.id())
    }

    fn pool(seed: u8) -> PoolKeys {
        let mut keys = PoolKeys::new(SigningKey::from_bytes(&[seed; 32]), [seed + 1; 32], 1, 10);
        keys.evolve_to_period(15).unwrap();
        keys
    }

    fn certified(keys: &PoolKeys) -> SignerRegistration {
        let mut registration = SignerRegistration {
            verification_key_for_snark: None,
            verification_key_signature_for_snark: None,
            proof_of_bound_possession_for_snark: None,
            ..samples::signer_registration()
        };
        keys.certify(&mut registration, NETWORK).unwrap();
        registration
    }

    fn unverified(registration: &SignerRegistration) -> UnverifiedReason {
        match certify(registration, v2(), NETWORK) {
            Provenance::Unverified(reason) => reason,
            other => panic!("expected unverified, got {other}"),
        }
    }

    #[test]
    fn a_certified_registration_is_verified_on_every_wire() {
        let keys = pool(3);
        let registration = certified(&keys);
        assert_eq!(registration.party_id.as_str(), keys.pool_id().to_bech32());
        assert_eq!(registration.kes_evolutions, Some(5));
        assert_eq!(certify(&registration, v2(), NETWORK), Provenance::Verified);
        for version in WireVersion::ALL {
            let bytes =
                mithril_compat::wire::encode(*version, &registration.clone().into()).unwrap();
            let read: SignerRegistration =
                match mithril_compat::wire::decode(*version, registration_kind(), &bytes[..])
                    .unwrap()
                {
                    mithril_compat::wire::HubMessage::SignerRegistration(value) => value,
                    other => panic!("{other:?}"),
                };
            assert_eq!(
                certify(&read, v2(), NETWORK),
                Provenance::Verified,
                "{version}"
            );
        }
        // Today's JSON: the signed declaration travels in two extra members.
        let encoded = json::encode(&registration).unwrap();
        let read: SignerRegistration = json::decode(&encoded.body, &encoded.headers).unwrap();
        assert_eq!(
            certify(&read, RegistrationWire::Json, NETWORK),
            Provenance::Verified
        );
    }

    fn registration_kind() -> mithril_compat::wire::MessageKind {
        mithril_compat::wire::MessageKind::SignerRegistration
    }

    #[test]
    fn a_relay_that_rewrites_the_declared_eras_is_caught() {
        let mut registration = certified(&pool(3));
        registration.node_info = NodeInfo::new(
            registration.node_info.software_version().clone(),
            vec![EraName::new("pythagoras").unwrap()],
            registration.node_info.wire_versions().to_vec(),
        )
        .unwrap();
        assert_eq!(
            unverified(&registration),
            UnverifiedReason::NodeInfoSignature
        );
    }

    #[test]
    fn each_forgery_gets_its_reason() {
        let keys = pool(3);
        let good = certified(&keys);

        // Replayed from the epoch before.
        let replayed = SignerRegistration {
            epoch: Epoch(good.epoch.0 + 1),
            ..good.clone()
        };
        assert_eq!(
            unverified(&replayed),
            UnverifiedReason::SignedForOtherEpoch { epoch: good.epoch }
        );
        // Signed for another network.
        assert_eq!(
            certify(&good, v2(), NetworkMagic::MAINNET),
            Provenance::Unverified(UnverifiedReason::SignedForOtherNetwork { network: NETWORK })
        );
        // Another pool's signature of the same statement.
        let mut other_pool = good.clone();
        let other = pool(9);
        let statement = good
            .node_info
            .signed_bytes(NETWORK, good.epoch, &good.party_id);
        other_pool.node_info_signature =
            Some(KeyBytes::new(other.kes_key().sign(&statement).to_bytes().to_vec()).unwrap());
        assert_eq!(unverified(&other_pool), UnverifiedReason::NodeInfoSignature);
        // Signed at another KES period than declared.
        let mut late = pool(3);
        late.evolve_to_period(19).unwrap();
        let mut wrong_period = good.clone();
        wrong_period.node_info_signature =
            Some(KeyBytes::new(late.kes_key().sign(&statement).to_bytes().to_vec()).unwrap());
        assert_eq!(
            unverified(&wrong_period),
            UnverifiedReason::WrongKesPeriod {
                declared: 5,
                signed_at: 9
            }
        );
        // A key past its last period.
        let expired = SignerRegistration {
            kes_evolutions: Some(70),
            ..good.clone()
        };
        assert_eq!(
            unverified(&expired),
            UnverifiedReason::KesExpired { evolutions: 70 }
        );
        // A certificate whose cold signature was tampered with.
        let mut cbor = good
            .operational_certificate
            .as_ref()
            .unwrap()
            .to_bytes()
            .to_vec();
        let last = cbor.len() - 40;
        cbor[last] ^= 1;
        let tampered = SignerRegistration {
            operational_certificate: Some(KeyBytes::new(cbor).unwrap()),
            ..good.clone()
        };
        assert_eq!(
            unverified(&tampered),
            UnverifiedReason::OperationalCertificateSignature
        );
        // Malformed CBOR.
        let malformed = SignerRegistration {
            operational_certificate: Some(KeyBytes::new(vec![0x82, 0x84, 0x58]).unwrap()),
            ..good.clone()
        };
        assert!(matches!(
            unverified(&malformed),
            UnverifiedReason::MalformedOperationalCertificate(_)
        ));
        // Another pool's party id.
        let impostor = SignerRegistration {
            party_id: PartyId::new(other.pool_id().to_bech32()).unwrap(),
            ..good.clone()
        };
        assert_eq!(
            unverified(&impostor),
            UnverifiedReason::WrongPool {
                certified: keys.pool_id().to_bech32()
            }
        );
        // A node info signature that is not one.
        let garbage = SignerRegistration {
            node_info_signature: Some(KeyBytes::new(vec![7; 12]).unwrap()),
            ..good.clone()
        };
        assert!(matches!(
            unverified(&garbage),
            UnverifiedReason::MalformedKesSignature(_)
        ));
        // Signed, but without the certificate the signature needs.
        let uncertified = SignerRegistration {
            operational_certificate: None,
            ..good.clone()
        };
        assert_eq!(
            unverified(&uncertified),
            UnverifiedReason::MissingCertification
        );
        // Nothing here panics on random bytes in any key field.
        for length in [0, 1, 31, 448, 449, 2000] {
            let junk = KeyBytes::new(vec![0x5b; length]).ok();
            let fuzzed = SignerRegistration {
                operational_certificate: junk.clone(),
                verification_key_signature: junk.clone(),
                node_info_signature: junk,
                ..good.clone()
            };
            assert!(matches!(
                certify(&fuzzed, v2(), NETWORK),
                Provenance::Unverified(_)
            ));
        }
    }

    #[test]
    fn unsigned_and_header_only_declarations_are_classed_as_such() {
        let unsigned = SignerRegistration {
            node_info_signature: None,
            ..certified(&pool(3))
        };
        assert_eq!(unverified(&unsigned), UnverifiedReason::Unsigned);
        let today = SignerRegistration {
            node_info: NodeInfo::new(SoftwareVersion::new("0.2.5").unwrap(), vec![], vec![])
                .unwrap(),
            ..unsigned
        };
        assert_eq!(
            certify(&today, RegistrationWire::Json, NETWORK),
            Provenance::HeaderOnly
        );
    }
}

#[test]
fn raw_bytes_that_start_like_json_are_read_by_their_length() {
    // One raw KES signature in 256 starts with `{`: the length decides, not the first byte.
    let key = KesSigningKey::from_seed([5; 32]);
    let (message, signature) = (0u32..)
        .map(|n| {
            let message = n.to_be_bytes().to_vec();
            let signature = key.sign(&message);
            (message, signature)
        })
        .find(|(_, signature)| signature.to_bytes()[0] == b'{')
        .unwrap();
    let read = KesSignature::from_bytes(&signature.to_bytes()).unwrap();
    assert_eq!(read, signature);
    read.verify(key.verification_key(), &message, 0).unwrap();
    // A canonical verification key is taken as it is, whatever its first byte.
    let mut canonical = vec![7; 192];
    canonical[0] = b'{';
    assert_eq!(verification_key_message(&canonical).unwrap(), canonical);
}

mod aggregator {
    use super::*;
    use mithril_compat::adoption::{Provenance, RecordStore, RegistrationWire, UnverifiedReason};
    use mithril_compat::domain::{
        EraName, NetworkMagic, NodeInfo, PartyId, ProtocolParameters, Stake,
    };
    use mithril_compat::samples;
    use mithril_compat::transport::aggregator::{InMemoryBackend, SignerBackend};
    use mithril_compat::wire::WireVersion;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn the_monitor_records_why_a_declaration_is_not_verified_and_accepts_it_all_the_same() {
        let network = NetworkMagic::PREPROD;
        let honest = PoolKeys::new(SigningKey::from_bytes(&[21; 32]), [22; 32], 0, 0);
        let rewritten_pool = PoolKeys::new(SigningKey::from_bytes(&[23; 32]), [24; 32], 0, 0);
        let base = SignerRegistration {
            verification_key_for_snark: None,
            verification_key_signature_for_snark: None,
            proof_of_bound_possession_for_snark: None,
            ..samples::signer_registration()
        };
        let mut good = base.clone();
        honest.certify(&mut good, network).unwrap();
        let mut bad = base.clone();
        rewritten_pool.certify(&mut bad, network).unwrap();
        // A relay rewrote this one's eras on the way.
        bad.node_info = NodeInfo::new(
            bad.node_info.software_version().clone(),
            vec![EraName::new("pythagoras").unwrap()],
            bad.node_info.wire_versions().to_vec(),
        )
        .unwrap();

        let backend = InMemoryBackend::new(
            ProtocolParameters::MAINNET,
            EraName::new("lagrange").unwrap(),
        )
        .with_certification(network);
        backend.set_epoch(good.epoch);
        backend.set_stakes(BTreeMap::from([
            (good.party_id.clone(), Stake(100)),
            (bad.party_id.clone(), Stake(100)),
        ]));
        let wire = RegistrationWire::Protobuf(WireVersion::V2.id());
        backend.register_signer(good.clone(), wire).await.unwrap();
        backend.register_signer(bad.clone(), wire).await.unwrap();
        // Both are accepted: provenance decides what readiness counts, not admission.
        assert_eq!(backend.registrations(good.epoch).len(), 2);
        let provenance = |party: &PartyId| {
            backend.with_monitor(|monitor| {
                monitor
                    .store()
                    .registrations(good.epoch)
                    .into_iter()
                    .find(|record| &record.party_id == party)
                    .unwrap()
                    .provenance
            })
        };
        assert_eq!(provenance(&good.party_id), Provenance::Verified);
        assert_eq!(
            provenance(&bad.party_id),
            Provenance::Unverified(UnverifiedReason::NodeInfoSignature)
        );
    }
}
