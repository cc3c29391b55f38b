//! Walks a certificate chain written by `mithril-compat demo --chain-dir DIR` with
//! `mithril-common` 0.8.3's own verifier (`MithrilCertificateVerifier`), from every
//! certificate back to genesis, and prints one line per certificate.
//!
//! ```sh
//! cd tools/upstream-vectors && cargo run --release --features snark --bin verify_chain -- DIR
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};

use mithril_common::certificate_chain::{CertificateVerifier, MithrilCertificateVerifier};
use mithril_common::crypto_helper::GenesisVerifier;
use mithril_common::entities::Certificate;
use mithril_common::messages::CertificateMessage;

#[path = "../retriever.rs"]
mod retriever;

use retriever::InMemoryRetriever;

fn main() -> anyhow::Result<()> {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        bail!("usage: verify_chain <chain directory>");
    };
    let hashes: Vec<String> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("certificates.json")).context("certificates.json")?,
    )?;
    let mut certificates = Vec::new();
    for hash in &hashes {
        let text = std::fs::read_to_string(dir.join(format!("{hash}.json")))
            .with_context(|| format!("{hash}.json"))?;
        let message: CertificateMessage =
            serde_json::from_str(&text).with_context(|| format!("{hash}.json"))?;
        certificates.push(Certificate::try_from(message).with_context(|| format!("{hash}"))?);
    }
    let genesis = GenesisVerifier::read_from_file(&dir.join("genesis.vkey"))?;
    let verifier = MithrilCertificateVerifier::new(
        slog::Logger::root(slog::Discard, slog::o!()),
        Arc::new(InMemoryRetriever(certificates.clone())),
        Arc::new(genesis),
        #[cfg(feature = "snark")]
        Arc::new(mithril_common::test::double::FakeCircuitVerificationKeyCertifier::that_fails()),
    );
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let mut failures = 0;
    for certificate in &certificates {
        let recomputed = certificate.try_compute_hash()?;
        let outcome = runtime.block_on(verifier.verify_certificate_chain(certificate.clone()));
        match outcome {
            Ok(()) if recomputed == certificate.hash => println!(
                "ok    epoch {:>3} {} verifies back to genesis",
                *certificate.epoch, certificate.hash
            ),
            Ok(()) => {
                failures += 1;
                println!(
                    "FAIL  {}: hash recomputed as {recomputed}",
                    certificate.hash
                )
            }
            Err(error) => {
                failures += 1;
                println!(
                    "FAIL  epoch {:>3} {}: {error:#}",
                    *certificate.epoch, certificate.hash
                )
            }
        }
    }
    println!(
        "mithril-common 0.8.3 verified {} of {} certificates",
        certificates.len() - failures,
        certificates.len()
    );
    if failures > 0 {
        bail!("{failures} certificate(s) refused");
    }
    Ok(())
}
