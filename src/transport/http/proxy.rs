//! The migration proxy (feature `proxy`): protobuf signers (v1, v2) reach an unmodified JSON
//! aggregator through it, and JSON signers reach a protobuf-only aggregator.
//!
//! # What passes, and how
//! - A body the upstream aggregator takes as it is passes **unchanged**, byte for byte, with
//!   every header (the hop-by-hop ones excepted): a JSON signer talking to a JSON aggregator
//!   keeps every member, known or not.
//! - A body of a signer route (`/register-signer`, `/register-signatures`) in a format the
//!   upstream does not take is converted through the hub into one it takes (the newest protobuf
//!   version it serves, else JSON). What the target format cannot carry is **refused** with 422
//!   and a message naming the field, never altered silently, with two exceptions that only a
//!   JSON target imposes and that today's aggregators never read: a registration's declared eras
//!   and wire versions (JSON has no place for them; its software version travels in
//!   `signer-node-version`). They are dropped and named in the `mithril-proxy-dropped` header of
//!   the answer. A body with parts this build's schema does not declare (a JSON body's unknown
//!   members, a protobuf body's undeclared fields, as a newer signer's additive fields) cannot
//!   be converted: those parts could not follow. It is offered to the upstream as it is, and
//!   refused with 422 naming them if the upstream does not take it (415).
//! - An answer of a signer route (`GET /`, `/epoch-settings`, `/protocol-configuration/{epoch}`)
//!   in a format the signer does not accept is fetched in one the upstream serves and converted
//!   into the one the signer asked for. Answers are converted leniently (a JSON client gets no
//!   stake, as today): parts left out, and parts of the answer this build does not declare, are
//!   named in `mithril-proxy-dropped` and counted.
//!   `GET /` in JSON passes with every member, plus the wire versions the proxy converts to in
//!   `capabilities.wire_versions`, so that a protobuf signer negotiates with the proxy.
//! - Anything else (other routes, other methods) passes unchanged.
//!
//! The upstream's formats are learned from its `GET /` (the wire versions it advertises) and
//! from its 415 answers, or set in [`ProxyConfig::upstream_offer`].
//!
//! # As a forward proxy
//! The proxy also takes absolute-form requests (`POST http://aggregator:8080/aggregator/…`), so
//! an unmodified Mithril signer uses it through its `relay_endpoint` setting (environment
//! `RELAY_ENDPOINT`; `mithril-signer/src/configuration.rs` in IntersectMBO/mithril), which the
//! signer hands to reqwest as its HTTP proxy (`Proxy::all`,
//! `internal/mithril-aggregator-client/src/builder.rs`), as Mithril's own Squid relays are used. Whatever host such a request names, it goes to the
//! configured upstream: the proxy serves one aggregator and is no open proxy. An `https://`
//! aggregator endpoint would make the signer tunnel through `CONNECT`, whose bytes the proxy
//! cannot convert: it answers 501, and the signer's aggregator endpoint must be `http://` (a
//! proxy on the aggregator's host, or on its private network).
//!
//! # Failures
//! An upstream that is down or does not answer in time gets 502 or 504 with the reason; a body
//! that cannot be converted 422; bad bodies 400, 413 and 408 as on the server. Each proxy adds
//! its own entry to the `Via` header of what it forwards (RFC 9110 §7.6.3), and a request that
//! comes back with it (an upstream that is, or leads back to, the proxy) gets 508 instead of
//! going round until sockets run out. Counters by
//! route, formats and outcome are on `GET /metrics` (origin-form requests only; absolute-form
//! requests are always forwarded).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use super::body::{HttpError, HttpLimits, decode_body, encode_body_with, json_headers};
use super::media::{Format, Offer};
use super::read_body;
use crate::error::FieldPath;
use crate::wire::json::http::{DEFAULT_BASE_PATH, SIGNER_NODE_VERSION};
use crate::wire::{DowngradePolicy, HubMessage, MessageKind, WireVersion};

