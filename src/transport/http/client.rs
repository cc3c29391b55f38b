//! The signer's HTTP client (feature `http-client`): reads `GET /`, sends the highest wire
//! version both sides speak, falls back to JSON where protobuf is not served, and acts on the
//! answers as Mithril's signer does.
//!
//! ```no_run
//! # async fn run() -> Result<(), mithril_compat::transport::http::client::ClientError> {
//! use mithril_compat::samples;
//! use mithril_compat::transport::http::client::HttpClient;
//!
//! let mut client = HttpClient::builder("http://aggregator.example:8080/aggregator").build()?;
//! client.discover().await?; // protobuf v2 if the aggregator serves it, else JSON
//! let sent = client.register_signer(&samples::signer_registration()).await?;
//! println!("{:?} in {} ({} attempt(s))", sent.outcome, client.negotiated(), sent.attempts);
//! # Ok(()) }
//! ```
//!
//! # Outcomes
//! As Mithril's signer treats them. A registration is sent once: 201 is done; 550 (the
//! aggregator has not opened the round of its new epoch yet) is returned, for the caller to
//! register again at its next cycle within the same epoch; any other status or a transport
//! failure is a [`ClientError`], and today's signers likewise start the registration again at
//! their next cycle. A signature: 201, 202 and 410 are done; other statuses and transport
//! failures follow upstream's retry policy, [`RETRY_ATTEMPTS`] tries [`RETRY_DELAY_SECONDS`]
//! seconds apart ([`RetryPolicy`]), then fail with [`ClientError`].
//!
//! # Fallback to JSON
//! After [`HttpClient::discover`], the client sends the newest wire version both sides speak, or
//! JSON when the aggregator advertises none (today's aggregators do not advertise). An answer 415
//! to a protobuf request switches the client to JSON and sends again at once. JSON carries no
//! declared eras or wire versions: a registration sent in JSON has them dropped, and the
//! [`Sent::dropped`] list says so.
//!
//! # TLS
//! reqwest is built without default features: no TLS, so no C toolchain. A node crate that
//! enables one of reqwest's TLS features in its own dependency gets `https` here too.

use std::time::Duration;

use http::{HeaderMap, StatusCode, header};

use super::body::{EncodedBody, decode_body, encode_body_with};
use super::media::{Format, Offer};
use crate::WireError;
use crate::domain::{
    AggregatorFeatures, Epoch, EpochSettings, EraName, ProtocolConfiguration, SignerRegistration,
    SingleSignature, SoftwareVersion,
};
use crate::error::FieldPath;
use crate::wire::json::JsonHeaders;
use crate::wire::json::http::{
    MITHRIL_API_VERSION, OPEN_API_VERSION, RETRY_ATTEMPTS, RETRY_DELAY_SECONDS,
    RegisterSignaturesOutcome, RegisterSignerOutcome, SIGNER_NODE_VERSION, SignerAction,
};
use crate::wire::{DowngradePolicy, HubMessage, HubType, MessageKind, WireVersion};

/// A client failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The client could not be built (a bad URL or proxy).
    #[error("client setup: {0}")]
    Setup(String),
    /// The aggregator could not be reached, after every try.
    #[error("cannot reach the aggregator after {attempts} attempt(s): {source}")]
    Transport {
        /// Tries made.
        attempts: u32,
        /// The last failure.
        source: reqwest::Error,
    },
    /// The aggregator answered with an error status, after every try (an era refusal is not
    /// tried again: it will not change before the signer upgrades).
    #[error("the aggregator answered {status} after {attempts} attempt(s): {message}")]
    Status {
        /// The last status.
        status: StatusCode,
        /// Its message (the `message` of the error body, or the body's text, bounded).
        message: String,
        /// Tries made.
        attempts: u32,
        /// Whether it is the era policy's refusal: this signer must upgrade.
        upgrade_required: bool,
    },
    /// A message could not be converted.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// An answer was larger than the client accepts.
    #[error("the answer is larger than the {limit} bytes this client accepts")]
    TooLarge {
        /// The limit (bytes).
        limit: usize,
    },
    /// An answer's `Content-Type` is not one this client reads.
    #[error("the aggregator answered in {0:?}, which this client does not read")]
    UnexpectedType(String),
}

