//! `mithril-compat proxy`: the migration proxy between JSON and protobuf nodes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use mithril_compat::transport::http::Offer;
use mithril_compat::transport::http::proxy::{Proxy, ProxyConfig, ProxyError, serve};
use mithril_compat::wire::WireVersion;

/// Arguments of `proxy`.
#[derive(Args)]
pub struct ProxyArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// The upstream aggregator's origin, such as http://aggregator:8080 (request paths are
    /// kept, base path included).
    #[arg(long)]
    upstream: String,
    /// Where the signer routes sit, on the proxy and upstream.
    #[arg(long, default_value = "/aggregator")]
    base_path: String,
    /// What the upstream takes, comma-separated (`json`, `v1`, `v2`); by default learned from
    /// its `GET /` and its 415 answers.
    #[arg(long, value_delimiter = ',')]
    upstream_speaks: Vec<String>,
    /// Longest wait for an upstream answer (seconds).
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

/// A failure of `proxy`.
#[derive(Debug, thiserror::Error)]
pub enum ProxyCliError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Proxy(#[from] ProxyError),
}

fn offer(speaks: &[String]) -> Result<Option<Offer>, ProxyCliError> {
    if speaks.is_empty() {
        return Ok(None);
    }
    let mut offer = Offer {
        versions: Vec::new(),
        json: false,
    };
    for name in speaks {
        if name == "json" {
            offer.json = true;
        } else {
            let version: WireVersion = name
                .parse()
                .map_err(|error| ProxyCliError::Setup(format!("--upstream-speaks: {error}")))?;
            offer.versions.push(version);
        }
    }
    Ok(Some(offer))
}

/// Runs the proxy until Ctrl-C.
pub fn run(args: ProxyArgs) -> Result<(), ProxyCliError> {
    let _ = tracing_subscriber::fmt().with_target(false).try_init();
    let mut config = ProxyConfig::new(&args.upstream)
        .with_base_path(&args.base_path)
        .with_timeout(Duration::from_secs(args.timeout));
    if let Some(offer) = offer(&args.upstream_speaks)? {
        config = config.with_upstream_offer(offer);
    }
    let proxy = Arc::new(Proxy::new(config)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| ProxyCliError::Setup(error.to_string()))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|error| ProxyCliError::Setup(format!("{}: {error}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(|error| ProxyCliError::Setup(error.to_string()))?;
        tracing::info!(
            "proxy on http://{address} to {}{}; counters on http://{address}/metrics",
            args.upstream,
            args.base_path
        );
        serve(listener, proxy, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|error| ProxyCliError::Setup(error.to_string()))
    })
}
