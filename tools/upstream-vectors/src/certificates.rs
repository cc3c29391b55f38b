//! `certificate_chain.json`: a certificate chain built by upstream's own `CertificateChainBuilder`
//! (genesis certificate signed with its deterministic genesis key, then STM multi-signed
//! certificates, several per epoch, the signer set growing each epoch so that the aggregate
//! verification key changes at every epoch), written as the `CertificateMessage` JSON that
//! Mithril's aggregator serves at `GET /certificate/{hash}`, with the genesis verification key in
//! Mithril's key-file format. Every certificate's hash is recomputed by upstream here, and the
//! chain is walked by upstream's `MithrilCertificateVerifier` before it is written.

use std::sync::Arc;

use anyhow::{ensure, Context};
use serde_json::{json, Value};

use mithril_common::certificate_chain::{CertificateVerifier, MithrilCertificateVerifier};
use mithril_common::messages::CertificateMessage;
use mithril_common::test::builder::CertificateChainBuilder;

use crate::retriever::InMemoryRetriever;
use mithril_common::StdResult;

/// Certificates in the chain, and how many share an epoch.
const TOTAL_CERTIFICATES: u64 = 7;
const CERTIFICATES_PER_EPOCH: u64 = 2;

pub async fn generate() -> StdResult<Value> {
    // The builder stamps the genesis certificate with the current time: a fixed instant (with
    // nanoseconds, which the hash covers) keeps the file the same from run to run.
    let fixture = CertificateChainBuilder::new()
        .with_total_certificates(TOTAL_CERTIFICATES)
        .with_certificates_per_epoch(CERTIFICATES_PER_EPOCH)
        .with_genesis_certificate_processor(&|mut certificate, _, _| {
            let instant = chrono::DateTime::parse_from_rfc3339("2026-01-02T15:04:05.123456789Z")
                .expect("a valid instant")
                .with_timezone(&chrono::Utc);
            certificate.metadata.initiated_at = instant;
            certificate.metadata.sealed_at = instant;
            certificate
        })
        .build();
    let chain = fixture.certificates_chained.clone();
    for certificate in &chain {
        ensure!(
            certificate.try_compute_hash()? == certificate.hash,
            "upstream's hash of {} disagrees with the builder's",
            certificate.hash
        );
    }
    let verifier = MithrilCertificateVerifier::new(
        slog::Logger::root(slog::Discard, slog::o!()),
        Arc::new(InMemoryRetriever(chain.clone())),
        Arc::new(fixture.genesis_verifier.clone()),
        // Asked only for SNARK certificates, which this chain has none of.
        #[cfg(feature = "snark")]
        Arc::new(mithril_common::test::double::FakeCircuitVerificationKeyCertifier::that_fails()),
    );
    verifier
        .verify_certificate_chain(chain[0].clone())
        .await
        .context("upstream's verifier refuses the chain it built")?;
    let messages = chain
        .iter()
        .map(|certificate| {
            let message = CertificateMessage::try_from(certificate.clone())?;
            Ok(serde_json::to_value(message)?)
        })
        .collect::<StdResult<Vec<Value>>>()?;
    Ok(json!({
        "source": "mithril-common 0.8.3: test::builder::CertificateChainBuilder (genesis then \
                   STM multi-signatures), entities::Certificate::try_compute_hash, \
                   messages::CertificateMessage, verified by \
                   certificate_chain::MithrilCertificateVerifier",
        "genesis_verification_key": fixture
            .genesis_verifier
            .to_ed25519_verification_key()
            .to_json_hex()?,
        "certificates_latest_first": messages,
    }))
}
