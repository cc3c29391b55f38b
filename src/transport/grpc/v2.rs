//! The `mithril.signer.v2` service: batches, a signature stream and an epoch-settings watch.

use tonic::metadata::MetadataMap;

use super::client::{BatchReply, CallFuture, Reply, SignerClient, VersionCalls, from_pb, to_pb};
use crate::domain::{EpochSettings, SignerRegistration, SingleSignature};

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::{Stream, StreamExt, wrappers::WatchStream};
use tonic::{Request, Response, Status, Streaming};

use super::admission::with_warning;
use super::limits::{ServerLimits, bounded};
use crate::transport::aggregator::AggregatorState;
use crate::wire::{WireVersion, v2};

use super::common::*;
/// The `mithril.signer.v2` service.
#[derive(Clone, Debug)]
pub struct V2Adapter {
    pub(crate) state: Arc<AggregatorState>,
}

/// The rejections of one answer, bounded: the first few one by one, every one counted by
/// reason, reasons cut to a bounded length and bounded in number.
struct Rejections<'a> {
    limits: &'a ServerLimits,
    examples: Vec<v2::pb::SignatureRejection>,
    counts: Vec<v2::pb::RejectionCount>,
}

/// The reason that gathers the distinct reasons past the limit.
const OTHER_REASONS: &str = "other reasons";

impl<'a> Rejections<'a> {
    fn new(limits: &'a ServerLimits) -> Self {
        Self {
            limits,
            examples: Vec::new(),
            counts: Vec::new(),
        }
    }

    fn push(&mut self, index: u32, reason: &str) {
        let reason = bounded(reason, self.limits.max_reason_bytes);
        let slot = match self.counts.iter().position(|count| count.reason == reason) {
            Some(slot) => slot,
            None if self.counts.len() < self.limits.max_rejection_reasons => {
                self.counts.push(v2::pb::RejectionCount {
                    reason: reason.clone(),
                    count: 0,
                });
                self.counts.len() - 1
            }
            None => match self.counts.iter().position(|c| c.reason == OTHER_REASONS) {
                Some(slot) => slot,
                None => {
                    self.counts.push(v2::pb::RejectionCount {
                        reason: OTHER_REASONS.to_owned(),
                        count: 0,
                    });
                    self.counts.len() - 1
                }
            },
        };
        self.counts[slot].count = self.counts[slot].count.saturating_add(1);
        if self.examples.len() < self.limits.max_rejection_examples {
            self.examples
                .push(v2::pb::SignatureRejection { index, reason });
        }
    }
}

/// Registers one signature of a batch or stream; a refused one is recorded and does not stop
/// the others. Returns whether it was accepted.
async fn register_entry(
    state: &AggregatorState,
    pb: Option<v2::pb::SingleSignature>,
    index: u32,
    rejections: &mut Rejections<'_>,
) -> bool {
    match register_signature::<v2::V2>(state, pb, "signature").await {
        Ok(()) => true,
        Err(status) => {
            rejections.push(index, status.message());
            false
        }
    }
}

type WatchStreamOf =
    Pin<Box<dyn Stream<Item = Result<v2::pb::WatchEpochSettingsResponse, Status>> + Send>>;

impl V2Adapter {
    /// The service over `state`, to mount on a tonic router.
    pub fn new(state: Arc<AggregatorState>) -> Self {
        Self { state }
    }
}

#[tonic::async_trait]
impl v2::pb::signer_service_server::SignerService for V2Adapter {
    async fn register_signer(
        &self,
        request: Request<v2::pb::RegisterSignerRequest>,
    ) -> Result<Response<v2::pb::RegisterSignerResponse>, Status> {
        identity(&request, WireVersion::V2)?;
        let v2::pb::RegisterSignerRequest { registration } = request.into_inner();
        let warning = register_signer::<v2::V2>(&self.state, registration).await?;
        Ok(with_warning(
            Response::new(v2::pb::RegisterSignerResponse {}),
            warning,
        ))
    }

