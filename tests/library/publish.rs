//! The transaction that publishes a datum at the marker address, built from cardano-cli's UTxO
//! and protocol-parameter files (`tests/vectors/publish/`): pallas decodes it, it carries the
//! datum inline byte for byte, its fee covers the ledger's minimum once it is signed, every
//! output holds its minimum value, and it balances.

use std::fs;
use std::path::Path;

use mithril_compat::mithril::publish::pallas_traverse::MultiEraTx;
use mithril_compat::mithril::publish::{
    LedgerParameters, PublishError, PublishRequest, PublishTransaction, TEXT_ENVELOPE_TYPE, Utxo,
    build_publish_transaction, datum_cbor_from_text, utxos_from_cardano_cli_json,
};
use mithril_compat::release::SignedRelease;
use pallas_codec::minicbor;

const MARKER: &str = "addr_test1vqg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygxrcya6";
const WALLET: &str = "addr_test1vq3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygswahgq5";
const SCRIPT: &str = "addr_test1wpzyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3qa9lxew";

fn vector(name: &str) -> String {
    super::common::vector_text(&format!("publish/{name}"))
}

fn parameters() -> LedgerParameters {
    LedgerParameters::from_cardano_cli_json(&vector("protocol-parameters.json")).unwrap()
}

/// The datum of the release manifest pinned by the golden vector.
fn release_datum_json() -> String {
    let golden = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/release/manifest_v1.json"),
    )
    .unwrap();
    SignedRelease::from_json(golden.trim().as_bytes())
        .unwrap()
        .datum_json()
}

fn request(utxos: Vec<Utxo>, datum: Vec<u8>) -> PublishRequest {
    PublishRequest {
        utxos,
        marker_address: MARKER.into(),
        datum,
        change_address: WALLET.into(),
        parameters: parameters(),
        datum_lovelace: None,
    }
}

/// The transaction with `witnesses` key witnesses spliced into its witness set, as signing adds
/// them (`{0: 258([[vkey, signature], …])}`), to measure the size the fee must cover.
fn signed_form(cbor: &[u8], witnesses: u64) -> Vec<u8> {
    let mut decoder = minicbor::Decoder::new(cbor);
    assert_eq!(decoder.array().unwrap(), Some(4));
    decoder.skip().unwrap();
    let start = decoder.position();
    decoder.skip().unwrap();
    let end = decoder.position();
    assert_eq!(
        &cbor[start..end],
        &[0xa0],
        "an unsigned transaction has no witnesses"
    );
    let mut set = vec![0xa1, 0x00, 0xd9, 0x01, 0x02, 0x80 + witnesses as u8];
    for index in 0..witnesses {
        set.extend_from_slice(&[0x82, 0x58, 0x20]);
        set.extend_from_slice(&[index as u8; 32]);
        set.extend_from_slice(&[0x58, 0x40]);
        set.extend_from_slice(&[0xee; 64]);
    }
    [&cbor[..start], &set[..], &cbor[end..]].concat()
}

