//! The signer's client: discovery, version negotiation, version metadata, and the calls.

use tonic::metadata::MetadataMap;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status};

use super::metadata::{SignerIdentity, header_text, names};
use crate::WireError;
use crate::domain::{Epoch, EpochSettings, NodeInfo, SignerRegistration, SingleSignature};
use crate::era::NetworkMagic;
use crate::wire::discovery::pb::{
    DiscoverRequest, discovery_service_client::DiscoveryServiceClient,
};
use crate::wire::discovery::{EraHistoryId, HistoryMismatch};
use crate::wire::{HubType, Spoke, WireVersion, v1, v2};

/// A client failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The aggregator could not be reached.
    #[error("cannot reach the aggregator: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The aggregator answered with an error status.
    #[error("the aggregator refused the call ({}): {}", .0.code(), .0.message())]
    Status(Box<Status>),
    /// A message could not be converted.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The aggregator serves no wire version this client speaks.
    #[error(
        "no common wire version: this signer speaks {ours:?}, the aggregator serves {theirs:?}: upgrade"
    )]
    NoCommonVersion {
        /// What this client speaks.
        ours: Vec<WireVersion>,
        /// What the aggregator serves (version numbers).
        theirs: Vec<u32>,
    },
}

impl From<Status> for ClientError {
    fn from(status: Status) -> Self {
        Self::Status(Box::new(status))
    }
}

impl ClientError {
    /// The status code, when the aggregator answered with one.
    pub fn code(&self) -> Option<Code> {
        match self {
            Self::Status(status) => Some(status.code()),
            _ => None,
        }
    }

    /// Whether the aggregator said this signer must upgrade (FAILED_PRECONDITION from the era
    /// policy, or no common wire version).
    pub fn requires_upgrade(&self) -> bool {
        matches!(self, Self::NoCommonVersion { .. })
            || matches!(self, Self::Status(status) if status.code() == Code::FailedPrecondition)
    }
}

/// What discovery returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// The wire versions served (numbers).
    pub wire_versions: Vec<u32>,
    /// The aggregator's software version.
    pub software_version: String,
    /// The aggregator's epoch.
    pub epoch: Epoch,
    /// The era in force, if any.
    pub current_era: Option<String>,
    /// The next era and its activation epoch, if any.
    pub next_era: Option<(String, Option<Epoch>)>,
    /// The era history identifier.
    pub history: EraHistoryId,
    /// The network.
    pub network: NetworkMagic,
}

/// What the aggregator said beside an answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// A warning for the operator (an era to upgrade for).
    pub warning: Option<String>,
    /// The aggregator's software version.
    pub aggregator_version: Option<String>,
    /// The era in force at the aggregator.
    pub current_era: Option<String>,
}

impl Reply {
    fn from_metadata(metadata: &MetadataMap) -> Self {
        let get = |name| header_text(metadata, &name).map(str::to_owned);
        Self {
            warning: get(names::ERA_WARNING),
            aggregator_version: get(names::AGGREGATOR_VERSION)
                .or_else(|| get(names::LEGACY_AGGREGATOR_VERSION)),
            current_era: get(names::CURRENT_ERA),
        }
    }
}

/// The outcome of a batch of signatures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchReply {
    /// Signatures accepted.
    pub accepted: u32,
    /// Signatures refused: position and reason (the first ones, as many as the aggregator
    /// answers one by one).
    pub rejected: Vec<(u32, String)>,
    /// Every refused signature, counted by reason (empty from aggregators before 0.4.0, which
    /// answer every rejection in `rejected`).
    pub rejected_by_reason: Vec<(String, u32)>,
    /// What the aggregator said beside.
    pub reply: Reply,
}

