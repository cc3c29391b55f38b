//! A small warp aggregator whose own handlers take today's JSON bodies and protobuf ones alike,
//! through the filters of `mithril_compat::transport::http::warp`.
//!
//! ```text
//! cargo run --example warp_aggregator --features warp -- 127.0.0.1:8080
//! curl -i -H 'content-type: application/json' -H 'signer-node-version: 0.2.5' \
//!     --data-binary @tests/golden/json/register_signer.json \
//!     http://127.0.0.1:8080/aggregator/register-signer
//! curl -i http://127.0.0.1:8080/aggregator/epoch-settings
//! curl -i -H 'accept: application/x-protobuf' http://127.0.0.1:8080/aggregator/epoch-settings
//! ```

use std::net::SocketAddr;

use mithril_compat::domain::{
    Epoch, EpochSettings, ProtocolParameters, SignerRegistration, SignerSet, SingleSignature,
};
use mithril_compat::transport::http::warp::{accepts, negotiated, recover};
use mithril_compat::transport::http::{Accepts, Codec, Negotiated, Reply};
use warp::{Filter, Rejection};

async fn register_signer(request: Negotiated<SignerRegistration>) -> Result<Reply, Rejection> {
    let registration = &request.value;
    println!(
        "register-signer ({}): {} for epoch {}, signer {}",
        request.format,
        registration.party_id,
        registration.epoch,
        registration.node_info.software_version(),
    );
    Ok(Reply::created())
}

async fn register_signatures(request: Negotiated<SingleSignature>) -> Result<Reply, Rejection> {
    let signature = &request.value;
    println!(
        "register-signatures ({}): {} signs {}, {} indexes won",
        request.format,
        signature.party_id,
        signature.signed_entity_type.name(),
        signature.won_indexes.len(),
    );
    Ok(Reply::created())
}

async fn epoch_settings(accepts: Accepts<EpochSettings>) -> Result<Reply, Rejection> {
    println!("epoch-settings ({})", accepts.format);
    let settings = EpochSettings {
        epoch: Epoch(541),
        signer_registration_protocol_parameters: Some(ProtocolParameters::MAINNET),
        current_signers: SignerSet::default(),
        next_signers: SignerSet::default(),
        cardano_transactions_signing_config: None,
    };
    Ok(Reply::message(accepts.format, settings))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("127.0.0.1:8080")
        .parse()
        .map_err(|error| format!("the address to listen on: {error}"))?;
    // JSON and every protobuf wire version, within Mithril's body limits.
    let codec = Codec::default();

    let register_signer = warp::path!("register-signer")
        .and(warp::post())
        .and(negotiated::<SignerRegistration>(codec.clone()))
        .and_then(register_signer);
    let register_signatures = warp::path!("register-signatures")
        .and(warp::post())
        .and(negotiated::<SingleSignature>(codec.clone()))
        .and_then(register_signatures);
    let epoch_settings = warp::path!("epoch-settings")
        .and(warp::get())
        .and(accepts::<EpochSettings>(codec))
        .and_then(epoch_settings);
    let routes = warp::path("aggregator")
        .and(register_signer.or(register_signatures).or(epoch_settings))
        // 415, 406, 413, 408 and 400 answered in the request's format.
        .recover(recover);

    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on http://{}/aggregator", listener.local_addr()?);
    warp::serve(routes)
        .incoming(listener)
        .graceful(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .run()
        .await;
    Ok(())
}