    async fn register_signatures(
        &self,
        request: Request<v2::pb::RegisterSignaturesRequest>,
    ) -> Result<Response<v2::pb::RegisterSignaturesResponse>, Status> {
        let warning = admit_caller(&self.state, &request, WireVersion::V2)?;
        let v2::pb::RegisterSignaturesRequest { signatures } = request.into_inner();
        let limits = &self.state.limits;
        if signatures.len() > limits.max_batch_entries {
            return Err(Status::resource_exhausted(format!(
                "a batch may carry at most {} signatures: split it",
                limits.max_batch_entries
            )));
        }
        let mut rejections = Rejections::new(limits);
        let mut accepted = 0u32;
        for (index, signature) in signatures.into_iter().enumerate() {
            accepted += u32::from(
                register_entry(&self.state, Some(signature), index as u32, &mut rejections).await,
            );
        }
        Ok(with_warning(
            Response::new(v2::pb::RegisterSignaturesResponse {
                accepted,
                rejections: rejections.examples,
                rejection_counts: rejections.counts,
            }),
            warning,
        ))
    }

    async fn get_epoch_settings(
        &self,
        _request: Request<v2::pb::GetEpochSettingsRequest>,
    ) -> Result<Response<v2::pb::GetEpochSettingsResponse>, Status> {
        Ok(Response::new(v2::pb::GetEpochSettingsResponse {
            epoch_settings: Some(epoch_settings::<v2::V2>(&self.state).await?),
        }))
    }

    async fn stream_signatures(
        &self,
        request: Request<Streaming<v2::pb::StreamSignaturesRequest>>,
    ) -> Result<Response<v2::pb::StreamSignaturesResponse>, Status> {
        let warning = admit_caller(&self.state, &request, WireVersion::V2)?;
        let mut stream = request.into_inner();
        let limits = &self.state.limits;
        let mut rejections = Rejections::new(limits);
        let (mut accepted, mut index) = (0u32, 0usize);
        // A signer that disconnects ends the stream with an error: what arrived before it is
        // kept, once. What the answer holds is bounded whatever the stream's length.
        while let Some(message) = stream.message().await? {
            if index >= limits.max_stream_entries {
                return Err(Status::resource_exhausted(format!(
                    "a stream may carry at most {} signatures ({accepted} accepted): open another",
                    limits.max_stream_entries
                )));
            }
            accepted += u32::from(
                register_entry(
                    &self.state,
                    message.signature,
                    index as u32,
                    &mut rejections,
                )
                .await,
            );
            index += 1;
        }
        Ok(with_warning(
            Response::new(v2::pb::StreamSignaturesResponse {
                accepted,
                rejections: rejections.examples,
                rejection_counts: rejections.counts,
            }),
            warning,
        ))
    }

    type WatchEpochSettingsStream = WatchStreamOf;

