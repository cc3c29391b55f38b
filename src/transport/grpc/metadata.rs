//! Version metadata: what requests and responses say about the software on each side.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::HeaderName;
use tonic::metadata::MetadataMap;

use crate::domain::{EraName, SoftwareVersion};
use crate::transport::aggregator::AggregatorState;
use crate::wire::WireVersion;

/// Request header: the signer's software version, under the name of today's HTTP header (the
/// one every Mithril aggregator's adoption monitoring reads).
pub const SIGNER_VERSION: &str = "signer-node-version";
/// The name [`SIGNER_VERSION`] had until release 0.3.0: still written and read during release
/// 0.4.0, so that 0.3.0 peers keep seeing the version; gone in the release after.
pub const LEGACY_SIGNER_VERSION: &str = "mithril-signer-version";
/// Request header: the wire version the signer speaks on this call (`v1`, `v2`).
pub const WIRE_VERSION: &str = "mithril-wire-version";
/// Request header: the eras the signer supports, comma-separated.
pub const SUPPORTED_ERAS: &str = "mithril-supported-eras";
/// Response header: the aggregator's software version, under the name of today's HTTP header.
pub const AGGREGATOR_VERSION: &str = "aggregator-node-version";
/// The name [`AGGREGATOR_VERSION`] had until release 0.3.0: still written and read during
/// release 0.4.0.
pub const LEGACY_AGGREGATOR_VERSION: &str = "mithril-aggregator-version";
/// Response header: the era in force at the aggregator.
pub const CURRENT_ERA: &str = "mithril-current-era";
/// Response header: a warning for the signer's operator (an era it must upgrade for).
pub const ERA_WARNING: &str = "mithril-era-warning";

/// The headers as parsed names, built at compile time: a lookup or insertion by `&str` parses
/// the name again on every call.
pub(crate) mod names {
    use super::HeaderName;

    pub(crate) const SIGNER_VERSION: HeaderName = HeaderName::from_static(super::SIGNER_VERSION);
    pub(crate) const LEGACY_SIGNER_VERSION: HeaderName =
        HeaderName::from_static(super::LEGACY_SIGNER_VERSION);
    pub(crate) const LEGACY_AGGREGATOR_VERSION: HeaderName =
        HeaderName::from_static(super::LEGACY_AGGREGATOR_VERSION);
    pub(crate) const WIRE_VERSION: HeaderName = HeaderName::from_static(super::WIRE_VERSION);
    pub(crate) const SUPPORTED_ERAS: HeaderName = HeaderName::from_static(super::SUPPORTED_ERAS);
    pub(crate) const AGGREGATOR_VERSION: HeaderName =
        HeaderName::from_static(super::AGGREGATOR_VERSION);
    pub(crate) const CURRENT_ERA: HeaderName = HeaderName::from_static(super::CURRENT_ERA);
    pub(crate) const ERA_WARNING: HeaderName = HeaderName::from_static(super::ERA_WARNING);
}

/// The text of `name` in `metadata`, if present and visible ASCII.
pub(crate) fn header_text<'a>(metadata: &'a MetadataMap, name: &HeaderName) -> Option<&'a str> {
    metadata.as_ref().get(name)?.to_str().ok()
}

/// What a signer says about itself in request metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerIdentity {
    /// Its software version.
    pub software_version: SoftwareVersion,
    /// The wire version of the call.
    pub wire_version: WireVersion,
    /// The eras it supports.
    pub supported_eras: Vec<EraName>,
}

/// Why request metadata is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// A required header is absent.
    #[error("missing metadata {0}")]
    Missing(&'static str),
    /// A header's value is not acceptable.
    #[error("metadata {header}: {reason}")]
    Invalid {
        /// The header.
        header: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The text of a required request header: `header` is its name as the public constant says it,
/// `name` the same name parsed.
fn text<'a>(
    metadata: &'a MetadataMap,
    header: &'static str,
    name: &HeaderName,
) -> Result<&'a str, MetadataError> {
    metadata
        .as_ref()
        .get(name)
        .ok_or(MetadataError::Missing(header))?
        .to_str()
        .map_err(|_| MetadataError::Invalid {
            header,
            reason: "not visible ASCII".into(),
        })
}

