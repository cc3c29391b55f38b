//! Soak: 20 seconds of signatures from 64 clients against the library's endpoint and in-memory
//! backend, the epoch moving every 2 seconds, with the process's resident memory sampled every
//! second. Memory must stay flat: the backend keeps each signature once, for its retention window.
//!
//! `cargo bench --bench soak` (Linux: reads `/proc/self/status`). Prints one line per second and
//! a summary; exits non-zero when memory grew by more than half between the first sample after
//! warm-up and the last.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mithril_compat::domain::{Epoch, EraName, SoftwareVersion, Stake};
use mithril_compat::era::NetworkMagic;
use mithril_compat::samples;
use mithril_compat::transport::grpc::{AggregatorState, InMemoryBackend, SignerClient, serve};
use mithril_compat::wire::WireVersion;

const CLIENTS: usize = 64;
const SECONDS: u64 = 20;
const EPOCH_SECONDS: u64 = 2;

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let backend = Arc::new(
        InMemoryBackend::new(
            mithril_compat::domain::ProtocolParameters::MAINNET,
            EraName::new("lagrange").unwrap(),
        )
        .with_default_stake(Stake(1)),
    );
    backend.set_stakes(BTreeMap::new());
    backend.set_epoch_settings(samples::epoch_settings());
    let state = Arc::new(AggregatorState::new(
        backend.clone(),
        SoftwareVersion::new("soak").unwrap(),
        vec![WireVersion::V1, WireVersion::V2],
        NetworkMagic::PREPROD,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, state, std::future::pending()));

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for index in 0..CLIENTS {
        let (endpoint, stop, sent) = (endpoint.clone(), stop.clone(), sent.clone());
        clients.push(tokio::spawn(async move {
            let info = samples::node_info();
            let client = SignerClient::connect(endpoint, &info, &[WireVersion::V2])
                .await
                .unwrap();
            let mut signature = samples::single_signature();
            signature.party_id = samples::pool_id(index as u64);
            let mut count = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // A new message each time: the backend keeps each signature once.
                count += 1;
                signature.signed_message =
                    mithril_compat::domain::SignedMessage::new(format!("{index:08x}{count:056x}"))
                        .unwrap();
                if client
                    .register_signatures(std::slice::from_ref(&signature))
                    .await
                    .is_ok()
                {
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }

    let start = Instant::now();
    let mut samples_kib = Vec::new();
    for second in 1..=SECONDS {
        tokio::time::sleep_until((start + Duration::from_secs(second)).into()).await;
        backend.set_epoch(Epoch(second / EPOCH_SECONDS));
        let (_, kept) = backend.kept();
        let rss = resident_kib();
        samples_kib.push(rss);
        println!(
            "t={second:>2}s epoch {:>2}  signatures sent {:>8}  kept {:>7}  resident {:>7} KiB",
            second / EPOCH_SECONDS,
            sent.load(Ordering::Relaxed),
            kept,
            rss
        );
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        let _ = client.await;
    }
    // After warm-up: the first two epochs fill the retention window.
    let warm = samples_kib[(4 * EPOCH_SECONDS as usize).min(samples_kib.len() - 1)];
    let last = *samples_kib.last().unwrap();
    let peak = *samples_kib.iter().max().unwrap();
    println!(
        "{} signatures in {SECONDS} s from {CLIENTS} clients; resident after warm-up {warm} KiB, \
         at the end {last} KiB, peak {peak} KiB",
        sent.load(Ordering::Relaxed)
    );
    if last > warm + warm / 2 {
        eprintln!("memory grew by more than half after warm-up");
        std::process::exit(1);
    }
}