/// Answer header: the parts a conversion left out, comma-separated paths.
pub const DROPPED: &str = "mithril-proxy-dropped";
/// Answer header: the conversion made (`json->mithril.signer.v2`), absent when the body passed
/// unchanged.
pub const CONVERTED: &str = "mithril-proxy-converted";

/// How long what the upstream advertises is trusted before it is asked again.
const OFFER_TTL: Duration = Duration::from_secs(60);

/// How the proxy runs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ProxyConfig {
    /// The upstream aggregator's origin (`http://aggregator:8080`); request paths are kept.
    pub upstream: String,
    /// Where the signer routes sit, on the proxy and upstream (`/aggregator`).
    pub base_path: String,
    /// What the upstream takes; `None`: learned from its `GET /` and its 415 answers.
    pub upstream_offer: Option<Offer>,
    /// The limits on request bodies.
    pub limits: HttpLimits,
    /// The longest wait for an upstream answer.
    pub timeout: Duration,
    /// The largest upstream answer read (bytes).
    pub max_answer_bytes: usize,
}

impl ProxyConfig {
    /// A proxy for the aggregator at `upstream`, with the defaults.
    pub fn new(upstream: &str) -> Self {
        Self {
            upstream: upstream.trim_end_matches('/').to_owned(),
            base_path: DEFAULT_BASE_PATH.to_owned(),
            upstream_offer: None,
            limits: HttpLimits::default(),
            timeout: Duration::from_secs(30),
            max_answer_bytes: super::client::DEFAULT_MAX_ANSWER_BYTES,
        }
    }

    /// The same configuration with what the upstream takes set, instead of learned.
    pub fn with_upstream_offer(mut self, offer: Offer) -> Self {
        self.upstream_offer = Some(offer);
        self
    }

    /// The same configuration with another base path.
    pub fn with_base_path(mut self, base_path: &str) -> Self {
        self.base_path = base_path.trim_end_matches('/').to_owned();
        self
    }

    /// The same configuration with other body limits.
    pub fn with_limits(mut self, limits: HttpLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The same configuration with another upstream timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The upstream is not a valid URL.
    #[error("upstream {0:?} is not a valid http URL")]
    Upstream(String),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
}

/// What happened to one request.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
enum Outcome {
    /// Passed unchanged.
    Passed,
    /// Converted.
    Converted,
    /// Refused by the proxy (not convertible, bad body).
    Refused,
    /// The upstream failed (down, timeout).
    Failed,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    route: String,
    from: String,
    to: String,
    outcome: Outcome,
}

/// The proxy: its client, what it learned of the upstream, and its counters.
pub struct Proxy {
    config: ProxyConfig,
    client: reqwest::Client,
    /// This proxy's `Via` entry, added to what it forwards.
    via: HeaderValue,
    learned: RwLock<Option<(Offer, Instant)>>,
    requests: Family<Labels, Counter>,
    dropped: Family<Labels, Counter>,
    registry: Registry,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A signer route, by method and path under the base path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Features,
    EpochSettings,
    ProtocolConfiguration,
    RegisterSigner,
    RegisterSignatures,
}

impl Route {
    fn of(method: &Method, path: &str) -> Option<Self> {
        let post = method == Method::POST;
        let get = method == Method::GET;
        match path {
            "" | "/" if get => Some(Self::Features),
            "/epoch-settings" if get => Some(Self::EpochSettings),
            "/register-signer" if post => Some(Self::RegisterSigner),
            "/register-signatures" if post => Some(Self::RegisterSignatures),
            _ if get
                && path
                    .strip_prefix("/protocol-configuration/")
                    .is_some_and(|epoch| epoch.parse::<u64>().is_ok()) =>
            {
                Some(Self::ProtocolConfiguration)
            }
            _ => None,
        }
    }