impl SignerIdentity {
    /// Reads the identity from request metadata. Every header is required; the signer's version
    /// is read under [`SIGNER_VERSION`], else under [`LEGACY_SIGNER_VERSION`].
    pub fn from_metadata(metadata: &MetadataMap) -> Result<Self, MetadataError> {
        let (header, name) = if metadata.as_ref().contains_key(&names::SIGNER_VERSION) {
            (SIGNER_VERSION, &names::SIGNER_VERSION)
        } else if metadata
            .as_ref()
            .contains_key(&names::LEGACY_SIGNER_VERSION)
        {
            (LEGACY_SIGNER_VERSION, &names::LEGACY_SIGNER_VERSION)
        } else {
            (SIGNER_VERSION, &names::SIGNER_VERSION)
        };
        let software_version =
            SoftwareVersion::new(text(metadata, header, name)?).map_err(|error| {
                MetadataError::Invalid {
                    header,
                    reason: error.violation().to_string(),
                }
            })?;
        let wire_version = text(metadata, WIRE_VERSION, &names::WIRE_VERSION)?
            .parse::<WireVersion>()
            .map_err(|error| MetadataError::Invalid {
                header: WIRE_VERSION,
                reason: error.to_string(),
            })?;
        let eras = text(metadata, SUPPORTED_ERAS, &names::SUPPORTED_ERAS)?;
        let names: Vec<&str> = eras
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .collect();
        if names.len() > crate::domain::limits::MAX_DECLARED {
            return Err(MetadataError::Invalid {
                header: SUPPORTED_ERAS,
                reason: format!(
                    "declares {} eras, at most {}",
                    names.len(),
                    crate::domain::limits::MAX_DECLARED
                ),
            });
        }
        let supported_eras = names
            .into_iter()
            .map(|name| {
                EraName::new(name).map_err(|error| MetadataError::Invalid {
                    header: SUPPORTED_ERAS,
                    // Never the whole peer input: at most a few dozen bytes of it.
                    reason: format!(
                        "{:?}: {}",
                        super::limits::bounded(name, 40),
                        error.violation()
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            software_version,
            wire_version,
            supported_eras,
        })
    }

    /// Writes the identity into request metadata (the version under both of its names during
    /// release 0.4.0).
    pub fn write(&self, metadata: &mut MetadataMap) {
        let eras = self
            .supported_eras
            .iter()
            .map(EraName::as_str)
            .collect::<Vec<_>>()
            .join(",");
        for (header, value) in [
            (SIGNER_VERSION, self.software_version.to_string()),
            (LEGACY_SIGNER_VERSION, self.software_version.to_string()),
            (WIRE_VERSION, self.wire_version.name().to_owned()),
            (SUPPORTED_ERAS, eras),
        ] {
            if let Ok(value) = value.parse() {
                metadata.insert(header, value);
            }
        }
    }
}

/// A tower layer that adds the aggregator's version and current era to every response of every
/// service (signer services, discovery, health, reflection): an interceptor sees requests only.
#[derive(Clone, Debug)]
pub struct VersionLayer {
    state: Arc<AggregatorState>,
}

impl VersionLayer {
    /// A layer reading `state`.
    pub fn new(state: Arc<AggregatorState>) -> Self {
        Self { state }
    }
}

impl<S> tower::Layer<S> for VersionLayer {
    type Service = VersionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VersionService {
            inner,
            state: self.state.clone(),
        }
    }
}

/// The service [`VersionLayer`] wraps.
#[derive(Clone, Debug)]
pub struct VersionService<S> {
    inner: S,
    state: Arc<AggregatorState>,
}

impl<S, Request, Body> tower::Service<Request> for VersionService<S>
where
    S: tower::Service<Request, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let values = self.state.response_headers();
        let future = self.inner.call(request);
        Box::pin(async move {
            let mut response = future.await?;
            let headers = response.headers_mut();
            if let Some(version) = &values.aggregator_version {
                headers.insert(names::AGGREGATOR_VERSION, version.clone());
                headers.insert(names::LEGACY_AGGREGATOR_VERSION, version.clone());
            }
            if let Some(era) = &values.current_era {
                headers.insert(names::CURRENT_ERA, era.clone());
            }
            Ok(response)
        })
    }
}
