//! A signer sending its registration and a signature to an aggregator's HTTP routes: protobuf
//! when the aggregator advertises a wire version both speak, today's JSON otherwise.
//!
//! ```sh
//! cargo run --example http_signer --features http-client,test-support -- http://127.0.0.1:8080/aggregator
//! ```
//!
//! Any aggregator serving Mithril's routes will do: `mithril-compat serve --listen none --http
//! 127.0.0.1:8080`, the `warp_aggregator` example, or a Mithril aggregator (JSON).

use mithril_compat::samples;
use mithril_compat::transport::http::client::HttpClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080/aggregator".to_owned());
    // A node builds its registration from its keys; the samples stand in for them here.
    let registration = samples::signer_registration();
    let mut client = HttpClient::builder(&base)
        .software_version(registration.node_info.software_version().clone())
        .supported_eras(registration.node_info.supported_eras().to_vec())
        .build()?;
    let features = client.discover().await?;
    println!(
        "aggregator at {base}: API {}, wire versions {:?}; sending {}",
        features.open_api_version,
        client.served(),
        client.negotiated()
    );
    let settings = client.epoch_settings().await?;
    println!(
        "epoch {}: {} signers now, {} next",
        settings.epoch,
        settings.current_signers.len(),
        settings.next_signers.len()
    );
    let sent = client.register_signer(&registration).await?;
    println!(
        "registration: {:?} in {} after {} attempt(s){}",
        sent.outcome,
        sent.format,
        sent.attempts,
        sent.era_warning
            .map(|warning| format!("; warning: {warning}"))
            .unwrap_or_default()
    );
    let sent = client
        .register_signature(&samples::single_signature())
        .await?;
    println!("signature: {:?} in {}", sent.outcome, sent.format);
    Ok(())
}
