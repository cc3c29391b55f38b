//! The gRPC services: thin adapters that decode, convert to the hub, apply the era policy and
//! call the backend. One per wire version, plus discovery.

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::{Stream, StreamExt, wrappers::WatchStream};
use tonic::{Request, Response, Status, Streaming};

use super::admission::{admit, backend, invalid, with_warning};
use super::limits::{ServerLimits, bounded};
use super::metadata::SignerIdentity;
use super::state::AggregatorState;
use crate::adoption::RegistrationWire;
use crate::domain::{EpochSettings, SignerRegistration, SingleSignature};
use crate::error::{FieldPath, Nest, ValidationError, Violation, WireError};
use crate::wire::discovery::pb as discovery_pb;
use crate::wire::{HubType, Spoke, WireVersion, v1, v2};

/// Reads the signer's identity and checks it names the version of the call.
fn identity<T>(request: &Request<T>, version: WireVersion) -> Result<SignerIdentity, Status> {
    let identity = SignerIdentity::from_metadata(request.metadata())
        .map_err(|error| Status::invalid_argument(error.to_string()))?;
    if identity.wire_version != version {
        return Err(Status::invalid_argument(format!(
            "metadata {} says {} but the call is {}",
            super::metadata::WIRE_VERSION,
            identity.wire_version.name(),
            version.package()
        )));
    }
    Ok(identity)
}

/// Checks the caller's metadata and admits it under the era in force, by the eras its metadata
/// declares; returns the warning for its operator, if any.
fn admit_caller<T>(
    state: &AggregatorState,
    request: &Request<T>,
    version: WireVersion,
) -> Result<Option<String>, Status> {
    let identity = identity(request, version)?;
    admit(&state.era_view(), version, &identity.supported_eras)
}

/// Converts a request's message into the hub; errors name the field path.
fn to_hub<S, T>(pb: Option<S::Pb>, field: &'static str) -> Result<T, Status>
where
    S: Spoke<T>,
    T: HubType,
{
    let pb = pb.ok_or_else(|| {
        invalid(WireError::Invalid(ValidationError::new(
            FieldPath::field(field),
            Violation::Missing,
        )))
    })?;
    S::to_hub(pb).map_err(|error| invalid(error.within(field)))
}

/// Converts a hub value for a response (strict: what the version cannot carry is an error).
fn from_hub<S, T>(value: &T) -> Result<S::Pb, Status>
where
    S: Spoke<T>,
    T: HubType,
{
    S::from_hub_strict(value).map_err(|error| Status::internal(error.to_string()))
}

fn wire_of(version: WireVersion) -> RegistrationWire {
    RegistrationWire::Protobuf(version.id())
}

/// Registers a signer; the caller has checked its metadata. Admission goes by the
/// registration's own declaration, which prevails over the metadata: it is signed.
async fn register_signer<S: Spoke<SignerRegistration>>(
    state: &AggregatorState,
    pb: Option<S::Pb>,
) -> Result<Option<String>, Status> {
    let registration: SignerRegistration = to_hub::<S, _>(pb, "registration")?;
    let warning = admit(
        &state.era_view(),
        S::VERSION,
        registration.node_info.supported_eras(),
    )?;
    state
        .backend
        .register_signer(registration, wire_of(S::VERSION))
        .await
        .map_err(backend)?;
    Ok(warning)
}

async fn register_signature<S: Spoke<SingleSignature>>(
    state: &AggregatorState,
    pb: Option<S::Pb>,
    field: &'static str,
) -> Result<(), Status> {
    let signature: SingleSignature = to_hub::<S, _>(pb, field)?;
    state
        .backend
        .register_signature(signature, wire_of(S::VERSION))
        .await
        .map_err(backend)
}

async fn epoch_settings<S: Spoke<EpochSettings>>(state: &AggregatorState) -> Result<S::Pb, Status> {
    let settings = state.backend.epoch_settings().await.map_err(backend)?;
    from_hub::<S, _>(&settings)
}

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
            let required = WireVersion::accepted_during(era)
                .map(|version| version.package())
                .collect::<Vec<_>>()
                .join(" or ");
            return Err(Status::failed_precondition(format!(
                "era {era} (since epoch {since}) requires {required}; this signer speaks v1: upgrade"
            )));
        }
        Ok(Response::new(v1::pb::GetEpochSettingsResponse {
            epoch_settings: Some(epoch_settings::<v1::V1>(&self.state).await?),
        }))
    }
}

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

fn announcement(state: &AggregatorState) -> v2::pb::EraAnnouncement {
    let view = state.era_view();
    let (current, since) = view
        .epochs
        .current
        .as_ref()
        .map_or((String::new(), 0), |current| {
            (current.name.to_string(), current.since.0)
        });
    let (next, next_epoch) = view.next_era().map_or((String::new(), None), |(name, at)| {
        (name.to_string(), at.map(|epoch| epoch.0))
    });
    v2::pb::EraAnnouncement {
        current_era: current,
        current_era_since: since,
        next_era: next,
        next_era_epoch: next_epoch,
    }
}

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

/// The discovery service.
#[derive(Clone, Debug)]
pub struct DiscoveryAdapter {
    pub(crate) state: Arc<AggregatorState>,
}

impl DiscoveryAdapter {
    /// The service over `state`, to mount on a tonic router.
    pub fn new(state: Arc<AggregatorState>) -> Self {
        Self { state }
    }
}

#[tonic::async_trait]
impl discovery_pb::discovery_service_server::DiscoveryService for DiscoveryAdapter {
    async fn discover(
        &self,
        _request: Request<discovery_pb::DiscoverRequest>,
    ) -> Result<Response<discovery_pb::DiscoverResponse>, Status> {
        let announcement = announcement(&self.state);
        let view = self.state.era_view();
        let history = self.state.history_id();
        Ok(Response::new(discovery_pb::DiscoverResponse {
            wire_versions: self
                .state
                .served
                .iter()
                .map(|version| version.id().number())
                .collect(),
            software_version: self.state.software_version.to_string(),
            epoch: view.epoch.0,
            current_era: announcement.current_era,
            current_era_since: announcement.current_era_since,
            next_era: announcement.next_era,
            next_era_epoch: announcement.next_era_epoch,
            era_history_hash: history.hash.to_vec().into(),
            era_history_next: history.next.map(|epoch| epoch.0),
            network: self.state.network.0,
        }))
    }
}