fn check_transaction(built: &PublishTransaction, utxos: &[Utxo], datum: &[u8]) {
    let parameters = parameters();
    let tx = MultiEraTx::decode(&built.cbor).expect("pallas decodes the transaction");
    assert_eq!(*tx.hash(), built.id);
    // Inputs: the UTxOs reported, which the set holds.
    let spent: Vec<(String, u64)> = tx
        .inputs()
        .iter()
        .map(|input| (hex::encode(*input.hash()), input.index()))
        .collect();
    assert_eq!(spent.len(), built.inputs.len());
    for utxo in &built.inputs {
        assert!(spent.contains(&(hex::encode(utxo.tx_hash), utxo.index)));
        assert!(utxos.contains(utxo));
    }
    // The datum output: at the marker address, the datum inline byte for byte.
    let outputs = tx.outputs();
    let first = &outputs[0];
    assert_eq!(first.address().unwrap().to_bech32().unwrap(), MARKER);
    match first.datum() {
        Some(pallas_primitives::conway::DatumOption::Data(data)) => {
            assert_eq!(data.0.raw_cbor(), datum);
        }
        other => panic!("no inline datum: {other:?}"),
    }
    // Every output holds at least the minimum UTxO value for its size.
    for output in &outputs {
        let size = output.encode().len() as u64;
        assert!(
            output.value().coin() >= parameters.min_utxo(size),
            "{} < {}",
            output.value().coin(),
            parameters.min_utxo(size)
        );
    }
    // Balanced: inputs = outputs + fee.
    let fee = tx.fee().unwrap();
    assert_eq!(fee, built.fee);
    let consumed: u64 = built.inputs.iter().map(|utxo| utxo.lovelace).sum();
    let produced: u64 = outputs.iter().map(|output| output.value().coin()).sum();
    assert_eq!(consumed, produced + fee);
    // The fee covers the ledger's minimum for the signed transaction.
    let signed = signed_form(&built.cbor, built.witnesses);
    let decoded = MultiEraTx::decode(&signed).expect("the signed form decodes");
    assert_eq!(decoded.vkey_witnesses().len() as u64, built.witnesses);
    assert_eq!(*decoded.hash(), built.id, "witnesses do not change the id");
    assert!(signed.len() as u64 <= built.signed_size);
    assert!(fee >= parameters.min_fee(signed.len() as u64));
    // And, when the change has an output of its own, not by much: within the few bytes of
    // framing the estimate allows.
    if built.change > 0 {
        assert!(fee <= parameters.min_fee(signed.len() as u64 + 8));
    }
}

#[test]
fn the_release_datum_is_published_spending_the_previous_datum() {
    let utxos = utxos_from_cardano_cli_json(&vector("utxo.json")).unwrap();
    assert_eq!(utxos.len(), 4);
    let datum = datum_cbor_from_text(&release_datum_json()).unwrap();
    // The JSON datum encodes as this library's own CBOR datum writer encodes it.
    let golden = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/release/manifest_v1.json"),
    )
    .unwrap();
    assert_eq!(
        datum,
        SignedRelease::from_json(golden.trim().as_bytes())
            .unwrap()
            .datum_cbor()
    );
    let built = build_publish_transaction(&request(utxos.clone(), datum.clone())).unwrap();
    // The previous datum is spent; the marker UTxO alone cannot pay for a datum this size, so
    // the largest funding UTxO joins; the UTxO with a native asset is never touched.
    assert_eq!(built.inputs.len(), 2, "{built:?}");
    assert!(built.inputs.iter().any(|utxo| utxo.address == MARKER));
    assert!(built.inputs.iter().any(|utxo| utxo.lovelace == 100_000_000));
    assert!(built.inputs.iter().all(|utxo| !utxo.has_assets));
    assert_eq!(built.witnesses, 2);
    assert!(built.change > 0);
    check_transaction(&built, &utxos, &datum);

    let envelope: serde_json::Value = serde_json::from_str(&built.text_envelope()).unwrap();
    assert_eq!(envelope["type"], TEXT_ENVELOPE_TYPE);
    assert_eq!(envelope["cborHex"], hex::encode(&built.cbor));
}

#[test]
fn a_larger_datum_output_and_change_too_small_for_an_output() {
    let utxos = utxos_from_cardano_cli_json(&vector("utxo.json")).unwrap();
    let datum = datum_cbor_from_text(&release_datum_json()).unwrap();
    let mut asked = request(utxos.clone(), datum.clone());
    asked.datum_lovelace = Some(10_000_000);
    let built = build_publish_transaction(&asked).unwrap();
    assert_eq!(built.datum_lovelace, 10_000_000);
    check_transaction(&built, &utxos, &datum);

    // Funds that leave less than a change output's minimum: the rest goes to the fee.
    let parameters = parameters();
    let probe = build_publish_transaction(&request(utxos.clone(), datum.clone())).unwrap();
    let tight = vec![Utxo {
        tx_hash: [7; 32],
        index: 0,
        address: WALLET.into(),
        lovelace: probe.datum_lovelace + probe.fee + parameters.min_utxo(60) / 2,
        has_assets: false,
        has_datum: false,
    }];
    let built = build_publish_transaction(&request(tight.clone(), datum.clone())).unwrap();
    assert_eq!(built.change, 0);
    assert_eq!(built.witnesses, 1);
    check_transaction(&built, &tight, &datum);
}

