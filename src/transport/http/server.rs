//! The standalone router: the five signer routes under a base path, over an
//! [`AggregatorState`] shared with the gRPC endpoint.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use http::{HeaderName, HeaderValue, header};

use super::body::{HttpError, HttpLimits};
use super::media::{Format, Offer};
use super::negotiate::{Accepts, Codec, Negotiated, Reply};
use crate::domain::{
    AggregatorFeatures, EpochSettings, EraName, ProtocolConfiguration, SignerRegistration,
    SingleSignature,
};
use crate::transport::aggregator::{AggregatorState, admit};
use crate::wire::json::http::{AGGREGATOR_NODE_VERSION, DEFAULT_BASE_PATH, MITHRIL_API_VERSION};

/// How the routes are served.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Where the signer routes sit (`/aggregator`, as Mithril's aggregator).
    pub base_path: String,
    /// Whether JSON is served (today's API); a protobuf-only server answers JSON bodies with 415.
    pub json: bool,
    /// The limits on request bodies.
    pub limits: HttpLimits,
    /// The OpenAPI version in `mithril-api-version` on every answer.
    pub api_version: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            base_path: DEFAULT_BASE_PATH.to_owned(),
            json: true,
            limits: HttpLimits::default(),
            api_version: crate::wire::json::http::OPEN_API_VERSION.to_owned(),
        }
    }
}

impl HttpConfig {
    /// The same configuration under another base path (`""` for the root).
    pub fn with_base_path(mut self, base_path: &str) -> Self {
        self.base_path = base_path.trim_end_matches('/').to_owned();
        self
    }

    /// The same configuration without JSON (a protobuf-only server).
    pub fn protobuf_only(mut self) -> Self {
        self.json = false;
        self
    }

    /// The same configuration with other limits.
    pub fn with_limits(mut self, limits: HttpLimits) -> Self {
        self.limits = limits;
        self
    }
}

/// What every handler shares.
#[derive(Clone)]
struct Shared {
    aggregator: Arc<AggregatorState>,
    codec: Codec,
    api_version: HeaderValue,
}

impl FromRef<Shared> for Codec {
    fn from_ref(shared: &Shared) -> Codec {
        shared.codec.clone()
    }
}

/// The signer routes of `state` under `config.base_path`, answering JSON exactly as Mithril's
/// aggregator and protobuf by content negotiation ([`super::media`]):
///
/// | route | takes | answers |
/// |---|---|---|
/// | `GET /` | | `AggregatorFeatures`, with the wire versions served in `capabilities.wire_versions` |
/// | `GET /epoch-settings` | | `EpochSettings` |
/// | `GET /protocol-configuration/{epoch}` | | `ProtocolConfiguration` |
/// | `POST /register-signer` | `SignerRegistration` | 201 |
/// | `POST /register-signatures` | `SingleSignature` | 201 |
///
/// Every answer, 404 included, carries `mithril-api-version` and `aggregator-node-version`
/// (and `mithril-current-era`). Registrations and signatures pass the era policy of the gRPC
/// endpoint ([`admit`]) and reach the same backend, so a registration counts once whichever
/// transport carried it; a refusal is a 400 whose body is the operator's sentence (a
/// `google.rpc.Status` with a precondition-failure detail in protobuf).
pub fn router(state: Arc<AggregatorState>, config: &HttpConfig) -> Router {
    let offer = Offer {
        versions: state.served().to_vec(),
        json: config.json,
    };
    let shared = Shared {
        api_version: HeaderValue::from_str(&config.api_version)
            .unwrap_or(HeaderValue::from_static("0.0.0")),
        aggregator: state,
        codec: Codec {
            offer,
            limits: config.limits.clone(),
        },
    };
    let base = config.base_path.trim_end_matches('/');
    let mut routes = Router::new()
        .route(&format!("{base}/"), get(features))
        .route(&format!("{base}/epoch-settings"), get(epoch_settings))
        .route(
            &format!("{base}/protocol-configuration/{{epoch}}"),
            get(protocol_configuration),
        )
        .route(&format!("{base}/register-signer"), post(register_signer))
        .route(
            &format!("{base}/register-signatures"),
            post(register_signatures),
        );
    if !base.is_empty() {
        routes = routes.route(base, get(features));
    }
    routes
        .fallback(not_found)
        .layer(axum::middleware::map_response_with_state(
            shared.clone(),
            mithril_headers,
        ))
        .with_state(shared)
}