impl ClientError {
    /// Whether the aggregator said this signer must upgrade (the era policy's refusal).
    pub fn requires_upgrade(&self) -> bool {
        matches!(
            self,
            Self::Status {
                upgrade_required: true,
                ..
            }
        )
    }
}

/// How often and how far apart a failed call is tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all (at least 1).
    pub attempts: u32,
    /// Wait between two tries.
    pub delay: Duration,
}

impl Default for RetryPolicy {
    /// Upstream's signature publishing: three tries, two seconds apart.
    fn default() -> Self {
        Self {
            attempts: RETRY_ATTEMPTS,
            delay: Duration::from_secs(RETRY_DELAY_SECONDS),
        }
    }
}

/// Whether the OpenAPI version `ours` is lower than `theirs` by semantic version precedence (the
/// condition of Mithril's client warning); false when either is not a semantic version.
fn older_than(ours: &str, theirs: &str) -> bool {
    match (
        semver::Version::parse(ours.trim()),
        semver::Version::parse(theirs.trim()),
    ) {
        (Ok(ours), Ok(theirs)) => ours < theirs,
        _ => false,
    }
}

/// What a sent message became.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sent<O> {
    /// The aggregator's outcome.
    pub outcome: O,
    /// The format it was sent in.
    pub format: Format,
    /// Tries made.
    pub attempts: u32,
    /// The aggregator's era warning for this signer's operator, if any.
    pub era_warning: Option<String>,
    /// What the format could not carry and was left out (a JSON registration's declared eras).
    pub dropped: Vec<FieldPath>,
}

/// Largest answer read by default (bytes): epoch settings of thousands of signers in JSON.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Builds an [`HttpClient`].
#[derive(Debug)]
pub struct HttpClientBuilder {
    base: String,
    software_version: Option<SoftwareVersion>,
    supported_eras: Vec<EraName>,
    speaks: Vec<WireVersion>,
    proxy: Option<String>,
    retry: RetryPolicy,
    timeout: Duration,
    max_answer_bytes: usize,
}

impl HttpClientBuilder {
    /// The software version sent in `signer-node-version` (by default, a registration's own).
    pub fn software_version(mut self, version: SoftwareVersion) -> Self {
        self.software_version = Some(version);
        self
    }

    /// The eras sent in `mithril-supported-eras` with protobuf calls.
    pub fn supported_eras(mut self, eras: Vec<EraName>) -> Self {
        self.supported_eras = eras;
        self
    }

    /// The wire versions this client may send (by default every one of this build).
    pub fn speaks(mut self, versions: &[WireVersion]) -> Self {
        self.speaks = versions.to_vec();
        self
    }

    /// Sends JSON only, as today's signers.
    pub fn json_only(self) -> Self {
        self.speaks(&[])
    }

    /// Sends every request through this HTTP proxy (Mithril's `relay_endpoint`).
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = Some(url.to_owned());
        self
    }

    /// The retry policy of signatures (a registration is sent once: see [the outcomes](self#outcomes)).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The timeout of one request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest answer read.
    pub fn max_answer_bytes(mut self, bytes: usize) -> Self {
        self.max_answer_bytes = bytes;
        self
    }

    /// The client.
    pub fn build(self) -> Result<HttpClient, ClientError> {
        let mut builder = reqwest::Client::builder().timeout(self.timeout);
        if let Some(proxy) = &self.proxy {
            let proxy = reqwest::Proxy::all(proxy)
                .map_err(|error| ClientError::Setup(format!("proxy {proxy:?}: {error}")))?;
            builder = builder.proxy(proxy);
        } else {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|error| ClientError::Setup(error.to_string()))?;
        reqwest::Url::parse(&self.base)
            .map_err(|error| ClientError::Setup(format!("{:?}: {error}", self.base)))?;
        Ok(HttpClient {
            http,
            base: self.base.trim_end_matches('/').to_owned(),
            software_version: self.software_version,
            supported_eras: self.supported_eras,
            speaks: self.speaks,
            retry: self.retry,
            max_answer_bytes: self.max_answer_bytes,
            negotiated: Format::Json,
            served: Vec::new(),
        })
    }
}

