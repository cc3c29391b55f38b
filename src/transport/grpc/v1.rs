//! The `mithril.signer.v1` service: unary calls only.

use tonic::metadata::MetadataMap;

use tonic::Code;

use super::client::{BatchReply, CallFuture, Reply, SignerClient, VersionCalls, from_pb, to_pb};
use crate::domain::{EpochSettings, SignerRegistration, SingleSignature};

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::admission::{required_packages, with_warning};
use crate::transport::aggregator::AggregatorState;
use crate::wire::{WireVersion, v1};

use super::common::*;
/// The `mithril.signer.v1` service.
#[derive(Clone, Debug)]
pub struct V1Adapter {
    pub(crate) state: Arc<AggregatorState>,
}

impl V1Adapter {
    /// The service over `state`, to mount on a tonic router.
    pub fn new(state: Arc<AggregatorState>) -> Self {
        Self { state }
    }
}

#[tonic::async_trait]
impl v1::pb::signer_service_server::SignerService for V1Adapter {
    async fn register_signer(
        &self,
        request: Request<v1::pb::RegisterSignerRequest>,
    ) -> Result<Response<v1::pb::RegisterSignerResponse>, Status> {
        identity(&request, WireVersion::V1)?;
        let v1::pb::RegisterSignerRequest { registration } = request.into_inner();
        let warning = register_signer::<v1::V1>(&self.state, registration).await?;
        Ok(with_warning(
            Response::new(v1::pb::RegisterSignerResponse {}),
            warning,
        ))
    }

    async fn register_signature(
        &self,
        request: Request<v1::pb::RegisterSignatureRequest>,
    ) -> Result<Response<v1::pb::RegisterSignatureResponse>, Status> {
        let warning = admit_caller(&self.state, &request, WireVersion::V1)?;
        let v1::pb::RegisterSignatureRequest { signature } = request.into_inner();
        register_signature::<v1::V1>(&self.state, signature, "signature").await?;
        Ok(with_warning(
            Response::new(v1::pb::RegisterSignatureResponse {}),
            warning,
        ))
    }

    async fn get_epoch_settings(
        &self,
        _request: Request<v1::pb::GetEpochSettingsRequest>,
    ) -> Result<Response<v1::pb::GetEpochSettingsResponse>, Status> {
        let view = self.state.era_view();
        if let Some((era, since)) = view
            .current_era()
            .filter(|(era, _)| !WireVersion::V1.accepted_in(*era))
        {
            let required = required_packages(era);
            return Err(Status::failed_precondition(format!(
                "era {era} (since epoch {since}) requires {required}; this signer speaks v1: upgrade"
            )));
        }
        Ok(Response::new(v1::pb::GetEpochSettingsResponse {
            epoch_settings: Some(epoch_settings::<v1::V1>(&self.state).await?),
        }))
    }
}

/// Mounts the `mithril.signer.v1` service on `routes` and reports it serving.
pub(super) async fn mount(
    state: &Arc<AggregatorState>,
    routes: &mut tonic::service::RoutesBuilder,
    health: &tonic_health::server::HealthReporter,
) {
    routes.add_service(
        v1::pb::signer_service_server::SignerServiceServer::new(V1Adapter {
            state: state.clone(),
        })
        .max_decoding_message_size(state.limits.max_request_bytes),
    );
    health
        .set_serving::<v1::pb::signer_service_server::SignerServiceServer<V1Adapter>>()
        .await;
}

/// The client's calls in `v1`.
pub(super) struct Calls;

impl VersionCalls for Calls {
    fn register_signer<'a>(
        &'a self,
        client: &'a SignerClient,
        registration: &'a SignerRegistration,
    ) -> CallFuture<'a, MetadataMap> {
        Box::pin(async move {
            let message = v1::pb::RegisterSignerRequest {
                registration: Some(to_pb::<v1::V1, _>(registration)?),
            };
            let response =
                v1::pb::signer_service_client::SignerServiceClient::new(client.channel.clone())
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
            let mut batch = BatchReply::default();
            let mut service =
                v1::pb::signer_service_client::SignerServiceClient::new(client.channel.clone());
            for (index, signature) in signatures.iter().enumerate() {
                let message = v1::pb::RegisterSignatureRequest {
                    signature: Some(to_pb::<v1::V1, _>(signature)?),
                };
                match service.register_signature(client.request(message)).await {
                    Ok(response) => {
                        batch.accepted += 1;
                        batch.reply = Reply::from_metadata(response.metadata());
                    }
                    Err(status) if status.code() == Code::FailedPrecondition => {
                        return Err(status.into());
                    }
                    Err(status) => batch
                        .rejected
                        .push((index as u32, status.message().to_owned())),
                }
            }
            Ok(batch)
        })
    }

    fn stream_signatures<'a>(
        &'a self,
        client: &'a SignerClient,
        signatures: &'a [SingleSignature],
    ) -> CallFuture<'a, BatchReply> {
        self.register_signatures(client, signatures)
    }

    fn epoch_settings<'a>(
        &'a self,
        client: &'a SignerClient,
    ) -> CallFuture<'a, (EpochSettings, Reply)> {
        Box::pin(async move {
            let response =
                v1::pb::signer_service_client::SignerServiceClient::new(client.channel.clone())
                    .get_epoch_settings(client.request(v1::pb::GetEpochSettingsRequest {}))
                    .await?;
            let reply = Reply::from_metadata(response.metadata());
            let settings = from_pb::<v1::V1, EpochSettings>(
                response.into_inner().epoch_settings,
                "epoch_settings",
            )?;
            Ok((settings, reply))
        })
    }
}