impl BatchReply {
    /// The outcome as a v2 batch or stream response states it.
    fn from_v2(
        accepted: u32,
        rejections: Vec<v2::pb::SignatureRejection>,
        counts: Vec<v2::pb::RejectionCount>,
        reply: Reply,
    ) -> Self {
        Self {
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

    /// How many signatures were refused in all.
    pub fn rejected_count(&self) -> u64 {
        if self.rejected_by_reason.is_empty() {
            self.rejected.len() as u64
        } else {
            self.rejected_by_reason
                .iter()
                .map(|(_, count)| u64::from(*count))
                .sum()
        }
    }
}

/// A signer's connection to an aggregator, on the highest wire version both speak.
#[derive(Clone, Debug)]
pub struct SignerClient {
    channel: Channel,
    /// The signer's identity as request metadata, written once: every call sends a copy.
    metadata: MetadataMap,
    negotiated: WireVersion,
    discovered: Option<Discovered>,
}

fn to_pb<S: Spoke<T>, T: HubType>(value: &T) -> Result<S::Pb, ClientError> {
    S::from_hub_strict(value)
        .map_err(|error| ClientError::Wire(crate::error::Nest::within(error, T::KIND.field_name())))
}

impl SignerClient {
    /// Connects to `endpoint` (such as `http://127.0.0.1:50051`) and negotiates.
    pub async fn connect(
        endpoint: impl Into<String>,
        node_info: &NodeInfo,
        speaks: &[WireVersion],
    ) -> Result<Self, ClientError> {
        // HTTP/2 pings while a call or stream is open: an aggregator closes connections whose
        // peer sends nothing for its idle timeout (two minutes by default).
        let channel = Endpoint::from_shared(endpoint.into())?
            .http2_keep_alive_interval(std::time::Duration::from_secs(45))
            .keep_alive_timeout(std::time::Duration::from_secs(20))
            .connect()
            .await?;
        Self::negotiate(channel, node_info, speaks).await
    }

    /// Negotiates over an existing channel: asks discovery and picks the highest wire version
    /// both sides speak; an aggregator without discovery (UNIMPLEMENTED) is spoken to in v1.
    pub async fn negotiate(
        channel: Channel,
        node_info: &NodeInfo,
        speaks: &[WireVersion],
    ) -> Result<Self, ClientError> {
        let request = DiscoverRequest {
            software_version: node_info.software_version().to_string(),
            wire_versions: speaks.iter().map(|version| version.id().number()).collect(),
            supported_eras: node_info
                .supported_eras()
                .iter()
                .map(ToString::to_string)
                .collect(),
        };
        let answer = DiscoveryServiceClient::new(channel.clone())
            .discover(request)
            .await;
        let (served, discovered) = match answer {
            Ok(response) => {
                let response = response.into_inner();
                let mut hash = [0u8; 8];
                if response.era_history_hash.len() == 8 {
                    hash.copy_from_slice(&response.era_history_hash);
                }
                let discovered = Discovered {
                    wire_versions: response.wire_versions.clone(),
                    software_version: response.software_version,
                    epoch: Epoch(response.epoch),
                    current_era: (!response.current_era.is_empty()).then_some(response.current_era),
                    next_era: (!response.next_era.is_empty())
                        .then(|| (response.next_era, response.next_era_epoch.map(Epoch))),
                    history: EraHistoryId {
                        hash,
                        next: response.era_history_next.map(Epoch),
                    },
                    network: NetworkMagic(response.network),
                };
                (response.wire_versions, Some(discovered))
            }
            Err(status) if status.code() == Code::Unimplemented => {
                // A server without discovery predates it: it speaks the oldest version.
                (vec![WireVersion::ALL[0].id().number()], None)
            }
            Err(status) => return Err(status.into()),
        };
        let negotiated = speaks
            .iter()
            .copied()
            .filter(|version| served.contains(&version.id().number()))
            .max()
            .ok_or_else(|| ClientError::NoCommonVersion {
                ours: speaks.to_vec(),
                theirs: served.clone(),
            })?;
        let mut metadata = MetadataMap::new();
        SignerIdentity {
            software_version: node_info.software_version().clone(),
            wire_version: negotiated,
            supported_eras: node_info.supported_eras().to_vec(),
        }
        .write(&mut metadata);
        Ok(Self {
            channel,
            metadata,
            negotiated,
            discovered,
        })
    }

    /// The wire version negotiated.
    pub fn negotiated(&self) -> WireVersion {
        self.negotiated
    }

    /// What discovery returned (`None` when the aggregator has no discovery service).
    pub fn discovered(&self) -> Option<&Discovered> {
        self.discovered.as_ref()
    }

    /// Checks that the aggregator follows the same era history as `local`.
    pub fn check_history(&self, local: &EraHistoryId) -> Result<(), HistoryMismatch> {
        match &self.discovered {
            Some(discovered) => local.check(&discovered.history),
            None => Ok(()),
        }
    }

    fn request<T>(&self, message: T) -> Request<T> {
        Request::from_parts(self.metadata.clone(), Default::default(), message)
    }

    /// Registers the signer's keys.
    pub async fn register_signer(
        &self,
        registration: &SignerRegistration,
    ) -> Result<Reply, ClientError> {
        let response = match self.negotiated {
            WireVersion::V1 => {
                let message = v1::pb::RegisterSignerRequest {
                    registration: Some(to_pb::<v1::V1, _>(registration)?),
                };
                v1::pb::signer_service_client::SignerServiceClient::new(self.channel.clone())
                    .register_signer(self.request(message))
                    .await?
                    .metadata()
                    .clone()
            }
            WireVersion::V2 => {
                let message = v2::pb::RegisterSignerRequest {
                    registration: Some(to_pb::<v2::V2, _>(registration)?),
                };
                v2::pb::signer_service_client::SignerServiceClient::new(self.channel.clone())
                    .register_signer(self.request(message))
                    .await?
                    .metadata()
                    .clone()
            }
        };
        Ok(Reply::from_metadata(&response))
    }

    /// Registers single signatures: one batch call in v2, one call each in v1.
    pub async fn register_signatures(
        &self,
        signatures: &[SingleSignature],
    ) -> Result<BatchReply, ClientError> {
        match self.negotiated {
            WireVersion::V1 => {
                let mut batch = BatchReply::default();
                let mut client =
                    v1::pb::signer_service_client::SignerServiceClient::new(self.channel.clone());
                for (index, signature) in signatures.iter().enumerate() {
                    let message = v1::pb::RegisterSignatureRequest {
                        signature: Some(to_pb::<v1::V1, _>(signature)?),
                    };
                    match client.register_signature(self.request(message)).await {
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
            }
            WireVersion::V2 => {
                let message = v2::pb::RegisterSignaturesRequest {
                    signatures: signatures
                        .iter()
                        .map(to_pb::<v2::V2, _>)
                        .collect::<Result<_, _>>()?,
                };
                let response =
                    v2::pb::signer_service_client::SignerServiceClient::new(self.channel.clone())
                        .register_signatures(self.request(message))
                        .await?;
                let reply = Reply::from_metadata(response.metadata());
                let v2::pb::RegisterSignaturesResponse {
                    accepted,
                    rejections,
                    rejection_counts,
                } = response.into_inner();
                Ok(BatchReply::from_v2(
                    accepted,
                    rejections,
                    rejection_counts,
                    reply,
                ))
            }
        }
    }

    /// Sends single signatures on one client stream where the negotiated version has one
    /// ([`WireVersion::streams`]); otherwise as [`Self::register_signatures`] does.
    pub async fn stream_signatures(
        &self,
        signatures: &[SingleSignature],
    ) -> Result<BatchReply, ClientError> {
        match self.negotiated {
            WireVersion::V1 => self.register_signatures(signatures).await,
            WireVersion::V2 => {
                let messages = signatures
                    .iter()
                    .map(|signature| {
                        to_pb::<v2::V2, _>(signature).map(|pb| v2::pb::StreamSignaturesRequest {
                            signature: Some(pb),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let response =
                    v2::pb::signer_service_client::SignerServiceClient::new(self.channel.clone())
                        .stream_signatures(self.request(tokio_stream::iter(messages)))
                        .await?;
                let reply = Reply::from_metadata(response.metadata());
                let v2::pb::StreamSignaturesResponse {
                    accepted,
                    rejections,
                    rejection_counts,
                } = response.into_inner();
                Ok(BatchReply::from_v2(
                    accepted,
                    rejections,
                    rejection_counts,
                    reply,
                ))
            }
        }
    }

    /// The epoch settings.
    pub async fn epoch_settings(&self) -> Result<(EpochSettings, Reply), ClientError> {
        match self.negotiated {
            WireVersion::V1 => {
                let response =
                    v1::pb::signer_service_client::SignerServiceClient::new(self.channel.clone())
                        .get_epoch_settings(self.request(v1::pb::GetEpochSettingsRequest {}))
                        .await?;
                let reply = Reply::from_metadata(response.metadata());
                let pb = response.into_inner().epoch_settings.unwrap_or_default();
                Ok((<v1::V1 as Spoke<EpochSettings>>::to_hub(pb)?, reply))
            }
            WireVersion::V2 => {
                let response =
                    v2::pb::signer_service_client::SignerServiceClient::new(self.channel.clone())
                        .get_epoch_settings(self.request(v2::pb::GetEpochSettingsRequest {}))
                        .await?;
                let reply = Reply::from_metadata(response.metadata());
                let pb = response.into_inner().epoch_settings.unwrap_or_default();
                Ok((<v2::V2 as Spoke<EpochSettings>>::to_hub(pb)?, reply))
            }
        }
    }
}
