//! A certificate retriever over certificates held in memory, for upstream's verifier.

use async_trait::async_trait;

use mithril_common::certificate_chain::{CertificateRetriever, CertificateRetrieverError};
use mithril_common::entities::Certificate;

/// Finds certificates by hash in a list.
pub struct InMemoryRetriever(pub Vec<Certificate>);

#[async_trait]
impl CertificateRetriever for InMemoryRetriever {
    async fn get_certificate_details(
        &self,
        certificate_hash: &str,
    ) -> Result<Certificate, CertificateRetrieverError> {
        self.0
            .iter()
            .find(|certificate| certificate.hash == certificate_hash)
            .cloned()
            .ok_or_else(|| {
                CertificateRetrieverError(anyhow::anyhow!("no certificate {certificate_hash}"))
            })
    }
}