/// The signer's client of an aggregator's HTTP routes.
#[derive(Clone, Debug)]
pub struct HttpClient {
    http: reqwest::Client,
    base: String,
    software_version: Option<SoftwareVersion>,
    supported_eras: Vec<EraName>,
    speaks: Vec<WireVersion>,
    retry: RetryPolicy,
    max_answer_bytes: usize,
    negotiated: Format,
    served: Vec<WireVersion>,
}

/// One answer, read.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl HttpClient {
    /// A builder for the aggregator whose routes sit at `base_url`
    /// (`http://host:port/aggregator`).
    pub fn builder(base_url: &str) -> HttpClientBuilder {
        HttpClientBuilder {
            base: base_url.to_owned(),
            software_version: None,
            supported_eras: Vec::new(),
            speaks: WireVersion::ALL.to_vec(),
            proxy: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
        }
    }

    /// The format this client sends now.
    pub fn negotiated(&self) -> Format {
        self.negotiated
    }

    /// The wire versions the aggregator advertised at the last [`Self::discover`].
    pub fn served(&self) -> &[WireVersion] {
        &self.served
    }

    /// Reads the aggregator's features (`GET /`, in JSON as every aggregator answers it) and
    /// picks the newest wire version both sides speak, or JSON.
    pub async fn discover(&mut self) -> Result<AggregatorFeatures, ClientError> {
        let answer = self
            .call(
                reqwest::Method::GET,
                "/",
                None,
                Format::Json,
                MessageKind::AggregatorFeatures,
            )
            .await?;
        let features: AggregatorFeatures = self.read(answer, MessageKind::AggregatorFeatures)?;
        self.served = WireVersion::ALL
            .iter()
            .copied()
            .filter(|version| features.wire_versions.contains(&version.id()))
            .collect();
        self.negotiated = WireVersion::ALL
            .iter()
            .rev()
            .copied()
            .find(|version| self.served.contains(version) && self.speaks.contains(version))
            .map_or(Format::Json, Format::Protobuf);
        Ok(features)
    }

    /// `POST /register-signer`, sent once (see [the outcomes](self#outcomes)).
    pub async fn register_signer(
        &mut self,
        registration: &SignerRegistration,
    ) -> Result<Sent<RegisterSignerOutcome>, ClientError> {
        self.send(
            &HubMessage::SignerRegistration(registration.clone()),
            "/register-signer",
            RegisterSignerOutcome::from_status,
            RegisterSignerOutcome::action,
            RetryPolicy {
                attempts: 1,
                delay: Duration::ZERO,
            },
        )
        .await
    }

    /// `POST /register-signatures`, with the client's [`RetryPolicy`].
    pub async fn register_signature(
        &mut self,
        signature: &SingleSignature,
    ) -> Result<Sent<RegisterSignaturesOutcome>, ClientError> {
        self.send(
            &HubMessage::SingleSignature(signature.clone()),
            "/register-signatures",
            RegisterSignaturesOutcome::from_status,
            RegisterSignaturesOutcome::action,
            self.retry,
        )
        .await
    }

    /// `GET /epoch-settings`, asked in the negotiated format (read in whatever format the
    /// aggregator answers).
    pub async fn epoch_settings(&self) -> Result<EpochSettings, ClientError> {
        self.get("/epoch-settings").await
    }

    /// `GET /protocol-configuration/{epoch}`.
    pub async fn protocol_configuration(
        &self,
        epoch: Epoch,
    ) -> Result<ProtocolConfiguration, ClientError> {
        self.get(&format!("/protocol-configuration/{epoch}")).await
    }

    async fn get<T: HubType>(&self, path: &str) -> Result<T, ClientError> {
        let answer = self
            .call(reqwest::Method::GET, path, None, self.negotiated, T::KIND)
            .await?;
        self.read(answer, T::KIND)
    }

    fn read<T: HubType>(&self, answer: Answer, kind: MessageKind) -> Result<T, ClientError> {
        let content_type = answer
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        // Whatever the aggregator answers in: a JSON-only aggregator ignores `Accept`.
        let format = Offer::all()
            .request_format(content_type, kind)
            .map_err(|_| {
                ClientError::UnexpectedType(content_type.unwrap_or_default().to_owned())
            })?;
        let message = decode_body(format, kind, &answer.body, &JsonHeaders::default())?;
        T::from_message(message).ok_or_else(|| ClientError::UnexpectedType(kind.to_string()))
    }

    async fn send<O: Copy>(
        &mut self,
        message: &HubMessage,
        path: &str,
        outcome_of: fn(u16) -> O,
        action_of: fn(O) -> SignerAction,
        retry_policy: RetryPolicy,
    ) -> Result<Sent<O>, ClientError> {
        loop {
            let format = self.negotiated;
            // JSON cannot carry declared eras and wire versions: left out, and said.
            let policy = match format {
                Format::Json => DowngradePolicy::Lossy,
                Format::Protobuf(_) => DowngradePolicy::Strict,
            };
            let (body, dropped) = encode_body_with(format, message, policy)?;
            let mut attempts = 0;
            let answer = loop {
                attempts += 1;
                let result = self
                    .call(
                        reqwest::Method::POST,
                        path,
                        Some(&body),
                        format,
                        message.kind(),
                    )
                    .await;
                match result {
                    Ok(answer) => {
                        let outcome = outcome_of(answer.status.as_u16());
                        let retry = action_of(outcome) == SignerAction::Retry
                            && answer.status != StatusCode::UNSUPPORTED_MEDIA_TYPE
                            && !error_of(&answer).1;
                        if !retry || attempts >= retry_policy.attempts.max(1) {
                            break Ok((answer, outcome));
                        }
                    }
                    Err(ClientError::Transport { source, .. }) => {
                        if attempts >= retry_policy.attempts.max(1) {
                            break Err(ClientError::Transport { attempts, source });
                        }
                    }
                    Err(other) => break Err(other),
                }
                tokio::time::sleep(retry_policy.delay).await;
            };
            let (answer, outcome) = answer?;
            if answer.status == StatusCode::UNSUPPORTED_MEDIA_TYPE && format.is_protobuf() {
                tracing::info!(
                    "the aggregator does not take {format} on {path}: sending json from now on"
                );
                self.negotiated = Format::Json;
                continue;
            }
            return match action_of(outcome) {
                SignerAction::Done | SignerAction::RetryNextCycle => Ok(Sent {
                    outcome,
                    format,
                    attempts,
                    era_warning: header_text(&answer.headers, super::ERA_WARNING),
                    dropped,
                }),
                _ => {
                    let (message, upgrade_required) = error_of(&answer);
                    Err(ClientError::Status {
                        status: answer.status,
                        message,
                        attempts,
                        upgrade_required,
                    })
                }
            };
        }
    }

    /// One request and its whole answer (bounded).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&EncodedBody>,
        format: Format,
        kind: MessageKind,
    ) -> Result<Answer, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method, &url)
            .header(MITHRIL_API_VERSION, OPEN_API_VERSION);
        let version = self.software_version.clone().or_else(|| match body {
            Some(EncodedBody {
                json_headers: Some(headers),
                ..
            }) => headers.signer_node_version.clone(),
            _ => None,
        });
        if let Some(version) = version {
            request = request.header(SIGNER_NODE_VERSION, version.as_str());
        }
        if format.is_protobuf() && !self.supported_eras.is_empty() {
            let eras = self
                .supported_eras
                .iter()
                .map(EraName::as_str)
                .collect::<Vec<_>>()
                .join(",");
            request = request.header(super::SUPPORTED_ERAS, eras);
        }
        match body {
            Some(body) => {
                request = request
                    .header(header::CONTENT_TYPE, &body.content_type)
                    .body(body.bytes.clone());
            }
            None => {
                let accept = match format {
                    Format::Json => super::media::JSON.to_owned(),
                    Format::Protobuf(_) => format!(
                        "{}, {};q=0.5",
                        format.content_type(kind),
                        super::media::JSON
                    ),
                };
                request = request.header(header::ACCEPT, accept);
            }
        }
        let transport = |source| ClientError::Transport {
            attempts: 1,
            source,
        };
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(theirs) = header_text(&headers, MITHRIL_API_VERSION)
            && older_than(OPEN_API_VERSION, &theirs)
        {
            tracing::warn!(
                "OpenAPI version may be incompatible: this client speaks {OPEN_API_VERSION}, the aggregator {theirs}"
            );
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if bytes.len() + chunk.len() > self.max_answer_bytes {
                return Err(ClientError::TooLarge {
                    limit: self.max_answer_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let answer = Answer {
            status,
            headers,
            body: bytes,
        };
        if body.is_none() && !status.is_success() {
            let (message, upgrade_required) = error_of(&answer);
            return Err(ClientError::Status {
                status,
                message,
                attempts: 1,
                upgrade_required,
            });
        }
        Ok(answer)
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(ToOwned::to_owned)
}

/// The message of an error answer (the `message` of a JSON or `google.rpc.Status` body, else
/// the body's text, bounded), and whether it is the era policy's refusal (label `era_refused`,
/// or FAILED_PRECONDITION with a precondition-failure of type ERA).
fn error_of(answer: &Answer) -> (String, bool) {
    let content_type =
        header_text(&answer.headers, header::CONTENT_TYPE.as_str()).unwrap_or_default();
    if content_type.contains(super::media::ERROR_MESSAGE)
        && let Ok(status) = <tonic_types::Status as prost::Message>::decode(&answer.body[..])
    {
        let era = status.code == tonic::Code::FailedPrecondition as i32
            && status.details.iter().any(|detail| {
                detail.type_url.ends_with("google.rpc.PreconditionFailure")
                    && <tonic_types::pb::PreconditionFailure as prost::Message>::decode(
                        &detail.value[..],
                    )
                    .is_ok_and(|failure| {
                        failure
                            .violations
                            .iter()
                            .any(|violation| violation.r#type == "ERA")
                    })
            });
        return (crate::transport::text::bounded(&status.message, 1024), era);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&answer.body)
        && let Some(message) = value.get("message").and_then(serde_json::Value::as_str)
    {
        let era = value.get("label").and_then(serde_json::Value::as_str) == Some("era_refused");
        return (crate::transport::text::bounded(message, 1024), era);
    }
    (
        crate::transport::text::bounded(&String::from_utf8_lossy(&answer.body), 1024),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::older_than;

    #[test]
    fn the_api_version_warning_is_mithrils_lower_version_rule() {
        // Lower by precedence, patch and pre-release included: Mithril's client warns.
        assert!(older_than("0.1.71", "0.1.72"));
        assert!(older_than("0.1.71", "0.2.0"));
        assert!(older_than("0.1.71-rc.1", "0.1.71"));
        // Equal or newer: no warning, even across a minor version.
        assert!(!older_than("0.1.71", "0.1.71"));
        assert!(!older_than("0.1.71", "0.1.70"));
        assert!(!older_than("0.2.0", "0.1.71"));
        // The semver crate's total order, which Mithril's client uses too, puts a version with
        // build metadata after the same version without; text that is not a version never warns.
        assert!(older_than("0.1.71", "0.1.71+build.5"));
        assert!(!older_than("0.1.71", "not a version"));
    }
}