/// Serves `router` on `listener` until `shutdown` completes, with `TCP_NODELAY` on every
/// connection.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Answers go out at once: without TCP_NODELAY, a small answer can wait for the peer's
    // delayed acknowledgement (tonic sets it too).
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn mithril_headers(State(shared): State<Shared>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static(MITHRIL_API_VERSION),
        shared.api_version.clone(),
    );
    // Computed once per era schedule change, shared with the gRPC version layer.
    let computed = shared.aggregator.response_headers();
    if let Some(value) = &computed.aggregator_version {
        headers.insert(
            HeaderName::from_static(AGGREGATOR_NODE_VERSION),
            value.clone(),
        );
    }
    if let Some(value) = &computed.current_era {
        headers.insert(HeaderName::from_static(super::CURRENT_ERA), value.clone());
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("accept, content-type"),
    );
    response
}

/// 404 with no body, as Mithril's aggregator answers.
async fn not_found() -> Reply {
    Reply::empty(http::StatusCode::NOT_FOUND)
}

async fn features(
    State(shared): State<Shared>,
    accepts: Accepts<AggregatorFeatures>,
) -> Result<Reply, HttpError> {
    let protobuf = accepts.format.is_protobuf();
    let mut features = shared
        .aggregator
        .backend()
        .aggregator_features()
        .await
        .map_err(|error| HttpError::backend(error).in_protobuf(protobuf))?;
    features.wire_versions = shared
        .codec
        .offer
        .versions
        .iter()
        .map(|version| version.id())
        .collect();
    Ok(Reply::message(accepts.format, features))
}

async fn epoch_settings(
    State(shared): State<Shared>,
    accepts: Accepts<EpochSettings>,
) -> Result<Reply, HttpError> {
    let settings = shared
        .aggregator
        .backend()
        .epoch_settings()
        .await
        .map_err(|error| HttpError::backend(error).in_protobuf(accepts.format.is_protobuf()))?;
    Ok(Reply::message(accepts.format, settings))
}

async fn protocol_configuration(
    State(shared): State<Shared>,
    Path(epoch): Path<String>,
    accepts: Accepts<ProtocolConfiguration>,
) -> Result<Reply, HttpError> {
    let protobuf = accepts.format.is_protobuf();
    let epoch = epoch.parse::<u64>().map_err(|_| {
        HttpError::bad_request(
            "invalid_epoch",
            format!(
                "{:?} is not an epoch number",
                crate::transport::aggregator::bounded(&epoch, 64)
            ),
        )
        .in_protobuf(protobuf)
    })?;
    let configuration = shared
        .aggregator
        .backend()
        .protocol_configuration(crate::domain::Epoch(epoch))
        .await
        .map_err(|error| HttpError::backend(error).in_protobuf(protobuf))?;
    Ok(Reply::message(accepts.format, configuration))
}

/// The eras a call declares: a protobuf registration's own (signed) declaration, else the
/// `mithril-supported-eras` header of a protobuf call; a JSON call declares none. An empty
/// declaration is no declaration (a JSON registration converted by the migration proxy has
/// none): the call has its carrier checked, as a JSON call.
fn declared<'a>(
    format: Format,
    own: Option<&'a [EraName]>,
    header: Option<&'a [EraName]>,
) -> Option<&'a [EraName]> {
    match format {
        Format::Json => None,
        Format::Protobuf(_) => own.filter(|eras| !eras.is_empty()).or(header),
    }
}

async fn register_signer(
    State(shared): State<Shared>,
    request: Negotiated<SignerRegistration>,
) -> Result<Reply, HttpError> {
    let protobuf = request.format.is_protobuf() || request.answer.is_protobuf();
    let carrier = request.format.carrier();
    let eras = declared(
        request.format,
        Some(request.value.node_info.supported_eras()),
        None,
    );
    let warning = admit(&shared.aggregator.era_view(), carrier, eras)
        .map_err(|refusal| HttpError::refused(&refusal).in_protobuf(protobuf))?;
    shared
        .aggregator
        .backend()
        .register_signer(request.value, carrier.registration_wire())
        .await
        .map_err(|error| HttpError::backend(error).in_protobuf(protobuf))?;
    Ok(Reply::created().with_warning(warning))
}

async fn register_signatures(
    State(shared): State<Shared>,
    request: Negotiated<SingleSignature>,
) -> Result<Reply, HttpError> {
    let protobuf = request.format.is_protobuf() || request.answer.is_protobuf();
    let carrier = request.format.carrier();
    let eras = declared(request.format, None, request.declared_eras.as_deref());
    let warning = admit(&shared.aggregator.era_view(), carrier, eras)
        .map_err(|refusal| HttpError::refused(&refusal).in_protobuf(protobuf))?;
    shared
        .aggregator
        .backend()
        .register_signature(request.value, carrier.registration_wire())
        .await
        .map_err(|error| HttpError::backend(error).in_protobuf(protobuf))?;
    Ok(Reply::created().with_warning(warning))
}
