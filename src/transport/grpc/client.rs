//! The signer's client: discovery, version negotiation, version metadata, and the calls.

use std::future::Future;
use std::pin::Pin;

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
use crate::wire::{HubType, Spoke, WireVersion};

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
    pub(super) fn from_metadata(metadata: &MetadataMap) -> Self {
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
    pub(super) channel: Channel,
    /// The signer's identity as request metadata, written once: every call sends a copy.
    metadata: MetadataMap,
    negotiated: WireVersion,
    discovered: Option<Discovered>,
}

/// A call of one wire version's client, boxed so that the version is chosen at run time.
pub(super) type CallFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, ClientError>> + Send + 'a>>;

/// The calls of one wire version's client (`v1.rs`, `v2.rs`, …), chosen by the negotiated
/// version through `transport::grpc::calls`.
pub(super) trait VersionCalls: Sync {
    /// Registers the signer's keys; answers the response's metadata.
    fn register_signer<'a>(
        &'a self,
        client: &'a SignerClient,
        registration: &'a SignerRegistration,
    ) -> CallFuture<'a, MetadataMap>;

    /// Registers single signatures in as few calls as the version allows.
    fn register_signatures<'a>(
        &'a self,
        client: &'a SignerClient,
        signatures: &'a [SingleSignature],
    ) -> CallFuture<'a, BatchReply>;

    /// Sends single signatures on a stream, or as `register_signatures` where there is none.
    fn stream_signatures<'a>(
        &'a self,
        client: &'a SignerClient,
        signatures: &'a [SingleSignature],
    ) -> CallFuture<'a, BatchReply>;

    /// The epoch settings.
    fn epoch_settings<'a>(
        &'a self,
        client: &'a SignerClient,
    ) -> CallFuture<'a, (EpochSettings, Reply)>;
}

pub(super) fn to_pb<S: Spoke<T>, T: HubType>(value: &T) -> Result<S::Pb, ClientError> {
    S::from_hub_strict(value)
        .map_err(|error| ClientError::Wire(crate::error::Nest::within(error, T::KIND.field_name())))
}

/// Converts a response's message into the hub: an absent message is an error naming its field,
/// never a default value.
pub(super) fn from_pb<S: Spoke<T>, T: HubType>(
    pb: Option<S::Pb>,
    field: &'static str,
) -> Result<T, ClientError> {
    let pb = pb.ok_or_else(|| WireError::Invalid(crate::wire::missing(field)))?;
    S::to_hub(pb).map_err(|error| ClientError::Wire(crate::error::Nest::within(error, field)))
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

    pub(super) fn request<T>(&self, message: T) -> Request<T> {
        Request::from_parts(self.metadata.clone(), Default::default(), message)
    }

    /// Registers the signer's keys.
    pub async fn register_signer(
        &self,
        registration: &SignerRegistration,
    ) -> Result<Reply, ClientError> {
        let metadata = super::calls(self.negotiated)
            .register_signer(self, registration)
            .await?;
        Ok(Reply::from_metadata(&metadata))
    }

    /// Registers single signatures: in one call where the negotiated version has batches
    /// ([`WireVersion::streams`]), otherwise one call each.
    pub async fn register_signatures(
        &self,
        signatures: &[SingleSignature],
    ) -> Result<BatchReply, ClientError> {
        super::calls(self.negotiated)
            .register_signatures(self, signatures)
            .await
    }

    /// Sends single signatures on one client stream where the negotiated version has one
    /// ([`WireVersion::streams`]); otherwise as [`Self::register_signatures`] does.
    pub async fn stream_signatures(
        &self,
        signatures: &[SingleSignature],
    ) -> Result<BatchReply, ClientError> {
        super::calls(self.negotiated)
            .stream_signatures(self, signatures)
            .await
    }

    /// The epoch settings.
    pub async fn epoch_settings(&self) -> Result<(EpochSettings, Reply), ClientError> {
        super::calls(self.negotiated).epoch_settings(self).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{v1, v2};

    #[test]
    fn an_answer_without_its_message_is_an_error_not_a_default() {
        for error in [
            from_pb::<v1::V1, EpochSettings>(None, "epoch_settings").unwrap_err(),
            from_pb::<v2::V2, EpochSettings>(None, "epoch_settings").unwrap_err(),
        ] {
            assert_eq!(error.to_string(), "epoch_settings: missing", "{error:?}");
        }
        // A message that is there converts, and its errors name the field.
        let settings = from_pb::<v2::V2, EpochSettings>(
            Some(v2::V2::from_hub_strict(&crate::samples::epoch_settings()).unwrap()),
            "epoch_settings",
        )
        .unwrap();
        assert_eq!(settings, crate::samples::epoch_settings());
        let mut damaged = v2::V2::from_hub_strict(&crate::samples::epoch_settings()).unwrap();
        damaged.next_signers[0].party_id.clear();
        let error = from_pb::<v2::V2, EpochSettings>(Some(damaged), "epoch_settings").unwrap_err();
        assert!(error.to_string().starts_with("epoch_settings."), "{error}");
    }
}
