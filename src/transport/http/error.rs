//! The error answers of the routes: a status code, today's JSON error body or a
//! `google.rpc.Status`.

use std::time::Duration;

use http::{HeaderValue, StatusCode, header};

use super::media::{self, MediaError};
use crate::WireError;
use crate::transport::aggregator::{BackendError, Refusal, bounded, status};

/// An error answer: a status code, today's JSON error body or a `google.rpc.Status`.
#[derive(Clone, Debug)]
pub struct HttpError {
    status: StatusCode,
    label: String,
    message: String,
    rpc: tonic::Status,
    protobuf: bool,
}

impl HttpError {
    fn new(status: StatusCode, label: &str, rpc: tonic::Status) -> Self {
        Self {
            status,
            label: label.to_owned(),
            message: rpc.message().to_owned(),
            rpc,
            protobuf: false,
        }
    }

    fn plain(status: StatusCode, label: &str, code: tonic::Code, message: String) -> Self {
        Self::new(status, label, tonic::Status::new(code, message))
    }

    /// The same error, answered as a `google.rpc.Status` when `protobuf` (the request's body or
    /// its negotiated answer is protobuf).
    pub fn in_protobuf(mut self, protobuf: bool) -> Self {
        self.protobuf = protobuf;
        self
    }

    /// 415 or 406 for a body or answer type this route does not serve.
    pub fn media(error: &MediaError) -> Self {
        match error {
            MediaError::Unsupported { .. } => Self::plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                tonic::Code::InvalidArgument,
                error.to_string(),
            ),
            MediaError::NotAcceptable { .. } => Self::plain(
                StatusCode::NOT_ACCEPTABLE,
                "not_acceptable",
                tonic::Code::InvalidArgument,
                error.to_string(),
            ),
        }
    }

    /// 400 for a body that did not decode or convert, naming the field; 413 for one over the
    /// limit.
    pub fn body(error: &WireError) -> Self {
        if let WireError::TooLarge { .. } = error {
            return Self::too_large(error.to_string());
        }
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            status::invalid(error),
        )
    }

    /// 413 for a body over the limit.
    pub fn too_large(message: String) -> Self {
        Self::plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            tonic::Code::OutOfRange,
            message,
        )
    }

    /// 408 for a body that did not arrive in time.
    pub fn timeout(limit: Duration) -> Self {
        Self::plain(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            tonic::Code::DeadlineExceeded,
            format!("the request body did not arrive within {limit:?}"),
        )
    }

    /// 400 with a label and a message.
    pub fn bad_request(label: &str, message: String) -> Self {
        Self::plain(
            StatusCode::BAD_REQUEST,
            label,
            tonic::Code::InvalidArgument,
            message,
        )
    }

    /// 400 for a body the connection failed to deliver.
    pub fn unreadable(error: impl std::fmt::Display) -> Self {
        Self::plain(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            tonic::Code::InvalidArgument,
            bounded(&format!("the request body could not be read: {error}"), 512),
        )
    }

    /// 400 for a call the era policy refuses, with the operator's sentence (a
    /// precondition-failure detail in protobuf, as over gRPC).
    pub fn refused(refusal: &Refusal) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "era_refused",
            status::refused(refusal),
        )
    }

    /// The status of a backend failure, as Mithril's aggregator answers: 400 refused, 410 gone,
    /// 404 not found, 550 registration round not open, 503 unavailable, 500 internal.
    pub fn backend(error: BackendError) -> Self {
        let (status_code, label) = match &error {
            BackendError::Refused(_) => (StatusCode::BAD_REQUEST, "refused"),
            BackendError::Gone(_) => (StatusCode::GONE, "gone"),
            BackendError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            BackendError::RoundNotOpen(_) => (round_not_open(), "registration_round_not_open"),
            BackendError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            BackendError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        Self::new(status_code, label, status::backend(error))
    }

    /// 500 for an answer this server could not encode.
    pub fn internal(message: String) -> Self {
        Self::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            tonic::Code::Internal,
            message,
        )
    }

    /// 422 for a body the proxy cannot convert without losing a part of it.
    pub fn unprocessable(message: String) -> Self {
        Self::plain(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_convertible",
            tonic::Code::FailedPrecondition,
            message,
        )
    }

    /// 502 for an upstream that cannot be reached or answered garbage.
    pub fn bad_gateway(message: String) -> Self {
        Self::plain(
            StatusCode::BAD_GATEWAY,
            "bad_gateway",
            tonic::Code::Unavailable,
            message,
        )
    }

    /// 504 for an upstream that did not answer in time.
    pub fn gateway_timeout(message: String) -> Self {
        Self::plain(
            StatusCode::GATEWAY_TIMEOUT,
            "gateway_timeout",
            tonic::Code::DeadlineExceeded,
            message,
        )
    }

    /// 508 for a request that already went through this proxy (a forwarding loop).
    pub fn loop_detected(message: String) -> Self {
        Self::plain(
            StatusCode::LOOP_DETECTED,
            "loop_detected",
            tonic::Code::FailedPrecondition,
            message,
        )
    }

    /// 501 for what this server does not do.
    pub fn not_implemented(message: String) -> Self {
        Self::plain(
            StatusCode::NOT_IMPLEMENTED,
            "not_implemented",
            tonic::Code::Unimplemented,
            message,
        )
    }

    /// 404 for a path that is not a route.
    pub fn not_found() -> Self {
        Self::plain(
            StatusCode::NOT_FOUND,
            "not_found",
            tonic::Code::NotFound,
            "no such route".to_owned(),
        )
    }

    /// 405 for a route called with another method.
    pub fn method_not_allowed() -> Self {
        Self::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            tonic::Code::Unimplemented,
            "this route does not take this method".to_owned(),
        )
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message for the operator.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The label of the JSON body.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The `Content-Type` and the bytes of the body: a `google.rpc.Status` in protobuf; else
    /// `{"label","message"}` for a client error and `{"message"}` for a server error, as
    /// Mithril's aggregator writes them.
    pub fn body_parts(&self) -> (HeaderValue, Vec<u8>) {
        if self.protobuf {
            let content_type = HeaderValue::from_str(&media::error_content_type())
                .unwrap_or(HeaderValue::from_static(media::PROTOBUF));
            // A status built with details carries its whole `google.rpc.Status`; one without
            // (a plain code and message) is written here, so the body never reads as OK.
            let bytes = if self.rpc.details().is_empty() {
                prost::Message::encode_to_vec(&tonic_types::Status {
                    code: self.rpc.code() as i32,
                    message: self.rpc.message().to_owned(),
                    details: Vec::new(),
                })
            } else {
                self.rpc.details().to_vec()
            };
            return (content_type, bytes);
        }
        let body = if self.status.is_server_error() {
            serde_json::json!({ "message": self.message })
        } else {
            serde_json::json!({ "label": self.label, "message": self.message })
        };
        (
            HeaderValue::from_static(media::JSON),
            serde_json::to_vec(&body).unwrap_or_default(),
        )
    }

    /// The whole answer as an `http` response.
    pub fn to_response<B: From<Vec<u8>>>(&self) -> http::Response<B> {
        let (content_type, body) = self.body_parts();
        let mut response = http::Response::new(B::from(body));
        *response.status_mut() = self.status;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
        response
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.label, self.message)
    }
}

impl std::error::Error for HttpError {}

/// Mithril's 550: the registration round is not open yet.
pub fn round_not_open() -> StatusCode {
    StatusCode::from_u16(550).unwrap_or(StatusCode::SERVICE_UNAVAILABLE)
}
