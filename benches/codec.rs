//! Codec and conversion costs, side by side with today's JSON path.
//!
//! The JSON baseline mirrors what Mithril nodes do today: serde_json bodies whose byte fields are
//! hex strings of the key's JSON text ("JSON-hex"), decoded into raw bytes. Our path carries the
//! raw key bytes in protobuf. Both start from the same logical keys and signatures.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mithril_compat::domain::{
    EpochSettings, KeyBytes, NodeInfo, SignatureBytes, Signer, SignerRegistration, SignerSet,
    SingleSignature, SoftwareVersion,
};
use mithril_compat::samples;
use mithril_compat::wire::json::{self, JsonHeaders};
use mithril_compat::wire::{HubType, Spoke, v1, v2};
use prost::Message;

/// Today's JSON-hex carries the JSON text of a key (`samples::json_text_of`).
fn json_key(key: &KeyBytes) -> KeyBytes {
    samples::json_key(key).expect("within bounds")
}

fn registration() -> (SignerRegistration, SignerRegistration) {
    let raw = SignerRegistration {
        node_info: NodeInfo::new(SoftwareVersion::new("0.2.0").unwrap(), vec![], vec![]).unwrap(),
        verification_key_for_snark: None,
        verification_key_signature_for_snark: None,
        ..samples::signer_registration()
    };
    let today = samples::with_todays_key_texts(&raw).expect("within bounds");
    (raw, today)
}

fn signature(len: usize) -> (SingleSignature, SingleSignature) {
    let raw = SingleSignature {
        signature: SignatureBytes::new(samples::bytes(5, len)).unwrap(),
        ..samples::single_signature()
    };
    let today = samples::with_todays_signature_text(&raw).expect("within bounds");
    (raw, today)
}

fn settings(signers: usize) -> (EpochSettings, EpochSettings) {
    let mut raw = samples::epoch_settings_with(signers, signers);
    let strip = |set: &SignerSet, json: bool| {
        SignerSet::new(
            set.as_slice()
                .iter()
                .map(|signer| {
                    let key = |k: &KeyBytes| if json { json_key(k) } else { k.clone() };
                    Signer {
                        verification_key: key(&signer.verification_key),
                        verification_key_signature: signer
                            .verification_key_signature
                            .as_ref()
                            .map(key),
                        operational_certificate: signer.operational_certificate.as_ref().map(key),
                        // Today's JSON publishes no stake and no SNARK keys.
                        stake: None,
                        verification_key_for_snark: None,
                        verification_key_signature_for_snark: None,
                        ..signer.clone()
                    }
                })
                .collect(),
        )
        .unwrap()
    };
    let today = EpochSettings {
        current_signers: strip(&raw.current_signers, true),
        next_signers: strip(&raw.next_signers, true),
        ..raw.clone()
    };
    raw.current_signers = strip(&raw.current_signers, false);
    raw.next_signers = strip(&raw.next_signers, false);
    (raw, today)
}

fn bench_message<T>(c: &mut Criterion, name: &str, raw: &T, today: &T)
where
    T: HubType + json::JsonSpoke + PartialEq + std::fmt::Debug,
    v1::V1: Spoke<T>,
    v2::V2: Spoke<T>,
{
    let headers = JsonHeaders::from_signer_node_version(Some("0.2.0")).unwrap();
    let json_body = json::encode(today).unwrap().body;
    let v1_bytes = v1::encode(raw).unwrap();
    let v2_bytes = v2::encode(raw).unwrap();
    eprintln!(
        "size {name}: json {} B, v1 {} B ({:.1}%), v2 {} B ({:.1}%)",
        json_body.len(),
        v1_bytes.len(),
        100.0 * v1_bytes.len() as f64 / json_body.len() as f64,
        v2_bytes.len(),
        100.0 * v2_bytes.len() as f64 / json_body.len() as f64
    );
    const LIMIT: usize = 256 * 1024 * 1024;
    assert_eq!(
        &json::decode_with_limit::<T>(&json_body, &headers, LIMIT).unwrap(),
        today
    );

    let mut group = c.benchmark_group(format!("codec/{name}"));
    group.bench_function(BenchmarkId::new("decode", "json"), |b| {
        b.iter(|| json::decode_with_limit::<T>(black_box(&json_body), &headers, LIMIT).unwrap())
    });
    group.bench_function(BenchmarkId::new("decode", "v1"), |b| {
        b.iter(|| {
            mithril_compat::wire::decode_with_limit::<v1::V1, T>(black_box(&v1_bytes[..]), LIMIT)
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("decode", "v2"), |b| {
        b.iter(|| {
            mithril_compat::wire::decode_with_limit::<v2::V2, T>(black_box(&v2_bytes[..]), LIMIT)
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("encode", "json"), |b| {
        b.iter(|| json::encode(black_box(today)).unwrap())
    });
    group.bench_function(BenchmarkId::new("encode", "v1"), |b| {
        b.iter(|| v1::encode(black_box(raw)).unwrap())
    });
    group.bench_function(BenchmarkId::new("encode", "v2"), |b| {
        b.iter(|| v2::encode(black_box(raw)).unwrap())
    });
    // The shim's cost: protobuf decoding alone, then decoding and converting to the hub.
    let v2_shared = bytes::Bytes::from(v2_bytes.clone());
    group.bench_function(BenchmarkId::new("decode_only", "v2"), |b| {
        b.iter(|| <v2::V2 as Spoke<T>>::Pb::decode(black_box(v2_shared.clone())).unwrap())
    });
    group.bench_function(BenchmarkId::new("decode_and_convert", "v2"), |b| {
        b.iter(|| {
            mithril_compat::wire::decode_with_limit::<v2::V2, T>(
                black_box(v2_shared.clone()),
                LIMIT,
            )
            .unwrap()
        })
    });
    group.finish();
}

/// A message of upstream's fixture signer: today's body as `mithril-common` 0.8.3 writes it
/// (read into the hub, its keys held as the JSON text it carries), and the same message in
/// canonical bytes for protobuf.
/// `samples::upstream::registration` or `signature`.
type UpstreamVector<T> = fn(&str, &JsonHeaders) -> Result<samples::upstream::Vector<T>, String>;

fn upstream<T>(of: UpstreamVector<T>, name: &str) -> (T, T) {
    // The software version the other rows declare, read from the header as the bench reads it.
    let headers = JsonHeaders::from_signer_node_version(Some("0.2.0")).unwrap();
    let vector = of(name, &headers).expect("the upstream vector converts");
    (vector.canonical, vector.held)
}

fn bench(c: &mut Criterion) {
    // Today's bodies exactly as upstream writes them, for its own fixture signer.
    let (raw, today) = upstream(
        samples::upstream::registration,
        "register_signer_concatenation_only",
    );
    bench_message(c, "upstream_registration", &raw, &today);
    let (raw, today) = upstream(
        samples::upstream::signature,
        "register_signature_mithril_stake_distribution",
    );
    bench_message(c, "upstream_single_signature", &raw, &today);
    let (raw, today) = registration();
    bench_message(c, "registration", &raw, &today);
    let (raw, today) = signature(200);
    bench_message(c, "single_signature_200B", &raw, &today);
    let (raw, today) = signature(2048);
    bench_message(c, "single_signature_2KiB", &raw, &today);
    let (raw, today) = settings(3000);
    bench_message(c, "epoch_settings_3000", &raw, &today);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