/// The UTxOs holding less than 3 ada: too little to publish the datum.
fn poor_of(utxos: &[Utxo]) -> Vec<Utxo> {
    utxos
        .iter()
        .filter(|utxo| utxo.lovelace < 3_000_000)
        .cloned()
        .collect()
}

#[test]
fn what_cannot_be_published_is_refused_with_its_reason() {
    let utxos = utxos_from_cardano_cli_json(&vector("utxo.json")).unwrap();
    let datum = datum_cbor_from_text(&release_datum_json()).unwrap();
    // Not enough lovelace.
    assert!(matches!(
        build_publish_transaction(&request(poor_of(&utxos), datum.clone())),
        Err(PublishError::InsufficientFunds { .. })
    ));
    // Amounts past what exists: a typed refusal, never an overflow.
    // (Two datum UTxOs at the marker address, both spent, whose amounts add up past 2^64.)
    let marker = utxos.iter().find(|utxo| utxo.has_datum).unwrap();
    let huge: Vec<Utxo> = (0..2)
        .map(|index| Utxo {
            index,
            lovelace: u64::MAX / 2 + 1,
            ..marker.clone()
        })
        .collect();
    assert!(matches!(
        build_publish_transaction(&request(huge, datum.clone())),
        Err(PublishError::Malformed {
            what: "UTxO set",
            ..
        })
    ));
    let mut greedy = request(poor_of(&utxos), datum.clone());
    greedy.datum_lovelace = Some(u64::MAX);
    assert!(matches!(
        build_publish_transaction(&greedy),
        Err(PublishError::InsufficientFunds {
            needed: u64::MAX,
            ..
        })
    ));
    // A marker UTxO with native assets.
    let mut with_assets = utxos.clone();
    with_assets[0].has_assets = true;
    assert!(matches!(
        build_publish_transaction(&request(with_assets, datum.clone())),
        Err(PublishError::NativeAssets { .. })
    ));
    // Funds at a script address cannot be spent with a key.
    let script = vec![Utxo {
        tx_hash: [9; 32],
        index: 0,
        address: SCRIPT.into(),
        lovelace: 50_000_000,
        has_assets: false,
        has_datum: false,
    }];
    assert!(matches!(
        build_publish_transaction(&request(script, datum.clone())),
        Err(PublishError::Address { .. })
    ));
    // Addresses that are not addresses.
    let mut bad = request(utxos.clone(), datum.clone());
    bad.marker_address = "addr_test1notanaddress".into();
    assert!(matches!(
        build_publish_transaction(&bad),
        Err(PublishError::Address { .. })
    ));
    // A datum whose CBOR pallas would re-encode (the integer 23 written in two bytes) is not
    // published with other bytes.
    let non_canonical = datum_cbor_from_text("d8799f1817ff").unwrap();
    assert!(matches!(
        build_publish_transaction(&request(utxos.clone(), non_canonical)),
        Err(PublishError::DatumNotPreserved)
    ));
    // Malformed inputs.
    for text in [
        "",
        "[]",
        "{\"x#0\":{}}",
        "{\"00#0\":{\"address\":\"a\",\"value\":{}}}",
    ] {
        assert!(matches!(
            utxos_from_cardano_cli_json(text),
            Err(PublishError::Malformed { .. })
        ));
    }
    assert!(matches!(
        LedgerParameters::from_cardano_cli_json("{\"txFeePerByte\": 44}"),
        Err(PublishError::Malformed { .. })
    ));
    for datum in [
        "{\"constructor\":0}",
        "{\"int\":1e40}",
        "zz",
        "{\"list\":5}",
    ] {
        assert!(
            matches!(
                datum_cbor_from_text(datum),
                Err(PublishError::Malformed { .. })
            ),
            "{datum}"
        );
    }
    let deep = format!(
        "{}{{\"int\":1}}{}",
        "{\"list\":[".repeat(40),
        "]}".repeat(40)
    );
    assert!(datum_cbor_from_text(&deep).is_err());
}
