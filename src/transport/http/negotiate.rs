//! The content negotiation of one request, whatever serves it: the body read within the limits
//! and decoded in the format its `Content-Type` names ([`Negotiated`]), the format its answer may
//! take ([`Accepts`]), and the answer ([`Reply`]). The axum extractors and the warp filters are
//! thin wrappers around these.

use std::marker::PhantomData;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use http_body_util::BodyExt;

use super::body::{HttpError, HttpLimits, decode_body, encode_body_with, json_headers};
use super::media::{Format, Offer};
use crate::domain::EraName;
use crate::wire::json::JsonHeaders;
use crate::wire::{DowngradePolicy, HubMessage, HubType};

/// What the content negotiation needs: the formats served and the limits on bodies. An axum
/// router puts it in its state (or implements `FromRef` for a state that holds one); a warp
/// server hands it to the filters of [`warp`](super::warp).
#[derive(Clone, Debug)]
pub struct Codec {
    /// The formats served.
    pub offer: Offer,
    /// The limits on request bodies.
    pub limits: HttpLimits,
}

impl Default for Codec {
    /// JSON and every wire version, within Mithril's limits.
    fn default() -> Self {
        Self {
            offer: Offer::all(),
            limits: HttpLimits::default(),
        }
    }
}

/// A request body decoded into the hub, in the format its `Content-Type` names.
#[derive(Clone, Debug)]
pub struct Negotiated<T> {
    /// The decoded value.
    pub value: T,
    /// The format it came in.
    pub format: Format,
    /// The format errors and answers take (protobuf when the body is, else by `Accept`).
    pub answer: Format,
    /// The JSON headers that came with it (`signer-node-version`).
    pub json_headers: JsonHeaders,
    /// The eras the signer declares in `mithril-supported-eras`, if it sent the header.
    pub declared_eras: Option<Vec<EraName>>,
}

impl<T: HubType> Negotiated<T> {
    /// Reads a request of `T` from its headers and body: the format its `Content-Type` names
    /// (415 when this route does not take it, before the body is read), the body within the
    /// limits ([`read_body`]), then the value (400 naming the field that did not decode). Errors
    /// are in protobuf when the body or the answer the request accepts is.
    pub async fn read<B>(codec: &Codec, headers: &HeaderMap, body: B) -> Result<Self, HttpError>
    where
        B: http_body::Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap_or("\u{fffd}"));
        let format = codec
            .offer
            .request_format(content_type, T::KIND)
            .map_err(|error| HttpError::media(&error))?;
        // Errors follow the body's format, or what the request accepts.
        let answer = codec
            .offer
            .response_format(accept(headers), T::KIND, Some(format))
            .unwrap_or(format);
        let protobuf = format.is_protobuf() || answer.is_protobuf();
        let bytes = read_body(headers, body, &codec.limits)
            .await
            .map_err(|error| error.in_protobuf(protobuf))?;
        let json_headers = json_headers(headers);
        let message = decode_body(format, T::KIND, &bytes, &json_headers)
            .map_err(|error| HttpError::body(&error).in_protobuf(protobuf))?;
        let value = T::from_message(message).ok_or_else(|| {
            HttpError::internal("decoded another kind".to_owned()).in_protobuf(protobuf)
        })?;
        Ok(Self {
            value,
            format,
            answer,
            json_headers,
            declared_eras: declared_eras(headers),
        })
    }
}

/// The request's `Accept`, if it is text.
fn accept(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
}

/// The eras a request declares in `mithril-supported-eras` (comma-separated); names that are not
/// valid era names are ignored; at most 16 are read.
pub fn declared_eras(headers: &HeaderMap) -> Option<Vec<EraName>> {
    let text = headers
        .get(super::SUPPORTED_ERAS)
        .and_then(|value| value.to_str().ok())?;
    Some(
        text.split(',')
            .take(16)
            .filter_map(|name| EraName::new(name.trim()).ok())
            .collect(),
    )
}

/// Reads a whole body within the limits: 413 past `max_body_bytes` (at once when the
/// `Content-Length` says so), 408 when it does not arrive within `body_timeout`.
pub async fn read_body<B>(
    headers: &HeaderMap,
    body: B,
    limits: &HttpLimits,
) -> Result<Bytes, HttpError>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let too_large = || {
        HttpError::too_large(format!(
            "the request body is larger than the {} bytes allowed",
            limits.max_body_bytes
        ))
    };
    if let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok())
        && length > limits.max_body_bytes as u64
    {
        return Err(too_large());
    }
    let limited = http_body_util::Limited::new(body, limits.max_body_bytes);
    match tokio::time::timeout(limits.body_timeout, limited.collect()).await {
        Err(_) => Err(HttpError::timeout(limits.body_timeout)),
        Ok(Err(error)) => {
            if error
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(too_large())
            } else {
                Err(HttpError::unreadable(error))
            }
        }
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// The format an answer of `T` may take, from the request's `Accept` (406 when none).
#[derive(Clone, Copy, Debug)]
pub struct Accepts<T> {
    /// The negotiated format.
    pub format: Format,
    kind: PhantomData<fn() -> T>,
}

impl<T> Accepts<T> {
    /// The format negotiated.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            kind: PhantomData,
        }
    }
}

impl<T: HubType> Accepts<T> {
    /// The format of an answer of `T` to a request with these headers (406 when the request
    /// accepts none this route answers in).
    pub fn from_headers(codec: &Codec, headers: &HeaderMap) -> Result<Self, HttpError> {
        codec
            .offer
            .response_format(accept(headers), T::KIND, None)
            .map(Self::new)
            .map_err(|error| HttpError::media(&error))
    }
}

/// An answer: a status, an optional body in a negotiated format, and headers.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    body: Option<(Format, HubMessage)>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    /// 201 with no body (a registration or a signature taken).
    pub fn created() -> Self {
        Self::empty(StatusCode::CREATED)
    }

    /// `status` with no body.
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// 200 with `message` in `format`.
    pub fn message(format: Format, message: impl Into<HubMessage>) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some((format, message.into())),
            headers: Vec::new(),
        }
    }

    /// The same answer with a header more (ignored when the value is not a valid header value).
    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((name, value));
        }
        self
    }

    /// The same answer with the era warning, if any.
    pub fn with_warning(self, warning: Option<String>) -> Self {
        match warning {
            Some(warning) => {
                self.with_header(HeaderName::from_static(super::ERA_WARNING), &warning)
            }
            None => self,
        }
    }

    /// The whole answer as an `http` response, in any body type made from bytes (axum's,
    /// warp's, `http_body_util::Full`); a message that cannot be encoded is a 500.
    pub fn into_http<B: From<Vec<u8>>>(self) -> http::Response<B> {
        let mut response = match &self.body {
            None => http::Response::new(B::from(Vec::new())),
            // An answer carries what its format can: today's JSON epoch settings publish no
            // stake, and an older wire version lacks newer parts. What is left out is what that
            // format's readers do not read.
            Some((format, message)) => {
                match encode_body_with(*format, message, DowngradePolicy::Lossy) {
                    Ok((encoded, _dropped)) => {
                        let mut response = http::Response::new(B::from(encoded.bytes));
                        if let Ok(value) = HeaderValue::from_str(&encoded.content_type) {
                            response.headers_mut().insert(header::CONTENT_TYPE, value);
                        }
                        response
                    }
                    Err(error) => {
                        return HttpError::internal(format!(
                            "the answer could not be encoded: {error}"
                        ))
                        .in_protobuf(format.is_protobuf())
                        .to_response();
                    }
                }
            }
        };
        *response.status_mut() = self.status;
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