    async fn watch_epoch_settings(
        &self,
        _request: Request<v2::pb::WatchEpochSettingsRequest>,
    ) -> Result<Response<Self::WatchEpochSettingsStream>, Status> {
        let state = self.state.clone();
        let changes = WatchStream::new(self.state.changes.subscribe());
        let stream = changes.then(move |_| {
            let state = state.clone();
            async move {
                Ok(v2::pb::WatchEpochSettingsResponse {
                    epoch_settings: Some(epoch_settings::<v2::V2>(&state).await?),
                    era: Some(announcement(&state)),
                })
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

/// Mounts the `mithril.signer.v2` service on `routes` and reports it serving.
pub(super) async fn mount(
    state: &Arc<AggregatorState>,
    routes: &mut tonic::service::RoutesBuilder,
    health: &tonic_health::server::HealthReporter,
) {
    routes.add_service(
        v2::pb::signer_service_server::SignerServiceServer::new(V2Adapter {
            state: state.clone(),
        })
        .max_decoding_message_size(state.limits.max_request_bytes),
    );
    health
        .set_serving::<v2::pb::signer_service_server::SignerServiceServer<V2Adapter>>()
        .await;
}

/// The client's calls in `v2`.
pub(super) struct Calls;

impl VersionCalls for Calls {
    fn register_signer<'a>(
        &'a self,
        client: &'a SignerClient,
        registration: &'a SignerRegistration,
    ) -> CallFuture<'a, MetadataMap> {
        Box::pin(async move {
            let message = v2::pb::RegisterSignerRequest {
                registration: Some(to_pb::<v2::V2, _>(registration)?),
            };
            let response =
                v2::pb::signer_service_client::SignerServiceClient::new(client.channel.clone())
                    .register_signer(client.request(message))
                    .await?
                    .metadata()
                    .clone();
            Ok(response)
        })
    }

    fn register_signatures<'a>(
        &'a self,
        client: &'a SignerClient,
        signatures: &'a [SingleSignature],
    ) -> CallFuture<'a, BatchReply> {
        Box::pin(async move {
            let message = v2::pb::RegisterSignaturesRequest {
                signatures: signatures
                    .iter()
                    .map(to_pb::<v2::V2, _>)
                    .collect::<Result<_, _>>()?,
            };
            let response =
                v2::pb::signer_service_client::SignerServiceClient::new(client.channel.clone())
                    .register_signatures(client.request(message))
                    .await?;
            let reply = Reply::from_metadata(response.metadata());
            let v2::pb::RegisterSignaturesResponse {
                accepted,
                rejections,
                rejection_counts,
            } = response.into_inner();
            Ok(batch_reply(accepted, rejections, rejection_counts, reply))
        })
    }

    fn stream_signatures<'a>(
        &'a self,
        client: &'a SignerClient,
        signatures: &'a [SingleSignature],
    ) -> CallFuture<'a, BatchReply> {
        Box::pin(async move {
            let messages = signatures
                .iter()
                .map(|signature| {
                    to_pb::<v2::V2, _>(signature).map(|pb| v2::pb::StreamSignaturesRequest {
                        signature: Some(pb),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let response =
                v2::pb::signer_service_client::SignerServiceClient::new(client.channel.clone())
                    .stream_signatures(client.request(tokio_stream::iter(messages)))
                    .await?;
            let reply = Reply::from_metadata(response.metadata());
            let v2::pb::StreamSignaturesResponse {
                accepted,
                rejections,
                rejection_counts,
            } = response.into_inner();
            Ok(batch_reply(accepted, rejections, rejection_counts, reply))
        })
    }

    fn epoch_settings<'a>(
        &'a self,
        client: &'a SignerClient,
    ) -> CallFuture<'a, (EpochSettings, Reply)> {
        Box::pin(async move {
            let response =
                v2::pb::signer_service_client::SignerServiceClient::new(client.channel.clone())
                    .get_epoch_settings(client.request(v2::pb::GetEpochSettingsRequest {}))
                    .await?;
            let reply = Reply::from_metadata(response.metadata());
            let settings = from_pb::<v2::V2, EpochSettings>(
                response.into_inner().epoch_settings,
                "epoch_settings",
            )?;
            Ok((settings, reply))
        })
    }
}

/// The outcome as a v2 batch or stream response states it.
fn batch_reply(
    accepted: u32,
    rejections: Vec<v2::pb::SignatureRejection>,
    counts: Vec<v2::pb::RejectionCount>,
    reply: Reply,
) -> BatchReply {
    BatchReply {
        accepted,
        rejected: rejections
            .into_iter()
            .map(|rejection| (rejection.index, rejection.reason))
            .collect(),
        rejected_by_reason: counts
            .into_iter()
            .map(|count| (count.reason, count.count))
            .collect(),
        reply,
    }
}