    fn kind(self) -> MessageKind {
        match self {
            Self::Features => MessageKind::AggregatorFeatures,
            Self::EpochSettings => MessageKind::EpochSettings,
            Self::ProtocolConfiguration => MessageKind::ProtocolConfiguration,
            Self::RegisterSigner => MessageKind::SignerRegistration,
            Self::RegisterSignatures => MessageKind::SingleSignature,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Features => "/",
            Self::EpochSettings => "/epoch-settings",
            Self::ProtocolConfiguration => "/protocol-configuration",
            Self::RegisterSigner => "/register-signer",
            Self::RegisterSignatures => "/register-signatures",
        }
    }
}

/// Headers that concern one connection, never forwarded (RFC 9110 §7.6.1), and the ones the
/// proxy sets itself.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

fn forwarded(headers: &HeaderMap) -> HeaderMap {
    headers
        .iter()
        .filter(|(name, _)| !hop_by_hop(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// An upstream answer, read.
struct Upstream {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Proxy {
    /// A proxy for `config.upstream`.
    pub fn new(config: ProxyConfig) -> Result<Self, ProxyError> {
        let url = reqwest::Url::parse(&config.upstream)
            .map_err(|_| ProxyError::Upstream(config.upstream.clone()))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(ProxyError::Upstream(config.upstream.clone()));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .no_proxy()
            .build()
            .map_err(|error| ProxyError::Client(error.to_string()))?;
        let requests = Family::<Labels, Counter>::default();
        let dropped = Family::<Labels, Counter>::default();
        let mut registry = Registry::with_prefix("mithril_compat_proxy");
        registry.register(
            "requests",
            "Requests through the proxy, by route, format received, format sent upstream and outcome",
            requests.clone(),
        );
        registry.register(
            "dropped_parts",
            "Parts a conversion left out (declared eras of a JSON registration, stake of a JSON answer)",
            dropped.clone(),
        );
        // This proxy's entry in the `Via` header of what it forwards: a request that comes back
        // with it went round a loop (an upstream that is, or leads back to, this proxy).
        let instance = {
            use std::hash::{BuildHasher, Hasher};
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u32(std::process::id());
            hasher.finish()
        };
        let via = HeaderValue::from_str(&format!("1.1 mithril-compat-proxy-{instance:016x}"))
            .map_err(|error| ProxyError::Client(error.to_string()))?;
        Ok(Self {
            config,
            client,
            via,
            learned: RwLock::new(None),
            requests,
            dropped,
            registry,
        })
    }

    /// The counters in the Prometheus text exposition format.
    pub fn metrics(&self) -> String {
        let mut text = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// The router: every request is handled by the proxy; `GET /metrics` in origin form answers
    /// the counters.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new().fallback(handle).with_state(self)
    }

    fn count(&self, route: &str, from: &str, to: &str, outcome: Outcome) {
        self.requests
            .get_or_create(&Labels {
                route: route.to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
                outcome,
            })
            .inc();
    }

    fn count_formats(&self, route: Route, from: Format, to: Format, outcome: Outcome) {
        self.count(route.name(), &from.to_string(), &to.to_string(), outcome);
    }

    fn count_dropped(&self, route: Route, from: Format, to: Format, dropped: usize) {
        if dropped == 0 {
            return;
        }
        self.dropped
            .get_or_create(&Labels {
                route: route.name().to_owned(),
                from: from.to_string(),
                to: to.to_string(),
                outcome: Outcome::Converted,
            })
            .inc_by(dropped as u64);
    }

    /// What the upstream takes now: configured, cached, or asked (`GET /` in JSON).
    async fn upstream_offer(&self) -> Offer {
        if let Some(offer) = &self.config.upstream_offer {
            return offer.clone();
        }
        if let Some((offer, until)) = self
            .learned
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            && Instant::now() < until
        {
            return offer;
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(super::media::JSON));
        let offer = match self
            .upstream_call(
                Method::GET,
                &format!("{}/", self.config.base_path),
                headers,
                None,
            )
            .await
        {
            Ok(answer) if answer.status.is_success() => {
                let advertised = serde_json::from_slice::<serde_json::Value>(&answer.body)
                    .ok()
                    .and_then(|value| {
                        value
                            .get("capabilities")?
                            .get("wire_versions")?
                            .as_array()
                            .cloned()
                    })
                    .unwrap_or_default();
                Offer {
                    versions: WireVersion::ALL
                        .iter()
                        .copied()
                        .filter(|version| {
                            advertised
                                .iter()
                                .any(|number| number.as_u64() == Some(u64::from(version.number())))
                        })
                        .collect(),
                    json: true,
                }
            }
            // A protobuf-only upstream refuses JSON: ask in protobuf.
            Ok(answer) if answer.status == StatusCode::NOT_ACCEPTABLE => Offer {
                versions: WireVersion::ALL.to_vec(),
                json: false,
            },
            // Unknown: today's API.
            _ => Offer {
                versions: Vec::new(),
                json: true,
            },
        };
        self.remember(offer.clone());
        offer
    }

    fn remember(&self, offer: Offer) {
        *self
            .learned
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((offer, Instant::now() + OFFER_TTL));
    }

    /// The upstream does not take JSON (it answered 415).
    fn learn_no_json(&self, mut offer: Offer) {
        if self.config.upstream_offer.is_none() {
            offer.json = false;
            if offer.versions.is_empty() {
                offer.versions = WireVersion::ALL.to_vec();
            }
            self.remember(offer);
        }
    }

    async fn upstream_call(
        &self,
        method: Method,
        path_and_query: &str,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<Upstream, HttpError> {
        let url = format!("{}{path_and_query}", self.config.upstream);
        let mut headers = headers;
        headers.append(header::VIA, self.via.clone());
        let mut request = self.client.request(method, &url).headers(headers);
        if let Some(body) = body {
            request = request.body(body);
        }
        let mut response = request
            .send()
            .await
            .map_err(|error| upstream_failed(&error))?;
        let status = response.status();
        let headers = forwarded(response.headers());
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| upstream_failed(&error))?
        {
            if bytes.len() + chunk.len() > self.config.max_answer_bytes {
                return Err(HttpError::bad_gateway(format!(
                    "the upstream answer is larger than the {} bytes this proxy reads",
                    self.config.max_answer_bytes
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Upstream {
            status,
            headers,
            body: Bytes::from(bytes),
        })
    }
}

fn upstream_failed(error: &reqwest::Error) -> HttpError {
    if error.is_timeout() {
        HttpError::gateway_timeout(format!(
            "the upstream aggregator did not answer in time: {error}"
        ))
    } else {
        HttpError::bad_gateway(format!(
            "the upstream aggregator cannot be reached: {error}"
        ))
    }
}

fn respond(upstream: Upstream, extra: &[(&str, String)]) -> Response {
    let mut response = Response::new(Body::from(upstream.body));
    *response.status_mut() = upstream.status;
    *response.headers_mut() = upstream.headers;
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn dropped_text(dropped: &[impl ToString]) -> String {
    crate::transport::aggregator::bounded(
        &dropped
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        1024,
    )
}

async fn handle(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let absolute = parts.uri.authority().is_some();
    let own = proxy.via.as_bytes();
    let looped = parts.headers.get_all(header::VIA).iter().any(|value| {
        value
            .as_bytes()
            .split(|byte| *byte == b',')
            .any(|entry| entry.trim_ascii() == own)
    });
    if looped {
        proxy.count("loop", "-", "-", Outcome::Refused);
        return HttpError::loop_detected(
            "this request already went through this proxy: its upstream leads back to it"
                .to_owned(),
        )
        .into_response();
    }
    if parts.method == Method::CONNECT {
        proxy.count("CONNECT", "-", "-", Outcome::Refused);
        return HttpError::not_implemented(
            "CONNECT cannot be converted: give the signer an http:// aggregator endpoint with this proxy"
                .to_owned(),
        )
        .into_response();
    }
    if !absolute && parts.method == Method::GET && parts.uri.path() == "/metrics" {
        return (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            proxy.metrics(),
        )
            .into_response();
    }
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let route = parts
        .uri
        .path()
        .strip_prefix(proxy.config.base_path.as_str())
        .and_then(|rest| Route::of(&parts.method, rest));
    let body = match read_body(&parts.headers, body, &proxy.config.limits).await {
        Ok(body) => body,
        Err(error) => {
            proxy.count(
                route.map_or("other", Route::name),
                "-",
                "-",
                Outcome::Refused,
            );
            return error.into_response();
        }
    };
    let result = match route {
        None => {
            pass(
                &proxy,
                &parts.method,
                &path_and_query,
                &parts.headers,
                body,
                "other",
            )
            .await
        }
        Some(route @ (Route::RegisterSigner | Route::RegisterSignatures)) => {
            post(&proxy, route, &path_and_query, &parts.headers, body).await
        }
        Some(route) => get(&proxy, route, &path_and_query, &parts.headers).await,
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Forwards unchanged.
async fn pass(
    proxy: &Proxy,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Bytes,
    route: &str,
) -> Result<Response, HttpError> {
    let answer = proxy
        .upstream_call(
            method.clone(),
            path_and_query,
            forwarded(headers),
            Some(body),
        )
        .await
        .inspect_err(|_| proxy.count(route, "-", "-", Outcome::Failed))?;
    proxy.count(route, "-", "-", Outcome::Passed);
    Ok(respond(answer, &[]))
}

async fn post(
    proxy: &Proxy,
    route: Route,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    let kind = route.kind();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    // A body the proxy cannot classify is the upstream's to judge.
    let Ok(format) = Offer::all().request_format(content_type, kind) else {
        return pass(
            proxy,
            &Method::POST,
            path_and_query,
            headers,
            body,
            route.name(),
        )
        .await;
    };
    let mut tried_json = false;
    loop {
        let offer = proxy.upstream_offer().await;
        let target = if offer.serves(format) {
            format
        } else {
            match (format, offer.newest()) {
                (_, Some(version)) if Some(Format::Protobuf(version)) != Some(format) => {
                    Format::Protobuf(version)
                }
                _ if offer.json => Format::Json,
                _ => {
                    proxy.count(route.name(), &format.to_string(), "-", Outcome::Refused);
                    return Err(HttpError::unprocessable(format!(
                        "the upstream takes neither {format} nor a format this proxy converts to"
                    ))
                    .in_protobuf(format.is_protobuf()));
                }
            }
        };
        // The body as it came, to the upstream.
        let unchanged = || async {
            proxy
                .upstream_call(
                    Method::POST,
                    path_and_query,
                    forwarded(headers),
                    Some(body.clone()),
                )
                .await
                .inspect_err(|_| proxy.count_formats(route, format, format, Outcome::Failed))
        };
        let answer = if target == format {
            unchanged().await?
        } else {
            let (message, unread) = read_request(kind, format, &body, headers)
                .inspect_err(|_| proxy.count_formats(route, format, target, Outcome::Refused))?;
            if !unread.is_empty() {
                // No conversion carries these parts. The upstream may take the body as it is
                // (what it takes is sometimes a guess): ask once; if it does not, refuse.
                let answer = unchanged().await?;
                if answer.status != StatusCode::UNSUPPORTED_MEDIA_TYPE {
                    proxy.count_formats(route, format, format, Outcome::Passed);
                    return Ok(respond(answer, &[]));
                }
                proxy.count_formats(route, format, target, Outcome::Refused);
                return Err(unread_refusal(format, target, &unread));
            }
            let (converted, dropped) = convert_request(&message, format, target)
                .inspect_err(|_| proxy.count_formats(route, format, target, Outcome::Refused))?;
            let mut upstream_headers = forwarded(headers);
            if let Ok(value) = HeaderValue::from_str(&converted.content_type) {
                upstream_headers.insert(header::CONTENT_TYPE, value);
            }
            // The software version of a protobuf registration travels in the header in JSON.
            if let Some(version) = converted
                .json_headers
                .as_ref()
                .and_then(|json| json.signer_node_version.as_ref())
                && !upstream_headers.contains_key(SIGNER_NODE_VERSION)
                && let Ok(value) = HeaderValue::from_str(version.as_str())
            {
                upstream_headers.insert(HeaderName::from_static(SIGNER_NODE_VERSION), value);
            }
            let answer = proxy
                .upstream_call(
                    Method::POST,
                    path_and_query,
                    upstream_headers,
                    Some(Bytes::from(converted.bytes)),
                )
                .await
                .inspect_err(|_| proxy.count_formats(route, format, target, Outcome::Failed))?;
            if !(answer.status == StatusCode::UNSUPPORTED_MEDIA_TYPE && target == Format::Json) {
                proxy.count_formats(route, format, target, Outcome::Converted);
                proxy.count_dropped(route, format, target, dropped.len());
                let mut extra = vec![(CONVERTED, format!("{format}->{target}"))];
                if !dropped.is_empty() {
                    extra.push((DROPPED, dropped_text(&dropped)));
                }
                return Ok(respond(answer, &extra));
            }
            answer
        };
        // The upstream does not take JSON after all: learn it, and convert once.
        if answer.status == StatusCode::UNSUPPORTED_MEDIA_TYPE
            && target == Format::Json
            && !tried_json
        {
            tried_json = true;
            proxy.learn_no_json(offer);
            continue;
        }
        proxy.count_formats(route, format, target, Outcome::Passed);
        return Ok(respond(answer, &[]));
    }
}

/// The parts of a body this build's schema does not declare, which no conversion can carry: a
/// JSON body's unknown members, a protobuf body's undeclared fields (prost skips them).
fn unread_parts(
    format: Format,
    kind: MessageKind,
    body: &[u8],
) -> Result<Vec<String>, crate::WireError> {
    Ok(match format {
        Format::Json => crate::wire::json::unknown_members(kind, body)?,
        Format::Protobuf(version) => crate::wire::undeclared_fields(version, kind, body)?
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}

/// Reads a request body that must be converted: the message, and the parts of it this build's
/// schema does not declare (which no conversion carries). A body that does not decode is
/// refused as the server refuses it.
fn read_request(
    kind: MessageKind,
    from: Format,
    body: &[u8],
    headers: &HeaderMap,
) -> Result<(HubMessage, Vec<String>), HttpError> {
    let protobuf = from.is_protobuf();
    let message = decode_body(from, kind, body, &json_headers(headers))
        .map_err(|error| HttpError::body(&error).in_protobuf(protobuf))?;
    let unread = unread_parts(from, kind, body)
        .map_err(|error| HttpError::body(&error).in_protobuf(protobuf))?;
    Ok((message, unread))
}

/// The refusal of a body whose `unread` parts `to` cannot carry.
fn unread_refusal(from: Format, to: Format, unread: &[String]) -> HttpError {
    HttpError::unprocessable(format!(
        "{} cannot be carried by {to}: refused rather than dropped",
        crate::transport::aggregator::bounded(&unread.join(", "), 512)
    ))
    .in_protobuf(from.is_protobuf())
}

/// Converts a request through the hub; what the target cannot carry is refused, except a
/// registration's declaration into JSON (returned as dropped).
fn convert_request(
    message: &HubMessage,
    from: Format,
    to: Format,
) -> Result<(super::body::EncodedBody, Vec<FieldPath>), HttpError> {
    let protobuf = from.is_protobuf();
    let (encoded, dropped) = encode_body_with(to, message, DowngradePolicy::Lossy)
        .map_err(|error| HttpError::unprocessable(error.to_string()).in_protobuf(protobuf))?;
    let declaration = |path: &FieldPath| {
        let text = path.to_string();
        text.ends_with("node_info.supported_eras") || text.ends_with("node_info.wire_versions")
    };
    if let Some(path) = dropped.iter().find(|path| !declaration(path)) {
        return Err(HttpError::unprocessable(format!(
            "{path} has no representation in {to}: refused rather than dropped"
        ))
        .in_protobuf(protobuf));
    }
    Ok((encoded, dropped))
}

async fn get(
    proxy: &Proxy,
    route: Route,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<Response, HttpError> {
    let kind = route.kind();
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    let wanted = Offer::all()
        .response_format(accept, kind, None)
        .map_err(|error| HttpError::media(&error))?;
    let offer = proxy.upstream_offer().await;
    let source = if offer.serves(wanted) {
        wanted
    } else if offer.json {
        Format::Json
    } else if let Some(version) = offer.newest() {
        Format::Protobuf(version)
    } else {
        Format::Json
    };
    let mut upstream_headers = forwarded(headers);
    if let Ok(value) = HeaderValue::from_str(&source.content_type(kind)) {
        upstream_headers.insert(header::ACCEPT, value);
    }
    let answer = proxy
        .upstream_call(Method::GET, path_and_query, upstream_headers, None)
        .await
        .inspect_err(|_| proxy.count_formats(route, wanted, source, Outcome::Failed))?;
    if !answer.status.is_success() {
        proxy.count_formats(route, wanted, source, Outcome::Passed);
        return Ok(respond(answer, &[]));
    }
    // What the upstream really answered in (a JSON aggregator ignores `Accept`).
    let answered = Offer::all()
        .request_format(
            answer
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok()),
            kind,
        )
        .unwrap_or(Format::Json);
    if answered == wanted {
        proxy.count_formats(route, wanted, answered, Outcome::Passed);
        if route == Route::Features && wanted == Format::Json {
            return Ok(advertise(answer));
        }
        return Ok(respond(answer, &[]));
    }
    // What the answer carries that this build does not declare cannot follow: named below.
    let unread = unread_parts(answered, kind, &answer.body).unwrap_or_default();
    let message: HubMessage = decode_body(answered, kind, &answer.body, &Default::default())
        .map_err(|error| {
            proxy.count_formats(route, wanted, answered, Outcome::Failed);
            HttpError::bad_gateway(format!("the upstream answer does not decode: {error}"))
        })?;
    let message = match message {
        HubMessage::AggregatorFeatures(mut features) => {
            features.wire_versions = WireVersion::ALL
                .iter()
                .map(|version| version.id())
                .collect();
            HubMessage::AggregatorFeatures(features)
        }
        other => other,
    };
    let (encoded, dropped) =
        encode_body_with(wanted, &message, DowngradePolicy::Lossy).map_err(|error| {
            HttpError::internal(error.to_string()).in_protobuf(wanted.is_protobuf())
        })?;
    proxy.count_formats(route, wanted, answered, Outcome::Converted);
    let lost: Vec<String> = dropped
        .iter()
        .map(ToString::to_string)
        .chain(unread)
        .collect();
    proxy.count_dropped(route, answered, wanted, lost.len());
    let mut headers = answer.headers;
    if let Ok(value) = HeaderValue::from_str(&encoded.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let mut extra = vec![(CONVERTED, format!("{answered}->{wanted}"))];
    if !lost.is_empty() {
        extra.push((DROPPED, dropped_text(&lost)));
    }
    Ok(respond(
        Upstream {
            status: answer.status,
            headers,
            body: Bytes::from(encoded.bytes),
        },
        &extra,
    ))
}

/// `GET /` in JSON, with every member the upstream wrote, and the wire versions this proxy
/// converts to in `capabilities.wire_versions`.
fn advertise(answer: Upstream) -> Response {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&answer.body) else {
        return respond(answer, &[]);
    };
    let versions: Vec<u32> = WireVersion::ALL
        .iter()
        .map(|version| version.number())
        .collect();
    if let Some(capabilities) = value
        .get_mut("capabilities")
        .and_then(serde_json::Value::as_object_mut)
    {
        capabilities.insert("wire_versions".to_owned(), serde_json::json!(versions));
    } else {
        return respond(answer, &[]);
    }
    let body = serde_json::to_vec(&value).unwrap_or_default();
    respond(
        Upstream {
            status: answer.status,
            headers: answer.headers,
            body: Bytes::from(body),
        },
        &[],
    )
}

/// Serves the proxy on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    proxy: Arc<Proxy>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, proxy.router())
        .with_graceful_shutdown(shutdown)
        .await
}
