//! The content negotiation as warp filters, for aggregators that serve their routes with warp (as
//! Mithril's aggregator does today): [`negotiated`] extracts a body in whatever format the request
//! names, [`accepts`] the format an answer may take; [`Reply`] and [`HttpError`] are warp replies,
//! and [`recover`] answers the filters' rejections.
//!
//! The filters read and decode exactly as the axum extractors do ([`Negotiated::read`],
//! [`Accepts::from_headers`]): 415 for a body type the route does not take, 406 for an answer
//! type it cannot give, 413 past the body limit, 408 past the body timeout, 400 for a body that
//! does not decode. They reject with an [`HttpError`]; put [`recover`] after the routes so that
//! the rejection is answered in the request's format (today's JSON error body, or a
//! `google.rpc.Status` in protobuf). A handler's own errors can take the same way: an
//! [`HttpError`] is a warp [`Reject`], so it converts into a [`Rejection`] and `?` works in a
//! handler that returns `Result<_, Rejection>`.
//!
//! [`negotiated`] takes the request's body: put it after the path and method filters of its
//! route (the path first, so that warp answers a path no route has with 404 rather than 405).
//!
//! ```no_run
//! use mithril_compat::domain::SignerRegistration;
//! use mithril_compat::transport::http::warp::{negotiated, recover};
//! use mithril_compat::transport::http::{Codec, Negotiated, Reply};
//! use warp::Filter;
//!
//! async fn register_signer(
//!     request: Negotiated<SignerRegistration>,
//! ) -> Result<Reply, warp::Rejection> {
//!     // request.value is the registration, whichever format it came in.
//!     println!("{} registers for epoch {}", request.value.party_id, request.value.epoch.0);
//!     Ok(Reply::created())
//! }
//!
//! # async fn run() {
//! let codec = Codec::default();
//! let routes = warp::path!("aggregator" / "register-signer")
//!     .and(warp::post())
//!     .and(negotiated::<SignerRegistration>(codec))
//!     .and_then(register_signer)
//!     .recover(recover);
//! warp::serve(routes).run(([127, 0, 0, 1], 8080)).await;
//! # }
//! ```

use std::sync::Arc;

use ::warp::reject::{Reject, Rejection};
use ::warp::{Filter, Reply as WarpReply};
use futures_util::TryStreamExt;
use http::HeaderMap;
use http_body::Frame;

use super::body::HttpError;
use super::negotiate::{Accepts, Codec, Negotiated, Reply};
use crate::wire::HubType;

/// A filter that extracts the request's body as a `T`, in the format its `Content-Type` names,
/// within `codec.limits`, with the format its answer takes ([`Negotiated`]). It takes the body:
/// put it after the path and method filters of its route.
pub fn negotiated<T>(
    codec: Codec,
) -> impl Filter<Extract = (Negotiated<T>,), Error = Rejection> + Clone
where
    T: HubType + Send + 'static,
{
    let codec = Arc::new(codec);
    ::warp::header::headers_cloned()
        .and(::warp::body::stream())
        .and_then(move |headers: HeaderMap, body| {
            let codec = Arc::clone(&codec);
            async move {
                Negotiated::<T>::read(&codec, &headers, as_body(body))
                    .await
                    .map_err(::warp::reject::custom)
            }
        })
}

/// warp's body stream as an `http_body::Body`, for [`read_body`](super::read_body).
fn as_body<S, D, E>(stream: S) -> impl http_body::Body<Data = D, Error = E>
where
    S: futures_util::Stream<Item = Result<D, E>>,
    D: bytes::Buf,
{
    http_body_util::StreamBody::new(stream.map_ok(Frame::data))
}

/// A filter that extracts the format an answer of `T` may take, from the request's `Accept`
/// ([`Accepts`]; rejects with 406 when it accepts none the route answers in).
pub fn accepts<T>(codec: Codec) -> impl Filter<Extract = (Accepts<T>,), Error = Rejection> + Clone
where
    T: HubType + Send + 'static,
{
    let codec = Arc::new(codec);
    ::warp::header::headers_cloned().and_then(move |headers: HeaderMap| {
        let answer = Accepts::<T>::from_headers(&codec, &headers).map_err(::warp::reject::custom);
        std::future::ready(answer)
    })
}

/// Answers a rejection that carries an [`HttpError`] with that error (its status, and today's
/// JSON error body or a `google.rpc.Status`); passes any other rejection on. Use it as
/// `routes.recover(recover)`.
pub async fn recover(rejection: Rejection) -> Result<impl WarpReply, Rejection> {
    let Some(error) = rejection.find::<HttpError>() else {
        return Err(rejection);
    };
    let response: ::warp::reply::Response = error.to_response();
    Ok(response)
}

impl Reject for HttpError {}

impl WarpReply for Reply {
    fn into_response(self) -> ::warp::reply::Response {
        self.into_http()
    }
}

impl WarpReply for HttpError {
    fn into_response(self) -> ::warp::reply::Response {
        self.to_response()
    }
}
