//! The content negotiation for a node's own axum handlers: [`Negotiated`] extracts a body in
//! whatever format the request names, [`Accepts`] the format an answer may take, and [`Reply`]
//! and [`HttpError`] are responses.
//!
//! ```no_run
//! use axum::{Router, routing::post};
//! use mithril_compat::domain::SignerRegistration;
//! use mithril_compat::transport::http::{Codec, Negotiated, Reply};
//!
//! async fn register_signer(request: Negotiated<SignerRegistration>) -> Reply {
//!     // request.value is the registration, whichever format it came in.
//!     Reply::created()
//! }
//!
//! let app: Router = Router::new()
//!     .route("/aggregator/register-signer", post(register_signer))
//!     .with_state(Codec::default());
//! ```

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use super::body::HttpError;
use super::negotiate::{Accepts, Codec, Negotiated, Reply};
use crate::wire::HubType;

impl<S, T> FromRequest<S> for Negotiated<T>
where
    S: Send + Sync,
    Codec: FromRef<S>,
    T: HubType + Send,
{
    type Rejection = HttpError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let codec = Codec::from_ref(state);
        let (parts, body) = request.into_parts();
        Self::read(&codec, &parts.headers, body).await
    }
}

impl<S, T> FromRequestParts<S> for Accepts<T>
where
    S: Send + Sync,
    Codec: FromRef<S>,
    T: HubType,
{
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Self::from_headers(&Codec::from_ref(state), &parts.headers)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        self.into_http::<Body>()
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        self.to_response::<Body>()
    }
}
